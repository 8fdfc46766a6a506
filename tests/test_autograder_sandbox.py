"""The sandbox itself, and the bookkeeping around it, on lesson 00 (the quickest to grade).

- the kernel really runs in bubblewrap: another user, no network, a private
  $HOME and /tmp, a read-only pristine course_lib, no grader files;
- without bubblewrap the tool refuses to grade (unless --unsafe-no-sandbox);
- two runs on one output folder cannot interleave;
- a changed test regrades everyone without --force; manual scores survive;
- a grading worker that dies is one row, never a stopped batch.
"""

import csv
import fcntl
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import pytest

from autograder import grade, template
from autograder.course import COURSE_ROOT, LESSONS, SOLUTIONS
from autograder.engine import Limits
from autograder.runner import Task, grade_all
from autograder.sandbox import Sandbox, bubblewrap_problem

LESSON = "00_setup"
SOLUTION = SOLUTIONS / LESSON / f"{LESSON}.ipynb"
RELEASE = LESSONS / LESSON / f"{LESSON}.ipynb"

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("autograder_sandbox")]


def run_grader(folder, output, *options, env=None):
    return subprocess.run(
        [sys.executable, "-m", "autograder.grade", str(folder), "--output", str(output),
         "--jobs", "2", *options], cwd=COURSE_ROOT, capture_output=True, text=True,
        timeout=600, env=env)


def class_folder(tmp_path, students):
    folder = tmp_path / "download"
    folder.mkdir()
    for student, source in students.items():
        (folder / f"{student}_{LESSON}.ipynb").write_bytes(source.read_bytes())
    return folder


def test_kernel_runs_inside_bubblewrap(tmp_path):
    """What the sandboxed kernel's Python sees: its own user, nothing of the grader's."""
    assert bubblewrap_problem() is None, bubblewrap_problem()
    probe = ("import os, socket, course_lib, json\n"
             "try:\n    socket.create_connection(('127.0.0.1', 22), timeout=2); net = 'open'\n"
             "except OSError as error:\n    net = type(error).__name__\n"
             "try:\n    open(course_lib.__file__, 'a'); lib = 'writable'\n"
             "except OSError:\n    lib = 'read-only'\n"
             f"print(json.dumps(dict(uid=os.getuid(), home=os.path.expanduser('~'), net=net, "
             f"lib=lib, course_lib=course_lib.__file__, "
             f"repo=os.path.exists({str(COURSE_ROOT / 'solutions')!r}), "
             f"tmp=os.listdir('/tmp'), home_files=os.listdir(os.path.expanduser('~')), "
             f"processes=sorted(int(p) for p in os.listdir('/proc') if p.isdigit()))))\n")
    sandbox = Sandbox(template.sandbox_library(), memory_bytes=2**31)
    try:
        command = sandbox.kernel_command("unused.json")
        command = command[:command.index("--") + 1] + [sys.executable, "-c", probe]
        seen = json.loads(subprocess.run(command, capture_output=True, text=True,
                                         timeout=120, check=True).stdout)
    finally:
        sandbox.close()
    assert seen["uid"] == 1000 and seen["home"] == "/home/student"
    assert seen["net"] != "open" and seen["lib"] == "read-only" and not seen["repo"]
    assert seen["course_lib"].startswith("/opt/cnn/lib/")
    # only its own socket folder, and the way to the Python environment if it lives in /tmp
    environment = {Path(path).resolve().relative_to("/tmp").parts[0]
                   for path in (sys.prefix, sys.base_prefix)
                   if Path(path).resolve().is_relative_to("/tmp")}
    assert set(seen["tmp"]) == {sandbox.root.name} | environment
    assert seen["home_files"] == [] and len(seen["processes"]) <= 3


def test_refuses_to_grade_without_bubblewrap(tmp_path):
    """No bwrap on PATH: one line saying so, exit 2, nothing graded."""
    folder = class_folder(tmp_path, {"alice": SOLUTION})
    bare = tmp_path / "bin"
    bare.mkdir()
    env = dict(os.environ, PATH=str(bare))
    run = run_grader(folder, tmp_path / "output", env=env)
    assert run.returncode == 2
    assert "refusing to grade without a sandbox" in run.stderr and "bubblewrap" in run.stderr
    assert not (tmp_path / "output" / "grades.csv").exists()


def test_a_second_run_on_the_same_output_is_refused(tmp_path):
    """While a run holds the output folder, another one exits 3 with a clear message."""
    folder = class_folder(tmp_path, {"alice": SOLUTION})
    output = tmp_path / "output"
    output.mkdir()
    with open(output / ".grading.lock", "a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        lock.write("pid 1, started earlier")
        lock.flush()
        run = run_grader(folder, output)
    assert run.returncode == 3
    assert "another grading run is using" in run.stderr and "pid 1" in run.stderr
    assert not (output / "grades.csv").exists()


def test_a_fixed_test_regrades_everyone(tmp_path, monkeypatch):
    """A new fingerprint of the lesson's tests regrades all, without --force."""
    folder = class_folder(tmp_path, {"alice": SOLUTION, "bob": RELEASE})
    output = tmp_path / "output"
    arguments = [str(folder), "--output", str(output), "--jobs", "2", "--quiet"]
    assert grade.main(arguments) == 0
    rows = _rows(output)
    assert {row["student"]: row["score"] for row in rows} == {"alice": "1", "bob": "0"}
    times = len((output / "timings.tsv").read_text().splitlines())
    monkeypatch.setattr(grade, "tests_fingerprint", lambda lesson: "a-fixed-test")
    assert grade.main(arguments) == 0
    assert len((output / "timings.tsv").read_text().splitlines()) == times + 2
    assert grade.main(arguments) == 0
    assert len((output / "timings.tsv").read_text().splitlines()) == times + 2


def test_fingerprint_follows_the_tests_not_the_prose(tmp_path, monkeypatch):
    """Editing a test cell changes a lesson's fingerprint; editing its text does not."""
    copy = tmp_path / "solutions" / LESSON
    copy.mkdir(parents=True)
    notebook = nbformat.read(str(SOLUTION), as_version=4)
    monkeypatch.setattr(template, "SOLUTIONS", tmp_path / "solutions")

    def fingerprint_after(edit):
        changed = nbformat.from_dict(json.loads(json.dumps(notebook)))
        edit(changed)
        nbformat.write(changed, str(copy / f"{LESSON}.ipynb"))
        return template.tests_fingerprint(LESSON)

    original = fingerprint_after(lambda nb: None)
    markdown = next(cell for cell in notebook.cells if cell.cell_type == "markdown")
    test = next(cell for cell in notebook.cells
                if cell.metadata.get("nbgrader", {}).get("points"))
    prose = fingerprint_after(lambda nb: nb.cells.__setitem__(
        notebook.cells.index(markdown), nbformat.v4.new_markdown_cell("new words")))
    fixed = fingerprint_after(lambda nb: setattr(
        nb.cells[notebook.cells.index(test)], "source", test.source + "\nassert True\n"))
    assert prose == original and fixed != original


def test_manual_scores_and_comments_survive_a_regrade(tmp_path):
    """An instructor's manual score and comment stay through a --force regrade."""
    from nbgrader.api import Gradebook

    folder = class_folder(tmp_path, {"alice": RELEASE})
    output = tmp_path / "output"
    assert run_grader(folder, output).returncode == 0
    url = f"sqlite:///{output / 'gradebook.db'}"
    with Gradebook(url) as gradebook:
        grade_cell = gradebook.find_submission_notebook(LESSON, LESSON, "alice").grades[0]
        grade_cell.manual_score = 0.5
        comment = gradebook.find_submission_notebook(LESSON, LESSON, "alice").comments
        if comment:
            comment[0].manual_comment = "see me"
        gradebook.db.commit()
        name = grade_cell.name
    assert run_grader(folder, output, "--force").returncode == 0
    with Gradebook(url) as gradebook:
        notebook = gradebook.find_submission_notebook(LESSON, LESSON, "alice")
        kept = next(cell for cell in notebook.grades if cell.name == name)
        assert kept.manual_score == 0.5 and kept.auto_score == 0 and kept.score == 0.5
        if notebook.comments:
            assert notebook.comments[0].manual_comment == "see me"


def test_a_dying_worker_is_one_row(tmp_path):
    """A worker that dies once is retried; one that always dies is one error row."""
    from tests.grading_faults import crash_on_some

    folder = tmp_path / "in"
    folder.mkdir()
    tasks = []
    for student in ("alice", "crash_once", "crash_always", "bob"):
        path = folder / f"{student}.ipynb"
        path.write_bytes(SOLUTION.read_bytes())
        tasks.append(Task(student, LESSON, str(path), "digest", "fingerprint"))
    results = []
    grade_all(tasks, template.course_template([LESSON]), template.sandbox_library(),
              tmp_path / "work", Limits(), tmp_path / "output", 2, results.append,
              grade=crash_on_some)
    by_student = {result.student: result for result in results}
    assert sorted(by_student) == sorted(task.student for task in tasks) and len(results) == 4
    assert "died" in by_student["crash_always"].error
    for student in ("alice", "crash_once", "bob"):
        assert not by_student[student].error and by_student[student].score == 1, student


def _rows(output):
    with open(output / "grades.csv", newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))
