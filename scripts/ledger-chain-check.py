#!/usr/bin/env python3
"""Checks the hash chain of an hqd payout ledger without hqd: for an auditor who trusts only
SQLite and SHA-256.

    scripts/ledger-chain-check.py DB

Every line of format 3 (schema 18, docs/internals/policy.md "Ledger lines") must hash to its
stored hash: SHA-256 of the previous line's hash in hex followed by the line's bytes; ids must
run 1, 2, 3, ... and each line's own id (bytes 2-11) must be its row's. Lines of formats 1 and 2
(written before schema 18) were hashed field by field; this script counts them and leaves them
to `hqd ledger verify`, which also recomputes every amount, cap and budget. Exits 0 if the chain
holds, 1 naming the first line that breaks it, 2 on bad usage."""
import hashlib
import sqlite3
import sys


def main():
    if len(sys.argv) != 2:
        print("usage: ledger-chain-check.py DB", file=sys.stderr)
        return 2
    db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
    prev, lines, older = "0" * 64, 0, 0
    for row_id, stored, line in db.execute("SELECT id, hash, line FROM payouts ORDER BY id"):
        line = bytes(line)
        if row_id != lines + 1 or int(line[1:11]) != row_id:
            print("第 %d 行：编号不连续" % row_id)
            return 1
        if line[:1] == b"3":
            if hashlib.sha256(prev.encode("ascii") + line).hexdigest() != stored:
                print("第 %d 行：哈希链断裂" % row_id)
                return 1
        else:
            older += 1
        prev, lines = stored, lines + 1
    print("哈希链完好：共 %d 行（其中 %d 行为旧格式，由 hqd ledger verify 校验）" % (lines, older))
    return 0


if __name__ == "__main__":
    sys.exit(main())
