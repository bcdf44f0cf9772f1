# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000

.PHONY: run test lint typecheck format messages clean bench

# The virtualenv is rebuilt whenever a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# prepare_demo: migrate, load_strategies, load_indicators and load_demo, one `make run`
# at a time; it completes whatever an interrupted run left (the figures included).
run: $(VENV)/.installed
	$(PY) manage.py prepare_demo
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

# The whole suite on the configured database (CI: PostgreSQL), then the engine's
# exactness and privacy tests once more on SQLite, the embedded default.
SQLITE_TESTS := tests/measures/test_engine.py tests/measures/test_engine_oracle.py \
	tests/measures/test_spec_example.py tests/measures/test_attacker.py
test: lint typecheck
	$(VENV)/bin/pytest -n auto --dist worksteal
	DATABASE_URL= $(VENV)/bin/pytest -n auto -p no:cacheprovider $(SQLITE_TESTS)

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

# mypy with django-stubs on the services, selectors, engine, tasks and access gate.
TYPECHECKED := org/access.py org/services.py org/selectors.py hr/services \
	hr/selectors.py measures/services.py measures/selectors.py measures/engine \
	measures/definitions.py measures/periods.py measures/status.py measures/formatting.py \
	plans/services.py plans/selectors.py dashboards/selectors.py dashboards/cache.py \
	dashboards/council \
	goals/services.py goals/selectors.py api/services.py api/selectors.py api/throttling.py \
	strategi/db.py strategi/celery.py measures/tasks.py hr/tasks.py \
	measures/recomputes.py measures/middleware.py measures/context_processors.py \
	plans/tasks.py plans/notifications.py goals/tasks.py measures/signals.py hr/signals.py \
	strategi/admin.py strategi/spreadsheet.py strategi/lockout.py org/context_processors.py
typecheck: $(VENV)/.installed
	$(VENV)/bin/mypy $(TYPECHECKED)

format: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Needs GNU gettext (Debian: gettext). The compiled .mo files are committed so that
# `make run` works without it.
messages: $(VENV)/.installed
	$(PY) manage.py makemessages --locale nb --ignore '.venv/*' --no-obsolete
	$(PY) manage.py compilemessages --locale nb --ignore '.venv/*'

# Benchmarks on PostgreSQL, Redis and Celery of their own (bench/README.md):
# SIZE=small|municipal|national|all; RESUME=1 skips the sizes already measured.
SIZE ?= municipal
bench: $(VENV)/.installed
	$(PY) -m pip install --quiet -r bench/requirements.txt
	$(PY) -m bench.run --size $(SIZE) $(if $(RESUME),--resume) $(BENCH_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 db.sqlite3-wal db.sqlite3-shm staticfiles .pytest_cache .ruff_cache
