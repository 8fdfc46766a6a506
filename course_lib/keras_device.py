"""Device setup for the Keras lessons (10 and 11): one cell that trains well anywhere.

`setup_device()` looks at the accelerators the active Keras backend sees
(TensorFlow by default, JAX with KERAS_BACKEND=jax), turns on mixed precision
where the hardware gains from it, picks a batch size, uses the framework's own
data-parallel engine when there are several GPUs, and prints one line saying
what it found and chose. On a machine without an accelerator (Binder, a
laptop, the autograder) it chooses the short run; the full run is one variable
away (`setup_device(full_run=True)` or the environment variable
COURSE_FULL_RUN=1) and only happens on an accelerator.

The decisions (`choose_precision`, `wants_full_run`, `choose_batch_size`) are pure
functions; the framework is imported inside the functions that need it, and only
the active backend's: TensorFlow is never imported under KERAS_BACKEND=jax.
The lessons reach this module as `course_lib.training`.

Introduced in lesson 10.
"""

import os
from dataclasses import dataclass, field

SHORT_BATCH_SIZE = 32       # CPU: small batches train a small model fastest per epoch
GPU_BATCH_PER_DEVICE = 256  # an accelerator is fed bigger batches, scaled per device


@dataclass
class DeviceSetup:
    """What setup_device found and chose.

    - backend: "tensorflow", "jax" or "torch"
    - devices: names of the accelerators found (empty on CPU)
    - accelerator: "gpu", "tpu" or "cpu"
    - compute_capabilities: (major, minor) per GPU, when known
    - mixed_precision: the global Keras dtype policy, "float32", "mixed_float16" or "mixed_bfloat16"
    - batch_size: the global batch size to use in fit()
    - strategy: a tf.distribute.MirroredStrategy (TensorFlow) or a
      keras.distribution.DataParallel (JAX) with several GPUs, else None
    - full_run: True for the full training run, False for the short CPU version
    - reason: why the run is short or full, in words
    """

    backend: str
    devices: list = field(default_factory=list)
    accelerator: str = "cpu"
    compute_capabilities: list = field(default_factory=list)
    mixed_precision: str = "float32"
    batch_size: int = SHORT_BATCH_SIZE
    strategy: object = None
    full_run: bool = False
    reason: str = ""

    def scope(self):
        """A context for building and compiling models: the strategy's scope, or a no-op."""
        import contextlib

        if self.strategy is not None and hasattr(self.strategy, "scope"):
            return self.strategy.scope()
        return contextlib.nullcontext()

    def epochs(self, short, full):
        """`full` epochs for the full run, `short` for the short one."""
        return full if self.full_run else short

    def subset(self, short, full=None):
        """How many training examples to use: `short` in the short run, `full` (None: all)."""
        return full if self.full_run else short


# ---------------------------------------------------------------------------------------
# Pure decisions: no framework needed, unit-tested directly.

def choose_precision(accelerator, compute_capabilities=(), bf16_supported=False):
    """The Keras dtype policy that makes training faster on this hardware.

    Inputs:
    - accelerator: "gpu", "tpu" or "cpu"
    - compute_capabilities: (major, minor) for each GPU
    - bf16_supported: whether the accelerator computes in bfloat16 (TPUs do)

    Returns "mixed_bfloat16" on GPUs of compute capability >= 8.0 (Ampere and later) and on
    TPUs, "mixed_float16" on GPUs >= 7.0 (tensor cores), else "float32" (CPUs, older GPUs:
    mixed precision would only add casts).

    Introduced in lesson 10.
    """
    if accelerator == "tpu" or (accelerator == "gpu" and bf16_supported and not compute_capabilities):
        return "mixed_bfloat16"
    if accelerator != "gpu" or not compute_capabilities:
        return "float32"
    lowest = min(tuple(capability) for capability in compute_capabilities)
    if lowest >= (8, 0):
        return "mixed_bfloat16"
    if lowest >= (7, 0):
        return "mixed_float16"
    return "float32"


def wants_full_run(full_run=None, accelerator="cpu", environ=None):
    """(full_run, reason): the full run only when asked for AND an accelerator exists.

    Asked for: `full_run=True`, or the environment variable COURSE_FULL_RUN=1 when
    `full_run` is None. Never under the autograder (nbgrader sets NBGRADER_EXECUTION).

    Introduced in lesson 10.
    """
    environ = os.environ if environ is None else environ
    if "NBGRADER_EXECUTION" in environ:
        return False, "autograder: always the short run"
    if full_run is None:
        full_run = environ.get("COURSE_FULL_RUN", "") not in ("", "0")
    if not full_run:
        return False, "short run (set FULL_RUN = True or COURSE_FULL_RUN=1 for the full one)"
    if accelerator == "cpu":
        return False, "full run asked for, but no accelerator: short run instead"
    return True, "full run"


def choose_batch_size(accelerator, num_devices, full_run, per_device=GPU_BATCH_PER_DEVICE,
                      short=SHORT_BATCH_SIZE):
    """Global batch size: `short` on CPU or in the short run, else per_device * num_devices."""
    if accelerator == "cpu" or not full_run:
        return short
    return per_device * max(1, num_devices)


# ---------------------------------------------------------------------------------------
# What the backend sees.

def _tensorflow_devices():
    """[(name, (major, minor) or None)] for the GPUs TensorFlow sees; enables memory growth."""
    import tensorflow as tf

    found = []
    for device in tf.config.list_physical_devices("GPU"):
        try:
            tf.config.experimental.set_memory_growth(device, True)
        except (RuntimeError, ValueError):
            pass  # already initialized: growth can only be set before first use
        try:
            details = tf.config.experimental.get_device_details(device)
        except (RuntimeError, ValueError, AttributeError):
            details = {}
        name = details.get("device_name", getattr(device, "name", "GPU"))
        found.append((name, details.get("compute_capability")))
    return found


def _jax_devices():
    """(accelerator, [(name, (major, minor) or None)]) for the devices JAX sees."""
    import jax

    devices = jax.devices()
    platform = devices[0].platform if devices else "cpu"
    if platform == "cpu":
        return "cpu", []
    found = []
    for device in devices:
        capability = getattr(device, "compute_capability", None)
        if isinstance(capability, str):  # JAX reports "8.0"
            capability = tuple(int(part) for part in capability.split(".")[:2])
        found.append((getattr(device, "device_kind", str(device)), capability))
    return ("tpu" if platform == "tpu" else "gpu"), found


def _make_strategy(backend, num_devices):
    """The framework's own data-parallel engine for several devices, or None."""
    if num_devices < 2:
        return None
    if backend == "tensorflow":
        import tensorflow as tf

        return tf.distribute.MirroredStrategy()
    if backend == "jax":
        import keras

        distribution = keras.distribution.DataParallel()
        keras.distribution.set_distribution(distribution)
        return distribution
    return None


def _set_policy(policy):
    import keras

    keras.mixed_precision.set_global_policy(policy)


def setup_device(full_run=None, verbose=True):
    """Find the accelerator, choose precision, batch size and data parallelism; say so in one line.

    Inputs:
    - full_run: True for the full training run (only on an accelerator), False for the
      short CPU version, None to read the environment variable COURSE_FULL_RUN
    - verbose: print the one-line summary

    Returns a DeviceSetup.

    Introduced in lesson 10.
    """
    import keras

    backend = keras.backend.backend()
    if backend == "tensorflow":
        found = _tensorflow_devices()
        accelerator = "gpu" if found else "cpu"
    elif backend == "jax":
        accelerator, found = _jax_devices()
    else:  # torch or numpy: use the CPU settings, which are always safe
        found, accelerator = [], "cpu"
    names = [name for name, _ in found]
    capabilities = [tuple(cap) for _, cap in found if cap is not None]
    policy = choose_precision(accelerator, capabilities)
    _set_policy(policy)
    full, reason = wants_full_run(full_run, accelerator)
    batch_size = choose_batch_size(accelerator, len(found), full)
    strategy = _make_strategy(backend, len(found)) if accelerator != "cpu" else None
    setup = DeviceSetup(backend=backend, devices=names, accelerator=accelerator,
                        compute_capabilities=capabilities, mixed_precision=policy,
                        batch_size=batch_size, strategy=strategy, full_run=full, reason=reason)
    if verbose:
        print(describe_setup(setup))
    return setup


def describe_setup(setup):
    """The one line setup_device prints."""
    if setup.accelerator == "cpu":
        found = "no GPU found, CPU only"
    else:
        kinds = sorted(set(setup.devices))
        found = f"{len(setup.devices)} {setup.accelerator.upper()}(s): {', '.join(kinds)}"
    parallel = f", {type(setup.strategy).__name__}" if setup.strategy is not None else ""
    mode = "FULL run" if setup.full_run else "SHORT run"
    return (f"[setup_device] Keras {setup.backend} backend, {found}; precision "
            f"{setup.mixed_precision}, batch size {setup.batch_size}{parallel}; "
            f"{mode}: {setup.reason}.")
