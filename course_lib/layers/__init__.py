"""NumPy reference layers of the CNN Foundations course.

Every layer follows the cs231n protocol::

    out, cache = layer_forward(x, ...)
    dx, ... = layer_backward(dout, cache)

(lesson 08's layer and group normalization are forward passes only and return out.)
Images are NHWC, conv kernels (KH, KW, C, K) as in Keras. The modules, one concept
each: ``dense``, ``activations``, ``by_hand`` (1-D convolution and a single-channel
cross-correlation), ``conv``, ``pooling``, ``dropout``, ``batchnorm``,
``normalization`` (layer and group normalization) and ``initializers`` (Keras' fans and
initializer scales); ``windows`` holds the sliding-window geometry conv and pooling share,
and ``registry`` describes each Keras layer once.
The functions exported here are those the registry lists for each layer, plus the
by-hand convolutions of lesson 02 and the normalizations and initializers of lesson 08.
"""

from course_lib.layers.by_hand import conv1d, correlate2d_single
from course_lib.layers.initializers import fans, initializer_stddev
from course_lib.layers.normalization import groupnorm_forward, layernorm_forward
from course_lib.layers.registry import LAYERS

_EXPORTED = (conv1d, correlate2d_single, layernorm_forward, groupnorm_forward, fans,
             initializer_stddev,
             *(function for spec in LAYERS for function in spec.functions))
globals().update({function.__name__: function for function in _EXPORTED})
__all__ = [function.__name__ for function in _EXPORTED]
