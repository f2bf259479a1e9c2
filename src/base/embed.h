/* embed: files compiled into the binary (calendar data, web assets), generated at build time by
 * cmake/embed_files.cmake. Each data array ends with an extra NUL so text can be used as a C
 * string. */
#ifndef HQD_BASE_EMBED_H
#define HQD_BASE_EMBED_H

#include <stddef.h>

struct embedded_file {
    const char *path;          /* relative to its source folder, e.g. "cn-workdays.txt" */
    const unsigned char *data; /* len bytes, then a NUL */
    size_t len;
};

/* Returns the embedded file at path in the table, or NULL. */
const struct embedded_file *embed_find(const struct embedded_file *table, size_t n,
                                       const char *path);

#endif
