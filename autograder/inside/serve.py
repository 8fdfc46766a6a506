"""The student's side of a graded test: answer the grader's questions about the notebook.

While the grader runs a test cell in its own process, the student's kernel
runs `serve(path)`: it connects to the grader's Unix socket and answers
requests until the grader says "done":

- get NAME: the value of a global of the notebook;
- call: call a function of the notebook with the grader's arguments.

Every answer is plain data (wire.py), sent once: numbers, strings, arrays,
tuples/lists/dicts of them, and the course's objects described as plain data
(objects.py: a Keras model, a History, a course_lib network, a random
Generator). A function of the notebook is named by a number: the grader can
only call it. Anything else is answered as "opaque" (its type name), which
fails the test that asked for it.

The grader's arguments are built here from plain data too; a function the test
defines (the `f` of a numerical gradient), and a reference of the lesson being
graded (which this kernel's course_lib lacks), stay in the grader and are
called back over the socket, only during the call they were given to. The
upstream exercises a test gives the student's function (`upstream_replaced`)
come the same way: named, when the kernel's course_lib has them, else as such
a call-back; they are bound in the notebook's globals for that call only.
After a call, every argument that the student's function changed in place is
named in the reply, and only the arguments that the function's contract updates
in place (`course_lib.testing.IN_PLACE`, e.g. a state dict) have their new state
sent.
Nothing the kernel answers decides a grade by itself.
"""

import builtins
import contextlib
import importlib
import json
import socket
import sys
import types
import warnings

import numpy as np

from . import objects, wire

MAX_TEXT = 100_000


class _Session:
    def __init__(self, namespace, connection=None):
        self.namespace = namespace
        self.connection = connection
        self.functions = {}
        self.calling = False
        self.call_number = 0  # which call is running: a call-back works only during its own

    # ---- kernel -> grader

    def describe(self, value):
        """The tagged plain form of a value that wire.encode does not take as it is."""
        if isinstance(value, types.ModuleType):
            return {"__t": "module", "name": str(getattr(value, "__name__", ""))}
        if objects.is_keras_model(value):
            return {"__t": "model", **objects.plain_fields(objects.describe_model(value))}
        if objects.is_history(value):
            return {"__t": "history", **objects.plain_fields(objects.describe_history(value))}
        if objects.is_network(value):
            return {"__t": "network", **objects.plain_fields(objects.describe_network(value))}
        if isinstance(value, np.random.Generator):
            return {"__t": "generator", **objects.describe_generator(value)}
        if callable(value) and not isinstance(value, type):
            number = len(self.functions) + 1
            self.functions[number] = value
            return {"__t": "ref", "id": number, "type": type(value).__name__[:80]}
        return {"__t": "opaque", "type": type(value).__name__[:80]}

    def encode(self, value):
        return wire.encode(value, self.describe)

    # ---- grader -> kernel

    def resolve(self, data):
        tag = data["__t"]
        fields = objects.fields_of(data)
        if tag == "model":
            return objects.build_model(fields)
        if tag == "network":
            return objects.build_network(fields)
        if tag == "generator":
            return objects.build_generator(data)
        if tag == "callback":
            return _GraderFunction(self, int(data["id"]), "a function of the test")
        if tag == "function":
            return _course_function(str(data["name"]))
        if tag == "ref":
            return self.functions[int(data["id"])]
        raise wire.WireError(f"unknown tag {tag!r}")

    def answer(self, request):
        operation = request.get("op")
        if operation == "get":
            name = str(request["name"])
            if name not in self.namespace:
                raise NameError(f"name {name!r} is not defined in the notebook")
            return {"value": self.encode(self.namespace[name])}
        if operation == "call":
            return self.call(self.functions[int(request["ref"])], request)
        raise ValueError(f"unknown request {operation!r}")

    def call(self, function, request):
        self.call_number += 1
        replaced = {str(name): self._replacement(tag)
                    for name, tag in dict(request.get("replaced", {})).items()}
        args = [wire.decode(item, self.resolve, layouts=True) for item in request.get("args", [])]
        kwargs = {str(key): wire.decode(item, self.resolve, layouts=True)
                  for key, item in request.get("kwargs", [])}
        positions = list(range(len(args))) + list(kwargs)
        values = args + list(kwargs.values())
        before = [_fingerprint(value) for value in values]
        in_place = set(request.get("in_place", []))
        self.calling = True
        try:
            with warnings.catch_warnings(record=True) as caught, _rebound(function, replaced):
                warnings.simplefilter("always")
                result = function(*args, **kwargs)
        finally:
            self.calling = False
        changed = [position for position, value, old in zip(positions, values, before)
                   if old is not None and _fingerprint(value) != old]
        writeback = [[position, self._state(value)]
                     for position, value in zip(positions, values)
                     if position in changed and position in in_place]
        raised = [[warning.category.__name__, str(warning.message)[:MAX_TEXT]]
                  for warning in caught[:20]]
        return {"value": self.encode(result), "changed": changed, "writeback": writeback,
                "warnings": raised}

    def _replacement(self, tag):
        """An upstream exercise for the student's function: the kernel's copy, or a call-back."""
        if not isinstance(tag, dict) or tag.get("__t") not in ("function", "callback"):
            raise wire.WireError("an upstream replacement that is not a function")
        if tag["__t"] == "callback":
            return _GraderFunction(self, int(tag["id"]), "the course's version of an earlier "
                                   "exercise")
        from course_lib.testing import working_copy

        return working_copy(_course_function(str(tag["name"])))

    def _state(self, value):
        if objects.is_keras_model(value):
            return {"__t": "weights", "value": wire.encode(
                [np.asarray(weight) for weight in value.get_weights()], _refuse)}
        return wire.encode(value, _refuse)


def _refuse(value):
    raise objects.ObjectError(f"a {type(value).__name__} in an argument's new state")


def _no_objects(data):
    raise wire.WireError(f"unexpected {data.get('__t')!r} inside a course object")


def _fingerprint(value):
    """A comparable snapshot of an argument's content (None: not tracked)."""
    if isinstance(value, (np.ndarray, list, dict)):
        try:
            return json.dumps(wire.encode(value, lambda inner: {"__t": "id", "id": id(inner)}))
        except (TypeError, ValueError):
            return None
    if objects.is_keras_model(value):
        return json.dumps(wire.encode([np.asarray(weight) for weight in value.get_weights()],
                                      _refuse))
    return None


class _GraderFunction:
    """A function of the test, called back in the grader with plain arguments."""

    def __init__(self, session, number, name):
        self._session, self._number, self.__name__ = session, number, name
        self._call = session.call_number

    def __call__(self, *args, **kwargs):
        session = self._session
        if not session.calling or session.connection is None or self._call != session.call_number:
            raise RuntimeError(f"{self.__name__} from a test can be called only while the "
                               "test's call it was given to runs")
        wire.send_frame(session.connection, {
            "op": "callback", "id": self._number,
            "args": [wire.encode(arg, _refuse_argument) for arg in args],
            "kwargs": [[str(key), wire.encode(value, _refuse_argument)]
                       for key, value in kwargs.items()]})
        reply = wire.receive_frame(session.connection)
        if not isinstance(reply, dict) or not reply.get("ok"):
            reply = reply if isinstance(reply, dict) else {}
            message, kind = str(reply.get("evalue", ""))[:2000], str(reply.get("ename", ""))
            error = getattr(builtins, kind, None)
            if isinstance(error, type) and issubclass(error, Exception) \
                    and error.__module__ == "builtins":
                raise error(message)  # a course function's own error, such as a ValueError
            raise ValueError(f"{self.__name__} could not be evaluated: {message[:200]}")
        return wire.decode(reply.get("value"), _no_objects)

    def __repr__(self):
        return f"<function {self.__name__} of the test>"


def _refuse_argument(value):
    raise TypeError(f"a function of the test takes arrays and numbers, not a "
                    f"{type(value).__name__}")


def _course_function(name):
    """A function of course_lib or numpy named "module:qualname" by the grader."""
    module_name, _, qualified = name.partition(":")
    if module_name.split(".")[0] not in ("course_lib", "numpy"):
        raise wire.WireError(f"a function of {module_name!r}")
    value = importlib.import_module(module_name)
    for part in qualified.split("."):
        value = getattr(value, part)
    return value


@contextlib.contextmanager
def _rebound(function, replacements):
    """The course's versions in place of the named helpers the learner's function calls.

    The names are rebound in the globals the learner's function reads, and restored after;
    for the call, they also answer for the kernel's stripped references of those names
    (course_lib._unavailable.standing_in: `losses.softmax_cross_entropy` in lesson 09's
    network_gradient_check).
    """
    namespace = getattr(function, "__globals__", None) if replacements else None
    if namespace is None:
        yield
        return
    from course_lib import _unavailable

    missing = object()
    saved = {name: namespace.get(name, missing) for name in replacements}
    namespace.update(replacements)
    try:
        with _unavailable.standing_in(replacements):
            yield
    finally:
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value


def _error_reply(error):
    name = type(error).__name__
    return {"ok": False, "ename": name[:80], "evalue": str(error)[:2000],
            "builtin": isinstance(getattr(builtins, name, None), type)}


def serve(path):
    """Answer the grader on the Unix socket at `path` until it sends {"op": "done"}."""
    try:
        namespace = get_ipython().user_ns  # noqa: F821  (inside IPython)
    except NameError:
        namespace = sys.modules["__main__"].__dict__
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(path)
    session = _Session(namespace, connection)
    try:
        while True:
            request = wire.receive_frame(connection)
            if request.get("op") == "done":
                return
            try:
                reply = {"ok": True, **session.answer(request)}
            except BaseException as error:  # the student's code may raise anything
                if isinstance(error, KeyboardInterrupt):
                    raise
                reply = _error_reply(error)
            try:
                wire.send_frame(connection, reply)
            except (wire.WireError, TypeError, ValueError) as error:
                wire.send_frame(connection, _error_reply(error))
    finally:
        connection.close()
