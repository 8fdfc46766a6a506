"""How large Keras' weight initializers draw the weights: fans and standard deviations.

Keras' Glorot, He and LeCun initializers are all ``VarianceScaling``: they draw
weights of variance ``scale / n`` with

- glorot_uniform, glorot_normal: scale 1, n = (fan_in + fan_out) / 2, so variance
  2 / (fan_in + fan_out) (Glorot and Bengio, 2010; Keras' default kernel initializer);
- he_uniform, he_normal: scale 2, n = fan_in, variance 2 / fan_in (He et al., 2015, for ReLU);
- lecun_uniform, lecun_normal: scale 1, n = fan_in, variance 1 / fan_in.

"uniform" draws from U(-limit, limit) with limit = sqrt(3 * variance); "normal" from a
normal truncated at two standard deviations and rescaled so that its variance is still
scale / n. Either way the standard deviation of the weights is sqrt(scale / n).

The fans of a kernel (Keras' rule): a Dense kernel (fan_in, fan_out); a Conv2D kernel
(KH, KW, C, K) has fan_in = KH * KW * C and fan_out = KH * KW * K.

Introduced in lesson 08.
"""

import math

import numpy as np

INITIALIZERS = {  # name: (scale, mode)
    "glorot_uniform": (1.0, "fan_avg"), "glorot_normal": (1.0, "fan_avg"),
    "he_uniform": (2.0, "fan_in"), "he_normal": (2.0, "fan_in"),
    "lecun_uniform": (1.0, "fan_in"), "lecun_normal": (1.0, "fan_in"),
}


def fans(shape):
    """(fan_in, fan_out) of a kernel shape, Keras' rule.

    Inputs:
    - shape: (fan_in, fan_out) for a Dense kernel, or (KH, KW, C, K) for a Conv2D kernel

    Returns a tuple of ints (fan_in, fan_out): (KH * KW * C, KH * KW * K) for a kernel of
    rank 3 or more (the last two axes are the input and output channels)

    Introduced in lesson 08.
    """
    shape = tuple(int(size) for size in shape)
    if len(shape) < 2 or min(shape) < 1:
        raise ValueError(f"fans: expected a kernel shape of rank 2 or more with positive sizes, "
                         f"got {shape}")
    receptive_field = math.prod(shape[:-2])
    return receptive_field * shape[-2], receptive_field * shape[-1]


def initializer_stddev(name, shape):
    """Standard deviation of the weights a Keras initializer draws for a kernel shape.

    Inputs:
    - name: "glorot_uniform", "glorot_normal", "he_uniform", "he_normal", "lecun_uniform"
      or "lecun_normal" (Keras' names)
    - shape: the kernel's shape, (fan_in, fan_out) for Dense or (KH, KW, C, K) for Conv2D

    Returns:
    - a float: sqrt(2 / (fan_in + fan_out)) for Glorot, sqrt(2 / fan_in) for He,
      sqrt(1 / fan_in) for LeCun (the same for the uniform and the normal version)

    Raises ValueError for another name.

    Introduced in lesson 08.
    """
    if name not in INITIALIZERS:
        raise ValueError(f"initializer_stddev: name must be one of {', '.join(INITIALIZERS)}, "
                         f"got {name!r}")
    scale, mode = INITIALIZERS[name]
    fan_in, fan_out = fans(shape)
    n = (fan_in + fan_out) / 2 if mode == "fan_avg" else fan_in
    return float(np.sqrt(scale / n))
