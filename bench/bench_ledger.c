/* The payout ledger's verifier at scale: `hqd ledger verify` replays every line (hash chain,
 * inputs hash, the award recomputed from its inputs and pack, yearly caps, budgets, reversals).
 *
 *     bench_ledger DB [LINES]     (default 1,000,000)
 *
 * Builds DB once (kept for later runs): 10,000 institutions and LINES approved applications of
 * the example pack's clauses (技术合同 with contract numbers, 专利转移 under the yearly cap,
 * 首台(套)), one in fifty reversed, written through award_apply and award_decide in
 * transactions of 5,000. Then times award_ledger_verify (best of three), which must find the
 * ledger sound and total what was written. Goal: ≥ 1,000,000 lines/s. The verifier reads on one
 * thread and replays on another (on one CPU it reads and replays in turn on one thread);
 * bench/run.sh also runs it pinned to one core. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_clock.h"

#include "award/award.h"
#include "base/clock.h"
#include "base/date.h"
#include "entity/entity.h"
#include "policy/policy.h"
#include "store/store.h"

#define ENTITIES 10000

/* Institution n's USCC: 52410700 + n as nine digits + its check character. */
static void uscc(int n, char out[19])
{
    snprintf(out, 19, "52410700%09u", (unsigned)n % 1000000000u); /* nine digits */
    out[17] = entity_uscc_check_char(out);
    out[18] = '\0';
}

static int build(struct store *s, long lines)
{
    struct err e = {0};
    size_t cap = 64 + (size_t)ENTITIES * 64, len = 0;
    char *csv = malloc(cap);
    len += (size_t)snprintf(csv + len, cap - len, "uscc,name,kind,in_zone,industry\n");
    for (int i = 1; i <= ENTITIES; i++) {
        char c[19];
        uscc(i, c);
        len += (size_t)snprintf(csv + len, cap - len, "%s,机构%d,机构,是,服务\n", c, i);
    }
    struct entity_import_report rep;
    if (entity_import_csv(s, "bench", csv, len, "bench.csv", NULL, &rep, &e) != ST_OK) {
        fprintf(stderr, "bench_ledger: %s\n", e.msg);
        return 1;
    }
    free(csv);
    int64_t t0 = bench_ns();
    long written = 0, payout = 0;
    uint64_t rng = 1;
    while (written < lines) {
        if (store_begin(s, &e) != ST_OK)
            break;
        for (int k = 0; k < 5000 && written < lines; k++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            int who = 1 + (int)((rng >> 33) % ENTITIES);
            char c[19], a[32], no[32];
            uscc(who, c);
            struct policy_input in[4];
            size_t n = 0;
            const char *clause;
            int kind = (int)((rng >> 20) % 3);
            snprintf(a, sizeof a, "%d.%02d", (int)((rng >> 40) % 20000000),
                     (int)((rng >> 8) % 100));
            if (kind == 0) {
                clause = "tech-contract";
                snprintf(no, sizeof no, "HT-%ld", written);
                in[n++] = (struct policy_input){"amount", a};
                in[n++] = (struct policy_input){"contract_registered", "是"};
                in[n++] = (struct policy_input){"contract_no", no};
            } else if (kind == 1) {
                clause = "ip-transfer";
                in[n++] = (struct policy_input){"patents", "1"};
                in[n++] = (struct policy_input){"institution_registered", "是"};
            } else {
                clause = "first-set-equipment";
                snprintf(no, sizeof no, "SB-%ld", written);
                in[n++] = (struct policy_input){"price", a};
                in[n++] = (struct policy_input){"equipment_no", no};
                in[n++] = (struct policy_input){"equipment_certified", "是"};
                in[n++] = (struct policy_input){"buyer_in_province", "是"};
            }
            struct award_outcome o;
            struct date on = {2020 + (int)((rng >> 50) % 3), 6, 1};
            if (award_apply(s, "bench", c, clause, in, n, on, &o, &e) != ST_OK)
                goto fail;
            enum status st = award_decide(s, "bench", o.id, 1, NULL, &o, &e);
            if (st == ST_UNPROCESSABLE) /* nothing payable (the yearly cap) */
                continue;
            if (st != ST_OK)
                goto fail;
            if (!o.payout_id)
                continue;
            written++;
            payout = o.payout_id;
            if (written % 50 == 0 && written < lines) {
                int64_t rid;
                if (award_reverse(s, "bench", payout, "抽查追回", &rid, &e) != ST_OK)
                    goto fail;
                written++;
            }
        }
        if (store_commit(s, &e) != ST_OK)
            break;
        if (written % 100000 < 5000)
            fprintf(stderr, "bench_ledger: %ld lines written (%" PRId64 " s)\n", written,
                    (bench_ns() - t0) / 1000000000);
    }
    return 0;
fail:
    fprintf(stderr, "bench_ledger: %s %s\n", e.where, e.msg);
    store_rollback(s);
    return 1;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_ledger DB [LINES]\n");
        return 2;
    }
    long lines = argc > 2 ? strtol(argv[2], NULL, 10) : 1000000;
    setenv("HQD_NOW", "2022-12-31T00:00:00Z", 1);
    int fresh = access(argv[1], F_OK) != 0;
    struct store *s;
    struct err e = {0};
    if (store_open(argv[1], &s, &e) != ST_OK) {
        fprintf(stderr, "bench_ledger: %s\n", e.msg);
        return 1;
    }
    if (fresh) {
        int64_t t0 = bench_ns();
        if (build(s, lines)) {
            store_close(s);
            unlink(argv[1]);
            return 1;
        }
        printf("built %ld ledger lines through award_apply/award_decide in %" PRId64 " s\n", lines,
               (bench_ns() - t0) / 1000000000);
    }
    struct award_verify v;
    int64_t best = INT64_MAX, best_cpu = 0; /* ns */
    for (int rep = 0; rep < 3; rep++) {
        int64_t t0 = bench_ns(), c0 = bench_cpu_ns();
        if (award_ledger_verify(s, &v, &e) != ST_OK) {
            fprintf(stderr, "bench_ledger: %s\n", e.msg);
            return 1;
        }
        int64_t t = bench_ns() - t0;
        if (t < best) {
            best = t;
            best_cpu = bench_cpu_ns() - c0;
        }
    }
    store_close(s);
    if (v.bad_line) {
        fprintf(stderr, "bench_ledger: line %" PRId64 ": %s\n", v.bad_line, v.problem);
        return 1;
    }
    /* Integer arithmetic throughout: ms, lines/s, and the ratio to the goal in hundredths. */
    int64_t per_s = bench_per_s((int64_t)v.lines, best);
    printf("ledger verify: %zu lines, total %" PRId64 " fen, in %" PRId64 " ms = %" PRId64
           " lines/s (goal 1,000,000: ratio %" PRId64 ".%02" PRId64 ")\n",
           v.lines, v.total_fen, best / 1000000, per_s, per_s / 1000000, per_s / 10000 % 100);
    /* What one core could do at most: the CPU time of every thread per line. */
    int64_t cpu_per_line = v.lines ? best_cpu / (int64_t)v.lines : 0;
    printf("  CPU of all its threads %" PRId64 " ms = %" PRId64 ".%02" PRId64 " us per line\n",
           best_cpu / 1000000, cpu_per_line / 1000, cpu_per_line % 1000 / 10);
    return 0;
}
