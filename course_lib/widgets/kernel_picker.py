"""A kernel picker: apply a classic 3x3 kernel (edges, blur, sharpen) to a real photo.

``sample_image()`` loads the grayscale photo that ships with matplotlib (no
download); ``apply_kernel(image, name)`` filters it (valid cross-correlation, as a
conv layer does, optionally followed by ReLU); ``show_kernel_picker()`` adds a
drop-down and a ReLU check box.

Introduced in lesson 02.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

KERNELS = {
    "horizontal edges": np.array([[1, 1, 1],
                                  [0, 0, 0],
                                  [-1, -1, -1]], dtype=float),
    "vertical edges": np.array([[1, 0, -1],
                                [1, 0, -1],
                                [1, 0, -1]], dtype=float),
    "outline": np.array([[-1, -1, -1],
                         [-1, 8, -1],
                         [-1, -1, -1]], dtype=float),
    "blur": np.full((3, 3), 1 / 9),
    "sharpen": np.array([[0, -1, 0],
                         [-1, 5, -1],
                         [0, -1, 0]], dtype=float),
    "identity": np.array([[0, 0, 0],
                          [0, 1, 0],
                          [0, 0, 0]], dtype=float),
}


def sample_image(step=4):
    """The grayscale Grace Hopper photo shipped with matplotlib, values in [0, 1].

    Inputs:
    - step: keep every step-th row and column (4 gives 150 x 128 pixels)

    Returns:
    - image: of shape (ceil(600 / step), ceil(512 / step)), float64

    Introduced in lesson 02.
    """
    import matplotlib.cbook
    import matplotlib.pyplot as plt

    with matplotlib.cbook.get_sample_data("grace_hopper.jpg") as file:
        rgb = plt.imread(file, format="jpg")
    gray = rgb[..., :3].astype(float) @ np.array([0.299, 0.587, 0.114]) / 255.0
    return np.ascontiguousarray(gray[::step, ::step])


def apply_kernel(image, kernel, relu=False):
    """Filter a grayscale image with a kernel (valid cross-correlation, no flip).

    Inputs:
    - image: of shape (H, W)
    - kernel: a name from KERNELS or an array of shape (KH, KW)
    - relu: if True, negative responses become 0

    Returns:
    - out: of shape (H - KH + 1, W - KW + 1)

    Introduced in lesson 02.
    """
    if isinstance(kernel, str):
        if kernel not in KERNELS:
            raise ValueError(f"apply_kernel: unknown kernel {kernel!r}; expected one of "
                             f"{sorted(KERNELS)}")
        kernel = KERNELS[kernel]
    image = np.asarray(image, dtype=float)
    kernel = np.asarray(kernel, dtype=float)
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(f"apply_kernel: image and kernel must be 2-D, got shapes "
                         f"{image.shape} and {kernel.shape}")
    out = np.einsum("rcij,ij->rc", sliding_window_view(image, kernel.shape), kernel)
    return np.maximum(out, 0) if relu else out


def show_kernel_picker(image=None):
    """Show a drop-down of kernels and the filtered photo next to the original.

    Introduced in lesson 02.
    """
    import ipywidgets
    import matplotlib.pyplot as plt

    if image is None:
        image = sample_image()

    def draw(kernel_name, relu):
        kernel = KERNELS[kernel_name]
        filtered = apply_kernel(image, kernel, relu=relu)
        figure, axes = plt.subplots(1, 3, figsize=(10, 3.6),
                                    gridspec_kw={"width_ratios": [3, 1.2, 3]})
        axes[0].imshow(image, cmap="gray")
        axes[0].set_title("input")
        axes[1].imshow(kernel, cmap="coolwarm", vmin=-np.abs(kernel).max(),
                       vmax=np.abs(kernel).max())
        for (r, c), value in np.ndenumerate(kernel):
            axes[1].text(c, r, f"{value:.2g}", ha="center", va="center", fontsize=9)
        axes[1].set_title(kernel_name)
        axes[2].imshow(filtered, cmap="gray")
        axes[2].set_title("output" + (" after ReLU" if relu else ""))
        for axis in axes:
            axis.set_xticks([])
            axis.set_yticks([])
        figure.tight_layout()
        plt.show()

    return ipywidgets.interact(
        draw,
        kernel_name=ipywidgets.Dropdown(options=list(KERNELS), value="vertical edges",
                                        description="kernel"),
        relu=ipywidgets.Checkbox(value=False, description="ReLU"),
    )
