"""The engine behind the instant checks: run a learner's function on many cases.

A check compares the learner's function with the course_lib reference on a list
of cases. It stops at the first case that fails and prints the input, what was
expected, what came back, and a hint. The hint names the likely mistake when
the learner's answer equals the answer of a known wrong implementation (a
forgotten bias, a kernel that was not flipped, ...).

A check never raises: an exception in the learner's code is reported as a
failed case, and the check returns False.
"""

import contextvars
import inspect
import textwrap
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from course_lib import progress

PASS_NOTE = ("The graded tests try more cases than these, including some you have not "
             "seen, so a pass here is a good sign, not a promise of full marks.")


CURRENT_LESSON = contextvars.ContextVar("current_lesson", default="?")
SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


def solution_pointer(lesson, name):
    """Where the worked solution of exercise `name` of lesson `lesson` (e.g. '01') is."""
    matches = sorted(SOLUTIONS.glob(f"{lesson}_*/*.ipynb")) if SOLUTIONS.is_dir() else []
    where = (matches[0].relative_to(SOLUTIONS.parent) if matches
             else f"lesson {lesson}'s notebook in the course's solutions/ folder")
    return f"Still stuck? The worked solution is in {where}, in the cell that defines {name}."


@dataclass
class Case:
    """One input to try.

    - args: positional arguments for the function under test
    - kwargs: keyword arguments for the function under test
    - label: a short description shown when the case fails
    """

    args: tuple
    kwargs: dict = field(default_factory=dict)
    label: str = ""


@dataclass
class Mistake:
    """A known wrong implementation and the hint to show when an answer matches it."""

    implementation: object
    hint: str


def _copy(value):
    """Deep-enough copy so that a function that mutates its input cannot spoil a case."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(item) for item in value)
    return value


def _describe(value, limit=6):
    """A short, readable rendering of a value for a failure message."""
    if isinstance(value, np.ndarray):
        if value.size <= limit * limit and value.ndim <= 2:
            body = np.array2string(value, precision=4, suppress_small=True, separator=", ")
            return f"array of shape {value.shape}, dtype {value.dtype}:\n{body}"
        return (f"array of shape {value.shape}, dtype {value.dtype}, "
                f"first values {np.round(value.ravel()[:limit], 4).tolist()}")
    if isinstance(value, tuple):
        return "(" + ", ".join(_describe(item, limit) for item in value) + ")"
    if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
        return f"a list of {len(value)} arrays, the first: " + _describe(value[0], limit)
    return repr(value)


def same_answer(got, expected, rtol=1e-5, atol=1e-6):
    """True when `got` equals `expected`: same shape, same values within tolerance."""
    if isinstance(expected, tuple):
        return (isinstance(got, (tuple, list)) and len(got) == len(expected)
                and all(same_answer(g, e, rtol, atol) for g, e in zip(got, expected)))
    if isinstance(expected, np.ndarray) or isinstance(got, np.ndarray):
        try:
            got_array = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return False
        expected_array = np.asarray(expected, dtype=float)
        return (got_array.shape == expected_array.shape
                and bool(np.allclose(got_array, expected_array, rtol=rtol, atol=atol,
                                        equal_nan=True)))
    if isinstance(expected, (int, float, np.number)):
        try:
            return bool(np.isclose(float(got), float(expected), rtol=rtol, atol=atol))
        except (TypeError, ValueError):
            return False
    return got == expected


def _describe_inputs(reference, case):
    """One line (or indented block) per argument, named as in the reference's signature."""
    try:
        names = list(inspect.signature(reference).parameters)
    except (TypeError, ValueError):
        names = []
    lines = []
    for index, value in enumerate(case.args):
        name = names[index] if index < len(names) else f"argument {index + 1}"
        lines.append(f"  {name} = " + textwrap.indent(_describe(value), "      ").lstrip())
    for name, value in case.kwargs.items():
        lines.append(f"  {name} = {_describe(value)}")
    return "\n".join(lines)


def _call(function, case):
    return function(*_copy(case.args), **_copy(case.kwargs))


def run_check(name, function, reference, cases, mistakes=(), generic_hint="",
              output=None, compare=same_answer):
    """Try `function` on every case, print a pass or the first failure, and record it.

    Inputs:
    - name: the exercise name shown to the learner
    - function: the learner's function
    - reference: the course_lib function that gives the expected answer
    - cases: a list of Case
    - mistakes: Mistake objects tried, in order, when a case fails
    - generic_hint: shown when no known mistake matches, and as extra help
      from the second failure on
    - output: optional function that picks the part of the result to compare
      (for example the first element of an (out, cache) pair)
    - compare: function(got, expected) -> bool

    Returns True when every case passed.
    """
    hint = _first_failure(name, function, reference, cases, mistakes, generic_hint,
                          output or (lambda result: result), compare)
    passed = hint is None
    lesson = CURRENT_LESSON.get()
    entry = progress.record(name, lesson, passed)
    if passed:
        print(f"✓ {name}: all {len(cases)} checks passed. {PASS_NOTE}")
        return True
    if hint:
        print(f"  hint: {hint}")
    failures = entry.get("failures", 0)
    if failures >= progress.STRONGER_HINT_AFTER and generic_hint and hint != generic_hint:
        print(f"  more help: {generic_hint}")
    if failures >= progress.SOLUTION_POINTER_AFTER:
        print("  " + solution_pointer(lesson, name))
    return False


def _first_failure(name, function, reference, cases, mistakes, generic_hint, pick, compare):
    """Print the first failing case; return its hint ('' for none), or None when all pass."""
    for number, case in enumerate(cases, start=1):
        expected = pick(_call(reference, case))
        try:
            got = pick(_call(function, case))
        except NotImplementedError:
            print(f"✗ {name}: not written yet (the function still raises NotImplementedError).")
            return ""
        except Exception as error:  # the learner's code, any error at all
            where = traceback.format_exception_only(type(error), error)[-1].strip()
            print(f"✗ {name}: case {number} of {len(cases)} ({case.label}) raised {where}")
            print(_describe_inputs(reference, case))
            return generic_hint
        if compare(got, expected):
            continue
        hint = generic_hint
        for mistake in mistakes:
            try:
                with np.errstate(all="ignore"):
                    wrong_answer = pick(_call(mistake.implementation, case))
                if compare(got, wrong_answer):
                    hint = mistake.hint
                    break
            except Exception:
                continue
        print(f"✗ {name}: case {number} of {len(cases)} failed ({case.label}).")
        print(_describe_inputs(reference, case))
        print("  expected: " + textwrap.indent(_describe(expected), "    ").lstrip())
        print("  got:      " + textwrap.indent(_describe(got), "    ").lstrip())
        return hint
    return None
