"""Feedback that never shows hidden test code (nbgrader's own leaks it: jupyter/nbgrader#917).

Before nbgrader's generate_feedback renders the autograded notebook, each
graded test cell gets the source of the student version (the release, where
the hidden region is already stripped), and each error in a test cell keeps
only its last line (`AssertionError: message`): a traceback would quote the
hidden line that failed. What the student sees is which tests passed, the
points, the visible asserts and the messages.
"""

import json
from pathlib import Path

from autograder.preprocessors import is_graded_test

HIDDEN_MARKERS = ("BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def visible_test_sources(release_path):
    """{grade_id: source} of the graded test cells of a release notebook."""
    import nbformat

    release = nbformat.read(str(release_path), as_version=4)
    return {cell.metadata.nbgrader["grade_id"]: cell.source
            for cell in release.cells if is_graded_test(cell)}


def strip_hidden(source):
    """Drop a `### BEGIN HIDDEN TESTS` ... `### END HIDDEN TESTS` region (markers included)."""
    kept, hidden = [], False
    for line in source.splitlines(keepends=True):
        if HIDDEN_MARKERS[0] in line:
            hidden = True
        elif HIDDEN_MARKERS[1] in line:
            hidden = False
        elif not hidden:
            kept.append(line)
    return "".join(kept)


def hide_tests(autograded_path, release_path):
    """Rewrite an autograded notebook in place so that no hidden test code is left in it."""
    import nbformat

    visible = visible_test_sources(release_path)
    notebook = nbformat.read(str(autograded_path), as_version=4)
    for cell in notebook.cells:
        if not is_graded_test(cell):
            continue
        grade_id = cell.metadata.nbgrader["grade_id"]
        cell.source = visible.get(grade_id, strip_hidden(cell.source))
        for output in cell.outputs:
            if output.output_type == "error":
                output.traceback = [f"{output.ename}: {output.evalue}"]
    nbformat.write(notebook, str(autograded_path))


def leaks_hidden_code(html_path, solution_path, release_path):
    """Lines of hidden test code (from the instructor's source) found in a feedback file.

    Lines that the student version shows elsewhere (an import, say) do not count.
    """
    visible = Path(release_path).read_text(encoding="utf-8")
    text_of_page = _plain_text(Path(html_path).read_text(encoding="utf-8"))
    solution = json.loads(Path(solution_path).read_text(encoding="utf-8"))
    leaked = []
    for cell in solution["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if HIDDEN_MARKERS[0] not in source:
            continue
        hidden = source.split(HIDDEN_MARKERS[0], 1)[1].split(HIDDEN_MARKERS[1], 1)[0]
        for line in hidden.splitlines()[1:]:
            text = line.strip()
            if len(text) > 25 and text in text_of_page and json.dumps(text)[1:-1] not in visible:
                leaked.append(text)
    return leaked


def _plain_text(page):
    """The text of an HTML page: tags removed, entities decoded (highlighting undone)."""
    import html
    import re

    return html.unescape(re.sub(r"<[^>]*>", "", page))
