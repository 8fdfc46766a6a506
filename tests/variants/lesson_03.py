"""Wrong and alternative answers for lesson 03 (stride, padding and output shapes)."""

from tests.variants import Variant, shadow_builtins, solution_source

SIZE = "def conv_output_size(n, f, stride=1, padding=\"valid\"):\n{body}\n"
SHAPE = ("def conv_output_shape(input_shape, filters, kernel_size, strides=1, "
         "padding=\"valid\"):\n{body}\n")
POOL = "def pool_output_shape(input_shape, pool_size=2, strides=None, padding=\"valid\"):\n{body}\n"


def indent(body):
    return "\n".join("    " + line if line else "" for line in body.strip("\n").split("\n"))


def size(valid="math.ceil((n - f + 1) / stride)", same="math.ceil(n / stride)",
         explicit="(n - f + 2 * padding) // stride + 1"):
    return {"conv_output_size": SIZE.format(body=indent(f"""
if padding == "valid":
    return {valid}
if padding == "same":
    return {same}
return {explicit}"""))}


POOL_STRIDE_ONE = POOL.format(body=indent("""
height, width, channels = input_shape
if strides is None:
    strides = 1
pool_h, pool_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
stride_h, stride_w = (strides, strides) if isinstance(strides, int) else strides
return (conv_output_size(height, pool_h, stride_h, padding),
        conv_output_size(width, pool_w, stride_w, padding), channels)"""))

POOL_STRIDES_SWAPPED = POOL.format(body=indent("""
height, width, channels = input_shape
if strides is None:
    strides = pool_size
pool_h, pool_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
stride_w, stride_h = (strides, strides) if isinstance(strides, int) else strides
return (conv_output_size(height, pool_h, stride_h, padding),
        conv_output_size(width, pool_w, stride_w, padding), channels)"""))

POOL_STRIDES_FIRST_ONLY = POOL.format(body=indent("""
height, width, channels = input_shape
if strides is None:
    strides = pool_size
pool_h, pool_w = (pool_size, pool_size) if isinstance(pool_size, int) else pool_size
stride = strides if isinstance(strides, int) else strides[0]
return (conv_output_size(height, pool_h, stride, padding),
        conv_output_size(width, pool_w, stride, padding), channels)"""))

VARIANTS = [
    # misconceptions
    Variant("size_missing_plus_one",
            size(valid="(n - f) // stride", explicit="(n - f + 2 * padding) // stride"),
            ["test_conv_output_size"]),
    Variant("size_floor_not_ceil",
            size(valid="(n - f + 1) // stride", same="n // stride"), ["test_conv_output_size"]),
    Variant("size_same_floor_only", size(same="n // stride"), ["test_conv_output_size"]),
    Variant("size_same_ignores_stride", size(same="n"), ["test_conv_output_size"]),
    Variant("size_padding_counted_once", size(explicit="(n - f + padding) // stride + 1"),
            ["test_conv_output_size"]),
    Variant("size_uses_reference", {"conv_output_size": SIZE.format(body=indent(
        "from course_lib.shapes import conv_output_size as reference\n"
        "return reference(n, f, stride, padding)"))}, ["test_conv_output_size"]),
    Variant("shape_depth_from_input", {"conv_output_shape": SHAPE.format(body=indent("""
height, width, channels = input_shape
kernel_h, kernel_w = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
stride_h, stride_w = (strides, strides) if isinstance(strides, int) else strides
return (conv_output_size(height, kernel_h, stride_h, padding),
        conv_output_size(width, kernel_w, stride_w, padding), channels)"""))},
            ["test_conv_output_shape"]),
    Variant("shape_square_only", {"conv_output_shape": SHAPE.format(body=indent("""
height, width, _ = input_shape
f = kernel_size if isinstance(kernel_size, int) else kernel_size[0]
s = strides if isinstance(strides, int) else strides[0]
return (conv_output_size(height, f, s, padding), conv_output_size(width, f, s, padding), filters)"""))},
            ["test_conv_output_shape"]),
    Variant("pool_stride_defaults_to_one", {"pool_output_shape": POOL_STRIDE_ONE},
            ["test_pool_output_shape"]),
    # right only on the int or None strides the old tests used
    Variant("pool_strides_pair_swapped", {"pool_output_shape": POOL_STRIDES_SWAPPED},
            ["test_pool_output_shape"]),
    Variant("pool_strides_pair_first_only", {"pool_output_shape": POOL_STRIDES_FIRST_ONLY},
            ["test_pool_output_shape"]),
    # other correct answers: count the window positions, integer-only ceilings
    Variant("alternative_counting", {
        "conv_output_size": SIZE.format(body=indent("""
if padding == "same":
    return -(-n // stride)
padded = n if padding == "valid" else n + 2 * padding
count, start = 0, 0
while start + f <= padded:
    count += 1
    start += stride
return count""")),
        "conv_output_shape": SHAPE.format(body=indent("""
kernel = np.broadcast_to(kernel_size, 2)
stride = np.broadcast_to(strides, 2)
sizes = [conv_output_size(int(n), int(f), int(s), padding)
         for n, f, s in zip(input_shape[:2], kernel, stride)]
return (*sizes, filters)""")),
        "pool_output_shape": POOL.format(body=indent("""
pool = np.broadcast_to(pool_size, 2)
stride = pool if strides is None else np.broadcast_to(strides, 2)
out = []
for n, f, s in zip(input_shape[:2], pool, stride):
    n, f, s = int(n), int(f), int(s)
    out.append((n - f) // s + 1 if padding == "valid" else (n + s - 1) // s)
return (out[0], out[1], input_shape[2])""")),
    }),
    # the solution with ordinary globals named like builtins (type, max, sum, ...)
    Variant("alternative_builtin_names", {
        "conv_output_size": shadow_builtins(solution_source("03_stride_padding_shapes",
                                                            "conv_output_size"))}),
]
