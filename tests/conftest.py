"""Shared test setup: keep every test away from the learner's real progress record."""

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(autouse=True)
def _private_progress_file(tmp_path, monkeypatch):
    """Instant checks record progress; in tests they write to a temporary file."""
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(tmp_path / "progress.json"))
    monkeypatch.delenv("COURSE_PROGRESS", raising=False)
