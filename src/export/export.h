/* export: tables written as Excel workbooks (libxlsxwriter) or CSV (UTF-8 with BOM).
 *
 * Writers go to a temporary file beside the target and rename it into place, so a failed
 * export never leaves a half-written file. */
#ifndef HQD_EXPORT_H
#define HQD_EXPORT_H

#include <stddef.h>

#include "base/err.h"

struct export_column {
    const char *header;
    int width; /* in character cells (a CJK character is 2) */
};

struct export_table {
    const char *sheet; /* worksheet name, e.g. 任务分解表 */
    const char *title; /* optional caption printed above the table in the sheet's header */
    const struct export_column *cols;
    size_t n_cols;
    const char *const *cells; /* row-major, n_rows × n_cols; NULL is an empty cell */
    size_t n_rows;
};

/* Writes t as an .xlsx workbook at path: styled header row, frozen, with an autofilter;
 * wrapped, bordered body cells; print setup for A4 landscape. */
enum status export_xlsx(const struct export_table *t, const char *path,
                        struct err *e) HQD_MUST_CHECK;

/* Writes t as RFC 4180 CSV at path, UTF-8 with a BOM and CRLF line ends (what Excel expects). */
enum status export_csv(const struct export_table *t, const char *path,
                       struct err *e) HQD_MUST_CHECK;

#endif
