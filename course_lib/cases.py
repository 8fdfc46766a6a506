"""Random inputs for the graded exercises, shared by the instant checks and the hidden tests.

Each generator sweeps the domain that its exercise's docstring admits (rectangular
inputs and kernels, stride pairs, every padding form, odd and even sizes, a batch
of one, float32 and float64, tiny and large magnitudes) and returns plain data:
lists of tuples of ints, strings and NumPy arrays. The instant checks
(course_lib.checks) and the graded tests of the lessons call the same generator
with different seeds, so a pass of the check and the grade disagree only on the
cases the graded tests add on purpose.

Only inputs live here. The expected answers come from an oracle written inside
each graded test (loops, counting windows, numerical gradients), never from
the course_lib reference.

Introduced in lesson 03.
"""

import numpy as np

from course_lib._sampling import DTYPES, _array, _rng, with_drawn_cases

# The generators of lessons 01, 02 and 04 live in course_lib/cases_forward.py.
from course_lib.cases_forward import (conv1d_cases, conv2d_cases, conv_params_cases,  # noqa: F401
                                      correlate2d_cases, dense_cases, layer_macs_cases,
                                      mlp_sizes_cases, relu_cases, softmax_cases)


@with_drawn_cases
def conv_output_size_cases(seed, count=60):
    """(n, f, stride, padding) for conv_output_size: 'valid', 'same' and int paddings."""
    rng = _rng(seed)
    cases = [(1, 1, 1, "valid"), (1, 1, 3, "same"), (6, 6, 1, "valid"), (7, 1, 7, "same"),
             (2, 3, 1, 1), (8, 2, 3, 0)]
    for _ in range(count):
        n = int(rng.integers(1, 40))
        padding = ["valid", "same", int(rng.integers(0, 4))][int(rng.integers(0, 3))]
        largest = n + 2 * padding if isinstance(padding, int) else n
        f = int(rng.integers(1, largest + 1))
        cases.append((n, f, int(rng.integers(1, 6)), padding))
    return cases


@with_drawn_cases
def conv_output_shape_cases(seed, count=30):
    """(input_shape, filters, kernel_arg, strides_arg, padding) for conv_output_shape.

    kernel_arg and strides_arg are ints or pairs (rows, columns), mixed freely;
    inputs are rectangular, sizes odd and even.
    """
    rng = _rng(seed)
    cases = [((9, 14, 3), 8, (3, 5), (2, 3), "valid"), ((14, 9, 2), 4, (5, 3), (3, 2), "same"),
             ((7, 12, 1), 2, 3, (1, 4), 1), ((1, 1, 5), 3, 1, 1, "same")]
    for _ in range(count):
        shape = tuple(int(v) for v in rng.integers(4, 40, size=3))
        kernel = tuple(int(v) for v in rng.integers(1, 5, size=2))
        strides = tuple(int(v) for v in rng.integers(1, 4, size=2))
        padding = ["valid", "same", int(rng.integers(0, 3))][int(rng.integers(0, 3))]
        kernel_arg = kernel[0] if rng.random() < 0.3 else kernel
        strides_arg = strides[0] if rng.random() < 0.3 else strides
        cases.append((shape, int(rng.integers(1, 65)), kernel_arg, strides_arg, padding))
    return cases


@with_drawn_cases
def pool_output_shape_cases(seed, count=30):
    """(input_shape, pool_arg, strides_arg, padding) for pool_output_shape.

    pool_arg is an int or a pair, strides_arg an int, a pair or None.
    """
    rng = _rng(seed)
    cases = [((12, 10, 2), (3, 2), (2, 1), "valid"), ((10, 12, 2), (2, 3), (1, 2), "same"),
             ((9, 13, 4), 3, (1, 3), "valid"), ((11, 8, 1), (4, 2), None, "valid"),
             ((100, 100, 15), 2, None, "valid")]
    for _ in range(count):
        shape = tuple(int(v) for v in rng.integers(5, 40, size=3))
        pool = tuple(int(v) for v in rng.integers(1, 5, size=2))
        pool_arg = pool[0] if rng.random() < 0.3 else pool
        choice = rng.random()
        if choice < 0.3:
            strides_arg = None
        elif choice < 0.5:
            strides_arg = int(rng.integers(1, 4))
        else:
            strides_arg = tuple(int(v) for v in rng.integers(1, 4, size=2))
        cases.append((shape, pool_arg, strides_arg, ["valid", "same"][int(rng.integers(0, 2))]))
    return cases


@with_drawn_cases
def pool_cases(seed, count=8, ties=False):
    """(x, pool_size, stride) for the pooling exercises of lesson 05 (ints, 'valid').

    x is (N, H, W, C), rectangular, batch of one included, float64 and float32;
    stride is an int or None. With ties=True, some inputs are all zeros or hold
    small integers, so windows have several equal maxima.
    """
    rng = _rng(seed)
    cases = []
    for index in range(count):
        pool = int(rng.integers(1, 5))
        stride = [None, int(rng.integers(1, 5))][int(rng.integers(0, 2))]
        n = 1 if index % 3 == 0 else int(rng.integers(2, 4))
        h, w = (int(v) for v in rng.integers(pool, pool + 8, size=2))
        c = int(rng.integers(1, 4))
        dtype = DTYPES[index % 2]
        if ties and index % 2 == 0:
            x = rng.integers(0, 3, size=(n, h, w, c)).astype(dtype)
            if index % 4 == 0:
                x[:, : h // 2] = 0  # whole windows of zeros, as after a ReLU
        else:
            x = _array(rng, (n, h, w, c), dtype, scale=10.0 ** int(rng.integers(-3, 4)))
        cases.append((x, pool, stride))
    return cases


@with_drawn_cases
def conv_backward_cases(seed, count=8):
    """(x, w, b, dout, stride, padding) for conv2d_backward (int stride and padding).

    Kernels (KH, KW, C, K) are rectangular as often as square, inputs too; a
    batch of one, strides larger than the kernel and float32 are included.
    """
    rng = _rng(seed)
    cases = []
    for index in range(count):
        while True:
            kernel_h, kernel_w = (int(v) for v in rng.integers(1, 5, size=2))
            if index % 4 == 3:
                kernel_w = kernel_h  # one case in four is square
            elif kernel_h == kernel_w:
                continue  # the others are rectangular
            stride, padding = int(rng.integers(1, 4)), int(rng.integers(0, 3))
            n = 1 if index % 3 == 0 else int(rng.integers(2, 4))
            h, w = (int(v) for v in rng.integers(3, 9, size=2))
            out_h = (h + 2 * padding - kernel_h) // stride + 1
            out_w = (w + 2 * padding - kernel_w) // stride + 1
            if out_h >= 1 and out_w >= 1:
                break
        c, k = (int(v) for v in rng.integers(1, 4, size=2))
        dtype = DTYPES[index % 2]
        cases.append((_array(rng, (n, h, w, c), dtype), _array(rng, (kernel_h, kernel_w, c, k), dtype),
                      _array(rng, (k,), dtype), _array(rng, (n, out_h, out_w, k), dtype),
                      stride, padding))
    return cases


@with_drawn_cases
def dense_backward_cases(seed, count=8):
    """(x, w, b, dout) for dense_backward: any (N, D) x (D, M), both dtypes, magnitudes.

    A batch of one every third case; w square (D == M) every fourth case, so that a
    dx written without transposing w runs and must be wrong by its values; the others
    have D != M.
    """
    rng = _rng(seed)
    cases = []
    for index in range(count):
        n = 1 if index % 3 == 0 else int(rng.integers(2, 9))
        d = int(rng.integers(1, 10))
        m = d if index % 4 == 0 else int(rng.choice([v for v in range(1, 10) if v != d]))
        dtype = DTYPES[index % 2]
        scale = 10.0 ** int(rng.integers(-3, 4))
        cases.append((_array(rng, (n, d), dtype, scale), _array(rng, (d, m), dtype),
                      _array(rng, (m,), dtype), _array(rng, (n, m), dtype, scale)))
    return cases


@with_drawn_cases
def relu_backward_cases(seed, count=6):
    """(x, dout) for relu_backward: any shape (1-D to 4-D), both dtypes, tiny to huge values,
    and in every case exact zeros, 0.0 and -0.0, in x (the kink, where the gradient is 0)."""
    rng = _rng(seed)
    cases = []
    for index in range(count):
        shape = tuple(int(v) for v in rng.integers(1, 6, size=int(rng.integers(1, 5))))
        shape = shape[:-1] + (shape[-1] + 2,)  # room for a 0.0 and a -0.0
        dtype = DTYPES[index % 2]
        scale = [1.0, 1e-6, 1e6, 10.0, 1e-30, 1e30][index % 6]
        x = _array(rng, shape, dtype, scale).reshape(-1)
        zeros = rng.permutation(x.size)[:max(2, x.size // 4)]
        x[zeros] = 0.0
        x[zeros[1::2]] = -0.0
        cases.append((x.reshape(shape), _array(rng, shape, dtype)))
    return cases


@with_drawn_cases
def mlp_cases(seed, count=4):
    """(x, y, w1, b1, w2, b2) for mlp_loss_and_gradients: Dense(D -> H), ReLU, Dense(H -> M).

    Sizes from 1 (a batch of one, one output) to a few; float64 and float32 in turn.
    Every hidden pre-activation x @ w1 + b1 is at least 1e-3 away from ReLU's kink,
    so that centered differences with a step below 1e-4 are exact there.
    """
    rng = _rng(seed)
    cases = []
    for index in range(count):
        n = 1 if index % 3 == 0 else int(rng.integers(2, 6))
        d, hidden, m = int(rng.integers(1, 6)), int(rng.integers(2, 7)), int(rng.integers(1, 4))
        dtype = DTYPES[index % 2]
        while True:
            x, w1, b1 = (_array(rng, (n, d)), _array(rng, (d, hidden)),
                         _array(rng, (hidden,), scale=0.5))
            if np.min(np.abs(x @ w1 + b1)) > 1e-3:
                break
        y, w2, b2 = _array(rng, (n, m)), _array(rng, (hidden, m)), _array(rng, (m,))
        cases.append(tuple(a.astype(dtype) for a in (x, y, w1, b1, w2, b2)))
    return cases


@with_drawn_cases
def dropout_cases(seed, count=6):
    """(x, rate, seed) for dropout: any shape (1-D to 4-D), rates in [0, 1), both dtypes."""
    rng = _rng(seed)
    cases = []
    for index in range(count):
        shape = tuple(int(v) for v in rng.integers(1, 7, size=int(rng.integers(1, 5))))
        rate = [0.0, 0.1, 0.25, 0.5, 0.7, 0.9][index % 6]
        cases.append((_array(rng, shape, DTYPES[index % 2]), rate, int(rng.integers(10_000))))
    return cases


@with_drawn_cases
def batchnorm_cases(seed, count=6):
    """(x, gamma, beta) for batch normalization: (N, D) and (N, H, W, C), spreads small and large."""
    rng = _rng(seed)
    shapes = [(4, 3), (2, 3, 4, 2), (6, 5), (3, 2, 2, 4), (8, 1), (1, 3, 3, 3)]
    cases = []
    for index in range(count):
        shape = shapes[index % len(shapes)]
        channels = shape[-1]
        scale = [1.0, 0.02, 30.0][index % 3]
        x = rng.normal(size=shape) * scale + rng.normal(size=channels) * 3
        cases.append((x, rng.normal(size=channels), rng.normal(size=channels)))
    return cases


@with_drawn_cases
def optimizer_cases(seed, count=6, steps=6):
    """(w, gradients, hyper) for sgd_step and adam_step.

    w has any shape; gradients is a list of `steps` arrays of w's shape, their
    magnitude tiny (1e-9, where Adam's epsilon matters), ordinary or large;
    half of the cases are float32. hyper is a dict of Adam's hyper-parameters
    (learning_rate, beta_1, beta_2, epsilon), defaults left out at random.
    """
    rng = _rng(seed)
    cases = []
    for index in range(count):
        shape = tuple(int(v) for v in rng.integers(1, 5, size=int(rng.integers(1, 4))))
        dtype = DTYPES[index % 2]
        magnitude = [1e-9, 1.0, 1e-6, 1e3, 1e-8, 0.1][index % 6]
        gradients = [_array(rng, shape, dtype, magnitude) for _ in range(steps)]
        hyper = {}
        for key, values in (("learning_rate", (0.001, 0.01, 0.1)), ("beta_1", (0.9, 0.8)),
                            ("beta_2", (0.999, 0.99, 0.9)), ("epsilon", (1e-7, 1e-6))):
            if rng.random() < 0.5:
                hyper[key] = values[int(rng.integers(0, len(values)))]
        cases.append((_array(rng, shape, dtype), gradients, hyper))
    return cases


@with_drawn_cases
def schedule_cases(seed, count=8):
    """(initial_learning_rate, decay_steps, alpha, warmup_target, warmup_steps) for cosine_decay.

    The fixed cases first: no warm-up, a warm-up from 0 and from a rate above 0, a
    warm-up that goes down, warmup_target without warmup_steps, warmup_steps
    without warmup_target (Keras then skips the warm-up), decay_steps of 1, alpha 0
    and alpha > 0. Then `count` drawn ones: decay_steps up to 40, warmup_steps up to
    15, rates up to 1. A test tries every step from 0 to past the end of the decay.
    """
    rng = _rng(seed)
    cases = [(0.1, 20, 0.0, None, 0), (0.0, 12, 0.2, 0.1, 5), (0.05, 8, 0.5, 0.3, 3),
             (0.1, 10, 0.0, None, 4), (0.3, 6, 0.1, 0.05, 4), (0.1, 5, 0.3, 0.2, 0),
             (0.02, 1, 0.0, 0.5, 1)]
    for _ in range(count):
        initial = 0.0 if rng.random() < 0.3 else float(np.round(rng.uniform(0.001, 1.0), 4))
        alpha = 0.0 if rng.random() < 0.3 else float(np.round(rng.uniform(0.0, 0.9), 3))
        target = None if rng.random() < 0.3 else float(np.round(rng.uniform(0.001, 1.0), 4))
        cases.append((initial, int(rng.integers(1, 41)), alpha, target,
                      int(rng.integers(0, 16))))
    return cases


@with_drawn_cases
def layernorm_cases(seed, count=6):
    """(x, gamma, beta) for layer normalization: (N, D) and (N, H, W, C), float64 and float32,
    C from 2 to 7, spreads small (near epsilon) and large, an offset of its own per example."""
    rng = _rng(seed)
    cases = [(np.array([[1.0, 3.0], [10.0, 30.0]]), np.ones(2), np.zeros(2))]
    for index in range(count):
        lead = (int(rng.integers(2, 5)),) if index % 2 == 0 else (
            int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 4)))
        shape = lead + (int(rng.integers(2, 8)),)
        dtype = DTYPES[(index // 2) % 2]
        scale = [1.0, 0.02, 30.0][index % 3]
        x = rng.normal(size=shape) * scale + rng.normal(size=lead + (1,)) * 3
        cases.append((x.astype(dtype), rng.normal(size=shape[-1]).astype(dtype),
                      rng.normal(size=shape[-1]).astype(dtype)))
    return cases


@with_drawn_cases
def groupnorm_cases(seed, count=6):
    """(x, gamma, beta, groups) for group normalization: (N, H, W, C) and (N, D), float64 and
    float32, groups = 1, C and values between (C divisible by groups), spreads small and large."""
    rng = _rng(seed)
    cases = [(np.arange(8.0).reshape(1, 1, 2, 4) ** 2, np.ones(4), np.zeros(4), 2)]
    for index in range(count):
        groups = int(rng.integers(2, 5))
        per_group = [int(rng.integers(2, 4)), 1, int(rng.integers(2, 4))][index % 3]
        if index % 4 == 3:
            groups, per_group = 1, int(rng.integers(2, 6))   # one group: all of (H, W, C)
        channels = groups * per_group
        lead = ((int(rng.integers(1, 4)),) if index % 5 == 4 else
                (int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 4))))
        shape = lead + (channels,)
        dtype = DTYPES[(index // 2) % 2]
        scale = [1.0, 0.02, 30.0][index % 3]
        x = (rng.normal(size=shape) * scale
             + rng.normal(size=(shape[0],) + (1,) * (len(shape) - 2) + (channels,)) * 3)
        cases.append((x.astype(dtype), rng.normal(size=channels).astype(dtype),
                      rng.normal(size=channels).astype(dtype), groups))
    return cases


INITIALIZER_NAMES = ("glorot_uniform", "glorot_normal", "he_uniform", "he_normal",
                     "lecun_uniform", "lecun_normal")


@with_drawn_cases
def initializer_cases(seed, count=12):
    """(name, shape) for initializer_stddev: every Keras name, Dense kernels (fan_in, fan_out)
    with fan_in != fan_out, and Conv2D kernels (KH, KW, C, K), square or not."""
    rng = _rng(seed)
    cases = [(name, (64, 10)) for name in INITIALIZER_NAMES]
    for index in range(count):
        name = INITIALIZER_NAMES[index % len(INITIALIZER_NAMES)]
        if index % 3 == 0:
            shape = (int(rng.integers(1, 500)), int(rng.integers(1, 500)))
        else:
            shape = (int(rng.integers(1, 6)), int(rng.integers(1, 6)), int(rng.integers(1, 65)),
                     int(rng.integers(1, 129)))
        cases.append((name, shape))
    return cases
