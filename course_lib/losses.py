"""Loss functions, each returning the loss and its gradient: ``loss, dpred = f(pred, target)``.

Each loss is the mean over the batch (over all elements for the elementwise
losses), as the Keras losses with their default reduction compute it, so the
gradient carries a factor 1 / (number of values averaged).

Introduced in lesson 09.
"""

import numpy as np

from course_lib.layers._validate import as_float_arrays, check_rank, check_same_shape

KERAS_EPSILON = 1e-7  # keras.config.epsilon(), used to clip probabilities


def softmax_cross_entropy(logits, labels):
    """Softmax followed by cross-entropy with integer labels
    (keras.losses.SparseCategoricalCrossentropy(from_logits=True)).

    Computed from log-softmax, logits - max - log(sum(exp(logits - max))), so large
    logits such as 1000 neither overflow nor give log(0).

    Inputs:
    - logits: unnormalized class scores, of shape (N, num_classes)
    - labels: integer class of each example, of shape (N,), each in [0, num_classes)

    Returns a tuple of:
    - loss: mean over the batch of -log(softmax(logits)[label]), a scalar
    - dlogits: (softmax(logits) - one_hot(labels)) / N, of shape (N, num_classes)

    Introduced in lesson 09.
    """
    caller = "softmax_cross_entropy"
    (logits,) = as_float_arrays(logits)
    check_rank(caller, "logits", logits, 2, "(N, num_classes)")
    labels = np.asarray(labels)
    batch, num_classes = logits.shape
    if labels.shape != (batch,):
        raise ValueError(
            f"{caller}: labels must have shape (N,) = ({batch},), got shape {labels.shape}"
        )
    if labels.dtype.kind == "f" and np.all(labels == np.round(labels)):
        labels = labels.astype(np.int64)
    if labels.dtype.kind not in "iu":
        raise ValueError(
            f"{caller}: labels must be integer class indices, got dtype {labels.dtype}"
        )
    if batch and (labels.min() < 0 or labels.max() >= num_classes):
        raise ValueError(
            f"{caller}: labels must be in [0, {num_classes}), "
            f"got values from {labels.min()} to {labels.max()}"
        )
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    rows = np.arange(batch)
    loss = -log_probs[rows, labels].mean()
    dlogits = np.exp(log_probs)
    dlogits[rows, labels] -= 1
    dlogits /= batch
    return loss, dlogits


def _pair(caller, pred, target):
    pred, target = as_float_arrays(pred, target)
    target = target.astype(pred.dtype, copy=False)
    check_same_shape(caller, "pred", pred, "target", target)
    return pred, target


def mse(pred, target):
    """Mean squared error, mean((pred - target)^2) (keras.losses.MeanSquaredError).

    Inputs:
    - pred: predictions, of any shape
    - target: targets, of the shape of pred

    Returns a tuple of:
    - loss: a scalar
    - dpred: 2 * (pred - target) / pred.size, of the shape of pred

    Introduced in lesson 09.
    """
    pred, target = _pair("mse", pred, target)
    error = pred - target
    return np.mean(error**2), 2 * error / error.dtype.type(error.size)


def mae(pred, target):
    """Mean absolute error, mean(|pred - target|) (keras.losses.MeanAbsoluteError).

    Returns a tuple of:
    - loss: a scalar
    - dpred: sign(pred - target) / pred.size (0 where pred == target)

    Introduced in lesson 09.
    """
    pred, target = _pair("mae", pred, target)
    error = pred - target
    return np.mean(np.abs(error)), np.sign(error) / error.dtype.type(error.size)


def huber(pred, target, delta=1.0):
    """Huber loss (keras.losses.Huber): quadratic near 0, linear beyond delta.

    Per element, with e = pred - target:
    0.5 * e^2 where |e| <= delta, delta * |e| - 0.5 * delta^2 elsewhere.

    Returns a tuple of:
    - loss: the mean over all elements, a scalar
    - dpred: e where |e| <= delta, delta * sign(e) elsewhere, divided by pred.size

    Introduced in lesson 09.
    """
    pred, target = _pair("huber", pred, target)
    delta = pred.dtype.type(delta)
    error = pred - target
    small = np.abs(error) <= delta
    per_element = np.where(small, 0.5 * error**2, delta * np.abs(error) - 0.5 * delta**2)
    grad = np.where(small, error, delta * np.sign(error))
    return np.mean(per_element), grad / error.dtype.type(error.size)


def binary_cross_entropy(probs, target):
    """Binary cross-entropy on probabilities (keras.losses.BinaryCrossentropy()).

    Like Keras, probabilities are first clipped to [1e-7, 1 - 1e-7] so log(0)
    never happens; where a probability was clipped, its gradient is 0.

    Inputs:
    - probs: predicted probabilities of class 1, of any shape, in [0, 1]
    - target: 0/1 labels (or soft labels), of the shape of probs

    Returns a tuple of:
    - loss: mean of -(t * log(p) + (1 - t) * log(1 - p)), a scalar
    - dpred: (p - t) / (p * (1 - p)) / probs.size, of the shape of probs

    Introduced in lesson 09.
    """
    probs, target = _pair("binary_cross_entropy", probs, target)
    low = probs.dtype.type(KERAS_EPSILON)
    high = probs.dtype.type(1) - low
    clipped = np.clip(probs, low, high)
    per_element = -(target * np.log(clipped) + (1 - target) * np.log(1 - clipped))
    grad = -(target / clipped) + (1 - target) / (1 - clipped)
    grad = np.where((probs >= low) & (probs <= high), grad, 0)
    return np.mean(per_element), grad / probs.dtype.type(probs.size)
