"""Instant checks for lesson 02: convolution by hand."""

import numpy as np

from course_lib import layers
from course_lib.cases import conv1d_cases, conv2d_cases, correlate2d_cases
from course_lib.checks._core import OUT, Case, Mistake, run_check
from course_lib.contract import cache_check
from course_lib.layers.conv import pad_images

FIGURE_X = np.array([0.0, 1.0, 2.0, 3.0, 4.0])
FIGURE_W = np.array([1.0, -1.0, 2.0])
FIGURE_IMAGE = np.array([[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1],
                         [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]], dtype=float)
FIGURE_KERNEL = np.array([[1, 0, 1], [0, 1, 0], [1, 0, 1]], dtype=float)


def _conv1d_no_flip(x, w, mode="full"):
    return layers.conv1d(x, np.asarray(w)[::-1], mode)


def _conv1d_valid_always(x, w, mode="full"):
    return layers.conv1d(x, w, "valid")


def _conv1d_full_always(x, w, mode="full"):
    return layers.conv1d(x, w, "full")


def _conv1d_same_left(x, w, mode="full"):
    full = layers.conv1d(x, w, "full")
    return full[: len(x)] if mode == "same" else layers.conv1d(x, w, mode)


def conv1d(function):
    """Check a learner's conv1d(x, w, mode) against np.convolve's modes."""
    rng = np.random.default_rng(201)
    cases = [Case((FIGURE_X, FIGURE_W), {"mode": mode}, label=f"the lesson's figure, {mode}")
             for mode in ("full", "valid", "same")]
    for n, f in [(6, 2), (7, 4), (9, 5), (4, 1)]:
        for mode in ("full", "valid", "same"):
            cases.append(Case((rng.normal(size=n), rng.normal(size=f)), {"mode": mode},
                              label=f"n={n}, f={f}, {mode}"))
    # the graded test's generator, other seeds; in float64 here (the graded test adds float32)
    for x, w in conv1d_cases(211, count=6):
        for mode in ("full", "valid", "same"):
            cases.append(Case((x.astype(np.float64), w.astype(np.float64)), {"mode": mode},
                              label=f"n={x.size}, f={w.size}, {mode}"))
    return run_check(
        "conv1d", function, layers.conv1d, cases,
        mistakes=[
            Mistake(_conv1d_no_flip,
                    "Convolution flips the kernel before sliding it: use w[::-1] "
                    "(sliding without the flip is cross-correlation)."),
            Mistake(_conv1d_valid_always,
                    "Look at `mode`: full has n + f - 1 values, valid n - f + 1, same n."),
            Mistake(_conv1d_full_always,
                    "Look at `mode`: full has n + f - 1 values, valid n - f + 1, same n."),
            Mistake(_conv1d_same_left,
                    "'same' is the centre of 'full': drop (f - 1) // 2 values at the start."),
        ],
        generic_hint="full[t] = sum_k x[k] * w[t - k]; pad x with f - 1 zeros on each side "
                     "and slide the flipped kernel.")


def correlate2d_single(function):
    """Check a learner's correlate2d_single(image, kernel) (valid, no flip)."""
    rng = np.random.default_rng(202)
    cases = [Case((FIGURE_IMAGE, FIGURE_KERNEL), label="the 5x5 image and 3x3 kernel of the lesson")]
    for h, w, kh, kw in [(4, 4, 2, 2), (6, 5, 3, 2), (7, 9, 3, 3), (5, 5, 1, 1), (4, 6, 4, 3)]:
        cases.append(Case((rng.normal(size=(h, w)), rng.normal(size=(kh, kw))),
                          label=f"image {h}x{w}, kernel {kh}x{kw}"))
    for image, kernel in correlate2d_cases(212, count=6):
        cases.append(Case((image.astype(np.float64), kernel.astype(np.float64)),
                          label=f"image {image.shape[0]}x{image.shape[1]}, "
                                f"kernel {kernel.shape[0]}x{kernel.shape[1]}"))
    return run_check(
        "correlate2d_single", function, layers.correlate2d_single, cases,
        mistakes=[
            Mistake(lambda image, kernel: layers.correlate2d_single(image, kernel[::-1, ::-1]),
                    "Deep-learning 'convolution' does not flip the kernel: multiply "
                    "image[r + i, c + j] by kernel[i, j]."),
            Mistake(lambda image, kernel: layers.correlate2d_single(image.T, kernel.T).T,
                    "Rows are the first index and columns the second; check i vs j."),
        ],
        generic_hint="out has shape (H - KH + 1, W - KW + 1) and "
                     "out[r, c] = sum(image[r:r + KH, c:c + KW] * kernel).")


def _conv_cases():
    rng = np.random.default_rng(203)
    cases = [Case((FIGURE_IMAGE.reshape(1, 5, 5, 1), FIGURE_KERNEL.reshape(3, 3, 1, 1),
                   np.zeros(1)), label="the 5x5 figure as a batch of one image")]
    specs = [((2, 5, 5, 3), 3, 2, 2, 1), ((2, 6, 6, 2), 3, 3, 1, "valid"),
             ((3, 7, 5, 2), 3, 2, 1, "same"), ((2, 8, 7, 3), 3, 2, 2, "same"),
             ((2, 7, 9, 2), 2, 3, 2, "valid"), ((1, 6, 8, 1), 4, 2, 2, 2)]
    for shape, f, k, stride, padding in specs:
        x = rng.normal(size=shape)
        w = rng.normal(size=(f, f, shape[3], k))
        b = rng.normal(size=k)
        cases.append(Case((x, w, b), {"stride": stride, "padding": padding},
                          label=f"x {shape}, {f}x{f} kernel, K={k}, stride {stride}, "
                                f"padding {padding!r}"))
    for x, w, b, stride, padding in conv2d_cases(213, count=6):
        cases.append(Case(tuple(a.astype(np.float64) for a in (x, w, b)),
                          {"stride": stride, "padding": padding},
                          label=f"x {x.shape}, {w.shape[0]}x{w.shape[1]} kernel, K={w.shape[3]}, "
                                f"stride {stride}, padding {padding!r}"))
    return cases


def _reference(x, w, b, stride=1, padding="valid"):
    return layers.conv2d_forward(x, w, b, stride=stride, padding=padding)[0]


def _one_sided(x, w, b, stride=1, padding="valid"):
    """Every zero of the padding put after the image (bottom/right)."""
    from course_lib import shapes

    f = w.shape[0]
    pads = [sum(shapes.padding_amounts(size, f, stride, padding)) for size in x.shape[1:3]]
    padded = pad_images(x, ((0, pads[0]), (0, pads[1])))
    return layers.conv2d_forward(padded, w, b, stride=stride, padding="valid")[0]


def _stride_ignored(x, w, b, stride=1, padding="valid"):
    """Windows every pixel: the stride left out everywhere."""
    return _reference(x, w, b, 1, padding)


def _pads(x, w, stride, padding):
    from course_lib import shapes

    return [shapes.padding_amounts(size, f, stride, padding)
            for size, f in zip(x.shape[1:3], w.shape[:2])]


def _window_at_r(x, w, b, stride=1, padding="valid"):
    """The output size of the stride, but the window at row r instead of r * stride."""
    from course_lib import shapes

    sizes = [shapes.conv_output_size(size, f, stride, padding)
             for size, f in zip(x.shape[1:3], w.shape[:2])]
    padded = pad_images(x, _pads(x, w, stride, padding))
    dense = layers.conv2d_forward(padded, w, b, stride=1, padding="valid")[0]
    return dense[:, :sizes[0], :sizes[1]]


def _symmetric_same(x, w, b, stride=1, padding="valid"):
    """'same' as (F - 1) // 2 zeros on every side, whatever the stride."""
    if padding != "same":
        return _reference(x, w, b, stride, padding)
    return _reference(x, w, b, stride, (w.shape[0] - 1) // 2)


def _true_division(x, w, b, stride=1, padding="valid"):
    """The output size computed with / : a float, which np.zeros refuses."""
    pads = _pads(x, w, stride, padding)
    out_h = (x.shape[1] + sum(pads[0]) - w.shape[0]) / stride + 1
    out_w = (x.shape[2] + sum(pads[1]) - w.shape[1]) / stride + 1
    np.zeros((x.shape[0], out_h, out_w, w.shape[3]))  # raises TypeError, as the learner's does
    return _reference(x, w, b, stride, padding)


def conv2d_forward(function):
    """Check a learner's conv2d_forward(x, w, b, stride, padding) -> (out, cache)."""
    def channel0(x, w, b, stride=1, padding="valid"):
        return _reference(x[..., :1], w[:, :, :1], b, stride, padding)

    def bias_first_image(x, w, b, stride=1, padding="valid"):
        out = _reference(x, w, np.zeros_like(b), stride, padding)
        out[0] += b
        return out

    return run_check(
        "conv2d_forward", function, _reference, _conv_cases(),
        output=OUT,
        mistakes=[
            Mistake(lambda x, w, b, stride=1, padding="valid":
                    _reference(x, w[::-1, ::-1], b, stride, padding),
                    "Conv layers do not flip the kernel: use w[i, j] at window offset (i, j)."),
            Mistake(lambda x, w, b, stride=1, padding="valid":
                    _reference(x, w, np.zeros_like(b), stride, padding),
                    "Add the bias b[k] to every output pixel of filter k."),
            Mistake(bias_first_image,
                    "The bias goes on every image of the batch, not only the first."),
            Mistake(channel0,
                    "Sum the products over all input channels: the window is (KH, KW, C)."),
            Mistake(_stride_ignored,
                    "Use the stride: the window of output pixel (r, c) starts at row r * stride "
                    "and column c * stride, and there are (H_pad - KH) // stride + 1 rows."),
            Mistake(_window_at_r,
                    "The output has the right size, but the window of output row r starts at "
                    "row r * stride of the padded input, not at row r."),
            Mistake(_symmetric_same,
                    "'same' is not (F - 1) // 2 zeros on each side: TensorFlow pads "
                    "max((H_out - 1) * S + F - H, 0) in total, total // 2 at the top/left and "
                    "the rest (one more when odd) at the bottom/right."),
            Mistake(_true_division,
                    "The output size is an int: use // ((H_pad - KH) // stride + 1); / gives a "
                    "float, which np.zeros and range() refuse."),
            Mistake(_one_sided,
                    "Pad on both sides: P zeros at the top and the bottom (and left, right); "
                    "for 'same' put total // 2 first and the odd one at the bottom/right."),
        ],
        generic_hint="out[n, r, c, k] = sum(x_pad[n, r*S:r*S + F, c*S:c*S + F, :] * w[..., k]) "
                     "+ b[k]; out has shape (N, H_out, W_out, K); the cache is "
                     "(x, w, b, stride, padding), with x as given (not padded).",
        contract=cache_check(
            "conv2d_forward", layers.conv2d_backward,
            lambda x, w, b, stride=1, padding="valid": (np.array(x), np.array(w), np.array(b),
                                                         stride, padding),
            "(x, w, b, stride, padding)"))
