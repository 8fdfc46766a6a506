"""Submissions intake and feedback helpers: file names, unreadable files, hidden regions."""

import json
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.feedback import strip_hidden
from autograder.submissions import (SubmissionError, classify, collect, load_notebook, unpack,
                                    untrack_foreign_cells)

LESSONS = ["00_setup", "01_dense_layers"]


@pytest.mark.parametrize("name, expected", [
    ("alice_01_dense_layers.ipynb", ("alice", "01_dense_layers")),
    ("mary_jane_00_setup.ipynb", ("mary_jane", "00_setup")),
    ("smithjohn_12345_67890_01_dense_layers.ipynb", ("smithjohn", "01_dense_layers")),
    ("smithjohn_LATE_12345_67890_01_dense_layers-2.ipynb", ("smithjohn", "01_dense_layers")),
    ("bob/00_setup/00_setup.ipynb", ("bob", "00_setup")),
])
def test_accepted_names(name, expected):
    """nbgrader's layout, <student>_<lesson> and Canvas names give student and lesson."""
    assert classify(Path(name), LESSONS) == expected


@pytest.mark.parametrize("name, message", [
    ("homework.ipynb", "not understood"),
    ("alice_07_unknown.ipynb", "unknown lesson '07_unknown'"),
    ("alice_01_dense_layers.py", "not a notebook"),
    ("al ice_00_setup.ipynb", "not understood"),
])
def test_rejected_names(name, message):
    """Other names are refused with a message that says what was expected."""
    with pytest.raises(SubmissionError, match=message):
        classify(Path(name), LESSONS)


def test_collect_from_zip_keeps_the_latest_resubmission(tmp_path):
    """A zip is unpacked; of two uploads of one lesson the later wins, the other is listed."""
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as writer:
        writer.writestr("alice_1_2_00_setup.ipynb", "{}")
        writer.writestr("alice_1_2_00_setup-1.ipynb", "{ }")
        writer.writestr("__MACOSX/._alice_1_2_00_setup.ipynb", "junk")
        writer.writestr("readme.txt", "hello")
    submissions, rejections = collect(unpack(archive, tmp_path), LESSONS)
    assert [(s.student, s.lesson, s.path.name) for s in submissions] == [
        ("alice", "00_setup", "alice_1_2_00_setup.ipynb")]
    assert sorted(r.reason.split(";")[0] for r in rejections) == [
        "not a notebook (.ipynb)", "superseded by alice_1_2_00_setup.ipynb"]


@pytest.mark.parametrize("content, message", [
    (b"", "empty file"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b'{"cells": [', "malformed JSON"),
    (b'[1, 2]', "not a Jupyter notebook"),
])
def test_unreadable_notebooks(tmp_path, content, message):
    """Files that cannot be notebooks raise SubmissionError with the reason."""
    path = tmp_path / "x.ipynb"
    path.write_bytes(content)
    with pytest.raises(SubmissionError, match=message):
        load_notebook(path)


def test_old_format_is_converted(tmp_path):
    """An nbformat v3 notebook is read as v4, cells and metadata kept."""
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    notebook.cells[0].metadata["nbgrader"] = {"grade_id": "a", "solution": True}
    path = tmp_path / "old.ipynb"
    nbformat.write(nbformat.convert(notebook, 3), str(path))
    assert json.loads(path.read_text())["nbformat"] == 3
    loaded = load_notebook(path)
    assert loaded.nbformat == 4 and loaded.cells[0].source == "x = 1"
    assert loaded.cells[0].metadata["nbgrader"]["grade_id"] == "a"


def test_untrack_foreign_cells():
    """Renamed and repeated grade_ids lose their nbgrader metadata; the first copy keeps it."""
    cells = [nbformat.v4.new_code_cell(str(n)) for n in range(3)]
    for cell, grade_id in zip(cells, ["test_a", "test_a", "renamed"]):
        cell.metadata["nbgrader"] = {"grade_id": grade_id, "grade": True}
    notebook = nbformat.v4.new_notebook(cells=cells)
    assert untrack_foreign_cells(notebook, {"test_a", "test_b"}) == ["test_a", "renamed"]
    assert ["nbgrader" in cell.metadata for cell in notebook.cells] == [True, False, False]


def test_strip_hidden():
    """The hidden region goes, markers included; the visible asserts stay."""
    source = "assert f(1) == 1\n### BEGIN HIDDEN TESTS\nassert f(2) == 4\n### END HIDDEN TESTS\n"
    assert strip_hidden(source) == "assert f(1) == 1\n"
