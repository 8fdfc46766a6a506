"""course_lib.contract: layouts, input precision, caches, documented errors, tiny probabilities;
and the wire keeping an argument's layout on its way to the student's kernel."""

import math

import numpy as np
import pytest

from autograder.inside import wire
from course_lib import contract, layers


def _refuse(value):
    raise AssertionError(f"not plain data: {value!r}")


@pytest.mark.parametrize("shape", [(5,), (3, 4), (2, 3, 4), (2, 3, 4, 2)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_relaid_keeps_values_and_changes_layout(shape, dtype):
    x = (np.arange(np.prod(shape)).reshape(shape) - 7).astype(dtype)
    for layout in ("c",) + contract.LAYOUTS:
        y = contract.relaid(x, layout)
        assert y.shape == x.shape and y.dtype == x.dtype, layout
        np.testing.assert_array_equal(y, x, err_msg=layout)
        assert not np.shares_memory(y, x), layout
    assert contract.relaid(x, "strided").flags.c_contiguous is False
    assert contract.relaid(x, "readonly").flags.writeable is False
    if len(shape) >= 2:
        assert not contract.relaid(x, "fortran").flags.c_contiguous
    if len(shape) >= 3:
        transposed = contract.relaid(x, "transposed")
        assert not (transposed.flags.c_contiguous or transposed.flags.f_contiguous)


def test_relaid_refuses_an_unknown_layout():
    with pytest.raises(ValueError, match="layout must be one of"):
        contract.relaid(np.zeros(3), "diagonal")


def test_in_layouts_cycles_through_the_layouts_and_keeps_other_arguments():
    cases = [(np.ones((2, 3)), 2, None)] * 5 + [np.ones((2, 2))]
    laid = contract.in_layouts(cases, start=1)
    assert [layout for layout, _ in laid] == [*contract.LAYOUTS[1:], *contract.LAYOUTS[:3]]
    for (layout, case), original in zip(laid[:5], cases):
        assert case[1:] == (2, None)
        np.testing.assert_array_equal(case[0], original[0])
    assert isinstance(laid[5][1], np.ndarray)


def test_precision_is_that_of_the_least_precise_input():
    eps32, eps64 = np.finfo(np.float32).eps, np.finfo(np.float64).eps
    assert contract.precision(np.zeros(2)) == eps64
    assert contract.precision(np.zeros(2), np.zeros(2, np.float32)) == eps32
    assert contract.precision(np.arange(3), 2, 1.5) == eps64
    assert contract.precision((np.zeros(1), {"w": np.float32(1)})) == eps32


def _pool_cache_check(cache, x, pool=2, stride=2, tolerance=1e-12):
    backward = layers.max_pool2d_backward
    dout = np.random.default_rng(0).normal(size=(x.shape[0], (x.shape[1] - pool) // stride + 1,
                                                 (x.shape[2] - pool) // stride + 1, x.shape[3]))
    contract.assert_cache_feeds("max_pool2d_forward", cache, backward, dout,
                                backward(dout, (x, pool, stride)), tolerance,
                                "(x, pool_size, stride)")


def test_cache_feeds_passes_the_documented_cache_and_an_equivalent_one():
    x = np.random.default_rng(1).normal(size=(2, 6, 6, 3))
    _pool_cache_check((x, 2, 2), x)
    _pool_cache_check((np.asfortranarray(x), 2, 2), x)
    # x kept in float32: the course's backward then works in float32
    _pool_cache_check((x.astype(np.float32), 2, 2), x, tolerance=1e-6)


@pytest.mark.parametrize("cache, message", [
    ("out", "wrong gradient"),          # the pooled values instead of x
    ("swapped", "could not use your cache"),
    ("short", "could not use your cache"),
])
def test_cache_feeds_fails_a_wrong_cache_with_a_message(cache, message):
    x = np.random.default_rng(2).normal(size=(2, 6, 6, 3))
    wrong = {"out": (np.repeat(np.repeat(layers.max_pool2d_forward(x)[0], 2, 1), 2, 2), 2, 2),
             "swapped": (x, 2, None, 2), "short": (x, 2)}[cache]
    with pytest.raises(AssertionError, match=message) as error:
        _pool_cache_check(wrong, x)
    assert "(x, pool_size, stride)" in str(error.value)


def test_own_pair_judges_the_learners_forward_and_backward_together():
    def forward(x):
        return x * 3, {"factor": 3}

    def backward(dout, cache):
        return dout * cache["factor"]

    dout = np.ones(4)
    contract.assert_own_pair("triple_backward", (np.arange(4.0),), forward, backward, dout,
                             3 * dout, 1e-12)
    with pytest.raises(AssertionError, match="gradient 1 on your forward's cache"):
        contract.assert_own_pair("triple_backward", (np.arange(4.0),), forward,
                                 lambda dout, cache: dout, dout, 3 * dout, 1e-12)


def test_raises_value_error_accepts_only_a_value_error():
    def strict(padding):
        if padding != "valid":
            raise ValueError(f"only 'valid', got {padding!r}")
        return 1

    def asserting(padding):
        assert padding == "valid"

    contract.assert_raises_value_error(strict, "same", what="padding 'same'")
    with pytest.raises(AssertionError, match="it returned a result"):
        contract.assert_raises_value_error(lambda padding: 1, "same", what="padding 'same'")
    with pytest.raises(AssertionError, match="got AssertionError"):
        contract.assert_raises_value_error(asserting, "same", what="padding 'same'")


def test_tiny_probabilities_reach_1e_30_and_catch_a_clipping_loss():
    cases = contract.tiny_probability_cases(smallest_exponent=30)
    exact, clipped = [], []
    for logits, labels in cases:
        row, label = logits[0], int(labels[0])
        top = max(row)
        log_total = math.log(sum(math.exp(value - top) for value in row)) + top
        exact.append(log_total - row[label])
        shifted = np.exp(row - top)
        probability = shifted[label] / shifted.sum()
        clipped.append(-np.log(np.clip(probability, 1e-12, 1.0)))
    np.testing.assert_allclose(exact, [k * math.log(10) for k in range(3, 31, 3)], rtol=1e-9)
    assert abs(clipped[-1] - exact[-1]) > 30  # -log(1e-12) against -log(1e-30)


@pytest.mark.parametrize("layout", contract.LAYOUTS)
def test_the_wire_keeps_an_arguments_layout_for_the_kernel(layout):
    x = contract.relaid(np.arange(24.0).reshape(2, 3, 4), layout)
    encoded = wire.encode((x, 3), _refuse)
    kernel_side = wire.decode(encoded, _refuse, layouts=True)[0]
    grader_side = wire.decode(encoded, _refuse)[0]
    np.testing.assert_array_equal(kernel_side, x)
    np.testing.assert_array_equal(grader_side, x)
    assert kernel_side.flags.c_contiguous == x.flags.c_contiguous
    assert kernel_side.flags.f_contiguous == x.flags.f_contiguous
    assert kernel_side.flags.writeable == x.flags.writeable
    assert grader_side.flags.writeable  # what the kernel sends is read as plain arrays


def test_instant_checks_grade_the_cache_after_out_and_the_layouts(capsys):
    """The checks share the machinery: `out` first, then the cache; inputs in other layouts."""
    from course_lib import checks

    def pool(x, pool_size=2, stride=None, padding="valid"):
        return layers.max_pool2d_forward(x, pool_size, stride)[0]

    def caches_out(x, pool_size=2, stride=None, padding="valid"):
        out = pool(x, pool_size, stride)
        return out, (out, pool_size, stride)

    def float32_cache(x, pool_size=2, stride=None, padding="valid"):  # equivalent: same maxima
        return pool(x, pool_size, stride), (np.asarray(x, np.float32), pool_size,
                                            pool_size if stride is None else stride)

    def memory_order(x):  # right for C-contiguous inputs only
        n, _, _, c = np.shape(x)
        return np.ravel(x, order="K").reshape(n, -1, c).mean(axis=1), np.shape(x)

    assert checks.passes(caches_out, "max_pool2d_forward") is False
    assert checks.max_pool2d_forward(caches_out) is False
    assert "the course's backward could not use your cache" in capsys.readouterr().out
    assert checks.passes(float32_cache, "max_pool2d_forward") is True
    assert checks.global_avg_pool2d_forward(memory_order) is False
    assert "(fortran)" in capsys.readouterr().out


def test_a_graded_call_gives_the_students_function_the_tests_layouts():
    """Through the grader's channel and the kernel's serve logic: what the function sees."""
    from tests.test_autograder_checker import honest, run

    def layout_of(x):
        return [bool(x.flags.c_contiguous), bool(x.flags.f_contiguous), bool(x.flags.writeable)]

    def doubles_in_place(x):
        x *= 2
        return x

    source = ("from course_lib.contract import relaid\n"
              "x = np.arange(24.0).reshape(2, 3, 4)\n"
              "assert layout_of(relaid(x, 'fortran')) == [False, True, True]\n"
              "assert layout_of(relaid(x, 'transposed')) == [False, False, True]\n"
              "assert layout_of(relaid(x, 'strided')) == [False, False, True]\n"
              "assert layout_of(relaid(x, 'readonly')) == [True, False, False]\n")
    namespace = {"np": np, "layout_of": layout_of, "doubles_in_place": doubles_in_place}
    connection, _ = honest(namespace)
    assert run(source, connection) is None
    source = ("from course_lib.contract import relaid\n"
              "doubles_in_place(relaid(np.ones(3), 'readonly'))\n")
    connection, _ = honest(namespace)
    assert run(source, connection) == ("ValueError", "output array is read-only")
