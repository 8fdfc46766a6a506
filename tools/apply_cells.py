"""Copy the sources of some cells from a percent-text file (tools/nbsource.py) into a notebook.

    python tools/apply_cells.py lesson.py solutions/NN_x/NN_x.ipynb GRADE_ID [GRADE_ID ...]

Only the named cells (by nbgrader grade_id) change; every other cell, id and
metadata of the notebook stays byte for byte as it was.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import nbsource  # noqa: E402


def grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def main(argv):
    text_path, notebook_path, *ids = argv
    edited = {grade_id(cell): cell["source"]
              for cell in nbsource.text_to_notebook(Path(text_path).read_text(encoding="utf-8"))["cells"]
              if grade_id(cell) in ids}
    missing = set(ids) - set(edited)
    if missing:
        raise SystemExit(f"apply_cells: no cells {sorted(missing)} in {text_path}")
    notebook = json.loads(Path(notebook_path).read_text(encoding="utf-8"))
    for cell in notebook["cells"]:
        if grade_id(cell) in edited:
            cell["source"] = edited[grade_id(cell)]
    nbsource.write_notebook(notebook, notebook_path)


if __name__ == "__main__":
    main(sys.argv[1:])
