"""Tamper guard: the checking machinery a test cell relies on, kept pristine.

Runs inside the grading kernel. At kernel start `install()` snapshots what
graded test cells trust: the builtins, numpy, numpy.testing and every loaded
course_lib module (each attribute, and the code object of each Python
function), and the entries of sys.modules for those modules. Before and after
each graded test cell the grading pipeline calls `check_and_restore()` (see
autograder.preprocessors.GuardedExecute): it puts back whatever changed and
returns a description of each change, so the test runs against the real
functions and a submission that patched them is flagged and loses the test.

A determined attacker inside the kernel can still reach this module; the guard
stops the easy and the accidental ways of making tests pass without the work.
"""

import builtins
import importlib
import pkgutil
import sys
import types

GUARD_NAME = "_cnn_grader_check_and_restore"

# Builtins a test cell uses to decide pass/fail; a student's global of the same
# name would shadow them in the test cell, so such a global counts as tampering.
# (Names a beginner may reasonably use as variables, such as sum, min, max, list,
# are not in this list.)
CHECKING_BUILTINS = ("AssertionError", "Exception", "isinstance", "issubclass", "abs",
                     "all", "any", "len", "print", "bool", "float", "int", "type",
                     "callable", "hasattr", "getattr", "repr", "str", "__import__")

# course_lib modules that import heavy libraries are left out of the start-up import.
SKIPPED_COURSE_MODULES = ("course_lib.training", "course_lib.widgets")

_snapshot = {}  # module name -> (module, {attribute: (value, code)})
_numpy_aliases = ("np", "numpy")


def _code_of(value):
    """The code objects that decide what a callable does (function, wrapper, dispatcher)."""
    codes = []
    for candidate in (value, getattr(value, "__wrapped__", None),
                      getattr(value, "_implementation", None)):
        code = getattr(candidate, "__code__", None) if candidate is not None else None
        codes.append(code if isinstance(code, types.CodeType) else None)
    return tuple(codes)


def _record(module):
    attributes = {}
    for name, value in list(vars(module).items()):
        if module is builtins and not (isinstance(value, (type, types.BuiltinFunctionType))):
            continue
        if callable(value) or isinstance(value, types.ModuleType):
            attributes[name] = (value, _code_of(value))
    _snapshot[module.__name__] = (module, attributes)


def _course_modules():
    import course_lib

    names = ["course_lib"]
    for info in pkgutil.walk_packages(course_lib.__path__, "course_lib."):
        if not info.name.startswith(SKIPPED_COURSE_MODULES):
            names.append(info.name)
    return names


def install():
    """Import and snapshot the checking machinery; publish the guard in builtins."""
    for name in ("numpy", "numpy.testing", *_course_modules()):
        try:
            _record(importlib.import_module(name))
        except Exception:  # a broken optional module must not stop grading
            continue
    _record(builtins)
    setattr(builtins, GUARD_NAME, check_and_restore)


def _restore_function_code(where, name, value, codes, changes):
    for candidate, code in zip((value, getattr(value, "__wrapped__", None),
                                getattr(value, "_implementation", None)), codes):
        if code is not None and getattr(candidate, "__code__", None) is not code:
            changes.append(f"{where}.{name} was rewritten")
            candidate.__code__ = code


def check_and_restore(user_namespace=None):
    """Restore every snapshotted object; return a list of what had been changed."""
    changes = []
    for module_name, (module, attributes) in _snapshot.items():
        if module_name != "builtins" and sys.modules.get(module_name) is not module:
            changes.append(f"sys.modules[{module_name!r}] was replaced")
            sys.modules[module_name] = module
        for name, (value, codes) in attributes.items():
            if vars(module).get(name, None) is not value:
                changes.append(f"{module_name}.{name} was replaced")
                setattr(module, name, value)
            _restore_function_code(module_name, name, value, codes, changes)
    if GUARD_NAME not in vars(builtins) or vars(builtins)[GUARD_NAME] is not check_and_restore:
        setattr(builtins, GUARD_NAME, check_and_restore)
    if user_namespace is None:
        user_namespace = _user_namespace()
    changes.extend(_check_user_namespace(user_namespace))
    return changes


def _user_namespace():
    try:
        return get_ipython().user_ns  # noqa: F821  (defined inside IPython)
    except NameError:
        return {}


def _check_user_namespace(namespace):
    changes = []
    for name in CHECKING_BUILTINS:
        if name in namespace:
            changes.append(f"the builtin {name} was shadowed by a global")
            del namespace[name]
    numpy = _snapshot.get("numpy", (None,))[0]
    for alias in _numpy_aliases:
        if alias in namespace and numpy is not None and namespace[alias] is not numpy:
            changes.append(f"the global {alias} is not numpy")
            namespace[alias] = numpy
    return changes
