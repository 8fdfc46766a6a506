"""The output gradebook: the workers' results merged into one nbgrader gradebook.

Each worker grades in its own scratch gradebook (SQLite allows one writer);
only the coordinating process writes here, one result at a time, as soon as
it arrives. The output gradebook starts as a copy of the course template's
(so it knows every lesson, notebook and test cell) and can be read with
nbgrader's Gradebook API, `autograder.course.read_scores` or the Formgrader.

Autograded scores are written; manual scores and comments an instructor
entered are kept. A table of its own, `cnn_graded`, records for each
(student, lesson) the sha256 of the graded file and the fingerprint of the
lesson's tests: a resumed run trusts a grade only when both still match.
"""

import shutil
import sqlite3
from pathlib import Path

from autograder.course import notebook_name

GRADED_TABLE = ("CREATE TABLE IF NOT EXISTS cnn_graded (student TEXT NOT NULL, "
                "lesson TEXT NOT NULL, digest TEXT NOT NULL, fingerprint TEXT NOT NULL, "
                "PRIMARY KEY (student, lesson))")


def _url(path):
    return f"sqlite:///{Path(path)}"


def lesson_tests(gradebook_path):
    """{lesson: {grade_id: max_score}} from a gradebook file."""
    from nbgrader.api import Gradebook

    tests = {}
    with Gradebook(_url(gradebook_path)) as gradebook:
        for assignment in gradebook.assignments:
            tests[assignment.name] = {cell.name: cell.max_score
                                      for notebook in assignment.notebooks
                                      for cell in notebook.grade_cells}
    return tests


def written_answers(gradebook_path):
    """{lesson: {grade_id, ...}} of the written answers (markdown cells, graded by hand)."""
    from nbgrader.api import Gradebook

    with Gradebook(_url(gradebook_path)) as gradebook:
        return {assignment.name: {cell.name for notebook in assignment.notebooks
                                  for cell in notebook.grade_cells if cell.cell_type != "code"}
                for assignment in gradebook.assignments}


def manual_scores(gradebook_path):
    """{(student, lesson): {grade_id: manual score}} an instructor entered (Formgrader)."""
    from nbgrader.api import Gradebook

    if not Path(gradebook_path).exists():
        return {}
    scores = {}
    with Gradebook(_url(gradebook_path)) as gradebook:
        for assignment in gradebook.assignments:
            for submission in assignment.submissions:
                entered = {grade.name: grade.manual_score for notebook in submission.notebooks
                           for grade in notebook.grades if grade.manual_score is not None}
                if entered:
                    scores[(submission.student.id, assignment.name)] = entered
    return scores


def ensure_gradebook(path, template):
    """Make sure `path` is a gradebook knowing every lesson of `template`.

    A gradebook missing a lesson (the course grew) is replaced by a fresh copy;
    returns True when it was (re)created, so the caller re-records its results.
    """
    path = Path(path)
    if path.exists():
        if set(lesson_tests(Path(template) / "gradebook.db")) <= set(lesson_tests(path)):
            return False
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(Path(template) / "gradebook.db", path)
    return True


def graded_versions(path):
    """{(student, lesson): (digest, fingerprint)} of the grades recorded in the gradebook."""
    if not Path(path).exists():
        return {}
    with sqlite3.connect(path) as connection:
        connection.execute(GRADED_TABLE)
        rows = connection.execute("SELECT student, lesson, digest, fingerprint FROM cnn_graded")
        return {(student, lesson): (digest, fingerprint)
                for student, lesson, digest, fingerprint in rows}


def record(path, result):
    """Write one Result's scores into the gradebook at `path` (an error scores 0 everywhere).

    Manual scores and comments already in the gradebook are kept.
    """
    from nbgrader.api import Gradebook

    with Gradebook(_url(path)) as gradebook:
        gradebook.update_or_create_student(result.student)
        gradebook.update_or_create_submission(result.lesson, result.student)
        notebook = gradebook.find_submission_notebook(
            notebook_name(result.lesson)[: -len(".ipynb")], result.lesson, result.student)
        for grade in notebook.grades:
            if grade.cell.cell_type != "code":  # a written answer, graded by hand
                grade.needs_manual_grade = grade.manual_score is None
                continue
            score = 0.0 if result.error else result.tests.get(grade.name, [0.0])[0]
            grade.auto_score = score
            grade.needs_manual_grade = grade.manual_score is None and score is None
        gradebook.db.commit()
    with sqlite3.connect(path) as connection:
        connection.execute(GRADED_TABLE)
        connection.execute("INSERT OR REPLACE INTO cnn_graded VALUES (?, ?, ?, ?)",
                           (result.student, result.lesson, result.digest, result.fingerprint))
