"""The test suite's own scheduling: a module marked with xdist_group runs on one worker.

The grading batches (a class graded once, then read by each test of the module) are
module-scoped fixtures; if the module's tests were spread over both xdist workers,
each worker would grade the batch again. pytest-xdist's own loadgroup scheduling
relies on a nodeid suffix that pytest 9 drops, so tests/conftest.py schedules by
module instead. Checked here on a throwaway suite run with `-n 2 --dist loadgroup`,
as `make test` runs the real one.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GROUPED = '''
import os

import pytest

pytestmark = pytest.mark.xdist_group("batch")


@pytest.fixture(scope="module")
def batch():
    return os.getpid()


@pytest.mark.parametrize("index", range(6))
def test_reads_the_batch(batch, index, record_property):
    record_property("worker", os.getpid())
    assert batch == os.getpid()
'''

LOOSE = '''
import os

import pytest


@pytest.mark.parametrize("index", range(6))
def test_loose(index, record_property):
    record_property("worker", os.getpid())
'''


def test_a_grouped_module_runs_on_one_worker_and_the_rest_spreads(tmp_path):
    tests = tmp_path / "tests"
    tests.mkdir()
    shutil.copy(ROOT / "tests" / "conftest.py", tests / "conftest.py")
    (tests / "__init__.py").write_text("")
    (tests / "test_grouped.py").write_text(GROUPED)
    (tests / "test_loose.py").write_text(LOOSE)
    report = tmp_path / "report.xml"
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-n", "2", "--dist", "loadgroup",
         "--no-loadscope-reorder", "-p", "no:cacheprovider", "-q", f"--junitxml={report}",
         "tests"], cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env={**__import__("os").environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stdout + run.stderr
    import xml.etree.ElementTree as ElementTree

    workers = {}
    for case in ElementTree.parse(report).iter("testcase"):
        worker = next(prop.get("value") for prop in case.iter("property")
                      if prop.get("name") == "worker")
        workers.setdefault(case.get("classname").split(".")[-1], set()).add(worker)
    assert len(workers["test_grouped"]) == 1, json.dumps({k: sorted(v) for k, v in workers.items()})
    assert len(workers["test_loose"] | workers["test_grouped"]) == 2, workers
