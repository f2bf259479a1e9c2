/* buf: a growable byte buffer with a hard size cap, always NUL-terminated. */
#ifndef HQD_BASE_BUF_H
#define HQD_BASE_BUF_H

#include <stddef.h>

#include "base/err.h"

struct buf {
    char *data;   /* NUL-terminated once anything was appended; NULL before */
    size_t len;   /* bytes, without the terminator */
    size_t cap;   /* bytes allocated */
    size_t limit; /* hard cap on len; 0 means 1 GiB */
};

/* Initialises b empty with the given cap (0: 1 GiB). */
void buf_init(struct buf *b, size_t limit);
/* Frees b's memory; accepts NULL. */
void buf_cleanup(struct buf *b);
/* Appends n bytes; ST_LIMIT (nothing appended) if the cap would be exceeded. */
enum status buf_append(struct buf *b, const void *p, size_t n) HQD_MUST_CHECK;
enum status buf_puts(struct buf *b, const char *s) HQD_MUST_CHECK;
enum status buf_putc(struct buf *b, char c) HQD_MUST_CHECK;
enum status buf_printf(struct buf *b, const char *fmt, ...) HQD_MUST_CHECK HQD_PRINTF(2, 3);
/* Returns the data ("" when empty), borrowed until the next append or cleanup. */
const char *buf_str(const struct buf *b);
/* Returns new: the data, ownership passing to the caller; b is left empty. */
char *buf_detach(struct buf *b);

#endif
