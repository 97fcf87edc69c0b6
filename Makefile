# circleci-costs: every verb a user needs. A fresh clone needs only Python 3.11+ and make:
# the first target that needs the environment installs it (uv, then the locked packages).

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .uv/bin/uv
BIN := .venv/bin
DBT := $(BIN)/dbt
DBT_DIRS := --project-dir dbt_project --profiles-dir dbt_project
# routine builds leave the unit tests (which test the SQL, not the data) to `make test`
DBT_BUILD := build $(DBT_DIRS) --exclude-resource-type unit_test
# before dbt: one line naming the process that holds the database, instead of dbt's traceback
CHECK_LOCK := $(BIN)/python -m loader check-lock
# after a successful dbt build only (make stops at the first failing line)
PUBLISH := $(BIN)/python -m loader publish

export CIRCLECI_COSTS_DB ?= $(CURDIR)/data/circleci_costs.duckdb
export DLT_PROJECT_DIR := $(CURDIR)
export RUNTIME__DLTHUB_TELEMETRY := false
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.DEFAULT_GOAL := help
.PHONY: help install browser demo refresh load transform publish report test lint format bench evaluate clean \
	focus-validator

help: ## list the commands
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --compile-bytecode: every command (dbt above all: its import takes twice as long from source)
# starts from compiled modules even where PYTHONDONTWRITEBYTECODE keeps Python from writing them
$(BIN)/.installed: pyproject.toml uv.lock | $(UV)
	UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --python $(PYTHON) --compile-bytecode
	@touch $@

install: $(BIN)/.installed ## install the locked environment into .venv

# The FinOps Foundation's FOCUS validator checks `python -m loader export focus` in the tests. It
# needs Python >= 3.12 with numpy 1.x (its pin) and a pyarrow that still accepts numpy 1.x, so
# it gets its own environment: the first Python 3.12 found (pyenv's, or on PATH), or FOCUS_PYTHON.
FOCUS_VENV := .focus-venv
FOCUS_PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/3.12*/bin/python3.12) \
	$(shell command -v python3.12 2>/dev/null))
export FOCUS_VALIDATOR := $(CURDIR)/$(FOCUS_VENV)/bin/focus-validator

$(FOCUS_VENV)/.installed:
	@test -n "$(FOCUS_PYTHON)" || { echo "error: the FOCUS validator needs Python 3.12: install it (e.g. pyenv install 3.12) or set FOCUS_PYTHON=/path/to/python3.12" >&2; exit 1; }
	rm -rf $(FOCUS_VENV)
	$(FOCUS_PYTHON) -m venv $(FOCUS_VENV)
	$(FOCUS_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		focus-validator==2.2.1 "numpy<2" "pyarrow<21"
	@touch $@

focus-validator: $(FOCUS_VENV)/.installed ## install the FinOps Foundation's FOCUS validator (.focus-venv)

demo: install ## load a year of simulated usage through the real HTTP path, build and publish the marts, print a summary and the report
	$(BIN)/python -m loader demo
	$(CHECK_LOCK)
	CIRCLECI_COSTS_SEEDS=../data/demo_seeds $(DBT) $(DBT_BUILD) --quiet
	$(PUBLISH)
	$(BIN)/python -m loader.summary
	$(BIN)/python -m loader report

refresh: install ## load from CircleCI (CIRCLECI_TOKEN, CIRCLECI_ORG_ID), rebuild and publish the marts
	$(BIN)/python -m loader api
	$(CHECK_LOCK)
	$(DBT) $(DBT_BUILD)
	$(PUBLISH)

load: install ## load from CircleCI only
	$(BIN)/python -m loader api

transform: install ## build and test the dbt models on what is loaded, then publish the marts
	$(CHECK_LOCK)
	$(DBT) $(DBT_BUILD)
	$(PUBLISH)

publish: install ## publish the built marts read-only for BI tools (data/published/)
	$(PUBLISH)

report: install ## write the self-contained HTML cost report of the published marts
	$(BIN)/python -m loader report

browser: ## install Debian's chromium and chromium-driver for the report's browser test, if missing
	@if [ -x /usr/bin/chromium ] && [ -x /usr/bin/chromedriver ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	$$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium chromium-driver

# two workers (pytest-xdist), each taking whole modules so that a module's dbt build runs once;
# the order they take them in: tests/conftest.py. PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= 2

test: install $(FOCUS_VENV)/.installed ## run every test, offline
	FOCUS_VALIDATOR_REQUIRED=1 $(BIN)/python -m pytest \
		-n $(PYTEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25

lint: install ## ruff, formatting and mypy
	$(BIN)/ruff check loader simulator tests bench
	$(BIN)/ruff format --check loader simulator tests bench
	$(BIN)/mypy

format: install ## format the Python code
	$(BIN)/ruff format loader simulator tests bench
	$(BIN)/ruff check --fix loader simulator tests bench

bench: install ## measure the loader and the marts against DuckDB's own speed
	$(BIN)/python -m bench

evaluate: install ## the anomaly suite (~8 min), then the demo's anomalies, right-sizing and cloud-shift links against the simulator's truth
	$(BIN)/python -m bench.anomaly_suite
	$(BIN)/python -m loader demo
	CIRCLECI_COSTS_SEEDS=../data/demo_seeds $(DBT) $(DBT_BUILD) --quiet
	$(BIN)/python -m bench.evaluate_anomalies --db "$(CIRCLECI_COSTS_DB)" \
		--truth "$(dir $(CIRCLECI_COSTS_DB))demo_incidents.csv"
	$(BIN)/python -m bench.evaluate_rightsizing --db "$(CIRCLECI_COSTS_DB)"
	$(BIN)/python -m bench.evaluate_correlations --db "$(CIRCLECI_COSTS_DB)" \
		--truth "$(dir $(CIRCLECI_COSTS_DB))demo_cloud_shifts.csv"

clean: ## remove the environment, the database and dbt's output
	rm -rf .venv .uv $(FOCUS_VENV) dbt_project/target dbt_project/logs
