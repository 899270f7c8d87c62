# didhub — `make run` serves the portal on demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export DIDHUB_DATA_DIR ?= $(CURDIR)/var
# The demo and the benches run their platforms on this machine: for them, webhooks may
# go to loopback (the demo's receiver inside `didhub serve`). `make serve`, the way to
# serve without demo data, leaves it off, as a production site does (docs/sync.md).
run demo bench: export DIDHUB_SYNC_ALLOW_PRIVATE_TARGETS ?= true

.DEFAULT_GOAL := help
.PHONY: help install install-test run serve demo migrate worker test test-sqlite test-postgres lint format screenshots bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $@ $(VENV)/.installed

install: $(VENV)/.installed ## Create the virtual environment and install didhub

install-test: $(VENV)/.installed-test ## Install didhub with the test tools

migrate: install ## Create or update the database schema
	$(BIN)/didhub migrate --no-input

demo: migrate ## Load the demo (once; again changes nothing) and print every login with its role
	$(BIN)/didhub demo --url http://$(HOST):$(PORT)

run: demo ## Install, migrate, load demo data and serve on http://127.0.0.1:8000 with a worker
	$(BIN)/didhub serve --with-worker $(HOST):$(PORT)

serve: install ## Serve without loading demo data
	$(BIN)/didhub serve --with-worker $(HOST):$(PORT)

worker: install ## Run the background worker (uploads, exports, platform sync)
	$(BIN)/didhub worker

test: install-test ## Lint, then the whole suite on SQLite and, with DIDHUB_TEST_DATABASE_URL, on PostgreSQL
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DIDHUB_DATA_DIR=$(CURDIR)/var/test $(BIN)/python manage.py check --fail-level WARNING
	DIDHUB_DATA_DIR=$(CURDIR)/var/test $(BIN)/python manage.py makemigrations --check --dry-run
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

test-sqlite: install-test ## The whole suite on SQLite
	@echo "== didhub test suite on SQLite =="
	DIDHUB_DATA_DIR=$(CURDIR)/var/test $(BIN)/python -m pytest

test-postgres: install-test ## The whole suite on PostgreSQL (DIDHUB_TEST_DATABASE_URL)
	@if [ -z "$$DIDHUB_TEST_DATABASE_URL" ]; then \
		echo "== PostgreSQL run SKIPPED: DIDHUB_TEST_DATABASE_URL is not set =="; \
	else \
		echo "== didhub test suite on PostgreSQL ($$DIDHUB_TEST_DATABASE_URL) =="; \
		DIDHUB_DATA_DIR=$(CURDIR)/var/test DIDHUB_DATABASE_URL="$$DIDHUB_TEST_DATABASE_URL" \
			$(BIN)/python -m pytest --create-db; \
	fi

lint: install-test ## ruff check and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install-test ## Format the code
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

screenshots: install-test ## Retake the README's screenshots from the demo (docs/screenshots/take.py)
	$(BIN)/python docs/screenshots/take.py

bench: install-test ## Run every benchmark (see docs/performance.md; PostgreSQL via DIDHUB_BENCH_DATABASE_URL)
	@for script in bench/e164.py bench/upload.py bench/number_table.py bench/lists.py bench/api.py bench/export.py bench/portal.py bench/sync.py bench/transfer.py bench/migrations.py bench/bulk.py; do \
		if [ -f $$script ]; then echo "== $$script =="; $(BIN)/python $$script || exit 1; fi; \
	done

clean: ## Remove the virtual environment and local data
	rm -rf $(VENV) var test-artifacts .pytest_cache .ruff_cache
