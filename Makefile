# Two commands set up a fresh machine: `make setup`, then `make run` (or `make test`).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DAGSTER_DISABLE_TELEMETRY := true

.PHONY: setup run test test-integration lint bench dev clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev]"
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir . --target dev

run: setup
	$(BIN)/datalive run --sample

test: setup
	$(BIN)/ruff check da_platform tests benchmarks
	$(BIN)/pytest -n 2 --dist loadfile -q

# Against real-protocol servers the tests start on 127.0.0.1 themselves (a Kafka-protocol broker, ...).
test-integration: setup
	$(BIN)/pytest -m integration -q tests/integration

bench: setup
	$(BIN)/python -m benchmarks.run_volve
	$(BIN)/python -m benchmarks.forecast_speed
	$(BIN)/python -m benchmarks.lakehouse_scale

dev: setup
	$(BIN)/datalive dev

clean:
	rm -rf .datalive dbt_project/target dbt_project/logs
