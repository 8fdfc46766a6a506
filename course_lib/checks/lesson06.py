"""Instant checks for lesson 06: backpropagation through a convolution and a two-layer MLP,
gradient checking."""

import numpy as np

from course_lib import gradcheck, layers
from course_lib.cases import (conv_backward_cases, dense_backward_cases, mlp_cases,
                              relu_backward_cases)
from course_lib.checks._core import Case, Mistake, run_check
from course_lib.contract import in_layouts


def _conv_cases():
    """(x, w, b, dout, stride, padding) cases; the lesson's cache is (x, w, b, stride, padding)."""
    rng = np.random.default_rng(601)
    cases = []
    for n, h, w, c, f, k, s, p in [(1, 3, 3, 1, 2, 1, 1, 0), (2, 5, 5, 3, 3, 4, 1, 0),
                                   (3, 4, 5, 2, 2, 2, 1, 1), (2, 7, 7, 2, 3, 3, 2, 1),
                                   (2, 6, 6, 1, 1, 2, 2, 0)]:
        out_h, out_w = (h + 2 * p - f) // s + 1, (w + 2 * p - f) // s + 1
        cases.append(Case((rng.normal(size=(n, h, w, c)), rng.normal(size=(f, f, c, k)),
                           rng.normal(size=k), rng.normal(size=(n, out_h, out_w, k)), s, p),
                          label=f"x {(n, h, w, c)}, w {(f, f, c, k)}, stride {s}, padding {p}"))
    for x, w, b, dout, s, p in conv_backward_cases(602, count=6):
        cases.append(Case((x, w, b, dout, s, p),
                          label=f"x {x.shape} {x.dtype}, w {w.shape} (KH, KW, C, K), stride {s}, "
                                f"padding {p}"))
    return cases


def _with_cache(backward):
    def run(x, w, b, dout, stride, padding):
        return backward(dout, (x, w, b, stride, padding))
    return run


def _reference_backward(x, w, b, dout, stride, padding):
    _, cache = layers.conv2d_forward(x, w, b, stride, padding)
    return layers.conv2d_backward(dout, cache)


def _changed(index, new):
    """A wrong backward: the reference with gradient `index` replaced by new(x, w, dout, s, p)."""
    def run(x, w, b, dout, stride, padding):
        grads = list(_reference_backward(x, w, b, dout, stride, padding))
        grads[index] = new(x, w, dout, stride, padding)
        return tuple(grads)
    return run


def _dw_first_image(x, w, dout, stride, padding):
    _, cache = layers.conv2d_forward(x[:1], w, np.zeros(w.shape[3]), stride, padding)
    return layers.conv2d_backward(dout[:1], cache)[1]


def _dx_not_cropped(x, w, dout, stride, padding):
    padded = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    _, cache = layers.conv2d_forward(padded, w, np.zeros(w.shape[3]), stride, 0)
    return layers.conv2d_backward(dout, cache)[0]


def _dx_assigned(x, w, dout, stride, padding):
    """dx with `=` where `+=` is meant: overlapping windows keep only the last one's share."""
    _, cache = layers.conv2d_forward(x, w, np.zeros(w.shape[3]), stride, padding)
    pads = cache[4]
    kernel_h, kernel_w = w.shape[:2]
    padded = np.zeros((x.shape[0], x.shape[1] + sum(pads[0]), x.shape[2] + sum(pads[1]),
                       x.shape[3]))
    for r in range(dout.shape[1]):
        for c in range(dout.shape[2]):
            top, left = r * stride, c * stride
            padded[:, top:top + kernel_h, left:left + kernel_w, :] = np.einsum(
                "nk,ijck->nijc", dout[:, r, c, :], w)
    return padded[:, pads[0][0]:padded.shape[1] - pads[0][1],
                  pads[1][0]:padded.shape[2] - pads[1][1], :]


def conv2d_backward(function):
    """Check a learner's conv2d_backward(dout, cache), cache = (x, w, b, stride, padding)."""
    return run_check(
        "conv2d_backward", _with_cache(function), _reference_backward, _conv_cases(),
        parts=("dx", "dw", "db"),
        mistakes=[
            Mistake(_changed(2, lambda x, w, dout, s, p: dout.sum(axis=0)),
                    "db sums dout over the batch AND every output position: "
                    "dout.sum(axis=(0, 1, 2)), of shape (K,)."),
            Mistake(_changed(2, lambda x, w, dout, s, p: np.full(w.shape[3], dout.sum())),
                    "db has one value per filter: do not sum over the filter axis K."),
            Mistake(_changed(1, _dw_first_image),
                    "dw must add the contributions of every image in the batch, not only one."),
            Mistake(_changed(1, lambda x, w, dout, s, p:
                             _reference_backward(x, w, np.zeros(w.shape[3]), dout, s, p)[1]
                             / x.shape[0]),
                    "dw is a sum over the batch, not a mean: do not divide by N."),
            Mistake(_changed(0, _dx_assigned),
                    "Windows overlap, so one input pixel gets gradient from several output "
                    "pixels: add into dx (dx_pad[window] += ...), do not assign (=)."),
            Mistake(_changed(0, _dx_not_cropped),
                    "dx must have the shape of x: cut the padding off the padded gradient."),
        ],
        generic_hint="db[k] = sum of dout[..., k]; dw[i, j] = sum over windows of "
                     "x_window[i, j] * dout; dx adds w[i, j] @ dout into every window of a "
                     "padded zero array, then crops the padding.")


def _quadratic(a):
    return lambda v: np.sum(a * v * v) + np.sum(v)


def numerical_gradient(function):
    """Check a learner's numerical_gradient(f, x, dout=None, h=1e-5)."""
    rng = np.random.default_rng(602)
    a = rng.normal(size=(3, 2))
    matrix = rng.normal(size=(4, 3))
    cases = [
        Case((lambda v: np.sum(v ** 2), np.array([1.0, -2.0, 3.0])), {"h": 0.5},
             label="f = sum(x**2), h = 0.5 (exact for a quadratic)"),
        Case((_quadratic(a), rng.normal(size=(3, 2))), {"h": 1e-2},
             label="a quadratic in a (3, 2) array, h = 0.01"),
        Case((lambda v: np.sum(np.exp(v)), rng.normal(size=(2, 2))),
             label="f = sum(exp(x)), default h"),
        Case((lambda v: np.tanh(v @ matrix), rng.normal(size=(2, 4)), rng.normal(size=(2, 3))),
             label="an array-valued f = tanh(x @ M) with dout"),
        Case((lambda v: v, np.zeros((2, 2)), np.array([[1.0, 2.0], [3.0, 4.0]])),
             label="f returns x itself (a view), with dout"),
    ]

    def reference(f, x, dout=None, h=1e-5):
        return gradcheck.numerical_gradient(f, x.copy(), dout, h)

    def one_sided(f, x, dout=None, h=1e-5):
        grad = np.zeros(x.shape)
        base = np.sum(np.array(f(x), dtype=float) * (1 if dout is None else dout))
        for index in np.ndindex(x.shape):
            x[index] += h
            grad[index] = (np.sum(np.array(f(x), dtype=float) * (1 if dout is None else dout))
                           - base) / h
            x[index] -= h
        return grad

    return run_check(
        "numerical_gradient", function, reference, cases,
        compare=lambda got, expected: _close(got, expected, 1e-6),
        inputs_read_only=False,  # it perturbs x in place by design, and restores it
        mistakes=[
            Mistake(one_sided, "That is a one-sided difference (f(x+h) - f(x)) / h, accurate only "
                               "to about h: use (f(x+h) - f(x-h)) / (2h)."),
            Mistake(lambda f, x, dout=None, h=1e-5: 2 * reference(f, x, dout, h),
                    "The two evaluations are 2h apart: divide by 2h, not h."),
            Mistake(lambda f, x, dout=None, h=1e-5: reference(f, x, None, h),
                    "With dout, the gradient is that of sum(f(x) * dout): multiply by dout "
                    "before summing."),
        ],
        generic_hint="For every index of x: set x[index] += h, evaluate sum(f(x) * dout), set "
                     "x[index] -= 2h, evaluate again, restore x[index], and divide the "
                     "difference by 2h.")


def _close(got, expected, rtol):
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    return got.shape == expected.shape and bool(np.allclose(got, expected, rtol=rtol, atol=1e-8))


def relative_error(function):
    """Check a learner's relative_error(a, b)."""
    rng = np.random.default_rng(603)
    a = rng.normal(size=(3, 4)) * 10.0 ** rng.integers(-5, 5, size=(3, 4))
    cases = [Case((np.array([3.0]), np.array([1.0])), label="3 and 1"),
             Case((np.array([1e6]), np.array([1e6 + 1.0])), label="large, close values"),
             Case((np.array([1e-6]), np.array([2e-6])), label="tiny values, 2x apart"),
             Case((np.array([2.0, -1.0]), np.array([0.0, 1.0])), label="opposite signs"),
             Case((np.zeros(3), np.zeros(3)), label="both zero"),
             Case((a, a * (1 + 1e-3 * rng.normal(size=a.shape))), label="many scales")]

    def elementwise(a, b, denominator):
        a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
        return float(np.max(np.abs(a - b) / np.maximum(1e-8, denominator(a, b))))

    return run_check(
        "relative_error", function, gradcheck.relative_error, cases,
        compare=lambda got, expected: _close(got, np.asarray(expected), 1e-7),
        mistakes=[
            Mistake(lambda a, b: float(np.max(np.abs(np.asarray(a) - np.asarray(b)))),
                    "That is the absolute error: divide by |a| + |b| to make it scale-free."),
            Mistake(lambda a, b: elementwise(a, b, lambda a, b: np.abs(a)),
                    "Divide by |a| + |b|, not |a| alone: the error must be symmetric in a, b."),
            Mistake(lambda a, b: elementwise(a, b, lambda a, b: np.abs(a + b)),
                    "Take absolute values first: |a| + |b|, not |a + b| (which is 0 when "
                    "a = -b)."),
            Mistake(lambda a, b: elementwise(a, b, lambda a, b: np.maximum(np.abs(a), np.abs(b))),
                    "This course's denominator is |a| + |b|, not max(|a|, |b|)."),
        ],
        generic_hint="relative_error = max over elements of |a - b| / max(1e-8, |a| + |b|).")


def dense_backward(function):
    """Check a learner's dense_backward(dout, cache), cache = (x, w, b) of lesson 01."""
    rng = np.random.default_rng(604)
    cases = [Case((np.ones((2, 2)), (np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
                                     np.arange(6.0).reshape(3, 2), np.zeros(2))),
                  label="x 2x3, w 3x2, dout all ones")]
    for n, d, m in [(1, 1, 1), (4, 3, 2), (2, 5, 7), (3, 4, 4)]:
        cases.append(Case((rng.normal(size=(n, m)), (rng.normal(size=(n, d)),
                                                     rng.normal(size=(d, m)), rng.normal(size=m))),
                          label=f"x {n}x{d}, w {d}x{m}"))
    for layout, (x, w, b, dout) in in_layouts(dense_backward_cases(605, count=8)):
        cases.append(Case((dout, (x, w, b)), label=f"x {x.shape[0]}x{x.shape[1]} {x.dtype}, "
                                                  f"w {w.shape[0]}x{w.shape[1]}, arrays {layout}"))

    def replaced(index, new):
        def run(dout, cache):
            grads = list(layers.dense_backward(dout, cache))
            grads[index] = new(dout, np.asarray(cache[0]), np.asarray(cache[1]))
            return tuple(grads)
        return run

    return run_check(
        "dense_backward", function, layers.dense_backward, cases, parts=("dx", "dw", "db"),
        mistakes=[
            Mistake(replaced(1, lambda dout, x, w: dout.T @ x),
                    "dw has the shape of w, (D, M): it is x.T @ dout, not dout.T @ x (which is "
                    "its transpose, (M, D))."),
            Mistake(replaced(0, lambda dout, x, w: dout @ w),
                    "dx = dout @ w.T: dout is (N, M) and w is (D, M), so w must be transposed "
                    "to give dx the shape of x, (N, D)."),
            Mistake(replaced(2, lambda dout, x, w: dout),
                    "b is added to every row of the batch, so db sums dout over the batch: "
                    "dout.sum(axis=0), of shape (M,)."),
            Mistake(replaced(2, lambda dout, x, w: dout.mean(axis=0)),
                    "db is a sum over the batch, not a mean: do not divide by N."),
            Mistake(replaced(2, lambda dout, x, w: dout.sum(axis=1)),
                    "db has one value per output unit: sum over the batch axis 0, not axis 1."),
        ],
        generic_hint="out[n, j] = sum_i x[n, i] w[i, j] + b[j], so dx = dout @ w.T, "
                     "dw = x.T @ dout and db = dout.sum(axis=0); the cache is (x, w, b).")


def relu_backward(function):
    """Check a learner's relu_backward(dout, cache), cache = x."""
    rng = np.random.default_rng(606)
    cases = [Case((np.array([[1.0, 2.0, 3.0, 4.0, 5.0]]), np.array([[-2.0, -0.5, 0.0, 0.5, 2.0]])),
                  label="x around 0, with x == 0 exactly")]
    cases += [Case((rng.normal(size=shape), rng.normal(size=shape)), label=f"random, shape {shape}")
              for shape in [(3, 4), (2, 3, 5)]]
    cases += [Case((dout, x), label=f"x {x.shape} {x.dtype}, with exact zeros, {layout}")
              for layout, (x, dout) in in_layouts(relu_backward_cases(607, count=6))]
    return run_check(
        "relu_backward", function, layers.relu_backward, cases,
        mistakes=[
            Mistake(lambda dout, x: np.where(np.asarray(x) >= 0, dout, 0),
                    "At x == 0 exactly (the kink), the gradient is 0, as in TensorFlow: keep "
                    "dout where x > 0, not x >= 0."),
            Mistake(lambda dout, x: dout * np.maximum(x, 0),
                    "ReLU's derivative is 1 where x > 0 and 0 elsewhere: multiply dout by the "
                    "mask (x > 0), not by relu(x)."),
            Mistake(lambda dout, x: np.where(np.asarray(x) > 0, 1.0, 0.0) + 0 * dout,
                    "The local derivative (x > 0) must be multiplied by the upstream dout."),
            Mistake(lambda dout, x: np.where(np.asarray(x) < 0, dout, 0),
                    "ReLU passes the gradient where x > 0 (the positive inputs), not where "
                    "x < 0."),
        ],
        generic_hint="dx = dout where x > 0 and 0 elsewhere (np.where(x > 0, dout, 0)); a new "
                     "array: do not change dout in place.")


def _mlp_without_relu_backward(x, y, w1, b1, w2, b2):
    """The two-layer MLP's gradients with the ReLU skipped on the way back (forward as usual)."""
    x, y, w1, b1, w2, b2 = (np.asarray(a, dtype=np.float64) for a in (x, y, w1, b1, w2, b2))
    activated = np.maximum(x @ w1 + b1, 0)
    error = activated @ w2 + b2 - y
    dscores = 2 * error / error.size
    dhidden = dscores @ w2.T
    return (float(np.mean(error ** 2)), x.T @ dhidden, dhidden.sum(axis=0),
            activated.T @ dscores, dscores.sum(axis=0))


def mlp_loss_and_gradients(function):
    """Check a learner's mlp_loss_and_gradients(x, y, w1, b1, w2, b2)."""
    cases = [Case((np.array([[1.0, -1.0]]), np.array([[0.5]]), np.array([[1.0, -1.0], [2.0, 1.0]]),
                   np.array([0.5, 0.5]), np.array([[1.0], [-2.0]]), np.array([0.25])),
                  label="one example, D 2, H 2, M 1")]
    cases += [Case(case, label=f"x {case[0].shape} {case[0].dtype}, H {case[2].shape[1]}, "
                               f"M {case[1].shape[1]}") for case in mlp_cases(608, count=6)]

    def close(got, expected):
        try:
            return (isinstance(got, (tuple, list)) and len(got) == len(expected)
                    and all(np.shape(g) == np.shape(e)
                            and np.allclose(np.asarray(g, dtype=float), e, rtol=1e-4, atol=1e-6)
                            for g, e in zip(got, expected)))
        except (TypeError, ValueError):
            return False

    return run_check(
        "mlp_loss_and_gradients", function, gradcheck.mlp_loss_and_gradients, cases,
        parts=("loss", "dw1", "db1", "dw2", "db2"), compare=close,
        mistakes=[
            Mistake(_mlp_without_relu_backward,
                    "The gradient must go back through the ReLU too: relu_backward(dactivated, "
                    "cache) between the two dense_backward calls."),
            Mistake(lambda *args: _scaled(args, 1.0), "The loss is a mean over all N * M "
                    "values: dL/dscores = 2 * (scores - y) / (N * M), not 2 * (scores - y)."),
            Mistake(lambda *args: _scaled(args, "batch"), "The mean is over all N * M values, "
                    "not over the batch only: divide 2 * (scores - y) by N * M."),
            Mistake(lambda *args: _scaled(args, "half"), "The derivative of (scores - y) ** 2 "
                    "is 2 * (scores - y): do not forget the 2."),
        ],
        generic_hint="Forward: hidden = x @ w1 + b1, activated = relu(hidden), scores = "
                     "activated @ w2 + b2, loss = mean((scores - y) ** 2). Backward: dscores = "
                     "2 * (scores - y) / scores.size, then dense_backward with the second layer's "
                     "cache (activated, w2, b2), relu_backward with the cache hidden, and "
                     "dense_backward with the first layer's cache (x, w1, b1).")


def _scaled(args, how):
    """The reference's gradients with dL/dscores scaled wrongly (`how`: 1.0, 'batch', 'half')."""
    loss, *grads = gradcheck.mlp_loss_and_gradients(*args)
    n, m = np.shape(args[1])
    factor = {1.0: n * m, "batch": m, "half": 0.5}[how]
    return (loss, *(factor * g for g in grads))
