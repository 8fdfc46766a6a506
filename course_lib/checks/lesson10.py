"""Instant checks for lesson 10 (Keras: from MLP to CNN). Keras is imported when a check runs.

They share the core of the other lessons' checks (`_core.finish`): they never
raise, a stub is not an attempt, results are recorded, and the help grows with
real failed attempts.
"""

import traceback

from course_lib.checks._core import finish, not_written
from course_lib.checks._expected import remembered


def layer_table(model):
    """[(layer class name, output shape without the batch axis, parameter count)], no InputLayer.

    Introduced in lesson 10.
    """
    rows = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        rows.append((type(layer).__name__, tuple(layer.output.shape[1:]), layer.count_params()))
    return rows


def _build(name, function):
    """(model, outcome): outcome is None when the call worked."""
    try:
        return function(), None
    except NotImplementedError:
        return None, not_written(name)
    except Exception as error:  # the learner's code, any error at all
        print(f"✗ {name}: calling it raised {traceback.format_exception_only(type(error), error)[-1].strip()}")
    return None, "fail"


def _reference_table(name, build):
    """layer_table of the reference model build() (stored in a graded student copy)."""
    return remembered(name, "layers", lambda: layer_table(build()))


def _reference_probe(name, build):
    """keras_contract.reference_probe of the reference model build() (stored in a graded
    student copy)."""
    from course_lib import keras_contract

    return remembered(name, "probe", lambda: keras_contract.reference_probe(build()))


def _compare_models(name, built, expected, hints, probe=None):
    """Compare the learner's model with `expected`, the reference model's layer_table, then
    with `probe` (keras_contract.model_difference: every layer's configuration, the
    parameter counts, the outputs with the reference's weights on random images)."""
    got_model, outcome = built
    if outcome is not None:
        return finish(name, outcome, generic_hint=hints["shape"])
    outcome, hint = _model_difference(name, got_model, expected, hints)
    if outcome == "pass" and probe is not None:
        outcome, hint = _contract_difference(name, got_model, probe(), hints)
    passed_text = (f"{len(layer_table(got_model))} layers, output shapes and "
                   f"{got_model.count_params():,} parameters match the summary"
                   if outcome == "pass" else "")
    return finish(name, outcome, hint=hint, generic_hint=hints["shape"], passed_text=passed_text)


def _model_difference(name, got_model, expected, hints):
    if not hasattr(got_model, "layers") or not hasattr(got_model, "count_params"):
        print(f"✗ {name}: expected a Keras model, got {type(got_model).__name__}.")
        return "fail", "return the model you built (return model)."
    got = layer_table(got_model)
    got_types = [row[0] for row in got]
    expected_types = [row[0] for row in expected]
    if got_types != expected_types:
        missing = [kind for kind in expected_types if kind not in got_types]
        print(f"✗ {name}: the layers are {got_types}")
        print(f"  expected:          {expected_types}")
        if "Dropout" in missing:
            return "fail", hints["dropout"]
        if "Flatten" in missing:
            return "fail", hints["flatten"]
        if "Rescaling" in missing:
            return "fail", "the model starts with Rescaling(1 / 255): it receives uint8 pixels."
        return "fail", "compare your layers one by one with the summary in the exercise."
    for index, (row, want) in enumerate(zip(got, expected), start=1):
        if row != want:
            print(f"✗ {name}: layer {index} ({row[0]}) has output shape {row[1]} and "
                  f"{row[2]:,} parameters; expected {want[1]} and {want[2]:,}.")
            return "fail", hints["shape"]
    return "pass", None


def _contract_difference(name, got_model, probe, hints):
    from course_lib import keras_contract

    difference = keras_contract.model_difference(got_model, probe)
    if not difference:
        return "pass", None
    print(f"✗ {name}: {difference}")
    for word, hint in hints.get("settings", {}).items():
        if word in difference:
            return "fail", hint
    return "fail", ("the layers and shapes are right, but not every layer's arguments: "
                    "compare each with the summary (activation, padding, kernel size, "
                    "rate, the Rescaling scale).")


def build_mnist_mlp(function):
    """Check a learner's build_mnist_mlp() against the course_lib reference."""
    from course_lib import training

    hints = {
        "dropout": "each hidden Dense(256) is followed by Dropout(0.45); Dropout has no "
                   "parameters, so the count can be right while the layers are not.",
        "flatten": "a Dense layer on (28, 28) images works on the last axis only: Flatten first.",
        "shape": "check the units (256, 256, 10) and that Flatten comes before the first Dense.",
        "settings": {
            "scale": "Rescaling(1 / 255) multiplies the pixels by 1/255, mapping 0..255 to 0..1.",
            "activation": "both hidden Dense layers use activation='relu', the last one "
                          "activation='softmax' (probabilities over the 10 digits).",
        },
    }
    return _compare_models("build_mnist_mlp", _build("build_mnist_mlp", function),
                           _reference_table("build_mnist_mlp", training.build_mnist_mlp), hints,
                           lambda: _reference_probe("build_mnist_mlp", training.build_mnist_mlp))


def build_cifar10_cnn(function):
    """Check a learner's build_cifar10_cnn() against the course_lib reference."""
    from course_lib import training

    hints = {
        "dropout": "the summary has Dropout(0.3) before Flatten: 0 parameters, but a layer.",
        "flatten": "without Flatten, Dense(500) is applied to every pixel of the (4, 4, 64) "
                   "feature maps; flatten them into 1,024 values first.",
        "shape": "kernels are 2x2 (kernel_size=2) with padding='same'; each MaxPooling2D(2) "
                 "halves height and width; Dense has 500 then 10 units.",
        "settings": {
            "scale": "Rescaling(1 / 255) multiplies the pixels by 1/255, mapping 0..255 to 0..1.",
            "activation": "every Conv2D and the Dense(500) use activation='relu'; the last "
                          "Dense, activation='softmax'.",
            "padding": "every Conv2D uses padding='same'.",
        },
    }
    return _compare_models("build_cifar10_cnn", _build("build_cifar10_cnn", function),
                           _reference_table("build_cifar10_cnn", training.build_cifar10_cnn),
                           hints,
                           lambda: _reference_probe("build_cifar10_cnn",
                                                    training.build_cifar10_cnn))


def compile_and_train(function):
    """Run a learner's compile_and_train on a tiny random problem: compiled, 2 epochs, validation."""
    import keras
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(40, 28, 28)).astype("uint8")
    y = rng.integers(0, 10, size=40).astype("uint8")
    model = keras.Sequential([keras.Input((28, 28)), keras.layers.Flatten(),
                              keras.layers.Dense(10, activation="softmax")])
    generic = ("model.compile(optimizer=..., loss='sparse_categorical_crossentropy', "
               "metrics=['accuracy']), then return model.fit(x, y, epochs=epochs, "
               "batch_size=batch_size, validation_split=0.2).")
    try:
        history = function(model, x, y, epochs=2, batch_size=16)
    except NotImplementedError:
        return finish("compile_and_train", not_written("compile_and_train"))
    except Exception as error:
        print("✗ compile_and_train: raised "
              f"{traceback.format_exception_only(type(error), error)[-1].strip()}")
        return finish("compile_and_train", "fail", hint=generic, generic_hint=generic)
    outcome, hint = _history_difference(history)
    return finish("compile_and_train", outcome, hint=hint, generic_hint=generic,
                  passed_text="compiled, trained 2 epochs with validation")


def _history_difference(history):
    logs = getattr(history, "history", None)
    if not isinstance(logs, dict):
        print(f"✗ compile_and_train: expected the History that model.fit returns, got "
              f"{type(history).__name__}.")
        return "fail", "return what model.fit returns (history = model.fit(...); return history)."
    if len(logs.get("loss", [])) != 2:
        print(f"✗ compile_and_train: asked for 2 epochs, the history has "
              f"{len(logs.get('loss', []))}.")
        return "fail", "pass `epochs=epochs` (and `batch_size=batch_size`) to model.fit."
    if not any(key.startswith("val_") for key in logs):
        print("✗ compile_and_train: no validation curves in the history.")
        return "fail", "model.fit(..., validation_split=0.2) keeps the last 20% for validation."
    if not any("acc" in key for key in logs):
        print("✗ compile_and_train: no accuracy in the history.")
        return "fail", "compile with metrics=['accuracy']."
    return _compile_difference(getattr(history, "model", None))


def _compile_difference(model):
    """How the model was compiled (keras_contract.compile_difference), with a hint."""
    import keras

    from course_lib import keras_contract

    if model is None:
        return "pass", None  # a History of its own making: the hidden test reads the model
    difference = keras_contract.compile_difference(
        model, "Adam", keras.optimizers.Adam(learning_rate=1e-3).get_config())
    if not difference:
        return "pass", None
    print(f"✗ compile_and_train: {difference}.")
    if "from_logits" in difference:
        return "fail", ("the model ends in a softmax: its outputs are probabilities, so the "
                        "loss takes from_logits=False (the default, or the string "
                        "'sparse_categorical_crossentropy').")
    if "metrics" in difference:
        return "fail", "compile with metrics=['accuracy'] (integer labels: Keras picks the " \
                       "sparse accuracy)."
    return "fail", ("model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), "
                    "loss='sparse_categorical_crossentropy', metrics=['accuracy']).")
