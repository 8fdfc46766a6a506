"""course_lib.shapes against Keras' compute_output_shape / count_params, tf.nn.conv2d,
np.convolve and the closed forms, including every shape and parameter figure of
lessons 01-05."""

import itertools
import math
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import pytest

from course_lib import shapes

import tensorflow as tf
import keras


def keras_conv_shape(input_shape, filters, kernel_size, strides, padding):
    layer = keras.layers.Conv2D(filters, kernel_size, strides=strides, padding=padding)
    return tuple(layer.compute_output_shape((None, *input_shape))[1:])


def test_conv_output_size_matches_keras_on_a_grid():
    """Every combination of size, kernel, stride and "valid"/"same" agrees with Keras."""
    grid = itertools.product([5, 6, 7, 12], [1, 2, 3, 5], [1, 2, 3], ["valid", "same"])
    for n, f, s, padding in grid:
        expected = keras_conv_shape((n, n + 1, 2), 4, f, s, padding)
        assert shapes.conv_output_size(n, f, s, padding) == expected[0], (n, f, s, padding)
        assert shapes.conv_output_size(n + 1, f, s, padding) == expected[1], (n, f, s, padding)


@pytest.mark.parametrize("n, f, s, p", [(5, 3, 2, 1), (7, 3, 1, 2), (6, 4, 3, 1), (3, 5, 1, 1)])
def test_int_padding_matches_zero_padding_then_valid(n, f, s, p):
    model = keras.Sequential(
        [keras.Input((n, n, 1)), keras.layers.ZeroPadding2D(p), keras.layers.Conv2D(1, f, strides=s)]
    )
    assert shapes.conv_output_size(n, f, s, p) == model.output_shape[1]
    assert shapes.conv_output_size(n, f, s, p) == (n - f + 2 * p) // s + 1  # the square formula


@pytest.mark.parametrize("n, f, s", [(7, 3, 2), (8, 3, 2), (6, 4, 1), (5, 2, 3), (9, 5, 3), (4, 1, 2)])
def test_padding_amounts_reproduce_tensorflow_same(n, f, s):
    """tf.nn.conv2d(SAME) equals tf.pad with our (before, after) followed by VALID."""
    top, bottom = shapes.padding_amounts(n, f, s, "same")
    left, right = shapes.padding_amounts(n + 1, f, s, "same")
    rng = np.random.default_rng(n * f * s)
    x = tf.constant(rng.standard_normal((1, n, n + 1, 2)))
    w = tf.constant(rng.standard_normal((f, f, 2, 3)))
    same = tf.nn.conv2d(x, w, strides=s, padding="SAME")
    padded = tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]])
    np.testing.assert_allclose(tf.nn.conv2d(padded, w, strides=s, padding="VALID"), same, rtol=1e-12)
    assert 0 <= bottom - top <= 1  # the odd pixel goes after


def test_padding_amounts_valid_and_int():
    assert shapes.padding_amounts(7, 3, 1, "valid") == (0, 0)
    assert shapes.padding_amounts(7, 3, 1, 2) == (2, 2)
    assert shapes.padding_amounts(4, 2, 1, "same") == (0, 1)


@pytest.mark.parametrize(
    "input_shape, pool_size, strides, padding",
    [((100, 100, 15), 2, None, "valid"), ((100, 100, 15), 2, 1, "valid"), ((7, 9, 3), 3, 2, "same"),
     ((8, 5, 2), (2, 3), (1, 2), "valid"), ((7, 7, 1), 2, None, "same")],
)
def test_pool_output_shape_matches_keras(input_shape, pool_size, strides, padding):
    for layer_class in (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D):
        layer = layer_class(pool_size=pool_size, strides=strides, padding=padding)
        expected = tuple(layer.compute_output_shape((None, *input_shape))[1:])
        assert shapes.pool_output_shape(input_shape, pool_size, strides, padding) == expected


@pytest.mark.parametrize(
    "input_shape, filters, kernel_size, strides, padding",
    [((9, 7, 3), 4, (3, 2), (2, 1), "same"), ((10, 10, 1), 2, (4, 3), 3, "valid")],
)
def test_conv_output_shape_rectangular_matches_keras(input_shape, filters, kernel_size, strides, padding):
    expected = keras_conv_shape(input_shape, filters, kernel_size, strides, padding)
    assert shapes.conv_output_shape(input_shape, filters, kernel_size, strides, padding) == expected


# ---------------------------------------------------------------- lesson figures


def test_lesson01_mlp_parameter_counts():
    """784-256-256-10: 200,960 + 65,792 + 2,570 = 269,322, as Keras counts them."""
    model = keras.Sequential(
        [keras.Input((784,)), keras.layers.Dense(256, activation="relu"), keras.layers.Dropout(0.45),
         keras.layers.Dense(256, activation="relu"), keras.layers.Dropout(0.45), keras.layers.Dense(10)]
    )
    dense_counts = [
        layer.count_params() for layer in model.layers if isinstance(layer, keras.layers.Dense)
    ]
    assert dense_counts == [200_960, 65_792, 2_570]
    ours = [shapes.dense_params(784, 256), shapes.dense_params(256, 256), shapes.dense_params(256, 10)]
    assert ours == dense_counts
    assert shapes.mlp_param_count([784, 256, 256, 10]) == model.count_params() == 269_322


def test_lesson02_one_dimensional_output_lengths():
    """x of length 5, w of length 3: np.convolve gives 3 values "valid", 5 "same"."""
    x, w = np.arange(5), np.array([1, -1, 2])
    np.testing.assert_array_equal(np.convolve(x, w, mode="valid"), [1, 3, 5])
    assert shapes.conv_output_size(5, 3) == len(np.convolve(x, w, mode="valid")) == 5 - 3 + 1
    assert shapes.conv_output_size(5, 3, padding="same") == len(np.convolve(x, w, mode="same"))


def test_lesson02_multichannel_example_shape():
    """5x5x3, pad 1, stride 2, F=3, K=2 gives 3x3x2: (5 - 3 + 2) / 2 + 1 = 3."""
    model = keras.Sequential(
        [keras.Input((5, 5, 3)), keras.layers.ZeroPadding2D(1), keras.layers.Conv2D(2, 3, strides=2)]
    )
    ours = shapes.conv_output_shape((5, 5, 3), 2, 3, strides=2, padding=1)
    assert ours == model.output_shape[1:] == (3, 3, 2)
    assert shapes.conv_params(2, 3, 3) == model.count_params() == 2 * 3 * 3 * 3 + 2


@pytest.mark.parametrize(
    "input_shape, filters, kernel_size, strides, padding, out_shape, params",
    [((200, 200, 1), 16, 2, 2, "valid", (100, 100, 16), 80),
     ((128, 128, 3), 32, 3, 2, "same", (64, 64, 32), 896)],
)
def test_lesson03_conv_figures(input_shape, filters, kernel_size, strides, padding, out_shape, params):
    layer = keras.layers.Conv2D(filters, kernel_size, strides=strides, padding=padding)
    layer.build((None, *input_shape))
    assert tuple(layer.compute_output_shape((None, *input_shape))[1:]) == out_shape
    assert layer.count_params() == params
    assert shapes.conv_output_shape(input_shape, filters, kernel_size, strides, padding) == out_shape
    assert shapes.conv_params(filters, kernel_size, input_shape[2]) == params


@pytest.mark.parametrize("strides, expected", [(2, (50, 50, 15)), (1, (99, 99, 15))])
def test_lesson03_pooling_figures(strides, expected):
    layer = keras.layers.MaxPooling2D(pool_size=2, strides=strides)
    assert tuple(layer.compute_output_shape((None, 100, 100, 15))[1:]) == expected
    assert shapes.pool_output_shape((100, 100, 15), pool_size=2, strides=strides) == expected


def test_lesson03_zero_padding_figure():
    """ZeroPadding2D(2) on 32x32x3 gives 36x36x3: a 1x1 window with P = 2."""
    keras_shape = keras.layers.ZeroPadding2D(2).compute_output_shape((None, 32, 32, 3))
    assert shapes.conv_output_size(32, 1, 1, 2) == keras_shape[1] == 36


def test_lesson04_cifar_cnn_has_528054_parameters():
    """208 + 2,080 + 8,256 + 512,500 + 5,010 = 528,054, counted by Keras and by course_lib."""
    model = keras.Sequential(
        [
            keras.Input((32, 32, 3)),
            keras.layers.Conv2D(16, 2, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(32, 2, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(64, 2, padding="same", activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(500, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    shape = (32, 32, 3)
    ours = []
    for filters in (16, 32, 64):
        ours.append(shapes.conv_params(filters, 2, shape[2]))
        shape = shapes.conv_output_shape(shape, filters, 2, padding="same")
        shape = shapes.pool_output_shape(shape, 2)
    ours += [shapes.dense_params(math.prod(shape), 500), shapes.dense_params(500, 10)]
    keras_counts = [layer.count_params() for layer in model.layers if layer.count_params()]
    assert ours == keras_counts == [208, 2_080, 8_256, 512_500, 5_010]
    assert sum(ours) == model.count_params() == 528_054


def test_conv_params_rectangular_kernel_matches_keras():
    layer = keras.layers.Conv2D(7, (3, 5))
    layer.build((None, 10, 10, 4))
    assert shapes.conv_params(7, (3, 5), 4) == layer.count_params()


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: shapes.conv_output_size(3, 5), r"conv_output_size: window 5 is larger than the input"),
        (lambda: shapes.conv_output_size(2, 5, 1, 1), r"window 5 is larger than the input padded by 1"),
        (lambda: shapes.conv_output_size(5, 3, 0), r"conv_output_size: stride must be >= 1, got 0"),
        (lambda: shapes.conv_output_size(5, 3, 1, "full"), r"padding must be \"valid\", \"same\" or an int"),
        (lambda: shapes.conv_output_size(5, 3, 1, -2), r"an int padding must be >= 0, got -2"),
        (lambda: shapes.padding_amounts(5, 3, 1, "full"), r"padding_amounts: padding must be"),
        (lambda: shapes.pool_output_shape((4, 4, 1), 5), r"window 5 is larger than the input"),
        (lambda: shapes.pool_output_shape((4, 4, 1), 2, padding=1), r"padding must be \"valid\" or \"same\""),
        (lambda: shapes.conv_output_shape((8, 8, 3), 4, (3, 3, 3)), r"kernel_size must be an int or a pair"),
        (lambda: shapes.mlp_param_count([784]), r"mlp_param_count: sizes must list at least"),
    ],
)
def test_bad_inputs_raise_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
