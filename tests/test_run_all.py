"""Run All on a fresh student notebook reaches the last cell and shows what the solution shows.

Each lesson's student version (lessons/, every exercise still a stub) and its
solution are executed top to bottom with nbclient, stopping at an error as Run
All does unless the cell is tagged `raises-exception`. The student run must
execute every code cell, fail only in tagged cells, fail there with the short
"not written yet" message (no traceback through course_lib), and show every
figure and widget the solution shows, cell by cell. In the NumPy lessons every
cell then runs once more, from the last to the first, without a new error.

The solution's run (shared with test_browser: one run per lesson and test session)
also checks the lesson's budget: the kernel's peak resident memory stays under the
manifest's memory_mb (at most Binder's 1.2 GB), and a NumPy lesson never imports
TensorFlow, Keras, JAX or PyTorch. Run times are printed for the record, not asserted:
speed is measured in bench/, never in timed tests.
"""

import pytest

from course_lib import manifest
from tests import notebook_run

LESSONS = [lesson.id for lesson in manifest.LESSONS]


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_run_all_reaches_the_end_of_the_student_version(lesson, tmp_path, tmp_path_factory):
    # NumPy lessons: then every cell again, last to first (the Keras lessons would retrain)
    entry = manifest.lesson(lesson)
    student, student_seconds = notebook_run.execute(lesson, "student", tmp_path,
                                                    rerun=not entry.uses_keras)
    solution, report = notebook_run.solution_run(lesson, tmp_path_factory.getbasetemp())
    solution_seconds = report["seconds"]
    code_cells = [cell for cell in student["cells"] if cell["cell_type"] == "code"]
    reached = [cell for cell in code_cells if cell.get("execution_count")]
    shown, errors = notebook_run.summary(student)
    expected, solution_errors = notebook_run.summary(solution)
    figures = sum(count[0] for count in shown.values())
    widgets = sum(count[1] for count in shown.values())
    print(f"{lesson}: student {len(reached)}/{len(code_cells)} code cells run, "
          f"{figures} figures, {widgets} widgets, {len(errors)} cells failing as expected "
          f"({student_seconds:.0f} s); solution {solution_seconds:.0f} s, "
          f"peak {report['peak_mb']:.0f} MB")
    assert report["peak_mb"] <= min(entry.memory_mb, manifest.BINDER_MEMORY_MB), report
    if not entry.uses_keras:
        assert report["modules"] == [], f"{lesson} imported {report['modules']}"
    assert len(reached) == len(code_cells), "Run All stopped before the last cell"
    assert not solution_errors, f"the solution fails in {sorted(solution_errors)}"
    by_id = {cell["id"]: cell for cell in code_cells}
    for cell_id, error in errors.items():
        assert "raises-exception" in notebook_run.tags(by_id[cell_id]), cell_id
        text = "\n".join(error.get("traceback", []))
        assert "/course_lib/" not in text, f"{cell_id}: a traceback through course_lib:\n{text}"
        if error["ename"] == "NotImplementedError":
            assert "not written yet" in text and len(error["traceback"]) == 1, text
    for cell_id, (want_figures, want_widgets) in expected.items():
        got = shown.get(cell_id, (0, 0))
        if cell_id in errors:
            continue  # a graded test cell of an unfinished exercise shows nothing by design
        assert got[0] >= want_figures and got[1] >= want_widgets, (
            f"cell {cell_id}: the solution shows {want_figures} figures and {want_widgets} "
            f"widgets, the fresh student version {got[0]} and {got[1]}")
