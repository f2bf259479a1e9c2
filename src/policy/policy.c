/* The rule-pack reader, its load-time checks, and the exact award computation. */
#include "policy/policy.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/embed.h"
#include "base/hash.h"
#include "base/money.h"
#include "base/utf8.h"
#include "base/xalloc.h"

extern const struct embedded_file hqd_data_files[];
extern const size_t hqd_data_files_count;

#define VARS_MAX POLICY_VARS_MAX
#define REQUIRES_MAX 8
#define BOUNDS_MAX 4

enum var_type { VT_MONEY, VT_COUNT, VT_RATE, VT_BOOL, VT_DATE, VT_TEXT, VT_ENUM };
static const char *const type_names[] = {"money", "count", "rate", "bool", "date", "text", "enum"};
#define OPTIONS_MAX 12

/* A condition on a number or a choice: require NAME >= 10, require scale in 小型|微型. */
enum cond_op { OP_GE, OP_GT, OP_LE, OP_LT, OP_EQ, OP_IN };
static const char *const op_names[] = {">=", ">", "<=", "<", "=", "in"};
static const char *const op_words[] = {"≥", ">", "≤", "<", "=", "属于"};
struct cond {
    int var;
    enum cond_op op;
    int64_t value;    /* money in fen, counts as is */
    unsigned options; /* OP_IN: a bit per option of the enum */
    char text[96];    /* the right-hand side as written */
};
#define CONDS_MAX 8
#define TIERS_MAX 8

enum cap_kind { CAP_ITEM, CAP_ENTITY_YEAR, CAP_KINDS };
static const char *const cap_names[] = {"item", "entity-year"};

enum applicant { APP_ENTERPRISE = 1, APP_INSTITUTION = 2, APP_FUND = 4 };

struct rate {
    int64_t num, den; /* exact: 1% = 1/100, 0.5% = 5/1000, 1/20 */
    char text[24];    /* as written, for explanations */
};

/* An applicant's input, or (is_param) a value the office sets. */
struct var {
    char name[48];
    size_t name_len;
    char label[160];
    enum var_type type;
    int is_param;
    int set;                       /* params: has a value */
    int64_t fen;                   /* money param value */
    struct rate rate;              /* rate param value */
    int line, val_col;             /* where the param's value is written */
    size_t val_off, val_len;       /* the same, in bytes of the text */
    char value_text[24];           /* param: its value as written */
    char options[OPTIONS_MAX][32]; /* enum: the allowed values */
    int n_options;
};

struct cap {
    int present;
    int64_t fen; /* literal amount, or */
    int param;   /* index of a money param, -1 */
    char label[96];
    int line, col;
};

struct bound {
    int var; /* a rate param */
    int ge;  /* >= (1) or <= (0) */
    struct rate r;
    int line, col;
};

/* The clause's yearly envelope (budget AMOUNT fcfs|pro-rata LABEL). */
struct budget {
    enum policy_alloc alloc; /* POLICY_ALLOC_NONE if the clause has none */
    int64_t fen;
    int param; /* index of a money param, or -1 */
    char label[96];
    int line, col;
};

struct clause {
    char id[64], title[160], cite[160];
    char *quote;
    struct date from, to;
    int has_effective, open_end;
    unsigned applicants;
    struct var vars[VARS_MAX];
    int n_vars;
    int requires[REQUIRES_MAX];
    int n_requires;
    struct cond conds[CONDS_MAX];
    int n_conds;
    int has_award;
    /* Tiered rates (award BASE * marginal|bracket FROM:RATE …): 超额累进 (each part of the base
     * at its bracket's rate) or 全额累进 (the whole base at the rate of the bracket it falls in).
     */
    enum { TIERS_NONE, TIERS_MARGINAL, TIERS_BRACKET } tiers;
    int n_tiers;
    int64_t tier_from[TIERS_MAX]; /* fen, ascending, the first 0 */
    struct rate tier_rate[TIERS_MAX];
    int base;         /* var index of the money or count base */
    int factor;       /* var index of a rate or money param, or -1 for a literal */
    struct rate rate; /* literal rate (money base) */
    int64_t unit_fen; /* literal money per unit (count base) */
    struct cap caps[CAP_KINDS];
    struct cap floor; /* 保底 (floor AMOUNT LABEL): the least an award the formula gives is */
    struct bound bounds[BOUNDS_MAX];
    int n_bounds;
    enum policy_rounding rounding;
    struct budget budget;
    int priority; /* priority NAME: the enum input whose options rank a pro-rata batch; -1 */
    int priority_line, priority_col;
    char group[48]; /* exclusivity group (exclusive GROUP KEY), or "" */
    int group_key;  /* the text input naming the matter */
    int line;
    int end_line;                            /* of its "end" */
    char evidence[POLICY_EVIDENCE_MAX][120]; /* 证明材料 an application must carry */
    int n_evidence;
    int deadline_wd; /* 兑现时限 (deadline N 说明): working days from 受理 to decision; 0: none */
    char deadline_label[200];
    size_t deadline_off; /* where N is in the text, for policy_pack_set_param */
    size_t end_off;      /* where its "end" line starts */
    int given[8];        /* the line each field of SINGLE_FIELDS was given on, or 0 */
};

struct policy_pack {
    char title[200];
    char version[32];
    char hash[HASH_HEX_LEN + 1];
    struct clause *clauses;
    size_t n;
};

/* ---------------------------------------------------------------- reading lines */

struct reader {
    const char *base; /* the whole text */
    const char *source;
    const char *line; /* the current line */
    size_t line_len;
    int line_no;
    struct err *e;
    /* A pack read back from a store: it passed the checks of its day when it was stored, and a
     * check added since that only judges its sense (a cap or floor that cannot bind, conditions
     * that cannot hold together) must not make its ledger lines unreadable. Whatever changes
     * what the pack computes is still checked. */
    int stored;
};

static int column_of(const struct reader *rd, const char *at)
{
    return (int)utf8_count(rd->line, (size_t)(at - rd->line)) + 1;
}

static enum status fail_at(const struct reader *rd, const char *at, const char *fmt, ...)
    HQD_PRINTF(3, 4);
static enum status fail_at(const struct reader *rd, const char *at, const char *fmt, ...)
{
    char where[128], msg[600];
    snprintf(where, sizeof where, "%s: line %d, column %d", rd->source, rd->line_no,
             at ? column_of(rd, at) : 1);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(rd->e, ST_INVALID, where, "%s", msg);
}

/* An error at the line and column where a cap or floor was written (found once the clause
 * is read whole). */
static enum status fail_line(const struct reader *rd, const struct cap *at, const char *fmt, ...)
    HQD_PRINTF(3, 4);
static enum status fail_line(const struct reader *rd, const struct cap *at, const char *fmt, ...)
{
    char where[128], msg[600];
    snprintf(where, sizeof where, "%s: line %d, column %d", rd->source, at->line, at->col);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return err_set(rd->e, ST_INVALID, where, "%s", msg);
}

static int is_space(const char *p, const char *end, size_t *skip)
{
    if (*p == ' ' || *p == '\t' || *p == '\r') {
        *skip = 1;
        return 1;
    }
    /* U+3000 IDEOGRAPHIC SPACE, common in Chinese text */
    if (end - p >= 3 && (unsigned char)p[0] == 0xE3 && (unsigned char)p[1] == 0x80 &&
        (unsigned char)p[2] == 0x80) {
        *skip = 3;
        return 1;
    }
    return 0;
}

static const char *skip_spaces(const char *p, const char *end)
{
    size_t k;
    while (p < end && is_space(p, end, &k))
        p += k;
    return p;
}

/* The next whitespace-delimited token from *p: [*tok, *tok + *len). Returns 0 at the end. */
static int next_token(const char **p, const char *end, const char **tok, size_t *len)
{
    const char *s = skip_spaces(*p, end);
    if (s == end)
        return 0;
    const char *t = s;
    size_t k;
    while (t < end && !is_space(t, end, &k))
        t++;
    *tok = s;
    *len = (size_t)(t - s);
    *p = t;
    return 1;
}

static int tok_is(const char *tok, size_t len, const char *word)
{
    return strlen(word) == len && memcmp(tok, word, len) == 0;
}

/* The rest of the line after *p, trimmed; copied into out. */
static enum status rest_of_line(const struct reader *rd, const char *p, const char *end,
                                const char *field, char *out, size_t outlen)
{
    p = skip_spaces(p, end);
    const char *q = end;
    size_t k;
    while (q > p && (q[-1] == ' ' || q[-1] == '\t' || q[-1] == '\r'))
        q--;
    (void)k;
    if (q == p)
        return fail_at(rd, p, "%s 缺少内容 (empty value)", field);
    if ((size_t)(q - p) >= outlen)
        return fail_at(rd, p, "%s 过长（至多 %zu 字节）(too long)", field, outlen - 1);
    memcpy(out, p, (size_t)(q - p));
    out[q - p] = '\0';
    return ST_OK;
}

/* ---------------------------------------------------------------- values */

/* "5%", "0.5%", "1/20" → an exact rational. */
static int parse_rate(const char *s, size_t len, struct rate *r)
{
    if (len == 0 || len >= sizeof r->text || memchr(s, ',', len))
        return 0;
    memcpy(r->text, s, len);
    r->text[len] = '\0';
    const char *slash = memchr(s, '/', len);
    if (slash) {
        int64_t a, b;
        if (money_parse_fen(s, (size_t)(slash - s), 1, &a) != ST_OK ||
            money_parse_fen(slash + 1, len - (size_t)(slash - s) - 1, 1, &b) != ST_OK)
            return 0;
        if (a % 100 || b % 100 || b == 0) /* whole numbers only */
            return 0;
        r->num = a / 100;
        r->den = b / 100;
        return r->num > 0;
    }
    if (s[len - 1] != '%')
        return 0;
    /* money_parse_fen reads up to two decimals exactly: x% = fen(x) / 10000. */
    int64_t v;
    if (money_parse_fen(s, len - 1, 1, &v) != ST_OK || v <= 0 || v > 1000000)
        return 0;
    r->num = v;
    r->den = 10000;
    return 1;
}

/* a <= b for rationals (positive denominators). */
static int rate_le(const struct rate *a, const struct rate *b)
{
    return (__int128)a->num * b->den <= (__int128)b->num * a->den;
}

static int parse_money(const char *s, size_t len, int64_t *fen)
{
    if (money_parse_plain(s, len, fen)) /* no comma, no sign: the loop below is not needed */
        return 1;
    if (len == 0)
        return 0;
    for (size_t i = 0; i < len; i++)
        if (s[i] == ',' || s[i] == '-' || s[i] == '+')
            return 0;
    return money_parse_fen(s, len, 1, fen) == ST_OK;
}

/* A count: a non-negative whole number ("14", or "14.00" as a table may write it). */
static int parse_count(const char *s, size_t len, int64_t *n)
{
    int64_t x100;
    if (len == 0 || len > 15 || !parse_money(s, len, &x100) || x100 % 100)
        return 0;
    *n = x100 / 100;
    return 1;
}

/* A yes/no: the words, or the numbers 1 and 0 however written ("1.00"). */
static int parse_bool(const char *s, int *b)
{
    static const struct {
        const char *word;
        int value;
    } words[] = {{"是", 1}, {"否", 0}, {"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0}};
    /* compared here, without a call per word (the ledger verifier reads millions of these);
     * 是 and 否 (three bytes each) first, as the ledger writes them */
    if (s[0] == '\xe6' && s[1] == '\x98' && s[2] == '\xaf' && !s[3]) {
        *b = 1;
        return 1;
    }
    if (s[0] == '\xe5' && s[1] == '\x90' && s[2] == '\xa6' && !s[3]) {
        *b = 0;
        return 1;
    }
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
        const char *a = s, *w = words[i].word;
        while (*w && *a == *w)
            a++, w++;
        if (*a == *w) {
            *b = words[i].value;
            return 1;
        }
    }
    int64_t x100;
    if (parse_money(s, strlen(s), &x100) && (x100 == 100 || x100 == 0))
        *b = x100 == 100;
    else
        return 0;
    return 1;
}

static int find_var(const struct clause *c, const char *name, size_t len)
{
    for (int i = 0; i < c->n_vars; i++) {
        const struct var *v = &c->vars[i];
        if (v->name_len == len && v->name[0] == name[0] && !memcmp(v->name, name, len))
            return i;
    }
    return -1;
}

/* ---------------------------------------------------------------- clause directives */

static int valid_name(const char *s, size_t len)
{
    if (len == 0 || len >= 48 || !(s[0] >= 'a' && s[0] <= 'z'))
        return 0;
    for (size_t i = 0; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              s[i] == '-'))
            return 0;
    return 1;
}

/* input NAME TYPE LABEL… / param NAME TYPE VALUE|unset LABEL… */
static enum status read_var(const struct reader *rd, struct clause *c, const char *p,
                            const char *end, int is_param)
{
    const char *tok;
    size_t len;
    if (!next_token(&p, end, &tok, &len))
        return fail_at(rd, p, "缺少名称 (missing name)");
    if (!valid_name(tok, len))
        return fail_at(rd, tok, "名称应为小写字母开头的 a-z、0-9、_ (bad name)");
    if (find_var(c, tok, len) >= 0)
        return fail_at(rd, tok, "名称“%.*s”重复 (duplicate name)", (int)len, tok);
    if (c->n_vars == VARS_MAX)
        return fail_at(rd, tok, "一个条款至多 %d 个输入和参数 (too many)", VARS_MAX);
    struct var *v = &c->vars[c->n_vars];
    memset(v, 0, sizeof *v);
    memcpy(v->name, tok, len);
    v->name_len = len;
    v->is_param = is_param;
    v->line = rd->line_no;
    if (!next_token(&p, end, &tok, &len))
        return fail_at(rd, p,
                       "缺少类型（money、count、rate、bool、date、text、enum）(missing type)");
    int t = -1;
    for (int i = 0; i < (int)(sizeof type_names / sizeof type_names[0]); i++)
        if (tok_is(tok, len, type_names[i]))
            t = i;
    if (t < 0)
        return fail_at(rd, tok,
                       "未知类型“%.*s”（可用 money、count、rate、bool、date、text、enum）(unknown "
                       "type)",
                       (int)len, tok);
    v->type = (enum var_type)t;
    if (v->type == VT_ENUM) {
        /* enum 小型|中型|微型: the allowed values, then the label */
        if (is_param)
            return fail_at(rd, tok, "参数的类型应为 money 或 rate (param type)");
        if (!next_token(&p, end, &tok, &len))
            return fail_at(rd, p, "enum 之后应列出可选值，用 | 分隔，如 小型|微型 (options)");
        const char *o = tok, *stop = tok + len;
        while (o <= stop) {
            const char *bar = memchr(o, '|', (size_t)(stop - o));
            const char *oe = bar ? bar : stop;
            if (oe == o || (size_t)(oe - o) >= sizeof v->options[0])
                return fail_at(rd, o, "可选值不能为空，也不能超过 31 字节 (option)");
            if (v->n_options == OPTIONS_MAX)
                return fail_at(rd, o, "至多 %d 个可选值 (too many options)", OPTIONS_MAX);
            for (int k = 0; k < v->n_options; k++)
                if (strlen(v->options[k]) == (size_t)(oe - o) &&
                    !memcmp(v->options[k], o, (size_t)(oe - o)))
                    return fail_at(rd, o, "可选值“%.*s”重复 (duplicate option)", (int)(oe - o), o);
            memcpy(v->options[v->n_options++], o, (size_t)(oe - o));
            o = oe + 1;
        }
    }
    if (is_param) {
        if (v->type != VT_MONEY && v->type != VT_RATE)
            return fail_at(rd, tok, "参数的类型应为 money 或 rate (param type)");
        if (!next_token(&p, end, &tok, &len))
            return fail_at(rd, p, "缺少参数值（或 unset）(missing value)");
        v->val_col = column_of(rd, tok);
        v->val_off = (size_t)(tok - rd->base);
        v->val_len = len;
        if (len < sizeof v->value_text)
            memcpy(v->value_text, tok, len);
        if (!tok_is(tok, len, "unset")) {
            int ok = v->type == VT_MONEY ? parse_money(tok, len, &v->fen)
                                         : parse_rate(tok, len, &v->rate);
            if (!ok)
                return fail_at(rd, tok, "参数值“%.*s”不是有效的%s (bad value)", (int)len, tok,
                               v->type == VT_MONEY ? "金额（元，至多两位小数）"
                                                   : "比例（如 10%、0.5%、1/20）");
            v->set = 1;
        }
    }
    enum status st =
        rest_of_line(rd, p, end, is_param ? "param 说明" : "input 说明", v->label, sizeof v->label);
    if (st != ST_OK)
        return st;
    c->n_vars++;
    return ST_OK;
}

/* award BASE * marginal|bracket FROM:RATE FROM:RATE …, FROM in 元 ascending from 0. */
static enum status read_tiers(const struct reader *rd, struct clause *c, const char *base,
                              size_t bl, const char *op, size_t ol, const char *kind, size_t kl,
                              const char *p, const char *end)
{
    if (!tok_is(op, ol, "*") && !tok_is(op, ol, "×"))
        return fail_at(rd, op, "award 的运算符应为 * (operator)");
    int b = find_var(c, base, bl);
    if (b < 0 || c->vars[b].is_param || c->vars[b].type != VT_MONEY)
        return fail_at(rd, base, "分档计算的基数应为本条款 money 类型的输入 (tier base)");
    c->base = b;
    c->factor = -1;
    c->tiers = tok_is(kind, kl, "marginal") ? TIERS_MARGINAL : TIERS_BRACKET;
    const char *tok;
    size_t len;
    while (next_token(&p, end, &tok, &len)) {
        const char *colon = memchr(tok, ':', len);
        if (!colon)
            return fail_at(rd, tok, "分档应写成 起点:比例，如 0:5%% 1000000:3%% (tier form)");
        if (c->n_tiers == TIERS_MAX)
            return fail_at(rd, tok, "至多 %d 档 (too many tiers)", TIERS_MAX);
        int64_t from;
        struct rate r;
        if (!parse_money(tok, (size_t)(colon - tok), &from))
            return fail_at(rd, tok, "“%.*s”不是有效的金额（元）(bad amount)", (int)(colon - tok),
                           tok);
        if (!parse_rate(colon + 1, len - (size_t)(colon - tok) - 1, &r))
            return fail_at(rd, colon + 1, "“%.*s”不是有效的比例 (bad rate)",
                           (int)(len - (size_t)(colon - tok) - 1), colon + 1);
        if (c->n_tiers == 0 && from != 0)
            return fail_at(rd, tok, "第一档应从 0 起 (the first tier starts at 0)");
        if (c->n_tiers > 0 && from <= c->tier_from[c->n_tiers - 1])
            return fail_at(rd, tok, "各档起点应从小到大 (tiers must ascend)");
        c->tier_from[c->n_tiers] = from;
        c->tier_rate[c->n_tiers++] = r;
    }
    if (c->n_tiers < 2)
        return fail_at(rd, p, "分档至少两档 (at least two tiers)");
    c->has_award = 1;
    return ST_OK;
}

static int64_t gcd64(int64_t a, int64_t b);

/* num / den in fen, 四舍五入 once (half a unit rounds up) to the fen or to the yuan. num >= 0,
 * den > 0. ST_LIMIT if it does not fit int64. */
static enum status round_half_up(__int128 num, __int128 den, enum policy_rounding r, int64_t *out)
{
    __int128 unit = r == POLICY_ROUND_YUAN ? 100 : 1;
    __int128 d = den * unit, q = num / d, rem = num % d;
    if (2 * rem >= d)
        q++;
    q *= unit;
    if (q > INT64_MAX)
        return ST_LIMIT;
    *out = (int64_t)q;
    return ST_OK;
}

/* The tiered award of base (fen), rounded half up once to the fen or yuan; the explanation of
 * the parts goes to out. ST_LIMIT on overflow. */
static enum status tiered(const struct clause *c, int64_t base, int64_t *amount, char *out,
                          size_t outlen)
{
    if (out)
        out[0] = '\0';
    if (c->tiers == TIERS_BRACKET) {
        int k = 0;
        while (k + 1 < c->n_tiers && base >= c->tier_from[k + 1])
            k++;
        if (out)
            snprintf(out, outlen, "（全额累进：适用“%s”一档）", c->tier_rate[k].text);
        return policy_mul_rate(base, c->tier_rate[k].num, c->tier_rate[k].den, c->rounding, amount);
    }
    /* 超额累进: Σ part_k × num_k / den_k over a common denominator, rounded once. */
    __int128 den = 1;
    for (int k = 0; k < c->n_tiers; k++) {
        int64_t d = c->tier_rate[k].den, g = gcd64((int64_t)den, d);
        den = den / g * d; /* the least common multiple */
        if (den > ((__int128)1 << 62))
            return ST_LIMIT;
    }
    __int128 num = 0;
    char a[32];
    for (int k = 0; k < c->n_tiers && base > c->tier_from[k]; k++) {
        int64_t hi = k + 1 < c->n_tiers && base > c->tier_from[k + 1] ? c->tier_from[k + 1] : base;
        int64_t part = hi - c->tier_from[k];
        num += (__int128)part * c->tier_rate[k].num * (den / c->tier_rate[k].den);
        if (num > ((__int128)1 << 120))
            return ST_LIMIT;
        if (out)
            snprintf(out + strlen(out), outlen - strlen(out), "%s%s元 × %s",
                     k ? " + " : "（超额累进：", money_format(part, a, sizeof a),
                     c->tier_rate[k].text);
    }
    if (out && out[0])
        snprintf(out + strlen(out), outlen - strlen(out), "）");
    return round_half_up(num, den, c->rounding, amount);
}

static enum status read_award(const struct reader *rd, struct clause *c, const char *p,
                              const char *end)
{
    const char *base, *op, *fac, *extra;
    size_t bl, ol, fl, xl;
    if (!next_token(&p, end, &base, &bl) || !next_token(&p, end, &op, &ol) ||
        !next_token(&p, end, &fac, &fl))
        return fail_at(rd, p, "award 应写成“基数 * 比例或单价”，如 amount * 1%% (award form)");
    if (tok_is(fac, fl, "marginal") || tok_is(fac, fl, "bracket"))
        return read_tiers(rd, c, base, bl, op, ol, fac, fl, p, end);
    if (next_token(&p, end, &extra, &xl))
        return fail_at(rd, extra, "award 只能有一个乘法 (one product)");
    if (!tok_is(op, ol, "*") && !tok_is(op, ol, "×"))
        return fail_at(rd, op, "award 的运算符应为 * (operator)");
    int b = find_var(c, base, bl);
    if (b < 0 || c->vars[b].is_param)
        return fail_at(rd, base, "“%.*s”不是本条款的输入 (not an input)", (int)bl, base);
    if (c->vars[b].type != VT_MONEY && c->vars[b].type != VT_COUNT)
        return fail_at(rd, base, "award 的基数应为 money 或 count 类型，“%s”是 %s (type error)",
                       c->vars[b].name, type_names[c->vars[b].type]);
    c->base = b;
    c->factor = -1;
    int want_rate = c->vars[b].type == VT_MONEY;
    int f = find_var(c, fac, fl);
    if (f >= 0) {
        if (!c->vars[f].is_param)
            return fail_at(rd, fac, "乘数应为比例、金额或参数，不能是申请人的输入 (factor)");
        if ((c->vars[f].type == VT_RATE) != want_rate)
            return fail_at(rd, fac, "类型不符：%s × %s 不是金额 (type error)",
                           type_names[c->vars[b].type], type_names[c->vars[f].type]);
        c->factor = f;
    } else if (want_rate) {
        if (!parse_rate(fac, fl, &c->rate))
            return fail_at(rd, fac, "“%.*s”不是有效的比例（如 5%%、0.5%%、1/20）(bad rate)",
                           (int)fl, fac);
    } else if (!parse_money(fac, fl, &c->unit_fen) || c->unit_fen <= 0) {
        return fail_at(rd, fac, "“%.*s”不是有效的单价（元，至多两位小数）(bad amount)", (int)fl,
                       fac);
    }
    c->has_award = 1;
    return ST_OK;
}

static enum status read_amount(const struct reader *rd, struct clause *c, const char *tok,
                               size_t len, int64_t *fen, int *param);

/* The amount (元, or a money param) and the label of a cap or a floor. */
static enum status read_limit(const struct reader *rd, struct clause *c, struct cap *cp,
                              const char *what, const char *p, const char *end)
{
    const char *tok;
    size_t len;
    cp->present = 1;
    cp->param = -1;
    cp->line = rd->line_no;
    if (!next_token(&p, end, &tok, &len))
        return fail_at(rd, p, "%s 缺少金额 (missing amount)", what);
    cp->col = column_of(rd, tok);
    enum status st = read_amount(rd, c, tok, len, &cp->fen, &cp->param);
    if (st != ST_OK)
        return st;
    char field[32];
    snprintf(field, sizeof field, "%s 说明", what);
    return rest_of_line(rd, p, end, field, cp->label, sizeof cp->label);
}

static enum status read_cap(const struct reader *rd, struct clause *c, const char *p,
                            const char *end)
{
    const char *tok;
    size_t len;
    if (!next_token(&p, end, &tok, &len))
        return fail_at(rd, p, "cap 应写成“item|entity-year 金额 说明”(cap form)");
    int k = -1;
    for (int i = 0; i < CAP_KINDS; i++)
        if (tok_is(tok, len, cap_names[i]))
            k = i;
    if (k < 0)
        return fail_at(rd, tok, "未知上限类型“%.*s”（可用 item、entity-year）(cap kind)", (int)len,
                       tok);
    if (c->caps[k].present)
        return fail_at(rd, tok, "%s 上限重复 (duplicate cap)", cap_names[k]);
    return read_limit(rd, c, &c->caps[k], "cap", p, end);
}

/* floor AMOUNT LABEL: 最低不少于 AMOUNT per application. */
static enum status read_floor(const struct reader *rd, struct clause *c, const char *kw,
                              const char *p, const char *end)
{
    if (c->floor.present)
        return fail_at(rd, kw, "floor 保底重复 (duplicate floor)");
    return read_limit(rd, c, &c->floor, "floor", p, end);
}

/* A money amount or the name of a money param: cap and budget amounts. */
static enum status read_amount(const struct reader *rd, struct clause *c, const char *tok,
                               size_t len, int64_t *fen, int *param)
{
    *param = -1;
    int f = find_var(c, tok, len);
    if (f >= 0) {
        if (!c->vars[f].is_param || c->vars[f].type != VT_MONEY)
            return fail_at(rd, tok, "金额应为数字或 money 类型的参数 (amount type)");
        *param = f;
        return ST_OK;
    }
    if (!parse_money(tok, len, fen))
        return fail_at(rd, tok, "“%.*s”不是有效的金额（元，至多两位小数）(bad amount)", (int)len,
                       tok);
    if (*fen <= 0)
        return fail_at(rd, tok, "金额为 0，条款永远不会给付 (a zero amount)");
    return ST_OK;
}

/* budget AMOUNT fcfs|pro-rata LABEL… */
static enum status read_budget(const struct reader *rd, struct clause *c, const char *p,
                               const char *end)
{
    const char *tok, *rule;
    size_t len, rl;
    struct budget *b = &c->budget;
    if (b->alloc != POLICY_ALLOC_NONE)
        return fail_at(rd, p, "budget 重复 (duplicate budget)");
    if (!next_token(&p, end, &tok, &len) || !next_token(&p, end, &rule, &rl))
        return fail_at(rd, p, "budget 应写成“年度预算金额 fcfs|pro-rata 说明”(budget form)");
    b->line = rd->line_no;
    b->col = column_of(rd, tok);
    enum status st = read_amount(rd, c, tok, len, &b->fen, &b->param);
    if (st != ST_OK)
        return st;
    if (tok_is(rule, rl, "fcfs"))
        b->alloc = POLICY_ALLOC_FCFS;
    else if (tok_is(rule, rl, "pro-rata"))
        b->alloc = POLICY_ALLOC_PRO_RATA;
    else
        return fail_at(rd, rule,
                       "未知分配规则“%.*s”（可用 fcfs 先到先得、pro-rata 等比例核减）(allocation)",
                       (int)rl, rule);
    return rest_of_line(rd, p, end, "budget 说明", b->label, sizeof b->label);
}

/* deadline N 说明: the 兑现时限, N working days (1 to 250, a year's) from 受理 to the decision. */
static enum status read_deadline(const struct reader *rd, struct clause *c, const char *p,
                                 const char *end)
{
    const char *tok;
    size_t len;
    int64_t n = 0;
    if (!next_token(&p, end, &tok, &len))
        return fail_at(rd, p,
                       "deadline 应写成“工作日数 说明”，如 deadline 60 自受理之日起60个工作日内办结"
                       " (deadline form)");
    if (!parse_count(tok, len, &n) || n < 1 || n > 250)
        return fail_at(rd, tok, "兑现时限“%.*s”应为 1–250 之间的工作日数 (bad deadline)", (int)len,
                       tok);
    c->deadline_wd = (int)n;
    c->deadline_off = (size_t)(tok - rd->base);
    return rest_of_line(rd, p, end, "deadline 说明", c->deadline_label, sizeof c->deadline_label);
}

/* exclusive GROUP KEY: one matter (the KEY input's value) is paid once across the group. */
static enum status read_exclusive(const struct reader *rd, struct clause *c, const char *p,
                                  const char *end)
{
    const char *g, *k, *extra;
    size_t gl, kl, xl;
    if (c->group[0])
        return fail_at(rd, p, "exclusive 重复 (duplicate exclusive)");
    if (!next_token(&p, end, &g, &gl) || !next_token(&p, end, &k, &kl))
        return fail_at(rd, p, "exclusive 应写成“互斥组名 事项编号输入”(exclusive form)");
    if (next_token(&p, end, &extra, &xl))
        return fail_at(rd, extra, "exclusive 只有两项：组名和事项编号输入 (extra words)");
    if (!valid_name(g, gl))
        return fail_at(rd, g, "组名应为小写字母开头的 a-z、0-9、-、_ (bad name)");
    int v = find_var(c, k, kl);
    if (v < 0 || c->vars[v].is_param || c->vars[v].type != VT_TEXT)
        return fail_at(rd, k, "“%.*s”应为本条款 text 类型的输入（如合同编号）(matter key)", (int)kl,
                       k);
    memcpy(c->group, g, gl);
    c->group[gl] = '\0';
    c->group_key = v;
    return ST_OK;
}

/* priority NAME: a pro-rata batch short of budget serves the classes of enum input NAME in the
 * order of its options (the first first), pro rata within the class the budget runs out in. */
static enum status read_priority(const struct reader *rd, struct clause *c, const char *kw,
                                 const char *p, const char *end)
{
    const char *k, *extra;
    size_t kl, xl;
    if (c->priority >= 0)
        return fail_at(rd, kw, "priority 重复 (duplicate priority)");
    if (!next_token(&p, end, &k, &kl))
        return fail_at(rd, p, "priority 应写成“priority 选项输入”(priority form)");
    if (next_token(&p, end, &extra, &xl))
        return fail_at(rd, extra, "priority 只有一项：排定优先顺序的选项输入 (extra words)");
    int v = find_var(c, k, kl);
    if (v < 0 || c->vars[v].is_param || c->vars[v].type != VT_ENUM)
        return fail_at(rd, k,
                       "“%.*s”应为本条款 enum 类型的输入，其选项依次为优先顺序 (priority input)",
                       (int)kl, k);
    c->priority = v;
    c->priority_line = rd->line_no;
    c->priority_col = column_of(rd, k);
    return ST_OK;
}

static enum status read_bound(const struct reader *rd, struct clause *c, const char *p,
                              const char *end)
{
    const char *name, *op, *val;
    size_t nl, ol, vl;
    if (!next_token(&p, end, &name, &nl) || !next_token(&p, end, &op, &ol) ||
        !next_token(&p, end, &val, &vl))
        return fail_at(rd, p, "bound 应写成“参数 >= 比例”或“参数 <= 比例”(bound form)");
    if (c->n_bounds == BOUNDS_MAX)
        return fail_at(rd, name, "一个条款至多 %d 个 bound (too many)", BOUNDS_MAX);
    struct bound *b = &c->bounds[c->n_bounds];
    b->var = find_var(c, name, nl);
    if (b->var < 0 || !c->vars[b->var].is_param || c->vars[b->var].type != VT_RATE)
        return fail_at(rd, name, "bound 只能约束本条款 rate 类型的参数 (bound target)");
    if (tok_is(op, ol, ">="))
        b->ge = 1;
    else if (tok_is(op, ol, "<="))
        b->ge = 0;
    else
        return fail_at(rd, op, "bound 的运算符应为 >= 或 <= (operator)");
    if (!parse_rate(val, vl, &b->r))
        return fail_at(rd, val, "“%.*s”不是有效的比例 (bad rate)", (int)vl, val);
    b->line = rd->line_no;
    b->col = column_of(rd, name);
    c->n_bounds++;
    return ST_OK;
}

/* A param's value outside a bound: the error points at the value. */
static enum status check_bound(const struct reader *rd, const struct clause *c,
                               const struct bound *b, const struct rate *value, int line, int col,
                               struct err *e)
{
    int ok = b->ge ? rate_le(&b->r, value) : rate_le(value, &b->r);
    if (ok)
        return ST_OK;
    char where[128];
    snprintf(where, sizeof where, "%s: line %d, column %d", rd ? rd->source : "", line, col);
    return err_set(e, rd ? ST_INVALID : ST_UNPROCESSABLE, rd ? where : c->vars[b->var].name,
                   "%s = %s 超出方案规定的范围：%s %s %s（%s）(outside the clause's bounds)",
                   c->vars[b->var].name, value->text, c->vars[b->var].name, b->ge ? "≥" : "≤",
                   b->r.text, c->cite);
}

static enum status read_effective(const struct reader *rd, struct clause *c, const char *p,
                                  const char *end)
{
    const char *a, *b;
    size_t al, bl;
    if (!next_token(&p, end, &a, &al) || !next_token(&p, end, &b, &bl))
        return fail_at(rd, p,
                       "effective 应写成“起始日期 终止日期”，长期有效写 -（如 2020-03-31 -）");
    char buf[16];
    if (al >= sizeof buf || (memcpy(buf, a, al), buf[al] = '\0', !date_parse_iso(buf, &c->from)))
        return fail_at(rd, a, "“%.*s”不是有效的日期 YYYY-MM-DD (bad date)", (int)al, a);
    if (tok_is(b, bl, "-")) {
        c->open_end = 1;
    } else {
        if (bl >= sizeof buf || (memcpy(buf, b, bl), buf[bl] = '\0', !date_parse_iso(buf, &c->to)))
            return fail_at(rd, b, "“%.*s”不是有效的日期 YYYY-MM-DD（长期有效写 -）(bad date)",
                           (int)bl, b);
        if (date_cmp(c->to, c->from) < 0)
            return fail_at(rd, b, "终止日期早于起始日期 (ends before it starts)");
    }
    c->has_effective = 1;
    return ST_OK;
}

static enum status read_applicants(const struct reader *rd, struct clause *c, const char *p,
                                   const char *end)
{
    const char *tok;
    size_t len;
    while (next_token(&p, end, &tok, &len)) {
        if (tok_is(tok, len, "enterprise"))
            c->applicants |= APP_ENTERPRISE;
        else if (tok_is(tok, len, "institution"))
            c->applicants |= APP_INSTITUTION;
        else if (tok_is(tok, len, "fund"))
            c->applicants |= APP_FUND;
        else
            return fail_at(rd, tok,
                           "未知申请主体“%.*s”（可用 enterprise、institution、fund）(applicant)",
                           (int)len, tok);
    }
    if (!c->applicants)
        return fail_at(rd, p, "applicants 缺少内容 (empty value)");
    return ST_OK;
}

/* After `end`: the clause is whole and consistent. */
static enum status finish_clause(const struct reader *rd, struct clause *c)
{
    const char *missing = !c->title[0]        ? "title"
                          : !c->cite[0]       ? "cite"
                          : !c->quote         ? "quote"
                          : !c->has_effective ? "effective"
                          : !c->applicants    ? "applicants"
                          : !c->has_award     ? "award"
                                              : NULL;
    if (missing)
        return fail_at(rd, NULL, "条款 %s 缺少 %s（第 %d 行开始）(missing field)", c->id, missing,
                       c->line);
    for (int i = 0; i < c->n_bounds; i++) {
        const struct var *v = &c->vars[c->bounds[i].var];
        if (v->set) {
            enum status st =
                check_bound(rd, c, &c->bounds[i], &v->rate, v->line, v->val_col, rd->e);
            if (st != ST_OK)
                return st;
        }
    }
    if (rd->stored)
        return ST_OK; /* what follows judges the pack's sense, not what it computes */
    char a[32], b[32];
    /* An item cap above the yearly cap can never be the one that binds. */
    const struct cap *item = &c->caps[CAP_ITEM], *year = &c->caps[CAP_ENTITY_YEAR];
    if (item->present && year->present && item->param < 0 && year->param < 0 &&
        item->fen > year->fen)
        return fail_line(
            rd, item, "每项上限 %s元 高于每年上限 %s元，永远不会起作用 (unreachable cap)",
            money_format(item->fen, a, sizeof a), money_format(year->fen, b, sizeof b));
    /* Nor can a cap above the whole yearly budget. */
    const struct budget *bg = &c->budget;
    for (int k = 0; k < CAP_KINDS && bg->alloc != POLICY_ALLOC_NONE && bg->param < 0; k++) {
        const struct cap *cp = &c->caps[k];
        if (cp->present && cp->param < 0 && cp->fen > bg->fen)
            return fail_line(
                rd, cp, "%s上限 %s元 高于年度预算 %s元，永远不会起作用 (unreachable cap)",
                cp->label, money_format(cp->fen, a, sizeof a), money_format(bg->fen, b, sizeof b));
    }
    /* Priority classes rank the applications of a pro-rata batch; nothing else has one. */
    if (c->priority >= 0 && c->budget.alloc != POLICY_ALLOC_PRO_RATA) {
        char where[128];
        snprintf(where, sizeof where, "%s: line %d, column %d", rd->source, c->priority_line,
                 c->priority_col);
        return err_set(
            rd->e, ST_INVALID, where,
            "priority 只用于按批次等比例分配的预算（budget … pro-rata）(priority without "
            "a pro-rata budget)");
    }
    /* A floor above a cap or the budget could never be paid as written. */
    const struct cap *fl = &c->floor;
    for (int k = 0; k < CAP_KINDS && fl->present && fl->param < 0; k++) {
        const struct cap *cp = &c->caps[k];
        if (cp->present && cp->param < 0 && fl->fen > cp->fen)
            return fail_line(rd, fl, "保底 %s元 高于%s上限 %s元，永远兑现不了 (floor above cap)",
                             money_format(fl->fen, a, sizeof a), cp->label,
                             money_format(cp->fen, b, sizeof b));
    }
    if (fl->present && fl->param < 0 && bg->alloc != POLICY_ALLOC_NONE && bg->param < 0 &&
        fl->fen > bg->fen)
        return fail_line(rd, fl, "保底 %s元 高于年度预算 %s元，永远兑现不了 (floor above budget)",
                         money_format(fl->fen, a, sizeof a), money_format(bg->fen, b, sizeof b));
    return ST_OK;
}

static void clause_cleanup(struct clause *c)
{
    free(c->quote);
}

void policy_pack_free(struct policy_pack *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n; i++)
        clause_cleanup(&p->clauses[i]);
    free(p->clauses);
    free(p);
}

static int option_index(const struct var *v, const char *s, size_t len)
{
    for (int k = 0; k < v->n_options; k++)
        if (strlen(v->options[k]) == len && !memcmp(v->options[k], s, len))
            return k;
    return -1;
}

/* Whether one value of input v meets every condition on it: the conditions of a clause that
 * no applicant could meet are refused at load. */
static int conds_satisfiable(const struct clause *c, int v)
{
    unsigned options = ~0u;
    int64_t lo = 0, hi = INT64_MAX; /* money and counts are not negative */
    for (int i = 0; i < c->n_conds; i++) {
        const struct cond *cd = &c->conds[i];
        if (cd->var != v)
            continue;
        switch (cd->op) {
        case OP_IN:
            options &= cd->options;
            break;
        case OP_GE:
            lo = cd->value > lo ? cd->value : lo;
            break;
        case OP_GT: /* nothing is above the largest number */
            lo = cd->value == INT64_MAX ? INT64_MAX : cd->value + 1 > lo ? cd->value + 1 : lo;
            hi = cd->value == INT64_MAX ? 0 : hi;
            break;
        case OP_LE:
            hi = cd->value < hi ? cd->value : hi;
            break;
        case OP_LT:
            hi = cd->value - 1 < hi ? cd->value - 1 : hi;
            break;
        case OP_EQ:
            lo = cd->value > lo ? cd->value : lo;
            hi = cd->value < hi ? cd->value : hi;
            break;
        }
    }
    return options != 0 && lo <= hi;
}

/* require NAME (a yes/no input), require NAME OP AMOUNT|COUNT, require NAME in A|B. */
static enum status read_require(const struct reader *rd, struct clause *c, const char *p,
                                const char *end)
{
    const char *tok, *op, *val, *extra;
    size_t len, ol, vl, xl;
    if (!next_token(&p, end, &tok, &len))
        return fail_at(rd, p, "require 缺少输入名 (missing name)");
    int v = find_var(c, tok, len);
    if (v < 0 || c->vars[v].is_param)
        return fail_at(rd, tok, "“%.*s”不是本条款的输入（先用 input 声明）(not an input)", (int)len,
                       tok);
    const struct var *var = &c->vars[v];
    if (!next_token(&p, end, &op, &ol)) {
        if (var->type != VT_BOOL)
            return fail_at(rd, tok,
                           "require 的输入应为 bool 类型，“%s”是 %s；数值或选项条件写成 %s >= 值 "
                           "或 %s in 值|值 (type error)",
                           var->name, type_names[var->type], var->name, var->name);
        if (c->n_requires == REQUIRES_MAX)
            return fail_at(rd, tok, "一个条款至多 %d 个条件 (too many)", REQUIRES_MAX);
        c->requires[c->n_requires++] = v;
        return ST_OK;
    }
    if (!next_token(&p, end, &val, &vl))
        return fail_at(rd, p, "条件缺少比较的值 (missing value)");
    if (next_token(&p, end, &extra, &xl))
        return fail_at(rd, extra, "条件只能有一个比较 (one comparison)");
    if (c->n_conds == CONDS_MAX)
        return fail_at(rd, tok, "一个条款至多 %d 个数值或选项条件 (too many)", CONDS_MAX);
    struct cond *cd = &c->conds[c->n_conds];
    memset(cd, 0, sizeof *cd);
    cd->var = v;
    int o = -1;
    for (int i = 0; i < (int)(sizeof op_names / sizeof op_names[0]); i++)
        if (tok_is(op, ol, op_names[i]))
            o = i;
    if (o < 0)
        return fail_at(rd, op, "未知比较“%.*s”（可用 >=、>、<=、<、=、in）(operator)", (int)ol, op);
    cd->op = (enum cond_op)o;
    if (vl >= sizeof cd->text)
        return fail_at(rd, val, "比较的值过长 (too long)");
    memcpy(cd->text, val, vl);
    if (var->type == VT_ENUM) {
        if (cd->op != OP_IN && cd->op != OP_EQ)
            return fail_at(rd, op, "选项条件应写成 %s in 值|值 或 %s = 值 (operator)", var->name,
                           var->name);
        const char *a = val, *stop = val + vl;
        while (a <= stop) {
            const char *bar = memchr(a, '|', (size_t)(stop - a));
            const char *ae = bar ? bar : stop;
            int k = option_index(var, a, (size_t)(ae - a));
            if (k < 0)
                return fail_at(rd, a, "“%.*s”不是 %s 的可选值 (unknown option)", (int)(ae - a), a,
                               var->name);
            cd->options |= 1u << k;
            a = ae + 1;
        }
        cd->op = OP_IN;
    } else if (var->type == VT_MONEY || var->type == VT_COUNT) {
        if (cd->op == OP_IN)
            return fail_at(rd, op, "数值条件应使用 >=、>、<=、<、= (operator)");
        int ok = var->type == VT_MONEY ? parse_money(val, vl, &cd->value)
                                       : parse_count(val, vl, &cd->value);
        if (!ok)
            return fail_at(rd, val, "“%.*s”不是有效的%s (bad value)", (int)vl, val,
                           var->type == VT_MONEY ? "金额（元，至多两位小数）" : "件数");
    } else {
        return fail_at(rd, tok, "只能对 money、count 或 enum 类型的输入写比较条件 (type error)");
    }
    c->n_conds++;
    if (!rd->stored && !conds_satisfiable(c, v)) {
        char before[400] = "";
        for (int i = 0; i < c->n_conds - 1; i++)
            if (c->conds[i].var == v)
                snprintf(before + strlen(before), sizeof before - strlen(before), "%s%s %s %s",
                         before[0] ? "、" : "", var->name, op_names[c->conds[i].op],
                         c->conds[i].text);
        return fail_at(rd, tok,
                       "条件“%s %s %s”与此前的条件（%s）不可能同时满足，本条款永远不会符合 "
                       "(contradictory conditions)",
                       var->name, op_names[cd->op], cd->text, before);
    }
    return ST_OK;
}

/* A condition in words, as the explanation, the rule and the cases say it: 从业人数 ≥ 10,
 * 营业收入（元） < 50,000,000.00元 (money as amounts are written), 企业规模 属于 小型|微型. */
static void cond_words(const struct clause *c, const struct cond *cd, char *out, size_t cap)
{
    const struct var *cv = &c->vars[cd->var];
    char a[32];
    if (cv->type == VT_MONEY)
        snprintf(out, cap, "%s %s %s元", cv->label, op_words[cd->op],
                 money_format(cd->value, a, sizeof a));
    else
        snprintf(out, cap, "%s %s %s", cv->label, op_words[cd->op], cd->text);
}

/* Whether a given value meets a condition. */
static int cond_holds(const struct cond *cd, int64_t x)
{
    switch (cd->op) {
    case OP_GE:
        return x >= cd->value;
    case OP_GT:
        return x > cd->value;
    case OP_LE:
        return x <= cd->value;
    case OP_LT:
        return x < cd->value;
    case OP_EQ:
        return x == cd->value;
    case OP_IN:
        return x >= 0 && x < 32 && ((cd->options >> x) & 1u);
    }
    return 0;
}

/* One line inside a clause block. */
/* The fields a clause gives once: a second line would silently replace the first. */
static const char *const SINGLE_FIELDS[] = {"title",      "cite",  "quote", "effective",
                                            "applicants", "award", "round", "deadline"};

static enum status read_clause_line(const struct reader *rd, struct clause *c, const char *kw,
                                    size_t kl, const char *p, const char *end)
{
    _Static_assert(sizeof SINGLE_FIELDS / sizeof SINGLE_FIELDS[0] ==
                       sizeof c->given / sizeof c->given[0],
                   "a line number for each field given once");
    for (size_t i = 0; i < sizeof SINGLE_FIELDS / sizeof SINGLE_FIELDS[0]; i++) {
        if (!tok_is(kw, kl, SINGLE_FIELDS[i]))
            continue;
        /* (a stored pack keeps the last, as it was computed when it was stored) */
        if (c->given[i] && !rd->stored)
            return fail_at(rd, kw, "%s 重复：第 %d 行已写过 (duplicate field)", SINGLE_FIELDS[i],
                           c->given[i]);
        c->given[i] = rd->line_no;
    }
    if (tok_is(kw, kl, "title"))
        return rest_of_line(rd, p, end, "title", c->title, sizeof c->title);
    if (tok_is(kw, kl, "cite"))
        return rest_of_line(rd, p, end, "cite", c->cite, sizeof c->cite);
    if (tok_is(kw, kl, "quote")) {
        char q[2048];
        enum status st = rest_of_line(rd, p, end, "quote", q, sizeof q);
        if (st == ST_OK) {
            free(c->quote);
            c->quote = xstrdup(q);
        }
        return st;
    }
    if (tok_is(kw, kl, "effective"))
        return read_effective(rd, c, p, end);
    if (tok_is(kw, kl, "applicants"))
        return read_applicants(rd, c, p, end);
    if (tok_is(kw, kl, "input"))
        return read_var(rd, c, p, end, 0);
    if (tok_is(kw, kl, "param"))
        return read_var(rd, c, p, end, 1);
    if (tok_is(kw, kl, "require"))
        return read_require(rd, c, p, end);
    if (tok_is(kw, kl, "award"))
        return read_award(rd, c, p, end);
    if (tok_is(kw, kl, "cap"))
        return read_cap(rd, c, p, end);
    if (tok_is(kw, kl, "floor"))
        return read_floor(rd, c, kw, p, end);
    if (tok_is(kw, kl, "bound"))
        return read_bound(rd, c, p, end);
    if (tok_is(kw, kl, "budget"))
        return read_budget(rd, c, p, end);
    if (tok_is(kw, kl, "exclusive"))
        return read_exclusive(rd, c, p, end);
    if (tok_is(kw, kl, "priority"))
        return read_priority(rd, c, kw, p, end);
    if (tok_is(kw, kl, "evidence")) {
        if (c->n_evidence == POLICY_EVIDENCE_MAX)
            return fail_at(rd, kw, "证明材料至多 %d 项 (too many)", POLICY_EVIDENCE_MAX);
        char *label = c->evidence[c->n_evidence];
        enum status st = rest_of_line(rd, p, end, "evidence", label, sizeof c->evidence[0]);
        for (int i = 0; st == ST_OK && i < c->n_evidence; i++)
            if (!strcmp(c->evidence[i], label))
                st = fail_at(rd, p, "证明材料“%s”重复 (duplicate)", label);
        if (st == ST_OK)
            c->n_evidence++;
        return st;
    }
    if (tok_is(kw, kl, "deadline"))
        return read_deadline(rd, c, p, end);
    if (tok_is(kw, kl, "round")) {
        const char *tok;
        size_t len;
        if (!next_token(&p, end, &tok, &len) ||
            !(tok_is(tok, len, "fen") || tok_is(tok, len, "yuan")))
            return fail_at(rd, p, "round 应为 fen（四舍五入到分）或 yuan（四舍五入到元）");
        c->rounding = tok_is(tok, len, "yuan") ? POLICY_ROUND_YUAN : POLICY_ROUND_FEN;
        return ST_OK;
    }
    return fail_at(rd, kw, "未知字段“%.*s” (unknown field)", (int)kl, kw);
}

static enum status pack_load(const char *text, size_t len, const char *source, int stored,
                             struct policy_pack **out, struct err *e);

enum status policy_pack_load(const char *text, size_t len, const char *source,
                             struct policy_pack **out, struct err *e)
{
    return pack_load(text, len, source, 0, out, e);
}

enum status policy_pack_load_stored(const char *text, size_t len, const char *source,
                                    struct policy_pack **out, struct err *e)
{
    return pack_load(text, len, source, 1, out, e);
}

static enum status pack_load(const char *text, size_t len, const char *source, int stored,
                             struct policy_pack **out, struct err *e)
{
    *out = NULL;
    struct reader rd = {.base = text, .source = source, .e = e, .stored = stored};
    size_t bad;
    if (!utf8_valid(text, len, &bad)) {
        rd.line = text;
        rd.line_no = 1;
        for (size_t i = 0; i < bad; i++)
            if (text[i] == '\n') {
                rd.line_no++;
                rd.line = text + i + 1;
            }
        rd.line_len = (size_t)(text + bad - rd.line);
        return fail_at(&rd, text + bad, "不是有效的 UTF-8 文本 (invalid UTF-8)");
    }
    struct policy_pack *p = xcalloc(1, sizeof *p);
    hash_sha256_hex(text, len, p->hash);
    size_t cap = 0;
    struct clause *cur = NULL;
    enum status st = ST_OK;
    const char *end_all = text + len;
    const char *s = text;
    if (len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3))
        s += 3;
    while (s < end_all && st == ST_OK) {
        const char *nl = memchr(s, '\n', (size_t)(end_all - s));
        const char *end = nl ? nl : end_all;
        rd.line = s;
        rd.line_len = (size_t)(end - s);
        rd.line_no++;
        const char *q = s;
        s = nl ? nl + 1 : end_all;
        const char *kw;
        size_t kl;
        if (!next_token(&q, end, &kw, &kl) || kw[0] == '#')
            continue;
        if (cur) {
            if (tok_is(kw, kl, "end")) {
                cur->end_line = rd.line_no;
                cur->end_off = (size_t)(rd.line - text);
                st = finish_clause(&rd, cur);
                cur = NULL;
            } else {
                st = read_clause_line(&rd, cur, kw, kl, q, end);
            }
            continue;
        }
        if ((tok_is(kw, kl, "pack") && p->title[0]) ||
            (tok_is(kw, kl, "version") && p->version[0])) {
            if (!stored) /* (a stored pack keeps the last, as read when it was stored) */
                st = fail_at(&rd, kw, "%.*s 重复 (duplicate field)", (int)kl, kw);
        }
        if (st != ST_OK)
            break;
        if (tok_is(kw, kl, "pack")) {
            st = rest_of_line(&rd, q, end, "pack", p->title, sizeof p->title);
        } else if (tok_is(kw, kl, "version")) {
            st = rest_of_line(&rd, q, end, "version", p->version, sizeof p->version);
        } else if (tok_is(kw, kl, "clause")) {
            const char *id;
            size_t il;
            if (!next_token(&q, end, &id, &il)) {
                st = fail_at(&rd, q, "clause 缺少编号 (missing id)");
                break;
            }
            if (!valid_name(id, il)) {
                st = fail_at(&rd, id, "条款编号应为小写字母开头的 a-z、0-9、-、_ (bad id)");
                break;
            }
            for (size_t i = 0; i < p->n; i++)
                if (tok_is(id, il, p->clauses[i].id))
                    st = fail_at(&rd, id, "条款编号“%.*s”重复 (duplicate clause)", (int)il, id);
            if (st != ST_OK)
                break;
            if (p->n == cap) {
                cap = cap ? cap * 2 : 8;
                p->clauses = xrealloc(p->clauses, cap * sizeof *p->clauses);
            }
            cur = &p->clauses[p->n++];
            memset(cur, 0, sizeof *cur);
            memcpy(cur->id, id, il);
            cur->line = rd.line_no;
            cur->priority = -1;
        } else {
            st = fail_at(&rd, kw, "未知字段“%.*s”（条款外只能有 pack、version、clause）", (int)kl,
                         kw);
        }
    }
    if (st == ST_OK && cur)
        st = fail_at(&rd, NULL, "条款 %s 没有以 end 结束 (unterminated clause)", cur->id);
    if (st == ST_OK && (!p->title[0] || !p->version[0])) {
        rd.line_no = 1;
        rd.line = text;
        st = fail_at(&rd, NULL, "规则包缺少 %s 行 (missing header)",
                     !p->title[0] ? "pack" : "version");
    }
    if (st == ST_OK && p->n == 0)
        st = fail_at(&rd, NULL, "规则包中没有条款 (no clauses)");
    if (st != ST_OK) {
        policy_pack_free(p);
        return st;
    }
    *out = p;
    return ST_OK;
}

/* The 兑现时限 set as a parameter: its N and 说明 rewritten, or a deadline line added before the
 * clause's end; the new text checked again. */
static enum status set_deadline(const char *text, size_t len, const char *clause_id,
                                const struct clause *c, const char *value, char **out,
                                size_t *out_len, struct err *e)
{
    int64_t n = 0;
    size_t vl = strlen(value);
    if (!parse_count(value, vl, &n) || n < 1 || n > 250)
        return err_set(e, ST_INVALID, POLICY_DEADLINE_PARAM,
                       "%s.deadline = %s：兑现时限应为 1–250 之间的工作日数", clause_id, value);
    char line[160];
    size_t at, cut;
    if (c->deadline_wd) { /* N and its 说明, which says N too, to the end of the line */
        snprintf(line, sizeof line, "%s 自受理之日起%s个工作日内审核办结", value, value);
        at = c->deadline_off;
        const char *nl = memchr(text + at, '\n', len - at);
        cut = (nl ? (size_t)(nl - text) : len) - at;
        while (cut > 0 && text[at + cut - 1] == '\r')
            cut--;
    } else {
        snprintf(line, sizeof line, "  deadline   %s 自受理之日起%s个工作日内审核办结\n", value,
                 value);
        at = c->end_off;
        cut = 0;
    }
    size_t ll = strlen(line), n_out = len - cut + ll;
    char *t = xmalloc(n_out + 1);
    memcpy(t, text, at);
    memcpy(t + at, line, ll);
    memcpy(t + at + ll, text + at + cut, len - at - cut);
    t[n_out] = '\0';
    struct policy_pack *check;
    enum status st = policy_pack_load(t, n_out, "pack", &check, e);
    if (st != ST_OK) {
        free(t);
        return st;
    }
    policy_pack_free(check);
    *out = t;
    *out_len = n_out;
    return ST_OK;
}

enum status policy_pack_set_param(const char *text, size_t len, const char *clause_id,
                                  const char *name, const char *value, char **out, size_t *out_len,
                                  struct err *e)
{
    *out = NULL;
    struct policy_pack *p;
    enum status st = policy_pack_load(text, len, "pack", &p, e);
    if (st != ST_OK)
        return st;
    const struct var *v = NULL;
    int ci = policy_clause_index(p, clause_id);
    if (ci < 0) {
        st = err_set(e, ST_NOT_FOUND, "clause", "规则包中没有条款“%s”", clause_id);
        goto out;
    }
    const struct clause *c = &p->clauses[ci];
    if (!strcmp(name, POLICY_DEADLINE_PARAM) && find_var(c, name, strlen(name)) < 0) {
        st = set_deadline(text, len, clause_id, c, value, out, out_len, e);
        goto out;
    }
    int k = find_var(c, name, strlen(name));
    if (k < 0 || !c->vars[k].is_param) {
        st = err_set(e, ST_NOT_FOUND, name, "条款 %s 没有参数“%s”", clause_id, name);
        goto out;
    }
    v = &c->vars[k];
    size_t vl = strlen(value);
    if (vl == 0 || strpbrk(value, " \t\r\n#")) {
        st = err_set(e, ST_INVALID, name, "参数值不能为空，也不能含空白或 #");
        goto out;
    }
    /* The new text: the value token replaced; the whole pack is then checked again, so a
     * value outside the clause's bounds or of the wrong type is refused with its reason. */
    size_t n = len - v->val_len + vl;
    char *t = xmalloc(n + 1);
    memcpy(t, text, v->val_off);
    memcpy(t + v->val_off, value, vl);
    memcpy(t + v->val_off + vl, text + v->val_off + v->val_len, len - v->val_off - v->val_len);
    t[n] = '\0';
    struct policy_pack *check;
    struct err pe = {0};
    if ((st = policy_pack_load(t, n, "pack", &check, &pe)) != ST_OK) {
        free(t);
        /* Name the parameter rather than a line of a text the office never wrote. */
        if (strstr(pe.msg, "超出"))
            st = err_set(e, st, name, "%s.%s：%s", clause_id, name, pe.msg);
        else
            st = err_set(e, st, name, "%s.%s = %s 不是有效的%s", clause_id, name, value,
                         v->type == VT_MONEY ? "金额（元，至多两位小数）" : "比例（如 10%、1/20）");
        goto out;
    }
    policy_pack_free(check);
    *out = t;
    *out_len = n;
out:
    policy_pack_free(p);
    return st;
}

void policy_example_text(const char **text, size_t *len)
{
    const struct embedded_file *f =
        embed_find(hqd_data_files, hqd_data_files_count, "policy/plan-2020-28.pack");
    *text = f ? (const char *)f->data : "";
    *len = f ? f->len : 0;
}

enum status policy_pack_example(struct policy_pack **out, struct err *e)
{
    const struct embedded_file *f =
        embed_find(hqd_data_files, hqd_data_files_count, "policy/plan-2020-28.pack");
    if (!f)
        return err_set(e, ST_INTERNAL, NULL, "示例规则包未编入程序 (example pack missing)");
    return policy_pack_load((const char *)f->data, f->len, "plan-2020-28.pack", out, e);
}

const char *policy_pack_title(const struct policy_pack *p)
{
    return p->title;
}
const char *policy_pack_version(const struct policy_pack *p)
{
    return p->version;
}
const char *policy_pack_hash(const struct policy_pack *p)
{
    return p->hash;
}
size_t policy_pack_clauses(const struct policy_pack *p)
{
    return p->n;
}
const char *policy_clause_id(const struct policy_pack *p, size_t i)
{
    return p->clauses[i].id;
}
const char *policy_clause_title(const struct policy_pack *p, size_t i)
{
    return p->clauses[i].title;
}
const char *policy_clause_cite(const struct policy_pack *p, size_t i)
{
    return p->clauses[i].cite;
}

const char *policy_clause_quote(const struct policy_pack *p, size_t i)
{
    return p->clauses[i].quote;
}

size_t policy_clause_vars(const struct policy_pack *p, size_t i)
{
    return (size_t)p->clauses[i].n_vars;
}

void policy_clause_var(const struct policy_pack *p, size_t i, size_t k, struct policy_var_info *out)
{
    const struct clause *c = &p->clauses[i];
    const struct var *v = &c->vars[k];
    int required = (int)k == c->base;
    for (int r = 0; r < c->n_requires; r++)
    required |= c->requires[r] == (int)k;
    for (int r = 0; r < c->n_conds; r++)
        required |= c->conds[r].var == (int)k;
    *out = (struct policy_var_info){v->name,
                                    type_names[v->type],
                                    v->label,
                                    v->is_param,
                                    v->set,
                                    required,
                                    (size_t)v->n_options,
                                    {0},
                                    v->is_param && v->set ? v->value_text : NULL};
    for (int o = 0; o < v->n_options; o++)
        out->options[o] = v->options[o];
}

/* ---------------------------------------------------------------- computing */

enum status policy_mul_rate(int64_t base_fen, int64_t num, int64_t den, enum policy_rounding r,
                            int64_t *out)
{
    if (base_fen < 0 || num <= 0 || den <= 0)
        return ST_INVALID;
    return round_half_up((__int128)base_fen * num, den, r, out);
}

struct json_t *policy_steps_json(const struct policy_result *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < r->n_steps; i++) {
        const struct policy_step *st = &r->steps[i];
        json_array_append_new(
            arr, json_pack("{s:s, s:b, s:o, s:s}", "kind", st->kind, "ok", st->ok, "amount_fen",
                           st->fen >= 0 ? json_integer(st->fen) : json_null(), "text", st->text));
    }
    return arr;
}

struct json_t *policy_result_json(const struct policy_pack *p, const char *clause,
                                  const struct policy_result *r)
{
    json_t *missing = json_array();
    for (size_t i = 0; i < r->n_missing; i++)
        json_array_append_new(missing, json_string(r->missing[i]));
    if (r->matter_missing)
        json_array_append_new(missing, json_string(r->matter_missing));
    return json_pack("{s:s, s:s, s:b, s:I, s:I, s:o, s:b, s:s, s:o, s:o}", "clause", clause,
                     "pack_sha256", policy_pack_hash(p), "eligible", r->eligible, "amount_fen",
                     (json_int_t)r->amount_fen, "uncapped_fen", (json_int_t)r->uncapped_fen,
                     "capped_by", r->capped_by ? json_string(r->capped_by) : json_null(), "floored",
                     r->floored, "explanation", r->explanation, "missing", missing, "steps",
                     policy_steps_json(r));
}

void policy_result_cleanup(struct policy_result *r)
{
    free(r->explanation);
    r->explanation = NULL;
}

/* A label without its trailing unit note: "技术交易额（元）" → "技术交易额". */
static void short_label(const char *label, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s", label);
    char *paren = strstr(out, "（");
    if (paren && paren != out)
        *paren = '\0';
}

struct given {
    int present;
    int64_t num; /* money fen, count, or bool */
    struct rate rate;
};

static enum status parse_inputs(const struct clause *c, const struct policy_input *in, size_t n,
                                struct given *g, struct err *e)
{
    for (size_t i = 0; i < n; i++) {
        int v = find_var(c, in[i].name, strlen(in[i].name));
        if (v < 0)
            return err_set(e, ST_INVALID, in[i].name, "条款 %s 没有输入“%s”（可用：%s%s）", c->id,
                           in[i].name, c->vars[0].name, c->n_vars > 1 ? " 等" : "");
        const struct var *var = &c->vars[v];
        struct given *x = &g[v];
        const char *s = in[i].value;
        size_t len = strlen(s);
        int ok = 1, b = 0;
        switch (var->type) {
        case VT_MONEY:
            ok = parse_money(s, len, &x->num);
            break;
        case VT_COUNT:
            ok = parse_count(s, len, &x->num);
            break;
        case VT_RATE:
            ok = parse_rate(s, len, &x->rate);
            break;
        case VT_BOOL:
            ok = parse_bool(s, &b);
            x->num = b;
            break;
        case VT_DATE: {
            struct date d;
            ok = date_parse_iso(s, &d);
            break;
        }
        case VT_TEXT:
            break;
        case VT_ENUM:
            x->num = option_index(var, s, len);
            ok = x->num >= 0;
            break;
        }
        if (!ok && var->type == VT_ENUM) {
            char opts[OPTIONS_MAX * 34] = "";
            for (int k = 0; k < var->n_options; k++)
                snprintf(opts + strlen(opts), sizeof opts - strlen(opts), "%s%s", k ? "、" : "",
                         var->options[k]);
            return err_set(e, ST_INVALID, in[i].name, "“%s”不是 %s 的可选值（%s）", s, var->label,
                           opts);
        }
        if (!ok)
            return err_set(e, ST_INVALID, in[i].name, "“%s”不是有效的%s：%s", s,
                           var->type == VT_MONEY   ? "金额（元，至多两位小数）"
                           : var->type == VT_COUNT ? "件数（非负整数）"
                           : var->type == VT_RATE  ? "比例（如 10%）"
                           : var->type == VT_BOOL  ? "是否值（true/false、是/否）"
                                                   : "日期（YYYY-MM-DD）",
                           var->label);
        x->present = 1;
    }
    return ST_OK;
}

enum status policy_fact_check(const struct policy_pack *p, const char *name, const char *value,
                              struct err *e)
{
    const char *dot = strchr(name, '.'), *var = dot ? dot + 1 : name;
    int found = 0;
    for (size_t i = 0; i < p->n; i++) {
        const struct clause *c = &p->clauses[i];
        if (dot && (strlen(c->id) != (size_t)(dot - name) || memcmp(name, c->id, strlen(c->id))))
            continue;
        found |= 1;
        int v = find_var(c, var, strlen(var));
        if (v < 0 || c->vars[v].is_param)
            continue;
        found |= 2;
        struct given g[VARS_MAX];
        struct policy_input in = {var, value};
        struct err ce = {0};
        if (parse_inputs(c, &in, 1, g, &ce) != ST_OK)
            return err_set(e, ST_INVALID, name, "%s（条款 %s 读取此事实）", ce.msg, c->id);
    }
    if (dot && !(found & 1))
        return err_set(e, ST_INVALID, name, "规则包中没有条款“%.*s”", (int)(dot - name), name);
    if (dot && !(found & 2))
        return err_set(e, ST_INVALID, name, "条款 %.*s 没有输入“%s”", (int)(dot - name), name, var);
    return ST_OK;
}

/* Appends to the explanation; truncation keeps what fits. */
static void say(char *buf, size_t cap, const char *fmt, ...) HQD_PRINTF(3, 4);
static void say(char *buf, size_t cap, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= cap)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, cap - used, fmt, ap);
    va_end(ap);
}

/* in force, each require and condition, the missing base or the formula, the floor, each cap,
 * the result and the citation: a clause with every condition there is still ends with its
 * result and citation */
_Static_assert(1 + REQUIRES_MAX + CONDS_MAX + 1 + 1 + CAP_KINDS + 2 <= POLICY_STEPS_MAX,
               "room for every step of a clause");
static void add_step(struct policy_result *r, const char *kind, int ok, int64_t fen,
                     const char *fmt, ...) HQD_PRINTF(5, 6);
static void add_step(struct policy_result *r, const char *kind, int ok, int64_t fen,
                     const char *fmt, ...)
{
    if (r->n_steps == POLICY_STEPS_MAX)
        return;
    struct policy_step *st = &r->steps[r->n_steps++];
    st->kind = kind;
    st->ok = ok;
    st->fen = fen;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(st->text, sizeof st->text, fmt, ap);
    va_end(ap);
}

/* The explanation is written only when explain is set: replaying a ledger needs the amounts,
 * not a million sentences. */
#define SAY(...)                                                                                   \
    do {                                                                                           \
        if (explain)                                                                               \
            say(text, sizeof text, __VA_ARGS__);                                                   \
    } while (0)
#define STEP(kind, ok, fen, ...)                                                                   \
    do {                                                                                           \
        if (explain)                                                                               \
            add_step(out, kind, ok, fen, __VA_ARGS__);                                             \
    } while (0)

/* A cap's or floor's amount in fen as calc resolves it: the literal, the param's value (a
 * trial value given first), or -1 when the clause has none. */
static enum status limit_fen(const struct clause *c, const struct cap *cp, const struct given *g,
                             int64_t *fen, struct err *e)
{
    *fen = -1;
    if (!cp->present)
        return ST_OK;
    if (cp->param < 0) {
        *fen = cp->fen;
        return ST_OK;
    }
    const struct var *cv = &c->vars[cp->param];
    if (!cv->set && !g[cp->param].present)
        return err_set(e, ST_UNPROCESSABLE, cv->name,
                       "参数 %s（%s）尚未由管委会设定，不能计算 (parameter not set)", cv->name,
                       cv->label);
    *fen = g[cp->param].present ? g[cp->param].num : cv->fen;
    return ST_OK;
}

/* Computes clause clause_id, or with clause_id NULL clause number ci (the ledger verifier
 * looks each clause up once). */
static enum status calc(const struct policy_pack *p, const char *clause_id, size_t ci,
                        const struct policy_input *in, size_t n, struct date on,
                        int64_t year_awarded_fen, struct policy_result *out, int explain,
                        struct err *e)
{
    /* The two arrays (6 KB) are read only up to their counts; clearing them cost the ledger
     * verifier more than the computation itself. */
    memset(out, 0, offsetof(struct policy_result, missing));
    out->n_steps = 0;
    const struct clause *c = !clause_id && ci < p->n ? &p->clauses[ci] : NULL;
    for (size_t i = 0; clause_id && i < p->n && !c; i++)
        if (!strcmp(p->clauses[i].id, clause_id))
            c = &p->clauses[i];
    if (!c)
        return clause_id ? err_set(e, ST_NOT_FOUND, NULL, "规则包中没有条款“%s” (no such clause)",
                                   clause_id)
                         : err_set(e, ST_NOT_FOUND, NULL, "规则包中没有第 %zu 条", ci + 1);
    if (year_awarded_fen < 0)
        return err_set(e, ST_INVALID, "year_awarded", "本年度已获金额不能为负");
    struct given g[VARS_MAX]; /* read only below c->n_vars: cleared that far */
    memset(g, 0, (size_t)c->n_vars * sizeof *g);
    enum status st = parse_inputs(c, in, n, g, e);
    if (st != ST_OK)
        return st;
    for (int i = 0; i < c->n_vars; i++)
        out->n_given += g[i].present && !c->vars[i].is_param;

    /* The factor and the caps, with trial overrides of parameters checked against bounds. */
    struct rate rate = c->rate;
    int64_t unit_fen = c->unit_fen;
    if (c->factor >= 0) {
        const struct var *fv = &c->vars[c->factor];
        const struct given *fg = &g[c->factor];
        if (!fv->set && !fg->present)
            return err_set(e, ST_UNPROCESSABLE, fv->name,
                           "参数 %s（%s）尚未由管委会设定，不能计算 (parameter not set)", fv->name,
                           fv->label);
        if (fv->type == VT_RATE)
            rate = fg->present ? fg->rate : fv->rate;
        else
            unit_fen = fg->present ? fg->num : fv->fen;
        for (int i = 0; i < c->n_bounds; i++)
            if (c->bounds[i].var == c->factor &&
                (st = check_bound(NULL, c, &c->bounds[i], &rate, 0, 0, e)) != ST_OK)
                return st;
    }
    int64_t cap_fen[CAP_KINDS], floor_fen;
    for (int k = 0; k < CAP_KINDS; k++)
        if ((st = limit_fen(c, &c->caps[k], g, &cap_fen[k], e)) != ST_OK)
            return st;
    if ((st = limit_fen(c, &c->floor, g, &floor_fen, e)) != ST_OK)
        return st;

    char text[2048]; /* not "= {0}": only explaining writes it, and clearing 2 KB costs */
    text[0] = '\0';
    char a[32], b[32], d1[16], d2[16];
    int eligible = 1;
    if (date_cmp(on, c->from) < 0 || (!c->open_end && date_cmp(on, c->to) > 0)) {
        date_format(on, d1, sizeof d1);
        date_format(c->from, d2, sizeof d2);
        SAY("%s 不在条款有效期内（自 %s 起%s）。", d1, d2, c->open_end ? "长期有效" : "");
        STEP("effective", 0, -1, "%s 不在条款有效期内（自 %s 起%s）", d1, d2,
             c->open_end ? "长期有效" : "");
        eligible = 0;
    } else {
        out->in_force = 1;
        if (explain) {
            date_format(c->from, d2, sizeof d2);
            STEP("effective", 1, -1, "在条款有效期内（自 %s 起%s）", d2,
                 c->open_end ? "长期有效" : "");
        }
    }
    for (int i = 0; i < c->n_requires; i++) {
        int v = c->requires[i];
        if (!g[v].present) {
            SAY("不符合条件：%s（未提供 %s，按不满足处理）。", c->vars[v].label, c->vars[v].name);
            STEP("condition", 0, -1, "%s：未提供 %s，按不满足处理", c->vars[v].label,
                 c->vars[v].name);
            if (out->n_missing < POLICY_MISSING_MAX)
                snprintf(out->missing[out->n_missing++], sizeof out->missing[0], "%s",
                         c->vars[v].name);
            eligible = 0;
        } else if (!g[v].num) {
            SAY("不符合条件：%s（为否）。", c->vars[v].label);
            STEP("condition", 0, -1, "%s：否", c->vars[v].label);
            out->n_failed++;
            eligible = 0;
        } else {
            STEP("condition", 1, -1, "%s：是", c->vars[v].label);
        }
    }
    for (int i = 0; i < c->n_conds; i++) {
        const struct cond *cd = &c->conds[i];
        const struct var *cv = &c->vars[cd->var];
        char want[160], have[64]; /* not "= ...": clearing them a condition showed in profiles */
        want[0] = '\0';
        if (explain) /* replaying a ledger needs only the amounts */
            cond_words(c, cd, want, sizeof want);
        if (!g[cd->var].present) {
            SAY("不符合条件：%s（未提供 %s，按不满足处理）。", want, cv->name);
            STEP("condition", 0, -1, "%s：未提供 %s，按不满足处理", want, cv->name);
            if (out->n_missing < POLICY_MISSING_MAX)
                snprintf(out->missing[out->n_missing++], sizeof out->missing[0], "%s", cv->name);
            eligible = 0;
            continue;
        }
        int64_t x = g[cd->var].num;
        if (!explain)
            have[0] = '\0';
        else if (cv->type == VT_MONEY)
            snprintf(have, sizeof have, "%s元", money_format(x, a, sizeof a));
        else if (cv->type == VT_ENUM)
            snprintf(have, sizeof have, "%s", cv->options[x]);
        else
            snprintf(have, sizeof have, "%" PRId64, x);
        if (!cond_holds(cd, x)) {
            SAY("不符合条件：%s（实为 %s）。", want, have);
            STEP("condition", 0, -1, "%s：实为 %s", want, have);
            out->n_failed++;
            eligible = 0;
        } else {
            STEP("condition", 1, -1, "%s：%s", want, have);
        }
    }
    const struct var *bv = &c->vars[c->base];
    char blabel[160];
    blabel[0] = '\0';
    if (explain)
        short_label(bv->label, blabel, sizeof blabel);
    if (!g[c->base].present) {
        SAY("缺少输入：%s（%s），无法计算金额。", bv->label, bv->name);
        STEP("input", 0, -1, "缺少 %s（%s），无法计算金额", bv->label, bv->name);
        if (out->n_missing < POLICY_MISSING_MAX)
            snprintf(out->missing[out->n_missing++], sizeof out->missing[0], "%s", bv->name);
        eligible = 0;
    }
    if (eligible) {
        int64_t raw;
        if (c->tiers != TIERS_NONE) {
            char parts[600] = "";
            if (tiered(c, g[c->base].num, &raw, explain ? parts : NULL, sizeof parts) != ST_OK)
                return err_set(e, ST_LIMIT, bv->name, "金额过大，超出可计算范围 (overflow)");
            STEP("formula", 1, raw, "%s %s元%s = %s元", blabel,
                 money_format(g[c->base].num, a, sizeof a), parts, money_format(raw, b, sizeof b));
            SAY("%s %s元%s = %s元", blabel, money_format(g[c->base].num, a, sizeof a), parts,
                money_format(raw, b, sizeof b));
        } else if (bv->type == VT_MONEY) {
            if ((st = policy_mul_rate(g[c->base].num, rate.num, rate.den, c->rounding, &raw)) !=
                ST_OK)
                return err_set(e, ST_LIMIT, bv->name, "金额过大，超出可计算范围 (overflow)");
            STEP("formula", 1, raw, "%s %s元 × %s = %s元%s", blabel,
                 money_format(g[c->base].num, a, sizeof a), rate.text,
                 money_format(raw, b, sizeof b),
                 c->rounding == POLICY_ROUND_YUAN ? "（四舍五入到元）" : "");
            SAY("%s %s元 × %s = %s元%s", blabel, money_format(g[c->base].num, a, sizeof a),
                rate.text, money_format(raw, b, sizeof b),
                c->rounding == POLICY_ROUND_YUAN ? "（四舍五入到元）" : "");
        } else {
            if (__builtin_mul_overflow(g[c->base].num, unit_fen, &raw))
                return err_set(e, ST_LIMIT, bv->name, "金额过大，超出可计算范围 (overflow)");
            STEP("formula", 1, raw, "%s %" PRId64 "件 × %s元 = %s元", blabel, g[c->base].num,
                 money_format(unit_fen, a, sizeof a), money_format(raw, b, sizeof b));
            SAY("%s %" PRId64 "件 × %s元 = %s元", blabel, g[c->base].num,
                money_format(unit_fen, a, sizeof a), money_format(raw, b, sizeof b));
        }
        out->uncapped_fen = raw;
        int64_t amount = raw;
        if (floor_fen >= 0 && raw > 0) { /* a zero base earns nothing, floor or not */
            const char *label = c->floor.label;
            if (amount < floor_fen) {
                amount = floor_fen;
                out->floored = 1;
                STEP("floor", 1, amount, "低于%s%s元保底，按保底计 %s元", label,
                     money_format(floor_fen, a, sizeof a), a);
                SAY("，低于%s%s元保底，按保底计 %s元", label, money_format(floor_fen, a, sizeof a),
                    a);
            } else {
                STEP("floor", 1, amount, "不低于%s%s元保底", label,
                     money_format(floor_fen, a, sizeof a));
                SAY("，不低于%s%s元保底", label, money_format(floor_fen, a, sizeof a));
            }
        }
        if (cap_fen[CAP_ITEM] >= 0) {
            const char *label = c->caps[CAP_ITEM].label;
            if (amount > cap_fen[CAP_ITEM]) {
                amount = cap_fen[CAP_ITEM];
                out->capped_by = "item";
                STEP("cap", 0, amount, "超过%s%s元上限，按上限计 %s元", label,
                     money_format(cap_fen[CAP_ITEM], a, sizeof a), a);
                SAY("，超过%s%s元上限，按上限计 %s元", label,
                    money_format(cap_fen[CAP_ITEM], a, sizeof a), a);
            } else {
                SAY("，未超过%s%s元上限", label, money_format(cap_fen[CAP_ITEM], a, sizeof a));
                STEP("cap", 1, amount, "未超过%s%s元上限", label, a);
            }
        }
        if (cap_fen[CAP_ENTITY_YEAR] >= 0) {
            const char *label = c->caps[CAP_ENTITY_YEAR].label;
            int64_t left = cap_fen[CAP_ENTITY_YEAR] - year_awarded_fen;
            if (left < 0)
                left = 0;
            if (amount > left) {
                amount = left;
                out->capped_by = "entity-year";
                STEP("cap", 0, amount, "%s上限 %s元，本年度已获 %s元，%s %s元", label,
                     money_format(cap_fen[CAP_ENTITY_YEAR], a, sizeof a),
                     money_format(year_awarded_fen, b, sizeof b),
                     left ? "按剩余额度计" : "已达上限，本次", money_format(left, d1, sizeof d1));
                SAY("，%s上限 %s元，本年度已获 %s元，", label,
                    money_format(cap_fen[CAP_ENTITY_YEAR], a, sizeof a),
                    money_format(year_awarded_fen, b, sizeof b));
                SAY(left ? "按剩余额度计 %s元" : "已达上限，本次 %s元",
                    money_format(left, a, sizeof a));
            } else {
                STEP("cap", 1, amount, "未超过%s%s元上限（本年度已获 %s元）", label,
                     money_format(cap_fen[CAP_ENTITY_YEAR], a, sizeof a),
                     money_format(year_awarded_fen, b, sizeof b));
                SAY("，未超过%s%s元上限（本年度已获 %s元）", label,
                    money_format(cap_fen[CAP_ENTITY_YEAR], a, sizeof a),
                    money_format(year_awarded_fen, b, sizeof b));
            }
        }
        SAY("。");
        STEP("result", 1, amount, "应奖补 %s元", money_format(amount, a, sizeof a));
        out->amount_fen = amount;
    }
    if (c->group[0] && !g[c->group_key].present) {
        const struct var *kv = &c->vars[c->group_key];
        out->matter_missing = kv->name;
        if (eligible)
            SAY("申请时须填写%s（%s），据以核对同一事项不重复享受。", kv->label, kv->name);
    }
    SAY("（%s）", c->cite);
    STEP("cite", 1, -1, "%s：%s", c->cite, c->quote);
    out->eligible = eligible;
    out->explanation = explain ? xstrdup(text) : NULL;
    return ST_OK;
}

#undef SAY
#undef STEP

enum status policy_calc(const struct policy_pack *p, const char *clause_id,
                        const struct policy_input *in, size_t n, struct date on,
                        int64_t year_awarded_fen, struct policy_result *out, struct err *e)
{
    return calc(p, clause_id, 0, in, n, on, year_awarded_fen, out, 1, e);
}

enum status policy_calc_amount(const struct policy_pack *p, const char *clause_id,
                               const struct policy_input *in, size_t n, struct date on,
                               int64_t year_awarded_fen, struct policy_result *out, struct err *e)
{
    return calc(p, clause_id, 0, in, n, on, year_awarded_fen, out, 0, e);
}

enum status policy_calc_amount_at(const struct policy_pack *p, size_t ci,
                                  const struct policy_input *in, size_t n, struct date on,
                                  int64_t year_awarded_fen, struct policy_result *out,
                                  struct err *e)
{
    return calc(p, NULL, ci, in, n, on, year_awarded_fen, out, 0, e);
}

/* ---------------------------------------------------------------- matching */

size_t policy_clause_evidence_count(const struct policy_pack *p, size_t i)
{
    return (size_t)p->clauses[i].n_evidence;
}

const char *policy_clause_evidence(const struct policy_pack *p, size_t i, size_t k)
{
    return p->clauses[i].evidence[k];
}

int policy_clause_index(const struct policy_pack *p, const char *id)
{
    for (size_t i = 0; i < p->n; i++)
        if (!strcmp(p->clauses[i].id, id))
            return (int)i;
    return -1;
}

int policy_clause_accepts(const struct policy_pack *p, size_t i, const char *kind)
{
    unsigned bit = !strcmp(kind, "enterprise")    ? APP_ENTERPRISE
                   : !strcmp(kind, "institution") ? APP_INSTITUTION
                   : !strcmp(kind, "fund")        ? APP_FUND
                                                  : 0;
    return (p->clauses[i].applicants & bit) != 0;
}

enum status policy_clause_limits(const struct policy_pack *p, size_t i, struct policy_limits *out,
                                 struct err *e)
{
    const struct clause *c = &p->clauses[i];
    memset(out, 0, sizeof *out);
    out->alloc = c->budget.alloc;
    out->budget_fen = c->budget.fen;
    out->budget_label = c->budget.label;
    if (c->group[0]) {
        out->group = c->group;
        out->key = c->vars[c->group_key].name;
    }
    if (c->priority >= 0)
        out->priority_key = c->vars[c->priority].name;
    if (c->budget.alloc != POLICY_ALLOC_NONE && c->budget.param >= 0) {
        const struct var *v = &c->vars[c->budget.param];
        if (!v->set)
            return err_set(e, ST_UNPROCESSABLE, v->name,
                           "参数 %s（%s）尚未由管委会设定，不能审批 (parameter not set)", v->name,
                           v->label);
        out->budget_fen = v->fen;
    }
    return ST_OK;
}

const char *policy_input_label(const struct policy_pack *p, size_t i, const char *name)
{
    const struct clause *c = &p->clauses[i];
    for (int k = 0; k < c->n_vars; k++)
        if (!strcmp(c->vars[k].name, name))
            return c->vars[k].label[0] ? c->vars[k].label : name;
    return name;
}

/* Text built piece by piece into a fixed buffer: the first piece that does not fit whole ends
 * it there (a piece cut short could end inside a character, and a later one would read as if
 * the missing one did not exist). */
struct text_out {
    char *s;
    size_t cap;
    int full;
};

static void appendf(struct text_out *t, const char *fmt, ...) HQD_PRINTF(2, 3);
static void appendf(struct text_out *t, const char *fmt, ...)
{
    size_t len = strnlen(t->s, t->cap);
    if (t->full || len + 1 >= t->cap) {
        t->full = 1;
        return;
    }
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(t->s + len, t->cap - len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= t->cap - len) {
        t->s[len] = '\0';
        t->full = 1;
    }
}

/* A money amount as the pack gives it: the literal, or the param's name and current value. */
static void limit_text(const struct clause *c, const struct cap *cp, char *out, size_t cap)
{
    char a[32];
    const struct var *v = cp->param >= 0 ? &c->vars[cp->param] : NULL;
    if (!v)
        snprintf(out, cap, "%s元", money_format(cp->fen, a, sizeof a));
    else if (v->set)
        snprintf(out, cap, "%s元（参数 %s）", money_format(v->fen, a, sizeof a), v->name);
    else
        snprintf(out, cap, "参数 %s（待设定）", v->name);
}

void policy_clause_rule(const struct policy_pack *p, size_t i, char *out, size_t cap)
{
    const struct clause *c = &p->clauses[i];
    char a[32], b[200], lim[200];
    struct text_out t = {out, cap, 0};
    out[0] = '\0';
    short_label(c->vars[c->base].label, b, sizeof b);
    if (c->tiers != TIERS_NONE) {
        appendf(&t, "%s %s", b, c->tiers == TIERS_MARGINAL ? "超额累进" : "全额累进");
        for (int k = 0; k < c->n_tiers; k++)
            appendf(&t, "%s%s元起 %s", k ? "，" : "：", money_format(c->tier_from[k], a, sizeof a),
                    c->tier_rate[k].text);
    } else if (c->factor >= 0) {
        const struct var *f = &c->vars[c->factor];
        appendf(&t, "%s × 参数 %s", b, f->name);
        if (!f->set)
            appendf(&t, "（待设定）");
        else if (f->type == VT_RATE)
            appendf(&t, "（现行 %s）", f->rate.text);
        else
            appendf(&t, "（现行每件 %s元）", money_format(f->fen, a, sizeof a));
    } else if (c->vars[c->base].type == VT_MONEY) {
        appendf(&t, "%s × %s", b, c->rate.text);
    } else {
        appendf(&t, "%s × 每件 %s元", b, money_format(c->unit_fen, a, sizeof a));
    }
    if (c->floor.present) {
        limit_text(c, &c->floor, lim, sizeof lim);
        appendf(&t, "；%s最低 %s", c->floor.label, lim);
    }
    for (int k = 0; k < CAP_KINDS; k++)
        if (c->caps[k].present) {
            limit_text(c, &c->caps[k], lim, sizeof lim);
            appendf(&t, "；%s最高 %s", c->caps[k].label, lim);
        }
    appendf(&t, "；四舍五入到%s", c->rounding == POLICY_ROUND_YUAN ? "元" : "分");
    if (c->budget.alloc != POLICY_ALLOC_NONE) {
        const struct cap bc = {.present = 1, .fen = c->budget.fen, .param = c->budget.param};
        limit_text(c, &bc, lim, sizeof lim);
        appendf(&t, "；%s %s，%s", c->budget.label, lim,
                c->budget.alloc == POLICY_ALLOC_FCFS ? "先到先得" : "超出时等比例核减");
        if (c->priority >= 0) {
            const struct var *pv = &c->vars[c->priority];
            appendf(&t, "（按%s依次优先：", pv->label);
            for (int k = 0; k < pv->n_options; k++)
                appendf(&t, "%s%s", k ? "、" : "", pv->options[k]);
            appendf(&t, "，同类等比例）");
        }
    }
    for (int k = 0; k < c->n_requires; k++)
        appendf(&t, "%s%s", k ? "、" : "。条件：", c->vars[c->requires[k]].label);
    for (int k = 0; k < c->n_conds; k++) {
        char words[200];
        cond_words(c, &c->conds[k], words, sizeof words);
        appendf(&t, "%s%s", k || c->n_requires ? "、" : "。条件：", words);
    }
    char from[16], to[16];
    date_format(c->from, from, sizeof from);
    date_format(c->to, to, sizeof to);
    if (c->open_end)
        appendf(&t, "。%s 起施行，长期有效", from);
    else
        appendf(&t, "。%s 至 %s 有效", from, to);
    if (c->group[0])
        appendf(&t, "；同一事项（%s）不重复享受%s", c->vars[c->group_key].label,
                policy_clause_group_shared(p, i) ? "，与同组条款就高不就低" : "");
    if (c->deadline_wd)
        appendf(&t, "。兑现时限：自受理之日起 %d 个工作日内办结", c->deadline_wd);
    appendf(&t, "。");
}

int policy_priority_class(const struct policy_pack *p, size_t i, const struct policy_input *in,
                          size_t n, const char **label)
{
    const struct clause *c = &p->clauses[i];
    *label = "未注明";
    if (c->priority < 0)
        return 0;
    const struct var *v = &c->vars[c->priority];
    for (size_t k = 0; k < n; k++)
        if (!strcmp(in[k].name, v->name)) {
            int x = option_index(v, in[k].value, strlen(in[k].value));
            if (x >= 0) {
                *label = v->options[x];
                return x;
            }
        }
    return v->n_options;
}

const char *policy_clause_matter_key(const struct policy_pack *p, size_t i)
{
    const struct clause *c = &p->clauses[i];
    return c->group[0] ? c->vars[c->group_key].name : NULL;
}

int policy_clause_deadline(const struct policy_pack *p, size_t i, const char **label)
{
    if (label)
        *label = p->clauses[i].deadline_label;
    return p->clauses[i].deadline_wd;
}

const char *policy_clause_group(const struct policy_pack *p, size_t i)
{
    return p->clauses[i].group[0] ? p->clauses[i].group : NULL;
}

void policy_matches_cleanup(struct policy_match *m, size_t n)
{
    for (size_t i = 0; i < n; i++)
        policy_result_cleanup(&m[i].r);
}

size_t policy_clause_inputs(const struct policy_pack *p, size_t i, const struct policy_input *facts,
                            size_t n, struct policy_input *out, size_t *from)
{
    const struct clause *c = &p->clauses[i];
    size_t k = 0;
    int slot[VARS_MAX], qualified[VARS_MAX] = {0};
    for (int v = 0; v < VARS_MAX; v++)
        slot[v] = -1;
    for (size_t j = 0; j < n; j++) {
        const char *name = facts[j].name, *dot = strchr(name, '.');
        int q = dot != NULL;
        if (q) {
            size_t il = (size_t)(dot - name);
            if (il != strlen(c->id) || memcmp(name, c->id, il))
                continue;
            name = dot + 1;
        }
        int v = find_var(c, name, strlen(name));
        if (v < 0 || c->vars[v].is_param || (qualified[v] && !q))
            continue;
        if (slot[v] < 0)
            slot[v] = (int)k++;
        out[slot[v]].name = c->vars[v].name;
        out[slot[v]].value = facts[j].value;
        if (from)
            from[slot[v]] = j;
        qualified[v] = q;
    }
    return k;
}

/* Whether clause i's exclusivity group has another clause. */
int policy_clause_group_shared(const struct policy_pack *p, size_t i)
{
    const struct clause *c = &p->clauses[i];
    for (size_t j = 0; c->group[0] && j < p->n; j++)
        if (j != i && !strcmp(p->clauses[j].group, c->group))
            return 1;
    return 0;
}

/* 就高不就低 between clauses i and j of one group that are both eligible for the same matter,
 * paying a and b: whether i is the one superseded (the lower; on a tie the later clause). */
static int superseded(size_t i, int64_t a, size_t j, int64_t b)
{
    return b > a || (b == a && j < i);
}

/* The matter clause i's match m is for (its group key's value), or NULL: no group, no key. */
static const char *given_value(const struct policy_pack *p, size_t i, const struct policy_match *m)
{
    const struct clause *c = &p->clauses[i];
    if (!c->group[0])
        return NULL;
    for (size_t k = 0; k < m->n_given; k++)
        if (!strcmp(m->given[k].name, c->vars[c->group_key].name))
            return m->given[k].value;
    return NULL;
}

enum status policy_match_one(const struct policy_pack *p, const char *kind,
                             const struct policy_input *facts, size_t n,
                             const unsigned char *self_declared, struct date on,
                             const int64_t *year_awarded, struct policy_match *out, struct err *e)
{
    struct policy_input mine[VARS_MAX];
    for (size_t i = 0; i < p->n; i++) {
        const struct clause *c = &p->clauses[i];
        struct policy_match *m = &out[i];
        memset(m, 0, sizeof *m);
        m->applies = policy_clause_accepts(p, i, kind);
        if (!m->applies)
            continue;
        size_t from[VARS_MAX]; /* the fact each input came from */
        size_t k = policy_clause_inputs(p, i, facts, n, mine, from);
        for (size_t x = 0; x < k; x++) {
            struct policy_given *g = &m->given[m->n_given++];
            snprintf(g->name, sizeof g->name, "%s", mine[x].name);
            snprintf(g->value, sizeof g->value, "%s", mine[x].value);
            g->self_declared = self_declared && self_declared[from[x]];
            if (g->self_declared && m->n_self < POLICY_MISSING_MAX)
                snprintf(m->self_declared[m->n_self++], sizeof m->self_declared[0], "%s",
                         mine[x].name);
        }
        struct err ce = {0};
        enum status st =
            policy_calc(p, c->id, mine, k, on, year_awarded ? year_awarded[i] : 0, &m->r, &ce);
        if (st == ST_UNPROCESSABLE || st == ST_INVALID) {
            char msg[2048];
            const struct var *unset = NULL; /* the parameter the office has not set */
            for (int v = 0; st == ST_UNPROCESSABLE && v < c->n_vars && !unset; v++)
                if (c->vars[v].is_param && !strcmp(c->vars[v].name, ce.where))
                    unset = &c->vars[v];
            if (unset) { /* a sentence for whoever reads what they are entitled to */
                char label[160];
                short_label(unset->label, label, sizeof label);
                snprintf(msg, sizeof msg, "参数 %s（%s）尚未由管委会设定，设定后即可计算。（%s）",
                         unset->name, label, c->cite);
            } else {
                snprintf(msg, sizeof msg, "无法计算：%s%s%s（%s）", ce.where,
                         ce.where[0] ? "：" : "", ce.msg, c->cite);
            }
            memset(&m->r, 0, sizeof m->r);
            m->r.explanation = xstrdup(msg);
            m->awaiting = st == ST_UNPROCESSABLE;
            continue;
        }
        if (st != ST_OK) {
            policy_matches_cleanup(out, i);
            if (e)
                *e = ce;
            return st;
        }
        m->near = !m->r.eligible && m->r.in_force && m->r.n_given > 0 &&
                  ((m->r.n_failed == 0 && m->r.n_missing > 0) ||
                   (m->r.n_failed == 1 && m->r.n_missing == 0));
    }
    for (size_t i = 0; i < p->n; i++) {
        const char *key = out[i].r.eligible ? given_value(p, i, &out[i]) : NULL;
        for (size_t j = 0; key && j < p->n && !out[i].superseded_by; j++) {
            const char *other = j != i && out[j].r.eligible ? given_value(p, j, &out[j]) : NULL;
            if (other && !strcmp(p->clauses[i].group, p->clauses[j].group) && !strcmp(key, other) &&
                superseded(i, out[i].r.amount_fen, j, out[j].r.amount_fen))
                out[i].superseded_by = j + 1;
        }
    }
    return ST_OK;
}

int64_t policy_match_payable(const struct policy_match *m)
{
    return m->applies && m->r.eligible && !m->superseded_by ? m->r.amount_fen : 0;
}

const char *policy_match_route(const struct policy_match *m)
{
    if (!m->applies || !m->r.eligible)
        return NULL;
    return m->n_self || m->r.matter_missing ? "快申快享" : "免申即享";
}

/* ---------------------------------------------------------------- bulk matching */

/* The inputs' names, plain and qualified, once each; enums only if only_enums. */
static size_t input_names(const struct policy_pack *p, int only_enums, char ***names)
{
    size_t n = 0, cap = 16;
    char **v = xcalloc(cap, sizeof *v);
    for (size_t i = 0; i < p->n; i++) {
        const struct clause *c = &p->clauses[i];
        for (int k = 0; k < c->n_vars; k++) {
            if (c->vars[k].is_param || (only_enums && c->vars[k].type != VT_ENUM &&
                                        !(k == c->group_key && policy_clause_group_shared(p, i))))
                continue;
            char q[128];
            snprintf(q, sizeof q, "%s.%s", c->id, c->vars[k].name);
            const char *two[2] = {q, c->vars[k].name};
            for (int t = 0; t < 2; t++) {
                int seen = 0;
                for (size_t j = 0; j < n && !seen; j++)
                    seen = !strcmp(v[j], two[t]);
                if (seen)
                    continue;
                if (n + 2 >= cap) {
                    cap *= 2;
                    v = xrealloc(v, cap * sizeof *v);
                }
                v[n++] = xstrdup(two[t]);
            }
        }
    }
    *names = v;
    return n;
}

size_t policy_pack_column_names(const struct policy_pack *p, char ***names)
{
    size_t n = input_names(p, 0, names);
    (*names)[n++] = xstrdup(POLICY_KIND_COLUMN); /* input_names leaves room for one more */
    return n;
}

size_t policy_pack_text_names(const struct policy_pack *p, char ***names)
{
    return input_names(p, 1, names);
}

/* Row i's text of input name for clause: "CLAUSE.name" wins over "name"; NULL if neither is
 * given. *known is 0 when no text column of either name was passed at all. */
static const char *text_at(const struct policy_text_column *t, size_t n, const char *clause,
                           const char *name, size_t i, int *known)
{
    char q[128];
    snprintf(q, sizeof q, "%s.%s", clause, name);
    const char *plain = NULL, *qual = NULL;
    *known = 0;
    for (size_t k = 0; k < n; k++) {
        if (!strcmp(t[k].name, q)) {
            *known = 1;
            qual = t[k].v[i];
        } else if (!strcmp(t[k].name, name)) {
            *known = 1;
            plain = t[k].v[i];
        }
    }
    return qual ? qual : plain;
}

void policy_names_free(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static int64_t column_at(const struct policy_column *c, size_t i)
{
    if (c->width == 1)
        return ((const int8_t *)c->v)[i] == INT8_MIN ? INT64_MIN : ((const int8_t *)c->v)[i];
    if (c->width == 4)
        return ((const int32_t *)c->v)[i] == INT32_MIN ? INT64_MIN : ((const int32_t *)c->v)[i];
    return ((const int64_t *)c->v)[i];
}

/* Input name of clause as one column: "CLAUSE.name" where that row has a value, else "name".
 * When both exist they are merged into a new int64 column kept in *owned (free it). Returns 0
 * if neither exists. */
static int find_column(const struct policy_column *cols, size_t n, const char *clause,
                       const char *name, size_t rows, struct policy_column *out, int64_t **owned)
{
    char q[128];
    snprintf(q, sizeof q, "%s.%s", clause, name);
    const struct policy_column *qc = NULL, *pc = NULL;
    for (size_t i = 0; i < n; i++)
        if (cols[i].width && !strcmp(cols[i].name, q))
            qc = &cols[i];
        else if (cols[i].width && !strcmp(cols[i].name, name))
            pc = &cols[i];
    *owned = NULL;
    if (!qc || !pc) {
        if (qc || pc)
            *out = *(qc ? qc : pc);
        return qc || pc;
    }
    int64_t *v = xmalloc((rows + 1) * sizeof *v);
    for (size_t i = 0; i < rows; i++) {
        int64_t x = column_at(qc, i);
        v[i] = x != INT64_MIN ? x : column_at(pc, i);
    }
    *owned = v;
    *out = (struct policy_column){name, 8, v};
    return 1;
}

/* m[i] &= the row reads as true (want_true), or as a number (!want_true). */
static void mask_and(uint8_t *m, const struct policy_column *col, size_t rows, int want_true)
{
    if (col->width == 1) {
        const int8_t *v = col->v;
        for (size_t i = 0; i < rows; i++)
            m[i] &= want_true ? v[i] == 100 || v[i] == POLICY_TRUE_WORD : v[i] >= 0;
    } else if (col->width == 4) {
        const int32_t *v = col->v;
        for (size_t i = 0; i < rows; i++)
            m[i] &= want_true ? v[i] == 100 || v[i] == POLICY_TRUE_WORD : v[i] >= 0;
    } else {
        const int64_t *v = col->v;
        for (size_t i = 0; i < rows; i++)
            m[i] &= want_true ? v[i] == 100 || v[i] == POLICY_TRUE_WORD : v[i] >= 0;
    }
}

/* The column as int64 (borrowed if it already is; else widened into scratch). */
static const int64_t *wide_column(const struct policy_column *col, size_t rows, int64_t *scratch)
{
    if (col->width == 8)
        return col->v;
    for (size_t i = 0; i < rows; i++)
        scratch[i] = col->width == 1 ? ((const int8_t *)col->v)[i] : ((const int32_t *)col->v)[i];
    return scratch;
}

#define MASK_VALID(T, NONE)                                                                        \
    do {                                                                                           \
        const T *v = col->v;                                                                       \
        for (size_t i = 0; i < rows; i++) {                                                        \
            int64_t x = v[i];                                                                      \
            m[i] &= (uint8_t)(x == (NONE) ||                                                       \
                              (t == VT_MONEY   ? x >= 0                                            \
                               : t == VT_COUNT ? x >= 0 && x % 100 == 0                            \
                                               : x == 0 || x == 100 || x == POLICY_TRUE_WORD ||    \
                                                     x == POLICY_FALSE_WORD));                     \
        }                                                                                          \
    } while (0)

/* m[i] &= the row's value, if any, is valid for the input's type (what policy_calc refuses to
 * parse makes the applicant ineligible there too). */
static void mask_valid(uint8_t *m, const struct policy_column *col, size_t rows, enum var_type t)
{
    if (t != VT_MONEY && t != VT_COUNT && t != VT_BOOL)
        return; /* text is anything; date and rate facts are not kept as columns */
    if (col->width == 1)
        MASK_VALID(int8_t, INT8_MIN);
    else if (col->width == 4)
        MASK_VALID(int32_t, INT32_MIN);
    else
        MASK_VALID(int64_t, INT64_MIN);
}

struct rate_loop {
    int64_t num2, half, div, unit, lim, cap; /* cap < 0: none */
    int64_t floor;                           /* 0: none */
    int64_t num, den;
    enum policy_rounding rounding;
};

/* round_half_up(b × num / den) in units, for one divisor; D is a constant at the call sites
 * below so the compiler divides by multiplying. Rows above lim take the 128-bit path. */
#define RATE_LOOP(D, OUT)                                                                          \
    for (size_t i = 0; i < rows; i++) {                                                            \
        int64_t ok = m[i], b = ok ? base[i] : 0, a;                                                \
        if (b <= k->lim)                                                                           \
            a = (b * k->num2 + k->half) / (D)*k->unit;                                             \
        else if (policy_mul_rate(b, k->num, k->den, k->rounding, &a) != ST_OK)                     \
            return ST_LIMIT;                                                                       \
        if (a > 0 && a < k->floor)                                                                 \
            a = k->floor;                                                                          \
        if (k->cap >= 0 && a > k->cap)                                                             \
            a = k->cap;                                                                            \
        pairs += (size_t)ok;                                                                       \
        total += ok ? a : 0;                                                                       \
        OUT;                                                                                       \
    }

#define RATE_LOOPS(D)                                                                              \
    do {                                                                                           \
        if (out)                                                                                   \
            RATE_LOOP(D, out[i] = ok ? a : -1)                                                     \
        else                                                                                       \
            RATE_LOOP(D, (void)0)                                                                  \
    } while (0)

static enum status rate_kernel(const struct rate_loop *k, const uint8_t *m, const int64_t *base,
                               size_t rows, size_t *pairs_out, int64_t *total_out, int64_t *out)
{
    size_t pairs = 0;
    int64_t total = 0;
    switch (k->div) {
    case 20:
        RATE_LOOPS(20);
        break;
    case 40:
        RATE_LOOPS(40);
        break;
    case 200:
        RATE_LOOPS(200);
        break;
    case 2000:
        RATE_LOOPS(2000);
        break;
    case 4000:
        RATE_LOOPS(4000);
        break;
    case 20000:
        RATE_LOOPS(20000);
        break;
    case 20000 * 100:
        RATE_LOOPS(20000 * 100);
        break;
    default:
        RATE_LOOPS(k->div);
        break;
    }
    *pairs_out = pairs;
    *total_out = total;
    return ST_OK;
}

static int64_t gcd64(int64_t a, int64_t b)
{
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

enum status policy_eval_bulk(const struct policy_pack *p, const struct policy_column *cols,
                             size_t n_cols, size_t rows, struct date on, struct policy_bulk *out,
                             int64_t *amounts, struct err *e)
{
    return policy_eval_bulk_text(p, cols, n_cols, NULL, 0, rows, on, out, amounts, e);
}

/* 就高不就低 over the rows, as policy_match_one does it for one: a row eligible under two
 * clauses of one group for the same matter (the key's text) is paid by the higher only; the
 * lower's amount leaves its total and reads 0. A clause whose key texts were not given was left
 * not computable (policy_eval_bulk_text). */
static void bulk_superseded(const struct policy_pack *p, const struct policy_text_column *texts,
                            size_t n_texts, size_t rows, struct policy_bulk *out,
                            const int64_t *amounts)
{
    for (size_t i = 0; i < p->n; i++) {
        const struct clause *c = &p->clauses[i];
        if (!policy_clause_group_shared(p, i) || !out[i].computable)
            continue;
        int64_t *am = (int64_t *)amounts + i * rows;
        for (size_t row = 0; row < rows; row++) {
            int known;
            const char *key = am[row] >= 0 ? text_at(texts, n_texts, c->id,
                                                     c->vars[c->group_key].name, row, &known)
                                           : NULL;
            for (size_t j = 0; key && j < p->n; j++) {
                const struct clause *d = &p->clauses[j];
                const int64_t b = amounts[j * rows + row];
                const char *other =
                    j != i && out[j].computable && b >= 0 && !strcmp(c->group, d->group)
                        ? text_at(texts, n_texts, d->id, d->vars[d->group_key].name, row, &known)
                        : NULL;
                /* a clause zeroed before is not the highest, which never is */
                if (other && !strcmp(key, other) && superseded(i, am[row], j, b)) {
                    out[i].total_fen -= am[row];
                    am[row] = 0;
                    break;
                }
            }
        }
    }
}

/* A cap's or floor's amount for the kernel (-1: the clause has none); a param the office has
 * not set makes the clause not computable, saying which. */
static int64_t bulk_limit(const struct clause *c, const struct cap *cp, struct policy_bulk *r)
{
    static const struct given none[VARS_MAX]; /* no trial values here */
    int64_t v;
    struct err why;
    if (limit_fen(c, cp, none, &v, &why) == ST_OK)
        return v;
    r->computable = 0;
    snprintf(r->why, sizeof r->why, "参数 %s 尚未由管委会设定", why.where);
    return -1;
}

enum status policy_eval_bulk_text(const struct policy_pack *p, const struct policy_column *cols,
                                  size_t n_cols, const struct policy_text_column *texts,
                                  size_t n_texts, size_t rows, struct date on,
                                  struct policy_bulk *out, int64_t *amounts, struct err *e)
{
    memset(out, 0, p->n * sizeof *out);
    const struct policy_column *kind = NULL;
    for (size_t i = 0; i < n_cols && !kind; i++)
        if (cols[i].width == 1 && !strcmp(cols[i].name, POLICY_KIND_COLUMN))
            kind = &cols[i];
    uint8_t *m = xmalloc(rows + 1);
    int64_t *scratch = xmalloc((rows + 1) * sizeof *scratch);
    enum status st = ST_OK;
    /* 就高不就低 needs every row's amount of the clauses that share a group */
    int64_t *own_amounts = NULL;
    for (size_t ci = 0; ci < p->n && !amounts; ci++)
        if (policy_clause_group_shared(p, ci))
            amounts = own_amounts = xmalloc(p->n * (rows ? rows : 1) * sizeof *amounts);
    for (size_t ci = 0; ci < p->n && st == ST_OK; ci++) {
        const struct clause *c = &p->clauses[ci];
        struct policy_bulk *r = &out[ci];
        int64_t *am = amounts ? amounts + ci * rows : NULL;
        r->computable = 1;
        /* Parameters and caps as policy_calc resolves them (no trial values here). */
        struct rate rate = c->rate;
        int64_t unit_fen = c->unit_fen, cap = -1;
        if (c->factor >= 0) {
            const struct var *fv = &c->vars[c->factor];
            if (!fv->set) {
                r->computable = 0;
                snprintf(r->why, sizeof r->why, "参数 %s 尚未由管委会设定", fv->name);
            } else if (fv->type == VT_RATE) {
                rate = fv->rate;
            } else {
                unit_fen = fv->fen;
            }
        }
        for (int k = 0; k < CAP_KINDS && r->computable; k++) {
            int64_t v = bulk_limit(c, &c->caps[k], r);
            if (v >= 0 && (cap < 0 || v < cap))
                cap = v;
        }
        int64_t floor = r->computable ? bulk_limit(c, &c->floor, r) : -1;
        if (floor < 0)
            floor = 0; /* none */
        int in_force = date_cmp(on, c->from) >= 0 && (c->open_end || date_cmp(on, c->to) <= 0);
        struct policy_column vcols[VARS_MAX];
        int64_t *owned[VARS_MAX] = {0};
        int have[VARS_MAX] = {0};
        for (int q = 0; q < c->n_vars; q++)
            if (!c->vars[q].is_param)
                have[q] =
                    find_column(cols, n_cols, c->id, c->vars[q].name, rows, &vcols[q], &owned[q]);
        const struct policy_column *base = have[c->base] ? &vcols[c->base] : NULL;
        /* An enum input is read from its texts; without them the clause cannot be computed. */
        for (int q = 0; q < c->n_vars && r->computable; q++) {
            int known = 0;
            if (c->vars[q].type == VT_ENUM && !c->vars[q].is_param)
                (void)text_at(texts, n_texts, c->id, c->vars[q].name, 0, &known);
            if (c->vars[q].type == VT_ENUM && !c->vars[q].is_param && !known) {
                r->computable = 0;
                snprintf(r->why, sizeof r->why, "选项输入 %s 需要事实原文，按列计算未提供",
                         c->vars[q].name);
            }
        }
        /* 就高不就低 tells a group's matters apart by the key's text */
        if (r->computable && policy_clause_group_shared(p, ci)) {
            int known = 0;
            (void)text_at(texts, n_texts, c->id, c->vars[c->group_key].name, 0, &known);
            if (!known) {
                r->computable = 0;
                snprintf(r->why, sizeof r->why,
                         "互斥组 %s 的事项编号 %s 需要事实原文，按列计算未提供", c->group,
                         c->vars[c->group_key].name);
            }
        }
        if (!r->computable || !in_force || !kind || !base) {
            if (am)
                for (size_t i = 0; i < rows; i++)
                    am[i] = -1;
            for (int q = 0; q < c->n_vars; q++)
                free(owned[q]);
            continue;
        }
        /* Who is eligible: the right kind of applicant, every condition true, a base given. */
        const int8_t *kv = kind->v;
        for (size_t i = 0; i < rows; i++)
            m[i] = (kv[i] & (int8_t)c->applicants) != 0;
        for (int q = 0; q < c->n_requires; q++) {
            if (have[c->requires[q]])
                mask_and(m, &vcols[c->requires[q]], rows, 1);
            else
                memset(m, 0, rows);
        }
        /* Inputs read but neither required nor the base must still be well formed (a
         * required one reads as true only if it is, and the base is checked below). */
        for (int q = 0; q < c->n_vars; q++) {
            int required = 0;
            for (int r2 = 0; r2 < c->n_requires; r2++)
            required |= c->requires[r2] == q;
            if (have[q] && !required && q != c->base)
                mask_valid(m, &vcols[q], rows, c->vars[q].type);
        }
        /* Enum inputs: a given value must be one of the options (else the clause cannot read
         * it), and a condition on one holds for the options it lists. */
        for (int q = 0; q < c->n_vars; q++) {
            const struct var *ev = &c->vars[q];
            if (ev->type != VT_ENUM || ev->is_param)
                continue;
            for (size_t i = 0; i < rows; i++) {
                int known;
                const char *t = m[i] ? text_at(texts, n_texts, c->id, ev->name, i, &known) : NULL;
                int64_t x = t ? option_index(ev, t, strlen(t)) : -1;
                if (t && x < 0)
                    m[i] = 0;
                for (int k = 0; k < c->n_conds && m[i]; k++)
                    if (c->conds[k].var == q)
                        m[i] = (uint8_t)(x >= 0 && cond_holds(&c->conds[k], x));
            }
        }
        for (int q = 0; q < c->n_conds; q++) {
            const struct cond *cd = &c->conds[q];
            if (c->vars[cd->var].type == VT_ENUM)
                continue; /* above */
            if (!have[cd->var]) {
                memset(m, 0, rows);
                continue;
            }
            /* Columns hold values ×100: fen for money, 100 per unit for counts. */
            struct cond x100 = *cd;
            if (c->vars[cd->var].type == VT_COUNT)
                x100.value = cd->value * 100;
            /* Every "no value" and word marker is negative; numbers are not. */
            const int64_t *v = wide_column(&vcols[cd->var], rows, scratch);
            for (size_t i = 0; i < rows; i++)
                m[i] &= (uint8_t)(v[i] >= 0 && cond_holds(&x100, v[i]));
        }
        mask_and(m, base, rows, 0);
        const int64_t *b = wide_column(base, rows, scratch);
        if (c->tiers != TIERS_NONE) {
            /* Tiers row by row: still no text, no parsing. */
            for (size_t i = 0; i < rows && st == ST_OK; i++) {
                int64_t a = 0;
                if (m[i] && tiered(c, b[i], &a, NULL, 0) != ST_OK)
                    st = err_set(e, ST_LIMIT, c->vars[c->base].name,
                                 "条款 %s：金额过大，超出可计算范围 (overflow)", c->id);
                if (a > 0 && a < floor)
                    a = floor;
                if (m[i] && cap >= 0 && a > cap)
                    a = cap;
                r->pairs += m[i];
                r->total_fen += m[i] ? a : 0;
                if (am)
                    am[i] = m[i] ? a : -1;
            }
        } else if (c->vars[c->base].type == VT_MONEY) {
            int64_t g = gcd64(rate.num, rate.den);
            struct rate_loop k = {.num = rate.num / g,
                                  .den = rate.den / g,
                                  .rounding = c->rounding,
                                  .unit = c->rounding == POLICY_ROUND_YUAN ? 100 : 1,
                                  .cap = cap,
                                  .floor = floor};
            k.num2 = 2 * k.num;
            k.half = k.den * k.unit;
            k.div = 2 * k.den * k.unit;
            k.lim = (INT64_MAX - k.half) / k.num2;
            if ((st = rate_kernel(&k, m, b, rows, &r->pairs, &r->total_fen, am)) != ST_OK)
                err_set(e, ST_LIMIT, c->vars[c->base].name,
                        "条款 %s：金额过大，超出可计算范围 (overflow)", c->id);
        } else {
            int64_t lim = INT64_MAX / unit_fen;
            for (size_t i = 0; i < rows; i++) {
                int64_t x = b[i], units = x / 100, a;
                int64_t ok = m[i] && x % 100 == 0;
                if (ok && units > lim) {
                    st = err_set(e, ST_LIMIT, c->vars[c->base].name,
                                 "条款 %s：金额过大，超出可计算范围 (overflow)", c->id);
                    break;
                }
                a = ok ? units * unit_fen : 0;
                if (a > 0 && a < floor)
                    a = floor;
                if (cap >= 0 && a > cap)
                    a = cap;
                r->pairs += (size_t)ok;
                r->total_fen += a;
                if (am)
                    am[i] = ok ? a : -1;
            }
        }
        for (int q = 0; q < c->n_vars; q++)
            free(owned[q]);
    }
    if (st == ST_OK)
        bulk_superseded(p, texts, n_texts, rows, out, amounts);
    free(own_amounts);
    free(m);
    free(scratch);
    return st;
}

/* ---------------------------------------------------------------- boundary cases */

/* The boundary cases of one clause as they are built: the inputs every case starts from (each
 * condition met, every required yes/no input 是), then each case's changes. */
struct case_builder {
    const struct policy_pack *p;
    const struct clause *c;
    struct date on; /* the clause's first day in force */
    size_t n;       /* default inputs */
    char name[VARS_MAX][48], value[VARS_MAX][64];
    struct policy_case *v;
    size_t n_cases, cap;
    enum status st;
    struct err *e;
    struct given trial[VARS_MAX]; /* trial values of params, as calc reads them */
};

/* A base or condition value as an input is written: fen as 元 with two decimals, or a count. */
static void case_number(const struct var *v, int64_t x, char *out, size_t cap)
{
    if (v->type == VT_MONEY)
        snprintf(out, cap, "%" PRId64 ".%02" PRId64, x / 100, x % 100);
    else
        snprintf(out, cap, "%" PRId64, x);
}

static void case_set(char name[][48], char value[][64], size_t *n, const char *var, const char *val)
{
    size_t k = 0;
    while (k < *n && strcmp(name[k], var))
        k++;
    if (k == *n) {
        if (*n == VARS_MAX)
            return;
        snprintf(name[k], sizeof name[k], "%s", var);
        (*n)++;
    }
    snprintf(value[k], sizeof value[k], "%s", val);
}

/* One change to the default inputs: the var set to val, or left out (val NULL). */
struct case_change {
    const char *var, *val;
};

/* Computes one case and keeps it (explain: with its explanation). */
static void case_add(struct case_builder *b, const char *what, const struct case_change *ch,
                     size_t n_ch, int64_t year_awarded, struct date on)
{
    if (b->st != ST_OK)
        return;
    struct policy_case k;
    memset(&k, 0, offsetof(struct policy_case, r));
    snprintf(k.what, sizeof k.what, "%s", what);
    for (size_t i = 0; i < b->n; i++) {
        int dropped = 0;
        for (size_t j = 0; j < n_ch; j++)
            dropped |= !ch[j].val && !strcmp(ch[j].var, b->name[i]);
        if (!dropped)
            case_set(k.name, k.value, &k.n_in, b->name[i], b->value[i]);
    }
    for (size_t j = 0; j < n_ch; j++)
        if (ch[j].val)
            case_set(k.name, k.value, &k.n_in, ch[j].var, ch[j].val);
    k.year_awarded_fen = year_awarded;
    k.on = on;
    struct policy_input in[VARS_MAX];
    for (size_t i = 0; i < k.n_in; i++)
        in[i] = (struct policy_input){k.name[i], k.value[i]};
    struct err why;
    enum status st = calc(b->p, b->c->id, 0, in, k.n_in, on, year_awarded, &k.r, 1, &why);
    if (st == ST_LIMIT)
        return; /* a base too large to compute: that case is left out, not the others */
    if (st != ST_OK) {
        *b->e = why;
        b->st = st;
        return;
    }
    xgrow((void **)&b->v, &b->cap, b->n_cases + 1, sizeof *b->v);
    b->v[b->n_cases++] = k;
}

/* The formula's result (before floor and caps) for base x, or -1 when it cannot be computed. */
static int64_t case_raw(struct case_builder *b, int64_t x)
{
    const struct var *bv = &b->c->vars[b->c->base];
    char name[VARS_MAX][48], value[VARS_MAX][64], num[32];
    size_t n = 0;
    for (size_t i = 0; i < b->n; i++)
        case_set(name, value, &n, b->name[i], b->value[i]);
    case_number(bv, x, num, sizeof num);
    case_set(name, value, &n, bv->name, num);
    struct policy_input in[VARS_MAX];
    for (size_t i = 0; i < n; i++)
        in[i] = (struct policy_input){name[i], value[i]};
    struct policy_result r;
    struct err ignored;
    if (calc(b->p, b->c->id, 0, in, n, b->on, 0, &r, 0, &ignored) != ST_OK || !r.eligible)
        return -1;
    return r.uncapped_fen;
}

/* A base x at which the formula first reaches target, the base one less not reaching it; 0 when
 * no base up to the largest computable does. Found by halving: a threshold of 全额累进, whose
 * amount may fall at a bracket, is one such base, not necessarily the first. */
static int64_t case_reaching(struct case_builder *b, int64_t target)
{
    int64_t lo = 0, hi = 1,
            limit = b->c->vars[b->c->base].type == VT_MONEY ? 100000000000000000 : 1000000000000;
    int64_t r;
    while ((r = case_raw(b, hi)) >= 0 && r < target && hi < limit)
        hi *= 2;
    if (r < target)
        return 0;
    while (hi - lo > 1) {
        int64_t mid = lo + (hi - lo) / 2;
        int64_t m = case_raw(b, mid);
        if (m >= target)
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

/* The case at base x. */
static void case_at(struct case_builder *b, int64_t x, const char *what)
{
    const struct var *bv = &b->c->vars[b->c->base];
    char v[32];
    case_number(bv, x, v, sizeof v);
    case_add(b, what, &(struct case_change){bv->name, v}, 1, 0, b->on);
}

/* Cases at base x - 1 (below: what it is, if that base is above 0) and x. */
static void case_pair(struct case_builder *b, int64_t x, const char *below, const char *at)
{
    if (below && x > 1)
        case_at(b, x - 1, below);
    case_at(b, x, at);
}

/* A value of cd's input that meets it (pass) or just fails it; -1 when there is none. */
static int64_t cond_edge(const struct cond *cd, int pass)
{
    int up = pass ? cd->op == OP_GT : cd->op == OP_LE || cd->op == OP_EQ;
    if (up && cd->value == INT64_MAX)
        return -1;
    switch (cd->op) {
    case OP_GE:
        return pass ? cd->value : cd->value - 1;
    case OP_GT:
        return pass ? cd->value + 1 : cd->value;
    case OP_LE:
        return pass ? cd->value : cd->value + 1;
    case OP_LT:
        return pass ? cd->value - 1 : cd->value;
    default:
        return pass ? cd->value : cd->value + 1;
    }
}

/* The defaults: every required yes/no input 是, every condition met (its own edge value if that
 * meets the others on the same input), the base at a value with an award, and a matter named
 * (an application names its contract). */
static void case_defaults(struct case_builder *b)
{
    const struct clause *c = b->c;
    char v[64];
    for (int k = 0; k < c->n_requires; k++)
        case_set(b->name, b->value, &b->n, c->vars[c->requires[k]].name, "是");
    if (c->group[0])
        case_set(b->name, b->value, &b->n, c->vars[c->group_key].name, "示例-1");
    const struct var *bv = &c->vars[c->base];
    case_number(bv, bv->type == VT_MONEY ? 100000000 : 10, v, sizeof v);
    case_set(b->name, b->value, &b->n, bv->name, v);
    for (int k = 0; k < c->n_conds; k++) {
        const struct cond *cd = &c->conds[k];
        const struct var *cv = &c->vars[cd->var];
        if (cv->type == VT_ENUM) {
            for (int o = 0; o < cv->n_options; o++)
                if ((cd->options >> o) & 1u) {
                    case_set(b->name, b->value, &b->n, cv->name, cv->options[o]);
                    break;
                }
            continue;
        }
        /* the first edge value that meets every condition on the input */
        for (int j = k; j < c->n_conds + k; j++) {
            int64_t x = cond_edge(&c->conds[j % c->n_conds], 1);
            int all = x >= 0;
            for (int q = 0; q < c->n_conds && all; q++)
                if (c->conds[q].var == cd->var)
                    all = cond_holds(&c->conds[q], x);
            if (all && c->conds[j % c->n_conds].var == cd->var) {
                case_number(cv, x, v, sizeof v);
                case_set(b->name, b->value, &b->n, cv->name, v);
                break;
            }
        }
    }
}

static void cases_of_amounts(struct case_builder *b)
{
    const struct clause *c = b->c;
    const struct var *bv = &c->vars[c->base];
    struct err ignored;
    int64_t floor_fen, item, year;
    if (limit_fen(c, &c->floor, b->trial, &floor_fen, &ignored) != ST_OK ||
        limit_fen(c, &c->caps[CAP_ITEM], b->trial, &item, &ignored) != ST_OK ||
        limit_fen(c, &c->caps[CAP_ENTITY_YEAR], b->trial, &year, &ignored) != ST_OK)
        return; /* the unset param is named by the cases that compute */
    char what[256], a[32], v[32];
    /* the one rate of a money base, if it has one (a literal, a trial value, or a param set) */
    const struct rate *rate = NULL;
    if (bv->type == VT_MONEY && c->tiers == TIERS_NONE)
        rate = c->factor < 0                 ? &c->rate
               : b->trial[c->factor].present ? &b->trial[c->factor].rate
               : c->vars[c->factor].set      ? &c->vars[c->factor].rate
                                             : NULL;
    case_add(b, floor_fen > 0 ? "基数为 0：无奖补（保底不适用）" : "基数为 0：无奖补",
             &(struct case_change){bv->name, "0"}, 1, 0, b->on);
    int64_t x;
    if (floor_fen > 0 && (x = case_reaching(b, floor_fen)) > 0) {
        snprintf(what, sizeof what, "公式结果不足保底 %s元：按保底计",
                 money_format(floor_fen, a, sizeof a));
        char at[256];
        snprintf(at, sizeof at, "公式结果刚好达到保底 %s元", a);
        case_pair(b, x, what, at);
    }
    if (item > 0 && (x = case_reaching(b, item)) > 0) {
        snprintf(what, sizeof what, "比%s上限 %s元的临界基数少 1%s", c->caps[CAP_ITEM].label,
                 money_format(item, a, sizeof a), bv->type == VT_MONEY ? "分" : "件");
        char at[256];
        snprintf(at, sizeof at, "刚好达到%s上限 %s元", c->caps[CAP_ITEM].label, a);
        case_pair(b, x, what, at);
        /* the plan's own figure: the base at which rate × base is the cap exactly */
        __int128 base = rate ? (__int128)item * rate->den / rate->num : 0;
        if (rate && (__int128)item * rate->den % rate->num == 0 && base < INT64_MAX) {
            int64_t exact = (int64_t)base;
            if (exact != x) {
                snprintf(what, sizeof what, "方案数字：%s元 × %s = %s上限",
                         money_format(exact, v, sizeof v), rate->text, c->caps[CAP_ITEM].label);
                case_at(b, exact, what);
                case_at(b, exact + 1, "再多 1 分：仍按上限计");
            }
        }
    }
    for (int k = 1; k < c->n_tiers; k++) {
        snprintf(what, sizeof what, "第 %d 档起点 %s元的前 1 分", k + 1,
                 money_format(c->tier_from[k], a, sizeof a));
        char at[256];
        snprintf(at, sizeof at, "第 %d 档起点 %s元（%s）", k + 1, a, c->tier_rate[k].text);
        case_pair(b, c->tier_from[k], what, at);
    }
    /* half a fen (or yuan) rounds up, less rounds down */
    if (rate) {
        int64_t unit = c->rounding == POLICY_ROUND_YUAN ? 100 : 1, g = gcd64(rate->num, rate->den);
        int64_t num = rate->num / g, den = rate->den / g;
        for (int64_t t = 1; t <= 2 * den * unit && t < 10000000; t++)
            if ((__int128)2 * t * num % (2 * den * unit) == den * unit) {
                char below[64];
                snprintf(what, sizeof what, "公式结果恰为半%s：四舍五入进位",
                         unit == 1 ? "分" : "元");
                snprintf(below, sizeof below, "公式结果不足半%s：舍去", unit == 1 ? "分" : "元");
                case_pair(b, t, below, what); /* a base of 0 below is a case of its own */
                break;
            }
    }
    /* the yearly cap: its last unit and the one after (the 20th and 21st patent) */
    if (year > 0) {
        int64_t unit = bv->type == VT_COUNT ? case_raw(b, 1) : 0;
        char ya[32];
        if (unit > 0 && year / unit >= 1) {
            int64_t k = year / unit;
            snprintf(what, sizeof what, "%s上限 %s元：本年度第 %" PRId64 " 件",
                     c->caps[CAP_ENTITY_YEAR].label, money_format(year, ya, sizeof ya), k);
            case_add(b, what, &(struct case_change){bv->name, "1"}, 1, (k - 1) * unit, b->on);
            snprintf(what, sizeof what, "%s上限 %s元：本年度第 %" PRId64 " 件",
                     c->caps[CAP_ENTITY_YEAR].label, ya, k + 1);
            case_add(b, what, &(struct case_change){bv->name, "1"}, 1, k * unit, b->on);
        } else if (bv->type == VT_MONEY) {
            snprintf(what, sizeof what, "%s上限 %s元：本年度已获金额距上限 1 分",
                     c->caps[CAP_ENTITY_YEAR].label, money_format(year, ya, sizeof ya));
            case_add(b, what, NULL, 0, year - 1, b->on);
            snprintf(what, sizeof what, "%s上限 %s元已用尽", c->caps[CAP_ENTITY_YEAR].label, ya);
            case_add(b, what, NULL, 0, year, b->on);
        }
    }
}

static void cases_of_conditions(struct case_builder *b)
{
    const struct clause *c = b->c;
    char what[256], v[64];
    for (int k = 0; k < c->n_requires; k++) {
        const struct var *rv = &c->vars[c->requires[k]];
        snprintf(what, sizeof what, "条件“%s”为否", rv->label);
        case_add(b, what, &(struct case_change){rv->name, "否"}, 1, 0, b->on);
        snprintf(what, sizeof what, "未提供“%s”：按不满足处理", rv->label);
        case_add(b, what, &(struct case_change){rv->name, NULL}, 1, 0, b->on);
    }
    for (int k = 0; k < c->n_conds; k++) {
        const struct cond *cd = &c->conds[k];
        const struct var *cv = &c->vars[cd->var];
        char words[200];
        cond_words(c, cd, words, sizeof words);
        if (cv->type == VT_ENUM) {
            for (int o = 0; o < cv->n_options; o++)
                if (!((cd->options >> o) & 1u)) {
                    snprintf(what, sizeof what, "条件“%.140s”：取 %s（不符合）", words,
                             cv->options[o]);
                    case_add(b, what, &(struct case_change){cv->name, cv->options[o]}, 1, 0, b->on);
                    break;
                }
            continue;
        }
        /* where it holds and where it stops holding; "=" stops on both sides */
        const struct {
            int64_t x;
            int pass;
        } edges[] = {{cond_edge(cd, 1), 1},
                     {cond_edge(cd, 0), 0},
                     {cd->op == OP_EQ ? cd->value - 1 : -1, 0}};
        for (size_t j = 0; j < sizeof edges / sizeof edges[0]; j++) {
            if (edges[j].x < 0)
                continue;
            case_number(cv, edges[j].x, v, sizeof v);
            snprintf(what, sizeof what, "条件“%.140s”的边界：取 %s（%s）", words, v,
                     edges[j].pass ? "符合" : "不符合");
            case_add(b, what, &(struct case_change){cv->name, v}, 1, 0, b->on);
        }
    }
    char d[16];
    struct date before = date_from_days(date_to_days(c->from) - 1);
    date_format(before, d, sizeof d);
    snprintf(what, sizeof what, "施行前一日 %s：不在有效期", d);
    case_add(b, what, NULL, 0, 0, before);
    date_format(c->from, d, sizeof d);
    snprintf(what, sizeof what, "施行当日 %s", d);
    case_add(b, what, NULL, 0, 0, c->from);
    if (!c->open_end) {
        struct date after = date_from_days(date_to_days(c->to) + 1);
        date_format(c->to, d, sizeof d);
        snprintf(what, sizeof what, "有效期最后一日 %s", d);
        case_add(b, what, NULL, 0, 0, c->to);
        date_format(after, d, sizeof d);
        snprintf(what, sizeof what, "有效期后一日 %s：不在有效期", d);
        case_add(b, what, NULL, 0, 0, after);
    }
}

enum status policy_clause_cases(const struct policy_pack *p, size_t i,
                                const struct policy_input *trial, size_t n_trial,
                                struct policy_case **out, size_t *n, struct err *e)
{
    struct case_builder b = {
        .p = p, .c = &p->clauses[i], .on = p->clauses[i].from, .st = ST_OK, .e = e};
    *out = NULL;
    *n = 0;
    /* trial values of the clause's params, checked as calc checks them, in every case */
    for (size_t k = 0; k < n_trial; k++) {
        int v = find_var(b.c, trial[k].name, strlen(trial[k].name));
        if (v < 0 || !b.c->vars[v].is_param)
            return err_set(e, ST_INVALID, trial[k].name,
                           "“%s”不是条款 %s 的参数：边界情形只能试设参数 (not a param)",
                           trial[k].name, b.c->id);
    }
    enum status st = parse_inputs(b.c, trial, n_trial, b.trial, e);
    for (int k = 0; st == ST_OK && k < b.c->n_bounds; k++)
        if (b.trial[b.c->bounds[k].var].present)
            st =
                check_bound(NULL, b.c, &b.c->bounds[k], &b.trial[b.c->bounds[k].var].rate, 0, 0, e);
    if (st != ST_OK)
        return st;
    for (size_t k = 0; k < n_trial; k++)
        case_set(b.name, b.value, &b.n, trial[k].name, trial[k].value);
    case_defaults(&b);
    case_add(&b, "各项条件均满足（基准情形）", NULL, 0, 0, b.on);
    cases_of_amounts(&b);
    cases_of_conditions(&b);
    if (b.st != ST_OK) {
        policy_cases_free(b.v, b.n_cases);
        return b.st;
    }
    *out = b.v;
    *n = b.n_cases;
    return ST_OK;
}

json_t *policy_case_json(const struct policy_pack *p, size_t i, const struct policy_case *k)
{
    json_t *in = json_object();
    for (size_t j = 0; j < k->n_in; j++)
        json_object_set_new(in, k->name[j], json_string(k->value[j]));
    char on[16];
    date_format(k->on, on, sizeof on);
    return json_pack("{s:s, s:s, s:o, s:I, s:s, s:b, s:I, s:I, s:o, s:b, s:s}", "clause",
                     p->clauses[i].id, "what", k->what, "inputs", in, "year_awarded_fen",
                     (json_int_t)k->year_awarded_fen, "on", on, "eligible", k->r.eligible,
                     "amount_fen", (json_int_t)k->r.amount_fen, "uncapped_fen",
                     (json_int_t)k->r.uncapped_fen, "capped_by",
                     k->r.capped_by ? json_string(k->r.capped_by) : json_null(), "floored",
                     k->r.floored, "explanation", k->r.explanation);
}

void policy_case_inputs(const struct policy_case *c, char *in, size_t cap)
{
    char day[16];
    struct text_out t = {in, cap, 0};
    in[0] = '\0';
    for (size_t j = 0; j < c->n_in; j++)
        appendf(&t, "%s%s=%s", j ? " " : "", c->name[j], c->value[j]);
    if (c->year_awarded_fen)
        appendf(&t, " year_awarded=%" PRId64 ".%02" PRId64, c->year_awarded_fen / 100,
                c->year_awarded_fen % 100);
    date_format(c->on, day, sizeof day);
    appendf(&t, " --on %s", day);
}

const char *policy_case_note(const struct policy_case *c)
{
    return !c->r.in_force   ? "不在有效期"
           : !c->r.eligible ? "不符合"
           : c->r.capped_by ? (strcmp(c->r.capped_by, "item") ? "受每年上限" : "受每项上限")
           : c->r.floored   ? "按保底计"
                            : "";
}

void policy_cases_free(struct policy_case *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        policy_result_cleanup(&v[i].r);
    free(v);
}

/* ---------------------------------------------------------------- comparing versions */

/* A pack text as lines: the clause blocks are read from them by line number. */
struct lines {
    char **v;
    size_t n;
};

/* Each line with its runs of spaces made one and its ends trimmed, so that realigning a pack's
 * columns is not a change. */
static void split_lines(const char *text, size_t len, struct lines *out)
{
    out->v = NULL;
    out->n = 0;
    size_t cap = 0;
    const char *s = text, *end = text + len;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *e = nl ? nl : end;
        char *line = xmalloc((size_t)(e - s) + 1);
        size_t k = 0;
        for (const char *c = s; c < e; c++) {
            int space = *c == ' ' || *c == '\t' || *c == '\r';
            if (space && (k == 0 || line[k - 1] == ' '))
                continue;
            line[k++] = space ? ' ' : *c;
        }
        while (k && line[k - 1] == ' ')
            k--;
        line[k] = '\0';
        if (out->n == cap) {
            cap = cap ? cap * 2 : 256;
            out->v = xrealloc(out->v, cap * sizeof *out->v);
        }
        out->v[out->n++] = line;
        s = nl ? nl + 1 : end;
    }
}

static void lines_free(struct lines *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
}

/* The meaningful lines of clause c (between "clause" and "end"; no blanks, no comments). */
static size_t clause_lines(const struct lines *l, const struct clause *c, const char **out,
                           size_t cap)
{
    size_t n = 0;
    for (int i = c->line; i < c->end_line - 1 && (size_t)i < l->n && n < cap; i++)
        if (l->v[i][0] && l->v[i][0] != '#')
            out[n++] = l->v[i];
    return n;
}

#define DIFF_LINES_MAX 128

/* A line diff of two short blocks by their longest common subsequence: "- " lines of a, "+ "
 * lines of b, in order. */
static char *diff_blocks(const char **a, size_t na, const char **b, size_t nb)
{
    uint16_t(*lcs)[DIFF_LINES_MAX + 1] = xcalloc(DIFF_LINES_MAX + 1, sizeof *lcs);
    for (size_t i = na; i-- > 0;)
        for (size_t j = nb; j-- > 0;)
            lcs[i][j] = !strcmp(a[i], b[j])             ? (uint16_t)(lcs[i + 1][j + 1] + 1)
                        : lcs[i + 1][j] > lcs[i][j + 1] ? lcs[i + 1][j]
                                                        : lcs[i][j + 1];
    struct buf out;
    buf_init(&out, 0);
    size_t i = 0, j = 0;
    enum status st = ST_OK;
    while ((i < na || j < nb) && st == ST_OK) {
        if (i < na && j < nb && !strcmp(a[i], b[j])) {
            i++;
            j++;
        } else if (i < na && (j == nb || lcs[i + 1][j] >= lcs[i][j + 1])) {
            st = buf_printf(&out, "- %s\n", a[i++]);
        } else {
            st = buf_printf(&out, "+ %s\n", b[j++]);
        }
    }
    free(lcs);
    return buf_detach(&out);
}

enum status policy_pack_diff(const char *old_text, size_t old_len, const char *old_name,
                             const char *new_text, size_t new_len, const char *new_name,
                             struct policy_clause_diff **out, size_t *n, struct err *e)
{
    *out = NULL;
    *n = 0;
    struct policy_pack *a = NULL, *b = NULL;
    enum status st = policy_pack_load(old_text, old_len, old_name, &a, e);
    if (st == ST_OK)
        st = policy_pack_load(new_text, new_len, new_name, &b, e);
    if (st != ST_OK) {
        policy_pack_free(a);
        return st;
    }
    struct lines la, lb;
    split_lines(old_text, old_len, &la);
    split_lines(new_text, new_len, &lb);
    struct policy_clause_diff *v = xcalloc(a->n + b->n + 1, sizeof *v);
    size_t k = 0;
    const char *x[DIFF_LINES_MAX], *y[DIFF_LINES_MAX];
    /* The new pack's clauses in its order, then those it dropped. */
    for (size_t i = 0; i < b->n; i++) {
        const struct clause *nc = &b->clauses[i];
        int oi = policy_clause_index(a, nc->id);
        struct policy_clause_diff *d = &v[k++];
        snprintf(d->id, sizeof d->id, "%s", nc->id);
        snprintf(d->title, sizeof d->title, "%s", nc->title);
        size_t ny = clause_lines(&lb, nc, y, DIFF_LINES_MAX);
        if (oi < 0) {
            d->change = POLICY_ADDED;
            d->lines = diff_blocks(x, 0, y, ny);
            continue;
        }
        size_t nx = clause_lines(&la, &a->clauses[oi], x, DIFF_LINES_MAX);
        int same = nx == ny;
        for (size_t j = 0; same && j < nx; j++)
            same = !strcmp(x[j], y[j]);
        d->change = same ? POLICY_SAME : POLICY_CHANGED;
        d->lines = same ? NULL : diff_blocks(x, nx, y, ny);
    }
    for (size_t i = 0; i < a->n; i++) {
        if (policy_clause_index(b, a->clauses[i].id) >= 0)
            continue;
        struct policy_clause_diff *d = &v[k++];
        snprintf(d->id, sizeof d->id, "%s", a->clauses[i].id);
        snprintf(d->title, sizeof d->title, "%s", a->clauses[i].title);
        d->change = POLICY_REMOVED;
        size_t nx = clause_lines(&la, &a->clauses[i], x, DIFF_LINES_MAX);
        d->lines = diff_blocks(x, nx, y, 0);
    }
    lines_free(&la);
    lines_free(&lb);
    policy_pack_free(a);
    policy_pack_free(b);
    *out = v;
    *n = k;
    return ST_OK;
}

void policy_diffs_free(struct policy_clause_diff *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i].lines);
    free(v);
}
