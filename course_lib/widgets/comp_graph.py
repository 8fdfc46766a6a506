"""Lesson 06 pictures: a convolution as a computational graph, and where dx comes from.

Plain logic (testable without a display):

- ``conv1d_graph(n_inputs, kernel_size, stride)``: the edges of a 1-D convolution's graph,
  one (input, output, weight) triple per multiplication;
- ``fan_out(height, width, kernel_size, stride, padding, pixel)``: the output pixels that
  one input pixel feeds, and through which kernel entry. The backward pass sends the
  gradient back along exactly these edges: dx[pixel] = sum of w[i, j] * dout[r, c].

Drawing: ``plot_conv1d_graph`` and ``plot_fan_out``; ``show_fan_out()`` adds sliders.

Introduced in lesson 06.
"""

import matplotlib.pyplot as plt
import numpy as np

from course_lib import shapes


def _output_size(size, kernel_size, stride, padding):
    """shapes.conv_output_size for an int padding, with the widget's own error message."""
    try:
        return shapes.conv_output_size(size, kernel_size, stride, padding)
    except ValueError as error:
        raise ValueError(f"the window does not fit: {error}") from None


def conv1d_graph(n_inputs, kernel_size, stride=1):
    """The computational graph of a 1-D cross-correlation with "valid" padding.

    Inputs:
    - n_inputs: length of the input
    - kernel_size: length of the kernel
    - stride: step between windows

    Returns a dict with:
    - "n_inputs", "n_outputs": the sizes, n_outputs = (n_inputs - kernel_size) // stride + 1
    - "edges": list of (input index, output index, weight index), one per product
      x[input] * w[weight] that is added into out[output]

    Introduced in lesson 06.
    """
    n_outputs = _output_size(n_inputs, kernel_size, stride, 0)
    edges = [(r * stride + i, r, i) for r in range(n_outputs) for i in range(kernel_size)]
    return {"n_inputs": n_inputs, "n_outputs": n_outputs, "edges": edges}


def fan_out(height, width, kernel_size, stride=1, padding=0, pixel=(0, 0)):
    """The output pixels that input pixel `pixel` contributes to, single channel.

    Inputs:
    - height, width: input size
    - kernel_size: the kernel is kernel_size x kernel_size
    - stride: step between windows
    - padding: zeros added on every side (an int)
    - pixel: (row, column) of the input pixel

    Returns a dict with:
    - "out_size": (H_out, W_out)
    - "edges": list of ((r, c), (i, j)): output pixel (r, c) read the input pixel through
      kernel entry w[i, j], so dx[pixel] = sum over edges of w[i, j] * dout[r, c]

    Introduced in lesson 06.
    """
    out_h = _output_size(height, kernel_size, stride, padding)
    out_w = _output_size(width, kernel_size, stride, padding)
    row, column = pixel
    if not (0 <= row < height and 0 <= column < width):
        raise ValueError(f"fan_out: pixel {pixel} is outside the {height}x{width} input")
    edges = []
    for r in range(out_h):
        for c in range(out_w):
            i, j = row + padding - r * stride, column + padding - c * stride
            if 0 <= i < kernel_size and 0 <= j < kernel_size:
                edges.append(((r, c), (i, j)))
    return {"out_size": (out_h, out_w), "edges": edges}


def plot_conv1d_graph(graph, axis=None):
    """Draw a conv1d_graph: inputs on the left, outputs on the right, edges labeled w_i."""
    axis = axis or plt.gca()
    n_in, n_out = graph["n_inputs"], graph["n_outputs"]
    in_y = np.linspace(1, 0, n_in)
    out_y = np.linspace(1, 0, n_out + 2)[1:-1] if n_out > 1 else np.array([0.5])
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for source, target, weight in graph["edges"]:
        axis.plot([0, 1], [in_y[source], out_y[target]], color=colors[weight % len(colors)],
                  linewidth=1.6, zorder=1)
        axis.text(0.22, in_y[source] + 0.22 * (out_y[target] - in_y[source]), f"w{weight}",
                  fontsize=8, color=colors[weight % len(colors)], ha="center", va="center",
                  bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
    axis.scatter(np.zeros(n_in), in_y, s=420, color="white", edgecolor="black", zorder=2)
    axis.scatter(np.ones(n_out), out_y, s=420, color="white", edgecolor="black", zorder=2)
    for index, y in enumerate(in_y):
        axis.text(0, y, f"x{index}", ha="center", va="center", fontsize=9, zorder=3)
    for index, y in enumerate(out_y):
        axis.text(1, y, f"out{index}", ha="center", va="center", fontsize=7, zorder=3)
        axis.text(1.12, y, "+ b", ha="left", va="center", fontsize=9)
    axis.set_xlim(-0.2, 1.35)
    axis.set_ylim(-0.1, 1.1)
    axis.axis("off")
    return axis


def plot_fan_out(height, width, kernel_size, stride, padding, pixel, figure=None):
    """Two grids: the input with `pixel` marked, the output with the pixels it feeds."""
    result = fan_out(height, width, kernel_size, stride, padding, pixel)
    figure = figure or plt.figure(figsize=(8, 3.6))
    left, right = figure.subplots(1, 2)
    image = np.zeros((height, width))
    image[pixel] = 1
    left.imshow(image, cmap="Blues", vmin=0, vmax=1.5)
    left.set_title(f"input {height}×{width} (padding {padding}): x{list(pixel)}")
    out_h, out_w = result["out_size"]
    grid = np.zeros((out_h, out_w))
    for (r, c), (i, j) in result["edges"]:
        grid[r, c] = 1
        right.text(c, r, f"w[{i},{j}]", ha="center", va="center", fontsize=8)
    right.imshow(grid, cmap="Oranges", vmin=0, vmax=1.5)
    right.set_title(f"output {out_h}×{out_w}: {len(result['edges'])} pixels read it")
    for axis in (left, right):
        axis.set_xticks([])
        axis.set_yticks([])
    figure.suptitle("dx[pixel] = sum over the orange pixels of w[i, j] · dout[r, c]",
                    fontsize=10)
    figure.tight_layout()
    return figure


def show_fan_out(height=6, width=6):
    """Sliders: pick an input pixel, kernel, stride, padding; see where its gradient comes from.

    Introduced in lesson 06.
    """
    import ipywidgets as widgets
    from IPython.display import display

    def draw(row, column, kernel_size, stride, padding):
        try:
            plot_fan_out(height, width, kernel_size, stride, padding, (row, column))
            plt.show()
        except ValueError as error:
            print(error)

    controls = widgets.interactive(
        draw,
        row=widgets.IntSlider(value=2, min=0, max=height - 1, description="row"),
        column=widgets.IntSlider(value=2, min=0, max=width - 1, description="column"),
        kernel_size=widgets.IntSlider(value=3, min=1, max=5, description="kernel"),
        stride=widgets.IntSlider(value=1, min=1, max=3, description="stride"),
        padding=widgets.IntSlider(value=0, min=0, max=2, description="padding"),
    )
    display(controls)
