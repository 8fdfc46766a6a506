"""Stored expected answers: how the instant checks work in a copy without the references.

In the instructor's course (and the public one) a check computes what it
expects by calling the course_lib reference. A student copy of a course graded
for credit (`make student-repo DIR=... GRADED=1`, tools/student_repo.py) has no
graded reference: its checks read the expected answers from
course_lib/checks/expected/lessonNN.pkl instead, which the instructor's build
wrote by running every check on its reference with `recording()` on.

Every value a check derives from a reference goes through `remembered(check,
key, compute)`: compute() where there is no stored answer, the stored value
where there is, and recorded while `recording()` is on. A key names its case by
a fingerprint of the case's inputs, so a stored answer is never used for inputs
it was not computed from: when the cases change, the check says the copy is out
of date instead of comparing with a wrong answer.
"""

import contextlib
import contextvars
import functools
import hashlib
import inspect
import pickle
from pathlib import Path

import numpy as np

from course_lib._unavailable import NotAvailableWhileGrading
from course_lib.checks._compare import _copy

EXPECTED = Path(__file__).resolve().with_name("expected")
CURRENT_LESSON = contextvars.ContextVar("current_lesson", default="?")
_RECORDING = contextvars.ContextVar("recording", default=None)


class OutOfDate(NotAvailableWhileGrading):
    """A stored answer was asked for inputs it was not computed from."""


def fingerprint(value):
    """A short hex digest of `value` (arrays, numbers, strings, containers, generators)."""
    digest = hashlib.sha256()
    _feed(digest, value)
    return digest.hexdigest()[:16]


def _feed(digest, value):
    if isinstance(value, np.ndarray):
        digest.update(f"array {value.dtype.str} {value.shape};".encode())
        digest.update(np.ascontiguousarray(value).tobytes())
    elif isinstance(value, (list, tuple)):
        digest.update(f"{type(value).__name__} {len(value)};".encode())
        for item in value:
            _feed(digest, item)
    elif isinstance(value, dict):
        digest.update(f"dict {len(value)};".encode())
        for key in sorted(value, key=repr):
            _feed(digest, key)
            _feed(digest, value[key])
    elif isinstance(value, np.random.Generator):
        _feed(digest, value.bit_generator.state)
    elif callable(value):
        digest.update(f"callable {getattr(value, '__qualname__', type(value).__name__)};"
                      .encode())
    else:
        digest.update(f"{type(value).__name__} {value!r};".encode())


class Raised:
    """What a call raised, as data: its exception's type name and text."""

    def __init__(self, error):
        self.kind, self.text = type(error).__name__, str(error)

    def same(self, error):
        """True when `error` is of the same type (by name) with the same text."""
        return type(error).__name__ == self.kind and str(error) == self.text


def outcome_of(compute):
    """compute()'s value (NumPy warnings silenced), or Raised for what it raised."""
    try:
        with np.errstate(all="ignore"):
            return compute()
    except Exception as error:  # a known mistake may raise: that is its answer
        return Raised(error)


def parameter_names(function):
    """The names of `function`'s parameters ([] when it has no signature)."""
    try:
        return list(inspect.signature(function).parameters)
    except (TypeError, ValueError):
        return []


def signed(names):
    """A function with parameters `names` that only raises: the reports read names from it."""
    def stand_in(*args, **kwargs):
        raise NotImplementedError
    stand_in.__signature__ = inspect.Signature(
        [inspect.Parameter(name, inspect.Parameter.POSITIONAL_OR_KEYWORD) for name in names])
    return stand_in


def is_recording():
    """True inside `recording()`."""
    return _RECORDING.get() is not None


def path(lesson):
    """The file of lesson `lesson`'s ('01') stored answers."""
    return EXPECTED / f"lesson{lesson}.pkl"


@functools.lru_cache(maxsize=None)
def stored(lesson):
    """{check: {key: value}} stored for lesson `lesson`, or None where nothing is stored."""
    file = path(lesson)
    if not file.is_file():
        return None
    with open(file, "rb") as stream:
        return pickle.load(stream)


def stored_checks():
    """The names of the checks that have stored answers in this copy of course_lib."""
    if not EXPECTED.is_dir():
        return set()
    return {check for file in EXPECTED.glob("lesson*.pkl")
            for check in stored(file.stem.removeprefix("lesson")) or {}}


def remembered(check, key, compute):
    """What check `check` expects under `key`: stored (a graded student copy) or compute().

    Returns a copy of a stored value, so a learner's function that changes it in
    place cannot spoil the next case. Raises OutOfDate when this copy stores
    answers for the lesson but none under `key`.
    """
    recording = _RECORDING.get()
    answers = None if recording is not None else stored(CURRENT_LESSON.get())
    if answers is not None:
        try:
            return _copy(answers[check][key])
        except KeyError:
            raise OutOfDate(f"no stored answer for {key.split(':')[0]} of this check: the "
                            "cases changed since this copy of the course was built (ask "
                            "for a rebuilt copy)") from None
    value = compute()
    if recording is not None:
        recording.setdefault(check, {})[key] = _copy(value)
    return value


@contextlib.contextmanager
def recording():
    """Record every remembered value computed inside: yields {check: {key: value}}."""
    answers = {}
    token = _RECORDING.set(answers)
    try:
        yield answers
    finally:
        _RECORDING.reset(token)


def write(lesson, answers, folder=EXPECTED):
    """Store `answers` ({check: {key: value}}) as lesson `lesson`'s file under `folder`."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / f"lesson{lesson}.pkl", "wb") as stream:
        pickle.dump(answers, stream, protocol=4)
