"""Sliding windows over NHWC images: the geometry convolution and pooling share.

- ``window_geometry`` checks a window, stride and padding against an input shape
  and returns the stride pair, the zeros to add on each side and the output size;
- ``pad_images`` adds those zeros (or another value) around every image, and
  ``crop`` takes them off again, the last step of every backward pass;
- ``zeros_padded`` is the padded gradient buffer a backward pass adds into;
- ``window_slice`` is the strided slice of rows (or columns) one window offset sees.

Private helpers of course_lib.layers: lessons never ask for them.
"""

import numpy as np

from course_lib import shapes
from course_lib.layers._validate import check_padding, check_window_fits, positive_int_pair


def window_geometry(caller, x_shape, window, stride, padding, allow_int_padding=True):
    """Check and resolve the geometry of a sliding window over NHWC images.

    Returns a tuple of:
    - stride: (SH, SW)
    - padding: "valid", "same" or an int, normalized
    - pads: ((top, bottom), (left, right)) zeros added around each image
    - out_size: (H_out, W_out)
    """
    _, height, width, _ = x_shape
    window_h, window_w = window
    stride = positive_int_pair(caller, "stride", stride)
    padding = check_padding(caller, padding, allow_int=allow_int_padding)
    what = "kernel" if caller.startswith("conv") else "pool window"
    check_window_fits(caller, f"{what} height", height, window_h, padding, "H")
    check_window_fits(caller, f"{what} width", width, window_w, padding, "W")
    pads = (
        shapes.padding_amounts(height, window_h, stride[0], padding),
        shapes.padding_amounts(width, window_w, stride[1], padding),
    )
    out_size = (
        shapes.conv_output_size(height, window_h, stride[0], padding),
        shapes.conv_output_size(width, window_w, stride[1], padding),
    )
    return stride, padding, pads, out_size


def padded_shape(x_shape, pads):
    """(N, H + top + bottom, W + left + right, C)."""
    batch, height, width, channels = x_shape
    (top, bottom), (left, right) = pads
    return (batch, height + top + bottom, width + left + right, channels)


def pad_images(x, pads, value=0):
    """Return x (N, H, W, C) with pads ((top, bottom), (left, right)) of `value` around."""
    if padded_shape(x.shape, pads) == x.shape:
        return x
    padded = np.full(padded_shape(x.shape, pads), value, dtype=x.dtype)
    (top, _), (left, _) = pads
    padded[:, top : top + x.shape[1], left : left + x.shape[2], :] = x
    return padded


def zeros_padded(x_shape, pads, dtype):
    """Zeros of the padded shape: the buffer a backward pass adds its gradients into."""
    return np.zeros(padded_shape(x_shape, pads), dtype=dtype)


def crop(x_padded, x_shape, pads):
    """Take the pads off again: the (N, H, W, C) inside of x_padded, contiguous."""
    _, height, width, _ = x_shape
    (top, _), (left, _) = pads
    return np.ascontiguousarray(x_padded[:, top : top + height, left : left + width, :])


def window_slice(offset, stride, size):
    """Rows (or columns) seen by kernel offset `offset` over `size` output positions."""
    return slice(offset, offset + stride * (size - 1) + 1, stride)


def add_back(x_shape, pads, window, stride, out_size, dtype, gradient_at):
    """The backward pass of a sliding window, summed over the offsets inside the window.

    For each offset (i, j) of the window, gradient_at(i, j) (of shape (N, H_out, W_out, C))
    is added to the strided slice of the padded input that offset read; the pads are then
    cropped off. Returns dx, of shape x_shape.
    """
    dx_padded = zeros_padded(x_shape, pads, dtype)
    for i in range(window[0]):
        for j in range(window[1]):
            rows = window_slice(i, stride[0], out_size[0])
            columns = window_slice(j, stride[1], out_size[1])
            dx_padded[:, rows, columns, :] += gradient_at(i, j)
    return crop(dx_padded, x_shape, pads)
