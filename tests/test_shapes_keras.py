"""Lesson 03's shape figures and a randomized sweep of course_lib.shapes against Keras
layers' compute_output_shape (and count_params for the two Conv2D figures)."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from course_lib import shapes

import keras


def keras_shape(layer, input_shape):
    return tuple(layer.compute_output_shape((None, *input_shape))[1:])


@pytest.mark.parametrize("input_shape, filters, kernel_size, strides, padding, out, params", [
    ((200, 200, 1), 16, 2, 2, "valid", (100, 100, 16), 80),
    ((128, 128, 3), 32, 3, 2, "same", (64, 64, 32), 896),
])
def test_conv2d_figures(input_shape, filters, kernel_size, strides, padding, out, params):
    layer = keras.layers.Conv2D(filters, kernel_size, strides=strides, padding=padding)
    assert keras_shape(layer, input_shape) == out
    assert shapes.conv_output_shape(input_shape, filters, kernel_size, strides, padding) == out
    layer.build((None, *input_shape))
    assert layer.count_params() == params == shapes.conv_params(filters, kernel_size,
                                                                input_shape[2])


@pytest.mark.parametrize("strides, out", [(2, (50, 50, 15)), (1, (99, 99, 15)),
                                          (None, (50, 50, 15))])
def test_pool_figures(strides, out):
    layer = keras.layers.MaxPooling2D(pool_size=2, strides=strides)
    assert keras_shape(layer, (100, 100, 15)) == out
    assert shapes.pool_output_shape((100, 100, 15), 2, strides) == out


def test_shape_only_layer_figures():
    assert keras_shape(keras.layers.ZeroPadding2D(2), (32, 32, 3)) == (36, 36, 3)
    assert np.pad(np.zeros((32, 32, 3)), ((2, 2), (2, 2), (0, 0))).shape == (36, 36, 3)
    assert keras_shape(keras.layers.UpSampling2D(2), (16, 16, 8)) == (32, 32, 8)
    assert keras_shape(keras.layers.Cropping2D(((2, 1), (3, 0))), (32, 32, 3)) == (29, 29, 3)
    assert np.zeros((32, 32, 3))[2:-1, 3:, :].shape == (29, 29, 3)


def test_conv_output_shape_sweep_against_keras():
    rng = np.random.default_rng(3)
    for _ in range(60):
        height, width = (int(v) for v in rng.integers(1, 40, size=2))
        kernel = tuple(int(v) for v in rng.integers(1, 6, size=2))
        strides = tuple(int(v) for v in rng.integers(1, 5, size=2))
        padding = ["valid", "same"][int(rng.integers(0, 2))]
        if padding == "valid" and (kernel[0] > height or kernel[1] > width):
            continue
        filters = int(rng.integers(1, 9))
        layer = keras.layers.Conv2D(filters, kernel, strides=strides, padding=padding)
        expected = keras_shape(layer, (height, width, 3))
        got = shapes.conv_output_shape((height, width, 3), filters, kernel, strides, padding)
        assert got == expected, (height, width, kernel, strides, padding)


def test_pool_output_shape_sweep_against_keras():
    rng = np.random.default_rng(4)
    for _ in range(60):
        height, width = (int(v) for v in rng.integers(2, 40, size=2))
        pool = tuple(int(v) for v in rng.integers(1, 5, size=2))
        strides = None if rng.integers(0, 2) else tuple(int(v) for v in rng.integers(1, 4, size=2))
        padding = ["valid", "same"][int(rng.integers(0, 2))]
        if padding == "valid" and (pool[0] > height or pool[1] > width):
            continue
        for layer_type in (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D):
            layer = layer_type(pool_size=pool, strides=strides, padding=padding)
            expected = keras_shape(layer, (height, width, 5))
            got = shapes.pool_output_shape((height, width, 5), pool, strides, padding)
            assert got == expected, (height, width, pool, strides, padding)
