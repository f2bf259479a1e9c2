#include "base/date.h"

#include <stdio.h>
#include <string.h>

static int is_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int date_days_in_month(int y, int m)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12)
        return 0;
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

int date_valid(int y, int m, int d)
{
    return y >= 1 && y <= 9999 && m >= 1 && m <= 12 && d >= 1 && d <= date_days_in_month(y, m);
}

struct date date_month_end(int y, int m)
{
    return (struct date){y, m, date_days_in_month(y, m)};
}

struct date date_add_years(struct date dt, int n)
{
    dt.y += n;
    if (dt.m == 2 && dt.d == 29 && !is_leap(dt.y))
        dt.d = 28;
    return dt;
}

/* Howard Hinnant's days_from_civil. */
long date_to_days(struct date dt)
{
    long y = dt.y - (dt.m <= 2);
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long mp = (dt.m + 9) % 12;
    long doy = (153 * mp + 2) / 5 + dt.d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

struct date date_from_days(long z)
{
    z += 719468;
    long era = (z >= 0 ? z : z - 146096) / 146097;
    long doe = z - era * 146097;
    long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long y = yoe + era * 400;
    long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long mp = (5 * doy + 2) / 153;
    long d = doy - (153 * mp + 2) / 5 + 1;
    long m = mp < 10 ? mp + 3 : mp - 9;
    return (struct date){(int)(y + (m <= 2)), (int)m, (int)d};
}

void date_format(struct date dt, char *out, size_t outlen)
{
    snprintf(out, outlen, "%04d-%02d-%02d", dt.y, dt.m, dt.d);
}

int date_parse_iso(const char *s, struct date *out)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return 0;
    int v[3] = {0, 0, 0};
    const int start[3] = {0, 5, 8}, len[3] = {4, 2, 2};
    for (int k = 0; k < 3; k++)
        for (int j = 0; j < len[k]; j++) {
            char c = s[start[k] + j];
            if (c < '0' || c > '9')
                return 0;
            v[k] = v[k] * 10 + (c - '0');
        }
    if (!date_valid(v[0], v[1], v[2]))
        return 0;
    *out = (struct date){v[0], v[1], v[2]};
    return 1;
}

int date_cmp(struct date a, struct date b)
{
    /* field by field (dates are valid: what date_parse_iso and date_add give); a million ledger
     * lines compare their dates with their clauses' */
    if (a.y != b.y)
        return a.y < b.y ? -1 : 1;
    if (a.m != b.m)
        return a.m < b.m ? -1 : 1;
    return a.d < b.d ? -1 : a.d > b.d;
}
