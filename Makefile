# talent-match: two entry points, `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= sqlite:///./talent_match.db
PG_TEST_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
# Extra package index for torch==2.13.0. The registries configured here serve its CPU wheel, so it
# stays empty; on a stock machine, where PyPI's torch is the CUDA build (gigabytes of unused GPU
# libraries), use `make install PIP_TORCH_INDEX=https://download.pytorch.org/whl/cpu`.
PIP_TORCH_INDEX ?=

.PHONY: demo test lint typecheck pytest frontend-test frontend-build gateway-test dashboard services chromium bench clean install

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0 $(if $(PIP_TORCH_INDEX),--extra-index-url $(PIP_TORCH_INDEX))
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP) dashboard
	DATABASE_URL=$(DEMO_DB) $(BIN)/app migrate
	DATABASE_URL=$(DEMO_DB) $(BIN)/app seed --if-empty
	DATABASE_URL=$(DEMO_DB) $(BIN)/app train --initial --if-missing
	DATABASE_URL=$(DEMO_DB) $(BIN)/app serve --host 127.0.0.1 --port 8000

services:
	bash scripts/ensure_services.sh

# Debian's Chromium for the dashboard's browser tests (tests/e2e); installs it when missing.
chromium:
	bash scripts/ensure_chromium.sh

# The React dashboard (frontend/), served by the API at /dashboard/ once built. The demo builds
# it when Node.js is on the machine and serves the API alone otherwise.
frontend/node_modules/.package-lock.json: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error

dashboard:
	@if command -v npm >/dev/null 2>&1; then \
		$(MAKE) --no-print-directory frontend/node_modules/.package-lock.json && \
		cd frontend && npm run --silent build; \
	else echo "npm not found: serving the API without the dashboard"; fi

# The generated API types must match the committed docs/openapi.json (pytest checks that file
# against the app): regenerate both with `.venv/bin/python scripts/export_openapi.py`.
frontend-test: frontend-build
	cd frontend && npm run --silent api:check && npm test

# frontend/dist: what the browser tests (tests/e2e, part of pytest) drive through the API.
frontend-build: frontend/node_modules/.package-lock.json
	cd frontend && npm run build

# The Supabase edge function (Deno from the npm registry): check, lint, fmt and its tests.
gateway-test: services
	bash supabase/test.sh

lint: $(STAMP)
	$(BIN)/ruff check app tests scripts migrations
	$(BIN)/ruff format --check app tests scripts
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy app scripts

pytest: $(STAMP) services chromium frontend-build
	TEST_POSTGRES_URL=$(PG_TEST_URL) TEST_REDIS_URL=$(REDIS_TEST_URL) $(BIN)/pytest

test: lint typecheck frontend-test gateway-test pytest

bench: $(STAMP)
	$(BIN)/python scripts/bench_matching.py
	$(BIN)/python scripts/bench_quality.py
	$(BIN)/python scripts/bench_distributed_training.py --postgres $(PG_TEST_URL)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
