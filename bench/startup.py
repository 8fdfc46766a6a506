"""How long a learner waits before the first cell's work: importing course_lib, and building
the offline stand-in datasets of the Keras lessons.

Not a test (the tests assert what can be asserted: course_lib imports without
TensorFlow); run it on the machine you care about:

    .venv/bin/python bench/startup.py [--repeats 3]

It prints the best of `repeats` fresh-interpreter imports of numpy and the NumPy
modules of course_lib (about 0.1 s on a 2-core laptop; the lessons' budget is 0.3 s),
and the cold build of the offline "cifar10" and "mnist" stand-ins (a second or two;
budget 5 s).
"""

import argparse
import json
import subprocess
import sys

IMPORT_TIMER = """
import json, time
start = time.perf_counter()
import numpy
import course_lib, course_lib.layers, course_lib.losses, course_lib.optim
import course_lib.shapes, course_lib.gradcheck
print(json.dumps(time.perf_counter() - start))
"""

OFFLINE_TIMER = """
import json, sys, time
from course_lib import data
start = time.perf_counter()
data.load_dataset(sys.argv[1], offline=True, verbose=False)
print(json.dumps(time.perf_counter() - start))
"""


def fresh_interpreter_seconds(code, *args):
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                            check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of each; the best counts")
    args = parser.parse_args()
    best = min(fresh_interpreter_seconds(IMPORT_TIMER) for _ in range(args.repeats))
    print(f"import numpy + course_lib (NumPy modules): {best:6.3f} s   (budget 0.3 s)")
    for name in ("cifar10", "mnist"):
        best = min(fresh_interpreter_seconds(OFFLINE_TIMER, name) for _ in range(args.repeats))
        print(f"cold offline {name:<8} stand-in:          {best:6.3f} s   (budget 5 s)")


if __name__ == "__main__":
    main()
