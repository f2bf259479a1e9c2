#include "base/money.h"

#include <stdio.h>

int money_parse_plain(const char *s, size_t n, int64_t *fen)
{
    if (n == 0 || n > 16)
        return 0;
    size_t i = 0;
    int64_t yuan = 0;
    while (i < n && (unsigned char)(s[i] - '0') <= 9)
        yuan = yuan * 10 + (s[i++] - '0');
    size_t frac = n - i; /* "", ".d" or ".dd" */
    if (i == 0 || (frac && (frac < 2 || frac > 3 || s[i] != '.')))
        return 0;
    int64_t cents = 0;
    for (size_t k = 1; k < 3; k++) {
        unsigned d = k < frac ? (unsigned char)(s[i + k] - '0') : 0;
        if (d > 9)
            return 0;
        cents = cents * 10 + d;
    }
    *fen = yuan * 100 + cents; /* at most 16 digits: no overflow */
    return 1;
}

enum status money_parse_fen(const char *s, size_t n, int64_t unit_yuan, int64_t *fen)
{
    if (unit_yuan == 1 && money_parse_plain(s, n, fen))
        return ST_OK;
    /* Accumulate the digits as an integer mantissa and count the decimals, then scale:
     * fen = mantissa * unit_yuan * 100 / 10^decimals, which must divide exactly. */
    int64_t mant = 0;
    int decimals = -1, digits = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == ',')
            continue;
        if (c == '.') {
            if (decimals >= 0)
                return ST_INVALID;
            decimals = 0;
            continue;
        }
        if (c < '0' || c > '9')
            return ST_INVALID;
        if (mant > (INT64_MAX - 9) / 10)
            return ST_LIMIT;
        mant = mant * 10 + (c - '0');
        digits++;
        if (decimals >= 0)
            decimals++;
    }
    if (digits == 0 || decimals == 0)
        return ST_INVALID;
    if (decimals < 0)
        decimals = 0;
    int64_t scale = unit_yuan;
    if (scale <= 0 || scale > INT64_MAX / 100)
        return ST_INVALID;
    scale *= 100;
    int64_t div = 1;
    for (int k = 0; k < decimals; k++) {
        if (div > INT64_MAX / 10)
            return ST_INVALID;
        div *= 10;
    }
    /* Cancel common factors of 10 so the division is exact and overflow less likely. */
    while (div > 1 && scale % 10 == 0) {
        scale /= 10;
        div /= 10;
    }
    while (div > 1 && mant % 10 == 0) {
        mant /= 10;
        div /= 10;
    }
    if (div != 1)
        return ST_INVALID; /* finer than one fen */
    if (mant != 0 && scale > INT64_MAX / mant)
        return ST_LIMIT;
    *fen = mant * scale;
    return ST_OK;
}

char *money_format(int64_t fen, char *out, size_t outlen)
{
    char digits[32];
    int neg = fen < 0;
    /* Work in unsigned to format INT64_MIN too. */
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)fen : (uint64_t)fen;
    uint64_t yuan = u / 100, cents = u % 100;
    int n = snprintf(digits, sizeof digits, "%llu", (unsigned long long)yuan);
    char grouped[48];
    int g = 0;
    for (int i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            grouped[g++] = ',';
        grouped[g++] = digits[i];
    }
    grouped[g] = '\0';
    snprintf(out, outlen, "%s%s.%02llu", neg ? "-" : "", grouped, (unsigned long long)cents);
    return out;
}
