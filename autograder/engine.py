"""Grade one submission with nbgrader's own Autograde and GenerateFeedback, in-process.

A Grader owns a scratch course (a copy of autograder.template's course, with
its own SQLite gradebook), so several Graders can run side by side, one per
worker process. Starting nbgrader once per worker instead of once per notebook
saves its start-up on every submission; every submission still gets a fresh
kernel (autograder.kernel: limits, tamper guard, numpy preloaded).

The pipeline is stock nbgrader's with these changes (all in `grading_config`):
Execute becomes GuardedExecute and runs in the grading kernel, StderrToStdout
and CapOutput run before the scores are saved, and OverwriteCells puts back
graded cells a student deleted.
"""

import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder.course import notebook_name, read_scores
from autograder.feedback import hide_tests
from autograder.kernel import KERNEL_NAME, install_kernelspec
from autograder.preprocessors import TAMPERING
from autograder.submissions import (SubmissionError, load_notebook, release_grade_ids,
                                    untrack_foreign_cells)
from autograder.template import release_notebook


@dataclass
class Limits:
    """What a submission may use. Times in seconds, sizes in bytes."""

    cell_timeout: int = 120  # as Execute.timeout in nbgrader_config.py
    notebook_timeout: int = 600
    memory_bytes: int = 6 * 2**30
    output_bytes: int = 1_000_000


@dataclass
class Result:
    """The outcome of grading one submission; `error` is set when it could not be graded."""

    student: str
    lesson: str
    digest: str = ""
    source: str = ""
    score: float = 0.0
    max_score: float = 0.0
    tests: dict = field(default_factory=dict)  # grade_id -> [score, max_score]
    error: str = ""
    tampering: list = field(default_factory=list)
    seconds: float = 0.0
    feedback: str = ""
    autograded: str = ""

    def to_dict(self):
        return asdict(self)


def grading_config(course, limits):
    """The traitlets Config for grading in `course`: its nbgrader_config.py plus our changes."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, IgnorePattern,
                                        LimitOutput, SaveAutoGrades)
    from traitlets.config import Config
    from traitlets.config.loader import PyFileConfigLoader

    from autograder.preprocessors import CapOutput, GuardedExecute, StderrToStdout

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    extra = Config()
    extra.CourseDirectory.root = str(course)
    extra.Autograde.autograde_preprocessors = [
        GuardedExecute, StderrToStdout, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
        CapOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    extra.Execute.kernel_name = KERNEL_NAME
    extra.Execute.timeout = int(limits.cell_timeout)
    extra.OverwriteCells.add_missing_cells = True
    extra.HTMLExporter.template_name = "feedback"
    config.merge(extra)
    return config


class Grader:
    """Grades submissions one at a time in its own scratch course under `workdir`."""

    def __init__(self, template, workdir, limits=None):
        self.limits = limits or Limits()
        self.workdir = Path(workdir)
        self.course = self.workdir / "course"
        shutil.rmtree(self.course, ignore_errors=True)
        shutil.copytree(template, self.course)
        self.pid_dir = self.workdir / "kernel-pids"
        jupyter_dir = install_kernelspec(
            self.workdir / "jupyter", memory_bytes=self.limits.memory_bytes,
            cpu_seconds=self.limits.notebook_timeout, output_bytes=self.limits.output_bytes,
            pid_dir=self.pid_dir)
        os.environ["JUPYTER_PATH"] = os.pathsep.join(
            filter(None, [str(jupyter_dir), os.environ.get("JUPYTER_PATH")]))
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        self.config = grading_config(self.course, self.limits)
        self._known_ids = {}

    def _grade_ids(self, lesson):
        if lesson not in self._known_ids:
            self._known_ids[lesson] = release_grade_ids(release_notebook(self.course, lesson))
        return self._known_ids[lesson]

    def _coursedir(self, lesson, student):
        from nbgrader.coursedir import CourseDirectory

        coursedir = CourseDirectory(config=self.config)
        coursedir.root = str(self.course)
        coursedir.assignment_id = lesson
        coursedir.student_id = student
        return coursedir

    def _run(self, app_class, lesson, student):
        from nbgrader.utils import capture_log

        app = app_class(coursedir=self._coursedir(lesson, student), config=self.config)
        app.force = True
        outcome = capture_log(app)
        if not outcome["success"]:
            raise SubmissionError(_failure_reason(outcome))

    def _clear(self, lesson, student):
        for folder in ("submitted", "autograded", "feedback"):
            shutil.rmtree(self.course / folder / student / lesson, ignore_errors=True)

    def grade(self, student, lesson, path, output=None):
        """Grade the notebook at `path` as `student`'s submission of `lesson`.

        Inputs:
        - output: a folder; when given, the autograded notebook and the feedback
          are copied to output/{autograded,feedback}/<student>/<lesson>/

        Returns a Result (its `error` says why, when it could not be graded).
        """
        from nbgrader.converters import Autograde, GenerateFeedback

        start = time.perf_counter()
        result = Result(student=student, lesson=lesson, source=str(path))
        self._clear(lesson, student)
        try:
            notebook = load_notebook(path)
            untrack_foreign_cells(notebook, self._grade_ids(lesson))
            submitted = self.course / "submitted" / student / lesson / notebook_name(lesson)
            submitted.parent.mkdir(parents=True, exist_ok=True)
            import nbformat

            nbformat.write(notebook, str(submitted))
            self._run(Autograde, lesson, student)
            score = read_scores(self.course, lesson, [student])[student]
            result.score, result.max_score = score.score, score.max_score
            result.tests = {name: list(value) for name, value in sorted(score.tests.items())}
            autograded = self.course / "autograded" / student / lesson / notebook_name(lesson)
            result.tampering = tampering_messages(autograded)
            if output is not None:
                result.autograded = str(_copy(autograded, Path(output) / "autograded"
                                              / student / lesson / notebook_name(lesson)))
            hide_tests(autograded, release_notebook(self.course, lesson))
            self._run(GenerateFeedback, lesson, student)
            html = self.course / "feedback" / student / lesson / f"{lesson}.html"
            if output is not None:
                result.feedback = str(_copy(html, Path(output) / "feedback" / student / lesson
                                            / f"{lesson}.html"))
        except SubmissionError as error:
            result.error = str(error)
            result.score = 0.0
        result.seconds = round(time.perf_counter() - start, 3)
        return result


def tampering_messages(autograded_path):
    """{grade_id: message} of the test cells the tamper guard zeroed."""
    import nbformat

    notebook = nbformat.read(str(autograded_path), as_version=4)
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error" and output.get("ename") == TAMPERING:
                grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "?")
                found.append(f"{grade_id}: {output.get('evalue', '')}")
    return found


def _copy(source, target):
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(source, target)
    return target


def _failure_reason(outcome):
    """A one-line reason from nbgrader's captured log and traceback."""
    text = (outcome.get("log") or "") + "\n" + (outcome.get("error") or "")
    for marker, reason in [("DeadKernelError", "the kernel died (crash, exit or memory limit)"),
                           ("Kernel died", "the kernel died (crash, exit or memory limit)"),
                           ("UnresponsiveKernelError", "the kernel stopped responding"),
                           ("CellTimeoutError", "a cell ran past its time limit"),
                           ("Duplicate", "duplicate cells: " + _line_with(text, "Duplicate"))]:
        if marker in text:
            return reason
    lines = [line for line in text.splitlines() if line.startswith("[ERROR]")]
    return (lines[0][8:] if lines else text.strip().splitlines()[-1])[:300]


def _line_with(text, marker):
    return next((line.strip() for line in text.splitlines() if marker in line), "")[:200]
