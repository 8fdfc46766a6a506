"""The grader's end of a test's conversation with the student's kernel.

`Channel` sends requests to the kernel's `serve` loop (autograder/inside/serve.py)
and turns each answer into plain data once, on arrival (autograder/inside/wire.py):
arrays (bounded before they are built), numbers, strings, tuples/lists/dicts of
them, and the course's objects rebuilt here from their plain descriptions
(autograder/inside/objects.py: a Keras model from Keras' own layer classes and
its weights, a History, a course_lib network, a random Generator). Test code
never holds an object of the kernel: the one exception is a `StudentFunction`,
which can only be called, and whose results are plain data again.

Arguments cross the other way as plain data too: the kernel gets copies, never the
test's objects, and a function the test defines is not sent: the kernel calls it
back here, with plain arguments, while the call runs. So is a course_lib reference
that the kernel's copy of course_lib lacks (the lesson's own, `removed`), such as
the upstream exercise a test gives the student's function (`upstream_replaced`).
After a call, an argument the student's function changed in place fails the test
(`ArgumentChanged`), unless the function's contract updates it
(`course_lib.testing.IN_PLACE`): then, and only then, its new state is written
into the test's object, after a check of its structure.

Anything malformed, late or unreadable from the kernel raises KernelUnavailable
(or a subclass), a BaseException that no `except Exception` in a test can swallow.
"""

import builtins
import socket
import sys
import time
import types
import warnings

import numpy as np

from autograder.inside import objects, wire

# Modules a test may receive from the notebook by name, as this process already has them.
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


class UnreadableAnswer(KernelUnavailable):
    """The notebook answered with something the tests cannot read as data."""


class ArgumentChanged(KernelUnavailable):
    """The student's function changed an argument that its contract says it leaves alone."""


class Channel:
    """The grader's end of one test cell's conversation with the student's kernel."""

    def __init__(self, connection, deadline, removed=()):
        self.connection = connection
        self.deadline = deadline
        self.removed = frozenset(removed)  # "module:qualname" the kernel's course_lib lacks
        self.callbacks = {}
        self.course_callbacks = set()  # callbacks that are course_lib code: errors say why

    def request(self, message):
        self._send(message)
        while True:
            reply = self._receive()
            if reply.get("op") == "callback":
                self._send(self._callback(reply))
                continue
            if not reply.get("ok"):
                raise _student_error(reply)
            return reply

    def _send(self, message):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise KernelUnavailable("the test ran past its time limit")
        self.connection.settimeout(remaining)
        try:
            wire.send_frame(self.connection, message)
        except socket.timeout:
            raise KernelUnavailable("your code ran past the test's time limit") from None
        except (OSError, wire.WireError) as error:
            raise KernelUnavailable(f"the notebook's kernel stopped answering ({error})") from None

    def _receive(self):
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise KernelUnavailable("your code ran past the test's time limit")
        self.connection.settimeout(remaining)
        try:
            reply = wire.receive_frame(self.connection)
        except socket.timeout:
            raise KernelUnavailable("your code ran past the test's time limit") from None
        except (OSError, wire.WireError) as error:
            raise KernelUnavailable(f"the notebook's kernel stopped answering ({error})") from None
        if not isinstance(reply, dict):
            raise KernelUnavailable("the notebook's kernel sent something that is not an answer")
        return reply

    def _callback(self, request):
        """Evaluate a function of the test on plain arguments from the student's code."""
        function = self.callbacks.get(request.get("id")) if isinstance(request.get("id"),
                                                                       int) else None
        if function is None:
            return {"ok": False, "evalue": "no such function of the test"}
        try:
            args = [wire.decode(item, _refuse_tag) for item in request.get("args", [])]
            kwargs = {str(key): wire.decode(item, _refuse_tag)
                      for key, item in request.get("kwargs", [])}
            value = function(*args, **kwargs)
            return {"ok": True, "value": wire.encode(value, _refuse_object)}
        except KernelUnavailable:
            raise
        except Exception as error:  # noqa: BLE001  (the student's arguments may be anything)
            if request.get("id") in self.course_callbacks:  # course_lib's own message
                return {"ok": False, "ename": type(error).__name__[:80],
                        "evalue": str(error)[:2000]}
            return {"ok": False, "evalue": type(error).__name__}

    def resolve(self, data):
        """Build the course object a tagged description stands for (plain data inside)."""
        tag = data["__t"]
        if tag == "ref":
            return StudentFunction(self, int(data["id"]))
        if tag == "module":
            return _known_module(str(data.get("name", "")))
        if tag == "opaque":
            raise UnreadableAnswer(
                f"the notebook gave a {str(data.get('type', 'object'))[:80]} where the test "
                "reads numbers, strings, arrays, lists, tuples or dicts of them (or a Keras "
                "model, a History, a course_lib network)")
        fields = objects.fields_of(data)
        if tag == "model":
            return objects.build_model(fields)
        if tag == "history":
            return objects.build_history(fields)
        if tag == "network":
            return objects.build_network(fields)
        if tag == "generator":
            return objects.build_generator(data)
        raise wire.WireError(f"unexpected {tag!r} from the notebook")

    def decode(self, data):
        try:
            return wire.decode(data, self.resolve)
        except KernelUnavailable:
            raise
        except objects.ObjectError as error:
            raise UnreadableAnswer(f"the notebook's answer cannot be rebuilt here: {error}") \
                from None
        except Exception as error:  # anything malformed the kernel may send
            raise KernelUnavailable(f"the notebook's kernel sent a malformed answer ({error})") \
                from None

    def encode(self, value):
        """An argument as plain data for the kernel; the test's own functions stay here."""
        def describe(inner):
            if isinstance(inner, StudentFunction):
                return {"__t": "ref", "id": object.__getattribute__(inner, "_number")}
            if objects.is_keras_model(inner):
                return {"__t": "model", **objects.plain_fields(objects.describe_model(inner))}
            if objects.is_network(inner):
                return {"__t": "network", **objects.plain_fields(objects.describe_network(inner))}
            if isinstance(inner, np.random.Generator):
                return {"__t": "generator", **objects.describe_generator(inner)}
            name = _course_function_name(inner)
            if name is not None and name not in self.removed:
                return {"__t": "function", "name": name}
            if isinstance(inner, types.FunctionType):
                return self.callback(inner, course=name is not None)
            raise TypeError(f"a test cannot hand a {type(inner).__name__} to the notebook: "
                            "only plain data, course objects and functions")

        return wire.encode(value, describe)

    def callback(self, function, course=False):
        """The tag of a function of this process that the kernel may call back, during a call.

        Not even its name crosses. `course`: it is course_lib code, whose errors may be
        told to the kernel as they are (a test's own function answers only its error's type).
        """
        number = len(self.callbacks) + 1
        self.callbacks[number] = function
        if course:
            self.course_callbacks.add(number)
        return {"__t": "callback", "id": number}

    def replacement(self, function):
        """How an upstream reference given to the student's function crosses (upstream_replaced).

        A reference the kernel's course_lib still has is named, and the kernel uses its own
        copy; one of the lesson's stripped references is called back here.
        """
        name = f"{getattr(function, '__module__', '')}:{getattr(function, '__qualname__', '')}"
        if name.split(".")[0] in ("course_lib", "numpy") and name not in self.removed \
                and "<" not in name:
            return {"__t": "function", "name": name}
        return self.callback(function, course=True)


def _refuse_object(value):
    raise TypeError(f"a {type(value).__name__} is not plain data")


def _refuse_tag(data):
    raise wire.WireError(f"unexpected {data.get('__t')!r} inside plain data")


def _course_function_name(value):
    """"module:qualname" of a course_lib or numpy function reachable under that name."""
    module = getattr(value, "__module__", None) or ""
    qualified = getattr(value, "__qualname__", "")
    if module.split(".")[0] not in ("course_lib", "numpy") or "<" in qualified:
        return None
    found = sys.modules.get(module)
    for part in qualified.split("."):
        found = getattr(found, part, None)
    return f"{module}:{qualified}" if found is value else None


def _known_module(name):
    """A module the notebook names: only one of IMPORTABLE that this process already has."""
    if name.split(".")[0] not in IMPORTABLE or name not in sys.modules:
        raise UnreadableAnswer(f"the notebook's module {name!r} is not available to the tests")
    return sys.modules[name]


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


class StudentFunction:
    """A function of the student's notebook: it can be called, and nothing else."""

    __slots__ = ("_channel", "_number", "_name")

    def __init__(self, channel, number, name="function"):
        object.__setattr__(self, "_channel", channel)
        object.__setattr__(self, "_number", number)
        object.__setattr__(self, "_name", name)

    def __getattr__(self, name):
        raise AttributeError(f"a function of the notebook has no attribute {name!r} here")

    def __setattr__(self, name, value):
        raise AttributeError("functions from the notebook are read-only in a test")

    def __call__(self, *args, **kwargs):
        from course_lib.testing import IN_PLACE, active_replacements

        channel = object.__getattribute__(self, "_channel")
        name = object.__getattribute__(self, "_name")
        values = list(args) + list(kwargs.values())
        positions = list(range(len(args))) + list(kwargs)
        in_place = [position for position in positions
                    if position in IN_PLACE.get(name, ())]
        reply = channel.request({
            "op": "call", "ref": object.__getattribute__(self, "_number"),
            "args": [channel.encode(value) for value in args],
            "kwargs": [[key, channel.encode(value)] for key, value in kwargs.items()],
            "in_place": in_place,
            "replaced": {name: channel.replacement(function)
                         for name, function in active_replacements().items()}})
        result = channel.decode(reply.get("value"))
        try:
            changed = [position for position in reply.get("changed", []) if position in positions]
            states = {position: state for position, state in reply.get("writeback", [])
                      if position in in_place}
            raised = [(str(category), str(message))
                      for category, message in reply.get("warnings", [])]
        except (TypeError, ValueError) as error:  # a reply of the wrong shape
            raise KernelUnavailable(f"the notebook's kernel sent a malformed answer ({error})") \
                from None
        for position in changed:
            if position not in in_place:
                which = f"argument {position + 1}" if isinstance(position, int) \
                    else f"argument {position!r}"
                raise ArgumentChanged(f"{name} changed its {which} in place; it must leave "
                                      "its inputs unchanged (work on a copy)")
            _write_back(values[positions.index(position)], states.get(position), channel)
        for category, message in raised:
            kind = getattr(builtins, category, None)
            if not (isinstance(kind, type) and issubclass(kind, Warning)):
                kind = UserWarning
            warnings.warn(message, kind, stacklevel=2)
        return result

    def __repr__(self):
        return f"<function {object.__getattribute__(self, '_name')} of the notebook>"

    def __reduce__(self):
        raise TypeError("a function of the notebook cannot be copied into a test")


def _write_back(original, state, channel):
    """Put an argument's new state into the test's object, if it has the object's structure."""
    if state is None:
        raise KernelUnavailable("the notebook's kernel changed an argument but sent no state")
    if isinstance(state, dict) and state.get("__t") == "weights":
        weights = wire.decode(state.get("value"), _refuse_tag)
        current = original.get_weights()
        if not (isinstance(weights, list) and len(weights) == len(current) and all(
                isinstance(new, np.ndarray) and new.shape == old.shape
                for new, old in zip(weights, current))):
            raise UnreadableAnswer("the model's new weights do not fit the model")
        original.set_weights(weights)
        return
    try:
        new = wire.decode(state, _refuse_tag)
    except wire.WireError as error:
        raise KernelUnavailable(f"the notebook's kernel sent a malformed state ({error})") \
            from None
    if isinstance(original, np.ndarray) and isinstance(new, np.ndarray) \
            and new.shape == original.shape and new.dtype.kind in "biufc":
        np.copyto(original, new, casting="unsafe")
    elif isinstance(original, dict) and isinstance(new, dict) and all(
            isinstance(key, str) for key in new):
        original.clear()
        original.update(new)
    elif isinstance(original, list) and isinstance(new, list):
        original[:] = new
    else:
        raise UnreadableAnswer("an argument's new state does not have the argument's structure")
