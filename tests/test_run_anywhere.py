"""Binder, Colab and the README's links: configured from one place, and consistent."""

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))
import course_links  # noqa: E402


@pytest.fixture
def repository_copy(tmp_path):
    """The files repo2docker looks at, copied to a scratch folder."""
    for name in ("binder", "requirements.txt", "environment.yml", "pyproject.toml", "README.md"):
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, tmp_path / name)
        else:
            shutil.copy(source, tmp_path / name)
    return tmp_path


def test_repo2docker_builds_from_binder_folder(repository_copy, monkeypatch):
    """repo2docker picks its pip build pack from binder/ and installs the runtime lock before
    it copies the repository (a layer cached across commits), then course_lib."""
    from repo2docker.app import Repo2Docker

    monkeypatch.chdir(repository_copy)
    app = Repo2Docker()
    chosen = None
    for buildpack_class in app.buildpacks:
        buildpack = buildpack_class(app.base_image)
        if buildpack.detect():
            chosen = buildpack
            break
    assert type(chosen).__name__ == "PythonBuildPack"
    assert chosen.binder_dir == "binder"
    assert chosen.python_version == "3.11"
    install = 'pip install --no-cache-dir -r "binder/requirements.txt"'
    preassemble = " ".join(script for _, script in chosen.get_preassemble_scripts())
    assemble = " ".join(script for _, script in chosen.get_assemble_scripts())
    assert install in preassemble and install not in assemble
    assert chosen.get_post_build_scripts() == ["binder/postBuild"]
    assert os.access(repository_copy / "binder" / "postBuild", os.X_OK)


def test_requirements_resolve_to_the_lock(repository_copy):
    """pip's own parser (offline) reads binder/requirements.txt as the runtime lock and
    requirements.txt as the runtime lock plus the tools, in the order the files give."""
    from pip._internal.network.session import PipSession
    from pip._internal.req.req_file import parse_requirements

    import environment_yml

    for name in ("binder/requirements.txt", "requirements.txt"):
        parsed = [line.requirement for line in parse_requirements(
            str(repository_copy / name), session=PipSession())]
        assert parsed == environment_yml.lock_lines(ROOT / name), name


def test_every_lesson_starts_with_the_colab_setup_cell():
    """The first code cell of each lesson installs course_lib on Colab from the one URL."""
    url = course_links.repository_url()
    expected = course_links.setup_cell_source(url)
    for folder in ("solutions", "lessons"):
        for path in sorted((ROOT / folder).glob("*/*.ipynb")):
            notebook = json.loads(path.read_text(encoding="utf-8"))
            first_code = next(cell for cell in notebook["cells"] if cell["cell_type"] == "code")
            assert first_code["id"] == course_links.SETUP_CELL_ID, path
            assert "".join(first_code["source"]) == expected, path
            setup_cells = [cell for cell in notebook["cells"]
                           if "".join(cell["source"]).startswith(expected.split("\n")[0])]
            assert len(setup_cells) == 1, f"{path}: {len(setup_cells)} setup cells"


def test_colab_notebook_and_course_lib_come_from_the_same_tag():
    """The setup cell installs course_lib at the release tag the Colab badge opens the notebook
    from, and course_lib asks pip for lower bounds only (Colab's NumPy/TensorFlow stay)."""
    url, ref = course_links.repository_url(), course_links.release_ref()
    assert ref == "v" + tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert f'"course_lib @ git+{url}@{ref}"' in course_links.setup_cell_source(url)
    assert f"/blob/{ref}/lessons/01_dense_layers/" in course_links.colab_url(url, "01_dense_layers")


def test_setup_cell_does_nothing_outside_colab():
    """Run outside Colab, the setup cell installs nothing and prints nothing."""
    source = course_links.setup_cell_source(course_links.repository_url())
    python_only = source.replace("%pip", "raise SystemExit('pip ran')  #")
    result = subprocess.run([sys.executable, "-c", python_only], capture_output=True, text=True)
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""


def test_readme_links_are_current():
    """The README's lesson table and badges match the lessons and the repository URL."""
    assert course_links.sync(check=True) == [], "run `python tools/course_links.py`"
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    url = course_links.repository_url()
    assert course_links.binder_url(url) in readme
    for path in sorted((ROOT / "lessons").glob("*/*.ipynb")):
        assert course_links.colab_url(url, path.parent.name) in readme


def test_cloud_gpu_section_uses_a_tunnel_not_an_open_port():
    """The README sends cloud users through SSH with the token, never an open port."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Running on a cloud GPU"):]
    section = section[:section.index("\n## ", 4)]
    assert "ssh -N -L" in section and "--ip=127.0.0.1" in section and "token" in section
    assert "0.0.0.0" not in section and "--ip=*" not in section
