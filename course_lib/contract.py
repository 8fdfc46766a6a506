"""Whole-contract checks, shared by the hidden tests and the instant checks.

A graded function's contract is more than its `out` on fresh C-contiguous
arrays. The checks here observe the rest of it:

- the cache a forward pass returns, graded under the forward's own test
  (`assert_cache_feeds`, `assert_own_pair`);
- the documented errors (`assert_raises_value_error`);
- memory layouts the docstrings allow ("any float array"): Fortran order,
  transposed and strided views, read-only arrays (`relaid`, `in_layouts`);
- tolerances taken from the precision of the inputs a test gave, never from
  the dtype of what came back (`precision`);
- losses on true-class probabilities down to 1e-30 (`tiny_probability_cases`).

Every check raises AssertionError with a message that says what was expected
and what came, as a test cell's own asserts do.

Introduced in lesson 01.
"""

import numpy as np

LAYOUTS = ("fortran", "transposed", "strided", "readonly")


def relaid(x, layout):
    """The values of `x` in another memory layout: same shape, dtype and values.

    Inputs:
    - x: an array
    - layout: "fortran" (column-major), "transposed" (a view with its last two
      axes swapped back: neither C- nor Fortran-contiguous from 3-D on), "strided"
      (every other element of a larger array whose gaps hold NaN, or -1 for
      integers), "readonly" (a C-contiguous copy that cannot be written), or
      "c" (a plain C-contiguous copy)

    Returns:
    - an array equal to x
    """
    x = np.asarray(x)
    if layout == "c":
        return np.array(x, order="C")
    if layout == "fortran":
        return np.array(x, order="F")
    if layout == "transposed":
        if x.ndim < 2:
            return relaid(x, "strided")
        return np.ascontiguousarray(np.swapaxes(x, -1, -2)).swapaxes(-1, -2)
    if layout == "strided":
        gap = np.nan if x.dtype.kind in "fc" else -1
        larger = np.full(tuple(2 * size for size in x.shape), gap, dtype=x.dtype)
        view = larger[tuple(slice(None, None, 2) for _ in x.shape)]
        view[...] = x
        return view
    if layout == "readonly":
        copy = np.array(x, order="C")
        copy.flags.writeable = False
        return copy
    raise ValueError(f"relaid: layout must be one of {('c',) + LAYOUTS}, got {layout!r}")


def in_layouts(cases, start=0):
    """The same cases with their arrays in the layouts of LAYOUTS, one layout a case, in turn.

    Inputs:
    - cases: a list of cases, each an array or a tuple/list of arguments (as the
      generators of course_lib.cases return them)
    - start: which layout the first case gets

    Returns:
    - a list of (layout, case): the case's arrays relaid (other arguments as they
      were), and the layout's name for the test's messages
    """
    laid = []
    for index, case in enumerate(cases):
        layout = LAYOUTS[(start + index) % len(LAYOUTS)]
        if isinstance(case, np.ndarray):
            laid.append((layout, relaid(case, layout)))
        else:
            laid.append((layout, type(case)(relaid(item, layout) if isinstance(item, np.ndarray)
                                            else item for item in case)))
    return laid


def precision(*inputs):
    """The machine epsilon of the least precise floating-point array among the inputs.

    A tolerance is a property of what the test gave: float32 inputs are known to
    about 1e-7 whatever dtype comes back (float64 results computed from float32
    inputs are welcome). Integers, booleans and Python numbers count as float64.
    Nested tuples, lists and dicts are searched.
    """
    eps = np.finfo(np.float64).eps
    for value in inputs:
        if isinstance(value, (tuple, list)):
            eps = max(eps, precision(*value))
        elif isinstance(value, dict):
            eps = max(eps, precision(*value.values()))
        elif isinstance(value, (np.ndarray, np.generic)) and value.dtype.kind == "f":
            eps = max(eps, float(np.finfo(value.dtype).eps))
    return eps


def _close(got, expected, tolerance):
    """'' when `got` equals `expected` within `tolerance` (absolute), else what differs."""
    try:
        got_array = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return f"got {type(got).__name__}, expected an array of shape {np.shape(expected)}"
    expected_array = np.asarray(expected, dtype=float)
    if got_array.shape != expected_array.shape:
        return f"got shape {got_array.shape}, expected {expected_array.shape}"
    wrong = ~(np.abs(got_array - expected_array) <= tolerance)
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        return (f"{int(wrong.sum())} of {wrong.size} values differ, the first at {list(index)}: "
                f"got {got_array[index]:.6g}, expected {expected_array[index]:.6g}")
    return ""


def assert_cache_feeds(name, cache, backward, dout, expected, tolerance, documented):
    """Assert that the cache of the learner's forward gives the right gradients.

    Used where the lesson fixes the cache's format (lessons 01, 05, 07, 08): the
    course's backward, `backward` (course_lib's reference, or the lesson's rule
    written in the test, as lesson 07's dout * mask * scale), is fed the learner's
    cache and must return the gradients it returns on the documented cache
    (`expected`).
    The learner's own backward is never called here, so one mistake costs one
    exercise: a wrong backward loses only the backward's points (its test builds
    its own cache), and a wrong cache loses only the forward's. A cache that holds
    different but equivalent values (a float mask instead of a boolean one, a
    scale folded into the mask, extra trailing entries where the reference reads
    only the first ones) passes, since only the gradients it gives are compared.

    Inputs:
    - name: the forward's name, for the message
    - cache: what the learner's forward returned as its cache
    - backward: the course's backward (a working copy, see course_lib.testing.working_copy,
      when the reference is disabled)
    - dout: the upstream gradient
    - expected: the gradients `backward` returns on the documented cache (an
      array or a tuple of arrays)
    - tolerance: absolute tolerance, from the inputs' precision
    - documented: the cache's documented format, e.g. "(x, pool_size, stride)"
    """
    try:
        with np.errstate(all="ignore"):
            got = backward(np.array(dout), cache)
    except Exception as error:
        raise AssertionError(
            f"{name}: the course's backward could not use your cache ({type(error).__name__}: "
            f"{error}); the lesson's cache is {documented}") from None
    expected_parts = expected if isinstance(expected, tuple) else (expected,)
    got_parts = got if isinstance(expected, tuple) else (got,)
    for number, (got_part, expected_part) in enumerate(zip(got_parts, expected_parts)):
        difference = _close(got_part, expected_part, tolerance)
        if difference:
            which = f"gradient {number + 1} of {len(expected_parts)}" \
                if len(expected_parts) > 1 else "gradient"
            raise AssertionError(
                f"{name}: with your cache, the course's backward gives a wrong {which}: "
                f"{difference}; the lesson's cache is {documented}")


def cache_check(name, backward, documented_cache, documented):
    """For the instant checks (course_lib.checks): the cache part of assert_cache_feeds.

    Inputs:
    - name, backward, documented: as assert_cache_feeds
    - documented_cache: function(*case_args, **case_kwargs) -> the lesson's cache for a case

    Returns:
    - function(result, case_args, case_kwargs) -> '' when the cache of result = (out, cache)
      gives `backward` the gradients of the documented cache (within 1e-5 of their largest
      value), else the message of what differs
    """
    def problem(result, case_args, case_kwargs=None):
        if not (isinstance(result, (tuple, list)) and len(result) == 2):
            return ""  # the check of `out` reports a result that is not (out, cache)
        dout = np.random.default_rng(0).normal(size=np.shape(result[0]))
        expected = backward(dout, documented_cache(*case_args, **(case_kwargs or {})))
        parts = expected if isinstance(expected, tuple) else (expected,)
        tolerance = 1e-5 * max([1.0] + [float(np.max(np.abs(part))) for part in parts])
        try:
            assert_cache_feeds(name, result[1], backward, dout, expected, tolerance, documented)
        except AssertionError as error:
            return str(error)
        return ""

    return problem


def assert_own_pair(name, forward_args, forward, backward, dout, expected, tolerance):
    """Assert that the learner's backward, on their forward's cache, gives the right gradients.

    For lessons that leave the cache's format to the learner, where no course
    backward can read it. Fairness: call this under the *backward's* test, never
    under the forward's. The cache exists only for the backward, and the learner
    designs the two together, so a cache their own backward cannot use and a
    wrong backward are one mistake of one exercise, counted once, in the
    backward's points; the forward's test grades `out` alone, so a wrong backward
    never costs the forward's points. (Where the lesson fixes the format, the
    forward's cache is graded under the forward's test with assert_cache_feeds.)

    Inputs:
    - name: the backward's name, for the message
    - forward_args: the forward's arguments (a tuple)
    - forward, backward: the learner's functions
    - dout: the upstream gradient
    - expected: the gradients (an array or a tuple of arrays)
    - tolerance: absolute tolerance, from the inputs' precision
    """
    result = forward(*forward_args)
    if not (isinstance(result, (tuple, list)) and len(result) == 2):
        raise AssertionError(f"{name}: the forward pass must return (out, cache), "
                             f"got {type(result).__name__}")
    got = backward(np.array(dout), result[1])
    expected_parts = expected if isinstance(expected, tuple) else (expected,)
    if isinstance(expected, tuple) and not (isinstance(got, (tuple, list))
                                            and len(got) == len(expected)):
        raise AssertionError(f"{name}: expected a tuple of {len(expected)} gradients, "
                             f"got {type(got).__name__}")
    got_parts = got if isinstance(expected, tuple) else (got,)
    for number, (got_part, expected_part) in enumerate(zip(got_parts, expected_parts)):
        difference = _close(got_part, expected_part, tolerance)
        if difference:
            raise AssertionError(f"{name}: gradient {number + 1} on your forward's cache: "
                                 f"{difference}")


def assert_raises_value_error(function, *args, what="", **kwargs):
    """Assert that function(*args, **kwargs) raises the ValueError its docstring promises.

    Inputs:
    - function: the learner's function
    - args, kwargs: the unsupported arguments
    - what: a few words saying what is unsupported, for the message
    """
    name = getattr(function, "__name__", None) or "the function"
    try:
        with np.errstate(all="ignore"):
            function(*args, **kwargs)
    except ValueError:
        return
    except Exception as error:
        raise AssertionError(f"{name} with {what}: expected ValueError, got "
                             f"{type(error).__name__}: {error}") from None
    raise AssertionError(f"{name} with {what}: expected ValueError, it returned a result")


def tiny_probability_cases(*, smallest_exponent=30):
    """(logits, labels) whose true classes have probabilities 1e-3, 1e-6, ... down to
    10 ** -smallest_exponent.

    A loss that clips probabilities before the log (np.clip(p, 1e-12, 1)) or adds
    an epsilon inside it is wrong on these, by up to tens of nats: the exact loss
    of a row is -log p of its true class. Rows of two to four classes, float64.
    Fixed cases, not a seeded generator: called without a number, so that
    tests/test_seed_sweep.py does not take the exponent for a seed.
    """
    cases = []
    for exponent in range(3, smallest_exponent + 1, 3):
        log_p = -exponent * np.log(10.0)
        classes = 2 + exponent % 3
        # the other classes share the rest of the probability: p_true = 10 ** -exponent
        rest = np.log(-np.expm1(log_p) / (classes - 1))
        logits = np.full(classes, rest)
        label = exponent % classes
        logits[label] = log_p
        cases.append((logits[None, :] + float(exponent % 5), np.array([label])))
    return cases
