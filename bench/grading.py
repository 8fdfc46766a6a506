"""Benchmark: the grading tool at --jobs 2 (sandboxed, and without the sandbox) against stock
sequential `nbgrader autograde`.

Builds a class of --students students (24 by default) spread over the lessons,
each handing in one notebook: correct, blank or partly wrong in turn (the demo
class's ada, ben and cho). Grades it with `python -m autograder.grade --jobs 2
--force` (in bubblewrap), again with `--unsafe-no-sandbox`, and with stock
`nbgrader autograde LESSON --force`, one lesson after the other, in a scratch
course; checks that every score of every test is identical; prints the
wall-clock times, their ratios and the sandbox's cost per notebook, and how
much of the grading time the notebooks' own code cells took (the part no
grader that runs every cell can save, so a ceiling on the ratio).

Course set-up (generate_assignment) is done before either clock starts.

Run it with:  .venv/bin/python bench/grading.py [--students 24] [--lessons 00_setup 01_dense_layers]
This is a benchmark, not a test.

With --scheduler it measures grading on a Dask cluster instead (autograder/cluster.py):
it starts `dask scheduler` and one `dask worker` (one thread) on 127.0.0.1, as the
README's by-hand deployment does, grades the class (--force) twice through
`--scheduler` (the first run includes the workers' start-up, the second is warm),
adds a second worker and does it again; then grades it locally with --jobs 1 and 2
for comparison. It prints notebooks per minute for each, and the coordinator's own
CPU time per notebook: the CPU seconds of a warm --force run minus those of a
rerun that grades nothing, divided by the number of notebooks. With --scheduler
ADDRESS it uses that cluster's workers as they are.
"""

import argparse
import os
import json
import platform
import resource
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


def time_in_cells(output):
    """(seconds in the notebooks' code cells, seconds of grading), summed over a run's results."""
    rows = [json.loads(line) for line in (output / "results.jsonl").read_text().splitlines()
            if line.strip()]
    return (sum(row.get("cell_seconds", 0.0) for row in rows),
            sum(row.get("seconds", 0.0) for row in rows))


def grading_run(folder, output, *options):
    """(wall seconds, CPU seconds of the grading process) of one `autograder.grade` run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "autograder.grade", str(folder), "--output",
                    str(output), "--quiet", *options], cwd=COURSE_ROOT, check=True,
                   capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def start_dask(command, log):
    """A `dask scheduler` or `dask worker` process on the loopback address, logging to `log`."""
    environment = {**os.environ, "PYTHONPATH": str(COURSE_ROOT)}
    return subprocess.Popen([str(Path(sys.executable).with_name("dask")), *command],
                            cwd=COURSE_ROOT, env=environment, stdout=log, stderr=log)


def bench_cluster(arguments, lessons, work):
    """Throughput through --scheduler with one and two workers, and the coordinator's cost."""
    from distributed import Client

    handed_in = build_class(work / "download", lessons, arguments.students)
    for lesson in lessons:  # what the workers (same machine, same cache) would build first
        course_template([lesson])
    count = len(handed_in)
    processes, lines = [], []
    log = open(work / "dask.log", "w", encoding="utf-8")

    def rate(seconds):
        return f"{count / seconds * 60:6.1f} notebooks/min ({seconds:6.1f} s)"

    try:
        if arguments.scheduler == "start":
            scheduler_file = work / "scheduler.json"
            processes.append(start_dask(["scheduler", "--host", "127.0.0.1", "--port", "0",
                                         "--no-dashboard", "--scheduler-file",
                                         str(scheduler_file)], log))
            while not scheduler_file.exists():
                time.sleep(0.2)
            time.sleep(0.5)
            address = json.loads(scheduler_file.read_text())["address"]
            sizes = (1, 2)
        else:
            address, sizes = arguments.scheduler, (None,)
        with Client(address, set_as_default=False) as client:
            for size in sizes:
                if size is not None:
                    processes.append(start_dask(
                        ["worker", address, "--nthreads", "1", "--nworkers", "1", "--host",
                         "127.0.0.1", "--no-dashboard", "--preload", "autograder.cluster"], log))
                    client.wait_for_workers(size, timeout=120)
                workers = len(client.nthreads())
                output = work / f"cluster-{workers}"
                cold, _ = grading_run(work / "download", output, "--scheduler", address,
                                      "--force")
                warm, warm_cpu = grading_run(work / "download", output, "--scheduler",
                                             address, "--force")
                _, idle_cpu = grading_run(work / "download", output, "--scheduler", address)
                lines.append(f"cluster, {workers} worker(s) of 1 thread: first run {rate(cold)}, "
                             f"warm {rate(warm)}; coordinator CPU "
                             f"{(warm_cpu - idle_cpu) / count * 1000:.0f} ms per notebook")
        for jobs in (1, 2):
            seconds, _ = grading_run(work / "download", work / f"local-{jobs}", "--jobs",
                                     str(jobs), "--force")
            lines.append(f"local, --jobs {jobs}:{' ' * 21}{rate(seconds)}")
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=60)
        log.close()
    sent = sum(path.stat().st_size for path in handed_in.values()) / count
    output = work / f"cluster-{workers}"
    back = sum(path.stat().st_size for kind in ("feedback", "autograded")
               for path in (output / kind).rglob("*") if path.is_file()) / count
    differences = []
    for student, lesson in handed_in:
        mine = read_scores(output, lesson, [student])[student]
        theirs = read_scores(work / "local-2", lesson, [student])[student]
        if (mine.score, mine.tests) != (theirs.score, theirs.tests):
            differences.append(f"{student} {lesson}: cluster {mine.tests}, local {theirs.tests}")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores (coordinator, "
          f"scheduler and workers on this machine); {count} submissions over {len(lessons)} "
          f"lessons")
    print("\n".join(lines))
    print(f"payload per notebook: {sent / 1024:.0f} KiB sent, {back / 1024:.0f} KiB back "
          "(feedback page and autograded notebook)")
    if differences:
        print("SCORES DIFFER:\n" + "\n".join(differences))
        return 1
    print(f"all {count} scores identical to the local run, test by test")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--students", type=int, default=24)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--lessons", nargs="*", default=None, help="default: every lesson")
    parser.add_argument("--scheduler", nargs="?", const="start", default=None,
                        metavar="ADDRESS", help="measure grading on a Dask cluster: one it "
                        "starts here (1 then 2 workers), or the one at ADDRESS")
    arguments = parser.parse_args()
    lessons = arguments.lessons or lesson_ids()
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if arguments.scheduler:
        with tempfile.TemporaryDirectory(prefix="bench-cluster-") as work:
            return bench_cluster(arguments, lessons, Path(work))
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
        cell_seconds, worker_seconds = time_in_cells(work / "ours")
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores; "
          f"{len(handed_in)} submissions over {len(lessons)} lessons")
    print(f"stock nbgrader autograde, sequential: {stock_seconds:7.1f} s")
    print(f"autograder.grade --jobs {arguments.jobs}, sandboxed:  {ours_seconds:7.1f} s "
          f"({stock_seconds / ours_seconds:.2f}x)")
    print(f"autograder.grade --jobs {arguments.jobs}, no sandbox: {unsafe_seconds:7.1f} s "
          f"({stock_seconds / unsafe_seconds:.2f}x)")
    print(f"sandbox cost: {(ours_seconds - unsafe_seconds) * arguments.jobs / len(handed_in):+.2f} "
          "s of a worker per notebook")
    floor = cell_seconds / arguments.jobs
    print(f"of the sandboxed run's {worker_seconds:.1f} s of grading (summed over notebooks), "
          f"{cell_seconds:.1f} s ({cell_seconds / worker_seconds:.0%}) ran the notebooks' own "
          f"code cells; spread perfectly over {arguments.jobs} workers that alone is "
          f"{floor:.1f} s, i.e. at most {stock_seconds / floor:.2f}x stock for any grader "
          "that runs every cell")
    if differences:
        print("SCORES DIFFER:\n" + "\n".join(differences))
        return 1
    print(f"all {len(handed_in)} scores identical, test by test")
    return 0


if __name__ == "__main__":
    sys.exit(main())
