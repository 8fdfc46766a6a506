"""Read the lessons' instructor notebooks (solutions/) cell by cell, for tests of their prose.

Used by test_stated_numbers.py and test_stated_results.py: a test recomputes a number and
checks that the markdown says it, with `states(markdown(lesson, cell_id), number)`.
"""

import json
from functools import lru_cache
from pathlib import Path

SOLUTIONS = Path(__file__).resolve().parent.parent / "solutions"


@lru_cache(maxsize=None)
def cells(lesson):
    """{cell id: (cell type, source)} of the instructor notebook of `lesson` ("04")."""
    (path,) = SOLUTIONS.glob(f"{lesson}_*/{lesson}_*.ipynb")
    notebook = json.loads(path.read_text(encoding="utf-8"))
    return {cell["id"]: (cell["cell_type"], "".join(cell["source"])) for cell in notebook["cells"]}


def markdown(lesson, cell_id):
    """The text of one markdown cell on one line, LaTeX's 2{,}416 written 2,416."""
    kind, source = cells(lesson)[cell_id]
    if kind != "markdown":
        raise ValueError(f"lesson {lesson}, cell {cell_id}: expected a markdown cell, got {kind}")
    return " ".join(source.split()).replace("{,}", ",")


def code(lesson, cell_id):
    """The source of one code cell."""
    kind, source = cells(lesson)[cell_id]
    if kind != "code":
        raise ValueError(f"lesson {lesson}, cell {cell_id}: expected a code cell, got {kind}")
    return source


def states(text, *numbers):
    """Assert that `text` contains each of `numbers`, written as the lessons write them."""
    for number in numbers:
        written = f"{number:,}" if isinstance(number, int) else str(number)
        assert written in text, f"the text should state {written}: {text[:200]}..."


def rubric(lesson, grade_id):
    """The text of a written answer's solution cell (its rubric), on one line."""
    return " ".join(cells(lesson)[grade_id][1].split())
