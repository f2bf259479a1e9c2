#include "export/export.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

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
    worksheet_set_row(ws, 0, 24, NULL);
    for (size_t r = 0; r < t->n_rows; r++) {
        for (size_t c = 0; c < t->n_cols; c++) {
            const char *v = t->cells[r * t->n_cols + c];
            worksheet_write_string(ws, (lxw_row_t)(r + 1), (lxw_col_t)c, v ? v : "", body);
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
        for (size_t c = 0; c < t->n_cols && !bad; c++)
            bad = (c && fputc(',', f) == EOF) || csv_field(f, t->cells[r * t->n_cols + c]);
        bad = bad || fputs("\r\n", f) < 0;
    }
    if (fclose(f) != 0 || bad) {
        unlink(tmp);
        return err_set(e, ST_IO, path, "写入 CSV 失败 (write failed)");
    }
    return finish(tmp, path, e);
}
