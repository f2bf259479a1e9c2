/* Stored plans: import (idempotent by content hash), list, and the task breakdown. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/xalloc.h"
#include "dept/dept.h"
#include "plan/plan_int.h"
#include "store/store.h"

static const char *const figure_kind_names[] = {"money", "percent", "count"};

static enum status find_by_hash(struct store *s, const char *sha, int64_t *id, struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s, "SELECT id FROM plans WHERE source_sha256 = ?", &q, e);
    if (st != ST_OK)
        return st;
    store_bind_text(q, 1, sha);
    int row;
    st = store_step(q, &row, e);
    if (st == ST_OK && !row)
        st = ST_NOT_FOUND;
    if (st == ST_OK)
        *id = store_col_int(q, 0);
    store_finish(q);
    return st;
}

static enum status insert_plan(struct store *s, const struct plan *p, const char *file_name,
                               int64_t *id, struct err *e)
{
    json_t *rec = json_array();
    struct plan_names r = plan_recipients(p);
    for (size_t i = 0; i < r.n; i++)
        json_array_append_new(rec, json_string(r.v[i]));
    char *recipients = json_dumps(rec, JSON_COMPACT);
    json_decref(rec);
    char now[32];
    clock_now_iso(now, sizeof now);
    struct store_stmt *q;
    enum status st = store_prepare(
        s,
        "INSERT INTO plans (title, doc_number, signed_on, published_on, recipients, encoding,"
        " file_name, source_sha256, source_text, imported_at) VALUES (?,?,?,?,?,?,?,?,?,?)"
        " RETURNING id",
        &q, e);
    if (st == ST_OK) {
        store_bind_text(q, 1, p->title ? p->title : "");
        store_bind_text(q, 2, p->doc_number);
        store_bind_text(q, 3, p->signed_on);
        store_bind_text(q, 4, p->published_on);
        store_bind_text(q, 5, recipients);
        store_bind_text(q, 6, p->encoding);
        store_bind_text(q, 7, file_name);
        store_bind_text(q, 8, p->sha256);
        store_bind_text(q, 9, p->text);
        store_bind_text(q, 10, now);
        int row;
        st = store_step(q, &row, e);
        if (st == ST_OK)
            *id = store_col_int(q, 0);
        store_finish(q);
    }
    free(recipients);
    return st;
}

static enum status insert_items(struct store *s, const struct plan *p, int64_t plan_id,
                                int64_t *item_ids, struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(
        s,
        "INSERT INTO items (plan_id, parent_id, seq, path, marker, title, body, is_leaf,"
        " span_start, span_end) VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id",
        &q, e);
    if (st != ST_OK)
        return st;
    for (size_t i = 0; i < p->n_items && st == ST_OK; i++) {
        const struct plan_item *it = &p->items[i];
        store_bind_int(q, 1, plan_id);
        if (it->parent >= 0)
            store_bind_int(q, 2, item_ids[it->parent]);
        else
            store_bind_null(q, 2);
        store_bind_int(q, 3, (int64_t)i + 1);
        store_bind_text(q, 4, it->path);
        store_bind_text(q, 5, it->marker);
        store_bind_text(q, 6, it->title ? it->title : "");
        store_bind_text(q, 7, it->body ? it->body : "");
        store_bind_int(q, 8, it->is_leaf);
        store_bind_int(q, 9, it->span.start);
        store_bind_int(q, 10, it->span.end);
        int row;
        st = store_step(q, &row, e);
        if (st == ST_OK)
            item_ids[i] = store_col_int(q, 0);
        store_finish(q);
    }
    return st;
}

static enum status link_depts(struct store *s, const char *actor, int64_t task_id,
                              struct plan_names names, const char *role, struct err *e)
{
    enum status st = ST_OK;
    for (size_t k = 0; k < names.n && st == ST_OK; k++) {
        int64_t dept_id;
        if ((st = dept_ensure(s, actor, names.v[k], &dept_id, e)) != ST_OK)
            break;
        struct store_stmt *q;
        if ((st = store_prepare(s,
                                "INSERT INTO task_depts (task_id, dept_id, role, position)"
                                " VALUES (?,?,?,?) ON CONFLICT DO NOTHING",
                                &q, e)) != ST_OK)
            break;
        store_bind_int(q, 1, task_id);
        store_bind_int(q, 2, dept_id);
        store_bind_text(q, 3, role);
        store_bind_int(q, 4, (int64_t)k + 1);
        st = store_run(q, e);
    }
    return st;
}

static enum status insert_tasks(struct store *s, const struct plan *p, const char *actor,
                                int64_t plan_id, const int64_t *item_ids, int64_t *task_ids,
                                struct err *e)
{
    enum status st = ST_OK;
    for (size_t i = 0; i < p->n_tasks && st == ST_OK; i++) {
        const struct plan_task *t = &p->tasks[i];
        const struct plan_item *it = &p->items[t->item];
        struct plan_span span = t->measure >= 0 ? it->measures[t->measure].span : it->span;
        struct store_stmt *q;
        if ((st = store_prepare(s,
                                "INSERT INTO tasks (plan_id, item_id, seq, marker, text,"
                                " span_start, span_end, deadline, deadline_text)"
                                " VALUES (?,?,?,?,?,?,?,?,?) RETURNING id",
                                &q, e)) != ST_OK)
            break;
        store_bind_int(q, 1, plan_id);
        store_bind_int(q, 2, item_ids[t->item]);
        store_bind_int(q, 3, (int64_t)i + 1);
        store_bind_text(q, 4, t->measure >= 0 ? it->measures[t->measure].marker : NULL);
        store_bind_text(q, 5, t->text);
        store_bind_int(q, 6, span.start);
        store_bind_int(q, 7, span.end);
        store_bind_text(q, 8, t->deadline ? t->deadline->date : NULL);
        store_bind_text(q, 9, t->deadline ? t->deadline->text : NULL);
        int row;
        st = store_step(q, &row, e);
        if (st == ST_OK)
            task_ids[i] = store_col_int(q, 0);
        store_finish(q);
        if (st == ST_OK)
            st = link_depts(s, actor, task_ids[i], t->lead, "lead", e);
        if (st == ST_OK)
            st = link_depts(s, actor, task_ids[i], t->co, "co", e);
    }
    return st;
}

/* The task a figure belongs to: its measure's task, or the item's own task. */
static int64_t task_for(const struct plan *p, const int64_t *task_ids, int item, int measure)
{
    for (size_t i = 0; i < p->n_tasks; i++)
        if (p->tasks[i].item == item && (p->tasks[i].measure == measure || p->tasks[i].measure < 0))
            return task_ids[i];
    return 0;
}

static enum status insert_figures(struct store *s, const struct plan *p, int64_t plan_id,
                                  const int64_t *item_ids, const int64_t *task_ids, struct err *e)
{
    enum status st = ST_OK;
    for (size_t i = 0; i < p->n_items && st == ST_OK; i++) {
        const struct plan_item *it = &p->items[i];
        for (size_t k = 0; k < it->n_figures && st == ST_OK; k++) {
            const struct plan_figure *f = &it->figures[k];
            struct store_stmt *q;
            if ((st = store_prepare(s,
                                    "INSERT INTO figures (plan_id, item_id, task_id, kind, text,"
                                    " value, unit, fen, bp, approx, bound, span_start, span_end)"
                                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
                                    &q, e)) != ST_OK)
                break;
            int64_t tid = task_for(p, task_ids, (int)i, f->measure);
            store_bind_int(q, 1, plan_id);
            store_bind_int(q, 2, item_ids[i]);
            if (tid)
                store_bind_int(q, 3, tid);
            else
                store_bind_null(q, 3);
            store_bind_text(q, 4, figure_kind_names[f->kind]);
            store_bind_text(q, 5, f->text);
            store_bind_text(q, 6, f->value);
            store_bind_text(q, 7, f->unit);
            if (f->kind == PLAN_FIG_MONEY)
                store_bind_int(q, 8, f->fen);
            else
                store_bind_null(q, 8);
            if (f->kind == PLAN_FIG_PERCENT && f->bp)
                store_bind_int(q, 9, f->bp);
            else
                store_bind_null(q, 9);
            store_bind_int(q, 10, f->approx);
            store_bind_text(q, 11, f->bound);
            store_bind_int(q, 12, f->span.start);
            store_bind_int(q, 13, f->span.end);
            st = store_run(q, e);
        }
    }
    return st;
}

enum status plan_import(struct store *s, const struct plan *p, const char *file_name,
                        const char *actor, int64_t *plan_id, int *created, struct err *e)
{
    *created = 0;
    int64_t *item_ids = xcalloc(p->n_items + 1, sizeof *item_ids);
    int64_t *task_ids = xcalloc(p->n_tasks + 1, sizeof *task_ids);
    enum status st = store_begin(s, e);
    if (st != ST_OK)
        goto out_free;
    st = find_by_hash(s, p->sha256, plan_id, e);
    if (st == ST_OK) {
        store_rollback(s); /* already imported: nothing to write */
        goto out_free;
    }
    if (st != ST_NOT_FOUND)
        goto out;
    if ((st = insert_plan(s, p, file_name, plan_id, e)) != ST_OK)
        goto out;
    if ((st = insert_items(s, p, *plan_id, item_ids, e)) != ST_OK)
        goto out;
    if ((st = insert_tasks(s, p, actor, *plan_id, item_ids, task_ids, e)) != ST_OK)
        goto out;
    if ((st = insert_figures(s, p, *plan_id, item_ids, task_ids, e)) != ST_OK)
        goto out;
    {
        json_t *after = json_pack("{s:s, s:s?, s:s, s:I, s:I, s:s?}", "title",
                                  p->title ? p->title : "", "doc_number", p->doc_number, "sha256",
                                  p->sha256, "items", (json_int_t)p->n_items, "tasks",
                                  (json_int_t)p->n_tasks, "file_name", file_name);
        char *a = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(after);
        char ids[32];
        snprintf(ids, sizeof ids, "%" PRId64, *plan_id);
        st = audit_append(s, actor, "plan.import", "plan", ids, NULL, a, e);
        free(a);
    }
out:
    if (st == ST_OK) {
        st = store_commit(s, e);
        *created = st == ST_OK;
    } else {
        store_rollback(s);
    }
out_free:
    free(item_ids);
    free(task_ids);
    return st == ST_NOT_FOUND ? ST_OK : st;
}

/* ---------------------------------------------------------------- reading */

#define SUMMARY_SQL                                                                                \
    "SELECT p.id, p.title, p.doc_number, p.signed_on, p.published_on, p.source_sha256,"            \
    " p.imported_at, p.file_name,"                                                                 \
    " (SELECT count(*) FROM items i WHERE i.plan_id = p.id),"                                      \
    " (SELECT count(*) FROM tasks t WHERE t.plan_id = p.id) FROM plans p"

static void summary_from(struct store_stmt *q, struct plan_summary *r)
{
    r->id = store_col_int(q, 0);
    r->title = store_col_dup(q, 1);
    r->doc_number = store_col_dup(q, 2);
    r->signed_on = store_col_dup(q, 3);
    r->published_on = store_col_dup(q, 4);
    r->sha256 = store_col_dup(q, 5);
    r->imported_at = store_col_dup(q, 6);
    r->file_name = store_col_dup(q, 7);
    r->items = store_col_int(q, 8);
    r->tasks = store_col_int(q, 9);
}

enum status plan_list(struct store *s, struct plan_summary **rows, size_t *n, struct err *e)
{
    *rows = NULL;
    *n = 0;
    struct store_stmt *q;
    enum status st = store_prepare(s, SUMMARY_SQL " ORDER BY p.id", &q, e);
    if (st != ST_OK)
        return st;
    size_t cap = 0;
    int row;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        xgrow((void **)rows, &cap, *n + 1, sizeof **rows);
        summary_from(q, &(*rows)[(*n)++]);
    }
    store_finish(q);
    return st;
}

enum status plan_get(struct store *s, int64_t id, struct plan_summary **out, struct err *e)
{
    *out = NULL;
    struct store_stmt *q;
    enum status st = store_prepare(s, SUMMARY_SQL " WHERE p.id = ?", &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, id);
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK) {
        if (row) {
            *out = xcalloc(1, sizeof **out);
            summary_from(q, *out);
        } else {
            st = err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的方案 (no such plan)", id);
        }
    }
    store_finish(q);
    return st;
}

void plan_summaries_free(struct plan_summary *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        free(rows[i].title);
        free(rows[i].doc_number);
        free(rows[i].signed_on);
        free(rows[i].published_on);
        free(rows[i].sha256);
        free(rows[i].imported_at);
        free(rows[i].file_name);
    }
    free(rows);
}

static int cmp_task_id(const void *key, const void *elem)
{
    int64_t k = *(const int64_t *)key, id = ((const struct plan_task_row *)elem)->id;
    return k < id ? -1 : k > id;
}

static struct plan_task_row *row_by_id(struct plan_task_row *rows, size_t n, int64_t id)
{
    return bsearch(&id, rows, n, sizeof *rows, cmp_task_id);
}

static void append_joined(char **dst, const char *sep, const char *v)
{
    size_t a = *dst ? strlen(*dst) : 0, b = strlen(sep), c = strlen(v);
    char *s = xmalloc(a + b + c + 1);
    if (a) {
        memcpy(s, *dst, a);
        memcpy(s + a, sep, b);
    } else {
        b = 0;
    }
    memcpy(s + a + b, v, c + 1);
    free(*dst);
    *dst = s;
}

enum status plan_tasks(struct store *s, const struct plan_task_filter *filter,
                       struct plan_task_row **rows, size_t *n, struct err *e)
{
    *rows = NULL;
    *n = 0;
    int64_t dept_id = 0;
    enum status st;
    if (filter->dept && (st = dept_resolve(s, filter->dept, &dept_id, e)) != ST_OK)
        return st;
    struct store_stmt *q;
    st = store_prepare(
        s,
        "SELECT t.id, t.plan_id, t.seq, i.path, t.marker, top.title, i.title, t.text,"
        " t.deadline, t.deadline_text"
        " FROM tasks t JOIN items i ON i.id = t.item_id"
        " JOIN items top ON top.plan_id = t.plan_id AND top.parent_id IS NULL"
        "  AND (i.path = top.path OR substr(i.path, 1, length(top.path) + 1) = top.path || '/')"
        " WHERE (? = 0 OR t.plan_id = ?)"
        "  AND (? = 0 OR t.id IN (SELECT td.task_id FROM task_depts td JOIN departments d"
        "       ON d.id = td.dept_id WHERE coalesce(d.canonical_id, d.id) = ?))"
        " ORDER BY t.id",
        &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, filter->plan_id);
    store_bind_int(q, 2, filter->plan_id);
    store_bind_int(q, 3, dept_id);
    store_bind_int(q, 4, dept_id);
    size_t cap = 0;
    int row;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        xgrow((void **)rows, &cap, *n + 1, sizeof **rows);
        struct plan_task_row *r = &(*rows)[(*n)++];
        memset(r, 0, sizeof *r);
        r->id = store_col_int(q, 0);
        r->plan_id = store_col_int(q, 1);
        r->seq = store_col_int(q, 2);
        const char *path = store_col_text(q, 3), *marker = store_col_text(q, 4);
        r->path = xstrdup(path);
        if (marker)
            append_joined(&r->path, "/", marker);
        r->marker = store_col_dup(q, 4);
        r->section = store_col_dup(q, 5);
        r->item_title = store_col_dup(q, 6);
        r->text = store_col_dup(q, 7);
        r->deadline = store_col_dup(q, 8);
        r->deadline_text = store_col_dup(q, 9);
    }
    store_finish(q);
    if (st != ST_OK || *n == 0)
        goto out;

    /* Departments and figures, joined in C to keep the SQL portable (no group_concat). */
    if ((st = store_prepare(s,
                            "SELECT td.task_id, td.role, c.name FROM task_depts td"
                            " JOIN tasks t ON t.id = td.task_id"
                            " JOIN departments d ON d.id = td.dept_id"
                            " JOIN departments c ON c.id = coalesce(d.canonical_id, d.id)"
                            " WHERE (? = 0 OR t.plan_id = ?)"
                            " ORDER BY td.task_id, td.role DESC, td.position",
                            &q, e)) != ST_OK)
        goto out;
    store_bind_int(q, 1, filter->plan_id);
    store_bind_int(q, 2, filter->plan_id);
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        struct plan_task_row *r = row_by_id(*rows, *n, store_col_int(q, 0));
        if (!r)
            continue;
        const char *name = store_col_text(q, 2);
        char **dst = strcmp(store_col_text(q, 1), "lead") == 0 ? &r->lead : &r->co;
        /* Two spellings merged into one department appear once. */
        if (*dst && strstr(*dst, name))
            continue;
        append_joined(dst, "、", name);
    }
    store_finish(q);
    if (st != ST_OK)
        goto out;
    if ((st = store_prepare(s,
                            "SELECT f.task_id, f.text FROM figures f WHERE f.task_id IS NOT NULL"
                            " AND (? = 0 OR f.plan_id = ?) ORDER BY f.task_id, f.span_start",
                            &q, e)) != ST_OK)
        goto out;
    store_bind_int(q, 1, filter->plan_id);
    store_bind_int(q, 2, filter->plan_id);
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        struct plan_task_row *r = row_by_id(*rows, *n, store_col_int(q, 0));
        if (r)
            append_joined(&r->figures, "；", store_col_text(q, 1));
    }
    store_finish(q);
out:
    if (st != ST_OK) {
        plan_task_rows_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return st;
}

void plan_task_rows_free(struct plan_task_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++) {
        free(rows[i].path);
        free(rows[i].section);
        free(rows[i].item_title);
        free(rows[i].marker);
        free(rows[i].text);
        free(rows[i].lead);
        free(rows[i].co);
        free(rows[i].deadline);
        free(rows[i].deadline_text);
        free(rows[i].figures);
    }
    free(rows);
}
