#!/usr/bin/env bash
# A short libFuzzer run of the plan parser (fixtures as seed corpus), of the rule-pack reader
# (fuzz_policy: the shipped pack and tests/fuzz/packs, which uses every directive, as seed) or
# of the registry CSV import (fuzz_import: the example CSV files as seed) or of the payout
# ledger's stored lines (fuzz_ledger: tests/fuzz/lines as seed).
#   smoke.sh FUZZ_BINARY SOURCE_DIR [SECONDS]
set -euo pipefail
bin=$(realpath -m "$1") src=$(realpath "$2") secs=${3:-${HQD_FUZZ_SECONDS:-20}}
if [[ ! -x $bin ]]; then
  echo "fuzz smoke: $bin is missing; build it with 'make fuzz' (make test does)" >&2
  exit 1
fi
corpus=$(mktemp -d)
trap 'rm -rf "$corpus"' EXIT
if [[ $(basename "$bin") == fuzz_policy ]]; then
  cp "$src"/data/policy/*.pack "$src"/tests/fuzz/packs/*.pack "$corpus"/
elif [[ $(basename "$bin") == fuzz_import ]]; then
  cp "$src"/examples/*.csv "$corpus"/
elif [[ $(basename "$bin") == fuzz_ledger ]]; then
  cp "$src"/tests/fuzz/lines/* "$corpus"/
else
  cp "$src"/tests/fixtures/* "$src"/examples/*.txt "$src"/tests/fuzz/corpus/* "$corpus"/ 2>/dev/null || true
fi
cd "$corpus"
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 "$corpus" 2>&1 | tail -n 12
