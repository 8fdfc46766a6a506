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


def course_copy(target, lessons, cache=CACHE):
    """A writable copy of course_template(lessons) at `target` (made like make_course's).

    Copying the cached course takes milliseconds where generating the releases
    again takes seconds a lesson. Returns `target`.
    """
    shutil.copytree(course_template(lessons, cache), target)
    return Path(target)


def release_notebook(course, lesson):
    """Path of the student version of `lesson` in a course made by course_template."""
    return Path(course) / "lessons" / lesson / f"{lesson}.ipynb"


LIBRARY_PARTS = {"course_lib": COURSE_ROOT / "course_lib",
                 "cnn_inside": COURSE_ROOT / "autograder" / "inside"}


def _library_files():
    for name, folder in LIBRARY_PARTS.items():
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
                yield name, path.relative_to(folder), path


def library_fingerprint():
    """A short hash of what the sandbox's read-only library holds."""
    digest = hashlib.sha256()
    for name, relative, path in _library_files():
        digest.update(f"{name}/{relative}".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def sandbox_library(cache=CACHE):
    """A pristine copy of course_lib and autograder/inside (as `cnn_inside`), for the sandbox.

    Built once per version under build/autograder/ and never written again: the
    sandbox mounts it read-only, and nothing reads the instructor's editable
    checkout at grading time. Returns its path.
    """
    target = Path(cache) / f"library-{library_fingerprint()}"
    if target.is_dir():
        return target
    Path(cache).mkdir(parents=True, exist_ok=True)
    building = Path(tempfile.mkdtemp(prefix="building-", dir=cache))
    try:
        for name, relative, path in _library_files():
            destination = building / name / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, destination)
        os.rename(building, target)
    except OSError:
        if not target.is_dir():
            raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target


def tests_fingerprint(lesson):
    """A short hash of what decides a lesson's grades: its code cells, points and the library.

    A fixed test (or reference) changes it, so a resumed run regrades that lesson.
    """
    import json

    notebook = json.loads((SOLUTIONS / lesson / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    digest = hashlib.sha256(library_fingerprint().encode())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            source = cell["source"]
            digest.update(("".join(source) if isinstance(source, list) else source).encode())
            digest.update(json.dumps(cell.get("metadata", {}).get("nbgrader", {}),
                                     sort_keys=True).encode())
    return digest.hexdigest()[:16]
