"""Remember, on this machine and without a network, which exercises a learner has passed.

Every instant check records its result here. The record is a small JSON file,
by default `~/.cnn_foundations/progress.json`; the environment variable
COURSE_PROGRESS_FILE names another file, and COURSE_PROGRESS=off turns
recording off (the autograder does this). Recording never raises: a file that
cannot be read or written (a read-only home, a broken file) simply means no
memory.

The record also drives stronger help: the second failure of a check adds the
formula, and from the third one on the check points to the matching section
of the solution notebook, on an instructor's copy only (where solutions/
exists). Only real attempts count: a function that still raises
NotImplementedError is neither a failure nor an attempt.
"""

import json
import os
import time
from pathlib import Path

STRONGER_HINT_AFTER = 2   # failures before the general formula is added to the hint
SOLUTION_POINTER_AFTER = 3  # failures before the check points to the solution notebook


def enabled():
    """False when COURSE_PROGRESS is 'off' (or '0', 'false', 'no')."""
    return os.environ.get("COURSE_PROGRESS", "on").lower() not in ("off", "0", "false", "no")


def progress_file():
    """The JSON file that holds the record."""
    configured = os.environ.get("COURSE_PROGRESS_FILE")
    if configured:
        return Path(configured)
    return Path.home() / ".cnn_foundations" / "progress.json"


def load():
    """The record: {exercise: {"lesson", "passed", "attempts", "failures", "last"}}."""
    if not enabled():
        return {}
    try:
        data = json.loads(progress_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def record(exercise, lesson, passed):
    """Add one attempt at `exercise` (of lesson `lesson`, e.g. '01') to the record.

    Returns the exercise's updated entry (an empty dict when recording is off).
    """
    if not enabled():
        return {}
    data = load()
    entry = data.get(exercise) if isinstance(data.get(exercise), dict) else {}
    entry = {
        "lesson": lesson,
        "passed": bool(entry.get("passed")) or bool(passed),
        "attempts": int(entry.get("attempts", 0)) + 1,
        "failures": 0 if passed else int(entry.get("failures", 0)) + 1,
        "last": time.strftime("%Y-%m-%d %H:%M"),
    }
    data[exercise] = entry
    path = progress_file()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        temporary.replace(path)
    except OSError:
        pass
    return entry


def table(data=None):
    """Rows (lesson, exercise, status, attempts), sorted by lesson then exercise."""
    data = load() if data is None else data
    rows = []
    for exercise, entry in data.items():
        if not isinstance(entry, dict):
            continue
        status = "passed" if entry.get("passed") else "not yet"
        rows.append((str(entry.get("lesson", "?")), exercise, status, int(entry.get("attempts", 0))))
    return sorted(rows)


def show(data=None):
    """Print the progress table across the course. Introduced in lesson 00."""
    rows = table(data)
    if not rows:
        where = "recording is off" if not enabled() else f"nothing in {progress_file()} yet"
        print(f"No instant checks recorded ({where}). Run a check in any lesson and come back.")
        return
    passed = sum(1 for row in rows if row[2] == "passed")
    print(f"{'lesson':<7} {'exercise':<28} {'status':<8} attempts")
    for lesson, exercise, status, attempts in rows:
        mark = "✓" if status == "passed" else "·"
        print(f"{lesson:<7} {exercise:<28} {mark} {status:<6} {attempts:>5}")
    print(f"{passed} of {len(rows)} exercises tried so far are passed.")
