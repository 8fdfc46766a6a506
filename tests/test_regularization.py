"""course_lib.regularization against keras.regularizers.L2, and the NumPy early stopping
rule against keras.callbacks.EarlyStopping."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from course_lib import regularization, training_loop

import tensorflow as tf
import keras


@pytest.mark.parametrize("shape, l2", [((3,), 0.1), ((4, 5), 0.001), ((3, 3, 2, 4), 0.5)])
def test_l2_penalty_is_half_of_keras_l2(shape, l2):
    """Keras' L2(l2) is l2 * sum(w^2): the course's 0.5 * l2 * sum(w^2) is half of it,
    and equals Keras' L2(l2 / 2)."""
    w = np.random.default_rng(1).normal(size=shape)
    ours = regularization.l2_penalty(w, l2)
    keras_value = float(keras.regularizers.L2(l2)(tf.constant(w)).numpy())
    np.testing.assert_allclose(keras_value, l2 * np.sum(w ** 2), rtol=1e-6)
    np.testing.assert_allclose(ours, keras_value / 2, rtol=1e-6)
    np.testing.assert_allclose(ours, float(keras.regularizers.L2(l2 / 2)(tf.constant(w))),
                               rtol=1e-6)


@pytest.mark.parametrize("l2", [0.01, 0.3])
def test_l2_grad_is_half_of_keras_gradient(l2):
    """The gradient of Keras' L2(l2) is 2 * l2 * w; the course's l2_grad is l2 * w."""
    w = tf.Variable(np.random.default_rng(2).normal(size=(4, 3)))
    with tf.GradientTape() as tape:
        penalty = keras.regularizers.L2(l2)(w)
    keras_gradient = tape.gradient(penalty, w).numpy()
    np.testing.assert_allclose(keras_gradient, 2 * l2 * w.numpy(), rtol=1e-6)
    np.testing.assert_allclose(regularization.l2_grad(w.numpy(), l2), keras_gradient / 2,
                               rtol=1e-6)


def test_l2_rejects_bad_strength():
    """A negative or non-numeric strength raises a ValueError naming the function."""
    with pytest.raises(ValueError, match="l2_penalty"):
        regularization.l2_penalty(np.ones(3), -0.1)
    with pytest.raises(ValueError, match="l2_grad"):
        regularization.l2_grad(np.ones(3), "0.1")


def _keras_early_stopping(values, min_delta, patience):
    """Feed `values` as val_loss to keras.callbacks.EarlyStopping; (stop_epoch, best_epoch)."""
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    callback = keras.callbacks.EarlyStopping(monitor="val_loss", min_delta=min_delta,
                                             patience=patience)
    callback.set_model(model)
    model.stop_training = False
    callback.on_train_begin()
    for epoch, value in enumerate(values):
        callback.on_epoch_end(epoch, {"val_loss": float(value)})
        if model.stop_training:
            return epoch, callback.best_epoch
    return None, callback.best_epoch


@pytest.mark.parametrize("min_delta, patience", [(0.001, 20), (0.0, 3), (0.05, 2), (0.001, 0)])
def test_early_stopping_matches_keras(min_delta, patience):
    """Stop epoch and best epoch agree with Keras on noisy U-shaped loss curves."""
    rng = np.random.default_rng(patience)
    for _ in range(5):
        epochs = np.arange(60)
        values = (epochs - 20.0) ** 2 / 400 + rng.normal(0, 0.02, size=60) + 0.3
        assert (training_loop.early_stopping_epochs(values, min_delta, patience)
                == _keras_early_stopping(values, min_delta, patience))
    flat = [1.0, 1.0005, 0.9995, 0.9999, 0.99]
    assert (training_loop.early_stopping_epochs(flat, min_delta, patience)
            == _keras_early_stopping(flat, min_delta, patience))


def test_early_stopping_restores_best_weights():
    """train(..., early_stopping=EarlyStopping(restore_best_weights=True)) ends with the
    weights of the epoch with the lowest validation loss."""
    from course_lib import digits
    from course_lib.network import Dense, ReLU, Sequential

    (x, y), (x_val, y_val) = digits.load_digits_split()
    x, x_val = digits.flatten_images(x)[:100], digits.flatten_images(x_val)
    rng = np.random.default_rng(0)
    network = Sequential([Dense(64, 64, rng), ReLU(), Dense(64, 10, rng)])
    stopper = training_loop.EarlyStopping(min_delta=0.001, patience=3, restore_best_weights=True)
    history = training_loop.train(network, x, y[:100], training_loop.Adam(0.02), 60, 20,
                                  validation_data=(x_val, y_val), early_stopping=stopper,
                                  progress=False)
    assert history["stopped_epoch"] is not None and len(history["val_loss"]) < 60
    best = int(np.argmin(history["val_loss"]))
    assert stopper.best_epoch == best
    restored_loss, _ = training_loop.evaluate(network, x_val, y_val)
    np.testing.assert_allclose(restored_loss, history["val_loss"][best], rtol=1e-12)


# ---------------------------------------------------------------- lesson 07 instant checks


def test_lesson07_checks_pass_references_and_name_mistakes(capsys):
    """The checks pass the course_lib references and name the listed misconceptions."""
    from course_lib import checks, layers

    assert checks.dropout_forward(layers.dropout_forward)
    assert checks.dropout_backward(layers.dropout_backward)
    assert checks.l2_penalty(regularization.l2_penalty)
    assert checks.l2_grad(regularization.l2_grad)
    capsys.readouterr()

    def no_rescale(x, rate, training, rng):
        return (x * (rng.random(x.shape) >= rate), None) if training else (x, None)

    def rate_is_keep(x, rate, training, rng):
        return (x * (rng.random(x.shape) < rate) / rate, None) if training else (x, None)

    def scaled_at_inference(x, rate, training, rng):
        if training:
            return x * (rng.random(x.shape) >= rate) / (1 - rate), None
        return x * (1 - rate), None

    for wrong, words in [(no_rescale, "1 / (1 - rate)"), (rate_is_keep, "DROPPED"),
                         (scaled_at_inference, "identity")]:
        assert not checks.dropout_forward(wrong)
        assert words in capsys.readouterr().out
    for wrong, words in [(lambda w, l2: 2 * l2 * w, "not 2 * l2 * w"),
                         (lambda w, l2: np.zeros_like(w), "not 0")]:
        assert not checks.l2_grad(wrong)
        assert words in capsys.readouterr().out
    assert not checks.l2_penalty(lambda w, l2: l2 * np.sum(w ** 2))
    assert "Keras" in capsys.readouterr().out
