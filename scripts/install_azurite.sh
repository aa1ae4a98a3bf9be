#!/usr/bin/env bash
# Azurite (the Azure Storage emulator, from npm) under .tools/azurite, for the lake's Azure integration
# tests (make test-integration). Pinned, project-local, idempotent: nothing is installed globally.
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=3.37.0
PREFIX=.tools/azurite
if [ -x "$PREFIX/node_modules/.bin/azurite-blob" ] && grep -q "\"version\": \"$VERSION\"" "$PREFIX/node_modules/azurite/package.json"; then
    exit 0
fi
mkdir -p "$PREFIX"
npm install --prefix "$PREFIX" --no-audit --no-fund --loglevel=error "azurite@$VERSION" >/dev/null
test -x "$PREFIX/node_modules/.bin/azurite-blob"
