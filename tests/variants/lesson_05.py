"""Wrong and alternative answers for lesson 05 (pooling)."""

from tests.variants import Variant, combine, shadow_builtins, solution_source

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
# Its out and cache keep x's dtype (float32 stays float32): the course's backward reads the cache.
MAX_VECTORIZED = '''def max_pool2d_forward(x, pool_size=2, stride=None, padding="valid"):
    if padding != "valid":
        raise ValueError("only valid padding")
    stride = pool_size if stride is None else stride
    x = np.asarray(x)
    windows = np.lib.stride_tricks.sliding_window_view(x, (pool_size, pool_size), axis=(1, 2))
    out = windows[:, ::stride, ::stride].max(axis=(-2, -1))
    return out, (x, pool_size, stride)
'''
# Copies its input first, then divides the copy in place (float64 results from float32 inputs).
AVG_VECTORIZED = '''def avg_pool2d_forward(x, pool_size=2, stride=None, padding="valid"):
    if padding not in ("valid",):
        raise ValueError(f"padding {padding!r}: only 'valid'")
    stride = stride or pool_size
    scaled = np.array(x, dtype=float)
    scaled /= pool_size ** 2
    n, h, w, c = scaled.shape
    h_out, w_out = (h - pool_size) // stride + 1, (w - pool_size) // stride + 1
    total = np.zeros((n, h_out, w_out, c))
    for a in range(pool_size):
        for b in range(pool_size):
            total += scaled[:, a: a + stride * (h_out - 1) + 1: stride,
                            b: b + stride * (w_out - 1) + 1: stride, :]
    return total, (np.asarray(x, dtype=float), pool_size, stride)
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

# Wrong only in what the forward tests did not observe: the cache, the documented ValueError,
# the memory layout of the input (issue 22). Each combines three exercises' mistakes.
POOL_PARTS = '''def {name}(x, pool_size=2, stride=None, padding="valid"):
    {check}
    {cache_stride}
    if stride is None:
        stride = pool_size
    x = np.asarray(x, dtype=float)
    n, h, w, c = x.shape
    h_out, w_out = (h - pool_size) // stride + 1, (w - pool_size) // stride + 1
    out = np.zeros((n, h_out, w_out, c))
    for i in range(h_out):
        for j in range(w_out):
            window = x[:, i * stride: i * stride + pool_size, j * stride: j * stride + pool_size]
            out[:, i, j, :] = {reduce}
    return out, {cache}
'''
RAISES = 'if padding != "valid":\n        raise ValueError("only valid padding")'
# as_strided with strides worked out for a C-contiguous x: wrong on any other layout
AS_STRIDED = '''def {name}(x, pool_size=2, stride=None, padding="valid"):
    if padding != "valid":
        raise ValueError("only valid padding")
    stride = pool_size if stride is None else stride
    x = np.asarray(x, dtype=float)
    n, h, w, c = x.shape
    h_out, w_out = (h - pool_size) // stride + 1, (w - pool_size) // stride + 1
    size = x.itemsize
    windows = np.lib.stride_tricks.as_strided(
        x, shape=(n, h_out, w_out, pool_size, pool_size, c),
        strides=(h * w * c * size, stride * w * c * size, stride * c * size, w * c * size,
                 c * size, size))
    return windows.{reduce}(axis=(3, 4)), (x, pool_size, stride)
'''


def pool_parts(name, reduce, check=RAISES, cache="(x, pool_size, stride)", cache_stride=""):
    source = POOL_PARTS.format(name=name, reduce=reduce, check=check, cache=cache,
                               cache_stride=cache_stride)
    return {name: "\n".join(line for line in source.split("\n") if line.strip() or not line)}


MEAN = "window.mean(axis=(1, 2))"
CONTRACT = [
    # the cache holds the pooled values (what a student may think the backward compares to)
    Variant("max_caches_out_not_x", pool_parts("max_pool2d_forward", MAX,
                                               cache="(out, pool_size, stride)"),
            ["test_max_pool2d_forward"]),
    Variant("avg_asserts_valid_padding", pool_parts(
        "avg_pool2d_forward", MEAN, check='assert padding == "valid", "only valid padding"'),
            ["test_avg_pool2d_forward"]),
    # ravel(order="K") follows memory order: right for C-contiguous inputs only
    Variant("gap_ravels_in_memory_order", {"global_avg_pool2d_forward": GAP.format(
        body="np.ravel(x, order='K').reshape(np.shape(x)[0], -1, np.shape(x)[3]).mean(axis=1)")},
            ["test_global_avg_pool2d_forward"]),
    # a padding it does not support is silently treated as "valid"
    Variant("max_ignores_padding", pool_parts("max_pool2d_forward", MAX, check=""),
            ["test_max_pool2d_forward"]),
    Variant("avg_as_strided_for_c_order", {"avg_pool2d_forward": AS_STRIDED.format(
        name="avg_pool2d_forward", reduce="mean")}, ["test_avg_pool2d_forward"]),
    # the cache holds x itself, not x.shape as the lesson says
    Variant("gap_caches_x", {"global_avg_pool2d_forward": GAP.format(
        body="np.mean(x, axis=(1, 2))").replace("np.shape(x)\n", "x\n")},
            ["test_global_avg_pool2d_forward"]),
]

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
    # issue 22: whole-contract mistakes, three exercises a notebook
    combine(*CONTRACT[:3]),
    combine(*CONTRACT[3:]),
]
