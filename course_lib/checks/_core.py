"""The engine behind the instant checks: run a learner's function on many cases.

A check compares the learner's function with the course_lib reference on a list
of cases. It stops at the first case that fails and prints the input, what was
expected, what came back, and a hint. The hint names the likely mistake when
the learner's answer equals the answer of a known wrong implementation (a
forgotten bias, a kernel that was not flipped, ...).

A check never raises: an exception in the learner's code is reported as a
failed case, and the check returns False. A function that still raises
NotImplementedError (an unwritten exercise) is reported in one line and is not
counted as an attempt: stronger help ("more help", then where the worked
solution is, on an instructor's copy only) comes after real failed attempts.
"""

import contextvars
import inspect
import textwrap
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from course_lib import progress
from course_lib._unavailable import NotAvailableWhileGrading
from course_lib.checks._compare import (OUT, NotATuple, _copy, _describe,  # noqa: F401 (OUT)
                                       _describe_inputs, first_difference, same_answer)
from course_lib.checks._expected import (CURRENT_LESSON, Raised, fingerprint,  # noqa: F401
                                        is_recording, outcome_of, parameter_names, remembered,
                                        signed)

PASS_NOTE = ("The graded tests try more cases than these, including some you have not "
             "seen, so a pass here is a good sign, not a promise of full marks.")


SOLUTIONS = Path(__file__).resolve().parents[2] / "solutions"


QUIET = contextvars.ContextVar("quiet_check", default=False)


def solution_pointer(lesson, name):
    """Where the worked solution of exercise `name` of lesson `lesson` (e.g. '01') is.

    Only an instructor's copy of the course has solutions/; elsewhere there is no
    pointer ('') rather than a path the learner cannot open.
    """
    matches = sorted(SOLUTIONS.glob(f"{lesson}_*/*.ipynb")) if SOLUTIONS.is_dir() else []
    if not matches:
        return ""
    where = matches[0].relative_to(SOLUTIONS.parent)
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
    """A known wrong implementation and the hint to show when an answer matches it.

    `error`, when given, is an exception class: the hint is shown too when the
    learner's function raises it (a float index from `/` where `//` is meant).
    """

    implementation: object
    hint: str
    error: type = None


def _call(function, case):
    return function(*_copy(case.args), **_copy(case.kwargs))


def run_check(name, function, reference, cases, mistakes=(), generic_hint="",
              output=None, compare=same_answer, parts=None, inputs_read_only=True,
              mistake_compare=None, contract=None):
    """Try `function` on every case, print a pass or the first failure, and record it.

    Inputs:
    - name: the exercise name shown to the learner
    - function: the learner's function
    - reference: the course_lib function that gives the expected answer (in a graded
      student copy, which has no reference, the answers stored from it: _expected.py)
    - cases: a list of Case
    - mistakes: Mistake objects tried, in order, when a case fails
    - generic_hint: shown when no known mistake matches, and as extra help
      ("more help") from the second real failure on
    - output: optional function that picks the part of the result to compare
      (OUT picks `out` of an (out, cache) pair, and names it in the report)
    - compare: function(got, expected) -> bool
    - parts: names of the elements of a tuple result, e.g. ("dx", "dw", "db"),
      used to say which element differs
    - mistake_compare: function(got, wrong_answer) -> bool that recognises a known
      mistake (default: compare)
    - inputs_read_only: an array argument that the learner's function changes in
      place fails the case (the caller, or the cache, still needs it)
    - contract: optional function(result, args, kwargs) -> '' or what is wrong with the rest of
      the result once the compared part is right (course_lib.contract.cache_check: the
      cache, graded with the course's backward)

    Returns True when every case passed.
    """
    pick = output or (lambda result: result)

    def expected(number, case):
        key = f"case {number}: {fingerprint((case.args, case.kwargs))}"
        return remembered(name, key, lambda: _lenient(pick, _call(reference, case)))

    def wrong(index, number, case):  # stored too: a mistake may be built on a reference
        key = f"mistake {index} case {number}: {fingerprint((case.args, case.kwargs))}"
        return remembered(name, key, lambda: outcome_of(
            lambda: _lenient(pick, _call(mistakes[index].implementation, case))))

    if is_recording():  # the reference passes every case: no mistake would be tried
        for number, case in enumerate(cases, start=1):
            for index, mistake in enumerate(mistakes):
                if mistake.implementation is not None:
                    wrong(index, number, case)
    parameters = remembered(name, "parameters", lambda: parameter_names(reference))
    outcome, hint = _first_failure(name, function, signed(parameters), cases, mistakes,
                                   generic_hint, pick, compare, parts, inputs_read_only,
                                   mistake_compare or compare, expected, wrong, contract)
    return finish(name, outcome, hint=hint, generic_hint=generic_hint,
                  passed_text=f"all {len(cases)} checks passed")


def finish(name, outcome, hint="", generic_hint="", passed_text="passed"):
    """Record the outcome ('pass', 'fail' or 'stub') and print the pass line or the help.

    A stub (a function that still raises NotImplementedError) is not an attempt:
    it is neither recorded nor counted towards stronger help. Returns True on a pass.
    """
    if outcome == "stub":
        return False
    passed = outcome == "pass"
    lesson = CURRENT_LESSON.get()
    entry = {} if QUIET.get() else progress.record(name, lesson, passed)
    if passed:
        print(f"✓ {name}: {passed_text}. {PASS_NOTE}")
        return True
    if hint:
        print(f"  hint: {hint}")
    failures = entry.get("failures", 0)
    if failures >= progress.STRONGER_HINT_AFTER and generic_hint and hint != generic_hint:
        print(f"  more help: {generic_hint}")
    pointer = solution_pointer(lesson, name)
    if failures >= progress.SOLUTION_POINTER_AFTER and pointer:
        print("  " + pointer)
    return False


def not_written(name):
    """The line a check prints for a stub; returns the 'stub' outcome."""
    print(f"✗ {name}: not written yet (the function still raises NotImplementedError). "
          "Write it in the exercise's cell, run that cell, then run this check again.")
    return "stub"


def _show(label, value):
    print(f"  {label}" + textwrap.indent(_describe(value), "    ").lstrip())


def _report(expected, got, parts, pick):
    """Print expected and got, naming the tuple element that differs and where."""
    name = getattr(pick, "name", None)
    if (parts and isinstance(expected, tuple) and isinstance(got, (tuple, list))
            and len(got) == len(expected) == len(parts)):
        for part, e, g in zip(parts, expected, got):
            if not same_answer(g, e):
                _show(f"expected {part}: ", e)
                _show(f"got {part}:      ", g)
                difference = first_difference(g, e)
                if difference:
                    print(f"  {part}: {difference}")
                return
    if parts and isinstance(expected, tuple) and not isinstance(got, NotATuple):
        got = NotATuple(got, parts) if not (isinstance(got, (tuple, list))
                                           and len(got) == len(parts)) else got
    labels = ((f"expected {name}: ", f"got {name}:      ") if name
              else ("expected: ", "got:      "))
    _show(labels[0], expected)
    _show(labels[1], got)
    if not isinstance(got, NotATuple):
        difference = first_difference(got, expected)
        if difference:
            print(f"  {name + ': ' if name else ''}{difference}")


def _lenient(pick, result):
    """pick(result) for the course's own functions, which may return the part alone."""
    picked = pick(result)
    return result if isinstance(picked, NotATuple) else picked


IN_PLACE_HINT = ("Do not change your function's inputs in place (x[...] = ..., x *= ..., "
                 "w -= ...): the caller still needs them, and a cache that holds them would "
                 "be spoiled. Compute a new array instead (np.maximum(x, 0), x * mask, "
                 "w - step, or work on x.copy()).")


def _changed_inputs(reference, case, args, kwargs):
    """Names of the array arguments that differ from the case's originals after a call."""
    try:
        names = list(inspect.signature(reference).parameters)
    except (TypeError, ValueError):
        names = []
    changed = []
    for index, (before, after) in enumerate(zip(case.args, args)):
        if isinstance(before, np.ndarray) and isinstance(after, np.ndarray) and (
                before.shape != after.shape
                or not np.array_equal(before, after, equal_nan=True)):
            changed.append(names[index] if index < len(names) else f"argument {index + 1}")
    for key, before in case.kwargs.items():
        after = kwargs.get(key)
        if isinstance(before, np.ndarray) and isinstance(after, np.ndarray) and (
                before.shape != after.shape
                or not np.array_equal(before, after, equal_nan=True)):
            changed.append(key)
    return changed


def _first_failure(name, function, reference, cases, mistakes, generic_hint, pick, compare,
                   parts=None, inputs_read_only=True, mistake_compare=None, expect=None,
                   wrong=None, contract=None):
    """Print the first failing case; return (outcome, hint).

    `reference` gives the parameters' names; `expect(number, case)` the expected
    answer (default: `reference`'s answer); `wrong(index, number, case)` the answer of
    mistakes[index], or Raised (default: computed); `contract` as run_check takes it.
    """
    mistake_compare = mistake_compare or compare
    expect = expect or (lambda number, case: _lenient(pick, _call(reference, case)))
    wrong = wrong or (lambda index, number, case: outcome_of(
        lambda: _lenient(pick, _call(mistakes[index].implementation, case))))
    passed = []  # (number, case, result): the rest of the contract is checked once all pass
    for number, case in enumerate(cases, start=1):
        expected = expect(number, case)
        args, kwargs = _copy(case.args), _copy(case.kwargs)
        try:
            with np.errstate(all="ignore"):
                result = function(*args, **kwargs)
                got = pick(result)
        except NotImplementedError:
            return not_written(name), ""
        except Exception as error:  # the learner's code, any error at all
            where = traceback.format_exception_only(type(error), error)[-1].strip()
            print(f"✗ {name}: case {number} of {len(cases)} ({case.label}) raised {where}")
            print(_describe_inputs(reference, case))
            hint = generic_hint
            for index, mistake in enumerate(mistakes):
                if getattr(mistake, "error", None) and isinstance(error, mistake.error):
                    hint = mistake.hint
                    break
                if mistake.implementation is None:
                    continue
                try:  # a known mistake that raises the very same error
                    answer = wrong(index, number, case)
                except Exception:
                    continue
                if isinstance(answer, Raised) and answer.same(error):
                    hint = mistake.hint
                    break
            return "fail", hint
        changed = _changed_inputs(reference, case, args, kwargs) if inputs_read_only else []
        if changed:
            print(f"✗ {name}: case {number} of {len(cases)} ({case.label}) changed its input "
                  f"{', '.join(changed)} in place.")
            print(_describe_inputs(reference, case))
            return "fail", IN_PLACE_HINT
        if compare(got, expected):
            passed.append((number, case, result))
            continue
        hint = generic_hint
        for index, mistake in enumerate(mistakes):
            if mistake.implementation is None:
                continue
            try:
                wrong_answer = wrong(index, number, case)
                if not isinstance(wrong_answer, Raised) and mistake_compare(got, wrong_answer):
                    hint = mistake.hint
                    break
            except Exception:
                continue
        print(f"✗ {name}: case {number} of {len(cases)} failed ({case.label}).")
        print(_describe_inputs(reference, case))
        _report(expected, got, parts, pick)
        return "fail", hint
    for number, case, result in passed if contract else ():
        try:
            problem = contract(result, case.args, case.kwargs)
        except NotAvailableWhileGrading:  # a copy without the course's backward: the
            break  # hidden tests grade the cache (the grader has every reference)
        if problem:
            print(f"✗ {name}: case {number} of {len(cases)} ({case.label}): {problem}")
            print(_describe_inputs(reference, case))
            return "fail", generic_hint
    return "pass", None
