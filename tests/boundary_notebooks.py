"""Submissions that attack the boundary between the student's kernel and the grader's verdict.

Each is the source of one solution cell, written as a student who wants points for
no work would write it. Under stock nbgrader (the test code runs in the student's
kernel) each one gains points it does not deserve or reads test code: that is the
control run of tests/test_autograder_boundary.py.
"""

# Objects that lie: an answer that says it equals whatever it is compared with.
ALWAYS_EQUAL = '''\
class Count(int):
    def __eq__(self, other):
        return True
    __hash__ = int.__hash__


def mlp_param_count(sizes):
    """Number of weights and biases of an MLP with layer widths `sizes` (input first)."""
    return Count(0)
'''

# The grader's own work: 128 bytes that announce 30 million elements of a zero-size dtype.
ZERO_SIZE_DTYPE = '''\
def relu_forward(x):
    """Forward pass of ReLU (an array of 30 million elements of an empty dtype)."""
    import numpy
    return numpy.empty(30_000_000, dtype=[]), x
'''

# The kernel writes into the test's objects: zero the upstream gradient the test's oracle uses.
WRITES_INTO_DOUT = '''\
def numerical_gradient(f, x, dout=None, h=1e-5):
    """Right without dout; with dout, zeroes the caller's dout and returns zeros."""
    if dout is not None:
        dout[...] = 0
        return np.zeros(x.shape)
    grad = np.zeros(x.shape)
    for position in np.ndindex(x.shape):
        original = x[position]
        x[position] = original + h
        plus = float(np.sum(f(x)))
        x[position] = original - h
        minus = float(np.sum(f(x)))
        x[position] = original
        grad[position] = (plus - minus) / (2 * h)
    return grad
'''

# Test code crossing: read the test's function (its source, code, globals), keep it in a
# global, and print it from the next exercise's cell (SHOW_WHAT_WAS_SEEN), which runs after
# the test in the student's kernel.
READS_TEST_CODE = '''\
import inspect

_SEEN = []


def _what_the_test_sent(f):
    found = []
    try:
        found.append(inspect.getsource(f))
    except (TypeError, OSError):
        pass
    code = getattr(f, "__code__", None)
    if code is not None:
        found.append(repr(code.co_consts) + repr(code.co_names))
    found.append(repr(sorted(getattr(f, "__globals__", {}))))
    for name in dir(f):
        if not name.startswith("__"):
            found.append(f"{name}={getattr(f, name)!r}"[:300])
    return "\\n".join(found)


def numerical_gradient(f, x, dout=None, h=1e-5):
    """Correct, and it keeps what it can learn of the test's f."""
    _SEEN.append(_what_the_test_sent(f))
    def total(value):
        value = np.asarray(value, dtype=float)
        return float(np.sum(value if dout is None else value * dout))

    grad = np.zeros(x.shape)
    for position in np.ndindex(x.shape):
        original = x[position]
        x[position] = original + h
        plus = total(f(x))
        x[position] = original - h
        minus = total(f(x))
        x[position] = original
        grad[position] = (plus - minus) / (2 * h)
    return grad
'''

SHOW_WHAT_WAS_SEEN = '''
print("SEEN:", len(_SEEN), "calls")
print("\\n".join(_SEEN))
'''

# Objects that lie: a "network" that looks the validation labels up instead of computing.
LOOKUP_NETWORK = '''\
from course_lib import digits as _digits

(_, _), (_x_check, _y_check) = _digits.load_digits_split()
_answers = {row.tobytes(): label for row, label in zip(_x_check, _y_check)}


def _lookup_predict(self, x):
    out = np.zeros((len(x), 10))
    for index, row in enumerate(x):
        out[index, _answers.get(row.tobytes(), 0)] = 1.0
    return out


# Classes named like course_lib's, without taking the notebook's own names.
_Lookup = type("Sequential", (), {"predict": _lookup_predict, "layers": [
    type(kind, (), {})() for kind in ("Conv2D", "MaxPool2D", "Dense")]})
network = _Lookup()
history = {"val_accuracy": [0.99], "loss": [0.1]}
'''

# A table of answers to the repository's public cases (the hidden test's committed seed and
# the visible test), zeros for any other input; and, from inside the sandbox, a search for
# the grading secret of the batch while the hidden test runs (the first call), reported by
# SHOW_SECRET_SEARCH in a later cell. The secret is spelled in two halves here, so that a
# copy of this notebook would not count as finding it.
LOOKUP_PUBLIC_CASES = '''\
import os
import sys

from course_lib.cases import dense_cases

_visible = (np.array([[1.0, 2.0]]), np.array([[1.0, 0.0, -1.0], [0.5, 1.0, 2.0]]),
            np.array([0.1, 0.2, 0.3]))
_table = {repr([(a.dtype, a.shape, a.tobytes()) for a in case]): case[0] @ case[1] + case[2]
          for case in [_visible, *dense_cases(1234, count=10)]}
_SEARCH = []


def _search_for_the_secret():
    needle = ("cnn-boundary-" + "grading-secret").encode()
    skipped = ("/proc", "/sys", "/dev", "/usr", "/lib", "/lib64", "/bin", "/sbin",
               os.path.realpath(sys.prefix), os.path.realpath(sys.base_prefix))
    places, found = [], []
    texts = [("os.environ", repr(dict(os.environ)).encode())]
    for pid in os.listdir("/proc"):
        for part in ("environ", "cmdline"):
            texts.append((f"/proc/{pid}/{part}", f"/proc/{pid}/{part}"))
    for folder, subfolders, files in os.walk("/"):
        subfolders[:] = [name for name in subfolders
                         if os.path.realpath(os.path.join(folder, name)) not in skipped]
        texts += [(os.path.join(folder, name), os.path.join(folder, name)) for name in files]
    for where, text in texts[:50_000]:
        try:
            if isinstance(text, str):
                if not text.startswith("/proc") and os.path.getsize(text) > 5_000_000:
                    continue
                with open(text, "rb") as stream:
                    text = stream.read()
        except OSError:
            continue
        places.append(where)
        if needle in text:
            found.append(where)
    return len(places), found


def dense_forward(x, w, b):
    """The output for the inputs of the table, zeros for any other."""
    if not _SEARCH:
        _SEARCH.append(_search_for_the_secret())
    key = repr([(np.asarray(a).dtype, np.shape(a), np.asarray(a).tobytes()) for a in (x, w, b)])
    return _table.get(key, np.zeros((np.shape(x)[0], np.shape(w)[1]))), (x, w, b)
'''

SHOW_SECRET_SEARCH = '''
print("SECRET SEARCH:", _SEARCH)
'''
