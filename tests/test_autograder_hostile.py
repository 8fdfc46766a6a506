"""The grading tool on one hostile batch, checked against stock nbgrader.

One run of `python -m autograder.grade --jobs 2` grades a class of lesson-01
submissions: ordinary ones (the solution, the blank release, wrong answers),
ones that attack the grader (infinite loops, a memory bomb, exits, a segfault,
tampering with the checks, edited or deleted locked cells ...) and files that
are not notebooks at all. Each must end with a score or a clear error row,
and every ordinary submission must score exactly what stock sequential
`nbgrader autograde` gives it.
"""

import copy
import csv
import json
import re
import subprocess
import sys

import pytest

from autograder.course import COURSE_ROOT, LESSONS, SOLUTIONS, autograde, make_course, nbgrader
from autograder.feedback import leaks_hidden_code
from autograder.gradebook_merge import lesson_tests
from tests.variants import build_notebook

LESSON = "01_dense_layers"
RELEASE = LESSONS / LESSON / f"{LESSON}.ipynb"
SOLUTION = SOLUTIONS / LESSON / f"{LESSON}.ipynb"
DENSE = "def dense_forward(x, w, b):\n    {body}\n"
NO_BIAS = DENSE.format(body="return x @ w, (x, w, b)")
PATCH_CHECKS = ("import numpy as np\n"
                "np.testing.assert_allclose = lambda *args, **kwargs: None\n"
                "np.allclose = lambda *args, **kwargs: True\n")
UNINTERRUPTIBLE = ("while True:\n    try:\n        while True:\n            pass\n"
                   "    except KeyboardInterrupt:\n        pass\n")
SEGFAULT = "import ctypes\nctypes.string_at(0)\n"

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("autograder_hostile")]


def solved(work, name, replace=None):
    """The release with every solution filled in, then `replace` ({grade_id: source}) applied."""
    return build_notebook(RELEASE, SOLUTION, replace or {}, work / f"{name}.json")


def edit_cells(path, edit):
    """Apply edit(cells) -> cells to a notebook file in place."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    notebook["cells"] = edit(notebook["cells"])
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def prepend(source):
    """A replacement for dense_forward's cell that first runs `source`."""
    return {"dense_forward": source + "\n" + NO_BIAS}


def build_class(work):
    """{student: notebook path} of ordinary submissions, and of hostile ones; extra files."""
    ordinary = {
        "solution": solved(work, "solution"),
        "blank": RELEASE,
        "no_bias": solved(work, "no_bias", {"dense_forward": NO_BIAS}),
        "edited_locked": edit_cells(
            solved(work, "edited_locked", {"dense_forward": NO_BIAS}),
            lambda cells: [dict(cell, source="pass") if grade_id(cell) == "test_dense_forward"
                           else cell for cell in cells]),
        "warns": solved(work, "warns", {"dense_forward": (
            "import sys\nimport warnings\n\n" + DENSE.format(body=(
                "warnings.warn('a harmless warning', RuntimeWarning)\n"
                "    print('a message on stderr', file=sys.stderr)\n"
                "    return x @ w + b, (x, w, b)")))}),
        "tamper_numpy": solved(work, "tamper_numpy", {"dense_forward": PATCH_CHECKS + NO_BIAS}),
    }

    def delete_relu_test(cells):
        return [cell for cell in cells if grade_id(cell) != "test_relu_forward"]

    def rename_dense_test(cells):
        for cell in cells:
            if grade_id(cell) == "test_dense_forward":
                cell["metadata"]["nbgrader"]["grade_id"] = "my_own_test"
                cell["id"] = "my-own-test"
                cell["source"] = "pass"
        return cells

    def duplicate_cells(cells):
        copies = [copy.deepcopy(cell) for cell in cells if grade_id(cell) in
                  ("dense_forward", "test_dense_forward")]
        return cells + copies

    def with_widget(cells):
        for cell in cells:
            if grade_id(cell) == "dense_forward":
                cell["outputs"] = [{"output_type": "display_data", "metadata": {}, "data": {
                    "application/vnd.jupyter.widget-view+json": {
                        "model_id": "abc123", "version_major": 2, "version_minor": 0},
                    "text/plain": "IntSlider(value=3)"}}]
                cell["execution_count"] = 1
        return cells

    hostile = {
        "infinite_loop": solved(work, "infinite_loop", prepend("while True:\n    pass")),
        "uninterruptible": solved(work, "uninterruptible", prepend(UNINTERRUPTIBLE)),
        "memory_bomb": solved(work, "memory_bomb", prepend(
            "blocks = []\nwhile True:\n    blocks.append(bytearray(200 * 2**20))")),
        "sys_exit": solved(work, "sys_exit", prepend("import sys\nsys.exit()")),
        "os_exit": solved(work, "os_exit", prepend("import os\nos._exit(1)")),
        "segfault": solved(work, "segfault", prepend(SEGFAULT)),
        "deleted_test": edit_cells(solved(work, "deleted_test", {
            "relu_forward": "def relu_forward(x):\n    return np.clip(x, 0, 1), x\n"}),
            delete_relu_test),
        "renamed_test": edit_cells(solved(work, "renamed_test", {"dense_forward": NO_BIAS}),
                                   rename_dense_test),
        "tamper_builtins": solved(work, "tamper_builtins", {"dense_forward": (
            "import builtins\nbuiltins.AssertionError = type('Quiet', (Exception,), {})\n"
            "def isinstance(*args):\n    return True\n\n" + NO_BIAS)}),
        "tamper_reference": solved(work, "tamper_reference", {"dense_forward": (
            "import contextlib\nimport course_lib.testing\n"
            "course_lib.testing.reference_disabled = lambda *functions: contextlib.nullcontext()\n"
            + DENSE.format(body="from course_lib.layers import dense_forward as reference\n"
                                "    return reference(x, w, b)"))}),
        "tamper_inside": solved(work, "tamper_inside", {"dense_forward": DENSE.format(body=(
            "np.testing.assert_allclose = lambda *args, **kwargs: None\n"
            "    np.allclose = lambda *args, **kwargs: True\n"
            "    return x @ w, (x, w, b)"))}),
        "duplicate_ids": edit_cells(solved(work, "duplicate_ids"), duplicate_cells),
        "widget": edit_cells(solved(work, "widget"), with_widget),
        "prints_100mb": solved(work, "prints_100mb", {"dense_forward": (
            "print('x' * 100_000_000)\n" + DENSE.format(body="return x @ w + b, (x, w, b)"))}),
    }
    return ordinary, hostile


def old_format(source, target):
    import nbformat

    notebook = nbformat.read(str(source), as_version=4)
    nbformat.write(nbformat.convert(notebook, 3), str(target))


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Grade the whole class once with our tool and the ordinary part with stock nbgrader."""
    work = tmp_path_factory.mktemp("hostile")
    ordinary, hostile = build_class(work)
    folder = work / "download"
    folder.mkdir()
    for number, (student, path) in enumerate({**ordinary, **hostile}.items()):
        name = (f"{student}_{LESSON}.ipynb" if number % 2
                else f"{student}_1234{number}_5678{number}_{LESSON}.ipynb")
        (folder / name).write_bytes(path.read_bytes())
    (folder / f"truncated_{LESSON}.ipynb").write_bytes(SOLUTION.read_bytes()[:500])
    (folder / f"empty_{LESSON}.ipynb").write_bytes(b"")
    (folder / f"latin_{LESSON}.ipynb").write_bytes(
        SOLUTION.read_text(encoding="utf-8").replace("Forward", "Forwärd").encode("latin-1", errors="replace"))
    old_format(ordinary["solution"], folder / f"version3_{LESSON}.ipynb")
    (folder / "someone_09_no_such_lesson.ipynb").write_bytes(SOLUTION.read_bytes())
    (folder / "homework.ipynb").write_bytes(SOLUTION.read_bytes())
    output = work / "output"
    run = subprocess.run(
        [sys.executable, "-m", "autograder.grade", str(folder), "--output", str(output),
         "--jobs", "2", "--cell-timeout", "10", "--notebook-timeout", "40",
         "--memory-limit", "1.5"],
        cwd=COURSE_ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    with open(output / "grades.csv", newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    stock_course = make_course(work / "stock", [LESSON])
    stock = autograde(stock_course, LESSON, ordinary)
    return {"rows": rows, "output": output, "stock": stock, "stock_course": stock_course,
            "stdout": run.stdout, "folder": folder}


def student_id(batch, student):
    """The id grades.csv gives `student`: the name, or for a Canvas file name, the name and
    the Canvas user id (`solution_12340`)."""
    ids = {row["student"] for row in batch["rows"]
           if re.fullmatch(rf"{re.escape(student)}(?:_1234\d+)?", row["student"])}
    assert len(ids) == 1, (student, ids)
    return ids.pop()


def row(batch, student):
    matches = [row for row in batch["rows"] if row["student"] == student_id(batch, student)]
    assert len(matches) == 1, (student, batch["rows"])
    return matches[0]


def scores_of(batch, student):
    return {name: float(row(batch, student)[name]) for name in lesson_tests(
        batch["output"] / "gradebook.db")[LESSON]}


def test_ordinary_submissions_score_as_stock_nbgrader(batch):
    """Correct, blank, wrong and edited-locked-cell submissions: the same scores as stock."""
    for student in ("solution", "blank", "no_bias", "edited_locked"):
        stock = batch["stock"][student]
        assert row(batch, student)["status"] == "graded"
        assert float(row(batch, student)["score"]) == stock.score, student
        assert scores_of(batch, student) == {name: score for name, (score, _) in
                                            stock.tests.items()}, student
    assert batch["stock"]["solution"].full_marks and batch["stock"]["blank"].score == 0


def test_output_gradebook_equals_csv(batch):
    """The merged gradebook holds what grades.csv says, readable by nbgrader's API."""
    from autograder.course import read_scores

    names = {student_id(batch, name): name for name in ("solution", "no_bias", "os_exit")}
    scores = read_scores(batch["output"], LESSON, list(names))
    for student, score in scores.items():
        assert score.score == float(row(batch, names[student])["score"]), student


def test_locked_test_cells_are_restored(batch):
    """An edited locked test (`pass`) and a deleted one still run the real tests."""
    assert scores_of(batch, "edited_locked")["test_dense_forward"] == 0
    deleted = scores_of(batch, "deleted_test")
    assert deleted["test_relu_forward"] == 0 and deleted["test_dense_forward"] == 3
    assert scores_of(batch, "renamed_test")["test_dense_forward"] == 0


def test_stderr_warnings_cost_nothing(batch):
    """A correct answer that warns keeps full marks, here and under stock nbgrader with the
    course's nbgrader_config.py (autograder/stock.py)."""
    assert float(row(batch, "warns")["score"]) == float(row(batch, "warns")["max_score"])
    assert batch["stock"]["warns"].full_marks


def test_tampering_is_detected_and_scores_zero(batch):
    """Patched numpy/builtins/course_lib checks: the test scores 0 and the row is flagged."""
    assert batch["stock"]["tamper_numpy"].full_marks  # stock nbgrader is fooled
    for student in ("tamper_numpy", "tamper_builtins", "tamper_reference", "tamper_inside"):
        assert row(batch, student)["status"] == "tampered", row(batch, student)
        assert scores_of(batch, student)["test_dense_forward"] == 0, student
        assert scores_of(batch, student)["test_softmax"] == 3, student


def test_runaway_code_is_stopped(batch):
    """Loops, memory bombs and exits end with a score or an error row, never a hang."""
    for student in ("infinite_loop", "memory_bomb", "sys_exit"):
        tests = scores_of(batch, student)
        assert row(batch, student)["status"] == "graded", row(batch, student)
        assert tests["test_dense_forward"] == 0 and tests["test_softmax"] == 3, student
    for student in ("uninterruptible", "os_exit", "segfault"):
        assert row(batch, student)["status"] in ("graded", "error"), row(batch, student)
        assert float(row(batch, student)["score"]) < 10, student
    assert "died" in row(batch, "segfault")["message"]


def test_odd_notebooks_are_graded(batch):
    """Duplicate cells, widget state, an nbformat v3 file and 100 MB of output are graded."""
    for student in ("duplicate_ids", "widget", "version3", "prints_100mb"):
        assert row(batch, student)["status"] == "graded", row(batch, student)
        assert float(row(batch, student)["score"]) == 10, student
    feedback = batch["output"] / "feedback" / "prints_100mb" / LESSON / f"{LESSON}.html"
    assert feedback.stat().st_size < 5_000_000


def test_unreadable_files_get_clear_rows(batch):
    """Broken files are error rows, unknown lessons and odd names are rejected rows."""
    expected = {"truncated": "malformed JSON", "empty": "empty file", "latin": "not UTF-8"}
    for student, message in expected.items():
        assert row(batch, student)["status"] == "error"
        assert message in row(batch, student)["message"]
    rejected = {r["file"].rsplit("/", 1)[-1]: r["message"] for r in batch["rows"]
                if r["status"] == "rejected"}
    assert "unknown lesson '09_no_such_lesson'" in rejected["someone_09_no_such_lesson.ipynb"]
    assert "not understood" in rejected["homework.ipynb"]


def test_feedback_hides_hidden_tests(batch):
    """Our feedback has no hidden test line, and neither has stock nbgrader's with the course's
    nbgrader_config.py (stock nbgrader's own leaks them: jupyter/nbgrader#917)."""
    ours = (batch["output"] / "feedback" / student_id(batch, "no_bias") / LESSON
            / f"{LESSON}.html")
    assert leaks_hidden_code(ours, SOLUTION, RELEASE) == []
    text = ours.read_text(encoding="utf-8")
    assert "test_dense_forward" in text and "AssertionError" in text
    nbgrader(["generate_feedback", LESSON, "--force"], cwd=batch["stock_course"])
    stock = batch["stock_course"] / "feedback" / "no_bias" / LESSON / f"{LESSON}.html"
    assert leaks_hidden_code(stock, SOLUTION, RELEASE) == []


def test_summary_lists_every_submission(batch):
    """The terminal summary names each graded student."""
    for student in ("solution", "segfault", "widget"):
        assert student in batch["stdout"]
