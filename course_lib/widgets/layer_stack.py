"""Lesson 04 widget: build a Sequential stack layer by layer and watch the parameters.

The logic is two plain functions, testable without a display:

- ``make_layer(name, size, window, padding)`` turns the builder's controls into a
  (name, options) layer, the description ``course_lib.summary`` reads;
- ``describe_stack(layers, input_shape)`` runs ``summary`` and returns the rows,
  the total, the printed table, and an error message if a layer does not fit.

``show_layer_stack()`` wires them to ipywidgets buttons and a bar chart.

Introduced in lesson 04.
"""

import matplotlib.pyplot as plt

from course_lib.layers.registry import LAYERS
from course_lib.summary import format_summary, layer_row, summary, total_params

LAYER_CHOICES = tuple(spec.name for spec in LAYERS if spec.builder is not None)
_BUILDERS = {spec.name: spec.builder for spec in LAYERS if spec.builder is not None}


def make_layer(name, size=16, window=2, padding="same"):
    """A (name, options) layer from the builder's controls.

    Inputs:
    - name: one of LAYER_CHOICES
    - size: filters of a Conv2D or units of a Dense (ignored otherwise)
    - window: kernel_size of a Conv2D or pool_size of a pooling layer
    - padding: "valid" or "same", for Conv2D and pooling layers

    Returns:
    - (name, options), e.g. ("Conv2D", {"filters": 16, "kernel_size": 2, "padding": "same"})

    Introduced in lesson 04.
    """
    if name not in _BUILDERS:
        raise ValueError(f"make_layer: name must be one of {LAYER_CHOICES}, got {name!r}")
    return name, _BUILDERS[name](size, window, padding)


def describe_stack(layers, input_shape):
    """Summary of a stack for the builder, stopping at the first layer that does not fit.

    Inputs:
    - layers: a list of (name, options) pairs
    - input_shape: the input shape without the batch axis, e.g. (32, 32, 3)

    Returns a dict with:
    - "rows": summary rows (name, output_shape, params) of the layers that fit
    - "total": the sum of their params
    - "table": the rows printed as a table
    - "error": None, or a message naming the layer that does not fit its input

    Introduced in lesson 04.
    """
    rows, error = [], None
    try:
        rows = summary(layers, input_shape)
    except ValueError:
        shape = tuple(input_shape)
        for position, (name, options) in enumerate(layers):
            try:
                shape, params = layer_row(name, options, shape)
            except ValueError as problem:
                error = f"layer {position + 1} ({name}) does not fit input {shape}: {problem}"
                break
            rows.append((name, shape, params))
    return {"rows": rows, "total": total_params(rows), "table": format_summary(rows),
            "error": error}


def plot_stack(description, axis=None):
    """Horizontal bars: the parameters of each layer of a describe_stack() result."""
    axis = axis or plt.gca()
    rows = description["rows"]
    labels = [f"{index + 1}. {name} {shape}" for index, (name, shape, _) in enumerate(rows)]
    values = [params for _, _, params in rows]
    axis.barh(range(len(rows)), values, color="C0")
    axis.set_yticks(range(len(rows)), labels, fontsize=8)
    axis.invert_yaxis()
    axis.set_xlabel("parameters")
    axis.set_title(f"total: {description['total']:,} parameters")
    for index, value in enumerate(values):
        axis.text(value, index, f" {value:,}", va="center", fontsize=8)
    return axis


def show_layer_stack(input_shape=(32, 32, 3), layers=None):
    """Display the layer-stack builder (ipywidgets): add or remove layers, see the counts.

    Inputs:
    - input_shape: the input shape without the batch axis
    - layers: the starting stack (default: empty)

    Introduced in lesson 04.
    """
    import ipywidgets as widgets
    from IPython.display import display

    stack = list(layers or [])
    kind = widgets.Dropdown(options=LAYER_CHOICES, value="Conv2D", description="layer")
    size = widgets.BoundedIntText(value=16, min=1, max=4096, description="filters/units", style={"description_width": "initial"})
    window = widgets.IntSlider(value=2, min=1, max=7, description="window")
    padding = widgets.Dropdown(options=("same", "valid"), value="same", description="padding")
    add = widgets.Button(description="Add layer", button_style="primary")
    remove = widgets.Button(description="Remove last")
    clear = widgets.Button(description="Clear")
    output = widgets.Output()

    def redraw():
        description = describe_stack(stack, input_shape)
        output.clear_output(wait=True)
        with output:
            print(f"Input: {tuple(input_shape)}")
            print(description["table"])
            if description["error"]:
                print("✗", description["error"])
            if description["rows"]:
                figure, axis = plt.subplots(figsize=(7, 0.35 * len(description["rows"]) + 1))
                plot_stack(description, axis)
                figure.tight_layout()
                plt.show()

    def on_add(_):
        stack.append(make_layer(kind.value, size.value, window.value, padding.value))
        redraw()

    def on_remove(_):
        if stack:
            stack.pop()
        redraw()

    def on_clear(_):
        stack.clear()
        redraw()

    add.on_click(on_add)
    remove.on_click(on_remove)
    clear.on_click(on_clear)
    display(widgets.VBox([widgets.HBox([kind, size]), widgets.HBox([window, padding]),
                          widgets.HBox([add, remove, clear]), output]))
    redraw()
