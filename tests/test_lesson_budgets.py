"""Every solution notebook runs top to bottom within its memory budget, and NumPy lessons
never import TensorFlow.

Each lesson runs in a fresh subprocess that executes the notebook with nbclient and
reports the peak resident memory of the kernel (ru_maxrss of its finished
children) and the modules the kernel imported. Run times are printed for the
record, not asserted: speed is measured in bench/, never in timed tests.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from course_lib import manifest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = [lesson.id for lesson in manifest.LESSONS]
RUNNER = r"""
import json, resource, sys, time
import nbformat
from nbclient import NotebookClient

from autograder.execute import polling  # half-second waits: no missed replies (nbclient#312)


class Client(NotebookClient):
    async def async_start_new_kernel_client(self):
        client = await super().async_start_new_kernel_client()
        for channel in (client.shell_channel, client.iopub_channel):
            channel.get_msg = polling(channel.get_msg)
        return client


notebook = nbformat.read(sys.argv[1], as_version=4)
probe = "import json, sys\nprint('MODULES=' + json.dumps(sorted(m for m in ('tensorflow', 'keras', 'jax', 'torch') if m in sys.modules)))"
notebook.cells.append(nbformat.v4.new_code_cell(probe))
start = time.perf_counter()
Client(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": sys.argv[2]}}).execute()
seconds = time.perf_counter() - start
text = "".join(output.get("text", "") for output in notebook.cells[-1].outputs)
modules = json.loads(text.split("MODULES=", 1)[1].strip())
peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"seconds": seconds, "peak_mb": peak_kib / 1024, "modules": modules}))
"""


def run_lesson(lesson, workdir):
    notebook = ROOT / "solutions" / lesson / f"{lesson}.ipynb"
    env = dict(os.environ, COURSE_PROGRESS="off", TF_CPP_MIN_LOG_LEVEL="2", MPLBACKEND="Agg")
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run([sys.executable, "-c", RUNNER, str(notebook), str(workdir)],
                            capture_output=True, text=True, env=env, cwd=workdir, timeout=600)
    assert result.returncode == 0, f"{lesson} failed to run:\n{result.stderr[-3000:]}"
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_runs_within_memory_budget(lesson, tmp_path):
    """The solution runs top to bottom under its memory budget (at most Binder's 1.2 GB)."""
    report = run_lesson(lesson, tmp_path)
    print(f"{lesson}: {report['seconds']:.1f} s, peak {report['peak_mb']:.0f} MB")
    entry = manifest.lesson(lesson)
    assert report["peak_mb"] <= min(entry.memory_mb, manifest.BINDER_MEMORY_MB), report
    if not entry.uses_keras:
        assert report["modules"] == [], f"{lesson} imported {report['modules']}"
