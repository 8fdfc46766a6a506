"""Grades into Canvas: a file for *Grades → Import*, from the roster Canvas exports.

Canvas' gradebook export (*Grades → Export → CSV*) is the roster: a UTF-8 file with a
byte-order mark, the columns Student, ID, SIS User ID, SIS Login ID, (Integration ID,)
Section, then one per assignment `<name> (<assignment id>)` and computed totals; its second
row, "Points Possible", holds each assignment's maximum. The import takes the same layout
back: one row per roster student, in the roster's order, the identity columns, and the
lesson columns.

A lesson's column is the one given with `--map LESSON=COLUMN` (the column's full title, its
assignment id or its name), else the one whose name is the lesson's title, `Lesson NN —
Title`, `NN Title` or the id. Students are matched by Canvas user id (the `_<id>` the intake
keeps from Canvas file names: `smithjohn_12345`, and Unicode ids such as `garcíajosé_34567`),
else SIS Login ID, SIS User ID or Integration ID.
"""

import csv
import json
import re
from pathlib import Path

from autograder.course import SOLUTIONS, lesson_ids, notebook_name
from autograder.export_grades import ExportSummary, cell_score, is_late, normalized, read_grades

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Integration ID",
                   "Root Account", "Section")
CANVAS_ASSIGNMENT = re.compile(r"^(?P<name>.*\S)\s*\((?P<id>\d+)\)$")


def lesson_title(lesson, solutions=SOLUTIONS):
    """A lesson's title from its first cell, `# Lesson NN — Title`; the id if it has none."""
    path = Path(solutions) / lesson / notebook_name(lesson)
    if not path.exists():
        return lesson
    first = json.loads(path.read_text(encoding="utf-8"))["cells"][0]
    match = re.search(r"^# Lesson \d+ — (.+)$", "".join(first["source"]), re.M)
    return match[1].strip() if match else lesson


def read_roster(path):
    """(header, student rows, points possible {column: float or None}) of a Canvas export."""
    with open(path, newline="", encoding="utf-8-sig") as stream:
        reader = csv.DictReader(stream)
        header, rows = reader.fieldnames or [], list(reader)
    if "ID" not in header or "Student" not in header:
        raise ValueError(f"{path}: expected Canvas' gradebook export (columns Student, ID, "
                         f"SIS User ID, SIS Login ID, Section, then one per assignment); "
                         f"its columns are {', '.join(header[:6]) or 'none'}")
    possible = {}
    for row in rows:
        if row.get("Student", "").strip() == "Points Possible":
            for column in header:
                try:
                    possible[column] = float(row.get(column) or "")
                except ValueError:
                    possible[column] = None
    return header, rows, possible


def _find_column(header, wanted):
    """The assignment column `wanted` names: its full title, its `(id)`, or its name."""
    found = [column for column in header if CANVAS_ASSIGNMENT.match(column.strip()) and (
        column.strip() == wanted.strip()
        or CANVAS_ASSIGNMENT.match(column.strip())["id"] == wanted.strip().strip("()")
        or normalized(CANVAS_ASSIGNMENT.match(column.strip())["name"]) == normalized(wanted))]
    if len(found) != 1:
        titles = [column for column in header if CANVAS_ASSIGNMENT.match(column.strip())]
        raise ValueError(f"--map column {wanted!r} matches {len(found)} roster columns; "
                         f"expected one of: {', '.join(titles) or 'none'}")
    return found[0]


def canvas_columns(header, lessons, mapping=None):
    """{lesson: roster column}: `mapping` ({lesson: column}) first, then lesson titles."""
    found = {lesson: _find_column(header, column) for lesson, column in (mapping or {}).items()}
    for lesson in lessons:
        if lesson in found:
            continue
        title = lesson_title(lesson)
        names = {normalized(title), normalized(lesson),
                 normalized(f"Lesson {lesson[:2]} — {title}"), normalized(f"{lesson[:2]} {title}")}
        matches = [column for column in header if CANVAS_ASSIGNMENT.match(column.strip())
                   and normalized(CANVAS_ASSIGNMENT.match(column.strip())["name"]) in names
                   and column not in found.values()]
        if len(matches) > 1:
            raise ValueError(f"{lesson} matches several roster columns ({', '.join(matches)}): "
                             f"choose one with --map {lesson}=COLUMN")
        if matches:
            found[lesson] = matches[0]
    return found


def assignment_id(column):
    """The Canvas assignment id in a roster column's title `<name> (<id>)`."""
    return CANVAS_ASSIGNMENT.match(column.strip())["id"]


def canvas_student(roster_row, students):
    """The grading tool's student id for a roster row, or None."""
    canvas_id = roster_row.get("ID", "").strip()
    for student in students:
        if canvas_id and (student == canvas_id or student.endswith(f"_{canvas_id}")):
            return student
    for name in ("SIS Login ID", "SIS User ID", "Integration ID"):
        key = (roster_row.get(name) or "").strip()
        if key and key in students:
            return key
    return None


def match_roster(output_dir, roster, mapping=None):
    """What an export and the comments share: (grades, header, roster rows, points possible,
    {lesson: column}, {roster ID: student}, summary with the unmatched listed)."""
    grades = read_grades(output_dir)
    header, rows, possible = read_roster(roster)
    unknown = sorted(set(mapping or {}) - set(lesson_ids()))
    if unknown:
        raise ValueError(f"--map: unknown lesson {', '.join(unknown)}; this course has "
                         f"{', '.join(lesson_ids())}")
    graded_lessons = sorted({lesson for _, lesson in grades})
    columns = canvas_columns(header, sorted(set(graded_lessons) | set(lesson_ids())), mapping)
    columns = dict(sorted(columns.items()))
    summary = ExportSummary(lessons=dict(columns))
    students = {student for student, _ in grades}
    matched = {}
    for row in rows:
        if row.get("ID", "").strip():
            student = canvas_student(row, students)
            if student:
                matched[row["ID"].strip()] = student
    summary.unrostered = sorted(key for key in grades if key[0] not in matched.values())
    summary.unexported_lessons = [lesson for lesson in graded_lessons if lesson not in columns]
    summary.unmatched_columns = [column for column in header
                                 if CANVAS_ASSIGNMENT.match(column.strip())
                                 and column not in columns.values()]
    return grades, header, rows, possible, columns, matched, summary


def export_canvas(output_dir, roster, target, mapping=None, scale=False, include_pending=False,
                  due=None):
    """Write a Canvas gradebook import to `target`; returns its ExportSummary.

    Raises ValueError (and writes nothing) when a lesson's maximum differs from its column's
    Points Possible and `scale` is off.
    """
    grades, header, rows, possible, columns, matched, summary = match_roster(
        output_dir, roster, mapping)
    summary.target, summary.pending_included = str(target), include_pending
    identity = [name for name in CANVAS_IDENTITY if name in header]
    table = [identity + list(columns.values())]
    for roster_row in rows:
        cells = [roster_row.get(name, "") for name in identity]
        canvas_id = roster_row.get("ID", "").strip()
        if not canvas_id:  # "Points Possible" and other rows without a student
            table.append(cells + [roster_row.get(column, "") for column in columns.values()])
            continue
        student = matched.get(canvas_id)
        for lesson, column in columns.items():
            row = grades.get((student, lesson)) if student else None
            if row is None:
                cells.append("")
                continue
            if is_late(row, due):
                summary.late.append((student, lesson))
            cells.append(cell_score(row, possible.get(column), scale,
                                    f"the Canvas column {column!r} (Points Possible)",
                                    summary, include_pending))
        table.append(cells)
        summary.written += 1
    if not possible:
        summary.notes.append("the roster has no Points Possible row: scores were not checked "
                             "against the assignments' maximum")
    unchecked = [column for column in columns.values() if possible and possible.get(column) is None]
    if unchecked:
        summary.notes.append("no Points Possible for " + ", ".join(unchecked)
                             + ": scores were not checked against its maximum")
    with open(target, "w", newline="", encoding="utf-8") as stream:
        csv.writer(stream).writerows(table)
    return summary
