"""The logic behind the lesson 07 and 09 widgets, without a display."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib.widgets import dropout_mask, sgd_playground  # noqa: E402


def test_dropout_demo_mask_scale_and_mean():
    """The mask is the course's mask, kept units are scaled, the mean is about unchanged."""
    result = dropout_mask.dropout_demo(0.45, seed=3, shape=(40, 40))
    keep = np.random.default_rng(3).random((40, 40)) >= 0.45
    np.testing.assert_array_equal(result["mask"], keep)
    np.testing.assert_allclose(result["out"], np.where(keep, result["x"] / 0.55, 0))
    assert result["scale"] == pytest.approx(1 / 0.55)
    assert abs(result["kept_fraction"] - 0.55) < 0.05
    assert abs(result["mean_out"] - result["mean_in"]) < 0.08
    inference = dropout_mask.dropout_demo(0.45, training=False)
    np.testing.assert_array_equal(inference["out"], inference["x"])
    assert inference["kept_fraction"] == 1.0 and inference["scale"] == 1.0


def test_dropout_plot_and_show():
    """Three panels (two colour bars, a legend on the mask); show_dropout_mask runs headless."""
    figure = dropout_mask.plot_dropout_demo(dropout_mask.dropout_demo(0.3), 0.3)
    panels = [axis for axis in figure.axes if axis.images]
    assert len(panels) == 3
    labels = [text.get_text() for text in panels[1].get_legend().get_texts()]
    assert labels == ["kept (1)", "dropped (0)"]
    plt.close("all")
    dropout_mask.show_dropout_mask()
    plt.close("all")


def test_gradient_descent_on_the_parabola():
    """y = x^2 - x - 1 from -0.5: gradient -2.0, next x -0.48, minimum x = 0.5, y = -1.25."""
    def gradient(x):
        return 2 * x - 1

    assert gradient(-0.5) == -2.0
    path = sgd_playground.gradient_descent_1d(gradient, -0.5, 0.01, 2000)
    assert path.shape == (2001,) and path[0] == -0.5
    assert path[1] == pytest.approx(-0.48)
    assert path[-1] == pytest.approx(0.5, abs=1e-9)
    assert path[-1] ** 2 - path[-1] - 1 == pytest.approx(-1.25)
    bouncing = sgd_playground.gradient_descent_1d(gradient, -0.5, 0.9, 5)
    assert np.all(np.diff(np.sign(bouncing - 0.5)) != 0)          # overshoots every step
    assert abs(sgd_playground.gradient_descent_1d(gradient, -0.5, 1.1, 30)[-1]) > 10


def test_sgd_fit_line_steps_and_convergence():
    """ceil(N / batch) steps per epoch; a sensible rate recovers y = 2x - 1; a huge one diverges."""
    result = sgd_playground.sgd_fit_line(0.1, 8, num_epochs=20)
    assert result["steps_per_epoch"] == 8
    assert result["w"].shape == result["step_loss"].shape == (20 * 8 + 1,)
    assert result["epoch_loss"].shape == (20,)
    assert result["w"][-1] == pytest.approx(2.0, abs=0.2)
    assert result["b"][-1] == pytest.approx(-1.0, abs=0.2)
    assert result["step_loss"][-1] < 0.2 < result["step_loss"][0]
    assert sgd_playground.sgd_fit_line(0.1, 10)["steps_per_epoch"] == 7
    x, y = sgd_playground.line_data()
    w, b = np.polyfit(x, y, 1)
    full = sgd_playground.sgd_fit_line(0.5, 64, num_epochs=400)
    assert full["w"][-1] == pytest.approx(w, abs=1e-6) and full["b"][-1] == pytest.approx(b, abs=1e-6)
    diverged = sgd_playground.sgd_fit_line(5.0, 64, num_epochs=40)
    assert not np.isfinite(diverged["step_loss"][-1]) or diverged["step_loss"][-1] > 1e6
    with pytest.raises(ValueError, match="batch_size"):
        sgd_playground.sgd_fit_line(0.1, 0)


def test_sgd_plot_and_show():
    """Two panels, also for a diverged fit; show_sgd_playground runs headless."""
    figure = sgd_playground.plot_sgd_fit(sgd_playground.sgd_fit_line(0.1, 4, 3))
    assert len(figure.axes) == 2
    sgd_playground.plot_sgd_fit(sgd_playground.sgd_fit_line(5.0, 64, 40))
    plt.close("all")
    sgd_playground.show_sgd_playground()
    plt.close("all")
