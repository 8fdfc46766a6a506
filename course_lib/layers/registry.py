"""Every layer of the course, described once.

A ``LayerSpec`` holds what the rest of course_lib needs to know about one Keras
layer: its Keras class name and arguments (with Keras' defaults), its output shape,
parameter count and multiply-adds (lesson 04's ``summary`` and ``layer_macs``), the NumPy forward and backward
passes (``course_lib.layers``), how the tiny NumPy network calls them
(``course_lib.network``) and what the lesson 04 layer builder offers
(``course_lib.widgets.layer_stack``). Everything else is derived from ``LAYERS``:

- ``course_lib.layers`` exports each spec's ``functions``;
- ``course_lib.summary``'s ``LAYER_NAMES``, option check and ``layer_row``;
- ``course_lib.network``'s layers and ``from_keras``;
- the layer builder's ``LAYER_CHOICES`` and ``make_layer``.

Adding a layer: write its forward/backward in a module of course_lib/layers, add
one ``LayerSpec`` below, then its instant check and tests.
"""

import math
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np

from course_lib import shapes
from course_lib.layers import activations, batchnorm, conv, dense, dropout, pooling

REQUIRED = "<required>"  # an option without a default (Keras raises when it is missing)
IMAGES = (3, "(H, W, C)")  # the input an image layer needs, without the batch axis


def he_normal(shape, fan_in, rng):
    """Weights drawn from N(0, 2 / fan_in) (He initialization, good before a ReLU)."""
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)


@dataclass(frozen=True)
class LayerSpec:
    """One layer, as Keras names it and as course_lib computes it.

    - name: the Keras class name, e.g. "Conv2D"
    - options: {Keras argument: default} (REQUIRED when there is none)
    - output_shape(input_shape, options) -> shape, both without the batch axis
    - param_count(input_shape, options) -> int (trainable and not, as count_params())
    - mac_count(input_shape, options) -> int, the multiply-adds of one example's forward pass
      through the layer's weights (Conv2D, Dense; bias additions not counted; 0 for the rest)
    - input_rank: None, or (rank, layout) the input must have, e.g. IMAGES
    - forward, backward: the NumPy passes (out, cache = forward(x, *weights, **arguments))
    - weights: names of forward's weight arguments, in order ("w", "b")
    - arguments(options, training) -> forward's keyword arguments (None: no network layer)
    - init(rng, input_channels, options) -> {name: array} starting weights
    - functions: what course_lib.layers exports for this layer
    - builder(size, window, padding) -> options, for the lesson 04 layer builder (None: not offered)
    """

    name: str
    options: dict
    output_shape: Callable
    param_count: Callable = lambda input_shape, options: 0
    mac_count: Callable = lambda input_shape, options: 0
    input_rank: Optional[tuple] = None
    forward: Optional[Callable] = None
    backward: Optional[Callable] = None
    weights: tuple = ()
    arguments: Optional[Callable] = None
    init: Optional[Callable] = None
    functions: tuple = ()
    builder: Optional[Callable] = None

    def complete(self, options):
        """options with Keras' defaults filled in; ValueError if a required one is missing."""
        missing = sorted(name for name, default in self.options.items()
                         if default == REQUIRED and name not in options)
        if missing:
            raise ValueError(f"{self.name} needs the option(s) {missing}, got {options!r}")
        return {**self.options, **options}


def _conv_init(rng, input_channels, options):
    kernel_size, filters = options["kernel_size"], options["filters"]
    fan_in = kernel_size * kernel_size * input_channels
    return {"w": he_normal((kernel_size, kernel_size, input_channels, filters), fan_in, rng),
            "b": np.zeros(filters)}


def _dense_init(rng, input_channels, options):
    return {"w": he_normal((input_channels, options["units"]), input_channels, rng),
            "b": np.zeros(options["units"])}


def _conv_macs(shape, options):
    """H_out * W_out * K output values, each KH * KW * C_in multiply-adds (the bias: an add)."""
    out_h, out_w, filters = shapes.conv_output_shape(
        shape, options["filters"], options["kernel_size"], options["strides"], options["padding"])
    kernel = options["kernel_size"]
    kernel_h, kernel_w = (kernel, kernel) if isinstance(kernel, int) else kernel
    return out_h * out_w * filters * kernel_h * kernel_w * shape[-1]


def _dense_macs(shape, options):
    """units outputs per position of the leading axes, each n_in multiply-adds."""
    return math.prod(shape) * options["units"]


def _pool_arguments(options, training):
    return {"pool_size": options["pool_size"], "stride": options["strides"],
            "padding": options["padding"]}


def _pooling(name, forward, backward, builder):
    return LayerSpec(
        name, {"pool_size": 2, "strides": None, "padding": "valid"},
        output_shape=lambda shape, o: shapes.pool_output_shape(shape, o["pool_size"],
                                                               o["strides"], o["padding"]),
        input_rank=IMAGES, forward=forward, backward=backward, arguments=_pool_arguments,
        functions=(forward, backward), builder=builder)


def _channels(shape, options):
    return (shape[-1],)


def _same_shape(shape, options):
    return tuple(shape)


def _window_builder(size, window, padding):
    return {"pool_size": int(window), "padding": padding}


LAYERS = (
    LayerSpec(
        "Conv2D",
        {"filters": REQUIRED, "kernel_size": REQUIRED, "strides": 1, "padding": "valid",
         "activation": None},
        output_shape=lambda shape, o: shapes.conv_output_shape(
            shape, o["filters"], o["kernel_size"], o["strides"], o["padding"]),
        param_count=lambda shape, o: shapes.conv_params(o["filters"], o["kernel_size"],
                                                        shape[-1]),
        mac_count=_conv_macs,
        input_rank=IMAGES, forward=conv.conv2d_forward, backward=conv.conv2d_backward,
        weights=("w", "b"),
        arguments=lambda o, training: {"stride": o["strides"], "padding": o["padding"]},
        init=_conv_init,
        functions=(conv.conv2d_forward, conv.conv2d_backward, conv.conv2d_forward_naive),
        builder=lambda size, window, padding: {"filters": int(size), "kernel_size": int(window),
                                               "padding": padding}),
    _pooling("MaxPooling2D", pooling.max_pool2d_forward, pooling.max_pool2d_backward,
             _window_builder),
    _pooling("AveragePooling2D", pooling.avg_pool2d_forward, pooling.avg_pool2d_backward,
             _window_builder),
    LayerSpec(
        "GlobalAveragePooling2D", {}, output_shape=_channels, input_rank=IMAGES,
        forward=pooling.global_avg_pool2d_forward, backward=pooling.global_avg_pool2d_backward,
        arguments=lambda o, training: {},
        functions=(pooling.global_avg_pool2d_forward, pooling.global_avg_pool2d_backward),
        builder=lambda size, window, padding: {}),
    LayerSpec("GlobalMaxPooling2D", {}, output_shape=_channels, input_rank=IMAGES),
    LayerSpec("Flatten", {}, output_shape=lambda shape, o: (math.prod(shape),),
              builder=lambda size, window, padding: {}),
    LayerSpec(
        "Dense", {"units": REQUIRED, "activation": None},
        output_shape=lambda shape, o: tuple(shape[:-1]) + (o["units"],),
        param_count=lambda shape, o: shapes.dense_params(shape[-1], o["units"]),
        mac_count=_dense_macs,
        forward=dense.dense_forward, backward=dense.dense_backward, weights=("w", "b"),
        arguments=lambda o, training: {}, init=_dense_init,
        functions=(dense.dense_forward, dense.dense_backward),
        builder=lambda size, window, padding: {"units": int(size)}),
    LayerSpec(
        "Dropout", {"rate": REQUIRED}, output_shape=_same_shape,
        forward=dropout.dropout_forward, backward=dropout.dropout_backward,
        arguments=lambda o, training: {"rate": o["rate"], "training": training, "rng": o["rng"]},
        functions=(dropout.dropout_forward, dropout.dropout_backward),
        builder=lambda size, window, padding: {"rate": 0.5}),
    LayerSpec(
        "Activation", {"activation": None}, output_shape=_same_shape,
        forward=activations.relu_forward, backward=activations.relu_backward,
        arguments=lambda o, training: {},  # the NumPy network knows "relu" only
        functions=(activations.relu_forward, activations.relu_backward, activations.relu,
                   activations.softplus, activations.elu, activations.selu,
                   activations.sigmoid, activations.tanh, activations.softmax)),
    LayerSpec(
        "BatchNormalization", {}, output_shape=_same_shape,
        param_count=lambda shape, o: 4 * shape[-1],  # gamma, beta, moving mean and variance
        forward=batchnorm.batchnorm_forward, backward=batchnorm.batchnorm_backward,
        weights=("gamma", "beta"),
        functions=(batchnorm.batchnorm_forward, batchnorm.batchnorm_backward),
        builder=lambda size, window, padding: {}),
)

BY_NAME = {spec.name: spec for spec in LAYERS}
LAYER_NAMES = tuple(BY_NAME)


def spec_for(name, caller):
    """The LayerSpec called `name`; ValueError naming the known ones otherwise."""
    if name not in BY_NAME:
        raise ValueError(f"{caller}: unknown layer name {name!r}; expected one of "
                         f"{', '.join(LAYER_NAMES)}")
    return BY_NAME[name]
