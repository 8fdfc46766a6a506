"""The grader's end of a test's conversation with the student's kernel.

`Channel` sends requests to the kernel's `serve` loop (autograder/inside/serve.py)
and decodes its answers as plain data (autograder/inside/wire.py). `Remote` is an
object that stays in the student's kernel (a function, a trained network): every
use of it is a question, and every answer comes back as data or as another Remote.
Calling a Remote runs the student's code in the sandbox, with the course_lib
references that the test disabled or substituted (course_lib.testing) passed on;
the new state of list, dict and array arguments, and the weights of Keras models,
are copied back, so an in-place change is seen as it would be in Jupyter.

Anything malformed or late from the kernel raises KernelUnavailable, a
BaseException that no `except Exception` in a test can swallow.
"""

import base64
import builtins
import importlib
import socket
import time
import warnings

from autograder.inside import wire

# Modules a test may receive from the notebook by name; anything else stays remote.
IMPORTABLE = ("numpy", "math", "random", "warnings", "collections", "itertools", "functools",
              "keras", "tensorflow", "scipy", "course_lib", "statistics")


class StudentCodeError(Exception):
    """An exception raised by the student's code that is not a builtin exception."""


class KernelUnavailable(BaseException):
    """The student's kernel did not answer properly: it crashed, stopped, ran past the test's
    time, or sent something that is not an answer.

    A BaseException, so that no `except Exception` (or `pytest.raises(ValueError)`) in a test
    can take a broken or silent kernel for an answer: the test fails.
    """


class Channel:
    """The grader's end of one test cell's conversation with the student's kernel."""

    def __init__(self, connection, deadline):
        self.connection = connection
        self.deadline = deadline

    def request(self, message):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise KernelUnavailable("the test ran past its time limit")
        self.connection.settimeout(remaining)
        try:
            wire.send_frame(self.connection, message)
            reply = wire.receive_frame(self.connection)
        except socket.timeout:
            raise KernelUnavailable("your code ran past the test's time limit") from None
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
        try:
            return wire.decode(data, self.resolve)
        except Exception as error:  # anything malformed the kernel may send
            raise KernelUnavailable(f"the notebook's kernel sent a malformed answer ({error})") \
                from None

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
        try:
            for position, state in reply.get("writeback", []):
                if position in positions:
                    _write_back(values[positions.index(position)], state, channel)
            raised = [(str(category), str(message)) for category, message in reply.get("warnings", [])]
            result = _with_arguments(reply.get("value"), values, channel)
        except KernelUnavailable:
            raise
        except Exception as error:  # a reply of the wrong shape
            raise KernelUnavailable(f"the notebook's kernel sent a malformed answer ({error})") \
                from None
        for category, message in raised:
            kind = getattr(builtins, category, None)
            if not (isinstance(kind, type) and issubclass(kind, Warning)):
                kind = UserWarning
            warnings.warn(message, kind, stacklevel=2)
        return result

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
