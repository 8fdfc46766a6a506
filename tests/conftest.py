"""Shared test setup: keep every test away from the learner's real progress record."""

import os
import re
from pathlib import Path

import pytest

from course_lib import manifest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(autouse=True)
def _private_progress_file(tmp_path, monkeypatch):
    """Instant checks record progress; in tests they write to a temporary file."""
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(tmp_path / "progress.json"))
    monkeypatch.delenv("COURSE_PROGRESS", raising=False)


# Test modules as slow as a lesson's grading, with a cost on the manifest's scale.
SLOW_MODULES = {"test_autograder_hostile": 150, "test_autograder_sandbox": 80,
                "test_autograder_boundary": 120, "test_autograder_archives": 20,
                "test_autograder_cluster": 60, "test_autograder_resume": 20,
                "test_stock_nbgrader": 30, "test_gradescope_hostile": 30}
COSTS = {**{f"[{lesson.id}": lesson.grading_cost for lesson in manifest.LESSONS
            if lesson.grading_cost}, **SLOW_MODULES}


def pytest_collection_modifyitems(items):
    """Start the longest tests first, so that the two xdist workers finish together.

    The Keras lessons take tens of seconds a notebook to autograde; started last,
    they would leave one worker idle while the other grinds through them. The cost
    of each lesson is its manifest entry's grading_cost. (The Makefile passes
    --no-loadscope-reorder so that xdist keeps this order.)
    """
    def cost(item):
        return max((value for marker, value in COSTS.items() if marker in item.nodeid),
                   default=0)

    items.sort(key=cost, reverse=True)


# Modules marked with xdist_group share one module-scoped batch (a class graded once, then
# read by each test), so all their tests must run on the same xdist worker. pytest-xdist's
# own loadgroup scheduling finds the group in a suffix it appends to each test's nodeid,
# and with pytest 9 that suffix is silently dropped (nodeid is no longer `_nodeid`): every
# batch was built on both workers. This scheduler reads each module's group from its
# source instead.
GROUP_MARK = re.compile(r"xdist_group\(\"([^\"]+)\"\)")
GROUP_OF_MODULE = {f"tests/{path.name}": match[1]
                   for path in Path(__file__).parent.glob("test_*.py")
                   for match in [GROUP_MARK.search(path.read_text(encoding="utf-8"))] if match}


def pytest_xdist_make_scheduler(config, log):
    """Load scheduling in which a grouped module's tests form one unit of work."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ModuleGroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return GROUP_OF_MODULE.get(nodeid.split("::", 1)[0], nodeid)

    return ModuleGroupScheduling(config, log)
