/* A small response cache for read-heavy GETs (the ledger, a task, the dashboard). An entry is
 * valid for one store version (the newest audit row id: every write appends one), so any write,
 * from this process or another, invalidates everything. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "http/http_int.h"

#define CACHE_SLOTS 256
#define CACHE_MAX_BODY ((size_t)4 << 20)

struct entry {
    char *key;
    int64_t version;
    char *body;
    size_t len;
};

static struct entry slots[CACHE_SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

static uint32_t slot_of(const char *key)
{
    uint32_t h = 2166136261u;
    for (const unsigned char *p = (const unsigned char *)key; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h % CACHE_SLOTS;
}

int http_cache_get(const char *key, int64_t version, char **body, size_t *len)
{
    int hit = 0;
    pthread_mutex_lock(&lock);
    struct entry *e = &slots[slot_of(key)];
    if (e->key && e->version == version && strcmp(e->key, key) == 0) {
        *body = xmalloc(e->len + 1);
        memcpy(*body, e->body, e->len);
        (*body)[e->len] = '\0';
        *len = e->len;
        hit = 1;
    }
    pthread_mutex_unlock(&lock);
    return hit;
}

void http_cache_put(const char *key, int64_t version, const char *body, size_t len)
{
    if (len > CACHE_MAX_BODY)
        return;
    char *k = xstrdup(key), *b = xmalloc(len + 1);
    memcpy(b, body, len);
    b[len] = '\0';
    pthread_mutex_lock(&lock);
    struct entry *e = &slots[slot_of(key)];
    char *old_k = e->key, *old_b = e->body;
    e->key = k;
    e->body = b;
    e->len = len;
    e->version = version;
    pthread_mutex_unlock(&lock);
    free(old_k);
    free(old_b);
}
