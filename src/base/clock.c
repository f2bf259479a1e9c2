#include "base/clock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void clock_now_iso(char *out, size_t outlen)
{
    const char *fixed = getenv("HQD_NOW");
    if (fixed && strlen(fixed) == 20) {
        snprintf(out, outlen, "%s", fixed);
        return;
    }
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, outlen, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
