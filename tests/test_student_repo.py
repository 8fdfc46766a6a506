"""`make student-repo DIR`: the public copy holds no solution and no hidden test."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import student_repo  # noqa: E402

MARKERS = ("BEGIN HIDDEN TESTS", "BEGIN SOLUTION")


def secret_lines():
    """Every line (stripped, long enough to be telling) of a hidden test or solution region
    that the released student notebooks do not show anyway (some exercises print given code
    elsewhere in the lesson)."""
    released = "\n".join(path.read_text(encoding="utf-8")
                         for path in (ROOT / "lessons").glob("*/*.ipynb"))
    lines = set()
    for path in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]:
            source = "".join(cell["source"])
            for begin, end in (("BEGIN HIDDEN TESTS", "END HIDDEN TESTS"),
                               ("BEGIN SOLUTION", "END SOLUTION")):
                for region in source.split(begin)[1:]:
                    for line in region.split(end)[0].splitlines()[1:]:
                        text = line.strip()
                        if len(text) > 30 and json.dumps(text)[1:-1] not in released:
                            lines.add(text)
    return lines


def test_student_repo_has_no_solutions_or_hidden_tests(tmp_path):
    """The copy has the lessons and course_lib, no solutions/ or tests/, no git history, and
    no line of any solution or hidden test region (course_lib's references excepted: they
    are public by design and called out by the hidden tests)."""
    target = tmp_path / "public"
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "student_repo.py"), str(target)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    top = {path.name for path in target.iterdir()}
    assert {"lessons", "course_lib", "binder", "README.md", "Makefile", "pyproject.toml"} <= top
    assert not top & {"solutions", "tests", "autograder", "bench", ".git", ".ci"}
    secrets = secret_lines()
    assert secrets, "the check would be blind"
    leaks = []
    for path in target.rglob("*"):
        if not path.is_file() or path.suffix not in (".ipynb", ".py", ".md", ".txt", ""):
            continue
        if path.is_relative_to(target / "course_lib"):
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.suffix in (".ipynb", ".py") and any(marker in text for marker in MARKERS):
            leaks.append((path, "marker"))
        leaks += [(path, line) for line in secrets if line in text]
    assert leaks == []


def test_student_repo_refuses_a_folder_in_use(tmp_path):
    """An existing, non-empty folder is never overwritten."""
    (tmp_path / "keep.txt").write_text("mine")
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "student_repo.py"), str(tmp_path)],
                         capture_output=True, text=True)
    assert run.returncode == 2 and "not empty" in run.stderr
    assert (tmp_path / "keep.txt").read_text() == "mine"


def test_student_copy_nbgrader_config_loads_without_autograder(tmp_path):
    """nbgrader_config.py in the copy (no autograder/, no solutions/) loads, for Validate."""
    target = tmp_path / "public"
    student_repo.write_student_repo(target)
    script = ("from traitlets.config.loader import PyFileConfigLoader\n"
              f"c = PyFileConfigLoader('nbgrader_config.py', path={str(target)!r}).load_config()\n"
              "print(c.CourseDirectory.db_url)\n")
    run = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                         text=True, env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"sqlite:///{target.resolve() / 'gradebook.db'}"


def test_student_copy_has_its_own_readme_and_makefile(tmp_path):
    """The copy's README and Makefile offer `make lab` only (no `make test`, `make release`,
    which need what the copy lacks); its README keeps the Binder badge and the lesson table
    with the Colab badges; the command prints the tag-and-push steps the Colab cells need."""
    target = tmp_path / "public"
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "student_repo.py"), str(target)],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    readme = (target / "README.md").read_text(encoding="utf-8")
    makefile = (target / "Makefile").read_text(encoding="utf-8")
    for text in (readme, makefile):
        assert "make lab" in text
        assert not [word for word in ("make test", "make release", "make grade",
                                      "make instructor", "autograder") if word in text]
    source = (ROOT / "README.md").read_text(encoding="utf-8")
    table = source[source.index("<!-- lessons:start -->"):source.index("<!-- lessons:end -->")]
    assert table in readme and "colab.research.google.com" in table
    assert "mybinder.org" in readme
    assert not (target / "tools" / "student_repo.py").exists()
    assert not (target / "tools" / "student_repo").exists()
    targets = subprocess.run(["make", "-n", "-C", str(target), "lab"], capture_output=True,
                             text=True)
    assert targets.returncode == 0 and "jupyter lab --notebook-dir=lessons" in targets.stdout
    tag = student_repo.release_steps(target)[-1].split()[2]
    assert tag.startswith("v") and f"git tag {tag} && git push origin {tag}" in run.stdout
    assert "git push -u origin main" in run.stdout
