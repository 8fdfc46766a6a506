"""NumPy reference layers of the CNN Foundations course.

Every layer follows the cs231n protocol::

    out, cache = layer_forward(x, ...)
    dx, ... = layer_backward(dout, cache)

Images are NHWC, conv kernels (KH, KW, C, K) as in Keras. The modules, one concept
each: ``dense``, ``activations``, ``by_hand`` (1-D convolution and a single-channel
cross-correlation), ``conv``, ``pooling``, ``dropout``, ``batchnorm``.
"""

from course_lib.layers.activations import (
    elu,
    relu,
    relu_backward,
    relu_forward,
    selu,
    sigmoid,
    softmax,
    softplus,
    tanh,
)
from course_lib.layers.batchnorm import batchnorm_backward, batchnorm_forward
from course_lib.layers.by_hand import conv1d, correlate2d_single
from course_lib.layers.conv import conv2d_backward, conv2d_forward, conv2d_forward_naive
from course_lib.layers.dense import dense_backward, dense_forward
from course_lib.layers.dropout import dropout_backward, dropout_forward
from course_lib.layers.pooling import (
    avg_pool2d_backward,
    avg_pool2d_forward,
    global_avg_pool2d_backward,
    global_avg_pool2d_forward,
    max_pool2d_backward,
    max_pool2d_forward,
)

__all__ = [
    "dense_forward",
    "dense_backward",
    "relu_forward",
    "relu_backward",
    "relu",
    "softplus",
    "elu",
    "selu",
    "sigmoid",
    "tanh",
    "softmax",
    "conv1d",
    "correlate2d_single",
    "conv2d_forward",
    "conv2d_backward",
    "conv2d_forward_naive",
    "max_pool2d_forward",
    "max_pool2d_backward",
    "avg_pool2d_forward",
    "avg_pool2d_backward",
    "global_avg_pool2d_forward",
    "global_avg_pool2d_backward",
    "dropout_forward",
    "dropout_backward",
    "batchnorm_forward",
    "batchnorm_backward",
]
