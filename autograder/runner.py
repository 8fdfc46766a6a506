"""Grade many submissions at once with a standard executor (concurrent.futures).

Each worker process builds one Grader (nbgrader started once, a scratch
course of its own) and grades the tasks it is given; each notebook gets its
own sandbox, which the Grader kills when the notebook is done or over a
limit. Student code cannot reach a worker (it runs in a sandbox), so a worker
dies only through a fault of the grader or the machine. When one does,
ProcessPoolExecutor breaks: the (at most --jobs) tasks that were in flight are
graded again, one at a time in a pool of one worker, and a task that breaks
that pool too gets one error row. The other tasks go on in a fresh pool.
"""

import os
import tempfile
import time
import warnings
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path

from autograder.engine import Grader, Result

@dataclass(frozen=True)
class Task:
    """One submission to grade."""

    student: str
    lesson: str
    path: str
    digest: str
    fingerprint: str = ""
    draw_key: str = field(default="", repr=False)  # autograder.secret.student_key; never shown


_grader = None


def _start_worker(template, library, workdir, limits, output, sandboxed):
    global _grader
    warnings.filterwarnings("ignore")
    folder = tempfile.mkdtemp(prefix=f"worker-{os.getpid()}-", dir=workdir)
    _grader = (Grader(template, folder, library, limits, sandboxed), output)


def _grade(task):
    grader, output = _grader
    result = grader.grade(task.student, task.lesson, task.path, output=output,
                          draw_key=task.draw_key)
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
    At most `jobs` tasks are in flight, so a dying worker takes only those with it:
    they are graded again one at a time, and the one that breaks a pool alone gets
    an error row.
    """
    Path(workdir).mkdir(parents=True, exist_ok=True)
    settings = dict(max_workers=1, mp_context=get_context("spawn"), initializer=_start_worker,
                    initargs=(str(template), str(library), str(workdir), limits, str(output),
                              sandboxed))
    queue, suspects = list(reversed(tasks)), []
    while queue:
        settings["max_workers"] = max(1, min(jobs, len(queue)))
        suspects += _run_pool(queue, settings, grade, on_result, jobs)
        while suspects:  # alone, in a pool of one: who breaks it is the culprit
            settings["max_workers"] = 1
            task = suspects.pop()
            if _run_pool([task], settings, grade, on_result, 1):
                on_result(error_result(task, "the grading worker died while grading this "
                                             "notebook, twice"))


def _run_pool(queue, settings, grade, on_result, jobs):
    """Grade from `queue` (popping from its end) until it is empty or the pool breaks.

    Returns the tasks that were in flight when the pool broke (none if it did not).
    """
    started = time.monotonic()
    with ProcessPoolExecutor(**settings) as pool:
        running = {}
        while queue or running:
            while queue and len(running) < jobs:
                task = queue.pop()
                running[pool.submit(grade, task)] = task
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                task = running.pop(future)
                try:
                    on_result(Result(**future.result()))
                except BrokenProcessPool:
                    return [task, *running.values()]
                except Exception as error:  # noqa: BLE001  (one row, never the whole batch)
                    on_result(error_result(task, f"grading failed: {type(error).__name__}: "
                                                 f"{str(error)[:200]}",
                                           time.monotonic() - started))
    return []
