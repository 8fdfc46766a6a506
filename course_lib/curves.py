"""Learning curves: a metric per epoch, training against validation, one panel per metric.

One drawing for both training loops of the course: the history dict of the NumPy
loop (``course_lib.training_loop.train``, lesson 07) and Keras' ``History`` from
``model.fit`` (lesson 10). Their wrappers, ``training_loop.plot_learning_curves``
and ``training.plot_history``, keep the signatures the lessons use.

Introduced in lesson 07.
"""


def plot_curves(history, metrics=("loss", "accuracy"), title=None, axes=None,
                caller="plot_curves"):
    """Draw each metric of `history` per epoch, training and (when present) validation.

    Inputs:
    - history: a dict {metric: [value per epoch]} with "val_<metric>" for validation
      and optionally "stopped_epoch" (drawn as a dotted line), or a keras History
    - metrics: names to plot; a missing one is skipped
    - title: a title over the panels
    - axes: matplotlib axes to draw on, one per metric shown (default: a new figure)
    - caller: the public function named in error messages

    Returns the matplotlib Figure.
    """
    import matplotlib.pyplot as plt

    logs = getattr(history, "history", history)
    shown = [name for name in metrics if name in logs]
    if not shown:
        raise ValueError(f"{caller}: none of {list(metrics)} in the history "
                         f"(it has {sorted(logs)})")
    if axes is None:
        figure, axes = plt.subplots(1, len(shown), figsize=(4.5 * len(shown), 3.2),
                                    squeeze=False)
        axes = axes[0]
    figure = axes[0].figure
    for axis, name in zip(axes, shown):
        epochs = range(1, len(logs[name]) + 1)
        axis.plot(epochs, logs[name], marker=".", label="training")
        if logs.get(f"val_{name}"):
            axis.plot(epochs, logs[f"val_{name}"], marker=".", label="validation")
        if logs.get("stopped_epoch") is not None:
            axis.axvline(logs["stopped_epoch"] + 1, color="0.6", linestyle=":")
        axis.set_xlabel("epoch")
        axis.set_ylabel(name)
        axis.legend()
    if title:
        figure.suptitle(title)
    figure.tight_layout()
    return figure
