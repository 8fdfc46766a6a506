"""course_lib/manifest.py lists exactly the lessons in solutions/, with facts that hold."""

import json
from pathlib import Path

import pytest

from course_lib import manifest

ROOT = Path(__file__).resolve().parents[1]


def test_manifest_lists_every_lesson_of_solutions_and_no_other():
    """A notebook without an entry, or an entry without a notebook, fails here."""
    on_disk = sorted(path.parent.name for path in (ROOT / "solutions").glob("*/*.ipynb")
                     if path.stem == path.parent.name)
    assert [lesson.id for lesson in manifest.LESSONS] == on_disk


def test_entries_are_consistent():
    """Ids are NN_slug and unique, budgets fit Binder, Keras lessons get the larger budget."""
    numbers = [lesson.number for lesson in manifest.LESSONS]
    assert len(set(numbers)) == len(numbers) and numbers == sorted(numbers)
    for lesson in manifest.LESSONS:
        assert lesson.number.isdigit() and lesson.id[2] == "_", lesson
        assert 0 < lesson.memory_mb <= manifest.BINDER_MEMORY_MB, lesson
        assert lesson.variants_per_run == (1 if lesson.uses_keras else 5)
        assert not (lesson.uses_keras and lesson.in_demo), "the demo grades quick lessons only"


def test_uses_keras_matches_the_notebooks():
    """A lesson is marked uses_keras exactly when its solution imports keras or tensorflow."""
    for lesson in manifest.LESSONS:
        notebook = json.loads((ROOT / "solutions" / lesson.id / f"{lesson.id}.ipynb")
                              .read_text(encoding="utf-8"))
        code = "\n".join("".join(cell["source"]) for cell in notebook["cells"]
                         if cell["cell_type"] == "code")
        imports_keras = any(f"import {name}" in code for name in ("keras", "tensorflow"))
        assert imports_keras == lesson.uses_keras, lesson.id


def test_lookup():
    assert manifest.lesson("04").id == "04_counting_parameters"
    assert manifest.lesson("10_keras_mlp_cnn").uses_keras
    assert manifest.numbers(uses_keras=True) == ("10", "11")
    with pytest.raises(ValueError, match="no lesson '12'"):
        manifest.lesson("12")
