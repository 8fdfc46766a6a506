"""Hostile zips of submissions: every member becomes a row, nothing is written outside.

Each layout is built with `zipfile` (raw header bytes patched where zipfile would not
write them) and read by `unpack` + `collect`, the intake of `python -m autograder.grade`,
without grading. One end-to-end run grades a crafted zip holding one honest notebook
next to hostile members. A copy of the extraction loop the grader had before shows
that the same zips stopped the whole batch then.
"""

import contextlib
import csv
import shutil
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from autograder.archive import Caps
from autograder.submissions import collect, unpack

LESSONS = ["00_setup", "01_dense_layers"]
HONEST = "alice_00_setup.ipynb"
NOTEBOOK = '{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


def write_zip(path, members):
    """A zip of (name or ZipInfo, bytes) members, HONEST first."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(HONEST, NOTEBOOK)
        for name, data in members:
            archive.writestr(name, data)
    return path


def symlink(name, target):
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target


def patch(path, old, new, count=2):
    """Replace bytes in the zip's local and central headers (zipfile never writes these)."""
    data = path.read_bytes()
    assert data.count(old) == count, (old, data.count(old))
    path.write_bytes(data.replace(old, new))
    return path


def headers(data, name):
    """Offsets of the local and the central header of the member called `name`."""
    first = data.index(name.encode())
    return first - 30, data.index(name.encode(), first + 1) - 46


def intake(path, tmp_path, caps=None):
    """(names of the collected submissions, {shown path: reason} of every refused file)."""
    scratch = tmp_path / "scratch"
    scratch.mkdir(exist_ok=True)
    folder, refused = unpack(path, scratch, caps)
    submissions, rejections = collect(folder, LESSONS) if folder else ([], [])
    reasons = {}
    for rejection in refused + rejections:
        shown = rejection.path
        if folder is not None and folder in shown.parents:
            shown = Path(path.name) / shown.relative_to(folder)
        reasons[str(shown)] = rejection.reason
    written = {p for p in tmp_path.rglob("*") if p.is_file() or p.is_symlink()}
    assert all(scratch in p.parents or p.parent == tmp_path for p in written), written
    assert not any(p.is_symlink() for p in written)
    return sorted(s.path.name for s in submissions), reasons


LAYOUTS = {
    "symbolic link": ([symlink("bob_00_setup.ipynb", b"/etc/passwd")],
                      {"bob_00_setup.ipynb": "symbolic link"}),
    "member below a file": ([("bob_00_setup.ipynb", NOTEBOOK),
                             ("bob_00_setup.ipynb/carol_00_setup.ipynb", NOTEBOOK)],
                            {"bob_00_setup.ipynb": "both a file and a folder",
                             "bob_00_setup.ipynb/carol_00_setup.ipynb": "below a path"}),
    "file where a folder is needed": ([("d.ipynb/carol_00_setup.ipynb", NOTEBOOK),
                                       ("d.ipynb", NOTEBOOK)],
                                      {"d.ipynb": "both a file and a folder",
                                       "d.ipynb/carol_00_setup.ipynb": "below a path"}),
    "absolute path": ([("/tmp/evil_00_setup.ipynb", NOTEBOOK),
                       ("C:\\evil\\eve_00_setup.ipynb", NOTEBOOK)],
                      {"tmp/evil_00_setup.ipynb": "absolute path",
                       "C:/evil/eve_00_setup.ipynb": "absolute path"}),
    "dot-dot": ([("../../evil_00_setup.ipynb", NOTEBOOK), ("a/../../b_00_setup.ipynb", NOTEBOOK)],
                {"../../evil_00_setup.ipynb": "'..'", "a/../../b_00_setup.ipynb": "'..'"}),
    "backslashes": ([("..\\..\\evil_00_setup.ipynb", NOTEBOOK),
                     ("submitted\\bob\\00_setup\\00_setup.ipynb", NOTEBOOK)],
                    {"../../evil_00_setup.ipynb": "'..'"}),
    "duplicate names": ([("bob_00_setup.ipynb", NOTEBOOK), ("bob_00_setup.ipynb", "{}"),
                         ("./bob_00_setup.ipynb", "{}")],
                        {"bob_00_setup.ipynb": "3 members of the zip have this name"}),
    "huge member": ([("bob_00_setup.ipynb", b"\0" * (21 * 2**20))],
                    {"bob_00_setup.ipynb": "21.0 MB uncompressed, over the 20 MB limit"}),
    "not notebooks": ([("notes.txt", "hi"), ("__MACOSX/._x.ipynb", "junk"), ("dir/", "")],
                      {"notes.txt": "not a notebook"}),
}


@pytest.mark.parametrize("layout", LAYOUTS, ids=list(LAYOUTS))
def test_every_layout_becomes_rows(tmp_path, layout):
    """Each hostile member is a rejection with its reason; the honest notebook is collected."""
    members, expected = LAYOUTS[layout]
    with pytest.warns(UserWarning) if layout == "duplicate names" else contextlib.nullcontext():
        archive = write_zip(tmp_path / "download.zip", members)
    names, reasons = intake(archive, tmp_path)
    extra = ["00_setup.ipynb"] if layout == "backslashes" else []
    assert names == sorted([HONEST, *extra])
    assert set(reasons) == {f"download.zip/{name}" for name in expected}, reasons
    for name, reason in expected.items():
        assert reason in reasons[f"download.zip/{name}"], reasons


def test_zip_bomb_with_a_lying_header_stops_at_the_declared_size(tmp_path):
    """64 MB of zeros declared as 100 bytes: reading stops there (CRC error), quickly."""
    archive = write_zip(tmp_path / "download.zip", [("bob_00_setup.ipynb", b"\0" * 64 * 2**20)])
    data = bytearray(archive.read_bytes())
    _, central = headers(data, "bob_00_setup.ipynb")
    data[central + 24:central + 28] = (100).to_bytes(4, "little")  # uncompressed size
    archive.write_bytes(bytes(data))
    start = time.perf_counter()
    names, reasons = intake(archive, tmp_path)
    assert time.perf_counter() - start < 20  # wide, for a loaded machine; the CRC error is the point
    assert names == [HONEST]
    assert "cannot be read" in reasons["download.zip/bob_00_setup.ipynb"]


def test_budgets_for_members_and_bytes(tmp_path):
    """Members past Caps.members are one row; bytes past Caps.archive_bytes are refused."""
    members = [(f"s{n}_00_setup.ipynb", NOTEBOOK) for n in range(8)]
    archive = write_zip(tmp_path / "many.zip", members)
    names, reasons = intake(archive, tmp_path, Caps(members=4))
    assert len(names) == 4 and reasons == {"many.zip": "the zip has 9 members, more than 4: "
                                                       "the rest were not read"}
    size = len(NOTEBOOK)
    names, reasons = intake(archive, tmp_path, Caps(archive_bytes=int(size * 2.5)))
    assert len(names) == 2 and len(reasons) == 7
    assert all("decompresses to more than" in reason for reason in reasons.values())


def test_encrypted_member(tmp_path):
    """A member flagged encrypted is refused (zipfile would raise RuntimeError on it)."""
    archive = write_zip(tmp_path / "download.zip", [("bob_00_setup.ipynb", NOTEBOOK)])
    data = bytearray(archive.read_bytes())
    local, central = headers(data, "bob_00_setup.ipynb")
    assert data[local:local + 4] == b"PK\x03\x04" and data[central:central + 4] == b"PK\x01\x02"
    data[local + 6] |= 0x1  # general purpose flags: bit 0, encrypted
    data[central + 8] |= 0x1
    archive.write_bytes(bytes(data))
    names, reasons = intake(archive, tmp_path)
    assert names == [HONEST] and "encrypted" in reasons["download.zip/bob_00_setup.ipynb"]


def test_corrupt_member_and_truncated_zip(tmp_path):
    """A member with damaged bytes is one row; a truncated zip is one row for the archive."""
    archive = write_zip(tmp_path / "download.zip", [("bob_00_setup.ipynb", NOTEBOOK * 50)])
    data = bytearray(archive.read_bytes())
    start = data.index(b"bob_00_setup.ipynb") + len("bob_00_setup.ipynb")
    data[start + 5:start + 25] = b"\xff" * 20
    archive.write_bytes(bytes(data))
    names, reasons = intake(archive, tmp_path)
    assert names == [HONEST] and "cannot be read" in reasons["download.zip/bob_00_setup.ipynb"]
    truncated = tmp_path / "truncated.zip"
    truncated.write_bytes(bytes(data[:len(data) // 2]))
    assert intake(truncated, tmp_path) == ([], {
        "truncated.zip": "unreadable zip (truncated or corrupt?): File is not a zip file"})


def test_names_not_utf8(tmp_path):
    """Unflagged bytes (read as cp437) give a rejected name; a name flagged UTF-8 that is
    not is one row for the archive."""
    plain = write_zip(tmp_path / "plain.zip", [("bobX_00_setup.ipynb", NOTEBOOK)])
    names, reasons = intake(patch(plain, b"bobX", b"bob\xff"), tmp_path)
    assert names == [HONEST] and list(reasons.values()) == [
        r"student id 'bob\xa0': expected letters and digits (any script), '.', '_', '-', "
        "starting with a letter or digit, without '..'"]
    flagged = write_zip(tmp_path / "flagged.zip", [("bob\u00e9_00_setup.ipynb", NOTEBOOK)])
    names, reasons = intake(patch(flagged, "\u00e9".encode(), b"\xff\xfe"), tmp_path)
    assert names == [] and "not UTF-8" in reasons["flagged.zip"]


def test_a_folder_is_walked_without_following_links(tmp_path):
    """In a folder of submissions, links to a file or a folder elsewhere are rejected rows."""
    outside = tmp_path / "outside"
    (outside / "x").mkdir(parents=True)
    (outside / "secret_00_setup.ipynb").write_text(NOTEBOOK)
    (outside / "x" / "00_setup.ipynb").write_text(NOTEBOOK)
    folder = tmp_path / "download"
    folder.mkdir()
    (folder / HONEST).write_text(NOTEBOOK)
    (folder / "bob_00_setup.ipynb").symlink_to(outside / "secret_00_setup.ipynb")
    (folder / "carol").symlink_to(outside / "x")
    submissions, rejections = collect(folder, LESSONS)
    assert [s.path.name for s in submissions] == [HONEST]
    assert sorted(r.path.name for r in rejections) == ["bob_00_setup.ipynb", "carol"]
    assert all("symbolic link" in r.reason for r in rejections)


def old_unpack(source, target):
    """The extraction loop autograder/submissions.py had before this intake (a control)."""
    with zipfile.ZipFile(source) as archive:
        for member in archive.infolist():
            name = Path(member.filename)
            if member.is_dir() or name.is_absolute() or ".." in name.parts:
                continue
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            with archive.open(member) as reader, open(destination, "wb") as writer:
                shutil.copyfileobj(reader, writer)


@pytest.mark.parametrize("layout", ["member below a file", "file where a folder is needed"])
def test_control_the_old_loop_crashed(tmp_path, layout):
    """The same zips raised in the old loop, which stopped the whole batch."""
    archive = write_zip(tmp_path / "download.zip", LAYOUTS[layout][0])
    (tmp_path / "old").mkdir()
    with pytest.raises(OSError):
        old_unpack(archive, tmp_path / "old")
    shutil.rmtree(tmp_path / "old")
    assert intake(archive, tmp_path)[0] == [HONEST]


def test_control_the_old_loop_stopped_on_encrypted_and_non_utf8_names(tmp_path):
    """An encrypted member raised RuntimeError, a name flagged UTF-8 that is not raised
    UnicodeDecodeError (the batch then stopped with exit status 2); now each is a row."""
    archive = write_zip(tmp_path / "download.zip", [("bob_00_setup.ipynb", NOTEBOOK)])
    data = bytearray(archive.read_bytes())
    local, central = headers(data, "bob_00_setup.ipynb")
    data[local + 6] |= 0x1
    data[central + 8] |= 0x1
    archive.write_bytes(bytes(data))
    flagged = write_zip(tmp_path / "flagged.zip", [("bob\u00e9_00_setup.ipynb", NOTEBOOK)])
    patch(flagged, "\u00e9".encode(), b"\xff\xfe")
    (tmp_path / "old").mkdir()
    with pytest.raises(RuntimeError, match="encrypted"):
        old_unpack(archive, tmp_path / "old")
    with pytest.raises(UnicodeDecodeError):
        old_unpack(flagged, tmp_path / "old")
    shutil.rmtree(tmp_path / "old")
    assert intake(archive, tmp_path)[0] == [HONEST]
    assert list(intake(flagged, tmp_path)[1]) == ["flagged.zip"]


@pytest.mark.slow
def test_end_to_end_a_crafted_zip_grades_the_honest_notebook(tmp_path):
    """`python -m autograder.grade` on a zip of one solution and hostile members: the
    solution is graded, every hostile member is a rejected row, exit status 0."""
    from autograder.course import COURSE_ROOT, SOLUTIONS

    solution = (SOLUTIONS / "00_setup" / "00_setup.ipynb").read_bytes()
    archive = tmp_path / "download.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as writer:
        writer.writestr(HONEST, solution)
        for name, data in [symlink("bob_00_setup.ipynb", b"/etc/passwd"),
                           ("carol_00_setup.ipynb", NOTEBOOK),
                           ("carol_00_setup.ipynb/x_00_setup.ipynb", NOTEBOOK),
                           ("../../evil_00_setup.ipynb", NOTEBOOK),
                           ("dan_00_setup.ipynb", b"\0" * (21 * 2**20))]:
            writer.writestr(name, data)
    output = tmp_path / "output"
    run = subprocess.run([sys.executable, "-m", "autograder.grade", str(archive), "--output",
                          str(output), "--jobs", "1", "--quiet"], cwd=COURSE_ROOT,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    with open(output / "grades.csv", newline="", encoding="utf-8") as stream:
        rows = {row["file"]: row for row in csv.DictReader(stream)}
    graded = [row for row in rows.values() if row["status"] == "graded"]
    assert [(row["student"], row["score"] == row["max_score"]) for row in graded] == [
        ("alice", True)]
    assert {name: row["status"] for name, row in rows.items() if row["status"] != "graded"} == {
        f"download.zip/{name}": "rejected" for name in
        ["bob_00_setup.ipynb", "carol_00_setup.ipynb", "carol_00_setup.ipynb/x_00_setup.ipynb",
         "../../evil_00_setup.ipynb", "dan_00_setup.ipynb"]}
    assert not (tmp_path.parent / "evil_00_setup.ipynb").exists()
