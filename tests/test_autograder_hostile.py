"""The grading tool, sandboxed, on one hostile batch, checked against stock nbgrader.

One run of `python -m autograder.grade --jobs 2` grades a class of lesson-01
submissions: honest ones first and last (the solution, the blank release, a
wrong answer), between them every attack of tests/hostile_notebooks.py, and
files that are not notebooks at all. $HOME points into the test's folder,
next to canary files. Then:

- every honest submission scores exactly what stock `nbgrader autograde` gives;
- every attacker scores what its real answers deserve, test by test;
- no canary is read or changed, no attack found anything, no process of the
  run is alive afterwards, no feedback file holds hidden test code or a script;
- the batch exits 0.
"""

import csv
import hashlib
import json
import os
import subprocess
import sys
from html.parser import HTMLParser

import pytest

from autograder.course import COURSE_ROOT, LESSONS, SOLUTIONS, autograde
from autograder.feedback import leaks_hidden_code
from autograder.gradebook_merge import lesson_tests
from autograder.template import CACHE, course_copy
from tests import hostile_notebooks as attacks
from tests.variants import build_notebook

LESSON = "01_dense_layers"
RELEASE = LESSONS / LESSON / f"{LESSON}.ipynb"
SOLUTION = SOLUTIONS / LESSON / f"{LESSON}.ipynb"
UNINTERRUPTIBLE = ("while True:\n    try:\n        while True:\n            pass\n"
                   "    except KeyboardInterrupt:\n        pass\n")

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("autograder_hostile")]


def solved(work, name, replace=None):
    """The release with every solution filled in, then `replace` ({grade_id: source}) applied."""
    return build_notebook(RELEASE, SOLUTION, replace or {}, work / f"{name}.json")


def edited(path, edit):
    """Apply edit(notebook) -> notebook to a notebook file in place."""
    return attacks.dump(edit(json.loads(path.read_text(encoding="utf-8"))), path)


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def dense(source):
    return {"dense_forward": source}


def prepend(source):
    return dense(source + "\n" + attacks.NO_BIAS)


def canaries(work):
    """Files no submission may read or change; returns {path: sha256}."""
    home, canary = work / "home", work / "canary"
    (canary / "checkout" / "course_lib" / "layers").mkdir(parents=True)
    home.mkdir()
    files = {home / "secret.txt": "TOP SECRET grader key",
             canary / "secret.txt": "TOP SECRET canary",
             canary / "checkout" / "course_lib" / "layers" / "dense.py": "# pristine\n"}
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    return files


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_class(work, output, folder):
    """{student: notebook} honest and hostile; the honest ones sort first and last."""
    home, canary = work / "home", work / "canary"
    cache_files = str(CACHE / "**" / "*.ipynb")
    outputs = [output / "results.jsonl", output / "grades.csv", output / "gradebook.db"]
    honest = {
        "aa_solution": solved(work, "aa_solution"),
        "aa_blank": RELEASE,
        "aa_no_bias": solved(work, "aa_no_bias", dense(attacks.NO_BIAS)),
        "zz_solution": solved(work, "zz_solution"),
        "zz_no_bias": solved(work, "zz_no_bias", dense(attacks.NO_BIAS)),
        "zz_warns": solved(work, "zz_warns", dense(
            "import sys\nimport warnings\n\n" + attacks.DENSE.format(body=(
                "warnings.warn('a harmless warning', RuntimeWarning)\n"
                "    print('a message on stderr', file=sys.stderr)\n"
                "    return x @ w + b, (x, w, b)")))),
    }
    hostile = {
        "silence_tests": solved(work, "silence_tests", dense(attacks.silence_tests())),
        "guard_names": solved(work, "guard_names", dense(attacks.guard_names())),
        "reference_copy": solved(work, "reference_copy", dense(attacks.reference_copy())),
        "fake_numpy": solved(work, "fake_numpy", dense(attacks.fake_numpy())),
        "startup_file": solved(work, "startup_file", dense(attacks.startup_file(home))),
        "read_secrets": solved(work, "read_secrets", dense(attacks.read_secrets(
            [COURSE_ROOT, output, folder, home, canary, CACHE]))),
        "history_spy": edited(solved(work, "history_spy", dense(attacks.history_spy())),
                              lambda notebook: {**notebook, "cells": notebook["cells"] + [{
                                  "cell_type": "code", "metadata": {}, "id": "report",
                                  "execution_count": None, "outputs": [],
                                  "source": attacks.HISTORY_REPORT}]}),
        "write_anywhere": solved(work, "write_anywhere", dense(attacks.write_anywhere(
            [canary / "secret.txt", canary / "checkout" / "course_lib" / "**" / "*.py",
             home / "secret.txt", folder / "aa_*.ipynb", *outputs],
            [cache_files, str(COURSE_ROOT / "course_lib" / "layers" / "dense.py"),
             "/opt/cnn/lib/course_lib/layers/*.py"]))),
        "background_writer": solved(work, "background_writer", dense(attacks.background_writer(
            [canary / "secret.txt", home / "secret.txt", *outputs]))),
        "attack_processes": solved(work, "attack_processes", dense(attacks.attack_processes())),
        "child_memory": solved(work, "child_memory", dense(attacks.child_memory())),
        "many_processes": solved(work, "many_processes", dense(attacks.many_processes())),
        "script_feedback": edited(solved(work, "script_feedback", dense(attacks.NO_BIAS)),
                                  attacks.script_in_feedback),
        "skip_tags": edited(solved(work, "skip_tags", dense(attacks.NO_BIAS)),
                            attacks.tag_tests_skip),
        "infinite_loop": solved(work, "infinite_loop", prepend("while True:\n    pass")),
        "uninterruptible": solved(work, "uninterruptible", prepend(UNINTERRUPTIBLE)),
        "memory_bomb": solved(work, "memory_bomb", prepend(
            "blocks = []\nwhile True:\n    blocks.append(bytearray(200 * 2**20))")),
        "sys_exit": solved(work, "sys_exit", prepend("import sys\nsys.exit()")),
        "os_exit": solved(work, "os_exit", prepend("import os\nos._exit(1)")),
        "segfault": solved(work, "segfault", prepend("import ctypes\nctypes.string_at(0)")),
        "edited_locked": edited(solved(work, "edited_locked", dense(attacks.NO_BIAS)),
                                lambda notebook: {**notebook, "cells": [
                                    dict(cell, source="pass") if grade_id(cell) ==
                                    "test_dense_forward" else cell for cell in notebook["cells"]]}),
        "deleted_test": edited(solved(work, "deleted_test", {
            "relu_forward": "def relu_forward(x):\n    return np.clip(x, 0, 1), x\n"}),
            lambda notebook: {**notebook, "cells": [
                cell for cell in notebook["cells"] if grade_id(cell) != "test_relu_forward"]}),
        "prints_100mb": solved(work, "prints_100mb", dense(
            "print('x' * 100_000_000)\n" + attacks.DENSE.format(body="return x @ w + b, (x, w, b)"))),
        "writes_100mb": solved(work, "writes_100mb", dense(
            "import os, sys\nfrom ipykernel.iostream import OutStream\n"
            "names = OutStream.write.__code__.co_freevars\n"
            "OutStream.write = OutStream.write.__closure__[names.index('original_write')]"
            ".cell_contents\n"
            "sys.stdout.write('y' * 50_000_000)\nos.write(1, b'z' * 50_000_000)\n"
            + attacks.DENSE.format(body="return x @ w + b, (x, w, b)"))),
    }
    return honest, hostile


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Grade the whole class once in the sandbox, and the honest part with stock nbgrader."""
    work = tmp_path_factory.mktemp("hostile")
    protected = canaries(work)
    output, folder = work / "output", work / "download"
    folder.mkdir()
    honest, hostile = build_class(work, output, folder)
    for student, path in {**honest, **hostile}.items():
        (folder / f"{student}_{LESSON}.ipynb").write_bytes(path.read_bytes())
    (folder / f"truncated_{LESSON}.ipynb").write_bytes(SOLUTION.read_bytes()[:500])
    (folder / f"empty_{LESSON}.ipynb").write_bytes(b"")
    (folder / "homework.ipynb").write_bytes(SOLUTION.read_bytes())
    before = {path: digest(path) for path in [*protected, *folder.glob("aa_*.ipynb"),
                                               *CACHE.glob("*/lessons/**/*.ipynb"),
                                               *(COURSE_ROOT / "course_lib").rglob("*.py")]}
    (work / "tmp").mkdir()  # the run's sandboxes live here, so its processes can be found
    environment = dict(os.environ, HOME=str(work / "home"), TMPDIR=str(work / "tmp"))
    run = subprocess.run(
        [sys.executable, "-m", "autograder.grade", str(folder), "--output", str(output),
         "--jobs", "2", "--cell-timeout", "20", "--notebook-timeout", "180",
         "--memory-limit", "1.5"],
        cwd=COURSE_ROOT, capture_output=True, text=True, timeout=900, env=environment)
    with open(output / "grades.csv", newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    stock = autograde(course_copy(work / "stock", [LESSON]), LESSON, honest)
    return {"run": run, "rows": rows, "output": output, "stock": stock, "before": before,
            "work": work, "hostile": hostile}


def row(batch, student):
    matches = [row for row in batch["rows"] if row["student"] == student]
    assert len(matches) == 1, (student, batch["rows"])
    return matches[0]


def scores_of(batch, student):
    """Autograded tests' scores (a written answer waiting for the instructor is blank)."""
    return {name: float(row(batch, student)[name]) for name in lesson_tests(
        batch["output"] / "gradebook.db")[LESSON] if row(batch, student)[name] != ""}


def stock_scores(batch, student):
    """Autograded tests' scores under stock nbgrader (not the written answer, which waits)."""
    return {name: score for name, (score, _) in batch["stock"][student].tests.items()
            if not name.startswith("written_")}


# Lesson 01 has a written answer: a graded row waits for the instructor to score it.
GRADED = ("graded", "needs manual grading")


def printed(batch, student):
    """Everything the student's cells printed while graded (the instructor's copy)."""
    path = batch["output"] / "autograded" / student / LESSON / f"{LESSON}.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return "".join("".join(output.get("text", "")) for cell in notebook["cells"]
                   for output in cell.get("outputs", []))


def test_the_batch_finishes(batch):
    """The grader exits 0 and writes one row per submission."""
    assert batch["run"].returncode == 0, batch["run"].stdout + batch["run"].stderr
    assert len({row["student"] for row in batch["rows"]}) == len(batch["rows"])


def test_honest_submissions_score_as_stock_nbgrader(batch):
    """Before and after the attackers, every honest submission scores as stock nbgrader."""
    for student in ("aa_solution", "aa_blank", "aa_no_bias", "zz_solution", "zz_no_bias"):
        assert row(batch, student)["status"] in GRADED
        assert scores_of(batch, student) == stock_scores(batch, student), student
    solution = batch["stock"]["aa_solution"]
    assert all(got == maximum for name, (got, maximum) in solution.tests.items()
               if not name.startswith("written_"))
    assert batch["stock"]["aa_blank"].score == 0
    assert stock_scores(batch, "aa_no_bias")["test_dense_forward"] == 0


def test_attackers_score_what_their_answers_deserve(batch):
    """Hooks, transformers, tags, fake numpy, guard names, copies of the reference: no effect."""
    deserved = stock_scores(batch, "aa_no_bias")
    for student in ("silence_tests", "guard_names", "reference_copy", "fake_numpy",
                    "startup_file", "read_secrets", "history_spy", "write_anywhere",
                    "background_writer", "attack_processes", "many_processes",
                    "script_feedback", "skip_tags", "edited_locked"):
        assert row(batch, student)["status"] in GRADED, row(batch, student)
        assert scores_of(batch, student) == deserved, (student, row(batch, student))


def test_attacks_find_nothing_and_change_nothing(batch):
    """No secret, hidden test, gradebook or other kernel is visible; no canary changes."""
    for student in ("read_secrets", "write_anywhere", "attack_processes", "child_memory"):
        assert "LEAK" not in printed(batch, student), (student, printed(batch, student))
    assert "nothing found" in printed(batch, "read_secrets")
    assert "no test code in history" in printed(batch, "history_spy")
    for path, before in batch["before"].items():
        assert digest(path) == before, f"{path} was changed"
    assert not (batch["work"] / "home" / ".ipython").exists()


def test_no_process_outlives_the_run(batch):
    """The detached writer, the children and every sandbox are gone when the run ends."""
    alive = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = open(f"/proc/{pid}/cmdline", "rb").read()
        except OSError:
            continue
        if attacks.MARKER.encode() in command or str(batch["work"]).encode() in command:
            alive.append(command[:120])
    assert alive == []
    assert list((batch["work"] / "tmp").iterdir()) == []  # every sandbox folder removed


def test_limits_stop_runaway_code(batch):
    """Loops, memory (also in child processes) and exits end with a score and a reason."""
    deserved = stock_scores(batch, "aa_no_bias")
    for student in ("infinite_loop", "sys_exit", "memory_bomb"):  # MemoryError, then on
        assert scores_of(batch, student) == deserved, student
    for student, reason in (("child_memory", "memory"),
                            ("os_exit", "died"), ("segfault", "died"),
                            ("uninterruptible", "time limit")):
        assert row(batch, student)["status"] in GRADED, row(batch, student)
        assert float(row(batch, student)["score"]) == 0, student
        assert reason in row(batch, student)["message"], row(batch, student)


def test_deleted_and_edited_tests_are_restored(batch):
    """An edited locked test (`pass`) and a deleted one still run the real tests."""
    assert scores_of(batch, "edited_locked")["test_dense_forward"] == 0
    deleted = scores_of(batch, "deleted_test")
    assert deleted["test_relu_forward"] == 0 and deleted["test_dense_forward"] == 3


def test_stderr_warnings_cost_nothing(batch):
    """A correct answer that writes to stderr keeps full marks; stock nbgrader takes points."""
    assert float(row(batch, "zz_warns")["score"]) == 10
    for student in ("prints_100mb", "writes_100mb"):
        assert scores_of(batch, student) == stock_scores(batch, "aa_solution"), student
        assert (batch["output"] / "autograded" / student / LESSON /
                f"{LESSON}.ipynb").stat().st_size < 5_000_000, student


class ActiveContent(HTMLParser):
    """Collects what a browser would run: script tags, on* handlers, javascript: links, SVG."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "svg", "iframe", "object", "embed"):
            self.found.append(tag)
        for name, value in attrs:
            if name.startswith("on") or "javascript:" in (value or "").lower():
                self.found.append(f"{tag} {name}={value}")


def test_feedback_is_safe(batch):
    """No hidden test code, no script and no event handler in any feedback page."""
    pages = list((batch["output"] / "feedback").rglob("*.html"))
    assert len(pages) >= 20
    for page in pages:
        assert leaks_hidden_code(page, SOLUTION, RELEASE) == [], page
        tags = ActiveContent()
        tags.feed(page.read_text(encoding="utf-8"))
        assert tags.found == [], (page, tags.found)
    no_bias = batch["output"] / "feedback" / "aa_no_bias" / LESSON / f"{LESSON}.html"
    text = no_bias.read_text(encoding="utf-8")
    assert "test_dense_forward failed" in text and "AssertionError" in text


def test_unreadable_files_get_clear_rows(batch):
    """Broken files are error rows, odd names are rejected rows."""
    for student, message in {"truncated": "malformed JSON", "empty": "empty file"}.items():
        assert row(batch, student)["status"] == "error"
        assert message in row(batch, student)["message"]
    rejected = [r["message"] for r in batch["rows"] if r["status"] == "rejected"]
    assert any("not understood" in message for message in rejected)


def test_without_the_sandbox_the_same_attacks_work(tmp_path):
    """The control: --unsafe-no-sandbox lets the attacks above read and write the canaries."""
    protected = canaries(tmp_path)
    home, canary = tmp_path / "home", tmp_path / "canary"
    folder = tmp_path / "download"
    folder.mkdir()
    notebooks = {
        "read_secrets": solved(tmp_path, "read_secrets", dense(attacks.read_secrets([canary, home]))),
        "write_anywhere": solved(tmp_path, "write_anywhere", dense(attacks.write_anywhere(
            [canary / "secret.txt"], []))),
    }
    for student, path in notebooks.items():
        (folder / f"{student}_{LESSON}.ipynb").write_bytes(path.read_bytes())
    output = tmp_path / "output"
    run = subprocess.run(
        [sys.executable, "-m", "autograder.grade", str(folder), "--output", str(output),
         "--jobs", "2", "--unsafe-no-sandbox", "--quiet"],
        cwd=COURSE_ROOT, capture_output=True, text=True, timeout=600,
        env=dict(os.environ, HOME=str(home)))
    assert run.returncode == 0, run.stderr
    batch = {"output": output}
    assert "LEAK" in printed(batch, "read_secrets") and "TOP SECRET" not in printed(
        batch, "write_anywhere")
    assert (canary / "secret.txt").read_text(encoding="utf-8").endswith("HACKED")
    assert digest(home / "secret.txt") == hashlib.sha256(
        protected[home / "secret.txt"].encode()).hexdigest()
