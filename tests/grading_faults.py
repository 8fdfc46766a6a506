"""Worker functions for tests/test_autograder_sandbox.py: graders that crash on purpose.

They run in the runner's spawned worker processes, so they live in an importable module.
"""

import os
from pathlib import Path

from autograder.runner import _grade


def crash_on_some(task):
    """Kill the worker process for students named crash_*: once for crash_once, always for crash_always."""
    marker = Path(task.path).with_suffix(".crashed")
    if task.student == "crash_always" or (task.student == "crash_once" and not marker.exists()):
        marker.write_text("crashed", encoding="utf-8")
        os._exit(1)
    return _grade(task)


def crash_once_on_cluster(payload):
    """On a Dask worker: kill the worker process the first time it grades student crash_once.

    The marker file says it happened (the test's workers share its filesystem).
    """
    from autograder.cluster import grade_remote

    marker = Path(os.environ["CNN_CRASH_MARKER"])
    if payload.student == "crash_once" and not marker.exists():
        marker.write_text("crashed", encoding="utf-8")
        os._exit(1)
    return grade_remote(payload)
