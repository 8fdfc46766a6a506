"""Several filters' responses on one image, side by side, each with its colour scale.

Introduced in lesson 02.
"""

import numpy as np

from course_lib.layers import conv


def filter_responses(image, kernels):
    """Apply several 2-D kernels to one grayscale image as one conv layer.

    Inputs:
    - image: of shape (H, W)
    - kernels: list of K arrays, each of shape (KH, KW) (all the same size)

    Returns:
    - maps: of shape (H - KH + 1, W - KW + 1, K), the "valid" feature maps of
      course_lib's conv2d_forward with the K kernels stacked as (KH, KW, 1, K)

    Introduced in lesson 02.
    """
    image = np.asarray(image, dtype=float)
    if image.ndim != 2:
        raise ValueError(f"filter_responses: expected a grayscale image (H, W), got {image.shape}")
    shapes = {np.shape(kernel) for kernel in kernels}
    if len(shapes) != 1 or len(next(iter(shapes))) != 2:
        raise ValueError(f"filter_responses: expected kernels of one shape (KH, KW), got {shapes}")
    weights = np.stack([np.asarray(kernel, dtype=float) for kernel in kernels], axis=-1)[:, :, None, :]
    maps, _ = conv.conv2d_forward(image[None, :, :, None], weights, np.zeros(len(kernels)))
    return maps[0]


def draw_filter_responses(image, kernels, titles):
    """The image, then one feature map per kernel, each with a colorbar.

    Signed maps use a diverging colour map centred on 0 (red positive, blue
    negative); maps with no negative value use gray.

    Inputs:
    - image: of shape (H, W)
    - kernels: list of K arrays of shape (KH, KW)
    - titles: list of K strings

    Returns:
    - figure: a matplotlib Figure with K + 1 panels

    Introduced in lesson 02.
    """
    import matplotlib.pyplot as plt

    maps = filter_responses(image, kernels)
    panels = [(np.asarray(image, dtype=float), "input")] + [
        (maps[:, :, k], title) for k, title in enumerate(titles)]
    columns = min(4, len(panels))
    rows = -(-len(panels) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(3.4 * columns, 3.3 * rows), squeeze=False)
    for axis in axes.flat[len(panels):]:
        axis.axis("off")
    for axis, (values, title) in zip(axes.flat, panels):
        if values.min() < 0:
            limit = np.abs(values).max()
            shown = axis.imshow(values, cmap="RdBu_r", vmin=-limit, vmax=limit)
        else:
            shown = axis.imshow(values, cmap="gray")
        figure.colorbar(shown, ax=axis, fraction=0.046, pad=0.04)
        axis.set_title(title, fontsize=10)
        axis.set_xticks([])
        axis.set_yticks([])
    figure.tight_layout()
    return figure
