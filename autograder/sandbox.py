"""A bubblewrap sandbox for one submission's kernel, and the limits around its process tree.

Each notebook's kernel runs under `bwrap` with:

- its own user (uid 1000, no capabilities), PID, IPC, UTS, cgroup and network
  namespaces: no network at all, no view of any other process;
- read-only: /usr and the system libraries, the Python environment, and a
  pristine copy of course_lib plus autograder/inside (nothing else of the
  grader: no solutions/, gradebook, output folder, template cache, other
  submissions, configuration);
- private and empty: /tmp and $HOME (/home/student, the working directory),
  tmpfs mounts with a size (file_budgets: together with /dev/shm, at most the
  memory limit), and a read-only /dev;
- one shared folder, `run/`, holding the kernel's connection file and sockets
  (the grader reaches the kernel through ZeroMQ's ipc transport and a Unix
  socket, since there is no network), at most RUN_BYTES and RUN_ENTRIES;
- a memory and process limit for the whole tree: a cgroup where the grader
  may make one (v1 or v2), and always a watchdog that sums the tree's memory
  and the bytes in its tmpfs files;
- `--die-with-parent` and a PID namespace: when the grader kills the sandbox,
  or dies, every process in it dies too. No process outlives its notebook.

`Sandbox(enabled=False)` (`--unsafe-no-sandbox`) runs the same kernel as a
plain child process, with the rlimits only. `Sandbox(enabled=False, user=NAME)` (the
Gradescope bundle, as root where bubblewrap cannot run) runs it as that unprivileged
user (autograder/kernel_user.py): its home and socket folder are the only places it
may write, its library is a root-owned copy in the sandbox's folder, and closing the
sandbox kills every process of that user, detached ones included. Such a user serves
one notebook at a time.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from functools import lru_cache
from pathlib import Path

from autograder.limits import (cgroup_pids, folder_usage, make_cgroups, oom_kills, tree_memory,
                               tree_pids)

INSIDE_PACKAGE = "cnn_inside"
LIBRARY_MOUNT = "/opt/cnn/lib"
HOME = "/home/student"
SANDBOX_UID = 1000
PASSWD = f"student:x:{SANDBOX_UID}:{SANDBOX_UID}:student:{HOME}:/bin/sh\n"
GROUP = f"student:x:{SANDBOX_UID}:\n"
RUN_BYTES = 16 * 2**20  # the shared socket folder: a connection file and sockets
RUN_ENTRIES = 64
SHM_BYTES = 64 * 2**20
FILE_MOUNTS = ("/tmp", "/home", "/dev/shm")


class SandboxUnavailable(RuntimeError):
    """bubblewrap is missing or cannot make namespaces here."""


def file_budgets(memory_bytes):
    """The size of each tmpfs of the sandbox: {mount: bytes}, together at most `memory_bytes`.

    Files there are memory (tmpfs), so they share the notebook's memory limit: /dev/shm
    gets an eighth (at most 64 MiB), /tmp and /home half of the rest each.
    """
    page = os.sysconf("SC_PAGE_SIZE")
    shm = min(SHM_BYTES, memory_bytes // 8) // page * page
    half = (memory_bytes - shm) // 2 // page * page
    return {"/tmp": half, "/home": half, "/dev/shm": shm}


def _file_mounts(memory_bytes):
    budgets = file_budgets(memory_bytes)
    return ["--dev", "/dev", "--size", str(budgets["/dev/shm"]), "--tmpfs", "/dev/shm",
            "--remount-ro", "/dev",
            "--size", str(budgets["/tmp"]), "--tmpfs", "/tmp",
            "--size", str(budgets["/home"]), "--tmpfs", "/home"]


@lru_cache(maxsize=1)
def bubblewrap_problem():
    """None when bwrap works here, else one line saying why not."""
    path = shutil.which("bwrap")
    if path is None:
        return "bubblewrap (bwrap) is not installed: apt-get install bubblewrap"
    trial = subprocess.run([path, "--unshare-all", "--uid", str(SANDBOX_UID), "--ro-bind", "/",
                            "/", "--proc", "/proc", *_file_mounts(2**24), "true"],
                           capture_output=True, text=True, timeout=30)
    if trial.returncode != 0:
        return f"bubblewrap cannot create namespaces here: {trial.stderr.strip()[:200]}"
    return None


def _system_mounts():
    arguments = []
    for path in ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(path):
            arguments += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            arguments += ["--ro-bind", path, path]
    for path in ("/etc/ld.so.cache", "/etc/localtime", "/etc/alternatives", "/etc/fonts"):
        if os.path.exists(path):
            arguments += ["--ro-bind", path, path]
    return arguments


def _python_mounts():
    """The Python installation and environment, read-only, at the paths they have here."""
    roots = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve(),
             Path(sys.executable).resolve().parent.parent}
    arguments = []
    for root in sorted(roots):
        if root != Path("/usr") and Path("/usr") not in root.parents:
            arguments += ["--ro-bind", str(root), str(root)]
    if Path(sys.prefix) != Path(sys.prefix).resolve():
        arguments += ["--ro-bind", str(Path(sys.prefix).resolve()), sys.prefix]
    return arguments


class Sandbox:
    """One notebook's sandbox: its folders, the kernel command, its limits, and its end.

    Inputs:
    - library: a folder holding pristine `course_lib/` and `cnn_inside/` packages
    - memory_bytes, processes, cpu_seconds, output_bytes: the limits
    - enabled: False runs the kernel without bubblewrap (--unsafe-no-sandbox)
    - user: with enabled=False, the name of an unprivileged user to run the kernel as
      (needs root; autograder/kernel_user.py); None runs it as this process's user
    """

    def __init__(self, library, memory_bytes, processes=256, cpu_seconds=600,
                 output_bytes=1_000_000, enabled=True, user=None):
        if user is not None and enabled:
            raise ValueError(f"expected user=None with bubblewrap (it has its own user); got "
                             f"user={user!r} with enabled=True")
        self.library = Path(library)
        self.memory_bytes = int(memory_bytes)
        self.processes = int(processes)
        self.cpu_seconds = int(cpu_seconds)
        self.output_bytes = int(output_bytes)
        self.enabled = enabled
        self.root = Path(tempfile.mkdtemp(prefix="cnn-sbx-"))
        self.run = self.root / "run"
        self.run.mkdir()
        (self.root / "passwd").write_text(PASSWD, encoding="utf-8")
        (self.root / "group").write_text(GROUP, encoding="utf-8")
        self.home = self.root / "home"  # used without bubblewrap only
        self.home.mkdir()
        self.rpc_path = str(self.run / "rpc")
        self.stopped_because = ""
        self.prelude = ""  # the lesson's imports, bound in every test (autograder.checker)
        self.test_imports = {}  # grade_id: a test cell's visible imports, run in the kernel
        self.removed_references = ()  # "module:qualname" stripped from the library (references.py)
        self.draw_key = ""  # the test runner's key of drawn cases (autograder/secret.py): never
        # in the kernel's command or environment
        self.cell_seconds = 0.0  # wall time in the notebook's code cells, tests included
        self.process_id = None
        self.deadline = None  # time.monotonic() at which the notebook's time is up
        self._inside_pid = None  # a process in the sandbox's mount namespace
        self._cgroups = []
        self._watch = None
        self._done = threading.Event()
        self.account = None  # (uid, gid) of the kernel's user, when it is not ours
        if user is not None:
            self._hand_to(user)

    def _hand_to(self, user):
        """Prepare the folders for a kernel run as `user` (kernel_user.prepare_folders)."""
        from autograder.kernel_user import account, prepare_folders

        self.account = account(user)
        self.library = prepare_folders(self.root, self.home, self.run, self.library,
                                       *self.account)

    def hand_over(self, path):
        """Let the kernel's user use `path`, a socket or file the grader made in run/."""
        if self.account is not None:
            os.chown(path, *self.account, follow_symlinks=False)

    def environment(self):
        home = HOME if self.enabled else str(self.home)
        library = LIBRARY_MOUNT if self.enabled else str(self.library)
        return {
            "HOME": home, "USER": "student", "LANG": "C.UTF-8",
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/bin", "/bin"]),
            "PYTHONPATH": library, "PYTHONNOUSERSITE": "1", "PYTHONDONTWRITEBYTECODE": "1",
            "MPLBACKEND": "agg",  # figures are not drawn while grading: a quarter less time
            "COURSE_PROGRESS": "off", "NBGRADER_EXECUTION": "autograde",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1", "OMP_NUM_THREADS": "1",
            "CNN_GRADER_MEMORY_BYTES": str(self.memory_bytes),
            "CNN_GRADER_CPU_SECONDS": str(self.cpu_seconds),
            "CNN_GRADER_PROCESSES": str(self.processes),
            "CNN_GRADER_OUTPUT_BYTES": str(self.output_bytes),
        }

    def kernel_command(self, connection_file, extra_arguments=()):
        """The command that starts the student's kernel (in the sandbox when enabled)."""
        kernel = [sys.executable, "-m", f"{INSIDE_PACKAGE}.kernel", "-f", str(connection_file),
                  *extra_arguments]
        if not self.enabled:
            plain = ["env", "-i", *[f"{key}={value}" for key, value in self.environment().items()],
                     *kernel]
            if self.account is None:
                return plain
            from autograder.kernel_user import drop_command

            self.hand_over(connection_file)  # written by jupyter_client, 0600, before this call
            return drop_command(*self.account, self.home, plain)
        command = ["bwrap", "--unshare-all", "--die-with-parent", "--new-session",
                   "--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_UID), "--hostname", "grader",
                   "--cap-drop", "ALL",
                   # Private /tmp and /home first: a checkout (and its .venv) may live under
                   # either, and a later mount would otherwise be hidden by them.
                   "--proc", "/proc", *_file_mounts(self.memory_bytes),
                   *_system_mounts(), *_python_mounts(),
                   "--dir", HOME, "--ro-bind", str(self.root / "passwd"), "/etc/passwd",
                   "--ro-bind", str(self.root / "group"), "/etc/group",
                   "--ro-bind", str(self.library), LIBRARY_MOUNT,
                   "--bind", str(self.run), str(self.run), "--chdir", HOME, "--clearenv"]
        for key, value in self.environment().items():
            command += ["--setenv", key, value]
        return [*self._cgroup_wrapper(), *command, "--", *kernel]

    # -- limits on the whole tree -------------------------------------------------------

    def _cgroup_wrapper(self):
        """`sh -c` that moves itself into this sandbox's cgroups, then execs bubblewrap."""
        self._cgroups = make_cgroups(self.root.name, self.memory_bytes, self.processes)
        if not self._cgroups:
            return []
        targets = " ".join(f"'{group / 'cgroup.procs'}'" for group in self._cgroups)
        return ["sh", "-c", f'for f in {targets}; do echo $$ > "$f" || exit 97; done; exec "$@"',
                "sh"]

    def started(self, process_id, deadline_seconds):
        """Start watching the kernel: memory of the whole tree, and the notebook's deadline."""
        self.process_id = process_id
        self.deadline = time.monotonic() + deadline_seconds
        self._watch = threading.Thread(target=self._watchdog, args=(deadline_seconds,),
                                       daemon=True, name="sandbox-watchdog")
        self._watch.start()

    def seconds_left(self):
        """Seconds until the notebook's deadline (its whole time limit before the kernel starts)."""
        if self.deadline is None:
            return float(self.cpu_seconds)
        return self.deadline - time.monotonic()

    def file_bytes(self):
        """Bytes in the sandbox's tmpfs files (/tmp, $HOME, /dev/shm), as the grader sees them."""
        if not self.enabled:
            return folder_usage(self.home, 10**6)[0]
        for _ in range(2):
            pid = self._inside_pid or self._find_inside_pid()
            if pid is None:
                return 0
            try:
                total = 0
                for mount in FILE_MOUNTS:
                    stat = os.statvfs(f"/proc/{pid}/root{mount}")
                    total += (stat.f_blocks - stat.f_bfree) * stat.f_frsize
                return total
            except OSError:  # that process is gone (or not ours to look into): find another
                self._inside_pid = None
        return 0

    def _find_inside_pid(self):
        try:
            ours = os.readlink("/proc/self/ns/mnt")
        except OSError:
            return None
        for pid in tree_pids(self.process_id):
            try:
                if os.readlink(f"/proc/{pid}/ns/mnt") != ours:
                    self._inside_pid = pid
                    return pid
            except OSError:
                continue
        return None

    def _watchdog(self, deadline_seconds):
        while not self._done.wait(0.25):
            if time.monotonic() > self.deadline:
                self.kill(f"the notebook ran past its {deadline_seconds:g} s time limit")
                return
            processes, files = tree_memory(self.process_id), self.file_bytes()
            if (processes + files > self.memory_bytes
                    or any(oom_kills(group) for group in self._cgroups)):
                self.kill(f"the notebook used more than {self.memory_bytes / 2**30:g} GiB "
                          f"of memory (processes {processes / 2**30:.2f} GiB, files in /tmp, "
                          f"$HOME and /dev/shm {files / 2**30:.2f} GiB)")
                return
            run_bytes, entries = folder_usage(self.run, RUN_ENTRIES)
            if run_bytes > RUN_BYTES or entries > RUN_ENTRIES:
                self.kill(f"the notebook wrote into the grader's socket folder (more than "
                          f"{RUN_ENTRIES} entries or {RUN_BYTES // 2**20} MiB)")
                return

    def kill(self, reason=""):
        """Kill every process of the sandbox; remember why (the first reason wins)."""
        if reason and not self.stopped_because:
            self.stopped_because = reason
        pids = set(tree_pids(self.process_id)) if self.process_id else set()
        for group in self._cgroups:
            pids.update(cgroup_pids(group))
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        if self.account is not None:  # also what left the tree (a detached process)
            from autograder.kernel_user import kill_all

            kill_all(self.account[0])

    def close(self):
        """Kill what is left and remove the sandbox's folders and cgroups."""
        self._done.set()
        self.kill()
        for group in self._cgroups:
            for _ in range(250):
                try:
                    group.rmdir()
                    break
                except OSError:
                    for pid in cgroup_pids(group):
                        try:
                            os.kill(pid, signal.SIGKILL)
                        except ProcessLookupError:
                            pass
                    time.sleep(0.02)
        shutil.rmtree(self.root, ignore_errors=True)
