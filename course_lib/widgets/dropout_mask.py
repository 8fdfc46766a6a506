"""Lesson 07 widget: a dropout mask and the rescaled activations, for a chosen rate.

``dropout_demo(rate, seed)`` is the plain logic (a dict of arrays and numbers);
``show_dropout_mask()`` puts a slider for the rate (and one for the random seed) on it.

Introduced in lesson 07.
"""

import matplotlib.pyplot as plt
import numpy as np

from course_lib import layers


def dropout_demo(rate, seed=0, shape=(12, 12), training=True):
    """Inverted dropout applied to a grid of positive activations.

    Inputs:
    - rate: fraction of units dropped, in [0, 1)
    - seed: seed of the generator that draws the mask
    - shape: shape of the grid of activations
    - training: False shows inference (the identity)

    Returns a dict with:
    - "x": the activations, of shape `shape`, values in [0.5, 1.5)
    - "mask": True where a unit is kept, of shape `shape`
    - "out": the output of dropout_forward, of shape `shape`
    - "scale": 1 / (1 - rate) in training, 1 at inference
    - "kept_fraction": the fraction of units kept
    - "mean_in", "mean_out": the mean activation before and after dropout

    Introduced in lesson 07.
    """
    x = np.random.default_rng(1000).uniform(0.5, 1.5, size=shape)
    out, _ = layers.dropout_forward(x, rate, training, np.random.default_rng(seed))
    mask = out != 0
    return {"x": x, "mask": mask, "out": out,
            "scale": 1.0 / (1.0 - rate) if training else 1.0,
            "kept_fraction": float(mask.mean()),
            "mean_in": float(x.mean()), "mean_out": float(out.mean())}


def plot_dropout_demo(result, rate, figure=None):
    """Three panels: the activations, the mask, the rescaled output."""
    figure = figure or plt.figure(figsize=(10, 3.4))
    axes = figure.subplots(1, 3)
    vmax = max(3.0, float(result["out"].max()))
    panels = [(result["x"], f"activations (mean {result['mean_in']:.3f})", "viridis", vmax),
              (result["mask"], f"mask: {result['kept_fraction']:.0%} kept", "gray", 1),
              (result["out"], f"output ×{result['scale']:.2f} (mean {result['mean_out']:.3f})",
               "viridis", vmax)]
    for axis, (values, title, cmap, top) in zip(axes, panels):
        picture = axis.imshow(values, cmap=cmap, vmin=0, vmax=top)
        axis.set_title(title, fontsize=10)
        axis.set_xticks([])
        axis.set_yticks([])
        if cmap == "gray":  # the mask: say which colour is which
            from matplotlib.patches import Patch

            axis.legend(handles=[Patch(facecolor="white", edgecolor="0.3", label="kept (1)"),
                                 Patch(facecolor="black", edgecolor="0.3", label="dropped (0)")],
                        loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=2, fontsize=8,
                        frameon=False)
        else:
            figure.colorbar(picture, ax=axis, fraction=0.046, pad=0.03)
    figure.suptitle(f"Dropout(rate={rate:.2f}) in training")
    figure.tight_layout()
    return figure


def show_dropout_mask():
    """Sliders for the dropout rate and the seed, redrawing the mask and the output.

    Introduced in lesson 07.
    """
    import ipywidgets as widgets
    from IPython.display import display

    def draw(rate, seed):
        plot_dropout_demo(dropout_demo(rate, seed), rate)
        plt.show()

    controls = widgets.interactive(
        draw,
        rate=widgets.FloatSlider(value=0.45, min=0.0, max=0.9, step=0.05, description="rate"),
        seed=widgets.IntSlider(value=0, min=0, max=20, description="seed"),
    )
    display(controls)
