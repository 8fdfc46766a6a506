"""Reading a zip of submissions: every member becomes a file to collect, or a reason.

Nothing in the zip is trusted, neither its names nor the sizes in its headers:

- a name is split on `/` and `\\`; an absolute name, a `..` component, an empty or
  over-long name is refused, so nothing is written outside the private folder;
- symbolic links and other special files (the Unix mode in the member's header),
  encrypted members and members whose bytes cannot be read are refused;
- several members with one name are all refused (which one the student meant is
  unknown), and so are a file that another member needs as a folder
  (`a.ipynb` and `a.ipynb/b.ipynb`) and the members below it;
- bytes are read with a budget: a member larger than `Caps.notebook_bytes` (declared
  or actually decompressed, so a zip bomb stops there) and the members after
  `Caps.archive_bytes` in total, or after `Caps.members` members, are refused;
- an archive that cannot be opened at all (truncated, corrupt, names that are not
  UTF-8 though flagged so) is one refusal for the whole archive.

Only the members that `triage` asks for (notebooks and nbgrader's timestamp.txt)
are read, and they are written into a fresh private folder with `open(..., "xb")`,
which never overwrites nor follows a link.
"""

import lzma
import re
import stat
import tempfile
import zipfile
import zlib
from collections import Counter
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MB = 2**20
READ_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, RuntimeError,
               NotImplementedError, EOFError, OSError, ValueError)
DRIVE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class Caps:
    """What one submission, and one zip, may make the grader read. Sizes in bytes.

    - notebook_bytes: one submitted file (`--max-notebook-mb`)
    - cells: cells in one notebook (`--max-cells`)
    - members: members of a zip that are looked at
    - archive_bytes: bytes decompressed from one zip, all members together
    """

    notebook_bytes: int = 20 * MB
    cells: int = 2_000
    members: int = 10_000
    archive_bytes: int = 4096 * MB


class TooLarge(ValueError):
    """A member that decompresses to more bytes than its budget."""


def is_archive(path):
    """True for a file that is meant to be a zip: a `.zip` name, or zip's first bytes."""
    path = Path(path)
    if not path.is_file():
        return False
    with open(path, "rb") as stream:
        return path.suffix.lower() == ".zip" or stream.read(4) == b"PK\x03\x04"


def member_parts(name):
    """The components of a member's name, or raise ValueError saying why it is refused."""
    normalized = name.replace("\\", "/")
    if normalized.startswith("/") or DRIVE.match(normalized):
        raise ValueError("an absolute path (expected a path inside the zip)")
    parts = [part for part in normalized.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise ValueError("a '..' component (expected a path inside the zip)")
    if not parts:
        raise ValueError("an empty name")
    if len(parts) > 32 or any(len(part.encode("utf-8", "replace")) > 255 for part in parts):
        raise ValueError("a name too long or too deep for a file system")
    return tuple(parts)


def _kind_problem(member):
    """Why the member's header makes it unreadable as a plain file, or None."""
    kind = stat.S_IFMT(member.external_attr >> 16)
    if kind == stat.S_IFLNK:
        return "a symbolic link (only plain files are read)"
    if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
        return "a special file, not a plain file"
    if member.flag_bits & 0x1:
        return "encrypted (password-protected): upload the notebook without a password"
    return None


def read_member(archive, member, limit):
    """The member's bytes, reading at most `limit` + 1 of them (raises TooLarge beyond)."""
    chunks, total = [], 0
    with archive.open(member) as stream:
        while chunk := stream.read(min(MB, limit + 1 - total)):
            total += len(chunk)
            chunks.append(chunk)
            if total > limit:
                raise TooLarge(f"decompresses to more than {limit / MB:g} MB")
    return b"".join(chunks)


def extract(source, scratch, triage, caps=None):
    """Read a zip's wanted members into a new private folder under `scratch`.

    Inputs:
    - source: path of the zip
    - triage: triage(PurePosixPath) -> "read", "skip" or a reason to refuse the member
    - caps: Caps (defaults when None)

    Returns (folder, refused): refused is a list of (shown path, reason); a zip that
    cannot be opened gives (None, [(its name, reason)]).
    """
    caps, source = caps or Caps(), Path(source)
    try:
        archive = zipfile.ZipFile(source)
    except UnicodeDecodeError:
        return None, [(Path(source.name), "unreadable zip: member names flagged UTF-8 are not "
                                          "UTF-8; make the zip again")]
    except READ_ERRORS as error:
        return None, [(Path(source.name), f"unreadable zip (truncated or corrupt?): {error}")]
    folder = Path(tempfile.mkdtemp(prefix="submissions-", dir=scratch))
    with archive:
        return folder, _extract(archive, source.name, folder, triage, caps)


def _extract(archive, zip_name, folder, triage, caps):
    refused, planned = [], []
    members = archive.infolist()
    if len(members) > caps.members:
        refused.append((Path(zip_name), f"the zip has {len(members)} members, more than "
                                        f"{caps.members}: the rest were not read"))
        members = members[:caps.members]
    for member in members:
        shown = Path(zip_name, member.filename.replace("\\", "/").lstrip("/"))
        try:
            parts = member_parts(member.filename)
        except ValueError as error:
            refused.append((shown, f"member {member.filename!r}: {error}"))
            continue
        shown = Path(zip_name, *parts)
        decision = "skip" if member.is_dir() else triage(PurePosixPath(*parts))
        problem = _kind_problem(member) if decision == "read" else None
        if decision not in ("read", "skip"):
            refused.append((shown, decision))
        elif problem:
            refused.append((shown, problem))
        elif decision == "read":
            planned.append((parts, member))
    counts = Counter(parts for parts, _ in planned)
    folders = {parts[:depth] for parts, _ in planned for depth in range(1, len(parts))}
    budget = caps.archive_bytes
    for parts, member in planned:
        shown = Path(zip_name, *parts)
        reason = _conflict(parts, counts, folders)
        if reason is None and member.file_size > caps.notebook_bytes:
            reason = (f"{member.file_size / MB:.1f} MB uncompressed, over the "
                      f"{caps.notebook_bytes / MB:g} MB limit (--max-notebook-mb)")
        if reason is None and budget <= 0:
            reason = f"not read: the zip decompresses to more than {caps.archive_bytes / MB:g} MB"
        if reason is None:
            limit = min(caps.notebook_bytes, budget)
            try:
                data = read_member(archive, member, limit)
                budget -= len(data)
                _write(folder, parts, data)
            except TooLarge as error:
                budget -= limit + 1
                reason = (f"{error}, over the {caps.notebook_bytes / MB:g} MB limit (a zip bomb?)"
                          if limit == caps.notebook_bytes else
                          f"not read: the zip decompresses to more than "
                          f"{caps.archive_bytes / MB:g} MB")
            except READ_ERRORS as error:
                reason = f"cannot be read from the zip: {type(error).__name__}: {str(error)[:200]}"
        if reason:
            refused.append((shown, reason))
    return refused


def _conflict(parts, counts, folders):
    """Why a planned member cannot be written beside the others, or None."""
    if counts[parts] > 1:
        return f"{counts[parts]} members of the zip have this name: which one to grade is unknown"
    if parts in folders:
        return "this path is both a file and a folder in the zip"
    if any(parts[:depth] in counts for depth in range(1, len(parts))):
        return "below a path that is a file in the zip"
    return None


def _write(folder, parts, data):
    path = folder.joinpath(*parts)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as stream:  # never overwrites, never follows a link
        stream.write(data)
