"""Layers with a planted bug, for testing a gradient checker.

A gradient checker is right when it finds a wrong backward pass: lesson 09's
hidden test hands the learner's `network_gradient_check` a network holding one
of these and expects large errors below the bug and tiny ones above it. They
live here, not in the test, so that a test hands the learner's kernel only
course objects (autograder/inside/objects.py rebuilds them from plain data).

Introduced in lesson 09.
"""

from course_lib.network import Layer


class DoublingLayer(Layer):
    """Identity forward, but a backward pass that doubles the gradient: a planted bug."""

    def backward(self, dout):
        return 2 * dout
