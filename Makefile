# Two commands do everything: `make run` serves the dashboard, `make test` runs the whole suite.
# Both install what is missing (Debian packages when root, the virtualenv, requirements) and are
# fast the second time.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

# WeasyPrint needs pango and a font (it crashes with none); kaleido and the browser tests need
# chromium; poppler-utils gives pdftotext; gettext compiles the translations; npm installs axe-core
# for the accessibility test.
DEBIAN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	fonts-noto-core poppler-utils chromium gettext postgresql-client npm
# Only the test suite needs the servers (nginx: the suite checks the production site configuration).
DEBIAN_TEST_PACKAGES := postgresql redis-server nginx

# The suite runs on PostgreSQL and Redis; pytest-django creates and drops test_<name> itself.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bhxh
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
PYTEST_ARGS ?=
# One pytest-xdist worker per core, at most 8 (each takes a Redis database: 15, 14, ...).
PYTEST_WORKERS ?= auto

# Today's map (July 2025) is read from data files, never from these packages' code (provinces/reform):
# requirements-data.txt goes in without its dependencies, and vietnam-provinces 2026 cannot sit beside
# the pinned 0.6.0 (same distribution name), so its wheel is only downloaded and read as a zip. Keep
# the name in step with VIETNAM_PROVINCES_2026_WHEEL in bhxh_dashboard/settings.py.
REFORM_WHEEL := $(VENV)/wheels/vietnam_provinces-2026.9.0-py3-none-any.whl

# axe-core, the accessibility checker tests/test_accessibility.py runs in the browser, from the npm
# registry at an exact version; the test reads it from this file (never from a CDN).
AXE_VERSION := 4.14.1
AXE_DIR := $(VENV)/axe
AXE_STAMP := $(AXE_DIR)/.installed-$(AXE_VERSION)
AXE_JS := $(AXE_DIR)/node_modules/axe-core/axe.min.js

# plotly.js's basic bundle (bar and scatter, every chart the pages draw), from the npm registry at
# the exact version the plotly package bundles (its package_data/plotly.min.js says which); the
# settings serve it when it is there (PLOTLY_BASIC_DIR), else the full bundle.
PLOTLY_BASIC_VERSION := 4.1.1
PLOTLY_DIR := $(VENV)/plotly
PLOTLY_STAMP := $(PLOTLY_DIR)/.installed-$(PLOTLY_BASIC_VERSION)
PLOTLY_JS := $(PLOTLY_DIR)/node_modules/plotly.js-basic-dist-min/plotly-basic.min.js

.PHONY: run test lint system-deps system-test-deps services venv axe plotly setup demo worker beat \
	bench backup restore clean

# DEBUG stays off (friendly error pages, no tracebacks); plain http on this machine only, so no
# https redirect and no secure-only cookies; the key is this checkout's own (.secret_key).
run: export HTTPS = 0
run: system-deps venv plotly
	$(MANAGE) compilemessages --ignore=.venv -v0
	$(MANAGE) migrate --noinput -v0
	$(MANAGE) load_admin_units
	$(MANAGE) load_demo --if-empty
	@echo "Dashboard: http://127.0.0.1:8000  (demo users in README.md)"
	$(MANAGE) runserver 127.0.0.1:8000

test: system-deps system-test-deps venv axe plotly services
	$(MANAGE) compilemessages --ignore=.venv -v0
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(MANAGE) makemigrations --check --dry-run
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
		AXE_CORE_JS=$(abspath $(AXE_JS)) $(BIN)/pytest -n $(PYTEST_WORKERS) --maxprocesses 8 $(PYTEST_ARGS)

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

# Install only what is missing, so a second run costs a dpkg query and no network. A package whose
# command is already there counts as present (npm ships inside NodeSource's nodejs package).
system-deps:
	@missing=$$(for p in $(DEBIAN_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || command -v $$p >/dev/null \
		|| echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then \
			echo "Installing Debian packages: $$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
		else echo "Missing Debian packages (install them as root): $$missing"; fi; \
	fi

system-test-deps:
	@missing=$$(for p in $(DEBIAN_TEST_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ] && [ "$$(id -u)" = 0 ]; then \
		echo "Installing Debian packages: $$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

# Start PostgreSQL and Redis when they are not answering. Redis is asked with bash's /dev/tcp,
# not redis-cli: redis-cli hangs when the clock is faked (`faketime '2027-01-25 00:30' make test`).
REDIS_PING = bash -c 'exec 3<>/dev/tcp/127.0.0.1/6379 && printf "PING\r\n" >&3 && read -r reply <&3 && [[ $$reply == +PONG* ]]' 2>/dev/null
services:
	@pg_isready -h 127.0.0.1 -p 5432 -q || pg_ctlcluster --skip-systemctl-redirect \
		$$(ls /etc/postgresql | sort -n | tail -1) main start
	@for i in $$(seq 1 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.5; done
	@$(REDIS_PING) || redis-server --daemonize yes \
		--bind 127.0.0.1 --port 6379 --save "" --appendonly no
	@for i in $$(seq 1 30); do $(REDIS_PING) && break; sleep 0.2; done

# REFORM_WHEEL is defined above: make expands a rule's prerequisites when it reads the line.
venv: $(VENV)/.installed $(REFORM_WHEEL)


$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-data.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements-dev.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps -r requirements-data.txt
	touch $@

# A file target of its own: a venv made before the wheel was needed still gets it.
$(REFORM_WHEEL): | $(VENV)/.installed
	$(BIN)/pip download -q --disable-pip-version-check --no-deps \
		--ignore-requires-python vietnam-provinces==2026.9.0 -d $(VENV)/wheels

# Installed before the suite, so the test itself downloads nothing; a new AXE_VERSION reinstalls.
axe: $(AXE_STAMP)

$(AXE_STAMP):
	rm -rf $(AXE_DIR)
	npm install --prefix $(AXE_DIR) --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
		axe-core@$(AXE_VERSION)
	test -f $(AXE_JS)
	touch $@

plotly: $(PLOTLY_STAMP)

$(PLOTLY_STAMP):
	rm -rf $(PLOTLY_DIR)
	npm install --prefix $(PLOTLY_DIR) --no-save --no-package-lock --no-audit --no-fund --loglevel=error \
		plotly.js-basic-dist-min@$(PLOTLY_BASIC_VERSION)
	test -f $(PLOTLY_JS)
	touch $@

# Background processes for a PostgreSQL + Redis setup (see README).
worker: venv
	$(BIN)/celery -A bhxh_dashboard worker -l info -c 2

beat: venv
	$(BIN)/celery -A bhxh_dashboard beat -l info

demo: venv
	$(MANAGE) load_demo

# PostgreSQL backups (DATABASE_URL names the database): make backup; make restore FILE=...
backup:
	scripts/backup.sh $(FILE)

restore:
	scripts/restore.sh $(FILE)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache .ruff_cache
