"""course_lib.layers.conv against tf.nn.conv2d, keras.layers.Conv2D, GradientTape,
scipy.signal.correlate2d and numerical gradients."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from course_lib import layers
from course_lib.gradcheck import numerical_gradient, relative_error

import tensorflow as tf
import keras

# (N, H, W, C, KH, KW, K, stride, padding): even and odd sizes, rectangular kernels,
# stride 2 and a stride pair, "valid", "same" and int padding.
CASES = [
    (2, 7, 7, 3, 3, 3, 4, 1, "valid"),
    (2, 8, 8, 3, 3, 3, 4, 2, "same"),
    (3, 9, 6, 2, 2, 3, 5, (2, 1), "same"),
    (1, 10, 9, 3, 4, 2, 2, 2, "valid"),
    (2, 5, 5, 3, 3, 3, 2, 2, 1),
    (2, 6, 7, 1, 3, 2, 3, 1, 2),
    (1, 7, 8, 2, 5, 5, 3, 3, "same"),
    (2, 6, 6, 2, 1, 1, 3, 2, "same"),
]


def random_case(case, dtype, seed=0):
    n, h, w_, c, kh, kw, k, stride, padding = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, h, w_, c)).astype(dtype)
    w = rng.standard_normal((kh, kw, c, k)).astype(dtype)
    b = rng.standard_normal(k).astype(dtype)
    return x, w, b, stride, padding


def tf_conv2d(x, w, b, stride, padding):
    """The oracle: tf.nn.conv2d, with tf.pad + VALID for an int padding."""
    if isinstance(padding, int):
        x = tf.pad(x, [[0, 0], [padding, padding], [padding, padding], [0, 0]])
        padding = "valid"
    return tf.nn.conv2d(x, w, strides=stride, padding=padding.upper()) + b


@pytest.mark.parametrize("case", CASES)
def test_forward_and_gradients_match_tensorflow(case):
    """Output, dx, dw and db agree with tf.nn.conv2d and GradientTape (float32)."""
    x, w, b, stride, padding = random_case(case, np.float32)
    out, cache = layers.conv2d_forward(x, w, b, stride=stride, padding=padding)

    x_t, w_t, b_t = tf.constant(x), tf.constant(w), tf.constant(b)
    with tf.GradientTape() as tape:
        tape.watch([x_t, w_t, b_t])
        expected = tf_conv2d(x_t, w_t, b_t, stride, padding)
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-5, atol=1e-4)

    dout = np.random.default_rng(1).standard_normal(out.shape).astype(np.float32)
    dx_t, dw_t, db_t = tape.gradient(expected, [x_t, w_t, b_t], output_gradients=tf.constant(dout))
    dx, dw, db = layers.conv2d_backward(dout, cache)
    np.testing.assert_allclose(dx, dx_t.numpy(), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(dw, dw_t.numpy(), rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(db, db_t.numpy(), rtol=1e-5, atol=1e-4)
    for array in (out, dx, dw, db):
        assert array.dtype == np.float32


@pytest.mark.parametrize("strides, padding", [(1, "same"), (2, "valid"), ((1, 2), "same")])
def test_forward_matches_keras_conv2d_layer(strides, padding):
    """The kernel layout (KH, KW, C, K) is keras.layers.Conv2D's."""
    x, w, b, _, _ = random_case((2, 9, 8, 3, 3, 2, 4, 1, "valid"), np.float32, seed=3)
    layer = keras.layers.Conv2D(4, (3, 2), strides=strides, padding=padding)
    layer.build(x.shape)
    layer.set_weights([w, b])
    out, _ = layers.conv2d_forward(x, w, b, stride=strides, padding=padding)
    np.testing.assert_allclose(out, layer(x).numpy(), rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("case", CASES)
def test_naive_version_equals_vectorized(case):
    """conv2d_forward_naive (loops) and conv2d_forward (im2col) agree."""
    x, w, b, stride, padding = random_case(case, np.float64, seed=4)
    out, _ = layers.conv2d_forward(x, w, b, stride=stride, padding=padding)
    naive = layers.conv2d_forward_naive(x, w, b, stride=stride, padding=padding)
    np.testing.assert_allclose(naive, out, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("case", [CASES[1], CASES[2], CASES[4]])
def test_backward_matches_numerical_gradient(case):
    """dx, dw, db agree with centered differences in float64."""
    x, w, b, stride, padding = random_case(case, np.float64, seed=5)
    out, cache = layers.conv2d_forward(x, w, b, stride=stride, padding=padding)
    dout = np.random.default_rng(6).standard_normal(out.shape)
    dx, dw, db = layers.conv2d_backward(dout, cache)

    def forward(**changed):
        args = {"x": x, "w": w, "b": b, **changed}
        return layers.conv2d_forward(args["x"], args["w"], args["b"], stride, padding)[0]

    assert relative_error(dx, numerical_gradient(lambda v: forward(x=v), x, dout)) < 1e-7
    assert relative_error(dw, numerical_gradient(lambda v: forward(w=v), w, dout)) < 1e-7
    assert relative_error(db, numerical_gradient(lambda v: forward(b=v), b, dout)) < 1e-7


def test_float64_stays_float64():
    x, w, b, stride, padding = random_case(CASES[1], np.float64)
    out, cache = layers.conv2d_forward(x, w, b, stride, padding)
    assert out.dtype == np.float64
    assert all(g.dtype == np.float64 for g in layers.conv2d_backward(np.ones_like(out), cache))
    assert layers.conv2d_forward_naive(x.astype(np.float32), w.astype(np.float32),
                                       b.astype(np.float32)).dtype == np.float32


def test_lesson02_cross_correlation_example():
    """Lesson 02: the 5x5 image and 3x3 kernel give [[4,3,4],[2,4,3],[2,3,4]]."""
    from scipy import signal as scipy_signal
    image = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1],
                      [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]], dtype=np.float64)
    kernel = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=np.float64)
    expected = np.array([[4, 3, 4], [2, 4, 3], [2, 3, 4]])
    oracle = scipy_signal.correlate2d(image, kernel, mode="valid")
    np.testing.assert_array_equal(oracle, expected)
    out, _ = layers.conv2d_forward(image[None, :, :, None], kernel[:, :, None, None], np.zeros(1))
    np.testing.assert_array_equal(out[0, :, :, 0], oracle)
    naive = layers.conv2d_forward_naive(image[None, :, :, None], kernel[:, :, None, None], [0.0])
    np.testing.assert_array_equal(naive[0, :, :, 0], oracle)


def test_lesson02_multichannel_pad1_stride2_gives_3x3x2():
    """Lesson 02: 5x5x3 input, pad 1, stride 2, F=3, K=2 gives 3x3x2, one bias per filter."""
    x, w, b, _, _ = random_case((1, 5, 5, 3, 3, 3, 2, 1, "valid"), np.float32, seed=7)
    out, _ = layers.conv2d_forward(x, w, b, stride=2, padding=1)
    expected = tf_conv2d(tf.constant(x), tf.constant(w), tf.constant(b), 2, 1).numpy()
    assert out.shape == expected.shape == (1, 3, 3, 2)
    np.testing.assert_allclose(out, expected, rtol=1e-5, atol=1e-5)


ERROR_CASES = [
    ({"x": np.zeros((5, 5))}, r"x must have rank 4 \(N, H, W, C\), got shape \(5, 5\)"),
    ({"w": np.zeros((3, 3, 2))}, r"w must have rank 4"),
    ({"w": np.zeros((3, 3, 2, 4))}, r"x has 3 channels but w expects 2"),
    ({"w": np.zeros((7, 3, 3, 4))}, r"kernel height 7 is larger than the input"),
    ({"w": np.zeros((3, 9, 3, 4))}, r"kernel width 9 is larger than the input"),
    ({"stride": 0}, r"stride must be >= 1, got 0"),
    ({"stride": (1, 2, 3)}, r"stride must be an int or a pair of ints"),
    ({"padding": "full"}, r"padding must be \"valid\", \"same\" or an int >= 0, got 'full'"),
    ({"padding": -1}, r"an int padding must be >= 0, got -1"),
    ({"b": np.zeros(3)}, r"b must have shape \(4,\) \(K,\), got shape \(3,\)"),
]


@pytest.mark.parametrize("change, message", ERROR_CASES)
@pytest.mark.parametrize("function", [layers.conv2d_forward, layers.conv2d_forward_naive])
def test_bad_inputs_raise_value_error(function, change, message):
    args = {"x": np.zeros((2, 6, 6, 3)), "w": np.zeros((3, 3, 3, 4)), "b": np.zeros(4),
            "stride": 1, "padding": "valid", **change}
    with pytest.raises(ValueError, match=message):
        function(**args)


def test_kernel_fits_with_padding_and_same():
    """A kernel larger than the input is fine with "same" or enough int padding."""
    x, w, b = np.zeros((1, 2, 2, 1)), np.zeros((3, 3, 1, 1)), np.zeros(1)
    assert layers.conv2d_forward(x, w, b, padding="same")[0].shape == (1, 2, 2, 1)
    assert layers.conv2d_forward(x, w, b, padding=1)[0].shape == (1, 2, 2, 1)


def test_backward_rejects_dout_of_wrong_shape():
    out, cache = layers.conv2d_forward(np.zeros((2, 6, 6, 3)), np.zeros((3, 3, 3, 4)), np.zeros(4))
    with pytest.raises(ValueError, match=r"conv2d_backward: dout must have shape \(2, 4, 4, 4\)"):
        layers.conv2d_backward(np.zeros((2, 6, 6, 4)), cache)
