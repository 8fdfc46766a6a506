"""Instant checks for lesson 09: optimizer steps, softmax cross-entropy, a learning-rate schedule."""

import math

import numpy as np

from course_lib import losses, optim, schedules
from course_lib.cases import optimizer_cases, schedule_cases
from course_lib.checks._core import Case, Mistake, run_check


def _gradient_sequences(seed):
    rng = np.random.default_rng(seed)
    cases = [Case((np.array([-0.5]), [np.array([-2.0])], 0.01, 0.0),
                  label="the parabola: x = -0.5, gradient -2.0, learning rate 0.01")]
    for shape, learning_rate, momentum, steps in [((3,), 0.1, 0.0, 3), ((2, 3), 0.05, 0.9, 4),
                                                  ((4,), 0.01, 0.5, 5), ((2, 2, 3), 0.2, 0.99, 3)]:
        cases.append(Case((rng.normal(size=shape), [rng.normal(size=shape) for _ in range(steps)],
                           learning_rate, momentum),
                          label=f"{steps} steps, w {shape}, learning_rate {learning_rate}, "
                                f"momentum {momentum}"))
    for index, (w, gradients, hyper) in enumerate(optimizer_cases(seed, count=6, steps=4)):
        learning_rate, momentum = hyper.get("learning_rate", 0.01), (0.0, 0.9, 0.5)[index % 3]
        cases.append(Case((w, gradients, learning_rate, momentum),
                          label=f"4 steps, w {w.shape} {w.dtype}, |gradient| about "
                                f"{np.abs(gradients[0]).mean():.0e}, learning_rate "
                                f"{learning_rate}, momentum {momentum}"))
    return cases


def _sgd_path(step):
    """Weights after each step of `step`, feeding its velocity back (NaN if w changed in place)."""
    def run(w, gradients, learning_rate, momentum):
        path, velocity = [], None
        for gradient in gradients:
            before = np.array(w, copy=True)
            new, velocity = step(w, gradient, learning_rate=learning_rate, momentum=momentum,
                                 velocity=velocity)
            if not np.array_equal(w, before):
                return np.full((len(gradients),) + np.shape(before), np.nan)
            w = new
            path.append(np.array(w, dtype=float))
        return np.array(path)
    return run


def _in_place(w, dw, learning_rate=0.01, momentum=0.0, velocity=None):
    velocity = np.zeros_like(w) if velocity is None else velocity
    velocity = momentum * velocity - learning_rate * dw
    w += velocity
    return w, velocity


def _momentum_rule(sign_w=1.0, sign_v=1.0, sign_g=-1.0):
    def step(w, dw, learning_rate=0.01, momentum=0.0, velocity=None):
        velocity = np.zeros_like(w) if velocity is None else velocity
        velocity = sign_v * momentum * velocity + sign_g * learning_rate * dw
        return w + sign_w * velocity, velocity
    return step


def sgd_step(function):
    """Check a learner's sgd_step(w, dw, learning_rate, momentum, velocity) -> (w, velocity)."""
    def ignores_momentum(w, dw, learning_rate=0.01, momentum=0.0, velocity=None):
        return w - learning_rate * dw, None

    return run_check(
        "sgd_step", _sgd_path(function), _sgd_path(optim.sgd_step), _gradient_sequences(901),
        mistakes=[
            Mistake(_sgd_path(_momentum_rule(sign_g=1.0)),
                    "Gradient DEScent: subtract the gradient (w - learning_rate * dw); adding it "
                    "climbs the loss."),
            Mistake(_sgd_path(_momentum_rule(sign_v=-1.0)),
                    "The old velocity keeps its direction: velocity = momentum * velocity - "
                    "learning_rate * dw."),
            Mistake(_sgd_path(_momentum_rule(sign_w=-1.0, sign_v=1.0, sign_g=-1.0)),
                    "With velocity = momentum * velocity - learning_rate * dw, the update is "
                    "w + velocity."),
            Mistake(_sgd_path(_in_place),
                    "Do not change w in place (w += ..., w -= ...): the caller still needs the "
                    "old weights. Return a new array: w_new = w + velocity."),
            Mistake(_sgd_path(ignores_momentum),
                    "Use the momentum: velocity = momentum * velocity - learning_rate * dw; "
                    "w = w + velocity; return the new velocity."),
        ],
        generic_hint="Keras' rule: velocity = momentum * velocity - learning_rate * dw "
                     "(velocity starts at zeros); w_new = w + velocity.")


def _adam_path(step):
    """Weights after each step of `step`, with one state dict."""
    def run(w, gradients, hyper):
        path, state = [], {}
        for gradient in gradients:
            w = step(w, gradient, state, **hyper)
            path.append(np.array(w, dtype=float))
        return np.array(path)
    return run


def _adam_variant(bias_correction=True, sqrt=True, epsilon_inside=False):
    def step(w, dw, state, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        if not state:
            state.update(t=0, m=np.zeros_like(w), v=np.zeros_like(w))
        state["t"] += 1
        state["m"] = beta_1 * state["m"] + (1 - beta_1) * dw
        state["v"] = beta_2 * state["v"] + (1 - beta_2) * dw ** 2
        m, v = state["m"], state["v"]
        if bias_correction:
            m, v = m / (1 - beta_1 ** state["t"]), v / (1 - beta_2 ** state["t"])
        if epsilon_inside:
            return w - learning_rate * m / np.sqrt(v + epsilon)
        return w - learning_rate * m / ((np.sqrt(v) if sqrt else v) + epsilon)
    return step


def _adam_both_forms(w, gradients, hyper):
    """Keras' path, the paper's path and the start: both forms are accepted."""
    return (_adam_path(optim.adam_step)(w, gradients, hyper),
            _adam_path(_adam_variant())(w, gradients, hyper), np.array(w))


def _same_adam_path(got, expected):
    """Each step within 4 ulps of w plus 0.1% of the step, of Keras' form or the paper's."""
    if not isinstance(expected, tuple):  # comparing two wrong answers with each other
        return np.shape(got) == np.shape(expected) and np.allclose(got, expected, rtol=1e-6)
    keras_path, paper_path, start = expected
    try:
        got = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        return False
    if got.shape != keras_path.shape:
        return False
    ulp = 4 * np.finfo(start.dtype).eps
    start = start.astype(float)
    for path in (keras_path, paper_path):
        previous = np.concatenate([start[None], path[:-1]])
        tolerance = ulp * np.abs(previous) + 1e-3 * np.abs(path - previous) + 1e-300
        if np.all(np.abs((got - previous) - (path - previous)) <= tolerance * 4):
            return True
    return False


def adam_step(function):
    """Check a learner's adam_step(w, dw, state, ...) -> w over several steps (Keras' or the paper's form)."""
    cases = [Case((np.array([1.0, -1.0]), [np.array([0.5, -3.0])], {"learning_rate": 0.001}),
                  label="one step from [1, -1]: each weight moves by about learning_rate")]
    for w, gradients, hyper in optimizer_cases(902, count=6, steps=4):
        cases.append(Case((w, gradients, hyper),
                          label=f"4 steps, w {w.shape} {w.dtype}, |gradient| about "
                                f"{np.abs(gradients[0]).mean():.0e}, hyper-parameters {hyper}"))
    return run_check(
        "adam_step", _adam_path(function), _adam_both_forms, cases, compare=_same_adam_path,
        mistakes=[
            Mistake(_adam_path(_adam_variant(bias_correction=False)),
                    "Divide m by (1 - beta_1^t) and v by (1 - beta_2^t) (bias correction): "
                    "both start at 0 and are too small in the first steps."),
            Mistake(_adam_path(_adam_variant(sqrt=False)),
                    "Divide by the square root of v (plus epsilon), not by v."),
            Mistake(_adam_path(_adam_variant(epsilon_inside=True)),
                    "epsilon is added after the square root: sqrt(v_hat) + epsilon, not "
                    "sqrt(v_hat + epsilon). It matters when gradients are tiny."),
        ],
        generic_hint="t += 1; m = beta_1 m + (1 - beta_1) g; v = beta_2 v + (1 - beta_2) g^2; "
                     "w -= learning_rate * m_hat / (sqrt(v_hat) + epsilon) with "
                     "m_hat = m / (1 - beta_1^t), v_hat = v / (1 - beta_2^t). Keep m, v, t in state.")


def softmax_cross_entropy(function):
    """Check a learner's softmax_cross_entropy(logits, labels) -> (loss, dlogits)."""
    rng = np.random.default_rng(903)
    cases = [Case((np.array([[0.0, 0.0]]), np.array([0])), label="two equal logits: loss log 2"),
             Case((np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.3]]), np.array([0, 1])),
                  label="two examples, three classes")]
    for n, classes in [(5, 10), (8, 3), (1, 4)]:
        cases.append(Case((rng.normal(size=(n, classes)) * 3, rng.integers(0, classes, size=n)),
                          label=f"{n} examples, {classes} classes"))
    cases.append(Case((np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 999.0]]), np.array([0, 2])),
                      label="very large logits"))

    def summed(logits, labels):
        loss, dlogits = losses.softmax_cross_entropy(logits, labels)
        return loss * len(labels), dlogits * len(labels)

    def gradient_summed(logits, labels):
        loss, dlogits = losses.softmax_cross_entropy(logits, labels)
        return loss, dlogits * len(labels)

    def unstable(logits, labels):
        e = np.exp(logits)
        p = e / e.sum(axis=1, keepdims=True)
        rows = np.arange(len(labels))
        d = p.copy()
        d[rows, labels] -= 1
        return -np.mean(np.log(p[rows, labels])), d / len(labels)

    def no_minus_one(logits, labels):
        loss, dlogits = losses.softmax_cross_entropy(logits, labels)
        rows = np.arange(len(labels))
        dlogits = dlogits.copy()
        dlogits[rows, labels] += 1 / len(labels)
        return loss, dlogits

    return run_check(
        "softmax_cross_entropy", function, losses.softmax_cross_entropy, cases,
        mistakes=[
            Mistake(summed, "Average over the batch: loss = mean of -log p[label], and divide "
                            "dlogits by N too."),
            Mistake(gradient_summed, "The loss is a mean over the batch, so its gradient is too: "
                                     "dlogits = (softmax - one_hot) / N; you left out the / N."),
            Mistake(unstable, "np.exp overflows for large logits: subtract each row's max "
                              "first, and compute log-softmax, not log(softmax)."),
            Mistake(no_minus_one, "dlogits = (softmax - one_hot(labels)) / N: subtract 1 at each "
                                  "true label."),
        ],
        generic_hint="shifted = logits - max; log_p = shifted - log(sum(exp(shifted))); "
                     "loss = -mean(log_p[rows, labels]); dlogits = (exp(log_p) - one_hot) / N.")


def _schedule_path(function):
    """The rates of `function` at every step of a case, from 0 to past the end of the decay."""
    def run(initial_learning_rate, decay_steps, alpha, warmup_target, warmup_steps):
        last = decay_steps + warmup_steps + 3
        return np.array([float(function(step, initial_learning_rate, decay_steps, alpha=alpha,
                                        warmup_target=warmup_target, warmup_steps=warmup_steps))
                         for step in range(last)])
    return run


def _cosine_variant(warmup_shift=0, use_alpha=True, clamp=True, cosine_from_zero=False,
                    warmup_from_zero=False, warmup_without_target=False):
    def schedule(step, initial_learning_rate, decay_steps, alpha=0.0, warmup_target=None,
                 warmup_steps=0):
        target = warmup_target
        if target is None and warmup_without_target:
            target = initial_learning_rate
        start = 0.0 if warmup_from_zero else initial_learning_rate
        if target is not None and step < warmup_steps:
            return start + (target - start) * (step + warmup_shift) / warmup_steps
        peak = initial_learning_rate if target is None else target
        s = step if (cosine_from_zero or target is None) else step - warmup_steps
        length = decay_steps + warmup_steps if cosine_from_zero and target is not None \
            else decay_steps
        if clamp:
            s = min(s, length)
        cosine = 0.5 * (1 + math.cos(math.pi * s / length))
        return peak * ((1 - alpha) * cosine + alpha if use_alpha else cosine)
    return schedule


def cosine_decay(function):
    """Check a learner's cosine_decay(step, initial_learning_rate, decay_steps, alpha,
    warmup_target, warmup_steps) -> learning rate, at every step of several schedules."""
    cases = [Case(case, label=f"initial_learning_rate {case[0]}, decay_steps {case[1]}, alpha "
                              f"{case[2]}, warmup_target {case[3]}, warmup_steps {case[4]}: the "
                              f"rates at steps 0 to {case[1] + case[4] + 2}")
             for case in schedule_cases(904, count=4)]
    return run_check(
        "cosine_decay", _schedule_path(function), _schedule_path(schedules.cosine_decay), cases,
        compare=lambda got, expected: (np.shape(got) == np.shape(expected)
                                       and np.allclose(got, expected, rtol=1e-6, atol=1e-12)),
        mistakes=[
            Mistake(_schedule_path(_cosine_variant(warmup_shift=1)),
                    "The warm-up is off by one step: step 0 uses initial_learning_rate itself "
                    "(Keras' optimizer calls the schedule with the steps already taken), and the "
                    "rate reaches warmup_target at step warmup_steps."),
            Mistake(_schedule_path(_cosine_variant(use_alpha=False)),
                    "Use alpha: decayed = (1 - alpha) * cosine + alpha, so that the rate ends at "
                    "alpha times its start instead of 0."),
            Mistake(_schedule_path(_cosine_variant(cosine_from_zero=True)),
                    "The cosine starts after the warm-up: at step warmup_steps it is at its top "
                    "(warmup_target), and it lasts decay_steps steps from there: use "
                    "step - warmup_steps."),
            Mistake(_schedule_path(_cosine_variant(clamp=False)),
                    "After decay_steps the rate stays at its last value: clamp the step "
                    "(min(step, decay_steps)), or the cosine climbs back up."),
            Mistake(_schedule_path(_cosine_variant(warmup_from_zero=True)),
                    "The warm-up starts from initial_learning_rate, not from 0."),
            Mistake(_schedule_path(_cosine_variant(warmup_without_target=True)),
                    "With warmup_target=None Keras does no warm-up at all, whatever "
                    "warmup_steps says: the cosine starts at step 0 from "
                    "initial_learning_rate."),
        ],
        generic_hint="Without warmup_target: lr = initial * ((1 - alpha) * 0.5 * (1 + cos(pi * "
                     "min(step, decay_steps) / decay_steps)) + alpha). With it, s = min(step, "
                     "warmup_steps + decay_steps); s < warmup_steps: initial + (target - initial) "
                     "* s / warmup_steps; else the same cosine from target at s - warmup_steps.")


def _adamw_variant(order="before", l2=False, learning_rate_in_decay=True):
    def step(w, dw, state, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999,
             epsilon=1e-7):
        factor = weight_decay * (learning_rate if learning_rate_in_decay else 1.0)
        hyper = dict(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)
        if l2:
            return optim.adam_step(w, dw + weight_decay * w, state, **hyper)
        if order == "before":
            return optim.adam_step(w - w * factor, dw, state, **hyper)
        new = optim.adam_step(w, dw, state, **hyper)
        return new - new * factor
    return step


def _adamw_both_forms(w, gradients, hyper):
    """Keras' path, the paper's Adam form with Keras' decay, and the start."""
    decay = hyper.get("weight_decay", 0.004) * hyper.get("learning_rate", 0.001)
    paper = _adam_variant()

    def paper_adamw(w, dw, state, weight_decay=0.004, **adam):
        return paper(w - w * decay, dw, state, **adam)

    return (_adam_path(optim.adamw_step)(w, gradients, hyper),
            _adam_path(paper_adamw)(w, gradients, hyper), np.array(w))


def adamw_step(function):
    """Check a learner's adamw_step(w, dw, state, learning_rate, weight_decay, ...) -> w."""
    cases = [Case((np.array([3.0, -2.0, 0.5]), [np.array([0.1, 0.2, -0.3])],
                   {"learning_rate": 0.1, "weight_decay": 0.2}),
                  label="one step from [3, -2, 0.5], learning_rate 0.1, weight_decay 0.2")]
    for index, (w, gradients, hyper) in enumerate(optimizer_cases(905, count=5, steps=4)):
        hyper = dict(hyper, weight_decay=(0.004, 0.1, 0.5)[index % 3], learning_rate=0.1)
        w = w * 100 if index % 2 else w
        cases.append(Case((w, gradients, hyper),
                          label=f"4 steps, w {w.shape} {w.dtype}, |gradient| about "
                                f"{np.abs(gradients[0]).mean():.0e}, hyper-parameters {hyper}"))
    def near_mistake(got, wrong):  # Keras' or the paper's Adam under the same wrong decay
        try:
            return np.shape(got) == np.shape(wrong) and np.allclose(got, wrong, rtol=1e-5,
                                                                    atol=1e-9)
        except (TypeError, ValueError):
            return False

    return run_check(
        "adamw_step", _adam_path(function), _adamw_both_forms, cases, compare=_same_adam_path,
        mistake_compare=near_mistake,
        mistakes=[
            Mistake(_adam_path(_adamw_variant(l2=True)),
                    "That is L2 regularization (weight_decay * w added to the gradient), which "
                    "Adam then divides by sqrt(v). AdamW decays the weights themselves: "
                    "w = w - w * weight_decay * learning_rate, and Adam sees dw unchanged."),
            Mistake(_adam_path(_adamw_variant(order="after")),
                    "Keras decays first, then takes the Adam step from the decayed weights: "
                    "w = w - w * weight_decay * learning_rate; then Adam on that w."),
            Mistake(_adam_path(_adamw_variant(learning_rate_in_decay=False)),
                    "The decay is scaled by the learning rate too: w * weight_decay * "
                    "learning_rate."),
        ],
        generic_hint="w = w - w * weight_decay * learning_rate; then one Adam step (t += 1, m, v, "
                     "bias correction) on the decayed w with the gradient dw unchanged.")
