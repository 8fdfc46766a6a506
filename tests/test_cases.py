"""course_lib.cases: the shared case generators sweep the domain their docstrings promise."""

import numpy as np

from course_lib import cases, shapes


def test_generators_are_deterministic_and_differ_by_seed():
    first = cases.conv_backward_cases(1)
    again = cases.conv_backward_cases(1)
    other = cases.conv_backward_cases(2)
    assert all(np.array_equal(a[0], b[0]) for a, b in zip(first, again))
    assert not all(a[0].shape == b[0].shape and np.array_equal(a[0], b[0])
                   for a, b in zip(first, other))


def test_conv_backward_cases_cover_rectangular_kernels_float32_and_batch_of_one():
    found = cases.conv_backward_cases(6002, count=10)
    kernels = [w.shape[:2] for _, w, _, _, _, _ in found]
    assert any(kh != kw for kh, kw in kernels) and any(kh == kw for kh, kw in kernels)
    assert {x.dtype for x, *_ in found} == {np.dtype(np.float32), np.dtype(np.float64)}
    assert any(x.shape[0] == 1 for x, *_ in found)
    for x, w, b, dout, stride, padding in found:
        height = (x.shape[1] + 2 * padding - w.shape[0]) // stride + 1
        width = (x.shape[2] + 2 * padding - w.shape[1]) // stride + 1
        assert dout.shape == (x.shape[0], height, width, w.shape[3])


def test_shape_cases_include_pairs_and_every_padding_form():
    pools = cases.pool_output_shape_cases(2033)
    assert any(isinstance(strides, tuple) and strides[0] != strides[1]
               for _, _, strides, _ in pools)
    assert {strides is None for _, _, strides, _ in pools} == {True, False}
    sizes = cases.conv_output_size_cases(2031)
    assert {"valid", "same"} <= {p for *_, p in sizes if isinstance(p, str)}
    assert any(isinstance(p, int) for *_, p in sizes)
    for shape, pool, strides, padding in pools:  # every case is a valid Keras layer
        assert min(shapes.pool_output_shape(shape, pool, strides, padding)[:2]) >= 1


def test_pool_cases_with_ties_hold_windows_of_zeros():
    tied = cases.pool_cases(508, count=8, ties=True)
    assert any(np.count_nonzero(x) < x.size // 2 for x, _, _ in tied)


def test_optimizer_cases_reach_tiny_gradients_where_epsilon_matters():
    found = cases.optimizer_cases(9091, count=8)
    smallest = min(np.abs(g).mean() for _, gradients, _ in found for g in gradients)
    assert smallest < 1e-7
    assert {w.dtype for w, _, _ in found} == {np.dtype(np.float32), np.dtype(np.float64)}


def test_lesson_01_cases_cover_batch_of_one_both_dtypes_and_extreme_logits():
    dense = cases.dense_cases(111, count=8)
    assert any(x.shape[0] == 1 for x, _, _ in dense)
    assert {x.dtype for x, _, _ in dense} == {np.dtype(np.float32), np.dtype(np.float64)}
    for x, w, b in dense:
        assert x.shape[1] == w.shape[0] and w.shape[1] == b.shape[0]
    assert {x.ndim for x in cases.relu_cases(112, count=12)} >= {1, 2, 3}
    logits = cases.softmax_cases(113, count=8)
    assert any(x.shape[0] == 1 for x in logits) and any(x.shape[1] == 1 for x in logits)
    assert max(np.ptp(x, axis=1).max() for x in logits) > 1000  # overflows without the shift
    assert any(np.argmax(x, axis=1).max() > 0 for x in logits)  # the largest is not always first
    assert max(a * b for sizes in cases.mlp_sizes_cases(114) for a, b in zip(sizes, sizes[1:])) > 2 ** 24


def test_lesson_02_cases_cover_odd_even_rectangular_and_every_padding():
    lengths = [(x.size, w.size) for x, w in cases.conv1d_cases(211, count=10)]
    assert all(f <= n for n, f in lengths)
    assert {f % 2 for _, f in lengths} == {0, 1} and any(f == n for n, f in lengths)
    pairs = cases.correlate2d_cases(212, count=8)
    assert any(k.shape[0] != k.shape[1] for _, k in pairs)
    assert all(k.shape[0] <= im.shape[0] and k.shape[1] <= im.shape[1] for im, k in pairs)
    convs = cases.conv2d_cases(213, count=8)
    assert {"valid", "same"} <= {p for *_, p in convs if isinstance(p, str)}
    assert any(isinstance(p, int) for *_, p in convs)
    assert any(x.shape[0] == 1 for x, *_ in convs)
    assert any(w.shape[0] != w.shape[1] for _, w, *_ in convs)
    assert {x.dtype for x, *_ in convs} == {np.dtype(np.float32), np.dtype(np.float64)}
    for x, w, b, stride, padding in convs:  # every case is a valid layer
        assert min(shapes.conv_output_shape(x.shape[1:], w.shape[3], w.shape[:2], stride,
                                            padding)[:2]) >= 1


def test_lesson_06_mlp_cases_cover_the_domain_the_exercises_admit():
    """dense_backward: N, D or M of 1, square and non-square w, both dtypes; relu_backward: 1-D
    to 4-D, exact 0.0 and -0.0 in every case; the MLP: pre-activations away from the kink."""
    dense = cases.dense_backward_cases(6006, count=8)
    assert {x.dtype for x, *_ in dense} == {np.dtype(np.float32), np.dtype(np.float64)}
    assert any(x.shape[0] == 1 for x, *_ in dense)
    assert any(w.shape[0] == w.shape[1] for _, w, _, _ in dense)
    assert any(w.shape[0] != w.shape[1] for _, w, _, _ in dense)
    for x, w, b, dout in dense:
        assert dout.shape == (x.shape[0], w.shape[1]) and b.shape == (w.shape[1],)
    relu = cases.relu_backward_cases(6007, count=8)
    assert {x.ndim for x, _ in relu} >= {1, 2, 3}
    for x, dout in relu:
        assert x.shape == dout.shape and x.dtype == dout.dtype
        assert np.any((x == 0) & np.signbit(x)) and np.any((x == 0) & ~np.signbit(x))
    for x, y, w1, b1, w2, b2 in cases.mlp_cases(6008, count=6):
        hidden = x.astype(np.float64) @ w1 + b1
        assert np.min(np.abs(hidden)) > 5e-4  # 1e-3 in float64, rounded to float32
        assert y.shape == (x.shape[0], w2.shape[1]) and b2.shape == (w2.shape[1],)
