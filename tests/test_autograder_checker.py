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
        session = serve._Session(namespace)
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
    """Calls, in-place changes, returned arguments and student exceptions, as in Jupyter."""
    def scale(x, factor=2.0):
        return x * factor

    def double_in_place(x):
        x *= 2
        return x

    def picky(x):
        raise ValueError("x must be positive")

    connection, _ = honest({"scale": scale, "double_in_place": double_in_place, "picky": picky,
                            "weights": np.arange(3.0)})
    assert run("np.testing.assert_allclose(scale(np.ones(2), factor=3), [3.0, 3.0])\n"
               "a = np.ones(3)\nb = double_in_place(a)\nassert b is a and a.sum() == 6\n"
               "assert weights.tolist() == [0.0, 1.0, 2.0]\n"
               "try:\n    picky(-1)\n    raise AssertionError('no error')\n"
               "except ValueError as error:\n    assert 'positive' in str(error)\n",
               connection) is None


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
