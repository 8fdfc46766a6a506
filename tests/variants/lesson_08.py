"""Wrong and alternative answers for lesson 08 (batch normalization)."""

from tests.variants import Variant, combine, shadow_builtins, solution_source

TRAINING, MOVING = "test_batchnorm_forward_training", "test_batchnorm_moving_statistics"
INFERENCE = "test_batchnorm_forward_inference"
PARAMS, DX = "test_batchnorm_backward_params", "test_batchnorm_backward_dx"

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
    Variant("state_never_updated", forward(update="pass"), [MOVING]),
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
    # other correct answers
    Variant("alternative_step_by_step",
            {"batchnorm_forward": STEP_FORWARD, "batchnorm_backward": STEP_BACKWARD}),
    Variant("alternative_builtin_names", {
        "batchnorm_forward": shadow_builtins(solution_source("08_batch_normalization",
                                                             "batchnorm_forward"))}),
]
