"""Instant checks for lesson 08: batch normalization."""

import numpy as np

from course_lib import layers
from course_lib.cases import batchnorm_cases
from course_lib.checks._core import Case, Mistake, run_check
from course_lib.checks._expected import fingerprint, remembered
from course_lib.contract import cache_check


def _state(channels, mean=None, variance=None):
    return {"moving_mean": np.zeros(channels) if mean is None else np.array(mean, dtype=float),
            "moving_variance": (np.ones(channels) if variance is None
                                else np.array(variance, dtype=float))}


def _forward_cases():
    rng = np.random.default_rng(801)
    cases = [Case((np.array([[1.0, 10.0], [3.0, 30.0]]), np.ones(2), np.zeros(2), True),
                  label="two examples, two features, training")]
    for shape, scale, training in [((4, 3), 1.0, True), ((5, 2), 0.05, True),
                                   ((2, 3, 3, 2), 1.0, True), ((6, 3), 2.0, False),
                                   ((1, 2, 2, 3), 1.0, False)]:
        channels = shape[-1]
        cases.append(Case((rng.normal(size=shape) * scale + 1.0, rng.normal(size=channels),
                           rng.normal(size=channels), training),
                          label=f"x {shape}, training={training}"))
    for x, gamma, beta in batchnorm_cases(801, count=4):
        cases.append(Case((x, gamma, beta, True), label=f"x {x.shape}, spread {np.std(x):.2g}"))
    return cases


def _first_state(channels, training):
    """The state a case starts from: Keras' zeros and ones, or moving statistics to use."""
    if training:
        return _state(channels)
    return _state(channels, np.linspace(-1, 1, channels), np.linspace(0.5, 2, channels))


def _run_forward(forward, with_cache=False):
    """Call forward on a fresh state, twice when training; return (out, moving_mean, moving_var),
    and with_cache, the first call's cache after them."""
    def run(x, gamma, beta, training):
        state = _first_state(x.shape[-1], training)
        out, cache = forward(x, gamma, beta, state, training)
        if training:
            forward(x * 2 + 1, gamma, beta, state, training)
        result = (np.asarray(out), np.asarray(state["moving_mean"]),
                  np.asarray(state["moving_variance"]))
        return result + (cache,) if with_cache else result
    return run


def _documented_cache(x, gamma, beta, training, epsilon=1e-3):
    """The lesson's cache (x_hat, gamma, inverse_std, training) of a case's first call."""
    x = np.asarray(x, dtype=float)
    if training:
        axes = tuple(range(x.ndim - 1))
        mean, variance = x.mean(axis=axes), x.var(axis=axes)
    else:
        state = _first_state(x.shape[-1], False)
        mean, variance = state["moving_mean"], state["moving_variance"]
    inverse_std = 1 / np.sqrt(variance + epsilon)
    return (x - mean) * inverse_std, np.array(gamma, dtype=float), inverse_std, training


def _cache_contract():
    """The forward's cache, graded as the hidden test does: the course's backward must get
    from it the gradients it gets from the lesson's (x_hat, gamma, inverse_std, training)."""
    problem = cache_check("batchnorm_forward", layers.batchnorm_backward, _documented_cache,
                          "(x_hat, gamma, inverse_std, training)")
    return lambda result, args, kwargs=None: problem((result[0], result[3]), args, kwargs)


def _wrong_forward(training_stats=None, inference_batch=False, momentum_swapped=False,
                   epsilon_outside=False, new_dict=False):
    def forward(x, gamma, beta, state, training, momentum=0.99, epsilon=1e-3):
        axes = tuple(range(x.ndim - 1))
        if training or inference_batch:
            mean = x.mean(axis=axes)
            variance = (training_stats or (lambda v: v.var(axis=axes)))(x)
        else:
            mean, variance = state["moving_mean"], state["moving_variance"]
        if training and not new_dict:
            old = 1 - momentum if momentum_swapped else momentum
            for key, value in (("moving_mean", mean), ("moving_variance", variance)):
                state[key] = state[key] * old + value * (1 - old)
        std = np.sqrt(variance) + epsilon if epsilon_outside else np.sqrt(variance + epsilon)
        return gamma * (x - mean) / std + beta, None
    return forward


def batchnorm_forward(function):
    """Check a learner's batchnorm_forward: outputs and moving statistics."""
    def unbiased(x):
        flat = x.reshape(-1, x.shape[-1])
        return flat.var(axis=0, ddof=1)

    return run_check(
        "batchnorm_forward", _run_forward(function, with_cache=True),
        _run_forward(layers.batchnorm_forward), _forward_cases(),
        output=lambda result: result[:3],
        mistakes=[
            Mistake(_run_forward(_wrong_forward(inference_batch=True)),
                    "At inference (training=False) use state's moving_mean and "
                    "moving_variance, not the batch's statistics."),
            Mistake(_run_forward(_wrong_forward(momentum_swapped=True)),
                    "Keras' rule keeps most of the old value: moving = moving * momentum + "
                    "batch * (1 - momentum)."),
            Mistake(_run_forward(_wrong_forward(epsilon_outside=True)),
                    "epsilon goes inside the square root: sqrt(variance + epsilon)."),
            Mistake(_run_forward(_wrong_forward(training_stats=unbiased)),
                    "Use the biased batch variance (divide by m, np.var's default ddof=0)."),
            Mistake(_run_forward(_wrong_forward(new_dict=True)),
                    "Update the moving statistics in the state dict you were given (in place), "
                    "so the caller sees them."),
        ],
        generic_hint="Training: mean and biased variance over every axis but the last, "
                     "out = gamma * (x - mean) / sqrt(var + epsilon) + beta, then "
                     "moving = moving * momentum + batch * (1 - momentum) in state. "
                     "Inference: the same with the moving statistics.",
        contract=_cache_contract())


def batchnorm_backward(function, forward=None):
    """Check a learner's batchnorm_backward on caches (x_hat, gamma, inverse_std, training).

    The caches come from the course_lib reference batchnorm_forward (stored in a graded
    student copy), in the format the lesson documents, so this check (like the graded
    tests) grades the backward pass alone.

    Inputs:
    - function: the learner's batchnorm_backward(dout, cache)
    - forward: ignored (older notebooks pass their batchnorm_forward)
    """
    rng = np.random.default_rng(802)
    cases = []
    for shape, training in [((2, 1), True), ((6, 3), True), ((4, 2), True),
                            ((2, 3, 3, 2), True), ((5, 3), False)]:
        channels = shape[-1]
        cases.append(Case((rng.normal(size=shape) * 2 + 1, rng.normal(size=channels),
                           rng.normal(size=channels), rng.normal(size=shape), training),
                          label=f"x {shape}, training={training}"))

    def through(forward_function, backward_function):
        def run(x, gamma, beta, dout, training):
            state = _state(x.shape[-1], np.full(x.shape[-1], 0.5), np.full(x.shape[-1], 2.0))
            cache = remembered(
                "batchnorm_backward", "cache: " + fingerprint((x, gamma, beta, training)),
                lambda: forward_function(x, gamma, beta, state, training)[1])
            return tuple(backward_function(dout, cache))
        return run

    for x, gamma, beta in batchnorm_cases(803, count=4):
        cases.append(Case((x, gamma, beta, rng.normal(size=x.shape), True),
                          label=f"x {x.shape}, spread {np.std(x):.2g}, training=True"))

    def no_mean_variance_paths(x, gamma, beta, dout, training):
        dx, dgamma, dbeta = through(layers.batchnorm_forward, layers.batchnorm_backward)(
            x, gamma, beta, dout, training)
        axes = tuple(range(x.ndim - 1))
        std = np.sqrt(x.var(axis=axes) + 1e-3) if training else np.sqrt(2.0 + 1e-3)
        return dout * gamma / std, dgamma, dbeta

    return run_check(
        "batchnorm_backward", through(layers.batchnorm_forward, function),
        through(layers.batchnorm_forward, layers.batchnorm_backward), cases,
        parts=("dx", "dgamma", "dbeta"),
        mistakes=[
            Mistake(no_mean_variance_paths,
                    "In training mode the mean and variance depend on x: dx = dout * gamma / "
                    "std is only the inference gradient. Add the paths through the mean and "
                    "the variance."),
        ],
        generic_hint="dbeta = sum(dout), dgamma = sum(dout * x_hat) over every axis but the "
                     "last; in training dx = s / m * (m * g - sum(g) - x_hat * sum(g * x_hat)) "
                     "with g = dout * gamma, s = 1 / sqrt(var + epsilon).")


# ---------------------------------------------------------------- layer and group normalization

def _normalize(x, axes, epsilon=1e-3, ddof=0, epsilon_outside=False):
    mean = x.mean(axis=axes, keepdims=True)
    variance = x.var(axis=axes, keepdims=True, ddof=ddof)
    std = np.sqrt(variance) + epsilon if epsilon_outside else np.sqrt(variance + epsilon)
    return (x - mean) / std


def _wrong_layernorm(axes=None, ddof=0, epsilon_outside=False):
    def forward(x, gamma, beta, epsilon=1e-3):
        x = np.asarray(x, dtype=float)
        chosen = axes(x) if axes else (-1,)
        return gamma * _normalize(x, chosen, epsilon, ddof, epsilon_outside) + beta
    return forward


def layernorm_forward(function):
    """Check a learner's layernorm_forward(x, gamma, beta, epsilon=1e-3) against the reference."""
    from course_lib.cases import layernorm_cases

    cases = [Case(case, label=f"x {case[0].shape} {case[0].dtype}, spread {np.std(case[0]):.2g}")
             for case in layernorm_cases(811, count=6)]
    cases.append(Case(cases[1].args, {"epsilon": 0.5}, label="epsilon=0.5"))
    return run_check(
        "layernorm_forward", function, layers.layernorm_forward, cases,
        mistakes=[
            Mistake(_wrong_layernorm(axes=lambda x: 0),
                    "Layer normalization takes its statistics within each example, over the "
                    "last axis (axis=-1), never over the batch (axis 0): that is batchnorm."),
            Mistake(_wrong_layernorm(axes=lambda x: tuple(range(1, x.ndim))),
                    "Keras' LayerNormalization() normalizes over the last axis only: for "
                    "images, each pixel over its C channels, not over all of (H, W, C)."),
            Mistake(_wrong_layernorm(ddof=1),
                    "Use the biased variance (divide by C: np.var's default ddof=0)."),
            Mistake(_wrong_layernorm(epsilon_outside=True),
                    "epsilon goes inside the square root: sqrt(variance + epsilon)."),
        ],
        generic_hint="mean and variance over axis=-1 with keepdims=True, "
                     "out = gamma * (x - mean) / sqrt(variance + epsilon) + beta.")


def _wrong_groupnorm(interleaved=False, ddof=0, epsilon_outside=False, pixels=True):
    def forward(x, gamma, beta, groups=32, epsilon=1e-3):
        x = np.asarray(x, dtype=float)
        channels = x.shape[-1]
        if interleaved:   # channel c in group c % groups
            grouped = np.moveaxis(x.reshape(x.shape[:-1] + (channels // groups, groups)), -1, -2)
        else:
            grouped = x.reshape(x.shape[:-1] + (groups, channels // groups))
        axes = (tuple(range(1, x.ndim - 1)) if pixels else ()) + (x.ndim,)
        normalized = _normalize(grouped, axes, epsilon, ddof, epsilon_outside)
        if interleaved:
            normalized = np.moveaxis(normalized, -2, -1)
        return gamma * normalized.reshape(x.shape) + beta
    return forward


def groupnorm_forward(function):
    """Check a learner's groupnorm_forward(x, gamma, beta, groups=32, epsilon=1e-3)."""
    from course_lib.cases import groupnorm_cases

    cases = [Case(case[:3], {"groups": case[3]},
                  label=f"x {case[0].shape} {case[0].dtype}, groups={case[3]}")
             for case in groupnorm_cases(812, count=6)]
    x = np.random.default_rng(813).normal(size=(2, 2, 2, 64))
    cases.append(Case((x, np.ones(64), np.zeros(64)), label="x (2, 2, 2, 64), default groups=32"))
    return run_check(
        "groupnorm_forward", function, layers.groupnorm_forward, cases,
        mistakes=[
            Mistake(_wrong_groupnorm(interleaved=True),
                    "Keras' groups are contiguous: group 0 is channels 0 ... C/G - 1. Reshape "
                    "x to (N, H, W, G, C // G), not (N, H, W, C // G, G)."),
            Mistake(_wrong_groupnorm(pixels=False),
                    "A group's statistics are over every pixel (H and W) of its channels, "
                    "per example: the axes (1, 2, 4) of the (N, H, W, G, C // G) array."),
            Mistake(_wrong_groupnorm(ddof=1),
                    "Use the biased variance (np.var's default ddof=0)."),
            Mistake(_wrong_groupnorm(epsilon_outside=True),
                    "epsilon goes inside the square root: sqrt(variance + epsilon)."),
        ],
        generic_hint="Reshape x to x.shape[:-1] + (groups, C // groups), take the mean and "
                     "biased variance over every axis but the batch and the group axis "
                     "(keepdims=True), normalize, reshape back to x.shape, then gamma * ... + beta.")


# ---------------------------------------------------------------- initialization

def _wrong_stddev(rule):
    def stddev(name, shape):
        shape = tuple(shape)
        area = int(np.prod(shape[:-2]))
        return float(rule(name, area * shape[-2], area * shape[-1], shape))
    return stddev


def initializer_stddev(function):
    """Check a learner's initializer_stddev(name, shape) on Dense and Conv2D kernels."""
    from course_lib.cases import initializer_cases

    cases = [Case(case, label=f"{case[0]}, kernel {case[1]}")
             for case in initializer_cases(814, count=12)]
    scales = {"glorot": 1.0, "he": 2.0, "lecun": 1.0}

    def right(name, fan_in, fan_out):
        family = name.split("_")[0]
        return np.sqrt(2 / (fan_in + fan_out)) if family == "glorot" else np.sqrt(
            scales[family] / fan_in)

    return run_check(
        "initializer_stddev", function, layers.initializer_stddev, cases,
        compare=lambda got, expected: np.isclose(float(got), expected, rtol=1e-6),
        mistakes=[  # the fans first: on a Dense kernel (the first cases) it is right
            Mistake(_wrong_stddev(lambda name, fi, fo, s: right(name, s[-2], s[-1])),
                    "A Conv2D kernel (KH, KW, C, K) has fan_in = KH * KW * C and fan_out = "
                    "KH * KW * K: every weight of a window feeds one output."),
            Mistake(_wrong_stddev(lambda name, fi, fo, s: np.sqrt(
                (2.0 if name.startswith("he") else 1.0) / fi)),
                    "Glorot averages the two fans: variance 2 / (fan_in + fan_out), not "
                    "1 / fan_in (that is LeCun's)."),
            Mistake(_wrong_stddev(lambda name, fi, fo, s: right(name, fi, fo) * (
                np.sqrt(3) if name.endswith("uniform") else 1)),
                    "That is the uniform's limit sqrt(3 * variance); its standard deviation "
                    "is limit / sqrt(3), the same as the normal version's."),
            Mistake(_wrong_stddev(lambda name, fi, fo, s: right(name, fi, fo) ** 2),
                    "Return the standard deviation, the square root of the variance."),
        ],
        generic_hint="fan_in, fan_out = KH * KW * C, KH * KW * K (Dense: the two sizes); "
                     "standard deviation sqrt(2 / (fan_in + fan_out)) for glorot_*, "
                     "sqrt(2 / fan_in) for he_*, sqrt(1 / fan_in) for lecun_*.")
