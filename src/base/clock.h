/* clock: the current time as the store records it. */
#ifndef HQD_BASE_CLOCK_H
#define HQD_BASE_CLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "base/date.h"

/* Seconds since the epoch. The environment variable HQD_NOW, when set to
 * "YYYY-MM-DDTHH:MM:SSZ", fixes the time (tests, reproducible demos). */
int64_t clock_now(void);
/* Writes t as "YYYY-MM-DDTHH:MM:SSZ" into out (at least 21 bytes). */
void clock_format(int64_t t, char *out, size_t outlen);
/* clock_format(clock_now()). */
void clock_now_iso(char *out, size_t outlen);
/* Today's date in China (UTC+8), which is the date deadlines are counted in. */
struct date clock_today(void);
/* Parses "YYYY-MM-DDTHH:MM:SSZ"; returns 1 on success. */
int clock_parse(const char *s, int64_t *t);

#endif
