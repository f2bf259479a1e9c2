#include "export/export.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "base/buf.h"

static void temp_path(const char *path, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s.tmp-%ld", path, (long)getpid());
}

static enum status finish(const char *tmp, const char *path, struct err *e)
{
    if (rename(tmp, path) != 0) {
        int saved = errno;
        unlink(tmp);
        return err_set(e, ST_IO, path, "无法写入文件：%s", strerror(saved));
    }
    return ST_OK;
}

/* A money cell: whole fen, optionally negative. */
static int fen_of(const char *v, int64_t *out)
{
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (end == v || *end || errno)
        return 0;
    *out = x;
    return 1;
}

/* Excel keeps every number as a binary double, so an amount crosses into the workbook as the
 * double nearest to fen / 100 — exactly what Excel stores when 120000.00 is typed in, and
 * shown back to the fen for any amount below 10^13 元. No computation happens on it here. */
static double yuan_number(int64_t fen)
{
    return (double)fen / 100;
}

enum status export_xlsx(const struct export_table *t, const char *path, struct err *e)
{
    char tmp[4096];
    temp_path(path, tmp, sizeof tmp);
    lxw_workbook_options opts = {.constant_memory = LXW_FALSE, .tmpdir = NULL};
    lxw_workbook *wb = workbook_new_opt(tmp, &opts);
    if (!wb)
        return err_set(e, ST_IO, path, "无法创建工作簿 (cannot create workbook)");
    lxw_worksheet *ws = workbook_add_worksheet(wb, t->sheet);

    lxw_format *head = workbook_add_format(wb);
    format_set_bold(head);
    format_set_font_name(head, "黑体");
    format_set_font_size(head, 11);
    format_set_bg_color(head, 0xDCE6F1);
    format_set_border(head, LXW_BORDER_THIN);
    format_set_align(head, LXW_ALIGN_CENTER);
    format_set_align(head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_text_wrap(head);

    lxw_format *body = workbook_add_format(wb);
    format_set_font_name(body, "宋体");
    format_set_font_size(body, 10);
    format_set_border(body, LXW_BORDER_THIN);
    format_set_align(body, LXW_ALIGN_VERTICAL_TOP);
    format_set_text_wrap(body);

    for (size_t c = 0; c < t->n_cols; c++) {
        worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, t->cols[c].width, NULL);
        worksheet_write_string(ws, 0, (lxw_col_t)c, t->cols[c].header, head);
    }
    lxw_format *amount = workbook_add_format(wb);
    format_set_font_name(amount, "宋体");
    format_set_font_size(amount, 10);
    format_set_border(amount, LXW_BORDER_THIN);
    format_set_align(amount, LXW_ALIGN_VERTICAL_TOP);
    format_set_num_format(amount, "#,##0.00");
    lxw_format *total = workbook_add_format(wb);
    format_set_bold(total);
    format_set_border(total, LXW_BORDER_THIN);
    format_set_num_format(total, "#,##0.00");

    worksheet_set_row(ws, 0, 24, NULL);
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < t->n_cols; c++) {
            const char *v = t->cells[r * t->n_cols + c];
            int64_t fen;
            if (t->cols[c].money && v && fen_of(v, &fen))
                worksheet_write_number(ws, (lxw_row_t)(r + 1), (lxw_col_t)c, yuan_number(fen),
                                       amount);
            else
                worksheet_write_string(ws, (lxw_row_t)(r + 1), (lxw_col_t)c, v ? v : "", body);
        }
    }
    if (t->totals && t->n_rows) {
        lxw_row_t last = (lxw_row_t)t->n_rows + 1;
        worksheet_write_string(ws, last, 0, "合计", total);
        for (size_t c = 1; c < t->n_cols; c++) {
            if (!t->cols[c].money) {
                worksheet_write_blank(ws, last, (lxw_col_t)c, total);
                continue;
            }
            /* SUBTOTAL(109, …) sums the rows the filter shows; the cached result is the exact
             * sum in fen, for readers that do not recalculate. */
            int64_t sum = 0, fen;
            for (size_t r = 0; r < t->n_rows; r++)
                if (t->cells[r * t->n_cols + c] && fen_of(t->cells[r * t->n_cols + c], &fen))
                    sum += fen;
            char col[8], formula[64];
            lxw_col_to_name(col, (lxw_col_t)c, LXW_FALSE);
            snprintf(formula, sizeof formula, "=SUBTOTAL(109,%s2:%s%u)", col, col,
                     (unsigned)t->n_rows + 1);
            worksheet_write_formula_num(ws, last, (lxw_col_t)c, formula, total, yuan_number(sum));
        }
    }
    worksheet_freeze_panes(ws, 1, 0);
    if (t->n_rows)
        worksheet_autofilter(ws, 0, 0, (lxw_row_t)t->n_rows, (lxw_col_t)(t->n_cols - 1));
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9); /* A4 */
    worksheet_repeat_rows(ws, 0, 0);
    worksheet_fit_to_pages(ws, 1, 0);
    if (t->title)
        worksheet_set_header(ws, t->title);

    lxw_error rc = workbook_close(wb);
    if (rc != LXW_NO_ERROR) {
        unlink(tmp);
        return err_set(e, ST_IO, path, "写入工作簿失败：%s", lxw_strerror(rc));
    }
    return finish(tmp, path, e);
}

static int csv_field(FILE *f, const char *v)
{
    if (!v)
        v = "";
    if (!strpbrk(v, ",\"\r\n"))
        return fputs(v, f) < 0 ? -1 : 0;
    if (fputc('"', f) == EOF)
        return -1;
    for (const char *p = v; *p; p++) {
        if (*p == '"' && fputc('"', f) == EOF)
            return -1;
        if (fputc(*p, f) == EOF)
            return -1;
    }
    return fputc('"', f) == EOF ? -1 : 0;
}

/* fen as 元 with two decimals and no separators ("-1234.50"), exactly. */
static const char *plain_yuan(int64_t fen, char *out, size_t outlen)
{
    uint64_t u = fen < 0 ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    snprintf(out, outlen, "%s%" PRIu64 ".%02" PRIu64, fen < 0 ? "-" : "", u / 100, u % 100);
    return out;
}

enum status export_csv(const struct export_table *t, const char *path, struct err *e)
{
    char tmp[4096];
    temp_path(path, tmp, sizeof tmp);
    FILE *f = fopen(tmp, "wb");
    if (!f)
        return err_set(e, ST_IO, path, "无法创建文件：%s", strerror(errno));
    int bad = fputs("\xEF\xBB\xBF", f) < 0;
    for (size_t c = 0; c < t->n_cols && !bad; c++)
        bad = (c && fputc(',', f) == EOF) || csv_field(f, t->cols[c].header);
    bad = bad || fputs("\r\n", f) < 0;
    for (size_t r = 0; r < t->n_rows && !bad; r++) {
        for (size_t c = 0; c < t->n_cols && !bad; c++) {
            const char *v = t->cells[r * t->n_cols + c];
            char yuan[32];
            int64_t fen;
            if (t->cols[c].money && v && fen_of(v, &fen))
                v = plain_yuan(fen, yuan, sizeof yuan);
            bad = (c && fputc(',', f) == EOF) || csv_field(f, v);
        }
        bad = bad || fputs("\r\n", f) < 0;
    }
    for (size_t c = 0; t->totals && t->n_rows && c < t->n_cols && !bad; c++) {
        int64_t sum = 0, fen;
        for (size_t r = 0; r < t->n_rows && t->cols[c].money; r++)
            if (t->cells[r * t->n_cols + c] && fen_of(t->cells[r * t->n_cols + c], &fen))
                sum += fen;
        char yuan[32];
        bad = (c && fputc(',', f) == EOF) ||
              csv_field(f, !c                 ? "合计"
                           : t->cols[c].money ? plain_yuan(sum, yuan, sizeof yuan)
                                              : "");
        bad = bad || (c + 1 == t->n_cols && fputs("\r\n", f) < 0);
    }
    if (fclose(f) != 0 || bad) {
        unlink(tmp);
        return err_set(e, ST_IO, path, "写入 CSV 失败 (write failed)");
    }
    return finish(tmp, path, e);
}

enum status export_read_back(const char *path, size_t max, char **data, size_t *len, struct err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        unlink(path);
        return err_set(e, ST_IO, NULL, "无法读取生成的文件：%s", strerror(errno));
    }
    struct buf b;
    buf_init(&b, max);
    char chunk[65536];
    size_t r;
    enum status st = ST_OK;
    while ((r = fread(chunk, 1, sizeof chunk, f)) > 0 && st == ST_OK)
        st = buf_append(&b, chunk, r);
    int failed = ferror(f);
    fclose(f);
    unlink(path);
    if (st != ST_OK || failed) {
        buf_cleanup(&b);
        return st != ST_OK ? err_set(e, st, NULL, "生成的文件过大 (too large)")
                           : err_set(e, ST_IO, NULL, "无法读取生成的文件");
    }
    *len = b.len;
    *data = buf_detach(&b);
    return ST_OK;
}

enum status export_xlsx_bytes(const struct export_table *t, char **data, size_t *len, struct err *e)
{
    char path[] = "/tmp/hqd-export-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0)
        return err_set(e, ST_IO, NULL, "无法创建临时文件：%s", strerror(errno));
    close(fd);
    enum status st = export_xlsx(t, path, e);
    if (st != ST_OK) {
        unlink(path);
        return st;
    }
    return export_read_back(path, (size_t)256 << 20, data, len, e);
}
