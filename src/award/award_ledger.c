/* The payout ledger's stored lines (each row the bytes its hash covers: format 4, a JSON array,
 * and format 3 before it, a fixed-width head; see docs/internals/policy.md, "Ledger lines") and
 * the verifier that replays them, reading on one thread and replaying on another (on a single
 * CPU, both in turn on one). */
#define _GNU_SOURCE /* for MADV_HUGEPAGE and sched_getaffinity, which are not POSIX */
#include "award/award.h"
#include "award/award_int.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "audit/audit.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/date.h"
#include "base/hash.h"
#include "base/money.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "policy/policy.h"
#include "store/store.h"

const struct audit_chain award_ledger_chain = {"兑付账本", "payouts"};

static const char GENESIS[] = "0000000000000000000000000000000000000000000000000000000000000000";

/* v in decimal, as "%" PRId64 writes it (the verifier hashes a million lines: no printf). */
static void dec(int64_t v, char out[24])
{
    char tmp[24];
    int n = 0, neg = v < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    int k = 0;
    if (neg)
        out[k++] = '-';
    while (n)
        out[k++] = tmp[--n];
    out[k] = '\0';
}

/* The hash of a line of format 1 or 2: its fields one by one (hash_sha256_field). */
static void line_hash_fields(const char *prev, const struct line *l, char out[HASH_HEX_LEN + 1])
{
    char nums[7][24];
    dec(l->id, nums[0]);
    dec(l->app, nums[1]);
    dec(l->entity, nums[2]);
    dec(l->year, nums[3]);
    dec(l->amount, nums[4]);
    dec(l->cap_used, nums[5]);
    dec(l->reverses, nums[6]);
    struct hash_sha256 h;
    hash_sha256_init(&h);
    hash_sha256_field(&h, prev);
    for (int i = 0; i < 3; i++)
        hash_sha256_field(&h, nums[i]);
    hash_sha256_field(&h, l->clause);
    hash_sha256_field(&h, l->pack);
    hash_sha256_field(&h, l->inputs);
    for (int i = 3; i < 7; i++)
        hash_sha256_field(&h, nums[i]);
    hash_sha256_field(&h, l->at);
    hash_sha256_field(&h, l->by);
    if (l->format >= 2) {
        int64_t more[] = {l->format,      l->claimed,      l->budget_used,
                          l->budget_held, l->matter_prior, l->batch};
        for (size_t i = 0; i < sizeof more / sizeof more[0]; i++) {
            char num[24];
            dec(more[i], num);
            hash_sha256_field(&h, num);
        }
        hash_sha256_field(&h, l->matter ? l->matter : "");
    }
    hash_sha256_final_hex(&h, out);
}

/* A stored hash as written (hex) and as the 32 bytes a line of format 4 is chained to. */
struct link {
    char hex[HASH_HEX_LEN + 1];
    unsigned char raw[HASH_LEN];
    int raw_ok; /* hex is 64 lowercase hex digits */
};

/* k from the len bytes stored (NULL: none); a hash with more than its 64 digits is not one. */
static void link_set(struct link *k, const char *stored, size_t len)
{
    size_t n = stored ? (len < HASH_HEX_LEN ? len : HASH_HEX_LEN) : 0;
    if (n == HASH_HEX_LEN) /* as nearly always: a copy of known size, without a call */
        memcpy(k->hex, stored, HASH_HEX_LEN);
    else
        memcpy(k->hex, stored ? stored : "", n);
    k->hex[n] = '\0';
    k->raw_ok = stored && hash_from_hex_len(stored, len, k->raw);
}

static void link_set_text(struct link *k, const char *text)
{
    link_set(k, text, text ? strlen(text) : 0);
}

/* What a stored line of format 3 or 4 is hashed after: the line before's hash in hex before
 * a line of format 3, as its 32 bytes before one of format 4 (a block of SHA-256 fewer for a
 * third of the lines); NULL if a stored hash a line of format 4 needs is not hex. */
static const void *line_hash_prefix(const struct link *prev, const unsigned char *line,
                                    const struct link *stored, size_t *len)
{
    if (line[0] != '[') {
        *len = HASH_HEX_LEN;
        return prev->hex;
    }
    *len = HASH_LEN;
    return prev->raw_ok && stored->raw_ok ? prev->raw : NULL;
}

/* Whether a stored line is hashed as its bytes (formats 3 and 4) rather than field by field. */
static inline int line_hashed_whole(const unsigned char *line, size_t len)
{
    return line && len > 0 && (line[0] == '3' || line[0] == '[');
}

/* ---------------------------------------------------------------- stored lines of format 3
 *
 * A line of formats 1-3 is a fixed-width ASCII head and five strings (db/migrations/018 names
 * the fields and generates the table's columns from them): integers zero-padded, money signed.
 * Lines of format 4 are JSON arrays (below). */
enum {
    AT_FORMAT = 0,
    AT_ID = 1,
    AT_APP = 11,
    AT_ENTITY = 21,
    AT_YEAR = 31,
    AT_AMOUNT = 35,
    AT_CAP_USED = 51,
    AT_REVERSES = 67,
    AT_CLAIMED = 77,
    AT_BUDGET_USED = 93,
    AT_BUDGET_HELD = 109,
    AT_MATTER_PRIOR = 125,
    AT_BATCH = 141,
    AT_PACK = 151,
    AT_CREATED = 215,
    AT_APPLIED_ON = 235,
    AT_LENGTHS = 245, /* of clause 3, matter 3, created by 3, inputs SHA 2, inputs 5 */
    LINE_HEAD = 261
};
#define ID_WIDTH 10
#define MONEY_WIDTH 16
static const int string_width[5] = {3, 3, 3, 2, 5};

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The eight digits of w (the first in its lowest byte) as a number; w must be digits. */
static inline uint64_t digits8_value(uint64_t w)
{
    w -= 0x3030303030303030ull;
    w = w * 10 + (w >> 8); /* byte pairs as two-digit numbers */
    return ((w & 0x000000FF000000FFull) * (100 + (1000000ull << 32)) +
            ((w >> 16) & 0x000000FF000000FFull) * (1 + (10000ull << 32))) >>
           32;
}

/* The first k (1-7) digits of w as a number: right-aligned behind '0's. */
static inline uint64_t digits_first(uint64_t w, unsigned k)
{
    return digits8_value((w << (8 * (8 - k))) | (0x3030303030303030ull >> (8 * k)));
}

/* The eight digits at p as a number, without a branch per digit; *bad gets a bit if one of
 * the bytes is not a digit. */
static uint64_t digits8(const unsigned char *p, unsigned *bad)
{
    uint64_t w;
    memcpy(&w, p, 8);
    /* each byte 0x30-0x39: its high nibble is 3, and adding 6 keeps it 3 */
    *bad |= ((w & 0xF0F0F0F0F0F0F0F0ull) |
             (((w + 0x0606060606060606ull) & 0xF0F0F0F0F0F0F0F0ull) >> 4)) != 0x3333333333333333ull;
    return digits8_value(w);
}
#endif

/* Reads width digits (money: a sign first); 0 if they are not. Inlined where it is called with
 * constant widths, so that each call keeps only its own branch. */
static inline __attribute__((always_inline)) int get_num(const unsigned char *p, int width,
                                                         int sign, int64_t *out)
{
    int neg = 0;
    if (sign) {
        if (*p != '+' && *p != '-')
            return 0;
        neg = *p++ == '-';
        width--;
    }
    /* eight digits at a time where there are eight: the verifier reads 170 of them per line,
     * and a loop of one digit at a time was a third of decoding a line */
    uint64_t v = 0;
    unsigned bad = 0;
    int i = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    _Static_assert(MONEY_WIDTH == 16 && ID_WIDTH == 10, "the divisors below");
    if (width == MONEY_WIDTH - 1 || width == ID_WIDTH) {
        /* the first eight and the last eight, less the digits the two share (divided by
         * constants: no division instruction) */
        uint64_t first = digits8(p, &bad), last = digits8(p + width - 8, &bad);
        v = (width == ID_WIDTH ? first / 1000000 : first / 10) * 100000000 + last;
        i = width;
    } else if (width >= 8) {
        v = digits8(p, &bad);
        i = 8;
    }
#endif
    for (; i < width; i++) {
        unsigned d = (unsigned)p[i] - '0';
        bad |= d > 9;
        v = v * 10 + d;
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return !bad;
}

/* The head's numbers other than format and year: where, how wide, whether signed (money), their
 * name in messages, and the int64_t member of struct line each is. */
static const struct head_num {
    int at, width, sign;
    const char *label;
    size_t member;
} head_nums[] = {
    {AT_ID, ID_WIDTH, 0, "行号", offsetof(struct line, id)},
    {AT_APP, ID_WIDTH, 0, "申请编号", offsetof(struct line, app)},
    {AT_ENTITY, ID_WIDTH, 0, "主体编号", offsetof(struct line, entity)},
    {AT_AMOUNT, MONEY_WIDTH, 1, "金额", offsetof(struct line, amount)},
    {AT_CAP_USED, MONEY_WIDTH, 1, "本年度已兑付", offsetof(struct line, cap_used)},
    {AT_REVERSES, ID_WIDTH, 0, "被追回的行", offsetof(struct line, reverses)},
    {AT_CLAIMED, MONEY_WIDTH, 1, "核定金额", offsetof(struct line, claimed)},
    {AT_BUDGET_USED, MONEY_WIDTH, 1, "预算已兑付", offsetof(struct line, budget_used)},
    {AT_BUDGET_HELD, MONEY_WIDTH, 1, "预算预留", offsetof(struct line, budget_held)},
    {AT_MATTER_PRIOR, MONEY_WIDTH, 1, "同一事项已兑付", offsetof(struct line, matter_prior)},
    {AT_BATCH, ID_WIDTH, 0, "批次", offsetof(struct line, batch)},
};
#define HEAD_NUMS (sizeof head_nums / sizeof head_nums[0])

/* Decodes a stored line of formats 1-3 (line_decode's arguments). */
static int line_decode_fixed(const unsigned char *p, size_t n, struct line *l, char *scratch,
                             char *why, size_t why_cap)
{
    if (n < LINE_HEAD) {
        if (why)
            snprintf(why, why_cap, "只有 %zu 字节，短于 %d 字节的行首", n, LINE_HEAD);
        return 0;
    }
    int64_t format, year, len[5];
    /* Every number read with its width known here (a third of the instructions of reading them
     * through the table); only a line that fails is read again below to name the field. */
    int ok =
        get_num(p + AT_FORMAT, 1, 0, &format) & get_num(p + AT_YEAR, 4, 0, &year) &
        get_num(p + AT_ID, ID_WIDTH, 0, &l->id) & get_num(p + AT_APP, ID_WIDTH, 0, &l->app) &
        get_num(p + AT_ENTITY, ID_WIDTH, 0, &l->entity) &
        get_num(p + AT_AMOUNT, MONEY_WIDTH, 1, &l->amount) &
        get_num(p + AT_CAP_USED, MONEY_WIDTH, 1, &l->cap_used) &
        get_num(p + AT_REVERSES, ID_WIDTH, 0, &l->reverses) &
        get_num(p + AT_CLAIMED, MONEY_WIDTH, 1, &l->claimed) &
        get_num(p + AT_BUDGET_USED, MONEY_WIDTH, 1, &l->budget_used) &
        get_num(p + AT_BUDGET_HELD, MONEY_WIDTH, 1, &l->budget_held) &
        get_num(p + AT_MATTER_PRIOR, MONEY_WIDTH, 1, &l->matter_prior) &
        get_num(p + AT_BATCH, ID_WIDTH, 0, &l->batch) & get_num(p + AT_LENGTHS, 3, 0, &len[0]) &
        get_num(p + AT_LENGTHS + 3, 3, 0, &len[1]) & get_num(p + AT_LENGTHS + 6, 3, 0, &len[2]) &
        get_num(p + AT_LENGTHS + 9, 2, 0, &len[3]) & get_num(p + AT_LENGTHS + 11, 5, 0, &len[4]);
    _Static_assert(HEAD_NUMS == 11 && AT_LENGTHS + 16 == LINE_HEAD, "the fields read above");
    /* the field that is not a number, if one is */
    struct head_num bad = {.label = NULL};
    if (ok && format >= 1 && format <= 3)
        ; /* all read */
    else if (!get_num(p + AT_FORMAT, 1, 0, &format) || format < 1 || format > 3)
        bad = (struct head_num){AT_FORMAT, 1, 0, "格式", 0};
    else if (!get_num(p + AT_YEAR, 4, 0, &year))
        bad = (struct head_num){AT_YEAR, 4, 0, "年度", 0};
    for (size_t i = 0; i < HEAD_NUMS && !ok && !bad.label; i++) {
        const struct head_num *f = &head_nums[i];
        if (!get_num(p + f->at, f->width, f->sign, (int64_t *)(void *)((char *)l + f->member)))
            bad = *f;
    }
    size_t total = LINE_HEAD;
    for (int i = 0, at = AT_LENGTHS; i < 5 && !bad.label; at += string_width[i++]) {
        if (ok || get_num(p + at, string_width[i], 0, &len[i]))
            total += (size_t)len[i];
        else
            bad = (struct head_num){at, string_width[i], 0, "文本长度", 0};
    }
    if (bad.label) {
        if (why)
            snprintf(why, why_cap, "第 %d–%d 字节（%s）不是%s", bad.at + 1, bad.at + bad.width,
                     bad.label, bad.at == AT_FORMAT ? "格式号 1–3" : "数字");
        return 0;
    }
    if (total != n) {
        if (why)
            snprintf(why, why_cap, "行首所记长度合计 %zu 字节，实为 %zu 字节", total, n);
        return 0;
    }
    l->format = (int)format;
    l->year = (int)year;
    l->pack_id = 0;
    /* the fixed strings, then the five variable ones, each NUL-terminated in scratch */
    const struct {
        size_t at, len;
        const char **to;
    } str[] = {{AT_PACK, HASH_HEX_LEN, &l->pack},   {AT_CREATED, 20, &l->at},
               {AT_APPLIED_ON, 10, &l->applied_on}, {LINE_HEAD, (size_t)len[0], &l->clause},
               {0, (size_t)len[1], &l->matter},     {0, (size_t)len[2], &l->by},
               {0, (size_t)len[3], &l->inputs},     {0, (size_t)len[4], &l->data}};
    size_t from = LINE_HEAD;
    for (size_t i = 0; i < sizeof str / sizeof str[0]; i++) {
        size_t at = str[i].at ? str[i].at : from;
        if (at >= LINE_HEAD)
            from = at + str[i].len;
        memcpy(scratch, p + at, str[i].len);
        scratch[str[i].len] = '\0';
        *str[i].to = scratch;
        scratch += str[i].len + 1;
    }
    l->data_len = (size_t)len[4];
    return 1;
}

/* ---------------------------------------------------------------- stored lines of format 4
 *
 * A line of format 4 is one compact JSON array of 20 elements (db/migrations/021 generates the
 * table's columns from it with json_extract):
 *
 *     [4,id,application,entity,year,amount,cap used,reverses,claimed,budget used,budget held,
 *      matter prior,batch,pack,"created at","applied on","clause","matter","created by",
 *      ["input name","value",...]]
 *
 * Numbers at their own width and the pack by its policy_packs number: about 200 bytes where
 * format 3 took 350, so the verifier reads and hashes less per line. Written by jansson; read
 * back here by a decoder that accepts only what jansson writes (integers without leading zeros,
 * strings with escapes for '"', '\\' and control characters only), so any line it reads is JSON
 * that SQLite's json_extract reads the same way. */
enum { JSON_NUMS = 14, JSON_STRS = 5, JSON_FIELDS = JSON_NUMS + JSON_STRS + 1 };
static const char *const json_labels[JSON_FIELDS] = {
    "格式",       "行号",     "申请编号",   "主体编号", "年度",           "金额", "本年度已兑付",
    "被追回的行", "核定金额", "预算已兑付", "预算预留", "同一事项已兑付", "批次", "规则包编号",
    "写入时间",   "申请日期", "条款",       "事项",     "写入人",         "输入"};
#define JSON_INT_DIGITS 18 /* |v| < 10^18: any such value fits int64_t */

/* Encodes l (its inputs in) as a line of format 4 into b. */
static enum status line_encode(const struct line *l, const struct policy_input *in, size_t n,
                               struct buf *b, struct err *e)
{
    const int64_t nums[JSON_NUMS] = {LINE_FORMAT, l->id,          l->app,         l->entity,
                                     l->year,     l->amount,      l->cap_used,    l->reverses,
                                     l->claimed,  l->budget_used, l->budget_held, l->matter_prior,
                                     l->batch,    l->pack_id};
    const char *strs[JSON_STRS] = {l->at, l->applied_on, l->clause, l->matter ? l->matter : "",
                                   l->by};
    enum status st = ST_OK;
    char *text = NULL;
    json_t *a = json_array(), *pairs = json_array();
    if (!a || !pairs) {
        st = err_set(e, ST_INTERNAL, NULL, "内存不足");
        goto out;
    }
    for (int i = 0; i < JSON_NUMS; i++) {
        int64_t v = nums[i];
        int money = i >= 5 && i <= 11 && i != 7;
        /* what the decoder reads back: ids and year not negative, everything under 10^18 */
        if ((!money && v < 0) || (i == 4 && v > 9999) || v > INT64_C(999999999999999999) ||
            v < -INT64_C(999999999999999999)) {
            st = err_set(e, ST_INVALID, json_labels[i], "账本行的%s %" PRId64 " 超出可记录的范围",
                         json_labels[i], v);
            goto out;
        }
        json_array_append_new(a, json_integer(v));
    }
    if (strlen(l->at) != 20 || strlen(l->applied_on) != 10) {
        st = err_set(e, ST_INVALID, NULL, "账本行的时间“%s”或申请日期“%s”长度不符", l->at,
                     l->applied_on);
        goto out;
    }
    for (int i = 0; i < JSON_STRS; i++)
        if (json_array_append_new(a, json_string(strs[i]))) {
            st = err_set(e, ST_INVALID, json_labels[JSON_NUMS + i],
                         "账本行的%s不是有效的 UTF-8 文本", json_labels[JSON_NUMS + i]);
            goto out;
        }
    for (size_t i = 0; i < n; i++)
        if (json_array_append_new(pairs, json_string(in[i].name)) ||
            json_array_append_new(pairs, json_string(in[i].value))) {
            st = err_set(e, ST_INVALID, in[i].name, "输入“%s”不是有效的 UTF-8 文本", in[i].name);
            goto out;
        }
    json_array_append(a, pairs);
    if (!(text = json_dumps(a, JSON_COMPACT))) {
        st = err_set(e, ST_INTERNAL, NULL, "内存不足");
        goto out;
    }
    if (buf_append(b, text, strlen(text)) != ST_OK)
        st = err_set(e, ST_LIMIT, NULL, "账本行过长");
out:
    free(text);
    json_decref(a);
    json_decref(pairs);
    return st;
}

/* The bytes a JSON string holds as they are: not '"', '\\' or a control character. */
static const unsigned char json_plain[256] = {
#define R16(x) x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x
    R16(0), R16(0), 1,      1,      0,      1,      1,      1,      1,      1,     1,
    1,      1,      1,      1,      1,      1,      1, /* 0x22 '"' */
    R16(1), R16(1), 1,      1,      1,      1,      1,      1,      1,      1,     1,
    1,      1,      1,      0,      1,      1,      1, /* 0x5c '\\' */
    R16(1), R16(1), R16(1), R16(1), R16(1), R16(1), R16(1), R16(1), R16(1), R16(1)
#undef R16
};

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Eight bytes at a time (the verifier decodes 14 numbers and a dozen strings a line): each byte
 * tested without carries between bytes, so the lowest flagged byte is the first that is. */
static inline uint64_t load8(const unsigned char *p)
{
    uint64_t w;
    memcpy(&w, p, 8);
    return w;
}

/* A bit in each byte of w that is not a digit. */
static inline uint64_t not_digits8(uint64_t w)
{
    return ((w & 0xF0F0F0F0F0F0F0F0ull) ^ 0x3030303030303030ull) |
           (((w & 0x0F0F0F0F0F0F0F0Full) + 0x0606060606060606ull) & 0x1010101010101010ull);
}

/* The high bit of each byte of w that ends a run of plain string bytes ('"', '\\' or a control
 * character); exact up to the first such byte. */
static inline uint64_t specials8(uint64_t w)
{
    const uint64_t ones = 0x0101010101010101ull;
    uint64_t quote = w ^ (ones * '"'), backslash = w ^ (ones * '\\');
    return (((quote - ones) & ~quote) | ((backslash - ones) & ~backslash) |
            ((w - ones * 0x20) & ~w)) &
           0x8080808080808080ull;
}

/* What the first digits of a number are worth with k (0-7) more after them. */
static const uint64_t pow10[8] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000};
#endif

/* Reads an integer at *at as line_encode writes it (no leading zero, no "-0", at most 18
 * digits), moving *at past it. What follows it is the caller's to check. */
static inline int json_int(const unsigned char **at, const unsigned char *end, int64_t *out)
{
    const unsigned char *q = *at;
    int neg = q < end && *q == '-';
    q += neg;
    const unsigned char *first = q;
    uint64_t v = 0;
    if (end - q >= 2 && q[0] == '0' && q[1] == ',') { /* a third of a line's figures */
        *out = 0;
        *at = q + 1;
        return !neg;
    }
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    if (end - q >= 8) { /* up to seven digits at once: most numbers are shorter */
        uint64_t w = load8(q), nd = not_digits8(w);
        unsigned k = nd ? (unsigned)__builtin_ctzll(nd) >> 3 : 8;
        if (k == 8 && end - q >= 16) { /* 8 to 15: amounts of 100,000.00 元 and over */
            uint64_t w2 = load8(q + 8), nd2 = not_digits8(w2);
            unsigned k2 = nd2 ? (unsigned)__builtin_ctzll(nd2) >> 3 : 8;
            if (k2 < 8 && *q != '0') {
                v = digits8_value(w) * pow10[k2];
                if (k2)
                    v += digits_first(w2, k2);
                *out = neg ? -(int64_t)v : (int64_t)v;
                *at = q + 8 + k2;
                return 1;
            }
        }
        if (k < 8) {
            if (!k || (k > 1 && *q == '0'))
                return 0;
            if (k == 1)
                v = (uint64_t)(*q - '0');
            else
                v = digits_first(w, k);
            if (neg && !v)
                return 0;
            *out = neg ? -(int64_t)v : (int64_t)v;
            *at = q + k;
            return 1;
        }
    }
#endif
    while (q < end && (unsigned)(*q - '0') <= 9 && q - first <= JSON_INT_DIGITS)
        v = v * 10 + (unsigned)(*q++ - '0');
    size_t digits = (size_t)(q - first);
    if (!digits || digits > JSON_INT_DIGITS || (digits > 1 && *first == '0') || (neg && !v))
        return 0;
    *out = neg ? -(int64_t)v : (int64_t)v;
    *at = q;
    return 1;
}

/* What went wrong after a number: it runs on ("20x0", "1.5", a 19th digit) or a comma is
 * missing. */
static const char *after_number(const unsigned char *q, const unsigned char *end)
{
    return q < end && (json_plain[*q] && *q != ',' && *q != ']' && *q != ' ') ? "不是整数"
                                                                              : "后缺少逗号";
}

static int hex_digit(unsigned char c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                  : -1;
}

/* Reads a string at *at as jansson writes it, unescaped and NUL-terminated at *to (which moves
 * past it); *out is where it starts. */
static int json_str(const unsigned char **at, const unsigned char *end, char **to, const char **out)
{
    const unsigned char *q = *at;
    if (q >= end || *q++ != '"')
        return 0;
    char *w = *to;
    *out = w;
    uint64_t high = 0; /* a byte >= 0x80 seen (or one just after the string): check UTF-8 */
    for (;;) {
        unsigned char stop; /* the byte that ends the run of plain bytes */
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        /* eight bytes copied at a time, then the run's end found among them (the output never
         * runs ahead of the input, so scratch has room for the eight); the byte that ends it
         * is taken from the word, not loaded again behind the count */
        while (end - q >= 8) {
            uint64_t x = load8(q), m = specials8(x);
            memcpy(w, &x, 8);
            high |= x;
            if (m) {
                unsigned k = (unsigned)__builtin_ctzll(m) >> 3;
                q += k;
                w += k;
                stop = (unsigned char)(x >> (8 * k));
                goto special;
            }
            q += 8;
            w += 8;
        }
#endif
        while (q < end && json_plain[*q]) {
            high |= *q;
            *w++ = (char)*q++;
        }
        if (q >= end)
            return 0;
        stop = *q;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    special:
#endif
        if (stop == '"')
            break;
        if (stop < 0x20 || end - q < 2) /* else a backslash */
            return 0;
        unsigned char c = q[1];
        q += 2;
        switch (c) {
        case '"':
        case '\\':
            *w++ = (char)c;
            break;
        case 'b':
            *w++ = '\b';
            break;
        case 'f':
            *w++ = '\f';
            break;
        case 'n':
            *w++ = '\n';
            break;
        case 'r':
            *w++ = '\r';
            break;
        case 't':
            *w++ = '\t';
            break;
        case 'u': { /* only the other control characters are written so */
            int v = 0;
            for (int k = 0; k < 4; k++) {
                int d = q + k < end ? hex_digit(q[k]) : -1;
                if (d < 0)
                    return 0;
                v = v * 16 + d;
            }
            if (v < 1 || v >= 0x20)
                return 0;
            *w++ = (char)v;
            q += 4;
            break;
        }
        default:
            return 0;
        }
    }
    /* jansson writes valid UTF-8 only (and reads nothing else) */
    if ((high & 0x8080808080808080ull) && !utf8_valid(*out, (size_t)(w - *out), NULL))
        return 0;
    *w++ = '\0';
    *to = w;
    *at = q + 1;
    return 1;
}

#if defined(__SSE2__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* The strings of a format-4 line (its five head strings and its inputs) are most often plain:
 * no escape, no control character, a few hundred bytes. Such a tail is decoded from bit masks
 * of its bytes, sixteen at a time: the quotes pair up into strings, the bytes between them must
 * be exactly the separators, and each string is copied once by its known length. Anything else
 * is left to json_str, which says what is wrong. */
#define PLAIN_WORDS 4
#define PLAIN_MAX (64 * PLAIN_WORDS)

struct plain_masks {
    uint64_t quote[PLAIN_WORDS], high[PLAIN_WORDS];
    unsigned special; /* a backslash or a control character somewhere */
};

static void plain_masks(const unsigned char *p, size_t n, struct plain_masks *m)
{
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'),
                  control = _mm_set1_epi8(0x1F);
    memset(m, 0, sizeof *m);
    for (size_t at = 0; at < n; at += 16) {
        __m128i x;
        if (n - at >= 16) {
            x = _mm_loadu_si128((const __m128i *)(p + at));
        } else { /* not a byte past the line is read: spaces flag nothing */
            unsigned char tail[16];
            memset(tail, ' ', sizeof tail);
            memcpy(tail, p + at, n - at);
            x = _mm_loadu_si128((const __m128i *)tail);
        }
        __m128i low = _mm_cmpeq_epi8(_mm_max_epu8(x, control), control); /* bytes <= 0x1F */
        m->special |= (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(x, backslash), low));
        m->quote[at / 64] |= (uint64_t)(unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, quote))
                             << (at % 64);
        m->high[at / 64] |= (uint64_t)(unsigned)_mm_movemask_epi8(x) << (at % 64);
    }
}

/* Copies len bytes without a call for the short strings a line holds. */
static inline void copy_short(char *to, const unsigned char *from, size_t len)
{
    if (len >= 8 && len <= 16) {
        uint64_t a = load8(from), b = load8(from + len - 8);
        memcpy(to, &a, 8);
        memcpy(to + len - 8, &b, 8);
    } else if (len >= 4 && len < 8) {
        uint32_t a, b;
        memcpy(&a, from, 4);
        memcpy(&b, from + len - 4, 4);
        memcpy(to, &a, 4);
        memcpy(to + len - 4, &b, 4);
    } else if (len < 4) {
        for (size_t i = 0; i < len; i++)
            to[i] = (char)from[i];
    } else if (len <= 32) { /* dates, clause ids, input names */
        __m128i a = _mm_loadu_si128((const __m128i *)from),
                b = _mm_loadu_si128((const __m128i *)(from + len - 16));
        _mm_storeu_si128((__m128i *)to, a);
        _mm_storeu_si128((__m128i *)(to + len - 16), b);
    } else {
        memcpy(to, from, len);
    }
}

/* The 14 numbers of a plain head (no sign, no leading zero, at most 15 digits, each followed by
 * a comma) as json_int reads them, with fewer checks: the line's length is checked once a
 * number for the two words read. Returns the bytes read, up to the first string, or 0 if the
 * head is not plain. */
static size_t head_plain(const unsigned char *p, size_t n, int64_t num[JSON_NUMS])
{
    size_t at = 1;
    for (int k = 0; k < JSON_NUMS; k++) {
        if (at + 17 > n)
            return 0;
        const unsigned char *q = p + at;
        uint64_t w = load8(q), nd = not_digits8(w);
        unsigned len;
        uint64_t v;
        if (nd) { /* up to seven digits: most numbers */
            len = (unsigned)__builtin_ctzll(nd) >> 3;
            if (len == 1)
                v = (uint64_t)(*q - '0');
            else if (len && *q != '0')
                v = digits_first(w, len);
            else
                return 0;
        } else { /* 8 to 15: amounts of 100,000.00 元 and over */
            uint64_t w2 = load8(q + 8), nd2 = not_digits8(w2);
            unsigned len2 = nd2 ? (unsigned)__builtin_ctzll(nd2) >> 3 : 8;
            if (len2 == 8 || *q == '0')
                return 0;
            v = digits8_value(w) * pow10[len2];
            if (len2)
                v += digits_first(w2, len2);
            len = 8 + len2;
        }
        if (q[len] != ',')
            return 0;
        num[k] = (int64_t)v;
        at += len + 1;
    }
    return at;
}

/* Decodes the strings of a format-4 line from q (its first quote) to the line's end, r bytes,
 * as the general reader would: str the five head strings and *data, *data_len the inputs, all
 * copied NUL-terminated to scratch. Returns 0, having written nothing that counts, if the tail
 * is not plain (above) or not exactly as jansson writes it. */
static int strings_plain(const unsigned char *q, size_t r, char *scratch,
                         const char *str[JSON_STRS], size_t str_len[2], const char **data,
                         size_t *data_len)
{
    if (r > PLAIN_MAX || r < 2 || q[0] != '"')
        return 0;
    struct plain_masks m;
    plain_masks(q, r, &m);
    if (m.special)
        return 0;
    char *w = scratch, *inputs = NULL;
    size_t strings = 0, after = 0; /* after: the byte after the last closing quote */
    for (size_t word = 0; word < PLAIN_WORDS; word++) {
        for (uint64_t bits = m.quote[word]; bits;) {
            size_t open = word * 64 + (size_t)__builtin_ctzll(bits);
            bits &= bits - 1;
            /* its closing quote: the next one, perhaps in a later word */
            size_t close;
            if (bits) {
                close = word * 64 + (size_t)__builtin_ctzll(bits);
                bits &= bits - 1;
            } else {
                size_t k = word + 1;
                while (k < PLAIN_WORDS && !m.quote[k])
                    k++;
                if (k == PLAIN_WORDS)
                    return 0;
                close = k * 64 + (size_t)__builtin_ctzll(m.quote[k]);
                m.quote[k] &= m.quote[k] - 1;
            }
            /* what lies between the last string and this one */
            if (strings == 0) {
                if (open != 0)
                    return 0;
            } else if (strings == JSON_STRS) { /* the inputs open */
                if (open != after + 2 || q[after] != ',' || q[after + 1] != '[')
                    return 0;
                inputs = w;
            } else if (open != after + 1 || q[after] != ',') {
                return 0;
            }
            if (strings < 2)
                str_len[strings] = close - open - 1;
            if (strings < JSON_STRS)
                str[strings] = w;
            else if (strings - JSON_STRS == 2 * INPUTS_MAX)
                return 0;
            copy_short(w, q + open + 1, close - open - 1);
            w += close - open - 1;
            *w++ = '\0';
            strings++;
            after = close + 1;
        }
    }
    if (strings < JSON_STRS)
        return 0;
    if (strings == JSON_STRS) { /* no inputs: ",[]]" */
        if (r != after + 4 || memcmp(q + after, ",[]]", 4))
            return 0;
        inputs = w;
    } else if ((strings - JSON_STRS) % 2 || r != after + 2 || q[after] != ']' ||
               q[after + 1] != ']') {
        return 0;
    }
    /* jansson writes valid UTF-8 only: the bytes between strings are ASCII, so checking from the
     * first byte >= 0x80 to the last is checking each string */
    size_t first = PLAIN_MAX, last = 0;
    for (size_t word = 0; word < PLAIN_WORDS; word++)
        if (m.high[word]) {
            if (first == PLAIN_MAX)
                first = word * 64 + (size_t)__builtin_ctzll(m.high[word]);
            last = word * 64 + 63 - (size_t)__builtin_clzll(m.high[word]);
        }
    if (first != PLAIN_MAX && !utf8_valid((const char *)q + first, last - first + 1, NULL))
        return 0;
    *data = inputs;
    *data_len = (size_t)(w - inputs);
    return 1;
}
#endif

/* What each field of a format-4 line may hold, checked once it is read: -1 if num and the
 * lengths of the two dates may be a line's, else the field that may not be (what: why). */
static int json_values_bad(const int64_t num[JSON_NUMS], size_t at_len, size_t on_len,
                           const char **what)
{
    static const signed char id_field[] = {1, 2, 3, 7, 12, 13};
    for (size_t i = 0; i < sizeof id_field; i++)
        if (num[id_field[i]] < 0 || (id_field[i] == 13 && num[13] == 0)) {
            *what = "不能为负或为零";
            return id_field[i];
        }
    if (num[0] != LINE_FORMAT) {
        *what = "不是 4";
        return 0;
    }
    if (num[4] > 9999) {
        *what = "超出范围";
        return 4;
    }
    if (at_len != 20 || on_len != 10) {
        *what = "长度不符";
        return at_len != 20 ? JSON_NUMS : JSON_NUMS + 1;
    }
    return -1;
}

static void json_fill(struct line *l, const int64_t num[JSON_NUMS],
                      const char *const str[JSON_STRS], const char *data, size_t data_len)
{
    l->format = LINE_FORMAT;
    l->id = num[1];
    l->app = num[2];
    l->entity = num[3];
    l->year = (int)num[4];
    l->amount = num[5];
    l->cap_used = num[6];
    l->reverses = num[7];
    l->claimed = num[8];
    l->budget_used = num[9];
    l->budget_held = num[10];
    l->matter_prior = num[11];
    l->batch = num[12];
    l->pack_id = num[13];
    l->pack = "";
    l->inputs = "";
    l->at = str[0];
    l->applied_on = str[1];
    l->clause = str[2];
    l->matter = str[3];
    l->by = str[4];
    l->data = data;
    l->data_len = data_len;
}

/* Decodes a stored line of format 4 (line_decode's arguments). Every string is shorter unescaped
 * than its quotes and bytes, so scratch needs no more than n bytes. */
static int line_decode_json(const unsigned char *p, size_t n, struct line *l, char *scratch,
                            char *why, size_t why_cap, int plain)
{
    const unsigned char *q = p, *end = p + n, *field_at = p;
    int field = 0;
    const char *what = "不是 JSON 数组";
    int64_t num[JSON_NUMS];
    const char *str[JSON_STRS];
    char *data;
    size_t data_len, str_len[2]; /* of the two dates */
#if defined(__SSE2__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    size_t head = plain && n && p[0] == '[' ? head_plain(p, n, num) : 0;
    if (head &&
        strings_plain(p + head, n - head, scratch, str, str_len, (const char **)&data, &data_len))
        goto check;
#endif
    if (q >= end || *q++ != '[')
        goto bad;
    for (field = 0; field < JSON_NUMS; field++) {
        field_at = q;
        what = "不是整数";
        if (!json_int(&q, end, &num[field]))
            goto bad;
        if (q >= end || *q != ',') {
            what = after_number(q, end);
            goto bad;
        }
        q++;
    }
    for (; field < JSON_NUMS + JSON_STRS; field++) {
        field_at = q;
        what = "不是字符串";
        if (!json_str(&q, end, &scratch, &str[field - JSON_NUMS]))
            goto bad;
        what = "后缺少逗号";
        if (q >= end || *q++ != ',')
            goto bad;
    }
    field_at = q;
    what = "不是名称与值相间的字符串数组";
    if (q >= end || *q++ != '[')
        goto bad;
    data = scratch;
    int pairs = 0;
    if (q < end && *q == ']')
        q++;
    else
        for (;;) {
            const char *name, *value;
            if (pairs == INPUTS_MAX || !json_str(&q, end, &scratch, &name) || q >= end ||
                *q++ != ',' || !json_str(&q, end, &scratch, &value) || q >= end)
                goto bad;
            pairs++;
            if (*q == ']') {
                q++;
                break;
            }
            if (*q++ != ',')
                goto bad;
        }
    what = "后还有多余的字节";
    if (q >= end || *q++ != ']' || q != end)
        goto bad;
    data_len = (size_t)(scratch - data);
    str_len[0] = strlen(str[0]);
    str_len[1] = strlen(str[1]);
check:
    if ((field = json_values_bad(num, str_len[0], str_len[1], &what)) >= 0)
        goto bad_value;
    json_fill(l, num, str, data, data_len);
    return 1;
bad:
    if (why)
        snprintf(why, why_cap, "第 %zu 字节起的第 %d 项（%s）%s", (size_t)(field_at - p) + 1,
                 field + 1, field < JSON_FIELDS ? json_labels[field] : "", what);
    return 0;
bad_value:
    if (why)
        snprintf(why, why_cap, "第 %d 项（%s）%s", field + 1, json_labels[field], what);
    return 0;
}

/* Decodes a stored line into l. Its strings are copied NUL-terminated into scratch, which
 * must hold n + 8 bytes; l points into scratch. Returns 0 if the bytes are not a line, saying
 * which field is wrong in why (if not NULL). */
static int line_decode(const unsigned char *p, size_t n, struct line *l, char *scratch, char *why,
                       size_t why_cap)
{
    if (n > 0 && p[0] == '[')
        return line_decode_json(p, n, l, scratch, why, why_cap, 1);
    return line_decode_fixed(p, n, l, scratch, why, why_cap);
}

int award_line_decode(const unsigned char *p, size_t n, struct line *l, char *scratch, char *why,
                      size_t why_cap)
{
    return line_decode(p, n, l, scratch, why, why_cap);
}

int award_line_decode_general(const unsigned char *p, size_t n, struct line *l, char *scratch,
                              char *why, size_t why_cap)
{
    if (n > 0 && p[0] == '[')
        return line_decode_json(p, n, l, scratch, why, why_cap, 0);
    return line_decode_fixed(p, n, l, scratch, why, why_cap);
}

int award_line_same(const struct line *a, const struct line *b)
{
    return a->format == b->format && a->id == b->id && a->app == b->app && a->entity == b->entity &&
           a->year == b->year && a->amount == b->amount && a->cap_used == b->cap_used &&
           a->reverses == b->reverses && a->claimed == b->claimed &&
           a->budget_used == b->budget_used && a->budget_held == b->budget_held &&
           a->matter_prior == b->matter_prior && a->batch == b->batch && a->pack_id == b->pack_id &&
           !strcmp(a->at, b->at) && !strcmp(a->applied_on, b->applied_on) &&
           !strcmp(a->clause, b->clause) && !strcmp(a->matter, b->matter) &&
           !strcmp(a->by, b->by) && a->data_len == b->data_len &&
           !memcmp(a->data, b->data, a->data_len);
}

enum status award_line_encode(const struct line *l, const struct policy_input *in, size_t n,
                              struct buf *b, struct err *e)
{
    return line_encode(l, in, n, b, e);
}

/* The inputs as a line of format 3 carries them: one "name=LEN:value" line each, in the
 * application's (sorted) order. Names come from the pack (no '=' or newline in them); the
 * values are counted, so they may hold anything. */
static enum status line_pairs(const struct policy_input *in, size_t n, struct buf *b, struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        if (strpbrk(in[i].name, "=\n"))
            return err_set(e, ST_INVALID, in[i].name, "输入名“%s”不能含“=”或换行", in[i].name);
        if (buf_printf(b, "%s=%zu:%s\n", in[i].name, strlen(in[i].value), in[i].value) != ST_OK)
            return err_set(e, ST_LIMIT, NULL, "申请的输入过长");
    }
    return ST_OK;
}

/* Reads line_pairs' form back, in place: the names and values are NUL-terminated over the
 * separators of data (which must be writable and NUL-terminated). Returns how many, or -1 if
 * data is not of that form. */
static int pairs_parse(char *data, size_t len, struct policy_input in[INPUTS_MAX])
{
    char *p = data, *end = data + len;
    int n = 0;
    while (p < end) {
        char *eq = memchr(p, '=', (size_t)(end - p));
        if (!eq || n == INPUTS_MAX)
            return -1;
        *eq = '\0';
        size_t vlen = 0;
        char *q = eq + 1;
        while (q < end && *q >= '0' && *q <= '9')
            vlen = vlen * 10 + (size_t)(*q++ - '0');
        if (q == eq + 1 || q >= end || *q != ':' || vlen > (size_t)(end - q - 1) ||
            q[1 + vlen] != '\n')
            return -1;
        q[1 + vlen] = '\0'; /* over the newline */
        in[n].name = p;
        in[n].value = q + 1;
        n++;
        p = q + vlen + 2;
    }
    return n;
}

/* The policy_packs number of the pack with this SHA-256 (*id 0 if none is stored). */
static enum status pack_id_of(struct store *s, const char *sha, int64_t *id, struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s, "SELECT id FROM policy_packs WHERE sha256 = ?", &q, e);
    if (st != ST_OK)
        return st;
    store_bind_text(q, 1, sha);
    return award_step_int(q, id, e);
}

/* The SHA-256 of pack number id into out ("" if there is none). */
static enum status pack_sha_of(struct store *s, int64_t id, char out[HASH_HEX_LEN + 1],
                               struct err *e)
{
    struct store_stmt *q;
    out[0] = '\0';
    enum status st = store_prepare(s, "SELECT sha256 FROM policy_packs WHERE id = ?", &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, id);
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK && row)
        snprintf(out, HASH_HEX_LEN + 1, "%s", store_col_text(q, 0));
    store_finish(q);
    return st;
}

/* Appends a ledger line of format 4 (inside the caller's transaction); l's id, time, author and
 * pack number are set here. */
enum status award_line_append(struct store *s, const char *actor, struct line *l,
                              const struct policy_input *in, size_t n, int64_t *id, struct err *e)
{
    struct store_stmt *q;
    struct buf b;
    buf_init(&b, 0);
    char *check = NULL;
    enum status st = pack_id_of(s, l->pack, &l->pack_id, e);
    if (st != ST_OK)
        return st;
    if (!l->pack_id)
        return err_set(e, ST_INTERNAL, NULL, "规则包 %.12s… 未存储，不能记入账本", l->pack);
    if ((st = store_prepare(s, "SELECT id, hash FROM payouts ORDER BY id DESC LIMIT 1", &q, e)) !=
        ST_OK)
        return st;
    int row;
    int64_t last = 0;
    struct link prev;
    link_set_text(&prev, GENESIS);
    if ((st = store_step(q, &row, e)) == ST_OK && row) {
        last = store_col_int(q, 0);
        link_set_text(&prev, store_col_text(q, 1));
    }
    store_finish(q);
    if (st != ST_OK)
        return st;
    if (!prev.raw_ok)
        return err_set(e, ST_DB, NULL, "账本第 %" PRId64 " 行的哈希不是 64 位十六进制：账本已损坏",
                       last);
    char now[32], hash[HASH_HEX_LEN + 1];
    unsigned char digest[HASH_LEN];
    clock_now_iso(now, sizeof now);
    l->format = LINE_FORMAT;
    l->id = *id = last + 1;
    l->at = now;
    l->by = actor;
    l->inputs = "";
    if ((st = line_encode(l, in, n, &b, e)) != ST_OK)
        goto out;
    /* what is written is what the verifier reads back */
    struct line back;
    check = xmalloc(b.len + 8);
    if (!line_decode((const unsigned char *)b.data, b.len, &back, check, NULL, 0) ||
        back.id != l->id || back.amount != l->amount || strcmp(back.clause, l->clause)) {
        st = err_set(e, ST_INTERNAL, NULL, "账本行编码后无法读回");
        goto out;
    }
    hash_sha256_2(prev.raw, HASH_LEN, b.data, b.len, digest);
    for (int i = 0; i < HASH_LEN; i++)
        snprintf(hash + 2 * i, 3, "%02x", digest[i]);
    if ((st = store_prepare(s, "INSERT INTO payouts (id, line, hash) VALUES (?, ?, ?)", &q, e)) !=
        ST_OK)
        goto out;
    store_bind_int(q, 1, *id);
    store_bind_blob(q, 2, b.data, b.len);
    store_bind_text(q, 3, hash);
    st = store_run(q, e);
out:
    free(check);
    buf_cleanup(&b);
    return st;
}

/* A line's inputs in line_pairs' form, from the application's canonical JSON. */
static enum status pairs_from_json(const char *json, struct buf *b, struct err *e)
{
    json_t *o = json_loads(json, 0, NULL);
    if (!json_is_object(o)) {
        json_decref(o);
        return err_set(e, ST_INVALID, "inputs", "申请的输入不是 JSON 对象");
    }
    struct policy_input in[INPUTS_MAX];
    size_t n = award_inputs_from_json(o, in);
    enum status st = line_pairs(in, n, b, e);
    json_decref(o);
    return st;
}

/* Whether line l (of format 4) carries exactly the inputs of an application's JSON, in its
 * order. */
static int inputs_match_json(struct line *l, const char *json)
{
    json_t *o = json_loads(json, 0, NULL), *none;
    struct policy_input want[INPUTS_MAX], have[INPUTS_MAX];
    int same = json_is_object(o);
    if (same) {
        size_t n = award_inputs_from_json(o, want);
        int k = award_line_inputs(l, have, &none);
        same = k >= 0 && (size_t)k == n;
        for (size_t i = 0; same && i < n; i++)
            same = !strcmp(want[i].name, have[i].name) && !strcmp(want[i].value, have[i].value);
    }
    json_decref(o);
    return same;
}

/* The stored line with this id, decoded into l (strings in *scratch, which the caller frees);
 * *found is 0 if there is none. */
enum status award_line_read(struct store *s, int64_t id, struct line *l, char **scratch, int *found,
                            struct err *e)
{
    struct store_stmt *q;
    *scratch = NULL;
    enum status st = store_prepare(s, "SELECT line FROM payouts WHERE id = ?", &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, id);
    size_t n = 0;
    if ((st = store_step(q, found, e)) == ST_OK && *found) {
        const unsigned char *p = store_col_blob(q, 0, &n);
        *scratch = xmalloc(n + 8 + HASH_HEX_LEN + 1); /* the pack's SHA-256 last */
        if (!line_decode(p, n, l, *scratch, NULL, 0))
            st = err_set(e, ST_DB, NULL, "账本第 %" PRId64 " 行无法解读", id);
    }
    store_finish(q);
    if (st == ST_OK && *found && l->pack_id) {
        char *sha = *scratch + n + 8;
        if ((st = pack_sha_of(s, l->pack_id, sha, e)) == ST_OK)
            l->pack = sha;
    }
    return st;
}

/* The inputs a line replays: parsed from its pairs (format 3, in place, so data must be
 * writable) or from the application's JSON (formats 1, 2; *json holds them until freed). */
int award_line_inputs(struct line *l, struct policy_input in[INPUTS_MAX], json_t **json)
{
    *json = NULL;
    if (l->format >= 4) { /* names and values one after the other, each NUL-terminated */
        const char *p = l->data, *end = l->data + l->data_len;
        int n = 0;
        while (p < end) {
            if (n == INPUTS_MAX)
                return -1;
            in[n].name = p;
            p += strlen(p) + 1;
            if (p >= end)
                return -1;
            in[n++].value = p;
            p += strlen(p) + 1;
        }
        return n;
    }
    if (l->format == 3)
        return pairs_parse((char *)l->data, l->data_len, in);
    *json = json_loads(l->data, 0, NULL);
    return json_is_object(*json) ? (int)award_inputs_from_json(*json, in) : -1;
}

/* ---------------------------------------------------------------- verification */

#define HUGE_PAGE ((size_t)2 << 20) /* a transparent huge page on x86-64 and arm64 */

/* Running sums keyed by (entity, year, name): an entity's yearly total under a clause, a
 * clause's yearly budget use (entity 0), a matter's total (year 0); open addressing in slots of
 * 32 bytes, the names kept once each in one buffer. With a million lines the matter table runs
 * to tens of megabytes, and memory first touched costs here about as much as the replay of a
 * tenth of the lines: the slots are small and the table fills to three quarters. */
struct totals {
    struct slot {
        uint64_t hash; /* 0: empty (a key that hashes to 0 is given 1) */
        int64_t sum, entity;
        uint32_t name; /* 1 + the offset of the NUL-terminated name in names; 0: no name */
        int32_t year;
    } * v;
    size_t cap, n;
    char *names;
    size_t names_len, names_cap;
};

/* A key of the running sums, hashed once: the verifier hashes it and asks for its slot to be
 * loaded into the cache some lines before it looks the slot up. */
struct key {
    int64_t entity;
    int year;
    const char *name;
    size_t len;
    uint64_t hash;
};

static struct key totals_key(int64_t entity, int year, const char *name, size_t len)
{
    struct key k = {.entity = entity, .year = year, .name = name, .len = len};
    uint64_t h = (uint64_t)entity * 0x9E3779B97F4A7C15ull ^ (uint64_t)year * 0xBF58476D1CE4E5B9ull;
    /* the name eight bytes at a time (a matter name is 20-30 bytes: a multiplication a byte,
     * each waiting for the one before, was 2% of the verifier), the last eight overlapping */
    size_t i = 0;
    for (; i + 8 <= k.len; i += 8) {
        uint64_t w;
        memcpy(&w, name + i, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15ull;
        h ^= h >> 32;
    }
    if (i < k.len) {
        uint64_t w = 0;
        if (k.len >= 8)
            memcpy(&w, name + k.len - 8, 8);
        else
            for (size_t j = 0; j < k.len; j++)
                w |= (uint64_t)(unsigned char)name[j] << (8 * j);
        h = (h ^ w ^ (uint64_t)k.len << 56) * 0x9E3779B97F4A7C15ull;
    }
    k.hash = h ^ (h >> 29);
    if (!k.hash)
        k.hash = 1;
    return k;
}

/* Asks for k's slot to be loaded into the cache (see PREFETCH_AHEAD). Inlined by force: GCC
 * finds a function that only prefetches "pure" and, its result unused, deletes its calls. */
__attribute__((always_inline)) static inline void totals_prefetch(const struct totals *t,
                                                                  const struct key *k)
{
    if (t->cap)
        __builtin_prefetch(&t->v[k->hash & (t->cap - 1)]);
}

/* cap empty slots, aligned so that none straddles two cache lines, and written once: calloc'd
 * pages first read are the shared zero page, and the first write to each then costs a
 * copy-on-write fault that, with the reading thread running, interrupts the other core to
 * flush its TLB. A large table asks for huge pages (fewer faults and TLB misses). */
static struct slot *slots_new(size_t cap)
{
    size_t size = cap * sizeof(struct slot), align = size >= HUGE_PAGE ? HUGE_PAGE : 64;
    struct slot *v = aligned_alloc(align, (size + align - 1) / align * align);
    if (!v)
        v = xmalloc(size); /* xmalloc says so if there is no memory at all */
    else if (align == HUGE_PAGE)
        madvise(v, size, MADV_HUGEPAGE);
    memset(v, 0, size);
    return v;
}

/* The smallest table for n keys: filled to three quarters at most. */
static size_t totals_cap_for(size_t n)
{
    size_t cap = 1024;
    while (cap / 4 * 3 < n + 1)
        cap *= 2;
    return cap;
}

/* Room for n keys without growing (growing a table of a million matters copies it whole). */
static void totals_reserve(struct totals *t, size_t n)
{
    size_t cap = totals_cap_for(n);
    if (t->cap >= cap)
        return;
    free(t->v);
    t->v = slots_new(cap);
    t->cap = cap;
    t->n = 0;
}

/* k's slot, added if new; NULL if its name no longer fits the names' 4 GB. */
static struct slot *totals_at(struct totals *t, const struct key *k)
{
    if (t->n + 1 > t->cap / 4 * 3) { /* full (or no table yet): twice the room */
        size_t cap = totals_cap_for(t->n + 1);
        struct slot *v = slots_new(cap);
        for (size_t i = 0; i < t->cap; i++) {
            if (!t->v[i].hash)
                continue;
            size_t j = t->v[i].hash & (cap - 1);
            while (v[j].hash)
                j = (j + 1) & (cap - 1);
            v[j] = t->v[i];
        }
        free(t->v);
        t->v = v;
        t->cap = cap;
    }
    size_t i = k->hash & (t->cap - 1);
    for (;; i = (i + 1) & (t->cap - 1)) {
        struct slot *x = &t->v[i];
        if (!x->hash)
            break;
        if (x->hash == k->hash && x->entity == k->entity && x->year == k->year &&
            (k->len ? x->name && !memcmp(t->names + x->name - 1, k->name, k->len + 1) : !x->name))
            return x;
    }
    uint32_t name = 0;
    if (k->len) { /* the yearly sums are keyed by number, without a name */
        if (t->names_len + k->len + 1 >= UINT32_MAX)
            return NULL;
        if (t->names_len + k->len + 1 > t->names_cap) {
            t->names_cap = (t->names_cap + k->len + 1) * 2;
            t->names = xrealloc(t->names, t->names_cap);
        }
        memcpy(t->names + t->names_len, k->name, k->len + 1);
        name = (uint32_t)t->names_len + 1;
        t->names_len += k->len + 1;
    }
    t->v[i] = (struct slot){.hash = k->hash, .entity = k->entity, .name = name, .year = k->year};
    t->n++;
    return &t->v[i];
}

/* Empties t, keeping its room. */
static void totals_clear(struct totals *t)
{
    if (t->v)
        memset(t->v, 0, t->cap * sizeof *t->v);
    t->n = 0;
    t->names_len = 0;
}

static void totals_free(struct totals *t)
{
    free(t->v);
    free(t->names);
}

/* What a clause of a pack version allows, worked out once per verification. */
struct clause_ctx {
    const struct policy_pack *p;
    int clause; /* verifier_clause's number */
    int ci;     /* in the pack, or -1 */
    struct policy_limits lim;
    size_t group_len;  /* of lim.group, for the matter's name */
    char problem[360]; /* "" if the clause can be approved */
};

#define DATE_SEEN 16
#define DATE_SEEN_LEN 11 /* YYYY-MM-DD and its NUL */

struct verifier {
    struct totals year, budget, matter;
    struct clause_ctx *ctx;
    size_t n_ctx;
    /* the clause names met, so that yearly sums are keyed by number (no name to compare) */
    char **clauses;
    size_t n_clauses, last_clause;
    /* dates lines applied on, as written and parsed, by their last digit */
    struct date_seen {
        char text[DATE_SEEN_LEN];
        struct date on;
    } dates[DATE_SEEN];
    struct verifier_pack {
        int64_t id;
        char sha[HASH_HEX_LEN + 1];
        struct policy_pack *p; /* NULL: stored, but its text does not load or hash to sha */
        /* its policy.load audit entry records sha: what a format-4 line naming it by number
         * relies on (the audit log is hash-chained) */
        int logged;
    } * packs;
    size_t last_pack; /* the one found last: lines come in runs of one pack */
    size_t n_packs;
    unsigned char *reversed; /* by line id: ids are dense, so a byte map serves */
    unsigned char *paid;     /* by application id: it has its award line */
    size_t reversed_cap, paid_cap;
    /* the open pro-rata batch */
    int64_t batch, batch_budget, batch_used;
    int64_t *claims, *amounts;
    int *classes;       /* each batch line's priority class */
    int batch_priority; /* the batch's clause ranks its applications (priority NAME) */
    size_t batch_n, batch_cap;
    int64_t batch_first;
    /* what the open batch's lines so far paid and claimed, by the keys of the yearly sums and
     * the matters: a batch line's yearly total and matter prior count the earlier lines' claims
     * (as the close computed them), not what they were paid */
    struct totals batch_paid, batch_claimed;
};

/* The number of a clause name, given on first sight. */
static int verifier_clause(struct verifier *v, const char *name)
{
    if (v->n_clauses && !strcmp(v->clauses[v->last_clause], name))
        return (int)v->last_clause;
    for (size_t i = 0; i < v->n_clauses; i++)
        if (!strcmp(v->clauses[i], name))
            return (int)(v->last_clause = i);
    v->last_clause = v->n_clauses;
    v->clauses = xrealloc(v->clauses, (v->n_clauses + 1) * sizeof *v->clauses);
    v->clauses[v->n_clauses] = xstrdup(name);
    return (int)v->n_clauses++;
}

/* Clause number clause of pack p: its index and limits, looked up once. */
static const struct clause_ctx *verifier_ctx(struct verifier *v, const struct policy_pack *p,
                                             int clause, const char *name)
{
    for (size_t i = 0; i < v->n_ctx; i++)
        if (v->ctx[i].p == p && v->ctx[i].clause == clause)
            return &v->ctx[i];
    v->ctx = xrealloc(v->ctx, (v->n_ctx + 1) * sizeof *v->ctx);
    struct clause_ctx *c = &v->ctx[v->n_ctx++];
    memset(c, 0, sizeof *c);
    c->p = p;
    c->clause = clause;
    c->ci = policy_clause_index(p, name);
    struct err ce = {0};
    if (c->ci < 0 || policy_clause_limits(p, (size_t)c->ci, &c->lim, &ce) != ST_OK)
        snprintf(c->problem, sizeof c->problem, "条款 %s 无法审批：%.300s", name, ce.msg);
    else if (c->lim.group)
        c->group_len = strlen(c->lim.group);
    return c;
}

/* Parses every stored pack version once, before the lines are read (the reading thread owns
 * the connection meanwhile). A pack counts only if its text hashes to the SHA-256 it is
 * stored under: lines of formats 1-3 name their rules by that hash; lines of format 4 by the
 * pack's number, whose hash the audit log's policy.load entry fixed when it was stored. */
static enum status verifier_packs_load(struct store *s, struct verifier *v, struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(
        s,
        "SELECT p.id, p.sha256, p.text, (SELECT a.after FROM audit_log a WHERE a.action ="
        " 'policy.load' AND a.entity_id = CAST(p.id AS TEXT) AND a.entity = 'policy_pack'"
        " ORDER BY a.id LIMIT 1) FROM policy_packs p ORDER BY p.id",
        &q, e);
    if (st != ST_OK)
        return st;
    int row;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        struct verifier_pack *vp = NULL;
        v->packs = xrealloc(v->packs, (v->n_packs + 1) * sizeof *v->packs);
        vp = &v->packs[v->n_packs++];
        vp->id = store_col_int(q, 0);
        snprintf(vp->sha, sizeof vp->sha, "%s", store_col_text(q, 1));
        const char *text = store_col_text(q, 2), *logged = store_col_text(q, 3);
        json_t *entry = logged ? json_loads(logged, 0, NULL) : NULL;
        const char *logged_sha = json_string_value(json_object_get(entry, "sha256"));
        vp->logged = logged_sha && !strcmp(logged_sha, vp->sha);
        json_decref(entry);
        struct err ignored = {0};
        vp->p = NULL;
        if (policy_pack_load_stored(text, strlen(text), "stored pack", &vp->p, &ignored) == ST_OK &&
            strcmp(policy_pack_hash(vp->p), vp->sha)) {
            policy_pack_free(vp->p);
            vp->p = NULL;
        }
    }
    store_finish(q);
    return st;
}

/* The pack a line names: by number (format 4) or SHA-256, or NULL. */
static const struct verifier_pack *verifier_pack(struct verifier *v, const struct line *l)
{
    const struct verifier_pack *last = v->n_packs ? &v->packs[v->last_pack] : NULL;
    if (last && (l->pack_id ? last->id == l->pack_id : !strcmp(last->sha, l->pack)))
        return last;
    for (size_t i = 0; i < v->n_packs; i++)
        if (l->pack_id ? v->packs[i].id == l->pack_id : !strcmp(v->packs[i].sha, l->pack)) {
            v->last_pack = i;
            return &v->packs[i];
        }
    return NULL;
}

/* Closes the open batch: its amounts must be the Hamilton shares of what was available. */
static int batch_check(struct verifier *v, struct award_verify *out)
{
    if (!v->batch)
        return 1;
    int64_t avail = v->batch_budget - v->batch_used;
    int64_t *want = xcalloc(v->batch_n ? v->batch_n : 1, sizeof *want);
    award_allocate(v->claims, v->batch_priority ? v->classes : NULL, v->batch_n, avail, want);
    int ok = 1;
    for (size_t i = 0; i < v->batch_n && ok; i++)
        if (want[i] != v->amounts[i]) {
            out->bad_line = v->batch_first + (int64_t)i;
            snprintf(out->problem, sizeof out->problem,
                     "批次 %" PRId64 " 按比例分配应为 %" PRId64 " 分，记录为 %" PRId64 " 分",
                     v->batch, want[i], v->amounts[i]);
            ok = 0;
        }
    free(want);
    v->batch = 0;
    v->batch_n = 0;
    totals_clear(&v->batch_paid);
    totals_clear(&v->batch_claimed);
    return ok;
}

/* What the open batch's lines so far paid and claimed under key k (0 the first time). Each
 * lookup is used at once: the next one may grow the table and move its slots. */
static int batch_sums(struct verifier *v, const struct key *k, int64_t *paid, int64_t *claimed)
{
    struct slot *x = totals_at(&v->batch_paid, k);
    if (!x)
        return 0;
    *paid = x->sum;
    if (!(x = totals_at(&v->batch_claimed, k)))
        return 0;
    *claimed = x->sum;
    return 1;
}

/* Adds a batch line's pay and claim under k, which batch_sums has already put in the tables. */
static void batch_add(struct verifier *v, const struct key *k, int64_t paid, int64_t claimed)
{
    struct slot *x = totals_at(&v->batch_paid, k);
    if (x)
        x->sum += paid;
    if ((x = totals_at(&v->batch_claimed, k)))
        x->sum += claimed;
}

/* The date text as date_parse_iso reads it, the last few remembered (lines share a few dates). */
static int verifier_date(struct verifier *v, const char *text, struct date *out)
{
    size_t len = strnlen(text, DATE_SEEN_LEN);
    if (!len || len == DATE_SEEN_LEN)
        return 0;
    unsigned char y = (unsigned char)text[len < 4 ? 0 : 3];
    struct date_seen *d = &v->dates[(y * 7u + (unsigned char)text[len - 1]) % DATE_SEEN];
    int same = 0;
    if (len == 10) { /* YYYY-MM-DD: its first eight bytes as a word, then the rest */
        uint64_t seen, now;
        memcpy(&seen, d->text, 8);
        memcpy(&now, text, 8);
        same = seen == now && d->text[8] == text[8] && d->text[9] == text[9] && !d->text[10];
    }
    if (!same) {
        if (!date_parse_iso(text, &d->on)) {
            d->text[0] = '\0';
            return 0;
        }
        memcpy(d->text, text, len + 1);
    }
    *out = d->on;
    return 1;
}

/* Replays one award line; returns 0 and fills out->problem if it does not hold. */
static int replay_award(struct verifier *v, struct line *l, int clause, int64_t id, struct slot *ys,
                        struct slot *bs, struct slot *ms, const struct key *year_key,
                        const struct key *matter_key, struct award_verify *out)
{
    if (l->format < 3) {
        /* The line names the application's inputs by their hash. */
        char isha[HASH_HEX_LEN + 1];
        hash_sha256_hex(l->data, l->data_len, isha);
        if (strcmp(isha, l->inputs)) {
            snprintf(out->problem, sizeof out->problem, "申请的输入已被改动（哈希不符）");
            return 0;
        }
    }
    const struct verifier_pack *vp = verifier_pack(v, l);
    struct policy_pack *p = vp ? vp->p : NULL;
    if (!p) {
        if (l->pack_id)
            snprintf(out->problem, sizeof out->problem, "找不到或无法读取规则包 %" PRId64,
                     l->pack_id);
        else
            snprintf(out->problem, sizeof out->problem, "找不到或无法读取规则包 %.12s…", l->pack);
        return 0;
    }
    if (l->pack_id && !vp->logged) {
        snprintf(out->problem, sizeof out->problem,
                 "规则包 %" PRId64 " 的 SHA-256 与审计日志中载入时的记录不符（或无载入记录）",
                 l->pack_id);
        return 0;
    }
    const struct clause_ctx *cx = verifier_ctx(v, p, clause, l->clause);
    if (cx->problem[0]) {
        snprintf(out->problem, sizeof out->problem, "%s", cx->problem);
        return 0;
    }
    struct policy_limits lim = cx->lim;
    struct err ce;
    err_clear(&ce); /* not "= {0}": zeroing its kilobyte for every line showed in profiles */
    int batched = l->batch != 0;
    /* What the line must record as its yearly total and its matter's prior: the ledger's sums,
     * and in a batch, instead of what its earlier lines were paid, what they claimed. */
    int64_t want_cap_used = ys->sum, want_prior = ms ? ms->sum : 0;
    if (batched) {
        int64_t y_paid = 0, y_claimed = 0, m_paid = 0, m_claimed = 0;
        if (!batch_sums(v, year_key, &y_paid, &y_claimed) ||
            (ms && !batch_sums(v, matter_key, &m_paid, &m_claimed))) {
            snprintf(out->problem, sizeof out->problem, "事项过多：事项名合计超过 4 GB，无法校验");
            return 0;
        }
        want_cap_used += y_claimed - y_paid;
        want_prior += m_claimed - m_paid;
    }
    const char *in_batch = batched ? "（含本批此前各件的申请额）" : "";
    if (l->cap_used != want_cap_used) {
        snprintf(out->problem, sizeof out->problem,
                 "记录的本年度已兑付 %" PRId64 " 分与账本累计%s %" PRId64 " 分不符", l->cap_used,
                 in_batch, want_cap_used);
        return 0;
    }
    json_t *inputs;
    struct policy_input in[INPUTS_MAX];
    int parsed = award_line_inputs(l, in, &inputs);
    size_t n = parsed > 0 ? (size_t)parsed : 0;
    struct date on;
    struct policy_result r;
    r.explanation = NULL; /* all that cleanup reads; calc sets the rest */
    int ok = 0;
    char matter[160];
    matter[0] = '\0';
    if (lim.group) { /* "group:key", as settle writes it (no printf per line) */
        const char *mv = award_input_value(in, n, lim.key);
        size_t g = cx->group_len < sizeof matter - 2 ? cx->group_len : sizeof matter - 2;
        size_t k = mv ? strlen(mv) : 0;
        if (k > sizeof matter - 2 - g)
            k = sizeof matter - 2 - g;
        memcpy(matter, lim.group, g);
        matter[g] = ':';
        memcpy(matter + g + 1, mv ? mv : "", k);
        matter[g + 1 + k] = '\0';
    }
    int64_t expect_claimed = l->format < 2 ? l->amount : l->claimed;
    if (parsed < 0)
        snprintf(out->problem, sizeof out->problem, "账本行的输入无法解读");
    else if (!verifier_date(v, l->applied_on, &on) ||
             policy_calc_amount_at(p, (size_t)cx->ci, in, n, on, l->cap_used, &r, &ce) != ST_OK)
        snprintf(out->problem, sizeof out->problem, "无法重算：%.300s", ce.msg);
    else if (!r.eligible || r.amount_fen != expect_claimed)
        snprintf(out->problem, sizeof out->problem,
                 "重算金额 %" PRId64 " 分与记录的 %" PRId64 " 分不符", r.amount_fen,
                 expect_claimed);
    else if (l->format < 2)
        ok = 1;
    else if (strcmp(matter, l->matter))
        snprintf(out->problem, sizeof out->problem, "记录的事项“%s”与申请输入不符", l->matter);
    else if (ms && l->matter_prior != want_prior)
        snprintf(out->problem, sizeof out->problem,
                 "记录的同一事项已兑付 %" PRId64 " 分与账本累计%s %" PRId64 " 分不符",
                 l->matter_prior, in_batch, want_prior);
    /* figures a line of its kind never has: written as 0, so checked as 0 */
    else if (!ms && l->matter_prior != 0)
        snprintf(out->problem, sizeof out->problem,
                 "没有事项的兑付记录了同一事项已兑付 %" PRId64 " 分", l->matter_prior);
    else if ((lim.alloc == POLICY_ALLOC_NONE && (l->budget_used || l->budget_held)) ||
             (lim.alloc == POLICY_ALLOC_PRO_RATA && l->budget_held))
        snprintf(out->problem, sizeof out->problem,
                 "记录的预算占用（已兑付 %" PRId64 " 分，待审占用 %" PRId64 " 分）不是该条款会有的",
                 l->budget_used, l->budget_held);
    else if (lim.alloc == POLICY_ALLOC_NONE) {
        ok = l->amount == l->claimed - l->matter_prior && l->amount > 0 && !batched;
        if (!ok)
            snprintf(out->problem, sizeof out->problem, "兑付金额与重算及就高不就低规则不符");
    } else if (lim.alloc == POLICY_ALLOC_FCFS) {
        int64_t claim = l->claimed - l->matter_prior;
        int64_t left = lim.budget_fen - l->budget_used - l->budget_held;
        ok = !batched && l->budget_used == bs->sum && l->budget_held >= 0 && l->amount > 0 &&
             l->amount == (claim < left ? claim : left);
        if (!ok)
            snprintf(out->problem, sizeof out->problem,
                     "先到先得的预算核减不符（预算 %" PRId64 "，已兑付 %" PRId64 "，记录 %" PRId64
                     "）",
                     lim.budget_fen, bs->sum, l->budget_used);
    } else if (!batched) {
        snprintf(out->problem, sizeof out->problem, "按比例分配的条款只能批次审批");
    } else {
        if (v->batch != l->batch) {
            if (!batch_check(v, out)) {
                out->bad_line = v->batch_first;
                goto done;
            }
            v->batch = l->batch;
            v->batch_first = id;
            v->batch_priority = lim.priority_key != NULL;
            v->batch_budget = lim.budget_fen;
            v->batch_used = bs->sum;
        }
        if (l->budget_used != v->batch_used || l->batch != v->batch_first) {
            snprintf(out->problem, sizeof out->problem, "批次的预算起点不符");
        } else {
            if (v->batch_n == v->batch_cap) {
                v->batch_cap = v->batch_cap ? v->batch_cap * 2 : 64;
                v->claims = xrealloc(v->claims, v->batch_cap * sizeof *v->claims);
                v->amounts = xrealloc(v->amounts, v->batch_cap * sizeof *v->amounts);
                v->classes = xrealloc(v->classes, v->batch_cap * sizeof *v->classes);
            }
            const char *label;
            v->classes[v->batch_n] = policy_priority_class(p, (size_t)cx->ci, in, n, &label);
            int64_t claim = l->claimed - l->matter_prior;
            v->claims[v->batch_n] = claim > 0 ? claim : 0;
            v->amounts[v->batch_n++] = l->amount;
            ok = 1;
        }
    }
done:
    policy_result_cleanup(&r);
    json_decref(inputs);
    if (ok && lim.alloc != POLICY_ALLOC_NONE && bs->sum + l->amount > lim.budget_fen) {
        snprintf(out->problem, sizeof out->problem, "%d 年预算超支", l->year);
        ok = 0;
    }
    if (ok && batched) {
        batch_add(v, year_key, l->amount, l->claimed);
        if (ms)
            batch_add(v, matter_key, l->amount,
                      l->claimed > l->matter_prior ? l->claimed - l->matter_prior : 0);
    }
    return ok;
}

/* A reversal (追回) line must undo exactly one earlier award line: the same application, entity,
 * clause, pack, inputs, date, year and matter with the amount negated. r is the reversed line
 * and l the reversal, with their packs both named by SHA-256 or both by number; their inputs
 * are read (in place, for format 3). Returns 0 and fills problem if it does not hold. */
static int reversal_undoes(struct line *r, struct line *l, char *problem, size_t cap)
{
    json_t *rj = NULL, *lj = NULL;
    struct policy_input rin[INPUTS_MAX], lin[INPUTS_MAX];
    int rn = award_line_inputs(r, rin, &rj), ln = award_line_inputs(l, lin, &lj);
    int same_inputs = rn >= 0 && rn == ln;
    for (int i = 0; same_inputs && i < rn; i++)
        same_inputs = !strcmp(rin[i].name, lin[i].name) && !strcmp(rin[i].value, lin[i].value);
    json_decref(rj);
    json_decref(lj);
    int same_pack = r->pack_id || l->pack_id ? r->pack_id == l->pack_id : !strcmp(r->pack, l->pack);
    if (r->reverses)
        snprintf(problem, cap, "追回了一条追回记录");
    else if (r->amount != -l->amount)
        snprintf(problem, cap, "追回金额与被追回的兑付不符");
    else if (r->app != l->app || r->entity != l->entity || strcmp(r->clause, l->clause) ||
             !same_pack || r->year != l->year || strcmp(r->matter, l->matter) ||
             strcmp(r->applied_on, l->applied_on) || !same_inputs)
        snprintf(problem, cap, "追回记录的申请、主体、条款、输入、年度或事项与被追回的兑付不符");
    else
        return 1;
    return 0;
}

/* reversal_undoes with the reversed line read back from the store (its pack, and l's, by
 * SHA-256: one of them may be of format 3). */
static int reversal_matches(struct store *s, struct line *l, char *problem, size_t cap)
{
    struct err ignored = {0};
    struct line r;
    char *scratch = NULL;
    int found = 0, ok = 0;
    char sha[HASH_HEX_LEN + 1];
    if (award_line_read(s, l->reverses, &r, &scratch, &found, &ignored) != ST_OK ||
        (l->pack_id && pack_sha_of(s, l->pack_id, sha, &ignored) != ST_OK)) {
        snprintf(problem, cap, "无法读取被追回的兑付：%.300s", ignored.msg);
        goto out;
    }
    if (!found) {
        snprintf(problem, cap, "被追回的兑付 %" PRId64 " 不存在", l->reverses);
        goto out;
    }
    if (l->pack_id)
        l->pack = sha;
    r.pack_id = l->pack_id = 0; /* compared by SHA-256 */
    ok = reversal_undoes(&r, l, problem, cap);
out:
    free(scratch);
    return ok;
}

/* ---------------------------------------------------------------- the verifier's reader
 *
 * Verification runs as two stages on two threads: a reader steps the ledger's rows, copies and
 * decodes them into chunks, and checks format-3 lines' hashes against the hash stored before
 * each (the chain's links are independent once the stored hashes are read); the caller's
 * thread replays the lines in order and hashes the lines the reader left it. While the reader
 * runs it owns the connection: the packs are parsed before, and reversals are compared with the
 * lines they reverse after. */

#define CHUNK_LINES 1024
#define CHUNKS 4
#define INLINE_CHUNK_LINES 128 /* with no reading thread */

/* The CPUs this process may run on (1 if that cannot be told). */
static int cpus_allowed(void)
{
    cpu_set_t set;
    return sched_getaffinity(0, sizeof set, &set) ? 1 : CPU_COUNT(&set);
}

struct chunk {
    size_t n;
    int64_t id[CHUNK_LINES];
    size_t off[CHUNK_LINES + 1]; /* line i is bytes[off[i] .. off[i + 1]) */
    /* 1: a line of format 3 or 4 whose hash is right; 0: wrong; -1: an older format, or no
     * line; -2: a line the replaying thread hashes; -3: one the reader hashes (chunk_hash) */
    signed char chained[CHUNK_LINES];
    struct link hash[CHUNK_LINES]; /* as stored */
    struct link before;            /* the stored hash of the row before the chunk's first */
    /* the lines whose hashes are checked together (chunk_hash) */
    struct hash_job job[CHUNK_LINES];
    unsigned short job_line[CHUNK_LINES];
    char *bytes;
    size_t cap;
    /* the lines decoded by the reader (their strings in strs), decoded[i] 0 if line i is not
     * a line */
    struct line line[CHUNK_LINES];
    unsigned char decoded[CHUNK_LINES];
    char *strs;
    size_t strs_cap;
};

struct reader {
    struct store_stmt *q;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    struct chunk ring[CHUNKS];
    size_t filled, consumed; /* chunks handed over and given back, counted from the start */
    int done, stop;
    /* Of every eight format-3 lines, how many the reader hashes; the rest are left to the
     * replaying thread. Tuned as it goes so that neither thread waits for the other. */
    int share;
    /* Lines per chunk: CHUNK_LINES with a reading thread; a few without one (a single CPU),
     * read and replayed while they are still in the cache. */
    size_t chunk_lines;
    int threaded;
    struct link prev; /* the stored hash of the last row read */
    enum status st;
    struct err e;
};

/* Checks the hashes of c's lines marked so in c->chained, setting each mark to 1 or 0: all
 * at once, which lets hash_sha256_jobs hash four in step (each line's hash follows the stored
 * hash of the line before, so the links are independent). */
static void chunk_hash(struct chunk *c, signed char mark)
{
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        if (c->chained[i] != mark)
            continue;
        const unsigned char *line = (const unsigned char *)c->bytes + c->off[i];
        size_t len;
        const void *prefix =
            line_hash_prefix(i ? &c->hash[i - 1] : &c->before, line, &c->hash[i], &len);
        if (!prefix) {
            c->chained[i] = 0;
            continue;
        }
        c->job[n] = (struct hash_job){
            .a = prefix, .a_len = len, .b = line, .b_len = c->off[i + 1] - c->off[i]};
        c->job_line[n++] = (unsigned short)i;
    }
    hash_sha256_jobs(c->job, n);
    for (size_t k = 0; k < n; k++) {
        const struct link *stored = &c->hash[c->job_line[k]];
        c->chained[c->job_line[k]] =
            (signed char)(stored->raw_ok && !memcmp(c->job[k].out, stored->raw, HASH_LEN));
    }
}

/* Fills c with up to r->chunk_lines rows; *prev is the stored hash of the row before. */
static enum status chunk_fill(struct reader *r, struct chunk *c, struct link *prev, int *end)
{
    c->n = 0;
    c->off[0] = 0;
    c->before = *prev;
    enum status st = ST_OK;
    int row;
    while (c->n < r->chunk_lines && (st = store_step(r->q, &row, &r->e)) == ST_OK) {
        if (!row) {
            *end = 1;
            break;
        }
        size_t i = c->n, len = 0;
        const unsigned char *line = store_col_blob(r->q, 2, &len);
        size_t stored_len = 0;
        const char *stored = store_col_blob(r->q, 1, &stored_len);
        c->id[i] = store_col_int(r->q, 0);
        link_set(&c->hash[i], stored, stored_len);
        if (c->off[i] + len > c->cap) {
            c->cap = (c->off[i] + len) * 2;
            c->bytes = xrealloc(c->bytes, c->cap);
        }
        if (len)
            memcpy(c->bytes + c->off[i], line, len);
        c->off[i + 1] = c->off[i] + len;
        c->chained[i] = -1;
        if (line_hashed_whole(line, len))
            c->chained[i] = (int)(i & 7) >= r->share ? -2 : -3; /* -3: hashed below */
        *prev = c->hash[i];
        c->n++;
    }
    chunk_hash(c, -3);
    /* Decoded once the chunk is read, when the room the strings need is known. */
    size_t need = c->off[c->n] + 8 * c->n + 1;
    if (need > c->strs_cap) {
        c->strs_cap = need * 2;
        c->strs = xrealloc(c->strs, c->strs_cap);
    }
    for (size_t i = 0; i < c->n; i++)
        c->decoded[i] = (unsigned char)line_decode((const unsigned char *)c->bytes + c->off[i],
                                                   c->off[i + 1] - c->off[i], &c->line[i],
                                                   c->strs + c->off[i] + 8 * i, NULL, 0);
    return st;
}

static void *reader_run(void *arg)
{
    struct reader *r = arg;
    int end = 0;
    enum status st = ST_OK;
    for (size_t k = 0; !end && st == ST_OK; k++) {
        pthread_mutex_lock(&r->mu);
        while (!r->stop && k - r->consumed == CHUNKS)
            pthread_cond_wait(&r->cv, &r->mu);
        int stop = r->stop;
        pthread_mutex_unlock(&r->mu);
        if (stop)
            break;
        st = chunk_fill(r, &r->ring[k % CHUNKS], &r->prev, &end);
        pthread_mutex_lock(&r->mu);
        if (st == ST_OK)
            r->filled = k + 1;
        /* Chunks handed over and not yet given back: one (or none) means the replaying thread
         * keeps up and can hash more; three or more that it falls behind. */
        size_t queued = r->filled - r->consumed;
        if (queued <= 1 && r->share > 0)
            r->share--;
        else if (queued >= 3 && r->share < 8)
            r->share++;
        pthread_cond_broadcast(&r->cv);
        pthread_mutex_unlock(&r->mu);
    }
    pthread_mutex_lock(&r->mu);
    r->st = st;
    r->done = 1;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
    return NULL;
}

/* The next filled chunk, or NULL once the reader is done (r->st says how). */
static struct chunk *reader_next(struct reader *r)
{
    if (!r->threaded) { /* read here, into the one chunk */
        int end = 0;
        if (r->done || r->stop)
            return NULL;
        r->st = chunk_fill(r, &r->ring[0], &r->prev, &end);
        r->done = end || r->st != ST_OK;
        return r->st == ST_OK && r->ring[0].n ? &r->ring[0] : NULL;
    }
    pthread_mutex_lock(&r->mu);
    while (r->filled == r->consumed && !r->done)
        pthread_cond_wait(&r->cv, &r->mu);
    struct chunk *c = r->filled > r->consumed ? &r->ring[r->consumed % CHUNKS] : NULL;
    pthread_mutex_unlock(&r->mu);
    return c;
}

static void reader_release(struct reader *r, int stop)
{
    pthread_mutex_lock(&r->mu);
    if (stop)
        r->stop = 1;
    else
        r->consumed++;
    pthread_cond_broadcast(&r->cv);
    pthread_mutex_unlock(&r->mu);
}

/* A reversal whose comparison with the reversed line waits until the reader is done. */
struct deferred {
    int64_t id;
    size_t off, len; /* of the line in the deferred bytes */
    size_t lines;    /* sound lines before it, and their total */
    int64_t total_fen;
};

/* The running sums a line is checked against, keyed once its clause has a number. */
struct line_keys {
    int clause;
    struct key year, budget, matter;
};

static void line_keys(struct verifier *v, const struct line *l, struct line_keys *k)
{
    k->clause = verifier_clause(v, l->clause);
    int year_clause = l->year * 65536 + k->clause; /* years < 10,000 */
    k->year = totals_key(l->entity, year_clause, "", 0);
    k->budget = totals_key(0, year_clause, "", 0);
    k->matter = totals_key(l->entity, 0, l->matter, l->matter[0] ? strlen(l->matter) : 0);
}

/* How many lines ahead the slots of a line are asked for: with hundreds of thousands of
 * matters the table is far larger than the cache, and a load started only just before its use
 * stalls the replay for the whole trip to memory. */
#define PREFETCH_AHEAD 8

__attribute__((always_inline)) static inline void line_keys_prefetch(const struct verifier *v,
                                                                     const struct line_keys *k)
{
    totals_prefetch(&v->year, &k->year);
    totals_prefetch(&v->matter, &k->matter);
}

/* Marks i in a byte map of dense ids (line ids, application ids), growing it as needed. */
static void byte_map_set(unsigned char **map, size_t *cap, size_t i)
{
    if (i >= *cap) {
        size_t nc = (i + 1) * 2;
        *map = xrealloc(*map, nc);
        memset(*map + *cap, 0, nc - *cap);
        *cap = nc;
    }
    (*map)[i] = 1;
}

/* Checks one line against the running sums; returns 0 and fills out->problem if it does not
 * hold, setting *unchained if its number or hash is wrong. prev is the stored hash of the line
 * before; k its keys (line_keys). */
static int verify_line(struct verifier *v, struct line *l, const struct line_keys *k, int64_t id,
                       int chained, const char *stored, const char *prev, int64_t expect_id,
                       int *unchained, struct award_verify *out)
{
    int clause = k->clause;
    if (chained < 0) {
        char hash[HASH_HEX_LEN + 1];
        line_hash_fields(prev, l, hash);
        chained = l->format < 3 && !strcmp(hash, stored);
    }
    /* The running sums this line is checked against and adds to; looked up once (the tables
     * do not grow until the next line's lookups). */
    struct slot *ys = totals_at(&v->year, &k->year);
    struct slot *bs = totals_at(&v->budget, &k->budget);
    struct slot *ms = l->matter[0] ? totals_at(&v->matter, &k->matter) : NULL;
    if (v->batch && l->batch != v->batch && !batch_check(v, out))
        return 0;
    out->bad_line = id;
    int ok = 0;
    *unchained = id != expect_id || l->id != id || !chained;
    if (id != expect_id || l->id != id) {
        snprintf(out->problem, sizeof out->problem, "编号不连续：期望 %" PRId64, expect_id);
    } else if (l->matter[0] && !ms) {
        snprintf(out->problem, sizeof out->problem, "事项过多：事项名合计超过 4 GB，无法校验");
    } else if (!chained) {
        snprintf(out->problem, sizeof out->problem, "哈希链断裂：该行内容或前一行已被改动");
    } else if (l->reverses) {
        size_t r = (size_t)l->reverses;
        if (l->reverses >= id)
            snprintf(out->problem, sizeof out->problem, "追回记录早于被追回的兑付");
        else if (r < v->reversed_cap && v->reversed[r])
            snprintf(out->problem, sizeof out->problem, "同一笔兑付被追回两次");
        else if (l->cap_used != ys->sum)
            snprintf(out->problem, sizeof out->problem,
                     "记录的本年度已兑付 %" PRId64 " 分与账本累计 %" PRId64 " 分不符", l->cap_used,
                     ys->sum);
        else if (l->claimed || l->budget_used || l->budget_held || l->matter_prior || l->batch)
            snprintf(out->problem, sizeof out->problem,
                     "追回记录只记金额：申请额、预算占用、同一事项已兑付和批次应为 0");
        else {
            byte_map_set(&v->reversed, &v->reversed_cap, r);
            ok = 1;
        }
    } else {
        size_t a = l->app > 0 ? (size_t)l->app : 0;
        if (a && a < v->paid_cap && v->paid[a]) {
            snprintf(out->problem, sizeof out->problem,
                     "申请 %" PRId64 " 已有兑付行：同一申请只兑付一次", l->app);
        } else if ((ok = replay_award(v, l, clause, id, ys, bs, ms, &k->year, &k->matter, out)) &&
                   a) {
            byte_map_set(&v->paid, &v->paid_cap, a);
        }
    }
    if (!ok)
        return 0;
    out->bad_line = 0;
    ys->sum += l->amount;
    bs->sum += l->amount;
    if (ms)
        ms->sum += l->amount;
    out->total_fen += l->amount;
    out->lines++;
    return 1;
}

enum status award_ledger_verify(struct store *s, struct award_verify *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    struct verifier v;
    memset(&v, 0, sizeof v);
    struct reader *r = xcalloc(1, sizeof *r); /* its chunks are too large for a stack */
    r->share = 8;
    struct deferred *later = NULL;
    size_t n_later = 0;
    struct buf later_bytes;
    buf_init(&later_bytes, 0);
    char *scratch = NULL;
    size_t scratch_cap = 0;
    struct line_keys *keys = xmalloc(CHUNK_LINES * sizeof *keys); /* of a chunk's lines */
    int started = 0;
    /* One snapshot for the packs, the lines and the reversed lines read back, with a page
     * cache for one pass. */
    enum status st = store_snapshot_begin_scan(s, e);
    if (st != ST_OK)
        goto out;
    st = verifier_packs_load(s, &v, e);
    if (st == ST_OK) {
        /* as many matters as lines at most: room for a third of them */
        struct store_stmt *q;
        int64_t last = 0;
        if ((st = store_prepare(s, "SELECT coalesce(max(id), 0) FROM payouts", &q, e)) == ST_OK &&
            (st = award_step_int(q, &last, e)) == ST_OK)
            totals_reserve(&v.matter, (size_t)last / 3 * 2);
    }
    if (st != ST_OK || (st = store_prepare(s, "SELECT id, hash, line FROM payouts ORDER BY id",
                                           &r->q, e)) != ST_OK)
        goto out;
    pthread_mutex_init(&r->mu, NULL);
    pthread_cond_init(&r->cv, NULL);
    link_set_text(&r->prev, GENESIS);
    r->threaded = cpus_allowed() > 1;
    r->chunk_lines = r->threaded ? CHUNK_LINES : INLINE_CHUNK_LINES;
    pthread_t reader;
    if (r->threaded && pthread_create(&reader, NULL, reader_run, r)) {
        st = err_set(e, ST_IO, NULL, "无法启动校验线程");
        goto out;
    }
    started = r->threaded;
    struct link prev;
    link_set_text(&prev, GENESIS);
    int64_t expect_id = 1;
    struct chunk *c;
    int stopped = 0;
    while (!stopped && (c = reader_next(r))) {
        chunk_hash(c, -2); /* the lines the reader left to this thread */
        for (size_t i = 0; i < c->n && i < PREFETCH_AHEAD; i++)
            if (c->decoded[i]) {
                line_keys(&v, &c->line[i], &keys[i]);
                line_keys_prefetch(&v, &keys[i]);
            }
        for (size_t i = 0; i < c->n && !stopped; i++) {
            size_t ahead = i + PREFETCH_AHEAD;
            if (ahead < c->n && c->decoded[ahead]) {
                line_keys(&v, &c->line[ahead], &keys[ahead]);
                line_keys_prefetch(&v, &keys[ahead]);
            }
            size_t n = c->off[i + 1] - c->off[i];
            const unsigned char *bytes = (const unsigned char *)c->bytes + c->off[i];
            struct line l = c->line[i];
            if (!c->decoded[i]) {
                /* decoded again, to say what is wrong (a line stops the verification once) */
                char why[200] = "";
                char *tmp = xmalloc(n + 8);
                line_decode(bytes, n, &l, tmp, why, sizeof why);
                free(tmp);
                out->bad_line = c->id[i];
                snprintf(out->problem, sizeof out->problem, "该行不是可解读的账本行：%s", why);
                stopped = 1;
                break;
            }
            /* A reversal of a line earlier in this chunk (mostly the one before: the office
             * reverses what it has just approved) is compared here once the line holds, when
             * both are of format 4 (a format-3 line's inputs were parsed in place by its
             * replay); any other is compared once the reader is done. (A reversal of itself or
             * of a later line has nothing to be compared with.) */
            size_t back = (size_t)(c->id[i] - l.reverses);
            int here = l.reverses && l.reverses < c->id[i] && back <= i &&
                       c->id[i - back] == l.reverses && c->decoded[i - back] && l.format == 4 &&
                       c->line[i - back].format == 4;
            if (!here && l.reverses && l.reverses < c->id[i] && c->chained[i] != 0) {
                later = xrealloc(later, (n_later + 1) * sizeof *later);
                later[n_later++] =
                    (struct deferred){c->id[i], later_bytes.len, n, out->lines, out->total_fen};
                if (buf_append(&later_bytes, bytes, n) != ST_OK) {
                    st = err_set(e, ST_LIMIT, NULL, "追回记录过多");
                    stopped = 1;
                    break;
                }
            }
            int unchained = 0;
            size_t lines_before = out->lines;
            int64_t total_before = out->total_fen;
            if (!verify_line(&v, &l, &keys[i], c->id[i], c->chained[i], c->hash[i].hex, prev.hex,
                             expect_id, &unchained, out)) {
                stopped = 1;
                if (unchained && n_later && later[n_later - 1].id == c->id[i])
                    n_later--; /* what a broken line says is not compared */
            }
            /* as for a deferred reversal, a mismatch is what such a line is named for */
            if (here && !unchained) {
                struct line was = c->line[i - back], now = l;
                char problem[sizeof out->problem];
                if (!reversal_undoes(&was, &now, problem, sizeof problem)) {
                    out->bad_line = c->id[i];
                    out->lines = lines_before;
                    out->total_fen = total_before;
                    memcpy(out->problem, problem, sizeof problem);
                    stopped = 1;
                }
            }
            prev = c->hash[i];
            expect_id++;
        }
        reader_release(r, stopped);
    }
    if (started)
        pthread_join(reader, NULL);
    started = 0;
    if (st == ST_OK && r->st != ST_OK) {
        st = r->st;
        *e = r->e;
    }
    if (st != ST_OK)
        goto out;
    if (!out->bad_line)
        batch_check(&v, out);
    /* The reversals, in order, up to the first line found unsound (whose problem, if it is a
     * reversal that does not match its line, is named as that). */
    for (size_t i = 0; i < n_later && (!out->bad_line || later[i].id <= out->bad_line); i++) {
        struct deferred *d = &later[i];
        struct line l;
        if (d->len + 8 > scratch_cap) {
            scratch_cap = (d->len + 8) * 2;
            scratch = xrealloc(scratch, scratch_cap);
        }
        line_decode((const unsigned char *)later_bytes.data + d->off, d->len, &l, scratch, NULL, 0);
        char problem[sizeof out->problem];
        if (!reversal_matches(s, &l, problem, sizeof problem)) {
            out->bad_line = d->id;
            out->lines = d->lines;
            out->total_fen = d->total_fen;
            snprintf(out->problem, sizeof out->problem, "%s", problem);
            break;
        }
    }
    if (!out->bad_line && out->lines) { /* every line sound: the last one is the head */
        out->head_id = expect_id - 1;
        memcpy(out->head_hash, prev.hex, sizeof out->head_hash);
    }
out:
    if (started) {
        reader_release(r, 1);
        pthread_join(reader, NULL);
    }
    if (r->q) {
        store_finish(r->q);
        pthread_mutex_destroy(&r->mu);
        pthread_cond_destroy(&r->cv);
    }
    store_snapshot_end(s);
    for (size_t i = 0; i < CHUNKS; i++) {
        free(r->ring[i].bytes);
        free(r->ring[i].strs);
    }
    for (size_t i = 0; i < v.n_packs; i++)
        policy_pack_free(v.packs[i].p);
    free(v.packs);
    free(v.ctx);
    for (size_t i = 0; i < v.n_clauses; i++)
        free(v.clauses[i]);
    free(v.clauses);
    totals_free(&v.year);
    totals_free(&v.budget);
    totals_free(&v.matter);
    totals_free(&v.batch_paid);
    totals_free(&v.batch_claimed);
    free(v.reversed);
    free(v.paid);
    free(v.claims);
    free(v.classes);
    free(v.amounts);
    free(r);
    free(later);
    buf_cleanup(&later_bytes);
    free(scratch);
    free(keys);
    return st;
}

/* The other way round: an application approved for an amount must have its line. Lines cut
 * off the end of the ledger leave a sound chain; the applications they paid still say so. */
static enum status approvals_have_lines(struct store *s, struct award_verify *out, struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(
        s,
        "SELECT a.id, a.amount_fen, (SELECT coalesce(max(id), 0) FROM payouts) FROM applications a"
        " WHERE a.status = 'approved' AND a.amount_fen > 0 AND NOT EXISTS (SELECT 1 FROM payouts p"
        " WHERE p.application_id = a.id AND p.reverses_id IS NULL) ORDER BY a.id LIMIT 1",
        &q, e);
    if (st != ST_OK)
        return st;
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK && row) {
        char yuan[32];
        out->bad_line = store_col_int(q, 2) + 1; /* where its line would follow */
        snprintf(out->problem, sizeof out->problem,
                 "申请 %" PRId64 " 已批准兑付 %s元，账本中却没有它的兑付行：账本的行被删去了",
                 store_col_int(q, 0), money_format(store_col_int(q, 1), yuan, sizeof yuan));
    }
    store_finish(q);
    return st;
}

/* ---------------------------------------------------------------- first-come holds */

/* A first-come line records what earlier applications still pending held of the year's budget
 * when it was approved. The ledger alone cannot re-derive it (the applications of the day are
 * not in it); the audit log can: it has every application's submission (with the amount it
 * held) and decision, in the order they happened, in the same transactions as the changes. */
struct hold_group {
    char clause[64];
    int year;
    int64_t *pending; /* the group's applications submitted and not yet decided */
    size_t n_pending, cap_pending;
    int unknown; /* a submission audited without its amount: the group is not checked */
};

struct hold_check {
    struct hold_group *groups;
    size_t n_groups;
    int32_t *group_of; /* by application id: its group, or -1 */
    int64_t *amount;   /* by application id: what it holds while pending */
    int64_t *line_of;  /* by application id: its first-come line, or 0 */
    int64_t *held_of;  /* by application id: what that line records as held */
    int64_t max_app;
};

static int hold_group_of(struct hold_check *h, const char *clause, int year, int add)
{
    for (size_t i = 0; i < h->n_groups; i++)
        if (h->groups[i].year == year && !strcmp(h->groups[i].clause, clause))
            return (int)i;
    if (!add)
        return -1;
    h->groups = xrealloc(h->groups, (h->n_groups + 1) * sizeof *h->groups);
    struct hold_group *g = &h->groups[h->n_groups];
    memset(g, 0, sizeof *g);
    snprintf(g->clause, sizeof g->clause, "%s", clause);
    g->year = year;
    return (int)h->n_groups++;
}

static void hold_check_free(struct hold_check *h)
{
    for (size_t i = 0; i < h->n_groups; i++)
        free(h->groups[i].pending);
    free(h->groups);
    free(h->group_of);
    free(h->amount);
    free(h->line_of);
    free(h->held_of);
}

/* Whether clause of the pack with this SHA-256 allocates a first-come budget. */
static enum status clause_is_fcfs(struct store *s, const char *sha, const char *clause, int *fcfs,
                                  struct err *e)
{
    struct store_stmt *q;
    int row;
    *fcfs = 0;
    enum status st = store_prepare(s, "SELECT text FROM policy_packs WHERE sha256 = ?", &q, e);
    if (st != ST_OK)
        return st;
    store_bind_text(q, 1, sha);
    if ((st = store_step(q, &row, e)) == ST_OK && row) {
        const char *text = store_col_text(q, 0);
        struct policy_pack *p;
        struct policy_limits lim;
        struct err ignored = {0};
        if (policy_pack_load_stored(text, strlen(text), "stored pack", &p, &ignored) == ST_OK) {
            int ci = policy_clause_index(p, clause);
            *fcfs = ci >= 0 && policy_clause_limits(p, (size_t)ci, &lim, &ignored) == ST_OK &&
                    lim.alloc == POLICY_ALLOC_FCFS;
            policy_pack_free(p);
        }
    }
    store_finish(q);
    return st;
}

/* The SHA-256 of the pack a line of payouts p names, whichever its format. */
#define LINE_PACK_SHA                                                                              \
    "coalesce(p.pack_sha256, (SELECT k.sha256 FROM policy_packs k WHERE k.id = p.pack_id), '')"

/* The first-come lines (not reversals, not in a batch), each in its group: the clauses the
 * ledger names (from an index: no line is read) under each stored pack version are looked at
 * first, so that a ledger without a first-come budget is not read at all and keeps nothing. */
static enum status hold_lines(struct store *s, struct hold_check *h, struct err *e)
{
    struct pair {
        char sha[HASH_HEX_LEN + 1], clause[64];
    } *pairs = NULL;
    size_t n_pairs = 0, cap = 0;
    struct store_stmt *q;
    int row;
    enum status st = store_prepare(s,
                                   "SELECT k.sha256, c.clause FROM policy_packs k,"
                                   " (SELECT DISTINCT clause FROM payouts) c ORDER BY k.id",
                                   &q, e);
    if (st != ST_OK)
        return st;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        xgrow((void **)&pairs, &cap, n_pairs + 1, sizeof *pairs);
        snprintf(pairs[n_pairs].sha, sizeof pairs[n_pairs].sha, "%s", store_col_text(q, 0));
        snprintf(pairs[n_pairs].clause, sizeof pairs[n_pairs].clause, "%s", store_col_text(q, 1));
        n_pairs++;
    }
    store_finish(q);
    size_t n_fcfs = 0;
    for (size_t i = 0; i < n_pairs && st == ST_OK; i++) {
        int fcfs = 0;
        if ((st = clause_is_fcfs(s, pairs[i].sha, pairs[i].clause, &fcfs, e)) == ST_OK && fcfs)
            pairs[n_fcfs++] = pairs[i];
    }
    if (st != ST_OK || !n_fcfs)
        goto out;
    /* applications are numbered up to here (a line's too, unless it is forged) */
    if ((st = store_prepare(s,
                            "SELECT max(coalesce((SELECT max(id) FROM applications), 0),"
                            " coalesce((SELECT max(application_id) FROM payouts), 0))",
                            &q, e)) != ST_OK)
        goto out;
    if ((st = store_step(q, &row, e)) == ST_OK && row)
        h->max_app = store_col_int(q, 0);
    store_finish(q);
    size_t size = (size_t)h->max_app + 1;
    h->line_of = xcalloc(size, sizeof *h->line_of);
    h->held_of = xcalloc(size, sizeof *h->held_of);
    for (size_t i = 0; i < n_fcfs && st == ST_OK; i++) {
        if ((st = store_prepare(s,
                                "SELECT id, application_id, year, budget_held_fen FROM payouts p"
                                " WHERE reverses_id IS NULL AND batch = 0 AND " LINE_PACK_SHA
                                " = ? AND clause = ?",
                                &q, e)) != ST_OK)
            break;
        store_bind_text(q, 1, pairs[i].sha);
        store_bind_text(q, 2, pairs[i].clause);
        while ((st = store_step(q, &row, e)) == ST_OK && row) {
            int64_t app = store_col_int(q, 1);
            hold_group_of(h, pairs[i].clause, (int)store_col_int(q, 2), 1);
            if (app > 0 && app <= h->max_app) {
                h->line_of[app] = store_col_int(q, 0);
                h->held_of[app] = store_col_int(q, 3);
            }
        }
        store_finish(q);
    }
out:
    free(pairs);
    return st;
}

/* The applications of the groups: which group each belongs to. */
static enum status hold_applications(struct store *s, struct hold_check *h, struct err *e)
{
    struct store_stmt *q;
    int row;
    size_t size = (size_t)h->max_app + 1;
    h->group_of = xmalloc(size * sizeof *h->group_of);
    for (size_t i = 0; i < size; i++)
        h->group_of[i] = -1;
    h->amount = xcalloc(size, sizeof *h->amount);
    enum status st = store_prepare(s, "SELECT id, clause, year FROM applications", &q, e);
    if (st != ST_OK)
        return st;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        int64_t id = store_col_int(q, 0);
        if (id > 0 && id <= h->max_app)
            h->group_of[id] = hold_group_of(h, store_col_text(q, 1), (int)store_col_int(q, 2), 0);
    }
    store_finish(q);
    return st;
}

static void hold_drop(struct hold_group *g, int64_t app)
{
    for (size_t i = 0; i < g->n_pending; i++)
        if (g->pending[i] == app) {
            g->pending[i] = g->pending[--g->n_pending];
            return;
        }
}

/* Replays the audit log's submissions and decisions; at each first-come line's approval, what
 * the group's earlier applications still pending held must be what the line records. */
static enum status holds_from_the_audit_log(struct store *s, struct award_verify *out,
                                            struct err *e)
{
    struct hold_check h = {0};
    struct store_stmt *q;
    int row;
    enum status st = hold_lines(s, &h, e);
    if (st != ST_OK || !h.n_groups)
        goto out;
    if ((st = hold_applications(s, &h, e)) != ST_OK)
        goto out;
    if ((st = store_prepare(s,
                            "SELECT action, entity_id, after FROM audit_log WHERE entity ="
                            " 'application' AND action IN ('application.submit',"
                            " 'application.approve', 'application.reject') ORDER BY id",
                            &q, e)) != ST_OK)
        goto out;
    while ((st = store_step(q, &row, e)) == ST_OK && row && !out->bad_line) {
        const char *action = store_col_text(q, 0), *after = store_col_text(q, 2);
        int64_t app = strtoll(store_col_text(q, 1), NULL, 10);
        if (app <= 0 || app > h.max_app || h.group_of[app] < 0)
            continue;
        struct hold_group *g = &h.groups[h.group_of[app]];
        if (!strcmp(action, "application.submit")) {
            json_t *o = after ? json_loads(after, 0, NULL) : NULL;
            json_t *fen = json_object_get(o, "amount_fen");
            if (json_is_integer(fen))
                h.amount[app] = json_integer_value(fen);
            else
                g->unknown = 1;
            json_decref(o);
            xgrow((void **)&g->pending, &g->cap_pending, g->n_pending + 1, sizeof *g->pending);
            g->pending[g->n_pending++] = app;
            continue;
        }
        hold_drop(g, app);
        if (strcmp(action, "application.approve") || !h.line_of[app] || g->unknown)
            continue;
        int64_t held = 0;
        for (size_t i = 0; i < g->n_pending; i++)
            if (g->pending[i] < app)
                held += h.amount[g->pending[i]];
        if (held != h.held_of[app]) {
            char a[32], b[32];
            out->bad_line = h.line_of[app];
            snprintf(out->problem, sizeof out->problem,
                     "先受理的待审申请占用预算应为 %s元（按审计日志中的受理与审批顺序重建），"
                     "兑付行记录为 %s元",
                     money_format(held, a, sizeof a), money_format(h.held_of[app], b, sizeof b));
        }
    }
    store_finish(q);
out:
    hold_check_free(&h);
    return st;
}

/* ---------------------------------------------------------------- pro-rata batches */

/* Each pro-rata batch the ledger holds was closed once, audited with how many applications it
 * approved and what it paid: its lines must be those, no more and no fewer. A batch split in
 * two by renumbering its lines changes no amount when no share was cut; only this names it. */
static enum status batches_match_the_audit_log(struct store *s, struct award_verify *out,
                                               struct err *e)
{
    struct closed {
        int64_t batch, approved, paid;
        int seen;
    } *v = NULL;
    size_t n = 0, cap = 0;
    struct store_stmt *q;
    int row;
    enum status st = store_prepare(
        s, "SELECT entity_id, after FROM audit_log WHERE action = 'award.batch' ORDER BY id", &q,
        e);
    if (st != ST_OK)
        return st;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        json_t *o = json_loads(store_col_text(q, 1) ? store_col_text(q, 1) : "", 0, NULL);
        xgrow((void **)&v, &cap, n + 1, sizeof *v);
        v[n++] = (struct closed){strtoll(store_col_text(q, 0), NULL, 10),
                                 json_integer_value(json_object_get(o, "approved")),
                                 json_integer_value(json_object_get(o, "paid_fen")), 0};
        json_decref(o);
    }
    store_finish(q);
    if (st != ST_OK)
        goto out;
    if ((st =
             store_prepare(s,
                           "SELECT batch, count(*), sum(amount_fen), min(id) FROM payouts"
                           " WHERE batch > 0 AND reverses_id IS NULL GROUP BY batch ORDER BY batch",
                           &q, e)) != ST_OK)
        goto out;
    while (!out->bad_line && (st = store_step(q, &row, e)) == ST_OK && row) {
        int64_t batch = store_col_int(q, 0), lines = store_col_int(q, 1);
        int64_t paid = store_col_int(q, 2), first = store_col_int(q, 3);
        struct closed *c = NULL;
        for (size_t i = 0; i < n && !c; i++)
            if (v[i].batch == batch)
                c = &v[i];
        char a[32], b[32];
        if (!c) {
            out->bad_line = first;
            snprintf(out->problem, sizeof out->problem,
                     "批次 %" PRId64 " 没有结束批次的审计记录：批次的行被改了编号", batch);
        } else if (c->approved != lines || c->paid != paid) {
            out->bad_line = first;
            snprintf(out->problem, sizeof out->problem,
                     "批次 %" PRId64 " 在账本中有 %" PRId64 " 行、合计 %s元，结束批次时审计记录为"
                     " %" PRId64 " 件、%s元",
                     batch, lines, money_format(paid, a, sizeof a), c->approved,
                     money_format(c->paid, b, sizeof b));
        }
        if (c)
            c->seen = 1;
    }
    store_finish(q);
    for (size_t i = 0; i < n && st == ST_OK && !out->bad_line; i++)
        if (!v[i].seen && v[i].approved > 0) {
            out->bad_line = v[i].batch; /* where its first line was */
            snprintf(out->problem, sizeof out->problem,
                     "批次 %" PRId64 " 结束时批准 %" PRId64 " 件，账本中却没有它的行", v[i].batch,
                     v[i].approved);
        }
out:
    free(v);
    return st;
}

enum status award_ledger_check_applications(struct store *s, struct award_verify *out,
                                            struct err *e)
{
    memset(out, 0, sizeof *out);
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   "SELECT p.id, p.line, a.inputs, a.applied_on, a.entity_id,"
                                   " a.clause, a.status FROM payouts p"
                                   " LEFT JOIN applications a ON a.id = p.application_id"
                                   " WHERE p.reverses_id IS NULL ORDER BY p.id",
                                   &q, e);
    if (st != ST_OK)
        return st;
    char *scratch = NULL;
    size_t scratch_cap = 0;
    int row;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        int64_t id = store_col_int(q, 0);
        size_t n;
        const unsigned char *bytes = store_col_blob(q, 1, &n);
        const char *inputs = store_col_text(q, 2), *applied_on = store_col_text(q, 3);
        int64_t entity = store_col_int(q, 4);
        const char *clause = store_col_text(q, 5), *status = store_col_text(q, 6);
        if (n + 8 > scratch_cap) {
            scratch_cap = (n + 8) * 2;
            scratch = xrealloc(scratch, scratch_cap);
        }
        struct line l;
        char why[200] = "";
        int same = 0;
        struct err ignored = {0};
        struct buf pairs;
        buf_init(&pairs, 0);
        if (!bytes || !line_decode(bytes, n, &l, scratch, why, sizeof why))
            snprintf(out->problem, sizeof out->problem, "该行不是可解读的账本行：%s", why);
        else if (!inputs)
            snprintf(out->problem, sizeof out->problem, "申请 %" PRId64 " 已不存在", l.app);
        /* who was paid, under what, and that it was approved: the application says */
        else if (entity != l.entity || !clause || strcmp(clause, l.clause))
            snprintf(out->problem, sizeof out->problem,
                     "兑付行的主体或条款与申请 %" PRId64 " 不符（申请为主体 %" PRId64
                     "、条款 %.64s；兑付行为主体 %" PRId64 "、条款 %.64s）",
                     l.app, entity, clause ? clause : "", l.entity, l.clause);
        else if (!status || strcmp(status, "approved"))
            snprintf(out->problem, sizeof out->problem,
                     "申请 %" PRId64 " 未经批准（%s），却有兑付行", l.app, status ? status : "");
        else if (l.format == 3)
            /* the application's JSON as the line would carry it */
            same = pairs_from_json(inputs, &pairs, &ignored) == ST_OK && pairs.len == l.data_len &&
                   !memcmp(buf_str(&pairs), l.data, l.data_len);
        else if (l.format == 4)
            same = inputs_match_json(&l, inputs);
        else
            same = !strcmp(inputs, l.data); /* copied in by migration 18 */
        buf_cleanup(&pairs);
        if (same && strcmp(applied_on, l.applied_on))
            same = 0;
        if (!same) {
            if (!out->problem[0])
                snprintf(out->problem, sizeof out->problem,
                         "申请 %" PRId64 " 的输入或申请日期与兑付时不同：兑付后申请记录被改动",
                         l.app);
            out->bad_line = id;
            break;
        }
        out->lines++;
        out->total_fen += l.amount;
    }
    store_finish(q);
    free(scratch);
    if (st == ST_OK && !out->bad_line)
        st = approvals_have_lines(s, out, e);
    if (st == ST_OK && !out->bad_line)
        st = holds_from_the_audit_log(s, out, e);
    if (st == ST_OK && !out->bad_line)
        st = batches_match_the_audit_log(s, out, e);
    return st;
}

json_t *award_verify_json(const struct award_verify *v)
{
    json_t *o = json_pack("{s:b, s:I, s:I}", "ok", v->bad_line == 0, "lines", (json_int_t)v->lines,
                          "total_fen", (json_int_t)v->total_fen);
    if (v->bad_line) {
        json_object_set_new(o, "bad_line", json_integer(v->bad_line));
        json_object_set_new(o, "problem", json_string(v->problem));
    } else if (v->head_id) {
        json_object_set_new(
            o, "head", json_pack("{s:I, s:s}", "id", (json_int_t)v->head_id, "hash", v->head_hash));
    }
    return o;
}

_Static_assert(sizeof((struct award_verify *)0)->head_hash == HASH_HEX_LEN + 1, "a hash in hex");
