"""course_lib.losses and course_lib.optim against keras.losses, keras.optimizers,
GradientTape and numerical gradients."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from course_lib import losses, optim
from course_lib.gradcheck import numerical_gradient, relative_error

import tensorflow as tf
import keras


def keras_loss_and_gradient(loss_object, target, pred):
    pred_t = tf.constant(pred)
    with tf.GradientTape() as tape:
        tape.watch(pred_t)
        loss = loss_object(tf.constant(target), pred_t)
    return loss.numpy(), tape.gradient(loss, pred_t).numpy()


# ---------------------------------------------------------------- losses


@pytest.mark.parametrize("n, classes, scale", [(5, 3, 1.0), (8, 10, 5.0), (4, 6, 1000.0)])
def test_softmax_cross_entropy_matches_keras(n, classes, scale):
    """Also for logits around 1000, where a naive softmax overflows."""
    rng = np.random.default_rng(n)
    logits = (rng.standard_normal((n, classes)) * scale).astype(np.float32)
    labels = rng.integers(0, classes, size=n)
    loss, dlogits = losses.softmax_cross_entropy(logits, labels)
    expected_loss, expected_grad = keras_loss_and_gradient(
        keras.losses.SparseCategoricalCrossentropy(from_logits=True), labels, logits
    )
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(dlogits, expected_grad, rtol=1e-5, atol=1e-6)
    assert np.isfinite(loss) and loss.dtype == dlogits.dtype == np.float32


ELEMENTWISE = [
    (losses.mse, keras.losses.MeanSquaredError(), "normal"),
    (losses.mae, keras.losses.MeanAbsoluteError(), "normal"),
    (losses.huber, keras.losses.Huber(), "normal"),
    (lambda p, t: losses.huber(p, t, delta=0.3), keras.losses.Huber(delta=0.3), "normal"),
    (losses.binary_cross_entropy, keras.losses.BinaryCrossentropy(), "probabilities"),
]


@pytest.mark.parametrize("ours, keras_loss, kind", ELEMENTWISE)
@pytest.mark.parametrize("shape", [(6, 3), (10, 1), (4, 2, 5)])
def test_elementwise_losses_match_keras(ours, keras_loss, kind, shape):
    rng = np.random.default_rng(len(shape) + shape[0])
    if kind == "probabilities":
        pred = rng.uniform(0.02, 0.98, shape).astype(np.float32)
        target = rng.integers(0, 2, shape).astype(np.float32)
    else:
        pred = (rng.standard_normal(shape) * 2).astype(np.float32)
        target = (rng.standard_normal(shape) * 2).astype(np.float32)
    loss, dpred = ours(pred, target)
    expected_loss, expected_grad = keras_loss_and_gradient(keras_loss, target, pred)
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dpred, expected_grad, rtol=1e-4, atol=1e-6)
    assert loss.dtype == dpred.dtype == np.float32


def test_binary_cross_entropy_clips_like_keras():
    """Probabilities of exactly 0 and 1 are clipped to 1e-7, as keras.config.epsilon()."""
    probs = np.array([[0.0, 1.0, 0.5, 1.0]], dtype=np.float32)
    target = np.array([[1.0, 0.0, 1.0, 1.0]], dtype=np.float32)
    loss, dpred = losses.binary_cross_entropy(probs, target)
    expected_loss, expected_grad = keras_loss_and_gradient(
        keras.losses.BinaryCrossentropy(), target, probs
    )
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-5)
    np.testing.assert_allclose(dpred, expected_grad, rtol=1e-5, atol=1e-7)
    assert np.isfinite(loss)


@pytest.mark.parametrize(
    "function",
    [
        lambda p, t: losses.softmax_cross_entropy(p, t),
        losses.mse,
        losses.mae,
        losses.huber,
        losses.binary_cross_entropy,
    ],
)
def test_losses_match_numerical_gradient(function):
    rng = np.random.default_rng(0)
    if function is losses.binary_cross_entropy:
        pred, target = rng.uniform(0.1, 0.9, (4, 3)), rng.integers(0, 2, (4, 3)).astype(float)
    elif function in (losses.mse, losses.mae, losses.huber):
        pred, target = rng.standard_normal((4, 3)) * 2, rng.standard_normal((4, 3)) * 2
    else:
        pred, target = rng.standard_normal((4, 3)), np.array([0, 2, 1, 2])
    _, analytic = function(pred, target)
    numerical = numerical_gradient(lambda v: function(v, target)[0], pred)
    assert relative_error(analytic, numerical) < 1e-7


@pytest.mark.parametrize(
    "labels, message",
    [
        (np.array([0, 3, 1]), r"labels must be in \[0, 3\), got values from 0 to 3"),
        (np.array([0, -1, 1]), r"labels must be in \[0, 3\)"),
        (np.array([0.0, 1.5, 1.0]), r"labels must be integer class indices, got dtype float64"),
        (np.array([[0], [1], [2]]), r"labels must have shape \(N,\) = \(3,\), got shape \(3, 1\)"),
    ],
)
def test_softmax_cross_entropy_bad_labels_raise(labels, message):
    with pytest.raises(ValueError, match="softmax_cross_entropy: " + message):
        losses.softmax_cross_entropy(np.zeros((3, 3)), labels)


def test_elementwise_loss_shape_mismatch_raises():
    message = r"mse: pred and target must have the same shape, got \(3,\) and \(4,\)"
    with pytest.raises(ValueError, match=message):
        losses.mse(np.zeros(3), np.zeros(4))


# ---------------------------------------------------------------- optimizers


def gradient_sequence(shape, steps, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(shape).astype(dtype) for _ in range(steps)]


@pytest.mark.parametrize("learning_rate, momentum", [(0.01, 0.0), (0.1, 0.9), (0.05, 0.5)])
def test_sgd_matches_keras_step_for_step(learning_rate, momentum):
    w0 = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    variable = keras.Variable(w0)
    optimizer = keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum)
    w, velocity = w0, None
    for gradient in gradient_sequence(w0.shape, 6, np.float32):
        optimizer.apply_gradients([(tf.constant(gradient), variable)])
        w_before = w.copy()
        new_w, velocity = optim.sgd_step(w, gradient, learning_rate, momentum, velocity)
        np.testing.assert_array_equal(w, w_before)  # w is not modified
        w = new_w
        np.testing.assert_allclose(w, variable.numpy(), rtol=1e-6, atol=1e-7)
        assert w.dtype == velocity.dtype == np.float32


@pytest.mark.parametrize(
    "hyper",
    [{}, {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99, "epsilon": 1e-5}],
)
def test_adam_matches_keras_step_for_step(hyper):
    w0 = np.random.default_rng(2).standard_normal((5,)).astype(np.float32)
    variable = keras.Variable(w0)
    optimizer = keras.optimizers.Adam(**hyper)
    w, state = w0, {}
    for gradient in gradient_sequence(w0.shape, 8, np.float32, seed=3):
        optimizer.apply_gradients([(tf.constant(gradient), variable)])
        w_before = w.copy()
        new_w = optim.adam_step(w, gradient, state, **hyper)
        np.testing.assert_array_equal(w, w_before)
        w = new_w
        np.testing.assert_allclose(w, variable.numpy(), rtol=1e-6, atol=1e-7)
        assert w.dtype == np.float32
    assert state["iterations"] == 8 == int(optimizer.iterations.numpy())


def test_adam_in_float64_matches_keras_closely():
    """Keras rounds learning_rate, beta_1 and beta_2 to float32 before casting them to
    float64 (ops.cast of a Python float), so float64 agrees to about 1e-5, not 1e-12."""
    w0 = np.random.default_rng(4).standard_normal((2, 3))
    variable = keras.Variable(w0, dtype="float64")
    optimizer = keras.optimizers.Adam(learning_rate=0.1)
    w, state = w0, {}
    for gradient in gradient_sequence(w0.shape, 5, np.float64, seed=5):
        optimizer.apply_gradients([(tf.constant(gradient), variable)])
        w = optim.adam_step(w, gradient, state, learning_rate=0.1)
    np.testing.assert_allclose(w, variable.numpy(), rtol=1e-5, atol=1e-5)
    assert w.dtype == np.float64


@pytest.mark.parametrize(
    "hyper",
    [{}, {"learning_rate": 0.01, "rho": 0.8, "epsilon": 1e-5},
     {"learning_rate": 0.005, "momentum": 0.9}],
)
def test_rmsprop_matches_keras_step_for_step(hyper):
    w0 = np.random.default_rng(6).standard_normal((4, 3)).astype(np.float32)
    variable = keras.Variable(w0)
    optimizer = keras.optimizers.RMSprop(**hyper)
    w, state = w0, {}
    for gradient in gradient_sequence(w0.shape, 8, np.float32, seed=7):
        optimizer.apply_gradients([(tf.constant(gradient), variable)])
        w_before = w.copy()
        new_w = optim.rmsprop_step(w, gradient, state, **hyper)
        np.testing.assert_array_equal(w, w_before)
        w = new_w
        np.testing.assert_allclose(w, variable.numpy(), rtol=1e-6, atol=1e-7)
        assert w.dtype == np.float32


def test_rmsprop_tiny_gradients_put_epsilon_inside_the_square_root():
    """With |g| = 1e-6 the first step is lr * g / sqrt(0.1 g^2 + eps): Keras' epsilon placement."""
    gradient = np.full(3, 1e-6)
    variable = keras.Variable(np.zeros(3), dtype="float64")
    keras.optimizers.RMSprop(learning_rate=0.1).apply_gradients([(tf.constant(gradient), variable)])
    w = optim.rmsprop_step(np.zeros(3), gradient, {}, learning_rate=0.1)
    np.testing.assert_allclose(w, -0.1 * gradient / np.sqrt(0.1 * gradient**2 + 1e-7), rtol=1e-6)
    np.testing.assert_allclose(w, variable.numpy(), rtol=1e-5)


def test_rmsprop_optimizer_trains_a_network():
    from course_lib import training_loop
    from course_lib.network import Dense, Sequential

    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 5))
    y = (x[:, 0] > 0).astype(np.int64)
    network = Sequential([Dense(5, 2, rng)])
    history = training_loop.train(network, x, y, training_loop.RMSprop(learning_rate=0.01),
                                  num_epochs=40, batch_size=16, progress=False)
    assert history["loss"][-1] < 0.5 * history["loss"][0]
    assert history["accuracy"][-1] > 0.8


def test_lesson09_gradient_descent_on_a_parabola():
    """y = x^2 - x - 1 from x = -0.5: gradient -2.0, one step of lr 0.01 gives -0.48."""
    x = np.array([-0.5])
    gradient = numerical_gradient(lambda v: v**2 - v - 1, x.copy())
    np.testing.assert_allclose(gradient, 2 * x - 1)  # closed form
    np.testing.assert_allclose(gradient, [-2.0])
    new_x, _ = optim.sgd_step(x, gradient, learning_rate=0.01)
    np.testing.assert_allclose(new_x, [-0.48])
    variable = keras.Variable(x)
    keras.optimizers.SGD(learning_rate=0.01).apply_gradients([(tf.constant(gradient), variable)])
    np.testing.assert_allclose(new_x, variable.numpy())
    for _ in range(2000):  # the minimum is at x = 0.5, y = -1.25
        new_x, _ = optim.sgd_step(new_x, 2 * new_x - 1, learning_rate=0.01)
    np.testing.assert_allclose(new_x, [0.5], atol=1e-8)
    np.testing.assert_allclose(new_x**2 - new_x - 1, [-1.25], atol=1e-8)


def test_optimizers_reject_mismatched_shapes():
    message = r"sgd_step: w and dw must have the same shape, got \(3,\) and \(2,\)"
    with pytest.raises(ValueError, match=message):
        optim.sgd_step(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match=r"adam_step: w and dw must have the same shape"):
        optim.adam_step(np.zeros(3), np.zeros(2), {})
    with pytest.raises(ValueError, match=r"rmsprop_step: w and dw must have the same shape"):
        optim.rmsprop_step(np.zeros(3), np.zeros(2), {})
    with pytest.raises(ValueError, match=r"sgd_step: momentum must be in \[0, 1\), got 1.5"):
        optim.sgd_step(np.zeros(3), np.zeros(3), momentum=1.5)
