"""Grade one submission: nbgrader's Autograde, with the kernel in a sandbox and the tests here.

A Grader owns a scratch course (a copy of autograder.template's course, with
its own SQLite gradebook), so several Graders can run side by side, one per
worker process. nbgrader starts once per worker; every submission gets a
fresh kernel in a fresh Sandbox (autograder/sandbox.py), and its graded test
cells run in the worker itself (autograder/execute.py, autograder/checker.py).

The pipeline is stock nbgrader's Autograde with these changes (grading_config):
Execute becomes SandboxedExecute, stderr becomes stdout before scoring, and
OverwriteCells puts back graded cells a student deleted. Before Autograde,
every locked cell gets the release's metadata back (tags included), and
cells with a foreign or repeated grade_id become ordinary cells.
"""

import os
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder.checker import trusted_prelude, visible_imports
from autograder.course import notebook_name, read_scores
from autograder.feedback import write_feedback
from autograder.limits import sweep_stale_cgroups
from autograder.sandbox import Sandbox
from autograder.notebooks import load_notebook, release_grade_ids, untrack_foreign_cells
from autograder.references import lesson_library, lesson_references
from autograder.submissions import SubmissionError
from autograder.template import release_notebook


@dataclass
class Limits:
    """What a submission may use. Times in seconds, sizes in bytes."""

    cell_timeout: int = 120  # as Execute.timeout in nbgrader_config.py
    notebook_timeout: int = 600
    memory_bytes: int = 6 * 2**30
    output_bytes: int = 1_000_000
    processes: int = 256


@dataclass
class Result:
    """The outcome of grading one submission; `error` is set when it could not be graded."""

    student: str
    lesson: str
    digest: str = ""
    fingerprint: str = ""
    source: str = ""
    score: float = 0.0
    max_score: float = 0.0
    tests: dict = field(default_factory=dict)  # grade_id -> [score, max_score]
    error: str = ""
    note: str = ""
    seconds: float = 0.0
    cell_seconds: float = 0.0  # of `seconds`, the time spent running the notebook's code cells
    worker: str = ""
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

    from autograder.execute import SandboxedExecute
    from autograder.preprocessors import CapOutput, StderrToStdout

    config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
    extra = Config()
    extra.CourseDirectory.root = str(course)
    extra.CourseDirectory.db_url = f"sqlite:///{Path(course) / 'gradebook.db'}"
    extra.Autograde.autograde_preprocessors = [
        SandboxedExecute, StderrToStdout, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
        CapOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]
    extra.SandboxedExecute.timeout = int(limits.cell_timeout)
    extra.SandboxedExecute.notebook_timeout = int(limits.notebook_timeout)
    extra.OverwriteCells.add_missing_cells = True
    config.merge(extra)
    return config


class Grader:
    """Grades submissions one at a time in its own scratch course under `workdir`.

    Inputs:
    - template: a course made by autograder.template.course_template
    - library: the pristine course_lib + grader-inside folder (template.sandbox_library);
      each lesson's kernel gets a copy without that lesson's references
      (references.lesson_library)
    - sandboxed: False grades without bubblewrap (--unsafe-no-sandbox)
    - kernel_user: with sandboxed=False, an unprivileged user to run each kernel as
      (autograder/kernel_user.py; the Gradescope bundle, as root), one notebook at a time
    """

    def __init__(self, template, workdir, library, limits=None, sandboxed=True,
                 kernel_user=None):
        self.kernel_user = kernel_user
        self.limits = limits or Limits()
        self.library = Path(library)
        self.sandboxed = sandboxed
        self.workdir = Path(workdir)
        self.course = self.workdir / "course"
        shutil.rmtree(self.course, ignore_errors=True)
        shutil.copytree(template, self.course)
        self.config = grading_config(self.course, self.limits)
        self._known_ids = {}
        sweep_stale_cgroups()
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # Keras lessons' tests run here
        os.environ["COURSE_PROGRESS"] = "off"  # never touch the instructor's progress record

    def _release(self, lesson):
        if lesson not in self._known_ids:
            import nbformat

            path = release_notebook(self.course, lesson)
            self._known_ids[lesson] = (release_grade_ids(path),
                                       nbformat.read(str(path), as_version=4))
        return self._known_ids[lesson]

    def _run(self, lesson, student, sandbox):
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.converters import Autograde
        from nbgrader.utils import capture_log
        from traitlets.config import Config

        from autograder.execute import register_sandbox

        config = Config()
        config.merge(self.config)
        config.SandboxedExecute.sandbox_key = register_sandbox(sandbox)
        coursedir = CourseDirectory(config=config)
        coursedir.root = str(self.course)
        coursedir.assignment_id = lesson
        coursedir.student_id = student
        app = Autograde(coursedir=coursedir, config=config)
        app.force = True
        outcome = capture_log(app)
        if not outcome["success"]:
            raise SubmissionError(sandbox.stopped_because or _failure_reason(outcome))

    def _clear(self, lesson, student):
        for folder in ("submitted", "autograded", "feedback"):
            shutil.rmtree(self.course / folder / student / lesson, ignore_errors=True)

    def grade(self, student, lesson, path, output=None, draw_key=""):
        """Grade the notebook at `path` as `student`'s submission of `lesson`.

        Inputs:
        - output: a folder; when given, the autograded notebook (instructor only) and
          the student's feedback go to output/{autograded,feedback}/<student>/<lesson>/
        - draw_key: autograder.secret.student_key of this submission (hex), or "" to draw
          only the hidden tests' public cases; only the test runner gets it

        Returns a Result (its `error` says why, when it could not be graded).
        """
        import nbformat

        start = time.perf_counter()
        result = Result(student=student, lesson=lesson, source=str(path))
        self._clear(lesson, student)
        sandbox = None
        try:
            notebook = load_notebook(path)
            known_ids, release = self._release(lesson)
            untrack_foreign_cells(notebook, known_ids)
            restore_locked_metadata(notebook, release)
            submitted = self.course / "submitted" / student / lesson / notebook_name(lesson)
            submitted.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(notebook, str(submitted))
            sandbox = Sandbox(lesson_library(self.library, lesson), self.limits.memory_bytes,
                              self.limits.processes,
                              self.limits.notebook_timeout, self.limits.output_bytes,
                              enabled=self.sandboxed, user=self.kernel_user)
            sandbox.prelude = trusted_prelude(release)
            sandbox.test_imports = visible_imports(release)
            sandbox.removed_references = lesson_references(lesson)
            sandbox.draw_key = draw_key  # for the test runner only (autograder/execute.py)
            self._run(lesson, student, sandbox)
            score = read_scores(self.course, lesson, [student])[student]
            result.score, result.max_score = score.score, score.max_score
            result.tests = {name: list(value) for name, value in sorted(score.tests.items())}
            result.note = sandbox.stopped_because
            autograded = self.course / "autograded" / student / lesson / notebook_name(lesson)
            if output is not None:
                target = Path(output) / "autograded" / student / lesson / notebook_name(lesson)
                result.autograded = str(_copy(autograded, target))
                html = Path(output) / "feedback" / student / lesson / f"{lesson}.html"
                write_feedback(html, notebook, nbformat.read(str(autograded), as_version=4),
                               release, result)
                result.feedback = str(html)
        except SubmissionError as error:
            result.error = str(error)
            result.score = 0.0
        finally:
            if sandbox is not None:
                result.cell_seconds = round(sandbox.cell_seconds, 3)
                sandbox.close()
                from autograder.execute import SANDBOXES

                SANDBOXES.pop(str(sandbox.root), None)
        result.seconds = round(time.perf_counter() - start, 3)
        return result


def restore_locked_metadata(notebook, release):
    """Give every cell tracked by the release the release's metadata, tags included."""
    by_id = {cell.metadata["nbgrader"]["grade_id"]: cell for cell in release.cells
             if "grade_id" in cell.metadata.get("nbgrader", {})}
    for cell in notebook.cells:
        grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        original = by_id.get(grade_id)
        if original is not None and original.metadata["nbgrader"].get("locked"):
            cell.metadata = type(original.metadata)(_copy_metadata(original.metadata))


def _copy_metadata(metadata):
    import copy

    return copy.deepcopy(dict(metadata))


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
                           ("Duplicate", "duplicate cells: " + _line_with(text, "Duplicate"))]:
        if marker in text:
            return reason
    lines = [line for line in text.splitlines() if line.startswith("[ERROR]")]
    return (lines[0][8:] if lines else text.strip().splitlines()[-1])[:300]


def _line_with(text, marker):
    return next((line.strip() for line in text.splitlines() if marker in line), "")[:200]
