"""Grades and feedback out to an LMS: `python -m autograder.export FORMAT ...`.

- `canvas OUTPUT_DIR --roster CANVAS_EXPORT.csv -o canvas_import.csv`: a file for Canvas'
  Grades > Import (autograder/export_canvas.py);
- `canvas-comments OUTPUT_DIR --roster CANVAS_EXPORT.csv (--bundle DIR | --url URL --course
  ID)`: each student's score breakdown and feedback page as a submission comment
  (autograder/export_canvas_comments.py);
- `moodle OUTPUT_DIR [--worksheet MOODLE_WORKSHEET.csv] -o moodle_grades.csv [--lesson L]
  [--feedback-zip feedback.zip]`: an assignment's grading worksheet, and its feedback pages
  as Moodle's feedback-files zip (autograder/export_moodle.py);
- `gradescope LESSON DIR [--secret-file PATH]`: a Gradescope autograder bundle for one
  lesson (see autograder/gradescope.py), as DIR/ and DIR.zip (upload the zip); with a
  grading secret, the bundle holds it (upload it, never commit it).

OUTPUT_DIR is the grading tool's output folder (grades.csv; results.jsonl and feedback/ for
the comments). Rejected files are not submissions; an `error` row (a file that could not be
graded) scores 0; a row waiting for its written answers is left blank unless
--include-pending. Nothing is dropped silently: the summary names every graded student the
roster lacks, every roster column and graded lesson left unmatched (exit status 1 unless
--allow-unmatched), every pending and late row; a maximum that differs from the LMS's is
refused (exit status 2) unless --scale.
"""

import argparse
import os
import shutil
import sys
import zipfile
from pathlib import Path

from autograder.course import COURSE_ROOT, lesson_ids
from autograder.export_canvas import export_canvas, lesson_title  # noqa: F401 (public API)
from autograder.export_grades import gradebook_due, parse_due
from autograder.export_moodle import export_feedback_zip, export_moodle

BUNDLE_FILES = ("pyproject.toml", "README.md", "nbgrader_config.py", "binder/requirements.txt")


def export_gradescope(lesson, target, secret_file=None):
    """Write a Gradescope autograder bundle for `lesson` into `target` and `target`.zip.

    With `secret_file` (outside the repository: autograder/secret.py), the bundle holds
    the secret as autograder.gradescope.SECRET_NAME, and run_autograder grades with it.
    """
    if lesson not in lesson_ids():
        raise ValueError(f"unknown lesson {lesson!r}; this course has {', '.join(lesson_ids())}")
    secret = None
    if secret_file is not None:
        from autograder.secret import read_secret

        secret = read_secret(secret_file=secret_file, repository=COURSE_ROOT, environ={})
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
    from autograder.gradescope import SECRET_NAME, run_autograder_script, setup_script

    for name, text in (("setup.sh", setup_script(lesson)),
                       ("run_autograder", run_autograder_script(lesson, secret is not None))):
        (target / name).write_text(text, encoding="utf-8")
        (target / name).chmod(0o755)
    if secret is not None:
        (target / SECRET_NAME).write_text(secret + "\n", encoding="utf-8")
        (target / SECRET_NAME).chmod(0o600)
    archive = target.with_suffix(".zip")
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as writer:
        for path in sorted(target.rglob("*")):
            if path.is_file():
                info = zipfile.ZipInfo.from_file(path, str(path.relative_to(target)))
                info.compress_type = zipfile.ZIP_DEFLATED
                writer.writestr(info, path.read_bytes())
    return target, archive


def _common(parser, roster):
    parser.add_argument("output_dir", type=Path, help="the grading tool's output folder")
    if roster:
        parser.add_argument("--roster", type=Path, required=True,
                            help="the course's gradebook exported from Canvas (CSV)")
        parser.add_argument("--map", action="append", default=[], metavar="LESSON=COLUMN",
                            help="the roster column of a lesson (title, assignment id or name)")
    parser.add_argument("--due", action="append", default=[], metavar="[LESSON=]WHEN",
                        help="due date (ISO 8601, UTC unless a zone is given): a submission "
                        "whose nbgrader timestamp is later is reported late")
    parser.add_argument("--gradebook", type=Path,
                        help="nbgrader's gradebook.db: the due dates set there (--due wins)")
    parser.add_argument("--allow-unmatched", action="store_true",
                        help="exit 0 even when students, lessons or columns were not matched")


def _grades_options(parser):
    parser.add_argument("--scale", action="store_true",
                        help="convert scores to the LMS's maximum when it differs")
    parser.add_argument("--include-pending", action="store_true",
                        help="export rows waiting for manual grading as their autograded part")


def parse_arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m autograder.export",
                                     description="Write grades and feedback for an LMS.")
    commands = parser.add_subparsers(dest="format", required=True)
    canvas = commands.add_parser("canvas", help="a Canvas gradebook import CSV")
    _common(canvas, roster=True)
    _grades_options(canvas)
    canvas.add_argument("-o", "--output", type=Path, default=Path("canvas_import.csv"))
    comments = commands.add_parser("canvas-comments", help="feedback as Canvas comments")
    _common(comments, roster=True)
    comments.add_argument("--bundle", type=Path, help="write the comments and pages here")
    comments.add_argument("--url", help="the Canvas site, e.g. https://canvas.example.edu")
    comments.add_argument("--course", help="the Canvas course id (in the course's address)")
    comments.add_argument("--token-env", default="CANVAS_TOKEN",
                          help="environment variable holding the access token")
    moodle = commands.add_parser("moodle", help="a Moodle assignment grading worksheet CSV")
    _common(moodle, roster=False)
    _grades_options(moodle)
    moodle.add_argument("--worksheet", type=Path,
                        help="the grading worksheet downloaded from the Moodle assignment")
    moodle.add_argument("-o", "--output", type=Path, default=Path("moodle_grades.csv"))
    moodle.add_argument("--lesson", help="the lesson (needed when grades.csv holds several)")
    moodle.add_argument("--feedback-zip", type=Path,
                        help="also write the feedback pages as Moodle's feedback-files zip")
    gradescope = commands.add_parser("gradescope", help="a Gradescope autograder bundle")
    gradescope.add_argument("lesson", help="a lesson id such as 01_dense_layers")
    gradescope.add_argument("dir", type=Path, help="the folder to write (and DIR.zip)")
    gradescope.add_argument("--secret-file", type=Path, metavar="PATH",
                            help="a file outside the repository holding the grading secret; "
                                 "the bundle then holds it (autograder/secret.py)")
    return parser.parse_args(argv)


def _mapping(values):
    mapping = {}
    for value in values:
        lesson, sign, column = value.partition("=")
        if not sign or not lesson.strip() or not column.strip():
            raise ValueError(f"--map {value!r}: expected LESSON=COLUMN, e.g. "
                             "01_dense_layers='Dense layers (4501)'")
        mapping[lesson.strip()] = column.strip()
    return mapping


def _run(arguments):
    """Run one command; returns (summary lines, exit status)."""
    due = {}
    if getattr(arguments, "gradebook", None):
        due = gradebook_due(arguments.gradebook, lesson_ids())
    due.update(parse_due(getattr(arguments, "due", []), lesson_ids()))
    if arguments.format == "gradescope":
        folder, archive = export_gradescope(arguments.lesson, arguments.dir,
                                            arguments.secret_file)
        held = (" It holds the grading secret: upload it, never commit or share it."
                if arguments.secret_file else "")
        return [f"wrote {folder}/ and {archive} (upload the zip to Gradescope).{held}"], 0
    if arguments.format == "canvas":
        summary = export_canvas(arguments.output_dir, arguments.roster, arguments.output,
                                _mapping(arguments.map), arguments.scale,
                                arguments.include_pending, due)
        lines = summary.lines()
    elif arguments.format == "moodle":
        summary = export_moodle(arguments.output_dir, arguments.output, arguments.lesson,
                                arguments.worksheet, arguments.scale,
                                arguments.include_pending, due)
        lines = summary.lines()
        if arguments.feedback_zip:
            count, missing, _ = export_feedback_zip(arguments.output_dir, arguments.feedback_zip,
                                                    arguments.lesson, arguments.worksheet)
            lines.append(f"wrote {arguments.feedback_zip}: feedback pages of {count} students "
                         "(Grading action > Upload multiple feedback files in a zip)")
            if missing:
                lines.append(f"no feedback page for: {', '.join(missing)}")
    else:
        lines, summary = _comments(arguments, due)
    status = 1 if summary.unmatched() and not arguments.allow_unmatched else 0
    if status:
        lines.append("exit status 1: not everything was matched (see above); fix the roster "
                     "or --map, or pass --allow-unmatched")
    return lines, status


def _comments(arguments, due):
    from autograder.export_canvas_comments import (CanvasAPI, canvas_comments, send_comments,
                                                   write_bundle)

    if not arguments.bundle and not (arguments.url and arguments.course):
        raise ValueError("canvas-comments: give --bundle DIR, or --url and --course to post them")
    comments, summary = canvas_comments(arguments.output_dir, arguments.roster,
                                        _mapping(arguments.map), due)
    lines = summary.lines()[1:]
    if arguments.bundle:
        lines.insert(0, f"wrote {write_bundle(comments, arguments.bundle)}: "
                        f"{len(comments)} comments")
    if arguments.url and arguments.course:
        api = CanvasAPI(arguments.url, arguments.course, os.environ.get(arguments.token_env))
        lines.insert(0, f"posted {send_comments(comments, api)} comments to {arguments.url}")
    return lines, summary


def main(argv=None):
    arguments = parse_arguments(argv)
    try:
        lines, status = _run(arguments)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    for line in lines:
        print(line, file=sys.stderr if status and line.startswith("NOT") else sys.stdout)
    return status


if __name__ == "__main__":
    sys.exit(main())
