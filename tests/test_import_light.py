"""Importing course_lib and its NumPy modules never imports TensorFlow, Keras or SciPy.

How long the import takes is measured by bench/startup.py, not asserted here.
"""

import json
import subprocess
import sys

import pytest

LIGHT_IMPORT = """
import json, sys
import numpy
import course_lib, course_lib.layers, course_lib.losses, course_lib.optim
import course_lib.shapes, course_lib.gradcheck, course_lib.summary, course_lib.network
import course_lib.manifest, course_lib.training, course_lib.training_loop
print(json.dumps({"heavy": [m for m in ("tensorflow", "keras", "scipy") if m in sys.modules]}))
"""


def run_in_fresh_interpreter(code):
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_import_is_light():
    """numpy + course_lib's NumPy modules (and the Keras helpers' module) import without
    TensorFlow, Keras or SciPy."""
    assert run_in_fresh_interpreter(LIGHT_IMPORT) == {"heavy": []}


@pytest.mark.parametrize("first", ["course_lib.shapes", "course_lib.layers.pooling", "course_lib.losses"])
def test_modules_import_in_any_order(first):
    """conv imports shapes, which imports layers._validate: no circular-import error."""
    code = f"import {first}, course_lib.layers, course_lib.shapes; print('{{}}')"
    assert run_in_fresh_interpreter(code) == {}
