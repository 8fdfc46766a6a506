"""The wire format between the grader and a student's kernel: data only, never code.

Both sides import this module (the sandbox has a read-only copy of this
package). What the student's kernel sends is decoded with `decode`, which
builds only plain data: None, bool, int, float, complex, str, bytes, numpy
arrays and scalars (read by `np.load(..., allow_pickle=False)`, so no object
arrays), and tuples, lists and dicts of these. Anything else crosses as a
reference ({"__t": "ref"}): the object stays in the kernel, and the grader
can only ask questions about it.

Neither side unpickles anything. Arrays are bounded before they are built: only
numeric, boolean and (non-empty) string dtypes, at most MAX_ELEMENTS elements,
and the bytes must be exactly what the header announces (so an array of a
zero-size dtype cannot announce 30 million elements in 128 bytes).

An array's memory layout crosses too (Fortran order inside the .npy; a strided
view and a read-only array as a "layout" note), so that a test's non-contiguous
and read-only inputs reach the student's function as such. Only the kernel side
rebuilds the layout (decode(..., layouts=True)): the grader reads what the kernel
sends as plain arrays.

Messages are length-prefixed frames of JSON over a Unix socket.
"""

import base64
import io
import json
import struct

import numpy as np

MAX_FRAME_BYTES = 128 * 2**20
MAX_DEPTH = 32
MAX_ELEMENTS = 2**25
PLAIN_KINDS = "biufcUS"
HEADER = struct.Struct("!Q")


class WireError(ValueError):
    """A frame that is not well-formed: too large, cut short, or not of this format."""


def send_frame(connection, message):
    """Send one JSON-serialisable message."""
    payload = json.dumps(message, allow_nan=True).encode("utf-8")
    if len(payload) > MAX_FRAME_BYTES:
        raise WireError(f"a message of {len(payload)} bytes is over the "
                        f"{MAX_FRAME_BYTES}-byte limit")
    connection.sendall(HEADER.pack(len(payload)) + payload)


def _read_exactly(connection, count):
    chunks, remaining = [], count
    while remaining:
        chunk = connection.recv(min(remaining, 2**20))
        if not chunk:
            raise WireError("the connection closed in the middle of a message")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def receive_frame(connection):
    """Receive one message (a JSON value); raises WireError on a malformed frame."""
    (size,) = HEADER.unpack(_read_exactly(connection, HEADER.size))
    if size > MAX_FRAME_BYTES:
        raise WireError(f"a message of {size} bytes is over the {MAX_FRAME_BYTES}-byte limit")
    try:
        return json.loads(_read_exactly(connection, size).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise WireError(f"a message that is not JSON: {error}") from None


def _array_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _load_array(text):
    try:
        raw = base64.b64decode(str(text).encode("ascii"), validate=True)
        stream = io.BytesIO(raw)
        version = np.lib.format.read_magic(stream)
        read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                       else np.lib.format.read_array_header_2_0)
        shape, _, dtype = read_header(stream)
        check_array_header(shape, dtype, len(raw) - stream.tell())
        return np.load(io.BytesIO(raw), allow_pickle=False)
    except (ValueError, TypeError, EOFError, OSError) as error:
        raise WireError(f"an array that numpy cannot read safely: {error}") from None


def check_array_header(shape, dtype, data_bytes):
    """Refuse an array before building it: plain dtype, bounded size, bytes as announced."""
    if dtype.kind not in PLAIN_KINDS or dtype.hasobject or dtype.fields is not None \
            or dtype.subdtype is not None or dtype.itemsize == 0:
        raise WireError(f"an array of dtype {dtype}: only numbers, booleans and strings "
                        "cross")
    count = 1
    for size in shape:
        if not isinstance(size, int) or size < 0:
            raise WireError(f"an array of shape {shape}")
        count *= size
    if count > MAX_ELEMENTS:
        raise WireError(f"an array of {count:,} elements (at most {MAX_ELEMENTS:,} cross)")
    if count * dtype.itemsize != data_bytes:
        raise WireError(f"an array of shape {shape} and dtype {dtype} with {data_bytes} "
                        "bytes of data")


def is_plain_array(value):
    return (isinstance(value, np.ndarray) and value.dtype.kind in PLAIN_KINDS
            and value.dtype.fields is None and value.dtype.itemsize > 0
            and value.size <= MAX_ELEMENTS)


def encode(value, make_ref, depth=0):
    """Encode `value` as plain data; `make_ref(value)` returns the dict for anything else."""
    if depth > MAX_DEPTH:
        return make_ref(value)
    if value is None or isinstance(value, (bool, str)):
        return value
    if type(value) in (int, float):
        return value
    if type(value) is complex:
        return {"__t": "complex", "re": value.real, "im": value.imag}
    if type(value) is bytes:
        return {"__t": "bytes", "b64": base64.b64encode(value).decode("ascii")}
    if type(value) is np.ndarray and is_plain_array(value):
        encoded = {"__t": "ndarray", "npy": _array_bytes(value)}
        layout = _layout(value)
        if layout:
            encoded["layout"] = layout
        return encoded
    if isinstance(value, np.generic) and type(value).__module__ == "numpy" \
            and is_plain_array(np.asarray(value)):
        return {"__t": "scalar", "npy": _array_bytes(np.asarray(value))}
    if type(value) in (list, tuple):
        return {"__t": type(value).__name__,
                "items": [encode(item, make_ref, depth + 1) for item in value]}
    if type(value) is dict:
        return {"__t": "dict", "items": [[encode(key, make_ref, depth + 1),
                                          encode(item, make_ref, depth + 1)]
                                         for key, item in value.items()]}
    return make_ref(value)


def _layout(array):
    """What np.save does not keep of an array's layout: "strided", "readonly", or both."""
    notes = []
    if array.ndim and not (array.flags.c_contiguous or array.flags.f_contiguous):
        notes.append("strided")
    if not array.flags.writeable:
        notes.append("readonly")
    return "+".join(notes)


def _with_layout(array, layout):
    """`array` rebuilt as a strided view (every other element of a larger array) and/or read-only."""
    notes = str(layout).split("+")
    if "strided" in notes and array.ndim and array.size * 2**array.ndim <= MAX_ELEMENTS:
        larger = np.zeros(tuple(2 * size for size in array.shape), dtype=array.dtype)
        view = larger[tuple(slice(None, None, 2) for _ in array.shape)]
        view[...] = array
        array = view
    if "readonly" in notes:
        array.flags.writeable = False
    return array


def decode(data, resolve, depth=0, layouts=False):
    """Decode what `encode` made; `resolve(dict)` turns the other tagged dicts into objects.

    With layouts=True (the kernel's side), arrays get back the layout noted by encode.
    """
    if depth > MAX_DEPTH:
        raise WireError("a value nested too deeply")
    if data is None or isinstance(data, (bool, int, float, str)):
        return data
    if isinstance(data, list):  # never produced by encode; refused rather than guessed
        raise WireError("an untagged list")
    if not isinstance(data, dict) or not isinstance(data.get("__t"), str):
        raise WireError(f"an unknown value of type {type(data).__name__}")
    tag = data["__t"]
    if tag == "ndarray":
        array = _load_array(data.get("npy", ""))
        return _with_layout(array, data["layout"]) if layouts and data.get("layout") else array
    if tag == "scalar":
        array = _load_array(data.get("npy", ""))
        if array.shape != ():
            raise WireError("a scalar that is not 0-dimensional")
        return array[()]
    if tag == "complex":
        return complex(float(data["re"]), float(data["im"]))
    if tag == "bytes":
        return base64.b64decode(str(data.get("b64", "")).encode("ascii"), validate=True)
    if tag in ("list", "tuple"):
        items = [decode(item, resolve, depth + 1, layouts) for item in _items(data)]
        return items if tag == "list" else tuple(items)
    if tag == "dict":
        result = {}
        for pair in _items(data):
            if not isinstance(pair, list) or len(pair) != 2:
                raise WireError("a dict entry that is not a key and a value")
            key = decode(pair[0], resolve, depth + 1)
            try:
                result[key] = decode(pair[1], resolve, depth + 1, layouts)
            except TypeError:
                raise WireError("a dict key that is not hashable") from None
        return result
    return resolve(data)


def _items(data):
    items = data.get("items")
    if not isinstance(items, list):
        raise WireError("a container without items")
    return items
