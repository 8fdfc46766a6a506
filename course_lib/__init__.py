"""course_lib: the reference code behind the CNN Foundations lessons.

Every function here is what a lesson asks the learner to build, written once,
tested against Keras/TensorFlow and numerical gradients, and imported by later
lessons so that a learner who is stuck on lesson N can still do lesson N+1.

Importing course_lib never imports TensorFlow; the Keras helpers in
``course_lib.training`` import it when they are first used.
"""

__version__ = "0.1.0"
