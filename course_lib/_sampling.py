"""Random draws shared by the case generators (course_lib.cases, course_lib.cases_forward)."""

import numpy as np

DTYPES = (np.float64, np.float32)


def _rng(seed):
    return np.random.default_rng(seed)


def _array(rng, shape, dtype=np.float64, scale=1.0):
    return (rng.normal(size=shape) * scale).astype(dtype)
