#!/usr/bin/env bash
# Fails when C sources call unbounded string functions (STYLE.md rule 10).
set -euo pipefail
cd "$(dirname "$0")/.."
pattern='\b(strcpy|strcat|sprintf|vsprintf|gets|strtok|atoi|atol|atof)[[:space:]]*\('
if hits=$(grep -rnE "$pattern" --include='*.c' --include='*.h' src tests bench 2>/dev/null); then
  echo "banned unbounded string functions (use snprintf, memcpy with a length, strtol):" >&2
  echo "$hits" >&2
  exit 1
fi
echo "check-banned: ok"
