"""What stands in for a lesson's references in the copy of course_lib used while grading.

While lesson L is graded, the sandbox's course_lib has the references of L's
exercises stripped out (autograder/references.py writes that copy): each
function's definition is replaced by `placeholder(name, module)`, a function
with no code of the reference that raises NotAvailableWhileGrading when called,
and every module of the copy ends with `seal(__name__)`. A sealed module answers
`module.name` and `from module import name` for such a name with the same error,
except to course_lib's own code, which keeps importing and calling it (a demo
that needs the reference then says "not available while grading").

Nothing here is used by the public course_lib: in a learner's own notebook
every reference is there. A student copy of a course graded for credit
(tools/student_repo.py --graded) is stripped the same way, of every lesson's
references, but not sealed: there a placeholder can be imported, and says when
called that the function is not in this copy.
"""

import functools
import json
import sys
import types
from pathlib import Path

# A graded student copy stores its checks' answers there (course_lib/checks/_expected.py),
# and in lessons.json the lesson of each function it lacks ({"conv2d_forward": "02"}).
EXPECTED = Path(__file__).resolve().parent / "checks" / "expected"
GRADED_COPY = EXPECTED.is_dir()


@functools.lru_cache(maxsize=None)
def _lessons():
    path = EXPECTED / "lessons.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


class NotAvailableWhileGrading(RuntimeError):
    """A reference of the exercise being graded was asked for in the graded notebook."""


def message(name):
    """The error's text for reference `name`."""
    if GRADED_COPY:
        lesson = _lessons().get(name)
        where = f" (copy it from your lesson {lesson})" if lesson else ""
        return (f"{name} is not in this copy of the course (it is one of the exercises you "
                f"write yourself): this cell needs your own {name}: define it in this "
                f"notebook{where}, run that cell, then this one again")
    return (f"{name} is not available while grading: this exercise asks you to write it "
            "yourself")


def placeholder(name, module):
    """A function named `name` of `module` that raises NotAvailableWhileGrading when called.

    In a graded student copy it calls the learner's own `name` instead, when the
    notebook defines one that passes its instant check (`learners_own`), so that a demo
    or a course_lib helper built on the exercise runs once the exercise is done.
    """
    text = message(name)

    def unavailable(*args, **kwargs):
        yours = learners_own(name) if GRADED_COPY else None
        if yours is None:
            raise NotAvailableWhileGrading(text)
        return yours(*args, **kwargs)

    unavailable.__name__ = unavailable.__qualname__ = name
    unavailable.__module__ = module
    unavailable.__doc__ = text
    _PLACEHOLDERS[id(unavailable)] = unavailable
    return unavailable


_PLACEHOLDERS = {}  # id: placeholder (kept alive, so an id is never reused)
_CHECKING = set()  # the names whose learner's function is being checked (no recursion)
_NOTED = set()  # the names whose one-line note was printed


def learners_own(name):
    """The notebook's own function `name` when it passes its instant check, else None.

    For a graded student copy (never while grading: the sandbox's placeholders only raise).
    Prints a one-line note the first time a name is used so.
    """
    function = getattr(sys.modules.get("__main__"), name, None)
    if not callable(function) or is_placeholder(function) or name in _CHECKING:
        return None
    from course_lib import checks

    if name not in checks.REFERENCES:
        return None
    _CHECKING.add(name)
    try:
        passed = checks.passes(function, name)
    finally:
        _CHECKING.discard(name)
    if not passed:
        return None
    if name not in _NOTED:
        _NOTED.add(name)
        print(f"(This copy of the course has no {name} of its own: this cell uses yours, "
              "which passes its check.)")
    return function


def is_placeholder(value):
    """True when `value` is a placeholder made by `placeholder`."""
    return _PLACEHOLDERS.get(id(value)) is value


def _asked_by_course_lib():
    """True when the code asking for an attribute is course_lib's own (importlib skipped)."""
    frame = sys._getframe(2)
    while frame is not None:
        name = str(frame.f_globals.get("__name__", ""))
        if not name.startswith(("importlib", "_frozen_importlib")):
            return name == "course_lib" or name.startswith("course_lib.")
        frame = frame.f_back
    return False


class _SealedModule(types.ModuleType):
    """A module whose stripped references raise when the notebook asks for them."""

    def __getattribute__(self, name):
        hidden = types.ModuleType.__getattribute__(self, "__dict__").get("__unavailable__", ())
        if name in hidden and not _asked_by_course_lib():
            raise NotAvailableWhileGrading(message(name))
        return types.ModuleType.__getattribute__(self, name)

    def __dir__(self):
        hidden = self.__dict__.get("__unavailable__", ())
        return [name for name in super().__dir__() if name not in hidden]


def seal(module_name):
    """Seal module `module_name` when its globals hold a placeholder (see the module docstring)."""
    module = sys.modules[module_name]
    names = frozenset(name for name, value in vars(module).items() if is_placeholder(value))
    if not names:
        return
    module.__unavailable__ = names
    exported = vars(module).get("__all__")
    if isinstance(exported, list):
        exported[:] = [name for name in exported if name not in names]
    module.__class__ = _SealedModule
