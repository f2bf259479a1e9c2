/* xalloc: allocation that aborts on failure, for small allocations whose size the program
 * controls. Anything sized by input must check a hard cap first (see buf_*). */
#ifndef HQD_BASE_XALLOC_H
#define HQD_BASE_XALLOC_H

#include <stddef.h>

/* Each returns new memory (caller frees with free()); never NULL. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
/* Grows *p (an array of *cap elements of size elem) to hold at least need elements. */
void xgrow(void **p, size_t *cap, size_t need, size_t elem);

#endif
