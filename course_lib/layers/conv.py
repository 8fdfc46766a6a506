"""2-D convolution (cross-correlation, no kernel flip), NHWC, like keras.layers.Conv2D.

Two versions of the forward pass:

- ``conv2d_forward_naive`` loops over images, output pixels and filters: slow, but
  it reads like the definition;
- ``conv2d_forward`` is vectorized with "im2col": every window of the (padded)
  input is copied into one row of a matrix ``cols`` of shape
  (N * H_out * W_out, KH * KW * C), so the whole layer is one matrix product
  ``cols @ w.reshape(KH * KW * C, K)``; ``sliding_window_view`` builds ``cols``
  in a single copy, with no Python loop.

``conv2d_backward`` reuses ``cols`` from the cache: dw = cols.T @ dout, and dx
("col2im") adds dout @ w[i, j].T back onto the input with one slice-add per kernel
offset (i, j), the only Python loop (KH * KW iterations).

Introduced in lesson 02 (forward) and lesson 06 (backward).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from course_lib.layers._validate import check_shape, check_weights
from course_lib.layers.windows import (  # noqa: F401 (pad_images: checks.lesson02 imports it here)
    crop,
    pad_images,
    window_geometry,
    window_slice,
    zeros_padded,
)


def _check_conv_inputs(caller, x, w, b):
    return check_weights(caller, x, w, b, ("(N, H, W, C)", "(KH, KW, C, K)", "(K,)"),
                         "channels")


def conv2d_forward(x, w, b, stride=1, padding="valid"):
    """Forward pass of a 2-D convolution (cross-correlation), NHWC, vectorized.

    Inputs:
    - x: input images, of shape (N, H, W, C)
    - w: filters, of shape (KH, KW, C, K), the layout of keras.layers.Conv2D.kernel
    - b: biases, of shape (K,)
    - stride: step between windows, an int or a pair (SH, SW)
    - padding: "valid", "same" (TensorFlow's rule, odd pixel bottom/right) or an
      int P of zeros on every side

    Returns a tuple of:
    - out: of shape (N, H_out, W_out, K); "valid": H_out = ceil((H - KH + 1) / SH),
      "same": H_out = ceil(H / SH), int P: H_out = (H + 2P - KH) // SH + 1
    - cache: what conv2d_backward needs

    Introduced in lesson 02.
    """
    caller = "conv2d_forward"
    x, w, b = _check_conv_inputs(caller, x, w, b)
    kernel_h, kernel_w, channels, filters = w.shape
    stride, _, pads, (out_h, out_w) = window_geometry(
        caller, x.shape, (kernel_h, kernel_w), stride, padding
    )
    x_padded = pad_images(x, pads)
    batch = x.shape[0]

    # im2col: cols[n, r, c, i, j, :] = x_padded[n, r*SH + i, c*SW + j, :].
    # sliding_window_view gives every window without copying, as
    # (N, rows, columns, C, KH, KW); we keep every stride-th window, move C last to
    # match w's (KH, KW, C) order, and copy once into a contiguous matrix.
    windows = sliding_window_view(x_padded, (kernel_h, kernel_w), axis=(1, 2))
    windows = windows[:, : stride[0] * (out_h - 1) + 1 : stride[0],
                      : stride[1] * (out_w - 1) + 1 : stride[1]]
    cols = np.ascontiguousarray(windows.transpose(0, 1, 2, 4, 5, 3))
    cols = cols.reshape(batch * out_h * out_w, kernel_h * kernel_w * channels)

    out = cols @ w.reshape(-1, filters)
    out += b
    out = out.reshape(batch, out_h, out_w, filters)
    cache = (x.shape, w, cols, stride, pads, (out_h, out_w))
    return out, cache


def conv2d_backward(dout, cache):
    """Backward pass of a 2-D convolution.

    Inputs:
    - dout: upstream gradient, of shape (N, H_out, W_out, K)
    - cache: from conv2d_forward, or the lessons' (x, w, b, stride, padding)

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, H, W, C)
    - dw: gradient with respect to w, of shape (KH, KW, C, K)
    - db: gradient with respect to b, of shape (K,)

    Introduced in lesson 06.
    """
    if len(cache) == 5:  # the cache the lessons' conv2d_forward returns
        _, cache = conv2d_forward(*cache)
    x_shape, w, cols, stride, pads, (out_h, out_w) = cache
    batch, _, _, channels = x_shape
    kernel_h, kernel_w, _, filters = w.shape
    dout = np.asarray(dout).astype(w.dtype, copy=False)
    check_shape(
        "conv2d_backward", "dout", dout, (batch, out_h, out_w, filters), "(N, H_out, W_out, K)"
    )
    dout_matrix = dout.reshape(-1, filters)

    dw = (cols.T @ dout_matrix).reshape(w.shape)
    db = dout_matrix.sum(axis=0)

    # col2im: the input pixel under kernel offset (i, j) of output pixel (r, c)
    # receives dout[n, r, c, :] @ w[i, j].T; add each offset's contribution to the
    # shifted, strided slice of the input it came from.
    dx_padded = zeros_padded(x_shape, pads, w.dtype)
    for i in range(kernel_h):
        for j in range(kernel_w):
            rows = window_slice(i, stride[0], out_h)
            columns = window_slice(j, stride[1], out_w)
            contribution = dout_matrix @ w[i, j].T  # (N * H_out * W_out, C)
            dx_padded[:, rows, columns, :] += contribution.reshape(batch, out_h, out_w, channels)
    return crop(dx_padded, x_shape, pads), dw, db


def conv2d_forward_naive(x, w, b, stride=1, padding="valid"):
    """Forward pass of a 2-D convolution written with loops, for reading, not speed.

    Same inputs and output as conv2d_forward, but returns only `out`:
    out[n, r, c, k] = sum over i, j, ch of
                      x_padded[n, r*SH + i, c*SW + j, ch] * w[i, j, ch, k]  + b[k]

    Introduced in lesson 02.
    """
    caller = "conv2d_forward_naive"
    x, w, b = _check_conv_inputs(caller, x, w, b)
    kernel_h, kernel_w, _, filters = w.shape
    (stride_h, stride_w), _, pads, (out_h, out_w) = window_geometry(
        caller, x.shape, (kernel_h, kernel_w), stride, padding
    )
    x_padded = pad_images(x, pads)
    batch = x.shape[0]
    out = np.zeros((batch, out_h, out_w, filters), dtype=x.dtype)
    for n in range(batch):
        for r in range(out_h):
            for c in range(out_w):
                top, left = r * stride_h, c * stride_w
                window = x_padded[n, top : top + kernel_h, left : left + kernel_w, :]
                for k in range(filters):
                    out[n, r, c, k] = np.sum(window * w[:, :, :, k]) + b[k]
    return out
