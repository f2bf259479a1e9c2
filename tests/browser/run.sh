#!/usr/bin/env bash
# Runs the browser tests: installs playwright-core from npm when missing, uses Debian's Chromium.
#   run.sh HQD SOURCE_DIR
set -euo pipefail
hqd=$(realpath "$1") src=$(realpath "$2")
cd "$src/tests/browser"
if [[ ! -d node_modules/playwright-core ]]; then
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
fi
exec node ledger.test.js "$hqd" "$src"
