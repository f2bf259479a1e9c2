/* store: the persistent state behind an ops vtable (SQLite now, PostgreSQL next).
 *
 * Domain code writes portable SQL with '?' placeholders and calls these functions; it never
 * includes sqlite3.h or libpq-fe.h. Every write happens between store_begin and store_commit,
 * together with its audit row. Statements are prepared once per store and cached. */
#ifndef HQD_STORE_H
#define HQD_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct store;
struct store_stmt;

/* Opens (creating when missing, with parent directories) the store at dsn and applies pending
 * schema migrations. dsn is a file path or "sqlite:PATH". On success *out is new: close with
 * store_close. */
enum status store_open(const char *dsn, struct store **out, struct err *e) HQD_MUST_CHECK;
/* Closes the store, rolling back an open transaction; accepts NULL. */
void store_close(struct store *s);
/* Returns the schema version the store is at. */
int store_schema_version(struct store *s);
/* Returns the latest schema version this binary knows. */
int store_schema_latest(void);

/* Transactions: one per write. begin takes the write lock at once. They nest: inside an open
 * transaction, begin/commit/rollback work on a savepoint, and only the outermost commit makes
 * the writes durable. */
enum status store_begin(struct store *s, struct err *e) HQD_MUST_CHECK;
enum status store_commit(struct store *s, struct err *e) HQD_MUST_CHECK;
void store_rollback(struct store *s);
/* A read snapshot for a long read made of several statements (verifying a ledger): they all
 * see the database as it was at the first, and none takes its own read lock. Inside an open
 * transaction both do nothing; nothing may be written until end. */
enum status store_snapshot_begin(struct store *s, struct err *e) HQD_MUST_CHECK;
/* The same for one pass over a large table (the ledger's verification reads a million rows
 * once): the page cache is kept small until the end, so that the buffers pages are read into
 * stay in the CPU's cache instead of each being a new one (a tenth of the verifier's time). */
enum status store_snapshot_begin_scan(struct store *s, struct err *e) HQD_MUST_CHECK;
void store_snapshot_end(struct store *s);
/* The nesting depth of open transactions (0: none). */
int store_in_transaction(struct store *s);

/* Runs SQL without parameters or results (several statements allowed). */
enum status store_exec(struct store *s, const char *sql, struct err *e) HQD_MUST_CHECK;

/* Returns borrowed: the cached prepared statement for sql (a string literal: the cache is keyed
 * by its address and content). Bind, step, then store_finish before the next use. */
enum status store_prepare(struct store *s, const char *sql, struct store_stmt **out,
                          struct err *e) HQD_MUST_CHECK;
/* Parameters are numbered from 1. A NULL text binds SQL NULL. */
void store_bind_int(struct store_stmt *st, int idx, int64_t v);
void store_bind_text(struct store_stmt *st, int idx, const char *v);
void store_bind_null(struct store_stmt *st, int idx);
/* Binds len bytes (copied). */
void store_bind_blob(struct store_stmt *st, int idx, const void *data, size_t len);
/* Advances: *row is 1 when a row is available, 0 when done. ST_CONFLICT on a constraint
 * violation, ST_DB otherwise. */
enum status store_step(struct store_stmt *st, int *row, struct err *e) HQD_MUST_CHECK;
/* Columns are numbered from 0. Text is borrowed until the next step or finish; NULL for SQL
 * NULL. */
int64_t store_col_int(struct store_stmt *st, int col);
const char *store_col_text(struct store_stmt *st, int col);
int store_col_is_null(struct store_stmt *st, int col);
/* Returns borrowed bytes (valid until the next step or finish) and their length in *len. */
const void *store_col_blob(struct store_stmt *st, int col, size_t *len);
/* Returns new: the text column copied, or NULL for SQL NULL. */
char *store_col_dup(struct store_stmt *st, int col);
/* Resets the statement and clears its bindings so it can be reused. */
void store_finish(struct store_stmt *st);

/* Runs a statement to completion, ignoring rows. The statement is finished. */
enum status store_run(struct store_stmt *st, struct err *e) HQD_MUST_CHECK;
/* Runs a statement to completion, collecting its first column as ids (*ids: new, free it;
 * NULL and 0 on an error). The statement is finished. */
enum status store_run_ids(struct store_stmt *st, int64_t **ids, size_t *n,
                          struct err *e) HQD_MUST_CHECK;

#endif
