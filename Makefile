# CNN Foundations: two commands, `make lab` and `make test`.
# Everything installs into .venv from the pinned requirements.txt in one resolver run
# (it includes binder/requirements.txt, the runtime lock). Python 3.11 or newer.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.setup-done
JOBS   ?= 2
LAB_PORT ?= 8888

.PHONY: setup lab instructor test test-fast release grade demo-grade bench clean student-repo help

help:
	@echo "make lab      set up .venv and open JupyterLab on lessons/ (a student's view)"
	@echo "make instructor  JupyterLab at the course root with the Formgrader and Create Assignment"
	@echo "make test     set up .venv and run the whole test suite"
	@echo "make release  regenerate lessons/ from solutions/ (nbgrader generate_assignment)"
	@echo "make bench    run the benchmarks in bench/"
	@echo "make student-repo DIR=path  write a copy of the repository without solutions/"
	@echo "               (GRADED=1: for a class graded for credit, without the references)"

setup: $(STAMP)

$(STAMP): requirements.txt binder/requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "Python 3.11 or newer is needed; found $$($(PYTHON) --version)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/jupyter server extension enable --sys-prefix nbgrader.server_extensions.validate_assignment >/dev/null 2>&1 || true
	$(BIN)/python -c "import numpy, tensorflow, keras, nbgrader, ipywidgets; \
	  print('setup: numpy', numpy.__version__, '| tensorflow', tensorflow.__version__, \
	  '| keras', keras.__version__, '| nbgrader', nbgrader.__version__)" 2>/dev/null
	touch $(STAMP)

# Each launch puts its own Jupyter config first (tools/jupyter/README.md): `make lab` shows a
# student's nbgrader tools only (Validate); `make instructor` runs at the course root, where
# the Formgrader and Create Assignment find nbgrader_config.py and the gradebook.
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: setup
	JUPYTER_CONFIG_PATH="$(CURDIR)/tools/jupyter/lab" \
	  $(BIN)/jupyter lab --notebook-dir=lessons --port=$(LAB_PORT) $(ALLOW_ROOT)

instructor: setup
	JUPYTER_CONFIG_PATH="$(CURDIR)/tools/jupyter/instructor" PATH="$(CURDIR)/$(BIN):$$PATH" \
	  $(BIN)/jupyter lab --notebook-dir=. --port=$(LAB_PORT) $(ALLOW_ROOT)

test: setup
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup --no-loadscope-reorder --durations=20 $(PYTEST_ARGS)

test-fast: setup
	$(BIN)/python -m pytest -n $(JOBS) --dist loadgroup --no-loadscope-reorder -m "not slow and not browser" $(PYTEST_ARGS)

release: setup
	$(BIN)/python tools/course_links.py
	@for lesson in $$(ls solutions); do \
	  PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m nbgrader generate_assignment $$lesson --force --log-level=WARN || exit 1; \
	done
	@echo "lessons/ regenerated from solutions/"

grade: setup
	@test -n "$(SUBMISSIONS)" || { echo "usage: make grade SUBMISSIONS=folder-or-zip [GRADE_ARGS='--jobs 2 --force']"; exit 2; }
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m autograder.grade $(SUBMISSIONS) $(GRADE_ARGS)

demo-grade: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m autograder.demo

bench: setup
	$(BIN)/python bench/conv.py

# A public copy for students: no solutions/, nothing that shows a hidden test. GRADED=1: the
# copy for a class graded for credit, whose course_lib has no graded reference.
student-repo:
	@test -n "$(DIR)" || { echo "usage: make student-repo DIR=path/to/new/folder [GRADED=1]"; exit 2; }
	$(PYTHON) tools/student_repo.py $(if $(filter 1 yes true,$(GRADED)),--graded) "$(DIR)"

# Never removes a gradebook (gradebook.db holds grades) or grading-output/.
clean:
	rm -rf $(VENV) .pytest_cache
