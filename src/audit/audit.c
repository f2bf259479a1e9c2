#include "audit/audit.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/clock.h"
#include "base/hash.h"
#include "store/store.h"

static const char GENESIS[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* The hash of one row, given its fields and the previous hash. */
static void row_hash(const char *prev, int64_t id, const char *at, const char *actor,
                     const char *action, const char *entity, const char *entity_id,
                     const char *before, const char *after, char out[HASH_HEX_LEN + 1])
{
    struct hash_sha256 h;
    char ids[32];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    hash_sha256_init(&h);
    hash_sha256_field(&h, prev);
    hash_sha256_field(&h, ids);
    hash_sha256_field(&h, at);
    hash_sha256_field(&h, actor);
    hash_sha256_field(&h, action);
    hash_sha256_field(&h, entity);
    hash_sha256_field(&h, entity_id);
    hash_sha256_field(&h, before);
    hash_sha256_field(&h, after);
    hash_sha256_final_hex(&h, out);
}

enum status audit_append(struct store *s, const char *actor, const char *action, const char *entity,
                         const char *entity_id, const char *before, const char *after,
                         struct err *e)
{
    struct store_stmt *q;
    enum status st =
        store_prepare(s, "SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1", &q, e);
    if (st != ST_OK)
        return st;
    int row;
    if ((st = store_step(q, &row, e)) != ST_OK)
        return st;
    int64_t id = 1;
    char prev[HASH_HEX_LEN + 1];
    snprintf(prev, sizeof prev, "%s", GENESIS);
    if (row) {
        id = store_col_int(q, 0) + 1;
        snprintf(prev, sizeof prev, "%s", store_col_text(q, 1));
    }
    store_finish(q);

    char at[32], hash[HASH_HEX_LEN + 1];
    clock_now_iso(at, sizeof at);
    row_hash(prev, id, at, actor, action, entity, entity_id, before, after, hash);
    if ((st = store_prepare(s,
                            "INSERT INTO audit_log (id, at, actor, action, entity, entity_id,"
                            " before, after, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)",
                            &q, e)) != ST_OK)
        return st;
    store_bind_int(q, 1, id);
    store_bind_text(q, 2, at);
    store_bind_text(q, 3, actor);
    store_bind_text(q, 4, action);
    store_bind_text(q, 5, entity);
    store_bind_text(q, 6, entity_id);
    store_bind_text(q, 7, before);
    store_bind_text(q, 8, after);
    store_bind_text(q, 9, prev);
    store_bind_text(q, 10, hash);
    return store_run(q, e);
}

enum status audit_verify(struct store *s, struct audit_report *r, struct err *e)
{
    memset(r, 0, sizeof *r);
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   "SELECT id, at, actor, action, entity, entity_id, before,"
                                   " after, prev_hash, hash FROM audit_log ORDER BY id",
                                   &q, e);
    if (st != ST_OK)
        return st;
    char prev[HASH_HEX_LEN + 1];
    snprintf(prev, sizeof prev, "%s", GENESIS);
    int64_t expect_id = 1;
    for (;;) {
        int row;
        if ((st = store_step(q, &row, e)) != ST_OK) {
            store_finish(q);
            return st;
        }
        if (!row)
            break;
        int64_t id = store_col_int(q, 0);
        r->rows++;
        const char *stored_prev = store_col_text(q, 8), *stored = store_col_text(q, 9);
        char hash[HASH_HEX_LEN + 1];
        row_hash(prev, id, store_col_text(q, 1), store_col_text(q, 2), store_col_text(q, 3),
                 store_col_text(q, 4), store_col_text(q, 5), store_col_text(q, 6),
                 store_col_text(q, 7), hash);
        const char *why = NULL;
        if (id != expect_id)
            why = "编号不连续，有行被删除或插入 (a row is missing or was inserted)";
        else if (!stored_prev || strcmp(stored_prev, prev) != 0)
            why = "prev_hash 与上一行的 hash 不符 (chain broken)";
        else if (!stored || strcmp(stored, hash) != 0)
            why = "内容与 hash 不符，该行被改动过 (row content was altered)";
        if (why) {
            r->first_bad = id;
            snprintf(r->reason, sizeof r->reason, "%s", why);
            break;
        }
        snprintf(prev, sizeof prev, "%s", stored);
        expect_id++;
    }
    store_finish(q);
    if (r->rows)
        memcpy(r->head, prev, sizeof r->head);
    return ST_OK;
}

const struct audit_chain audit_log_chain = {"审计日志", "audit_log"};

enum status audit_anchor_check(struct store *s, const struct audit_chain *chain, const char *text,
                               struct audit_anchor *out, struct err *e)
{
    out->text = text;
    out->ok = 0;
    out->problem[0] = '\0';
    /* ID:HASH, the id in decimal and the hash as 64 lowercase hex digits */
    const char *colon = strchr(text, ':');
    int64_t id = 0;
    int valid = colon && colon > text && colon - text <= 18 && strlen(colon + 1) == HASH_HEX_LEN;
    for (const char *p = text; valid && p < colon; p++) {
        valid = *p >= '0' && *p <= '9';
        id = id * 10 + (*p - '0');
    }
    for (const char *p = colon ? colon + 1 : ""; valid && *p; p++)
        valid = (*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f');
    if (!valid || id <= 0)
        return err_set(
            e, ST_INVALID, "anchor",
            "锚点应写作“行号:哈希”（行号为正整数，哈希为 64 位小写十六进制，即校验时报出的"
            "末行与其哈希）：%.80s",
            text);
    struct store_stmt *q;
    int64_t last = 0;
    int row;
    char sql[128]; /* the table name is the chain's, from code */
    snprintf(sql, sizeof sql, "SELECT coalesce(max(id), 0) FROM %s", chain->table);
    enum status st = store_prepare(s, sql, &q, e);
    if (st != ST_OK)
        return st;
    if ((st = store_step(q, &row, e)) == ST_OK && row)
        last = store_col_int(q, 0);
    store_finish(q);
    if (st != ST_OK)
        return st;
    if (id > last) {
        snprintf(out->problem, sizeof out->problem,
                 "%s没有第 %" PRId64 " 行（现有 %" PRId64 " 行）：锚点抄录之后，末尾的行被删去了",
                 chain->noun, id, last);
        return ST_OK;
    }
    snprintf(sql, sizeof sql, "SELECT hash FROM %s WHERE id = ?", chain->table);
    if ((st = store_prepare(s, sql, &q, e)) != ST_OK)
        return st;
    store_bind_int(q, 1, id);
    if ((st = store_step(q, &row, e)) == ST_OK) {
        const char *stored = row ? store_col_text(q, 0) : NULL;
        if (stored && !strcmp(stored, colon + 1))
            out->ok = 1;
        else
            snprintf(out->problem, sizeof out->problem,
                     "%s第 %" PRId64 " 行的哈希与抄录的锚点不符（现为 %.12s…，抄录时为 %.12s…）："
                     "这一行或它之前的行被改写过",
                     chain->noun, id, stored ? stored : "（无此行）", colon + 1);
    }
    store_finish(q);
    return st;
}

json_t *audit_report_json(const struct audit_report *r)
{
    json_t *j =
        json_pack("{s:b, s:I, s:I, s:s}", "ok", r->first_bad == 0, "rows", (json_int_t)r->rows,
                  "first_bad", (json_int_t)r->first_bad, "reason", r->reason);
    if (!r->first_bad && r->rows)
        json_object_set_new(j, "head",
                            json_pack("{s:I, s:s}", "id", (json_int_t)r->rows, "hash", r->head));
    return j;
}

json_t *audit_anchor_json(const struct audit_anchor *a)
{
    json_t *o = json_pack("{s:s, s:b}", "anchor", a->text, "ok", a->ok);
    if (!a->ok)
        json_object_set_new(o, "problem", json_string(a->problem));
    return o;
}

enum status audit_head(struct store *s, int64_t *id, struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s, "SELECT coalesce(max(id), 0) FROM audit_log", &q, e);
    if (st != ST_OK)
        return st;
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK)
        *id = row ? store_col_int(q, 0) : 0;
    store_finish(q);
    return st;
}
