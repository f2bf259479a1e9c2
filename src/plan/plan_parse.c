/* The plan parser: header fields, the heading hierarchy, measures, responsibilities, deadlines,
 * figures and tasks. Works on the folded code-point array so that （ and (, ： and : read alike,
 * while every extracted string comes from the text as written. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/hash.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "dept/dept.h"
#include "plan/plan_int.h"

#define CH_DUN 0x3001 /* 、 */
#define CH_JU 0x3002  /* 。 */
#define CH_SHI 0x662F /* 是 */
#define CH_DI 0x7B2C  /* 第 */
#define MAX_DEPTH 12

enum mtype { M_CN, M_CNP, M_AR, M_ARP, M_CIRC };

struct marker {
    int type, num;
    uint32_t start, end;
};

/* Build-time data per item, parallel to p->items. */
struct item_build {
    uint32_t mstart, mend, end; /* marker start and end, end of own content */
    int table;                  /* row of a task table: cells below */
    uint32_t cells[8][2];
    int cell_role[8];
    int n_cells;
};

struct builder {
    struct plan *p;
    struct item_build *ib;
    size_t ib_cap;
    uint32_t body_start, doc_end;
    unsigned char *line_kind; /* per line: 0 text, 1 table header, 2 table row */
    int (*line_roles)[8];     /* table header roles, for the rows that follow */
    uint32_t restart_at;      /* where the plan starts after a numbered cover letter, or 0 */
};

enum { LINE_TEXT, LINE_TABLE_HEAD, LINE_TABLE_ROW };
enum { COL_NONE, COL_SEQ, COL_TASK, COL_MEASURE, COL_LEAD, COL_CO, COL_RESP, COL_DEADLINE };

static const char *const cn_numerals[] = {"〇", "一", "二", "三", "四", "五",
                                          "六", "七", "八", "九", "十"};

static void cn_format(int v, char *out, size_t outlen)
{
    if (v <= 10)
        snprintf(out, outlen, "%s", cn_numerals[v]);
    else if (v < 20)
        snprintf(out, outlen, "十%s", cn_numerals[v - 10]);
    else if (v % 10 == 0)
        snprintf(out, outlen, "%s十", cn_numerals[v / 10]);
    else
        snprintf(out, outlen, "%s十%s", cn_numerals[v / 10], cn_numerals[v % 10]);
}

static void marker_format(const struct marker *m, char *out, size_t outlen)
{
    char cn[24];
    switch (m->type) {
    case M_CN:
        cn_format(m->num, out, outlen);
        break;
    case M_CNP:
        cn_format(m->num, cn, sizeof cn);
        snprintf(out, outlen, "(%s)", cn);
        break;
    case M_AR:
        snprintf(out, outlen, "%d", m->num);
        break;
    case M_ARP:
        snprintf(out, outlen, "(%d)", m->num);
        break;
    default: {
        char u8[5] = {0};
        utf8_encode(0x2460u + (uint32_t)m->num - 1, u8);
        snprintf(out, outlen, "%s", u8);
    }
    }
}

static uint32_t arabic_at(const struct plan *p, uint32_t i, uint32_t end, int *v)
{
    uint32_t k = 0;
    int val = 0;
    while (i + k < end && k < 3 && plan_is_digit(p->f[i + k])) {
        val = val * 10 + (int)(p->f[i + k] - '0');
        k++;
    }
    if (k == 0 || (i + k < end && plan_is_digit(p->f[i + k])) || val == 0)
        return 0;
    *v = val;
    return k;
}

/* Recognises a heading marker at i: 一、 （一） 1. 1、 （1） ①. */
static int match_marker(const struct plan *p, uint32_t i, uint32_t end, struct marker *m)
{
    const uint32_t *f = p->f;
    uint32_t k;
    int v;
    if (i > 0 && (plan_is_digit(f[i - 1]) || plan_cn_digit(f[i - 1]) >= 0 || f[i - 1] == '.'))
        return 0;
    if (f[i] == '(') {
        if ((k = plan_cn_number(p, i + 1, end, &v)) && i + 1 + k < end && f[i + 1 + k] == ')') {
            *m = (struct marker){M_CNP, v, i, i + 2 + k};
            return 1;
        }
        if ((k = arabic_at(p, i + 1, end, &v)) && i + 1 + k < end && f[i + 1 + k] == ')') {
            *m = (struct marker){M_ARP, v, i, i + 2 + k};
            return 1;
        }
        return 0;
    }
    if (f[i] >= 0x2460 && f[i] <= 0x2473) {
        *m = (struct marker){M_CIRC, (int)(f[i] - 0x2460) + 1, i, i + 1};
        return 1;
    }
    if ((k = plan_cn_number(p, i, end, &v)) && i + k < end && (f[i + k] == CH_DUN)) {
        uint32_t j = i + k + 1;
        int w;
        /* 一、二、三等奖 is a list of numbers, not a heading. */
        if (j < end && plan_cn_number(p, j, end, &w) && j + 1 < end &&
            (f[j + 1] == CH_DUN || f[j + 1] == 0x7B49 /* 等 */))
            return 0;
        *m = (struct marker){M_CN, v, i, j};
        return 1;
    }
    if ((k = arabic_at(p, i, end, &v)) && i + k < end && (f[i + k] == '.' || f[i + k] == CH_DUN)) {
        uint32_t j = i + k + 1;
        if (j < end && (plan_is_digit(f[j]) || f[j] == '%'))
            return 0;
        if (j + 1 < end && f[j] == ' ' && plan_is_digit(f[j + 1]))
            return 0;
        *m = (struct marker){M_AR, v, i, j};
        return 1;
    }
    return 0;
}

static int is_sentence_end(uint32_t c)
{
    return c == CH_JU || c == '!' || c == '?' || c == ';';
}

/* ---------------------------------------------------------------- tables */

static int split_cells(const struct plan *p, uint32_t a, uint32_t b, uint32_t cells[][2], int max)
{
    int n = 0;
    uint32_t s = a;
    for (uint32_t i = a; i <= b; i++) {
        int sep = 0;
        if (i == b) {
            sep = 1;
        } else if (p->f[i] == '\t' || p->f[i] == '|') {
            sep = 1;
        } else if (p->f[i] == ' ' && i + 1 < b && p->f[i + 1] == ' ') {
            sep = 1;
        }
        if (!sep)
            continue;
        uint32_t cs = s, ce = i;
        while (cs < ce && plan_is_space(p->f[cs]))
            cs++;
        while (ce > cs && plan_is_space(p->f[ce - 1]))
            ce--;
        if (ce > cs) {
            if (n == max)
                return max + 1;
            cells[n][0] = cs, cells[n][1] = ce;
            n++;
        }
        while (i + 1 < b && (p->f[i + 1] == ' ' || p->f[i + 1] == '\t' || p->f[i + 1] == '|'))
            i++;
        s = i + 1;
    }
    return n;
}

static int cell_has(const struct plan *p, const uint32_t cell[2], const char *lit)
{
    for (uint32_t i = cell[0]; i < cell[1]; i++)
        if (plan_match(p, i, cell[1], lit))
            return 1;
    return 0;
}

static int column_role(const struct plan *p, const uint32_t cell[2])
{
    if (cell_has(p, cell, "序号") || cell_has(p, cell, "编号"))
        return COL_SEQ;
    if (cell_has(p, cell, "牵头"))
        return COL_LEAD;
    if (cell_has(p, cell, "配合") || cell_has(p, cell, "协办") || cell_has(p, cell, "参与"))
        return COL_CO;
    if (cell_has(p, cell, "责任单位") || cell_has(p, cell, "责任部门"))
        return COL_RESP;
    if (cell_has(p, cell, "时限") || cell_has(p, cell, "时间") || cell_has(p, cell, "节点"))
        return COL_DEADLINE;
    if (cell_has(p, cell, "措施") || cell_has(p, cell, "举措"))
        return COL_MEASURE;
    if (cell_has(p, cell, "任务") || cell_has(p, cell, "内容") || cell_has(p, cell, "事项"))
        return COL_TASK;
    return COL_NONE;
}

static void find_tables(struct builder *b)
{
    struct plan *p = b->p;
    b->line_kind = xcalloc(p->n_lines, 1);
    b->line_roles = xcalloc(p->n_lines, sizeof *b->line_roles);
    for (uint32_t l = 0; l < p->n_lines; l++) {
        uint32_t a = p->line_start[l], e = l + 1 < p->n_lines ? p->line_start[l + 1] - 1 : p->n;
        uint32_t cells[8][2];
        int n = split_cells(p, a, e, cells, 8);
        if (n < 3 || n > 8)
            continue;
        int roles[8] = {0}, has_task = 0, has_resp = 0;
        for (int c = 0; c < n; c++) {
            roles[c] = column_role(p, cells[c]);
            has_task |= roles[c] == COL_TASK || roles[c] == COL_MEASURE;
            has_resp |= roles[c] == COL_LEAD || roles[c] == COL_RESP;
            /* Header cells are short labels. */
            if (cells[c][1] - cells[c][0] > 8)
                has_task = has_resp = 0;
        }
        if (!has_task || !has_resp)
            continue;
        b->line_kind[l] = LINE_TABLE_HEAD;
        uint32_t r = l + 1;
        for (; r < p->n_lines; r++) {
            uint32_t ra = p->line_start[r];
            uint32_t re = r + 1 < p->n_lines ? p->line_start[r + 1] - 1 : p->n;
            uint32_t rc[8][2];
            int rn = split_cells(p, ra, re, rc, 8);
            if (rn < 2 || rn > n)
                break;
            b->line_kind[r] = LINE_TABLE_ROW;
            memcpy(b->line_roles[r], roles, sizeof roles);
            /* Rows with fewer cells than the header lost their empty cells: keep roles
             * aligned from the left, which is how flattened tables usually read. */
        }
        l = r - 1;
    }
}

/* ---------------------------------------------------------------- header */

static void trim_range(const struct plan *p, uint32_t *a, uint32_t *e)
{
    while (*a < *e && plan_is_space(p->f[*a]))
        (*a)++;
    while (*e > *a && plan_is_space(p->f[*e - 1]))
        (*e)--;
}

/* 新开〔2020〕28号, 新开[2020]28号, 新开（2020）28号 → 新开〔2020〕28号. */
static const char *find_doc_number(struct plan *p, uint32_t start, uint32_t end)
{
    const uint32_t *f = p->f;
    for (uint32_t i = start; i + 6 < end; i++) {
        uint32_t open = f[i];
        if (open != 0x3014 && open != '[' && open != '(' && open != 0x3010 /* 【 */)
            continue;
        int y;
        uint32_t k = 0;
        while (k < 4 && i + 1 + k < end && plan_is_digit(f[i + 1 + k]))
            k++;
        if (k != 4)
            continue;
        y = 0;
        for (uint32_t q = 0; q < 4; q++)
            y = y * 10 + (int)(f[i + 1 + q] - '0');
        uint32_t j = i + 5;
        if (f[j] != 0x3015 && f[j] != ']' && f[j] != ')' && f[j] != 0x3011)
            continue;
        j++;
        uint32_t ds = j;
        while (j < end && plan_is_digit(f[j]))
            j++;
        if (j == ds || j >= end || f[j] != 0x53F7 /* 号 */)
            continue;
        /* The issuer: Han characters right before the bracket. */
        uint32_t a = i;
        while (a > start && i - a < 12 && f[a - 1] >= 0x4E00 && f[a - 1] <= 0x9FFF)
            a--;
        if (a == i)
            continue;
        char *issuer = plan_sub(p, a, i);
        long num = 0;
        for (uint32_t q = ds; q < j && num < 100000000; q++)
            num = num * 10 + (long)(f[q] - '0'); /* folded: full-width digits read too */
        size_t len = strlen(issuer) + 48;
        char *out = arena_alloc(p->arena, len);
        snprintf(out, len, "%s〔%d〕%ld号", issuer, y, num);
        return out;
    }
    return NULL;
}

static const char *date_iso(struct plan *p, struct date d)
{
    char iso[16];
    date_format(d, iso, sizeof iso);
    return arena_strdup(p->arena, iso);
}

/* Returns 1 if line [a, e) is nothing but a date; sets *d. */
static int line_is_date(const struct plan *p, uint32_t a, uint32_t e, struct date *d)
{
    trim_range(p, &a, &e);
    uint32_t k = plan_parse_date_at(p, a, e, d);
    return k && a + k == e;
}

static int has_word(const struct plan *p, uint32_t a, uint32_t e, const char *lit)
{
    for (uint32_t i = a; i < e; i++)
        if (plan_match(p, i, e, lit))
            return 1;
    return 0;
}

/* A long title is often broken over two lines:
 *   立山区政府2023年重点工作
 *   任务分解和责任分工方案
 * Joins the previous line when it reads as the first half of a title, not as a masthead
 * (…人民政府文件), an issuing body, a date, a 文号 or a note such as （此件公开发布）. */
static void merge_title_line(struct plan *p, uint32_t title_line, uint32_t ta, uint32_t te)
{
    if (plan_match(p, ta, te, "关于"))
        return;
    int l = (int)title_line - 1;
    while (l >= 0) {
        uint32_t a = p->line_start[l], e = p->line_start[l + 1] - 1;
        trim_range(p, &a, &e);
        if (a < e)
            break;
        l--;
    }
    if (l < 0)
        return;
    uint32_t a = p->line_start[l], e = p->line_start[l + 1] - 1;
    trim_range(p, &a, &e);
    if (e - a < 2 || e - a > 40 || p->f[a] == '(' || p->f[e - 1] == ':' || p->f[e - 1] == ')')
        return;
    for (uint32_t i = a; i < e; i++)
        if (p->f[i] == CH_JU || p->f[i] == ',' || p->f[i] == 0x3014 || p->f[i] == '[' ||
            p->f[i] == 0x300A)
            return;
    struct date d;
    if (plan_parse_date_at(p, a, e, &d) || has_word(p, a, e, "文件") ||
        has_word(p, a, e, "发布日期") || has_word(p, a, e, "方案") || has_word(p, a, e, "通知"))
        return;
    char *first = plan_sub(p, a, e);
    if (dept_kind_of(first) != DEPT_OTHER)
        return; /* an issuing body: 立山区人民政府 */
    size_t n1 = strlen(first), n2 = strlen(p->title);
    char *t = arena_alloc(p->arena, n1 + n2 + 1);
    memcpy(t, first, n1);
    memcpy(t + n1, p->title, n2 + 1);
    p->title = t;
}

static void parse_header(struct plan *p, uint32_t end)
{
    p->doc_number = find_doc_number(p, 0, end);
    int title_line = -1, title_kw = 0, recipients_done = 0;
    for (uint32_t l = 0; l < p->n_lines && p->line_start[l] < end; l++) {
        uint32_t a = p->line_start[l];
        uint32_t e = l + 1 < p->n_lines ? p->line_start[l + 1] - 1 : p->n;
        if (e > end)
            e = end;
        trim_range(p, &a, &e);
        if (a >= e)
            continue;
        struct date d;
        if (plan_match(p, a, e, "发布日期") || plan_match(p, a, e, "发文日期") ||
            plan_match(p, a, e, "印发日期")) {
            for (uint32_t i = a + 4; i < e; i++)
                if (plan_parse_date_at(p, i, e, &d)) {
                    p->published_on = date_iso(p, d);
                    break;
                }
            continue;
        }
        if (line_is_date(p, a, e, &d)) {
            if (!p->has_signed) {
                p->signed_date = d;
                p->has_signed = 1;
            }
            continue;
        }
        if (p->doc_number && has_word(p, a, e, "号") && e - a < 30 &&
            (has_word(p, a, e, "〔") || has_word(p, a, e, "[") || has_word(p, a, e, "(")))
            continue;
        if (p->f[e - 1] == ':' && !recipients_done && e - a < 200) {
            /* 主送: 各部门,关堤乡、振中街道,驻区各单位: */
            const char *prefix = NULL;
            uint32_t s = a;
            if (plan_match(p, s, e, "主送:"))
                s += 3;
            struct strvec v = {0};
            plan_split_names(p, s, e - 1, &v, &prefix);
            for (size_t i = 0; i < v.n; i++)
                strvec_push(&p->recipients, v.v[i]);
            free(v.v);
            recipients_done = 1;
            continue;
        }
        int sentence = 0;
        for (uint32_t i = a; i < e; i++)
            if (p->f[i] == CH_JU)
                sentence = 1;
        if (sentence || e - a > 80 || e - a < 4 || plan_match(p, a, e, "附件"))
            continue;
        static const char *const kws[] = {"方案", "计划", "意见", "办法", "规划", "要点",
                                          "细则", "措施", "纲要", "通知", "清单", NULL};
        int kw = 0;
        for (const char *const *w = kws; *w; w++)
            if (has_word(p, a, e, *w))
                kw = 1;
        if (kw || !title_kw) {
            title_line = (int)l;
            title_kw = kw;
        }
    }
    if (title_line >= 0) {
        uint32_t a = p->line_start[title_line];
        uint32_t e =
            (uint32_t)title_line + 1 < p->n_lines ? p->line_start[title_line + 1] - 1 : p->n;
        if (e > end)
            e = end;
        trim_range(p, &a, &e);
        /* 关于印发《X》的通知 → X */
        for (uint32_t i = a; i < e; i++)
            if (p->f[i] == 0x300A /* 《 */) {
                for (uint32_t j = i + 1; j < e; j++)
                    if (p->f[j] == 0x300B && plan_match(p, a, e, "关于")) {
                        a = i + 1, e = j;
                        break;
                    }
                break;
            }
        p->title = plan_sub(p, a, e);
        merge_title_line(p, (uint32_t)title_line, a, e);
    } else {
        /* A flattened header: take the book title from the 印发 sentence. */
        for (uint32_t i = 0; i < end; i++)
            if (p->f[i] == 0x300A)
                for (uint32_t j = i + 1; j < end && j - i < 100; j++)
                    if (p->f[j] == 0x300B) {
                        p->title = plan_sub(p, i + 1, j);
                        i = end;
                        break;
                    }
    }
    if (!p->has_signed) {
        /* A date standing after a sentence or on its own inside a flattened header. */
        for (uint32_t i = 0; i < end; i++) {
            struct date d;
            uint32_t k;
            if ((i == 0 || plan_is_space(p->f[i - 1]) || p->f[i - 1] == CH_JU) &&
                (k = plan_parse_date_at(p, i, end, &d)) &&
                (i + k >= end || plan_is_space(p->f[i + k]))) {
                p->signed_date = d;
                p->has_signed = 1;
            }
        }
    }
}

/* Where the body ends: trailing 抄送/印发 lines, a signature, a date. */
static uint32_t find_doc_end(struct plan *p)
{
    uint32_t end = p->n;
    for (int l = (int)p->n_lines - 1; l >= 0; l--) {
        uint32_t a = p->line_start[l];
        uint32_t e = (uint32_t)l + 1 < p->n_lines ? p->line_start[l + 1] - 1 : p->n;
        trim_range(p, &a, &e);
        if (a >= e) {
            end = p->line_start[l];
            continue;
        }
        struct date d;
        int footer = plan_match(p, a, e, "抄送") || plan_match(p, a, e, "主题词") ||
                     plan_match(p, a, e, "(此件") || plan_match(p, a, e, "此件") ||
                     (has_word(p, a, e, "印发") && e - a < 40);
        if (!footer && line_is_date(p, a, e, &d)) {
            if (!p->has_signed) {
                p->signed_date = d;
                p->has_signed = 1;
            }
            footer = 1;
        }
        if (!footer && e - a <= 20) {
            int punct = 0;
            for (uint32_t i = a; i < e; i++)
                if (p->f[i] == CH_JU || p->f[i] == ',' || p->f[i] == ':' || p->f[i] == ')' ||
                    p->f[i] == ';')
                    punct = 1;
            char *s = plan_sub(p, a, e);
            if (!punct && dept_kind_of(s) == DEPT_GOVERNMENT) {
                struct marker m;
                footer = !match_marker(p, a, e, &m);
            }
        }
        if (!footer)
            break;
        end = p->line_start[l];
    }
    return end;
}

/* ---------------------------------------------------------------- headings */

struct scan {
    struct {
        int type, num, item;
    } stack[MAX_DEPTH];
    int depth;
};

static size_t new_item(struct builder *b, struct scan *sc, int depth_at, const char *marker_text,
                       uint32_t mstart, uint32_t mend)
{
    struct plan *p = b->p;
    xgrow((void **)&p->items, &p->cap_items, p->n_items + 1, sizeof *p->items);
    xgrow((void **)&b->ib, &b->ib_cap, p->n_items + 1, sizeof *b->ib);
    size_t idx = p->n_items++;
    struct plan_item *it = &p->items[idx];
    memset(it, 0, sizeof *it);
    memset(&b->ib[idx], 0, sizeof b->ib[idx]);
    it->marker = arena_strdup(p->arena, marker_text);
    it->parent = depth_at > 0 ? sc->stack[depth_at - 1].item : -1;
    it->depth = depth_at + 1;
    it->is_leaf = 1;
    if (it->parent >= 0) {
        p->items[it->parent].is_leaf = 0;
        const char *pp = p->items[it->parent].path;
        size_t len = strlen(pp) + strlen(marker_text) + 2;
        char *path = arena_alloc(p->arena, len);
        snprintf(path, len, "%s/%s", pp, marker_text);
        it->path = path;
    } else {
        it->path = it->marker;
    }
    b->ib[idx].mstart = mstart;
    b->ib[idx].mend = mend;
    return idx;
}

static void table_row_item(struct builder *b, struct scan *sc, uint32_t l, int row_no)
{
    struct plan *p = b->p;
    uint32_t a = p->line_start[l], e = l + 1 < p->n_lines ? p->line_start[l + 1] - 1 : p->n;
    uint32_t cells[8][2];
    int n = split_cells(p, a, e, cells, 8);
    char marker[32];
    int v = 0;
    int seq_col = -1;
    for (int c = 0; c < n; c++)
        if (b->line_roles[l][c] == COL_SEQ)
            seq_col = c;
    if (seq_col >= 0 && arabic_at(p, cells[seq_col][0], cells[seq_col][1], &v) ==
                            cells[seq_col][1] - cells[seq_col][0])
        snprintf(marker, sizeof marker, "%d", v);
    else
        snprintf(marker, sizeof marker, "%d", row_no);
    size_t idx = new_item(b, sc, sc->depth, marker, a, a);
    p->items[idx].from_table = 1;
    struct item_build *ib = &b->ib[idx];
    ib->table = 1;
    ib->n_cells = n;
    for (int c = 0; c < n; c++) {
        ib->cells[c][0] = cells[c][0];
        ib->cells[c][1] = cells[c][1];
        ib->cell_role[c] = b->line_roles[l][c];
    }
    ib->end = e;
}

/* Before a top-level heading numbered 1 again: were the items so far the numbered paragraphs
 * of a cover letter (关于印发…的通知)? They are if none has sub-headings and a signature date or
 * a title line (…方案, …要点) stands between the last of them and here. */
static int is_cover_letter(const struct builder *b, uint32_t here)
{
    const struct plan *p = b->p;
    if (p->n_items == 0 || p->n_items > 12)
        return 0;
    for (size_t k = 0; k < p->n_items; k++)
        if (p->items[k].depth != 1)
            return 0;
    uint32_t from = b->ib[p->n_items - 1].mend;
    for (uint32_t l = 0; l < p->n_lines; l++) {
        uint32_t a = p->line_start[l];
        uint32_t e = l + 1 < p->n_lines ? p->line_start[l + 1] - 1 : p->n;
        if (a <= from || e > here)
            continue;
        trim_range(p, &a, &e);
        if (a >= e)
            continue;
        struct date d;
        if (line_is_date(p, a, e, &d))
            return 1;
        int sentence = 0;
        for (uint32_t i = a; i < e; i++)
            sentence |= p->f[i] == CH_JU;
        if (!sentence && e - a <= 60 &&
            (has_word(p, a, e, "方案") || has_word(p, a, e, "要点") || has_word(p, a, e, "计划")))
            return 1;
    }
    return 0;
}

static void scan_headings(struct builder *b)
{
    struct plan *p = b->p;
    const uint32_t *f = p->f;
    struct scan sc = {.depth = 0};
    int paren = 0, title_open = 0, at_line_start = 1, row_no = 0;
    uint32_t line = 0;
    uint32_t end = b->doc_end;
    /* Find the line of body_start. */
    while (line + 1 < p->n_lines && p->line_start[line + 1] <= b->body_start)
        line++;
    at_line_start = p->line_start[line] == b->body_start;
    for (uint32_t i = b->body_start; i < end; i++) {
        uint32_t c = f[i];
        if (c == '\n') {
            paren = 0, title_open = 0, at_line_start = 1;
            line++;
            continue;
        }
        if (at_line_start && plan_is_space(c))
            continue;
        int cand = 0;
        if (at_line_start) {
            cand = 1;
            at_line_start = 0;
            if (b->line_kind[line] != LINE_TEXT) {
                if (b->line_kind[line] == LINE_TABLE_HEAD)
                    row_no = 0;
                else
                    table_row_item(b, &sc, line, ++row_no);
                while (i < end && f[i] != '\n')
                    i++;
                i--;
                continue;
            }
        } else if (paren == 0) {
            uint32_t j = i;
            while (j > 0 && f[j - 1] == ' ')
                j--;
            uint32_t prev = j > 0 ? f[j - 1] : '\n';
            if (is_sentence_end(prev) || prev == ')' || prev == 0x201D /* ” */)
                cand = 2;
            else if (j < i && (prev >= 0x4E00 || prev == ':'))
                cand = 2;
            else if (title_open)
                cand = 3;
        }
        struct marker m;
        /* ①②③ inside a paragraph enumerate measures, not headings. */
        if (cand && match_marker(p, i, end, &m) && (m.type != M_CIRC || cand == 1)) {
            int pos = -1;
            for (int k = 0; k < sc.depth; k++)
                if (sc.stack[k].type == m.type)
                    pos = k;
            int ok;
            if (pos >= 0) {
                int prev_num = sc.stack[pos].num;
                ok = m.num == prev_num + 1 || (cand == 1 && m.num > prev_num);
                if (cand == 3)
                    ok = 0;
                if (ok && m.num != prev_num + 1)
                    plan_warn(p, i, "编号不连续：%d 之后是 %d (numbering jumps)", prev_num, m.num);
                if (!ok && cand == 1 && pos == 0 && m.num == 1 && is_cover_letter(b, i)) {
                    /* What came before was the 印发 notice's own numbered paragraphs. */
                    plan_warn(p, i,
                              "此前的编号段落是印发通知的正文，方案从这里开始 "
                              "(a numbered cover letter precedes the plan)");
                    p->n_items = 0;
                    sc.depth = 0;
                    pos = -1;
                    b->restart_at = i;
                    ok = 1;
                } else if (!ok && cand == 1 && m.num <= prev_num) {
                    plan_warn(p, i,
                              "编号重复或倒退，按正文处理 (numbering restarts; read as text)");
                }
            } else {
                ok = m.num == 1 || cand == 1;
                if (ok && m.num != 1)
                    plan_warn(p, i, "编号未从 1 开始 (numbering does not start at 1)");
            }
            if (ok && sc.depth == MAX_DEPTH && pos < 0)
                ok = 0;
            if (ok) {
                int depth_at = pos >= 0 ? pos : sc.depth;
                char mt[32];
                marker_format(&m, mt, sizeof mt);
                size_t idx = new_item(b, &sc, depth_at, mt, m.start, m.end);
                sc.stack[depth_at].type = m.type;
                sc.stack[depth_at].num = m.num;
                sc.stack[depth_at].item = (int)idx;
                sc.depth = depth_at + 1;
                title_open = 1;
                row_no = 0;
                i = m.end - 1;
                continue;
            }
        }
        if (c == '(')
            paren++;
        else if (c == ')' && paren > 0)
            paren--;
        if (c == CH_JU)
            paren = 0;
        if (is_sentence_end(c) || c == ':')
            title_open = 0;
    }
    for (size_t k = 0; k < p->n_items; k++)
        if (!b->ib[k].table)
            b->ib[k].end = k + 1 < p->n_items ? b->ib[k + 1].mstart : end;
}

/* Finds where the body starts: the first heading numbered 1 at a line start or after a
 * sentence, or the first task table. */
static uint32_t find_body_start(struct builder *b)
{
    struct plan *p = b->p;
    uint32_t line = 0;
    int at_ls = 1;
    for (uint32_t i = 0; i < p->n; i++) {
        uint32_t c = p->f[i];
        if (c == '\n') {
            line++;
            at_ls = 1;
            continue;
        }
        if (at_ls && plan_is_space(c))
            continue;
        int cand = at_ls;
        if (at_ls && b->line_kind[line] != LINE_TEXT)
            return i;
        at_ls = 0;
        if (!cand && i > 0 && (p->f[i - 1] == CH_JU || p->f[i - 1] == ' '))
            cand = 1;
        struct marker m;
        if (cand && match_marker(p, i, p->n, &m) && m.num == 1 && m.type != M_CIRC)
            return i;
    }
    return p->n;
}

/* ---------------------------------------------------------------- item contents */

struct ranges {
    struct resp *v;
    size_t n, cap;
};

static void ranges_add(struct ranges *r, const struct resp *x)
{
    xgrow((void **)&r->v, &r->cap, r->n + 1, sizeof *r->v);
    r->v[r->n++] = *x;
}

static int in_cut(const struct ranges *r, uint32_t i)
{
    for (size_t k = 0; k < r->n; k++)
        if (r->v[k].cut && i >= r->v[k].start && i < r->v[k].end)
            return 1;
    return 0;
}

/* Copies [a, e) without the cut ranges, trimmed, as a new arena string. */
static const char *text_without(struct plan *p, uint32_t a, uint32_t e, const struct ranges *r)
{
    trim_range(p, &a, &e);
    struct buf out;
    buf_init(&out, 0);
    uint32_t s = a;
    for (uint32_t i = a; i <= e; i++) {
        if (i == e || in_cut(r, i)) {
            if (i > s) {
                uint32_t b0 = p->byte_of[s], b1 = p->byte_of[i];
                if (buf_append(&out, p->text + b0, b1 - b0) != ST_OK)
                    break;
            }
            while (i < e && in_cut(r, i))
                i++;
            s = i;
        }
    }
    /* Trim what the cuts left at the edges. */
    const char *str = buf_str(&out);
    size_t len = out.len;
    while (len > 0 && (str[len - 1] == ' ' || str[len - 1] == '\n' || str[len - 1] == '\t'))
        len--;
    const char *res = arena_strndup(p->arena, str, len);
    buf_cleanup(&out);
    return res;
}

static struct plan_names names_of(struct plan *p, const struct strvec *v)
{
    struct plan_names n = {NULL, v->n};
    if (v->n) {
        const char **a = arena_alloc(p->arena, v->n * sizeof *a);
        memcpy(a, v->v, v->n * sizeof *a);
        n.v = a;
    }
    return n;
}

static void merge_names(struct strvec *dst, const struct strvec *src)
{
    for (size_t k = 0; k < src->n; k++)
        strvec_push(dst, src->v[k]);
}

static void resp_cleanup(struct resp *r)
{
    free(r->lead.v);
    free(r->co.v);
    r->lead = (struct strvec){0};
    r->co = (struct strvec){0};
}

/* Finds responsibility clauses in [a, e): parentheticals, label lines, 由X牵头 sentences. */
static void find_resps(struct plan *p, uint32_t a, uint32_t e, struct ranges *out)
{
    const uint32_t *f = p->f;
    for (uint32_t i = a; i < e; i++) {
        if (f[i] == '(') {
            int depth = 0;
            uint32_t close = 0;
            for (uint32_t j = i; j < e && j - i < 600; j++) {
                if (f[j] == '(')
                    depth++;
                else if (f[j] == ')' && --depth == 0) {
                    close = j;
                    break;
                }
                if (f[j] == '\n')
                    break;
            }
            if (!close)
                continue;
            struct resp r = {0};
            if (plan_resp_parse(p, i + 1, close, &r)) {
                r.start = i, r.end = close + 1, r.cut = 1;
                ranges_add(out, &r);
                i = close;
            } else {
                resp_cleanup(&r);
            }
            continue;
        }
        /* A label at a line start or after a sentence: 责任单位：… up to the line end. */
        int boundary = i == a || f[i - 1] == '\n' || is_sentence_end(f[i - 1]);
        if (!boundary && f[i - 1] == ' ') {
            uint32_t j = i;
            while (j > a && f[j - 1] == ' ')
                j--;
            boundary = j == a || f[j - 1] == '\n' || is_sentence_end(f[j - 1]);
        }
        int role;
        uint32_t le;
        if (boundary && plan_resp_label_at(p, i, e, &role, &le)) {
            uint32_t j = le;
            while (j < e && f[j] != '\n' && f[j] != CH_JU)
                j++;
            /* Label lines that follow (牵头单位：… / 责任单位：… / 完成时限：…, blank lines
             * between) form one clause, so 责任单位 after 牵头单位 reads as cooperating. */
            for (;;) {
                uint32_t k = j;
                while (k < e && (plan_is_space(f[k]) || f[k] == CH_JU))
                    k++;
                int role2;
                uint32_t le2;
                if (k >= e || !plan_resp_label_at(p, k, e, &role2, &le2))
                    break;
                j = le2;
                while (j < e && f[j] != '\n' && f[j] != CH_JU)
                    j++;
            }
            /* Several labels may share one line: 牵头单位：A  配合单位：B. */
            struct resp r = {0};
            if (plan_resp_parse(p, i, j, &r)) {
                r.start = i, r.end = j < e && f[j] == CH_JU ? j + 1 : j, r.cut = 1;
                ranges_add(out, &r);
                i = r.end - 1;
            } else {
                resp_cleanup(&r);
            }
            continue;
        }
        /* 由区科技局牵头，区财政局配合 inside a sentence: assign, keep the words. */
        if (f[i] == 0x7531 /* 由 */ && !in_cut(out, i)) {
            uint32_t j = i + 1;
            while (j < e && j - i < 80 && !is_sentence_end(f[j]) && f[j] != '\n' &&
                   !plan_match(p, j, e, "牵头"))
                j++;
            if (j < e && plan_match(p, j, e, "牵头")) {
                uint32_t k = j + 2;
                while (k < e && k - j < 80 && !is_sentence_end(f[k]) && f[k] != '\n' &&
                       !plan_match(p, k, e, "配合") && !plan_match(p, k, e, "协助") &&
                       !plan_match(p, k, e, "参与"))
                    k++;
                uint32_t stop = (k < e && !is_sentence_end(f[k]) && f[k] != '\n') ? k + 2 : j + 2;
                struct resp r = {0};
                if (plan_resp_parse(p, i + 1, stop, &r)) {
                    r.start = i, r.end = stop, r.cut = 0;
                    ranges_add(out, &r);
                    i = stop - 1;
                } else {
                    resp_cleanup(&r);
                }
            }
        }
    }
}

struct mrange {
    uint32_t start, mend, end;
    char marker[16];
};

/* Finds 一是…二是… (or 第一，…第二，…) in [a, e) outside cut ranges. */
static size_t find_measures(struct plan *p, uint32_t a, uint32_t e, const struct ranges *cuts,
                            struct mrange **out)
{
    const uint32_t *f = p->f;
    size_t n = 0, cap = 0;
    int style = 0, next = 1;
    for (uint32_t i = a; i < e; i++) {
        if (in_cut(cuts, i))
            continue;
        uint32_t j = i;
        while (j > a && f[j - 1] == ' ')
            j--;
        uint32_t prev = j > a ? f[j - 1] : '\n';
        int boundary = j == a || prev == '\n' || is_sentence_end(prev) || prev == ',' ||
                       prev == ':' || prev == ')' || prev == CH_DUN || prev == 0x201D;
        if (!boundary)
            continue;
        int v;
        uint32_t k;
        int st = 0;
        uint32_t mend = 0;
        if ((k = plan_cn_number(p, i, e, &v)) && i + k < e && f[i + k] == CH_SHI) {
            st = 1, mend = i + k + 1;
        } else if (f[i] >= 0x2460 && f[i] <= 0x2473) {
            v = (int)(f[i] - 0x2460) + 1;
            st = 3, mend = i + 1;
        } else if (f[i] == CH_DI && (k = plan_cn_number(p, i + 1, e, &v)) && i + 1 + k < e &&
                   (f[i + 1 + k] == ',' || f[i + 1 + k] == CH_DUN || f[i + 1 + k] == ':' ||
                    f[i + 1 + k] == CH_SHI)) {
            st = 2, mend = i + 2 + k;
        }
        if (!st || v != next || (style && st != style))
            continue;
        style = st;
        xgrow((void **)out, &cap, n + 1, sizeof **out);
        struct mrange *m = &(*out)[n++];
        m->start = i;
        m->mend = mend;
        char num[16];
        cn_format(v, num, sizeof num);
        if (st == 3)
            utf8_encode(f[i], m->marker), m->marker[3] = '\0';
        else
            snprintf(m->marker, sizeof m->marker, st == 1 ? "%s是" : "第%s", num);
        next++;
        i = mend - 1;
    }
    for (size_t k = 0; k < n; k++) {
        uint32_t end = k + 1 < n ? (*out)[k + 1].start : e;
        /* The separator before the next marker (；，) is not part of the measure. */
        while (end > (*out)[k].mend &&
               (plan_is_space(f[end - 1]) || f[end - 1] == ';' || f[end - 1] == ','))
            end--;
        (*out)[k].end = end;
    }
    return n;
}

static const char *first_sentence(struct plan *p, uint32_t a, uint32_t e, size_t max_chars)
{
    trim_range(p, &a, &e);
    for (uint32_t i = a; i < e; i++) {
        if (is_sentence_end(p->f[i]) || p->f[i] == '\n') {
            if (i - a > 0 && i - a <= max_chars)
                return plan_sub(p, a, i);
            return NULL;
        }
    }
    return NULL;
}

/* The deadline of [a, e) outside cut ranges. */
static const struct plan_deadline *deadline_in(struct plan *p, uint32_t a, uint32_t e,
                                               const struct ranges *cuts)
{
    uint32_t s = a;
    for (uint32_t i = a; i <= e; i++) {
        if (i == e || in_cut(cuts, i)) {
            if (i > s) {
                const struct plan_deadline *d = plan_find_deadline(p, s, i, 0);
                if (d)
                    return d;
            }
            while (i < e && in_cut(cuts, i))
                i++;
            s = i;
        }
    }
    return NULL;
}

static void figures_in(struct plan *p, uint32_t a, uint32_t e, const struct ranges *cuts,
                       int measure, struct plan_figure **figs, size_t *n, size_t *cap)
{
    uint32_t s = a;
    for (uint32_t i = a; i <= e; i++) {
        if (i == e || in_cut(cuts, i)) {
            if (i > s)
                plan_find_figures(p, s, i, measure, figs, n, cap);
            while (i < e && in_cut(cuts, i))
                i++;
            s = i;
        }
    }
}

static void build_table_item(struct builder *b, size_t idx)
{
    struct plan *p = b->p;
    struct plan_item *it = &p->items[idx];
    struct item_build *ib = &b->ib[idx];
    struct strvec lead = {0}, co = {0};
    const char *prefix = NULL;
    uint32_t task[2] = {0, 0}, meas[2] = {0, 0};
    struct plan_figure *figs = NULL;
    size_t nf = 0, capf = 0;
    for (int c = 0; c < ib->n_cells; c++) {
        uint32_t cs = ib->cells[c][0], ce = ib->cells[c][1];
        switch (ib->cell_role[c]) {
        case COL_TASK:
            task[0] = cs, task[1] = ce;
            break;
        case COL_MEASURE:
            meas[0] = cs, meas[1] = ce;
            break;
        case COL_LEAD:
            plan_split_names(p, cs, ce, &lead, &prefix);
            break;
        case COL_CO:
            plan_split_names(p, cs, ce, &co, &prefix);
            break;
        case COL_RESP: {
            struct strvec all = {0};
            plan_split_names(p, cs, ce, &all, &prefix);
            for (size_t k = 0; k < all.n; k++)
                strvec_push((lead.n && k == 0) || !p->first_is_lead || k == 0 ? &lead : &co,
                            all.v[k]);
            free(all.v);
            break;
        }
        case COL_DEADLINE:
            it->deadline = plan_parse_deadline_value(p, cs, ce);
            break;
        default:
            break;
        }
    }
    if (!task[1] && meas[1])
        task[0] = meas[0], task[1] = meas[1], meas[0] = meas[1] = 0;
    it->title = task[1] ? plan_sub(p, task[0], task[1]) : "";
    it->body = meas[1] ? plan_sub(p, meas[0], meas[1]) : "";
    if (task[1])
        plan_find_figures(p, task[0], task[1], -1, &figs, &nf, &capf);
    if (meas[1])
        plan_find_figures(p, meas[0], meas[1], -1, &figs, &nf, &capf);
    it->lead = names_of(p, &lead);
    it->co = names_of(p, &co);
    if (nf) {
        struct plan_figure *a = arena_alloc(p->arena, nf * sizeof *a);
        memcpy(a, figs, nf * sizeof *a);
        it->figures = a;
        it->n_figures = nf;
    }
    it->span = (struct plan_span){ib->cells[0][0], ib->end};
    free(figs);
    free(lead.v);
    free(co.v);
}

static void build_item(struct builder *b, size_t idx)
{
    struct plan *p = b->p;
    struct plan_item *it = &p->items[idx];
    struct item_build *ib = &b->ib[idx];
    const uint32_t *f = p->f;
    uint32_t a = ib->mend, e = ib->end;
    it->span = (struct plan_span){ib->mstart, e};
    struct ranges resps = {0};
    find_resps(p, a, e, &resps);

    /* Title: up to the first sentence end, line end, colon or responsibility clause. */
    uint32_t t0 = a, t1;
    while (t0 < e && f[t0] == ' ')
        t0++;
    t1 = t0;
    while (t1 < e && f[t1] != '\n' && !is_sentence_end(f[t1]) && !in_cut(&resps, t1) &&
           !(f[t1] == ':' && t1 > t0 + 1))
        t1++;
    uint32_t body = t1;
    if (body < e && (is_sentence_end(f[body]) || f[body] == ':'))
        body++;
    it->title = plan_sub(p, t0, t1);
    if (!*it->title)
        it->title = "";

    struct mrange *ms = NULL;
    size_t nm = find_measures(p, body, e, &resps, &ms);

    /* Which clause belongs to which measure. */
    int *owner = xcalloc(resps.n + 1, sizeof *owner);
    int in_measures = 0, last_tail = 0;
    for (size_t r = 0; r < resps.n; r++) {
        owner[r] = -1;
        for (size_t k = 0; k < nm; k++)
            if (resps.v[r].start >= ms[k].mend && resps.v[r].start < ms[k].end)
                owner[r] = (int)k;
        if (owner[r] >= 0)
            in_measures++;
    }
    int owners_distinct = 0;
    for (size_t k = 0; k < nm; k++) {
        int has = 0;
        for (size_t r = 0; r < resps.n; r++)
            has |= owner[r] == (int)k;
        owners_distinct += has;
    }
    if (nm > 0 && owners_distinct == 1 && owner[resps.n ? resps.n - 1 : 0] == (int)nm - 1) {
        /* One clause at the end of the last measure speaks for the whole item. */
        const struct resp *r = &resps.v[resps.n - 1];
        last_tail = 1;
        for (uint32_t i = r->end; i < e; i++)
            if (!plan_is_space(f[i]) && f[i] != CH_JU && f[i] != ';' && !in_cut(&resps, i))
                last_tail = 0;
        if (nm == 1)
            last_tail = 1;
    }
    struct strvec lead = {0}, co = {0};
    for (size_t r = 0; r < resps.n; r++) {
        if (owner[r] >= 0 && !last_tail)
            continue;
        merge_names(&lead, &resps.v[r].lead);
        merge_names(&co, &resps.v[r].co);
        if (resps.v[r].deadline && !it->deadline)
            it->deadline = resps.v[r].deadline;
    }
    it->lead = names_of(p, &lead);
    it->co = names_of(p, &co);
    free(lead.v);
    free(co.v);

    if (!it->deadline)
        it->deadline = deadline_in(p, t0, nm ? ms[0].start : e, &resps);

    struct plan_figure *figs = NULL;
    size_t nf = 0, capf = 0;
    figures_in(p, t0, nm ? ms[0].start : e, &resps, -1, &figs, &nf, &capf);

    if (nm) {
        struct plan_measure *mv = arena_alloc(p->arena, nm * sizeof *mv);
        for (size_t k = 0; k < nm; k++) {
            struct plan_measure *m = &mv[k];
            m->marker = arena_strdup(p->arena, ms[k].marker);
            m->text = text_without(p, ms[k].mend, ms[k].end, &resps);
            m->title = first_sentence(p, ms[k].mend, ms[k].end, 40);
            m->span = (struct plan_span){ms[k].start, ms[k].end};
            struct strvec ml = {0}, mc = {0};
            for (size_t r = 0; r < resps.n; r++)
                if (owner[r] == (int)k && !last_tail) {
                    merge_names(&ml, &resps.v[r].lead);
                    merge_names(&mc, &resps.v[r].co);
                    if (resps.v[r].deadline && !m->deadline)
                        m->deadline = resps.v[r].deadline;
                }
            m->lead = names_of(p, &ml);
            m->co = names_of(p, &mc);
            free(ml.v);
            free(mc.v);
            if (!m->deadline)
                m->deadline = deadline_in(p, ms[k].mend, ms[k].end, &resps);
            figures_in(p, ms[k].mend, ms[k].end, &resps, (int)k, &figs, &nf, &capf);
        }
        it->measures = mv;
        it->n_measures = nm;
    }
    it->body = text_without(p, body, e, &resps);
    if (nf) {
        struct plan_figure *fa = arena_alloc(p->arena, nf * sizeof *fa);
        memcpy(fa, figs, nf * sizeof *fa);
        it->figures = fa;
        it->n_figures = nf;
    }
    free(figs);
    free(owner);
    free(ms);
    for (size_t r = 0; r < resps.n; r++)
        resp_cleanup(&resps.v[r]);
    free(resps.v);
}

/* ---------------------------------------------------------------- tasks */

static const char *const preamble_titles[] = {"指导思想", "总体要求", "基本原则", "发展定位",
                                              "总体思路", "工作原则", "目标定位", "重要意义",
                                              "编制依据", "适用范围", NULL};

/* Marks the items under a preamble heading (指导思想, 基本原则 …), parents before children. */
static unsigned char *preamble_flags(const struct plan *p)
{
    unsigned char *flag = xcalloc(p->n_items + 1, 1);
    for (size_t i = 0; i < p->n_items; i++) {
        const struct plan_item *it = &p->items[i];
        if (it->parent >= 0 && flag[it->parent]) {
            flag[i] = 1;
            continue;
        }
        for (const char *const *w = preamble_titles; *w && !flag[i]; w++)
            flag[i] = strstr(it->title, *w) != NULL;
    }
    return flag;
}

static void effective_names(const struct plan *p, int idx, struct plan_names *lead,
                            struct plan_names *co)
{
    for (; idx >= 0; idx = p->items[idx].parent)
        if (p->items[idx].lead.n || p->items[idx].co.n) {
            *lead = p->items[idx].lead;
            *co = p->items[idx].co;
            return;
        }
    *lead = (struct plan_names){NULL, 0};
    *co = (struct plan_names){NULL, 0};
}

static const struct plan_deadline *effective_deadline(const struct plan *p, int idx)
{
    for (; idx >= 0; idx = p->items[idx].parent)
        if (p->items[idx].deadline)
            return p->items[idx].deadline;
    return NULL;
}

static void add_task(struct plan *p, const struct plan_task *t)
{
    xgrow((void **)&p->tasks, &p->cap_tasks, p->n_tasks + 1, sizeof *p->tasks);
    p->tasks[p->n_tasks++] = *t;
}

static void build_tasks(struct plan *p)
{
    int any_assigned = 0;
    unsigned char *preambles = preamble_flags(p);
    for (size_t i = 0; i < p->n_items; i++)
        any_assigned |= p->items[i].lead.n || p->items[i].co.n;
    for (size_t i = 0; i < p->n_items; i++) {
        const struct plan_item *it = &p->items[i];
        if (!it->is_leaf)
            continue;
        struct plan_names lead, co;
        effective_names(p, (int)i, &lead, &co);
        int assigned = lead.n || co.n;
        for (size_t k = 0; k < it->n_measures; k++)
            assigned |= it->measures[k].lead.n || it->measures[k].co.n;
        int preamble = preambles[i];
        int task;
        if (any_assigned)
            task = assigned || (!preamble && (it->n_measures || it->deadline));
        else
            task = !preamble;
        if (!task)
            continue;
        const struct plan_deadline *dl = effective_deadline(p, (int)i);
        if (it->n_measures == 0) {
            struct plan_task t = {(int)i, -1, *it->body ? it->body : it->title, lead, co, dl};
            add_task(p, &t);
            continue;
        }
        for (size_t k = 0; k < it->n_measures; k++) {
            const struct plan_measure *m = &it->measures[k];
            struct plan_task t = {(int)i, (int)k, m->text, lead, co, dl};
            if (m->lead.n || m->co.n) {
                t.lead = m->lead;
                t.co = m->co;
            }
            if (m->deadline)
                t.deadline = m->deadline;
            add_task(p, &t);
        }
    }
    free(preambles);
}

/* ---------------------------------------------------------------- entry */

/* 列第一位的为牵头单位 / 排名第一的为牵头部门 / 列第一位为牵头或汇总单位: a 牵头 preceded
 * closely by 第一 or 首位 anywhere in the plan. */
static int says_first_is_lead(const struct plan *p)
{
    for (uint32_t i = 2; i + 1 < p->n; i++)
        if (p->f[i] == 0x7275 /* 牵 */ && p->f[i + 1] == 0x5934 /* 头 */) {
            uint32_t a = i > 10 ? i - 10 : 0;
            for (uint32_t j = a; j < i; j++)
                if (plan_match(p, j, i, "第一位") || plan_match(p, j, i, "第一个") ||
                    plan_match(p, j, i, "首位") || plan_match(p, j, i, "排首") ||
                    plan_match(p, j, i, "第一的"))
                    return 1;
        }
    return 0;
}

enum status plan_parse(const char *data, size_t len, const char *name, struct plan **out,
                       struct err *e)
{
    *out = NULL;
    if (!name)
        name = "<input>";
    struct plan *p = xcalloc(1, sizeof *p);
    struct builder b = {.p = p};
    enum status st = plan_decode(data, len, name, &p->text, &p->text_len, &p->encoding, e);
    if (st != ST_OK)
        goto fail;
    p->arena = arena_new();
    hash_sha256_hex(p->text, p->text_len, p->sha256);
    plan_index_text(p);
    p->first_is_lead = says_first_is_lead(p);

    find_tables(&b);
    b.body_start = find_body_start(&b);
    parse_header(p, b.body_start);
    b.doc_end = find_doc_end(p);
    if (b.doc_end < b.body_start)
        b.doc_end = p->n;
    if (b.body_start >= p->n) {
        uint32_t line, col;
        plan_locate(p, p->n ? p->n - 1 : 0, &line, &col);
        char where[160];
        snprintf(where, sizeof where, "%s: line 1, column 1", name);
        st = err_set(e, ST_INVALID, where,
                     "找不到方案结构：全文 %u 行中没有“一、”“（一）”“1.”等编号标题，也没有任务"
                     "分解表 (no numbered headings or task table found)",
                     line);
        goto fail;
    }
    scan_headings(&b);
    if (b.restart_at) {
        /* The header is what stands before the plan proper, not before the cover letter. */
        p->title = p->doc_number = p->published_on = NULL;
        p->has_signed = 0;
        p->recipients.n = 0;
        parse_header(p, b.restart_at);
        find_doc_end(p);
    }
    if (p->n_items == 0) {
        uint32_t line, col;
        plan_locate(p, b.body_start, &line, &col);
        char where[160];
        snprintf(where, sizeof where, "%s: line %u, column %u", name, line, col);
        st = err_set(e, ST_INVALID, where, "找不到方案结构 (no numbered headings found)");
        goto fail;
    }
    if (p->has_signed)
        p->signed_on = date_iso(p, p->signed_date);
    for (size_t i = 0; i < p->n_items; i++) {
        if (b.ib[i].table)
            build_table_item(&b, i);
        else
            build_item(&b, i);
    }
    build_tasks(p);
    if (!p->title)
        p->title = p->n_items ? p->items[0].title : "";
    free(b.ib);
    free(b.line_kind);
    free(b.line_roles);
    *out = p;
    return ST_OK;
fail:
    free(b.ib);
    free(b.line_kind);
    free(b.line_roles);
    plan_free(p);
    return st;
}

void plan_free(struct plan *p)
{
    if (!p)
        return;
    free(p->text);
    free(p->f);
    free(p->byte_of);
    free(p->line_start);
    free(p->recipients.v);
    free(p->items);
    free(p->tasks);
    free(p->warnings.v);
    arena_free(p->arena);
    free(p);
}

const char *plan_title(const struct plan *p)
{
    return p->title;
}
const char *plan_doc_number(const struct plan *p)
{
    return p->doc_number;
}
const char *plan_signed_on(const struct plan *p)
{
    return p->signed_on;
}
const char *plan_published_on(const struct plan *p)
{
    return p->published_on;
}
const char *plan_encoding(const struct plan *p)
{
    return p->encoding;
}
const char *plan_text(const struct plan *p)
{
    return p->text;
}
size_t plan_text_len(const struct plan *p)
{
    return p->text_len;
}
const char *plan_sha256(const struct plan *p)
{
    return p->sha256;
}
size_t plan_item_count(const struct plan *p)
{
    return p->n_items;
}
size_t plan_task_count(const struct plan *p)
{
    return p->n_tasks;
}
size_t plan_warning_count(const struct plan *p)
{
    return p->warnings.n;
}
const char *plan_warning(const struct plan *p, size_t i)
{
    return p->warnings.v[i];
}

const struct plan_item *plan_item(const struct plan *p, size_t i)
{
    return i < p->n_items ? &p->items[i] : NULL;
}

const struct plan_task *plan_task(const struct plan *p, size_t i)
{
    return i < p->n_tasks ? &p->tasks[i] : NULL;
}

struct plan_names plan_recipients(const struct plan *p)
{
    return (struct plan_names){p->recipients.v, p->recipients.n};
}
