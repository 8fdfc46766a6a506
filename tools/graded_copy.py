"""The student copy of a course graded for credit: course_lib without the graded references.

`make student-repo DIR=... GRADED=1` (tools/student_repo.py --graded) writes the
student copy as usual, then, in the copy only:

- strips every lesson's graded references from course_lib, as the grading sandbox
  strips one lesson's (autograder/references.py): each definition becomes a
  placeholder that raises "not in this copy of the course" when called. The modules
  are not sealed: a lesson's `from course_lib.summary import summary as
  reference_summary` still runs, and only a demo that calls it says it needs yours;
- stores what the instant checks expect (course_lib/checks/expected/lessonNN.pkl),
  computed here by running each check on its reference with the instructor's
  course_lib (course_lib/checks/_expected.py): the copy's checks compare with those;
  and the lesson of each missing function (expected/lessons.json), which its message
  names: a later lesson's demo needs the learner's own, defined in that notebook.

The default copy keeps its references, for self-paced learners: a demo falls back to
the course's function while an exercise is unfinished.
"""

import contextlib
import io
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script: the instructor's autograder and course_lib
    sys.path.insert(0, str(ROOT))

from autograder.references import all_references, introduced_in, strip_references  # noqa: E402
from course_lib import checks  # noqa: E402
from course_lib.checks import _core, _expected  # noqa: E402


def record_answers():
    """{lesson: {check: {key: value}}}: every value a check derives from its reference.

    Each check with a course_lib reference is run, silently, on that reference. Raises
    ValueError when a check does not pass on its own reference (its stored answers
    would be wrong).
    """
    by_lesson = {}
    for name in checks.__all__:
        if name not in checks.REFERENCES:
            continue
        check = getattr(checks, name)
        lesson = check.__wrapped__.__module__.rsplit(".lesson", 1)[-1]
        token = _core.QUIET.set(True)
        try:
            with (_expected.recording() as answers,
                  contextlib.redirect_stdout(io.StringIO()) as out):
                passed = check(checks.reference(name))
        finally:
            _core.QUIET.reset(token)
        if not passed:
            raise ValueError(f"checks.{name}: expected it to pass on the course's own "
                             f"{name}, it printed: {out.getvalue().strip()[:300]}")
        by_lesson.setdefault(lesson, {})[name] = answers.get(name, {})
    return by_lesson


def make_graded(target):
    """Turn the student copy at `target` into the graded one; returns the stripped names."""
    target = Path(target)
    removed = all_references()
    answers = record_answers()  # before stripping: from the instructor's course_lib
    strip_references(target, removed, seal=False)
    folder = target / "course_lib" / "checks" / "expected"
    for lesson, lesson_answers in sorted(answers.items()):
        _expected.write(lesson, lesson_answers, folder)
    # The lesson of each missing function, for its message (course_lib/_unavailable.py).
    lessons = {name.rpartition(":")[2]: introduced_in(name) for name in removed}
    (folder / "lessons.json").write_text(json.dumps(lessons, indent=1, sort_keys=True) + "\n",
                                         encoding="utf-8")
    return removed
