"""LMS exports that are never wrong silently, against files in each LMS's real format.

- Canvas' gradebook export: UTF-8 with a byte-order mark, Student, ID, SIS User ID,
  SIS Login ID, Integration ID, Section, one column per assignment `<name> (<id>)`, a
  "    Points Possible" row; students with Unicode names (the intake keeps `garcíajosé_34567`).
- Moodle's grading worksheet (Download grading worksheet): Identifier `Participant <id>`,
  Full name, Email address, Status, Grade, Maximum Grade, Grade can be changed, Last modified
  (submission), Last modified (grade), Feedback comments.
- grades.csv as the grading tool writes it, with `late` and `submitted_at`, a row waiting for
  manual grading and a graded student the roster lacks.
"""

import csv
import json
from datetime import datetime, timezone

import pytest

from autograder.engine import Result
from autograder.export import main
from autograder.export_canvas import export_canvas, lesson_title
from autograder.export_grades import parse_due, read_grades
from autograder.export_moodle import export_feedback_zip, export_moodle
from autograder.report import write_csv

DENSE, SETUP = "01_dense_layers", "00_setup"
HEADER = ["student", "lesson", "score", "max_score", "status", "message", "file", "late",
          "submitted_at", "test_dense_forward", "written_gap"]


def write_output(folder, rows, results=()):
    """A grading output folder: grades.csv (rows), results.jsonl, feedback pages."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "grades.csv", "w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows([HEADER, *rows])
    with open(folder / "results.jsonl", "w", encoding="utf-8") as stream:
        for student, lesson, tests in results:
            stream.write(json.dumps({"student": student, "lesson": lesson, "tests": tests}) + "\n")
    for row in rows:
        page = folder / "feedback" / row[0] / row[1] / f"{row[1]}.html"
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(f"<html><body>feedback for {row[0]}</body></html>", encoding="utf-8")
    return folder


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as stream:
        return list(csv.reader(stream))


def canvas_roster(path, points_dense="10.00", dense_title=None):
    dense = dense_title or lesson_title(DENSE)
    rows = [
        ["Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID", "Section",
         f"{dense} (4501)", "Current Score", "Final Score"],
        ["    Points Possible", "", "", "", "", "", points_dense, "(read only)", "(read only)"],
        ["García, José", "34567", "s345", "jgarcia", "int-345", "CNN 1", "", "", ""],
        ["Øberg, Åsa", "45678", "s456", "aoberg", "int-456", "CNN 1", "", "", ""],
        ["Doe, Jane", "56789", "s567", "jdoe", "int-567", "CNN 2", "", "", ""],
    ]
    with open(path, "w", newline="", encoding="utf-8-sig") as stream:
        csv.writer(stream).writerows(rows)
    return path


CANVAS_ROWS = [
    ["garcíajosé_34567", DENSE, "7.5", "10", "graded", "", "garcíajosé_LATE_34567_1_x.ipynb",
     "yes", "", "7.5", ""],
    ["øbergåsa_45678", DENSE, "6", "10", "needs manual grading", "written answers to grade by "
     "hand: written_gap", "b.ipynb", "no", "", "6", ""],
    ["zhangwei_99999", DENSE, "10", "10", "graded", "", "c.ipynb", "no", "", "8", "2"],
]


def test_canvas_unicode_late_pending_unrostered(tmp_path):
    """A Unicode name matched by Canvas id; the pending row blank; the student the roster
    lacks and the late submission named in the summary; the BOM and Integration ID kept."""
    output = write_output(tmp_path / "out", CANVAS_ROWS)
    roster = canvas_roster(tmp_path / "roster.csv")
    summary = export_canvas(output, roster, tmp_path / "import.csv")
    rows = read_csv(tmp_path / "import.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID",
                       "Section", f"{lesson_title(DENSE)} (4501)"]
    assert rows[1][0].strip() == "Points Possible" and rows[1][-1] == "10.00"
    assert [row[0] for row in rows[2:]] == ["García, José", "Øberg, Åsa", "Doe, Jane"]
    assert [row[-1] for row in rows[2:]] == ["7.5", "", ""]
    assert summary.unrostered == [("zhangwei_99999", DENSE)]
    assert summary.pending == [("øbergåsa_45678", DENSE)]
    assert summary.late == [("garcíajosé_34567", DENSE)] and summary.unmatched()
    text = "\n".join(summary.lines())
    assert "zhangwei_99999" in text and "øbergåsa_45678" in text and "late" in text


def test_canvas_include_pending_exports_the_autograded_part(tmp_path):
    output = write_output(tmp_path / "out", CANVAS_ROWS)
    summary = export_canvas(output, canvas_roster(tmp_path / "r.csv"), tmp_path / "i.csv",
                            include_pending=True)
    assert read_csv(tmp_path / "i.csv")[3][-1] == "6" and summary.pending_included
    assert "--include-pending" in "\n".join(summary.lines())


def test_canvas_points_possible_refused_or_scaled(tmp_path, capsys):
    """A lesson out of 10 into a column out of 100: refused (nothing written), or scaled."""
    output = write_output(tmp_path / "out", CANVAS_ROWS)
    roster = canvas_roster(tmp_path / "roster.csv", points_dense="100.00")
    target = tmp_path / "import.csv"
    with pytest.raises(ValueError, match="out of 10 but .* out of 100.*--scale"):
        export_canvas(output, roster, target)
    assert not target.exists()
    arguments = ["canvas", str(output), "--roster", str(roster), "-o", str(target)]
    assert main(arguments) == 2 and "--scale" in capsys.readouterr().err
    assert main(arguments + ["--scale", "--allow-unmatched"]) == 0
    assert [row[-1] for row in read_csv(target)[2:]] == ["75", "", ""]
    assert "scaled 01_dense_layers: out of 10 -> out of 100" in capsys.readouterr().out


def test_canvas_map_and_unmatched_columns(tmp_path, capsys):
    """A column titled otherwise matches nothing (exit 1, named); --map places it."""
    output = write_output(tmp_path / "out", CANVAS_ROWS[:1])
    roster = canvas_roster(tmp_path / "roster.csv", dense_title="CNN Lab 1")
    arguments = ["canvas", str(output), "--roster", str(roster), "-o", str(tmp_path / "i.csv")]
    assert main(arguments) == 1
    printed = capsys.readouterr()
    assert "CNN Lab 1 (4501)" in printed.out and DENSE in printed.err
    assert main(arguments + ["--map", f"{DENSE}=4501"]) == 0
    assert read_csv(tmp_path / "i.csv")[2][-1] == "7.5"
    assert main(arguments + ["--map", f"{DENSE}=Quiz 9"]) == 2
    assert "expected one of: CNN Lab 1 (4501)" in capsys.readouterr().err


def test_due_date_marks_nbgrader_timestamps_late(tmp_path):
    """A late column from nbgrader's timestamp.txt against a due date on the command line."""
    rows = [["alice", DENSE, "10", "10", "graded", "", "a", "no", "2026-03-02T10:00:00+00:00",
             "10", ""],
            ["bob", DENSE, "10", "10", "graded", "", "b", "no", "2026-03-01T10:00:00+00:00",
             "10", ""]]
    output = write_output(tmp_path / "out", rows)
    due = parse_due([f"{DENSE}=2026-03-01T23:59"], [SETUP, DENSE])
    summary = export_moodle(output, tmp_path / "m.csv", due=due)
    assert summary.unrostered == [("alice", DENSE), ("bob", DENSE)]  # no Moodle participant id
    from autograder.export_grades import is_late

    grades = read_grades(output)
    assert [is_late(grades[(name, DENSE)], due) for name in ("alice", "bob")] == [True, False]
    with pytest.raises(ValueError, match="expected LESSON=2026"):
        parse_due(["tomorrow"], [DENSE])


def test_write_csv_late_column_from_every_intake(tmp_path):
    """grades.csv's `late`: Canvas' LATE_ in the kept file name, nbgrader's timestamp.txt
    after a due date; `submitted_at` from timestamp.txt."""
    canvas = tmp_path / "garcíajosé_LATE_34567_77_01_dense_layers.ipynb"
    nbgrader = tmp_path / "submitted" / "bob" / DENSE / f"{DENSE}.ipynb"
    nbgrader.parent.mkdir(parents=True)
    (nbgrader.parent / "timestamp.txt").write_text("2026-03-02 10:00:00.000000 UTC")
    results = [Result("garcíajosé_34567", DENSE, source=str(canvas), tests={"t": [1, 1]}),
               Result("bob", DENSE, source=str(nbgrader), tests={"t": [1, 1]}),
               Result("cat", DENSE, source=str(tmp_path / "cat_01_dense_layers.ipynb"))]
    due = {DENSE: datetime(2026, 3, 1, 23, 59, tzinfo=timezone.utc)}
    write_csv(tmp_path / "grades.csv", results, [], {DENSE: {"t": 1}}, due=due)
    with open(tmp_path / "grades.csv", newline="", encoding="utf-8") as stream:
        got = {row["student"]: row for row in csv.DictReader(stream)}
    assert [got[name]["late"] for name in ("garcíajosé_34567", "bob", "cat")] == ["yes", "yes",
                                                                                  "no"]
    assert got["bob"]["submitted_at"].startswith("2026-03-02T10:00:00")


def moodle_worksheet(path, maximum="10.00"):
    header = ["Identifier", "Full name", "Email address", "Status", "Grade", "Maximum grade",
              "Grade can be changed", "Last modified (submission)", "Last modified (grade)",
              "Feedback comments"]
    rows = [["Participant 1001", "José García", "jose@example.edu", "Submitted for grading",
             "", maximum, "Yes", "Monday, 2 March 2026, 10:00 AM", "-", ""],
            ["Participant 1003", "Åsa Øberg", "asa@example.edu", "Submitted for grading",
             "", maximum, "Yes", "Monday, 2 March 2026, 11:00 AM", "-", ""]]
    with open(path, "w", newline="", encoding="utf-8-sig") as stream:
        csv.writer(stream).writerows([header, *rows])
    return path


MOODLE_ROWS = [
    ["Jos_Garc_a_1001", DENSE, "8", "10", "graded", "", "a", "no", "", "8", ""],
    ["Asa_Oberg_1003", DENSE, "6", "10", "needs manual grading", "", "b", "no", "", "6", ""],
    ["Kim_Lee_1002", DENSE, "9", "10", "graded", "", "c", "no", "", "9", ""],
]


def test_moodle_worksheet_names_maximum_and_modified(tmp_path):
    """The worksheet's Full name (Unicode) and Last modified (grade) are kept; a participant
    the worksheet lacks is named; the pending row is not exported; its maximum is checked."""
    output = write_output(tmp_path / "out", MOODLE_ROWS,
                          [("Jos_Garc_a_1001", DENSE, {"test_dense_forward": [8, 10]})])
    worksheet = moodle_worksheet(tmp_path / "worksheet.csv")
    summary = export_moodle(output, tmp_path / "m.csv", worksheet=worksheet)
    rows = read_csv(tmp_path / "m.csv")
    assert rows[1][:5] == ["Participant 1001", "José García", "8", "10.00", "-"]
    assert "test_dense_forward: 8 / 10" in rows[1][5] and len(rows) == 2
    assert summary.unrostered == [("Kim_Lee_1002", DENSE)]
    assert summary.pending == [("Asa_Oberg_1003", DENSE)]
    with pytest.raises(ValueError, match="out of 10 but the Moodle assignment"):
        export_moodle(output, tmp_path / "m.csv",
                      worksheet=moodle_worksheet(tmp_path / "w100.csv", "100.00"))
    export_moodle(output, tmp_path / "m.csv", worksheet=tmp_path / "w100.csv", scale=True)
    assert read_csv(tmp_path / "m.csv")[1][2] == "80"


def moodle_importer_accepts(path, participants):
    """Moodle's rule (assignfeedback_file_zip_importer::is_valid_filename_for_import): a path
    part split at `_` into at most 5 pieces: a numeric participant id second, then
    `assignfeedback`, `file`."""
    for part in path.split("/"):
        info = part.split("_", 4)
        if len(info) >= 4 and info[1].isdigit() and int(info[1]) in participants:
            return info[2:4] == ["assignfeedback", "file"]
    return False


def test_moodle_feedback_zip_layout(tmp_path, capsys):
    """Each participant's page in `<full name>_<id>_assignfeedback_file_/<lesson>.html`."""
    import zipfile

    output = write_output(tmp_path / "out", MOODLE_ROWS)
    worksheet = moodle_worksheet(tmp_path / "worksheet.csv")
    count, missing, unmatched = export_feedback_zip(output, tmp_path / "f.zip", DENSE, worksheet)
    with zipfile.ZipFile(tmp_path / "f.zip") as archive:
        names = archive.namelist()
        page = archive.read(names[0]).decode()
    assert sorted(names) == [f"José García_1001_assignfeedback_file_/{DENSE}.html",
                             f"Åsa Øberg_1003_assignfeedback_file_/{DENSE}.html"]
    assert all(moodle_importer_accepts(name, {1001, 1003}) for name in names)
    assert not moodle_importer_accepts(f"Kim_Lee_1002_assignfeedback_file_/{DENSE}.html",
                                       {1001, 1002, 1003})  # the intake's id, `_` in the name
    assert "feedback for " in page and (count, missing) == (2, [])
    assert unmatched == [("Kim_Lee_1002", DENSE)]
    assert main(["moodle", str(output), "--worksheet", str(worksheet), "-o",
                 str(tmp_path / "m.csv"), "--feedback-zip", str(tmp_path / "g.zip")]) == 1
    assert "feedback pages of 2 students" in capsys.readouterr().out


def test_due_dates_from_the_gradebook(tmp_path, capsys, monkeypatch):
    """A due date set in nbgrader's gradebook marks a later nbgrader timestamp late; --due
    given on the command line wins over it."""
    import os
    import sys

    from nbgrader.api import Gradebook

    monkeypatch.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])

    from autograder.export_grades import gradebook_due

    with Gradebook(f"sqlite:///{tmp_path / 'gradebook.db'}") as gradebook:
        gradebook.add_assignment(DENSE, duedate=datetime(2026, 3, 1, 12, 0))
    due = gradebook_due(tmp_path / "gradebook.db", [SETUP, DENSE])
    assert due == {DENSE: datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)}
    rows = [["Ann_Lee_1001", DENSE, "10", "10", "graded", "", "a", "no",
             "2026-03-01T13:00:00+00:00", "10", ""]]
    output = write_output(tmp_path / "out", rows)
    arguments = ["moodle", str(output), "-o", str(tmp_path / "m.csv"), "--gradebook",
                 str(tmp_path / "gradebook.db")]
    assert main(arguments) == 0 and "late: Ann_Lee_1001/01_dense_layers" in capsys.readouterr().out
    assert main(arguments + ["--due", f"{DENSE}=2026-03-02T00:00"]) == 0
    assert "late:" not in capsys.readouterr().out


def test_unicode_names_from_intake_to_canvas_and_moodle(tmp_path):
    """Files named as Canvas and Moodle download them, in the decomposed form a macOS zip
    uses, go through the intake and grades.csv to both LMS files, matched and in UTF-8."""
    import unicodedata

    from autograder.submissions import collect

    folder = tmp_path / "download"
    moodle = folder / unicodedata.normalize("NFD", "José García_1001_assignsubmission_file_")
    moodle.mkdir(parents=True)
    (moodle / f"Copy of {DENSE}.ipynb").write_text("{}", encoding="utf-8")
    for name in ("garcíajosé_LATE_34567_77", "øbergåsa_45678_78"):
        (folder / unicodedata.normalize("NFD", f"{name}_{DENSE}.ipynb")).write_text("{}")
    submissions, rejections = collect(folder, [DENSE])
    assert rejections == []
    students = {s.student: s for s in submissions}
    scores = {"garcíajosé_34567": 7.5, "José_García_1001": 8, "øbergåsa_45678": 6}
    assert set(students) == set(scores)
    assert students["garcíajosé_34567"].late and not students["øbergåsa_45678"].late
    results = [Result(s.student, DENSE, source=str(s.path), score=scores[s.student],
                      max_score=10.0, tests={"test_dense_forward": [scores[s.student], 10.0]})
               for s in submissions]
    output = tmp_path / "out"
    output.mkdir()
    write_csv(output / "grades.csv", results, rejections, {DENSE: {"test_dense_forward": 10}})
    summary = export_canvas(output, canvas_roster(tmp_path / "roster.csv"), tmp_path / "c.csv")
    text = (tmp_path / "c.csv").read_bytes().decode("utf-8")  # UTF-8, or this raises
    rows = read_csv(tmp_path / "c.csv")
    assert {row[0]: row[-1] for row in rows[2:]} == {"García, José": "7.5", "Øberg, Åsa": "6",
                                                     "Doe, Jane": ""}
    assert summary.late == [("garcíajosé_34567", DENSE)] and "García, José" in text
    assert summary.unrostered == [("José_García_1001", DENSE)]  # a Moodle id, not Canvas'
    export_moodle(output, tmp_path / "m.csv", lesson=DENSE,
                  worksheet=moodle_worksheet(tmp_path / "worksheet.csv"))
    moodle_rows = read_csv(tmp_path / "m.csv")
    assert moodle_rows[1][:3] == ["Participant 1001", "José García", "8"]
    (tmp_path / "m.csv").read_bytes().decode("utf-8")
