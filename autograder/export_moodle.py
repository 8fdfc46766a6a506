"""Grades and feedback into a Moodle assignment (one lesson is one Moodle assignment).

- Grades: the offline grading worksheet (*Grading action → Upload grading worksheet*; turn
  on *Offline grading worksheet* in the assignment's feedback types). Give the worksheet
  Moodle offers (*Grading action → Download grading worksheet*) with `--worksheet`: its
  participants are the roster, its `Maximum Grade` the scale, and its `Last modified
  (grade)` is kept, so Moodle's importer still refuses to overwrite a grade changed in Moodle
  after the download. Without it, participants come from the ids the intake kept
  (`Full_Name_<participant id>`) and nothing is checked against Moodle.
- Feedback files: a zip for *Grading action → Upload multiple feedback files in a zip*.
  Moodle's importer (mod/assign/feedback/file/importziplib.php) splits each path part at
  `_` and wants `<full name>_<participant id>_assignfeedback_file_`: the name may hold no
  `_`, the id must be a participant of the assignment. Each student's folder holds their
  feedback page, `<lesson>.html`.
"""

import csv
import re
import time
import zipfile
from pathlib import Path

from autograder.export_feedback import comment_text, feedback_page, read_results
from autograder.export_grades import ExportSummary, cell_score, is_late, read_grades

MOODLE_COLUMNS = ("Identifier", "Full name", "Grade", "Maximum Grade", "Last modified (grade)",
                  "Feedback comments")
MOODLE_STUDENT = re.compile(r"^(?P<name>.+)_(?P<participant>\d+)$")
PARTICIPANT = re.compile(r"^\s*Participant\s+(?P<id>\d+)\s*$")


def read_worksheet(path):
    """(header, {participant id: row}) of a grading worksheet Moodle wrote."""
    with open(path, newline="", encoding="utf-8-sig") as stream:
        reader = csv.DictReader(stream)
        header, rows = reader.fieldnames or [], list(reader)
    needed = {"Identifier", "Grade", "Last modified (grade)"} - set(header)
    if needed:
        raise ValueError(f"{path}: expected Moodle's grading worksheet, downloaded with Moodle "
                         "in English (columns Identifier, Full name, ..., Grade, Maximum Grade, "
                         f"..., Last modified (grade)); no {', '.join(sorted(needed))} column")
    maximum = next((name for name in header if name.strip().casefold() == "maximum grade"), None)
    participants = {}
    for row in rows:
        row["Maximum Grade"] = row.get(maximum, "") if maximum else ""  # spelt both ways
        match = PARTICIPANT.match(row.get("Identifier", ""))
        if not match:
            raise ValueError(f"{path}: Identifier {row.get('Identifier')!r}: expected "
                             "'Participant <id>'")
        participants[match["id"]] = row
    return header, participants


def _maximum(text, where):
    try:
        return float(text)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: Maximum Grade {text!r} is not a number (a scale, not "
                         "points? grade this assignment out of points)") from None


def choose_lesson(grades, lesson):
    lessons = sorted({name for _, name in grades})
    if lesson is None:
        if len(lessons) != 1:
            raise ValueError(f"grades.csv holds lessons {', '.join(lessons) or 'none'}: "
                             "choose one with --lesson (a Moodle worksheet is one assignment)")
        return lessons[0]
    return lesson


def moodle_rows(grades, lesson, worksheet=None):
    """[(participant id, full name, grades.csv row, worksheet row or None)], and the
    (student, lesson) pairs that name no participant (of the worksheet, when given)."""
    participants = read_worksheet(worksheet)[1] if worksheet else None
    found, unmatched = [], []
    for (student, name), row in sorted(grades.items()):
        if name != lesson:
            continue
        match = MOODLE_STUDENT.match(student)
        if not match or (participants is not None and match["participant"] not in participants):
            unmatched.append((student, name))
            continue
        sheet = participants[match["participant"]] if participants is not None else None
        full_name = (sheet or {}).get("Full name") or match["name"].replace("_", " ")
        found.append((match["participant"], full_name, row, sheet))
    return found, unmatched


def export_moodle(output_dir, target, lesson=None, worksheet=None, scale=False,
                  include_pending=False, due=None):
    """Write a Moodle grading worksheet for one lesson; returns its ExportSummary."""
    grades = read_grades(output_dir)
    lesson = choose_lesson(grades, lesson)
    found, unmatched = moodle_rows(grades, lesson, worksheet)
    summary = ExportSummary(target=str(target), lessons={lesson: "Grade"}, unrostered=unmatched,
                            pending_included=include_pending)
    recorded, stamp = read_results(output_dir), time.strftime("%Y-%m-%d %H:%M:%S")
    table = [list(MOODLE_COLUMNS)]
    for participant, full_name, row, sheet in found:
        most = _maximum(sheet.get("Maximum Grade"), worksheet) if sheet and sheet.get(
            "Maximum Grade", "").strip() else None
        grade = cell_score(row, most, scale, f"the Moodle assignment ({worksheet})", summary,
                           include_pending)
        if grade == "":
            continue
        late = is_late(row, due)
        if late:
            summary.late.append((row["student"], lesson))
        comment = comment_text(row, lesson, recorded, late).replace("\n", "<br>")
        table.append([f"Participant {participant}", full_name, grade,
                      sheet.get("Maximum Grade", "") if sheet else row["max_score"],
                      sheet["Last modified (grade)"] if sheet else stamp, comment])
        summary.written += 1
    if worksheet is None:
        summary.notes.append("no --worksheet: participants and maximum grade not checked "
                             "against Moodle")
    with open(target, "w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(table)
    return summary


def feedback_folder(full_name, participant):
    """`<full name>_<participant id>_assignfeedback_file_`: no `_` or `/` in the name."""
    name = re.sub(r"[_/\\]+", " ", full_name).strip() or "Participant"
    return f"{name}_{participant}_assignfeedback_file_"


def export_feedback_zip(output_dir, target, lesson=None, worksheet=None):
    """Write the feedback pages of one lesson as Moodle's feedback-files zip.

    Returns (the number of students in it, students graded without a feedback page,
    (student, lesson) pairs naming no participant).
    """
    grades = read_grades(output_dir)
    lesson = choose_lesson(grades, lesson)
    found, unmatched = moodle_rows(grades, lesson, worksheet)
    missing, count = [], 0
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for participant, full_name, row, _ in found:
            page = feedback_page(output_dir, row["student"], lesson)
            if page is None:
                missing.append(row["student"])
                continue
            folder = feedback_folder(full_name, participant)
            archive.writestr(f"{folder}/{lesson}.html", Path(page).read_bytes())
            count += 1
    return count, missing, unmatched
