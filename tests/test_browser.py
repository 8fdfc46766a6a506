"""The course as a learner meets it: JupyterLab in a real (headless) Chromium.

Starts JupyterLab on a free local port with a token, opens a lesson, runs all
cells, checks that a widget renders and that moving its slider changes what
it draws, checks that an instant check printed its result, and saves a
screenshot in the test's temporary folder. Needs Debian's Chromium at
/usr/bin/chromium and Playwright's Python package (no browser download);
`.ci/run` installs Chromium, elsewhere the test skips with a one-line reason.
"""

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

CHROMIUM = os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium")
LESSON = "02_convolution_by_hand"  # its first widget is the convolution stepper (a slider)
ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def jupyterlab(tmp_path):
    """A JupyterLab server on 127.0.0.1 serving a copy of the lesson; yields (url, token)."""
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    import playwright.sync_api  # noqa: F401 (a pinned dependency: fail, never skip)
    notebook = ROOT / "solutions" / LESSON / f"{LESSON}.ipynb"
    shutil.copy(notebook, tmp_path / notebook.name)
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
        yield url, token, notebook.name
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_lesson_runs_in_jupyterlab_with_live_widgets(jupyterlab, tmp_path):
    """Run all cells in Chromium: the slider redraws its figure; the instant check prints."""
    from playwright.sync_api import sync_playwright

    url, token, name = jupyterlab
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{url}/lab/tree/{name}?token={token}", timeout=90_000)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            page.wait_for_selector("text=Python 3 (ipykernel) | Idle", timeout=90_000)
            page.get_by_role("menuitem", name="Run", exact=True).click()
            page.get_by_text("Run All Cells", exact=True).click()

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
            browser.close()
    assert (tmp_path / "lesson.png").stat().st_size > 10_000
