"""Fully connected (Dense) layer: out = x @ w + b.

Introduced in lesson 01 (the forward pass); lesson 06 writes the backward pass.
"""

from course_lib.layers._validate import as_float_arrays, check_shape, check_weights


def dense_forward(x, w, b):
    """Forward pass of a Dense layer (keras.layers.Dense without activation).

    Inputs:
    - x: inputs, of shape (N, D)
    - w: weights, of shape (D, M), the layout of keras.layers.Dense.kernel
    - b: biases, of shape (M,)

    Returns a tuple of:
    - out: x @ w + b, of shape (N, M)
    - cache: (x, w), what dense_backward needs

    Introduced in lesson 01.
    """
    x, w, b = check_weights("dense_forward", x, w, b, ("(N, D)", "(D, M)", "(M,)"), "features")
    out = x @ w + b
    return out, (x, w)


def dense_backward(dout, cache):
    """Backward pass of a Dense layer.

    Inputs:
    - dout: upstream gradient, of shape (N, M)
    - cache: (x, w) from dense_forward, or lesson 01's (x, w, b)

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D)
    - dw: gradient with respect to w, of shape (D, M)
    - db: gradient with respect to b, of shape (M,)

    dx = dout @ w.T, dw = x.T @ dout, db = dout summed over the batch.

    Introduced in lesson 06.
    """
    x, w = cache[:2]
    dout = as_float_arrays(dout)[0].astype(x.dtype, copy=False)
    check_shape("dense_backward", "dout", dout, (x.shape[0], w.shape[1]), "(N, M)")
    dx = dout @ w.T
    dw = x.T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db
