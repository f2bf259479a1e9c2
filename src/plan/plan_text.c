/* The character index the parser works on (decoding is base/text). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/text.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "plan/plan_int.h"

enum status plan_decode(const char *data, size_t len, const char *name, char **out, size_t *out_len,
                        const char **encoding, struct err *e)
{
    return text_decode(data, len, name, PLAN_MAX_BYTES, out, out_len, encoding, e);
}

static uint32_t fold(uint32_t c)
{
    if (c >= 0xFF01 && c <= 0xFF5E)
        return c - 0xFEE0;
    if (c == 0x3000 || c == 0xA0)
        return ' ';
    if (c == 0xFE5D) /* small 〔 */
        return 0x3014;
    if (c == 0xFE5E)
        return 0x3015;
    if (c == 0x2014 || c == 0x2015) /* dashes stay */
        return c;
    return c;
}

void plan_index_text(struct plan *p)
{
    size_t cap = p->text_len + 1;
    p->f = xmalloc(cap * sizeof *p->f);
    p->byte_of = xmalloc((cap + 1) * sizeof *p->byte_of);
    size_t i = 0;
    uint32_t n = 0, lines = 1;
    const unsigned char *t = (const unsigned char *)p->text;
    while (i < p->text_len) {
        p->byte_of[n] = (uint32_t)i;
        uint32_t u = t[i];
        /* The text was validated by plan_decode: decode without re-checking. */
        if (u < 0x80) {
            i += 1;
        } else if (u < 0xE0) {
            u = ((u & 0x1F) << 6) | (t[i + 1] & 0x3F);
            i += 2;
        } else if (u < 0xF0) {
            u = ((u & 0x0F) << 12) | ((t[i + 1] & 0x3Fu) << 6) | (t[i + 2] & 0x3F);
            i += 3;
        } else {
            u = ((u & 0x07) << 18) | ((t[i + 1] & 0x3Fu) << 12) | ((t[i + 2] & 0x3Fu) << 6) |
                (t[i + 3] & 0x3F);
            i += 4;
        }
        p->f[n] = fold(u);
        if (u == '\n')
            lines++;
        n++;
    }
    p->byte_of[n] = (uint32_t)p->text_len;
    p->f[n] = 0;
    p->n = n;
    p->line_start = xmalloc((lines + 1) * sizeof *p->line_start);
    uint32_t l = 0;
    p->line_start[l++] = 0;
    for (uint32_t k = 0; k < n; k++)
        if (p->f[k] == '\n')
            p->line_start[l++] = k + 1;
    p->n_lines = l;
}

void plan_locate(const struct plan *p, uint32_t i, uint32_t *line, uint32_t *col)
{
    uint32_t lo = 0, hi = p->n_lines;
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (p->line_start[mid] <= i)
            lo = mid;
        else
            hi = mid;
    }
    *line = lo + 1;
    *col = i - p->line_start[lo] + 1;
}

char *plan_sub(struct plan *p, uint32_t start, uint32_t end)
{
    if (end < start)
        end = start;
    uint32_t b0 = p->byte_of[start], b1 = p->byte_of[end];
    return arena_strndup(p->arena, p->text + b0, b1 - b0);
}

void strvec_push(struct strvec *v, const char *s)
{
    for (size_t i = 0; i < v->n; i++)
        if (strcmp(v->v[i], s) == 0)
            return;
    xgrow((void **)&v->v, &v->cap, v->n + 1, sizeof *v->v);
    v->v[v->n++] = s;
}

int plan_is_space(uint32_t c)
{
    return c == ' ' || c == '\t' || c == '\n';
}

int plan_is_digit(uint32_t c)
{
    return c >= '0' && c <= '9';
}

int plan_cn_digit(uint32_t c)
{
    switch (c) {
    case 0x3007: /* 〇 */
    case 0x96F6: /* 零 */
        return 0;
    case 0x4E00:
        return 1; /* 一 */
    case 0x4E8C:
        return 2; /* 二 */
    case 0x4E09:
        return 3; /* 三 */
    case 0x56DB:
        return 4; /* 四 */
    case 0x4E94:
        return 5; /* 五 */
    case 0x516D:
        return 6; /* 六 */
    case 0x4E03:
        return 7; /* 七 */
    case 0x516B:
        return 8; /* 八 */
    case 0x4E5D:
        return 9; /* 九 */
    default:
        return -1;
    }
}

uint32_t plan_cn_number(const struct plan *p, uint32_t i, uint32_t end, int *value)
{
    const uint32_t TEN = 0x5341; /* 十 */
    const uint32_t *f = p->f;
    if (i >= end)
        return 0;
    int d0 = plan_cn_digit(f[i]);
    if (f[i] == TEN) {
        if (i + 1 < end && plan_cn_digit(f[i + 1]) > 0) {
            *value = 10 + plan_cn_digit(f[i + 1]);
            return 2;
        }
        *value = 10;
        return 1;
    }
    if (d0 <= 0)
        return 0;
    if (i + 1 < end && f[i + 1] == TEN) {
        if (i + 2 < end && plan_cn_digit(f[i + 2]) > 0) {
            *value = d0 * 10 + plan_cn_digit(f[i + 2]);
            return 3;
        }
        *value = d0 * 10;
        return 2;
    }
    *value = d0;
    return 1;
}

/* Decodes the next code point of a NUL-terminated, valid UTF-8 literal. */
static inline uint32_t lit_next(const unsigned char **s)
{
    uint32_t c = *(*s)++;
    if (c < 0x80)
        return c;
    if (c < 0xE0)
        return ((c & 0x1F) << 6) | (*(*s)++ & 0x3F);
    if (c < 0xF0) {
        uint32_t c1 = *(*s)++ & 0x3F, c2 = *(*s)++ & 0x3F;
        return ((c & 0x0F) << 12) | (c1 << 6) | c2;
    }
    uint32_t c1 = *(*s)++ & 0x3F, c2 = *(*s)++ & 0x3F, c3 = *(*s)++ & 0x3F;
    return ((c & 0x07) << 18) | (c1 << 12) | (c2 << 6) | c3;
}

int plan_match(const struct plan *p, uint32_t i, uint32_t end, const char *lit)
{
    const unsigned char *s = (const unsigned char *)lit;
    while (*s) {
        if (i >= end || lit_next(&s) != p->f[i])
            return 0;
        i++;
    }
    return 1;
}

void plan_warn(struct plan *p, uint32_t at, const char *fmt, ...)
{
    uint32_t line, col;
    plan_locate(p, at, &line, &col);
    char msg[512];
    int n = snprintf(msg, sizeof msg, "line %u, column %u: ", line, col);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    xgrow((void **)&p->warnings.v, &p->warnings.cap, p->warnings.n + 1, sizeof(char *));
    p->warnings.v[p->warnings.n++] = arena_strdup(p->arena, msg);
}
