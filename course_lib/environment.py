"""What this machine is: Python and package versions, CPU, memory, GPU, where it runs.

Lesson 00 prints this so a learner (or whoever helps them) sees at a glance
what the course runs on. Nothing here imports TensorFlow: versions come from
the installed packages' metadata and the GPU from the NVIDIA driver's tool.
"""

import os
import platform
import shutil
import subprocess
import sys
from importlib import metadata

PACKAGES = ("numpy", "matplotlib", "ipywidgets", "nbgrader", "tensorflow", "keras", "jupyterlab")


def package_versions(names=PACKAGES):
    """{package: version string, or None when it is not installed}."""
    versions = {}
    for name in names:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def where_running(environ=None, modules=None):
    """'colab', 'binder', 'kaggle' or 'local', from the environment the kernel sees."""
    environ = os.environ if environ is None else environ
    modules = sys.modules if modules is None else modules
    if "google.colab" in modules or "COLAB_RELEASE_TAG" in environ:
        return "colab"
    if "BINDER_SERVICE_HOST" in environ or "BINDER_LAUNCH_HOST" in environ:
        return "binder"
    if "KAGGLE_KERNEL_RUN_TYPE" in environ:
        return "kaggle"
    return "local"


def gpu_names():
    """Names of the NVIDIA GPUs the driver reports (an empty list when there are none)."""
    if shutil.which("nvidia-smi") is None:
        return []
    try:
        result = subprocess.run(["nvidia-smi", "--query-gpu=name", "--format=csv,noheader"],
                                capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return []
    if result.returncode != 0:
        return []
    return [line.strip() for line in result.stdout.splitlines() if line.strip()]


def memory_gib():
    """Total memory of the machine in GiB, or None when it cannot be read."""
    try:
        pages, page_size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None
    return round(pages * page_size / 2**30, 1)


def describe_environment():
    """A dict describing the machine: python, packages, cpus, memory_gib, gpus, running_on.

    Introduced in lesson 00.
    """
    return {
        "python": platform.python_version(),
        "platform": platform.platform(terse=True),
        "packages": package_versions(),
        "cpus": os.cpu_count(),
        "memory_gib": memory_gib(),
        "gpus": gpu_names(),
        "running_on": where_running(),
    }


def print_environment(info=None):
    """Print describe_environment() as a short report. Introduced in lesson 00."""
    info = describe_environment() if info is None else info
    print(f"Python {info['python']} on {info['platform']} ({info['running_on']})")
    print(f"CPU cores: {info['cpus']}   memory: {info['memory_gib']} GiB")
    gpus = info["gpus"]
    print("GPU: " + (", ".join(gpus) if gpus else "none found (every lesson runs on a CPU)"))
    for name, version in info["packages"].items():
        print(f"  {name:<11} {version or 'not installed'}")
