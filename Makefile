# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck migrations-check check install clean bench lock

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput -v0
	$(BIN)/python manage.py demo_setup
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/honcho start -f Procfile

# The suite runs on two processes (pytest-xdist; tests/parallel.py gives each its own Redis
# databases, pytest-django its own test database): most tests wait on HTTP, workers, a browser.
TEST_PROCESSES ?= 2

test: $(STAMP)
	$(BIN)/python -m pytest -n $(TEST_PROCESSES) $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy .

migrations-check: $(STAMP)
	$(BIN)/python manage.py makemigrations --check --dry-run

check: lint typecheck migrations-check test

# requirements.lock: everything, for development and CI (make install); the runtime lock, for
# the image, holds only what the platform imports.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --extra test --extra dev -o requirements.lock --python-version 3.11
	$(BIN)/uv pip compile pyproject.toml -c requirements.lock -o requirements.runtime.lock --python-version 3.11

clean:
	rm -rf $(VENV) var

# Benchmarks: PostgreSQL and Redis as in CI (each script makes and drops its own database).
BENCH_SCRIPTS := products_sync stock_sync orders_sync worker_memory activity_log purge \
	webhook_ingest rate_limited mapping_bench regex_preview connectors_fault_run load_tenants \
	runs_under_faults latency_limits record_logs
bench: $(STAMP)
	@for script in $(BENCH_SCRIPTS); do \
		echo "== $$script"; \
		DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/apicenter_bench} \
		REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/2} \
		CELERY_BROKER_URL=$${CELERY_BROKER_URL:-redis://127.0.0.1:6379/3} \
		$(BIN)/python bench/$$script.py || exit 1; \
	done
