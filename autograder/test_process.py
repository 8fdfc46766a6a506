"""Graded test cells in a child process, within the notebook's time, memory and CPU limits.

A test cell's own work (its asserts, its oracles, a Keras model rebuilt from a
student's architecture and trained) runs in the grader, not in the sandbox
(autograder/checker.py). So that this work too stays within the notebook's
limits, it runs in a child of the grading worker, the *test runner*:

- one runner per grading thread, started with the notebook's kernel and kept
  for the next notebooks (a fresh Python with TensorFlow imported takes
  seconds; a test's round trip through a running one takes milliseconds); it
  runs the lesson's imports as soon as it starts, while the kernel starts;
- a new process (`python -m autograder.test_process`), never a fork of the
  worker, which may have imported TensorFlow (not fork-safe), in a session of
  its own, so that killing its process group kills all of it;
- the worker hands it the socket to the student's kernel (`socket.send_fds`)
  and the test (source, name, the lesson's imports), and reads back its
  outputs as JSON: plain nbformat stream and error dicts;
- the worker watches it while it runs: past the test's wall-clock limit, past
  the notebook's memory limit (its resident memory, summed over its process
  tree), or past the CPU time left to the notebook's tests, the runner's
  process group is killed and `run` raises TestStopped with the reason. The
  runner also sets RLIMIT_DATA to the memory limit, so that one large
  allocation fails with MemoryError before the watchdog's next look.

The next test (or notebook) starts a fresh runner.
"""

import os
import resource
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from autograder.inside import wire
from autograder.limits import tree_pids

WATCH_SECONDS = 0.05  # how often the worker looks at a running test
GRACE_SECONDS = 2.0  # past the test's limit, for the runner's own "ran past" answer to arrive
PAGE = os.sysconf("SC_PAGE_SIZE")
_local = threading.local()


class TestStopped(Exception):
    """The test's own work went past a limit (or its process died); `reason` says which."""

    __test__ = False  # not a pytest test class

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def test_runner():
    """This thread's TestRunner (one per grading worker thread, reused across notebooks)."""
    runner = getattr(_local, "runner", None)
    if runner is None:
        runner = _local.runner = TestRunner()
    return runner


def _usage(pid):
    """(resident bytes, CPU seconds) of `pid` and its descendants."""
    resident, ticks = 0, 0
    for member in tree_pids(pid):
        try:
            with open(f"/proc/{member}/stat", "rb") as stream:
                fields = stream.read().rsplit(b")", 1)[1].split()
            ticks += int(fields[11]) + int(fields[12])
            resident += int(fields[21]) * PAGE
        except (OSError, IndexError, ValueError):
            continue
    return resident, ticks / os.sysconf("SC_CLK_TCK")


class TestRunner:
    """The worker's handle on its test-running child process."""

    __test__ = False

    def __init__(self):
        self.process = None
        self.control = None
        self.warmed = set()  # the preludes this child has run

    def start(self, prelude=""):
        """Start the child unless it is running, and have it run `prelude` (the lesson's imports)
        once, so that importing TensorFlow overlaps the kernel's start. Returns at once."""
        if self.process is None or self.process.poll() is not None:
            self._spawn()
        if prelude not in self.warmed:
            self.warmed.add(prelude)
            try:
                socket.send_fds(self.control, [b"W"], [])
                wire.send_frame(self.control, {"prelude": prelude})
            except OSError:
                self.stop()

    def _spawn(self):
        self.stop()
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        roots = {str(Path(__file__).resolve().parent.parent)}
        import course_lib

        roots.add(str(Path(course_lib.__file__).resolve().parent.parent))
        path = os.pathsep.join([*sorted(roots), *filter(None, [os.environ.get("PYTHONPATH")])])
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "autograder.test_process", str(theirs.fileno())],
                pass_fds=[theirs.fileno()], start_new_session=True, stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": path})
        finally:
            theirs.close()
        self.control = ours

    def stop(self):
        """Kill the child's whole process group and forget it."""
        if self.process is not None:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            self.process.wait()
        if self.control is not None:
            self.control.close()
        self.process = self.control = None
        self.warmed = set()

    def run(self, connection, source, name, prelude, seconds, memory_bytes, cpu_seconds,
            removed=(), draw_key=""):
        """Run one test cell in the child; returns (outputs as plain dicts, CPU seconds used).

        Inputs:
        - connection: the accepted socket to the student's kernel's `serve` loop
        - source, name, prelude: as autograder.checker.run_test_cell takes them
        - seconds: wall-clock limit of the test; memory_bytes: of the child's process tree;
          cpu_seconds: CPU time the test may use
        - removed: the references stripped from the kernel's course_lib ("module:qualname"):
          the kernel gets them as functions called back here (remote.Channel)
        - draw_key: the submission's key of drawn cases (autograder/secret.py, hex), or ""

        Raises TestStopped when a limit is passed or the child dies; the child is then killed.
        """
        self.start(prelude)
        pid = self.process.pid
        cpu_before = _usage(pid)[1]
        try:
            socket.send_fds(self.control, [b"T"], [connection.fileno()])
            wire.send_frame(self.control, {"source": source, "name": name, "prelude": prelude,
                                           "seconds": seconds, "memory_bytes": memory_bytes,
                                           "removed": list(removed), "draw_key": draw_key})
        except OSError as error:
            self._stopped(f"the test's process could not be reached ({error})")
        deadline = time.monotonic() + seconds + GRACE_SECONDS
        while not select.select([self.control], [], [], WATCH_SECONDS)[0]:
            if self.process.poll() is not None:
                self._stopped(f"the test's process died (exit status {self.process.returncode})")
            if time.monotonic() > deadline:
                self._stopped(f"the test's own work ran past its time limit: {seconds:.0f} s")
            used, cpu = _usage(pid)
            if used > memory_bytes:
                self._stopped("the test's own work ran past its memory limit: "
                              f"{used / 2**30:.2f} GiB > {memory_bytes / 2**30:g} GiB")
            spent = cpu - cpu_before
            if spent > cpu_seconds:
                self._stopped(f"the test's own work ran past its CPU time limit: {spent:.0f} s "
                              f"> {cpu_seconds:.0f} s left to this notebook's tests")
        try:
            self.control.settimeout(30)
            reply = wire.receive_frame(self.control)
        except (OSError, wire.WireError) as error:
            self._stopped(f"the test's process died while answering ({error})")
        finally:
            if self.control is not None:
                self.control.settimeout(None)
        if not isinstance(reply, dict) or not isinstance(reply.get("outputs"), list):
            self._stopped("the test's process sent something that is not an answer")
        return reply["outputs"], _usage(pid)[1] - cpu_before

    def _stopped(self, reason):
        self.stop()
        raise TestStopped(reason)


# -- the child's side -------------------------------------------------------------------


def _exit_with_parent(parent):
    """A runner whose worker is gone (killed mid-test) exits, busy or not."""
    while os.getppid() == parent:
        time.sleep(1)
    os._exit(1)


def serve(control):
    """Run the tests the worker sends on `control` until it closes."""
    import course_lib.testing  # noqa: F401  (imported once, before the first test)
    from autograder.checker import run_test_cell
    from autograder.remote import Channel

    while True:
        message, fds, _, _ = socket.recv_fds(control, 1, 1)
        if not message:
            return
        job = wire.receive_frame(control)
        if not fds:  # warm up: the lesson's imports, in a namespace thrown away
            try:
                exec(compile(job["prelude"], "<lesson imports>", "exec"), {})  # noqa: S102
            except Exception:  # noqa: BLE001  (the test itself will say what is wrong)
                pass
            continue
        hard = resource.getrlimit(resource.RLIMIT_DATA)[1]
        limit = int(job["memory_bytes"])
        resource.setrlimit(resource.RLIMIT_DATA, (
            limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
        with socket.socket(fileno=fds[0]) as connection:
            outputs = run_test_cell(job["source"],
                                    Channel(connection, time.monotonic() + float(job["seconds"]),
                                            removed=job.get("removed", ())),
                                    job["name"], job["prelude"],
                                    bytes.fromhex(job.get("draw_key") or "") or None)
            connection.settimeout(5)
            try:
                wire.send_frame(connection, {"op": "done"})
            except OSError:
                pass
        resource.setrlimit(resource.RLIMIT_DATA, (hard, hard))
        wire.send_frame(control, {"outputs": [dict(output) for output in outputs]})


def main(arguments):
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()
    with socket.socket(fileno=int(arguments[0])) as control:
        serve(control)


if __name__ == "__main__":
    main(sys.argv[1:])
