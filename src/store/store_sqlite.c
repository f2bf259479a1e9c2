/* The SQLite backend: WAL, foreign keys, busy timeout, a cache of prepared statements. */
#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/xalloc.h"
#include "store/store_int.h"

#define BUSY_TIMEOUT_MS 5000
#define CACHE_KIB "8192" /* the page cache, in KiB (PRAGMA cache_size=-N) */

struct sq_stmt {
    struct store_stmt base;
    sqlite3_stmt *stmt;
    const char *key; /* the SQL literal's address */
    char *sql;
    struct sq_store *owner;
    struct sq_stmt *next;
};

struct sq_store {
    struct store base;
    sqlite3 *db;
    struct sq_stmt *cache;
};

static enum status db_error(struct sq_store *s, struct err *e, const char *what)
{
    int code = sqlite3_extended_errcode(s->db);
    enum status st = (code & 0xFF) == SQLITE_CONSTRAINT ? ST_CONFLICT : ST_DB;
    if ((code & 0xFF) == SQLITE_BUSY)
        st = ST_CONFLICT;
    return err_set(e, st, what, "数据库错误：%s (sqlite %d)", sqlite3_errmsg(s->db), code);
}

static int mkdirs_for(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash || slash == dir)
        return 0;
    *slash = '\0';
    for (char *p = dir + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(dir, 0755) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return -1;
    return 0;
}

static enum status sq_exec(struct store *base, const char *sql, struct err *e)
{
    struct sq_store *s = (struct sq_store *)base;
    char *msg = NULL;
    if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        enum status st = db_error(s, e, NULL);
        sqlite3_free(msg);
        return st;
    }
    return ST_OK;
}

static enum status sq_open(const char *path, struct store **out, struct err *e)
{
    if (strcmp(path, ":memory:") != 0 && mkdirs_for(path) != 0)
        return err_set(e, ST_IO, path, "无法创建数据库目录：%s", strerror(errno));
    struct sq_store *s = xcalloc(1, sizeof *s);
    int rc = sqlite3_open_v2(
        path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        err_set(e, ST_IO, path, "无法打开数据库：%s", s->db ? sqlite3_errmsg(s->db) : "?");
        sqlite3_close(s->db);
        free(s);
        return ST_IO;
    }
    sqlite3_busy_timeout(s->db, BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(s->db, 1);
    s->base.ops = &store_sqlite_ops;
    enum status st = sq_exec(&s->base,
                             "PRAGMA journal_mode=WAL; PRAGMA foreign_keys=ON;"
                             " PRAGMA synchronous=FULL;"
                             " PRAGMA cache_size=-" CACHE_KIB ";",
                             e);
    if (st != ST_OK) {
        sqlite3_close(s->db);
        free(s);
        return st;
    }
    *out = &s->base;
    return ST_OK;
}

static void sq_close(struct store *base)
{
    struct sq_store *s = (struct sq_store *)base;
    struct sq_stmt *c = s->cache;
    while (c) {
        struct sq_stmt *next = c->next;
        sqlite3_finalize(c->stmt);
        free(c->sql);
        free(c);
        c = next;
    }
    sqlite3_close(s->db);
    free(s);
}

static enum status sq_prepare(struct store *base, const char *sql, struct store_stmt **out,
                              struct err *e)
{
    struct sq_store *s = (struct sq_store *)base;
    for (struct sq_stmt *c = s->cache; c; c = c->next)
        if (c->key == sql && strcmp(c->sql, sql) == 0) {
            *out = &c->base;
            return ST_OK;
        }
    sqlite3_stmt *stmt;
    if (sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, NULL) != SQLITE_OK)
        return db_error(s, e, NULL);
    struct sq_stmt *c = xcalloc(1, sizeof *c);
    c->base.ops = &store_sqlite_ops;
    c->stmt = stmt;
    c->key = sql;
    c->sql = xstrdup(sql);
    c->owner = s;
    c->next = s->cache;
    s->cache = c;
    *out = &c->base;
    return ST_OK;
}

static void sq_bind_int(struct store_stmt *st, int idx, int64_t v)
{
    sqlite3_bind_int64(((struct sq_stmt *)st)->stmt, idx, v);
}

static void sq_bind_text(struct store_stmt *st, int idx, const char *v)
{
    sqlite3_bind_text(((struct sq_stmt *)st)->stmt, idx, v, -1, SQLITE_TRANSIENT);
}

static void sq_bind_null(struct store_stmt *st, int idx)
{
    sqlite3_bind_null(((struct sq_stmt *)st)->stmt, idx);
}

static void sq_bind_blob(struct store_stmt *st, int idx, const void *data, size_t len)
{
    sqlite3_bind_blob64(((struct sq_stmt *)st)->stmt, idx, data, (sqlite3_uint64)len,
                        SQLITE_TRANSIENT);
}

static const void *sq_col_blob(struct store_stmt *st, int col, size_t *len)
{
    /* Through the column's value: the sqlite3_column_* calls each enter the connection's
     * mutex and check for a failed allocation, which a scan of a million rows pays twice a
     * column. (The value is "unprotected": safe as the connection is, used by one thread at
     * a time, SQLITE_OPEN_NOMUTEX.) */
    sqlite3_value *v = sqlite3_column_value(((struct sq_stmt *)st)->stmt, col);
    const void *p = sqlite3_value_blob(v);
    *len = (size_t)sqlite3_value_bytes(v);
    return p;
}

static enum status sq_step(struct store_stmt *st, int *row, struct err *e)
{
    struct sq_stmt *c = (struct sq_stmt *)st;
    int rc = sqlite3_step(c->stmt);
    if (rc == SQLITE_ROW) {
        *row = 1;
        return ST_OK;
    }
    *row = 0;
    if (rc == SQLITE_DONE)
        return ST_OK;
    enum status status = db_error(c->owner, e, NULL);
    sqlite3_reset(c->stmt);
    return status;
}

static int64_t sq_col_int(struct store_stmt *st, int col)
{
    return sqlite3_column_int64(((struct sq_stmt *)st)->stmt, col);
}

static const char *sq_col_text(struct store_stmt *st, int col)
{
    return (const char *)sqlite3_column_text(((struct sq_stmt *)st)->stmt, col);
}

static int sq_col_is_null(struct store_stmt *st, int col)
{
    return sqlite3_column_type(((struct sq_stmt *)st)->stmt, col) == SQLITE_NULL;
}

static void sq_finish(struct store_stmt *st)
{
    struct sq_stmt *c = (struct sq_stmt *)st;
    sqlite3_reset(c->stmt);
    sqlite3_clear_bindings(c->stmt);
}

/* SQLite has one writer at a time. Threads of this process queue on a mutex instead of
 * polling the busy handler (which sleeps in steps and ruins tail latency); other processes
 * still meet BEGIN IMMEDIATE and the busy timeout. */
static pthread_mutex_t writer = PTHREAD_MUTEX_INITIALIZER;

static enum status sq_begin(struct store *s, struct err *e)
{
    pthread_mutex_lock(&writer);
    enum status st = sq_exec(s, "BEGIN IMMEDIATE", e);
    if (st != ST_OK)
        pthread_mutex_unlock(&writer);
    return st;
}

/* Commits; on failure rolls back. Either way the transaction is over. */
static enum status sq_commit(struct store *s, struct err *e)
{
    enum status st = sq_exec(s, "COMMIT", e);
    if (st != ST_OK)
        sq_exec(s, "ROLLBACK", NULL);
    pthread_mutex_unlock(&writer);
    return st;
}

static void sq_rollback(struct store *s)
{
    sq_exec(s, "ROLLBACK", NULL);
    pthread_mutex_unlock(&writer);
}

const struct store_ops store_sqlite_ops = {
    .name = "sqlite",
    .id_column = "INTEGER PRIMARY KEY",
    .open = sq_open,
    .close = sq_close,
    .exec = sq_exec,
    .prepare = sq_prepare,
    .bind_int = sq_bind_int,
    .bind_text = sq_bind_text,
    .bind_null = sq_bind_null,
    .bind_blob = sq_bind_blob,
    .step = sq_step,
    .col_int = sq_col_int,
    .col_text = sq_col_text,
    .col_is_null = sq_col_is_null,
    .col_blob = sq_col_blob,
    .finish = sq_finish,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    /* The read lock is taken by the first read. (Mapping the file for a snapshot measured no
     * faster than reading it: the faults cost what the copies did.) */
    .snapshot_begin_sql = "BEGIN DEFERRED",
    .snapshot_end_sql = "ROLLBACK",
    /* 64 pages, which the CPU's second-level cache holds: a page is read into a buffer it
     * has just used rather than a cold one */
    .scan_begin_sql = "PRAGMA cache_size=-256",
    .scan_end_sql = "PRAGMA cache_size=-" CACHE_KIB,
};
