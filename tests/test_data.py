"""course_lib.data: the keras.datasets path and the offline fallback, without the network."""

import numpy as np
import pytest

from course_lib import data

import keras


def fail_download():
    raise OSError("URL fetch failure: [Errno -2] Name or service not known")


@pytest.mark.parametrize("name, shape", [("mnist", (28, 28)), ("fashion_mnist", (28, 28)),
                                         ("cifar10", (32, 32, 3))])
def test_offline_fallback_when_the_download_fails(monkeypatch, capsys, name, shape):
    """A failed download gives the fallback: uint8 images, labels 0..9, one line saying so."""
    monkeypatch.setattr(getattr(keras.datasets, name), "load_data", fail_download)
    (x_train, y_train), (x_test, y_test) = data.load_dataset(name, offline=False)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Offline")
    assert name in lines[0] and "1,797 8x8" in lines[0] and "download failed" in lines[0]
    assert x_train.dtype == x_test.dtype == np.uint8 and y_train.dtype == np.uint8
    assert x_train.shape[1:] == x_test.shape[1:] == shape
    assert len(x_train) + len(x_test) == 1797 and len(x_train) == len(y_train)
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))
    assert x_train.max() > 200 and x_train.min() < 30, "pixels span 0-255"


def test_offline_split_is_stratified_disjoint_and_cached():
    """The digits split 80/20 per class, never shares an image, and is built only once."""
    (x_train, y_train), (x_test, y_test) = data.load_dataset("mnist", offline=True, verbose=False)
    counts_train, counts_test = np.bincount(y_train), np.bincount(y_test)
    np.testing.assert_allclose(counts_test / (counts_train + counts_test), 0.2, atol=0.01)
    assert len(x_train) + len(x_test) == 1797
    assert data._digits_gray.cache_info().currsize == 1
    again = data.load_dataset("mnist", offline=True, verbose=False)
    np.testing.assert_array_equal(again[0][0], x_train)
    again[0][0][:] = 0   # the caller's copy: the cache is untouched
    assert data.load_dataset("mnist", offline=True, verbose=False)[0][0].any()


def test_fallback_images_are_the_sklearn_digits():
    """The 28x28 images are the 8x8 digits upscaled: downsampling gives them back."""
    from sklearn.datasets import load_digits

    (x_train, y_train), _ = data.load_dataset("mnist", offline=True, verbose=False)
    from scipy import ndimage

    digits = load_digits()
    box = x_train[:, 4:24, 4:24].astype(float)
    back = ndimage.zoom(box, (1, 8 / 20, 8 / 20), order=1, grid_mode=True, mode="nearest")
    # each image matches its own sklearn digit best among same-label digits (a strong correlation)
    for image, label in zip(back[:20], y_train[:20]):
        same = digits.images[digits.target == label].reshape(-1, 64)
        correlations = [np.corrcoef(image.ravel(), other)[0, 1] for other in same]
        assert max(correlations) > 0.95
    # the digit sits in the central 20x20 box, with an empty MNIST-like border
    assert x_train[:, :4].max() == 0 and x_train[:, 24:].max() == 0
    # every class of digits appears with the same frequency as in load_digits (80%)
    np.testing.assert_allclose(np.bincount(y_train) / np.bincount(digits.target), 0.8, atol=0.01)


@pytest.mark.parametrize("name, shape, labels_shape", [
    ("mnist", (28, 28), (7,)), ("fashion_mnist", (28, 28), (7,)), ("cifar10", (32, 32, 3), (7, 1))])
def test_online_path_uses_keras_datasets(monkeypatch, capsys, name, shape, labels_shape):
    """With a network, the keras.datasets arrays come back as uint8, labels flattened to (N,)."""
    rng = np.random.default_rng(0)
    fake = ((rng.integers(0, 256, size=(7, *shape), dtype=np.uint8),
             rng.integers(0, 10, size=labels_shape)),
            (rng.integers(0, 256, size=(3, *shape), dtype=np.uint8),
             rng.integers(0, 10, size=(3, *labels_shape[1:]))))
    monkeypatch.setattr(getattr(keras.datasets, name), "load_data", lambda: fake)
    (x_train, y_train), (x_test, y_test) = data.load_dataset(name, offline=False)
    line = capsys.readouterr().out.strip()
    assert line.startswith(f"Loaded {name} from keras.datasets") and "\n" not in line
    assert x_train.shape == (7, *shape) and x_train.dtype == np.uint8
    assert y_train.shape == (7,) and y_test.shape == (3,) and y_train.dtype == np.uint8
    np.testing.assert_array_equal(x_train, fake[0][0])
    np.testing.assert_array_equal(y_train, np.ravel(fake[0][1]))


def test_autograder_and_env_stay_offline(monkeypatch):
    """Under nbgrader or COURSE_OFFLINE=1 no download is tried."""
    assert data.should_stay_offline({"NBGRADER_EXECUTION": "autograde"})
    assert data.should_stay_offline({"COURSE_OFFLINE": "1"})
    assert not data.should_stay_offline({"COURSE_OFFLINE": "0"})
    assert not data.should_stay_offline({})

    def must_not_download():
        raise AssertionError("tried to download")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", must_not_download)
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    (x_train, _), _ = data.load_dataset("mnist", verbose=False)
    assert x_train.shape[1:] == (28, 28)


def test_bad_name():
    with pytest.raises(ValueError, match="cifar100"):
        data.load_dataset("cifar100")


def test_importing_course_lib_does_not_import_tensorflow():
    """course_lib, its checks and data import without TensorFlow."""
    import subprocess
    import sys

    code = ("import sys, course_lib, course_lib.checks, course_lib.data, course_lib.training, "
            "course_lib.pretrained; print('tensorflow' in sys.modules or 'keras' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"
