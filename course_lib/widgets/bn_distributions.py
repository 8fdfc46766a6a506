"""Lesson 08 picture: activation distributions across the layers of a deep random MLP.

``mlp_activations(...)`` runs a batch through a deep MLP with random weights, with or
without batch normalization (before or after the activation) and returns every layer's
activations; ``activation_stats`` summarizes them (mean, std, fraction saturated or
dead). ``plot_bn_distributions`` draws one histogram per layer, without and with
batchnorm; ``show_bn_distributions()`` adds sliders.

Introduced in lesson 08.
"""

import matplotlib.pyplot as plt
import numpy as np

from course_lib import layers

ACTIVATIONS = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0)}


def mlp_activations(depth=6, width=128, batch=256, weight_scale=1.0, activation="tanh",
                    batchnorm=None, seed=0):
    """Activations of every layer of a deep MLP with random weights N(0, weight_scale^2 / width).

    Inputs:
    - depth: number of dense layers
    - width: units per layer (the input has `width` features too)
    - batch: number of random inputs, drawn from N(0, 1)
    - weight_scale: standard deviation of the weights times sqrt(width)
    - activation: "tanh" or "relu"
    - batchnorm: None, "before" (dense -> batchnorm -> activation) or "after"
      (dense -> activation -> batchnorm); batch statistics, gamma = 1, beta = 0
    - seed: for the weights and the inputs

    Returns:
    - a list of `depth` arrays of shape (batch, width): each layer's output

    Introduced in lesson 08.
    """
    if activation not in ACTIVATIONS:
        raise ValueError(f"mlp_activations: activation must be one of {sorted(ACTIVATIONS)}, "
                         f"got {activation!r}")
    if batchnorm not in (None, "before", "after"):
        raise ValueError("mlp_activations: batchnorm must be None, 'before' or 'after', "
                         f"got {batchnorm!r}")
    rng = np.random.default_rng(seed)
    function = ACTIVATIONS[activation]
    ones, zeros = np.ones(width), np.zeros(width)

    def normalize(z):
        state = {"moving_mean": zeros.copy(), "moving_variance": ones.copy()}
        return layers.batchnorm_forward(z, ones, zeros, state, training=True)[0]

    h = rng.normal(size=(batch, width))
    outputs = []
    for _ in range(depth):
        z = h @ (rng.normal(size=(width, width)) * weight_scale / np.sqrt(width))
        if batchnorm == "before":
            z = normalize(z)
        h = function(z)
        if batchnorm == "after":
            h = normalize(h)
        outputs.append(h)
    return outputs


def activation_stats(outputs, activation="tanh"):
    """Per-layer mean, standard deviation and fraction of saturated (tanh) or zero (relu) units.

    Inputs:
    - outputs: a list of arrays, as mlp_activations returns
    - activation: "tanh" (saturated: |a| > 0.99) or "relu" (dead: a == 0)

    Returns a dict of 1-D arrays, one value per layer: "mean", "std", "saturated"

    Introduced in lesson 08.
    """
    if activation == "tanh":
        stuck = [np.mean(np.abs(a) > 0.99) for a in outputs]
    else:
        stuck = [np.mean(a == 0) for a in outputs]
    return {"mean": np.array([a.mean() for a in outputs]),
            "std": np.array([a.std() for a in outputs]),
            "saturated": np.array(stuck)}


def plot_bn_distributions(depth=6, weight_scale=1.0, activation="tanh", placement="before",
                          seed=0, figure=None):
    """Histograms of every layer's activations: top row without batchnorm, bottom row with.

    Every panel has the same x scale and the same y scale (the fraction of values per
    bin), so the layers and the two rows compare at a glance.
    """
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    figure = figure or plt.figure(figsize=(max(2.3 * depth, 8), 4.8))
    axes = figure.subplots(2, depth, sharex=True, sharey=True, squeeze=False)
    rows = [("no batchnorm", None), (f"batchnorm {placement} {activation}", placement)]
    runs = [(label, batchnorm, mlp_activations(depth, weight_scale=weight_scale,
                                               activation=activation, batchnorm=batchnorm,
                                               seed=seed))
            for label, batchnorm in rows]
    everything = np.concatenate([values.ravel() for _, _, outputs in runs for values in outputs])
    low, high = np.percentile(everything, [0.5, 99.5])
    if activation == "tanh":
        low, high = min(low, -1.0), max(high, 1.0)
    low, high = float(low) - 0.05 * (high - low), float(high) + 0.05 * (high - low)
    for row, (label, batchnorm, outputs) in enumerate(runs):
        stats = activation_stats(outputs, activation)
        for layer, values in enumerate(outputs):
            axis = axes[row, layer]
            flat = np.clip(values.ravel(), low, high)
            axis.hist(flat, bins=40, range=(low, high), color=f"C{row}",
                      weights=np.full(flat.size, 1.0 / flat.size))
            axis.set_title(f"layer {layer + 1}\nstd {stats['std'][layer]:.2f}", fontsize=9)
            axis.tick_params(labelsize=8)
            axis.xaxis.set_major_locator(MaxNLocator(3))
        axes[row, 0].set_ylabel(f"{label}\nshare of values", fontsize=8)
        axes[row, 0].yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        axes[row, 0].yaxis.set_major_locator(MaxNLocator(3))
    for axis in axes[-1]:
        axis.set_xlabel("activation", fontsize=8)
    figure.suptitle(f"{activation} MLP, weights N(0, {weight_scale:g}²/width)", fontsize=10)
    figure.tight_layout()
    return figure


def show_bn_distributions():
    """Sliders: depth, weight scale, activation and batchnorm placement; histograms per layer.

    Introduced in lesson 08.
    """
    import ipywidgets as widgets
    from IPython.display import display

    def draw(depth, weight_scale, activation, placement):
        plot_bn_distributions(depth, weight_scale, activation, placement)
        plt.show()

    controls = widgets.interactive(
        draw,
        depth=widgets.IntSlider(value=4, min=2, max=8, description="layers"),
        weight_scale=widgets.FloatLogSlider(value=1.0, base=10, min=-1, max=1, step=0.1,
                                            description="weight scale", style={"description_width": "initial"}),
        activation=widgets.Dropdown(options=["tanh", "relu"], value="tanh",
                                    description="activation", style={"description_width": "initial"}),
        placement=widgets.Dropdown(options=["before", "after"], value="before",
                                   description="batchnorm", style={"description_width": "initial"}),
    )
    display(controls)
