"""Instant check for lesson 00: the one warm-up exercise."""

from course_lib.checks._core import Case, Mistake, run_check


def _count_values(height, width, channels):
    return height * width * channels


def count_values(function):
    """Check a learner's count_values(height, width, channels)."""
    cases = [Case((28, 28, 1), label="an MNIST digit"), Case((32, 32, 3), label="a CIFAR-10 image"),
             Case((200, 100, 3), label="a wide colour image"), Case((1, 1, 1), label="one pixel")]
    return run_check(
        "count_values", function, _count_values, cases,
        mistakes=[Mistake(lambda h, w, c: h * w, "A colour image has a value per channel: "
                                                 "multiply by the number of channels."),
                  Mistake(lambda h, w, c: h + w + c, "Multiply the three sizes; do not add them.")],
        generic_hint="An image of height H, width W and C channels holds H * W * C numbers.")
