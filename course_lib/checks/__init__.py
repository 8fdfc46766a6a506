"""Instant checks: run `checks.<exercise>(your_function)` right after writing it.

Each check tries your function on many cases against the course_lib reference
and prints either a pass or the first failing case with the input, the
expected answer, your answer and a hint. It never raises and returns True or
False. The graded tests try more cases than the checks do.

`yours_or_reference(your_function)` is for the demos and figures below an
exercise: it gives back your function when it passes its check, and otherwise
the course's reference with a one-line note, so an unfinished or wrong answer
never breaks or silently spoils a later figure.

While a lesson is graded, its references are not in the grader's copy of
course_lib (course_lib/_unavailable.py): its checks then say so in one line and
return False, and `yours_or_reference` gives back your function. A student copy
of a course graded for credit has no graded reference either: there the checks
compare with answers stored from the references (_expected.py), and
`yours_or_reference` says in one line that a cell needs your function.

Importing this package in a notebook also installs `course_lib.notebook`'s
short message for an exercise that is not written yet.
"""

import contextlib
import functools
import importlib
import io

from course_lib import _unavailable
from course_lib.checks import _core, _expected
from course_lib.checks.lesson00 import count_values
from course_lib.checks.lesson01 import dense_forward, mlp_param_count, relu_forward, softmax
from course_lib.checks.lesson02 import conv1d, conv2d_forward, correlate2d_single
from course_lib.checks.lesson03 import conv_output_shape, conv_output_size, pool_output_shape
from course_lib.checks.lesson04 import conv_params, layer_macs, summary
from course_lib.checks.lesson05 import (avg_pool2d_forward, global_avg_pool2d_forward,
                                        max_pool2d_backward, max_pool2d_forward)
from course_lib.checks.lesson06 import (conv2d_backward, dense_backward, mlp_loss_and_gradients,
                                        numerical_gradient, relative_error, relu_backward)
from course_lib.checks.lesson07 import dropout_backward, dropout_forward, l2_grad, l2_penalty
from course_lib.checks.lesson09 import (adam_step, adamw_step, cosine_decay, sgd_step,
                                        softmax_cross_entropy)
from course_lib.checks.lesson08 import batchnorm_backward, batchnorm_forward
from course_lib.checks.lesson08 import groupnorm_forward, initializer_stddev, layernorm_forward
from course_lib.checks.lesson10 import build_cifar10_cnn, build_mnist_mlp, compile_and_train
from course_lib.checks.lesson11 import build_frozen_classifier, count_trainable_params, transfer_quiz

__all__ = ["count_values", "dense_forward", "relu_forward", "softmax", "mlp_param_count",
           "conv1d", "correlate2d_single", "conv2d_forward", "conv_output_size",
           "conv_output_shape", "pool_output_shape",
           "conv_params", "summary", "layer_macs", "max_pool2d_forward", "max_pool2d_backward",
           "avg_pool2d_forward", "global_avg_pool2d_forward"]
__all__ += ["conv2d_backward", "numerical_gradient", "relative_error", "dense_backward",
            "relu_backward", "mlp_loss_and_gradients"]
__all__ += ["dropout_forward", "dropout_backward", "l2_penalty", "l2_grad"]
__all__ += ["sgd_step", "adam_step", "softmax_cross_entropy", "cosine_decay", "adamw_step"]
__all__ += ["batchnorm_forward", "batchnorm_backward"]
__all__ += ["layernorm_forward", "groupnorm_forward", "initializer_stddev"]
__all__ += ["build_mnist_mlp", "build_cifar10_cnn", "compile_and_train",
            "count_trainable_params", "build_frozen_classifier", "transfer_quiz"]


# Where each exercise's reference lives in course_lib (module, name).
REFERENCES = {
    "dense_forward": "course_lib.layers", "relu_forward": "course_lib.layers",
    "softmax": "course_lib.layers", "mlp_param_count": "course_lib.shapes",
    "conv1d": "course_lib.layers", "correlate2d_single": "course_lib.layers",
    "conv2d_forward": "course_lib.layers", "conv_output_size": "course_lib.shapes",
    "conv_output_shape": "course_lib.shapes", "pool_output_shape": "course_lib.shapes",
    "conv_params": "course_lib.shapes", "summary": "course_lib.summary",
    "layer_macs": "course_lib.summary",
    "max_pool2d_forward": "course_lib.layers", "max_pool2d_backward": "course_lib.layers",
    "avg_pool2d_forward": "course_lib.layers", "global_avg_pool2d_forward": "course_lib.layers",
    "conv2d_backward": "course_lib.layers", "numerical_gradient": "course_lib.gradcheck",
    "relative_error": "course_lib.gradcheck", "dense_backward": "course_lib.layers",
    "relu_backward": "course_lib.layers", "mlp_loss_and_gradients": "course_lib.gradcheck",
    "dropout_forward": "course_lib.layers",
    "dropout_backward": "course_lib.layers", "l2_penalty": "course_lib.regularization",
    "l2_grad": "course_lib.regularization", "sgd_step": "course_lib.optim",
    "adam_step": "course_lib.optim", "softmax_cross_entropy": "course_lib.losses",
    "cosine_decay": "course_lib.schedules", "adamw_step": "course_lib.optim",
    "batchnorm_forward": "course_lib.layers", "batchnorm_backward": "course_lib.layers",
    "layernorm_forward": "course_lib.layers", "groupnorm_forward": "course_lib.layers",
    "initializer_stddev": "course_lib.layers",
    "build_mnist_mlp": "course_lib.keras_models", "build_cifar10_cnn": "course_lib.keras_models",
    "compile_and_train": "course_lib.keras_models",
    "count_trainable_params": "course_lib.keras_models",
    "build_frozen_classifier": "course_lib.keras_models",
}

# The last result of each check in this session: {exercise: (the function checked, passed)}.
RESULTS = {}


def _recording_lesson(check):
    """Wrap a check so that its results are recorded under its lesson (e.g. '01')."""
    lesson = check.__module__.rsplit(".lesson", 1)[-1]

    @functools.wraps(check)
    def recorded(*functions):
        if not available(check.__name__):
            print(f"checks.{check.__name__}: {_unavailable.message(check.__name__)}; this "
                  "check runs in your own notebook, not while grading.")
            return False
        token = _core.CURRENT_LESSON.set(lesson)
        try:
            passed = bool(check(*functions))
        except _unavailable.NotAvailableWhileGrading as error:
            print(f"checks.{check.__name__}: {error}")
            return False
        finally:
            _core.CURRENT_LESSON.reset(token)
        if functions:
            RESULTS[check.__name__] = (functions[0], passed)
        return passed

    return recorded


for _name in __all__:
    globals()[_name] = _recording_lesson(globals()[_name])


def reference(name):
    """The course_lib reference of exercise `name` (e.g. 'conv2d_forward')."""
    return getattr(importlib.import_module(REFERENCES[name]), name)


def available(name):
    """False while grading the lesson whose exercise `name` is: its reference is not there
    (nor, as in a graded student copy, the answers stored from it)."""
    return (name not in REFERENCES or name in _expected.stored_checks()
            or not _unavailable.is_placeholder(reference(name)))


def passes(function, name=None):
    """True when `function` passes the instant check of exercise `name` (its __name__).

    Reuses the last result of that check for the same function object; otherwise
    runs the check silently, without recording it as an attempt.
    """
    name = name or getattr(function, "__name__", "")
    last = RESULTS.get(name)
    if last is not None and last[0] is function:
        return last[1]
    if name not in REFERENCES or name not in globals():
        return False
    token = _core.QUIET.set(True)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            return globals()[name](function)
    except Exception:
        return False
    finally:
        _core.QUIET.reset(token)


def yours_or_reference(function, name=None):
    """`function` when it passes its instant check, else the course's reference (with a note).

    For the demos and figures that use an exercise: while yours is unfinished or
    fails its check, they run on the course's reference and say so in one line.

    Introduced in lesson 00.
    """
    name = name or getattr(function, "__name__", "")
    if not available(name):
        print(f"(The course's {name} is not available while grading: this cell uses yours.)")
        return function
    if function is not None and passes(function, name):
        return function
    if _unavailable.is_placeholder(reference(name)):  # a graded student copy
        print(f"(Your {name} is not written yet or does not pass its check, and this copy of "
              f"the course has no {name} of its own: this cell needs yours.)")
        return function
    module = REFERENCES[name].rsplit(".", 1)[-1]
    print(f"(Your {name} is not written yet or does not pass its check, so this cell uses "
          f"the course's {module}.{name}.)")
    return reference(name)


try:
    from course_lib import notebook as _notebook

    _notebook.install()
except Exception:  # outside IPython, or an IPython without custom handlers
    pass
