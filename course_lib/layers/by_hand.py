"""Convolution by hand: true 1-D convolution (with the kernel flip) and a single-channel
2-D cross-correlation, the two warm-ups of lesson 02 before conv2d_forward.

- ``conv1d(x, w, mode)`` is the convolution of signal processing, the same as
  ``np.convolve``: the kernel is flipped before it slides,
  out[t] = sum_k x[k] * w[t - k].
- ``correlate2d_single(image, kernel)`` is what deep-learning layers call a
  "convolution": the kernel slides over the image *without* a flip and every
  output pixel is the sum of the element-wise products with the window under it.

Introduced in lesson 02.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from course_lib.layers._validate import as_float_array, check_rank

CONV1D_MODES = ("full", "valid", "same")


def conv1d(x, w, mode="full"):
    """1-D convolution of a signal with a kernel, with np.convolve's modes.

    The kernel is flipped, then slid along the zero-padded signal:
    full[t] = sum_k x[k] * w[t - k], for t = 0 .. n + f - 2.

    Inputs:
    - x: signal, of shape (n,)
    - w: kernel, of shape (f,)
    - mode: "full" (every overlap, length n + f - 1), "valid" (only where one
      array covers the other completely, length max(n, f) - min(n, f) + 1) or
      "same" (length max(n, f), the centre of "full")

    Returns:
    - out: of shape (n + f - 1,), (max(n, f) - min(n, f) + 1,) or (max(n, f),)

    Raises ValueError when x or w is not 1-D or is empty, or when mode is not one of
    the three (np.convolve raises it too).

    Introduced in lesson 02.
    """
    caller = "conv1d"
    x, w = as_float_array(x), as_float_array(w)
    check_rank(caller, "x", x, 1, "(n,)")
    check_rank(caller, "w", w, 1, "(f,)")
    if x.size == 0 or w.size == 0:
        raise ValueError(f"{caller}: x and w must not be empty, got lengths {x.size} and {w.size}")
    if mode not in CONV1D_MODES:
        raise ValueError(f'{caller}: mode must be "full", "valid" or "same", got {mode!r}')
    n, f = x.size, w.size
    padded = np.concatenate([np.zeros(f - 1), x, np.zeros(f - 1)])
    full = sliding_window_view(padded, f) @ w[::-1]  # (n + f - 1,)
    shorter, longer = min(n, f), max(n, f)
    if mode == "full":
        return full
    if mode == "valid":
        return full[shorter - 1 : longer]
    start = (shorter - 1) // 2
    return full[start : start + longer]


def correlate2d_single(image, kernel):
    """Valid 2-D cross-correlation of one single-channel image with one kernel.

    out[r, c] = sum over i, j of image[r + i, c + j] * kernel[i, j]   (no flip)

    Inputs:
    - image: of shape (H, W)
    - kernel: of shape (KH, KW), no larger than the image

    Returns:
    - out: of shape (H - KH + 1, W - KW + 1)

    Introduced in lesson 02.
    """
    caller = "correlate2d_single"
    image, kernel = as_float_array(image), as_float_array(kernel)
    check_rank(caller, "image", image, 2, "(H, W)")
    check_rank(caller, "kernel", kernel, 2, "(KH, KW)")
    if kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
        raise ValueError(
            f"{caller}: kernel of shape {kernel.shape} does not fit in image of shape "
            f"{image.shape}; expected KH <= H and KW <= W"
        )
    if kernel.size == 0:
        raise ValueError(f"{caller}: kernel must not be empty, got shape {kernel.shape}")
    windows = sliding_window_view(image, kernel.shape)  # (H_out, W_out, KH, KW)
    return np.einsum("rcij,ij->rc", windows, kernel)
