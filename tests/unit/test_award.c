/* Applications and the payout ledger: yearly caps enforced across approvals (also when they run
 * at once on separate connections), reversals, and a verifier that catches tampering. */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "award/award.h"
#include "base/clock.h"
#include "entity/entity.h"
#include "policy/policy.h"
#include "store/store.h"

static const struct date ON = {2020, 9, 1};
static const char INST[] = "52410700MA4KX0012C";
static const char FIRM[] = "91410700MA44XW1K27";

struct fx {
    char dir[64], db[128];
    struct store *s;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/hqd-test-award-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->db, sizeof f->db, "%s/hqd.db", f->dir);
    struct err e = {0};
    if (store_open(f->db, &f->s, &e) != ST_OK)
        return -1;
    const char *csv = "uscc,name,kind,in_zone,industry\n"
                      "52410700MA4KX0012C,知识产权服务中心,机构,是,服务\n"
                      "91410700MA44XW1K27,装备公司,企业,是,装备制造\n";
    struct entity_import_report rep;
    if (entity_import_csv(f->s, "test", csv, strlen(csv), "t.csv", &rep, &e) != ST_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static int64_t apply_patents(struct store *s, int patents, int64_t *amount)
{
    char v[16];
    snprintf(v, sizeof v, "%d", patents);
    struct policy_input in[] = {{"patents", v}, {"institution_registered", "是"}};
    struct award_outcome o;
    struct err e = {0};
    if (award_apply(s, "clerk", INST, "ip-transfer", in, 2, ON, &o, &e) != ST_OK)
        fail_msg("apply: %s", e.msg);
    if (amount)
        *amount = o.amount_fen;
    return o.id;
}

static int64_t approve(struct store *s, int64_t id)
{
    struct award_outcome o;
    struct err e = {0};
    if (award_decide(s, "office", id, 1, NULL, &o, &e) != ST_OK)
        fail_msg("approve %lld: %s", (long long)id, e.msg);
    return o.amount_fen;
}

static void verify_ok(struct store *s, size_t lines, int64_t total)
{
    struct award_verify v;
    struct err e = {0};
    assert_int_equal(award_ledger_verify(s, &v, &e), ST_OK);
    if (v.bad_line)
        fail_msg("line %lld: %s", (long long)v.bad_line, v.problem);
    assert_int_equal(v.lines, lines);
    assert_int_equal(v.total_fen, total);
}

/* The 20th patent of the year earns 10,000.00, the 21st nothing; the ledger, not the
 * applicant, knows what was received. */
static void yearly_cap_across_approvals(void **state)
{
    struct fx *f = *state;
    int64_t a;
    assert_int_equal(approve(f->s, apply_patents(f->s, 19, &a)), 19000000);
    assert_int_equal(a, 19000000);
    int64_t twentieth = apply_patents(f->s, 1, &a);
    int64_t twenty_first = apply_patents(f->s, 1, &a);
    assert_int_equal(a, 1000000); /* computed on submission: nothing approved since */
    assert_int_equal(approve(f->s, twentieth), 1000000);
    struct award_outcome o;
    struct err e = {0};
    assert_int_equal(award_decide(f->s, "office", twenty_first, 1, NULL, &o, &e), ST_OK);
    assert_int_equal(o.amount_fen, 0);
    assert_int_equal(o.payout_id, 0);
    assert_non_null(strstr(o.explanation, "已达上限"));
    verify_ok(f->s, 2, 20000000);
    /* Decided twice, rejected without a reason, the wrong kind of applicant. */
    assert_int_equal(award_decide(f->s, "office", twentieth, 1, NULL, &o, &e), ST_CONFLICT);
    assert_int_equal(award_decide(f->s, "office", apply_patents(f->s, 1, NULL), 0, "", &o, &e),
                     ST_INVALID);
    struct policy_input in[] = {{"patents", "1"}, {"institution_registered", "1"}};
    assert_int_equal(award_apply(f->s, "clerk", FIRM, "ip-transfer", in, 2, ON, &o, &e),
                     ST_UNPROCESSABLE);
    assert_int_equal(
        award_apply(f->s, "clerk", "914403001922038216", "ip-transfer", in, 2, ON, &o, &e),
        ST_NOT_FOUND);
    /* Another year starts from nothing. */
    assert_int_equal(
        award_apply(f->s, "clerk", INST, "ip-transfer", in, 2, (struct date){2021, 3, 1}, &o, &e),
        ST_OK);
    assert_int_equal(o.amount_fen, 1000000);
}

static void reversal_frees_the_cap(void **state)
{
    struct fx *f = *state;
    approve(f->s, apply_patents(f->s, 20, NULL));
    int64_t a;
    apply_patents(f->s, 1, &a);
    assert_int_equal(a, 0);
    int64_t rid;
    struct err e = {0};
    assert_int_equal(award_reverse(f->s, "office", 1, "", &rid, &e), ST_INVALID);
    assert_int_equal(award_reverse(f->s, "office", 1, "专利转移不实", &rid, &e), ST_OK);
    assert_int_equal(rid, 2);
    assert_int_equal(award_reverse(f->s, "office", 1, "再次", &rid, &e), ST_CONFLICT);
    assert_int_equal(award_reverse(f->s, "office", 2, "追回的追回", &rid, &e), ST_CONFLICT);
    assert_int_equal(approve(f->s, apply_patents(f->s, 2, NULL)), 2000000);
    verify_ok(f->s, 3, 2000000);
}

static int exec(struct store *s, const char *sql)
{
    struct store_stmt *q;
    struct err e = {0};
    if (store_prepare(s, sql, &q, &e) != ST_OK)
        return -1;
    return store_run(q, &e) == ST_OK ? 0 : -1;
}

static void verifier_catches_tampering(void **state)
{
    struct fx *f = *state;
    approve(f->s, apply_patents(f->s, 5, NULL));
    approve(f->s, apply_patents(f->s, 5, NULL));
    verify_ok(f->s, 2, 10000000);
    struct award_verify v;
    struct err e = {0};
    /* An edited amount breaks the chain. */
    assert_int_equal(exec(f->s, "UPDATE payouts SET amount_fen = 6000000 WHERE id = 1"), 0);
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 1);
    assert_non_null(strstr(v.problem, "哈希链"));
    assert_int_equal(exec(f->s, "UPDATE payouts SET amount_fen = 5000000 WHERE id = 1"), 0);
    verify_ok(f->s, 2, 10000000);
    /* Edited inputs no longer match the hash the line recorded. */
    assert_int_equal(exec(f->s, "UPDATE applications SET inputs = '{\"institution_registered\":"
                                "\"是\",\"patents\":\"9\"}' WHERE id = 2"),
                     0);
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 2);
    assert_non_null(strstr(v.problem, "输入"));
}

/* Many approvals at once, each on its own connection: the cap is never overdrawn. */
struct racer {
    const char *db;
    int64_t first, count;
    int64_t paid;
};

static void *race(void *arg)
{
    struct racer *r = arg;
    struct store *s;
    struct err e = {0};
    if (store_open(r->db, &s, &e) != ST_OK)
        return NULL;
    for (int64_t id = r->first; id < r->first + r->count; id++) {
        struct award_outcome o;
        if (award_decide(s, "office", id, 1, NULL, &o, &e) == ST_OK)
            r->paid += o.amount_fen;
    }
    store_close(s);
    return NULL;
}

static void concurrent_approvals_respect_the_cap(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < 48; i++)
        apply_patents(f->s, 1, NULL);
    pthread_t t[8];
    struct racer r[8];
    for (int i = 0; i < 8; i++) {
        r[i] = (struct racer){f->db, 1 + i * 6, 6, 0};
        assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
    }
    int64_t paid = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        paid += r[i].paid;
    }
    assert_int_equal(paid, 20000000);
    verify_ok(f->s, 20, 20000000);
}

int main(void)
{
    setenv("HQD_NOW", "2020-09-01T02:00:00Z", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(yearly_cap_across_approvals, setup, teardown),
        cmocka_unit_test_setup_teardown(reversal_frees_the_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(verifier_catches_tampering, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_approvals_respect_the_cap, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
