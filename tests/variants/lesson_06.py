"""Wrong and alternative answers for lesson 06 (convolution, dense and ReLU backward, gradient
checking, a two-layer MLP)."""

from tests.variants import Variant, combine, shadow_builtins, solution_source

DB, DW, DX = "test_conv2d_backward_db", "test_conv2d_backward_dw", "test_conv2d_backward_dx"

# A correct backward vectorized over kernel offsets; {db}, {dw}, {dx_add}, {dx_crop} spliced in.
BACKWARD = '''def conv2d_backward(dout, cache):
    x, w, b, stride, padding = cache
    _, height, width, _ = x.shape
    kernel_h, kernel_w, _, _ = w.shape
    _, out_h, out_w, _ = dout.shape
    x_padded = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    dx_padded = np.zeros(x_padded.shape)
    dw = np.zeros(w.shape)
    db = {db}
    for i in range(kernel_h):
        for j in range(kernel_w):
            rows = slice(i, i + stride * (out_h - 1) + 1, stride)
            columns = slice(j, j + stride * (out_w - 1) + 1, stride)
            patch = x_padded[:, rows, columns, :]
            dw[i, j] = {dw}
            dx_padded[:, rows, columns, :] += {dx_add}
    dx = {dx_crop}
    return dx, dw, db
'''
RIGHT = {"db": "dout.sum(axis=(0, 1, 2))",
         "dw": 'np.einsum("nrcd,nrck->dk", patch, dout)',
         "dx_add": "dout @ w[i, j].T",
         "dx_crop": "dx_padded[:, padding: padding + height, padding: padding + width, :]"}


def backward(**changes):
    return {"conv2d_backward": BACKWARD.format(**{**RIGHT, **changes})}


NUMERIC = '''def numerical_gradient(f, x, dout=None, h=1e-5):
    def total(value):
        value = np.asarray(value, dtype=float)
        return float(np.sum(value if dout is None else value * dout))

    grad = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        original = x[index]
        {body}
        x[index] = original
    return grad
'''
CENTERED = ("x[index] = original + h\n        plus = total(f(x))\n"
            "        x[index] = original - h\n        minus = total(f(x))\n"
            "        grad[index] = (plus - minus) / {denominator}")
ONE_SIDED = ("base = total(f(x))\n        x[index] = original + h\n"
             "        grad[index] = (total(f(x)) - base) / h")

RELATIVE = "def relative_error(a, b):\n    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)\n    return {body}\n"

LOOPS = '''def conv2d_backward(dout, cache):
    x, w, b, stride, padding = cache
    n_images, height, width, _ = x.shape
    kernel_h, kernel_w, _, filters = w.shape
    x_padded = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    dx_padded = np.zeros_like(x_padded)
    dw = np.zeros_like(w)
    db = np.zeros(filters)
    for n in range(n_images):
        for r in range(dout.shape[1]):
            for c in range(dout.shape[2]):
                top, left = r * stride, c * stride
                window = x_padded[n, top: top + kernel_h, left: left + kernel_w, :]
                for k in range(filters):
                    g = dout[n, r, c, k]
                    db[k] += g
                    dw[:, :, :, k] += window * g
                    dx_padded[n, top: top + kernel_h, left: left + kernel_w, :] += w[:, :, :, k] * g
    if padding:
        dx_padded = dx_padded[:, padding:-padding, padding:-padding, :]
    return dx_padded, dw, db
'''

# the im2col route: every window as a row of a matrix
IM2COL = '''def conv2d_backward(dout, cache):
    x, w, b, stride, padding = cache
    kernel_h, kernel_w, channels, filters = w.shape
    x_padded = np.pad(x, ((0, 0), (padding, padding), (padding, padding), (0, 0)))
    n, out_h, out_w, _ = dout.shape
    windows = np.lib.stride_tricks.sliding_window_view(x_padded, (kernel_h, kernel_w), axis=(1, 2))
    windows = windows[:, ::stride, ::stride][:, :out_h, :out_w]      # (N, Ho, Wo, C, KH, KW)
    cols = windows.transpose(0, 1, 2, 4, 5, 3).reshape(-1, kernel_h * kernel_w * channels)
    d = dout.reshape(-1, filters)
    dw = (cols.T @ d).reshape(w.shape)
    db = d.sum(axis=0)
    dcols = (d @ w.reshape(-1, filters).T).reshape(n, out_h, out_w, kernel_h, kernel_w, channels)
    dx_padded = np.zeros(x_padded.shape)
    for r in range(out_h):
        for c in range(out_w):
            dx_padded[:, r * stride: r * stride + kernel_h, c * stride: c * stride + kernel_w] += dcols[:, r, c]
    h, wd = x.shape[1:3]
    return dx_padded[:, padding: padding + h, padding: padding + wd], dw, db
'''

DENSE, RELU, MLP = "test_dense_backward", "test_relu_backward", "test_mlp_loss_and_gradients"
DENSE_BACKWARD = ('def dense_backward(dout, cache):\n    x, w, b = cache\n'
                  '    return {dx}, {dw}, {db}\n')
DENSE_RIGHT = {"dx": "dout @ w.T", "dw": "x.T @ dout", "db": "dout.sum(axis=0)"}


def dense(**changes):
    return {"dense_backward": DENSE_BACKWARD.format(**{**DENSE_RIGHT, **changes})}


def relu(body):
    return {"relu_backward": f"def relu_backward(dout, cache):\n    x = cache\n{body}"}


MLP_SOURCE = solution_source("06_backprop_gradcheck", "mlp_loss_and_gradients")


def mlp(old, new):
    assert old in MLP_SOURCE, old
    return {"mlp_loss_and_gradients": MLP_SOURCE.replace(old, new)}


VARIANTS = [
    # conv2d_backward misconceptions, each sharing its notebook with misconceptions of
    # dense_backward, relu_backward and the MLP (one mistake per exercise in a notebook)
    combine(
        Variant("db_batch_only", backward(db="dout.sum(axis=0)"), [DB]),
        Variant("dense_dw_transposed", dense(dw="dout.T @ x"), [DENSE]),    # (M, D), w is (D, M)
        Variant("relu_at_kink_passes", relu("    return np.where(x >= 0, dout, 0)\n"), [RELU]),
        Variant("mlp_no_relu_backward", mlp("dhidden = relu_backward(dactivated, hidden)",
                                            "dhidden = dactivated"), [MLP]),
    ),
    combine(
        Variant("db_all_axes", backward(db="np.full(w.shape[3], dout.sum())"), [DB]),
        Variant("dense_db_not_summed", dense(db="dout"), [DENSE]),           # (N, M), b is (M,)
        Variant("relu_zeroes_dout_in_place", relu("    dout[x <= 0] = 0\n    return dout\n"),
                [RELU]),
        Variant("mlp_dscores_not_averaged", mlp("dscores = 2 * error / error.size",
                                                "dscores = 2 * error"), [MLP]),
    ),
    combine(
        Variant("db_no_batch_sum", backward(db="dout[0].sum(axis=(0, 1))"), [DB]),
        Variant("dense_dx_w_not_transposed", dense(dx="dout @ w"), [DENSE]),
        Variant("relu_times_output", relu("    return dout * np.maximum(x, 0)\n"), [RELU]),
        Variant("mlp_dscores_batch_mean", mlp("dscores = 2 * error / error.size",
                                              "dscores = 2 * error / x.shape[0]"), [MLP]),
    ),
    combine(
        Variant("dw_no_batch_sum",
                backward(dw='np.einsum("rcd,rck->dk", patch[0], dout[0])'), [DW]),
        Variant("dense_db_batch_mean", dense(db="dout.mean(axis=0)"), [DENSE]),
    ),
    Variant("dw_batch_mean",
            backward(dw='np.einsum("nrcd,nrck->dk", patch, dout) / x.shape[0]'), [DW]),
    Variant("dx_filters_summed_separately",
            backward(dx_add="dout.sum(axis=-1, keepdims=True) * w[i, j].sum(axis=-1)"), [DX]),
    Variant("dx_not_cropped", backward(dx_crop="dx_padded"), [DX]),
    # right only on the square kernels the old tests used (rectangular ones raise IndexError)
    Variant("kernel_read_as_kw_kh", {"conv2d_backward": BACKWARD.format(**RIGHT).replace(
        "kernel_h, kernel_w, _, _ = w.shape", "kernel_w, kernel_h, _, _ = w.shape")},
            [DB, DW, DX]),
    Variant("kernel_assumed_square", {"conv2d_backward": BACKWARD.format(**RIGHT).replace(
        "kernel_h, kernel_w, _, _ = w.shape", "kernel_h = kernel_w = w.shape[0]")},
            [DB, DW, DX]),
    combine(
        Variant("backward_uses_reference", {"conv2d_backward": (
            "def conv2d_backward(dout, cache):\n"
            "    from course_lib import layers\n"
            "    x, w, b, stride, padding = cache\n"
            "    _, reference_cache = layers.conv2d_forward(x, w, b, stride, padding)\n"
            "    return layers.conv2d_backward(dout, reference_cache)\n")}, [DB, DW, DX]),
        Variant("dense_uses_reference", {"dense_backward": (
            "def dense_backward(dout, cache):\n"
            "    from course_lib.layers import dense_backward as course_dense_backward\n"
            "    return course_dense_backward(dout, cache)\n")}, [DENSE]),
        Variant("relu_uses_reference", {"relu_backward": (
            "def relu_backward(dout, cache):\n"
            "    from course_lib import layers\n"
            "    return layers.relu_backward(dout, cache)\n")}, [RELU]),
    ),
    # numerical_gradient misconceptions
    Variant("numeric_one_sided", {"numerical_gradient": NUMERIC.format(body=ONE_SIDED)},
            ["test_numerical_gradient"]),
    Variant("numeric_divides_by_h",
            {"numerical_gradient": NUMERIC.format(body=CENTERED.format(denominator="h"))},
            ["test_numerical_gradient"]),
    Variant("numeric_ignores_dout", {"numerical_gradient": NUMERIC.replace(
        "value if dout is None else value * dout", "value").format(
            body=CENTERED.format(denominator="(2 * h)"))}, ["test_numerical_gradient"]),
    # relative_error misconceptions
    Variant("relative_error_no_denominator",
            {"relative_error": RELATIVE.format(body="float(np.max(np.abs(a - b)))")},
            ["test_relative_error"]),
    Variant("relative_error_denominator_a_only", {"relative_error": RELATIVE.format(
        body="float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a))))")},
            ["test_relative_error"]),
    Variant("relative_error_abs_of_sum", {"relative_error": RELATIVE.format(
        body="float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a + b))))")},
            ["test_relative_error"]),
    Variant("relative_error_mean", {"relative_error": RELATIVE.format(
        body="float(np.mean(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))")},
            ["test_relative_error"]),
    # right only on the shapes and signs a quick test would use (one exercise each, combined)
    combine(
        Variant("numeric_first_axis_only", {"numerical_gradient": (  # right only for 1-D x
            NUMERIC.replace("np.ndindex(x.shape)", "range(x.shape[0])")
            .format(body=CENTERED.format(denominator="(2 * h)")))}, ["test_numerical_gradient"]),
        Variant("relative_error_positive_only", {"relative_error": RELATIVE.format(  # a + b, no abs
            body="float(np.max(np.abs(a - b) / np.maximum(1e-8, a + b)))")},
            ["test_relative_error"]),
    ),
    # other correct answers
    Variant("alternative_loops", {
        "conv2d_backward": LOOPS,
        "numerical_gradient": (
            "def numerical_gradient(f, x, dout=None, h=1e-5):\n"
            "    grad = np.zeros_like(x, dtype=float)\n"
            "    weights = 1.0 if dout is None else dout\n"
            "    it = np.nditer(x, flags=['multi_index'])\n"
            "    while not it.finished:\n"
            "        i = it.multi_index\n"
            "        keep = x[i]\n"
            "        x[i] = keep + h\n"
            "        plus = np.sum(np.copy(f(x)) * weights)\n"
            "        x[i] = keep - h\n"
            "        minus = np.sum(np.copy(f(x)) * weights)\n"
            "        x[i] = keep\n"
            "        grad[i] = (plus - minus) / (2 * h)\n"
            "        it.iternext()\n"
            "    return grad\n"),
        "relative_error": RELATIVE.format(
            body="float(max(abs(p - q) / max(1e-8, abs(p) + abs(q)) "
                 "for p, q in zip(a.ravel(), b.ravel())))"),
    }),
    # im2col; einsum for dense; the mask read from relu(x) (x > 0 exactly where relu(x) > 0);
    # the MLP's ReLU cache taken as its output, which gives the same mask
    Variant("alternative_im2col", {
        "conv2d_backward": IM2COL,
        "dense_backward": (
            "def dense_backward(dout, cache):\n"
            "    x, w, _ = cache\n"
            '    return (np.einsum("nm,dm->nd", dout, w), np.einsum("nd,nm->dm", x, dout),\n'
            '            np.einsum("nm->m", dout))\n'),
        "relu_backward": relu("    return dout * (np.maximum(x, 0) > 0)\n")["relu_backward"],
        "mlp_loss_and_gradients": mlp("dhidden = relu_backward(dactivated, hidden)",
                                      "dhidden = relu_backward(dactivated, activated)")[
                                          "mlp_loss_and_gradients"],
    }),
    # the solution with ordinary globals named like builtins (those the notebook does not call)
    Variant("alternative_builtin_names", {
        "conv2d_backward": shadow_builtins(solution_source("06_backprop_gradcheck", "conv2d_backward"),
                                           ("type", "all", "len", "input", "id", "str")),
    }),
]
