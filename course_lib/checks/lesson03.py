"""Instant checks for lesson 03: stride, padding and output shapes."""

import math

import numpy as np

from course_lib import shapes
from course_lib.cases import conv_output_shape_cases, conv_output_size_cases, pool_output_shape_cases
from course_lib.checks._core import Case, Mistake, run_check, same_answer


def _size_with(valid, same, explicit):
    """A conv_output_size built from one formula per padding mode (for known mistakes)."""
    def size(n, f, stride=1, padding="valid"):
        if padding == "valid":
            return valid(n, f, stride)
        if padding == "same":
            return same(n, f, stride)
        return explicit(n, f, stride, padding)
    return size


DIVISION_HINT = ("A size is a whole number: use // (floor division) or math.ceil, not / alone, "
                 "which gives a float such as 3.5 or 3.0.")
RIGHT_VALID = lambda n, f, s: math.ceil((n - f + 1) / s)  # noqa: E731
RIGHT_SAME = lambda n, f, s: math.ceil(n / s)  # noqa: E731
RIGHT_EXPLICIT = lambda n, f, s, p: (n - f + 2 * p) // s + 1  # noqa: E731

SIZE_MISTAKES = [
    Mistake(_size_with(lambda n, f, s: (n - f) // s, RIGHT_SAME,
                       lambda n, f, s, p: (n - f + 2 * p) // s),
            "You forgot the + 1: a window of size n on an input of size n still gives one output."),
    Mistake(_size_with(lambda n, f, s: (n - f + 1) // s, lambda n, f, s: n // s, RIGHT_EXPLICIT),
            "Keras rounds up for 'valid' and 'same': ceil((n - f + 1) / s) and ceil(n / s)."),
    Mistake(_size_with(lambda n, f, s: (n - f) // s + 1, lambda n, f, s: n // s, RIGHT_EXPLICIT),
            "'same' keeps ceil(n / s) pixels: round up, a partial last window still counts."),
    Mistake(_size_with(RIGHT_VALID, lambda n, f, s: n, RIGHT_EXPLICIT),
            "'same' keeps the size only with stride 1; in general it is ceil(n / stride)."),
    Mistake(_size_with(RIGHT_VALID, RIGHT_SAME, lambda n, f, s, p: (n - f + p) // s + 1),
            "An int padding P adds P zeros on EACH side: the padded size is n + 2P."),
    Mistake(_size_with(lambda n, f, s: (n - f) / s + 1, lambda n, f, s: n / s,
                       lambda n, f, s, p: (n - f + 2 * p) / s + 1),
            DIVISION_HINT),
    Mistake(_size_with(lambda n, f, s: float(RIGHT_VALID(n, f, s)),
                       lambda n, f, s: float(RIGHT_SAME(n, f, s)),
                       lambda n, f, s, p: (n - f + 2 * p) / s // 1 + 1),
            DIVISION_HINT),
]


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def exact_ints(got, expected):
    """The same numbers as `expected`, and every one an int (a size is never 3.0 or 3.5)."""
    if isinstance(expected, tuple):
        return (isinstance(got, (tuple, list)) and len(got) == len(expected)
                and all(exact_ints(g, e) for g, e in zip(got, expected)))
    return _is_int(got) and same_answer(got, expected)


def same_kind(got, expected):
    """The same numbers, each an int where `expected` has an int (to recognise a mistake)."""
    if isinstance(expected, tuple):
        return (isinstance(got, (tuple, list)) and len(got) == len(expected)
                and all(same_kind(g, e) for g, e in zip(got, expected)))
    return _is_int(got) == _is_int(expected) and same_answer(got, expected)


def _as_floats(function):
    def floats(*args, **kwargs):
        result = function(*args, **kwargs)
        return tuple(float(v) for v in result) if isinstance(result, tuple) else float(result)
    return floats


def _size_cases():
    cases = [Case((200, 2), {"stride": 2, "padding": "valid"}, label="200 pixels, F=2, S=2, valid"),
             Case((128, 3), {"stride": 2, "padding": "same"}, label="128 pixels, F=3, S=2, same"),
             Case((5, 3), {"stride": 2, "padding": 1}, label="5 pixels, F=3, S=2, P=1"),
             Case((7, 7), {"stride": 1, "padding": "valid"}, label="window as big as the input")]
    for n, f, s, padding in conv_output_size_cases(301, count=40):
        cases.append(Case((n, f), {"stride": s, "padding": padding},
                          label=f"n={n}, f={f}, stride {s}, padding {padding!r}"))
    return cases


def conv_output_size(function):
    """Check a learner's conv_output_size(n, f, stride, padding)."""
    return run_check(
        "conv_output_size", function, shapes.conv_output_size, _size_cases(),
        mistakes=SIZE_MISTAKES, compare=exact_ints, mistake_compare=same_kind,
        generic_hint="valid: ceil((n - f + 1) / s); same: ceil(n / s); int P: "
                     "(n - f + 2P) // s + 1.")


def conv_output_shape(function):
    """Check a learner's conv_output_shape(input_shape, filters, kernel_size, strides, padding)."""
    cases = [Case(((200, 200, 1), 16, 2), {"strides": 2, "padding": "valid"},
                  label="Conv2D(16, 2, strides=2) on 200x200x1"),
             Case(((128, 128, 3), 32, 3), {"strides": 2, "padding": "same"},
                  label="Conv2D(32, 3, strides=2, padding='same') on 128x128x3"),
             Case(((5, 5, 3), 2, 3), {"strides": 2, "padding": 1}, label="5x5x3, F=3, S=2, P=1"),
             Case(((9, 14, 3), 8, (3, 5)), {"strides": (2, 3), "padding": "valid"},
                  label="rectangular input, kernel (3, 5), strides (2, 3)"),
             Case(((10, 7, 4), 6, (2, 3)), {"strides": (3, 2), "padding": "same"},
                  label="rectangular input, kernel (2, 3), strides (3, 2), same"),
             Case(((28, 28, 1), 4, 5), {}, label="defaults: stride 1, valid")]
    cases += [Case((shape, filters, kernel), {"strides": strides, "padding": padding},
                   label=f"input {shape}, kernel_size {kernel}, strides {strides}, "
                         f"padding {padding!r}")
              for shape, filters, kernel, strides, padding in conv_output_shape_cases(302)]

    def swapped(input_shape, filters, kernel_size, strides=1, padding="valid"):
        h, w, _ = shapes.conv_output_shape(input_shape, filters, kernel_size, strides, padding)
        return (h, w, input_shape[2])

    return run_check(
        "conv_output_shape", function, shapes.conv_output_shape, cases,
        mistakes=[Mistake(swapped, "The depth of a conv output is the number of filters, "
                                   "not the input's channels."),
                  Mistake(_as_floats(shapes.conv_output_shape), DIVISION_HINT)],
        compare=exact_ints, mistake_compare=same_kind,
        generic_hint="Apply conv_output_size to H and to W (with their own kernel size and "
                     "stride when pairs are given); the depth is `filters`.")


def pool_output_shape(function):
    """Check a learner's pool_output_shape(input_shape, pool_size, strides, padding)."""
    cases = [Case(((100, 100, 15),), {"pool_size": 2, "strides": 2}, label="MaxPooling2D(2, 2)"),
             Case(((100, 100, 15),), {"pool_size": 2}, label="MaxPooling2D(2): strides default"),
             Case(((100, 100, 15),), {"pool_size": 2, "strides": 1},
                  label="MaxPooling2D(pool_size=2, strides=1)"),
             Case(((7, 9, 3),), {"pool_size": 3}, label="3x3 pool on 7x9"),
             Case(((7, 9, 3),), {"pool_size": 2, "padding": "same"}, label="same padding, odd sizes"),
             Case(((12, 10, 2),), {"pool_size": (3, 2), "strides": (2, 1)},
                  label="rectangular pool and strides")]
    cases += [Case((shape,), {"pool_size": pool, "strides": strides, "padding": padding},
                   label=f"input {shape}, pool_size {pool}, strides {strides}, padding {padding!r}")
              for shape, pool, strides, padding in pool_output_shape_cases(303)]

    def stride_one(input_shape, pool_size=2, strides=None, padding="valid"):
        return shapes.pool_output_shape(input_shape, pool_size, strides or 1, padding)

    def strides_swapped(input_shape, pool_size=2, strides=None, padding="valid"):
        if strides is not None and not isinstance(strides, int):
            strides = (strides[1], strides[0])
        return shapes.pool_output_shape(input_shape, pool_size, strides, padding)

    return run_check(
        "pool_output_shape", function, shapes.pool_output_shape, cases,
        mistakes=[Mistake(stride_one, "In Keras strides=None means strides = pool_size "
                                      "(windows that do not overlap), not 1."),
                  Mistake(strides_swapped, "A strides pair is (rows, columns): its first "
                                           "number is the step along the height."),
                  Mistake(_as_floats(shapes.pool_output_shape), DIVISION_HINT)],
        compare=exact_ints, mistake_compare=same_kind,
        generic_hint="Pooling uses the conv formulas with the pool size as the window; "
                     "strides=None means strides = pool_size; the depth does not change.")
