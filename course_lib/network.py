"""A tiny NumPy "Sequential": course_lib layers in a list, run forward and backward.

Each layer is a small object with
- ``forward(x, training)`` -> out, remembering its cache;
- ``backward(dout)`` -> dx, filling ``grads`` with the same keys as ``params``;
- ``params`` and ``grads``: dicts of arrays ("w" for weights/kernels, "b" for biases).

The layers are the registry's (``course_lib.layers.registry``): a layer names its
Keras class, and the registry says which course_lib forward and backward to call
with which arguments, so this file is only bookkeeping::

    network = Sequential([Conv2D(1, 8, 3, rng=rng), ReLU(), MaxPool2D(2), Flatten(),
                          Dense(128, 10, rng=rng)])

``Sequential.parameters()`` gives the optimizer one ``Parameter`` object per weight
array (its value, its gradient, whether it is a kernel), as micrograd's
``parameters()`` does; ``get_weights`` / ``set_weights`` serve early stopping.

Introduced in lesson 07 (MLPs) and lesson 09 (the CNN capstone).
"""

import numpy as np

from course_lib.layers.registry import BY_NAME, he_normal, spec_for  # noqa: F401 (he_normal)


class Layer:
    """Base class: a layer that runs the registry entry `keras_name` (None: identity)."""

    keras_name = None

    def __init__(self, **options):
        self.params = {}
        self.grads = {}
        self.cache = None
        self.options = options

    def forward(self, x, training=False):
        if self.keras_name is None:
            return x
        spec = BY_NAME[self.keras_name]
        arguments = spec.arguments(spec.complete(self.options), training)
        out, self.cache = spec.forward(x, *self.params.values(), **arguments)
        return out

    def backward(self, dout):
        if self.keras_name is None:
            return dout
        gradients = BY_NAME[self.keras_name].backward(dout, self.cache)
        if not self.params:
            return gradients
        dx, *weight_gradients = gradients
        self.grads.update(zip(self.params, weight_gradients))
        return dx

    def __repr__(self):
        shapes = ", ".join(f"{name} {value.shape}" for name, value in self.params.items())
        return f"{type(self).__name__}({shapes})"


def from_keras(name, input_channels=None, rng=None, **options):
    """A network layer for the Keras layer `name`, with Keras' options.

    Inputs:
    - name: a Keras class name the registry runs in NumPy, e.g. "AveragePooling2D"
    - input_channels, rng: for layers with weights, the size of the input's last axis
      and the generator that draws the starting weights
    - options: Keras arguments, e.g. pool_size=3

    Returns a Layer.
    """
    spec = spec_for(name, "from_keras")
    if spec.arguments is None:
        raise ValueError(f"from_keras: {name} has no NumPy forward pass in course_lib")
    layer = Layer(**options)
    layer.keras_name = name
    if spec.init is not None:
        if input_channels is None or rng is None:
            raise ValueError(f"from_keras: {name} has weights; give input_channels and rng")
        layer.params = spec.init(rng, input_channels, spec.complete(options))
    return layer


class Dense(Layer):
    """keras.layers.Dense(units) without activation: x (N, D) -> x @ w + b (N, units)."""

    keras_name = "Dense"

    def __init__(self, in_features, units, rng):
        super().__init__(units=units)
        self.params = BY_NAME["Dense"].init(rng, in_features, self.options)


class Conv2D(Layer):
    """keras.layers.Conv2D(filters, kernel_size, padding=...) on NHWC images."""

    keras_name = "Conv2D"

    def __init__(self, in_channels, filters, kernel_size, rng, padding="same", stride=1):
        super().__init__(filters=filters, kernel_size=kernel_size, strides=stride,
                         padding=padding)
        self.params = BY_NAME["Conv2D"].init(rng, in_channels, self.options)
        self.padding, self.stride = padding, stride


class ReLU(Layer):
    """max(0, x), element by element."""

    keras_name = "Activation"

    def __init__(self):
        super().__init__(activation="relu")


class MaxPool2D(Layer):
    """keras.layers.MaxPooling2D(pool_size): the maximum of each window."""

    keras_name = "MaxPooling2D"

    def __init__(self, pool_size=2):
        super().__init__(pool_size=pool_size)
        self.pool_size = pool_size


class Flatten(Layer):
    """(N, H, W, C) -> (N, H * W * C)."""

    def forward(self, x, training=False):
        self.cache = x.shape
        return x.reshape(len(x), -1)

    def backward(self, dout):
        return dout.reshape(self.cache)


class Dropout(Layer):
    """keras.layers.Dropout(rate): inverted dropout in training, identity at inference."""

    keras_name = "Dropout"

    def __init__(self, rate, seed=0):
        self.rng = np.random.default_rng(seed)
        super().__init__(rate=rate, rng=self.rng)
        self.rate = rate

    def __repr__(self):
        return f"Dropout(rate={self.rate})"


class Parameter:
    """One weight array of a network, as the optimizer sees it.

    - key: "<layer index>.<name>", e.g. "0.w"
    - value: the array (assigning checks the shape and stores it in the layer)
    - grad: its gradient from the last backward(), or None (assignable)
    - is_kernel: True for kernels ("w"), the weights L2 regularization applies to
    """

    def __init__(self, layer, name, key):
        self.layer, self.name, self.key = layer, name, key
        self.is_kernel = name == "w"

    @property
    def value(self):
        return self.layer.params[self.name]

    @value.setter
    def value(self, new_value):
        self.assign(new_value, "Parameter.value")

    def assign(self, new_value, caller):
        if np.shape(new_value) != self.value.shape:
            raise ValueError(f"{caller}: {self.key} has shape {self.value.shape}, "
                             f"got {np.shape(new_value)}")
        self.layer.params[self.name] = np.asarray(new_value)

    @property
    def grad(self):
        return self.layer.grads.get(self.name)

    @grad.setter
    def grad(self, gradient):
        self.layer.grads[self.name] = gradient

    def __repr__(self):
        return f"Parameter({self.key}, shape {self.value.shape})"


class Sequential:
    """A stack of layers applied one after the other.

    Introduced in lesson 07.
    """

    def __init__(self, stack):
        self.layers = list(stack)
        for index, layer in enumerate(self.layers):
            if not isinstance(layer, Layer):
                kinds = ", ".join(kind.__name__ for kind in Layer.__subclasses__())
                raise ValueError(f"Sequential: item {index} is {layer!r}, not a course_lib "
                                 f"network layer ({kinds})")
        self._parameters = [Parameter(layer, name, f"{index}.{name}")
                            for index, layer in enumerate(self.layers) for name in layer.params]

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

    def parameters(self):
        """The network's Parameter objects, layer by layer (the same objects every call)."""
        return list(self._parameters)

    def parameters_and_gradients(self):
        """A list of (key, parameter, gradient), key like "0.w" (layer index, name)."""
        return [(p.key, p.value, p.grad) for p in self._parameters]

    def set_parameter(self, key, value):
        """Replace the parameter called `key` (as in parameters_and_gradients) by `value`."""
        matches = [p for p in self._parameters if p.key == key]
        if not matches:
            raise ValueError(f"set_parameter: no parameter {key!r}; the network has "
                             f"{[p.key for p in self._parameters]}")
        matches[0].assign(value, "set_parameter")

    def get_weights(self):
        """Copies of all parameters, in order (like keras.Model.get_weights)."""
        return [p.value.copy() for p in self._parameters]

    def set_weights(self, weights):
        """Put back parameters returned by get_weights."""
        for parameter, value in zip(self._parameters, weights, strict=True):
            parameter.assign(value.copy(), "set_weights")

    def count_params(self):
        """The number of parameters (weights and biases)."""
        return int(sum(p.value.size for p in self._parameters))

    def __repr__(self):
        body = "\n".join(f"  {layer!r}," for layer in self.layers)
        return f"Sequential([\n{body}\n])  # {self.count_params():,} parameters"


class BatchNormalization(Layer):
    """keras.layers.BatchNormalization() over the last axis (momentum 0.99, epsilon 1e-3).

    gamma and beta are its params (trained); the moving mean and variance live in
    `state` and are updated in place at each training forward pass, used at inference.
    get_weights/set_weights carry gamma and beta only.

    Introduced in lesson 08.
    """

    keras_name = "BatchNormalization"

    def __init__(self, channels, momentum=0.99, epsilon=1e-3):
        super().__init__(momentum=momentum, epsilon=epsilon)
        self.params = {"gamma": np.ones(channels), "beta": np.zeros(channels)}
        self.state = {"moving_mean": np.zeros(channels), "moving_variance": np.ones(channels)}
        self.momentum, self.epsilon = momentum, epsilon

    def forward(self, x, training=False):
        from course_lib.layers.batchnorm import batchnorm_forward

        out, self.cache = batchnorm_forward(x, self.params["gamma"], self.params["beta"],
                                            self.state, training, momentum=self.momentum,
                                            epsilon=self.epsilon)
        return out

    def backward(self, dout):
        from course_lib.layers.batchnorm import batchnorm_backward

        dx, dgamma, dbeta = batchnorm_backward(dout, self.cache)
        self.grads.update(gamma=dgamma, beta=dbeta)
        return dx
