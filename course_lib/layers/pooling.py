"""Max, average and global average pooling over NHWC images, like Keras.

A pooling window of size (PH, PW) slides with a stride (Keras' default: the pool
size, so windows do not overlap). Output sizes follow the conv formulas of
``course_lib.shapes``: "valid" gives ceil((H - PH + 1) / SH), "same" ceil(H / SH).
With "same", the padded cells never win a max and are not counted in an average
(as tf.nn.max_pool2d / tf.nn.avg_pool2d do).

The only Python loop is over the PH * PW offsets inside a window: each offset
compares (or adds) one shifted, strided slice of all the images at once.

Introduced in lesson 05.
"""

import numpy as np

from course_lib.layers._validate import (
    as_float_array,
    check_rank,
    check_shape,
    positive_int_pair,
)
from course_lib.layers.windows import add_back, pad_images, window_geometry, window_slice


def _pool_geometry(caller, x, pool_size, stride, padding):
    check_rank(caller, "x", x, 4, "(N, H, W, C)")
    pool = positive_int_pair(caller, "pool_size", pool_size)
    if stride is None:
        stride = pool
    stride, _, pads, out_size = window_geometry(
        caller, x.shape, pool, stride, padding, allow_int_padding=False
    )
    return pool, stride, pads, out_size


def _window_offsets(pool, stride, out_size):
    """Yield (index, rows, columns): the strided slice each window offset sees."""
    for i in range(pool[0]):
        for j in range(pool[1]):
            yield (
                i * pool[1] + j,
                window_slice(i, stride[0], out_size[0]),
                window_slice(j, stride[1], out_size[1]),
            )


def _check_dout(caller, dout, expected_shape, dtype, layout="(N, H_out, W_out, C)"):
    dout = np.asarray(dout).astype(dtype, copy=False)
    check_shape(caller, "dout", dout, expected_shape, layout)
    return dout


def max_pool2d_forward(x, pool_size=2, stride=None, padding="valid"):
    """Forward pass of max pooling (keras.layers.MaxPooling2D).

    Inputs:
    - x: input images, of shape (N, H, W, C)
    - pool_size: window size, an int or a pair (PH, PW)
    - stride: an int, a pair, or None for stride = pool_size (Keras' default)
    - padding: "valid" or "same"

    Returns a tuple of:
    - out: the maximum of each window, of shape (N, H_out, W_out, C);
      "valid": H_out = ceil((H - PH + 1) / SH), "same": H_out = ceil(H / SH)
    - cache: what max_pool2d_backward needs

    Introduced in lesson 05.
    """
    caller = "max_pool2d_forward"
    x = as_float_array(x)
    pool, stride, pads, out_size = _pool_geometry(caller, x, pool_size, stride, padding)
    x_padded = pad_images(x, pads, value=-np.inf)
    batch, _, _, channels = x.shape
    out = np.full((batch, *out_size, channels), -np.inf, dtype=x.dtype)
    argmax = np.zeros(out.shape, dtype=np.intp)  # which offset holds the max
    for index, rows, columns in _window_offsets(pool, stride, out_size):
        candidate = x_padded[:, rows, columns, :]
        larger = candidate > out  # strict: ties keep the first max (row-major)
        out = np.where(larger, candidate, out)
        argmax[larger] = index
    cache = (x.shape, pool, stride, pads, argmax, x.dtype)
    return out, cache


def max_pool2d_backward(dout, cache):
    """Backward pass of max pooling: each window's gradient goes to its max only.

    Inputs:
    - dout: upstream gradient, of shape (N, H_out, W_out, C)
    - cache: from max_pool2d_forward, or lesson 05's (x, pool_size, stride)

    Returns:
    - dx: gradient with respect to x, of shape (N, H, W, C)

    Introduced in lesson 05.
    """
    if len(cache) == 3:  # the cache lesson 05's max_pool2d_forward returns
        _, cache = max_pool2d_forward(*cache)
    x_shape, pool, stride, pads, argmax, dtype = cache
    dout = _check_dout("max_pool2d_backward", dout, argmax.shape, dtype)
    return add_back(x_shape, pads, pool, stride, argmax.shape[1:3], dout.dtype,
                    lambda i, j: np.where(argmax == i * pool[1] + j, dout, 0))


def avg_pool2d_forward(x, pool_size=2, stride=None, padding="valid"):
    """Forward pass of average pooling (keras.layers.AveragePooling2D).

    Inputs: as max_pool2d_forward.

    Returns a tuple of:
    - out: the mean of each window, of shape (N, H_out, W_out, C); with "same",
      padded cells are left out of the mean, as in Keras
    - cache: what avg_pool2d_backward needs

    Introduced in lesson 05.
    """
    caller = "avg_pool2d_forward"
    x = as_float_array(x)
    pool, stride, pads, out_size = _pool_geometry(caller, x, pool_size, stride, padding)
    x_padded = pad_images(x, pads)
    inside = pad_images(np.ones((1, *x.shape[1:3], 1), dtype=x.dtype), pads)
    batch, _, _, channels = x.shape
    total = np.zeros((batch, *out_size, channels), dtype=x.dtype)
    count = np.zeros((1, *out_size, 1), dtype=x.dtype)  # real cells per window
    for _, rows, columns in _window_offsets(pool, stride, out_size):
        total += x_padded[:, rows, columns, :]
        count += inside[:, rows, columns, :]
    cache = (x.shape, pool, stride, pads, count)
    return total / count, cache


def avg_pool2d_backward(dout, cache):
    """Backward pass of average pooling: each window's gradient is shared equally.

    Inputs and output: as max_pool2d_backward, with the cache of avg_pool2d_forward;
    each input pixel gets dout / (real cells of the window) from every window it is in.
    Lesson 05's cache (x, pool_size, stride) works too.

    Introduced in lesson 05.
    """
    if len(cache) == 3:  # the cache lesson 05's avg_pool2d_forward returns
        _, cache = avg_pool2d_forward(*cache)
    x_shape, pool, stride, pads, count = cache
    out_shape = (x_shape[0], count.shape[1], count.shape[2], x_shape[3])
    dout = _check_dout("avg_pool2d_backward", dout, out_shape, count.dtype)
    share = dout / count
    return add_back(x_shape, pads, pool, stride, out_shape[1:3], count.dtype, lambda i, j: share)


def global_avg_pool2d_forward(x):
    """Forward pass of global average pooling (keras.layers.GlobalAveragePooling2D).

    Inputs:
    - x: input images, of shape (N, H, W, C)

    Returns a tuple of:
    - out: the mean of each channel over all pixels, of shape (N, C)
    - cache: x's shape, what global_avg_pool2d_backward needs

    Introduced in lesson 05.
    """
    x = as_float_array(x)
    check_rank("global_avg_pool2d_forward", "x", x, 4, "(N, H, W, C)")
    return x.mean(axis=(1, 2)), (x.shape, x.dtype)


def global_avg_pool2d_backward(dout, cache):
    """Backward pass of global average pooling.

    Inputs:
    - dout: upstream gradient, of shape (N, C)
    - cache: from global_avg_pool2d_forward, or lesson 05's x.shape

    Returns:
    - dx: dout / (H * W) spread over every pixel, of shape (N, H, W, C)

    Introduced in lesson 05.
    """
    if len(cache) == 4:  # lesson 05's cache: x.shape alone
        cache = (tuple(cache), np.dtype(float))
    (batch, height, width, channels), dtype = cache
    dout = _check_dout("global_avg_pool2d_backward", dout, (batch, channels), dtype, "(N, C)")
    share = dout[:, None, None, :] / dtype.type(height * width)
    dx = np.broadcast_to(share, (batch, height, width, channels))
    return np.ascontiguousarray(dx)
