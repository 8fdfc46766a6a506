"""The class at a glance: `python -m autograder.report OUTPUT [--due ...] [--students FILE]`.

Reads a grading output folder (grades.csv; results.jsonl for each test's maximum and the
notebook's order of the tests; autograded/ for the failure messages) and writes
OUTPUT/class-report.html, one self-contained page (figures as PNG data URIs, no script):

- per lesson: submissions, graded, errors, waiting for manual grading, mean and median
  score, and a histogram of the scores (an ungradable file counts 0, as the exports do);
- per test: the share of graded notebooks that got its full points (files that could not be
  graded are left out: they say nothing about the exercise), and its most common failure
  messages (the last line of the error the test raised, from the autograded notebooks);
- late submissions, and missing ones: every student known to the run (or listed in
  --students, one id per line) without a row for a lesson someone handed in.

The same numbers are printed as text.
"""

import argparse
import base64
import html
import io
import json
import statistics
import sys
from collections import Counter, defaultdict
from pathlib import Path

from autograder.export_feedback import GRADES_COLUMNS, notebook_order, read_results
from autograder.export_grades import is_late, maximum, parse_due, points, read_grades

FULL = 1e-9


def failure_messages(output_dir, student, lesson):
    """{grade_id: message} of the graded cells whose test raised, in the autograded notebook."""
    path = Path(output_dir) / "autograded" / student / lesson / f"{lesson}.ipynb"
    if not path.is_file():
        return {}
    found = {}
    for cell in json.loads(path.read_text(encoding="utf-8")).get("cells", []):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if not meta.get("grade") or cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                message = f"{output.get('ename', '')}: {output.get('evalue', '')}".strip(": ")
                found[meta.get("grade_id")] = message[:200]
    return found


def class_numbers(output_dir, due=None, students=None):
    """Everything the page shows, as plain data (what the tests check against grades.csv)."""
    grades, recorded = read_grades(output_dir), read_results(output_dir)
    known = sorted(set(students or []) | {student for student, _ in grades})
    lessons = {}
    for lesson in sorted({name for _, name in grades}):
        rows = [row for (_, name), row in sorted(grades.items()) if name == lesson]
        scores = [points(row) for row in rows]
        handed_in = {row["student"] for row in rows}
        tests = _tests(output_dir, rows, recorded)
        lessons[lesson] = {
            "submissions": len(rows), "maximum": max(maximum(row) for row in rows),
            "graded": sum(row["status"] == "graded" for row in rows),
            "errors": sum(row["status"] == "error" for row in rows),
            "pending": sum(row["status"] == "needs manual grading" for row in rows),
            "scores": scores, "mean": statistics.mean(scores),
            "median": statistics.median(scores), "tests": tests,
            "late": [row["student"] for row in rows if is_late(row, due)],
            "missing": [student for student in known if student not in handed_in]}
    return lessons


def _tests(output_dir, rows, recorded):
    """{grade_id: {"pass_rate", "passed", "graded", "failures": [(message, count)]}}."""
    most, passed, counted, failures = {}, Counter(), Counter(), defaultdict(Counter)
    for row in rows:
        for name, (_, top) in recorded.get((row["student"], row["lesson"]), {}).items():
            most[name] = max(most.get(name, 0), top)
    if not most:  # no results.jsonl: grades.csv's columns, the best score seen as maximum
        for row in rows:
            for name, text in row.items():
                if name not in GRADES_COLUMNS and text not in ("", None):
                    most[name] = max(most.get(name, 0), float(text))
    order = notebook_order(rows[0]["lesson"], list(most))
    for row in rows:
        if row["status"] == "error":
            continue
        tests = recorded.get((row["student"], row["lesson"]), {})
        messages = failure_messages(output_dir, row["student"], row["lesson"])
        for name in order:
            text = row.get(name, "")
            score = float(text) if text not in ("", None) else (
                tests[name][0] if name in tests and row["status"] == "graded" else None)
            if score is None:  # a written answer still to grade, or a test not in this run
                continue
            counted[name] += 1
            if score >= most[name] - FULL:
                passed[name] += 1
            else:
                failures[name][messages.get(name, "(no error message: fewer points)")] += 1
    return {name: {"graded": counted[name], "passed": passed[name],
                   "pass_rate": passed[name] / counted[name] if counted[name] else None,
                   "failures": failures[name].most_common(3)} for name in order}


def _png(figure):
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80, bbox_inches="tight")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


def figures(lesson, numbers):
    """(histogram, pass-rate chart) of one lesson as PNG data URIs (matplotlib, Agg)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from matplotlib.ticker import MaxNLocator

    top = numbers["maximum"] or 1
    histogram, axes = plt.subplots(figsize=(5, 2.6))
    # One bar per whole point up to 20 points (centred on it), else 10 bars.
    bins = [edge - 0.5 for edge in range(int(top) + 2)] if top <= 20 else 10
    axes.hist(numbers["scores"], bins=bins, range=None if top <= 20 else (0, top),
              color="#4c72b0", edgecolor="white")
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set(title=f"{lesson}: scores", xlabel=f"score (out of {top:g})", ylabel="students")
    rates = [(name, test["pass_rate"]) for name, test in numbers["tests"].items()
             if test["pass_rate"] is not None]
    bars, axis = plt.subplots(figsize=(5, 0.4 * len(rates) + 1))
    axis.barh([name for name, _ in rates][::-1], [rate * 100 for _, rate in rates][::-1],
              color="#55a868")
    axis.set(xlim=(0, 100), xlabel="% of graded notebooks with full points",
             title=f"{lesson}: tests")
    images = _png(histogram), _png(bars)
    plt.close(histogram), plt.close(bars)
    return images


def render(lessons, title="Class report"):
    """The HTML page: no script, every figure embedded."""
    escape, parts = html.escape, []
    for lesson, numbers in lessons.items():
        histogram, bars = figures(lesson, numbers)
        rows = "".join(
            f"<tr><td>{escape(name)}</td><td>{test['passed']}/{test['graded']}</td><td>"
            + "<br>".join(f"{count}× {escape(message)}" for message, count in test["failures"])
            + "</td></tr>" for name, test in numbers["tests"].items())
        parts.append(
            f"<section><h2>{escape(lesson)}</h2><p>{numbers['submissions']} submissions: "
            f"{numbers['graded']} graded, {numbers['errors']} could not be graded, "
            f"{numbers['pending']} waiting for manual grading; mean {numbers['mean']:.2f}, "
            f"median {numbers['median']:g} out of {numbers['maximum']:g}.</p>"
            f'<img alt="{escape(lesson)} score histogram" src="{histogram}">'
            f'<img alt="{escape(lesson)} pass rate per test" src="{bars}">'
            f"<table><tr><th>test</th><th>full points</th><th>most common failures</th></tr>"
            f"{rows}</table><p>Late: {escape(', '.join(numbers['late']) or 'none')}.</p>"
            f"<p>Missing: {escape(', '.join(numbers['missing']) or 'none')}.</p></section>")
    style = ("body{font-family:sans-serif;max-width:60em;margin:auto}table{border-collapse:"
             "collapse}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}")
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"<style>{style}</style></head><body><h1>{escape(title)}</h1>"
            + "".join(parts) + "</body></html>")


def text_summary(lessons):
    lines = []
    for lesson, numbers in lessons.items():
        lines.append(f"{lesson}: {numbers['submissions']} submissions, mean "
                     f"{numbers['mean']:.2f}, median {numbers['median']:g} / "
                     f"{numbers['maximum']:g}; errors {numbers['errors']}, pending "
                     f"{numbers['pending']}, late {len(numbers['late'])}, missing "
                     f"{len(numbers['missing'])}")
        for name, test in numbers["tests"].items():
            common = "; ".join(f"{count}x {message}" for message, count in test["failures"][:1])
            lines.append(f"  {name:<32} {test['passed']:>3}/{test['graded']:<3} {common}")
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.report",
                                     description="The class report of a grading output folder.")
    parser.add_argument("output_dir", type=Path)
    parser.add_argument("--due", action="append", default=[], metavar="[LESSON=]WHEN")
    parser.add_argument("--students", type=Path, help="the class list, one student id a line")
    arguments = parser.parse_args(argv)
    try:
        from autograder.course import lesson_ids

        students = (arguments.students.read_text(encoding="utf-8-sig").split()
                    if arguments.students else None)
        lessons = class_numbers(arguments.output_dir, parse_due(arguments.due, lesson_ids()),
                                students)
    except (ValueError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    page = arguments.output_dir / "class-report.html"
    page.write_text(render(lessons), encoding="utf-8")
    print("\n".join(text_summary(lessons) + [f"wrote {page}"]))
    return 0
