"""The boundary between what a student's kernel answers and what the grader decides.

One sandboxed run of `python -m autograder.grade` grades a small class of lessons
01, 06 and 09: the solutions (first and last) and one notebook for each class of
attack on the boundary (tests/boundary_notebooks.py): an answer object that lies
when compared, 128 bytes announcing 30 million array elements, a function that
writes into the test's own objects, one that reads the test's function, a
"network" that looks the answers up, answers that call the course's reference
around the "your own function" check (seven routes, one exercise each, in two
lesson-01 notebooks and one of lesson 03, whose answer keeps the course's
conv_output_size given during one test to call it in another; and lesson 09's
softmax_cross_entropy, which that lesson's later exercises build on, its saved code
put back), and a table of
answers to the repository's public cases that also searches its sandbox for the
grading secret. The batch is graded with a grading secret (autograder/secret.py). Then:

- every attacker scores what its real work deserves, test by test, and the
  solutions full marks;
- nothing of the test's code reaches the student's kernel (what the reader
  printed) or the feedback;
- the secret is nowhere the kernel can look, nor in any file the run writes, and
  the table of public answers loses the points stock nbgrader gives it;
- the control: stock nbgrader, which runs the tests in the student's kernel,
  gives the same attack notebooks the points they do not deserve (every reference
  route full marks) and lets them read the test's code.
"""

import csv
import json
import os
import re
import subprocess
import sys

import pytest

from autograder.course import COURSE_ROOT, LESSONS, SOLUTIONS, autograde
from autograder.template import course_copy
from autograder.feedback import leaks_hidden_code
from autograder.secret import NO_SECRET, student_key
from tests import boundary_notebooks as attacks
from tests.variants import build_notebook

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("autograder_boundary")]

# student: (lesson, {solution cell: source}, the tests its real work fails)
ATTACKS = {
    "always_equal": ("01_dense_layers", {"mlp_param_count": attacks.ALWAYS_EQUAL},
                     {"test_mlp_param_count"}),
    "zero_size_dtype": ("01_dense_layers", {"relu_forward": attacks.ZERO_SIZE_DTYPE},
                        {"test_relu_forward"}),
    "writes_into_dout": ("06_backprop_gradcheck",
                         {"numerical_gradient": attacks.WRITES_INTO_DOUT},
                         {"test_numerical_gradient"}),
    "reads_test_code": ("06_backprop_gradcheck",
                        {"numerical_gradient": attacks.READS_TEST_CODE,
                         "relative_error": None}, set()),
    "lookup_network": ("09_sgd_optimizers", {"capstone": attacks.LOOKUP_NETWORK},
                       {"test_capstone"}),
    "reference_saved_or_copied": ("01_dense_layers", {
        "dense_forward": attacks.SAVED_CODE_PUT_BACK,
        "relu_forward": attacks.FRESH_IMPORT_AFTER_EDITING_SYS_MODULES,
        "softmax": attacks.SOURCE_COMPILED_AFRESH,
        "mlp_param_count": attacks.FILE_READ_AND_EXECUTED},
        {"test_dense_forward", "test_relu_forward", "test_softmax", "test_mlp_param_count"}),
    "reference_check_patched": ("01_dense_layers", {
        "dense_forward": attacks.RELOADED, "relu_forward": attacks.NO_OP_REFERENCE_DISABLED,
        "softmax": attacks.WRAPPED_IMPORT, "mlp_param_count": attacks.HONEST_AFTER_WRAPPED_IMPORT},
        {"test_dense_forward", "test_relu_forward", "test_softmax"}),
    # The loss is the course's, reached before grading: the capstone and the tiny network,
    # trained in the kernel with the notebook's own loss, do not train either; the network
    # gradient check, given the course's loss by its test, keeps its points.
    "loss_saved_code_put_back": ("09_sgd_optimizers", {
        "softmax_cross_entropy": attacks.LOSS_SAVED_CODE_PUT_BACK},
        {"test_softmax_cross_entropy", "test_capstone", "test_overfit_tiny"}),
    "stand_in_kept": ("03_stride_padding_shapes", {
        "conv_output_shape": attacks.STAND_IN_KEPT,
        "pool_output_shape": attacks.STAND_IN_CALLED_OUTSIDE_ITS_TEST},
        {"test_pool_output_shape"}),
}
REFERENCE_ROUTES = ("reference_saved_or_copied", "reference_check_patched", "stand_in_kept",
                    "loss_saved_code_put_back")
# The batch's grading secret; LOOKUP_PUBLIC_CASES searches for it (spelled in two halves).
SECRET = "cnn-boundary-grading-secret-5be0c1d8a3f94e27"
# What the hidden test's own function says, which the reader must never see.
HIDDEN_SOURCE = "h=step)"  # in the hidden test only (course_lib.checks has the same lambdas)


def solution_source(lesson, grade_id):
    notebook = json.loads((SOLUTIONS / lesson / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    return "".join(next(cell["source"] for cell in notebook["cells"] if cell.get(
        "metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id))


def notebook_for(work, student, lesson, replace):
    """The solved notebook with `replace`; a None source: the solution's, then the reader's report."""
    replace = {grade_id: source if source is not None else
               solution_source(lesson, grade_id) + "\n" + attacks.SHOW_WHAT_WAS_SEEN
               for grade_id, source in replace.items()}
    return build_notebook(LESSONS / lesson / f"{lesson}.ipynb",
                          SOLUTIONS / lesson / f"{lesson}.ipynb", replace,
                          work / f"{student}.json")


ATTACKS["lookup_public_cases"] = ("01_dense_layers", {
    "dense_forward": attacks.LOOKUP_PUBLIC_CASES,
    "relu_forward": solution_source("01_dense_layers", "relu_forward")
    + attacks.SHOW_SECRET_SEARCH}, {"test_dense_forward"})


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    work = tmp_path_factory.mktemp("boundary")
    folder, output = work / "download", work / "output"
    folder.mkdir()
    notebooks = {}
    for lesson in ("01_dense_layers", "06_backprop_gradcheck", "09_sgd_optimizers"):
        for student in ("aa_solution", "zz_solution"):
            notebooks[(student, lesson)] = notebook_for(work, f"{student}_{lesson}", lesson, {})
    for student, (lesson, replace, _) in ATTACKS.items():
        notebooks[(student, lesson)] = notebook_for(work, student, lesson, replace)
    for (student, lesson), path in notebooks.items():
        (folder / f"{student}_{lesson}.ipynb").write_bytes(path.read_bytes())
    secret_file = work / "grading-secret.txt"  # outside the repository
    secret_file.write_text(SECRET, encoding="utf-8")
    run = subprocess.run(
        [sys.executable, "-m", "autograder.grade", str(folder), "--output", str(output),
         "--jobs", "2", "--cell-timeout", "60", "--notebook-timeout", "300",
         "--memory-limit", "3", "--quiet", "--secret-file", str(secret_file)],
        cwd=COURSE_ROOT, capture_output=True, text=True, timeout=900,
        env=dict(os.environ, HOME=str(work)))
    with open(output / "grades.csv", newline="", encoding="utf-8") as stream:
        rows = {(row["student"], row["lesson"]): row for row in csv.DictReader(stream)}
    stock_lessons = sorted({lesson for lesson, _, _ in ATTACKS.values()})
    course = course_copy(work / "stock", stock_lessons)
    stock = {}
    for lesson in stock_lessons:
        stock.update({(student, lesson): score for student, score in autograde(
            course, lesson, {student: notebooks[(student, lesson)]
                             for student, (of, _, _) in ATTACKS.items() if of == lesson}
        ).items()})
    return {"run": run, "rows": rows, "output": output, "stock": stock, "course": course,
            "work": work}


def scores(batch, student, lesson):
    row = batch["rows"][(student, lesson)]
    assert row["status"] in ("graded", "needs manual grading"), row
    return {name: float(value) for name, value in row.items()
            if name.startswith("test_") and value not in ("", None)}


def maxima(batch, lesson):
    """{test: points} of the lesson's graded tests, from the solution's metadata."""
    notebook = json.loads((SOLUTIONS / lesson / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    return {cell["metadata"]["nbgrader"]["grade_id"]: float(cell["metadata"]["nbgrader"]["points"])
            for cell in notebook["cells"] if cell["cell_type"] == "code"
            and cell.get("metadata", {}).get("nbgrader", {}).get("grade")
            and cell["metadata"]["nbgrader"]["grade_id"].startswith("test_")}


def printed(folder, student, lesson):
    """What the notebook's cells printed while graded (the autograded copy's outputs)."""
    path = folder / "autograded" / student / lesson / f"{lesson}.ipynb"
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return "".join("".join(output.get("text", "")) + output.get("evalue", "")
                   for cell in notebook["cells"] for output in cell.get("outputs", []))


def test_the_batch_finishes_and_solutions_keep_full_marks(batch):
    assert batch["run"].returncode == 0, batch["run"].stdout + batch["run"].stderr
    for lesson in ("01_dense_layers", "06_backprop_gradcheck", "09_sgd_optimizers"):
        first, last = scores(batch, "aa_solution", lesson), scores(batch, "zz_solution", lesson)
        assert first == last == maxima(batch, lesson), (lesson, first)


def test_attackers_score_what_their_work_deserves(batch):
    """Each attack loses exactly the tests its real work fails, and keeps the others."""
    for student, (lesson, _, fails) in ATTACKS.items():
        deserved = {name: 0.0 if name in fails else points
                    for name, points in maxima(batch, lesson).items()}
        assert scores(batch, student, lesson) == deserved, (student, batch["rows"][
            (student, lesson)])


def test_no_test_code_reaches_the_kernel_or_the_feedback(batch):
    """The reader printed what it saw of the test's function: nothing of the test."""
    text = printed(batch["output"], "reads_test_code", "06_backprop_gradcheck")
    assert "SEEN: " in text and "SEEN: 0 calls" not in text, text[-2000:]
    assert HIDDEN_SOURCE not in text and "test_rng" not in text
    page = (batch["output"] / "feedback" / "reads_test_code" / "06_backprop_gradcheck" /
            "06_backprop_gradcheck.html")
    lesson = "06_backprop_gradcheck"
    assert leaks_hidden_code(page, SOLUTIONS / lesson / f"{lesson}.ipynb",
                             LESSONS / lesson / f"{lesson}.ipynb") == []


def test_control_stock_nbgrader_is_fooled_by_the_same_notebooks(batch):
    """Run in the student's kernel, the tests give the liars points and show their code."""
    for student in ("always_equal", "writes_into_dout", "lookup_network", *REFERENCE_ROUTES):
        lesson, _, fails = ATTACKS[student]
        tests = batch["stock"][(student, lesson)].tests
        assert all(tests[name][0] == tests[name][1] > 0 for name in fails), (student, tests)
    stock_text = printed(batch["course"], "reads_test_code", "06_backprop_gradcheck")
    assert HIDDEN_SOURCE in stock_text


def test_the_secret_defeats_a_table_of_public_answers_and_stays_out_of_reach(batch):
    """Stock nbgrader (the public cases only) gives the table full marks; graded with the
    secret it loses them (test_attackers_score_what_their_work_deserves). While the hidden
    test called it, it searched its sandbox (environment, every process's environment and
    command line, every file outside the system's and Python's) and found no secret; no
    file of the run holds the secret or a submission's key."""
    stock = batch["stock"][("lookup_public_cases", "01_dense_layers")].tests
    assert stock["test_dense_forward"][0] == stock["test_dense_forward"][1] > 0, stock
    text = printed(batch["output"], "lookup_public_cases", "01_dense_layers")
    search = re.search(r"SECRET SEARCH: \[\((\d+), \[(.*?)\]\)\]", text)
    assert search and int(search[1]) > 20 and search[2] == "", text[-2000:]
    assert NO_SECRET not in batch["run"].stderr
    with open(batch["output"] / "results.jsonl", encoding="utf-8") as stream:
        rows = [json.loads(line) for line in stream]
    secrets = {SECRET.encode()} | {student_key(SECRET, row["student"], row["digest"]).encode()
                                   for row in rows}
    assert len(secrets) == len(rows) + 1
    for path in batch["output"].rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert not any(secret in data for secret in secrets), path
