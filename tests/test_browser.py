"""The course as a learner meets it: JupyterLab in a real (headless) Chromium.

One JupyterLab server (a free local port, a token) serves a copy of lesson 02's
solution and of every lesson's fresh STUDENT version. The first test runs all
cells of lesson 02, checks that a widget renders and that moving its slider
changes what it draws, and that an instant check printed its result. The
second, once per NumPy lesson, presses Run All on the student version (every
exercise still a stub) and checks that Run All reached the last code cell and
that at least as many figures and widgets are on the page as the solution
shows when nbclient runs it. Screenshots go to the test's temporary folder.
Needs Debian's Chromium at /usr/bin/chromium and Playwright's Python package
(no browser download); `.ci/run` installs Chromium, elsewhere the tests skip
with a one-line reason.
"""

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from course_lib import manifest
from tests import notebook_run

CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
LESSON = "02_convolution_by_hand"  # its first widget is the convolution stepper (a slider)
ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One JupyterLab server on 127.0.0.1 for the module; yields (url, token, folder)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    import playwright.sync_api  # noqa: F401 (a pinned dependency: fail, never skip)
    tmp_path = tmp_path_factory.mktemp("jupyterlab")
    shutil.copy(ROOT / "solutions" / LESSON / f"{LESSON}.ipynb",
                tmp_path / f"{LESSON}.solution.ipynb")
    for lesson in manifest.LESSONS:
        shutil.copy(notebook_run.notebook_path(lesson.id, "student"), tmp_path / f"{lesson.id}.ipynb")
    port, token = free_port(), secrets.token_hex(16)
    settings = tmp_path / "settings"
    # Render every cell (no virtual scrolling) and skip the news pop-up.
    for plugin, values in {"notebook-extension/tracker": '{"windowingMode": "none"}',
                           "apputils-extension/notification":
                               '{"fetchNews": "false", "checkForUpdates": false}'}.items():
        path = settings / "@jupyterlab" / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(values)
    env = dict(os.environ, COURSE_PROGRESS="off", JUPYTERLAB_SETTINGS_DIR=str(settings),
               JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    log = open(tmp_path / "jupyterlab.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}",
         "--LabApp.news_url=", "--ServerApp.open_browser=False"]
        + (["--allow-root"] if os.geteuid() == 0 else []),
        cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("JupyterLab did not start:\n"
                                       + (tmp_path / "jupyterlab.log").read_text())
                time.sleep(0.5)
        yield url, token, tmp_path
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        try:
            yield chromium
        finally:
            chromium.close()


def open_and_run_all(browser, server, name):
    """A new page on notebook `name` alone (a fresh workspace), Run All pressed once idle."""
    url, token, _ = server
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    workspace = name.replace(".", "-")
    page.goto(f"{url}/lab/workspaces/{workspace}/tree/{name}?token={token}&reset",
              timeout=90_000)
    page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
    page.wait_for_selector("text=Python 3 (ipykernel) | Idle", timeout=90_000)
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()
    return page


def shut_down(page, server):
    """Close the page and shut every kernel down, so that lessons do not add up in memory."""
    url, token, _ = server
    page.close()
    headers = {"Authorization": f"token {token}"}
    request = urllib.request.Request(f"{url}/api/kernels", headers=headers)
    for kernel in json.loads(urllib.request.urlopen(request, timeout=10).read()):
        urllib.request.urlopen(urllib.request.Request(
            f"{url}/api/kernels/{kernel['id']}", method="DELETE", headers=headers), timeout=30)


def test_lesson_runs_in_jupyterlab_with_live_widgets(server, browser, tmp_path):
    """Run all cells in Chromium: the slider redraws its figure; the instant check prints."""
    page = open_and_run_all(browser, server, f"{LESSON}.solution.ipynb")
    try:
        slider = page.locator(".widget-slider").first
        slider.wait_for(timeout=120_000)
        page.wait_for_selector("text=checks passed", timeout=120_000)
        widget_box = slider.locator("xpath=ancestor::*[contains(@class,'widget-vbox')][1]")
        picture = widget_box.locator(".jp-OutputArea-output img").first
        picture.wait_for(timeout=60_000)
        before = picture.get_attribute("src")

        slider.locator(".noUi-handle").first.focus()
        page.keyboard.press("ArrowRight")
        page.wait_for_function(
            "([box, old]) => { const img = box.querySelector('.jp-OutputArea-output img');"
            " return img && img.getAttribute('src') !== old; }",
            arg=[widget_box.element_handle(), before], timeout=60_000)
        after = widget_box.locator(".jp-OutputArea-output img").first.get_attribute("src")
        assert after != before
        assert "1" in slider.locator(".widget-readout").inner_text()
    finally:
        page.screenshot(path=str(tmp_path / "lesson.png"), full_page=False)
        shut_down(page, server)
    assert (tmp_path / "lesson.png").stat().st_size > 10_000


# Run All is finished when every code cell's prompt shows a number: none is waiting ([*])
# or was never run ([ ]).
RUN_ALL_DONE = """() => {
  const prompts = [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
    .map(p => p.textContent.trim());
  return prompts.length > 0 && prompts.every(p => /^\\[\\d+\\]:$/.test(p));
}"""
COUNT_SHOWN = """() => {
  const outputs = '.jp-Notebook .jp-OutputArea-output';
  return {
    figures: document.querySelectorAll(outputs + '[data-mime-type="image/png"]').length,
    widgets: [...document.querySelectorAll(outputs)].filter(
      o => o.firstElementChild && o.firstElementChild.classList.contains('jupyter-widgets')
    ).length,
    widget_errors: [...document.querySelectorAll(outputs)]
      .filter(o => o.textContent.includes('Error displaying widget')).length,
    code_cells: document.querySelectorAll('.jp-Notebook .jp-CodeCell').length,
  };
}"""


# The Keras lessons show no widget, and their Run All (minutes of training on 2 cores) is
# checked cell by cell by test_run_all with nbclient: the browser adds nothing there.
@pytest.mark.parametrize("lesson", [lesson.id for lesson in manifest.LESSONS
                                    if not lesson.uses_keras])
def test_run_all_on_the_student_version(server, browser, lesson, tmp_path, tmp_path_factory):
    """Run All on a fresh student notebook reaches the last cell and shows the solution's pictures."""
    solution, _ = notebook_run.solution_run(lesson, tmp_path_factory.getbasetemp())
    expected, _ = notebook_run.summary(solution)
    # Cells tagged raises-exception fail until their exercise is done, by design (a training
    # progress bar of an unwritten exercise, say): what they show is not expected yet.
    waiting = {cell["id"] for cell in solution["cells"]
               if "raises-exception" in notebook_run.tags(cell)}
    want_figures = sum(count[0] for cell_id, count in expected.items() if cell_id not in waiting)
    want_widgets = sum(count[1] for cell_id, count in expected.items() if cell_id not in waiting)
    page = open_and_run_all(browser, server, f"{lesson}.ipynb")
    try:
        page.wait_for_function(RUN_ALL_DONE, timeout=300_000, polling=1000)
        page.wait_for_selector("text=Python 3 (ipykernel) | Idle", timeout=120_000)
        page.wait_for_timeout(1500)  # the last widgets render after the kernel is idle
        shown = page.evaluate(COUNT_SHOWN)
    finally:
        page.screenshot(path=str(tmp_path / f"{lesson}.png"), full_page=False)
        shut_down(page, server)
    print(f"{lesson}: all {shown['code_cells']} code cells run in JupyterLab; "
          f"{shown['figures']} figures (solution: {want_figures}), {shown['widgets']} widgets "
          f"(solution: {want_widgets})")
    assert shown["widget_errors"] == 0
    # Figures drawn inside a widget's output are on the page too, so >= rather than ==.
    assert shown["figures"] >= want_figures and shown["widgets"] >= want_widgets, shown
