# The two commands of the README: `make serve` and `make test`.
# Both work on a fresh machine that has only Python 3.11+.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)
LINTED := kb indexer tests bench

.PHONY: serve test lint format build bench system-deps install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

## Build the knowledge base from data/ (if stale) and serve it on http://127.0.0.1:8001
serve: $(STAMP)
	$(BIN)/kb serve

## Build the knowledge base from data/ into kb.db
build: $(STAMP)
	$(BIN)/kb build

## Install what the tests need (Chromium, CJK fonts, poppler) and run the lint and the whole suite
test: $(STAMP) system-deps lint
	$(BIN)/python -m pytest

## ruff (lint and format check) and mypy, zero findings allowed
lint: $(STAMP)
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy

## Rewrite the code in the project's format and fix what ruff can fix
format: $(STAMP)
	$(BIN)/ruff format $(LINTED)
	$(BIN)/ruff check --fix $(LINTED)

## Benchmark at 1, 100 and 1000 documents; prints a table and writes bench/results.json (about 10 minutes);
## then the search quality report on the labelled queries (docs/search.md)
bench: $(STAMP)
	$(BIN)/python -m bench
	$(BIN)/python -m bench.search_quality

## Debian's packages the tests need, installed when missing (needs root or sudo): Chromium for the browser
## tests and for printing PDF fixtures, CJK fonts to print them with, poppler's pdftotext for the layout form
system-deps:
	@missing=; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages for the tests:$$missing"; \
		SUDO=; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null \
		|| echo "warning: could not install$$missing; tests that need them are skipped outside CI"; \
	fi

clean:
	rm -rf kb.db kb.whoosh .pytest_cache
