/* The routes table and its handlers. Every route declares who may call it; dispatch() checks
 * that before the handler runs, and handlers that act on one department's data check it too. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/xalloc.h"
#include "calendar/calendar.h"
#include "dept/dept.h"
#include "http/http_int.h"
#include "ledger/ledger.h"
#include "plan/plan.h"
#include "store/store.h"
#include "supervise/supervise.h"

#define ALL ROLES_ALL
#define ADMIN ROLE_BIT(ROLE_ADMIN)
#define OFFICE ROLE_BIT(ROLE_OFFICE)
#define DEPT ROLE_BIT(ROLE_DEPT)
#define STAFF (ADMIN | OFFICE | ROLE_BIT(ROLE_LEADER))
#define ENTERPRISE ROLE_BIT(ROLE_ENTERPRISE)

/* ---------------------------------------------------------------- field helpers */

int http_field_string(struct http_req *r, json_t *o, const char *name, int required,
                      const char **out)
{
    json_t *v = json_object_get(o, name);
    if (!v || json_is_null(v)) {
        if (required) {
            char msg[128];
            snprintf(msg, sizeof msg, "缺少字段 %s (missing field)", name);
            http_reply_fail(r, 400, "invalid", name, msg);
            return 0;
        }
        *out = NULL;
        return 1;
    }
    if (!json_is_string(v)) {
        char msg[128];
        snprintf(msg, sizeof msg, "字段 %s 应为字符串 (expected a string)", name);
        http_reply_fail(r, 400, "invalid", name, msg);
        return 0;
    }
    *out = json_string_value(v);
    return 1;
}

static int field_int(struct http_req *r, json_t *o, const char *name, int required, long lo,
                     long hi, long *out)
{
    json_t *v = json_object_get(o, name);
    if (!v || json_is_null(v)) {
        if (required) {
            char msg[128];
            snprintf(msg, sizeof msg, "缺少字段 %s (missing field)", name);
            http_reply_fail(r, 400, "invalid", name, msg);
            return 0;
        }
        return 1;
    }
    if (!json_is_integer(v) || json_integer_value(v) < lo || json_integer_value(v) > hi) {
        char msg[160];
        snprintf(msg, sizeof msg, "字段 %s 应为 %ld 到 %ld 的整数 (out of range)", name, lo, hi);
        http_reply_fail(r, 400, "invalid", name, msg);
        return 0;
    }
    *out = (long)json_integer_value(v);
    return 1;
}

static int field_date(struct http_req *r, json_t *o, const char *name, struct date *out,
                      int *present)
{
    const char *s;
    *present = 0;
    if (!http_field_string(r, o, name, 0, &s))
        return 0;
    if (!s)
        return 1;
    if (!date_parse_iso(s, out)) {
        char msg[128];
        snprintf(msg, sizeof msg, "字段 %s 应为 YYYY-MM-DD 日期 (bad date)", name);
        http_reply_fail(r, 400, "invalid", name, msg);
        return 0;
    }
    *present = 1;
    return 1;
}

int http_query_id(struct http_req *r, const char *name, int64_t *out)
{
    const char *v = http_query(r, name);
    *out = 0;
    if (!v || !*v)
        return 1;
    char *end;
    long long x = strtoll(v, &end, 10);
    if (*end || x <= 0) {
        char msg[128];
        snprintf(msg, sizeof msg, "参数 %s 应为正整数 (expected a positive integer)", name);
        http_reply_fail(r, 400, "invalid", name, msg);
        return 0;
    }
    *out = x;
    return 1;
}

static json_t *date_json(struct date d)
{
    char iso[16];
    date_format(d, iso, sizeof iso);
    return json_string(iso);
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *user_json(const struct auth_user *u)
{
    json_t *o = json_pack("{s:I, s:s, s:s, s:s, s:b}", "id", (json_int_t)u->id, "name", u->name,
                          "role", auth_role_name(u->role), "role_label", auth_role_label(u->role),
                          "disabled", u->disabled);
    json_object_set_new(o, "dept", u->dept[0] ? json_string(u->dept) : json_null());
    json_object_set_new(o, "entity", u->uscc[0] ? json_string(u->uscc) : json_null());
    return o;
}

/* The plan to use: ?plan=, else the first stored one. Replies 404 when there is none. */
static int resolve_plan(struct http_req *r, int64_t *plan_id)
{
    if (!http_query_id(r, "plan", plan_id))
        return 0;
    if (*plan_id)
        return 1;
    struct plan_summary *rows;
    size_t n;
    struct err e = {0};
    enum status st = plan_list(r->store, &rows, &n, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return 0;
    }
    if (n)
        *plan_id = rows[0].id;
    plan_summaries_free(rows, n);
    if (!*plan_id) {
        http_reply_fail(r, 404, "not_found", "plan", "还没有导入方案 (no plan)");
        return 0;
    }
    return 1;
}

/* ---------------------------------------------------------------- session */

static void h_health(struct http_req *r)
{
    http_reply_json(r, 200, json_pack("{s:s, s:s}", "status", "ok", "version", HQD_VERSION));
}

static void h_login(struct http_req *r)
{
    json_t *b = http_body_object(r);
    const char *name, *password;
    if (!b)
        return;
    if (!http_field_string(r, b, "name", 1, &name) ||
        !http_field_string(r, b, "password", 1, &password)) {
        json_decref(b);
        return;
    }
    char token[AUTH_TOKEN_HEX + 1];
    struct auth_user u;
    struct err e = {0};
    enum status st = auth_login(r->store, name, password, r->addr, token, &u, &e);
    json_decref(b);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    char cookie[160];
    snprintf(cookie, sizeof cookie, "hqd_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d",
             token, AUTH_SESSION_SECONDS);
    http_add_header(r, "Set-Cookie", cookie);
    r->user = u;
    r->authed = 1;
    http_reply_json(r, 200, json_pack("{s:o}", "user", user_json(&u)));
}

static void h_logout(struct http_req *r)
{
    struct err e = {0};
    enum status st = auth_logout(r->store, r->token, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_add_header(r, "Set-Cookie", "hqd_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    http_reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}

static void h_me(struct http_req *r)
{
    /* the server's date: the one deadlines, periods and a budget's default year go by */
    char today[16];
    date_format(clock_today(), today, sizeof today);
    http_reply_json(r, 200, json_pack("{s:o, s:s}", "user", user_json(&r->user), "today", today));
}

static void h_me_password(struct http_req *r)
{
    json_t *b = http_body_object(r);
    const char *old, *pw;
    if (!b)
        return;
    if (!http_field_string(r, b, "old_password", 1, &old) ||
        !http_field_string(r, b, "new_password", 1, &pw)) {
        json_decref(b);
        return;
    }
    struct err e = {0};
    enum status st = auth_user_passwd(r->store, r->user.name, r->user.name, old, pw, &e);
    json_decref(b);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_add_header(r, "Set-Cookie", "hqd_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    http_reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}

static void h_token_create(struct http_req *r)
{
    json_t *b = http_body_object(r);
    const char *label;
    long days = 90;
    if (!b)
        return;
    if (!http_field_string(r, b, "label", 1, &label) ||
        !field_int(r, b, "days", 0, 1, 3650, &days)) {
        json_decref(b);
        return;
    }
    char token[AUTH_TOKEN_HEX + 1];
    struct err e = {0};
    enum status st = auth_token_create(r->store, &r->user, label, (int)days, token, &e);
    json_decref(b);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 201, json_pack("{s:s, s:i}", "token", token, "days", (int)days));
}

/* ---------------------------------------------------------------- plans */

static json_t *settings_json(const struct ledger_settings *st)
{
    return json_pack("{s:s, s:i, s:o, s:o, s:i, s:i, s:i}", "cadence",
                     ledger_cadence_name(st->cadence), "report_due_wd", st->report_due_wd,
                     "start_on", date_json(st->start_on), "end_on", date_json(st->end_on),
                     "yellow_behind", st->yellow_behind, "red_behind", st->red_behind,
                     "missing_red", st->missing_red);
}

static void h_plans(struct http_req *r)
{
    struct plan_summary *rows;
    size_t n;
    struct err e = {0};
    enum status st = plan_list(r->store, &rows, &n, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n && st == ST_OK; i++) {
        struct ledger_settings ls;
        if ((st = ledger_settings_get(r->store, rows[i].id, &ls, &e)) != ST_OK)
            break;
        struct ledger_period p;
        ledger_period_reporting(clock_today(), ls.cadence, &p);
        json_array_append_new(
            arr,
            json_pack("{s:I, s:s, s:o, s:o, s:o, s:I, s:I, s:o, s:s, s:o}", "id",
                      (json_int_t)rows[i].id, "title", rows[i].title, "doc_number",
                      str_or_null(rows[i].doc_number), "signed_on", str_or_null(rows[i].signed_on),
                      "published_on", str_or_null(rows[i].published_on), "items",
                      (json_int_t)rows[i].items, "tasks", (json_int_t)rows[i].tasks, "settings",
                      settings_json(&ls), "reporting_period", p.key, "report_deadline",
                      date_json(ledger_report_deadline(r->cal, &ls, &p))));
    }
    plan_summaries_free(rows, n);
    if (st != ST_OK) {
        json_decref(arr);
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 200, json_pack("{s:o}", "plans", arr));
}

static void h_plan_settings(struct http_req *r)
{
    int64_t plan_id;
    if (!http_param_id(r, 0, &plan_id))
        return;
    struct ledger_settings st;
    struct err e = {0};
    enum status rc = ledger_settings_get(r->store, plan_id, &st, &e);
    if (rc != ST_OK) {
        http_reply_error(r, rc, &e);
        return;
    }
    json_t *b = http_body_object(r);
    if (!b)
        return;
    const char *cadence;
    long due = st.report_due_wd, yb = st.yellow_behind, rb = st.red_behind, mr = st.missing_red;
    int has;
    if (!http_field_string(r, b, "cadence", 0, &cadence) ||
        !field_int(r, b, "report_due_wd", 0, 1, 30, &due) ||
        !field_int(r, b, "yellow_behind", 0, 1, 100, &yb) ||
        !field_int(r, b, "red_behind", 0, 1, 100, &rb) ||
        !field_int(r, b, "missing_red", 0, 1, 12, &mr) ||
        !field_date(r, b, "start_on", &st.start_on, &has) ||
        !field_date(r, b, "end_on", &st.end_on, &has)) {
        json_decref(b);
        return;
    }
    if (cadence && !ledger_cadence_parse(cadence, &st.cadence)) {
        json_decref(b);
        http_reply_fail(r, 400, "invalid", "cadence", "cadence 应为 weekly、monthly 或 quarterly");
        return;
    }
    json_decref(b);
    st.report_due_wd = (int)due;
    st.yellow_behind = (int)yb;
    st.red_behind = (int)rb;
    st.missing_red = (int)mr;
    if ((rc = ledger_settings_set(r->store, r->user.name, &st, &e)) != ST_OK) {
        http_reply_error(r, rc, &e);
        return;
    }
    http_reply_json(r, 200, json_pack("{s:o}", "settings", settings_json(&st)));
}

/* ---------------------------------------------------------------- tasks */

static json_t *task_json(const struct ledger_task *t)
{
    json_t *o = json_pack("{s:I, s:I, s:I, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:o, s:b}", "id",
                          (json_int_t)t->id, "plan_id", (json_int_t)t->plan_id, "seq",
                          (json_int_t)t->seq, "path", t->path, "section", str_or_null(t->section),
                          "item_title", str_or_null(t->item_title), "text", str_or_null(t->text),
                          "lead", str_or_null(t->lead), "co", str_or_null(t->co), "start_on",
                          date_json(t->start_on), "due_source", t->due_source, "due_on",
                          date_json(t->due_on), "closed", t->closed);
    json_object_set_new(o, "deadline_text", str_or_null(t->deadline_text));
    json_object_set_new(o, "my_role",
                        t->lead_dept    ? json_string("lead")
                        : t->co_dept    ? json_string("co")
                        : t->collective ? json_string("collective")
                                        : json_null());
    return o;
}

static void light_into(json_t *o, enum ledger_light_color c, int expected, int progress,
                       const char *reason)
{
    json_object_set_new(o, "light", json_string(ledger_light_name(c)));
    json_object_set_new(o, "light_label", json_string(ledger_light_label(c)));
    json_object_set_new(o, "expected", json_integer(expected));
    json_object_set_new(o, "progress", progress >= 0 ? json_integer(progress) : json_null());
    json_object_set_new(o, "light_reason", json_string(reason));
}

/* A dept clerk sees the tasks its department leads or cooperates on, and the collective ones. */
static int can_see(const struct http_req *r, const struct ledger_task *t)
{
    return r->user.role != ROLE_DEPT || t->lead_dept || t->co_dept || t->collective;
}

static void h_tasks(struct http_req *r)
{
    struct ledger_filter f = {.light = -1, .per_page = 50, .page = 1};
    if (!resolve_plan(r, &f.plan_id))
        return;
    const char *dept = http_query(r, "dept"), *light = http_query(r, "light");
    const char *page = http_query(r, "page"), *per = http_query(r, "per_page");
    struct err e = {0};
    enum status st;
    if (r->user.role == ROLE_DEPT) {
        f.dept_id = r->user.dept_id;
        if (http_query(r, "mine"))
            f.only_dept = 1;
    } else if (dept && *dept) {
        if ((st = dept_resolve(r->store, dept, &f.dept_id, &e)) != ST_OK) {
            e.where[0] = '\0';
            snprintf(e.where, sizeof e.where, "dept");
            http_reply_error(r, st == ST_NOT_FOUND ? ST_INVALID : st, &e);
            return;
        }
        f.only_dept = 1;
    }
    if (light && *light) {
        enum ledger_light_color c;
        if (!ledger_light_parse(light, &c)) {
            http_reply_fail(r, 400, "invalid", "light", "light 应为 green、yellow 或 red");
            return;
        }
        f.light = (int)c;
    }
    if (page && *page) {
        char *end;
        long p = strtol(page, &end, 10);
        if (*end || p < 1 || p > 100000) {
            http_reply_fail(r, 400, "invalid", "page", "page 应为正整数");
            return;
        }
        f.page = (int)p;
    }
    if (per && *per) {
        char *end;
        long p = strtol(per, &end, 10);
        if (*end || p < 1 || p > 200) {
            http_reply_fail(r, 400, "invalid", "per_page", "per_page 应为 1 到 200");
            return;
        }
        f.per_page = (int)p;
    }
    f.q = http_query(r, "q");
    f.section = http_query(r, "section");
    f.period = http_query(r, "period");
    if (f.period && !*f.period)
        f.period = NULL;
    struct ledger_task_row *rows;
    size_t n, total;
    char period[16];
    if ((st = ledger_tasks(r->store, r->cal, &f, &rows, &n, &total, period, &e)) != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = task_json(&rows[i].t);
        light_into(o, rows[i].light, rows[i].expected, rows[i].progress, rows[i].reason);
        json_object_set_new(o, "reported", json_boolean(rows[i].reported));
        json_array_append_new(arr, o);
    }
    ledger_task_rows_free(rows, n);
    http_reply_json(r, 200,
                    json_pack("{s:I, s:s, s:I, s:i, s:i, s:o}", "plan_id", (json_int_t)f.plan_id,
                              "period", period, "total", (json_int_t)total, "page", f.page,
                              "per_page", f.per_page, "tasks", arr));
}

/* Loads task {0} for the caller, replying 404/403 itself on failure. */
static int load_task(struct http_req *r, struct ledger_task *t)
{
    int64_t id;
    if (!http_param_id(r, 0, &id))
        return 0;
    struct err e = {0};
    enum status st =
        ledger_task_get(r->store, id, r->user.role == ROLE_DEPT ? r->user.dept_id : 0, t, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return 0;
    }
    if (!can_see(r, t)) {
        ledger_task_cleanup(t);
        http_reply_fail(r, 403, "forbidden", NULL,
                        "该任务不属于本部门 (not your department's task)");
        return 0;
    }
    return 1;
}

static void h_task(struct http_req *r)
{
    struct ledger_task t;
    if (!load_task(r, &t))
        return;
    struct err e = {0};
    struct ledger_settings ls;
    enum status st = ledger_settings_get(r->store, t.plan_id, &ls, &e);
    struct ledger_period p;
    const char *per = http_query(r, "period");
    if (st == ST_OK) {
        if (per && *per) {
            if (!ledger_period_parse(per, ls.cadence, &p)) {
                ledger_task_cleanup(&t);
                http_reply_fail(r, 400, "invalid", "period", "报告期格式不对 (bad period)");
                return;
            }
        } else {
            ledger_period_reporting(clock_today(), ls.cadence, &p);
        }
    }
    struct ledger_light l;
    if (st == ST_OK)
        st = ledger_light_eval(r->store, r->cal, t.id, p.key, &l, &e);
    struct ledger_light *hist = NULL;
    size_t nh = 0;
    if (st == ST_OK)
        st = ledger_light_history(r->store, t.id, &hist, &nh, &e);
    if (st != ST_OK) {
        ledger_task_cleanup(&t);
        http_reply_error(r, st, &e);
        return;
    }
    json_t *o = task_json(&t);
    json_object_set_new(o, "clause", str_or_null(t.clause));
    json_object_set_new(o, "period", json_string(p.key));
    json_object_set_new(o, "report_deadline", date_json(ledger_report_deadline(r->cal, &ls, &p)));
    light_into(o, l.light, l.expected, l.progress, l.reason);
    json_t *ha = json_array();
    for (size_t i = 0; i < nh; i++) {
        json_t *h = json_pack("{s:s, s:b}", "period", hist[i].period, "frozen", hist[i].frozen);
        light_into(h, hist[i].light, hist[i].expected, hist[i].progress, hist[i].reason);
        json_array_append_new(ha, h);
    }
    free(hist);
    json_object_set_new(o, "light_history", ha);
    ledger_task_cleanup(&t);
    http_reply_json(r, 200, json_pack("{s:o}", "task", o));
}

static void h_task_dates(struct http_req *r)
{
    int64_t id;
    if (!http_param_id(r, 0, &id))
        return;
    json_t *b = http_body_object(r);
    if (!b)
        return;
    struct date s, d;
    int hs, hd;
    if (!field_date(r, b, "start_on", &s, &hs) || !field_date(r, b, "due_on", &d, &hd)) {
        json_decref(b);
        return;
    }
    json_decref(b);
    if (!hs && !hd) {
        http_reply_fail(r, 400, "invalid", "due_on",
                        "请给出 start_on 或 due_on (nothing to change)");
        return;
    }
    struct err e = {0};
    enum status st =
        ledger_task_set_dates(r->store, r->user.name, id, hs ? &s : NULL, hd ? &d : NULL, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    r->params[0] = r->param_buf[0];
    h_task(r);
}

static json_t *report_json(const struct ledger_report *rep)
{
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:s, s:i, s:s, s:s, s:s, s:b, s:s, s:s, s:I}", "id",
                          (json_int_t)rep->id, "task_id", (json_int_t)rep->task_id, "dept",
                          rep->dept, "role", rep->role, "period", rep->period, "version",
                          rep->version, "done", rep->done ? rep->done : "", "problems",
                          rep->problems ? rep->problems : "", "next", rep->next ? rep->next : "",
                          "late", rep->late, "submitted_by", rep->submitted_by, "submitted_at",
                          rep->submitted_at, "attachments", (json_int_t)rep->attachments);
    json_object_set_new(o, "progress",
                        rep->progress >= 0 ? json_integer(rep->progress) : json_null());
    return o;
}

static void h_report_submit(struct http_req *r)
{
    int64_t id;
    if (!http_param_id(r, 0, &id))
        return;
    json_t *b = http_body_object(r);
    if (!b)
        return;
    struct ledger_report_input in = {.task_id = id, .progress = -1};
    long progress = -1;
    if (!http_field_string(r, b, "period", 1, &in.period) ||
        !field_int(r, b, "progress", 0, 0, 100, &progress) ||
        !http_field_string(r, b, "done", 1, &in.done) ||
        !http_field_string(r, b, "problems", 0, &in.problems) ||
        !http_field_string(r, b, "next", 0, &in.next)) {
        json_decref(b);
        return;
    }
    in.progress = (int)progress;
    struct ledger_report rep;
    struct ledger_light l;
    struct err e = {0};
    enum status st = ledger_report_submit(r->store, r->cal, &r->user, &in, &rep, &l, &e);
    json_decref(b);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *out = json_pack("{s:o}", "report", report_json(&rep));
    json_t *lo = json_pack("{s:s}", "period", l.period);
    light_into(lo, l.light, l.expected, l.progress, l.reason);
    json_object_set_new(out, "light", lo);
    ledger_report_cleanup(&rep);
    http_reply_json(r, 201, out);
}

static void h_reports(struct http_req *r)
{
    struct ledger_task t;
    if (!load_task(r, &t))
        return;
    struct ledger_report *rows;
    size_t n;
    struct err e = {0};
    enum status st = ledger_reports(r->store, t.id, &rows, &n, &e);
    ledger_task_cleanup(&t);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, report_json(&rows[i]));
    ledger_reports_free(rows, n);
    http_reply_json(r, 200, json_pack("{s:o}", "reports", arr));
}

static void h_attachment_add(struct http_req *r)
{
    int64_t report_id;
    if (!http_param_id(r, 0, &report_id))
        return;
    const char *name = http_query(r, "name");
    const char *ctype = http_header(r, "Content-Type");
    int64_t id;
    char sha[65];
    struct err e = {0};
    enum status st = ledger_attachment_add(r->store, &r->user, report_id, name, ctype, r->body,
                                           r->body_len, &id, sha, &e);
    http_reply_uploaded(r, st, &e, id, sha);
}

static int may_see_task(struct http_req *r, int64_t task_id)
{
    struct err e = {0};
    struct ledger_task t;
    enum status st =
        ledger_task_get(r->store, task_id, r->user.role == ROLE_DEPT ? r->user.dept_id : 0, &t, &e);
    int ok = st == ST_OK && can_see(r, &t);
    if (st == ST_OK)
        ledger_task_cleanup(&t);
    return ok;
}

void http_send_file(struct http_req *r, ledger_file_getter get,
                    int (*may_see)(struct http_req *r, int64_t owner))
{
    int64_t id;
    if (!http_param_id(r, 0, &id))
        return;
    char *name, *ctype;
    void *data;
    size_t len;
    int64_t task_id;
    struct err e = {0};
    enum status st = get(r->store, id, &name, &ctype, &data, &len, &task_id, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    if (!(may_see ? may_see(r, task_id) : may_see_task(r, task_id))) {
        free(name);
        free(ctype);
        free(data);
        http_reply_fail(r, 403, "forbidden", NULL, "无权查看该附件 (forbidden)");
        return;
    }
    http_reply_bytes(r, 200, "application/octet-stream", data, len);
    /* The stored type was checked against a list on upload; serve it back as such. */
    r->content_type = NULL;
    static _Thread_local char type_buf[128];
    snprintf(type_buf, sizeof type_buf, "%s", ctype);
    r->content_type = type_buf;
    char disp[512];
    snprintf(disp, sizeof disp,
             "attachment; filename=\"attachment-%" PRId64 "\"; filename*=UTF-8''", id);
    size_t used = strlen(disp);
    for (const unsigned char *p = (const unsigned char *)name; *p && used + 4 < sizeof disp; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '.' || *p == '-' || *p == '_')
            disp[used++] = (char)*p;
        else
            used += (size_t)snprintf(disp + used, sizeof disp - used, "%%%02X", *p);
    }
    disp[used] = '\0';
    http_add_header(r, "Content-Disposition", disp);
    free(name);
    free(ctype);
    free(data);
}

/* The files of a report on a task the caller may see. */
static void h_attachments(struct http_req *r)
{
    int64_t report_id;
    if (!http_param_id(r, 0, &report_id))
        return;
    struct err e = {0};
    struct ledger_file *v;
    size_t n;
    int64_t task_id;
    enum status st = ledger_attachments(r->store, report_id, &task_id, &v, &n, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    if (!may_see_task(r, task_id)) {
        free(v);
        http_reply_fail(r, 403, "forbidden", NULL, "无权查看该任务 (forbidden)");
        return;
    }
    http_reply_json(r, 200, http_files_json(v, n));
    free(v);
}

static void h_attachment_get(struct http_req *r)
{
    http_send_file(r, ledger_attachment_get, NULL);
}

/* ---------------------------------------------------------------- periods, dashboard */

static void h_period_lights(struct http_req *r)
{
    struct ledger_filter f = {.light = -1, .per_page = -1, .page = 1};
    if (!resolve_plan(r, &f.plan_id))
        return;
    f.period = r->params[0];
    if (r->user.role == ROLE_DEPT)
        f.dept_id = r->user.dept_id;
    size_t total = 0, n;
    char period[16];
    struct err e = {0};
    struct ledger_task_row *rows; /* every task at once (per_page -1) */
    enum status st = ledger_tasks(r->store, r->cal, &f, &rows, &n, &total, period, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o =
            json_pack("{s:I, s:s}", "task_id", (json_int_t)rows[i].t.id, "path", rows[i].t.path);
        light_into(o, rows[i].light, rows[i].expected, rows[i].progress, rows[i].reason);
        json_array_append_new(arr, o);
    }
    ledger_task_rows_free(rows, n);
    int closed = 0;
    if (ledger_period_closed(r->store, f.plan_id, period, &closed, &e) != ST_OK)
        closed = 0;
    http_reply_json(r, 200,
                    json_pack("{s:I, s:s, s:b, s:o}", "plan_id", (json_int_t)f.plan_id, "period",
                              period, "closed", closed, "lights", arr));
}

static void h_period_close(struct http_req *r)
{
    int64_t plan_id;
    if (!resolve_plan(r, &plan_id))
        return;
    size_t n;
    struct err e = {0};
    enum status st =
        ledger_period_close(r->store, r->cal, r->user.name, plan_id, r->params[0], &n, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    /* Closing a period applies the supervision rules: red tasks get a 催办, overdue notices
     * escalate. */
    struct supervise_result sr = {0};
    if ((st = supervise_run(r->store, r->cal, r->user.name, plan_id, clock_today(), &sr, &e)) !=
        ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 200,
                    json_pack("{s:s, s:I, s:b, s:{s:I, s:I, s:I}}", "period", r->params[0], "tasks",
                              (json_int_t)n, "closed", 1, "supervise", "urged",
                              (json_int_t)sr.urged, "escalated", (json_int_t)sr.escalated,
                              "accountable", (json_int_t)sr.accountable));
}

struct dept_count {
    char name[160];
    int c[3];
};

static void h_dashboard(struct http_req *r)
{
    struct ledger_filter f = {.light = -1, .per_page = -1, .page = 1};
    if (!resolve_plan(r, &f.plan_id))
        return;
    const char *per = http_query(r, "period");
    f.period = per && *per ? per : NULL;
    if (r->user.role == ROLE_DEPT)
        f.dept_id = r->user.dept_id;
    struct ledger_settings ls;
    struct err e = {0};
    enum status st = ledger_settings_get(r->store, f.plan_id, &ls, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    int counts[3] = {0, 0, 0}, due = 0, submitted = 0, late = 0;
    struct dept_count *dc = NULL;
    size_t ndc = 0, capdc = 0, total = 0;
    char period[16] = "";
    json_t *red = json_array();
    struct ledger_task_row *rows; /* every task at once (per_page -1) */
    size_t n = 0;
    if ((st = ledger_tasks(r->store, r->cal, &f, &rows, &n, &total, period, &e)) == ST_OK) {
        for (size_t i = 0; i < n; i++) {
            struct ledger_task_row *t = &rows[i];
            counts[t->light]++;
            if (!t->t.closed) {
                due++;
                submitted += t->reported;
            }
            if (t->light == LIGHT_RED && json_array_size(red) < 10)
                json_array_append_new(red,
                                      json_pack("{s:I, s:s, s:s, s:s}", "id", (json_int_t)t->t.id,
                                                "path", t->t.path, "lead",
                                                t->t.lead ? t->t.lead : "", "reason", t->reason));
            /* Count each lead department's tasks by light. */
            const char *cursor = t->t.lead ? t->t.lead : "（未指定）", *name;
            size_t len;
            while (ledger_next_name(&cursor, &name, &len)) {
                size_t k = 0;
                while (k < ndc && !(strlen(dc[k].name) == len && !memcmp(dc[k].name, name, len)))
                    k++;
                if (k == ndc && len < sizeof dc[0].name) {
                    xgrow((void **)&dc, &capdc, ndc + 1, sizeof *dc);
                    memset(&dc[ndc], 0, sizeof dc[ndc]);
                    memcpy(dc[ndc].name, name, len);
                    ndc++;
                }
                if (k < ndc)
                    dc[k].c[t->light]++;
            }
        }
        ledger_task_rows_free(rows, n);
    }
    if (st != ST_OK) {
        free(dc);
        json_decref(red);
        http_reply_error(r, st, &e);
        return;
    }
    /* Late reports of the period. */
    struct store_stmt *q;
    if (store_prepare(r->store,
                      "SELECT count(DISTINCT r.task_id) FROM reports r JOIN tasks t ON"
                      " t.id = r.task_id WHERE t.plan_id = ? AND r.period = ? AND r.role = 'lead'"
                      " AND r.late = 1",
                      &q, &e) == ST_OK) {
        store_bind_int(q, 1, f.plan_id);
        store_bind_text(q, 2, period);
        int row;
        if (store_step(q, &row, &e) == ST_OK && row)
            late = (int)store_col_int(q, 0);
        store_finish(q);
    }
    json_t *depts = json_array();
    for (size_t k = 0; k < ndc; k++)
        json_array_append_new(depts,
                              json_pack("{s:s, s:i, s:i, s:i}", "dept", dc[k].name, "green",
                                        dc[k].c[0], "yellow", dc[k].c[1], "red", dc[k].c[2]));
    free(dc);
    struct ledger_period p;
    ledger_period_parse(period, ls.cadence, &p);
    int closed = 0;
    if (ledger_period_closed(r->store, f.plan_id, period, &closed, &e) != ST_OK)
        closed = 0;
    http_reply_json(
        r, 200,
        json_pack("{s:I, s:s, s:o, s:b, s:I, s:{s:i, s:i, s:i}, s:{s:i, s:i, s:i, s:i}, s:o, "
                  "s:o}",
                  "plan_id", (json_int_t)f.plan_id, "period", period, "report_deadline",
                  date_json(ledger_report_deadline(r->cal, &ls, &p)), "closed", closed, "tasks",
                  (json_int_t)total, "lights", "green", counts[0], "yellow", counts[1], "red",
                  counts[2], "reports", "due", due, "submitted", submitted, "late", late, "missing",
                  due - submitted, "by_dept", depts, "red_tasks", red));
}

/* ---------------------------------------------------------------- departments, users */

static void h_depts(struct http_req *r)
{
    struct dept_row *rows;
    size_t n;
    struct err e = {0};
    enum status st = dept_list(r->store, &rows, &n, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(
            arr, json_pack("{s:I, s:s, s:s, s:s, s:o, s:I, s:I}", "id", (json_int_t)rows[i].id,
                           "name", rows[i].name, "kind", dept_kind_name(rows[i].kind), "kind_label",
                           dept_kind_label(rows[i].kind), "alias_of",
                           rows[i].canonical_id ? json_string(rows[i].canonical) : json_null(),
                           "lead_tasks", (json_int_t)rows[i].lead_tasks, "co_tasks",
                           (json_int_t)rows[i].co_tasks));
    dept_rows_free(rows, n);
    http_reply_json(r, 200, json_pack("{s:o}", "departments", arr));
}

static void h_dept_alias(struct http_req *r)
{
    json_t *b = http_body_object(r);
    const char *alias, *canonical;
    if (!b)
        return;
    if (!http_field_string(r, b, "alias", 1, &alias) ||
        !http_field_string(r, b, "canonical", 1, &canonical)) {
        json_decref(b);
        return;
    }
    struct err e = {0};
    enum status st = dept_alias(r->store, r->user.name, alias, canonical, &e);
    json_decref(b);
    http_reply_done(r, st, &e);
}

static void h_users(struct http_req *r)
{
    struct auth_user *rows;
    size_t n;
    struct err e = {0};
    enum status st = auth_user_list(r->store, &rows, &n, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, user_json(&rows[i]));
    free(rows);
    http_reply_json(r, 200, json_pack("{s:o}", "users", arr));
}

static void h_user_add(struct http_req *r)
{
    json_t *b = http_body_object(r);
    const char *name, *role, *dept, *entity, *password;
    if (!b)
        return;
    if (!http_field_string(r, b, "name", 1, &name) || !http_field_string(r, b, "role", 1, &role) ||
        !http_field_string(r, b, "dept", 0, &dept) ||
        !http_field_string(r, b, "entity", 0, &entity) ||
        !http_field_string(r, b, "password", 1, &password)) {
        json_decref(b);
        return;
    }
    enum auth_role ro;
    if (!auth_role_parse(role, &ro)) {
        json_decref(b);
        http_reply_fail(r, 400, "invalid", "role",
                        "role 应为 admin、office、leader、dept 或 enterprise");
        return;
    }
    if (dept && entity) {
        json_decref(b);
        http_reply_fail(r, 400, "invalid", "entity", "dept 与 entity 只能给一个");
        return;
    }
    int64_t id;
    struct err e = {0};
    enum status st =
        auth_user_add(r->store, r->user.name, name, ro, entity ? entity : dept, password, &id, &e);
    if (st != ST_OK) {
        json_decref(b);
        http_reply_error(r, st, &e);
        return;
    }
    struct auth_user u;
    st = auth_user_get(r->store, name, &u, &e);
    json_decref(b);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 201, json_pack("{s:o}", "user", user_json(&u)));
}

static void h_user_disable(struct http_req *r)
{
    struct err e = {0};
    if (strcmp(r->params[0], r->user.name) == 0) {
        http_reply_fail(r, 422, "unprocessable", "name",
                        "不能停用自己的账号 (cannot disable yourself)");
        return;
    }
    enum status st = auth_user_disable(r->store, r->user.name, r->params[0], &e);
    http_reply_done(r, st, &e);
}

static void h_user_password(struct http_req *r)
{
    json_t *b = http_body_object(r);
    const char *pw;
    if (!b)
        return;
    if (!http_field_string(r, b, "password", 1, &pw)) {
        json_decref(b);
        return;
    }
    struct err e = {0};
    enum status st = auth_user_passwd(r->store, r->user.name, r->params[0], NULL, pw, &e);
    json_decref(b);
    http_reply_done(r, st, &e);
}

static void h_audit_verify(struct http_req *r)
{
    struct audit_report rep;
    struct audit_anchor an;
    struct err e = {0};
    const char *anchor = http_query(r, "anchor");
    enum status st = audit_verify(r->store, &rep, &e);
    if (st == ST_OK && anchor)
        st = audit_anchor_check(r->store, &audit_log_chain, anchor, &an, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *j = audit_report_json(&rep);
    if (anchor)
        json_object_set_new(j, "anchor", audit_anchor_json(&an));
    http_reply_json(r, 200, j);
}

static void h_routes(struct http_req *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < http_routes_count; i++) {
        const struct http_route *rt = &http_routes[i];
        json_t *roles = json_array();
        for (int k = 0; k < ROLE_COUNT; k++)
            if (rt->roles & ROLE_BIT(k))
                json_array_append_new(roles, json_string(auth_role_name((enum auth_role)k)));
        json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:o, s:s}", "method", rt->method,
                                             "path", rt->path, "public", rt->public_route, "roles",
                                             roles, "summary", rt->summary));
    }
    http_reply_json(r, 200, json_pack("{s:o}", "routes", arr));
}

/* ---------------------------------------------------------------- the table */

/* http_supervise.c */
void h_notice_issue(struct http_req *r);
void h_task_notices(struct http_req *r);
void h_notices(struct http_req *r);
void h_notice_sign(struct http_req *r);
void h_notice_answer(struct http_req *r);
void h_notice_accept(struct http_req *r);
void h_notice_return(struct http_req *r);
void h_supervise_run(struct http_req *r);
void h_closure_request(struct http_req *r);
void h_task_closures(struct http_req *r);
void h_closures_pending(struct http_req *r);
void h_closure_approve(struct http_req *r);
void h_closure_reject(struct http_req *r);
void h_task_reopen(struct http_req *r);
void h_inbox(struct http_req *r);
void h_notice_attach(struct http_req *r);
void h_notice_attachments(struct http_req *r);
void h_notice_attachment_get(struct http_req *r);
void h_supervise_settings(struct http_req *r);
void h_supervise_settings_set(struct http_req *r);

/* http_bulletin.c */
void h_bulletin_generate(struct http_req *r);
void h_bulletins(struct http_req *r);
void h_bulletin(struct http_req *r);
void h_bulletin_publish(struct http_req *r);
void h_bulletin_export(struct http_req *r);

/* http_award.c */
void h_policy_calc(struct http_req *r);
void h_application_submit(struct http_req *r);
void h_application_approve(struct http_req *r);
void h_application_reject(struct http_req *r);
void h_applications(struct http_req *r);
void h_application(struct http_req *r);
void h_application_file_add(struct http_req *r);
void h_application_file(struct http_req *r);
void h_payouts(struct http_req *r);
void h_payout_reverse(struct http_req *r);
void h_batch_close(struct http_req *r);
void h_approve_all(struct http_req *r);
void h_policy_budget(struct http_req *r);
void h_policy_diff(struct http_req *r);
void h_policy_proposals(struct http_req *r);
void h_policy_clauses(struct http_req *r);
void h_policy_cases(struct http_req *r);
void h_entities(struct http_req *r);
void h_policy_matches(struct http_req *r);
void h_entities_search(struct http_req *r);
void h_entities_import(struct http_req *r);
void h_entitlements(struct http_req *r);
void h_policy_param_set(struct http_req *r);
void h_ledger_verify(struct http_req *r);

/* http_assess.c */
void h_assess_rules(struct http_req *r);
void h_assess_rules_add(struct http_req *r);
void h_assess_run(struct http_req *r);
void h_assessments(struct http_req *r);
void h_assessment(struct http_req *r);
void h_assess_publish(struct http_req *r);

const struct http_route http_routes[] = {
    {"GET", "/api/v1/health", h_health, ALL | ENTERPRISE, 1, "健康检查", 0, 0},
    {"GET", "/api/v1/routes", h_routes, ALL | ENTERPRISE, 1, "接口与权限一览", 0, 0},
    {"POST", "/api/v1/session", h_login, ALL | ENTERPRISE, 1,
     "登录：{name, password}，设置会话 Cookie", 0, 0},
    {"DELETE", "/api/v1/session", h_logout, ALL | ENTERPRISE, 0, "退出登录", 0, 0},
    {"GET", "/api/v1/me", h_me, ALL | ENTERPRISE, 0, "当前账号与服务器日期", 0, 0},
    {"POST", "/api/v1/me/password", h_me_password, ALL | ENTERPRISE, 0,
     "修改密码：{old_password, new_password}", 0, 0},
    {"POST", "/api/v1/tokens", h_token_create, ALL | ENTERPRISE, 0,
     "为当前账号创建 API 令牌：{label, days}", 0, 0},
    {"GET", "/api/v1/plans", h_plans, ALL, 0, "方案列表（含报送设置与当前报告期）", 1, 0},
    {"PUT", "/api/v1/plans/{id}/settings", h_plan_settings, ADMIN | OFFICE, 0,
     "修改报送周期、截止工作日与红黄灯阈值", 0, 0},
    {"GET", "/api/v1/tasks", h_tasks, ALL, 0,
     "任务台账：?plan=&dept=&light=&section=&q=&period=&page=&per_page=", 1, 0},
    {"GET", "/api/v1/tasks/{id}", h_task, ALL, 0, "任务详情（条款原文、灯色、灯色历史）", 1, 0},
    {"PUT", "/api/v1/tasks/{id}/dates", h_task_dates, OFFICE, 0,
     "设定任务起止日期：{start_on, due_on}", 0, 0},
    {"POST", "/api/v1/tasks/{id}/reports", h_report_submit, DEPT, 0,
     "报送或修改进展：{period, progress, done, problems, next}", 0, 1},
    {"GET", "/api/v1/tasks/{id}/reports", h_reports, ALL, 0, "任务的全部报告及历次修改", 1, 0},
    {"POST", "/api/v1/reports/{id}/attachments", h_attachment_add, DEPT, 0,
     "上传附件：?name=，请求体为文件，Content-Type 为文件类型", 0, 0},
    {"GET", "/api/v1/reports/{id}/attachments", h_attachments, ALL, 0, "报告的附件列表", 0, 0},
    {"GET", "/api/v1/attachments/{id}", h_attachment_get, ALL, 0, "下载附件", 0, 0},
    {"GET", "/api/v1/periods/{period}/lights", h_period_lights, ALL, 0, "某报告期全部任务的灯色", 1,
     0},
    {"POST", "/api/v1/periods/{period}/close", h_period_close, OFFICE, 0,
     "关账：计算并冻结该期灯色", 0, 0},
    {"GET", "/api/v1/dashboard", h_dashboard, ALL, 0, "首页统计：灯色、部门、报送情况", 1, 0},
    {"GET", "/api/v1/departments", h_depts, ALL, 0, "部门目录", 1, 0},
    {"POST", "/api/v1/departments/aliases", h_dept_alias, ADMIN, 0,
     "合并部门名称：{alias, canonical}", 0, 0},
    {"GET", "/api/v1/users", h_users, ADMIN, 0, "账号列表", 0, 0},
    {"POST", "/api/v1/users", h_user_add, ADMIN, 0, "新建账号：{name, role, dept, password}", 0, 0},
    {"POST", "/api/v1/users/{name}/disable", h_user_disable, ADMIN, 0, "停用账号", 0, 0},
    {"POST", "/api/v1/users/{name}/password", h_user_password, ADMIN, 0, "重置密码：{password}", 0,
     0},
    {"POST", "/api/v1/tasks/{id}/notices", h_notice_issue, OFFICE, 0,
     "发督办单：{level: remind|urge|supervise, reason, limit_wd, include_co}", 0, 0},
    {"GET", "/api/v1/tasks/{id}/notices", h_task_notices, ALL, 0, "任务的督办单", 0, 0},
    {"GET", "/api/v1/notices", h_notices, ALL, 0,
     "督办单收件箱：部门看发给本部门的，其他角色看全部；?all=1 含已办结", 0, 0},
    {"POST", "/api/v1/notices/{id}/sign", h_notice_sign, DEPT, 0, "签收督办单", 0, 0},
    {"POST", "/api/v1/notices/{id}/answer", h_notice_answer, DEPT, 0, "反馈：{text}", 0, 0},
    {"POST", "/api/v1/notices/{id}/attachments", h_notice_attach, DEPT, 0,
     "为反馈上传附件：?name=，请求体为文件，Content-Type 为文件类型", 0, 0},
    {"GET", "/api/v1/notices/{id}/attachments", h_notice_attachments, ALL, 0,
     "督办单反馈的附件列表", 0, 0},
    {"GET", "/api/v1/notice-attachments/{id}", h_notice_attachment_get, ALL, 0, "下载反馈附件", 0,
     0},
    {"POST", "/api/v1/notices/{id}/accept", h_notice_accept, OFFICE, 0, "认可反馈，督办单办结", 0,
     0},
    {"POST", "/api/v1/notices/{id}/return", h_notice_return, OFFICE, 0, "退回反馈：{note}", 0, 0},
    {"GET", "/api/v1/plans/{id}/supervise-settings", h_supervise_settings, ALL, 0,
     "督办设置：自动催办开关与提醒、催办、督办的办理时限（工作日）", 0, 0},
    {"PUT", "/api/v1/plans/{id}/supervise-settings", h_supervise_settings_set, ADMIN | OFFICE, 0,
     "修改督办设置：{auto_urge, remind_wd, urge_wd, supervise_wd}", 0, 0},
    {"POST", "/api/v1/supervise/run", h_supervise_run, OFFICE, 0,
     "执行自动督办规则：红灯催办、逾期升级、约谈候选（?plan=）", 0, 0},
    {"GET", "/api/v1/inbox", h_inbox, ALL, 0, "待办计数（导航用，含超过兑现时限的申请）", 0, 0},
    {"POST", "/api/v1/tasks/{id}/closure", h_closure_request, DEPT, 0,
     "牵头单位申请销号：{evidence}", 0, 0},
    {"GET", "/api/v1/tasks/{id}/closures", h_task_closures, ALL, 0, "任务的销号记录", 0, 0},
    {"GET", "/api/v1/closures", h_closures_pending, STAFF, 0, "待审核的销号申请", 0, 0},
    {"POST", "/api/v1/closures/{id}/approve", h_closure_approve, OFFICE, 0, "批准销号", 0, 0},
    {"POST", "/api/v1/closures/{id}/reject", h_closure_reject, OFFICE, 0, "驳回销号：{note}", 0, 0},
    {"POST", "/api/v1/tasks/{id}/reopen", h_task_reopen, OFFICE, 0, "重新打开已销号任务：{note}", 0,
     0},
    {"POST", "/api/v1/bulletins", h_bulletin_generate, OFFICE, 0,
     "生成或重新生成某期通报草稿：{plan_id, period}", 0, 0},
    {"GET", "/api/v1/bulletins", h_bulletins, ALL, 0, "通报列表（部门只看已发布的）：?plan=", 0, 0},
    {"GET", "/api/v1/bulletins/{id}", h_bulletin, ALL, 0, "通报内容", 0, 0},
    {"POST", "/api/v1/bulletins/{id}/publish", h_bulletin_publish, OFFICE, 0,
     "发布并冻结通报（不能重复发布）", 0, 0},
    {"GET", "/api/v1/bulletins/{id}/export", h_bulletin_export, ALL, 0,
     "下载通报：?format=html|xlsx|docx；已发布的逐字节不变", 0, 0},
    {"GET", "/api/v1/assessment/rules", h_assess_rules, ALL, 0,
     "考核规则的各个版本（公开给所有人）：?plan=", 0, 0},
    {"POST", "/api/v1/assessment/rules", h_assess_rules_add, ADMIN | OFFICE, 0,
     "发布新版考核规则：{plan_id, rules: {weights, adjust}}", 0, 0},
    {"POST", "/api/v1/assessments", h_assess_run, OFFICE, 0,
     "按最新规则计算某季度或年度的考核：{plan_id, period: 2020-Q2|2020}", 0, 0},
    {"GET", "/api/v1/assessments", h_assessments, ALL, 0, "考核列表（部门只看已发布的）：?plan=", 0,
     0},
    {"GET", "/api/v1/assessments/{id}", h_assessment, ALL, 0, "考核结果与每个部门的得分明细", 0, 0},
    {"POST", "/api/v1/assessments/{id}/publish", h_assess_publish, OFFICE, 0, "发布并冻结考核结果",
     0, 0},
    {"POST", "/api/v1/policy/calc", h_policy_calc, ALL | ENTERPRISE, 0,
     "惠企政策试算（不保存）：{clause, inputs: {name: value}, on}；金额写成字符串，如 "
     "\"8650000.00\"",
     0, 0},
    {"GET", "/api/v1/policy/clauses", h_policy_clauses, ALL | ENTERPRISE, 0,
     "现行规则包的条款：依据、申请主体、输入项（申请表）、预算与互斥事项", 0, 0},
    {"GET", "/api/v1/policy/clauses/{id}/cases", h_policy_cases, ALL, 0,
     "条款的边界情形及计算结果（保底与上限的临界基数、方案数字、分档起点、半分进位、每年上限的最后"
     "一件与下一件、条件边界、有效期首末日），用于对照方案原文核对规则包；?参数名=值 试设参数",
     1, 0},
    {"PUT", "/api/v1/policy/params", h_policy_param_set, OFFICE, 0,
     "设定方案交由管委会确定的参数：{clause, name, value}，存为新的规则包版本（须在规定范围内）；"
     "dry_run: true 只试算与现行版本的差别及金额变化，不存入",
     0, 0},
    {"GET", "/api/v1/entitlements", h_entitlements, STAFF | ENTERPRISE, 0,
     "我能享受什么：?uscc=&on=，逐条款（按事项的条款逐份合同）给出符合/已享受/接近/"
     "不符合、金额、已获金额与差什么（企业只看本单位）",
     0, 0},
    {"GET", "/api/v1/policy/matches", h_policy_matches, STAFF, 0,
     "免申即享名单：全部主体逐条款匹配（计入账本：同一事项已获兑付的只计差额或为已享受，已有申请的"
     "注明）；"
     "?on=&state=qualifies|received|near|awaiting&clause=&q=名称或代码&limit=（1–5000，默认 200）"
     "&offset=；totals 为全部主体的合计，matched 为筛选后的行数；?format=xlsx 下载筛选后的全部行",
     1, 0},
    {"GET", "/api/v1/entities/search", h_entities_search, STAFF, 0,
     "按名称或统一社会信用代码中的字查找主体（不含事实）：?q=&limit=（1–50，默认 "
     "20），名称以其开头的在前",
     0, 0},
    {"GET", "/api/v1/entities", h_entities, STAFF, 0,
     "主体名录（?limit=&after= 分页）及每个主体的最新事实与事项（如每份技术合同）", 0, 0},
    {"POST", "/api/v1/entities/import", h_entities_import, ADMIN | OFFICE, 0,
     "导入主体或事实 CSV（请求体为文件，?name=）：全部正确才写入，错误逐行列出；"
     "事实值按现行规则包读取它的输入类型检查",
     0, 0},
    {"GET", "/api/v1/applications", h_applications, STAFF | ENTERPRISE, 0,
     "惠企政策申请列表（含兑现时限，分页）：?status=&clause=&uscc=&year=&overdue=1&limit=&offset="
     "（企业只看本单位）",
     0, 0},
    {"GET", "/api/v1/applications/{id}", h_application, STAFF | ENTERPRISE, 0,
     "申请详情：输入、计算说明、兑付记录、证明材料及条款要求的材料清单；same_inputs "
     "为同一主体同一条款输入完全相同的其他申请（未驳回）",
     0, 0},
    {"POST", "/api/v1/applications/{id}/files", h_application_file_add, OFFICE | ENTERPRISE, 0,
     "上传证明材料（请求体为文件，?name=&evidence=条款要求的材料名；审结前）", 0, 0},
    {"GET", "/api/v1/application-files/{id}", h_application_file, STAFF | ENTERPRISE, 0,
     "下载证明材料", 0, 0},
    {"POST", "/api/v1/applications", h_application_submit, OFFICE | ENTERPRISE, 0,
     "受理申请：{uscc, clause, inputs, "
     "on}，按规则包计算并计入本年度已兑付额（企业只能为本单位申请）",
     0, 0},
    {"POST", "/api/v1/applications/{id}/approve", h_application_approve, OFFICE, 0,
     "批准申请：事务内按账本重算并记入兑付账本", 0, 0},
    {"POST", "/api/v1/applications/{id}/reject", h_application_reject, OFFICE, 0,
     "驳回申请：{note}", 0, 0},
    {"POST", "/api/v1/policy/approvals", h_approve_all, OFFICE, 0,
     "批量审批：{clause, year, proposed_only, "
     "dry_run}，按受理顺序逐件批准待审申请（照常核对材料、上限、"
     "同一事项与预算，未通过的仍待审并说明原因）；dry_run 试算不写入",
     0, 0},
    {"POST", "/api/v1/policy/batches", h_batch_close, OFFICE, 0,
     "结束按比例分配条款的年度批次：{clause, year}；加 dry_run: true（可带 budget）只试算各件分配"
     "（先到先得的条款按受理顺序试算），"
     "不写入",
     0, 0},
    {"POST", "/api/v1/policy/proposals", h_policy_proposals, OFFICE, 0,
     "免申即享：{clause, on}，为凭已核验数据即符合条款的主体生成申请（待审批），"
     "并列出未生成的原因",
     0, 0},
    {"GET", "/api/v1/policy/diff", h_policy_diff, STAFF, 0,
     "比较规则包版本：?from=&to=（默认上一版本与现行版本）&on="
     "，逐条款列出改动与按主体名录测算的金额变化",
     0, 0},
    {"GET", "/api/v1/policy/budget", h_policy_budget, STAFF, 0,
     "预算执行：?year=（默认今年），逐条款给出年度预算、已兑付（扣除追回）、待审申请与剩余额度", 0,
     0},
    {"GET", "/api/v1/payouts", h_payouts, STAFF | ENTERPRISE, 0,
     "兑付账本：?uscc=&year=（企业只看本单位）；?format=xlsx 下载兑付台账（金额可求和，含合计）", 0,
     0},
    {"POST", "/api/v1/payouts/{id}/reverse", h_payout_reverse, OFFICE, 0,
     "追回一笔兑付：{note}，在账本中追加负数记录", 0, 0},
    {"GET", "/api/v1/ledger/verify", h_ledger_verify, ADMIN | OFFICE, 0,
     "逐行重算兑付账本并校验哈希链", 0, 0},
    {"GET", "/api/v1/audit/verify", h_audit_verify, ADMIN | OFFICE, 0, "校验审计哈希链", 0, 0},
};
const size_t http_routes_count = sizeof http_routes / sizeof http_routes[0];

size_t http_route_table(const struct http_route_info **out)
{
    static struct http_route_info info[sizeof http_routes / sizeof http_routes[0]];
    for (size_t i = 0; i < http_routes_count; i++)
        info[i] = (struct http_route_info){http_routes[i].method, http_routes[i].path,
                                           http_routes[i].roles, http_routes[i].public_route,
                                           http_routes[i].summary};
    *out = info;
    return http_routes_count;
}
