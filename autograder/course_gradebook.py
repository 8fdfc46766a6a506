"""One gradebook: the grading tool's results written into the course's nbgrader gradebook.

`python -m autograder.grade SUBMISSIONS --gradebook gradebook.db` (the course's, made by
`make release`) or any other path: after the run every result of this batch is recorded
there as nbgrader's autograde would, so the Formgrader, manual grading and `nbgrader
export` see the same grades. A submission's time (nbgrader's `timestamp.txt`) is stored
too, so nbgrader knows which submissions are late against the due date set in that
gradebook (`nbgrader db assignment add LESSON --duedate ...` or the Formgrader), and the
late-penalty plugin configured in nbgrader_config.py (`AssignLatePenalties.plugin_class`,
nbgrader's default: no penalty) sets each notebook's `late_submission_penalty`.

A gradebook file that does not exist yet starts as a copy of the grading template's (it
knows every lesson graded); an existing one must already know the lesson (`make release`
records every lesson), else the result is skipped and reported.
"""

import shutil
from datetime import timezone
from pathlib import Path

from autograder.course import COURSE_ROOT, notebook_name
from autograder.gradebook_merge import lesson_tests, record


def _url(path):
    return f"sqlite:///{Path(path).resolve()}"


def course_config():
    """The course's nbgrader configuration (late-penalty plugin and all)."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(COURSE_ROOT)).load_config()


def late_penalty_plugin(config=None):
    from nbgrader.preprocessors import AssignLatePenalties

    assign = AssignLatePenalties(config=config if config is not None else course_config())
    assign.init_plugin()
    return assign


def publish(gradebook, results, submissions, template, config=None):
    """Record `results` (engine Results) into the gradebook at `gradebook`.

    Inputs:
    - submissions: the Submission objects of this batch (their timestamps)
    - template: the grading template course (its gradebook seeds a new file)
    - config: nbgrader configuration for the late-penalty plugin (default: the course's)

    Returns {"recorded": n, "late": [(student, lesson, seconds late)], "skipped": [reason]}.
    """
    from nbgrader.api import Gradebook

    gradebook = Path(gradebook)
    if not gradebook.exists():
        gradebook.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(Path(template) / "gradebook.db", gradebook)
    known = lesson_tests(gradebook)
    stamps = {(s.student, s.lesson): s for s in submissions}
    summary = {"recorded": 0, "late": [], "skipped": []}
    assign = None
    for result in results:
        if result.lesson not in known:
            summary["skipped"].append(f"{result.student}/{result.lesson}: {gradebook} has no "
                                      f"lesson {result.lesson} (run make release)")
            continue
        record(gradebook, result)
        summary["recorded"] += 1
        submission = stamps.get((result.student, result.lesson))
        with Gradebook(_url(gradebook)) as book:
            submitted = book.find_submission(result.lesson, result.student)
            if submission is not None and submission.timestamp is not None:
                submitted.timestamp = submission.timestamp.astimezone(timezone.utc).replace(
                    tzinfo=None)
            notebook = book.find_submission_notebook(
                notebook_name(result.lesson)[: -len(".ipynb")], result.lesson, result.student)
            notebook.late_submission_penalty = None
            seconds_late = submitted.total_seconds_late
            if seconds_late > 0:
                assign = assign or late_penalty_plugin(config)
                penalty = assign.plugin_inst.late_submission_penalty(
                    result.student, notebook.score, seconds_late)
                if penalty is not None:
                    notebook.late_submission_penalty = min(max(penalty, 0), notebook.score)
                summary["late"].append((result.student, result.lesson, seconds_late))
            elif submission is not None and submission.late:
                summary["late"].append((result.student, result.lesson, None))
            book.db.commit()
    return summary
