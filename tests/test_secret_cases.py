"""A grading secret defeats answers looked up from the public cases, and costs honest ones nothing.

The hidden tests' fixed cases come from committed seeds, so anyone can compute
them. With a grading secret, each case generator also draws cases from a key
only the grader holds (course_lib/_sampling.py, autograder/secret.py). Here,
in this process, on the graded test cells that call a case generator (as
tests/test_seed_sweep.py runs them):

- a lookup-table submission, whose functions return the outputs recorded for
  the repository's cases, passes every such test without a secret and fails
  every one with a secret;
- the solution and every variant of tests/variants score the same, test by test,
  under ten secrets: the drawn cases pass wherever the fixed cases do (a
  misconception's targeted tests already fail on the fixed cases: test_pipeline and
  the seed sweep check that), so the same mistake costs the same for every student.
  A variant is tried on the tests that reach, directly or through the functions they
  call, a name its cells bind; the others run the solution's code only.

The first secret is tried as grading uses it, the drawn cases after the fixed ones
(so that a test that counts its cases, or indexes a list by case, is caught); the other
nine try the drawn cases alone (`drawing_with(key, fixed=False)`): the fixed ones are the
committed tests, already run by test_pipeline.
"""

import ast
import contextlib
import copy
import hashlib
import io
import types

import numpy as np
import pytest

import course_lib.testing
from course_lib._sampling import drawing_with
from course_lib.checks._expected import fingerprint
from tests.test_seed_sweep import (NUMPY_LESSONS, _cells, _imports, _meta, _strip_markers,
                                   remember_heap_searches,
                                   seeded_tests, student_namespace)
from tests.variants import solution_source, variants_for

SECRETS = [hashlib.sha256(f"secret {number}".encode()).digest() for number in range(10)]


@pytest.fixture(autouse=True)
def _heap_searched_once(monkeypatch):
    remember_heap_searches(monkeypatch)  # each answer's namespace starts a new memory (prepared)


def run_test(namespace, grade_id, source, key=None, fixed=True):
    """The first line of the test's failure, or None when it passes."""
    try:
        with contextlib.redirect_stdout(io.StringIO()), drawing_with(key, fixed):
            exec(compile(source, f"<{grade_id}>", "exec"), dict(namespace))  # noqa: S102
    except Exception as error:  # noqa: BLE001  (a failed test, whatever it raised)
        return f"{type(error).__name__}: {str(error).splitlines()[0][:200] if str(error) else ''}"
    return None


def prepared(lesson, replace):
    """The student namespace of a lesson, with every seeded test's imports run in it."""
    course_lib.testing.copies_cache = {}  # new functions: search the heap again
    namespace = student_namespace(lesson, replace)
    tests = seeded_tests(lesson)
    for grade_id, source in tests.items():
        exec(compile(_imports(source), f"<{grade_id} imports>", "exec"), namespace)  # noqa: S102
    return namespace, tests


# -- a lookup table built from the public cases ---------------------------------------------


def table_key(name, args, kwargs):
    """A hash of a call (function name and arguments): what the lookup table is indexed by."""
    return fingerprint((name, args, kwargs))


def student_functions(lesson, namespace):
    """{name: function} of the namespace's functions written in the lesson's solution cells."""
    cells = {f"<{_meta(cell)['grade_id']}>" for cell in _cells(lesson)
             if _meta(cell).get("solution")}
    return {name: value for name, value in namespace.items()
            if isinstance(value, types.FunctionType) and value.__code__.co_filename in cells}


def _state(argument):
    """What a call may change in place in an argument (a dict, an array, a Generator)."""
    if isinstance(argument, np.random.Generator):
        return copy.deepcopy(argument.bit_generator.state)
    return copy.deepcopy(argument) if isinstance(argument, (dict, np.ndarray)) else None


def _restore(argument, state):
    if isinstance(argument, np.random.Generator):
        argument.bit_generator.state = state
    elif isinstance(argument, dict):
        argument.clear()
        argument.update(copy.deepcopy(state))
    elif isinstance(argument, np.ndarray) and argument.flags.writeable:
        argument[...] = state


def recording(name, function, table):
    """`function`, writing each call's outcome into `table`: its value or its exception, and
    what it left in its arguments (an optimizer's state dict, a Generator's position)."""
    def record(*args, **kwargs):
        key = table_key(name, args, kwargs)
        arguments = [*args, *kwargs.values()]
        try:
            value = function(*args, **kwargs)
        except Exception as error:
            table[key] = ("raise", error, [_state(argument) for argument in arguments])
            raise
        table[key] = ("return", copy.deepcopy(value), [_state(argument) for argument in arguments])
        return value
    return record


def looking_up(name, table):
    """A function that answers only what `table` holds: a submission that did no work."""
    def answer(*args, **kwargs):
        kind, value, after = table.get(table_key(name, args, kwargs), ("missing", None, []))
        if kind == "missing":
            raise LookupError(f"{name}: inputs that are not in the table")
        for argument, state in zip([*args, *kwargs.values()], after):
            if state is not None:
                _restore(argument, state)
        if kind == "raise":
            raise value
        return copy.deepcopy(value)
    answer.__name__ = answer.__qualname__ = name
    return answer


@pytest.mark.parametrize("lesson", NUMPY_LESSONS)
def test_lookup_table_passes_public_cases_only(lesson):
    namespace, tests = prepared(lesson, {})
    if not tests:
        pytest.skip(f"{lesson} draws no cases from course_lib.cases")
    functions = student_functions(lesson, namespace)
    assert functions, f"{lesson}: no student function found"
    table = {}
    recorder = dict(namespace, **{name: recording(name, function, table)
                                  for name, function in functions.items()})
    for grade_id, source in tests.items():  # the attacker runs the public tests on an answer
        assert run_test(recorder, grade_id, source) is None, f"{grade_id}: the solution fails"
    lookup = dict(namespace, **{name: looking_up(name, table) for name in functions})
    problems = []
    for grade_id, source in tests.items():
        failure = run_test(lookup, grade_id, source)
        if failure is not None:
            problems.append(f"{grade_id}: the lookup table fails without a secret: {failure}")
        if run_test(lookup, grade_id, source, SECRETS[0]) is None:
            problems.append(f"{grade_id}: the lookup table passes with a secret")
    assert not problems, "\n".join(problems)


# -- honest answers and named mistakes under ten secrets ------------------------------------


def bound_names(source):
    """The global names a cell binds (definitions, imports, assignments, loop targets...)."""
    names = set()
    for node in ast.parse(_strip_markers(source)).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
            continue
        names |= {name.id for name in ast.walk(node)
                  if isinstance(name, ast.Name) and isinstance(name.ctx, ast.Store)}
    return names


def _code_names(code):
    names = set(code.co_names)
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            names |= _code_names(constant)
    return names


def reachable(source, namespace):
    """The global names a test cell uses, directly or through the functions it calls."""
    seen, todo = set(), _code_names(compile(source, "<test>", "exec"))
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        value = namespace.get(name)
        if isinstance(value, types.FunctionType):
            todo |= _code_names(value.__code__)
    return seen


def answers(lesson):
    """(name, replace, tests it loses): the solution and every variant of tests/variants."""
    yield "solution", {}, set()
    for variant in variants_for(lesson):
        yield variant.name, variant.replace, set(variant.must_lose)


@pytest.mark.slow
@pytest.mark.parametrize("lesson", NUMPY_LESSONS)
def test_every_answer_scores_the_same_under_ten_secrets(lesson):
    tests = seeded_tests(lesson)
    if not tests:
        pytest.skip(f"{lesson} draws no cases from course_lib.cases")
    problems, runs = [], 0
    solution, _ = prepared(lesson, {})
    uses = {grade_id: reachable(source, solution) for grade_id, source in tests.items()}
    for name, replace, lost in answers(lesson):
        changed = set().union(*[bound_names(replace[cell]) | bound_names(
            solution_source(lesson, cell)) for cell in replace])
        namespace = prepared(lesson, replace)[0] if replace else solution
        for grade_id, source in tests.items():
            if grade_id in lost:
                continue  # fails on the fixed cases, whatever the secret draws
            if replace and not uses[grade_id] & changed:
                continue  # runs the solution's code only: the solution's verdict
            runs += 1
            for number, key in enumerate(SECRETS):
                failure = run_test(namespace, grade_id, source, key, fixed=number == 0)
                if failure is not None:
                    problems.append(f"{name}: {grade_id} fails the cases of secret {number}: "
                                    f"{failure}")
                    break
    assert runs, f"{lesson}: no answer was tried"
    assert not problems, "\n".join(problems)
