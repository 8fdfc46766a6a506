"""nbgrader preprocessors the grading pipeline adds to stock `autograde`.

- GuardedExecute: nbgrader's Execute, plus the tamper guard around each graded
  test cell (autograder.tamper runs in the kernel): the checking machinery is
  restored before the test, and a test whose machinery was changed before or
  during it gets a TamperingDetected error, so it scores zero.
- StderrToStdout: nbgrader scores any stderr output in a test cell as a failure
  (nbgrader.utils.determine_grade); warnings that TensorFlow or NumPy write to
  stderr must not cost points, so stderr streams become stdout before scoring.
  Exceptions are `error` outputs, not streams, and still fail.
- CapOutput: a backstop for the kernel's own cap on printed output.
"""

import ast

from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Integer

from autograder.tamper import GUARD_NAME

TAMPERING = "TamperingDetected"


def is_graded_test(cell):
    """A locked test cell with points (grade, not solution, code)."""
    return cell.cell_type == "code" and utils.is_grade(cell) and not utils.is_solution(cell)


class GuardedExecute(Execute):
    """Execute, with the tamper guard called before and after each graded test cell."""

    def _run_guard(self):
        """Changes the guard found and undid, or a description of why it could not run."""
        msg_id = self.kc.execute("", silent=True, store_history=False,
                                 user_expressions={"guard": f"{GUARD_NAME}()"})
        reply = self.wait_for_reply(msg_id)
        if reply is None:
            return ["the tamper guard did not answer"]
        result = reply["content"].get("user_expressions", {}).get("guard", {})
        if result.get("status") != "ok":
            return [f"the tamper guard was removed ({result.get('ename', 'no reply')})"]
        try:
            changes = ast.literal_eval(result["data"]["text/plain"])
        except (KeyError, ValueError, SyntaxError):
            return ["the tamper guard was replaced"]
        if not isinstance(changes, list):
            return ["the tamper guard was replaced"]
        return [str(change) for change in changes]

    def preprocess_cell(self, cell, resources, index):
        if not is_graded_test(cell):
            return super().preprocess_cell(cell, resources, index)
        before = self._run_guard()
        cell, resources = super().preprocess_cell(cell, resources, index)
        after = self._run_guard()
        changes = before + after
        if changes:
            cell.outputs.append(NotebookNode(
                output_type="error", ename=TAMPERING,
                evalue="the checking machinery was changed: " + "; ".join(sorted(set(changes))),
                traceback=[f"{TAMPERING}: " + "; ".join(sorted(set(changes)))]))
        return cell, resources


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
