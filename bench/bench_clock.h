/* Wall-clock timing for the benchmarks. Elapsed seconds are the only floating point here: every
 * amount a benchmark computes stays int64 fen. */
#ifndef HQD_BENCH_CLOCK_H
#define HQD_BENCH_CLOCK_H

#include <time.h>

/* Seconds on the monotonic clock, for differences between two calls. */
static inline double bench_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
