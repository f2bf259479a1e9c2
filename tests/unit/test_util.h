/* Helpers shared by the unit tests. */
#ifndef HQD_TEST_UTIL_H
#define HQD_TEST_UTIL_H

#include <stdio.h>
#include <stdlib.h>

/* Returns new: the whole file at HQD_SOURCE_DIR/rel, or NULL. */
static inline char *test_read(const char *rel, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", HQD_SOURCE_DIR, rel);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = malloc((size_t)n + 1);
    if (fread(d, 1, (size_t)n, f) != (size_t)n) {
        fclose(f);
        free(d);
        return NULL;
    }
    d[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return d;
}

#endif
