"""The student's side of a graded test: answer the grader's questions about the notebook.

While the grader runs a test cell in its own process, the student's kernel
runs `serve(path)`: it connects to the grader's Unix socket and answers
requests until the grader says "done":

- get NAME: the value of a global of the notebook;
- getattr / getitem / unary (len, repr, iter, array ...) on an object;
- call: call a function of the notebook with the grader's arguments, and send
  back the result and the new state of every list, dict and array argument
  (so an in-place change is visible to the test, as it would be in Jupyter).

Everything sent back is data (autograder.inside.wire); other objects stay
here and are named by a number. Nothing the kernel answers decides a grade by
itself: the grader checks the answers with its own code.
"""

import base64
import builtins
import importlib
import pickle
import socket
import sys
import types
import warnings

import numpy as np

from . import wire

UNARY = {"len": len, "repr": repr, "str": str, "bool": bool, "float": float, "int": int,
         "index": lambda value: value.__index__(), "iter": lambda value: list(value),
         "array": np.asarray}
MAX_TEXT = 100_000


class _Session:
    def __init__(self, namespace):
        self.namespace = namespace
        self.objects = {}

    def make_ref(self, value):
        if isinstance(value, types.ModuleType):
            return {"__t": "module", "name": str(getattr(value, "__name__", ""))}
        number = len(self.objects) + 1
        self.objects[number] = value
        return {"__t": "ref", "id": number, "type": type(value).__name__[:80]}

    def resolve(self, data):
        tag = data["__t"]
        if tag == "ref":
            return self.objects[int(data["id"])]
        if tag == "pickle":
            return pickle.loads(base64.b64decode(data["b64"]))
        if tag == "module":
            return importlib.import_module(str(data["name"]))
        raise wire.WireError(f"unknown tag {tag!r}")

    def encode(self, value, arguments=()):
        known = {id(argument): index for index, argument in enumerate(arguments)
                 if isinstance(argument, (np.ndarray, list, dict))}

        def make_ref(inner):
            return self.make_ref(inner)

        if id(value) in known:
            return {"__t": "argref", "index": known[id(value)]}
        if isinstance(value, tuple) and type(value) is tuple:
            return {"__t": "tuple", "items": [self.encode(item, arguments) for item in value]}
        return wire.encode(value, make_ref)

    def answer(self, request):
        operation = request.get("op")
        if operation == "get":
            name = str(request["name"])
            if name not in self.namespace:
                raise NameError(f"name {name!r} is not defined in the notebook")
            return {"value": self.encode(self.namespace[name])}
        target = self.objects[int(request["ref"])]
        if operation == "getattr":
            return {"value": self.encode(getattr(target, str(request["name"])))}
        if operation == "getitem":
            return {"value": self.encode(target[wire.decode(request["key"], self.resolve)])}
        if operation == "unary":
            value = UNARY[str(request["fn"])](target)
            if isinstance(value, str) and len(value) > MAX_TEXT:
                value = value[:MAX_TEXT] + "..."
            return {"value": self.encode(value)}
        if operation == "call":
            return self.call(target, request)
        raise ValueError(f"unknown request {operation!r}")

    def call(self, function, request):
        args = [wire.decode(item, self.resolve) for item in request.get("args", [])]
        kwargs = {str(key): wire.decode(item, self.resolve)
                  for key, item in request.get("kwargs", [])}
        positions = list(range(len(args))) + list(kwargs)
        values = args + list(kwargs.values())
        # Upstream references first: their working copies are made before the originals
        # are disabled.
        with warnings.catch_warnings(record=True) as caught, _upstream_replaced(
                function, request.get("replaced", {})), _references_disabled(
                request.get("disabled", [])):
            warnings.simplefilter("always")
            result = function(*args, **kwargs)
        writeback = [[position, _state(value, self.make_ref)]
                     for position, value in zip(positions, values) if _mutable(value)]
        raised = [[warning.category.__name__, str(warning.message)[:MAX_TEXT]]
                  for warning in caught[:20]]
        return {"value": self.encode(result, values), "writeback": writeback,
                "warnings": raised}


def _mutable(value):
    return isinstance(value, (np.ndarray, list, dict)) or (
        callable(getattr(value, "get_weights", None)) and hasattr(value, "set_weights"))


def _state(value, make_ref):
    if isinstance(value, (np.ndarray, list, dict)):
        return wire.encode(value, make_ref)
    return {"__t": "weights", "value": wire.encode(
        [np.asarray(weight) for weight in value.get_weights()], make_ref)}


def _resolve(name):
    module_name, _, qualified = str(name).partition(":")
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
    return upstream_replaced(function, **{str(name): working_copy(_resolve(reference))
                                          for name, reference in dict(replaced).items()})


def _references_disabled(names):
    """Make the named course_lib functions (and copies of them) raise during a call."""
    from course_lib.testing import reference_disabled

    return reference_disabled(*[_resolve(name) for name in names])


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
    session = _Session(namespace)
    import course_lib.testing

    course_lib.testing.copies_cache = {}  # copies of the references: searched once per test
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    connection.connect(path)
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
