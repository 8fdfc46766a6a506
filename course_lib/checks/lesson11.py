"""Instant checks for lesson 11 (transfer learning). Keras is imported when a check runs.

They share the core of the other lessons' checks (`_core.finish`): they never
raise, a stub is not an attempt, results are recorded, and the help grows with
real failed attempts. `transfer_quiz` takes the learner's dict of answers (a
quiz has no function to call).
"""

import traceback

import numpy as np

from course_lib.checks._core import finish, not_written
from course_lib.checks._expected import remembered

CASES = ("small_similar", "small_different", "large_similar", "large_different")
_ACCEPTED = {"small_similar": {"A"}, "small_different": {"B"},
             "large_similar": {"C"}, "large_different": {"C", "D"}}
_WHY = {
    "small_similar": "little data: retraining the base would overfit; similar data: its "
                     "high-level features already fit. Keep all of it, frozen.",
    "small_different": "little data: keep the base frozen; different data: only the early, "
                       "generic layers (edges, blobs) still help.",
    "large_similar": "plenty of data, so overfitting is less of a worry: start from the "
                     "pretrained weights and fine-tune everything.",
    "large_different": "plenty of data: fine-tune everything from the pretrained weights, or "
                       "train from scratch if that does not work.",
}


def transfer_quiz(answers):
    """Check the four transfer-learning cases, with the reasoning for a wrong one."""
    outcome, hint = _quiz_difference(answers)
    return finish("transfer_quiz", outcome, hint=hint,
                  passed_text="all four cases answered well")


def _quiz_difference(answers):
    if answers is None:
        print("✗ transfer_quiz: not answered yet (TRANSFER_QUIZ is not defined: write it in the "
              "exercise's cell and run that cell).")
        return "stub", ""
    if not isinstance(answers, dict):
        print(f"✗ transfer_quiz: expected a dict, got {type(answers).__name__}.")
        return "fail", ""
    missing = [case for case in CASES if case not in answers]
    if missing:
        print(f"✗ transfer_quiz: no answer yet for {missing}.")
        return "stub", ""
    for case in CASES:
        answer = str(answers[case]).strip().upper()
        if answer not in "ABCD" or len(answer) != 1:
            print(f"✗ transfer_quiz: {case}: answer with one letter A-D, got {answers[case]!r}.")
            return "fail", ""
        if answer not in _ACCEPTED[case]:
            print(f"✗ transfer_quiz: {case} is not {answer}.")
            return "fail", _WHY[case]
    return "pass", None


def count_trainable_params(function):
    """Compare a learner's count_trainable_params with the reference on three models."""
    import keras

    from course_lib import pretrained, training

    frozen = pretrained.build_small_base()
    frozen.trainable = False
    models = {
        "a Dense model": keras.Sequential([keras.Input((5,)), keras.layers.Dense(3)]),
        "the small base (with BatchNormalization)": pretrained.build_small_base(),
        "a frozen base": frozen,
    }
    generic = ("add up the sizes (np.prod of the shape) of model.trainable_weights "
               "and of model.non_trainable_weights.")
    name = "count_trainable_params"
    for label, model in models.items():
        expected = tuple(remembered(name, f"counts: {label}",
                                    lambda: training.count_trainable_params(model)))
        try:
            got = function(model)
        except NotImplementedError:
            return finish(name, not_written(name))
        except Exception as error:
            print(f"✗ count_trainable_params: on {label} it raised "
                  f"{traceback.format_exception_only(type(error), error)[-1].strip()}")
            return finish(name, "fail", hint=generic, generic_hint=generic)
        try:
            got = tuple(int(value) for value in got)
        except (TypeError, ValueError):
            print(f"✗ count_trainable_params: expected a pair (trainable, non_trainable), "
                  f"got {got!r}.")
            return finish(name, "fail", hint=generic, generic_hint=generic)
        if got != expected:
            print(f"✗ count_trainable_params: on {label} expected (trainable, non_trainable) "
                  f"= {expected}, got {got}.")
            hint = generic
            if got == (model.count_params(), 0):
                hint = ("count_params() counts every weight; a frozen layer's weights and "
                        "BatchNormalization's moving mean/variance are not trainable.")
            return finish(name, "fail", hint=hint, generic_hint=generic)
    return finish(name, "pass", passed_text=f"right on {len(models)} models")


def build_frozen_classifier(function):
    """Check that the base is frozen and the head is Flatten + Dense(num_classes, softmax)."""
    from keras.src.utils.summary_utils import count_params

    from course_lib import pretrained

    name = "build_frozen_classifier"
    generic = ("set base.trainable = False, then stack the base, Flatten and one "
               "Dense(num_classes, activation='softmax').")
    base = pretrained.build_small_base()
    try:
        model = function(base, 5)
    except NotImplementedError:
        return finish(name, not_written(name))
    except Exception as error:
        print("✗ build_frozen_classifier: raised "
              f"{traceback.format_exception_only(type(error), error)[-1].strip()}")
        return finish(name, "fail", hint=generic, generic_hint=generic)
    if base.trainable:
        if hasattr(model, "layers") and not any(layer is base for layer in model.layers):
            print("✗ build_frozen_classifier: the model does not hold the base it was given.")
            return finish(name, "fail", hint="use the `base` argument itself: the model is "
                          "base -> Flatten -> Dense, built on the base the caller passes.",
                          generic_hint=generic)
        print("✗ build_frozen_classifier: the base is still trainable.")
        return finish(name, "fail", hint="set base.trainable = False before compiling.",
                      generic_hint=generic)
    try:
        shape = tuple(model.output_shape[1:])
    except AttributeError:
        print(f"✗ build_frozen_classifier: expected a Keras model, got {type(model).__name__}.")
        return finish(name, "fail", hint="return the model you built.", generic_hint=generic)
    if shape != (5,):
        print(f"✗ build_frozen_classifier: output shape {shape}, expected (5,) for 5 classes.")
        return finish(name, "fail", hint=generic, generic_hint=generic)
    trainable = count_params(model.trainable_weights)  # Keras' own count, not the exercise's
    non_trainable = count_params(model.non_trainable_weights)
    if trainable != 7 * 7 * 64 * 5 + 5:
        print(f"✗ build_frozen_classifier: {trainable:,} trainable parameters, expected "
              f"{7 * 7 * 64 * 5 + 5:,} (Flatten -> Dense(5) on 7x7x64 features).")
        return finish(name, "fail", hint="the head is Flatten then one Dense(num_classes, "
                      "activation='softmax').", generic_hint=generic)
    inner = [layer for layer in model.layers if hasattr(layer, "layers")]
    if len(inner) != 1 or not all(np.array_equal(got, given) for got, given
                                  in zip(inner[0].get_weights(), base.get_weights())):
        print("✗ build_frozen_classifier: the model does not hold the base it was given "
              "(with its weights).")
        return finish(name, "fail", hint="use the `base` argument itself: the model is "
                      "base -> Flatten -> Dense, built on the base the caller passes.",
                      generic_hint=generic)
    from course_lib import keras_contract, training

    probe = remembered(name, "probe", lambda: keras_contract.reference_probe(
        training.build_frozen_classifier(pretrained.build_small_base(), 5)))
    difference = keras_contract.model_difference(model, probe)
    if difference:
        print(f"✗ build_frozen_classifier: {difference}")
        hint = generic
        if "activation" in difference:
            hint = "the last layer is Dense(num_classes, activation='softmax'): probabilities."
        return finish(name, "fail", hint=hint, generic_hint=generic)
    return finish(name, "pass", passed_text=f"base frozen, {trainable:,} trainable and "
                                            f"{non_trainable:,} frozen parameters")
