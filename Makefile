# The set-up commands of the README: `make demo`, `make test`, `make lab`, `make docs`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
LINT_PATHS := autograd nn tests $(wildcard benchmarks docs/*.py)
NOTEBOOK_SOURCES := $(wildcard notebooks/src/*.py)
# The headless browser that tests/test_docs_site.py drives: Chromium or Chrome.
CHAINRULE_BROWSER ?= $(firstword $(foreach name,chromium chromium-browser google-chrome,$(shell command -v $(name) 2>/dev/null)))
export CHAINRULE_BROWSER

.PHONY: demo test lint typecheck pytest bench lab docs notebooks check-dot check-browser clean

# One line naming the install command of a missing program for this platform, then stop.
install_hint = if command -v apt-get >/dev/null 2>&1; then echo "sudo apt-get install -y $(1)"; \
  elif command -v brew >/dev/null 2>&1; then echo "brew install $(2)"; \
  elif command -v dnf >/dev/null 2>&1; then echo "sudo dnf install -y $(3)"; \
  elif command -v pacman >/dev/null 2>&1; then echo "sudo pacman -S $(3)"; \
  elif [ -n "$$CONDA_PREFIX" ]; then echo "conda install -c conda-forge $(4)"; \
  else echo "$(5)"; fi

check-dot:
	@command -v dot >/dev/null 2>&1 || { \
	echo "Graphviz's 'dot' program is missing (graph pictures need it); install it with: $$($(call install_hint,graphviz,graphviz,graphviz,graphviz,the installer from https://graphviz.org/download/))"; \
	exit 1; }

check-browser:
	@[ -n "$(CHAINRULE_BROWSER)" ] || { \
	echo "Chromium is missing (the docs site is checked in a headless browser); install it with: $$($(call install_hint,chromium,--cask chromium,chromium,chromium,install Chromium or Chrome and set CHAINRULE_BROWSER=/path/to/it))"; \
	exit 1; }

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-base: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[progress]'
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[dev]'
	touch $@ $(VENV)/.installed-base $(VENV)/.installed-docs

$(VENV)/.installed-docs: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[docs]'
	touch $@ $(VENV)/.installed-base

$(VENV)/.installed-lab: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[lab]'
	touch $@ $(VENV)/.installed-base

$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(PIP) install -e '.[bench]'
	touch $@ $(VENV)/.installed-base

demo: $(VENV)/.installed-base
	$(BIN)/python -m nn hand
	$(BIN)/python -m nn xor

# The programs first (seconds), so that a machine without them is told before any install.
test: check-dot check-browser
	@$(MAKE) --no-print-directory lint typecheck pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# The notebooks run inside the docs build of tests/test_docs_site.py (an error in one fails it);
# `pytest --nbmake notebooks/NAME.ipynb` runs one on its own.
pytest: $(VENV)/.installed-dev
	$(BIN)/python -m pytest
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q -m fuzz tests/test_fuzz.py

# JupyterLab on the notebooks, in the project's environment (progress bars render: ipywidgets).
# (Jupyter refuses to run as root unless told: containers often run as root.)
lab: check-dot $(VENV)/.installed-lab
	$(BIN)/jupyter lab notebooks $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# The static site, in build/docs/ (open build/docs/index.html); warnings are errors.
docs: check-dot $(VENV)/.installed-docs
	$(BIN)/sphinx-build -W --keep-going -q -b html docs build/docs
	@echo "the site is in build/docs/index.html"

# The notebooks from their text sources (jupytext), outputs stripped; cell ids are kept.
notebooks: $(VENV)/.installed-dev
	for src in $(NOTEBOOK_SOURCES); do \
	  $(BIN)/jupytext --quiet --update --set-kernel python3 --to ipynb \
	    --output notebooks/$$(basename $$src .py).ipynb $$src || exit 1; done
	$(BIN)/nbstripout notebooks/*.ipynb

# Speed against micrograd, PyTorch and numpy; writes BENCHMARKS.md (a few minutes).
bench: $(VENV)/.installed-bench
	$(BIN)/python -m benchmarks.run_all

clean:
	rm -rf $(VENV) build *.egg-info
