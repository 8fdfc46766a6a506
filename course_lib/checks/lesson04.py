"""Instant checks for lesson 04: counting parameters."""

import math

from course_lib import shapes
from course_lib.cases import conv_params_cases, layer_macs_cases
from course_lib import summary as summary_module
from course_lib.checks._core import Case, Mistake, run_check

CIFAR_CNN = [
    ("Conv2D", {"filters": 16, "kernel_size": 2, "padding": "same"}),
    ("MaxPooling2D", {"pool_size": 2}),
    ("Conv2D", {"filters": 32, "kernel_size": 2, "padding": "same"}),
    ("MaxPooling2D", {"pool_size": 2}),
    ("Conv2D", {"filters": 64, "kernel_size": 2, "padding": "same"}),
    ("MaxPooling2D", {"pool_size": 2}),
    ("Flatten", {}),
    ("Dense", {"units": 500}),
    ("Dense", {"units": 10}),
]


def conv_params(function):
    """Check a learner's conv_params(filters, kernel_size, d_in) against the reference."""
    cases = [Case((16, 2, 1), label="Conv2D(16, 2) on a grayscale image: 80"),
             Case((32, 3, 3), label="Conv2D(32, 3) on an RGB image: 896"),
             Case((16, 2, 3), label="the first layer of the CIFAR CNN"),
             Case((64, 2, 32), label="the third layer of the CIFAR CNN"),
             Case((1, 1, 1), label="one 1x1 filter on one channel"),
             Case((10, 5, 7), label="10 filters of 5x5 on 7 channels")]
    cases += [Case((k, f, d), label=f"{k} filters of {f}x{f} on {d} channels")
              for k, f, d in conv_params_cases(414, count=6)]  # the graded test's generator
    return run_check(
        "conv_params", function, shapes.conv_params, cases,
        mistakes=[
            Mistake(lambda k, f, d: k * f * f * d,
                    "Each filter also has one bias: add K."),
            Mistake(lambda k, f, d: k * f * f + k,
                    "A filter spans all D_in input channels: it has F*F*D_in weights."),
            Mistake(lambda k, f, d: 2 * k * f * f * d,
                    "There is one bias per filter (K in all), not one per weight."),
            Mistake(lambda k, f, d: k * f * d + k,
                    "A filter is F x F (times D_in): square the kernel size."),
            Mistake(lambda k, f, d: k * f * f * d + k * d,
                    "One bias per filter, K in all, not one per input channel."),
        ],
        generic_hint="A Conv2D layer has K filters of F x F x D_in weights plus one bias "
                     "each: K*F*F*D_in + K.")


def _normalize(rows):
    try:
        return [(str(name), tuple(int(size) for size in shape), int(params))
                for name, shape, params in rows]
    except (TypeError, ValueError):
        return None


def _same_rows(got, expected):
    got = _normalize(got)
    return got is not None and got == _normalize(expected)


def _pool_stride_one(layers, input_shape):
    rows, shape = [], tuple(input_shape)
    for name, options in layers:
        if name in ("MaxPooling2D", "AveragePooling2D"):
            options = dict(options, strides=options.get("strides") or 1)
        shape, params = summary_module.layer_row(name, options, shape)
        rows.append((name, shape, params))
    return rows


def _with_params(rule):
    def wrong(layers, input_shape):
        rows, shape = [], tuple(input_shape)
        for name, options in layers:
            new_shape, params = summary_module.layer_row(name, options, shape)
            rows.append((name, new_shape, rule(name, shape, new_shape, params)))
            shape = new_shape
        return rows
    return wrong


def summary(function):
    """Check a learner's summary(layers, input_shape) against the reference."""
    cases = [
        Case(([("Flatten", {}), ("Dense", {"units": 10})], (28, 28, 1)),
             label="Flatten then Dense on a 28x28 grayscale image"),
        Case(([("Conv2D", {"filters": 16, "kernel_size": 2, "strides": 2})], (200, 200, 1)),
             label="one strided Conv2D"),
        Case(([("Conv2D", {"filters": 8, "kernel_size": 3, "padding": "same"}),
               ("MaxPooling2D", {"pool_size": 2})], (10, 10, 3)),
             label="Conv2D same, then MaxPooling2D(2)"),
        Case((CIFAR_CNN, (32, 32, 3)), label="the CIFAR-10 CNN (528,054 parameters)"),
        Case(([("Conv2D", {"filters": 6, "kernel_size": 3}), ("BatchNormalization", {}),
               ("Dropout", {"rate": 0.2}), ("GlobalAveragePooling2D", {}),
               ("Dense", {"units": 4})], (9, 9, 2)),
             label="Conv2D, BatchNormalization, Dropout, GlobalAveragePooling2D, Dense"),
        Case(([("AveragePooling2D", {"pool_size": 3, "strides": 2}), ("Flatten", {})],
              (11, 11, 5)), label="AveragePooling2D with an explicit stride"),
    ]
    return run_check(
        "summary", function, summary_module.summary, cases, compare=_same_rows,
        mistakes=[
            Mistake(_pool_stride_one,
                    "A pooling layer's strides default to its pool_size (Keras), not 1: "
                    "MaxPooling2D(2) halves H and W."),
            Mistake(_with_params(lambda name, before, after, params:
                                 math.prod(before) if name == "Flatten" else params),
                    "Flatten only reshapes: it has 0 parameters."),
            Mistake(_with_params(lambda name, before, after, params:
                                 after[-1] if "Pooling" in name else params),
                    "Pooling layers have no weights and no biases: 0 parameters."),
            Mistake(_with_params(lambda name, before, after, params:
                                 params // 2 if name == "BatchNormalization" else params),
                    "BatchNormalization has 4*C parameters: gamma and beta (trainable) "
                    "and the moving mean and variance (not trainable) all count."),
            Mistake(_with_params(lambda name, before, after, params:
                                 params - after[-1] if name in ("Conv2D", "Dense") else params),
                    "Conv2D and Dense layers have one bias per filter or unit."),
        ],
        generic_hint="Walk the layers in order: each row is (name, output_shape, params), and "
                     "a layer's output shape is the next layer's input shape.")


def _macs_with(conv_rule=None, dense_rule=None, other_rule=None):
    """layer_macs with one rule replaced: conv_rule(h, w, c, h_out, w_out, k, f),
    dense_rule(n_in, units), other_rule(name, options, input_shape, output_shape)."""
    def wrong(name, options, input_shape):
        output_shape, _ = summary_module.layer_row(name, options, input_shape)
        if name == "Conv2D" and conv_rule is not None:
            h, w, c = input_shape
            h_out, w_out, k = output_shape
            return conv_rule(h, w, c, h_out, w_out, k, options["kernel_size"])
        if name == "Dense" and dense_rule is not None:
            return dense_rule(input_shape[-1], options["units"])
        if name not in ("Conv2D", "Dense") and other_rule is not None:
            return other_rule(name, options, input_shape, output_shape)
        return summary_module.layer_macs(name, options, input_shape)
    return wrong


def layer_macs(function):
    """Check a learner's layer_macs(name, options, input_shape) against the reference."""
    cases = [Case(("Conv2D", {"filters": 16, "kernel_size": 2, "padding": "same"}, (32, 32, 3)),
                  label="the CIFAR CNN's first layer: 32*32*16*2*2*3"),
             Case(("Conv2D", {"filters": 4, "kernel_size": 3}, (6, 6, 2)),
                  label="Conv2D(4, 3) 'valid' on 6x6x2: a 4x4 output"),
             Case(("Conv2D", {"filters": 8, "kernel_size": 3, "strides": 2, "padding": "same"},
                   (9, 9, 5)), label="a strided 'same' Conv2D"),
             Case(("Dense", {"units": 10}, (500,)), label="Dense(10) on 500 inputs"),
             Case(("MaxPooling2D", {"pool_size": 2}, (16, 16, 16)), label="MaxPooling2D(2)"),
             Case(("BatchNormalization", {}, (8, 8, 64)), label="BatchNormalization"),
             Case(("Flatten", {}, (4, 4, 64)), label="Flatten")]
    cases += [Case(case, label=f"{case[0]} {case[1]} on {case[2]}")
              for case in layer_macs_cases(424, count=8)]  # the graded test's generator
    return run_check(
        "layer_macs", function, summary_module.layer_macs, cases,
        mistakes=[
            Mistake(_macs_with(conv_rule=lambda h, w, c, h_out, w_out, k, f:
                               h_out * w_out * k * f * f),
                    "Each output value sums over a whole F x F x C_in window: multiply by "
                    "C_in, the input's channels."),
            Mistake(_macs_with(conv_rule=lambda h, w, c, h_out, w_out, k, f:
                               h * w * k * f * f * c),
                    "Count one window per OUTPUT position: H_out * W_out (after strides and "
                    "padding), not the input's H * W."),
            Mistake(_macs_with(conv_rule=lambda h, w, c, h_out, w_out, k, f:
                               h_out * w_out * k * (f * f * c + 1),
                               dense_rule=lambda n_in, units: (n_in + 1) * units),
                    "The bias is added, not multiplied: it is not a multiply-add here (count "
                    "the products with weights only)."),
            Mistake(_macs_with(conv_rule=lambda h, w, c, h_out, w_out, k, f:
                               k * f * f * c + k),
                    "That is the parameter count: the filters are applied at every output "
                    "position, H_out * W_out times."),
            Mistake(_macs_with(other_rule=lambda name, options, before, after:
                               math.prod(after) * options.get("pool_size", 2) ** 2
                               if "Pooling2D" in name and "Global" not in name else 0),
                    "Pooling compares or averages, with no weights: count 0 multiply-adds."),
            Mistake(_macs_with(other_rule=lambda name, options, before, after:
                               math.prod(after) if name == "BatchNormalization" else 0),
                    "This lesson counts 0 multiply-adds for BatchNormalization (its scale "
                    "and shift can be folded into the layer before)."),
        ],
        generic_hint="Conv2D: H_out * W_out * K * F * F * C_in; Dense: n_in * units; every "
                     "other layer: 0. Bias additions are not counted.")
