"""Limits on a sandbox's whole process tree: its processes, their memory, and cgroups.

- tree_pids / tree_memory: a process and its descendants, as /proc shows them here,
  and their resident memory (the watchdog's measure where there is no cgroup);
- folder_usage: the bytes and entries under a folder (the shared socket folder's bound);
- make_cgroups: a memory and a pids cgroup per sandbox (v2 where the unified
  hierarchy is mounted, else v1), or none where the grader may not make them;
- oom_kills: whether the kernel's OOM killer stopped a process of a cgroup;
- sweep_stale_cgroups: empty groups of sandboxes that are gone.
"""

import os
import tempfile
import time
from pathlib import Path

def _children_map():
    children = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as stream:
                fields = stream.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(entry.name))
    return children


def tree_pids(root):
    """The process `root` and all its descendants, as seen from here."""
    if root is None:
        return []
    children, found, stack = _children_map(), [], [root]
    while stack:
        pid = stack.pop()
        found.append(pid)
        stack.extend(children.get(pid, []))
    return found


def tree_memory(root):
    """Resident memory (bytes) of `root` and its descendants."""
    total = 0
    page = os.sysconf("SC_PAGE_SIZE")
    for pid in tree_pids(root):
        try:
            with open(f"/proc/{pid}/statm", "rb") as stream:
                total += int(stream.read().split()[1]) * page
        except (OSError, IndexError, ValueError):
            continue
    return total


def folder_usage(folder, most_entries):
    """(bytes, entries) under `folder`, counting at most `most_entries` + 1 entries."""
    used, entries, stack = 0, 0, [str(folder)]
    while stack and entries <= most_entries:
        try:
            with os.scandir(stack.pop()) as scan:
                for entry in scan:
                    entries += 1
                    stat = entry.stat(follow_symlinks=False)
                    used += stat.st_blocks * 512
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
        except OSError:
            continue
    return used, entries


CGROUP_ROOT = Path("/sys/fs/cgroup")


def make_cgroups(name, memory_bytes, processes):
    """Cgroups limiting memory and process count for one sandbox; [] where none can be made."""
    made = []
    try:
        if (CGROUP_ROOT / "cgroup.controllers").exists():  # v2, unified
            group = CGROUP_ROOT / f"cnn-grader-{name}"
            group.mkdir()
            made.append(group)
            (group / "memory.max").write_text(str(memory_bytes))
            (group / "pids.max").write_text(str(processes))
        else:  # v1: one hierarchy per controller
            for controller, limit_file, value in (("memory", "memory.limit_in_bytes", memory_bytes),
                                                  ("pids", "pids.max", processes)):
                group = CGROUP_ROOT / controller / f"cnn-grader-{name}"
                group.mkdir()
                made.append(group)
                (group / limit_file).write_text(str(value))
        return made
    except OSError:
        for group in made:
            try:
                group.rmdir()
            except OSError:
                pass
        return []


def sweep_stale_cgroups():
    """Remove empty cgroups left by sandboxes whose folder is gone (a grader killed mid-run).

    Only groups older than ten minutes: a newer empty one may be another grader's,
    made a moment before its sandbox moves in.
    """
    for group in [*CGROUP_ROOT.glob("cnn-grader-cnn-sbx-*"),
                  *CGROUP_ROOT.glob("*/cnn-grader-cnn-sbx-*")]:
        folder = Path(tempfile.gettempdir()) / group.name[len("cnn-grader-"):]
        try:
            old = time.time() - group.stat().st_mtime > 600
        except OSError:
            continue
        if old and not folder.exists() and not cgroup_pids(group):
            try:
                group.rmdir()
            except OSError:
                pass


def oom_kills(group):
    """How many processes the kernel's OOM killer stopped in this memory cgroup (0 if unknown)."""
    for name in ("memory.events", "memory.oom_control"):  # v2, v1
        try:
            for line in (group / name).read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill":
                    return int(value)
        except (OSError, ValueError):
            continue
    return 0


def cgroup_pids(group):
    try:
        return [int(line) for line in (group / "cgroup.procs").read_text().split()]
    except (OSError, ValueError):
        return []
