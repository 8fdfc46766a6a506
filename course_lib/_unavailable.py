"""What stands in for a lesson's references in the copy of course_lib used while grading.

While lesson L is graded, the sandbox's course_lib has the references of L's
exercises stripped out (autograder/references.py writes that copy): each
function's definition is replaced by `placeholder(name, module)`, a function
with no code of the reference that raises NotAvailableWhileGrading when called,
and every module of the copy ends with `seal(__name__)`. A sealed module answers
`module.name` and `from module import name` for such a name with the same error,
except to course_lib's own code, which keeps importing and calling it (a demo
that needs the reference then says "not available while grading").

While the grader calls one of the student's functions, a test can give it the course's
version of an earlier exercise (course_lib.testing.upstream_replaced), which then crosses
as a call back to the grader, valid during that call only (autograder/inside/serve.py):
during that call, and only then, `module.name` and the placeholder answer through it
(`standing_in`). Otherwise, while grading, a placeholder called by course_lib's own code
(the training loop's default loss, say) runs the notebook's own function of that name when
it defines one (`notebooks_own`): the student's code, never the course's.

Nothing here is used by the public course_lib: in a learner's own notebook
every reference is there. A student copy of a course graded for credit
(tools/student_repo.py --graded) is stripped the same way, of every lesson's
references, but not sealed: there a placeholder can be imported; called, it uses the
learner's own function when it passes its instant check (from the notebook, or from the
learner's saved notebook of that exercise's lesson: `learners_own`), and otherwise says
in one line that the function is not in this copy and which exercise the cell needs.
"""

import contextlib
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


def message(name, called=False):
    """The error's text for reference `name` (`called`: when the placeholder is called)."""
    if GRADED_COPY:
        lesson = _lessons().get(name)
        if name in DERIVED:
            exercise = DERIVED[name][0]
            return (f"{name} is not in this copy of the course: this cell needs your own "
                    f"{exercise} (lesson {lesson}), which passes its check: finish it in "
                    "this notebook or in your saved lesson notebook, then run this cell again")
        if called and not _is_exercise(name):
            return (f"{name} is not in this copy of the course (it computes the answer of a "
                    f"lesson {lesson} exercise): this cell runs only in the open copy")
        where = f" in your lesson {lesson} notebook and save it" if lesson else ""
        return (f"{name} is not in this copy of the course (it is one of the exercises you "
                f"write yourself): this cell needs your own {name}, which passes its check: "
                f"finish it{where} (or define it in this notebook), then run this cell again")
    return (f"{name} is not available while grading: this exercise asks you to write it "
            "yourself")


def _is_exercise(name):
    from course_lib import checks

    return name in checks.REFERENCES


def placeholder(name, module):
    """A function named `name` of `module` that raises NotAvailableWhileGrading when called.

    In a graded student copy it calls the learner's own `name` instead, when the
    notebook, or the learner's saved notebook of that exercise's lesson, defines one that
    passes its instant check (`learners_own`), so that a demo or a course_lib helper built
    on the exercise runs once the exercise is done.
    """
    text = message(name)

    def unavailable(*args, **kwargs):
        stand_in = _STAND_INS.get(name)
        if stand_in is not None:  # the course's version, from the test now running
            return stand_in(*args, **kwargs)
        yours = learners_own(name) if GRADED_COPY else notebooks_own(name)
        if yours is None:
            raise NotAvailableWhileGrading(message(name, called=True))
        _DELEGATING.add(name)
        try:
            return yours(*args, **kwargs)
        finally:
            _DELEGATING.discard(name)

    unavailable.__name__ = unavailable.__qualname__ = name
    unavailable.__module__ = module
    unavailable.__doc__ = text
    _PLACEHOLDERS[id(unavailable)] = unavailable
    return unavailable


_PLACEHOLDERS = {}  # id: placeholder (kept alive, so an id is never reused)
_CHECKING = set()  # the names whose learner's function is being checked (no recursion)
_NOTED = set()  # the (name, where) whose one-line note was printed
_STAND_INS = {}  # name: the course's version a test gave to the call now running (grader)
_DELEGATING = set()  # the names whose placeholder is running the notebook's own (no recursion)


@contextlib.contextmanager
def standing_in(replacements):
    """Inside the block, a stripped reference named in `replacements` ({name: function})
    answers through it: `module.name` gives it, and the placeholder calls it.

    Used by the kernel's side of a graded test (autograder/inside/serve.py) for the call
    of the student's function that a test gave the course's version of an upstream exercise
    (course_lib.testing.upstream_replaced): that version is a call back to the grader,
    which works during that call only.
    """
    saved = dict(_STAND_INS)
    _STAND_INS.update(replacements)
    try:
        yield
    finally:
        _STAND_INS.clear()
        _STAND_INS.update(saved)


def notebooks_own(name):
    """While grading: the notebook's own function `name`, when it defines one, else None.

    So the course_lib code that a notebook runs (lesson 09's training loop, whose default
    loss is softmax_cross_entropy) uses the student's function, never the course's. Not
    checked (no check runs while grading): whatever the student's function does, only
    the student's code runs.
    """
    function = getattr(sys.modules.get("__main__"), name, None)
    if not callable(function) or is_placeholder(function) or name in _DELEGATING:
        return None
    return function


def learners_own(name):
    """The learner's own function `name` when it passes its instant check, else None.

    For a graded student copy (never while grading), outside the instant checks (which
    compare with the course's answers only: a course function they call that needs a
    missing one is skipped, course_lib/checks/_core.py). Looked for in the notebook, then in
    the learner's saved notebook of the lesson whose exercise it is (`saved_own`): a
    finished lesson 02 gives lesson 09's network its conv2d_forward. A helper that is not
    an exercise itself but is one's result (`relu` from relu_forward, `layer_row` from
    summary) is derived from it.
    Prints a one-line note the first time a name is used so.
    """
    if name in DERIVED:
        exercise, derive = DERIVED[name]
        function = learners_own(exercise)
        return None if function is None else derive(function)
    from course_lib import checks
    from course_lib.checks import _expected

    if name not in checks.REFERENCES or name in _CHECKING \
            or _expected.CURRENT_LESSON.get() != "?":  # inside a check: the course's only
        return None
    function = getattr(sys.modules.get("__main__"), name, None)
    where = ""
    if not _passes(function, name):
        function = saved_own(name)
        where = f" from your saved lesson {_lessons().get(name)} notebook"
        if not _passes(function, name):
            return None
    if (name, where) not in _NOTED:
        _NOTED.add((name, where))
        print(f"(This copy of the course has no {name} of its own: this cell uses yours"
              f"{where}, which passes its check.)")
    return ADAPTED[name](function) if name in ADAPTED else function


def _int_padding(conv2d_backward):
    """The learner's conv2d_backward, whose exercise (lesson 06) takes an int padding, for a
    course layer's cache whose padding is "valid", or "same" with stride 1 and a square,
    odd kernel: then the same zeros on every side, (kernel - 1) / 2."""
    def backward(dout, cache):
        x, w, b, stride, padding = cache
        if padding == "valid":
            padding = 0
        elif padding == "same" and stride == 1 and w.shape[0] == w.shape[1] and w.shape[0] % 2:
            padding = (w.shape[0] - 1) // 2
        elif isinstance(padding, str):
            raise NotAvailableWhileGrading(
                f"conv2d_backward is not in this copy of the course, and yours (lesson 06) takes "
                f"an int padding: this cell's layer uses padding={padding!r} with stride "
                f"{stride} and a {w.shape[0]}x{w.shape[1]} kernel, which no int padding gives")
        return conv2d_backward(dout, (x, w, b, stride, padding))

    backward.__name__ = backward.__qualname__ = "conv2d_backward"
    return backward


# The learner's exercise, fitted to what course_lib's layers give it.
ADAPTED = {"conv2d_backward": _int_padding}


# Helpers stripped from a graded copy that are an exercise's result: (exercise, derivation).
DERIVED = {
    "relu": ("relu_forward", lambda relu_forward: lambda x: relu_forward(x)[0]),
    "layer_row": ("summary", lambda summary: lambda name, options, input_shape: tuple(
        summary([(name, options)], input_shape)[0][1:])),
}


def _passes(function, name):
    if not callable(function) or is_placeholder(function):
        return False
    from course_lib import checks

    _CHECKING.add(name)
    try:
        return checks.passes(function, name)
    finally:
        _CHECKING.discard(name)


def saved_own(name):
    """`name` as defined in the learner's saved notebook of the lesson whose exercise it is
    (lessons/NN_*/NN_*.ipynb of this copy), or None.

    Only the imports and the function and class definitions of that notebook's code cells
    run (not its demos, not its test cells), once per saved version of the file.
    """
    lesson = _lessons().get(name)
    if not lesson:
        return None
    for folder in sorted((EXPECTED.parents[2] / "lessons").glob(f"{lesson}_*")):
        path = folder / f"{folder.name}.ipynb"
        if path.is_file():
            return _saved_definitions(str(path), path.stat().st_mtime_ns).get(name)
    return None


@functools.lru_cache(maxsize=16)
def _saved_definitions(path, version):
    """The namespace of the definitions in the saved notebook at `path` (`version`: its
    modification time, so that a newly saved notebook is read again)."""
    import ast

    try:
        notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    namespace = {"__name__": f"saved_{Path(path).stem}"}
    kept = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef)
    for cell in notebook.get("cells", []):
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or (nbgrader.get("grade")
                                               and not nbgrader.get("solution")):
            continue
        source = cell.get("source", "")
        source = source if isinstance(source, str) else "".join(source)
        try:
            tree = ast.parse(source)
        except SyntaxError:  # an IPython magic, or a cell the learner is still typing
            continue
        for node in tree.body:
            if isinstance(node, kept):
                try:
                    exec(compile(ast.Module([node], []), path, "exec"), namespace)  # noqa: S102
                except Exception:  # noqa: BLE001  (the learner's code: skip what fails)
                    continue
    return namespace


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
        if name in hidden:
            stand_in = _STAND_INS.get(name)
            if stand_in is not None:  # the course's version, given to the call now running
                return stand_in
            if not _asked_by_course_lib():
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
