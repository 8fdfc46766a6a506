"""Benchmark: course_lib's NumPy conv2d_forward / conv2d_backward against TensorFlow.

TensorFlow runs inside ``tf.function`` (graph mode, no XLA): ``tf.nn.conv2d`` +
``tf.nn.bias_add`` for the forward pass, and the gradients with respect to x, w and b
through ``tf.GradientTape`` for the backward pass (that time includes the forward
pass the tape records). A second backward line times TensorFlow's three gradient
kernels alone (Conv2DBackpropInput, Conv2DBackpropFilter, BiasAddGrad), the fair
match for course_lib's backward, which starts from its cache. Both sides take and
return NumPy float32 arrays. Each is timed in blocks of repeated calls, the blocks
taking turns for three rounds, and we report the fastest call.

Run it with:  .venv/bin/python bench/conv.py [--repeats 30]
This is a benchmark, not a test: it asserts nothing except that both agree.
"""

import argparse
import os
import platform
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from course_lib import layers

CASES = [
    # name, x shape (N, H, W, C), w shape (KH, KW, C, K), stride (an int), padding
    ("CIFAR-sized", (64, 32, 32, 16), (3, 3, 16, 32), 1, "same"),
    ("lesson-sized", (32, 28, 28, 1), (3, 3, 1, 8), 1, "valid"),
]


def fastest_of(functions, repeats, rounds=3):
    """Fastest time of each function, timed in blocks of `repeats` calls.

    The blocks take turns for `rounds` rounds. We do not alternate call by call:
    TensorFlow's thread pool keeps spinning for a moment after each op and then
    steals the cores from NumPy's BLAS threads, which made NumPy 2x slower.
    """
    best = [float("inf")] * len(functions)
    for _ in range(rounds):
        for index, function in enumerate(functions):
            function()  # warm up (and trace the tf.functions)
            for _ in range(repeats):
                start = time.perf_counter()
                function()
                best[index] = min(best[index], time.perf_counter() - start)
    return best


def run_case(tf, name, x_shape, w_shape, stride, padding, repeats):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(x_shape, dtype=np.float32)
    w = rng.standard_normal(w_shape, dtype=np.float32)
    b = rng.standard_normal(w_shape[3], dtype=np.float32)
    out, cache = layers.conv2d_forward(x, w, b, stride, padding)
    dout = rng.standard_normal(out.shape, dtype=np.float32)

    @tf.function
    def tf_forward(x, w, b):
        return tf.nn.bias_add(tf.nn.conv2d(x, w, strides=stride, padding=padding.upper()), b)

    @tf.function
    def tf_backward(x, w, b, dout):
        with tf.GradientTape() as tape:
            tape.watch([x, w, b])
            y = tf.nn.bias_add(tf.nn.conv2d(x, w, strides=stride, padding=padding.upper()), b)
        return tape.gradient(y, [x, w, b], output_gradients=dout)

    @tf.function
    def tf_backward_only(x, w, dout):
        """The three gradient kernels alone, without the forward pass the tape replays."""
        strides = [1, stride, stride, 1]
        dx = tf.raw_ops.Conv2DBackpropInput(input_sizes=tf.shape(x), filter=w, out_backprop=dout,
                                            strides=strides, padding=padding.upper())
        dw = tf.raw_ops.Conv2DBackpropFilter(input=x, filter_sizes=tf.shape(w), out_backprop=dout,
                                             strides=strides, padding=padding.upper())
        return dx, dw, tf.raw_ops.BiasAddGrad(out_backprop=dout)

    x_t, w_t, b_t, dout_t = (tf.constant(a) for a in (x, w, b, dout))
    np.testing.assert_allclose(out, tf_forward(x_t, w_t, b_t).numpy(), rtol=1e-4, atol=1e-3)
    for ours, theirs in zip(layers.conv2d_backward(dout, cache), tf_backward(x_t, w_t, b_t, dout_t)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-4, atol=1e-2)

    for ours, theirs in zip(layers.conv2d_backward(dout, cache), tf_backward_only(x_t, w_t, dout_t)):
        np.testing.assert_allclose(ours, theirs.numpy(), rtol=1e-4, atol=1e-2)

    forward_np, forward_tf, backward_np, backward_tf, backward_only_tf = fastest_of(
        [
            lambda: layers.conv2d_forward(x, w, b, stride, padding),
            lambda: tf_forward(x_t, w_t, b_t).numpy(),
            lambda: layers.conv2d_backward(dout, cache),
            lambda: [g.numpy() for g in tf_backward(x_t, w_t, b_t, dout_t)],
            lambda: [g.numpy() for g in tf_backward_only(x_t, w_t, dout_t)],
        ],
        repeats,
    )
    print(f"{name}: x {x_shape}, w {w_shape}, stride {stride}, {padding!r}, float32")
    print(f"  forward   course_lib {forward_np * 1e3:8.2f} ms   tf.function {forward_tf * 1e3:8.2f} ms"
          f"   ratio {forward_np / forward_tf:5.2f}x   (goal <= 1.5x)")
    print(f"  backward  course_lib {backward_np * 1e3:8.2f} ms   tf.function {backward_tf * 1e3:8.2f} ms"
          f"   ratio {backward_np / backward_tf:5.2f}x   (goal <= 2x; TF time includes the"
          f" forward the tape replays)")
    print(f"  backward  course_lib {backward_np * 1e3:8.2f} ms   TF kernels  {backward_only_tf * 1e3:8.2f} ms"
          f"   ratio {backward_np / backward_only_tf:5.2f}x   (Conv2DBackpropInput/Filter + BiasAddGrad"
          f" only, in tf.function)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=20)
    args = parser.parse_args()

    import tensorflow as tf

    machine = platform.processor() or platform.machine()
    print(f"NumPy {np.__version__}, TensorFlow {tf.__version__}, {machine}, "
          f"{os.cpu_count()} CPUs; fastest of 3 x {args.repeats} runs each")
    for case in CASES:
        run_case(tf, *case, repeats=args.repeats)


if __name__ == "__main__":
    main()
