"""Small nbgrader preprocessors the grading pipeline adds to stock `autograde`.

- StderrToStdout: nbgrader scores any stderr output in a test cell as a failure
  (nbgrader.utils.determine_grade); warnings that TensorFlow or NumPy write to
  stderr must not cost points, so stderr streams become stdout before scoring.
  Exceptions are `error` outputs, not streams, and still fail.
- CapOutput: truncates long printed output of every cell, so the notebook the
  grader keeps stays small.
"""

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Integer


def is_graded_test(cell):
    """A locked test cell with points (grade, not solution, code)."""
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


class StderrToStdout(NbGraderPreprocessor):
    """Turn stderr stream outputs into stdout, so warnings never fail a test."""

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            for output in cell.outputs:
                if output.output_type == "stream" and output.name == "stderr":
                    output.name = "stdout"
        return cell, resources


class CapOutput(NbGraderPreprocessor):
    """Truncate each stream output to max_characters."""

    max_characters = Integer(200_000, help="characters kept per stream output").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            for output in cell.outputs:
                if output.output_type == "stream" and len(output.text) > self.max_characters:
                    output.text = (output.text[: self.max_characters]
                                   + "\n... output truncated ...\n")
        return cell, resources
