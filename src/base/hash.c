#include "base/hash.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stdint.h>
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

/* ---------------------------------------------------------------- many messages at once
 *
 * The rounds of one SHA-256 message each wait for the one before (the CPU's SHA round
 * instruction takes four cycles and could start one every two), so a single message leaves
 * the unit idle much of the time; messages hashed in step fill it (on 254-byte messages here:
 * 240-260 ns a message one at a time, 142 two in step, 112-115 four). libcrypto hashes one
 * message per call, so hash_sha256_jobs drives the instructions itself, four at a time, where
 * the CPU has them (x86-64 with the SHA extensions), and falls back to libcrypto elsewhere
 * and for long messages. The tests compare both on every length up to past the copy's room. */

#define JOB_ROOM 1024 /* padded bytes a message is copied into: 16 blocks */

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
#include <immintrin.h>

#define SHA_TARGET __attribute__((target("sha,sse4.1,ssse3")))
#define SHA_INLINE __attribute__((target("sha,sse4.1,ssse3"), always_inline)) static inline

static const uint32_t round_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static const uint32_t initial_h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                      0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};

/* The state as the round instruction holds it: ABEF and CDGH. */
struct sha_state {
    __m128i abef, cdgh;
};

SHA_INLINE struct sha_state state_initial(void)
{
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&initial_h[0]), 0xB1);
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&initial_h[4]), 0x1B);
    return (struct sha_state){_mm_alignr_epi8(abcd, efgh, 8), _mm_blend_epi16(efgh, abcd, 0xF0)};
}

/* The digest's bytes: the eight words big-endian. */
SHA_INLINE void state_digest(struct sha_state s, unsigned char out[HASH_LEN])
{
    __m128i feba = _mm_shuffle_epi32(s.abef, 0x1B), dchg = _mm_shuffle_epi32(s.cdgh, 0xB1);
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bll, 0x0405060700010203ll);
    _mm_storeu_si128((__m128i *)out, _mm_shuffle_epi8(_mm_blend_epi16(feba, dchg, 0xF0), swap));
    _mm_storeu_si128((__m128i *)(out + 16), _mm_shuffle_epi8(_mm_alignr_epi8(dchg, feba, 8), swap));
}

/* Rounds 4g .. 4g + 3 over the message words w. */
SHA_INLINE void rounds4(struct sha_state *s, __m128i w, int g)
{
    __m128i m = _mm_add_epi32(w, _mm_loadu_si128((const __m128i *)&round_k[4 * g]));
    s->cdgh = _mm_sha256rnds2_epu32(s->cdgh, s->abef, m);
    s->abef = _mm_sha256rnds2_epu32(s->abef, s->cdgh, _mm_shuffle_epi32(m, 0x0E));
}

/* Message words 4g .. 4g + 3 (g >= 4) from the sixteen before, kept four by four in w[g % 4]. */
SHA_INLINE __m128i schedule4(__m128i w[4], int g)
{
    __m128i t = _mm_sha256msg1_epu32(w[g & 3], w[(g + 1) & 3]);
    t = _mm_add_epi32(t, _mm_alignr_epi8(w[(g + 3) & 3], w[(g + 2) & 3], 4));
    return w[g & 3] = _mm_sha256msg2_epu32(t, w[(g + 3) & 3]);
}

SHA_INLINE __m128i load_words(const unsigned char *p)
{
    const __m128i swap = _mm_set_epi64x(0x0c0d0e0f08090a0bll, 0x0405060700010203ll);
    return _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)p), swap);
}

/* n 64-byte blocks of one message. */
SHA_TARGET static void blocks1(struct sha_state *s, const unsigned char *p, size_t n)
{
    for (; n; n--, p += 64) {
        struct sha_state was = *s;
        __m128i w[4];
        for (int g = 0; g < 4; g++)
            rounds4(s, w[g] = load_words(p + 16 * g), g);
        for (int g = 4; g < 16; g++)
            rounds4(s, schedule4(w, g), g);
        s->abef = _mm_add_epi32(s->abef, was.abef);
        s->cdgh = _mm_add_epi32(s->cdgh, was.cdgh);
    }
}

/* n blocks of each of two messages, their rounds interleaved. */
SHA_TARGET static void blocks2(struct sha_state *s, const unsigned char *p, struct sha_state *t,
                               const unsigned char *q, size_t n)
{
    for (; n; n--, p += 64, q += 64) {
        struct sha_state s_was = *s, t_was = *t;
        __m128i w[4], v[4];
        for (int g = 0; g < 4; g++) {
            rounds4(s, w[g] = load_words(p + 16 * g), g);
            rounds4(t, v[g] = load_words(q + 16 * g), g);
        }
        for (int g = 4; g < 16; g++) {
            rounds4(s, schedule4(w, g), g);
            rounds4(t, schedule4(v, g), g);
        }
        s->abef = _mm_add_epi32(s->abef, s_was.abef);
        s->cdgh = _mm_add_epi32(s->cdgh, s_was.cdgh);
        t->abef = _mm_add_epi32(t->abef, t_was.abef);
        t->cdgh = _mm_add_epi32(t->cdgh, t_was.cdgh);
    }
}

/* n blocks of each of four messages, their rounds interleaved: the round instruction waits on
 * the one before, and four messages keep the SHA unit busier than two (a fifth less time a
 * message measured here, for all the registers they need). */
SHA_TARGET static void blocks4(struct sha_state s[4], const unsigned char *const p[4], size_t n)
{
    for (size_t b = 0; b < n; b++) {
        struct sha_state was[4] = {s[0], s[1], s[2], s[3]};
        __m128i w[4][4];
        for (int g = 0; g < 4; g++)
            for (int k = 0; k < 4; k++)
                rounds4(&s[k], w[k][g] = load_words(p[k] + 64 * b + 16 * g), g);
        for (int g = 4; g < 16; g++)
            for (int k = 0; k < 4; k++)
                rounds4(&s[k], schedule4(w[k], g), g);
        for (int k = 0; k < 4; k++) {
            s[k].abef = _mm_add_epi32(s[k].abef, was[k].abef);
            s[k].cdgh = _mm_add_epi32(s[k].cdgh, was[k].cdgh);
        }
    }
}

/* Copies a job's a ‖ b into room with SHA-256's padding; returns its blocks, 0 if it does not
 * fit. */
static size_t job_pad(const struct hash_job *j, unsigned char room[JOB_ROOM])
{
    size_t len = j->a_len + j->b_len, blocks = (len + 9 + 63) / 64;
    if (len > JOB_ROOM - 9)
        return 0;
    if (j->a_len)
        memcpy(room, j->a, j->a_len);
    if (j->b_len)
        memcpy(room + j->a_len, j->b, j->b_len);
    memset(room + len, 0, blocks * 64 - len);
    room[len] = 0x80;
    uint64_t bits = (uint64_t)len * 8;
    for (int i = 0; i < 8; i++)
        room[blocks * 64 - 1 - i] = (unsigned char)(bits >> (8 * i));
    return blocks;
}

/* Up to four jobs, their messages padded in room: four in step for as many blocks as all
 * four have, then those with blocks left two by two, then one. */
SHA_TARGET static void hash_group(struct hash_job *const job[4], size_t n,
                                  unsigned char room[4][JOB_ROOM], const size_t blocks[4])
{
    struct sha_state s[4] = {state_initial(), state_initial(), state_initial(), state_initial()};
    size_t done = 0; /* blocks hashed of every message */
    if (n == 4) {
        done = blocks[0];
        for (size_t k = 1; k < 4; k++)
            if (blocks[k] < done)
                done = blocks[k];
        const unsigned char *const p[4] = {room[0], room[1], room[2], room[3]};
        blocks4(s, p, done);
    }
    size_t left[4], n_left = 0;
    for (size_t k = 0; k < n; k++)
        if (blocks[k] > done)
            left[n_left++] = k;
    size_t k = 0;
    for (; k + 1 < n_left; k += 2) {
        size_t a = left[k], b = left[k + 1];
        size_t both = (blocks[a] < blocks[b] ? blocks[a] : blocks[b]) - done;
        blocks2(&s[a], room[a] + 64 * done, &s[b], room[b] + 64 * done, both);
        blocks1(&s[a], room[a] + 64 * (done + both), blocks[a] - done - both);
        blocks1(&s[b], room[b] + 64 * (done + both), blocks[b] - done - both);
    }
    if (k < n_left)
        blocks1(&s[left[k]], room[left[k]] + 64 * done, blocks[left[k]] - done);
    for (k = 0; k < n; k++)
        state_digest(s[k], job[k]->out);
}

SHA_TARGET static void jobs_paired(struct hash_job *jobs, size_t n)
{
    unsigned char room[4][JOB_ROOM];
    struct hash_job *job[4];
    size_t blocks[4], g = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i < n) {
            if (!(blocks[g] = job_pad(&jobs[i], room[g]))) { /* too long for the room */
                hash_sha256_2(jobs[i].a, jobs[i].a_len, jobs[i].b, jobs[i].b_len, jobs[i].out);
                continue;
            }
            job[g] = &jobs[i];
            if (++g < 4)
                continue;
        }
        if (g)
            hash_group(job, g, room, blocks);
        g = 0;
    }
}

static int cpu_has_sha(void)
{
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d) || !(c & bit_SSE4_1) || !(c & bit_SSSE3))
        return 0;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b & bit_SHA);
}
#else
static int cpu_has_sha(void)
{
    return 0;
}
static void jobs_paired(struct hash_job *jobs, size_t n)
{
    (void)jobs;
    (void)n;
}
#endif

static int paired; /* whether jobs_paired runs here */
static pthread_once_t paired_once = PTHREAD_ONCE_INIT;

static void paired_check(void)
{
    paired = cpu_has_sha();
}

int hash_sha256_jobs_paired(void)
{
    pthread_once(&paired_once, paired_check);
    return paired;
}

void hash_sha256_jobs(struct hash_job *jobs, size_t n)
{
    if (hash_sha256_jobs_paired()) {
        jobs_paired(jobs, n);
        return;
    }
    for (size_t i = 0; i < n; i++)
        hash_sha256_2(jobs[i].a, jobs[i].a_len, jobs[i].b, jobs[i].b_len, jobs[i].out);
}

#if !defined(__SSE2__)
/* The value of each lowercase hex digit, 16 for any other byte. */
static const unsigned char hex_value[256] = {
#define X16 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16, 16
    X16, X16, X16, 0,   1,   2,   3,   4,   5,  6,  7,  8,  9,  16, 16, 16, 16, 16, 16, /* 0x30 */
    X16, X16, 16,  10,  11,  12,  13,  14,  15, 16, 16, 16, 16, 16, 16, 16, 16, 16,     /* 0x60 */
    X16, X16, X16, X16, X16, X16, X16, X16, X16
#undef X16
};
#endif

#if defined(__SSE2__)
#include <emmintrin.h>

/* 16 hex digits into 8 bytes, sixteen at once (the ledger verifier reads a stored hash per
 * line, and a table walk was 2% of it); all-ones in *bad where a byte is not a digit. */
static inline __m128i hex16(const char *p, __m128i *bad)
{
    const __m128i flip = _mm_set1_epi8((char)0x80);
    __m128i v = _mm_loadu_si128((const __m128i *)p);
    /* unsigned x < k as signed (x ^ 0x80) < (k ^ 0x80) */
    __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0')), l = _mm_sub_epi8(v, _mm_set1_epi8('a'));
    __m128i is_d = _mm_cmplt_epi8(_mm_xor_si128(d, flip), _mm_set1_epi8((char)(10 ^ 0x80)));
    __m128i is_l = _mm_cmplt_epi8(_mm_xor_si128(l, flip), _mm_set1_epi8((char)(6 ^ 0x80)));
    *bad = _mm_or_si128(*bad, _mm_andnot_si128(_mm_or_si128(is_d, is_l), _mm_set1_epi8(-1)));
    __m128i nib = _mm_or_si128(_mm_and_si128(is_d, d),
                               _mm_and_si128(is_l, _mm_add_epi8(l, _mm_set1_epi8(10))));
    /* byte pairs (high digit first) as 16-bit lanes: (first << 4) | second */
    return _mm_or_si128(_mm_slli_epi16(_mm_and_si128(nib, _mm_set1_epi16(0x00ff)), 4),
                        _mm_srli_epi16(nib, 8));
}

static int from_hex64(const char *hex, unsigned char out[HASH_LEN])
{
    __m128i bad = _mm_setzero_si128();
    __m128i a = hex16(hex, &bad), b = hex16(hex + 16, &bad), c = hex16(hex + 32, &bad),
            d = hex16(hex + 48, &bad);
    if (_mm_movemask_epi8(bad))
        return 0;
    _mm_storeu_si128((__m128i *)out, _mm_packus_epi16(a, b));
    _mm_storeu_si128((__m128i *)(out + 16), _mm_packus_epi16(c, d));
    return 1;
}
#else
static int from_hex64(const char *hex, unsigned char out[HASH_LEN])
{
    for (int i = 0; i < HASH_LEN; i++) {
        unsigned hi = hex_value[(unsigned char)hex[2 * i]];
        unsigned lo = hex_value[(unsigned char)hex[2 * i + 1]];
        if (hi == 16 || lo == 16)
            return 0;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 1;
}
#endif

int hash_from_hex_len(const char *hex, size_t len, unsigned char out[HASH_LEN])
{
    return len == HASH_HEX_LEN && from_hex64(hex, out);
}

int hash_from_hex(const char *hex, unsigned char out[HASH_LEN])
{
    return hash_from_hex_len(hex, strnlen(hex, HASH_HEX_LEN + 1), out);
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
