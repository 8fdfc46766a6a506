"""What a grading run keeps and shows: results.jsonl, grades.csv and the terminal summary.

- ResultStore: results.jsonl, each finished result appended and flushed at once (the
  latest per student and lesson wins); with the gradebook, what makes runs resumable;
- write_csv: grades.csv, one row per student and lesson, one column per test;
- print_summary: the table printed at the end of a run;
- main: `python -m autograder.report OUTPUT`, the class report (autograder/class_report.py).
"""

import csv
import json
import os
import re
import sys
from pathlib import Path

from autograder.engine import Result


class ResultStore:
    """results.jsonl: every finished result, appended and flushed at once; the latest wins."""

    def __init__(self, path):
        self.path = Path(path)
        self.latest = {}
        if self.path.exists():
            for line in self.path.read_text(encoding="utf-8").splitlines():
                try:
                    result = Result(**json.loads(line))
                except (json.JSONDecodeError, TypeError):
                    continue  # a line cut short by an interruption
                self.latest[(result.student, result.lesson)] = result

    def is_current(self, submission, fingerprint, gradebook_versions):
        """True when this file was graded against these tests, in the gradebook and here."""
        key = (submission.student, submission.lesson)
        previous = self.latest.get(key)
        return (previous is not None and previous.digest == submission.digest
                and previous.fingerprint == fingerprint
                and gradebook_versions.get(key) == (submission.digest, fingerprint))

    def add(self, result):
        with open(self.path, "a", encoding="utf-8") as stream:
            stream.write(json.dumps(result.to_dict()) + "\n")
            stream.flush()
            os.fsync(stream.fileno())
        self.latest[(result.student, result.lesson)] = result


CANVAS_LATE = re.compile(r"_LATE_\d+_\d+_")  # Canvas' <name>_LATE_<user>_<submission>_<file>


def intake_times(result, due=None, late=None):
    """(late, submitted_at) for grades.csv, from what the intake kept of a submission.

    Inputs:
    - result: an engine.Result; its `source` is the graded file, under its own name
    - due: {lesson: aware datetime}, optional
    - late: {(student, lesson): bool} the intake decided (submissions.Submission.late), optional

    Returns ("yes" or "no", ISO time or ""): late when the intake said so, when the file name
    carries Canvas' LATE_ flag, or when nbgrader's timestamp.txt beside it is after `due`.
    """
    from autograder.submissions import read_timestamp

    source = Path(result.source) if result.source else None
    stamp = read_timestamp(source.parent) if source is not None else None
    flagged = (late or {}).get((result.student, result.lesson), False) or bool(
        source is not None and CANVAS_LATE.search(source.name))
    deadline = (due or {}).get(result.lesson)
    after = stamp is not None and deadline is not None and stamp > deadline
    return ("yes" if flagged or after else "no"), (stamp.isoformat() if stamp else "")


def write_csv(path, results, rejections, tests_by_lesson, written=None, manual=None, due=None,
              late=None):
    """grades.csv: student, lesson, score, max_score, status, message, file, late,
    submitted_at, one column per test.

    Written answers (`written`: {lesson: {grade_id}}) are graded by hand: their column holds
    the score an instructor entered (`manual`: {(student, lesson): {grade_id: score}}), or
    stays empty, the row's status then reads "needs manual grading" and its score counts
    only what is graded so far. max_score always includes them. `late` and `submitted_at`
    come from intake_times (`due`, `late` are passed on to it).
    """
    written, manual = written or {}, manual or {}
    test_columns = sorted({name for tests in tests_by_lesson.values() for name in tests})
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", "lesson", "score", "max_score", "status", "message", "file",
                         "late", "submitted_at", *test_columns])
        for result in sorted(results, key=lambda result: (result.student, result.lesson)):
            maximum = sum(tests_by_lesson.get(result.lesson, {}).values())
            by_hand = written.get(result.lesson, set())
            entered = {name: score for name, score in
                       manual.get((result.student, result.lesson), {}).items() if name in by_hand}
            pending = sorted(by_hand - set(entered))
            scores = {name: value[0] for name, value in result.tests.items()
                      if name not in by_hand}
            scores.update(entered)
            if result.error:
                status, message, score = "error", result.error, result.score
            else:
                score = sum(value for value in scores.values() if value is not None)
                status, message = ("needs manual grading", result.note) if pending else (
                    "graded", result.note)
                if pending:
                    message = "; ".join(filter(None, [
                        message, "written answers to grade by hand: " + ", ".join(pending)]))
            writer.writerow([result.student, result.lesson, _number(score),
                             _number(maximum), status, message, result.source,
                             *intake_times(result, due, late),
                             *[_number(scores.get(name)) if name in scores else ""
                               for name in test_columns]])
        for rejection in rejections:
            writer.writerow([rejection.student, rejection.lesson, "", "", "rejected",
                             rejection.reason, str(rejection.path), "", "",
                             *[""] * len(test_columns)])


def _number(value):
    return "" if value is None else f"{float(value):g}"


def print_summary(results, rejections, counts, seconds, stream=sys.stdout):
    """The terminal table: one line per submission, then the totals."""
    rows = sorted(results, key=lambda result: (result.lesson, result.student))
    width = max([len(result.student) for result in rows] + [7])
    print(f"\n{'student':<{width}}  {'lesson':<24} {'score':>11}  note", file=stream)
    for result in rows:
        note = result.error or result.note
        score = f"{result.score:g}/{result.max_score:g}" if not result.error else "error"
        print(f"{result.student:<{width}}  {result.lesson:<24} {score:>11}  {note[:70]}",
              file=stream)
    for rejection in rejections:
        print(f"rejected {rejection.path.name}: {rejection.reason}", file=stream)
    print(f"\ngraded {counts['graded']}, unchanged {counts['unchanged']}, "
          f"errors {counts['errors']}, rejected {len(rejections)} in {seconds:.1f} s",
          file=stream)


def main(argv=None):
    """`python -m autograder.report OUTPUT`: the class report (see autograder/class_report.py)."""
    from autograder.class_report import main as class_report

    return class_report(argv)


if __name__ == "__main__":
    sys.exit(main())
