"""The Keras helpers of lessons 10 and 11, under the name the lessons import.

The NumPy training loop of lessons 07 and 09 is `course_lib.training_loop`; this
module gathers the Keras side, written in two modules named for what they hold:

- `course_lib.keras_device`: `setup_device()` and its pure decisions (precision,
  full or short run, batch size, data parallelism), `DeviceSetup`;
- `course_lib.keras_models`: `build_mnist_mlp`, `build_cifar10_cnn`,
  `compile_and_train`, `build_frozen_classifier`, `count_trainable_params`;

and `plot_history`, the learning curves of `model.fit` (`course_lib.curves`).

Keras is imported inside the functions: `import course_lib.training` never imports
TensorFlow.
"""

from course_lib import curves
from course_lib.keras_device import (  # noqa: F401 (re-exported for the lessons)
    GPU_BATCH_PER_DEVICE,
    SHORT_BATCH_SIZE,
    DeviceSetup,
    choose_batch_size,
    choose_precision,
    describe_setup,
    setup_device,
    wants_full_run,
)
from course_lib.keras_models import (  # noqa: F401 (re-exported for the lessons)
    build_cifar10_cnn,
    build_frozen_classifier,
    build_mnist_mlp,
    compile_and_train,
    count_trainable_params,
)


def plot_history(history, metrics=("loss", "accuracy"), title=None):
    """Learning curves from `model.fit`'s History: one panel per metric, train vs validation.

    Inputs:
    - history: a keras.callbacks.History, or its `.history` dict
    - metrics: names to plot; a missing one is skipped

    Returns the matplotlib Figure.

    Introduced in lesson 10.
    """
    return curves.plot_curves(history, metrics, title, caller="plot_history")
