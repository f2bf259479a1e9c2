/* The rules engine: golden awards in fen at every cap and rounding boundary of the seed's
 * clauses, an independent rational oracle over a million random cases, cap properties, and the
 * load-time checks that reject bad packs with a file, line and column. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/hash.h"
#include "base/money.h"
#include "policy/policy.h"

static const struct date ON = {2020, 9, 1};

static int setup(void **state)
{
    struct policy_pack *p;
    struct err e = {0};
    if (policy_pack_example(&p, &e) != ST_OK) {
        fprintf(stderr, "%s: %s\n", e.where, e.msg);
        return -1;
    }
    *state = p;
    return 0;
}

static int teardown(void **state)
{
    policy_pack_free(*state);
    return 0;
}

/* Computes clause with "name=value" inputs; returns the status and fills r. */
static enum status calc(const struct policy_pack *p, const char *clause, int64_t year_awarded,
                        struct policy_result *r, struct err *e, ...)
{
    struct policy_input in[8];
    char buf[8][96];
    size_t n = 0;
    va_list ap;
    va_start(ap, e);
    for (const char *kv; (kv = va_arg(ap, const char *)) && n < 8; n++) {
        snprintf(buf[n], sizeof buf[n], "%s", kv);
        char *eq = strchr(buf[n], '=');
        *eq = '\0';
        in[n].name = buf[n];
        in[n].value = eq + 1;
    }
    va_end(ap);
    return policy_calc(p, clause, in, n, ON, year_awarded, r, e);
}

static int64_t award(const struct policy_pack *p, const char *clause, int64_t year_awarded,
                     const char *kv1, const char *kv2, const char *kv3)
{
    struct policy_result r;
    struct err e = {0};
    enum status st = calc(p, clause, year_awarded, &r, &e, kv1, kv2, kv3, NULL);
    if (st != ST_OK)
        fail_msg("%s: %s %s", clause, e.where, e.msg);
    int64_t fen = r.amount_fen;
    policy_result_cleanup(&r);
    return fen;
}

static void golden_awards(void **state)
{
    const struct policy_pack *p = *state;
    /* (b) 1% of a certified contract, at most 100,000.00 per contract. */
    assert_int_equal(
        award(p, "tech-contract", 0, "amount=10000000.00", "contract_registered=1", NULL),
        10000000);
    assert_int_equal(
        award(p, "tech-contract", 0, "amount=10000000.01", "contract_registered=1", NULL),
        10000000);
    assert_int_equal(
        award(p, "tech-contract", 0, "amount=9999999.49", "contract_registered=1", NULL), 9999999);
    assert_int_equal(
        award(p, "tech-contract", 0, "amount=9999999.50", "contract_registered=1", NULL), 10000000);
    assert_int_equal(award(p, "tech-contract", 0, "amount=8650000", "contract_registered=是", NULL),
                     8650000);
    /* Half a fen rounds up (四舍五入); just under half rounds down. */
    assert_int_equal(award(p, "tech-contract", 0, "amount=0.50", "contract_registered=1", NULL), 1);
    assert_int_equal(award(p, "tech-contract", 0, "amount=0.49", "contract_registered=1", NULL), 0);
    /* (a) 5% of the purchase price, no cap. */
    assert_int_equal(award(p, "first-set-equipment", 0, "price=0.10", "equipment_certified=1",
                           "buyer_in_province=1"),
                     1);
    assert_int_equal(award(p, "first-set-equipment", 0, "price=0.09", "equipment_certified=1",
                           "buyer_in_province=1"),
                     0);
    assert_int_equal(award(p, "first-set-equipment", 0, "price=99999999.99",
                           "equipment_certified=1", "buyer_in_province=1"),
                     500000000);
    /* (c) at least 10%, at most 1,000,000.00. */
    assert_int_equal(award(p, "tech-transfer-in", 0, "amount=10000000", "tech_from_outside_city=1",
                           "undertaker_in_zone=1"),
                     100000000);
    assert_int_equal(award(p, "tech-transfer-in", 0, "amount=9999999.94",
                           "tech_from_outside_city=1", "undertaker_in_zone=1"),
                     99999999);
    assert_int_equal(award(p, "tech-transfer-in", 0, "amount=9999999.95",
                           "tech_from_outside_city=1", "undertaker_in_zone=1"),
                     100000000);
    assert_int_equal(award(p, "tech-transfer-in", 0, "amount=20000000", "tech_from_outside_city=1",
                           "undertaker_in_zone=1"),
                     100000000);
    /* (d) 10,000.00 a patent, at most 200,000.00 per institution per year: the 20th patent of
     * the year earns 10,000.00, the 21st nothing. */
    assert_int_equal(
        award(p, "ip-transfer", 190000 * 100, "patents=1", "institution_registered=1", NULL),
        1000000);
    assert_int_equal(
        award(p, "ip-transfer", 200000 * 100, "patents=1", "institution_registered=1", NULL), 0);
    assert_int_equal(award(p, "ip-transfer", 0, "patents=21", "institution_registered=1", NULL),
                     20000000);
    assert_int_equal(award(p, "ip-transfer", 0, "patents=0", "institution_registered=1", NULL), 0);
}

static void explanations_cite_and_name_caps(void **state)
{
    const struct policy_pack *p = *state;
    struct policy_result r;
    struct err e = {0};
    assert_int_equal(
        calc(p, "tech-contract", 0, &r, &e, "amount=8650000.00", "contract_registered=true", NULL),
        ST_OK);
    assert_true(r.eligible);
    assert_null(r.capped_by);
    assert_non_null(strstr(r.explanation, "技术交易额 8,650,000.00元 × 1% = 86,500.00元"));
    assert_non_null(strstr(r.explanation, "未超过每项合同100,000.00元上限"));
    assert_non_null(strstr(r.explanation, "新开〔2020〕28号 二/(一)/2/一是"));
    policy_result_cleanup(&r);

    assert_int_equal(
        calc(p, "tech-contract", 0, &r, &e, "amount=20000000", "contract_registered=1", NULL),
        ST_OK);
    assert_string_equal(r.capped_by, "item");
    assert_int_equal(r.uncapped_fen, 20000000);
    assert_int_equal(r.amount_fen, 10000000);
    assert_non_null(strstr(r.explanation, "超过每项合同100,000.00元上限"));
    /* The same as a tree of steps: in force, the condition, the formula, the cap that bound,
     * the result, the citation. */
    static const char *const kinds[] = {"effective", "condition", "formula",
                                        "cap",       "result",    "cite"};
    static const int ok[] = {1, 1, 1, 0, 1, 1};
    static const int64_t fen[] = {-1, -1, 20000000, 10000000, 10000000, -1};
    assert_int_equal(r.n_steps, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(r.steps[i].kind, kinds[i]);
        assert_int_equal(r.steps[i].ok, ok[i]);
        assert_int_equal(r.steps[i].fen, fen[i]);
    }
    assert_string_equal(r.steps[2].text, "技术交易额 20,000,000.00元 × 1% = 200,000.00元");
    assert_non_null(strstr(r.steps[5].text, "每项合同奖励最高不超过10万元"));
    policy_result_cleanup(&r);
    /* A refusal's steps say which condition failed. */
    assert_int_equal(
        calc(p, "tech-contract", 0, &r, &e, "amount=100", "contract_registered=否", NULL), ST_OK);
    assert_false(r.eligible);
    assert_string_equal(r.steps[1].kind, "condition");
    assert_int_equal(r.steps[1].ok, 0);
    assert_string_equal(r.steps[1].text, "技术合同经认定登记：否");
    policy_result_cleanup(&r);

    assert_int_equal(
        calc(p, "ip-transfer", 200000 * 100, &r, &e, "patents=1", "institution_registered=1", NULL),
        ST_OK);
    assert_string_equal(r.capped_by, "entity-year");
    assert_non_null(strstr(r.explanation, "已达上限"));
    policy_result_cleanup(&r);

    /* A left-out condition is not met, and is named as missing; so is a missing base. */
    assert_int_equal(calc(p, "tech-transfer-in", 0, &r, &e, "tech_from_outside_city=1", NULL),
                     ST_OK);
    assert_false(r.eligible);
    assert_int_equal(r.amount_fen, 0);
    assert_int_equal(r.n_missing, 2);
    assert_string_equal(r.missing[0], "undertaker_in_zone");
    assert_string_equal(r.missing[1], "amount");
    assert_non_null(strstr(r.explanation, "技术承接单位在高新区内"));
    policy_result_cleanup(&r);

    /* A condition given as false is not met, but nothing is missing. */
    assert_int_equal(
        calc(p, "tech-contract", 0, &r, &e, "amount=100", "contract_registered=否", NULL), ST_OK);
    assert_false(r.eligible);
    assert_int_equal(r.n_missing, 0);
    assert_non_null(strstr(r.explanation, "为否"));
    policy_result_cleanup(&r);

    /* Before the plan was signed the clause was not in force. */
    struct policy_input in[] = {{"amount", "100"}, {"contract_registered", "1"}};
    assert_int_equal(policy_calc(p, "tech-contract", in, 2, (struct date){2020, 3, 30}, 0, &r, &e),
                     ST_OK);
    assert_false(r.eligible);
    assert_non_null(strstr(r.explanation, "有效期"));
    policy_result_cleanup(&r);
}

static void parameters_and_bounds(void **state)
{
    const struct policy_pack *p = *state;
    struct policy_result r;
    struct err e = {0};
    /* The voucher share is left to the administration: using it unset is an error. */
    assert_int_equal(calc(p, "innovation-voucher", 0, &r, &e, "cost=1000", "tech_sme=1", NULL),
                     ST_UNPROCESSABLE);
    assert_string_equal(e.where, "voucher_share");
    assert_non_null(strstr(e.msg, "尚未由管委会设定"));
    /* A trial value inside the bound computes; 8% is below the plan's 不低于10%. */
    assert_int_equal(award(p, "tech-transfer-in", 0, "amount=1000", "tech_from_outside_city=1",
                           "undertaker_in_zone=1"),
                     10000);
    assert_int_equal(calc(p, "tech-transfer-in", 0, &r, &e, "amount=1000", "transfer_rate=12%",
                          "tech_from_outside_city=1", "undertaker_in_zone=1", NULL),
                     ST_OK);
    assert_int_equal(r.amount_fen, 12000);
    policy_result_cleanup(&r);
    assert_int_equal(calc(p, "tech-transfer-in", 0, &r, &e, "amount=1000", "transfer_rate=8%",
                          "tech_from_outside_city=1", "undertaker_in_zone=1", NULL),
                     ST_UNPROCESSABLE);
    assert_non_null(strstr(e.msg, "≥ 10%"));
    /* Bad inputs name themselves. */
    assert_int_equal(calc(p, "tech-contract", 0, &r, &e, "amount=1.234", NULL), ST_INVALID);
    assert_string_equal(e.where, "amount");
    assert_int_equal(calc(p, "tech-contract", 0, &r, &e, "amount=-5", NULL), ST_INVALID);
    assert_int_equal(calc(p, "tech-contract", 0, &r, &e, "colour=red", NULL), ST_INVALID);
    assert_string_equal(e.where, "colour");
    assert_int_equal(calc(p, "ip-transfer", 0, &r, &e, "patents=2.5", NULL), ST_INVALID);
    assert_int_equal(calc(p, "no-such-clause", 0, &r, &e, NULL), ST_NOT_FOUND);
}

/* splitmix64: reproducible random numbers. */
static uint64_t rng_state = 42;
static uint64_t next_rand(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* The oracle: round(base × num / den) half up, as one floor of a doubled fraction. */
static int64_t oracle(int64_t base, int64_t num, int64_t den, int yuan)
{
    unsigned __int128 unit = yuan ? 100 : 1;
    unsigned __int128 x = (unsigned __int128)base * (uint64_t)num * 2 + (uint64_t)den * unit;
    return (int64_t)(x / ((unsigned __int128)den * unit * 2) * unit);
}

static void kernel_agrees_with_oracle(void **state)
{
    (void)state;
    for (long i = 0; i < 1000000; i++) {
        uint64_t r = next_rand();
        int digits = 1 + (int)(r % 15); /* 1 fen .. ~10^13 yuan */
        int64_t mod = 1;
        for (int k = 0; k < digits; k++)
            mod *= 10;
        int64_t base = (int64_t)(next_rand() % (uint64_t)mod);
        int64_t den = 1 + (int64_t)(next_rand() % 100000);
        int64_t num = 1 + (int64_t)(next_rand() % (uint64_t)den);
        int yuan = (int)(r >> 40) & 1;
        int64_t got;
        assert_int_equal(
            policy_mul_rate(base, num, den, yuan ? POLICY_ROUND_YUAN : POLICY_ROUND_FEN, &got),
            ST_OK);
        if (got != oracle(base, num, den, yuan))
            fail_msg("%lld × %lld/%lld (%s): %lld, oracle %lld", (long long)base, (long long)num,
                     (long long)den, yuan ? "yuan" : "fen", (long long)got,
                     (long long)oracle(base, num, den, yuan));
    }
    int64_t out;
    assert_int_equal(policy_mul_rate(INT64_MAX, 2, 1, POLICY_ROUND_FEN, &out), ST_LIMIT);
}

/* No award exceeds its cap; a year of applications never sums past the yearly cap. */
static void caps_hold_on_random_inputs(void **state)
{
    const struct policy_pack *p = *state;
    char amount[48], patents[48];
    for (int i = 0; i < 20000; i++) {
        uint64_t r = next_rand();
        snprintf(amount, sizeof amount, "amount=%llu.%02llu",
                 (unsigned long long)(r % 100000000000ull), (unsigned long long)((r >> 50) % 100));
        int64_t a = award(p, "tech-contract", 0, amount, "contract_registered=1", NULL);
        assert_true(a >= 0 && a <= 10000000);
        a = award(p, "tech-transfer-in", 0, amount, "tech_from_outside_city=1",
                  "undertaker_in_zone=1");
        assert_true(a >= 0 && a <= 100000000);
    }
    for (int year = 0; year < 500; year++) {
        int64_t sum = 0;
        int apps = 1 + (int)(next_rand() % 30);
        for (int k = 0; k < apps; k++) {
            snprintf(patents, sizeof patents, "patents=%d", (int)(next_rand() % 9));
            int64_t a = award(p, "ip-transfer", sum, patents, "institution_registered=1", NULL);
            assert_true(a >= 0);
            sum += a;
            assert_true(sum <= 20000000);
        }
    }
}

/* The benchmark workload (../shared/bench/rules/gen.py's specification, N = 100,000, seed 42)
 * through the example pack: its README states 121,862 eligible pairs and 1,735,182,718,606 fen,
 * computed independently in Python integers. */
static void benchmark_workload_totals(void **state)
{
    const struct policy_pack *p = *state;
    static const int64_t edges[16] = {
        0,  1,   4,         5,         9,         10,        49,         50,
        99, 100, 999999949, 999999950, 999999994, 999999995, 1000000000, 1000000001};
    static const unsigned thresholds[6] = {96, 160, 128, 96, 160, 64};
    uint64_t saved = rng_state;
    rng_state = 42;
    long pairs = 0;
    int64_t total = 0;
    for (int id = 1; id <= 100000; id++) {
        uint64_t v[5];
        for (int k = 0; k < 5; k++)
            v[k] = next_rand();
        int64_t money[3];
        for (int k = 0; k < 3; k++) {
            uint64_t m = v[1 + k];
            if ((m & 63) == 0) {
                money[k] = edges[(m >> 6) & 15];
            } else {
                uint64_t mod = 1;
                for (unsigned d = 0; d < 3 + ((m >> 6) & 7); d++)
                    mod *= 10;
                money[k] = 1 + (int64_t)((m >> 9) % (mod - 1));
            }
        }
        int f[6];
        for (int k = 0; k < 6; k++)
            f[k] = ((v[0] >> (8 * k)) & 255) < thresholds[k];
        char a[6][48];
        snprintf(a[0], sizeof a[0], "price=%lld.%02lld", (long long)(money[0] / 100),
                 (long long)(money[0] % 100));
        snprintf(a[1], sizeof a[1], "amount=%lld.%02lld", (long long)(money[1] / 100),
                 (long long)(money[1] % 100));
        snprintf(a[2], sizeof a[2], "amount=%lld.%02lld", (long long)(money[2] / 100),
                 (long long)(money[2] % 100));
        snprintf(a[3], sizeof a[3], "patents=%d", (int)(v[4] % 41));
        char fl[6][40];
        static const char *const names[6] = {"equipment_certified", "buyer_in_province",
                                             "contract_registered", "tech_from_outside_city",
                                             "undertaker_in_zone",  "institution_registered"};
        for (int k = 0; k < 6; k++)
            snprintf(fl[k], sizeof fl[k], "%s=%d", names[k], f[k]);
        struct policy_result r[4];
        struct err e = {0};
        assert_int_equal(calc(p, "first-set-equipment", 0, &r[0], &e, a[0], fl[0], fl[1], NULL),
                         ST_OK);
        assert_int_equal(calc(p, "tech-contract", 0, &r[1], &e, a[1], fl[2], NULL), ST_OK);
        assert_int_equal(calc(p, "tech-transfer-in", 0, &r[2], &e, a[2], fl[3], fl[4], NULL),
                         ST_OK);
        assert_int_equal(calc(p, "ip-transfer", 0, &r[3], &e, a[3], fl[5], NULL), ST_OK);
        for (int k = 0; k < 4; k++) {
            pairs += r[k].eligible;
            total += r[k].amount_fen;
            policy_result_cleanup(&r[k]);
        }
    }
    rng_state = saved;
    assert_int_equal(pairs, 121862);
    assert_int_equal(total, 1735182718606LL);
}

/* ---------------------------------------------------------------- load-time checks */

static const char *const HEAD = "pack 测试\nversion 1\n";

static const char *const GOOD_CLAUSE = "clause c\n"
                                       "  title t\n"
                                       "  cite 新开〔2020〕28号 二/(一)/2\n"
                                       "  quote q\n"
                                       "  effective 2020-03-31 -\n"
                                       "  applicants enterprise\n"
                                       "  input amount money 金额（元）\n"
                                       "  input ok bool 条件\n"
                                       "  require ok\n"
                                       "  award amount * 1%\n"
                                       "end\n";

/* Loads HEAD + body and checks the error location and message. */
static void expect_bad(const char *body, const char *where, const char *msg_part)
{
    char text[2048];
    snprintf(text, sizeof text, "%s%s", HEAD, body);
    struct policy_pack *p = NULL;
    struct err e = {0};
    enum status st = policy_pack_load(text, strlen(text), "t.pack", &p, &e);
    if (st != ST_INVALID)
        fail_msg("accepted a bad pack (wanted %s): %s", where, body);
    assert_null(p);
    if (strcmp(e.where, where) != 0)
        fail_msg("where: got \"%s\", wanted \"%s\" (%s)", e.where, where, e.msg);
    if (!strstr(e.msg, msg_part))
        fail_msg("message \"%s\" lacks \"%s\"", e.msg, msg_part);
}

/* deadline N 说明: the clause's 兑现时限, said in its rule; a clause without one has none. */
static void deadline_is_read(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof text, "%s%.*s  deadline 15 自受理之日起15个工作日内办结\nend\n%s", HEAD,
             (int)(strlen(GOOD_CLAUSE) - 4), GOOD_CLAUSE,
             "clause d\n  title t\n  cite x 一\n"
             "  quote q\n  effective 2020-03-31 -\n  applicants enterprise\n"
             "  input n count 件\n  award n * 10.00\nend\n");
    struct policy_pack *p;
    struct err e = {0};
    if (policy_pack_load(text, strlen(text), "t.pack", &p, &e) != ST_OK)
        fail_msg("%s %s", e.where, e.msg);
    const char *label = NULL;
    assert_int_equal(policy_clause_deadline(p, 0, &label), 15);
    assert_string_equal(label, "自受理之日起15个工作日内办结");
    assert_int_equal(policy_clause_deadline(p, 1, &label), 0);
    assert_string_equal(label, "");
    char rule[4096];
    policy_clause_rule(p, 0, rule, sizeof rule);
    assert_non_null(strstr(rule, "兑现时限：自受理之日起 15 个工作日内办结"));
    policy_clause_rule(p, 1, rule, sizeof rule);
    assert_null(strstr(rule, "兑现时限"));
    policy_pack_free(p);
}

/* The office sets a clause's 兑现时限 as it sets a parameter: a deadline line added to a clause
 * without one, then rewritten with its 说明; out of range refused, naming it. */
static void deadline_set_as_a_parameter(void **state)
{
    (void)state;
    char text[2048];
    snprintf(text, sizeof text, "%s%s", HEAD, GOOD_CLAUSE);
    char *t1 = NULL, *t2 = NULL, *t3 = NULL;
    size_t n1, n2, n3;
    struct err e = {0};
    assert_int_equal(policy_pack_set_param(text, strlen(text), "c", "deadline", "10", &t1, &n1, &e),
                     ST_OK);
    assert_non_null(strstr(t1, "  deadline   10 自受理之日起10个工作日内审核办结\nend\n"));
    assert_int_equal(policy_pack_set_param(t1, n1, "c", "deadline", "25", &t2, &n2, &e), ST_OK);
    assert_non_null(strstr(t2, "deadline   25 自受理之日起25个工作日内审核办结\nend\n"));
    assert_null(strstr(t2, "10"));
    struct policy_pack *p;
    assert_int_equal(policy_pack_load(t2, n2, "t.pack", &p, &e), ST_OK);
    assert_int_equal(policy_clause_deadline(p, 0, NULL), 25);
    policy_pack_free(p);
    assert_int_equal(policy_pack_set_param(t2, n2, "c", "deadline", "0", &t3, &n3, &e), ST_INVALID);
    assert_string_equal(e.where, "deadline");
    assert_non_null(strstr(e.msg, "1–250"));
    assert_null(t3);
    free(t1);
    free(t2);
}

static void bad_packs_are_located(void **state)
{
    (void)state;
    struct policy_pack *p;
    struct err e = {0};
    char text[2048];
    snprintf(text, sizeof text, "%s%s", HEAD, GOOD_CLAUSE);
    assert_int_equal(policy_pack_load(text, strlen(text), "t.pack", &p, &e), ST_OK);
    char hex[65];
    hash_sha256_hex(text, strlen(text), hex);
    assert_string_equal(policy_pack_hash(p), hex);
    policy_pack_free(p);

    expect_bad("clause c\n  title t\n  colour red\nend\n", "t.pack: line 5, column 3", "未知字段");
    expect_bad("clause c\n  title t\n  cite x\n  quote q\n  applicants enterprise\n"
               "  input amount money 金额\n  award amount * 1%\nend\n",
               "t.pack: line 10, column 1", "effective");
    expect_bad("clause c\n  input amount money 金额\n  require amount\nend\n",
               "t.pack: line 5, column 11", "bool");
    expect_bad("clause c\n  input flag bool 条件\n  award flag * 1%\nend\n",
               "t.pack: line 5, column 9", "money 或 count");
    expect_bad("clause c\n  input amount money 金额\n  award amount * 1,5%\nend\n",
               "t.pack: line 5, column 18", "比例");
    expect_bad("clause c\n  input amount monies 金额\nend\n", "t.pack: line 4, column 16",
               "未知类型");
    /* Discretion outside the clause's legal bound: 不低于10% configured as 8%. */
    expect_bad("clause c\n  title t\n  cite x\n  quote q\n  effective 2020-03-31 -\n"
               "  applicants enterprise\n  input amount money 金额\n"
               "  param rate rate 8% 比例\n  bound rate >= 10%\n  award amount * rate\nend\n",
               "t.pack: line 10, column 19", "≥ 10%");
    /* An item cap above the yearly cap never binds. */
    expect_bad("clause c\n  title t\n  cite x\n  quote q\n  effective 2020-03-31 -\n"
               "  applicants institution\n  input n count 件数\n  award n * 10000\n"
               "  cap item 300000 每件\n  cap entity-year 200000 每年\nend\n",
               "t.pack: line 11, column 12", "永远不会起作用");
    expect_bad("clause c\n  input amount money 金额\n  cap item 0 每项\nend\n",
               "t.pack: line 5, column 12", "金额为 0");
    /* Budgets and exclusivity groups. */
    expect_bad("clause c\n  input amount money 金额\n  budget 1000 lottery 预算\nend\n",
               "t.pack: line 5, column 15", "分配规则");
    expect_bad("clause c\n  input amount money 金额\n  budget 0 fcfs 预算\nend\n",
               "t.pack: line 5, column 10", "金额为 0");
    expect_bad("clause c\n  input amount money 金额\n  budget 1000 fcfs 预算\n"
               "  budget 2000 fcfs 预算\nend\n",
               "t.pack: line 6, column 9", "budget 重复");
    /* A per-item cap above the whole yearly budget never binds. */
    expect_bad("clause c\n  title t\n  cite x\n  quote q\n  effective 2020-03-31 -\n"
               "  applicants enterprise\n  input amount money 金额\n  award amount * 1%\n"
               "  cap item 100000 每项\n  budget 50000 fcfs 年度预算\nend\n",
               "t.pack: line 11, column 12", "高于年度预算");
    /* Priority classes: an enum input, once, and only for a pro-rata budget. */
    expect_bad("clause c\n  input amount money 金额\n  priority amount\nend\n",
               "t.pack: line 5, column 12", "enum 类型的输入");
    expect_bad("clause c\n  input t enum 甲|乙 类\n  priority t\n  priority t\nend\n",
               "t.pack: line 6, column 3", "priority 重复");
    expect_bad("clause c\n  title t\n  cite x\n  quote q\n  effective 2020-03-31 -\n"
               "  applicants enterprise\n  input amount money 金额\n  input t enum 甲|乙 类\n"
               "  award amount * 1%\n  budget 5000 fcfs 年度预算\n  priority t\nend\n",
               "t.pack: line 13, column 12", "pro-rata");
    /* Conditions no applicant could meet together. */
    expect_bad("clause c\n  input n count 人数\n  require n >= 10\n  require n < 10\nend\n",
               "t.pack: line 6, column 11", "条件“n < 10”与此前的条件（n >= 10）不可能同时满足");
    expect_bad("clause c\n  input n money 收入\n  require n > 5\n  require n <= 5.00\nend\n",
               "t.pack: line 6, column 11", "永远不会符合");
    expect_bad("clause c\n  input n count 人数\n  require n < 0\nend\n",
               "t.pack: line 5, column 11", "永远不会符合");
    expect_bad(
        "clause c\n  input s enum 甲|乙|丙 类\n  require s in 甲|乙\n  require s = 丙\nend\n",
        "t.pack: line 6, column 11", "不可能同时满足");
    /* A floor (保底) that a cap or the budget would always cut, given twice, or zero. */
    expect_bad("clause c\n  title t\n  cite x\n  quote q\n  effective 2020-03-31 -\n"
               "  applicants enterprise\n  input amount money 金额\n  award amount * 1%\n"
               "  floor 20000 每项\n  cap item 10000 每项\nend\n",
               "t.pack: line 11, column 9", "保底 20,000.00元 高于每项上限 10,000.00元");
    expect_bad("clause c\n  title t\n  cite x\n  quote q\n  effective 2020-03-31 -\n"
               "  applicants enterprise\n  input amount money 金额\n  award amount * 1%\n"
               "  budget 5000 fcfs 年度预算\n  floor 6000 每项\nend\n",
               "t.pack: line 12, column 9", "高于年度预算");
    expect_bad("clause c\n  input amount money 金额\n  floor 100 每项\n  floor 200 每项\nend\n",
               "t.pack: line 6, column 3", "保底重复");
    expect_bad("clause c\n  input amount money 金额\n  floor 0 每项\nend\n",
               "t.pack: line 5, column 9", "金额为 0");
    expect_bad("clause c\n  input amount money 金额\n  floor\nend\n", "t.pack: line 5, column 8",
               "floor 缺少金额");
    expect_bad("clause c\n  input amount money 金额\n  exclusive deal amount\nend\n",
               "t.pack: line 5, column 18", "text 类型");
    expect_bad("clause c\n  input no text 编号\n  exclusive Deal no\nend\n",
               "t.pack: line 5, column 13", "组名");
    expect_bad("clause c\n  effective 2021-01-01 2020-12-31\nend\n", "t.pack: line 4, column 24",
               "早于");
    expect_bad("clause c\n  title t\n", "t.pack: line 4, column 1", "没有以 end 结束");
    expect_bad("clause c\n  title t\nend\nclause c\n", "t.pack: line 5, column 1", "缺少");
    expect_bad("frobnicate\n", "t.pack: line 3, column 1", "未知字段");
    expect_bad("clause C\n", "t.pack: line 3, column 8", "条款编号");
    expect_bad("clause c\n  title 标题\xff\n", "t.pack: line 4, column 11", "UTF-8");
    expect_bad("", "t.pack: line 2, column 1", "没有条款");
    /* A field a clause gives once, given again, would silently replace the first: refused, but
     * a pack stored by an hqd that took it still reads, and computes as it did (the last). */
    char twice[2048];
    snprintf(twice, sizeof twice, "%s%.*s  award amount * 2%%\nend\n", HEAD,
             (int)(strlen(GOOD_CLAUSE) - 4), GOOD_CLAUSE);
    assert_int_equal(policy_pack_load(twice, strlen(twice), "t.pack", &p, &e), ST_INVALID);
    assert_string_equal(e.where, "t.pack: line 13, column 3");
    assert_non_null(strstr(e.msg, "award 重复：第 12 行已写过"));
    assert_int_equal(policy_pack_load_stored(twice, strlen(twice), "t.pack", &p, &e), ST_OK);
    struct policy_result r;
    assert_int_equal(calc(p, "c", 0, &r, &e, "amount=100", "ok=是", NULL), ST_OK);
    assert_int_equal(r.amount_fen, 200);
    policy_result_cleanup(&r);
    policy_pack_free(p);
    static const char *const once[] = {"title u",         "cite y",
                                       "quote r",         "effective 2020-01-01 -",
                                       "applicants fund", "round yuan\n  round fen"};
    for (size_t i = 0; i < sizeof once / sizeof once[0]; i++) {
        char body[1024], what[32];
        snprintf(body, sizeof body, "%.*s  %s\nend\n", (int)(strlen(GOOD_CLAUSE) - 4), GOOD_CLAUSE,
                 once[i]);
        snprintf(what, sizeof what, "%.*s 重复", (int)strcspn(once[i], " "), once[i]);
        expect_bad(
            body, strchr(once[i], '\n') ? "t.pack: line 14, column 3" : "t.pack: line 13, column 3",
            what);
    }
    expect_bad("version 2\n", "t.pack: line 3, column 1", "version 重复");
    expect_bad("pack 乙\n", "t.pack: line 3, column 1", "pack 重复");
    /* Each directive's own form, located where it goes wrong. */
    expect_bad("clause c\n  input amount money 金额\n  input amount count 件数\nend\n",
               "t.pack: line 5, column 9", "名称“amount”重复");
    expect_bad("clause c\n  input Amount money 金额\nend\n", "t.pack: line 4, column 9",
               "小写字母开头");
    expect_bad("clause c\n  input\nend\n", "t.pack: line 4, column 8", "缺少名称");
    expect_bad("clause c\n  input t enum 甲|乙|甲 类\nend\n", "t.pack: line 4, column 20",
               "可选值“甲”重复");
    expect_bad("clause c\n  param p count 5 件\nend\n", "t.pack: line 4, column 11",
               "参数的类型应为 money 或 rate");
    expect_bad("clause c\n  param p rate\nend\n", "t.pack: line 4, column 15", "缺少参数值");
    expect_bad("clause c\n  param p money 1.234 额\nend\n", "t.pack: line 4, column 17",
               "“1.234”不是有效的金额");
    expect_bad("clause c\n  input amount money 金额\n  award amount * marginal 0:5% x:3%\nend\n",
               "t.pack: line 5, column 32", "“x”不是有效的金额");
    expect_bad("clause c\n  input amount money 金额\n  award amount * marginal 0:5% 100:3x\nend\n",
               "t.pack: line 5, column 36", "“3x”不是有效的比例");
    expect_bad("clause c\n  input amount money 金额\n  award amount\nend\n",
               "t.pack: line 5, column 15", "award 应写成");
    expect_bad("clause c\n  input amount money 金额\n  award amount * 1% * 2%\nend\n",
               "t.pack: line 5, column 21", "只能有一个乘法");
    expect_bad("clause c\n  input amount money 金额\n  award amount + 1%\nend\n",
               "t.pack: line 5, column 16", "运算符应为 *");
    expect_bad("clause c\n  input amount money 金额\n  award price * 1%\nend\n",
               "t.pack: line 5, column 9", "“price”不是本条款的输入");
    expect_bad(
        "clause c\n  input amount money 金额\n  input r rate 比例\n  award amount * r\nend\n",
        "t.pack: line 6, column 18", "不能是申请人的输入");
    expect_bad("clause c\n  input n count 件数\n  award n * 1.234\nend\n",
               "t.pack: line 5, column 13", "不是有效的单价");
    expect_bad("clause c\n  input amount money 金额\n  cap month 100 每月\nend\n",
               "t.pack: line 5, column 7", "未知上限类型“month”");
    expect_bad(
        "clause c\n  input amount money 金额\n  cap item 100 每项\n  cap item 200 每项\nend\n",
        "t.pack: line 6, column 7", "item 上限重复");
    expect_bad("clause c\n  input amount money 金额\n  cap item 1.234 每项\nend\n",
               "t.pack: line 5, column 12", "不是有效的金额");
    expect_bad("clause c\n  input amount money 金额\n  budget 1000\nend\n",
               "t.pack: line 5, column 14", "budget 应写成");
    expect_bad("clause c\n  input no text 编号\n  exclusive g no\n  exclusive g no\nend\n",
               "t.pack: line 6, column 12", "exclusive 重复");
    expect_bad("clause c\n  input no text 编号\n  exclusive g\nend\n", "t.pack: line 5, column 14",
               "exclusive 应写成");
    expect_bad("clause c\n  input no text 编号\n  exclusive g no extra\nend\n",
               "t.pack: line 5, column 18", "只有两项");
    expect_bad("clause c\n  input t enum 甲|乙 类\n  priority\nend\n", "t.pack: line 5, column 11",
               "priority 应写成");
    expect_bad("clause c\n  param r rate 5% 比例\n  bound r\nend\n", "t.pack: line 5, column 10",
               "bound 应写成");
    expect_bad("clause c\n  input n count 件数\n  bound n >= 1%\nend\n", "t.pack: line 5, column 9",
               "只能约束本条款 rate 类型的参数");
    expect_bad("clause c\n  param r rate 5% 比例\n  bound r > 1%\nend\n",
               "t.pack: line 5, column 11", "运算符应为 >= 或 <=");
    expect_bad("clause c\n  effective 2020-02-30 -\nend\n", "t.pack: line 4, column 13",
               "“2020-02-30”不是有效的日期");
    expect_bad("clause c\n  effective\nend\n", "t.pack: line 4, column 12", "effective 应写成");
    expect_bad("clause c\n  applicants person\nend\n", "t.pack: line 4, column 14",
               "未知申请主体“person”");
    expect_bad("clause c\n  require nope\nend\n", "t.pack: line 4, column 11",
               "“nope”不是本条款的输入");
    expect_bad("clause c\n  input n count 件数\n  require n >=\nend\n", "t.pack: line 5, column 15",
               "缺少比较的值");
    expect_bad("clause c\n  input n count 件数\n  require n >= 1 2\nend\n",
               "t.pack: line 5, column 18", "只能有一个比较");
    expect_bad("clause c\n  evidence 甲\n  evidence 甲\nend\n", "t.pack: line 5, column 11",
               "证明材料“甲”重复");
    expect_bad("clause c\n  round cent\nend\n", "t.pack: line 4, column 13", "round 应为 fen");
    /* 兑现时限: a count of working days, 1 to a year's 250, with what it says */
    expect_bad("clause c\n  deadline 0 说明\nend\n", "t.pack: line 4, column 12", "1–250");
    expect_bad("clause c\n  deadline 251 说明\nend\n", "t.pack: line 4, column 12", "1–250");
    expect_bad("clause c\n  deadline 十 说明\nend\n", "t.pack: line 4, column 12", "1–250");
    expect_bad("clause c\n  deadline\nend\n", "t.pack: line 4, column 11", "deadline 应写成");
    expect_bad("clause c\n  deadline 5\nend\n", "t.pack: line 4, column 13",
               "deadline 说明 缺少内容");
    expect_bad("clause c\n  deadline 5 甲\n  deadline 6 乙\nend\n", "t.pack: line 5, column 3",
               "deadline 重复");
    expect_bad("clause\n", "t.pack: line 3, column 7", "clause 缺少编号");
    /* A byte-order mark, as Windows Notepad writes one, is not part of the first line. */
    char bom[2048];
    snprintf(bom, sizeof bom, "\xef\xbb\xbf%s%s", HEAD, GOOD_CLAUSE);
    assert_int_equal(policy_pack_load(bom, strlen(bom), "t.pack", &p, &e), ST_OK);
    policy_pack_free(p);
}

/* ---------------------------------------------------------------- bulk kernel */

static const char BULK_PACK[] =
    "pack 批量测试\nversion b1\n"
    "clause third\n  title 三分之一\n  cite 测试 一\n  quote q\n  effective 2020-01-01 -\n"
    "  applicants enterprise fund\n  input amount money 金额（元）\n  input ok bool 条件\n"
    "  input note text 备注\n  require ok\n  award amount * 1/3\n  floor 300 每项\n"
    "  cap item 5000.00 每项\n  round yuan\nend\n"
    "clause per-unit\n  title 按件\n  cite 测试 二\n  quote q\n  effective 2020-01-01 -\n"
    "  applicants institution\n  input n count 件数\n  input ok bool 条件\n"
    "  input flag bool 未要求的是否项\n  input size count 规模\n  require ok\n"
    "  require size >= 8\n  award n * 123.45\n  floor 200 每次\n"
    "  cap entity-year 1000.00 每年\nend\n"
    "clause tiers\n  title 分档\n  cite 测试 七\n  quote q\n  effective 2020-01-01 -\n"
    "  applicants enterprise institution\n  input amount money 金额（元）\n"
    "  award amount * marginal 0:5% 10000:3% 1000000:1/3\n  floor 1000.50 每项\n"
    "  cap item 90000 每项\n  round yuan\nend\n"
    "clause later\n  title 未生效\n  cite 测试 三\n  quote q\n  effective 2030-01-01 -\n"
    "  applicants enterprise institution fund\n  input amount money 金额（元）\n"
    "  award amount * 5%\nend\n"
    "clause choice\n  title 按规模\n  cite 测试 八\n  quote q\n  effective 2020-01-01 -\n"
    "  applicants enterprise institution fund\n  input amount money 金额（元）\n"
    "  input scale enum 小型|微型|中型 企业规模\n  input area enum 东区|西区 园区\n"
    "  require scale in 小型|微型\n  award amount * 2%\nend\n"
    "clause strict\n  title 严格比较\n  cite 测试 十二\n  quote q\n  effective 2020-01-01 -\n"
    "  applicants enterprise institution\n  input size count 规模\n"
    "  input amount money 金额（元）\n  require size > 8\n  require amount <= 15000\n"
    "  award amount * 3%\nend\n"
    "clause exact\n  title 恰好\n  cite 测试 十三\n  quote q\n  effective 2020-01-01 -\n"
    "  applicants enterprise institution fund\n  input n count 件数\n  require n = 14\n"
    "  award n * 100\nend\n";

/* Three clauses of one exclusivity group: which is paid for a matter (the key's text, plain or
 * clause-qualified) depends on all three amounts. */
static const char GROUP_PACK[] =
    "pack 互斥测试\nversion g1\n"
    "clause ga\n  title 甲\n  cite 测试 九\n  quote q\n  effective 2020-01-01 -\n"
    "  applicants enterprise institution fund\n  input amount money 金额（元）\n"
    "  input no text 编号\n  award amount * 10%\n  cap item 5000 每项\n  exclusive g no\nend\n"
    "clause gb\n  title 乙\n  cite 测试 十\n  quote q\n  effective 2020-01-01 -\n"
    "  applicants enterprise institution\n  input amount money 金额（元）\n"
    "  input no text 编号\n  award amount * 5%\n  exclusive g no\nend\n"
    "clause gc\n  title 丙\n  cite 测试 十一\n  quote q\n  effective 2020-01-01 -\n"
    "  applicants enterprise fund\n  input amount money 金额（元）\n"
    "  input no text 编号\n  award amount * 1/3\n  cap item 5000 每项\n  exclusive g no\nend\n";

static const char *const VALUE_POOL[] = {
    "是",   "否",    "1",           "0",           "2",        "1.00",        "0.5",
    "14",   "14.00", "14.5",        "合同-1",      "1,000",    "0.01",        "0.02",
    "1.49", "1.50",  "14999.99",    "15000",       "15000.01", "99999999.99", "40",
    "8",    "9",     "10000000.00", "10000000.01", "true",     "no",          "小型",
    "微型", "中型",  "大型",        "东区",        "西区"};

/* Random facts for n entities: each column name given or not, values from VALUE_POOL and
 * random amounts; the kernel must agree with policy_match_one on every entity and clause. */
static void bulk_agrees(const struct policy_pack *p, size_t n)
{
    char **names;
    size_t n_names = policy_pack_column_names(p, &names);
    size_t nc = policy_pack_clauses(p), rows = n + 1;
    struct policy_column *cols = calloc(n_names, sizeof *cols);
    char ***text = calloc(n_names, sizeof *text); /* text[c][i], NULL = not given */
    for (size_t c = 0; c < n_names; c++) {
        int is_kind = !strcmp(names[c], POLICY_KIND_COLUMN);
        /* Start narrow: a yes/no column stays one byte, amounts widen. */
        int width = 1;
        cols[c] = (struct policy_column){names[c], width, calloc(rows, 8)};
        text[c] = calloc(rows, sizeof *text[c]);
        for (size_t i = 0; i < rows; i++) {
            int64_t v = INT64_MIN;
            if (is_kind) {
                v = i == 0 ? 0 : (int64_t)1 << (next_rand() % 3);
            } else if (i > 0 && next_rand() % 10 < 7) {
                char *t = malloc(32);
                if (next_rand() % 3 == 0)
                    snprintf(t, 32, "%llu.%02llu", (unsigned long long)(next_rand() % 3000000),
                             (unsigned long long)(next_rand() % 100));
                else
                    snprintf(t, 32, "%s",
                             VALUE_POOL[next_rand() % (sizeof VALUE_POOL / sizeof VALUE_POOL[0])]);
                text[c][i] = t;
                /* The same reading the entity store makes (entity/columns.c). */
                int64_t x;
                if (!strcmp(t, "是") || !strcmp(t, "true") || !strcmp(t, "yes"))
                    v = POLICY_TRUE_WORD;
                else if (!strcmp(t, "否") || !strcmp(t, "false") || !strcmp(t, "no"))
                    v = POLICY_FALSE_WORD;
                else if (!strchr(t, ',') && money_parse_fen(t, strlen(t), 1, &x) == ST_OK)
                    v = x;
                else
                    v = POLICY_TEXT_VALUE;
            }
            ((int64_t *)cols[c].v)[i] = v;
            /* The narrowest width that holds the column, as the store picks it. */
            if (v != INT64_MIN && width < 8 && (v > INT32_MAX || v <= INT32_MIN))
                width = 8;
            else if (v != INT64_MIN && width < 4 && (v > INT8_MAX || v <= INT8_MIN))
                width = 4;
        }
        cols[c].width = width;
        if (width != 8) { /* narrow in place */
            int64_t *w = (int64_t *)cols[c].v;
            for (size_t i = 0; i < rows; i++) {
                int64_t v = w[i];
                if (width == 1)
                    ((int8_t *)cols[c].v)[i] = v == INT64_MIN ? INT8_MIN : (int8_t)v;
                else
                    ((int32_t *)cols[c].v)[i] = v == INT64_MIN ? INT32_MIN : (int32_t)v;
            }
        }
    }
    struct policy_bulk *bulk = calloc(nc, sizeof *bulk);
    int64_t *amounts = calloc(nc * rows, sizeof *amounts);
    struct err e = {0};
    /* The enum inputs read the facts' texts, as the store gives them. */
    char **tnames;
    size_t n_texts = policy_pack_text_names(p, &tnames);
    struct policy_text_column *texts = calloc(n_texts + 1, sizeof *texts);
    for (size_t t = 0; t < n_texts; t++)
        for (size_t c = 0; c < n_names; c++)
            if (!strcmp(names[c], tnames[t]))
                texts[t] = (struct policy_text_column){tnames[t], (const char *const *)text[c]};
    assert_int_equal(
        policy_eval_bulk_text(p, cols, n_names, texts, n_texts, rows, ON, bulk, amounts, &e),
        ST_OK);
    for (size_t c = 0; c < nc; c++) /* only an unset parameter stops a clause here */
        assert_true(bulk[c].computable || strstr(bulk[c].why, "尚未由管委会设定"));
    struct policy_match *m = calloc(nc, sizeof *m);
    size_t *pairs = calloc(nc, sizeof *pairs);
    int64_t *totals = calloc(nc, sizeof *totals);
    for (size_t i = 1; i < rows; i++) {
        struct policy_input in[64];
        size_t k = 0;
        int64_t kind = 0;
        for (size_t c = 0; c < n_names; c++) {
            if (!strcmp(names[c], POLICY_KIND_COLUMN))
                kind = ((int8_t *)cols[c].v)[i];
            else if (text[c][i])
                in[k++] = (struct policy_input){names[c], text[c][i]};
        }
        const char *kinds[] = {"", "enterprise", "institution", "", "fund"};
        assert_int_equal(policy_match_one(p, kinds[kind], in, k, NULL, ON, NULL, m, &e), ST_OK);
        for (size_t c = 0; c < nc; c++) {
            /* a match superseded within its group (就高不就低) reads 0 */
            int64_t want = m[c].applies && m[c].r.eligible ? policy_match_payable(&m[c]) : -1;
            if (amounts[c * rows + i] != want) {
                for (size_t d = 0; d < n_names; d++) /* the entity's facts, to reproduce */
                    fprintf(stderr, "  %s = %s\n", names[d], text[d][i] ? text[d][i] : "-");
                fail_msg("entity %zu clause %s: kernel %lld, policy_calc %lld (%s)", i,
                         policy_clause_id(p, c), (long long)amounts[c * rows + i], (long long)want,
                         m[c].r.explanation ? m[c].r.explanation : "");
            }
            pairs[c] += want >= 0;
            totals[c] += want >= 0 ? want : 0;
        }
        policy_matches_cleanup(m, nc);
    }
    for (size_t c = 0; c < nc; c++) {
        assert_int_equal(bulk[c].pairs, pairs[c]);
        assert_int_equal(bulk[c].total_fen, totals[c]);
        if (!strcmp(policy_clause_id(p, c), "choice")) /* the enum condition is exercised */
            assert_true(pairs[c] > 50 && pairs[c] < n / 4);
        if (!strcmp(policy_clause_id(p, c), "strict") || !strcmp(policy_clause_id(p, c), "exact"))
            assert_true(pairs[c] > 50 && pairs[c] < n / 4); /* so are >, <= and = */
    }
    /* Without the texts a clause reading an enum input, or a grouped one (which matters are the
     * same), is named, not guessed. */
    struct policy_bulk *again = calloc(nc, sizeof *again);
    assert_int_equal(policy_eval_bulk(p, cols, n_names, rows, ON, again, NULL, &e), ST_OK);
    for (size_t c = 0; c < nc; c++) {
        const char *id = policy_clause_id(p, c);
        int reads_enum = 0;
        for (size_t t = 0; t < n_texts; t++)
            reads_enum |= !strncmp(tnames[t], id, strlen(id)) && tnames[t][strlen(id)] == '.';
        assert_int_equal(again[c].computable, bulk[c].computable && !reads_enum);
        if (reads_enum && bulk[c].computable)
            assert_non_null(strstr(again[c].why, "需要事实原文"));
    }
    free(again);
    free(texts);
    policy_names_free(tnames, n_texts);
    for (size_t c = 0; c < n_names; c++) {
        for (size_t i = 0; i < rows; i++)
            free(text[c][i]);
        free(text[c]);
        free((void *)cols[c].v);
    }
    free(text);
    free(cols);
    free(bulk);
    free(amounts);
    free(m);
    free(pairs);
    free(totals);
    policy_names_free(names, n_names);
}

static void bulk_kernel_agrees_with_calc(void **state)
{
    const struct policy_pack *example = *state;
    uint64_t saved = rng_state;
    /* each pack from its own seed: a change to one pack's inputs leaves the others' draws */
    rng_state = 7;
    bulk_agrees(example, 20000);
    struct policy_pack *p;
    struct err e = {0};
    assert_int_equal(policy_pack_load(BULK_PACK, strlen(BULK_PACK), "bulk.pack", &p, &e), ST_OK);
    rng_state = 8;
    bulk_agrees(p, 20000);
    policy_pack_free(p);
    assert_int_equal(policy_pack_load(GROUP_PACK, strlen(GROUP_PACK), "group.pack", &p, &e), ST_OK);
    rng_state = 9;
    bulk_agrees(p, 20000);
    policy_pack_free(p);
    rng_state = saved;
}

/* ---------------------------------------------------------------- numbers and choices */

static const char COND_PACK[] =
    "pack 条件测试\nversion c1\n"
    "clause small\n  title 小微企业补助\n  cite 测试 四\n  quote q\n  effective 2020-01-01 -\n"
    "  applicants enterprise\n  input revenue money 营业收入（元）\n"
    "  input employees count 从业人数\n  input scale enum 小型|微型|中型 企业规模\n"
    "  input sme bool 科技型中小企业\n  require sme\n  require employees >= 10\n"
    "  require revenue < 50000000\n  require scale in 小型|微型\n  award revenue * 1%\n"
    "  cap item 20000 每家\nend\n";

static void conditions_on_numbers_and_choices(void **state)
{
    (void)state;
    struct policy_pack *p;
    struct err e = {0};
    assert_int_equal(policy_pack_load(COND_PACK, strlen(COND_PACK), "c.pack", &p, &e), ST_OK);
    struct policy_result r;
    assert_int_equal(calc(p, "small", 0, &r, &e, "revenue=1000000", "employees=10", "scale=微型",
                          "sme=是", NULL),
                     ST_OK);
    assert_true(r.eligible);
    assert_int_equal(r.amount_fen, 1000000);
    policy_result_cleanup(&r);
    /* One below the threshold fails, and the explanation says by how much. */
    assert_int_equal(
        calc(p, "small", 0, &r, &e, "revenue=1000000", "employees=9", "scale=微型", "sme=是", NULL),
        ST_OK);
    assert_false(r.eligible);
    assert_int_equal(r.n_failed, 1);
    assert_non_null(strstr(r.explanation, "从业人数 ≥ 10（实为 9）"));
    policy_result_cleanup(&r);
    /* 50,000,000.00 is not below 50,000,000: strict comparisons hold at the boundary. */
    assert_int_equal(calc(p, "small", 0, &r, &e, "revenue=50000000", "employees=10", "scale=小型",
                          "sme=是", NULL),
                     ST_OK);
    assert_false(r.eligible);
    assert_non_null(strstr(r.explanation, "实为 50,000,000.00元"));
    policy_result_cleanup(&r);
    assert_int_equal(calc(p, "small", 0, &r, &e, "revenue=49999999.99", "employees=10",
                          "scale=中型", "sme=是", NULL),
                     ST_OK);
    assert_false(r.eligible);
    assert_non_null(strstr(r.explanation, "企业规模 属于 小型|微型（实为 中型）"));
    policy_result_cleanup(&r);
    /* A value that is not one of the choices is an input error naming them. */
    assert_int_equal(calc(p, "small", 0, &r, &e, "scale=大型", NULL), ST_INVALID);
    assert_string_equal(e.where, "scale");
    assert_non_null(strstr(e.msg, "小型、微型、中型"));
    /* A left-out number is missing, not failed. */
    assert_int_equal(calc(p, "small", 0, &r, &e, "revenue=100", "scale=小型", "sme=是", NULL),
                     ST_OK);
    assert_int_equal(r.n_missing, 1);
    assert_string_equal(r.missing[0], "employees");
    policy_result_cleanup(&r);
    /* The bulk kernel declines choices (facts are kept as numbers) and says why. */
    struct policy_bulk out[1];
    int8_t kind[2] = {0, 1};
    struct policy_column cols[] = {{POLICY_KIND_COLUMN, 1, kind}};
    assert_int_equal(policy_eval_bulk(p, cols, 1, 2, ON, out, NULL, &e), ST_OK);
    assert_false(out[0].computable);
    assert_non_null(strstr(out[0].why, "scale"));
    policy_pack_free(p);

    expect_bad("clause c\n  input scale enum 小型|微型 规模\n  require scale >= 1\nend\n",
               "t.pack: line 5, column 17", "选项条件");
    expect_bad("clause c\n  input scale enum 小型|微型 规模\n  require scale in 大型\nend\n",
               "t.pack: line 5, column 20", "不是 scale 的可选值");
    expect_bad("clause c\n  input n count 件数\n  require n in 1|2\nend\n",
               "t.pack: line 5, column 13", "数值条件");
    expect_bad("clause c\n  input n count 件数\n  require n >= 1.5\nend\n",
               "t.pack: line 5, column 16", "件数");
    expect_bad("clause c\n  input n count 件数\n  require n\nend\n", "t.pack: line 5, column 11",
               "bool");
    expect_bad("clause c\n  input scale enum 小型||微型 规模\nend\n", "t.pack: line 4, column 23",
               "可选值不能为空");
    /* = with what contradicts it; an unknown comparison; a bound from above broken */
    expect_bad("clause c\n  input n count 人数\n  require n = 5\n  require n > 5\nend\n",
               "t.pack: line 6, column 11", "不可能同时满足");
    expect_bad("clause c\n  input n count 人数\n  require n == 5\nend\n",
               "t.pack: line 5, column 13", "未知比较");
    expect_bad("clause c\n  title t\n  cite x\n  quote q\n  effective 2020-03-31 -\n"
               "  applicants enterprise\n  input amount money 金额\n"
               "  param share rate 60% 比例\n  bound share <= 50%\n  award amount * share\nend\n",
               "t.pack: line 10, column 20", "≤ 50%");
}

/* The strict and exact comparisons at their edges: > 8 fails at 8 and holds at 9, <= 15,000.00
 * holds there and fails one fen above, = 14 holds only at 14; the boundary cases find the same
 * edges and compute them alike. */
static const char STRICT_PACK[] =
    "pack 比较测试\nversion s1\n"
    "clause strict\n  title 严格比较\n  cite 测试 十二\n  quote q\n  effective 2020-01-01 -\n"
    "  applicants enterprise\n  input size count 规模\n  input amount money 金额（元）\n"
    "  input n count 件数\n  require size > 8\n  require amount <= 15000\n  require n = 14\n"
    "  award amount * 3%\nend\n";

static void strict_and_exact_comparisons(void **state)
{
    (void)state;
    struct policy_pack *p;
    struct err e = {0};
    assert_int_equal(policy_pack_load(STRICT_PACK, strlen(STRICT_PACK), "s.pack", &p, &e), ST_OK);
    static const struct {
        const char *size, *amount, *n;
        int eligible;
        const char *failed; /* the condition named, if it fails */
    } cases[] = {
        {"9", "15000", "14", 1, NULL},
        {"8", "15000", "14", 0, "规模 > 8（实为 8）"},
        {"9", "15000.01", "14", 0, "金额（元） ≤ 15,000.00元（实为 15,000.01元）"},
        {"9", "0.01", "13", 0, "件数 = 14（实为 13）"},
        {"9", "0.01", "15", 0, "件数 = 14（实为 15）"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char size[32], amount[32], n[32];
        snprintf(size, sizeof size, "size=%s", cases[i].size);
        snprintf(amount, sizeof amount, "amount=%s", cases[i].amount);
        snprintf(n, sizeof n, "n=%s", cases[i].n);
        struct policy_result r;
        assert_int_equal(calc(p, "strict", 0, &r, &e, size, amount, n, NULL), ST_OK);
        if (r.eligible != cases[i].eligible)
            fail_msg("case %zu: eligible %d (%s)", i, r.eligible, r.explanation);
        if (cases[i].failed && !strstr(r.explanation, cases[i].failed))
            fail_msg("case %zu: \"%s\" lacks \"%s\"", i, r.explanation, cases[i].failed);
        if (r.eligible)
            assert_int_equal(r.amount_fen, 45000);
        policy_result_cleanup(&r);
    }
    /* Each condition's edge among the boundary cases, on the side it names. */
    struct policy_case *v;
    size_t nv;
    assert_int_equal(policy_clause_cases(p, 0, NULL, 0, &v, &nv, &e), ST_OK);
    int seen[3][2] = {{0}};
    for (size_t i = 0; i < nv; i++) {
        const char *size = NULL, *amount = NULL, *cnt = NULL;
        for (size_t k = 0; k < v[i].n_in; k++) {
            if (!strcmp(v[i].name[k], "size"))
                size = v[i].value[k];
            else if (!strcmp(v[i].name[k], "amount"))
                amount = v[i].value[k];
            else if (!strcmp(v[i].name[k], "n"))
                cnt = v[i].value[k];
        }
        if (!size || !amount || !cnt || v[i].on.y < 2020) /* (the day before it applies) */
            continue;
        /* the edges are 8 | 9, 15000.00 | 15000.01, 14 | 15; every other input meets its own */
        int at_size = !strcmp(size, "8") || !strcmp(size, "9");
        int at_amount = !strcmp(amount, "15000.00") || !strcmp(amount, "15000.01");
        int at_n = !strcmp(cnt, "15") || !strcmp(cnt, "13");
        int want = strcmp(size, "8") && strcmp(amount, "15000.01") && !strcmp(cnt, "14");
        if (v[i].r.eligible != want)
            fail_msg("case \"%s\" (%s, %s, %s): eligible %d", v[i].what, size, amount, cnt,
                     v[i].r.eligible);
        if (at_size && !strcmp(size, "8"))
            seen[0][0] = 1;
        if (at_size && !strcmp(size, "9"))
            seen[0][1] = 1;
        if (at_amount)
            seen[1][!strcmp(amount, "15000.00")] = 1;
        if (at_n) /* both sides of "=" */
            seen[2][0] |= !strcmp(cnt, "13") ? 1 : 2;
        if (!strcmp(cnt, "14"))
            seen[2][1] = 1;
    }
    for (int c = 0; c < 3; c++)
        if (!seen[c][0] || !seen[c][1] || (c == 2 && seen[c][0] != 3))
            fail_msg("condition %d: an edge is missing among %zu cases", c, nv);
    policy_cases_free(v, nv);
    policy_pack_free(p);
}

/* ---------------------------------------------------------------- tiered rates */

static const char TIER_PACK[] =
    "pack 分档测试\nversion t1\n"
    "clause progressive\n  title 超额累进\n  cite 测试 五\n  quote q\n  effective 2020-01-01 -\n"
    "  applicants enterprise\n  input amount money 投资额（元）\n"
    "  award amount * marginal 0:5% 1000000:3% 5000000:1%\n  cap item 200000 每项\nend\n"
    "clause whole\n  title 全额累进\n  cite 测试 六\n  quote q\n  effective 2020-01-01 -\n"
    "  applicants enterprise\n  input amount money 投资额（元）\n"
    "  award amount * bracket 0:5% 1000000:3%\nend\n";

static int64_t tier_award(const struct policy_pack *p, const char *clause, const char *amount)
{
    char kv[64];
    snprintf(kv, sizeof kv, "amount=%s", amount);
    return award(p, clause, 0, kv, NULL, NULL);
}

static void tiered_rates(void **state)
{
    (void)state;
    struct policy_pack *p;
    struct err e = {0};
    assert_int_equal(policy_pack_load(TIER_PACK, strlen(TIER_PACK), "t.pack", &p, &e), ST_OK);
    /* 1,000,000 × 5% + 4,000,000 × 3% + 1,000,000 × 1% = 180,000.00 */
    assert_int_equal(tier_award(p, "progressive", "6000000"), 18000000);
    assert_int_equal(tier_award(p, "progressive", "1000000"), 5000000);
    assert_int_equal(tier_award(p, "progressive", "1000000.10"), 5000000); /* + 0.3 fen */
    assert_int_equal(tier_award(p, "progressive", "0.10"), 1);             /* 0.5 fen up */
    assert_int_equal(tier_award(p, "progressive", "0.09"), 0);
    /* Past the cap: 1,000,000 × 5% + 4,000,000 × 3% + 96,000,000 × 1% = 1,130,000 → 200,000 */
    assert_int_equal(tier_award(p, "progressive", "101000000"), 20000000);
    struct policy_result r;
    assert_int_equal(calc(p, "progressive", 0, &r, &e, "amount=6000000", NULL), ST_OK);
    assert_non_null(strstr(r.explanation, "1,000,000.00元 × 5% + 4,000,000.00元 × 3% + "
                                          "1,000,000.00元 × 1%"));
    policy_result_cleanup(&r);
    /* 全额累进: the whole amount at its bracket's rate. */
    assert_int_equal(tier_award(p, "whole", "999999.99"), 5000000); /* 49,999.9995 → 50,000.00 */
    assert_int_equal(tier_award(p, "whole", "1000000"), 3000000);
    /* An independent exact computation over random amounts: Σ part × p / 10000, once. */
    static const int64_t from[] = {0, 100000000, 500000000};
    static const int64_t pct[] = {500, 300, 100}; /* ×100 */
    for (int i = 0; i < 200000; i++) {
        int64_t base = (int64_t)(next_rand() % 2000000000ull);
        __int128 n = 0;
        for (int k = 0; k < 3; k++) {
            int64_t top = k < 2 ? from[k + 1] : INT64_MAX;
            if (base <= from[k])
                break;
            n += (__int128)((base < top ? base : top) - from[k]) * pct[k];
        }
        int64_t want = (int64_t)((n + 5000) / 10000);
        if (want > 20000000)
            want = 20000000;
        char amount[32];
        snprintf(amount, sizeof amount, "%lld.%02lld", (long long)(base / 100),
                 (long long)(base % 100));
        if (tier_award(p, "progressive", amount) != want)
            fail_msg("%s: %lld fen, want %lld", amount,
                     (long long)tier_award(p, "progressive", amount), (long long)want);
    }
    policy_pack_free(p);
    expect_bad("clause c\n  input amount money 金额\n  award amount * marginal 0:5%\nend\n",
               "t.pack: line 5, column 31", "至少两档");
    expect_bad("clause c\n  input amount money 金额\n  award amount * marginal 10:5% 20:3%\nend\n",
               "t.pack: line 5, column 27", "从 0 起");
    expect_bad("clause c\n  input amount money 金额\n  award amount * bracket 0:5% 0:3%\nend\n",
               "t.pack: line 5, column 31", "从小到大");
    expect_bad("clause c\n  input n count 件数\n  award n * marginal 0:5% 10:3%\nend\n",
               "t.pack: line 5, column 9", "money");
}

/* Replaces the first occurrence of what in text (new string). */
static char *replaced(const char *text, const char *what, const char *with)
{
    const char *at = strstr(text, what);
    assert_non_null(at);
    size_t n = strlen(text) - strlen(what) + strlen(with);
    char *out = malloc(n + 1);
    snprintf(out, n + 1, "%.*s%s%s", (int)(at - text), text, with, at + strlen(what));
    return out;
}

/* 最低不少于 (floor): the formula's result is raised to the floor, then the caps apply; a zero
 * result stays zero. */
static const char FLOOR_PACK[] =
    "pack 保底测试\nversion f1\n"
    "clause grant\n  title 研发补助\n  cite 测试 五\n  quote "
    "按研发投入的1%给予补助，最低不少于1万元，"
    "最高不超过10万元\n  effective 2020-01-01 -\n  applicants enterprise\n"
    "  input amount money 研发投入（元）\n  award amount * 1%\n  floor 10000 每家\n"
    "  cap item 100000 每家\n  cap entity-year 150000 每年\nend\n"
    "clause grant-param\n  title 参数保底\n  cite 测试 六\n  quote q\n  effective 2020-01-01 -\n"
    "  applicants enterprise\n  input amount money 研发投入（元）\n"
    "  param least money unset 保底金额\n  award amount * 1%\n  floor least 每家\nend\n";

static void floors(void **state)
{
    (void)state;
    struct policy_pack *p, *p2;
    struct err e = {0};
    assert_int_equal(policy_pack_load(FLOOR_PACK, strlen(FLOOR_PACK), "f.pack", &p, &e), ST_OK);
    struct policy_result r;
    assert_int_equal(calc(p, "grant", 0, &r, &e, "amount=500000", NULL), ST_OK);
    assert_int_equal(r.amount_fen, 1000000); /* 5,000.00 raised to 10,000.00 */
    assert_int_equal(r.uncapped_fen, 500000);
    assert_true(r.floored);
    assert_null(r.capped_by);
    assert_non_null(
        strstr(r.explanation, "5,000.00元，低于每家10,000.00元保底，按保底计 10,000.00元"));
    policy_result_cleanup(&r);
    /* at the floor, just below it after rounding, and one fen above it */
    assert_int_equal(award(p, "grant", 0, "amount=1000000", NULL, NULL), 1000000);
    assert_int_equal(award(p, "grant", 0, "amount=999999.49", NULL, NULL), 1000000);
    assert_int_equal(award(p, "grant", 0, "amount=1000001", NULL, NULL), 1000001);
    assert_int_equal(calc(p, "grant", 0, &r, &e, "amount=2000000", NULL), ST_OK);
    assert_false(r.floored);
    assert_non_null(strstr(r.explanation, "不低于每家10,000.00元保底"));
    policy_result_cleanup(&r);
    /* a zero amount earns nothing: the floor is not a payment for applying */
    assert_int_equal(calc(p, "grant", 0, &r, &e, "amount=0", NULL), ST_OK);
    assert_true(r.eligible);
    assert_int_equal(r.amount_fen, 0);
    assert_false(r.floored);
    policy_result_cleanup(&r);
    /* the caps still bind after it: the item cap, and what is left of the year */
    assert_int_equal(award(p, "grant", 0, "amount=50000000", NULL, NULL), 10000000);
    assert_int_equal(award(p, "grant", 14500000, "amount=100", NULL, NULL), 500000);
    assert_int_equal(award(p, "grant", 15000000, "amount=100", NULL, NULL), 0);
    /* a floor given by a param the office has not set is named; a trial value is used */
    assert_int_equal(calc(p, "grant-param", 0, &r, &e, "amount=100", NULL), ST_UNPROCESSABLE);
    assert_string_equal(e.where, "least");
    assert_int_equal(award(p, "grant-param", 0, "amount=100", "least=300", NULL), 30000);
    /* the kernel names the floor param it waits for, and computes the clause whose floor is set */
    struct policy_bulk bulk[2];
    int8_t kinds[2] = {0, 1};
    struct policy_column kcols[] = {{POLICY_KIND_COLUMN, 1, kinds}};
    assert_int_equal(policy_eval_bulk(p, kcols, 1, 2, ON, bulk, NULL, &e), ST_OK);
    assert_true(bulk[0].computable);
    assert_false(bulk[1].computable);
    assert_string_equal(bulk[1].why, "参数 least 尚未由管委会设定");
    /* a clause with every condition it may have still explains its result and citation */
    char big[4096] =
        "pack 多条件\nversion m1\nclause many\n  title 多条件\n  cite 测试 七\n  quote q\n"
        "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额\n"
        "  input n count 人数\n  award amount * 1%\n  floor 100 每家\n"
        "  cap item 100000 每家\n  cap entity-year 200000 每年\n";
    char inputs[9][32];
    struct policy_input in[10];
    for (int k = 0; k < 8; k++) {
        snprintf(big + strlen(big), sizeof big - strlen(big),
                 "  input b%d bool 条件%d\n  require b%d\n  require n >= %d\n", k, k, k, k);
        snprintf(inputs[k], sizeof inputs[k], "b%d", k);
        in[k] = (struct policy_input){inputs[k], "是"};
    }
    snprintf(big + strlen(big), sizeof big - strlen(big), "end\n");
    in[8] = (struct policy_input){"n", "8"};
    in[9] = (struct policy_input){"amount", "50000"};
    assert_int_equal(policy_pack_load(big, strlen(big), "m.pack", &p2, &e), ST_OK);
    assert_int_equal(policy_calc(p2, "many", in, 10, ON, 0, &r, &e), ST_OK);
    assert_int_equal(r.amount_fen, 50000);
    assert_int_equal(r.n_steps, 23);
    assert_string_equal(r.steps[21].kind, "result");
    assert_string_equal(r.steps[22].kind, "cite");
    policy_result_cleanup(&r);
    policy_pack_free(p2);
    /* each clause's rule in a sentence, params named with their state */
    char rule[4096];
    policy_clause_rule(p, 0, rule, sizeof rule);
    assert_string_equal(rule,
                        "研发投入 × 1%；每家最低 10,000.00元；每家最高 100,000.00元；每年最高 "
                        "150,000.00元；四舍五入到分。2020-01-01 起施行，长期有效。");
    policy_clause_rule(p, 1, rule, sizeof rule);
    assert_non_null(strstr(rule, "每家最低 参数 least（待设定）"));
    /* a small buffer keeps whole pieces only: never half a character */
    policy_clause_rule(p, 0, rule, 40);
    assert_string_equal(rule, "研发投入 × 1%");
    policy_pack_free(p);
}

/* ---------------------------------------------------------------- boundary cases */

/* What a clause pays, written out independently of the pack reader and policy_calc: a rate
 * num/den of a money base (or a unit in fen per counted item), rounded half up to the fen,
 * raised to the floor, then the item cap and what is left of the yearly cap. */
struct oracle_clause {
    const char *id, *base, *requires[3];
    int64_t num, den, unit_fen, floor, item, year;
    struct date from;
};

static int64_t oracle_case(const struct oracle_clause *o, const struct policy_case *k,
                           int *eligible)
{
    const char *base = NULL;
    int met = 1;
    for (int r = 0; r < 3 && o->requires[r]; r++) {
        int yes = 0;
        for (size_t i = 0; i < k->n_in; i++)
            yes |= !strcmp(k->name[i], o->requires[r]) && !strcmp(k->value[i], "是");
        met &= yes;
    }
    for (size_t i = 0; i < k->n_in; i++)
        if (!strcmp(k->name[i], o->base))
            base = k->value[i];
    *eligible = met && base && date_cmp(k->on, o->from) >= 0;
    if (!*eligible)
        return 0;
    int64_t a;
    if (o->unit_fen) {
        a = strtoll(base, NULL, 10) * o->unit_fen;
    } else {
        long long yuan = 0, cents = 0;
        sscanf(base, "%lld.%lld", &yuan, &cents);
        __int128 fen = (__int128)yuan * 100 + cents;
        a = (int64_t)((2 * fen * o->num + o->den) / (2 * o->den));
    }
    if (o->floor && a > 0 && a < o->floor)
        a = o->floor;
    if (o->item && a > o->item)
        a = o->item;
    if (o->year && a > o->year - k->year_awarded_fen)
        a = o->year - k->year_awarded_fen > 0 ? o->year - k->year_awarded_fen : 0;
    return a;
}

/* The case of clause id whose description contains what: its amount (fails if there is none). */
static int64_t case_amount(const struct policy_case *v, size_t n, const char *what,
                           const char *base_value)
{
    for (size_t i = 0; i < n; i++)
        if (strstr(v[i].what, what))
            for (size_t j = 0; j < v[i].n_in; j++)
                if (!base_value || !strcmp(v[i].value[j], base_value))
                    return v[i].r.amount_fen;
    fail_msg("no case \"%s\" (%s)", what, base_value ? base_value : "");
    return -1;
}

static void boundary_cases(void **state)
{
    const struct policy_pack *ex = *state;
    static const struct date from = {2020, 3, 31};
    static const struct oracle_clause example[] = {
        {"first-set-equipment",
         "price",
         {"equipment_certified", "buyer_in_province"},
         5,
         100,
         0,
         0,
         0,
         0,
         from},
        {"tech-contract", "amount", {"contract_registered"}, 1, 100, 0, 0, 10000000, 0, from},
        {"tech-transfer-in",
         "amount",
         {"tech_from_outside_city", "undertaker_in_zone"},
         10,
         100,
         0,
         0,
         100000000,
         0,
         from},
        {"ip-transfer", "patents", {"institution_registered"}, 0, 0, 1000000, 0, 0, 20000000, from},
    };
    struct policy_pack *fp;
    struct err e = {0};
    assert_int_equal(policy_pack_load(FLOOR_PACK, strlen(FLOOR_PACK), "f.pack", &fp, &e), ST_OK);
    static const struct oracle_clause floored = {"grant", "amount", {NULL},   1,           100, 0,
                                                 1000000, 10000000, 15000000, {2020, 1, 1}};
    size_t checked = 0;
    for (size_t c = 0; c < 5; c++) {
        const struct policy_pack *p = c < 4 ? ex : fp;
        const struct oracle_clause *o = c < 4 ? &example[c] : &floored;
        struct policy_case *v;
        size_t n;
        assert_int_equal(
            policy_clause_cases(p, (size_t)policy_clause_index(p, o->id), NULL, 0, &v, &n, &e),
            ST_OK);
        for (size_t k = 0; k < n; k++) {
            int eligible;
            int64_t want = oracle_case(o, &v[k], &eligible);
            if (v[k].r.amount_fen != want || v[k].r.eligible != eligible)
                fail_msg("%s, %s: %lld fen (eligible %d), oracle %lld (%d): %s", o->id, v[k].what,
                         (long long)v[k].r.amount_fen, v[k].r.eligible, (long long)want, eligible,
                         v[k].r.explanation);
            checked++;
        }
        /* the acceptance's own boundaries are among them */
        if (!strcmp(o->id, "tech-contract")) {
            assert_int_equal(case_amount(v, n, "方案数字", "10000000.00"), 10000000);
            assert_int_equal(case_amount(v, n, "再多 1 分", "10000000.01"), 10000000);
            assert_int_equal(case_amount(v, n, "临界基数少 1分", "9999999.49"), 9999999);
            assert_int_equal(case_amount(v, n, "刚好达到", "9999999.50"), 10000000);
            assert_int_equal(case_amount(v, n, "恰为半分", "0.50"), 1);
            assert_int_equal(case_amount(v, n, "不足半分", "0.49"), 0);
        } else if (!strcmp(o->id, "tech-transfer-in")) {
            assert_int_equal(case_amount(v, n, "方案数字：10,000,000.00元 × 10%", NULL), 100000000);
        } else if (!strcmp(o->id, "ip-transfer")) {
            assert_int_equal(case_amount(v, n, "本年度第 20 件", NULL), 1000000);
            assert_int_equal(case_amount(v, n, "本年度第 21 件", NULL), 0);
        } else if (!strcmp(o->id, "grant")) {
            assert_int_equal(case_amount(v, n, "不足保底", NULL), 1000000);
            assert_true(v[2].r.floored);
        }
        policy_cases_free(v, n);
    }
    assert_true(checked > 40);
    /* a cap no computable base reaches has no threshold cases, and no figure past int64 */
    static const char huge[] = "pack 大额\nversion h1\nclause tiny\n  title 微\n  cite 测试 十一\n"
                               "  quote q\n  effective 2020-01-01 -\n  applicants enterprise\n"
                               "  input amount money 金额\n  award amount * 1/1000000\n"
                               "  cap item 9000000000000 每项\nend\n";
    struct policy_pack *hp;
    assert_int_equal(policy_pack_load(huge, strlen(huge), "h.pack", &hp, &e), ST_OK);
    struct policy_case *hv;
    size_t hn;
    assert_int_equal(policy_clause_cases(hp, 0, NULL, 0, &hv, &hn, &e), ST_OK);
    for (size_t k = 0; k < hn; k++)
        assert_null(strstr(hv[k].what, "上限"));
    assert_true(hn >= 4);
    policy_cases_free(hv, hn);
    policy_pack_free(hp);
    /* with trial values for its params, the voucher's cases are computed: the yearly cap's
     * last fen, and the oracle agrees (50% of the cost, at most 30,000.00 a year) */
    struct policy_input trial[] = {{"voucher_share", "50%"}, {"voucher_cap", "30000"}};
    size_t vi = (size_t)policy_clause_index(ex, "innovation-voucher");
    struct policy_case *tv;
    size_t tn;
    assert_int_equal(policy_clause_cases(ex, vi, trial, 2, &tv, &tn, &e), ST_OK);
    static const struct oracle_clause voucher = {
        "innovation-voucher", "cost", {"tech_sme"}, 1, 2, 0, 0, 0, 3000000, {2020, 3, 31}};
    int found = 0;
    for (size_t k = 0; k < tn; k++) {
        int eligible;
        assert_int_equal(tv[k].r.amount_fen, oracle_case(&voucher, &tv[k], &eligible));
        found |= strstr(tv[k].what, "距上限 1 分") && tv[k].r.amount_fen == 1;
    }
    assert_true(found);
    policy_cases_free(tv, tn);
    struct policy_input not_param[] = {{"cost", "5"}}, below[] = {{"transfer_rate", "8%"}};
    assert_int_equal(policy_clause_cases(ex, vi, not_param, 1, &tv, &tn, &e), ST_INVALID);
    assert_string_equal(e.where, "cost");
    assert_int_not_equal(policy_clause_cases(ex,
                                             (size_t)policy_clause_index(ex, "tech-transfer-in"),
                                             below, 1, &tv, &tn, &e),
                         ST_OK);
    assert_non_null(strstr(e.msg, "≥ 10%"));
    /* a clause whose formula waits for the office's param says which */
    struct policy_case *v = NULL;
    size_t n = 0;
    assert_int_equal(policy_clause_cases(ex, (size_t)policy_clause_index(ex, "innovation-voucher"),
                                         NULL, 0, &v, &n, &e),
                     ST_UNPROCESSABLE);
    assert_null(v);
    assert_non_null(strstr(e.msg, "voucher_share"));
    policy_pack_free(fp);
}

/* Two versions compared clause by clause: a changed rate is a "-"/"+" pair, realigned columns
 * and comments are no change, added and dropped clauses are named. */
static void versions_compare_by_clause(void **state)
{
    (void)state;
    const char *ex;
    size_t len;
    policy_example_text(&ex, &len);
    char *old_text = strndup(ex, len);
    char *a = replaced(old_text, "  award      amount * 1%", "  award      amount * 2%");
    char *b = replaced(a, "  title      首台(套)重大技术装备奖励",
                       "  # 不影响计算的注释\n  title   首台(套)重大技术装备奖励");
    char *c = replaced(b, "clause fund-reward", "clause fund-reward-2020");
    struct policy_clause_diff *d;
    size_t n;
    struct err e = {0};
    assert_int_equal(policy_pack_diff(old_text, strlen(old_text), "old.pack", c, strlen(c),
                                      "new.pack", &d, &n, &e),
                     ST_OK);
    assert_int_equal(n, 7); /* six in the new version, then the dropped one */
    assert_string_equal(d[0].id, "first-set-equipment");
    assert_int_equal(d[0].change, POLICY_SAME);
    assert_null(d[0].lines);
    assert_string_equal(d[1].id, "tech-contract");
    assert_int_equal(d[1].change, POLICY_CHANGED);
    assert_string_equal(d[1].lines, "- award amount * 1%\n+ award amount * 2%\n");
    assert_int_equal(d[5].change, POLICY_ADDED);
    assert_string_equal(d[5].id, "fund-reward-2020");
    assert_string_equal(d[6].id, "fund-reward");
    assert_int_equal(d[6].change, POLICY_REMOVED);
    assert_non_null(strstr(d[6].lines, "- title 产业基金入驻奖励\n"));
    policy_diffs_free(d, n);
    /* A broken version is refused with its place, as loading it would be. */
    char *bad = replaced(c, "  award      amount * 2%", "  award      amount * 2");
    assert_int_equal(policy_pack_diff(old_text, strlen(old_text), "old.pack", bad, strlen(bad),
                                      "new.pack", &d, &n, &e),
                     ST_INVALID);
    assert_non_null(strstr(e.where, "new.pack"));
    free(bad);
    free(old_text);
    free(a);
    free(b);
    free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(golden_awards, setup, teardown),
        cmocka_unit_test_setup_teardown(explanations_cite_and_name_caps, setup, teardown),
        cmocka_unit_test_setup_teardown(parameters_and_bounds, setup, teardown),
        cmocka_unit_test(kernel_agrees_with_oracle),
        cmocka_unit_test(floors),
        cmocka_unit_test_setup_teardown(boundary_cases, setup, teardown),
        cmocka_unit_test_setup_teardown(caps_hold_on_random_inputs, setup, teardown),
        cmocka_unit_test_setup_teardown(benchmark_workload_totals, setup, teardown),
        cmocka_unit_test(bad_packs_are_located),
        cmocka_unit_test(deadline_is_read),
        cmocka_unit_test(deadline_set_as_a_parameter),
        cmocka_unit_test(strict_and_exact_comparisons),
        cmocka_unit_test_setup_teardown(bulk_kernel_agrees_with_calc, setup, teardown),
        cmocka_unit_test(conditions_on_numbers_and_choices),
        cmocka_unit_test(tiered_rates),
        cmocka_unit_test(versions_compare_by_clause),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
