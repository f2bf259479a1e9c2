#include "assess/assess.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/date.h"
#include "base/hash.h"
#include "base/xalloc.h"
#include "calendar/calendar.h"
#include "ledger/ledger.h"
#include "store/store.h"

static const char DEFAULT_RULES[] =
    "{\"weights\":{\"timeliness\":30,\"progress\":30,\"completion\":25,\"notices\":15},"
    "\"adjust\":{\"accountability\":-200,\"closed_early\":100,\"missing_report\":-50}}";

const char *assess_default_rules(void)
{
    return DEFAULT_RULES;
}

static const char *const weight_keys[] = {"timeliness", "progress", "completion", "notices"};
static const char *const weight_labels[] = {"按时报送", "进度与序时进度", "按期完成", "督办办理"};
static const char *const adjust_keys[] = {"accountability", "closed_early", "missing_report"};
static const char *const adjust_labels[] = {"督办逾期未反馈（约谈候选）", "提前销号", "未报送进展"};

struct rules {
    int weight[4];
    int adjust[3];
};

static enum status parse_rules(const char *text, struct rules *r, struct err *e)
{
    json_error_t je;
    json_t *j = json_loads(text ? text : "", JSON_REJECT_DUPLICATES, &je);
    if (!j || !json_is_object(j)) {
        json_decref(j);
        return err_set(e, ST_INVALID, "rules", "考核规则不是有效的 JSON 对象：第 %d 行第 %d 列：%s",
                       je.line, je.column, je.text);
    }
    memset(r, 0, sizeof *r);
    enum status st = ST_OK;
    const char *key;
    json_t *v;
    json_object_foreach(j, key, v)
    {
        if (strcmp(key, "weights") && strcmp(key, "adjust")) {
            st = err_set(e, ST_INVALID, key, "未知字段“%s”（只能是 weights、adjust）", key);
            goto out;
        }
    }
    json_t *w = json_object_get(j, "weights"), *a = json_object_get(j, "adjust");
    if (!json_is_object(w)) {
        st = err_set(e, ST_INVALID, "weights", "缺少 weights");
        goto out;
    }
    int sum = 0;
    json_object_foreach(w, key, v)
    {
        int k = -1;
        for (int i = 0; i < 4; i++)
            if (!strcmp(key, weight_keys[i]))
                k = i;
        if (k < 0) {
            st = err_set(e, ST_INVALID, key, "未知权重“%s”", key);
            goto out;
        }
        if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 100) {
            st = err_set(e, ST_INVALID, key, "权重 %s 应为 0 到 100 的整数", key);
            goto out;
        }
        r->weight[k] = (int)json_integer_value(v);
        sum += r->weight[k];
    }
    if (sum != 100) {
        st = err_set(e, ST_INVALID, "weights", "各项权重之和应为 100，现为 %d", sum);
        goto out;
    }
    if (a) {
        if (!json_is_object(a)) {
            st = err_set(e, ST_INVALID, "adjust", "adjust 应为对象");
            goto out;
        }
        json_object_foreach(a, key, v)
        {
            int k = -1;
            for (int i = 0; i < 3; i++)
                if (!strcmp(key, adjust_keys[i]))
                    k = i;
            if (k < 0) {
                st = err_set(e, ST_INVALID, key, "未知加减分项“%s”", key);
                goto out;
            }
            if (!json_is_integer(v) || json_integer_value(v) < -10000 ||
                json_integer_value(v) > 10000) {
                st = err_set(e, ST_INVALID, key, "加减分 %s 应为 -10000 到 10000（百分之一分）",
                             key);
                goto out;
            }
            r->adjust[k] = (int)json_integer_value(v);
        }
    }
out:
    json_decref(j);
    return st;
}

static enum status latest_rules(struct store *s, int64_t plan_id, int64_t *id, int *version,
                                char **text, struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   "SELECT id, version, content FROM assessment_rules WHERE"
                                   " plan_id = ? ORDER BY version DESC LIMIT 1",
                                   &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, plan_id);
    int row;
    *id = 0;
    if ((st = store_step(q, &row, e)) == ST_OK && row) {
        *id = store_col_int(q, 0);
        *version = (int)store_col_int(q, 1);
        *text = store_col_dup(q, 2);
    }
    store_finish(q);
    return st;
}

static enum status insert_rules(struct store *s, const char *actor, int64_t plan_id,
                                const char *text, int version, int64_t *id, struct err *e)
{
    char hash[65], now[32];
    hash_sha256_hex(text, strlen(text), hash);
    clock_now_iso(now, sizeof now);
    struct store_stmt *q;
    enum status st =
        store_prepare(s,
                      "INSERT INTO assessment_rules (plan_id, version, content, sha256,"
                      " created_at, created_by) VALUES (?,?,?,?,?,?) RETURNING id",
                      &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, plan_id);
    store_bind_int(q, 2, version);
    store_bind_text(q, 3, text);
    store_bind_text(q, 4, hash);
    store_bind_text(q, 5, now);
    store_bind_text(q, 6, actor);
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK && row)
        *id = store_col_int(q, 0);
    store_finish(q);
    if (st != ST_OK)
        return st;
    char ids[32], after[160];
    snprintf(ids, sizeof ids, "%" PRId64, *id);
    snprintf(after, sizeof after, "{\"plan_id\":%" PRId64 ",\"version\":%d,\"sha256\":\"%s\"}",
             plan_id, version, hash);
    return audit_append(s, actor, "assess.rules", "assessment_rules", ids, NULL, after, e);
}

enum status assess_rules_add(struct store *s, const char *actor, int64_t plan_id,
                             const char *json_text, int *version, struct err *e)
{
    struct rules r;
    enum status st = parse_rules(json_text, &r, e);
    if (st != ST_OK)
        return st;
    /* Store in a canonical form so equal rules hash alike. */
    json_t *j = json_loads(json_text, 0, NULL);
    char *canon = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    if ((st = store_begin(s, e)) != ST_OK) {
        free(canon);
        return st;
    }
    int64_t id;
    int last = 0;
    char *old = NULL;
    if ((st = latest_rules(s, plan_id, &id, &last, &old, e)) == ST_OK) {
        free(old);
        *version = last + 1;
        st = insert_rules(s, actor, plan_id, canon, *version, &id, e);
    }
    free(canon);
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s, e);
}

/* The latest rules, storing the defaults as version 1 on first use. */
static enum status current_rules(struct store *s, const char *actor, int64_t plan_id, int64_t *id,
                                 int *version, char **text, struct err *e)
{
    enum status st = latest_rules(s, plan_id, id, version, text, e);
    if (st != ST_OK || *id)
        return st;
    if ((st = store_begin(s, e)) != ST_OK)
        return st;
    json_t *j = json_loads(DEFAULT_RULES, 0, NULL);
    char *canon = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(j);
    st = insert_rules(s, actor, plan_id, canon, 1, id, e);
    if (st != ST_OK) {
        free(canon);
        store_rollback(s);
        return st;
    }
    *version = 1;
    *text = canon;
    return store_commit(s, e);
}

enum status assess_rules_list(struct store *s, const char *actor, int64_t plan_id, json_t **out,
                              struct err *e)
{
    int64_t id;
    int version;
    char *text = NULL;
    enum status st = current_rules(s, actor, plan_id, &id, &version, &text, e);
    free(text);
    if (st != ST_OK)
        return st;
    struct store_stmt *q;
    if ((st = store_prepare(s,
                            "SELECT id, version, content, sha256, created_at, created_by FROM"
                            " assessment_rules WHERE plan_id = ? ORDER BY version DESC",
                            &q, e)) != ST_OK)
        return st;
    store_bind_int(q, 1, plan_id);
    *out = json_array();
    int row;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        json_t *rules = json_loads(store_col_text(q, 2), 0, NULL);
        json_array_append_new(
            *out,
            json_pack("{s:I, s:i, s:o, s:s, s:s, s:s}", "id", (json_int_t)store_col_int(q, 0),
                      "version", (int)store_col_int(q, 1), "rules", rules ? rules : json_null(),
                      "sha256", store_col_text(q, 3), "created_at", store_col_text(q, 4),
                      "created_by", store_col_text(q, 5)));
    }
    store_finish(q);
    return st;
}

/* ---------------------------------------------------------------- scoring */

struct dstat {
    char name[160];
    int due, on_time, late, missing;
    long ratio_sum; /* per-mille of min(1, progress / expected) over lead tasks */
    int tasks;
    int due_in_period, finished_by_due;
    int notices, answered_in_time;
    int accountability, closed_early;
};

static struct dstat *dstat_for(struct dstat **v, size_t *n, size_t *cap, const char *name,
                               size_t len)
{
    for (size_t i = 0; i < *n; i++)
        if (strlen((*v)[i].name) == len && !memcmp((*v)[i].name, name, len))
            return &(*v)[i];
    xgrow((void **)v, cap, *n + 1, sizeof **v);
    struct dstat *d = &(*v)[(*n)++];
    memset(d, 0, sizeof *d);
    memcpy(d->name, name, len < sizeof d->name ? len : sizeof d->name - 1);
    return d;
}

static int parse_range(const char *period, struct date *a, struct date *b)
{
    int y, q;
    if (!period)
        return 0;
    if (strlen(period) == 4 && sscanf(period, "%4d", &y) == 1 && y >= 2000 && y < 2200) {
        *a = (struct date){y, 1, 1};
        *b = (struct date){y, 12, 31};
        return 1;
    }
    if (strlen(period) == 7 && period[4] == '-' && period[5] == 'Q' &&
        sscanf(period, "%4d-Q%1d", &y, &q) == 2 && q >= 1 && q <= 4 && y >= 2000 && y < 2200) {
        *a = (struct date){y, 3 * q - 2, 1};
        *b = date_month_end(y, 3 * q);
        return 1;
    }
    return 0;
}

static long ratio_points(int weight, long num, long den)
{
    if (den <= 0)
        return (long)weight * 100;
    return ((long)weight * 100 * num * 2 + den) / (2 * den);
}

static json_t *line(const char *item, const char *label, const char *facts, long points)
{
    return json_pack("{s:s, s:s, s:s, s:I}", "item", item, "label", label, "facts", facts, "points",
                     (json_int_t)points);
}

static void points_text(long centi, char *out, size_t len)
{
    long a = centi < 0 ? -centi : centi;
    snprintf(out, len, "%s%ld.%02ld", centi < 0 ? "-" : "", a / 100, a % 100);
}

static int cmp_result(const void *a, const void *b)
{
    json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
    json_int_t sx = json_integer_value(json_object_get(x, "score"));
    json_int_t sy = json_integer_value(json_object_get(y, "score"));
    if (sx != sy)
        return sx > sy ? -1 : 1;
    return strcmp(json_string_value(json_object_get(x, "dept")),
                  json_string_value(json_object_get(y, "dept")));
}

static enum status compute(struct store *s, const struct calendar *cal, int64_t plan_id,
                           const struct rules *r, struct date from, struct date to,
                           json_t **results, struct err *e)
{
    struct ledger_settings ls;
    enum status st = ledger_settings_get(s, plan_id, &ls, e);
    if (st != ST_OK)
        return st;
    struct dstat *ds = NULL;
    size_t nd = 0, cap = 0;
    char fs[16], ts[16];
    date_format(from, fs, sizeof fs);
    date_format(to, ts, sizeof ts);
    /* Every reporting period ending inside the range. */
    struct ledger_period p;
    long day = date_to_days(from);
    int last = 0;
    while (st == ST_OK && !last) {
        ledger_period_of(date_from_days(day), ls.cadence, &p);
        day = date_to_days(p.end) + 1;
        last = day > date_to_days(to);
        if (date_cmp(p.end, to) > 0)
            break;
        /* Late lead reports of the period. */
        int64_t *late = NULL;
        size_t nlate = 0;
        if ((st = ledger_late_tasks(s, plan_id, p.key, &late, &nlate, e)) != ST_OK)
            break;
        struct ledger_filter f = {
            .plan_id = plan_id, .light = -1, .period = p.key, .page = 1, .per_page = -1};
        struct ledger_task_row *rows = NULL;
        size_t n = 0, total;
        char per[16];
        if (st == ST_OK)
            st = ledger_tasks(s, cal, &f, &rows, &n, &total, per, e);
        for (size_t i = 0; i < n && st == ST_OK; i++) {
            const struct ledger_task_row *t = &rows[i];
            int owes = !t->t.closed && date_cmp(t->t.start_on, p.end) <= 0;
            int is_late = ledger_ids_contain(late, nlate, t->t.id);
            int due_here = date_cmp(t->t.due_on, p.start) >= 0 && date_cmp(t->t.due_on, p.end) <= 0;
            const char *cursor = t->t.lead, *name;
            size_t len;
            while (ledger_next_name(&cursor, &name, &len)) {
                struct dstat *d = dstat_for(&ds, &nd, &cap, name, len);
                if (owes) {
                    d->due++;
                    if (t->reported && !is_late)
                        d->on_time++;
                    else if (t->reported)
                        d->late++;
                    else
                        d->missing++;
                }
                if (due_here && date_cmp(t->t.due_on, from) >= 0) {
                    d->due_in_period++;
                    d->finished_by_due += t->t.closed || t->progress >= 100;
                }
                if (last) {
                    d->tasks++;
                    long ratio = t->expected <= 0 ? 1000
                                                  : (long)(t->progress < 0 ? 0 : t->progress) *
                                                        1000 / t->expected;
                    d->ratio_sum += ratio > 1000 ? 1000 : ratio;
                }
            }
        }
        free(late);
        ledger_task_rows_free(rows, n);
    }
    /* Notices issued in the range; answered within the limit; accountability events. */
    struct store_stmt *q;
    if (st == ST_OK &&
        (st = store_prepare(s,
                            "SELECT c.name, count(*), sum(CASE WHEN n.answered_at IS NOT NULL AND"
                            " substr(n.answered_at, 1, 10) <= n.due_on THEN 1 ELSE 0 END)"
                            " FROM notices n JOIN tasks t ON t.id = n.task_id"
                            " JOIN departments d ON d.id = n.dept_id"
                            " JOIN departments c ON c.id = coalesce(d.canonical_id, d.id)"
                            " WHERE t.plan_id = ? AND n.issued_on BETWEEN ? AND ?"
                            " AND n.status <> 'escalated' GROUP BY c.name",
                            &q, e)) == ST_OK) {
        store_bind_int(q, 1, plan_id);
        store_bind_text(q, 2, fs);
        store_bind_text(q, 3, ts);
        int row;
        while ((st = store_step(q, &row, e)) == ST_OK && row) {
            const char *name = store_col_text(q, 0);
            struct dstat *d = dstat_for(&ds, &nd, &cap, name, strlen(name));
            d->notices = (int)store_col_int(q, 1);
            d->answered_in_time = (int)store_col_int(q, 2);
        }
        store_finish(q);
    }
    if (st == ST_OK &&
        (st = store_prepare(
             s,
             "SELECT c.name, count(*) FROM accountability_events a"
             " JOIN tasks t ON t.id = a.task_id JOIN departments d ON d.id = a.dept_id"
             " JOIN departments c ON c.id = coalesce(d.canonical_id, d.id)"
             " WHERE t.plan_id = ? AND a.created_on BETWEEN ? AND ? GROUP BY c.name",
             &q, e)) == ST_OK) {
        store_bind_int(q, 1, plan_id);
        store_bind_text(q, 2, fs);
        store_bind_text(q, 3, ts);
        int row;
        while ((st = store_step(q, &row, e)) == ST_OK && row) {
            const char *name = store_col_text(q, 0);
            dstat_for(&ds, &nd, &cap, name, strlen(name))->accountability =
                (int)store_col_int(q, 1);
        }
        store_finish(q);
    }
    /* Tasks closed within the range before their deadline count for each lead department. */
    if (st == ST_OK &&
        (st = store_prepare(s,
                            "SELECT c.name, count(*) FROM task_schedule ts JOIN tasks t ON"
                            " t.id = ts.task_id JOIN task_depts td ON td.task_id = t.id AND"
                            " td.role = 'lead' JOIN departments d ON d.id = td.dept_id"
                            " JOIN departments c ON c.id = coalesce(d.canonical_id, d.id)"
                            " WHERE t.plan_id = ? AND ts.closed_on BETWEEN ? AND ? AND"
                            " ts.closed_on < coalesce(ts.due_on, t.deadline, ?)"
                            " AND c.kind <> 'collective' GROUP BY c.name",
                            &q, e)) == ST_OK) {
        char end[16];
        date_format(ls.end_on, end, sizeof end);
        store_bind_int(q, 1, plan_id);
        store_bind_text(q, 2, fs);
        store_bind_text(q, 3, ts);
        store_bind_text(q, 4, end);
        int row;
        while ((st = store_step(q, &row, e)) == ST_OK && row) {
            const char *name = store_col_text(q, 0);
            dstat_for(&ds, &nd, &cap, name, strlen(name))->closed_early = (int)store_col_int(q, 1);
        }
        store_finish(q);
    }
    if (st != ST_OK) {
        free(ds);
        return st;
    }
    /* Scores with their drill-down. */
    json_t **v = xcalloc(nd + 1, sizeof *v);
    size_t nv = 0;
    for (size_t i = 0; i < nd; i++) {
        struct dstat *d = &ds[i];
        if (!d->tasks && !d->due)
            continue; /* a department that leads nothing is not assessed */
        json_t *lines = json_array();
        long score = 0, pts;
        char facts[160];
        snprintf(facts, sizeof facts, "应报 %d 次，按时 %d 次", d->due, d->on_time);
        pts = ratio_points(r->weight[0], d->on_time, d->due);
        json_array_append_new(lines, line(weight_keys[0], weight_labels[0], facts, pts));
        score += pts;
        snprintf(facts, sizeof facts, "%d 项任务，进度与序时之比平均 %ld‰", d->tasks,
                 d->tasks ? d->ratio_sum / d->tasks : 1000);
        pts = ratio_points(r->weight[1], d->ratio_sum, (long)d->tasks * 1000);
        json_array_append_new(lines, line(weight_keys[1], weight_labels[1], facts, pts));
        score += pts;
        snprintf(facts, sizeof facts, "本期到期 %d 项，按期完成 %d 项", d->due_in_period,
                 d->finished_by_due);
        pts = ratio_points(r->weight[2], d->finished_by_due, d->due_in_period);
        json_array_append_new(lines, line(weight_keys[2], weight_labels[2], facts, pts));
        score += pts;
        snprintf(facts, sizeof facts, "督办单 %d 件，按时反馈 %d 件", d->notices,
                 d->answered_in_time);
        pts = ratio_points(r->weight[3], d->answered_in_time, d->notices);
        json_array_append_new(lines, line(weight_keys[3], weight_labels[3], facts, pts));
        score += pts;
        int counts[3] = {d->accountability, d->closed_early, d->missing};
        for (int k = 0; k < 3; k++) {
            if (!counts[k] || !r->adjust[k])
                continue;
            char each[24];
            points_text(r->adjust[k], each, sizeof each);
            snprintf(facts, sizeof facts, "%d 次，每次 %s 分", counts[k], each);
            pts = (long)counts[k] * r->adjust[k];
            json_array_append_new(lines, line(adjust_keys[k], adjust_labels[k], facts, pts));
            score += pts;
        }
        char text[32];
        points_text(score, text, sizeof text);
        v[nv++] = json_pack("{s:s, s:I, s:s, s:o}", "dept", d->name, "score", (json_int_t)score,
                            "score_text", text, "lines", lines);
    }
    free(ds);
    qsort(v, nv, sizeof *v, cmp_result);
    *results = json_array();
    for (size_t i = 0; i < nv; i++) {
        size_t rank = i + 1;
        if (i && json_integer_value(json_object_get(v[i], "score")) ==
                     json_integer_value(json_object_get(v[i - 1], "score")))
            rank = (size_t)json_integer_value(json_object_get(v[i - 1], "rank"));
        json_object_set_new(v[i], "rank", json_integer((json_int_t)rank));
        json_array_append_new(*results, v[i]);
    }
    free(v);
    return ST_OK;
}

enum status assess_run(struct store *s, const struct calendar *cal, const char *actor,
                       int64_t plan_id, const char *period, int64_t *id, struct err *e)
{
    struct date from, to;
    if (!parse_range(period, &from, &to))
        return err_set(e, ST_INVALID, "period", "考核期应为季度（2020-Q2）或年度（2020）");
    if (date_cmp(to, clock_today()) >= 0)
        return err_set(e, ST_UNPROCESSABLE, "period", "考核期 %s 尚未结束", period);
    int64_t rules_id;
    int version;
    char *text = NULL;
    enum status st = current_rules(s, actor, plan_id, &rules_id, &version, &text, e);
    if (st != ST_OK)
        return st;
    struct rules r;
    st = parse_rules(text, &r, e);
    free(text);
    if (st != ST_OK)
        return st;
    json_t *results;
    if ((st = compute(s, cal, plan_id, &r, from, to, &results, e)) != ST_OK)
        return st;
    char *res = json_dumps(results, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(results);
    if ((st = store_begin(s, e)) != ST_OK) {
        free(res);
        return st;
    }
    char now[32];
    clock_now_iso(now, sizeof now);
    struct store_stmt *q;
    if ((st = store_prepare(s,
                            "INSERT INTO assessments (plan_id, rules_id, period, status, results,"
                            " created_at, created_by) VALUES (?,?,?,'draft',?,?,?) RETURNING id",
                            &q, e)) == ST_OK) {
        store_bind_int(q, 1, plan_id);
        store_bind_int(q, 2, rules_id);
        store_bind_text(q, 3, period);
        store_bind_text(q, 4, res);
        store_bind_text(q, 5, now);
        store_bind_text(q, 6, actor);
        int row;
        if ((st = store_step(q, &row, e)) == ST_OK && row)
            *id = store_col_int(q, 0);
        store_finish(q);
    }
    if (st == ST_OK) {
        char ids[32], hash[65], after[200];
        hash_sha256_hex(res, strlen(res), hash);
        snprintf(ids, sizeof ids, "%" PRId64, *id);
        snprintf(after, sizeof after, "{\"period\":\"%s\",\"rules_version\":%d,\"sha256\":\"%s\"}",
                 period, version, hash);
        st = audit_append(s, actor, "assess.run", "assessment", ids, NULL, after, e);
    }
    free(res);
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s, e);
}

enum status assess_publish(struct store *s, const char *actor, int64_t id, struct err *e)
{
    enum status st = store_begin(s, e);
    if (st != ST_OK)
        return st;
    struct store_stmt *q;
    if ((st = store_prepare(s, "SELECT status FROM assessments WHERE id = ?", &q, e)) != ST_OK)
        goto out;
    store_bind_int(q, 1, id);
    int row;
    char status[16] = "";
    if ((st = store_step(q, &row, e)) == ST_OK && row)
        snprintf(status, sizeof status, "%s", store_col_text(q, 0));
    store_finish(q);
    if (st != ST_OK)
        goto out;
    if (!status[0]) {
        st = err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的考核", id);
        goto out;
    }
    if (!strcmp(status, "published")) {
        st = err_set(e, ST_CONFLICT, NULL, "考核结果已发布，不能重复发布 (already published)");
        goto out;
    }
    char now[32];
    clock_now_iso(now, sizeof now);
    if ((st = store_prepare(s,
                            "UPDATE assessments SET status = 'published', published_at = ?,"
                            " published_by = ? WHERE id = ? AND status = 'draft'",
                            &q, e)) != ST_OK)
        goto out;
    store_bind_text(q, 1, now);
    store_bind_text(q, 2, actor);
    store_bind_int(q, 3, id);
    if ((st = store_run(q, e)) != ST_OK)
        goto out;
    {
        char ids[32];
        snprintf(ids, sizeof ids, "%" PRId64, id);
        st = audit_append(s, actor, "assess.publish", "assessment", ids, NULL, NULL, e);
    }
out:
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s, e);
}

#define ASSESS_SELECT                                                                              \
    "SELECT a.id, a.plan_id, a.period, a.status, r.version, r.content, a.results,"                 \
    " a.created_at, coalesce(a.published_at, ''), coalesce(a.published_by, '')"                    \
    " FROM assessments a JOIN assessment_rules r ON r.id = a.rules_id"

static json_t *row_json(struct store_stmt *q, int with_results)
{
    json_t *o =
        json_pack("{s:I, s:I, s:s, s:s, s:i, s:s, s:s, s:s}", "id", (json_int_t)store_col_int(q, 0),
                  "plan_id", (json_int_t)store_col_int(q, 1), "period", store_col_text(q, 2),
                  "status", store_col_text(q, 3), "rules_version", (int)store_col_int(q, 4),
                  "created_at", store_col_text(q, 7), "published_at", store_col_text(q, 8),
                  "published_by", store_col_text(q, 9));
    json_t *rules = json_loads(store_col_text(q, 5), 0, NULL);
    json_object_set_new(o, "rules", rules ? rules : json_null());
    if (with_results) {
        json_t *res = json_loads(store_col_text(q, 6), 0, NULL);
        json_object_set_new(o, "results", res ? res : json_array());
    }
    return o;
}

enum status assess_get(struct store *s, int64_t id, json_t **out, struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s, ASSESS_SELECT " WHERE a.id = ?", &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, id);
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK) {
        if (row)
            *out = row_json(q, 1);
        else
            st = err_set(e, ST_NOT_FOUND, NULL, "没有编号为 %" PRId64 " 的考核", id);
    }
    store_finish(q);
    return st;
}

enum status assess_list(struct store *s, int64_t plan_id, json_t **out, struct err *e)
{
    struct store_stmt *q;
    enum status st =
        store_prepare(s, ASSESS_SELECT " WHERE a.plan_id = ? ORDER BY a.id DESC", &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, plan_id);
    *out = json_array();
    int row;
    while ((st = store_step(q, &row, e)) == ST_OK && row)
        json_array_append_new(*out, row_json(q, 0));
    store_finish(q);
    return st;
}
