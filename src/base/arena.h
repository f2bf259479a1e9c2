/* arena: a bump allocator for many small objects freed together (a parsed document, a request).
 * Allocation aborts on out-of-memory like xmalloc. */
#ifndef HQD_BASE_ARENA_H
#define HQD_BASE_ARENA_H

#include <stddef.h>

struct arena;

/* Returns new (free with arena_free). */
struct arena *arena_new(void);
/* Frees the arena and everything allocated from it; accepts NULL. */
void arena_free(struct arena *a);
/* Returns memory owned by a, aligned for any type, zero-filled. */
void *arena_alloc(struct arena *a, size_t n);
/* Returns a copy of s[0..n) NUL-terminated, owned by a. */
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_strdup(struct arena *a, const char *s);

#endif
