/* Wall-clock timing for the benchmarks. Elapsed seconds are the only floating point here: every
 * amount a benchmark computes stays int64 fen. */
#ifndef HQD_BENCH_CLOCK_H
#define HQD_BENCH_CLOCK_H

#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* Nanoseconds on the monotonic clock, as an integer: for benches next to money code, which keep
 * even their timing out of floating point. */
static inline int64_t bench_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* CPU time of the whole process (every thread), in nanoseconds. */
static inline int64_t bench_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* count per second over ns nanoseconds, in integers. */
static inline int64_t bench_per_s(int64_t count, int64_t ns)
{
    return ns > 0 ? (int64_t)((__int128)count * 1000000000 / ns) : 0;
}

/* ns as seconds with four decimals ("0.0254"), for printing without floating point. */
static inline const char *bench_fmt_s(int64_t ns, char out[32])
{
    snprintf(out, 32, "%lld.%04lld", (long long)(ns / 1000000000),
             (long long)(ns % 1000000000 / 100000));
    return out;
}

/* a / b as a ratio with two decimals ("1.29"). */
static inline const char *bench_fmt_ratio(int64_t a, int64_t b, char out[32])
{
    int64_t h = b > 0 ? (int64_t)((__int128)a * 100 / b) : 0;
    snprintf(out, 32, "%lld.%02lld", (long long)(h / 100), (long long)(h % 100));
    return out;
}

/* Seconds on the monotonic clock, for differences between two calls. */
static inline double bench_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

#endif
