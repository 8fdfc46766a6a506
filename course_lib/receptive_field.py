"""The receptive field of a stack of convolutions: by formula and by measurement.

The receptive field of one output pixel is the square of input pixels that can
change it. For a stack of convolutions with kernel sizes k_1..k_L and strides
s_1..s_L, its side is

    r_0 = 1,    r_L = r_{L-1} + (k_L - 1) * (s_1 * s_2 * ... * s_{L-1}),

because the k_L - 1 extra positions of layer L's window are spaced by the
product of the strides before it, measured in input pixels.
``measured_receptive_field`` checks the formula without trusting it: it sends the
gradient of one output pixel back through course_lib's conv2d_backward and
measures the square of input pixels that receive a nonzero gradient.

Introduced in lesson 02.
"""

import numpy as np

from course_lib.layers import conv


def _check_stack(kernel_sizes, strides):
    kernel_sizes = [int(k) for k in kernel_sizes]
    strides = [int(s) for s in strides]
    if len(kernel_sizes) != len(strides):
        raise ValueError(f"receptive field: expected one stride per kernel size, got "
                         f"{len(kernel_sizes)} kernel sizes and {len(strides)} strides")
    if any(k < 1 for k in kernel_sizes) or any(s < 1 for s in strides):
        raise ValueError(f"receptive field: kernel sizes and strides must be >= 1, got "
                         f"{kernel_sizes} and {strides}")
    return kernel_sizes, strides


def receptive_field_sizes(kernel_sizes, strides):
    """Side of the receptive field after each layer of a stack, by the formula.

    Inputs:
    - kernel_sizes: list of L ints, the (square) kernel size of each layer
    - strides: list of L ints, the stride of each layer

    Returns:
    - sizes: list of L + 1 ints [r_0, r_1, ..., r_L], r_0 = 1 (one input pixel) and
      r_L = r_{L-1} + (k_L - 1) * prod(strides[:L-1])

    Introduced in lesson 02.
    """
    kernel_sizes, strides = _check_stack(kernel_sizes, strides)
    sizes, jump = [1], 1
    for kernel_size, stride in zip(kernel_sizes, strides):
        sizes.append(sizes[-1] + (kernel_size - 1) * jump)
        jump *= stride
    return sizes


def input_gradient(kernel_sizes, strides, input_size=None):
    """Gradient of the centre output pixel of a conv stack with respect to its input.

    Every layer is a course_lib convolution with one channel, an all-ones kernel
    (so no gradients cancel), no bias, "valid" padding and the given stride.

    Inputs:
    - kernel_sizes, strides: lists of L ints, as in receptive_field_sizes
    - input_size: side of the square input image; by default large enough that
      the receptive field sits strictly inside it

    Returns:
    - dx: of shape (input_size, input_size), d out[centre] / d x; nonzero exactly
      on the receptive field of the centre output pixel

    Introduced in lesson 02.
    """
    kernel_sizes, strides = _check_stack(kernel_sizes, strides)
    if input_size is None:
        input_size = receptive_field_sizes(kernel_sizes, strides)[-1] + 4 * int(np.prod(strides))
    activations = np.zeros((1, input_size, input_size, 1))
    caches = []
    for kernel_size, stride in zip(kernel_sizes, strides):
        activations, cache = conv.conv2d_forward(
            activations, np.ones((kernel_size, kernel_size, 1, 1)), np.zeros(1), stride=stride)
        caches.append(cache)
    dout = np.zeros_like(activations)
    dout[0, activations.shape[1] // 2, activations.shape[2] // 2, 0] = 1.0
    for cache in reversed(caches):
        dout, _, _ = conv.conv2d_backward(dout, cache)
    return dout[0, :, :, 0]


def measured_receptive_field(kernel_sizes, strides, input_size=None):
    """Side of the receptive field measured from the input gradient (no formula).

    Inputs: as input_gradient.

    Returns:
    - (rows, columns): the height and width of the smallest box holding every
      input pixel with a nonzero gradient

    Introduced in lesson 02.
    """
    rows, columns = np.nonzero(input_gradient(kernel_sizes, strides, input_size))
    return int(rows.max() - rows.min() + 1), int(columns.max() - columns.min() + 1)


def draw_receptive_fields(stacks, input_size=None):
    """One panel per stack: the input gradient of its centre output pixel.

    Inputs:
    - stacks: list of (title, kernel_sizes, strides)
    - input_size: one side for every panel (default: fits the largest field)

    Returns:
    - figure: a matplotlib Figure

    Introduced in lesson 02.
    """
    import matplotlib.pyplot as plt

    if input_size is None:
        input_size = max(receptive_field_sizes(k, s)[-1] + 4 * int(np.prod(s)) for _, k, s in stacks)
    from matplotlib.patches import Rectangle

    figure, axes = plt.subplots(1, len(stacks), figsize=(3.4 * len(stacks), 3.9), squeeze=False)
    for axis, (title, kernel_sizes, strides) in zip(axes[0], stacks):
        gradient = input_gradient(kernel_sizes, strides, input_size)
        size = receptive_field_sizes(kernel_sizes, strides)[-1]
        axis.imshow(gradient, cmap="viridis")
        rows, columns = np.nonzero(gradient)
        axis.add_patch(Rectangle((columns.min() - 0.5, rows.min() - 0.5), size, size,
                                 fill=False, edgecolor="red", linewidth=1.5))
        axis.set_title(f"{title}\nfield {size} × {size}", fontsize=10)
        axis.set_xticks([])
        axis.set_yticks([])
    figure.tight_layout()
    return figure
