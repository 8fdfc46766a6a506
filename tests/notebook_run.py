"""Run a lesson notebook top to bottom with nbclient, as Run All does, and summarize it.

Used by test_run_all (nbclient) and test_browser (JupyterLab): what a Run All of the
solution shows, cell by cell, is what a Run All of the fresh student version must show.
Each run also reports the kernel's peak resident memory and the heavy frameworks it
imported (test_run_all checks the lesson's budget with them). A lesson's solution is
executed once per test run: `solution_run` shares it between tests and xdist workers.
"""

import fcntl
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WIDGET = "application/vnd.jupyter.widget-view+json"

RUNNER = r"""
import copy, json, resource, sys, time
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
    probe = nbformat.v4.new_code_cell(
        "import json, sys\nprint('MODULES=' + json.dumps(sorted(m for m in "
        "('tensorflow', 'keras', 'jax', 'torch') if m in sys.modules)))")
    notebook.cells.append(probe)
    client.execute_cell(probe, len(notebook.cells) - 1)
    notebook.cells.pop()
modules = json.loads("".join(output.get("text", "") for output in probe.outputs)
                     .split("MODULES=", 1)[1].strip())
# the kernel has been shut down and waited for: its peak resident memory is a child's
peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
nbformat.write(notebook, sys.argv[3])
print(json.dumps({"seconds": seconds, "rerun_failures": rerun_failures, "peak_mb": peak_mb,
                  "modules": modules}))
"""


def notebook_path(lesson, version):
    """solutions/ (version 'solution') or lessons/ (version 'student') notebook of a lesson."""
    folder = "solutions" if version == "solution" else "lessons"
    return ROOT / folder / lesson / f"{lesson}.ipynb"


def execute_with_report(lesson, version, workdir, rerun=False):
    """Execute the notebook in a fresh kernel; returns (executed notebook dict, report).

    The report holds seconds, peak_mb (the kernel's peak resident memory) and modules
    (the heavy frameworks the kernel imported).

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
         str(executed), "rerun" if rerun else "once"],
        capture_output=True, text=True, env=env, cwd=workdir, timeout=900)
    assert result.returncode == 0, (
        f"Run All of the {version} version of {lesson} stopped:\n{result.stderr[-4000:]}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert not report["rerun_failures"], (
        f"{lesson} ({version}): cells fail when run again after Run All: "
        f"{report['rerun_failures']}")
    return json.loads(executed.read_text(encoding="utf-8")), report


def execute(lesson, version, workdir, rerun=False):
    """(executed notebook dict, seconds): execute_with_report without the rest."""
    notebook, report = execute_with_report(lesson, version, workdir, rerun)
    return notebook, report["seconds"]


def solution_run(lesson, basetemp):
    """(executed solution notebook, report), executed once per test run and lesson.

    The first test to ask runs it; the others (on any xdist worker of the same run) wait
    for it and read the stored result. `basetemp`: the test run's tmp_path_factory
    basetemp (a worker's own folder under xdist; the run's folder is its parent).
    """
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    folder = (Path(basetemp).parent / f"solution-runs-{run_id}" if run_id
              else Path(basetemp) / "solution-runs")
    folder.mkdir(parents=True, exist_ok=True)
    stored = folder / f"{lesson}.json"
    with open(folder / f"{lesson}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not stored.exists():
            workdir = folder / lesson
            workdir.mkdir(exist_ok=True)
            notebook, report = execute_with_report(lesson, "solution", workdir)
            stored.write_text(json.dumps({"notebook": notebook, "report": report}),
                              encoding="utf-8")
    both = json.loads(stored.read_text(encoding="utf-8"))
    return both["notebook"], both["report"]


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
