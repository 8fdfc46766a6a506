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
