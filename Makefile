# mentorship — the two commands a new machine needs are `make run` and `make test`.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
export FLASK_APP := wsgi.py
HOST ?= 127.0.0.1
PORT ?= 5000
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: run test test-postgres security bandit lint install install-dev system-packages migrate seed \
        translations extract-messages update-messages compile-messages clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## Catalogues: .po files are committed, .mo files are built here.
compile-messages: install
	$(BIN)/pybabel compile -d translations

# tests/test_i18n.py runs this same command (read from here) to check the catalogues.
# --ignore-dirs: Babel's default skips every directory starting with "_" (templates/_macros).
extract-messages: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k ngettext:1,2 \
	  -k lazy_ngettext:1,2 --ignore-dirs '.* __pycache__' --sort-by-file \
	  --project=mentorship --no-wrap -o translations/messages.pot .

update-messages: extract-messages
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-wrap --ignore-obsolete

translations: update-messages compile-messages

migrate: install compile-messages
	$(BIN)/flask db upgrade

seed: migrate
	$(BIN)/flask seed-demo

run: seed
	$(BIN)/flask run --host $(HOST) --port $(PORT)

# Debian packages the app and the tests use: chromium (browser journeys), redis-server
# (shared rate limits), and Pango with a font for WeasyPrint (the annual report's PDF).
system-packages:
	@missing=""; \
	[ -x $(CHROMIUM) ] || missing="$$missing chromium"; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	PATH="$$PATH:/sbin:/usr/sbin" ldconfig -p | grep -q libpangoft2-1.0 || \
	  missing="$$missing libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

lint: install-dev
	$(BIN)/ruff check .

# Two workers (this machine and CI have two cores); each test file stays on one worker.
PYTEST_WORKERS ?= 2
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist loadfile

test: install-dev compile-messages system-packages lint bandit
	$(BIN)/pytest $(PYTEST_PARALLEL)

# Static analysis (bandit: clean, or each finding justified inline) and the fuzz suite
# (hostile values on every route of the URL map, seeded) on SQLite and PostgreSQL.
# `make test` and `make test-postgres` run both too (CI runs those two).
export FUZZ_EXAMPLES ?= 12
bandit: install-dev
	$(BIN)/bandit -q -r mentorship config.py wsgi.py

security: bandit compile-messages system-packages
	$(BIN)/pytest tests/security
	bash .ci/with-postgres $(BIN)/pytest tests/security

# The same suite against a real PostgreSQL server (installed and started locally if needed).
test-postgres: install-dev compile-messages system-packages
	bash .ci/with-postgres $(BIN)/pytest $(PYTEST_PARALLEL)

# The performance budget (issue 17): the app and a reference page under gunicorn, loaded
# with wrk (Debian package); prints the table and exits 1 if a page misses its budget.
# Options: make bench BENCH_ARGS="--scale 0 --seconds 2 --no-fail" (bench/load.py --help).
BENCH_ARGS ?=
bench: install-dev compile-messages
	@command -v wrk >/dev/null || { echo "Installing Debian packages: wrk"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq wrk; }
	$(BIN)/python bench/load.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache translations/*/LC_MESSAGES/*.mo
