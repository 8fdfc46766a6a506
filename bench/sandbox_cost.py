"""Benchmark: what the sandbox costs per notebook, measured so that the machine's load cancels.

bench/grading.py times a whole class sandboxed, then the whole class without the
sandbox, and divides the difference by the number of notebooks: on a machine whose
load changes between the two runs, that difference is mostly the load's. This
script grades the same notebook with two Graders of one process, sandboxed and
not, one after the other, `--rounds` times, and prints the median of the
per-round differences, with the median time of each phase of a grading:

- kernel start: SandboxedExecute.start_new_kernel (the kernel's process started,
  in bubblewrap or not)
- tests: the graded test cells, run in the grader's test runner
- autograde: nbgrader's whole Autograde (kernel, cells, tests, gradebook)
- close: Sandbox.close (its processes stopped, its files removed)

Run it with:  .venv/bin/python bench/sandbox_cost.py [--lesson 05_pooling] [--rounds 5]
Say what else ran on the machine when you quote its figures. This is a benchmark, not a test.
"""

import argparse
import functools
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder import engine, execute, sandbox, template  # noqa: E402
from autograder.course import SOLUTIONS, notebook_name  # noqa: E402

PHASES = [(execute.SandboxedExecute, "start_new_kernel", "kernel start"),
          (execute.SandboxedExecute, "_run_test", "tests"),
          (engine.Grader, "_run", "autograde"),
          (sandbox.Sandbox, "close", "close")]


def timing(owner, name, label, record):
    """Wrap owner.name so that each call adds its seconds to record[label]."""
    original = getattr(owner, name)

    @functools.wraps(original)
    def timed(*arguments, **keywords):
        start = time.perf_counter()
        try:
            return original(*arguments, **keywords)
        finally:
            record[label] = record.get(label, 0.0) + time.perf_counter() - start

    setattr(owner, name, timed)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lesson", default="05_pooling")
    parser.add_argument("--rounds", type=int, default=5)
    arguments = parser.parse_args()
    record = {}
    for owner, name, label in PHASES:
        timing(owner, name, label, record)
    lesson = arguments.lesson
    solution = SOLUTIONS / lesson / notebook_name(lesson)
    work = Path(tempfile.mkdtemp(prefix="sandbox-cost-"))
    course, library = template.course_template([lesson]), template.sandbox_library()
    graders = {kind: engine.Grader(course, work / kind, library, sandboxed=kind == "sandboxed")
               for kind in ("sandboxed", "plain")}
    for grader in graders.values():
        grader.grade("warm-up", lesson, solution)  # imports, release, library copies
    seconds = {kind: [] for kind in graders}
    phases = {kind: {} for kind in graders}
    for number in range(arguments.rounds):
        for kind, grader in graders.items():
            record.clear()
            result = grader.grade(f"round{number}", lesson, solution)
            if result.error:
                raise SystemExit(f"{kind} grading failed: {result.error}")
            seconds[kind].append(result.seconds)
            for label, value in record.items():
                phases[kind].setdefault(label, []).append(value)
    print(f"{lesson}, {arguments.rounds} rounds, medians:")
    for kind in graders:
        parts = ", ".join(f"{label} {statistics.median(values):.3f} s"
                          for label, values in phases[kind].items())
        print(f"  {kind:9s} {statistics.median(seconds[kind]):6.2f} s a notebook ({parts})")
    differences = [a - b for a, b in zip(seconds["sandboxed"], seconds["plain"])]
    print(f"  sandbox cost per notebook: {statistics.median(differences):+.2f} s "
          f"(each round: {', '.join(f'{value:+.2f}' for value in differences)})")


if __name__ == "__main__":
    main()
