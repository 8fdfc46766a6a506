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


def mlp_loss_and_gradients(x, y, w1, b1, w2, b2):
    """Mean squared error of a two-layer MLP, and its gradients by backpropagation.

    The network is Dense -> ReLU -> Dense, and the loss that of keras.losses.MeanSquaredError:
    scores = relu(x @ w1 + b1) @ w2 + b2, loss = mean((scores - y) ** 2) over all N * M values.

    Inputs:
    - x: inputs, of shape (N, D)
    - y: targets, of shape (N, M)
    - w1: first layer's weights, of shape (D, H); b1: its biases, of shape (H,)
    - w2: second layer's weights, of shape (H, M); b2: its biases, of shape (M,)

    Returns a tuple of:
    - loss: a float
    - dw1, db1, dw2, db2: the gradients of the loss, of the shapes of w1, b1, w2, b2

    Introduced in lesson 06.
    """
    from course_lib.layers import activations, dense

    x, y, w1, b1, w2, b2 = (np.asarray(a) for a in (x, y, w1, b1, w2, b2))
    if y.shape != (x.shape[0], w2.shape[-1]):
        raise ValueError(f"mlp_loss_and_gradients: y must have shape (N, M) = "
                         f"{(x.shape[0], w2.shape[-1])}, got {y.shape}")
    hidden, cache1 = dense.dense_forward(x, w1, b1)
    activated, cache_relu = activations.relu_forward(hidden)
    scores, cache2 = dense.dense_forward(activated, w2, b2)
    error = scores - y
    loss = float(np.mean(error.astype(np.float64) ** 2))
    dscores = 2 * error / error.size
    dactivated, dw2, db2 = dense.dense_backward(dscores, cache2)
    dhidden = activations.relu_backward(dactivated, cache_relu)
    _, dw1, db1 = dense.dense_backward(dhidden, cache1)
    return loss, dw1, db1, dw2, db2
