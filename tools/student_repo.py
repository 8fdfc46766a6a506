"""Write the public, student-facing copy of the course: `python tools/student_repo.py DIR`.

When grades count, the instructor repository (solutions/, hidden tests, the grading tool)
stays private and students get this copy (`make student-repo DIR=...`). It holds the
files git tracks, minus everything that shows a solution or a hidden test:

- solutions/ (solutions and hidden tests),
- tests/ (tests/variants holds correct alternative answers; the pipeline tests read
  solutions/), bench/ and .ci/ (they run the tests),
- autograder/ (the grading tool needs solutions/ anyway).

No git history is copied (it holds every solution ever committed). DIR must not exist
or be empty. `tests/test_student_repo.py` checks that no line of a hidden test or a
solution region is left in the copy.
"""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXCLUDED = ("solutions", "tests", "bench", ".ci", "autograder")


def tracked_files(root=ROOT):
    """Paths (relative) git tracks or would track (untracked, not ignored) under `root`."""
    listing = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                              "-z"], cwd=root, capture_output=True, check=True)
    return sorted({Path(name) for name in listing.stdout.decode().split("\0") if name})


def public_files(root=ROOT):
    """The tracked files that go into the student copy."""
    return [path for path in tracked_files(root)
            if path.parts[0] not in EXCLUDED and (root / path).is_file()]


def write_student_repo(target, root=ROOT):
    """Copy the public files of `root` into `target`; returns the list copied."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise ValueError(f"{target} is not empty; give a new folder")
    if target.resolve().is_relative_to(Path(root).resolve()):
        raise ValueError(f"{target} is inside the repository; give a folder outside it")
    copied = []
    for path in public_files(root):
        destination = target / path
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(root / path, destination)
        copied.append(path)
    return copied


def main(argv):
    if len(argv) != 1:
        print("usage: python tools/student_repo.py DIR", file=sys.stderr)
        return 2
    try:
        copied = write_student_repo(argv[0])
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"wrote {len(copied)} files to {argv[0]} (without {', '.join(EXCLUDED)}); "
          "initialise it with `git init` and push it as the public repository")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
