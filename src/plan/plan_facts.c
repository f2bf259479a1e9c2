/* Deadlines (2020年底前, 6月底前, 完成时限：…, 力争通过三年努力) and figures (万元/亿元 amounts,
 * percentages, counts) found in a range of the source, each with its character span. */
#include <stdio.h>
#include <string.h>

#include "base/money.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "plan/plan_int.h"

#define CH_YEAR 0x5E74  /* 年 */
#define CH_MONTH 0x6708 /* 月 */
#define CH_DAY 0x65E5   /* 日 */
#define CH_HAO 0x53F7   /* 号 */

/* Reads 1..max ASCII digits at i; returns the count (0 if none) and the value. */
static uint32_t digits_at(const struct plan *p, uint32_t i, uint32_t end, uint32_t max, int *v)
{
    uint32_t k = 0;
    int val = 0;
    while (i + k < end && k < max && plan_is_digit(p->f[i + k])) {
        val = val * 10 + (int)(p->f[i + k] - '0');
        k++;
    }
    if (k == 0 || (i + k < end && plan_is_digit(p->f[i + k])))
        return 0;
    *v = val;
    return k;
}

/* A small number written with digits or Chinese numerals. */
static uint32_t small_number_at(const struct plan *p, uint32_t i, uint32_t end, int *v)
{
    uint32_t k = digits_at(p, i, end, 2, v);
    if (k)
        return k;
    return plan_cn_number(p, i, end, v);
}

/* Four-digit year in digits or Chinese numerals (二〇二〇). */
static uint32_t year_at(const struct plan *p, uint32_t i, uint32_t end, int *y)
{
    uint32_t k = digits_at(p, i, end, 4, y);
    if (k == 4)
        return 4;
    if (i + 4 <= end) {
        int val = 0;
        for (uint32_t j = 0; j < 4; j++) {
            int d = plan_cn_digit(p->f[i + j]);
            if (d < 0)
                return 0;
            val = val * 10 + d;
        }
        *y = val;
        return 4;
    }
    return 0;
}

uint32_t plan_parse_date_at(const struct plan *p, uint32_t i, uint32_t end, struct date *out)
{
    int y, m, d;
    uint32_t j = i, k;
    if (!(k = year_at(p, j, end, &y)) || (i > 0 && plan_is_digit(p->f[i - 1])))
        return 0;
    j += k;
    if (j < end && (p->f[j] == '-' || p->f[j] == '.' || p->f[j] == '/')) {
        uint32_t sep = p->f[j];
        if (!(k = digits_at(p, j + 1, end, 2, &m)))
            return 0;
        j += 1 + k;
        if (j >= end || p->f[j] != sep || !(k = digits_at(p, j + 1, end, 2, &d)))
            return 0;
        j += 1 + k;
    } else {
        if (j >= end || p->f[j] != CH_YEAR)
            return 0;
        j++;
        if (!(k = small_number_at(p, j, end, &m)) || j + k >= end || p->f[j + k] != CH_MONTH)
            return 0;
        j += k + 1;
        if (!(k = small_number_at(p, j, end, &d)) || j + k >= end ||
            (p->f[j + k] != CH_DAY && p->f[j + k] != CH_HAO))
            return 0;
        j += k + 1;
    }
    if (!date_valid(y, m, d))
        return 0;
    *out = (struct date){y, m, d};
    return j - i;
}

/* ---------------------------------------------------------------- deadlines */

static const char *const completion_words[] = {"前",   "之前", "以前", "完成", "实现", "建成",
                                               "全面", "基本", "达到", "取得", "形成", "落实",
                                               "到位", "投用", "投产", "开工", "竣工", NULL};

static int any_word_at(const struct plan *p, uint32_t i, uint32_t end, const char *const *w,
                       uint32_t *len)
{
    for (; *w; w++)
        if (plan_match(p, i, end, *w)) {
            *len = (uint32_t)utf8_count(*w, strlen(*w));
            return 1;
        }
    return 0;
}

static struct plan_deadline *make_deadline(struct plan *p, uint32_t s, uint32_t e, struct date dt,
                                           int ongoing)
{
    struct plan_deadline *d = arena_alloc(p->arena, sizeof *d);
    d->span = (struct plan_span){s, e};
    d->text = plan_sub(p, s, e);
    d->ongoing = ongoing;
    if (!ongoing) {
        char iso[16];
        date_format(dt, iso, sizeof iso);
        d->date = arena_strdup(p->arena, iso);
    }
    return d;
}

/* Tries the absolute and relative deadline forms at i. relaxed: a bare date counts (inside a
 * 完成时限 value). Returns the deadline or NULL. */
static struct plan_deadline *deadline_at(struct plan *p, uint32_t i, uint32_t end, int relaxed)
{
    const uint32_t *f = p->f;
    if (i > 0 && (plan_is_digit(f[i - 1]) || f[i - 1] == '.'))
        return NULL;
    int base_year = p->has_signed ? p->signed_date.y : 0;
    int y = 0, m = 0, d = 0, strong = 0, explicit_year = 0;
    uint32_t j = i, k;
    int v;

    /* Relative: 力争通过三年努力, 用两年时间, 三年内. */
    {
        uint32_t r = i;
        int lead = 0;
        static const char *const leads[] = {"力争", "争取", "通过", "经过", "用", NULL};
        for (int round = 0; round < 2; round++)
            if (any_word_at(p, r, end, leads, &k))
                r += k, lead = 1;
        if ((k = small_number_at(p, r, end, &v)) && v > 0 && v <= 20) {
            uint32_t q = r + k;
            int months = 0;
            if (q < end && f[q] == CH_YEAR)
                q++;
            else if (plan_match(p, q, end, "个月"))
                q += 2, months = 1;
            else
                q = 0;
            if (q) {
                static const char *const tails[] = {"努力", "时间", "内", "左右", NULL};
                uint32_t tl;
                if (any_word_at(p, q, end, tails, &tl) && (lead || f[q] == 0x5185 /* 内 */) &&
                    p->has_signed) {
                    struct date dt = p->signed_date;
                    if (months) {
                        long mm = dt.m - 1 + v;
                        dt.y += (int)(mm / 12);
                        dt.m = (int)(mm % 12) + 1;
                        if (dt.d > date_days_in_month(dt.y, dt.m))
                            dt.d = date_days_in_month(dt.y, dt.m);
                    } else {
                        dt = date_add_years(dt, v);
                    }
                    return make_deadline(p, i, q + tl, dt, 0);
                }
            }
        }
    }

    /* Absolute: [YYYY年][年底|年内|上半年|M月[底|D日]] + 前/完成/… */
    if ((k = digits_at(p, j, end, 4, &v)) == 4 && j + 4 < end && f[j + 4] == CH_YEAR) {
        y = v, j += 5, explicit_year = 1;
        if (j < end && f[j] == CH_YEAR) /* 2020年年底 */
            j++;
    } else if (plan_match(p, j, end, "今年") || plan_match(p, j, end, "本年")) {
        y = base_year, j += 2;
        if (j < end && f[j] == 0x5EA6) /* 度 */
            j++;
    }
    if (plan_match(p, j, end, "年底") || plan_match(p, j, end, "年末")) {
        if (!y)
            y = base_year;
        m = 12, d = 31, j += 2, strong = 1;
    } else if (plan_match(p, j, end, "年内")) {
        if (!y)
            y = base_year;
        m = 12, d = 31, j += 2, strong = 1;
    } else if (y && j < end &&
               (f[j] == 0x5E95 /* 底 */ || f[j] == 0x672B /* 末 */ || f[j] == 0x5185 /* 内 */)) {
        m = 12, d = 31, j += 1, strong = 1;
    } else if (plan_match(p, j, end, "上半年")) {
        if (!y)
            y = base_year;
        m = 6, d = 30, j += 3;
    } else if (plan_match(p, j, end, "下半年")) {
        if (!y)
            y = base_year;
        m = 12, d = 31, j += 3;
    } else if ((k = small_number_at(p, j, end, &v)) && v >= 1 && v <= 12 && j + k < end &&
               f[j + k] == CH_MONTH && (y || j == i)) {
        if (!y) {
            if (i > 0 && f[i - 1] == CH_YEAR)
                return NULL;
            y = base_year;
            if (p->has_signed && v < p->signed_date.m)
                y++; /* 2月底前 in a plan signed in March means next February */
        }
        m = v, j += k + 1;
        if (j < end && (f[j] == 0x5E95 || f[j] == 0x672B)) { /* 底, 末 */
            d = y ? date_days_in_month(y, m) : 0, j++, strong = 1;
        } else if ((k = small_number_at(p, j, end, &v)) && j + k < end &&
                   (f[j + k] == CH_DAY || f[j + k] == CH_HAO)) {
            d = v, j += k + 1;
        } else {
            d = y ? date_days_in_month(y, m) : 0;
        }
    } else if (y) {
        m = 12, d = 31;
    } else {
        return NULL;
    }
    if (y && !date_valid(y, m, d))
        return NULL;
    uint32_t tl = 0;
    int keyword = any_word_at(p, j, end, completion_words, &tl);
    int lead_word = i > 0 && (f[i - 1] == 0x5230 /* 到 */ || f[i - 1] == 0x81F3 /* 至 */ ||
                              (i > 1 && plan_match(p, i - 2, end, "力争")) ||
                              (i > 1 && plan_match(p, i - 2, end, "争取")) ||
                              (i > 1 && plan_match(p, i - 2, end, "确保")));
    if (!relaxed && !keyword && !strong && !lead_word)
        return NULL;
    if (!relaxed && !keyword && !lead_word && strong && !explicit_year && j - i <= 2)
        return NULL; /* a bare 年底 with nothing around it is not a deadline */
    if (!relaxed && explicit_year && p->has_signed && y < p->signed_date.y)
        return NULL; /* history, not a deadline: 在2017年改革基础上 */
    uint32_t stop = j;
    if (keyword && (plan_match(p, j, end, "前") || plan_match(p, j, end, "之前") ||
                    plan_match(p, j, end, "以前")))
        stop = j + tl;
    if (!y) {
        /* 年底前 in a plan without a date: the words are kept, the date stays unknown. */
        struct plan_deadline *u = make_deadline(p, i, stop, (struct date){0, 0, 0}, 1);
        u->ongoing = 0;
        return u;
    }
    return make_deadline(p, i, stop, (struct date){y, m, d}, 0);
}

const struct plan_deadline *plan_find_deadline(struct plan *p, uint32_t start, uint32_t end,
                                               int relaxed)
{
    for (uint32_t i = start; i < end; i++) {
        uint32_t c = p->f[i];
        /* Cheap filter: every form starts with a number followed by 年/月/个, or one of a few
         * characters that begin a word of time (今年, 上半年, 力争, 用…). */
        if (plan_is_digit(c) || plan_cn_digit(c) >= 0 || c == 0x5341 /* 十 */) {
            if (i > 0 && (plan_is_digit(p->f[i - 1]) || plan_cn_digit(p->f[i - 1]) >= 0))
                continue;
            uint32_t k = i;
            while (k < end && k - i < 4 &&
                   (plan_is_digit(p->f[k]) || plan_cn_digit(p->f[k]) >= 0 || p->f[k] == 0x5341))
                k++;
            if (k >= end || (p->f[k] != CH_YEAR && p->f[k] != CH_MONTH && p->f[k] != 0x4E2A))
                continue;
        } else if (c != 0x4ECA /* 今 */ && c != 0x672C /* 本 */ && c != 0x5E74 /* 年 */ &&
                   c != 0x4E0A /* 上 */ && c != 0x4E0B /* 下 */ && c != 0x529B /* 力 */ &&
                   c != 0x4E89 /* 争 */ && c != 0x7528 /* 用 */ && c != 0x901A /* 通 */ &&
                   c != 0x7ECF /* 经 */) {
            continue;
        }
        struct plan_deadline *d = deadline_at(p, i, end, relaxed);
        if (d)
            return d;
    }
    return NULL;
}

const struct plan_deadline *plan_parse_deadline_value(struct plan *p, uint32_t start, uint32_t end)
{
    while (start < end && (plan_is_space(p->f[start]) || p->f[start] == ':'))
        start++;
    while (end > start && (plan_is_space(p->f[end - 1]) || p->f[end - 1] == ';' ||
                           p->f[end - 1] == ',' || p->f[end - 1] == 0x3002 || p->f[end - 1] == ')'))
        end--;
    if (start >= end)
        return NULL;
    static const char *const ongoing[] = {"长期", "持续", "常态", "经常", "每年", NULL};
    for (uint32_t i = start; i < end; i++) {
        uint32_t k;
        if (any_word_at(p, i, end, ongoing, &k))
            return make_deadline(p, start, end, (struct date){0, 0, 0}, 1);
    }
    const struct plan_deadline *d = plan_find_deadline(p, start, end, 1);
    if (d) {
        /* Cite the whole value: 2020年12月底前完成. */
        struct plan_deadline *w = arena_alloc(p->arena, sizeof *w);
        *w = *d;
        w->span = (struct plan_span){start, end};
        w->text = plan_sub(p, start, end);
        return w;
    }
    return NULL;
}

/* ---------------------------------------------------------------- figures */

struct unit {
    const char *text;
    enum plan_figure_kind kind;
    int64_t yuan; /* money: yuan per unit */
};

/* Longest first among units sharing a prefix. */
static const struct unit units[] = {
    {"万亿元", PLAN_FIG_MONEY, 1000000000000LL},
    {"亿元", PLAN_FIG_MONEY, 100000000},
    {"万元", PLAN_FIG_MONEY, 10000},
    {"千元", PLAN_FIG_MONEY, 1000},
    {"元", PLAN_FIG_MONEY, 1},
    {"%", PLAN_FIG_PERCENT, 0},
    {"个百分点", PLAN_FIG_PERCENT, 0},
    {"平方公里", PLAN_FIG_COUNT, 0},
    {"平方米", PLAN_FIG_COUNT, 0},
    {"万平方米", PLAN_FIG_COUNT, 0},
    {"万亩", PLAN_FIG_COUNT, 0},
    {"万人", PLAN_FIG_COUNT, 0},
    {"万户", PLAN_FIG_COUNT, 0},
    {"万吨", PLAN_FIG_COUNT, 0},
    {"公里", PLAN_FIG_COUNT, 0},
    {"千瓦", PLAN_FIG_COUNT, 0},
    {"兆瓦", PLAN_FIG_COUNT, 0},
    {"亩", PLAN_FIG_COUNT, 0},
    {"个", PLAN_FIG_COUNT, 0},
    {"项", PLAN_FIG_COUNT, 0},
    {"家", PLAN_FIG_COUNT, 0},
    {"件", PLAN_FIG_COUNT, 0},
    {"所", PLAN_FIG_COUNT, 0},
    {"名", PLAN_FIG_COUNT, 0},
    {"人", PLAN_FIG_COUNT, 0},
    {"户", PLAN_FIG_COUNT, 0},
    {"次", PLAN_FIG_COUNT, 0},
    {"条", PLAN_FIG_COUNT, 0},
    {"批", PLAN_FIG_COUNT, 0},
    {"座", PLAN_FIG_COUNT, 0},
    {"台", PLAN_FIG_COUNT, 0},
    {"套", PLAN_FIG_COUNT, 0},
    {"处", PLAN_FIG_COUNT, 0},
    {"栋", PLAN_FIG_COUNT, 0},
    {"吨", PLAN_FIG_COUNT, 0},
    {"种", PLAN_FIG_COUNT, 0},
    {"类", PLAN_FIG_COUNT, 0},
    {"支", PLAN_FIG_COUNT, 0},
    {"位", PLAN_FIG_COUNT, 0},
    {"场", PLAN_FIG_COUNT, 0},
    {"期", PLAN_FIG_COUNT, 0},
};

static const char *const at_most_words[] = {"最高不超过", "最高不高于", "最多不超过", "不超过",
                                            "不高于",     "最高",       "最多",       "上限",
                                            "封顶",       NULL};
static const char *const at_least_words[] = {"不低于", "不少于", "至少", "最低", NULL};

/* Looks back from i to the start of the clause for a bound word. */
static const char *bound_before(const struct plan *p, uint32_t start, uint32_t i)
{
    uint32_t a = i;
    while (a > start && i - a < 24) {
        uint32_t c = p->f[a - 1];
        if (c == ',' || c == 0x3002 || c == ';' || c == 0x3001 || c == '\n' || c == ':')
            break;
        a--;
    }
    const char *found = NULL;
    uint32_t best = 0;
    for (uint32_t j = a; j < i; j++) {
        uint32_t k, c = p->f[j];
        /* Every bound word starts with 最, 不, 上, 封 or 至. */
        if (c != 0x6700 && c != 0x4E0D && c != 0x4E0A && c != 0x5C01 && c != 0x81F3)
            continue;
        if (any_word_at(p, j, i, at_most_words, &k) && j >= best)
            found = "at_most", best = j;
        if (any_word_at(p, j, i, at_least_words, &k) && j >= best)
            found = "at_least", best = j;
    }
    return found;
}

void plan_find_figures(struct plan *p, uint32_t start, uint32_t end, int measure,
                       struct plan_figure **out, size_t *n, size_t *cap)
{
    const uint32_t *f = p->f;
    for (uint32_t i = start; i < end; i++) {
        if (!plan_is_digit(f[i]))
            continue;
        if (i > 0 && (plan_is_digit(f[i - 1]) || f[i - 1] == '.' || f[i - 1] == '+' ||
                      (f[i - 1] < 0x80 && ((f[i - 1] | 0x20) >= 'a' && (f[i - 1] | 0x20) <= 'z')) ||
                      f[i - 1] == 0x3014 /* 〔 */ || f[i - 1] == '[' || f[i - 1] == '-')) {
            while (i < end && (plan_is_digit(f[i]) || f[i] == '.'))
                i++;
            continue;
        }
        uint32_t j = i;
        int dot = 0;
        while (j < end && (plan_is_digit(f[j]) ||
                           (f[j] == ',' && j + 3 < end && plan_is_digit(f[j + 1]) &&
                            plan_is_digit(f[j + 2]) && plan_is_digit(f[j + 3])) ||
                           (f[j] == '.' && !dot && j + 1 < end && plan_is_digit(f[j + 1])))) {
            if (f[j] == '.')
                dot = 1;
            j++;
        }
        uint32_t num_end = j;
        if (j < end &&
            (f[j] == '+' || f[j] == '-' || f[j] == CH_YEAR || f[j] == CH_MONTH || f[j] == CH_DAY ||
             f[j] == CH_HAO || f[j] == 0x3015 /* 〕 */ || f[j] == ']' || f[j] == 0x5F3A /* 强 */)) {
            i = num_end - 1;
            continue;
        }
        int approx = 0;
        if (j < end && (f[j] == 0x591A /* 多 */ || f[j] == 0x4F59 /* 余 */))
            approx = 1, j++;
        const struct unit *u = NULL;
        uint32_t ulen = 0;
        for (size_t k = 0; k < sizeof units / sizeof units[0]; k++) {
            if (plan_match(p, j, end, units[k].text)) {
                u = &units[k];
                ulen = (uint32_t)utf8_count(units[k].text, strlen(units[k].text));
                break;
            }
        }
        if (!u || (approx && u->kind == PLAN_FIG_PERCENT)) {
            i = num_end - 1;
            continue;
        }
        uint32_t fig_end = j + ulen;
        if (fig_end < end && plan_match(p, fig_end, end, "以上"))
            approx = approx ? approx : 0;
        struct plan_figure fig = {0};
        fig.kind = u->kind;
        fig.text = plan_sub(p, i, fig_end);
        /* The number in ASCII, from the folded text: １．５ reads as 1.5; no separators. */
        char *value = arena_alloc(p->arena, num_end - i + 1);
        size_t vlen = 0;
        for (uint32_t q = i; q < num_end; q++)
            if (f[q] != ',')
                value[vlen++] = (char)f[q];
        value[vlen] = '\0';
        fig.value = value;
        fig.unit = arena_strdup(p->arena, u->text);
        fig.approx = approx;
        fig.measure = measure;
        fig.span = (struct plan_span){i, fig_end};
        fig.bound = bound_before(p, start, i);
        if (!fig.bound && fig_end < end &&
            (plan_match(p, fig_end, end, "以内") || plan_match(p, fig_end, end, "以下")))
            fig.bound = "at_most";
        if (!fig.bound && fig_end < end && plan_match(p, fig_end, end, "以上"))
            fig.bound = "at_least";
        if (u->kind == PLAN_FIG_MONEY) {
            int64_t fen;
            if (money_parse_fen(value, strlen(value), u->yuan, &fen) != ST_OK) {
                i = fig_end - 1;
                continue;
            }
            fig.fen = fen;
        } else if (u->kind == PLAN_FIG_PERCENT && strcmp(u->text, "%") == 0) {
            int64_t bp;
            /* Basis points are fen with a unit of one percent: 5% -> 500. */
            if (money_parse_fen(value, strlen(value), 1, &bp) == ST_OK)
                fig.bp = bp;
        }
        xgrow((void **)out, cap, *n + 1, sizeof **out);
        (*out)[(*n)++] = fig;
        i = fig_end - 1;
    }
}
