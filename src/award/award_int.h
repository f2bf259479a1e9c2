/* Internals shared by the award module's files: the payout ledger's stored lines, written by the
 * approvals in award.c and read back by them and by the verifier in award_ledger.c. */
#ifndef HQD_AWARD_INT_H
#define HQD_AWARD_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"
#include "base/err.h"
#include "policy/policy.h"
#include "store/store.h"

#define INPUTS_MAX 32

/* One ledger line. Format 2 added what the budget and the exclusivity group had consumed before
 * the line and the pro-rata batch it belongs to; format 1 lines (schema 10) hash without them.
 * Format 3 (schema 18) carries the inputs themselves and is hashed as the stored bytes; lines
 * of formats 1 and 2 were converted to the same stored layout with their hashes unchanged.
 * Format 4 (schema 21), written since, is a compact JSON array naming its pack by number. */
struct line {
    int64_t id, app, entity, amount, cap_used, reverses;
    const char *clause;
    /* The pack's SHA-256 (formats 1-3; a format-4 line read by award_line_read has it looked
     * up, one decoded by the verifier has "") and its policy_packs id (format 4; else 0). */
    const char *pack;
    int64_t pack_id;
    const char *inputs; /* formats 1, 2: SHA-256 of the application's inputs; 3: "" */
    int year;
    int format;
    int64_t claimed, budget_used, budget_held, matter_prior, batch;
    const char *matter;
    const char *at, *by, *applied_on;
    /* The inputs replayed: format 3 as name=LEN:value lines (award_line_pairs), format 4 as
     * NUL-terminated names and values one after the other, formats 1 and 2 the application's
     * canonical JSON. */
    const char *data;
    size_t data_len;
};

#define LINE_FORMAT 4

/* Appends a ledger line of format 4 carrying inputs in (inside the caller's transaction); l's
 * id, format, time, author and inputs are set here and its pack (SHA-256) is looked up by
 * number; *id is the new line's. */
enum status award_line_append(struct store *s, const char *actor, struct line *l,
                              const struct policy_input *in, size_t n, int64_t *id,
                              struct err *e) HQD_MUST_CHECK;
/* A line of format 4 as it is stored (l's id, time and pack number as set), appended to b. */
enum status award_line_encode(const struct line *l, const struct policy_input *in, size_t n,
                              struct buf *b, struct err *e) HQD_MUST_CHECK;
/* Decodes stored bytes of any format into l, its strings copied into scratch (n + 8 bytes);
 * 0 if they are not a line, with what is wrong in why (if not NULL). */
int award_line_decode(const unsigned char *p, size_t n, struct line *l, char *scratch, char *why,
                      size_t why_cap);
/* The same without the fast path for plain lines (no escapes, a few hundred bytes), which must
 * decode every line exactly as this does: for the tests. */
int award_line_decode_general(const unsigned char *p, size_t n, struct line *l, char *scratch,
                              char *why, size_t why_cap);
/* Whether two decoded lines say the same: every figure, string and input (for the tests). */
int award_line_same(const struct line *a, const struct line *b);
/* Reads and decodes the stored line with this id into l, its strings in *scratch (the caller
 * frees it), its pack's SHA-256 looked up if it names the pack by number; *found is 0 if there
 * is none. */
enum status award_line_read(struct store *s, int64_t id, struct line *l, char **scratch, int *found,
                            struct err *e) HQD_MUST_CHECK;
/* The inputs line l replays, into in (parsed in place for format 3, pointing into the line for
 * format 4; for formats 1 and 2 from the JSON, which *json holds until the caller frees it).
 * Returns how many, or -1. */
int award_line_inputs(struct line *l, struct policy_input in[INPUTS_MAX], json_t **json);

/* The string inputs of a JSON object, at most INPUTS_MAX (borrowed from o). */
size_t award_inputs_from_json(json_t *o, struct policy_input *in);
/* The value of input name, or NULL. */
const char *award_input_value(const struct policy_input *in, size_t n, const char *name);
/* Steps q for one integer (0 if no row) and finishes it. */
enum status award_step_int(struct store_stmt *q, int64_t *out, struct err *e) HQD_MUST_CHECK;
/* Largest-remainder shares of avail among claims summing to demand > avail (see award.c). */
void award_hamilton(const int64_t *claim, size_t n, int64_t avail, int64_t demand, int64_t *share);
/* A pro-rata batch's shares of avail: the priority classes (class[i], 0 first; NULL: one class)
 * in order, each paid in full while the budget lasts, the class it runs out in by
 * award_hamilton, the classes after it nothing. */
void award_allocate(const int64_t *claim, const int *cls, size_t n, int64_t avail, int64_t *share);

#endif
