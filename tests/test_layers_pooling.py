"""course_lib.layers.pooling against keras.layers.MaxPooling2D / AveragePooling2D /
GlobalAveragePooling2D, GradientTape and numerical gradients."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from course_lib import layers
from course_lib.gradcheck import numerical_gradient, relative_error

import tensorflow as tf
import keras

# (N, H, W, C, pool_size, stride, padding)
CASES = [
    (2, 8, 8, 3, 2, None, "valid"),
    (2, 7, 9, 2, 2, None, "same"),
    (1, 9, 7, 3, 3, 2, "same"),
    (2, 10, 9, 2, (2, 3), (1, 2), "valid"),
    (1, 6, 5, 1, 3, 1, "same"),
    (2, 7, 6, 2, (3, 2), None, "valid"),
]

POOLS = {
    "max": (layers.max_pool2d_forward, layers.max_pool2d_backward, keras.layers.MaxPooling2D),
    "avg": (layers.avg_pool2d_forward, layers.avg_pool2d_backward, keras.layers.AveragePooling2D),
}


def tie_free_images(shape, dtype, seed=0):
    """Distinct values, so every window has one arg-max."""
    rng = np.random.default_rng(seed)
    return (rng.permutation(np.prod(shape)).reshape(shape) / 7.0 - 3.0).astype(dtype)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("case", CASES)
def test_forward_and_gradient_match_keras(kind, case):
    """Output and dx agree with the Keras layer and GradientTape (float32)."""
    n, h, w, c, pool_size, stride, padding = case
    forward, backward, keras_layer = POOLS[kind]
    x = tie_free_images((n, h, w, c), np.float32)
    out, cache = forward(x, pool_size=pool_size, stride=stride, padding=padding)

    layer = keras_layer(pool_size=pool_size, strides=stride, padding=padding)
    x_t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_t)
        expected = layer(x_t)
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-6, atol=1e-6)

    dout = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
    dx_t = tape.gradient(expected, x_t, output_gradients=tf.constant(dout))
    dx = backward(dout, cache)
    np.testing.assert_allclose(dx, dx_t.numpy(), rtol=1e-5, atol=1e-6)
    assert out.dtype == dx.dtype == np.float32


@pytest.mark.parametrize("case", CASES)
def test_max_pool_ties_follow_keras(case):
    """Tied maxima (windows of zeros, small integers): the gradient goes to ONE input, the
    first maximum in row-major order, exactly as TensorFlow's MaxPoolGrad does."""
    n, h, w, c, pool_size, stride, padding = case
    rng = np.random.default_rng(5)
    x = rng.integers(0, 3, size=(n, h, w, c)).astype(np.float32)
    x[:, : h // 2] = 0.0  # whole windows of zeros, as after a ReLU
    out, cache = layers.max_pool2d_forward(x, pool_size=pool_size, stride=stride, padding=padding)
    layer = keras.layers.MaxPooling2D(pool_size=pool_size, strides=stride, padding=padding)
    x_t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_t)
        expected = layer(x_t)
    dout = rng.standard_normal(out.shape).astype(np.float32)
    dx_t = tape.gradient(expected, x_t, output_gradients=tf.constant(dout))
    np.testing.assert_allclose(layers.max_pool2d_backward(dout, cache), dx_t.numpy(),
                               rtol=1e-6, atol=1e-6)
    # one input per window: the gradient's total is dout's total, not a multiple of it
    np.testing.assert_allclose(dx_t.numpy().sum(), dout.sum(), rtol=1e-4)


@pytest.mark.parametrize("kind", ["max", "avg"])
@pytest.mark.parametrize("case", [CASES[1], CASES[2], CASES[3]])
def test_backward_matches_numerical_gradient(kind, case):
    n, h, w, c, pool_size, stride, padding = case
    forward, backward, _ = POOLS[kind]
    x = tie_free_images((n, h, w, c), np.float64, seed=2)
    out, cache = forward(x, pool_size, stride, padding)
    dout = np.random.default_rng(3).standard_normal(out.shape)
    numerical = numerical_gradient(lambda v: forward(v, pool_size, stride, padding)[0], x, dout)
    assert relative_error(backward(dout, cache), numerical) < 1e-7
    assert out.dtype == np.float64


def test_global_average_pooling_matches_keras():
    x = np.random.default_rng(4).standard_normal((3, 5, 4, 6)).astype(np.float32)
    out, cache = layers.global_avg_pool2d_forward(x)
    x_t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_t)
        expected = keras.layers.GlobalAveragePooling2D()(x_t)
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-6, atol=1e-6)
    dout = np.random.default_rng(5).standard_normal(out.shape).astype(np.float32)
    dx = layers.global_avg_pool2d_backward(dout, cache)
    dx_t = tape.gradient(expected, x_t, output_gradients=tf.constant(dout))
    np.testing.assert_allclose(dx, dx_t.numpy(), rtol=1e-6, atol=1e-7)
    assert out.shape == (3, 6) and out.dtype == dx.dtype == np.float32


def test_global_average_pooling_numerical_gradient():
    x = np.random.default_rng(6).standard_normal((2, 3, 4, 2))
    out, cache = layers.global_avg_pool2d_forward(x)
    dout = np.random.default_rng(7).standard_normal(out.shape)
    numerical = numerical_gradient(lambda v: layers.global_avg_pool2d_forward(v)[0], x, dout)
    assert relative_error(layers.global_avg_pool2d_backward(dout, cache), numerical) < 1e-7


LESSON05_INPUT = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]], dtype=np.float32)


@pytest.mark.parametrize(
    "kind, expected",
    [("max", [[6, 8], [3, 4]]), ("avg", [[3.25, 5.25], [2, 2]])],
)
def test_lesson05_four_by_four_example(kind, expected):
    """Lesson 05: 2x2 window, stride 2 on the 4x4 example, with Keras as the oracle."""
    forward, _, keras_layer = POOLS[kind]
    x = LESSON05_INPUT[None, :, :, None]
    oracle = keras_layer(pool_size=2, strides=2)(x).numpy()[0, :, :, 0]
    np.testing.assert_allclose(oracle, expected)
    out, _ = forward(x, pool_size=2, stride=2)
    np.testing.assert_allclose(out[0, :, :, 0], oracle)


def test_max_pool_gradient_goes_to_the_argmax_only():
    x = LESSON05_INPUT[None, :, :, None]
    out, cache = layers.max_pool2d_forward(x)
    dx = layers.max_pool2d_backward(np.ones_like(out), cache)[0, :, :, 0]
    expected = np.zeros((4, 4))
    expected[1, 1] = expected[1, 3] = expected[2, 0] = expected[3, 3] = 1
    np.testing.assert_array_equal(dx, expected)


@pytest.mark.parametrize("forward", [layers.max_pool2d_forward, layers.avg_pool2d_forward])
@pytest.mark.parametrize(
    "x_shape, kwargs, message",
    [
        ((4, 4), {}, r"x must have rank 4 \(N, H, W, C\), got shape \(4, 4\)"),
        ((1, 4, 4, 1), {"pool_size": 5}, r"pool window height 5 is larger than the input"),
        ((1, 4, 4, 1), {"pool_size": (2, 6)}, r"pool window width 6 is larger than the input"),
        ((1, 4, 4, 1), {"stride": 0}, r"stride must be >= 1, got 0"),
        ((1, 4, 4, 1), {"pool_size": 0}, r"pool_size must be >= 1, got 0"),
        ((1, 4, 4, 1), {"padding": "full"}, r"padding must be \"valid\" or \"same\", got 'full'"),
        ((1, 4, 4, 1), {"padding": 1}, r"padding must be \"valid\" or \"same\", got 1"),
    ],
)
def test_bad_inputs_raise_value_error(forward, x_shape, kwargs, message):
    with pytest.raises(ValueError, match=message):
        forward(np.zeros(x_shape), **kwargs)


def test_backward_rejects_dout_of_wrong_shape():
    _, cache = layers.max_pool2d_forward(np.zeros((1, 4, 4, 2)))
    with pytest.raises(ValueError, match=r"max_pool2d_backward: dout must have shape \(1, 2, 2, 2\)"):
        layers.max_pool2d_backward(np.zeros((1, 4, 4, 2)), cache)
    with pytest.raises(ValueError, match=r"global_avg_pool2d_forward: x must have rank 4"):
        layers.global_avg_pool2d_forward(np.zeros((2, 3)))
