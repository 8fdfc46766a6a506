"""The three ways to install the course name the same packages and versions."""

import re
import sys
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pins(path):
    """{package name (lower case, '-' for '_'): version} of the `name==version` lines of a file."""
    found = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*(?:-\s+)?([A-Za-z0-9_.\-]+)==([^\s;#]+)", line)
        if match:
            found[match[1].lower().replace("_", "-")] = match[2]
    return found


def test_environment_yml_matches_lock():
    """Every package environment.yml pins has the version of requirements.txt."""
    lock = pins(ROOT / "requirements.txt")
    conda = pins(ROOT / "environment.yml")
    assert {"tensorflow", "keras", "numpy", "nbgrader", "jupyterlab", "ipywidgets"} <= set(conda)
    mismatched = {name: (version, lock.get(name)) for name, version in conda.items()
                  if lock.get(name) != version}
    assert not mismatched, f"environment.yml vs requirements.txt: {mismatched}"


def test_binder_installs_the_lock():
    """binder/ installs requirements.txt itself, the same Python, and course_lib."""
    lines = [line.strip() for line in (ROOT / "binder" / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith("#")]
    assert lines == ["-r ../requirements.txt"]
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    conda_python = re.search(r"python=(\d+\.\d+)", (ROOT / "environment.yml").read_text())[1]
    assert runtime == f"python-{conda_python}"
    assert "pip install --no-deps -e ." in (ROOT / "binder" / "postBuild").read_text()


def test_installed_versions_are_the_lock():
    """The running environment is the lock: nothing was silently up- or downgraded."""
    lock = pins(ROOT / "requirements.txt")
    wrong = {}
    for name in ("tensorflow", "keras", "numpy", "nbgrader", "jupyterlab", "notebook",
                 "ipywidgets", "matplotlib"):
        installed = metadata.version(name)
        if installed != lock[name]:
            wrong[name] = (installed, lock[name])
    assert not wrong, wrong
    assert sys.version_info >= (3, 10)


def test_targets_current_releases():
    """The lock holds the releases the course is written for."""
    lock = pins(ROOT / "requirements.txt")
    assert lock["tensorflow"].startswith("2.21.")
    assert lock["keras"].startswith("3.15.")
    assert lock["numpy"].startswith("2.")
    assert lock["nbgrader"] == "0.9.6"
    assert lock["jupyterlab"].startswith("4.6.")
    assert lock["notebook"].startswith("7.")
    assert lock["ipywidgets"].startswith("8.1.")
    assert lock["matplotlib"].startswith("3.11.")
