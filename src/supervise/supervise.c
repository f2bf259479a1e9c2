#include "supervise/supervise.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "base/clock.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "calendar/calendar.h"
#include "ledger/ledger.h"
#include "store/store.h"

#define TEXT_MAX 20000

static const char *const level_names[] = {"remind", "urge", "supervise"};
static const char *const level_labels[] = {"提醒", "催办", "督办"};

const char *supervise_level_name(enum notice_level l)
{
    return (unsigned)l <= NOTICE_SUPERVISE ? level_names[l] : "?";
}

const char *supervise_level_label(enum notice_level l)
{
    return (unsigned)l <= NOTICE_SUPERVISE ? level_labels[l] : "?";
}

int supervise_level_parse(const char *s, enum notice_level *out)
{
    for (int i = 0; i <= NOTICE_SUPERVISE; i++)
        if (s && strcmp(s, level_names[i]) == 0) {
            *out = (enum notice_level)i;
            return 1;
        }
    return 0;
}

enum status supervise_settings_get(struct store *s, int64_t plan_id, struct supervise_settings *out,
                                   struct err *e)
{
    *out = (struct supervise_settings){plan_id, 1, {5, 3, 2}};
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   "SELECT auto_urge, remind_wd, urge_wd, supervise_wd FROM"
                                   " supervise_settings WHERE plan_id = ?",
                                   &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, plan_id);
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK && row) {
        out->auto_urge = (int)store_col_int(q, 0);
        for (int k = 0; k < 3; k++)
            out->limit_wd[k] = (int)store_col_int(q, k + 1);
    }
    store_finish(q);
    return st;
}

static enum status check_text(const char *v, const char *field, struct err *e)
{
    size_t len = v ? strlen(v) : 0;
    int blank = 1;
    for (size_t i = 0; i < len && blank; i++)
        blank = v[i] == ' ' || v[i] == '\n' || v[i] == '\t' || v[i] == '\r';
    if (blank)
        return err_set(e, ST_INVALID, field, "%s 不能为空 (empty)", field);
    if (len > TEXT_MAX || !utf8_valid(v, len, NULL))
        return err_set(e, ST_INVALID, field, "%s 过长或不是有效的 UTF-8 (bad text)", field);
    return ST_OK;
}

static enum status audit_notice(struct store *s, const char *actor, const char *action, int64_t id,
                                json_t *after, struct err *e)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    char *a = after ? json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    json_decref(after);
    enum status st = audit_append(s, actor, action, "notice", ids, NULL, a, e);
    free(a);
    return st;
}

/* Inserts one notice inside the caller's transaction. */
static enum status insert_notice(struct store *s, const struct calendar *cal, const char *actor,
                                 int64_t task_id, int64_t dept_id, enum notice_level level,
                                 const char *reason, int limit_wd, const char *origin,
                                 int64_t parent, struct date today, int64_t *id, struct err *e)
{
    char issued[16], due[16], now[32];
    date_format(today, issued, sizeof issued);
    date_format(calendar_add_workdays(cal, today, limit_wd), due, sizeof due);
    clock_now_iso(now, sizeof now);
    struct store_stmt *q;
    enum status st = store_prepare(
        s,
        "INSERT INTO notices (task_id, dept_id, level, reason, limit_wd, issued_on, due_on,"
        " status, origin, parent_id, issued_by, issued_at) VALUES (?,?,?,?,?,?,?,'open',?,?,?,?)"
        " RETURNING id",
        &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, task_id);
    store_bind_int(q, 2, dept_id);
    store_bind_text(q, 3, supervise_level_name(level));
    store_bind_text(q, 4, reason);
    store_bind_int(q, 5, limit_wd);
    store_bind_text(q, 6, issued);
    store_bind_text(q, 7, due);
    store_bind_text(q, 8, origin);
    if (parent)
        store_bind_int(q, 9, parent);
    else
        store_bind_null(q, 9);
    store_bind_text(q, 10, actor);
    store_bind_text(q, 11, now);
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK && row)
        *id = store_col_int(q, 0);
    store_finish(q);
    if (st != ST_OK)
        return st;
    return audit_notice(s, actor, parent ? "notice.escalate" : "notice.issue", *id,
                        json_pack("{s:I, s:I, s:s, s:s, s:i, s:s, s:s, s:I}", "task_id",
                                  (json_int_t)task_id, "dept_id", (json_int_t)dept_id, "level",
                                  supervise_level_name(level), "reason", reason, "limit_wd",
                                  limit_wd, "due_on", due, "origin", origin, "parent_id",
                                  (json_int_t)parent),
                        e);
}

/* The canonical department ids of a task's lead (and co) departments, collectives excluded. */
static enum status task_depts(struct store *s, int64_t task_id, int include_co, int64_t *ids,
                              size_t *n, struct err *e)
{
    *n = 0;
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   "SELECT DISTINCT coalesce(d.canonical_id, d.id), td.role"
                                   " FROM task_depts td JOIN departments d ON d.id = td.dept_id"
                                   " WHERE td.task_id = ? AND d.kind <> 'collective'"
                                   " ORDER BY td.role DESC",
                                   &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, task_id);
    int row;
    while ((st = store_step(q, &row, e)) == ST_OK && row && *n < 16) {
        int lead = strcmp(store_col_text(q, 1), "lead") == 0;
        if (lead || include_co)
            ids[(*n)++] = store_col_int(q, 0);
    }
    store_finish(q);
    return st;
}

enum status supervise_issue(struct store *s, const struct calendar *cal, const char *actor,
                            int64_t task_id, enum notice_level level, const char *reason,
                            int limit_wd, int include_co, int64_t ids[16], size_t *n, struct err *e)
{
    *n = 0;
    enum status st = check_text(reason, "reason", e);
    if (st != ST_OK)
        return st;
    if (limit_wd > 60)
        return err_set(e, ST_INVALID, "limit_wd", "办理时限应为 1 到 60 个工作日 (bad limit)");
    struct ledger_task t;
    if ((st = ledger_task_get(s, task_id, 0, &t, e)) != ST_OK)
        return st;
    int64_t plan_id = t.plan_id;
    int closed = t.closed;
    ledger_task_cleanup(&t);
    if (closed)
        return err_set(e, ST_CONFLICT, NULL, "任务已销号，不能督办 (task closed)");
    struct supervise_settings ss;
    if ((st = supervise_settings_get(s, plan_id, &ss, e)) != ST_OK)
        return st;
    if (limit_wd <= 0)
        limit_wd = ss.limit_wd[level];
    int64_t depts[16];
    size_t nd;
    if ((st = task_depts(s, task_id, include_co, depts, &nd, e)) != ST_OK)
        return st;
    if (nd == 0)
        return err_set(e, ST_UNPROCESSABLE, NULL,
                       "该任务没有明确的牵头单位，无法督办 (no department)");
    if ((st = store_begin(s, e)) != ST_OK)
        return st;
    struct date today = clock_today();
    for (size_t i = 0; i < nd && st == ST_OK; i++)
        st = insert_notice(s, cal, actor, task_id, depts[i], level, reason, limit_wd, "office", 0,
                           today, &ids[(*n)++], e);
    if (st != ST_OK) {
        store_rollback(s);
        *n = 0;
        return st;
    }
    return store_commit(s, e);
}

/* Reads a notice's department and status. */
static enum status notice_state(struct store *s, int64_t id, int64_t *dept, char status[12],
                                struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   "SELECT coalesce(d.canonical_id, d.id), n.status FROM notices n"
                                   " JOIN departments d ON d.id = n.dept_id WHERE n.id = ?",
                                   &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, id);
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK) {
        if (!row) {
            st = err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的督办单 (no such notice)",
                         id);
        } else {
            *dept = store_col_int(q, 0);
            snprintf(status, 12, "%s", store_col_text(q, 1));
        }
    }
    store_finish(q);
    return st;
}

static enum status set_status(struct store *s, const char *actor, int64_t id, const char *from_ok,
                              const char *to, const char *time_col, const char *text,
                              const char *action, struct err *e)
{
    (void)from_ok;
    char now[32];
    clock_now_iso(now, sizeof now);
    const char *sql = NULL;
    if (strcmp(time_col, "signed_at") == 0)
        sql = "UPDATE notices SET status = ?, signed_at = ? WHERE id = ?";
    else if (strcmp(time_col, "answered_at") == 0)
        sql = "UPDATE notices SET status = ?, answered_at = ?, answer = ?,"
              " signed_at = coalesce(signed_at, answered_at) WHERE id = ?";
    else
        sql = "UPDATE notices SET status = ?, decided_at = ?, decision_note = ? WHERE id = ?";
    struct store_stmt *q;
    enum status st = store_prepare(s, sql, &q, e);
    if (st != ST_OK)
        return st;
    store_bind_text(q, 1, to);
    store_bind_text(q, 2, now);
    if (strcmp(time_col, "signed_at") == 0) {
        store_bind_int(q, 3, id);
    } else {
        store_bind_text(q, 3, text ? text : "");
        store_bind_int(q, 4, id);
    }
    if ((st = store_run(q, e)) != ST_OK)
        return st;
    return audit_notice(s, actor, action, id,
                        text ? json_pack("{s:s, s:s}", "status", to, "text", text)
                             : json_pack("{s:s}", "status", to),
                        e);
}

static enum status dept_step(struct store *s, const struct auth_user *u, int64_t id,
                             const char *text, int answer, struct err *e)
{
    if (u->role != ROLE_DEPT)
        return err_set(e, ST_FORBIDDEN, NULL,
                       "只有部门账号可以签收和反馈 (department clerks only)");
    enum status st;
    if (answer && (st = check_text(text, "text", e)) != ST_OK)
        return st;
    if ((st = store_begin(s, e)) != ST_OK)
        return st;
    int64_t dept = 0;
    char status[12];
    if ((st = notice_state(s, id, &dept, status, e)) != ST_OK)
        goto out;
    if (dept != u->dept_id) {
        st = err_set(e, ST_FORBIDDEN, NULL, "该督办单不是发给本部门的 (not your notice)");
        goto out;
    }
    int ok = answer ? (!strcmp(status, "open") || !strcmp(status, "signed") ||
                       !strcmp(status, "returned"))
                    : (!strcmp(status, "open") || !strcmp(status, "returned"));
    if (!ok) {
        st = err_set(e, ST_CONFLICT, "status", "督办单当前状态为“%s”，不能%s (wrong state)", status,
                     answer ? "反馈" : "签收");
        goto out;
    }
    st = answer
             ? set_status(s, u->name, id, NULL, "answered", "answered_at", text, "notice.answer", e)
             : set_status(s, u->name, id, NULL, "signed", "signed_at", NULL, "notice.sign", e);
out:
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s, e);
}

enum status supervise_sign(struct store *s, const struct auth_user *u, int64_t id, struct err *e)
{
    return dept_step(s, u, id, NULL, 0, e);
}

enum status supervise_answer(struct store *s, const struct auth_user *u, int64_t id,
                             const char *text, struct err *e)
{
    return dept_step(s, u, id, text, 1, e);
}

enum status supervise_decide(struct store *s, const char *actor, int64_t id, int accept,
                             const char *note, struct err *e)
{
    enum status st;
    if (!accept && (st = check_text(note, "note", e)) != ST_OK)
        return st;
    if ((st = store_begin(s, e)) != ST_OK)
        return st;
    int64_t dept = 0;
    char status[12] = "";
    if ((st = notice_state(s, id, &dept, status, e)) != ST_OK)
        goto out;
    if (strcmp(status, "answered") != 0) {
        st = err_set(e, ST_CONFLICT, "status",
                     "只有已反馈的督办单可以办结或退回（当前“%s”） (wrong state)", status);
        goto out;
    }
    st = set_status(s, actor, id, NULL, accept ? "accepted" : "returned", "decided_at",
                    note ? note : "", accept ? "notice.accept" : "notice.return", e);
out:
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s, e);
}

void supervise_notices_free(struct notice *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].answer);
    free(v);
}

enum status supervise_notices(struct store *s, const struct notice_filter *f, struct notice **v,
                              size_t *n, struct err *e)
{
    *v = NULL;
    *n = 0;
    struct store_stmt *q;
    enum status st = store_prepare(
        s,
        "SELECT n.id, n.task_id, coalesce(n.parent_id, 0), i.path, t.marker, c.name, n.level,"
        " n.reason, n.limit_wd, n.issued_on, n.due_on, n.status, n.origin, n.issued_by,"
        " n.answer, n.decision_note,"
        " (SELECT count(*) FROM accountability_events a WHERE a.notice_id = n.id),"
        " (SELECT count(*) FROM notice_attachments na WHERE na.notice_id = n.id)"
        " FROM notices n JOIN tasks t ON t.id = n.task_id JOIN items i ON i.id = t.item_id"
        " JOIN departments d ON d.id = n.dept_id"
        " JOIN departments c ON c.id = coalesce(d.canonical_id, d.id)"
        " WHERE (? = 0 OR n.task_id = ?) AND (? = 0 OR c.id = ?)"
        " AND (? = 0 OR n.status IN ('open','signed','answered','returned'))"
        " ORDER BY n.id DESC",
        &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, f->task_id);
    store_bind_int(q, 2, f->task_id);
    store_bind_int(q, 3, f->dept_id);
    store_bind_int(q, 4, f->dept_id);
    store_bind_int(q, 5, f->active);
    size_t cap = 0;
    int row;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        xgrow((void **)v, &cap, *n + 1, sizeof **v);
        struct notice *x = &(*v)[(*n)++];
        memset(x, 0, sizeof *x);
        x->id = store_col_int(q, 0);
        x->task_id = store_col_int(q, 1);
        x->parent_id = store_col_int(q, 2);
        const char *marker = store_col_text(q, 4);
        snprintf(x->task_path, sizeof x->task_path, "%s%s%s", store_col_text(q, 3),
                 marker ? "/" : "", marker ? marker : "");
        snprintf(x->dept, sizeof x->dept, "%s", store_col_text(q, 5));
        supervise_level_parse(store_col_text(q, 6), &x->level);
        snprintf(x->reason, sizeof x->reason, "%s", store_col_text(q, 7));
        x->limit_wd = (int)store_col_int(q, 8);
        snprintf(x->issued_on, sizeof x->issued_on, "%s", store_col_text(q, 9));
        snprintf(x->due_on, sizeof x->due_on, "%s", store_col_text(q, 10));
        snprintf(x->status, sizeof x->status, "%s", store_col_text(q, 11));
        snprintf(x->origin, sizeof x->origin, "%s", store_col_text(q, 12));
        snprintf(x->issued_by, sizeof x->issued_by, "%s", store_col_text(q, 13));
        x->answer = store_col_dup(q, 14);
        const char *note = store_col_text(q, 15);
        snprintf(x->decision_note, sizeof x->decision_note, "%s", note ? note : "");
        x->accountable = store_col_int(q, 16) > 0;
        x->attachments = (int)store_col_int(q, 17);
    }
    store_finish(q);
    return st;
}

/* ---------------------------------------------------------------- automatic rules */

static int has_active_notice(struct store *s, int64_t task_id, struct err *e)
{
    struct store_stmt *q;
    if (store_prepare(s,
                      "SELECT count(*) FROM notices WHERE task_id = ? AND status IN"
                      " ('open','signed','answered','returned')",
                      &q, e) != ST_OK)
        return 1;
    store_bind_int(q, 1, task_id);
    int row, has = 1;
    if (store_step(q, &row, e) == ST_OK && row)
        has = store_col_int(q, 0) > 0;
    store_finish(q);
    return has;
}

struct overdue {
    int64_t id, task_id, dept_id;
    enum notice_level level;
    char reason[512];
};

enum status supervise_run(struct store *s, const struct calendar *cal, const char *actor,
                          int64_t plan_id, struct date today, struct supervise_result *out,
                          struct err *e)
{
    memset(out, 0, sizeof *out);
    struct supervise_settings ss;
    enum status st = supervise_settings_get(s, plan_id, &ss, e);
    if (st != ST_OK)
        return st;
    /* Red tasks of the reporting period, read before the transaction. */
    int64_t *red = NULL;
    size_t nred = 0, capred = 0;
    if (ss.auto_urge) {
        struct ledger_filter f = {
            .plan_id = plan_id, .light = LIGHT_RED, .page = 1, .per_page = -1}; /* all at once */
        struct ledger_task_row *rows;
        size_t n, total;
        char period[16];
        if ((st = ledger_tasks(s, cal, &f, &rows, &n, &total, period, e)) != ST_OK)
            return st;
        for (size_t i = 0; i < n; i++)
            if (!rows[i].t.closed) {
                xgrow((void **)&red, &capred, nred + 1, sizeof *red);
                red[nred++] = rows[i].t.id;
            }
        ledger_task_rows_free(rows, n);
    }
    if ((st = store_begin(s, e)) != ST_OK) {
        free(red);
        return st;
    }
    for (size_t i = 0; i < nred && st == ST_OK; i++) {
        if (has_active_notice(s, red[i], e))
            continue;
        int64_t depts[16];
        size_t nd;
        if ((st = task_depts(s, red[i], 0, depts, &nd, e)) != ST_OK)
            break;
        for (size_t k = 0; k < nd && st == ST_OK; k++) {
            int64_t id;
            st = insert_notice(s, cal, actor, red[i], depts[k], NOTICE_URGE,
                               "任务亮红灯，请说明原因并提出整改措施", ss.limit_wd[NOTICE_URGE],
                               "auto", 0, today, &id, e);
            out->urged++;
        }
    }
    free(red);
    /* Overdue notices: unanswered (open, signed or returned) past their limit. */
    struct overdue *od = NULL;
    size_t nod = 0, capod = 0;
    if (st == ST_OK) {
        char day[16];
        date_format(today, day, sizeof day);
        struct store_stmt *q;
        if ((st = store_prepare(s,
                                "SELECT n.id, n.task_id, n.dept_id, n.level, n.reason FROM notices"
                                " n JOIN tasks t ON t.id = n.task_id WHERE t.plan_id = ? AND"
                                " n.status IN ('open','signed','returned') AND n.due_on < ?"
                                " ORDER BY n.id",
                                &q, e)) == ST_OK) {
            store_bind_int(q, 1, plan_id);
            store_bind_text(q, 2, day);
            int row;
            while ((st = store_step(q, &row, e)) == ST_OK && row) {
                xgrow((void **)&od, &capod, nod + 1, sizeof *od);
                struct overdue *o = &od[nod++];
                o->id = store_col_int(q, 0);
                o->task_id = store_col_int(q, 1);
                o->dept_id = store_col_int(q, 2);
                supervise_level_parse(store_col_text(q, 3), &o->level);
                snprintf(o->reason, sizeof o->reason, "%s", store_col_text(q, 4));
            }
            store_finish(q);
        }
    }
    for (size_t i = 0; i < nod && st == ST_OK; i++) {
        struct overdue *o = &od[i];
        if (o->level < NOTICE_SUPERVISE) {
            struct store_stmt *q;
            if ((st = store_prepare(s, "UPDATE notices SET status = 'escalated' WHERE id = ?", &q,
                                    e)) != ST_OK)
                break;
            store_bind_int(q, 1, o->id);
            if ((st = store_run(q, e)) != ST_OK)
                break;
            enum notice_level next = (enum notice_level)(o->level + 1);
            char reason[600];
            snprintf(reason, sizeof reason, "%s（%s逾期未反馈，升级为%s）", o->reason,
                     supervise_level_label(o->level), supervise_level_label(next));
            int64_t id;
            st = insert_notice(s, cal, actor, o->task_id, o->dept_id, next, reason,
                               ss.limit_wd[next], "auto", o->id, today, &id, e);
            out->escalated++;
        } else {
            /* An unanswered 督办: a 约谈 candidate, recorded once. */
            struct store_stmt *q;
            if ((st = store_prepare(s,
                                    "INSERT INTO accountability_events (notice_id, task_id,"
                                    " dept_id, kind, reason, created_on) VALUES (?,?,?,?,?,?)"
                                    " ON CONFLICT (notice_id) DO NOTHING RETURNING id",
                                    &q, e)) != ST_OK)
                break;
            char day[16];
            date_format(today, day, sizeof day);
            store_bind_int(q, 1, o->id);
            store_bind_int(q, 2, o->task_id);
            store_bind_int(q, 3, o->dept_id);
            store_bind_text(q, 4, "约谈候选");
            store_bind_text(q, 5, "督办逾期未反馈");
            store_bind_text(q, 6, day);
            int row;
            int64_t ev = 0;
            if ((st = store_step(q, &row, e)) == ST_OK && row)
                ev = store_col_int(q, 0);
            store_finish(q);
            if (st == ST_OK && ev) {
                out->accountable++;
                char ids[32];
                snprintf(ids, sizeof ids, "%" PRId64, ev);
                char after[128];
                snprintf(after, sizeof after, "{\"notice_id\":%" PRId64 ",\"kind\":\"约谈候选\"}",
                         o->id);
                st = audit_append(s, actor, "accountability.record", "accountability", ids, NULL,
                                  after, e);
            }
        }
    }
    free(od);
    if (st != ST_OK) {
        store_rollback(s);
        memset(out, 0, sizeof *out);
        return st;
    }
    return store_commit(s, e);
}

/* ---------------------------------------------------------------- 销号 */

enum status supervise_close_request(struct store *s, const struct auth_user *u, int64_t task_id,
                                    const char *evidence, int64_t *id, struct err *e)
{
    enum status st = check_text(evidence, "evidence", e);
    if (st != ST_OK)
        return st;
    struct ledger_task t;
    if ((st = ledger_task_get(s, task_id, u->dept_id, &t, e)) != ST_OK)
        return st;
    int lead = t.lead_dept, closed = t.closed;
    ledger_task_cleanup(&t);
    if (u->role != ROLE_DEPT || !lead)
        return err_set(e, ST_FORBIDDEN, NULL, "只有牵头单位可以申请销号 (lead department only)");
    if (closed)
        return err_set(e, ST_CONFLICT, NULL, "任务已销号 (already closed)");
    if ((st = store_begin(s, e)) != ST_OK)
        return st;
    struct store_stmt *q;
    if ((st = store_prepare(
             s, "SELECT count(*) FROM closures WHERE task_id = ? AND status = 'requested'", &q,
             e)) != ST_OK)
        goto out;
    store_bind_int(q, 1, task_id);
    int row, pending = 0;
    if ((st = store_step(q, &row, e)) == ST_OK && row)
        pending = store_col_int(q, 0) > 0;
    store_finish(q);
    if (st != ST_OK)
        goto out;
    if (pending) {
        st = err_set(e, ST_CONFLICT, NULL, "已有待审核的销号申请 (a request is pending)");
        goto out;
    }
    char now[32];
    clock_now_iso(now, sizeof now);
    if ((st =
             store_prepare(s,
                           "INSERT INTO closures (task_id, dept_id, evidence, status, requested_by,"
                           " requested_at) VALUES (?,?,?,'requested',?,?) RETURNING id",
                           &q, e)) != ST_OK)
        goto out;
    store_bind_int(q, 1, task_id);
    store_bind_int(q, 2, u->dept_id);
    store_bind_text(q, 3, evidence);
    store_bind_text(q, 4, u->name);
    store_bind_text(q, 5, now);
    if ((st = store_step(q, &row, e)) == ST_OK && row)
        *id = store_col_int(q, 0);
    store_finish(q);
    if (st == ST_OK) {
        char ids[32];
        snprintf(ids, sizeof ids, "%" PRId64, *id);
        json_t *after =
            json_pack("{s:I, s:s}", "task_id", (json_int_t)task_id, "evidence", evidence);
        char *a = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
        json_decref(after);
        st = audit_append(s, u->name, "closure.request", "closure", ids, NULL, a, e);
        free(a);
    }
out:
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s, e);
}

static enum status set_closed(struct store *s, int64_t task_id, const char *day, struct err *e)
{
    struct store_stmt *q;
    enum status st =
        store_prepare(s,
                      "INSERT INTO task_schedule (task_id, closed_on) VALUES (?, ?)"
                      " ON CONFLICT (task_id) DO UPDATE SET closed_on = excluded.closed_on",
                      &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, task_id);
    store_bind_text(q, 2, day);
    return store_run(q, e);
}

enum status supervise_close_decide(struct store *s, const char *actor, int64_t closure_id,
                                   int approve, const char *note, struct err *e)
{
    enum status st;
    if (!approve && (st = check_text(note, "note", e)) != ST_OK)
        return st;
    if ((st = store_begin(s, e)) != ST_OK)
        return st;
    struct store_stmt *q;
    if ((st = store_prepare(s, "SELECT task_id, status FROM closures WHERE id = ?", &q, e)) !=
        ST_OK)
        goto out;
    store_bind_int(q, 1, closure_id);
    int row;
    int64_t task_id = 0;
    char status[16] = "";
    if ((st = store_step(q, &row, e)) == ST_OK && row) {
        task_id = store_col_int(q, 0);
        snprintf(status, sizeof status, "%s", store_col_text(q, 1));
    }
    store_finish(q);
    if (st != ST_OK)
        goto out;
    if (!task_id) {
        st = err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的销号申请", closure_id);
        goto out;
    }
    if (strcmp(status, "requested") != 0) {
        st = err_set(e, ST_CONFLICT, NULL, "该申请已处理（%s） (already decided)", status);
        goto out;
    }
    char now[32], day[16];
    clock_now_iso(now, sizeof now);
    date_format(clock_today(), day, sizeof day);
    if ((st = store_prepare(s,
                            "UPDATE closures SET status = ?, decided_by = ?, decided_at = ?,"
                            " note = ? WHERE id = ?",
                            &q, e)) != ST_OK)
        goto out;
    store_bind_text(q, 1, approve ? "approved" : "rejected");
    store_bind_text(q, 2, actor);
    store_bind_text(q, 3, now);
    store_bind_text(q, 4, note ? note : "");
    store_bind_int(q, 5, closure_id);
    if ((st = store_run(q, e)) != ST_OK)
        goto out;
    if (approve && (st = set_closed(s, task_id, day, e)) != ST_OK)
        goto out;
    {
        char ids[32], after[160];
        snprintf(ids, sizeof ids, "%" PRId64, closure_id);
        snprintf(after, sizeof after, "{\"task_id\":%" PRId64 ",\"status\":\"%s\"}", task_id,
                 approve ? "approved" : "rejected");
        st = audit_append(s, actor, approve ? "closure.approve" : "closure.reject", "closure", ids,
                          NULL, after, e);
    }
out:
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s, e);
}

enum status supervise_reopen(struct store *s, const char *actor, int64_t task_id, const char *note,
                             struct err *e)
{
    enum status st = check_text(note, "note", e);
    if (st != ST_OK)
        return st;
    struct ledger_task t;
    if ((st = ledger_task_get(s, task_id, 0, &t, e)) != ST_OK)
        return st;
    int closed = t.closed;
    ledger_task_cleanup(&t);
    if (!closed)
        return err_set(e, ST_CONFLICT, NULL, "任务未销号，无需重新打开 (not closed)");
    if ((st = store_begin(s, e)) != ST_OK)
        return st;
    struct store_stmt *q;
    if ((st = store_prepare(s, "UPDATE task_schedule SET closed_on = NULL WHERE task_id = ?", &q,
                            e)) == ST_OK) {
        store_bind_int(q, 1, task_id);
        st = store_run(q, e);
    }
    if (st == ST_OK &&
        (st = store_prepare(s,
                            "UPDATE closures SET status = 'reopened', note = ? WHERE task_id = ?"
                            " AND status = 'approved'",
                            &q, e)) == ST_OK) {
        store_bind_text(q, 1, note);
        store_bind_int(q, 2, task_id);
        st = store_run(q, e);
    }
    if (st == ST_OK) {
        char ids[32];
        snprintf(ids, sizeof ids, "%" PRId64, task_id);
        json_t *after = json_pack("{s:s}", "note", note);
        char *a = json_dumps(after, JSON_COMPACT);
        json_decref(after);
        st = audit_append(s, actor, "task.reopen", "task", ids, NULL, a, e);
        free(a);
    }
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s, e);
}

void supervise_closures_free(struct closure *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].evidence);
    free(v);
}

enum status supervise_closures(struct store *s, int64_t task_id, struct closure **v, size_t *n,
                               struct err *e)
{
    *v = NULL;
    *n = 0;
    struct store_stmt *q;
    enum status st = store_prepare(
        s,
        "SELECT cl.id, cl.task_id, i.path, t.marker, c.name, cl.evidence, cl.status,"
        " cl.requested_by, cl.requested_at, cl.decided_by, cl.decided_at, cl.note"
        " FROM closures cl JOIN tasks t ON t.id = cl.task_id JOIN items i ON i.id = t.item_id"
        " JOIN departments d ON d.id = cl.dept_id"
        " JOIN departments c ON c.id = coalesce(d.canonical_id, d.id)"
        " WHERE (? > 0 AND cl.task_id = ?) OR (? = 0 AND cl.status = 'requested')"
        " ORDER BY cl.id DESC",
        &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, task_id);
    store_bind_int(q, 2, task_id);
    store_bind_int(q, 3, task_id);
    size_t cap = 0;
    int row;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        xgrow((void **)v, &cap, *n + 1, sizeof **v);
        struct closure *c = &(*v)[(*n)++];
        memset(c, 0, sizeof *c);
        c->id = store_col_int(q, 0);
        c->task_id = store_col_int(q, 1);
        const char *marker = store_col_text(q, 3);
        snprintf(c->task_path, sizeof c->task_path, "%s%s%s", store_col_text(q, 2),
                 marker ? "/" : "", marker ? marker : "");
        snprintf(c->dept, sizeof c->dept, "%s", store_col_text(q, 4));
        c->evidence = store_col_dup(q, 5);
        snprintf(c->status, sizeof c->status, "%s", store_col_text(q, 6));
        snprintf(c->requested_by, sizeof c->requested_by, "%s", store_col_text(q, 7));
        snprintf(c->requested_at, sizeof c->requested_at, "%.20s", store_col_text(q, 8));
        const char *db = store_col_text(q, 9), *da = store_col_text(q, 10),
                   *note = store_col_text(q, 11);
        snprintf(c->decided_by, sizeof c->decided_by, "%s", db ? db : "");
        snprintf(c->decided_at, sizeof c->decided_at, "%.20s", da ? da : "");
        snprintf(c->note, sizeof c->note, "%s", note ? note : "");
    }
    store_finish(q);
    return st;
}

enum status supervise_attach(struct store *s, const struct auth_user *u, int64_t notice_id,
                             const char *name, const char *content_type, const void *data,
                             size_t len, int64_t *id, char sha256[65], struct err *e)
{
    char ctype[128];
    enum status st = ledger_attachment_check(name, content_type, data, len, ctype, sizeof ctype, e);
    if (st != ST_OK)
        return st;
    if (u->role != ROLE_DEPT)
        return err_set(e, ST_FORBIDDEN, NULL,
                       "只有部门账号可以上传反馈附件 (department clerks only)");
    if ((st = store_begin(s, e)) != ST_OK)
        return st;
    int64_t dept = 0;
    char status[12] = "";
    if ((st = notice_state(s, notice_id, &dept, status, e)) != ST_OK)
        goto out;
    if (dept != u->dept_id) {
        st = err_set(e, ST_FORBIDDEN, NULL, "该督办单不是发给本部门的 (not your notice)");
        goto out;
    }
    if (!strcmp(status, "accepted") || !strcmp(status, "escalated")) {
        st = err_set(e, ST_CONFLICT, "status", "督办单已%s，不能再上传附件 (notice closed)",
                     !strcmp(status, "accepted") ? "办结" : "升级");
        goto out;
    }
    st = ledger_file_insert(s,
                            "INSERT INTO notice_attachments (notice_id, name, content_type, size,"
                            " sha256, data, uploaded_by, uploaded_at) VALUES (?,?,?,?,?,?,?,?)"
                            " RETURNING id",
                            notice_id, u->id, name, ctype, data, len, id, sha256, e);
    if (st == ST_OK)
        st = audit_notice(s, u->name, "notice.attach", notice_id,
                          json_pack("{s:I, s:s, s:s, s:I}", "attachment_id", (json_int_t)*id,
                                    "name", name, "sha256", sha256, "size", (json_int_t)len),
                          e);
out:
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s, e);
}

enum status supervise_attachment_get(struct store *s, int64_t id, char **name, char **content_type,
                                     void **data, size_t *len, int64_t *task_id, struct err *e)
{
    return ledger_file_read(s,
                            "SELECT na.name, na.content_type, na.data, n.task_id FROM"
                            " notice_attachments na JOIN notices n ON n.id = na.notice_id"
                            " WHERE na.id = ?",
                            id, name, content_type, data, len, task_id, e);
}

enum status supervise_attachments(struct store *s, int64_t notice_id, struct ledger_file **out,
                                  size_t *n, struct err *e)
{
    return ledger_file_list(s,
                            "SELECT na.id, na.name, na.content_type, na.size, na.sha256, u.name,"
                            " na.uploaded_at FROM notice_attachments na"
                            " JOIN users u ON u.id = na.uploaded_by WHERE na.notice_id = ?"
                            " ORDER BY na.id",
                            notice_id, out, n, e);
}

enum status supervise_settings_set(struct store *s, const char *actor,
                                   const struct supervise_settings *in, struct err *e)
{
    for (int k = 0; k < 3; k++)
        if (in->limit_wd[k] < 1 || in->limit_wd[k] > 60)
            return err_set(e, ST_INVALID,
                           k == 0   ? "remind_wd"
                           : k == 1 ? "urge_wd"
                                    : "supervise_wd",
                           "办理时限应为 1 到 60 个工作日");
    enum status st = store_begin(s, e);
    if (st != ST_OK)
        return st;
    struct store_stmt *q;
    if ((st =
             store_prepare(s,
                           "INSERT INTO supervise_settings (plan_id, auto_urge, remind_wd, urge_wd,"
                           " supervise_wd) VALUES (?,?,?,?,?) ON CONFLICT (plan_id) DO UPDATE SET"
                           " auto_urge = excluded.auto_urge, remind_wd = excluded.remind_wd,"
                           " urge_wd = excluded.urge_wd, supervise_wd = excluded.supervise_wd",
                           &q, e)) == ST_OK) {
        store_bind_int(q, 1, in->plan_id);
        store_bind_int(q, 2, in->auto_urge ? 1 : 0);
        for (int k = 0; k < 3; k++)
            store_bind_int(q, 3 + k, in->limit_wd[k]);
        st = store_run(q, e);
    }
    if (st == ST_OK) {
        char ids[32], after[160];
        snprintf(ids, sizeof ids, "%" PRId64, in->plan_id);
        snprintf(after, sizeof after,
                 "{\"auto_urge\":%d,\"remind_wd\":%d,\"urge_wd\":%d,\"supervise_wd\":%d}",
                 in->auto_urge ? 1 : 0, in->limit_wd[0], in->limit_wd[1], in->limit_wd[2]);
        st = audit_append(s, actor, "supervise.settings", "plan", ids, NULL, after, e);
    }
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s, e);
}
