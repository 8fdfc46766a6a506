"""A small convolutional base the course trained itself, so that lesson 11 runs offline.

`small_digits_base.weights.h5` holds the weights of `build_small_base()` after
training on the digits 0-4 of the offline digit images (course_lib.data, the
scikit-learn digits upscaled to 28x28; training split only). Lesson 11 reuses
it on the digits 5-9, which it has never seen. scripts/train_small_base.py
trains it again, reproducibly, from scratch. See README.md here.

Keras is imported inside the functions: `import course_lib` never imports TensorFlow.
"""

from pathlib import Path

WEIGHTS = Path(__file__).with_name("small_digits_base.weights.h5")
PRETRAIN_DIGITS = (0, 1, 2, 3, 4)
TRANSFER_DIGITS = (5, 6, 7, 8, 9)


def build_small_base(input_shape=(28, 28, 1)):
    """The architecture of the course's small base, untrained.

    Rescaling(1/255), Conv 16 k3 same relu, MaxPool 2, Conv 32 k3 same, BatchNormalization,
    relu, MaxPool 2, Conv 64 k3 same relu: (N, 28, 28, 1) uint8 or float -> (N, 7, 7, 64).
    23,424 parameters, 64 of them non-trainable (the moving statistics).

    Introduced in lesson 11.
    """
    import keras
    from keras import layers

    inputs = keras.Input(shape=input_shape, name="image")
    x = layers.Rescaling(1 / 255, name="rescale")(inputs)
    x = layers.Conv2D(16, 3, padding="same", activation="relu", name="conv1")(x)
    x = layers.MaxPooling2D(2, name="pool1")(x)
    x = layers.Conv2D(32, 3, padding="same", name="conv2")(x)
    x = layers.BatchNormalization(name="bn2")(x)
    x = layers.Activation("relu", name="relu2")(x)
    x = layers.MaxPooling2D(2, name="pool2")(x)
    outputs = layers.Conv2D(64, 3, padding="same", activation="relu", name="conv3")(x)
    return keras.Model(inputs, outputs, name="small_digits_base")


def load_small_base():
    """The course's small base with its pretrained weights (trained on digits 0-4).

    Introduced in lesson 11.
    """
    if not WEIGHTS.exists():
        raise FileNotFoundError(f"{WEIGHTS} is missing: run scripts/train_small_base.py")
    base = build_small_base()
    base.load_weights(WEIGHTS)
    return base


def digits_subset(x, y, digits):
    """The images whose label is in `digits`, with labels renumbered 0..len(digits)-1."""
    import numpy as np

    keep = np.isin(y, digits)
    lookup = {digit: index for index, digit in enumerate(digits)}
    labels = np.array([lookup[int(label)] for label in y[keep]], dtype=np.uint8)
    return x[keep][..., None] if x.ndim == 3 else x[keep], labels
