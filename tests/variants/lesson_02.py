"""Wrong and alternative answers for lesson 02 (convolution by hand)."""

from tests.variants import Variant, combine, shadow_builtins

CONV1D = "def conv1d(x, w, mode=\"full\"):\n{body}\n"
CORR = "def correlate2d_single(image, kernel):\n{body}\n"
CONV2D = "def conv2d_forward(x, w, b, stride=1, padding=\"valid\"):\n{body}\n"


def indent(body):
    return "\n".join("    " + line if line else "" for line in body.strip("\n").split("\n"))


def conv1d(body):
    return {"conv1d": CONV1D.format(body=indent(body))}


def conv2d(body):
    return {"conv2d_forward": CONV2D.format(body=indent(body))}


# conv1d: `full` by loops, then slices; {full} and {same} can be swapped for mistakes.
CONV1D_TEMPLATE = """
n, f = len(x), len(w)
{full}
if mode == "full":
    return full
if mode == "valid":
    return full[f - 1 : n]
if mode != "same":
    raise ValueError(f"unknown mode {{mode!r}}")
{same}
"""
MODE_CHECK = """if mode != "same":
    raise ValueError(f"unknown mode {{mode!r}}")
"""
FULL_RIGHT = """full = np.zeros(n + f - 1)
for t in range(n + f - 1):
    for k in range(n):
        if 0 <= t - k < f:
            full[t] += x[k] * w[t - k]"""
SAME_RIGHT = "start = (f - 1) // 2\nreturn full[start : start + n]"

# conv2d_forward by loops, with pieces that the mistakes replace.
CONV2D_TEMPLATE = """
batch, height, width, _ = x.shape
kernel_h, kernel_w, _, filters = w.shape
if padding == "valid":
    pads = [(0, 0), (0, 0)]
elif padding == "same":
    pads = []
    for size, kernel_size in ((height, kernel_h), (width, kernel_w)):
        out_size = -(-size // stride)
        total = max((out_size - 1) * stride + kernel_size - size, 0)
        pads.append({same_split})
else:
    pads = [{int_pads}, {int_pads}]
x_padded = np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)])
out_h = (x_padded.shape[1] - kernel_h) // stride + 1
out_w = (x_padded.shape[2] - kernel_w) // stride + 1
out = np.zeros((batch, out_h, out_w, filters))
for n in range(batch):
    for r in range(out_h):
        for c in range(out_w):
            top, left = r * stride, {left}
            window = x_padded[n, top:top + kernel_h, left:left + kernel_w, {channels}]
            for k in range(filters):
                out[n, r, c, k] = np.sum(window * w[{kernel}, {channels}, k]){bias}
{after}
return out, {cache}
"""
RIGHT = dict(same_split="(total // 2, total - total // 2)", int_pads="(padding, padding)",
             left="c * stride", channels=":", kernel=":, :", bias=" + b[k]", after="",
             cache="(x, w, b, stride, padding)")


def conv2d_with(**changes):
    return conv2d(CONV2D_TEMPLATE.format(**{**RIGHT, **changes}))


VARIANTS = [
    # conv1d misconceptions
    Variant("conv1d_no_flip", conv1d(CONV1D_TEMPLATE.format(
        full="""full = np.zeros(n + f - 1)
for t in range(n + f - 1):
    for k in range(f):
        if 0 <= t - f + 1 + k < n:
            full[t] += x[t - f + 1 + k] * w[k]""", same=SAME_RIGHT)), ["test_conv1d"]),
    Variant("conv1d_full_length_n", conv1d(CONV1D_TEMPLATE.format(
        full=FULL_RIGHT + "\nif mode == \"full\":\n    return full[:n]", same=SAME_RIGHT)),
        ["test_conv1d"]),
    Variant("conv1d_full_one_short", conv1d(CONV1D_TEMPLATE.format(
        full=FULL_RIGHT.replace("range(n + f - 1)", "range(n + f - 2)"), same=SAME_RIGHT)),
        ["test_conv1d"]),
    Variant("conv1d_same_pads_half_kernel", conv1d(CONV1D_TEMPLATE.format(
        full=FULL_RIGHT, same="""padded = np.concatenate([np.zeros(f // 2), x, np.zeros(f // 2)])
return np.array([np.dot(padded[t:t + f], w[::-1]) for t in range(len(padded) - f + 1)])""")),
        ["test_conv1d"]),
    Variant("conv1d_same_length_n_minus_1", conv1d(CONV1D_TEMPLATE.format(
        full=FULL_RIGHT, same="return full[f // 2 : n + f // 2 - 1]")), ["test_conv1d"]),
    # right in the three modes, but any other mode silently gives "same" (the documented
    # ValueError is never raised)
    Variant("conv1d_unknown_mode_is_same", conv1d(CONV1D_TEMPLATE.replace(MODE_CHECK, "").format(
        full=FULL_RIGHT, same=SAME_RIGHT)), ["test_conv1d"]),
    # each combined with a conv2d_forward whose `out` is right and whose cache is not (issue 22):
    # the padding written as the top pad (wrong for an odd "same" total), the padded input
    combine(Variant("conv1d_uses_reference", conv1d(
        "from course_lib.layers import conv1d as reference\nreturn reference(x, w, mode)"),
        ["test_conv1d"]),
            Variant("conv2d_caches_top_pad", conv2d_with(cache="(x, w, b, stride, pads[0][0])"),
                    ["test_conv2d_forward"])),
    # correlate2d_single misconceptions
    Variant("correlate2d_flips_kernel", {"correlate2d_single": CORR.format(body=indent("""
kernel = kernel[::-1, ::-1]
out_h, out_w = image.shape[0] - kernel.shape[0] + 1, image.shape[1] - kernel.shape[1] + 1
out = np.zeros((out_h, out_w))
for r in range(out_h):
    for c in range(out_w):
        out[r, c] = np.sum(image[r:r + kernel.shape[0], c:c + kernel.shape[1]] * kernel)
return out"""))}, ["test_correlate2d_single"]),
    combine(Variant("correlate2d_uses_reference", {"correlate2d_single": CORR.format(body=indent(
        "from course_lib import layers as library\n"
        "return library.correlate2d_single(image, kernel)"))}, ["test_correlate2d_single"]),
            Variant("conv2d_caches_padded_x",
                    conv2d_with(cache="(x_padded, w, b, stride, padding)"),
                    ["test_conv2d_forward"])),
    # conv2d_forward misconceptions
    Variant("conv2d_flips_kernel", conv2d_with(kernel="::-1, ::-1"), ["test_conv2d_forward"]),
    Variant("conv2d_no_bias", conv2d_with(bias=""), ["test_conv2d_forward"]),
    Variant("conv2d_bias_first_image_only", conv2d_with(bias="", after="out[0] += b"),
            ["test_conv2d_forward"]),
    Variant("conv2d_channel_0_only", conv2d_with(channels="0"), ["test_conv2d_forward"]),
    Variant("conv2d_stride_rows_only", conv2d_with(left="c"), ["test_conv2d_forward"]),
    Variant("conv2d_pads_one_side", conv2d_with(same_split="(0, total)",
                                                int_pads="(0, 2 * padding)"),
            ["test_conv2d_forward"]),
    Variant("conv2d_same_odd_pixel_top_left",
            conv2d_with(same_split="(total - total // 2, total // 2)"), ["test_conv2d_forward"]),
    Variant("conv2d_uses_reference", conv2d(
        "from course_lib.layers import conv2d_forward as reference\n"
        "return reference(x, w, b, stride, padding)"), ["test_conv2d_forward"]),
    # right only on the shapes the old tests used (one exercise each, combined)
    combine(
        Variant("conv1d_default_mode_same", {"conv1d": CONV1D.replace('mode="full"', 'mode="same"')
                                             .format(body=indent(CONV1D_TEMPLATE.format(
                                                 full=FULL_RIGHT, same=SAME_RIGHT)))},
                ["test_conv1d"]),
        Variant("correlate2d_square_kernel", {"correlate2d_single": CORR.format(body=indent("""
kernel_h = kernel_w = kernel.shape[0]
out = np.zeros((image.shape[0] - kernel_h + 1, image.shape[1] - kernel_w + 1))
for r in range(out.shape[0]):
    for c in range(out.shape[1]):
        out[r, c] = np.sum(image[r:r + kernel_h, c:c + kernel_w] * kernel[:kernel_h, :kernel_w])
return out"""))}, ["test_correlate2d_single"]),
        Variant("conv2d_same_pads_for_stride_one",  # "same" right only for stride 1
                conv2d_with(same_split="((kernel_size - 1) // 2, kernel_size // 2)"),
                ["test_conv2d_forward"]),
    ),
    # another correct answer: offsets of the kernel, TensorFlow's padding formula, input dtype
    Variant("alternative_kernel_offsets", {
        **conv1d("""
f, n = len(w), len(x)
padded = np.concatenate([np.zeros(f - 1, x.dtype), x, np.zeros(f - 1, x.dtype)])
full = np.zeros(n + f - 1, x.dtype)
for k in range(f):
    full += w[f - 1 - k] * padded[k:k + n + f - 1]
if mode == "valid":
    return full[f - 1:n]
if mode == "same":
    return full[(f - 1) // 2:(f - 1) // 2 + n]
if mode != "full":
    raise ValueError(f"unknown mode {mode}")
return full"""),
        "correlate2d_single": CORR.format(body=indent("""
kh, kw = kernel.shape
out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1), image.dtype)
for i in range(kh):
    for j in range(kw):
        out += kernel[i, j] * image[i:i + out.shape[0], j:j + out.shape[1]]
return out""")),
        **conv2d("""
kh, kw, _, k = w.shape
pads = []
for size, kernel_size in zip(x.shape[1:3], (kh, kw)):
    if padding == "same":
        rest = size % stride
        total = max(kernel_size - (rest if rest else stride), 0)
        pads.append((total // 2, total - total // 2))
    elif padding == "valid":
        pads.append((0, 0))
    else:
        pads.append((padding, padding))
xp = np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)])
out_h = (xp.shape[1] - kh) // stride + 1
out_w = (xp.shape[2] - kw) // stride + 1
out = np.zeros((x.shape[0], out_h, out_w, k), x.dtype) + b
for i in range(kh):
    for j in range(kw):
        patch = xp[:, i:i + stride * (out_h - 1) + 1:stride, j:j + stride * (out_w - 1) + 1:stride]
        out += patch @ w[i, j]
return out, (x, w, b, stride, padding)"""),
    }),
    # other correct answers: vectorized
    Variant("alternative_vectorized", {
        **conv1d("""
f = len(w)
padded = np.concatenate([np.zeros(f - 1), x, np.zeros(f - 1)])
windows = np.lib.stride_tricks.sliding_window_view(padded, f)
full = windows @ w[::-1]
if mode not in ("full", "valid", "same"):
    raise ValueError("mode must be full, valid or same")
start = {"full": 0, "valid": f - 1, "same": (f - 1) // 2}[mode]
length = {"full": len(full), "valid": len(x) - f + 1, "same": len(x)}[mode]
return full[start:start + length]"""),
        "correlate2d_single": shadow_builtins(CORR.format(body=indent("""
windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)
return np.einsum("rcij,ij->rc", windows, kernel)""")), ('type', 'all', 'id', 'str')),
        **conv2d("""
kernel_h, kernel_w, _, filters = w.shape
pads = []
for size, kernel_size in zip(x.shape[1:3], (kernel_h, kernel_w)):
    if padding == "valid":
        pads.append((0, 0))
    elif padding == "same":
        total = max((int(np.ceil(size / stride)) - 1) * stride + kernel_size - size, 0)
        pads.append((total // 2, (total + 1) // 2))
    else:
        pads.append((padding, padding))
xp = np.pad(x, [(0, 0), *pads, (0, 0)])
windows = np.lib.stride_tricks.sliding_window_view(xp, (kernel_h, kernel_w), axis=(1, 2))
windows = windows[:, ::stride, ::stride]  # (N, H_out, W_out, C, KH, KW)
out = np.einsum("nhwcij,ijck->nhwk", windows, w) + b
return out, (x, w, b, stride, padding)"""),
    }),
]
