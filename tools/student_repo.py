"""Write the public, student-facing copy of the course: `python tools/student_repo.py DIR`.

When grades count, the instructor repository (solutions/, hidden tests, the grading tool)
stays private and students get this copy (`make student-repo DIR=...`). It holds the
files git tracks, minus everything that shows a solution or a hidden test:

- solutions/ (solutions and hidden tests),
- tests/ (tests/variants holds correct alternative answers; the pipeline tests read
  solutions/), bench/ and .ci/ (they run the tests),
- autograder/ (the grading tool needs solutions/ anyway).

README.md and Makefile are the student copy's own (tools/student_repo/): `make lab` only,
nothing about tests or releases; the README's Binder badge and lesson table (with the Colab
badges) are copied from the instructor README. No git history is copied (it holds every
solution ever committed). DIR must not exist
or be empty. `tests/test_student_repo.py` checks that no line of a hidden test or a
solution region is left in the copy.

Two copies, for two audiences (the copy's README says which one it is):

- the default, open copy, for self-paced learners: course_lib keeps a working reference
  of every exercise, which the demos fall back on while an exercise is unfinished;
- `--graded` (`make student-repo DIR=... GRADED=1`), for a class graded for credit:
  course_lib without any lesson's graded reference, its instant checks comparing with
  expected outputs stored by this build (tools/graded_copy.py).
"""

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXCLUDED = ("solutions", "tests", "bench", ".ci", "autograder")
TEMPLATES = Path("tools") / "student_repo"  # the copy's README.md and Makefile
MARKERS = (("<!-- binder:start -->", "<!-- binder:end -->"),
           ("<!-- lessons:start -->", "<!-- lessons:end -->"))
COPIES = ("public", "graded")  # the README template's <!-- copy:KIND:start --> blocks


def tracked_files(root=ROOT):
    """Paths (relative) git tracks or would track (untracked, not ignored) under `root`."""
    listing = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard",
                              "-z"], cwd=root, capture_output=True, check=True)
    return sorted({Path(name) for name in listing.stdout.decode().split("\0") if name})


def public_files(root=ROOT):
    """The tracked files that go into the student copy."""
    return [path for path in tracked_files(root)
            if path.parts[0] not in EXCLUDED and (root / path).is_file()
            and path not in (Path("tools/student_repo.py"), Path("tools/graded_copy.py"))
            and TEMPLATES not in path.parents]


def student_readme(root=ROOT, graded=False):
    """tools/student_repo/README.md with the instructor README's Binder badge and lessons,
    and the paragraph of the graded or the public copy (without its markers)."""
    text = (Path(root) / TEMPLATES / "README.md").read_text(encoding="utf-8")
    for kind in COPIES:
        start, end = f"<!-- copy:{kind}:start -->\n", f"<!-- copy:{kind}:end -->\n"
        if start not in text or end not in text:
            raise ValueError(f"{TEMPLATES / 'README.md'} lacks the markers {start.strip()} ... "
                             f"{end.strip()}")
        keep = kind == ("graded" if graded else "public")
        block = text[text.index(start) + len(start):text.index(end)] if keep else ""
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    source = (Path(root) / "README.md").read_text(encoding="utf-8")
    for start, end in MARKERS:
        if start not in source or end not in source:
            raise ValueError(f"README.md lacks the markers {start} ... {end}")
        block = source[source.index(start):source.index(end) + len(end)]
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    return text


def release_steps(target, root=ROOT):
    """The commands that publish the copy: the Colab cells install course_lib from the tag
    `v<version>` of the public repository, and the badges open the lessons at that tag."""
    project = tomllib.loads((Path(root) / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    tag, url = f"v{project['version']}", project["urls"]["Repository"].rstrip("/")
    return [f"cd {target}",
            f"git init -b main && git add -A && git commit -m 'CNN Foundations {tag}'",
            f"git remote add origin {url}.git",
            "git push -u origin main",
            f"git tag {tag} && git push origin {tag}"]


def write_student_repo(target, root=ROOT, graded=False):
    """Copy the public files of `root` into `target`; returns the list copied.

    graded: leave every graded reference out of the copy's course_lib, and store what its
    instant checks expect (tools/graded_copy.py).
    """
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
    (target / "README.md").write_text(student_readme(root, graded), encoding="utf-8")
    shutil.copy2(Path(root) / TEMPLATES / "Makefile", target / "Makefile")
    if graded:
        import graded_copy

        graded_copy.make_graded(target)
    return copied


def main(argv):
    graded = "--graded" in argv
    argv = [argument for argument in argv if argument != "--graded"]
    if len(argv) != 1:
        print("usage: python tools/student_repo.py [--graded] DIR", file=sys.stderr)
        return 2
    try:
        copied = write_student_repo(argv[0], graded=graded)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    kind = ("graded copy: course_lib without the graded references, instant checks on "
            "stored answers" if graded else "open copy: course_lib with its references")
    print(f"wrote {len(copied)} files to {argv[0]} ({kind}; without {', '.join(EXCLUDED)}), "
          "with its "
          "own README.md and Makefile (`make lab`). Publish it, and tag the release: every "
          "lesson's Colab setup cell installs course_lib from that tag, and the Colab badges "
          "open the lessons at it:")
    for step in release_steps(argv[0]):
        print(f"  {step}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
