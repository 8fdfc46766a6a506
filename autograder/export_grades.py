"""What every LMS export shares: reading grades.csv, choosing the score to report, late
submissions, and a summary that lists everything an export could not place.

An export is never wrong silently: a graded student the roster lacks, a roster column that
matched no lesson, a lesson with grades but no column, a row still waiting for its written
answers, a late submission: each is named in the ExportSummary the command prints, and the
first three make the command exit non-zero unless the instructor passes --allow-unmatched.
"""

import csv
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

SUBMITTED = ("graded", "error", "needs manual grading")
PENDING = "needs manual grading"


def read_grades(output_dir):
    """{(student, lesson): row} of the submissions in OUTPUT_DIR/grades.csv (not rejections).

    Accepts a file saved by a spreadsheet with a UTF-8 byte-order mark.
    """
    path = Path(output_dir) / "grades.csv"
    if not path.is_file():
        raise ValueError(f"{path} not found: expected the output folder of "
                         "python -m autograder.grade")
    with open(path, newline="", encoding="utf-8-sig") as stream:
        rows = list(csv.DictReader(stream))
    missing = {"student", "lesson", "score", "max_score", "status"} - set(rows[0] if rows else {})
    if rows and missing:
        raise ValueError(f"{path}: not a grades.csv (no {', '.join(sorted(missing))} column)")
    return {(row["student"], row["lesson"]): row for row in rows if row["status"] in SUBMITTED}


def number(value):
    return f"{value:g}"


def maximum(row):
    return float(row["max_score"] or 0)


def points(row):
    """The row's score: the grade, 0 for a file that could not be graded."""
    return float(row["score"] or 0) if row["status"] != "error" else 0.0


def parse_due(values, lessons):
    """{lesson: aware datetime} from --due values `LESSON=WHEN` or `WHEN` (every lesson).

    WHEN is ISO 8601 (`2026-03-01T23:59`, `2026-03-01T23:59+01:00`); without a zone, UTC.
    """
    due = {}
    for value in values or []:
        lesson, _, when = value.rpartition("=") if "=" in value else ("", "", value)
        try:
            moment = datetime.fromisoformat(when.strip())
        except ValueError:
            raise ValueError(f"--due {value!r}: expected LESSON=2026-03-01T23:59[+01:00] "
                             "or a date alone for every lesson") from None
        moment = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
        if lesson and lesson not in lessons:
            raise ValueError(f"--due {value!r}: unknown lesson {lesson!r}; this course has "
                             f"{', '.join(lessons)}")
        for name in [lesson] if lesson else lessons:
            due[name] = moment
    return due


def gradebook_due(path, lessons):
    """{lesson: aware datetime} of the due dates set in an nbgrader gradebook
    (`nbgrader db assignment add LESSON --duedate ...`, or the Formgrader); nbgrader keeps
    them as UTC without a zone."""
    if not Path(path).is_file():
        raise ValueError(f"--gradebook {path}: no such file (expected nbgrader's gradebook.db)")
    import sqlite3

    # Read directly: nbgrader's Gradebook() would run alembic, which needs its tools on PATH.
    with sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True) as database:
        try:
            rows = database.execute("SELECT name, duedate FROM assignment").fetchall()
        except sqlite3.DatabaseError as error:
            raise ValueError(f"--gradebook {path}: not an nbgrader gradebook ({error})") from None
    due = {}
    for name, when in rows:
        if when and name in lessons:
            moment = datetime.fromisoformat(str(when))
            due[name] = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return due


def is_late(row, due=None):
    """True when grades.csv says late (Canvas' LATE_, the intake's due date) or its
    `submitted_at` (nbgrader's timestamp.txt) is after the lesson's `due` date."""
    if row.get("late", "").strip().lower() in ("yes", "true", "1"):
        return True
    deadline, stamp = (due or {}).get(row["lesson"]), row.get("submitted_at", "").strip()
    if deadline is None or not stamp:
        return False
    moment = datetime.fromisoformat(stamp)
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)) > deadline


def scaled(score, lesson, got, target, scale, where):
    """`score` out of `got` points expressed out of `target` (the LMS's maximum).

    Raises ValueError when they differ and `scale` is off: 10/100 would be a silent error.
    """
    if target is None or abs(got - target) < 1e-9:
        return score
    if not scale:
        raise ValueError(f"{lesson} is graded out of {number(got)} but {where} is out of "
                         f"{number(target)}: pass --scale to convert each score "
                         f"(x {number(target)}/{number(got)}), or change the maximum in the LMS")
    return round(score * target / got, 4) if got else 0.0


@dataclass
class ExportSummary:
    """What an export did, and everything it could not place."""

    target: str = ""
    written: int = 0
    lessons: dict = field(default_factory=dict)  # lesson -> column or assignment
    unrostered: list = field(default_factory=list)  # (student, lesson) graded, not on roster
    unmatched_columns: list = field(default_factory=list)  # roster columns of no lesson
    unexported_lessons: list = field(default_factory=list)  # graded lessons with no column
    pending: list = field(default_factory=list)  # (student, lesson) waiting for a person
    pending_included: bool = False
    late: list = field(default_factory=list)  # (student, lesson)
    scaled: dict = field(default_factory=dict)  # lesson -> (graded out of, exported out of)
    notes: list = field(default_factory=list)

    def unmatched(self):
        return bool(self.unrostered or self.unmatched_columns or self.unexported_lessons)

    def lines(self):
        """The summary a person reads: one line per kind of problem, naming every case."""
        pairs = lambda items: ", ".join(f"{student}/{lesson}" for student, lesson in items)
        lessons = ", ".join(f"{lesson} -> {column}" for lesson, column in self.lessons.items())
        out = [f"wrote {self.target}: {self.written} rows; {lessons or 'no lesson matched'}"]
        for lesson, (got, target) in self.scaled.items():
            out.append(f"scaled {lesson}: out of {number(got)} -> out of {number(target)}")
        if self.unrostered:
            out.append(f"NOT EXPORTED, graded but not on the roster: {pairs(self.unrostered)}")
        if self.unexported_lessons:
            out.append("NOT EXPORTED, graded lessons no column matched (use --map "
                       f"LESSON=COLUMN): {', '.join(self.unexported_lessons)}")
        if self.unmatched_columns:
            out.append("roster columns that matched no lesson: "
                       + ", ".join(self.unmatched_columns))
        if self.pending:
            what = ("exported as their autograded part only (--include-pending)"
                    if self.pending_included else "left blank (--include-pending exports "
                    "the autograded part)")
            out.append(f"waiting for manual grading, {what}: {pairs(self.pending)}")
        if self.late:
            out.append(f"late: {pairs(self.late)}")
        return out + self.notes


def cell_score(row, lms_maximum, scale, where, summary, include_pending):
    """The number to put in the LMS for a grades.csv row, or "" (blank) for a pending one."""
    key = (row["student"], row["lesson"])
    if row["status"] == PENDING:
        summary.pending.append(key)
        if not include_pending:
            return ""
    value = scaled(points(row), row["lesson"], maximum(row), lms_maximum, scale, where)
    if lms_maximum is not None and abs(maximum(row) - lms_maximum) > 1e-9:
        summary.scaled[row["lesson"]] = (maximum(row), lms_maximum)
    return number(value)


def normalized(text):
    """Lower case, words only: `Lesson 01 — Dense layers` and `lesson 01 dense layers` agree."""
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())
