"""course_lib.layers.normalization and initializers against keras.layers.LayerNormalization /
GroupNormalization and keras.initializers (lesson 08)."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from course_lib import layers

import keras


def _keras_out(layer, x, gamma, beta):
    layer.build(x.shape)
    layer.set_weights([gamma, beta])
    return np.asarray(layer(x))


@pytest.mark.parametrize("shape", [(5, 7), (3, 4, 5, 6), (1, 2, 2, 1)])
def test_layernorm_matches_keras(shape):
    """keras.layers.LayerNormalization(): last axis only, epsilon 1e-3, gamma and beta per channel."""
    rng = np.random.default_rng(80)
    x = (rng.normal(size=shape) * 3 + 1).astype(np.float32)
    gamma, beta = (rng.normal(size=shape[-1]).astype(np.float32) for _ in range(2))
    expected = _keras_out(keras.layers.LayerNormalization(), x, gamma, beta)
    np.testing.assert_allclose(layers.layernorm_forward(x, gamma, beta), expected,
                               rtol=2e-5, atol=2e-5)
    assert keras.layers.LayerNormalization().epsilon == 1e-3


@pytest.mark.parametrize("shape, groups", [((2, 3, 4, 8), 4), ((3, 2, 2, 6), 1),
                                           ((2, 3, 3, 6), 6), ((4, 64), 32), ((2, 2, 2, 64), 32)])
def test_groupnorm_matches_keras(shape, groups):
    """keras.layers.GroupNormalization(groups): contiguous groups, statistics per example."""
    rng = np.random.default_rng(81)
    x = (rng.normal(size=shape) * 2 - 1).astype(np.float32)
    gamma, beta = (rng.normal(size=shape[-1]).astype(np.float32) for _ in range(2))
    expected = _keras_out(keras.layers.GroupNormalization(groups=groups), x, gamma, beta)
    np.testing.assert_allclose(layers.groupnorm_forward(x, gamma, beta, groups=groups), expected,
                               rtol=2e-5, atol=2e-5)


def test_groupnorm_defaults_and_errors_match_keras():
    """groups=32 and epsilon=1e-3 by default; C not divisible by groups is a ValueError in both."""
    layer = keras.layers.GroupNormalization()
    assert (layer.groups, layer.epsilon) == (32, 1e-3)
    x = np.ones((1, 2, 2, 6))
    with pytest.raises(ValueError):
        keras.layers.GroupNormalization(groups=4).build(x.shape)
    for groups in (4, 0, 7, 2.0):
        with pytest.raises(ValueError, match="groups"):
            layers.groupnorm_forward(x, np.ones(6), np.zeros(6), groups=groups)


def test_groupnorm_special_cases_are_layer_and_instance_normalization():
    """groups=1 is statistics over (H, W, C); groups=C over each channel's (H, W)."""
    rng = np.random.default_rng(82)
    x = rng.normal(size=(2, 3, 3, 4))
    ones, zeros = np.ones(4), np.zeros(4)
    whole = (x - x.mean(axis=(1, 2, 3), keepdims=True)) / np.sqrt(
        x.var(axis=(1, 2, 3), keepdims=True) + 1e-3)
    np.testing.assert_allclose(layers.groupnorm_forward(x, ones, zeros, groups=1), whole)
    per_channel = (x - x.mean(axis=(1, 2), keepdims=True)) / np.sqrt(
        x.var(axis=(1, 2), keepdims=True) + 1e-3)
    np.testing.assert_allclose(layers.groupnorm_forward(x, ones, zeros, groups=4), per_channel)


@pytest.mark.parametrize("name", ["glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
                                  "lecun_uniform", "lecun_normal"])
@pytest.mark.parametrize("shape", [(300, 100), (3, 3, 32, 64)])
def test_initializer_stddev_matches_keras(name, shape):
    """The standard deviation of keras.initializers.get(name)(shape), within 2%."""
    weights = np.asarray(keras.initializers.get({"class_name": name, "config": {"seed": 8}})(shape))
    assert abs(weights.std() / layers.initializer_stddev(name, shape) - 1) < 0.02
    if name.endswith("uniform"):   # U(-limit, limit) with limit = sqrt(3) * stddev
        limit = np.sqrt(3) * layers.initializer_stddev(name, shape)
        assert limit * 0.99 < np.abs(weights).max() <= limit * (1 + 1e-6)


def test_fans_and_unknown_initializer():
    """Keras' fans: (KH * KW * C, KH * KW * K) for a Conv2D kernel; an unknown name raises."""
    assert layers.fans((64, 10)) == (64, 10)
    assert layers.fans((3, 3, 16, 32)) == (144, 288)
    with pytest.raises(ValueError, match="glorot_uniform"):
        layers.initializer_stddev("orthogonal", (4, 4))
    assert keras.layers.Dense(4).kernel_initializer.__class__.__name__ == "GlorotUniform"
    assert keras.layers.Conv2D(4, 3).kernel_initializer.__class__.__name__ == "GlorotUniform"
