#!/usr/bin/env bash
# Runs the CTest suite in build dir $1 and ends with the summary line "N passed, N failed",
# counting test cases: each cmocka case, each check of the CLI script, and each other CTest
# test as one.
set -uo pipefail
dir=${1:-build}
log=$(mktemp)
trap 'rm -f "$log"' EXIT
ctest --test-dir "$dir" -j2 -V >"$log" 2>&1
rc=$?
if ((rc == 0)); then
  grep -E '^ *[0-9]+/[0-9]+ Test +#|tests passed|Total Test time' "$log" | sed -E 's/^[0-9]+: //'
else
  cat "$log"
fi
summary=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)
if [[ -z $summary ]]; then
  echo "0 passed, 1 failed"
  exit 1
fi
python3 - "$log" "$rc" <<'PY'
import re, sys
text = open(sys.argv[1], encoding='utf-8', errors='replace').read()
passed = failed = 0
# cmocka: "[  PASSED  ] 7 test(s)." and "[  FAILED  ] 1 test(s), listed below:"
passed += sum(int(n) for n in re.findall(r'\[  PASSED  \] (\d+) test\(s\)', text))
failed += sum(int(n) for n in re.findall(r'\[  FAILED  \] (\d+) test\(s\)', text))
# the scripted suites: "cli_test: 64 passed, 0 failed", "api_test: …", "browser_test: …"
for p, f in re.findall(r'(?:cli|api|browser|bulletin)_test: (\d+) passed, (\d+) failed', text):
    passed += int(p); failed += int(f)
# other CTest tests (fuzz smoke, banned functions): one case each
for name, status in re.findall(r'Test +#\d+: (\S+) \.+\**\s*(Passed|Failed|\S+)', text):
    if name.startswith('test_') or name in ('cli_blackbox', 'api_blackbox', 'browser_ui', 'bulletin_scenario'):
        if status != 'Passed' and not re.search(r'\[  FAILED  \]|_test: \d+ passed, [1-9]', text):
            failed += 1  # crashed before reporting
        continue
    if status == 'Passed':
        passed += 1
    else:
        failed += 1
if int(sys.argv[2]) != 0 and failed == 0:
    failed = 1
print(f"{passed} passed, {failed} failed")
PY
exit $rc
