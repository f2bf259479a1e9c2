/* Reporting periods: monthly 2020-04, ISO weekly 2020-W15, quarterly 2020-Q2. */
#include <stdio.h>
#include <string.h>

#include "ledger/ledger.h"

static const char *const cadence_names[] = {"weekly", "monthly", "quarterly"};
static const char *const light_names[] = {"green", "yellow", "red"};
static const char *const light_labels[] = {"绿灯", "黄灯", "红灯"};

const char *ledger_cadence_name(enum ledger_cadence c)
{
    return (unsigned)c <= CADENCE_QUARTERLY ? cadence_names[c] : "?";
}

int ledger_cadence_parse(const char *s, enum ledger_cadence *out)
{
    for (int i = 0; i <= CADENCE_QUARTERLY; i++)
        if (s && strcmp(s, cadence_names[i]) == 0) {
            *out = (enum ledger_cadence)i;
            return 1;
        }
    return 0;
}

const char *ledger_light_name(enum ledger_light_color c)
{
    return (unsigned)c <= LIGHT_RED ? light_names[c] : "?";
}

const char *ledger_light_label(enum ledger_light_color c)
{
    return (unsigned)c <= LIGHT_RED ? light_labels[c] : "?";
}

int ledger_light_parse(const char *s, enum ledger_light_color *out)
{
    for (int i = 0; i <= LIGHT_RED; i++)
        if (s && strcmp(s, light_names[i]) == 0) {
            *out = (enum ledger_light_color)i;
            return 1;
        }
    return 0;
}

static long weekday(long days) /* 0 = Monday; 1970-01-01 was a Thursday */
{
    return ((days % 7) + 7 + 3) % 7;
}

static long iso_week1_monday(int y)
{
    long jan4 = date_to_days((struct date){y, 1, 4});
    return jan4 - weekday(jan4);
}

static void make(struct ledger_period *p, struct date s, struct date e, const char *key)
{
    p->start = s;
    p->end = e;
    size_t n = strlen(key);
    if (n >= sizeof p->key)
        n = sizeof p->key - 1;
    memcpy(p->key, key, n);
    p->key[n] = '\0';
}

static int digits(const char *s, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        *v = *v * 10 + (s[i] - '0');
    }
    return 1;
}

int ledger_period_parse(const char *key, enum ledger_cadence c, struct ledger_period *out)
{
    int y, n;
    size_t len = key ? strlen(key) : 0;
    char buf[48];
    if (len < 7 || len > 8 || !digits(key, 4, &y) || key[4] != '-' || y < 2000 || y > 2199)
        return 0;
    switch (c) {
    case CADENCE_MONTHLY:
        if (len != 7 || !digits(key + 5, 2, &n) || n < 1 || n > 12)
            return 0;
        snprintf(buf, sizeof buf, "%04d-%02d", y, n);
        make(out, (struct date){y, n, 1}, date_month_end(y, n), buf);
        return 1;
    case CADENCE_QUARTERLY:
        if (len != 7 || key[5] != 'Q' || !digits(key + 6, 1, &n) || n < 1 || n > 4)
            return 0;
        snprintf(buf, sizeof buf, "%04d-Q%d", y, n);
        make(out, (struct date){y, 3 * n - 2, 1}, date_month_end(y, 3 * n), buf);
        return 1;
    case CADENCE_WEEKLY: {
        if (len != 8 || key[5] != 'W' || !digits(key + 6, 2, &n) || n < 1)
            return 0;
        long mon = iso_week1_monday(y) + (long)(n - 1) * 7;
        if (mon >= iso_week1_monday(y + 1))
            return 0; /* no week 53 this year */
        snprintf(buf, sizeof buf, "%04d-W%02d", y, n);
        make(out, date_from_days(mon), date_from_days(mon + 6), buf);
        return 1;
    }
    }
    return 0;
}

void ledger_period_of(struct date d, enum ledger_cadence c, struct ledger_period *out)
{
    char buf[48];
    switch (c) {
    case CADENCE_MONTHLY:
        snprintf(buf, sizeof buf, "%04d-%02d", d.y, d.m);
        break;
    case CADENCE_QUARTERLY:
        snprintf(buf, sizeof buf, "%04d-Q%d", d.y, (d.m - 1) / 3 + 1);
        break;
    case CADENCE_WEEKLY: {
        long k = date_to_days(d);
        struct date thu = date_from_days(k - weekday(k) + 3);
        long w = (k - weekday(k) - iso_week1_monday(thu.y)) / 7 + 1;
        snprintf(buf, sizeof buf, "%04d-W%02ld", thu.y, w);
        break;
    }
    }
    ledger_period_parse(buf, c, out);
}

void ledger_period_prev(const struct ledger_period *p, enum ledger_cadence c,
                        struct ledger_period *out)
{
    ledger_period_of(date_from_days(date_to_days(p->start) - 1), c, out);
}

void ledger_period_reporting(struct date d, enum ledger_cadence c, struct ledger_period *out)
{
    struct ledger_period cur;
    ledger_period_of(d, c, &cur);
    ledger_period_prev(&cur, c, out);
}
