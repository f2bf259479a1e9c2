/* Handlers of the supervision loop: notices, their inboxes, the automatic rules, 销号. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "award/award.h"
#include "base/clock.h"
#include "http/http_int.h"
#include "ledger/ledger.h"
#include "store/store.h"
#include "supervise/supervise.h"

json_t *http_notice_json(const struct notice *n);
json_t *http_closure_json(const struct closure *c);

json_t *http_notice_json(const struct notice *n)
{
    json_t *o =
        json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:s, s:s, s:b}", "id",
                  (json_int_t)n->id, "task_id", (json_int_t)n->task_id, "task_path", n->task_path,
                  "dept", n->dept, "level", supervise_level_name(n->level), "level_label",
                  supervise_level_label(n->level), "reason", n->reason, "limit_wd", n->limit_wd,
                  "issued_on", n->issued_on, "due_on", n->due_on, "status", n->status, "origin",
                  n->origin, "issued_by", n->issued_by, "accountable", n->accountable);
    json_object_set_new(o, "parent_id", n->parent_id ? json_integer(n->parent_id) : json_null());
    json_object_set_new(o, "answer", n->answer ? json_string(n->answer) : json_null());
    json_object_set_new(o, "decision_note", json_string(n->decision_note));
    json_object_set_new(o, "attachments", json_integer(n->attachments));
    return o;
}

json_t *http_closure_json(const struct closure *c)
{
    return json_pack("{s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id",
                     (json_int_t)c->id, "task_id", (json_int_t)c->task_id, "task_path",
                     c->task_path, "dept", c->dept, "evidence", c->evidence ? c->evidence : "",
                     "status", c->status, "requested_by", c->requested_by, "requested_at",
                     c->requested_at, "decided_by", c->decided_by, "decided_at", c->decided_at,
                     "note", c->note);
}

/* Task {0} must be visible to the caller (a clerk: its own or collective tasks). */
static int visible_task(struct http_req *r, int64_t *task_id)
{
    if (!http_param_id(r, 0, task_id))
        return 0;
    struct ledger_task t;
    struct err e = {0};
    enum status st = ledger_task_get(r->store, *task_id,
                                     r->user.role == ROLE_DEPT ? r->user.dept_id : 0, &t, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return 0;
    }
    int ok = r->user.role != ROLE_DEPT || t.lead_dept || t.co_dept || t.collective;
    ledger_task_cleanup(&t);
    if (!ok)
        http_reply_fail(r, 403, "forbidden", NULL,
                        "该任务不属于本部门 (not your department's task)");
    return ok;
}

void h_notice_issue(struct http_req *r);
void h_notice_issue(struct http_req *r)
{
    int64_t task_id;
    if (!http_param_id(r, 0, &task_id))
        return;
    json_t *b = http_body_object(r);
    if (!b)
        return;
    const char *level, *reason;
    int ok = http_field_string(r, b, "level", 1, &level) &&
             http_field_string(r, b, "reason", 1, &reason);
    if (!ok) {
        json_decref(b);
        return;
    }
    enum notice_level lv;
    if (!supervise_level_parse(level, &lv)) {
        json_decref(b);
        http_reply_fail(r, 400, "invalid", "level",
                        "level 应为 remind（提醒）、urge（催办）或 supervise（督办）");
        return;
    }
    json_t *lim = json_object_get(b, "limit_wd");
    if (lim && !json_is_null(lim) &&
        (!json_is_integer(lim) || json_integer_value(lim) < 1 || json_integer_value(lim) > 60)) {
        json_decref(b);
        http_reply_fail(r, 400, "invalid", "limit_wd", "limit_wd 应为 1 到 60 的整数");
        return;
    }
    int limit = lim && json_is_integer(lim) ? (int)json_integer_value(lim) : 0;
    int include_co = json_is_true(json_object_get(b, "include_co"));
    int64_t ids[16];
    size_t n;
    struct err e = {0};
    enum status st = supervise_issue(r->store, r->cal, r->user.name, task_id, lv, reason, limit,
                                     include_co, ids, &n, &e);
    json_decref(b);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_integer(ids[i]));
    http_reply_json(r, 201, json_pack("{s:o}", "notices", arr));
}

static void reply_notices(struct http_req *r, const struct notice_filter *f)
{
    struct notice *v;
    size_t n;
    struct err e = {0};
    enum status st = supervise_notices(r->store, f, &v, &n, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, http_notice_json(&v[i]));
    supervise_notices_free(v, n);
    http_reply_json(r, 200, json_pack("{s:o}", "notices", arr));
}

void h_task_notices(struct http_req *r);
void h_task_notices(struct http_req *r)
{
    int64_t task_id;
    if (!visible_task(r, &task_id))
        return;
    struct notice_filter f = {.task_id = task_id};
    reply_notices(r, &f);
}

void h_notices(struct http_req *r);
void h_notices(struct http_req *r)
{
    const char *all = http_query(r, "all");
    struct notice_filter f = {.active = !(all && !strcmp(all, "1"))};
    if (r->user.role == ROLE_DEPT)
        f.dept_id = r->user.dept_id;
    reply_notices(r, &f);
}

static void notice_step(struct http_req *r, int step)
{
    int64_t id;
    if (!http_param_id(r, 0, &id))
        return;
    struct err e = {0};
    enum status st = ST_OK;
    json_t *b = NULL;
    const char *text = NULL;
    int ok = 1;
    if (step == 1 || step == 3) {
        if (!(b = http_body_object(r)))
            return;
        ok = http_field_string(r, b, step == 1 ? "text" : "note", 1, &text);
        if (!ok) {
            json_decref(b);
            return;
        }
    }
    switch (step) {
    case 0:
        st = supervise_sign(r->store, &r->user, id, &e);
        break;
    case 1:
        st = supervise_answer(r->store, &r->user, id, text, &e);
        break;
    case 2:
        st = supervise_decide(r->store, r->user.name, id, 1, NULL, &e);
        break;
    default:
        st = supervise_decide(r->store, r->user.name, id, 0, text, &e);
        break;
    }
    json_decref(b);
    http_reply_done(r, st, &e);
}

void h_notice_sign(struct http_req *r);
void h_notice_sign(struct http_req *r)
{
    notice_step(r, 0);
}
void h_notice_answer(struct http_req *r);
void h_notice_answer(struct http_req *r)
{
    notice_step(r, 1);
}
void h_notice_accept(struct http_req *r);
void h_notice_accept(struct http_req *r)
{
    notice_step(r, 2);
}
void h_notice_return(struct http_req *r);
void h_notice_return(struct http_req *r)
{
    notice_step(r, 3);
}

void h_supervise_run(struct http_req *r);
void h_supervise_run(struct http_req *r)
{
    const char *plan = http_query(r, "plan");
    int64_t plan_id = plan ? strtoll(plan, NULL, 10) : 1;
    if (plan_id <= 0) {
        http_reply_fail(r, 400, "invalid", "plan", "plan 应为正整数");
        return;
    }
    struct supervise_result res;
    struct err e = {0};
    enum status st =
        supervise_run(r->store, r->cal, r->user.name, plan_id, clock_today(), &res, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 200,
                    json_pack("{s:I, s:I, s:I}", "urged", (json_int_t)res.urged, "escalated",
                              (json_int_t)res.escalated, "accountable",
                              (json_int_t)res.accountable));
}

void h_closure_request(struct http_req *r);
void h_closure_request(struct http_req *r)
{
    int64_t task_id;
    if (!http_param_id(r, 0, &task_id))
        return;
    json_t *b = http_body_object(r);
    if (!b)
        return;
    const char *evidence;
    int ok = http_field_string(r, b, "evidence", 1, &evidence);
    if (!ok) {
        json_decref(b);
        return;
    }
    int64_t id;
    struct err e = {0};
    enum status st = supervise_close_request(r->store, &r->user, task_id, evidence, &id, &e);
    json_decref(b);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

static void reply_closures(struct http_req *r, int64_t task_id)
{
    struct closure *v;
    size_t n;
    struct err e = {0};
    enum status st = supervise_closures(r->store, task_id, &v, &n, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, http_closure_json(&v[i]));
    supervise_closures_free(v, n);
    http_reply_json(r, 200, json_pack("{s:o}", "closures", arr));
}

void h_task_closures(struct http_req *r);
void h_task_closures(struct http_req *r)
{
    int64_t task_id;
    if (!visible_task(r, &task_id))
        return;
    reply_closures(r, task_id);
}

void h_closures_pending(struct http_req *r);
void h_closures_pending(struct http_req *r)
{
    reply_closures(r, 0);
}

static void closure_decide(struct http_req *r, int approve)
{
    int64_t id;
    if (!http_param_id(r, 0, &id))
        return;
    const char *note = NULL;
    json_t *b = NULL;
    if (!approve) {
        int ok;
        if (!(b = http_body_object(r)))
            return;
        ok = http_field_string(r, b, "note", 1, &note);
        if (!ok) {
            json_decref(b);
            return;
        }
    }
    struct err e = {0};
    enum status st = supervise_close_decide(r->store, r->user.name, id, approve, note, &e);
    json_decref(b);
    http_reply_done(r, st, &e);
}

void h_closure_approve(struct http_req *r);
void h_closure_approve(struct http_req *r)
{
    closure_decide(r, 1);
}
void h_closure_reject(struct http_req *r);
void h_closure_reject(struct http_req *r)
{
    closure_decide(r, 0);
}

void h_task_reopen(struct http_req *r);
void h_task_reopen(struct http_req *r)
{
    int64_t task_id;
    if (!http_param_id(r, 0, &task_id))
        return;
    json_t *b = http_body_object(r);
    if (!b)
        return;
    const char *note;
    int ok = http_field_string(r, b, "note", 1, &note);
    if (!ok) {
        json_decref(b);
        return;
    }
    struct err e = {0};
    enum status st = supervise_reopen(r->store, r->user.name, task_id, note, &e);
    json_decref(b);
    http_reply_done(r, st, &e);
}

/* Counts for the navigation: what the caller must act on. */
void h_inbox(struct http_req *r);
void h_inbox(struct http_req *r)
{
    struct notice_filter f = {.active = 1};
    if (r->user.role == ROLE_DEPT)
        f.dept_id = r->user.dept_id;
    struct notice *v;
    size_t n;
    struct err e = {0};
    enum status st = supervise_notices(r->store, &f, &v, &n, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    int todo = 0, waiting = 0;
    for (size_t i = 0; i < n; i++) {
        int answered = !strcmp(v[i].status, "answered");
        if (r->user.role == ROLE_DEPT)
            answered ? waiting++ : todo++;
        else
            answered ? todo++ : waiting++;
    }
    supervise_notices_free(v, n);
    size_t pending = 0;
    if (r->user.role != ROLE_DEPT) {
        struct closure *c;
        if ((st = supervise_closures(r->store, 0, &c, &pending, &e)) != ST_OK) {
            http_reply_error(r, st, &e);
            return;
        }
        supervise_closures_free(c, pending);
        todo += (int)pending;
    }
    /* 惠企政策 applications past their 兑现时限, for the staff who decide or watch them */
    size_t late = 0;
    if (r->user.role != ROLE_DEPT) {
        struct award_app_filter af = {.cal = r->cal, .today = clock_today(), .overdue = 1};
        struct award_app *a;
        if ((st = award_applications(r->store, &af, &a, &late, &e)) != ST_OK) {
            http_reply_error(r, st, &e);
            return;
        }
        award_apps_free(a, late);
    }
    http_reply_json(r, 200,
                    json_pack("{s:i, s:i, s:I, s:I}", "todo", todo, "waiting", waiting,
                              "closures_pending", (json_int_t)pending, "applications_overdue",
                              (json_int_t)late));
}

/* ---------------------------------------------------------------- files with an answer */

json_t *http_files_json(const struct ledger_file *v, size_t n)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:I, s:s, s:s, s:I, s:s, s:s, s:s}", "id",
                                             (json_int_t)v[i].id, "name", v[i].name, "content_type",
                                             v[i].content_type, "size", (json_int_t)v[i].size,
                                             "sha256", v[i].sha256, "uploaded_by", v[i].uploaded_by,
                                             "uploaded_at", v[i].uploaded_at));
    return json_pack("{s:o}", "attachments", arr);
}

void h_notice_attach(struct http_req *r);
void h_notice_attach(struct http_req *r)
{
    int64_t notice_id;
    if (!http_param_id(r, 0, &notice_id))
        return;
    int64_t id;
    char sha[65];
    struct err e = {0};
    enum status st =
        supervise_attach(r->store, &r->user, notice_id, http_query(r, "name"),
                         http_header(r, "Content-Type"), r->body, r->body_len, &id, sha, &e);
    http_reply_uploaded(r, st, &e, id, sha);
}

/* A clerk sees the files of notices sent to its own department; other roles see all. */
void h_notice_attachments(struct http_req *r);
void h_notice_attachments(struct http_req *r)
{
    int64_t notice_id;
    if (!http_param_id(r, 0, &notice_id))
        return;
    struct err e = {0};
    if (r->user.role == ROLE_DEPT) {
        struct notice_filter f = {.dept_id = r->user.dept_id};
        struct notice *v;
        size_t n;
        enum status st = supervise_notices(r->store, &f, &v, &n, &e);
        if (st != ST_OK) {
            http_reply_error(r, st, &e);
            return;
        }
        int mine = 0;
        for (size_t i = 0; i < n && !mine; i++)
            mine = v[i].id == notice_id;
        supervise_notices_free(v, n);
        if (!mine) {
            http_reply_fail(r, 403, "forbidden", NULL,
                            "该督办单不是发给本部门的 (not your notice)");
            return;
        }
    }
    struct ledger_file *v;
    size_t n;
    enum status st = supervise_attachments(r->store, notice_id, &v, &n, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 200, http_files_json(v, n));
    free(v);
}

void h_notice_attachment_get(struct http_req *r);
void h_notice_attachment_get(struct http_req *r)
{
    http_send_file(r, supervise_attachment_get, NULL);
}

/* ---------------------------------------------------------------- settings */

static json_t *supervise_settings_json(const struct supervise_settings *ss)
{
    return json_pack("{s:I, s:b, s:i, s:i, s:i}", "plan_id", (json_int_t)ss->plan_id, "auto_urge",
                     ss->auto_urge, "remind_wd", ss->limit_wd[0], "urge_wd", ss->limit_wd[1],
                     "supervise_wd", ss->limit_wd[2]);
}

/* Reads plan {0}'s settings; replies 404 when there is no such plan. */
static int plan_supervise_settings(struct http_req *r, struct supervise_settings *ss)
{
    int64_t plan_id;
    if (!http_param_id(r, 0, &plan_id))
        return 0;
    struct ledger_settings ls;
    struct err e = {0};
    enum status st = ledger_settings_get(r->store, plan_id, &ls, &e);
    if (st == ST_OK)
        st = supervise_settings_get(r->store, plan_id, ss, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return 0;
    }
    return 1;
}

void h_supervise_settings(struct http_req *r);
void h_supervise_settings(struct http_req *r)
{
    struct supervise_settings ss;
    if (plan_supervise_settings(r, &ss))
        http_reply_json(r, 200, json_pack("{s:o}", "settings", supervise_settings_json(&ss)));
}

void h_supervise_settings_set(struct http_req *r);
void h_supervise_settings_set(struct http_req *r)
{
    struct supervise_settings ss;
    if (!plan_supervise_settings(r, &ss))
        return;
    json_t *b = http_body_object(r);
    if (!b)
        return;
    static const char *const fields[] = {"remind_wd", "urge_wd", "supervise_wd"};
    json_t *au = json_object_get(b, "auto_urge");
    if (au && !json_is_boolean(au)) {
        json_decref(b);
        http_reply_fail(r, 400, "invalid", "auto_urge", "auto_urge 应为 true 或 false");
        return;
    }
    if (au)
        ss.auto_urge = json_is_true(au);
    for (int k = 0; k < 3; k++) {
        json_t *v = json_object_get(b, fields[k]);
        if (!v)
            continue;
        if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 60) {
            char msg[96];
            snprintf(msg, sizeof msg, "%s 应为 1 到 60 的整数（工作日）", fields[k]);
            json_decref(b);
            http_reply_fail(r, 400, "invalid", fields[k], msg);
            return;
        }
        ss.limit_wd[k] = (int)json_integer_value(v);
    }
    json_decref(b);
    struct err e = {0};
    enum status st = supervise_settings_set(r->store, r->user.name, &ss, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 200, json_pack("{s:o}", "settings", supervise_settings_json(&ss)));
}
