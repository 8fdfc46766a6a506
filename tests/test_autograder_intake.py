"""Submissions intake and feedback helpers: file names, unreadable files, caps, hidden regions."""

import base64
import json
import re
import time
import unicodedata
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.archive import Caps
from autograder.course import LESSONS as LESSONS_FOLDER
from autograder.course import SOLUTIONS
from autograder.engine import Result
from autograder.feedback import (MARKDOWN_CHARACTERS, MARKDOWN_RENDERED, PAGE_CHARACTERS,
                                 TEXT_CHARACTERS, render)
from autograder.notebooks import check_caps, load_notebook, untrack_foreign_cells
from autograder.submissions import SubmissionError, classify, collect, unpack

LESSONS = ["00_setup", "01_dense_layers"]


@pytest.mark.parametrize("name, expected", [
    ("alice_01_dense_layers.ipynb", ("alice", "01_dense_layers")),
    ("mary_jane_00_setup.ipynb", ("mary_jane", "00_setup")),
    ("alice_2_01_dense_layers.ipynb", ("alice_2", "01_dense_layers")),
    ("smithjohn_12345_67890_01_dense_layers.ipynb", ("smithjohn_12345", "01_dense_layers")),
    ("smithjohn_LATE_12345_67890_01_dense_layers-2.ipynb", ("smithjohn_12345", "01_dense_layers")),
    ("smithjohn_12345_67890_Copy of 01_dense_layers.ipynb", ("smithjohn_12345", "01_dense_layers")),
    ("smithjohn_12345_67890_Copy_of_01_dense_layers-1.ipynb", ("smithjohn_12345", "01_dense_layers")),
    ("bob/00_setup/00_setup.ipynb", ("bob", "00_setup")),
    ("submitted/bob/00_setup/00_setup.ipynb", ("bob", "00_setup")),
    ("Jane Doe_123456_assignsubmission_file_/Copy of 01_dense_layers.ipynb",
     ("Jane_Doe_123456", "01_dense_layers")),
    ("Jane Doe_123456_assignsubmission_file_00_setup.ipynb", ("Jane_Doe_123456", "00_setup")),
])
def test_accepted_names(name, expected):
    """nbgrader's layout, <student>_<lesson>, Canvas (user id kept, Colab's "Copy of") and
    Moodle names give student and lesson."""
    assert classify(Path(name), LESSONS) == expected


@pytest.mark.parametrize("name, message", [
    ("homework.ipynb", "not understood"),
    ("alice_07_unknown.ipynb", "unknown lesson '07_unknown'"),
    ("alice_01_dense_layers.py", "not a notebook"),
    ("al ice_00_setup.ipynb", "student id 'al ice'"),
    ("bob/07_x/07_x.ipynb", "unknown lesson '07_x'"),
    ("Copy of alice_01_dense_layers.ipynb", "student id 'Copy of alice'"),
])
def test_rejected_names(name, message):
    """Other names are refused with a message that says what was expected."""
    with pytest.raises(SubmissionError, match=message):
        classify(Path(name), LESSONS)


def nfd(text):
    """`text` as a zip made on macOS spells it: accents as combining characters."""
    return unicodedata.normalize("NFD", text)


@pytest.mark.parametrize("name, expected", [
    ("garcíajosé_34567_1234567_01_dense_layers.ipynb", ("garcíajosé_34567", "01_dense_layers")),
    (nfd("garcíajosé_LATE_34567_1234567_01_dense_layers-1.ipynb"),
     ("garcíajosé_34567", "01_dense_layers")),
    ("øbergåsa_45678_9_Copy of 00_setup.ipynb", ("øbergåsa_45678", "00_setup")),
    ("张伟_99999_5_01_dense_layers.ipynb", ("张伟_99999", "01_dense_layers")),
    (nfd("José García_1001_assignsubmission_file_/Copy of 01_dense_layers.ipynb"),
     ("José_García_1001", "01_dense_layers")),
    ("Ødegård/00_setup/00_setup.ipynb", ("Ødegård", "00_setup")),
    ("zoë_00_setup.ipynb", ("zoë", "00_setup")),
])
def test_unicode_names_are_kept_composed(name, expected):
    """Canvas keeps Unicode letters in its file names (LATE_ ones too), Moodle in its folders:
    the student id keeps them, in NFC whatever form the zip used."""
    student, lesson = classify(Path(name), LESSONS)
    assert (student, lesson) == expected
    assert student == unicodedata.normalize("NFC", student)


@pytest.mark.parametrize("name, message", [
    (".hidden_01_dense_layers.ipynb", "student id '.hidden'"),
    ("a..b_01_dense_layers.ipynb", "student id 'a..b'"),
    ("bad\x07bell_01_dense_layers.ipynb", "student id 'bad"),
    ("line\n_01_dense_layers.ipynb", "student id 'line"),
    ("_x_01_dense_layers.ipynb", "student id '_x'"),
    ("ab\u200bcd_00_setup.ipynb", "student id 'ab"),
    ("smith\u0085_1_2_00_setup.ipynb", "not understood|student id"),
])
def test_unicode_does_not_open_the_path(name, message):
    """Letters of any script, but never a leading dot, '..', a control or invisible character."""
    with pytest.raises(SubmissionError, match=message):
        classify(Path(name), LESSONS)


def test_canvas_resubmission_with_the_highest_number_wins_minus_10_after_minus_2(tmp_path):
    """Canvas numbers re-uploads -1, -2 ... -10: the highest wins (not the last by name, which
    would put -10 before -2 and the original after -1); the others are listed as superseded."""
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w") as writer:
        for suffix in ("", "-1", "-2", "-10"):
            writer.writestr(f"alice_1_2_00_setup{suffix}.ipynb", "{}" + suffix)
        writer.writestr("__MACOSX/._alice_1_2_00_setup.ipynb", "junk")
        writer.writestr("readme.txt", "hello")
    folder, refused = unpack(archive, tmp_path)
    submissions, rejections = collect(folder, LESSONS)
    assert [(s.student, s.lesson, s.path.name, s.attempt) for s in submissions] == [
        ("alice_1", "00_setup", "alice_1_2_00_setup-10.ipynb", 10)]
    assert sorted(r.reason.split(";")[0] for r in refused + rejections) == [
        "not a notebook (.ipynb)"] + ["superseded by alice_1_2_00_setup-10.ipynb"] * 3


def test_canvas_students_with_the_same_name_stay_distinct(tmp_path):
    """Two Canvas students called smithjohn (user ids 111 and 222) are two submissions."""
    for name in ("smithjohn_111_5_01_dense_layers.ipynb", "smithjohn_222_6_01_dense_layers.ipynb"):
        (tmp_path / name).write_text("{}")
    submissions, rejections = collect(tmp_path, LESSONS)
    assert sorted(s.student for s in submissions) == ["smithjohn_111", "smithjohn_222"]
    assert rejections == []


def test_canvas_late_flag(tmp_path):
    """Canvas' LATE_ marks the submission late."""
    (tmp_path / "smithjohn_LATE_111_5_01_dense_layers.ipynb").write_text("{}")
    (tmp_path / "doejane_222_6_01_dense_layers.ipynb").write_text("{}")
    submissions, _ = collect(tmp_path, LESSONS)
    assert {s.student: s.late for s in submissions} == {"smithjohn_111": True,
                                                        "doejane_222": False}


def test_moodle_download_all_submissions(tmp_path):
    """Moodle's folders per participant: the file inside, whatever its Colab name; online
    text folders are Moodle's, not submissions."""
    for folder, file in [("Jane Doe_1001_assignsubmission_file_", "Copy of 01_dense_layers.ipynb"),
                         ("Jane Doe_1002_assignsubmission_file_", "01_dense_layers.ipynb"),
                         ("Jane Doe_1002_assignsubmission_onlinetext_", "onlinetext.html")]:
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / file).write_text("{}")
    submissions, rejections = collect(tmp_path, LESSONS)
    assert sorted((s.student, s.lesson) for s in submissions) == [
        ("Jane_Doe_1001", "01_dense_layers"), ("Jane_Doe_1002", "01_dense_layers")]
    assert rejections == []


def test_nbgrader_submitted_folder_with_timestamps(tmp_path):
    """nbgrader's submitted/<student>/<lesson>/: timestamp.txt is read, never rejected, and a
    submission after the lesson's due date is late."""
    from datetime import datetime, timezone

    for student, stamp in [("alice", "2026-03-01 09:00:00.000000 UTC"),
                           ("bob", "2026-03-02 18:30:00.123456 UTC")]:
        folder = tmp_path / "submitted" / student / "01_dense_layers"
        folder.mkdir(parents=True)
        (folder / "01_dense_layers.ipynb").write_text("{}")
        (folder / "timestamp.txt").write_text(stamp)
    due = {"01_dense_layers": datetime(2026, 3, 2, 12, 0, tzinfo=timezone.utc)}
    submissions, rejections = collect(tmp_path, LESSONS, due=due)
    assert rejections == []
    found = {s.student: s for s in submissions}
    assert found["alice"].timestamp == datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    assert (found["alice"].late, found["bob"].late) == (False, True)


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


def notebook_file(path, cells):
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}))
    return path


def test_caps_refuse_big_files_and_many_cells(tmp_path):
    """A 100,000-cell notebook and a 21 MB file are refused before any kernel, quickly;
    an old-format notebook's cells count too."""
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "x"}] * 100_000
    with pytest.raises(SubmissionError, match="100000 cells, more than the 2000 allowed"):
        check_caps(notebook_file(tmp_path / "many.ipynb", cells))
    big = notebook_file(tmp_path / "big.ipynb", [{"cell_type": "markdown", "metadata": {},
                                                  "source": "x" * (21 * 2**20)}])
    with pytest.raises(SubmissionError, match="21.0 MB, over the 20 MB limit"):
        check_caps(big)
    check_caps(big, Caps(notebook_bytes=22 * 2**20))
    old = tmp_path / "old.ipynb"
    old.write_text(json.dumps({"nbformat": 3, "worksheets": [{"cells": cells[:3]}] * 2}))
    with pytest.raises(SubmissionError, match="6 cells, more than the 5"):
        check_caps(old, Caps(cells=5))


def page_of(cells):
    """The feedback page of a notebook of these cells (no graded tests)."""
    notebook = nbformat.v4.new_notebook(cells=cells)
    page = render(notebook, notebook, nbformat.v4.new_notebook(), Result("s", "00_setup"))
    return page


def test_feedback_markdown_is_cut_and_rendered_within_a_budget():
    """20 MB of markdown in one cell shows 200,000 characters; in 400 cells of 50 KB
    (runs of `*_`, mistune's slowest input: about 10 microseconds a character) only the
    first two, 100,000 characters, are rendered as markdown, the rest is plain text until
    the page cap."""
    page = page_of([nbformat.v4.new_markdown_cell("word " * (4 * 2**20))])
    assert "only the first 200,000 are shown" in page and len(page) < 300_000
    start = time.perf_counter()
    page = page_of([nbformat.v4.new_markdown_cell("*_" * 25_000) for _ in range(400)])
    seconds = time.perf_counter() - start
    assert page.count("<pre>") == page.count("Shown as plain text") > 100
    assert page.count("Shown as plain text") + int(re.search(
        r"The last (\d+) cells are left out", page)[1]) == 400 - 2
    assert len(page) < PAGE_CHARACTERS + 2 * MARKDOWN_CHARACTERS
    assert seconds < 30, seconds  # about 1-2 s on one core; minutes without the budget


def test_feedback_drops_a_30_mb_image_and_stops_at_the_page_cap():
    """A 30 MB image is left out with a note; 1,000 cells of 20,000-character outputs stop
    at PAGE_CHARACTERS with a note saying how many cells are left out."""
    image = base64.b64encode(b"\x89PNG" + b"\0" * (30 * 2**20)).decode()
    cell = nbformat.v4.new_code_cell("plot()", outputs=[nbformat.v4.new_output(
        "display_data", data={"image/png": image})])
    page = page_of([cell])
    assert "An image of 30.0 MB is left out" in page and len(page) < 10_000
    text = nbformat.v4.new_output("stream", name="stdout", text="y" * TEXT_CHARACTERS)
    page = page_of([nbformat.v4.new_code_cell("print()", outputs=[text]) for _ in range(1000)])
    assert len(page) < PAGE_CHARACTERS + 2 * TEXT_CHARACTERS
    assert re.search(r"The last \d+ cells are left out", page)


@pytest.mark.parametrize("lesson", sorted(path.name for path in SOLUTIONS.iterdir()
                                          if (path / f"{path.name}.ipynb").exists()))
def test_course_notebooks_are_far_below_every_cap(lesson):
    """The solution and the release of every lesson pass the caps, and their feedback pages
    show every cell as written: no note, no cut, markdown under half the budget."""
    release_path = LESSONS_FOLDER / lesson / f"{lesson}.ipynb"
    for path in (SOLUTIONS / lesson / f"{lesson}.ipynb", release_path):
        check_caps(path, Caps(notebook_bytes=2**20, cells=Caps.cells // 4))
        notebook = nbformat.read(str(path), as_version=4)
        markdown = sum(len(cell.source) for cell in notebook.cells if cell.cell_type == "markdown")
        assert markdown < MARKDOWN_RENDERED / 2
        release = nbformat.read(str(release_path), as_version=4)
        page = render(notebook, notebook, release, Result("s", lesson))
        assert 'class="note"' not in page and "(cut)" not in page
