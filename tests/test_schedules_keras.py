"""Lesson 09's schedules, Nesterov momentum and AdamW against keras.optimizers."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from course_lib import optim, schedules

import tensorflow as tf
import keras


COSINE_CONFIGS = [
    dict(initial_learning_rate=0.1, decay_steps=20),
    dict(initial_learning_rate=0.1, decay_steps=20, alpha=0.1),
    dict(initial_learning_rate=0.0, decay_steps=30, warmup_target=0.1, warmup_steps=7),
    dict(initial_learning_rate=0.01, decay_steps=9, alpha=0.25, warmup_target=0.2,
         warmup_steps=5),
    dict(initial_learning_rate=0.3, decay_steps=5, alpha=0.5, warmup_target=0.05,
         warmup_steps=4),  # a warm-up that goes down
    dict(initial_learning_rate=0.1, decay_steps=10, warmup_target=0.1, warmup_steps=0),
    dict(initial_learning_rate=0.1, decay_steps=10, warmup_steps=6),  # no target: no warm-up
    dict(initial_learning_rate=0.05, decay_steps=1, warmup_target=0.5, warmup_steps=1),
]


@pytest.mark.parametrize("config", COSINE_CONFIGS)
def test_cosine_decay_matches_keras(config):
    """Every step up to well past warm-up + decay, in Keras' float32."""
    keras_schedule = keras.optimizers.schedules.CosineDecay(**config)
    last = config["decay_steps"] + config.get("warmup_steps", 0) + 6
    for step in range(last):
        expected = float(keras_schedule(step))
        got = schedules.cosine_decay(step, **config)
        assert isinstance(got, float)
        np.testing.assert_allclose(got, expected, rtol=2e-6, atol=1e-8, err_msg=f"step {step}")


@pytest.mark.parametrize("config", [
    dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5, staircase=True),
    dict(initial_learning_rate=0.1, decay_steps=10, decay_rate=0.5),
    dict(initial_learning_rate=0.03, decay_steps=3, decay_rate=0.9, staircase=True),
])
def test_exponential_decay_matches_keras(config):
    keras_schedule = keras.optimizers.schedules.ExponentialDecay(**config)
    for step in range(40):
        np.testing.assert_allclose(schedules.exponential_decay(step, **config),
                                   float(keras_schedule(step)), rtol=2e-6, err_msg=f"step {step}")


def test_schedules_reject_bad_lengths():
    with pytest.raises(ValueError, match=r"cosine_decay: decay_steps must be > 0, got 0"):
        schedules.cosine_decay(3, 0.1, 0)
    with pytest.raises(ValueError, match=r"cosine_decay: warmup_steps must be >= 0, got -1"):
        schedules.cosine_decay(3, 0.1, 10, warmup_target=0.2, warmup_steps=-1)
    with pytest.raises(ValueError, match=r"exponential_decay: decay_steps must be > 0, got 0"):
        schedules.exponential_decay(3, 0.1, 0, 0.5)
    with pytest.raises(ValueError):  # Keras refuses the same
        keras.optimizers.schedules.CosineDecay(0.1, 0)


def test_optimizer_calls_the_schedule_with_the_steps_already_taken():
    """Keras' SGD uses schedule(0) for its first update: the course's step counter starts at 0."""
    schedule = keras.optimizers.schedules.CosineDecay(0.0, 10, warmup_target=0.1, warmup_steps=4)
    variable = keras.Variable(np.zeros(1, dtype=np.float32))
    optimizer = keras.optimizers.SGD(learning_rate=schedule)
    w = np.zeros(1, dtype=np.float32)
    for step in range(8):
        optimizer.apply_gradients([(tf.constant([1.0]), variable)])
        learning_rate = schedules.cosine_decay(step, 0.0, 10, warmup_target=0.1, warmup_steps=4)
        w, _ = optim.sgd_step(w, np.ones(1, dtype=np.float32), learning_rate=learning_rate)
        np.testing.assert_allclose(w, variable.numpy(), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("learning_rate, momentum", [(0.01, 0.9), (0.1, 0.5), (0.05, 0.0)])
def test_nesterov_sgd_matches_keras_step_for_step(learning_rate, momentum):
    w0 = np.random.default_rng(11).standard_normal((3, 4)).astype(np.float32)
    variable = keras.Variable(w0)
    optimizer = keras.optimizers.SGD(learning_rate=learning_rate, momentum=momentum,
                                     nesterov=True)
    w, velocity = w0, None
    for gradient in np.random.default_rng(12).standard_normal((6, 3, 4)).astype(np.float32):
        optimizer.apply_gradients([(tf.constant(gradient), variable)])
        w_before = w.copy()
        new_w, velocity = optim.sgd_step(w, gradient, learning_rate, momentum, velocity,
                                         nesterov=True)
        np.testing.assert_array_equal(w, w_before)  # w is not modified
        w = new_w
        np.testing.assert_allclose(w, variable.numpy(), rtol=1e-6, atol=1e-7)
        assert w.dtype == velocity.dtype == np.float32


def test_nesterov_differs_from_momentum_from_the_first_step():
    """Nesterov's first step is (1 + momentum) times plain SGD's; classical momentum's is 1 times."""
    w, g = np.array([1.0, -2.0]), np.array([0.5, 1.0])
    classical, _ = optim.sgd_step(w, g, 0.1, momentum=0.9)
    nesterov, velocity = optim.sgd_step(w, g, 0.1, momentum=0.9, nesterov=True)
    np.testing.assert_allclose(classical, w - 0.1 * g)
    np.testing.assert_allclose(nesterov, w - 1.9 * 0.1 * g)
    np.testing.assert_allclose(velocity, -0.1 * g)


@pytest.mark.parametrize("hyper", [
    {}, {"learning_rate": 0.01, "weight_decay": 0.1, "beta_1": 0.8, "beta_2": 0.99,
         "epsilon": 1e-5},
])
def test_adamw_matches_keras_step_for_step(hyper):
    w0 = np.random.default_rng(13).standard_normal((5,)).astype(np.float32)
    variable = keras.Variable(w0)
    optimizer = keras.optimizers.AdamW(**hyper)
    w, state = w0, {}
    for gradient in np.random.default_rng(14).standard_normal((8, 5)).astype(np.float32):
        optimizer.apply_gradients([(tf.constant(gradient), variable)])
        w_before = w.copy()
        new_w = optim.adamw_step(w, gradient, state, **hyper)
        np.testing.assert_array_equal(w, w_before)
        w = new_w
        np.testing.assert_allclose(w, variable.numpy(), rtol=1e-6, atol=1e-7)
        assert w.dtype == np.float32
    assert state["iterations"] == 8


def test_adamw_decays_before_the_adam_update_and_differs_from_l2():
    """Keras shrinks w by w * weight_decay * learning_rate first; L2 in the gradient is another
    optimizer (with Adam, not with plain SGD: lesson 07)."""
    w, g = np.array([3.0, -2.0, 0.5]), np.array([0.1, 0.2, -0.3])
    eta, decay = 0.1, 0.2
    decayed_first = optim.adam_step(w - w * decay * eta, g, {}, learning_rate=eta)
    np.testing.assert_allclose(optim.adamw_step(w, g, {}, eta, decay), decayed_first)
    decayed_after = optim.adam_step(w, g, {}, learning_rate=eta)
    decayed_after = decayed_after - decayed_after * decay * eta
    assert np.abs(decayed_after - decayed_first).max() > 1e-4
    l2 = optim.adam_step(w, g + decay * w, {}, learning_rate=eta)
    assert np.abs(l2 - decayed_first).max() > 1e-2
    variable = keras.Variable(w)
    keras.optimizers.AdamW(learning_rate=eta, weight_decay=decay).apply_gradients(
        [(tf.constant(g), variable)])
    np.testing.assert_allclose(variable.numpy(), decayed_first, rtol=1e-5)


def test_lesson09_states_keras_defaults():
    """Section 8's defaults: CosineDecay, AdamW, Adagrad's accumulator, Adadelta's rate."""
    import inspect

    from tests.lesson_text import markdown

    def defaults(function):
        return {name: parameter.default
                for name, parameter in inspect.signature(function).parameters.items()}

    cosine = defaults(keras.optimizers.schedules.CosineDecay)
    assert (cosine["alpha"], cosine["warmup_target"], cosine["warmup_steps"]) == (0.0, None, 0)
    assert "decay_steps, alpha=0.0, warmup_target=None, warmup_steps=0)" in markdown(
        "09", "l09-schedules")
    adamw = defaults(keras.optimizers.AdamW)
    assert (adamw["learning_rate"], adamw["weight_decay"], adamw["beta_1"], adamw["beta_2"],
            adamw["epsilon"]) == (0.001, 0.004, 0.9, 0.999, 1e-7)
    assert defaults(optim.adamw_step)["weight_decay"] == 0.004
    assert ("`keras.optimizers.AdamW(learning_rate=0.001, weight_decay=0.004, beta_1=0.9, "
            "beta_2=0.999, epsilon=1e-7)`") in markdown("09", "l09-adamw")
    assert defaults(keras.optimizers.Adagrad)["initial_accumulator_value"] == 0.1
    assert defaults(keras.optimizers.Adadelta)["learning_rate"] == 0.001
    older = markdown("09", "l09-adagrad-adadelta")
    assert "`initial_accumulator_value=0.1`" in older and "0.001 by default" in older
