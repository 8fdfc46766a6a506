"""Grade many submissions at once with a standard executor (concurrent.futures).

Each worker process builds one Grader (nbgrader started once, a scratch
course of its own) and grades the tasks it is given; each notebook gets its
own sandbox, which the Grader kills when the notebook is done or over a
limit. Student code cannot reach a worker (it runs in a sandbox), so a worker
dies only through a fault of the grader or the machine. When one does,
ProcessPoolExecutor breaks: the tasks that were in flight are graded again in
a fresh pool, and a task that was in flight through two such breaks gets one
error row instead.
"""

import os
import tempfile
import time
import warnings
from collections import Counter
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

from autograder.engine import Grader, Result

MAX_BREAKS = 2


@dataclass(frozen=True)
class Task:
    """One submission to grade."""

    student: str
    lesson: str
    path: str
    digest: str
    fingerprint: str = ""


_grader = None


def _start_worker(template, library, workdir, limits, output, sandboxed):
    global _grader
    warnings.filterwarnings("ignore")
    folder = tempfile.mkdtemp(prefix=f"worker-{os.getpid()}-", dir=workdir)
    _grader = (Grader(template, folder, library, limits, sandboxed), output)


def _grade(task):
    grader, output = _grader
    result = grader.grade(task.student, task.lesson, task.path, output=output)
    result.digest, result.fingerprint = task.digest, task.fingerprint
    result.worker = str(os.getpid())
    return result.to_dict()


def error_result(task, message, seconds=0.0):
    return Result(student=task.student, lesson=task.lesson, digest=task.digest,
                  fingerprint=task.fingerprint, source=task.path, error=message,
                  seconds=round(seconds, 3))


def grade_all(tasks, template, library, workdir, limits, output, jobs, on_result,
              sandboxed=True, grade=_grade):
    """Grade `tasks` with `jobs` worker processes; call on_result(Result) as each one ends.

    Results come in completion order, exactly one per task. `grade(task) -> dict`
    runs in the workers (a module-level function; tests pass one that crashes).
    """
    Path(workdir).mkdir(parents=True, exist_ok=True)
    pending, breaks = list(tasks), Counter()
    while pending:
        started = time.monotonic()
        with ProcessPoolExecutor(max_workers=max(1, min(jobs, len(pending))),
                                 mp_context=get_context("spawn"), initializer=_start_worker,
                                 initargs=(str(template), str(library), str(workdir), limits,
                                           str(output), sandboxed)) as pool:
            futures = {pool.submit(grade, task): task for task in pending}
            pending = []
            for future in as_completed(futures):
                task = futures[future]
                try:
                    on_result(Result(**future.result()))
                except BrokenProcessPool:
                    breaks[task] += 1
                    if breaks[task] >= MAX_BREAKS:
                        on_result(error_result(task, "the grading worker died while grading "
                                                     "this notebook, twice",
                                               time.monotonic() - started))
                    else:
                        pending.append(task)
                except Exception as error:  # noqa: BLE001  (one row, never the whole batch)
                    on_result(error_result(task, f"grading failed: {type(error).__name__}: "
                                                 f"{str(error)[:200]}",
                                           time.monotonic() - started))
