"""The student's kernel in the sandbox: ipykernel with limits and a cap on printed output.

`python -m <package>.kernel -f CONNECTION_FILE` sets, before anything else:

- RLIMIT_AS (address space of each process), RLIMIT_CPU (the notebook's CPU
  budget), RLIMIT_FSIZE (1 GiB per file), no core dumps, RLIMIT_NPROC;
- a cap on what one cell may print ($CNN_GRADER_OUTPUT_BYTES), so that a
  notebook printing 100 MB sends 1 MB; the grader caps what it receives too.

The sandbox around it (autograder/sandbox.py) limits the whole process tree;
these limits are a second line, not the boundary.
"""

import os
import resource
import sys

ONE_GIB = 2**30


def _set_limits():
    memory = int(os.environ.get("CNN_GRADER_MEMORY_BYTES", "0"))
    cpu = int(os.environ.get("CNN_GRADER_CPU_SECONDS", "0"))
    processes = int(os.environ.get("CNN_GRADER_PROCESSES", "0"))
    if memory > 0:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    if cpu > 0:
        resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 5))
    if processes > 0:
        resource.setrlimit(resource.RLIMIT_NPROC, (processes, processes))
    resource.setrlimit(resource.RLIMIT_FSIZE, (ONE_GIB, ONE_GIB))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def cap_output():
    """Drop what a cell prints beyond CNN_GRADER_OUTPUT_BYTES (per stream, per cell)."""
    limit = int(os.environ.get("CNN_GRADER_OUTPUT_BYTES", "0"))
    if limit <= 0:
        return
    from IPython import get_ipython
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

    OutStream.write = write
    get_ipython().events.register("pre_run_cell", lambda *_: counts.clear())


def main(argv):
    _set_limits()
    quiet = os.open(os.devnull, os.O_WRONLY)  # the kernel's own banners; cells are captured
    os.dup2(quiet, 1)
    os.dup2(quiet, 2)
    from ipykernel.kernelapp import IPKernelApp

    package = __package__ or __name__.rpartition(".")[0]  # "cnn_inside" under python -m
    IPKernelApp.launch_instance(
        argv=[*[a for a in argv if not a.startswith("--HistoryManager.hist_file")],
              "--HistoryManager.hist_file=:memory:", "--IPKernelApp.log_level=ERROR"],
        exec_lines=[f"import {package}.kernel as _k; _k.cap_output(); del _k"])


if __name__ == "__main__":
    main(sys.argv[1:])
