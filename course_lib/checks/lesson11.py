"""Instant checks for lesson 11 (transfer learning). Keras is imported when a check runs."""

import traceback

from course_lib.checks._core import PASS_NOTE

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
    if not isinstance(answers, dict):
        print(f"✗ transfer_quiz: expected a dict, got {type(answers).__name__}.")
        return False
    missing = [case for case in CASES if case not in answers]
    if missing:
        print(f"✗ transfer_quiz: no answer yet for {missing}.")
        return False
    for case in CASES:
        answer = str(answers[case]).strip().upper()
        if answer not in "ABCD" or len(answer) != 1:
            print(f"✗ transfer_quiz: {case}: answer with one letter A-D, got {answers[case]!r}.")
            return False
        if answer not in _ACCEPTED[case]:
            print(f"✗ transfer_quiz: {case} is not {answer}.")
            print(f"  hint: {_WHY[case]}")
            return False
    print(f"✓ transfer_quiz: all four cases answered well. {PASS_NOTE}")
    return True


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
    for label, model in models.items():
        expected = training.count_trainable_params(model)
        try:
            got = function(model)
        except NotImplementedError:
            print("✗ count_trainable_params: not written yet (the function still raises "
                  "NotImplementedError).")
            return False
        except Exception as error:
            print(f"✗ count_trainable_params: on {label} it raised "
                  f"{traceback.format_exception_only(type(error), error)[-1].strip()}")
            return False
        if tuple(got) != expected:
            print(f"✗ count_trainable_params: on {label} expected (trainable, non_trainable) "
                  f"= {expected}, got {tuple(got)}.")
            if tuple(got) == (model.count_params(), 0):
                print("  hint: count_params() counts every weight; a frozen layer's weights and "
                      "BatchNormalization's moving mean/variance are not trainable.")
            else:
                print("  hint: add up the sizes (np.prod of the shape) of model.trainable_weights "
                      "and of model.non_trainable_weights.")
            return False
    print(f"✓ count_trainable_params: right on {len(models)} models. {PASS_NOTE}")
    return True


def build_frozen_classifier(function):
    """Check that the base is frozen and the head is Flatten + Dense(num_classes, softmax)."""
    from course_lib import pretrained, training

    base = pretrained.build_small_base()
    try:
        model = function(base, 5)
    except NotImplementedError:
        print("✗ build_frozen_classifier: not written yet (the function still raises "
              "NotImplementedError).")
        return False
    except Exception as error:
        print("✗ build_frozen_classifier: raised "
              f"{traceback.format_exception_only(type(error), error)[-1].strip()}")
        return False
    if base.trainable:
        print("✗ build_frozen_classifier: the base is still trainable.")
        print("  hint: set base.trainable = False before compiling.")
        return False
    shape = tuple(model.output_shape[1:])
    if shape != (5,):
        print(f"✗ build_frozen_classifier: output shape {shape}, expected (5,) for 5 classes.")
        return False
    trainable, non_trainable = training.count_trainable_params(model)
    if trainable != 7 * 7 * 64 * 5 + 5:
        print(f"✗ build_frozen_classifier: {trainable:,} trainable parameters, expected "
              f"{7 * 7 * 64 * 5 + 5:,} (Flatten -> Dense(5) on 7x7x64 features).")
        print("  hint: the head is Flatten then one Dense(num_classes, activation='softmax').")
        return False
    print(f"✓ build_frozen_classifier: base frozen, {trainable:,} trainable and "
          f"{non_trainable:,} frozen parameters. {PASS_NOTE}")
    return True
