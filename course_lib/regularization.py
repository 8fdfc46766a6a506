"""The L2 weight penalty ("weight decay"), as the course writes it: 0.5 * l2 * sum(w^2).

The factor 0.5 makes the gradient clean: d/dw (0.5 * l2 * w^2) = l2 * w.
Keras writes the same idea without the 0.5: ``keras.regularizers.L2(l2)`` adds
``l2 * sum(w^2)`` to the loss, whose gradient is ``2 * l2 * w``. So the course's
penalty with strength ``l2`` equals Keras' ``L2(l2 / 2)``. The course's tests check
both facts against keras.regularizers.L2.

Introduced in lesson 07.
"""

import numbers

import numpy as np


def _check(caller, w, l2):
    if not isinstance(l2, numbers.Real) or l2 < 0:
        raise ValueError(f"{caller}: l2 (the penalty strength) must be a number >= 0, got {l2!r}")
    return np.asarray(w, dtype=float)


def l2_penalty(w, l2):
    """The L2 penalty 0.5 * l2 * sum(w^2), added to the loss.

    Keras' ``keras.regularizers.L2(l2)`` computes l2 * sum(w^2), without the 0.5:
    l2_penalty(w, l2) == L2(l2 / 2)(w).

    Inputs:
    - w: weights, of any shape
    - l2: the penalty strength (lambda), a number >= 0

    Returns:
    - penalty: a float

    Introduced in lesson 07.
    """
    w = _check("l2_penalty", w, l2)
    return float(0.5 * l2 * np.sum(w * w))


def l2_grad(w, l2):
    """Gradient of l2_penalty with respect to w: l2 * w.

    (The gradient of Keras' L2(l2), which has no 0.5, is 2 * l2 * w.)

    Inputs:
    - w: weights, of any shape
    - l2: the penalty strength (lambda), a number >= 0

    Returns:
    - dw: l2 * w, of the shape of w

    Introduced in lesson 07.
    """
    w = _check("l2_grad", w, l2)
    return l2 * w
