# synthguard: two commands for a fresh machine
#   make run    installs everything and scans the sample media with the bundled detectors
#   make test   installs the test tools and runs lint, type checks and the test suite
PYTHON ?= python3
VENV   ?= .venv
BIN     = $(VENV)/bin
EXTRAS ?= service,provenance,ray,dev

.PHONY: run test install install-dev lint typecheck pytest serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

install: $(BIN)/python
	./scripts/install-system-deps.sh
	$(BIN)/pip install -q -e ".[$(EXTRAS)]"

install-dev: $(BIN)/python
	./scripts/install-system-deps.sh --tests
	$(BIN)/pip install -q -e ".[$(EXTRAS)]"

run: install
	$(BIN)/synthguard detectors
	$(BIN)/synthguard scan examples/media || [ $$? -eq 1 ]
	$(BIN)/synthguard batch examples/media --out var/run/batch --engine local --workers 2
	@echo "next: 'make serve' starts the service (SQLite, local workers) at http://127.0.0.1:8000/ui/"

serve: install
	$(BIN)/synthguard serve

lint:
	$(BIN)/ruff check src tests fuzz scripts examples

typecheck:
	$(BIN)/mypy

pytest:
	$(BIN)/python -m pytest -q

test: install-dev lint typecheck pytest

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
