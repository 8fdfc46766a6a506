"""Instant checks for lesson 05: pooling."""

import numpy as np

from course_lib import layers
from course_lib.cases import pool_cases
from course_lib.checks._core import OUT, Case, Mistake, run_check
from course_lib.contract import cache_check, in_layouts

FIGURE = np.array([[1, 1, 2, 4], [5, 6, 7, 8], [3, 2, 1, 0], [1, 2, 3, 4]],
                  dtype=float)[None, :, :, None]


def _first(result):
    return result[0] if isinstance(result, tuple) else result


def _windows(x, pool_size, stride, reduce):
    """A plain loop over windows ("valid"): the shape every mistake below shares."""
    stride = pool_size if stride is None else stride
    n, h, w, c = x.shape
    rows, cols = (h - pool_size) // stride + 1, (w - pool_size) // stride + 1
    out = np.zeros((n, rows, cols, c))
    for i in range(rows):
        for j in range(cols):
            window = x[:, i * stride: i * stride + pool_size, j * stride: j * stride + pool_size]
            out[:, i, j, :] = reduce(window)
    return out, None


def _pool_cases(seed):
    rng = np.random.default_rng(seed)
    cases = [Case((FIGURE,), label="the 4x4 figure, 2x2 window, default stride"),
             Case((FIGURE, 2, 1), label="the 4x4 figure, 2x2 window, stride 1")]
    for n, h, w, c, pool, stride in [(2, 6, 6, 3, 2, None), (1, 7, 5, 2, 3, None),
                                     (3, 8, 9, 1, 3, 2), (2, 5, 5, 4, 1, None)]:
        cases.append(Case((rng.normal(size=(n, h, w, c)), pool, stride),
                          label=f"x {(n, h, w, c)}, pool_size {pool}, stride {stride}"))
    for x, pool, stride in pool_cases(seed, count=6):
        cases.append(Case((x, pool, stride),
                          label=f"x {x.shape} {x.dtype}, pool_size {pool}, stride {stride}"))
    for layout, (x, pool, stride) in in_layouts(pool_cases(seed + 10, count=4)):
        cases.append(Case((x, pool, stride), label=f"x {x.shape} {x.dtype} ({layout}), "
                                                   f"pool_size {pool}, stride {stride}"))
    return cases


def _pool_cache(backward, name):
    """The cache check of a pooling forward: the lesson's cache is (x, pool_size, stride)."""
    return cache_check(name, backward,
                       lambda x, pool_size=2, stride=None: (
                           np.array(x), pool_size, pool_size if stride is None else stride),
                       "(x, pool_size, stride), with the stride as a number")


def max_pool2d_forward(function):
    """Check a learner's max_pool2d_forward(x, pool_size, stride) (its `out`)."""
    stride_one = (lambda x, pool_size=2, stride=None:
                  _windows(x, pool_size, stride or 1, lambda v: v.max(axis=(1, 2))))
    return run_check(
        "max_pool2d_forward", function, layers.max_pool2d_forward, _pool_cases(501),
        output=OUT,
        mistakes=[
            Mistake(lambda x, pool_size=2, stride=None:
                    _windows(x, pool_size, pool_size, lambda v: v.max(axis=(1, 2))),
                    "Use the `stride` argument: windows start every `stride` pixels (only "
                    "stride=None means stride = pool_size); you always stepped by pool_size."),
            Mistake(stride_one, "With stride=None the stride equals pool_size (Keras' default), "
                                "so windows do not overlap; you used a stride of 1."),
            Mistake(lambda x, pool_size=2, stride=None:
                    _windows(x, pool_size, stride, lambda v: v.mean(axis=(1, 2))),
                    "That is the average of each window; max pooling keeps the largest value."),
            Mistake(lambda x, pool_size=2, stride=None:
                    _windows(x, pool_size, stride, lambda v: v.max(axis=(1, 2, 3))[:, None]),
                    "Pool each channel on its own: take the max over the window's rows and "
                    "columns only (axes 1 and 2), not over the channels."),
        ],
        generic_hint="out[n, i, j, c] = max of x[n, i*s : i*s+p, j*s : j*s+p, c], with "
                     "H_out = (H - p) // s + 1; the cache is (x, pool_size, stride).",
        contract=_pool_cache(layers.max_pool2d_backward, "max_pool2d_forward"))


def avg_pool2d_forward(function):
    """Check a learner's avg_pool2d_forward(x, pool_size, stride) (its `out`)."""
    def divide_by(count):
        return (lambda x, pool_size=2, stride=None: _windows(
            x, pool_size, stride, lambda v: v.sum(axis=(1, 2)) / count(pool_size)))

    return run_check(
        "avg_pool2d_forward", function, layers.avg_pool2d_forward, _pool_cases(502),
        output=OUT,
        mistakes=[
            Mistake(divide_by(lambda p: p), "A p x p window holds p*p values: divide the sum "
                                            "by pool_size ** 2, not by pool_size."),
            Mistake(divide_by(lambda p: 4), "Divide by the number of values in the window, "
                                            "pool_size ** 2, not by a fixed 4."),
            Mistake(lambda x, pool_size=2, stride=None:
                    _windows(x, pool_size, stride or 1, lambda v: v.mean(axis=(1, 2))),
                    "With stride=None the stride equals pool_size, not 1."),
            Mistake(lambda x, pool_size=2, stride=None:
                    _windows(x, pool_size, stride, lambda v: v.max(axis=(1, 2))),
                    "That is max pooling; average pooling takes the mean of each window."),
        ],
        generic_hint="out[n, i, j, c] = mean of x[n, i*s : i*s+p, j*s : j*s+p, c]; "
                     "the cache is (x, pool_size, stride).",
        contract=_pool_cache(layers.avg_pool2d_backward, "avg_pool2d_forward"))


def global_avg_pool2d_forward(function):
    """Check a learner's global_avg_pool2d_forward(x) (its `out`, of shape (N, C))."""
    rng = np.random.default_rng(503)
    cases = [Case((FIGURE,), label="the 4x4 figure: one channel, mean 3.125")]
    cases += [Case((rng.normal(size=shape),), label=f"x {shape}")
              for shape in [(2, 3, 3, 4), (1, 5, 2, 3), (4, 1, 1, 6), (3, 4, 4, 4)]]
    cases += [Case((x,), label=f"x {x.shape} {x.dtype} ({layout})")
              for layout, (x, _, _) in in_layouts(pool_cases(513, count=4))]
    return run_check(
        "global_avg_pool2d_forward", function, layers.global_avg_pool2d_forward, cases,
        output=OUT,
        mistakes=[
            Mistake(lambda x: (x.mean(axis=3), None),
                    "Average over the pixels (axes 1 and 2), one number per channel; "
                    "you averaged over the channels."),
            Mistake(lambda x: (x.mean(axis=(0, 1, 2)), None),
                    "Keep the batch axis: each image gets its own (C,) vector, "
                    "so the output has shape (N, C)."),
            Mistake(lambda x: (x.mean(axis=(1, 2, 3)), None),
                    "Keep one value per channel: average over axes 1 and 2 only."),
            Mistake(lambda x: (x.sum(axis=(1, 2)), None),
                    "Divide the sum by H * W: it is an average, not a sum."),
        ],
        generic_hint="out[n, c] = mean of x[n, :, :, c]: x.mean(axis=(1, 2)); the cache is "
                     "x.shape.",
        contract=cache_check("global_avg_pool2d_forward", layers.global_avg_pool2d_backward,
                             np.shape, "x.shape"))


def max_pool2d_backward(function):
    """Check a learner's max_pool2d_backward(dout, cache), cache = (x, pool_size, stride).

    The caches are built as the lesson's max_pool2d_forward builds them, with the
    stride resolved to a number, so the check does not depend on the forward pass.
    """
    def with_cache(backward):
        def run(x, dout, pool_size, stride):
            return backward(dout, (x, pool_size, pool_size if stride is None else stride))
        return run

    def reference(x, dout, pool_size, stride):
        _, cache = layers.max_pool2d_forward(x, pool_size, stride)
        return layers.max_pool2d_backward(dout, cache)

    rng = np.random.default_rng(504)
    cases = [Case((FIGURE, np.array([[1.0, 2.0], [3.0, 4.0]])[None, :, :, None], 2, None),
                  label="the 4x4 figure, dout [[1, 2], [3, 4]]")]
    for n, h, w, c, pool, stride in [(2, 6, 6, 3, 2, None), (1, 7, 5, 2, 3, None),
                                     (2, 9, 8, 2, 3, 2), (1, 6, 6, 1, 2, 1)]:
        x = rng.permutation(n * h * w * c).reshape(n, h, w, c) / 10.0  # no ties
        rows, cols = (h - pool) // (stride or pool) + 1, (w - pool) // (stride or pool) + 1
        cases.append(Case((x, rng.normal(size=(n, rows, cols, c)), pool, stride),
                          label=f"x {(n, h, w, c)}, pool_size {pool}, stride {stride}"))
    for x, pool, stride in pool_cases(505, count=6, ties=True):
        n, h, w, c = x.shape
        rows, cols = (h - pool) // (stride or pool) + 1, (w - pool) // (stride or pool) + 1
        cases.append(Case((x, rng.normal(size=(n, rows, cols, c)), pool, stride),
                          label=f"x {x.shape} {x.dtype} with tied maxima, pool_size {pool}, "
                                f"stride {stride}"))

    def spread(dout, cache):
        x, pool_size, stride = cache
        dx = np.zeros_like(x, dtype=float)
        for i in range(dout.shape[1]):
            for j in range(dout.shape[2]):
                dx[:, i * stride: i * stride + pool_size, j * stride: j * stride + pool_size] += (
                    dout[:, i: i + 1, j: j + 1, :])
        return dx

    def tied_maxima(accumulate):
        """Gradient to every tied maximum of a window: assigned (the last window wins) or summed."""
        def backward(dout, cache):
            x, pool_size, stride = cache
            dx = np.zeros_like(x, dtype=float)
            for i in range(dout.shape[1]):
                for j in range(dout.shape[2]):
                    rows = slice(i * stride, i * stride + pool_size)
                    columns = slice(j * stride, j * stride + pool_size)
                    window = x[:, rows, columns, :]
                    mask = window == window.max(axis=(1, 2), keepdims=True)
                    upstream = dout[:, i: i + 1, j: j + 1, :]
                    if accumulate:
                        dx[:, rows, columns, :] += mask * upstream
                    else:
                        dx[:, rows, columns, :] = np.where(mask, upstream, dx[:, rows, columns, :])
            return dx
        return backward

    assign, every_tied_max = tied_maxima(accumulate=False), tied_maxima(accumulate=True)

    return run_check(
        "max_pool2d_backward", with_cache(function), reference, cases,
        mistakes=[
            Mistake(with_cache(every_tied_max),
                    "When a window holds several equal maxima (a window of zeros after a ReLU), "
                    "send its gradient to ONE of them, the first in row-major order, as Keras "
                    "does: np.argmax of the window reshaped to (N, p * p, C)."),
            Mistake(with_cache(spread),
                    "Only the largest value of each window gets the gradient; the others did "
                    "not affect the output, so their gradient is 0."),
            Mistake(with_cache(lambda dout, cache: spread(dout, cache) / cache[1] ** 2),
                    "Sharing dout / p**2 over the window is average pooling's backward; max "
                    "pooling sends all of dout to the window's max."),
            Mistake(with_cache(assign),
                    "When windows overlap, one input can be the max of several windows: add "
                    "their gradients (+=) instead of overwriting."),
        ],
        generic_hint="For every window, add dout[n, i, j, c] to dx at the position of that "
                     "window's max; every other position of the window gets 0.")
