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
`cost_summary` adds two columns: the multiply-adds of each layer (`layer_macs`) and
the memory its output takes in float32.

Parameters per layer (all of them, trainable or not, as `count_params()`):

- Conv2D: K * KH * KW * D_in + K (one bias per filter)
- Dense: n_in * units + units (on the last axis)
- BatchNormalization: 4 * C (gamma, beta trainable; moving mean and variance not)
- pooling, Flatten, Dropout, Activation: 0

Multiply-adds per layer, for one example (batch of 1): one multiply-add is a product with
a weight added to a running sum; bias additions are not counted, and neither are layers
without a weight matrix (their few operations per value are negligible next to a conv):

- Conv2D: H_out * W_out * K * KH * KW * C_in (every position of every window, padded zeros
  included)
- Dense: n_in * units (per position of the leading axes, on an input of rank > 1)
- pooling, Flatten, Dropout, Activation, BatchNormalization: 0

One floating-point operation (FLOP) is a multiply or an add, so FLOPs = 2 * multiply-adds.
Activation memory: the layer's output elements * 4 bytes (float32), for one example.

Introduced in lesson 04.
"""

import math

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


def layer_macs(name, options, input_shape):
    """Multiply-adds of one layer's forward pass on one example.

    Inputs:
    - name: a Keras layer class name from LAYER_NAMES
    - options: dict of Keras arguments, e.g. {"filters": 16, "kernel_size": 2}
    - input_shape: the layer's input shape without the batch axis, e.g. (32, 32, 3)

    Returns:
    - macs: an int; Conv2D: H_out * W_out * K * KH * KW * C_in; Dense: n_in * units
      (times the positions of the leading axes); 0 for the layers without weights and
      for BatchNormalization. Bias additions are not counted.

    Raises ValueError for an unknown layer name or option, or an input of the wrong rank.

    Introduced in lesson 04.
    """
    name, options = _check_layer((name, options), "?")
    spec = BY_NAME[name]
    input_shape = tuple(int(size) for size in input_shape)
    layer_row(name, options, input_shape)  # the same checks of rank and options
    return int(spec.mac_count(input_shape, spec.complete(options)))


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


def cost_summary(layers, input_shape, bytes_per_value=4):
    """summary() with two more columns: multiply-adds and activation memory.

    Inputs:
    - layers, input_shape: as for summary()
    - bytes_per_value: bytes of one activation (4 for float32)

    Returns:
    - rows: a list with one tuple (name, output_shape, params, macs, activation_bytes)
      per layer: summary()'s row, the layer's multiply-adds on one example
      (layer_macs) and its output's size in bytes, math.prod(output_shape) *
      bytes_per_value, for one example

    Introduced in lesson 04.
    """
    rows = []
    shape = tuple(input_shape)
    for position, layer in enumerate(layers):
        name, options = _check_layer(layer, position)
        macs = layer_macs(name, options, shape)
        shape, params = layer_row(name, options, shape)
        rows.append((name, shape, params, macs, math.prod(shape) * bytes_per_value))
    return rows


def total_params(rows):
    """Sum of the params column of summary rows. Introduced in lesson 04."""
    return sum(row[2] for row in rows)


def total_macs(rows):
    """Sum of the multiply-adds column of cost_summary rows. Introduced in lesson 04."""
    return sum(row[3] for row in rows)


def format_summary(rows):
    """Render summary rows as a text table like model.summary(), with a total line.

    Inputs:
    - rows: as returned by summary(), or by cost_summary() (then with the columns
      "Mult-Adds" and "Output bytes" and their totals)

    Returns:
    - a string

    Introduced in lesson 04.
    """
    costs = bool(rows) and len(rows[0]) == 5
    extra = f"{'Mult-Adds':>15}{'Output bytes':>15}" if costs else ""
    width = 60 + len(extra)
    lines = [f"{'Layer (type)':<26}{'Output Shape':<22}{'Param #':>12}{extra}", "=" * width]
    for row in rows:
        name, shape, params = row[:3]
        shown = "(None, " + ", ".join(str(size) for size in shape) + ")"
        extra = f"{row[3]:>15,}{row[4]:>15,}" if costs else ""
        lines.append(f"{name:<26}{shown:<22}{params:>12,}{extra}")
    lines += ["=" * width, f"Total params: {total_params(rows):,}"]
    if costs:
        lines += [f"Total mult-adds: {total_macs(rows):,} (FLOPs: {2 * total_macs(rows):,})",
                  f"Total output bytes: {sum(row[4] for row in rows):,}"]
    return "\n".join(lines)


def print_summary(layers, input_shape):
    """Print the table of summary(layers, input_shape) and return its rows.

    Introduced in lesson 04.
    """
    rows = summary(layers, input_shape)
    print(format_summary(rows))
    return rows
