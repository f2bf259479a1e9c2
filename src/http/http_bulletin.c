/* Handlers of 通报: generate a draft, read, publish, export. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulletin/bulletin.h"
#include "http/http_int.h"
#include "store/store.h"

static json_t *info_json(const struct bulletin_info *b)
{
    json_t *o = json_pack("{s:I, s:I, s:s, s:s, s:i, s:s, s:s, s:s}", "id", (json_int_t)b->id,
                          "plan_id", (json_int_t)b->plan_id, "period", b->period, "status",
                          b->status, "number", b->number, "generated_at", b->generated_at,
                          "published_at", b->published_at, "published_by", b->published_by);
    json_object_set_new(o, "sha256",
                        json_pack("{s:s, s:s, s:s}", "html", b->sha256[0], "xlsx", b->sha256[1],
                                  "docx", b->sha256[2]));
    return o;
}

void h_bulletin_generate(struct http_req *r);
void h_bulletin_generate(struct http_req *r)
{
    json_t *b = http_body_object(r);
    if (!b)
        return;
    json_t *plan = json_object_get(b, "plan_id"), *period = json_object_get(b, "period");
    if (!json_is_integer(plan) || json_integer_value(plan) <= 0) {
        json_decref(b);
        http_reply_fail(r, 400, "invalid", "plan_id", "缺少 plan_id (missing field)");
        return;
    }
    if (!json_is_string(period)) {
        json_decref(b);
        http_reply_fail(r, 400, "invalid", "period", "缺少 period (missing field)");
        return;
    }
    int64_t id;
    struct err e = {0};
    enum status st = bulletin_generate(r->store, r->cal, r->user.name, json_integer_value(plan),
                                       json_string_value(period), &id, &e);
    json_decref(b);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_json(r, 201, json_pack("{s:I}", "id", (json_int_t)id));
}

void h_bulletins(struct http_req *r);
void h_bulletins(struct http_req *r)
{
    const char *plan = http_query(r, "plan");
    int64_t plan_id = plan ? strtoll(plan, NULL, 10) : 1;
    struct bulletin_info *v;
    size_t n;
    struct err e = {0};
    enum status st = bulletin_list(r->store, plan_id, &v, &n, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        if (r->user.role != ROLE_DEPT || !strcmp(v[i].status, "published"))
            json_array_append_new(arr, info_json(&v[i]));
    free(v);
    http_reply_json(r, 200, json_pack("{s:o}", "bulletins", arr));
}

/* Loads bulletin {0}; a clerk sees published ones only. */
static int load(struct http_req *r, struct bulletin_info *info, json_t **content)
{
    int64_t id;
    if (!http_param_id(r, 0, &id))
        return 0;
    struct err e = {0};
    enum status st = bulletin_get(r->store, id, info, content, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return 0;
    }
    if (r->user.role == ROLE_DEPT && strcmp(info->status, "published") != 0) {
        json_decref(*content);
        http_reply_fail(r, 404, "not_found", NULL, "找不到该通报 (not found)");
        return 0;
    }
    return 1;
}

void h_bulletin(struct http_req *r);
void h_bulletin(struct http_req *r)
{
    struct bulletin_info info;
    json_t *content;
    if (!load(r, &info, &content))
        return;
    http_reply_json(r, 200,
                    json_pack("{s:o, s:o}", "bulletin", info_json(&info), "content", content));
}

void h_bulletin_publish(struct http_req *r);
void h_bulletin_publish(struct http_req *r)
{
    int64_t id;
    if (!http_param_id(r, 0, &id))
        return;
    struct err e = {0};
    enum status st = bulletin_publish(r->store, r->user.name, id, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    struct bulletin_info info;
    json_t *content;
    if ((st = bulletin_get(r->store, id, &info, &content, &e)) != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    json_decref(content);
    http_reply_json(r, 200, json_pack("{s:o}", "bulletin", info_json(&info)));
}

void h_bulletin_export(struct http_req *r);
void h_bulletin_export(struct http_req *r)
{
    struct bulletin_info info;
    json_t *content;
    if (!load(r, &info, &content))
        return;
    json_decref(content);
    enum bulletin_format f;
    if (!bulletin_format_parse(http_query(r, "format"), &f)) {
        http_reply_fail(r, 400, "invalid", "format", "format 应为 html、xlsx 或 docx");
        return;
    }
    char *data;
    size_t len;
    struct err e = {0};
    enum status st = bulletin_export(r->store, info.id, f, &data, &len, &e);
    if (st != ST_OK) {
        http_reply_error(r, st, &e);
        return;
    }
    http_reply_bytes(r, 200, bulletin_format_type(f), data, len);
    free(data);
    if (f == BULLETIN_HTML)
        r->csp = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";
    char disp[160];
    snprintf(disp, sizeof disp, "%s; filename=\"bulletin-%s-%s.%s\"",
             f == BULLETIN_HTML ? "inline" : "attachment", info.period, info.status,
             bulletin_format_name(f));
    http_add_header(r, "Content-Disposition", disp);
}
