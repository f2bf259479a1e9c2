/* Internal to the entity module: keeping fact_columns up to date during an import. */
#ifndef HQD_ENTITY_COLUMNS_H
#define HQD_ENTITY_COLUMNS_H

#include <stdint.h>

#include "base/err.h"

struct store;
struct colset;

/* The columns an import touches, loaded on first touch and written back by colset_flush. */
struct colset *colset_new(void);
void colset_free(struct colset *cs);
/* Column `name`, row id: value (×100, or ENTITY_NO_VALUE) as of day (days since 1970 + 1); an
 * older day than the stored one leaves the row as it is. */
enum status colset_set(struct store *s, struct colset *cs, const char *name, int64_t id,
                       int64_t value, int32_t day, struct err *e) HQD_MUST_CHECK;
enum status colset_flush(struct store *s, struct colset *cs, struct err *e) HQD_MUST_CHECK;

/* A fact's text as its value ×100: money or count "2400000.00" → 240000000, "1" → 100; the
 * words 是/true/yes and 否/false/no → ENTITY_TRUE_WORD / ENTITY_FALSE_WORD (a yes/no that is no
 * amount). Returns 0 for text with no such reading (a contract number). */
int fact_value_x100(const char *v, int64_t *out);

#endif
