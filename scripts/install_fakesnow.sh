#!/usr/bin/env bash
# fakesnow (Snowflake's SQL and HTTP protocol on DuckDB) in its own virtualenv under .tools/fakesnow, for the
# Snowflake integration tests (make test-integration). Its own venv because it pins a DuckDB and a sqlglot
# other than the project's; the tests talk to it over HTTP exactly as to Snowflake. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
PREFIX=.tools/fakesnow
PINS=("fakesnow[server]==0.12.1" "snowflake-connector-python==4.8.1")
if [ -x "$PREFIX/bin/fakesnow" ] && [ "$(cat "$PREFIX/.pins" 2>/dev/null)" = "${PINS[*]}" ]; then
    exit 0
fi
rm -rf "$PREFIX"
"$PYTHON" -m venv "$PREFIX"
"$PREFIX/bin/pip" install --quiet "${PINS[@]}"
echo "${PINS[*]}" > "$PREFIX/.pins"
"$PREFIX/bin/fakesnow" --help >/dev/null
