#include "calendar/calendar.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/embed.h"
#include "base/xalloc.h"
#include "store/store.h"

extern const struct embedded_file hqd_data_files[];
extern const size_t hqd_data_files_count;

#define MAX_SPAN_DAYS 60 /* a holiday range longer than this is a typo */

struct calendar {
    struct calendar_day *days; /* sorted by day, unique */
    size_t n;
    long first, last; /* day numbers of the covered years: [Jan 1 of min year, Dec 31 of max] */
    unsigned char years[200]; /* years 2000..2199 with data */
};

static int cmp_day(const void *a, const void *b)
{
    long x = date_to_days(((const struct calendar_day *)a)->day);
    long y = date_to_days(((const struct calendar_day *)b)->day);
    return x < y ? -1 : x > y;
}

static int is_weekend(struct date d)
{
    long k = date_to_days(d);        /* 1970-01-01 was a Thursday */
    long wd = ((k % 7) + 7 + 3) % 7; /* 0 = Monday */
    return wd >= 5;
}

static void push(struct calendar_day **v, size_t *n, size_t *cap, struct date d,
                 enum calendar_kind kind, const char *name, size_t name_len)
{
    xgrow((void **)v, cap, *n + 1, sizeof **v);
    struct calendar_day *cd = &(*v)[(*n)++];
    cd->day = d;
    cd->kind = kind;
    if (name_len >= sizeof cd->name)
        name_len = sizeof cd->name - 1;
    /* Do not cut a UTF-8 character in half. */
    while (name_len > 0 && ((unsigned char)name[name_len] & 0xC0) == 0x80)
        name_len--;
    memcpy(cd->name, name, name_len);
    cd->name[name_len] = '\0';
}

static int parse_iso_at(const char *s, size_t n, struct date *d)
{
    if (n < 10)
        return 0;
    char buf[11];
    memcpy(buf, s, 10);
    buf[10] = '\0';
    return date_parse_iso(buf, d);
}

enum status calendar_parse(const char *text, size_t len, const char *name,
                           struct calendar_day **days, size_t *n, struct err *e)
{
    *days = NULL;
    *n = 0;
    size_t cap = 0, line_no = 0;
    char where[256];
    for (size_t i = 0; i < len;) {
        size_t eol = i;
        while (eol < len && text[eol] != '\n')
            eol++;
        line_no++;
        const char *l = text + i;
        size_t ll = eol - i;
        i = eol + 1;
        while (ll > 0 && (l[ll - 1] == '\r' || l[ll - 1] == ' ' || l[ll - 1] == '\t'))
            ll--;
        size_t lead = 0;
        while (lead < ll && (l[lead] == ' ' || l[lead] == '\t'))
            lead++;
        if (lead == ll || l[lead] == '#')
            continue;
        l += lead, ll -= lead;
        struct date a, b;
        size_t col = lead + 1;
        if (!parse_iso_at(l, ll, &a)) {
            snprintf(where, sizeof where, "%s: line %zu, column %zu", name, line_no, col);
            goto bad_date;
        }
        size_t p = 10;
        b = a;
        if (p + 2 <= ll && l[p] == '.' && l[p + 1] == '.') {
            if (!parse_iso_at(l + p + 2, ll - p - 2, &b)) {
                snprintf(where, sizeof where, "%s: line %zu, column %zu", name, line_no,
                         col + p + 2);
                goto bad_date;
            }
            p += 12;
        }
        long da = date_to_days(a), db = date_to_days(b);
        if (db < da || db - da > MAX_SPAN_DAYS) {
            snprintf(where, sizeof where, "%s: line %zu, column %zu", name, line_no, col);
            err_set(e, ST_INVALID, where, "日期范围无效：结束早于开始或超过 %d 天 (bad range)",
                    MAX_SPAN_DAYS);
            goto fail;
        }
        if (p >= ll || l[p] != ' ') {
            snprintf(where, sizeof where, "%s: line %zu, column %zu", name, line_no, col + p);
            err_set(e, ST_INVALID, where, "日期后应为空格和 holiday 或 workday (expected kind)");
            goto fail;
        }
        while (p < ll && l[p] == ' ')
            p++;
        enum calendar_kind kind;
        size_t kl;
        if (ll - p >= 7 && memcmp(l + p, "holiday", 7) == 0)
            kind = CAL_HOLIDAY, kl = 7;
        else if (ll - p >= 7 && memcmp(l + p, "workday", 7) == 0)
            kind = CAL_WORKDAY, kl = 7;
        else {
            snprintf(where, sizeof where, "%s: line %zu, column %zu", name, line_no, col + p);
            err_set(e, ST_INVALID, where,
                    "类别须为 holiday（放假）或 workday（调休上班） (bad kind)");
            goto fail;
        }
        p += kl;
        while (p < ll && l[p] == ' ')
            p++;
        if (p >= ll) {
            snprintf(where, sizeof where, "%s: line %zu, column %zu", name, line_no, col + p);
            err_set(e, ST_INVALID, where, "缺少节日名称 (missing name)");
            goto fail;
        }
        for (long k = da; k <= db; k++) {
            struct date d = date_from_days(k);
            if (kind == CAL_WORKDAY && !is_weekend(d)) {
                snprintf(where, sizeof where, "%s: line %zu, column %zu", name, line_no, col);
                err_set(e, ST_INVALID, where,
                        "%04d-%02d-%02d 是工作日，不必列为调休上班 (workday on a weekday)", d.y,
                        d.m, d.d);
                goto fail;
            }
            push(days, n, &cap, d, kind, l + p, ll - p);
        }
        continue;
    bad_date:
        err_set(e, ST_INVALID, where, "应为 YYYY-MM-DD 日期 (bad date)");
        goto fail;
    }
    qsort(*days, *n, sizeof **days, cmp_day);
    for (size_t k = 1; k < *n; k++)
        if (date_cmp((*days)[k].day, (*days)[k - 1].day) == 0 &&
            (*days)[k].kind != (*days)[k - 1].kind) {
            struct date d = (*days)[k].day;
            err_set(e, ST_INVALID, name, "%04d-%02d-%02d 同时列为放假和上班 (contradiction)", d.y,
                    d.m, d.d);
            goto fail;
        }
    return ST_OK;
fail:
    free(*days);
    *days = NULL;
    *n = 0;
    return ST_INVALID;
}

/* Merges extra into c (extra wins on the same day). Takes ownership of extra. */
static void merge(struct calendar *c, struct calendar_day *extra, size_t n)
{
    struct calendar_day *all = xmalloc((c->n + n + 1) * sizeof *all);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        all[k++] = extra[i];
    for (size_t i = 0; i < c->n; i++)
        all[k++] = c->days[i];
    qsort(all, k, sizeof *all, cmp_day);
    size_t w = 0;
    for (size_t i = 0; i < k; i++) {
        if (w && date_cmp(all[w - 1].day, all[i].day) == 0) {
            /* qsort is not stable: prefer an entry from extra explicitly. */
            for (size_t j = 0; j < n; j++)
                if (date_cmp(extra[j].day, all[i].day) == 0)
                    all[w - 1] = extra[j];
            continue;
        }
        all[w++] = all[i];
    }
    free(c->days);
    free(extra);
    c->days = all;
    c->n = w;
    memset(c->years, 0, sizeof c->years);
    for (size_t i = 0; i < c->n; i++) {
        int y = c->days[i].day.y;
        if (y >= 2000 && y < 2200)
            c->years[y - 2000] = 1;
    }
}

struct calendar *calendar_builtin(void)
{
    struct calendar *c = xcalloc(1, sizeof *c);
    const struct embedded_file *f =
        embed_find(hqd_data_files, hqd_data_files_count, "cn-workdays.txt");
    struct calendar_day *days = NULL;
    size_t n = 0;
    struct err e = {0};
    if (!f ||
        calendar_parse((const char *)f->data, f->len, "cn-workdays.txt", &days, &n, &e) != ST_OK) {
        /* The shipped file is checked by the tests; reaching this is a build defect. */
        fprintf(stderr, "hqd: built-in calendar is broken: %s %s\n", e.where, e.msg);
        abort();
    }
    merge(c, days, n);
    return c;
}

enum status calendar_load(struct store *s, struct calendar **out, struct err *e)
{
    struct calendar *c = calendar_builtin();
    struct store_stmt *q;
    enum status st = store_prepare(s, "SELECT day, kind, name FROM calendar_days", &q, e);
    if (st != ST_OK) {
        calendar_free(c);
        return st;
    }
    struct calendar_day *extra = NULL;
    size_t n = 0, cap = 0;
    int row;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        struct date d;
        if (!date_parse_iso(store_col_text(q, 0), &d))
            continue;
        const char *name = store_col_text(q, 2);
        push(&extra, &n, &cap, d,
             strcmp(store_col_text(q, 1), "workday") == 0 ? CAL_WORKDAY : CAL_HOLIDAY, name,
             strlen(name));
    }
    store_finish(q);
    if (st != ST_OK) {
        free(extra);
        calendar_free(c);
        return st;
    }
    merge(c, extra, n);
    *out = c;
    return ST_OK;
}

void calendar_free(struct calendar *c)
{
    if (!c)
        return;
    free(c->days);
    free(c);
}

static const struct calendar_day *find(const struct calendar *c, struct date d)
{
    struct calendar_day key = {.day = d};
    return bsearch(&key, c->days, c->n, sizeof *c->days, cmp_day);
}

int calendar_is_workday(const struct calendar *c, struct date d)
{
    const struct calendar_day *cd = find(c, d);
    if (cd)
        return cd->kind == CAL_WORKDAY;
    return !is_weekend(d);
}

struct date calendar_add_workdays(const struct calendar *c, struct date d, int n)
{
    long k = date_to_days(d);
    while (n > 0) {
        k++;
        if (calendar_is_workday(c, date_from_days(k)))
            n--;
    }
    return date_from_days(k);
}

int calendar_workdays_between(const struct calendar *c, struct date from, struct date to)
{
    int n = 0;
    for (long k = date_to_days(from) + 1, last = date_to_days(to); k <= last; k++)
        n += calendar_is_workday(c, date_from_days(k));
    return n;
}

int calendar_has_year(const struct calendar *c, int y)
{
    return y >= 2000 && y < 2200 && c->years[y - 2000];
}

const char *calendar_day_name(const struct calendar *c, struct date d)
{
    const struct calendar_day *cd = find(c, d);
    return cd ? cd->name : NULL;
}

enum status calendar_add(struct store *s, const char *actor, const char *text, size_t len,
                         const char *name, size_t *added, struct err *e)
{
    *added = 0;
    struct calendar_day *days;
    size_t n;
    enum status st = calendar_parse(text, len, name, &days, &n, e);
    if (st != ST_OK)
        return st;
    if (n == 0) {
        free(days);
        return err_set(e, ST_INVALID, name, "没有可添加的日期 (no days in the file)");
    }
    if ((st = store_begin(s, e)) != ST_OK) {
        free(days);
        return st;
    }
    char now[32];
    clock_now_iso(now, sizeof now);
    json_t *list = json_array();
    for (size_t i = 0; i < n && st == ST_OK; i++) {
        struct store_stmt *q;
        if ((st = store_prepare(s,
                                "INSERT INTO calendar_days (day, kind, name, added_at, added_by)"
                                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (day) DO UPDATE SET"
                                " kind = excluded.kind, name = excluded.name,"
                                " added_at = excluded.added_at, added_by = excluded.added_by",
                                &q, e)) != ST_OK)
            break;
        char iso[16];
        date_format(days[i].day, iso, sizeof iso);
        store_bind_text(q, 1, iso);
        store_bind_text(q, 2, days[i].kind == CAL_WORKDAY ? "workday" : "holiday");
        store_bind_text(q, 3, days[i].name);
        store_bind_text(q, 4, now);
        store_bind_text(q, 5, actor);
        st = store_run(q, e);
        json_array_append_new(
            list, json_pack("[ss]", iso, days[i].kind == CAL_WORKDAY ? "workday" : "holiday"));
    }
    if (st == ST_OK) {
        char *after = json_dumps(list, JSON_COMPACT);
        st = audit_append(s, actor, "calendar.add", "calendar", NULL, NULL, after, e);
        free(after);
    }
    json_decref(list);
    free(days);
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    if ((st = store_commit(s, e)) == ST_OK)
        *added = n;
    return st;
}
