"""Output shapes, padding and parameter counts of conv, pooling and dense layers.

The formulas, for an input of size n, a window of size f and a stride s:

- ``padding="valid"`` (no padding):   n_out = ceil((n - f + 1) / s)
- ``padding="same"`` (TensorFlow):    n_out = ceil(n / s), padded with
  max((n_out - 1) * s + f - n, 0) zeros in total, the odd one after (bottom/right)
- an int padding P on every side:     n_out = floor((n + 2P - f) / s) + 1

The square formula of the lectures, (W - F + 2P) / S + 1, is the last one.

Introduced in lesson 03 (shapes) and lesson 04 (parameter counts).
"""

import math

from course_lib.layers._validate import check_padding, check_window_fits, positive_int_pair


def conv_output_size(n, f, stride=1, padding="valid"):
    """Size of a conv or pooling output along one axis.

    Inputs:
    - n: input size (height or width), an int
    - f: window (kernel or pool) size, an int
    - stride: step between windows, an int >= 1
    - padding: "valid", "same" or an int P >= 0 of zeros on each side

    Returns:
    - n_out: an int; "valid": ceil((n - f + 1) / stride); "same": ceil(n / stride);
      int P: (n + 2P - f) // stride + 1

    Introduced in lesson 03.
    """
    caller = "conv_output_size"
    f = positive_int_pair(caller, "f", f)[0]
    stride = positive_int_pair(caller, "stride", stride)[0]
    padding = check_padding(caller, padding)
    check_window_fits(caller, "window", n, f, padding, "this axis")
    if padding == "valid":
        return math.ceil((n - f + 1) / stride)
    if padding == "same":
        return math.ceil(n / stride)
    return (n + 2 * padding - f) // stride + 1


def padding_amounts(n, f, stride, padding):
    """Zeros added before and after one axis, as TensorFlow pads.

    Inputs:
    - n, f, stride, padding: as in conv_output_size

    Returns a tuple of:
    - before: zeros added at the top (or left)
    - after: zeros added at the bottom (or right); for "same" the odd one goes here

    Introduced in lesson 03.
    """
    caller = "padding_amounts"
    f = positive_int_pair(caller, "f", f)[0]
    stride = positive_int_pair(caller, "stride", stride)[0]
    padding = check_padding(caller, padding)
    if padding == "valid":
        return (0, 0)
    if isinstance(padding, int):
        return (padding, padding)
    n_out = math.ceil(n / stride)
    total = max((n_out - 1) * stride + f - n, 0)
    return (total // 2, total - total // 2)


def conv_output_shape(input_shape, filters, kernel_size, strides=1, padding="valid"):
    """Output shape of keras.layers.Conv2D for one image.

    Inputs:
    - input_shape: (H, W, C), without the batch axis
    - filters: number of filters K
    - kernel_size: an int F or a pair (KH, KW)
    - strides: an int or a pair (SH, SW)
    - padding: "valid", "same" or an int

    Returns:
    - (H_out, W_out, filters)

    Introduced in lesson 03.
    """
    caller = "conv_output_shape"
    return (*_output_height_width(caller, input_shape, "kernel_size", kernel_size, strides,
                                  padding), filters)


def pool_output_shape(input_shape, pool_size=2, strides=None, padding="valid"):
    """Output shape of keras.layers.MaxPooling2D / AveragePooling2D for one image.

    Inputs:
    - input_shape: (H, W, C), without the batch axis
    - pool_size: an int or a pair (PH, PW)
    - strides: an int, a pair, or None for strides = pool_size (Keras' default)
    - padding: "valid" or "same"

    Returns:
    - (H_out, W_out, C)

    Introduced in lesson 03.
    """
    caller = "pool_output_shape"
    check_padding(caller, padding, allow_int=False)
    strides = pool_size if strides is None else strides
    return (*_output_height_width(caller, input_shape, "pool_size", pool_size, strides, padding),
            input_shape[2])


def _output_height_width(caller, input_shape, window_name, window, strides, padding):
    """(H_out, W_out) of a window sliding over an (H, W, C) input."""
    height, width, _ = input_shape
    window_h, window_w = positive_int_pair(caller, window_name, window)
    stride_h, stride_w = positive_int_pair(caller, "strides", strides)
    return (conv_output_size(height, window_h, stride_h, padding),
            conv_output_size(width, window_w, stride_w, padding))


def conv_params(filters, kernel_size, d_in):
    """Number of parameters of a Conv2D layer: K * KH * KW * D_in weights + K biases.

    Inputs:
    - filters: number of filters K
    - kernel_size: an int F or a pair (KH, KW)
    - d_in: number of input channels

    Returns:
    - an int, K * F * F * D_in + K for a square kernel

    Introduced in lesson 04.
    """
    kernel_h, kernel_w = positive_int_pair("conv_params", "kernel_size", kernel_size)
    return filters * kernel_h * kernel_w * d_in + filters


def dense_params(n_in, n_out):
    """Number of parameters of a Dense layer: n_in * n_out weights + n_out biases.

    Introduced in lesson 01.
    """
    return n_in * n_out + n_out


def mlp_param_count(sizes):
    """Number of parameters of a stack of Dense layers.

    Inputs:
    - sizes: layer widths from input to output, e.g. [784, 256, 256, 10]

    Returns:
    - an int, the sum of dense_params over consecutive pairs (269,322 for the example)

    Introduced in lesson 01.
    """
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(
            f"mlp_param_count: sizes must list at least an input and an output width, "
            f"got {sizes!r}"
        )
    return sum(dense_params(n_in, n_out) for n_in, n_out in zip(sizes[:-1], sizes[1:]))
