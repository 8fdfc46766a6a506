"""`make demo-grade`: build a small sample class from the current lessons and grade it.

`python -m autograder.demo [--output DIR] [--jobs N]` writes, for every lesson in
solutions/, an LMS-style download into DIR/download/ with four students:

- ada: the solution (full marks);
- ben: the blank student version (zero);
- cho: the solution with its first exercise left as the stub (partly wrong);
- dev: a notebook cut short, as a broken upload looks (an error row).

then runs `python -m autograder.grade` on it. The class is built from
solutions/ and lessons/ each time, so it never goes stale.
"""

import argparse
import json
import sys
from pathlib import Path

from autograder.course import LESSONS, SOLUTIONS, lesson_ids, notebook_name
from autograder import grade
from course_lib import manifest

DEFAULT_OUTPUT = Path("grading-output") / "demo"
# The quick NumPy lessons (course_lib/manifest.py's in_demo), so the demo runs in about a
# minute; --lessons all grades every lesson.
DEFAULT_LESSONS = manifest.numbers(in_demo=True)


def _solution_cells(notebook):
    return [cell for cell in notebook["cells"]
            if cell.get("metadata", {}).get("nbgrader", {}).get("solution")
            and cell["cell_type"] == "code"]


def student_versions(lesson):
    """{student: notebook bytes} for the four demo students of `lesson`."""
    release_path = LESSONS / lesson / notebook_name(lesson)
    solution_path = SOLUTIONS / lesson / notebook_name(lesson)
    release = json.loads(release_path.read_text(encoding="utf-8"))
    solution = json.loads(solution_path.read_text(encoding="utf-8"))
    answers = {cell["metadata"]["nbgrader"]["grade_id"]: cell["source"]
               for cell in _solution_cells(solution)}
    solved = json.loads(json.dumps(release))
    for cell in _solution_cells(solved):
        cell["source"] = answers.get(cell["metadata"]["nbgrader"]["grade_id"], cell["source"])
    partly = json.loads(json.dumps(solved))
    first_exercise = _solution_cells(partly)[:1]
    for cell in first_exercise:
        stub = next(c["source"] for c in _solution_cells(release)
                    if c["metadata"]["nbgrader"]["grade_id"]
                    == cell["metadata"]["nbgrader"]["grade_id"])
        cell["source"] = stub
    text = json.dumps(solved, indent=1)
    return {"ada": text.encode(), "ben": release_path.read_bytes(),
            "cho": json.dumps(partly, indent=1).encode(), "dev": text.encode()[: len(text) // 3]}


def build_demo_class(folder, lessons=None):
    """Write the demo download (<student>_<lesson>.ipynb files) into `folder`; return it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    for lesson in lessons or lesson_ids():
        for student, content in student_versions(lesson).items():
            (folder / f"{student}_{lesson}.ipynb").write_bytes(content)
    return folder


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.demo", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--lessons", nargs="*", default=None,
                        help="lesson ids, or 'all' (default: lessons 00-03, about a minute)")
    arguments = parser.parse_args(argv)
    if arguments.lessons is None:
        lessons = [lesson for lesson in lesson_ids() if lesson[:2] in DEFAULT_LESSONS]
    elif arguments.lessons == ["all"]:
        lessons = lesson_ids()
    else:
        lessons = arguments.lessons
    download = build_demo_class(arguments.output / "download", lessons)
    print(f"demo class written to {download}")
    options = [str(download), "--output", str(arguments.output / "results"), "--force"]
    if arguments.jobs:
        options += ["--jobs", str(arguments.jobs)]
    return grade.main(options)


if __name__ == "__main__":
    sys.exit(main())
