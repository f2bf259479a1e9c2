#!/usr/bin/python3
"""Turns the incentive benchmark's entities.csv (../shared/bench/rules/gen.py) into hqd's import
files, so that `hqd entity import` loads the same entities the baselines read.

    rules_csv.py ENTITIES_CSV OUT_DIR

Writes OUT_DIR/entities.csv (统一社会信用代码,名称,类别,区内,行业: entity id N gets the USCC
91410700 + N as nine digits + its GB 32100-2015 check character; every entity is an institution
(机构), the one kind all four clauses accept) and OUT_DIR/facts.csv, a wide facts file
(统一社会信用代码,来源,日期, then one column per fact). gen.py's amount2 is the amount of the
tech-transfer-in clause, so its column is the clause-qualified fact tech-transfer-in.amount.
"""
import csv
import sys

CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def uscc(n):
    body = "91410700%09d" % n
    s = sum(CHARS.index(c) * w for c, w in zip(body, WEIGHTS))
    return body + CHARS[(31 - s % 31) % 31]


def main():
    src, out = sys.argv[1], sys.argv[2]
    facts = ["price", "amount", "tech-transfer-in.amount", "patents", "equipment_certified",
             "buyer_in_province", "contract_registered", "tech_from_outside_city",
             "undertaker_in_zone", "institution_registered"]
    with open(src, newline="") as f, \
            open(out + "/entities.csv", "w", newline="") as ent, \
            open(out + "/facts.csv", "w", newline="") as fac:
        r = csv.reader(f)
        header = next(r)
        assert header[0] == "id" and len(header) == 11, header
        ent.write("统一社会信用代码,名称,类别,区内,行业\n")
        fac.write("统一社会信用代码,来源,日期," + ",".join(facts) + "\n")
        for row in r:
            code = uscc(int(row[0]))
            ent.write("%s,测试主体%s,机构,是,测试\n" % (code, row[0]))
            fac.write("%s,自行申报,2020-06-30,%s\n" % (code, ",".join(row[1:])))


if __name__ == "__main__":
    main()
