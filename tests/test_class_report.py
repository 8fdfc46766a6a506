"""The class report (`python -m autograder.report OUTPUT`): its numbers against a grades.csv
built by hand, and its page opened in a headless Chromium (browser test)."""

import json
import os
from pathlib import Path

import pytest

from autograder.class_report import class_numbers
from autograder.export_grades import parse_due
from autograder.report import main
from tests.test_export_lms import DENSE, SETUP, write_output

ROWS = [  # student, lesson, score, max, status, message, file, late, submitted_at, tests
    ["ann", DENSE, "10", "10", "graded", "", "a", "no", "", "8", "2"],
    ["ben", DENSE, "8", "10", "graded", "", "b", "yes", "", "8", "0"],
    ["cat", DENSE, "4", "10", "needs manual grading", "", "c", "no",
     "2026-03-02T10:00:00+00:00", "4", ""],
    ["dan", DENSE, "0", "10", "error", "empty file", "d", "no", "", "", ""],
    ["eve", SETUP, "1", "1", "graded", "", "e", "no", "", "", ""],
]
RESULTS = [("ann", DENSE, {"test_dense_forward": [8, 8], "written_gap": [2, 2]}),
           ("ben", DENSE, {"test_dense_forward": [8, 8], "written_gap": [0, 2]}),
           ("cat", DENSE, {"test_dense_forward": [4, 8], "written_gap": [0, 2]}),
           ("eve", SETUP, {"test_setup": [1, 1]})]


def autograded(output, student, lesson, grade_id, error):
    """An autograded notebook whose graded cell `grade_id` raised `error` (ename, evalue)."""
    path = output / "autograded" / student / lesson / f"{lesson}.ipynb"
    path.parent.mkdir(parents=True, exist_ok=True)
    cell = {"cell_type": "code", "source": "", "metadata": {"nbgrader": {
        "grade": True, "grade_id": grade_id, "points": 8}},
        "outputs": [{"output_type": "error", "ename": error[0], "evalue": error[1],
                     "traceback": []}]}
    path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4,
                                "nbformat_minor": 5}), encoding="utf-8")


@pytest.fixture
def output(tmp_path):
    folder = write_output(tmp_path / "out", ROWS, RESULTS)
    autograded(folder, "cat", DENSE, "test_dense_forward",
               ("AssertionError", "dense_forward: wrong output shape"))
    return folder


def test_numbers_match_grades_csv(output):
    """Mean and median over every submission (an error counts 0); pass rates over the graded
    ones only; pending written answers left out; failure messages from autograded/; late
    from grades.csv and --due; missing: a student known to the run without the lesson."""
    due = parse_due([f"{DENSE}=2026-03-01T23:59"], [SETUP, DENSE])
    lessons = class_numbers(output, due, students=["fay"])
    dense = lessons[DENSE]
    assert dense["scores"] == [10, 8, 4, 0] and dense["mean"] == 5.5 and dense["median"] == 6
    assert (dense["submissions"], dense["graded"], dense["errors"],
            dense["pending"]) == (4, 2, 1, 1)
    forward, written = dense["tests"]["test_dense_forward"], dense["tests"]["written_gap"]
    assert (forward["passed"], forward["graded"]) == (2, 3)
    assert forward["failures"] == [("AssertionError: dense_forward: wrong output shape", 1)]
    assert (written["passed"], written["graded"]) == (1, 2)  # cat's is still to be graded
    assert list(dense["tests"]) == ["test_dense_forward", "written_gap"]  # notebook order
    assert dense["late"] == ["ben", "cat"]
    assert dense["missing"] == ["eve", "fay"] and lessons[SETUP]["missing"] == [
        "ann", "ben", "cat", "dan", "fay"]


def test_command_writes_a_page_without_scripts(output, capsys):
    assert main([str(output)]) == 0
    printed = capsys.readouterr().out
    assert "01_dense_layers: 4 submissions, mean 5.50, median 6 / 10" in printed
    page = (output / "class-report.html").read_text(encoding="utf-8")
    assert "<script" not in page.lower() and page.count('src="data:image/png;base64,') == 4
    assert "1× AssertionError: dense_forward: wrong output shape" in page
    assert main([str(output.parent / "nowhere")]) == 2


@pytest.mark.browser
@pytest.mark.slow
def test_report_page_in_chromium(output):
    """Every figure of the page decodes and shows in a real browser."""
    chromium = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        pytest.skip(f"no Chromium at {chromium} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    assert main([str(output)]) == 0
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            page = browser.new_page()
            page.goto((output / "class-report.html").as_uri())
            widths = page.eval_on_selector_all("img", "images => images.map(i => i.naturalWidth)")
            assert len(widths) == 4 and all(width > 100 for width in widths), widths
            assert page.locator("h2").all_inner_texts() == [SETUP, DENSE]
        finally:
            browser.close()


def test_tests_in_notebook_order(tmp_path):
    """results.jsonl lists tests alphabetically; the report and the comments follow the
    lesson's notebook."""
    from autograder.export_feedback import comment_text, read_results

    order = ["test_dense_forward", "test_relu_forward", "test_softmax", "test_mlp_param_count"]
    tests = {name: [1, 1] for name in sorted(order)}
    output = write_output(tmp_path / "out", [["ann", DENSE, "4", "4", "graded", "", "a", "no", "",
                                              "", ""]], [("ann", DENSE, tests)])
    assert list(class_numbers(output)[DENSE]["tests"]) == order
    text = comment_text(read_grades_row(output), "Dense", read_results(output))
    assert [line.split(":")[0][2:] for line in text.splitlines() if line.startswith("- ")] == order


def read_grades_row(output):
    from autograder.export_grades import read_grades

    return read_grades(output)[("ann", DENSE)]
