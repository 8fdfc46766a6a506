"""Importing course_lib and its NumPy modules is fast and never imports TensorFlow."""

import json
import subprocess
import sys

import pytest

IMPORT_TIMER = """
import json, sys, time
start = time.perf_counter()
import numpy
import course_lib, course_lib.layers, course_lib.losses, course_lib.optim
import course_lib.shapes, course_lib.gradcheck
elapsed = time.perf_counter() - start
print(json.dumps({"seconds": elapsed, "heavy": [m for m in ("tensorflow", "keras", "scipy")
                                                 if m in sys.modules]}))
"""


def run_in_fresh_interpreter(code):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_import_is_light_and_fast():
    """numpy + course_lib modules import in < 0.3 s, without TensorFlow, Keras or SciPy."""
    timings = [run_in_fresh_interpreter(IMPORT_TIMER) for _ in range(3)]
    for report in timings:
        assert report["heavy"] == []
    best = min(report["seconds"] for report in timings)  # the least disturbed of three runs
    assert best < 0.3, f"importing course_lib took {best:.3f} s"


@pytest.mark.parametrize("first", ["course_lib.shapes", "course_lib.layers.pooling", "course_lib.losses"])
def test_modules_import_in_any_order(first):
    """conv imports shapes, which imports layers._validate: no circular-import error."""
    code = f"import {first}, course_lib.layers, course_lib.shapes; print('{{}}')"
    assert run_in_fresh_interpreter(code) == {}
