/* Handlers of 惠企政策: trial computations, applications, approvals, the ledger check. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "award/award.h"
#include "base/clock.h"
#include "http/http_int.h"
#include "policy/policy.h"

#define INPUTS_MAX 32

/* body.inputs as name=value pairs; values are strings (money as "8650000.00", never a JSON
 * float), integers or booleans. Replies 400 naming the input and returns -1 on a bad one. */
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
            json_t *o = result_json(json_string_value(clause), res.eligible, res.amount_fen,
                                    res.uncapped_fen, res.capped_by, res.explanation);
            json_t *missing = json_array();
            for (size_t i = 0; i < res.n_missing; i++)
                json_array_append_new(missing, json_string(res.missing[i]));
            json_object_set_new(o, "missing", missing);
            json_object_set_new(o, "pack_sha256", json_string(policy_pack_hash(p)));
            http_reply_json(r, 200, o);
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
    struct award_verify v;
    struct err e = {0};
    enum status st = award_ledger_verify(r->store, &v, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *o = json_pack("{s:b, s:I, s:I}", "ok", v.bad_line == 0, "lines", (json_int_t)v.lines,
                          "total_fen", (json_int_t)v.total_fen);
    if (v.bad_line) {
        json_object_set_new(o, "bad_line", json_integer(v.bad_line));
        json_object_set_new(o, "problem", json_string(v.problem));
    }
    http_reply_json(r, 200, o);
}
