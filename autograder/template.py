"""A ready-made scratch course: config, sources, releases and a gradebook for all lessons.

Generating the releases (`nbgrader generate_assignment`) takes seconds per
lesson, so the course is built once per version of the sources and cached
under build/autograder/ (ignored by git). Each grading worker copies it.
"""

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

from autograder.course import COURSE_ROOT, SOLUTIONS, make_course

CACHE = COURSE_ROOT / "build" / "autograder"


def sources_fingerprint(lessons):
    """A short hash of nbgrader_config.py and the sources of `lessons`."""
    digest = hashlib.sha256((COURSE_ROOT / "nbgrader_config.py").read_bytes())
    for lesson in sorted(lessons):
        for path in sorted((SOLUTIONS / lesson).rglob("*")):
            if path.is_file() and ".ipynb_checkpoints" not in path.parts:
                digest.update(str(path.relative_to(SOLUTIONS)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def course_template(lessons, cache=CACHE):
    """The cached scratch course holding `lessons` (built on first use). Returns its path."""
    if not lessons:
        raise ValueError("course_template: no lessons given; expected ids like '01_dense_layers'")
    target = Path(cache) / f"course-{sources_fingerprint(lessons)}"
    if (target / "gradebook.db").exists():
        return target
    Path(cache).mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="building-", dir=cache))
    try:
        make_course(building, sorted(lessons))
        os.rename(building, target)
    except OSError:
        if not (target / "gradebook.db").exists():  # not a concurrent build that won
            raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


def release_notebook(course, lesson):
    """Path of the student version of `lesson` in a course made by course_template."""
    return Path(course) / "lessons" / lesson / f"{lesson}.ipynb"
