# The Engine of Neural Networks - everyday commands.
# Needs only Python >= 3.11 and make; everything else goes into .venv.
#
#   make lab     open the course in JupyterLab (installs on first run)
#   make test    ruff + all tests + every notebook run top to bottom
#   make lint    ruff check + format check       make format   fix what ruff can
#   make bench   python -m helpers.bench          make clean    remove caches
#   make student regenerate notebooks/student/ (the student edition) from notebooks/
#
# Each install is recorded by a stamp file inside .venv (.stamp-core,
# .stamp-lab, .stamp-test); it is redone only when pyproject.toml is newer.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
PIP    := $(PY) -m pip

# Paths that ruff and pytest cover.
LINT_PATHS  := helpers tests notebooks tools nbgrader_config.py
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

.PHONY: help venv install lab test lint format bench student clean distclean

help:
	@sed -n '2,11p' Makefile | sed 's/^# \{0,1\}//'

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

# Order-only (|) on the interpreter: a stamp is redone when pyproject.toml
# changes, not when the venv's python happens to get a newer timestamp.
$(VENV)/.stamp-core: pyproject.toml | $(PY)
	$(PIP) install -e .
	@touch $@

$(VENV)/.stamp-lab: pyproject.toml | $(PY)
	$(PIP) install -e ".[lab]"
	$(BIN)/jupyter labextension disable --level=sys_prefix "$(NEWS_PLUGIN)"
	@touch $@

$(VENV)/.stamp-test: pyproject.toml | $(PY)
	$(PIP) install -e ".[test,tfds]"
	$(BIN)/jupyter labextension disable --level=sys_prefix "$(NEWS_PLUGIN)"
	@touch $@

install: $(VENV)/.stamp-lab

# ------------------------------------------------------------------ use ----
lab: $(VENV)/.stamp-lab
	$(BIN)/jupyter lab $(LAB_ARGS)

bench: $(VENV)/.stamp-core
	$(PY) -m helpers.bench $(BENCH_ARGS)

# The student edition: nbgrader's ClearSolutions, ClearHiddenTests and ClearOutput run
# over every instructor notebook (tools/student_edition.py, nbgrader_config.py).
student: $(VENV)/.stamp-test
	$(PY) tools/student_edition.py

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
test: lint
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
