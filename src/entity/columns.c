/* fact_columns: the newest value of every fact, one column per fact name, kept by the imports
 * and read whole by bulk matching. */
#include "entity/columns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/arena.h"
#include "base/money.h"
#include "base/xalloc.h"
#include "entity/entity.h"
#include "store/store.h"

int fact_value_x100(const char *v, int64_t *out)
{
    if (!strcmp(v, "是") || !strcmp(v, "true") || !strcmp(v, "yes")) {
        *out = ENTITY_TRUE_WORD;
        return 1;
    }
    if (!strcmp(v, "否") || !strcmp(v, "false") || !strcmp(v, "no")) {
        *out = ENTITY_FALSE_WORD;
        return 1;
    }
    size_t len = strlen(v);
    if (len == 0 || strchr(v, ','))
        return 0;
    return money_parse_fen(v, len, 1, out) == ST_OK;
}

static int64_t missing_of(int width)
{
    return width == 1 ? INT8_MIN : width == 4 ? INT32_MIN : INT64_MIN;
}

static int64_t cell(const void *v, int width, size_t i)
{
    if (width == 1)
        return ((const int8_t *)v)[i] == INT8_MIN ? INT64_MIN : ((const int8_t *)v)[i];
    if (width == 4)
        return ((const int32_t *)v)[i] == INT32_MIN ? INT64_MIN : ((const int32_t *)v)[i];
    return ((const int64_t *)v)[i];
}

/* ---------------------------------------------------------------- writing */

struct touched {
    char name[64];
    int64_t *vals; /* wide while in memory; INT64_MIN = no value */
    int32_t *days;
    size_t n, cap;
};

struct colset {
    struct touched *v;
    size_t n, cap;
};

struct colset *colset_new(void)
{
    return xcalloc(1, sizeof(struct colset));
}

void colset_free(struct colset *cs)
{
    if (!cs)
        return;
    for (size_t i = 0; i < cs->n; i++) {
        free(cs->v[i].vals);
        free(cs->v[i].days);
    }
    free(cs->v);
    free(cs);
}

static void grow(struct touched *t, size_t rows)
{
    if (rows <= t->cap) {
        if (rows > t->n)
            t->n = rows;
        return;
    }
    size_t cap = t->cap ? t->cap : 1024;
    while (cap < rows)
        cap *= 2;
    t->vals = xrealloc(t->vals, cap * sizeof *t->vals);
    t->days = xrealloc(t->days, cap * sizeof *t->days);
    for (size_t i = t->cap; i < cap; i++) {
        t->vals[i] = INT64_MIN;
        t->days[i] = 0;
    }
    t->cap = cap;
    t->n = rows;
}

/* The column, loaded from the store on first touch. */
static enum status touch(struct store *s, struct colset *cs, const char *name, struct touched **out,
                         struct err *e)
{
    for (size_t i = 0; i < cs->n; i++)
        if (!strcmp(cs->v[i].name, name)) {
            *out = &cs->v[i];
            return ST_OK;
        }
    if (cs->n == cs->cap) {
        cs->cap = cs->cap ? cs->cap * 2 : 16;
        cs->v = xrealloc(cs->v, cs->cap * sizeof *cs->v);
    }
    struct touched *t = &cs->v[cs->n++];
    memset(t, 0, sizeof *t);
    snprintf(t->name, sizeof t->name, "%s", name);
    *out = t;
    struct store_stmt *q;
    enum status st =
        store_prepare(s, "SELECT width, n, vals, days FROM fact_columns WHERE name = ?", &q, e);
    if (st != ST_OK)
        return st;
    store_bind_text(q, 1, name);
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK && row) {
        int width = (int)store_col_int(q, 0);
        size_t n = (size_t)store_col_int(q, 1), vl, dl;
        const void *vals = store_col_blob(q, 2, &vl);
        const void *days = store_col_blob(q, 3, &dl);
        if (vl != n * (size_t)width || dl != n * sizeof(int32_t)) {
            st = err_set(e, ST_INTERNAL, name, "fact_columns: column %s is damaged", name);
        } else {
            grow(t, n);
            for (size_t i = 0; i < n; i++)
                t->vals[i] = cell(vals, width, i);
            if (n)
                memcpy(t->days, days, n * sizeof(int32_t));
        }
    }
    store_finish(q);
    return st;
}

enum status colset_set(struct store *s, struct colset *cs, const char *name, int64_t id,
                       int64_t value, int32_t day, struct err *e)
{
    struct touched *t;
    enum status st = touch(s, cs, name, &t, e);
    if (st != ST_OK)
        return st;
    if (id <= 0)
        return err_set(e, ST_INTERNAL, NULL, "fact_columns: bad row %lld", (long long)id);
    if ((size_t)id >= t->n)
        grow(t, (size_t)id + 1);
    if (day >= t->days[id]) {
        t->vals[id] = value;
        t->days[id] = day;
    }
    return ST_OK;
}

enum status colset_flush(struct store *s, struct colset *cs, struct err *e)
{
    enum status st = ST_OK;
    for (size_t c = 0; c < cs->n && st == ST_OK; c++) {
        struct touched *t = &cs->v[c];
        int width = 1;
        for (size_t i = 0; i < t->n; i++) {
            int64_t x = t->vals[i];
            if (x == INT64_MIN)
                continue;
            if (x > INT32_MAX || x <= INT32_MIN)
                width = 8;
            else if (width < 4 && (x > INT8_MAX || x <= INT8_MIN))
                width = 4;
        }
        void *out = xmalloc(t->n * (size_t)width + 1);
        for (size_t i = 0; i < t->n; i++) {
            int64_t x = t->vals[i] == INT64_MIN ? missing_of(width) : t->vals[i];
            if (width == 1)
                ((int8_t *)out)[i] = (int8_t)x;
            else if (width == 4)
                ((int32_t *)out)[i] = (int32_t)x;
            else
                ((int64_t *)out)[i] = x;
        }
        struct store_stmt *q;
        if ((st = store_prepare(s,
                                "INSERT INTO fact_columns (name, width, n, vals, days)"
                                " VALUES (?,?,?,?,?) ON CONFLICT (name) DO UPDATE SET"
                                " width = excluded.width, n = excluded.n, vals = excluded.vals,"
                                " days = excluded.days",
                                &q, e)) == ST_OK) {
            store_bind_text(q, 1, t->name);
            store_bind_int(q, 2, width);
            store_bind_int(q, 3, (int64_t)t->n);
            store_bind_blob(q, 4, out, t->n * (size_t)width);
            store_bind_blob(q, 5, t->days, t->n * sizeof(int32_t));
            st = store_run(q, e);
        }
        free(out);
    }
    return st;
}

/* ---------------------------------------------------------------- reading */

struct entity_columns {
    size_t rows;
    size_t n;
    struct entity_column *cols;
    void **owned;
};

/* Column i (in_zone or industry) with the registry's value in every row without a fact of
 * that name: 是/否 as the yes/no words, an industry as text. Rows are the entities'. */
static enum status registry_column(struct store *s, struct entity_columns *c, size_t i,
                                   struct err *e)
{
    int zone = !strcmp(c->cols[i].name, ENTITY_IN_ZONE_FACT);
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   zone ? "SELECT id, CASE in_zone WHEN 1 THEN -1 ELSE -2 END"
                                          " FROM entities"
                                        : "SELECT id, -3 FROM entities WHERE industry <> ''",
                                   &q, e);
    if (st != ST_OK)
        return st;
    if (!c->cols[i].width) { /* no fact of the name: a column of the registry's alone */
        c->cols[i].width = 1;
        c->owned[i] = xmalloc(c->rows + 1);
        memset(c->owned[i], (unsigned char)INT8_MIN, c->rows + 1);
        c->cols[i].v = c->owned[i];
    }
    int row, width = c->cols[i].width;
    void *v = c->owned[i];
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        int64_t id = store_col_int(q, 0), x = store_col_int(q, 1);
        if (id <= 0 || (size_t)id >= c->rows)
            continue; /* every entity has a row once its kind is loaded */
        size_t r = (size_t)id;
        if (width == 1 && ((int8_t *)v)[r] == INT8_MIN)
            ((int8_t *)v)[r] = (int8_t)x;
        else if (width == 4 && ((int32_t *)v)[r] == INT32_MIN)
            ((int32_t *)v)[r] = (int32_t)x;
        else if (width == 8 && ((int64_t *)v)[r] == INT64_MIN)
            ((int64_t *)v)[r] = x;
    }
    store_finish(q);
    return st;
}

enum status entity_columns_load(struct store *s, const char *const *names, size_t n,
                                struct entity_columns **out, struct err *e)
{
    struct entity_columns *c = xcalloc(1, sizeof *c);
    c->n = n;
    c->cols = xcalloc(n ? n : 1, sizeof *c->cols);
    c->owned = xcalloc(n ? n : 1, sizeof *c->owned);
    size_t *lens = xcalloc(n ? n : 1, sizeof *lens);
    enum status st = ST_OK;
    for (size_t i = 0; i < n && st == ST_OK; i++) {
        c->cols[i].name = names[i];
        struct store_stmt *q;
        if ((st = store_prepare(s, "SELECT width, n, vals FROM fact_columns WHERE name = ?", &q,
                                e)) != ST_OK)
            break;
        store_bind_text(q, 1, names[i]);
        int row;
        if ((st = store_step(q, &row, e)) == ST_OK && row) {
            int width = (int)store_col_int(q, 0);
            size_t rows = (size_t)store_col_int(q, 1), len;
            const void *v = store_col_blob(q, 2, &len);
            if (len != rows * (size_t)width) {
                st = err_set(e, ST_INTERNAL, names[i], "fact_columns: column is damaged");
            } else {
                c->owned[i] = xmalloc(len + 1);
                if (len)
                    memcpy(c->owned[i], v, len);
                c->cols[i].width = width;
                c->cols[i].v = c->owned[i];
                lens[i] = rows;
                if (rows > c->rows)
                    c->rows = rows;
            }
        }
        store_finish(q);
    }
    /* Every column as long as the longest: rows past a column's end have no value. */
    for (size_t i = 0; i < n && st == ST_OK; i++) {
        int width = c->cols[i].width;
        if (!width || lens[i] == c->rows)
            continue;
        c->owned[i] = xrealloc(c->owned[i], c->rows * (size_t)width + 1);
        for (size_t r = lens[i]; r < c->rows; r++) {
            if (width == 1)
                ((int8_t *)c->owned[i])[r] = INT8_MIN;
            else if (width == 4)
                ((int32_t *)c->owned[i])[r] = INT32_MIN;
            else
                ((int64_t *)c->owned[i])[r] = INT64_MIN;
        }
        c->cols[i].v = c->owned[i];
    }
    free(lens);
    for (size_t i = 0; i < n && st == ST_OK; i++)
        if (!strcmp(names[i], ENTITY_IN_ZONE_FACT) || !strcmp(names[i], ENTITY_INDUSTRY_FACT))
            st = registry_column(s, c, i, e);
    if (st != ST_OK) {
        entity_columns_free(c);
        return st;
    }
    *out = c;
    return ST_OK;
}

size_t entity_columns_rows(const struct entity_columns *c)
{
    return c->rows;
}

const struct entity_column *entity_columns_get(const struct entity_columns *c, size_t i)
{
    return &c->cols[i];
}

void entity_columns_free(struct entity_columns *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++)
        free(c->owned[i]);
    free(c->owned);
    free(c->cols);
    free(c);
}

/* ---------------------------------------------------------------- fact texts */

struct entity_texts {
    size_t n, rows;
    const char ***v; /* v[name][row] */
    struct arena *strings;
};

/* Steps q, rows of (entity id, text), into text column i where it has no text yet; finishes q. */
static enum status texts_fill(struct store_stmt *q, struct entity_texts *t, size_t i, struct err *e)
{
    int row;
    enum status st;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        int64_t id = store_col_int(q, 0);
        if (id <= 0 || (size_t)id >= t->rows || t->v[i][id])
            continue; /* an entity the columns do not have a row for, or one already read */
        const char *v = store_col_text(q, 1);
        size_t len = strlen(v);
        char *copy = arena_alloc(t->strings, len + 1);
        memcpy(copy, v, len + 1);
        t->v[i][id] = copy;
    }
    store_finish(q);
    return st;
}

enum status entity_texts_load(struct store *s, const char *const *names, size_t n, size_t rows,
                              struct entity_texts **out, struct err *e)
{
    struct entity_texts *t = xcalloc(1, sizeof *t);
    t->n = n;
    t->rows = rows;
    t->v = xcalloc(n ? n : 1, sizeof *t->v);
    t->strings = arena_new();
    enum status st = ST_OK;
    for (size_t i = 0; i < n && st == ST_OK; i++) {
        t->v[i] = xcalloc(rows ? rows : 1, sizeof *t->v[i]);
        struct store_stmt *q;
        /* The newest value of the entity's own fact, as entity_get reads it: latest date,
         * then latest recorded (a matter's facts are not in the columns). */
        if ((st = store_prepare(s,
                                "SELECT f.entity_id, f.value FROM entity_facts f WHERE f.name = ?"
                                " AND f.matter_key = '' AND f.id = (SELECT g.id FROM"
                                " entity_facts g WHERE g.entity_id = f.entity_id"
                                " AND g.matter_key = '' AND g.name = f.name"
                                " ORDER BY g.as_of DESC, g.id DESC LIMIT 1)",
                                &q, e)) != ST_OK)
            break;
        store_bind_text(q, 1, names[i]);
        st = texts_fill(q, t, i, e);
        int zone = !strcmp(names[i], ENTITY_IN_ZONE_FACT);
        if (st != ST_OK || (!zone && strcmp(names[i], ENTITY_INDUSTRY_FACT)))
            continue;
        /* the registry's, where the entity has no fact of the name */
        if ((st = store_prepare(s,
                                zone ? "SELECT id, CASE in_zone WHEN 1 THEN '是' ELSE '否' END"
                                       " FROM entities"
                                     : "SELECT id, industry FROM entities WHERE industry <> ''",
                                &q, e)) != ST_OK)
            break;
        st = texts_fill(q, t, i, e);
    }
    if (st != ST_OK) {
        entity_texts_free(t);
        return st;
    }
    *out = t;
    return ST_OK;
}

const char *const *entity_texts_get(const struct entity_texts *t, size_t i)
{
    return t->v[i];
}

void entity_texts_free(struct entity_texts *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        free(t->v[i]);
    free(t->v);
    arena_free(t->strings);
    free(t);
}
