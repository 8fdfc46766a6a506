"""Written answers (markdown cells graded by hand) in the grading tool's grades.csv.

The tool cannot score them: a row waits as "needs manual grading" until an instructor
enters a score (Formgrader, or nbgrader's Gradebook API) in the output gradebook; a
later run, even --force, keeps that score and reports it.
"""

import csv
import shutil

import pytest

from autograder.course import LESSONS, SOLUTIONS, notebook_name
from autograder.engine import Result
from autograder.report import write_csv

LESSON = "04_counting_parameters"
WRITTEN = "written_gap_head"


def rows(path):
    with open(path, newline="", encoding="utf-8") as stream:
        return {row["student"]: row for row in csv.DictReader(stream)}


def test_write_csv_reports_pending_and_entered_written_answers(tmp_path):
    tests = {LESSON: {"test_a": 3, WRITTEN: 2}}
    results = [Result("ann", LESSON, score=3, tests={"test_a": [3, 3], WRITTEN: [0, 2]}),
               Result("ben", LESSON, score=1, tests={"test_a": [1, 3], WRITTEN: [0, 2]}),
               Result("cat", LESSON, error="the kernel died")]
    write_csv(tmp_path / "grades.csv", results, [], tests, {LESSON: {WRITTEN}},
              {("ben", LESSON): {WRITTEN: 1.5}})
    got = rows(tmp_path / "grades.csv")
    assert (got["ann"]["status"], got["ann"]["score"], got["ann"]["max_score"]) == (
        "needs manual grading", "3", "5")
    assert WRITTEN in got["ann"]["message"] and got["ann"][WRITTEN] == ""
    assert (got["ben"]["status"], got["ben"]["score"], got["ben"][WRITTEN]) == ("graded", "2.5", "1.5")
    assert got["cat"]["status"] == "error"


def test_write_csv_without_written_answers_is_unchanged(tmp_path):
    write_csv(tmp_path / "grades.csv", [Result("ann", "01_x", score=4, tests={"t": [4, 5]})], [],
              {"01_x": {"t": 5}})
    row = rows(tmp_path / "grades.csv")["ann"]
    assert (row["status"], row["score"], row["max_score"], row["t"]) == ("graded", "4", "5", "4")


@pytest.mark.slow
def test_grading_tool_keeps_manual_scores(tmp_path):
    """Real run of python -m autograder.grade on lesson 04: pending, then kept after --force."""
    from nbgrader.api import Gradebook

    from autograder.grade import main
    from autograder.sandbox import bubblewrap_problem

    if bubblewrap_problem():
        pytest.skip(bubblewrap_problem())
    submissions, output = tmp_path / "submissions", tmp_path / "output"
    submissions.mkdir()
    shutil.copy(SOLUTIONS / LESSON / notebook_name(LESSON), submissions / f"ann_{LESSON}.ipynb")
    shutil.copy(LESSONS / LESSON / notebook_name(LESSON), submissions / f"ben_{LESSON}.ipynb")
    arguments = [str(submissions), "--output", str(output), "--jobs", "1", "--quiet"]
    assert main(arguments) == 0
    first = rows(output / "grades.csv")
    assert first["ann"]["status"] == first["ben"]["status"] == "needs manual grading"
    autograded = float(first["ann"]["score"])
    assert autograded == float(first["ann"]["max_score"]) - 2 and first["ben"]["score"] == "0"
    with Gradebook(f"sqlite:///{output / 'gradebook.db'}") as gradebook:
        notebook = gradebook.find_submission_notebook(LESSON, LESSON, "ann")
        next(grade for grade in notebook.grades if grade.name == WRITTEN).manual_score = 1.5
        gradebook.db.commit()
    assert main(arguments + ["--force"]) == 0
    second = rows(output / "grades.csv")
    assert (second["ann"]["status"], second["ann"][WRITTEN]) == ("graded", "1.5")
    assert float(second["ann"]["score"]) == autograded + 1.5
    assert second["ben"]["status"] == "needs manual grading"
