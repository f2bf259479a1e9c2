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
};

/* Recomputes the chain from the first row. Returns ST_OK whether or not the chain is intact
 * (read report->first_bad); an error only when the store cannot be read. */
enum status audit_verify(struct store *s, struct audit_report *report,
                         struct err *e) HQD_MUST_CHECK;

#endif
