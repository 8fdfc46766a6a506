"""Grading on a Dask cluster (autograder/cluster.py): a scheduler and two worker processes
on the loopback address, started here.

- a mixed class (lessons 00 and 01: solved, blank, partly wrong, a broken file) grades
  through --scheduler exactly as locally, test by test, feedback byte for byte; a rerun
  grades nothing;
- a worker killed while it grades is Dask's to retry: grades.csv is still complete;
- a worker whose course differs from the coordinator's refuses, and says what differs.
"""

import csv
import json

import pytest

from autograder import cluster as cluster_module
from autograder import grade
from autograder.demo import student_versions

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("autograder_cluster")]

CLASS = {"00_setup": ("ada", "ben", "dev"), "01_dense_layers": ("ada", "ben", "cho")}


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory):
    """The address of a LocalCluster: 2 worker processes of 1 thread, on 127.0.0.1."""
    import distributed  # a pinned dependency: fail, never skip
    marker = tmp_path_factory.mktemp("faults") / "crashed"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CNN_CRASH_MARKER", str(marker))  # read by the spawned workers
        with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                      host="127.0.0.1", dashboard_address=None) as cluster:
            yield cluster.scheduler_address


def class_folder(folder, lessons=CLASS):
    folder.mkdir()
    for lesson, students in lessons.items():
        versions = student_versions(lesson)  # ada solved, ben blank, cho partly wrong, dev cut
        for student in students:
            (folder / f"{student}_{lesson}.ipynb").write_bytes(versions[student])
    return folder


def rows(output):
    with open(output / "grades.csv", newline="", encoding="utf-8") as stream:
        return list(csv.DictReader(stream))


def results(output):
    lines = (output / "results.jsonl").read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines]


def test_a_class_grades_on_the_cluster_as_locally(tmp_path, scheduler):
    """Every score of every test, every status and message, every feedback page: identical."""
    folder = class_folder(tmp_path / "download")
    assert grade.main([str(folder), "--output", str(tmp_path / "local"), "--jobs", "2",
                       "--quiet"]) == 0
    assert grade.main([str(folder), "--output", str(tmp_path / "cluster"), "--scheduler",
                       scheduler, "--quiet"]) == 0
    local, remote = rows(tmp_path / "local"), rows(tmp_path / "cluster")
    assert remote == local and len(remote) == 6
    by_student = {(row["student"], row["lesson"]): row for row in remote}
    assert by_student[("ada", "01_dense_layers")]["score"] == "10"
    assert 0 < float(by_student[("cho", "01_dense_layers")]["score"]) < 10
    assert by_student[("dev", "00_setup")]["status"] == "error"
    for result in results(tmp_path / "cluster"):
        assert result["worker"].startswith("tcp://127.0.0.1:"), result["worker"]
    for kind, name in (("feedback", "{lesson}.html"), ("autograded", "{lesson}.ipynb")):
        for student, lesson in by_student:
            if student == "dev":
                continue
            path = f"{kind}/{student}/{lesson}/{name.format(lesson=lesson)}"
            mine, theirs = tmp_path / "cluster" / path, tmp_path / "local" / path
            if kind == "feedback":
                assert mine.read_bytes() == theirs.read_bytes(), path
            else:  # the same cells and outputs; only execution timestamps differ
                assert _cells(mine) == _cells(theirs), path
    # A rerun grades only what changed: nothing here.
    assert grade.main([str(folder), "--output", str(tmp_path / "cluster"), "--scheduler",
                       scheduler, "--quiet"]) == 0
    assert len(results(tmp_path / "cluster")) == 6


def _cells(path):
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        cell.get("metadata", {}).pop("execution", None)
    return cells


def test_a_worker_killed_mid_batch_still_gives_every_grade(tmp_path, scheduler, monkeypatch):
    """crash_once's worker dies while grading it; Dask grades it again on a live worker."""
    from tests.grading_faults import crash_once_on_cluster

    monkeypatch.setattr(cluster_module, "grade_remote", crash_once_on_cluster)
    versions = student_versions("00_setup")
    folder = tmp_path / "download"
    folder.mkdir()
    for student in ("alice", "crash_once", "bob"):
        (folder / f"{student}_00_setup.ipynb").write_bytes(versions["ada"])
    assert grade.main([str(folder), "--output", str(tmp_path / "out"), "--scheduler", scheduler,
                       "--quiet"]) == 0
    graded = rows(tmp_path / "out")
    assert sorted(row["student"] for row in graded) == ["alice", "bob", "crash_once"]
    assert all(row["status"] == "graded" and row["score"] == "1" for row in graded), graded


def test_a_worker_with_another_course_refuses(tmp_path, scheduler, monkeypatch, capsys):
    """The coordinator's tests of lesson 00 differ from the workers': no grade, a clear error."""
    real = cluster_module.course_identity
    monkeypatch.setattr(cluster_module, "course_identity",
                        lambda lesson: {**real(lesson), f"tests of {lesson}": "0123456789abcdef"})
    folder = class_folder(tmp_path / "download", {"00_setup": ("ada",)})
    code = grade.main([str(folder), "--output", str(tmp_path / "out"), "--scheduler",
                       scheduler, "--quiet"])
    error = capsys.readouterr().err
    assert code == 4, error
    assert "refuses to grade 00_setup" in error and "0123456789abcdef on the coordinator" in error
    assert not (tmp_path / "out" / "results.jsonl").exists()
    assert [row["student"] for row in rows(tmp_path / "out")] == []
