"""course_lib.digits, course_lib.network and course_lib.training_loop: shapes, gradients
(against numerical gradients and a Keras model with the same weights) and the capstone."""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import subprocess
import sys

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

from course_lib import digits, losses, training_loop  # noqa: E402
from course_lib.gradcheck import numerical_gradient, relative_error  # noqa: E402
from course_lib.network import (Conv2D, Dense, Dropout, Flatten, MaxPool2D, ReLU,  # noqa: E402
                                Sequential)


def test_digits_split_shapes_range_and_determinism():
    """1,438 + 359 images of 8x8x1 in [0, 1], every digit in both parts, same split each call."""
    (x_train, y_train), (x_val, y_val) = digits.load_digits_split()
    assert x_train.shape == (1438, 8, 8, 1) and x_val.shape == (359, 8, 8, 1)
    assert y_train.shape == (1438,) and y_val.shape == (359,)
    assert x_train.dtype == np.float64 and y_train.dtype.kind == "i"
    assert x_train.min() == 0.0 and x_train.max() == 1.0
    assert set(y_train) == set(y_val) == set(range(10))
    (again, _), _ = digits.load_digits_split()
    np.testing.assert_array_equal(x_train, again)
    from sklearn.datasets import load_digits

    reference = load_digits()
    assert len(x_train) + len(x_val) == len(reference.images)
    # every validation image is a real digit with its real label
    flat = reference.images.reshape(len(reference.images), -1) / 16.0
    index = {row.tobytes(): label for row, label in zip(flat, reference.target)}
    for image, label in zip(digits.flatten_images(x_val[:50]), y_val[:50]):
        assert index[image.tobytes()] == label
    with pytest.raises(ValueError, match="validation_fraction"):
        digits.load_digits_split(1.5)


def test_course_lib_new_modules_do_not_import_tensorflow():
    """digits, network and training_loop stay NumPy-only."""
    code = ("import sys; from course_lib import digits, network, training_loop, regularization; "
            "from course_lib.widgets import dropout_mask, sgd_playground; "
            "digits.load_digits_split(); "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def _small_cnn(rng):
    return Sequential([Conv2D(1, 3, 3, rng), ReLU(), MaxPool2D(2), Flatten(), Dense(48, 10, rng)])


def test_sequential_gradients_match_numerical_gradients():
    """backward() of a conv-relu-pool-dense stack agrees with centered differences."""
    rng = np.random.default_rng(0)
    network = _small_cnn(rng)
    x = rng.normal(size=(4, 8, 8, 1))
    labels = np.array([0, 3, 9, 3])

    def loss_value():
        return losses.softmax_cross_entropy(network.forward(x, training=True), labels)[0]

    _, dlogits = losses.softmax_cross_entropy(network.forward(x, training=True), labels)
    network.backward(dlogits)
    for key, value, gradient in network.parameters_and_gradients():
        def as_function(candidate, key=key):
            network.set_parameter(key, candidate)
            return loss_value()

        numeric = numerical_gradient(as_function, value.copy())
        network.set_parameter(key, value)
        assert relative_error(gradient, numeric) < 1e-6, key


def test_sequential_forward_matches_keras():
    """The same CNN in Keras, with the same weights, gives the same logits."""
    import keras
    rng = np.random.default_rng(1)
    network = _small_cnn(rng)
    model = keras.Sequential([keras.Input((8, 8, 1)), keras.layers.Conv2D(3, 3, padding="same"),
                              keras.layers.ReLU(), keras.layers.MaxPooling2D(2),
                              keras.layers.Flatten(), keras.layers.Dense(10)])
    model.set_weights([w.astype(np.float32) for w in network.get_weights()])
    x = rng.random((5, 8, 8, 1))
    np.testing.assert_allclose(network.predict(x), model(x.astype(np.float32)).numpy(),
                               rtol=1e-4, atol=1e-5)
    assert network.count_params() == model.count_params()


def test_sequential_weights_round_trip_and_errors():
    """get_weights/set_weights copy; set_parameter checks the shape; only layers are allowed."""
    rng = np.random.default_rng(2)
    network = Sequential([Dense(4, 3, rng), Dropout(0.5), ReLU(), Dense(3, 2, rng)])
    saved = network.get_weights()
    network.set_parameter("0.w", np.zeros((4, 3)))
    network.set_weights(saved)
    np.testing.assert_array_equal(network.layers[0].params["w"], saved[0])
    with pytest.raises(ValueError, match="set_parameter"):
        network.set_parameter("0.w", np.zeros((3, 4)))
    with pytest.raises(ValueError, match="Sequential"):
        Sequential([Dense(4, 3, rng), "relu"])
    x = rng.normal(size=(6, 4))
    np.testing.assert_array_equal(network.forward(x, training=False), network.predict(x))
    assert network.count_params() == 4 * 3 + 3 + 3 * 2 + 2
    assert repr(network).endswith("# 23 parameters")


def test_optimizers_use_the_given_step_functions():
    """SGD and Adam call the step they are given, once per parameter per update."""
    rng = np.random.default_rng(3)
    network = Sequential([Dense(2, 2, rng)])
    network.forward(np.ones((1, 2)))
    network.backward(np.ones((1, 2)))
    calls = []

    def fake_sgd(w, dw, learning_rate, momentum, velocity):
        calls.append(("sgd", learning_rate, momentum))
        return w - dw, None

    def fake_adam(w, dw, state, **hyper):
        calls.append(("adam", hyper["learning_rate"]))
        state["seen"] = state.get("seen", 0) + 1
        return w

    training_loop.SGD(0.5, 0.9, step=fake_sgd).update(network)
    adam = training_loop.Adam(0.02, step=fake_adam)
    adam.update(network)
    adam.update(network)
    assert calls[:2] == [("sgd", 0.5, 0.9)] * 2 and calls[2:] == [("adam", 0.02)] * 4
    assert all(state["seen"] == 2 for state in adam.states.values())


def test_capstone_cnn_reaches_90_percent_quickly():
    """The lesson 09 capstone (reference optimizer and loss) passes 90% validation accuracy."""
    (x, y), (x_val, y_val) = digits.load_digits_split()
    rng = np.random.default_rng(0)
    network = Sequential([Conv2D(1, 16, 3, rng), ReLU(), MaxPool2D(2), Flatten(),
                          Dense(256, 10, rng)])
    history = training_loop.train(network, x, y, training_loop.Adam(0.01), 10, 32,
                                  validation_data=(x_val, y_val), rng=rng, progress=False)
    assert set(history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert len(history["loss"]) == 10 and history["loss"][-1] < history["loss"][0]
    assert history["val_accuracy"][-1] >= 0.9
    assert training_loop.evaluate(network, x_val, y_val)[1] == history["val_accuracy"][-1]


def test_train_with_l2_and_dropout_and_plot():
    """The L2 penalty is in the training loss; plot_learning_curves draws both metrics."""
    (x, y), (x_val, y_val) = digits.load_digits_split()
    x, x_val = digits.flatten_images(x)[:64], digits.flatten_images(x_val)[:64]
    runs = {}
    for l2 in (0.0, 1.0):
        rng = np.random.default_rng(4)
        network = Sequential([Dense(64, 16, rng), ReLU(), Dropout(0.3), Dense(16, 10, rng)])
        runs[l2] = training_loop.train(network, x, y[:64], training_loop.SGD(0.0),
                                       1, 64, validation_data=(x_val, y_val[:64]), l2=l2,
                                       rng=rng, progress=False)
    assert runs[1.0]["loss"][0] > runs[0.0]["loss"][0]
    assert runs[1.0]["val_loss"] == runs[0.0]["val_loss"]    # validation: data loss only
    figure = training_loop.plot_learning_curves(runs[0.0], title="t")
    assert len(figure.axes) == 2 and len(figure.axes[0].lines) == 2
    with pytest.raises(ValueError, match="early_stopping"):
        training_loop.train(network, x, y[:64], training_loop.SGD(), 1,
                            early_stopping=training_loop.EarlyStopping(), progress=False)


def test_lesson09_checks_pass_references_and_name_mistakes(capsys):
    """The checks pass course_lib.optim/losses and name the listed misconceptions."""
    from course_lib import checks, optim

    assert checks.sgd_step(optim.sgd_step)
    assert checks.adam_step(optim.adam_step)
    assert checks.softmax_cross_entropy(losses.softmax_cross_entropy)
    capsys.readouterr()

    def adds_gradient(w, dw, learning_rate=0.01, momentum=0.0, velocity=None):
        velocity = np.zeros_like(w) if velocity is None else velocity
        velocity = momentum * velocity + learning_rate * dw
        return w + velocity, velocity

    def momentum_sign(w, dw, learning_rate=0.01, momentum=0.0, velocity=None):
        velocity = np.zeros_like(w) if velocity is None else velocity
        velocity = -momentum * velocity - learning_rate * dw
        return w + velocity, velocity

    def no_bias_correction(w, dw, state, learning_rate=0.001, beta_1=0.9, beta_2=0.999,
                           epsilon=1e-7):
        state.setdefault("m", 0 * w)
        state.setdefault("v", 0 * w)
        state["m"] = beta_1 * state["m"] + (1 - beta_1) * dw
        state["v"] = beta_2 * state["v"] + (1 - beta_2) * dw ** 2
        return w - learning_rate * state["m"] / (np.sqrt(state["v"]) + epsilon)

    def summed(logits, labels):
        loss, dlogits = losses.softmax_cross_entropy(logits, labels)
        return loss * len(labels), dlogits * len(labels)

    for check, wrong, words in [
            (checks.sgd_step, adds_gradient, "subtract the gradient"),
            (checks.sgd_step, momentum_sign, "keeps its direction"),
            (checks.adam_step, no_bias_correction, "bias correction"),
            (checks.softmax_cross_entropy, summed, "Average over the batch")]:
        assert not check(wrong)
        assert words in capsys.readouterr().out
