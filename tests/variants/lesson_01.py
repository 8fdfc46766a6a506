"""Wrong and alternative answers for lesson 01 (dense layers, activations)."""

from tests.variants import Variant, combine, shadow_builtins

DENSE = "def dense_forward(x, w, b):\n    {body}\n"
RELU = "def relu_forward(x):\n    {body}\n"
SOFTMAX = "def softmax(x):\n    {body}\n"
COUNT = "def mlp_param_count(sizes):\n    {body}\n"


def dense(body):
    return {"dense_forward": DENSE.format(body=body)}


VARIANTS = [
    # misconceptions
    Variant("dense_no_bias", dense("return x @ w, (x, w, b)"), ["test_dense_forward"]),
    Variant("dense_bias_once_per_batch",
            dense("out = x @ w\n    out[0] += b\n    return out, (x, w, b)"), ["test_dense_forward"]),
    Variant("dense_uses_reference",
            dense("from course_lib.layers import dense_forward as reference\n"
                  "    return reference(x, w, b)"), ["test_dense_forward"]),
    Variant("relu_clips_at_one",
            {"relu_forward": RELU.format(body="return np.clip(x, 0, 1), x")}, ["test_relu_forward"]),
    Variant("softmax_overflows",
            {"softmax": SOFTMAX.format(
                body="e = np.exp(x)\n    return e / e.sum(axis=-1, keepdims=True)")},
            ["test_softmax"]),
    Variant("softmax_wrong_axis",
            {"softmax": SOFTMAX.format(
                body="e = np.exp(x - x.max())\n    return e / e.sum(axis=0, keepdims=True)")},
            ["test_softmax"]),
    Variant("params_no_bias",
            {"mlp_param_count": COUNT.format(
                body="return sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))")},
            ["test_mlp_param_count"]),
    Variant("params_bias_per_weight",
            {"mlp_param_count": COUNT.format(
                body="return sum(2 * a * b for a, b in zip(sizes[:-1], sizes[1:]))")},
            ["test_mlp_param_count"]),
    # right only on the shapes and magnitudes the old tests used (one exercise each, combined)
    combine(
        Variant("dense_first_row_only",  # right for the visible test's batch of one
                dense("return x[:1] @ w + b, (x, w, b)"), ["test_dense_forward"]),
        Variant("relu_clips_at_100",  # right while |x| stays under 100
                {"relu_forward": RELU.format(body="return np.clip(x, 0, 100), x")},
                ["test_relu_forward"]),
    ),
    combine(
        Variant("softmax_shifts_by_first_logit",  # stable only when the first logit is the largest
                {"softmax": SOFTMAX.format(body=(
                    "e = np.exp(x - x[:, :1])\n    return e / e.sum(axis=-1, keepdims=True)"))},
                ["test_softmax"]),
        Variant("params_float32",  # exact only while the counts stay under 2**24
                {"mlp_param_count": COUNT.format(body=(
                    "s = np.asarray(sizes, dtype=np.float32)\n"
                    "    return int((s[:-1] * s[1:] + s[1:]).sum())"))},
                ["test_mlp_param_count"]),
    ),
    # wrong only in what the old tests did not observe (issue 22): the cache, or inputs that are
    # not fresh C-contiguous arrays; each combined with a correct alternative of another exercise
    combine(
        Variant("dense_caches_output",  # out instead of x: the backward's dw is wrong
                dense("out = x @ w + b\n    return out, (out, w, b)"), ["test_dense_forward"]),
        # writes through x.reshape(-1) of a zeros_like(x): a copy for Fortran-ordered inputs
        Variant("relu_writes_through_reshape", {"relu_forward": RELU.format(body=(
            "out = np.zeros_like(x)\n"
            "    out.reshape(-1)[:] = np.maximum(x.reshape(-1), 0)\n"
            "    return out, x"))}, ["test_relu_forward"]),
        Variant("alternative_softmax_float64_from_float32", {"softmax": SOFTMAX.format(body=(
            "z = np.asarray(x, dtype=np.float64)\n"
            "    z = np.exp(z - z.max(axis=-1, keepdims=True))\n"
            "    return z / z.sum(axis=-1, keepdims=True)"))}),
    ),
    combine(
        Variant("dense_caches_transposed_weights",  # w.T "ready for the backward"
                dense("return x @ w + b, (x, w.T, b)"), ["test_dense_forward"]),
        # shifts and normalizes the caller's array in place: fails on a read-only input
        Variant("softmax_in_place_on_input", {"softmax": SOFTMAX.format(body=(
            "x -= x.max(axis=-1, keepdims=True)\n"
            "    np.exp(x, out=x)\n"
            "    x /= x.sum(axis=-1, keepdims=True)\n"
            "    return x"))}, ["test_softmax"]),
        # copies its input first and works on the copy; caches its output (the same mask)
        Variant("alternative_relu_copies_caches_output", {"relu_forward": RELU.format(body=(
            "out = np.array(x)\n"
            "    out[out < 0] = 0\n"
            "    return out, out"))}),
    ),
    # other correct answers
    Variant("alternative_numpy_scipy", {
        "dense_forward": DENSE.format(body="return np.einsum('nd,dm->nm', x, w) + b, (x, w, b)"),
        "relu_forward": RELU.format(body="return np.where(x > 0, x, 0), x"),
        "softmax": SOFTMAX.format(body=(
            "from scipy.special import logsumexp\n"
            "    return np.exp(x - logsumexp(x, axis=-1, keepdims=True))")),
        "mlp_param_count": COUNT.format(body=(
            "widths = np.array(sizes, dtype=np.int64)\n"
            "    return int(widths[:-1] @ widths[1:] + widths[1:].sum())")),
    }),
    Variant("alternative_loops", {
        "dense_forward": DENSE.format(body=(
            "out = np.zeros((x.shape[0], w.shape[1]))\n"
            "    for n in range(x.shape[0]):\n"
            "        for j in range(w.shape[1]):\n"
            "            out[n, j] = sum(x[n, i] * w[i, j] for i in range(x.shape[1])) + b[j]\n"
            "    return out, (x, w, b)")),
        "relu_forward": shadow_builtins(RELU.format(body="return x * (x > 0), x"), ('type', 'all', 'input', 'id', 'str')),
        "softmax": SOFTMAX.format(body=(
            "z = x - np.max(x, axis=1, keepdims=True)\n"
            "    return np.exp(z - np.log(np.sum(np.exp(z), axis=1, keepdims=True)))")),
        "mlp_param_count": COUNT.format(body=(
            "total = 0\n"
            "    for i in range(1, len(sizes)):\n"
            "        total += (sizes[i - 1] + 1) * sizes[i]\n"
            "    return total")),
    }),
    # relies on `builtins`, which only the visible test cell imports: under stock nbgrader the
    # test cell runs in the kernel first, so this is a correct answer there, and must be here
    Variant("alternative_uses_test_cells_import", {
        "mlp_param_count": COUNT.format(body=(
            "return builtins.sum((n_in + 1) * n_out for n_in, n_out in zip(sizes, sizes[1:]))")),
    }),
]
