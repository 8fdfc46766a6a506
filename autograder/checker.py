"""Run a graded test cell in the grader's own process, asking the student's kernel for data.

A test cell's code (its hidden part too) never runs next to the student's
code. It runs here, in a fresh namespace. A name the cell uses without
defining it is looked up in the student's notebook through the kernel's
`serve` loop (autograder/inside/serve.py):

- plain data (numbers, strings, arrays, tuples/lists/dicts of them) is copied;
- a module is imported here by name (numpy, math, keras, course_lib ...), so a
  student's `np` that is not numpy cannot fool a test;
- anything else (the student's functions, a trained network) becomes a Remote:
  calling it runs the student's code in the sandbox and brings back data.

Builtins are always this process's own: a student's global named `len` or
`type` neither helps nor hurts. The test passes when its code raises nothing
here. The student's kernel can answer wrongly, but only about the student's
own work: the asserts, the oracles and the verdict are out of its reach.
"""

import ast
import base64
import builtins
import contextlib
import importlib
import io
import socket
import time
import traceback
import warnings

from nbformat.notebooknode import NotebookNode

from autograder.inside import wire

# Modules a test may receive from the notebook by name; anything else stays remote.
IMPORTABLE = ("numpy", "math", "random", "warnings", "collections", "itertools", "functools",
              "keras", "tensorflow", "scipy", "course_lib", "statistics")
MAX_OUTPUT_CHARACTERS = 100_000


class StudentCodeError(Exception):
    """An exception raised by the student's code that is not a builtin exception."""


class KernelUnavailable(Exception):
    """The student's kernel did not answer (it crashed, was stopped, or ran out of time)."""


class Channel:
    """The grader's end of one test cell's conversation with the student's kernel."""

    def __init__(self, connection, deadline):
        self.connection = connection
        self.deadline = deadline

    def request(self, message):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("the test ran past its time limit")
        self.connection.settimeout(remaining)
        try:
            wire.send_frame(self.connection, message)
            reply = wire.receive_frame(self.connection)
        except socket.timeout:
            raise TimeoutError("your code ran past the test's time limit") from None
        except (OSError, wire.WireError) as error:
            raise KernelUnavailable(f"the notebook's kernel stopped answering ({error})") from None
        if not isinstance(reply, dict):
            raise KernelUnavailable("the notebook's kernel sent something that is not an answer")
        if not reply.get("ok"):
            raise _student_error(reply)
        return reply

    def resolve(self, data):
        tag = data["__t"]
        if tag == "ref":
            return Remote(self, int(data["id"]), str(data.get("type", "object"))[:80])
        if tag == "module":
            return _import_allowed(str(data.get("name", "")))
        raise wire.WireError(f"unexpected {tag!r} from the notebook")

    def decode(self, data):
        return wire.decode(data, self.resolve)

    def encode(self, value):
        def make_ref(inner):
            if isinstance(inner, Remote):
                return {"__t": "ref", "id": object.__getattribute__(inner, "_number")}
            import cloudpickle

            return {"__t": "pickle", "b64": base64.b64encode(cloudpickle.dumps(inner)).decode()}

        return wire.encode(value, make_ref)


def _import_allowed(name):
    if name.split(".")[0] not in IMPORTABLE:
        raise ImportError(f"the notebook's module {name!r} is not available to the tests")
    return importlib.import_module(name)


def _student_error(reply):
    name, message = str(reply.get("ename", "Exception"))[:80], str(reply.get("evalue", ""))
    builtin = getattr(builtins, name, None)
    if (reply.get("builtin") and isinstance(builtin, type) and issubclass(builtin, Exception)
            and builtin.__module__ == "builtins"):
        try:
            return builtin(message)
        except TypeError:  # exceptions whose constructors need more arguments
            pass
    safe = name if name.isidentifier() else "StudentCodeError"
    return type(safe, (StudentCodeError,), {})(message)


class Remote:
    """An object that lives in the student's kernel; every use is a question to it."""

    __slots__ = ("_channel", "_number", "_type_name")

    def __init__(self, channel, number, type_name):
        object.__setattr__(self, "_channel", channel)
        object.__setattr__(self, "_number", number)
        object.__setattr__(self, "_type_name", type_name)

    def _ask(self, operation, **fields):
        channel = object.__getattribute__(self, "_channel")
        reply = channel.request({"op": operation, "ref": object.__getattribute__(self, "_number"),
                                 **fields})
        return channel.decode(reply.get("value"))

    def __getattr__(self, name):
        if name.startswith("__array_") or name in ("__length_hint__", "__iter__"):
            raise AttributeError(name)
        return self._ask("getattr", name=name)

    @property
    def __class__(self):
        return self._ask("getattr", name="__class__")

    def __setattr__(self, name, value):
        raise AttributeError("objects from the notebook are read-only in a test")

    def __call__(self, *args, **kwargs):
        from course_lib.testing import active_references, active_replacements

        channel = object.__getattribute__(self, "_channel")
        values = list(args) + list(kwargs.values())
        reply = channel.request({
            "op": "call", "ref": object.__getattribute__(self, "_number"),
            "args": [channel.encode(value) for value in args],
            "kwargs": [[key, channel.encode(value)] for key, value in kwargs.items()],
            "disabled": active_references(), "replaced": active_replacements()})
        positions = list(range(len(args))) + list(kwargs)
        for position, state in reply.get("writeback", []):
            if position in positions:
                _write_back(values[positions.index(position)], state, channel)
        for category, message in reply.get("warnings", []):
            kind = getattr(builtins, str(category), None)
            if not (isinstance(kind, type) and issubclass(kind, Warning)):
                kind = UserWarning
            warnings.warn(str(message), kind, stacklevel=2)
        return _with_arguments(reply.get("value"), values, channel)

    def _unary(self, function):
        return self._ask("unary", fn=function)

    def __len__(self):
        return self._unary("len")

    def __iter__(self):
        return iter(self._unary("iter"))

    def __getitem__(self, key):
        channel = object.__getattribute__(self, "_channel")
        return self._ask("getitem", key=channel.encode(key))

    def __bool__(self):
        return self._unary("bool")

    def __float__(self):
        return float(self._unary("float"))

    def __int__(self):
        return int(self._unary("int"))

    def __index__(self):
        return int(self._unary("index"))

    def __array__(self, dtype=None, copy=None):
        import numpy as np

        return np.asarray(self._unary("array"), dtype=dtype)

    def __repr__(self):
        return str(self._unary("repr"))

    def __str__(self):
        return str(self._unary("str"))

    def __reduce__(self):
        raise TypeError("an object from the notebook cannot be copied into a test")


def _write_back(original, state, channel):
    """Apply the state an argument had after the student's call to the test's own object."""
    import numpy as np

    if isinstance(state, dict) and state.get("__t") == "weights":
        weights = channel.decode(state.get("value"))
        if callable(getattr(original, "set_weights", None)) and isinstance(weights, list):
            original.set_weights(weights)
        return
    new = channel.decode(state)
    if isinstance(original, np.ndarray) and isinstance(new, np.ndarray):
        if new.shape == original.shape and not np.array_equal(new, original, equal_nan=True):
            np.copyto(original, new, casting="unsafe")
    elif isinstance(original, list) and isinstance(new, list):
        original[:] = new
    elif isinstance(original, dict) and isinstance(new, dict):
        original.clear()
        original.update(new)


def _with_arguments(data, arguments, channel):
    """Decode a call's result, giving back the test's own objects where the student returned them."""
    if isinstance(data, dict) and data.get("__t") == "argref":
        index = int(data.get("index", -1))
        if 0 <= index < len(arguments):
            return arguments[index]
        raise wire.WireError("a result naming an argument that does not exist")
    if isinstance(data, dict) and data.get("__t") == "tuple":
        return tuple(_with_arguments(item, arguments, channel) for item in data["items"])
    return channel.decode(data)


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


def run_test_cell(source, channel, name="test", prelude=""):
    """Execute a test cell's source; return its outputs (a stream, and an error if it failed).

    `prelude` (trusted_prelude) runs first, in the same fresh namespace.
    """
    import course_lib.testing

    course_lib.testing.swap_in_this_process = False  # the student's code runs elsewhere
    namespace = NotebookNamespace(channel)
    namespace["__name__"] = "__main__"
    printed = io.StringIO()
    error = None
    try:
        code = compile(_drop_magics(source), f"<{name}>", "exec")
        with contextlib.redirect_stdout(printed), contextlib.redirect_stderr(printed), \
                warnings.catch_warnings():
            warnings.simplefilter("default")
            exec(compile(prelude, "<lesson imports>", "exec"), namespace)  # noqa: S102
            exec(code, namespace)  # noqa: S102  (the course's own test code)
    except Exception as raised:  # a failed test: any exception
        error = raised
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
