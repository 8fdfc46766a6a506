"""Run a graded test cell in the grader's own process, asking the student's kernel for data.

A test cell's code (its hidden part too) never runs next to the student's
code. It runs here, in a fresh namespace. A name the cell uses without
defining it is looked up in the student's notebook through the kernel's
`serve` loop (autograder/inside/serve.py):

- plain data (numbers, strings, arrays, tuples/lists/dicts of them) is copied
  once, on arrival, and the test reads only that copy;
- a Keras model, a History, a course_lib network are rebuilt here from plain
  data (autograder/inside/objects.py), so the test asks its own object;
- a module named by the notebook is this process's own (numpy, math, keras,
  course_lib ...), never imported on the kernel's word;
- a function of the notebook becomes a StudentFunction: calling it runs the
  student's code in the sandbox and brings back plain data;
- anything else fails the test that uses it, with a message saying why.

Builtins are always this process's own: a student's global named `len` or
`type` neither helps nor hurts. The test passes when its code raises nothing
here. The student's kernel can answer wrongly, but only about the student's
own work: the asserts, the oracles and the verdict are out of its reach.
"""

import ast
import builtins
import contextlib
import io
import traceback
import warnings

from nbformat.notebooknode import NotebookNode

from autograder.remote import IMPORTABLE, KernelUnavailable, StudentFunction

MAX_OUTPUT_CHARACTERS = 100_000


class NotebookNamespace(dict):
    """A test cell's globals: what the cell defines, else the student's notebook, else builtins."""

    def __init__(self, channel):
        super().__init__()
        self.channel = channel

    def __missing__(self, name):
        if name.startswith("__") or hasattr(builtins, name):
            raise KeyError(name)
        try:
            reply = self.channel.request({"op": "get", "name": name})
        except NameError:
            raise KeyError(name) from None
        value = self.channel.decode(reply.get("value"))
        if isinstance(value, StudentFunction):
            object.__setattr__(value, "_name", name)
        self[name] = value
        return value


def trusted_prelude(release):
    """The lesson's own imports (from its student version), to bind in every test's namespace.

    A test that uses `np` or `layers` gets numpy and course_lib.layers, whatever
    the student's globals of those names hold.
    """
    statements = []
    for cell in release.cells:
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or nbgrader.get("solution") or nbgrader.get("grade"):
            continue
        try:
            tree = ast.parse(_drop_magics(cell.source))
        except SyntaxError:
            continue
        for node in tree.body:
            modules = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if modules and all(module.split(".")[0] in IMPORTABLE for module in modules):
                statements.append(ast.unparse(node))
    return "\n".join(dict.fromkeys(statements))


def visible_imports(release):
    """{grade_id: the import statements of that test cell's student version}.

    Under stock nbgrader a test cell runs in the student's kernel, so a name it
    imports (`import builtins`, `import math`) is there for the student's
    functions from then on. The grader runs these statements in the kernel before
    each test, so an honest answer that relies on them scores as it would there.
    Only the release's visible part is read: nothing of a hidden test reaches the
    kernel, and only modules of IMPORTABLE (and builtins) are imported.
    """
    imports = {}
    for cell in release.cells:
        nbgrader = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or not nbgrader.get("grade") or nbgrader.get("solution"):
            continue
        try:
            tree = ast.parse(_drop_magics(cell.source))
        except SyntaxError:
            continue
        statements = []
        for node in tree.body:
            modules = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                       else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if modules and all(module.split(".")[0] in (*IMPORTABLE, "builtins")
                               for module in modules):
                statements.append(ast.unparse(node))
        imports[nbgrader.get("grade_id")] = "\n".join(statements)
    return imports


def run_test_cell(source, channel, name="test", prelude="", draw_key=None):
    """Execute a test cell's source; return its outputs (a stream, and an error if it failed).

    `prelude` (trusted_prelude) runs first, in the same fresh namespace. With
    `draw_key` (bytes: autograder.secret.student_key), the case generators of
    course_lib.cases add the cases drawn from it while the cell runs.
    """
    import course_lib.testing
    from course_lib._sampling import drawing_with

    swapping = course_lib.testing.swap_in_this_process
    course_lib.testing.swap_in_this_process = False  # the student's code runs elsewhere
    namespace = NotebookNamespace(channel)
    namespace["__name__"] = "__main__"
    printed = io.StringIO()
    error = None
    try:
        code = compile(_drop_magics(source), f"<{name}>", "exec")
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed), \
                warnings.catch_warnings(), drawing_with(draw_key):
            warnings.simplefilter("default")
            exec(compile(prelude, "<lesson imports>", "exec"), namespace)  # noqa: S102
            exec(code, namespace)  # noqa: S102  (the course's own test code)
    except (Exception, KernelUnavailable) as raised:  # a failed test: any exception
        error = raised
    finally:
        course_lib.testing.swap_in_this_process = swapping
    outputs = []
    text = printed.getvalue()
    if text:
        if len(text) > MAX_OUTPUT_CHARACTERS:
            text = text[:MAX_OUTPUT_CHARACTERS] + "\n... output truncated ...\n"
        outputs.append(NotebookNode(output_type="stream", name="stdout", text=text))
    if error is not None:
        outputs.append(error_output(error, name))
    return outputs


def error_output(error, name):
    """An nbformat error output for an exception raised while a test ran."""
    lines = traceback.format_exception(type(error), error, error.__traceback__)
    where = [line for line in lines if f'"<{name}>"' in line]
    return NotebookNode(output_type="error", ename=type(error).__name__,
                        evalue=str(error)[:2000],
                        traceback=[*where[-3:], f"{type(error).__name__}: {str(error)[:2000]}"])


def _drop_magics(source):
    """Test cells are plain Python; an IPython magic line would be a SyntaxError here."""
    try:
        ast.parse(source)
        return source
    except SyntaxError:
        return "\n".join("pass  # " + line if line.lstrip().startswith(("%", "!")) else line
                         for line in source.splitlines())
