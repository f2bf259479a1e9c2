/* Bulletin content from the stored facts, drafts, publishing and export. */
#include "bulletin/bulletin.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/hash.h"
#include "base/xalloc.h"
#include "calendar/calendar.h"
#include "ledger/ledger.h"
#include "plan/plan.h"
#include "store/store.h"

static const char *const format_names[] = {"html", "xlsx", "docx"};
static const char *const format_types[] = {
    "text/html; charset=utf-8", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document"};

const char *bulletin_format_name(enum bulletin_format f)
{
    return (unsigned)f <= BULLETIN_DOCX ? format_names[f] : "?";
}

const char *bulletin_format_type(enum bulletin_format f)
{
    return (unsigned)f <= BULLETIN_DOCX ? format_types[f] : "application/octet-stream";
}

int bulletin_format_parse(const char *s, enum bulletin_format *out)
{
    for (int i = 0; i <= BULLETIN_DOCX; i++)
        if (s && strcmp(s, format_names[i]) == 0) {
            *out = (enum bulletin_format)i;
            return 1;
        }
    return 0;
}

/* The rules, declared once: the code below implements exactly these sentences. */
const char *bulletin_praise_rule(void)
{
    return "本期牵头任务全部按时报送、无红灯黄灯，且平均进度不低于序时进度的部门，予以表扬。";
}

const char *bulletin_critic_rule(void)
{
    return "本期有红灯任务、逾期或未报送进展、或督办单逾期未反馈的部门，予以通报批评。";
}

struct dept_stat {
    char name[160];
    int led, due, on_time, late, missing, red, yellow, green, open_notices, overdue_notices;
    long progress_sum, expected_sum;
};

static struct dept_stat *dept_for(struct dept_stat **v, size_t *n, size_t *cap, const char *name,
                                  size_t len)
{
    for (size_t i = 0; i < *n; i++)
        if (strlen((*v)[i].name) == len && memcmp((*v)[i].name, name, len) == 0)
            return &(*v)[i];
    xgrow((void **)v, cap, *n + 1, sizeof **v);
    struct dept_stat *d = &(*v)[(*n)++];
    memset(d, 0, sizeof *d);
    if (len >= sizeof d->name)
        len = sizeof d->name - 1;
    memcpy(d->name, name, len);
    return d;
}

static int cmp_dept(const void *a, const void *b)
{
    const struct dept_stat *x = a, *y = b;
    if (x->red != y->red)
        return y->red - x->red;
    if (x->yellow != y->yellow)
        return y->yellow - x->yellow;
    return strcmp(x->name, y->name);
}

/* "94.5" for 52/55: one decimal, rounded half up, computed in integers. */
static void pct(int num, int den, char *out, size_t len)
{
    if (den <= 0) {
        snprintf(out, len, "—");
        return;
    }
    int tenths = (int)(((long)num * 2000 + den) / (2L * den)); /* round(num*1000/den), 0..1000 */
    snprintf(out, len, "%d.%d", tenths / 10 % 1000, tenths % 10);
}

enum status bulletin_compute(struct store *s, const struct calendar *cal, int64_t plan_id,
                             const char *period, json_t **out, struct err *e)
{
    *out = NULL;
    struct plan_summary *plan;
    enum status st = plan_get(s, plan_id, &plan, e);
    if (st != ST_OK)
        return st;
    struct ledger_settings ls;
    if ((st = ledger_settings_get(s, plan_id, &ls, e)) != ST_OK) {
        plan_summaries_free(plan, 1);
        return st;
    }
    struct ledger_period p;
    if (!period || !ledger_period_parse(period, ls.cadence, &p)) {
        plan_summaries_free(plan, 1);
        return err_set(e, ST_INVALID, "period", "报告期“%s”格式不对 (bad period)",
                       period ? period : "");
    }
    /* Late lead reports of the period, by task. */
    int64_t *late_ids = NULL;
    size_t nlate = 0;
    st = ledger_late_tasks(s, plan_id, p.key, &late_ids, &nlate, e);
    struct store_stmt *q;
    struct dept_stat *ds = NULL;
    size_t nds = 0, capds = 0;
    int total = 0, closed = 0, lights[3] = {0, 0, 0}, due = 0, on_time = 0, late = 0, missing = 0;
    json_t *red = json_array(), *yellow = json_array(), *tasks = json_array();
    struct ledger_filter f = {
        .plan_id = plan_id, .light = -1, .period = p.key, .page = 1, .per_page = -1};
    while (st == ST_OK) {
        struct ledger_task_row *rows;
        size_t n, all;
        char per[16];
        if ((st = ledger_tasks(s, cal, &f, &rows, &n, &all, per, e)) != ST_OK)
            break;
        for (size_t i = 0; i < n; i++) {
            const struct ledger_task_row *t = &rows[i];
            total++;
            closed += t->t.closed;
            lights[t->light]++;
            int owes = !t->t.closed && date_cmp(t->t.start_on, p.end) <= 0;
            int is_late = ledger_ids_contain(late_ids, nlate, t->t.id);
            if (owes) {
                due++;
                if (t->reported && !is_late)
                    on_time++;
                else if (t->reported)
                    late++;
                else
                    missing++;
            }
            json_t *row = json_pack("{s:I, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:s, s:b, s:b}", "id",
                                    (json_int_t)t->t.id, "path", t->t.path, "title",
                                    t->t.item_title ? t->t.item_title : "", "lead",
                                    t->t.lead ? t->t.lead : "", "co", t->t.co ? t->t.co : "",
                                    "light", ledger_light_name(t->light), "expected", t->expected,
                                    "progress", t->progress, "reason", t->reason, "reported",
                                    t->reported, "late", is_late);
            json_array_append(tasks, row);
            if (t->light == LIGHT_RED)
                json_array_append(red, row);
            else if (t->light == LIGHT_YELLOW)
                json_array_append(yellow, row);
            json_decref(row);
            /* Each lead department. */
            const char *cursor = t->t.lead ? t->t.lead : "（未指定）", *name;
            size_t len;
            while (ledger_next_name(&cursor, &name, &len)) {
                struct dept_stat *d = dept_for(&ds, &nds, &capds, name, len);
                d->led++;
                if (t->light == LIGHT_RED)
                    d->red++;
                else if (t->light == LIGHT_YELLOW)
                    d->yellow++;
                else
                    d->green++;
                if (owes) {
                    d->due++;
                    if (t->reported && !is_late)
                        d->on_time++;
                    else if (t->reported)
                        d->late++;
                    else
                        d->missing++;
                }
                d->progress_sum += t->progress < 0 ? 0 : t->progress;
                d->expected_sum += t->expected;
            }
        }
        ledger_task_rows_free(rows, n);
        if (f.per_page == -1 || (size_t)f.page * (size_t)f.per_page >= all)
            break;
        f.page++;
    }
    free(late_ids);
    /* Open and overdue notices per department (as of generation). */
    if (st == ST_OK &&
        (st = store_prepare(s,
                            "SELECT c.name, count(*), sum(CASE WHEN n.due_on < ? THEN 1 ELSE 0 END)"
                            " FROM notices n JOIN tasks t ON t.id = n.task_id"
                            " JOIN departments d ON d.id = n.dept_id"
                            " JOIN departments c ON c.id = coalesce(d.canonical_id, d.id)"
                            " WHERE t.plan_id = ? AND n.status IN ('open','signed','returned')"
                            " GROUP BY c.name ORDER BY c.name",
                            &q, e)) == ST_OK) {
        char today[16];
        date_format(clock_today(), today, sizeof today);
        store_bind_text(q, 1, today);
        store_bind_int(q, 2, plan_id);
        int row;
        while ((st = store_step(q, &row, e)) == ST_OK && row) {
            const char *name = store_col_text(q, 0);
            struct dept_stat *d = dept_for(&ds, &nds, &capds, name, strlen(name));
            d->open_notices = (int)store_col_int(q, 1);
            d->overdue_notices = (int)store_col_int(q, 2);
        }
        store_finish(q);
    }
    if (st != ST_OK) {
        free(ds);
        json_decref(red);
        json_decref(yellow);
        json_decref(tasks);
        plan_summaries_free(plan, 1);
        return st;
    }
    qsort(ds, nds, sizeof *ds, cmp_dept);
    json_t *depts = json_array(), *praise = json_array(), *critic = json_array();
    for (size_t i = 0; i < nds; i++) {
        struct dept_stat *d = &ds[i];
        char rate[24];
        pct(d->on_time, d->due, rate, sizeof rate);
        int avg_p = d->led ? (int)((d->progress_sum * 2 + d->led) / (2 * d->led)) : 0;
        int avg_e = d->led ? (int)((d->expected_sum * 2 + d->led) / (2 * d->led)) : 0;
        json_array_append_new(
            depts,
            json_pack("{s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:i, s:i, s:i, s:i, s:i, s:i}", "dept",
                      d->name, "led", d->led, "due", d->due, "on_time", d->on_time, "late", d->late,
                      "missing", d->missing, "on_time_rate", rate, "avg_progress", avg_p,
                      "avg_expected", avg_e, "red", d->red, "yellow", d->yellow, "open_notices",
                      d->open_notices, "overdue_notices", d->overdue_notices));
        if (d->led && d->due && d->on_time == d->due && !d->red && !d->yellow && avg_p >= avg_e)
            json_array_append_new(praise, json_string(d->name));
        if (d->led && (d->red || d->late || d->missing || d->overdue_notices)) {
            char why[256] = "";
            size_t w = 0;
            if (d->red)
                w += (size_t)snprintf(why + w, sizeof why - w, "红灯任务%d项；", d->red);
            if (d->late)
                w += (size_t)snprintf(why + w, sizeof why - w, "逾期报送%d项；", d->late);
            if (d->missing)
                w += (size_t)snprintf(why + w, sizeof why - w, "未报送%d项；", d->missing);
            if (d->overdue_notices)
                w += (size_t)snprintf(why + w, sizeof why - w, "督办逾期未反馈%d件；",
                                      d->overdue_notices);
            if (w >= 3 && w <= sizeof why)
                why[w - 3] = '\0'; /* drop the last "；" (3 bytes) */
            json_array_append_new(critic, json_pack("{s:s, s:s}", "dept", d->name, "reason", why));
        }
    }
    free(ds);
    char rate[24], deadline[16];
    pct(on_time, due, rate, sizeof rate);
    date_format(ledger_report_deadline(cal, &ls, &p), deadline, sizeof deadline);
    json_t *sentences = json_array();
    char sbuf[512];
    snprintf(sbuf, sizeof sbuf, "本期应报任务%d项，按时报送%d项，按时报送率%s%%。", due, on_time,
             rate);
    json_array_append_new(sentences, json_string(sbuf));
    snprintf(sbuf, sizeof sbuf, "逾期报送%d项，未报送%d项。", late, missing);
    json_array_append_new(sentences, json_string(sbuf));
    snprintf(sbuf, sizeof sbuf, "全部%d项任务中，绿灯%d项、黄灯%d项、红灯%d项，已销号%d项。", total,
             lights[0], lights[1], lights[2], closed);
    json_array_append_new(sentences, json_string(sbuf));
    if (json_array_size(praise)) {
        size_t w = (size_t)snprintf(sbuf, sizeof sbuf, "予以表扬：");
        for (size_t i = 0; i < json_array_size(praise); i++)
            w += (size_t)snprintf(sbuf + w, sizeof sbuf - w, "%s%s", i ? "、" : "",
                                  json_string_value(json_array_get(praise, i)));
        snprintf(sbuf + (w < sizeof sbuf ? w : sizeof sbuf - 1),
                 sizeof sbuf - (w < sizeof sbuf ? w : sizeof sbuf - 1), "。");
        json_array_append_new(sentences, json_string(sbuf));
    }
    if (json_array_size(critic)) {
        snprintf(sbuf, sizeof sbuf,
                 "%zu个部门被通报批评，请于本通报印发之日起5个工作日内提交整改报告。",
                 json_array_size(critic));
        json_array_append_new(sentences, json_string(sbuf));
    }
    *out = json_pack(
        "{s:I, s:s, s:s?, s:s, s:s, s:s, s:s, s:{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, "
        "s:s}, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s}",
        "plan_id", (json_int_t)plan_id, "plan_title", plan->title, "doc_number", plan->doc_number,
        "period", p.key, "period_start", "", "period_end", "", "report_deadline", deadline,
        "headline", "tasks", total, "closed", closed, "green", lights[0], "yellow", lights[1],
        "red", lights[2], "due", due, "on_time", on_time, "late", late, "missing", missing,
        "on_time_rate", rate, "departments", depts, "red_tasks", red, "yellow_tasks", yellow,
        "praise", praise, "critic", critic, "sentences", sentences, "tasks", tasks, "praise_rule",
        bulletin_praise_rule(), "critic_rule", bulletin_critic_rule());
    char d1[16], d2[16];
    date_format(p.start, d1, sizeof d1);
    date_format(p.end, d2, sizeof d2);
    json_object_set_new(*out, "period_start", json_string(d1));
    json_object_set_new(*out, "period_end", json_string(d2));
    plan_summaries_free(plan, 1);
    return ST_OK;
}

/* ---------------------------------------------------------------- drafts and publishing */

enum status bulletin_generate(struct store *s, const struct calendar *cal, const char *actor,
                              int64_t plan_id, const char *period, int64_t *id, struct err *e)
{
    json_t *content;
    enum status st = bulletin_compute(s, cal, plan_id, period, &content, e);
    if (st != ST_OK)
        return st;
    char *text = json_dumps(content, JSON_COMPACT | JSON_PRESERVE_ORDER);
    const char *key = json_string_value(json_object_get(content, "period"));
    char per[16];
    snprintf(per, sizeof per, "%s", key);
    json_decref(content);
    if ((st = store_begin(s, e)) != ST_OK) {
        free(text);
        return st;
    }
    struct store_stmt *q;
    if ((st = store_prepare(s, "SELECT id, status FROM bulletins WHERE plan_id = ? AND period = ?",
                            &q, e)) != ST_OK)
        goto out;
    store_bind_int(q, 1, plan_id);
    store_bind_text(q, 2, per);
    int row;
    int64_t existing = 0;
    int published = 0;
    if ((st = store_step(q, &row, e)) == ST_OK && row) {
        existing = store_col_int(q, 0);
        published = strcmp(store_col_text(q, 1), "published") == 0;
    }
    store_finish(q);
    if (st != ST_OK)
        goto out;
    if (published) {
        st = err_set(e, ST_CONFLICT, "period", "%s 的通报已发布，不能重新生成 (already published)",
                     per);
        goto out;
    }
    char now[32];
    clock_now_iso(now, sizeof now);
    if (existing) {
        if ((st = store_prepare(
                 s,
                 "UPDATE bulletins SET content = ?, generated_at = ?, generated_by = ?"
                 " WHERE id = ?",
                 &q, e)) != ST_OK)
            goto out;
        store_bind_text(q, 1, text);
        store_bind_text(q, 2, now);
        store_bind_text(q, 3, actor);
        store_bind_int(q, 4, existing);
        st = store_run(q, e);
        *id = existing;
    } else {
        if ((st = store_prepare(s,
                                "INSERT INTO bulletins (plan_id, period, status, content,"
                                " generated_at, generated_by) VALUES (?,?,'draft',?,?,?)"
                                " RETURNING id",
                                &q, e)) != ST_OK)
            goto out;
        store_bind_int(q, 1, plan_id);
        store_bind_text(q, 2, per);
        store_bind_text(q, 3, text);
        store_bind_text(q, 4, now);
        store_bind_text(q, 5, actor);
        if ((st = store_step(q, &row, e)) == ST_OK && row)
            *id = store_col_int(q, 0);
        store_finish(q);
    }
    if (st == ST_OK) {
        char ids[32], hash[65], after[160];
        hash_sha256_hex(text, strlen(text), hash);
        snprintf(ids, sizeof ids, "%" PRId64, *id);
        snprintf(after, sizeof after, "{\"period\":\"%s\",\"content_sha256\":\"%s\"}", per, hash);
        st = audit_append(s, actor, "bulletin.generate", "bulletin", ids, NULL, after, e);
    }
out:
    free(text);
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s, e);
}

enum status bulletin_publish(struct store *s, const char *actor, int64_t id, struct err *e)
{
    struct bulletin_info info;
    json_t *content;
    enum status st = bulletin_get(s, id, &info, &content, e);
    if (st != ST_OK)
        return st;
    if (strcmp(info.status, "published") == 0) {
        json_decref(content);
        return err_set(e, ST_CONFLICT, NULL, "该通报已发布，不能重复发布 (already published)");
    }
    char *data[3] = {NULL, NULL, NULL};
    size_t len[3] = {0, 0, 0};
    char hash[3][65];
    /* 期号: one more than the plan's published bulletins; the renderings carry it. */
    struct store_stmt *q;
    if ((st = store_begin(s, e)) != ST_OK)
        goto out_free;
    if ((st = store_prepare(s,
                            "SELECT coalesce(max(number), 0) + 1 FROM bulletins WHERE plan_id = ?"
                            " AND status = 'published'",
                            &q, e)) != ST_OK)
        goto out;
    store_bind_int(q, 1, info.plan_id);
    int row, number = 1;
    if ((st = store_step(q, &row, e)) == ST_OK && row)
        number = (int)store_col_int(q, 0);
    store_finish(q);
    if (st != ST_OK)
        goto out;
    json_object_set_new(content, "number", json_integer(number));
    for (int f = 0; f <= BULLETIN_DOCX && st == ST_OK; f++) {
        st = bulletin_render(content, (enum bulletin_format)f, &data[f], &len[f], e);
        if (st == ST_OK)
            hash_sha256_hex(data[f], len[f], hash[f]);
    }
    if (st != ST_OK)
        goto out;
    char now[32];
    clock_now_iso(now, sizeof now);
    char *text = json_dumps(content, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if ((st = store_prepare(s,
                            "UPDATE bulletins SET status = 'published', number = ?, content = ?,"
                            " published_at = ?, published_by = ?, html = ?, xlsx = ?, docx = ?,"
                            " html_sha256 = ?, xlsx_sha256 = ?, docx_sha256 = ? WHERE id = ?"
                            " AND status = 'draft'",
                            &q, e)) == ST_OK) {
        store_bind_int(q, 1, number);
        store_bind_text(q, 2, text);
        store_bind_text(q, 3, now);
        store_bind_text(q, 4, actor);
        for (int f = 0; f < 3; f++) {
            store_bind_blob(q, 5 + f, data[f], len[f]);
            store_bind_text(q, 8 + f, hash[f]);
        }
        store_bind_int(q, 11, id);
        st = store_run(q, e);
    }
    free(text);
    if (st == ST_OK) {
        char ids[32], after[400];
        snprintf(ids, sizeof ids, "%" PRId64, id);
        snprintf(after, sizeof after,
                 "{\"number\":%d,\"html_sha256\":\"%s\",\"xlsx_sha256\":\"%s\","
                 "\"docx_sha256\":\"%s\"}",
                 number, hash[0], hash[1], hash[2]);
        st = audit_append(s, actor, "bulletin.publish", "bulletin", ids, NULL, after, e);
    }
out:
    if (st != ST_OK)
        store_rollback(s);
    else
        st = store_commit(s, e);
out_free:
    for (int f = 0; f < 3; f++)
        free(data[f]);
    json_decref(content);
    return st;
}

static void info_from(struct store_stmt *q, struct bulletin_info *b)
{
    memset(b, 0, sizeof *b);
    b->id = store_col_int(q, 0);
    b->plan_id = store_col_int(q, 1);
    snprintf(b->period, sizeof b->period, "%s", store_col_text(q, 2));
    snprintf(b->status, sizeof b->status, "%s", store_col_text(q, 3));
    b->number = (int)store_col_int(q, 4);
    snprintf(b->generated_at, sizeof b->generated_at, "%.20s", store_col_text(q, 5));
    const char *pa = store_col_text(q, 6), *pb = store_col_text(q, 7);
    snprintf(b->published_at, sizeof b->published_at, "%.20s", pa ? pa : "");
    snprintf(b->published_by, sizeof b->published_by, "%s", pb ? pb : "");
    for (int f = 0; f < 3; f++) {
        const char *h = store_col_text(q, 8 + f);
        snprintf(b->sha256[f], sizeof b->sha256[f], "%s", h ? h : "");
    }
}

#define INFO_SELECT                                                                                \
    "SELECT id, plan_id, period, status, coalesce(number, 0), generated_at, published_at,"         \
    " published_by, html_sha256, xlsx_sha256, docx_sha256 FROM bulletins"

enum status bulletin_list(struct store *s, int64_t plan_id, struct bulletin_info **v, size_t *n,
                          struct err *e)
{
    *v = NULL;
    *n = 0;
    struct store_stmt *q;
    enum status st = store_prepare(s, INFO_SELECT " WHERE plan_id = ? ORDER BY period DESC", &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, plan_id);
    size_t cap = 0;
    int row;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        xgrow((void **)v, &cap, *n + 1, sizeof **v);
        info_from(q, &(*v)[(*n)++]);
    }
    store_finish(q);
    return st;
}

enum status bulletin_get(struct store *s, int64_t id, struct bulletin_info *info, json_t **content,
                         struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   "SELECT id, plan_id, period, status, coalesce(number, 0),"
                                   " generated_at, published_at, published_by, html_sha256,"
                                   " xlsx_sha256, docx_sha256, content FROM bulletins WHERE id = ?",
                                   &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, id);
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK) {
        if (!row) {
            st = err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的通报 (no such bulletin)",
                         id);
        } else {
            info_from(q, info);
            json_error_t je;
            *content = json_loads(store_col_text(q, 11), 0, &je);
            if (!*content)
                st = err_set(e, ST_INTERNAL, NULL, "通报内容损坏：%s", je.text);
        }
    }
    store_finish(q);
    return st;
}

enum status bulletin_export(struct store *s, int64_t id, enum bulletin_format f, char **data,
                            size_t *len, struct err *e)
{
    struct bulletin_info info;
    json_t *content;
    enum status st = bulletin_get(s, id, &info, &content, e);
    if (st != ST_OK)
        return st;
    if (strcmp(info.status, "published") != 0) {
        st = bulletin_render(content, f, data, len, e);
        json_decref(content);
        return st;
    }
    json_decref(content);
    static const char *const sql[] = {"SELECT html FROM bulletins WHERE id = ?",
                                      "SELECT xlsx FROM bulletins WHERE id = ?",
                                      "SELECT docx FROM bulletins WHERE id = ?"};
    struct store_stmt *q;
    if ((st = store_prepare(s, sql[f], &q, e)) != ST_OK)
        return st;
    store_bind_int(q, 1, id);
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK && row) {
        const void *b = store_col_blob(q, 0, len);
        *data = xmalloc(*len + 1);
        memcpy(*data, b, *len);
    }
    store_finish(q);
    return st;
}
