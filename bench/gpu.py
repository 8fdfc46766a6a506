"""The GPU path of lessons 10-11, run for real: device setup, mixed precision, data parallelism,
one epoch of the lesson-10 CNN, and its speed in images per second.

The tests check setup_device's choices with mocks (no GPU in CI); this script is what a
machine with a GPU runs to see them work. It

1. calls course_lib.training.setup_device(full_run=True) and prints its one line;
2. checks that the global Keras dtype policy is the one it chose (mixed_bfloat16 on
   Ampere and later, mixed_float16 on Volta/Turing, float32 on a CPU) and that the model's
   layers compute in it;
3. builds and compiles course_lib.training.build_cifar10_cnn inside setup.scope() (the
   multi-device strategy when there are several GPUs: tf.distribute.MirroredStrategy on
   TensorFlow, keras.distribution.DataParallel on JAX);
4. trains one warm-up epoch (tracing and compilation), then one timed epoch on
   CIFAR-10-sized random uint8 images, and prints images/s.

Run it on the GPU machine, from the repository root:

    .venv/bin/python bench/gpu.py                       # TensorFlow, the default backend
    KERAS_BACKEND=jax .venv/bin/python bench/gpu.py     # JAX: TensorFlow is never imported

It exits with status 1 when it finds no accelerator (say --allow-cpu to run the same steps
on a CPU, with fewer images) or when a check fails. Not a test: it prints figures.
"""

import argparse
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

CIFAR10_TRAIN_IMAGES = 50_000


def random_cifar(count, seed=0):
    """`count` random 32x32x3 uint8 images and labels 0..9 (the lesson-10 CNN's input)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(count, 32, 32, 3), dtype=np.uint8)
    return images, rng.integers(0, 10, size=count).astype(np.uint8)


def check(condition, message):
    print(("ok    " if condition else "FAIL  ") + message)
    return condition


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=None,
                        help=f"images in the timed epoch (default {CIFAR10_TRAIN_IMAGES:,} on an "
                             "accelerator, 2,048 on a CPU)")
    parser.add_argument("--allow-cpu", action="store_true",
                        help="run the steps on a CPU instead of stopping (a dry run)")
    args = parser.parse_args(argv)

    import keras

    from course_lib import training

    setup = training.setup_device(full_run=True)
    if setup.accelerator == "cpu" and not args.allow_cpu:
        print("bench/gpu.py: no accelerator found, nothing to measure (--allow-cpu for a dry run)")
        return 1
    count = args.images or (CIFAR10_TRAIN_IMAGES if setup.accelerator != "cpu" else 2_048)
    passed = check(keras.mixed_precision.dtype_policy().name == setup.mixed_precision,
                   f"global dtype policy is {keras.mixed_precision.dtype_policy().name}")
    with setup.scope():
        model = training.build_cifar10_cnn()
        model.compile(optimizer=keras.optimizers.Adam(1e-3),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    conv = next(layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D))
    passed &= check(conv.compute_dtype == setup.mixed_precision.removeprefix("mixed_"),
                    f"Conv2D computes in {conv.compute_dtype}, keeps weights in {conv.variable_dtype}")
    strategy = type(setup.strategy).__name__ if setup.strategy is not None else "none"
    passed &= check((setup.strategy is not None) == (len(setup.devices) > 1),
                    f"{len(setup.devices)} device(s), data-parallel strategy: {strategy}")

    images, labels = random_cifar(count)
    warm = min(count, setup.batch_size * 4)
    model.fit(images[:warm], labels[:warm], batch_size=setup.batch_size, epochs=1, verbose=0)
    start = time.perf_counter()
    history = model.fit(images, labels, batch_size=setup.batch_size, epochs=1, verbose=0)
    seconds = time.perf_counter() - start
    passed &= check(all(value == value for value in history.history["loss"]),
                    f"one epoch of {count:,} images, loss {history.history['loss'][-1]:.3f}")
    where = ", ".join(sorted(set(setup.devices))) if setup.devices else setup.accelerator.upper()
    print(f"lesson-10 CNN, {setup.backend} backend, {where}, {setup.mixed_precision}, "
          f"batch {setup.batch_size}: {count / seconds:,.0f} images/s ({seconds:.1f} s an epoch)")
    if setup.backend != "tensorflow":
        passed &= check("tensorflow" not in sys.modules,
                        f"TensorFlow not imported under the {setup.backend} backend")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
