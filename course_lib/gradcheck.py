"""Numerical gradients by centered differences, and the relative error to compare them.

A backward pass is checked by comparing its gradient with
(f(x + h) - f(x - h)) / (2h), one element of x at a time. Use float64: in float32
the rounding error of f swamps the difference. A correct layer gives relative
errors around 1e-8 or below.

Introduced in lesson 06.
"""

import numpy as np


def numerical_gradient(f, x, dout=None, h=1e-5):
    """Gradient of f at x by centered differences.

    Each element of x is perturbed IN PLACE, by +h and -h, and restored.

    Inputs:
    - f: a function of one array x, returning a scalar or an array
    - x: the point, a float array of any shape (modified and restored)
    - dout: optional upstream gradient, of the shape of f(x); then the result is the
      gradient of sum(f(x) * dout) (for an array f, dout=None means all ones)
    - h: the step

    Returns:
    - grad: of the shape of x, grad[i] = sum((f(x + h e_i) - f(x - h e_i)) * dout) / 2h

    Introduced in lesson 06.
    """
    if not isinstance(x, np.ndarray) or not np.issubdtype(x.dtype, np.floating):
        raise ValueError(
            "numerical_gradient: x must be a float NumPy array (it is perturbed in place), "
            f"got {type(x).__name__} {getattr(x, 'dtype', '')}"
        )
    grad = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + h
        plus = np.array(f(x), dtype=np.float64)  # a copy: f may return a view of x
        x[index] = original - h
        minus = np.array(f(x), dtype=np.float64)
        x[index] = original
        difference = plus - minus
        if dout is not None:
            difference = difference * dout
        grad[index] = np.sum(difference) / (2 * h)
    return grad


def relative_error(a, b):
    """Largest elementwise relative error, max(|a - b| / max(1e-8, |a| + |b|)).

    Inputs:
    - a, b: arrays of the same shape (e.g. analytic and numerical gradients)

    Returns:
    - a float; about 1e-7 or less means the two agree

    Introduced in lesson 06.
    """
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(
            f"relative_error: a and b must have the same shape, got {a.shape} and {b.shape}"
        )
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))
