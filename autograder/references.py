"""The references a lesson's exercises ask for, and the sandbox's course_lib without them.

Every graded NumPy exercise has a working reference in course_lib. While lesson
L is graded, the student's kernel imports a copy of course_lib in which the
references of L's exercises are stripped (`lesson_library`): each definition is
replaced by a placeholder that raises "not available while grading"
(course_lib/_unavailable.py), so that the reference can neither run nor be read
in the sandbox. Earlier lessons' references stay: later lessons build on them.

Which functions are L's references is derived from the lesson itself
(`lesson_references`): the arguments of `reference_disabled(...)` in L's graded
test cells whose docstring says "Introduced in lesson L". Left in the copy: a
reference of an earlier lesson that a test also disables (lesson 01's softmax in
lesson 09's softmax_cross_entropy test). A reference that L's own later exercises
build on is stripped too: a test gives the student's function the course's version
as a call back to the grader, valid during that call only (upstream_replaced;
lesson 09's network_gradient_check gets the course's softmax_cross_entropy so), and
course_lib code that the notebook runs outside a test (lesson 09's training loop,
whose default loss is softmax_cross_entropy) runs the student's own function of that
name (course_lib/_unavailable.py).
"""

import ast
import functools
import hashlib
import json
import os
import re
import shutil
import tempfile
import textwrap
from pathlib import Path

from autograder.course import SOLUTIONS

SEAL_LINE = '\n__import__("course_lib._unavailable", fromlist=["seal"]).seal(__name__)\n'
PLACEHOLDER_LINE = ('{name} = __import__("course_lib._unavailable", fromlist=["placeholder"])'
                    '.placeholder({name!r}, __name__)')


def _code_cells(lesson):
    """[(kind, grade_id, syntax tree)] of the solution's code cells; kind: test, solution or ''."""
    notebook = json.loads((SOLUTIONS / lesson / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    code = []
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        kind = "solution" if nbgrader.get("solution") else "test" if nbgrader.get("grade") else ""
        code.append((kind, nbgrader.get("grade_id"), _parse(source)))
    return code


def _parse(source):
    try:
        return ast.parse(source)
    except SyntaxError:  # an IPython magic line: `pass` in its place, at its indentation
        return ast.parse("\n".join(
            line[:len(line) - len(line.lstrip())] + "pass"
            if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()))


def _course_imports(trees):
    """A namespace of every course_lib import of the notebook, under the names the cells use."""
    namespace = {}
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
            else:
                continue
            if all(module.split(".")[0] == "course_lib" for module in modules):
                exec(compile(ast.Module([node], []), "<lesson imports>", "exec"),  # noqa: S102
                     namespace)
    return namespace


@functools.lru_cache(maxsize=None)
def disabled_references(lesson):
    """{grade_id: ("module:qualname", ...)}: what each graded test cell of `lesson` disables.

    Read from the arguments of `reference_disabled(...)` in the solution's test cells,
    resolved through the notebook's own course_lib imports.
    """
    cells = _code_cells(lesson)
    namespace = _course_imports([tree for _, _, tree in cells])
    table = {}
    for kind, grade_id, tree in cells:
        if kind != "test":
            continue
        names = []
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _called_name(node.func) == "reference_disabled":
                for argument in node.args:
                    function = eval(compile(ast.Expression(argument), "<argument>",  # noqa: S307
                                            "eval"), dict(namespace))
                    names.append(f"{function.__module__}:{function.__qualname__}")
        if names:
            table[grade_id] = tuple(dict.fromkeys(names))
    return table


def _called_name(func):
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)


def introduced_in(name):
    """The lesson number ("03") whose exercise reference "module:qualname" is."""
    import importlib

    module, _, qualified = name.partition(":")
    function = importlib.import_module(module)
    for part in qualified.split("."):
        function = getattr(function, part)
    found = re.findall(r"Introduced in lesson (\d+)", function.__doc__ or "")
    if len(found) != 1:
        raise ValueError(f"{name}: expected one 'Introduced in lesson NN' in its docstring, "
                         f"found {found or 'none'}")
    return found[0].zfill(2)


def used_by_solutions(lesson):
    """The attribute names `lesson`'s solution cells use (`shapes.conv_output_shape`)."""
    return {node.attr for kind, _, tree in _code_cells(lesson) if kind == "solution"
            for node in ast.walk(tree) if isinstance(node, ast.Attribute)}


@functools.lru_cache(maxsize=None)
def lesson_references(lesson):
    """The references of `lesson`'s graded exercises, as sorted "module:qualname" strings:
    those its test cells disable that the lesson introduces (see above)."""
    return tuple(sorted({name for names in disabled_references(lesson).values() for name in names
                         if introduced_in(name) == lesson[:2]}))


def strip_functions(source, names):
    """`source` with each top-level `def` of `names` replaced by a one-line placeholder.

    Raises ValueError when one of `names` is not a top-level function of `source`.
    """
    lines = source.splitlines(keepends=True)
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in names:
            first = min([node.lineno, *(item.lineno for item in node.decorator_list)])
            found[node.name] = (first, node.end_lineno)
    missing = sorted(set(names) - set(found))
    if missing:
        raise ValueError(f"strip_functions: expected top-level functions {missing} in the "
                         f"module, found none of that name")
    for name, (first, last) in sorted(found.items(), key=lambda item: -item[1][0]):
        lines[first - 1:last] = [PLACEHOLDER_LINE.format(name=name) + "\n"]
    return "".join(lines)


def _module_file(root, module):
    relative = Path(*module.split("."))
    package = root / relative / "__init__.py"
    return package if package.is_file() else root / relative.with_suffix(".py")


def all_references():
    """The references of every lesson's graded exercises: what a graded student copy lacks.

    As in `lesson_references`, one that a later lesson's solution cells call as the
    course's version stays (lesson 04's summary uses the course's dense_params and
    conv_output_shape), so that lesson does not depend on the earlier exercise, and so
    does every reference such a kept one calls (conv_output_shape calls conv_output_size).
    """
    lessons = sorted(folder.name for folder in SOLUTIONS.iterdir()
                     if (folder / f"{folder.name}.ipynb").is_file())
    removed, kept = set(), set()
    for index, lesson in enumerate(lessons):
        used_later = set().union(*(used_by_solutions(later) for later in lessons[index + 1:]))
        for name in lesson_references(lesson):
            (kept if name.rpartition(":")[2] in used_later else removed).add(name)
    while kept:
        called = set().union(*(_names_called(name) for name in kept))
        kept = {name for name in removed if name.rpartition(":")[2] in called}
        removed -= kept
    return tuple(sorted(removed))


def _names_called(name):
    """The names and attributes that function "module:qualname"'s code mentions, and the code
    of the same module's functions it calls (a private helper), recursively."""
    import importlib
    import inspect

    module_name, _, qualified = name.partition(":")
    module = importlib.import_module(module_name)
    names, todo = set(), [qualified]
    while todo:
        function = getattr(module, todo.pop(), None)
        if not inspect.isfunction(function) or function.__module__ != module_name:
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
        found = ({node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
                 | {node.attr for node in ast.walk(tree) if isinstance(node, ast.Attribute)})
        todo.extend(found - names - {qualified})
        names |= found
    return names
def strip_references(root, removed, seal=True):
    """Strip the functions `removed` ("module:qualname") from the course_lib under `root`.

    In place: each definition becomes a placeholder (strip_functions), and, with `seal`,
    every module of `root`/course_lib but _unavailable.py is sealed
    (course_lib/_unavailable.py). Unsealed (a graded student copy), a notebook can still
    import a placeholder; it raises when called.
    """
    root = Path(root)
    by_module = {}
    for name in removed:
        module, _, qualified = name.partition(":")
        by_module.setdefault(module, []).append(qualified)
    for module, names in by_module.items():
        path = _module_file(root, module)
        path.write_text(strip_functions(path.read_text(encoding="utf-8"), names),
                        encoding="utf-8")
    for path in sorted((root / "course_lib").rglob("*.py")) if seal else ():
        if path.name != "_unavailable.py":
            with open(path, "a", encoding="utf-8") as stream:
                stream.write(SEAL_LINE)


def lesson_library(library, lesson):
    """The sandbox's library for grading `lesson`: `library` with `lesson`'s references stripped.

    Inputs:
    - library: a pristine library folder (autograder.template.sandbox_library)
    - lesson: the lesson id, e.g. "01_dense_layers"

    Built once beside `library` (named after it, the lesson and the stripped names) and
    never written again; `library` itself when the lesson has no reference to strip.
    """
    library = Path(library)
    removed = lesson_references(lesson)
    if not removed:
        return library
    digest = hashlib.sha256("\n".join(removed).encode()).hexdigest()[:8]
    target = library.parent / f"{library.name}-{lesson[:2]}-{digest}"
    if target.is_dir():
        return target
    building = Path(tempfile.mkdtemp(prefix="building-", dir=library.parent))
    try:
        # Never compiled files: a .pyc of the pristine copy holds the references' code.
        shutil.copytree(library, building, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        strip_references(building, removed)
        os.rename(building, target)
    except OSError:
        if not target.is_dir():  # not a concurrent build that won
            raise
    finally:
        shutil.rmtree(building, ignore_errors=True)
    return target
