/* Handlers of 惠企政策: trial computations, applications, approvals, the ledger check. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "award/award.h"
#include "base/clock.h"
#include "base/money.h"
#include "entity/entity.h"
#include "export/export.h"
#include "http/http_int.h"
#include "ledger/ledger.h"
#include "policy/policy.h"

#define INPUTS_MAX 32

/* body.inputs as name=value pairs; values are strings (money as "8650000.00", never a JSON
 * number with a fraction), integers or booleans. Replies 400 naming the input and returns -1 on a
 * bad one. */
static int body_inputs(struct http_req *r, json_t *b, struct policy_input *in, char vals[][32])
{
    json_t *o = json_object_get(b, "inputs");
    if (o && !json_is_object(o)) {
        http_reply_fail(r, 400, "invalid", "inputs",
                        "inputs 应为对象：{\"amount\": \"8650000.00\"}");
        return -1;
    }
    int n = 0;
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        if (n == INPUTS_MAX) {
            http_reply_fail(r, 400, "invalid", "inputs", "输入过多 (too many inputs)");
            return -1;
        }
        in[n].name = k;
        if (json_is_string(v)) {
            in[n].value = json_string_value(v);
        } else if (json_is_integer(v)) {
            snprintf(vals[n], sizeof vals[0], "%" JSON_INTEGER_FORMAT, json_integer_value(v));
            in[n].value = vals[n];
        } else if (json_is_boolean(v)) {
            in[n].value = json_is_true(v) ? "true" : "false";
        } else {
            char msg[160];
            snprintf(msg, sizeof msg,
                     "输入 %s 应为字符串、整数或布尔值（金额写成字符串，如 \"8650000.00\"）", k);
            http_reply_fail(r, 400, "invalid", k, msg);
            return -1;
        }
        n++;
    }
    return n;
}

/* body.on as a date, default today. */
static int body_date(struct http_req *r, json_t *b, struct date *on)
{
    json_t *v = json_object_get(b, "on");
    *on = clock_today();
    if (v && (!json_is_string(v) || !date_parse_iso(json_string_value(v), on))) {
        http_reply_fail(r, 400, "invalid", "on", "on 应为日期 YYYY-MM-DD");
        return 0;
    }
    return 1;
}

static json_t *result_json(const char *clause, int eligible, int64_t amount, int64_t uncapped,
                           const char *capped_by, const char *explanation)
{
    return json_pack("{s:s, s:b, s:I, s:I, s:o, s:s}", "clause", clause, "eligible", eligible,
                     "amount_fen", (json_int_t)amount, "uncapped_fen", (json_int_t)uncapped,
                     "capped_by", capped_by ? json_string(capped_by) : json_null(), "explanation",
                     explanation);
}

void h_policy_calc(struct http_req *r);
void h_policy_calc(struct http_req *r)
{
    json_t *b = http_body_object(r);
    if (!b)
        return;
    struct policy_input in[INPUTS_MAX];
    char vals[INPUTS_MAX][32];
    struct date on;
    json_t *clause = json_object_get(b, "clause");
    int n = -1;
    if (!json_is_string(clause))
        http_reply_fail(r, 400, "invalid", "clause", "缺少条款编号 clause (missing field)");
    else if (body_date(r, b, &on))
        n = body_inputs(r, b, in, vals);
    if (n < 0) {
        json_decref(b);
        return;
    }
    struct policy_pack *p;
    struct err e = {0};
    enum status st = award_pack_current(r->store, &p, &e);
    struct policy_result res = {0};
    if (st == ST_OK) {
        st = policy_calc(p, json_string_value(clause), in, (size_t)n, on, 0, &res, &e);
        if (st == ST_OK) {
            http_reply_json(r, 200, policy_result_json(p, json_string_value(clause), &res));
            policy_result_cleanup(&res);
        }
        policy_pack_free(p);
    }
    json_decref(b);
    if (st != ST_OK)
        http_reply_error(r, st, &e);
}

static json_t *outcome_json(const struct award_outcome *o, const char *clause)
{
    json_t *j = result_json(clause, o->eligible, o->amount_fen, o->amount_fen, o->capped_by,
                            o->explanation);
    json_object_del(j, "uncapped_fen");
    json_object_set_new(j, "id", json_integer(o->id));
    json_object_set_new(j, "payout_id", o->payout_id ? json_integer(o->payout_id) : json_null());
    if (o->id && !o->payout_id) /* filed: when it is due */
        json_object_set_new(j, "deadline", award_outcome_deadline_json(o));
    return j;
}

void h_application_submit(struct http_req *r);
void h_application_submit(struct http_req *r)
{
    json_t *b = http_body_object(r);
    if (!b)
        return;
    struct policy_input in[INPUTS_MAX];
    char vals[INPUTS_MAX][32];
    struct date on;
    json_t *uscc = json_object_get(b, "uscc"), *clause = json_object_get(b, "clause");
    int n = -1;
    if (!json_is_string(uscc) || !json_is_string(clause))
        http_reply_fail(r, 400, "invalid", !json_is_string(uscc) ? "uscc" : "clause",
                        "需要 uscc（统一社会信用代码）和 clause (missing field)");
    else if (body_date(r, b, &on))
        n = body_inputs(r, b, in, vals);
    if (n < 0) {
        json_decref(b);
        return;
    }
    if (r->user.role == ROLE_ENTERPRISE && strcmp(json_string_value(uscc), r->user.uscc)) {
        json_decref(b);
        http_reply_fail(r, 403, "forbidden", "uscc", "企业账号只能为本单位申请 (not your entity)");
        return;
    }
    struct award_outcome o;
    struct err e = {0};
    enum status st = award_apply(r->store, r->user.name, json_string_value(uscc),
                                 json_string_value(clause), in, (size_t)n, on, &o, &e);
    if (st == ST_OK)
        http_reply_json(r, 201, outcome_json(&o, json_string_value(clause)));
    else
        http_reply_error(r, st, &e);
    json_decref(b);
}

static void decide(struct http_req *r, int approve)
{
    int64_t id;
    if (!http_param_id(r, 0, &id))
        return;
    json_t *b = NULL;
    const char *note = NULL;
    if (!approve) {
        if (!(b = http_body_object(r)))
            return;
        json_t *v = json_object_get(b, "note");
        note = json_is_string(v) ? json_string_value(v) : NULL;
    }
    struct award_outcome o;
    struct err e = {0};
    enum status st = award_decide(r->store, r->user.name, id, approve, note, &o, &e);
    json_decref(b);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 200, approve ? outcome_json(&o, "") : json_pack("{s:b}", "ok", 1));
}

void h_application_approve(struct http_req *r);
void h_application_approve(struct http_req *r)
{
    decide(r, 1);
}

void h_application_reject(struct http_req *r);
void h_application_reject(struct http_req *r)
{
    decide(r, 0);
}

void h_ledger_verify(struct http_req *r);
void h_ledger_verify(struct http_req *r)
{
    struct award_verify v, apps;
    struct err e = {0};
    const char *check = http_query(r, "applications");
    int with_apps = check && (!strcmp(check, "1") || !strcmp(check, "true"));
    if (check && !with_apps && strcmp(check, "0") && strcmp(check, "false")) {
        http_reply_fail(r, 400, "invalid", "applications", "applications 只能是 1 或 0");
        return;
    }
    const char *anchor = http_query(r, "anchor");
    struct audit_anchor an = {.ok = 1};
    enum status st = award_ledger_verify(r->store, &v, &e);
    if (st == ST_OK && with_apps && !v.bad_line)
        st = award_ledger_check_applications(r->store, &apps, &e);
    if (st == ST_OK && anchor)
        st = audit_anchor_check(r->store, &award_ledger_chain, anchor, &an, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *j = award_verify_json(&v);
    if (with_apps && !v.bad_line)
        json_object_set_new(j, "applications", award_verify_json(&apps));
    if (anchor)
        json_object_set_new(j, "anchor", audit_anchor_json(&an));
    http_reply_json(r, 200, j);
}

/* ---------------------------------------------------------------- reading */

/* An enterprise account reads only its own entity's records. */
static int may_see_entity(struct http_req *r, int64_t entity_id)
{
    return r->user.role != ROLE_ENTERPRISE || r->user.entity_id == entity_id;
}

/* ?uscc= (NULL when absent or empty); an enterprise account is held to its own. Replies 403 and
 * returns 0 when it asks for another. */
static int query_uscc(struct http_req *r, const char **uscc)
{
    *uscc = http_query(r, "uscc");
    if (*uscc && !**uscc)
        *uscc = NULL;
    if (r->user.role != ROLE_ENTERPRISE)
        return 1;
    if (*uscc && strcmp(*uscc, r->user.uscc)) {
        http_reply_fail(r, 403, "forbidden", "uscc", "企业账号只能查看本单位 (not your entity)");
        return 0;
    }
    *uscc = r->user.uscc;
    return 1;
}

/* query_uscc as an entity id (0 when absent). Replies and returns 0 on an unknown USCC or
 * someone else's. */
static int query_entity(struct http_req *r, int64_t *entity_id)
{
    const char *uscc;
    *entity_id = 0;
    if (!query_uscc(r, &uscc))
        return 0;
    if (r->user.role == ROLE_ENTERPRISE) {
        *entity_id = r->user.entity_id;
        return 1;
    }
    if (!uscc)
        return 1;
    struct entity *v;
    struct err e = {0};
    enum status st = entity_get(r->store, uscc, &v, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return 0;
    }
    *entity_id = v->id;
    entities_free(v, 1);
    return 1;
}

static int query_year(struct http_req *r, int *year)
{
    const char *y = http_query(r, "year");
    *year = 0;
    if (!y || !*y)
        return 1;
    char *end;
    long v = strtol(y, &end, 10);
    if (*end || v < 2000 || v > 2100) {
        http_reply_fail(r, 400, "invalid", "year", "year 应为 2000–2100 的年份");
        return 0;
    }
    *year = (int)v;
    return 1;
}

/* A table built with status st (its cells freed here) answered as a workbook download named
 * file, or the error. */
static void reply_table_xlsx(struct http_req *r, enum status st, struct export_table *t,
                             struct err *e, const char *file)
{
    char *data = NULL;
    size_t len = 0;
    if (st == ST_OK) {
        st = export_xlsx_bytes(t, &data, &len, e);
        award_table_free(t);
    }
    if (st != ST_OK) {
        http_reply_error(r, st, e);
        return;
    }
    http_reply_bytes(r, 200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     data, len);
    free(data);
    char disp[200];
    snprintf(disp, sizeof disp, "attachment; filename=\"%s\"", file);
    http_add_header(r, "Content-Disposition", disp);
}

/* ?name= as a count in lo..hi (left as it is when absent); 0 after a 400 naming it. */
static int query_count(struct http_req *r, const char *name, long lo, long hi, long *out)
{
    const char *v = http_query(r, name);
    if (!v || !*v)
        return 1;
    char *end;
    long x = strtol(v, &end, 10);
    if (*end || x < lo || x > hi) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s 应为 %ld–%ld 的整数", name, lo, hi);
        http_reply_fail(r, 400, "invalid", name, msg);
        return 0;
    }
    *out = x;
    return 1;
}

void h_applications(struct http_req *r);
void h_applications(struct http_req *r)
{
    struct award_app_filter f = {0};
    const char *status = http_query(r, "status");
    if (status && *status && strcmp(status, "submitted") && strcmp(status, "approved") &&
        strcmp(status, "rejected")) {
        http_reply_fail(r, 400, "invalid", "status", "status 应为 submitted、approved 或 rejected");
        return;
    }
    if (!query_entity(r, &f.entity_id) || !query_year(r, &f.year))
        return;
    f.status = status && *status ? status : NULL;
    const char *clause = http_query(r, "clause");
    f.clause = clause && *clause ? clause : NULL;
    const char *overdue = http_query(r, "overdue");
    if (overdue && *overdue && strcmp(overdue, "0") && strcmp(overdue, "1")) {
        http_reply_fail(r, 400, "invalid", "overdue",
                        "overdue 应为 1（只看超过兑现时限未办结的）或 0");
        return;
    }
    f.overdue = overdue && !strcmp(overdue, "1");
    f.cal = r->cal;
    f.today = clock_today();
    const char *format = http_query(r, "format");
    if (format && *format) { /* 申请台账: every application the filter keeps */
        if (strcmp(format, "xlsx")) {
            http_reply_fail(r, 400, "invalid", "format", "format 只能为 xlsx（不写则为 JSON）");
            return;
        }
        struct export_table t;
        struct err e = {0};
        char file[48], day[16];
        date_format(f.today, day, sizeof day);
        snprintf(file, sizeof file, "applications-%s.xlsx", day);
        reply_table_xlsx(r, award_applications_table(r->store, &f, &t, &e), &t, &e, file);
        return;
    }
    /* a page at a time (newest first); the totals are of every application the filter keeps */
    long limit = 500, offset = 0;
    if (!query_count(r, "limit", 1, 5000, &limit) ||
        !query_count(r, "offset", 0, 100000000, &offset))
        return;
    struct award_app *v;
    size_t n;
    struct award_app_totals t;
    struct err e = {0};
    enum status st =
        award_applications_page(r->store, &f, (size_t)offset, (size_t)limit, &v, &n, &t, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, award_app_json(&v[i], 0));
    award_apps_free(v, n);
    http_reply_json(r, 200,
                    json_pack("{s:o, s:I, s:I, s:I, s:I, s:I, s:I, s:o}", "applications", arr,
                              "total", (json_int_t)t.n, "offset", (json_int_t)offset, "limit",
                              (json_int_t)limit, "amount_fen", (json_int_t)t.amount_fen, "paid_fen",
                              (json_int_t)t.paid_fen, "overdue", (json_int_t)t.timing.overdue,
                              "timing", award_timing_json(&t.timing)));
}

void h_application(struct http_req *r);
void h_application(struct http_req *r)
{
    int64_t id;
    if (!http_param_id(r, 0, &id))
        return;
    struct award_app a;
    struct err e = {0};
    enum status st = award_application(r->store, id, &a, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    if (!may_see_entity(r, a.entity_id)) {
        award_app_cleanup(&a);
        http_reply_fail(r, 403, "forbidden", NULL, "不是本单位的申请 (not your application)");
        return;
    }
    award_app_timing(r->cal, clock_today(), &a);
    json_t *o = award_app_json(&a, 1);
    struct award_evidence *ev = NULL;
    size_t en = 0;
    int64_t *same = NULL;
    size_t ns = 0;
    /* the same inputs applied for again: a possible second claim, for the office to check */
    if ((st = award_same_inputs(r->store, &a, &same, &ns, &e)) == ST_OK) {
        json_t *arr = json_array();
        for (size_t i = 0; i < ns; i++)
            json_array_append_new(arr, json_integer(same[i]));
        json_object_set_new(o, "same_inputs", arr);
        free(same);
        st = award_evidence_of(r->store, &a, &ev, &en, &e);
    }
    award_app_cleanup(&a);
    struct award_payout *pv = NULL;
    struct ledger_file *fv = NULL;
    size_t pn = 0, fn = 0;
    if (st == ST_OK) {
        /* 证明材料 the clause asks for, with the files filed under each. */
        json_t *arr = json_array();
        for (size_t i = 0; i < en; i++) {
            json_t *ids = json_array();
            for (size_t k = 0; k < ev[i].n_files; k++)
                json_array_append_new(ids, json_integer(ev[i].file_ids[k]));
            json_array_append_new(arr,
                                  json_pack("{s:s, s:o}", "label", ev[i].label, "file_ids", ids));
        }
        json_object_set_new(o, "evidence", arr);
    }
    free(ev);
    if (st == ST_OK && (st = award_payouts(r->store, 0, id, 0, &pv, &pn, &e)) == ST_OK &&
        (st = award_files(r->store, id, &fv, &fn, &e)) == ST_OK) {
        json_t *arr = json_array();
        for (size_t i = 0; i < pn; i++)
            json_array_append_new(arr, award_payout_json(&pv[i]));
        json_object_set_new(o, "payouts", arr);
        json_t *files = http_files_json(fv, fn);
        json_object_set(o, "files", json_object_get(files, "attachments"));
        json_decref(files);
    }
    free(pv);
    free(fv);
    if (st != ST_OK) {
        json_decref(o);
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 200, o);
}

void h_application_file_add(struct http_req *r);
void h_application_file_add(struct http_req *r)
{
    int64_t app_id;
    if (!http_param_id(r, 0, &app_id))
        return;
    int64_t id;
    char sha[65];
    struct err e = {0};
    enum status st = award_file_add(r->store, &r->user, app_id, http_query(r, "name"),
                                    http_header(r, "Content-Type"), http_query(r, "evidence"),
                                    r->body, r->body_len, &id, sha, &e);
    http_reply_uploaded(r, st, &e, id, sha);
}

void h_application_file(struct http_req *r);
void h_application_file(struct http_req *r)
{
    http_send_file(r, award_file_get, may_see_entity);
}

/* 兑付台账 as a workbook: the same lines, amounts that sum, a 合计 row. */
static void payouts_xlsx(struct http_req *r, int64_t entity_id, int year)
{
    struct export_table t;
    struct err e = {0};
    char file[48];
    if (year)
        snprintf(file, sizeof file, "payouts-%d.xlsx", year);
    else
        snprintf(file, sizeof file, "payouts.xlsx");
    reply_table_xlsx(r, award_payouts_table(r->store, entity_id, year, &t, &e), &t, &e, file);
}

void h_payouts(struct http_req *r);
void h_payouts(struct http_req *r)
{
    int64_t entity_id;
    int year;
    if (!query_entity(r, &entity_id) || !query_year(r, &year))
        return;
    const char *format = http_query(r, "format");
    if (format && *format) {
        if (strcmp(format, "xlsx")) {
            http_reply_fail(r, 400, "invalid", "format", "format 只能为 xlsx（不写则为 JSON）");
            return;
        }
        payouts_xlsx(r, entity_id, year);
        return;
    }
    struct award_payout *v;
    size_t n;
    struct err e = {0};
    enum status st = award_payouts(r->store, entity_id, 0, year, &v, &n, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *arr = json_array();
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        json_array_append_new(arr, award_payout_json(&v[i]));
        total += v[i].amount_fen;
    }
    free(v);
    http_reply_json(r, 200,
                    json_pack("{s:o, s:I}", "payouts", arr, "total_fen", (json_int_t)total));
}

void h_policy_diff(struct http_req *r);
void h_policy_diff(struct http_req *r)
{
    int64_t from, to;
    struct date on = clock_today();
    const char *day = http_query(r, "on");
    if (!http_query_id(r, "from", &from) || !http_query_id(r, "to", &to))
        return;
    if (day && *day && !date_parse_iso(day, &on)) {
        http_reply_fail(r, 400, "invalid", "on", "on 应为日期 YYYY-MM-DD");
        return;
    }
    struct award_diff d;
    struct err e = {0};
    enum status st = award_pack_diff(r->store, from, to, NULL, NULL, NULL, NULL, on, &d, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 200, award_diff_json(&d));
    award_diff_cleanup(&d);
}

void h_policy_budget(struct http_req *r);
void h_policy_budget(struct http_req *r)
{
    int year;
    if (!query_year(r, &year))
        return;
    if (!year)
        year = clock_today().y;
    struct award_budget *v;
    size_t n;
    struct err e = {0};
    enum status st = award_budget_year(r->store, year, &v, &n, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 200, award_budget_json(year, v, n));
    free(v);
}

void h_payout_reverse(struct http_req *r);
void h_payout_reverse(struct http_req *r)
{
    int64_t id, rid = 0;
    if (!http_param_id(r, 0, &id))
        return;
    json_t *b = http_body_object(r);
    const char *note;
    if (!b)
        return;
    if (!http_field_string(r, b, "note", 1, &note)) {
        json_decref(b);
        return;
    }
    struct err e = {0};
    enum status st = award_reverse(r->store, r->user.name, id, note, &rid, &e);
    json_decref(b);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 201,
                    json_pack("{s:I, s:I}", "id", (json_int_t)rid, "reverses", (json_int_t)id));
}

void h_batch_close(struct http_req *r);
void h_batch_close(struct http_req *r)
{
    json_t *b = http_body_object(r);
    const char *clause;
    if (!b)
        return;
    json_t *y = json_object_get(b, "year");
    if (!http_field_string(r, b, "clause", 1, &clause)) {
        json_decref(b);
        return;
    }
    if (!json_is_integer(y) || json_integer_value(y) < 2000 || json_integer_value(y) > 2100) {
        json_decref(b);
        http_reply_fail(r, 400, "invalid", "year", "year 应为 2000–2100 的整数年份");
        return;
    }
    struct award_batch out;
    struct err e = {0};
    json_t *dry = json_object_get(b, "dry_run"), *budget = json_object_get(b, "budget");
    int64_t budget_fen = -1;
    if ((dry && !json_is_boolean(dry)) ||
        (budget && (!json_is_true(dry) || !json_is_string(budget) ||
                    money_parse_fen(json_string_value(budget), strlen(json_string_value(budget)), 1,
                                    &budget_fen) != ST_OK))) {
        const char *field = dry && !json_is_boolean(dry) ? "dry_run" : "budget";
        json_decref(b); /* dry and budget live in b */
        http_reply_fail(
            r, 400, "invalid", field,
            "dry_run 为 true/false；budget（只用于试算）为元的字符串，如 \"120000.00\"");
        return;
    }
    if (json_is_true(dry)) {
        enum status st =
            award_batch_preview(r->store, clause, (int)json_integer_value(y), budget_fen, &out, &e);
        json_decref(b);
        if (st != ST_OK) {
            http_reply_error(r, st, &e);
            return;
        }
        http_reply_json(r, 200, award_batch_json(&out));
        award_batch_cleanup(&out);
        return;
    }
    enum status st =
        award_close_batch(r->store, r->user.name, clause, (int)json_integer_value(y), &out, &e);
    json_decref(b);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 201,
                    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "batch", (json_int_t)out.batch,
                              "approved", (json_int_t)out.approved, "skipped",
                              (json_int_t)out.skipped, "demand_fen", (json_int_t)out.demand_fen,
                              "avail_fen", (json_int_t)out.avail_fen, "paid_fen",
                              (json_int_t)out.paid_fen));
}

/* 批量审批: {clause, year, proposed_only, dry_run}. */
void h_approve_all(struct http_req *r);
void h_approve_all(struct http_req *r)
{
    json_t *b = http_body_object(r);
    const char *clause;
    if (!b)
        return;
    json_t *y = json_object_get(b, "year"), *dry = json_object_get(b, "dry_run"),
           *only = json_object_get(b, "proposed_only");
    if (!http_field_string(r, b, "clause", 1, &clause)) {
        json_decref(b);
        return;
    }
    const char *bad =
        !json_is_integer(y) || json_integer_value(y) < 2000 || json_integer_value(y) > 2100 ? "year"
        : dry && !json_is_boolean(dry)   ? "dry_run"
        : only && !json_is_boolean(only) ? "proposed_only"
                                         : NULL;
    if (bad) {
        json_decref(b);
        http_reply_fail(r, 400, "invalid", bad,
                        "year 为 2000–2100 的整数年份；dry_run、proposed_only 为 true/false");
        return;
    }
    struct award_batch out;
    struct err e = {0};
    int dry_run = json_is_true(dry);
    enum status st =
        award_approve_pending(r->store, r->user.name, clause, (int)json_integer_value(y),
                              json_is_true(only), dry_run, &out, &e);
    json_decref(b);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *j = award_batch_json(&out);
    json_object_set_new(j, "dry_run", json_boolean(dry_run));
    http_reply_json(r, dry_run ? 200 : 201, j);
    award_batch_cleanup(&out);
}

void h_policy_proposals(struct http_req *r);
void h_policy_proposals(struct http_req *r)
{
    json_t *b = http_body_object(r);
    const char *clause;
    struct date on;
    if (!b)
        return;
    if (!http_field_string(r, b, "clause", 1, &clause) || !body_date(r, b, &on)) {
        json_decref(b);
        return;
    }
    struct award_proposals out;
    struct err e = {0};
    enum status st = award_propose(r->store, r->user.name, clause, on, &out, &e);
    json_decref(b);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 201, award_proposals_json(&out));
    award_proposals_cleanup(&out);
}

/* ---------------------------------------------------------------- clauses, entities */

/* The rule pack in force, or NULL once the error is answered. */
static struct policy_pack *pack_or_reply(struct http_req *r)
{
    struct policy_pack *p;
    struct err e = {0};
    enum status st = award_pack_current(r->store, &p, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return NULL;
    }
    return p;
}

void h_policy_cases(struct http_req *r);
void h_policy_cases(struct http_req *r)
{
    struct policy_pack *p = pack_or_reply(r);
    if (!p)
        return;
    struct err e = {0};
    enum status st;
    int ci = policy_clause_index(p, r->params[0]);
    struct policy_case *v = NULL;
    size_t n = 0;
    /* ?PARAM=value: a value to try for a param of the clause (the voucher's share) */
    struct policy_input trial[POLICY_VARS_MAX];
    size_t n_trial = 0;
    for (size_t k = 0; ci >= 0 && k < policy_clause_vars(p, (size_t)ci); k++) {
        struct policy_var_info pv;
        policy_clause_var(p, (size_t)ci, k, &pv);
        const char *value = pv.is_param ? http_query(r, pv.name) : NULL;
        if (value && *value)
            trial[n_trial++] = (struct policy_input){pv.name, value};
    }
    const char *format = http_query(r, "format");
    if (ci >= 0 && format && !strcmp(format, "xlsx")) { /* the workbook for the review */
        struct export_table t;
        char file[120];
        snprintf(file, sizeof file, "cases-%s.xlsx", r->params[0]);
        st = award_cases_table(p, (size_t)ci, trial, n_trial, &t, &e);
        policy_pack_free(p); /* the table's cells are copies */
        reply_table_xlsx(r, st, &t, &e, file);
        return;
    }
    if (ci < 0)
        st = err_set(&e, ST_NOT_FOUND, "id", "现行规则包中没有条款“%s”", r->params[0]);
    else if (format && *format && strcmp(format, "json"))
        st = err_set(&e, ST_INVALID, "format", "format 应为 json 或 xlsx");
    else
        st = policy_clause_cases(p, (size_t)ci, trial, n_trial, &v, &n, &e);
    if (st != ST_OK) {
        policy_pack_free(p);
        http_reply_error(r, st, &e);
        return;
    }
    json_t *arr = json_array();
    for (size_t k = 0; k < n; k++)
        json_array_append_new(arr, policy_case_json(p, (size_t)ci, &v[k]));
    policy_cases_free(v, n);
    json_t *o = json_pack("{s:s, s:s, s:o}", "clause", policy_clause_id(p, (size_t)ci),
                          "pack_sha256", policy_pack_hash(p), "cases", arr);
    policy_pack_free(p);
    http_reply_json(r, 200, o);
}

void h_policy_clauses(struct http_req *r);
void h_policy_clauses(struct http_req *r)
{
    struct policy_pack *p = pack_or_reply(r);
    if (!p)
        return;
    json_t *arr = json_array();
    static const char *const kinds[] = {"enterprise", "institution", "fund"};
    for (size_t i = 0; i < policy_pack_clauses(p); i++) {
        json_t *vars = json_array(), *who = json_array();
        for (size_t k = 0; k < policy_clause_vars(p, i); k++) {
            struct policy_var_info v;
            policy_clause_var(p, i, k, &v);
            json_t *var =
                json_pack("{s:s, s:s, s:s, s:b, s:b, s:b}", "name", v.name, "type", v.type, "label",
                          v.label, "param", v.is_param, "set", v.set, "required", v.required);
            if (v.value)
                json_object_set_new(var, "value", json_string(v.value));
            if (v.n_options) {
                json_t *opts = json_array();
                for (size_t o = 0; o < v.n_options; o++)
                    json_array_append_new(opts, json_string(v.options[o]));
                json_object_set_new(var, "options", opts);
            }
            json_array_append_new(vars, var);
        }
        for (int k = 0; k < 3; k++)
            if (policy_clause_accepts(p, i, kinds[k]))
                json_array_append_new(who, json_string(kinds[k]));
        struct policy_limits lim;
        struct err le = {0};
        int limits_ok = policy_clause_limits(p, i, &lim, &le) == ST_OK;
        json_t *c = json_pack("{s:s, s:s, s:s, s:s, s:o, s:o}", "id", policy_clause_id(p, i),
                              "title", policy_clause_title(p, i), "cite", policy_clause_cite(p, i),
                              "quote", policy_clause_quote(p, i), "applicants", who, "vars", vars);
        char rule[4096];
        policy_clause_rule(p, i, rule, sizeof rule);
        json_object_set_new(c, "rule", json_string(rule));
        if (limits_ok && lim.group)
            json_object_set_new(c, "matter_key", json_string(lim.key));
        if (limits_ok && lim.alloc != POLICY_ALLOC_NONE)
            json_object_set_new(c, "budget",
                                json_pack("{s:I, s:s, s:s}", "amount_fen",
                                          (json_int_t)lim.budget_fen, "allocation",
                                          lim.alloc == POLICY_ALLOC_FCFS ? "fcfs" : "pro-rata",
                                          "label", lim.budget_label));
        const char *dl;
        int wd = policy_clause_deadline(p, i, &dl);
        if (wd)
            json_object_set_new(c, "deadline",
                                json_pack("{s:i, s:s}", "workdays", wd, "label", dl));
        json_array_append_new(arr, c);
    }
    json_t *o = json_pack("{s:s, s:s, s:s, s:o}", "pack", policy_pack_title(p), "version",
                          policy_pack_version(p), "sha256", policy_pack_hash(p), "clauses", arr);
    policy_pack_free(p);
    http_reply_json(r, 200, o);
}

/* 免申即享 over the registry (award_match_list): the rows a filter keeps, a page of them as JSON
 * or all of them as a workbook, and the whole registry's totals. */
struct matches_page {
    const struct policy_pack *p;
    const char *state, *clause, *q;
    long offset, limit;
    size_t kept;
    json_t *rows;
    struct export_writer *xw;
};

static enum status matches_row(void *ctx, const struct award_list_row *r, struct err *e)
{
    (void)e;
    struct matches_page *m = ctx;
    if ((m->state && strcmp(m->state, r->state)) ||
        (m->clause && strcmp(m->clause, policy_clause_id(m->p, r->match->clause))) ||
        (m->q && !strstr(r->entity->name, m->q) && !strstr(r->entity->uscc, m->q)))
        return ST_OK;
    size_t at = m->kept++;
    if (m->xw) {
        const char *cells[AWARD_LIST_COLS];
        char amount[24];
        award_list_cells(m->p, r, cells, amount);
        export_writer_row(m->xw, cells);
    } else if (at >= (size_t)m->offset && at < (size_t)(m->offset + m->limit)) {
        json_t *o = award_list_row_json(m->p, r);
        json_object_set_new(o, "uscc", json_string(r->entity->uscc));
        json_object_set_new(o, "name", json_string(r->entity->name));
        json_object_set_new(o, "why", json_string(r->why));
        json_array_append_new(m->rows, o);
    }
    return ST_OK;
}

void h_policy_matches(struct http_req *r);
void h_policy_matches(struct http_req *r)
{
    static const char *const states[] = {"qualifies", "received", "near", "awaiting"};
    struct matches_page m = {.limit = 200};
    struct date on = clock_today();
    const char *day = http_query(r, "on"), *format = http_query(r, "format");
    m.state = http_query(r, "state");
    m.clause = http_query(r, "clause");
    m.q = http_query(r, "q");
    m.state = m.state && *m.state ? m.state : NULL;
    m.clause = m.clause && *m.clause ? m.clause : NULL;
    m.q = m.q && *m.q ? m.q : NULL;
    if (day && *day && !date_parse_iso(day, &on)) {
        http_reply_fail(r, 400, "invalid", "on", "on 应为日期 YYYY-MM-DD");
        return;
    }
    int known = !m.state;
    for (size_t i = 0; i < sizeof states / sizeof *states && !known; i++)
        known = !strcmp(m.state, states[i]);
    if (!known) {
        http_reply_fail(r, 400, "invalid", "state",
                        "state 只能为 qualifies、received、near 或 awaiting");
        return;
    }
    if (format && *format && strcmp(format, "xlsx")) {
        http_reply_fail(r, 400, "invalid", "format", "format 只能为 xlsx（不写则为 JSON）");
        return;
    }
    if (!query_count(r, "limit", 1, 5000, &m.limit) ||
        !query_count(r, "offset", 0, 100000000, &m.offset))
        return;
    struct policy_pack *p;
    struct err e = {0};
    enum status st = award_pack_current(r->store, &p, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    m.p = p;
    if (m.clause && policy_clause_index(p, m.clause) < 0) {
        policy_pack_free(p);
        http_reply_fail(r, 404, "not_found", "clause", "规则包中没有该条款");
        return;
    }
    if (format && *format)
        st = award_list_writer_open("matches.xlsx", &m.xw, &e);
    else
        m.rows = json_array();
    struct award_list_totals t = {0};
    struct award_list_visit v = {matches_row, NULL, &m};
    if (st == ST_OK)
        st = award_match_list(r->store, p, on, &v, &t, &e);
    char day_s[16];
    date_format(on, day_s, sizeof day_s);
    if (m.xw) {
        char *data = NULL;
        size_t len = 0;
        if (st == ST_OK)
            st = export_writer_close_bytes(m.xw, &data, &len, &e);
        else if (export_writer_close(m.xw, 0, &(struct err){0}) != ST_OK)
            st = ST_IO;
        if (st == ST_OK) {
            char disp[96];
            http_reply_bytes(r, 200,
                             "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                             data, len);
            snprintf(disp, sizeof disp, "attachment; filename=\"matches-%s.xlsx\"", day_s);
            http_add_header(r, "Content-Disposition", disp);
        }
        free(data);
    } else if (st == ST_OK) {
        http_reply_json(
            r, 200,
            json_pack("{s:s, s:s, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o}, s:I, s:o}", "on",
                      day_s, "pack_sha256", policy_pack_hash(p), "totals", "entities",
                      (json_int_t)t.entities, "qualifies", (json_int_t)t.qualifies, "automatic",
                      (json_int_t)t.automatic, "near", (json_int_t)t.near, "awaiting",
                      (json_int_t)t.awaiting, "received", (json_int_t)t.received, "total_fen",
                      (json_int_t)t.total_fen, "clauses", award_list_clauses_json(p, &t), "matched",
                      (json_int_t)m.kept, "rows", m.rows));
        m.rows = NULL;
    }
    award_list_totals_cleanup(&t);
    json_decref(m.rows);
    policy_pack_free(p);
    if (st != ST_OK)
        http_reply_error(r, st, &e);
}

void h_entities(struct http_req *r);
void h_entities(struct http_req *r)
{
    /* a page at a time: ?after=USCC (the last one seen) &limit= (1–5000, 500 by default) */
    const char *after = http_query(r, "after");
    long limit = 500;
    if (!query_count(r, "limit", 1, 5000, &limit))
        return;
    struct entity *v;
    size_t n, total;
    struct err e = {0};
    enum status st =
        entity_list_page(r->store, after ? after : "", (size_t)limit, &v, &n, &total, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, entity_json(&v[i]));
    json_t *next = n == (size_t)limit ? json_string(v[n - 1].uscc) : json_null();
    entities_free(v, n);
    http_reply_json(
        r, 200,
        json_pack("{s:o, s:I, s:o}", "entities", arr, "total", (json_int_t)total, "next", next));
}

void h_entities_search(struct http_req *r);
void h_entities_search(struct http_req *r)
{
    const char *q = http_query(r, "q");
    long limit = 20;
    if (!q || !*q || strlen(q) > 80) {
        http_reply_fail(r, 400, "invalid", "q", "q 为名称或统一社会信用代码中的字（1–80 字节）");
        return;
    }
    if (!query_count(r, "limit", 1, 50, &limit))
        return;
    struct entity *v;
    size_t n;
    struct err e = {0};
    enum status st = entity_search(r->store, q, (size_t)limit, &v, &n, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:b, s:s}", "uscc", v[i].uscc, "name",
                                             v[i].name, "kind", v[i].kind, "in_zone", v[i].in_zone,
                                             "industry", v[i].industry));
    entities_free(v, n);
    http_reply_json(r, 200, json_pack("{s:o}", "entities", arr));
}

void h_entities_import(struct http_req *r);
void h_entities_import(struct http_req *r)
{
    struct entity_import_report rep;
    struct err e = {0};
    const char *name = http_query(r, "name");
    enum status st = award_import_registry(r->store, r->user.name, r->body, r->body_len,
                                           name && *name ? name : "upload.csv", &rep, &e);
    if (st != ST_OK) {
        json_t *errs = json_array();
        for (size_t i = 0; i < rep.n_errors && i < ENTITY_IMPORT_ERRORS_MAX; i++)
            json_array_append_new(errs, json_string(rep.errors[i]));
        json_t *o = json_pack("{s:{s:s, s:s, s:s?, s:I, s:o}}", "error", "code",
                              http_status_of(st) == 400 ? "invalid" : "error", "message", e.msg,
                              "field", e.where[0] ? e.where : NULL, "bad_rows",
                              (json_int_t)rep.n_errors, "rows", errs);
        http_reply_json(r, http_status_of(st), o);
        return;
    }
    http_reply_json(r, 201,
                    json_pack("{s:I, s:I, s:I}", "rows", (json_int_t)rep.rows, "entities",
                              (json_int_t)rep.entities, "facts", (json_int_t)rep.facts));
}

/* 我能享受什么: one entity's clauses, what it qualifies for now and what it lacks. */
void h_entitlements(struct http_req *r);
void h_entitlements(struct http_req *r)
{
    const char *uscc;
    if (!query_uscc(r, &uscc))
        return;
    if (!uscc) {
        http_reply_fail(r, 400, "invalid", "uscc", "需要 ?uscc=统一社会信用代码");
        return;
    }
    struct date on = clock_today();
    const char *day = http_query(r, "on");
    if (day && *day && !date_parse_iso(day, &on)) {
        http_reply_fail(r, 400, "invalid", "on", "on 应为日期 YYYY-MM-DD");
        return;
    }
    struct policy_pack *p;
    struct award_match *v;
    size_t n;
    int64_t *received;
    struct err e = {0};
    enum status st = award_entitlements(r->store, uscc, on, &p, &v, &n, &received, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *arr = json_array();
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) {
        const struct policy_match *m = &v[i].m;
        size_t c = v[i].clause;
        if (!m->applies)
            continue;
        json_t *missing = json_array();
        for (size_t k = 0; k < m->r.n_missing; k++)
            json_array_append_new(missing, json_string(m->r.missing[k]));
        char standing[400];
        json_t *row = json_pack(
            "{s:s, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:s, s:s, s:o, s:o}", "clause",
            policy_clause_id(p, c), "title", policy_clause_title(p, c), "cite",
            policy_clause_cite(p, c), "state", award_match_state(&v[i]), "amount_fen",
            (json_int_t)m->r.amount_fen, "payable_fen", (json_int_t)award_match_payable(&v[i]),
            "received_fen", (json_int_t)received[c], "matter_paid_fen",
            (json_int_t)v[i].matter_paid, "explanation", m->r.explanation ? m->r.explanation : "",
            "standing", award_match_standing(p, &v[i], standing, sizeof standing), "missing",
            missing, "steps", policy_steps_json(&m->r));
        json_object_set_new(row, "application",
                            v[i].application
                                ? json_pack("{s:I, s:s}", "id", (json_int_t)v[i].application,
                                            "status", v[i].application_status)
                                : json_null());
        json_t *self = json_array();
        for (size_t k = 0; k < m->n_self; k++)
            json_array_append_new(self, json_string(m->self_declared[k]));
        /* how it would be paid: only while there is something to pay */
        const char *route = policy_match_route(m);
        if (strcmp(award_match_state(&v[i]), "qualifies"))
            route = NULL;
        json_object_set_new(row, "route", route ? json_string(route) : json_null());
        json_object_set_new(row, "self_declared", self);
        /* the input naming the matter, when the facts do not (the applicant gives it) */
        json_object_set_new(row, "matter_missing",
                            m->r.matter_missing ? json_string(m->r.matter_missing) : json_null());
        /* the matter (事项) this row is for: one row per contract of the entity */
        json_object_set_new(row, "matter_key",
                            v[i].matter_key[0] ? json_string(v[i].matter_key) : json_null());
        json_object_set_new(row, "matter", v[i].matter[0] ? json_string(v[i].matter) : json_null());
        json_t *given = json_object();
        for (size_t k = 0; k < m->n_given; k++)
            json_object_set_new(given, m->given[k].name, json_string(m->given[k].value));
        json_object_set_new(row, "inputs", given);
        json_array_append_new(arr, row);
        json_object_set_new(row, "superseded_by",
                            m->superseded_by
                                ? json_string(policy_clause_id(p, m->superseded_by - 1))
                                : json_null());
        total += award_match_payable(&v[i]);
    }
    award_matches_free(v, n);
    free(received);
    char day_s[16];
    date_format(on, day_s, sizeof day_s);
    http_reply_json(r, 200,
                    json_pack("{s:s, s:s, s:s, s:I, s:o}", "uscc", uscc, "on", day_s, "pack_sha256",
                              policy_pack_hash(p), "total_fen", (json_int_t)total, "clauses", arr));
    policy_pack_free(p);
}

void h_policy_param_set(struct http_req *r);
void h_policy_param_set(struct http_req *r)
{
    json_t *b = http_body_object(r);
    const char *clause, *name, *value;
    if (!b)
        return;
    if (!http_field_string(r, b, "clause", 1, &clause) ||
        !http_field_string(r, b, "name", 1, &name) ||
        !http_field_string(r, b, "value", 1, &value)) {
        json_decref(b);
        return;
    }
    json_t *dry = json_object_get(b, "dry_run");
    if (dry && !json_is_boolean(dry)) {
        json_decref(b);
        http_reply_fail(r, 400, "invalid", "dry_run", "dry_run 为 true/false");
        return;
    }
    int64_t id = 0;
    struct err e = {0};
    enum status st;
    if (json_is_true(dry)) { /* 试算: the change priced over the registry, nothing stored */
        struct award_diff d;
        st = award_param_preview(r->store, clause, name, value, clock_today(), &d, &e);
        json_decref(b);
        if (st != ST_OK) {
            http_reply_error(r, st, &e);
            return;
        }
        http_reply_json(r, 200, award_diff_json(&d));
        award_diff_cleanup(&d);
        return;
    }
    st = award_param_set(r->store, r->user.name, clause, name, value, &id, &e);
    json_decref(b);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 200, json_pack("{s:I}", "pack_id", (json_int_t)id));
}
