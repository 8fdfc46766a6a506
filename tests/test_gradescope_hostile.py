"""The Gradescope bundle, run as Gradescope runs it, against a hostile notebook.

Gradescope grades as root in a container without user namespaces. Here: a fake
`/autograder` tree in a temporary folder (AUTOGRADER_ROOT), the bundle of
`python -m autograder.export gradescope` as its source/, a `bwrap` on the PATH that fails
as it does there (so the grader takes its no-bubblewrap path), and the bundle's own
run_autograder, as root. The notebook is lesson 01's blank release plus one cell that

- reads the instructor's notebook (hidden tests) from source/solutions/ and reports what
  it got in a drop folder, and
- starts a detached process (its own session, its parent gone: out of the kernel's
  process tree) that waits for results.json and rewrites it to full marks.

With the kernel run as the unprivileged user (the bundle's way), the score is the honest
zero, the detached process is gone before results.json is written, nothing of the hidden
tests was read. The control grades the same notebook the old way (the kernel as root):
there the attack works, so the test could fail.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from autograder.course import LESSONS, SOLUTIONS, notebook_name
from autograder.gradescope import hidden_lines
from autograder.kernel_user import KERNEL_USER, live_pids
from autograder.references import lesson_library
from autograder.template import course_template, sandbox_library

LESSON = "01_dense_layers"

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("gradescope_hostile"),
              pytest.mark.skipif(sys.platform != "linux", reason="Linux's /proc and uids"),
              pytest.mark.skipif(os.geteuid() != 0, reason="runs the bundle as root, as "
                                 "Gradescope does, and makes a user with useradd: needs root")]

ATTACK = '''\
import os, subprocess, sys, textwrap
drop = {drop!r}
try:
    with open({solution!r}, encoding="utf-8") as stream:
        got = stream.read()
except Exception as error:
    got = "refused: " + type(error).__name__
with open(os.path.join(drop, "read.txt"), "w", encoding="utf-8") as stream:
    stream.write(got)
print(got[:300])
daemon = textwrap.dedent("""
    import json, os, sys, time
    results, drop = sys.argv[1], sys.argv[2]
    if os.fork():
        os._exit(0)
    os.setsid()
    with open(os.path.join(drop, "daemon.pid"), "w") as stream:
        stream.write(str(os.getpid()))
    deadline = time.time() + 300
    while time.time() < deadline:
        try:
            with open(results) as stream:
                report = json.load(stream)
            if report["score"] < sum(test["max_score"] for test in report["tests"]):
                for test in report["tests"]:
                    test["score"] = test["max_score"]
                report["score"] = sum(test["max_score"] for test in report["tests"])
                with open(results, "w") as stream:
                    json.dump(report, stream)
                open(os.path.join(drop, "rewritten"), "w").close()
        except Exception:
            pass
        time.sleep(0.05)
""")
subprocess.run([sys.executable, "-c", daemon, {results!r}, drop], stdin=subprocess.DEVNULL,
               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
'''


@pytest.fixture(scope="module")
def kernel_user():
    """The uid of the bundle's kernel user, made here as setup.sh makes it when missing."""
    import pwd

    try:
        return pwd.getpwnam(KERNEL_USER).pw_uid
    except KeyError:
        subprocess.run(["useradd", "--system", "--user-group", "--no-create-home",
                        "--shell", "/usr/sbin/nologin", KERNEL_USER], check=True)
    return pwd.getpwnam(KERNEL_USER).pw_uid


@pytest.fixture(scope="module")
def tree():
    """A fake /autograder (readable from the top: pytest's tmp folders are root-only)."""
    from autograder.export import export_gradescope

    root = Path(tempfile.mkdtemp(prefix="fake-autograder-"))
    root.chmod(0o755)
    try:
        source, _ = export_gradescope(LESSON, root / "source")
        # What setup.sh builds in the image, taken from this checkout's cache (same sources).
        cache = source / "build" / "autograder"
        cache.mkdir(parents=True)
        library = sandbox_library()
        for folder in (course_template([LESSON]), library, lesson_library(library, LESSON)):
            shutil.copytree(folder, cache / folder.name, dirs_exist_ok=True)
        venv(root / "venv")
        fake = root / "fakebin"
        fake.mkdir()
        (fake / "bwrap").write_text("#!/bin/sh\necho 'bwrap: No permissions to creating new "
                                    "namespace' >&2\nexit 1\n", encoding="utf-8")
        (fake / "bwrap").chmod(0o755)
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def others_can_run(path):
    """Whether a user other than root can reach and run `path` (every folder above: o+x)."""
    path = Path(path).resolve()
    return (all(folder.stat().st_mode & 0o001 for folder in path.parents)
            and path.stat().st_mode & 0o005 == 0o005)


def venv(target):
    """/autograder/venv: this environment, where the kernel's user can run its Python; else
    (a Python installed under root's home, as on some build machines) a venv of the system's
    Python of the same version that imports this environment's packages."""
    if others_can_run(sys.executable) and others_can_run(Path(sys.base_prefix) / "lib"):
        os.symlink(Path(sys.prefix), target)
        return
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    system = Path("/usr/bin") / version
    if not system.exists() or not others_can_run(system):
        pytest.skip(f"this Python ({sys.executable}) is not runnable by other users and there "
                    f"is no {system} to make a venv the kernel's user can run")
    subprocess.run([str(system), "-m", "venv", "--without-pip", str(target)], check=True)
    import site

    (target / "lib" / version / "site-packages" / "this_environment.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n", encoding="utf-8")


def submit(root):
    """Put the hostile notebook in submission/; returns the drop folder (world-writable)."""
    drop = root / "drop"
    shutil.rmtree(drop, ignore_errors=True)
    drop.mkdir()
    drop.chmod(0o1777)
    for name in ("submission", "results"):
        shutil.rmtree(root / name, ignore_errors=True)
        (root / name).mkdir()
    notebook = json.loads((LESSONS / LESSON / notebook_name(LESSON)).read_text(encoding="utf-8"))
    code = ATTACK.format(drop=str(drop), results=str(root / "results" / "results.json"),
                         solution=str(root / "source" / "solutions" / LESSON /
                                      notebook_name(LESSON)))
    notebook["cells"].insert(1, {"cell_type": "code", "execution_count": None, "metadata": {},
                                 "outputs": [], "source": code})
    (root / "submission" / notebook_name(LESSON)).write_text(json.dumps(notebook),
                                                             encoding="utf-8")
    return drop


def environment(root):
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env.update(AUTOGRADER_ROOT=str(root), COURSE_PROGRESS="off", TF_CPP_MIN_LOG_LEVEL="2",
               PATH=os.pathsep.join([str(root / "fakebin"), "/usr/bin", "/bin"]))
    return env


def alive(pid):
    try:
        with open(f"/proc/{pid}/status", encoding="utf-8") as stream:
            return "\nState:\tZ" not in stream.read()
    except FileNotFoundError:
        return False


def wait_for(path, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and not path.exists():
        time.sleep(0.1)
    return path.exists()


def test_the_bundle_as_gradescope_runs_it_defeats_the_attack(tree, kernel_user):
    """The kernel as the unprivileged user: zero for blank answers, no reading of source/,
    no process of that user left, results.json unchanged afterwards."""
    drop = submit(tree)
    run = subprocess.run(["bash", str(tree / "source" / "run_autograder")], cwd=tree,
                         env=environment(tree), capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    assert wait_for(drop / "read.txt", 1), "the attack cell ran"
    assert wait_for(drop / "daemon.pid", 1), "the attack started its detached process"
    pid = int((drop / "daemon.pid").read_text())
    assert not alive(pid), "the detached process outlived the grader"
    assert live_pids(kernel_user) == []
    results = tree / "results" / "results.json"
    written = results.read_text(encoding="utf-8")
    time.sleep(1.0)
    assert results.read_text(encoding="utf-8") == written
    assert not (drop / "rewritten").exists()
    report = json.loads(written)
    assert report["output"] == "", report["output"]  # graded, not refused
    assert report["tests"] and report["score"] == 0
    assert all(test["score"] == 0 for test in report["tests"])
    read = (drop / "read.txt").read_text(encoding="utf-8")
    assert read == "refused: PermissionError"
    assert not [line for line in hidden_lines(SOLUTIONS / LESSON / notebook_name(LESSON))
                if line in written]
    assert (tree / "source").stat().st_mode & 0o777 == 0o700
    assert (tree / "results").stat().st_uid == 0


def test_control_without_the_user_the_attack_works(tree, kernel_user):
    """The same notebook the old way (no --kernel-user: the kernel as root, no bubblewrap):
    the kernel reads the hidden tests and the detached process rewrites results.json."""
    drop = submit(tree)
    results = tree / "results" / "results.json"
    pid = None
    try:
        run = subprocess.run([str(tree / "venv" / "bin" / "python"), "-m",
                              "autograder.gradescope", str(tree / "submission"), str(results),
                              LESSON], cwd=tree / "source",
                             env=dict(environment(tree), PYTHONPATH=str(tree / "source")),
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr[-3000:]
        assert "runs as root" in run.stderr
        assert wait_for(drop / "daemon.pid", 5)
        pid = int((drop / "daemon.pid").read_text())
        assert wait_for(drop / "rewritten", 20), "the detached process rewrote results.json"
        report = json.loads(results.read_text(encoding="utf-8"))
        assert report["score"] == sum(test["max_score"] for test in report["tests"]) > 0
        read = (drop / "read.txt").read_text(encoding="utf-8")
        hidden = hidden_lines(SOLUTIONS / LESSON / notebook_name(LESSON))
        assert hidden and [line for line in hidden if line in read]
    finally:
        if pid is None and (drop / "daemon.pid").exists():
            pid = int((drop / "daemon.pid").read_text())
        if pid is not None and alive(pid):
            os.kill(pid, signal.SIGKILL)


SPINNER = """\
import os, time
os.setsid()
if os.fork() != 0:  # the parent leaves: the spinner is out of the launcher's tree
    os._exit(0)
# one spinner: kill(-1) spares its caller, so it outlives everything else of its user
deadline = time.time() + 60
while time.time() < deadline:
    try:
        os.kill(-1, 9)
    except OSError:
        pass
"""


def test_kill_all_outlasts_processes_that_kill_first(kernel_user):
    """Processes of the kernel's user that kill(-1) in a loop (any helper run as that user
    would die first) and left the launcher's tree are all killed; root's are not."""
    import pwd

    from autograder.kernel_user import drop_command, kill_all

    python = next((path for path in (sys.executable, "/usr/bin/python3")
                   if others_can_run(path)), None)
    if python is None:
        pytest.skip("no Python here that the kernel's user can run")
    gid = pwd.getpwuid(kernel_user).pw_gid
    launched = subprocess.Popen(drop_command(kernel_user, gid, "/",
                                             [python, "-c", SPINNER]))
    deadline = time.monotonic() + 10
    while not live_pids(kernel_user) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert live_pids(kernel_user), "the spinner started as the kernel's user"
    time.sleep(0.3)
    assert kill_all(kernel_user) == []
    assert live_pids(kernel_user) == []
    launched.wait(timeout=10)
    assert alive(os.getpid())
