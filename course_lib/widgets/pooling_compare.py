"""Lesson 05 widget: max pooling and average pooling side by side, same input.

``pool_compare(image, pool_size, stride)`` is the plain logic (a dict of arrays);
``show_pooling_compare()`` puts sliders for the window and the stride on it.

Introduced in lesson 05.
"""

import matplotlib.pyplot as plt
import numpy as np

from course_lib import layers


def hopper_image(size=64):
    """Grace Hopper's portrait (ships with matplotlib), grayscale in [0, 1], size x size.

    Introduced in lesson 05.
    """
    from matplotlib import cbook

    with cbook.get_sample_data("grace_hopper.jpg") as file:
        rgb = plt.imread(file).astype(float) / 255.0
    gray = rgb[..., :3] @ np.array([0.299, 0.587, 0.114])
    height, width = gray.shape
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    square = gray[top: top + side, left: left + side]
    block = side // size
    square = square[: block * size, : block * size]
    return square.reshape(size, block, size, block).mean(axis=(1, 3))


def pool_compare(image, pool_size=2, stride=None):
    """Max and average pooling of one grayscale image ("valid" padding).

    Inputs:
    - image: of shape (H, W)
    - pool_size: window size, an int
    - stride: an int, or None for stride = pool_size

    Returns a dict with:
    - "max": the max-pooled image, of shape (H_out, W_out)
    - "average": the average-pooled image, of shape (H_out, W_out)
    - "shape": (H_out, W_out), with H_out = (H - pool_size) // stride + 1
    - "stride": the stride used

    Introduced in lesson 05.
    """
    image = np.asarray(image, dtype=float)
    if image.ndim != 2:
        raise ValueError(f"pool_compare: image must have shape (H, W), got {image.shape}")
    stride = pool_size if stride is None else stride
    batch = image[None, :, :, None]
    maximum, _ = layers.max_pool2d_forward(batch, pool_size, stride)
    average, _ = layers.avg_pool2d_forward(batch, pool_size, stride)
    return {"max": maximum[0, :, :, 0], "average": average[0, :, :, 0],
            "shape": maximum.shape[1:3], "stride": stride}


def plot_pool_compare(image, result, figure=None):
    """Three panels: the input, its max pooling and its average pooling."""
    figure = figure or plt.figure(figsize=(10, 3.4))
    axes = figure.subplots(1, 3)
    panels = [(image, f"input {image.shape[0]}×{image.shape[1]}"),
              (result["max"], "max pooling {}×{}".format(*result["shape"])),
              (result["average"], "average pooling {}×{}".format(*result["shape"]))]
    for axis, (values, title) in zip(axes, panels):
        axis.imshow(values, cmap="gray", vmin=0, vmax=1)
        axis.set_title(title)
        axis.axis("off")
    figure.tight_layout()
    return figure


def show_pooling_compare(image=None):
    """Display max vs average pooling of `image` (default: Hopper 64×64) with sliders.

    Introduced in lesson 05.
    """
    import ipywidgets as widgets

    image = hopper_image() if image is None else np.asarray(image, dtype=float)

    def draw(pool_size, stride):
        plot_pool_compare(image, pool_compare(image, pool_size, stride))
        plt.show()

    controls = widgets.interactive(
        draw,
        pool_size=widgets.IntSlider(value=2, min=1, max=16, description="pool size", style={"description_width": "initial"}),
        stride=widgets.IntSlider(value=2, min=1, max=16, description="stride"),
    )
    from IPython.display import display

    display(controls)
