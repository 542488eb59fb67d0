# The Engine of Neural Networks - everyday commands.
# Needs only Python >= 3.11 and make; everything else goes into .venv.
#
#   make lab     open the course in JupyterLab (installs on first run)
#   make test    ruff + all tests + every notebook run top to bottom
#   make lint    ruff check + format check       make format   fix what ruff can
#   make bench   python -m bench                  make clean    remove caches
#   make student regenerate notebooks/student/ (the student edition) from notebooks/
#   make hub     JupyterHub on this machine for student1..30, as root (deploy/, README)
#   make site    the course site: the notebooks, executed, as a web book in build/site/
#   make course REPO=owner/name  the course's GitHub address in every badge, launch
#                link and Colab cell (tools/course.py); without REPO, write it again
#   make grade SUBMISSIONS=DIR   grade a class with nbgrader, each student sandboxed;
#                build/grades/grades.csv and report.html (tools/grade.py, README)
#
# Each install is recorded by a stamp file inside .venv (.stamp-core, .stamp-lab,
# .stamp-student, .stamp-test, .stamp-site); it is redone only when what it installs
# changes in pyproject.toml (not after any edit of it).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PIP    := $(PY) -m pip

# Paths that ruff and pytest cover.
LINT_PATHS  := helpers bench tests notebooks tools nbgrader_config.py deploy site
TEST_PATHS  := tests notebooks
# Extra arguments, e.g. make test PYTEST_ARGS="-k gradient -x"
PYTEST_ARGS ?=
PYTEST_WORKERS ?= 2
# Open the index, with the whole repository in Lab's file browser (README, helpers, the
# student edition); no news feed or update check (works offline in a classroom).
# Jupyter refuses to run as root (containers, CI) unless told it may.
LAB_ARGS ?= --ServerApp.root_dir=$(CURDIR) \
	--LabApp.default_url=/lab/tree/notebooks/00_index.ipynb \
	--LabApp.news_url=None \
	--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate \
	$(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root)
# JupyterLab's "get notified about Jupyter news?" pop-up comes from this front-end plugin;
# switched off in the venv only (sys-prefix), so nothing outside .venv changes.
NEWS_PLUGIN := @jupyterlab/apputils-extension:announcements
BENCH_ARGS ?=

.PHONY: help venv install lab test lint format bench student hub site course grade clean \
	distclean

help:
	@sed -n '2,15p' Makefile | sed 's/^# \{0,1\}//'

# ------------------------------------------------------------ environment --
venv: $(PY)

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else \
		"Python >= 3.11 is needed, $(PYTHON) is " + sys.version.split()[0] + \
		"; run e.g. make PYTHON=python3.12")'
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || { \
		echo "$(PYTHON) cannot create virtual environments (Debian/Ubuntu:" \
		     "apt install python3-venv)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip

# What an install takes from pyproject.toml: the build system, requires-python, the core
# dependencies, the package list and the extras named after the dash (joined by +). This
# is rewritten only when it changes, so a stamp is redone when what it installs changed,
# not after any edit of pyproject.toml (make sees that .deps-* kept its date).
DEPS_OF = 'import json, sys, tomllib; d = tomllib.load(open("pyproject.toml", "rb")); \
	p = d["project"]; x = p.get("optional-dependencies", {}); \
	print(json.dumps([d.get("build-system"), p.get("requires-python"), p.get("dependencies"), \
	d.get("tool", {}).get("setuptools"), [x.get(e) for e in sys.argv[1].split("+")]]))'
$(VENV)/.deps-%: pyproject.toml | $(PY)
	@$(PY) -c $(DEPS_OF) "$*" > $@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv -f $@.new $@; fi

# Order-only (|) on the interpreter: a stamp is redone when what it installs changes, not
# when the venv's python happens to get a newer timestamp.
$(VENV)/.stamp-core: $(VENV)/.deps-core | $(PY)
	$(PIP) install -e .
	@touch $@

$(VENV)/.stamp-lab: $(VENV)/.deps-lab | $(PY)
	$(PIP) install -e ".[lab]"
	$(BIN)/jupyter labextension disable --level=sys_prefix "$(NEWS_PLUGIN)"
	@touch $@

$(VENV)/.stamp-test: $(VENV)/.deps-test+tfds | $(PY)
	$(PIP) install -e ".[test,tfds]"
	$(BIN)/jupyter labextension disable --level=sys_prefix "$(NEWS_PLUGIN)"
	@touch $@

$(VENV)/.stamp-hub: $(VENV)/.deps-lab+hub | $(PY)
	$(PIP) install -e ".[lab,hub]"
	$(BIN)/jupyter labextension disable --level=sys_prefix "$(NEWS_PLUGIN)"
	@touch $@

$(VENV)/.stamp-site: $(VENV)/.deps-lab+site | $(PY)
	$(PIP) install -e ".[lab,site]"
	@touch $@

# The student edition needs nbgrader only (the student extra), not the test install.
$(VENV)/.stamp-student: $(VENV)/.deps-lab+student | $(PY)
	$(PIP) install -e ".[lab,student]"
	@touch $@

# configurable-http-proxy for the hub, from npm at the versions in deploy/package-lock.json.
# npm ci writes node_modules/.package-lock.json last: its date says the install completed.
# Without npm this only warns, so that `make test` still runs (tests/test_hub.py then skips,
# and fails in CI).
PROXY_STAMP := deploy/node_modules/.package-lock.json
$(PROXY_STAMP): deploy/package.json deploy/package-lock.json
	@if command -v npm >/dev/null; then cd deploy && npm ci --no-audit --no-fund; \
	else echo "npm not found: JupyterHub's proxy is not installed (Debian: apt-get install npm)"; fi

install: $(VENV)/.stamp-lab

# ------------------------------------------------------------------ use ----
lab: $(VENV)/.stamp-lab
	$(BIN)/jupyter lab $(LAB_ARGS)

# As root: an account, a system user and a password of their own for student1..N
# (HUB_STUDENTS, default 30) and an admin "teacher"; initial passwords in
# build/hub/initial-passwords (root only), limits from deploy/measured.json, the repository
# closed to students. Without root: localhost only, no isolation (it says so). See the
# README, "Running the hub for a class", and deploy/jupyterhub_config.py.
hub: $(VENV)/.stamp-hub $(PROXY_STAMP)
	$(BIN)/jupyterhub -f deploy/jupyterhub_config.py

bench: $(VENV)/.stamp-core
	$(PY) -m bench $(BENCH_ARGS)

# The course site (site/conf.py): Sphinx + myst-nb execute every notebook afresh (-E -a, so
# a change in helpers/ shows too) and sphinx-book-theme lays them out; warnings (a broken
# link, a missing figure, a failing cell) are errors. Two notebooks run at once (-j 2), each
# kernel with one BLAS thread. Publish build/site/ on any static host (README).
# Executed notebooks and their images go to build/jupyter_execute, Sphinx's cache to
# build/site-doctrees.
SITE_ARGS ?=
site: $(VENV)/.stamp-site
	rm -rf build/site build/site-doctrees build/jupyter_execute
	$(TEST_ENV) $(BIN)/sphinx-build -b html -W --keep-going -E -a -j 2 -c site \
		-d build/site-doctrees $(SITE_ARGS) notebooks build/site
	@echo "The course site is in build/site/ (open build/site/index.html)"

# The student edition: nbgrader's ClearSolutions, ClearHiddenTests and ClearOutput run
# over every instructor notebook (tools/student_edition.py, nbgrader_config.py).
student: $(VENV)/.stamp-student
	$(PY) tools/student_edition.py

# The course's address: pyproject.toml's [project.urls] Repository, written into the README
# badges and both editions' launch lines and Colab cells (tools/course.py), with every
# notebook's kernel metadata. `make course REPO=owner/name` sets it; `make course` writes the
# one already set. Then the slide metadata and the student edition, so that one command
# leaves the repository consistent (after editing notebooks too).
course: $(VENV)/.stamp-student
	$(PY) tools/course.py $(if $(REPO),--repo "$(REPO)")
	$(PY) tools/slides.py
	$(PY) tools/student_edition.py

# Grade a class: SUBMISSIONS=DIR holds one folder per student (DIR/<student>/NN_*.ipynb, or
# nbgrader's submitted/<student>/lessonNN/). Writes build/grades/grades.csv and report.html;
# the grading state (course, gradebooks) goes to build/grades/state, readable by the teacher
# only. More options: make grade SUBMISSIONS=DIR GRADE_ARGS="--lessons 01 04 --jobs 4"
# (python tools/grade.py --help). Exit status 1 when an exercise could not be graded.
GRADE_ARGS ?=
grade: $(VENV)/.stamp-student
	@test -n "$(SUBMISSIONS)" || { echo "make grade needs the students' folder:" \
		"make grade SUBMISSIONS=path/to/submissions (one folder per student)"; exit 2; }
	$(TEST_ENV) $(PY) tools/grade.py "$(SUBMISSIONS)" $(GRADE_ARGS)

# ----------------------------------------------------------------- check ----
lint: $(VENV)/.stamp-test
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

format: $(VENV)/.stamp-test
	$(BIN)/ruff check --fix $(LINT_PATHS)
	$(BIN)/ruff format $(LINT_PATHS)

# Two pytest workers each run numpy (and notebook kernels): with BLAS's default of one
# thread per core, 2 workers x 2 threads fight over 2 cores and a matrix product can get
# tens of times slower. One BLAS thread per worker keeps both cores busy without that.
# (Tests never time anything; `make bench` runs with the machine's default threads.)
TEST_ENV ?= OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

# pytest's own exit status is also written to test-artifacts/pytest-exitcode,
# because make reports every failing command as status 2; .ci/run reads it to
# tell "no tests ran" (5) from failures.
test: lint $(PROXY_STAMP)
	@mkdir -p test-artifacts
	@rm -f test-artifacts/pytest-exitcode
	$(TEST_ENV) $(BIN)/pytest -n $(PYTEST_WORKERS) --dist loadfile $(PYTEST_ARGS) $(TEST_PATHS); \
		status=$$?; echo $$status > test-artifacts/pytest-exitcode; exit $$status

# ----------------------------------------------------------------- tidy ----
clean:
	rm -rf test-artifacts build dist *.egg-info .pytest_cache .ruff_cache
	find . -path ./$(VENV) -prune -o \
		\( -name __pycache__ -o -name .ipynb_checkpoints \) -type d -print \
		| xargs rm -rf

distclean: clean
	rm -rf $(VENV)
