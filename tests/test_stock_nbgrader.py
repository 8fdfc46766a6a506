"""Stock nbgrader with the course's nbgrader_config.py: what an instructor gets from
`nbgrader autograde` / `nbgrader generate_feedback` and the Formgrader's buttons.

A solved, a blank and a hostile submission of lesson 01 are autograded and given
feedback by stock nbgrader (not the course's grading tool); no feedback page may
show hidden test code, a deleted test cell is put back and graded, a warning on
stderr costs nothing, and the gradebook is the course root's wherever nbgrader runs.
"""

import json

import pytest

from autograder.course import SOLUTIONS, autograde, nbgrader, notebook_name
from autograder.template import course_copy
from autograder.feedback import leaks_hidden_code
from tests.variants import build_notebook

LESSON = "01_dense_layers"
SOLUTION = SOLUTIONS / LESSON / notebook_name(LESSON)
WARNS = ("import sys\n\ndef dense_forward(x, w, b):\n"
         "    print('a warning on stderr', file=sys.stderr)\n"
         "    return x @ w + b, (x, w, b)\n")
NO_BIAS = "def dense_forward(x, w, b):\n    return x @ w, (x, w, b)\n"
STRAY_MARKER = "# ### BEGIN HIDDEN TESTS (a student typed this)\n"


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def hostile(release, target):
    """Wrong answers, a deleted test cell, a stderr warning and a stray hidden-test marker."""
    build_notebook(release, SOLUTION, {"dense_forward": NO_BIAS,
                                       "relu_forward": STRAY_MARKER + "relu_forward = None\n"},
                   target)
    notebook = json.loads(target.read_text(encoding="utf-8"))
    notebook["cells"] = [cell for cell in notebook["cells"]
                         if grade_id(cell) != "test_softmax"]
    target.write_text(json.dumps(notebook), encoding="utf-8")
    return target


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """A scratch course where stock nbgrader autograded and gave feedback to four students."""
    work = tmp_path_factory.mktemp("stock")
    course = course_copy(work / "course", [LESSON])
    release = course / "lessons" / LESSON / notebook_name(LESSON)
    submissions = {
        "solved": build_notebook(release, SOLUTION, {}, work / "solved.ipynb"),
        "blank": release,
        "hostile": hostile(release, work / "hostile.ipynb"),
        "warns": build_notebook(release, SOLUTION, {"dense_forward": WARNS}, work / "warns.ipynb"),
    }
    scores = autograde(course, LESSON, submissions)
    nbgrader(["generate_feedback", LESSON, "--force"], cwd=course)
    return {"course": course, "scores": scores, "release": release, "students": submissions}


pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("stock_nbgrader")]


def test_feedback_never_shows_hidden_tests(graded):
    """Solved, blank and hostile: no feedback page holds a line of hidden test code."""
    course = graded["course"]
    autograded = course / "autograded" / "blank" / LESSON / notebook_name(LESSON)
    assert leaks_hidden_code(autograded, SOLUTION, graded["release"]), \
        "the instructor's autograded copy should hold the hidden tests (the check is blind)"
    for student in graded["students"]:
        page = course / "feedback" / student / LESSON / f"{LESSON}.html"
        assert page.exists(), student
        assert leaks_hidden_code(page, SOLUTION, graded["release"]) == [], student
        assert "END HIDDEN TESTS" not in page.read_text(encoding="utf-8"), student


def autograded_full_marks(score):
    """Full marks on every autograded test; a written answer (`written_*`) waits for the
    instructor, its points in max_score but not yet in the score."""
    tests = [value for name, value in score.tests.items() if not name.startswith("written_")]
    return bool(tests) and all(abs(got - maximum) < 1e-9 for got, maximum in tests)


def test_scores_solved_blank_hostile(graded):
    """Full marks, zero, and for the hostile one: the deleted test is back and scores 0."""
    scores = graded["scores"]
    assert autograded_full_marks(scores["solved"])
    assert scores["solved"].tests["written_linear_collapse"] == (0, 2)  # for a person to grade
    assert scores["blank"].score == 0
    hostile_tests = scores["hostile"].tests
    assert set(hostile_tests) == set(scores["solved"].tests)  # test_softmax put back
    assert hostile_tests["test_dense_forward"][0] == 0
    assert hostile_tests["test_relu_forward"][0] == 0
    assert hostile_tests["test_softmax"][0] == hostile_tests["test_softmax"][1]


def test_stderr_warning_costs_nothing(graded):
    """A correct answer that prints to stderr keeps full marks under stock autograde."""
    assert autograded_full_marks(graded["scores"]["warns"])


def test_gradebook_is_anchored_at_the_course_root(graded, tmp_path, monkeypatch):
    """A grader's ~/.jupyter config that loads the course's, run from another folder: nbgrader
    reads the course's gradebook and creates no empty one where it started (JupyterHub)."""
    course = graded["course"]
    home_config = tmp_path / "dot-jupyter"
    home_config.mkdir()
    (home_config / "nbgrader_config.py").write_text(
        f"c = get_config()\nload_subconfig({str(course / 'nbgrader_config.py')!r})\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("JUPYTER_CONFIG_DIR", str(home_config))
    listing = nbgrader(["db", "student", "list"], cwd=elsewhere)
    assert "There are 4 students" in listing.stdout + listing.stderr
    assert list(elsewhere.iterdir()) == []
