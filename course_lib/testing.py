"""Helpers for the graded test cells of the lessons.

`reference_disabled` proves that a learner's function is their own work: while
it is active, the course_lib reference functions given to it raise instead of
answering, under every name they are reachable by (the function object itself
is changed, so `from course_lib.layers import dense_forward as f` is caught
too).
"""

import contextlib


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
