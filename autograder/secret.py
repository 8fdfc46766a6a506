"""The grading secret: hidden-test cases that a public repository cannot give away.

The hidden tests draw their fixed cases from committed seeds, so anyone with the
repository can compute them, and an answer that looks its outputs up in a
table built from them would pass. With a secret set by the instructor, every
case generator also draws a few cases that only the grader can compute
(course_lib/_sampling.py): from a key that is a keyed hash (HMAC-SHA256) of the
secret, the student id and the sha256 of the submitted file. A new submission
(any change to the file) gets new drawn cases; a regrade of the same file
gets the same ones.

Where the secret goes, and where it does not:

- the instructor gives it as `--secret-file PATH` (a file outside the
  repository), `--secret TEXT` (visible to other users in `ps`: prefer the
  others) or the environment variable CNN_GRADING_SECRET. read_secret removes
  the variable from this process's environment, so no child inherits it;
- the coordinator turns it into one key per submission (student_key); only
  that key travels, in the task, to a local worker, a Dask worker or the
  Gradescope run, and from there to the test runner (autograder/test_process.py)
  for the duration of each hidden test. The student's kernel gets neither (its
  environment is built from scratch: autograder/sandbox.py), nor does any
  feedback, gradebook or output file. The results' fingerprint carries
  fingerprint_tag, a keyed hash of the secret that only says whether it changed.
"""

import hashlib
import hmac
import json
import os
from pathlib import Path

ENVIRONMENT_VARIABLE = "CNN_GRADING_SECRET"
MIN_LENGTH = 16
NO_SECRET = ("grading without a secret (--secret-file, --secret or CNN_GRADING_SECRET): the "
             "hidden tests draw only their public cases, those anyone can compute from the "
             "repository")


def read_secret(secret=None, secret_file=None, repository=None, environ=None):
    """The grading secret (str), or None when none is given.

    Inputs:
    - secret: the text of --secret; secret_file: the path of --secret-file
    - repository: a folder the file must not be in (the course's checkout, which is public)
    - environ: the environment to read CNN_GRADING_SECRET from, and remove it from
      (default: os.environ)

    At most one of `secret` and `secret_file` may be given; either wins over the
    environment. Raises ValueError when the file cannot be read, lies in `repository`,
    or the secret is shorter than MIN_LENGTH characters.
    """
    environ = os.environ if environ is None else environ
    from_environment = environ.pop(ENVIRONMENT_VARIABLE, None)
    if secret is not None and secret_file is not None:
        raise ValueError("expected one of --secret and --secret-file, got both")
    source = "--secret"
    if secret_file is not None:
        path = Path(secret_file).expanduser().resolve()
        if repository is not None and Path(repository).resolve() in (path, *path.parents):
            raise ValueError(f"expected a secret file outside the course's repository "
                             f"{repository} (it would be published with it), got {path}")
        try:
            secret = path.read_text(encoding="utf-8").strip()
        except (OSError, UnicodeDecodeError) as error:
            raise ValueError(f"expected a readable UTF-8 secret file, got {path}: "
                             f"{type(error).__name__}") from None
        source = f"the secret file {path}"
    elif secret is None:
        secret, source = from_environment, ENVIRONMENT_VARIABLE
    if secret is None:
        return None
    secret = secret.strip()
    if len(secret) < MIN_LENGTH:
        raise ValueError(f"expected a grading secret of at least {MIN_LENGTH} characters in "
                         f"{source}, got {len(secret)} (e.g. `python -c \"import secrets; "
                         f"print(secrets.token_urlsafe(32))\" > ~/cnn-grading-secret`)")
    return secret


def student_key(secret, student, digest):
    """The hex key of one submission's drawn cases: HMAC-SHA256(secret, student and file sha256).

    Empty when there is no secret.
    """
    if not secret:
        return ""
    message = json.dumps(["cnn-foundations drawn cases", str(student), str(digest)])
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def fingerprint_tag(secret):
    """A suffix for the lesson's tests fingerprint: '' without a secret, else a keyed hash of it,
    so that a run with another secret (or none) regrades what was graded before."""
    if not secret:
        return ""
    digest = hmac.new(secret.encode(), b"cnn-foundations fingerprint", hashlib.sha256)
    return "+" + digest.hexdigest()[:8]


def gradescope_student(metadata_path):
    """The student id(s) of a Gradescope submission, from submission_metadata.json.

    Gradescope lists the submitters under "users" (several for a group); their ids,
    sorted and joined, else the submission's own id, else "student".
    """
    try:
        metadata = json.loads(Path(metadata_path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "student"
    users = metadata.get("users") if isinstance(metadata, dict) else None
    ids = sorted(str(user.get("id") or user.get("email") or "") for user in users or []
                 if isinstance(user, dict))
    if any(ids):
        return "+".join(ids)
    return str(metadata.get("id") or "student") if isinstance(metadata, dict) else "student"
