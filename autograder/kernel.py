"""The grading kernel: an IPython kernel with limits, a tamper guard and numpy preloaded.

`install_kernelspec(folder, limits)` writes a Jupyter kernel spec named
KERNEL_NAME under folder/kernels; a process that puts `folder` first on
JUPYTER_PATH and sets `Execute.kernel_name = KERNEL_NAME` runs every submission
in this kernel instead of the stock `python3` one.

`python -m autograder.kernel -f CONNECTION_FILE` is the kernel itself. Before
starting ipykernel it:

- caps its address space (RLIMIT_AS, a memory bomb gets MemoryError), its CPU
  time (RLIMIT_CPU, the whole notebook's budget) and the size of files it writes;
- writes its pid to $CNN_GRADER_PID_DIR so the grader can kill it when the
  notebook runs past its wall-clock limit, and exits if its parent dies;
- caps what one cell may print ($CNN_GRADER_OUTPUT_BYTES), so a notebook that
  prints 100 MB does not fill the grader's memory;
- imports numpy and course_lib and snapshots them (autograder.tamper).
"""

import json
import os
import resource
import sys
import threading
import time
from pathlib import Path

KERNEL_NAME = "cnn-grader"
COURSE_ROOT = Path(__file__).resolve().parents[1]


def install_kernelspec(folder, memory_bytes, cpu_seconds, output_bytes, pid_dir):
    """Write folder/kernels/KERNEL_NAME/kernel.json; return `folder` (for JUPYTER_PATH)."""
    spec_dir = Path(folder) / "kernels" / KERNEL_NAME
    spec_dir.mkdir(parents=True, exist_ok=True)
    spec = {
        "argv": [sys.executable, "-m", "autograder.kernel", "-f", "{connection_file}"],
        "display_name": "CNN Foundations grader",
        "language": "python",
        "env": {
            "PYTHONPATH": os.pathsep.join(filter(None, [str(COURSE_ROOT),
                                                        os.environ.get("PYTHONPATH")])),
            "CNN_GRADER_MEMORY_BYTES": str(int(memory_bytes)),
            "CNN_GRADER_CPU_SECONDS": str(int(cpu_seconds)),
            "CNN_GRADER_OUTPUT_BYTES": str(int(output_bytes)),
            "CNN_GRADER_PID_DIR": str(pid_dir),
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        },
    }
    (spec_dir / "kernel.json").write_text(json.dumps(spec, indent=1), encoding="utf-8")
    return Path(folder)


def _set_limits():
    memory = int(os.environ.get("CNN_GRADER_MEMORY_BYTES", "0"))
    cpu = int(os.environ.get("CNN_GRADER_CPU_SECONDS", "0"))
    if memory > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if cpu > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    one_gib = 2**30
    resource.setrlimit(resource.RLIMIT_FSIZE, (one_gib, one_gib))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _record_pid():
    pid_dir = os.environ.get("CNN_GRADER_PID_DIR")
    if pid_dir:
        Path(pid_dir).mkdir(parents=True, exist_ok=True)
        (Path(pid_dir) / str(os.getpid())).write_text("", encoding="utf-8")


def _exit_with_parent():
    parent = os.getppid()

    def watch():
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _cap_output():
    """Drop what a cell prints beyond CNN_GRADER_OUTPUT_BYTES (per stream, per cell)."""
    limit = int(os.environ.get("CNN_GRADER_OUTPUT_BYTES", "0"))
    if limit <= 0:
        return
    from ipykernel.iostream import OutStream

    original_write = OutStream.write
    counts = {}

    def write(self, text):
        used = counts.get(id(self), 0)
        if used >= limit:
            return len(text)
        counts[id(self)] = used + len(text)
        if used + len(text) > limit:
            original_write(self, text[: limit - used])
            return original_write(self, f"\n... output truncated after {limit} characters ...\n")
        return original_write(self, text)

    def reset(*_):
        counts.clear()

    OutStream.write = write
    from IPython import get_ipython

    get_ipython().events.register("pre_run_cell", reset)


STARTUP = "\n".join([
    "import autograder.kernel as _cnn_kernel",
    "_cnn_kernel._cap_output()",
    "import autograder.tamper as _cnn_tamper",
    "_cnn_tamper.install()",
    "del _cnn_kernel, _cnn_tamper",
])


def main(argv):
    """Start ipykernel with the limits set and the guard installed."""
    _set_limits()
    _record_pid()
    _exit_with_parent()
    from ipykernel.kernelapp import IPKernelApp

    IPKernelApp.launch_instance(argv=[*argv, "--HistoryManager.hist_file=:memory:",
                                                  "--IPKernelApp.log_level=ERROR"],
                                exec_lines=[STARTUP])


if __name__ == "__main__":
    main(sys.argv[1:])
