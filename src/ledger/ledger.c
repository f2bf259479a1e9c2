/* Plan settings, the task ledger with lights, reports and attachments. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/hash.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "calendar/calendar.h"
#include "dept/dept.h"
#include "ledger/ledger_int.h"
#include "store/store.h"

#define TEXT_MAX 20000 /* bytes per report field */

static int parse_date_or(const char *s, struct date *out)
{
    return s && date_parse_iso(s, out);
}

/* ---------------------------------------------------------------- settings */

enum status ledger_settings_get(struct store *s, int64_t plan_id, struct ledger_settings *out,
                                struct err *e)
{
    memset(out, 0, sizeof *out);
    out->plan_id = plan_id;
    struct store_stmt *q;
    enum status rc =
        store_prepare(s,
                      "SELECT p.signed_on, p.imported_at, (SELECT max(deadline) FROM tasks t WHERE"
                      " t.plan_id = p.id), ps.cadence, ps.report_due_wd, ps.start_on, ps.end_on,"
                      " ps.yellow_behind, ps.red_behind, ps.missing_red FROM plans p"
                      " LEFT JOIN plan_settings ps ON ps.plan_id = p.id WHERE p.id = ?",
                      &q, e);
    if (rc != ST_OK)
        return rc;
    store_bind_int(q, 1, plan_id);
    int row;
    if ((rc = store_step(q, &row, e)) != ST_OK)
        goto out;
    if (!row) {
        rc =
            err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的方案 (no such plan)", plan_id);
        goto out;
    }
    if (!store_col_is_null(q, 3)) {
        ledger_cadence_parse(store_col_text(q, 3), &out->cadence);
        out->report_due_wd = (int)store_col_int(q, 4);
        parse_date_or(store_col_text(q, 5), &out->start_on);
        parse_date_or(store_col_text(q, 6), &out->end_on);
        out->yellow_behind = (int)store_col_int(q, 7);
        out->red_behind = (int)store_col_int(q, 8);
        out->missing_red = (int)store_col_int(q, 9);
        goto out;
    }
    /* Defaults: monthly, due the 5th working day, from the 成文日期 to the latest deadline. */
    out->cadence = CADENCE_MONTHLY;
    out->report_due_wd = 5;
    out->yellow_behind = 10;
    out->red_behind = 30;
    out->missing_red = 2;
    if (!parse_date_or(store_col_text(q, 0), &out->start_on)) {
        const char *imp = store_col_text(q, 1);
        char day[11] = "";
        if (imp)
            snprintf(day, sizeof day, "%.10s", imp);
        if (!parse_date_or(day, &out->start_on))
            out->start_on = clock_today();
    }
    if (!parse_date_or(store_col_text(q, 2), &out->end_on) ||
        date_cmp(out->end_on, out->start_on) <= 0)
        out->end_on = (struct date){out->start_on.y, 12, 31};
out:
    store_finish(q);
    return rc;
}

enum status ledger_settings_set(struct store *s, const char *actor,
                                const struct ledger_settings *in, struct err *e)
{
    if (in->report_due_wd < 1 || in->report_due_wd > 30)
        return err_set(e, ST_INVALID, "report_due_wd", "报送截止应为期末后 1 到 30 个工作日");
    if (in->yellow_behind < 1 || in->red_behind <= in->yellow_behind || in->red_behind > 100)
        return err_set(e, ST_INVALID, "red_behind",
                       "阈值应满足 1 ≤ 黄灯 < 红灯 ≤ 100 (bad thresholds)");
    if (in->missing_red < 1 || in->missing_red > 12)
        return err_set(e, ST_INVALID, "missing_red", "连续未报期数应为 1 到 12");
    if (!date_valid(in->start_on.y, in->start_on.m, in->start_on.d) ||
        !date_valid(in->end_on.y, in->end_on.m, in->end_on.d) ||
        date_cmp(in->start_on, in->end_on) >= 0)
        return err_set(e, ST_INVALID, "end_on", "方案起止日期无效：开始须早于结束");
    struct ledger_settings old;
    enum status rc = ledger_settings_get(s, in->plan_id, &old, e);
    if (rc != ST_OK)
        return rc;
    if ((rc = store_begin(s, e)) != ST_OK)
        return rc;
    struct store_stmt *q;
    if ((rc = store_prepare(
             s,
             "INSERT INTO plan_settings (plan_id, cadence, report_due_wd, start_on, end_on,"
             " yellow_behind, red_behind, missing_red) VALUES (?,?,?,?,?,?,?,?)"
             " ON CONFLICT (plan_id) DO UPDATE SET cadence = excluded.cadence,"
             " report_due_wd = excluded.report_due_wd, start_on = excluded.start_on,"
             " end_on = excluded.end_on, yellow_behind = excluded.yellow_behind,"
             " red_behind = excluded.red_behind, missing_red = excluded.missing_red",
             &q, e)) != ST_OK)
        goto out;
    char a[16], b[16];
    date_format(in->start_on, a, sizeof a);
    date_format(in->end_on, b, sizeof b);
    store_bind_int(q, 1, in->plan_id);
    store_bind_text(q, 2, ledger_cadence_name(in->cadence));
    store_bind_int(q, 3, in->report_due_wd);
    store_bind_text(q, 4, a);
    store_bind_text(q, 5, b);
    store_bind_int(q, 6, in->yellow_behind);
    store_bind_int(q, 7, in->red_behind);
    store_bind_int(q, 8, in->missing_red);
    if ((rc = store_run(q, e)) != ST_OK)
        goto out;
    {
        char ids[32], oa[16], ob[16];
        date_format(old.start_on, oa, sizeof oa);
        date_format(old.end_on, ob, sizeof ob);
        json_t *before = json_pack(
            "{s:s, s:i, s:s, s:s, s:i, s:i, s:i}", "cadence", ledger_cadence_name(old.cadence),
            "report_due_wd", old.report_due_wd, "start_on", oa, "end_on", ob, "yellow_behind",
            old.yellow_behind, "red_behind", old.red_behind, "missing_red", old.missing_red);
        json_t *after = json_pack(
            "{s:s, s:i, s:s, s:s, s:i, s:i, s:i}", "cadence", ledger_cadence_name(in->cadence),
            "report_due_wd", in->report_due_wd, "start_on", a, "end_on", b, "yellow_behind",
            in->yellow_behind, "red_behind", in->red_behind, "missing_red", in->missing_red);
        char *bs = json_dumps(before, JSON_COMPACT), *as = json_dumps(after, JSON_COMPACT);
        snprintf(ids, sizeof ids, "%" PRId64, in->plan_id);
        rc = audit_append(s, actor, "plan.settings", "plan", ids, bs, as, e);
        free(bs);
        free(as);
        json_decref(before);
        json_decref(after);
    }
out:
    if (rc != ST_OK) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s, e);
}

struct date ledger_report_deadline(const struct calendar *cal, const struct ledger_settings *st,
                                   const struct ledger_period *p)
{
    return calendar_add_workdays(cal, p->end, st->report_due_wd);
}

/* ---------------------------------------------------------------- tasks */

enum status ledger_task_window(struct store *s, const struct ledger_settings *st, int64_t task_id,
                               struct date *start, struct date *due, int *closed, char *source,
                               size_t source_len, struct err *e)
{
    struct store_stmt *q;
    enum status rc = store_prepare(s,
                                   "SELECT ts.start_on, ts.due_on, ts.closed_on, t.deadline"
                                   " FROM tasks t LEFT JOIN task_schedule ts ON ts.task_id = t.id"
                                   " WHERE t.id = ?",
                                   &q, e);
    if (rc != ST_OK)
        return rc;
    store_bind_int(q, 1, task_id);
    int row;
    if ((rc = store_step(q, &row, e)) == ST_OK) {
        if (!row) {
            rc = err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的任务 (no such task)",
                         task_id);
        } else {
            if (!parse_date_or(store_col_text(q, 0), start))
                *start = st->start_on;
            *closed = !store_col_is_null(q, 2);
            if (parse_date_or(store_col_text(q, 1), due))
                snprintf(source, source_len, "office");
            else if (parse_date_or(store_col_text(q, 3), due))
                snprintf(source, source_len, "plan");
            else
                *due = st->end_on, snprintf(source, source_len, "default");
        }
    }
    store_finish(q);
    return rc;
}

void ledger_task_cleanup(struct ledger_task *t)
{
    free(t->path);
    free(t->section);
    free(t->item_title);
    free(t->text);
    free(t->clause);
    free(t->lead);
    free(t->co);
    free(t->deadline_text);
    memset(t, 0, sizeof *t);
}

void ledger_task_rows_free(struct ledger_task_row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        ledger_task_cleanup(&rows[i].t);
    free(rows);
}

static void join_name(char **dst, const char *v)
{
    size_t a = *dst ? strlen(*dst) : 0, c = strlen(v);
    if (*dst && strstr(*dst, v))
        return;
    char *s = xmalloc(a + c + 4);
    if (a) {
        memcpy(s, *dst, a);
        memcpy(s + a, "、", 3);
        a += 3;
    }
    memcpy(s + a, v, c + 1);
    free(*dst);
    *dst = s;
}

#define TASK_SELECT                                                                                \
    "SELECT t.id, t.plan_id, t.seq, i.path, t.marker, top.title, i.title, t.text,"                 \
    " t.deadline, t.deadline_text, ts.start_on, ts.due_on, ts.closed_on, i.body"                   \
    " FROM tasks t JOIN items i ON i.id = t.item_id"                                               \
    " JOIN items top ON top.plan_id = t.plan_id AND top.parent_id IS NULL"                         \
    "  AND (i.path = top.path OR substr(i.path, 1, length(top.path) + 1) = top.path || '/')"       \
    " LEFT JOIN task_schedule ts ON ts.task_id = t.id"

static void task_from(struct store_stmt *q, const struct ledger_settings *st, struct ledger_task *t)
{
    memset(t, 0, sizeof *t);
    t->id = store_col_int(q, 0);
    t->plan_id = store_col_int(q, 1);
    t->seq = store_col_int(q, 2);
    const char *path = store_col_text(q, 3), *marker = store_col_text(q, 4);
    size_t len = strlen(path) + (marker ? strlen(marker) + 1 : 0) + 1;
    t->path = xmalloc(len);
    snprintf(t->path, len, "%s%s%s", path, marker ? "/" : "", marker ? marker : "");
    t->section = store_col_dup(q, 5);
    t->item_title = store_col_dup(q, 6);
    t->text = store_col_dup(q, 7);
    t->deadline_text = store_col_dup(q, 9);
    t->clause = store_col_dup(q, 13);
    if (!parse_date_or(store_col_text(q, 10), &t->start_on))
        t->start_on = st->start_on;
    if (parse_date_or(store_col_text(q, 11), &t->due_on))
        snprintf(t->due_source, sizeof t->due_source, "office");
    else if (parse_date_or(store_col_text(q, 8), &t->due_on))
        snprintf(t->due_source, sizeof t->due_source, "plan");
    else
        t->due_on = st->end_on, snprintf(t->due_source, sizeof t->due_source, "default");
    t->closed = !store_col_is_null(q, 12);
}

/* Departments of the tasks in rows (sorted by id): names, and the asking department's role. */
static enum status attach_depts(struct store *s, int64_t plan_id, int64_t dept_id,
                                struct ledger_task_row *rows, size_t n, struct err *e)
{
    struct store_stmt *q;
    enum status rc =
        store_prepare(s,
                      "SELECT td.task_id, td.role, c.id, c.name, c.kind FROM task_depts td"
                      " JOIN tasks t ON t.id = td.task_id JOIN departments d ON d.id = td.dept_id"
                      " JOIN departments c ON c.id = coalesce(d.canonical_id, d.id)"
                      " WHERE t.plan_id = ? ORDER BY td.task_id, td.role DESC, td.position",
                      &q, e);
    if (rc != ST_OK)
        return rc;
    store_bind_int(q, 1, plan_id);
    int row;
    size_t k = 0;
    while ((rc = store_step(q, &row, e)) == ST_OK && row) {
        int64_t tid = store_col_int(q, 0);
        while (k < n && rows[k].t.id < tid)
            k++;
        if (k == n)
            break;
        if (rows[k].t.id != tid)
            continue;
        int lead = strcmp(store_col_text(q, 1), "lead") == 0;
        join_name(lead ? &rows[k].t.lead : &rows[k].t.co, store_col_text(q, 3));
        if (dept_id && store_col_int(q, 2) == dept_id) {
            if (lead)
                rows[k].t.lead_dept = 1;
            else
                rows[k].t.co_dept = 1;
        }
        if (strcmp(store_col_text(q, 4), "collective") == 0)
            rows[k].t.collective = 1;
    }
    store_finish(q);
    return rc;
}

struct task_reports {
    int progress, late, reported;
    char periods[8][16]; /* the last distinct periods with a lead report, ascending */
    int np;
};

static int cmp_row_id(const void *a, const void *b)
{
    int64_t x = ((const struct ledger_task_row *)a)->t.id;
    int64_t y = ((const struct ledger_task_row *)b)->t.id;
    return x < y ? -1 : x > y;
}

static struct ledger_task_row *row_of(struct ledger_task_row *rows, size_t n, int64_t id)
{
    struct ledger_task_row key = {.t.id = id};
    return bsearch(&key, rows, n, sizeof *rows, cmp_row_id);
}

static int reports_has(void *ctx, const char *key)
{
    const struct task_reports *t = ctx;
    for (int j = 0; j < t->np; j++)
        if (strcmp(t->periods[j], key) == 0)
            return 1;
    return 0;
}

/* Evaluates every row's light for period p in two queries. */
static enum status bulk_lights(struct store *s, const struct calendar *cal,
                               const struct ledger_settings *st, const struct ledger_period *p,
                               struct ledger_task_row *rows, size_t n, struct err *e)
{
    struct task_reports *tr = xcalloc(n + 1, sizeof *tr);
    struct date today = clock_today();
    for (size_t i = 0; i < n; i++)
        tr[i].progress = -1;
    struct store_stmt *q;
    enum status rc = store_prepare(s,
                                   "SELECT r.task_id, r.period, r.progress, r.late FROM"
                                   " report_heads r JOIN tasks t ON t.id = r.task_id"
                                   " WHERE t.plan_id = ? AND r.role = 'lead' AND r.period <= ?"
                                   " ORDER BY r.task_id, r.period",
                                   &q, e);
    if (rc != ST_OK)
        goto out;
    store_bind_int(q, 1, st->plan_id);
    store_bind_text(q, 2, p->key);
    int row;
    while ((rc = store_step(q, &row, e)) == ST_OK && row) {
        struct ledger_task_row *r = row_of(rows, n, store_col_int(q, 0));
        if (!r)
            continue;
        struct task_reports *t = &tr[r - rows];
        const char *per = store_col_text(q, 1);
        t->progress = (int)store_col_int(q, 2);
        if (strcmp(per, p->key) == 0) {
            t->reported = 1;
            t->late |= store_col_int(q, 3) != 0;
        }
        if (t->np == 0 || strcmp(t->periods[t->np - 1], per) != 0) {
            if (t->np == 8) {
                memmove(t->periods[0], t->periods[1], sizeof t->periods[0] * 7);
                t->np--;
            }
            snprintf(t->periods[t->np++], sizeof t->periods[0], "%s", per);
        }
    }
    store_finish(q);
    if (rc != ST_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        struct light_facts f = {.start = rows[i].t.start_on,
                                .due = rows[i].t.due_on,
                                .closed = rows[i].t.closed,
                                .progress = tr[i].progress,
                                .late = tr[i].late};
        f.missing_run = ledger_missing_run(st, cal, today, p, f.start, reports_has, &tr[i]);
        struct ledger_light l = {0};
        ledger_light_from_facts(st, p, &f, &l);
        rows[i].light = l.light;
        rows[i].expected = l.expected;
        rows[i].progress = l.progress;
        rows[i].reported = tr[i].reported;
        snprintf(rows[i].reason, sizeof rows[i].reason, "%s", l.reason);
    }
    /* Frozen lights of a closed period are the record: they win. */
    if ((rc = store_prepare(s,
                            "SELECT l.task_id, l.light, l.expected, l.progress, l.reason FROM"
                            " lights l JOIN tasks t ON t.id = l.task_id WHERE t.plan_id = ?"
                            " AND l.period = ? AND l.frozen = 1",
                            &q, e)) != ST_OK)
        goto out;
    store_bind_int(q, 1, st->plan_id);
    store_bind_text(q, 2, p->key);
    while ((rc = store_step(q, &row, e)) == ST_OK && row) {
        struct ledger_task_row *r = row_of(rows, n, store_col_int(q, 0));
        if (!r)
            continue;
        ledger_light_parse(store_col_text(q, 1), &r->light);
        r->expected = (int)store_col_int(q, 2);
        r->progress = store_col_is_null(q, 3) ? -1 : (int)store_col_int(q, 3);
        snprintf(r->reason, sizeof r->reason, "%s", store_col_text(q, 4));
    }
    store_finish(q);
out:
    free(tr);
    return rc;
}

static int contains_ci(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

enum status ledger_tasks(struct store *s, const struct calendar *cal, const struct ledger_filter *f,
                         struct ledger_task_row **out, size_t *n_out, size_t *total,
                         char period_out[16], struct err *e)
{
    *out = NULL;
    *n_out = 0;
    *total = 0;
    struct ledger_settings st;
    enum status rc = ledger_settings_get(s, f->plan_id, &st, e);
    if (rc != ST_OK)
        return rc;
    struct ledger_period p;
    if (f->period) {
        if (!ledger_period_parse(f->period, st.cadence, &p))
            return err_set(e, ST_INVALID, "period", "报告期“%s”格式不对 (bad period)", f->period);
    } else {
        ledger_period_reporting(clock_today(), st.cadence, &p);
    }
    snprintf(period_out, 16, "%s", p.key);
    /* per_page -1: every match in one page (internal callers: bulletins, rules, dashboard). */
    int per_page = f->per_page == -1                       ? INT32_MAX
                   : f->per_page > 0 && f->per_page <= 200 ? f->per_page
                                                           : 50;
    int page = f->page > 0 ? f->page : 1;

    struct store_stmt *q;
    if ((rc = store_prepare(s, TASK_SELECT " WHERE t.plan_id = ? ORDER BY t.id", &q, e)) != ST_OK)
        return rc;
    store_bind_int(q, 1, f->plan_id);
    struct ledger_task_row *rows = NULL;
    size_t n = 0, cap = 0;
    int row;
    while ((rc = store_step(q, &row, e)) == ST_OK && row) {
        xgrow((void **)&rows, &cap, n + 1, sizeof *rows);
        memset(&rows[n], 0, sizeof rows[n]);
        task_from(q, &st, &rows[n].t);
        n++;
    }
    store_finish(q);
    if (rc == ST_OK)
        rc = attach_depts(s, f->plan_id, f->dept_id, rows, n, e);
    if (rc == ST_OK)
        rc = bulk_lights(s, cal, &st, &p, rows, n, e);
    if (rc != ST_OK) {
        ledger_task_rows_free(rows, n);
        return rc;
    }
    /* Filter in place, then page. */
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        struct ledger_task_row *r = &rows[i];
        int keep = 1;
        if (f->dept_id)
            keep = r->t.lead_dept || r->t.co_dept || (!f->only_dept && r->t.collective);
        if (keep && f->light >= 0)
            keep = (int)r->light == f->light;
        if (keep && f->section && *f->section) {
            size_t sl = strlen(f->section);
            keep = strncmp(r->t.path, f->section, sl) == 0 &&
                   (r->t.path[sl] == '/' || r->t.path[sl] == '\0');
        }
        if (keep && f->q && *f->q)
            keep = contains_ci(r->t.path, f->q) || contains_ci(r->t.item_title, f->q) ||
                   contains_ci(r->t.text, f->q) || contains_ci(r->t.lead, f->q) ||
                   contains_ci(r->t.co, f->q);
        if (keep) {
            if (w != i) {
                struct ledger_task_row tmp = rows[w];
                rows[w] = *r;
                *r = tmp;
            }
            w++;
        }
    }
    *total = w;
    size_t from = (size_t)(page - 1) * (size_t)per_page;
    size_t count = from < w ? (w - from < (size_t)per_page ? w - from : (size_t)per_page) : 0;
    struct ledger_task_row *res = xcalloc(count + 1, sizeof *res);
    memcpy(res, rows + from, count * sizeof *res);
    for (size_t i = 0; i < n; i++)
        if (i < from || i >= from + count)
            ledger_task_cleanup(&rows[i].t);
    free(rows);
    *out = res;
    *n_out = count;
    return ST_OK;
}

enum status ledger_task_get(struct store *s, int64_t task_id, int64_t dept_id,
                            struct ledger_task *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    struct store_stmt *q;
    enum status rc = store_prepare(s, "SELECT plan_id FROM tasks WHERE id = ?", &q, e);
    if (rc != ST_OK)
        return rc;
    store_bind_int(q, 1, task_id);
    int row;
    int64_t plan_id = 0;
    if ((rc = store_step(q, &row, e)) == ST_OK && row)
        plan_id = store_col_int(q, 0);
    store_finish(q);
    if (rc != ST_OK)
        return rc;
    if (!plan_id)
        return err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的任务 (no such task)",
                       task_id);
    struct ledger_settings st;
    if ((rc = ledger_settings_get(s, plan_id, &st, e)) != ST_OK)
        return rc;
    if ((rc = store_prepare(s, TASK_SELECT " WHERE t.id = ?", &q, e)) != ST_OK)
        return rc;
    store_bind_int(q, 1, task_id);
    struct ledger_task_row r;
    memset(&r, 0, sizeof r);
    if ((rc = store_step(q, &row, e)) == ST_OK && row)
        task_from(q, &st, &r.t);
    store_finish(q);
    if (rc == ST_OK)
        rc = attach_depts(s, plan_id, dept_id, &r, 1, e);
    if (rc != ST_OK) {
        ledger_task_cleanup(&r.t);
        return rc;
    }
    *out = r.t;
    return ST_OK;
}

enum status ledger_task_set_dates(struct store *s, const char *actor, int64_t task_id,
                                  const struct date *start, const struct date *due, struct err *e)
{
    struct ledger_task t;
    enum status rc = ledger_task_get(s, task_id, 0, &t, e);
    if (rc != ST_OK)
        return rc;
    struct date ns = start ? *start : t.start_on, nd = due ? *due : t.due_on;
    char os[16], od[16], a[16], b[16];
    date_format(t.start_on, os, sizeof os);
    date_format(t.due_on, od, sizeof od);
    ledger_task_cleanup(&t);
    if (date_cmp(ns, nd) > 0)
        return err_set(e, ST_UNPROCESSABLE, "due_on",
                       "完成时限不能早于开始日期 (due before start)");
    date_format(ns, a, sizeof a);
    date_format(nd, b, sizeof b);
    if ((rc = store_begin(s, e)) != ST_OK)
        return rc;
    struct store_stmt *q;
    if ((rc = store_prepare(s,
                            "INSERT INTO task_schedule (task_id, start_on, due_on) VALUES (?,?,?)"
                            " ON CONFLICT (task_id) DO UPDATE SET start_on = excluded.start_on,"
                            " due_on = excluded.due_on",
                            &q, e)) == ST_OK) {
        store_bind_int(q, 1, task_id);
        store_bind_text(q, 2, a);
        store_bind_text(q, 3, b);
        rc = store_run(q, e);
    }
    if (rc == ST_OK) {
        char ids[32], before[96], after[96];
        snprintf(ids, sizeof ids, "%" PRId64, task_id);
        snprintf(before, sizeof before, "{\"start_on\":\"%s\",\"due_on\":\"%s\"}", os, od);
        snprintf(after, sizeof after, "{\"start_on\":\"%s\",\"due_on\":\"%s\"}", a, b);
        rc = audit_append(s, actor, "task.dates", "task", ids, before, after, e);
    }
    if (rc != ST_OK) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s, e);
}

/* ---------------------------------------------------------------- reports */

void ledger_report_cleanup(struct ledger_report *r)
{
    free(r->done);
    free(r->problems);
    free(r->next);
    r->done = r->problems = r->next = NULL;
}

void ledger_reports_free(struct ledger_report *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        ledger_report_cleanup(&rows[i]);
    free(rows);
}

static enum status check_text(const char *v, const char *field, int required, struct err *e)
{
    if (!v) {
        if (required)
            return err_set(e, ST_INVALID, field, "缺少字段 %s (missing field)", field);
        return ST_OK;
    }
    size_t len = strlen(v);
    if (len > TEXT_MAX)
        return err_set(e, ST_INVALID, field, "%s 超过 %d 字节 (too long)", field, TEXT_MAX);
    if (!utf8_valid(v, len, NULL))
        return err_set(e, ST_INVALID, field, "%s 不是有效的 UTF-8 (invalid text)", field);
    if (required) {
        int blank = 1;
        for (const char *p = v; *p && blank; p++)
            blank = *p == ' ' || *p == '\n' || *p == '\t' || *p == '\r';
        if (blank)
            return err_set(e, ST_INVALID, field, "%s 不能为空 (empty)", field);
    }
    return ST_OK;
}

/* Which role the user's department has on the task: lead, co (explicit or through a
 * collective phrase such as 各相关部门), or none. */
static enum status dept_role(struct store *s, int64_t task_id, int64_t dept_id, int *lead, int *co,
                             struct err *e)
{
    *lead = *co = 0;
    struct store_stmt *q;
    enum status rc = store_prepare(s,
                                   "SELECT td.role, coalesce(d.canonical_id, d.id), d.kind"
                                   " FROM task_depts td JOIN departments d ON d.id = td.dept_id"
                                   " WHERE td.task_id = ?",
                                   &q, e);
    if (rc != ST_OK)
        return rc;
    store_bind_int(q, 1, task_id);
    int row;
    while ((rc = store_step(q, &row, e)) == ST_OK && row) {
        int is_lead = strcmp(store_col_text(q, 0), "lead") == 0;
        if (store_col_int(q, 1) == dept_id) {
            if (is_lead)
                *lead = 1;
            else
                *co = 1;
        } else if (!is_lead && strcmp(store_col_text(q, 2), "collective") == 0) {
            *co = 1; /* 各相关部门 includes every department */
        }
    }
    store_finish(q);
    return rc;
}

static void report_from(struct store_stmt *q, struct ledger_report *r)
{
    memset(r, 0, sizeof *r);
    r->id = store_col_int(q, 0);
    r->task_id = store_col_int(q, 1);
    snprintf(r->dept, sizeof r->dept, "%s", store_col_text(q, 2));
    snprintf(r->role, sizeof r->role, "%s", store_col_text(q, 3));
    snprintf(r->period, sizeof r->period, "%s", store_col_text(q, 4));
    r->version = (int)store_col_int(q, 5);
    r->progress = store_col_is_null(q, 6) ? -1 : (int)store_col_int(q, 6);
    r->done = store_col_dup(q, 7);
    r->problems = store_col_dup(q, 8);
    r->next = store_col_dup(q, 9);
    r->late = (int)store_col_int(q, 10);
    snprintf(r->submitted_by, sizeof r->submitted_by, "%s", store_col_text(q, 11));
    snprintf(r->submitted_at, sizeof r->submitted_at, "%s", store_col_text(q, 12));
    r->attachments = (size_t)store_col_int(q, 13);
}

#define REPORT_SELECT                                                                              \
    "SELECT r.id, r.task_id, c.name, r.role, r.period, r.version, r.progress, r.done,"             \
    " r.problems, r.next_steps, r.late, u.name, r.submitted_at,"                                   \
    " (SELECT count(*) FROM attachments a WHERE a.report_id = r.id) FROM reports r"                \
    " JOIN departments d ON d.id = r.dept_id"                                                      \
    " JOIN departments c ON c.id = coalesce(d.canonical_id, d.id)"                                 \
    " JOIN users u ON u.id = r.submitted_by"

enum status ledger_reports(struct store *s, int64_t task_id, struct ledger_report **rows, size_t *n,
                           struct err *e)
{
    *rows = NULL;
    *n = 0;
    struct store_stmt *q;
    enum status rc = store_prepare(s,
                                   REPORT_SELECT " WHERE r.task_id = ?"
                                                 " ORDER BY r.period DESC, r.role DESC, c.name,"
                                                 " r.version DESC",
                                   &q, e);
    if (rc != ST_OK)
        return rc;
    store_bind_int(q, 1, task_id);
    size_t cap = 0;
    int row;
    while ((rc = store_step(q, &row, e)) == ST_OK && row) {
        xgrow((void **)rows, &cap, *n + 1, sizeof **rows);
        report_from(q, &(*rows)[(*n)++]);
    }
    store_finish(q);
    if (rc != ST_OK) {
        ledger_reports_free(*rows, *n);
        *rows = NULL;
        *n = 0;
    }
    return rc;
}

enum status ledger_report_submit(struct store *s, const struct calendar *cal,
                                 const struct auth_user *u, const struct ledger_report_input *in,
                                 struct ledger_report *out, struct ledger_light *light,
                                 struct err *e)
{
    memset(out, 0, sizeof *out);
    struct ledger_light l_local;
    if (!light)
        light = &l_local;
    memset(light, 0, sizeof *light);
    enum status rc;
    if (u->role != ROLE_DEPT || !u->dept_id)
        return err_set(e, ST_FORBIDDEN, NULL,
                       "只有部门账号可以报送进展 (only department clerks report)");
    if ((rc = check_text(in->done, "done", 1, e)) != ST_OK ||
        (rc = check_text(in->problems, "problems", 0, e)) != ST_OK ||
        (rc = check_text(in->next, "next", 0, e)) != ST_OK)
        return rc;
    /* The task's plan and window in one read (this runs for every report). */
    struct store_stmt *q;
    if ((rc = store_prepare(s, "SELECT plan_id FROM tasks WHERE id = ?", &q, e)) != ST_OK)
        return rc;
    store_bind_int(q, 1, in->task_id);
    int row;
    int64_t plan_id = 0;
    if ((rc = store_step(q, &row, e)) == ST_OK && row)
        plan_id = store_col_int(q, 0);
    store_finish(q);
    if (rc != ST_OK)
        return rc;
    if (!plan_id)
        return err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的任务 (no such task)",
                       in->task_id);
    struct ledger_settings st;
    if ((rc = ledger_settings_get(s, plan_id, &st, e)) != ST_OK)
        return rc;
    struct date start, due;
    int closed_task;
    char source[16];
    if ((rc = ledger_task_window(s, &st, in->task_id, &start, &due, &closed_task, source,
                                 sizeof source, e)) != ST_OK)
        return rc;
    int lead, co;
    if ((rc = dept_role(s, in->task_id, u->dept_id, &lead, &co, e)) != ST_OK)
        return rc;
    if (!lead && !co)
        return err_set(e, ST_FORBIDDEN, NULL,
                       "%s 不是该任务的牵头或配合单位，不能报送 (not responsible for this task)",
                       u->dept);
    if (lead && (in->progress < 0 || in->progress > 100))
        return err_set(e, ST_INVALID, "progress", "进度应为 0 到 100 的整数 (bad progress)");
    if (closed_task)
        return err_set(e, ST_CONFLICT, NULL, "任务已销号，不再报送 (task closed)");
    struct ledger_period p;
    if (!in->period || !ledger_period_parse(in->period, st.cadence, &p))
        return err_set(e, ST_INVALID, "period", "报告期“%s”格式不对，本方案按%s报送 (bad period)",
                       in->period ? in->period : "",
                       st.cadence == CADENCE_MONTHLY  ? "月（如 2020-04）"
                       : st.cadence == CADENCE_WEEKLY ? "周（如 2020-W15）"
                                                      : "季度（如 2020-Q2）");
    struct date today = clock_today();
    if (date_cmp(p.start, today) > 0)
        return err_set(e, ST_UNPROCESSABLE, "period", "报告期 %s 尚未开始 (future period)", p.key);
    /* An overdue task keeps reporting until it is closed (销号); only periods before its start
     * are refused. */
    (void)due;
    if (date_cmp(p.end, start) < 0)
        return err_set(e, ST_UNPROCESSABLE, "period",
                       "报告期 %s 早于任务开始日期 (period before the task starts)", p.key);
    struct date deadline = ledger_report_deadline(cal, &st, &p);
    int late = date_cmp(today, deadline) > 0;
    const char *role = lead ? "lead" : "co";

    if ((rc = store_begin(s, e)) != ST_OK)
        return rc;
    int closed;
    if ((rc = ledger_period_closed(s, plan_id, p.key, &closed, e)) != ST_OK)
        goto out;
    if ((rc = store_prepare(s,
                            "SELECT coalesce(max(version), 0) FROM reports WHERE task_id = ?"
                            " AND dept_id = ? AND role = ? AND period = ?",
                            &q, e)) != ST_OK)
        goto out;
    store_bind_int(q, 1, in->task_id);
    store_bind_int(q, 2, u->dept_id);
    store_bind_text(q, 3, role);
    store_bind_text(q, 4, p.key);
    int version = 0;
    if ((rc = store_step(q, &row, e)) == ST_OK && row)
        version = (int)store_col_int(q, 0);
    store_finish(q);
    if (rc != ST_OK)
        goto out;
    if (version > 0 && late) {
        char dl[16];
        date_format(deadline, dl, sizeof dl);
        rc = err_set(e, ST_CONFLICT, "period",
                     "%s 的报告已于截止日 %s 后锁定，不能再修改 (past the deadline)", p.key, dl);
        goto out;
    }
    if (version > 0 && closed) {
        rc = err_set(e, ST_CONFLICT, "period", "报告期 %s 已关账，不能修改 (period closed)", p.key);
        goto out;
    }
    char now[32];
    clock_now_iso(now, sizeof now);
    if ((rc = store_prepare(s,
                            "INSERT INTO reports (task_id, dept_id, role, period, version,"
                            " progress, done, problems, next_steps, late, submitted_by,"
                            " submitted_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id",
                            &q, e)) != ST_OK)
        goto out;
    store_bind_int(q, 1, in->task_id);
    store_bind_int(q, 2, u->dept_id);
    store_bind_text(q, 3, role);
    store_bind_text(q, 4, p.key);
    store_bind_int(q, 5, version + 1);
    if (lead)
        store_bind_int(q, 6, in->progress);
    else
        store_bind_null(q, 6);
    store_bind_text(q, 7, in->done);
    store_bind_text(q, 8, in->problems ? in->problems : "");
    store_bind_text(q, 9, in->next ? in->next : "");
    store_bind_int(q, 10, late);
    store_bind_int(q, 11, u->id);
    store_bind_text(q, 12, now);
    int64_t id = 0;
    if ((rc = store_step(q, &row, e)) == ST_OK && row)
        id = store_col_int(q, 0);
    store_finish(q);
    if (rc != ST_OK)
        goto out;
    /* The head of (task, role, period): the newest progress, late if any submission was. */
    if ((rc =
             store_prepare(s,
                           "INSERT INTO report_heads (task_id, role, period, progress, late,"
                           " report_id) VALUES (?,?,?,?,?,?) ON CONFLICT (task_id, role, period)"
                           " DO UPDATE SET progress = excluded.progress, report_id ="
                           " excluded.report_id, late = CASE WHEN excluded.late > report_heads.late"
                           " THEN excluded.late ELSE report_heads.late END",
                           &q, e)) != ST_OK)
        goto out;
    store_bind_int(q, 1, in->task_id);
    store_bind_text(q, 2, role);
    store_bind_text(q, 3, p.key);
    if (lead)
        store_bind_int(q, 4, in->progress);
    else
        store_bind_null(q, 4);
    store_bind_int(q, 5, late);
    store_bind_int(q, 6, id);
    if ((rc = store_run(q, e)) != ST_OK)
        goto out;
    {
        json_t *after = json_pack("{s:I, s:s, s:s, s:i, s:b, s:s}", "task_id",
                                  (json_int_t)in->task_id, "period", p.key, "role", role, "version",
                                  version + 1, "late", late, "done", in->done);
        if (lead)
            json_object_set_new(after, "progress", json_integer(in->progress));
        char *a = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
        char ids[32];
        snprintf(ids, sizeof ids, "%" PRId64, id);
        rc = audit_append(s, u->name, version ? "report.amend" : "report.submit", "report", ids,
                          NULL, a, e);
        free(a);
        json_decref(after);
    }
    if (rc == ST_OK) {
        if ((rc = ledger_light_eval_in(s, cal, &st, in->task_id, &p, light, e)) == ST_OK && lead &&
            !closed)
            rc = ledger_light_store(s, light, 0, e);
    }
    if (rc == ST_OK) {
        /* The stored row, from what was just written. */
        out->id = id;
        out->task_id = in->task_id;
        snprintf(out->dept, sizeof out->dept, "%s", u->dept);
        snprintf(out->role, sizeof out->role, "%s", role);
        snprintf(out->period, sizeof out->period, "%s", p.key);
        out->version = version + 1;
        out->progress = lead ? in->progress : -1;
        out->done = xstrdup(in->done);
        out->problems = xstrdup(in->problems ? in->problems : "");
        out->next = xstrdup(in->next ? in->next : "");
        out->late = late;
        snprintf(out->submitted_by, sizeof out->submitted_by, "%s", u->name);
        snprintf(out->submitted_at, sizeof out->submitted_at, "%.20s", now);
    }
out:
    if (rc != ST_OK) {
        store_rollback(s);
        ledger_report_cleanup(out);
        return rc;
    }
    return store_commit(s, e);
}

/* ---------------------------------------------------------------- attachments */

static const char *const accepted_types[] = {
    "application/pdf",
    "image/png",
    "image/jpeg",
    "image/gif",
    "text/plain",
    "text/csv",
    "application/zip",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/octet-stream",
    NULL};

/* Names of programs and scripts: evidence is a document or a picture, never something that runs
 * when opened. */
static const char *const program_extensions[] = {
    "exe", "dll", "com", "scr", "pif", "cpl", "msi", "msp", "bat", "cmd", "ps1", "vbs", "vbe",
    "js",  "jse", "wsf", "wsh", "hta", "lnk", "reg", "jar", "apk", "sh",  "elf", "app", NULL};

static int starts_with(const unsigned char *d, size_t len, const char *magic, size_t n)
{
    return len >= n && !memcmp(d, magic, n);
}

/* A Windows program (MZ header pointing at "PE\0\0"), a Linux or macOS one, or a script. */
static int is_program(const unsigned char *d, size_t len)
{
    if (starts_with(d, len, "MZ", 2) && len >= 0x40) {
        uint32_t pe = (uint32_t)d[0x3c] | (uint32_t)d[0x3d] << 8 | (uint32_t)d[0x3e] << 16 |
                      (uint32_t)d[0x3f] << 24;
        if ((size_t)pe + 4 <= len && !memcmp(d + pe, "PE\0\0", 4))
            return 1;
    }
    static const char *const magic[] = {("\x7f"
                                         "ELF"), /* split: "\x7fE" would read as one escape */
                                        "\xfe\xed\xfa\xce",
                                        "\xfe\xed\xfa\xcf",
                                        "\xce\xfa\xed\xfe",
                                        "\xcf\xfa\xed\xfe",
                                        "#!"};
    static const size_t magic_len[] = {4, 4, 4, 4, 4, 2};
    for (size_t i = 0; i < sizeof magic / sizeof magic[0]; i++)
        if (starts_with(d, len, magic[i], magic_len[i]))
            return 1;
    return 0;
}

/* What a declared type's files begin with; a type not listed has no fixed signature. The old
 * Office formats are OLE2 compound files, the new ones (and OFD, zip) zip archives. Windows
 * labels .csv files application/vnd.ms-excel when Excel is installed, so that type also
 * accepts text. */
static const struct {
    const char *type, *label, *magic;
    size_t magic_len;
} signatures[] = {
    {"application/pdf", "PDF", "%PDF-", 5},
    {"image/png", "PNG", "\x89PNG\r\n\x1a\n", 8},
    {"image/jpeg", "JPEG", "\xff\xd8\xff", 3},
    {"image/gif", "GIF", "GIF8", 4},
    {"application/zip", "zip", "PK\x03\x04", 4},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word (.docx)",
     "PK\x03\x04", 4},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (.xlsx)",
     "PK\x03\x04", 4},
    {"application/vnd.openxmlformats-officedocument.presentationml.presentation",
     "PowerPoint (.pptx)", "PK\x03\x04", 4},
    {"application/msword", "Word (.doc)", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8},
    {"application/vnd.ms-excel", "Excel (.xls)", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8},
};

static int looks_like_text(const unsigned char *d, size_t len)
{
    return !memchr(d, '\0', len < 8192 ? len : 8192);
}

enum status ledger_attachment_check(const char *name, const char *content_type, const void *data,
                                    size_t len, char *ctype, size_t ctype_len, struct err *e)
{
    if (len == 0)
        return err_set(e, ST_INVALID, "body", "附件为空 (empty attachment)");
    if (len > LEDGER_ATTACHMENT_MAX)
        return err_set(e, ST_LIMIT, "body", "附件超过 %u MB 上限 (attachment too large)",
                       LEDGER_ATTACHMENT_MAX >> 20);
    size_t nl = name ? strlen(name) : 0;
    if (nl == 0 || nl > 200 || !utf8_valid(name, nl, NULL) || strpbrk(name, "/\\\r\n\""))
        return err_set(e, ST_INVALID, "name",
                       "附件名无效：1–200 字节，不含斜杠、引号或换行 (bad name)");
    int ok = 0;
    snprintf(ctype, ctype_len, "%s", content_type ? content_type : "");
    char *semi = strchr(ctype, ';');
    if (semi)
        *semi = '\0';
    for (const char *const *t = accepted_types; *t && !ok; t++)
        ok = strcmp(ctype, *t) == 0;
    if (!ok)
        return err_set(e, ST_INVALID, "content_type", "不接受的附件类型“%s” (unsupported type)",
                       ctype);
    const char *dot = strrchr(name, '.');
    for (const char *const *x = program_extensions; dot && *x; x++)
        if (!strcasecmp(dot + 1, *x))
            return err_set(e, ST_INVALID, "name",
                           "不接受程序或脚本文件“%s”：证明材料应为文档或图片 (executable)", name);
    const unsigned char *d = data;
    if (is_program(d, len))
        return err_set(e, ST_INVALID, "body",
                       "“%s”的内容是程序或脚本，不接受：证明材料应为文档或图片 (executable)", name);
    for (size_t i = 0; i < sizeof signatures / sizeof signatures[0]; i++) {
        if (strcmp(ctype, signatures[i].type))
            continue;
        if (starts_with(d, len, signatures[i].magic, signatures[i].magic_len) ||
            (!strcmp(ctype, "application/vnd.ms-excel") && looks_like_text(d, len)))
            break;
        return err_set(e, ST_INVALID, "body",
                       "“%s”声明为 %s，但内容不是 %s 文件 (content does not match type)", name,
                       ctype, signatures[i].label);
    }
    return ST_OK;
}

enum status ledger_attachment_add(struct store *s, const struct auth_user *u, int64_t report_id,
                                  const char *name, const char *content_type, const void *data,
                                  size_t len, int64_t *id, char sha256[65], struct err *e)
{
    char ctype[128];
    enum status rc0 =
        ledger_attachment_check(name, content_type, data, len, ctype, sizeof ctype, e);
    if (rc0 != ST_OK)
        return rc0;
    struct store_stmt *q;
    enum status rc = store_prepare(s,
                                   "SELECT r.dept_id, d.canonical_id FROM reports r JOIN"
                                   " departments d ON d.id = r.dept_id WHERE r.id = ?",
                                   &q, e);
    if (rc != ST_OK)
        return rc;
    store_bind_int(q, 1, report_id);
    int row;
    int64_t dept = -1;
    if ((rc = store_step(q, &row, e)) == ST_OK && row)
        dept = store_col_is_null(q, 1) ? store_col_int(q, 0) : store_col_int(q, 1);
    store_finish(q);
    if (rc != ST_OK)
        return rc;
    if (dept < 0)
        return err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的报告 (no such report)",
                       report_id);
    if (u->role != ROLE_DEPT || dept != u->dept_id)
        return err_set(e, ST_FORBIDDEN, NULL, "只能给本部门的报告上传附件 (not your report)");
    if ((rc = store_begin(s, e)) != ST_OK)
        return rc;
    rc = ledger_file_insert(s,
                            "INSERT INTO attachments (report_id, name, content_type, size, sha256,"
                            " data, uploaded_by, uploaded_at) VALUES (?,?,?,?,?,?,?,?)"
                            " RETURNING id",
                            report_id, u->id, name, ctype, data, len, id, sha256, e);
    if (rc == ST_OK) {
        json_t *after =
            json_pack("{s:I, s:s, s:s, s:I, s:s}", "report_id", (json_int_t)report_id, "name", name,
                      "content_type", ctype, "size", (json_int_t)len, "sha256", sha256);
        char *a = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
        char ids[32];
        snprintf(ids, sizeof ids, "%" PRId64, *id);
        rc = audit_append(s, u->name, "attachment.add", "attachment", ids, NULL, a, e);
        free(a);
        json_decref(after);
    }
    if (rc != ST_OK) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s, e);
}

enum status ledger_file_insert(struct store *s, const char *sql, int64_t owner_id,
                               int64_t uploader_id, const char *name, const char *content_type,
                               const void *data, size_t len, int64_t *id, char sha256[65],
                               struct err *e)
{
    hash_sha256_hex(data, len, sha256);
    char now[32];
    clock_now_iso(now, sizeof now);
    struct store_stmt *q;
    enum status rc = store_prepare(s, sql, &q, e);
    if (rc != ST_OK)
        return rc;
    store_bind_int(q, 1, owner_id);
    store_bind_text(q, 2, name);
    store_bind_text(q, 3, content_type);
    store_bind_int(q, 4, (int64_t)len);
    store_bind_text(q, 5, sha256);
    store_bind_blob(q, 6, data, len);
    store_bind_int(q, 7, uploader_id);
    store_bind_text(q, 8, now);
    int row;
    if ((rc = store_step(q, &row, e)) == ST_OK && row)
        *id = store_col_int(q, 0);
    store_finish(q);
    return rc;
}

enum status ledger_file_read(struct store *s, const char *sql, int64_t id, char **name,
                             char **content_type, void **data, size_t *len, int64_t *task_id,
                             struct err *e)
{
    struct store_stmt *q;
    enum status rc = store_prepare(s, sql, &q, e);
    if (rc != ST_OK)
        return rc;
    store_bind_int(q, 1, id);
    int row;
    if ((rc = store_step(q, &row, e)) == ST_OK) {
        if (!row) {
            rc = err_set(e, ST_NOT_FOUND, NULL,
                         "没有编号为 %" PRId64 " 的附件 (no such attachment)", id);
        } else {
            *name = store_col_dup(q, 0);
            *content_type = store_col_dup(q, 1);
            const void *b = store_col_blob(q, 2, len);
            *data = xmalloc(*len + 1);
            memcpy(*data, b, *len);
            *task_id = store_col_int(q, 3);
        }
    }
    store_finish(q);
    return rc;
}

enum status ledger_file_list(struct store *s, const char *sql, int64_t owner_id,
                             struct ledger_file **out, size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *q;
    enum status rc = store_prepare(s, sql, &q, e);
    if (rc != ST_OK)
        return rc;
    store_bind_int(q, 1, owner_id);
    size_t cap = 0;
    int row;
    while ((rc = store_step(q, &row, e)) == ST_OK && row) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 4;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        struct ledger_file *f = &(*out)[(*n)++];
        f->id = store_col_int(q, 0);
        snprintf(f->name, sizeof f->name, "%s", store_col_text(q, 1));
        snprintf(f->content_type, sizeof f->content_type, "%s", store_col_text(q, 2));
        f->size = store_col_int(q, 3);
        snprintf(f->sha256, sizeof f->sha256, "%s", store_col_text(q, 4));
        snprintf(f->uploaded_by, sizeof f->uploaded_by, "%s", store_col_text(q, 5));
        snprintf(f->uploaded_at, sizeof f->uploaded_at, "%s", store_col_text(q, 6));
    }
    store_finish(q);
    if (rc != ST_OK) {
        free(*out);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

enum status ledger_attachment_get(struct store *s, int64_t id, char **name, char **content_type,
                                  void **data, size_t *len, int64_t *task_id, struct err *e)
{
    return ledger_file_read(s,
                            "SELECT a.name, a.content_type, a.data, r.task_id FROM"
                            " attachments a JOIN reports r ON r.id = a.report_id WHERE a.id = ?",
                            id, name, content_type, data, len, task_id, e);
}

enum status ledger_attachments(struct store *s, int64_t report_id, int64_t *task_id,
                               struct ledger_file **out, size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *q;
    enum status rc = store_prepare(s, "SELECT task_id FROM reports WHERE id = ?", &q, e);
    if (rc != ST_OK)
        return rc;
    store_bind_int(q, 1, report_id);
    int row;
    if ((rc = store_step(q, &row, e)) == ST_OK) {
        if (row)
            *task_id = store_col_int(q, 0);
        else
            rc = err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的报告 (no such report)",
                         report_id);
    }
    store_finish(q);
    if (rc != ST_OK)
        return rc;
    return ledger_file_list(s,
                            "SELECT a.id, a.name, a.content_type, a.size, a.sha256, u.name,"
                            " a.uploaded_at FROM attachments a JOIN users u ON u.id = a.uploaded_by"
                            " WHERE a.report_id = ? ORDER BY a.id",
                            report_id, out, n, e);
}

int ledger_next_name(const char **cursor, const char **name, size_t *len)
{
    const char *p = *cursor;
    if (!p || !*p)
        return 0;
    const char *sep = strstr(p, "、");
    *name = p;
    *len = sep ? (size_t)(sep - p) : strlen(p);
    *cursor = sep ? sep + strlen("、") : p + *len;
    return 1;
}

enum status ledger_late_tasks(struct store *s, int64_t plan_id, const char *period, int64_t **ids,
                              size_t *n, struct err *e)
{
    *ids = NULL;
    *n = 0;
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   "SELECT DISTINCT r.task_id FROM reports r JOIN tasks t ON"
                                   " t.id = r.task_id WHERE t.plan_id = ? AND r.period = ? AND"
                                   " r.role = 'lead' AND r.late = 1 ORDER BY r.task_id",
                                   &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, plan_id);
    store_bind_text(q, 2, period);
    return store_run_ids(q, ids, n, e);
}

static int cmp_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int ledger_ids_contain(const int64_t *ids, size_t n, int64_t id)
{
    return n && bsearch(&id, ids, n, sizeof *ids, cmp_id) != NULL;
}
