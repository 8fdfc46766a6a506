"""Inverted dropout, with Keras' meaning of `rate`: the fraction of units DROPPED.

During training each unit is kept where ``rng.random(x.shape) >= rate`` and the
kept units are scaled by 1 / (1 - rate), so the expected value of every unit is
unchanged; at inference dropout is the identity. All randomness comes from the
``np.random.Generator`` passed in, so a seeded generator gives the same mask.

Introduced in lesson 07.
"""

import numbers

import numpy as np

from course_lib.layers._validate import as_float_array, check_same_shape


def dropout_forward(x, rate, training, rng):
    """Forward pass of inverted dropout (keras.layers.Dropout).

    Inputs:
    - x: inputs, of any shape
    - rate: fraction of units to drop, a float in [0, 1)
    - training: True to drop units; False (inference) returns x unchanged and
      does not use rng
    - rng: an np.random.Generator, e.g. np.random.default_rng(0)

    Returns a tuple of:
    - out: of the shape of x; x / (1 - rate) where kept, 0 where dropped
    - cache: (mask, scale), what dropout_backward needs; mask is None at inference

    Introduced in lesson 07.
    """
    if not isinstance(rate, numbers.Real) or not 0 <= rate < 1:
        raise ValueError(
            f"dropout_forward: rate (the fraction dropped) must be in [0, 1), got {rate!r}"
        )
    x = as_float_array(x)
    if not training:
        return x, (None, x.dtype.type(1))
    keep = rng.random(x.shape) >= rate
    scale = x.dtype.type(1 / (1 - rate))
    out = np.where(keep, x * scale, x.dtype.type(0))
    return out, (keep, scale)


def dropout_backward(dout, cache):
    """Backward pass of inverted dropout.

    Inputs:
    - dout: upstream gradient, of the shape of x
    - cache: (mask, scale) from dropout_forward

    Returns:
    - dx: dout * mask / (1 - rate) in training, dout at inference; shape of x

    Introduced in lesson 07.
    """
    keep, scale = cache
    dout = as_float_array(dout).astype(type(scale), copy=False)
    if keep is None:
        return dout
    check_same_shape("dropout_backward", "dout", dout, "x", keep)
    return np.where(keep, dout * scale, scale.dtype.type(0))
