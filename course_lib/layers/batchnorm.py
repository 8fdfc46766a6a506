"""Batch normalization, like keras.layers.BatchNormalization (axis=-1).

Training: normalize with the batch mean and (biased) variance over every axis but
the last, scale by gamma, shift by beta, and update the moving statistics IN PLACE
with Keras' rule ``moving = moving * momentum + batch * (1 - momentum)``.
Inference: normalize with the moving statistics instead.

Works on (N, D) features and on (N, H, W, C) images; gamma, beta and the moving
statistics all have shape (C,) (or (D,)).

Introduced in lesson 08.
"""

import numpy as np

from course_lib.layers._validate import as_float_arrays, check_same_shape, check_shape


def batchnorm_forward(x, gamma, beta, state, training, momentum=0.99, epsilon=1e-3):
    """Forward pass of batch normalization.

    Inputs:
    - x: inputs, of shape (N, D) or (N, H, W, C)
    - gamma: scale, of shape (C,)
    - beta: shift, of shape (C,)
    - state: {"moving_mean": array (C,), "moving_variance": array (C,)}; updated in
      place when training (start them at zeros and ones, as Keras does)
    - training: True to use and record batch statistics, False to use the moving ones
    - momentum: weight of the old moving statistics in each update (Keras: 0.99)
    - epsilon: added to the variance before the square root (Keras: 1e-3)

    Returns a tuple of:
    - out: gamma * (x - mean) / sqrt(variance + epsilon) + beta, of the shape of x
    - cache: what batchnorm_backward needs

    Introduced in lesson 08.
    """
    caller = "batchnorm_forward"
    x, gamma, beta = as_float_arrays(x, gamma, beta)
    if x.ndim not in (2, 4):
        raise ValueError(
            f"{caller}: x must have rank 2 (N, D) or 4 (N, H, W, C), got shape {x.shape}"
        )
    channels = x.shape[-1]
    check_shape(caller, "gamma", gamma, (channels,), "(C,)")
    check_shape(caller, "beta", beta, (channels,), "(C,)")
    for key in ("moving_mean", "moving_variance"):
        if key not in state:
            raise ValueError(f"{caller}: state must have a {key!r} entry, got keys {list(state)}")
        check_shape(caller, f"state[{key!r}]", np.asarray(state[key]), (channels,), "(C,)")
        if training and not (
            isinstance(state[key], np.ndarray) and np.issubdtype(state[key].dtype, np.floating)
        ):
            raise ValueError(
                f"{caller}: state[{key!r}] must be a float NumPy array (it is updated in "
                f"place), got {type(state[key]).__name__}"
            )

    axes = tuple(range(x.ndim - 1))
    if training:
        mean = x.mean(axis=axes)
        variance = x.var(axis=axes)  # biased: divides by the number of values
        moving_mean, moving_variance = state["moving_mean"], state["moving_variance"]
        moving_mean *= momentum
        moving_mean += mean * (1 - momentum)
        moving_variance *= momentum
        moving_variance += variance * (1 - momentum)
    else:
        mean = np.asarray(state["moving_mean"]).astype(x.dtype)
        variance = np.asarray(state["moving_variance"]).astype(x.dtype)

    inverse_std = 1 / np.sqrt(variance + x.dtype.type(epsilon))
    x_hat = (x - mean) * inverse_std
    out = gamma * x_hat + beta
    cache = (x_hat, gamma, inverse_std, training)
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization.

    In training mode the mean and variance depend on x, which gives
    dx = inverse_std / m * (m * g - sum(g) - x_hat * sum(g * x_hat)), g = dout * gamma,
    with m values per channel. In inference mode they are constants:
    dx = dout * gamma / sqrt(moving_variance + epsilon).

    Inputs:
    - dout: upstream gradient, of the shape of x
    - cache: from batchnorm_forward

    Returns a tuple of:
    - dx: gradient with respect to x, of the shape of x
    - dgamma: gradient with respect to gamma, of shape (C,)
    - dbeta: gradient with respect to beta, of shape (C,)

    Introduced in lesson 08.
    """
    x_hat, gamma, inverse_std, training = cache
    dout = np.asarray(dout).astype(x_hat.dtype, copy=False)
    check_same_shape("batchnorm_backward", "dout", dout, "x", x_hat)
    axes = tuple(range(x_hat.ndim - 1))
    dbeta = dout.sum(axis=axes)
    dgamma = (dout * x_hat).sum(axis=axes)
    dx_hat = dout * gamma
    if not training:
        return dx_hat * inverse_std, dgamma, dbeta
    count = x_hat.size // x_hat.shape[-1]
    dx = (inverse_std / count) * (
        count * dx_hat - dx_hat.sum(axis=axes) - x_hat * (dx_hat * x_hat).sum(axis=axes)
    )
    return dx, dgamma, dbeta
