/* Applications and the payout ledger: yearly caps enforced across approvals (also when they run
 * at once on separate connections), reversals, and a verifier that catches tampering. */
#define _GNU_SOURCE /* sched_setaffinity: the verifier reads differently on one CPU */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "award/award.h"
#include "award/award_int.h" /* award_line_read: a stored line decoded */
#include "base/buf.h"
#include "base/clock.h"
#include "base/hash.h"
#include "calendar/calendar.h"
#include "entity/entity.h"
#include "policy/policy.h"
#include "store/store.h"
#include "test_util.h"

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
    if (entity_import_csv(f->s, "test", csv, strlen(csv), "t.csv", NULL, &rep, &e) != ST_OK)
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

/* Where a line of format 4 (db/migrations/021) holds its fields: the JSON array's index. */
enum {
    AT_ID = 1,
    AT_APP = 2,
    AT_ENTITY = 3,
    AT_YEAR = 4,
    AT_AMOUNT = 5,
    AT_CAP_USED = 6,
    AT_REVERSES = 7,
    AT_CLAIMED = 8,
    AT_BUDGET_USED = 9,
    AT_BUDGET_HELD = 10,
    AT_MATTER_PRIOR = 11,
    AT_BATCH = 12,
    AT_PACK = 13, /* the pack's number */
    AT_APPLIED_ON = 15
};

/* Writes v into line id's field at, as someone editing the database by hand would (SQLite's
 * json_set leaves every other byte of the line as it was). */
static void line_set(struct store *s, int64_t id, int at, int64_t v)
{
    char sql[300];
    snprintf(sql, sizeof sql,
             "UPDATE payouts SET line = CAST(json_set(CAST(line AS TEXT), '$[%d]', %lld) AS BLOB)"
             " WHERE id = %lld",
             at, (long long)v, (long long)id);
    assert_int_equal(exec(s, sql), 0);
}

/* Writes text as line id's field at (a string: the date). */
static void line_set_text(struct store *s, int64_t id, int at, const char *text)
{
    char sql[400];
    snprintf(sql, sizeof sql,
             "UPDATE payouts SET line = CAST(json_set(CAST(line AS TEXT), '$[%d]', '%s') AS BLOB)"
             " WHERE id = %lld",
             at, text, (long long)id);
    assert_int_equal(exec(s, sql), 0);
}

/* Replaces line id's k-th string (0 clause, 1 matter, 2 created by; 4 the inputs, given as the
 * JSON array of names and values). */
static void line_set_string(struct store *s, int64_t id, int k, const char *v)
{
    assert_true(k >= 0 && k <= 4 && k != 3);
    char sql[600];
    snprintf(sql, sizeof sql,
             "UPDATE payouts SET line = CAST(json_set(CAST(line AS TEXT), '$[%d]', %s('%s'))"
             " AS BLOB) WHERE id = %lld",
             16 + (k == 4 ? 3 : k), k == 4 ? "json" : "", v, (long long)id);
    assert_int_equal(exec(s, sql), 0);
}

/* Line id's stored bytes, as text. */
static void line_text(struct store *s, int64_t id, char *out, size_t cap)
{
    struct store_stmt *q;
    struct err e = {0};
    assert_int_equal(store_prepare(s, "SELECT line FROM payouts WHERE id = ?", &q, &e), ST_OK);
    store_bind_int(q, 1, id);
    int row;
    assert_int_equal(store_step(q, &row, &e), ST_OK);
    assert_true(row);
    size_t n;
    const char *p = store_col_blob(q, 0, &n);
    assert_true(n < cap);
    memcpy(out, p, n);
    out[n] = '\0';
    store_finish(q);
}

/* Writes bytes as line id. */
static void line_write(struct store *s, int64_t id, const char *bytes)
{
    struct store_stmt *q;
    struct err e = {0};
    assert_int_equal(store_prepare(s, "UPDATE payouts SET line = ? WHERE id = ?", &q, &e), ST_OK);
    store_bind_blob(q, 1, bytes, strlen(bytes));
    store_bind_int(q, 2, id);
    if (store_run(q, &e) != ST_OK)
        fail_msg("line %lld not written: %s", (long long)id, e.msg);
}

static void verifier_catches_tampering(void **state)
{
    struct fx *f = *state;
    approve(f->s, apply_patents(f->s, 5, NULL));
    approve(f->s, apply_patents(f->s, 5, NULL));
    verify_ok(f->s, 2, 10000000);
    struct award_verify v;
    struct err e = {0};
    /* An edited amount breaks the chain, and every column shows what the line says. */
    line_set(f->s, 1, AT_AMOUNT, 6000000);
    assert_int_equal(test_count(f->s, "payouts WHERE id = 1 AND amount_fen = 6000000"), 1);
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 1);
    assert_non_null(strstr(v.problem, "哈希链"));
    line_set(f->s, 1, AT_AMOUNT, 5000000);
    verify_ok(f->s, 2, 10000000);
    /* A column cannot be edited apart from its line. */
    assert_int_equal(exec(f->s, "UPDATE payouts SET amount_fen = 1 WHERE id = 1"), -1);
    /* The applications still hold what their lines were paid on; one edited afterwards leaves
     * the ledger sound (it carries its own copy) but is named by the applications check. */
    assert_int_equal(award_ledger_check_applications(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 0);
    assert_int_equal(v.lines, 2);
    assert_int_equal(exec(f->s, "UPDATE applications SET inputs = '{\"institution_registered\":"
                                "\"是\",\"patents\":\"9\"}' WHERE id = 2"),
                     0);
    verify_ok(f->s, 2, 10000000);
    assert_int_equal(award_ledger_check_applications(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 2);
    assert_int_equal(v.lines, 1);
    assert_non_null(strstr(v.problem, "申请 2 的输入或申请日期与兑付时不同"));
    assert_int_equal(exec(f->s, "UPDATE applications SET inputs = '{\"institution_registered\":"
                                "\"是\",\"patents\":\"5\"}', applied_on = '2020-09-02'"
                                " WHERE id = 2"),
                     0);
    assert_int_equal(award_ledger_check_applications(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 2);
    assert_int_equal(exec(f->s, "UPDATE applications SET applied_on = '2020-09-01' WHERE id = 2"),
                     0);
    assert_int_equal(award_ledger_check_applications(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 0);
    /* Edited inputs break the chain too. */
    line_set_string(f->s, 2, 4, "[\"institution_registered\",\"是\",\"patents\",\"9\"]");
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 2);
    assert_non_null(strstr(v.problem, "哈希链"));
    /* a line that is not JSON, or not an array of 20, is refused by the table's CHECK; written
     * past it, the verifier names what is wrong */
    static const char longer[] = "UPDATE payouts SET line = CAST(CAST(line AS TEXT) || 'x' AS"
                                 " BLOB) WHERE id = 1";
    static const char cut[] = "UPDATE payouts SET line = CAST(substr(line, 1, 100) AS BLOB)"
                              " WHERE id = 1";
    static const char fewer[] = "UPDATE payouts SET line = CAST(json_remove(CAST(line AS TEXT),"
                                " '$[18]') AS BLOB) WHERE id = 1";
    line_set_string(f->s, 2, 4, "[\"institution_registered\",\"是\",\"patents\",\"5\"]");
    verify_ok(f->s, 2, 10000000);
    assert_int_equal(exec(f->s, longer), -1);
    assert_int_equal(exec(f->s, cut), -1);
    assert_int_equal(exec(f->s, fewer), -1);
    /* Written past the table (as someone editing the file could: here a copy of the table
     * without its CHECK and the generated columns, whose indexes json_extract refuses such
     * bytes for), the verifier names what is wrong, and where. */
    assert_int_equal(store_exec(f->s,
                                "CREATE TABLE bare (id INTEGER PRIMARY KEY, line BLOB, hash TEXT);"
                                "INSERT INTO bare SELECT id, line, hash FROM payouts;"
                                "DROP TABLE payouts; ALTER TABLE bare RENAME TO payouts",
                                &e),
                     ST_OK);
    verify_ok(f->s, 2, 10000000);
    char line[1024], first[1024];
    line_text(f->s, 2, line, sizeof line);
    line_text(f->s, 1, first, sizeof first);
    assert_non_null(strstr(line, ",2020,"));
    const struct {
        const char *from, *to, *problem;
    } broken[] = {
        {",2020,", ",20x0,", "第 5 项（年度）不是整数"},
        {",2020,", ",10000,", "第 5 项（年度）超出范围"},
        {",2020,", ",02020,", "第 5 项（年度）不是整数"},
        {"[4,2,2,", "[4,2,-2,", "第 3 项（申请编号）不能为负或为零"},
        {"[4,", "[3,", "第 1 项（格式）不是 4"},
        {",5000000,", ",-0,", "第 6 项（金额）不是整数"},
        {",5000000,", ",1000000000000000000,", "第 6 项（金额）不是整数"},
        {",5000000,", ",5000000 ,", "第 6 项（金额）后缺少逗号"},
        {"\"ip-transfer\"", "\"ip-\\u0074ransfer\"", "第 17 项（条款）不是字符串"},
        {"\"ip-transfer\"", "\"ip-\ttransfer\"", "第 17 项（条款）不是字符串"},
        {"\"ip-transfer\"", "\"ip-\xe6\x98transfer\"", "第 17 项（条款）不是字符串"},
        {"\"ip-transfer\"", "\"ip-\xe6\x98\xaftransfer\"", "哈希链断裂"}, /* it reads */
        {"\"patents\",\"5\"]", "\"patents\"]", "第 20 项（输入）不是名称与值相间的字符串数组"},
        {"\"5\"]]", "\"5\"]] ", "第 20 项（输入）后还有多余的字节"},
        {"\"5\"]]", "\"5\"]", "第 20 项（输入）后还有多余的字节"},
    };
    for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
        char forged[1100];
        const char *at = strstr(line, broken[i].from);
        if (!at)
            fail_msg("case %zu: no \"%s\" in %s", i, broken[i].from, line);
        snprintf(forged, sizeof forged, "%.*s%s%s", (int)(at - line), line, broken[i].to,
                 at + strlen(broken[i].from));
        line_write(f->s, 2, forged);
        assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
        assert_int_equal(v.bad_line, 2);
        if (!strstr(v.problem, broken[i].problem))
            fail_msg("case %zu: %s", i, v.problem);
    }
    line_write(f->s, 2, line);
    assert_int_equal(exec(f->s, longer), 0);
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 1);
    assert_non_null(strstr(v.problem, "后还有多余的字节"));
    assert_int_equal(exec(f->s, cut), 0);
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 1);
    assert_non_null(strstr(v.problem, "不是可解读的账本行"));
    line_write(f->s, 1, first);
    verify_ok(f->s, 2, 10000000);
    assert_int_equal(exec(f->s, fewer), 0);
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_non_null(strstr(v.problem, "第 19 项（写入人）"));
}

/* Decodes bytes both ways (with the fast path for plain lines and without it) and requires the
 * same answer: the same refusal and message, or the same fields and inputs. */
static void decodes_alike(const char *bytes, size_t n, const char *what)
{
    char *a = malloc(n + 8), *b = malloc(n + 8);
    char why_a[200] = "", why_b[200] = "";
    struct line la, lb;
    int ok_a = award_line_decode((const unsigned char *)bytes, n, &la, a, why_a, sizeof why_a);
    int ok_b =
        award_line_decode_general((const unsigned char *)bytes, n, &lb, b, why_b, sizeof why_b);
    if (ok_a != ok_b || (!ok_a && strcmp(why_a, why_b)))
        fail_msg("%s: %d \"%s\" against %d \"%s\" for %.*s", what, ok_a, why_a, ok_b, why_b, (int)n,
                 bytes);
    if (ok_a) {
        int same = award_line_same(&la, &lb);
        if (!same)
            fail_msg("%s: decoded differently: %.*s", what, (int)n, bytes);
    }
    free(a);
    free(b);
}

/* A line as the ledger writes it, with n inputs named and valued from name and value. */
static void encode_line(struct buf *b, const char *clause, const char *matter, const char *by,
                        const struct policy_input *in, size_t n)
{
    struct line l = {.id = 123456,
                     .app = 98765,
                     .entity = 4321,
                     .year = 2020,
                     .amount = 8650000,
                     .cap_used = 12345678901,
                     .claimed = 8650000,
                     .budget_used = 0,
                     .pack_id = 3,
                     .format = 4,
                     .at = "2020-09-01T08:00:00Z",
                     .applied_on = "2020-09-01",
                     .clause = clause,
                     .matter = matter,
                     .by = by};
    struct err e = {0};
    b->len = 0;
    if (award_line_encode(&l, in, n, b, &e) != ST_OK)
        fail_msg("encode: %s", e.msg);
}

/* The fast path for plain lines reads every line exactly as the general reader does: lines of
 * every string length it copies differently, with Chinese, escapes, no inputs, the most inputs,
 * past its length limit; and each byte of a line replaced, removed or doubled. */
static void plain_lines_decode_as_the_general_reader_does(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 0);
    static const char text[] = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    char value[80];
    for (size_t len = 0; len < 70; len++) { /* each copy width, strings across 64-byte words */
        for (size_t i = 0; i < len; i++)
            value[i] = text[i % (sizeof text - 1)];
        value[len] = '\0';
        struct policy_input in[2] = {{"amount", value}, {"contract_no", "是"}};
        encode_line(&b, "tech-contract", value, len % 3 ? "office" : "张三", in, 2);
        decodes_alike(b.data, b.len, "string lengths");
        encode_line(&b, value, "", "office", in, len % 2 ? 1 : 0);
        decodes_alike(b.data, b.len, "no inputs or one");
    }
    struct policy_input escaped[2] = {{"note", "a \"quoted\" \\ word\n"}, {"x", "\x01"}};
    encode_line(&b, "tech-contract", "", "office", escaped, 2);
    decodes_alike(b.data, b.len, "escapes");
    char names[INPUTS_MAX + 1][8];
    struct policy_input many[INPUTS_MAX + 1];
    for (size_t i = 0; i <= INPUTS_MAX; i++) {
        snprintf(names[i], sizeof names[i], "in%02zu", i);
        many[i] = (struct policy_input){names[i], "是"};
    }
    encode_line(&b, "tech-contract", "", "office", many, INPUTS_MAX);
    decodes_alike(b.data, b.len, "the most inputs");
    assert_true(b.len > 256); /* past the fast path's limit: read the general way */
    /* one input more than a line may have, written by hand */
    char more[2048];
    int cut = (int)b.len - 2;
    snprintf(more, sizeof more, "%.*s,\"in32\",\"是\"]]", cut, b.data);
    decodes_alike(more, strlen(more), "an input too many");
    /* every byte of a plain line replaced by each of the bytes its structure turns on, removed
     * and doubled */
    struct policy_input two[2] = {{"amount", "8650000.00"}, {"contract_registered", "是"}};
    encode_line(&b, "tech-contract", "tech-contract-once:HT-2", "office", two, 2);
    char base[512], forged[520];
    size_t n = b.len;
    memcpy(base, b.data, n);
    decodes_alike(base, n, "the plain line");
    static const char swaps[] = "\",[]\\ x0-9\x01\x7f\xe6\x98\xaf\x80";
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < sizeof swaps - 1; k++) {
            memcpy(forged, base, n);
            forged[i] = swaps[k];
            decodes_alike(forged, n, "a byte replaced");
        }
        memcpy(forged, base, i);
        memcpy(forged + i, base + i + 1, n - i - 1);
        decodes_alike(forged, n - 1, "a byte removed");
        memcpy(forged, base, i + 1);
        memcpy(forged + i + 1, base + i, n - i);
        decodes_alike(forged, n + 1, "a byte doubled");
    }
    buf_cleanup(&b);
}

/* Runs the verifier with this thread allowed a single CPU, where it reads the lines itself
 * instead of on a second thread. */
static void verify_on_one_cpu(struct store *s, struct award_verify *v)
{
    cpu_set_t all, one;
    assert_int_equal(sched_getaffinity(0, sizeof all, &all), 0);
    CPU_ZERO(&one);
    for (int c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &all)) {
            CPU_SET(c, &one);
            break;
        }
    assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
    struct err e = {0};
    enum status st = award_ledger_verify(s, v, &e);
    assert_int_equal(sched_setaffinity(0, sizeof all, &all), 0);
    assert_int_equal(st, ST_OK);
}

/* A ledger longer than the verifier's chunks (1,024 lines with a reading thread, 128 without):
 * approvals each reversed in the next line, so reversals are compared across chunks. Sound, it
 * verifies alike both ways; a line edited in a later chunk is named both ways. */
static void verifier_reads_in_chunks(void **state)
{
    struct fx *f = *state;
    struct err e = {0};
    int64_t last = 0;
    for (int i = 0; i < 530; i++) {
        struct award_outcome o;
        if (award_decide(f->s, "office", apply_patents(f->s, 2, NULL), 1, NULL, &o, &e) != ST_OK)
            fail_msg("approve: %s", e.msg);
        if (i < 529 && award_reverse(f->s, "office", o.payout_id, "重复申报", &last, &e) != ST_OK)
            fail_msg("reverse: %s", e.msg);
    }
    verify_ok(f->s, 1059, 2000000);
    struct award_verify v;
    verify_on_one_cpu(f->s, &v);
    if (v.bad_line)
        fail_msg("line %lld: %s", (long long)v.bad_line, v.problem);
    assert_int_equal(v.lines, 1059);
    assert_int_equal(v.total_fen, 2000000);
    /* line 1,041 is an approval in the second chunk of the reading thread's */
    line_set(f->s, 1041, AT_AMOUNT, 3000000);
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 1041);
    assert_int_equal(v.lines, 1040);
    assert_non_null(strstr(v.problem, "哈希链"));
    verify_on_one_cpu(f->s, &v);
    assert_int_equal(v.bad_line, 1041);
    assert_int_equal(v.lines, 1040);
    assert_non_null(strstr(v.problem, "哈希链"));
}

/* Rewrites every line's hash as the ledger's formats 3 and 4 define it, written here
 * independently of award.c: SHA-256 of the previous line's hash (in hex before a line of format
 * 3, as 32 bytes before one of format 4) followed by the stored line. What
 * someone with write access to the database and the format could do; the verifier must then
 * still catch what is inconsistent. */
static void rechain(struct store *s)
{
    struct store_stmt *q;
    struct err e = {0};
    if (store_prepare(s, "SELECT id, line FROM payouts ORDER BY id", &q, &e) != ST_OK)
        fail_msg("%s", e.msg);
    char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
    char(*sql)[200] = NULL; /* one UPDATE a line, however many lines */
    size_t n = 0, cap = 0;
    int row;
    while (store_step(q, &row, &e) == ST_OK && row) {
        size_t len;
        const unsigned char *line = store_col_blob(q, 1, &len);
        /* format 4 ('['): the previous hash's 32 bytes; format 3: its 64 hex digits */
        size_t plen = len && line[0] == '[' ? 32 : 64;
        unsigned char *msg = malloc(64 + len);
        if (plen == 32)
            for (int i = 0; i < 32; i++) {
                unsigned byte;
                assert_int_equal(sscanf(prev + 2 * i, "%2x", &byte), 1);
                msg[i] = (unsigned char)byte;
            }
        else
            memcpy(msg, prev, 64);
        memcpy(msg + plen, line, len);
        char hash[65];
        hash_sha256_hex(msg, plen + len, hash);
        free(msg);
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            sql = realloc(sql, cap * sizeof *sql);
            assert_non_null(sql);
        }
        snprintf(sql[n++], sizeof sql[0], "UPDATE payouts SET hash = '%s' WHERE id = %lld", hash,
                 (long long)store_col_int(q, 0));
        memcpy(prev, hash, sizeof prev);
    }
    store_finish(q);
    assert_int_equal(store_begin(s, &e), ST_OK);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(exec(s, sql[i]), 0);
    assert_int_equal(store_commit(s, &e), ST_OK);
    free(sql);
}

/* The sum of the ledger's amounts, as its columns say. */
static int64_t ledger_total(struct store *s)
{
    struct store_stmt *q;
    struct err e = {0};
    int row;
    int64_t total = 0;
    assert_int_equal(store_prepare(s, "SELECT coalesce(sum(amount_fen), 0) FROM payouts", &q, &e),
                     ST_OK);
    assert_int_equal(store_step(q, &row, &e), ST_OK);
    total = store_col_int(q, 0);
    store_finish(q);
    return total;
}

/* A stored hash is its 64 lowercase digits and nothing else: one with a digit added, in
 * capitals, or cut short names its line (the next line, hashed after it, then holds: its
 * chaining reads what is stored). */
static void stored_hash_is_exactly_its_digits(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < 3; i++)
        approve(f->s, apply_patents(f->s, 1, NULL));
    static const char *const edits[] = {"hash || '0'", "upper(hash)", "substr(hash, 1, 63)"};
    for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
        char sql[200];
        struct award_verify v;
        struct err e = {0};
        assert_int_equal(exec(f->s, "CREATE TEMP TABLE kept AS SELECT hash FROM payouts"
                                    " WHERE id = 2"),
                         0);
        snprintf(sql, sizeof sql, "UPDATE payouts SET hash = %s WHERE id = 2", edits[i]);
        assert_int_equal(exec(f->s, sql), 0);
        assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
        assert_int_equal(v.bad_line, 2);
        if (!strstr(v.problem, "哈希链断裂"))
            fail_msg("%s: %s", edits[i], v.problem);
        assert_int_equal(exec(f->s, "UPDATE payouts SET hash = (SELECT hash FROM kept)"
                                    " WHERE id = 2"),
                         0);
        assert_int_equal(exec(f->s, "DROP TABLE kept"), 0);
        assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
        assert_int_equal(v.bad_line, 0);
        assert_int_equal(v.lines, 3);
    }
}

/* Every digit of a stored number counts, at its place: a yearly total written with fifteen
 * different digits (and rehashed) is named with exactly those digits. */
static void verifier_reads_every_digit(void **state)
{
    struct fx *f = *state;
    approve(f->s, apply_patents(f->s, 5, NULL));
    static const int64_t forged[] = {123456789012345, -987654321098765, 100000000, 99999999};
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++) {
        line_set(f->s, 1, AT_CAP_USED, forged[i]);
        rechain(f->s);
        struct award_verify v;
        struct err e = {0};
        assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
        assert_int_equal(v.bad_line, 1);
        char want[120];
        snprintf(want, sizeof want, "记录的本年度已兑付 %lld 分与账本累计 0 分不符",
                 (long long)forged[i]);
        if (!strstr(v.problem, want))
            fail_msg("%s: want %s", v.problem, want);
    }
    /* ten-digit numbers, read back as the verifier decodes them */
    static const struct {
        int at;
        int64_t v;
    } fields[] = {{AT_ENTITY, 1234567890}, {AT_REVERSES, 9876543210}, {AT_AMOUNT, 100000000000001}};
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        line_set(f->s, 1, fields[i].at, fields[i].v);
    struct line l;
    char *scratch = NULL;
    int found = 0;
    struct err e = {0};
    assert_int_equal(award_line_read(f->s, 1, &l, &scratch, &found, &e), ST_OK);
    assert_true(found);
    assert_int_equal(l.entity, 1234567890);
    assert_int_equal(l.reverses, 9876543210);
    assert_int_equal(l.amount, 100000000000001);
    assert_int_equal(l.cap_used, 99999999);
    free(scratch);
}

static void stored_hash(struct store *s, int64_t id, char out[65])
{
    struct store_stmt *q;
    struct err e = {0};
    int row = 0;
    assert_int_equal(store_prepare(s, "SELECT hash FROM payouts WHERE id = ?", &q, &e), ST_OK);
    store_bind_int(q, 1, id);
    assert_int_equal(store_step(q, &row, &e), ST_OK);
    assert_true(row);
    snprintf(out, 65, "%s", store_col_text(q, 0));
    store_finish(q);
}

/* What a hash chain cannot show by itself: lines cut off its end, or the whole ledger rewritten
 * and rehashed. The head a verification reports, written down, shows both; the approved
 * applications show lines cut off too. */
static void anchors_catch_what_the_chain_cannot(void **state)
{
    struct fx *f = *state;
    for (int i = 0; i < 3; i++)
        approve(f->s, apply_patents(f->s, 2, NULL));
    struct award_verify v;
    struct err e = {0};
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 0);
    char h2[65], h3[65], anchor[80];
    stored_hash(f->s, 2, h2);
    stored_hash(f->s, 3, h3);
    assert_int_equal(v.head_id, 3);
    assert_string_equal(v.head_hash, h3);
    json_t *j = award_verify_json(&v);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "head"), "hash")), h3);
    json_decref(j);
    struct audit_anchor an;
    snprintf(anchor, sizeof anchor, "3:%s", h3);
    assert_int_equal(audit_anchor_check(f->s, &award_ledger_chain, anchor, &an, &e), ST_OK);
    assert_true(an.ok);
    /* the last line deleted: the rest is a sound chain */
    assert_int_equal(exec(f->s, "DELETE FROM payouts WHERE id = 3"), 0);
    verify_ok(f->s, 2, 4000000);
    assert_int_equal(audit_anchor_check(f->s, &award_ledger_chain, anchor, &an, &e), ST_OK);
    assert_false(an.ok);
    assert_non_null(strstr(an.problem, "兑付账本没有第 3 行（现有 2 行）"));
    assert_int_equal(award_ledger_check_applications(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 3);
    assert_non_null(strstr(v.problem, "申请 3 已批准兑付 20,000.00元，账本中却没有它的兑付行"));
    /* a line rewritten and every hash recomputed: sound again, but not the line written down */
    line_set_string(f->s, 2, 2, "someone");
    rechain(f->s);
    verify_ok(f->s, 2, 4000000);
    snprintf(anchor, sizeof anchor, "2:%s", h2);
    assert_int_equal(audit_anchor_check(f->s, &award_ledger_chain, anchor, &an, &e), ST_OK);
    assert_false(an.ok);
    assert_non_null(strstr(an.problem, "兑付账本第 2 行的哈希与抄录的锚点不符"));
    /* an anchor that is not ID:HASH: no hash, no id, id 0 or negative, capitals, a digit more */
    char bad[8][100];
    snprintf(bad[0], sizeof bad[0], "%s", "");
    snprintf(bad[1], sizeof bad[1], "%s", "3");
    snprintf(bad[2], sizeof bad[2], "%s", "3:");
    snprintf(bad[3], sizeof bad[3], "x:%s", h2);
    snprintf(bad[4], sizeof bad[4], "0:%s", h2);
    snprintf(bad[5], sizeof bad[5], "-1:%s", h2);
    snprintf(bad[6], sizeof bad[6], "3:%.61sABC", h2);
    snprintf(bad[7], sizeof bad[7], "3:%s0", h2);
    for (size_t i = 0; i < 8; i++) {
        memset(&e, 0, sizeof e);
        if (audit_anchor_check(f->s, &award_ledger_chain, bad[i], &an, &e) != ST_INVALID)
            fail_msg("anchor \"%s\" was taken", bad[i]);
        assert_string_equal(e.where, "anchor");
    }
}

/* A reversal must undo one earlier award exactly; a consistently rehashed forgery is caught by
 * what the line says, not only by the chain. */
static void verifier_checks_reversals(void **state)
{
    struct fx *f = *state;
    approve(f->s, apply_patents(f->s, 5, NULL));
    approve(f->s, apply_patents(f->s, 5, NULL));
    int64_t rid;
    struct err e = {0};
    assert_int_equal(award_reverse(f->s, "office", 1, "重复申报", &rid, &e), ST_OK);
    verify_ok(f->s, 3, 5000000);
    rechain(f->s); /* the independent hashing agrees with the ledger's own */
    verify_ok(f->s, 3, 5000000);
    struct award_verify v;
    /* A consistently rehashed award whose amount its inputs do not give is recomputed. */
    line_set_string(f->s, 2, 4, "[\"institution_registered\",\"是\",\"patents\",\"4\"]");
    rechain(f->s);
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 2);
    assert_non_null(strstr(v.problem, "重算金额"));
    line_set_string(f->s, 2, 4, "[\"institution_registered\",\"是\",\"patents\",\"5\"]");
    line_set_string(f->s, 2, 4, "[\"institution_registered\",\"是\",\"patents\",\"x\"]");
    rechain(f->s);
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 2);
    assert_non_null(strstr(v.problem, "不是有效的件数"));
    line_set_string(f->s, 2, 4, "[\"institution_registered\",\"是\",\"patents\",\"5\"]");
    rechain(f->s);
    verify_ok(f->s, 3, 5000000);
    struct store_stmt *q;
    int row;
    assert_int_equal(store_prepare(f->s, "SELECT entity_id FROM payouts WHERE id = 3", &q, &e),
                     ST_OK);
    assert_int_equal(store_step(q, &row, &e), ST_OK);
    int64_t entity = store_col_int(q, 0);
    store_finish(q);
    assert_true(entity > 0);
    const struct {
        int at, k;
        const char *forge, *undo;
        int64_t bad, good;
        const char *problem;
    } cases[] = {
        {AT_ENTITY, -1, NULL, NULL, entity + 1, entity, "主体"},
        {0, 1, "x:1", "", 0, 0, "事项"},
        {0, 4, "[\"institution_registered\",\"是\",\"patents\",\"4\"]",
         "[\"institution_registered\",\"是\",\"patents\",\"5\"]", 0, 0, "输入"},
        {AT_AMOUNT, -1, NULL, NULL, -4000000, -5000000, "追回金额"},
        {AT_CAP_USED, -1, NULL, NULL, 0, 10000000, "本年度已兑付"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        if (cases[i].at)
            line_set(f->s, 3, cases[i].at, cases[i].bad);
        else
            line_set_string(f->s, 3, cases[i].k, cases[i].forge);
        rechain(f->s);
        assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
        assert_int_equal(v.bad_line, 3);
        if (!strstr(v.problem, cases[i].problem))
            fail_msg("case %zu: %s", i, v.problem);
        if (cases[i].at)
            line_set(f->s, 3, cases[i].at, cases[i].good);
        else
            line_set_string(f->s, 3, cases[i].k, cases[i].undo);
        rechain(f->s);
        verify_ok(f->s, 3, 5000000);
    }
    /* A second reversal of the same payout, and a reversal of the reversal. */
    assert_int_equal(exec(f->s,
                          "INSERT INTO payouts (id, line, hash) SELECT 4, line, '' FROM payouts"
                          " WHERE id = 3"),
                     0);
    line_set(f->s, 4, AT_ID, 4);
    line_set(f->s, 4, AT_CAP_USED, 5000000);
    rechain(f->s);
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 4);
    assert_non_null(strstr(v.problem, "追回两次"));
    line_set(f->s, 4, AT_REVERSES, 3);
    line_set(f->s, 4, AT_AMOUNT, 5000000);
    rechain(f->s);
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 4);
    assert_non_null(strstr(v.problem, "追回了一条追回记录"));
    /* A line whose own id is not its place. */
    line_set(f->s, 4, AT_ID, 5);
    rechain(f->s);
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 4);
    assert_non_null(strstr(v.problem, "编号不连续"));
}

/* Rewrites every line as format 3 (db/migrations/018's fixed-width head, the pack by its SHA-256,
 * the inputs as name=LEN:value lines), as a store written before schema 21 holds them; the
 * hashes are rewritten by rechain. */
static void to_format_3(struct store *s)
{
    struct store_stmt *q;
    struct err e = {0};
    assert_int_equal(
        store_prepare(s,
                      "SELECT id, application_id, entity_id, year, amount_fen, cap_used_fen,"
                      " coalesce(reverses_id, 0), claimed_fen, budget_used_fen, budget_held_fen,"
                      " matter_prior_fen, batch, (SELECT sha256 FROM policy_packs k WHERE k.id ="
                      " pack_id), created_at, applied_on, clause, matter, created_by, inputs"
                      " FROM payouts ORDER BY id",
                      &q, &e),
        ST_OK);
    char(*lines)[1024] = NULL;
    size_t n = 0;
    int row;
    while (store_step(q, &row, &e) == ST_OK && row) {
        lines = realloc(lines, (n + 1) * sizeof *lines);
        assert_non_null(lines);
        char pairs[512] = "";
        json_t *in = json_loads(store_col_text(q, 18), 0, NULL);
        assert_true(json_is_array(in) && json_array_size(in) % 2 == 0);
        for (size_t i = 0; i < json_array_size(in); i += 2) {
            const char *v = json_string_value(json_array_get(in, i + 1));
            snprintf(pairs + strlen(pairs), sizeof pairs - strlen(pairs), "%s=%zu:%s\n",
                     json_string_value(json_array_get(in, i)), strlen(v), v);
        }
        json_decref(in);
        const char *clause = store_col_text(q, 15), *matter = store_col_text(q, 16),
                   *by = store_col_text(q, 17);
        long long num[12];
        for (int i = 0; i < 12; i++)
            num[i] = (long long)store_col_int(q, i);
        snprintf(lines[n], sizeof lines[0],
                 "3%010lld%010lld%010lld%04lld%+016lld%+016lld%010lld%+016lld%+016lld%+016lld"
                 "%+016lld%010lld%s%s%s%03zu%03zu%03zu%02d%05zu%s%s%s%s",
                 num[0], num[1], num[2], num[3], num[4], num[5], num[6], num[7], num[8], num[9],
                 num[10], num[11], store_col_text(q, 12), store_col_text(q, 13),
                 store_col_text(q, 14), strlen(clause), strlen(matter), strlen(by), 0,
                 strlen(pairs), clause, matter, by, pairs);
        n++;
    }
    store_finish(q);
    for (size_t i = 0; i < n; i++)
        line_write(s, (int64_t)i + 1, lines[i]);
    free(lines);
    rechain(s);
}

/* Lines of format 3 (stores written before schema 21) still verify, and the ledger goes on in
 * format 4 after them: a new award, and a reversal of a format-3 line, which names the same pack
 * by its number. */
static void format_3_lines_still_verify(void **state)
{
    struct fx *f = *state;
    struct err e = {0};
    int64_t rid;
    approve(f->s, apply_patents(f->s, 5, NULL));
    approve(f->s, apply_patents(f->s, 3, NULL));
    approve(f->s, apply_patents(f->s, 2, NULL));
    assert_int_equal(award_reverse(f->s, "office", 3, "重复申报", &rid, &e), ST_OK);
    to_format_3(f->s);
    assert_int_equal(test_count(f->s, "payouts WHERE format = 3 AND pack_id IS NULL AND"
                                      " length(pack_sha256) = 64 AND inputs LIKE '%patents=1:%'"),
                     4);
    verify_ok(f->s, 4, 8000000);
    approve(f->s, apply_patents(f->s, 1, NULL));
    assert_int_equal(award_reverse(f->s, "office", 2, "专利转移不实", &rid, &e), ST_OK);
    assert_int_equal(test_count(f->s, "payouts WHERE format = 4 AND pack_id > 0"), 2);
    assert_int_equal(test_count(f->s, "payouts p WHERE id = 6 AND reverses_id = 2 AND"
                                      " (SELECT sha256 FROM policy_packs WHERE id = p.pack_id) ="
                                      " (SELECT pack_sha256 FROM payouts WHERE id = 2)"),
                     1);
    verify_ok(f->s, 6, 6000000);
    struct award_verify v;
    assert_int_equal(award_ledger_check_applications(f->s, &v, &e), ST_OK);
    if (v.bad_line)
        fail_msg("line %lld: %s", (long long)v.bad_line, v.problem);
    assert_int_equal(v.lines, 4);
    /* the reversal (format 4) of a format-3 line is compared with it once the reader is done:
     * one forged to another application, chain rewritten, is named */
    line_set(f->s, 6, AT_APP, 1);
    rechain(f->s);
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 6);
    assert_int_equal(v.lines, 5);
    assert_non_null(
        strstr(v.problem, "追回记录的申请、主体、条款、输入、年度或事项与被追回的兑付不符"));
    line_set(f->s, 6, AT_APP, 2);
    rechain(f->s);
    verify_ok(f->s, 6, 6000000);
    /* a format-3 line is still read by its widths: an amount edited in place breaks the chain */
    assert_int_equal(exec(f->s, "UPDATE payouts SET line = CAST(substr(line, 1, 35) ||"
                                " printf('%+016d', 4000000) || substr(line, 52) AS BLOB)"
                                " WHERE id = 1"),
                     0);
    assert_int_equal(test_count(f->s, "payouts WHERE id = 1 AND amount_fen = 4000000"), 1);
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 1);
    assert_non_null(strstr(v.problem, "哈希链"));
    /* and one forged consistently (chain rewritten) is recomputed */
    rechain(f->s);
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 1);
    assert_non_null(strstr(v.problem, "兑付金额与重算"));
}

/* A line of format 4 names its pack by number. The pack's stored text rewritten with a
 * SHA-256 to match (a consistent forgery of policy_packs) is caught by the policy.load entry
 * of the audit log, which recorded the hash when the pack was stored; that entry rewritten
 * too breaks the audit log's own chain. */
static void pack_number_is_held_by_the_audit_log(void **state)
{
    struct fx *f = *state;
    struct err e = {0};
    approve(f->s, apply_patents(f->s, 5, NULL));
    verify_ok(f->s, 1, 5000000);
    struct store_stmt *q;
    assert_int_equal(store_prepare(f->s,
                                   "SELECT k.id, k.text FROM policy_packs k JOIN payouts p"
                                   " ON p.pack_id = k.id WHERE p.id = 1",
                                   &q, &e),
                     ST_OK);
    int row;
    assert_int_equal(store_step(q, &row, &e), ST_OK);
    assert_true(row);
    int64_t pack = store_col_int(q, 0);
    char *text = strdup(store_col_text(q, 1));
    store_finish(q);
    /* the same rules, one title changed: every amount replays as before */
    char *at = strstr(text, "知识产权");
    assert_non_null(at);
    memcpy(at, "智慧财产", strlen("智慧财产"));
    char sha[65];
    hash_sha256_hex(text, strlen(text), sha);
    assert_int_equal(
        store_prepare(f->s, "UPDATE policy_packs SET text = ?, sha256 = ? WHERE id = ?", &q, &e),
        ST_OK);
    store_bind_text(q, 1, text);
    store_bind_text(q, 2, sha);
    store_bind_int(q, 3, pack);
    assert_int_equal(store_run(q, &e), ST_OK);
    struct award_verify v;
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 1);
    assert_non_null(strstr(v.problem, "审计日志"));
    struct audit_report r;
    assert_int_equal(audit_verify(f->s, &r, &e), ST_OK);
    assert_int_equal(r.first_bad, 0);
    char sql[300];
    snprintf(sql, sizeof sql,
             "UPDATE audit_log SET after = '{\"sha256\":\"%s\"}' WHERE action = 'policy.load'"
             " AND entity_id = '%lld'",
             sha, (long long)pack);
    assert_int_equal(exec(f->s, sql), 0);
    verify_ok(f->s, 1, 5000000);
    assert_int_equal(audit_verify(f->s, &r, &e), ST_OK);
    assert_true(r.first_bad > 0);
    free(text);
}

/* The payouts table as schemas 10 and 12 left it, filled from the current lines (with the
 * given format) and chained as format 2 defined its hash, written here independently of
 * award.c: the fields one by one, each as "LEN:" and its bytes. */
static void back_to_schema_17(struct store *s, int format_of_line_1)
{
    struct err e = {0};
    char sql[2048];
    snprintf(sql, sizeof sql,
             "CREATE TABLE payouts_old (id INTEGER PRIMARY KEY, application_id BIGINT NOT NULL,"
             " entity_id BIGINT NOT NULL, clause TEXT NOT NULL, pack_sha256 TEXT NOT NULL,"
             " inputs_sha256 TEXT NOT NULL, year INTEGER NOT NULL, amount_fen BIGINT NOT NULL,"
             " cap_used_fen BIGINT NOT NULL, reverses_id BIGINT, created_at TEXT NOT NULL,"
             " created_by TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,"
             " format INTEGER NOT NULL DEFAULT 1, claimed_fen BIGINT NOT NULL DEFAULT 0,"
             " budget_used_fen BIGINT NOT NULL DEFAULT 0, budget_held_fen BIGINT NOT NULL"
             " DEFAULT 0, matter TEXT NOT NULL DEFAULT '', matter_prior_fen BIGINT NOT NULL"
             " DEFAULT 0, batch BIGINT NOT NULL DEFAULT 0);"
             "INSERT INTO payouts_old SELECT p.id, p.application_id, p.entity_id, p.clause,"
             " coalesce(p.pack_sha256, (SELECT sha256 FROM policy_packs WHERE id = p.pack_id)),"
             " a.inputs_sha256, p.year, p.amount_fen, p.cap_used_fen,"
             " p.reverses_id, p.created_at, p.created_by, '', '', CASE WHEN p.id = 1 THEN %d"
             " ELSE 2 END, p.claimed_fen, p.budget_used_fen, p.budget_held_fen, p.matter,"
             " p.matter_prior_fen, p.batch FROM payouts p JOIN applications a"
             " ON a.id = p.application_id;"
             "UPDATE payouts_old SET claimed_fen = 0 WHERE format = 1;",
             format_of_line_1);
    assert_int_equal(store_exec(s, sql, &e), ST_OK);
    struct store_stmt *q;
    assert_int_equal(
        store_prepare(s,
                      "SELECT id, application_id, entity_id, clause, pack_sha256, inputs_sha256,"
                      " year, amount_fen, cap_used_fen, coalesce(reverses_id, 0), created_at,"
                      " created_by, format, claimed_fen, budget_used_fen, budget_held_fen,"
                      " matter_prior_fen, batch, matter FROM payouts_old ORDER BY id",
                      &q, &e),
        ST_OK);
    char prev[65] = "0000000000000000000000000000000000000000000000000000000000000000";
    char upd[16][400];
    int n = 0, row;
    while (store_step(q, &row, &e) == ST_OK && row && n < 16) {
        struct hash_sha256 h;
        hash_sha256_init(&h);
        hash_sha256_field(&h, prev);
        /* the columns are selected in hashing order; format 1 lines end after created_by */
        int ncols = store_col_int(q, 12) >= 2 ? 19 : 12;
        for (int c = 0; c < ncols; c++) {
            if (c == 3 || c == 4 || c == 5 || c == 10 || c == 11 || c == 18) {
                hash_sha256_field(&h, store_col_text(q, c));
            } else {
                char num[24];
                snprintf(num, sizeof num, "%lld", (long long)store_col_int(q, c));
                hash_sha256_field(&h, num);
            }
        }
        char hash[65];
        hash_sha256_final_hex(&h, hash);
        snprintf(upd[n++], sizeof upd[0],
                 "UPDATE payouts_old SET prev_hash = '%s', hash = '%s' WHERE id = %lld", prev, hash,
                 (long long)store_col_int(q, 0));
        memcpy(prev, hash, sizeof prev);
    }
    store_finish(q);
    for (int i = 0; i < n; i++)
        assert_int_equal(exec(s, upd[i]), 0);
    assert_int_equal(store_exec(s,
                                "DROP TABLE payouts; ALTER TABLE payouts_old RENAME TO payouts;"
                                "DROP INDEX entity_facts_matters;" /* 19 runs again too */
                                "ALTER TABLE entity_facts DROP COLUMN matter_key;"
                                "ALTER TABLE entity_facts DROP COLUMN matter;"
                                "DROP INDEX applications_due;" /* and 20 */
                                "ALTER TABLE applications DROP COLUMN limit_wd;"
                                "ALTER TABLE applications DROP COLUMN due_on;"
                                "DROP INDEX audit_log_pack_loads;" /* and 21 */
                                "DELETE FROM schema_migrations WHERE version >= 18;",
                                &e),
                     ST_OK);
}

/* Replaces the inputs (the fifth string) of line id of formats 1-3, with its length in the
 * head (db/migrations/018: the lengths at bytes 246-261, the strings from 262). */
static void fixed_line_set_inputs(struct store *s, int64_t id, const char *v)
{
    static const int width[5] = {3, 3, 3, 2, 5};
    char line[2048], out[2048];
    line_text(s, id, line, sizeof line);
    size_t len[5], from = 261, at = 245;
    for (int i = 0; i < 5; at += (size_t)width[i++]) {
        char num[8] = {0};
        memcpy(num, line + at, (size_t)width[i]);
        len[i] = (size_t)strtoul(num, NULL, 10);
    }
    size_t o = 261, vlen = strlen(v);
    memcpy(out, line, 261);
    for (int i = 0, w = 245; i < 5; w += width[i++]) {
        const char *src = i == 4 ? v : line + from;
        size_t l = i == 4 ? vlen : len[i];
        char num[8];
        snprintf(num, sizeof num, "%0*zu", width[i], l);
        memcpy(out + w, num, (size_t)width[i]);
        memcpy(out + o, src, l);
        o += l;
        from += len[i];
    }
    out[o] = '\0';
    line_write(s, id, out);
}

/* Lines written before schema 18 (formats 1 and 2, hashed field by field, their inputs in the
 * application) are converted with their hashes unchanged, verify as before, and the ledger goes
 * on in format 3 after them: a new award, and a reversal of an old line. */
static void old_lines_survive_the_upgrade(void **state)
{
    struct fx *f = *state;
    approve(f->s, apply_patents(f->s, 5, NULL));
    approve(f->s, apply_patents(f->s, 3, NULL));
    int64_t rid;
    struct err e = {0};
    assert_int_equal(award_reverse(f->s, "office", 2, "重复申报", &rid, &e), ST_OK);
    back_to_schema_17(f->s, 1);
    store_close(f->s);
    assert_int_equal(store_open(f->db, &f->s, &e), ST_OK);
    assert_int_equal(store_schema_version(f->s), store_schema_latest());
    assert_int_equal(test_count(f->s, "payouts WHERE format = 1"), 1);
    assert_int_equal(test_count(f->s, "payouts WHERE format = 2"), 2);
    assert_int_equal(test_count(f->s, "payouts WHERE reverses_id = 2 AND inputs LIKE '{%'"), 1);
    verify_ok(f->s, 3, 5000000);
    approve(f->s, apply_patents(f->s, 2, NULL));
    assert_int_equal(award_reverse(f->s, "office", 1, "专利转移不实", &rid, &e), ST_OK);
    assert_int_equal(test_count(f->s, "payouts WHERE format = 4"), 2);
    verify_ok(f->s, 5, 2000000);
    /* An old line's copied inputs must still be the ones its hash names. */
    struct award_verify v;
    assert_int_equal(award_ledger_check_applications(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 0);
    assert_int_equal(v.lines, 3); /* three awards, two reversals not compared */
    assert_int_equal(exec(f->s, "UPDATE applications SET inputs = '{}'"), 0);
    verify_ok(f->s, 5, 2000000); /* the ledger carries its own copy */
    assert_int_equal(award_ledger_check_applications(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 1); /* a format-1 line, compared with its copied JSON */
    fixed_line_set_inputs(f->s, 2, "{\"institution_registered\":\"是\",\"patents\":\"4\"}");
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 2);
    assert_non_null(strstr(v.problem, "输入已被改动"));
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

/* ---------------------------------------------------------------- budgets and exclusivity */

static const char LIMITS_PACK[] =
    "pack 测试：预算与互斥\nversion t1\n"
    "clause grant-a\n  title 甲类补助\n  cite 测试〔2020〕1号 一\n  quote "
    "按10%补助，每项最高10万元\n"
    "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额（元）\n"
    "  input contract_no text 合同编号\n  award amount * 10%\n  cap item 100000 每项\n"
    "  budget 250000 fcfs 年度预算\n  exclusive deal contract_no\nend\n"
    "clause grant-b\n  title 乙类补助\n  cite 测试〔2020〕1号 二\n  quote 按5%补助\n"
    "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额（元）\n"
    "  input contract_no text 合同编号\n  award amount * 5%\n  exclusive deal contract_no\nend\n"
    "clause grant-p\n  title 丙类补助\n  cite 测试〔2020〕1号 三\n  quote 按10%补助，预算内等比例\n"
    "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额（元）\n"
    "  award amount * 10%\n  budget 100000 pro-rata 年度预算\nend\n";

static void load_limits_pack(struct store *s)
{
    int64_t id;
    struct err e = {0};
    if (award_pack_store(s, "office", LIMITS_PACK, strlen(LIMITS_PACK), "limits.pack", &id, &e) !=
        ST_OK)
        fail_msg("pack: %s", e.msg);
}

/* Stores a test pack as the current one. */
static void store_pack(struct store *s, const char *text)
{
    int64_t id;
    struct err e = {0};
    if (award_pack_store(s, "office", text, strlen(text), "test.pack", &id, &e) != ST_OK)
        fail_msg("pack: %s", e.msg);
}

/* A second enterprise beside the fixture's, for what two applicants share (a budget). */
static void add_second_firm(struct store *s)
{
    struct entity_import_report rep;
    struct err e = {0};
    const char *csv = "uscc,name,kind,in_zone,industry\n"
                      "91410700MA9F123453,生物公司,企业,是,生物医药\n";
    if (entity_import_csv(s, "t", csv, strlen(csv), "e.csv", NULL, &rep, &e) != ST_OK)
        fail_msg("second firm: %s", e.msg);
}

/* 兑现时限: an application under a clause with "deadline N" is due N working days after its
 * 受理 day (国庆 2020 skipped, the 调休 Saturday counted), fixed when filed; it is open, due
 * today, then overdue; a decision after the date is late by the working days past it, counted
 * on the decision's day in China. A clause without a deadline has none. */
static void deadline_fixed_on_filing(void **state)
{
    struct fx *f = *state;
    struct err e = {0};
    store_pack(f->s,
               "pack 时限\nversion t1\n"
               "clause quick\n  title 快办奖励\n  cite 测试〔2020〕2号 一\n  quote 每件奖励100元\n"
               "  effective 2020-01-01 -\n  applicants institution\n  input n count 件数\n"
               "  award n * 100.00\n  deadline 5 自受理之日起5个工作日内办结\nend\n"
               "clause plain\n  title 普通奖励\n  cite 测试〔2020〕2号 二\n  quote 每件奖励50元\n"
               "  effective 2020-01-01 -\n  applicants institution\n  input n count 件数\n"
               "  award n * 50.00\nend\n");
    struct policy_input in[] = {{"n", "2"}};
    struct award_outcome quick, plain;
    const struct date monday = {2020, 9, 28};
    assert_int_equal(award_apply(f->s, "clerk", INST, "quick", in, 1, monday, &quick, &e), ST_OK);
    assert_int_equal(award_apply(f->s, "clerk", INST, "plain", in, 1, monday, &plain, &e), ST_OK);
    /* the filing says when it is due; a clause without a limit says nothing */
    assert_int_equal(quick.limit_wd, 5);
    assert_string_equal(quick.due_on, "2020-10-12");
    assert_string_equal(quick.due_note, "");
    assert_int_equal(plain.limit_wd, 0);
    /* into a year the shipped calendar has no holidays for: weekdays only, and it says so */
    struct award_outcome later;
    assert_int_equal(
        award_apply(f->s, "clerk", INST, "quick", in, 1, (struct date){2026, 12, 28}, &later, &e),
        ST_OK);
    assert_string_equal(later.due_on, "2027-01-04");
    assert_non_null(strstr(later.due_note, "2027 年尚无节假日数据"));
    struct award_outcome rejected;
    setenv("HQD_NOW", "2026-12-29T02:00:00Z", 1); /* decided the next day: within its limit */
    assert_int_equal(award_decide(f->s, "office", later.id, 0, "测试", &rejected, &e), ST_OK);
    unsetenv("HQD_NOW");
    struct calendar *cal = calendar_builtin();
    struct award_app a;
    assert_int_equal(award_application(f->s, quick.id, &a, &e), ST_OK);
    /* 09-29, 09-30, (10-01…10-08 off), 10-09, Saturday 10-10, 10-12 */
    assert_int_equal(a.limit_wd, 5);
    assert_string_equal(a.due_on, "2020-10-12");
    award_app_timing(cal, (struct date){2020, 10, 9}, &a);
    assert_string_equal(a.timing, "open");
    assert_int_equal(a.timing_days, 2);
    assert_non_null(strstr(a.timing_text, "剩 2 个工作日"));
    award_app_timing(cal, (struct date){2020, 10, 12}, &a);
    assert_string_equal(a.timing, "open");
    assert_int_equal(a.timing_days, 0);
    assert_non_null(strstr(a.timing_text, "今日到期"));
    award_app_timing(cal, (struct date){2020, 10, 13}, &a);
    assert_string_equal(a.timing, "overdue");
    assert_int_equal(a.timing_days, 1);
    award_app_cleanup(&a);
    /* the list's overdue filter: past the date by a working day, undecided, with a deadline */
    struct award_app *v;
    size_t n;
    struct award_app_filter flt = {.cal = cal, .today = {2020, 10, 12}, .overdue = 1};
    assert_int_equal(award_applications(f->s, &flt, &v, &n, &e), ST_OK);
    assert_int_equal(n, 0);
    award_apps_free(v, n);
    flt.today = (struct date){2020, 10, 13};
    assert_int_equal(award_applications(f->s, &flt, &v, &n, &e), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(v[0].id, quick.id);
    award_apps_free(v, n);
    flt.overdue = 0;
    assert_int_equal(award_applications(f->s, &flt, &v, &n, &e), ST_OK);
    assert_int_equal(n, 3);
    /* newest first: the one rejected (before its 2027 date), plain, then quick */
    static const char *const timing[] = {"on_time", "none", "overdue"};
    for (size_t i = 0; i < n; i++)
        assert_string_equal(v[i].timing, timing[i]);
    json_t *j = award_app_json(&v[1], 0);
    assert_true(json_is_null(json_object_get(j, "deadline")));
    json_decref(j);
    award_apps_free(v, n);
    /* a holiday added later does not move a promise already made */
    const char *extra = "2020-10-12 holiday 临时休假\n";
    size_t added;
    assert_int_equal(calendar_add(f->s, "admin", extra, strlen(extra), "x.txt", &added, &e), ST_OK);
    assert_int_equal(award_application(f->s, quick.id, &a, &e), ST_OK);
    assert_string_equal(a.due_on, "2020-10-12");
    award_app_cleanup(&a);
    /* approved at 01:00 on 10-14 in China (17:00 UTC the day before): two working days late */
    setenv("HQD_NOW", "2020-10-13T17:00:00Z", 1);
    approve(f->s, quick.id);
    unsetenv("HQD_NOW");
    assert_int_equal(award_application(f->s, quick.id, &a, &e), ST_OK);
    award_app_timing(cal, (struct date){2020, 12, 1}, &a);
    assert_string_equal(a.timing, "late");
    assert_int_equal(a.timing_days, 2);
    j = award_app_json(&a, 0);
    json_t *d = json_object_get(j, "deadline");
    assert_int_equal(json_integer_value(json_object_get(d, "limit_workdays")), 5);
    assert_string_equal(json_string_value(json_object_get(d, "due_on")), "2020-10-12");
    assert_string_equal(json_string_value(json_object_get(d, "state")), "late");
    assert_int_equal(json_integer_value(json_object_get(d, "workdays")), 2);
    assert_non_null(strstr(json_string_value(json_object_get(d, "text")), "超期 2 个工作日办结"));
    json_decref(j);
    award_app_cleanup(&a);
    /* the promise is in the audit log with the submission */
    assert_int_equal(test_count(f->s, "audit_log WHERE action = 'application.submit' AND after"
                                      " LIKE '%\"due_on\":\"2020-10-12\"%'"),
                     1);
    calendar_free(cal);
}

/* 按时办结率: decisions within the limit over all decisions, to one decimal, rounded half up in
 * integers; undecided ones and those without a limit do not count; none decided: null. */
static void on_time_rate_counts_decisions(void **state)
{
    (void)state;
    static const struct {
        size_t on_time, late, open;
        const char *rate;
    } cases[] = {{19, 1, 3, "95.0"}, {2, 1, 0, "66.7"}, {1, 7, 0, "12.5"},
                 {1, 2, 0, "33.3"},  {0, 4, 0, "0.0"},  {0, 0, 5, NULL}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        size_t n = cases[c].on_time + cases[c].late + cases[c].open + 1;
        struct award_app *v = calloc(n, sizeof *v);
        size_t k = 0;
        for (size_t i = 0; i < cases[c].on_time; i++)
            v[k++].timing = "on_time";
        for (size_t i = 0; i < cases[c].late; i++)
            v[k++].timing = "late";
        for (size_t i = 0; i < cases[c].open; i++)
            v[k++].timing = "open";
        v[k++].timing = "none";
        struct award_timing_totals t;
        award_timing_count(v, n, &t);
        assert_int_equal(t.on_time, cases[c].on_time);
        assert_int_equal(t.late, cases[c].late);
        assert_int_equal(t.open, cases[c].open);
        json_t *j = award_timing_json(&t);
        json_t *r = json_object_get(j, "on_time_rate");
        if (cases[c].rate)
            assert_string_equal(json_string_value(r), cases[c].rate);
        else
            assert_true(json_is_null(r));
        json_decref(j);
        free(v);
    }
}

static int64_t apply_grant(struct store *s, const char *clause, const char *amount,
                           const char *contract, struct award_outcome *o)
{
    struct policy_input in[] = {{"amount", amount}, {"contract_no", contract}};
    struct err e = {0};
    if (award_apply(s, "clerk", FIRM, clause, in, contract ? 2 : 1, ON, o, &e) != ST_OK)
        fail_msg("apply %s: %s", clause, e.msg);
    return o->id;
}

/* The payee is the application's: a line moved to another entity (its only line under the
 * clause that year, so that every sum still agrees) verifies as a chain, and the applications
 * check names it; so is a line of an application not approved. */
static void payee_is_the_applications(void **state)
{
    struct fx *f = *state;
    load_limits_pack(f->s);
    struct award_outcome o;
    assert_int_equal(approve(f->s, apply_grant(f->s, "grant-b", "1000000", "X-1", &o)), 5000000);
    int64_t firm, inst;
    struct err e = {0};
    assert_int_equal(entity_find(f->s, FIRM, &firm, NULL, &e), ST_OK);
    assert_int_equal(entity_find(f->s, INST, &inst, NULL, &e), ST_OK);
    struct award_verify v;
    assert_int_equal(award_ledger_check_applications(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 0);
    line_set(f->s, 1, AT_ENTITY, inst);
    rechain(f->s);
    verify_ok(f->s, 1, 5000000); /* the chain and the sums cannot tell */
    assert_int_equal(award_ledger_check_applications(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 1);
    assert_non_null(strstr(v.problem, "兑付行的主体或条款与申请 1 不符"));
    line_set(f->s, 1, AT_ENTITY, firm);
    rechain(f->s);
    assert_int_equal(exec(f->s, "UPDATE applications SET status = 'submitted' WHERE id = 1"), 0);
    assert_int_equal(award_ledger_check_applications(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 1);
    assert_non_null(strstr(v.problem, "申请 1 未经批准（submitted），却有兑付行"));
}

/* First come, first served by 受理时间: an application approved early cannot take the budget
 * that earlier, still pending applications hold; the last one finds nothing left. */
static void budget_first_come_first_served(void **state)
{
    struct fx *f = *state;
    load_limits_pack(f->s);
    struct award_outcome o;
    int64_t a1 = apply_grant(f->s, "grant-a", "1000000", "C-1", &o);
    assert_int_equal(o.amount_fen, 10000000);
    int64_t a2 = apply_grant(f->s, "grant-a", "1000000", "C-2", &o);
    int64_t a3 = apply_grant(f->s, "grant-a", "800000", "C-3", &o);
    /* The preview already says the budget binds. */
    assert_int_equal(o.amount_fen, 5000000);
    assert_string_equal(o.capped_by, "budget");
    struct err e = {0};
    assert_int_equal(award_decide(f->s, "office", a3, 1, NULL, &o, &e), ST_OK);
    assert_int_equal(o.amount_fen, 5000000);
    assert_non_null(strstr(o.explanation, "先受理的待审申请占用 200,000.00元"));
    assert_int_equal(approve(f->s, a1), 10000000);
    assert_int_equal(approve(f->s, a2), 10000000);
    int64_t a4 = apply_grant(f->s, "grant-a", "10", "C-4", &o);
    assert_int_equal(o.amount_fen, 0);
    assert_int_equal(award_decide(f->s, "office", a4, 1, NULL, &o, &e), ST_UNPROCESSABLE);
    assert_non_null(strstr(e.msg, "已无余额"));
    verify_ok(f->s, 3, 25000000);
    /* A contract without its number cannot be checked for being claimed twice. */
    struct policy_input in[] = {{"amount", "100"}};
    assert_int_equal(award_apply(f->s, "clerk", FIRM, "grant-a", in, 1, ON, &o, &e), ST_INVALID);
    assert_string_equal(e.where, "contract_no");
}

/* What a first-come line found held by earlier pending applications is rebuilt from the audit
 * log: a hold changed where the budget did not bind (so every sum of the ledger still agrees)
 * is named by the applications check. */
static void holds_are_rebuilt_from_the_audit_log(void **state)
{
    struct fx *f = *state;
    load_limits_pack(f->s);
    struct award_outcome o;
    int64_t a1 = apply_grant(f->s, "grant-a", "1000000", "C-1", &o);
    int64_t a2 = apply_grant(f->s, "grant-a", "1000000", "C-2", &o);
    int64_t a3 = apply_grant(f->s, "grant-a", "300000", "C-3", &o);
    struct err e = {0};
    assert_int_equal(award_decide(f->s, "office", a3, 0, "合同未登记", &o, &e), ST_OK);
    assert_int_equal(approve(f->s, a2), 10000000); /* a1 pending: holds 100,000 */
    assert_int_equal(approve(f->s, a1), 10000000); /* nothing earlier pending */
    assert_int_equal(test_count(f->s, "payouts WHERE id = 1 AND budget_held_fen = 10000000"), 1);
    assert_int_equal(test_count(f->s, "payouts WHERE id = 2 AND budget_held_fen = 0"), 1);
    struct award_verify v;
    assert_int_equal(award_ledger_check_applications(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 0);
    /* the first line's hold moved: 250,000 less 0 paid less 50,000 still leaves its 100,000 */
    line_set(f->s, 1, AT_BUDGET_HELD, 5000000);
    rechain(f->s);
    verify_ok(f->s, 2, 20000000);
    assert_int_equal(award_ledger_check_applications(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 1);
    assert_string_equal(v.problem, "先受理的待审申请占用预算应为 100,000.00元（按审计日志中的受理"
                                   "与审批顺序重建），兑付行记录为 50,000.00元");
}

/* 最低不少于: an award raised to its floor is paid and replayed as such; the yearly cap still
 * cuts below the floor what is left of the year. */
static void floor_awards_replay(void **state)
{
    static const char pack[] =
        "pack 测试：保底\nversion f1\n"
        "clause grant-f\n  title 丁类补助\n  cite 测试〔2020〕1号 四\n"
        "  quote 按1%补助，最低不少于1万元，每年最高6万元\n  effective 2020-01-01 -\n"
        "  applicants enterprise\n  input amount money 金额（元）\n  award amount * 1%\n"
        "  floor 10000 每项\n  cap entity-year 60000 每年\nend\n";
    struct fx *f = *state;
    int64_t id;
    struct err e = {0};
    assert_int_equal(award_pack_store(f->s, "office", pack, strlen(pack), "f.pack", &id, &e),
                     ST_OK);
    struct award_outcome o;
    int64_t a1 = apply_grant(f->s, "grant-f", "100000", NULL, &o); /* 1,000.00 → 10,000.00 */
    assert_int_equal(o.amount_fen, 1000000);
    assert_non_null(strstr(o.explanation, "按保底计 10,000.00元"));
    assert_int_equal(approve(f->s, a1), 1000000);
    assert_int_equal(approve(f->s, apply_grant(f->s, "grant-f", "4500000", NULL, &o)), 4500000);
    int64_t a3 = apply_grant(f->s, "grant-f", "200", NULL, &o); /* 2.00 → 10,000.00 → 5,000.00 */
    assert_int_equal(o.amount_fen, 500000);
    assert_string_equal(o.capped_by, "entity-year");
    assert_int_equal(approve(f->s, a3), 500000);
    verify_ok(f->s, 3, 6000000);
}

/* 同一事项不重复享受，就高不就低: the higher clause tops up the lower one's award, a lower or
 * equal one is refused, and a reversal frees the matter. */
static void exclusive_group_pays_the_highest(void **state)
{
    struct fx *f = *state;
    load_limits_pack(f->s);
    struct award_outcome o;
    int64_t b1 = apply_grant(f->s, "grant-b", "1000000", "X-1", &o);
    assert_int_equal(approve(f->s, b1), 5000000);
    int64_t a1 = apply_grant(f->s, "grant-a", "1000000", "X-1", &o);
    assert_int_equal(o.amount_fen, 5000000);
    assert_string_equal(o.capped_by, "exclusive");
    assert_non_null(strstr(o.explanation, "补足差额 50,000.00元"));
    assert_int_equal(approve(f->s, a1), 5000000);
    int64_t b2 = apply_grant(f->s, "grant-b", "1000000", "X-1", &o);
    assert_int_equal(o.amount_fen, 0);
    struct err e = {0};
    assert_int_equal(award_decide(f->s, "office", b2, 1, NULL, &o, &e), ST_UNPROCESSABLE);
    assert_non_null(strstr(e.msg, "不重复享受"));
    /* Another contract is another matter. */
    int64_t b3 = apply_grant(f->s, "grant-b", "1000000", "X-2", &o);
    assert_int_equal(approve(f->s, b3), 5000000);
    verify_ok(f->s, 3, 15000000);
    int64_t rid;
    assert_int_equal(award_reverse(f->s, "office", 2, "重复申报", &rid, &e), ST_OK);
    int64_t a2 = apply_grant(f->s, "grant-a", "1000000", "X-1", &o);
    assert_int_equal(approve(f->s, a2), 5000000);
    verify_ok(f->s, 5, 15000000);
}

/* A pack stored before a check was added that it fails (conditions that cannot hold together:
 * a clause that never pays) still serves and replays: its other clauses' lines verify, and
 * new applications are computed by it. Storing such a pack now is refused. */
static void stored_packs_survive_newer_checks(void **state)
{
    static const char pack[] =
        "pack 测试：旧规则包\nversion o1\n"
        "clause grant-o\n  title 己类补助\n  cite 测试〔2019〕1号 一\n  quote 按10%补助\n"
        "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额（元）\n"
        "  award amount * 10%\nend\n"
        "clause never\n  title 永不\n  cite 测试〔2019〕1号 二\n  quote q\n"
        "  effective 2020-01-01 -\n  applicants enterprise\n  input n count 人数\n"
        "  input amount money 金额（元）\n  require n >= 10\n  require n < 5\n"
        "  award amount * 1%\nend\n";
    struct fx *f = *state;
    struct err e = {0};
    int64_t id;
    assert_int_equal(award_pack_store(f->s, "office", pack, strlen(pack), "o.pack", &id, &e),
                     ST_INVALID);
    assert_non_null(strstr(e.msg, "不可能同时满足"));
    /* as an older hqd would have stored it: the pack and its policy.load entry */
    char sha[65], sql[4096], after[100];
    hash_sha256_hex(pack, strlen(pack), sha);
    snprintf(sql, sizeof sql,
             "INSERT INTO policy_packs (sha256, title, version, text, loaded_at, loaded_by)"
             " VALUES ('%s', '测试：旧规则包', 'o1', '%s', '2020-01-01T00:00:00Z', 'office')",
             sha, pack);
    snprintf(after, sizeof after, "{\"sha256\":\"%s\"}", sha);
    assert_int_equal(store_begin(f->s, &e), ST_OK);
    assert_int_equal(exec(f->s, sql), 0);
    struct store_stmt *q;
    assert_int_equal(store_prepare(f->s, "SELECT id FROM policy_packs WHERE sha256 = ?", &q, &e),
                     ST_OK);
    store_bind_text(q, 1, sha);
    int row;
    assert_int_equal(store_step(q, &row, &e), ST_OK);
    char ids[24];
    snprintf(ids, sizeof ids, "%lld", (long long)store_col_int(q, 0));
    store_finish(q);
    assert_int_equal(
        audit_append(f->s, "office", "policy.load", "policy_pack", ids, NULL, after, &e), ST_OK);
    assert_int_equal(store_commit(f->s, &e), ST_OK);
    struct award_outcome o;
    struct policy_input in[] = {{"amount", "1000"}};
    assert_int_equal(award_apply(f->s, "clerk", FIRM, "grant-o", in, 1, ON, &o, &e), ST_OK);
    assert_int_equal(o.amount_fen, 10000);
    assert_int_equal(approve(f->s, o.id), 10000);
    verify_ok(f->s, 1, 10000);
}

/* Priority classes (优先支持): a pro-rata batch short of budget pays the 重点 class in full,
 * then shares what is left among the 一般 class; the 其他 class and an application that names
 * none get nothing. The ledger verifier replays the classes from each line's inputs. */
static void priority_classes_share_the_budget(void **state)
{
    static const char pack[] =
        "pack 测试：优先类别\nversion q1\n"
        "clause grant-q\n  title 戊类补助\n  cite 测试〔2020〕1号 五\n"
        "  quote 按10%补助，资金不足时优先支持重点项目\n  effective 2020-01-01 -\n"
        "  applicants enterprise\n  input amount money 金额（元）\n"
        "  input tier enum 重点|一般|其他 项目类别\n  award amount * 10%\n"
        "  budget 100000 pro-rata 年度预算\n  priority tier\nend\n";
    struct fx *f = *state;
    int64_t id;
    struct err e = {0};
    assert_int_equal(award_pack_store(f->s, "office", pack, strlen(pack), "q.pack", &id, &e),
                     ST_OK);
    struct award_outcome o;
    static const struct {
        const char *amount, *tier;
    } apps[] = {{"300000", "一般"}, {"400000", "重点"}, {"100000", "其他"},
                {"200000", "一般"}, {"200000", "重点"}, {"50000", NULL}};
    for (size_t i = 0; i < sizeof apps / sizeof apps[0]; i++) {
        struct policy_input in[] = {{"amount", apps[i].amount}, {"tier", apps[i].tier}};
        assert_int_equal(
            award_apply(f->s, "clerk", FIRM, "grant-q", in, apps[i].tier ? 2 : 1, ON, &o, &e),
            ST_OK);
    }
    /* claims: 一般 30,000 + 20,000; 重点 40,000 + 20,000; 其他 10,000; none 5,000. 重点 takes
     * 60,000 in full, the 40,000 left go 24,000 / 16,000 to 一般, the rest nothing */
    struct award_batch b;
    assert_int_equal(award_batch_preview(f->s, "grant-q", 2020, -1, &b, &e), ST_OK);
    int64_t want[] = {2400000, 4000000, 0, 1600000, 2000000, 0};
    for (size_t i = 0; i < 6; i++)
        assert_int_equal(b.shares[i].share_fen, want[i]);
    assert_string_equal(b.priority, "项目类别");
    assert_string_equal(b.shares[1].note, "优先类别：重点");
    assert_string_equal(b.shares[5].note, "优先类别：未注明");
    award_batch_cleanup(&b);
    /* a budget that runs out inside the first class shares it there: 45,000 of 60,000 */
    assert_int_equal(award_batch_preview(f->s, "grant-q", 2020, 4500000, &b, &e), ST_OK);
    assert_int_equal(b.shares[1].share_fen, 3000000);
    assert_int_equal(b.shares[4].share_fen, 1500000);
    assert_int_equal(b.shares[0].share_fen + b.shares[3].share_fen, 0);
    award_batch_cleanup(&b);
    assert_int_equal(award_close_batch(f->s, "office", "grant-q", 2020, &b, &e), ST_OK);
    assert_int_equal(b.paid_fen, 10000000);
    award_batch_cleanup(&b);
    struct award_app a;
    assert_int_equal(award_application(f->s, 1, &a, &e), ST_OK);
    assert_int_equal(a.amount_fen, 2400000);
    assert_non_null(
        strstr(a.explanation, "按项目类别依次优先分配；本件为“一般”类，本类按比例核减"));
    award_app_cleanup(&a);
    assert_int_equal(award_application(f->s, 3, &a, &e), ST_OK);
    assert_non_null(strstr(a.explanation, "预算已由更优先的类别用完"));
    award_app_cleanup(&a);
    verify_ok(f->s, 6, 10000000);
    /* the 一般 class split evenly instead, the total kept and the chain rewritten: the replay of
     * the classes names the first share that is not its own */
    line_set(f->s, 1, AT_AMOUNT, 2000000);
    line_set(f->s, 4, AT_AMOUNT, 2000000);
    rechain(f->s);
    struct award_verify vr;
    assert_int_equal(award_ledger_verify(f->s, &vr, &e), ST_OK);
    assert_int_equal(vr.bad_line, 1);
    assert_non_null(strstr(vr.problem, "按比例分配应为 2400000 分，记录为 2000000 分"));
}

/* Pro rata at batch close: 60,000.00 + 50,000.00 + 40,000.01 asked of a 100,000.00 budget.
 * Exact shares are 39,999.99733…, 33,333.33111…, 26,666.67155…; floors leave one fen, which
 * goes to the largest fractional part (the first). */
static void pro_rata_batch_shares_the_budget(void **state)
{
    struct fx *f = *state;
    load_limits_pack(f->s);
    struct award_outcome o;
    int64_t p1 = apply_grant(f->s, "grant-p", "600000", NULL, &o);
    assert_int_equal(o.amount_fen, 6000000);
    apply_grant(f->s, "grant-p", "500000", NULL, &o);
    apply_grant(f->s, "grant-p", "400000.10", NULL, &o);
    struct err e = {0};
    assert_int_equal(award_decide(f->s, "office", p1, 1, NULL, &o, &e), ST_CONFLICT);
    assert_non_null(strstr(e.msg, "close-batch"));
    struct award_batch b;
    /* 试算 first: the shares the close will pay, then with a larger envelope; nothing written. */
    assert_int_equal(award_batch_preview(f->s, "grant-p", 2020, -1, &b, &e), ST_OK);
    assert_int_equal(b.n_shares, 3);
    assert_int_equal(b.budget_fen, 10000000);
    assert_int_equal(b.shares[0].claim_fen, 6000000);
    assert_int_equal(b.shares[0].share_fen, 4000000);
    assert_int_equal(b.shares[1].share_fen, 3333333);
    assert_int_equal(b.shares[2].share_fen, 2666667);
    assert_int_equal(b.paid_fen, 10000000);
    award_batch_cleanup(&b);
    assert_int_equal(award_batch_preview(f->s, "grant-p", 2020, 12000000, &b, &e), ST_OK);
    assert_int_equal(b.paid_fen, 12000000);
    assert_int_equal(b.shares[0].share_fen, 4800000); /* 6,000,000 × 12/15.000001 */
    award_batch_cleanup(&b);
    assert_int_equal(award_batch_preview(f->s, "grant-p", 2020, 20000000, &b, &e), ST_OK);
    assert_int_equal(b.paid_fen, 15000001); /* enough for every claim in full */
    award_batch_cleanup(&b);
    assert_int_equal(test_count(f->s, "payouts"), 0);
    /* First come, first served: each pending application approved in 受理 order, rolled back;
     * with a smaller envelope the later one is cut, and nothing is written either way. */
    apply_grant(f->s, "grant-a", "1000", "C-9", &o);
    apply_grant(f->s, "grant-a", "2000", "C-10", &o);
    assert_int_equal(award_batch_preview(f->s, "grant-a", 2020, -1, &b, &e), ST_OK);
    assert_int_equal(b.n_shares, 2);
    assert_int_equal(b.budget_fen, 25000000);
    assert_int_equal(b.shares[0].share_fen, 10000);
    assert_int_equal(b.shares[1].share_fen, 20000);
    award_batch_cleanup(&b);
    assert_int_equal(award_batch_preview(f->s, "grant-a", 2020, 25000, &b, &e), ST_OK);
    assert_int_equal(b.shares[0].share_fen, 10000);
    assert_int_equal(b.shares[1].share_fen, 15000);
    assert_int_equal(b.paid_fen, 25000);
    award_batch_cleanup(&b);
    assert_int_equal(award_batch_preview(f->s, "grant-a", 2020, 10000, &b, &e), ST_OK);
    assert_int_equal(b.approved, 1);
    assert_false(b.shares[1].eligible); /* nothing left for the later one: refused, says why */
    assert_non_null(strstr(b.shares[1].note, "已无余额"));
    award_batch_cleanup(&b);
    assert_int_equal(test_count(f->s, "payouts"), 0);
    assert_int_equal(test_count(f->s, "audit_log WHERE action = 'application.approve'"), 0);
    assert_int_equal(award_batch_preview(f->s, "grant-a", 2020, 0, &b, &e), ST_INVALID);
    apply_grant(f->s, "grant-b", "1000", "C-11", &o); /* no envelope: nothing to try */
    assert_int_equal(award_batch_preview(f->s, "grant-b", 2020, -1, &b, &e), ST_CONFLICT);
    assert_non_null(strstr(e.msg, "没有年度预算"));
    assert_int_equal(award_close_batch(f->s, "office", "grant-p", 2020, &b, &e), ST_OK);
    assert_int_equal(b.approved, 3);
    assert_int_equal(b.demand_fen, 15000001);
    assert_int_equal(b.avail_fen, 10000000);
    assert_int_equal(b.paid_fen, 10000000);
    struct store_stmt *q;
    assert_int_equal(store_prepare(f->s, "SELECT amount_fen FROM payouts ORDER BY id", &q, &e),
                     ST_OK);
    int64_t want[] = {4000000, 3333333, 2666667};
    int row;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(store_step(q, &row, &e), ST_OK);
        assert_true(row);
        assert_int_equal(store_col_int(q, 0), want[i]);
    }
    store_finish(q);
    verify_ok(f->s, 3, 10000000);
    /* Each approved application says the budget, the batch and its own share. */
    struct award_app a;
    assert_int_equal(award_application(f->s, p1, &a, &e), ST_OK);
    assert_string_equal(a.status, "approved");
    assert_int_equal(a.amount_fen, 4000000);
    assert_non_null(strstr(a.explanation, "年度预算 100,000.00元"));
    assert_non_null(strstr(a.explanation, "本批 3 件申请合计 150,000.01元"));
    assert_non_null(strstr(a.explanation, "本件 40,000.00元"));
    award_app_cleanup(&a);
    /* Nothing is left for a second batch this year. */
    apply_grant(f->s, "grant-p", "10", NULL, &o);
    assert_int_equal(award_close_batch(f->s, "office", "grant-p", 2020, &b, &e), ST_UNPROCESSABLE);
    /* The batch's lines are the ones its close approved, as the audit log has it: its last line
     * renumbered into a batch of its own, and the chain rewritten, is named. */
    struct award_verify v;
    assert_int_equal(award_ledger_check_applications(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 0);
    line_set(f->s, 3, AT_BATCH, 3);
    rechain(f->s);
    assert_int_equal(award_ledger_check_applications(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 1);
    assert_string_equal(v.problem,
                        "批次 1 在账本中有 2 行、合计 73,333.33元，结束批次时审计记录为 3 "
                        "件、100,000.00元");
    line_set(f->s, 3, AT_BATCH, 1);
    rechain(f->s);
    /* An edited share breaks the chain. */
    line_set(f->s, 1, AT_AMOUNT, 3999999);
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 1);
}

/* After a forgery and the chain rewritten: the verifier must name this line and this rule,
 * reading on a second thread or, on one CPU, by itself. */
static void expect_named(struct store *s, int64_t line, const char *problem)
{
    rechain(s);
    struct award_verify v;
    struct err e = {0};
    for (int one_cpu = 0; one_cpu < 2; one_cpu++) {
        if (one_cpu)
            verify_on_one_cpu(s, &v);
        else
            assert_int_equal(award_ledger_verify(s, &v, &e), ST_OK);
        if (v.bad_line != line || !strstr(v.problem, problem))
            fail_msg("want line %lld: %s; got line %lld: %s%s", (long long)line, problem,
                     (long long)v.bad_line, v.problem, one_cpu ? " (one CPU)" : "");
    }
}

/* Each rule the replay checks, broken in one line by someone who can also rewrite the chain,
 * is named with its line. The ledger: 乙 pays contract X-1 its 5%, 甲 tops the same contract up
 * to 10% (就高不就低), 甲 pays C-2 from its first-come budget, a batch of three shares 丙's
 * pro-rata budget, and 甲's C-2 is reversed. */
static void verifier_names_each_broken_rule(void **state)
{
    struct fx *f = *state;
    load_limits_pack(f->s);
    struct award_outcome o;
    struct err e = {0};
    assert_int_equal(approve(f->s, apply_grant(f->s, "grant-b", "1000000", "X-1", &o)), 5000000);
    assert_int_equal(approve(f->s, apply_grant(f->s, "grant-a", "1000000", "X-1", &o)), 5000000);
    assert_int_equal(approve(f->s, apply_grant(f->s, "grant-a", "1000000", "C-2", &o)), 10000000);
    apply_grant(f->s, "grant-p", "600000", NULL, &o);
    apply_grant(f->s, "grant-p", "500000", NULL, &o);
    apply_grant(f->s, "grant-p", "400000.10", NULL, &o);
    struct award_batch b;
    assert_int_equal(award_close_batch(f->s, "office", "grant-p", 2020, &b, &e), ST_OK);
    award_batch_cleanup(&b);
    int64_t rid;
    assert_int_equal(award_reverse(f->s, "office", 3, "合同作废", &rid, &e), ST_OK);
    assert_int_equal(rid, 7);
    verify_ok(f->s, 7, 20000000);
    assert_int_equal(test_count(f->s, "payouts WHERE id = 2 AND matter = 'deal:X-1' AND"
                                      " matter_prior_fen = 5000000 AND budget_used_fen = 0"),
                     1);
    assert_int_equal(test_count(f->s, "payouts WHERE id BETWEEN 4 AND 6 AND batch = 4"), 3);
    struct store_stmt *q;
    int row;
    assert_int_equal(store_prepare(f->s, "SELECT pack_id FROM payouts WHERE id = 1", &q, &e),
                     ST_OK);
    assert_int_equal(store_step(q, &row, &e), ST_OK);
    int64_t pack = store_col_int(q, 0);
    store_finish(q);
    assert_true(pack > 0);
    const struct {
        int64_t line;
        int at;             /* a number's field, or 0 */
        int64_t bad, good;  /* its forged and true values */
        int k;              /* else string k of the line (line_set_string), or -1: */
        const char *forged; /* the string, or the fixed text at `at` */
        const char *truth;
        const char *problem; /* what the verifier must say */
    } cases[] = {
        {2, 0, 0, 0, 1, "deal:X-9", "deal:X-1", "记录的事项“deal:X-9”与申请输入不符"},
        {2, AT_MATTER_PRIOR, 4000000, 5000000, 0, NULL, NULL,
         "记录的同一事项已兑付 4000000 分与账本累计 5000000 分不符"},
        {1, AT_AMOUNT, 4000000, 5000000, 0, NULL, NULL, "兑付金额与重算及就高不就低规则不符"},
        {3, AT_BUDGET_USED, 6000000, 5000000, 0, NULL, NULL,
         "先到先得的预算核减不符（预算 25000000，已兑付 5000000，记录 6000000）"},
        {4, AT_BATCH, 0, 4, 0, NULL, NULL, "按比例分配的条款只能批次审批"},
        {5, AT_BUDGET_USED, 1, 0, 0, NULL, NULL, "批次的预算起点不符"},
        {6, AT_AMOUNT, 2666668, 2666667, 0, NULL, NULL, "2020 年预算超支"},
        {7, AT_REVERSES, 7, 3, 0, NULL, NULL, "追回记录早于被追回的兑付"},
        {1, 0, 0, 0, 0, "grant-z", "grant-b", "条款 grant-z 无法审批"},
        {1, AT_APPLIED_ON, 0, 0, -1, "2020-02-30", "2020-09-01", "无法重算"},
        {1, AT_PACK, 99, pack, 0, NULL, NULL, "找不到或无法读取规则包 99"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int number = cases[i].at && cases[i].k == 0 && !cases[i].forged;
        if (number)
            line_set(f->s, cases[i].line, cases[i].at, cases[i].bad);
        else if (cases[i].k >= 0)
            line_set_string(f->s, cases[i].line, cases[i].k, cases[i].forged);
        else
            line_set_text(f->s, cases[i].line, cases[i].at, cases[i].forged);
        expect_named(f->s, cases[i].line, cases[i].problem);
        if (number)
            line_set(f->s, cases[i].line, cases[i].at, cases[i].good);
        else if (cases[i].k >= 0)
            line_set_string(f->s, cases[i].line, cases[i].k, cases[i].truth);
        else
            line_set_text(f->s, cases[i].line, cases[i].at, cases[i].truth);
        rechain(f->s);
        verify_ok(f->s, 7, 20000000);
    }
    /* Line 3 again as line 8, after its reversal: every sum it is checked against is as it was
     * when line 3 was written, so only the application, paid already, names it. */
    assert_int_equal(exec(f->s, "INSERT INTO payouts (id, line, hash) SELECT 8, line, '' FROM"
                                " payouts WHERE id = 3"),
                     0);
    line_set(f->s, 8, AT_ID, 8);
    expect_named(f->s, 8, "申请 3 已有兑付行");
}

/* A pro-rata clause in an exclusive group (同一事项就高不就低) with a per-item clause: at the
 * batch close each application claims what its contract has not had yet, the budget is shared
 * over those claims, and the verifier replays the shares with the matters. */
static void pro_rata_batch_within_a_group(void **state)
{
    static const char pack[] =
        "pack 测试：按比例与互斥\nversion g2\n"
        "clause grant-b\n  title 乙类补助\n  cite 测试〔2020〕2号 一\n  quote 按5%补助\n"
        "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额（元）\n"
        "  input contract_no text 合同编号\n  award amount * 5%\n  exclusive deal "
        "contract_no\nend\n"
        "clause grant-q\n  title 庚类补助\n  cite 测试〔2020〕2号 二\n  quote "
        "按10%补助，预算内等比例\n"
        "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额（元）\n"
        "  input contract_no text 合同编号\n  award amount * 10%\n"
        "  budget 100000 pro-rata 年度预算\n  exclusive deal contract_no\nend\n";
    struct fx *f = *state;
    int64_t id;
    struct err e = {0};
    assert_int_equal(award_pack_store(f->s, "office", pack, strlen(pack), "g2.pack", &id, &e),
                     ST_OK);
    struct award_outcome o;
    assert_int_equal(approve(f->s, apply_grant(f->s, "grant-b", "1000000", "X-1", &o)), 5000000);
    /* claims: X-1 100,000 less the 50,000 it had, X-2 60,000, X-3 30,000: 140,000 asked of
     * 100,000, exact shares 35,714.2857…, 42,857.1428…, 21,428.5714…; floors leave one fen,
     * which goes to the largest fractional part (X-1's) */
    apply_grant(f->s, "grant-q", "1000000", "X-1", &o);
    apply_grant(f->s, "grant-q", "600000", "X-2", &o);
    apply_grant(f->s, "grant-q", "300000", "X-3", &o);
    struct award_batch b;
    assert_int_equal(award_batch_preview(f->s, "grant-q", 2020, -1, &b, &e), ST_OK);
    assert_int_equal(b.n_shares, 3);
    assert_int_equal(b.demand_fen, 14000000);
    assert_int_equal(b.shares[0].claim_fen, 5000000);
    int64_t want[] = {3571429, 4285714, 2142857};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(b.shares[i].share_fen, want[i]);
    award_batch_cleanup(&b);
    assert_int_equal(award_close_batch(f->s, "office", "grant-q", 2020, &b, &e), ST_OK);
    assert_int_equal(b.paid_fen, 10000000);
    award_batch_cleanup(&b);
    assert_int_equal(test_count(f->s, "payouts WHERE id = 2 AND matter = 'deal:X-1' AND"
                                      " matter_prior_fen = 5000000 AND claimed_fen = 10000000"
                                      " AND amount_fen = 3571429 AND batch = 2"),
                     1);
    verify_ok(f->s, 4, 15000000);
    /* the ledger's own words for a batch line */
    struct award_payout *pv;
    size_t pn;
    assert_int_equal(award_payouts(f->s, 0, 0, 2020, &pv, &pn, &e), ST_OK);
    assert_int_equal(pn, 4);
    char kind[64] = "";
    for (size_t i = 0; i < pn; i++)
        if (pv[i].id == 3)
            award_payout_kind(&pv[i], kind, sizeof kind);
    assert_string_equal(kind, "批次 2");
    free(pv);
    /* X-1's claim raised in its line and the chain rewritten: the replay of the matter names
     * it (the group already paid 50,000.00 of the 100,000.00 it claims) */
    line_set(f->s, 2, AT_MATTER_PRIOR, 0);
    expect_named(f->s, 2,
                 "记录的同一事项已兑付 0 分与账本累计（含本批此前各件的申请额） 5000000 分不符");
}

/* A batch of 400 enterprises' contracts: each line brings two new keys (its enterprise's year,
 * its contract) to the verifier's tables of the open batch, which grow in the middle of a line
 * (past 768 keys); what it read before must not move away from under it. */
static void large_batch_of_matters(void **state)
{
    static const char pack[] =
        "pack 测试：大批次\nversion l1\n"
        "clause grant-l\n  title 癸类补助\n  cite 测试〔2020〕6号 一\n  quote 按10%补助，等比例\n"
        "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额（元）\n"
        "  input contract_no text 合同编号\n  award amount * 10%\n"
        "  budget 100000 pro-rata 年度预算\n  exclusive deal contract_no\nend\n";
    enum { FIRMS = 400 };
    struct fx *f = *state;
    int64_t pid;
    struct err e = {0};
    assert_int_equal(award_pack_store(f->s, "office", pack, strlen(pack), "l.pack", &pid, &e),
                     ST_OK);
    static char csv[64 + FIRMS * 64];
    size_t len = (size_t)snprintf(csv, sizeof csv, "uscc,name,kind,in_zone,industry\n");
    char codes[FIRMS][19];
    for (int i = 0; i < FIRMS; i++) {
        snprintf(codes[i], sizeof codes[i], "91410700%09u", (unsigned)(i + 1) % 1000000000u);
        codes[i][17] = entity_uscc_check_char(codes[i]);
        codes[i][18] = '\0';
        len +=
            (size_t)snprintf(csv + len, sizeof csv - len, "%s,企业%d,企业,是,制造\n", codes[i], i);
    }
    struct entity_import_report rep;
    assert_int_equal(entity_import_csv(f->s, "t", csv, len, "l.csv", NULL, &rep, &e), ST_OK);
    assert_int_equal(store_begin(f->s, &e), ST_OK); /* (one transaction: faster to build) */
    struct award_outcome o;
    /* the first enterprise has two contracts: one line with a single new key, so that the
     * growth falls between a line's two lookups rather than before both */
    for (int i = -1; i < FIRMS; i++) {
        char no[16];
        snprintf(no, sizeof no, "L-%d", i);
        struct policy_input in[] = {{"amount", "1000"}, {"contract_no", no}};
        if (award_apply(f->s, "clerk", codes[i < 0 ? 0 : i], "grant-l", in, 2, ON, &o, &e) != ST_OK)
            fail_msg("apply %d: %s", i, e.msg);
    }
    assert_int_equal(store_commit(f->s, &e), ST_OK);
    struct award_batch b;
    assert_int_equal(award_close_batch(f->s, "office", "grant-l", 2020, &b, &e), ST_OK);
    assert_int_equal(b.approved, FIRMS + 1);
    assert_int_equal(b.paid_fen, (FIRMS + 1) * 10000);
    award_batch_cleanup(&b);
    verify_ok(f->s, FIRMS + 1, (FIRMS + 1) * 10000);
}

/* Parallel approvals on separate connections never overdraw the budget; approving the rest
 * in 受理 order then pays it exactly. */
static void *race_budget(void *arg)
{
    struct racer *r = arg;
    struct store *s;
    struct err e = {0};
    if (store_open(r->db, &s, &e) != ST_OK)
        return NULL;
    for (int64_t id = r->first + r->count - 1; id >= r->first; id--) {
        struct award_outcome o;
        if (award_decide(s, "office", id, 1, NULL, &o, &e) == ST_OK)
            r->paid += o.amount_fen;
    }
    store_close(s);
    return NULL;
}

static void concurrent_approvals_respect_the_budget(void **state)
{
    struct fx *f = *state;
    load_limits_pack(f->s);
    struct award_outcome o;
    for (int i = 0; i < 40; i++) {
        char no[16];
        snprintf(no, sizeof no, "K-%d", i);
        apply_grant(f->s, "grant-a", "100000", no, &o);
    }
    pthread_t t[8];
    struct racer r[8];
    for (int i = 0; i < 8; i++) {
        r[i] = (struct racer){f->db, 1 + i * 5, 5, 0};
        assert_int_equal(pthread_create(&t[i], NULL, race_budget, &r[i]), 0);
    }
    int64_t paid = 0;
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        paid += r[i].paid;
    }
    assert_true(paid <= 25000000);
    struct award_verify v;
    struct err e = {0};
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 0);
    assert_int_equal(v.total_fen, paid);
    for (int64_t id = 1; id <= 40; id++)
        if (award_decide(f->s, "office", id, 1, NULL, &o, &e) == ST_OK)
            paid += o.amount_fen;
    assert_int_equal(paid, 25000000);
    verify_ok(f->s, 25, 25000000);
}

/* The office sets what the plan leaves to it: each value is a new pack version; applications
 * use the current one, old ledger lines replay with theirs, and a value outside the clause's
 * bounds is refused. Setting an earlier value again makes that version current again. */
static void office_parameters_are_pack_versions(void **state)
{
    struct fx *f = *state;
    struct err e = {0};
    int64_t v1, v2, v3;
    struct award_outcome o;
    struct policy_input in[] = {{"cost", "100000"}, {"tech_sme", "是"}};
    assert_int_equal(award_apply(f->s, "clerk", FIRM, "innovation-voucher", in, 2, ON, &o, &e),
                     ST_UNPROCESSABLE);
    assert_non_null(strstr(e.where, "voucher_")); /* an unset parameter, named */
    assert_int_equal(
        award_param_set(f->s, "office", "innovation-voucher", "voucher_share", "50%", &v1, &e),
        ST_OK);
    assert_int_equal(
        award_param_set(f->s, "office", "innovation-voucher", "voucher_cap", "30000", &v2, &e),
        ST_OK);
    assert_int_equal(
        award_param_set(f->s, "office", "innovation-voucher", "voucher_budget", "1000000", &v3, &e),
        ST_OK);
    assert_true(v1 < v2 && v2 < v3);
    assert_int_equal(award_apply(f->s, "clerk", FIRM, "innovation-voucher", in, 2, ON, &o, &e),
                     ST_OK);
    assert_int_equal(o.amount_fen, 3000000); /* 50% of 100,000.00 = 50,000.00, capped at 30,000 */
    assert_int_equal(approve(f->s, o.id), 3000000);
    /* A lower cap from now on; the approved line still replays with its own version. */
    assert_int_equal(
        award_param_set(f->s, "office", "innovation-voucher", "voucher_cap", "40000", &v2, &e),
        ST_OK);
    assert_int_equal(award_apply(f->s, "clerk", FIRM, "innovation-voucher", in, 2, ON, &o, &e),
                     ST_OK);
    assert_int_equal(o.amount_fen, 1000000); /* 40,000 a year, 30,000 received */
    assert_int_equal(approve(f->s, o.id), 1000000);
    verify_ok(f->s, 2, 4000000);
    assert_int_equal(
        award_param_set(f->s, "office", "tech-transfer-in", "transfer_rate", "8%", &v1, &e),
        ST_INVALID);
    assert_non_null(strstr(e.msg, "≥ 10%"));
    assert_int_equal(
        award_param_set(f->s, "office", "innovation-voucher", "voucher_cap", "30000", &v1, &e),
        ST_OK);
    assert_int_equal(v1, v3); /* the same text as the third version: that row, current again */
    struct policy_pack *p;
    assert_int_equal(award_pack_current(f->s, &p, &e), ST_OK);
    struct policy_result r;
    assert_int_equal(policy_calc(p, "innovation-voucher", in, 2, ON, 0, &r, &e), ST_OK);
    assert_int_equal(r.amount_fen, 3000000); /* the 30,000 version is current again */
    policy_result_cleanup(&r);
    policy_pack_free(p);
}

/* Property: over random batches the pro-rata split never overdraws the budget, pays exactly
 * min(demand, budget), gives no one more than asked, and each share is within one fen of its
 * exact proportion; the verifier replays every batch. */
static void pro_rata_property(void **state)
{
    struct fx *f = *state;
    load_limits_pack(f->s);
    uint64_t rng = 12345;
    int64_t paid_total = 0;
    for (int round = 0; round < 12; round++) {
        int n = 1 + (int)(rng % 9);
        int64_t ask[10], demand = 0;
        struct award_outcome o;
        struct date on = {2030 + round, 6, 1};
        for (int i = 0; i < n; i++) {
            rng = rng * 6364136223846793005ull + 1442695040888963407ull;
            int64_t fen = (int64_t)((rng >> 24) % 60000000); /* up to 600,000.00 yuan */
            char amount[32];
            snprintf(amount, sizeof amount, "%lld.%02lld", (long long)(fen / 100),
                     (long long)(fen % 100));
            struct policy_input in[] = {{"amount", amount}};
            struct err e = {0};
            assert_int_equal(award_apply(f->s, "clerk", FIRM, "grant-p", in, 1, on, &o, &e), ST_OK);
            ask[i] = o.amount_fen;
            demand += ask[i];
        }
        struct award_batch b;
        struct err e = {0};
        enum status st = award_close_batch(f->s, "office", "grant-p", on.y, &b, &e);
        assert_int_equal(st, ST_OK);
        int64_t budget = 10000000, want = demand < budget ? demand : budget;
        assert_int_equal(b.paid_fen, want);
        assert_int_equal(b.demand_fen, demand);
        /* Each share against its claim, from the ledger. */
        struct award_payout *v;
        size_t pn;
        assert_int_equal(award_payouts(f->s, 0, 0, on.y, &v, &pn, &e), ST_OK);
        assert_int_equal(pn, (size_t)n);
        for (size_t i = 0; i < pn; i++) {
            assert_true(v[i].amount_fen <= ask[i]);
            __int128 exact = (__int128)ask[i] * want, got = (__int128)v[i].amount_fen * demand;
            __int128 diff = exact > got ? exact - got : got - exact;
            assert_true(demand == 0 || diff < demand);
        }
        free(v);
        paid_total += want;
    }
    struct award_verify vv;
    struct err e = {0};
    assert_int_equal(award_ledger_verify(f->s, &vv, &e), ST_OK);
    if (vv.bad_line)
        fail_msg("line %lld: %s", (long long)vv.bad_line, vv.problem);
    assert_int_equal(vv.total_fen, paid_total);
}

/* Property: any mix of applications, approvals, refusals, batch closes and reversals over
 * clauses that share contracts (就高不就低), first-come and pro-rata budgets and a yearly cap,
 * for three enterprises over two years, leaves a ledger the verifier finds sound, whose sums
 * never pass a budget, a yearly cap or a contract's highest award. What the close and approval
 * compute and what the verifier replays must agree in every order. */
static void random_ledger(struct fx *f, int steps)
{
    static const char pack[] =
        "pack 测试：随机账本\nversion r1\n"
        "clause ra\n  title 甲\n  cite 测试〔2020〕7号 一\n  quote 按10%，每项最高5万元，先到先得\n"
        "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额（元）\n"
        "  input contract_no text 合同编号\n  award amount * 10%\n  cap item 50000 每项\n"
        "  budget 300000 fcfs 年度预算\n  exclusive deal contract_no\nend\n"
        "clause rb\n  title 乙\n  cite 测试〔2020〕7号 二\n  quote 按5%\n  effective 2020-01-01 -\n"
        "  applicants enterprise\n  input amount money 金额（元）\n"
        "  input contract_no text 合同编号\n  award amount * 5%\n  exclusive deal "
        "contract_no\nend\n"
        "clause rq\n  title 丙\n  cite 测试〔2020〕7号 三\n  quote 按8%，预算内等比例\n"
        "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额（元）\n"
        "  input contract_no text 合同编号\n  award amount * 8%\n"
        "  budget 200000 pro-rata 年度预算\n  exclusive deal contract_no\nend\n"
        "clause ry\n  title 丁\n  cite 测试〔2020〕7号 四\n  quote 按3%，每年最高6万元\n"
        "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额（元）\n"
        "  award amount * 3%\n  cap entity-year 60000 每年\nend\n";
    static const char *const clauses[] = {"ra", "rb", "rq", "ry"};
    static const char *const firms[] = {"91410700MA44XW1K27", "91410700MA9F123453",
                                        "91410700MA4FUND016"};
    struct err e = {0};
    const char *csv = "uscc,name,kind,in_zone,industry\n"
                      "91410700MA9F123453,乙公司,企业,是,生物医药\n"
                      "91410700MA4FUND016,丙公司,企业,是,制造\n";
    struct entity_import_report rep;
    assert_int_equal(entity_import_csv(f->s, "t", csv, strlen(csv), "r.csv", NULL, &rep, &e),
                     ST_OK);
    int64_t pid;
    assert_int_equal(award_pack_store(f->s, "office", pack, strlen(pack), "r.pack", &pid, &e),
                     ST_OK);
    uint64_t rng = 20261128; /* (61 other seeds were tried: all sound) */
#define NEXT() (rng = rng * 6364136223846793005ull + 1442695040888963407ull, (rng >> 33))
    int64_t apps[600];
    size_t n_apps = 0;
    int payouts = 0;
    for (int step = 0; step < steps; step++) {
        if (step == steps / 2) {
            /* halfway, a new version of the rules (乙 pays 6%, 丁 4%): pending applications and
             * new ones are decided by it, the lines before replay with their own version */
            char v2[sizeof pack + 16];
            snprintf(v2, sizeof v2, "%s", pack);
            char *at = strstr(v2, "version r1");
            at[9] = '2';
            at = strstr(v2, "award amount * 5%");
            at[15] = '6';
            at = strstr(v2, "award amount * 3%");
            at[15] = '4';
            assert_int_equal(award_pack_store(f->s, "office", v2, strlen(v2), "r2.pack", &pid, &e),
                             ST_OK);
        }
        unsigned op = (unsigned)(NEXT() % 100);
        struct date on = {2020 + (int)(NEXT() % 2), 3 + (int)(NEXT() % 9), 1};
        struct award_outcome o;
        memset(&e, 0, sizeof e);
        if (op < 55) { /* apply, and mostly decide at once */
            const char *clause = clauses[NEXT() % 4];
            char amount[32], no[16];
            int64_t fen = (int64_t)(NEXT() % 150000000); /* up to 1,500,000.00 */
            snprintf(amount, sizeof amount, "%lld.%02lld", (long long)(fen / 100),
                     (long long)(fen % 100));
            snprintf(no, sizeof no, "C-%u", (unsigned)(NEXT() % 5));
            struct policy_input in[] = {{"amount", amount}, {"contract_no", no}};
            enum status st = award_apply(f->s, "clerk", firms[NEXT() % 3], clause, in,
                                         strcmp(clause, "ry") ? 2 : 1, on, &o, &e);
            if (st != ST_OK)
                fail_msg("apply %s: %s", clause, e.msg);
            apps[n_apps++] = o.id;
            if (strcmp(clause, "rq") && NEXT() % 10 < 7) {
                st = award_decide(f->s, "office", o.id, NEXT() % 10 < 8, "不予支持", &o, &e);
                if (st != ST_OK && st != ST_UNPROCESSABLE)
                    fail_msg("decide: %d %s", st, e.msg);
                payouts += st == ST_OK && o.payout_id;
            }
        } else if (op < 75 && n_apps) { /* decide an earlier one, in any order */
            enum status st = award_decide(f->s, "office", apps[NEXT() % n_apps], 1, NULL, &o, &e);
            if (st != ST_OK && st != ST_UNPROCESSABLE && st != ST_CONFLICT)
                fail_msg("decide later: %d %s", st, e.msg);
            payouts += st == ST_OK && o.payout_id;
        } else if (op < 85) { /* close a year's batch */
            struct award_batch b;
            enum status st = award_close_batch(f->s, "office", "rq", on.y, &b, &e);
            if (st == ST_OK)
                award_batch_cleanup(&b);
            else if (st != ST_UNPROCESSABLE && st != ST_NOT_FOUND && st != ST_CONFLICT)
                fail_msg("close: %d %s", st, e.msg);
        } else if (payouts) { /* reverse a line */
            int64_t rid;
            int64_t last = (int64_t)test_count(f->s, "payouts");
            enum status st = award_reverse(f->s, "office", 1 + (int64_t)(NEXT() % (uint64_t)last),
                                           "追回", &rid, &e);
            if (st != ST_OK && st != ST_CONFLICT)
                fail_msg("reverse: %d %s", st, e.msg);
        }
        if (step % 50 == 49) {
            struct award_verify v;
            assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
            if (v.bad_line)
                fail_msg("step %d, line %lld: %s", step, (long long)v.bad_line, v.problem);
        }
    }
#undef NEXT
}

static void random_ledgers_verify(void **state)
{
    struct fx *f = *state;
    random_ledger(f, 600);
    assert_true(test_count(f->s, "payouts WHERE batch > 0") > 0);
    assert_int_equal(test_count(f->s, "(SELECT DISTINCT pack_id FROM payouts)"), 2);
    assert_true(test_count(f->s, "payouts WHERE reverses_id IS NOT NULL") > 0);
    /* No budget passed, no yearly cap, and no contract paid more than the largest award any
     * of its lines claimed (就高不就低). */
    assert_int_equal(test_count(f->s, "(SELECT year, sum(amount_fen) s FROM payouts WHERE"
                                      " clause = 'ra' GROUP BY year) WHERE s > 30000000"),
                     0);
    assert_int_equal(test_count(f->s, "(SELECT year, sum(amount_fen) s FROM payouts WHERE"
                                      " clause = 'rq' GROUP BY year) WHERE s > 20000000"),
                     0);
    assert_int_equal(test_count(f->s, "(SELECT entity_id, year, sum(amount_fen) s FROM payouts"
                                      " WHERE clause = 'ry' GROUP BY entity_id, year)"
                                      " WHERE s > 6000000"),
                     0);
    assert_int_equal(test_count(f->s, "(SELECT entity_id, matter, sum(amount_fen) s,"
                                      " max(claimed_fen) m FROM payouts WHERE matter <> ''"
                                      " GROUP BY entity_id, matter) WHERE s > m"),
                     0);
    /* every first-come hold, rebuilt from the audit log's submissions and decisions, is the
     * one recorded (and there are holds to rebuild) */
    assert_true(test_count(f->s, "payouts WHERE clause = 'ra' AND budget_held_fen > 0") > 0);
    struct award_verify v;
    struct err e = {0};
    assert_int_equal(award_ledger_check_applications(f->s, &v, &e), ST_OK);
    if (v.bad_line)
        fail_msg("line %lld: %s", (long long)v.bad_line, v.problem);
}

/* Every figure a line records is checked: on a random ledger, each field of a sample of lines
 * moved by one (and the chain rewritten) is named by the verifier, or, for the application, the
 * payee, an fcfs line's hold by earlier pending applications and a batch split where no share
 * was cut, where every sum still agrees, by the applications check (the ledger does not read
 * the applications; holds and batches are rebuilt from the audit log). */
static void every_recorded_figure_is_checked(void **state)
{
    struct fx *f = *state;
    random_ledger(f, 200);
    struct err e = {0};
    static const struct {
        int at, money;
        const char *name, *lines; /* the lines of the sample that carry the figure */
    } fields[] = {
        {AT_ENTITY, 0, "entity", "1"},
        {AT_AMOUNT, 1, "amount", "1"},
        {AT_CAP_USED, 1, "cap used", "1"},
        {AT_REVERSES, 0, "reverses", "reverses_id IS NOT NULL"},
        {AT_CLAIMED, 1, "claimed", "1"},
        {AT_BUDGET_USED, 1, "budget used", "1"},
        {AT_BUDGET_HELD, 1, "budget held", "1"},
        {AT_MATTER_PRIOR, 1, "matter prior", "1"},
        {AT_BATCH, 0, "batch", "batch > 0"},
        {AT_APP, 0, "application", "reverses_id IS NULL"},
    };
    for (size_t k = 0; k < sizeof fields / sizeof fields[0]; k++) {
        char sql[300];
        snprintf(sql, sizeof sql,
                 "SELECT id, json_extract(CAST(line AS TEXT), '$[%d]') FROM payouts WHERE %s"
                 " ORDER BY id",
                 fields[k].at, fields[k].lines);
        struct store_stmt *q;
        int64_t ids[256], vals[256];
        size_t n = 0;
        int row;
        assert_int_equal(store_prepare(f->s, sql, &q, &e), ST_OK);
        while (store_step(q, &row, &e) == ST_OK && row && n < 256) {
            ids[n] = store_col_int(q, 0);
            vals[n++] = store_col_int(q, 1);
        }
        store_finish(q);
        assert_true(n > 0);
        for (size_t i = 0; i < n; i += 1 + n / 8) { /* about eight lines a field */
            line_set(f->s, ids[i], fields[k].at, vals[i] + 1);
            rechain(f->s);
            struct award_verify v;
            assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
            /* the payee, the application, a first-come hold and a batch split where no share
             * was cut: the applications check (where the ledger's sums still agree) */
            if (!v.bad_line && (fields[k].at == AT_APP || fields[k].at == AT_ENTITY ||
                                fields[k].at == AT_BUDGET_HELD || fields[k].at == AT_BATCH))
                assert_int_equal(award_ledger_check_applications(f->s, &v, &e), ST_OK);
            if (!v.bad_line)
                fail_msg("%s of line %lld moved by one: not named", fields[k].name,
                         (long long)ids[i]);
            line_set(f->s, ids[i], fields[k].at, vals[i]);
        }
        rechain(f->s);
        verify_ok(f->s, test_count(f->s, "payouts"),
                  (int64_t)test_count(f->s, "payouts") ? ledger_total(f->s) : 0);
    }
}

static const struct award_budget *budget_of(const struct award_budget *v, size_t n,
                                            const char *clause)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v[i].clause, clause))
            return &v[i];
    fail_msg("no budget row for %s", clause);
    return NULL;
}

/* 预算执行: paid net of recoveries, pending claims, and what is left, fcfs holding its pending
 * claims and pro-rata not; a clause of an earlier pack version with payouts is listed too. */
static void budget_execution_by_clause(void **state)
{
    struct fx *f = *state;
    int64_t amount;
    approve(f->s, apply_patents(f->s, 2, &amount)); /* the example pack: ip-transfer */
    load_limits_pack(f->s);
    struct award_outcome o;
    int64_t a1 = apply_grant(f->s, "grant-a", "1000000", "C-1", &o);
    apply_grant(f->s, "grant-a", "1000000", "C-2", &o);
    assert_int_equal(approve(f->s, a1), 10000000);
    apply_grant(f->s, "grant-p", "800000", NULL, &o);
    apply_grant(f->s, "grant-p", "600000", NULL, &o);
    struct award_budget *v;
    size_t n;
    struct err e = {0};
    assert_int_equal(award_budget_year(f->s, 2020, &v, &n, &e), ST_OK);
    assert_int_equal(n, 4);
    assert_string_equal(v[0].clause, "grant-a"); /* pack order, then the older clause */
    assert_string_equal(v[0].title, "甲类补助");
    assert_string_equal(v[3].clause, "ip-transfer");
    const struct award_budget *a = budget_of(v, n, "grant-a");
    assert_string_equal(a->allocation, "fcfs");
    assert_int_equal(a->budget_fen, 25000000);
    assert_int_equal(a->paid_fen, 10000000);
    assert_int_equal(a->payouts, 1);
    assert_int_equal(a->pending, 1);
    assert_int_equal(a->pending_fen, 10000000);
    assert_int_equal(a->remaining_fen, 5000000);
    const struct award_budget *pr = budget_of(v, n, "grant-p");
    assert_string_equal(pr->allocation, "pro-rata");
    assert_int_equal(pr->pending, 2);
    assert_int_equal(pr->pending_fen, 14000000);
    assert_int_equal(pr->remaining_fen, 10000000); /* pending claims share it at batch close */
    const struct award_budget *b = budget_of(v, n, "grant-b");
    assert_int_equal(b->budget_fen, 0);
    assert_string_equal(b->allocation, "");
    assert_int_equal(b->remaining_fen, 0);
    assert_int_equal(budget_of(v, n, "ip-transfer")->paid_fen, amount);
    free(v);

    int64_t rid;
    struct award_batch batch;
    assert_int_equal(award_reverse(f->s, "office", 2, "重复申报", &rid, &e), ST_OK);
    assert_int_equal(award_close_batch(f->s, "office", "grant-p", 2020, &batch, &e), ST_OK);
    assert_int_equal(award_budget_year(f->s, 2020, &v, &n, &e), ST_OK);
    a = budget_of(v, n, "grant-a");
    assert_int_equal(a->paid_fen, 0);
    assert_int_equal(a->recovered_fen, 10000000);
    assert_int_equal(a->reversals, 1);
    assert_int_equal(a->remaining_fen, 15000000);
    pr = budget_of(v, n, "grant-p");
    assert_int_equal(pr->paid_fen, 10000000);
    assert_int_equal(pr->payouts, 2);
    assert_int_equal(pr->entities, 1);
    assert_int_equal(pr->pending, 0);
    assert_int_equal(pr->remaining_fen, 0);
    free(v);
    /* Another year: the pack's clauses, nothing paid. */
    assert_int_equal(award_budget_year(f->s, 2021, &v, &n, &e), ST_OK);
    assert_int_equal(n, 3);
    assert_int_equal(v[0].remaining_fen, 25000000);
    free(v);
}

static void import_facts(struct store *s, const char *csv)
{
    struct entity_import_report rep;
    struct err e = {0};
    if (award_import_registry(s, "t", csv, strlen(csv), "facts.csv", &rep, &e) != ST_OK)
        fail_msg("facts: %s %s", e.msg, rep.n_errors ? rep.errors[0] : "");
}

/* The zone list reads the registry and the ledger as one snapshot: an approval committed by
 * another connection while the walk is between entities does not show in the rest of it (the
 * rows, their states and the totals are of one moment). */
struct snapshot_walk {
    const char *db;
    int64_t app;
    int approved_midway;
    char firm_status[12];
};

static enum status snapshot_row(void *ctx, const struct award_list_row *r, struct err *e)
{
    (void)e;
    struct snapshot_walk *w = ctx;
    if (!strcmp(r->entity->uscc, FIRM))
        snprintf(w->firm_status, sizeof w->firm_status, "%s", r->match->application_status);
    return ST_OK;
}

static enum status snapshot_entity_done(void *ctx, const struct entity *en, struct err *e)
{
    struct snapshot_walk *w = ctx;
    if (strcmp(en->uscc, INST) || w->approved_midway)
        return ST_OK;
    struct store *other;
    struct award_outcome o;
    if (store_open(w->db, &other, e) != ST_OK)
        return ST_IO;
    enum status st = award_decide(other, "office", w->app, 1, NULL, &o, e);
    store_close(other);
    w->approved_midway = st == ST_OK;
    return st;
}

static void list_reads_one_snapshot(void **state)
{
    struct fx *f = *state;
    struct err e = {0};
    store_pack(f->s,
               "pack 测试：名单快照\nversion s1\n"
               "clause grant\n  title 补助\n  cite 测试〔2020〕3号 一\n  quote 按10%补助\n"
               "  effective 2020-01-01 -\n  applicants enterprise\n  input spend money 支出（元）\n"
               "  award spend * 10%\nend\n");
    import_facts(f->s,
                 "uscc,fact,value,source,date\n91410700MA44XW1K27,spend,10000,税务,2020-07-15\n");
    struct policy_input in[] = {{"spend", "10000"}};
    struct award_outcome o;
    assert_int_equal(award_apply(f->s, "clerk", FIRM, "grant", in, 1, ON, &o, &e), ST_OK);
    struct policy_pack *p;
    assert_int_equal(award_pack_current(f->s, &p, &e), ST_OK);
    struct snapshot_walk w = {.db = f->db, .app = o.id};
    struct award_list_visit v = {snapshot_row, snapshot_entity_done, &w};
    struct award_list_totals t;
    assert_int_equal(award_match_list(f->s, p, ON, &v, &t, &e), ST_OK);
    assert_true(w.approved_midway);
    assert_string_equal(w.firm_status, "submitted"); /* as it stood when the walk began */
    assert_int_equal(t.qualifies, 1);
    award_list_totals_cleanup(&t);
    /* the next walk sees the approval */
    w.approved_midway = 1;
    assert_int_equal(award_match_list(f->s, p, ON, &v, &t, &e), ST_OK);
    assert_string_equal(w.firm_status, "approved");
    award_list_totals_cleanup(&t);
    policy_pack_free(p);
}

/* The list's totals per clause, weighed against each yearly envelope: a first-come one by what
 * no pending application holds yet (each row is already bounded by the rest), a pro-rata one
 * by every claim (the batch shares the rest); the gap is said, and a clause without an
 * envelope has none. */
static void list_weighs_each_clause_against_its_budget(void **state)
{
    struct fx *f = *state;
    struct err e = {0};
    store_pack(f->s, "pack 测试：名单与预算\nversion b1\n"
                     "clause fc\n  title 甲补助\n  cite 测试〔2020〕4号 一\n  quote 按10%补助\n"
                     "  effective 2020-01-01 -\n  applicants enterprise\n  input spend money 支出\n"
                     "  award spend * 10%\n  budget 1500 fcfs 年度预算\nend\n"
                     "clause pr\n  title 乙补助\n  cite 测试〔2020〕4号 二\n  quote 按10%补助\n"
                     "  effective 2020-01-01 -\n  applicants enterprise\n  input spend money 支出\n"
                     "  award spend * 10%\n  budget 1000 pro-rata 年度预算\nend\n"
                     "clause nb\n  title 丙补助\n  cite 测试〔2020〕4号 三\n  quote 按1%补助\n"
                     "  effective 2020-01-01 -\n  applicants enterprise\n  input spend money 支出\n"
                     "  award spend * 1%\nend\n");
    add_second_firm(f->s);
    import_facts(f->s, "uscc,fact,value,source,date\n"
                       "91410700MA44XW1K27,spend,10000,税务,2020-07-15\n"
                       "91410700MA9F123453,spend,8000,税务,2020-07-15\n");
    struct policy_pack *p;
    assert_int_equal(award_pack_current(f->s, &p, &e), ST_OK);
    struct snapshot_walk w = {.approved_midway = 1};
    struct award_list_visit v = {snapshot_row, NULL, &w};
    struct award_list_totals t;
    char warn[600];
    for (int round = 0; round < 2; round++) {
        assert_int_equal(award_match_list(f->s, p, ON, &v, &t, &e), ST_OK);
        assert_int_equal(t.n_clauses, 3);
        const struct award_list_clause *fc = &t.clauses[0], *pr = &t.clauses[1],
                                       *nb = &t.clauses[2];
        assert_int_equal(fc->qualifies, 2);
        assert_string_equal(fc->allocation, "fcfs");
        assert_string_equal(pr->allocation, "pro-rata");
        assert_null(nb->allocation);
        assert_int_equal(nb->total_fen, 18000);
        assert_int_equal(nb->short_fen, 0);
        /* pro-rata: both claims, 1,800, against the 1,000 the batch will share */
        assert_int_equal(pr->total_fen, 180000);
        assert_int_equal(pr->left_fen, 100000);
        assert_int_equal(pr->short_fen, 80000);
        assert_non_null(
            strstr(award_list_clause_warning(p, &t, 1, warn, sizeof warn), "按比例核减"));
        if (round ==
            0) { /* 1,000 and 800 offered, 1,500 left: 300 short, first come first served */
            assert_int_equal(fc->total_fen, 180000);
            assert_int_equal(fc->new_fen, 180000);
            assert_int_equal(fc->left_fen, 150000);
            assert_int_equal(fc->short_fen, 30000);
            award_list_clause_warning(p, &t, 0, warn, sizeof warn);
            assert_non_null(
                strstr(warn, "甲补助：名单中尚未申请的合计 1,800.00元，年度资金余额 1,500.00元"));
            assert_non_null(strstr(warn, "缺口 300.00元；先到先得"));
            json_t *j = award_list_clauses_json(p, &t);
            assert_int_equal(json_array_size(j), 3);
            json_t *b = json_object_get(json_array_get(j, 0), "budget");
            assert_int_equal(json_integer_value(json_object_get(b, "short_fen")), 30000);
            assert_non_null(json_object_get(json_array_get(j, 0), "warning"));
            assert_true(json_is_null(json_object_get(json_array_get(j, 2), "budget")));
            assert_null(json_object_get(json_array_get(j, 2), "warning"));
            json_decref(j);
            struct policy_input in[] = {{"spend", "10000"}};
            struct award_outcome o;
            assert_int_equal(award_apply(f->s, "clerk", FIRM, "fc", in, 1, ON, &o, &e), ST_OK);
        } else { /* the first applied: it holds 1,000; the 500 left is what the second is offered */
            assert_int_equal(fc->held_fen, 100000);
            assert_int_equal(fc->left_fen, 50000);
            assert_int_equal(fc->new_fen, 50000);
            assert_int_equal(fc->total_fen, 150000);
            assert_int_equal(fc->short_fen, 0);
            assert_string_equal(award_list_clause_warning(p, &t, 0, warn, sizeof warn), "");
        }
        award_list_totals_cleanup(&t);
    }
    policy_pack_free(p);
}

/* The applications list a page at a time: the page's rows, newest first, and the totals of all
 * the filter keeps; past the end, no rows and the same totals. */
static void applications_paged_with_totals(void **state)
{
    struct fx *f = *state;
    struct err e = {0};
    int64_t ids[5];
    for (int k = 0; k < 5; k++)
        ids[k] = apply_patents(f->s, k + 1, NULL);
    struct award_app_filter flt = {0};
    struct award_app *v;
    size_t n;
    struct award_app_totals t;
    assert_int_equal(award_applications_page(f->s, &flt, 1, 2, &v, &n, &t, &e), ST_OK);
    assert_int_equal(n, 2);
    assert_int_equal(v[0].id, ids[3]);
    assert_int_equal(v[1].id, ids[2]);
    assert_int_equal(t.n, 5);
    assert_int_equal(t.amount_fen, 15 * 1000000);
    award_apps_free(v, n);
    assert_int_equal(award_applications_page(f->s, &flt, 5, 10, &v, &n, &t, &e), ST_OK);
    assert_int_equal(n, 0);
    assert_int_equal(t.n, 5);
    award_apps_free(v, n);
    flt.status = "approved";
    approve(f->s, ids[0]);
    assert_int_equal(award_applications_page(f->s, &flt, 0, 10, &v, &n, &t, &e), ST_OK);
    assert_int_equal(n, 1);
    assert_int_equal(t.n, 1);
    assert_int_equal(t.paid_fen, 1000000);
    award_apps_free(v, n);
}

/* 批量审批: the pending applications of a clause approved in 受理 order by the approval's own
 * checks, in one transaction: a later one is cut by the yearly cap and the first-come budget as
 * if approved one by one; a dry run writes nothing; one missing its evidence stays pending with
 * the reason; a pro-rata clause is closed by its batch instead. */
static void approve_all_in_acceptance_order(void **state)
{
    struct fx *f = *state;
    struct err e = {0};
    store_pack(f->s, "pack 测试：批量审批\nversion a1\n"
                     "clause g\n  title 甲补助\n  cite 测试〔2020〕6号 一\n  quote 按10%补助\n"
                     "  effective 2020-01-01 -\n  applicants enterprise\n  input spend money 支出\n"
                     "  award spend * 10%\n  cap entity-year 1000 每家每年\n"
                     "  budget 1500 fcfs 年度预算\nend\n"
                     "clause h\n  title 乙补助\n  cite 测试〔2020〕6号 二\n  quote 按10%补助\n"
                     "  effective 2020-01-01 -\n  applicants enterprise\n  input spend money 支出\n"
                     "  award spend * 10%\n  evidence 发票\nend\n"
                     "clause r\n  title 丙补助\n  cite 测试〔2020〕6号 三\n  quote 按比例\n"
                     "  effective 2020-01-01 -\n  applicants enterprise\n  input spend money 支出\n"
                     "  award spend * 10%\n  budget 1000 pro-rata 年度预算\nend\n");
    add_second_firm(f->s);
    const char *who[3] = {FIRM, "91410700MA9F123453", FIRM};
    const char *spend[3] = {"6000", "8000", "5000"};
    for (int i = 0; i < 3; i++) {
        struct policy_input in[] = {{"spend", spend[i]}};
        struct award_outcome o;
        assert_int_equal(award_apply(f->s, "clerk", who[i], "g", in, 1, ON, &o, &e), ST_OK);
    }
    struct award_batch b;
    for (int dry = 1; dry >= 0; dry--) {
        assert_int_equal(award_approve_pending(f->s, "office", "g", ON.y, 0, dry, &b, &e), ST_OK);
        assert_string_equal(b.allocation, "fcfs");
        assert_int_equal(b.approved, 3);
        assert_int_equal(b.n_shares, 3);
        /* 600 and 800; the third: its firm's 1,000 cap leaves 400, the budget's rest 100 */
        assert_int_equal(b.shares[0].share_fen, 60000);
        assert_int_equal(b.shares[1].share_fen, 80000);
        assert_int_equal(b.shares[2].share_fen, 10000);
        assert_int_equal(b.paid_fen, 150000);
        assert_int_equal(test_count(f->s, "payouts"), dry ? 0 : 3);
        assert_int_equal(test_count(f->s, "applications WHERE status = 'submitted'"), dry ? 3 : 0);
        award_batch_cleanup(&b);
    }
    assert_int_equal(test_count(f->s, "audit_log WHERE action = 'application.approve_all'"), 1);
    verify_ok(f->s, 3, 150000);
    struct award_verify av; /* and the holds rebuilt from the audit log agree */
    assert_int_equal(award_ledger_check_applications(f->s, &av, &e), ST_OK);
    if (av.bad_line)
        fail_msg("line %lld: %s", (long long)av.bad_line, av.problem);
    /* nothing left pending; none proposed */
    assert_int_equal(award_approve_pending(f->s, "office", "g", ON.y, 0, 0, &b, &e), ST_NOT_FOUND);
    struct policy_input in[] = {{"spend", "1000"}};
    struct award_outcome o;
    assert_int_equal(award_apply(f->s, "clerk", FIRM, "h", in, 1, ON, &o, &e), ST_OK);
    assert_int_equal(award_approve_pending(f->s, "office", "h", ON.y, 1, 0, &b, &e), ST_NOT_FOUND);
    /* the evidence is missing: it stays pending, the reason said */
    assert_int_equal(award_approve_pending(f->s, "office", "h", ON.y, 0, 0, &b, &e), ST_OK);
    assert_int_equal(b.approved, 0);
    assert_int_equal(b.skipped, 1);
    assert_non_null(strstr(b.shares[0].note, "缺少证明材料：发票"));
    award_batch_cleanup(&b);
    assert_int_equal(test_count(f->s, "applications WHERE status = 'submitted'"), 1);
    assert_int_equal(award_apply(f->s, "clerk", FIRM, "r", in, 1, ON, &o, &e), ST_OK);
    assert_int_equal(award_approve_pending(f->s, "office", "r", ON.y, 0, 0, &b, &e), ST_CONFLICT);
    assert_non_null(strstr(e.msg, "close-batch"));
}

static const char MATTERS_PACK[] =
    "pack 测试：按事项\nversion m1\n"
    "clause deal\n  title 合同补助\n  cite 测试〔2020〕5号 一\n  quote "
    "按10%补助，每项最高15万元，每年最高20万元\n"
    "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额（元）\n"
    "  input deal_no text 合同编号\n  input registered bool 已登记\n  require registered\n"
    "  award amount * 10%\n  cap item 150000 每项\n  cap entity-year 200000 每年\n"
    "  exclusive deals deal_no\nend\n"
    "clause flat\n  title 普惠补助\n  cite 测试〔2020〕5号 二\n  quote 按1%补助\n"
    "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额（元）\n"
    "  award amount * 1%\nend\n";

/* The matched results of uscc's entity, as "clause/matter=fen" joined by spaces. */
static void matches_of(struct store *s, const struct policy_pack *p, const char *uscc,
                       const int64_t *received, char *out, size_t cap)
{
    struct entity *en;
    struct award_match *m;
    size_t n;
    struct err e = {0};
    assert_int_equal(entity_get(s, uscc, &en, &e), ST_OK);
    assert_int_equal(award_match_entity(p, en, ON, received, &m, &n, &e), ST_OK);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), cap - strlen(out), "%s%s/%s=%" PRId64, i ? " " : "",
                 policy_clause_id(p, m[i].clause), m[i].matter,
                 m[i].m.r.eligible ? m[i].m.r.amount_fen : -1);
    award_matches_free(m, n);
    entities_free(en, 1);
}

/* 事项: an entity with two contracts is matched once per contract (a wide row whose matter-key
 * column is filled), each over the entity's own facts; each contract has its item cap and the
 * second meets the yearly cap the first left; a clause not paid per contract reads the
 * entity's own facts only. */
static void matters_are_matched_one_by_one(void **state)
{
    struct fx *f = *state;
    int64_t id;
    struct err e = {0};
    assert_int_equal(
        award_pack_store(f->s, "office", MATTERS_PACK, strlen(MATTERS_PACK), "m.pack", &id, &e),
        ST_OK);
    import_facts(f->s, "uscc,fact,value,source,date\n"
                       "91410700MA44XW1K27,registered,是,市场监管,2020-05-10\n"
                       "91410700MA44XW1K27,amount,300000.00,税务,2020-05-10\n"
                       "52410700MA4KX0012C,amount,500000.00,税务,2020-05-10\n");
    import_facts(f->s, "uscc,source,date,deal_no,amount\n"
                       "91410700MA44XW1K27,技术合同登记,2020-06-01,D-1,2000000.00\n"
                       "91410700MA44XW1K27,技术合同登记,2020-07-01,D-2,1000000.00\n"
                       "91410700MA44XW1K27,技术合同登记,2020-08-01,D-1,1800000.00\n");
    struct policy_pack *p;
    assert_int_equal(award_pack_current(f->s, &p, &e), ST_OK);
    char got[400];
    /* D-1's newest amount 1,800,000 → 180,000 capped at 150,000; D-2 100,000 → 50,000 left of
     * the year's 200,000; the flat clause on the entity's own 300,000 */
    matches_of(f->s, p, FIRM, NULL, got, sizeof got);
    assert_string_equal(got, "deal/D-1=15000000 deal/D-2=5000000 flat/=300000");
    /* what the ledger says it already had this year counts first */
    int64_t received[2] = {19000000, 0};
    matches_of(f->s, p, FIRM, received, got, sizeof got);
    assert_string_equal(got, "deal/D-1=1000000 deal/D-2=0 flat/=300000");
    policy_pack_free(p);
    /* 免申即享 files one application per contract, and names each when it would repeat */
    struct award_proposals pr;
    assert_int_equal(award_propose(f->s, "office", "deal", ON, &pr, &e), ST_OK);
    assert_int_equal(pr.filed, 2);
    /* filed against what was paid (nothing yet); approval applies the year's cap in order */
    assert_int_equal(pr.amount_fen, 25000000);
    award_proposals_cleanup(&pr);
    assert_int_equal(approve(f->s, 1), 15000000);
    assert_int_equal(approve(f->s, 2), 5000000);
    assert_int_equal(award_propose(f->s, "office", "deal", ON, &pr, &e), ST_OK);
    assert_int_equal(pr.duplicates, 2);
    assert_non_null(strstr(pr.skipped[0].text, "合同编号 D-1：该事项已有申请"));
    assert_non_null(strstr(pr.skipped[1].text, "合同编号 D-2：该事项已有申请"));
    award_proposals_cleanup(&pr);
}

/* 就高不就低 in what a match adds: two clauses of one exclusivity group eligible for the same
 * contract are both shown, the lower marked superseded by the higher and adding nothing; for
 * two different contracts both add. */
static void match_pays_the_highest_of_a_group(void **state)
{
    struct fx *f = *state;
    load_limits_pack(f->s);
    import_facts(f->s, "uscc,source,date,contract_no,amount\n"
                       "91410700MA44XW1K27,技术合同登记,2020-06-01,HT-1,1000000.00\n"
                       "91410700MA44XW1K27,技术合同登记,2020-06-02,HT-2,400000.00\n");
    struct policy_pack *p;
    struct err e = {0};
    assert_int_equal(award_pack_current(f->s, &p, &e), ST_OK);
    struct entity *en;
    assert_int_equal(entity_get(f->s, FIRM, &en, &e), ST_OK);
    struct award_match *m;
    size_t n;
    assert_int_equal(award_match_entity(p, en, ON, NULL, &m, &n, &e), ST_OK);
    char got[400] = "";
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        snprintf(got + strlen(got), sizeof got - strlen(got), "%s%s/%s=%" PRId64 "%s%s",
                 i ? " " : "", policy_clause_id(p, m[i].clause), m[i].matter, m[i].m.r.amount_fen,
                 m[i].m.superseded_by ? "<" : "",
                 m[i].m.superseded_by ? policy_clause_id(p, m[i].m.superseded_by - 1) : "");
        total += policy_match_payable(&m[i].m);
    }
    /* grant-a 10% capped at 100,000 per item; grant-b 5%: on HT-1 grant-a is higher, on HT-2
     * (40,000 against 20,000) too; grant-p has no group and reads the entity's own facts (none) */
    assert_string_equal(got,
                        "grant-a/HT-1=10000000 grant-a/HT-2=4000000 grant-b/HT-1=5000000<grant-a "
                        "grant-b/HT-2=2000000<grant-a grant-p/=0");
    assert_int_equal(total, 14000000);
    award_matches_free(m, n);
    entities_free(en, 1);
    policy_pack_free(p);
    /* 免申即享 files the higher clause for each contract and not the lower one, naming why */
    struct award_proposals pr;
    assert_int_equal(award_propose(f->s, "office", "grant-b", ON, &pr, &e), ST_OK);
    assert_int_equal(pr.filed, 0);
    assert_int_equal(pr.superseded, 2);
    assert_int_equal(pr.skipped[0].reason, AWARD_SKIP_SUPERSEDED);
    assert_non_null(strstr(pr.skipped[0].text, "合同编号 HT-1：就高不就低：该事项按条款 grant-a"
                                               "（甲类补助）可得 100,000.00元，高于本条款的 "
                                               "50,000.00元"));
    json_t *j = award_proposals_json(&pr);
    assert_int_equal(json_integer_value(json_object_get(j, "superseded")), 2);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "skipped"), 1), "reason")),
                        "superseded");
    json_decref(j);
    award_proposals_cleanup(&pr);
    assert_int_equal(award_propose(f->s, "office", "grant-a", ON, &pr, &e), ST_OK);
    assert_int_equal(pr.filed, 2);
    assert_int_equal(pr.amount_fen, 14000000);
    award_proposals_cleanup(&pr);
}

/* What an entity is offered counts the ledger: a contract paid under the lower clause of its
 * group is offered the difference (就高不就低), one paid in full is received and adds nothing,
 * and one with an application pending names it; what the list offers is what approvals pay. */
static char *ledger_matches(struct store *s, int64_t *total)
{
    struct policy_pack *p;
    struct err e = {0};
    struct entity *en;
    struct award_match *m;
    size_t n;
    int64_t *received;
    assert_int_equal(award_pack_current(s, &p, &e), ST_OK);
    assert_int_equal(entity_get(s, FIRM, &en, &e), ST_OK);
    assert_int_equal(award_match_ledger(s, p, en, ON, &m, &n, &received, &e), ST_OK);
    char *got = calloc(1, 2000);
    *total = 0;
    for (size_t i = 0; i < n; i++) {
        char standing[400];
        if (!m[i].matter[0])
            continue;
        snprintf(got + strlen(got), 2000 - strlen(got), "%s/%s %s %" PRId64 " %s|",
                 policy_clause_id(p, m[i].clause), m[i].matter, award_match_state(&m[i]),
                 award_match_payable(&m[i]),
                 award_match_standing(p, &m[i], standing, sizeof standing));
        *total += award_match_payable(&m[i]);
    }
    free(received);
    award_matches_free(m, n);
    entities_free(en, 1);
    policy_pack_free(p);
    return got;
}

static void match_counts_the_ledger(void **state)
{
    struct fx *f = *state;
    load_limits_pack(f->s);
    import_facts(f->s, "uscc,source,date,contract_no,amount\n"
                       "91410700MA44XW1K27,技术合同登记,2020-06-01,HT-1,1000000.00\n"
                       "91410700MA44XW1K27,技术合同登记,2020-06-02,HT-2,400000.00\n");
    struct award_outcome o;
    int64_t total;
    assert_int_equal(approve(f->s, apply_grant(f->s, "grant-b", "1000000", "HT-1", &o)), 5000000);
    char *got = ledger_matches(f->s, &total);
    assert_string_equal(got,
                        "grant-a/HT-1 qualifies 5000000 该事项已获兑付 50,000.00元，就高不就低，"
                        "还可补足差额 50,000.00元。|"
                        "grant-a/HT-2 qualifies 4000000 |"
                        "grant-b/HT-1 qualifies 0 |"
                        "grant-b/HT-2 qualifies 0 |");
    assert_int_equal(total, 9000000);
    free(got);
    /* the difference is what approval pays; then HT-1 is received */
    int64_t a1 = apply_grant(f->s, "grant-a", "1000000", "HT-1", &o);
    assert_int_equal(approve(f->s, a1), 5000000);
    int64_t a2 = apply_grant(f->s, "grant-a", "400000", "HT-2", &o);
    got = ledger_matches(f->s, &total);
    char want[600];
    snprintf(want, sizeof want,
             "grant-a/HT-1 received 0 该事项已获兑付 100,000.00元，不再重复享受。|"
             "grant-a/HT-2 qualifies 4000000 该事项已有申请 %" PRId64 "（待审批）。|"
             "grant-b/HT-1 qualifies 0 |"
             "grant-b/HT-2 qualifies 0 |",
             a2);
    assert_string_equal(got, want);
    assert_int_equal(total, 4000000);
    free(got);
    assert_int_equal(approve(f->s, a2), 4000000);
    got = ledger_matches(f->s, &total);
    assert_int_equal(total, 0);
    assert_non_null(strstr(got, "grant-a/HT-2 received 0 该事项已获兑付 40,000.00元"));
    free(got);
    verify_ok(f->s, 3, 14000000);
    /* a pro-rata clause's amount is provisional until its batch closes, and says so */
    import_facts(f->s, "uscc,fact,value,source,date\n"
                       "91410700MA44XW1K27,amount,300000.00,税务,2020-06-03\n");
    struct policy_pack *p;
    struct entity *en;
    struct award_match *m;
    size_t n;
    int64_t *received;
    struct err e = {0};
    char standing[400] = "";
    assert_int_equal(award_pack_current(f->s, &p, &e), ST_OK);
    assert_int_equal(entity_get(f->s, FIRM, &en, &e), ST_OK);
    assert_int_equal(award_match_ledger(f->s, p, en, ON, &m, &n, &received, &e), ST_OK);
    for (size_t i = 0; i < n; i++)
        if (!strcmp(policy_clause_id(p, m[i].clause), "grant-p")) {
            assert_int_equal(award_match_payable(&m[i]), 3000000);
            award_match_standing(p, &m[i], standing, sizeof standing);
        }
    assert_string_equal(standing, "年度资金按批次等比例分配，批次结束时确定金额。");
    free(received);
    award_matches_free(m, n);
    entities_free(en, 1);
    policy_pack_free(p);
}

/* A matter already paid counts toward the yearly cap once: as received, not again as a match.
 * Two contracts of 100,000 under a yearly cap of 150,000, the first paid: the second is offered
 * the 50,000 left, which is what its application is then paid. */
static void paid_matter_counts_once_toward_the_year(void **state)
{
    struct fx *f = *state;
    static const char pack[] =
        "pack 测试：每年上限与事项\nversion t1\n"
        "clause per-contract\n  title 合同补助\n  cite 测试〔2020〕3号 一\n  quote 按10%补助\n"
        "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额（元）\n"
        "  input contract_no text 合同编号\n  award amount * 10%\n"
        "  cap entity-year 150000 每家每年\n  exclusive deal contract_no\nend\n";
    store_pack(f->s, pack);
    import_facts(f->s, "uscc,source,date,contract_no,amount\n"
                       "91410700MA44XW1K27,技术合同登记,2020-06-01,HT-1,1000000.00\n"
                       "91410700MA44XW1K27,技术合同登记,2020-06-02,HT-2,1000000.00\n");
    struct award_outcome o;
    assert_int_equal(approve(f->s, apply_grant(f->s, "per-contract", "1000000", "HT-1", &o)),
                     10000000);
    int64_t total;
    char *got = ledger_matches(f->s, &total);
    assert_string_equal(got,
                        "per-contract/HT-1 received 0 该事项已获兑付 100,000.00元，不再重复享受。|"
                        "per-contract/HT-2 qualifies 5000000 |");
    assert_int_equal(total, 5000000);
    free(got);
    assert_int_equal(approve(f->s, apply_grant(f->s, "per-contract", "1000000", "HT-2", &o)),
                     5000000);
}

/* What the list offers is what approval pays: over random contracts and a random history of
 * payments under two clauses of one group (one with a yearly cap), every match the list offers,
 * filed and approved in the list's order, is paid exactly its payable amount, and then nothing
 * is offered any more. */
static void list_offers_what_approval_pays(void **state)
{
    struct fx *f = *state;
    static const char pack[] =
        "pack 测试：名单与审批\nversion t1\n"
        "clause grant-a\n  title 甲类补助\n  cite 测试〔2020〕4号 一\n  quote 按10%补助\n"
        "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额（元）\n"
        "  input contract_no text 合同编号\n  award amount * 10%\n  cap item 100000 每项\n"
        "  cap entity-year 450000 每家每年\n  exclusive deal contract_no\nend\n"
        "clause grant-b\n  title 乙类补助\n  cite 测试〔2020〕4号 二\n  quote 按5%补助\n"
        "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额（元）\n"
        "  input contract_no text 合同编号\n  award amount * 5%\n  exclusive deal "
        "contract_no\nend\n";
    struct err e = {0};
    store_pack(f->s, pack);
    uint64_t rng = 1; /* (seeds 1–60 were tried: all pass; the paid matter counted twice
                         failed 6 of the first 10) */
    char facts[4096] = "uscc,source,date,contract_no,amount\n", no[8][16], amount[8][24];
    for (int k = 0; k < 8; k++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        snprintf(no[k], sizeof no[k], "HT-%d", k + 1);
        snprintf(amount[k], sizeof amount[k], "%d.%02d", (int)((rng >> 33) % 2000000),
                 (int)((rng >> 20) % 100));
        snprintf(facts + strlen(facts), sizeof facts - strlen(facts),
                 "%s,技术合同登记,2020-06-0%d,%s,%s\n", FIRM, k + 1, no[k], amount[k]);
    }
    import_facts(f->s, facts);
    /* a history: some contracts already paid under one clause or the other */
    for (int k = 0; k < 8; k++) {
        rng = rng * 6364136223846793005ull + 1442695040888963407ull;
        int pick = (int)((rng >> 40) % 3); /* 0: nothing, 1: grant-b, 2: grant-a */
        struct award_outcome o;
        if (pick) {
            int64_t app =
                apply_grant(f->s, pick == 1 ? "grant-b" : "grant-a", amount[k], no[k], &o);
            if (o.amount_fen > 0)
                approve(f->s, app);
        }
    }
    for (int round = 0; round < 2; round++) {
        struct policy_pack *p;
        struct entity *en;
        struct award_match *m;
        size_t n;
        int64_t *received, offered = 0, paid = 0;
        assert_int_equal(award_pack_current(f->s, &p, &e), ST_OK);
        assert_int_equal(entity_get(f->s, FIRM, &en, &e), ST_OK);
        assert_int_equal(award_match_ledger(f->s, p, en, ON, &m, &n, &received, &e), ST_OK);
        for (size_t i = 0; i < n; i++) {
            int64_t want = award_match_payable(&m[i]);
            if (!want)
                continue;
            offered += want;
            struct award_outcome o;
            int64_t app = apply_grant(f->s, policy_clause_id(p, m[i].clause),
                                      amount[m[i].order - 1], m[i].matter, &o);
            int64_t got = approve(f->s, app);
            if (got != want)
                fail_msg("round %d: %s %s offered %lld, paid %lld", round,
                         policy_clause_id(p, m[i].clause), m[i].matter, (long long)want,
                         (long long)got);
            paid += got;
        }
        assert_int_equal(paid, offered);
        if (round == 1)
            assert_int_equal(offered, 0); /* everything offered was taken */
        free(received);
        award_matches_free(m, n);
        entities_free(en, 1);
        policy_pack_free(p);
    }
    struct award_verify v;
    assert_int_equal(award_ledger_verify(f->s, &v, &e), ST_OK);
    assert_int_equal(v.bad_line, 0);
}

/* A first-come budget bounds what the list offers: what is left of the year's envelope after
 * what was paid and what pending applications hold; an entity with its own application pending
 * is told of that instead. */
static void list_offers_what_the_budget_leaves(void **state)
{
    struct fx *f = *state;
    static const char pack[] =
        "pack 测试：名单与预算\nversion t1\n"
        "clause small-grant\n  title 小额补助\n  cite 测试〔2020〕2号 一\n  quote 按10%补助\n"
        "  effective 2020-01-01 -\n  applicants enterprise\n  input spend money 支出（元）\n"
        "  award spend * 10%\n  budget 1500 fcfs 年度预算\nend\n";
    struct err e = {0};
    store_pack(f->s, pack);
    add_second_firm(f->s);
    import_facts(f->s, "uscc,fact,value,source,date\n"
                       "91410700MA44XW1K27,spend,10000,税务,2020-07-15\n"
                       "91410700MA9F123453,spend,8000,税务,2020-07-15\n");
    struct policy_pack *p;
    assert_int_equal(award_pack_current(f->s, &p, &e), ST_OK);
    /* offered against the whole envelope: 1,000 and 800, each within 1,500 */
    const int64_t first_offer[2] = {100000, 80000};
    const char *who[2] = {FIRM, "91410700MA9F123453"};
    for (int round = 0; round < 2; round++) {
        for (int k = 0; k < 2; k++) {
            struct entity *en;
            struct award_match *m;
            size_t n;
            int64_t *received;
            char standing[400];
            assert_int_equal(entity_get(f->s, who[k], &en, &e), ST_OK);
            assert_int_equal(award_match_ledger(f->s, p, en, ON, &m, &n, &received, &e), ST_OK);
            assert_int_equal(n, 1);
            award_match_standing(p, &m[0], standing, sizeof standing);
            if (round == 0) {
                assert_int_equal(award_match_payable(&m[0]), first_offer[k]);
                assert_string_equal(standing, "");
            } else if (k == 0) { /* its own application holds 1,000: named, not cut */
                assert_int_equal(award_match_payable(&m[0]), 100000);
                assert_non_null(strstr(standing, "已有申请 1（待审批）"));
            } else { /* 1,500 less the 1,000 held: 500 of its 800 */
                assert_int_equal(award_match_payable(&m[0]), 50000);
                assert_string_equal(standing, "年度资金余额 500.00元（已扣除已兑付和待审申请），"
                                              "先到先得，现可得 500.00元。");
            }
            free(received);
            award_matches_free(m, n);
            entities_free(en, 1);
        }
        if (round == 0) {
            struct policy_input in[] = {{"spend", "10000"}};
            struct award_outcome o;
            assert_int_equal(award_apply(f->s, "clerk", FIRM, "small-grant", in, 1, ON, &o, &e),
                             ST_OK);
        }
    }
    /* what approval then pays the second: the 500 left */
    struct policy_input in[] = {{"spend", "8000"}};
    struct award_outcome o;
    assert_int_equal(
        award_apply(f->s, "clerk", "91410700MA9F123453", "small-grant", in, 1, ON, &o, &e), ST_OK);
    assert_int_equal(o.amount_fen, 50000);
    policy_pack_free(p);
}

/* The registry read a batch at a time: 2,600 entities (more than two batches) each come once,
 * in USCC order, with their facts and matters, and 免申即享 over them files every one. */
static void registry_walked_in_batches(void **state)
{
    struct fx *f = *state;
    enum { N = 2600 };
    struct buf ent, fac, wide;
    buf_init(&ent, 0);
    buf_init(&fac, 0);
    buf_init(&wide, 0);
    assert_int_equal(buf_printf(&ent, "uscc,name,kind,in_zone,industry\n"), ST_OK);
    assert_int_equal(buf_printf(&fac, "uscc,fact,value,source,date\n"), ST_OK);
    assert_int_equal(buf_printf(&wide, "uscc,source,date,contract_no,amount,contract_registered\n"),
                     ST_OK);
    for (int i = 0; i < N; i++) {
        char u[19];
        snprintf(u, sizeof u, "52410700%09u", (unsigned)(100000 + i) % 1000000000u);
        u[17] = entity_uscc_check_char(u);
        u[18] = '\0';
        assert_int_equal(buf_printf(&ent, "%s,机构%d,机构,是,服务\n", u, i), ST_OK);
        assert_int_equal(buf_printf(&fac,
                                    "%s,patents,2,市场监管,2020-05-01\n"
                                    "%s,institution_registered,是,市场监管,2020-05-01\n",
                                    u, u),
                         ST_OK);
        if (i % 500 == 499) /* a few with two contracts, across the batches */
            assert_int_equal(buf_printf(&wide,
                                        "%s,技术合同登记,2020-06-01,HT-%d-A,1000.00,是\n"
                                        "%s,技术合同登记,2020-06-01,HT-%d-B,2000.00,是\n",
                                        u, i, u, i),
                             ST_OK);
    }
    struct entity_import_report rep;
    struct err e = {0};
    assert_int_equal(award_import_registry(f->s, "t", ent.data, ent.len, "e.csv", &rep, &e), ST_OK);
    import_facts(f->s, buf_str(&fac));
    import_facts(f->s, buf_str(&wide));
    buf_cleanup(&ent);
    buf_cleanup(&fac);
    buf_cleanup(&wide);
    struct entity_cursor *cur = entity_cursor_open(f->s, 0);
    struct entity *v;
    size_t n, seen = 0, matters = 0, batches = 0;
    char last[19] = "";
    while (entity_cursor_next(cur, &v, &n, &e) == ST_OK && n) {
        batches++;
        for (size_t i = 0; i < n; i++) {
            assert_true(strcmp(v[i].uscc, last) > 0);
            snprintf(last, sizeof last, "%s", v[i].uscc);
            matters += v[i].n_matters;
            seen++;
        }
    }
    entity_cursor_close(cur);
    assert_int_equal(seen, N + 2); /* and the fixture's two */
    assert_true(batches >= 3);
    assert_int_equal(matters, 2 * (N / 500));
    /* with_matters walks only those */
    cur = entity_cursor_open(f->s, 1);
    seen = 0;
    while (entity_cursor_next(cur, &v, &n, &e) == ST_OK && n)
        for (size_t i = 0; i < n; i++, seen++)
            assert_int_equal(v[i].n_matters, 2);
    entity_cursor_close(cur);
    assert_int_equal(seen, N / 500);
    struct award_proposals pr;
    assert_int_equal(award_propose(f->s, "office", "ip-transfer", ON, &pr, &e), ST_OK);
    assert_int_equal(pr.filed, N);
    assert_int_equal(pr.amount_fen, (int64_t)N * 2000000);
    award_proposals_cleanup(&pr);
}

/* 免申即享: the office files applications from certified facts only; self-declared facts, a
 * missing matter key, an identical pending application and an exhausted cap are each counted
 * and named instead. */
static void proposals_from_certified_facts(void **state)
{
    struct fx *f = *state;
    import_facts(f->s, "uscc,fact,value,source,date\n"
                       "91410700MA44XW1K27,price,2400000.00,税务,2020-06-30\n"
                       "91410700MA44XW1K27,equipment_certified,是,市场监管,2020-05-10\n"
                       "91410700MA44XW1K27,buyer_in_province,是,市场监管,2020-05-10\n"
                       "91410700MA44XW1K27,equipment_no,SB-2020-017,市场监管,2020-05-10\n"
                       "91410700MA44XW1K27,amount,1000000.00,技术合同登记,2020-07-15\n"
                       "91410700MA44XW1K27,contract_registered,是,技术合同登记,2020-07-15\n"
                       "52410700MA4KX0012C,patents,3,自行申报,2020-09-01\n"
                       "52410700MA4KX0012C,institution_registered,是,市场监管,2020-09-01\n");
    struct award_proposals pr;
    struct err e = {0};
    assert_int_equal(award_propose(f->s, "office", "first-set-equipment", ON, &pr, &e), ST_OK);
    assert_int_equal(pr.filed, 1);
    assert_int_equal(pr.amount_fen, 12000000);
    award_proposals_cleanup(&pr);
    assert_int_equal(award_propose(f->s, "office", "first-set-equipment", ON, &pr, &e), ST_OK);
    assert_int_equal(pr.filed, 0);
    assert_int_equal(pr.duplicates, 1);
    assert_int_equal(pr.n_skipped, 1);
    assert_int_equal(pr.skipped[0].reason, AWARD_SKIP_DUPLICATE);
    /* the equipment is the matter: named, with what repeats */
    assert_non_null(strstr(pr.skipped[0].text, "SB-2020-017：该事项已有申请"));
    /* The filed application is an ordinary one: approved into the ledger, which replays. */
    struct award_app a;
    assert_int_equal(award_application(f->s, 1, &a, &e), ST_OK);
    assert_string_equal(a.submitted_by, "office");
    assert_string_equal(a.clause, "first-set-equipment");
    award_app_cleanup(&a);
    assert_int_equal(approve(f->s, 1), 12000000);

    award_proposals_cleanup(&pr);
    assert_int_equal(award_propose(f->s, "office", "ip-transfer", ON, &pr, &e), ST_OK);
    assert_int_equal(pr.filed, 0);
    assert_int_equal(pr.self_declared, 1);
    assert_int_equal(pr.skipped[0].reason, AWARD_SKIP_SELF_DECLARED);
    assert_string_equal(pr.skipped[0].uscc, INST);
    assert_string_equal(pr.skipped[0].name, "知识产权服务中心");
    assert_non_null(strstr(pr.skipped[0].text, "快申快享"));
    /* named as the pack labels the input, with its name */
    assert_non_null(strstr(pr.skipped[0].text, "向高新区转移的发明专利（件）（patents）"));

    award_proposals_cleanup(&pr);
    assert_int_equal(award_propose(f->s, "office", "tech-contract", ON, &pr, &e), ST_OK);
    assert_int_equal(pr.incomplete, 1);
    assert_int_equal(pr.skipped[0].reason, AWARD_SKIP_INCOMPLETE);
    assert_non_null(strstr(pr.skipped[0].text, "缺少技术合同登记编号（contract_no）"));
    import_facts(f->s, "uscc,fact,value,source,date\n"
                       "91410700MA44XW1K27,tech-contract.contract_no,HT-9,技术合同登记,2020-07-15\n"
                       "52410700MA4KX0012C,patents,25,市场监管,2020-09-02\n");
    award_proposals_cleanup(&pr);
    assert_int_equal(award_propose(f->s, "office", "tech-contract", ON, &pr, &e), ST_OK);
    assert_int_equal(pr.filed, 1);
    assert_int_equal(pr.amount_fen, 1000000);

    /* Certified now, but the institution filed its own application this year. */
    approve(f->s, apply_patents(f->s, 20, NULL));
    award_proposals_cleanup(&pr);
    assert_int_equal(award_propose(f->s, "office", "ip-transfer", ON, &pr, &e), ST_OK);
    assert_int_equal(pr.filed, 0);
    assert_int_equal(pr.duplicates, 1);
    assert_non_null(strstr(pr.skipped[0].text, "本年度已有该条款的申请"));
    verify_ok(f->s, 2, 32000000);
    award_proposals_cleanup(&pr);
    /* A clause whose parameter is unset cannot be proposed for anyone. */
    assert_int_equal(award_propose(f->s, "office", "fund-reward", ON, &pr, &e), ST_UNPROCESSABLE);
    assert_int_equal(award_propose(f->s, "office", "no-such", ON, &pr, &e), ST_NOT_FOUND);

    /* A first-come budget: the first entity's proposal takes it all, the second finds nothing. */
    static const char pack[] =
        "pack 测试：小额预算\nversion t1\n"
        "clause small-grant\n  title 小额补助\n  cite 测试〔2020〕2号 一\n  quote 按10%补助\n"
        "  effective 2020-01-01 -\n  applicants enterprise\n  input spend money 支出（元）\n"
        "  award spend * 10%\n  budget 1000 fcfs 年度预算\nend\n";
    store_pack(f->s, pack);
    add_second_firm(f->s);
    import_facts(f->s, "uscc,fact,value,source,date\n"
                       "91410700MA44XW1K27,spend,10000,税务,2020-07-15\n"
                       "91410700MA9F123453,spend,5000,税务,2020-07-15\n");
    assert_int_equal(award_propose(f->s, "office", "small-grant", ON, &pr, &e), ST_OK);
    assert_int_equal(pr.filed, 1);
    assert_int_equal(pr.amount_fen, 100000);
    assert_int_equal(pr.nothing_left, 1);
    assert_int_equal(pr.skipped[0].reason, AWARD_SKIP_NOTHING_LEFT);
    assert_string_equal(pr.skipped[0].uscc, "91410700MA9F123453");
    assert_non_null(strstr(pr.skipped[0].text, "已无余额"));
    award_proposals_cleanup(&pr);
}

/* Every entity left out is named, however many: an office writes to each one that must apply
 * itself (快申快享). */
static void proposals_name_every_entity_left_out(void **state)
{
    struct fx *f = *state;
    char csv[8192] = "uscc,name,kind,in_zone,industry\n";
    char facts[8192] = "uscc,fact,value,source,date\n";
    char uscc[40][19];
    for (int i = 0; i < 40; i++) {
        snprintf(uscc[i], sizeof uscc[i], "52410700000000%03u", (unsigned)(500 + i) % 1000u);
        uscc[i][17] = entity_uscc_check_char(uscc[i]);
        uscc[i][18] = '\0';
        snprintf(csv + strlen(csv), sizeof csv - strlen(csv), "%s,服务机构%02d,机构,是,服务\n",
                 uscc[i], i);
        snprintf(facts + strlen(facts), sizeof facts - strlen(facts),
                 "%s,patents,2,自行申报,2020-09-01\n%s,institution_registered,是,市场监管,"
                 "2020-09-01\n",
                 uscc[i], uscc[i]);
    }
    struct entity_import_report rep;
    struct err e = {0};
    assert_int_equal(entity_import_csv(f->s, "t", csv, strlen(csv), "e.csv", NULL, &rep, &e),
                     ST_OK);
    import_facts(f->s, facts);
    struct award_proposals pr;
    assert_int_equal(award_propose(f->s, "office", "ip-transfer", ON, &pr, &e), ST_OK);
    assert_int_equal(pr.filed, 0);
    assert_int_equal(pr.self_declared, 40);
    assert_int_equal(pr.n_skipped, 40);
    size_t seen = 0;
    for (size_t k = 0; k < pr.n_skipped; k++)
        for (int i = 0; i < 40; i++)
            if (!strcmp(pr.skipped[k].uscc, uscc[i])) {
                seen++;
                assert_int_equal(pr.skipped[k].reason, AWARD_SKIP_SELF_DECLARED);
                char name[32];
                snprintf(name, sizeof name, "服务机构%02d", i);
                assert_string_equal(pr.skipped[k].name, name);
            }
    assert_int_equal(seen, 40);
    json_t *j = award_proposals_json(&pr);
    assert_int_equal(json_array_size(json_object_get(j, "skipped")), 40);
    assert_string_equal(json_string_value(json_object_get(
                            json_array_get(json_object_get(j, "skipped"), 39), "reason")),
                        "self_declared");
    json_decref(j);
    award_proposals_cleanup(&pr);
}

static const char EVIDENCE_PACK[] =
    "pack 测试：证明材料\nversion t1\n"
    "clause grant-e\n  title 丁类补助\n  cite 测试〔2020〕3号 一\n  quote 按10%补助\n"
    "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额（元）\n"
    "  award amount * 10%\n  evidence 合同及发票\n  evidence 付款凭证\nend\n"
    "clause grant-q\n  title 戊类补助\n  cite 测试〔2020〕3号 二\n  quote 按10%补助，等比例\n"
    "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额（元）\n"
    "  award amount * 10%\n  budget 1000 pro-rata 年度预算\n  evidence 合同及发票\nend\n";

/* An office account that files evidence, as the API would pass it on. */
static struct auth_user office_clerk(struct store *s)
{
    struct auth_user clerk = {.role = ROLE_OFFICE};
    struct err e = {0};
    assert_int_equal(
        auth_user_add(s, "t", "clerk1", ROLE_OFFICE, NULL, "Passw0rd!x", &clerk.id, &e), ST_OK);
    snprintf(clerk.name, sizeof clerk.name, "clerk1");
    return clerk;
}

static enum status attach(struct store *s, const struct auth_user *u, int64_t app,
                          const char *evidence, int64_t *id)
{
    static const char pdf[] = "%PDF-1.4\n% evidence\n";
    char sha[65];
    struct err e = {0};
    return award_file_add(s, u, app, "证明.pdf", "application/pdf", evidence, pdf, sizeof pdf - 1,
                          id, sha, &e);
}

/* 证明材料 a clause asks for: filed under their labels, each needed before approval (and before
 * a batch pays); a 免申即享 proposal rests on certified data and needs none. */
static void evidence_before_approval(void **state)
{
    struct fx *f = *state;
    int64_t pid;
    struct err e = {0};
    assert_int_equal(
        award_pack_store(f->s, "office", EVIDENCE_PACK, strlen(EVIDENCE_PACK), "e.pack", &pid, &e),
        ST_OK);
    struct auth_user clerk = office_clerk(f->s);
    struct award_outcome o;
    int64_t a = apply_grant(f->s, "grant-e", "10000", NULL, &o), fid;
    assert_int_equal(award_decide(f->s, "office", a, 1, NULL, &o, &e), ST_UNPROCESSABLE);
    assert_non_null(strstr(e.msg, "缺少证明材料：合同及发票、付款凭证"));
    assert_int_equal(attach(f->s, &clerk, a, "营业执照", &fid), ST_INVALID);
    assert_int_equal(attach(f->s, &clerk, a, "合同及发票", &fid), ST_OK);
    assert_int_equal(attach(f->s, &clerk, a, "", &fid), ST_OK); /* extra, under no label */
    assert_int_equal(award_decide(f->s, "office", a, 1, NULL, &o, &e), ST_UNPROCESSABLE);
    assert_non_null(strstr(e.msg, "缺少证明材料：付款凭证"));
    assert_null(strstr(e.msg, "合同及发票"));
    assert_int_equal(attach(f->s, &clerk, a, "付款凭证", &fid), ST_OK);
    struct award_app app;
    assert_int_equal(award_application(f->s, a, &app, &e), ST_OK);
    struct award_evidence *ev;
    size_t n;
    assert_int_equal(award_evidence_of(f->s, &app, &ev, &n, &e), ST_OK);
    assert_int_equal(n, 2);
    assert_string_equal(ev[1].label, "付款凭证");
    assert_int_equal(ev[1].n_files, 1);
    assert_int_equal(ev[1].file_ids[0], fid);
    free(ev);
    award_app_cleanup(&app);
    assert_int_equal(approve(f->s, a), 100000);

    /* A batch leaves out, and names, an application still missing its evidence. */
    int64_t q1 = apply_grant(f->s, "grant-q", "6000", NULL, &o);
    int64_t q2 = apply_grant(f->s, "grant-q", "8000", NULL, &o);
    assert_int_equal(attach(f->s, &clerk, q2, "合同及发票", &fid), ST_OK);
    struct award_batch b;
    assert_int_equal(award_batch_preview(f->s, "grant-q", 2020, -1, &b, &e), ST_OK);
    assert_int_equal(b.n_shares, 2);
    assert_false(b.shares[0].eligible);
    assert_non_null(strstr(b.shares[0].note, "缺少证明材料：合同及发票"));
    assert_int_equal(b.shares[1].share_fen, 80000);
    award_batch_cleanup(&b);
    assert_int_equal(award_close_batch(f->s, "office", "grant-q", 2020, &b, &e), ST_OK);
    assert_int_equal(b.approved, 1);
    assert_int_equal(award_application(f->s, q1, &app, &e), ST_OK);
    assert_string_equal(app.status, "submitted");
    award_app_cleanup(&app);

    /* Proposed from certified facts: no evidence asked. */
    import_facts(f->s, "uscc,fact,value,source,date\n"
                       "91410700MA44XW1K27,grant-e.amount,5000,税务,2020-07-15\n");
    struct award_proposals pr;
    assert_int_equal(award_propose(f->s, "office", "grant-e", (struct date){2021, 3, 1}, &pr, &e),
                     ST_OK);
    assert_int_equal(pr.filed, 1);
    award_proposals_cleanup(&pr);
    int64_t last;
    assert_int_equal(award_application(f->s, q2 + 1, &app, &e), ST_OK);
    assert_string_equal(app.origin, "proposed");
    last = app.id;
    award_app_cleanup(&app);
    assert_int_equal(approve(f->s, last), 50000);
    verify_ok(f->s, 3, 100000 + 80000 + 50000);
}

/* A batch of one contract's applications: what an earlier one claims counts as the contract's
 * prior for a later one (就高不就低 inside the batch), unless it is left out for its missing
 * evidence. The verifier replays each line's yearly total and prior exactly: a forgery that
 * moves them and rewrites the shares to match is named. */
static void batch_matters_count_what_the_batch_pays(void **state)
{
    static const char pack[] =
        "pack 测试：批次与事项\nversion m1\n"
        "clause grant-m\n  title 辛类补助\n  cite 测试〔2020〕4号 一\n  quote 按10%补助，等比例\n"
        "  effective 2020-01-01 -\n  applicants enterprise\n  input amount money 金额（元）\n"
        "  input contract_no text 合同编号\n  award amount * 10%\n"
        "  budget 1000 pro-rata 年度预算\n  exclusive deal contract_no\n  evidence "
        "合同及发票\nend\n";
    struct fx *f = *state;
    int64_t pid, fid;
    struct err e = {0};
    assert_int_equal(award_pack_store(f->s, "office", pack, strlen(pack), "m.pack", &pid, &e),
                     ST_OK);
    struct auth_user clerk = office_clerk(f->s);
    struct award_outcome o;
    apply_grant(f->s, "grant-m", "6000", "M-1", &o); /* no evidence: stays out */
    int64_t m2 = apply_grant(f->s, "grant-m", "8000", "M-1", &o);
    int64_t m3 = apply_grant(f->s, "grant-m", "3000", "M-2", &o);
    int64_t m4 = apply_grant(f->s, "grant-m", "5000", "M-2", &o);
    assert_int_equal(attach(f->s, &clerk, m2, "合同及发票", &fid), ST_OK);
    assert_int_equal(attach(f->s, &clerk, m3, "合同及发票", &fid), ST_OK);
    assert_int_equal(attach(f->s, &clerk, m4, "合同及发票", &fid), ST_OK);
    /* claims: M-1 800 (the left-out 600 is no prior), M-2 300 then 500 − 300: 1,300 asked of
     * 1,000; exact shares 615.3846…, 230.7692…, 153.8461…; two fen left, to the largest
     * fractional parts */
    struct award_batch b;
    assert_int_equal(award_close_batch(f->s, "office", "grant-m", 2020, &b, &e), ST_OK);
    assert_int_equal(b.approved, 3);
    assert_int_equal(b.demand_fen, 130000);
    award_batch_cleanup(&b);
    assert_int_equal(test_count(f->s, "payouts WHERE id = 1 AND amount_fen = 61538 AND"
                                      " matter_prior_fen = 0 AND cap_used_fen = 0"),
                     1);
    assert_int_equal(test_count(f->s, "payouts WHERE id = 2 AND amount_fen = 23077 AND"
                                      " matter_prior_fen = 0 AND cap_used_fen = 80000"),
                     1);
    assert_int_equal(test_count(f->s, "payouts WHERE id = 3 AND amount_fen = 15385 AND"
                                      " matter_prior_fen = 30000 AND cap_used_fen = 110000"),
                     1);
    verify_ok(f->s, 3, 100000);
    /* line 3's prior raised to 400 and the shares rewritten for the claims that gives
     * (800, 300, 100): the batch adds up, the prior does not */
    line_set(f->s, 3, AT_MATTER_PRIOR, 40000);
    line_set(f->s, 1, AT_AMOUNT, 66667);
    line_set(f->s, 2, AT_AMOUNT, 25000);
    line_set(f->s, 3, AT_AMOUNT, 8333);
    expect_named(f->s, 3,
                 "记录的同一事项已兑付 40000 分与账本累计（含本批此前各件的申请额） 30000 分不符");
    line_set(f->s, 3, AT_MATTER_PRIOR, 30000);
    line_set(f->s, 1, AT_AMOUNT, 61538);
    line_set(f->s, 2, AT_AMOUNT, 23077);
    line_set(f->s, 3, AT_AMOUNT, 15385);
    rechain(f->s);
    verify_ok(f->s, 3, 100000);
    /* a yearly total that is neither what was paid (61,538) nor what was claimed (80,000) */
    line_set(f->s, 2, AT_CAP_USED, 90000);
    expect_named(f->s, 2,
                 "记录的本年度已兑付 90000 分与账本累计（含本批此前各件的申请额） 80000 分不符");
}

/* Comparing pack versions: what changed, and what it moves over the registry. */
static void versions_compared_with_their_money(void **state)
{
    struct fx *f = *state;
    import_facts(f->s, "uscc,fact,value,source,date\n"
                       "91410700MA44XW1K27,amount,1000000.00,技术合同登记,2020-07-15\n"
                       "91410700MA44XW1K27,contract_registered,是,技术合同登记,2020-07-15\n");
    const char *ex;
    size_t len;
    policy_example_text(&ex, &len);
    int64_t v1, v2;
    struct err e = {0};
    assert_int_equal(award_pack_store(f->s, "office", ex, len, "v1.pack", &v1, &e), ST_OK);
    struct award_diff d;
    assert_int_equal(award_pack_diff(f->s, 0, 0, NULL, NULL, NULL, NULL, ON, &d, &e), ST_NOT_FOUND);
    assert_non_null(strstr(e.msg, "没有可比较的上一版本"));
    char *text = strndup(ex, len), *at = strstr(text, "  award      amount * 1%");
    assert_non_null(at);
    at[strlen("  award      amount * ")] = '2';
    assert_int_equal(award_pack_store(f->s, "office", text, strlen(text), "v2.pack", &v2, &e),
                     ST_OK);
    free(text);
    assert_int_equal(award_pack_diff(f->s, 0, 0, NULL, NULL, NULL, NULL, ON, &d, &e), ST_OK);
    assert_int_equal(d.from.id, v1);
    assert_int_equal(d.to.id, v2);
    assert_int_equal(d.n, 6);
    const struct award_diff_row *tc = &d.rows[1];
    assert_string_equal(tc->clause, "tech-contract");
    assert_string_equal(tc->change, "changed");
    assert_int_equal(tc->old_pairs, 1);
    assert_int_equal(tc->new_pairs, 1);
    assert_int_equal(tc->old_total_fen, 1000000);
    assert_int_equal(tc->new_total_fen, 2000000);
    assert_string_equal(d.rows[0].change, "same");
    award_diff_cleanup(&d);
    /* Explicit versions, the other way round. */
    assert_int_equal(award_pack_diff(f->s, v2, v1, NULL, NULL, NULL, NULL, ON, &d, &e), ST_OK);
    assert_int_equal(d.rows[1].new_total_fen, 1000000);
    award_diff_cleanup(&d);
    assert_int_equal(award_pack_diff(f->s, 99, v1, NULL, NULL, NULL, NULL, ON, &d, &e),
                     ST_NOT_FOUND);
}

/* Fact values are checked at import against the inputs of the pack in force that read them. */
static void registry_import_checks_fact_types(void **state)
{
    struct fx *f = *state;
    struct entity_import_report rep;
    struct err e = {0};
    const char *bad = "uscc,fact,value,source,date\n"
                      "91410700MA44XW1K27,amount,1.234,技术合同登记,2020-07-15\n"
                      "91410700MA44XW1K27,patents,两件,自行申报,2020-07-15\n"
                      "91410700MA44XW1K27,contract_registered,也许,自行申报,2020-07-15\n"
                      "91410700MA44XW1K27,no-such.amount,5,自行申报,2020-07-15\n"
                      "91410700MA44XW1K27,tech-contract.patents,5,自行申报,2020-07-15\n"
                      "91410700MA44XW1K27,employees,很多,自行申报,2020-07-15\n";
    assert_int_equal(award_import_registry(f->s, "t", bad, strlen(bad), "f.csv", &rep, &e),
                     ST_INVALID);
    assert_int_equal(rep.n_errors, 5);
    /* money: two decimals at most, naming a clause that reads it */
    assert_non_null(strstr(rep.errors[0], "row 2, column 3"));
    assert_non_null(strstr(rep.errors[0], "“1.234”不是有效的金额"));
    assert_non_null(strstr(rep.errors[0], "tech-contract"));
    assert_non_null(strstr(rep.errors[1], "row 3, column 3"));
    assert_non_null(strstr(rep.errors[1], "件数"));
    assert_non_null(strstr(rep.errors[2], "是否值"));
    assert_non_null(strstr(rep.errors[3], "没有条款“no-such”"));
    assert_non_null(strstr(rep.errors[4], "tech-contract 没有输入“patents”"));
    assert_int_equal(test_count(f->s, "entity_facts"), 0);

    /* The wide form names the fact's column; a name no clause reads (employees) is free text. */
    const char *wide = "uscc,source,date,amount,patents,employees\n"
                       "91410700MA44XW1K27,税务,2020-07-15,8650000.00,3,很多\n"
                       "52410700MA4KX0012C,税务,2020-07-15,100,2.5,\n";
    assert_int_equal(award_import_registry(f->s, "t", wide, strlen(wide), "w.csv", &rep, &e),
                     ST_INVALID);
    assert_int_equal(rep.n_errors, 1);
    assert_non_null(strstr(rep.errors[0], "row 3, column 5 (patents)"));
    assert_int_equal(test_count(f->s, "entity_facts"), 0);

    const char *good = "uscc,source,date,amount,patents,contract_registered,employees\n"
                       "91410700MA44XW1K27,税务,2020-07-15,8650000.00,3,是,很多\n";
    assert_int_equal(award_import_registry(f->s, "t", good, strlen(good), "g.csv", &rep, &e),
                     ST_OK);
    assert_int_equal(rep.facts, 4);
    assert_int_equal(test_count(f->s, "entity_facts"), 4);
}

int main(void)
{
    setenv("HQD_NOW", "2020-09-01T02:00:00Z", 1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(yearly_cap_across_approvals, setup, teardown),
        cmocka_unit_test_setup_teardown(reversal_frees_the_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(verifier_catches_tampering, setup, teardown),
        cmocka_unit_test_setup_teardown(payee_is_the_applications, setup, teardown),
        cmocka_unit_test_setup_teardown(verifier_names_each_broken_rule, setup, teardown),
        cmocka_unit_test_setup_teardown(verifier_checks_reversals, setup, teardown),
        cmocka_unit_test_setup_teardown(format_3_lines_still_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(pack_number_is_held_by_the_audit_log, setup, teardown),
        cmocka_unit_test_setup_teardown(verifier_reads_in_chunks, setup, teardown),
        cmocka_unit_test_setup_teardown(verifier_reads_every_digit, setup, teardown),
        cmocka_unit_test(plain_lines_decode_as_the_general_reader_does),
        cmocka_unit_test_setup_teardown(stored_hash_is_exactly_its_digits, setup, teardown),
        cmocka_unit_test_setup_teardown(anchors_catch_what_the_chain_cannot, setup, teardown),
        cmocka_unit_test_setup_teardown(old_lines_survive_the_upgrade, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_approvals_respect_the_cap, setup, teardown),
        cmocka_unit_test_setup_teardown(budget_first_come_first_served, setup, teardown),
        cmocka_unit_test_setup_teardown(holds_are_rebuilt_from_the_audit_log, setup, teardown),
        cmocka_unit_test_setup_teardown(floor_awards_replay, setup, teardown),
        cmocka_unit_test_setup_teardown(priority_classes_share_the_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(stored_packs_survive_newer_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(exclusive_group_pays_the_highest, setup, teardown),
        cmocka_unit_test_setup_teardown(pro_rata_batch_shares_the_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(pro_rata_batch_within_a_group, setup, teardown),
        cmocka_unit_test_setup_teardown(large_batch_of_matters, setup, teardown),
        cmocka_unit_test_setup_teardown(concurrent_approvals_respect_the_budget, setup, teardown),
        cmocka_unit_test_setup_teardown(office_parameters_are_pack_versions, setup, teardown),
        cmocka_unit_test_setup_teardown(pro_rata_property, setup, teardown),
        cmocka_unit_test_setup_teardown(random_ledgers_verify, setup, teardown),
        cmocka_unit_test_setup_teardown(every_recorded_figure_is_checked, setup, teardown),
        cmocka_unit_test_setup_teardown(registry_import_checks_fact_types, setup, teardown),
        cmocka_unit_test_setup_teardown(budget_execution_by_clause, setup, teardown),
        cmocka_unit_test_setup_teardown(proposals_from_certified_facts, setup, teardown),
        cmocka_unit_test_setup_teardown(matters_are_matched_one_by_one, setup, teardown),
        cmocka_unit_test_setup_teardown(match_pays_the_highest_of_a_group, setup, teardown),
        cmocka_unit_test_setup_teardown(match_counts_the_ledger, setup, teardown),
        cmocka_unit_test_setup_teardown(paid_matter_counts_once_toward_the_year, setup, teardown),
        cmocka_unit_test_setup_teardown(list_offers_what_approval_pays, setup, teardown),
        cmocka_unit_test_setup_teardown(list_offers_what_the_budget_leaves, setup, teardown),
        cmocka_unit_test_setup_teardown(registry_walked_in_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(proposals_name_every_entity_left_out, setup, teardown),
        cmocka_unit_test_setup_teardown(versions_compared_with_their_money, setup, teardown),
        cmocka_unit_test_setup_teardown(evidence_before_approval, setup, teardown),
        cmocka_unit_test_setup_teardown(batch_matters_count_what_the_batch_pays, setup, teardown),
        cmocka_unit_test_setup_teardown(deadline_fixed_on_filing, setup, teardown),
        cmocka_unit_test(on_time_rate_counts_decisions),
        cmocka_unit_test_setup_teardown(list_reads_one_snapshot, setup, teardown),
        cmocka_unit_test_setup_teardown(applications_paged_with_totals, setup, teardown),
        cmocka_unit_test_setup_teardown(approve_all_in_acceptance_order, setup, teardown),
        cmocka_unit_test_setup_teardown(list_weighs_each_clause_against_its_budget, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
