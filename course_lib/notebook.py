"""Friendly notebook errors: an unfinished exercise is a one-line message, not a traceback.

A student version of a lesson has exercises whose body is still
`raise NotImplementedError()`. Run All then meets that error in every test
cell below an unfinished exercise. The cells are tagged `raises-exception`, so
Run All goes on; this module makes what they show short and useful:

    NotImplementedError: conv1d is not written yet: see its exercise above
    (replace `raise NotImplementedError()` with your code, then run this cell again).

`install()` registers an IPython custom exception handler for
NotImplementedError. The handler still reports an *error* (the kernel sends an
error message with the short text as its traceback), so a test cell still fails
and nbgrader still gives it zero points; only the text changes. Every other
exception keeps IPython's normal traceback, except one: while a lesson is graded,
a demo cell that uses one of the lesson's references (which the grader's copy of
course_lib does not have, see course_lib/_unavailable.py) stops with the one line
"<name> is not available while grading: ..." and the notebook goes on. Importing
`course_lib.checks` in a notebook calls `install()`.

Introduced in lesson 00.
"""

import sys
from pathlib import Path

COURSE_LIB = str(Path(__file__).resolve().parent)


def _is_course_code(filename):
    return filename.startswith(COURSE_LIB) or "site-packages" in filename or filename.startswith(
        sys.prefix)


def unfinished_name(traceback_object):
    """The name of the notebook function that raised, or None.

    Walks to the innermost frame that is not course_lib's or a library's: the
    stub the student has not written yet (a function defined in the notebook).
    """
    name = None
    while traceback_object is not None:
        code = traceback_object.tb_frame.f_code
        if not _is_course_code(code.co_filename) and code.co_name != "<module>":
            name = code.co_name
        traceback_object = traceback_object.tb_next
    return name


def message(error, traceback_object):
    """The one-line text shown for a NotImplementedError raised in the notebook."""
    name = unfinished_name(traceback_object)
    detail = str(error).strip()
    if name is None:
        return ("NotImplementedError: this exercise is not written yet: replace "
                "`raise NotImplementedError()` with your code, then run the cell again."
                + (f" ({detail})" if detail else ""))
    return (f"NotImplementedError: {name} is not written yet: see its exercise above "
            f"(replace `raise NotImplementedError()` with your code, then run this cell again).")


def _handler(shell, etype, value, tb, tb_offset=None):
    text = message(value, tb) if issubclass(etype, NotImplementedError) \
        else f"{etype.__name__}: {value}"
    # Report an error exactly as IPython does (an `error` output, the cell's status
    # `error`), with the short text in place of the traceback.
    shell._showtraceback(etype, value, [text])
    return None


def install(shell=None):
    """Register the handler in the running IPython shell; returns False outside IPython."""
    if shell is None:
        try:
            from IPython import get_ipython
        except ImportError:
            return False
        shell = get_ipython()
    if shell is None or not hasattr(shell, "set_custom_exc"):
        return False
    from course_lib._unavailable import NotAvailableWhileGrading

    shell.set_custom_exc((NotImplementedError, NotAvailableWhileGrading), _handler)
    return True
