/* Traffic lights: the rule, evaluation from stored reports, history and period closing. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/xalloc.h"
#include "calendar/calendar.h"
#include "ledger/ledger_int.h"
#include "store/store.h"

void ledger_light_from_facts(const struct ledger_settings *st, const struct ledger_period *p,
                             const struct light_facts *f, struct ledger_light *out)
{
    long s = date_to_days(f->start), d = date_to_days(f->due), end = date_to_days(p->end);
    int expected;
    if (end < s)
        expected = 0;
    else if (end >= d || d <= s)
        expected = 100;
    else
        expected = (int)(((end - s + 1) * 100) / (d - s + 1));
    out->expected = expected;
    out->progress = f->progress;
    snprintf(out->period, sizeof out->period, "%s", p->key);
    int progress = f->progress < 0 ? 0 : f->progress;
    int behind = expected - progress;
    if (f->closed) {
        out->light = LIGHT_GREEN;
        snprintf(out->reason, sizeof out->reason, "已销号");
        return;
    }
    if (end < s) {
        out->light = LIGHT_GREEN;
        snprintf(out->reason, sizeof out->reason, "尚未开始");
        return;
    }
    if (end > d && progress < 100) {
        out->light = LIGHT_RED;
        snprintf(out->reason, sizeof out->reason, "已逾期：完成时限 %04d-%02d-%02d，进度 %d%%",
                 f->due.y, f->due.m, f->due.d, progress);
        return;
    }
    if (f->missing_run >= st->missing_red) {
        out->light = LIGHT_RED;
        snprintf(out->reason, sizeof out->reason, "连续 %d 期未报送进展", f->missing_run);
        return;
    }
    if (behind > st->red_behind) {
        out->light = LIGHT_RED;
        snprintf(out->reason, sizeof out->reason,
                 "落后序时进度 %d 个百分点（序时 %d%%，实际 %d%%）", behind, expected, progress);
        return;
    }
    if (behind >= st->yellow_behind) {
        out->light = LIGHT_YELLOW;
        snprintf(out->reason, sizeof out->reason,
                 "落后序时进度 %d 个百分点（序时 %d%%，实际 %d%%）", behind, expected, progress);
        return;
    }
    if (f->late) {
        out->light = LIGHT_YELLOW;
        snprintf(out->reason, sizeof out->reason, "本期进展逾期报送");
        return;
    }
    out->light = LIGHT_GREEN;
    if (f->progress < 0 && f->missing_run > 0)
        snprintf(out->reason, sizeof out->reason, "本期尚未报送；序时进度 %d%%", expected);
    else
        snprintf(out->reason, sizeof out->reason, "符合序时进度（序时 %d%%，实际 %d%%）", expected,
                 progress);
}

int ledger_missing_run(const struct ledger_settings *st, const struct calendar *cal,
                       struct date today, const struct ledger_period *p, struct date start,
                       int (*has)(void *ctx, const char *key), void *ctx)
{
    int run = 0;
    struct ledger_period cur = *p;
    for (int k = 0; k < st->missing_red + 1; k++) {
        if (date_to_days(cur.end) - date_to_days(start) < 7)
            break;
        if (date_cmp(ledger_report_deadline(cal, st, &cur), today) >= 0)
            break; /* not due yet */
        if (has(ctx, cur.key))
            break;
        run++;
        struct ledger_period prev;
        ledger_period_prev(&cur, st->cadence, &prev);
        cur = prev;
    }
    return run;
}

/* Whether a task has a lead report for a period: one indexed lookup, however many versions. */
struct report_probe {
    struct store *s;
    int64_t task_id;
    enum status st;
    struct err *e;
};

static int probe_has(void *ctx, const char *key)
{
    struct report_probe *p = ctx;
    if (p->st != ST_OK)
        return 1;
    struct store_stmt *q;
    if ((p->st = store_prepare(p->s,
                               "SELECT 1 FROM report_heads WHERE task_id = ?"
                               " AND role = 'lead' AND period = ?",
                               &q, p->e)) != ST_OK)
        return 1;
    store_bind_int(q, 1, p->task_id);
    store_bind_text(q, 2, key);
    int row = 0;
    p->st = store_step(q, &row, p->e);
    store_finish(q);
    return row;
}

/* Facts of one task for period p, read from the store with indexed lookups only, so a task
 * amended thousands of times costs what a task reported once does. */
static enum status read_facts(struct store *s, const struct calendar *cal,
                              const struct ledger_settings *st, int64_t task_id,
                              const struct ledger_period *p, struct light_facts *f, struct err *e)
{
    memset(f, 0, sizeof *f);
    f->progress = -1;
    char src[16];
    enum status rc =
        ledger_task_window(s, st, task_id, &f->start, &f->due, &f->closed, src, sizeof src, e);
    if (rc != ST_OK)
        return rc;
    /* The newest period up to p carries the progress forward; its late flag counts when it
     * is p's. */
    struct store_stmt *q;
    if ((rc = store_prepare(s,
                            "SELECT period, progress, late FROM report_heads WHERE task_id = ?"
                            " AND role = 'lead' AND period <= ? ORDER BY period DESC LIMIT 1",
                            &q, e)) != ST_OK)
        return rc;
    store_bind_int(q, 1, task_id);
    store_bind_text(q, 2, p->key);
    int row;
    if ((rc = store_step(q, &row, e)) == ST_OK && row) {
        f->progress = (int)store_col_int(q, 1);
        f->late = strcmp(store_col_text(q, 0), p->key) == 0 && store_col_int(q, 2);
    }
    store_finish(q);
    if (rc != ST_OK)
        return rc;
    struct report_probe probe = {s, task_id, ST_OK, e};
    f->missing_run = ledger_missing_run(st, cal, clock_today(), p, f->start, probe_has, &probe);
    return probe.st;
}

static enum status stored_light(struct store *s, int64_t task_id, const char *period,
                                struct ledger_light *out, int *found, struct err *e)
{
    struct store_stmt *q;
    enum status rc = store_prepare(s,
                                   "SELECT light, expected, progress, reason, frozen FROM lights"
                                   " WHERE task_id = ? AND period = ?",
                                   &q, e);
    if (rc != ST_OK)
        return rc;
    store_bind_int(q, 1, task_id);
    store_bind_text(q, 2, period);
    int row;
    *found = 0;
    if ((rc = store_step(q, &row, e)) == ST_OK && row) {
        *found = 1;
        ledger_light_parse(store_col_text(q, 0), &out->light);
        out->expected = (int)store_col_int(q, 1);
        out->progress = store_col_is_null(q, 2) ? -1 : (int)store_col_int(q, 2);
        snprintf(out->reason, sizeof out->reason, "%s", store_col_text(q, 3));
        out->frozen = (int)store_col_int(q, 4);
        out->task_id = task_id;
        snprintf(out->period, sizeof out->period, "%s", period);
    }
    store_finish(q);
    return rc;
}

static enum status plan_of_task(struct store *s, int64_t task_id, int64_t *plan_id, struct err *e)
{
    struct store_stmt *q;
    enum status rc = store_prepare(s, "SELECT plan_id FROM tasks WHERE id = ?", &q, e);
    if (rc != ST_OK)
        return rc;
    store_bind_int(q, 1, task_id);
    int row;
    if ((rc = store_step(q, &row, e)) == ST_OK) {
        if (row)
            *plan_id = store_col_int(q, 0);
        else
            rc = err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的任务 (no such task)",
                         task_id);
    }
    store_finish(q);
    return rc;
}

enum status ledger_light_eval(struct store *s, const struct calendar *cal, int64_t task_id,
                              const char *period, struct ledger_light *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    out->task_id = task_id;
    int64_t plan_id = 0;
    struct ledger_settings st;
    enum status rc = plan_of_task(s, task_id, &plan_id, e);
    if (rc == ST_OK)
        rc = ledger_settings_get(s, plan_id, &st, e);
    if (rc != ST_OK)
        return rc;
    struct ledger_period p;
    if (!ledger_period_parse(period, st.cadence, &p))
        return err_set(e, ST_INVALID, "period", "报告期“%s”格式不对，本方案按%s报送 (bad period)",
                       period,
                       st.cadence == CADENCE_MONTHLY  ? "月（如 2020-04）"
                       : st.cadence == CADENCE_WEEKLY ? "周（如 2020-W15）"
                                                      : "季度（如 2020-Q2）");
    return ledger_light_eval_in(s, cal, &st, task_id, &p, out, e);
}

enum status ledger_light_eval_in(struct store *s, const struct calendar *cal,
                                 const struct ledger_settings *st, int64_t task_id,
                                 const struct ledger_period *p, struct ledger_light *out,
                                 struct err *e)
{
    memset(out, 0, sizeof *out);
    out->task_id = task_id;
    int found;
    enum status rc = stored_light(s, task_id, p->key, out, &found, e);
    if (rc != ST_OK)
        return rc;
    if (found && out->frozen)
        return ST_OK;
    struct light_facts f;
    if ((rc = read_facts(s, cal, st, task_id, p, &f, e)) != ST_OK)
        return rc;
    ledger_light_from_facts(st, p, &f, out);
    out->task_id = task_id;
    out->frozen = 0;
    return ST_OK;
}

enum status ledger_light_store(struct store *s, const struct ledger_light *l, int freeze,
                               struct err *e)
{
    struct store_stmt *q;
    enum status rc = store_prepare(
        s,
        "INSERT INTO lights (task_id, period, light, expected, progress, reason, frozen,"
        " computed_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT (task_id, period) DO UPDATE SET"
        " light = excluded.light, expected = excluded.expected, progress = excluded.progress,"
        " reason = excluded.reason, frozen = excluded.frozen, computed_at = excluded.computed_at"
        " WHERE lights.frozen = 0",
        &q, e);
    if (rc != ST_OK)
        return rc;
    char now[32];
    clock_now_iso(now, sizeof now);
    store_bind_int(q, 1, l->task_id);
    store_bind_text(q, 2, l->period);
    store_bind_text(q, 3, ledger_light_name(l->light));
    store_bind_int(q, 4, l->expected);
    if (l->progress >= 0)
        store_bind_int(q, 5, l->progress);
    else
        store_bind_null(q, 5);
    store_bind_text(q, 6, l->reason);
    store_bind_int(q, 7, freeze);
    store_bind_text(q, 8, now);
    return store_run(q, e);
}

enum status ledger_light_history(struct store *s, int64_t task_id, struct ledger_light **rows,
                                 size_t *n, struct err *e)
{
    *rows = NULL;
    *n = 0;
    struct store_stmt *q;
    enum status rc = store_prepare(s,
                                   "SELECT period, light, expected, progress, reason, frozen"
                                   " FROM lights WHERE task_id = ? ORDER BY period",
                                   &q, e);
    if (rc != ST_OK)
        return rc;
    store_bind_int(q, 1, task_id);
    size_t cap = 0;
    int row;
    while ((rc = store_step(q, &row, e)) == ST_OK && row) {
        xgrow((void **)rows, &cap, *n + 1, sizeof **rows);
        struct ledger_light *l = &(*rows)[(*n)++];
        memset(l, 0, sizeof *l);
        l->task_id = task_id;
        snprintf(l->period, sizeof l->period, "%s", store_col_text(q, 0));
        ledger_light_parse(store_col_text(q, 1), &l->light);
        l->expected = (int)store_col_int(q, 2);
        l->progress = store_col_is_null(q, 3) ? -1 : (int)store_col_int(q, 3);
        snprintf(l->reason, sizeof l->reason, "%s", store_col_text(q, 4));
        l->frozen = (int)store_col_int(q, 5);
    }
    store_finish(q);
    return rc;
}

enum status ledger_period_closed(struct store *s, int64_t plan_id, const char *period, int *closed,
                                 struct err *e)
{
    struct store_stmt *q;
    enum status rc = store_prepare(s,
                                   "SELECT count(*) FROM period_closures WHERE plan_id = ?"
                                   " AND period = ?",
                                   &q, e);
    if (rc != ST_OK)
        return rc;
    store_bind_int(q, 1, plan_id);
    store_bind_text(q, 2, period);
    int row;
    if ((rc = store_step(q, &row, e)) == ST_OK)
        *closed = row && store_col_int(q, 0) > 0;
    store_finish(q);
    return rc;
}

enum status ledger_period_close(struct store *s, const struct calendar *cal, const char *actor,
                                int64_t plan_id, const char *period, size_t *tasks, struct err *e)
{
    *tasks = 0;
    struct ledger_settings st;
    enum status rc = ledger_settings_get(s, plan_id, &st, e);
    if (rc != ST_OK)
        return rc;
    struct ledger_period p;
    if (!ledger_period_parse(period, st.cadence, &p))
        return err_set(e, ST_INVALID, "period", "报告期“%s”格式不对 (bad period)", period);
    if (date_cmp(p.end, clock_today()) >= 0)
        return err_set(e, ST_UNPROCESSABLE, "period",
                       "报告期 %s 尚未结束，不能关账 (period not over)", p.key);
    if ((rc = store_begin(s, e)) != ST_OK)
        return rc;
    int closed;
    if ((rc = ledger_period_closed(s, plan_id, p.key, &closed, e)) != ST_OK)
        goto out;
    if (closed) {
        rc = err_set(e, ST_CONFLICT, "period", "报告期 %s 已关账 (already closed)", p.key);
        goto out;
    }
    struct store_stmt *q;
    if ((rc = store_prepare(s, "SELECT id FROM tasks WHERE plan_id = ? ORDER BY id", &q, e)) !=
        ST_OK)
        goto out;
    store_bind_int(q, 1, plan_id);
    int64_t *ids = NULL;
    size_t n = 0, cap = 0;
    int row;
    while ((rc = store_step(q, &row, e)) == ST_OK && row) {
        xgrow((void **)&ids, &cap, n + 1, sizeof *ids);
        ids[n++] = store_col_int(q, 0);
    }
    store_finish(q);
    for (size_t i = 0; i < n && rc == ST_OK; i++) {
        struct ledger_light l;
        if ((rc = ledger_light_eval(s, cal, ids[i], p.key, &l, e)) == ST_OK)
            rc = ledger_light_store(s, &l, 1, e);
    }
    free(ids);
    if (rc != ST_OK)
        goto out;
    if ((rc = store_prepare(s,
                            "INSERT INTO period_closures (plan_id, period, closed_at, closed_by)"
                            " VALUES (?, ?, ?, ?)",
                            &q, e)) != ST_OK)
        goto out;
    char now[32];
    clock_now_iso(now, sizeof now);
    store_bind_int(q, 1, plan_id);
    store_bind_text(q, 2, p.key);
    store_bind_text(q, 3, now);
    store_bind_text(q, 4, actor);
    if ((rc = store_run(q, e)) != ST_OK)
        goto out;
    {
        char ids_s[32], after[96];
        snprintf(ids_s, sizeof ids_s, "%" PRId64, plan_id);
        snprintf(after, sizeof after, "{\"period\":\"%s\",\"tasks\":%zu}", p.key, n);
        rc = audit_append(s, actor, "period.close", "plan", ids_s, NULL, after, e);
    }
    *tasks = n;
out:
    if (rc != ST_OK) {
        store_rollback(s);
        return rc;
    }
    return store_commit(s, e);
}
