"""Random inputs for the forward-pass exercises of lessons 01, 02 and 04 (see course_lib.cases).

Introduced in lesson 01.
"""

import numpy as np

from course_lib._sampling import DTYPES, _array, _rng, with_drawn_cases


@with_drawn_cases
def dense_cases(seed, count=8):
    """(x, w, b) for dense_forward: any (N, D) x (D, M), a batch of one, both dtypes, magnitudes."""
    rng = _rng(seed)
    cases = []
    for index in range(count):
        n = 1 if index % 3 == 0 else int(rng.integers(2, 40))
        d, m = (int(v) for v in rng.integers(1, 70, size=2))
        dtype = DTYPES[index % 2]
        scale = 10.0 ** int(rng.integers(-3, 4))
        cases.append((_array(rng, (n, d), dtype, scale), _array(rng, (d, m), dtype),
                      _array(rng, (m,), dtype, scale)))
    return cases


@with_drawn_cases
def relu_cases(seed, count=6):
    """x for relu_forward: any shape (1-D to 4-D, a size of one), both dtypes, tiny to huge."""
    rng = _rng(seed)
    cases = []
    for index in range(count):
        shape = tuple(int(v) for v in rng.integers(1, 7, size=int(rng.integers(1, 5))))
        scale = [1.0, 1e-6, 1e6, 10.0, 1e-30, 1e30][index % 6]
        cases.append(_array(rng, shape, DTYPES[index % 2], scale))
    return cases


@with_drawn_cases
def softmax_cases(seed, count=8):
    """Logits x of shape (N, C) for softmax: a row or a class of one, both dtypes,
    tiny logits and huge ones (spreads of thousands) whose largest entry is anywhere in the row."""
    rng = _rng(seed)
    cases = []
    for index in range(count):
        n = 1 if index % 4 == 0 else int(rng.integers(2, 9))
        c = 1 if index % 7 == 6 else int(rng.integers(2, 12))
        dtype = DTYPES[index % 2]
        scale = [1.0, 1e-8, 1e3, 5.0][index % 4]
        x = rng.normal(size=(n, c)) * scale + rng.normal(size=(n, 1)) * scale * 3
        cases.append(x.astype(dtype))
    return cases


@with_drawn_cases
def mlp_sizes_cases(seed, count=10):
    """Layer widths (input first) for mlp_param_count: 2 to 7 layers, widths 1 to 30,000."""
    rng = _rng(seed)
    cases = [[25088, 4096, 4096, 1000], [1, 1], [784, 10]]
    for _ in range(count):
        top = [10, 1000, 30_000][int(rng.integers(0, 3))]
        cases.append([int(v) for v in rng.integers(1, top + 1, size=int(rng.integers(2, 8)))])
    return cases


@with_drawn_cases
def conv_params_cases(seed, count=12):
    """(filters, kernel_size, d_in) for conv_params: ints, 1 to 512 filters and channels."""
    rng = _rng(seed)
    cases = [(1, 1, 1), (512, 3, 512), (64, 7, 3), (511, 11, 509)]
    for _ in range(count):
        cases.append((int(rng.integers(1, 513)), int(rng.integers(1, 12)), int(rng.integers(1, 513))))
    return cases


@with_drawn_cases
def layer_macs_cases(seed, count=12):
    """(name, options, input_shape) for layer_macs: Conv2D (kernels 1 to 7, strides 1 to 3,
    "valid" and "same", odd and even sides, 1 to 64 channels), Dense on a flat input, and
    the layers without weights (pooling, GlobalAveragePooling2D, Flatten, Dropout,
    BatchNormalization) on images or vectors."""
    rng = _rng(seed)
    cases = [("Conv2D", {"filters": 16, "kernel_size": 2, "padding": "same"}, (32, 32, 3)),
             ("Conv2D", {"filters": 1, "kernel_size": 1}, (1, 1, 1)),
             ("Conv2D", {"filters": 6, "kernel_size": 5, "strides": 2}, (13, 9, 2)),
             ("Dense", {"units": 10}, (500,)),
             ("MaxPooling2D", {"pool_size": 2}, (4, 4, 8))]
    for index in range(count):
        kind = index % 4
        if kind < 2:
            f = int(rng.integers(1, 8))
            h, w = (int(v) for v in rng.integers(f, f + 40, size=2))
            options = {"filters": int(rng.integers(1, 129)), "kernel_size": f}
            if rng.random() < 0.7:
                options["strides"] = int(rng.integers(1, 4))
            if rng.random() < 0.6:
                options["padding"] = ["valid", "same"][int(rng.integers(0, 2))]
            cases.append(("Conv2D", options, (h, w, int(rng.integers(1, 65)))))
        elif kind == 2:
            cases.append(("Dense", {"units": int(rng.integers(1, 1001))},
                          (int(rng.integers(1, 4097)),)))
        else:
            image = tuple(int(v) for v in rng.integers(3, 30, size=2)) + (int(rng.integers(1, 65)),)
            name = ["MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "Flatten",
                    "Dropout", "BatchNormalization"][int(rng.integers(0, 6))]
            options = {"pool_size": int(rng.integers(2, 4))} if "Pooling2D" in name else {}
            if name.endswith("Pooling2D") and name.startswith("Global"):
                options = {}
            if name == "Dropout":
                options = {"rate": 0.5}
            flat = name in ("Dropout", "BatchNormalization") and rng.random() < 0.5
            cases.append((name, options, (int(np.prod(image)),) if flat else image))
    return cases


@with_drawn_cases
def conv1d_cases(seed, count=10):
    """(x, w) for conv1d: lengths f <= n, odd and even, f == 1 and f == n, both dtypes."""
    rng = _rng(seed)
    cases = []
    for index in range(count):
        n = int(rng.integers(1, 25))
        f = [1, n, int(rng.integers(1, n + 1))][index % 3]
        dtype = DTYPES[index % 2]
        scale = 10.0 ** int(rng.integers(-3, 4))
        cases.append((_array(rng, (n,), dtype, scale), _array(rng, (f,), dtype)))
    return cases


@with_drawn_cases
def correlate2d_cases(seed, count=8):
    """(image, kernel) for correlate2d_single: rectangular images and kernels, KH <= H, KW <= W."""
    rng = _rng(seed)
    cases = []
    for index in range(count):
        h, w = (int(v) for v in rng.integers(1, 14, size=2))
        while True:
            kh, kw = int(rng.integers(1, h + 1)), int(rng.integers(1, w + 1))
            if index % 4 == 3 or kh != kw or h == 1 or w == 1:
                break
        cases.append((_array(rng, (h, w), DTYPES[index % 2], 10.0 ** int(rng.integers(-2, 3))),
                      _array(rng, (kh, kw), DTYPES[index % 2])))
    return cases


@with_drawn_cases
def conv2d_cases(seed, count=8):
    """(x, w, b, stride, padding) for conv2d_forward: rectangular inputs and kernels, an int
    stride (larger than the kernel too), padding 'valid', 'same' (odd and even totals) or an int,
    a batch of one, float64 and float32."""
    rng = _rng(seed)
    cases = []
    for index in range(count):
        padding = ["valid", "same", int(rng.integers(0, 3))][index % 3]
        while True:
            kh, kw = (int(v) for v in rng.integers(1, 6, size=2))
            stride = int(rng.integers(1, 5))
            h, w = (int(v) for v in rng.integers(1, 12, size=2))
            extra = 2 * padding if isinstance(padding, int) else 0
            if padding == "same" or (h + extra >= kh and w + extra >= kw):
                break
        n = 1 if index % 4 == 0 else int(rng.integers(2, 4))
        c, k = (int(v) for v in rng.integers(1, 4, size=2))
        dtype = DTYPES[index % 2]
        cases.append((_array(rng, (n, h, w, c), dtype), _array(rng, (kh, kw, c, k), dtype),
                      _array(rng, (k,), dtype, 3.0), stride, padding))
    return cases
