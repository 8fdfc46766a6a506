"""Random draws shared by the case generators (course_lib.cases, course_lib.cases_forward),
and the cases the grader adds to them with its secret.

Every generator takes a seed: a hidden test calls it with a committed seed, so
its *fixed* cases are the same for every student, and public (the repository
is). While the grader runs a hidden test with a grading secret
(autograder/secret.py), the test's process holds a key derived from the secret,
the student and the submission (`drawing_with`); each generator then returns,
after its fixed cases, a few *drawn* ones, from a seed that is a keyed hash
(HMAC-SHA256) of that key and of the call (the generator's name, its seed and
options). No one without the secret can compute them in advance, so an answer
that looks its outputs up in a table built from the repository's cases fails
them. The fixed cases alone catch every named mistake (tests/test_seed_sweep.py),
so the drawn ones cost points only to answers that are right on the public
cases and wrong elsewhere.

The student's kernel has no key: there, and in the instant checks, the
generators return their fixed cases only.
"""

import contextlib
import functools
import hashlib
import hmac
import inspect
import json

import numpy as np

DTYPES = (np.float64, np.float32)
_draw_key = None  # bytes while the grader runs a hidden test with a secret (drawing_with)
_keep_fixed = True  # False only in the course's own tests of the drawn cases


def _rng(seed):
    return np.random.default_rng(seed)


def _array(rng, shape, dtype=np.float64, scale=1.0):
    return (rng.normal(size=shape) * scale).astype(dtype)


@contextlib.contextmanager
def drawing_with(key, fixed=True):
    """While the block runs, generators append cases drawn from `key` (bytes; None: none).

    The grader's test process calls this around each hidden test. With fixed=False
    the generators return the drawn cases only: the course's tests use it to try many
    keys at the cost of the drawn cases alone (tests/test_secret_cases.py).
    """
    global _draw_key, _keep_fixed
    if key is not None and (not isinstance(key, bytes) or len(key) < 16):
        raise ValueError(f"drawing_with: expected a key of at least 16 bytes or None, got "
                         f"{type(key).__name__}"
                         + (f" of {len(key)} bytes" if isinstance(key, bytes) else ""))
    previous = _draw_key, _keep_fixed
    _draw_key, _keep_fixed = key, fixed or key is None
    try:
        yield
    finally:
        _draw_key, _keep_fixed = previous


def drawn_count(count):
    """How many cases a generator called with `count` draws from the key: a quarter, at least 2."""
    return max(2, (count + 3) // 4)


def drawn_seed(key, name, seed, options):
    """The seed of the drawn cases of generator `name` called with `seed` and `options`."""
    call = json.dumps([name, int(seed), options], sort_keys=True, default=repr)
    return int.from_bytes(hmac.new(key, call.encode(), hashlib.sha256).digest()[:16], "big")


def with_drawn_cases(generator):
    """Decorate a case generator `generator(seed, count=..., **options)`.

    Without a key its result is unchanged. With one it is followed by
    drawn_count(count) cases from drawn_seed: the same generator, run with that seed,
    less the literal cases it always starts with (those of count=0).
    """
    signature = inspect.signature(generator)

    @functools.wraps(generator)
    def generate(*args, **kwargs):
        cases = generator(*args, **kwargs)
        key = _draw_key
        if key is None:
            return cases
        bound = signature.bind(*args, **kwargs)
        bound.apply_defaults()
        options = dict(bound.arguments)
        seed, count = options.pop("seed"), options.pop("count")
        literal = len(generator(seed, count=0, **options))
        more = generator(drawn_seed(key, generator.__name__, seed, {"count": count, **options}),
                         count=drawn_count(count), **options)
        return cases + more[literal:] if _keep_fixed else more[literal:]

    return generate
