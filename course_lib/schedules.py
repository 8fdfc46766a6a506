"""Learning-rate schedules, value for value equal to keras.optimizers.schedules.

A schedule maps the optimizer's step counter to a learning rate. Keras calls it
with `optimizer.iterations`, the number of updates already applied, so the first
update uses step 0. Keras computes in float32; these functions compute in
float64 and agree with it to float32's precision.

Introduced in lesson 09.
"""

import math


def cosine_decay(step, initial_learning_rate, decay_steps, alpha=0.0, warmup_target=None,
                 warmup_steps=0):
    """The learning rate at `step` of keras.optimizers.schedules.CosineDecay.

    Without warm-up (warmup_target None; warmup_steps is then ignored, as in Keras):
        s = min(step, decay_steps)
        decayed = (1 - alpha) * 0.5 * (1 + cos(pi * s / decay_steps)) + alpha
        learning rate = initial_learning_rate * decayed
    With warm-up (warmup_target a float), s = min(step, warmup_steps + decay_steps):
        s < warmup_steps: a straight line from initial_learning_rate (at step 0)
            towards warmup_target: initial + (warmup_target - initial) * s / warmup_steps
        otherwise: the cosine above, from warmup_target, at s - warmup_steps.
    After the decay the rate stays at alpha times its start.

    Inputs:
    - step: the optimizer's step counter, an int >= 0 (0 for the first update)
    - initial_learning_rate: the rate at step 0
    - decay_steps: the length of the cosine, an int > 0
    - alpha: the last rate as a fraction of the rate the cosine starts from
    - warmup_target: the rate the warm-up reaches, or None for no warm-up
    - warmup_steps: the length of the warm-up, an int >= 0

    Returns:
    - the learning rate, a float

    Raises ValueError when decay_steps <= 0 or warmup_steps < 0.

    Introduced in lesson 09.
    """
    if not decay_steps > 0:
        raise ValueError(f"cosine_decay: decay_steps must be > 0, got {decay_steps!r}")
    if not warmup_steps >= 0:
        raise ValueError(f"cosine_decay: warmup_steps must be >= 0, got {warmup_steps!r}")
    step = float(step)

    def decayed(s, start):
        cosine = 0.5 * (1.0 + math.cos(math.pi * s / decay_steps))
        return start * ((1.0 - alpha) * cosine + alpha)

    if warmup_target is None:
        return decayed(min(step, decay_steps), float(initial_learning_rate))
    step = min(step, warmup_steps + decay_steps)
    if step < warmup_steps:
        return float(initial_learning_rate
                     + (warmup_target - initial_learning_rate) * step / warmup_steps)
    return decayed(step - warmup_steps, float(warmup_target))


def exponential_decay(step, initial_learning_rate, decay_steps, decay_rate, staircase=False):
    """The learning rate at `step` of keras.optimizers.schedules.ExponentialDecay.

        p = step / decay_steps              (floor(step / decay_steps) when staircase)
        learning rate = initial_learning_rate * decay_rate ** p
    With staircase=True this is step decay: the rate is multiplied by decay_rate
    every decay_steps steps and stays constant in between.

    Inputs:
    - step: the optimizer's step counter, an int >= 0
    - initial_learning_rate: the rate at step 0
    - decay_steps: an int > 0
    - decay_rate: the factor applied every decay_steps steps
    - staircase: True for whole decays only (steps of the rate)

    Returns:
    - the learning rate, a float

    Raises ValueError when decay_steps <= 0.

    Introduced in lesson 09.
    """
    if not decay_steps > 0:
        raise ValueError(f"exponential_decay: decay_steps must be > 0, got {decay_steps!r}")
    power = float(step) / decay_steps
    if staircase:
        power = math.floor(power)
    return float(initial_learning_rate * decay_rate ** power)
