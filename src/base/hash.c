#include "base/hash.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The digest is fetched once: looking it up by name on every call costs more than hashing a
 * short message. */
static EVP_MD *sha256_md;
static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
/* One digest context per thread, reused by every one-shot hash: EVP_Digest allocates and
 * frees a context on each call, which costs twice the hashing of a 300-byte ledger line. */
static pthread_key_t ctx_key;

static void fail(const char *what)
{
    /* Only an allocation inside libcrypto can fail here; treated like xmalloc's. */
    fprintf(stderr, "hqd: SHA-256 (libcrypto) failed in %s\n", what);
    abort();
}

static void ctx_free(void *ctx)
{
    EVP_MD_CTX_free(ctx);
}

static void fetch_sha256(void)
{
    sha256_md = EVP_MD_fetch(NULL, "SHA256", NULL);
    if (!sha256_md || pthread_key_create(&ctx_key, ctx_free))
        fail("EVP_MD_fetch");
}

/* This thread's context, created on first use and freed when the thread ends. */
static EVP_MD_CTX *thread_ctx(void)
{
    pthread_once(&sha256_once, fetch_sha256);
    EVP_MD_CTX *ctx = pthread_getspecific(ctx_key);
    if (!ctx) {
        if (!(ctx = EVP_MD_CTX_new()) || pthread_setspecific(ctx_key, ctx))
            fail("EVP_MD_CTX_new");
    }
    return ctx;
}

static const EVP_MD *sha256(void)
{
    pthread_once(&sha256_once, fetch_sha256);
    return sha256_md;
}

/* Two hex digits per byte from a table of all 256 (the ledger verifier turns two million
 * digests into hex per million lines; a nibble at a time was a fifth of its own hashing code). */
static const char hex_pairs[513] = {
#define HEX_ROW(h)                                                                                 \
    h "0" h "1" h "2" h "3" h "4" h "5" h "6" h "7" h "8" h "9" h "a" h "b" h "c" h "d" h "e" h "f"
    HEX_ROW("0") HEX_ROW("1") HEX_ROW("2") HEX_ROW("3") HEX_ROW("4") HEX_ROW("5") HEX_ROW("6")
        HEX_ROW("7") HEX_ROW("8") HEX_ROW("9") HEX_ROW("a") HEX_ROW("b") HEX_ROW("c") HEX_ROW("d")
            HEX_ROW("e") HEX_ROW("f")
#undef HEX_ROW
};

static void to_hex(const unsigned char *d, char *out)
{
    for (int i = 0; i < 32; i++)
        memcpy(out + 2 * i, hex_pairs + 2 * d[i], 2);
    out[64] = '\0';
}

void hash_sha256_hex(const void *data, size_t len, char out[HASH_HEX_LEN + 1])
{
    hash_sha256_hex2(data, len, "", 0, out);
}

void hash_sha256_2(const void *a, size_t a_len, const void *b, size_t b_len,
                   unsigned char out[HASH_LEN])
{
    EVP_MD_CTX *ctx = thread_ctx();
    if (!EVP_DigestInit_ex2(ctx, sha256_md, NULL) || !EVP_DigestUpdate(ctx, a, a_len) ||
        !EVP_DigestUpdate(ctx, b, b_len) || !EVP_DigestFinal_ex(ctx, out, NULL))
        fail("EVP_Digest");
}

void hash_sha256_hex2(const void *a, size_t a_len, const void *b, size_t b_len,
                      char out[HASH_HEX_LEN + 1])
{
    unsigned char d[HASH_LEN];
    hash_sha256_2(a, a_len, b, b_len, d);
    to_hex(d, out);
}

/* The value of each lowercase hex digit, 16 for any other byte. */
static const unsigned char hex_value[256] = {
#define X16 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16
    X16, X16, X16, 0,   1,   2,   3,   4,   5,  6,  7,  8,  9,  16, 16, 16, 16, 16, 16, /* 0x30 */
    X16, X16, 16,  10,  11,  12,  13,  14,  15, 16, 16, 16, 16, 16, 16, 16, 16, 16,     /* 0x60 */
    X16, X16, X16, X16, X16, X16, X16, X16, X16
#undef X16
};

int hash_from_hex(const char *hex, unsigned char out[HASH_LEN])
{
    for (int i = 0; i < HASH_LEN; i++) {
        unsigned hi = hex_value[(unsigned char)hex[2 * i]];
        if (hi == 16) /* not a digit, or the end of a shorter string */
            return 0;
        unsigned lo = hex_value[(unsigned char)hex[2 * i + 1]];
        if (lo == 16)
            return 0;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return hex[HASH_HEX_LEN] == '\0';
}

void hash_sha256_init(struct hash_sha256 *h)
{
    h->len = 0;
    h->ctx = NULL;
}

void hash_sha256_update(struct hash_sha256 *h, const void *data, size_t len)
{
    if (h->len + len <= sizeof h->buf) {
        memcpy(h->buf + h->len, data, len);
        h->len += len;
        return;
    }
    if (!h->ctx) {
        if (!(h->ctx = EVP_MD_CTX_new()) || !EVP_DigestInit_ex2(h->ctx, sha256(), NULL))
            fail("EVP_DigestInit_ex2");
    }
    if (!EVP_DigestUpdate(h->ctx, h->buf, h->len) || !EVP_DigestUpdate(h->ctx, data, len))
        fail("EVP_DigestUpdate");
    h->len = 0;
}

void hash_sha256_final_hex(struct hash_sha256 *h, char out[HASH_HEX_LEN + 1])
{
    if (!h->ctx) {
        hash_sha256_hex(h->buf, h->len, out);
        return;
    }
    unsigned char d[EVP_MAX_MD_SIZE];
    if (!EVP_DigestUpdate(h->ctx, h->buf, h->len) || !EVP_DigestFinal_ex(h->ctx, d, NULL))
        fail("EVP_DigestFinal_ex");
    EVP_MD_CTX_free(h->ctx);
    h->ctx = NULL;
    h->len = 0;
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
