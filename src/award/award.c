/* Applications, approvals and the hash-chained payout ledger, with its replaying verifier. */
#include "award/award.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/hash.h"
#include "base/xalloc.h"
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
    if (st != ST_OK || *id)
        goto done;
    if ((st = store_prepare(s,
                            "INSERT INTO policy_packs (sha256, title, version, text, loaded_at,"
                            " loaded_by) VALUES (?,?,?,?,?,?) RETURNING id",
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

/* Loads stored pack pack_id (or, with pack_id 0, the newest; the example is stored if none). */
static enum status load_pack(struct store *s, const char *actor, int64_t pack_id,
                             struct policy_pack **p, int64_t *id_out, struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   pack_id ? "SELECT id, text FROM policy_packs WHERE id = ?"
                                           : "SELECT id, text FROM policy_packs ORDER BY id DESC"
                                             " LIMIT 1",
                                   &q, e);
    if (st != ST_OK)
        return st;
    if (pack_id)
        store_bind_int(q, 1, pack_id);
    int row;
    char *text = NULL;
    if ((st = store_step(q, &row, e)) == ST_OK && row) {
        *id_out = store_col_int(q, 0);
        text = store_col_dup(q, 1);
    }
    store_finish(q);
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

enum status award_pack_current(struct store *s, struct policy_pack **p, struct err *e)
{
    struct store_stmt *q;
    enum status st =
        store_prepare(s, "SELECT text FROM policy_packs ORDER BY id DESC LIMIT 1", &q, e);
    if (st != ST_OK)
        return st;
    int row;
    char *text = NULL;
    if ((st = store_step(q, &row, e)) == ST_OK && row)
        text = store_col_dup(q, 0);
    store_finish(q);
    if (st != ST_OK)
        return st;
    if (!text)
        return policy_pack_example(p, e);
    st = policy_pack_load(text, strlen(text), "stored pack", p, e);
    free(text);
    return st;
}

/* ---------------------------------------------------------------- helpers */

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
    int row;
    *total = 0;
    if ((st = store_step(q, &row, e)) == ST_OK && row)
        *total = store_col_int(q, 0);
    store_finish(q);
    return st;
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

static void line_hash(const char *prev, int64_t id, int64_t app, int64_t entity, const char *clause,
                      const char *pack, const char *inputs, int year, int64_t amount,
                      int64_t cap_used, int64_t reverses, const char *at, const char *by,
                      char out[HASH_HEX_LEN + 1])
{
    char nums[7][32];
    snprintf(nums[0], sizeof nums[0], "%" PRId64, id);
    snprintf(nums[1], sizeof nums[1], "%" PRId64, app);
    snprintf(nums[2], sizeof nums[2], "%" PRId64, entity);
    snprintf(nums[3], sizeof nums[3], "%d", year);
    snprintf(nums[4], sizeof nums[4], "%" PRId64, amount);
    snprintf(nums[5], sizeof nums[5], "%" PRId64, cap_used);
    snprintf(nums[6], sizeof nums[6], "%" PRId64, reverses);
    struct hash_sha256 h;
    hash_sha256_init(&h);
    hash_sha256_field(&h, prev);
    for (int i = 0; i < 3; i++)
        hash_sha256_field(&h, nums[i]);
    hash_sha256_field(&h, clause);
    hash_sha256_field(&h, pack);
    hash_sha256_field(&h, inputs);
    for (int i = 3; i < 7; i++)
        hash_sha256_field(&h, nums[i]);
    hash_sha256_field(&h, at);
    hash_sha256_field(&h, by);
    hash_sha256_final_hex(&h, out);
}

struct line {
    int64_t app, entity, amount, cap_used, reverses;
    const char *clause, *pack, *inputs;
    int year;
};

/* Appends a ledger line (inside the caller's transaction). */
static enum status append_line(struct store *s, const char *actor, const struct line *l,
                               int64_t *id, struct err *e)
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
    *id = last + 1;
    char now[32], hash[HASH_HEX_LEN + 1];
    clock_now_iso(now, sizeof now);
    line_hash(prev, *id, l->app, l->entity, l->clause, l->pack, l->inputs, l->year, l->amount,
              l->cap_used, l->reverses, now, actor, hash);
    if ((st = store_prepare(s,
                            "INSERT INTO payouts (id, application_id, entity_id, clause,"
                            " pack_sha256, inputs_sha256, year, amount_fen, cap_used_fen,"
                            " reverses_id, created_at, created_by, prev_hash, hash)"
                            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                            &q, e)) != ST_OK)
        return st;
    store_bind_int(q, 1, *id);
    store_bind_int(q, 2, l->app);
    store_bind_int(q, 3, l->entity);
    store_bind_text(q, 4, l->clause);
    store_bind_text(q, 5, l->pack);
    store_bind_text(q, 6, l->inputs);
    store_bind_int(q, 7, l->year);
    store_bind_int(q, 8, l->amount);
    store_bind_int(q, 9, l->cap_used);
    if (l->reverses)
        store_bind_int(q, 10, l->reverses);
    else
        store_bind_null(q, 10);
    store_bind_text(q, 11, now);
    store_bind_text(q, 12, actor);
    store_bind_text(q, 13, prev);
    store_bind_text(q, 14, hash);
    return store_run(q, e);
}

static void fill_outcome(struct award_outcome *out, const struct policy_result *r)
{
    out->eligible = r->eligible;
    out->amount_fen = r->amount_fen;
    out->capped_by = r->capped_by;
    snprintf(out->explanation, sizeof out->explanation, "%s", r->explanation);
}

/* ---------------------------------------------------------------- applications */

enum status award_apply(struct store *s, const char *actor, const char *uscc, const char *clause,
                        const struct policy_input *in, size_t n, struct date on,
                        struct award_outcome *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    enum status st = store_begin(s, e);
    if (st != ST_OK)
        return st;
    struct policy_pack *p = NULL;
    char *inputs = NULL;
    struct policy_result r = {0};
    int64_t pack_id = 0, entity_id = 0, total = 0;
    char kind[16] = "";
    struct store_stmt *q;
    if ((st = load_pack(s, actor, 0, &p, &pack_id, e)) != ST_OK)
        goto out;
    if ((st = store_prepare(s, "SELECT id, kind FROM entities WHERE uscc = ?", &q, e)) != ST_OK)
        goto out;
    store_bind_text(q, 1, uscc);
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK && row) {
        entity_id = store_col_int(q, 0);
        snprintf(kind, sizeof kind, "%s", store_col_text(q, 1));
    }
    store_finish(q);
    if (st != ST_OK)
        goto out;
    if (!entity_id) {
        st = err_set(e, ST_NOT_FOUND, "uscc", "没有统一社会信用代码为 %s 的主体", uscc);
        goto out;
    }
    int ci = policy_clause_index(p, clause);
    if (ci < 0) {
        st = err_set(e, ST_NOT_FOUND, "clause", "规则包中没有条款“%s”", clause);
        goto out;
    }
    if (!policy_clause_accepts(p, (size_t)ci, kind)) {
        st = err_set(e, ST_UNPROCESSABLE, "clause", "条款“%s”不受理此类主体（%s）的申请", clause,
                     kind);
        goto out;
    }
    if ((st = year_total(s, entity_id, clause, on.y, &total, e)) != ST_OK ||
        (st = policy_calc(p, clause, in, n, on, total, &r, e)) != ST_OK)
        goto out;
    fill_outcome(out, &r);
    inputs = inputs_json(in, n);
    char sha[HASH_HEX_LEN + 1], day[16], now[32];
    hash_sha256_hex(inputs, strlen(inputs), sha);
    date_format(on, day, sizeof day);
    clock_now_iso(now, sizeof now);
    if ((st = store_prepare(s,
                            "INSERT INTO applications (entity_id, pack_id, clause, inputs,"
                            " inputs_sha256, applied_on, amount_fen, explanation, status,"
                            " submitted_at, submitted_by) VALUES (?,?,?,?,?,?,?,?,'submitted',?,?)"
                            " RETURNING id",
                            &q, e)) != ST_OK)
        goto out;
    store_bind_int(q, 1, entity_id);
    store_bind_int(q, 2, pack_id);
    store_bind_text(q, 3, clause);
    store_bind_text(q, 4, inputs);
    store_bind_text(q, 5, sha);
    store_bind_text(q, 6, day);
    store_bind_int(q, 7, r.amount_fen);
    store_bind_text(q, 8, r.explanation);
    store_bind_text(q, 9, now);
    store_bind_text(q, 10, actor);
    if ((st = store_step(q, &row, e)) == ST_OK && row)
        out->id = store_col_int(q, 0);
    store_finish(q);
    if (st == ST_OK) {
        char ids[32], after[400];
        snprintf(ids, sizeof ids, "%" PRId64, out->id);
        snprintf(
            after, sizeof after,
            "{\"uscc\":\"%s\",\"clause\":\"%s\",\"inputs_sha256\":\"%s\",\"amount_fen\":%" PRId64
            "}",
            uscc, clause, sha, r.amount_fen);
        st = audit_append(s, actor, "application.submit", "application", ids, NULL, after, e);
    }
out:
    if (st != ST_OK)
        store_rollback(s);
    else
        st = store_commit(s, e);
    policy_result_cleanup(&r);
    policy_pack_free(p);
    free(inputs);
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
    struct policy_pack *p = NULL;
    struct policy_result r = {0};
    json_t *inputs = NULL;
    char *inputs_text = NULL, *pack_sha = NULL, *clause = NULL, *status = NULL, *day = NULL,
         *sha = NULL;
    int64_t pack_id = 0, entity_id = 0, total = 0;
    struct store_stmt *q;
    if ((st = store_prepare(s,
                            "SELECT a.entity_id, a.pack_id, a.clause, a.inputs, a.inputs_sha256,"
                            " a.applied_on, a.status, p.sha256 FROM applications a JOIN"
                            " policy_packs p ON p.id = a.pack_id WHERE a.id = ?",
                            &q, e)) != ST_OK)
        goto out;
    store_bind_int(q, 1, application_id);
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK && row) {
        entity_id = store_col_int(q, 0);
        pack_id = store_col_int(q, 1);
        clause = store_col_dup(q, 2);
        inputs_text = store_col_dup(q, 3);
        sha = store_col_dup(q, 4);
        day = store_col_dup(q, 5);
        status = store_col_dup(q, 6);
        pack_sha = store_col_dup(q, 7);
    }
    store_finish(q);
    if (st != ST_OK)
        goto out;
    if (!status) {
        st = err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的申请", application_id);
        goto out;
    }
    if (strcmp(status, "submitted")) {
        st = err_set(e, ST_CONFLICT, "status", "申请已%s，不能再审批 (already decided)",
                     !strcmp(status, "approved") ? "批准" : "驳回");
        goto out;
    }
    struct date on;
    date_parse_iso(day, &on);
    if (approve) {
        /* Recompute now, in this transaction: the yearly total may have grown since. */
        struct policy_input in[INPUTS_MAX];
        inputs = json_loads(inputs_text, 0, NULL);
        size_t n = inputs ? inputs_from_json(inputs, in) : 0;
        if ((st = load_pack(s, actor, pack_id, &p, &pack_id, e)) != ST_OK ||
            (st = year_total(s, entity_id, clause, on.y, &total, e)) != ST_OK ||
            (st = policy_calc(p, clause, in, n, on, total, &r, e)) != ST_OK)
            goto out;
        fill_outcome(out, &r);
        if (!r.eligible) {
            st = err_set(e, ST_UNPROCESSABLE, NULL, "不符合条件，不能批准：%s", r.explanation);
            goto out;
        }
        if (r.amount_fen > 0) {
            struct line l = {application_id, entity_id, r.amount_fen, total, 0,
                             clause,         pack_sha,  sha,          on.y};
            if ((st = append_line(s, actor, &l, &out->payout_id, e)) != ST_OK)
                goto out;
        }
    }
    char now[32];
    clock_now_iso(now, sizeof now);
    if ((st = store_prepare(s,
                            "UPDATE applications SET status = ?, decided_at = ?, decided_by = ?,"
                            " note = ? WHERE id = ?",
                            &q, e)) != ST_OK)
        goto out;
    store_bind_text(q, 1, approve ? "approved" : "rejected");
    store_bind_text(q, 2, now);
    store_bind_text(q, 3, actor);
    store_bind_text(q, 4, note ? note : "");
    store_bind_int(q, 5, application_id);
    if ((st = store_run(q, e)) != ST_OK)
        goto out;
    char ids[32], after[160];
    snprintf(ids, sizeof ids, "%" PRId64, application_id);
    snprintf(after, sizeof after, "{\"status\":\"%s\",\"amount_fen\":%" PRId64 "}",
             approve ? "approved" : "rejected", approve ? r.amount_fen : 0);
    st = audit_append(s, actor, approve ? "application.approve" : "application.reject",
                      "application", ids, NULL, after, e);
out:
    if (st != ST_OK)
        store_rollback(s);
    else
        st = store_commit(s, e);
    policy_result_cleanup(&r);
    policy_pack_free(p);
    json_decref(inputs);
    free(inputs_text);
    free(pack_sha);
    free(clause);
    free(status);
    free(day);
    free(sha);
    return st;
}

enum status award_reverse(struct store *s, const char *actor, int64_t payout_id, const char *note,
                          int64_t *id, struct err *e)
{
    if (!note || !note[0])
        return err_set(e, ST_INVALID, "note", "追回须写明理由 (a reason is required)");
    enum status st = store_begin(s, e);
    if (st != ST_OK)
        return st;
    struct store_stmt *q;
    struct line l = {0};
    char *clause = NULL, *pack = NULL, *inputs = NULL;
    int found = 0, reversal = 0, reversed = 0;
    if ((st = store_prepare(s,
                            "SELECT application_id, entity_id, clause, pack_sha256, inputs_sha256,"
                            " year, amount_fen, reverses_id, (SELECT count(*) FROM payouts r"
                            " WHERE r.reverses_id = p.id) FROM payouts p WHERE id = ?",
                            &q, e)) != ST_OK)
        goto out;
    store_bind_int(q, 1, payout_id);
    if ((st = store_step(q, &found, e)) == ST_OK && found) {
        l.app = store_col_int(q, 0);
        l.entity = store_col_int(q, 1);
        clause = store_col_dup(q, 2);
        pack = store_col_dup(q, 3);
        inputs = store_col_dup(q, 4);
        l.year = (int)store_col_int(q, 5);
        l.amount = -store_col_int(q, 6);
        reversal = !store_col_is_null(q, 7);
        reversed = store_col_int(q, 8) > 0;
    }
    store_finish(q);
    if (st != ST_OK)
        goto out;
    if (!found) {
        st = err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的兑付记录", payout_id);
        goto out;
    }
    if (reversal || reversed) {
        st = err_set(e, ST_CONFLICT, NULL,
                     reversal ? "这是一条追回记录，不能再追回"
                              : "该笔兑付已追回过 (already reversed)");
        goto out;
    }
    l.clause = clause;
    l.pack = pack;
    l.inputs = inputs;
    l.reverses = payout_id;
    if ((st = year_total(s, l.entity, clause, l.year, &l.cap_used, e)) != ST_OK ||
        (st = append_line(s, actor, &l, id, e)) != ST_OK)
        goto out;
    char ids[32], after[600];
    snprintf(ids, sizeof ids, "%" PRId64, *id);
    json_t *a = json_pack("{s:I, s:I, s:s}", "reverses", (json_int_t)payout_id, "amount_fen",
                          (json_int_t)l.amount, "note", note);
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
    free(clause);
    free(pack);
    free(inputs);
    return st;
}

/* ---------------------------------------------------------------- verification */

/* Running yearly totals by (entity, clause, year), in an open-addressing table. */
struct totals {
    struct slot {
        int64_t entity;
        int year;
        char clause[64];
        int64_t sum;
        int used;
    } * v;
    size_t cap, n;
};

static uint64_t slot_hash(int64_t entity, int year, const char *clause)
{
    uint64_t h = (uint64_t)entity * 0x9E3779B97F4A7C15ull ^ (uint64_t)year * 0xBF58476D1CE4E5B9ull;
    for (const char *c = clause; *c; c++)
        h = (h ^ (unsigned char)*c) * 0x100000001B3ull;
    return h;
}

static struct slot *totals_get(struct totals *t, int64_t entity, int year, const char *clause)
{
    if (t->n * 2 >= t->cap) {
        struct totals bigger = {xcalloc(t->cap ? t->cap * 2 : 1024, sizeof *t->v),
                                t->cap ? t->cap * 2 : 1024, 0};
        for (size_t i = 0; i < t->cap; i++)
            if (t->v[i].used) {
                struct slot *d = totals_get(&bigger, t->v[i].entity, t->v[i].year, t->v[i].clause);
                d->sum = t->v[i].sum;
            }
        free(t->v);
        *t = bigger;
    }
    size_t i = slot_hash(entity, year, clause) & (t->cap - 1);
    while (t->v[i].used &&
           !(t->v[i].entity == entity && t->v[i].year == year && !strcmp(t->v[i].clause, clause)))
        i = (i + 1) & (t->cap - 1);
    if (!t->v[i].used) {
        t->v[i].used = 1;
        t->v[i].entity = entity;
        t->v[i].year = year;
        snprintf(t->v[i].clause, sizeof t->v[i].clause, "%s", clause);
        t->n++;
    }
    return &t->v[i];
}

#define PACKS_MAX 16

enum status award_ledger_verify(struct store *s, struct award_verify *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    struct store_stmt *q;
    enum status st = store_prepare(
        s,
        "SELECT p.id, p.application_id, p.entity_id, p.clause, p.pack_sha256, p.inputs_sha256,"
        " p.year, p.amount_fen, p.cap_used_fen, p.reverses_id, p.created_at, p.created_by,"
        " p.prev_hash, p.hash, a.inputs, a.applied_on, pk.text,"
        " (SELECT amount_fen FROM payouts o WHERE o.id = p.reverses_id)"
        " FROM payouts p JOIN applications a ON a.id = p.application_id"
        " LEFT JOIN policy_packs pk ON pk.sha256 = p.pack_sha256 ORDER BY p.id",
        &q, e);
    if (st != ST_OK)
        return st;
    struct totals totals = {0};
    struct {
        char sha[HASH_HEX_LEN + 1];
        struct policy_pack *p;
    } packs[PACKS_MAX];
    memset(packs, 0, sizeof packs);
    int n_packs = 0;
    char prev[HASH_HEX_LEN + 1];
    snprintf(prev, sizeof prev, "%s", GENESIS);
    int64_t expect_id = 1;
    int row;
    /* Reversed lines, to refuse a second reversal: ids are dense, so a byte map serves. */
    unsigned char *reversed = NULL;
    size_t reversed_cap = 0;
    while ((st = store_step(q, &row, e)) == ST_OK && row && !out->bad_line) {
        int64_t id = store_col_int(q, 0), app = store_col_int(q, 1), entity = store_col_int(q, 2);
        const char *clause = store_col_text(q, 3), *pack_sha = store_col_text(q, 4);
        const char *inputs_sha = store_col_text(q, 5);
        int year = (int)store_col_int(q, 6);
        int64_t amount = store_col_int(q, 7), cap_used = store_col_int(q, 8);
        int64_t reverses = store_col_is_null(q, 9) ? 0 : store_col_int(q, 9);
        char hash[HASH_HEX_LEN + 1];
        line_hash(prev, id, app, entity, clause, pack_sha, inputs_sha, year, amount, cap_used,
                  reverses, store_col_text(q, 10), store_col_text(q, 11), hash);
        out->bad_line = id;
        struct slot *sl = totals_get(&totals, entity, year, clause);
        if (id != expect_id) {
            snprintf(out->problem, sizeof out->problem, "编号不连续：期望 %" PRId64, expect_id);
        } else if (strcmp(store_col_text(q, 12), prev) || strcmp(store_col_text(q, 13), hash)) {
            snprintf(out->problem, sizeof out->problem, "哈希链断裂：该行内容或前一行已被改动");
        } else if (cap_used != sl->sum) {
            snprintf(out->problem, sizeof out->problem,
                     "记录的本年度已兑付 %" PRId64 " 分与账本累计 %" PRId64 " 分不符", cap_used,
                     sl->sum);
        } else if (reverses) {
            size_t r = (size_t)reverses;
            if (store_col_is_null(q, 17) || store_col_int(q, 17) != -amount || reverses >= id)
                snprintf(out->problem, sizeof out->problem, "追回金额与被追回的兑付不符");
            else if (r < reversed_cap && reversed[r])
                snprintf(out->problem, sizeof out->problem, "同一笔兑付被追回两次");
            else {
                if (r >= reversed_cap) {
                    size_t nc = (r + 1) * 2;
                    reversed = xrealloc(reversed, nc);
                    memset(reversed + reversed_cap, 0, nc - reversed_cap);
                    reversed_cap = nc;
                }
                reversed[r] = 1;
                out->bad_line = 0;
            }
        } else if (store_col_is_null(q, 16)) {
            snprintf(out->problem, sizeof out->problem, "找不到规则包 %.12s…", pack_sha);
        } else {
            /* Replay: the stored inputs, their hash, the pack, the running total. */
            const char *inputs_text = store_col_text(q, 14);
            char isha[HASH_HEX_LEN + 1];
            hash_sha256_hex(inputs_text, strlen(inputs_text), isha);
            struct policy_pack *p = NULL;
            for (int i = 0; i < n_packs && !p; i++)
                if (!strcmp(packs[i].sha, pack_sha))
                    p = packs[i].p;
            if (!p && n_packs < PACKS_MAX) {
                const char *text = store_col_text(q, 16);
                if (policy_pack_load(text, strlen(text), "stored pack", &p, e) == ST_OK) {
                    snprintf(packs[n_packs].sha, sizeof packs[0].sha, "%s", pack_sha);
                    packs[n_packs++].p = p;
                }
            }
            json_t *inputs = json_loads(inputs_text, 0, NULL);
            struct policy_input in[INPUTS_MAX];
            size_t n = inputs ? inputs_from_json(inputs, in) : 0;
            struct date on;
            struct policy_result r = {0};
            struct err ce = {0};
            if (strcmp(isha, inputs_sha))
                snprintf(out->problem, sizeof out->problem, "申请的输入已被改动（哈希不符）");
            else if (!p || !date_parse_iso(store_col_text(q, 15), &on) ||
                     policy_calc(p, clause, in, n, on, sl->sum, &r, &ce) != ST_OK)
                snprintf(out->problem, sizeof out->problem, "无法重算：%.300s", ce.msg);
            else if (!r.eligible || r.amount_fen != amount)
                snprintf(out->problem, sizeof out->problem,
                         "重算金额 %" PRId64 " 分与记录的 %" PRId64 " 分不符", r.amount_fen,
                         amount);
            else
                out->bad_line = 0;
            policy_result_cleanup(&r);
            json_decref(inputs);
        }
        if (out->bad_line)
            break;
        sl->sum += amount;
        out->total_fen += amount;
        out->lines++;
        expect_id++;
        snprintf(prev, sizeof prev, "%s", hash);
    }
    store_finish(q);
    for (int i = 0; i < n_packs; i++)
        policy_pack_free(packs[i].p);
    free(totals.v);
    free(reversed);
    return st;
}
