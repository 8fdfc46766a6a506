"""Grade on a Dask cluster: the local path's grading task, run by the workers of a scheduler.

`python -m autograder.grade SUBMISSIONS --scheduler tcp://HOST:PORT` hands each
submission to `grade_on_cluster`. The coordinator (the instructor's process)
sends every worker a Payload: the notebook's bytes (workers share no files with
it), the course identity it grades against, the limits and, with a grading secret,
the submission's key of drawn cases (never the secret itself: autograder/secret.py). A
worker grades it with the same Grader as the local path (bubblewrap sandbox included) in
a scratch course of its own and sends back the Result with the feedback page and
the autograded notebook as text. Only the coordinator writes: on_result records
each result in the gradebook and results.jsonl the moment it arrives (so a
killed coordinator loses no finished grade), and the files go under --output.

- A worker whose course differs from the coordinator's (the lesson's tests or
  the library, the grading code, a package of the lock) refuses the task with
  WorkerRefused, naming what differs; the batch stops there, keeping every
  grade already recorded.
- A worker that dies mid-notebook is Dask's business: the scheduler grades the
  notebook again elsewhere, and after `distributed.scheduler.allowed-failures`
  deaths (default 3) it gives up with KilledWorker, which becomes one error row.
- At most as many notebooks are in flight as the cluster has worker threads
  (checked again as workers join or leave): memory stays flat for any class size.

Start workers with one thread each (`dask worker ADDRESS --nthreads 1 --nworkers N
--preload autograder.cluster`), in a checkout of the same commit with the lock
installed and bubblewrap (autograder/README.md, "Grading on a cluster").
"""

import hashlib
import os
import shutil
import tempfile
import threading
import time
import warnings
from dataclasses import astuple, dataclass, field
from importlib import metadata
from pathlib import Path

from autograder.course import COURSE_ROOT, notebook_name
from autograder.engine import Grader, Limits, Result
from autograder.runner import error_result
from autograder.template import course_template, sandbox_library, tests_fingerprint

# What decides a grade besides the lesson's tests and course_lib (tests_fingerprint covers them).
GRADING_MODULES = ("checker", "course", "engine", "execute", "feedback", "preprocessors",
                   "sandbox", "submissions", "template")
PACKAGES = ("nbgrader", "nbclient", "nbformat", "ipykernel", "jupyter_client", "numpy",
            "tensorflow", "keras", "matplotlib", "scikit-learn")
CONNECT_SECONDS = 60
REFRESH_SECONDS = 5.0


class ClusterError(RuntimeError):
    """The cluster cannot go on grading this batch; the results given so far stand."""


class WorkerRefused(ClusterError):
    """A worker cannot grade as the coordinator would: another course, or no sandbox."""


@dataclass(frozen=True)
class Payload:
    """What a worker needs to grade one submission, files included."""

    student: str
    lesson: str
    notebook: bytes
    identity: dict  # what the coordinator grades against: {name: fingerprint or version}
    limits: Limits
    sandboxed: bool = True
    draw_key: str = field(default="", repr=False)  # autograder.secret.student_key, not the secret


def grader_fingerprint():
    """A short hash of the grading code (GRADING_MODULES) and nbgrader_config.py."""
    digest = hashlib.sha256((COURSE_ROOT / "nbgrader_config.py").read_bytes())
    for name in GRADING_MODULES:
        digest.update((COURSE_ROOT / "autograder" / f"{name}.py").read_bytes())
    return digest.hexdigest()[:16]


def course_identity(lesson):
    """{name: value} of what grading `lesson` depends on, as this machine has it."""
    try:
        tests = tests_fingerprint(lesson)
    except OSError:
        tests = "missing"
    identity = {f"tests of {lesson}": tests, "grading code": grader_fingerprint()}
    for package in PACKAGES:
        try:
            identity[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            identity[package] = "missing"
    return identity


# ---------------------------------------------------------------- on a worker


_local = threading.local()  # one Grader per worker thread and lesson


def _here():
    try:
        from distributed import get_worker

        return f"{get_worker().address} pid {os.getpid()}"
    except ValueError:  # not in a Dask worker (a direct call)
        return f"pid {os.getpid()}"


def _scratch():
    try:
        from distributed import get_worker

        return get_worker().local_directory
    except ValueError:
        return tempfile.gettempdir()


def _grader(lesson, limits, sandboxed):
    graders = _local.__dict__.setdefault("graders", {})
    key = (lesson, astuple(limits), sandboxed)
    if key not in graders:
        warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy chatter, as locally
        folder = tempfile.mkdtemp(prefix=f"cnn-grader-{os.getpid()}-", dir=_scratch())
        graders[key] = (Grader(course_template([lesson]), folder, sandbox_library(), limits,
                               sandboxed), Path(folder))
    return graders[key]


def grade_remote(payload):
    """Grade one Payload on this worker; a dict: the Result and the feedback/autograded text.

    Raises WorkerRefused when this worker's course differs from the coordinator's,
    or it cannot sandbox.
    """
    mine = course_identity(payload.lesson)
    differences = [f"{name}: {mine.get(name)} here, {value} on the coordinator"
                   for name, value in sorted(payload.identity.items()) if mine.get(name) != value]
    if differences:
        raise WorkerRefused(
            f"worker {_here()} ({COURSE_ROOT}) refuses to grade {payload.lesson} against "
            f"another course than the coordinator's: {'; '.join(differences)}. Check out the "
            f"coordinator's commit, install its lock (requirements.txt) and restart the worker")
    if payload.sandboxed:
        from autograder.sandbox import bubblewrap_problem

        problem = bubblewrap_problem()
        if problem:
            raise WorkerRefused(f"worker {_here()} cannot sandbox: {problem}")
    grader, folder = _grader(payload.lesson, payload.limits, payload.sandboxed)
    path = folder / "submission" / notebook_name(payload.lesson)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(payload.notebook)
    output = folder / "output"
    try:
        result = grader.grade(payload.student, payload.lesson, path, output=output,
                              draw_key=payload.draw_key)
        files = {kind: Path(getattr(result, kind)).read_text(encoding="utf-8")
                 for kind in ("feedback", "autograded") if getattr(result, kind)}
    finally:
        shutil.rmtree(output, ignore_errors=True)
        path.unlink(missing_ok=True)
    result.feedback = result.autograded = ""
    result.worker = _here()
    return {"result": result.to_dict(), "files": files}


def dask_setup(worker):
    """`dask worker ... --preload autograder.cluster`: check the sandbox, build the library."""
    from autograder.sandbox import bubblewrap_problem

    problem = bubblewrap_problem()
    library = sandbox_library()
    print(f"cnn-foundations grading worker: course {COURSE_ROOT}, grading code "
          f"{grader_fingerprint()}, library {library.name}, "
          f"sandbox {'UNAVAILABLE: ' + problem if problem else 'ok'}", flush=True)


# ---------------------------------------------------------------- on the coordinator


def _received(task, reply, output):
    """The worker's reply as a Result, its files written under `output` as the local path does."""
    result = Result(**reply["result"])
    result.digest, result.fingerprint, result.source = task.digest, task.fingerprint, task.path
    files = reply.get("files", {})
    targets = {"autograded": Path(output) / "autograded" / task.student / task.lesson
               / notebook_name(task.lesson),
               "feedback": Path(output) / "feedback" / task.student / task.lesson
               / f"{task.lesson}.html"}
    for kind, text in files.items():
        targets[kind].parent.mkdir(parents=True, exist_ok=True)
        targets[kind].write_text(text, encoding="utf-8")
        setattr(result, kind, str(targets[kind]))
    return result


def _threads(client):
    return max(1, sum(client.nthreads().values()))


def grade_on_cluster(tasks, scheduler, limits, output, on_result, sandboxed=True, grade=None):
    """Grade runner.Tasks on the Dask cluster at `scheduler`; on_result(Result) as each ends.

    Exactly one result per task, in completion order, unless a worker refuses
    or the scheduler is lost: ClusterError is then raised after cancelling the
    rest, and the tasks without a result are left for a rerun (never recorded as
    errors). `grade(payload) -> dict` runs on the workers (default
    grade_remote; tests pass one that kills its worker). Returns
    {"workers", "threads", "coordinator_seconds"}: the last counts this
    process's own time per result (receiving, writing files, on_result).
    """
    from concurrent.futures import CancelledError

    from distributed import Client, as_completed
    from distributed.scheduler import KilledWorker

    grade = grade or grade_remote
    identities = {}
    with Client(scheduler, timeout=CONNECT_SECONDS, set_as_default=False) as client:
        try:
            client.wait_for_workers(1, timeout=CONNECT_SECONDS)
        except TimeoutError:
            raise ClusterError(f"no Dask worker joined {scheduler} within "
                               f"{CONNECT_SECONDS} s") from None
        queue, in_flight = iter(tasks), {}
        completed = as_completed(loop=client.loop)
        stats = {"workers": len(client.nthreads()), "threads": _threads(client),
                 "coordinator_seconds": 0.0}
        checked = time.monotonic()

        def fill():
            while len(in_flight) < stats["threads"]:
                task = next(queue, None)
                if task is None:
                    return
                submit(task)

        def submit(task):
            if task.lesson not in identities:
                identities[task.lesson] = course_identity(task.lesson)
            try:
                notebook = Path(task.path).read_bytes()
            except OSError as error:  # gone since it was listed: one row, as locally
                on_result(error_result(task, f"grading failed: {type(error).__name__}: "
                                             f"{str(error)[:200]}"))
                return
            payload = Payload(task.student, task.lesson, notebook, identities[task.lesson],
                              limits, sandboxed, task.draw_key)
            future = client.submit(grade, payload, pure=False)
            in_flight[future] = task
            completed.add(future)

        fill()
        for future in completed:
            task = in_flight.pop(future)
            try:
                reply = future.result()
            except WorkerRefused:
                client.cancel(list(in_flight))
                raise
            except CancelledError as error:  # the scheduler was lost, or restarted
                client.cancel(list(in_flight))
                raise ClusterError(f"lost the Dask scheduler {scheduler} ({error})") from None
            except KilledWorker as error:
                result = error_result(task, "the grading worker died while grading this "
                                            f"notebook, {error.allowed_failures + 1} times")
            except Exception as error:  # noqa: BLE001  (one row, never the whole batch)
                result = error_result(task, f"grading failed: {type(error).__name__}: "
                                            f"{str(error)[:200]}")
            else:
                result = None
            start = time.perf_counter()
            on_result(result or _received(task, reply, output))
            future.release()
            if time.monotonic() - checked > REFRESH_SECONDS:  # workers join and leave
                stats["threads"], checked = _threads(client), time.monotonic()
                stats["workers"] = max(stats["workers"], len(client.nthreads()))
            fill()
            stats["coordinator_seconds"] += time.perf_counter() - start
    return stats
