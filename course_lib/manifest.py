"""The course's lessons and the facts about each one that tools and tests need.

One entry per lesson. What a learner reads (title, goals, run time) lives in the
lesson's own header and reaches the README through tools/course_links.py; what the
machinery needs lives here, read by:

- tests/conftest.py: which lessons to autograde first (``grading_cost``);
- tests/test_pipeline.py: how many wrong answers to grade per nbgrader run
  (``variants_per_run``, smaller for the slow Keras lessons);
- tests/test_run_all.py: the peak memory each solution may use
  (``memory_mb``) and which lessons may import a deep-learning framework
  (``uses_keras``);
- autograder/demo.py: the lessons of the quick demo class (``in_demo``);
- tests/test_manifest.py: that solutions/ and this list name the same lessons.

Adding lesson 12: write solutions/12_slug/12_slug.ipynb and add its ``Lesson`` here.
"""

from dataclasses import dataclass

BINDER_MEMORY_MB = 1200  # Binder gives 2 GB; every lesson stays well under it


@dataclass(frozen=True)
class Lesson:
    """One lesson.

    - id: "NN_slug", the folder and notebook name in solutions/ and lessons/ (stored in
      every gradebook: it never changes once released)
    - uses_keras: the lesson trains Keras models (imports TensorFlow or JAX)
    - memory_mb: the peak resident memory its solution may use, at most BINDER_MEMORY_MB
    - grading_cost: relative time to autograde it with all its variants (larger: slower;
      the test suite starts the slowest first so that parallel workers finish together, and
      autograder.grade grades a class's slowest lessons first for the same reason)
    - in_demo: graded by `make demo-grade` without --lessons (quick lessons only)
    """

    id: str
    uses_keras: bool = False
    memory_mb: int = 600
    grading_cost: int = 0
    in_demo: bool = False

    @property
    def number(self):
        """The two digits of the id, e.g. "04"."""
        return self.id[:2]

    @property
    def variants_per_run(self):
        """Wrong answers graded per nbgrader run: one for the slow Keras lessons, else five
        (each run costs seconds of start-up; the NumPy lessons' 12-21 answers still make 3-5
        runs each, enough to keep two test workers busy to the end)."""
        return 1 if self.uses_keras else 5


LESSONS = (
    Lesson("00_setup", in_demo=True),
    Lesson("01_dense_layers", in_demo=True),
    Lesson("02_convolution_by_hand", grading_cost=45, in_demo=True),
    Lesson("03_stride_padding_shapes", grading_cost=35, in_demo=True),
    Lesson("04_counting_parameters", grading_cost=30),
    Lesson("05_pooling", grading_cost=25),
    Lesson("06_backprop_gradcheck", memory_mb=800, grading_cost=50),
    Lesson("07_overfitting_regularization", memory_mb=800, grading_cost=60),
    Lesson("08_batch_normalization", memory_mb=800, grading_cost=40),
    Lesson("09_sgd_optimizers", memory_mb=800, grading_cost=55),
    Lesson("10_keras_mlp_cnn", uses_keras=True, memory_mb=1200, grading_cost=100),
    Lesson("11_transfer_learning", uses_keras=True, memory_mb=1200, grading_cost=90),
)


def lesson(name):
    """The Lesson whose id or number is `name` ("04" or "04_counting_parameters")."""
    for entry in LESSONS:
        if name in (entry.id, entry.number):
            return entry
    raise ValueError(f"lesson: no lesson {name!r} in course_lib/manifest.py; the lessons are "
                     f"{[entry.id for entry in LESSONS]}")


def numbers(**where):
    """The numbers of the lessons whose attributes equal `where`, e.g. numbers(uses_keras=True)."""
    return tuple(entry.number for entry in LESSONS
                 if all(getattr(entry, name) == value for name, value in where.items()))
