# The two commands: `make run` (set up and serve) and `make test` (set up and test).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
# Production-like settings for `check --deploy` (nothing here is a real secret).
DEPLOY_ENV := DEBUG=false SECURE_HTTPS=true ALLOWED_HOSTS=customerflow.example.com \
	SECRET_KEY=check-deploy-$(shell date +%s)-a-long-random-looking-key-for-the-check-only

.PHONY: run test test-fast lint format bench bench-web loadtest install dev-install chromium

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements-dev.txt $(VENV)/.installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed
dev-install: $(VENV)/.installed-dev

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py setup_demo
	$(PY) manage.py serve 127.0.0.1:8000

# Browser tests need Debian's Chromium (Playwright's own download does not work here).
chromium:
	@command -v chromium >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium >/dev/null; }

lint: dev-install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: dev-install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: dev-install chromium lint
	$(PY) manage.py makemigrations --check --dry-run
	$(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING
	$(BIN)/pytest

# The quick lane while working: no lint, no browser, nothing marked slow.
test-fast: dev-install
	$(BIN)/pytest -m "not slow and not browser"

bench: dev-install
	$(PY) bench/run.py
	$(PY) bench/search_keys.py
	$(PY) bench/web_import.py
	$(PY) bench/conversation.py

# Page server times at 1,000,000 customers and 200,000 tickets (seeds bench/out/).
bench-web: dev-install
	$(PY) bench/web.py

# Locust, headless and bounded: 20 signed-in staff for 60 s under gunicorn while a
# 100k-row import runs; fails on any error or lost write. SQLite by default;
# DATABASE_URL=postgres://... runs it on PostgreSQL. --profile: py-spy the server.
loadtest: dev-install
	$(PY) bench/loadtest.py $(LOADTEST_ARGS)
