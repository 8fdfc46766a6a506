"""course_lib as Colab and a JupyterHub image install it: a built wheel, from a clean copy."""

import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.xdist_group("wheel")  # one wheel built for the module's tests


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """Build the wheel (offline: this environment's setuptools) from a copy of the sources."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "course_lib", source / "course_lib",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "-w", str(work / "dist"), str(source)],
                   check=True, capture_output=True, text=True, timeout=300)
    (built,) = (work / "dist").glob("course_lib-*.whl")
    return built


def test_wheel_ships_the_pretrained_weights(wheel):
    """Lesson 11's weights are in the wheel, byte for byte, with every module."""
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        weights = "course_lib/pretrained/small_digits_base.weights.h5"
        assert weights in names
        assert archive.read(weights) == (ROOT / weights).read_bytes()
    modules = {str(path.relative_to(ROOT)) for path in (ROOT / "course_lib").rglob("*.py")
               if "__pycache__" not in path.parts}
    assert modules <= names, sorted(modules - names)


def test_wheel_declares_lower_bounds_only(wheel):
    """The wheel never pins: Colab's preinstalled NumPy, TensorFlow and Keras stay."""
    with zipfile.ZipFile(wheel) as archive:
        (metadata_name,) = [name for name in archive.namelist() if name.endswith("/METADATA")]
        requires = [line.split(":", 1)[1].strip() for line in
                    archive.read(metadata_name).decode().splitlines()
                    if line.startswith("Requires-Dist:")]
    versions = [line.split(";")[0] for line in requires]
    assert versions and all("==" not in v and "<" not in v and "~=" not in v for v in versions), requires
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    bounds = " ".join(project["dependencies"] + project["optional-dependencies"]["keras"])
    for floor in ("numpy>=2.0", "matplotlib>=3.10", "ipywidgets>=7.7", "tensorflow>=2.19",
                  "keras>=3.10"):
        assert floor in bounds


@pytest.mark.slow
def test_installed_wheel_loads_the_pretrained_base(wheel, tmp_path):
    """Installed from the wheel (not from this checkout), lesson 11's base loads its weights."""
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--quiet",
                    "--target", str(target), str(wheel)], check=True, timeout=300)
    script = ("import course_lib, course_lib.pretrained as p\n"
              f"assert course_lib.__file__.startswith({str(target)!r}), course_lib.__file__\n"
              "print(p.load_small_base().count_params())\n")
    env = dict(os.environ, PYTHONPATH=str(target), TF_CPP_MIN_LOG_LEVEL="3")
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                         text=True, env=env, timeout=300)
    assert run.returncode == 0, run.stderr
    assert run.stdout.split()[-1] == "23424"
