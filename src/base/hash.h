/* hash: SHA-256 (libsodium) as lowercase hex. */
#ifndef HQD_BASE_HASH_H
#define HQD_BASE_HASH_H

#include <stddef.h>

#define HASH_HEX_LEN 64

/* Writes the 64 hex digits and a NUL into out (at least 65 bytes). */
void hash_sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1]);

/* Incremental form, for hashing several fields without concatenating them. */
struct hash_sha256 {
    unsigned char state[128]; /* opaque; large enough for crypto_hash_sha256_state */
};
void hash_sha256_init(struct hash_sha256 *h);
void hash_sha256_update(struct hash_sha256 *h, const void *data, size_t len);
void hash_sha256_final_hex(struct hash_sha256 *h, char out[HASH_HEX_LEN + 1]);

#endif
