#include "export/export.h"

#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "base/buf.h"
#include "base/xalloc.h"

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

/* The body rows one worksheet holds: Excel's 1,048,576 rows less the header and the 合计 row.
 * A longer table goes on in a second sheet (政策匹配 (2)…), each with its header. */
#define SHEET_ROWS ((size_t)1048576 - 2)
/* Past this many rows the workbook is written in libxlsxwriter's constant-memory mode (rows
 * straight to the file, strings inline): below it, cells are held until the close and the
 * strings shared, as most writers do. */
#define STREAM_ROWS ((size_t)100000)

/* Rows are spooled to a temporary file as they come and the workbook is written at the close,
 * when the count is known: the autofilter must be set before the rows in constant-memory
 * mode, and a sheet's range is known only then. */
struct export_writer {
    char path[4096], tmp[4096];
    const struct export_column *cols;
    size_t n_cols;
    const char *sheet, *title;
    int totals;
    FILE *spool;
    size_t n_rows;     /* spooled */
    size_t sheet_rows; /* body rows a sheet takes */
    size_t stream_rows;
    int spool_failed;
    lxw_workbook *wb;
    lxw_worksheet *ws;
    lxw_format *head, *body, *amount, *total;
    size_t sheets, rows; /* rows in the current sheet */
    int64_t *sums;       /* of the money columns, in the current sheet */
    lxw_error rc;        /* the first error libxlsxwriter gave */
};

static void keep_error(struct export_writer *w, lxw_error rc)
{
    if (rc != LXW_NO_ERROR && w->rc == LXW_NO_ERROR)
        w->rc = rc;
}

/* The current sheet's 合计 row (its filter and page setup were set at its start). */
static void sheet_finish(struct export_writer *w)
{
    lxw_worksheet *ws = w->ws;
    if (!w->totals || !w->rows)
        return;
    lxw_row_t last = (lxw_row_t)w->rows + 1;
    keep_error(w, worksheet_write_string(ws, last, 0, "合计", w->total));
    for (size_t c = 1; c < w->n_cols; c++) {
        if (!w->cols[c].money) {
            keep_error(w, worksheet_write_blank(ws, last, (lxw_col_t)c, w->total));
            continue;
        }
        /* SUBTOTAL(109, …) sums the rows the filter shows; the cached result is the exact sum
         * in fen, for readers that do not recalculate. */
        char col[8], formula[64];
        lxw_col_to_name(col, (lxw_col_t)c, LXW_FALSE);
        snprintf(formula, sizeof formula, "=SUBTOTAL(109,%s2:%s%u)", col, col,
                 (unsigned)w->rows + 1);
        keep_error(w, worksheet_write_formula_num(ws, last, (lxw_col_t)c, formula, w->total,
                                                  yuan_number(w->sums[c])));
    }
}

/* A new sheet for the next rows (n of them): header, widths, filter, page setup. */
static void sheet_start(struct export_writer *w, size_t rows)
{
    char name[64];
    if (w->sheets++)
        snprintf(name, sizeof name, "%s (%zu)", w->sheet, w->sheets);
    else
        snprintf(name, sizeof name, "%s", w->sheet);
    w->ws = workbook_add_worksheet(w->wb, name);
    if (!w->ws) {
        keep_error(w, LXW_ERROR_MEMORY_MALLOC_FAILED);
        return;
    }
    lxw_worksheet *ws = w->ws;
    w->rows = 0;
    memset(w->sums, 0, w->n_cols * sizeof *w->sums);
    if (rows)
        keep_error(w, worksheet_autofilter(ws, 0, 0, (lxw_row_t)rows, (lxw_col_t)(w->n_cols - 1)));
    worksheet_freeze_panes(ws, 1, 0);
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9); /* A4 */
    keep_error(w, worksheet_repeat_rows(ws, 0, 0));
    worksheet_fit_to_pages(ws, 1, 0);
    if (w->title)
        keep_error(w, worksheet_set_header(ws, w->title));
    keep_error(w, worksheet_set_row(ws, 0, 24, NULL));
    for (size_t c = 0; c < w->n_cols; c++) {
        keep_error(w, worksheet_set_column(ws, (lxw_col_t)c, (lxw_col_t)c, w->cols[c].width, NULL));
        keep_error(w, worksheet_write_string(ws, 0, (lxw_col_t)c, w->cols[c].header, w->head));
    }
}

static lxw_format *cell_format(lxw_workbook *wb, int bold, int head)
{
    lxw_format *f = workbook_add_format(wb);
    if (bold)
        format_set_bold(f);
    format_set_font_name(f, head ? "黑体" : "宋体");
    format_set_font_size(f, head ? 11 : 10);
    format_set_border(f, LXW_BORDER_THIN);
    return f;
}

enum status export_writer_open(const char *path, const char *sheet, const char *title,
                               const struct export_column *cols, size_t n_cols, int totals,
                               struct export_writer **out, struct err *e)
{
    FILE *spool = tmpfile();
    if (!spool)
        return err_set(e, ST_IO, path, "无法创建临时文件：%s", strerror(errno));
    struct export_writer *w = xcalloc(1, sizeof *w);
    snprintf(w->path, sizeof w->path, "%s", path);
    temp_path(path, w->tmp, sizeof w->tmp);
    w->cols = cols;
    w->n_cols = n_cols;
    w->sheet = sheet;
    w->title = title;
    w->totals = totals;
    w->spool = spool;
    w->sheet_rows = SHEET_ROWS;
    w->stream_rows = STREAM_ROWS;
    w->sums = xcalloc(n_cols ? n_cols : 1, sizeof *w->sums);
    *out = w;
    return ST_OK;
}

/* A spooled cell: its length (UINT32_MAX: NULL) and bytes. */
void export_writer_row(struct export_writer *w, const char *const *cells)
{
    for (size_t c = 0; c < w->n_cols && !w->spool_failed; c++) {
        size_t len = cells[c] ? strlen(cells[c]) : 0;
        uint32_t n = cells[c] && len < UINT32_MAX ? (uint32_t)len : UINT32_MAX;
        if (fwrite(&n, sizeof n, 1, w->spool) != 1 ||
            (n != UINT32_MAX && n && fwrite(cells[c], 1, n, w->spool) != n))
            w->spool_failed = 1;
    }
    w->n_rows++;
}

void export_writer_sheet_rows(struct export_writer *w, size_t rows)
{
    if (rows > 0 && rows <= SHEET_ROWS)
        w->sheet_rows = rows;
}

void export_writer_stream_rows(struct export_writer *w, size_t rows)
{
    w->stream_rows = rows;
}

/* Writes one spooled row (cell holds a growing buffer); 0 if the spool cannot be read. */
static int write_row(struct export_writer *w, char **cell, size_t *cap)
{
    lxw_row_t r = (lxw_row_t)++w->rows;
    for (size_t c = 0; c < w->n_cols; c++) {
        uint32_t n;
        if (fread(&n, sizeof n, 1, w->spool) != 1)
            return 0;
        const char *v = NULL;
        if (n != UINT32_MAX) {
            if ((size_t)n + 1 > *cap) {
                *cap = (size_t)n + 1;
                *cell = xrealloc(*cell, *cap);
            }
            if (n && fread(*cell, 1, n, w->spool) != n)
                return 0;
            (*cell)[n] = '\0';
            v = *cell;
        }
        int64_t fen;
        if (w->cols[c].money && v && fen_of(v, &fen)) {
            w->sums[c] += fen;
            keep_error(w,
                       worksheet_write_number(w->ws, r, (lxw_col_t)c, yuan_number(fen), w->amount));
        } else {
            keep_error(w, worksheet_write_string(w->ws, r, (lxw_col_t)c, v ? v : "", w->body));
        }
    }
    return 1;
}

/* The workbook from the spool, a sheet at a time. */
static enum status write_workbook(struct export_writer *w, struct err *e)
{
    lxw_workbook_options opts = {.constant_memory = w->n_rows > w->stream_rows, .tmpdir = NULL};
    w->wb = workbook_new_opt(w->tmp, &opts);
    if (!w->wb)
        return err_set(e, ST_IO, w->path, "无法创建工作簿 (cannot create workbook)");
    w->head = cell_format(w->wb, 1, 1);
    format_set_bg_color(w->head, 0xDCE6F1);
    format_set_align(w->head, LXW_ALIGN_CENTER);
    format_set_align(w->head, LXW_ALIGN_VERTICAL_CENTER);
    format_set_text_wrap(w->head);
    w->body = cell_format(w->wb, 0, 0);
    format_set_align(w->body, LXW_ALIGN_VERTICAL_TOP);
    format_set_text_wrap(w->body);
    w->amount = cell_format(w->wb, 0, 0);
    format_set_align(w->amount, LXW_ALIGN_VERTICAL_TOP);
    format_set_num_format(w->amount, "#,##0.00");
    w->total = cell_format(w->wb, 1, 0);
    format_set_num_format(w->total, "#,##0.00");
    char *cell = NULL;
    size_t cap = 0, left = w->n_rows;
    int read_ok = fflush(w->spool) == 0 && fseek(w->spool, 0, SEEK_SET) == 0;
    do {
        size_t rows = left < w->sheet_rows ? left : w->sheet_rows;
        sheet_start(w, rows);
        for (size_t r = 0; r < rows && read_ok && w->ws; r++)
            read_ok = write_row(w, &cell, &cap);
        if (w->ws)
            sheet_finish(w);
        left -= rows;
    } while (left > 0 && read_ok && w->ws);
    free(cell);
    keep_error(w, workbook_close(w->wb));
    if (!read_ok)
        return err_set(e, ST_IO, w->path, "无法读回暂存的表格行 (spool read failed)");
    if (w->rc != LXW_NO_ERROR)
        return err_set(e, ST_IO, w->path, "写入工作簿失败：%s", lxw_strerror(w->rc));
    return ST_OK;
}

enum status export_writer_close(struct export_writer *w, int keep, struct err *e)
{
    enum status st = ST_OK;
    if (keep && w->spool_failed)
        st = err_set(e, ST_IO, w->path, "无法暂存表格行（磁盘已满？）(spool write failed)");
    else if (keep)
        st = write_workbook(w, e);
    if (keep && st == ST_OK)
        st = finish(w->tmp, w->path, e);
    else if (w->wb)
        unlink(w->tmp);
    fclose(w->spool);
    free(w->sums);
    free(w);
    return st;
}

enum status export_xlsx(const struct export_table *t, const char *path, struct err *e)
{
    struct export_writer *w;
    enum status st =
        export_writer_open(path, t->sheet, t->title, t->cols, t->n_cols, t->totals, &w, e);
    if (st != ST_OK)
        return st;
    for (size_t r = 0; r < t->n_rows; r++)
        export_writer_row(w, t->cells + r * t->n_cols);
    return export_writer_close(w, 1, e);
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

enum status export_writer_close_bytes(struct export_writer *w, char **data, size_t *len,
                                      struct err *e)
{
    char path[] = "/tmp/hqd-export-XXXXXX";
    int fd = mkstemp(path);
    if (fd < 0) {
        int saved = errno;
        enum status st = export_writer_close(w, 0, e); /* keeps nothing */
        return st != ST_OK ? st : err_set(e, ST_IO, NULL, "无法创建临时文件：%s", strerror(saved));
    }
    close(fd);
    snprintf(w->path, sizeof w->path, "%s", path);
    temp_path(path, w->tmp, sizeof w->tmp);
    enum status st = export_writer_close(w, 1, e);
    if (st != ST_OK) {
        unlink(path);
        return st;
    }
    return export_read_back(path, (size_t)256 << 20, data, len, e);
}

enum status export_xlsx_bytes(const struct export_table *t, char **data, size_t *len, struct err *e)
{
    struct export_writer *w;
    enum status st =
        export_writer_open("memory.xlsx", t->sheet, t->title, t->cols, t->n_cols, t->totals, &w, e);
    if (st != ST_OK)
        return st;
    for (size_t r = 0; r < t->n_rows; r++)
        export_writer_row(w, t->cells + r * t->n_cols);
    return export_writer_close_bytes(w, data, len, e);
}
