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

export CIRCLECI_COSTS_DB ?= $(CURDIR)/data/circleci_costs.duckdb
export DLT_PROJECT_DIR := $(CURDIR)
export RUNTIME__DLTHUB_TELEMETRY := false
export DO_NOT_TRACK := 1
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

.DEFAULT_GOAL := help
.PHONY: help install demo refresh load transform test lint format bench evaluate clean

help: ## list the commands
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv .uv
	.uv/bin/python -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(BIN)/.installed: pyproject.toml uv.lock | $(UV)
	UV_PYTHON_DOWNLOADS=never $(UV) sync --frozen --python $(PYTHON)
	@touch $@

install: $(BIN)/.installed ## install the locked environment into .venv

demo: install ## load a year of simulated usage through the real HTTP path, build the marts, print a summary
	$(BIN)/python -m loader demo
	CIRCLECI_COSTS_SEEDS=../data/demo_seeds $(DBT) $(DBT_BUILD) --quiet
	$(BIN)/python -m loader.summary

refresh: install ## load from CircleCI (CIRCLECI_TOKEN, CIRCLECI_ORG_ID) and rebuild the marts
	$(BIN)/python -m loader api
	$(DBT) $(DBT_BUILD)

load: install ## load from CircleCI only
	$(BIN)/python -m loader api

transform: install ## build and test the dbt models on what is loaded
	$(DBT) $(DBT_BUILD)

test: install ## run every test, offline
	$(BIN)/python -m pytest

lint: install ## ruff, formatting and mypy
	$(BIN)/ruff check loader simulator tests bench
	$(BIN)/ruff format --check loader simulator tests bench
	$(BIN)/mypy

format: install ## format the Python code
	$(BIN)/ruff format loader simulator tests bench
	$(BIN)/ruff check --fix loader simulator tests bench

bench: install ## measure the loader and the marts against DuckDB's own speed
	$(BIN)/python -m bench

evaluate: install ## anomalies on 12 simulated histories beside a z-score (~8 min), then the demo's anomalies and right-sizing
	$(BIN)/python -m bench.anomaly_suite
	$(BIN)/python -m loader demo
	CIRCLECI_COSTS_SEEDS=../data/demo_seeds $(DBT) $(DBT_BUILD) --quiet
	$(BIN)/python -m bench.evaluate_anomalies --db "$(CIRCLECI_COSTS_DB)" \
		--truth "$(dir $(CIRCLECI_COSTS_DB))demo_incidents.csv"
	$(BIN)/python -m bench.evaluate_rightsizing --db "$(CIRCLECI_COSTS_DB)"

clean: ## remove the environment, the database and dbt's output
	rm -rf .venv .uv dbt_project/target dbt_project/logs
