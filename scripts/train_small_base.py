"""Train the small convolutional base of lesson 11 and save its weights.

Pretrains course_lib.pretrained.build_small_base() with a temporary head
(GlobalAveragePooling2D + Dense 5) on the digits 0-4 of the offline digit images
(the training split only: lesson 11's tests use the test split), then saves the
base's weights to course_lib/pretrained/small_digits_base.weights.h5.

Reproducible: fixed seed, CPU, deterministic ops. Run from the repository root:

    .venv/bin/python scripts/train_small_base.py            # about 20 s on 2 CPU cores
"""

import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")  # same numbers on any machine

EPOCHS = 12
SEED = 0


def main(target=None):
    import keras
    import numpy as np
    import tensorflow as tf

    from course_lib import pretrained
    from course_lib.data import load_dataset

    keras.utils.set_random_seed(SEED)
    tf.config.experimental.enable_op_determinism()
    (x_train, y_train), (x_test, y_test) = load_dataset("mnist", offline=True)
    x, y = pretrained.digits_subset(x_train, y_train, pretrained.PRETRAIN_DIGITS)
    xt, yt = pretrained.digits_subset(x_test, y_test, pretrained.PRETRAIN_DIGITS)

    base = pretrained.build_small_base()
    model = keras.Sequential([base, keras.layers.GlobalAveragePooling2D(),
                              keras.layers.Dense(len(pretrained.PRETRAIN_DIGITS), activation="softmax")])
    model.compile(optimizer=keras.optimizers.Adam(2e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=EPOCHS, batch_size=32, verbose=2)
    loss, accuracy = model.evaluate(xt, yt, verbose=0)
    print(f"digits 0-4, test accuracy {accuracy:.3f} on {len(xt)} images")
    target = target or pretrained.WEIGHTS
    base.save_weights(target)
    print(f"saved {target} ({os.path.getsize(target) / 1024:.0f} KiB), "
          f"{base.count_params():,} parameters")
    return accuracy


if __name__ == "__main__":
    sys.exit(0 if main(*sys.argv[1:]) > 0.9 else 1)
