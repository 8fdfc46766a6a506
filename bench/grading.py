"""Benchmark: the grading tool at --jobs 2 (sandboxed, and without the sandbox) against stock
sequential `nbgrader autograde`.

Builds a class of --students students (24 by default) spread over the lessons,
each handing in one notebook: correct, blank or partly wrong in turn (the demo
class's ada, ben and cho). Grades it with `python -m autograder.grade --jobs 2
--force` (in bubblewrap), again with `--unsafe-no-sandbox`, and with stock
`nbgrader autograde LESSON --force`, one lesson after the other, in a scratch
course; checks that every score of every test is identical; prints the
wall-clock times, their ratios and the sandbox's cost per notebook.

Course set-up (generate_assignment) is done before either clock starts.

Run it with:  .venv/bin/python bench/grading.py [--students 24] [--lessons 00_setup 01_dense_layers]
This is a benchmark, not a test.
"""

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.course import COURSE_ROOT, lesson_ids, make_course, nbgrader, notebook_name, read_scores  # noqa: E402
from autograder.demo import student_versions  # noqa: E402
from autograder.template import course_template  # noqa: E402

KINDS = ("ada", "ben", "cho")  # correct, blank, partly wrong


def build_class(folder, lessons, students):
    """{(student, lesson): path}: student i hands in lesson i mod len(lessons)."""
    folder.mkdir(parents=True)
    versions = {lesson: student_versions(lesson) for lesson in lessons}
    handed_in = {}
    for number in range(students):
        lesson = lessons[number % len(lessons)]
        kind = KINDS[(number // len(lessons)) % len(KINDS)]
        student = f"student{number:02d}_{kind}"
        path = folder / f"{student}_{lesson}.ipynb"
        path.write_bytes(versions[lesson][kind])
        handed_in[(student, lesson)] = path
    return handed_in


def time_ours(folder, output, jobs, *options):
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder.grade", str(folder), "--output",
                    str(output), "--jobs", str(jobs), "--force", "--quiet", *options],
                   cwd=COURSE_ROOT, check=True, capture_output=True, text=True)
    return time.perf_counter() - start


def time_stock(course, handed_in):
    for (student, lesson), path in handed_in.items():
        target = course / "submitted" / student / lesson / notebook_name(lesson)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(path, target)
    start = time.perf_counter()
    for lesson in sorted({lesson for _, lesson in handed_in}):
        nbgrader(["autograde", lesson, "--force"], cwd=course)
    return time.perf_counter() - start


def compare(ours, stock, handed_in):
    """Differences between the two gradebooks, as text lines (empty when identical)."""
    differences = []
    for student, lesson in handed_in:
        mine = read_scores(ours, lesson, [student])[student]
        theirs = read_scores(stock, lesson, [student])[student]
        if (mine.score, mine.tests) != (theirs.score, theirs.tests):
            differences.append(f"{student} {lesson}: ours {mine.score} {mine.tests}, "
                               f"stock {theirs.score} {theirs.tests}")
    return differences


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--lessons", nargs="*", default=None, help="default: every lesson")
    arguments = parser.parse_args()
    lessons = arguments.lessons or lesson_ids()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as work:
        work = Path(work)
        handed_in = build_class(work / "download", lessons, arguments.students)
        course_template(lesson_ids())  # our cached course, built before the clock
        stock_course = make_course(work / "stock", lessons)
        ours_seconds = time_ours(work / "download", work / "ours", arguments.jobs)
        unsafe_seconds = time_ours(work / "download", work / "unsafe", arguments.jobs,
                                   "--unsafe-no-sandbox")
        stock_seconds = time_stock(stock_course, handed_in)
        differences = (compare(work / "ours", stock_course, handed_in)
                       + compare(work / "unsafe", stock_course, handed_in))
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"{len(handed_in)} submissions over {len(lessons)} lessons")
    print(f"stock nbgrader autograde, sequential: {stock_seconds:7.1f} s")
    print(f"autograder.grade --jobs {arguments.jobs}, sandboxed:  {ours_seconds:7.1f} s "
          f"({stock_seconds / ours_seconds:.2f}x)")
    print(f"autograder.grade --jobs {arguments.jobs}, no sandbox: {unsafe_seconds:7.1f} s "
          f"({stock_seconds / unsafe_seconds:.2f}x)")
    print(f"sandbox cost: {(ours_seconds - unsafe_seconds) * arguments.jobs / len(handed_in):+.2f} "
          "s of a worker per notebook")
    if differences:
        print("SCORES DIFFER:\n" + "\n".join(differences))
        return 1
    print(f"all {len(handed_in)} scores identical, test by test")
    return 0


if __name__ == "__main__":
    sys.exit(main())
