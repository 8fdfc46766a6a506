"""course_lib.summary against real Keras models (shapes and count_params per layer)."""

import pytest

from course_lib import summary as summary_module
from course_lib.summary import format_summary, layer_row, summary, total_params

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
