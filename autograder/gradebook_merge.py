"""The output gradebook: the workers' results merged into one nbgrader gradebook.

Each worker grades in its own scratch gradebook (SQLite allows one writer);
only the parent process writes here, one result at a time, as soon as it
arrives. The output gradebook starts as a copy of the course template's (so it
knows every lesson, notebook and test cell) and can be read with nbgrader's
Gradebook API or `autograder.course.read_scores`, like stock nbgrader's.
"""

import shutil
from pathlib import Path

from autograder.course import notebook_name


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


def record(path, result):
    """Write one Result's scores into the gradebook at `path` (an error scores 0 everywhere)."""
    from nbgrader.api import Gradebook

    with Gradebook(_url(path)) as gradebook:
        gradebook.update_or_create_student(result.student)
        gradebook.update_or_create_submission(result.lesson, result.student)
        notebook = gradebook.find_submission_notebook(
            notebook_name(result.lesson)[: -len(".ipynb")], result.lesson, result.student)
        for grade in notebook.grades:
            score = result.tests.get(grade.name, [0.0])[0] if not result.error else 0.0
            grade.auto_score = score
            grade.manual_score = None
            grade.needs_manual_grade = score is None
        gradebook.db.commit()
