/* Handlers of 考核: rules (versioned), runs, publishing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assess/assess.h"
#include "base/clock.h"
#include "http/http_int.h"
#include "store/store.h"

static int64_t plan_param(struct http_req *r)
{
    const char *p = http_query(r, "plan");
    long long v = p ? strtoll(p, NULL, 10) : 1;
    return v > 0 ? v : 1;
}

void h_assess_rules(struct http_req *r);
void h_assess_rules(struct http_req *r)
{
    json_t *out;
    struct err e = {0};
    enum status st = assess_rules_list(r->store, r->user.name, plan_param(r), &out, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 200, json_pack("{s:o}", "versions", out));
}

void h_assess_rules_add(struct http_req *r);
void h_assess_rules_add(struct http_req *r)
{
    json_t *b = http_body_object(r);
    if (!b)
        return;
    json_t *plan = json_object_get(b, "plan_id"), *rules = json_object_get(b, "rules");
    if (!json_is_integer(plan) || !json_is_object(rules)) {
        json_decref(b);
        http_reply_fail(r, 400, "invalid", !json_is_integer(plan) ? "plan_id" : "rules",
                        "需要 plan_id 和 rules 对象 (missing field)");
        return;
    }
    char *text = json_dumps(rules, JSON_COMPACT);
    int version;
    struct err e = {0};
    enum status st =
        assess_rules_add(r->store, r->user.name, json_integer_value(plan), text, &version, &e);
    free(text);
    json_decref(b);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 201, json_pack("{s:i}", "version", version));
}

void h_assess_run(struct http_req *r);
void h_assess_run(struct http_req *r)
{
    json_t *b = http_body_object(r);
    if (!b)
        return;
    json_t *plan = json_object_get(b, "plan_id"), *period = json_object_get(b, "period");
    if (!json_is_integer(plan) || !json_is_string(period)) {
        json_decref(b);
        http_reply_fail(r, 400, "invalid", !json_is_integer(plan) ? "plan_id" : "period",
                        "需要 plan_id 和 period (missing field)");
        return;
    }
    int64_t id;
    struct err e = {0};
    enum status st = assess_run(r->store, r->cal, r->user.name, json_integer_value(plan),
                                json_string_value(period), &id, &e);
    json_decref(b);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

void h_assessments(struct http_req *r);
void h_assessments(struct http_req *r)
{
    json_t *out;
    struct err e = {0};
    enum status st = assess_list(r->store, plan_param(r), &out, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    if (r->user.role == ROLE_DEPT) {
        json_t *pub = json_array();
        for (size_t i = 0; i < json_array_size(out); i++)
            if (!strcmp(json_string_value(json_object_get(json_array_get(out, i), "status")),
                        "published"))
                json_array_append(pub, json_array_get(out, i));
        json_decref(out);
        out = pub;
    }
    http_reply_json(r, 200, json_pack("{s:o}", "assessments", out));
}

void h_assessment(struct http_req *r);
void h_assessment(struct http_req *r)
{
    int64_t id;
    if (!http_param_id(r, 0, &id))
        return;
    json_t *out;
    struct err e = {0};
    enum status st = assess_get(r->store, id, &out, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    if (r->user.role == ROLE_DEPT &&
        strcmp(json_string_value(json_object_get(out, "status")), "published") != 0) {
        json_decref(out);
        http_reply_fail(r, 404, "not_found", NULL, "找不到该考核 (not found)");
        return;
    }
    http_reply_json(r, 200, json_pack("{s:o}", "assessment", out));
}

void h_assess_publish(struct http_req *r);
void h_assess_publish(struct http_req *r)
{
    int64_t id;
    if (!http_param_id(r, 0, &id))
        return;
    struct err e = {0};
    enum status st = assess_publish(r->store, r->user.name, id, &e);
    http_reply_done(r, st, &e);
}
