"""Image datasets for the Keras lessons: the real ones when the network allows, an offline stand-in otherwise.

`load_dataset("mnist" | "fashion_mnist" | "cifar10")` returns what
`keras.datasets.<name>.load_data()` returns, `(x_train, y_train), (x_test, y_test)`,
with images kept as uint8 (normalize inside the model, e.g. with
`keras.layers.Rescaling(1 / 255)`, so that a lesson stays small in memory).

Without a network (Binder without egress, CI, the autograder) nothing is
downloaded: the loader says in one line what it loaded instead, built from
scikit-learn's handwritten digits, which ship with scikit-learn:

- "mnist" and "fashion_mnist": the 1,797 8x8 digit images of
  `sklearn.datasets.load_digits`, upscaled to 20x20 and centred on a 28x28
  canvas like MNIST; a fixed stratified split, 1,437 train / 360 test.
  (There is no offline clothing dataset: Fashion-MNIST falls back to the same digits,
  and says so.)
- "cifar10": the same digits in colour at 32x32x3: each digit upscaled to
  24x24, drawn in a random colour at a random position on a random
  background colour with pixel noise, so a CNN must learn the digit's shape,
  not a colour.

Nothing here imports TensorFlow until a real dataset is requested.
"""

import functools
import os

import numpy as np

from course_lib.digits import all_digits, stratified_split

NAMES = ("mnist", "fashion_mnist", "cifar10")
DIGIT_NAMES = tuple(str(digit) for digit in range(10))
CLASS_NAMES = {
    "mnist": DIGIT_NAMES,
    "fashion_mnist": ("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                      "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"),
    "cifar10": ("airplane", "automobile", "bird", "cat", "deer",
                "dog", "frog", "horse", "ship", "truck"),
}
TEST_FRACTION = 0.2


def should_stay_offline(environ=None):
    """True when no download should be tried: env COURSE_OFFLINE=1, or a headless nbgrader run.

    The autograder (nbgrader sets NBGRADER_EXECUTION) always grades on the offline data,
    so that a grade never depends on the network.

    Introduced in lesson 10.
    """
    environ = os.environ if environ is None else environ
    return environ.get("COURSE_OFFLINE", "") not in ("", "0") or "NBGRADER_EXECUTION" in environ


def _resize(images, size):
    """Bilinear resize of a batch of square images (N, h, h) to (N, size, size), float."""
    from scipy import ndimage

    factor = size / images.shape[1]
    return ndimage.zoom(images, (1, factor, factor), order=1, grid_mode=True, mode="nearest")


@functools.lru_cache(maxsize=None)
def _digits_gray():
    """The offline digits at 28x28 uint8: ((x_train, y_train), (x_test, y_test)), cached."""
    small, digit_labels = all_digits()                            # (1797, 8, 8, 1) in [0, 1]
    big = np.clip(_resize(small[..., 0], 20), 0.0, 1.0)            # (1797, 20, 20)
    images = np.zeros((len(big), 28, 28), dtype=np.uint8)
    images[:, 4:24, 4:24] = np.round(big * 255).astype(np.uint8)   # centred like MNIST
    labels = digit_labels.astype(np.uint8)
    train, test = stratified_split(labels, TEST_FRACTION, seed=0)
    return (images[train], labels[train]), (images[test], labels[test])


@functools.lru_cache(maxsize=None)
def _digits_colour():
    """The offline digits at 32x32x3 uint8 on random backgrounds, cached."""
    small, digit_labels = all_digits()
    rng = np.random.default_rng(10)
    n = len(small)
    shape = np.clip(_resize(small[..., 0], 24), 0.0, 1.0)[..., None]   # (N, 24, 24, 1)
    background = rng.uniform(0, 1, size=(n, 1, 1, 3))
    # a foreground colour far enough from the background in brightness to stay readable
    foreground = np.clip(background + rng.choice([-1, 1], size=(n, 1, 1, 1))
                         * rng.uniform(0.45, 0.8, size=(n, 1, 1, 3)), 0, 1)
    canvas = np.broadcast_to(background, (n, 32, 32, 3)).copy()
    offsets = rng.integers(0, 9, size=(n, 2))
    for index, (top, left) in enumerate(offsets):
        window = canvas[index, top:top + 24, left:left + 24]
        window[...] = window * (1 - shape[index]) + foreground[index] * shape[index]
    canvas += rng.normal(0, 0.04, size=canvas.shape)
    images = np.round(np.clip(canvas, 0, 1) * 255).astype(np.uint8)
    labels = digit_labels.astype(np.uint8)
    train, test = stratified_split(labels, TEST_FRACTION, seed=1)
    return (images[train], labels[train]), (images[test], labels[test])


def offline_dataset(name, reason="offline mode"):
    """The offline stand-in for `name`, and the one line that says what it is.

    Returns a tuple of:
    - ((x_train, y_train), (x_test, y_test)): uint8 images (N, 28, 28) for "mnist" and
      "fashion_mnist", (N, 32, 32, 3) for "cifar10"; uint8 labels 0..9 of shape (N,)
    - announcement: a one-line string naming what was loaded, and why (`reason`)

    Introduced in lesson 10.
    """
    _check_name(name)
    if name == "cifar10":
        (x_train, y_train), (x_test, y_test) = _digits_colour()
        what = ("colour digits: scikit-learn's 1,797 8x8 handwritten digits upscaled to 24x24, "
                "in random colours on random 32x32x3 backgrounds")
    else:
        (x_train, y_train), (x_test, y_test) = _digits_gray()
        what = ("scikit-learn's 1,797 8x8 handwritten digits, upscaled to 28x28 "
                "(labels are digits 0-9)")
    line = (f"Offline ({reason}): instead of {name}, loaded {what}: "
            f"{len(x_train):,} train / {len(x_test):,} test images.")
    arrays = ((x_train.copy(), y_train.copy()), (x_test.copy(), y_test.copy()))
    return arrays, line


def _check_name(name):
    if name not in NAMES:
        raise ValueError(f"load_dataset: expected one of {NAMES}, got {name!r}")


def load_dataset(name, offline=None, verbose=True):
    """Load an image dataset as uint8 arrays, from keras.datasets or the offline stand-in.

    Inputs:
    - name: "mnist", "fashion_mnist" or "cifar10"
    - offline: True to skip the download; None (default) decides with should_stay_offline()
    - verbose: print the one line that says what was loaded

    Returns ((x_train, y_train), (x_test, y_test)) like keras.datasets:
    - x: uint8 images, of shape (N, 28, 28) or (N, 32, 32, 3)
    - y: uint8 labels 0..9, of shape (N,)

    Introduced in lesson 10.
    """
    _check_name(name)
    if offline is None:
        offline = should_stay_offline()
    if not offline:
        try:
            import keras

            (x_train, y_train), (x_test, y_test) = getattr(keras.datasets, name).load_data()
        except Exception as error:  # no network: keras raises OSError, URLError or Exception
            arrays, line = offline_dataset(name, reason=f"{name} download failed, "
                                                        f"{type(error).__name__}")
            if verbose:
                print(line)
            return arrays
        else:
            y_train = np.asarray(y_train).reshape(-1).astype(np.uint8)
            y_test = np.asarray(y_test).reshape(-1).astype(np.uint8)
            if verbose:
                print(f"Loaded {name} from keras.datasets: {len(x_train):,} train / "
                      f"{len(x_test):,} test images of shape {tuple(x_train.shape[1:])}, uint8.")
            return ((np.asarray(x_train, dtype=np.uint8), y_train),
                    (np.asarray(x_test, dtype=np.uint8), y_test))
    arrays, line = offline_dataset(name, reason="no download tried")
    if verbose:
        print(line)
    return arrays


def class_names(name, offline):
    """The label names of `name`: the real ones, or the digits for the offline stand-in."""
    _check_name(name)
    return DIGIT_NAMES if offline else CLASS_NAMES[name]
