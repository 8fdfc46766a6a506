"""The grader's own work is bounded too: test cells in a child process, files in the sandbox.

- a test cell whose own work (in the grader, not the kernel) loops forever is
  stopped at its time limit, the kernel with it, and the next notebook grades fine;
- a test cell whose own work allocates past the memory limit is stopped;
- files written into the sandbox's /tmp and $HOME count as memory: the tmpfs
  mounts are sized, and the watchdog adds their bytes to the processes' memory
  (checked with cgroups hidden, so that neither relies on them).
"""

import json
import socket
import subprocess
import sys
import threading
import time

import pytest

from autograder import engine, sandbox as sandbox_module, template
from autograder.course import SOLUTIONS
from autograder.engine import Grader, Limits
from autograder.inside import wire
from autograder.sandbox import Sandbox, bubblewrap_problem
from autograder.test_process import TestRunner, TestStopped

LESSON = "00_setup"
SOLUTION = SOLUTIONS / LESSON / f"{LESSON}.ipynb"
MIB = 2**20

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("autograder_sandbox")]


def _quiet_kernel(connection):
    """A stand-in for the kernel's serve loop that is never asked anything: waits for done."""
    try:
        while wire.receive_frame(connection).get("op") != "done":
            pass
    except (OSError, wire.WireError):
        pass


def run_in_runner(runner, source, seconds=30.0, memory_bytes=2**30):
    kernel, connection = socket.socketpair()
    threading.Thread(target=_quiet_kernel, args=(kernel,), daemon=True).start()
    try:
        return runner.run(connection, source, "test_x", "import numpy as np", seconds,
                          memory_bytes, 600)[0]
    finally:
        connection.close()
        kernel.close()


def test_runner_stops_work_past_its_time_then_runs_the_next_test():
    """A loop in the test's own code is killed at the limit; a fresh runner takes the next test."""
    runner = TestRunner()
    try:
        assert run_in_runner(runner, "print(np.arange(3).sum())") == [
            {"output_type": "stream", "name": "stdout", "text": "3\n"}]
        started = time.monotonic()
        with pytest.raises(TestStopped, match="the test's own work ran past its time limit"):
            run_in_runner(runner, "while True:\n    pass\n", seconds=1.0)
        assert time.monotonic() - started < 10 and runner.process is None
        outputs = run_in_runner(runner, "assert 1 + 1 == 3, 'arithmetic'")
        assert outputs[-1]["ename"] == "AssertionError" and outputs[-1]["evalue"] == "arithmetic"
    finally:
        runner.stop()


def test_runner_stops_work_past_its_memory():
    """Memory the data limit does not see (shared pages) is seen by the watchdog; a single
    allocation past the limit fails at once with MemoryError."""
    runner = TestRunner()
    try:
        fill = ("import mmap\nblock = mmap.mmap(-1, 1024 * 2**20)\nchunk = b'x' * 2**20\n"
                "for start in range(0, 1024 * 2**20, 2**20):\n"
                "    block[start:start + 2**20] = chunk\n"
                "import time\ntime.sleep(60)\n")
        with pytest.raises(TestStopped, match="the test's own work ran past its memory limit"):
            run_in_runner(runner, fill, memory_bytes=512 * MIB)
        outputs = run_in_runner(runner, "x = np.ones(2**30 // 8)", memory_bytes=512 * MIB)
        assert outputs[-1]["ename"] == "MemoryError"
        assert run_in_runner(runner, "x = np.ones(2**20)", memory_bytes=512 * MIB) == []
    finally:
        runner.stop()


def test_a_looping_test_fails_and_the_next_notebook_grades(tmp_path, monkeypatch):
    """Graded: the looping test scores 0 with the reason; the same worker then grades full marks."""
    assert bubblewrap_problem() is None, bubblewrap_problem()
    grader = Grader(template.course_template([LESSON]), tmp_path / "work",
                    template.sandbox_library(), Limits(cell_timeout=3, notebook_timeout=120))
    honest = engine.trusted_prelude
    monkeypatch.setattr(engine, "trusted_prelude", lambda release: "while True:\n    pass\n")
    looping = grader.grade("alice", LESSON, SOLUTION)
    monkeypatch.setattr(engine, "trusted_prelude", honest)
    fine = grader.grade("bob", LESSON, SOLUTION)
    assert not looping.error and looping.score == 0
    assert "the test's own work ran past its time limit" in looping.note
    assert not fine.error and fine.score == fine.max_score == 1 and not fine.note


def _file_probe(sandbox, megabytes, hold_megabytes=0, then_sleep=0):
    """Run a Python in the sandbox that writes `megabytes` MiB to /tmp and to $HOME."""
    probe = ("import errno, json, os, time\n"
             f"held = b'x' * ({hold_megabytes} * 2**20)\n"
             "def fill(path):\n"
             "    written, fd = 0, os.open(path, os.O_WRONLY | os.O_CREAT)\n"
             f"    for _ in range({megabytes}):\n"
             "        try:\n"
             "            os.write(fd, b'x' * 2**20)\n"
             "        except OSError as error:\n"
             "            return [written, errno.errorcode[error.errno]]\n"
             "        written += 1\n"
             "    return [written, '']\n"
             "print(json.dumps([fill('/tmp/a'), fill(os.path.expanduser('~/b'))]), flush=True)\n"
             f"time.sleep({then_sleep})\n")
    command = sandbox.kernel_command("unused.json")
    return command[:command.index("--") + 1] + [sys.executable, "-c", probe]


def test_files_in_tmp_and_home_are_bounded_by_the_memory_limit(tmp_path, monkeypatch):
    """2.5 times the limit written into /tmp and $HOME: ENOSPC; without the sizes it all fits."""
    assert bubblewrap_problem() is None, bubblewrap_problem()
    monkeypatch.setattr(sandbox_module, "make_cgroups", lambda *arguments: [])
    limit = 64 * MIB
    sandbox = Sandbox(template.sandbox_library(), memory_bytes=limit)
    try:
        written = json.loads(subprocess.run(_file_probe(sandbox, 80), capture_output=True,
                                            text=True, timeout=120, check=True).stdout)
        assert [error for _, error in written] == ["ENOSPC", "ENOSPC"]
        assert sum(count for count, _ in written) * MIB <= limit
        monkeypatch.setattr(sandbox_module, "_file_mounts", lambda memory_bytes: [
            "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/home"])
        unbounded = json.loads(subprocess.run(_file_probe(sandbox, 80), capture_output=True,
                                              text=True, timeout=120, check=True).stdout)
        assert unbounded == [[80, ""], [80, ""]]  # the control: 160 MiB under a 64 MiB limit
    finally:
        sandbox.close()


def test_the_watchdog_counts_files_as_memory(monkeypatch):
    """Processes 40 MiB and files 100 MiB under a 128 MiB limit, no cgroups: stopped, saying so."""
    assert bubblewrap_problem() is None, bubblewrap_problem()
    monkeypatch.setattr(sandbox_module, "make_cgroups", lambda *arguments: [])
    sandbox = Sandbox(template.sandbox_library(), memory_bytes=128 * MIB)
    try:
        process = subprocess.Popen(_file_probe(sandbox, 50, hold_megabytes=40, then_sleep=60),
                                   stdout=subprocess.PIPE, text=True)
        sandbox.started(process.pid, 120)
        printed = process.stdout.readline()
        process.wait(timeout=30)
        # The watchdog may stop the probe while it writes its second file (a slow, loaded
        # machine) or after it prints; when it printed, nothing ran out of room: every MiB
        # fitted, so it was the watchdog, not the tmpfs size, that stopped it.
        if printed:
            assert json.loads(printed) == [[50, ""], [50, ""]]
        assert "files in /tmp, $HOME and /dev/shm" in sandbox.stopped_because
        assert "more than 0.125 GiB of memory" in sandbox.stopped_because
    finally:
        sandbox.close()
