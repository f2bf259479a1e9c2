/* Human-readable tables for the terminal; widths count CJK characters as two cells. */
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "base/xalloc.h"
#include "cli/cli_int.h"

static void print_cell(FILE *out, const char *s, size_t width, int pad);
static void print_widths(const struct cli_table *t, size_t *w);
static void print_head(const struct cli_table *t, const size_t *w, FILE *out);
static void print_row(const struct cli_table *t, const char *const *row, const size_t *w,
                      FILE *out);

void cli_table_add(struct cli_table *t, const char *const *row)
{
    if (t->widths) { /* streaming, its widths set: straight out */
        print_row(t, row, t->widths, t->stream);
        return;
    }
    xgrow((void **)&t->cells, &t->cap_rows, (t->n_rows + 1) * t->n_cols, sizeof *t->cells);
    for (size_t c = 0; c < t->n_cols; c++)
        t->cells[t->n_rows * t->n_cols + c] = xstrdup(row[c] ? row[c] : "");
    t->n_rows++;
    if (t->stream && t->n_rows == CLI_TABLE_STREAM_ROWS) {
        /* each column its widest: the rows to come may need it (and are cut to it, as
         * any table's are) */
        t->widths = xcalloc(t->n_cols, sizeof *t->widths);
        print_widths(t, t->widths);
        for (size_t c = 0; c < t->n_cols; c++)
            if (t->max_width && t->max_width[c])
                t->widths[c] = (size_t)t->max_width[c];
        print_head(t, t->widths, t->stream);
        for (size_t r = 0; r < t->n_rows; r++)
            print_row(t, t->cells + r * t->n_cols, t->widths, t->stream);
        for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
            free((char *)t->cells[i]);
        t->n_rows = 0;
    }
}

void cli_table_free(struct cli_table *t)
{
    for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
        free((char *)t->cells[i]);
    free(t->cells);
    free(t->widths);
    t->cells = NULL;
    t->widths = NULL;
    t->n_rows = t->cap_rows = 0;
}

/* Prints s into exactly width cells: cut with … when too wide, padded with spaces. */
static void print_cell(FILE *out, const char *s, size_t width, int pad)
{
    size_t len = strlen(s), i = 0, used = 0;
    size_t total = utf8_width(s);
    size_t limit = total > width ? width - 1 : width;
    while (i < len) {
        size_t at = i;
        int32_t cp = utf8_decode(s, len, &i);
        if (cp == '\n' || cp == '\t')
            cp = ' ';
        size_t w = cp < 0 ? 1 : (size_t)utf8_cp_width((uint32_t)cp);
        if (used + w > limit)
            break;
        if (cp == ' ' && (s[at] == '\n' || s[at] == '\t'))
            fputc(' ', out);
        else
            fwrite(s + at, 1, i - at, out);
        used += w;
    }
    if (total > width) {
        fputs("…", out);
        used++;
    }
    if (pad)
        for (; used < width; used++)
            fputc(' ', out);
}

/* Each column as wide as its widest cell (or header), up to its max_width. */
static void print_widths(const struct cli_table *t, size_t *w)
{
    for (size_t c = 0; c < t->n_cols; c++) {
        w[c] = utf8_width(t->headers[c]);
        for (size_t r = 0; r < t->n_rows; r++) {
            size_t cw = utf8_width(t->cells[r * t->n_cols + c]);
            if (cw > w[c])
                w[c] = cw;
        }
        if (t->max_width && t->max_width[c] && w[c] > (size_t)t->max_width[c])
            w[c] = (size_t)t->max_width[c];
    }
}

static void print_head(const struct cli_table *t, const size_t *w, FILE *out)
{
    for (size_t c = 0; c < t->n_cols; c++) {
        print_cell(out, t->headers[c], w[c], c + 1 < t->n_cols);
        fputs(c + 1 < t->n_cols ? "  " : "\n", out);
    }
    for (size_t c = 0; c < t->n_cols; c++) {
        for (size_t k = 0; k < w[c]; k++)
            fputc('-', out);
        fputs(c + 1 < t->n_cols ? "  " : "\n", out);
    }
}

static void print_row(const struct cli_table *t, const char *const *row, const size_t *w, FILE *out)
{
    for (size_t c = 0; c < t->n_cols; c++) {
        print_cell(out, row[c] ? row[c] : "", w[c], c + 1 < t->n_cols);
        fputs(c + 1 < t->n_cols ? "  " : "\n", out);
    }
}

void cli_table_print(const struct cli_table *t, FILE *out)
{
    if (t->widths) { /* streamed: the head and the rows are out already */
        for (size_t r = 0; r < t->n_rows; r++)
            print_row(t, t->cells + r * t->n_cols, t->widths, out);
        return;
    }
    size_t *w = xcalloc(t->n_cols, sizeof *w);
    print_widths(t, w);
    print_head(t, w, out);
    for (size_t r = 0; r < t->n_rows; r++)
        print_row(t, t->cells + r * t->n_cols, w, out);
    free(w);
}
