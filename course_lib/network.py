"""A tiny NumPy "Sequential": course_lib layers in a list, run forward and backward.

Each layer is a small object with
- ``forward(x, training)`` -> out, remembering its cache;
- ``backward(dout)`` -> dx, filling ``grads`` with the same keys as ``params``;
- ``params`` and ``grads``: dicts of arrays ("w" for weights/kernels, "b" for biases).

``Sequential`` chains them and gives the optimizer one flat view of the parameters,
``parameters_and_gradients()``, plus ``get_weights`` / ``set_weights`` (for early
stopping) and ``predict``. The layers call the course_lib references, so this file
is only bookkeeping::

    network = Sequential([Conv2D(1, 8, 3, rng=rng), ReLU(), MaxPool2D(2), Flatten(),
                          Dense(128, 10, rng=rng)])

Introduced in lesson 07 (MLPs) and lesson 09 (the CNN capstone).
"""

import numpy as np

from course_lib import layers


class Layer:
    """Base class: a layer without parameters that passes x through."""

    def __init__(self):
        self.params = {}
        self.grads = {}
        self.cache = None

    def forward(self, x, training=False):
        return x

    def backward(self, dout):
        return dout

    def __repr__(self):
        shapes = ", ".join(f"{name} {value.shape}" for name, value in self.params.items())
        return f"{type(self).__name__}({shapes})"


def he_normal(shape, fan_in, rng):
    """Weights drawn from N(0, 2 / fan_in) (He initialization, good before a ReLU)."""
    return rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)


class Dense(Layer):
    """keras.layers.Dense(units) without activation: x (N, D) -> x @ w + b (N, units)."""

    def __init__(self, in_features, units, rng):
        super().__init__()
        self.params = {"w": he_normal((in_features, units), in_features, rng),
                       "b": np.zeros(units)}

    def forward(self, x, training=False):
        out, self.cache = layers.dense_forward(x, self.params["w"], self.params["b"])
        return out

    def backward(self, dout):
        dx, self.grads["w"], self.grads["b"] = layers.dense_backward(dout, self.cache)
        return dx


class Conv2D(Layer):
    """keras.layers.Conv2D(filters, kernel_size, padding=...) on NHWC images."""

    def __init__(self, in_channels, filters, kernel_size, rng, padding="same", stride=1):
        super().__init__()
        fan_in = kernel_size * kernel_size * in_channels
        self.params = {"w": he_normal((kernel_size, kernel_size, in_channels, filters), fan_in,
                                      rng),
                       "b": np.zeros(filters)}
        self.padding, self.stride = padding, stride

    def forward(self, x, training=False):
        out, self.cache = layers.conv2d_forward(x, self.params["w"], self.params["b"],
                                                self.stride, self.padding)
        return out

    def backward(self, dout):
        dx, self.grads["w"], self.grads["b"] = layers.conv2d_backward(dout, self.cache)
        return dx


class ReLU(Layer):
    """max(0, x), element by element."""

    def forward(self, x, training=False):
        out, self.cache = layers.relu_forward(x)
        return out

    def backward(self, dout):
        return layers.relu_backward(dout, self.cache)


class MaxPool2D(Layer):
    """keras.layers.MaxPooling2D(pool_size): the maximum of each window."""

    def __init__(self, pool_size=2):
        super().__init__()
        self.pool_size = pool_size

    def forward(self, x, training=False):
        out, self.cache = layers.max_pool2d_forward(x, self.pool_size)
        return out

    def backward(self, dout):
        return layers.max_pool2d_backward(dout, self.cache)


class Flatten(Layer):
    """(N, H, W, C) -> (N, H * W * C)."""

    def forward(self, x, training=False):
        self.cache = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dout):
        return dout.reshape(self.cache)


class Dropout(Layer):
    """keras.layers.Dropout(rate): inverted dropout in training, identity at inference."""

    def __init__(self, rate, seed=0):
        super().__init__()
        self.rate = rate
        self.rng = np.random.default_rng(seed)

    def forward(self, x, training=False):
        out, self.cache = layers.dropout_forward(x, self.rate, training, self.rng)
        return out

    def backward(self, dout):
        return layers.dropout_backward(dout, self.cache)

    def __repr__(self):
        return f"Dropout(rate={self.rate})"


class Sequential:
    """A stack of layers applied one after the other.

    Introduced in lesson 07.
    """

    def __init__(self, stack):
        self.layers = list(stack)
        for index, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                raise ValueError(f"Sequential: item {index} is {layer!r}, not a course_lib "
                                 "network layer (Dense, Conv2D, ReLU, MaxPool2D, Flatten, Dropout)")

    def forward(self, x, training=False):
        """Logits for a batch x; training=True turns dropout on."""
        for layer in self.layers:
            x = layer.forward(x, training)
        return x

    def backward(self, dout):
        """Backpropagate dout (the gradient of the loss w.r.t. the logits); fills grads."""
        for layer in reversed(self.layers):
            dout = layer.backward(dout)
        return dout

    def predict(self, x, batch_size=512):
        """Logits for x at inference (no dropout), computed batch_size examples at a time."""
        return np.concatenate([self.forward(x[start:start + batch_size], training=False)
                               for start in range(0, len(x), batch_size)])

    def parameters_and_gradients(self):
        """A list of (key, parameter, gradient), key like "0.w" (layer index, name)."""
        return [(f"{index}.{name}", value, layer.grads.get(name))
                for index, layer in enumerate(self.layers)
                for name, value in layer.params.items()]

    def set_parameter(self, key, value):
        """Replace the parameter called `key` (as in parameters_and_gradients) by `value`."""
        index, name = key.split(".")
        layer = self.layers[int(index)]
        if np.shape(value) != layer.params[name].shape:
            raise ValueError(f"set_parameter: {key} has shape {layer.params[name].shape}, "
                             f"got {np.shape(value)}")
        layer.params[name] = np.asarray(value)

    def get_weights(self):
        """Copies of all parameters, in order (like keras.Model.get_weights)."""
        return [value.copy() for _, value, _ in self.parameters_and_gradients()]

    def set_weights(self, weights):
        """Put back parameters returned by get_weights."""
        for (key, _, _), value in zip(self.parameters_and_gradients(), weights, strict=True):
            self.set_parameter(key, value.copy())

    def count_params(self):
        """The number of parameters (weights and biases)."""
        return int(sum(value.size for _, value, _ in self.parameters_and_gradients()))

    def __repr__(self):
        body = "\n".join(f"  {layer!r}," for layer in self.layers)
        return f"Sequential([\n{body}\n])  # {self.count_params():,} parameters"
