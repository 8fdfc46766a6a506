"""Grade a class: `python -m autograder.grade SUBMISSIONS [--jobs N] [--force] [--output DIR]`.

SUBMISSIONS is a folder or a zip (see autograder/submissions.py and
autograder/README.md for the file names accepted). Writes into the output
folder (default grading-output/):

- grades.csv: one row per student and lesson (score, maximum, each test), plus a
  row for each rejected file;
- feedback/<student>/<lesson>/<lesson>.html, without hidden test code;
- autograded/<student>/<lesson>/<lesson>.ipynb, for the instructor;
- gradebook.db: nbgrader's gradebook with every result;
- results.jsonl: each result as it finishes (what makes a run resumable);
- timings.tsv: seconds per submission, and which worker graded it.

A second run grades only new or changed submissions (sha256 of the file);
--force regrades all. `grade_notebook(path, lesson)` is the API for one notebook.
"""

import argparse
import csv
import fcntl
import json
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

from autograder.course import lesson_ids
from autograder.engine import Grader, Limits, Result
from autograder.gradebook_merge import (ensure_gradebook, graded_versions, lesson_tests,
                                        manual_scores, record, written_answers)
from autograder.runner import Task, grade_all
from autograder.sandbox import bubblewrap_problem
from autograder.submissions import SubmissionError, collect, unpack
from autograder.template import course_template, sandbox_library, tests_fingerprint

DEFAULT_OUTPUT = Path("grading-output")


def grade_notebook(path, lesson, limits=None, sandboxed=True):
    """Autograde one notebook as a submission of `lesson`, in a sandbox.

    Returns {grade_id: (score, max_score)} for each graded test; raises
    SubmissionError (a ValueError) saying why when the notebook cannot be graded,
    and SandboxUnavailable when bubblewrap is missing and `sandboxed` is True.
    """
    if lesson not in lesson_ids():
        raise SubmissionError(f"unknown lesson {lesson!r}; this course has "
                              f"{', '.join(lesson_ids())}")
    if sandboxed and bubblewrap_problem():
        from autograder.sandbox import SandboxUnavailable

        raise SandboxUnavailable(bubblewrap_problem())
    template = course_template([lesson])
    with tempfile.TemporaryDirectory(prefix="grade-notebook-") as workdir:
        result = Grader(template, workdir, sandbox_library(), limits, sandboxed).grade(
            "student", lesson, path)
    if result.error:
        raise SubmissionError(result.error)
    return {name: tuple(value) for name, value in result.tests.items()}


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


def write_csv(path, results, rejections, tests_by_lesson, written=None, manual=None):
    """grades.csv: student, lesson, score, max_score, status, message, file, one column per test.

    Written answers (`written`: {lesson: {grade_id}}) are graded by hand: their column holds
    the score an instructor entered (`manual`: {(student, lesson): {grade_id: score}}), or
    stays empty, the row's status then reads "needs manual grading" and its score counts
    only what is graded so far. max_score always includes them.
    """
    written, manual = written or {}, manual or {}
    test_columns = sorted({name for tests in tests_by_lesson.values() for name in tests})
    with open(path, "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["student", "lesson", "score", "max_score", "status", "message", "file",
                         *test_columns])
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
                             *[_number(scores.get(name)) if name in scores else ""
                               for name in test_columns]])
        for rejection in rejections:
            writer.writerow([rejection.student, rejection.lesson, "", "", "rejected",
                             rejection.reason, str(rejection.path),
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


def parse_arguments(argv):
    parser = argparse.ArgumentParser(
        prog="python -m autograder.grade",
        description="Autograde submissions with nbgrader, in parallel, resumably.",
        epilog="Accepted names: <student>_<lesson>.ipynb, Canvas-style "
               "<student>_<digits>_<digits>_<lesson>.ipynb, or <student>/<lesson>/<lesson>.ipynb.")
    parser.add_argument("submissions", type=Path, help="a folder or a .zip of submissions")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT,
                        help="where grades.csv, feedback/ ... go (default: grading-output)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                        help="notebooks graded at once (default: number of cores)")
    parser.add_argument("--force", action="store_true",
                        help="regrade everything, not only new or changed submissions")
    parser.add_argument("--cell-timeout", type=int, default=Limits.cell_timeout,
                        help="seconds one cell may run (default: %(default)s)")
    parser.add_argument("--notebook-timeout", type=int, default=Limits.notebook_timeout,
                        help="seconds one notebook may run (default: %(default)s)")
    parser.add_argument("--memory-limit", type=float, default=Limits.memory_bytes / 2**30,
                        help="GiB of address space per kernel (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--unsafe-no-sandbox", action="store_true",
                        help="grade without bubblewrap: student code then runs with your user, "
                             "files and network (only for notebooks you trust)")
    parser.add_argument("--gradebook", type=Path,
                        help="also record the results in this nbgrader gradebook, e.g. the "
                             "course's gradebook.db (autograder/course_gradebook.py)")
    arguments = parser.parse_args(argv)
    if arguments.jobs < 1:
        parser.error("--jobs must be at least 1")
    return arguments


def main(argv=None):
    arguments = parse_arguments(argv)
    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy chatter from its API
    problem = None if arguments.unsafe_no_sandbox else bubblewrap_problem()
    if problem:
        print(f"error: refusing to grade without a sandbox: {problem} "
              "(or pass --unsafe-no-sandbox for notebooks you trust)", file=sys.stderr)
        return 2
    output = arguments.output.resolve()
    output.mkdir(parents=True, exist_ok=True)
    with open(output / ".grading.lock", "a+", encoding="utf-8") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            print(f"error: another grading run is using {output} ({lock.read().strip()}); "
                  "wait for it to finish, or give another --output", file=sys.stderr)
            return 3
        lock.seek(0)
        lock.truncate()
        lock.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
        lock.flush()
        return run(arguments, output)


def run(arguments, output):
    """Grade the submissions into `output` (the caller holds its lock)."""
    started = time.perf_counter()
    limits = Limits(cell_timeout=arguments.cell_timeout,
                    notebook_timeout=arguments.notebook_timeout,
                    memory_bytes=int(arguments.memory_limit * 2**30))
    lessons = lesson_ids()
    scratch = Path(tempfile.mkdtemp(prefix="grading-", dir=output))
    try:
        folder = unpack(arguments.submissions, scratch)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        _remove(scratch)
        return 2
    submissions, rejections = collect(folder, lessons)
    store = ResultStore(output / "results.jsonl")
    gradebook = output / "gradebook.db"
    # Only the lessons handed in (and those already in the output gradebook) are prepared.
    graded_before = set(lesson_tests(gradebook)) if gradebook.exists() else set()
    template = course_template(sorted(({s.lesson for s in submissions} | graded_before)
                                      & set(lessons)) or lessons[:1])
    tests_by_lesson = lesson_tests(template / "gradebook.db")
    if ensure_gradebook(gradebook, template):
        for result in store.latest.values():
            record(gradebook, result)
    fingerprints = {lesson: tests_fingerprint(lesson) for lesson in {s.lesson for s in submissions}}
    versions = graded_versions(gradebook)
    to_grade = [s for s in submissions if arguments.force
                or not store.is_current(s, fingerprints[s.lesson], versions)]
    counts = {"graded": 0, "unchanged": len(submissions) - len(to_grade), "errors": 0}
    tasks = [Task(s.student, s.lesson, str(_kept(s, scratch, output)), s.digest,
                  fingerprints[s.lesson]) for s in to_grade]
    progress = _progress_bar(len(tasks), arguments.quiet)
    timings = open(output / "timings.tsv", "a", encoding="utf-8")
    if timings.tell() == 0:
        timings.write("finished_at\tstudent\tlesson\tseconds\tworker\tstatus\n")

    def on_result(result):
        result.max_score = sum(tests_by_lesson.get(result.lesson, {}).values())
        # Gradebook first: a run killed between the two regrades this one next time,
        # rather than leaving a result the gradebook lacks.
        record(gradebook, result)
        store.add(result)
        counts["errors" if result.error else "graded"] += 1
        timings.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')}\t{result.student}\t"
                      f"{result.lesson}\t{result.seconds:.2f}\t{result.worker}\t"
                      f"{'error' if result.error else 'graded'}\n")
        timings.flush()
        progress.update(1)

    try:
        if tasks:
            grade_all(tasks, template, sandbox_library(), scratch / "workers", limits, output,
                      arguments.jobs, on_result, sandboxed=not arguments.unsafe_no_sandbox)
    finally:
        progress.close()
        timings.close()
        current = {(s.student, s.lesson) for s in submissions}
        results = [result for key, result in store.latest.items() if key in current]
        write_csv(output / "grades.csv", results, rejections, tests_by_lesson,
                  written_answers(template / "gradebook.db"), manual_scores(gradebook))
        _remove(scratch)
    if arguments.gradebook:  # one gradebook for Formgrader, manual grading, nbgrader export
        _publish(arguments.gradebook, results, submissions, template)
    if not arguments.quiet:
        print_summary(results, rejections, counts, time.perf_counter() - started)
    print(f"wrote {output / 'grades.csv'} and feedback in {output / 'feedback'}")
    return 0


def _kept(submission, scratch, output):
    """The submission's path; a file unpacked from a zip is first copied into output/submitted."""
    path = submission.path
    if scratch in path.parents:
        target = output / "submitted" / submission.student / submission.lesson / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
        return target
    return path

def _publish(gradebook, results, submissions, template):
    from autograder.course_gradebook import publish

    summary = publish(gradebook, results, submissions, template)
    late = ", ".join(f"{student}/{lesson}" for student, lesson, _ in summary["late"])
    print(f"recorded {summary['recorded']} results in {gradebook}"
          + (f"; late: {late}" if late else ""))
    for reason in summary["skipped"]:
        print(f"not recorded: {reason}", file=sys.stderr)


def _progress_bar(total, quiet):
    from tqdm import tqdm

    return tqdm(total=total, unit="notebook", desc="grading", disable=quiet or total == 0,
                file=sys.stderr)


def _remove(folder):
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
