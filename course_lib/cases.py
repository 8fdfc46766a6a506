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
