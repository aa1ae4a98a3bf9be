#!/usr/bin/env bash
# checkov (static analysis of infra/'s Terraform for both clouds) in its own virtualenv under .tools/checkov,
# for make test-infra. Its own venv because it pins dozens of packages (boto3, networkx, ...) at versions
# other than the project's. Run with --skip-download it needs no network. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3.11}
PREFIX=.tools/checkov
PINS=("checkov==3.3.30")
if [ -x "$PREFIX/bin/checkov" ] && [ "$(cat "$PREFIX/.pins" 2>/dev/null)" = "${PINS[*]}" ]; then
    exit 0
fi
rm -rf "$PREFIX"
"$PYTHON" -m venv "$PREFIX"
"$PREFIX/bin/pip" install --quiet "${PINS[@]}"
echo "${PINS[*]}" > "$PREFIX/.pins"
"$PREFIX/bin/checkov" --version >/dev/null
