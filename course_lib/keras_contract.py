"""Whole-contract checks for the Keras exercises, shared by lessons 10 and 11's hidden tests
and instant checks.

A Keras builder's contract is its whole model, not the few attributes a test
happens to read: every layer's configuration, the function the layers compute
together, the trainable and non-trainable parameters, and for a training
function how it compiled the model. The checks here read all of it from a model
object the caller holds. Under the grader that object was rebuilt by the grader
from plain data (architecture, weights, compile configuration: see
autograder/README.md, "The boundary"), never asked of the student's kernel; in a
notebook it is the learner's own model.

- `layer_configs`: each layer's `get_config()`, without the fields that may
  legitimately differ (`IGNORED_FIELDS`);
- `probe_weights`, `probe_inputs`, `outputs_with`: the reference's weight shapes
  filled with random values (positive where a vector, so that a
  BatchNormalization's moving variance is valid) are set into a model, which
  is run on random non-zero pixels;
- `parameter_counts`: (trainable, non_trainable) scalars, Keras' own weights lists;
- `compile_difference`: the optimizer's class and configuration, the loss and the
  metrics of a compiled model.

The `*_difference` functions return '' or a message that says what was expected
and what came; `assert_same_model` raises AssertionError with it.

Introduced in lesson 10.
"""

import json
import math

import numpy as np

# Fields of a layer's get_config() that may differ between two correct answers:
# - "name": Keras numbers automatic names by how many layers the session made
#   (dense, dense_7); the exercises never ask for a name;
# - "seed": a Dropout's or an initializer's seed changes only which random numbers
#   are drawn, never what the layer computes;
# - every "*_initializer": the starting weights, which the exercises do not fix
#   and which training replaces (the output check sets its own weights anyway).
# Everything else (activation, padding, strides, rates, scales, use_bias,
# regularizers, dtype, trainable ...) is part of the answer.
IGNORED_FIELDS = frozenset({"name", "seed"})

# Names under which compile() accepts the sparse cross-entropy and accuracy.
SPARSE_CROSSENTROPY = frozenset({"sparse_categorical_crossentropy",
                                 "SparseCategoricalCrossentropy"})
SPARSE_ACCURACY_NAMES = frozenset({"accuracy", "acc", "sparse_categorical_accuracy"})
SPARSE_ACCURACY_CLASSES = frozenset({"SparseCategoricalAccuracy"})


def _ignored(key):
    return key in IGNORED_FIELDS or key.endswith("_initializer")


def _plain(value):
    """A configuration as JSON would give it back: tuples become lists, objects strings."""
    return json.loads(json.dumps(value, default=str))


def layer_configs(model):
    """[(class name, configuration)] of `model`'s layers in order, InputLayer left out.

    A configuration is the layer's get_config() as plain data, without the
    IGNORED_FIELDS. A model used as a layer (a frozen base) is one entry,
    ("Model", {"trainable": ..., "layers": its own layer_configs}): a Sequential
    and a functional model of the same layers are the same answer.

    Inputs:
    - model: a Keras model

    Returns:
    - a list of (str, dict), plain data (storable, comparable)

    Introduced in lesson 10.
    """
    rows = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        if hasattr(layer, "layers") and hasattr(layer, "get_weights"):
            rows.append(("Model", {"trainable": bool(layer.trainable),
                                   "layers": layer_configs(layer)}))
            continue
        config = {key: value for key, value in _plain(layer.get_config()).items()
                  if not _ignored(key)}
        rows.append((kind, config))
    return rows


def _same(got, expected):
    if isinstance(expected, float) and isinstance(got, (int, float)) \
            and not isinstance(got, bool):
        return math.isclose(got, expected, rel_tol=1e-6, abs_tol=1e-12)
    if isinstance(expected, dict) and isinstance(got, dict):
        return got.keys() == expected.keys() and all(_same(got[key], expected[key])
                                                     for key in expected)
    if isinstance(expected, list) and isinstance(got, list):
        return len(got) == len(expected) and all(map(_same, got, expected))
    return type(got) is type(expected) and got == expected


def config_difference(got, expected, where="layer"):
    """'' when two layer_configs lists are the same answer, else the first difference.

    Inputs:
    - got: layer_configs of the learner's model
    - expected: layer_configs of the reference model
    - where: how the message names a layer ("layer", "layer 2 of the base's layer")

    Returns:
    - str

    Introduced in lesson 10.
    """
    got_kinds, expected_kinds = [row[0] for row in got], [row[0] for row in expected]
    if got_kinds != expected_kinds:
        return f"the layers are {got_kinds}, expected {expected_kinds}"
    for index, ((kind, config), (_, want)) in enumerate(zip(got, expected), start=1):
        if kind == "Model":
            if config["trainable"] != want["trainable"]:
                return (f"{where} {index} (a model): trainable is {config['trainable']}, "
                        f"expected {want['trainable']}")
            inner = config_difference(config["layers"], want["layers"],
                                      f"{where} {index} (a model), its layer")
            if inner:
                return inner
            continue
        for key in sorted(set(config) | set(want)):
            if key not in want:
                return f"{where} {index} ({kind}): unexpected setting {key}={config[key]!r}"
            if key not in config:
                return f"{where} {index} ({kind}): no setting {key} (expected {want[key]!r})"
            if not _same(config[key], want[key]):
                return (f"{where} {index} ({kind}): {key} is {config[key]!r}, "
                        f"expected {want[key]!r}")
    return ""


def probe_weights(shapes, seed=0):
    """Random weights of the given shapes, to set into a model before running it.

    A kernel (2-D or more) is uniform in +-sqrt(3 / fan_in), fan_in the product of
    all but its last axis, so activations stay of order 1 through the layers; a
    vector (a bias, a BatchNormalization's gamma, beta, moving mean and moving
    variance) is uniform in [0.5, 1.5]: positive, so a variance is valid, and far
    from the 0 and 1 at which a wrong epsilon, center or scale could not show.

    Inputs:
    - shapes: the shapes of the reference model's get_weights(), in order
    - seed: the generator's seed

    Returns:
    - a list of float32 arrays of those shapes

    Introduced in lesson 10.
    """
    rng = np.random.default_rng(seed)
    weights = []
    for shape in shapes:
        shape = tuple(int(size) for size in shape)
        if len(shape) >= 2:
            limit = math.sqrt(3.0 / max(1, math.prod(shape[:-1])))
            weights.append(rng.uniform(-limit, limit, size=shape).astype(np.float32))
        else:
            weights.append(rng.uniform(0.5, 1.5, size=shape).astype(np.float32))
    return weights


def probe_inputs(shape, n=3, seed=1):
    """A batch of `n` random images of `shape` (no batch axis): pixels 1..255, float32.

    Never all zero: a Rescaling scale, a ReLU or a softmax can only show on inputs
    that vary.

    Introduced in lesson 10.
    """
    rng = np.random.default_rng(seed)
    return rng.integers(1, 256, size=(n,) + tuple(int(size) for size in shape)).astype(
        np.float32)


def outputs_with(model, weights, inputs):
    """`model`'s outputs on `inputs` (inference mode) after setting its weights to `weights`.

    Changes `model`'s weights: call it on a model built for the check.

    Introduced in lesson 10.
    """
    model.set_weights(weights)
    return np.asarray(model(inputs, training=False))


def function_difference(model, weights, inputs, expected):
    """'' when `model` with `weights` gives `expected` on `inputs`, else what differs.

    Inputs:
    - model: the learner's model (its weights are replaced)
    - weights: probe_weights of the reference model's weight shapes
    - inputs: probe_inputs
    - expected: outputs_with(reference model, weights, inputs)

    Introduced in lesson 10.
    """
    got_shapes = [tuple(np.shape(weight)) for weight in model.get_weights()]
    expected_shapes = [tuple(weight.shape) for weight in weights]
    if got_shapes != expected_shapes:
        return (f"the model's weights have shapes {got_shapes}, the reference's "
                f"{expected_shapes}")
    got = outputs_with(model, weights, inputs)
    expected = np.asarray(expected)
    if got.shape != expected.shape:
        return f"with the reference's weights the output has shape {got.shape}, " \
               f"expected {expected.shape}"
    tolerance = 1e-5 * max(1.0, float(np.max(np.abs(expected))))
    wrong = ~(np.abs(got.astype(np.float64) - expected) <= tolerance)
    if wrong.any():
        index = tuple(int(i) for i in np.argwhere(wrong)[0])
        return (f"with the reference's weights, on random images, {int(wrong.sum())} of "
                f"{wrong.size} outputs differ, the first at {list(index)}: got "
                f"{got[index]:.6g}, expected {expected[index]:.6g}")
    return ""


def parameter_counts(model):
    """(trainable, non_trainable): scalars in model.trainable_weights and non_trainable_weights.

    Introduced in lesson 10.
    """
    return (int(sum(math.prod(weight.shape) for weight in model.trainable_weights)),
            int(sum(math.prod(weight.shape) for weight in model.non_trainable_weights)))


def reference_probe(reference, seed=0):
    """What model_difference compares with, from the reference model, as plain data.

    Only what needs the reference is kept (the probe weights and images are drawn
    again from `seed`), so that a graded student copy can store it.

    Returns:
    - {"layers": layer_configs, "counts": parameter_counts, "input_shape": one
      example's shape, "shapes": its weights' shapes, "seed": seed, "outputs": its
      outputs_with probe_weights(shapes, seed) on probe_inputs(input_shape, seed=seed + 1)}

    Introduced in lesson 10.
    """
    shape = tuple(int(size) for size in reference.input_shape[1:])
    shapes = [tuple(int(size) for size in weight.shape) for weight in reference.get_weights()]
    return {"layers": layer_configs(reference), "counts": parameter_counts(reference),
            "input_shape": shape, "shapes": shapes, "seed": seed,
            "outputs": outputs_with(reference, probe_weights(shapes, seed),
                                    probe_inputs(shape, seed=seed + 1))}


def model_difference(model, probe):
    """'' when `model` is the reference's model (reference_probe `probe`), else the first
    difference: layer configurations, then (trainable, non_trainable) counts, then the
    outputs with the reference's weights on random images.

    Changes `model`'s weights (to the probe's).

    Introduced in lesson 10.
    """
    difference = config_difference(layer_configs(model), probe["layers"])
    if difference:
        return difference
    counts, expected = parameter_counts(model), tuple(probe["counts"])
    if counts != expected:
        return (f"(trainable, non-trainable) parameters are {counts}, expected {expected}")
    return function_difference(model, probe_weights(probe["shapes"], probe["seed"]),
                               probe_inputs(probe["input_shape"], seed=probe["seed"] + 1),
                               probe["outputs"])


def assert_same_model(name, model, reference, seed=0):
    """Assert that the learner's `model` is the reference model (see model_difference).

    Inputs:
    - name: the builder's name, for the message
    - model: what the learner's builder returned (its weights are replaced)
    - reference: the course's model, built for this check (its weights are replaced)
    - seed: seed of the probe weights and images

    Introduced in lesson 10.
    """
    if not (hasattr(model, "layers") and hasattr(model, "get_config")):
        raise AssertionError(f"{name}: expected a Keras model, got {type(model).__name__}")
    difference = model_difference(model, reference_probe(reference, seed))
    if difference:
        raise AssertionError(f"{name}: {difference}")


def _names(value):
    """[(name or class name, its config)] of a compile argument (a name, a config, a list)."""
    if value is None:
        return []
    if isinstance(value, list):
        return [item for entry in value for item in _names(entry)]
    if isinstance(value, str):
        return [(value, {})]
    if isinstance(value, dict):
        config = value.get("config")
        if value.get("class_name") == "function" and isinstance(config, str):
            return [(config, {})]
        return [(str(value.get("class_name")), config if isinstance(config, dict) else {})]
    return [(type(value).__name__, {})]


def compile_difference(model, optimizer_class="Adam", optimizer_config=None):
    """'' when `model` was compiled as lessons 10 and 11 ask, else what differs.

    Read from the model's get_compile_config(): the optimizer is `optimizer_class`
    with `optimizer_config`'s settings (its name left out); the loss is the sparse
    categorical cross-entropy on probabilities (from_logits False); the metrics
    include the accuracy of integer labels ("accuracy", "acc",
    "sparse_categorical_accuracy" or SparseCategoricalAccuracy(); keras.metrics.Accuracy
    compares labels with probabilities for equality and is not it).

    Inputs:
    - model: the compiled model (a History's model)
    - optimizer_class: the optimizer's class name
    - optimizer_config: the expected optimizer's get_config() (e.g. of
      keras.optimizers.Adam(learning_rate=1e-3)), plain data; None checks the class only

    Returns:
    - str

    Introduced in lesson 10.
    """
    config = model.get_compile_config() if getattr(model, "compiled", False) else None
    if not config:
        return "the model was not compiled (model.compile(optimizer=..., loss=..., metrics=...))"
    config = _plain(config)
    optimizer = config.get("optimizer")
    got_class = optimizer.get("class_name") if isinstance(optimizer, dict) else optimizer
    if got_class != optimizer_class:
        return f"the optimizer is {got_class!r}, expected {optimizer_class}"
    for key, want in sorted((optimizer_config or {}).items()):
        if key == "name":
            continue
        got = optimizer.get("config", {}).get(key)
        if not _same(got, want):
            return f"the optimizer's {key} is {got!r}, expected {want!r}"
    losses = _names(config.get("loss"))
    if len(losses) != 1 or losses[0][0] not in SPARSE_CROSSENTROPY:
        return (f"the loss is {[name for name, _ in losses]}, expected "
                "'sparse_categorical_crossentropy'")
    loss_config = losses[0][1]
    if loss_config.get("from_logits", False):
        return ("the loss has from_logits=True, but the model's outputs are softmax "
                "probabilities, not logits")
    if loss_config.get("ignore_class") is not None:
        return f"the loss ignores class {loss_config['ignore_class']!r}"
    metrics = _names(config.get("metrics"))
    if not any(name in SPARSE_ACCURACY_NAMES | SPARSE_ACCURACY_CLASSES for name, _ in metrics):
        return (f"the metrics are {[name for name, _ in metrics]}, expected the accuracy "
                "(metrics=['accuracy'])")
    return ""

