"""The nbgrader pipeline, for every lesson in solutions/.

For each lesson: the committed release equals a fresh `nbgrader
generate_assignment`; the solution scores full marks under real `nbgrader
autograde` (read from the gradebook); the unmodified release scores zero; each
misconception in tests/variants loses points on the tests it names and keeps
full marks on every other test (one mistake costs one exercise), and each
alternative correct answer keeps full marks. Written answers (markdown cells
graded by hand) score nothing automatically: the solution's wait for the
instructor, and these tests judge only the autograded cells.
"""

import json
import re
import shutil

import pytest

from autograder.course import LESSONS, SOLUTIONS, autograde, lesson_ids, notebook_name
from autograder.template import course_template
from course_lib import manifest
from tests.variants import build_notebook, variants_for

ALL_LESSONS = lesson_ids()


def chunk_size(lesson):
    """Variants graded per nbgrader run: small chunks keep both xdist workers busy."""
    return manifest.lesson(lesson).variants_per_run


VARIANT_CHUNKS = [(lesson, start) for lesson in ALL_LESSONS
                  for start in range(0, len(variants_for(lesson)), chunk_size(lesson))]


@pytest.fixture(scope="session")
def course_for():
    """A scratch course with the lesson's release generated (once per version of the
    sources, shared by the xdist workers: autograder.template's cache). Read-only: each
    grading copies it."""
    return lambda lesson: course_template([lesson])


def written_answers(lesson):
    """grade_ids of the lesson's written answers (markdown cells graded by hand)."""
    notebook = json.loads((SOLUTIONS / lesson / notebook_name(lesson)).read_text(encoding="utf-8"))
    return {cell["metadata"]["nbgrader"]["grade_id"] for cell in notebook["cells"]
            if cell["cell_type"] == "markdown"
            and cell["metadata"].get("nbgrader", {}).get("grade")}


def autograded(score, lesson):
    """{grade_id: (score, max_score)} of the autograded tests only."""
    written = written_answers(lesson)
    return {name: value for name, value in score.tests.items() if name not in written}


def needs_manual_grade(course, lesson, student):
    """{grade_id: needs_manual_grade} of a graded submission, from the course gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gradebook:
        submission = gradebook.find_submission(lesson, student)
        return {grade.name: bool(grade.needs_manual_grade)
                for notebook in submission.notebooks for grade in notebook.grades}


def grade(course_for, workdir, lesson, variants=(), plain=False):
    """Autograde the given variants (and the solution and release when `plain`).

    Each call copies the generated course, so calls are independent tests.
    Returns {student: Score}.
    """
    course = workdir / "course"
    shutil.copytree(course_for(lesson), course)
    release = course / "lessons" / lesson / notebook_name(lesson)
    solution = SOLUTIONS / lesson / notebook_name(lesson)
    submissions = {"solution": solution, "release": release} if plain else {}
    for variant in variants:
        submissions[variant.name] = build_notebook(
            release, solution, variant.replace, workdir / f"{variant.name}.ipynb")
    return autograde(course, lesson, submissions)


def test_lessons_present():
    """solutions/ and lessons/ hold the same lessons, 00 and 01 at least."""
    released = sorted(path.name for path in LESSONS.iterdir() if path.is_dir())
    assert released == ALL_LESSONS
    assert {"00", "01"} <= {lesson[:2] for lesson in ALL_LESSONS}


@pytest.mark.slow
@pytest.mark.parametrize("lesson", ALL_LESSONS)
def test_release_is_fresh_generation(lesson, course_for):
    """The committed release equals generate_assignment of the current sources, byte for byte."""
    fresh = (course_for(lesson) / "lessons" / lesson / notebook_name(lesson)).read_bytes()
    committed = (LESSONS / lesson / notebook_name(lesson)).read_bytes()
    assert fresh == committed, f"lessons/{lesson} is stale: run `make release`"


@pytest.mark.slow
@pytest.mark.parametrize("lesson", ALL_LESSONS)
def test_solution_full_marks_release_zero(lesson, course_for, tmp_path):
    """The solution scores full marks on every autograded test, its written answers wait for
    manual grading, and the untouched release scores zero."""
    scores = grade(course_for, tmp_path, lesson, plain=True)
    written = written_answers(lesson)
    solution = autograded(scores["solution"], lesson)
    assert scores["solution"].max_score > 0 and solution
    assert all(abs(got - maximum) < 1e-9 for got, maximum in solution.values()), solution
    assert set(scores["solution"].tests) - set(solution) == written
    manual = needs_manual_grade(tmp_path / "course", lesson, "solution")
    assert all(manual[name] for name in written), manual
    assert not any(manual[name] for name in solution), manual
    assert scores["solution"].score == sum(maximum for _, maximum in solution.values())
    assert scores["release"].score == 0, scores["release"].tests


@pytest.mark.slow
@pytest.mark.parametrize("lesson, start", VARIANT_CHUNKS,
                         ids=[f"{lesson}-{start}" for lesson, start in VARIANT_CHUNKS])
def test_misconceptions_lose_points_alternatives_keep_them(lesson, start, course_for, tmp_path):
    """Every wrong answer loses points on its tests and only there; alternatives keep all."""
    variants = variants_for(lesson)[start:start + chunk_size(lesson)]
    scores = grade(course_for, tmp_path, lesson, variants)
    problems = []
    for variant in variants:
        tests = autograded(scores[variant.name], lesson)  # written answers wait for a person
        if not variant.must_lose and not all(abs(got - maximum) < 1e-9
                                             for got, maximum in tests.values()):
            problems.append(f"{variant.name}: a correct answer lost points {tests}")
        unknown = set(variant.must_lose) - set(tests)
        if unknown:
            problems.append(f"{variant.name}: no graded tests named {sorted(unknown)}")
        for test, (got, maximum) in tests.items():
            if test in variant.must_lose and not got < maximum:
                problems.append(f"{variant.name}: {test} kept {got}/{maximum}")
            if test not in variant.must_lose and got < maximum:
                # two-sided: one mistake costs only its own exercise (and a variant
                # broken by a typo or a dead kernel is not counted as caught)
                problems.append(f"{variant.name}: {test} lost points ({got}/{maximum}) "
                                "although the variant does not target it")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("folder", ["solutions", "lessons"])
def test_notebooks_stored_without_outputs(folder):
    """Notebooks are committed without outputs or execution counts."""
    for lesson in ALL_LESSONS:
        path = SOLUTIONS.parent / folder / lesson / notebook_name(lesson)
        notebook = json.loads(path.read_text(encoding="utf-8"))
        for cell in notebook["cells"]:
            if cell["cell_type"] == "code":
                assert cell["outputs"] == [] and cell["execution_count"] is None, (path, cell["id"])


def test_release_has_no_solution_or_hidden_tests():
    """No student version contains a solution region or a hidden-test region."""
    marker = re.compile(r"(BEGIN|END) (SOLUTION|HIDDEN TESTS)")
    for lesson in ALL_LESSONS:
        text = (LESSONS / lesson / notebook_name(lesson)).read_text(encoding="utf-8")
        assert not marker.search(text), lesson


def test_sources_have_solutions_and_graded_tests():
    """Each graded lesson has solution cells with markers and test cells with points."""
    for lesson in ALL_LESSONS:
        notebook = json.loads((SOLUTIONS / lesson / notebook_name(lesson)).read_text())
        metas = [cell["metadata"].get("nbgrader", {}) for cell in notebook["cells"]]
        tests = [meta for meta in metas if meta.get("grade") and not meta.get("solution")]
        assert tests and all(meta.get("points", 0) > 0 for meta in tests), lesson
        ids = [meta["grade_id"] for meta in metas if meta]
        assert len(ids) == len(set(ids)), f"{lesson}: duplicate grade_id"


def test_written_questions_graded_by_hand():
    """Lessons 01-11 each have a written answer cell with points and a rubric the release hides."""
    for lesson in ALL_LESSONS:
        if not "01" <= lesson[:2] <= "11":
            continue
        written = written_answers(lesson)
        assert written, f"{lesson}: no written question (a markdown solution cell)"
        source = json.loads((SOLUTIONS / lesson / notebook_name(lesson)).read_text())
        release = json.loads((LESSONS / lesson / notebook_name(lesson)).read_text())
        for notebook, blank in ((source, False), (release, True)):
            for cell in notebook["cells"]:
                meta = cell["metadata"].get("nbgrader", {})
                if meta.get("grade_id") in written:
                    text = "".join(cell["source"])
                    assert meta.get("points", 0) > 0 and meta.get("solution"), (lesson, meta)
                    if blank:
                        assert text.strip() == "YOUR ANSWER HERE", (lesson, text)
                    else:
                        assert "### BEGIN SOLUTION" in text and "Rubric" in text, (lesson, text)
