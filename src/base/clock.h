/* clock: the current time as the store records it. */
#ifndef HQD_BASE_CLOCK_H
#define HQD_BASE_CLOCK_H

#include <stddef.h>

/* Writes the current UTC time as "YYYY-MM-DDTHH:MM:SSZ" into out (at least 21 bytes).
 * The environment variable HQD_NOW, when set to such a string, fixes the time (tests,
 * reproducible demos). */
void clock_now_iso(char *out, size_t outlen);

#endif
