"""Activation functions, with the formulas of keras.activations.

Each function works on an array of any shape and keeps its float dtype
(float32 in, float32 out). ``relu_forward`` / ``relu_backward`` follow the
``out, cache`` / ``dx`` protocol of the other layers.

Introduced in lesson 01; lesson 06 writes relu_backward.
"""

import numpy as np

from course_lib.layers._validate import as_float_array, check_same_shape

SELU_SCALE = 1.0507009873554804934193193349852946
SELU_ALPHA = 1.6732632423543772848170429916717


def relu(x):
    """Rectified linear unit, max(0, x), elementwise.

    Inputs:
    - x: array of any shape

    Returns:
    - array of the shape of x

    Introduced in lesson 01.
    """
    x = as_float_array(x)
    return np.maximum(x, 0)


def softplus(x):
    """Softplus, log(1 + e^x), computed without overflow as logaddexp(0, x).

    Introduced in lesson 01.
    """
    x = as_float_array(x)
    return np.logaddexp(0, x)


def elu(x, alpha=1.0):
    """Exponential linear unit: x where x > 0, alpha * (e^x - 1) elsewhere.

    Introduced in lesson 01.
    """
    x = as_float_array(x)
    negative_part = np.expm1(np.minimum(x, 0))  # never overflows
    return np.where(x > 0, x, x.dtype.type(alpha) * negative_part)


def selu(x):
    """Scaled ELU: SELU_SCALE * elu(x, SELU_ALPHA), the constants of keras.activations.selu.

    Introduced in lesson 01.
    """
    x = as_float_array(x)
    return x.dtype.type(SELU_SCALE) * elu(x, SELU_ALPHA)


def sigmoid(x):
    """Logistic sigmoid, 1 / (1 + e^-x), computed without overflow.

    Introduced in lesson 01.
    """
    x = as_float_array(x)
    z = np.exp(-np.abs(x))  # in (0, 1], never overflows
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))


def tanh(x):
    """Hyperbolic tangent, elementwise.

    Introduced in lesson 01.
    """
    return np.tanh(as_float_array(x))


def softmax(x, axis=-1):
    """Softmax along one axis, e^x / sum(e^x), numerically stable.

    Subtracting the maximum along the axis changes nothing mathematically but keeps
    e^x <= 1, so logits like 1000 do not overflow.

    Inputs:
    - x: logits, of any shape, e.g. (N, num_classes)
    - axis: the axis that sums to one

    Returns:
    - probabilities, of the shape of x

    Introduced in lesson 01.
    """
    x = as_float_array(x)
    shifted = x - np.max(x, axis=axis, keepdims=True)
    exponentials = np.exp(shifted)
    return exponentials / np.sum(exponentials, axis=axis, keepdims=True)


def relu_forward(x):
    """Forward pass of a ReLU layer.

    Inputs:
    - x: inputs, of any shape

    Returns a tuple of:
    - out: max(0, x), of the shape of x
    - cache: x, what relu_backward needs

    Introduced in lesson 01.
    """
    x = as_float_array(x)
    return relu(x), x


def relu_backward(dout, cache):
    """Backward pass of a ReLU layer; the gradient at x == 0 is 0, as in TensorFlow.

    Inputs:
    - dout: upstream gradient, of the shape of x
    - cache: x from relu_forward

    Returns:
    - dx: dout where x > 0, 0 elsewhere (x == 0 and -0.0 included), of the shape of x

    Introduced in lesson 06.
    """
    x = cache
    dout = as_float_array(dout).astype(x.dtype, copy=False)
    check_same_shape("relu_backward", "dout", dout, "x", x)
    return np.where(x > 0, dout, 0).astype(x.dtype, copy=False)
