'''Disguised copies for tests/test_similarity.py, written as a cheating student would.

DISGUISES[(lesson, exercise)] is a list of (name, what it copies: "solution" or
"reference", source). Each one renames variables, reorders independent statements, adds
comments, turns a loop into a comprehension (or back), or combines these; none changes
what the code computes.
'''

L01, L02, L06, L09 = ("01_dense_layers", "02_convolution_by_hand", "06_backprop_gradcheck",
                      "09_sgd_optimizers")

DISGUISES = {
    (L01, "dense_forward"): [
        ("renamed_reordered_commented", "solution", '''def dense_forward(x, w, b):
    # keep the inputs for the backward pass
    saved = (x, w, b)
    result = x @ w + b   # matrix product plus bias
    return result, saved
'''),
        ("reference_renamed", "reference", '''def dense_forward(x, w, b):
    inputs, weights, bias = check_weights("dense_forward", x, w, b,
                                          ("(N, D)", "(D, M)", "(M,)"), "features")
    y = inputs @ weights + bias  # affine
    return y, (inputs, weights)
'''),
    ],
    (L01, "relu_forward"): [
        ("renamed_reordered_commented", "solution", '''def relu_forward(x):
    stash = x
    # negative values become zero
    y = np.maximum(x, 0)
    return y, stash
'''),
    ],
    (L01, "softmax"): [
        ("renamed_commented", "solution", '''def softmax(x):
    stable = x - x.max(axis=-1, keepdims=True)  # avoid overflow
    ex = np.exp(stable)
    # normalise each row
    return ex / ex.sum(axis=-1, keepdims=True)
'''),
    ],
    (L01, "mlp_param_count"): [
        ("comprehension_to_loop", "solution", '''def mlp_param_count(sizes):
    count = 0
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        count += fan_in * fan_out + fan_out   # weights and biases
    return count
'''),
    ],
    (L02, "conv1d"): [
        ("loop_to_comprehension_reordered", "solution", '''def conv1d(x, w, mode="full"):
    # lengths of kernel and signal
    f, n = len(w), len(x)
    full = np.array([sum(x[k] * w[t - k] for k in range(n) if 0 <= t - k < f)
                     for t in range(n + f - 1)])
    if mode == "valid":
        return full[f - 1 : n]
    if mode == "full":
        return full
    if mode == "same":
        begin = (f - 1) // 2
        return full[begin : begin + n]
    raise ValueError(f'mode must be "full", "valid" or "same", got {mode!r}')
'''),
        ("reference_renamed_commented", "reference", '''def conv1d(x, w, mode="full"):
    sig, ker = as_float_array(x), as_float_array(w)
    check_rank("conv1d", "x", sig, 1, "(n,)")
    check_rank("conv1d", "w", ker, 1, "(f,)")
    if sig.size == 0 or ker.size == 0:
        raise ValueError(f"conv1d: x and w must not be empty, got {sig.size} and {ker.size}")
    if mode not in ("full", "valid", "same"):
        raise ValueError(f'conv1d: mode must be "full", "valid" or "same", got {mode!r}')
    a, c = sig.size, ker.size
    # pad with zeros on both sides, then slide the flipped kernel
    z = np.concatenate([np.zeros(c - 1), sig, np.zeros(c - 1)])
    res = sliding_window_view(z, c) @ ker[::-1]
    lo, hi = min(a, c), max(a, c)
    if mode == "full":
        return res
    if mode == "valid":
        return res[lo - 1 : hi]
    s0 = (lo - 1) // 2
    return res[s0 : s0 + hi]
'''),
        ("inner_loop_to_comprehension_reordered", "solution", '''def conv1d(x, w, mode="full"):
    n, f = len(x), len(w)
    out = np.zeros(n + f - 1)
    for t in range(n + f - 1):
        out[t] = sum([x[k] * w[t - k] for k in range(n) if 0 <= t - k < f])
    if mode == "same":
        s = (f - 1) // 2
        return out[s : s + n]
    if mode == "valid":
        return out[f - 1 : n]
    if mode == "full":
        return out
    raise ValueError(f"unknown mode {mode!r}")
'''),
    ],
    (L02, "correlate2d_single"): [
        ("loop_to_comprehension_reordered", "solution", '''def correlate2d_single(image, kernel):
    kh, kw = kernel.shape
    cols = image.shape[1] - kw + 1   # output width
    rows = image.shape[0] - kh + 1   # output height
    return np.array([[np.sum(image[i:i + kh, j:j + kw] * kernel) for j in range(cols)]
                     for i in range(rows)])
'''),
    ],
    (L02, "conv2d_forward"): [
        ("renamed_reordered_comprehension", "solution", '''def conv2d_forward(x, w, b, stride=1, padding="valid"):
    kh, kw, _, n_filters = w.shape
    n_images, rows, cols, _ = x.shape
    if padding == "same":
        # TensorFlow puts the odd pixel at the bottom and right
        totals = [max((-(-size // stride) - 1) * stride + ksize - size, 0)
                  for size, ksize in ((rows, kh), (cols, kw))]
        pad_list = [(t // 2, t - t // 2) for t in totals]
    elif padding == "valid":
        pad_list = [(0, 0), (0, 0)]
    else:
        pad_list = [(padding, padding), (padding, padding)]
    xp = np.pad(x, [(0, 0), pad_list[0], pad_list[1], (0, 0)])
    wo = (xp.shape[2] - kw) // stride + 1
    ho = (xp.shape[1] - kh) // stride + 1
    result = np.zeros((n_images, ho, wo, n_filters))
    for img in range(n_images):
        for i in range(ho):
            for j in range(wo):
                t0, l0 = i * stride, j * stride
                patch = xp[img, t0:t0 + kh, l0:l0 + kw, :]
                for f in range(n_filters):
                    result[img, i, j, f] = np.sum(patch * w[:, :, :, f]) + b[f]
    return result, (x, w, b, stride, padding)
'''),
    ],
    (L06, "conv2d_backward"): [
        ("renamed_reordered_commented", "solution", '''def conv2d_backward(dout, cache):
    x, w, b, s, p = cache
    # bias gradient: sum over the batch and the positions
    grad_b = dout.sum(axis=(0, 1, 2))
    _, oh, ow, _ = dout.shape
    kh, kw, _, _ = w.shape
    _, rows, cols, _ = x.shape
    xp = np.pad(x, ((0, 0), (p, p), (p, p), (0, 0)))
    grad_w = np.zeros(w.shape)
    grad_xp = np.zeros(xp.shape)
    for a in range(kh):
        for c in range(kw):
            cs = slice(c, c + s * (ow - 1) + 1, s)
            rs = slice(a, a + s * (oh - 1) + 1, s)
            window = xp[:, rs, cs, :]
            grad_xp[:, rs, cs, :] += dout @ w[a, c].T
            grad_w[a, c] = np.einsum("nrcd,nrck->dk", window, dout)
    grad_x = grad_xp[:, p: p + rows, p: p + cols, :]
    return grad_x, grad_w, grad_b
'''),
    ],
    (L06, "numerical_gradient"): [
        ("renamed_commented", "solution", '''def numerical_gradient(f, x, dout=None, h=1e-5):
    def reduce(v):
        v = np.asarray(v, dtype=float)
        return float(np.sum(v if dout is None else v * dout))

    g = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        keep = x[idx]
        x[idx] = keep + h
        fp = reduce(f(x))    # f(x + h)
        x[idx] = keep - h
        fm = reduce(f(x))    # f(x - h)
        x[idx] = keep        # put it back
        g[idx] = (fp - fm) / (2 * h)
    return g
'''),
        ("reference_renamed_reordered", "reference", '''def numerical_gradient(f, x, dout=None, h=1e-5):
    out = np.zeros_like(x)
    for pos in np.ndindex(x.shape):
        x0 = x[pos]
        x[pos] = x0 + h
        hi = np.array(f(x), dtype=np.float64)
        x[pos] = x0 - h
        lo = np.array(f(x), dtype=np.float64)
        x[pos] = x0
        diff = hi - lo
        if dout is not None:
            diff = diff * dout
        out[pos] = np.sum(diff) / (2 * h)
    return out
'''),
    ],
    (L06, "relative_error"): [
        ("renamed_reordered_commented", "solution", '''def relative_error(a, b):
    q = np.asarray(b, dtype=float)
    p = np.asarray(a, dtype=float)
    # elementwise relative error, then the worst one
    return float(np.max(np.abs(p - q) / np.maximum(1e-8, np.abs(p) + np.abs(q))))
'''),
        ("reference_renamed_reordered", "reference", '''def relative_error(a, b):
    y = np.asarray(b, dtype=np.float64)
    x = np.asarray(a, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"shapes differ: {x.shape} and {y.shape}")
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))
'''),
    ],
    (L09, "sgd_step"): [
        ("renamed_commented", "solution", '''def sgd_step(w, dw, learning_rate=0.01, momentum=0.0, velocity=None):
    if velocity is None:
        velocity = np.zeros_like(w)   # first step: no velocity yet
    v = momentum * velocity - learning_rate * dw
    new_w = w + v
    return new_w, v
'''),
    ],
    (L09, "adam_step"): [
        ("reordered_renamed_commented", "solution", '''def adam_step(w, dw, state, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
    if not state:
        state.update(iterations=0, m=np.zeros_like(w), v=np.zeros_like(w))
    state["iterations"] += 1
    step = state["iterations"]
    # second moment, then first moment
    state["v"] = beta_2 * state["v"] + (1 - beta_2) * dw ** 2
    state["m"] = beta_1 * state["m"] + (1 - beta_1) * dw
    lr_t = learning_rate * np.sqrt(1 - beta_2 ** step) / (1 - beta_1 ** step)
    return w - lr_t * state["m"] / (np.sqrt(state["v"]) + epsilon)
'''),
    ],
    (L09, "softmax_cross_entropy"): [
        ("renamed_reordered_commented", "solution", '''def softmax_cross_entropy(logits, labels):
    batch = logits.shape[0]
    idx = np.arange(batch)
    z = logits - logits.max(axis=1, keepdims=True)   # stability
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    grad = np.exp(logp)
    loss = -logp[idx, labels].mean()
    grad[idx, labels] -= 1
    grad /= batch
    return loss, grad
'''),
        ("indexing_to_comprehension_and_loop", "solution", '''def softmax_cross_entropy(logits, labels):
    num = logits.shape[0]
    shifted_logits = logits - logits.max(axis=1, keepdims=True)
    lp = shifted_logits - np.log(np.exp(shifted_logits).sum(axis=1, keepdims=True))
    loss = -np.mean([lp[i, labels[i]] for i in range(num)])   # average NLL
    probs = np.exp(lp)
    for i in range(num):
        probs[i, labels[i]] -= 1
    probs /= num
    return loss, probs
'''),
        ("reference_renamed", "reference", '''def softmax_cross_entropy(logits, labels):
    (z,) = as_float_arrays(logits)
    check_rank("softmax_cross_entropy", "logits", z, 2, "(N, num_classes)")
    y = np.asarray(labels)
    n, k = z.shape
    if y.shape != (n,):
        raise ValueError(f"labels must have shape ({n},), got {y.shape}")
    if y.dtype.kind == "f" and np.all(y == np.round(y)):
        y = y.astype(np.int64)
    if y.dtype.kind not in "iu":
        raise ValueError(f"labels must be integers, got {y.dtype}")
    if n and (y.min() < 0 or y.max() >= k):
        raise ValueError(f"labels must be in [0, {k})")
    z = z - z.max(axis=1, keepdims=True)
    lp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    r = np.arange(n)
    loss = -lp[r, y].mean()
    g = np.exp(lp)
    g[r, y] -= 1
    g /= n
    return loss, g
'''),
    ],
    (L09, "capstone"): [
        ("renamed_commented", "solution", '''rng = np.random.default_rng(0)
# my CNN
model = Sequential([
    Conv2D(1, 16, 3, rng, padding="same"),
    ReLU(),
    MaxPool2D(2),
    Flatten(),
    Dense(4 * 4 * 16, 10, rng),
])
opt = training_loop.Adam(learning_rate=0.01, step=adam_step)
history = training_loop.train(model, x_train, y_train, opt, num_epochs=10, batch_size=32,
                              validation_data=(x_val, y_val), loss=softmax_cross_entropy,
                              rng=rng, description="CNN")
'''),
    ],
}
