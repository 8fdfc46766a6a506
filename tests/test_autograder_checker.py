"""The grader's side of a test (autograder/checker.py, remote.py) against a student's side.

No kernel here: the student's side is the real serve logic (autograder/inside/serve.py)
on a namespace in a thread, or a hostile stand-in that answers whatever it likes. What
a test cell concludes must depend only on what the student's functions compute.
"""

import socket
import threading
import time

import numpy as np

from autograder.checker import run_test_cell
from autograder.inside import serve, wire
from autograder.remote import Channel

PRELUDE = "import numpy as np"


def honest(namespace):
    """Serve `namespace` as the student's kernel does; returns (grader's socket, thread)."""
    grader, student = socket.socketpair()

    def loop():
        session = serve._Session(namespace, student)
        try:
            while True:
                request = wire.receive_frame(student)
                if request.get("op") == "done":
                    return
                try:
                    reply = {"ok": True, **session.answer(request)}
                except Exception as error:  # noqa: BLE001  (as serve does)
                    reply = serve._error_reply(error)
                wire.send_frame(student, reply)
        except (wire.WireError, OSError):  # the grader hung up: the test is over
            return

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    return grader, thread


def hostile(answer):
    """A student's side that answers every request with answer(request)."""
    grader, student = socket.socketpair()

    def loop():
        try:
            while True:
                request = wire.receive_frame(student)
                reply = answer(request)
                if reply is None:
                    return
                student.sendall(wire.HEADER.pack(len(reply)) + reply)
        except (wire.WireError, OSError):  # the grader hung up: the test is over
            return

    threading.Thread(target=loop, daemon=True).start()
    return grader


def run(source, connection, seconds=10):
    outputs = run_test_cell(source, Channel(connection, time.monotonic() + seconds), "t", PRELUDE)
    errors = [output for output in outputs if output.output_type == "error"]
    return (errors[0].ename, errors[0].evalue) if errors else None


def test_functions_run_in_the_student_namespace_and_results_come_back_as_data():
    """Calls, returned values, student exceptions, and the in-place contract."""
    def scale(x, factor=2.0):
        return x * factor

    def double_in_place(x):
        x *= 2
        return x

    def adam_step(w, gradient, state):
        state["t"] = state.get("t", 0) + 1
        return w - gradient

    def picky(x):
        raise ValueError("x must be positive")

    connection, _ = honest({"scale": scale, "double_in_place": double_in_place, "picky": picky,
                            "adam_step": adam_step, "weights": np.arange(3.0)})
    assert run("np.testing.assert_allclose(scale(np.ones(2), factor=3), [3.0, 3.0])\n"
               "assert weights.tolist() == [0.0, 1.0, 2.0]\n"
               "state = {}\nw = adam_step(np.ones(2), np.ones(2), state)\n"
               "w = adam_step(w, np.ones(2), state)\nassert state == {'t': 2}, state\n"
               "try:\n    picky(-1)\n    raise AssertionError('no error')\n"
               "except ValueError as error:\n    assert 'positive' in str(error)\n",
               connection) is None
    # Changing an argument that the contract leaves alone fails, even under `except Exception`.
    connection, _ = honest({"double_in_place": double_in_place})
    ename, evalue = run("a = np.ones(3)\ntry:\n    double_in_place(a)\nexcept Exception:\n"
                        "    pass\n", connection)
    assert ename == "ArgumentChanged" and "argument 1" in evalue


def test_wrong_answers_fail_whatever_the_student_globals_hold():
    """A fake `np` and globals named like builtins do not reach the test."""
    class Lenient:
        def __getattr__(self, name):
            return lambda *args, **kwargs: True

    connection, _ = honest({"np": Lenient(), "len": 3, "type": "relu", "isinstance": print,
                            "dense": lambda x: np.zeros_like(x)})
    ename, _ = run("assert len([1]) == 1 and isinstance(1, int)\n"
                   "np.testing.assert_allclose(dense(np.ones(2)), [1.0, 1.0])\n", connection)
    assert ename == "AssertionError"


def test_malformed_or_forged_answers_cannot_pass_a_test():
    """Garbage, a cut frame, or a reply shaped wrong: the test fails, even if it catches Exception."""
    catch_all = "try:\n    f(1)\nexcept Exception:\n    pass\n"
    garbage = hostile(lambda request: b"not json at all")
    assert run(catch_all, garbage)[0] == "KernelUnavailable"
    forged_value = hostile(lambda request: b'{"ok": true, "value": {"__t": "ndarray", "npy": "AAAA"}}')
    assert run("x = f(1)\n", forged_value)[0] == "KernelUnavailable"
    pickled = hostile(lambda request: b'{"ok": true, "value": {"__t": "pickle", "b64": "gASVAAAA"}}')
    assert run(catch_all, pickled)[0] == "KernelUnavailable"
    cut = hostile(lambda request: None)
    assert run(catch_all, cut)[0] == "KernelUnavailable"


def test_a_student_function_that_never_returns_fails_the_test_in_time():
    """The test's deadline holds even if the test catches every Exception."""
    connection, _ = honest({"slow": lambda: time.sleep(30)})
    started = time.monotonic()
    assert run("try:\n    slow()\nexcept Exception:\n    pass\n", connection, seconds=1)[0] == \
        "KernelUnavailable"
    assert time.monotonic() - started < 10


def test_test_code_never_crosses_to_the_student():
    """The student's side sees requests (names, arguments), never the test's source."""
    seen = []

    def answer(request):
        seen.append(request)
        if request["op"] == "get":
            return b'{"ok": true, "value": {"__t": "ref", "id": 1}}'
        return b'{"ok": true, "value": 4}'

    connection = hostile(answer)
    source = "SECRET = 'hidden-oracle-7'\nassert f(2) == 4\n"
    assert run(source, connection) is None
    assert seen and "hidden-oracle-7" not in repr(seen)


def _value(data):
    import json

    return json.dumps({"ok": True, "value": data}).encode()


def _array_frame(shape, dtype):
    """An .npy header announcing `shape` and `dtype`, with no data after it."""
    import base64
    import io

    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": np.lib.format.dtype_to_descr(
        np.dtype(dtype)), "fortran_order": False, "shape": shape})
    return {"__t": "ndarray", "npy": base64.b64encode(buffer.getvalue()).decode()}


def test_an_answer_is_read_once_as_data_and_bounded_before_it_is_built():
    """No proxy to ask twice; arrays of zero-size dtypes or huge counts are refused unbuilt."""
    def answer(request):
        if request["op"] == "get":
            return b'{"ok": true, "value": {"__t": "ref", "id": 1, "type": "function"}}'
        return _value({"__t": "opaque", "type": "Liar"})  # an object that would lie when asked

    source = "out = f(np.ones(3))\nassert out.shape == (3,)\n"
    assert run(source, hostile(answer))[0] == "UnreadableAnswer"
    huge = hostile(lambda request: _value(_array_frame((30_000_000,), [])) if request["op"] == "call"
                   else b'{"ok": true, "value": {"__t": "ref", "id": 1}}')
    assert run("try:\n    f(1)\nexcept Exception:\n    pass\n", huge)[0] == "KernelUnavailable"
    lying = hostile(lambda request: _value(_array_frame((10**6, 10**6), "f8"))
                    if request["op"] == "call" else b'{"ok": true, "value": {"__t": "ref", "id": 1}}')
    assert run("f(1)\n", lying)[0] == "KernelUnavailable"
    # A student function is only callable: no attribute to ask piecemeal.
    connection, _ = honest({"f": lambda x: x})
    assert run("f.shape\n", connection)[0] == "AttributeError"


def test_the_kernel_cannot_write_into_the_tests_objects():
    """A state sent for an argument the contract leaves alone is ignored; a bad one fails."""
    import json

    oracle = {}

    def answer(request):
        if request["op"] == "get":
            return b'{"ok": true, "value": {"__t": "ref", "id": 1}}'
        forged = {"__t": "dict", "items": [["x", {"__t": "list", "items": [1]}]]}
        return json.dumps({"ok": True, "value": 1, "changed": [], "writeback": [[0, forged]]}
                          ).encode()

    source = "expected = {'a': 1}\nf(expected)\nassert expected == {'a': 1}, expected\n"
    assert run(source, hostile(answer)) is None
    oracle["shape"] = None

    def wrong_state(request):
        if request["op"] == "get":
            return b'{"ok": true, "value": {"__t": "ref", "id": 1}}'
        return json.dumps({"ok": True, "value": 1, "changed": [2], "writeback": [
            [2, {"__t": "list", "items": [1]}]]}).encode()

    source = "state = {}\nadam_step(np.ones(1), np.ones(1), state)\n"
    assert run(source, hostile(wrong_state))[0] == "UnreadableAnswer"


def test_no_code_or_object_of_the_test_crosses_to_the_kernel():
    """A test's lambda is called back here with plain data; a test's class is refused."""
    frames = []

    def gradient(f, x):
        return np.array([f(x + 1.0) - f(x - 1.0)]) / 2.0

    namespace = {"gradient": gradient}
    grader, student = socket.socketpair()
    original = wire.receive_frame

    def spy(connection):
        frame = original(connection)
        if connection is student:
            frames.append(frame)
        return frame

    wire.receive_frame = spy
    try:
        def loop():
            session = serve._Session(namespace, student)
            while True:
                request = wire.receive_frame(student)
                if request.get("op") == "done":
                    return
                try:
                    reply = {"ok": True, **session.answer(request)}
                except Exception as error:  # noqa: BLE001
                    reply = serve._error_reply(error)
                wire.send_frame(student, reply)

        thread = threading.Thread(target=loop, daemon=True)
        thread.start()
        source = ("SECRET = 'hidden-oracle-7'\n"
                  "g = gradient(lambda v: float(v[0] ** 2) if SECRET else 0.0, np.array([3.0]))\n"
                  "np.testing.assert_allclose(g, [6.0])\n"
                  "class Planted:\n    pass\n"
                  "try:\n    gradient(Planted(), 1.0)\n    raise AssertionError('sent')\n"
                  "except TypeError as error:\n    assert 'cannot hand' in str(error)\n")
        assert run(source, grader) is None
        wire.send_frame(grader, {"op": "done"})
        thread.join(5)
    finally:
        wire.receive_frame = original
    assert frames and "hidden-oracle-7" not in repr(frames) and "lambda" not in repr(frames)
    assert not any(isinstance(item, dict) and item.get("__t") == "pickle"
                   for frame in frames for item in frame.get("args", []))


def test_the_worker_never_imports_a_module_the_kernel_names():
    """A module name from the kernel is looked up among the worker's own, never imported."""
    import sys

    answer = hostile(lambda request: b'{"ok": true, "value": {"__t": "module", "name": "this"}}')
    sys.modules.pop("this", None)
    assert run("import_me\n", answer)[0] == "UnreadableAnswer"
    assert "this" not in sys.modules
