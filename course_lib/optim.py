"""Optimizer steps, step-for-step equal to keras.optimizers.SGD, RMSprop, Adam and AdamW.

Each function takes the parameters ``w`` and their gradient ``dw`` and returns new
parameters (``w`` itself is never modified). Arithmetic happens in ``w``'s dtype,
as in Keras, so float32 weights give the same float32 numbers.

Introduced in lesson 09.
"""

import numpy as np

from course_lib.layers._validate import as_float_array, check_same_shape


def _weights_and_gradient(caller, w, dw):
    w = as_float_array(w)
    dw = np.asarray(dw).astype(w.dtype, copy=False)
    check_same_shape(caller, "w", w, "dw", dw)
    return w, dw


def sgd_step(w, dw, learning_rate=0.01, momentum=0.0, velocity=None, nesterov=False):
    """One step of gradient descent with (optional) momentum, as keras.optimizers.SGD.

    velocity = momentum * velocity - learning_rate * dw
    w_new    = w + velocity
    With momentum 0 this is plain gradient descent, w - learning_rate * dw.
    With nesterov=True (Keras' SGD(nesterov=True)) the velocity is the same but
    the step looks ahead along it: w_new = w + momentum * velocity - learning_rate * dw.

    Inputs:
    - w: parameters, of any shape
    - dw: gradient of the loss with respect to w, of the shape of w
    - learning_rate: step size (Keras default 0.01)
    - momentum: in [0, 1) (Keras default 0.0)
    - velocity: the velocity returned by the previous step, or None for zeros
    - nesterov: True for Nesterov momentum (Keras default False)

    Returns a tuple of:
    - w: the updated parameters, a new array of the shape of w
    - velocity: the new velocity, of the shape of w; pass it to the next step

    Introduced in lesson 09.
    """
    w, dw = _weights_and_gradient("sgd_step", w, dw)
    if not 0 <= momentum < 1:
        raise ValueError(f"sgd_step: momentum must be in [0, 1), got {momentum!r}")
    dtype = w.dtype.type
    if velocity is None:
        velocity = np.zeros_like(w)
    velocity = np.asarray(velocity).astype(w.dtype, copy=False)
    check_same_shape("sgd_step", "w", w, "velocity", velocity)
    if momentum == 0:
        return w - dw * dtype(learning_rate), -(dw * dtype(learning_rate))
    velocity = velocity * dtype(momentum) - dw * dtype(learning_rate)
    if nesterov:
        return w + (velocity * dtype(momentum) - dw * dtype(learning_rate)), velocity
    return w + velocity, velocity


def adam_step(w, dw, state, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    """One step of Adam, as keras.optimizers.Adam (default hyper-parameters).

    With t the step number (1 for the first step), g = dw:
    m = m + (g - m) * (1 - beta_1)                  first moment (mean of g)
    v = v + (g^2 - v) * (1 - beta_2)                second moment (mean of g^2)
    alpha = learning_rate * sqrt(1 - beta_2^t) / (1 - beta_1^t)   bias correction
    w_new = w - m * alpha / (sqrt(v) + epsilon)

    Inputs:
    - w: parameters, of any shape
    - dw: gradient of the loss with respect to w, of the shape of w
    - state: a dict, empty before the first step; adam_step fills it with
      "iterations" (steps taken), "m" and "v" (arrays of the shape of w) and
      updates it in place; use one dict per parameter array
    - learning_rate, beta_1, beta_2, epsilon: Keras' names and defaults

    Returns:
    - w: the updated parameters, a new array of the shape of w

    Introduced in lesson 09.
    """
    w, dw = _weights_and_gradient("adam_step", w, dw)
    if not state:
        state.update(iterations=0, m=np.zeros_like(w), v=np.zeros_like(w))
    for key in ("iterations", "m", "v"):
        if key not in state:
            raise ValueError(
                f"adam_step: state must be empty or have 'iterations', 'm' and 'v', "
                f"got keys {list(state)}"
            )
    check_same_shape("adam_step", "w", w, "state['m']", state["m"])
    dtype = w.dtype.type
    step = dtype(state["iterations"] + 1)
    beta_1_power = dtype(beta_1) ** step
    beta_2_power = dtype(beta_2) ** step
    alpha = dtype(learning_rate) * np.sqrt(1 - beta_2_power) / (1 - beta_1_power)

    m = state["m"] + (dw - state["m"]) * dtype(1 - beta_1)
    v = state["v"] + (np.square(dw) - state["v"]) * dtype(1 - beta_2)
    state.update(iterations=state["iterations"] + 1, m=m, v=v)
    return w - (m * alpha) / (np.sqrt(v) + dtype(epsilon))


def adamw_step(w, dw, state, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
               epsilon=1e-7):
    """One step of AdamW, as keras.optimizers.AdamW: decoupled weight decay, then Adam.

    w_decayed = w - w * weight_decay * learning_rate      first, on the weights alone
    w_new     = adam_step(w_decayed, dw, state, ...)       the gradient dw is not changed
    Unlike L2 regularization (dw + lambda * w fed to Adam), the decay is not divided
    by Adam's sqrt(v): every weight shrinks by the same fraction per step.

    Inputs:
    - w: parameters, of any shape
    - dw: gradient of the loss (without any L2 term) with respect to w, of the shape of w
    - state: a dict, empty before the first step, as for adam_step, updated in place
    - learning_rate, weight_decay, beta_1, beta_2, epsilon: Keras' names and defaults

    Returns:
    - w: the updated parameters, a new array of the shape of w

    Introduced in lesson 09.
    """
    w, dw = _weights_and_gradient("adamw_step", w, dw)
    dtype = w.dtype.type
    w = w - w * dtype(weight_decay) * dtype(learning_rate)
    return adam_step(w, dw, state, learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                     epsilon=epsilon)


def rmsprop_step(w, dw, state, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7):
    """One step of RMSprop, as keras.optimizers.RMSprop (centered=False).

    With g = dw:
    v = rho * v + (1 - rho) * g^2                   running mean of g^2 (starts at 0)
    step = learning_rate * g / sqrt(v + epsilon)    epsilon INSIDE the square root, as Keras
    w_new = w - step                                (momentum 0)
    With momentum > 0, Keras keeps a second array: mom = momentum * mom + step,
    w_new = w - mom.

    Inputs:
    - w: parameters, of any shape
    - dw: gradient of the loss with respect to w, of the shape of w
    - state: a dict, empty before the first step; rmsprop_step fills it with
      "velocity" (the running mean of g^2) and, with momentum, "momentum", and updates
      it in place; use one dict per parameter array
    - learning_rate, rho, momentum, epsilon: Keras' names and defaults

    Returns:
    - w: the updated parameters, a new array of the shape of w

    Introduced in lesson 09.
    """
    w, dw = _weights_and_gradient("rmsprop_step", w, dw)
    if not 0 <= momentum < 1:
        raise ValueError(f"rmsprop_step: momentum must be in [0, 1), got {momentum!r}")
    if not state:
        state.update(velocity=np.zeros_like(w))
        if momentum:
            state.update(momentum=np.zeros_like(w))
    if "velocity" not in state or (momentum and "momentum" not in state):
        raise ValueError(f"rmsprop_step: state must be empty or have 'velocity' (and "
                         f"'momentum' when momentum > 0), got keys {list(state)}")
    check_same_shape("rmsprop_step", "w", w, "state['velocity']", state["velocity"])
    dtype = w.dtype.type
    velocity = dtype(rho) * state["velocity"] + dtype(1 - rho) * np.square(dw)
    increment = dtype(learning_rate) * dw / np.sqrt(velocity + dtype(epsilon))
    state["velocity"] = velocity
    if momentum:
        state["momentum"] = dtype(momentum) * state["momentum"] + increment
        return w - state["momentum"]
    return w - increment
