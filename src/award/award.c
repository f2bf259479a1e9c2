/* Applications, approvals, batches and budgets; the ledger lines they write and the verifier
 * live in award_ledger.c. */
#include "award/award.h"
#include "award/award_int.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "base/clock.h"
#include "base/hash.h"
#include "base/money.h"
#include "base/xalloc.h"
#include "calendar/calendar.h"
#include "entity/entity.h"
#include "export/export.h"
#include "ledger/ledger.h"
#include "policy/policy.h"
#include "store/store.h"

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
    st = policy_pack_load_stored(text, strlen(text), "数据库中的规则包", p, e);
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

enum status award_param_preview(struct store *s, const char *clause, const char *name,
                                const char *value, struct date on, struct award_diff *out,
                                struct err *e)
{
    char *text = NULL, *next = NULL;
    size_t next_len = 0;
    int64_t current = 0;
    memset(out, 0, sizeof *out);
    enum status st = pack_text(s, 0, &current, &text, e);
    if (st == ST_OK && !text) {
        const char *ex;
        size_t len;
        policy_example_text(&ex, &len);
        text = xstrndup(ex, len);
    }
    if (st == ST_OK)
        st = policy_pack_set_param(text, strlen(text), clause, name, value, &next, &next_len, e);
    if (st == ST_OK)
        st = award_pack_diff(s, current, 0, current ? NULL : text, next, "内置示例规则包",
                             "试设参数后", on, out, e);
    free(text);
    free(next);
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
    st = policy_pack_load_stored(text, strlen(text), "数据库中的现行规则包", p, e);
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

/* The registry import's matter keys: an input some clause names its matters by. */
static int fact_matter_key(void *ctx, const char *name)
{
    const struct policy_pack *p = ctx;
    for (size_t c = 0; c < policy_pack_clauses(p); c++) {
        const char *key = policy_clause_matter_key(p, c);
        if (key && !strcmp(key, name))
            return 1;
    }
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
    struct entity_fact_rule rule = {fact_rule_check, p, fact_matter_key};
    st = entity_import_csv(s, actor, data, len, source, &rule, rep, e);
    policy_pack_free(p);
    return st;
}

/* ---------------------------------------------------------------- helpers */

/* Steps a query of one integer (0 when there is no row) and finishes it. */
enum status award_step_int(struct store_stmt *q, int64_t *out, struct err *e)
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
    return award_step_int(q, total, e);
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
    return award_step_int(q, total, e);
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
    return award_step_int(q, used, e);
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
    return award_step_int(q, held, e);
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

size_t award_inputs_from_json(json_t *o, struct policy_input *in)
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

const char *award_input_value(const struct policy_input *in, size_t n, const char *name)
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
        const char *v = award_input_value(in, n, x->lim.key);
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

/* The rule inputs one set of an entity's facts gives (borrowed strings). */
struct fact_set {
    size_t n;
    struct policy_input in[FACTS_MAX];
    unsigned char self[FACTS_MAX];   /* declared by the entity itself (自行申报) */
    const char *matter_key, *matter; /* NULL: the entity's own facts alone */
};

/* Fills fs with the entity's own facts, overlaid (same names replaced) by those of its matter
 * number m (1-based; 0: none). */
static void fact_set_fill(const struct entity *en, size_t m, struct fact_set *fs)
{
    fs->n = 0;
    fs->matter_key = fs->matter = NULL;
    /* the registry's 区内 and 行业 first, read as facts (certified: the office keeps the
     * registry) unless a fact of the same name replaces them */
    fs->in[fs->n] = (struct policy_input){ENTITY_IN_ZONE_FACT, en->in_zone ? "是" : "否"};
    fs->self[fs->n++] = 0;
    if (en->industry[0]) {
        fs->in[fs->n] = (struct policy_input){ENTITY_INDUSTRY_FACT, en->industry};
        fs->self[fs->n++] = 0;
    }
    int key_self = 1; /* the matter's key counts as declared only if all its facts are */
    for (size_t i = 0; i < en->n_facts && fs->n < FACTS_MAX; i++) {
        const struct entity_fact *f = &en->facts[i];
        if (f->matter && f->matter != m)
            continue;
        size_t k = 0;
        while (k < fs->n && strcmp(fs->in[k].name, f->name))
            k++;
        if (k == fs->n)
            fs->n++;
        fs->in[k] = (struct policy_input){f->name, f->value};
        fs->self[k] = !strcmp(f->source, ENTITY_SOURCE_SELF);
        if (f->matter)
            key_self &= fs->self[k];
    }
    if (m) {
        fs->matter_key = en->matters[m - 1].key;
        fs->matter = en->matters[m - 1].value;
        /* the matter names itself: its key is an input even where no row gave it as a fact */
        size_t k = 0;
        while (k < fs->n && strcmp(fs->in[k].name, fs->matter_key))
            k++;
        if (k == fs->n && k < FACTS_MAX) {
            fs->in[k] = (struct policy_input){fs->matter_key, fs->matter};
            fs->self[k] = (unsigned char)key_self;
            fs->n++;
        }
    }
}

/* The k-th set of inputs en's facts give a clause that names its matters by key (NULL: it
 * does not): with matters of that key, the k-th of them over the entity's own facts; without,
 * (k = 0) its own facts alone. 0 when there is no k-th. */
static int fact_set(const struct entity *en, const char *key, size_t k, struct fact_set *fs)
{
    size_t seen = 0;
    for (size_t m = 1; key && m <= en->n_matters; m++)
        if (!strcmp(en->matters[m - 1].key, key) && seen++ == k) {
            fact_set_fill(en, m, fs);
            return 1;
        }
    if (seen || k)
        return 0;
    fact_set_fill(en, 0, fs);
    return 1;
}

/* Whether en has a matter named by key. */
static int has_matters(const struct entity *en, const char *key)
{
    for (size_t m = 0; key && m < en->n_matters; m++)
        if (!strcmp(en->matters[m].key, key))
            return 1;
    return 0;
}

/* Whether every input a match read is the registry's (区内, 行业), every entity having those. */
static int registry_only(const struct policy_match *m)
{
    for (size_t k = 0; k < m->n_given; k++)
        if (strcmp(m->given[k].name, ENTITY_IN_ZONE_FACT) &&
            strcmp(m->given[k].name, ENTITY_INDUSTRY_FACT))
            return 0;
    return 1;
}

static int match_order(const void *a, const void *b)
{
    const struct award_match *x = a, *y = b;
    if (x->clause != y->clause)
        return x->clause < y->clause ? -1 : 1;
    return x->order < y->order ? -1 : x->order > y->order;
}

/* The value of a match's matter key: its matter's, or one among the entity's own facts. */
static const char *match_matter(const struct award_match *a, const char *key)
{
    if (a->matter[0])
        return a->matter;
    for (size_t i = 0; i < a->m.n_given; i++)
        if (!strcmp(a->m.given[i].name, key))
            return a->m.given[i].value[0] ? a->m.given[i].value : NULL;
    return NULL;
}

/* What each matter of an entity has received (group:key → fen), from the ledger. */
struct matter_paid {
    char matter[160];
    int64_t fen;
};

static int64_t paid_for(const struct matter_paid *v, size_t n, const char *group, const char *key)
{
    for (size_t i = 0; i < n; i++) {
        size_t g = strlen(group);
        if (!strncmp(v[i].matter, group, g) && v[i].matter[g] == ':' &&
            !strcmp(v[i].matter + g + 1, key))
            return v[i].fen;
    }
    return 0;
}

/* award_match_entity, each match told what its matter received (paid: NULL for nothing): what
 * a match adds toward the next one's yearly cap is what it would pay now. */
static enum status match_entity(const struct policy_pack *p, const struct entity *en,
                                struct date on, const int64_t *received,
                                const struct matter_paid *paid, size_t n_paid,
                                struct award_match **out, size_t *n, struct err *e)
{
    size_t nc = policy_pack_clauses(p), cap = 0;
    *out = NULL;
    *n = 0;
    int64_t *got = xcalloc(nc ? nc : 1, sizeof *got);
    if (received)
        memcpy(got, received, nc * sizeof *got);
    struct policy_match *m = xcalloc(nc ? nc : 1, sizeof *m);
    struct fact_set fs;
    enum status st = ST_OK;
    /* Every clause is computed once per set (its own facts, then each matter), and the results
     * of the clauses the set is for are kept. */
    for (size_t i = 0; i <= en->n_matters && st == ST_OK; i++) {
        fact_set_fill(en, i, &fs); /* i = 0: the entity's own facts alone */
        if ((st = policy_match_one(p, en->kind, fs.in, fs.n, fs.self, on, got, m, e)) != ST_OK)
            break;
        for (size_t c = 0; c < nc; c++) {
            const char *key = policy_clause_matter_key(p, c);
            int mine = fs.matter_key ? key && !strcmp(key, fs.matter_key) : !has_matters(en, key);
            if (!mine)
                continue;
            if (*n == cap) {
                cap = cap ? cap * 2 : 8;
                *out = xrealloc(*out, cap * sizeof **out);
            }
            struct award_match *a = &(*out)[(*n)++];
            *a = (struct award_match){.clause = c, .budget_left = -1};
            snprintf(a->matter_key, sizeof a->matter_key, "%s", fs.matter_key ? fs.matter_key : "");
            snprintf(a->matter, sizeof a->matter, "%s", fs.matter ? fs.matter : "");
            a->order = i;
            a->m = m[c];
            m[c].r.explanation = NULL; /* moved into a */
            if (a->m.near && registry_only(&a->m))
                a->m.near = 0; /* knowing only 区内 or 行业 is not being close */
            const char *group = policy_clause_group(p, c);
            const char *value = group && n_paid ? match_matter(a, key) : NULL;
            if (value)
                a->matter_paid = paid_for(paid, n_paid, group, value);
            got[c] += award_match_payable(a);
        }
        policy_matches_cleanup(m, nc);
    }
    free(m);
    free(got);
    if (st != ST_OK) {
        award_matches_free(*out, *n);
        *out = NULL;
        *n = 0;
    } else if (*n > 1) {
        qsort(*out, *n, sizeof **out, match_order);
    }
    return st;
}

enum status award_bulk_matters(struct store *s, const struct policy_pack *p, struct date on,
                               const int64_t *amounts, size_t rows, struct policy_bulk *out,
                               size_t *corrected, struct err *e)
{
    struct entity *v;
    size_t n, nc = policy_pack_clauses(p);
    *corrected = 0;
    struct entity_cursor *cur = entity_cursor_open(s, 1);
    enum status st;
    while ((st = entity_cursor_next(cur, &v, &n, e)) == ST_OK && n)
        for (size_t i = 0; i < n && st == ST_OK; i++) {
            struct award_match *m;
            size_t nm;
            if ((st = award_match_entity(p, &v[i], on, NULL, &m, &nm, e)) != ST_OK)
                break;
            size_t row = (size_t)v[i].id;
            for (size_t c = 0; c < nc && row < rows; c++)
                if (out[c].computable && amounts[c * rows + row] >= 0) {
                    out[c].pairs--;
                    out[c].total_fen -= amounts[c * rows + row];
                }
            for (size_t k = 0; k < nm; k++)
                if (out[m[k].clause].computable && m[k].m.applies && m[k].m.r.eligible) {
                    out[m[k].clause].pairs++;
                    out[m[k].clause].total_fen += policy_match_payable(&m[k].m);
                }
            award_matches_free(m, nm);
            ++*corrected;
        }
    entity_cursor_close(cur);
    return st;
}

enum status award_match_entity(const struct policy_pack *p, const struct entity *en, struct date on,
                               const int64_t *received, struct award_match **out, size_t *n,
                               struct err *e)
{
    return match_entity(p, en, on, received, NULL, 0, out, n, e);
}

void award_matches_free(struct award_match *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        policy_result_cleanup(&v[i].m.r);
    free(v);
}

/* Files an application of entity_id (uscc) under clause ci of pack p (row pack_id), inside the
 * caller's transaction: computed, stored as submitted, audited. */
/* Files one application (its award settled as of now) inside the caller's transaction, with its
 * 兑现时限: the clause's working days counted from on with the store's calendar (*cal, loaded
 * the first time one is needed; the caller frees it). */
static enum status file_application(struct store *s, const char *actor, const struct policy_pack *p,
                                    int64_t pack_id, int64_t entity_id, const char *uscc, int ci,
                                    const struct policy_input *in, size_t n, struct date on,
                                    int proposed, struct calendar **cal, struct award_outcome *out,
                                    struct err *e)
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
    char sha[HASH_HEX_LEN + 1], day[16], now[32], due[16] = "";
    hash_sha256_hex(inputs, strlen(inputs), sha);
    date_format(on, day, sizeof day);
    clock_now_iso(now, sizeof now);
    int limit_wd = policy_clause_deadline(p, (size_t)ci, NULL);
    if (limit_wd) {
        if (!*cal && (st = calendar_load(s, cal, e)) != ST_OK)
            goto out;
        struct date d = calendar_add_workdays(*cal, on, limit_wd);
        date_format(d, due, sizeof due);
        out->limit_wd = limit_wd;
        date_format(d, out->due_on, sizeof out->due_on);
        for (int y = on.y; y <= d.y && !out->due_note[0]; y++)
            if (!calendar_has_year(*cal, y))
                snprintf(out->due_note, sizeof out->due_note,
                         "%d 年尚无节假日数据，按周一至周五计算，可用 hqd calendar add 补充", y);
    }
    if ((st = store_prepare(s,
                            "INSERT INTO applications (entity_id, pack_id, clause, inputs,"
                            " inputs_sha256, applied_on, amount_fen, explanation, status,"
                            " submitted_at, submitted_by, year, origin, limit_wd, due_on)"
                            " VALUES (?,?,?,?,?,?,?,?,'submitted',?,?,?,?,?,?) RETURNING id",
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
    if (limit_wd) {
        store_bind_int(q, 13, limit_wd);
        store_bind_text(q, 14, due);
    } else {
        store_bind_null(q, 13);
        store_bind_null(q, 14);
    }
    if ((st = award_step_int(q, &out->id, e)) != ST_OK)
        goto out;
    char ids[32], after[400], due_json[48] = "";
    snprintf(ids, sizeof ids, "%" PRId64, out->id);
    if (limit_wd) /* the promise made on filing */
        snprintf(due_json, sizeof due_json, ",\"limit_wd\":%d,\"due_on\":\"%s\"", limit_wd, due);
    snprintf(after, sizeof after,
             "{\"uscc\":\"%s\",\"clause\":\"%s\",\"inputs_sha256\":\"%s\",\"amount_fen\":%" PRId64
             "%s}",
             uscc, clause, sha, x.amount, due_json);
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
    struct calendar *cal = NULL;
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
    st = file_application(s, actor, p, pack_id, entity_id, uscc, ci, in, n, on, 0, &cal, out, e);
out:
    if (st != ST_OK)
        store_rollback(s);
    else
        st = store_commit(s, e);
    policy_pack_free(p);
    calendar_free(cal);
    return st;
}

/* The label of clause ci's input name ("合同编号"), or the name if it has none. */

/* Records that en was not filed, and why (counted by the caller). */
static void proposal_skip(struct award_proposals *out, const struct entity *en,
                          enum award_skip reason, const char *why)
{
    xgrow((void **)&out->skipped, &out->skipped_cap, out->n_skipped + 1, sizeof *out->skipped);
    struct award_skipped *k = &out->skipped[out->n_skipped++];
    snprintf(k->uscc, sizeof k->uscc, "%s", en->uscc);
    k->name = xstrdup(en->name);
    k->reason = reason;
    k->text = xstrdup(why);
}

void award_proposals_cleanup(struct award_proposals *p)
{
    for (size_t i = 0; i < p->n_skipped; i++) {
        free(p->skipped[i].name);
        free(p->skipped[i].text);
    }
    free(p->skipped);
    p->skipped = NULL;
    p->n_skipped = p->skipped_cap = 0;
}

/* Whether the entity already has an application under clause that this one would repeat: for a
 * clause with a matter key (contract_no…), one for the same matter; otherwise any in the year.
 * Rejected ones do not count. */
static enum status already_applied(struct store *s, int64_t entity_id, const char *clause, int year,
                                   const char *key, const char *matter, int64_t *found,
                                   char status[12], struct err *e)
{
    struct award_app_filter f = {.entity_id = entity_id, .clause = clause, .year = key ? 0 : year};
    struct award_app *v;
    size_t n;
    *found = 0;
    enum status st = award_applications(s, &f, &v, &n, e);
    for (size_t i = 0; st == ST_OK && i < n && !*found; i++) {
        if (!strcmp(v[i].status, "rejected"))
            continue;
        if (key) {
            json_t *in = json_loads(v[i].inputs, 0, NULL);
            const char *mv = json_string_value(json_object_get(in, key));
            int same = mv && !strcmp(mv, matter);
            json_decref(in);
            if (!same)
                continue;
        }
        *found = v[i].id; /* newest first: the latest such application */
        if (status)
            snprintf(status, 12, "%s", v[i].status);
    }
    if (st == ST_OK)
        award_apps_free(v, n);
    return st;
}

/* 就高不就低 at filing: if another clause of ci's exclusivity group pays this matter more (as
 * policy_match_one projects it, nothing yet received), says which in why ("" otherwise), so
 * that the lower clause is not filed for a matter the higher one covers. */
static enum status superseded_in_group(const struct policy_pack *p, int ci, const struct entity *en,
                                       const struct fact_set *fs, struct date on, char *why,
                                       size_t cap, struct err *e)
{
    size_t nc = policy_pack_clauses(p);
    struct policy_match *m = xcalloc(nc, sizeof *m);
    enum status st = policy_match_one(p, en->kind, fs->in, fs->n, fs->self, on, NULL, m, e);
    why[0] = '\0';
    if (st == ST_OK && m[ci].superseded_by) {
        size_t hi = m[ci].superseded_by - 1;
        char a[32], b[32];
        snprintf(why, cap,
                 "就高不就低：该事项按条款 %s（%s）可得 %s元，高于本条款的 %s元，"
                 "应按该条款生成或申请",
                 policy_clause_id(p, hi), policy_clause_title(p, hi),
                 money_format(m[hi].r.amount_fen, a, sizeof a),
                 money_format(m[ci].r.amount_fen, b, sizeof b));
    }
    policy_matches_cleanup(m, nc);
    free(m);
    return st;
}

/* award_propose for one set of an entity's facts (its own, or one matter's). */
static enum status propose_one(struct store *s, const char *actor, const struct policy_pack *p,
                               int64_t pack_id, int ci, const struct policy_limits *lim,
                               const struct entity *en, const struct fact_set *fs, struct date on,
                               struct calendar **cal, struct award_proposals *out, struct err *e)
{
    const char *clause = policy_clause_id(p, (size_t)ci);
    struct policy_input in[POLICY_VARS_MAX];
    size_t from[POLICY_VARS_MAX];
    size_t m = policy_clause_inputs(p, (size_t)ci, fs->in, fs->n, in, from);
    int64_t received = 0, dup = 0;
    struct policy_result r;
    struct err ce = {0};
    enum status st = year_total(s, en->id, clause, on.y, &received, e);
    if (st != ST_OK)
        return st;
    enum status cs = policy_calc_amount(p, clause, in, m, on, received, &r, &ce);
    if (cs == ST_UNPROCESSABLE) /* a parameter the office has not set: for everyone */
        return err_set(e, cs, ce.where, "%s", ce.msg);
    policy_result_cleanup(&r);
    if (cs != ST_OK || !r.eligible)
        return ST_OK; /* not eligible, or its facts do not read as the clause's inputs */
    /* what is said of a matter names it */
    char why[480] = "", *text = why;
    size_t cap = sizeof why;
    /* the matter: a matter row of the registry, or the key among the entity's own facts */
    const char *matter = fs->matter   ? fs->matter
                         : lim->group ? award_input_value(in, m, lim->key)
                                      : NULL;
    if (matter) {
        snprintf(why, sizeof why, "%s %s：", policy_input_label(p, (size_t)ci, lim->key), matter);
        text += strlen(why);
        cap -= strlen(why);
    }
    for (size_t x = 0; x < m; x++)
        if (fs->self[from[x]])
            snprintf(text + strlen(text), cap - strlen(text), "%s%s（%s）",
                     text[0] ? "、" : "快申快享：依据自行申报的",
                     policy_input_label(p, (size_t)ci, in[x].name), in[x].name);
    if (text[0]) {
        out->self_declared++;
        proposal_skip(out, en, AWARD_SKIP_SELF_DECLARED, why);
        return ST_OK;
    }
    if (lim->group && !award_input_value(in, m, lim->key)) {
        out->incomplete++;
        snprintf(text, cap, "缺少%s（%s），无法确认同一事项未重复享受，须由企业申请",
                 policy_input_label(p, (size_t)ci, lim->key), lim->key);
        proposal_skip(out, en, AWARD_SKIP_INCOMPLETE, why);
        return ST_OK;
    }
    if (policy_clause_group_shared(p, (size_t)ci) &&
        (st = superseded_in_group(p, ci, en, fs, on, text, cap, e)) != ST_OK)
        return st;
    if (text[0]) {
        out->superseded++;
        proposal_skip(out, en, AWARD_SKIP_SUPERSEDED, why);
        return ST_OK;
    }
    if ((st = already_applied(s, en->id, clause, on.y, lim->group ? lim->key : NULL,
                              lim->group ? award_input_value(in, m, lim->key) : NULL, &dup, NULL,
                              e)) != ST_OK)
        return st;
    if (dup) {
        out->duplicates++;
        snprintf(text, cap, "%s",
                 lim->group ? "该事项已有申请" : "本年度已有该条款的申请（由企业或此前生成）");
        proposal_skip(out, en, AWARD_SKIP_DUPLICATE, why);
        return ST_OK;
    }
    struct award_outcome o = {0};
    if ((st = file_application(s, actor, p, pack_id, en->id, en->uscc, ci, in, m, on, 1, cal, &o,
                               e)) != ST_OK)
        return st;
    if (!o.id) {
        out->nothing_left++;
        snprintf(text, cap, "无可兑付金额（本年度上限、同一事项已享受或预算已无余额）");
        proposal_skip(out, en, AWARD_SKIP_NOTHING_LEFT, why);
        return ST_OK;
    }
    out->filed++;
    out->amount_fen += o.amount_fen;
    return ST_OK;
}

enum status award_propose(struct store *s, const char *actor, const char *clause, struct date on,
                          struct award_proposals *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    enum status st = store_begin(s, e);
    if (st != ST_OK)
        return st;
    struct policy_pack *p = NULL;
    struct calendar *cal = NULL;
    struct entity_cursor *cur = NULL;
    struct entity *v; /* a batch of the registry */
    size_t n;
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
    struct fact_set fs;
    cur = entity_cursor_open(s, 0);
    while (st == ST_OK && (st = entity_cursor_next(cur, &v, &n, e)) == ST_OK && n)
        for (size_t i = 0; i < n && st == ST_OK; i++) {
            const struct entity *en = &v[i];
            if (!policy_clause_accepts(p, (size_t)ci, en->kind))
                continue;
            /* one application per matter (contract) of the entity, or one on its own facts */
            for (size_t set = 0; st == ST_OK && fact_set(en, lim.key, set, &fs); set++)
                st = propose_one(s, actor, p, pack_id, ci, &lim, en, &fs, on, &cal, out, e);
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
    if (st != ST_OK)
        award_proposals_cleanup(out);
    entity_cursor_close(cur);
    policy_pack_free(p);
    calendar_free(cal);
    return st;
}

json_t *award_proposals_json(const struct award_proposals *p)
{
    static const char *const reasons[] = {"self_declared", "incomplete", "duplicate",
                                          "nothing_left", "superseded"};
    json_t *skipped = json_array();
    for (size_t i = 0; i < p->n_skipped; i++) {
        const struct award_skipped *k = &p->skipped[i];
        json_array_append_new(skipped,
                              json_pack("{s:s, s:s, s:s, s:s}", "uscc", k->uscc, "name", k->name,
                                        "reason", reasons[k->reason], "text", k->text));
    }
    return json_pack(
        "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "filed", (json_int_t)p->filed, "amount_fen",
        (json_int_t)p->amount_fen, "self_declared", (json_int_t)p->self_declared, "incomplete",
        (json_int_t)p->incomplete, "duplicates", (json_int_t)p->duplicates, "nothing_left",
        (json_int_t)p->nothing_left, "superseded", (json_int_t)p->superseded, "skipped", skipped);
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
    return award_step_int(q, found, e);
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
        size_t n = inputs ? award_inputs_from_json(inputs, in) : 0;
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
            if ((st = award_line_append(s, actor, &l, in, n, &out->payout_id, e)) != ST_OK)
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
    int found = 0;
    int64_t reversed = 0;
    if ((st = award_line_read(s, payout_id, &l, &scratch, &found, e)) != ST_OK)
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
    if ((st = award_step_int(q, &reversed, e)) != ST_OK)
        goto out;
    if (l.reverses || reversed) {
        st = err_set(e, ST_CONFLICT, NULL,
                     l.reverses ? "这是一条追回记录，不能再追回"
                                : "该笔兑付已追回过 (already reversed)");
        goto out;
    }
    /* The reversal carries the reversed line's own inputs, date and matter. */
    struct policy_input in[INPUTS_MAX];
    int n = award_line_inputs(&l, in, &json);
    if (n < 0) {
        st = err_set(e, ST_DB, NULL, "账本第 %" PRId64 " 行的输入无法解读", payout_id);
        goto out;
    }
    struct line r = {.app = l.app,
                     .entity = l.entity,
                     .amount = -l.amount,
                     .reverses = payout_id,
                     .clause = l.clause,
                     .pack = l.pack,
                     .year = l.year,
                     .matter = l.matter,
                     .applied_on = l.applied_on};
    if ((st = year_total(s, r.entity, r.clause, r.year, &r.cap_used, e)) != ST_OK ||
        (st = award_line_append(s, actor, &r, in, (size_t)n, id, e)) != ST_OK)
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
    json_decref(json);
    free(scratch);
    return st;
}

/* ---------------------------------------------------------------- pro-rata batches */

/* Largest-remainder (Hamilton) shares of avail among claims summing to demand > avail: each
 * gets floor(claim × avail / demand); the fen left over go one each to the largest fractional
 * parts, ties to the earlier application (lower index). */
void award_hamilton(const int64_t *claim, size_t n, int64_t avail, int64_t demand, int64_t *share)
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

void award_allocate(const int64_t *claim, const int *cls, size_t n, int64_t avail, int64_t *share)
{
    int64_t *c = xcalloc(n ? n : 1, sizeof *c), *s = xcalloc(n ? n : 1, sizeof *s);
    size_t *at = xcalloc(n ? n : 1, sizeof *at);
    int last = 0;
    for (size_t i = 0; i < n; i++) {
        share[i] = 0;
        if (cls && cls[i] > last)
            last = cls[i];
    }
    for (int k = 0; k <= last; k++) {
        size_t m = 0;
        int64_t demand = 0;
        for (size_t i = 0; i < n; i++)
            if (!cls || cls[i] == k) {
                at[m] = i;
                c[m++] = claim[i];
                demand += claim[i];
            }
        if (demand <= avail) {
            memcpy(s, c, m * sizeof *s);
            avail -= demand;
        } else if (avail > 0) {
            award_hamilton(c, m, avail, demand, s); /* ties to the earlier, within the class */
            avail = 0;
        } else {
            memset(s, 0, m * sizeof *s);
        }
        for (size_t j = 0; j < m; j++)
            share[at[j]] = s[j];
    }
    free(c);
    free(s);
    free(at);
}

struct batch_item {
    const struct award_app *a;
    int64_t claimed, prior, cap_used;
    struct date on;
    char matter[160];
    char missing[400]; /* evidence not filed yet: the application stays pending */
    int cls;           /* its priority class (0 when the clause ranks none) */
    const char *cls_label;
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
    int *cls = NULL;
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
    cls = xcalloc(n, sizeof *cls);
    int64_t demand = 0;
    for (size_t i = 0; i < n; i++) {
        struct batch_item *b = &it[i];
        json_t *inputs = json_loads(b->a->inputs, 0, NULL);
        struct policy_input in[INPUTS_MAX];
        size_t k = inputs ? award_inputs_from_json(inputs, in) : 0;
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
            const char *v = award_input_value(in, k, lim.key);
            snprintf(b->matter, sizeof b->matter, "%s:%s", lim.group, v ? v : "");
            st = matter_total(s, b->a->entity_id, b->matter, &b->prior, e);
            /* what the batch's earlier applications for the matter claim (those it pays: one
             * still missing evidence stays out of the batch, as it does of the yearly total) */
            for (size_t j = 0; j < i && st == ST_OK; j++)
                if (it[j].r.eligible && it[j].a->entity_id == b->a->entity_id &&
                    !strcmp(it[j].matter, b->matter))
                    b->prior += it[j].claimed - it[j].prior > 0 ? it[j].claimed - it[j].prior : 0;
        }
        b->cls = policy_priority_class(p, (size_t)ci, in, k, &b->cls_label);
        cls[i] = b->cls;
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
    if (avail > 0)
        award_allocate(claims, lim.priority_key ? cls : NULL, n, avail, shares);
    out->demand_fen = demand;
    out->avail_fen = avail;
    out->budget_fen = lim.budget_fen;
    out->used_fen = used;
    if (lim.priority_key)
        snprintf(out->priority, sizeof out->priority, "%s",
                 policy_input_label(p, (size_t)ci, lim.priority_key));
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
            else if (lim.priority_key)
                snprintf(x->note, sizeof x->note, "优先类别：%s", it[i].cls_label);
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
            if ((st = award_step_int(m, &batch, e)) != ST_OK)
                goto out;
            l.batch = batch;
        }
        json_t *inputs = json_loads(b->a->inputs, 0, NULL);
        struct policy_input in[INPUTS_MAX];
        size_t k = inputs ? award_inputs_from_json(inputs, in) : 0;
        st = award_line_append(s, actor, &l, in, k, &line_id, e);
        json_decref(inputs);
        if (st != ST_OK)
            goto out;
        char how[300];
        if (demand <= avail)
            snprintf(how, sizeof how, "未超过预算余额，全额兑付");
        else if (!lim.priority_key)
            snprintf(how, sizeof how, "超过预算余额，按比例核减（余数分按小数部分大小逐分分配）");
        else
            snprintf(how, sizeof how, "超过预算余额，按%s依次优先分配；本件为“%s”类，%s",
                     policy_input_label(p, (size_t)ci, lim.priority_key), b->cls_label,
                     shares[i] == claims[i] ? "全额兑付"
                     : shares[i] == 0       ? "预算已由更优先的类别用完"
                                      : "本类按比例核减（余数分按小数部分大小逐分分配）");
        snprintf(b->explanation, sizeof b->explanation,
                 "%s%s %s元，%d 年已兑付 %s元；本批 %zu 件申请合计 %s元，%s，本件 %s元。",
                 b->r.explanation, lim.budget_label, money_format(lim.budget_fen, a1, sizeof a1),
                 year, money_format(used, a2, sizeof a2), n - out->skipped,
                 money_format(demand, a3, sizeof a3), how, money_format(shares[i], a4, sizeof a4));
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
    free(cls);
    policy_pack_free(p);
    return st;
}

enum status award_close_batch(struct store *s, const char *actor, const char *clause, int year,
                              struct award_batch *out, struct err *e)
{
    return close_batch(s, actor, clause, year, 0, -1, out, e);
}

/* Approves apps (newest first, as award_applications lists them) in 受理 order by the approval's
 * own code, inside the caller's transaction; one a check refuses (evidence, the matter, the cap,
 * the budget, already decided) stays as it was, its reason kept. out->shares: each of them. */
static enum status approve_in_order(struct store *s, const char *actor,
                                    const struct award_app *apps, size_t n, int64_t budget_override,
                                    struct award_batch *out, struct err *e)
{
    enum status st = ST_OK;
    out->shares = xcalloc(n ? n : 1, sizeof *out->shares);
    for (size_t i = n; i-- > 0 && st == ST_OK;) {
        const struct award_app *a = &apps[i];
        struct award_share *x = &out->shares[out->n_shares++];
        x->application_id = a->id;
        snprintf(x->uscc, sizeof x->uscc, "%s", a->uscc);
        snprintf(x->entity_name, sizeof x->entity_name, "%s", a->entity_name);
        x->claim_fen = a->amount_fen;
        out->demand_fen += a->amount_fen;
        struct award_outcome o = {0};
        struct err de = {0};
        enum status ds = decide(s, actor, a->id, 1, NULL, budget_override, &o, &de);
        if (ds == ST_OK) {
            x->eligible = 1;
            x->share_fen = o.amount_fen;
            out->approved++;
            out->paid_fen += o.amount_fen;
        } else if (ds == ST_UNPROCESSABLE || ds == ST_CONFLICT) {
            snprintf(x->note, sizeof x->note, "%.400s", de.msg); /* it stays pending */
            out->skipped++;
        } else {
            *e = de;
            st = ds;
        }
    }
    return st;
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
    if ((st = budget_used(s, clause, year, &out->used_fen, e)) == ST_OK) {
        out->avail_fen = out->budget_fen - out->used_fen;
        st = approve_in_order(s, "preview", apps, n, budget_fen, out, e);
    }
    store_rollback(s); /* a 试算 writes nothing */
    if (st != ST_OK)
        award_batch_cleanup(out);
    return st;
}

enum status award_approve_pending(struct store *s, const char *actor, const char *clause, int year,
                                  int proposed_only, int dry_run, struct award_batch *out,
                                  struct err *e)
{
    memset(out, 0, sizeof *out);
    struct award_app *apps = NULL;
    size_t n = 0;
    struct policy_pack *p = NULL;
    int64_t pack_id;
    struct policy_limits lim = {0};
    struct award_app_filter f = {.status = "submitted", .clause = clause, .year = year};
    enum status st = store_begin(s, e);
    if (st != ST_OK)
        return st;
    if ((st = award_applications(s, &f, &apps, &n, e)) != ST_OK)
        goto out;
    if (proposed_only) { /* 免申即享 only: filed by the office from certified data */
        size_t kept = 0;
        for (size_t i = 0; i < n; i++) {
            if (!strcmp(apps[i].origin, "proposed"))
                apps[kept++] = apps[i];
            else
                award_app_cleanup(&apps[i]);
        }
        n = kept;
    }
    if (n == 0) {
        st = err_set(e, ST_NOT_FOUND, NULL, "条款“%s” %d 年没有%s待审申请", clause, year,
                     proposed_only ? "免申即享生成的" : "");
        goto out;
    }
    if ((st = load_pack(s, actor, apps[0].pack_id, &p, &pack_id, e)) != ST_OK)
        goto out;
    int ci = policy_clause_index(p, clause);
    if (ci < 0) {
        st = err_set(e, ST_NOT_FOUND, "clause", "规则包中没有条款“%s”", clause);
        goto out;
    }
    if ((st = policy_clause_limits(p, (size_t)ci, &lim, e)) != ST_OK)
        goto out;
    if (lim.alloc == POLICY_ALLOC_PRO_RATA) {
        st =
            err_set(e, ST_CONFLICT, "clause",
                    "条款“%s”的年度预算按批次等比例分配，请结束批次（hqd award close-batch %s %d）",
                    clause, clause, year);
        goto out;
    }
    out->allocation = lim.alloc == POLICY_ALLOC_FCFS ? "fcfs" : "none";
    if (lim.alloc == POLICY_ALLOC_FCFS) {
        out->budget_fen = lim.budget_fen;
        if ((st = budget_used(s, clause, year, &out->used_fen, e)) != ST_OK)
            goto out;
        out->avail_fen = out->budget_fen - out->used_fen;
    }
    if ((st = approve_in_order(s, dry_run ? "preview" : actor, apps, n, -1, out, e)) != ST_OK)
        goto out;
    if (!dry_run) {
        char after[300];
        snprintf(after, sizeof after,
                 "{\"clause\":\"%s\",\"year\":%d,\"proposed_only\":%s,\"approved\":%zu,"
                 "\"skipped\":%zu,\"paid_fen\":%" PRId64 "}",
                 clause, year, proposed_only ? "true" : "false", out->approved, out->skipped,
                 out->paid_fen);
        st = audit_append(s, actor, "application.approve_all", "clause", clause, NULL, after, e);
    }
out:
    if (st != ST_OK || dry_run)
        store_rollback(s); /* a 试算 writes nothing */
    else
        st = store_commit(s, e);
    if (st != ST_OK)
        award_batch_cleanup(out);
    policy_pack_free(p);
    award_apps_free(apps, n);
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
    return json_pack("{s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "allocation",
                     b->allocation ? b->allocation : "", "priority",
                     b->priority[0] ? json_string(b->priority) : json_null(), "budget_fen",
                     (json_int_t)b->budget_fen, "used_fen", (json_int_t)b->used_fen, "demand_fen",
                     (json_int_t)b->demand_fen, "avail_fen", (json_int_t)b->avail_fen, "paid_fen",
                     (json_int_t)b->paid_fen, "approved", (json_int_t)b->approved, "skipped",
                     (json_int_t)b->skipped, "shares", arr);
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
            if (lim.priority_key)
                snprintf(b->priority, sizeof b->priority, "%s",
                         policy_input_label(p, i, lim.priority_key));
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
            arr, json_pack("{s:s, s:s, s:o, s:s, s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:s}",
                           "clause", b->clause, "title", b->title, "budget_fen", envelope,
                           "allocation", b->allocation, "priority",
                           b->priority[0] ? json_string(b->priority) : json_null(), "paid_fen",
                           (json_int_t)b->paid_fen, "recovered_fen", (json_int_t)b->recovered_fen,
                           "payouts", (json_int_t)b->payouts, "reversals", (json_int_t)b->reversals,
                           "entities", (json_int_t)b->entities, "pending", (json_int_t)b->pending,
                           "pending_fen", (json_int_t)b->pending_fen, "remaining_fen", left, "note",
                           b->note));
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
    for (size_t i = 0; i < n; i++) {
        struct award_match *m;
        size_t nm;
        struct err ignored = {0};
        if (award_match_entity(p, &v[i], on, NULL, &m, &nm, &ignored) != ST_OK)
            continue;
        for (size_t k = 0; k < nm; k++)
            if (m[k].m.applies && m[k].m.r.eligible) {
                pairs[m[k].clause]++;
                total[m[k].clause] += policy_match_payable(&m[k].m);
            }
        award_matches_free(m, nm);
    }
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
        (st = (from_text ? policy_pack_load : policy_pack_load_stored)(a, strlen(a), an, &pa, e)) !=
            ST_OK ||
        (st = (to_text ? policy_pack_load : policy_pack_load_stored)(b, strlen(b), bn, &pb, e)) !=
            ST_OK)
        goto out;
    if (from_text)
        pack_ref_of(pa, &out->from);
    if (to_text)
        pack_ref_of(pb, &out->to);
    size_t na = policy_pack_clauses(pa), nb = policy_pack_clauses(pb);
    size_t *pairs_a = xcalloc(na + 1, sizeof *pairs_a), *pairs_b = xcalloc(nb + 1, sizeof *pairs_b);
    int64_t *tot_a = xcalloc(na + 1, sizeof *tot_a), *tot_b = xcalloc(nb + 1, sizeof *tot_b);
    struct entity_cursor *cur = entity_cursor_open(s, 0);
    while ((st = entity_cursor_next(cur, &v, &nv, e)) == ST_OK && nv) {
        pack_impact(pa, v, nv, on, pairs_a, tot_a);
        pack_impact(pb, v, nv, on, pairs_b, tot_b);
    }
    entity_cursor_close(cur);
    out->rows = xcalloc(nd ? nd : 1, sizeof *out->rows);
    for (size_t i = 0; i < nd && st == ST_OK; i++) {
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

/* ---------------------------------------------------------------- reading */

#define APP_SELECT                                                                                 \
    "SELECT a.id, a.entity_id, a.pack_id, en.uscc, en.name, en.kind, a.clause, a.status,"          \
    " a.applied_on, a.submitted_at, a.submitted_by, coalesce(a.decided_at, ''),"                   \
    " coalesce(a.decided_by, ''), a.amount_fen, (SELECT coalesce(sum(p.amount_fen), 0) FROM"       \
    " payouts p WHERE p.application_id = a.id), a.inputs, a.explanation, coalesce(a.note, ''),"    \
    " a.inputs_sha256, a.origin, coalesce(a.limit_wd, 0), coalesce(a.due_on, '')"                  \
    " FROM applications a JOIN entities en ON en.id = a.entity_id"

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
    a->limit_wd = (int)store_col_int(q, 20);
    snprintf(a->due_on, sizeof a->due_on, "%s", store_col_text(q, 21));
}

void award_app_timing(const struct calendar *cal, struct date today, struct award_app *a)
{
    struct date due, done = today;
    int64_t t;
    a->timing = "none";
    a->timing_days = 0;
    a->timing_text[0] = '\0';
    if (!a->limit_wd || !date_parse_iso(a->due_on, &due))
        return;
    int decided = strcmp(a->status, "submitted") != 0;
    if (decided && clock_parse(a->decided_at, &t))
        done = date_from_days((long)((t + 8 * 3600) / 86400)); /* the decision's day in China */
    int late = calendar_workdays_between(cal, due, done);
    if (decided) {
        a->timing = late ? "late" : "on_time";
        a->timing_days = late;
        if (late)
            snprintf(a->timing_text, sizeof a->timing_text, "超期 %d 个工作日办结（时限 %s）", late,
                     a->due_on);
        else
            snprintf(a->timing_text, sizeof a->timing_text, "按时办结（时限 %s）", a->due_on);
    } else if (late) {
        a->timing = "overdue";
        a->timing_days = late;
        snprintf(a->timing_text, sizeof a->timing_text, "已超期 %d 个工作日（应于 %s 前办结）",
                 late, a->due_on);
    } else {
        a->timing = "open";
        a->timing_days = calendar_workdays_between(cal, today, due);
        if (a->timing_days)
            snprintf(a->timing_text, sizeof a->timing_text, "剩 %d 个工作日（%s 前办结）",
                     a->timing_days, a->due_on);
        else
            snprintf(a->timing_text, sizeof a->timing_text, "今日到期（%s 前办结）", a->due_on);
    }
}

static void timing_add(struct award_timing_totals *t, const char *timing)
{
    const char *k = timing ? timing : "none";
    t->open += !strcmp(k, "open");
    t->overdue += !strcmp(k, "overdue");
    t->on_time += !strcmp(k, "on_time");
    t->late += !strcmp(k, "late");
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
    struct award_app_totals t;
    return award_applications_page(s, f, 0, SIZE_MAX, out, n, &t, e);
}

enum status award_applications_page(struct store *s, const struct award_app_filter *f,
                                    size_t offset, size_t limit, struct award_app **out, size_t *n,
                                    struct award_app_totals *t, struct err *e)
{
    *out = NULL;
    *n = 0;
    memset(t, 0, sizeof *t);
    struct store_stmt *q;
    char today[16];
    date_format(f->today, today, sizeof today);
    enum status st = store_prepare(
        s,
        APP_SELECT " WHERE (?1 = 0 OR a.entity_id = ?1)"
                   " AND (?2 IS NULL OR a.status = ?2)"
                   " AND (?3 IS NULL OR a.clause = ?3)"
                   " AND (?4 = 0 OR a.year = ?4)"
                   " AND (?5 = 0 OR (a.status = 'submitted' AND a.due_on < ?6)) ORDER BY a.id DESC",
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
    store_bind_int(q, 5, f->overdue && f->cal);
    store_bind_text(q, 6, today);
    size_t cap = 0;
    int row;
    struct award_app a;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        app_from(q, &a);
        if (f->cal)
            award_app_timing(f->cal, f->today, &a);
        /* past the date, but not yet a working day past it (a weekend after a Friday) */
        if (f->overdue && f->cal && strcmp(a.timing, "overdue")) {
            award_app_cleanup(&a);
            continue;
        }
        /* every kept row counts in the totals; only the page's are handed out */
        size_t at = t->n++;
        t->amount_fen += a.amount_fen;
        t->paid_fen += a.paid_fen;
        timing_add(&t->timing, a.timing);
        if (at < offset || at - offset >= limit) {
            award_app_cleanup(&a);
            continue;
        }
        if (*n == cap) {
            cap = cap ? cap * 2 : 32;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        (*out)[(*n)++] = a;
    }
    store_finish(q);
    if (st != ST_OK) {
        award_apps_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return st;
}

enum status award_same_inputs(struct store *s, const struct award_app *a, int64_t **ids, size_t *n,
                              struct err *e)
{
    struct store_stmt *q;
    *ids = NULL;
    *n = 0;
    enum status st = store_prepare(s,
                                   "SELECT id FROM applications WHERE entity_id = ? AND clause = ?"
                                   " AND inputs_sha256 = ? AND id <> ? AND status <> 'rejected'"
                                   " ORDER BY id",
                                   &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, a->entity_id);
    store_bind_text(q, 2, a->clause);
    store_bind_text(q, 3, a->inputs_sha256);
    store_bind_int(q, 4, a->id);
    return store_run_ids(q, ids, n, e);
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

json_t *award_outcome_deadline_json(const struct award_outcome *o)
{
    if (!o->limit_wd)
        return json_null();
    json_t *d = json_pack("{s:i, s:s}", "limit_workdays", o->limit_wd, "due_on", o->due_on);
    json_object_set_new(d, "note", o->due_note[0] ? json_string(o->due_note) : json_null());
    return d;
}

void award_timing_count(const struct award_app *v, size_t n, struct award_timing_totals *t)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < n; i++)
        timing_add(t, v[i].timing);
}

json_t *award_timing_json(const struct award_timing_totals *t)
{
    json_t *o = json_pack("{s:I, s:I, s:I, s:I}", "open", (json_int_t)t->open, "overdue",
                          (json_int_t)t->overdue, "on_time", (json_int_t)t->on_time, "late",
                          (json_int_t)t->late);
    size_t decided = t->on_time + t->late;
    if (decided) {
        /* per mille, rounded half up, in integers: 19 of 20 is "95.0" */
        size_t pm = (t->on_time * 1000 * 2 + decided) / (decided * 2);
        char rate[48];
        snprintf(rate, sizeof rate, "%zu.%zu", pm / 10, pm % 10);
        json_object_set_new(o, "on_time_rate", json_string(rate));
    } else {
        json_object_set_new(o, "on_time_rate", json_null());
    }
    return o;
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
    if (a->timing)
        json_object_set_new(o, "deadline",
                            a->limit_wd
                                ? json_pack("{s:i, s:s, s:s, s:i, s:s}", "limit_workdays",
                                            a->limit_wd, "due_on", a->due_on, "state", a->timing,
                                            "workdays", a->timing_days, "text", a->timing_text)
                                : json_null());
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

/* A clause as a workbook cell: its title in the pack in force, with its id (the id alone for a
 * clause only earlier versions have). */
static void clause_cell(const struct policy_pack *p, const char *clause, char *out, size_t cap)
{
    int ci = policy_clause_index(p, clause);
    if (ci >= 0)
        snprintf(out, cap, "%s（%s）", policy_clause_title(p, (size_t)ci), clause);
    else
        snprintf(out, cap, "%s", clause);
}

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
        clause_cell(p, x->clause, clause, sizeof clause);
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

static const struct export_column application_columns[] = {
    {"编号", 8, 0},      {"统一社会信用代码", 22, 0}, {"主体", 28, 0},         {"条款", 26, 0},
    {"受理日期", 12, 0}, {"申请金额（元）", 16, 1},   {"已兑付（元）", 16, 1}, {"状态", 8, 0},
    {"来源", 10, 0},     {"办结时限", 12, 0},         {"时限情况", 30, 0},     {"审批时间", 20, 0},
    {"审批人", 12, 0},   {"审批意见", 30, 0}};
#define APPLICATION_COLS (sizeof application_columns / sizeof application_columns[0])

enum status award_applications_table(struct store *s, const struct award_app_filter *f,
                                     struct export_table *t, struct err *e)
{
    memset(t, 0, sizeof *t);
    struct award_app *v;
    size_t n;
    struct policy_pack *p = NULL;
    enum status st = award_applications(s, f, &v, &n, e);
    if (st != ST_OK)
        return st;
    if ((st = award_pack_current(s, &p, e)) != ST_OK) {
        award_apps_free(v, n);
        return st;
    }
    static const char *const status_words[][2] = {
        {"submitted", "待审批"}, {"approved", "已批准"}, {"rejected", "已驳回"}};
    const char **cells = xcalloc(n ? n * APPLICATION_COLS : 1, sizeof *cells);
    for (size_t i = 0; i < n; i++) {
        const struct award_app *a = &v[i];
        char id[24], asked[24], paid[24], clause[240];
        snprintf(id, sizeof id, "%" PRId64, a->id);
        snprintf(asked, sizeof asked, "%" PRId64, a->amount_fen);
        snprintf(paid, sizeof paid, "%" PRId64, a->paid_fen);
        clause_cell(p, a->clause, clause, sizeof clause);
        const char *status = a->status;
        for (size_t k = 0; k < sizeof status_words / sizeof status_words[0]; k++)
            if (!strcmp(a->status, status_words[k][0]))
                status = status_words[k][1];
        const char *vals[APPLICATION_COLS] = {id,
                                              a->uscc,
                                              a->entity_name,
                                              clause,
                                              a->applied_on,
                                              asked,
                                              paid,
                                              status,
                                              !strcmp(a->origin, "proposed") ? "免申即享" : "申请",
                                              a->due_on,
                                              a->timing_text,
                                              a->decided_at,
                                              a->decided_by,
                                              a->note ? a->note : ""};
        for (size_t c = 0; c < APPLICATION_COLS; c++)
            cells[i * APPLICATION_COLS + c] = xstrdup(vals[c]);
    }
    award_apps_free(v, n);
    policy_pack_free(p);
    *t = (struct export_table){.sheet = "申请台账",
                               .title = "&C惠企政策申请台账",
                               .cols = application_columns,
                               .n_cols = APPLICATION_COLS,
                               .cells = cells,
                               .n_rows = n,
                               .totals = 1};
    return ST_OK;
}

void award_table_free(struct export_table *t)
{
    for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
        free((char *)t->cells[i]);
    free((void *)t->cells);
    memset(t, 0, sizeof *t);
}

/* 边界情形 as a workbook's table: the cases of clause ci (with trial param values). */
static const struct export_column case_columns[] = {{"条款", 26, 0}, {"情形", 44, 0},
                                                    {"输入", 56, 0}, {"金额（元）", 16, 1},
                                                    {"说明", 12, 0}, {"计算与依据", 80, 0}};
#define CASE_COLS (sizeof case_columns / sizeof case_columns[0])

enum status award_cases_table(const struct policy_pack *p, size_t ci,
                              const struct policy_input *trial, size_t n_trial,
                              struct export_table *t, struct err *e)
{
    memset(t, 0, sizeof *t);
    struct policy_case *v;
    size_t n;
    enum status st = policy_clause_cases(p, ci, trial, n_trial, &v, &n, e);
    if (st != ST_OK)
        return st;
    const char **cells = xcalloc(n * CASE_COLS + 1, sizeof *cells);
    char clause[256];
    snprintf(clause, sizeof clause, "%s（%s）", policy_clause_title(p, ci),
             policy_clause_id(p, ci));
    for (size_t k = 0; k < n; k++) {
        char in[1024], amount[32];
        policy_case_inputs(&v[k], in, sizeof in);
        snprintf(amount, sizeof amount, "%" PRId64, v[k].r.amount_fen);
        const char *row[CASE_COLS] = {
            clause, v[k].what, in, amount, policy_case_note(&v[k]), v[k].r.explanation};
        for (size_t c = 0; c < CASE_COLS; c++)
            cells[k * CASE_COLS + c] = xstrdup(row[c] ? row[c] : "");
    }
    policy_cases_free(v, n);
    *t = (struct export_table){
        "边界情形", "惠企政策 条款边界情形", case_columns, CASE_COLS, cells, n, 0};
    return ST_OK;
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

/* What each matter of the entity has received, any year (*paid: new, free it). */
static enum status read_matter_paid(struct store *s, int64_t entity_id, struct matter_paid **paid,
                                    size_t *n, struct err *e)
{
    struct store_stmt *q;
    size_t cap = 0;
    int row;
    *paid = NULL;
    *n = 0;
    enum status st = store_prepare(s,
                                   "SELECT matter, sum(amount_fen) FROM payouts WHERE entity_id = ?"
                                   " AND matter <> '' GROUP BY matter",
                                   &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, entity_id);
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        xgrow((void **)paid, &cap, *n + 1, sizeof **paid);
        snprintf((*paid)[*n].matter, sizeof(*paid)[*n].matter, "%s", store_col_text(q, 0));
        (*paid)[(*n)++].fen = store_col_int(q, 1);
    }
    store_finish(q);
    return st;
}

/* The application each match would repeat (already_applied, as award_propose checks it). */
static enum status name_applications(struct store *s, const struct policy_pack *p,
                                     int64_t entity_id, struct date on, struct award_match *m,
                                     size_t n, struct err *e)
{
    enum status st = ST_OK;
    for (size_t k = 0; k < n && st == ST_OK; k++) {
        struct award_match *a = &m[k];
        const char *key = policy_clause_matter_key(p, a->clause);
        const char *value = key ? match_matter(a, key) : NULL;
        if (!a->m.applies || (key && !value))
            continue; /* a matter not named: nothing to look up */
        st = already_applied(s, entity_id, policy_clause_id(p, a->clause), on.y, value ? key : NULL,
                             value, &a->application, a->application_status, e);
    }
    return st;
}

/* The year's envelope, the same for everyone: what a first-come budget has left, as approval
 * reads it (what was paid, what every pending application holds). */
static enum status bound_by_budgets(struct store *s, const struct policy_pack *p, struct date on,
                                    struct award_match *m, size_t n, struct err *e)
{
    enum status st = ST_OK;
    for (size_t k = 0; k < n && st == ST_OK; k++) {
        struct award_match *a = &m[k];
        struct policy_limits lim;
        int64_t used = 0, held = 0;
        if (!a->m.r.eligible || !policy_match_payable(&a->m) ||
            policy_clause_limits(p, a->clause, &lim, &(struct err){0}) != ST_OK)
            continue; /* a budget param unset: the clause is awaiting, not payable */
        a->pro_rata = lim.alloc == POLICY_ALLOC_PRO_RATA;
        if (lim.alloc != POLICY_ALLOC_FCFS || !strcmp(a->application_status, "submitted"))
            continue; /* pending: its own application already holds its share */
        const char *clause = policy_clause_id(p, a->clause);
        if ((st = budget_used(s, clause, on.y, &used, e)) == ST_OK &&
            (st = budget_held(s, clause, on.y, INT64_MAX, &held, e)) == ST_OK)
            a->budget_left = lim.budget_fen - used - held > 0 ? lim.budget_fen - used - held : 0;
    }
    return st;
}

enum status award_match_ledger(struct store *s, const struct policy_pack *p,
                               const struct entity *en, struct date on, struct award_match **out,
                               size_t *n, int64_t **received, struct err *e)
{
    size_t nc = policy_pack_clauses(p), n_paid = 0;
    int64_t filed = 0;
    struct matter_paid *paid = NULL;
    struct store_stmt *q;
    *out = NULL;
    *n = 0;
    *received = xcalloc(nc ? nc : 1, sizeof **received);
    /* most of a registry has never applied: one look, and nothing more to read for them */
    enum status st = store_prepare(
        s, "SELECT count(*) FROM applications WHERE entity_id = ? AND status <> 'rejected'", &q, e);
    if (st == ST_OK) {
        store_bind_int(q, 1, en->id);
        st = award_step_int(q, &filed, e);
    }
    for (size_t c = 0; c < nc && st == ST_OK && filed; c++)
        st = year_total(s, en->id, policy_clause_id(p, c), on.y, &(*received)[c], e);
    if (st == ST_OK && filed)
        st = read_matter_paid(s, en->id, &paid, &n_paid, e);
    if (st == ST_OK)
        st = match_entity(p, en, on, *received, paid, n_paid, out, n, e);
    free(paid);
    if (st == ST_OK && filed)
        st = name_applications(s, p, en->id, on, *out, *n, e);
    if (st == ST_OK)
        st = bound_by_budgets(s, p, on, *out, *n, e);
    if (st != ST_OK) {
        award_matches_free(*out, *n);
        free(*received);
        *out = NULL;
        *n = 0;
        *received = NULL;
    }
    return st;
}

int64_t award_match_payable(const struct award_match *a)
{
    int64_t v = policy_match_payable(&a->m) - a->matter_paid;
    if (a->budget_left >= 0 && v > a->budget_left)
        v = a->budget_left;
    return v > 0 ? v : 0;
}

const char *award_match_state(const struct award_match *a)
{
    const struct policy_match *m = &a->m;
    if (m->r.eligible)
        return a->matter_paid > 0 && a->matter_paid >= policy_match_payable(m) && !m->superseded_by
                   ? "received" /* paid in full, not merely out of budget */
                   : "qualifies";
    return m->near ? "near" : m->awaiting ? "awaiting" : "no";
}

const char *award_match_standing(const struct policy_pack *p, const struct award_match *a,
                                 char *out, size_t cap)
{
    char paid[32], left[32];
    out[0] = '\0';
    if (a->matter_paid > 0 && a->m.r.eligible && !a->m.superseded_by) {
        int64_t more = award_match_payable(a);
        money_format(a->matter_paid, paid, sizeof paid);
        if (more)
            snprintf(out, cap, "该事项已获兑付 %s元，就高不就低，还可补足差额 %s元。", paid,
                     money_format(more, left, sizeof left));
        else
            snprintf(out, cap, "该事项已获兑付 %s元，不再重复享受。", paid);
    }
    int64_t before = policy_match_payable(&a->m) - a->matter_paid;
    if (a->budget_left >= 0 && a->m.r.eligible && before > a->budget_left) {
        money_format(a->budget_left, left, sizeof left);
        if (a->budget_left)
            snprintf(out + strlen(out), cap - strlen(out),
                     "年度资金余额 %s元（已扣除已兑付和待审申请），先到先得，现可得 %s元。", left,
                     left);
        else
            snprintf(out + strlen(out), cap - strlen(out),
                     "年度资金已无余额（已兑付和待审申请已占满），先到先得。");
    } else if (a->pro_rata && a->m.r.eligible && before > 0) {
        snprintf(out + strlen(out), cap - strlen(out),
                 "年度资金按批次等比例分配，批次结束时确定金额。");
    }
    int pending = !strcmp(a->application_status, "submitted");
    if (a->application && (pending || !a->matter_paid))
        snprintf(out + strlen(out), cap - strlen(out), "%s已有申请 %" PRId64 "（%s）。",
                 policy_clause_matter_key(p, a->clause) ? "该事项" : "本年度", a->application,
                 pending                                      ? "待审批"
                 : !strcmp(a->application_status, "approved") ? "已批准"
                                                              : a->application_status);
    return out;
}

/* Fills r's state and texts for match a. */
static void list_row_fill(const struct policy_pack *p, const struct award_match *a,
                          struct award_list_row *r)
{
    const struct policy_match *x = &a->m;
    size_t c = a->clause;
    char standing[400];
    award_match_standing(p, a, standing, sizeof standing);
    r->state = award_match_state(a);
    r->said = !strcmp(r->state, "received")    ? "已享受"
              : !strcmp(r->state, "qualifies") ? "符合"
              : !strcmp(r->state, "near")      ? "接近"
                                               : "待定";
    r->route[0] = r->why[0] = '\0';
    snprintf(r->explanation, sizeof r->explanation, "%s", x->r.explanation ? x->r.explanation : "");
    if (x->superseded_by) /* 就高不就低: shown, but what it adds is 0 */
        snprintf(r->explanation + strlen(r->explanation),
                 sizeof r->explanation - strlen(r->explanation),
                 "同一事项就高不就低：按“%s”兑现，本条款不再重复享受。",
                 policy_clause_title(p, x->superseded_by - 1));
    snprintf(r->explanation + strlen(r->explanation),
             sizeof r->explanation - strlen(r->explanation), "%s", standing);
    if (!strcmp(r->state, "awaiting")) {
        snprintf(r->why, sizeof r->why, "待管委会设定参数后计算");
        return;
    }
    if (!strcmp(r->state, "qualifies")) {
        size_t n = (size_t)snprintf(r->route, sizeof r->route, "%s", policy_match_route(x));
        for (size_t y = 0; y < x->n_self && n < sizeof r->route; y++)
            n += (size_t)snprintf(r->route + n, sizeof r->route - n, "%s%s",
                                  y ? "、" : "：自行申报的 ", x->self_declared[y]);
        if (x->r.matter_missing && n < sizeof r->route)
            snprintf(r->route + n, sizeof r->route - n, "%s须填写 %s", x->n_self ? "；" : "：",
                     policy_input_label(p, c, x->r.matter_missing));
    }
    if (x->r.eligible && x->superseded_by)
        snprintf(r->why, sizeof r->why, "就高不就低，按“%s”兑现",
                 policy_clause_title(p, x->superseded_by - 1));
    else if (x->r.eligible)
        snprintf(r->why, sizeof r->why, "%s", standing[0] ? standing : r->route);
    else {
        size_t n = 0;
        for (size_t y = 0; y < x->r.n_missing && n < sizeof r->why; y++)
            n += (size_t)snprintf(r->why + n, sizeof r->why - n, "%s%s", y ? "、" : "还差 ",
                                  policy_input_label(p, c, x->r.missing[y]));
        if (!r->why[0])
            snprintf(r->why, sizeof r->why, "差一个条件（见计算与依据）");
    }
}

/* Clause c's yearly envelope as the list weighs it: what was paid, what pending fcfs
 * applications hold, what is left (nothing filled without an envelope or with its param unset). */
static enum status list_clause_budget(struct store *s, const struct policy_pack *p, size_t c,
                                      int year, struct award_list_clause *lc, struct err *e)
{
    struct policy_limits lim;
    if (policy_clause_limits(p, c, &lim, &(struct err){0}) != ST_OK ||
        lim.alloc == POLICY_ALLOC_NONE)
        return ST_OK;
    const char *clause = policy_clause_id(p, c);
    int fcfs = lim.alloc == POLICY_ALLOC_FCFS;
    enum status st = budget_used(s, clause, year, &lc->used_fen, e);
    if (st == ST_OK && fcfs)
        st = budget_held(s, clause, year, INT64_MAX, &lc->held_fen, e);
    if (st != ST_OK)
        return st;
    lc->allocation = fcfs ? "fcfs" : "pro-rata";
    lc->budget_fen = lim.budget_fen;
    lc->left_fen = lim.budget_fen - lc->used_fen - lc->held_fen;
    if (lc->left_fen < 0)
        lc->left_fen = 0;
    return ST_OK;
}

enum status award_match_list(struct store *s, const struct policy_pack *p, struct date on,
                             const struct award_list_visit *v, struct award_list_totals *t,
                             struct err *e)
{
    memset(t, 0, sizeof *t);
    /* one moment's registry and ledger: an approval committed during the walk shows in none of
       it rather than in the entities after it (and no statement takes a read lock of its own) */
    enum status st = store_snapshot_begin(s, e);
    if (st != ST_OK)
        return st;
    t->n_clauses = policy_pack_clauses(p);
    t->clauses = xcalloc(t->n_clauses ? t->n_clauses : 1, sizeof *t->clauses);
    for (size_t c = 0; c < t->n_clauses && st == ST_OK; c++)
        st = list_clause_budget(s, p, c, on.y, &t->clauses[c], e);
    if (st != ST_OK) {
        store_snapshot_end(s);
        return st;
    }
    struct entity_cursor *cur = entity_cursor_open(s, 0);
    struct award_list_row *r = xcalloc(1, sizeof *r);
    struct entity *batch;
    size_t n;
    while ((st = entity_cursor_next(cur, &batch, &n, e)) == ST_OK && n)
        for (size_t i = 0; i < n && st == ST_OK; i++) {
            struct award_match *m;
            size_t nm;
            int64_t *received;
            t->entities++;
            if ((st = award_match_ledger(s, p, &batch[i], on, &m, &nm, &received, e)) != ST_OK)
                goto out;
            free(received);
            for (size_t k = 0; k < nm && st == ST_OK; k++) {
                const struct policy_match *x = &m[k].m;
                int awaiting = x->applies && x->awaiting && x->n_given;
                if (!awaiting && (!x->applies || !(x->r.eligible || x->near)))
                    continue;
                r->entity = &batch[i];
                r->match = &m[k];
                list_row_fill(p, &m[k], r);
                struct award_list_clause *lc = &t->clauses[m[k].clause];
                if (!strcmp(r->state, "qualifies")) {
                    int automatic = !strcmp(policy_match_route(x), "免申即享");
                    int64_t fen = award_match_payable(&m[k]);
                    t->qualifies++;
                    t->automatic += automatic;
                    t->total_fen += fen;
                    lc->qualifies++;
                    lc->automatic += automatic;
                    lc->total_fen += fen;
                    if (strcmp(m[k].application_status, "submitted"))
                        lc->new_fen += fen;
                } else {
                    int is_near = !strcmp(r->state, "near"),
                        is_awaiting = !strcmp(r->state, "awaiting"),
                        is_received = !strcmp(r->state, "received");
                    t->near += is_near;
                    t->awaiting += is_awaiting;
                    t->received += is_received;
                    lc->near += is_near;
                    lc->awaiting += is_awaiting;
                    lc->received += is_received;
                }
                st = v->row(v->ctx, r, e);
            }
            award_matches_free(m, nm);
            if (st == ST_OK && v->entity_done)
                st = v->entity_done(v->ctx, &batch[i], e);
        }
out:
    free(r);
    entity_cursor_close(cur);
    store_snapshot_end(s);
    for (size_t c = 0; c < t->n_clauses; c++) {
        struct award_list_clause *lc = &t->clauses[c];
        int64_t asks =
            lc->allocation && !strcmp(lc->allocation, "fcfs") ? lc->new_fen : lc->total_fen;
        lc->short_fen = lc->allocation && asks > lc->left_fen ? asks - lc->left_fen : 0;
    }
    return st;
}

void award_list_totals_cleanup(struct award_list_totals *t)
{
    free(t->clauses);
    t->clauses = NULL;
    t->n_clauses = 0;
}

json_t *award_list_clauses_json(const struct policy_pack *p, const struct award_list_totals *t)
{
    json_t *arr = json_array();
    for (size_t c = 0; c < t->n_clauses; c++) {
        const struct award_list_clause *lc = &t->clauses[c];
        if (!lc->allocation && !lc->qualifies && !lc->near && !lc->awaiting && !lc->received)
            continue;
        json_t *o =
            json_pack("{s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}", "clause", policy_clause_id(p, c),
                      "title", policy_clause_title(p, c), "qualifies", (json_int_t)lc->qualifies,
                      "automatic", (json_int_t)lc->automatic, "near", (json_int_t)lc->near,
                      "awaiting", (json_int_t)lc->awaiting, "received", (json_int_t)lc->received,
                      "total_fen", (json_int_t)lc->total_fen);
        json_object_set_new(
            o, "budget",
            lc->allocation
                ? json_pack("{s:s, s:I, s:I, s:I, s:I, s:I}", "allocation", lc->allocation,
                            "budget_fen", (json_int_t)lc->budget_fen, "used_fen",
                            (json_int_t)lc->used_fen, "held_fen", (json_int_t)lc->held_fen,
                            "left_fen", (json_int_t)lc->left_fen, "short_fen",
                            (json_int_t)lc->short_fen)
                : json_null());
        char warn[600];
        if (award_list_clause_warning(p, t, c, warn, sizeof warn)[0])
            json_object_set_new(o, "warning", json_string(warn));
        json_array_append_new(arr, o);
    }
    return arr;
}

const char *award_list_clause_warning(const struct policy_pack *p,
                                      const struct award_list_totals *t, size_t clause, char *out,
                                      size_t cap)
{
    const struct award_list_clause *lc = &t->clauses[clause];
    out[0] = '\0';
    if (!lc->short_fen)
        return out;
    char asks[32], left[32], gap[32];
    int fcfs = !strcmp(lc->allocation, "fcfs");
    money_format(fcfs ? lc->new_fen : lc->total_fen, asks, sizeof asks);
    money_format(lc->left_fen, left, sizeof left);
    money_format(lc->short_fen, gap, sizeof gap);
    if (fcfs)
        snprintf(out, cap,
                 "%s：名单中尚未申请的合计 %s元，年度资金余额 %s元（已扣除已兑付和待审申请），"
                 "缺口 %s元；先到先得，余额用尽后的申请不予兑付。",
                 policy_clause_title(p, clause), asks, left, gap);
    else
        snprintf(out, cap,
                 "%s：名单合计 %s元，年度资金尚余 %s元，缺口 %s元；批次结算时各申请按比例核减。",
                 policy_clause_title(p, clause), asks, left, gap);
    return out;
}

enum status award_list_writer_open(const char *path, struct export_writer **w, struct err *e)
{
    static const struct export_column cols[AWARD_LIST_COLS] = {{"统一社会信用代码", 22, 0},
                                                               {"名称", 28, 0},
                                                               {"政策", 24, 0},
                                                               {"事项", 18, 0},
                                                               {"匹配", 8, 0},
                                                               {"兑现方式", 24, 0},
                                                               {"金额（元）", 16, 1},
                                                               {"计算与依据", 80, 0}};
    return export_writer_open(path, "政策匹配", "惠企政策 免申即享 匹配结果", cols, AWARD_LIST_COLS,
                              1, w, e);
}

void award_list_cells(const struct policy_pack *p, const struct award_list_row *r,
                      const char *cells[AWARD_LIST_COLS], char amount[24])
{
    snprintf(amount, 24, "%" PRId64, award_match_payable(r->match));
    cells[0] = r->entity->uscc;
    cells[1] = r->entity->name;
    cells[2] = policy_clause_title(p, r->match->clause);
    cells[3] = r->match->matter;
    cells[4] = r->said;
    cells[5] = r->route;
    cells[6] = !strcmp(r->state, "qualifies") ? amount : "";
    cells[7] = r->explanation;
}

json_t *award_list_row_json(const struct policy_pack *p, const struct award_list_row *r)
{
    const struct award_match *a = r->match;
    const struct policy_match *x = &a->m;
    char standing[400];
    json_t *missing = json_array(), *self = json_array();
    for (size_t y = 0; y < x->r.n_missing; y++)
        json_array_append_new(missing, json_string(x->r.missing[y]));
    for (size_t y = 0; y < x->n_self; y++)
        json_array_append_new(self, json_string(x->self_declared[y]));
    json_t *o = json_pack(
        "{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:s, s:s, s:o, s:o}", "clause",
        policy_clause_id(p, a->clause), "title", policy_clause_title(p, a->clause), "state",
        r->state, "said", r->said, "amount_fen", (json_int_t)x->r.amount_fen, "payable_fen",
        (json_int_t)award_match_payable(a), "matter_paid_fen", (json_int_t)a->matter_paid,
        "explanation", x->r.explanation ? x->r.explanation : "", "standing",
        award_match_standing(p, a, standing, sizeof standing), "missing", missing, "self_declared",
        self);
    if (r->route[0]) {
        json_object_set_new(o, "route", json_string(policy_match_route(x)));
        json_object_set_new(o, "route_text", json_string(r->route));
    }
    if (a->application)
        json_object_set_new(o, "application",
                            json_pack("{s:I, s:s}", "id", (json_int_t)a->application, "status",
                                      a->application_status));
    if (a->matter[0]) {
        json_object_set_new(o, "matter_key", json_string(a->matter_key));
        json_object_set_new(o, "matter", json_string(a->matter));
    }
    if (x->superseded_by)
        json_object_set_new(o, "superseded_by",
                            json_string(policy_clause_id(p, x->superseded_by - 1)));
    return o;
}

enum status award_entitlements(struct store *s, const char *uscc, struct date on,
                               struct policy_pack **p, struct award_match **m, size_t *n,
                               int64_t **received, struct err *e)
{
    *p = NULL;
    *m = NULL;
    *n = 0;
    *received = NULL;
    struct entity *v = NULL;
    enum status st = entity_get(s, uscc, &v, e);
    if (st != ST_OK)
        return st;
    if ((st = award_pack_current(s, p, e)) == ST_OK &&
        (st = award_match_ledger(s, *p, v, on, m, n, received, e)) != ST_OK) {
        policy_pack_free(*p);
        *p = NULL;
    }
    entities_free(v, 1);
    return st;
}
