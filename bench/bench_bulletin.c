/* Bulletin generation at scale: a synthetic plan of 10,000 tasks with 24 monthly periods of
 * lead reports (240,000 rows), then one bulletin computed and rendered in all three formats.
 * Goal: < 1 s per bulletin including the xlsx. */
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_clock.h"
#include <unistd.h>

#include "auth/auth.h"
#include "base/buf.h"
#include "bulletin/bulletin.h"
#include "calendar/calendar.h"
#include "ledger/ledger.h"
#include "plan/plan.h"
#include "store/store.h"

static const char *const cn[] = {"", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十"};

static void cn_num(int v, char *out, size_t len)
{
    if (v <= 10)
        snprintf(out, len, "%s", cn[v]);
    else if (v < 20)
        snprintf(out, len, "十%s", cn[v - 10]);
    else
        snprintf(out, len, "%s十%s", cn[v / 10], v % 10 ? cn[v % 10] : "");
}

/* 10 sections × 20 sub-sections × 10 items × 5 measures = 10,000 tasks, led in turn by eight
 * departments. */
static char *synthetic(size_t *len)
{
    static const char *const depts[] = {
        "区科学技术局",   "区经济发展局",   "区人力资源部",         "区财政局",
        "区服务业促进局", "区行政服务中心", "区国土规划建设管理局", "区社会事务局"};
    struct buf b;
    buf_init(&b, (size_t)64 << 20);
    int ok = buf_puts(&b, "新开〔2020〕99号\n2020年1月1日\n某区万项任务压力测试方案\n") == ST_OK;
    char n1[16], n2[16];
    int k = 0;
    for (int s = 1; s <= 10 && ok; s++) {
        cn_num(s, n1, sizeof n1);
        ok = buf_printf(&b, "%s、第%d部分\n", n1, s) == ST_OK;
        for (int c = 1; c <= 20 && ok; c++) {
            cn_num(c, n2, sizeof n2);
            ok = buf_printf(&b, "(%s)重点领域%d\n", n2, c) == ST_OK;
            for (int i = 1; i <= 10 && ok; i++, k++)
                ok = buf_printf(&b,
                                "%d.推进第%d项工作。一是完善机制。二是建设平台。三是培育主体。"
                                "四是优化服务。五是强化考核。(牵头部门:%s;配合部门:%s)\n",
                                i, k, depts[k % 8], depts[(k + 3) % 8]) == ST_OK;
        }
    }
    if (!ok) {
        buf_cleanup(&b);
        return NULL;
    }
    *len = b.len;
    return buf_detach(&b);
}

int main(void)
{
    char dir[] = "/tmp/hqd-bench-bulletin-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char db[128];
    snprintf(db, sizeof db, "%s/hqd.db", dir);
    setenv("HQD_NOW", "2022-01-20T02:00:00Z", 1);
    struct store *s;
    struct err e = {0};
    size_t len;
    char *text = synthetic(&len);
    struct plan *p;
    int64_t plan_id, uid;
    int created;
    double t0 = bench_seconds();
    if (!text || store_open(db, &s, &e) != ST_OK ||
        plan_parse(text, len, "synthetic", &p, &e) != ST_OK ||
        plan_import(s, p, "synthetic", "bench", &plan_id, &created, &e) != ST_OK) {
        fprintf(stderr, "bench: setup failed: %s %s\n", e.where, e.msg);
        return 1;
    }
    size_t tasks = plan_task_count(p);
    plan_free(p);
    free(text);
    struct ledger_settings ls;
    if (ledger_settings_get(s, plan_id, &ls, &e) != ST_OK)
        return 1;
    ls.start_on = (struct date){2020, 1, 1};
    ls.end_on = (struct date){2021, 12, 31};
    if (ledger_settings_set(s, "bench", &ls, &e) != ST_OK ||
        auth_user_add(s, "bench", "clerk", ROLE_DEPT, "区科学技术局", "bench-password", &uid, &e) !=
            ST_OK) {
        fprintf(stderr, "bench: %s\n", e.msg);
        return 1;
    }
    /* 24 periods of lead reports, written directly in one transaction (the API path is
     * measured by the load test). */
    struct store_stmt *q;
    if (store_begin(s, &e) != ST_OK ||
        store_prepare(
            s,
            "INSERT INTO reports (task_id, dept_id, role, period, version, progress, done,"
            " problems, next_steps, late, submitted_by, submitted_at)"
            " SELECT t.id, td.dept_id, 'lead', ?, 1, ?, '按计划推进', '', '', ?, ?, ?"
            " FROM tasks t JOIN task_depts td ON td.task_id = t.id AND td.role = 'lead'"
            " WHERE t.plan_id = ? AND (t.id + ?) % 7 <> 0",
            &q, &e) != ST_OK)
        return 1;
    for (int m = 0; m < 24; m++) {
        char per[16];
        snprintf(per, sizeof per, "%04d-%02d", 2020 + m / 12, m % 12 + 1);
        store_bind_text(q, 1, per);
        store_bind_int(q, 2, (m + 1) * 4);
        store_bind_int(q, 3, m % 5 == 0);
        store_bind_int(q, 4, uid);
        store_bind_text(q, 5, "2022-01-20T02:00:00Z");
        store_bind_int(q, 6, plan_id);
        store_bind_int(q, 7, m);
        if (store_run(q, &e) != ST_OK)
            return 1;
    }
    /* Their heads, as a submission through the ledger keeps them. */
    if (store_exec(s,
                   "INSERT INTO report_heads (task_id, role, period, progress, late, report_id)"
                   " SELECT task_id, role, period, progress, late, id FROM reports",
                   &e) != ST_OK ||
        store_commit(s, &e) != ST_OK)
        return 1;
    double setup = bench_seconds() - t0;
    struct calendar *cal;
    if (calendar_load(s, &cal, &e) != ST_OK)
        return 1;
    double best = 1e9, best_compute = 0;
    size_t sizes[3] = {0, 0, 0};
    for (int rep = 0; rep < 3; rep++) {
        double a = bench_seconds();
        json_t *content;
        if (bulletin_compute(s, cal, plan_id, "2021-12", &content, &e) != ST_OK) {
            fprintf(stderr, "bench: %s\n", e.msg);
            return 1;
        }
        double b = bench_seconds();
        for (int f = 0; f < 3; f++) {
            char *data;
            if (bulletin_render(content, (enum bulletin_format)f, &data, &sizes[f], &e) != ST_OK)
                return 1;
            free(data);
        }
        json_decref(content);
        double t = bench_seconds() - a;
        if (t < best)
            best = t, best_compute = b - a;
    }
    printf("bulletin  %zu tasks, 24 periods of reports (setup %.1f s)\n", tasks, setup);
    printf("bulletin  compute %.3f s + render html/xlsx/docx %.3f s = %.3f s per bulletin "
           "(html %zu KB, xlsx %zu KB, docx %zu KB); goal < 1 s: %.2fx %s\n",
           best_compute, best - best_compute, best, sizes[0] >> 10, sizes[1] >> 10, sizes[2] >> 10,
           1.0 / best, best < 1.0 ? "ok" : "ABOVE GOAL");
    calendar_free(cal);
    store_close(s);
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : 1;
}
