"""Wrong and alternative answers for lesson 05 (pooling)."""

from tests.variants import Variant, shadow_builtins, solution_source

# A correct loop over output positions; {stride_default} and {reduce} are spliced in.
POOL = '''def {name}(x, pool_size=2, stride=None, padding="valid"):
    if stride is None:
        stride = {stride_default}
    x = np.asarray(x, dtype=float)
    n, h, w, c = x.shape
    h_out, w_out = (h - pool_size) // stride + 1, (w - pool_size) // stride + 1
    out = np.zeros((n, h_out, w_out, c))
    for i in range(h_out):
        for j in range(w_out):
            window = x[:, i * stride: i * stride + pool_size, j * stride: j * stride + pool_size]
            out[:, i, j, :] = {reduce}
    return out, (x, pool_size, stride)
'''


def pool(name, reduce, stride_default="pool_size"):
    return {name: POOL.format(name=name, reduce=reduce, stride_default=stride_default)}


MAX = "window.max(axis=(1, 2))"
GAP = "def global_avg_pool2d_forward(x):\n    return {body}, np.shape(x)\n"

BACKWARD = '''def max_pool2d_backward(dout, cache):
    x, pool_size, stride = cache
    dx = np.zeros(x.shape)
    for i in range(dout.shape[1]):
        for j in range(dout.shape[2]):
            rows = slice(i * stride, i * stride + pool_size)
            columns = slice(j * stride, j * stride + pool_size)
            window = x[:, rows, columns, :]
            {body}
    return dx
'''

# Vectorized over the p*p offsets of the window (the course_lib approach), any stride.
MAX_VECTORIZED = '''def max_pool2d_forward(x, pool_size=2, stride=None, padding="valid"):
    if padding != "valid":
        raise ValueError("only valid padding")
    stride = pool_size if stride is None else stride
    x = np.asarray(x, dtype=float)
    windows = np.lib.stride_tricks.sliding_window_view(x, (pool_size, pool_size), axis=(1, 2))
    out = windows[:, ::stride, ::stride].max(axis=(-2, -1))
    return out, (x, pool_size, stride)
'''
AVG_VECTORIZED = '''def avg_pool2d_forward(x, pool_size=2, stride=None, padding="valid"):
    stride = stride or pool_size
    x = np.asarray(x, dtype=float)
    n, h, w, c = x.shape
    h_out, w_out = (h - pool_size) // stride + 1, (w - pool_size) // stride + 1
    total = np.zeros((n, h_out, w_out, c))
    for a in range(pool_size):
        for b in range(pool_size):
            total += x[:, a: a + stride * (h_out - 1) + 1: stride,
                       b: b + stride * (w_out - 1) + 1: stride, :]
    return total / pool_size ** 2, (x, pool_size, stride)
'''
BACKWARD_LOOPS = '''def max_pool2d_backward(dout, cache):
    x, pool_size, stride = cache
    dx = np.zeros_like(x)
    n, h_out, w_out, c = dout.shape
    for b in range(n):
        for i in range(h_out):
            for j in range(w_out):
                for k in range(c):
                    window = x[b, i * stride: i * stride + pool_size,
                               j * stride: j * stride + pool_size, k]
                    a, d = np.unravel_index(np.argmax(window), window.shape)
                    dx[b, i * stride + a, j * stride + d, k] += dout[b, i, j, k]
    return dx
'''

VARIANTS = [
    # misconceptions
    Variant("max_stride_defaults_to_one", pool("max_pool2d_forward", MAX, "1"),
            ["test_max_pool2d_forward"]),
    Variant("max_over_channels_too",
            pool("max_pool2d_forward", "window.max(axis=(1, 2, 3))[:, None]"),
            ["test_max_pool2d_forward"]),
    Variant("max_uses_reference", {"max_pool2d_forward": (
        'def max_pool2d_forward(x, pool_size=2, stride=None, padding="valid"):\n'
        "    out, _ = layers.max_pool2d_forward(x, pool_size, stride)\n"
        "    return out, (x, pool_size, pool_size if stride is None else stride)\n")},
            ["test_max_pool2d_forward"]),
    Variant("avg_divides_by_pool_size",
            pool("avg_pool2d_forward", "window.sum(axis=(1, 2)) / pool_size"),
            ["test_avg_pool2d_forward"]),
    Variant("avg_divides_by_four", pool("avg_pool2d_forward", "window.sum(axis=(1, 2)) / 4"),
            ["test_avg_pool2d_forward"]),
    Variant("avg_stride_defaults_to_one",
            pool("avg_pool2d_forward", "window.mean(axis=(1, 2))", "1"),
            ["test_avg_pool2d_forward"]),
    Variant("gap_over_channels", {"global_avg_pool2d_forward": GAP.format(body="x.mean(axis=-1)")},
            ["test_global_avg_pool2d_forward"]),
    Variant("gap_over_everything",
            {"global_avg_pool2d_forward": GAP.format(body="x.mean(axis=(1, 2, 3))")},
            ["test_global_avg_pool2d_forward"]),
    Variant("gap_over_batch_and_pixels",
            {"global_avg_pool2d_forward": GAP.format(body="x.mean(axis=(0, 1, 2))[None, :]")},
            ["test_global_avg_pool2d_forward"]),
    Variant("backward_spreads_over_window", {"max_pool2d_backward": BACKWARD.format(
        body="dx[:, rows, columns, :] += dout[:, i: i + 1, j: j + 1, :]")},
            ["test_max_pool2d_backward"]),
    Variant("backward_shares_like_average", {"max_pool2d_backward": BACKWARD.format(
        body="dx[:, rows, columns, :] += dout[:, i: i + 1, j: j + 1, :] / pool_size ** 2")},
            ["test_max_pool2d_backward"]),
    Variant("backward_overwrites_overlaps", {"max_pool2d_backward": BACKWARD.format(
        body=("mask = window == window.max(axis=(1, 2), keepdims=True)\n"
              "            dx[:, rows, columns, :] = np.where(mask, dout[:, i: i + 1, j: j + 1, :],"
              " dx[:, rows, columns, :])"))},
            ["test_max_pool2d_backward"]),
    # right only on the tie-free inputs the old tests used: every tied max gets the gradient
    # (the lesson's own solution until issue 11), or the last one does
    Variant("backward_feeds_every_tied_max", {"max_pool2d_backward": BACKWARD.format(
        body=("mask = window == window.max(axis=(1, 2), keepdims=True)\n"
              "            dx[:, rows, columns, :] += mask * dout[:, i: i + 1, j: j + 1, :]"))},
            ["test_max_pool2d_backward"]),
    Variant("backward_last_tied_max", {"max_pool2d_backward": BACKWARD.format(
        body=("flat = window.reshape(window.shape[0], -1, window.shape[3])[:, ::-1]\n"
              "            last = flat.shape[1] - 1 - flat.argmax(axis=1)\n"
              "            mask = np.arange(flat.shape[1])[None, :, None] == last[:, None, :]\n"
              "            dx[:, rows, columns, :] += (mask.reshape(window.shape)\n"
              "                                        * dout[:, i: i + 1, j: j + 1, :])"))},
            ["test_max_pool2d_backward"]),
    # other correct answers: vectorized forwards, a per-element loop backward, a sum for GAP
    Variant("alternative_vectorized_and_loops", {
        "max_pool2d_forward": MAX_VECTORIZED,
        "avg_pool2d_forward": AVG_VECTORIZED,
        "global_avg_pool2d_forward": GAP.format(
            body="np.sum(x, axis=(1, 2)) / (np.shape(x)[1] * np.shape(x)[2])"),
        "max_pool2d_backward": BACKWARD_LOOPS,
    }),
    # the solution with ordinary globals named like builtins (those the notebook does not call)
    Variant("alternative_builtin_names", {
        "max_pool2d_forward": shadow_builtins(
            solution_source("05_pooling", "max_pool2d_forward"), ("type", "sum", "len", "id", "str")),
    }),
]
