"""What goes back to a student through the LMS: a short comment with the score and each
test's points, and their feedback page (grading output's feedback/<student>/<lesson>/).

Each test's maximum comes from results.jsonl (what the grading run recorded per test); a
grades.csv alone gives the points scored.
"""

import json
from pathlib import Path

from autograder.export_grades import PENDING, maximum, number, points

GRADES_COLUMNS = {"student", "lesson", "score", "max_score", "status", "message", "file", "late",
                  "submitted_at"}


def read_results(output_dir):
    """{(student, lesson): {grade_id: (score, max_score)}} from results.jsonl (the latest)."""
    path = Path(output_dir) / "results.jsonl"
    found = {}
    if not path.is_file():
        return found
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            result = json.loads(line)
        except json.JSONDecodeError:
            continue  # a line cut short by an interruption
        found[(result["student"], result["lesson"])] = {
            name: tuple(value) for name, value in result.get("tests", {}).items()}
    return found


def notebook_order(lesson, names):
    """`names` (grade_ids) in the order of the lesson's notebook; unknown ones last."""
    from autograder.course import LESSONS, notebook_name

    path = LESSONS / lesson / notebook_name(lesson)
    order = []
    if path.is_file():
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            grade_id = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if grade_id in names and grade_id not in order:
                order.append(grade_id)
    return order + [name for name in names if name not in order]


def test_scores(row, recorded):
    """[(grade_id, score or None, max or None)] of a grades.csv row, in the notebook's order:
    results.jsonl's tests when it has the row, else grades.csv's test columns with a score."""
    tests = recorded.get((row["student"], row["lesson"]))
    if tests:
        tests = {name: tests[name] for name in notebook_order(row["lesson"], list(tests))}
        return [(name, _float(row.get(name)) if row.get(name, "") != "" else
                 (None if row["status"] == PENDING else score), most)
                for name, (score, most) in tests.items()]
    found = {name: float(value) for name, value in row.items()
             if name not in GRADES_COLUMNS and value not in ("", None)}
    return [(name, found[name], None) for name in notebook_order(row["lesson"], list(found))]


def _float(value):
    return float(value) if value not in ("", None) else None


def comment_text(row, title, recorded, late=False):
    """The comment a student reads next to their grade: total, each test, what is pending."""
    total = f"{number(points(row))} / {number(maximum(row))}"
    lines = [f"{title}: {total} (autograded)"]
    if row["status"] == "error":
        lines = [f"{title}: 0 / {number(maximum(row))}: the notebook could not be graded "
                 f"({row.get('message', '')})"]
    elif row["status"] == PENDING:
        lines = [f"{title}: {total} so far; written answers are still to be graded by hand"]
    for name, score, most in test_scores(row, recorded):
        shown = "to be graded by hand" if score is None else (
            number(score) + (f" / {number(most)}" if most is not None else ""))
        lines.append(f"- {name}: {shown}")
    if late:
        lines.append("Submitted late.")
    lines.append("Your feedback page shows each test's verdict on your notebook.")
    return "\n".join(lines)


def feedback_page(output_dir, student, lesson):
    """The student's feedback page for a lesson, or None when the run wrote none."""
    path = Path(output_dir) / "feedback" / student / lesson / f"{lesson}.html"
    return path if path.is_file() else None
