"""Reading a submitted notebook, and the cells nbgrader must (not) track in it.

- check_caps: a submission's size and number of cells within Caps, checked before any
  kernel starts;
- load_notebook: the file as nbformat v4, or a SubmissionError saying what is wrong;
- release_grade_ids: the grade_ids a release notebook tracks;
- untrack_foreign_cells: cells with a foreign or repeated grade_id become ordinary.
"""

import json
from pathlib import Path

from autograder.archive import MB, Caps
from autograder.submissions import SubmissionError


def check_caps(path, caps=None):
    """Raise SubmissionError when the file at `path` is over a cap (autograder.archive.Caps).

    Cheapest first: the file's size, then its number of cells (top-level `cells`, or an
    nbformat v3 notebook's worksheets). A file that is not a JSON notebook passes: the
    grader then says what is wrong with it (load_notebook).
    """
    caps = caps or Caps()
    size = Path(path).stat().st_size
    if size > caps.notebook_bytes:
        raise SubmissionError(f"the file is {size / MB:.1f} MB, over the "
                              f"{caps.notebook_bytes / MB:g} MB limit (--max-notebook-mb)")
    try:
        content = json.loads(Path(path).read_bytes())
    except (ValueError, RecursionError):
        return
    if not isinstance(content, dict):
        return
    cells = content.get("cells")
    if not isinstance(cells, list):
        sheets = content.get("worksheets")
        sheets = sheets if isinstance(sheets, list) else []
        cells = [cell for sheet in sheets if isinstance(sheet, dict)
                 for cell in (sheet.get("cells") if isinstance(sheet.get("cells"), list) else [])]
    if len(cells) > caps.cells:
        raise SubmissionError(f"the notebook has {len(cells)} cells, more than the "
                              f"{caps.cells} allowed (--max-cells)")


def load_notebook(path):
    """Read a submitted notebook as nbformat v4, or raise SubmissionError saying what is wrong.

    Old formats (v3) are converted; empty files, non-UTF-8 text, malformed JSON and
    JSON that is not a notebook are refused.
    """
    import nbformat

    data = Path(path).read_bytes()
    if not data.strip():
        raise SubmissionError("empty file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SubmissionError(f"not UTF-8 text (byte {error.start}); save the notebook "
                              "from Jupyter again") from None
    try:
        content = json.loads(text)
    except json.JSONDecodeError as error:
        raise SubmissionError(f"malformed JSON (line {error.lineno}, column {error.colno}): "
                              "the file is not a saved notebook") from None
    if not isinstance(content, dict) or "cells" not in content and "worksheets" not in content:
        raise SubmissionError("JSON but not a Jupyter notebook (no cells)")
    try:
        notebook = nbformat.reads(text, as_version=4)
    except Exception as error:  # nbformat raises many kinds for bad notebooks
        raise SubmissionError(f"not a readable notebook: {type(error).__name__}: "
                              f"{str(error)[:200]}") from None
    if notebook.nbformat != 4:
        raise SubmissionError(f"notebook format {notebook.nbformat} cannot be graded")
    return notebook


def release_grade_ids(release_path):
    """The grade_ids of the cells nbgrader tracks in a release notebook."""
    import nbformat

    release = nbformat.read(str(release_path), as_version=4)
    return {cell.metadata["nbgrader"]["grade_id"] for cell in release.cells
            if "grade_id" in cell.metadata.get("nbgrader", {})}


def untrack_foreign_cells(notebook, known_ids):
    """Turn cells with an unknown, missing or repeated grade_id into ordinary cells.

    A student may rename a cell's grade_id or copy a graded cell; stock
    nbgrader's add_missing_cells then fails on the half-stripped metadata. The
    first cell with each known grade_id stays tracked; nbgrader puts back the
    graded cells that are then missing. Returns the grade_ids untracked.
    """
    seen, untracked = set(), []
    for cell in notebook.cells:
        metadata = cell.get("metadata", {})
        if "nbgrader" not in metadata:
            continue
        grade_id = metadata["nbgrader"].get("grade_id")
        if grade_id not in known_ids or grade_id in seen:
            del metadata["nbgrader"]
            untracked.append(str(grade_id))
        else:
            seen.add(grade_id)
    return untracked
