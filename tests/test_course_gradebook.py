"""One gradebook: the grading tool's results land in the course's nbgrader gradebook, with
nbgrader's submission times, late flags and late-penalty plugin."""

import shutil
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from autograder.course import COURSE_ROOT, LESSONS, read_scores
from autograder.course_gradebook import publish
from autograder.engine import Result
from autograder.submissions import Submission
from autograder.template import course_template

LESSON = "00_setup"
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("course_gradebook")]


@pytest.fixture(scope="module")
def template():
    return course_template([LESSON])


def test_results_timestamps_and_late_penalty(template, tmp_path):
    """Scores as the tool graded them; the timestamp stored; a submission after the due date
    is late and gets the configured plugin's penalty (here nbgrader's 'zero')."""
    from nbgrader.api import Gradebook
    from traitlets.config import Config

    gradebook = tmp_path / "gradebook.db"
    shutil.copy(template / "gradebook.db", gradebook)
    with Gradebook(f"sqlite:///{gradebook}") as book:
        book.update_or_create_assignment(LESSON, duedate=datetime(2026, 3, 2, 12, 0))
    (test, maximum), = _tests(template).items()
    results = [Result("alice", LESSON, tests={test: [maximum, maximum]}, score=maximum),
               Result("bob", LESSON, tests={test: [maximum, maximum]}, score=maximum)]
    submissions = [
        Submission("alice", LESSON, tmp_path, "", timestamp=datetime(2026, 3, 1, tzinfo=timezone.utc)),
        Submission("bob", LESSON, tmp_path, "", timestamp=datetime(2026, 3, 3, tzinfo=timezone.utc))]
    config = Config()
    config.LateSubmissionPlugin.penalty_method = "zero"
    summary = publish(gradebook, results, submissions, template, config=config)
    assert summary["recorded"] == 2 and summary["skipped"] == []
    assert [(student, lesson) for student, lesson, _ in summary["late"]] == [("bob", LESSON)]
    with Gradebook(f"sqlite:///{gradebook}") as book:
        alice, bob = (book.find_submission(LESSON, name) for name in ("alice", "bob"))
        assert alice.timestamp == datetime(2026, 3, 1) and alice.total_seconds_late == 0
        assert bob.total_seconds_late == 12 * 3600
        assert alice.notebooks[0].late_submission_penalty is None
        assert bob.notebooks[0].late_submission_penalty == maximum
    assert read_scores(tmp_path, LESSON, ["alice"])["alice"].full_marks


def test_a_gradebook_without_the_lesson_is_not_changed(template, tmp_path, monkeypatch):
    """An existing gradebook that lacks the lesson: the result is reported, not forced in."""
    import os

    from nbgrader.api import Gradebook

    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])

    gradebook = tmp_path / "other.db"
    with Gradebook(f"sqlite:///{gradebook}"):
        pass
    summary = publish(gradebook, [Result("alice", LESSON)], [], template)
    assert summary["recorded"] == 0 and "run make release" in summary["skipped"][0]


def test_grade_command_records_into_the_course_gradebook(template, tmp_path):
    """`python -m autograder.grade submitted --gradebook G` on nbgrader's submitted/ layout,
    timestamp.txt included: G holds the score and the time; nothing is rejected."""
    submitted = tmp_path / "submitted" / "carol" / LESSON
    submitted.mkdir(parents=True)
    shutil.copy(LESSONS / LESSON / f"{LESSON}.ipynb", submitted / f"{LESSON}.ipynb")
    (submitted / "timestamp.txt").write_text("2026-03-01 10:00:00.000000 UTC")
    gradebook = tmp_path / "course" / "gradebook.db"
    run = subprocess.run(
        [sys.executable, "-m", "autograder.grade", str(tmp_path / "submitted"), "--output",
         str(tmp_path / "out"), "--jobs", "1", "--quiet", "--gradebook", str(gradebook)],
        cwd=COURSE_ROOT, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "recorded 1 results" in run.stdout
    assert "rejected" not in (tmp_path / "out" / "grades.csv").read_text().split("\n", 1)[1]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{gradebook}") as book:
        submission = book.find_submission(LESSON, "carol")
        assert submission.timestamp == datetime(2026, 3, 1, 10, 0)
        assert submission.max_score == sum(_tests(template).values())


def _tests(template):
    from autograder.gradebook_merge import lesson_tests

    return lesson_tests(template / "gradebook.db")[LESSON]
