"""The instant checks name the mistakes learners really make, and report failures readably.

Every wrong function below makes one common mistake the way a learner writes it
(loops, np.pad, `/` instead of `//`, `=` instead of `+=`, ...); the check must
fail and its hint must name that mistake. Then: how a failing case is shown, how
help grows with real attempts only, the short message of an unwritten exercise,
and the fallback to the course's reference for demos.
"""

import json

import numpy as np
import pytest

from course_lib import checks, layers, notebook, progress
from course_lib.checks import _core


def learner_conv(x, w, b, stride=1, padding="valid", *, use_stride=True, window_at_r=False,
                 symmetric_same=False, true_division=False):
    """A loop conv2d_forward as a learner writes it, with one switchable mistake."""
    _, height, width, _ = x.shape
    kernel_h, kernel_w, _, filters = w.shape
    step = stride if use_stride else 1
    if padding == "valid":
        pads = [(0, 0), (0, 0)]
    elif padding == "same" and symmetric_same:
        pads = [((kernel_h - 1) // 2,) * 2, ((kernel_w - 1) // 2,) * 2]
    elif padding == "same":
        pads = []
        for size, kernel_size in ((height, kernel_h), (width, kernel_w)):
            total = max((-(-size // stride) - 1) * stride + kernel_size - size, 0)
            pads.append((total // 2, total - total // 2))
    else:
        pads = [(padding, padding), (padding, padding)]
    x_padded = np.pad(x, [(0, 0), pads[0], pads[1], (0, 0)])
    if true_division:
        out_h = (x_padded.shape[1] - kernel_h) / step + 1
        out_w = (x_padded.shape[2] - kernel_w) / step + 1
    else:
        out_h = (x_padded.shape[1] - kernel_h) // step + 1
        out_w = (x_padded.shape[2] - kernel_w) // step + 1
    out = np.zeros((x.shape[0], out_h, out_w, filters))
    for r in range(out_h):
        for c in range(out_w):
            top, left = (r, c) if window_at_r else (r * step, c * step)
            window = x_padded[:, top:top + kernel_h, left:left + kernel_w, :]
            out[:, r, c, :] = np.tensordot(window, w, axes=3) + b
    return out, (x, w, b, stride, padding)


@pytest.mark.parametrize("mistake, hint", [
    (dict(), None),
    (dict(use_stride=False), "Use the stride"),
    (dict(window_at_r=True), "not at row r"),
    (dict(symmetric_same=True), "'same' is not (F - 1) // 2"),
    (dict(true_division=True), "use //"),
])
def test_conv2d_forward_hints(mistake, hint, capsys):
    passed = checks.conv2d_forward(lambda *a, **k: learner_conv(*a, **k, **mistake))
    out = capsys.readouterr().out
    if hint is None:
        assert passed is True, out
    else:
        assert passed is False and hint in out, out


def test_softmax_without_keepdims(capsys):
    def softmax(x):
        shifted = x - x.max(axis=-1, keepdims=True)
        return np.exp(shifted) / np.exp(shifted).sum(axis=-1)

    assert checks.softmax(softmax) is False
    assert "keepdims=True" in capsys.readouterr().out


def test_cross_entropy_without_the_batch_mean(capsys):
    def summed(logits, labels):
        shifted = logits - logits.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        rows = np.arange(len(labels))
        dlogits = np.exp(log_p)
        dlogits[rows, labels] -= 1
        return -log_p[rows, labels].sum(), dlogits

    def gradient_not_averaged(logits, labels):
        loss, dlogits = summed(logits, labels)
        return loss / len(labels), dlogits

    assert checks.softmax_cross_entropy(summed) is False
    assert "Average over the batch" in capsys.readouterr().out
    assert checks.softmax_cross_entropy(gradient_not_averaged) is False
    assert "you left out the / N" in capsys.readouterr().out


def test_output_size_with_true_division(capsys):
    def conv_output_size(n, f, stride=1, padding="valid"):
        if padding == "valid":
            return -(-(n - f + 1) // stride)
        if padding == "same":
            return -(-n // stride)
        return (n - f + 2 * padding) / stride + 1

    assert checks.conv_output_size(conv_output_size) is False
    assert "use // (floor division)" in capsys.readouterr().out


def test_conv_backward_assigns_instead_of_adding(capsys):
    def conv2d_backward(dout, cache):
        x, w, b, stride, padding = cache
        _, lib_cache = layers.conv2d_forward(x, w, b, stride, padding)
        pads = lib_cache[4]
        kernel_h, kernel_w = w.shape[:2]
        dx_pad = np.zeros((x.shape[0], x.shape[1] + sum(pads[0]), x.shape[2] + sum(pads[1]),
                           x.shape[3]))
        for r in range(dout.shape[1]):
            for c in range(dout.shape[2]):
                top, left = r * stride, c * stride
                dx_pad[:, top:top + kernel_h, left:left + kernel_w, :] = np.einsum(
                    "nk,ijck->nijc", dout[:, r, c, :], w)   # = where += is meant
        dx = dx_pad[:, pads[0][0]:dx_pad.shape[1] - pads[0][1],
                    pads[1][0]:dx_pad.shape[2] - pads[1][1], :]
        _, dw, db = layers.conv2d_backward(dout, lib_cache)
        return dx, dw, db

    assert checks.conv2d_backward(conv2d_backward) is False
    out = capsys.readouterr().out
    assert "do not assign (=)" in out
    assert "expected dx:" in out and "dx: first difference at [" in out


def learner_dense_backward(dout, cache, *, dw_transposed=False, db_not_summed=False):
    """dense_backward as a learner writes it, with one switchable mistake."""
    x, w, b = cache
    dw = dout.T @ x if dw_transposed else x.T @ dout
    return dout @ w.T, dw, dout if db_not_summed else dout.sum(axis=0)


def learner_mlp(x, y, w1, b1, w2, b2, *, skip_relu=False, mean_forgotten=False):
    """mlp_loss_and_gradients as a learner writes it, on the course's backward passes."""
    hidden = x @ w1 + b1
    activated = np.maximum(hidden, 0)
    error = activated @ w2 + b2 - y
    dscores = 2 * error if mean_forgotten else 2 * error / error.size
    dactivated, dw2, db2 = layers.dense_backward(dscores, (activated, w2, b2))
    dhidden = dactivated if skip_relu else layers.relu_backward(dactivated, hidden)
    _, dw1, db1 = layers.dense_backward(dhidden, (x, w1, b1))
    return float(np.mean(error ** 2)), dw1, db1, dw2, db2


@pytest.mark.parametrize("check, function, hint", [
    ("dense_backward", lambda dout, cache: learner_dense_backward(dout, cache, dw_transposed=True),
     "it is x.T @ dout, not dout.T @ x"),
    ("dense_backward", lambda dout, cache: learner_dense_backward(dout, cache, db_not_summed=True),
     "db sums dout over the batch"),
    ("relu_backward", lambda dout, x: dout * (x >= 0), "not x >= 0"),
    ("relu_backward", lambda dout, x: dout * np.maximum(x, 0), "not by relu(x)"),
    ("mlp_loss_and_gradients", lambda *a: learner_mlp(*a, skip_relu=True),
     "back through the ReLU too"),
    ("mlp_loss_and_gradients", lambda *a: learner_mlp(*a, mean_forgotten=True),
     "a mean over all N * M values"),
])
def test_lesson_06_mlp_hints(check, function, hint, capsys):
    """The checks of dense_backward, relu_backward and the MLP name the classic mistakes; the
    kink (x >= 0) is caught on the first case, which holds an exact 0."""
    assert getattr(checks, check)(function) is False
    out = capsys.readouterr().out
    assert hint in out, out
    assert checks.mlp_loss_and_gradients(learner_mlp) is True


def test_relu_backward_written_into_dout_fails_the_check(capsys):
    def relu_backward(dout, x):
        dout[x <= 0] = 0
        return dout

    assert checks.relu_backward(relu_backward) is False
    assert "changed its input dout in place" in capsys.readouterr().out


def test_max_pool_backward_assigns_instead_of_adding(capsys):
    def max_pool2d_backward(dout, cache):
        x, pool_size, stride = cache
        dx = np.zeros_like(x, dtype=float)
        for i in range(dout.shape[1]):
            for j in range(dout.shape[2]):
                rows = slice(i * stride, i * stride + pool_size)
                cols = slice(j * stride, j * stride + pool_size)
                window = x[:, rows, cols, :]
                flat = window.reshape(x.shape[0], -1, x.shape[3]).argmax(axis=1)
                mask = np.zeros_like(window, dtype=bool).reshape(x.shape[0], -1, x.shape[3])
                np.put_along_axis(mask, flat[:, None, :], True, axis=1)
                mask = mask.reshape(window.shape)
                dx[:, rows, cols, :] = np.where(mask, dout[:, i:i + 1, j:j + 1, :],
                                                dx[:, rows, cols, :])
        return dx

    assert checks.max_pool2d_backward(max_pool2d_backward) is False
    assert "add their gradients (+=)" in capsys.readouterr().out


def test_batchnorm_with_ddof_one(capsys):
    def batchnorm_forward(x, gamma, beta, state, training, momentum=0.99, epsilon=1e-3):
        axes = tuple(range(x.ndim - 1))
        if training:
            mean = x.mean(axis=axes)
            variance = x.reshape(-1, x.shape[-1]).var(axis=0, ddof=1)   # the mistake
            for key, value in (("moving_mean", mean), ("moving_variance", variance)):
                state[key] = state[key] * momentum + value * (1 - momentum)
        else:
            mean, variance = state["moving_mean"], state["moving_variance"]
        x_hat = (x - mean) / np.sqrt(variance + epsilon)
        return gamma * x_hat + beta, (x_hat, gamma, 1 / np.sqrt(variance + epsilon), training)

    assert checks.batchnorm_forward(batchnorm_forward) is False
    assert "biased batch variance" in capsys.readouterr().out


def test_pooling_that_ignores_its_stride(capsys):
    def max_pool2d_forward(x, pool_size=2, stride=None):
        step = pool_size                       # the mistake: `stride` is never read
        rows, cols = (x.shape[1] - pool_size) // step + 1, (x.shape[2] - pool_size) // step + 1
        out = np.zeros((x.shape[0], rows, cols, x.shape[3]))
        for i in range(rows):
            for j in range(cols):
                out[:, i, j, :] = x[:, i * step:i * step + pool_size,
                                    j * step:j * step + pool_size, :].max(axis=(1, 2))
        return out, (x, pool_size, step)

    assert checks.max_pool2d_forward(max_pool2d_forward) is False
    assert "Use the `stride` argument" in capsys.readouterr().out


@pytest.mark.parametrize("check, in_place", [
    (checks.relu_forward, lambda x: (np.maximum(x, 0, out=x), x)),
    (checks.dropout_forward, None),
])
def test_in_place_updates_fail_the_check(check, in_place, capsys):
    if in_place is None:
        def in_place(x, rate, training, rng):
            if not training:
                return x, (None, 1.0)
            mask = rng.random(x.shape) >= rate
            x *= mask / (1 - rate)               # the mistake: x changed in place
            return x, (mask, 1 / (1 - rate))
    assert check(in_place) is False
    out = capsys.readouterr().out
    assert "in place" in out and "changed its input x" in out


def test_failure_report_is_readable(capsys):
    """First difference, the tuple part by name, plain numbers, small 4-D arrays whole."""
    def off_by_one(x, pool_size=2, stride=None):
        out, cache = layers.max_pool2d_forward(x, pool_size, stride)
        return out + (np.arange(out.size).reshape(out.shape) == 3), cache

    assert checks.max_pool2d_forward(off_by_one) is False
    out = capsys.readouterr().out
    assert "expected out:" in out and "got out:" in out
    assert "out: first difference at [0, 1, 1, 0]: expected 4, got 5" in out
    assert "np.float64" not in out
    assert "[0, :, :, 0] =\n[[1., 1., 2., 4.]," in out.replace("\n      ", "\n")  # 4-D, whole
    assert _core._describe(np.float64(2.5)) == "2.5"


def test_a_result_that_is_not_the_tuple_is_named(capsys):
    assert checks.relu_forward(lambda x: np.maximum(x, 0)) is False
    assert "not the tuple (out, cache)" in capsys.readouterr().out


def test_help_grows_with_real_attempts_only(tmp_path, capsys):
    def stub(x, w, b):
        raise NotImplementedError()

    wrong = lambda x, w, b: (x @ w, None)  # noqa: E731
    for _ in range(3):
        assert checks.dense_forward(stub) is False
    assert "not written yet" in capsys.readouterr().out
    assert "dense_forward" not in progress.load()  # a stub is not an attempt
    checks.dense_forward(wrong)
    assert "more help" not in capsys.readouterr().out
    checks.dense_forward(wrong)
    assert "more help" in capsys.readouterr().out
    assert json.loads((tmp_path / "progress.json").read_text())["dense_forward"]["failures"] == 2


def test_no_solution_pointer_without_solutions(tmp_path, monkeypatch, capsys):
    """A student's copy has no solutions/: no pointer to a path they cannot open."""
    monkeypatch.setattr(_core, "SOLUTIONS", tmp_path / "missing")
    wrong = lambda x, w, b: (x @ w, None)  # noqa: E731
    for _ in range(4):
        checks.dense_forward(wrong)
    out = capsys.readouterr().out
    assert "more help" in out
    assert "solutions" not in out and "Still stuck" not in out


def test_keras_lesson_checks_share_the_core(capsys):
    """Lessons 10-11: a stub is reported, never raised, and not counted; a pass is recorded."""
    def stub(model):
        raise NotImplementedError()

    assert checks.count_trainable_params(stub) is False
    assert "not written yet" in capsys.readouterr().out
    assert checks.transfer_quiz(None) is False
    assert progress.load() == {}
    answers = {"small_similar": "A", "small_different": "B", "large_similar": "C",
               "large_different": "D"}
    assert checks.transfer_quiz(answers) is True
    assert progress.load()["transfer_quiz"]["lesson"] == "11"


def test_yours_or_reference(capsys):
    def relu_forward(x):
        raise NotImplementedError()

    chosen = checks.yours_or_reference(relu_forward)
    assert chosen is layers.relu_forward
    assert "course's layers.relu_forward" in capsys.readouterr().out
    assert progress.load() == {}  # the silent check is not an attempt

    def relu_forward(x):  # noqa: F811
        return np.maximum(x, 0), x

    assert checks.yours_or_reference(relu_forward) is relu_forward
    assert capsys.readouterr().out == ""


def test_in_place_sgd_falls_back_to_the_reference(capsys):
    def sgd_step(w, dw, learning_rate=0.01, momentum=0.0, velocity=None):
        velocity = np.zeros_like(w) if velocity is None else velocity
        velocity = momentum * velocity - learning_rate * dw
        w += velocity
        return w, velocity

    from course_lib import optim

    assert checks.yours_or_reference(sgd_step) is optim.sgd_step


def test_unwritten_exercise_is_one_short_error_line():
    """In IPython: a stub's NotImplementedError is still an error, shown as one line."""
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shown = []
    shell._showtraceback = lambda etype, value, stb: shown.append(stb)
    try:
        assert notebook.install(shell)
        shell.run_cell("def conv1d(x, w, mode='full'):\n    raise NotImplementedError()")
        result = shell.run_cell("conv1d([1], [1])")
        assert isinstance(result.error_in_exec, NotImplementedError)  # the cell still fails
        assert len(shown) == 1 and len(shown[0]) == 1
        assert shown[0][0].startswith("NotImplementedError: conv1d is not written yet")
        result = shell.run_cell("raise NotImplementedError()")
        assert "this exercise is not written yet" in shown[-1][0]
    finally:
        shell.set_custom_exc((), None)
        InteractiveShell.clear_instance()


def learner_cosine(step, initial_learning_rate, decay_steps, alpha=0.0, warmup_target=None,
                   warmup_steps=0, *, mistake=None):
    """Keras' CosineDecay as a learner writes it, with one switchable mistake."""
    import math

    warm = warmup_steps if (warmup_target is not None or mistake == "warmup without target") else 0
    target = initial_learning_rate if warmup_target is None else warmup_target
    if step < warm:
        done = step + 1 if mistake == "warm-up off by one" else step
        return initial_learning_rate + (target - initial_learning_rate) * done / warm
    if mistake == "cosine over the whole run":
        fraction = min(step, warm + decay_steps) / (warm + decay_steps)
    elif mistake == "not clamped":
        fraction = (step - warm) / decay_steps
    else:
        fraction = min(step - warm, decay_steps) / decay_steps
    cosine = (1 + math.cos(math.pi * fraction)) / 2
    return target * cosine if mistake == "alpha ignored" else target * (alpha + (1 - alpha) * cosine)


@pytest.mark.parametrize("mistake, hint", [
    ("warm-up off by one", "off by one step"),
    ("alpha ignored", "Use alpha"),
    ("cosine over the whole run", "The cosine starts after the warm-up"),
    ("not clamped", "clamp the step"),
    ("warmup without target", "Keras does no warm-up at all"),
])
def test_cosine_decay_mistakes_are_named(mistake, hint, capsys):
    assert checks.cosine_decay(learner_cosine) is True
    capsys.readouterr()
    assert checks.cosine_decay(lambda *a, **k: learner_cosine(*a, **k, mistake=mistake)) is False
    assert hint in capsys.readouterr().out


def learner_adamw(w, dw, state, learning_rate=0.001, weight_decay=0.004, beta_1=0.9,
                  beta_2=0.999, epsilon=1e-7, *, mistake=None):
    """AdamW as a learner writes it (the paper's Adam), with one switchable mistake."""
    if mistake == "L2":
        dw = dw + weight_decay * w
    elif mistake == "no learning rate":
        w = w - w * weight_decay
    elif mistake != "after":
        w = w - w * weight_decay * learning_rate
    state.setdefault("t", 0)
    state["t"] += 1
    state["m"] = beta_1 * state.get("m", 0) + (1 - beta_1) * dw
    state["v"] = beta_2 * state.get("v", 0) + (1 - beta_2) * dw * dw
    m_hat = state["m"] / (1 - beta_1 ** state["t"])
    v_hat = state["v"] / (1 - beta_2 ** state["t"])
    new = w - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)
    return new - new * weight_decay * learning_rate if mistake == "after" else new


@pytest.mark.parametrize("mistake, hint", [
    ("L2", "That is L2 regularization"),
    ("after", "Keras decays first"),
    ("no learning rate", "scaled by the learning rate too"),
])
def test_adamw_step_mistakes_are_named(mistake, hint, capsys):
    assert checks.adamw_step(learner_adamw) is True
    capsys.readouterr()
    assert checks.adamw_step(lambda *a, **k: learner_adamw(*a, **k, mistake=mistake)) is False
    assert hint in capsys.readouterr().out


def test_batchnorm_forward_check_feeds_the_cache_to_the_course_backward(capsys):
    """The instant check grades the forward's cache as the hidden test does (issue 22)."""
    from course_lib import layers

    def batchnorm_forward(x, gamma, beta, state, training, momentum=0.99, epsilon=1e-3):
        out, cache = layers.batchnorm_forward(x, gamma, beta, state, training, momentum, epsilon)
        return out, (cache[0], cache[1], 1 / cache[2], cache[3])   # the mistake: std, not 1/std

    assert checks.batchnorm_forward(batchnorm_forward) is False
    assert "with your cache, the course's backward" in capsys.readouterr().out
    assert checks.batchnorm_forward(layers.batchnorm_forward) is True


def test_layernorm_over_height_width_and_channels(capsys):
    def layernorm_forward(x, gamma, beta, epsilon=1e-3):
        axes = tuple(range(1, x.ndim))                 # the mistake: PyTorch's habit, not Keras'
        mean, variance = x.mean(axis=axes, keepdims=True), x.var(axis=axes, keepdims=True)
        return gamma * (x - mean) / np.sqrt(variance + epsilon) + beta

    assert checks.layernorm_forward(layernorm_forward) is False
    assert "last axis only" in capsys.readouterr().out


def test_groupnorm_with_interleaved_groups(capsys):
    def groupnorm_forward(x, gamma, beta, groups=32, epsilon=1e-3):
        channels = x.shape[-1]
        out = np.empty(x.shape)
        for g in range(groups):
            members = np.arange(g, channels, groups)   # the mistake: every G-th channel
            block = x[..., members]
            axes = tuple(range(1, x.ndim))
            mean, variance = block.mean(axis=axes, keepdims=True), block.var(axis=axes, keepdims=True)
            out[..., members] = (block - mean) / np.sqrt(variance + epsilon)
        return gamma * out + beta

    assert checks.groupnorm_forward(groupnorm_forward) is False
    assert "groups are contiguous" in capsys.readouterr().out


def test_initializer_with_conv_fans_from_channels_only(capsys):
    def initializer_stddev(name, shape):
        fan_in, fan_out = shape[-2], shape[-1]         # the mistake: the kernel's area forgotten
        if name.startswith("glorot"):
            return (2 / (fan_in + fan_out)) ** 0.5
        return ((2 if name.startswith("he") else 1) / fan_in) ** 0.5

    assert checks.initializer_stddev(initializer_stddev) is False
    assert "KH * KW * C" in capsys.readouterr().out


def test_glorot_with_fan_in_only(capsys):
    def initializer_stddev(name, shape):
        area = int(np.prod(shape[:-2]))
        fan_in = area * shape[-2]
        return float(np.sqrt((2.0 if name.startswith("he") else 1.0) / fan_in))   # the mistake

    assert checks.initializer_stddev(initializer_stddev) is False
    assert "averages the two fans" in capsys.readouterr().out


def test_build_frozen_classifier_on_a_base_of_its_own_is_named(capsys):
    """A classifier built on a base it loads itself (not the one given) is told so, not that
    the given base is still trainable."""
    import keras

    from course_lib import pretrained

    def build_frozen_classifier(base, num_classes):
        base = pretrained.load_small_base()
        base.trainable = False
        inputs = keras.Input(shape=base.input_shape[1:])
        x = keras.layers.Flatten()(base(inputs, training=False))
        return keras.Model(inputs, keras.layers.Dense(num_classes, activation="softmax")(x))

    assert checks.build_frozen_classifier(build_frozen_classifier) is False
    assert "does not hold the base it was given" in capsys.readouterr().out
