"""course_lib.layers.by_hand (conv1d, correlate2d_single) against np.convolve and
scipy-free explicit loops, plus lesson 02's figures."""

import numpy as np
import pytest

from course_lib import layers

FIGURE_IMAGE = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1],
                         [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]])
FIGURE_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]])


@pytest.mark.parametrize("mode, expected", [("full", [0, 1, 1, 3, 5, 2, 8]),
                                            ("valid", [1, 3, 5]),
                                            ("same", [1, 1, 3, 5, 2])])
def test_conv1d_lesson_figure(mode, expected):
    x, w = np.array([0, 1, 2, 3, 4]), np.array([1, -1, 2])
    np.testing.assert_array_equal(layers.conv1d(x, w, mode), expected)
    np.testing.assert_array_equal(np.convolve(x, w, mode), expected)


@pytest.mark.parametrize("mode", ["full", "valid", "same"])
def test_conv1d_matches_np_convolve(mode):
    rng = np.random.default_rng(0)
    for _ in range(50):
        n, f = (int(v) for v in rng.integers(1, 20, size=2))  # f > n included
        x, w = rng.normal(size=n), rng.normal(size=f)
        np.testing.assert_allclose(layers.conv1d(x, w, mode), np.convolve(x, w, mode),
                                   rtol=1e-10, atol=1e-12, err_msg=f"n={n}, f={f}")


def test_conv1d_default_mode_is_full_and_commutes():
    x, w = np.arange(6.0), np.array([2.0, 0.5])
    np.testing.assert_allclose(layers.conv1d(x, w), layers.conv1d(w, x, "full"))


@pytest.mark.parametrize("x, w, mode, message", [
    (np.ones((2, 2)), np.ones(2), "full", "rank 1"),
    (np.ones(3), np.ones((1, 2)), "full", "rank 1"),
    (np.ones(0), np.ones(2), "full", "empty"),
    (np.ones(3), np.ones(2), "circular", "mode"),
])
def test_conv1d_rejects_bad_input(x, w, mode, message):
    with pytest.raises(ValueError, match=message):
        layers.conv1d(x, w, mode)


def test_correlate2d_single_lesson_figure():
    out = layers.correlate2d_single(FIGURE_IMAGE, FIGURE_KERNEL)
    np.testing.assert_array_equal(out, [[4, 3, 4], [2, 4, 3], [2, 3, 4]])


def test_correlate2d_single_matches_loops_and_conv2d():
    rng = np.random.default_rng(1)
    for _ in range(20):
        h, w = (int(v) for v in rng.integers(1, 12, size=2))
        kh, kw = int(rng.integers(1, h + 1)), int(rng.integers(1, w + 1))
        image, kernel = rng.normal(size=(h, w)), rng.normal(size=(kh, kw))
        expected = np.array([[np.sum(image[r:r + kh, c:c + kw] * kernel)
                              for c in range(w - kw + 1)] for r in range(h - kh + 1)])
        got = layers.correlate2d_single(image, kernel)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)
        via_layer, _ = layers.conv2d_forward(image[None, :, :, None],
                                             kernel[:, :, None, None], np.zeros(1))
        np.testing.assert_allclose(got, via_layer[0, :, :, 0], rtol=1e-10, atol=1e-12)


def test_correlate2d_single_is_convolution_with_flipped_kernel():
    rng = np.random.default_rng(2)
    image, kernel = rng.normal(size=(1, 9)), rng.normal(size=(1, 3))
    np.testing.assert_allclose(layers.correlate2d_single(image, kernel)[0],
                               np.convolve(image[0], kernel[0, ::-1], "valid"))


@pytest.mark.parametrize("image, kernel, message", [
    (np.ones(5), np.ones((2, 2)), "rank 2"),
    (np.ones((3, 3)), np.ones((4, 1)), "does not fit"),
    (np.ones((3, 3)), np.ones((0, 1)), "empty"),
])
def test_correlate2d_single_rejects_bad_input(image, kernel, message):
    with pytest.raises(ValueError, match=message):
        layers.correlate2d_single(image, kernel)


def test_lesson02_multichannel_figure():
    """5x5x3, pad 1, stride 2, F=3, K=2 -> 3x3x2."""
    out, _ = layers.conv2d_forward(np.ones((1, 5, 5, 3)), np.ones((3, 3, 3, 2)),
                                   np.array([1.0, -1.0]), stride=2, padding=1)
    assert out.shape == (1, 3, 3, 2)
    assert out[0, 1, 1, 0] == 27 + 1 and out[0, 0, 0, 1] == 12 - 1
