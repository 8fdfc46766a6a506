"""A convolution stepper: slide a kernel over an image one output pixel at a time.

``stepper_frame(image, kernel, step)`` returns what the picture shows at one step
(the window under the kernel, the element-wise products, their sum, and the output
filled in so far); ``show_conv_stepper()`` draws it with a slider.

The sliding is cross-correlation (no flip), as in deep-learning layers.

Introduced in lesson 02.
"""

import numpy as np

EXAMPLE_IMAGE = np.array([[1, 1, 1, 0, 0],
                          [0, 1, 1, 1, 0],
                          [0, 0, 1, 1, 1],
                          [0, 0, 1, 1, 0],
                          [0, 1, 1, 0, 0]], dtype=float)
EXAMPLE_KERNEL = np.array([[1, 0, 1],
                           [0, 1, 0],
                           [1, 0, 1]], dtype=float)


def stepper_frame(image, kernel, step):
    """What the stepper shows after `step` + 1 output pixels have been computed.

    Inputs:
    - image: of shape (H, W)
    - kernel: of shape (KH, KW), no larger than the image
    - step: index of the current output pixel in row-major order,
      0 <= step < H_out * W_out with H_out = H - KH + 1, W_out = W - KW + 1

    Returns a dict with:
    - "row", "col": the current output pixel (= top-left corner of the window)
    - "window": the image patch under the kernel, of shape (KH, KW)
    - "products": window * kernel, of shape (KH, KW)
    - "value": products.sum(), the current output pixel
    - "output": of shape (H_out, W_out), pixels 0..step filled, the rest NaN
    - "num_steps": H_out * W_out

    Introduced in lesson 02.
    """
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(f"stepper_frame: image and kernel must be 2-D, got shapes "
                         f"{image.shape} and {kernel.shape}")
    kernel_h, kernel_w = kernel.shape
    out_h, out_w = image.shape[0] - kernel_h + 1, image.shape[1] - kernel_w + 1
    if out_h < 1 or out_w < 1:
        raise ValueError(f"stepper_frame: kernel {kernel.shape} is larger than image "
                         f"{image.shape}")
    num_steps = out_h * out_w
    if not 0 <= step < num_steps:
        raise ValueError(f"stepper_frame: step must be in 0..{num_steps - 1}, got {step}")
    output = np.full((out_h, out_w), np.nan)
    for index in range(step + 1):
        r, c = divmod(index, out_w)
        output[r, c] = np.sum(image[r:r + kernel_h, c:c + kernel_w] * kernel)
    row, col = divmod(step, out_w)
    window = image[row:row + kernel_h, col:col + kernel_w].copy()
    products = window * kernel
    return {"row": row, "col": col, "window": window, "products": products,
            "value": float(products.sum()), "output": output, "num_steps": num_steps}


def _grid(axis, values, title, highlight=None, cmap="Blues", vmin=None, vmax=None):
    """Draw a small matrix with its numbers; highlight = (row, col, height, width)."""
    import matplotlib.patches as patches

    shown = np.ma.masked_invalid(values)
    axis.imshow(shown, cmap=cmap, vmin=vmin, vmax=vmax, alpha=0.55)
    for (r, c), value in np.ndenumerate(values):
        if np.isfinite(value):
            axis.text(c, r, f"{value:g}", ha="center", va="center", fontsize=10)
    if highlight is not None:
        row, col, height, width = highlight
        axis.add_patch(patches.Rectangle((col - 0.5, row - 0.5), width, height, fill=False,
                                         edgecolor="C3", linewidth=2.5))
    axis.set_xticks([])
    axis.set_yticks([])
    axis.set_title(title, fontsize=10)


def draw_frame(image, kernel, step, figure=None):
    """Draw one step of the stepper in four panels; returns the figure."""
    import matplotlib.pyplot as plt

    frame = stepper_frame(image, kernel, step)
    kernel = np.asarray(kernel, dtype=float)
    if figure is None:
        figure = plt.figure(figsize=(11, 2.9))
    axes = figure.subplots(1, 4)
    _grid(axes[0], np.asarray(image, dtype=float), "image and window",
          highlight=(frame["row"], frame["col"], *kernel.shape))
    _grid(axes[1], kernel, "kernel", cmap="Oranges")
    _grid(axes[2], frame["products"], f"products, sum = {frame['value']:g}", cmap="Greens")
    _grid(axes[3], frame["output"], f"output [{frame['row']}, {frame['col']}]",
          highlight=(frame["row"], frame["col"], 1, 1), cmap="Purples",
          vmin=np.nanmin(frame["output"]), vmax=np.nanmax(frame["output"]) + 1e-9)
    figure.tight_layout()
    return figure


def show_conv_stepper(image=EXAMPLE_IMAGE, kernel=EXAMPLE_KERNEL):
    """Show a slider that moves the kernel over the image, one output pixel per step.

    Introduced in lesson 02.
    """
    import ipywidgets
    import matplotlib.pyplot as plt
    from IPython.display import display

    num_steps = stepper_frame(image, kernel, 0)["num_steps"]
    slider = ipywidgets.IntSlider(value=0, min=0, max=num_steps - 1, description="step",
                                  continuous_update=False)
    output = ipywidgets.Output()

    def redraw(change=None):
        with output:
            output.clear_output(wait=True)
            figure = draw_frame(image, kernel, slider.value)
            plt.show()
            plt.close(figure)

    slider.observe(redraw, names="value")
    display(ipywidgets.VBox([slider, output]))
    redraw()
    return slider
