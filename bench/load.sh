#!/usr/bin/env bash
# Load test of hqd serve on loopback with wrk: the task list (50 per page), one task, and
# durable report writes, at 10 and at 64 connections. Prints req/s, p50/p99 latency, errors and
# the server's peak RSS, with the ratio to each goal (2 cores: ≥ 20,000 list req/s,
# ≥ 2,000 report writes/s, p99 < 20 ms, RSS < 32 MB).
#   load.sh BUILD_DIR [SECONDS]
set -euo pipefail
dir=$(realpath "${1:-build/release}")
secs=${2:-${HQD_BENCH_SECONDS:-8}}
src=$(cd "$(dirname "$0")/.." && pwd)
hqd=$dir/hqd
tmp=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; rm -rf "$tmp"' EXIT
db=$tmp/hqd.db
"$hqd" plan import "$src/examples/plan-2020-28.txt" --db "$db" >/dev/null
echo 'bench-password-1' | "$hqd" user add office1 --role office --db "$db" >/dev/null
echo 'bench-password-1' | "$hqd" user add kj --role dept --dept 区科学技术局 --db "$db" >/dev/null
export HQD_NOW=2020-05-06T02:00:00Z   # inside April's reporting window: amendments allowed
"$hqd" serve --db "$db" --listen 127.0.0.1:0 --quiet --threads "${HQD_BENCH_THREADS:-2}" >"$tmp/out" 2>"$tmp/err" &
pid=$!
for _ in $(seq 50); do grep -q listening "$tmp/out" 2>/dev/null && break; sleep 0.1; done
base=$(sed -E 's/listening on //' "$tmp/out")
token() {
  curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
    -d "{\"name\":\"$1\",\"password\":\"bench-password-1\"}" "$base/api/v1/session" |
    sed -nE 's/^Set-Cookie: hqd_session=([0-9a-f]+);.*/\1/p'
}
office=$(token office1)
clerk=$(token kj)
cat >"$tmp/report.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $clerk"
counter = 0
request = function()
  counter = counter + 1
  local body = '{"period":"2020-04","progress":' .. (counter % 100) ..
    ',"done":"压测：本期完成情况","problems":"","next":"继续推进"}'
  return wrk.format(nil, "/api/v1/tasks/" .. (counter % 16 + 1) .. "/reports", nil, body)
end
LUA

result() { # result NAME CONNS -- wrk args...
  local name=$1 conns=$2; shift 3
  local out
  out=$(wrk -t2 -c"$conns" -d"${secs}s" --latency "$@" 2>&1)
  local rps p50 p99 errs non2xx
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errs=$(awk '/Socket errors/ {print $0}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf '%-8s c=%-3s %10s req/s   p50 %-9s p99 %-9s non-2xx %-6s %s\n' "$name" "$conns" "$rps" \
    "$p50" "$p99" "${non2xx:-0}" "${errs:-no socket errors}"
  echo "$rps" >"$tmp/last"
}
echo "== hqd serve load test (wrk, ${secs}s per run, threads ${HQD_BENCH_THREADS:-2}, seed plan of 55 tasks)"
for c in 10 64; do
  result list "$c" -- -H "Authorization: Bearer $office" "$base/api/v1/tasks?plan=1&per_page=50"
  list[$c]=$(cat "$tmp/last")
  result task "$c" -- -H "Authorization: Bearer $office" "$base/api/v1/tasks/1"
  result report "$c" -- -s "$tmp/report.lua" "$base"
  report[$c]=$(cat "$tmp/last")
done
rss=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
printf 'server peak RSS %.1f MB (goal < 32 MB: %s)\n' "$(echo "$rss / 1024" | bc -l)" \
  "$( ((rss < 32768)) && echo ok || echo ABOVE GOAL)"
best_list=$(printf '%s\n' "${list[@]}" | sort -g | tail -1)
best_report=$(printf '%s\n' "${report[@]}" | sort -g | tail -1)
printf 'list   best %s req/s, goal 20000: %.2fx\n' "$best_list" "$(echo "$best_list / 20000" | bc -l)"
printf 'report best %s writes/s, goal 2000: %.2fx\n' "$best_report" "$(echo "$best_report / 2000" | bc -l)"
"$hqd" audit verify --db "$db" | tail -1
