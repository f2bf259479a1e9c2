/* The 任务分解表 (task breakdown table) of a stored plan, as xlsx or csv. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "export/export.h"
#include "plan/plan.h"

static const struct export_column breakdown_columns[] = {
    {"序号", 6, 0},      {"条目", 14, 0},     {"重点任务", 24, 0}, {"具体措施", 70, 0},
    {"牵头单位", 18, 0}, {"配合单位", 24, 0}, {"完成时限", 16, 0}, {"涉及指标", 20, 0},
};
#define N_COLS (sizeof breakdown_columns / sizeof breakdown_columns[0])

enum status plan_export_breakdown(struct store *s, int64_t plan_id, const char *format,
                                  const char *path, struct err *e)
{
    int xlsx = strcmp(format, "xlsx") == 0;
    if (!xlsx && strcmp(format, "csv") != 0)
        return err_set(e, ST_INVALID, "--format", "不支持的格式“%s”，可选 xlsx 或 csv", format);
    struct plan_summary *sum;
    enum status st = plan_get(s, plan_id, &sum, e);
    if (st != ST_OK)
        return st;
    struct plan_task_row *rows;
    size_t n;
    struct plan_task_filter filter = {.plan_id = plan_id};
    if ((st = plan_tasks(s, &filter, &rows, &n, e)) != ST_OK) {
        plan_summaries_free(sum, 1);
        return st;
    }
    const char **cells = xcalloc(n * N_COLS + 1, sizeof *cells);
    char **owned = xcalloc(n * 2 + 1, sizeof *owned);
    for (size_t i = 0; i < n; i++) {
        const struct plan_task_row *r = &rows[i];
        const char **row = cells + i * N_COLS;
        char seq[32];
        snprintf(seq, sizeof seq, "%lld", (long long)r->seq);
        owned[2 * i] = xstrdup(seq);
        row[0] = owned[2 * i];
        row[1] = r->path;
        row[2] = r->item_title;
        row[3] = r->text;
        row[4] = r->lead;
        row[5] = r->co;
        if (r->deadline_text) {
            size_t len = strlen(r->deadline_text) + 32;
            owned[2 * i + 1] = xmalloc(len);
            if (r->deadline)
                snprintf(owned[2 * i + 1], len, "%s（%s）", r->deadline, r->deadline_text);
            else
                snprintf(owned[2 * i + 1], len, "%s", r->deadline_text);
            row[6] = owned[2 * i + 1];
        }
        row[7] = r->figures;
    }
    char caption[512];
    snprintf(caption, sizeof caption, "&C%s%s%s 任务分解表", sum->title, sum->doc_number ? " " : "",
             sum->doc_number ? sum->doc_number : "");
    struct export_table t = {
        .sheet = "任务分解表",
        .title = caption,
        .cols = breakdown_columns,
        .n_cols = N_COLS,
        .cells = cells,
        .n_rows = n,
    };
    st = xlsx ? export_xlsx(&t, path, e) : export_csv(&t, path, e);
    for (size_t i = 0; i < n * 2; i++)
        free(owned[i]);
    free(owned);
    free(cells);
    plan_task_rows_free(rows, n);
    plan_summaries_free(sum, 1);
    return st;
}
