/* Wall-clock timing for the benchmarks. Elapsed seconds are the only floating point here: every
 * amount a benchmark computes stays int64 fen. */
#ifndef HQD_BENCH_CLOCK_H
#define HQD_BENCH_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Nanoseconds on the monotonic clock, as an integer: for benches next to money code, which keep
 * even their timing out of floating point. */
static inline int64_t bench_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Seconds on the monotonic clock, for differences between two calls. */
static inline double bench_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
