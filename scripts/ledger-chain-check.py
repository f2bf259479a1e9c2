#!/usr/bin/env python3
"""Checks the hash chain of an hqd payout ledger without hqd: for an auditor who trusts only
SQLite and SHA-256.

    scripts/ledger-chain-check.py DB [ID:HASH]

Every line of format 4 (schema 21: a JSON array) or 3 (schema 18: a fixed-width head; see
docs/internals/policy.md "Ledger lines") must hash to its stored hash: SHA-256 of the previous
line's hash (its 32 bytes before a line of format 4, its 64 hex digits before one of format 3)
followed by the line's bytes; ids must run 1, 2, 3, ... and each line's own id
(the array's second element; bytes 2-11 of the older layout) must be its row's. Lines of formats 1 and 2
(written before schema 18) were hashed field by field; this script counts them and leaves them
to `hqd ledger verify`, which also recomputes every amount, cap and budget. Prints the head (last
id and hash) to be written down; given one written down earlier (ID:HASH, an anchor), checks
that line is still there with that hash: a chain alone cannot show lines cut off its end, or a
ledger rewritten and rehashed whole. Exits 0 if the chain (and the anchor) hold, 1 naming what
does not, 2 on bad usage."""
import hashlib
import json
import sqlite3
import sys


def own_id(line):
    """The id a line says it has, or None if it cannot be read."""
    try:
        if line[:1] == b"[":
            items = json.loads(line.decode("utf-8"))
            return items[1] if isinstance(items, list) and len(items) == 20 \
                and type(items[1]) is int else None
        return int(line[1:11])
    except (ValueError, UnicodeDecodeError):
        return None


def main():
    if len(sys.argv) not in (2, 3):
        print("usage: ledger-chain-check.py DB [ID:HASH]", file=sys.stderr)
        return 2
    anchor = None
    if len(sys.argv) == 3:
        want_id, _, want_hash = sys.argv[2].partition(":")
        if not want_id.isdigit() or int(want_id) < 1 or len(want_hash) != 64 \
                or any(c not in "0123456789abcdef" for c in want_hash):
            print("锚点应写作“行号:哈希”：%s" % sys.argv[2], file=sys.stderr)
            return 2
        anchor = (int(want_id), want_hash)
    db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
    prev, lines, older, anchored = "0" * 64, 0, 0, False
    for row_id, stored, line in db.execute("SELECT id, hash, line FROM payouts ORDER BY id"):
        line = bytes(line)
        if row_id != lines + 1 or own_id(line) != row_id:
            print("第 %d 行：编号不连续" % row_id)
            return 1
        if line[:1] in (b"3", b"["):
            # before a line of format 4, the previous hash's 32 bytes; of format 3, its hex
            try:
                link = bytes.fromhex(prev) if line[:1] == b"[" else prev.encode("ascii")
            except ValueError:
                link = None
            if link is None or len(link) not in (32, 64):
                print("第 %d 行：前一行的哈希不是 64 位十六进制" % row_id)
                return 1
            if hashlib.sha256(link + line).hexdigest() != stored:
                print("第 %d 行：哈希链断裂" % row_id)
                return 1
        else:
            older += 1
        if anchor and anchor[0] == row_id:
            if stored != anchor[1]:
                print("第 %d 行的哈希与抄录的锚点不符：这一行或它之前的行被改写过" % row_id)
                return 1
            anchored = True
        prev, lines = stored, lines + 1
    print("哈希链完好：共 %d 行（其中 %d 行为旧格式，由 hqd ledger verify 校验）" % (lines, older))
    if lines:
        print("末行：%d:%s" % (lines, prev))
    if anchor and not anchored:
        print("账本没有第 %d 行（现有 %d 行）：锚点抄录之后，账本末尾的行被删去了" % (anchor[0], lines))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
