"""The engine behind the instant checks: run a learner's function on many cases.

A check compares the learner's function with the course_lib reference on a list
of cases. It stops at the first case that fails and prints the input, what was
expected, what came back, and a hint. The hint names the likely mistake when
the learner's answer equals the answer of a known wrong implementation (a
forgotten bias, a kernel that was not flipped, ...).

A check never raises: an exception in the learner's code is reported as a
failed case, and the check returns False.
"""

import traceback
from dataclasses import dataclass, field

import numpy as np

PASS_NOTE = ("The graded tests try more cases than these, including some you have not "
             "seen, so a pass here is a good sign, not a promise of full marks.")


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
                and bool(np.allclose(got_array, expected_array, rtol=rtol, atol=atol)))
    if isinstance(expected, (int, float, np.number)):
        try:
            return bool(np.isclose(float(got), float(expected), rtol=rtol, atol=atol))
        except (TypeError, ValueError):
            return False
    return got == expected


def _call(function, case):
    return function(*_copy(case.args), **_copy(case.kwargs))


def run_check(name, function, reference, cases, mistakes=(), generic_hint="",
              output=None, compare=same_answer):
    """Try `function` on every case and print a pass or the first failure.

    Inputs:
    - name: the exercise name shown to the learner
    - function: the learner's function
    - reference: the course_lib function that gives the expected answer
    - cases: a list of Case
    - mistakes: Mistake objects tried, in order, when a case fails
    - generic_hint: shown when no known mistake matches
    - output: optional function that picks the part of the result to compare
      (for example the first element of an (out, cache) pair)
    - compare: function(got, expected) -> bool

    Returns True when every case passed.
    """
    pick = output or (lambda result: result)
    for number, case in enumerate(cases, start=1):
        expected = pick(_call(reference, case))
        try:
            got = pick(_call(function, case))
        except NotImplementedError:
            print(f"✗ {name}: not written yet (the function still raises NotImplementedError).")
            return False
        except Exception as error:  # the learner's code, any error at all
            where = traceback.format_exception_only(type(error), error)[-1].strip()
            print(f"✗ {name}: case {number} of {len(cases)} ({case.label}) raised {where}")
            print(f"  input: {_describe(case.args)}")
            return False
        if compare(got, expected):
            continue
        hint = generic_hint
        for mistake in mistakes:
            try:
                if compare(got, pick(_call(mistake.implementation, case))):
                    hint = mistake.hint
                    break
            except Exception:
                continue
        print(f"✗ {name}: case {number} of {len(cases)} failed ({case.label}).")
        print(f"  input:    {_describe(case.args)}")
        if case.kwargs:
            print(f"  options:  {case.kwargs}")
        print(f"  expected: {_describe(expected)}")
        print(f"  got:      {_describe(got)}")
        if hint:
            print(f"  hint: {hint}")
        return False
    print(f"✓ {name}: all {len(cases)} checks passed. {PASS_NOTE}")
    return True
