"""scikit-learn's handwritten digits as small NHWC images, with a fixed train/validation split.

``load_digits_split()`` returns the 1,797 8x8 images of ``sklearn.datasets.load_digits``
(they ship with scikit-learn: nothing is downloaded) as float images of shape
(N, 8, 8, 1) scaled to [0, 1], with integer labels 0..9, split once with a fixed
seed. NumPy and scikit-learn only: no TensorFlow.

Introduced in lesson 07.
"""

import functools

import numpy as np

NUM_CLASSES = 10
VALIDATION_FRACTION = 0.2
SEED = 0


@functools.lru_cache(maxsize=None)
def all_digits():
    """All 1,797 digits, cached: images (N, 8, 8, 1) float64 in [0, 1], labels (N,) int64.

    The arrays are shared between callers: copy before changing them.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float64)[..., None]   # pixel values 0..16
    return images, digits.target.astype(np.int64)


def load_digits_split(validation_fraction=VALIDATION_FRACTION, seed=SEED):
    """The digits as ((x_train, y_train), (x_val, y_val)).

    The split is stratified: each digit keeps `validation_fraction` of its images for
    validation (rounded), chosen by a generator seeded with `seed`, so the same
    arguments always give the same split (1,438 train / 359 validation by default).

    Inputs:
    - validation_fraction: the share of each class kept for validation, in (0, 1)
    - seed: seed of the split

    Returns a tuple of:
    - (x_train, y_train): images of shape (N_train, 8, 8, 1) in [0, 1], float64,
      and integer labels 0..9 of shape (N_train,)
    - (x_val, y_val): the same for the validation images, (N_val, 8, 8, 1) and (N_val,)

    Introduced in lesson 07.
    """
    if not 0 < validation_fraction < 1:
        raise ValueError(
            f"load_digits_split: validation_fraction must be in (0, 1), got {validation_fraction!r}"
        )
    images, labels = all_digits()
    train, validation = stratified_split(labels, validation_fraction, seed)
    return ((images[train].copy(), labels[train].copy()),
            (images[validation].copy(), labels[validation].copy()))


def stratified_split(labels, fraction, seed):
    """Split indices so that every class keeps its share: (kept, held_out).

    Each class holds out round(fraction * its size) of its members, drawn by a
    generator seeded with `seed`; both index arrays come back shuffled.

    Inputs:
    - labels: integer labels, of shape (N,)
    - fraction: the share of each class held out, in (0, 1)
    - seed: seed of the split

    Returns a tuple of:
    - kept: indices of shape (N - N_held_out,)
    - held_out: indices of shape (N_held_out,)
    """
    rng = np.random.default_rng(seed)
    kept, held_out = [], []
    for label in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == label))
        n_held_out = int(round(len(members) * fraction))
        held_out.append(members[:n_held_out])
        kept.append(members[n_held_out:])
    return rng.permutation(np.concatenate(kept)), rng.permutation(np.concatenate(held_out))


def flatten_images(x):
    """Images (N, H, W, C) as rows (N, H * W * C), the input of an MLP.

    Introduced in lesson 07.
    """
    x = np.asarray(x)
    if x.ndim != 4:
        raise ValueError(f"flatten_images: expected images of shape (N, H, W, C), got {x.shape}")
    return x.reshape(len(x), -1)
