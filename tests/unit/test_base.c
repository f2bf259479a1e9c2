/* Unit tests of the base modules: utf8, money, date, buf, hash, arena. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/date.h"
#include "base/hash.h"
#include "base/money.h"
#include "base/text.h"
#include "base/utf8.h"

static void utf8_decodes_and_rejects(void **state)
{
    (void)state;
    const char *s = "a区\xF0\x9F\x98\x80";
    size_t i = 0, n = strlen(s);
    assert_int_equal(utf8_decode(s, n, &i), 'a');
    assert_int_equal(utf8_decode(s, n, &i), 0x533A);
    assert_int_equal(utf8_decode(s, n, &i), 0x1F600);
    assert_int_equal(i, n);
    size_t bad;
    assert_true(utf8_valid(s, n, &bad));
    assert_false(utf8_valid("ab\xC0\xAF", 4, &bad)); /* overlong '/' */
    assert_int_equal(bad, 2);
    assert_false(utf8_valid("\xED\xA0\x80", 3, &bad)); /* surrogate */
    /* repaired: a character cut in half, a stray byte, and whole text left as it is */
    char *fixed = utf8_repair("锚\xE9\x94");
    assert_string_equal(fixed, "锚\xEF\xBF\xBD\xEF\xBF\xBD");
    free(fixed);
    fixed = utf8_repair("a\xFF"
                        "b");
    assert_string_equal(fixed, "a\xEF\xBF\xBD"
                               "b");
    free(fixed);
    fixed = utf8_repair("新开〔2020〕28号");
    assert_string_equal(fixed, "新开〔2020〕28号");
    assert_true(utf8_valid(fixed, strlen(fixed), &bad));
    free(fixed);
    assert_false(utf8_valid("\xE5\x8C", 2, &bad)); /* truncated */
    assert_int_equal(utf8_count("区科学技术局", strlen("区科学技术局")), 6);
    assert_int_equal(utf8_width("区a（1）"), 2 + 1 + 2 + 1 + 2);
    char out[4];
    assert_int_equal(utf8_encode(0x533A, out), 3);
    assert_memory_equal(out, "区", 3);
    assert_int_equal(utf8_encode(0xD800, out), 0);
}

static void money_parses_exactly(void **state)
{
    (void)state;
    int64_t fen;
    assert_int_equal(money_parse_fen("10", 2, 10000, &fen), ST_OK);
    assert_int_equal(fen, 10000000); /* 10万元 */
    assert_int_equal(money_parse_fen("20.5", 4, 100000000, &fen), ST_OK);
    assert_int_equal(fen, 205000000000LL); /* 20.5亿元 */
    assert_int_equal(money_parse_fen("3.25", 4, 100000000, &fen), ST_OK);
    assert_int_equal(fen, 32500000000LL);
    assert_int_equal(money_parse_fen("8,650,000.00", 12, 1, &fen), ST_OK);
    assert_int_equal(fen, 865000000);
    assert_int_equal(money_parse_fen("0.01", 4, 1, &fen), ST_OK);
    assert_int_equal(fen, 1);
    assert_int_equal(money_parse_fen("0.001", 5, 1, &fen), ST_INVALID); /* finer than a fen */
    assert_int_equal(money_parse_fen("0.0001", 6, 10000, &fen), ST_OK); /* 0.0001万元 = 1元 */
    assert_int_equal(fen, 100);
    assert_int_equal(money_parse_fen("1.2.3", 5, 1, &fen), ST_INVALID);
    assert_int_equal(money_parse_fen("", 0, 1, &fen), ST_INVALID);
    assert_int_equal(money_parse_fen("12.", 3, 1, &fen), ST_INVALID);
    assert_int_equal(money_parse_fen("99999999999999999999", 20, 1, &fen), ST_LIMIT);
    assert_int_equal(money_parse_fen("922337203685477", 15, 10000, &fen), ST_LIMIT);
    char buf[64];
    assert_string_equal(money_format(10000000, buf, sizeof buf), "100,000.00");
    assert_string_equal(money_format(865000000, buf, sizeof buf), "8,650,000.00");
    assert_string_equal(money_format(5, buf, sizeof buf), "0.05");
    assert_string_equal(money_format(-123456, buf, sizeof buf), "-1,234.56");
    assert_string_equal(money_format(INT64_MIN, buf, sizeof buf), "-92,233,720,368,547,758.08");
}

/* money_parse_plain reads what it accepts as the general rules do (at ten times the unit, so
 * that they run in full): every string of up to five bytes of digits, points, commas, signs
 * and other bytes, and long ones. */
static void money_plain_shape_reads_as_the_general_rules(void **state)
{
    (void)state;
    static const char alphabet[] = "0159.,-+ x";
    const size_t k = sizeof alphabet - 1;
    char s[24];
    size_t accepted = 0;
    for (size_t len = 0; len <= 5; len++) {
        size_t count = 1;
        for (size_t i = 0; i < len; i++)
            count *= k;
        for (size_t code = 0; code < count; code++) {
            size_t c = code;
            for (size_t i = 0; i < len; i++, c /= k)
                s[i] = alphabet[c % k];
            s[len] = '\0';
            int64_t plain = -1, tenfold = -1;
            if (!money_parse_plain(s, len, &plain))
                continue;
            accepted++;
            if (money_parse_fen(s, len, 10, &tenfold) != ST_OK || tenfold != plain * 10)
                fail_msg("\"%s\": %lld against %lld / 10", s, (long long)plain, (long long)tenfold);
        }
    }
    assert_true(accepted > 1000);
    int64_t fen;
    assert_true(money_parse_plain("8650000.5", 9, &fen));
    assert_int_equal(fen, 865000050);
    assert_true(money_parse_plain("9999999999999.99", 16, &fen)); /* 16 bytes: the longest */
    assert_int_equal(fen, INT64_C(999999999999999));
    assert_true(money_parse_plain("9999999999999999", 16, &fen));
    assert_int_equal(fen, INT64_C(999999999999999900));
    static const char *const refused[] = {"",     "12.",  ".5",   "1.234", "1,000",
                                          "-1",   "+1",   "1e3",  " 1",    "1 ",
                                          "1..0", "1.5.", "1.x0", "1.0x",  "99999999999999999"};
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++)
        if (money_parse_plain(refused[i], strlen(refused[i]), &fen))
            fail_msg("\"%s\" read as plain", refused[i]);
    /* what it refuses, the general rules still read */
    assert_int_equal(money_parse_fen("1,000", 5, 1, &fen), ST_OK);
    assert_int_equal(fen, 100000);
    assert_int_equal(money_parse_fen(".5", 2, 1, &fen), ST_OK);
    assert_int_equal(fen, 50);
}

static void dates_are_civil(void **state)
{
    (void)state;
    struct date d;
    assert_true(date_parse_iso("2020-03-31", &d));
    assert_int_equal(d.y, 2020);
    assert_false(date_parse_iso("2021-02-29", &d));
    assert_false(date_parse_iso("2020-3-31", &d));
    assert_true(date_valid(2020, 2, 29));
    assert_false(date_valid(2100, 2, 29));
    struct date leap = {2020, 2, 29};
    struct date next = date_add_years(leap, 1);
    assert_int_equal(next.d, 28);
    for (long day = -1000; day < 30000; day += 7) {
        struct date x = date_from_days(day);
        assert_int_equal(date_to_days(x), day);
    }
    assert_int_equal(date_to_days((struct date){1970, 1, 1}), 0);
    char iso[16];
    date_format(date_add_years((struct date){2020, 3, 31}, 3), iso, sizeof iso);
    assert_string_equal(iso, "2023-03-31");
}

static void buf_respects_its_cap(void **state)
{
    (void)state;
    struct buf b;
    buf_init(&b, 8);
    assert_int_equal(buf_puts(&b, "12345678"), ST_OK);
    assert_int_equal(buf_putc(&b, '9'), ST_LIMIT);
    assert_string_equal(buf_str(&b), "12345678");
    buf_cleanup(&b);
    buf_init(&b, 0);
    assert_int_equal(buf_printf(&b, "%d-%s", 42, "区"), ST_OK);
    assert_string_equal(buf_str(&b), "42-区");
    buf_cleanup(&b);
}

static void sha256_matches_known_vectors(void **state)
{
    (void)state;
    char hex[65];
    hash_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    struct hash_sha256 h;
    hash_sha256_init(&h);
    hash_sha256_update(&h, "a", 1);
    hash_sha256_update(&h, "bc", 2);
    char hex2[65];
    hash_sha256_final_hex(&h, hex2);
    assert_string_equal(hex, hex2);
    /* in two parts, as the ledger hashes a line after the hash before it */
    memset(hex2, 0, sizeof hex2);
    hash_sha256_hex2("a", 1, "bc", 2, hex2);
    assert_string_equal(hex2, hex);
    hash_sha256_hex2("", 0, "abc", 3, hex2);
    assert_string_equal(hex2, hex);
    /* the digest's bytes, and read back from the hex */
    unsigned char d[HASH_LEN], back[HASH_LEN];
    hash_sha256_2("ab", 2, "c", 1, d);
    assert_int_equal(d[0], 0xba);
    assert_int_equal(d[31], 0xad);
    assert_true(hash_from_hex(hex, back));
    assert_memory_equal(back, d, HASH_LEN);
    /* only 64 lowercase hex digits: capitals, a short or long string, a non-digit */
    char bad[70];
    snprintf(bad, sizeof bad, "%s", hex);
    bad[0] = 'B';
    assert_false(hash_from_hex(bad, back));
    snprintf(bad, sizeof bad, "%.63s", hex);
    assert_false(hash_from_hex(bad, back));
    snprintf(bad, sizeof bad, "%s0", hex);
    assert_false(hash_from_hex(bad, back));
    snprintf(bad, sizeof bad, "%s", hex);
    bad[63] = 'g';
    assert_false(hash_from_hex(bad, back));
    /* a wrong byte in any place (the digits are read sixteen at a time): the bytes just past
     * each range of digits, and a NUL inside */
    static const char wrong[] = {'/', ':', '`', 'g', 'A', 'F', ' ', '\0', (char)0xe6};
    for (int at = 0; at < 64; at++)
        for (size_t w = 0; w < sizeof wrong; w++) {
            snprintf(bad, sizeof bad, "%s", hex);
            bad[at] = wrong[w];
            assert_false(hash_from_hex_len(bad, 64, back));
        }
    /* every digit value in every place reads back */
    static const char digits[] = "0123456789abcdef";
    for (int at = 0; at < 64; at++) {
        snprintf(bad, sizeof bad, "%s", hex);
        bad[at] = digits[at % 16];
        assert_true(hash_from_hex(bad, back));
        int v = at % 16, was = back[at / 2];
        assert_int_equal(at % 2 ? was & 15 : was >> 4, v);
    }
    /* by length: no NUL needed, and only 64 digits are a hash */
    char longer[80];
    snprintf(longer, sizeof longer, "%s%s", hex, "0");
    assert_true(hash_from_hex_len(longer, 64, back));
    assert_memory_equal(back, d, HASH_LEN);
    assert_false(hash_from_hex_len(longer, 65, back));
    assert_false(hash_from_hex_len(longer, 63, back));
    assert_false(hash_from_hex_len(longer, 0, back));
    /* Length-prefixed fields, as the audit and payout chains hash them: "3:abc" "-:" "0:"
     * (the bytes every stored chain was written with; printf '3:abc-:0:' | sha256sum). */
    hash_sha256_init(&h);
    hash_sha256_field(&h, "abc");
    hash_sha256_field(&h, NULL);
    hash_sha256_field(&h, "");
    hash_sha256_final_hex(&h, hex2);
    assert_string_equal(hex2, "4735281ef6c6a1976a9f49af5b3c69ba13265b80710812958aea8f4c0894561f");
    /* A million 'a' (FIPS 180-2's long vector), fed in uneven pieces: past the collecting
     * buffer, through the digest context, and short pieces after it again. */
    size_t total = 1000000, fed = 0, piece = 1;
    char *a = malloc(total);
    assert_non_null(a);
    memset(a, 'a', total);
    hash_sha256_hex(a, total, hex);
    assert_string_equal(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    hash_sha256_init(&h);
    while (fed < total) {
        size_t n = piece < total - fed ? piece : total - fed;
        hash_sha256_update(&h, a + fed, n);
        fed += n;
        piece = piece * 7 % 3001 + 1;
    }
    hash_sha256_final_hex(&h, hex2);
    assert_string_equal(hex2, hex);
    free(a);
}

/* Decodes data, expecting success, the text and the encoding named. */
static void decodes_to(const char *data, size_t len, const char *text, const char *encoding)
{
    char *out = NULL;
    size_t n = 0;
    const char *enc = NULL;
    struct err e = {0};
    if (text_decode(data, len, "t.csv", 1 << 20, &out, &n, &enc, &e) != ST_OK)
        fail_msg("refused: %s %s", e.where, e.msg);
    assert_string_equal(out, text);
    assert_int_equal(n, strlen(text));
    assert_string_equal(enc, encoding);
    free(out);
}

/* Refuses data with status st, where (or the file name) and a message naming what. */
static void refused(const char *data, size_t len, size_t max, enum status st, const char *where,
                    const char *what)
{
    char *out = NULL;
    size_t n = 0;
    const char *enc = NULL;
    struct err e = {0};
    assert_int_equal(text_decode(data, len, "t.csv", max, &out, &n, &enc, &e), st);
    assert_null(out);
    assert_string_equal(e.where, where);
    if (!strstr(e.msg, what))
        fail_msg("\"%s\" lacks \"%s\"", e.msg, what);
}

/* The encodings office files come in: Excel's "Unicode text" (UTF-16 LE with a BOM), UTF-16 BE,
 * UTF-8 with Notepad's BOM, GBK; line ends made LF; stray control characters made spaces. What
 * is not text is refused with its place. */
static void text_files_are_decoded(void **state)
{
    (void)state;
    decodes_to("\xff\xfe\x32\x75,\x00\x59\x4e\r\x00\n\x00", 12, "甲,乙\n", "UTF-16LE");
    decodes_to("\xfe\xff\x75\x32\x00,\x4e\x59\x00\r", 10, "甲,乙\n", "UTF-16BE");
    decodes_to("\xef\xbb\xbf甲\r\n乙\r", 12, "甲\n乙\n", "UTF-8");
    decodes_to("\xbc\xd7,\xd2\xd2\n", 6, "甲,乙\n", "GB18030");
    /* a stray control character or two in a page of text */
    char page[320], want[320];
    snprintf(page, sizeof page, "a%cb\tc%c\n%0300d\n", 1, 0x1f, 0);
    snprintf(want, sizeof want, "a b\tc \n%0300d\n", 0);
    decodes_to(page, strlen(page), want, "UTF-8");
    /* a lone surrogate is no UTF-16 */
    refused("\xff\xfe\x32\x75\x00\xd8\x41\x00", 8, 1 << 20, ST_INVALID, "t.csv", "UTF-16LE");
    /* mostly control characters: not a text file, located at the first one */
    char ctl[300];
    memcpy(ctl, "ok\n", 3);
    memset(ctl + 3, 0x02, sizeof ctl - 3);
    refused(ctl, sizeof ctl, 1 << 20, ST_INVALID, "t.csv: line 2, column 1", "控制字符");
    refused("a\nb\0c", 5, 1 << 20, ST_INVALID, "t.csv: line 2, column 2", "NUL");
    refused("abcdef", 6, 4, ST_LIMIT, "t.csv", "上限");
    refused(" \r\n\t ", 5, 1 << 20, ST_INVALID, "t.csv", "空白");
    refused("\x81\x20", 2, 1 << 20, ST_INVALID, "t.csv: line 1, column 1", "0x81");
}

/* hash_sha256_jobs against libcrypto one message at a time: every length of a ‖ b from 0 to
 * past the copy's room (1,015 bytes padded into 16 blocks; longer ones go to libcrypto),
 * split at every kind of place, in batches of odd and even sizes, so that two messages of
 * different block counts are hashed in step and the last of an odd batch alone. On a CPU with
 * the SHA instructions this is the interleaved code; elsewhere the fallback. */
static void sha256_jobs_match_one_at_a_time(void **state)
{
    (void)state;
    enum { MAX = 1100, ROOM = 3 * MAX }; /* a batch's lengths run up to 7 * 61 past MAX */
    unsigned char *data = malloc(ROOM);
    assert_non_null(data);
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t i = 0; i < ROOM; i++) {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        data[i] = (unsigned char)x;
    }
    struct hash_job jobs[7];
    size_t len = 0, batches = 0;
    while (len <= MAX) {
        size_t n = 1 + batches++ % 7;
        for (size_t k = 0; k < n; k++, len += k % 3 ? 1 : 61) { /* lengths step by 1 and 61 */
            size_t cut = len % 5 == 0 ? 0 : len % 5 == 1 ? len : len % 5 == 2 ? 32 : len / 3;
            if (cut > len)
                cut = len;
            jobs[k] = (struct hash_job){
                .a = data + k, .a_len = cut, .b = data + MAX - k, .b_len = len - cut};
        }
        hash_sha256_jobs(jobs, n);
        for (size_t k = 0; k < n; k++) {
            unsigned char want[HASH_LEN];
            hash_sha256_2(jobs[k].a, jobs[k].a_len, jobs[k].b, jobs[k].b_len, want);
            if (memcmp(want, jobs[k].out, HASH_LEN))
                fail_msg("job %zu of %zu (%zu + %zu bytes) differs", k, n, jobs[k].a_len,
                         jobs[k].b_len);
        }
    }
    /* a known vector through the pairs: SHA-256("abc") twice */
    jobs[0] = (struct hash_job){.a = "a", .a_len = 1, .b = "bc", .b_len = 2};
    jobs[1] = (struct hash_job){.a = "abc", .a_len = 3, .b = "", .b_len = 0};
    hash_sha256_jobs(jobs, 2);
    for (int k = 0; k < 2; k++) {
        assert_int_equal(jobs[k].out[0], 0xba);
        assert_int_equal(jobs[k].out[31], 0xad);
    }
    /* and four in step, one of them after a message too long for the room */
    static unsigned char long_one[1100];
    jobs[2] = (struct hash_job){.a = long_one, .a_len = sizeof long_one, .b = "", .b_len = 0};
    jobs[3] = jobs[4] = jobs[5] = jobs[1];
    hash_sha256_jobs(jobs, 6);
    for (int k = 0; k < 6; k++)
        if (k != 2) {
            assert_int_equal(jobs[k].out[0], 0xba);
            assert_int_equal(jobs[k].out[31], 0xad);
        }
    unsigned char want[HASH_LEN];
    hash_sha256_2(long_one, sizeof long_one, "", 0, want);
    assert_memory_equal(jobs[2].out, want, HASH_LEN);
    hash_sha256_jobs(jobs, 0); /* nothing to do */
    print_message("hash_sha256_jobs: %s\n", hash_sha256_jobs_paired()
                                                ? "the CPU's SHA instructions, four at a time"
                                                : "libcrypto, one at a time");
    free(data);
}

static void arena_allocates_zeroed(void **state)
{
    (void)state;
    struct arena *a = arena_new();
    for (int i = 0; i < 10000; i++) {
        char *p = arena_alloc(a, 100);
        assert_int_equal(p[99], 0);
        memset(p, 'x', 100);
    }
    char *big = arena_alloc(a, 1 << 20);
    assert_int_equal(big[(1 << 20) - 1], 0);
    assert_string_equal(arena_strndup(a, "区科学技术局", 3), "区");
    arena_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(utf8_decodes_and_rejects),
        cmocka_unit_test(money_parses_exactly),
        cmocka_unit_test(money_plain_shape_reads_as_the_general_rules),
        cmocka_unit_test(dates_are_civil),
        cmocka_unit_test(buf_respects_its_cap),
        cmocka_unit_test(sha256_matches_known_vectors),
        cmocka_unit_test(sha256_jobs_match_one_at_a_time),
        cmocka_unit_test(arena_allocates_zeroed),
        cmocka_unit_test(text_files_are_decoded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
