"""course_lib.layers.dense and activations against keras.layers.Dense,
keras.activations, GradientTape and numerical gradients."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from course_lib import layers
from course_lib.gradcheck import numerical_gradient, relative_error

import tensorflow as tf
import keras


@pytest.mark.parametrize("n, d, m", [(4, 3, 5), (1, 7, 2), (9, 16, 10)])
def test_dense_matches_keras_dense_and_gradient_tape(n, d, m):
    rng = np.random.default_rng(n * 100 + d)
    x = rng.standard_normal((n, d)).astype(np.float32)
    w = rng.standard_normal((d, m)).astype(np.float32)
    b = rng.standard_normal(m).astype(np.float32)
    layer = keras.layers.Dense(m)
    layer.build((None, d))
    layer.set_weights([w, b])

    out, cache = layers.dense_forward(x, w, b)
    x_t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_t)
        expected = layer(x_t)
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-5, atol=1e-5)

    dout = rng.standard_normal(out.shape).astype(np.float32)
    dx_t, dw_t, db_t = tape.gradient(
        expected, [x_t, layer.kernel, layer.bias], output_gradients=tf.constant(dout)
    )
    dx, dw, db = layers.dense_backward(dout, cache)
    for ours, theirs in ((dx, dx_t), (dw, dw_t), (db, db_t)):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-5, atol=1e-5)
        assert ours.dtype == np.float32
    assert out.dtype == np.float32


def test_dense_backward_matches_numerical_gradient():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 3)), rng.standard_normal(3)
    out, cache = layers.dense_forward(x, w, b)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = layers.dense_backward(dout, cache)
    dense = layers.dense_forward
    assert relative_error(dx, numerical_gradient(lambda v: dense(v, w, b)[0], x, dout)) < 1e-7
    assert relative_error(dw, numerical_gradient(lambda v: dense(x, v, b)[0], w, dout)) < 1e-7
    assert relative_error(db, numerical_gradient(lambda v: dense(x, w, v)[0], b, dout)) < 1e-7
    assert out.dtype == dx.dtype == np.float64


def test_relu_layer_matches_tensorflow():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 4, 5, 2)).astype(np.float32)
    x[0, 0, 0, 0] = 0.0  # TensorFlow's gradient at 0 is 0
    out, cache = layers.relu_forward(x)
    x_t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_t)
        expected = tf.nn.relu(x_t)
    dout = rng.standard_normal(x.shape).astype(np.float32)
    dx = layers.relu_backward(dout, cache)
    np.testing.assert_array_equal(out, expected.numpy())
    np.testing.assert_array_equal(dx, tape.gradient(expected, x_t, output_gradients=dout).numpy())
    assert out.dtype == dx.dtype == np.float32


def test_relu_backward_matches_numerical_gradient():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((6, 7))
    x[np.abs(x) < 1e-3] = 0.5  # keep away from the kink
    out, cache = layers.relu_forward(x)
    dout = rng.standard_normal(x.shape)
    numerical = numerical_gradient(lambda v: layers.relu_forward(v)[0], x, dout)
    assert relative_error(layers.relu_backward(dout, cache), numerical) < 1e-7


ACTIVATIONS = [
    (layers.relu, keras.activations.relu),
    (layers.softplus, keras.activations.softplus),
    (layers.elu, keras.activations.elu),
    (lambda x: layers.elu(x, alpha=0.3), lambda x: keras.activations.elu(x, alpha=0.3)),
    (layers.selu, keras.activations.selu),
    (layers.sigmoid, keras.activations.sigmoid),
    (layers.tanh, keras.activations.tanh),
    (layers.softmax, keras.activations.softmax),
    (lambda x: layers.softmax(x, axis=1), lambda x: keras.activations.softmax(x, axis=1)),
]


@pytest.mark.parametrize("ours, theirs", ACTIVATIONS)
def test_activations_match_keras(ours, theirs):
    """Same values as keras.activations on ordinary and extreme inputs, float32 kept."""
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((4, 6, 5)) * 4).astype(np.float32)
    x[0, 0, :] = [-100.0, -30.0, 0.0, 30.0, 100.0]
    result = ours(x)
    np.testing.assert_allclose(result, np.asarray(theirs(tf.constant(x))), rtol=2e-6, atol=1e-6)
    assert result.dtype == np.float32 and result.shape == x.shape
    assert np.all(np.isfinite(result))
    assert ours(x.astype(np.float64)).dtype == np.float64


def test_selu_constants_are_kerass_and_self_normalizing():
    """The SELU constants are Keras' (read off keras' selu in float64: scale = selu(1),
    scale * alpha = -selu(-60)) and keep a standard normal input at mean 0, variance 1."""
    scale, alpha = layers.activations.SELU_SCALE, layers.activations.SELU_ALPHA
    keras_values = np.asarray(keras.activations.selu(tf.constant([1.0, -60.0], tf.float64)))
    np.testing.assert_allclose([scale, scale * alpha], [keras_values[0], -keras_values[1]],
                               rtol=1e-12)
    z = np.linspace(-12.0, 12.0, 240_001)
    density = np.exp(-z * z / 2) / np.sqrt(2 * np.pi)
    out = layers.selu(z)
    step = z[1] - z[0]
    assert abs(np.sum(out * density) * step) < 1e-6                # mean 0
    assert abs(np.sum(out * out * density) * step - 1.0) < 1e-6     # variance 1


def test_softmax_is_stable_for_large_logits():
    """Logits like 1000 must not overflow; rows sum to one."""
    logits = np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        probs = layers.softmax(logits)
    expected = keras.activations.softmax(tf.constant(logits)).numpy()
    np.testing.assert_allclose(probs, expected, rtol=1e-6)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-6)
    assert probs.dtype == np.float32


@pytest.mark.parametrize(
    "x, w, b, message",
    [
        (np.zeros(3), np.zeros((3, 2)), np.zeros(2),
         r"x must have rank 2 \(N, D\), got shape \(3,\)"),
        (np.zeros((4, 3)), np.zeros((3, 2, 1)), np.zeros(2), r"w must have rank 2 \(D, M\)"),
        (np.zeros((4, 3)), np.zeros((5, 2)), np.zeros(2), r"x has 3 features but w expects 5"),
        (np.zeros((4, 3)), np.zeros((3, 2)), np.zeros(3),
         r"b must have shape \(2,\) \(M,\), got shape \(3,\)"),
    ],
)
def test_dense_bad_inputs_raise_value_error(x, w, b, message):
    with pytest.raises(ValueError, match="dense_forward: " + message):
        layers.dense_forward(x, w, b)


def test_backward_rejects_dout_of_wrong_shape():
    _, cache = layers.dense_forward(np.zeros((4, 3)), np.zeros((3, 2)), np.zeros(2))
    with pytest.raises(ValueError, match=r"dense_backward: dout must have shape \(4, 2\)"):
        layers.dense_backward(np.zeros((4, 3)), cache)
    _, cache = layers.relu_forward(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"relu_backward: dout and x must have the same shape"):
        layers.relu_backward(np.zeros((3, 2)), cache)


# ---- lesson 06: dense_backward, relu_backward and a two-layer MLP against TensorFlow ----

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu_gradient_at_the_kink_is_zero_in_tensorflow_and_keras(dtype):
    """What lesson 06 states: at x == 0 (and -0.0) the gradient of tf.nn.relu, of
    keras.activations.relu and of keras.layers.ReLU is 0, in float32 and float64; the course's
    relu_backward agrees on the lesson's cases (each has exact zeros)."""
    from course_lib.cases import relu_backward_cases

    x = np.array([-1.0, -0.0, 0.0, 1e-30, 1.0], dtype=dtype)
    for relu in (tf.nn.relu, keras.activations.relu, keras.layers.ReLU()):
        x_t = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(x_t)
            out = relu(x_t)
        np.testing.assert_array_equal(tape.gradient(out, x_t).numpy(), [0, 0, 0, 1, 1])
    np.testing.assert_array_equal(layers.relu_backward(np.ones(5, dtype), x), [0, 0, 0, 1, 1])
    for x, dout in relu_backward_cases(61, count=6):
        if x.dtype != dtype:
            continue
        x_t = tf.constant(x)
        with tf.GradientTape() as tape:
            tape.watch(x_t)
            out = tf.nn.relu(x_t)
        expected = tape.gradient(out, x_t, output_gradients=tf.constant(dout)).numpy()
        assert np.sum(x == 0) >= 2
        np.testing.assert_array_equal(layers.relu_backward(dout, x), expected)


def test_dense_backward_matches_gradient_tape_on_the_lessons_cases():
    """dense_backward on lesson 06's cases (N, D or M of 1, square w, both dtypes, magnitudes
    from 1e-3 to 1e3) gives TensorFlow's gradients of x @ w + b."""
    from course_lib.cases import dense_backward_cases

    for x, w, b, dout in dense_backward_cases(62, count=8):
        x_t, w_t, b_t = (tf.Variable(a) for a in (x, w, b))
        with tf.GradientTape() as tape:
            out = tf.matmul(x_t, w_t) + b_t
        expected = tape.gradient(out, [x_t, w_t, b_t], output_gradients=tf.constant(dout))
        got = layers.dense_backward(dout, (x, w, b))  # lesson 01's cache (x, w, b)
        eps = np.finfo(x.dtype).eps
        for ours, theirs in zip(got, expected):
            theirs = theirs.numpy()
            assert ours.shape == theirs.shape and ours.dtype == x.dtype
            np.testing.assert_allclose(ours, theirs, rtol=64 * eps,
                                       atol=64 * eps * np.max(np.abs(theirs)))


def test_mlp_loss_and_gradients_matches_keras_mean_squared_error():
    """gradcheck.mlp_loss_and_gradients is Dense -> ReLU -> Dense with Keras' MeanSquaredError:
    the same loss and the same four gradients as GradientTape, on lesson 06's MLP cases."""
    from course_lib.cases import mlp_cases
    from course_lib.gradcheck import mlp_loss_and_gradients

    for x, y, w1, b1, w2, b2 in mlp_cases(63, count=6):
        mse = keras.losses.MeanSquaredError(dtype=x.dtype.name)  # Keras computes in float32 else
        variables = [tf.Variable(a) for a in (w1, b1, w2, b2)]
        with tf.GradientTape() as tape:
            hidden = tf.nn.relu(tf.matmul(x, variables[0]) + variables[1])
            loss = mse(y, tf.matmul(hidden, variables[2]) + variables[3])
        expected = tape.gradient(loss, variables)
        ours_loss, *ours = mlp_loss_and_gradients(x, y, w1, b1, w2, b2)
        tolerance = 1e-10 if x.dtype == np.float64 else 1e-5
        np.testing.assert_allclose(ours_loss, float(loss), rtol=tolerance)
        for got, theirs in zip(ours, expected):
            theirs = theirs.numpy()
            assert got.shape == theirs.shape
            np.testing.assert_allclose(got, theirs, rtol=tolerance,
                                       atol=tolerance * np.max(np.abs(theirs)))
    with pytest.raises(ValueError, match=r"mlp_loss_and_gradients: y must have shape \(N, M\)"):
        mlp_loss_and_gradients(np.ones((2, 3)), np.ones((2, 2)), np.ones((3, 4)), np.ones(4),
                               np.ones((4, 1)), np.ones(1))
