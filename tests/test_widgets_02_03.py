"""The logic behind lesson 02's and 03's widgets (conv stepper, kernel picker, shape
calculator), tested without a display, and their show_ functions built headless."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest

from course_lib import layers
from course_lib.widgets import conv_stepper, kernel_picker, shape_calculator


def test_stepper_walks_the_lesson_figure():
    image, kernel = conv_stepper.EXAMPLE_IMAGE, conv_stepper.EXAMPLE_KERNEL
    first = conv_stepper.stepper_frame(image, kernel, 0)
    assert first["num_steps"] == 9 and (first["row"], first["col"]) == (0, 0)
    assert np.isnan(first["output"]).sum() == 8 and first["value"] == 4
    frame = conv_stepper.stepper_frame(image, kernel, 5)
    assert (frame["row"], frame["col"]) == (1, 2)
    np.testing.assert_array_equal(frame["window"], image[1:4, 2:5])
    np.testing.assert_array_equal(frame["products"], image[1:4, 2:5] * kernel)
    assert frame["value"] == frame["products"].sum() == 3
    last = conv_stepper.stepper_frame(image, kernel, 8)
    np.testing.assert_array_equal(last["output"], [[4, 3, 4], [2, 4, 3], [2, 3, 4]])


def test_stepper_matches_correlation_on_random_rectangles():
    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=(6, 8)), rng.normal(size=(2, 3))
    frame = conv_stepper.stepper_frame(image, kernel, 5 * 6 - 1)
    np.testing.assert_allclose(frame["output"], layers.correlate2d_single(image, kernel))


@pytest.mark.parametrize("step", [-1, 9])
def test_stepper_rejects_bad_step(step):
    with pytest.raises(ValueError, match="step"):
        conv_stepper.stepper_frame(conv_stepper.EXAMPLE_IMAGE, conv_stepper.EXAMPLE_KERNEL, step)


def test_sample_image_is_grayscale_and_downsampled():
    photo = kernel_picker.sample_image(step=4)
    assert photo.shape == (150, 128) and photo.dtype == np.float64
    assert 0.0 <= photo.min() and photo.max() <= 1.0


def test_apply_kernel_is_valid_cross_correlation():
    rng = np.random.default_rng(1)
    image = rng.normal(size=(9, 7))
    for name, kernel in kernel_picker.KERNELS.items():
        expected = layers.correlate2d_single(image, kernel)
        np.testing.assert_allclose(kernel_picker.apply_kernel(image, name), expected)
        np.testing.assert_allclose(kernel_picker.apply_kernel(image, name, relu=True),
                                   np.maximum(expected, 0))
    np.testing.assert_allclose(kernel_picker.apply_kernel(image, "identity"), image[1:-1, 1:-1])
    with pytest.raises(ValueError, match="unknown kernel"):
        kernel_picker.apply_kernel(image, "emboss")


def test_edge_kernels_detect_their_edges():
    step = np.zeros((6, 6))
    step[3:] = 1.0  # dark above, bright below: a horizontal edge
    horizontal = kernel_picker.apply_kernel(step, "horizontal edges")
    vertical = kernel_picker.apply_kernel(step, "vertical edges")
    assert np.abs(horizontal).max() == 3 and np.abs(vertical).max() == 0
    assert np.abs(kernel_picker.apply_kernel(step.T, "vertical edges")).max() == 3
    np.testing.assert_allclose(kernel_picker.apply_kernel(step, "blur").sum(axis=1),
                               [0, 4 / 3, 8 / 3, 4])


@pytest.mark.parametrize("n, f, s, p, mode, out, pads, formula", [
    (5, 3, 2, 1, "explicit", 3, (1, 1), "floor((5 - 3 + 2*1) / 2) + 1 = 3"),
    (200, 2, 2, 0, "valid", 100, (0, 0), "ceil((200 - 2 + 1) / 2) = 100"),
    (128, 3, 2, 0, "same", 64, (0, 1), "ceil(128 / 2) = 64"),
    (8, 3, 2, 3, "same", 4, (0, 1), "ceil(8 / 2) = 4"),
    (100, 2, 1, 0, "valid", 99, (0, 0), "ceil((100 - 2 + 1) / 1) = 99"),
])
def test_shape_calculation_figures(n, f, s, p, mode, out, pads, formula):
    result = shape_calculator.shape_calculation(n, f, s, p, mode)
    assert result["out"] == out and result["pads"] == pads
    assert result["formula"].startswith(formula)
    size = n + sum(pads)
    assert result["grid"].shape == (size, size)
    assert (result["grid"] > 0).sum() == n * n
    assert result["positions"] == [i * s for i in range(out)]


def test_shape_calculation_sweep_counts_the_windows():
    """Over a sweep of sizes, the output size is the number of windows that fit the padded
    grid (counted, not computed with the formula), the pads are TensorFlow's, and every
    window ends inside the grid."""
    for n in range(1, 21):
        for f in range(1, 8):
            for s in range(1, 5):
                for p in range(0, 4):
                    for mode in ("explicit", "valid", "same"):
                        result = shape_calculator.shape_calculation(n, f, s, p, mode)
                        size = result["grid"].shape[0]
                        windows = list(range(0, size - f + 1, s))
                        assert result["out"] == len(windows), (n, f, s, p, mode)
                        assert result["positions"] == windows, (n, f, s, p, mode)
                        if not windows:
                            assert "no output" in result["formula"]
                        expected_pads = {"explicit": (p, p), "valid": (0, 0)}.get(mode)
                        if mode == "same":  # TensorFlow: the odd zero after; out = ceil(n / s)
                            assert result["out"] == -(-n // s)
                            total = sum(result["pads"])
                            assert result["pads"] == (total // 2, total - total // 2)
                            assert total == max((result["out"] - 1) * s + f - n, 0)
                        else:
                            assert result["pads"] == expected_pads, (n, f, s, p, mode)


def test_shape_calculation_rejects_bad_input():
    with pytest.raises(ValueError, match="mode"):
        shape_calculator.shape_calculation(5, 3, 1, 0, "full")
    with pytest.raises(ValueError, match="stride"):
        shape_calculator.shape_calculation(5, 3, 0, 0, "valid")


def test_show_functions_build_headless():
    """The lesson 02-03 widgets build without a display, with the controls the lessons name."""
    import ipywidgets  # noqa: F401 (a pinned dependency: fail, never skip)
    import matplotlib.pyplot as plt

    image, kernel = conv_stepper.EXAMPLE_IMAGE, conv_stepper.EXAMPLE_KERNEL
    slider = conv_stepper.show_conv_stepper()
    assert slider.max == conv_stepper.stepper_frame(image, kernel, 0)["num_steps"] - 1
    slider.value = 4
    figure = conv_stepper.draw_frame(image, kernel, 8)
    frame = conv_stepper.stepper_frame(image, kernel, 8)
    assert len(figure.axes) == 4
    assert figure.axes[2].get_title() == f"products, sum = {frame['value']:g}"
    picker = kernel_picker.show_kernel_picker(np.random.default_rng(2).random((20, 16)))
    calculator = shape_calculator.show_shape_calculator()
    for shown, controls in ((picker, {"kernel", "ReLU"}), (calculator, {"H", "F", "S", "P",
                                                                        "padding"})):
        names = {getattr(child, "description", None) for child in shown.widget.children}
        assert controls <= names, names
    plt.close("all")
