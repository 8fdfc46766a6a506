"""`make lab` and `make instructor` start JupyterLab with different nbgrader tools.

Each test starts a real Jupyter server the way the Makefile does (its config folder first
on JUPYTER_CONFIG_PATH, its root) and asks it what it serves: the server extensions
answer or 404, and the page config of /lab lists the JupyterLab plugins it disables.
No browser is needed.
"""

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from autograder.course import make_course

ROOT = Path(__file__).resolve().parents[1]
TOKEN = "launch-config-test"
INSTRUCTOR_PLUGINS = ["@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                      "@jupyter/nbgrader:menu", "@jupyter/nbgrader:assignment-list",
                      "@jupyter/nbgrader:course-list"]

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("launch_config")]


def makefile_recipe(target):
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    return re.search(rf"^{target}: .*\n((?:\t.*\n)+)", text, re.M)[1]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A `jupyter lab` started with a role's config folder, at `root`, from `cwd`."""

    def __init__(self, role, root, cwd):
        self.port = free_port()
        env = dict(os.environ, JUPYTER_CONFIG_PATH=str(ROOT / "tools" / "jupyter" / role),
                   PYTHONPATH=str(ROOT))
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={self.port}",
             "--ServerApp.port_retries=0", f"--ServerApp.root_dir={root}",
             f"--IdentityProvider.token={TOKEN}", "--allow-root"],
            cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.status("/api/status") == 200:
                return
            if self.process.poll() is not None:
                raise RuntimeError(self.process.stderr.read())
            time.sleep(0.5)
        self.stop()
        raise TimeoutError("jupyter lab did not start in 60 s")

    def get(self, path):
        url = f"http://127.0.0.1:{self.port}{path}{'&' if '?' in path else '?'}token={TOKEN}"
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.read().decode("utf-8")

    def status(self, path):
        try:
            return self.get(path)[0]
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return None

    def page_config(self):
        _, page = self.get("/lab")
        data = re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                         page, re.S)[1]
        return json.loads(data)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def test_make_lab_uses_the_student_config():
    """`make lab`: root lessons/, the Validate button only; no Formgrader, no Create Assignment."""
    recipe = makefile_recipe("lab")
    assert 'JUPYTER_CONFIG_PATH="$(CURDIR)/tools/jupyter/lab"' in recipe
    assert "--notebook-dir=lessons" in recipe
    server = Server("lab", ROOT / "lessons", ROOT)
    try:
        assert server.status("/formgrader") == 404
        assert server.status("/formgrader/api/assignments") == 404
        config = server.page_config()
        assert sorted(config["disabledExtensions"]) == sorted(INSTRUCTOR_PLUGINS)
        assert Path(config["serverRoot"]) == ROOT / "lessons"
    finally:
        server.stop()


def test_make_instructor_runs_the_formgrader_at_the_course_root(tmp_path):
    """`make instructor`: root = the course; the Formgrader lists the course's lessons from its
    gradebook, and every nbgrader JupyterLab plugin is on."""
    recipe = makefile_recipe("instructor")
    assert 'JUPYTER_CONFIG_PATH="$(CURDIR)/tools/jupyter/instructor"' in recipe
    assert "--notebook-dir=." in recipe
    course = make_course(tmp_path / "course", ["00_setup"])
    server = Server("instructor", course, course)
    try:
        code, body = server.get("/formgrader/api/assignments")
        assert code == 200
        assert [assignment["name"] for assignment in json.loads(body)] == ["00_setup"]
        assert server.page_config()["disabledExtensions"] == []
    finally:
        server.stop()
    assert sorted(path.name for path in course.iterdir()) == [
        "gradebook.db", "lessons", "nbgrader_config.py", "solutions"]
