/* date: proleptic Gregorian calendar dates without time zones. */
#ifndef HQD_BASE_DATE_H
#define HQD_BASE_DATE_H

#include <stddef.h>

struct date {
    int y, m, d; /* year 1..9999, month 1..12, day 1..31 */
};

/* Returns 1 if y-m-d is a real date. */
int date_valid(int y, int m, int d);
int date_days_in_month(int y, int m);
/* Returns the last day of month m of year y. */
struct date date_month_end(int y, int m);
/* Adds n years, clamping 29 Feb to 28 Feb. */
struct date date_add_years(struct date dt, int n);
/* Days since 1970-01-01 (negative before). */
long date_to_days(struct date dt);
struct date date_from_days(long days);
/* Writes "YYYY-MM-DD" into out (at least 11 bytes). */
void date_format(struct date dt, char *out, size_t outlen);
/* Parses exactly "YYYY-MM-DD"; returns 1 on success. */
int date_parse_iso(const char *s, struct date *out);
/* Returns -1, 0, 1. */
int date_cmp(struct date a, struct date b);

#endif
