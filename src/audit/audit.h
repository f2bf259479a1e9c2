/* audit: the append-only, hash-chained log of every write.
 *
 * Each row holds actor, time, action, entity, before/after JSON and
 * hash = SHA-256(prev_hash || the row's fields, length-prefixed). A row is appended inside the
 * same transaction as the change it records, so the log and the data never disagree. */
#ifndef HQD_AUDIT_H
#define HQD_AUDIT_H

#include <stdint.h>

#include "base/err.h"

struct store;

/* Appends one row; must be called inside an open transaction. before/after are JSON texts or
 * NULL. entity_id may be NULL. */
enum status audit_append(struct store *s, const char *actor, const char *action, const char *entity,
                         const char *entity_id, const char *before, const char *after,
                         struct err *e) HQD_MUST_CHECK;

/* The id of the newest audit row (0 for none). Every write appends one, so it is a version of
 * the whole store: readers use it to tell whether anything changed. */
enum status audit_head(struct store *s, int64_t *id, struct err *e) HQD_MUST_CHECK;

struct audit_report {
    int64_t rows;      /* rows checked */
    int64_t first_bad; /* id of the first bad row, 0 when the chain is intact */
    char reason[256];  /* what is wrong with it */
    char head[65];     /* an intact chain's last hash ("" if empty): its anchor is rows:head */
};

/* Recomputes the chain from the first row. Returns ST_OK whether or not the chain is intact
 * (read report->first_bad); an error only when the store cannot be read. */
enum status audit_verify(struct store *s, struct audit_report *report,
                         struct err *e) HQD_MUST_CHECK;

/* {ok, rows, first_bad, reason, and head: {id, hash} when intact and not empty}. New
 * reference. */
struct json_t;
struct json_t *audit_report_json(const struct audit_report *r);

/* ---------------------------------------------------------------- anchors
 *
 * A hash chain cannot show by itself that rows were cut off its end, nor that it was rewritten
 * and rehashed whole. Its head (last id and hash), written down outside hqd, can: "ID:HASH" is
 * an anchor, and the row ID must later still be there with that hash. */
struct audit_chain {
    const char *noun;  /* what people call it, for messages: 审计日志 */
    const char *table; /* the table holding it as rows (id, hash), ids 1, 2, … */
};
/* The audit log; a module keeping a chain of its own defines one (award_ledger_chain). */
extern const struct audit_chain audit_log_chain;
struct audit_anchor {
    const char *text; /* as given (borrowed) */
    int ok;
    char problem[300]; /* if not ok: rows cut off the end, or the chain rewritten */
};
/* Checks anchor text against chain. ST_INVALID naming "anchor" if it is not ID:HASH (a positive
 * id, 64 lowercase hex digits). */
enum status audit_anchor_check(struct store *s, const struct audit_chain *chain, const char *text,
                               struct audit_anchor *out, struct err *e) HQD_MUST_CHECK;
/* {anchor, ok, and problem when not ok}. New reference. */
struct json_t *audit_anchor_json(const struct audit_anchor *a);

#endif
