"""Grade a class: `python -m autograder.grade SUBMISSIONS [--jobs N] [--force] [--output DIR]`.

SUBMISSIONS is a folder or a zip (see autograder/submissions.py and
autograder/README.md for the file names accepted). Writes into the output
folder (default grading-output/):

- grades.csv: one row per student and lesson (score, maximum, each test), plus a
  row for each rejected file: a name not understood, a hostile zip member
  (autograder/archive.py), a notebook over --max-notebook-mb or --max-cells;
- feedback/<student>/<lesson>/<lesson>.html, without hidden test code;
- autograded/<student>/<lesson>/<lesson>.ipynb, for the instructor;
- gradebook.db: nbgrader's gradebook with every result;
- results.jsonl: each result as it finishes (what makes a run resumable);
- timings.tsv: seconds per submission, and which worker graded it;
- similarity/<lesson>.html and .csv: answers compared with each other, the reference and
  the solution (autograder/similarity.py); it changes no grade.

A second run grades only new or changed submissions (sha256 of the file);
--force regrades all. `grade_notebook(path, lesson)` is the API for one notebook.
With --scheduler tcp://HOST:PORT the notebooks are graded by the workers of a
Dask cluster (autograder/cluster.py); this process still writes every output.
With a grading secret (--secret-file, --secret or CNN_GRADING_SECRET) the hidden tests
also draw cases no one can compute from the repository (autograder/secret.py); without
one, the run says so in one line.
"""

import argparse
import fcntl
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

from autograder.archive import MB, Caps
from autograder.course import COURSE_ROOT, lesson_ids
from autograder.engine import Grader, Limits
from autograder.gradebook_merge import (ensure_gradebook, graded_versions, lesson_tests,
                                        manual_scores, record, written_answers)
from autograder.report import ResultStore, print_summary, write_csv
from autograder.runner import Task, grade_all
from autograder.sandbox import bubblewrap_problem
from autograder.secret import NO_SECRET, fingerprint_tag, read_secret, student_key
from autograder.notebooks import check_caps
from autograder.similarity import report_after_grading
from autograder.submissions import Rejection, SubmissionError, collect, content_digest, unpack
from autograder.template import course_template, sandbox_library, tests_fingerprint

DEFAULT_OUTPUT = Path("grading-output")


def grade_notebook(path, lesson, limits=None, sandboxed=True, caps=None, secret=None,
                   student="student", kernel_user=None):
    """Autograde one notebook as a submission of `lesson`, in a sandbox.

    With sandboxed=False and a `kernel_user` (the name of an unprivileged user; needs
    root), the kernel runs as that user (autograder/kernel_user.py), and every process of
    that user is killed when the notebook is done.

    With a grading `secret` (autograder.secret.read_secret), the hidden tests also
    draw the cases of `student`'s key for this file (autograder.secret.student_key).

    Returns {grade_id: (score, max_score)} for each graded test; raises
    SubmissionError (a ValueError) saying why when the notebook cannot be graded
    (also when it is over a cap of `caps`, an autograder.archive.Caps), and
    SandboxUnavailable when bubblewrap is missing and `sandboxed` is True.
    """
    if lesson not in lesson_ids():
        raise SubmissionError(f"unknown lesson {lesson!r}; this course has "
                              f"{', '.join(lesson_ids())}")
    check_caps(path, caps)
    if sandboxed and bubblewrap_problem():
        from autograder.sandbox import SandboxUnavailable

        raise SandboxUnavailable(bubblewrap_problem())
    template = course_template([lesson])
    with tempfile.TemporaryDirectory(prefix="grade-notebook-") as workdir:
        result = Grader(template, workdir, sandbox_library(), limits, sandboxed,
                        kernel_user if not sandboxed else None).grade(
            student, lesson, path, draw_key=student_key(secret, student, content_digest(path)))
    if result.error:
        raise SubmissionError(result.error)
    return {name: tuple(value) for name, value in result.tests.items()}


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
    parser.add_argument("--max-notebook-mb", type=float, default=Caps.notebook_bytes / MB,
                        help="largest submitted file graded, in MB; larger ones are rejected "
                             "before any kernel starts (default: %(default)g)")
    parser.add_argument("--max-cells", type=int, default=Caps.cells,
                        help="most cells in a notebook graded (default: %(default)s)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--unsafe-no-sandbox", action="store_true",
                        help="grade without bubblewrap: student code then runs with your user, "
                             "files and network (only for notebooks you trust)")
    parser.add_argument("--gradebook", type=Path,
                        help="also record the results in this nbgrader gradebook, e.g. the "
                             "course's gradebook.db (autograder/course_gradebook.py)")
    parser.add_argument("--scheduler", metavar="ADDRESS",
                        help="grade on the workers of this Dask scheduler, e.g. "
                             "tcp://10.0.0.5:8786 (autograder/cluster.py); --jobs is then "
                             "ignored. Default: grade on this machine")
    parser.add_argument("--secret-file", type=Path, metavar="PATH",
                        help="a file outside the repository holding the grading secret: the "
                             "hidden tests then also draw cases from it, the student id and "
                             "the file (autograder/secret.py). Default: the environment "
                             "variable CNN_GRADING_SECRET, else no secret")
    parser.add_argument("--secret", metavar="TEXT",
                        help="the grading secret itself (other users can see it in `ps`: "
                             "prefer --secret-file or CNN_GRADING_SECRET)")
    arguments = parser.parse_args(argv)
    if arguments.jobs < 1:
        parser.error("--jobs must be at least 1")
    if arguments.max_notebook_mb <= 0 or arguments.max_cells < 1:
        parser.error("--max-notebook-mb and --max-cells must be positive")
    return arguments


def main(argv=None):
    arguments = parse_arguments(argv)
    warnings.filterwarnings("ignore", module="nbgrader")  # SQLAlchemy chatter from its API
    # On a cluster the workers sandbox, and each checks it can (autograder/cluster.py).
    problem = None if arguments.unsafe_no_sandbox or arguments.scheduler else bubblewrap_problem()
    if problem:
        print(f"error: refusing to grade without a sandbox: {problem} "
              "(or pass --unsafe-no-sandbox for notebooks you trust)", file=sys.stderr)
        return 2
    try:
        secret = read_secret(arguments.secret, arguments.secret_file, repository=COURSE_ROOT)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if secret is None:
        print(NO_SECRET, file=sys.stderr)
    elif arguments.unsafe_no_sandbox and arguments.secret_file:
        print("warning: with --unsafe-no-sandbox, a submission's code can read "
              f"{arguments.secret_file}", file=sys.stderr)
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
        return run(arguments, output, secret)


def run(arguments, output, secret=None):
    """Grade the submissions into `output` (the caller holds its lock), with the grading
    `secret` (autograder/secret.py) or without one."""
    started = time.perf_counter()
    limits = Limits(cell_timeout=arguments.cell_timeout,
                    notebook_timeout=arguments.notebook_timeout,
                    memory_bytes=int(arguments.memory_limit * 2**30))
    caps = Caps(notebook_bytes=int(arguments.max_notebook_mb * MB), cells=arguments.max_cells)
    lessons = lesson_ids()
    scratch = Path(tempfile.mkdtemp(prefix="grading-", dir=output))
    try:
        folder, rejections = unpack(arguments.submissions, scratch, caps)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        _remove(scratch)
        return 2
    submissions, refused = collect(folder, lessons) if folder else ([], [])
    submissions, over = _within_caps(submissions, caps)
    rejections += [_shown(rejection, folder, arguments.submissions, scratch)
                   for rejection in refused + over]
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
    fingerprints = {lesson: tests_fingerprint(lesson) + fingerprint_tag(secret)
                    for lesson in {s.lesson for s in submissions}}
    versions = graded_versions(gradebook)
    to_grade = [s for s in submissions if arguments.force
                or not store.is_current(s, fingerprints[s.lesson], versions)]
    counts = {"graded": 0, "unchanged": len(submissions) - len(to_grade), "errors": 0}
    tasks = [Task(s.student, s.lesson, str(_kept(s, scratch, output)), s.digest,
                  fingerprints[s.lesson], student_key(secret, s.student, s.digest))
             for s in to_grade]
    tasks.sort(key=_slowest_first)  # no worker left alone with a Keras lesson at the end
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

    refused = None
    try:
        if tasks and arguments.scheduler:
            refused = _grade_on_cluster(arguments, tasks, limits, output, on_result)
        elif tasks:
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
    print(report_after_grading(output))  # reads the autograded notebooks; never raises
    if refused:
        print(f"error: {refused}\nthe grades finished so far are kept; rerun to grade the rest",
              file=sys.stderr)
        return 4
    return 0


def _slowest_first(task):
    """Sort key: the lessons that take longest to grade first (course_lib.manifest's
    grading_cost), in the order found within a lesson."""
    from course_lib import manifest

    try:
        return -manifest.lesson(task.lesson).grading_cost
    except ValueError:  # a lesson the manifest does not list: last
        return 0


def _grade_on_cluster(arguments, tasks, limits, output, on_result):
    """--scheduler: grade the tasks on a Dask cluster; a refusal's reason, or None."""
    from autograder.cluster import ClusterError, grade_on_cluster

    try:
        stats = grade_on_cluster(tasks, arguments.scheduler, limits, output, on_result,
                                 sandboxed=not arguments.unsafe_no_sandbox)
    except ClusterError as error:
        return str(error)
    except OSError as error:  # the scheduler cannot be reached
        return f"cannot reach the Dask scheduler {arguments.scheduler}: {error}"
    if not arguments.quiet:
        print(f"cluster {arguments.scheduler}: {stats['workers']} workers, {stats['threads']} "
              f"threads; coordinator busy {stats['coordinator_seconds'] / len(tasks) * 1000:.0f}"
              " ms per notebook", file=sys.stderr)
    return None


def _within_caps(submissions, caps):
    """(submissions within the caps, rejections of the others): before any kernel starts."""
    kept, rejected = [], []
    for submission in submissions:
        try:
            check_caps(submission.path, caps)
            kept.append(submission)
        except SubmissionError as error:
            rejected.append(Rejection(submission.path, str(error), submission.student,
                                      submission.lesson))
    return kept, rejected


def _shown(rejection, folder, source, scratch):
    """The rejection with a file unpacked from the zip shown as zip-name/member."""
    if scratch in rejection.path.parents:
        rejection.path = Path(Path(source).name) / rejection.path.relative_to(folder)
    return rejection


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
