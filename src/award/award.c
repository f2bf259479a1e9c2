/* Applications, approvals and the hash-chained payout ledger, with its replaying verifier. */
#include "award/award.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/hash.h"
#include "base/money.h"
#include "base/xalloc.h"
#include "entity/entity.h"
#include "export/export.h"
#include "ledger/ledger.h"
#include "policy/policy.h"
#include "store/store.h"

static const char GENESIS[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* ---------------------------------------------------------------- packs */

enum status award_pack_store(struct store *s, const char *actor, const char *text, size_t len,
                             const char *source, int64_t *id, struct err *e)
{
    struct policy_pack *p;
    enum status st = policy_pack_load(text, len, source, &p, e);
    if (st != ST_OK)
        return st;
    char *copy = xstrndup(text, len);
    char now[32];
    clock_now_iso(now, sizeof now);
    struct store_stmt *q;
    if ((st = store_begin(s, e)) != ST_OK)
        goto out;
    if ((st = store_prepare(s, "SELECT id FROM policy_packs WHERE sha256 = ?", &q, e)) != ST_OK)
        goto done;
    store_bind_text(q, 1, policy_pack_hash(p));
    int row;
    *id = 0;
    if ((st = store_step(q, &row, e)) == ST_OK && row)
        *id = store_col_int(q, 0);
    store_finish(q);
    if (st != ST_OK)
        goto done;
    if (*id) {
        /* Stored before: it becomes the current pack again (if it is not). */
        int64_t current = 0;
        if ((st = store_prepare(s,
                                "SELECT id FROM policy_packs ORDER BY activated DESC, id DESC"
                                " LIMIT 1",
                                &q, e)) != ST_OK)
            goto done;
        if ((st = store_step(q, &row, e)) == ST_OK && row)
            current = store_col_int(q, 0);
        store_finish(q);
        if (st != ST_OK || current == *id)
            goto done;
        if ((st = store_prepare(s,
                                "UPDATE policy_packs SET activated = (SELECT max(activated) + 1"
                                " FROM policy_packs) WHERE id = ?",
                                &q, e)) != ST_OK)
            goto done;
        store_bind_int(q, 1, *id);
        if ((st = store_run(q, e)) == ST_OK) {
            char ids[32];
            snprintf(ids, sizeof ids, "%" PRId64, *id);
            st = audit_append(s, actor, "policy.activate", "policy_pack", ids, NULL, "{}", e);
        }
        goto done;
    }
    if ((st = store_prepare(s,
                            "INSERT INTO policy_packs (sha256, title, version, text, loaded_at,"
                            " loaded_by, activated) VALUES (?,?,?,?,?,?, (SELECT coalesce("
                            "max(activated), 0) + 1 FROM policy_packs)) RETURNING id",
                            &q, e)) != ST_OK)
        goto done;
    store_bind_text(q, 1, policy_pack_hash(p));
    store_bind_text(q, 2, policy_pack_title(p));
    store_bind_text(q, 3, policy_pack_version(p));
    store_bind_text(q, 4, copy);
    store_bind_text(q, 5, now);
    store_bind_text(q, 6, actor);
    if ((st = store_step(q, &row, e)) == ST_OK && row)
        *id = store_col_int(q, 0);
    store_finish(q);
    if (st == ST_OK) {
        char ids[32], after[200];
        snprintf(ids, sizeof ids, "%" PRId64, *id);
        snprintf(after, sizeof after, "{\"sha256\":\"%s\"}", policy_pack_hash(p));
        st = audit_append(s, actor, "policy.load", "policy_pack", ids, NULL, after, e);
    }
done:
    if (st != ST_OK)
        store_rollback(s);
    else
        st = store_commit(s, e);
out:
    free(copy);
    policy_pack_free(p);
    return st;
}

/* The stored text of pack pack_id, or of the current pack (the one activated last) when pack_id
 * is 0. *text is NULL when there is none; else new, and *id is its row. */
static enum status pack_text(struct store *s, int64_t pack_id, int64_t *id, char **text,
                             struct err *e)
{
    struct store_stmt *q;
    *text = NULL;
    enum status st =
        store_prepare(s,
                      pack_id ? "SELECT id, text FROM policy_packs WHERE id = ?"
                              : "SELECT id, text FROM policy_packs ORDER BY activated DESC,"
                                " id DESC LIMIT 1",
                      &q, e);
    if (st != ST_OK)
        return st;
    if (pack_id)
        store_bind_int(q, 1, pack_id);
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK && row) {
        *id = store_col_int(q, 0);
        *text = store_col_dup(q, 1);
    }
    store_finish(q);
    return st;
}

/* Loads stored pack pack_id (or, with pack_id 0, the current one; the example is stored if
 * there is none). */
static enum status load_pack(struct store *s, const char *actor, int64_t pack_id,
                             struct policy_pack **p, int64_t *id_out, struct err *e)
{
    char *text;
    enum status st = pack_text(s, pack_id, id_out, &text, e);
    if (st != ST_OK)
        return st;
    if (!text) {
        if (pack_id)
            return err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的规则包", pack_id);
        const char *ex;
        size_t len;
        policy_example_text(&ex, &len);
        if ((st = award_pack_store(s, actor, ex, len, "plan-2020-28.pack", id_out, e)) != ST_OK)
            return st;
        return policy_pack_example(p, e);
    }
    st = policy_pack_load(text, strlen(text), "stored pack", p, e);
    free(text);
    return st;
}

enum status award_param_set(struct store *s, const char *actor, const char *clause,
                            const char *name, const char *value, int64_t *id, struct err *e)
{
    enum status st = store_begin(s, e);
    if (st != ST_OK)
        return st;
    char *text = NULL, *out = NULL;
    size_t out_len = 0;
    int64_t current;
    if ((st = pack_text(s, 0, &current, &text, e)) != ST_OK)
        goto done;
    if (!text) {
        const char *ex;
        size_t len;
        policy_example_text(&ex, &len);
        text = xstrndup(ex, len);
    }
    if ((st = policy_pack_set_param(text, strlen(text), clause, name, value, &out, &out_len, e)) !=
            ST_OK ||
        (st = award_pack_store(s, actor, out, out_len, "param", id, e)) != ST_OK)
        goto done;
    char ids[32];
    snprintf(ids, sizeof ids, "%" PRId64, *id);
    json_t *after = json_pack("{s:s, s:s, s:s}", "clause", clause, "param", name, "value", value);
    char *as = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
    st = audit_append(s, actor, "policy.param", "policy_pack", ids, NULL, as, e);
    free(as);
    json_decref(after);
done:
    if (st != ST_OK)
        store_rollback(s);
    else
        st = store_commit(s, e);
    free(text);
    free(out);
    return st;
}

enum status award_pack_current(struct store *s, struct policy_pack **p, struct err *e)
{
    char *text;
    int64_t id;
    enum status st = pack_text(s, 0, &id, &text, e);
    if (st != ST_OK)
        return st;
    if (!text)
        return policy_pack_example(p, e);
    st = policy_pack_load(text, strlen(text), "stored pack", p, e);
    free(text);
    return st;
}

/* The registry import's check of fact values: the current pack's inputs of that name. */
static int fact_rule_check(void *ctx, const char *name, const char *value, char *why,
                           size_t why_len)
{
    struct err e = {0};
    if (policy_fact_check(ctx, name, value, &e) == ST_OK)
        return 1;
    snprintf(why, why_len, "%s", e.msg);
    return 0;
}

enum status award_import_registry(struct store *s, const char *actor, const char *data, size_t len,
                                  const char *source, struct entity_import_report *rep,
                                  struct err *e)
{
    struct policy_pack *p = NULL;
    memset(rep, 0, sizeof *rep);
    enum status st = award_pack_current(s, &p, e);
    if (st != ST_OK)
        return st;
    struct entity_fact_rule rule = {fact_rule_check, p};
    st = entity_import_csv(s, actor, data, len, source, &rule, rep, e);
    policy_pack_free(p);
    return st;
}

/* ---------------------------------------------------------------- helpers */

/* Steps a query of one integer (0 when there is no row) and finishes it. */
static enum status step_int(struct store_stmt *q, int64_t *out, struct err *e)
{
    int row;
    *out = 0;
    enum status st = store_step(q, &row, e);
    if (st == ST_OK && row)
        *out = store_col_int(q, 0);
    store_finish(q);
    return st;
}

/* What the entity has received under clause in year, reversals included. */
static enum status year_total(struct store *s, int64_t entity_id, const char *clause, int year,
                              int64_t *total, struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   "SELECT coalesce(sum(amount_fen), 0) FROM payouts WHERE"
                                   " entity_id = ? AND clause = ? AND year = ?",
                                   &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, entity_id);
    store_bind_text(q, 2, clause);
    store_bind_int(q, 3, year);
    return step_int(q, total, e);
}

/* What one matter (group:key) of the entity has received under any clause of its group. */
static enum status matter_total(struct store *s, int64_t entity_id, const char *matter,
                                int64_t *total, struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   "SELECT coalesce(sum(amount_fen), 0) FROM payouts WHERE"
                                   " entity_id = ? AND matter = ?",
                                   &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, entity_id);
    store_bind_text(q, 2, matter);
    return step_int(q, total, e);
}

/* What the clause has paid in year, every entity together: its budget used. */
static enum status budget_used(struct store *s, const char *clause, int year, int64_t *used,
                               struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   "SELECT coalesce(sum(amount_fen), 0) FROM payouts WHERE"
                                   " clause = ? AND year = ?",
                                   &q, e);
    if (st != ST_OK)
        return st;
    store_bind_text(q, 1, clause);
    store_bind_int(q, 2, year);
    return step_int(q, used, e);
}

/* What pending applications of the clause in year, filed before app_id, ask (fcfs holds). */
static enum status budget_held(struct store *s, const char *clause, int year, int64_t app_id,
                               int64_t *held, struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   "SELECT coalesce(sum(amount_fen), 0) FROM applications WHERE"
                                   " clause = ? AND year = ? AND status = 'submitted' AND id < ?",
                                   &q, e);
    if (st != ST_OK)
        return st;
    store_bind_text(q, 1, clause);
    store_bind_int(q, 2, year);
    store_bind_int(q, 3, app_id);
    return step_int(q, held, e);
}

/* Inputs as canonical JSON (sorted keys) and back. */
static char *inputs_json(const struct policy_input *in, size_t n)
{
    json_t *o = json_object();
    for (size_t i = 0; i < n; i++)
        json_object_set_new(o, in[i].name, json_string(in[i].value));
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    return s;
}

#define INPUTS_MAX 32

static size_t inputs_from_json(json_t *o, struct policy_input *in)
{
    size_t n = 0;
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (n < INPUTS_MAX && json_is_string(v)) {
            in[n].name = k;
            in[n].value = json_string_value(v);
            n++;
        }
    }
    return n;
}

/* One ledger line. Format 2 added what the budget and the exclusivity group had consumed before
 * the line and the pro-rata batch it belongs to; format 1 lines (schema 10) hash without them.
 * Format 3 (schema 18) carries the inputs themselves and is hashed as the stored bytes; lines
 * of formats 1 and 2 were converted to the same stored layout with their hashes unchanged. */
struct line {
    int64_t id, app, entity, amount, cap_used, reverses;
    const char *clause, *pack;
    const char *inputs; /* formats 1, 2: SHA-256 of the application's inputs; 3: "" */
    int year;
    int format;
    int64_t claimed, budget_used, budget_held, matter_prior, batch;
    const char *matter;
    const char *at, *by, *applied_on;
    /* The inputs replayed: format 3 as name=LEN:value lines (inputs_pairs), formats 1 and 2
     * the application's canonical JSON. */
    const char *data;
    size_t data_len;
};

#define LINE_FORMAT 3

/* v in decimal, as "%" PRId64 writes it (the verifier hashes a million lines: no printf). */
static void dec(int64_t v, char out[24])
{
    char tmp[24];
    int n = 0, neg = v < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    int k = 0;
    if (neg)
        out[k++] = '-';
    while (n)
        out[k++] = tmp[--n];
    out[k] = '\0';
}

/* The hash of a line of format 1 or 2: its fields one by one (hash_sha256_field). */
static void line_hash_fields(const char *prev, const struct line *l, char out[HASH_HEX_LEN + 1])
{
    char nums[7][24];
    dec(l->id, nums[0]);
    dec(l->app, nums[1]);
    dec(l->entity, nums[2]);
    dec(l->year, nums[3]);
    dec(l->amount, nums[4]);
    dec(l->cap_used, nums[5]);
    dec(l->reverses, nums[6]);
    struct hash_sha256 h;
    hash_sha256_init(&h);
    hash_sha256_field(&h, prev);
    for (int i = 0; i < 3; i++)
        hash_sha256_field(&h, nums[i]);
    hash_sha256_field(&h, l->clause);
    hash_sha256_field(&h, l->pack);
    hash_sha256_field(&h, l->inputs);
    for (int i = 3; i < 7; i++)
        hash_sha256_field(&h, nums[i]);
    hash_sha256_field(&h, l->at);
    hash_sha256_field(&h, l->by);
    if (l->format >= 2) {
        int64_t more[] = {l->format,      l->claimed,      l->budget_used,
                          l->budget_held, l->matter_prior, l->batch};
        for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
            char num[24];
            dec(more[i], num);
            hash_sha256_field(&h, num);
        }
        hash_sha256_field(&h, l->matter ? l->matter : "");
    }
    hash_sha256_final_hex(&h, out);
}

/* The hash of a stored line of format 3: SHA-256 of the previous line's hash (hex) and the
 * line's bytes. */
static void line_hash_bytes(const char *prev, const void *line, size_t len,
                            char out[HASH_HEX_LEN + 1])
{
    struct hash_sha256 h;
    hash_sha256_init(&h);
    hash_sha256_update(&h, prev, HASH_HEX_LEN);
    hash_sha256_update(&h, line, len);
    hash_sha256_final_hex(&h, out);
}

/* ---------------------------------------------------------------- stored lines
 *
 * A stored line is a fixed-width ASCII head and five strings (db/migrations/018 names the
 * fields and generates the table's columns from them): integers zero-padded, money signed. */
enum {
    AT_FORMAT = 0,
    AT_ID = 1,
    AT_APP = 11,
    AT_ENTITY = 21,
    AT_YEAR = 31,
    AT_AMOUNT = 35,
    AT_CAP_USED = 51,
    AT_REVERSES = 67,
    AT_CLAIMED = 77,
    AT_BUDGET_USED = 93,
    AT_BUDGET_HELD = 109,
    AT_MATTER_PRIOR = 125,
    AT_BATCH = 141,
    AT_PACK = 151,
    AT_CREATED = 215,
    AT_APPLIED_ON = 235,
    AT_LENGTHS = 245, /* of clause 3, matter 3, created by 3, inputs SHA 2, inputs 5 */
    LINE_HEAD = 261
};
#define ID_WIDTH 10
#define MONEY_WIDTH 16
static const int string_width[5] = {3, 3, 3, 2, 5};

/* Writes v in width digits (money: a sign and width - 1 digits); 0 if it does not fit. */
static int put_num(char *p, int width, int64_t v, int sign)
{
    if (!sign && v < 0)
        return 0;
    uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (sign) {
        *p++ = v < 0 ? '-' : '+';
        width--;
    }
    for (int i = width - 1; i >= 0; i--) {
        p[i] = (char)('0' + u % 10);
        u /= 10;
    }
    return u == 0;
}

/* Reads width digits (money: a sign first); 0 if they are not. */
static int get_num(const unsigned char *p, int width, int sign, int64_t *out)
{
    int neg = 0;
    if (sign) {
        if (*p != '+' && *p != '-')
            return 0;
        neg = *p++ == '-';
        width--;
    }
    /* no branch per digit, eight at a time where there are eight: the verifier reads 170
     * of them per line */
    uint64_t v = 0;
    unsigned bad = 0;
    int i = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (width >= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        /* each byte 0x30-0x39: its high nibble is 3, and adding 6 keeps it 3 */
        bad |=
            ((w & 0xF0F0F0F0F0F0F0F0ull) |
             (((w + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) != 0x3333333333333333ull;
        w -= 0x3030303030303030ull;
        w = w * 10 + (w >> 8); /* byte pairs as two-digit numbers */
        w = ((w & 0x000000FF000000FFull) * (100 + (1000000ull << 32)) +
             ((w >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32))) >>
            32;
        v = w;
        i = 8;
    }
#endif
    for (; i < width; i++) {
        unsigned d = (unsigned)p[i] - '0';
        bad |= d > 9;
        v = v * 10 + d;
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return !bad;
}

/* Encodes l (of format 3) into b; fails naming the field that does not fit. */
static enum status line_encode(const struct line *l, struct buf *b, struct err *e)
{
    const char *str[5] = {l->clause, l->matter ? l->matter : "", l->by, "", l->data};
    size_t len[5];
    for (int i = 0; i < 5; i++)
        len[i] = i == 4 ? l->data_len : strlen(str[i]);
    char head[LINE_HEAD];
    struct {
        int at, width, sign;
        int64_t v;
        const char *name;
    } nums[] = {
        {AT_FORMAT, 1, 0, l->format, "format"},
        {AT_ID, ID_WIDTH, 0, l->id, "id"},
        {AT_APP, ID_WIDTH, 0, l->app, "application"},
        {AT_ENTITY, ID_WIDTH, 0, l->entity, "entity"},
        {AT_YEAR, 4, 0, l->year, "year"},
        {AT_AMOUNT, MONEY_WIDTH, 1, l->amount, "amount"},
        {AT_CAP_USED, MONEY_WIDTH, 1, l->cap_used, "cap_used"},
        {AT_REVERSES, ID_WIDTH, 0, l->reverses, "reverses"},
        {AT_CLAIMED, MONEY_WIDTH, 1, l->claimed, "claimed"},
        {AT_BUDGET_USED, MONEY_WIDTH, 1, l->budget_used, "budget_used"},
        {AT_BUDGET_HELD, MONEY_WIDTH, 1, l->budget_held, "budget_held"},
        {AT_MATTER_PRIOR, MONEY_WIDTH, 1, l->matter_prior, "matter_prior"},
        {AT_BATCH, ID_WIDTH, 0, l->batch, "batch"},
    };
    for (size_t i = 0; i < sizeof nums / sizeof nums[0]; i++)
        if (!put_num(head + nums[i].at, nums[i].width, nums[i].v, nums[i].sign))
            return err_set(e, ST_INVALID, nums[i].name, "账本行的 %s 超出可记录的范围",
                           nums[i].name);
    const struct {
        int at, width;
        const char *v;
    } fixed[] = {{AT_PACK, HASH_HEX_LEN, l->pack},
                 {AT_CREATED, 20, l->at},
                 {AT_APPLIED_ON, 10, l->applied_on}};
    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if (strlen(fixed[i].v) != (size_t)fixed[i].width)
            return err_set(e, ST_INVALID, NULL, "账本行的定长字段“%s”长度不符", fixed[i].v);
        memcpy(head + fixed[i].at, fixed[i].v, (size_t)fixed[i].width);
    }
    for (int i = 0, at = AT_LENGTHS; i < 5; at += string_width[i++])
        if (!put_num(head + at, string_width[i], (int64_t)len[i], 0))
            return err_set(e, ST_INVALID, NULL, "账本行的文本字段过长");
    enum status st = buf_append(b, head, sizeof head);
    for (int i = 0; i < 5 && st == ST_OK; i++)
        st = buf_append(b, str[i], len[i]);
    return st == ST_OK ? ST_OK : err_set(e, st, NULL, "账本行过长");
}

/* Decodes a stored line into l. Its strings are copied NUL-terminated into scratch, which
 * must hold n + 8 bytes; l points into scratch. Returns 0 if the bytes are not a line. */
static int line_decode(const unsigned char *p, size_t n, struct line *l, char *scratch)
{
    if (n < LINE_HEAD)
        return 0;
    int64_t format, year, len[5];
    if (!get_num(p + AT_FORMAT, 1, 0, &format) || !get_num(p + AT_ID, ID_WIDTH, 0, &l->id) ||
        !get_num(p + AT_APP, ID_WIDTH, 0, &l->app) ||
        !get_num(p + AT_ENTITY, ID_WIDTH, 0, &l->entity) || !get_num(p + AT_YEAR, 4, 0, &year) ||
        !get_num(p + AT_AMOUNT, MONEY_WIDTH, 1, &l->amount) ||
        !get_num(p + AT_CAP_USED, MONEY_WIDTH, 1, &l->cap_used) ||
        !get_num(p + AT_REVERSES, ID_WIDTH, 0, &l->reverses) ||
        !get_num(p + AT_CLAIMED, MONEY_WIDTH, 1, &l->claimed) ||
        !get_num(p + AT_BUDGET_USED, MONEY_WIDTH, 1, &l->budget_used) ||
        !get_num(p + AT_BUDGET_HELD, MONEY_WIDTH, 1, &l->budget_held) ||
        !get_num(p + AT_MATTER_PRIOR, MONEY_WIDTH, 1, &l->matter_prior) ||
        !get_num(p + AT_BATCH, ID_WIDTH, 0, &l->batch))
        return 0;
    size_t total = LINE_HEAD;
    for (int i = 0, at = AT_LENGTHS; i < 5; at += string_width[i++]) {
        if (!get_num(p + at, string_width[i], 0, &len[i]))
            return 0;
        total += (size_t)len[i];
    }
    if (total != n || format < 1 || format > LINE_FORMAT)
        return 0;
    l->format = (int)format;
    l->year = (int)year;
    /* the fixed strings, then the five variable ones, each NUL-terminated in scratch */
    const struct {
        size_t at, len;
        const char **to;
    } str[] = {{AT_PACK, HASH_HEX_LEN, &l->pack},   {AT_CREATED, 20, &l->at},
               {AT_APPLIED_ON, 10, &l->applied_on}, {LINE_HEAD, (size_t)len[0], &l->clause},
               {0, (size_t)len[1], &l->matter},     {0, (size_t)len[2], &l->by},
               {0, (size_t)len[3], &l->inputs},     {0, (size_t)len[4], &l->data}};
    size_t from = LINE_HEAD;
    for (size_t i = 0; i < sizeof str / sizeof str[0]; i++) {
        size_t at = str[i].at ? str[i].at : from;
        if (at >= LINE_HEAD)
            from = at + str[i].len;
        memcpy(scratch, p + at, str[i].len);
        scratch[str[i].len] = '\0';
        *str[i].to = scratch;
        scratch += str[i].len + 1;
    }
    l->data_len = (size_t)len[4];
    return 1;
}

/* The inputs as a line of format 3 carries them: one "name=LEN:value" line each, in the
 * application's (sorted) order. Names come from the pack (no '=' or newline in them); the
 * values are counted, so they may hold anything. */
static enum status inputs_pairs(const struct policy_input *in, size_t n, struct buf *b,
                                struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        if (strpbrk(in[i].name, "=\n"))
            return err_set(e, ST_INVALID, in[i].name, "输入名“%s”不能含“=”或换行", in[i].name);
        if (buf_printf(b, "%s=%zu:%s\n", in[i].name, strlen(in[i].value), in[i].value) != ST_OK)
            return err_set(e, ST_LIMIT, NULL, "申请的输入过长");
    }
    return ST_OK;
}

/* Reads inputs_pairs' form back, in place: the names and values are NUL-terminated over the
 * separators of data (which must be writable and NUL-terminated). Returns how many, or -1 if
 * data is not of that form. */
static int pairs_parse(char *data, size_t len, struct policy_input in[INPUTS_MAX])
{
    char *p = data, *end = data + len;
    int n = 0;
    while (p < end) {
        char *eq = memchr(p, '=', (size_t)(end - p));
        if (!eq || n == INPUTS_MAX)
            return -1;
        *eq = '\0';
        size_t vlen = 0;
        char *q = eq + 1;
        while (q < end && *q >= '0' && *q <= '9')
            vlen = vlen * 10 + (size_t)(*q++ - '0');
        if (q == eq + 1 || q >= end || *q != ':' || vlen > (size_t)(end - q - 1) ||
            q[1 + vlen] != '\n')
            return -1;
        q[1 + vlen] = '\0'; /* over the newline */
        in[n].name = p;
        in[n].value = q + 1;
        n++;
        p = q + vlen + 2;
    }
    return n;
}

/* Appends a ledger line of format 3 (inside the caller's transaction); l's id, time and
 * author are set here. */
static enum status append_line(struct store *s, const char *actor, struct line *l, int64_t *id,
                               struct err *e)
{
    struct store_stmt *q;
    enum status st =
        store_prepare(s, "SELECT id, hash FROM payouts ORDER BY id DESC LIMIT 1", &q, e);
    if (st != ST_OK)
        return st;
    int row;
    int64_t last = 0;
    char prev[HASH_HEX_LEN + 1];
    snprintf(prev, sizeof prev, "%s", GENESIS);
    if ((st = store_step(q, &row, e)) == ST_OK && row) {
        last = store_col_int(q, 0);
        snprintf(prev, sizeof prev, "%s", store_col_text(q, 1));
    }
    store_finish(q);
    if (st != ST_OK)
        return st;
    char now[32], hash[HASH_HEX_LEN + 1];
    clock_now_iso(now, sizeof now);
    l->format = LINE_FORMAT;
    l->id = *id = last + 1;
    l->at = now;
    l->by = actor;
    l->inputs = "";
    struct buf b;
    buf_init(&b, 0);
    if ((st = line_encode(l, &b, e)) != ST_OK)
        goto out;
    line_hash_bytes(prev, b.data, b.len, hash);
    if ((st = store_prepare(s, "INSERT INTO payouts (id, line, hash) VALUES (?, ?, ?)", &q, e)) !=
        ST_OK)
        goto out;
    store_bind_int(q, 1, *id);
    store_bind_blob(q, 2, b.data, b.len);
    store_bind_text(q, 3, hash);
    st = store_run(q, e);
out:
    buf_cleanup(&b);
    return st;
}

/* A line's inputs in inputs_pairs' form, from the application's canonical JSON. */
static enum status pairs_from_json(const char *json, struct buf *b, struct err *e)
{
    json_t *o = json_loads(json, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return err_set(e, ST_INVALID, "inputs", "申请的输入不是 JSON 对象");
    }
    struct policy_input in[INPUTS_MAX];
    size_t n = inputs_from_json(o, in);
    enum status st = inputs_pairs(in, n, b, e);
    json_decref(o);
    return st;
}

/* What one approval pays, worked out inside the write transaction: the clause's formula and
 * caps against the entity's yearly total, then the exclusivity group (就高不就低: only what is
 * above what the matter already received), then the yearly budget (fcfs: less what is paid
 * and what earlier pending applications hold). refusal is set when nothing can be paid. */
struct settle {
    struct policy_limits lim;
    struct policy_result r;
    int64_t total; /* the entity's yearly total under the clause before this award */
    int64_t claimed, prior, used, held, amount;
    int64_t budget_override; /* > 0: try this yearly envelope instead of the pack's (试算) */
    char matter[160];
    char extra[800];   /* sentences after the formula's explanation */
    char refusal[800]; /* why nothing is payable, or "" */
};

static const char *input_value(const struct policy_input *in, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(in[i].name, name))
            return in[i].value;
    return NULL;
}

#define MATTER_MAX 100

/* app_id orders fcfs holds: applications filed before it (INT64_MAX: all pending ones). */
static enum status settle(struct store *s, const struct policy_pack *p, int ci, int64_t entity,
                          const struct policy_input *in, size_t n, struct date on, int64_t app_id,
                          struct settle *x, struct err *e)
{
    const char *clause = policy_clause_id(p, (size_t)ci);
    enum status st;
    char a[32], b[32], c[32], d[32];
    if ((st = policy_clause_limits(p, (size_t)ci, &x->lim, e)) != ST_OK ||
        (st = year_total(s, entity, clause, on.y, &x->total, e)) != ST_OK ||
        (st = policy_calc(p, clause, in, n, on, x->total, &x->r, e)) != ST_OK)
        return st;
    if (x->budget_override > 0 && x->lim.alloc != POLICY_ALLOC_NONE)
        x->lim.budget_fen = x->budget_override;
    x->claimed = x->amount = x->r.amount_fen;
    if (x->lim.group) {
        const char *v = input_value(in, n, x->lim.key);
        if (!v || !v[0] || strlen(v) > MATTER_MAX)
            return err_set(e, ST_INVALID, x->lim.key,
                           "须填写 %s（不超过 %d 字节）：同一事项不重复享受，按它识别事项",
                           x->lim.key, MATTER_MAX);
        snprintf(x->matter, sizeof x->matter, "%s:%s", x->lim.group, v);
    }
    if (!x->r.eligible || x->amount == 0)
        return ST_OK;
    if (x->lim.group) {
        if ((st = matter_total(s, entity, x->matter, &x->prior, e)) != ST_OK)
            return st;
        if (x->prior >= x->amount) {
            snprintf(
                x->refusal, sizeof x->refusal,
                "同一事项（%s）已获兑付 %s元，不低于本项 %s元；同一事项不重复享受，就高不就低。",
                x->matter, money_format(x->prior, a, sizeof a),
                money_format(x->amount, b, sizeof b));
            x->amount = 0;
            return ST_OK;
        }
        if (x->prior > 0) {
            x->amount -= x->prior;
            snprintf(x->extra, sizeof x->extra,
                     "同一事项（%s）已获兑付 %s元，就高不就低，补足差额 %s元。", x->matter,
                     money_format(x->prior, a, sizeof a), money_format(x->amount, b, sizeof b));
        }
    }
    if (x->lim.alloc == POLICY_ALLOC_NONE)
        return ST_OK;
    if ((st = budget_used(s, clause, on.y, &x->used, e)) != ST_OK)
        return st;
    size_t used_len = strlen(x->extra);
    if (x->lim.alloc == POLICY_ALLOC_PRO_RATA) {
        snprintf(x->extra + used_len, sizeof x->extra - used_len,
                 "%s %s元按批次等比例分配，批次结束时确定金额（%d 年已兑付 %s元）。",
                 x->lim.budget_label, money_format(x->lim.budget_fen, a, sizeof a), on.y,
                 money_format(x->used, b, sizeof b));
        return ST_OK;
    }
    if ((st = budget_held(s, clause, on.y, app_id, &x->held, e)) != ST_OK)
        return st;
    int64_t left = x->lim.budget_fen - x->used - x->held;
    if (left <= 0) {
        snprintf(x->refusal, sizeof x->refusal,
                 "%s %s元：已兑付 %s元，先受理的待审申请占用 %s元，已无余额（先到先得）。",
                 x->lim.budget_label, money_format(x->lim.budget_fen, a, sizeof a),
                 money_format(x->used, b, sizeof b), money_format(x->held, c, sizeof c));
        x->amount = 0;
    } else if (x->amount > left) {
        snprintf(x->extra + used_len, sizeof x->extra - used_len,
                 "%s %s元：已兑付 %s元，先受理的待审申请占用 %s元，余额 %s元，按先到先得核减为"
                 "余额。",
                 x->lim.budget_label, money_format(x->lim.budget_fen, a, sizeof a),
                 money_format(x->used, b, sizeof b), money_format(x->held, c, sizeof c),
                 money_format(left, d, sizeof d));
        x->amount = left;
    }
    return ST_OK;
}

static void settle_cleanup(struct settle *x)
{
    policy_result_cleanup(&x->r);
}

/* The explanation of a settled award: the formula's, then the ledger's sentences. */
static void settle_explain(const struct settle *x, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s%s", x->r.explanation ? x->r.explanation : "", x->extra, x->refusal);
}

static void fill_outcome(struct award_outcome *out, const struct settle *x)
{
    out->eligible = x->r.eligible;
    out->amount_fen = x->amount;
    out->capped_by = x->r.capped_by;
    if (x->prior >= x->claimed && x->claimed > 0)
        out->capped_by = "exclusive";
    else if (x->amount < x->claimed - x->prior)
        out->capped_by = "budget";
    else if (x->prior > 0)
        out->capped_by = "exclusive";
    settle_explain(x, out->explanation, sizeof out->explanation);
}

/* ---------------------------------------------------------------- applications */

#define FACTS_MAX 64

/* An entity's newest facts as rule inputs (borrowed strings), and which of them it declared
 * itself (self may be NULL). Returns how many (at most FACTS_MAX). */
static size_t facts_of(const struct entity *en, struct policy_input in[FACTS_MAX],
                       unsigned char *self)
{
    size_t k = 0;
    for (; k < en->n_facts && k < FACTS_MAX; k++) {
        in[k] = (struct policy_input){en->facts[k].name, en->facts[k].value};
        if (self)
            self[k] = !strcmp(en->facts[k].source, ENTITY_SOURCE_SELF);
    }
    return k;
}

/* Files an application of entity_id (uscc) under clause ci of pack p (row pack_id), inside the
 * caller's transaction: computed, stored as submitted, audited. */
static enum status file_application(struct store *s, const char *actor, const struct policy_pack *p,
                                    int64_t pack_id, int64_t entity_id, const char *uscc, int ci,
                                    const struct policy_input *in, size_t n, struct date on,
                                    int proposed, struct award_outcome *out, struct err *e)
{
    struct settle x = {0};
    char *inputs = NULL;
    const char *clause = policy_clause_id(p, (size_t)ci);
    struct store_stmt *q;
    enum status st = settle(s, p, ci, entity_id, in, n, on, INT64_MAX, &x, e);
    if (st != ST_OK)
        goto out;
    fill_outcome(out, &x);
    if (proposed && x.amount == 0)
        goto out; /* out->id stays 0: a proposal of nothing is not filed */
    inputs = inputs_json(in, n);
    char sha[HASH_HEX_LEN + 1], day[16], now[32];
    hash_sha256_hex(inputs, strlen(inputs), sha);
    date_format(on, day, sizeof day);
    clock_now_iso(now, sizeof now);
    if ((st = store_prepare(s,
                            "INSERT INTO applications (entity_id, pack_id, clause, inputs,"
                            " inputs_sha256, applied_on, amount_fen, explanation, status,"
                            " submitted_at, submitted_by, year, origin)"
                            " VALUES (?,?,?,?,?,?,?,?,'submitted',?,?,?,?) RETURNING id",
                            &q, e)) != ST_OK)
        goto out;
    store_bind_int(q, 1, entity_id);
    store_bind_int(q, 2, pack_id);
    store_bind_text(q, 3, clause);
    store_bind_text(q, 4, inputs);
    store_bind_text(q, 5, sha);
    store_bind_text(q, 6, day);
    store_bind_int(q, 7, x.amount);
    store_bind_text(q, 8, out->explanation);
    store_bind_text(q, 9, now);
    store_bind_text(q, 10, actor);
    store_bind_int(q, 11, on.y);
    store_bind_text(q, 12, proposed ? "proposed" : "applied");
    if ((st = step_int(q, &out->id, e)) != ST_OK)
        goto out;
    char ids[32], after[400];
    snprintf(ids, sizeof ids, "%" PRId64, out->id);
    snprintf(after, sizeof after,
             "{\"uscc\":\"%s\",\"clause\":\"%s\",\"inputs_sha256\":\"%s\",\"amount_fen\":%" PRId64
             "}",
             uscc, clause, sha, x.amount);
    st = audit_append(s, actor, "application.submit", "application", ids, NULL, after, e);
out:
    settle_cleanup(&x);
    free(inputs);
    return st;
}

enum status award_apply(struct store *s, const char *actor, const char *uscc, const char *clause,
                        const struct policy_input *in, size_t n, struct date on,
                        struct award_outcome *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    enum status st = store_begin(s, e);
    if (st != ST_OK)
        return st;
    struct policy_pack *p = NULL;
    int64_t pack_id = 0, entity_id = 0;
    char kind[16] = "";
    int ci = -1;
    if ((st = load_pack(s, actor, 0, &p, &pack_id, e)) != ST_OK)
        goto out;
    if ((st = entity_find(s, uscc, &entity_id, kind, e)) != ST_OK)
        goto out;
    if (!entity_id) {
        st = err_set(e, ST_NOT_FOUND, "uscc", "没有统一社会信用代码为 %s 的主体", uscc);
        goto out;
    }
    if ((ci = policy_clause_index(p, clause)) < 0) {
        st = err_set(e, ST_NOT_FOUND, "clause", "规则包中没有条款“%s”", clause);
        goto out;
    }
    if (!policy_clause_accepts(p, (size_t)ci, kind)) {
        st = err_set(e, ST_UNPROCESSABLE, "clause", "条款“%s”不受理此类主体（%s）的申请", clause,
                     kind);
        goto out;
    }
    st = file_application(s, actor, p, pack_id, entity_id, uscc, ci, in, n, on, 0, out, e);
out:
    if (st != ST_OK)
        store_rollback(s);
    else
        st = store_commit(s, e);
    policy_pack_free(p);
    return st;
}

static void proposal_note(struct award_proposals *out, const struct entity *en, const char *why)
{
    if (out->n_notes < AWARD_NOTES_MAX)
        snprintf(out->notes[out->n_notes++], sizeof out->notes[0], "%s %s：%s", en->uscc, en->name,
                 why);
}

/* Whether the entity already has an application under clause that this one would repeat: for a
 * clause with a matter key (contract_no…), one for the same matter; otherwise any in the year.
 * Rejected ones do not count. */
static enum status already_applied(struct store *s, int64_t entity_id, const char *clause, int year,
                                   const char *key, const char *matter, int *found, struct err *e)
{
    struct award_app_filter f = {.entity_id = entity_id, .clause = clause, .year = key ? 0 : year};
    struct award_app *v;
    size_t n;
    *found = 0;
    enum status st = award_applications(s, &f, &v, &n, e);
    for (size_t i = 0; st == ST_OK && i < n && !*found; i++) {
        if (!strcmp(v[i].status, "rejected"))
            continue;
        if (!key) {
            *found = 1;
            continue;
        }
        json_t *in = json_loads(v[i].inputs, 0, NULL);
        const char *mv = json_string_value(json_object_get(in, key));
        *found = mv && !strcmp(mv, matter);
        json_decref(in);
    }
    if (st == ST_OK)
        award_apps_free(v, n);
    return st;
}

enum status award_propose(struct store *s, const char *actor, const char *clause, struct date on,
                          struct award_proposals *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    enum status st = store_begin(s, e);
    if (st != ST_OK)
        return st;
    struct policy_pack *p = NULL;
    struct entity *v = NULL;
    size_t n = 0;
    int64_t pack_id = 0;
    int ci = -1;
    struct policy_limits lim;
    if ((st = load_pack(s, actor, 0, &p, &pack_id, e)) != ST_OK)
        goto out;
    if ((ci = policy_clause_index(p, clause)) < 0) {
        st = err_set(e, ST_NOT_FOUND, "clause", "规则包中没有条款“%s”", clause);
        goto out;
    }
    if ((st = policy_clause_limits(p, (size_t)ci, &lim, e)) != ST_OK)
        goto out;
    {
        /* A parameter the office has not set stops the clause for everyone: say so up front. */
        struct policy_result probe;
        struct err ce = {0};
        if (policy_calc_amount(p, clause, NULL, 0, on, 0, &probe, &ce) == ST_UNPROCESSABLE) {
            st = err_set(e, ST_UNPROCESSABLE, ce.where, "%s", ce.msg);
            goto out;
        }
        policy_result_cleanup(&probe);
    }
    if ((st = entity_list(s, &v, &n, e)) != ST_OK)
        goto out;
    for (size_t i = 0; i < n && st == ST_OK; i++) {
        const struct entity *en = &v[i];
        if (!policy_clause_accepts(p, (size_t)ci, en->kind))
            continue;
        struct policy_input facts[FACTS_MAX], in[POLICY_VARS_MAX];
        size_t from[POLICY_VARS_MAX];
        size_t m = policy_clause_inputs(p, (size_t)ci, facts, facts_of(en, facts, NULL), in, from);
        int64_t received = 0;
        int dup = 0;
        struct policy_result r;
        struct err ce = {0};
        if ((st = year_total(s, en->id, clause, on.y, &received, e)) != ST_OK)
            break;
        enum status cs = policy_calc_amount(p, clause, in, m, on, received, &r, &ce);
        if (cs == ST_UNPROCESSABLE) { /* a parameter the office has not set: for everyone */
            st = err_set(e, cs, ce.where, "%s", ce.msg);
            break;
        }
        if (cs != ST_OK || !r.eligible) {
            policy_result_cleanup(&r);
            continue; /* not eligible, or its facts do not read as the clause's inputs */
        }
        policy_result_cleanup(&r);
        char why[240] = "";
        for (size_t x = 0; x < m; x++)
            if (!strcmp(en->facts[from[x]].source, ENTITY_SOURCE_SELF))
                snprintf(why + strlen(why), sizeof why - strlen(why), "%s%s",
                         why[0] ? "、" : "快申快享：依据自行申报的 ", in[x].name);
        if (why[0]) {
            out->self_declared++;
            proposal_note(out, en, why);
            continue;
        }
        if (lim.group && !input_value(in, m, lim.key)) {
            out->incomplete++;
            snprintf(why, sizeof why, "缺少 %s，无法确认同一事项未重复享受，须由企业申请", lim.key);
            proposal_note(out, en, why);
            continue;
        }
        if ((st = already_applied(s, en->id, clause, on.y, lim.group ? lim.key : NULL,
                                  lim.group ? input_value(in, m, lim.key) : NULL, &dup, e)) !=
            ST_OK)
            break;
        if (dup) {
            out->duplicates++;
            proposal_note(out, en,
                          lim.group ? "该事项已有申请"
                                    : "本年度已有该条款的申请（由企业或此前生成）");
            continue;
        }
        struct award_outcome o = {0};
        if ((st = file_application(s, actor, p, pack_id, en->id, en->uscc, ci, in, m, on, 1, &o,
                                   e)) != ST_OK)
            break;
        if (!o.id) {
            out->nothing_left++;
            proposal_note(out, en, "无可兑付金额（本年度上限、同一事项已享受或预算已无余额）");
            continue;
        }
        out->filed++;
        out->amount_fen += o.amount_fen;
    }
    if (st == ST_OK) {
        char after[300], day[16];
        date_format(on, day, sizeof day);
        snprintf(after, sizeof after,
                 "{\"clause\":\"%s\",\"on\":\"%s\",\"filed\":%zu,\"amount_fen\":%" PRId64
                 ",\"self_declared\":%zu,\"incomplete\":%zu,\"duplicates\":%zu,"
                 "\"nothing_left\":%zu}",
                 clause, day, out->filed, out->amount_fen, out->self_declared, out->incomplete,
                 out->duplicates, out->nothing_left);
        st = audit_append(s, actor, "policy.propose", "clause", clause, NULL, after, e);
    }
out:
    if (st != ST_OK)
        store_rollback(s);
    else
        st = store_commit(s, e);
    entities_free(v, n);
    policy_pack_free(p);
    return st;
}

json_t *award_proposals_json(const struct award_proposals *p)
{
    json_t *notes = json_array();
    for (size_t i = 0; i < p->n_notes; i++)
        json_array_append_new(notes, json_string(p->notes[i]));
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "filed", (json_int_t)p->filed,
                     "amount_fen", (json_int_t)p->amount_fen, "self_declared",
                     (json_int_t)p->self_declared, "incomplete", (json_int_t)p->incomplete,
                     "duplicates", (json_int_t)p->duplicates, "nothing_left",
                     (json_int_t)p->nothing_left, "notes", notes);
}

/* Whether the application has a file filed under label (*found > 0). */
static enum status has_evidence(struct store *s, int64_t application_id, const char *label,
                                int64_t *found, struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   "SELECT count(*) FROM application_files"
                                   " WHERE application_id = ? AND evidence = ?",
                                   &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, application_id);
    store_bind_text(q, 2, label);
    return step_int(q, found, e);
}

/* The 证明材料 clause ci asks for that application a has not filed yet, as "X、Y" in missing
 * ("" when none; none is asked of a 免申即享 proposal, which rests on certified data). */
static enum status missing_evidence(struct store *s, const struct policy_pack *p, int ci,
                                    const struct award_app *a, char *missing, size_t cap,
                                    struct err *e)
{
    missing[0] = '\0';
    size_t n = policy_clause_evidence_count(p, (size_t)ci);
    if (!n || !strcmp(a->origin, "proposed"))
        return ST_OK;
    enum status st = ST_OK;
    for (size_t k = 0; st == ST_OK && k < n; k++) {
        const char *want = policy_clause_evidence(p, (size_t)ci, k);
        int64_t found = 0;
        if ((st = has_evidence(s, a->id, want, &found, e)) == ST_OK && !found)
            snprintf(missing + strlen(missing), cap - strlen(missing), "%s%s",
                     missing[0] ? "、" : "", want);
    }
    return st;
}

/* Records a decision on an application: its status, who and when, the note, and for an
 * approval the amount and explanation it was approved with (amount < 0: leave them). */
static enum status mark_decided(struct store *s, const char *actor, int64_t id, const char *status,
                                const char *note, int64_t amount, const char *explanation,
                                struct err *e)
{
    char now[32];
    clock_now_iso(now, sizeof now);
    struct store_stmt *q;
    enum status st =
        store_prepare(s,
                      "UPDATE applications SET status = ?, decided_at = ?,"
                      " decided_by = ?, note = ?, amount_fen = coalesce(?, amount_fen),"
                      " explanation = coalesce(?, explanation) WHERE id = ?",
                      &q, e);
    if (st != ST_OK)
        return st;
    store_bind_text(q, 1, status);
    store_bind_text(q, 2, now);
    store_bind_text(q, 3, actor);
    store_bind_text(q, 4, note ? note : "");
    if (amount >= 0) {
        store_bind_int(q, 5, amount);
        store_bind_text(q, 6, explanation);
    } else {
        store_bind_null(q, 5);
        store_bind_null(q, 6);
    }
    store_bind_int(q, 7, id);
    return store_run(q, e);
}

/* award_decide inside the caller's transaction; budget_override > 0 tries another yearly
 * envelope (for a 试算 that is rolled back). */
static enum status decide(struct store *s, const char *actor, int64_t application_id, int approve,
                          const char *note, int64_t budget_override, struct award_outcome *out,
                          struct err *e)
{
    enum status st = ST_OK;
    struct policy_pack *p = NULL;
    struct settle x = {.budget_override = budget_override};
    json_t *inputs = NULL;
    struct award_app a = {0};
    if ((st = award_application(s, application_id, &a, e)) != ST_OK)
        goto out;
    if (strcmp(a.status, "submitted")) {
        st = err_set(e, ST_CONFLICT, "status", "申请已%s，不能再审批 (already decided)",
                     !strcmp(a.status, "approved") ? "批准" : "驳回");
        goto out;
    }
    struct date on;
    date_parse_iso(a.applied_on, &on);
    if (approve) {
        /* Recompute now, in this transaction: the yearly total may have grown since. */
        struct policy_input in[INPUTS_MAX];
        inputs = json_loads(a.inputs, 0, NULL);
        size_t n = inputs ? inputs_from_json(inputs, in) : 0;
        int64_t pack_id;
        if ((st = load_pack(s, actor, a.pack_id, &p, &pack_id, e)) != ST_OK)
            goto out;
        int ci = policy_clause_index(p, a.clause);
        struct policy_limits lim;
        if (ci < 0) {
            st = err_set(e, ST_NOT_FOUND, "clause", "规则包中没有条款“%s”", a.clause);
            goto out;
        }
        if ((st = policy_clause_limits(p, (size_t)ci, &lim, e)) != ST_OK)
            goto out;
        if (lim.alloc == POLICY_ALLOC_PRO_RATA) {
            st = err_set(e, ST_CONFLICT, "clause",
                         "条款“%s”的年度预算按批次等比例分配，请在批次结束时统一审批（hqd award"
                         " close-batch %s %d）",
                         a.clause, a.clause, on.y);
            goto out;
        }
        char missing[800];
        if ((st = missing_evidence(s, p, ci, &a, missing, sizeof missing, e)) != ST_OK)
            goto out;
        if (missing[0]) {
            st = err_set(e, ST_UNPROCESSABLE, "evidence", "缺少证明材料：%s，不能批准", missing);
            goto out;
        }
        if ((st = settle(s, p, ci, a.entity_id, in, n, on, application_id, &x, e)) != ST_OK)
            goto out;
        fill_outcome(out, &x);
        if (!x.r.eligible || x.refusal[0]) {
            st = err_set(e, ST_UNPROCESSABLE, NULL, "%s，不能批准：%s",
                         x.r.eligible ? "无可兑付金额" : "不符合条件", out->explanation);
            goto out;
        }
        if (x.amount > 0) {
            struct buf pairs;
            buf_init(&pairs, 0);
            struct line l = {.app = application_id,
                             .entity = a.entity_id,
                             .amount = x.amount,
                             .cap_used = x.total,
                             .clause = a.clause,
                             .pack = policy_pack_hash(p),
                             .year = on.y,
                             .claimed = x.claimed,
                             .budget_used = x.used,
                             .budget_held = x.held,
                             .matter = x.matter,
                             .matter_prior = x.prior,
                             .applied_on = a.applied_on};
            if ((st = inputs_pairs(in, n, &pairs, e)) == ST_OK) {
                l.data = buf_str(&pairs);
                l.data_len = pairs.len;
                st = append_line(s, actor, &l, &out->payout_id, e);
            }
            buf_cleanup(&pairs);
            if (st != ST_OK)
                goto out;
        }
    }
    if ((st = mark_decided(s, actor, application_id, approve ? "approved" : "rejected", note,
                           approve ? x.amount : -1, out->explanation, e)) != ST_OK)
        goto out;
    char ids[32], after[160];
    snprintf(ids, sizeof ids, "%" PRId64, application_id);
    snprintf(after, sizeof after, "{\"status\":\"%s\",\"amount_fen\":%" PRId64 "}",
             approve ? "approved" : "rejected", approve ? x.amount : 0);
    st = audit_append(s, actor, approve ? "application.approve" : "application.reject",
                      "application", ids, NULL, after, e);
out:
    settle_cleanup(&x);
    policy_pack_free(p);
    json_decref(inputs);
    award_app_cleanup(&a);
    return st;
}

enum status award_decide(struct store *s, const char *actor, int64_t application_id, int approve,
                         const char *note, struct award_outcome *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    out->id = application_id;
    if (!approve && (!note || !note[0]))
        return err_set(e, ST_INVALID, "note", "驳回须写明理由 (a reason is required)");
    enum status st = store_begin(s, e);
    if (st != ST_OK)
        return st;
    st = decide(s, actor, application_id, approve, note, -1, out, e);
    if (st != ST_OK)
        store_rollback(s);
    else
        st = store_commit(s, e);
    return st;
}

/* The stored line with this id, decoded into l (strings in *scratch, which the caller frees);
 * *found is 0 if there is none. */
static enum status line_read(struct store *s, int64_t id, struct line *l, char **scratch,
                             int *found, struct err *e)
{
    struct store_stmt *q;
    *scratch = NULL;
    enum status st = store_prepare(s, "SELECT line FROM payouts WHERE id = ?", &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, id);
    if ((st = store_step(q, found, e)) == ST_OK && *found) {
        size_t n;
        const unsigned char *p = store_col_blob(q, 0, &n);
        *scratch = xmalloc(n + 8);
        if (!line_decode(p, n, l, *scratch))
            st = err_set(e, ST_DB, NULL, "账本第 %" PRId64 " 行无法解读", id);
    }
    store_finish(q);
    return st;
}

/* The inputs a line replays: parsed from its pairs (format 3, in place, so data must be
 * writable) or from the application's JSON (formats 1, 2; *json holds them until freed). */
static int line_inputs(struct line *l, struct policy_input in[INPUTS_MAX], json_t **json)
{
    *json = NULL;
    if (l->format >= 3)
        return pairs_parse((char *)l->data, l->data_len, in);
    *json = json_loads(l->data, 0, NULL);
    return json_is_object(*json) ? (int)inputs_from_json(*json, in) : -1;
}

enum status award_reverse(struct store *s, const char *actor, int64_t payout_id, const char *note,
                          int64_t *id, struct err *e)
{
    if (!note || !note[0])
        return err_set(e, ST_INVALID, "note", "追回须写明理由 (a reason is required)");
    enum status st = store_begin(s, e);
    if (st != ST_OK)
        return st;
    struct line l;
    char *scratch = NULL;
    json_t *json = NULL;
    struct buf pairs;
    buf_init(&pairs, 0);
    int found = 0;
    int64_t reversed = 0;
    if ((st = line_read(s, payout_id, &l, &scratch, &found, e)) != ST_OK)
        goto out;
    if (!found) {
        st = err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的兑付记录", payout_id);
        goto out;
    }
    struct store_stmt *q;
    if ((st = store_prepare(s, "SELECT count(*) FROM payouts WHERE reverses_id = ?", &q, e)) !=
        ST_OK)
        goto out;
    store_bind_int(q, 1, payout_id);
    if ((st = step_int(q, &reversed, e)) != ST_OK)
        goto out;
    if (l.reverses || reversed) {
        st = err_set(e, ST_CONFLICT, NULL,
                     l.reverses ? "这是一条追回记录，不能再追回"
                                : "该笔兑付已追回过 (already reversed)");
        goto out;
    }
    /* The reversal carries the reversed line's own inputs, date and matter. */
    struct policy_input in[INPUTS_MAX];
    int n = line_inputs(&l, in, &json);
    if (n < 0) {
        st = err_set(e, ST_DB, NULL, "账本第 %" PRId64 " 行的输入无法解读", payout_id);
        goto out;
    }
    if ((st = inputs_pairs(in, (size_t)n, &pairs, e)) != ST_OK)
        goto out;
    struct line r = {.app = l.app,
                     .entity = l.entity,
                     .amount = -l.amount,
                     .reverses = payout_id,
                     .clause = l.clause,
                     .pack = l.pack,
                     .year = l.year,
                     .matter = l.matter,
                     .applied_on = l.applied_on,
                     .data = buf_str(&pairs),
                     .data_len = pairs.len};
    if ((st = year_total(s, r.entity, r.clause, r.year, &r.cap_used, e)) != ST_OK ||
        (st = append_line(s, actor, &r, id, e)) != ST_OK)
        goto out;
    char ids[32], after[600];
    snprintf(ids, sizeof ids, "%" PRId64, *id);
    json_t *a = json_pack("{s:I, s:I, s:s}", "reverses", (json_int_t)payout_id, "amount_fen",
                          (json_int_t)r.amount, "note", note);
    char *as = json_dumps(a, JSON_COMPACT | JSON_SORT_KEYS);
    snprintf(after, sizeof after, "%s", as);
    free(as);
    json_decref(a);
    st = audit_append(s, actor, "payout.reverse", "payout", ids, NULL, after, e);
out:
    if (st != ST_OK)
        store_rollback(s);
    else
        st = store_commit(s, e);
    buf_cleanup(&pairs);
    json_decref(json);
    free(scratch);
    return st;
}

/* ---------------------------------------------------------------- pro-rata batches */

/* Largest-remainder (Hamilton) shares of avail among claims summing to demand > avail: each
 * gets floor(claim × avail / demand); the fen left over go one each to the largest fractional
 * parts, ties to the earlier application (lower index). */
static void hamilton(const int64_t *claim, size_t n, int64_t avail, int64_t demand, int64_t *share)
{
    int64_t given = 0;
    int64_t *rem = xcalloc(n ? n : 1, sizeof *rem);
    for (size_t i = 0; i < n; i++) {
        __int128 x = (__int128)claim[i] * avail;
        share[i] = (int64_t)(x / demand);
        rem[i] = (int64_t)(x % demand);
        given += share[i];
    }
    for (int64_t left = avail - given; left > 0; left--) {
        size_t best = n;
        for (size_t i = 0; i < n; i++)
            if (rem[i] >= 0 && (best == n || rem[i] > rem[best]))
                best = i;
        if (best == n)
            break;
        share[best]++;
        rem[best] = -1;
    }
    free(rem);
}

struct batch_item {
    const struct award_app *a;
    int64_t claimed, prior, cap_used;
    struct date on;
    char matter[160];
    char missing[400]; /* evidence not filed yet: the application stays pending */
    char explanation[2048];
    struct policy_result r;
};

/* Closes the batch, or with preview only works out the shares (budget_fen > 0: with that
 * envelope instead of the pack's) into out->shares and writes nothing. */
static enum status close_batch(struct store *s, const char *actor, const char *clause, int year,
                               int preview, int64_t budget_fen, struct award_batch *out,
                               struct err *e)
{
    memset(out, 0, sizeof *out);
    enum status st = store_begin(s, e);
    if (st != ST_OK)
        return st;
    struct policy_pack *p = NULL;
    struct batch_item *it = NULL;
    struct award_app *apps = NULL;
    int64_t *claims = NULL, *shares = NULL;
    size_t n = 0;
    int64_t pack_id = 0;
    struct policy_limits lim = {0};
    struct award_app_filter f = {.status = "submitted", .clause = clause, .year = year};
    if ((st = award_applications(s, &f, &apps, &n, e)) != ST_OK)
        goto out;
    /* The list is newest first; the batch goes in 受理 order. */
    it = xcalloc(n ? n : 1, sizeof *it);
    for (size_t i = 0; i < n && st == ST_OK; i++) {
        struct batch_item *b = &it[i];
        b->a = &apps[n - 1 - i];
        if (pack_id && b->a->pack_id != pack_id)
            st = err_set(e, ST_CONFLICT, "pack",
                         "本批申请由不同版本的规则包受理，不能按同一预算分配 (mixed packs)");
        pack_id = b->a->pack_id;
        b->on = (struct date){year, 12, 31};
        date_parse_iso(b->a->applied_on, &b->on);
    }
    if (st != ST_OK)
        goto out;
    if (n == 0) {
        st = err_set(e, ST_NOT_FOUND, NULL, "条款“%s” %d 年没有待审申请", clause, year);
        goto out;
    }
    if ((st = load_pack(s, actor, pack_id, &p, &pack_id, e)) != ST_OK)
        goto out;
    int ci = policy_clause_index(p, clause);
    if (ci < 0) {
        st = err_set(e, ST_NOT_FOUND, "clause", "规则包中没有条款“%s”", clause);
        goto out;
    }
    if ((st = policy_clause_limits(p, (size_t)ci, &lim, e)) != ST_OK)
        goto out;
    if (lim.alloc != POLICY_ALLOC_PRO_RATA) {
        st = err_set(e, ST_CONFLICT, "clause", "条款“%s”不按批次分配，请逐件审批", clause);
        goto out;
    }
    /* Claims in 受理 order; an entity's yearly cap and a matter's prior count the claims of
     * earlier applications in the batch (an upper bound of what they will be paid). */
    claims = xcalloc(n, sizeof *claims);
    shares = xcalloc(n, sizeof *shares);
    int64_t demand = 0;
    for (size_t i = 0; i < n; i++) {
        struct batch_item *b = &it[i];
        json_t *inputs = json_loads(b->a->inputs, 0, NULL);
        struct policy_input in[INPUTS_MAX];
        size_t k = inputs ? inputs_from_json(inputs, in) : 0;
        st = year_total(s, b->a->entity_id, clause, year, &b->cap_used, e);
        for (size_t j = 0; j < i && st == ST_OK; j++)
            if (it[j].a->entity_id == b->a->entity_id && it[j].r.eligible)
                b->cap_used += it[j].claimed;
        if (st == ST_OK)
            st = policy_calc(p, clause, in, k, b->on, b->cap_used, &b->r, e);
        if (st == ST_OK)
            st = missing_evidence(s, p, ci, b->a, b->missing, sizeof b->missing, e);
        if (st == ST_OK && b->missing[0])
            b->r.eligible = 0; /* not in this batch; approved in a later one once filed */
        if (st == ST_OK && lim.group) {
            const char *v = input_value(in, k, lim.key);
            snprintf(b->matter, sizeof b->matter, "%s:%s", lim.group, v ? v : "");
            st = matter_total(s, b->a->entity_id, b->matter, &b->prior, e);
            for (size_t j = 0; j < i && st == ST_OK; j++)
                if (it[j].a->entity_id == b->a->entity_id && !strcmp(it[j].matter, b->matter))
                    b->prior += it[j].claimed - it[j].prior > 0 ? it[j].claimed - it[j].prior : 0;
        }
        json_decref(inputs);
        if (st != ST_OK)
            goto out;
        b->claimed = b->r.amount_fen;
        claims[i] = b->r.eligible && b->claimed > b->prior ? b->claimed - b->prior : 0;
        if (!b->r.eligible)
            out->skipped++;
        demand += claims[i];
    }
    int64_t used;
    if ((st = budget_used(s, clause, year, &used, e)) != ST_OK)
        goto out;
    if (preview && budget_fen > 0)
        lim.budget_fen = budget_fen;
    int64_t avail = lim.budget_fen - used;
    if (avail <= 0 && !preview) {
        st = err_set(e, ST_UNPROCESSABLE, NULL, "%s %d 年已用完（已兑付 %" PRId64 " 分）",
                     lim.budget_label, year, used);
        goto out;
    }
    if (demand <= avail)
        memcpy(shares, claims, n * sizeof *shares);
    else if (avail > 0)
        hamilton(claims, n, avail, demand, shares);
    out->demand_fen = demand;
    out->avail_fen = avail;
    out->budget_fen = lim.budget_fen;
    out->used_fen = used;
    if (preview) {
        out->allocation = "pro-rata";
        out->shares = xcalloc(n, sizeof *out->shares);
        for (size_t i = 0; i < n; i++) {
            struct award_share *x = &out->shares[out->n_shares++];
            x->application_id = it[i].a->id;
            snprintf(x->uscc, sizeof x->uscc, "%s", it[i].a->uscc);
            snprintf(x->entity_name, sizeof x->entity_name, "%s", it[i].a->entity_name);
            x->eligible = it[i].r.eligible;
            if (it[i].missing[0])
                snprintf(x->note, sizeof x->note, "缺少证明材料：%s", it[i].missing);
            x->claim_fen = claims[i];
            x->share_fen = it[i].r.eligible ? shares[i] : 0;
            out->approved += x->eligible;
            out->paid_fen += x->share_fen;
        }
        goto out; /* and roll back: nothing was written */
    }
    int64_t batch = 0;
    char a1[32], a2[32], a3[32], a4[32];
    for (size_t i = 0; i < n; i++) {
        struct batch_item *b = &it[i];
        if (!b->r.eligible)
            continue; /* stays pending: the office rejects it with a reason */
        struct line l = {.app = b->a->id,
                         .entity = b->a->entity_id,
                         .amount = shares[i],
                         .cap_used = b->cap_used,
                         .clause = clause,
                         .pack = policy_pack_hash(p),
                         .year = year,
                         .claimed = b->claimed,
                         .budget_used = used,
                         .matter = b->matter,
                         .matter_prior = b->prior,
                         .batch = batch,
                         .applied_on = b->a->applied_on};
        int64_t line_id;
        if (batch == 0) {
            /* The batch is named by its first line's id, which is part of every line's hash. */
            struct store_stmt *m;
            if ((st = store_prepare(s, "SELECT coalesce(max(id), 0) + 1 FROM payouts", &m, e)) !=
                ST_OK)
                goto out;
            if ((st = step_int(m, &batch, e)) != ST_OK)
                goto out;
            l.batch = batch;
        }
        struct buf pairs;
        buf_init(&pairs, 0);
        if ((st = pairs_from_json(b->a->inputs, &pairs, e)) == ST_OK) {
            l.data = buf_str(&pairs);
            l.data_len = pairs.len;
            st = append_line(s, actor, &l, &line_id, e);
        }
        buf_cleanup(&pairs);
        if (st != ST_OK)
            goto out;
        snprintf(b->explanation, sizeof b->explanation,
                 "%s%s %s元，%d 年已兑付 %s元；本批 %zu 件申请合计 %s元，%s，本件 %s元。",
                 b->r.explanation, lim.budget_label, money_format(lim.budget_fen, a1, sizeof a1),
                 year, money_format(used, a2, sizeof a2), n - out->skipped,
                 money_format(demand, a3, sizeof a3),
                 demand <= avail ? "未超过预算余额，全额兑付"
                                 : "超过预算余额，按比例核减（余数分按小数部分大小逐分分配）",
                 money_format(shares[i], a4, sizeof a4));
        if ((st = mark_decided(s, actor, b->a->id, "approved", "批次等比例分配", shares[i],
                               b->explanation, e)) != ST_OK)
            goto out;
        out->approved++;
        out->paid_fen += shares[i];
    }
    out->batch = batch;
    char after[300];
    snprintf(
        after, sizeof after,
        "{\"clause\":\"%s\",\"year\":%d,\"approved\":%zu,\"skipped\":%zu,\"demand_fen\":%" PRId64
        ",\"avail_fen\":%" PRId64 ",\"paid_fen\":%" PRId64 "}",
        clause, year, out->approved, out->skipped, demand, avail, out->paid_fen);
    char ids[32];
    snprintf(ids, sizeof ids, "%" PRId64, batch);
    st = audit_append(s, actor, "award.batch", "payout_batch", ids, NULL, after, e);
out:
    if (st != ST_OK || preview)
        store_rollback(s);
    else
        st = store_commit(s, e);
    if (st != ST_OK)
        award_batch_cleanup(out);
    for (size_t i = 0; i < n && it; i++)
        policy_result_cleanup(&it[i].r);
    free(it);
    award_apps_free(apps, n);
    free(claims);
    free(shares);
    policy_pack_free(p);
    return st;
}

enum status award_close_batch(struct store *s, const char *actor, const char *clause, int year,
                              struct award_batch *out, struct err *e)
{
    return close_batch(s, actor, clause, year, 0, -1, out, e);
}

/* 试算 for a first-come-first-served clause: every pending application approved in 受理 order
 * by the approval's own code, in a transaction that is rolled back. */
static enum status fcfs_preview(struct store *s, const char *clause, int year, int64_t budget_fen,
                                const struct policy_limits *lim, struct award_app *apps, size_t n,
                                struct award_batch *out, struct err *e)
{
    enum status st = store_begin(s, e);
    if (st != ST_OK)
        return st;
    out->allocation = "fcfs";
    out->budget_fen = budget_fen > 0 ? budget_fen : lim->budget_fen;
    if ((st = budget_used(s, clause, year, &out->used_fen, e)) != ST_OK)
        goto out;
    out->avail_fen = out->budget_fen - out->used_fen;
    out->shares = xcalloc(n ? n : 1, sizeof *out->shares);
    for (size_t i = n; i-- > 0 && st == ST_OK;) { /* the list is newest first */
        const struct award_app *a = &apps[i];
        struct award_share *x = &out->shares[out->n_shares++];
        x->application_id = a->id;
        snprintf(x->uscc, sizeof x->uscc, "%s", a->uscc);
        snprintf(x->entity_name, sizeof x->entity_name, "%s", a->entity_name);
        x->claim_fen = a->amount_fen;
        out->demand_fen += a->amount_fen;
        struct award_outcome o = {0};
        struct err de = {0};
        enum status ds = decide(s, "preview", a->id, 1, NULL, budget_fen, &o, &de);
        if (ds == ST_OK) {
            x->eligible = 1;
            x->share_fen = o.amount_fen;
            out->approved++;
            out->paid_fen += o.amount_fen;
        } else if (ds == ST_UNPROCESSABLE || ds == ST_CONFLICT) {
            snprintf(x->note, sizeof x->note, "%.400s",
                     de.msg); /* refused: it would stay pending */
            out->skipped++;
        } else {
            *e = de;
            st = ds;
        }
    }
out:
    store_rollback(s); /* a 试算 writes nothing */
    if (st != ST_OK)
        award_batch_cleanup(out);
    return st;
}

enum status award_batch_preview(struct store *s, const char *clause, int year, int64_t budget_fen,
                                struct award_batch *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    struct award_app *apps = NULL;
    size_t n = 0;
    struct policy_pack *p = NULL;
    int64_t pack_id;
    struct policy_limits lim = {0};
    struct award_app_filter f = {.status = "submitted", .clause = clause, .year = year};
    if (budget_fen == 0)
        return err_set(e, ST_INVALID, "budget", "试算的年度预算应大于 0");
    enum status st = award_applications(s, &f, &apps, &n, e);
    if (st != ST_OK)
        return st;
    if (n == 0)
        st = err_set(e, ST_NOT_FOUND, NULL, "条款“%s” %d 年没有待审申请", clause, year);
    else if ((st = load_pack(s, "preview", apps[n - 1].pack_id, &p, &pack_id, e)) == ST_OK) {
        int ci = policy_clause_index(p, clause);
        if (ci < 0)
            st = err_set(e, ST_NOT_FOUND, "clause", "规则包中没有条款“%s”", clause);
        else
            st = policy_clause_limits(p, (size_t)ci, &lim, e);
    }
    if (st == ST_OK && lim.alloc == POLICY_ALLOC_NONE)
        st =
            err_set(e, ST_CONFLICT, "clause", "条款“%s”没有年度预算，无需试算，请逐件审批", clause);
    if (st == ST_OK)
        st = lim.alloc == POLICY_ALLOC_FCFS
                 ? fcfs_preview(s, clause, year, budget_fen, &lim, apps, n, out, e)
                 : close_batch(s, "preview", clause, year, 1, budget_fen, out, e);
    policy_pack_free(p);
    award_apps_free(apps, n);
    return st;
}

json_t *award_batch_json(const struct award_batch *b)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < b->n_shares; i++) {
        const struct award_share *x = &b->shares[i];
        json_array_append_new(arr,
                              json_pack("{s:I, s:s, s:s, s:b, s:I, s:I, s:s}", "application_id",
                                        (json_int_t)x->application_id, "uscc", x->uscc,
                                        "entity_name", x->entity_name, "eligible", x->eligible,
                                        "claim_fen", (json_int_t)x->claim_fen, "share_fen",
                                        (json_int_t)x->share_fen, "note", x->note));
    }
    return json_pack("{s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "allocation",
                     b->allocation ? b->allocation : "", "budget_fen", (json_int_t)b->budget_fen,
                     "used_fen", (json_int_t)b->used_fen, "demand_fen", (json_int_t)b->demand_fen,
                     "avail_fen", (json_int_t)b->avail_fen, "paid_fen", (json_int_t)b->paid_fen,
                     "approved", (json_int_t)b->approved, "skipped", (json_int_t)b->skipped,
                     "shares", arr);
}

void award_batch_cleanup(struct award_batch *b)
{
    free(b->shares);
    b->shares = NULL;
    b->n_shares = 0;
}

/* ---------------------------------------------------------------- budget execution */

static struct award_budget *budget_row(struct award_budget **v, size_t *n, const char *clause)
{
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*v)[i].clause, clause))
            return &(*v)[i];
    *v = xrealloc(*v, (*n + 1) * sizeof **v);
    struct award_budget *b = &(*v)[(*n)++];
    memset(b, 0, sizeof *b);
    snprintf(b->clause, sizeof b->clause, "%s", clause);
    snprintf(b->title, sizeof b->title, "%s", clause);
    b->allocation = "";
    return b;
}

enum status award_budget_year(struct store *s, int year, struct award_budget **out, size_t *n,
                              struct err *e)
{
    *out = NULL;
    *n = 0;
    struct policy_pack *p = NULL;
    struct store_stmt *q = NULL;
    struct award_budget *v = NULL;
    size_t nv = 0;
    enum status st = award_pack_current(s, &p, e);
    if (st != ST_OK)
        return st;
    for (size_t i = 0; i < policy_pack_clauses(p); i++) {
        struct award_budget *b = budget_row(&v, &nv, policy_clause_id(p, i));
        snprintf(b->title, sizeof b->title, "%s", policy_clause_title(p, i));
        struct policy_limits lim;
        struct err le = {0};
        if (policy_clause_limits(p, i, &lim, &le) != ST_OK) {
            snprintf(b->note, sizeof b->note, "%s", le.msg);
        } else if (lim.alloc != POLICY_ALLOC_NONE) {
            b->budget_fen = lim.budget_fen;
            b->allocation = lim.alloc == POLICY_ALLOC_FCFS ? "fcfs" : "pro-rata";
        }
    }
    if ((st = store_prepare(s,
                            "SELECT clause, coalesce(sum(amount_fen), 0),"
                            " coalesce(sum(CASE WHEN reverses_id IS NULL THEN 0"
                            " ELSE -amount_fen END), 0),"
                            " count(*) FILTER (WHERE reverses_id IS NULL),"
                            " count(*) FILTER (WHERE reverses_id IS NOT NULL),"
                            " count(DISTINCT entity_id) FROM payouts WHERE year = ?"
                            " GROUP BY clause ORDER BY clause",
                            &q, e)) != ST_OK)
        goto out;
    store_bind_int(q, 1, year);
    int row;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        struct award_budget *b = budget_row(&v, &nv, store_col_text(q, 0));
        b->paid_fen = store_col_int(q, 1);
        b->recovered_fen = store_col_int(q, 2);
        b->payouts = (size_t)store_col_int(q, 3);
        b->reversals = (size_t)store_col_int(q, 4);
        b->entities = (size_t)store_col_int(q, 5);
    }
    store_finish(q);
    if (st != ST_OK ||
        (st = store_prepare(s,
                            "SELECT clause, count(*), coalesce(sum(amount_fen), 0) FROM"
                            " applications WHERE year = ? AND status = 'submitted'"
                            " GROUP BY clause ORDER BY clause",
                            &q, e)) != ST_OK)
        goto out;
    store_bind_int(q, 1, year);
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        struct award_budget *b = budget_row(&v, &nv, store_col_text(q, 0));
        b->pending = (size_t)store_col_int(q, 1);
        b->pending_fen = store_col_int(q, 2);
    }
    store_finish(q);
    if (st != ST_OK)
        goto out;
    for (size_t i = 0; i < nv; i++)
        if (v[i].budget_fen)
            v[i].remaining_fen = v[i].budget_fen - v[i].paid_fen -
                                 (!strcmp(v[i].allocation, "fcfs") ? v[i].pending_fen : 0);
    *out = v;
    *n = nv;
    v = NULL;
out:
    free(v);
    policy_pack_free(p);
    return st;
}

json_t *award_budget_json(int year, const struct award_budget *v, size_t n)
{
    json_t *arr = json_array();
    int64_t paid = 0, pending = 0;
    for (size_t i = 0; i < n; i++) {
        const struct award_budget *b = &v[i];
        json_t *envelope = b->budget_fen ? json_integer(b->budget_fen) : json_null();
        json_t *left = b->budget_fen ? json_integer(b->remaining_fen) : json_null();
        json_array_append_new(
            arr,
            json_pack("{s:s, s:s, s:o, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:s}", "clause",
                      b->clause, "title", b->title, "budget_fen", envelope, "allocation",
                      b->allocation, "paid_fen", (json_int_t)b->paid_fen, "recovered_fen",
                      (json_int_t)b->recovered_fen, "payouts", (json_int_t)b->payouts, "reversals",
                      (json_int_t)b->reversals, "entities", (json_int_t)b->entities, "pending",
                      (json_int_t)b->pending, "pending_fen", (json_int_t)b->pending_fen,
                      "remaining_fen", left, "note", b->note));
        paid += b->paid_fen;
        pending += b->pending_fen;
    }
    return json_pack("{s:i, s:o, s:I, s:I}", "year", year, "clauses", arr, "paid_fen",
                     (json_int_t)paid, "pending_fen", (json_int_t)pending);
}

/* ---------------------------------------------------------------- comparing versions */

/* Stored pack id (0: the current one; -1: the one activated before it) as text and reference. */
static enum status stored_pack(struct store *s, int64_t id, char **text, struct award_pack_ref *ref,
                               struct err *e)
{
    struct store_stmt *q;
    *text = NULL;
    enum status st = store_prepare(
        s,
        id > 0
            ? "SELECT id, sha256, version, title, text FROM policy_packs WHERE id = ?"
            : "SELECT id, sha256, version, title, text FROM policy_packs ORDER BY activated DESC,"
              " id DESC LIMIT 1 OFFSET ?",
        &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, id > 0 ? id : -id);
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK && row) {
        ref->id = store_col_int(q, 0);
        snprintf(ref->sha256, sizeof ref->sha256, "%s", store_col_text(q, 1));
        snprintf(ref->version, sizeof ref->version, "%s", store_col_text(q, 2));
        snprintf(ref->title, sizeof ref->title, "%s", store_col_text(q, 3));
        *text = store_col_dup(q, 4);
    }
    store_finish(q);
    if (st == ST_OK && !*text)
        st = id > 0 ? err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的规则包版本", id)
             : id < 0 ? err_set(e, ST_NOT_FOUND, NULL,
                                "没有可比较的上一版本（规则包只有一个版本，或尚未存入）")
                      : err_set(e, ST_NOT_FOUND, NULL, "还没有存入规则包");
    return st;
}

/* What each clause of p would pay over the registry on on (nothing received yet). */
static void pack_impact(const struct policy_pack *p, const struct entity *v, size_t n,
                        struct date on, size_t *pairs, int64_t *total)
{
    size_t nc = policy_pack_clauses(p);
    struct policy_match *m = xcalloc(nc ? nc : 1, sizeof *m);
    for (size_t i = 0; i < n; i++) {
        struct policy_input in[FACTS_MAX];
        size_t k = facts_of(&v[i], in, NULL);
        struct err ignored = {0};
        if (policy_match_one(p, v[i].kind, in, k, NULL, on, NULL, m, &ignored) != ST_OK)
            continue;
        for (size_t c = 0; c < nc; c++)
            if (m[c].applies && m[c].r.eligible) {
                pairs[c]++;
                total[c] += m[c].r.amount_fen;
            }
        policy_matches_cleanup(m, nc);
    }
    free(m);
}

static void pack_ref_of(const struct policy_pack *p, struct award_pack_ref *ref)
{
    ref->id = 0;
    snprintf(ref->sha256, sizeof ref->sha256, "%s", policy_pack_hash(p));
    snprintf(ref->version, sizeof ref->version, "%s", policy_pack_version(p));
    snprintf(ref->title, sizeof ref->title, "%s", policy_pack_title(p));
}

enum status award_pack_diff(struct store *s, int64_t from_id, int64_t to_id, const char *from_text,
                            const char *to_text, const char *from_name, const char *to_name,
                            struct date on, struct award_diff *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    char *a = NULL, *b = NULL;
    struct policy_pack *pa = NULL, *pb = NULL;
    struct policy_clause_diff *d = NULL;
    struct entity *v = NULL;
    size_t nd = 0, nv = 0;
    enum status st = ST_OK;
    if (from_text)
        a = xstrdup(from_text);
    else
        st = stored_pack(s, from_id ? from_id : -1, &a, &out->from, e);
    if (st == ST_OK && to_text)
        b = xstrdup(to_text);
    else if (st == ST_OK)
        st = stored_pack(s, to_id, &b, &out->to, e);
    char an[200], bn[200];
    if (from_text)
        snprintf(an, sizeof an, "%s", from_name ? from_name : "旧版本");
    else
        snprintf(an, sizeof an, "规则包第 %" PRId64 " 版", out->from.id);
    if (to_text)
        snprintf(bn, sizeof bn, "%s", to_name ? to_name : "新版本");
    else
        snprintf(bn, sizeof bn, "规则包第 %" PRId64 " 版", out->to.id);
    if (st != ST_OK ||
        (st = policy_pack_diff(a, strlen(a), an, b, strlen(b), bn, &d, &nd, e)) != ST_OK ||
        (st = policy_pack_load(a, strlen(a), an, &pa, e)) != ST_OK ||
        (st = policy_pack_load(b, strlen(b), bn, &pb, e)) != ST_OK ||
        (st = entity_list(s, &v, &nv, e)) != ST_OK)
        goto out;
    if (from_text)
        pack_ref_of(pa, &out->from);
    if (to_text)
        pack_ref_of(pb, &out->to);
    size_t na = policy_pack_clauses(pa), nb = policy_pack_clauses(pb);
    size_t *pairs_a = xcalloc(na + 1, sizeof *pairs_a), *pairs_b = xcalloc(nb + 1, sizeof *pairs_b);
    int64_t *tot_a = xcalloc(na + 1, sizeof *tot_a), *tot_b = xcalloc(nb + 1, sizeof *tot_b);
    pack_impact(pa, v, nv, on, pairs_a, tot_a);
    pack_impact(pb, v, nv, on, pairs_b, tot_b);
    out->rows = xcalloc(nd ? nd : 1, sizeof *out->rows);
    for (size_t i = 0; i < nd; i++) {
        static const char *const changes[] = {"same", "added", "removed", "changed"};
        struct award_diff_row *r = &out->rows[out->n++];
        snprintf(r->clause, sizeof r->clause, "%s", d[i].id);
        snprintf(r->title, sizeof r->title, "%s", d[i].title);
        r->change = changes[d[i].change];
        r->lines = d[i].lines;
        d[i].lines = NULL; /* moved */
        int ia = policy_clause_index(pa, r->clause), ib = policy_clause_index(pb, r->clause);
        if (ia >= 0) {
            r->old_pairs = pairs_a[ia];
            r->old_total_fen = tot_a[ia];
        }
        if (ib >= 0) {
            r->new_pairs = pairs_b[ib];
            r->new_total_fen = tot_b[ib];
        }
    }
    free(pairs_a);
    free(pairs_b);
    free(tot_a);
    free(tot_b);
out:
    policy_diffs_free(d, nd);
    entities_free(v, nv);
    policy_pack_free(pa);
    policy_pack_free(pb);
    free(a);
    free(b);
    if (st != ST_OK)
        award_diff_cleanup(out);
    return st;
}

void award_diff_cleanup(struct award_diff *d)
{
    for (size_t i = 0; d->rows && i < d->n; i++)
        free(d->rows[i].lines);
    free(d->rows);
    d->rows = NULL;
    d->n = 0;
}

static json_t *pack_ref_json(const struct award_pack_ref *r)
{
    return json_pack("{s:o, s:s, s:s, s:s}", "id", r->id ? json_integer(r->id) : json_null(),
                     "sha256", r->sha256, "version", r->version, "title", r->title);
}

json_t *award_diff_json(const struct award_diff *d)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < d->n; i++) {
        const struct award_diff_row *r = &d->rows[i];
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:s, s:s, s:{s:I, s:I}, s:{s:I, s:I}}", "clause", r->clause,
                           "title", r->title, "change", r->change, "lines",
                           r->lines ? r->lines : "", "old", "pairs", (json_int_t)r->old_pairs,
                           "total_fen", (json_int_t)r->old_total_fen, "new", "pairs",
                           (json_int_t)r->new_pairs, "total_fen", (json_int_t)r->new_total_fen));
    }
    return json_pack("{s:o, s:o, s:o}", "from", pack_ref_json(&d->from), "to",
                     pack_ref_json(&d->to), "clauses", arr);
}

/* ---------------------------------------------------------------- verification */

/* Running sums keyed by (entity, year, name): an entity's yearly total under a clause, a
 * clause's yearly budget use (entity 0), a matter's total (year 0); open addressing, with the
 * names kept once each in one buffer so that a slot stays small. */
struct totals {
    struct slot {
        int64_t entity, sum;
        uint64_t hash;
        size_t off; /* of the name in names */
        uint32_t len;
        int32_t year;
        int used;
    } * v;
    size_t cap, n;
    char *names;
    size_t names_len, names_cap;
};

/* A key of the running sums, hashed once: the verifier hashes it, asks for its slot to be
 * loaded into the cache, hashes the line, and only then looks the slot up. */
struct key {
    int64_t entity;
    int year;
    const char *name;
    size_t len;
    uint64_t hash;
};

static struct key totals_key(int64_t entity, int year, const char *name)
{
    struct key k = {.entity = entity, .year = year, .name = name, .len = strlen(name)};
    uint64_t h = (uint64_t)entity * 0x9E3779B97F4A7C15ull ^ (uint64_t)year * 0xBF58476D1CE4E5B9ull;
    for (size_t i = 0; i < k.len; i++)
        h = (h ^ (unsigned char)name[i]) * 0x100000001B3ull;
    k.hash = h ^ (h >> 29);
    return k;
}

/* With hundreds of thousands of matters the table is far larger than the cache; started early,
 * the load overlaps the line's hashing instead of stalling the lookup. */
static void totals_prefetch(const struct totals *t, const struct key *k)
{
    if (!t->cap)
        return;
    const struct slot *v = &t->v[k->hash & (t->cap - 1)];
    __builtin_prefetch(v); /* a slot may straddle two cache lines */
    __builtin_prefetch(&v->used);
}

/* cap empty slots, written once: calloc'd pages first read are the shared zero page, and the
 * first write to each then costs a copy-on-write fault that, with the reading thread running,
 * interrupts the other core to flush its TLB. */
static struct slot *slots_new(size_t cap)
{
    struct slot *v = xmalloc(cap * sizeof *v);
    memset(v, 0, cap * sizeof *v);
    return v;
}

/* Room for n keys without growing (growing a table of a million matters copies it whole). */
static void totals_reserve(struct totals *t, size_t n)
{
    size_t cap = 1024;
    while (cap < 2 * n + 1)
        cap *= 2;
    if (t->cap >= cap)
        return;
    free(t->v);
    t->v = slots_new(cap);
    t->cap = cap;
    t->n = 0;
}

static struct slot *totals_at(struct totals *t, const struct key *k)
{
    if (t->n * 2 >= t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 1024;
        struct slot *v = slots_new(cap);
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->v[i].used)
                continue;
            size_t j = t->v[i].hash & (cap - 1);
            while (v[j].used)
                j = (j + 1) & (cap - 1);
            v[j] = t->v[i];
        }
        free(t->v);
        t->v = v;
        t->cap = cap;
    }
    size_t i = k->hash & (t->cap - 1);
    while (t->v[i].used && !(t->v[i].hash == k->hash && t->v[i].entity == k->entity &&
                             t->v[i].year == k->year && t->v[i].len == k->len &&
                             (!k->len || !memcmp(t->names + t->v[i].off, k->name, k->len))))
        i = (i + 1) & (t->cap - 1);
    if (!t->v[i].used) {
        if (t->names_len + k->len > t->names_cap) {
            t->names_cap = (t->names_cap + k->len) * 2;
            t->names = xrealloc(t->names, t->names_cap);
        }
        memcpy(t->names + t->names_len, k->name, k->len);
        t->v[i] = (struct slot){.entity = k->entity,
                                .hash = k->hash,
                                .off = t->names_len,
                                .len = (uint32_t)k->len,
                                .year = k->year,
                                .used = 1};
        t->names_len += k->len;
        t->n++;
    }
    return &t->v[i];
}

static void totals_free(struct totals *t)
{
    free(t->v);
    free(t->names);
}

/* What a clause of a pack version allows, worked out once per verification. */
struct clause_ctx {
    const struct policy_pack *p;
    int clause; /* verifier_clause's number */
    int ci;     /* in the pack, or -1 */
    struct policy_limits lim;
    char problem[360]; /* "" if the clause can be approved */
};

struct verifier {
    struct totals year, budget, matter;
    struct clause_ctx *ctx;
    size_t n_ctx;
    /* the clause names met, so that yearly sums are keyed by number (no name to compare) */
    char **clauses;
    size_t n_clauses;
    struct verifier_pack {
        char sha[HASH_HEX_LEN + 1];
        struct policy_pack *p; /* NULL: stored, but its text does not load or hash to sha */
    } * packs;
    size_t n_packs;
    unsigned char *reversed; /* by line id: ids are dense, so a byte map serves */
    size_t reversed_cap;
    /* the open pro-rata batch */
    int64_t batch, batch_budget, batch_used;
    int64_t *claims, *amounts;
    size_t batch_n, batch_cap;
    int64_t batch_first;
};

/* The number of a clause name, given on first sight. */
static int verifier_clause(struct verifier *v, const char *name)
{
    for (size_t i = 0; i < v->n_clauses; i++)
        if (!strcmp(v->clauses[i], name))
            return (int)i;
    v->clauses = xrealloc(v->clauses, (v->n_clauses + 1) * sizeof *v->clauses);
    v->clauses[v->n_clauses] = xstrdup(name);
    return (int)v->n_clauses++;
}

/* Clause number clause of pack p: its index and limits, looked up once. */
static const struct clause_ctx *verifier_ctx(struct verifier *v, const struct policy_pack *p,
                                             int clause, const char *name)
{
    for (size_t i = 0; i < v->n_ctx; i++)
        if (v->ctx[i].p == p && v->ctx[i].clause == clause)
            return &v->ctx[i];
    v->ctx = xrealloc(v->ctx, (v->n_ctx + 1) * sizeof *v->ctx);
    struct clause_ctx *c = &v->ctx[v->n_ctx++];
    memset(c, 0, sizeof *c);
    c->p = p;
    c->clause = clause;
    c->ci = policy_clause_index(p, name);
    struct err ce = {0};
    if (c->ci < 0 || policy_clause_limits(p, (size_t)c->ci, &c->lim, &ce) != ST_OK)
        snprintf(c->problem, sizeof c->problem, "条款 %s 无法审批：%.300s", name, ce.msg);
    return c;
}

/* Parses every stored pack version once, before the lines are read (the reading thread owns
 * the connection meanwhile). A pack counts only if its text hashes to the SHA-256 it is
 * stored under: lines name their rules by that hash. */
static enum status verifier_packs_load(struct store *s, struct verifier *v, struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s, "SELECT sha256, text FROM policy_packs ORDER BY id", &q, e);
    if (st != ST_OK)
        return st;
    int row;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        struct verifier_pack *vp = NULL;
        v->packs = xrealloc(v->packs, (v->n_packs + 1) * sizeof *v->packs);
        vp = &v->packs[v->n_packs++];
        snprintf(vp->sha, sizeof vp->sha, "%s", store_col_text(q, 0));
        const char *text = store_col_text(q, 1);
        struct err ignored = {0};
        vp->p = NULL;
        if (policy_pack_load(text, strlen(text), "stored pack", &vp->p, &ignored) == ST_OK &&
            strcmp(policy_pack_hash(vp->p), vp->sha)) {
            policy_pack_free(vp->p);
            vp->p = NULL;
        }
    }
    store_finish(q);
    return st;
}

/* The pack with this SHA-256, or NULL. */
static struct policy_pack *verifier_pack(struct verifier *v, const char *sha)
{
    for (size_t i = 0; i < v->n_packs; i++)
        if (!strcmp(v->packs[i].sha, sha))
            return v->packs[i].p;
    return NULL;
}

/* Closes the open batch: its amounts must be the Hamilton shares of what was available. */
static int batch_check(struct verifier *v, struct award_verify *out)
{
    if (!v->batch)
        return 1;
    int64_t demand = 0, avail = v->batch_budget - v->batch_used;
    for (size_t i = 0; i < v->batch_n; i++)
        demand += v->claims[i];
    int64_t *want = xcalloc(v->batch_n ? v->batch_n : 1, sizeof *want);
    if (demand <= avail)
        memcpy(want, v->claims, v->batch_n * sizeof *want);
    else
        hamilton(v->claims, v->batch_n, avail, demand, want);
    int ok = 1;
    for (size_t i = 0; i < v->batch_n && ok; i++)
        if (want[i] != v->amounts[i]) {
            out->bad_line = v->batch_first + (int64_t)i;
            snprintf(out->problem, sizeof out->problem,
                     "批次 %" PRId64 " 按比例分配应为 %" PRId64 " 分，记录为 %" PRId64 " 分",
                     v->batch, want[i], v->amounts[i]);
            ok = 0;
        }
    free(want);
    v->batch = 0;
    v->batch_n = 0;
    return ok;
}

/* Replays one award line; returns 0 and fills out->problem if it does not hold. */
static int replay_award(struct verifier *v, struct line *l, int clause, int64_t id, struct slot *ys,
                        struct slot *bs, struct slot *ms, struct award_verify *out)
{
    if (l->format < 3) {
        /* The line names the application's inputs by their hash. */
        char isha[HASH_HEX_LEN + 1];
        hash_sha256_hex(l->data, l->data_len, isha);
        if (strcmp(isha, l->inputs)) {
            snprintf(out->problem, sizeof out->problem, "申请的输入已被改动（哈希不符）");
            return 0;
        }
    }
    struct policy_pack *p = verifier_pack(v, l->pack);
    if (!p) {
        snprintf(out->problem, sizeof out->problem, "找不到或无法读取规则包 %.12s…", l->pack);
        return 0;
    }
    const struct clause_ctx *cx = verifier_ctx(v, p, clause, l->clause);
    if (cx->problem[0]) {
        snprintf(out->problem, sizeof out->problem, "%s", cx->problem);
        return 0;
    }
    struct policy_limits lim = cx->lim;
    struct err ce = {0};
    int batched = l->batch != 0;
    if (l->format < 2 ? l->cap_used != ys->sum
                      : (batched ? l->cap_used < ys->sum : l->cap_used != ys->sum)) {
        snprintf(out->problem, sizeof out->problem,
                 "记录的本年度已兑付 %" PRId64 " 分与账本累计 %" PRId64 " 分不符", l->cap_used,
                 ys->sum);
        return 0;
    }
    json_t *inputs;
    struct policy_input in[INPUTS_MAX];
    int parsed = line_inputs(l, in, &inputs);
    size_t n = parsed > 0 ? (size_t)parsed : 0;
    struct date on;
    struct policy_result r;
    r.explanation = NULL; /* all that cleanup reads; calc sets the rest */
    int ok = 0;
    char matter[160] = "";
    if (lim.group) { /* "group:key", as settle writes it (no printf per line) */
        const char *mv = input_value(in, n, lim.key);
        size_t g = strnlen(lim.group, sizeof matter - 2), k = mv ? strlen(mv) : 0;
        if (k > sizeof matter - 2 - g)
            k = sizeof matter - 2 - g;
        memcpy(matter, lim.group, g);
        matter[g] = ':';
        memcpy(matter + g + 1, mv ? mv : "", k);
        matter[g + 1 + k] = '\0';
    }
    int64_t expect_claimed = l->format < 2 ? l->amount : l->claimed;
    if (parsed < 0)
        snprintf(out->problem, sizeof out->problem, "账本行的输入无法解读");
    else if (!date_parse_iso(l->applied_on, &on) ||
             policy_calc_amount(p, l->clause, in, n, on, l->cap_used, &r, &ce) != ST_OK)
        snprintf(out->problem, sizeof out->problem, "无法重算：%.300s", ce.msg);
    else if (!r.eligible || r.amount_fen != expect_claimed)
        snprintf(out->problem, sizeof out->problem,
                 "重算金额 %" PRId64 " 分与记录的 %" PRId64 " 分不符", r.amount_fen,
                 expect_claimed);
    else if (l->format < 2)
        ok = 1;
    else if (strcmp(matter, l->matter))
        snprintf(out->problem, sizeof out->problem, "记录的事项“%s”与申请输入不符", l->matter);
    else if (ms && (batched ? l->matter_prior < ms->sum : l->matter_prior != ms->sum))
        snprintf(out->problem, sizeof out->problem,
                 "记录的同一事项已兑付 %" PRId64 " 分与账本累计 %" PRId64 " 分不符",
                 l->matter_prior, ms->sum);
    else if (lim.alloc == POLICY_ALLOC_NONE) {
        ok = l->amount == l->claimed - l->matter_prior && l->amount > 0 && !batched;
        if (!ok)
            snprintf(out->problem, sizeof out->problem, "兑付金额与重算及就高不就低规则不符");
    } else if (lim.alloc == POLICY_ALLOC_FCFS) {
        int64_t claim = l->claimed - l->matter_prior;
        int64_t left = lim.budget_fen - l->budget_used - l->budget_held;
        ok = !batched && l->budget_used == bs->sum && l->budget_held >= 0 && l->amount > 0 &&
             l->amount == (claim < left ? claim : left);
        if (!ok)
            snprintf(out->problem, sizeof out->problem,
                     "先到先得的预算核减不符（预算 %" PRId64 "，已兑付 %" PRId64 "，记录 %" PRId64
                     "）",
                     lim.budget_fen, bs->sum, l->budget_used);
    } else if (!batched) {
        snprintf(out->problem, sizeof out->problem, "按比例分配的条款只能批次审批");
    } else {
        if (v->batch != l->batch) {
            if (!batch_check(v, out)) {
                out->bad_line = v->batch_first;
                goto done;
            }
            v->batch = l->batch;
            v->batch_first = id;
            v->batch_budget = lim.budget_fen;
            v->batch_used = bs->sum;
        }
        if (l->budget_used != v->batch_used || l->batch != v->batch_first) {
            snprintf(out->problem, sizeof out->problem, "批次的预算起点不符");
        } else {
            if (v->batch_n == v->batch_cap) {
                v->batch_cap = v->batch_cap ? v->batch_cap * 2 : 64;
                v->claims = xrealloc(v->claims, v->batch_cap * sizeof *v->claims);
                v->amounts = xrealloc(v->amounts, v->batch_cap * sizeof *v->amounts);
            }
            int64_t claim = l->claimed - l->matter_prior;
            v->claims[v->batch_n] = claim > 0 ? claim : 0;
            v->amounts[v->batch_n++] = l->amount;
            ok = 1;
        }
    }
done:
    policy_result_cleanup(&r);
    json_decref(inputs);
    if (ok && lim.alloc != POLICY_ALLOC_NONE && bs->sum + l->amount > lim.budget_fen) {
        snprintf(out->problem, sizeof out->problem, "%d 年预算超支", l->year);
        ok = 0;
    }
    return ok;
}

/* A reversal (追回) line must undo exactly one earlier award line: the same application, entity,
 * clause, pack, inputs, date, year and matter with the amount negated. The reversed line is read
 * back (reversals are rare; it is an earlier line, already verified); l's inputs are parsed in
 * place. Returns 0 and fills problem if it does not hold. */
static int reversal_matches(struct store *s, struct line *l, char *problem, size_t cap)
{
    struct err ignored = {0};
    struct line r;
    char *scratch = NULL;
    json_t *rj = NULL, *lj = NULL;
    int found = 0, ok = 0;
    struct policy_input rin[INPUTS_MAX], lin[INPUTS_MAX];
    if (line_read(s, l->reverses, &r, &scratch, &found, &ignored) != ST_OK) {
        snprintf(problem, cap, "无法读取被追回的兑付：%.300s", ignored.msg);
        goto out;
    }
    if (!found) {
        snprintf(problem, cap, "被追回的兑付 %" PRId64 " 不存在", l->reverses);
        goto out;
    }
    int rn = line_inputs(&r, rin, &rj), ln = line_inputs(l, lin, &lj);
    int same_inputs = rn >= 0 && rn == ln;
    for (int i = 0; same_inputs && i < rn; i++)
        same_inputs = !strcmp(rin[i].name, lin[i].name) && !strcmp(rin[i].value, lin[i].value);
    if (r.reverses)
        snprintf(problem, cap, "追回了一条追回记录");
    else if (r.amount != -l->amount)
        snprintf(problem, cap, "追回金额与被追回的兑付不符");
    else if (r.app != l->app || r.entity != l->entity || strcmp(r.clause, l->clause) ||
             strcmp(r.pack, l->pack) || r.year != l->year || strcmp(r.matter, l->matter) ||
             strcmp(r.applied_on, l->applied_on) || !same_inputs)
        snprintf(problem, cap, "追回记录的申请、主体、条款、输入、年度或事项与被追回的兑付不符");
    else
        ok = 1;
out:
    json_decref(rj);
    json_decref(lj);
    free(scratch);
    return ok;
}

/* ---------------------------------------------------------------- the verifier's reader
 *
 * Verification runs as two stages on two threads: a reader steps the ledger's rows, copies
 * them into chunks and checks each format-3 line's hash against the hash stored before it (the
 * chain's links are independent once the stored hashes are read); the caller's thread decodes
 * and replays the lines in order. While the reader runs it owns the connection: the packs are
 * parsed before, and reversals are compared with the lines they reverse after. */

#define CHUNK_LINES 1024
#define CHUNKS 4

struct chunk {
    size_t n;
    int64_t id[CHUNK_LINES];
    size_t off[CHUNK_LINES + 1]; /* line i is bytes[off[i] .. off[i + 1]) */
    /* 1: a format-3 line whose hash is right; 0: wrong; -1: an older format, or no line;
     * -2: a format-3 line the replaying thread hashes */
    signed char chained[CHUNK_LINES];
    char hash[CHUNK_LINES][HASH_HEX_LEN + 1]; /* as stored */
    char *bytes;
    size_t cap;
    /* the lines decoded by the reader (their strings in strs), decoded[i] 0 if line i is not
     * a line */
    struct line line[CHUNK_LINES];
    unsigned char decoded[CHUNK_LINES];
    char *strs;
    size_t strs_cap;
};

struct reader {
    struct store_stmt *q;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct chunk ring[CHUNKS];
    size_t filled, consumed; /* chunks handed over and given back, counted from the start */
    int done, stop;
    /* Of every eight format-3 lines, how many the reader hashes; the rest are left to the
     * replaying thread. Tuned as it goes so that neither thread waits for the other. */
    int share;
    enum status st;
    struct err e;
};

/* Fills c with up to CHUNK_LINES rows; *prev is the stored hash of the row before. */
static enum status chunk_fill(struct reader *r, struct chunk *c, char prev[HASH_HEX_LEN + 1],
                              int *end)
{
    c->n = 0;
    c->off[0] = 0;
    enum status st = ST_OK;
    int row;
    while (c->n < CHUNK_LINES && (st = store_step(r->q, &row, &r->e)) == ST_OK) {
        if (!row) {
            *end = 1;
            break;
        }
        size_t i = c->n, len = 0;
        const unsigned char *line = store_col_blob(r->q, 2, &len);
        const char *stored = store_col_text(r->q, 1);
        c->id[i] = store_col_int(r->q, 0);
        size_t hlen = stored ? strnlen(stored, HASH_HEX_LEN) : 0;
        memcpy(c->hash[i], stored ? stored : "", hlen);
        c->hash[i][hlen] = '\0';
        if (c->off[i] + len > c->cap) {
            c->cap = (c->off[i] + len) * 2;
            c->bytes = xrealloc(c->bytes, c->cap);
        }
        if (len)
            memcpy(c->bytes + c->off[i], line, len);
        c->off[i + 1] = c->off[i] + len;
        c->chained[i] = -1;
        if (line && len > 0 && line[0] == '0' + LINE_FORMAT && (int)(i & 7) >= r->share) {
            c->chained[i] = -2;
        } else if (line && len > 0 && line[0] == '0' + LINE_FORMAT) {
            char hash[HASH_HEX_LEN + 1];
            line_hash_bytes(prev, line, len, hash);
            c->chained[i] = !strcmp(hash, c->hash[i]);
        }
        memcpy(prev, c->hash[i], HASH_HEX_LEN + 1);
        c->n++;
    }
    /* Decoded once the chunk is read, when the room the strings need is known. */
    size_t need = c->off[c->n] + 8 * c->n + 1;
    if (need > c->strs_cap) {
        c->strs_cap = need * 2;
        c->strs = xrealloc(c->strs, c->strs_cap);
    }
    for (size_t i = 0; i < c->n; i++)
        c->decoded[i] = (unsigned char)line_decode((const unsigned char *)c->bytes + c->off[i],
                                                   c->off[i + 1] - c->off[i], &c->line[i],
                                                   c->strs + c->off[i] + 8 * i);
    return st;
}

static void *reader_run(void *arg)
{
    struct reader *r = arg;
    char prev[HASH_HEX_LEN + 1];
    snprintf(prev, sizeof prev, "%s", GENESIS);
    int end = 0;
    enum status st = ST_OK;
    for (size_t k = 0; !end && st == ST_OK; k++) {
        pthread_mutex_lock(&r->mu);
        while (!r->stop && k - r->consumed == CHUNKS)
            pthread_cond_wait(&r->cv, &r->mu);
        int stop = r->stop;
        pthread_mutex_unlock(&r->mu);
        if (stop)
            break;
        st = chunk_fill(r, &r->ring[k % CHUNKS], prev, &end);
        pthread_mutex_lock(&r->mu);
        if (st == ST_OK)
            r->filled = k + 1;
        /* Chunks handed over and not yet given back: one (or none) means the replaying thread
         * keeps up and can hash more; three or more that it falls behind. */
        size_t queued = r->filled - r->consumed;
        if (queued <= 1 && r->share > 0)
            r->share--;
        else if (queued >= 3 && r->share < 8)
            r->share++;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
    }
    pthread_mutex_lock(&r->mu);
    r->st = st;
    r->done = 1;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* The next filled chunk, or NULL once the reader is done (r->st says how). */
static struct chunk *reader_next(struct reader *r)
{
    pthread_mutex_lock(&r->mu);
    while (r->filled == r->consumed && !r->done)
        pthread_cond_wait(&r->cv, &r->mu);
    struct chunk *c = r->filled > r->consumed ? &r->ring[r->consumed % CHUNKS] : NULL;
    pthread_mutex_unlock(&r->mu);
    return c;
}

static void reader_release(struct reader *r, int stop)
{
    pthread_mutex_lock(&r->mu);
    if (stop)
        r->stop = 1;
    else
        r->consumed++;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* A reversal whose comparison with the reversed line waits until the reader is done. */
struct deferred {
    int64_t id;
    size_t off, len; /* of the line in the deferred bytes */
    size_t lines;    /* sound lines before it, and their total */
    int64_t total_fen;
};

/* Checks one line against the running sums; returns 0 and fills out->problem if it does not
 * hold, setting *unchained if its number or hash is wrong. prev is the stored hash of the line
 * before. */
static int verify_line(struct verifier *v, struct line *l, int64_t id, int chained,
                       const char *stored, const char *prev, int64_t expect_id, int *unchained,
                       struct award_verify *out)
{
    int clause = verifier_clause(v, l->clause);
    int year_clause = l->year * 65536 + clause; /* years < 10,000 */
    struct key yk = totals_key(l->entity, year_clause, "");
    struct key bk = totals_key(0, year_clause, "");
    struct key mk = totals_key(l->entity, 0, l->matter);
    totals_prefetch(&v->year, &yk);
    totals_prefetch(&v->matter, &mk);
    if (chained < 0) {
        char hash[HASH_HEX_LEN + 1];
        line_hash_fields(prev, l, hash);
        chained = l->format < LINE_FORMAT && !strcmp(hash, stored);
    }
    /* The running sums this line is checked against and adds to; looked up once (the tables
     * do not grow until the next line's lookups). */
    struct slot *ys = totals_at(&v->year, &yk);
    struct slot *bs = totals_at(&v->budget, &bk);
    struct slot *ms = l->matter[0] ? totals_at(&v->matter, &mk) : NULL;
    if (v->batch && l->batch != v->batch && !batch_check(v, out))
        return 0;
    out->bad_line = id;
    int ok = 0;
    *unchained = id != expect_id || l->id != id || !chained;
    if (id != expect_id || l->id != id) {
        snprintf(out->problem, sizeof out->problem, "编号不连续：期望 %" PRId64, expect_id);
    } else if (!chained) {
        snprintf(out->problem, sizeof out->problem, "哈希链断裂：该行内容或前一行已被改动");
    } else if (l->reverses) {
        size_t r = (size_t)l->reverses;
        if (l->reverses >= id)
            snprintf(out->problem, sizeof out->problem, "追回记录早于被追回的兑付");
        else if (r < v->reversed_cap && v->reversed[r])
            snprintf(out->problem, sizeof out->problem, "同一笔兑付被追回两次");
        else if (l->cap_used != ys->sum)
            snprintf(out->problem, sizeof out->problem,
                     "记录的本年度已兑付 %" PRId64 " 分与账本累计 %" PRId64 " 分不符", l->cap_used,
                     ys->sum);
        else {
            if (r >= v->reversed_cap) {
                size_t nc = (r + 1) * 2;
                v->reversed = xrealloc(v->reversed, nc);
                memset(v->reversed + v->reversed_cap, 0, nc - v->reversed_cap);
                v->reversed_cap = nc;
            }
            v->reversed[r] = 1;
            ok = 1;
        }
    } else {
        ok = replay_award(v, l, clause, id, ys, bs, ms, out);
    }
    if (!ok)
        return 0;
    out->bad_line = 0;
    ys->sum += l->amount;
    bs->sum += l->amount;
    if (ms)
        ms->sum += l->amount;
    out->total_fen += l->amount;
    out->lines++;
    return 1;
}

enum status award_ledger_verify(struct store *s, struct award_verify *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    struct verifier v;
    memset(&v, 0, sizeof v);
    struct reader *r = xcalloc(1, sizeof *r); /* its chunks are too large for a stack */
    r->share = 8;
    struct deferred *later = NULL;
    size_t n_later = 0;
    struct buf later_bytes;
    buf_init(&later_bytes, 0);
    char *scratch = NULL;
    size_t scratch_cap = 0;
    int started = 0;
    /* One snapshot for the packs, the lines and the reversed lines read back. */
    enum status st = store_snapshot_begin(s, e);
    if (st != ST_OK)
        goto out;
    st = verifier_packs_load(s, &v, e);
    if (st == ST_OK) {
        /* as many matters as lines at most: room for half of them */
        struct store_stmt *q;
        int64_t last = 0;
        if ((st = store_prepare(s, "SELECT coalesce(max(id), 0) FROM payouts", &q, e)) == ST_OK &&
            (st = step_int(q, &last, e)) == ST_OK)
            totals_reserve(&v.matter, (size_t)last / 2);
    }
    if (st != ST_OK || (st = store_prepare(s, "SELECT id, hash, line FROM payouts ORDER BY id",
                                           &r->q, e)) != ST_OK)
        goto out;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    pthread_t reader;
    if (pthread_create(&reader, NULL, reader_run, r)) {
        st = err_set(e, ST_IO, NULL, "无法启动校验线程");
        goto out;
    }
    started = 1;
    char prev[HASH_HEX_LEN + 1];
    snprintf(prev, sizeof prev, "%s", GENESIS);
    int64_t expect_id = 1;
    struct chunk *c;
    int stopped = 0;
    while (!stopped && (c = reader_next(r))) {
        for (size_t i = 0; i < c->n && !stopped; i++) {
            size_t n = c->off[i + 1] - c->off[i];
            const unsigned char *bytes = (const unsigned char *)c->bytes + c->off[i];
            struct line l = c->line[i];
            if (!c->decoded[i]) {
                out->bad_line = c->id[i];
                snprintf(out->problem, sizeof out->problem, "该行不是可解读的账本行");
                stopped = 1;
                break;
            }
            if (l.reverses && c->chained[i] != 0) {
                later = xrealloc(later, (n_later + 1) * sizeof *later);
                later[n_later++] =
                    (struct deferred){c->id[i], later_bytes.len, n, out->lines, out->total_fen};
                if (buf_append(&later_bytes, bytes, n) != ST_OK) {
                    st = err_set(e, ST_LIMIT, NULL, "追回记录过多");
                    stopped = 1;
                    break;
                }
            }
            if (c->chained[i] == -2) {
                char hash[HASH_HEX_LEN + 1];
                line_hash_bytes(prev, bytes, n, hash);
                c->chained[i] = !strcmp(hash, c->hash[i]);
            }
            int unchained = 0;
            if (!verify_line(&v, &l, c->id[i], c->chained[i], c->hash[i], prev, expect_id,
                             &unchained, out)) {
                stopped = 1;
                if (unchained && n_later && later[n_later - 1].id == c->id[i])
                    n_later--; /* what a broken line says is not compared */
            }
            memcpy(prev, c->hash[i], sizeof prev);
            expect_id++;
        }
        reader_release(r, stopped);
    }
    pthread_join(reader, NULL);
    started = 0;
    if (st == ST_OK && r->st != ST_OK) {
        st = r->st;
        *e = r->e;
    }
    if (st != ST_OK)
        goto out;
    if (!out->bad_line)
        batch_check(&v, out);
    /* The reversals, in order, up to the first line found unsound (whose problem, if it is a
     * reversal that does not match its line, is named as that). */
    for (size_t i = 0; i < n_later && (!out->bad_line || later[i].id <= out->bad_line); i++) {
        struct deferred *d = &later[i];
        struct line l;
        if (d->len + 8 > scratch_cap) {
            scratch_cap = (d->len + 8) * 2;
            scratch = xrealloc(scratch, scratch_cap);
        }
        line_decode((const unsigned char *)later_bytes.data + d->off, d->len, &l, scratch);
        char problem[sizeof out->problem];
        if (!reversal_matches(s, &l, problem, sizeof problem)) {
            out->bad_line = d->id;
            out->lines = d->lines;
            out->total_fen = d->total_fen;
            snprintf(out->problem, sizeof out->problem, "%s", problem);
            break;
        }
    }
out:
    if (started) {
        reader_release(r, 1);
        pthread_join(reader, NULL);
    }
    if (r->q) {
        store_finish(r->q);
        pthread_mutex_destroy(&r->mu);
        pthread_cond_destroy(&r->cv);
    }
    store_snapshot_end(s);
    for (size_t i = 0; i < CHUNKS; i++) {
        free(r->ring[i].bytes);
        free(r->ring[i].strs);
    }
    for (size_t i = 0; i < v.n_packs; i++)
        policy_pack_free(v.packs[i].p);
    free(v.packs);
    free(v.ctx);
    for (size_t i = 0; i < v.n_clauses; i++)
        free(v.clauses[i]);
    free(v.clauses);
    totals_free(&v.year);
    totals_free(&v.budget);
    totals_free(&v.matter);
    free(v.reversed);
    free(v.claims);
    free(v.amounts);
    free(r);
    free(later);
    buf_cleanup(&later_bytes);
    free(scratch);
    return st;
}

json_t *award_verify_json(const struct award_verify *v)
{
    json_t *o = json_pack("{s:b, s:I, s:I}", "ok", v->bad_line == 0, "lines", (json_int_t)v->lines,
                          "total_fen", (json_int_t)v->total_fen);
    if (v->bad_line) {
        json_object_set_new(o, "bad_line", json_integer(v->bad_line));
        json_object_set_new(o, "problem", json_string(v->problem));
    }
    return o;
}

/* ---------------------------------------------------------------- reading */

#define APP_SELECT                                                                                 \
    "SELECT a.id, a.entity_id, a.pack_id, en.uscc, en.name, en.kind, a.clause, a.status,"          \
    " a.applied_on, a.submitted_at, a.submitted_by, coalesce(a.decided_at, ''),"                   \
    " coalesce(a.decided_by, ''), a.amount_fen, (SELECT coalesce(sum(p.amount_fen), 0) FROM"       \
    " payouts p WHERE p.application_id = a.id), a.inputs, a.explanation, coalesce(a.note, ''),"    \
    " a.inputs_sha256, a.origin FROM applications a JOIN entities en ON en.id = a.entity_id"

static void app_from(struct store_stmt *q, struct award_app *a)
{
    memset(a, 0, sizeof *a);
    a->id = store_col_int(q, 0);
    a->entity_id = store_col_int(q, 1);
    a->pack_id = store_col_int(q, 2);
    snprintf(a->uscc, sizeof a->uscc, "%s", store_col_text(q, 3));
    snprintf(a->entity_name, sizeof a->entity_name, "%s", store_col_text(q, 4));
    snprintf(a->kind, sizeof a->kind, "%s", store_col_text(q, 5));
    snprintf(a->clause, sizeof a->clause, "%s", store_col_text(q, 6));
    snprintf(a->status, sizeof a->status, "%s", store_col_text(q, 7));
    snprintf(a->applied_on, sizeof a->applied_on, "%s", store_col_text(q, 8));
    snprintf(a->submitted_at, sizeof a->submitted_at, "%s", store_col_text(q, 9));
    snprintf(a->submitted_by, sizeof a->submitted_by, "%s", store_col_text(q, 10));
    snprintf(a->decided_at, sizeof a->decided_at, "%s", store_col_text(q, 11));
    snprintf(a->decided_by, sizeof a->decided_by, "%s", store_col_text(q, 12));
    a->amount_fen = store_col_int(q, 13);
    a->paid_fen = store_col_int(q, 14);
    a->inputs = store_col_dup(q, 15);
    a->explanation = store_col_dup(q, 16);
    a->note = store_col_dup(q, 17);
    snprintf(a->inputs_sha256, sizeof a->inputs_sha256, "%s", store_col_text(q, 18));
    snprintf(a->origin, sizeof a->origin, "%s", store_col_text(q, 19));
}

void award_app_cleanup(struct award_app *a)
{
    free(a->inputs);
    free(a->explanation);
    free(a->note);
    a->inputs = a->explanation = a->note = NULL;
}

void award_apps_free(struct award_app *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        award_app_cleanup(&v[i]);
    free(v);
}

enum status award_applications(struct store *s, const struct award_app_filter *f,
                               struct award_app **out, size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   APP_SELECT " WHERE (?1 = 0 OR a.entity_id = ?1)"
                                              " AND (?2 IS NULL OR a.status = ?2)"
                                              " AND (?3 IS NULL OR a.clause = ?3)"
                                              " AND (?4 = 0 OR a.year = ?4) ORDER BY a.id DESC",
                                   &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, f->entity_id);
    if (f->status)
        store_bind_text(q, 2, f->status);
    else
        store_bind_null(q, 2);
    if (f->clause)
        store_bind_text(q, 3, f->clause);
    else
        store_bind_null(q, 3);
    store_bind_int(q, 4, f->year);
    size_t cap = 0;
    int row;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        app_from(q, &(*out)[(*n)++]);
    }
    store_finish(q);
    if (st != ST_OK) {
        award_apps_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return st;
}

enum status award_application(struct store *s, int64_t id, struct award_app *out, struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s, APP_SELECT " WHERE a.id = ?", &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, id);
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK) {
        if (row)
            app_from(q, out);
        else
            st = err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的申请", id);
    }
    store_finish(q);
    return st;
}

enum status award_payouts(struct store *s, int64_t entity_id, int64_t application_id, int year,
                          struct award_payout **out, size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *q;
    enum status st = store_prepare(
        s,
        "SELECT p.id, p.application_id, p.entity_id, p.amount_fen, p.claimed_fen,"
        " coalesce(p.reverses_id, 0), p.batch, en.uscc, en.name, p.clause, p.matter, p.year,"
        " (SELECT count(*) FROM payouts r WHERE r.reverses_id = p.id), p.created_at,"
        " p.created_by, p.hash FROM payouts p JOIN entities en ON en.id = p.entity_id"
        " WHERE (?1 = 0 OR p.entity_id = ?1) AND (?2 = 0 OR p.application_id = ?2)"
        " AND (?3 = 0 OR p.year = ?3) ORDER BY p.id",
        &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, entity_id);
    store_bind_int(q, 2, application_id);
    store_bind_int(q, 3, year);
    size_t cap = 0;
    int row;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        struct award_payout *p = &(*out)[(*n)++];
        memset(p, 0, sizeof *p);
        p->id = store_col_int(q, 0);
        p->application_id = store_col_int(q, 1);
        p->entity_id = store_col_int(q, 2);
        p->amount_fen = store_col_int(q, 3);
        p->claimed_fen = store_col_int(q, 4);
        p->reverses_id = store_col_int(q, 5);
        p->batch = store_col_int(q, 6);
        snprintf(p->uscc, sizeof p->uscc, "%s", store_col_text(q, 7));
        snprintf(p->entity_name, sizeof p->entity_name, "%s", store_col_text(q, 8));
        snprintf(p->clause, sizeof p->clause, "%s", store_col_text(q, 9));
        snprintf(p->matter, sizeof p->matter, "%s", store_col_text(q, 10));
        p->year = (int)store_col_int(q, 11);
        p->reversed = store_col_int(q, 12) > 0;
        snprintf(p->created_at, sizeof p->created_at, "%s", store_col_text(q, 13));
        snprintf(p->created_by, sizeof p->created_by, "%s", store_col_text(q, 14));
        snprintf(p->hash, sizeof p->hash, "%s", store_col_text(q, 15));
    }
    store_finish(q);
    if (st != ST_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return st;
}

json_t *award_app_json(const struct award_app *a, int full)
{
    json_t *o =
        json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s}", "id",
                  (json_int_t)a->id, "uscc", a->uscc, "entity_name", a->entity_name, "kind",
                  a->kind, "clause", a->clause, "status", a->status, "applied_on", a->applied_on,
                  "submitted_at", a->submitted_at, "amount_fen", (json_int_t)a->amount_fen,
                  "paid_fen", (json_int_t)a->paid_fen, "submitted_by", a->submitted_by);
    json_object_set_new(o, "decided_at",
                        a->decided_at[0] ? json_string(a->decided_at) : json_null());
    json_object_set_new(o, "decided_by",
                        a->decided_by[0] ? json_string(a->decided_by) : json_null());
    json_object_set_new(o, "note", a->note && a->note[0] ? json_string(a->note) : json_null());
    json_object_set_new(o, "origin", json_string(a->origin));
    if (full) {
        json_t *in = json_loads(a->inputs ? a->inputs : "{}", 0, NULL);
        json_object_set_new(o, "inputs", in ? in : json_object());
        json_object_set_new(o, "explanation", json_string(a->explanation ? a->explanation : ""));
    }
    return o;
}

void award_payout_kind(const struct award_payout *p, char *out, size_t len)
{
    if (p->reverses_id)
        snprintf(out, len, "追回第 %" PRId64 " 行", p->reverses_id);
    else if (p->batch)
        snprintf(out, len, "批次 %" PRId64 "%s", p->batch, p->reversed ? "（已追回）" : "");
    else
        snprintf(out, len, "兑付%s", p->reversed ? "（已追回）" : "");
}

json_t *award_payout_json(const struct award_payout *p)
{
    char kind[48];
    award_payout_kind(p, kind, sizeof kind);
    json_t *o =
        json_pack("{s:I, s:I, s:s, s:s, s:s, s:i, s:I, s:I, s:b, s:s, s:s, s:s, s:s}", "id",
                  (json_int_t)p->id, "application_id", (json_int_t)p->application_id, "uscc",
                  p->uscc, "entity_name", p->entity_name, "clause", p->clause, "year", p->year,
                  "amount_fen", (json_int_t)p->amount_fen, "claimed_fen",
                  (json_int_t)p->claimed_fen, "reversed", p->reversed, "created_at", p->created_at,
                  "created_by", p->created_by, "hash", p->hash, "kind", kind);
    json_object_set_new(o, "reverses", p->reverses_id ? json_integer(p->reverses_id) : json_null());
    json_object_set_new(o, "matter", p->matter[0] ? json_string(p->matter) : json_null());
    json_object_set_new(o, "batch", p->batch ? json_integer(p->batch) : json_null());
    return o;
}

static const struct export_column payout_columns[] = {
    {"行号", 8, 0},        {"记账时间", 20, 0}, {"统一社会信用代码", 22, 0},
    {"主体", 28, 0},       {"条款", 26, 0},     {"年度", 8, 0},
    {"金额（元）", 16, 1}, {"类型", 16, 0},     {"申请编号", 10, 0},
    {"经办人", 12, 0},     {"哈希", 20, 0}};
#define PAYOUT_COLS (sizeof payout_columns / sizeof payout_columns[0])

enum status award_payouts_table(struct store *s, int64_t entity_id, int year,
                                struct export_table *t, struct err *e)
{
    memset(t, 0, sizeof *t);
    struct award_payout *v;
    size_t n;
    struct policy_pack *p = NULL;
    enum status st = award_payouts(s, entity_id, 0, year, &v, &n, e);
    if (st != ST_OK)
        return st;
    if ((st = award_pack_current(s, &p, e)) != ST_OK) {
        free(v);
        return st;
    }
    const char **cells = xcalloc(n ? n * PAYOUT_COLS : 1, sizeof *cells);
    for (size_t i = 0; i < n; i++) {
        const struct award_payout *x = &v[i];
        const char **row = &cells[i * PAYOUT_COLS];
        char num[3][24], kind[48], clause[240];
        snprintf(num[0], sizeof num[0], "%" PRId64, x->id);
        snprintf(num[1], sizeof num[1], "%" PRId64, x->amount_fen);
        snprintf(num[2], sizeof num[2], "%" PRId64, x->application_id);
        award_payout_kind(x, kind, sizeof kind);
        int ci = policy_clause_index(p, x->clause);
        if (ci >= 0)
            snprintf(clause, sizeof clause, "%s（%s）", policy_clause_title(p, (size_t)ci),
                     x->clause);
        else
            snprintf(clause, sizeof clause, "%s", x->clause);
        char year_s[8];
        snprintf(year_s, sizeof year_s, "%d", x->year);
        const char *vals[PAYOUT_COLS] = {num[0], x->created_at, x->uscc, x->entity_name,
                                         clause, year_s,        num[1],  kind,
                                         num[2], x->created_by, x->hash};
        for (size_t c = 0; c < PAYOUT_COLS; c++)
            row[c] = xstrdup(vals[c]);
    }
    free(v);
    policy_pack_free(p);
    *t = (struct export_table){.sheet = "兑付台账",
                               .title = "&C惠企政策兑付台账",
                               .cols = payout_columns,
                               .n_cols = PAYOUT_COLS,
                               .cells = cells,
                               .n_rows = n,
                               .totals = 1};
    return ST_OK;
}

void award_payouts_table_free(struct export_table *t)
{
    for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
        free((char *)t->cells[i]);
    free((void *)t->cells);
    memset(t, 0, sizeof *t);
}

/* ---------------------------------------------------------------- evidence */

enum status award_evidence_of(struct store *s, const struct award_app *a,
                              struct award_evidence **out, size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    struct policy_pack *p = NULL;
    int64_t pack_id;
    struct store_stmt *q = NULL;
    enum status st = load_pack(s, "", a->pack_id, &p, &pack_id, e);
    int ci = st == ST_OK ? policy_clause_index(p, a->clause) : -1;
    if (ci < 0)
        goto out;
    size_t k = policy_clause_evidence_count(p, (size_t)ci);
    *out = xcalloc(k ? k : 1, sizeof **out);
    for (size_t i = 0; i < k; i++)
        snprintf((*out)[i].label, sizeof(*out)[i].label, "%s",
                 policy_clause_evidence(p, (size_t)ci, i));
    *n = k;
    if ((st = store_prepare(s,
                            "SELECT id, evidence FROM application_files WHERE application_id = ?"
                            " ORDER BY id",
                            &q, e)) != ST_OK)
        goto out;
    store_bind_int(q, 1, a->id);
    int row;
    while ((st = store_step(q, &row, e)) == ST_OK && row)
        for (size_t i = 0; i < k; i++) {
            struct award_evidence *x = &(*out)[i];
            if (!strcmp(x->label, store_col_text(q, 1)) && x->n_files < AWARD_EVIDENCE_FILES)
                x->file_ids[x->n_files++] = store_col_int(q, 0);
        }
    store_finish(q);
out:
    policy_pack_free(p);
    if (st != ST_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return st;
}

enum status award_file_add(struct store *s, const struct auth_user *u, int64_t application_id,
                           const char *name, const char *content_type, const char *evidence,
                           const void *data, size_t len, int64_t *id, char sha256[65],
                           struct err *e)
{
    char ctype[128];
    enum status st = ledger_attachment_check(name, content_type, data, len, ctype, sizeof ctype, e);
    if (st != ST_OK)
        return st;
    if ((st = store_begin(s, e)) != ST_OK)
        return st;
    struct award_app a = {0};
    if ((st = award_application(s, application_id, &a, e)) != ST_OK)
        goto out;
    if (u->role == ROLE_ENTERPRISE && u->entity_id != a.entity_id) {
        st = err_set(e, ST_FORBIDDEN, NULL, "不是本单位的申请 (not your application)");
        goto out;
    }
    if (strcmp(a.status, "submitted")) {
        st = err_set(e, ST_CONFLICT, "status", "申请已审结，不能再补充材料 (already decided)");
        goto out;
    }
    if (evidence && *evidence) {
        /* Filed under one of the labels the application's clause asks for. */
        struct award_evidence *ev;
        size_t ne, k = 0;
        if ((st = award_evidence_of(s, &a, &ev, &ne, e)) != ST_OK)
            goto out;
        while (k < ne && strcmp(ev[k].label, evidence))
            k++;
        free(ev);
        if (k == ne) {
            st = err_set(e, ST_INVALID, "evidence", "条款 %s 不要求证明材料“%s”", a.clause,
                         evidence);
            goto out;
        }
    }
    st = ledger_file_insert(s,
                            "INSERT INTO application_files (application_id, name, content_type,"
                            " size, sha256, data, uploaded_by, uploaded_at) VALUES"
                            " (?,?,?,?,?,?,?,?) RETURNING id",
                            application_id, u->id, name, ctype, data, len, id, sha256, e);
    if (st == ST_OK && evidence && *evidence) {
        struct store_stmt *q;
        if ((st = store_prepare(s, "UPDATE application_files SET evidence = ? WHERE id = ?", &q,
                                e)) == ST_OK) {
            store_bind_text(q, 1, evidence);
            store_bind_int(q, 2, *id);
            st = store_run(q, e);
        }
    }
    if (st == ST_OK) {
        char ids[32];
        snprintf(ids, sizeof ids, "%" PRId64, application_id);
        json_t *after = json_pack("{s:I, s:s, s:s, s:I, s:s}", "file_id", (json_int_t)*id, "name",
                                  name, "sha256", sha256, "size", (json_int_t)len, "evidence",
                                  evidence ? evidence : "");
        char *as = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
        st = audit_append(s, u->name, "application.attach", "application", ids, NULL, as, e);
        free(as);
        json_decref(after);
    }
out:
    award_app_cleanup(&a);
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s, e);
}

enum status award_files(struct store *s, int64_t application_id, struct ledger_file **out,
                        size_t *n, struct err *e)
{
    return ledger_file_list(s,
                            "SELECT f.id, f.name, f.content_type, f.size, f.sha256, u.name,"
                            " f.uploaded_at FROM application_files f"
                            " JOIN users u ON u.id = f.uploaded_by WHERE f.application_id = ?"
                            " ORDER BY f.id",
                            application_id, out, n, e);
}

enum status award_file_get(struct store *s, int64_t id, char **name, char **content_type,
                           void **data, size_t *len, int64_t *entity_id, struct err *e)
{
    return ledger_file_read(s,
                            "SELECT f.name, f.content_type, f.data, a.entity_id FROM"
                            " application_files f JOIN applications a ON a.id = f.application_id"
                            " WHERE f.id = ?",
                            id, name, content_type, data, len, entity_id, e);
}

/* ---------------------------------------------------------------- entitlements */

enum status award_entitlements(struct store *s, const char *uscc, struct date on,
                               struct policy_pack **p, struct policy_match **m, int64_t **received,
                               struct err *e)
{
    *p = NULL;
    *m = NULL;
    *received = NULL;
    struct entity *v = NULL;
    enum status st = entity_get(s, uscc, &v, e);
    if (st != ST_OK)
        return st;
    if ((st = award_pack_current(s, p, e)) != ST_OK)
        goto out;
    size_t nc = policy_pack_clauses(*p);
    *received = xcalloc(nc, sizeof **received);
    for (size_t c = 0; c < nc && st == ST_OK; c++)
        st = year_total(s, v->id, policy_clause_id(*p, c), on.y, &(*received)[c], e);
    if (st != ST_OK)
        goto out;
    struct policy_input in[FACTS_MAX];
    unsigned char self[FACTS_MAX];
    size_t k = facts_of(v, in, self);
    *m = xcalloc(nc, sizeof **m);
    st = policy_match_one(*p, v->kind, in, k, self, on, *received, *m, e);
out:
    entities_free(v, v ? 1 : 0);
    if (st != ST_OK) {
        free(*m);
        free(*received);
        policy_pack_free(*p);
        *m = NULL;
        *received = NULL;
        *p = NULL;
    }
    return st;
}
