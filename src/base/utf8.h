/* utf8: decoding, encoding and display width of UTF-8 text. */
#ifndef HQD_BASE_UTF8_H
#define HQD_BASE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Decodes one code point at s[*i] (len bytes in all) and advances *i.
 * Returns the code point, or -1 for an invalid or truncated sequence (then *i advances by 1).
 * Rejects overlong forms, surrogates and values above U+10FFFF. */
int32_t utf8_decode(const char *s, size_t len, size_t *i);

/* Returns 1 if s[0..len) is valid UTF-8; otherwise 0 and, if bad is not NULL, the byte
 * offset of the first invalid sequence in *bad. */
int utf8_valid(const char *s, size_t len, size_t *bad);

/* s (NUL-terminated) as valid UTF-8: each invalid or truncated sequence replaced by U+FFFD.
 * New string (caller frees). For text that may have been cut mid-character ("%.80s" of what a
 * user sent) before it goes where only valid UTF-8 may (JSON). */
char *utf8_repair(const char *s);

/* Writes cp as UTF-8 into out (at least 4 bytes); returns the number of bytes (1..4),
 * or 0 if cp is not a Unicode scalar value. */
size_t utf8_encode(uint32_t cp, char *out);

/* Returns the number of code points in s[0..len) (invalid bytes count as one each). */
size_t utf8_count(const char *s, size_t len);

/* Returns the terminal columns of a code point: 2 for East Asian wide/full-width, 0 for
 * combining marks and controls, 1 otherwise. */
int utf8_cp_width(uint32_t cp);

/* Returns the terminal columns of a NUL-terminated UTF-8 string. */
size_t utf8_width(const char *s);

#endif
