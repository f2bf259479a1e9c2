/* Human-readable tables for the terminal; widths count CJK characters as two cells. */
#include <stdlib.h>
#include <string.h>

#include "base/utf8.h"
#include "base/xalloc.h"
#include "cli/cli_int.h"

void cli_table_add(struct cli_table *t, const char *const *row)
{
    xgrow((void **)&t->cells, &t->cap_rows, (t->n_rows + 1) * t->n_cols, sizeof *t->cells);
    for (size_t c = 0; c < t->n_cols; c++)
        t->cells[t->n_rows * t->n_cols + c] = xstrdup(row[c] ? row[c] : "");
    t->n_rows++;
}

void cli_table_free(struct cli_table *t)
{
    for (size_t i = 0; i < t->n_rows * t->n_cols; i++)
        free((char *)t->cells[i]);
    free(t->cells);
    t->cells = NULL;
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

void cli_table_print(const struct cli_table *t, FILE *out)
{
    size_t *w = xcalloc(t->n_cols, sizeof *w);
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
    for (size_t c = 0; c < t->n_cols; c++) {
        print_cell(out, t->headers[c], w[c], c + 1 < t->n_cols);
        fputs(c + 1 < t->n_cols ? "  " : "\n", out);
    }
    for (size_t c = 0; c < t->n_cols; c++) {
        for (size_t k = 0; k < w[c]; k++)
            fputc('-', out);
        fputs(c + 1 < t->n_cols ? "  " : "\n", out);
    }
    for (size_t r = 0; r < t->n_rows; r++)
        for (size_t c = 0; c < t->n_cols; c++) {
            print_cell(out, t->cells[r * t->n_cols + c], w[c], c + 1 < t->n_cols);
            fputs(c + 1 < t->n_cols ? "  " : "\n", out);
        }
    free(w);
}
