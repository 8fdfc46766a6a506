"""Grade one Gradescope submission: `python -m autograder.gradescope SUBMISSION_DIR RESULTS LESSON`.

`python -m autograder.export gradescope LESSON DIR` writes a bundle that Gradescope builds
into its autograder image (setup.sh) and runs once per submission (run_autograder, which
calls this module). The notebook in SUBMISSION_DIR is graded by
autograder.grade.grade_notebook, the course's own grading (the kernel in bubblewrap where
Gradescope's container allows it, else in the container, which is then the sandbox; the
tests always run outside the student's kernel), and RESULTS gets Gradescope's results.json: the total, and one test per graded
cell with its points. A test's name and output come from the student version only (the
cell's grade_id and the first line of its docstring; "passed" or "did not pass"): no
hidden-test code, traceback or message from a hidden assert is ever written.

With a grading secret (`export gradescope LESSON DIR --secret-file PATH` puts it in the
bundle as SECRET_NAME), the hidden tests also draw cases from it, the submitter's Gradescope
id (submission_metadata.json) and the file (autograder/secret.py). The file is read and
deleted before the student's kernel starts: each submission runs in a fresh container, and
where Gradescope's container gives no bubblewrap the kernel could otherwise read it. Only
the submission's key is kept.

Gradescope grades as root in a container without user namespaces, so bubblewrap cannot
run there: run_autograder then passes `--kernel-user cnn-student` (a user setup.sh makes),
and the student's kernel runs as that user (autograder/kernel_user.py). run_autograder
first makes /autograder/source (solutions, grading code, scratch course) and the
submission's metadata readable by root only and results/ writable by root only; every
process of the user is killed, and checked gone, before results.json is written.
AUTOGRADER_ROOT (default /autograder) moves the whole tree, for the tests.

Gradescope's specification: https://gradescope-autograders.readthedocs.io/en/latest/specs/
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

from autograder.kernel_user import KERNEL_USER


MEMORY_NOTE = {"10_keras_mlp_cnn": "2 GB", "11_transfer_learning": "2 GB"}
SECRET_NAME = "grading_secret"  # in the bundle, i.e. /autograder/source/grading_secret


def setup_script(lesson=None):
    """setup.sh: runs once as root when Gradescope builds the image (in /autograder/source).

    Gradescope's newest base image is Ubuntu 22.04, whose Python is 3.10; the lock needs
    3.11+, so Python 3.11 comes from the deadsnakes archive. Every step shows its errors
    (`set -x`, nothing sent to /dev/null), and the scratch course of `lesson` is built
    here, once, instead of for every submission.
    """
    build = "" if lesson is None else f"""
# The scratch course (config, releases, gradebook) and the kernel's library (course_lib
# without the lesson's references), once, in the image: not per submission.
PATH=/autograder/venv/bin:$PATH PYTHONPATH=/autograder/source \\
  /autograder/venv/bin/python -c \\
  "from autograder.template import course_template as c, sandbox_library as s; from autograder.references import lesson_library as l; print(c(['{lesson}']), l(s(), '{lesson}'))"
"""
    memory = MEMORY_NOTE.get(lesson)
    note = "" if memory is None else f"""
echo "setup.sh: {lesson} trains Keras models: give the autograder at least {memory} of memory" \\
  "(Autograder Settings; Gradescope's default is 768 MB)"
"""
    return f"""#!/usr/bin/env bash
# Gradescope image build (choose the Ubuntu 22.04 base image): Python 3.11, the course's
# runtime lock in a venv, course_lib, then the lesson's scratch course.
set -euxo pipefail
cd /autograder/source
export DEBIAN_FRONTEND=noninteractive
apt-get update
if ! command -v python3.11 >/dev/null; then
  apt-get install -y software-properties-common
  add-apt-repository -y ppa:deadsnakes/ppa
  apt-get update
  apt-get install -y python3.11 python3.11-venv
fi
python3.11 -c 'import sys; assert sys.version_info >= (3, 11), sys.version'
# bubblewrap only helps where the container allows user namespaces (Gradescope's does not).
apt-get install -y bubblewrap
# Without them, the student's kernel runs as this user, with no password, home or group.
getent passwd {KERNEL_USER} || useradd --system --user-group --no-create-home \\
  --shell /usr/sbin/nologin {KERNEL_USER}
python3.11 -m venv /autograder/venv
/autograder/venv/bin/pip install --no-cache-dir -r binder/requirements.txt
/autograder/venv/bin/pip install --no-cache-dir --no-deps .
chmod -R a+rX /autograder/venv  # the kernel's user runs its Python
{build}{note}chmod 700 /autograder/source  # solutions, grading code, scratch course: root only
"""


def run_autograder_script(lesson, secret=False):
    """run_autograder: Gradescope runs it in /autograder for every submission.

    With `secret`, it grades with the bundle's secret file (SECRET_NAME)."""
    option = f' \\\n  --secret-file "$ROOT/source/{SECRET_NAME}"' if secret else ""
    return f"""#!/usr/bin/env bash
# Gradescope: grade the notebook in /autograder/submission, write results.json.
set -euo pipefail
ROOT="${{AUTOGRADER_ROOT:-/autograder}}"
# The student's kernel runs as {KERNEL_USER}: nothing of source/ (solutions, grading code),
# the submitters' metadata or results/ is readable or writable by it.
chmod go-w "$ROOT"
chown root:root "$ROOT/source"
chmod 700 "$ROOT/source" "$ROOT/submission"
if [ -e "$ROOT/submission_metadata.json" ]; then chmod 600 "$ROOT/submission_metadata.json"; fi
mkdir -p "$ROOT/results"
chown root:root "$ROOT/results"
chmod 755 "$ROOT/results"
rm -f "$ROOT/results/results.json"
cd "$ROOT/source"
export PYTHONPATH="$ROOT/source" TF_CPP_MIN_LOG_LEVEL=2 COURSE_PROGRESS=off
export PATH="$ROOT/venv/bin:$PATH"
exec "$ROOT/venv/bin/python" -m autograder.gradescope "$ROOT/submission" \\
  "$ROOT/results/results.json" {lesson} --kernel-user {KERNEL_USER}{option}
"""


def find_notebook(submission_dir, lesson):
    """The submitted notebook: `<lesson>.ipynb` (also Colab's "Copy of ..."), else the only one."""
    from autograder.submissions import SubmissionError

    notebooks = sorted(path for path in Path(submission_dir).rglob("*.ipynb")
                       if ".ipynb_checkpoints" not in path.parts)
    named = [path for path in notebooks if lesson in path.name]
    if named:
        return named[0]
    if len(notebooks) == 1:
        return notebooks[0]
    raise SubmissionError(f"expected one notebook, {lesson}.ipynb; found "
                          f"{', '.join(path.name for path in notebooks) or 'none'}")


def test_names(release_path):
    """{grade_id: 'grade_id: first docstring line'} of the release's graded test cells."""
    import ast

    import nbformat

    from autograder.preprocessors import is_graded_test

    names = {}
    for cell in nbformat.read(str(release_path), as_version=4).cells:
        if not is_graded_test(cell):
            continue
        grade_id = cell.metadata.nbgrader["grade_id"]
        try:
            docstring = ast.get_docstring(ast.parse(cell.source)) or ""
        except SyntaxError:
            docstring = ""
        first = docstring.strip().splitlines()[0] if docstring.strip() else ""
        names[grade_id] = f"{grade_id}: {first}" if first else grade_id
    return names


def _notebook_order(release_path):
    """The grade_ids of the release's graded cells, top to bottom."""
    import nbformat

    return [cell.metadata.nbgrader["grade_id"]
            for cell in nbformat.read(str(release_path), as_version=4).cells
            if cell.metadata.get("nbgrader", {}).get("grade")]


def hidden_lines(solution_path):
    """The stripped lines of the hidden test regions of an instructor notebook."""
    import nbformat

    from autograder.feedback import HIDDEN_MARKERS

    lines = set()
    for cell in nbformat.read(str(solution_path), as_version=4).cells:
        if HIDDEN_MARKERS[0] in cell.source:
            hidden = cell.source.split(HIDDEN_MARKERS[0], 1)[1].split(HIDDEN_MARKERS[1], 1)[0]
            lines |= {line.strip() for line in hidden.splitlines()[1:] if len(line.strip()) > 8}
    return lines


def safe_message(message, solution_path):
    """`message`, unless it quotes hidden test code (then a generic sentence)."""
    if any(line in message for line in hidden_lines(solution_path)):
        return "an error stopped grading; ask your instructor"
    return message


def written_answers(release_path):
    """{grade_id: points} of the release's written answers (markdown cells graded by hand)."""
    import nbformat

    found = {}
    for cell in nbformat.read(str(release_path), as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "markdown" and meta.get("grade"):
            found[meta["grade_id"]] = float(meta.get("points", 0))
    return found


def results(scores, names, seconds, output="", written=None):
    """Gradescope's results.json as a dict, one test per graded cell, in the notebook's order
    (`names`' order). A written answer (`written`: {grade_id: points}) is listed as pending
    manual grading, out of 0 here: its points are for a manually graded question."""
    written = written or {}
    tests = []
    order = [name for name in names if name in scores] + sorted(set(scores) - set(names))
    for number, grade_id in enumerate(order, start=1):
        score, max_score = scores[grade_id]
        if grade_id in written:
            tests.append({"name": f"{names.get(grade_id, grade_id)} (written answer)",
                          "number": str(number), "score": 0.0, "max_score": 0.0,
                          "output": f"pending: your instructor grades this written answer by "
                                    f"hand ({written[grade_id]:g} points)",
                          "visibility": "visible"})
            continue
        passed = max_score and abs(score - max_score) < 1e-9
        tests.append({"name": names.get(grade_id, grade_id), "number": str(number),
                      "score": float(score), "max_score": float(max_score),
                      "output": "passed" if passed else
                      "did not pass: run the notebook's visible checks for a hint",
                      "visibility": "visible"})
    return {"score": float(sum(test["score"] for test in tests)),
            "execution_time": round(seconds), "output": output, "visibility": "visible",
            "stdout_visibility": "hidden", "tests": tests}


def main(argv=None):
    from autograder.course import LESSONS, SOLUTIONS, notebook_name
    from autograder.grade import grade_notebook
    from autograder.gradebook_merge import lesson_tests
    from autograder.secret import NO_SECRET, gradescope_student, read_secret
    from autograder.submissions import SubmissionError
    from autograder.template import course_template

    parser = argparse.ArgumentParser(prog="python -m autograder.gradescope")
    parser.add_argument("submission_dir")
    parser.add_argument("results_path")
    parser.add_argument("lesson")
    parser.add_argument("--secret-file", type=Path)
    parser.add_argument("--kernel-user", metavar="NAME",
                        help="where bubblewrap cannot run: run the student's kernel as this "
                        "unprivileged user, and kill its every process before results.json "
                        "is written (needs root; run_autograder passes it)")
    arguments = parser.parse_args(argv if argv is not None else sys.argv[1:])
    submission_dir, results_path, lesson = (arguments.submission_dir, arguments.results_path,
                                            arguments.lesson)
    start = time.perf_counter()
    secret = read_secret(secret_file=arguments.secret_file)
    if arguments.secret_file is not None:
        arguments.secret_file.unlink(missing_ok=True)  # out of the kernel's reach
    if secret is None:
        print(NO_SECRET)
    student = gradescope_student(Path(submission_dir).parent / "submission_metadata.json")
    release = LESSONS / lesson / notebook_name(lesson)
    written = written_answers(release)
    names = test_names(release)
    names.update({grade_id: grade_id for grade_id in written if grade_id not in names})
    names = {cell: names[cell] for cell in _notebook_order(release) if cell in names}
    from autograder.sandbox import bubblewrap_problem

    sandboxed = bubblewrap_problem() is None
    kernel_user = None if sandboxed else _kernel_account(arguments.kernel_user)
    try:
        scores = grade_notebook(find_notebook(submission_dir, lesson), lesson,
                                sandboxed=sandboxed, secret=secret, student=student,
                                kernel_user=kernel_user)
        report = results(scores, names, time.perf_counter() - start, written=written)
    except SubmissionError as error:
        maxima = lesson_tests(course_template([lesson]) / "gradebook.db")[lesson]
        zero = {grade_id: (0.0, maximum) for grade_id, maximum in maxima.items()}
        report = results(zero, names, time.perf_counter() - start,
                         output="Your notebook could not be graded: " + safe_message(
                             str(error), SOLUTIONS / lesson / notebook_name(lesson)),
                         written=written)
    if kernel_user is not None:
        _no_process_left(kernel_user)
    Path(results_path).parent.mkdir(parents=True, exist_ok=True)
    Path(results_path).write_text(json.dumps(report, indent=1), encoding="utf-8")
    print(f"{lesson}: {report['score']:g} / {sum(t['max_score'] for t in report['tests']):g}")
    return 0


def _kernel_account(name):
    """The kernel's user without bubblewrap: `name`, checked; None (with a warning) without."""
    from autograder.kernel_user import account

    if name is None:
        if os.geteuid() == 0:
            print("warning: no bubblewrap and no --kernel-user: the student's kernel runs as "
                  "root and can read the solutions and outlive the grader", file=sys.stderr)
        return None
    if os.geteuid() != 0:
        raise SystemExit(f"--kernel-user {name}: expected to run as root (Gradescope does); "
                         f"running as uid {os.geteuid()}")
    account(name)  # a ValueError saying what is missing
    return name


def _no_process_left(name):
    """Kill every process of the kernel's user; refuse to write a grade if one survives."""
    from autograder.kernel_user import account, kill_all

    survivors = kill_all(account(name)[0])
    if survivors:
        raise SystemExit(f"processes of {name} survived the grader: {survivors}; no "
                         "results.json written")


if __name__ == "__main__":
    sys.exit(main())
