/* money: amounts in int64 fen (分), parsed and printed exactly, never through floating point. */
#ifndef HQD_BASE_MONEY_H
#define HQD_BASE_MONEY_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

/* Parses a non-negative decimal number of yuan scaled by unit_yuan (1 for 元, 10000 for 万元,
 * 100000000 for 亿元) into fen. s is ASCII digits with at most one '.', s_len bytes; commas
 * are skipped. ST_INVALID if malformed or if it has more decimals than a fen can hold;
 * ST_LIMIT on int64 overflow. */
enum status money_parse_fen(const char *s, size_t s_len, int64_t unit_yuan,
                            int64_t *fen) HQD_MUST_CHECK;

/* The common shape of an amount in 元, parsed without the general rules: at most 16 bytes of
 * digits with none, one or two decimals ("8650000", "8650000.5", "8650000.50"). Returns 1 and
 * sets *fen if s is one (money_parse_fen reads it alike), else 0. */
int money_parse_plain(const char *s, size_t s_len, int64_t *fen);

/* Writes fen as yuan with thousands separators and two decimals ("1,234,567.89") into out.
 * Returns out. */
char *money_format(int64_t fen, char *out, size_t outlen);

#endif
