#include "base/embed.h"

#include <string.h>

const struct embedded_file *embed_find(const struct embedded_file *table, size_t n,
                                       const char *path)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].path, path) == 0)
            return &table[i];
    return NULL;
}
