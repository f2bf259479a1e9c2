/* The department directory in the store. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/xalloc.h"
#include "dept/dept.h"
#include "store/store.h"

static enum status find(struct store *s, const char *name, int64_t *id, int64_t *canonical,
                        struct err *e)
{
    struct store_stmt *q;
    enum status st =
        store_prepare(s, "SELECT id, canonical_id FROM departments WHERE name = ?", &q, e);
    if (st != ST_OK)
        return st;
    store_bind_text(q, 1, name);
    int row;
    if ((st = store_step(q, &row, e)) != ST_OK) {
        store_finish(q);
        return st;
    }
    if (!row) {
        store_finish(q);
        return ST_NOT_FOUND;
    }
    *id = store_col_int(q, 0);
    *canonical = store_col_is_null(q, 1) ? 0 : store_col_int(q, 1);
    store_finish(q);
    return ST_OK;
}

static enum status insert(struct store *s, const char *actor, const char *name, enum dept_kind kind,
                          int64_t canonical, int64_t *id, struct err *e)
{
    char now[32];
    clock_now_iso(now, sizeof now);
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   "INSERT INTO departments (name, kind, canonical_id, created_at)"
                                   " VALUES (?, ?, ?, ?) RETURNING id",
                                   &q, e);
    if (st != ST_OK)
        return st;
    store_bind_text(q, 1, name);
    store_bind_text(q, 2, dept_kind_name(kind));
    if (canonical)
        store_bind_int(q, 3, canonical);
    else
        store_bind_null(q, 3);
    store_bind_text(q, 4, now);
    int row;
    if ((st = store_step(q, &row, e)) != ST_OK) {
        store_finish(q);
        return st;
    }
    *id = store_col_int(q, 0);
    store_finish(q);
    json_t *after = json_pack("{s:s, s:s}", "name", name, "kind", dept_kind_name(kind));
    if (canonical)
        json_object_set_new(after, "canonical_id", json_integer(canonical));
    char *a = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
    char ids[32];
    snprintf(ids, sizeof ids, "%" PRId64, *id);
    st = audit_append(s, actor, canonical ? "dept.alias" : "dept.create", "department", ids, NULL,
                      a, e);
    free(a);
    json_decref(after);
    return st;
}

enum status dept_ensure(struct store *s, const char *actor, const char *name, int64_t *id,
                        struct err *e)
{
    int64_t row_id, canonical;
    enum status st = find(s, name, &row_id, &canonical, e);
    if (st == ST_OK) {
        *id = canonical ? canonical : row_id;
        return ST_OK;
    }
    if (st != ST_NOT_FOUND)
        return st;
    return insert(s, actor, name, dept_kind_of(name), 0, id, e);
}

enum status dept_resolve(struct store *s, const char *name, int64_t *id, struct err *e)
{
    int64_t row_id, canonical;
    enum status st = find(s, name, &row_id, &canonical, e);
    if (st == ST_NOT_FOUND)
        return err_set(e, ST_NOT_FOUND, name, "没有名为“%s”的部门 (no such department)", name);
    if (st != ST_OK)
        return st;
    *id = canonical ? canonical : row_id;
    return ST_OK;
}

enum status dept_list(struct store *s, struct dept_row **rows, size_t *n, struct err *e)
{
    *rows = NULL;
    *n = 0;
    struct store_stmt *q;
    enum status st = store_prepare(
        s,
        "SELECT d.id, d.name, d.kind, coalesce(d.canonical_id, 0), c.name,"
        " (SELECT count(DISTINCT td.task_id) FROM task_depts td JOIN departments x"
        "   ON x.id = td.dept_id WHERE coalesce(x.canonical_id, x.id) = c.id AND td.role = 'lead'),"
        " (SELECT count(DISTINCT td.task_id) FROM task_depts td JOIN departments x"
        "   ON x.id = td.dept_id WHERE coalesce(x.canonical_id, x.id) = c.id AND td.role = 'co')"
        " FROM departments d JOIN departments c ON c.id = coalesce(d.canonical_id, d.id)"
        " ORDER BY c.name, d.canonical_id IS NOT NULL, d.name",
        &q, e);
    if (st != ST_OK)
        return st;
    size_t cap = 0;
    for (;;) {
        int row;
        if ((st = store_step(q, &row, e)) != ST_OK)
            break;
        if (!row)
            break;
        xgrow((void **)rows, &cap, *n + 1, sizeof **rows);
        struct dept_row *r = &(*rows)[(*n)++];
        r->id = store_col_int(q, 0);
        r->name = store_col_dup(q, 1);
        r->kind = dept_kind_parse(store_col_text(q, 2));
        r->canonical_id = store_col_int(q, 3);
        r->canonical = store_col_dup(q, 4);
        r->lead_tasks = store_col_int(q, 5);
        r->co_tasks = store_col_int(q, 6);
    }
    store_finish(q);
    if (st != ST_OK) {
        dept_rows_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return st;
}

void dept_rows_free(struct dept_row *rows, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(rows[i].name);
        free(rows[i].canonical);
    }
    free(rows);
}

enum status dept_alias(struct store *s, const char *actor, const char *alias, const char *canonical,
                       struct err *e)
{
    if (strcmp(alias, canonical) == 0)
        return err_set(e, ST_INVALID, alias, "别名与规范名相同 (alias equals canonical name)");
    enum status st = store_begin(s, e);
    if (st != ST_OK)
        return st;
    int64_t cid, ccanon, aid, acanon;
    if ((st = find(s, canonical, &cid, &ccanon, e)) != ST_OK) {
        if (st == ST_NOT_FOUND)
            err_set(e, ST_NOT_FOUND, canonical, "没有名为“%s”的部门 (no such department)",
                    canonical);
        goto out;
    }
    if (ccanon)
        cid = ccanon; /* aliasing to an alias means aliasing to its canonical */
    st = find(s, alias, &aid, &acanon, e);
    if (st == ST_NOT_FOUND) {
        int64_t id;
        st = insert(s, actor, alias, dept_kind_of(canonical), cid, &id, e);
        goto out;
    }
    if (st != ST_OK)
        goto out;
    if (aid == cid) {
        st = err_set(e, ST_CONFLICT, alias, "“%s”已经是“%s”的别名 (cycle)", canonical, alias);
        goto out;
    }
    if (acanon == cid) {
        st = ST_OK; /* already so: nothing to write */
        goto out;
    }
    struct store_stmt *q;
    if ((st = store_prepare(s, "SELECT count(*) FROM departments WHERE canonical_id = ?", &q, e)) !=
        ST_OK)
        goto out;
    store_bind_int(q, 1, aid);
    int row;
    st = store_step(q, &row, e);
    int64_t dependants = row ? store_col_int(q, 0) : 0;
    store_finish(q);
    if (st != ST_OK)
        goto out;
    if (dependants) {
        /* Move the alias's own aliases along with it. */
        if ((st = store_prepare(s, "UPDATE departments SET canonical_id = ? WHERE canonical_id = ?",
                                &q, e)) != ST_OK)
            goto out;
        store_bind_int(q, 1, cid);
        store_bind_int(q, 2, aid);
        if ((st = store_run(q, e)) != ST_OK)
            goto out;
    }
    if ((st = store_prepare(s, "UPDATE departments SET canonical_id = ? WHERE id = ?", &q, e)) !=
        ST_OK)
        goto out;
    store_bind_int(q, 1, cid);
    store_bind_int(q, 2, aid);
    if ((st = store_run(q, e)) != ST_OK)
        goto out;
    char ids[32], before[96], after[96];
    snprintf(ids, sizeof ids, "%" PRId64, aid);
    snprintf(before, sizeof before, "{\"canonical_id\":%" PRId64 "}", acanon);
    snprintf(after, sizeof after, "{\"canonical_id\":%" PRId64 "}", cid);
    st = audit_append(s, actor, "dept.alias", "department", ids, acanon ? before : NULL, after, e);
out:
    if (st == ST_OK)
        return store_commit(s, e);
    store_rollback(s);
    return st;
}
