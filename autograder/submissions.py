"""Submissions intake: find the notebooks to grade in a folder or a zip, and read them.

Accepted layouts (see autograder/README.md):

- nbgrader's: `<student>/<lesson>/<lesson>.ipynb` (a `submitted/` folder);
- a flat folder or a zip, as an LMS download gives them, with file names
  `<student>_<lesson>.ipynb`, or Canvas-style
  `<student>_<digits>_<digits>_<lesson>.ipynb` (`<student>_LATE_<digits>_...`
  too), where `<lesson>` is a lesson id such as `01_dense_layers` and a
  Canvas re-submission suffix `-1`, `-2` ... is allowed before `.ipynb`.

Anything else is rejected with a message saying what was expected.
"""

import hashlib
import json
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

LMS_NAME = re.compile(
    r"^(?P<student>[A-Za-z0-9][A-Za-z0-9_.-]*?)_(?:LATE_)?(?:\d+_\d+_)?"
    r"(?P<lesson>\d\d_[A-Za-z0-9_]+?)(?:-\d+)?\.ipynb$")
STUDENT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
EXPECTED_NAMES = ("<student>_<lesson>.ipynb, <student>_<digits>_<digits>_<lesson>.ipynb "
                  "(Canvas) or <student>/<lesson>/<lesson>.ipynb")


class SubmissionError(ValueError):
    """A submission that cannot be graded; the message says why."""


@dataclass
class Submission:
    """A notebook to grade: whose, for which lesson, where, and a hash of its bytes."""

    student: str
    lesson: str
    path: Path
    digest: str


@dataclass
class Rejection:
    """A file that is not a gradable submission, and why."""

    path: Path
    reason: str
    student: str = ""
    lesson: str = ""


def content_digest(path):
    """sha256 of the file's bytes (what decides whether a submission changed)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def unpack(source, scratch):
    """A folder holding the submissions: `source` itself, or a zip extracted into `scratch`."""
    source = Path(source)
    if source.is_dir():
        return source
    if source.is_file() and zipfile.is_zipfile(source):
        target = Path(tempfile.mkdtemp(prefix="submissions-", dir=scratch))
        with zipfile.ZipFile(source) as archive:
            for member in archive.infolist():
                name = Path(member.filename)
                if member.is_dir() or name.is_absolute() or ".." in name.parts:
                    continue
                destination = target / name
                destination.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as reader, open(destination, "wb") as writer:
                    shutil.copyfileobj(reader, writer)
        return target
    raise ValueError(f"submissions: expected a folder or a .zip file, got {source}")


def _ignored(path):
    return (any(part.startswith(".") or part == "__MACOSX" for part in path.parts)
            or ".ipynb_checkpoints" in path.parts)


def classify(relative, lessons):
    """(student, lesson) for a file's path relative to the submissions folder.

    Raises SubmissionError saying what was expected when the name is not accepted.
    """
    parts = relative.parts
    if relative.suffix != ".ipynb":
        raise SubmissionError(f"not a notebook (.ipynb); expected {EXPECTED_NAMES}")
    if len(parts) >= 3 and parts[-1] == f"{parts[-2]}.ipynb":
        student, lesson = parts[-3], parts[-2]
    else:
        match = LMS_NAME.match(parts[-1])
        if match is None:
            raise SubmissionError(f"file name {parts[-1]!r} not understood; "
                                  f"expected {EXPECTED_NAMES}")
        student, lesson = match["student"], match["lesson"]
    if not STUDENT_ID.match(student):
        raise SubmissionError(f"student id {student!r}: expected letters, digits, '.', '_', '-'")
    if lesson not in lessons:
        raise SubmissionError(f"unknown lesson {lesson!r}; this course has {', '.join(lessons)}")
    return student, lesson


def collect(folder, lessons):
    """Find the submissions in `folder` (see the module docstring).

    Returns (submissions, rejections). When a student has several files for one
    lesson, the last by name wins (Canvas numbers re-submissions -1, -2 ...) and
    the others are rejected as superseded.
    """
    folder = Path(folder)
    found, rejections = {}, []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        relative = path.relative_to(folder)
        if _ignored(relative):
            continue
        try:
            student, lesson = classify(relative, lessons)
        except SubmissionError as error:
            rejections.append(Rejection(path, str(error)))
            continue
        previous = found.get((student, lesson))
        if previous is not None:
            rejections.append(Rejection(previous.path, f"superseded by {path.name}",
                                        student, lesson))
        found[(student, lesson)] = Submission(student, lesson, path, content_digest(path))
    return list(found.values()), rejections


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
