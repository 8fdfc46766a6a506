"""A NumPy minibatch training loop for course_lib.network.Sequential, with a progress bar.

    optimizer = Adam(learning_rate=0.01)                 # or SGD(..., step=your_sgd_step)
    history = train(network, x_train, y_train, optimizer, num_epochs=10, batch_size=32,
                    validation_data=(x_val, y_val), rng=np.random.default_rng(0))
    plot_learning_curves(history)

One *epoch* is one pass over the shuffled training set; it is cut into *batches* of
`batch_size` examples, and each batch makes one optimizer *step*. Like Keras' `fit`,
the training loss and accuracy of an epoch are averages over its batches (with
dropout on, and the L2 penalty included in the loss), and the validation ones are
computed at the end of the epoch, at inference.

The optimizers take the step function as an argument (default: course_lib.optim),
so a lesson can train with the learner's own `sgd_step` or `adam_step`.

Introduced in lesson 07; the optimizer classes in lesson 09.
"""

import contextlib

import numpy as np

from course_lib import curves, losses, optim, regularization


def _one_blas_thread():
    """Run BLAS on one thread: for the tiny matrices of these networks, extra threads cost
    more in start-up and contention than they save (several times slower on a busy 2-core
    machine)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # threadpoolctl comes with scikit-learn; without it, change nothing
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


class SGD:
    """Gradient descent with momentum on every parameter, through `step` (sgd_step)."""

    def __init__(self, learning_rate=0.01, momentum=0.0, step=None):
        self.learning_rate, self.momentum = learning_rate, momentum
        self.step = step or optim.sgd_step
        self.velocity = {}

    def update(self, network):
        for parameter in network.parameters():
            parameter.value, self.velocity[parameter] = self.step(
                parameter.value, parameter.grad, learning_rate=self.learning_rate,
                momentum=self.momentum, velocity=self.velocity.get(parameter))


class Adam:
    """Adam on every parameter, through `step` (adam_step), one state dict per parameter."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, step=None):
        self.hyper = dict(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2,
                          epsilon=epsilon)
        self.step = step or optim.adam_step
        self.states = {}

    def update(self, network):
        for parameter in network.parameters():
            state = self.states.setdefault(parameter, {})
            parameter.value = self.step(parameter.value, parameter.grad, state, **self.hyper)


class RMSprop:
    """RMSprop on every parameter, through `step` (rmsprop_step), one state dict per parameter."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, step=None):
        self.hyper = dict(learning_rate=learning_rate, rho=rho, momentum=momentum,
                          epsilon=epsilon)
        self.step = step or optim.rmsprop_step
        self.states = {}

    def update(self, network):
        for parameter in network.parameters():
            state = self.states.setdefault(parameter, {})
            parameter.value = self.step(parameter.value, parameter.grad, state, **self.hyper)


def early_stopping_epochs(values, min_delta=0.0, patience=0):
    """Apply keras.callbacks.EarlyStopping's rule (mode "min") to a list of epoch values.

    An epoch improves when its value is below best - min_delta. `wait` counts the
    epochs since the last improvement; training stops at the first epoch (not the
    first one) where wait >= patience.

    Inputs:
    - values: the monitored value (e.g. validation loss) of each epoch, in order
    - min_delta: the smallest decrease that counts as an improvement
    - patience: how many epochs without improvement to accept

    Returns a tuple of:
    - stop_epoch: index of the epoch after which training stops, or None if it never does
    - best_epoch: index of the best epoch seen until then (its weights are the ones
      restore_best_weights=True puts back)

    Introduced in lesson 07.
    """
    stopper = EarlyStopping(min_delta=min_delta, patience=patience)
    for epoch, value in enumerate(values):
        if stopper.update(epoch, value):
            return epoch, stopper.best_epoch
    return None, stopper.best_epoch


class EarlyStopping:
    """keras.callbacks.EarlyStopping(monitor="val_loss", min_delta, patience,
    restore_best_weights) for the NumPy loop.

    Introduced in lesson 07.
    """

    def __init__(self, min_delta=0.0, patience=0, restore_best_weights=False):
        self.min_delta, self.patience = abs(min_delta), patience
        self.restore_best_weights = restore_best_weights
        self.best, self.best_epoch, self.best_weights = None, 0, None
        self.wait, self.stopped_epoch = 0, None

    def update(self, epoch, value, network=None):
        """Record one epoch's value; True when training should stop."""
        self.wait += 1
        if self.best is None or value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights and network is not None:
                self.best_weights = network.get_weights()
            return False
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            return True
        return False


def accuracy(logits, labels):
    """Fraction of rows whose largest logit is at the true label."""
    return float(np.mean(np.argmax(logits, axis=1) == labels))


def _kernels(network):
    """The Parameters the L2 penalty applies to: kernels, not biases, as in Keras."""
    return [parameter for parameter in network.parameters() if parameter.is_kernel]


def evaluate(network, x, y, loss=losses.softmax_cross_entropy, l2=0.0):
    """(loss, accuracy) of the network on (x, y) at inference; the loss includes the L2 penalty.

    Introduced in lesson 07.
    """
    logits = network.predict(x)
    value, _ = loss(logits, y)
    value += sum(regularization.l2_penalty(p.value, l2) for p in _kernels(network)) if l2 else 0.0
    return float(value), accuracy(logits, y)


def train(network, x_train, y_train, optimizer, num_epochs, batch_size=32,
          validation_data=None, loss=losses.softmax_cross_entropy, l2=0.0,
          early_stopping=None, rng=None, progress=True, description="training"):
    """Train `network` with minibatches; return the history of each epoch.

    Inputs:
    - network: a course_lib.network.Sequential giving logits
    - x_train: inputs, of shape (N, ...); y_train: integer labels, of shape (N,)
    - optimizer: an SGD, RMSprop or Adam from this module (anything with update(network))
    - num_epochs: passes over the training set
    - batch_size: examples per step; the last batch of an epoch may be smaller
    - validation_data: (x_val, y_val), evaluated after every epoch, or None
    - loss: function(logits, labels) -> (loss, dlogits), mean over the batch
    - l2: strength of the L2 penalty 0.5 * l2 * sum(w^2) on every kernel
    - early_stopping: an EarlyStopping watching the validation loss, or None
    - rng: np.random.Generator used to shuffle (default: seeded with 0)
    - progress: show a tqdm progress bar (one tick per epoch)

    Returns:
    - history: {"loss", "accuracy", "val_loss", "val_accuracy"}: one float per epoch
      (the validation lists stay empty without validation_data), and "stopped_epoch"
      (the epoch early stopping stopped after, or None). "loss" includes the L2 penalty,
      as in Keras; "val_loss" is the data loss alone (Keras adds the penalty to it too),
      so that networks trained with and without L2 can be compared on it.

    Introduced in lesson 07.
    """
    from tqdm.auto import tqdm

    if early_stopping is not None and validation_data is None:
        raise ValueError("train: early_stopping watches the validation loss; "
                         "give validation_data=(x_val, y_val)")
    rng = np.random.default_rng(0) if rng is None else rng
    history = {"loss": [], "accuracy": [], "val_loss": [], "val_accuracy": [],
               "stopped_epoch": None}
    with _one_blas_thread():
        _train_epochs(network, x_train, y_train, optimizer, num_epochs, batch_size,
                      validation_data, loss, l2, early_stopping, rng,
                      tqdm(range(num_epochs), desc=description, disable=not progress), history)
    if early_stopping is not None and early_stopping.best_weights is not None:
        network.set_weights(early_stopping.best_weights)
    return history


def _train_epochs(network, x_train, y_train, optimizer, num_epochs, batch_size,
                  validation_data, loss, l2, early_stopping, rng, bar, history):
    count = len(x_train)
    for epoch in bar:
        order = rng.permutation(count)
        total_loss = total_correct = 0.0
        for start in range(0, count, batch_size):
            batch = order[start:start + batch_size]
            logits = network.forward(x_train[batch], training=True)
            value, dlogits = loss(logits, y_train[batch])
            network.backward(dlogits)
            if l2:
                for kernel in _kernels(network):
                    kernel.grad = kernel.grad + regularization.l2_grad(kernel.value, l2)
                    value += regularization.l2_penalty(kernel.value, l2)
            optimizer.update(network)
            total_loss += value * len(batch)
            total_correct += np.sum(np.argmax(logits, axis=1) == y_train[batch])
        history["loss"].append(float(total_loss / count))
        history["accuracy"].append(float(total_correct / count))
        summary = {"loss": f"{history['loss'][-1]:.3f}", "acc": f"{history['accuracy'][-1]:.3f}"}
        if validation_data is not None:
            val_loss, val_accuracy = evaluate(network, *validation_data, loss=loss)
            history["val_loss"].append(val_loss)
            history["val_accuracy"].append(val_accuracy)
            summary.update(val_loss=f"{val_loss:.3f}", val_acc=f"{val_accuracy:.3f}")
        bar.set_postfix(summary)
        if early_stopping is not None and early_stopping.update(epoch, history["val_loss"][-1],
                                                                network):
            history["stopped_epoch"] = epoch
            break
    bar.close()


def plot_learning_curves(history, title=None, axes=None):
    """Loss and accuracy per epoch, training and validation, side by side.

    Inputs:
    - history: the dict returned by train
    - title: a title over both panels
    - axes: two matplotlib axes to draw on (default: a new figure)

    Returns:
    - figure: the matplotlib figure

    Introduced in lesson 07.
    """
    return curves.plot_curves(history, title=title, axes=axes, caller="plot_learning_curves")
