"""`make student-repo DIR=... GRADED=1`: a student copy without the graded references.

The copy is written once for this module. Its course_lib must hold no code of any
lesson's graded reference (no definition, no line of one's body, no compiled file),
still import, and its instant checks, which then compare with stored answers, must
pass on the solutions' functions and fail on stubs and on one wrong answer per
lesson. The checks run in a subprocess that imports the copy's course_lib (never
the instructor's), on functions defined by the lessons' solution cells
(tests/test_seed_sweep.py's `student_namespace`). Then Run All, with nbclient in a
kernel that imports the copy's course_lib: a fresh lesson-01 notebook stops at its first
demo with one line naming the unfinished exercise, and in a copy whose lessons 01-09 are
all finished (the release notebooks with the solutions' cells, saved), every lesson's Run
All reaches the end: a demo or a course_lib helper built on an exercise of that lesson or
of another uses the learner's own, from the notebook or from its lesson's saved notebook.
"""

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.references import all_references
from tests.variants import build_notebook, variants_for

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import student_repo  # noqa: E402

# In the copy's process: each lesson's solution functions through the copy's checks.
CHECKS_SCRIPT = r'''
import contextlib, importlib, io, json, sys
copy, root = sys.argv[1], sys.argv[2]
sys.path[:0] = [copy, root]
import numpy as np
import course_lib
from course_lib import _unavailable, checks
assert course_lib.__file__.startswith(copy), course_lib.__file__
from tests.test_seed_sweep import student_namespace

present = []
for name in json.loads(sys.argv[3]):
    module, _, qualified = name.partition(":")
    if not _unavailable.is_placeholder(vars(importlib.import_module(module))[qualified]):
        present.append(name)


def stub(*args, **kwargs):
    raise NotImplementedError


def wrong_answers(ns):
    """One wrong answer per lesson, each a classic mistake on top of the solution."""
    return {
        "dense_forward": lambda x, w, b: ns["dense_forward"](x, w, np.zeros_like(b)),
        "conv2d_forward": lambda x, w, b, stride=1, padding="valid": ns["conv2d_forward"](
            x, w[::-1, ::-1], b, stride, padding),
        "conv_output_size": lambda n, f, stride=1, padding="valid": ns["conv_output_size"](
            n, f, 1, padding),
        "conv_params": lambda filters, kernel_size, d_in: ns["conv_params"](
            filters, kernel_size, d_in) - filters,
        "max_pool2d_forward": lambda *a, **k: ns["avg_pool2d_forward"](*a, **k),
        "relative_error": lambda a, b: float(np.max(np.abs(np.asarray(a) - np.asarray(b)))),
        "l2_penalty": lambda w, l2: 2 * ns["l2_penalty"](w, l2),
        "batchnorm_backward": lambda dout, cache: (lambda r: (r[0], r[2], r[1]))(
            ns["batchnorm_backward"](dout, cache)),
        "sgd_step": lambda w, dw, *a, **k: ns["sgd_step"](w, -dw, *a, **k),
    }


results = {}
for lesson in json.loads(sys.argv[4]):
    ns = student_namespace(lesson, {})
    wrong = wrong_answers(ns)
    for name in checks.__all__:
        check = getattr(checks, name)
        if (name not in checks.REFERENCES or name not in ns
                or not check.__wrapped__.__module__.endswith(lesson[:2])):
            continue
        row = {}
        for kind, function in [("solution", ns[name]), ("stub", stub),
                               ("wrong", wrong.get(name))]:
            if function is None:
                continue
            with contextlib.redirect_stdout(io.StringIO()) as out:
                row[kind] = [check(function), out.getvalue()]
        results[name] = row
# A course_lib function built on an exercise uses the learner's own once it passes its check.
import __main__
from course_lib import layers
from course_lib._unavailable import NotAvailableWhileGrading
ns = student_namespace("02_convolution_by_hand", {})
x, w, b = np.ones((1, 4, 4, 1)), np.ones((2, 2, 1, 1)), np.zeros(1)
delegated = {}
for kind, function in [("stub", stub), ("solution", ns["conv2d_forward"])]:
    __main__.conv2d_forward = function
    with contextlib.redirect_stdout(io.StringIO()) as out:
        try:
            delegated[kind] = [layers.conv2d_forward(x, w, b)[0].tolist(), out.getvalue()]
        except NotAvailableWhileGrading as error:
            delegated[kind] = [None, str(error)]
print(json.dumps({"present": present, "results": results, "delegated": delegated}))
'''
NUMPY_LESSONS = ["01_dense_layers", "02_convolution_by_hand", "03_stride_padding_shapes",
                 "04_counting_parameters", "05_pooling", "06_backprop_gradcheck",
                 "07_overfitting_regularization", "08_batch_normalization",
                 "09_sgd_optimizers"]


@pytest.fixture(scope="module")
def graded_copy(tmp_path_factory):
    """The graded student copy, written once (its answers recorded in this process)."""
    target = tmp_path_factory.mktemp("graded") / "copy"
    student_repo.write_student_repo(target, graded=True)
    return target


@pytest.fixture(scope="module")
def check_results(graded_copy):
    """What the copy's checks said on the solutions, stubs and wrong answers."""
    environment = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    environment["PYTHONDONTWRITEBYTECODE"] = "1"
    run = subprocess.run(
        [sys.executable, "-c", CHECKS_SCRIPT, str(graded_copy), str(ROOT),
         json.dumps(all_references()), json.dumps(NUMPY_LESSONS)],
        capture_output=True, text=True, env=environment, cwd=graded_copy.parent, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def _function_bodies(name):
    """(file, the lines of the body of reference "module:qualname", docstring left out)."""
    module, _, qualified = name.partition(":")
    relative = Path(*module.split("."))
    path = ROOT / relative / "__init__.py"
    path = path if path.is_file() else ROOT / relative.with_suffix(".py")
    source = path.read_text(encoding="utf-8")
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef) and node.name == qualified:
            body = node.body[1:] if isinstance(node.body[0], ast.Expr) else node.body
            lines = source.splitlines()[body[0].lineno - 1:node.end_lineno]
            return path.relative_to(ROOT), [line.strip() for line in lines]
    raise AssertionError(f"{name}: no top-level function {qualified} in {path}")


def test_graded_copy_has_no_reference_code(graded_copy):
    """No stripped reference is defined in the copy, no telling line of one's body (one found
    nowhere else in the instructor's course_lib) is a line of any of its Python files, and
    nothing compiled is there."""
    removed = all_references()
    assert len(removed) >= 30 and "course_lib.layers.conv:conv2d_backward" in removed
    files = {path: path.read_text(encoding="utf-8")
             for path in (graded_copy / "course_lib").rglob("*.py")}
    everything = {line.strip() for text in files.values() for line in text.splitlines()}
    original = [line.strip() for path in sorted((ROOT / "course_lib").rglob("*.py"))
                for line in path.read_text(encoding="utf-8").splitlines()]
    checked = 0
    for name in removed:
        relative, body = _function_bodies(name)
        qualified = name.partition(":")[2]
        tree = ast.parse(files[graded_copy / relative])
        defined = [node.lineno for node in ast.walk(tree)
                   if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                   and node.name == qualified]
        assert not defined, f"{name} is still defined in the copy's {relative}"
        telling = [line for line in body if len(line) > 25 and not line.startswith("#")
                   and original.count(line) == body.count(line)]
        checked += len(telling)
        left = [line for line in telling if line in everything]
        assert not left, f"lines of {name}'s body left in the copy: {left}"
    assert checked > 100, f"only {checked} telling lines in the references' bodies"
    compiled = [path for path in graded_copy.rglob("*") if path.suffix in (".pyc", ".pyo")
                or path.name == "__pycache__"]
    assert not compiled
    assert not (graded_copy / "tools" / "graded_copy.py").exists()  # the instructor's tool


def test_graded_copy_readme_says_which_copy(graded_copy):
    """The graded copy's README says it has no references; the open copy's says it has."""
    graded = (graded_copy / "README.md").read_text(encoding="utf-8")
    public = student_repo.student_readme(graded=False)
    assert "graded for credit" in graded and "holds no\nreference" in graded
    assert "at your own pace" in public and "holds no\nreference" not in public
    assert "<!-- copy:" not in graded + public


def test_graded_copy_checks_pass_on_solutions_and_fail_otherwise(check_results):
    """Without any graded reference in the copy, every check of lessons 01-09 passes on
    the solution's function, says "not written yet" for a stub, and fails on the lesson's
    wrong answer, with the expected and got values of the failing case."""
    assert check_results["present"] == []
    results = check_results["results"]
    assert len(results) >= 25, sorted(results)
    for name, row in results.items():
        passed, text = row["solution"]
        assert passed is True and "✓" in text, f"{name} on the solution: {text}"
        passed, text = row["stub"]
        assert passed is False and "not written yet" in text, f"{name} on a stub: {text}"
    wrong = {name: row["wrong"] for name, row in results.items() if "wrong" in row}
    assert len(wrong) == 9, sorted(wrong)
    for name, (passed, text) in wrong.items():
        assert passed is False and "✗" in text and "expected" in text, f"{name}: {text}"
    # Known mistakes built on a stripped reference are still recognised (stored answers).
    assert "do not flip the kernel" in wrong["conv2d_forward"][1]


def test_graded_copy_demos_use_the_learners_function(check_results):
    """In the copy, a course_lib function whose reference is stripped raises "this cell needs
    your own conv2d_forward" while the notebook's conv2d_forward is a stub, and calls the
    notebook's own once it passes its check, saying so in one line."""
    stub_output, stub_text = check_results["delegated"]["stub"]
    assert stub_output is None and "needs your own conv2d_forward" in stub_text
    assert "in your lesson 02 notebook" in stub_text
    output, note = check_results["delegated"]["solution"]
    assert output == [[[[4.0], [4.0], [4.0]]] * 3]
    assert note.count("uses yours") == 1


def test_stored_answers_are_tied_to_their_inputs(tmp_path, monkeypatch):
    """A stored answer is only used for the inputs it was computed from: a check whose cases
    changed since the copy was built says so instead of comparing with a wrong answer."""
    from course_lib.checks import _expected

    with _expected.recording() as answers:
        token = _expected.CURRENT_LESSON.set("01")
        try:
            key = "case 1: " + _expected.fingerprint(((1.0, 2.0), {}))
            assert _expected.remembered("demo", key, lambda: 3.0) == 3.0
        finally:
            _expected.CURRENT_LESSON.reset(token)
    _expected.write("01", answers, tmp_path)
    monkeypatch.setattr(_expected, "EXPECTED", tmp_path)
    _expected.stored.cache_clear()
    token = _expected.CURRENT_LESSON.set("01")
    try:
        assert _expected.remembered("demo", key, lambda: 1 / 0) == 3.0
        assert _expected.stored_checks() == {"demo"}
        changed = "case 1: " + _expected.fingerprint(((1.0, 2.5), {}))
        with pytest.raises(_expected.OutOfDate, match="cases changed"):
            _expected.remembered("demo", changed, lambda: 1 / 0)
    finally:
        _expected.CURRENT_LESSON.reset(token)
        _expected.stored.cache_clear()


def test_visible_test_helpers_accept_a_missing_reference():
    """In a graded copy a test cell's reference_disabled(placeholder) disables nothing, and
    upstream_replaced(f, helper=working_copy(placeholder)) leaves the learner's own helper."""
    from course_lib import _unavailable
    from course_lib.testing import reference_disabled, upstream_replaced, working_copy

    missing = _unavailable.placeholder("conv_params", "course_lib.shapes")
    namespace = {"conv_params": lambda *args: "the learner's own"}
    exec("def summary():\n    return conv_params()", namespace)  # noqa: S102
    with reference_disabled(missing):
        with upstream_replaced(namespace["summary"], conv_params=working_copy(missing)):
            assert namespace["summary"]() == "the learner's own"


# Run All as JupyterLab does it: stop at an error unless the cell is tagged raises-exception.
RUN_ALL = r"""
import json, sys, time
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from autograder.execute import polling  # half-second waits: no missed replies (nbclient#312)

notebook = nbformat.read(sys.argv[1], as_version=4)
client = NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=False,
                        resources={"metadata": {"path": sys.argv[2]}})
start, stopped = time.perf_counter(), None
with client.setup_kernel():
    for channel in (client.kc.shell_channel, client.kc.iopub_channel):
        channel.get_msg = polling(channel.get_msg)
    for index, cell in enumerate(notebook.cells):
        try:
            client.execute_cell(cell, index)
        except CellExecutionError:
            error = next(output for output in cell.outputs if output.output_type == "error")
            stopped = {"cell": index, "ename": error.ename, "traceback": error.traceback,
                       "source": cell.source[:300]}
            break
notes = [output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
         if "this cell uses yours" in output.get("text", "")]
print(json.dumps({"seconds": time.perf_counter() - start, "stopped": stopped, "notes": notes}))
"""


def _run_all(copy, notebook):
    """Run All of `notebook` in a kernel that imports `copy`'s course_lib (not the
    instructor's), from the notebook's folder; returns the runner's report."""
    environment = {key: value for key, value in os.environ.items()
                   if key not in ("PYTHONPATH", "MPLBACKEND")}
    environment.update(PYTHONPATH=str(copy) + os.pathsep + str(ROOT), COURSE_PROGRESS="off",
                       PYTHONDONTWRITEBYTECODE="1",
                       PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    run = subprocess.run([sys.executable, "-c", RUN_ALL, str(notebook), str(notebook.parent)],
                         capture_output=True, text=True, env=environment, cwd=notebook.parent,
                         timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_graded_copy_stub_demo_says_which_exercise_in_one_line(graded_copy):
    """Run All of a fresh lesson 01 stops at its first demo that needs an unfinished exercise,
    with one line naming it (no traceback through course_lib), not at a graded cell."""
    lesson = "01_dense_layers"
    report = _run_all(graded_copy, graded_copy / "lessons" / lesson / f"{lesson}.ipynb")
    stopped = report["stopped"]
    assert stopped is not None and "test_" not in stopped["source"][:80], stopped
    assert len(stopped["traceback"]) == 1, stopped
    assert "dense_forward" in stopped["traceback"][0], stopped
    assert "not written yet" in stopped["traceback"][0], stopped
    assert "/course_lib/" not in stopped["traceback"][0]


@pytest.mark.slow
def test_graded_copy_finished_lessons_run_all_to_the_end(graded_copy, tmp_path):
    """With every exercise of lessons 01-09 finished and saved, each lesson's Run All in the
    graded copy reaches its last cell; the learner's functions stand in for the missing ones
    (lesson 09's network runs on the learner's lesson 02 conv2d_forward)."""
    copy = tmp_path / "copy"
    shutil.copytree(graded_copy, copy)
    # Lesson 02's conv2d_forward vectorized (a correct alternative of tests/variants): the
    # solution's loop over every output value would train lesson 09's CNN for minutes.
    fast = {name: source for variant in variants_for("02_convolution_by_hand")
            if variant.name == "alternative_vectorized"
            for name, source in variant.replace.items() if name == "conv2d_forward"}
    assert fast, "tests/variants/lesson_02.py: no vectorized conv2d_forward"
    for lesson in NUMPY_LESSONS:
        notebook = copy / "lessons" / lesson / f"{lesson}.ipynb"
        build_notebook(notebook, ROOT / "solutions" / lesson / f"{lesson}.ipynb",
                       fast if lesson.startswith("02") else {}, notebook)
    stops, seconds, notes = {}, {}, {}
    for lesson in NUMPY_LESSONS:
        report = _run_all(copy, copy / "lessons" / lesson / f"{lesson}.ipynb")
        seconds[lesson], notes[lesson] = round(report["seconds"]), report["notes"]
        if report["stopped"] is not None:
            stops[lesson] = report["stopped"]
    print(f"Run All in the graded copy, seconds per lesson: {seconds}")
    assert stops == {}, json.dumps(stops, indent=1)[:4000]
    assert any("conv2d_forward" in note and "saved lesson 02" in note
               for note in notes["09_sgd_optimizers"]), notes["09_sgd_optimizers"]
