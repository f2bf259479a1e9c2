/* Helpers shared by the unit tests. */
#ifndef HQD_TEST_UTIL_H
#define HQD_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>

#include "store/store.h"

/* Returns new: the whole file at HQD_SOURCE_DIR/rel, or NULL. */
static inline char *test_read(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", HQD_SOURCE_DIR, rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = malloc((size_t)n + 1);
    if (fread(d, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(d);
        return NULL;
    }
    d[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return d;
}

/* The rows in table, or (size_t)-1 when the query fails. */
static inline size_t test_count(struct store *s, const char *table)
{
    char sql[512];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    struct store_stmt *q;
    struct err e = {0};
    if (store_prepare(s, sql, &q, &e) != ST_OK)
        return (size_t)-1;
    int row;
    size_t n = (size_t)-1;
    if (store_step(q, &row, &e) == ST_OK && row)
        n = (size_t)store_col_int(q, 0);
    store_finish(q);
    return n;
}

#endif
