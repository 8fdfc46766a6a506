"""Submissions intake: find the notebooks to grade in a folder or a zip, and read them.

Accepted layouts (see autograder/README.md):

- nbgrader's: `<student>/<lesson>/<lesson>.ipynb` (a `submitted/` folder, or one collected
  from the exchange), with nbgrader's `timestamp.txt` next to the notebook: it is read
  (the submission's time) and never rejected;
- Canvas ("Download Submissions"): `<name>_<user id>_<submission id>_<file>` and
  `<name>_LATE_<user id>_<submission id>_<file>`: the student id is `<name>_<user id>`,
  so two students with the same name stay apart, and LATE marks the submission late;
- Moodle ("Download all submissions"): a folder `<Full Name>_<participant id>_assignsubmission_file_/`
  holding the file (or the flat name `<Full Name>_<participant id>_assignsubmission_file_<file>`):
  the student id is the name (spaces as `_`) and the participant id, `Jane_Doe_123456`;
- anything else flat: `<student>_<lesson>.ipynb`.

A student id keeps the letters and digits of any script (Canvas keeps `garcíajosé`, Moodle
`José_García_1001`), '.', '_' and '-', in Unicode's composed form (NFC: a zip made on macOS
spells `é` as `e` and a combining accent); it starts with a letter or a digit (no leading
dot) and holds no `..`, `/`, space or control character, so it is a safe folder name.

`<file>` is `<lesson>.ipynb`, possibly Colab's `Copy of <lesson>.ipynb`, and a
re-submission suffix `-1`, `-2` ... `-10` before `.ipynb` (Canvas numbers re-uploads);
`<lesson>` is a lesson id such as `01_dense_layers`. Of several files of one student for
one lesson, the highest re-submission number wins (the original counts as 0).

Anything else is rejected with a message saying what was expected. A zip is read by
autograder.archive (names checked, bytes read with a budget); a folder is walked without
following symbolic links, and a link in it is rejected.
"""

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from autograder.archive import extract, is_archive

COPY_OF = r"(?:Copy[ _+]of[ _+])*"  # Colab's "Copy of ", as a browser or an LMS spells it
FILE_NAME = re.compile(rf"^{COPY_OF}(?P<lesson>\d\d_[A-Za-z0-9_]+?)(?:-(?P<attempt>\d+))?\.ipynb$",
                       re.IGNORECASE)
# \w is Unicode's letters, digits and '_' (str.isalnum() or '_'); [^\W_] a letter or digit.
CANVAS_NAME = re.compile(r"^(?P<name>[^\W_][\w.-]*?)_(?P<late>LATE_)?"
                         r"(?P<user>[0-9]+)_(?P<submission>[0-9]+)_(?P<file>.+)$")
MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<participant>\d+)_assignsubmission_"
                           r"(?P<plugin>[a-z]+)_(?P<file>.*)$")
STUDENT_ID = re.compile(r"[^\W_][\w.-]*")  # with fullmatch, and no ".." (is_student_id)
NBGRADER_BOOKKEEPING = {"timestamp.txt"}
EXPECTED_NAMES = ("<student>_<lesson>.ipynb, Canvas' <name>_<digits>_<digits>_<lesson>.ipynb, "
                  "Moodle's <Full Name>_<digits>_assignsubmission_file_/<lesson>.ipynb "
                  "or nbgrader's <student>/<lesson>/<lesson>.ipynb")


class SubmissionError(ValueError):
    """A submission that cannot be graded; the message says why."""


@dataclass
class Submission:
    """A notebook to grade: whose, for which lesson, where, and a hash of its bytes.

    - attempt: the re-submission number (0 for the original upload)
    - timestamp: when it was submitted, from nbgrader's timestamp.txt (None if unknown)
    - late: the LMS marked it late (Canvas' LATE_), or it came after `due` (see is_late)
    """

    student: str
    lesson: str
    path: Path
    digest: str
    attempt: int = 0
    timestamp: datetime | None = None
    late: bool = False

    def is_late(self, due=None):
        """True when the LMS flagged it late, or its timestamp is after `due` (a datetime)."""
        return self.late or (due is not None and self.timestamp is not None
                             and self.timestamp > _aware(due))


@dataclass
class Rejection:
    """A file that is not a gradable submission, and why."""

    path: Path
    reason: str
    student: str = ""
    lesson: str = ""


@dataclass
class Name:
    """What a file's path says: student, lesson, re-submission number, LMS late flag."""

    student: str
    lesson: str
    attempt: int = 0
    late: bool = False


def content_digest(path):
    """sha256 of the file's bytes (what decides whether a submission changed)."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def unpack(source, scratch, caps=None):
    """The folder holding the submissions, and the files of a zip refused on the way.

    `source` is a folder (returned as it is) or a zip, whose notebooks and nbgrader
    timestamps are read into a private folder under `scratch` by autograder.archive
    (names checked, bytes read with a budget); its other members are refused here
    without being read. Returns (folder, rejections); folder is None when the zip cannot
    be opened (then one rejection says why). Raises ValueError for anything else.
    """
    source = Path(source)
    if source.is_dir():
        return source, []
    if is_archive(source):
        folder, refused = extract(source, scratch, _triage, caps)
        return folder, [Rejection(path, reason) for path, reason in refused]
    raise ValueError(f"submissions: expected a folder or a .zip file, got {source}")


def _triage(relative):
    """What to do with a zip member (see archive.extract): read it, skip it, or refuse it."""
    if _ignored(relative):
        return "skip"
    if relative.suffix != ".ipynb" and relative.name not in NBGRADER_BOOKKEEPING:
        return f"not a notebook (.ipynb); expected {EXPECTED_NAMES}"
    return "read"


def _ignored(path):
    """Hidden files, macOS and Jupyter clutter, nbgrader's and Moodle's bookkeeping."""
    return (any(part.startswith(".") or part == "__MACOSX" for part in path.parts)
            or ".ipynb_checkpoints" in path.parts
            or path.name in NBGRADER_BOOKKEEPING
            or any(_moodle_plugin(part) not in (None, "file") for part in path.parts[:-1]))


def _moodle_plugin(part):
    match = MOODLE_FOLDER.match(part)
    return match["plugin"] if match else None


def _lesson_file(name, lessons):
    """(lesson, attempt) of a file name `[Copy of ]<lesson>[-N].ipynb`, or None."""
    match = FILE_NAME.match(name)
    if match is None or match["lesson"] not in lessons:
        return None
    return match["lesson"], int(match["attempt"] or 0)


def _unknown_lesson(name):
    match = FILE_NAME.match(name)
    return match["lesson"] if match else None


def _moodle_student(full_name, participant):
    words = re.sub(r"[^\w.-]+", "_", full_name)  # letters of any script kept: José_García
    words = re.sub(r"\.{2,}", ".", words).strip("_").lstrip(".-_") or "participant"
    return f"{words}_{participant}"


def is_student_id(text):
    """Whether `text` is a student id: see the module's docstring (safe as a folder name)."""
    return bool(STUDENT_ID.fullmatch(text)) and ".." not in text


def identify(relative, lessons):
    """The Name a file's path (relative to the submissions folder) gives.

    Raises SubmissionError saying what was expected when the name is not accepted.
    """
    parts = tuple(unicodedata.normalize("NFC", part) for part in relative.parts)
    if relative.suffix != ".ipynb":
        raise SubmissionError(f"not a notebook (.ipynb); expected {EXPECTED_NAMES}")
    name, found, unknown = parts[-1], None, None
    if len(parts) >= 3 and name == f"{parts[-2]}.ipynb":  # nbgrader
        found = Name(parts[-3], parts[-2])
        unknown = None if parts[-2] in lessons else parts[-2]
    elif len(parts) >= 2 and MOODLE_FOLDER.match(parts[-2]):  # Moodle, in folders
        folder = MOODLE_FOLDER.match(parts[-2])
        lesson = _lesson_file(name, lessons)
        if lesson:
            found = Name(_moodle_student(folder["name"], folder["participant"]), *lesson)
        unknown = _unknown_lesson(name)
    elif MOODLE_FOLDER.match(name):  # Moodle, flat
        flat = MOODLE_FOLDER.match(name)
        lesson = _lesson_file(flat["file"], lessons)
        if lesson:
            found = Name(_moodle_student(flat["name"], flat["participant"]), *lesson)
        unknown = _unknown_lesson(flat["file"])
    elif CANVAS_NAME.match(name) and FILE_NAME.match(CANVAS_NAME.match(name)["file"]):
        canvas = CANVAS_NAME.match(name)
        lesson = _lesson_file(canvas["file"], lessons)
        if lesson:
            found = Name(f"{canvas['name']}_{canvas['user']}", *lesson, late=bool(canvas["late"]))
        unknown = _unknown_lesson(canvas["file"])
    else:  # <student>_<lesson>.ipynb: the first split that names a lesson of this course
        splits = [(name[:index], name[index + 1:]) for index, char in enumerate(name)
                  if char == "_" and index > 0]
        for student, file in splits:
            lesson = _lesson_file(file, lessons)
            if lesson:
                found = Name(student, *lesson)
                break
        unknown = next((_unknown_lesson(file) for _, file in splits if _unknown_lesson(file)),
                       None)
    if found is not None and found.lesson not in lessons:
        found, unknown = None, found.lesson
    if found is None and unknown:
        raise SubmissionError(f"unknown lesson {unknown!r}; this course has {', '.join(lessons)}")
    if found is None:
        raise SubmissionError(f"file name {name!r} not understood; expected {EXPECTED_NAMES}")
    if not is_student_id(found.student):
        raise SubmissionError(f"student id {found.student!r}: expected letters and digits "
                              "(any script), '.', '_', '-', starting with a letter or digit, "
                              "without '..'")
    return found


def classify(relative, lessons):
    """(student, lesson) for a file's path relative to the submissions folder (see identify)."""
    found = identify(relative, lessons)
    return found.student, found.lesson


def read_timestamp(folder):
    """The time in nbgrader's `timestamp.txt` in `folder`, as an aware datetime, or None."""
    path = Path(folder) / "timestamp.txt"
    if not path.is_file():
        return None
    from nbgrader.utils import parse_utc

    try:
        return _aware(parse_utc(path.read_text(encoding="utf-8").strip()))
    except (ValueError, OverflowError):
        return None


def _aware(moment):
    """A datetime in UTC with its time zone (nbgrader stores naive UTC times)."""
    from datetime import timezone

    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment


def _files(folder):
    """Every non-folder entry below `folder`, sorted, without following symbolic links."""
    found = []
    for root, folders, files in os.walk(folder):
        found += [Path(root, name) for name in files]
        found += [Path(root, name) for name in folders if Path(root, name).is_symlink()]
    return sorted(found)


def collect(folder, lessons, due=None):
    """Find the submissions in `folder` (see the module docstring).

    Inputs:
    - due: {lesson: aware datetime}, optional; a submission whose timestamp.txt is later
      is marked late

    Returns (submissions, rejections). Of several files of a student for one lesson, the
    highest re-submission number wins (original, -1, -2, ..., -10; ties: the last by
    path) and the others are rejected as superseded.
    """
    folder = Path(folder)
    found, rejections = {}, []
    for path in _files(folder):
        relative = path.relative_to(folder)
        if _ignored(relative):
            continue
        if path.is_symlink() or not path.is_file():
            rejections.append(Rejection(path, "a symbolic link or special file, not a plain "
                                              "file: not read"))
            continue
        try:
            name = identify(relative, lessons)
        except SubmissionError as error:
            rejections.append(Rejection(path, str(error)))
            continue
        submission = Submission(name.student, name.lesson, path, content_digest(path),
                                attempt=name.attempt, timestamp=read_timestamp(path.parent),
                                late=name.late)
        submission.late = submission.is_late((due or {}).get(name.lesson))
        key = (name.student, name.lesson)
        previous = found.get(key)
        if previous is not None and previous.attempt > submission.attempt:
            rejections.append(Rejection(path, f"superseded by {previous.path.name}",
                                        name.student, name.lesson))
            continue
        if previous is not None:
            rejections.append(Rejection(previous.path, f"superseded by {path.name}",
                                        name.student, name.lesson))
        found[key] = submission
    return list(found.values()), rejections
