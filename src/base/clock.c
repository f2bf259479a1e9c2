#include "base/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int clock_parse(const char *s, int64_t *t)
{
    int y, mo, d, h, mi, sec;
    char z;
    if (!s || strlen(s) != 20 ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &z) != 7 || z != 'Z')
        return 0;
    if (!date_valid(y, mo, d) || h > 23 || mi > 59 || sec > 60)
        return 0;
    *t = (int64_t)date_to_days((struct date){y, mo, d}) * 86400 + h * 3600 + mi * 60 + sec;
    return 1;
}

int64_t clock_now(void)
{
    int64_t t;
    if (clock_parse(getenv("HQD_NOW"), &t))
        return t;
    return (int64_t)time(NULL);
}

void clock_format(int64_t t, char *out, size_t outlen)
{
    long days = (long)(t >= 0 ? t / 86400 : (t - 86399) / 86400);
    long rem = (long)(t - (int64_t)days * 86400);
    struct date d = date_from_days(days);
    snprintf(out, outlen, "%04d-%02d-%02dT%02ld:%02ld:%02ldZ", d.y, d.m, d.d, rem / 3600,
             rem / 60 % 60, rem % 60);
}

void clock_now_iso(char *out, size_t outlen)
{
    clock_format(clock_now(), out, outlen);
}

struct date clock_today(void)
{
    int64_t t = clock_now() + 8 * 3600;
    return date_from_days((long)(t / 86400));
}
