"""A lesson's references are out of the student's kernel while it is graded (references.py).

- the table of each lesson's references is read from its graded test cells, and agrees with
  the exercises its solution cells define;
- each lesson's copy of course_lib, imported in a fresh Python as the sandbox does, refuses
  every one of them (attribute, import, reload, a fresh import after editing sys.modules),
  holds no code of them in any file, and still runs the earlier lessons' references;
- an upstream exercise that the kernel lacks reaches the student's function as a call back
  to the worker, which works only during the call it was given to;
- lesson 09's softmax_cross_entropy, which that lesson's later exercises build on, is out of
  its kernel too: an answer that takes the course's loss gets nothing there (the control: it
  answered in a kernel that kept it, as the rule did before).
"""

import ast
import json
import subprocess
import sys
import time
import types

import numpy as np
import pytest

from autograder.course import SOLUTIONS, lesson_ids
from autograder.references import (disabled_references, introduced_in, lesson_library,
                                   lesson_references, strip_functions, strip_references)
from autograder.remote import Channel
from autograder.template import sandbox_library
from course_lib import checks
from tests.boundary_notebooks import LOSS_SAVED_CODE_PUT_BACK
from tests.test_autograder_checker import honest

GRADED = [lesson for lesson in lesson_ids() if lesson_references(lesson)]
# A reference of an earlier lesson that a later test disables stays in the kernel.
KEPT = {"06_backprop_gradcheck": {"course_lib.layers.conv:conv2d_forward"},
        "09_sgd_optimizers": {"course_lib.layers.activations:softmax"}}


def _solution_exercises(lesson):
    """The course_lib functions that `lesson`'s solution cells write, as "module:qualname"."""
    notebook = json.loads((SOLUTIONS / lesson / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    names = set()
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code" and cell["metadata"].get("nbgrader", {}).get("solution"):
            tree = ast.parse("".join(cell["source"]))
            names |= {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
    found = set()
    for name in names & set(checks.REFERENCES):
        function = checks.reference(name)
        found.add(f"{function.__module__}:{function.__qualname__}")
    return found


def test_the_table_is_read_from_the_lessons_test_cells():
    """Every exercise a solution writes is stripped while its lesson is graded, and only then."""
    assert GRADED == [lesson for lesson in lesson_ids() if lesson != "00_setup"]
    for lesson in lesson_ids():
        removed = set(lesson_references(lesson))
        assert _solution_exercises(lesson) - KEPT.get(lesson, set()) <= removed, lesson
        assert all(introduced_in(name) == lesson[:2] for name in removed), lesson
        disabled = {name for names in disabled_references(lesson).values() for name in names}
        assert disabled - removed == KEPT.get(lesson, set()), lesson
    assert "course_lib.layers.dense:dense_forward" in lesson_references("01_dense_layers")
    assert "course_lib.optim:adam_step" in lesson_references("09_sgd_optimizers")


def test_strip_functions_names_what_is_missing():
    with pytest.raises(ValueError, match=r"expected top-level functions \['gone'\]"):
        strip_functions("def kept():\n    return 1\n", ["gone"])


PROBE = r"""
import importlib, inspect, json, pkgutil, sys
import numpy as np
import course_lib
from course_lib._unavailable import NotAvailableWhileGrading
removed, kept = json.loads(sys.argv[1]), json.loads(sys.argv[2])
report = {"leaks": [], "broken": [], "kept": []}

def refused(action):
    try:
        action()
    except NotAvailableWhileGrading as error:
        return "not available while grading: this exercise asks you to write it" in str(error)
    return False

for info in pkgutil.walk_packages(course_lib.__path__, "course_lib."):
    if ".widgets" not in info.name:
        importlib.import_module(info.name)
for name in removed:
    module_name, _, function = name.partition(":")
    module = importlib.import_module(module_name)
    parent = module_name.rsplit(".", 1)[0]
    routes = {
        "attribute": lambda: getattr(module, function),
        "from-import": lambda: exec(f"from {module_name} import {function}", {}),
        "package import": lambda: exec(f"from {parent} import {function}", {})
            if callable(vars(importlib.import_module(parent)).get(function))
            and not inspect.ismodule(vars(importlib.import_module(parent))[function])
            else getattr(module, function),
        "call from its module's dict": lambda: vars(module)[function](),
        "reload": lambda: getattr(importlib.reload(module), function),
        "sys.modules edited": lambda: (sys.modules.pop(module_name),
                                       getattr(importlib.import_module(module_name), function)),
    }
    for route, action in routes.items():
        if not refused(action):
            report["leaks"].append(f"{name} via {route}")
    module = importlib.import_module(module_name)
    if function in "".join(inspect.getsource(vars(module)[function])).split("(")[0] \
            and "raise NotAvailableWhileGrading" not in inspect.getsource(vars(module)[function]):
        report["leaks"].append(f"{name}: source")
for name in kept:
    module_name, _, function = name.partition(":")
    value = getattr(importlib.import_module(module_name), function)
    report["kept"].append(name if callable(value) else None)
from course_lib import checks
import io, contextlib
printed = io.StringIO()
with contextlib.redirect_stdout(printed):
    exercise = next(name.rsplit(":", 1)[1] for name in removed
                    if name.rsplit(":", 1)[1] in checks.REFERENCES)
    outcome = getattr(checks, exercise)(len)
    mine = checks.yours_or_reference(len, exercise)
report["check"] = [outcome, mine is len, printed.getvalue()]
print(json.dumps(report))
"""


def _code_objects(code):
    yield code
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _code_objects(constant)


@pytest.mark.parametrize("lesson", GRADED)
def test_a_lessons_library_refuses_its_references_and_keeps_the_others(lesson, tmp_path_factory):
    """Imported as the sandbox imports it: every route to a stripped reference raises."""
    import importlib

    pristine = sandbox_library(cache=tmp_path_factory.getbasetemp() / "libraries")
    compiled = pristine / "course_lib" / "__pycache__" / "shapes.cpython-311.pyc"
    compiled.parent.mkdir(exist_ok=True)  # as if something had imported the pristine copy
    compiled.write_bytes(b"the pristine copy's compiled code")
    library = lesson_library(pristine, lesson)
    assert not list(library.rglob("*.pyc"))
    removed = list(lesson_references(lesson))
    kept = sorted(KEPT.get(lesson, set()) | {"course_lib.layers.dense:dense_forward"}
                  - set(removed))
    # No code object of the copy is a reference's code: its body is in no file.
    bodies = {}
    for name in removed:
        module_name, _, function = name.partition(":")
        code = getattr(importlib.import_module(module_name), function).__code__
        bodies[(code.co_code, code.co_names)] = name
    for path in sorted((library / "course_lib").rglob("*.py")):
        for code in _code_objects(compile(path.read_text(encoding="utf-8"), str(path), "exec")):
            assert (code.co_code, code.co_names) not in bodies, (path, bodies.get(
                (code.co_code, code.co_names)))
    reply = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(removed), json.dumps(kept)],
        capture_output=True, text=True, timeout=120, cwd=tmp_path_factory.getbasetemp(),
        env={"PYTHONPATH": str(library), "PATH": "/usr/bin:/bin", "MPLBACKEND": "agg",
             "PYTHONDONTWRITEBYTECODE": "1"})
    assert reply.returncode == 0, reply.stderr[-3000:]
    report = json.loads(reply.stdout.strip().splitlines()[-1])
    assert report["leaks"] == []
    assert report["kept"] == kept
    outcome, mine, printed = report["check"]
    assert outcome is False and mine is True
    assert "not available while grading" in printed


STUDENT = """
SAVED = []

def conv_output_shape(input_shape, filters, kernel_size, strides=1, padding="valid"):
    SAVED.append(conv_output_size)
    return (conv_output_size(input_shape[0], kernel_size, stride=strides, padding=padding),
            conv_output_size(input_shape[1], kernel_size, strides, padding), filters)

def stale(n):
    return SAVED[0](n, 3)
"""

TEST = """
from course_lib import shapes
from course_lib.testing import upstream_replaced, working_copy
with upstream_replaced(conv_output_shape, conv_output_size=working_copy(shapes.conv_output_size)):
    assert tuple(conv_output_shape((128, 128, 3), 32, 3, 2, "same")) == (64, 64, 32)
    assert tuple(conv_output_shape((5, 5, 3), 2, 3, 2, 1)) == (3, 3, 2)
    try:
        conv_output_shape((5, 5, 3), 2, 3, 2, "bogus")
        raise AssertionError("a bad padding was accepted")
    except ValueError as error:
        assert "padding" in str(error), error
"""

STALE = """
try:
    stale(7)
    raise AssertionError("a stand-in answered outside the call it was given to")
except RuntimeError as error:
    assert "only while the test's call it was given to runs" in str(error), error
"""


def _run(namespace, source, removed):
    from autograder.checker import run_test_cell

    connection, thread = honest(namespace)
    with connection:
        outputs = run_test_cell(source, Channel(connection, time.monotonic() + 20,
                                                removed=removed), "t", "")
    thread.join(5)
    return [(output.ename, output.evalue) for output in outputs if output.output_type == "error"]


def test_an_upstream_stand_in_works_only_during_its_call():
    """Lesson 03's conv_output_size is stripped: the student's conv_output_shape calls back."""
    stripped = {"course_lib.shapes:conv_output_size"}
    for removed, kind in [(stripped, "_GraderFunction"), (set(), "function")]:
        namespace = {}
        exec(STUDENT, namespace)  # noqa: S102  (the student's notebook)
        assert _run(namespace, TEST, removed) == []
        assert {type(value).__name__ for value in namespace["SAVED"]} == {kind}
        assert "conv_output_size" not in namespace  # bound for each call only
    # control: a working copy of the kernel's own is an ordinary function, kept and reused
    assert [name for name, _ in _run(namespace, STALE, set())] == ["AssertionError"]
    namespace = {}
    exec(STUDENT, namespace)  # noqa: S102
    assert _run(namespace, TEST + STALE, stripped) == []  # a later call of the same test
    with pytest.raises(RuntimeError, match="only while the test's call it was given to runs"):
        namespace["SAVED"][-1](7, 3)  # after the test


LOSS_PROBE = r"""
import json, sys
import numpy as np
from course_lib import _unavailable, losses


def softmax_cross_entropy(logits, labels):  # the notebook's own (here: this script's)
    return "the notebook's own", None


def answer():
    namespace = {"np": np}
    try:
        exec(sys.argv[1], namespace)  # the student's cell, run before grading
        loss, _ = namespace["softmax_cross_entropy"](np.zeros((1, 2)), np.array([1]))
        return ["answered", float(loss)]
    except Exception as error:
        return [type(error).__name__, str(error)[:300]]


report = {"answer": answer()}
placeholder = vars(losses)["softmax_cross_entropy"]
if _unavailable.is_placeholder(placeholder):
    report["placeholder"] = str(placeholder(np.zeros((1, 2)), np.array([1]))[0])
    course = lambda logits, labels: ("the test's stand-in", None)
    with _unavailable.standing_in({"softmax_cross_entropy": course}):
        report["during"] = [losses.softmax_cross_entropy(None, None)[0],
                            placeholder(None, None)[0]]
    try:
        losses.softmax_cross_entropy
        report["after"] = "reachable"
    except _unavailable.NotAvailableWhileGrading:
        report["after"] = "refused"
print(json.dumps(report))
"""


def _loss_probe(library, tmp_path):
    reply = subprocess.run(
        [sys.executable, "-c", LOSS_PROBE, LOSS_SAVED_CODE_PUT_BACK],
        capture_output=True, text=True, timeout=120, cwd=tmp_path,
        env={"PYTHONPATH": str(library), "PATH": "/usr/bin:/bin", "MPLBACKEND": "agg",
             "PYTHONDONTWRITEBYTECODE": "1"})
    assert reply.returncode == 0, reply.stderr[-3000:]
    return json.loads(reply.stdout.strip().splitlines()[-1])


def test_lesson_09s_loss_is_out_of_its_kernel(tmp_path_factory, tmp_path):
    """Lesson 09's later exercises build on softmax_cross_entropy, yet its kernel lacks it: an
    answer that takes the course's loss before grading (its saved code put back during the
    call) gets nothing; a test's stand-in answers for `losses.softmax_cross_entropy` during
    its call only; course_lib code outside a test (the training loop's default loss) runs the
    notebook's own. The control: in a library that keeps the loss, as the rule did before
    (the lesson's own later exercises kept it), the same answer gives the course's log 2."""
    import shutil

    loss = "course_lib.losses:softmax_cross_entropy"
    assert loss in lesson_references("09_sgd_optimizers")
    pristine = sandbox_library(cache=tmp_path_factory.getbasetemp() / "libraries")
    graded = _loss_probe(lesson_library(pristine, "09_sgd_optimizers"), tmp_path)
    assert graded["answer"][0] == "AttributeError", graded  # the loss was never reached
    assert graded["placeholder"] == "the notebook's own"
    assert graded["during"] == ["the test's stand-in"] * 2 and graded["after"] == "refused"
    before = tmp_path / "kept-loss"
    shutil.copytree(pristine, before, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    strip_references(before, [name for name in lesson_references("09_sgd_optimizers")
                              if name != loss])
    control = _loss_probe(before, tmp_path)
    assert control["answer"][0] == "answered", control
    assert abs(control["answer"][1] - np.log(2)) < 1e-12
