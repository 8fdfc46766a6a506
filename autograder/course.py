"""Run stock nbgrader on a scratch copy of the course.

The tests and the instructor's grading tool both need the same few steps:
make a course directory nbgrader understands, generate the student version
of a lesson, put submissions where nbgrader looks for them, run
`nbgrader autograde`, and read the scores back from the gradebook (never from
nbgrader's exit code: `nbgrader validate` and `autograde` exit 0 even when
tests fail).
"""

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

COURSE_ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = COURSE_ROOT / "solutions"
LESSONS = COURSE_ROOT / "lessons"


def lesson_ids():
    """The lesson ids present in solutions/, e.g. ['00_setup', '01_dense_layers']."""
    return sorted(path.name for path in SOLUTIONS.iterdir()
                  if path.is_dir() and (path / f"{path.name}.ipynb").exists())


def notebook_name(lesson):
    """Each lesson folder holds one notebook named like the folder."""
    return f"{lesson}.ipynb"


def nbgrader(args, cwd, timeout=None):
    """Run `nbgrader ARGS` in `cwd` with this Python's tools on PATH.

    Returns the CompletedProcess; raises RuntimeError with nbgrader's log when it fails.
    """
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    env.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")
    env["COURSE_PROGRESS"] = "off"  # grading must not touch a learner's progress record
    # nbgrader_config.py imports autograder.stock; a scratch course has no autograder/ of its own.
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(COURSE_ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env,
                            capture_output=True, text=True, timeout=timeout)
    if result.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed ({result.returncode}):\n"
                           f"{result.stdout}\n{result.stderr}")
    return result


def make_course(workdir, lessons):
    """Create a scratch course in `workdir` holding the sources of `lessons`.

    The release of each lesson is generated into workdir/lessons and recorded
    in workdir/gradebook.db, as `make release` does in the real course.
    Returns the course directory.
    """
    course = Path(workdir)
    course.mkdir(parents=True, exist_ok=True)
    shutil.copy(COURSE_ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    for lesson in lessons:
        shutil.copytree(SOLUTIONS / lesson, course / "solutions" / lesson, dirs_exist_ok=True)
        nbgrader(["generate_assignment", lesson, "--force"], cwd=course)
    return course


@dataclass
class Score:
    """The gradebook's scores for one submission of one lesson."""

    score: float
    max_score: float
    tests: dict = field(default_factory=dict)  # grade_id -> (score, max_score)

    @property
    def full_marks(self):
        return self.max_score > 0 and abs(self.score - self.max_score) < 1e-9


def read_scores(course, lesson, students):
    """Read each student's scores for `lesson` from the course gradebook.

    Returns {student: Score}.
    """
    from nbgrader.api import Gradebook

    scores = {}
    with Gradebook(f"sqlite:///{Path(course) / 'gradebook.db'}") as gradebook:
        for student in students:
            submission = gradebook.find_submission(lesson, student)
            tests = {}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    tests[grade.name] = (grade.score, grade.max_score)
            scores[student] = Score(submission.score, submission.max_score, tests)
    return scores


def autograde(course, lesson, submissions):
    """Autograde submitted notebooks of one lesson with stock nbgrader.

    Inputs:
    - course: a course directory made by make_course
    - lesson: the lesson id
    - submissions: {student_id: path to that student's notebook}

    Returns {student_id: Score}.
    """
    course = Path(course)
    for student, path in submissions.items():
        target = course / "submitted" / student / lesson / notebook_name(lesson)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    nbgrader(["autograde", lesson, "--force"], cwd=course)
    return read_scores(course, lesson, list(submissions))
