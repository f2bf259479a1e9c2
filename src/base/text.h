/* text: decoding text files from the encodings Chinese offices use. */
#ifndef HQD_BASE_TEXT_H
#define HQD_BASE_TEXT_H

#include <stddef.h>

#include "base/err.h"

/* Decodes data (named name in errors) to UTF-8: UTF-16 with a BOM, UTF-8 with or without a BOM,
 * else GB18030/GBK. CRLF and CR become LF; other control characters become spaces, and a file
 * mostly made of them is refused as binary, as are NUL bytes, an empty or blank file, one over
 * max_bytes (ST_LIMIT), and bytes no encoding accepts (with their line and column). *out is new
 * (free()), NUL-terminated; *encoding is static ("UTF-8", "UTF-16LE", "GB18030"…). */
enum status text_decode(const char *data, size_t len, const char *name, size_t max_bytes,
                        char **out, size_t *out_len, const char **encoding,
                        struct err *e) HQD_MUST_CHECK;

#endif
