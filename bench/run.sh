#!/usr/bin/env bash
# Runs the benchmarks from build dir $1 (a release build) and prints figures and ratios.
set -euo pipefail
dir=${1:-build/release}
src=$(cd "$(dirname "$0")/.." && pwd)
echo "== plan parser throughput (goal ≥ 50 MB/s)"
"$dir/bench_plan" "$src/examples/plan-2020-28.txt"
echo
echo "== hqd serve under load (goal on 2 cores: ≥ 20,000 list req/s, ≥ 2,000 report writes/s, p99 < 20 ms, RSS < 32 MB)"
"$(dirname "$0")/load.sh" "$dir"
echo
echo "== 通报 generation (goal < 1 s per bulletin including the xlsx)"
"$dir/bench_bulletin"
echo
echo "== 惠企政策 kernel on facts in memory (goal: ≥ 100,000,000 clause evaluations/s on one core; 50 clauses × 100,000 entities < 1 s)"
"$dir/bench_policy" 100000
"$dir/bench_policy" 1000000
echo
echo "== 惠企政策 end to end from the store vs the SQL and json-rules-engine baselines (goal: ≥ 3× SQL, ≥ 100× json-rules-engine)"
"$(dirname "$0")/rules.sh" "$dir" 1000000
echo
echo "== 兑付账本 verification: every line replayed (goal ≥ 1,000,000 lines/s; the ledger is built once and kept)"
mkdir -p "$dir/bench-ledger"
rm -f "$dir/bench-ledger/ledger-1000000.db" # lines of format 3, before schema 21
"$dir/bench_ledger" "$dir/bench-ledger/ledger4-1000000.db" 1000000
# The verifier runs as two threads (reading, replaying); allowed one core, as one.
if command -v taskset >/dev/null; then
  echo "-- the same, pinned to one core (taskset -c 0):"
  taskset -c 0 "$dir/bench_ledger" "$dir/bench-ledger/ledger4-1000000.db" 1000000
fi
