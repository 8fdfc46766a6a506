"""Wrong and alternative answers for lesson 07 (dropout, L2)."""

from tests.variants import Variant, combine, shadow_builtins, solution_source

FORWARD = "def dropout_forward(x, rate, training, rng):\n    {body}\n"
BACKWARD = "def dropout_backward(dout, cache):\n    {body}\n"
PENALTY = "def l2_penalty(w, l2):\n    {body}\n"
GRAD = "def l2_grad(w, l2):\n    {body}\n"


def forward(body):
    return {"dropout_forward": FORWARD.format(body=body)}


VARIANTS = [
    # misconceptions
    Variant("dropout_no_rescale", {
        "dropout_forward": FORWARD.format(body=(
            "if not training:\n        return x, (None, 1.0)\n"
            "    mask = rng.random(x.shape) >= rate\n    return x * mask, (mask, 1.0)")),
    }, ["test_dropout_forward"]),
    Variant("dropout_rescaled_at_inference", forward(
        "if not training:\n        return x * (1 - rate), (None, 1.0)\n"
        "    mask = rng.random(x.shape) >= rate\n"
        "    return x * mask / (1 - rate), (mask, 1 / (1 - rate))"), ["test_dropout_forward"]),
    Variant("dropout_inverted_applied_at_inference_too", forward(
        "mask = rng.random(x.shape) >= rate\n"
        "    return x * mask / (1 - rate), (mask, 1 / (1 - rate))"), ["test_dropout_forward"]),
    Variant("dropout_rate_is_keep_probability", forward(
        "if not training:\n        return x, (None, 1.0)\n"
        "    mask = rng.random(x.shape) < rate\n"
        "    return x * mask / rate, (mask, 1 / rate)"), ["test_dropout_forward"]),
    Variant("dropout_uses_reference", forward(
        "from course_lib.layers import dropout_forward as reference\n"
        "    return reference(x, rate, training, rng)"), ["test_dropout_forward"]),
    Variant("dropout_backward_no_rescale", {
        "dropout_backward": BACKWARD.format(body=(
            "mask, scale = cache\n    return dout if mask is None else dout * mask")),
    }, ["test_dropout_backward"]),
    Variant("l2_penalty_keras_convention",
            {"l2_penalty": PENALTY.format(body="return l2 * np.sum(w ** 2)")}, ["test_l2_penalty"]),
    combine(  # right only on the rate and shape a quick test would use
        Variant("dropout_scale_two", forward(  # right only for rate 0.5
            "if not training:\n        return x, (None, 1.0)\n"
            "    mask = rng.random(x.shape) >= rate\n"
            "    return x * mask * 2.0, (mask, 2.0)"), ["test_dropout_forward"]),
        Variant("l2_penalty_dot", {"l2_penalty": PENALTY.format(  # right only for 1-D w
            body="return float(0.5 * l2 * np.sum(np.dot(w, w)))")}, ["test_l2_penalty"]),
    ),
    Variant("l2_grad_missing", {"l2_grad": GRAD.format(body="return np.zeros_like(w)")},
            ["test_l2_grad"]),
    Variant("l2_grad_doubled", {"l2_grad": GRAD.format(body="return 2 * l2 * w")},
            ["test_l2_grad"]),
    # other correct answers
    Variant("alternative_where_and_loops", {
        "dropout_forward": FORWARD.format(body=(
            "if training:  # the scale folded into a float mask: (keep / (1 - rate), 1)\n"
            "        scaled = (rng.random(x.shape) >= rate) / (1 - rate)\n"
            "        out = np.where(scaled > 0, x * scaled, 0.0)\n"
            "        return out, (scaled, 1.0)\n"
            "    return x.copy(), (np.ones(x.shape, dtype=bool), 1.0)")),
        "dropout_backward": BACKWARD.format(body=(
            "keep, scale = cache\n"
            "    return dout if keep is None else np.where(keep, dout * scale, 0.0)")),
        "l2_penalty": PENALTY.format(body=(
            "total = 0.0\n"
            "    for value in np.ravel(w):\n"
            "        total += value * value\n"
            "    return l2 / 2 * total")),
        "l2_grad": GRAD.format(body="return np.multiply(w, l2)"),
    }),
    Variant("alternative_vdot_builtin_names", {
        "dropout_forward": shadow_builtins(solution_source("07_overfitting_regularization",
                                                           "dropout_forward"),
                                           ("type", "sum", "all", "input", "id", "str")),
        "l2_penalty": PENALTY.format(body="return 0.5 * l2 * float(np.vdot(w, w))"),
    }),
    # a cache in a format of its own, with a backward that reads only that format: the lesson
    # fixes the format (mask, scale), so the forward's test (which grades the cache with the
    # lesson's backward rule) and the backward's test (graded alone, with (mask, scale)) lose
    Variant("dropout_own_cache_format", {
        "dropout_forward": FORWARD.format(body=(
            "scaled_mask = (rng.random(x.shape) >= rate) / (1 - rate) if training "
            "else np.ones_like(x)\n"
            "    return x * scaled_mask, scaled_mask")),
        "dropout_backward": BACKWARD.format(body="return dout * cache"),
    }, ["test_dropout_forward", "test_dropout_backward"]),
    # `out` right, the cache wrong (issue 22): the keep probability instead of the scale,
    # the mask of the dropped units instead of the kept ones
    Variant("dropout_caches_keep_probability", forward(
        "if not training:\n        return x, (None, 1.0)\n"
        "    mask = rng.random(x.shape) >= rate\n"
        "    return x * mask / (1 - rate), (mask, 1 - rate)"), ["test_dropout_forward"]),
    Variant("dropout_caches_dropped_units", forward(
        "if not training:\n        return x, (None, 1.0)\n"
        "    dropped = rng.random(x.shape) < rate\n"
        "    return np.where(dropped, 0.0, x / (1 - rate)), (dropped, 1 / (1 - rate))"),
            ["test_dropout_forward"]),
]
