"""Instant checks for lesson 07: dropout and the L2 penalty."""

import numpy as np

from course_lib import layers, regularization
from course_lib.cases import dropout_cases
from course_lib.checks._core import OUT, Case, Mistake, run_check
from course_lib.checks._expected import fingerprint, remembered
from course_lib.contract import cache_check


def _dropout_cases():
    rng = np.random.default_rng(701)
    cases = [Case((np.ones((4, 5)), 0.5, True, 0), label="ones, rate 0.5, training"),
             Case((np.ones((4, 5)), 0.5, False, 0), label="ones, rate 0.5, inference")]
    for shape, rate, training in [((3, 8), 0.25, True), ((2, 4, 4, 3), 0.45, True),
                                  ((6, 6), 0.8, True), ((5, 7), 0.3, False), ((10,), 0.0, True)]:
        cases.append(Case((rng.normal(size=shape), rate, training, int(rng.integers(1000))),
                          label=f"x {shape}, rate {rate}, training={training}"))
    for x, rate, seed in dropout_cases(701, count=6):
        cases.append(Case((x, rate, True, seed),
                          label=f"x {x.shape} {x.dtype}, rate {rate}, training=True"))
    return cases


def _with_seed(forward):
    """forward(x, rate, training, rng) called with a fresh generator seeded by `seed`."""
    def run(x, rate, training, seed):
        return forward(x, rate, training, np.random.default_rng(seed))
    return run


def _keep(x, rate, seed):
    return np.random.default_rng(seed).random(np.shape(x)) >= rate


def _lesson_backward(dout, cache):
    """The lesson's backward rule: dout times the cache's mask and scale (dout without a mask)."""
    mask, scale = cache
    return dout if mask is None else dout * np.asarray(mask) * scale


def _documented_cache(x, rate, training, seed):
    return (_keep(x, rate, seed), 1 / (1 - rate)) if training else (None, 1.0)


def dropout_forward(function):
    """Check a learner's dropout_forward(x, rate, training, rng) -> (out, cache)."""
    def no_rescale(x, rate, training, seed):
        return (x * _keep(x, rate, seed), None) if training else (x, None)

    def scaled_at_inference(x, rate, training, seed):
        return (x * _keep(x, rate, seed) / (1 - rate), None) if training else (x * (1 - rate), None)

    def rate_is_keep(x, rate, training, seed):
        if not training:
            return x, None
        keep = np.random.default_rng(seed).random(np.shape(x)) < rate
        return x * keep / rate, None

    def mask_inverted(x, rate, training, seed):
        if not training:
            return x, None
        return x * (np.random.default_rng(seed).random(np.shape(x)) < rate) / (1 - rate), None

    def always_drops(x, rate, training, seed):
        return x * _keep(x, rate, seed) / (1 - rate), None

    return run_check(
        "dropout_forward", _with_seed(function), _with_seed(layers.dropout_forward),
        _dropout_cases(),
        output=OUT,
        mistakes=[
            Mistake(no_rescale, "Inverted dropout scales the kept units by 1 / (1 - rate), so "
                                "the expected activation stays the same."),
            Mistake(scaled_at_inference, "At inference dropout is the identity: with inverted "
                                         "dropout the scaling already happened in training."),
            Mistake(always_drops, "With training=False return x unchanged (no mask at "
                                  "inference)."),
            Mistake(rate_is_keep, "rate is the fraction DROPPED (Keras' meaning): keep a unit "
                                  "where rng.random(x.shape) >= rate, scale by 1 / (1 - rate)."),
            Mistake(mask_inverted, "Keep a unit where rng.random(x.shape) >= rate (not < rate)."),
        ],
        generic_hint="In training: keep = rng.random(x.shape) >= rate; out = x * keep / (1 - rate). "
                     "At inference: out = x. The cache is (mask, scale), (None, 1.0) at inference.",
        contract=cache_check("dropout_forward", _lesson_backward, _documented_cache,
                             "(mask, scale)"))


def dropout_backward(function):
    """Check a learner's dropout_backward(dout, cache) on caches (mask, scale) made by the
    course_lib reference dropout_forward (mask None at inference; stored in a graded copy)."""
    def run(backward):
        def go(x, rate, training, seed, dout):
            key = "cache: " + fingerprint((x, rate, training, seed))
            cache = remembered("dropout_backward", key, lambda: layers.dropout_forward(
                x, rate, training, np.random.default_rng(seed))[1])
            return backward(dout, cache)
        return go

    rng = np.random.default_rng(702)
    cases = [Case(case.args + (rng.normal(size=np.shape(case.args[0])),), label=case.label)
             for case in _dropout_cases()]

    def no_rescale(x, rate, training, seed, dout):
        return dout * _keep(x, rate, seed) if training else dout

    def upstream_only(x, rate, training, seed, dout):
        return dout

    return run_check(
        "dropout_backward", run(function), run(layers.dropout_backward), cases,
        mistakes=[
            Mistake(no_rescale, "The forward pass multiplied kept units by 1 / (1 - rate); the "
                                "gradient gets the same factor."),
            Mistake(upstream_only, "Dropped units did not affect the output: their gradient is 0 "
                                   "(multiply dout by the mask)."),
        ],
        generic_hint="dx = dout * mask / (1 - rate) in training (the same mask as the forward "
                     "pass), dx = dout at inference.")


def _l2_cases():
    rng = np.random.default_rng(703)
    cases = [Case((np.array([1.0, -2.0, 3.0]), 0.1), label="w = [1, -2, 3], l2 = 0.1")]
    for shape, l2 in [((3, 4), 0.01), ((2, 2, 1, 5), 0.5), ((7,), 0.0), ((5, 5), 1e-3)]:
        cases.append(Case((rng.normal(size=shape), l2), label=f"w {shape}, l2 {l2}"))
    return cases


def l2_penalty(function):
    """Check a learner's l2_penalty(w, l2) = 0.5 * l2 * sum(w^2)."""
    return run_check(
        "l2_penalty", function, regularization.l2_penalty, _l2_cases(),
        mistakes=[
            Mistake(lambda w, l2: l2 * np.sum(w ** 2),
                    "That is Keras' L2 (no 0.5). The course's penalty is 0.5 * l2 * sum(w^2)."),
            Mistake(lambda w, l2: 0.5 * l2 * np.sum(np.abs(w)),
                    "Square the weights (L2), not their absolute values (L1)."),
            Mistake(lambda w, l2: 0.5 * l2 * np.sum(w) ** 2,
                    "Square each weight, then sum: sum(w ** 2), not sum(w) ** 2."),
            Mistake(lambda w, l2: 0.5 * l2 * np.sqrt(np.sum(w ** 2)),
                    "The penalty uses the squared norm, no square root."),
        ],
        generic_hint="penalty = 0.5 * l2 * (w ** 2).sum(), one number for the whole array.")


def l2_grad(function):
    """Check a learner's l2_grad(w, l2) = l2 * w."""
    return run_check(
        "l2_grad", function, regularization.l2_grad, _l2_cases(),
        mistakes=[
            Mistake(lambda w, l2: 2 * l2 * w,
                    "The 0.5 in 0.5 * l2 * w^2 cancels the 2 of the derivative: the gradient is "
                    "l2 * w, not 2 * l2 * w."),
            Mistake(lambda w, l2: np.zeros_like(w),
                    "The penalty depends on w, so its gradient is not 0: it is l2 * w."),
            Mistake(lambda w, l2: 0.5 * l2 * w ** 2,
                    "That is the penalty of each weight; its derivative is l2 * w."),
            Mistake(lambda w, l2: l2 * np.sign(w),
                    "l2 * sign(w) is the gradient of the L1 penalty; L2's is l2 * w."),
        ],
        generic_hint="d/dw (0.5 * l2 * w^2) = l2 * w, element by element, of the shape of w.")
