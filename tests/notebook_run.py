"""Run a lesson notebook top to bottom with nbclient, as Run All does, and summarize it.

Used by test_run_all (nbclient) and test_browser (JupyterLab): what a Run All of the
solution shows, cell by cell, is what a Run All of the fresh student version must show.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDGET = "application/vnd.jupyter.widget-view+json"

RUNNER = r"""
import copy, json, sys, time
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

from autograder.execute import polling  # half-second waits: no missed replies (nbclient#312)

notebook = nbformat.read(sys.argv[1], as_version=4)
rerun = sys.argv[4] == "rerun"
# allow_errors=False: like Run All, stop at an error unless the cell is tagged raises-exception
client = NotebookClient(notebook, timeout=600, kernel_name="python3", allow_errors=False,
                        resources={"metadata": {"path": sys.argv[2]}})
rerun_failures = []


with client.setup_kernel():
    for channel in (client.kc.shell_channel, client.kc.iopub_channel):
        channel.get_msg = polling(channel.get_msg)
    start = time.perf_counter()
    for index, cell in enumerate(notebook.cells):
        client.execute_cell(cell, index)
    seconds = time.perf_counter() - start
    if rerun:  # then every code cell again, last to first: any order must work after Run All
        for index in reversed(range(len(notebook.cells))):
            cell = copy.deepcopy(notebook.cells[index])
            if cell.cell_type != "code":
                continue
            try:
                client.execute_cell(cell, index)
            except CellExecutionError as error:
                rerun_failures.append([cell.get("id"), str(error)[-500:]])
nbformat.write(notebook, sys.argv[3])
print(json.dumps({"seconds": seconds, "rerun_failures": rerun_failures}))
"""


def notebook_path(lesson, version):
    """solutions/ (version 'solution') or lessons/ (version 'student') notebook of a lesson."""
    folder = "solutions" if version == "solution" else "lessons"
    return ROOT / folder / lesson / f"{lesson}.ipynb"


def execute(lesson, version, workdir, rerun=False):
    """Execute the notebook in a fresh kernel; returns (executed notebook dict, seconds).

    With rerun=True, every code cell then runs once more, from the last to the first,
    and an error in an untagged cell fails the run.
    """
    workdir = Path(workdir)
    env = dict(os.environ, COURSE_PROGRESS="off", TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("MPLBACKEND", None)  # the inline backend, as in JupyterLab: figures are outputs
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    executed = workdir / f"{lesson}.{version}.executed.ipynb"
    result = subprocess.run(
        [sys.executable, "-c", RUNNER, str(notebook_path(lesson, version)), str(workdir),
         str(executed), "rerun" if rerun else "once"], capture_output=True, text=True, env=env, cwd=workdir, timeout=900)
    assert result.returncode == 0, (
        f"Run All of the {version} version of {lesson} stopped:\n{result.stderr[-4000:]}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert not report["rerun_failures"], (
        f"{lesson} ({version}): cells fail when run again after Run All: "
        f"{report['rerun_failures']}")
    seconds = report["seconds"]
    return json.loads(executed.read_text(encoding="utf-8")), seconds


def shown(cell):
    """(figures, widgets) a code cell's outputs show."""
    figures = widgets = 0
    for output in cell.get("outputs", []):
        data = output.get("data", {})
        figures += "image/png" in data
        widgets += WIDGET in data
    return figures, widgets


def summary(notebook):
    """{cell id: (figures, widgets)} for every code cell, and the cells with an error."""
    per_cell, errors = {}, {}
    for cell in notebook["cells"]:
        if cell["cell_type"] != "code":
            continue
        per_cell[cell["id"]] = shown(cell)
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                errors[cell["id"]] = output
    return per_cell, errors


def tags(cell):
    return cell.get("metadata", {}).get("tags", [])
