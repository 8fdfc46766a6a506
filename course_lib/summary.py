"""The shape and parameter columns of Keras' `model.summary()`, for a Sequential stack.

A stack is a list of layers; each layer is a pair (name, options), with Keras'
class name and Keras' argument names and defaults:

    [("Conv2D", {"filters": 16, "kernel_size": 2, "padding": "same"}),
     ("MaxPooling2D", {"pool_size": 2}),
     ("Flatten", {}),
     ("Dense", {"units": 10})]

`summary(layers, input_shape)` walks the stack from the input shape (without the
batch axis, e.g. (32, 32, 3)) and returns one row per layer:
(name, output_shape, params). `print_summary` prints the rows as a table.

Parameters per layer (all of them, trainable or not, as `count_params()`):

- Conv2D: K * KH * KW * D_in + K (one bias per filter)
- Dense: n_in * units + units (on the last axis)
- BatchNormalization: 4 * C (gamma, beta trainable; moving mean and variance not)
- pooling, Flatten, Dropout, Activation: 0

Introduced in lesson 04.
"""

from course_lib.layers.registry import BY_NAME, LAYER_NAMES

_OPTIONS = {name: set(spec.options) for name, spec in BY_NAME.items()}


def _check_layer(layer, position):
    try:
        name, options = layer
    except (TypeError, ValueError):
        raise ValueError(
            f"summary: layer {position} must be a pair (name, options), got {layer!r}"
        ) from None
    if name not in BY_NAME:
        raise ValueError(
            f"summary: layer {position} has unknown name {name!r}; expected one of "
            f"{', '.join(LAYER_NAMES)}"
        )
    if not isinstance(options, dict):
        raise ValueError(f"summary: options of layer {position} ({name}) must be a dict, "
                         f"got {options!r}")
    unknown = set(options) - _OPTIONS[name]
    if unknown:
        raise ValueError(f"summary: {name} (layer {position}) got unknown options "
                         f"{sorted(unknown)}; it accepts {sorted(_OPTIONS[name])}")
    return name, options


def layer_row(name, options, input_shape):
    """Output shape and parameter count of one layer.

    Inputs:
    - name: a Keras layer class name from LAYER_NAMES
    - options: dict of Keras arguments, e.g. {"filters": 16, "kernel_size": 2}
    - input_shape: the layer's input shape without the batch axis, e.g. (32, 32, 3)

    Returns a tuple of:
    - output_shape: a tuple of ints, without the batch axis
    - params: an int, the number of parameters (trainable and not)

    The shape and count of each layer are those of course_lib.layers.registry.
    Raises ValueError as summary() does.

    Introduced in lesson 04.
    """
    name, options = _check_layer((name, options), "?")
    spec = BY_NAME[name]
    input_shape = tuple(int(size) for size in input_shape)
    if spec.input_rank is not None and len(input_shape) != spec.input_rank[0]:
        rank, layout = spec.input_rank
        raise ValueError(f"summary: {name} needs an input of rank {rank} {layout} "
                         f"(without the batch axis), got shape {input_shape}")
    try:
        options = spec.complete(options)
    except ValueError as error:
        raise ValueError(f"summary: {error}") from None
    return tuple(spec.output_shape(input_shape, options)), spec.param_count(input_shape, options)


def summary(layers, input_shape):
    """Output shape and parameter count of every layer of a Sequential stack.

    Inputs:
    - layers: a list of (name, options) pairs, e.g.
      [("Conv2D", {"filters": 16, "kernel_size": 2, "padding": "same"}), ("Flatten", {})]
    - input_shape: the shape of one input, without the batch axis, e.g. (32, 32, 3)

    Returns:
    - rows: a list with one tuple (name, output_shape, params) per layer, where
      output_shape is a tuple of ints (no batch axis) and params an int; the columns
      "Output Shape" and "Param #" of keras.Model.summary()

    Raises ValueError when a layer is not a pair (name, options), its name is not one
    of LAYER_NAMES, its options are not a dict or name an argument the layer does not
    take, a required option is missing, or its input has the wrong rank (a Conv2D
    after Flatten).

    Introduced in lesson 04.
    """
    rows = []
    shape = tuple(input_shape)
    for position, layer in enumerate(layers):
        name, options = _check_layer(layer, position)
        shape, params = layer_row(name, options, shape)
        rows.append((name, shape, params))
    return rows


def total_params(rows):
    """Sum of the params column of summary rows. Introduced in lesson 04."""
    return sum(params for _, _, params in rows)


def format_summary(rows):
    """Render summary rows as a text table like model.summary(), with a total line.

    Inputs:
    - rows: as returned by summary()

    Returns:
    - a string

    Introduced in lesson 04.
    """
    lines = [f"{'Layer (type)':<26}{'Output Shape':<22}{'Param #':>12}", "=" * 60]
    for name, shape, params in rows:
        shown = "(None, " + ", ".join(str(size) for size in shape) + ")"
        lines.append(f"{name:<26}{shown:<22}{params:>12,}")
    lines += ["=" * 60, f"Total params: {total_params(rows):,}"]
    return "\n".join(lines)


def print_summary(layers, input_shape):
    """Print the table of summary(layers, input_shape) and return its rows.

    Introduced in lesson 04.
    """
    rows = summary(layers, input_shape)
    print(format_summary(rows))
    return rows
