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
    int money; /* cells are whole fen ("12000000"): written as amounts in 元 that sum */
};

struct export_table {
    const char *sheet; /* worksheet name, e.g. 任务分解表 */
    const char *title; /* optional caption printed above the table in the sheet's header */
    const struct export_column *cols;
    size_t n_cols;
    const char *const *cells; /* row-major, n_rows × n_cols; NULL is an empty cell */
    size_t n_rows;
    int totals; /* add a 合计 row summing the money columns (in a workbook, of the rows the
                   filter shows) */
};

/* Writes t as an .xlsx workbook at path: styled header row, frozen, with an autofilter;
 * wrapped, bordered body cells; print setup for A4 landscape. */
enum status export_xlsx(const struct export_table *t, const char *path,
                        struct err *e) HQD_MUST_CHECK;

/* A workbook written a row at a time, for callers that produce rows as they go. Rows are
 * spooled to a temporary file and the workbook is written at the close: past 100,000 rows in
 * libxlsxwriter's constant-memory mode (strings inline), so a table of millions of rows never
 * sits in memory. Past Excel's 1,048,576 rows a sheet, the rows go on in a second sheet named
 * "SHEET (2)" with its own header, filter and 合计 row (export_xlsx too). The file appears at
 * path only when closed with keep and every row written; closing without keep (an error
 * elsewhere) leaves nothing. */
struct export_writer;
enum status export_writer_open(const char *path, const char *sheet, const char *title,
                               const struct export_column *cols, size_t n_cols, int totals,
                               struct export_writer **out, struct err *e) HQD_MUST_CHECK;
/* cells: n_cols strings (NULL: empty), copied. */
void export_writer_row(struct export_writer *w, const char *const *cells);
/* Fewer body rows a sheet (1 to the most Excel takes), before the close: a workbook split in
 * smaller sheets, and a rollover tested without a million rows. */
void export_writer_sheet_rows(struct export_writer *w, size_t rows);
/* The row count past which the close writes in constant memory (100,000 by default). */
void export_writer_stream_rows(struct export_writer *w, size_t rows);
/* Finishes and frees w: renames the file into place (keep), or removes it. */
enum status export_writer_close(struct export_writer *w, int keep, struct err *e) HQD_MUST_CHECK;

/* export_writer_close with keep, the workbook read into memory instead of renamed into place
 * (the path given at the open is not used): *data is new (free it), for serving over HTTP. */
enum status export_writer_close_bytes(struct export_writer *w, char **data, size_t *len,
                                      struct err *e) HQD_MUST_CHECK;
/* export_xlsx into memory: *data is new (free it), for serving over HTTP. */
enum status export_xlsx_bytes(const struct export_table *t, char **data, size_t *len,
                              struct err *e) HQD_MUST_CHECK;

/* Writes t as RFC 4180 CSV at path, UTF-8 with a BOM and CRLF line ends (what Excel expects);
 * money columns as plain 元 with two decimals ("120000.00"). */
enum status export_csv(const struct export_table *t, const char *path,
                       struct err *e) HQD_MUST_CHECK;

/* Reads the file at path (at most max bytes) into *data (new) and removes it, whatever
 * happens: for libraries such as libxlsxwriter that can only write files. */
enum status export_read_back(const char *path, size_t max, char **data, size_t *len,
                             struct err *e) HQD_MUST_CHECK;

#endif
