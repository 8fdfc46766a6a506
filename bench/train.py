"""Images per second of the lesson-10 CNN's training step, plain float32 vs the GPU-ready setup.

Not a test: run it on the machine you care about (`make bench`, or
`.venv/bin/python bench/train.py`). It trains course_lib.training.build_cifar10_cnn
on random 32x32x3 uint8 images:

- "default": float32 policy, batch size 32 (what a first Keras script does);
- "gpu-ready": what course_lib.training.setup_device(full_run=True) chooses here
  (mixed precision and 256 per device on a GPU; float32 and the CPU batch on a CPU).

and prints images/s for both and their ratio. On a CPU the two setups must be
equally fast (setup_device keeps float32 there): the ratio is about 1.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def images_per_second(batch_size, policy, steps, strategy=None, warmup=3):
    import contextlib

    import keras
    import numpy as np

    from course_lib import training

    keras.mixed_precision.set_global_policy(policy)
    keras.utils.set_random_seed(0)
    scope = strategy.scope() if strategy is not None else contextlib.nullcontext()
    with scope:
        model = training.build_cifar10_cnn()
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    n = batch_size * (steps + warmup)
    x = rng.integers(0, 256, size=(n, 32, 32, 3), dtype=np.uint8)
    y = rng.integers(0, 10, size=n).astype(np.uint8)
    warm = batch_size * warmup
    model.fit(x[:warm], y[:warm], batch_size=batch_size, epochs=1, verbose=0)   # trace + compile
    start = time.perf_counter()
    model.fit(x[warm:], y[warm:], batch_size=batch_size, epochs=1, verbose=0)
    return batch_size * steps / (time.perf_counter() - start)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40, help="timed training steps per setup")
    parser.add_argument("--repeats", type=int, default=3, help="runs per setup; the best counts")
    args = parser.parse_args()

    from course_lib import training

    setup = training.setup_device(full_run=True)
    gpu_ready_policy, gpu_ready_batch = setup.mixed_precision, setup.batch_size
    # alternate the two setups and keep each one's best run: a shared machine's noise
    # (other processes, first-run warm-up) would otherwise decide the ratio
    default = ready = 0.0
    for _ in range(args.repeats):
        default = max(default, images_per_second(32, "float32", args.steps))
        ready = max(ready, images_per_second(gpu_ready_batch, gpu_ready_policy, args.steps,
                                             setup.strategy))
    print(f"default   (float32, batch 32): {default:10.0f} images/s")
    print(f"gpu-ready ({gpu_ready_policy}, batch {gpu_ready_batch}): {ready:10.0f} images/s")
    print(f"ratio gpu-ready / default: {ready / default:.2f}")


if __name__ == "__main__":
    main()
