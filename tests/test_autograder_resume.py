"""Resumable, idempotent runs, an interrupted run, and the one-notebook API, on lesson 00."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from autograder.course import COURSE_ROOT, LESSONS, SOLUTIONS, autograde, read_scores
from autograder.template import course_copy
from autograder.grade import grade_notebook
from autograder.submissions import SubmissionError

LESSON = "00_setup"
SOLUTION = SOLUTIONS / LESSON / f"{LESSON}.ipynb"
RELEASE = LESSONS / LESSON / f"{LESSON}.ipynb"

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("autograder_resume")]


def run_grader(folder, output, *options):
    result = subprocess.run(
        [sys.executable, "-m", "autograder.grade", str(folder), "--output", str(output),
         "--jobs", "2", *options], cwd=COURSE_ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_second_run_grades_only_new_or_changed(tmp_path):
    """Unchanged files are skipped, a changed one is regraded, --force regrades all."""
    folder = tmp_path / "download"
    folder.mkdir()
    (folder / f"alice_{LESSON}.ipynb").write_bytes(SOLUTION.read_bytes())
    (folder / f"bob_{LESSON}.ipynb").write_bytes(RELEASE.read_bytes())
    output = tmp_path / "output"
    assert "graded 2, unchanged 0" in run_grader(folder, output)
    assert "graded 0, unchanged 2" in run_grader(folder, output)
    (folder / f"bob_{LESSON}.ipynb").write_bytes(SOLUTION.read_bytes())
    assert "graded 1, unchanged 1" in run_grader(folder, output)
    scores = read_scores(output, LESSON, ["alice", "bob"])
    assert scores["bob"].full_marks and scores["alice"].full_marks
    assert "graded 2, unchanged 0" in run_grader(folder, output, "--force")
    lines = (output / "timings.tsv").read_text().splitlines()
    assert len(lines) == 1 + 2 + 1 + 2


def test_interrupted_run_keeps_finished_grades(tmp_path):
    """Killing a run keeps every finished result; the next run grades only the rest."""
    folder = tmp_path / "download"
    folder.mkdir()
    students = [f"student{number}" for number in range(4)]
    for student in students:
        (folder / f"{student}_{LESSON}.ipynb").write_bytes(SOLUTION.read_bytes())
    output = tmp_path / "output"
    process = subprocess.Popen(
        [sys.executable, "-m", "autograder.grade", str(folder), "--output", str(output),
         "--jobs", "1", "--quiet"], cwd=COURSE_ROOT, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    results = output / "results.jsonl"
    deadline = time.monotonic() + 180
    while not (results.exists() and results.read_text().count("\n") >= 1):
        assert time.monotonic() < deadline and process.poll() is None, "no result came"
        time.sleep(0.2)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    finished = [json.loads(line)["student"] for line in results.read_text().splitlines()]
    assert 1 <= len(finished) < len(students)
    assert all(score.full_marks for score in read_scores(output, LESSON, finished).values())
    stdout = run_grader(folder, output)
    assert f"graded {len(students) - len(finished)}, unchanged {len(finished)}" in stdout
    assert all(score.full_marks for score in read_scores(output, LESSON, students).values())


def test_grade_notebook_matches_stock(tmp_path):
    """grade_notebook gives each test's (score, max) as stock nbgrader does."""
    course = course_copy(tmp_path / "stock", [LESSON])
    stock = autograde(course, LESSON, {"solution": SOLUTION, "blank": RELEASE})
    assert grade_notebook(SOLUTION, LESSON) == stock["solution"].tests
    assert grade_notebook(RELEASE, LESSON) == stock["blank"].tests
    with pytest.raises(SubmissionError, match="unknown lesson"):
        grade_notebook(SOLUTION, "99_nothing")
