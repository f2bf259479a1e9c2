#!/usr/bin/env bash
# Installs the Debian packages hqd needs to build, test and run, quietly and only when missing.
# Usage: scripts/deps.sh [build|test|bench]   (default: test, which includes build)
set -euo pipefail
want=${1:-test}
pkgs=(build-essential cmake ninja-build pkg-config
      libsqlite3-dev libjansson-dev libxlsxwriter-dev libsodium-dev libssl-dev libmicrohttpd-dev libzip-dev libcsv-dev)
case $want in
  build) ;;
  test)  pkgs+=(libcmocka-dev clang libclang-rt-14-dev unzip python3 sqlite3
               chromium fonts-wqy-microhei libreoffice-writer-nogui) ;;
  bench) pkgs+=(libcmocka-dev clang unzip python3 sqlite3 wrk) ;;
  *) echo "deps.sh: unknown set '$want' (build, test or bench)" >&2; exit 2 ;;
esac
# Node.js runs the browser tests and the json-rules-engine baseline; the machine may already have its own (newer) node.
if [[ $want != build ]] && ! command -v node >/dev/null; then pkgs+=(nodejs npm); fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
((${#missing[@]} == 0)) && exit 0
if [[ $(id -u) -ne 0 ]]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "deps.sh: missing packages: ${missing[*]}; run as root to install them" >&2; exit 1; fi
else SUDO=; fi
echo "deps.sh: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
