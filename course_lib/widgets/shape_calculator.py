"""A shape calculator: the output size of a convolution along one axis, explained.

``shape_calculation(n, f, stride, padding, mode)`` returns the numbers, the formula
with the numbers filled in, and the padded grid (0 = added zero, 1 = input pixel,
2 = input pixel under the first window position); ``show_shape_calculator()``
wires it to sliders for H, F, S, P and the padding mode.

The formulas, computed by course_lib.shapes and written out here with the numbers:
- mode "explicit" (an int P on every side):  floor((H - F + 2P) / S) + 1
- mode "valid" (Keras):                       ceil((H - F + 1) / S)
- mode "same" (Keras / TensorFlow):           ceil(H / S), total padding
  max((out - 1) * S + F - H, 0), the odd zero at the bottom/right

Introduced in lesson 03.
"""

import numpy as np

from course_lib import shapes

MODES = ("explicit", "valid", "same")


def shape_calculation(n, f, stride=1, padding=0, mode="explicit"):
    """Output size, filled-in formula and padded grid of a square convolution.

    Inputs:
    - n: input height (= width), an int >= 1
    - f: kernel size, an int >= 1
    - stride: an int >= 1
    - padding: zeros on each side, an int >= 0, used only when mode == "explicit"
    - mode: "explicit", "valid" or "same"

    Returns a dict with:
    - "out": the output size (0 when the kernel does not fit)
    - "pads": (before, after), zeros added at the top/left and bottom/right
    - "formula": a string such as "floor((32 - 3 + 2*1) / 2) + 1 = 16"
    - "grid": int array of shape (n + before + after, n + before + after):
      0 for padding, 1 for input pixels, 2 for pixels under the first window
    - "positions": the top-left offsets of the windows along one axis, in the padded grid

    Introduced in lesson 03.
    """
    if mode not in MODES:
        raise ValueError(f"shape_calculation: mode must be one of {MODES}, got {mode!r}")
    for name, value, low in (("n", n, 1), ("f", f, 1), ("stride", stride, 1),
                             ("padding", padding, 0)):
        if not isinstance(value, (int, np.integer)) or value < low:
            raise ValueError(f"shape_calculation: {name} must be an int >= {low}, got {value!r}")
    keras_padding = padding if mode == "explicit" else mode
    pads = shapes.padding_amounts(n, f, stride, keras_padding)
    fits = n + sum(pads) >= f
    out = shapes.conv_output_size(n, f, stride, keras_padding) if fits else 0
    if mode == "explicit":
        formula = f"floor(({n} - {f} + 2*{padding}) / {stride}) + 1 = {out}"
    elif mode == "valid":
        formula = f"ceil(({n} - {f} + 1) / {stride}) = {out}"
    else:
        formula = (f"ceil({n} / {stride}) = {out}; padding max(({out} - 1)*{stride} + {f} - {n}, 0)"
                   f" = {sum(pads)}: {pads[0]} before, {pads[1]} after")
    if out == 0:
        formula += "  (the kernel is larger than the padded input: no output)"
    size = n + pads[0] + pads[1]
    grid = np.zeros((size, size), dtype=int)
    grid[pads[0]:pads[0] + n, pads[0]:pads[0] + n] = 1
    if out > 0:
        window = grid[:f, :f]
        window[window == 1] = 2
    positions = [index * stride for index in range(out)]
    return {"out": out, "pads": pads, "formula": formula, "grid": grid, "positions": positions}


def draw_calculation(result, f, axis=None):
    """Draw the padded grid, the first window (the whole F x F square, padding included)
    and the window positions along the top."""
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    if axis is None:
        _, axis = plt.subplots(figsize=(4.2, 4.2))
    grid = result["grid"]
    axis.imshow(grid, cmap=ListedColormap(["0.85", "white", "#9ecae1"]), vmin=0, vmax=2)
    size = grid.shape[0]
    axis.set_xticks(np.arange(-0.5, size, 1), minor=True)
    axis.set_yticks(np.arange(-0.5, size, 1), minor=True)
    axis.grid(which="minor", color="0.5", linewidth=0.5)
    axis.tick_params(which="both", length=0, labelbottom=False, labelleft=False)
    if result["out"] > 0:  # the first window: all F x F cells, zeros of the padding included
        axis.add_patch(plt.Rectangle((-0.5, -0.5), f, f, fill=False, edgecolor="C3",
                                     linewidth=2.5))
    # one red bar above the grid per window position, staggered so that overlaps show
    for index, position in enumerate(result["positions"]):
        height = -0.9 - 0.45 * index
        axis.plot([position - 0.4, position + f - 0.6], [height, height], color="C3",
                  linewidth=2.5, solid_capstyle="butt")
    axis.set_ylim(size - 0.5, -1.3 - 0.45 * max(len(result["positions"]), 1))
    axis.set_xlim(-0.5, size - 0.5)
    axis.set_title(f"output {result['out']} x {result['out']}", fontsize=10)
    return axis


def show_shape_calculator():
    """Show sliders for H, F, S, P and the padding mode, with the formula and the grid.

    Introduced in lesson 03.
    """
    import ipywidgets
    import matplotlib.pyplot as plt

    def draw(H, F, S, P, mode):
        result = shape_calculation(H, F, S, P, mode)
        print(result["formula"])
        figure, axis = plt.subplots(figsize=(4.2, 4.2))
        draw_calculation(result, F, axis)
        plt.show()
        plt.close(figure)

    slider = dict(continuous_update=False)
    return ipywidgets.interact(
        draw,
        H=ipywidgets.IntSlider(value=7, min=1, max=20, description="H", **slider),
        F=ipywidgets.IntSlider(value=3, min=1, max=7, description="F", **slider),
        S=ipywidgets.IntSlider(value=2, min=1, max=4, description="S", **slider),
        P=ipywidgets.IntSlider(value=1, min=0, max=3, description="P", **slider),
        mode=ipywidgets.Dropdown(options=list(MODES), value="explicit", description="padding"),
    )
