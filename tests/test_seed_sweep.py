"""Hidden tests that draw their cases from course_lib.cases give the same verdict with any seed.

A graded test cell that calls a case generator (`dense_cases(1234, ...)`) is
judged here with other seeds: the solution and every alternative correct
answer of tests/variants must pass with every seed tried (so a tolerance
chosen too tight, or a case the exercise's docstring does not admit, shows
up), and each misconception must still fail the tests it targets with every
one of them (so it was not caught by luck of the committed seed: the same
mistake costs the same points whatever cases are drawn, and the cases a grading
secret adds, tests/test_secret_cases.py, cannot change what it costs).

The cells run in this process, in the namespace a student notebook would have
after running top to bottom: the lesson's import cells and its solution cells
(or the variant's replacements), then the test cell with its seeds replaced.
"""

import ast
import contextlib
import io
import json
import re

import matplotlib
import pytest

import course_lib.testing
from autograder.course import SOLUTIONS, lesson_ids, notebook_name
from tests.variants import variants_for

matplotlib.use("Agg")

# Seeds tried instead of each committed one (the committed seeds have 4 digits or less):
# 12 for the solution; 8 for each other answer, some of which are slow Python loops.
SOLUTION_SEEDS = range(1, 13)
VARIANT_SEEDS = range(1, 9)
CASES_CALL = re.compile(r"\b([a-z0-9_]+_cases)\((\d+)")
NUMPY_LESSONS = [lesson for lesson in lesson_ids() if "01" <= lesson[:2] <= "09"]


def remember_heap_searches(monkeypatch):
    """reference_disabled searches the heap for copies of a reference at each call: 1 ms in a
    notebook's kernel, 50 ms in a test worker that has imported TensorFlow (600,000 objects),
    where it was 80 % of this module's time. Remember the answers until
    `course_lib.testing.copies_cache` is replaced by a new dict, which each answer's
    namespace does (its functions are new objects: the heap is searched again)."""
    search = course_lib.testing._copies_of

    def remembered(code, original):
        memory, key = course_lib.testing.copies_cache, (id(code), id(original))
        if key not in memory:
            memory[key] = search(code, original)
        return memory[key]

    monkeypatch.setattr(course_lib.testing, "copies_cache", {}, raising=False)
    monkeypatch.setattr(course_lib.testing, "_copies_of", remembered)


@pytest.fixture(autouse=True)
def _heap_searched_once(monkeypatch):
    remember_heap_searches(monkeypatch)


def _cells(lesson):
    notebook = json.loads((SOLUTIONS / lesson / notebook_name(lesson)).read_text(encoding="utf-8"))
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _strip_markers(source):
    lines = source.split("\n")
    return "\n".join(line for line in lines if line.strip() not in (
        "### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS",
        "### END HIDDEN TESTS"))


def _definitions(source):
    """The imports, definitions and literal constants of a cell that is not an exercise.

    Its figures and experiments are left out (they cost seconds and decide nothing
    here); Colab's %pip set-up cell is left out whole.
    """
    if any(line.lstrip().startswith(("%", "!")) for line in source.split("\n")):
        return ""
    kept = []
    for node in ast.parse(source).body:
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)):
            kept.append(node)
        elif isinstance(node, ast.Assign) and all(isinstance(target, ast.Name)
                                                  for target in node.targets):
            try:
                ast.literal_eval(node.value)
            except ValueError:
                continue
            kept.append(node)
    return ast.unparse(ast.Module(body=kept, type_ignores=[]))


def student_namespace(lesson, replace):
    """Globals after the lesson's solution cells (with `replace` applied) and the other
    cells' definitions, in notebook order. An exercise cell that needs the lesson's data
    (a capstone that trains a network) contributes its definitions only."""
    namespace = {"__name__": "__main__"}
    for cell in _cells(lesson):
        meta, source = _meta(cell), "".join(cell["source"])
        if meta.get("grade"):
            continue
        name = f"<{meta.get('grade_id', 'cell')}>"
        with contextlib.redirect_stdout(io.StringIO()):
            if not meta.get("solution"):
                exec(compile(_definitions(source), name, "exec"), namespace)
                continue
            source = _strip_markers(replace.get(meta["grade_id"], source))
            try:
                exec(compile(source, name, "exec"), namespace)
            except NameError:  # an exercise that uses the lesson's data (a capstone):
                exec(compile(_definitions(source), name, "exec"), namespace)  # its functions
    return namespace


def seeded_tests(lesson):
    """{grade_id: source} of the graded test cells that call a case generator."""
    return {_meta(cell)["grade_id"]: _strip_markers("".join(cell["source"]))
            for cell in _cells(lesson)
            if _meta(cell).get("grade") and CASES_CALL.search("".join(cell["source"]))}


def _imports(source):
    """The top-level import statements of a test cell."""
    return ast.unparse(ast.Module(body=[node for node in ast.parse(source).body
                                        if isinstance(node, (ast.Import, ast.ImportFrom))],
                                  type_ignores=[]))


def verdicts(lesson, replace, tests, seeds):
    """{grade_id: [seeds the test failed with, with the first line of each failure]}."""
    failures = {}
    course_lib.testing.copies_cache = {}  # new functions: search the heap again
    namespace = student_namespace(lesson, replace)
    for grade_id in tests:
        failures[grade_id] = []
        # as in the kernel (stock nbgrader; our grader runs them there first), the test
        # cell's imports land in the globals the student's functions see
        exec(compile(_imports(tests[grade_id]), f"<{grade_id} imports>", "exec"), namespace)
        for seed in seeds:
            source = CASES_CALL.sub(lambda match: f"{match[1]}({int(match[2]) * 100 + seed}",
                                    tests[grade_id])
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(source, f"<{grade_id} seed {seed}>", "exec"), dict(namespace))
            except Exception as error:  # noqa: BLE001  (a failed test, whatever it raised)
                message = str(error).split("\n")[0][:200]
                failures[grade_id].append(f"seed {seed}: {type(error).__name__}: {message}")
    return failures


@pytest.mark.slow
@pytest.mark.parametrize("lesson", NUMPY_LESSONS)
def test_correct_answers_pass_with_every_seed(lesson):
    tests = seeded_tests(lesson)
    if not tests:
        pytest.skip(f"{lesson} draws no cases from course_lib.cases")
    problems = []
    correct = [("solution", {}, SOLUTION_SEEDS)] + [
        (variant.name, variant.replace, VARIANT_SEEDS)
        for variant in variants_for(lesson) if not variant.must_lose]
    for name, replace, seeds in correct:
        for grade_id, failed in verdicts(lesson, replace, tests, seeds).items():
            if failed:
                problems.append(f"{name}: {grade_id} failed with {len(failed)} of {len(seeds)} "
                                f"seeds, e.g. {failed[0]}")
    assert not problems, "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("lesson", NUMPY_LESSONS)
def test_misconceptions_fail_with_every_seed(lesson):
    tests = seeded_tests(lesson)
    if not tests:
        pytest.skip(f"{lesson} draws no cases from course_lib.cases")
    problems = []
    for variant in variants_for(lesson):
        targeted = {grade_id: tests[grade_id] for grade_id in variant.must_lose
                    if grade_id in tests}
        if not targeted:
            continue
        for grade_id, failed in verdicts(lesson, variant.replace, targeted,
                                         VARIANT_SEEDS).items():
            if len(failed) < len(VARIANT_SEEDS):
                problems.append(f"{variant.name}: {grade_id} failed with only {len(failed)} of "
                                f"{len(VARIANT_SEEDS)} seeds")
    assert not problems, "\n".join(problems)
