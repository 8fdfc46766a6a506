"""The student's kernel as an unprivileged user, where bubblewrap cannot run (Gradescope).

Gradescope grades each submission as root in a container without user namespaces, so
the sandbox of autograder/sandbox.py cannot be made there. The bundle then runs the
kernel as KERNEL_USER, a user without a password, a home or any group, that setup.sh
creates (`useradd --system`):

- `drop_command` prefixes the kernel's command with a launcher that, still root, drops
  every group, sets the real, effective and saved uid and gid to the user's, forbids
  any gain of privileges (PR_SET_NO_NEW_PRIVS: a setuid program runs as the user),
  moves into the kernel's own home and only then executes the kernel;
- `kill_all` kills every process of that user (a detached one included) and says
  which, if any, are still alive: the bundle calls it before it writes results.json.

What the user may read is set by the caller: the bundle makes /autograder/source (the
solutions, the grading code, the scratch course) and the submission's metadata
root-only, and the Sandbox gives the kernel a root-owned copy of its library.
"""

import os
import pwd
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

KERNEL_USER = "cnn-student"  # a dedicated name: killing all its processes hits no one else
PR_SET_NO_NEW_PRIVS = 38

# Run as root by `python -I -S -c LAUNCHER UID GID HOME -- COMMAND...`: drop, then exec.
LAUNCHER = f"""\
import ctypes, os, sys, warnings  # os.execvp imports warnings: before the drop
uid, gid, home = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
if sys.argv[4] != "--":
    raise SystemExit("launcher: expected UID GID HOME -- COMMAND")
os.setgroups([])
os.setresgid(gid, gid, gid)
os.setresuid(uid, uid, uid)
if os.getresuid() != (uid, uid, uid) or os.getgroups() not in ([], [gid]):
    raise SystemExit("launcher: the privileges were not dropped")
if ctypes.CDLL(None, use_errno=True).prctl({PR_SET_NO_NEW_PRIVS}, 1, 0, 0, 0) != 0:
    raise SystemExit("launcher: PR_SET_NO_NEW_PRIVS failed")
os.chdir(home)
os.umask(0o077)
os.execvp(sys.argv[5], sys.argv[5:])
"""

# Run as root by `python -I -S -c KILLER UID OTHER`: becomes (real OTHER, effective UID,
# saved OTHER), then kill(-1). Its effective uid lets it signal every process of UID; its
# real and saved uid, which no process has, keep those processes from killing it first.
KILLER = """\
import os, signal, sys
uid, other = int(sys.argv[1]), int(sys.argv[2])
os.setgroups([])
os.setresgid(other, other, other)
os.setresuid(other, uid, other)
for _ in range(3):
    try:
        os.kill(-1, signal.SIGKILL)
    except ProcessLookupError:
        break
"""
KILLER_UID = 2**31 - 3  # no account has it; only the KILLER process ever runs with it


def account(name=KERNEL_USER):
    """(uid, gid) of the unprivileged account `name`; ValueError when missing or root."""
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise ValueError(f"expected a user named {name!r} to run the student's kernel (setup.sh "
                         f"makes it: useradd --system --user-group {name}); there is none "
                         "here") from None
    if entry.pw_uid == 0 or entry.pw_gid == 0:
        raise ValueError(f"expected an unprivileged user for the student's kernel; {name!r} "
                         f"has uid {entry.pw_uid} and gid {entry.pw_gid}")
    return entry.pw_uid, entry.pw_gid


def prepare_folders(root, home, run, library, uid, gid):
    """A sandbox's folders (autograder/sandbox.py) for a kernel run as uid:gid.

    The user may write `home` (its own, 700) and create sockets in `run` (root's, 1733:
    sticky, so it cannot replace the grader's), and read a root-owned copy of `library`
    made in `root` (711: nothing else there can be listed). Returns the copy's path.
    """
    root, home, run = Path(root), Path(home), Path(run)
    root.chmod(0o711)
    os.chown(home, uid, gid)
    home.chmod(0o700)
    run.chmod(0o1733)
    copy = root / "lib"
    shutil.copytree(library, copy, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for folder, _, files in os.walk(copy):
        os.chmod(folder, 0o755)
        for name in files:
            os.chmod(os.path.join(folder, name), 0o644)
    return copy


def drop_command(uid, gid, home, command):
    """`command` started as root and run as uid:gid, without groups, in `home`."""
    return [sys.executable, "-I", "-S", "-c", LAUNCHER, str(uid), str(gid), str(home), "--",
            *command]


def live_pids(uid):
    """Processes (not zombies) whose real, effective or saved uid is `uid`."""
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/status", encoding="utf-8") as stream:
                fields = dict(line.split(":", 1) for line in stream if ":" in line)
        except (OSError, ValueError):
            continue  # gone meanwhile
        if fields.get("State", "").strip().startswith(("Z", "X")):
            continue
        if str(uid) in fields.get("Uid", "").split()[:3]:
            found.append(int(name))
    return found


def kill_all(uid, rounds=20):
    """Kill every process of `uid` (needs root); returns the pids still alive (none, normally).

    Each round runs KILLER (kill(-1) as that user: atomic against fork), then kills what
    /proc still shows, one by one, as root.
    """
    if uid == 0:
        raise ValueError("expected the uid of the kernel's unprivileged user; got 0 (root)")
    survivors = live_pids(uid)
    for _ in range(rounds):
        if not survivors:
            return []
        subprocess.run([sys.executable, "-I", "-S", "-c", KILLER, str(uid), str(KILLER_UID)],
                       stdin=subprocess.DEVNULL, capture_output=True, timeout=30)
        for pid in live_pids(uid):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        time.sleep(0.05)
        survivors = live_pids(uid)
    return survivors
