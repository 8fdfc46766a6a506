"""Lesson 09 widget: minibatch SGD fitting a line, with sliders for learning rate and batch size.

``gradient_descent_1d`` runs plain gradient descent on a function of one variable
(the lesson's parabola y = x^2 - x - 1); ``sgd_fit_line`` trains a linear unit
y = w x + b on noisy points with minibatch SGD and the mean squared error, and
returns the whole path. ``show_sgd_playground()`` redraws the fitted line and the
loss curve when a slider moves.

Introduced in lesson 09.
"""

import matplotlib.pyplot as plt
import numpy as np

TRUE_W, TRUE_B = 2.0, -1.0


def gradient_descent_1d(gradient, x0, learning_rate, num_steps):
    """x_{t+1} = x_t - learning_rate * gradient(x_t), from x0.

    Inputs:
    - gradient: function of x giving dy/dx
    - x0: the starting point
    - learning_rate: the step size
    - num_steps: how many steps

    Returns:
    - path: array of shape (num_steps + 1,), x0 first

    Introduced in lesson 09.
    """
    path = [float(x0)]
    for _ in range(num_steps):
        path.append(path[-1] - learning_rate * gradient(path[-1]))
    return np.array(path)


def line_data(num_points=64, noise=0.3, seed=0):
    """Noisy points around y = 2 x - 1: (x, y), both of shape (num_points,)."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, size=num_points)
    return x, TRUE_W * x + TRUE_B + rng.normal(0, noise, size=num_points)


def sgd_fit_line(learning_rate, batch_size, num_epochs=10, seed=0, num_points=64):
    """Fit y = w x + b to line_data() by minibatch SGD on the mean squared error.

    Each epoch shuffles the points and takes ceil(num_points / batch_size) steps,
    one per batch: w -= learning_rate * dL/dw (and the same for b), with
    L = mean over the batch of (w x + b - y)^2.

    Inputs:
    - learning_rate: the step size
    - batch_size: points per step (1 = pure SGD, num_points = full-batch gradient descent)
    - num_epochs: passes over the data
    - seed: seed of the data and of the shuffling

    Returns a dict with:
    - "x", "y": the data, of shape (num_points,)
    - "w", "b": the parameters after each step, of shape (num_steps + 1,), start (0, 0) first
    - "step_loss": the loss of the whole data set after each step, of shape (num_steps + 1,)
    - "epoch_loss": the loss of the whole data set after each epoch, of shape (num_epochs,)
    - "steps_per_epoch": ceil(num_points / batch_size)

    Introduced in lesson 09.
    """
    if batch_size < 1:
        raise ValueError(f"sgd_fit_line: batch_size must be >= 1, got {batch_size!r}")
    x, y = line_data(num_points, seed=seed)
    rng = np.random.default_rng(seed + 1)
    w = b = 0.0
    ws, bs = [w], [b]
    losses = [float(np.mean((w * x + b - y) ** 2))]
    epoch_loss = []
    with np.errstate(over="ignore", invalid="ignore"):
        for _ in range(num_epochs):
            order = rng.permutation(num_points)
            for start in range(0, num_points, batch_size):
                batch = order[start:start + batch_size]
                error = w * x[batch] + b - y[batch]
                dw, db = 2 * np.mean(error * x[batch]), 2 * np.mean(error)
                w, b = w - learning_rate * dw, b - learning_rate * db
                ws.append(w)
                bs.append(b)
                losses.append(float(np.mean((w * x + b - y) ** 2)))
            epoch_loss.append(losses[-1])
    return {"x": x, "y": y, "w": np.array(ws), "b": np.array(bs),
            "step_loss": np.array(losses), "epoch_loss": np.array(epoch_loss),
            "steps_per_epoch": -(-num_points // batch_size)}


def plot_sgd_fit(result, figure=None):
    """Left: the points and the fitted line; right: the loss after every step."""
    figure = figure or plt.figure(figsize=(10, 3.8))
    left, right = figure.subplots(1, 2)
    left.scatter(result["x"], result["y"], s=12, color="0.5", label="data")
    grid = np.array([-1.0, 1.0])
    left.plot(grid, TRUE_W * grid + TRUE_B, color="0.7", linestyle="--", label="true line")
    w, b = result["w"][-1], result["b"][-1]
    diverged = not (np.isfinite(w) and np.isfinite(b)) or abs(w) > 100 or abs(b) > 100
    if diverged:
        left.plot([], [], color="C1", label=f"fit diverged: slope {w:.2g}, intercept {b:.2g}")
    else:
        left.plot(grid, w * grid + b, color="C1", label=f"fit: y = {w:.2f} x {b:+.2f}")
    left.set_ylim(-5, 3)
    left.set_xlabel("x")
    left.set_ylabel("y")
    left.legend(loc="lower right", fontsize=8)
    left.set_title("data and fitted line" + (" (the line left the plot)" if diverged else ""))
    steps = np.arange(len(result["step_loss"]))
    right.plot(steps, result["step_loss"], linewidth=1)
    epoch_ends = np.arange(1, len(result["epoch_loss"]) + 1) * result["steps_per_epoch"]
    right.scatter(epoch_ends, result["epoch_loss"], s=12, color="C1", zorder=3,
                  label="end of an epoch")
    right.set_yscale("log")
    right.set_xlabel("step")
    right.set_ylabel("MSE on all points")
    right.legend(fontsize=8, loc="best")
    right.set_title(f"{result['steps_per_epoch']} steps per epoch")
    figure.tight_layout()
    return figure


def show_sgd_playground():
    """Sliders for the learning rate and the batch size; redraws the line and the loss.

    Introduced in lesson 09.
    """
    import ipywidgets as widgets
    from IPython.display import display

    def draw(learning_rate, batch_size, num_epochs):
        plot_sgd_fit(sgd_fit_line(learning_rate, batch_size, num_epochs))
        plt.show()

    controls = widgets.interactive(
        draw,
        learning_rate=widgets.FloatLogSlider(value=0.1, base=10, min=-3, max=0.2, step=0.1,
                                             description="learning rate", style={"description_width": "initial"}),
        batch_size=widgets.IntSlider(value=8, min=1, max=64, description="batch size", style={"description_width": "initial"}),
        num_epochs=widgets.IntSlider(value=10, min=1, max=50, description="epochs", style={"description_width": "initial"}),
    )
    display(controls)
