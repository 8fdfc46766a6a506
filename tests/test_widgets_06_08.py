"""The logic behind the lesson 06 and 08 pictures and widgets, without a display."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import layers  # noqa: E402
from course_lib.widgets import bn_distributions, comp_graph  # noqa: E402


def test_conv1d_graph_edges_are_the_products_of_np_correlate():
    """Summing x[i] * w[k] along the graph's edges reproduces np.correlate (valid)."""
    rng = np.random.default_rng(0)
    for n, f, stride in [(6, 3, 1), (7, 3, 2), (5, 5, 1), (9, 2, 3)]:
        graph = comp_graph.conv1d_graph(n, f, stride)
        x, w = rng.normal(size=n), rng.normal(size=f)
        out = np.zeros(graph["n_outputs"])
        for source, target, weight in graph["edges"]:
            out[target] += x[source] * w[weight]
        np.testing.assert_allclose(out, np.correlate(x, w, mode="valid")[::stride])
        assert len(graph["edges"]) == graph["n_outputs"] * f
    with pytest.raises(ValueError, match="does not fit"):
        comp_graph.conv1d_graph(2, 3)


@pytest.mark.parametrize("size, kernel, stride, padding", [(6, 3, 1, 0), (7, 3, 2, 1),
                                                           (5, 2, 3, 0), (4, 3, 1, 1)])
def test_fan_out_gives_dx_of_a_single_channel_convolution(size, kernel, stride, padding):
    """sum over fan_out edges of w[i, j] * dout[r, c] equals course_lib's dx at every pixel."""
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, size, size, 1))
    w = rng.normal(size=(kernel, kernel, 1, 1))
    out, cache = layers.conv2d_forward(x, w, np.zeros(1), stride, padding)
    dout = rng.normal(size=out.shape)
    dx = layers.conv2d_backward(dout, cache)[0][0, :, :, 0]
    for row in range(size):
        for column in range(size):
            result = comp_graph.fan_out(size, size, kernel, stride, padding, (row, column))
            assert result["out_size"] == out.shape[1:3]
            total = sum(w[i, j, 0, 0] * dout[0, r, c, 0] for (r, c), (i, j) in result["edges"])
            np.testing.assert_allclose(total, dx[row, column], atol=1e-12)


def test_fan_out_corner_and_bad_pixel():
    """A corner pixel feeds one window (stride 1, no padding); a pixel outside raises."""
    assert comp_graph.fan_out(5, 5, 3, 1, 0, (0, 0))["edges"] == [((0, 0), (0, 0))]
    assert len(comp_graph.fan_out(5, 5, 3, 1, 0, (2, 2))["edges"]) == 9
    with pytest.raises(ValueError, match="outside"):
        comp_graph.fan_out(5, 5, 3, 1, 0, (5, 0))


def test_comp_graph_plots_and_show():
    """The drawing functions and show_fan_out run headless."""
    figure, axis = plt.subplots()
    comp_graph.plot_conv1d_graph(comp_graph.conv1d_graph(6, 3), axis)
    assert len(axis.lines) == 12
    comp_graph.plot_fan_out(6, 6, 3, 2, 1, (2, 3))
    comp_graph.show_fan_out()
    plt.close("all")


def test_mlp_activations_shapes_and_batchnorm_statistics():
    """Batchnorm before the activation gives every layer's pre-activations mean 0, var ~1."""
    outputs = bn_distributions.mlp_activations(depth=4, width=32, batch=64, activation="relu",
                                               batchnorm="after")
    assert len(outputs) == 4 and all(a.shape == (64, 32) for a in outputs)
    for a in outputs:  # normalized after the ReLU: per-unit mean 0, variance var/(var+eps)
        np.testing.assert_allclose(a.mean(axis=0), 0, atol=1e-10)
        variance = a.var(axis=0)
        assert np.all(variance < 1) and np.all(variance > 0.9)
    same = bn_distributions.mlp_activations(depth=4, width=32, batch=64, activation="relu",
                                            batchnorm="after")
    np.testing.assert_array_equal(outputs[-1], same[-1])
    with pytest.raises(ValueError, match="activation"):
        bn_distributions.mlp_activations(activation="sigmoid")
    with pytest.raises(ValueError, match="batchnorm"):
        bn_distributions.mlp_activations(batchnorm="middle")


def test_batchnorm_prevents_saturation_and_vanishing():
    """Large weights saturate tanh and small ones shrink it; batchnorm before tanh fixes both."""
    large = bn_distributions.activation_stats(
        bn_distributions.mlp_activations(6, weight_scale=2.5))
    fixed = bn_distributions.activation_stats(
        bn_distributions.mlp_activations(6, weight_scale=2.5, batchnorm="before"))
    assert np.all(large["saturated"] > 0.15) and np.all(fixed["saturated"] < 0.03)
    small = bn_distributions.activation_stats(
        bn_distributions.mlp_activations(6, weight_scale=0.5))
    assert small["std"][-1] < 0.05 * small["std"][0] * 2 and small["std"][-1] < 0.05
    np.testing.assert_allclose(fixed["std"], fixed["std"][0], rtol=0.05)
    relu = bn_distributions.activation_stats(
        bn_distributions.mlp_activations(3, activation="relu", batchnorm="before"), "relu")
    np.testing.assert_allclose(relu["saturated"], 0.5, atol=0.05)


def test_bn_plots_and_show():
    """The histogram grid has 2 x depth panels; show_bn_distributions runs headless."""
    figure = bn_distributions.plot_bn_distributions(depth=3, weight_scale=1.0, activation="relu",
                                                    placement="after")
    assert len(figure.axes) == 6
    bn_distributions.show_bn_distributions()
    plt.close("all")
