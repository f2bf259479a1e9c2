/* libFuzzer harness for the payout ledger's stored lines (format 4: a JSON array; and the
 * fixed-width layout of formats 1-3). The properties:
 *
 * - Any bytes the verifier's decoder reads as a format-4 line are JSON that jansson reads the
 *   same way: an array of 20 items whose numbers and strings are the decoded ones, the last an
 *   array of names and values. (SQLite's json_extract, which generates the table's columns,
 *   follows the same grammar; the decoder accepts a strict part of it.) Other bytes are refused
 *   with a message; never a crash.
 * - A line encoded from fields taken from the input (strings with quotes, backslashes, control
 *   characters, any UTF-8) decodes to exactly those fields, unless the encoder refused it
 *   (invalid UTF-8, a number out of range) with a message.
 * - The fast path for plain lines decodes any bytes exactly as the general reader does.
 * - The verifier's batched SHA-256 (hash_sha256_jobs, four messages in step on the CPU's SHA
 *   instructions) agrees with libcrypto on the input cut into five jobs of any lengths. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "award/award_int.h"
#include "base/buf.h"
#include "base/hash.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_ledger: %s\n", what);
        abort();
    }
}

/* Decoded as a line, the bytes must read the same through jansson. */
static void decoded_agrees(const uint8_t *data, size_t size)
{
    char *scratch = malloc(size + 8);
    char why[200] = "";
    struct line l;
    int ok = award_line_decode(data, size, &l, scratch, why, sizeof why);
    check(ok || why[0], "a refused line says why");
    if (!ok || l.format != 4) {
        free(scratch);
        return;
    }
    json_error_t je;
    json_t *a = json_loadb((const char *)data, size, 0, &je);
    check(json_is_array(a) && json_array_size(a) == 20, "a decoded line is an array of 20");
    const int64_t nums[14] = {l.format,      l.id,           l.app,      l.entity,  l.year,
                              l.amount,      l.cap_used,     l.reverses, l.claimed, l.budget_used,
                              l.budget_held, l.matter_prior, l.batch,    l.pack_id};
    for (size_t i = 0; i < 14; i++) {
        json_t *v = json_array_get(a, i);
        check(json_is_integer(v) && json_integer_value(v) == nums[i], "a number reads alike");
    }
    const char *strs[5] = {l.at, l.applied_on, l.clause, l.matter, l.by};
    for (size_t i = 0; i < 5; i++) {
        json_t *v = json_array_get(a, 14 + i);
        check(json_is_string(v) && json_string_length(v) == strlen(strs[i]) &&
                  !strcmp(json_string_value(v), strs[i]),
              "a string reads alike");
    }
    json_t *pairs = json_array_get(a, 19), *none;
    struct policy_input in[INPUTS_MAX];
    int n = award_line_inputs(&l, in, &none);
    check(json_is_array(pairs) && n >= 0 && json_array_size(pairs) == 2 * (size_t)n,
          "the inputs read alike");
    for (int i = 0; i < n; i++) {
        json_t *k = json_array_get(pairs, 2 * (size_t)i),
               *v = json_array_get(pairs, 2 * (size_t)i + 1);
        check(json_is_string(k) && json_is_string(v) && !strcmp(json_string_value(k), in[i].name) &&
                  !strcmp(json_string_value(v), in[i].value) &&
                  json_string_length(k) == strlen(in[i].name) &&
                  json_string_length(v) == strlen(in[i].value),
              "an input reads alike");
    }
    json_decref(a);
    free(scratch);
}

/* The fast path for plain lines decodes as the general reader does: the same refusal and
 * message, or the same fields. */
static void plain_agrees(const uint8_t *data, size_t size)
{
    char *a = malloc(size + 8), *b = malloc(size + 8);
    char why_a[200] = "", why_b[200] = "";
    struct line la, lb;
    int ok_a = award_line_decode(data, size, &la, a, why_a, sizeof why_a);
    int ok_b = award_line_decode_general(data, size, &lb, b, why_b, sizeof why_b);
    check(ok_a == ok_b && (ok_a || !strcmp(why_a, why_b)), "both readers refuse alike");
    if (ok_a && la.format == 4)
        check(award_line_same(&la, &lb), "both readers decode alike");
    free(a);
    free(b);
}

/* Fields cut from the input: eight numbers' worth of bytes, then strings split at 0xFF. */
static void encoded_reads_back(const uint8_t *data, size_t size)
{
    int64_t num[12] = {0};
    size_t used = size < sizeof num ? size : sizeof num;
    memcpy(num, data, used);
    char *rest = malloc(size - used + 1);
    memcpy(rest, data + used, size - used);
    rest[size - used] = '\0';
    const char *part[16];
    size_t parts = 0;
    for (char *p = rest; parts < 16;) {
        part[parts++] = p;
        char *cut = strchr(p, '\xff');
        if (!cut)
            break;
        *cut = '\0';
        p = cut + 1;
    }
    const char *clause = parts > 0 ? part[0] : "", *matter = parts > 1 ? part[1] : "",
               *by = parts > 2 ? part[2] : "office";
    struct policy_input in[INPUTS_MAX];
    size_t n = 0;
    for (size_t i = 3; i + 1 < parts && n < INPUTS_MAX; i += 2)
        in[n++] = (struct policy_input){part[i], part[i + 1]};
    /* what line_encode accepts: ids not negative, the year under 10,000, |v| < 10^18 */
    struct line l = {.id = num[0] & INT64_C(0xFFFFFFFFFFF),
                     .app = num[1] & 0xFFFFFFF,
                     .entity = num[2] & 0xFFFFFFF,
                     .year = (int)(num[3] & 0x1FFF),
                     .amount = num[4] % INT64_C(1000000000000000000),
                     .cap_used = num[5] % INT64_C(1000000000000000000),
                     .reverses = num[6] & 0xFFFF,
                     .claimed = num[7] % INT64_C(1000000000000),
                     .budget_used = num[8] % 1000000,
                     .budget_held = num[9] % 1000,
                     .matter_prior = num[10] % 100,
                     .batch = num[11] & 0xFF,
                     .pack_id = 1 + (num[11] & 0xF),
                     .format = 4,
                     .at = "2020-09-01T08:00:00Z",
                     .applied_on = "2020-09-01",
                     .clause = clause,
                     .matter = matter,
                     .by = by};
    struct buf b;
    buf_init(&b, 0);
    struct err e = {0};
    if (award_line_encode(&l, in, n, &b, &e) != ST_OK) {
        check(e.msg[0] != '\0', "a refused encoding says why");
        goto out;
    }
    char *scratch = malloc(b.len + 8);
    struct line back;
    char why[200] = "";
    if (!award_line_decode((const unsigned char *)b.data, b.len, &back, scratch, why, sizeof why)) {
        fprintf(stderr, "fuzz_ledger: %s\n%.*s\n", why, (int)b.len, b.data);
        abort();
    }
    check(back.id == l.id && back.app == l.app && back.entity == l.entity && back.year == l.year &&
              back.amount == l.amount && back.cap_used == l.cap_used &&
              back.reverses == l.reverses && back.claimed == l.claimed &&
              back.budget_used == l.budget_used && back.budget_held == l.budget_held &&
              back.matter_prior == l.matter_prior && back.batch == l.batch &&
              back.pack_id == l.pack_id,
          "numbers read back");
    check(!strcmp(back.clause, clause) && !strcmp(back.matter, matter) && !strcmp(back.by, by) &&
              !strcmp(back.at, l.at) && !strcmp(back.applied_on, l.applied_on),
          "strings read back");
    json_t *none;
    struct policy_input got[INPUTS_MAX];
    int k = award_line_inputs(&back, got, &none);
    check(k == (int)n, "as many inputs read back");
    for (size_t i = 0; i < n; i++)
        check(!strcmp(got[i].name, in[i].name) && !strcmp(got[i].value, in[i].value),
              "inputs read back");
    decoded_agrees((const uint8_t *)b.data, b.len);
    plain_agrees((const uint8_t *)b.data, b.len);
    free(scratch);
out:
    buf_cleanup(&b);
    free(rest);
}

/* Five jobs cut from the input at places its first bytes choose (four hashed in step, one
 * after), hashed together and one by one through libcrypto. */
static void jobs_agree(const uint8_t *data, size_t size)
{
    enum { JOBS = 5 };
    size_t cut[JOBS + 1] = {0};
    cut[JOBS] = size;
    for (int i = 1; i < JOBS; i++) /* ascending: each cut at or after the one before */
        cut[i] = cut[i - 1] + (size ? (size_t)data[i % size] * 7 % (size - cut[i - 1] + 1) : 0);
    struct hash_job jobs[JOBS];
    for (int i = 0; i < JOBS; i++) {
        size_t len = cut[i + 1] - cut[i], half = len / 2;
        jobs[i] = (struct hash_job){
            .a = data + cut[i], .a_len = half, .b = data + cut[i] + half, .b_len = len - half};
    }
    hash_sha256_jobs(jobs, JOBS);
    for (int i = 0; i < JOBS; i++) {
        unsigned char want[HASH_LEN];
        hash_sha256_2(jobs[i].a, jobs[i].a_len, jobs[i].b, jobs[i].b_len, want);
        check(!memcmp(want, jobs[i].out, HASH_LEN), "a batched digest equals libcrypto's");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    decoded_agrees(data, size);
    plain_agrees(data, size);
    encoded_reads_back(data, size);
    jobs_agree(data, size);
    return 0;
}
