"""Wrong and alternative answers for lesson 08 (batch normalization)."""

from tests.variants import Variant, combine, shadow_builtins, solution_source

TRAINING, MOVING = "test_batchnorm_forward_training", "test_batchnorm_moving_statistics"
INFERENCE = "test_batchnorm_forward_inference"
PARAMS, DX = "test_batchnorm_backward_params", "test_batchnorm_backward_dx"
LAYERNORM, GROUPNORM = "test_layernorm_forward", "test_groupnorm_forward"
INIT = "test_initializer_stddev"

# A correct forward; {stats}, {update}, {inference} and {inverse_std} are spliced in.
FORWARD = '''def batchnorm_forward(x, gamma, beta, state, training, momentum=0.99, epsilon=1e-3):
    axes = tuple(range(x.ndim - 1))
    if training:
        {stats}
        {update}
    else:
        {inference}
    inverse_std = {inverse_std}
    x_hat = (x - mean) * inverse_std
    out = gamma * x_hat + beta
    return out, (x_hat, gamma, inverse_std, training)
'''
RIGHT = {
    "stats": "mean, variance = x.mean(axis=axes), x.var(axis=axes)",
    "update": ("state['moving_mean'] *= momentum\n"
               "        state['moving_mean'] += (1 - momentum) * mean\n"
               "        state['moving_variance'] *= momentum\n"
               "        state['moving_variance'] += (1 - momentum) * variance"),
    "inference": "mean, variance = state['moving_mean'], state['moving_variance']",
    "inverse_std": "1.0 / np.sqrt(variance + epsilon)",
}


def forward(**changes):
    return {"batchnorm_forward": FORWARD.format(**{**RIGHT, **changes})}


BACKWARD_NO_PATHS = '''def batchnorm_backward(dout, cache):
    x_hat, gamma, inverse_std, training = cache
    axes = tuple(range(dout.ndim - 1))
    return dout * gamma * inverse_std, (dout * x_hat).sum(axis=axes), dout.sum(axis=axes)
'''

# The step-by-step graph, recovering x - mean and std from the documented cache.
STEP_FORWARD = '''def batchnorm_forward(x, gamma, beta, state, training, momentum=0.99, epsilon=1e-3):
    axes = tuple(range(x.ndim - 1))
    if training:
        mean = np.mean(x, axis=axes)
        centered = x - mean
        variance = np.mean(centered ** 2, axis=axes)
        state["moving_mean"] = momentum * state["moving_mean"] + (1 - momentum) * mean
        state["moving_variance"] = (momentum * state["moving_variance"]
                                    + (1 - momentum) * variance)
    else:
        mean = state["moving_mean"]
        variance = state["moving_variance"]
        centered = x - mean
    std = np.sqrt(variance + epsilon)
    x_hat = centered / std
    # inverse_std cached as a row (1, C), which broadcasts like (C,)
    return gamma * x_hat + beta, (x_hat, gamma, (1 / std).reshape(1, -1), training)
'''
STEP_BACKWARD = '''def batchnorm_backward(dout, cache):
    x_hat, gamma, inverse_std, training = cache
    axes = tuple(range(dout.ndim - 1))
    std = 1 / inverse_std
    centered = x_hat * std
    dbeta = dout.sum(axis=axes)
    dgamma = (dout * x_hat).sum(axis=axes)
    dx_hat = dout * gamma
    if not training:
        return dx_hat / std, dgamma, dbeta
    m = dout.size / dout.shape[-1]
    dcentered = dx_hat / std
    dstd = -(dx_hat * centered).sum(axis=axes) / std ** 2
    dvariance = dstd / (2 * std)
    dcentered = dcentered + dvariance * 2 * centered / m
    dmean = -dcentered.sum(axis=axes)
    dx = dcentered + dmean / m
    return dx, dgamma, dbeta
'''

# A correct layernorm_forward; {axes}, {variance} and {root} are spliced in.
LAYERNORM_SOURCE = '''def layernorm_forward(x, gamma, beta, epsilon=1e-3):
    mean = x.mean(axis={axes}, keepdims=True)
    variance = {variance}
    return gamma * (x - mean) / {root} + beta
'''
LAYERNORM_RIGHT = {"axes": "-1", "variance": "x.var(axis=-1, keepdims=True)",
                   "root": "np.sqrt(variance + epsilon)"}


def layernorm(**changes):
    return {"layernorm_forward": LAYERNORM_SOURCE.format(**{**LAYERNORM_RIGHT, **changes})}


# A correct groupnorm_forward; {grouped}, {axes}, {ungroup}, {variance} and {root} are spliced in.
GROUPNORM_SOURCE = '''def groupnorm_forward(x, gamma, beta, groups=32, epsilon=1e-3):
    channels = x.shape[-1]
    if channels % groups:
        raise ValueError(f"groups={{groups}} does not divide C={{channels}}")
    grouped = {grouped}
    axes = {axes}
    mean = grouped.mean(axis=axes, keepdims=True)
    variance = {variance}
    normalized = (grouped - mean) / {root}
    return gamma * {ungroup} + beta
'''
GROUPNORM_RIGHT = {"grouped": "x.reshape(x.shape[:-1] + (groups, channels // groups))",
                   "axes": "tuple(range(1, x.ndim - 1)) + (x.ndim,)",
                   "ungroup": "normalized.reshape(x.shape)",
                   "variance": "grouped.var(axis=axes, keepdims=True)",
                   "root": "np.sqrt(variance + epsilon)"}


def groupnorm(**changes):
    return {"groupnorm_forward": GROUPNORM_SOURCE.format(**{**GROUPNORM_RIGHT, **changes})}


# A correct initializer_stddev; {fans} and {glorot} are spliced in.
INIT_SOURCE = '''def initializer_stddev(name, shape):
    {fans}
    if name.startswith("glorot_"):
        variance = {glorot}
    elif name.startswith("he_"):
        variance = 2 / fan_in
    elif name.startswith("lecun_"):
        variance = 1 / fan_in
    else:
        raise ValueError(f"unknown initializer {{name}}")
    return {result}
'''
INIT_RIGHT = {"fans": ("area = int(np.prod(shape[:-2]))\n"
                       "    fan_in, fan_out = area * shape[-2], area * shape[-1]"),
              "glorot": "2 / (fan_in + fan_out)", "result": "float(np.sqrt(variance))"}


def initializer(**changes):
    return {"initializer_stddev": INIT_SOURCE.format(**{**INIT_RIGHT, **changes})}


# Other correct answers: loops over groups with explicit channel slices, and np.std / math.
GROUPNORM_LOOPS = '''def groupnorm_forward(x, gamma, beta, groups=32, epsilon=1e-3):
    channels = x.shape[-1]
    if groups <= 0 or channels % groups != 0:
        raise ValueError("C must be a multiple of groups")
    size = channels // groups
    out = np.empty(x.shape, dtype=np.result_type(x, np.float32))
    for n in range(x.shape[0]):
        for g in range(groups):
            block = x[n, ..., g * size:(g + 1) * size]
            out[n, ..., g * size:(g + 1) * size] = (block - block.mean()) / np.sqrt(
                block.var() + epsilon)
    return out * gamma + beta
'''
LAYERNORM_STD = '''def layernorm_forward(x, gamma, beta, epsilon=1e-3):
    centered = x - np.mean(x, axis=x.ndim - 1)[..., np.newaxis]
    variance = np.mean(centered ** 2, axis=-1)[..., np.newaxis]
    return centered / np.sqrt(variance + epsilon) * gamma + beta
'''
INIT_TABLE = '''import math

def initializer_stddev(name, shape):
    table = {"glorot_uniform": (1, "avg"), "glorot_normal": (1, "avg"), "he_uniform": (2, "in"),
             "he_normal": (2, "in"), "lecun_uniform": (1, "in"), "lecun_normal": (1, "in")}
    if name not in table:
        raise ValueError(name)
    scale, mode = table[name]
    receptive = math.prod(shape[:-2])
    fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
    n = fan_in if mode == "in" else (fan_in + fan_out) / 2
    return math.sqrt(scale / n)
'''

VARIANTS = [
    Variant("batch_statistics_at_inference",
            forward(inference="mean, variance = x.mean(axis=axes), x.var(axis=axes)"),
            [INFERENCE]),
    Variant("momentum_swapped", forward(update=(
        "state['moving_mean'] *= 1 - momentum\n"
        "        state['moving_mean'] += momentum * mean\n"
        "        state['moving_variance'] *= 1 - momentum\n"
        "        state['moving_variance'] += momentum * variance")), [MOVING]),
    Variant("epsilon_outside_root",
            forward(inverse_std="1.0 / (np.sqrt(variance) + epsilon)"), [TRAINING, INFERENCE]),
    Variant("unbiased_variance",
            forward(stats="mean, variance = x.mean(axis=axes), x.var(axis=axes, ddof=1)"),
            [TRAINING, MOVING]),
    Variant("state_not_updated_in_place", forward(update=(
        "state = {'moving_mean': state['moving_mean'] * momentum + (1 - momentum) * mean,\n"
        "                 'moving_variance': state['moving_variance'] * momentum\n"
        "                 + (1 - momentum) * variance}")), [MOVING]),
    # (graded with two mistakes of lesson 08's later exercises: one nbgrader run fewer)
    combine(Variant("state_never_updated", forward(update="pass"), [MOVING]),
            Variant("layernorm_epsilon_outside_root", layernorm(
                root="(np.sqrt(variance) + epsilon)"), [LAYERNORM]),
            Variant("groupnorm_no_value_error", {"groupnorm_forward": GROUPNORM_SOURCE.format(
                **GROUPNORM_RIGHT).replace(
                "raise ValueError", "groups = 1  # no error: ")}, [GROUPNORM])),
    Variant("forward_uses_reference", {"batchnorm_forward": (
        "def batchnorm_forward(x, gamma, beta, state, training, momentum=0.99, epsilon=1e-3):\n"
        "    from course_lib import layers\n"
        "    return layers.batchnorm_forward(x, gamma, beta, state, training, momentum, epsilon)\n"
    )}, [TRAINING, MOVING, INFERENCE]),
    # each with a forward whose `out` is right and whose cache is not (issue 22): the forward's
    # tests lose, the backward's tests lose only for the backward's own mistake
    combine(Variant("backward_without_mean_variance_paths",
                    {"batchnorm_backward": BACKWARD_NO_PATHS}, [DX]),
            Variant("cache_holds_std_not_inverse", {
                "batchnorm_forward": forward()["batchnorm_forward"].replace(
                    "return out, (x_hat, gamma, inverse_std, training)",
                    "return out, (x_hat, gamma, 1.0 / inverse_std, training)")},
                    [TRAINING, INFERENCE])),
    combine(Variant("backward_dgamma_without_x_hat",
                    {"batchnorm_backward": BACKWARD_NO_PATHS.replace(
                        "return dout * gamma * inverse_std, (dout * x_hat).sum(axis=axes)",
                        "return dout * gamma * inverse_std, dout.sum(axis=axes)")}, [PARAMS, DX]),
            Variant("cache_holds_x_not_x_hat", {
                "batchnorm_forward": forward()["batchnorm_forward"].replace(
                    "return out, (x_hat, gamma, inverse_std, training)",
                    "return out, (x, gamma, inverse_std, training)")}, [TRAINING, INFERENCE])),
    # statistics over the batch axis only: right only on the (N, D) inputs
    Variant("statistics_over_batch_axis_only",
            forward(stats="mean, variance = x.mean(axis=0), x.var(axis=0)"), [TRAINING, MOVING]),
    # layer normalization, group normalization and initialization: each loses only its own test
    combine(Variant("layernorm_over_batch_axis", layernorm(
                axes="0", variance="x.var(axis=0, keepdims=True)"), [LAYERNORM]),
            Variant("groupnorm_interleaved_channels", groupnorm(
                grouped="np.swapaxes(x.reshape(x.shape[:-1] + (channels // groups, groups)), -1, -2)",
                ungroup="np.swapaxes(normalized, -1, -2).reshape(x.shape)"), [GROUPNORM]),
            Variant("glorot_fan_in_only", initializer(glorot="1 / fan_in"), [INIT])),
    combine(Variant("layernorm_unbiased_variance", layernorm(
                variance="x.var(axis=-1, keepdims=True, ddof=1)"), [LAYERNORM]),
            Variant("groupnorm_epsilon_outside_root", groupnorm(
                root="(np.sqrt(variance) + epsilon)"), [GROUPNORM]),
            Variant("conv_fan_in_without_kernel_area", initializer(
                fans="fan_in, fan_out = shape[-2], shape[-1]"), [INIT])),
    combine(Variant("layernorm_over_all_but_batch_axis", layernorm(
                axes="tuple(range(1, x.ndim))",
                variance="x.var(axis=tuple(range(1, x.ndim)), keepdims=True)"), [LAYERNORM]),
            Variant("groupnorm_channels_only_no_pixels", groupnorm(axes="(x.ndim,)"),
                    [GROUPNORM]),
            Variant("uniform_limit_not_stddev", initializer(
                result="float(np.sqrt(3 * variance) if name.endswith('uniform') "
                       "else np.sqrt(variance))"), [INIT])),
    # other correct answers
    Variant("alternative_step_by_step",
            {"batchnorm_forward": STEP_FORWARD, "batchnorm_backward": STEP_BACKWARD,
             # and loops over groups, np.mean instead of var, math instead of NumPy
             "groupnorm_forward": GROUPNORM_LOOPS, "layernorm_forward": LAYERNORM_STD,
             "initializer_stddev": INIT_TABLE}),
    Variant("alternative_builtin_names", {
        "batchnorm_forward": shadow_builtins(solution_source("08_batch_normalization",
                                                             "batchnorm_forward"))}),
]
