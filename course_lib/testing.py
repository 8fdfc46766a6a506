"""Helpers for the graded test cells of the lessons.

`reference_disabled` proves that a learner's function is their own work: while
it is active, the course_lib reference functions given to it raise instead of
answering, under every name they are reachable by (the function object itself
is changed, so `from course_lib.layers import dense_forward as f` is caught
too).
"""

import contextlib
import types


_PLACEHOLDER = "<reference>"


def _disabled(*args, **kwargs):
    # Runs with the reference module's globals, so it uses only builtins and
    # constants; the placeholder is swapped for the function's name below.
    raise RuntimeError("<reference>")


def _raiser_code(name):
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
            if function.__closure__:
                raise ValueError(f"reference_disabled: {function.__qualname__} is a closure; "
                                 "expected a plain module-level function")
            saved.append((function, function.__code__))
            function.__code__ = _raiser_code(function.__qualname__)
        yield
    finally:
        for function, code in saved:
            function.__code__ = code


def working_copy(function):
    """A copy of a course_lib function that keeps working inside reference_disabled.

    reference_disabled changes the original function object, not this copy, so a
    graded test can hand the copy to a learner's function as the upstream helper
    it is allowed to use (see upstream_replaced).

    Introduced in lesson 03.
    """
    copy = types.FunctionType(function.__code__, function.__globals__, function.__name__,
                              function.__defaults__, function.__closure__)
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
    learner's notebook), and restored on the way out.

    Inputs:
    - function: the learner's function under test
    - replacements: name=replacement, e.g. conv_output_size=working_copy(shapes.conv_output_size)

    Introduced in lesson 03.
    """
    namespace = function.__globals__
    missing = object()
    saved = {name: namespace.get(name, missing) for name in replacements}
    namespace.update(replacements)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is missing:
                namespace.pop(name, None)
            else:
                namespace[name] = value
