"""nbgrader configuration for CNN Foundations.

The course root is the folder that holds this file, wherever nbgrader starts
(the repository root, a JupyterHub grader's Formgrader, a cron job): the root
and the gradebook are absolute paths computed from this file's location, so a
Formgrader started elsewhere never creates an empty gradebook of its own.
Instructor sources live in solutions/, the generated student versions in
lessons/ (run `make release`).
"""

import sys
from pathlib import Path

c = get_config()  # noqa: F821  (provided by nbgrader/traitlets)

COURSE_ROOT = Path(__file__).resolve().parent

c.CourseDirectory.course_id = "cnn-foundations"
c.CourseDirectory.root = str(COURSE_ROOT)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "lessons"
c.CourseDirectory.db_url = f"sqlite:///{COURSE_ROOT / 'gradebook.db'}"

# Student versions: the stub a learner sees where the solution was.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# Notebooks are stored without outputs; the release must be deterministic.
c.ClearOutput.enabled = True
c.ClearOutputPreprocessor.enabled = True
c.GenerateAssignment.create_assignment = True

# Autograding runs the whole notebook; a lesson must fit its budget.
c.ExecutePreprocessor.timeout = 120
c.Execute.timeout = 120

# Stock `nbgrader autograde` / `generate_feedback` and the Formgrader's buttons behave like
# the course's grading tool (autograder/stock.py): graded cells a student deleted are put
# back, stderr warnings never fail a test, and feedback never shows hidden tests.
# The student copy (`make student-repo`) has neither solutions/ nor autograder/: nothing to
# grade there, so these are skipped; an instructor's course always has them.
c.OverwriteCells.add_missing_cells = True
if (COURSE_ROOT / "autograder").is_dir() and str(COURSE_ROOT) not in sys.path:
    sys.path.insert(0, str(COURSE_ROOT))
try:
    from autograder.stock import autograde_preprocessors, feedback_preprocessors
except ImportError:
    if (COURSE_ROOT / "solutions").is_dir():
        raise
else:
    c.Autograde.autograde_preprocessors = autograde_preprocessors()
    c.GenerateFeedback.preprocessors = feedback_preprocessors()
