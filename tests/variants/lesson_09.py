"""Wrong and alternative answers for lesson 09 (SGD, Adam, softmax cross-entropy, cosine_decay,
AdamW)."""

from tests.variants import Variant, combine, shadow_builtins, solution_source

SGD = ("def sgd_step(w, dw, learning_rate=0.01, momentum=0.0, velocity=None):\n"
       "    if velocity is None:\n        velocity = np.zeros_like(w)\n    {body}\n")
ADAM = ("def adam_step(w, dw, state, learning_rate=0.001, beta_1=0.9, beta_2=0.999, "
        "epsilon=1e-7):\n    {body}\n")
CROSS_ENTROPY = "def softmax_cross_entropy(logits, labels):\n    {body}\n"

ADAM_NO_CORRECTION = (
    "if not state:\n        state.update(m=np.zeros_like(w), v=np.zeros_like(w))\n"
    "    state['m'] = beta_1 * state['m'] + (1 - beta_1) * dw\n"
    "    state['v'] = beta_2 * state['v'] + (1 - beta_2) * dw ** 2\n"
    "    return w - learning_rate * state['m'] / (np.sqrt(state['v']) + epsilon)")
ADAM_TEXTBOOK = (
    "state.setdefault('t', 0)\n    state.setdefault('m', 0 * w)\n    state.setdefault('v', 0 * w)\n"
    "    state['t'] += 1\n"
    "    state['m'] = beta_1 * state['m'] + (1 - beta_1) * dw\n"
    "    state['v'] = beta_2 * state['v'] + (1 - beta_2) * dw * dw\n"
    "    m_hat = state['m'] / (1 - beta_1 ** state['t'])\n"
    "    v_hat = state['v'] / (1 - beta_2 ** state['t'])\n"
    "    return w - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon)")
ADAM_EPSILON_INSIDE_ROOT = ADAM_TEXTBOOK.replace("(np.sqrt(v_hat) + epsilon)",
                                                 "np.sqrt(v_hat + epsilon)")
ADAM_KERAS_EPSILON_INSIDE_ROOT = (
    "if not state:\n        state.update(t=0, m=np.zeros_like(w), v=np.zeros_like(w))\n"
    "    state['t'] += 1\n    t = state['t']\n"
    "    state['m'] = beta_1 * state['m'] + (1 - beta_1) * dw\n"
    "    state['v'] = beta_2 * state['v'] + (1 - beta_2) * dw ** 2\n"
    "    alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)\n"
    "    return w - alpha * state['m'] / np.sqrt(state['v'] + epsilon)")
ADAM_FLOAT32_LOOP = (  # element by element, Python floats, the weights' own dtype
    "if 'm' not in state:\n"
    "        state.update(t=0, m=[0.0] * w.size, v=[0.0] * w.size)\n"
    "    state['t'] += 1\n    t = state['t']\n"
    "    new = np.array(w, copy=True).ravel()\n    grad = np.ravel(dw)\n"
    "    for i in range(w.size):\n"
    "        state['m'][i] = beta_1 * state['m'][i] + (1 - beta_1) * float(grad[i])\n"
    "        state['v'][i] = beta_2 * state['v'][i] + (1 - beta_2) * float(grad[i]) ** 2\n"
    "        m_hat = state['m'][i] / (1 - beta_1 ** t)\n"
    "        v_hat = state['v'][i] / (1 - beta_2 ** t)\n"
    "        new[i] = new[i] - learning_rate * m_hat / (v_hat ** 0.5 + epsilon)\n"
    "    return new.reshape(np.shape(w))")
CE_OVERFLOW = (
    "n = len(labels)\n    e = np.exp(logits)\n    p = e / e.sum(axis=1, keepdims=True)\n"
    "    loss = -np.mean(np.log(p[np.arange(n), labels]))\n"
    "    d = p.copy()\n    d[np.arange(n), labels] -= 1\n    return loss, d / n")
CE_SUMMED = (
    "n = len(labels)\n    z = logits - logits.max(axis=1, keepdims=True)\n"
    "    log_p = z - np.log(np.exp(z).sum(axis=1, keepdims=True))\n"
    "    loss = -np.sum(log_p[np.arange(n), labels])\n"
    "    d = np.exp(log_p)\n    d[np.arange(n), labels] -= 1\n    return loss, d")
CE_ONE_HOT = (  # in float64 whatever the logits' dtype
    "logits = np.asarray(logits, dtype=np.float64)\n"
    "    n, c = logits.shape\n    one_hot = np.eye(c)[labels]\n"
    "    m = np.max(logits, axis=1, keepdims=True)\n"
    "    log_sum = m + np.log(np.sum(np.exp(logits - m), axis=1, keepdims=True))\n"
    "    log_p = logits - log_sum\n"
    "    loss = float(-np.sum(one_hot * log_p) / n)\n"
    "    return loss, (np.exp(log_p) - one_hot) / n")
CE_TINY = (  # stable softmax, then the log of the true class's probability
    "n = logits.shape[0]\n    rows = np.arange(n)\n"
    "    z = np.exp(logits - logits.max(axis=1, keepdims=True))\n"
    "    p = z / z.sum(axis=1, keepdims=True)\n"
    "    loss = -np.mean({log})\n"
    "    d = p.copy()\n    d[rows, labels] -= 1\n    return loss, d / n")
GRADIENT_CHECK = solution_source("09_sgd_optimizers", "network_gradient_check")
COSINE = ("import math\n\n\ndef cosine_decay(step, initial_learning_rate, decay_steps, alpha=0.0, "
          "warmup_target=None,\n                 warmup_steps=0):\n    {body}\n")
COSINE_SOLUTION = solution_source("09_sgd_optimizers", "cosine_decay")
COSINE_NUMPY = (  # NumPy floats, one expression per phase, np.clip for the clamp
    "if not decay_steps > 0 or warmup_steps < 0:\n"
    "        raise ValueError('decay_steps must be > 0 and warmup_steps >= 0')\n"
    "    warm = warmup_steps if warmup_target is not None else 0\n"
    "    top = initial_learning_rate if warmup_target is None else warmup_target\n"
    "    if step < warm:\n"
    "        return np.float64(initial_learning_rate) + (warmup_target - initial_learning_rate) * "
    "np.float64(step) / warm\n"
    "    fraction = np.clip((step - warm) / decay_steps, 0.0, 1.0)\n"
    "    return top * (alpha + (1 - alpha) * (1 + np.cos(np.pi * fraction)) / 2)")
ADAMW = ("def adamw_step(w, dw, state, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, "
         "beta_2=0.999,\n               epsilon=1e-7):\n    {body}\n")
ADAMW_SOLUTION = solution_source("09_sgd_optimizers", "adamw_step")
ADAMW_DECAY = "w = w - w * weight_decay * learning_rate     # first the decay, on the weights alone\n"
ADAM_UPDATE = '    w = w - alpha * state["m"] / (np.sqrt(state["v"]) + epsilon)\n'
ADAMW_CALLS_ADAM = ("w = w * (1 - weight_decay * learning_rate)\n"
                    "    return adam_step(w, dw, state, learning_rate, beta_1, beta_2, epsilon)")

VARIANTS = [
    # misconceptions
    # each with a cosine_decay mistake (issue 23): a warm-up where Keras does none
    # (warmup_target None), and no documented ValueError
    combine(Variant("sgd_adds_gradient",
                    {"sgd_step": SGD.format(body="velocity = momentum * velocity + learning_rate * dw\n"
                                                 "    return w + velocity, velocity")},
                    ["test_sgd_step"]),
            Variant("cosine_warms_up_to_the_initial_rate", {"cosine_decay": COSINE_SOLUTION.replace(
                "top, warmup_steps = initial_learning_rate, 0",
                "top = warmup_target = initial_learning_rate")}, ["test_cosine_decay"])),
    combine(Variant("momentum_sign_wrong",
                    {"sgd_step": SGD.format(body="velocity = learning_rate * dw - momentum * velocity\n"
                                                 "    return w - velocity, velocity")},
                    ["test_sgd_step"]),
            Variant("cosine_without_value_errors", {"cosine_decay": COSINE_SOLUTION.replace(
                "    if decay_steps <= 0:\n", "    if False:\n").replace(
                "    if warmup_steps < 0:\n", "    if False:\n")}, ["test_cosine_decay"])),
    # epsilon inside the square root: right only on the |g| >= 0.1 the old test used
    combine(Variant("adam_epsilon_inside_root", {"adam_step": ADAM.format(body=ADAM_EPSILON_INSIDE_ROOT)},
                    ["test_adam_step"]),
            Variant("sgd_in_place_subtract",
                    {"sgd_step": SGD.format(body="velocity = momentum * velocity - learning_rate * dw\n"
                                                 "    w -= -velocity\n    return w, velocity")},
                    ["test_sgd_step"])),
    # issue 22, each with an Adam mistake: a loss right except on tiny true-class
    # probabilities (p clipped before the log, an epsilon inside it), and a gradient check
    # run in training mode (right on networks without Dropout, wrong once dropout draws a
    # mask per pass)
    combine(Variant("adam_keras_epsilon_inside_root",
                    {"adam_step": ADAM.format(body=ADAM_KERAS_EPSILON_INSIDE_ROOT)},
                    ["test_adam_step"]),
            Variant("cross_entropy_clips_probabilities",
                    {"softmax_cross_entropy": CROSS_ENTROPY.format(body=CE_TINY.format(
                        log="np.log(np.clip(p[rows, labels], 1e-12, 1.0))"))},
                    ["test_softmax_cross_entropy"]),
            Variant("gradient_check_in_training_mode", {
                "network_gradient_check": GRADIENT_CHECK.replace("training=False",
                                                                 "training=True")},
                    ["test_network_gradient_check"])),
    combine(Variant("adam_without_bias_correction",
                    {"adam_step": ADAM.format(body=ADAM_NO_CORRECTION)}, ["test_adam_step"]),
            Variant("cross_entropy_epsilon_in_log",
                    {"softmax_cross_entropy": CROSS_ENTROPY.format(body=CE_TINY.format(
                        log="np.log(p[rows, labels] + 1e-9)"))},
                    ["test_softmax_cross_entropy"]),
            Variant("gradient_check_backprop_in_training_mode", {
                "network_gradient_check": GRADIENT_CHECK.replace(
                    "logits = network.forward(x, training=False)",
                    "logits = network.forward(x, training=True)")},
                    ["test_network_gradient_check"])),
    Variant("cross_entropy_overflows",
            {"softmax_cross_entropy": CROSS_ENTROPY.format(body=CE_OVERFLOW)},
            ["test_softmax_cross_entropy"]),
    Variant("cross_entropy_summed",
            {"softmax_cross_entropy": CROSS_ENTROPY.format(body=CE_SUMMED)},
            ["test_softmax_cross_entropy"]),
    Variant("cross_entropy_uses_reference",
            {"softmax_cross_entropy": CROSS_ENTROPY.format(
                body="from course_lib.losses import softmax_cross_entropy as reference\n"
                     "    return reference(logits, labels)")},
            ["test_softmax_cross_entropy"]),
    # right except on tiny true-class probabilities (issue 22): p clipped before the log,
    # or an epsilon added inside it (the gradient is right in both)
    # issue 23: a cosine schedule and AdamW, a mistake of each per notebook
    combine(Variant("cosine_warmup_off_by_one", {"cosine_decay": COSINE_SOLUTION.replace(
                "initial_learning_rate) * step / warmup_steps",
                "initial_learning_rate) * (step + 1) / warmup_steps")}, ["test_cosine_decay"]),
            Variant("adamw_l2_in_the_gradient", {"adamw_step": ADAMW_SOLUTION.replace(
                ADAMW_DECAY, "dw = dw + weight_decay * w     # L2 in the gradient\n")},
                    ["test_adamw_step"])),
    combine(Variant("cosine_ignores_alpha", {"cosine_decay": COSINE_SOLUTION.replace(
                "return top * ((1 - alpha) * cosine + alpha)", "return top * cosine")},
                    ["test_cosine_decay"]),
            Variant("adamw_decays_after_adam", {"adamw_step": ADAMW_SOLUTION.replace(
                "    " + ADAMW_DECAY, "").replace(
                ADAM_UPDATE, ADAM_UPDATE + "    w = w - w * weight_decay * learning_rate\n")},
                    ["test_adamw_step"])),
    combine(Variant("cosine_over_the_whole_run", {"cosine_decay": COSINE_SOLUTION.replace(
                "math.pi * (step - warmup_steps) / decay_steps",
                "math.pi * step / (warmup_steps + decay_steps)")}, ["test_cosine_decay"]),
            Variant("adamw_decay_without_learning_rate", {"adamw_step": ADAMW_SOLUTION.replace(
                ADAMW_DECAY, "w = w - w * weight_decay\n")}, ["test_adamw_step"])),
    combine(Variant("cosine_not_clamped", {"cosine_decay": COSINE_SOLUTION.replace(
                "    step = min(step, warmup_steps + decay_steps)\n", "")}, ["test_cosine_decay"]),
            Variant("adamw_decays_w_in_place", {"adamw_step": ADAMW_SOLUTION.replace(
                ADAMW_DECAY, "w -= w * weight_decay * learning_rate\n")}, ["test_adamw_step"]),
            Variant("sgd_updates_w_in_place",
                    {"sgd_step": SGD.format(body="velocity = momentum * velocity - learning_rate * dw\n"
                                                 "    w += velocity\n    return w, velocity")},
                    ["test_sgd_step"])),
    # other correct answers
    Variant("alternative_textbook_adam_positive_velocity", {
        "sgd_step": SGD.format(body=("velocity = momentum * velocity + learning_rate * dw\n"
                                     "    return w - velocity, velocity")),
        "adam_step": ADAM.format(body=ADAM_TEXTBOOK),
        "softmax_cross_entropy": CROSS_ENTROPY.format(body=CE_ONE_HOT),
        # the paper's Adam (above) under an AdamW that calls it; a cosine in NumPy floats
        "adamw_step": ADAMW.format(body=ADAMW_CALLS_ADAM),
        "cosine_decay": COSINE.format(body=COSINE_NUMPY),
    }),
    Variant("alternative_capstone_with_sgd_momentum", {
        "capstone": (
            "capstone_rng = np.random.default_rng(3)\n"
            "network = Sequential([Conv2D(1, 8, 3, capstone_rng), ReLU(), MaxPool2D(2), Flatten(),\n"
            "                      Dense(128, 10, capstone_rng)])\n"
            "history = training_loop.train(\n"
            "    network, x_train, y_train,\n"
            "    training_loop.SGD(learning_rate=0.05, momentum=0.9, step=sgd_step),\n"
            "    num_epochs=8, batch_size=32, validation_data=(x_val, y_val),\n"
            "    loss=softmax_cross_entropy, rng=capstone_rng, progress=False)\n"),
    }),
    # the paper's Adam element by element in Python floats; globals named like builtins
    Variant("alternative_paper_adam_loop_builtin_names", {
        "adam_step": ADAM.format(body=ADAM_FLOAT32_LOOP),
        "sgd_step": shadow_builtins(solution_source("09_sgd_optimizers", "sgd_step")),
    }),
]
