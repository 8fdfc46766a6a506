"""Preprocessors that make stock nbgrader (`nbgrader autograde`, `generate_feedback`, the
Formgrader's buttons) safe for this course; nbgrader_config.py installs them.

- FeedbackHiddenTests: nbgrader's ClearHiddenTests, run on the autograded notebook
  before the feedback HTML is written (stock feedback shows the hidden tests:
  jupyter/nbgrader#917). It never raises on what a student typed (a stray
  `BEGIN HIDDEN TESTS` in their own cell), and an error in a graded test cell keeps
  only its last line, `AssertionError: message`, because IPython's traceback
  quotes the lines around the one that failed, hidden ones included.
- StderrToStdout (autograder/preprocessors.py), put after Execute in stock
  autograde: nbgrader scores any stderr output as a failed test, and TensorFlow
  and NumPy warnings go to stderr.

The course's own grading tool (autograder/engine.py) builds its pipeline itself
and already does both; these make `nbgrader` run by hand agree with it.
"""

from nbgrader import utils
from nbgrader.preprocessors import ClearHiddenTests
from traitlets import Bool


def autograde_preprocessors():
    """nbgrader 0.9.6's Autograde.autograde_preprocessors, with StderrToStdout after Execute."""
    from nbconvert.preprocessors import ClearMetadataPreprocessor
    from nbgrader.preprocessors import (AssignLatePenalties, CheckCellMetadata, Execute,
                                        IgnorePattern, LimitOutput, SaveAutoGrades)

    from autograder.preprocessors import StderrToStdout

    return [Execute, StderrToStdout, IgnorePattern, ClearMetadataPreprocessor, LimitOutput,
            SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]


def feedback_preprocessors():
    """nbgrader 0.9.6's GenerateFeedback.preprocessors, with FeedbackHiddenTests last."""
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from nbgrader.preprocessors import GetGrades

    return [GetGrades, CSSHTMLHeaderPreprocessor, FeedbackHiddenTests]


class FeedbackHiddenTests(ClearHiddenTests):
    """Remove hidden test regions and long tracebacks from an autograded notebook."""

    enforce_metadata = Bool(False, help="never raise: the notebook is a student's").tag(
        config=True)

    def _remove_hidden_test_region(self, cell):
        try:
            return super()._remove_hidden_test_region(cell)
        except RuntimeError:  # nested or unterminated region: keep what comes before it
            cell.source = cell.source.split(self.begin_test_delimeter, 1)[0].rsplit("\n", 1)[0]
            return True

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.cell_type == "code" and utils.is_grade(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: "
                                           f"{output.get('evalue', '')}"]
        return cell, resources
