"""How the instant checks show and compare answers: plain numbers, first differences, tuples.

- plain / _describe / _array_text: values as a learner reads them (no np.float64(...),
  small arrays whole);
- first_difference / same_answer: where two answers part, with tolerances;
- Part / OUT / NotATuple: which part of a tuple answer a check compares (`out` of
  `(out, cache)`), named in the report.
"""

import inspect
import textwrap

import numpy as np


def _copy(value):
    """Deep-enough copy so that a function that mutates its input cannot spoil a case.

    An array keeps its memory layout: a read-only, Fortran-ordered or strided case
    (course_lib.contract.in_layouts) reaches the learner's function as such.
    """
    if isinstance(value, np.ndarray):
        if value.flags.c_contiguous and value.flags.writeable:
            return value.copy()
        from course_lib.contract import relaid

        if not value.flags.writeable:
            return relaid(value, "readonly")
        return relaid(value, "fortran" if value.flags.f_contiguous else "strided")
    if isinstance(value, dict):
        return {key: _copy(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_copy(item) for item in value)
    return value


SMALL_ARRAY = 64  # arrays with at most this many values are shown whole


def plain(value):
    """A NumPy scalar as the Python number it holds (so it prints as 3.0, not np.float64(3.0))."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def _array_text(value):
    return np.array2string(np.asarray(value), precision=4, suppress_small=True, separator=", ",
                           threshold=SMALL_ARRAY + 1)


def _describe(value, limit=6):
    """A short, readable rendering of a value for a failure message."""
    value = plain(value)
    if isinstance(value, np.ndarray):
        if value.ndim == 4 and value.size <= 2 * SMALL_ARRAY:  # NHWC: one 2-D picture a slice
            slices = [f"[{n}, :, :, {c}] =\n{_array_text(value[n, :, :, c])}"
                      for n in range(value.shape[0]) for c in range(value.shape[3])]
            return (f"array of shape {value.shape}, dtype {value.dtype}, shown as "
                    f"[image, :, :, channel]:\n" + "\n".join(slices))
        if value.size <= SMALL_ARRAY:
            return f"array of shape {value.shape}, dtype {value.dtype}:\n{_array_text(value)}"
        return (f"array of shape {value.shape}, dtype {value.dtype}, "
                f"first values {[plain(v) for v in np.round(value.ravel()[:limit], 4)]}")
    if isinstance(value, tuple):
        return "(" + ", ".join(_describe(item, limit) for item in value) + ")"
    if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
        return f"a list of {len(value)} arrays, the first: " + _describe(value[0], limit)
    if isinstance(value, list):
        return repr([plain(item) for item in value])
    return repr(value)


def first_difference(got, expected, rtol=1e-5, atol=1e-6):
    """One line naming the first position where two same-shaped arrays differ, or ''."""
    try:
        got_array = np.asarray(got, dtype=float)
        expected_array = np.asarray(expected, dtype=float)
    except (TypeError, ValueError):
        return ""
    if got_array.shape != expected_array.shape:
        return (f"the shapes differ: expected {expected_array.shape}, "
                f"got {got_array.shape}" if got_array.ndim or expected_array.ndim else "")
    if got_array.ndim == 0:
        return ""
    with np.errstate(invalid="ignore"):
        close = np.isclose(got_array, expected_array, rtol=rtol, atol=atol, equal_nan=True)
    wrong = np.argwhere(~close)
    if not len(wrong):
        return ""
    index = tuple(int(i) for i in wrong[0])
    where = "[" + ", ".join(str(i) for i in index) + "]"
    return (f"first difference at {where}: expected {plain(expected_array[index]):.6g}, "
            f"got {plain(got_array[index]):.6g} ({len(wrong)} of {got_array.size} values differ)")


class Part:
    """Picks one named element of a tuple result, e.g. `out` of `(out, cache)`.

    A result that is not a tuple of the right length is reported as such
    instead of being compared.
    """

    def __init__(self, index, names):
        self.index, self.names = index, tuple(names)
        self.name = self.names[index]

    def __call__(self, result):
        if isinstance(result, (tuple, list)) and len(result) == len(self.names):
            return result[self.index]
        return NotATuple(result, self.names)


OUT = Part(0, ("out", "cache"))


class NotATuple:
    """What a Part returns for a result that is not the expected tuple."""

    def __init__(self, result, names):
        self.result, self.names = result, names

    def __repr__(self):
        kind = (f"a tuple of {len(self.result)}" if isinstance(self.result, (tuple, list))
                else _describe(self.result).split(":")[0])
        return (f"{kind}, not the tuple ({', '.join(self.names)}); "
                f"return {', '.join(self.names)}")


def same_answer(got, expected, rtol=1e-5, atol=1e-6):
    """True when `got` equals `expected`: same shape, same values within tolerance."""
    if isinstance(got, NotATuple) or isinstance(expected, NotATuple):
        return False
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
