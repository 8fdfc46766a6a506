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
defines (the `f` of a numerical gradient) stays in the grader and is called
back over the socket, only during the call it was given to. After a call, every
argument that the student's function changed in place is named in the reply,
and only the arguments that the function's contract updates in place
(`course_lib.testing.IN_PLACE`, e.g. a state dict) have their new state sent.
Nothing the kernel answers decides a grade by itself.
"""

import builtins
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
        args = [wire.decode(item, self.resolve, layouts=True) for item in request.get("args", [])]
        kwargs = {str(key): wire.decode(item, self.resolve, layouts=True)
                  for key, item in request.get("kwargs", [])}
        positions = list(range(len(args))) + list(kwargs)
        values = args + list(kwargs.values())
        before = [_fingerprint(value) for value in values]
        in_place = set(request.get("in_place", []))
        # Upstream references first: their working copies are made before the originals
        # are disabled.
        self.calling = True
        try:
            with warnings.catch_warnings(record=True) as caught, _upstream_replaced(
                    function, request.get("replaced", {})), _references_disabled(
                    request.get("disabled", [])):
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

    def __call__(self, *args):
        if not self._session.calling or self._session.connection is None:
            raise RuntimeError(f"{self.__name__} from a test can be called only while the "
                               "test's call runs")
        wire.send_frame(self._session.connection, {
            "op": "callback", "id": self._number,
            "args": [wire.encode(arg, _refuse_argument) for arg in args]})
        reply = wire.receive_frame(self._session.connection)
        if not isinstance(reply, dict) or not reply.get("ok"):
            message = str(reply.get("evalue", "")) if isinstance(reply, dict) else ""
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


def _upstream_replaced(function, replaced):
    """The course's references in place of the named helpers the learner's function calls."""
    import contextlib

    from course_lib.testing import upstream_replaced, working_copy

    if not replaced:
        return contextlib.nullcontext()
    return upstream_replaced(function, **{str(name): working_copy(_course_function(reference))
                                          for name, reference in dict(replaced).items()})


def _references_disabled(names):
    """Make the named course_lib functions (and copies of them) raise during a call."""
    from course_lib.testing import reference_disabled

    return reference_disabled(*[_course_function(name) for name in names])


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
    import course_lib.testing

    course_lib.testing.copies_cache = {}  # copies of the references: searched once per test
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
        course_lib.testing.copies_cache = None
        connection.close()
