"""nbgrader's Execute step, split in two: the student's cells in a sandbox, the tests here.

`SandboxedExecute` replaces nbgrader's Execute preprocessor in the Autograde
pipeline (see autograder/engine.py):

- every cell that is not a graded test cell runs in the student's kernel,
  started inside the submission's Sandbox (autograder/sandbox.py) by
  `SandboxKernelManager`;
- every graded test cell (its hidden part included) runs in the grader's test
  runner, a child of this process bounded by the notebook's time, memory and
  CPU limits (autograder/test_process.py, autograder/checker.py), in a fresh
  namespace, asking the student's kernel, through the `serve` loop of
  autograder/inside/serve.py, for the names it uses. A test whose own work
  passes a limit fails, and the kernel is stopped.
  Its outputs are a printed stream and, when it raised, an error: nbgrader
  scores it from those alone. Tags and display outputs cannot matter.

If the kernel dies (a crash, os._exit, the sandbox's memory or time limit),
the cells after it are not run and the tests after it fail with a message
saying why; the tests before it keep their points.
"""

import os
import socket
import time
from queue import Empty

from jupyter_client.kernelspec import KernelSpec
from jupyter_core.utils import run_sync
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Any, Integer, Unicode

from autograder.preprocessors import is_graded_test
from autograder.sandbox import INSIDE_PACKAGE
from autograder.test_process import TestStopped, test_runner

KERNEL_START_SECONDS = 60
POLL_SECONDS = 0.5  # the longest a reply may sit unnoticed (nbclient #312)
SANDBOXES = {}  # sandbox_key -> Sandbox: traitlets configuration copies values, a Sandbox can't be


def register_sandbox(sandbox):
    """Make `sandbox` findable by SandboxedExecute; returns the key to configure."""
    SANDBOXES[str(sandbox.root)] = sandbox
    return str(sandbox.root)


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager whose kernel is started by a Sandbox, reached over ipc sockets."""

    sandbox = Any(help="the autograder.sandbox.Sandbox of this notebook")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.transport = "ipc"
        self.ip = str(self.sandbox.run / "kernel")
        self.connection_file = str(self.sandbox.run / "kernel.json")

    @property
    def kernel_spec(self):
        return KernelSpec(argv=[f"{INSIDE_PACKAGE}.kernel"], display_name="grader",
                          language="python", interrupt_mode="message", env={})

    def format_kernel_cmd(self, extra_arguments=None):
        return self.sandbox.kernel_command(self.connection_file, extra_arguments or [])


def polling(get_msg):
    """Wrap a channel's get_msg so that a long wait is many short ones."""
    async def get_msg_polling(timeout=None, **kwargs):
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            step = POLL_SECONDS if deadline is None else max(
                0.0, min(POLL_SECONDS, deadline - time.monotonic()))
            try:
                return await get_msg(timeout=step, **kwargs)
            except Empty:
                if deadline is not None and time.monotonic() >= deadline:
                    raise
    return get_msg_polling


class SandboxedExecute(Execute):
    """Execute: the notebook's cells in its sandbox, its graded test cells in the grader."""

    sandbox_key = Unicode(help="register_sandbox's key of this notebook's Sandbox").tag(config=True)
    notebook_timeout = Integer(600, help="seconds for the whole notebook").tag(config=True)

    @property
    def sandbox(self):
        return SANDBOXES[self.sandbox_key]

    output_characters = Integer(1_000_000, help="characters of output kept per cell").tag(
        config=True)

    def output(self, outs, msg, display_id, cell_index):
        """Keep at most output_characters of a cell's output, whatever the kernel sends."""
        used = self._output_used.get(cell_index, 0) if hasattr(self, "_output_used") else 0
        if used > self.output_characters:
            return None
        size = len(str(msg.get("content", {}).get("text", ""))) + sum(
            len(str(value)) for value in msg.get("content", {}).get("data", {}).values())
        self._output_used = getattr(self, "_output_used", {})
        self._output_used[cell_index] = used + size
        if used + size > self.output_characters:
            outs.append(NotebookNode(output_type="stream", name="stdout",
                                     text="\n... output cut by the grader ...\n"))
            return None
        return super().output(outs, msg, display_id, cell_index)

    def create_kernel_manager(self):
        self.km = SandboxKernelManager(sandbox=self.sandbox, config=self.config)
        self.kernel_stopped = ""
        return self.km

    async def async_start_new_kernel(self, **kwargs):
        import subprocess

        kwargs.setdefault("stdout", subprocess.DEVNULL)
        kwargs.setdefault("stderr", subprocess.DEVNULL)
        test_runner().start(self.sandbox.prelude)  # its imports overlap the kernel's start
        await super().async_start_new_kernel(**kwargs)
        self.sandbox.started(self.km.provisioner.process.pid, self.notebook_timeout)
        self.tests_cpu_seconds = 0.0

    async def async_start_new_kernel_client(self):
        client = await super().async_start_new_kernel_client()
        for channel in (client.shell_channel, client.iopub_channel):
            channel.get_msg = polling(channel.get_msg)
        return client

    # nbclient binds its synchronous names to its own async methods: rebind them to ours.
    start_new_kernel = run_sync(async_start_new_kernel)
    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def preprocess_cell(self, cell, resources, index):
        start = time.perf_counter()
        try:
            return self._preprocess_cell(cell, resources, index)
        finally:
            if cell.cell_type == "code":
                self.sandbox.cell_seconds += time.perf_counter() - start

    def _preprocess_cell(self, cell, resources, index):
        if is_graded_test(cell):
            cell.outputs = self._run_test(cell)
            cell.execution_count = None
            return cell, resources
        if cell.cell_type != "code":
            return cell, resources
        if self.kernel_stopped:
            cell.outputs = []
            return cell, resources
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
        except CellTimeoutError:
            self.sandbox.kill(f"a cell ran past its {self.timeout} s time limit and did not stop "
                              "when interrupted")
            self.kernel_stopped = self.sandbox.stopped_because
            cell.outputs.append(_error("KernelStopped", self.kernel_stopped))
            return cell, resources
        except DeadKernelError:
            if not self.sandbox.stopped_because:
                self.sandbox.stopped_because = "the kernel died (it crashed or exited)"
            self.kernel_stopped = self.sandbox.stopped_because
            cell.outputs.append(_error("KernelStopped", self.kernel_stopped))
            return cell, resources
        cell.outputs = coalesce_streams(cell.outputs)
        if _timed_out(cell) and not self._responsive():
            self.sandbox.kill("a cell ignored the interrupt after its time limit")
            self.kernel_stopped = self.sandbox.stopped_because
        return cell, resources

    def _responsive(self, seconds=10):
        """True when the kernel answers a trivial request within `seconds`."""
        try:
            msg_id = self.kc.execute("", silent=True, store_history=False)
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                reply = self.kc_shell_reply(deadline - time.monotonic())
                if reply is not None and reply["parent_header"].get("msg_id") == msg_id:
                    return True
        except Exception:  # noqa: BLE001  (a broken channel means no)
            return False
        return False

    def kc_shell_reply(self, timeout):
        try:
            return run_sync(self.kc.shell_channel.get_msg)(timeout=max(0.0, timeout))
        except Empty:
            return None

    def _run_test(self, cell):
        """Run a test cell in the test runner, its questions answered by the student's kernel."""
        name = cell.metadata.get("nbgrader", {}).get("grade_id", "test")
        if self.kernel_stopped:
            return [_error("KernelStopped", f"not run: {self.kernel_stopped}")]
        seconds = max(1.0, min(float(self.timeout), self.sandbox.seconds_left()))
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            listener.bind(self.sandbox.rpc_path)
            self.sandbox.hand_over(self.sandbox.rpc_path)  # a kernel run as another user
            listener.listen(1)
            listener.settimeout(min(30.0, seconds))
            imports = self.sandbox.test_imports.get(name, "")
            msg_id = self.kc.execute(
                (f"try:\n    {imports.replace(chr(10), chr(10) + '    ')}\nexcept Exception:\n"
                 "    pass\n" if imports else "")
                + f"import {INSIDE_PACKAGE}.serve as _s; _s.serve({self.sandbox.rpc_path!r})",
                silent=True, store_history=False)
            try:
                connection, _ = listener.accept()
            except socket.timeout:
                return [_error("KernelUnavailable",
                               "the notebook's kernel did not answer the test")]
            with connection:
                try:
                    outputs, cpu = test_runner().run(
                        connection, cell.source, name, self.sandbox.prelude, seconds,
                        self.sandbox.memory_bytes,
                        self.sandbox.cpu_seconds - getattr(self, "tests_cpu_seconds", 0.0),
                        self.sandbox.removed_references,
                        draw_key=getattr(self.sandbox, "draw_key", ""))
                except TestStopped as stopped:
                    self.sandbox.kill(stopped.reason)
                    self.kernel_stopped = self.sandbox.stopped_because
                    return [_error("TestStopped", stopped.reason)]
            self.tests_cpu_seconds = getattr(self, "tests_cpu_seconds", 0.0) + cpu
            self._finish_serving(msg_id)
            return [NotebookNode(output) for output in outputs]
        finally:
            listener.close()
            try:
                os.unlink(self.sandbox.rpc_path)
            except OSError:
                pass

    def _finish_serving(self, msg_id):
        """Wait for the kernel's serve loop to end; interrupt it, then stop the kernel if stuck."""
        for attempt in range(2):
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                reply = self.kc_shell_reply(deadline - time.monotonic())
                if reply is not None and reply["parent_header"].get("msg_id") == msg_id:
                    return
            if attempt == 0:
                run_sync(self.km.interrupt_kernel)()
        self.sandbox.kill("the kernel did not come back after a test")
        self.kernel_stopped = self.sandbox.stopped_because


def coalesce_streams(outputs):
    """Outputs with consecutive stdout (or stderr) pieces joined into one.

    The kernel sends a cell's printed text in pieces whose boundaries depend on
    timing (it flushes every fraction of a second); joined, the autograded
    notebook is the same however loaded the machine was. Not nbconvert's
    CoalesceStreamsPreprocessor: its carriage-return regex takes quadratic time
    on one long line (0.66 s for 40,000 characters), so a student could stall
    the grader for minutes with a single print under the output cap.
    """
    joined = []
    for output in outputs:
        if (output.get("output_type") == "stream" and joined
                and joined[-1].get("output_type") == "stream"
                and joined[-1].get("name") == output.get("name")):
            joined[-1] = NotebookNode(output_type="stream", name=output.get("name"),
                                      text=joined[-1].get("text", "") + output.get("text", ""))
        else:
            joined.append(output)
    return joined


def _timed_out(cell):
    return any(output.get("ename") == "CellTimeoutError" for output in cell.get("outputs", []))


def _error(name, message):
    return NotebookNode(output_type="error", ename=name, evalue=message,
                        traceback=[f"{name}: {message}"])
