/* hash: SHA-256 as lowercase hex, computed by OpenSSL's libcrypto, which uses the CPU's SHA
 * instructions where there are any (libsodium, which hqd keeps for passwords and randomness,
 * has only a portable SHA-256: four times slower, and the ledger verifier hashes a million
 * messages per million lines). libcrypto hashes one message per call; for many independent
 * messages (the ledger's links, each after its stored predecessor) hash_sha256_jobs drives
 * the SHA instructions itself, four messages in step, and is checked against libcrypto by the
 * tests and the ledger fuzz target. */
#ifndef HQD_BASE_HASH_H
#define HQD_BASE_HASH_H

#include <stddef.h>

#define HASH_HEX_LEN 64
#define HASH_LEN 32

/* Writes the 64 hex digits and a NUL into out (at least 65 bytes). */
void hash_sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1]);
/* The same for a followed by b, without copying them together. */
void hash_sha256_hex2(const void *a, size_t a_len, const void *b, size_t b_len,
                      char out[HASH_HEX_LEN + 1]);
/* The digest itself (32 bytes) of a followed by b. */
void hash_sha256_2(const void *a, size_t a_len, const void *b, size_t b_len,
                   unsigned char out[HASH_LEN]);
/* Many digests at once: SHA-256 of a followed by b into out, for each job. Four messages are
 * hashed in step with the CPU's SHA instructions where it has them (2.5 times the throughput
 * of one at a time on a single core); elsewhere, and for messages over 1,015 bytes, by
 * hash_sha256_2. */
struct hash_job {
    const void *a, *b;
    size_t a_len, b_len;
    unsigned char out[HASH_LEN];
};
void hash_sha256_jobs(struct hash_job *jobs, size_t n);
/* Whether hash_sha256_jobs uses the CPU's SHA instructions here. */
int hash_sha256_jobs_paired(void);
/* Reads 64 lowercase hex digits (what hash_sha256_hex writes) into 32 bytes; 0 if hex is not
 * that. */
int hash_from_hex(const char *hex, unsigned char out[HASH_LEN]);
/* The same for the len bytes at hex (no NUL needed): 0 unless they are 64 such digits. */
int hash_from_hex_len(const char *hex, size_t len, unsigned char out[HASH_LEN]);

/* Incremental form, for hashing several fields without concatenating them. Short messages
 * collect in buf and are hashed in one call at the end; only a longer one opens a digest
 * context, which hash_sha256_final_hex releases. */
#define HASH_SHA256_BUF 1024
struct hash_sha256 {
    unsigned char buf[HASH_SHA256_BUF];
    size_t len;
    void *ctx; /* EVP_MD_CTX, once buf has overflowed */
};
void hash_sha256_init(struct hash_sha256 *h);
void hash_sha256_update(struct hash_sha256 *h, const void *data, size_t len);
void hash_sha256_final_hex(struct hash_sha256 *h, char out[HASH_HEX_LEN + 1]);
/* Adds one field unambiguously: its length, a colon, its bytes ("-:" for NULL), so that no two
 * different field lists hash alike. Used by the hash chains (audit log, payout ledger). */
void hash_sha256_field(struct hash_sha256 *h, const char *v);

#endif
