"""Instant checks: run `checks.<exercise>(your_function)` right after writing it.

Each check tries your function on many cases against the course_lib reference
and prints either a pass or the first failing case with the input, the
expected answer, your answer and a hint. It never raises and returns True or
False. The graded tests try more cases than the checks do.
"""

import functools

from course_lib.checks import _core
from course_lib.checks.lesson00 import count_values
from course_lib.checks.lesson01 import dense_forward, mlp_param_count, relu_forward, softmax
from course_lib.checks.lesson02 import conv1d, conv2d_forward, correlate2d_single
from course_lib.checks.lesson03 import conv_output_shape, conv_output_size, pool_output_shape
from course_lib.checks.lesson04 import conv_params, summary
from course_lib.checks.lesson05 import (avg_pool2d_forward, global_avg_pool2d_forward,
                                        max_pool2d_backward, max_pool2d_forward)
from course_lib.checks.lesson06 import conv2d_backward, numerical_gradient, relative_error
from course_lib.checks.lesson07 import dropout_backward, dropout_forward, l2_grad, l2_penalty
from course_lib.checks.lesson09 import adam_step, sgd_step, softmax_cross_entropy
from course_lib.checks.lesson08 import batchnorm_backward, batchnorm_forward
from course_lib.checks.lesson10 import build_cifar10_cnn, build_mnist_mlp, compile_and_train
from course_lib.checks.lesson11 import build_frozen_classifier, count_trainable_params, transfer_quiz

__all__ = ["count_values", "dense_forward", "relu_forward", "softmax", "mlp_param_count",
           "conv1d", "correlate2d_single", "conv2d_forward", "conv_output_size",
           "conv_output_shape", "pool_output_shape",
           "conv_params", "summary", "max_pool2d_forward", "max_pool2d_backward",
           "avg_pool2d_forward", "global_avg_pool2d_forward"]
__all__ += ["conv2d_backward", "numerical_gradient", "relative_error"]
__all__ += ["dropout_forward", "dropout_backward", "l2_penalty", "l2_grad"]
__all__ += ["sgd_step", "adam_step", "softmax_cross_entropy"]
__all__ += ["batchnorm_forward", "batchnorm_backward"]
__all__ += ["build_mnist_mlp", "build_cifar10_cnn", "compile_and_train",
            "count_trainable_params", "build_frozen_classifier", "transfer_quiz"]


def _recording_lesson(check):
    """Wrap a check so that its results are recorded under its lesson (e.g. '01')."""
    lesson = check.__module__.rsplit(".lesson", 1)[-1]

    @functools.wraps(check)
    def recorded(*functions):
        token = _core.CURRENT_LESSON.set(lesson)
        try:
            return check(*functions)
        finally:
            _core.CURRENT_LESSON.reset(token)

    return recorded


for _name in __all__:
    globals()[_name] = _recording_lesson(globals()[_name])
