"""Instant checks for lesson 01: neurons, dense layers and activations."""

import numpy as np

from course_lib import layers, shapes
from course_lib.cases import dense_cases, mlp_sizes_cases, relu_cases, softmax_cases
from course_lib.checks._core import OUT, Case, Mistake, run_check
from course_lib.contract import cache_check, in_layouts


def _dense_cases():
    rng = np.random.default_rng(101)
    cases = [Case((np.array([[5.0, 1.0, 2.0]]), np.array([[2.5], [0.5], [4.0]]),
                   np.array([90.0])), label="one cereal, three features, one output")]
    for n, d, m in [(1, 1, 1), (4, 3, 2), (2, 5, 7), (8, 16, 4)]:
        cases.append(Case((rng.normal(size=(n, d)), rng.normal(size=(d, m)),
                           rng.normal(size=m)), label=f"x {n}x{d}, w {d}x{m}"))
    # the graded test's generator, other seeds; in float64 here (the graded test adds float32)
    for x, w, b in dense_cases(111, count=6):
        cases.append(Case(tuple(a.astype(np.float64) for a in (x, w, b)),
                          label=f"x {x.shape[0]}x{x.shape[1]}, w {w.shape[0]}x{w.shape[1]}"))
    for layout, (x, w, b) in in_layouts(dense_cases(121, count=4)):
        cases.append(Case((x, w, b), label=f"x {x.shape[0]}x{x.shape[1]} {x.dtype}, "
                                            f"arrays {layout}"))
    return cases


def dense_forward(function):
    """Check a learner's dense_forward(x, w, b) -> (out, cache) against the reference."""
    return run_check(
        "dense_forward", function, layers.dense_forward, _dense_cases(),
        output=OUT,
        mistakes=[
            Mistake(lambda x, w, b: (x @ w, None),
                    "The output is x @ w without the bias: add b to every row."),
            Mistake(lambda x, w, b: (x @ w + b.sum(), None),
                    "Add the bias vector b (one value per output unit), not its sum."),
            Mistake(lambda x, w, b: (np.maximum(x @ w + b, 0), None),
                    "A dense layer is linear: the activation comes after it, as its own step."),
        ],
        generic_hint="Each output unit j computes sum_i x[n, i] * w[i, j] + b[j]; "
                     "return (out, cache) with out of shape (N, M) and cache = (x, w, b).",
        contract=cache_check("dense_forward", layers.dense_backward,
                             lambda x, w, b: (np.array(x), np.array(w), np.array(b)),
                             "(x, w, b)"))


def relu_forward(function):
    """Check a learner's relu_forward(x) -> (out, cache) against the reference."""
    rng = np.random.default_rng(102)
    cases = [Case((np.array([[-2.0, -0.5, 0.0, 0.5, 2.0]]),), label="a few values around 0")]
    cases += [Case((rng.normal(size=shape),), label=f"random, shape {shape}")
              for shape in [(3, 4), (2, 3, 5), (10,)]]
    cases += [Case((x,), label=f"shape {x.shape}, {x.dtype}, largest |x| {abs(x).max():.3g}")
              for x in relu_cases(112, count=6)]
    cases += [Case((x,), label=f"shape {x.shape}, {x.dtype}, {layout}")
              for layout, x in in_layouts(relu_cases(122, count=4))]
    return run_check(
        "relu_forward", function, layers.relu_forward, cases,
        output=OUT,
        mistakes=[
            Mistake(lambda x: (np.abs(x), None), "ReLU sets negatives to 0; abs flips their sign."),
            Mistake(lambda x: (np.clip(x, 0, 1), None), "ReLU has no upper limit: do not clip at 1."),
            Mistake(lambda x: (np.minimum(x, 0), None), "ReLU keeps the positive part: max(0, x)."),
        ],
        generic_hint="relu(x) = max(0, x) element by element (np.maximum, not np.max); "
                     "the cache is x.",
        contract=cache_check("relu_forward", layers.relu_backward, np.array, "x"))


def softmax(function):
    """Check a learner's softmax(x) (rows of logits -> rows of probabilities)."""
    rng = np.random.default_rng(103)
    cases = [Case((np.array([[1.0, 2.0, 3.0]]),), label="one row"),
             Case((rng.normal(size=(4, 5)),), label="4 rows of 5 logits"),
             Case((rng.normal(size=(3, 3)),), label="3 rows of 3 logits"),
             Case((np.array([[1000.0, 1001.0, 1002.0], [-1000.0, 0.0, 1000.0]]),),
                  label="very large logits")]
    cases += [Case((x.astype(np.float64),), label=f"{x.shape[0]} rows of {x.shape[1]} logits, "
                   f"from {x.min():.3g} to {x.max():.3g}") for x in softmax_cases(113, count=8)]

    def no_max_shift(x):
        with np.errstate(over="ignore", invalid="ignore"):
            e = np.exp(x)
            return e / e.sum(axis=-1, keepdims=True)

    def no_keepdims(x):
        shifted = x - x.max(axis=-1, keepdims=True)
        return np.exp(shifted) / np.exp(shifted).sum(axis=-1)

    def max_no_keepdims(x):
        shifted = x - x.max(axis=-1)
        return np.exp(shifted) / np.exp(shifted).sum(axis=-1, keepdims=True)

    keepdims = ("Keep the summed (or max) axis: x.sum(axis=-1, keepdims=True) has shape (N, 1) "
                "and divides each row by its own sum; without keepdims the (N,) result is "
                "broadcast along the rows, which mixes rows up (or fails when N != M).")
    return run_check(
        "softmax", function, layers.softmax, cases,
        mistakes=[
            Mistake(no_keepdims, keepdims),
            Mistake(max_no_keepdims, keepdims),
            Mistake(no_max_shift,
                    "np.exp overflows for large logits: subtract each row's max first "
                    "(the result does not change, the numbers stay small)."),
            Mistake(lambda x: np.exp(x - x.max()) / np.exp(x - x.max()).sum(),
                    "Normalize each row on its own: sum over the last axis, keepdims=True."),
            Mistake(lambda x: np.exp(x) / np.exp(x).sum(axis=0, keepdims=True),
                    "Each row is one example: sum over axis -1, not axis 0."),
        ],
        generic_hint="softmax(x)_j = exp(x_j - max(x)) / sum_k exp(x_k - max(x)), row by row.")


def mlp_param_count(function):
    """Check a learner's mlp_param_count(sizes) against the reference."""
    cases = [Case(([3, 1],), label="the linear unit: 3 inputs, 1 output"),
             Case(([784, 256, 256, 10],), label="the MNIST MLP"),
             Case(([2, 3, 4, 5, 6],), label="four small layers"),
             Case(([10, 10],), label="one square layer")]
    cases += [Case((sizes,), label=f"widths {sizes}") for sizes in mlp_sizes_cases(114, count=6)]

    def sum_pairs(sizes, per_pair):
        return int(sum(per_pair(a, b) for a, b in zip(sizes[:-1], sizes[1:])))

    return run_check(
        "mlp_param_count", function, shapes.mlp_param_count, cases,
        mistakes=[
            Mistake(lambda s: sum_pairs(s, lambda a, b: a * b),
                    "Every unit also has a bias: add n_out per layer."),
            Mistake(lambda s: sum_pairs(s, lambda a, b: 2 * a * b),
                    "There is one bias per output unit, not one per weight."),
            Mistake(lambda s: sum_pairs(s, lambda a, b: a * b + a),
                    "The biases belong to the layer's outputs: n_in * n_out + n_out."),
        ],
        generic_hint="A dense layer from n_in to n_out has n_in * n_out + n_out parameters; "
                     "sum over consecutive pairs of sizes.")
