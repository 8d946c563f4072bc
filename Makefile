# The project's habits. Every target bootstraps the virtualenv it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test
REDIS_URL ?= redis://127.0.0.1:6379/0

.PHONY: demo run test test-services lint bench screenshots clean

$(BIN)/peerx: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(BIN)/peerx

demo: $(BIN)/peerx  ## a working sandbox on the embedded SQLite database
	$(BIN)/peerx demo

run: $(BIN)/peerx  ## serve every product (migrates first)
	$(BIN)/peerx serve

# The suite runs on every core (pytest-xdist); each test builds its own database and server.
test: $(BIN)/peerx  ## the whole suite; PostgreSQL/Redis tests run when PEERX_TEST_PG_URL/REDIS_URL are set
	$(BIN)/python -m pytest -n auto

test-services: $(BIN)/peerx  ## the suite with PostgreSQL and Redis required (as CI runs it)
	PEERX_TEST_PG_URL=$(PG_URL) PEERX_TEST_REDIS_URL=$(REDIS_URL) PEERX_TEST_REQUIRE_SERVICES=1 \
		$(BIN)/python -m pytest -n auto

lint: $(BIN)/peerx
	$(BIN)/ruff check .
	$(BIN)/ruff format --check src
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache

# Each benchmark runs the machine's limit for the same work in the same run (pgbench with the same
# SQL, the same SQL replayed bare, a plain httpx loop, a bare Starlette app) and prints peerx's
# ratio to it; DATABASES=postgresql (or sqlite) runs one engine. Results: docs/benchmarks.md.
DATABASES ?= sqlite postgresql
bench: $(BIN)/peerx  ## every benchmark beside its limit, as a markdown table
	$(BIN)/python -m bench.run $(DATABASES)

screenshots: $(BIN)/peerx  ## the console's browser tests, saving a PNG of each screen into docs/console
	PEERX_CONSOLE_SCREENSHOTS=docs/console PEERX_TEST_REQUIRE_BROWSER=1 $(BIN)/python -m pytest tests/console -q

clean:
	rm -rf $(VENV) peerx-data .pytest_cache .mypy_cache .ruff_cache
