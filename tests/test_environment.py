"""The ways to install the course name the same packages and versions.

requirements.txt (`make setup`) is the whole lock: it includes binder/requirements.txt, the
runtime lock that Binder and the JupyterHub student image install, and adds the tools that
test the course. environment.yml (conda) names every pin of the whole lock.
"""

import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import environment_yml  # noqa: E402

RUNTIME_ROOTS = ("tensorflow", "keras", "numpy", "jupyterlab", "notebook", "nbgrader",
                 "ipywidgets", "matplotlib", "scikit-learn", "tqdm")
DEV_TOOLS = ("pytest", "pytest-xdist", "playwright", "jupyter-repo2docker")


def normalize(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(path):
    """{package name (normalized): version} of a requirements file, `-r` includes followed."""
    return {normalize(line.split("==")[0]): line.split("==")[1]
            for line in environment_yml.lock_lines(path)}


def conda_pins():
    found = {}
    for line in (ROOT / "environment.yml").read_text(encoding="utf-8").splitlines():
        match = re.match(r"^\s*-\s+([A-Za-z0-9_.\-]+)==([^\s;#]+)$", line)
        if match:
            found[normalize(match[1])] = match[2]
    return found


def test_environment_yml_is_the_lock():
    """environment.yml pins every package of the lock at its version, and nothing else."""
    assert conda_pins() == pins(ROOT / "requirements.txt")
    assert environment_yml.main(["--check"]) == 0, "run python tools/environment_yml.py"


def test_runtime_lock_is_complete_and_has_no_dev_tools():
    """binder/requirements.txt holds every dependency of the course's packages (markers and
    extras followed, as installed here), pinned inline, and no test or build tool."""
    runtime = pins(ROOT / "binder" / "requirements.txt")
    text = (ROOT / "binder" / "requirements.txt").read_text(encoding="utf-8")
    assert not re.search(r"^\s*-", text, re.M), "no -r/-e lines: repo2docker caches the layer"
    assert not set(map(normalize, DEV_TOOLS)) & set(runtime)
    needed, done, todo = set(), set(), [(name, "") for name in RUNTIME_ROOTS]
    while todo:
        name, extra = todo.pop()
        if (normalize(name), extra) in done:
            continue
        done.add((normalize(name), extra))
        needed.add(normalize(name))
        for text in metadata.requires(name) or []:
            requirement = Requirement(text)
            if requirement.marker and not requirement.marker.evaluate({"extra": extra}):
                continue
            todo += [(requirement.name, "")] + [(requirement.name, e) for e in requirement.extras]
    needed -= {"setuptools", "wheel"}  # build tools every venv has; the lock never pinned them
    assert needed - set(runtime) == set(), "runtime packages missing from binder/requirements.txt"


def test_whole_lock_is_runtime_plus_dev_tools():
    """requirements.txt = `-r binder/requirements.txt` + tools; no version differs."""
    whole, runtime = pins(ROOT / "requirements.txt"), pins(ROOT / "binder" / "requirements.txt")
    assert {name: whole[name] for name in runtime} == runtime
    assert set(map(normalize, DEV_TOOLS)) <= set(whole)


def test_binder_installs_the_runtime_lock():
    """binder/ installs the runtime lock, the same Python as conda, and course_lib."""
    runtime = (ROOT / "binder" / "runtime.txt").read_text().strip()
    conda_python = re.search(r"python=(\d+\.\d+)", (ROOT / "environment.yml").read_text())[1]
    assert runtime == f"python-{conda_python}"
    assert "pip install --no-deps -e ." in (ROOT / "binder" / "postBuild").read_text()


def test_python_version_is_stated_truthfully():
    """The lock needs Python 3.11 (NumPy 2.4, IPython 9): pyproject, Makefile, README say so."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.11"
    for name in ("Makefile", "README.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert "3.11" in text, name
        assert not re.search(r"Python 3\.10|3\.10\+|3\.10 or newer|\(3, 10\)", text), name
    for name in ("numpy", "ipython"):
        requires = SpecifierSet(metadata.metadata(name)["Requires-Python"])
        assert Version("3.10.99") not in requires and Version("3.11.0") in requires, name


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
    assert sys.version_info >= (3, 11)


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
