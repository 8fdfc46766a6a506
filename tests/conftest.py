"""Shared test setup: keep every test away from the learner's real progress record."""

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(autouse=True)
def _private_progress_file(tmp_path, monkeypatch):
    """Instant checks record progress; in tests they write to a temporary file."""
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(tmp_path / "progress.json"))
    monkeypatch.delenv("COURSE_PROGRESS", raising=False)


HEAVY_FIRST = ("10_", "11_", "test_autograder_hostile", "07_", "09_", "06_", "02_")


def pytest_collection_modifyitems(items):
    """Start the longest groups first, so that two xdist workers finish together.

    The Keras lessons take minutes to autograde; started last, they would leave
    one worker idle while the other grinds through them.
    """
    def group(item):
        marker = item.get_closest_marker("xdist_group")
        return marker.args[0] if marker and marker.args else ""

    def weight(item):
        key = group(item) + " " + item.nodeid
        for rank, prefix in enumerate(HEAVY_FIRST):
            if key.startswith(prefix) or f"/{prefix}" in key:
                return rank, group(item)
        return len(HEAVY_FIRST), ""

    items.sort(key=weight)
