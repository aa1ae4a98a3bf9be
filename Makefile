# Two commands set up a fresh machine: `make setup`, then `make run` (or `make test`).
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
export DBT_SEND_ANONYMOUS_USAGE_STATS := false
export DAGSTER_DISABLE_TELEMETRY := true

.PHONY: setup run test test-integration test-infra bench bench-api serve dev clean graph-snapshot

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

setup: $(BIN)/python
	$(BIN)/pip install --quiet -c constraints.txt -e ".[dev,spark]"
	cd dbt_project && ../$(BIN)/dbt parse --quiet --profiles-dir . --target dev

run: setup
	$(BIN)/datalive run --sample

test: setup
	$(BIN)/ruff check da_platform tests benchmarks
	cd dbt_project && ../$(BIN)/sqlfluff lint models tests
	$(BIN)/pytest -n 2 --dist loadfile -q

# Against servers the tests start on 127.0.0.1 themselves: a Kafka-protocol broker, S3 + KMS (moto_server),
# Azure Blob (Azurite, from npm into .tools/), Snowflake (fakesnow's server, in its own venv in .tools/),
# PostgreSQL + pgvector, MLflow servers, Spark (Sail), and the dashboard in headless Chromium (Debian's
# chromium + chromedriver, installed by the script if missing).
test-integration: setup
	bash scripts/install_chromium.sh
	bash scripts/install_azurite.sh
	bash scripts/install_fakesnow.sh
	$(BIN)/pytest -m integration tests/integration -q

# infra/ (AWS, Azure, Snowflake), offline: fmt, checkov (own venv in .tools/), validate, terraform test, a real
# apply/destroy of dev and prod on moto_server with boto3 checks and a pipeline run on what Terraform created,
# the Azure static tests and the Snowflake DDL on fakesnow. Says what it skips when terraform is missing.
test-infra: setup
	bash scripts/install_checkov.sh
	bash scripts/install_fakesnow.sh
	BIN=$(BIN) bash scripts/test_infra.sh

bench: setup
	$(BIN)/python -m benchmarks.run_volve
	$(BIN)/python -m benchmarks.forecast_speed
	$(BIN)/python -m benchmarks.rag_explain
	$(BIN)/python -m benchmarks.api_load
	$(BIN)/python -m benchmarks.lakehouse_scale
	$(BIN)/python -m benchmarks.report

# /insights and /health throughput and latency on 127.0.0.1 (builds a Volve environment under .bench/ once).
bench-api: setup
	$(BIN)/python -m benchmarks.api_load

# Rewrite tests/snapshots/graph_<env>.json after an intended change to the asset graph (review the diff).
graph-snapshot: setup
	$(BIN)/python -m da_platform.defs.graph_snapshot --update

serve: setup
	$(BIN)/datalive serve

dev: setup
	$(BIN)/datalive dev

clean:
	rm -rf .datalive dbt_project/target dbt_project/logs
