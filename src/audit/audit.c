#include "audit/audit.h"

#include <inttypes.h>
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
    return ST_OK;
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
