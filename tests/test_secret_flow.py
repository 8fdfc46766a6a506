"""The grading secret: read once, turned into one key per submission, given to the test runner only.

Unit-level, no kernel started: how the secret is read (autograder/secret.py),
what the case generators draw with a key (course_lib/_sampling.py), and that
every path that grades (the local worker pool, a Dask worker, Gradescope) hands
the key on while nothing that reaches the student's kernel (its command, its
environment) holds the key or the secret. The end-to-end check, a graded
notebook that looks for the secret from inside its sandbox, is in
tests/test_autograder_boundary.py.
"""

import json
import os
import stat

import numpy as np
import pytest

from autograder import cluster, gradescope, runner
from autograder import grade as grade_module
from autograder.course import COURSE_ROOT
from autograder.engine import Limits, Result
from autograder.secret import (ENVIRONMENT_VARIABLE, NO_SECRET, fingerprint_tag,
                               gradescope_student, read_secret, student_key)
from course_lib import cases
from course_lib._sampling import drawing_with, drawn_count

SECRET = "correct horse battery staple 42"
KEY = bytes.fromhex(student_key(SECRET, "alice", "ab" * 32))


# -- reading the secret ---------------------------------------------------------------------


def test_the_secret_comes_from_a_file_an_option_or_the_environment(tmp_path):
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n", encoding="utf-8")
    environ = {ENVIRONMENT_VARIABLE: "from the environment, long enough"}
    assert read_secret(secret_file=path, environ=environ) == SECRET
    assert ENVIRONMENT_VARIABLE not in environ  # no child process inherits it
    assert read_secret(secret=SECRET, environ={}) == SECRET
    assert read_secret(environ={ENVIRONMENT_VARIABLE: SECRET}) == SECRET
    assert read_secret(environ={}) is None


@pytest.mark.parametrize("arguments, message", [
    ({"secret": "short"}, "at least 16 characters"),
    ({"secret": SECRET, "secret_file": "x"}, "one of --secret and --secret-file"),
    ({"secret_file": "/nonexistent/secret"}, "a readable UTF-8 secret file"),
    ({"secret_file": COURSE_ROOT / "README.md", "repository": COURSE_ROOT},
     "outside the course's repository"),
])
def test_a_bad_secret_is_refused_with_the_reason(arguments, message):
    with pytest.raises(ValueError, match=message):
        read_secret(environ={}, **arguments)


def test_each_submission_gets_its_own_key():
    keys = {student_key(SECRET, student, digest) for student in ("alice", "bob")
            for digest in ("ab" * 32, "cd" * 32)}
    keys.add(student_key(SECRET + "!", "alice", "ab" * 32))
    assert len(keys) == 5 and all(len(key) == 64 and SECRET not in key for key in keys)
    assert student_key(None, "alice", "ab" * 32) == "" and fingerprint_tag(None) == ""
    assert fingerprint_tag(SECRET) != fingerprint_tag(SECRET + "!")


def test_gradescope_submitters_are_read_from_the_metadata(tmp_path):
    path = tmp_path / "submission_metadata.json"
    path.write_text(json.dumps({"id": 77, "users": [{"id": "9", "email": "b@x"},
                                                   {"id": "3"}]}), encoding="utf-8")
    assert gradescope_student(path) == "3+9"
    path.write_text(json.dumps({"id": 77, "users": []}), encoding="utf-8")
    assert gradescope_student(path) == "77"
    assert gradescope_student(tmp_path / "missing.json") == "student"


# -- what the generators draw ---------------------------------------------------------------


def _same(first, second):
    if isinstance(first, (list, tuple)):
        return len(first) == len(second) and all(map(_same, first, second))
    if isinstance(first, np.ndarray):
        return (isinstance(second, np.ndarray) and first.dtype == second.dtype
                and np.array_equal(first, second))
    return first == second


def test_a_key_adds_cases_after_the_fixed_ones():
    for generator, count in ((cases.dense_cases, 10), (cases.conv_output_size_cases, 80),
                             (cases.pool_cases, 4)):
        fixed = generator(1234, count=count)
        with drawing_with(KEY):
            drawn = generator(1234, count=count)
            again = generator(1234, count=count)
        with drawing_with(KEY, fixed=False):
            alone = generator(1234, count=count)
        with drawing_with(bytes.fromhex(student_key(SECRET, "bob", "ab" * 32))):
            other = generator(1234, count=count)
        assert _same(drawn[:len(fixed)], fixed), generator.__name__
        assert len(drawn) == len(fixed) + drawn_count(count) == len(fixed) + len(alone)
        assert _same(drawn, again) and _same(drawn[len(fixed):], alone)
        assert not _same(other[len(fixed):], alone), generator.__name__
        assert _same(generator(1234, count=count), fixed)  # no key left behind


def test_a_key_must_be_bytes():
    with pytest.raises(ValueError, match="at least 16 bytes"):
        with drawing_with("a string"):
            pass


# -- where the key goes, and where it does not ----------------------------------------------


def test_the_kernel_gets_neither_the_key_nor_the_secret(tmp_path, monkeypatch):
    from autograder.sandbox import Sandbox

    monkeypatch.setenv(ENVIRONMENT_VARIABLE, SECRET)
    for enabled in (False, True):
        sandbox = Sandbox(tmp_path, 2**30, enabled=enabled)
        monkeypatch.setattr(sandbox, "_cgroup_wrapper", lambda: [])
        sandbox.draw_key = KEY.hex()
        crossing = " ".join(sandbox.kernel_command(tmp_path / "kernel.json")) + json.dumps(
            sandbox.environment())
        assert KEY.hex() not in crossing and SECRET not in crossing
        assert ENVIRONMENT_VARIABLE not in crossing
        sandbox.close()


class FakeGrader:
    """Stands for engine.Grader: records what it was asked to grade."""

    def __init__(self):
        self.calls = []

    def grade(self, student, lesson, path, output=None, draw_key=""):
        self.calls.append((student, lesson, draw_key))
        return Result(student=student, lesson=lesson)


def test_the_local_worker_pool_hands_the_key_to_the_grader(monkeypatch, tmp_path):
    fake = FakeGrader()
    monkeypatch.setattr(runner, "_grader", (fake, str(tmp_path)))
    task = runner.Task("alice", "01_dense_layers", str(tmp_path / "a.ipynb"), "ab" * 32, "f",
                       KEY.hex())
    runner._grade(task)
    assert fake.calls == [("alice", "01_dense_layers", KEY.hex())]
    assert KEY.hex() not in repr(task)


def test_a_dask_worker_gets_the_key_not_the_secret(monkeypatch, tmp_path):
    fake = FakeGrader()
    monkeypatch.setattr(cluster, "_grader", lambda lesson, limits, sandboxed: (fake, tmp_path))
    lesson = "01_dense_layers"
    payload = cluster.Payload("alice", lesson, b"{}", cluster.course_identity(lesson), Limits(),
                              False, KEY.hex())
    reply = cluster.grade_remote(payload)
    assert fake.calls == [("alice", lesson, KEY.hex())]
    assert KEY.hex() not in repr(payload) and KEY.hex() not in json.dumps(reply)


def test_gradescope_reads_then_deletes_the_secret_file(monkeypatch, tmp_path):
    import autograder.grade

    received = {}

    def fake_grade_notebook(path, lesson, sandboxed=True, secret=None, student="student",
                            kernel_user=None):
        received.update(secret=secret, student=student,
                        file_left=(tmp_path / "source" / "grading_secret").exists())
        return {"test_dense_forward": (3.0, 3.0)}

    monkeypatch.setattr(autograder.grade, "grade_notebook", fake_grade_notebook)
    (tmp_path / "source").mkdir()
    secret_file = tmp_path / "source" / "grading_secret"
    secret_file.write_text(SECRET, encoding="utf-8")
    submission = tmp_path / "submission"
    submission.mkdir()
    (submission / "01_dense_layers.ipynb").write_text("{}", encoding="utf-8")
    (tmp_path / "submission_metadata.json").write_text(
        json.dumps({"users": [{"id": "4242"}]}), encoding="utf-8")
    results = tmp_path / "results" / "results.json"
    gradescope.main([str(submission), str(results), "01_dense_layers",
                     "--secret-file", str(secret_file)])
    assert received == {"secret": SECRET, "student": "4242", "file_left": False}
    assert SECRET not in results.read_text(encoding="utf-8")
    script = gradescope.run_autograder_script("01_dense_layers", secret=True)
    assert f'--secret-file "$ROOT/source/{gradescope.SECRET_NAME}"' in script
    assert "--secret-file" not in gradescope.run_autograder_script("01_dense_layers")


def test_grade_says_in_one_line_when_there_is_no_secret(monkeypatch, tmp_path, capsys):
    given = []
    monkeypatch.setattr(grade_module, "run", lambda arguments, output, secret=None:
                        given.append(secret) or 0)
    monkeypatch.delenv(ENVIRONMENT_VARIABLE, raising=False)
    folder = str(tmp_path)
    assert grade_module.main([folder, "--output", str(tmp_path / "out")]) == 0
    assert capsys.readouterr().err.strip() == NO_SECRET
    monkeypatch.setenv(ENVIRONMENT_VARIABLE, SECRET)
    assert grade_module.main([folder, "--output", str(tmp_path / "out")]) == 0
    assert NO_SECRET not in capsys.readouterr().err
    assert given == [None, SECRET] and ENVIRONMENT_VARIABLE not in os.environ
    assert grade_module.main([folder, "--output", str(tmp_path / "out"), "--secret", "x"]) == 2
    assert "at least 16 characters" in capsys.readouterr().err


def test_the_gradescope_bundle_holds_the_secret_for_the_grader_only(tmp_path):
    from autograder.export import export_gradescope

    secret_file = tmp_path / "secret.txt"
    secret_file.write_text(SECRET, encoding="utf-8")
    folder, archive = export_gradescope("01_dense_layers", tmp_path / "bundle", secret_file)
    held = folder / gradescope.SECRET_NAME
    assert held.read_text(encoding="utf-8").strip() == SECRET
    assert stat.S_IMODE(held.stat().st_mode) == 0o600
    assert "--secret-file" in (folder / "run_autograder").read_text(encoding="utf-8")
    assert archive.exists()
