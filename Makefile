# fincloud: `make run` (the demo on http://127.0.0.1:8000) and `make test` (the whole suite).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: run test lint typecheck pytest e2e bench messages system-deps clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when the project's dependencies change.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed-run

## run: migrate the embedded SQLite database, load the catalog and demo data, serve on :8000
run: $(VENV)/.installed-run
	@export FINCLOUD_HTTPS=$${FINCLOUD_HTTPS:-0}; \
	$(BIN)/fincloud manage migrate --noinput -v0 && \
	$(BIN)/fincloud manage collectstatic --noinput -v0 && \
	$(BIN)/fincloud demo && \
	echo && echo "fincloud is running on http://$(HOST):$(PORT)/  (Ctrl-C to stop)" && echo && \
	{ $(BIN)/fincloud manage db_worker --queue-name '*' >var/worker.log 2>&1 & echo $$! > var/worker.pid; } && \
	trap 'kill $$(cat var/worker.pid) 2>/dev/null; rm -f var/worker.pid' EXIT INT TERM; \
	$(BIN)/fincloud manage runserver $(HOST):$(PORT) --noreload

## test: lint, type-check and run every test (unit, property, end-to-end in Chromium)
test: $(VENV)/.installed-dev system-deps lint typecheck pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks scripts

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

e2e: $(VENV)/.installed-dev system-deps
	$(BIN)/pytest -m e2e $(PYTEST_ARGS)

## bench: print the speed figures the issues ask for
bench: $(VENV)/.installed-dev
	@for script in benchmarks/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

## messages: extract translatable strings, fill English, compile catalogues
messages: $(VENV)/.installed-dev
	$(BIN)/python scripts/messages.py

## system-deps: Debian packages the tests need (installed when missing and we may)
system-deps:
	@bash scripts/system-deps.sh

clean:
	rm -rf $(VENV) var test-results .pytest_cache .mypy_cache .ruff_cache
