"""The logic behind the lesson 04 and 05 widgets, without a display."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.widgets import layer_stack, pooling_compare  # noqa: E402

CIFAR_BUILT = [layer_stack.make_layer(*args) for args in [
    ("Conv2D", 16, 2, "same"), ("MaxPooling2D", 0, 2, "valid"),
    ("Conv2D", 32, 2, "same"), ("MaxPooling2D", 0, 2, "valid"),
    ("Conv2D", 64, 2, "same"), ("MaxPooling2D", 0, 2, "valid"),
    ("Flatten",), ("Dense", 500), ("Dropout",), ("Dense", 10)]]


def test_make_layer_options():
    """The builder's controls become the (name, options) pairs summary() reads."""
    assert layer_stack.make_layer("Conv2D", 16, 2, "same") == (
        "Conv2D", {"filters": 16, "kernel_size": 2, "padding": "same"})
    assert layer_stack.make_layer("MaxPooling2D", 99, 3, "valid") == (
        "MaxPooling2D", {"pool_size": 3, "padding": "valid"})
    assert layer_stack.make_layer("Dense", 500) == ("Dense", {"units": 500})
    assert layer_stack.make_layer("Flatten", 7, 7) == ("Flatten", {})
    with pytest.raises(ValueError, match="make_layer"):
        layer_stack.make_layer("Conv3D")


def test_describe_stack_counts_as_layers_are_added():
    """Adding the CIFAR CNN one layer at a time ends at 528,054 parameters."""
    totals = [layer_stack.describe_stack(CIFAR_BUILT[:n], (32, 32, 3))["total"]
              for n in range(len(CIFAR_BUILT) + 1)]
    assert totals == [0, 208, 208, 2_288, 2_288, 10_544, 10_544, 10_544, 523_044, 523_044,
                      528_054]
    final = layer_stack.describe_stack(CIFAR_BUILT, (32, 32, 3))
    assert final["error"] is None and "528,054" in final["table"]
    assert final["rows"][6] == ("Flatten", (1024,), 0)


def test_describe_stack_reports_layer_that_does_not_fit():
    """A pooling window larger than its input stops the stack with a message."""
    stack = [("Conv2D", {"filters": 4, "kernel_size": 3}), ("MaxPooling2D", {"pool_size": 5}),
             ("Dense", {"units": 2})]
    description = layer_stack.describe_stack(stack, (6, 6, 1))
    assert description["rows"] == [("Conv2D", (4, 4, 4), 40)]
    assert description["total"] == 40
    assert description["error"].startswith("layer 2 (MaxPooling2D)")


def test_layer_stack_plot_and_show():
    """The bar chart draws one bar per layer; show_layer_stack runs without a display."""
    figure, axis = plt.subplots()
    layer_stack.plot_stack(layer_stack.describe_stack(CIFAR_BUILT, (32, 32, 3)), axis)
    assert len(axis.patches) == len(CIFAR_BUILT)
    plt.close("all")
    layer_stack.show_layer_stack((32, 32, 3), CIFAR_BUILT[:3])
    plt.close("all")


def test_pool_compare_on_the_lesson_figure():
    """The 4×4 figure: max [[6, 8], [3, 4]], average [[3.25, 5.25], [2, 2]]."""
    image = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]])
    result = pooling_compare.pool_compare(image, 2)
    np.testing.assert_array_equal(result["max"], [[6, 8], [3, 4]])
    np.testing.assert_allclose(result["average"], [[3.25, 5.25], [2, 2]])
    assert result["shape"] == (2, 2) and result["stride"] == 2
    overlapping = pooling_compare.pool_compare(image, 2, stride=1)
    np.testing.assert_array_equal(overlapping["max"], [[6, 7, 8], [6, 7, 8], [3, 3, 4]])


@pytest.mark.parametrize("pool_size,stride", [(1, 1), (3, 2), (4, 5), (16, 16)])
def test_pool_compare_against_loops(pool_size, stride):
    """Random images against an explicit loop over windows."""
    image = np.random.default_rng(pool_size * 10 + stride).random((17, 20))
    result = pooling_compare.pool_compare(image, pool_size, stride)
    rows = (17 - pool_size) // stride + 1
    cols = (20 - pool_size) // stride + 1
    expected_max = np.empty((rows, cols))
    expected_avg = np.empty((rows, cols))
    for i in range(rows):
        for j in range(cols):
            window = image[i * stride: i * stride + pool_size, j * stride: j * stride + pool_size]
            expected_max[i, j], expected_avg[i, j] = window.max(), window.mean()
    np.testing.assert_array_equal(result["max"], expected_max)
    np.testing.assert_allclose(result["average"], expected_avg)


def test_hopper_image_and_show():
    """The sample portrait loads as a square grayscale image; the widget runs headless."""
    image = pooling_compare.hopper_image(32)
    assert image.shape == (32, 32) and 0 <= image.min() < image.max() <= 1
    figure = pooling_compare.plot_pool_compare(image, pooling_compare.pool_compare(image, 4))
    assert len(figure.axes) == 3
    plt.close("all")
    pooling_compare.show_pooling_compare(image)
    plt.close("all")
    with pytest.raises(ValueError, match="pool_compare"):
        pooling_compare.pool_compare(np.zeros((2, 4, 4, 1)))
