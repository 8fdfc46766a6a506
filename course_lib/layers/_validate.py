"""Input checks shared by the course_lib layers, losses and shape helpers.

Every check raises ``ValueError`` with a message that starts with the name of the
public function that was called and says what was expected and what came, e.g.

    conv2d_forward: x must have rank 4 (N, H, W, C), got shape (5, 5)

These helpers are private (the leading underscore): lessons never ask for them.
"""

import numbers

import numpy as np

PADDING_MODES = ("valid", "same")


def as_float_arrays(*values):
    """Convert values to NumPy arrays of one common floating dtype.

    float32 inputs stay float32 and float64 inputs stay float64 (a mix gives
    float64); integer or boolean inputs become float64.
    """
    arrays = [np.asarray(value) for value in values]
    dtype = np.result_type(*arrays)
    if not np.issubdtype(dtype, np.floating):
        dtype = np.float64
    return [array.astype(dtype, copy=False) for array in arrays]


def as_float_array(value):
    """Convert one value to a floating NumPy array (see as_float_arrays)."""
    return as_float_arrays(value)[0]


def check_rank(caller, name, array, rank, layout):
    """Raise unless array.ndim == rank; layout is a string like "(N, H, W, C)"."""
    if array.ndim != rank:
        raise ValueError(
            f"{caller}: {name} must have rank {rank} {layout}, "
            f"got shape {tuple(array.shape)}"
        )


def check_shape(caller, name, array, expected_shape, meaning=""):
    """Raise unless array.shape == expected_shape."""
    expected_shape = tuple(expected_shape)
    if tuple(array.shape) != expected_shape:
        extra = f" {meaning}" if meaning else ""
        raise ValueError(
            f"{caller}: {name} must have shape {expected_shape}{extra}, "
            f"got shape {tuple(array.shape)}"
        )


def check_same_shape(caller, name_a, a, name_b, b):
    """Raise unless two arrays have the same shape."""
    if a.shape != b.shape:
        raise ValueError(
            f"{caller}: {name_a} and {name_b} must have the same shape, "
            f"got {tuple(a.shape)} and {tuple(b.shape)}"
        )


def positive_int_pair(caller, name, value):
    """Return (a, b) from an int or a pair of ints, each >= 1."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        pair = (int(value), int(value))
    elif (
        isinstance(value, (tuple, list))
        and len(value) == 2
        and all(isinstance(v, numbers.Integral) and not isinstance(v, bool) for v in value)
    ):
        pair = (int(value[0]), int(value[1]))
    else:
        raise ValueError(
            f"{caller}: {name} must be an int or a pair of ints, got {value!r}"
        )
    if min(pair) < 1:
        raise ValueError(f"{caller}: {name} must be >= 1, got {value!r}")
    return pair


def check_padding(caller, padding, allow_int=True):
    """Return padding as "valid", "same" or a non-negative int."""
    if isinstance(padding, str):
        mode = padding.lower()
        if mode in PADDING_MODES:
            return mode
    elif allow_int and isinstance(padding, numbers.Integral) and not isinstance(padding, bool):
        if padding < 0:
            raise ValueError(
                f"{caller}: an int padding must be >= 0, got {padding}"
            )
        return int(padding)
    expected = '"valid", "same" or an int >= 0' if allow_int else '"valid" or "same"'
    raise ValueError(f"{caller}: padding must be {expected}, got {padding!r}")


def check_window_fits(caller, what, size, window, padding, axis_name):
    """Raise if a window is larger than the (padded) input along one axis.

    With "same" padding any window fits; with "valid" the window must fit the
    input; with an int P it must fit the input padded by P on both sides.
    """
    if padding == "same":
        return
    padded = size + 2 * padding if isinstance(padding, int) else size
    if window > padded:
        where = "input" if padding == "valid" else f"input padded by {padding}"
        raise ValueError(
            f"{caller}: {what} {window} is larger than the {where} along "
            f"{axis_name} ({padded}); use padding=\"same\" or a smaller {what}"
        )


def check_weights(caller, x, w, b, layouts, what):
    """x, w, b as float arrays of one dtype, checked for a layer that maps x's last axis
    through w: x's last axis must equal w's second to last, b has w's last axis.

    layouts: the shapes in words, e.g. ("(N, D)", "(D, M)", "(M,)"); what: the name of
    x's last axis in the error message ("features", "channels").
    """
    x, w, b = as_float_arrays(x, w, b)
    x_layout, w_layout, b_layout = layouts
    check_rank(caller, "x", x, x_layout.count(",") + 1, x_layout)
    check_rank(caller, "w", w, w_layout.count(",") + 1, w_layout)
    if x.shape[-1] != w.shape[-2]:
        raise ValueError(
            f"{caller}: x has {x.shape[-1]} {what} but w expects {w.shape[-2]} "
            f"(x shape {x.shape}, w shape {w_layout} = {w.shape})"
        )
    check_shape(caller, "b", b, (w.shape[-1],), b_layout)
    return x, w, b
