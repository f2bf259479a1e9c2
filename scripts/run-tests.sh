#!/usr/bin/env bash
# Runs the CTest suite in build dir $1 and ends with the summary line "N passed, N failed".
set -uo pipefail
dir=${1:-build}
log=$(mktemp)
ctest --test-dir "$dir" --output-on-failure -j2 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
rm -f "$log"
if [[ -z $line ]]; then
  echo "0 passed, 1 failed"
  exit 1
fi
failed=$(sed -E 's/.* ([0-9]+) tests? failed out of ([0-9]+).*/\1/' <<<"$line")
total=$(sed -E 's/.* failed out of ([0-9]+).*/\1/' <<<"$line")
echo "$((total - failed)) passed, $failed failed"
exit $rc
