"""Wrong and alternative answers for lesson 04 (counting parameters)."""

from tests.variants import Variant, shadow_builtins, solution_source

CONV = "def conv_params(filters, kernel_size, d_in):\n    {body}\n"

# A correct summary written with plain formulas (no course_lib.shapes); {rules} is spliced in
# to make the misconceptions below.
SUMMARY = '''def summary(layers, input_shape):
    rows, shape = [], tuple(input_shape)
    for name, options in layers:
        params = 0
        if name == "Conv2D":
            h, w, c = shape
            f = options["kernel_size"]
            s = options.get("strides", 1)
            if options.get("padding", "valid") == "same":
                h_out, w_out = math.ceil(h / s), math.ceil(w / s)
            else:
                h_out, w_out = (h - f) // s + 1, (w - f) // s + 1
            params = {conv_rule}
            shape = (h_out, w_out, options["filters"])
        elif name in ("MaxPooling2D", "AveragePooling2D"):
            h, w, c = shape
            p = options.get("pool_size", 2)
            s = options.get("strides") or {pool_default}
            if options.get("padding", "valid") == "same":
                h_out, w_out = math.ceil(h / s), math.ceil(w / s)
            else:
                h_out, w_out = (h - p) // s + 1, (w - p) // s + 1
            params = {pool_rule}
            shape = (h_out, w_out, c)
        elif name == "GlobalAveragePooling2D":
            shape = (shape[-1],)
        elif name == "Flatten":
            params = {flatten_rule}
            shape = (int(np.prod(shape)),)
        elif name == "Dense":
            params = shape[-1] * options["units"] + options["units"]
            shape = (options["units"],)
        elif name == "BatchNormalization":
            params = {bn_rule}
        {unknown_rule}
        rows.append((name, shape, params))
    return rows
'''
CORRECT = dict(conv_rule='conv_params(options["filters"], f, c)', pool_default="p",
               pool_rule="0", flatten_rule="0", bn_rule="4 * shape[-1]",
               unknown_rule='elif name != "Dropout":\n'
                            '            raise ValueError(f"unknown layer {name}")')


def summary_with(**changes):
    return {"summary": SUMMARY.format(**dict(CORRECT, **changes))}


# A correct layer_macs with the output size computed by hand; {conv} and {dense} are spliced
# in to make the misconceptions below.
MACS = '''def layer_macs(name, options, input_shape):
    if name == "Conv2D":
        h, w, c = input_shape
        f, s = options["kernel_size"], options.get("strides", 1)
        k = options["filters"]
        if options.get("padding", "valid") == "same":
            h_out, w_out = -(-h // s), -(-w // s)
        else:
            h_out, w_out = (h - f) // s + 1, (w - f) // s + 1
        return {conv}
    if name == "Dense":
        n_in, units = input_shape[-1], options["units"]
        return {dense}
    if name in ("MaxPooling2D", "AveragePooling2D", "GlobalAveragePooling2D", "Flatten",
                "Dropout", "BatchNormalization"):
        return 0
    raise ValueError(f"unknown layer {{name}}")
'''
CORRECT_MACS = dict(conv="h_out * w_out * k * f * f * c", dense="n_in * units")


def macs_with(**changes):
    return {"layer_macs": MACS.format(**dict(CORRECT_MACS, **changes))}


VARIANTS = [
    # misconceptions: conv_params
    Variant("conv_no_bias", {"conv_params": CONV.format(
        body="return filters * kernel_size * kernel_size * d_in")}, ["test_conv_params"]),
    Variant("conv_forgets_d_in", {"conv_params": CONV.format(
        body="return filters * kernel_size * kernel_size + filters")}, ["test_conv_params"]),
    Variant("conv_bias_per_weight", {"conv_params": CONV.format(
        body="return 2 * filters * kernel_size * kernel_size * d_in")}, ["test_conv_params"]),
    Variant("conv_uses_reference", {"conv_params": CONV.format(
        body="return shapes.conv_params(filters, kernel_size, d_in)")}, ["test_conv_params"]),
    Variant("conv_float32_product", {"conv_params": CONV.format(  # exact only under 2**24
        body="return int(np.prod([filters, kernel_size, kernel_size, d_in], dtype=np.float32))"
             " + filters")}, ["test_conv_params"]),
    # misconceptions: summary
    Variant("summary_flatten_has_params", summary_with(flatten_rule="int(np.prod(shape))"),
            ["test_summary"]),
    Variant("summary_pooling_has_params", summary_with(pool_rule="c"), ["test_summary"]),
    Variant("summary_pooling_stride_one", summary_with(pool_default="1"), ["test_summary"]),
    Variant("summary_batchnorm_trainable_only", summary_with(bn_rule="2 * shape[-1]"),
            ["test_summary"]),
    Variant("summary_conv_forgets_bias",
            summary_with(conv_rule='options["filters"] * f * f * c'), ["test_summary"]),
    # right on every listed layer, but an unknown one silently counts 0 parameters and keeps
    # the shape (the documented ValueError is never raised)
    Variant("summary_unknown_layer_passes", summary_with(unknown_rule=""), ["test_summary"]),
    Variant("summary_uses_reference", {"summary": (
        "def summary(layers, input_shape):\n"
        "    from course_lib.summary import summary as reference\n"
        "    return reference(layers, input_shape)\n")}, ["test_summary"]),
    # misconceptions: layer_macs
    Variant("macs_forgets_c_in", macs_with(conv="h_out * w_out * k * f * f"), ["test_layer_macs"]),
    Variant("macs_input_size", macs_with(conv="h * w * k * f * f * c"), ["test_layer_macs"]),
    Variant("macs_bias_as_multiply", macs_with(conv="h_out * w_out * k * (f * f * c + 1)",
                                               dense="(n_in + 1) * units"), ["test_layer_macs"]),
    Variant("macs_parameter_count", macs_with(conv="k * f * f * c + k"), ["test_layer_macs"]),
    Variant("macs_valid_size_always", macs_with(conv="((h - f) // s + 1) * ((w - f) // s + 1)"
                                                     " * k * f * f * c"), ["test_layer_macs"]),
    Variant("macs_uses_reference", {"layer_macs": (
        "def layer_macs(name, options, input_shape):\n"
        "    from course_lib.summary import layer_macs as reference\n"
        "    return reference(name, options, input_shape)\n")}, ["test_layer_macs"]),
    # other correct answers: plain formulas, loops, lists instead of tuples for shapes
    Variant("alternative_formulas", dict(summary_with(), conv_params=CONV.format(body=(
        "total = 0\n"
        "    for _ in range(filters):\n"
        "        total += kernel_size ** 2 * d_in + 1\n"
        "    return total")))),
    Variant("alternative_list_shapes", {"summary": (
        "def summary(layers, input_shape):\n"
        "    rows, shape = [], list(input_shape)\n"
        "    for name, options in layers:\n"
        "        params = 0\n"
        "        if name == 'Conv2D':\n"
        "            params = (options['kernel_size'] ** 2 * shape[-1] + 1) * options['filters']\n"
        "            shape = list(shapes.conv_output_shape(shape, options['filters'],\n"
        "                options['kernel_size'], options.get('strides', 1),\n"
        "                options.get('padding', 'valid')))\n"
        "        elif 'Pooling' in name and 'Global' not in name:\n"
        "            shape = list(shapes.pool_output_shape(shape, **options))\n"
        "        elif name == 'GlobalAveragePooling2D':\n"
        "            shape = shape[-1:]\n"
        "        elif name == 'Flatten':\n"
        "            shape = [math.prod(shape)]\n"
        "        elif name == 'Dense':\n"
        "            params = (shape[-1] + 1) * options['units']\n"
        "            shape = [options['units']]\n"
        "        elif name == 'BatchNormalization':\n"
        "            params = shape[-1] * 4\n"
        "        elif name != 'Dropout':\n"
        "            raise ValueError('unknown layer: ' + name)\n"
        "        rows.append([name, shape, params])\n"
        "    return rows\n")}),
    # layer_macs by counting: the products of one window, times the windows' corners, in NumPy
    Variant("alternative_macs_counted", {"layer_macs": (
        "def layer_macs(name, options, input_shape):\n"
        "    if name not in ('Conv2D', 'Dense', 'MaxPooling2D', 'AveragePooling2D',\n"
        "                    'GlobalAveragePooling2D', 'Flatten', 'Dropout',\n"
        "                    'BatchNormalization'):\n"
        "        raise ValueError('layer_macs: no layer called ' + repr(name))\n"
        "    if name == 'Dense':\n"
        "        return np.ones((input_shape[-1], options['units']), dtype=np.int64).sum()\n"
        "    if name != 'Conv2D':\n"
        "        return 0\n"
        "    f, s = options['kernel_size'], options.get('strides', 1)\n"
        "    same = options.get('padding', 'valid') == 'same'\n"
        "    corners = [len(range(0, n if same else n - f + 1, s)) for n in input_shape[:2]]\n"
        "    per_output = 0\n"
        "    for _ in range(f * f * input_shape[2]):\n"
        "        per_output += 1\n"
        "    return np.prod(corners) * options['filters'] * per_output\n")}),
    # the solution with ordinary globals named like builtins (those the notebook does not call)
    Variant("alternative_builtin_names", {
        "conv_params": shadow_builtins(solution_source("04_counting_parameters", "conv_params"),
                                       ("type", "max", "all", "len", "id", "str"))}),
]
