/* Internals of the store module: the backend vtable and the embedded migrations. */
#ifndef HQD_STORE_INT_H
#define HQD_STORE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

struct store_ops {
    const char *name;
    const char *id_column; /* replaces {{id}} in migrations */
    enum status (*open)(const char *path, struct store **out, struct err *e);
    void (*close)(struct store *s);
    enum status (*exec)(struct store *s, const char *sql, struct err *e);
    enum status (*prepare)(struct store *s, const char *sql, struct store_stmt **out,
                           struct err *e);
    void (*bind_int)(struct store_stmt *st, int idx, int64_t v);
    void (*bind_text)(struct store_stmt *st, int idx, const char *v);
    void (*bind_null)(struct store_stmt *st, int idx);
    void (*bind_blob)(struct store_stmt *st, int idx, const void *data, size_t len);
    enum status (*step)(struct store_stmt *st, int *row, struct err *e);
    int64_t (*col_int)(struct store_stmt *st, int col);
    const char *(*col_text)(struct store_stmt *st, int col);
    int (*col_is_null)(struct store_stmt *st, int col);
    const void *(*col_blob)(struct store_stmt *st, int col, size_t *len);
    void (*finish)(struct store_stmt *st);
    enum status (*begin)(struct store *s, struct err *e);
    enum status (*commit)(struct store *s, struct err *e); /* rolls back on failure */
    void (*rollback)(struct store *s);
    const char *snapshot_begin_sql, *snapshot_end_sql; /* a read transaction */
    /* a page cache sized for one pass over a large table, and the usual one back (NULL: the
     * backend has no such setting) */
    const char *scan_begin_sql, *scan_end_sql;
};

/* Every backend's store and statement start with these. */
struct store {
    const struct store_ops *ops;
    int in_tx;    /* transaction depth: 1 the real transaction, more for savepoints */
    int snapshot; /* a read transaction opened by store_snapshot_begin */
    int scan;     /* ... by store_snapshot_begin_scan, with the scan's page cache */
    int schema_version;
};

struct store_stmt {
    const struct store_ops *ops;
};

struct store_migration {
    int version;
    const char *name;
    const char *sql;
};

extern const struct store_migration store_migrations[];
extern const size_t store_migration_count;
extern const struct store_ops store_sqlite_ops;

#endif
