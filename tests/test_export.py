"""LMS exports (`python -m autograder.export`), each checked against a sample file with the
columns the LMS documents.

- Canvas' gradebook export: Student, ID, SIS User ID, SIS Login ID, Section, then one column
  per assignment `<name> (<assignment id>)`, and a "Points Possible" row; the import takes
  the same layout back.
- Moodle's offline grading worksheet: its importer (assignfeedback_offline) needs the columns
  `Identifier` (`Participant <id>`), `Grade` and `Last modified (grade)`; `Feedback comments`
  is the comments plugin's column.
- Gradescope's results.json (gradescope-autograders.readthedocs.io/en/latest/specs/):
  `score`, `tests` with `name`, `score`, `max_score`, `output`, `visibility`; the bundle
  holds `setup.sh` and `run_autograder` at the root of its zip.
"""

import csv
import json
import os
import subprocess
import sys
import zipfile

import pytest

from autograder.course import LESSONS, SOLUTIONS, notebook_name
from autograder.export import export_canvas, export_moodle, lesson_title, main
from autograder.gradebook_merge import lesson_tests
from autograder.gradescope import hidden_lines
from tests.variants import build_notebook

GRADES_HEADER = ["student", "lesson", "score", "max_score", "status", "message", "file",
                 "test_a", "test_b"]


def write_grades(folder, rows):
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "grades.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(GRADES_HEADER)
        writer.writerows(rows)
    return folder


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.reader(stream))


@pytest.fixture
def canvas_roster(tmp_path):
    """A Canvas gradebook export: two students named John Smith, one with no submission."""
    path = tmp_path / "roster.csv"
    dense, setup = lesson_title("01_dense_layers"), lesson_title("00_setup")
    rows = [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
         f"{dense} (4501)", f"{setup} (4500)", "Quiz 1 (4600)", "Current Score",
         "Final Score"],
        ["    Points Possible", "", "", "", "", "10.00", "1.00", "5.00", "(read only)",
         "(read only)"],
        ["Smith, John", "111", "s111", "jsmith1", "CNN 1", "", "", "4.00", "80", "80"],
        ["Smith, John", "222", "s222", "jsmith2", "CNN 1", "", "", "", "", ""],
        ["Doe, Jane", "333", "s333", "jdoe", "CNN 2", "", "", "", "", ""],
        ["Roe, Rick", "444", "s444", "rroe", "CNN 2", "", "", "", "", ""],
    ]
    with open(path, "w", newline="", encoding="utf-8-sig") as stream:
        csv.writer(stream).writerows(rows)
    return path


def test_canvas_import_one_row_per_roster_student(tmp_path, canvas_roster):
    """Roster order and identity columns; lesson columns named as in the roster; the two John
    Smiths get their own grades; a student who handed nothing in gets a blank; an ungradable
    file 0; students matched by Canvas id or SIS Login ID."""
    output = write_grades(tmp_path / "out", [
        ["smithjohn_111", "01_dense_layers", "10", "10", "graded", "", "a.ipynb", "5", "5"],
        ["smithjohn_222", "01_dense_layers", "4", "10", "graded", "", "b.ipynb", "4", "0"],
        ["smithjohn_222", "00_setup", "0", "1", "error", "empty file", "c.ipynb", "", ""],
        ["jdoe", "01_dense_layers", "7.5", "10", "graded", "", "d.ipynb", "5", "2.5"],
        ["", "", "", "", "rejected", "not a notebook", "e.txt", "", ""],
    ])
    target = tmp_path / "canvas_import.csv"
    summary = export_canvas(output, canvas_roster, target)
    rows = read_csv(target)
    dense, setup = lesson_title("01_dense_layers"), lesson_title("00_setup")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       f"{setup} (4500)", f"{dense} (4501)"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][5:] == ["1.00", "10.00"]
    assert rows[2:] == [
        ["Smith, John", "111", "s111", "jsmith1", "CNN 1", "", "10"],
        ["Smith, John", "222", "s222", "jsmith2", "CNN 1", "0", "4"],
        ["Doe, Jane", "333", "s333", "jdoe", "CNN 2", "", "7.5"],
        ["Roe, Rick", "444", "s444", "rroe", "CNN 2", "", ""],
    ]
    assert summary.written == 4 and list(summary.lessons) == ["00_setup", "01_dense_layers"]
    assert summary.unmatched_columns == ["Quiz 1 (4600)"] and not summary.unrostered


def test_canvas_command_line(tmp_path, canvas_roster, capsys):
    """python -m autograder.export canvas OUTPUT_DIR --roster R -o FILE."""
    output = write_grades(tmp_path / "out", [
        ["smithjohn_111", "01_dense_layers", "10", "10", "graded", "", "a.ipynb", "5", "5"]])
    target = tmp_path / "import.csv"
    arguments = ["canvas", str(output), "--roster", str(canvas_roster), "-o", str(target)]
    assert main(arguments) == 1  # Quiz 1 matched no lesson
    assert "Quiz 1 (4600)" in capsys.readouterr().out and target.exists()
    assert main(arguments + ["--allow-unmatched"]) == 0
    assert "4 rows" in capsys.readouterr().out
    assert main(["canvas", str(tmp_path / "nowhere"), "--roster", str(canvas_roster)]) == 2


def test_moodle_grading_worksheet(tmp_path):
    """The worksheet columns Moodle's importer reads, one row per participant of the lesson."""
    output = write_grades(tmp_path / "out", [
        ["Jane_Doe_1001", "01_dense_layers", "8", "10", "graded", "", "a.ipynb", "5", "3"],
        ["Jos_Garc_a_1002", "01_dense_layers", "0", "10", "error", "empty file", "b", "", ""],
        ["alice", "01_dense_layers", "10", "10", "graded", "", "c.ipynb", "5", "5"],
    ])
    target = tmp_path / "moodle_grades.csv"
    summary = export_moodle(output, target)
    rows = read_csv(target)
    assert rows[0] == ["Identifier", "Full name", "Grade", "Maximum Grade",
                       "Last modified (grade)", "Feedback comments"]
    assert [row[:4] for row in rows[1:]] == [["Participant 1001", "Jane Doe", "8", "10"],
                                             ["Participant 1002", "Jos Garc a", "0", "10"]]
    assert all(row[4] for row in rows[1:]) and "empty file" in rows[2][5]
    assert (summary.written, list(summary.lessons)) == (2, ["01_dense_layers"])
    assert summary.unrostered == [("alice", "01_dense_layers")]


def test_moodle_needs_a_lesson_when_several(tmp_path, capsys):
    """A worksheet is one Moodle assignment: with two lessons graded, --lesson chooses."""
    output = write_grades(tmp_path / "out", [
        ["Jane_Doe_1001", "01_dense_layers", "8", "10", "graded", "", "a", "5", "3"],
        ["Jane_Doe_1001", "00_setup", "1", "1", "graded", "", "b", "", ""]])
    assert main(["moodle", str(output), "-o", str(tmp_path / "m.csv")]) == 2
    assert "--lesson" in capsys.readouterr().err
    assert main(["moodle", str(output), "-o", str(tmp_path / "m.csv"),
                 "--lesson", "00_setup"]) == 0
    assert read_csv(tmp_path / "m.csv")[1][:3] == ["Participant 1001", "Jane Doe", "1"]


LESSON = "01_dense_layers"


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    work = tmp_path_factory.mktemp("gradescope")
    assert main(["gradescope", LESSON, str(work / "bundle")]) == 0
    return work / "bundle"


def test_gradescope_bundle_layout(bundle):
    """setup.sh and run_autograder at the zip's root, executable; the lesson's release and
    sources, course_lib and the runtime lock; no other lesson."""
    with zipfile.ZipFile(bundle.with_suffix(".zip")) as archive:
        names = set(archive.namelist())
        modes = {info.filename: info.external_attr >> 16 for info in archive.infolist()}
    for name in ("setup.sh", "run_autograder"):
        assert name in names and modes[name] & 0o111, name
    assert {f"lessons/{LESSON}/{LESSON}.ipynb", f"solutions/{LESSON}/{LESSON}.ipynb",
            "binder/requirements.txt", "course_lib/__init__.py", "autograder/gradescope.py",
            "nbgrader_config.py", "pyproject.toml"} <= names
    assert not [name for name in names if name.startswith(("lessons/00", "solutions/00"))]
    run = (bundle / "run_autograder").read_text()
    assert '"$ROOT/results/results.json"' in run and f" {LESSON}" in run
    assert 'ROOT="${AUTOGRADER_ROOT:-/autograder}"' in run
    assert "--kernel-user cnn-student" in run and 'chmod 700 "$ROOT/source"' in run
    setup = (bundle / "setup.sh").read_text()
    assert "binder/requirements.txt" in setup and "useradd --system" in setup


@pytest.mark.slow
@pytest.mark.xdist_group("gradescope")
def test_gradescope_results_json(bundle, tmp_path):
    """Run as Gradescope would (the bundle alone on the path): a solved and a blank notebook
    give results.json with one test per graded cell, the right points, no hidden code; the
    written answer is listed as pending, out of 0 (a person grades it)."""
    from autograder.gradescope import written_answers

    release = LESSONS / LESSON / notebook_name(LESSON)
    solution = SOLUTIONS / LESSON / notebook_name(LESSON)
    hidden = hidden_lines(solution)
    written = written_answers(release)
    assert written == {"written_linear_collapse": 2.0}
    for name, notebook, full in (("solved", None, True), ("blank", release, False)):
        submission = tmp_path / name / "submission"
        submission.mkdir(parents=True)
        target = submission / f"Copy of {LESSON}.ipynb"
        if notebook is None:
            build_notebook(release, solution, {}, target)
        else:
            target.write_bytes(notebook.read_bytes())
        results_path = tmp_path / name / "results" / "results.json"
        env = dict(os.environ, PYTHONPATH=str(bundle), TF_CPP_MIN_LOG_LEVEL="2",
                   COURSE_PROGRESS="off")
        env["PATH"] = str(os.path.dirname(sys.executable)) + os.pathsep + env["PATH"]
        run = subprocess.run([sys.executable, "-m", "autograder.gradescope", str(submission),
                              str(results_path), LESSON], cwd=bundle, env=env,
                             capture_output=True, text=True, timeout=600)
        assert run.returncode == 0, run.stderr[-3000:]
        expected = lesson_tests(_template_gradebook(bundle))[LESSON]
        text = results_path.read_text(encoding="utf-8")
        report = json.loads(text)
        graded = {test["name"].split(":")[0].split(" (")[0]: test for test in report["tests"]}
        assert set(graded) == set(expected)
        for grade_id, test in graded.items():
            assert set(test) >= {"name", "score", "max_score", "output", "visibility"}
            if grade_id in written:
                assert test["max_score"] == 0 and "pending" in test["output"], test
            else:
                assert test["max_score"] == expected[grade_id]
        assert report["score"] == sum(test["score"] for test in report["tests"])
        total = sum(points for grade_id, points in expected.items() if grade_id not in written)
        assert report["score"] == (total if full else 0), name
        assert not [line for line in hidden if line in text], name


def _template_gradebook(bundle):
    caches = sorted((bundle / "build" / "autograder").glob("course-*/gradebook.db"))
    assert caches, "the bundle built its scratch course"
    return caches[0]


def test_gradescope_results_in_notebook_order_with_written_answers_pending():
    """Tests listed as the notebook orders them (not alphabetically); a written answer is
    'pending', out of 0 (its points belong to a manually graded question), never 0/2."""
    from autograder.gradescope import _notebook_order, results, test_names, written_answers

    release = LESSONS / "05_pooling" / notebook_name("05_pooling")
    written = written_answers(release)
    assert written, "lesson 05 has a written answer"
    order = _notebook_order(release)
    names = test_names(release)
    names.update({grade_id: grade_id for grade_id in written})
    names = {cell: names[cell] for cell in order}
    scores = {cell: (0.0, 2.0) if cell in written else (1.0, 1.0) for cell in order}
    report = results(scores, names, 1.0, written=written)
    assert [test["name"].split(":")[0].split(" (")[0] for test in report["tests"]] == order
    assert order != sorted(order), "the check needs a lesson whose order is not alphabetical"
    pending = [test for test in report["tests"] if test["name"].endswith("(written answer)")]
    assert len(pending) == len(written)
    assert all(test["max_score"] == 0 and "pending" in test["output"] for test in pending)
    assert report["score"] == len(order) - len(written)


def test_gradescope_setup_script_for_ubuntu_22_04():
    """Python 3.11 installed on Gradescope's 22.04 image, no error hidden, the scratch course
    built once at setup, and a memory note for the Keras lessons."""
    from autograder.gradescope import setup_script

    script = setup_script("11_transfer_learning")
    assert "set -euxo pipefail" in script and "|| true" not in script
    assert "/dev/null 2>&1" not in script and "python3.11 -m venv" in script
    assert "c(['11_transfer_learning']), l(s(), '11_transfer_learning')" in script
    assert "sandbox_library" in script and "lesson_library" in script
    assert "2 GB" in script
    assert "2 GB" not in setup_script(LESSON)
