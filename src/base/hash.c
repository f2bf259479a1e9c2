#include "base/hash.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(crypto_hash_sha256_state) <= sizeof(((struct hash_sha256 *)0)->state),
               "hash_sha256 state too small");

static void to_hex(const unsigned char *d, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 32; i++) {
        out[2 * i] = hex[d[i] >> 4];
        out[2 * i + 1] = hex[d[i] & 15];
    }
    out[64] = '\0';
}

void hash_sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1])
{
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(d, data, len);
    to_hex(d, out);
}

void hash_sha256_init(struct hash_sha256 *h)
{
    crypto_hash_sha256_init((crypto_hash_sha256_state *)(void *)h->state);
}

void hash_sha256_update(struct hash_sha256 *h, const void *data, size_t len)
{
    crypto_hash_sha256_update((crypto_hash_sha256_state *)(void *)h->state, data, len);
}

void hash_sha256_final_hex(struct hash_sha256 *h, char out[HASH_HEX_LEN + 1])
{
    unsigned char d[crypto_hash_sha256_BYTES];
    crypto_hash_sha256_final((crypto_hash_sha256_state *)(void *)h->state, d);
    to_hex(d, out);
}

void hash_sha256_field(struct hash_sha256 *h, const char *v)
{
    if (!v) {
        hash_sha256_update(h, "-:", 2);
        return;
    }
    /* "LEN:" then the bytes; written by hand because ledger verification hashes tens of
     * fields per line over a million lines, and printf showed in the profile. */
    size_t n = strlen(v), k = sizeof(char[24]) - 1;
    char len[24];
    len[k] = ':';
    size_t x = n;
    do {
        len[--k] = (char)('0' + x % 10);
        x /= 10;
    } while (x);
    hash_sha256_update(h, len + k, sizeof len - k);
    hash_sha256_update(h, v, n);
}
