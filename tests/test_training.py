"""course_lib.training: device setup on CPU, and the GPU / multi-GPU / JAX branches with mocks."""

import sys
import types

import numpy as np
import pytest

from course_lib import training

import keras


@pytest.fixture(autouse=True)
def restore_policy():
    yield
    keras.mixed_precision.set_global_policy("float32")


def test_cpu_setup_prints_one_line_and_chooses_the_short_run(capsys, monkeypatch):
    """On this CPU: float32 kept, batch 32, short run, no strategy, one line printed."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.delenv("COURSE_FULL_RUN", raising=False)
    setup = training.setup_device()
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("[setup_device]")
    assert "no GPU" in lines[0] and "SHORT run" in lines[0] and "float32" in lines[0]
    assert setup.backend == "tensorflow" and setup.accelerator == "cpu" and setup.devices == []
    assert setup.mixed_precision == "float32" == keras.mixed_precision.global_policy().name
    assert setup.batch_size == training.SHORT_BATCH_SIZE and setup.strategy is None
    assert setup.full_run is False
    assert setup.epochs(3, 50) == 3 and setup.subset(100, None) == 100


def test_full_run_asked_on_cpu_stays_short(capsys, monkeypatch):
    """FULL_RUN=True (or COURSE_FULL_RUN=1) without an accelerator still runs short, and says why."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setenv("COURSE_FULL_RUN", "1")
    setup = training.setup_device()
    assert setup.full_run is False and "no accelerator" in capsys.readouterr().out
    setup = training.setup_device(full_run=True, verbose=False)
    assert setup.full_run is False


def test_wants_full_run():
    """The full run needs to be asked for AND an accelerator, and never under nbgrader."""
    assert training.wants_full_run(True, "gpu", {})[0] is True
    assert training.wants_full_run(None, "gpu", {"COURSE_FULL_RUN": "1"})[0] is True
    assert training.wants_full_run(None, "gpu", {})[0] is False
    assert training.wants_full_run(True, "cpu", {})[0] is False
    assert training.wants_full_run(True, "gpu", {"NBGRADER_EXECUTION": "autograde"})[0] is False


@pytest.mark.parametrize("accelerator, capabilities, expected", [
    ("cpu", [], "float32"),
    ("gpu", [(6, 1)], "float32"),            # Pascal: no tensor cores
    ("gpu", [(7, 0)], "mixed_float16"),      # V100
    ("gpu", [(7, 5)], "mixed_float16"),      # T4 (Colab)
    ("gpu", [(8, 0)], "mixed_bfloat16"),     # A100
    ("gpu", [(9, 0), (9, 0)], "mixed_bfloat16"),
    ("gpu", [(8, 6), (7, 5)], "mixed_float16"),  # mixed cards: the weakest decides
    ("gpu", [], "float32"),                  # capability unknown: stay safe
    ("tpu", [], "mixed_bfloat16"),
])
def test_choose_precision(accelerator, capabilities, expected):
    assert training.choose_precision(accelerator, capabilities) == expected


def test_batch_size():
    assert training.choose_batch_size("cpu", 0, False) == training.SHORT_BATCH_SIZE
    assert training.choose_batch_size("gpu", 1, False) == training.SHORT_BATCH_SIZE
    assert training.choose_batch_size("gpu", 1, True) == 256
    assert training.choose_batch_size("gpu", 4, True) == 1024


def fake_tensorflow_gpus(monkeypatch, capabilities):
    import tensorflow as tf

    devices = [types.SimpleNamespace(name=f"/physical_device:GPU:{i}", device_type="GPU")
               for i in range(len(capabilities))]
    growth = []
    monkeypatch.setattr(tf.config, "list_physical_devices",
                        lambda kind=None: devices if kind == "GPU" else [])
    monkeypatch.setattr(tf.config.experimental, "set_memory_growth",
                        lambda device, flag: growth.append((device.name, flag)))
    details = {device.name: {"device_name": "Fake GPU", "compute_capability": capability}
               for device, capability in zip(devices, capabilities)}
    monkeypatch.setattr(tf.config.experimental, "get_device_details",
                        lambda device: details[device.name])
    created = []

    class FakeMirroredStrategy:
        def __init__(self, *args, **kwargs):
            created.append((args, kwargs))

    monkeypatch.setattr(tf.distribute, "MirroredStrategy", FakeMirroredStrategy)
    return growth, created, FakeMirroredStrategy


def test_one_gpu_turns_on_mixed_precision_and_memory_growth(monkeypatch, capsys):
    """A T4: mixed_float16, memory growth, batch 256 in the full run, no strategy."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    growth, created, _ = fake_tensorflow_gpus(monkeypatch, [(7, 5)])
    setup = training.setup_device(full_run=True)
    line = capsys.readouterr().out
    assert setup.accelerator == "gpu" and setup.devices == ["Fake GPU"]
    assert setup.mixed_precision == "mixed_float16"
    assert keras.mixed_precision.global_policy().name == "mixed_float16"
    assert growth == [("/physical_device:GPU:0", True)]
    assert setup.full_run and setup.batch_size == 256 and setup.strategy is None and not created
    assert "1 GPU(s): Fake GPU" in line and "FULL run" in line and "mixed_float16" in line


def test_two_gpus_use_mirrored_strategy(monkeypatch, capsys):
    """Two A100s: MirroredStrategy (mocked), bfloat16, batch 512."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    _, created, fake = fake_tensorflow_gpus(monkeypatch, [(8, 0), (8, 0)])
    setup = training.setup_device(full_run=True)
    assert isinstance(setup.strategy, fake) and len(created) == 1
    assert setup.mixed_precision == "mixed_bfloat16" and setup.batch_size == 512
    assert "FakeMirroredStrategy" in capsys.readouterr().out


def test_gpu_under_the_autograder_is_short(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    fake_tensorflow_gpus(monkeypatch, [(8, 0)])
    setup = training.setup_device(full_run=True, verbose=False)
    assert setup.full_run is False and setup.batch_size == training.SHORT_BATCH_SIZE


def fake_jax(monkeypatch, devices):
    module = types.ModuleType("jax")
    module.devices = lambda: devices
    monkeypatch.setitem(sys.modules, "jax", module)
    monkeypatch.setattr(keras.backend, "backend", lambda: "jax")


def test_jax_branch_selection_with_mocks(monkeypatch):
    """On JAX: jax.devices() decides; several GPUs use keras.distribution.DataParallel."""
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    gpu = types.SimpleNamespace(platform="gpu", device_kind="NVIDIA H100", compute_capability="9.0")
    fake_jax(monkeypatch, [gpu, gpu])
    made = []
    monkeypatch.setattr(keras.distribution, "DataParallel", lambda *a, **k: made.append("dp") or "DP")
    monkeypatch.setattr(keras.distribution, "set_distribution", lambda d: made.append(("set", d)))
    setup = training.setup_device(full_run=True, verbose=False)
    assert setup.backend == "jax" and setup.accelerator == "gpu"
    assert setup.devices == ["NVIDIA H100", "NVIDIA H100"] and setup.compute_capabilities == [(9, 0)] * 2
    assert setup.mixed_precision == "mixed_bfloat16" and setup.strategy == "DP"
    assert made == ["dp", ("set", "DP")] and setup.batch_size == 512


def test_jax_on_cpu(monkeypatch):
    fake_jax(monkeypatch, [types.SimpleNamespace(platform="cpu", device_kind="cpu")])
    setup = training.setup_device(verbose=False)
    assert (setup.accelerator, setup.mixed_precision, setup.strategy) == ("cpu", "float32", None)


def test_jax_tpu(monkeypatch):
    fake_jax(monkeypatch, [types.SimpleNamespace(platform="tpu", device_kind="TPU v4")])
    setup = training.setup_device(verbose=False)
    assert setup.accelerator == "tpu" and setup.mixed_precision == "mixed_bfloat16"


def test_plot_history():
    import matplotlib

    matplotlib.use("Agg")
    logs = {"loss": [1.0, 0.5], "val_loss": [1.1, 0.7], "accuracy": [0.5, 0.8]}
    figure = training.plot_history(logs)
    assert len(figure.axes) == 2
    assert len(figure.axes[0].lines) == 2 and len(figure.axes[1].lines) == 1
    with pytest.raises(ValueError, match="none of"):
        training.plot_history({"mae": [1.0]})


def test_reference_models_match_the_syllabus():
    """269,322 and 528,054 parameters, as keras counts them; the small base 23,424."""
    from course_lib import pretrained

    assert training.build_mnist_mlp().count_params() == 269_322
    cnn = training.build_cifar10_cnn()
    assert cnn.count_params() == 528_054
    assert [layer.count_params() for layer in cnn.layers if layer.count_params()] == [
        208, 2_080, 8_256, 512_500, 5_010]
    base = pretrained.load_small_base()
    assert training.count_trainable_params(base) == (23_360, 64)
    model = training.build_frozen_classifier(base, 5)
    assert training.count_trainable_params(model) == (7 * 7 * 64 * 5 + 5, 23_424)
    assert model.output_shape == (None, 5)


def test_compile_and_train_runs():
    rng = np.random.default_rng(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
    history = training.compile_and_train(model, rng.normal(size=(20, 4)),
                                         rng.integers(0, 3, 20), epochs=2, batch_size=8)
    assert len(history.history["val_loss"]) == 2


def test_committed_base_weights_are_small_and_load():
    from course_lib import pretrained

    assert pretrained.WEIGHTS.stat().st_size < 2 * 2**20
    base = pretrained.load_small_base()
    kernel = base.get_layer("conv1").get_weights()[0]
    assert kernel.shape == (3, 3, 1, 16) and np.abs(kernel).sum() > 0
