"""course_lib.layers.dropout and batchnorm against keras.layers.Dropout /
BatchNormalization, GradientTape and numerical gradients."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from course_lib import layers
from course_lib.gradcheck import numerical_gradient, relative_error

import tensorflow as tf
import keras


# ---------------------------------------------------------------- dropout


def test_dropout_keeps_where_rng_random_is_at_least_rate():
    """The mask is exactly rng.random(x.shape) >= rate, kept units scaled by 1/(1-rate)."""
    x = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    rate = 0.3
    out, cache = layers.dropout_forward(x, rate, training=True, rng=np.random.default_rng(42))
    keep = np.random.default_rng(42).random(x.shape) >= rate
    expected = np.where(keep, x / np.float32(1 - rate), 0)
    np.testing.assert_allclose(out, expected, rtol=1e-7)
    dout = np.random.default_rng(1).standard_normal(x.shape).astype(np.float32)
    dx = layers.dropout_backward(dout, cache)
    np.testing.assert_allclose(dx, np.where(keep, dout / np.float32(1 - rate), 0), rtol=1e-7)
    assert out.dtype == dx.dtype == np.float32


def test_dropout_scaling_matches_keras():
    """Where keras.layers.Dropout keeps a unit it outputs x / (1 - rate); so do we."""
    x = np.random.default_rng(2).uniform(1, 2, size=(200, 50)).astype(np.float32)
    rate = 0.45
    keras_out = keras.layers.Dropout(rate, seed=3)(x, training=True).numpy()
    ours, _ = layers.dropout_forward(x, rate, True, np.random.default_rng(3))
    for out in (keras_out, ours):
        kept = out != 0
        np.testing.assert_allclose(out[kept], x[kept] / (1 - rate), rtol=1e-6)
        assert abs(kept.mean() - (1 - rate)) < 0.02
    np.testing.assert_array_equal(keras.layers.Dropout(rate)(x, training=False).numpy(), x)


def test_dropout_preserves_the_expectation():
    x = np.full((400, 500), 2.0)
    out, _ = layers.dropout_forward(x, 0.6, True, np.random.default_rng(4))
    assert abs(out.mean() - 2.0) < 0.02


def test_dropout_inference_is_identity_and_leaves_rng_alone():
    x = np.random.default_rng(5).standard_normal((3, 4)).astype(np.float32)
    rng = np.random.default_rng(6)
    out, cache = layers.dropout_forward(x, 0.5, training=False, rng=rng)
    np.testing.assert_array_equal(out, x)
    assert rng.random() == np.random.default_rng(6).random()
    dout = np.ones_like(x)
    np.testing.assert_array_equal(layers.dropout_backward(dout, cache), dout)


def test_dropout_backward_matches_numerical_gradient():
    x = np.random.default_rng(7).standard_normal((4, 5))
    out, cache = layers.dropout_forward(x, 0.3, True, np.random.default_rng(8))
    dout = np.random.default_rng(9).standard_normal(x.shape)
    forward = lambda v: layers.dropout_forward(v, 0.3, True, np.random.default_rng(8))[0]
    numerical = numerical_gradient(forward, x, dout)
    assert relative_error(layers.dropout_backward(dout, cache), numerical) < 1e-7


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5])
def test_dropout_rate_outside_zero_one_raises(rate):
    message = r"dropout_forward: rate \(the fraction dropped\) must be in \[0, 1\)"
    with pytest.raises(ValueError, match=message):
        layers.dropout_forward(np.ones(3), rate, True, np.random.default_rng(0))


# ---------------------------------------------------------------- batch normalization


def keras_batchnorm(shape, gamma, beta, moving_mean, moving_variance):
    layer = keras.layers.BatchNormalization()  # momentum 0.99, epsilon 1e-3
    layer.build((None, *shape[1:]))
    layer.set_weights([gamma, beta, moving_mean, moving_variance])
    return layer


@pytest.mark.parametrize("shape", [(8, 5), (4, 3, 5, 6), (3, 4, 4, 2)])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_matches_keras(shape, training):
    """Output, moving statistics after one step, and dx, dgamma, dbeta agree with Keras."""
    rng = np.random.default_rng(sum(shape))
    channels = shape[-1]
    x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
    gamma = rng.uniform(0.5, 1.5, channels).astype(np.float32)
    beta = rng.standard_normal(channels).astype(np.float32)
    moving_mean = rng.standard_normal(channels).astype(np.float32)
    moving_variance = rng.uniform(0.5, 2, channels).astype(np.float32)
    layer = keras_batchnorm(shape, gamma, beta, moving_mean, moving_variance)

    state = {"moving_mean": moving_mean.copy(), "moving_variance": moving_variance.copy()}
    out, cache = layers.batchnorm_forward(x, gamma, beta, state, training=training)

    x_t = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(x_t)
        expected = layer(x_t, training=training)
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-5, atol=1e-5)
    for key in ("moving_mean", "moving_variance"):
        np.testing.assert_allclose(state[key], getattr(layer, key).numpy(), rtol=1e-6, atol=1e-6)
    if not training:
        np.testing.assert_array_equal(state["moving_mean"], moving_mean)

    dout = rng.standard_normal(shape).astype(np.float32)
    grads = tape.gradient(
        expected, [x_t, layer.gamma, layer.beta], output_gradients=tf.constant(dout)
    )
    for ours, theirs in zip(layers.batchnorm_backward(dout, cache), grads):
        np.testing.assert_allclose(ours, np.asarray(theirs), rtol=1e-4, atol=1e-4)
        assert ours.dtype == np.float32
    assert out.dtype == np.float32


@pytest.mark.parametrize("shape", [(6, 4), (3, 3, 2, 3)])
@pytest.mark.parametrize("training", [True, False])
def test_batchnorm_backward_matches_numerical_gradient(shape, training):
    rng = np.random.default_rng(10)
    channels = shape[-1]
    x = rng.standard_normal(shape)
    gamma, beta = rng.uniform(0.5, 1.5, channels), rng.standard_normal(channels)
    def fresh_state():
        return {"moving_mean": np.full(channels, 0.2), "moving_variance": np.full(channels, 1.3)}

    def forward(x=x, gamma=gamma, beta=beta):
        return layers.batchnorm_forward(x, gamma, beta, fresh_state(), training)[0]

    out, cache = layers.batchnorm_forward(x, gamma, beta, fresh_state(), training)
    dout = rng.standard_normal(shape)
    dx, dgamma, dbeta = layers.batchnorm_backward(dout, cache)
    assert relative_error(dx, numerical_gradient(lambda v: forward(x=v), x, dout)) < 1e-7
    assert relative_error(dgamma, numerical_gradient(lambda v: forward(gamma=v), gamma, dout)) < 1e-7
    assert relative_error(dbeta, numerical_gradient(lambda v: forward(beta=v), beta, dout)) < 1e-7


def test_batchnorm_moving_statistics_over_several_steps():
    """Keras' rule moving = moving * 0.99 + batch * 0.01, biased variance, three steps."""
    rng = np.random.default_rng(11)
    layer = keras_batchnorm((16, 3), np.ones(3, np.float32), np.zeros(3, np.float32),
                            np.zeros(3, np.float32), np.ones(3, np.float32))
    state = {"moving_mean": np.zeros(3, np.float32), "moving_variance": np.ones(3, np.float32)}
    for _ in range(3):
        x = (rng.standard_normal((16, 3)) * 2 + 5).astype(np.float32)
        layer(x, training=True)
        layers.batchnorm_forward(x, np.ones(3, np.float32), np.zeros(3, np.float32), state, True)
    np.testing.assert_allclose(state["moving_mean"], layer.moving_mean.numpy(), rtol=1e-6)
    np.testing.assert_allclose(state["moving_variance"], layer.moving_variance.numpy(), rtol=1e-6)


@pytest.mark.parametrize(
    "x, gamma, state, message",
    [
        (np.zeros((2, 3, 4)), np.ones(4), None,
         r"x must have rank 2 \(N, D\) or 4 \(N, H, W, C\), got shape \(2, 3, 4\)"),
        (np.zeros((2, 4)), np.ones(3), None,
         r"gamma must have shape \(4,\) \(C,\), got shape \(3,\)"),
        (np.zeros((2, 4)), np.ones(4), {"moving_mean": np.zeros(4)},
         r"state must have a 'moving_variance' entry"),
        (np.zeros((2, 4)), np.ones(4), {"moving_mean": np.zeros(3), "moving_variance": np.ones(4)},
         r"state\['moving_mean'\] must have shape \(4,\)"),
    ],
)
def test_batchnorm_bad_inputs_raise_value_error(x, gamma, state, message):
    if state is None:
        state = {"moving_mean": np.zeros(4), "moving_variance": np.ones(4)}
    with pytest.raises(ValueError, match="batchnorm_forward: " + message):
        layers.batchnorm_forward(x, gamma, np.zeros_like(gamma), state, True)


def test_network_batchnormalization_layer_matches_the_functions_and_gradient_checks():
    """course_lib.network.BatchNormalization: the registry's forward/backward, moving statistics
    updated in training and used at inference, and a whole-network gradient check."""
    from course_lib import losses
    from course_lib.gradcheck import numerical_gradient, relative_error
    from course_lib.network import BatchNormalization, Dense, ReLU, Sequential

    rng = np.random.default_rng(0)
    x = rng.normal(size=(6, 5)) * 2 + 1
    y = np.array([0, 1, 2, 0, 1, 2])
    layer = BatchNormalization(4)
    network = Sequential([Dense(5, 4, rng), layer, ReLU(), Dense(4, 3, rng)])
    assert [p.key for p in network.parameters()] == ["0.w", "0.b", "1.gamma", "1.beta", "3.w", "3.b"]
    network.forward(x, training=True)
    assert not np.allclose(layer.state["moving_mean"], 0)
    layer.state.update(moving_mean=np.zeros(4), moving_variance=np.ones(4))

    def loss(_):
        fresh = {"moving_mean": np.zeros(4), "moving_variance": np.ones(4)}
        layer.state = fresh
        return losses.softmax_cross_entropy(network.forward(x, training=True), y)[0]

    _, dlogits = losses.softmax_cross_entropy(network.forward(x, training=True), y)
    network.backward(dlogits)
    for parameter in network.parameters():
        analytic = parameter.grad.copy()
        assert relative_error(analytic, numerical_gradient(loss, parameter.value)) < 1e-6, parameter
    state = {"moving_mean": rng.normal(size=4), "moving_variance": rng.random(4) + 0.5}
    layer.state = {key: value.copy() for key, value in state.items()}
    hidden = network.layers[0].forward(x)
    expected = (hidden - state["moving_mean"]) / np.sqrt(state["moving_variance"] + 1e-3)
    np.testing.assert_allclose(layer.forward(hidden, training=False),
                               expected * layer.params["gamma"] + layer.params["beta"])
    np.testing.assert_array_equal(layer.state["moving_mean"], state["moving_mean"])
