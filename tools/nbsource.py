"""Edit lesson notebooks as plain text, and turn the text back into a notebook.

The nbgrader source notebooks in ``solutions/`` are the source of truth. JSON is
awkward to write by hand, so this tool converts between a notebook and a
"percent" text file (the format jupytext and VS Code use) that spells out each
cell's nbgrader role in its header line:

    # %% [markdown]                      a markdown cell; each line starts with "# "
    # %%                                 an ordinary code cell
    # %% [solution] id=dense_forward     a solution cell the student edits
    # %% [tests] id=test_dense points=2  a locked, graded test cell
    # %% [locked] id=setup               a locked, ungraded code cell
    # %% [markdown solution] id=answer   a written answer, graded by hand
    # %% cell=cell-012 tags=raises-exception   an ordinary cell, its id and tags

Usage:
    python tools/nbsource.py to-notebook lesson.py solutions/01_x/01_x.ipynb
    python tools/nbsource.py to-text solutions/01_x/01_x.ipynb lesson.py

Cell ids are the grade_id for nbgrader cells; other cells carry theirs in the
header (`cell=cell-007`), and a cell written without one gets an id made from its
text. Tags travel too (`tags=raises-exception`). So a round trip gives back the
notebook byte for byte, and adding a cell changes only that cell.
"""

import json
import re
import sys
from pathlib import Path

HEADER = re.compile(r"^# %%(?: \[(?P<kind>[a-z ]+)\])?(?P<attrs>(?: \w+=\S+)*)\s*$")
ROLES = {
    "solution": dict(grade=False, solution=True, locked=False),
    "tests": dict(grade=True, solution=False, locked=True),
    "locked": dict(grade=False, solution=False, locked=True),
    "markdown solution": dict(grade=True, solution=True, locked=False),
}
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def _source_lines(text):
    """Split cell text into the list-of-lines form nbformat stores."""
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def text_to_notebook(text):
    """Parse percent-format text into a notebook dict (nbformat 4.5)."""
    cells, current = [], None
    for line in text.split("\n"):
        match = HEADER.match(line)
        if match:
            if current is not None:
                cells.append(current)
            attrs = dict(pair.split("=", 1) for pair in match["attrs"].split())
            current = {"kind": match["kind"] or "code", "attrs": attrs, "lines": []}
        elif current is not None:
            current["lines"].append(line)
    if current is not None:
        cells.append(current)

    notebook_cells, used = [], set()
    for index, cell in enumerate(cells):
        body = "\n".join(cell["lines"]).strip("\n")
        kind, attrs = cell["kind"], cell["attrs"]
        is_markdown = kind.startswith("markdown")
        if is_markdown:
            body = "\n".join(re.sub(r"^# ?", "", line) for line in body.split("\n"))
        cell_id = attrs.get("id") or attrs.get("cell") or _new_id(body, used)
        used.add(cell_id)
        entry = {"cell_type": "markdown" if is_markdown else "code", "id": cell_id, "metadata": {}}
        if attrs.get("tags"):
            entry["metadata"]["tags"] = attrs["tags"].split(",")
        role = ROLES.get(kind)
        if role is not None:
            meta = dict(role, grade_id=attrs["id"], schema_version=3, task=False)
            if meta["grade"]:
                meta["points"] = int(attrs.get("points", 1))
            entry["metadata"]["nbgrader"] = dict(sorted(meta.items()))
        elif kind not in ("code", "markdown"):
            raise ValueError(f"cell {index}: unknown cell kind {kind!r}; expected one of "
                             f"code, markdown, {', '.join(ROLES)}")
        if not is_markdown:
            entry.update(execution_count=None, outputs=[])
        entry["source"] = _source_lines(body)
        notebook_cells.append(dict(sorted(entry.items())))
    return {
        "cells": notebook_cells,
        "metadata": {
            "kernelspec": KERNELSPEC,
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def _new_id(body, used):
    """A stable id for a cell written without one: from its text, unique in the notebook."""
    import hashlib

    base = "cell-" + hashlib.sha1(body.encode("utf-8")).hexdigest()[:8]
    cell_id, number = base, 1
    while cell_id in used:
        number += 1
        cell_id = f"{base}-{number}"
    return cell_id


def notebook_to_text(notebook):
    """Render a notebook dict as percent-format text (inverse of text_to_notebook)."""
    chunks = []
    for cell in notebook["cells"]:
        meta = cell.get("metadata", {}).get("nbgrader")
        source = "".join(cell["source"])
        kind = "markdown" if cell["cell_type"] == "markdown" else ""
        attrs = ""
        if meta:
            for name, role in ROLES.items():
                if all(meta.get(k) == v for k, v in role.items()) and (
                        name.startswith("markdown") == (kind == "markdown")):
                    kind = name
            attrs = f" id={meta['grade_id']}"
            if meta.get("grade"):
                attrs += f" points={meta.get('points', 1)}"
        elif cell.get("id"):
            attrs = f" cell={cell['id']}"
        tags = cell.get("metadata", {}).get("tags")
        if tags:
            attrs += " tags=" + ",".join(tags)
        header = "# %%" + (f" [{kind}]" if kind else "") + attrs
        if cell["cell_type"] == "markdown":
            source = "\n".join(("# " + line).rstrip() for line in source.split("\n"))
        chunks.append(f"{header}\n{source}\n")
    return "\n".join(chunks)


def write_notebook(notebook, path):
    """Write a notebook the way Jupyter does (1-space indent, trailing newline)."""
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    Path(path).write_text(json.dumps(notebook, indent=1, ensure_ascii=False) + "\n",
                          encoding="utf-8")


def main(argv):
    if len(argv) != 3 or argv[0] not in ("to-notebook", "to-text"):
        print(__doc__)
        return 2
    command, source, target = argv
    if command == "to-notebook":
        write_notebook(text_to_notebook(Path(source).read_text(encoding="utf-8")), target)
    else:
        notebook = json.loads(Path(source).read_text(encoding="utf-8"))
        Path(target).write_text(notebook_to_text(notebook), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
