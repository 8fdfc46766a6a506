"""course_lib.summary against real Keras models (shapes and count_params per layer), and its
multiply-adds and activation memory against counts taken from running the NumPy layers."""

import numpy as np
import pytest

from course_lib import summary as summary_module
from course_lib.layers import conv
from course_lib.layers.conv import conv2d_forward, conv2d_forward_naive
from course_lib.layers.dense import dense_forward
from course_lib.summary import (cost_summary, format_summary, layer_macs, layer_row, summary,
                                total_macs, total_params)

CIFAR_CNN = [
    ("Conv2D", {"filters": 16, "kernel_size": 2, "padding": "same", "activation": "relu"}),
    ("MaxPooling2D", {"pool_size": 2}),
    ("Conv2D", {"filters": 32, "kernel_size": 2, "padding": "same", "activation": "relu"}),
    ("MaxPooling2D", {"pool_size": 2}),
    ("Conv2D", {"filters": 64, "kernel_size": 2, "padding": "same", "activation": "relu"}),
    ("MaxPooling2D", {"pool_size": 2}),
    ("Dropout", {"rate": 0.3}),
    ("Flatten", {}),
    ("Dense", {"units": 500, "activation": "relu"}),
    ("Dropout", {"rate": 0.4}),
    ("Dense", {"units": 10, "activation": "softmax"}),
]

STACKS = {
    "cifar_cnn": (CIFAR_CNN, (32, 32, 3)),
    "batchnorm_gap": ([
        ("Conv2D", {"filters": 8, "kernel_size": 3}),
        ("BatchNormalization", {}),
        ("Activation", {"activation": "relu"}),
        ("Conv2D", {"filters": 12, "kernel_size": (3, 2), "strides": 2, "padding": "same"}),
        ("BatchNormalization", {}),
        ("AveragePooling2D", {"pool_size": 3, "strides": 2, "padding": "same"}),
        ("GlobalAveragePooling2D", {}),
        ("Dense", {"units": 5}),
    ], (29, 31, 3)),
    "strided_pools": ([
        ("Conv2D", {"filters": 16, "kernel_size": 2, "strides": 2}),
        ("MaxPooling2D", {"pool_size": 2, "strides": 1}),
        ("MaxPooling2D", {"pool_size": 3, "padding": "same"}),
        ("Conv2D", {"filters": 4, "kernel_size": 5, "padding": "valid"}),
        ("GlobalMaxPooling2D", {}),
        ("BatchNormalization", {}),
        ("Dense", {"units": 7}),
    ], (200, 200, 1)),
    "dense_on_images": ([
        ("Dense", {"units": 6}),
        ("BatchNormalization", {}),
        ("Flatten", {}),
        ("Dropout", {"rate": 0.5}),
        ("Dense", {"units": 3}),
    ], (5, 4, 2)),
}


def keras_rows(layers, input_shape):
    """(name, output shape, count_params) per layer of the equivalent Keras model."""
    import keras

    keras_layers = [getattr(keras.layers, name)(**options) for name, options in layers]
    model = keras.Sequential([keras.Input(shape=input_shape), *keras_layers])
    return [(type(layer).__name__, tuple(layer.output.shape[1:]), layer.count_params())
            for layer in model.layers], model.count_params()


@pytest.mark.parametrize("stack", sorted(STACKS))
def test_summary_matches_keras(stack):
    """Every row equals Keras' layer output shape and count_params; totals agree."""
    layers, input_shape = STACKS[stack]
    expected, expected_total = keras_rows(layers, input_shape)
    rows = summary(layers, input_shape)
    assert rows == expected
    assert total_params(rows) == expected_total


def test_cifar_cnn_figures():
    """The seed's CIFAR-10 CNN: 208 + 2,080 + 8,256 + 512,500 + 5,010 = 528,054."""
    rows = summary(CIFAR_CNN, (32, 32, 3))
    assert [params for _, _, params in rows if params] == [208, 2_080, 8_256, 512_500, 5_010]
    assert total_params(rows) == 528_054
    assert rows[7] == ("Flatten", (1024,), 0)
    table = format_summary(rows)
    assert "Total params: 528,054" in table and "(None, 16, 16, 16)" in table


def test_gap_head_difference():
    """Swapping Flatten + Dense 500 + Dense 10 for GAP + Dense 10 saves 516,860 params."""
    body = [layer for layer in CIFAR_CNN[:6]]
    gap = total_params(summary(body + [("GlobalAveragePooling2D", {}), ("Dense", {"units": 10})],
                               (32, 32, 3)))
    assert gap == 11_194
    assert 528_054 - gap == 516_860


def test_layer_row_and_errors():
    """layer_row on single layers; bad stacks raise ValueError with the layer named."""
    assert layer_row("Conv2D", {"filters": 32, "kernel_size": 3, "strides": 2,
                                "padding": "same"}, (128, 128, 3)) == ((64, 64, 32), 896)
    assert layer_row("Conv2D", {"filters": 16, "kernel_size": 2, "strides": 2},
                     (200, 200, 1)) == ((100, 100, 16), 80)
    assert layer_row("BatchNormalization", {}, (10,)) == ((10,), 40)
    with pytest.raises(ValueError, match="unknown name"):
        summary([("Conv3D", {})], (8, 8, 1))
    with pytest.raises(ValueError, match="unknown options"):
        summary([("Dense", {"unit": 3})], (8,))
    with pytest.raises(ValueError, match="rank 3"):
        summary([("Flatten", {}), ("MaxPooling2D", {})], (8, 8, 1))
    with pytest.raises(ValueError, match="pair"):
        summary(["Flatten"], (8, 8, 1))
    with pytest.raises(ValueError):
        summary([("MaxPooling2D", {"pool_size": 3})], (2, 2, 1))


def test_print_summary(capsys):
    """print_summary prints the table and returns the rows."""
    rows = summary_module.print_summary([("Flatten", {}), ("Dense", {"units": 2})], (3, 3, 1))
    assert rows == [("Flatten", (9,), 0), ("Dense", (2,), 20)]
    assert "Total params: 20" in capsys.readouterr().out


# ---------------------------------------------------------------- multiply-adds and memory

class _CountingNumpy:
    """NumPy for conv2d_forward_naive, with np.sum recording how many values it adds up:
    the naive forward sums window * filter, one value per multiplication it made."""

    def __init__(self):
        self.products = 0

    def __getattr__(self, name):
        return getattr(np, name)

    def sum(self, values, *args, **kwargs):
        self.products += np.size(values)
        return np.sum(values, *args, **kwargs)


CONV_LAYERS = [  # (input shape, options): valid and same, strides, rectangular kernels
    ((5, 6, 3), {"filters": 4, "kernel_size": 3}),
    ((5, 6, 3), {"filters": 4, "kernel_size": 3, "padding": "same"}),
    ((7, 5, 2), {"filters": 3, "kernel_size": 2, "strides": 2}),
    ((7, 5, 2), {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}),
    ((6, 7, 1), {"filters": 5, "kernel_size": (3, 2), "strides": 3, "padding": "same"}),
    ((4, 4, 6), {"filters": 2, "kernel_size": 1}),
    ((4, 4, 2), {"filters": 3, "kernel_size": 4}),
]


@pytest.mark.parametrize("input_shape, options", CONV_LAYERS)
def test_conv_macs_count_the_naive_forwards_multiplications(input_shape, options, monkeypatch):
    """layer_macs("Conv2D") = the products conv2d_forward_naive computes on one image,
    padded zeros included; with ones in x and w and no bias, the outputs' sum counts those
    that fall on the image."""
    rng = np.random.default_rng(0)
    kernel = options["kernel_size"]
    kh, kw = (kernel, kernel) if isinstance(kernel, int) else kernel
    x = rng.normal(size=(1, *input_shape))
    w = rng.normal(size=(kh, kw, input_shape[-1], options["filters"]))
    b = rng.normal(size=options["filters"])
    counting = _CountingNumpy()
    monkeypatch.setattr(conv, "np", counting)
    out = conv2d_forward_naive(x, w, b, options.get("strides", 1), options.get("padding", "valid"))
    monkeypatch.undo()
    assert layer_macs("Conv2D", options, input_shape) == counting.products
    assert out.shape[1:] == layer_row("Conv2D", options, input_shape)[0]
    ones, _ = conv2d_forward(np.ones((1, *input_shape)), np.ones(w.shape), np.zeros(b.shape),
                             options.get("strides", 1), options.get("padding", "valid"))
    on_image = int(ones.sum())  # each product of a 1 on the image with a weight 1 adds 1
    if options.get("padding", "valid") == "valid":
        assert on_image == counting.products
    else:
        assert on_image <= counting.products


@pytest.mark.parametrize("input_shape, units", [((7,), 3), ((1,), 1), ((12,), 5), ((3, 4), 2)])
def test_dense_macs_count_the_products(input_shape, units):
    """layer_macs("Dense"): ones through dense_forward, no bias: each output sums n_in ones."""
    x = np.ones((1, int(np.prod(input_shape[:-1])), input_shape[-1]))
    out, _ = dense_forward(x.reshape(-1, input_shape[-1]), np.ones((input_shape[-1], units)),
                           np.zeros(units))
    assert layer_macs("Dense", {"units": units}, input_shape) == int(out.sum())


def test_layers_without_weights_have_no_macs_and_errors():
    """Pooling, Flatten, Dropout, Activation, BatchNormalization: 0; bad layers: ValueError."""
    for name, options in [("MaxPooling2D", {}), ("AveragePooling2D", {"pool_size": 3}),
                          ("GlobalAveragePooling2D", {}), ("GlobalMaxPooling2D", {}),
                          ("Flatten", {}), ("Dropout", {"rate": 0.5}),
                          ("Activation", {"activation": "relu"}), ("BatchNormalization", {})]:
        assert layer_macs(name, options, (6, 6, 4)) == 0, name
    with pytest.raises(ValueError, match="unknown name"):
        layer_macs("Conv3D", {}, (8, 8, 1))
    with pytest.raises(ValueError, match="rank 3"):
        layer_macs("Conv2D", {"filters": 2, "kernel_size": 1}, (8,))
    with pytest.raises(ValueError, match="filters"):
        layer_macs("Conv2D", {"kernel_size": 1}, (8, 8, 1))


def test_cost_summary_memory_is_the_float32_outputs_size():
    """Output bytes = nbytes of each layer's float32 output for one image (course_lib forwards);
    the CIFAR CNN's 1,762,184 multiply-adds; the table prints both columns."""
    layers = [("Conv2D", {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}),
              ("Flatten", {}), ("Dense", {"units": 3})]
    rows = cost_summary(layers, (9, 7, 2))
    out, _ = conv2d_forward(np.zeros((1, 9, 7, 2), np.float32), np.zeros((3, 3, 2, 4), np.float32),
                            np.zeros(4, np.float32), 2, "same")
    flat = out.reshape(1, -1)
    dense, _ = dense_forward(flat, np.zeros((flat.shape[1], 3), np.float32),
                             np.zeros(3, np.float32))
    assert [row[4] for row in rows] == [out.nbytes, flat.nbytes, dense.nbytes]
    assert [row[:3] for row in rows] == summary(layers, (9, 7, 2))
    rows = cost_summary(CIFAR_CNN, (32, 32, 3))
    assert [row[3] for row in rows if row[3]] == [196_608, 524_288, 524_288, 512_000, 5_000]
    assert total_macs(rows) == 1_762_184 and total_params(rows) == 528_054
    table = format_summary(rows)
    assert "Mult-Adds" in table and "Total mult-adds: 1,762,184 (FLOPs: 3,524,368)" in table
