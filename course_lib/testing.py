"""Helpers for the graded test cells of the lessons.

`reference_disabled` proves that a learner's function is their own work: while
it is active, the course_lib reference functions given to it raise instead of
answering, under every name they are reachable by (the function object itself
is changed, so `from course_lib.layers import dense_forward as f` is caught
too), and so are copies of them (new function objects over the same code).

That is the check in a learner's own notebook and under stock nbgrader. The
course's grader (autograder/) runs the tests in its own process, where the
block does nothing: there the references of the lesson being graded are not in
the student's kernel at all (autograder/references.py), and no verdict depends
on code that runs in the kernel.
"""

import contextlib
import gc
import types

from course_lib import _unavailable


_PLACEHOLDER = "<reference>"


def _disabled(*args, **kwargs):
    # Runs with the reference module's globals, so it uses only builtins and
    # constants; the placeholder is swapped for the function's name below.
    raise RuntimeError("<reference>")


_replaced = []  # {name: replacement} of the upstream_replaced blocks now open
# False in the grader's own process, where the student's code does not run: nothing is
# disabled there, and the replacements are passed on to the student's kernel with each call.
swap_in_this_process = True


def raiser_code(name):
    message = (f"{name} comes from course_lib; this exercise asks you to write it "
               "yourself, without calling the reference.")
    consts = tuple(message if const == _PLACEHOLDER else const
                   for const in _disabled.__code__.co_consts)
    return _disabled.__code__.replace(co_consts=consts)


@contextlib.contextmanager
def reference_disabled(*functions):
    """Make the given Python functions raise RuntimeError inside the block.

    Inputs:
    - functions: plain Python functions (no closures), e.g. layers.dense_forward

    Introduced in lesson 01.
    """
    saved = []
    try:
        for function in functions:
            if _unavailable.is_placeholder(function):  # not in this copy: nothing to disable
                continue
            if function.__closure__:
                raise ValueError(f"reference_disabled: {function.__qualname__} is a closure; "
                                 "expected a plain module-level function")
            if swap_in_this_process:
                code, replacement = function.__code__, raiser_code(function.__qualname__)
                for holder in [function, *_copies_of(code, function)]:
                    saved.append((holder, holder.__code__))
                    holder.__code__ = replacement
        yield
    finally:
        for function, code in reversed(saved):
            function.__code__ = code


def _copies_of(code, original):
    """Other function objects over the same code, such as types.FunctionType(f.__code__, ...).

    A search of the whole heap (about 25 ms).
    """
    return [item for item in gc.get_referrers(code)
            if isinstance(item, types.FunctionType) and item is not original]

# Arguments that a graded function's contract updates in place, by the function's name:
# positions and keyword names. The grader copies their new state back into the test's
# objects; any other argument a learner's function changes in place fails the test.
IN_PLACE = {
    "batchnorm_forward": (3, "state"),       # the moving statistics (lesson 08)
    "adam_step": (2, "state"),               # m, v and the step count (lesson 09)
    "adamw_step": (2, "state"),              # the same, for AdamW (lesson 09)
    "compile_and_train": (0, "model"),       # the model it trains (lesson 10)
}


def local_model(model):
    """A Keras model rebuilt here from `model`'s architecture (JSON) and weights.

    Tests judge a trained model with this copy: in a notebook it is simply a copy,
    and under the grader (where `model` lives in the student's kernel) only its
    architecture and weights, plain data, come across, so the accuracy a test
    measures is computed by the grader itself. Keras rebuilds only its own layer
    classes from the JSON (safe mode: no Lambda code).

    Introduced in lesson 10.
    """
    import keras
    import numpy as np

    copy = keras.models.model_from_json(model.to_json())
    copy.set_weights([np.asarray(weight) for weight in model.get_weights()])
    return copy


def working_copy(function):
    """A copy of a course_lib function that keeps working inside reference_disabled.

    reference_disabled changes the original function object, not this copy, so a
    graded test can hand the copy to a learner's function as the upstream helper
    it is allowed to use (see upstream_replaced).

    Introduced in lesson 03.
    """
    if _unavailable.is_placeholder(function):  # a graded student copy: no course version
        return function
    # A code object of its own, equal to the original's: reference_disabled disables the
    # reference and copies sharing its code object, not this copy.
    copy = types.FunctionType(function.__code__.replace(), function.__globals__,
                              function.__name__, function.__defaults__, function.__closure__)
    copy.__kwdefaults__ = function.__kwdefaults__
    copy.__doc__ = function.__doc__
    return copy


@contextlib.contextmanager
def upstream_replaced(function, **replacements):
    """Inside the block, `function` sees `replacements` instead of the learner's helpers.

    One mistake costs one exercise: while an exercise is graded, the earlier
    exercises it builds on (the learner's conv_output_size inside their
    conv_output_shape, say) are replaced by the course's references. The names
    are rebound in the namespace that `function` reads its globals from (the
    learner's notebook), and restored on the way out. In the grader's process, where
    the learner's code does not run, the replacements are recorded for the learner's
    kernel instead (active_replacements).

    Inputs:
    - function: the learner's function under test
    - replacements: name=replacement, e.g. conv_output_size=working_copy(shapes.conv_output_size)

    A replacement that is not in this copy of course_lib (a graded student copy) is left
    out: the learner's own helper stays.

    Introduced in lesson 03.
    """
    replacements = {name: value for name, value in replacements.items()
                    if not _unavailable.is_placeholder(value)}
    names = dict(replacements)
    _replaced.append(names)
    missing = object()
    namespace, saved = {}, {}
    if swap_in_this_process:
        namespace = function.__globals__
        saved = {name: namespace.get(name, missing) for name in replacements}
        namespace.update(replacements)
    try:
        yield
    finally:
        _replaced.remove(names)
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value


def active_replacements():
    """{name: replacement function} of the upstream_replaced blocks now open (see above)."""
    merged = {}
    for names in _replaced:
        merged.update(names)
    return merged
