"""The course's objects as plain data, and rebuilt from it: what crosses besides arrays.

A graded test and the student's kernel exchange only plain data (wire.py). A few
objects of the course are still needed on both sides: a Keras model (lessons 10
and 11), the History that `fit` returns, a course_lib network (lesson 09), a
NumPy random Generator (lesson 07). Each crosses as a description made of plain
data, and the receiving side builds its own object from it:

- a Keras model: its architecture (Keras' JSON), its weights (arrays), and, when
  it was compiled, the optimizer's class, configuration and step count, the loss
  and the metrics. Rebuilt only from Keras' own classes (`KERAS_CLASSES`, modules
  under `keras`): the receiving side never imports a module the other side names,
  never runs a Lambda, and refuses a model over `MAX_LAYERS` layers or
  `MAX_PARAMETERS` weights before building anything;
- a course_lib network: one entry per layer (its class among `NETWORK_CLASSES`,
  its options, params and state);
- a Generator: its bit generator's name (among numpy's) and state.

Both sides import this module: the grader as autograder.inside.objects, the
sandbox as cnn_inside.objects.
"""

import json
import math

import numpy as np

MAX_LAYERS = 200
MAX_PARAMETERS = 20_000_000
MAX_ARCHITECTURE_CHARACTERS = 2_000_000
MAX_INPUT_ELEMENTS = 2**22

# Keras classes a model description may name (layers, models, and what their configs hold).
KERAS_CLASSES = frozenset("""
InputLayer Input Sequential Functional Model Dense Conv2D Conv1D Conv3D SeparableConv2D
DepthwiseConv2D Conv2DTranspose MaxPooling2D MaxPooling1D AveragePooling2D AveragePooling1D
GlobalAveragePooling2D GlobalMaxPooling2D GlobalAveragePooling1D GlobalMaxPooling1D Flatten
Reshape Dropout SpatialDropout2D GaussianNoise BatchNormalization LayerNormalization
GroupNormalization Activation ReLU LeakyReLU Softmax ELU PReLU Rescaling Normalization
RandomFlip RandomRotation RandomZoom RandomTranslation RandomContrast RandomCrop Resizing
CenterCrop ZeroPadding2D Cropping2D Add Concatenate Multiply Average Maximum Subtract
UpSampling2D Permute RepeatVector Identity
GlorotUniform GlorotNormal HeNormal HeUniform LecunNormal LecunUniform Zeros Ones Constant
RandomNormal RandomUniform TruncatedNormal Orthogonal VarianceScaling
L1 L2 L1L2 MaxNorm NonNeg UnitNorm MinMaxNorm
DTypePolicy FloatDTypePolicy
""".split())
OPTIMIZERS = frozenset("SGD Adam AdamW RMSprop Adagrad Adadelta Adamax Nadam Ftrl Lion".split())
# Keras' own losses and metrics a compiled model may name (compile's loss= and metrics=).
LOSSES = frozenset("SparseCategoricalCrossentropy CategoricalCrossentropy BinaryCrossentropy "
                   "MeanSquaredError MeanAbsoluteError Huber KLDivergence Hinge "
                   "CategoricalHinge".split())
METRICS = frozenset("Accuracy SparseCategoricalAccuracy CategoricalAccuracy BinaryAccuracy "
                    "SparseTopKCategoricalAccuracy TopKCategoricalAccuracy "
                    "SparseCategoricalCrossentropy CategoricalCrossentropy AUC Precision "
                    "Recall MeanSquaredError MeanAbsoluteError".split())
SCHEDULES = frozenset("ExponentialDecay PiecewiseConstantDecay PolynomialDecay CosineDecay "
                      "CosineDecayRestarts InverseTimeDecay".split())
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")


class ObjectError(ValueError):
    """A description that is not one of the course's objects, or is over the limits."""


def plain_fields(description):
    """A description's fields as wire data: arrays and containers only, never a reference."""
    from . import wire

    def refuse(value):
        raise ObjectError(f"a {type(value).__name__} inside a course object")

    return {key: wire.encode(item, refuse) for key, item in description.items()}


def fields_of(data):
    """The fields of a tagged description, decoded as plain data (the inverse of plain_fields)."""
    from . import wire

    def refuse(inner):
        raise wire.WireError(f"unexpected {inner.get('__t')!r} inside a course object")

    return {key: wire.decode(item, refuse) if isinstance(item, dict) else item
            for key, item in data.items() if key != "__t"}


# ---------------------------------------------------------------- Keras models


def is_keras_model(value):
    return type(value).__module__.startswith("keras") and hasattr(value, "to_json") \
        and hasattr(value, "get_weights") and hasattr(value, "layers")


def is_history(value):
    return type(value).__name__ == "History" and type(value).__module__.startswith("keras") \
        and isinstance(getattr(value, "history", None), dict)


def describe_model(model):
    """{architecture, weights, compiled?} of a Keras model; weights as arrays."""
    description = {"architecture": model.to_json(),
                   "weights": [np.asarray(weight) for weight in model.get_weights()]}
    optimizer = getattr(model, "optimizer", None)
    if getattr(model, "compiled", False) and optimizer is not None:
        import keras

        config = model.get_compile_config() or {}
        description["compiled"] = {
            "optimizer": json.dumps(keras.optimizers.serialize(optimizer), default=str),
            "iterations": int(np.asarray(optimizer.iterations)),
            "loss": json.dumps(config.get("loss"), default=str),
            "metrics": json.dumps(config.get("metrics"), default=str)}
    return description


def _check_keras_config(node, depth=0):
    """Refuse anything in a Keras configuration but Keras' own, listed classes."""
    if depth > 64:
        raise ObjectError("a model description nested too deeply")
    if isinstance(node, dict):
        module = node.get("module")
        if module is not None and not (isinstance(module, str) and
                                       (module == "keras" or module.startswith("keras."))):
            raise ObjectError(f"a model may hold only Keras' own classes, not {module!r}")
        if "class_name" in node and ("config" in node or "module" in node):
            name = node["class_name"]
            if module is not None and ".optimizers" in module:
                allowed = OPTIMIZERS | SCHEDULES
            else:
                allowed = KERAS_CLASSES | OPTIMIZERS | SCHEDULES
            if name not in allowed and name != "__keras_tensor__":
                raise ObjectError(f"a model may hold only the course's Keras layer types, "
                                  f"not {name!r}")
        if node.get("registered_name") not in (None, node.get("class_name")) and \
                "Custom>" in str(node.get("registered_name")):
            raise ObjectError("a model may not hold custom (registered) objects")
        for value in node.values():
            _check_keras_config(value, depth + 1)
    elif isinstance(node, list):
        for value in node:
            _check_keras_config(value, depth + 1)


def _count_layers(node):
    if isinstance(node, dict):
        own = 1 if "class_name" in node and "config" in node else 0
        return own + sum(_count_layers(value) for value in node.values())
    if isinstance(node, list):
        return sum(_count_layers(value) for value in node)
    return 0


def build_model(description):
    """A Keras model built here from describe_model's description (checked first)."""
    architecture, weights = description.get("architecture"), description.get("weights")
    if not isinstance(architecture, str) or not isinstance(weights, list):
        raise ObjectError("a model description without its architecture and weights")
    if len(architecture) > MAX_ARCHITECTURE_CHARACTERS:
        raise ObjectError(f"a model architecture of {len(architecture):,} characters")
    config = json.loads(architecture)
    if isinstance(config, dict):
        # How the model was compiled crosses in "compiled" (below), checked there;
        # the architecture's copy would make Keras compile from it while building.
        config.pop("compile_config", None)
        architecture = json.dumps(config)
    _check_keras_config(config)
    if _count_layers(config) > MAX_LAYERS:
        raise ObjectError(f"a model of more than {MAX_LAYERS} layers")
    if not all(isinstance(weight, np.ndarray) and weight.dtype.kind in "fiub"
               for weight in weights):
        raise ObjectError("model weights that are not numeric arrays")
    if sum(weight.size for weight in weights) > MAX_PARAMETERS:
        raise ObjectError(f"a model of more than {MAX_PARAMETERS:,} weights")
    _check_sizes(config, weights)
    import keras

    model = keras.models.model_from_json(architecture)  # safe mode: no Lambda code
    if sum(math.prod(weight.shape) for weight in model.weights) > MAX_PARAMETERS:
        raise ObjectError(f"a model of more than {MAX_PARAMETERS:,} weights")
    model.set_weights(weights)
    compiled = description.get("compiled")
    if isinstance(compiled, dict):
        _compile(model, compiled)
    return model


def _compile(model, compiled):
    import keras

    optimizer_config = json.loads(str(compiled.get("optimizer", "null")))
    _check_keras_config(optimizer_config)
    if not (isinstance(optimizer_config, dict)
            and optimizer_config.get("class_name") in OPTIMIZERS):
        raise ObjectError("a model compiled with an optimizer that is not one of Keras'")
    optimizer = keras.optimizers.deserialize(optimizer_config)
    loss, metrics = (json.loads(str(compiled.get(key, "null"))) for key in ("loss", "metrics"))
    model.compile(optimizer=optimizer, loss=_compile_argument(loss, "losses"),
                  metrics=_compile_argument(metrics, "metrics"))
    optimizer.build(model.trainable_variables)
    optimizer.iterations.assign(int(compiled.get("iterations", 0)))


def _compile_argument(value, kind, depth=0):
    """compile's loss= or metrics= rebuilt from its configuration (kind: "losses", "metrics").

    A name stays a name; one of Keras' loss or metric functions (serialized as a
    builtins function) becomes its name, which Keras looks up among its own; an object
    of one of Keras' listed classes (`LOSSES`, `METRICS`) is built from its
    configuration, so that what the student chose (from_logits, a metric's class)
    stays readable in the rebuilt model's get_compile_config(). Anything else is
    refused.
    """
    if value is None or (isinstance(value, str) and len(value) <= 100):
        return value
    if isinstance(value, list) and depth == 0 and len(value) <= 20:
        return [_compile_argument(item, kind, depth + 1) for item in value]
    if isinstance(value, dict):
        name, config = value.get("class_name"), value.get("config")
        if value.get("module") == "builtins" and name == "function" and \
                isinstance(config, str) and len(config) <= 100:
            return config
        allowed = LOSSES if kind == "losses" else METRICS
        if value.get("module") == f"keras.{kind}" and name in allowed and \
                isinstance(config, dict) and all(
                    isinstance(item, (str, int, float, bool)) or item is None
                    for item in config.values()):
            import keras

            module = keras.losses if kind == "losses" else keras.metrics
            return module.deserialize({"module": f"keras.{kind}", "class_name": name,
                                       "config": config, "registered_name": None})
    raise ObjectError(f"a model compiled with a {kind[:-1]} that is not one of Keras' "
                      f"own listed ones: {str(value)[:80]}")


def _check_sizes(config, weights):
    """Refuse an architecture whose layers ask for more than the weights it came with.

    Keras allocates a layer's weights when it builds it, before set_weights could
    notice a mismatch: every `units` and `filters` must be the last dimension of
    one of the weights sent, and every input at most MAX_INPUT_ELEMENTS per example.
    """
    ends = {weight.shape[-1] for weight in weights if weight.ndim}
    for node in _configs(config):
        for key in ("units", "filters"):
            value = node.get(key)
            if value is not None and (not isinstance(value, int) or value not in ends):
                raise ObjectError(f"a layer of {key}={value!r} that none of the weights sent "
                                  "fits")
        shape = node.get("batch_shape") or node.get("batch_input_shape")
        if isinstance(shape, list):
            size = math.prod(item for item in shape[1:] if isinstance(item, int))
            if size > MAX_INPUT_ELEMENTS:
                raise ObjectError(f"an input of {size:,} elements per example")


def _configs(node):
    if isinstance(node, dict):
        if isinstance(node.get("config"), dict):
            yield node["config"]
        for value in node.values():
            yield from _configs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _configs(value)


class History:
    """What keras.callbacks.History holds, rebuilt from plain data: history, params, model."""

    def __init__(self, history, params, model):
        self.history, self.params, self.model = history, params, model
        self.epoch = list(range(len(next(iter(history.values()), []))))

    def __repr__(self):
        return f"History(keys={sorted(self.history)})"


def describe_history(history):
    model = getattr(history, "model", None)
    return {"history": {str(key): [float(value) for value in values]
                        for key, values in history.history.items()},
            "params": {str(key): value for key, value in (history.params or {}).items()
                       if isinstance(value, (int, float, str, bool)) or value is None},
            "model": describe_model(model) if model is not None and is_keras_model(model)
            else None}


def build_history(description):
    history = description.get("history")
    if not isinstance(history, dict) or not all(
            isinstance(values, list) and all(isinstance(value, float) for value in values)
            for values in history.values()):
        raise ObjectError("a History whose history is not lists of numbers")
    model = description.get("model")
    return History(history, dict(description.get("params") or {}),
                   build_model(model) if isinstance(model, dict) else None)


# ---------------------------------------------------------------- course_lib networks


def _network_classes():
    from course_lib import network, planted_bugs

    classes = {cls.__name__: cls for cls in (
        network.Layer, network.Dense, network.Conv2D, network.ReLU, network.MaxPool2D,
        network.Flatten, network.Dropout, network.BatchNormalization,
        planted_bugs.DoublingLayer)}
    return network, classes


def is_network(value):
    from course_lib import network

    return type(value) is network.Sequential


def describe_network(value):
    _, classes = _network_classes()
    layers = []
    for layer in value.layers:
        if classes.get(type(layer).__name__) is not type(layer):
            raise ObjectError(f"a network may hold only course_lib layers, not "
                              f"{type(layer).__name__}")
        attributes = {name: item for name, item in vars(layer).items()
                      if name not in ("cache", "grads", "rng")}
        if isinstance(attributes.get("options"), dict):  # Dropout keeps its rng there too
            attributes["options"] = {key: item for key, item in attributes["options"].items()
                                     if key != "rng"}
        entry = {"class": type(layer).__name__, "keras_name": getattr(layer, "keras_name", None),
                 "attributes": attributes}
        if isinstance(getattr(layer, "rng", None), np.random.Generator):
            entry["rng"] = describe_generator(layer.rng)
        layers.append(entry)
    return {"layers": layers}


def build_network(description):
    network, classes = _network_classes()
    from course_lib.layers.registry import BY_NAME

    entries = description.get("layers")
    if not isinstance(entries, list) or len(entries) > MAX_LAYERS:
        raise ObjectError(f"a network description of at most {MAX_LAYERS} layers expected")
    layers, total = [], 0
    for entry in entries:
        cls = classes.get(str(entry.get("class")))
        keras_name = entry.get("keras_name")
        if cls is None or (keras_name is not None and keras_name not in BY_NAME):
            raise ObjectError(f"a network may hold only course_lib layers, not "
                              f"{entry.get('class')!r}")
        layer = object.__new__(cls)
        attributes = entry.get("attributes")
        if not isinstance(attributes, dict) or not all(
                isinstance(name, str) and name.isidentifier() and not name.startswith("__")
                for name in attributes):
            raise ObjectError("a network layer with attributes that are not plain names")
        layer.__dict__.update(attributes)
        layer.cache, layer.grads = None, {}
        if keras_name != getattr(cls, "keras_name", None):
            layer.keras_name = keras_name
        if "rng" in entry:
            layer.rng = build_generator(entry["rng"])
            if isinstance(getattr(layer, "options", None), dict):
                layer.options["rng"] = layer.rng
        for values in (getattr(layer, "params", {}), getattr(layer, "state", {})):
            if not isinstance(values, dict) or not all(
                    isinstance(item, np.ndarray) and item.dtype.kind == "f"
                    for item in values.values()):
                raise ObjectError("network parameters that are not float arrays")
            total += sum(item.size for item in values.values())
        layers.append(layer)
    if total > MAX_PARAMETERS:
        raise ObjectError(f"a network of more than {MAX_PARAMETERS:,} parameters")
    return network.Sequential(layers)


# ---------------------------------------------------------------- random generators


def describe_generator(generator):
    return {"bit_generator": type(generator.bit_generator).__name__,
            "state": json.dumps(generator.bit_generator.state)}


def build_generator(description):
    name = description.get("bit_generator")
    if name not in BIT_GENERATORS:
        raise ObjectError(f"a random generator of an unknown kind {name!r}")
    bit_generator = getattr(np.random, name)()
    state = json.loads(str(description.get("state", "{}")))
    if not isinstance(state, dict) or state.get("bit_generator") != name:
        raise ObjectError("a random generator's state of another kind")
    bit_generator.state = state
    return np.random.Generator(bit_generator)
