# Quorum — see README.md. `make run` (laptop, SQLite) and `make test` (PostgreSQL, browser tests).
SHELL := /bin/bash
PY := .venv/bin/python
PIP := .venv/bin/pip
STAMP := .venv/.installed
TEST_DATABASE_URL ?= postgres://postgres:postgres@127.0.0.1:5432/quorum
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: run test test-quick install system-deps services messages check-messages bench check-deploy clean

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv .venv
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	@tools/run.sh

system-deps:
	@tools/ensure-system-deps.sh

services: system-deps
	@tools/ensure-services.sh

## The whole suite against PostgreSQL, browser tests and a real Celery worker on Redis included.
test: $(STAMP) services check-messages
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) manage.py check --settings=portal.settings.test
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) manage.py makemigrations --check --dry-run --settings=portal.settings.test
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) -m pytest -q $(PYTEST_ARGS)

## Quick local run on SQLite, without browser and worker tests.
test-quick: $(STAMP)
	DATABASE_URL=sqlite:///var/test.sqlite3 $(PY) -m pytest -q -m "not browser and not celery_worker" $(PYTEST_ARGS)

## Extract strings and compile catalogs (commit locale/ afterwards).
messages: $(STAMP)
	$(PY) manage.py makemessages -l en --no-obsolete --no-location --ignore=.venv --ignore=var --ignore=tests
	$(PY) manage.py compilemessages -l en --ignore=.venv

## Fails when the committed .po/.mo are stale or English translations are missing.
check-messages: $(STAMP)
	$(PY) tools/check_messages.py

bench: $(STAMP) services
	TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(PY) tests/bench/run.py

check-deploy: $(STAMP)
	DJANGO_SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=quorum.example.cn \
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) manage.py check --deploy --fail-level WARNING --settings=portal.settings.production

clean:
	rm -rf var/broker var/broker-processed var/celery-results
