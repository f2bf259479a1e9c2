/* Backend dispatch and schema migrations. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/clock.h"
#include "base/xalloc.h"
#include "store/store_int.h"

static const struct store_ops *backend_for(const char *dsn, const char **path)
{
    if (strncmp(dsn, "sqlite:", 7) == 0) {
        *path = dsn + 7;
        return &store_sqlite_ops;
    }
    *path = dsn;
    return &store_sqlite_ops;
}

/* Replaces {{id}} with the backend's key column. */
static char *dialect(const struct store_ops *ops, const char *sql)
{
    struct buf b;
    buf_init(&b, 0);
    const char *p = sql;
    for (;;) {
        const char *q = strstr(p, "{{id}}");
        if (!q) {
            if (buf_puts(&b, p) != ST_OK)
                abort();
            break;
        }
        if (buf_append(&b, p, (size_t)(q - p)) != ST_OK || buf_puts(&b, ops->id_column) != ST_OK)
            abort();
        p = q + 6;
    }
    return buf_detach(&b);
}

#define MIGRATION_REBUILDS "-- hqd: rebuilds tables"

/* Every foreign key still points at a row (after a table was rebuilt with them off). */
static enum status foreign_keys_hold(struct store *s, struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s, "PRAGMA foreign_key_check", &q, e);
    if (st != ST_OK)
        return st;
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK && row)
        st = err_set(e, ST_DB, NULL, "外键不一致：表 %s (foreign key check failed)",
                     store_col_text(q, 0));
    store_finish(q);
    return st;
}

static enum status migrate(struct store *s, struct err *e)
{
    enum status st = store_exec(s,
                                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                                " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                                " applied_at TEXT NOT NULL)",
                                e);
    if (st != ST_OK)
        return st;
    struct store_stmt *q;
    if ((st = store_prepare(s, "SELECT coalesce(max(version), 0) FROM schema_migrations", &q, e)) !=
        ST_OK)
        return st;
    int row;
    if ((st = store_step(q, &row, e)) != ST_OK)
        return st;
    int current = (int)store_col_int(q, 0);
    store_finish(q);
    if (current > store_schema_latest())
        return err_set(e, ST_DB, NULL,
                       "数据库的结构版本 %d 比本程序认识的 %d 新，请升级 hqd (schema too new)",
                       current, store_schema_latest());
    for (size_t i = 0; i < store_migration_count; i++) {
        const struct store_migration *m = &store_migrations[i];
        if (m->version <= current)
            continue;
        /* A migration that rebuilds a table (SQLite cannot alter a CHECK) runs with foreign
         * keys off, as SQLite's documented procedure asks, and is checked before commit. */
        int rebuild = strstr(m->sql, MIGRATION_REBUILDS) != NULL;
        if (rebuild && (st = store_exec(s, "PRAGMA foreign_keys=OFF", e)) != ST_OK)
            return st;
        if ((st = store_begin(s, e)) != ST_OK)
            return st;
        char *sql = dialect(s->ops, m->sql);
        st = store_exec(s, sql, e);
        free(sql);
        if (st == ST_OK && rebuild)
            st = foreign_keys_hold(s, e);
        if (st == ST_OK) {
            char now[32];
            clock_now_iso(now, sizeof now);
            struct store_stmt *ins;
            st = store_prepare(s,
                               "INSERT INTO schema_migrations (version, name, applied_at) "
                               "VALUES (?, ?, ?)",
                               &ins, e);
            if (st == ST_OK) {
                store_bind_int(ins, 1, m->version);
                store_bind_text(ins, 2, m->name);
                store_bind_text(ins, 3, now);
                st = store_run(ins, e);
            }
        }
        if (st != ST_OK) {
            store_rollback(s);
            struct err ignored = {0};
            if (rebuild && store_exec(s, "PRAGMA foreign_keys=ON", &ignored) != ST_OK)
                fprintf(stderr, "hqd: %s\n", ignored.msg); /* the migration's error matters more */
            char msg[sizeof e->msg];
            snprintf(msg, sizeof msg, "%s", e ? e->msg : "");
            return err_set(e, st, m->name, "迁移 %s 失败：%s (migration failed)", m->name, msg);
        }
        if ((st = store_commit(s, e)) != ST_OK)
            return st;
        if (rebuild && (st = store_exec(s, "PRAGMA foreign_keys=ON", e)) != ST_OK)
            return st;
        current = m->version;
    }
    s->schema_version = current;
    return ST_OK;
}

enum status store_open(const char *dsn, struct store **out, struct err *e)
{
    const char *path;
    const struct store_ops *ops = backend_for(dsn, &path);
    struct store *s = NULL;
    enum status st = ops->open(path, &s, e);
    if (st != ST_OK)
        return st;
    s->ops = ops;
    if ((st = migrate(s, e)) != ST_OK) {
        store_close(s);
        return st;
    }
    *out = s;
    return ST_OK;
}

void store_close(struct store *s)
{
    if (!s)
        return;
    if (s->in_tx)
        s->ops->rollback(s);
    s->ops->close(s);
}

int store_schema_version(struct store *s)
{
    return s->schema_version;
}

int store_schema_latest(void)
{
    return store_migration_count ? store_migrations[store_migration_count - 1].version : 0;
}

/* Transactions nest: the outermost is a real transaction (taking the write lock); inner ones
 * are savepoints, so a function that writes in its own transaction can run inside a caller's
 * (a batch of writes committed together). */
enum status store_begin(struct store *s, struct err *e)
{
    if (s->in_tx == 0) {
        enum status st = s->ops->begin(s, e);
        if (st == ST_OK)
            s->in_tx = 1;
        return st;
    }
    char sql[48];
    snprintf(sql, sizeof sql, "SAVEPOINT sp%d", s->in_tx);
    enum status st = s->ops->exec(s, sql, e);
    if (st == ST_OK)
        s->in_tx++;
    return st;
}

enum status store_snapshot_begin(struct store *s, struct err *e)
{
    if (s->in_tx || s->snapshot)
        return ST_OK;
    enum status st = s->ops->exec(s, s->ops->snapshot_begin_sql, e);
    s->snapshot = st == ST_OK;
    return st;
}

enum status store_snapshot_begin_scan(struct store *s, struct err *e)
{
    enum status st = store_snapshot_begin(s, e);
    if (st != ST_OK || !s->snapshot || !s->ops->scan_begin_sql)
        return st;
    if ((st = s->ops->exec(s, s->ops->scan_begin_sql, e)) != ST_OK) {
        store_snapshot_end(s);
        return st;
    }
    s->scan = 1;
    return ST_OK;
}

void store_snapshot_end(struct store *s)
{
    if (!s->snapshot)
        return;
    struct err ignored = {0};
    if (s->scan && s->ops->exec(s, s->ops->scan_end_sql, &ignored) != ST_OK)
        fprintf(stderr, "hqd: %s\n", ignored.msg);
    s->scan = 0;
    if (s->ops->exec(s, s->ops->snapshot_end_sql, &ignored) != ST_OK) /* nothing was written */
        fprintf(stderr, "hqd: %s\n", ignored.msg);
    s->snapshot = 0;
}

enum status store_commit(struct store *s, struct err *e)
{
    if (!s->in_tx)
        return err_set(e, ST_INTERNAL, NULL, "commit without a transaction");
    if (s->in_tx > 1) {
        char sql[48];
        snprintf(sql, sizeof sql, "RELEASE SAVEPOINT sp%d", s->in_tx - 1);
        enum status st = s->ops->exec(s, sql, e);
        s->in_tx--;
        return st;
    }
    enum status st = s->ops->commit(s, e); /* rolls back itself on failure */
    s->in_tx = 0;
    return st;
}

void store_rollback(struct store *s)
{
    if (!s || !s->in_tx)
        return;
    if (s->in_tx > 1) {
        char sql[96];
        snprintf(sql, sizeof sql, "ROLLBACK TO SAVEPOINT sp%d; RELEASE SAVEPOINT sp%d",
                 s->in_tx - 1, s->in_tx - 1);
        s->ops->exec(s, sql, NULL);
        s->in_tx--;
        return;
    }
    s->ops->rollback(s);
    s->in_tx = 0;
}

int store_in_transaction(struct store *s)
{
    return s->in_tx;
}

enum status store_exec(struct store *s, const char *sql, struct err *e)
{
    return s->ops->exec(s, sql, e);
}

enum status store_prepare(struct store *s, const char *sql, struct store_stmt **out, struct err *e)
{
    return s->ops->prepare(s, sql, out, e);
}

void store_bind_int(struct store_stmt *st, int idx, int64_t v)
{
    st->ops->bind_int(st, idx, v);
}

void store_bind_text(struct store_stmt *st, int idx, const char *v)
{
    if (v)
        st->ops->bind_text(st, idx, v);
    else
        st->ops->bind_null(st, idx);
}

void store_bind_null(struct store_stmt *st, int idx)
{
    st->ops->bind_null(st, idx);
}

void store_bind_blob(struct store_stmt *st, int idx, const void *data, size_t len)
{
    st->ops->bind_blob(st, idx, data, len);
}

const void *store_col_blob(struct store_stmt *st, int col, size_t *len)
{
    return st->ops->col_blob(st, col, len);
}

enum status store_step(struct store_stmt *st, int *row, struct err *e)
{
    return st->ops->step(st, row, e);
}

int64_t store_col_int(struct store_stmt *st, int col)
{
    return st->ops->col_int(st, col);
}

const char *store_col_text(struct store_stmt *st, int col)
{
    return st->ops->col_text(st, col);
}

int store_col_is_null(struct store_stmt *st, int col)
{
    return st->ops->col_is_null(st, col);
}

char *store_col_dup(struct store_stmt *st, int col)
{
    const char *t = st->ops->col_text(st, col);
    return t ? xstrdup(t) : NULL;
}

void store_finish(struct store_stmt *st)
{
    if (st)
        st->ops->finish(st);
}

enum status store_run(struct store_stmt *st, struct err *e)
{
    int row = 1;
    enum status rc = ST_OK;
    while (row && (rc = store_step(st, &row, e)) == ST_OK)
        ;
    store_finish(st);
    return rc;
}

enum status store_run_ids(struct store_stmt *st, int64_t **ids, size_t *n, struct err *e)
{
    size_t cap = 0;
    int row;
    enum status rc;
    *ids = NULL;
    *n = 0;
    while ((rc = store_step(st, &row, e)) == ST_OK && row) {
        xgrow((void **)ids, &cap, *n + 1, sizeof **ids);
        (*ids)[(*n)++] = store_col_int(st, 0);
    }
    store_finish(st);
    if (rc != ST_OK) {
        free(*ids);
        *ids = NULL;
        *n = 0;
    }
    return rc;
}
