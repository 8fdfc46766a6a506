"""Grades out to an LMS: `python -m autograder.export FORMAT ...`.

- `canvas OUTPUT_DIR --roster CANVAS_GRADEBOOK_EXPORT.csv -o canvas_import.csv`: a file for
  Canvas' Grades > Import. One row per student of the roster, in its order, with its identity
  columns (Student, ID, SIS User ID, SIS Login ID, Section); one column per lesson for which
  the roster has an assignment column `<name> (<assignment id>)` whose name is the lesson's
  title, `Lesson NN — <title>` or its id; a blank cell where a student handed nothing in.
  Students are matched by Canvas user id (the `_<id>` the intake keeps from Canvas file
  names), SIS Login ID or SIS User ID.
- `moodle OUTPUT_DIR -o moodle_grades.csv [--lesson LESSON]`: an assignment's offline grading
  worksheet for Moodle (Grading action > Upload grading worksheet): `Identifier`
  (`Participant <id>`, the id of Moodle's download folders), `Full name`, `Grade`,
  `Maximum Grade`, `Last modified (grade)`, `Feedback comments`. One lesson per file: a Moodle
  assignment is one lesson.
- `gradescope LESSON DIR`: a Gradescope autograder bundle for one lesson (see
  autograder/gradescope.py), as DIR/ and DIR.zip (upload the zip).

OUTPUT_DIR is the grading tool's output folder; only its grades.csv is read (columns
student, lesson, score, max_score, status, message, file, then one per test). Rejected
files are not submissions; an `error` row (a file that could not be graded) scores 0.
"""

import argparse
import csv
import json
import re
import shutil
import sys
import time
import zipfile
from pathlib import Path

from autograder.course import COURSE_ROOT, SOLUTIONS, lesson_ids, notebook_name

CANVAS_IDENTITY = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_ASSIGNMENT = re.compile(r"^(?P<name>.*\S)\s*\((?P<id>\d+)\)$")
MOODLE_COLUMNS = ("Identifier", "Full name", "Grade", "Maximum Grade", "Last modified (grade)",
                  "Feedback comments")
MOODLE_STUDENT = re.compile(r"^(?P<name>.+)_(?P<participant>\d+)$")


def read_grades(output_dir):
    """{(student, lesson): row} of the submissions in OUTPUT_DIR/grades.csv (not rejections)."""
    path = Path(output_dir) / "grades.csv"
    if not path.is_file():
        raise ValueError(f"{path} not found: expected the output folder of "
                         "python -m autograder.grade")
    with open(path, newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    missing = {"student", "lesson", "score", "max_score", "status"} - set(rows[0] if rows else {})
    if rows and missing:
        raise ValueError(f"{path}: not a grades.csv (no {', '.join(sorted(missing))} column)")
    return {(row["student"], row["lesson"]): row for row in rows
            if row["status"] in ("graded", "error", "needs manual grading")}


def points(row):
    """The score to report: the grade, or 0 for a file that could not be graded."""
    return float(row["score"] or 0) if row["status"] != "error" else 0.0


def number(value):
    return f"{value:g}"


def lesson_title(lesson, solutions=SOLUTIONS):
    """A lesson's title from its first cell, `# Lesson NN — Title`; the id if it has none."""
    path = Path(solutions) / lesson / notebook_name(lesson)
    if not path.exists():
        return lesson
    first = json.loads(path.read_text(encoding="utf-8"))["cells"][0]
    match = re.search(r"^# Lesson \d+ — (.+)$", "".join(first["source"]), re.M)
    return match[1].strip() if match else lesson


def _normalized(text):
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def canvas_columns(header, lessons):
    """{lesson: roster column} for the lessons the roster has an assignment column for."""
    found = {}
    for lesson in lessons:
        title = lesson_title(lesson)
        names = {_normalized(title), _normalized(lesson),
                 _normalized(f"Lesson {lesson[:2]} — {title}"),
                 _normalized(f"{lesson[:2]} {title}")}
        for column in header:
            match = CANVAS_ASSIGNMENT.match(column.strip())
            if match and _normalized(match["name"]) in names:
                found[lesson] = column
                break
    return found


def canvas_student(roster_row, students):
    """The grading tool's student id for a roster row, or None."""
    keys = [roster_row.get("ID", "").strip(), roster_row.get("SIS Login ID", "").strip(),
            roster_row.get("SIS User ID", "").strip()]
    canvas_id = keys[0]
    for student in students:
        if canvas_id and (student == canvas_id or student.endswith(f"_{canvas_id}")):
            return student
    for key in keys[1:]:
        if key and key in students:
            return key
    return None


def export_canvas(output_dir, roster, target):
    """Write a Canvas gradebook import; returns (rows written, lessons exported)."""
    grades = read_grades(output_dir)
    with open(roster, newline="", encoding="utf-8-sig") as stream:
        reader = csv.DictReader(stream)
        header, roster_rows = reader.fieldnames or [], list(reader)
    if "ID" not in header or "Student" not in header:
        raise ValueError(f"{roster}: expected Canvas' gradebook export (columns Student, ID, "
                         "SIS User ID, SIS Login ID, Section, then one per assignment)")
    lessons = sorted({lesson for _, lesson in grades} | set(lesson_ids()))
    columns = canvas_columns(header, lessons)
    identity = [name for name in CANVAS_IDENTITY if name in header]
    students = {student for student, _ in grades}
    written = 0
    with open(target, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(identity + list(columns.values()))
        for roster_row in roster_rows:
            if not roster_row.get("ID", "").strip():  # "Points Possible" and similar rows
                writer.writerow([roster_row.get(name, "") for name in identity]
                                + [roster_row.get(column, "") for column in columns.values()])
                continue
            student = canvas_student(roster_row, students)
            cells = []
            for lesson in columns:
                row = grades.get((student, lesson)) if student else None
                cells.append(number(points(row)) if row else "")
            writer.writerow([roster_row.get(name, "") for name in identity] + cells)
            written += 1
    return written, list(columns)


def export_moodle(output_dir, target, lesson=None):
    """Write a Moodle grading worksheet for one lesson; returns (rows, lesson)."""
    grades = read_grades(output_dir)
    lessons = sorted({name for _, name in grades})
    if lesson is None:
        if len(lessons) != 1:
            raise ValueError(f"grades.csv holds lessons {', '.join(lessons) or 'none'}: "
                             "choose one with --lesson (a Moodle worksheet is one assignment)")
        lesson = lessons[0]
    stamp = time.strftime("%Y-%m-%d %H:%M:%S")
    rows, skipped = [], []
    for (student, name), row in sorted(grades.items()):
        if name != lesson:
            continue
        match = MOODLE_STUDENT.match(student)
        if not match:
            skipped.append(student)
            continue
        feedback = f"Autograded: {number(points(row))} / {number(float(row['max_score'] or 0))}."
        if row["status"] != "graded" and row.get("message"):
            feedback += f" {row['message']}"
        rows.append([f"Participant {match['participant']}", match["name"].replace("_", " "),
                     number(points(row)), number(float(row["max_score"] or 0)), stamp, feedback])
    with open(target, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(MOODLE_COLUMNS)
        writer.writerows(rows)
    return len(rows), lesson, skipped


BUNDLE_FILES = ("pyproject.toml", "README.md", "nbgrader_config.py", "binder/requirements.txt")


def export_gradescope(lesson, target):
    """Write a Gradescope autograder bundle for `lesson` into `target` and `target`.zip."""
    if lesson not in lesson_ids():
        raise ValueError(f"unknown lesson {lesson!r}; this course has {', '.join(lesson_ids())}")
    target = Path(target)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints")
    for name in BUNDLE_FILES:
        (target / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(COURSE_ROOT / name, target / name)
    for folder in ("course_lib", "autograder", f"solutions/{lesson}", f"lessons/{lesson}"):
        shutil.copytree(COURSE_ROOT / folder, target / folder, ignore=ignore)
    from autograder.gradescope import run_autograder_script, setup_script

    for name, text in (("setup.sh", setup_script()), ("run_autograder", run_autograder_script(lesson))):
        (target / name).write_text(text, encoding="utf-8")
        (target / name).chmod(0o755)
    archive = target.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as writer:
        for path in sorted(target.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo.from_file(path, str(path.relative_to(target)))
                info.compress_type = zipfile.ZIP_DEFLATED
                writer.writestr(info, path.read_bytes())
    return target, archive


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.export",
                                     description="Write grades in an LMS's import format.")
    commands = parser.add_subparsers(dest="format", required=True)
    canvas = commands.add_parser("canvas", help="a Canvas gradebook import CSV")
    canvas.add_argument("output_dir", type=Path, help="the grading tool's output folder")
    canvas.add_argument("--roster", type=Path, required=True,
                        help="the course's gradebook exported from Canvas (CSV)")
    canvas.add_argument("-o", "--output", type=Path, default=Path("canvas_import.csv"))
    moodle = commands.add_parser("moodle", help="a Moodle assignment grading worksheet CSV")
    moodle.add_argument("output_dir", type=Path, help="the grading tool's output folder")
    moodle.add_argument("-o", "--output", type=Path, default=Path("moodle_grades.csv"))
    moodle.add_argument("--lesson", help="the lesson (needed when grades.csv holds several)")
    gradescope = commands.add_parser("gradescope", help="a Gradescope autograder bundle")
    gradescope.add_argument("lesson", help="a lesson id such as 01_dense_layers")
    gradescope.add_argument("dir", type=Path, help="the folder to write (and DIR.zip)")
    arguments = parser.parse_args(argv)
    try:
        if arguments.format == "canvas":
            count, lessons = export_canvas(arguments.output_dir, arguments.roster,
                                           arguments.output)
            print(f"wrote {arguments.output}: {count} students, lessons "
                  f"{', '.join(lessons) or 'none (no roster column matched a lesson title)'}")
        elif arguments.format == "moodle":
            count, lesson, skipped = export_moodle(arguments.output_dir, arguments.output,
                                                   arguments.lesson)
            print(f"wrote {arguments.output}: {count} participants of {lesson}")
            if skipped:
                print(f"not from a Moodle download (no participant id): {', '.join(skipped)}",
                      file=sys.stderr)
        else:
            folder, archive = export_gradescope(arguments.lesson, arguments.dir)
            print(f"wrote {folder}/ and {archive} (upload the zip to Gradescope)")
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
