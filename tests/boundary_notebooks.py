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

# The course's references, reached around the "your own function" check. Under stock nbgrader
# that check (course_lib.testing.reference_disabled) runs in the student's kernel, and each of
# these routes calls the reference anyway; under the course's grader the lesson's references
# are not in the kernel's course_lib at all. Each solution cell uses one route; a cell that
# patches something for its own test puts it back in the next cell, so that under stock
# nbgrader every route is the only one at work for its test.

# Lesson 01, notebook 1: a saved function object, the reference's source compiled afresh,
# a fresh import after editing sys.modules, the module's file read and executed.
SAVED_CODE_PUT_BACK = '''\
from course_lib import layers as _layers

try:  # taken before grading starts, outside any test
    _saved = _layers.dense_forward
    _saved_code = _saved.__code__
except Exception:
    _saved = _saved_code = None


def dense_forward(x, w, b):
    """The course's reference, its saved code put back during the call."""
    _saved.__code__ = _saved_code
    return _saved(x, w, b)
'''

FRESH_IMPORT_AFTER_EDITING_SYS_MODULES = '''\
import importlib as _importlib
import sys as _sys


def relu_forward(x):
    """The reference from a fresh import of its module: new function objects."""
    name = "course_lib.layers.activations"
    saved = _sys.modules.pop(name)
    try:
        fresh = _importlib.import_module(name)
    finally:
        _sys.modules[name] = saved
    return fresh.relu_forward(x)
'''

SOURCE_COMPILED_AFRESH = '''\
import inspect as _inspect

from course_lib.layers import activations as _activations

try:  # read before the test disables anything
    _softmax_source = _inspect.getsource(_activations.softmax)
except Exception:
    _softmax_source = None


def softmax(x):
    """The reference's source compiled again: new code that no check knows."""
    namespace = dict(vars(_activations))
    exec(_softmax_source, namespace)
    return namespace["softmax"](x)
'''

FILE_READ_AND_EXECUTED = '''\
def mlp_param_count(sizes):
    """The reference's module file, as the kernel has it, executed afresh."""
    import course_lib.shapes as shapes_module

    namespace = {"__name__": shapes_module.__name__}
    with open(shapes_module.__file__, encoding="utf-8") as stream:
        exec(compile(stream.read(), shapes_module.__file__, "exec"), namespace)
    return namespace["mlp_param_count"](sizes)
'''

# Lesson 01, notebook 2: importlib.reload, a no-op reference_disabled, a wrapped __import__;
# its mlp_param_count is the honest solution (it keeps its points).
RELOADED = '''\
import importlib as _importlib


def dense_forward(x, w, b):
    """The reference from its module, reloaded: a new function object."""
    from course_lib.layers import dense
    return _importlib.reload(dense).dense_forward(x, w, b)
'''

NO_OP_REFERENCE_DISABLED = '''\
import contextlib as _contextlib

import course_lib.testing as _testing

_original_reference_disabled = _testing.reference_disabled
_testing.reference_disabled = lambda *functions: _contextlib.nullcontext()


def relu_forward(x):
    """The course's reference, with the check that forbids it replaced by a no-op."""
    from course_lib import layers
    return layers.relu_forward(x)
'''

WRAPPED_IMPORT = '''\
import builtins as _builtins
import contextlib as _contextlib
import types as _types

import course_lib.testing as _testing

_testing.reference_disabled = _original_reference_disabled  # the last cell's patch undone
_real_import = _builtins.__import__


def _import(name, globals=None, locals=None, fromlist=(), level=0):
    module = _real_import(name, globals, locals, fromlist, level)
    if name == "course_lib.testing" and fromlist and "reference_disabled" in fromlist:
        fake = _types.SimpleNamespace(**vars(module))
        fake.reference_disabled = lambda *functions: _contextlib.nullcontext()
        return fake
    return module


_builtins.__import__ = _import


def softmax(x):
    """The course's reference; whoever imports reference_disabled gets a no-op."""
    from course_lib import layers
    return layers.softmax(x)
'''

HONEST_AFTER_WRAPPED_IMPORT = '''\
import builtins as _builtins

_builtins.__import__ = _real_import  # the last cell's patch undone


def mlp_param_count(sizes):
    """Number of weights and biases of an MLP with layer widths `sizes` (input first)."""
    return sum(n_in * n_out + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))
'''

# Lesson 09: the course's softmax_cross_entropy, which the lesson's later exercises build on
# (the gradient check gets it from its test; the training loop's default loss is it), taken
# before grading starts and its code put back during the call, as SAVED_CODE_PUT_BACK does.
LOSS_SAVED_CODE_PUT_BACK = '''\
from course_lib import losses as _losses

try:  # taken before grading starts, outside any test
    _saved_loss = _losses.softmax_cross_entropy
    _saved_loss_code = _saved_loss.__code__
except Exception:
    _saved_loss = _saved_loss_code = None


def softmax_cross_entropy(logits, labels):
    """The course's reference, its saved code put back during the call."""
    _saved_loss.__code__ = _saved_loss_code
    return _saved_loss(logits, labels)
'''

# Lesson 03: the course's conv_output_size, given to conv_output_shape during its test, kept
# and called from pool_output_shape in a later test.
STAND_IN_KEPT = '''\
_KEPT = []


def conv_output_shape(input_shape, filters, kernel_size, strides=1, padding="valid"):
    """Honest, and it keeps the conv_output_size the test gives it."""
    _KEPT.append(conv_output_size)
    height, width, _ = input_shape
    kernel_h, kernel_w = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    stride_h, stride_w = (strides, strides) if isinstance(strides, int) else strides
    return (conv_output_size(height, kernel_h, stride_h, padding),
            conv_output_size(width, kernel_w, stride_w, padding),
            filters)
'''

STAND_IN_CALLED_OUTSIDE_ITS_TEST = '''\
def pool_output_shape(input_shape, pool_size=2, strides=None, padding="valid"):
    """The conv_output_size kept from conv_output_shape's test, not the one given now."""
    size = _KEPT[0]
    height, width, channels = input_shape
    if strides is None:
        strides = pool_size
    pool_h, pool_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
    stride_h, stride_w = (strides, strides) if isinstance(strides, int) else strides
    return (size(height, pool_h, stride_h, padding), size(width, pool_w, stride_w, padding),
            channels)
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
