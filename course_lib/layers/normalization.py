"""Layer and group normalization, like keras.layers.LayerNormalization and GroupNormalization.

Batch normalization (batchnorm.py) takes its statistics over the batch; these two
take them within each example, so an example's output never depends on the others
in its batch, and training and inference compute the same thing:

- LayerNormalization(axis=-1, epsilon=1e-3): mean and (biased) variance over the
  last axis only: per example, and for images per pixel, over its C channels.
- GroupNormalization(groups=32, axis=-1, epsilon=1e-3): the C channels are split
  into `groups` contiguous groups of C // groups channels (channels 0..C/G-1 form
  group 0); mean and variance per example and per group, over every pixel of the
  group's channels. groups=1 normalizes each example over all of (H, W, C);
  groups=C over each channel's (H, W) ("instance normalization").

Both then scale by gamma and shift by beta, of shape (C,), per channel. Forward
passes only: the course does not train with them.

Introduced in lesson 08.
"""

import numpy as np

from course_lib.layers._validate import as_float_arrays, check_shape


def _check(caller, x, gamma, beta):
    x, gamma, beta = as_float_arrays(x, gamma, beta)
    if x.ndim not in (2, 4):
        raise ValueError(
            f"{caller}: x must have rank 2 (N, D) or 4 (N, H, W, C), got shape {x.shape}"
        )
    check_shape(caller, "gamma", gamma, (x.shape[-1],), "(C,)")
    check_shape(caller, "beta", beta, (x.shape[-1],), "(C,)")
    return x, gamma, beta


def layernorm_forward(x, gamma, beta, epsilon=1e-3):
    """Forward pass of layer normalization over the last axis (keras.layers.LayerNormalization()).

    Inputs:
    - x: inputs, of shape (N, D) or (N, H, W, C); not modified
    - gamma: scale, of shape (C,)
    - beta: shift, of shape (C,)
    - epsilon: added to the variance inside the square root (Keras: 1e-3)

    Returns:
    - out: gamma * (x - mean) / sqrt(variance + epsilon) + beta, of the shape of x, where
      mean and the biased variance are taken over the last axis of each example (and pixel)

    Introduced in lesson 08.
    """
    x, gamma, beta = _check("layernorm_forward", x, gamma, beta)
    mean = x.mean(axis=-1, keepdims=True)
    variance = x.var(axis=-1, keepdims=True)  # biased: divides by C
    return gamma * (x - mean) / np.sqrt(variance + x.dtype.type(epsilon)) + beta


def groupnorm_forward(x, gamma, beta, groups=32, epsilon=1e-3):
    """Forward pass of group normalization (keras.layers.GroupNormalization(groups)).

    Inputs:
    - x: inputs, of shape (N, H, W, C) or (N, D); not modified
    - gamma: scale, of shape (C,)
    - beta: shift, of shape (C,)
    - groups: number of groups G, a positive int that divides C (Keras: 32); group g holds
      the contiguous channels g * C/G ... (g + 1) * C/G - 1
    - epsilon: added to the variance inside the square root (Keras: 1e-3)

    Returns:
    - out: of the shape of x; each example's group is normalized with its own mean and
      biased variance over H * W * C/G values (C/G for (N, D)), then scaled by gamma and
      shifted by beta per channel

    Raises ValueError when groups is not a positive int that divides C (as Keras does).

    Introduced in lesson 08.
    """
    caller = "groupnorm_forward"
    x, gamma, beta = _check(caller, x, gamma, beta)
    channels = x.shape[-1]
    if isinstance(groups, (bool, np.bool_)) or not isinstance(groups, (int, np.integer)) \
            or groups < 1 or channels % groups:
        raise ValueError(f"{caller}: groups must be a positive int that divides the number of "
                         f"channels C = {channels}, got groups={groups!r}")
    grouped = x.reshape(x.shape[:-1] + (groups, channels // groups))
    axes = tuple(range(1, x.ndim - 1)) + (x.ndim,)  # every pixel, and the group's channels
    mean = grouped.mean(axis=axes, keepdims=True)
    variance = grouped.var(axis=axes, keepdims=True)
    normalized = ((grouped - mean) / np.sqrt(variance + x.dtype.type(epsilon))).reshape(x.shape)
    return gamma * normalized + beta
