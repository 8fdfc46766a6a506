"""Keep every link to the course repository in step with the one place that holds it.

The repository URL lives in pyproject.toml (`[project.urls] Repository`), and the
release tag is `v<version>` of the same file. From them this tool writes:

- the first code cell of every lesson in solutions/ (id `colab-setup`), which on
  Colab installs course_lib from the repository at the release tag (the same tag
  the Colab badge opens the notebook from, so notebook and library always match)
  and says whether a GPU runtime is on, and does nothing anywhere else;
- the lesson table of README.md (between the `lessons:start` / `lessons:end`
  markers), with each lesson's title, goals and CPU run time read from the
  lesson's header, and its Colab badge; and the Binder badge.

Usage:
    python tools/course_links.py          rewrite what is out of date
    python tools/course_links.py --check  exit 1 and list what is out of date

`make release` runs it before regenerating lessons/.
"""

import json
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETUP_CELL_ID = "colab-setup"
TABLE_START, TABLE_END = "<!-- lessons:start -->", "<!-- lessons:end -->"
BINDER_START, BINDER_END = "<!-- binder:start -->", "<!-- binder:end -->"


def repository_url():
    """The course repository, e.g. https://github.com/OWNER/NAME (no trailing slash)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return project["urls"]["Repository"].rstrip("/")


def release_ref():
    """The git tag of this release, `v<version>` (tag the release commit with it)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return f"v{project['version']}"


def github_path(url):
    """'OWNER/NAME' of a GitHub URL."""
    match = re.fullmatch(r"https://github\.com/([^/]+/[^/]+)", url)
    if not match:
        raise ValueError(f"expected a https://github.com/OWNER/NAME repository URL, got {url!r}")
    return match[1]


def colab_url(url, lesson, ref=None):
    return (f"https://colab.research.google.com/github/{github_path(url)}/blob/"
            f"{ref or release_ref()}/lessons/{lesson}/{lesson}.ipynb")


def binder_url(url):
    return f"https://mybinder.org/v2/gh/{github_path(url)}/HEAD?urlpath=lab/tree/lessons"


def setup_cell_source(url, ref=None):
    """The source of the first code cell of every lesson: course_lib pinned to the release tag.

    pip keeps Colab's NumPy, TensorFlow and Keras: course_lib asks only for lower bounds.
    """
    ref = ref or release_ref()
    return (
        "# Setup. On Colab, install the course's library first; elsewhere `make lab` already did.\n"
        "import sys\n"
        "\n"
        "if \"google.colab\" in sys.modules:\n"
        f"    %pip install --quiet \"course_lib @ git+{url}@{ref}\"\n"
        "    from course_lib.environment import gpu_names\n"
        "\n"
        "    print(\"Colab GPU runtime:\", \", \".join(gpu_names())\n"
        "          or \"off (Runtime > Change runtime type > GPU to turn it on)\")"
    )


def _lines(text):
    parts = text.split("\n")
    return [part + "\n" for part in parts[:-1]] + [parts[-1]]


def sync_setup_cell(notebook, url):
    """Put the setup cell first among the code cells of `notebook`; True when it changed."""
    cells = notebook["cells"]
    wanted = {"cell_type": "code", "execution_count": None, "id": SETUP_CELL_ID,
              "metadata": {}, "outputs": [], "source": _lines(setup_cell_source(url))}
    marker = setup_cell_source(url).split("\n", 1)[0]
    existing = [index for index, cell in enumerate(cells) if cell.get("id") == SETUP_CELL_ID
                or (cell["cell_type"] == "code" and "".join(cell["source"]).startswith(marker))]
    first_code = next((index for index, cell in enumerate(cells)
                       if cell["cell_type"] == "code"), len(cells))
    if existing == [first_code] and cells[first_code] == wanted:
        return False
    for index in reversed(existing):
        del cells[index]
    first_code = next((index for index, cell in enumerate(cells)
                       if cell["cell_type"] == "code"), len(cells))
    cells.insert(first_code, wanted)
    return True


def lesson_header(notebook):
    """(title, goals, run time) from the first markdown cell of a lesson."""
    text = "".join(notebook["cells"][0]["source"])
    title = re.search(r"^# Lesson \d+ — (.+)$", text, re.M)
    goals = re.search(r"\*\*What you will be able to do:\*\*\s*(.+?)(?:\n\n|$)", text, re.S)
    run_time = re.search(r"\*\*Run time:\*\*\s*(.+?)(?:\n\n|$)", text, re.S)
    if not (title and goals and run_time):
        raise ValueError("a lesson's first cell must have '# Lesson NN — Title', "
                         "'**What you will be able to do:**' and '**Run time:**'")
    squash = lambda value: " ".join(value.split())  # noqa: E731
    first_sentence = squash(run_time[1]).split(". ")[0].rstrip(".")
    return squash(title[1]), squash(goals[1]), first_sentence


def lesson_table(url, lessons):
    rows = ["| # | lesson | you will be able to | run time | open |", "|---|---|---|---|---|"]
    for lesson, notebook in lessons:
        title, goals, run_time = lesson_header(notebook)
        link = f"[{title}](lessons/{lesson}/{lesson}.ipynb)"
        badge = (f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
                 f"({colab_url(url, lesson)})")
        rows.append(f"| {lesson[:2]} | {link} | {goals} | {run_time} | {badge} |")
    return "\n".join(rows)


def _replace_between(text, start, end, body):
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise ValueError(f"README.md lacks the markers {start} ... {end}")
    return pattern.sub(lambda _: f"{start}\n{body}\n{end}", text)


def sync(check=False):
    """Bring notebooks and README in step; returns the list of files out of date."""
    url = repository_url()
    stale, lessons = [], []
    for path in sorted((ROOT / "solutions").glob("*/*.ipynb")):
        notebook = json.loads(path.read_text(encoding="utf-8"))
        if sync_setup_cell(notebook, url):
            stale.append(path)
            if not check:
                path.write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n",
                                encoding="utf-8")
        lessons.append((path.parent.name, notebook))
    readme_path = ROOT / "README.md"
    readme = readme_path.read_text(encoding="utf-8")
    badge = f"[![Launch Binder](https://mybinder.org/badge_logo.svg)]({binder_url(url)})"
    updated = _replace_between(readme, TABLE_START, TABLE_END, lesson_table(url, lessons))
    updated = _replace_between(updated, BINDER_START, BINDER_END, badge)
    if updated != readme:
        stale.append(readme_path)
        if not check:
            readme_path.write_text(updated, encoding="utf-8")
    return stale


def main(argv):
    check = "--check" in argv
    stale = sync(check=check)
    for path in stale:
        print(("out of date: " if check else "updated: ") + str(path.relative_to(ROOT)))
    return 1 if (check and stale) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
