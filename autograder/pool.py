"""Grading workers: one process per job, each with its own Grader and scratch gradebook.

The parent hands out one submission at a time and enforces the per-notebook
wall-clock limit: a worker that runs past it (a kernel that ignores interrupts,
a crash of nbgrader itself) is killed together with its kernel, the
submission gets an error result, and a fresh worker takes its place. Every
other submission of the batch is unaffected.
"""

import multiprocessing
import os
import signal
import time
import warnings
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path

from autograder.engine import Grader, Result

SLACK_SECONDS = 15  # nbgrader's own work around the kernel: sanitizing, feedback


@dataclass
class Task:
    """One submission to grade."""

    student: str
    lesson: str
    path: str
    digest: str


def _worker(connection, template, workdir, limits, output):
    """Worker process: grade tasks from `connection` until it sends None."""
    warnings.filterwarnings("ignore")
    grader = Grader(template, workdir, limits)
    connection.send("ready")
    while True:
        task = connection.recv()
        if task is None:
            return
        for pid_file in grader.pid_dir.glob("*"):
            pid_file.unlink(missing_ok=True)
        result = grader.grade(task.student, task.lesson, task.path, output=output)
        result.digest = task.digest
        connection.send(result.to_dict())


class _Worker:
    def __init__(self, context, number, template, workdir, limits, output):
        self.number = number
        self.workdir = Path(workdir) / f"worker-{number}"
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_worker, daemon=True, name=f"grader-{number}",
                                       args=(child, str(template), str(self.workdir), limits,
                                             str(output)))
        self.process.start()
        child.close()
        self.task = None
        self.deadline = None
        self.started = None
        self.ready = False

    def assign(self, task, limit):
        self.task, self.started = task, time.monotonic()
        self.deadline = self.started + limit
        self.connection.send(task)

    def kill(self):
        """Kill the worker process and any kernel it started."""
        self.process.kill()
        self.process.join(timeout=10)
        for pid_file in (self.workdir / "kernel-pids").glob("*"):
            _kill_kernel(int(pid_file.name))
            pid_file.unlink(missing_ok=True)

    def stop(self):
        try:
            self.connection.send(None)
        except (BrokenPipeError, OSError):
            pass
        self.process.join(timeout=10)
        if self.process.is_alive():
            self.kill()


def _kill_kernel(pid):
    """SIGKILL `pid` if it is still a grading kernel (pids get reused)."""
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return
    if b"autograder.kernel" in command:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def grade_all(tasks, template, workdir, limits, output, jobs, on_result):
    """Grade `tasks` with `jobs` workers; call on_result(Result, worker_number) as each ends.

    Results come in completion order. A worker that dies or overruns produces an
    error Result for its task.
    """
    context = multiprocessing.get_context("spawn")
    pending = list(reversed(tasks))
    limit = limits.notebook_timeout + SLACK_SECONDS
    workers = [_Worker(context, number, template, workdir, limits, output)
               for number in range(min(jobs, len(tasks)))]
    try:
        while pending or any(worker.task for worker in workers):
            for worker in workers:
                if worker.ready and worker.task is None and pending:
                    worker.assign(pending.pop(), limit)
            waiting = {worker.connection: worker for worker in workers}
            waiting.update({worker.process.sentinel: worker for worker in workers})
            for ready in wait(list(waiting), timeout=1.0):
                worker = waiting[ready]
                error = _receive(worker, on_result)
                if error:
                    _replace(workers, worker, error, on_result, context, template, workdir,
                             limits, output)
            now = time.monotonic()
            for worker in list(workers):
                if worker.task is not None and now > worker.deadline:
                    _replace(workers, worker,
                             f"time limit: the notebook ran longer than {limits.notebook_timeout} s",
                             on_result, context, template, workdir, limits, output)
    finally:
        for worker in workers:
            worker.stop()


def _receive(worker, on_result):
    """Take a message from a worker; return an error text when the worker died."""
    try:
        if not worker.connection.poll():
            return "" if worker.process.is_alive() else "the grading worker died"
        message = worker.connection.recv()
    except (EOFError, OSError):
        return "the grading worker died (out of memory or crashed)"
    if message == "ready":
        worker.ready = True
        return ""
    result = Result(**message)
    task, worker.task = worker.task, None
    if task is not None:
        on_result(result, worker.number)
    return ""


def _replace(workers, worker, error, on_result, context, template, workdir, limits, output):
    task = worker.task
    worker.kill()
    if task is not None:
        seconds = round(time.monotonic() - worker.started, 3)
        on_result(Result(student=task.student, lesson=task.lesson, digest=task.digest,
                         source=task.path, error=error, seconds=seconds), worker.number)
    elif not worker.ready:
        raise RuntimeError(f"a grading worker failed to start: {error}")
    workers[workers.index(worker)] = _Worker(context, worker.number, template, workdir,
                                             limits, output)
