/* Internals shared by the plan module's files. */
#ifndef HQD_PLAN_INT_H
#define HQD_PLAN_INT_H

#include <stddef.h>
#include <stdint.h>

#include "base/arena.h"
#include "base/date.h"
#include "base/err.h"
#include "plan/plan.h"

#define PLAN_MAX_BYTES ((size_t)64 << 20)

/* Growable array of borrowed strings while building. */
struct strvec {
    const char **v;
    size_t n, cap;
};

/* A responsibility clause found in a body: its range and what it assigns. */
struct resp {
    uint32_t start, end; /* characters; removed from the text when cut != 0 */
    int cut;
    struct strvec lead, co;
    const struct plan_deadline *deadline;
};

struct plan {
    struct arena *arena;
    char *text; /* normalised UTF-8 */
    size_t text_len;
    const char *encoding;
    char sha256[65];

    uint32_t n;           /* characters */
    uint32_t *f;          /* code points, folded: full-width ASCII to ASCII, U+3000 to space;
                             text as written is read through byte_of */
    uint32_t *byte_of;    /* byte offset of each character; byte_of[n] == text_len */
    uint32_t *line_start; /* character index of each line's start */
    uint32_t n_lines;

    const char *title, *doc_number, *signed_on, *published_on;
    struct date signed_date;
    int has_signed;
    int first_is_lead; /* the plan says 列第一位的为牵头单位 */
    struct strvec recipients;

    struct plan_item *items;
    size_t n_items, cap_items;
    struct plan_task *tasks;
    size_t n_tasks, cap_tasks;
    struct strvec warnings;
};

/* plan_text.c */
enum status plan_decode(const char *data, size_t len, const char *name, char **out, size_t *out_len,
                        const char **encoding, struct err *e);
void plan_index_text(struct plan *p);
/* Returns the 1-based line and column of character i. */
void plan_locate(const struct plan *p, uint32_t i, uint32_t *line, uint32_t *col);
/* Returns a new arena string of characters [start, end). */
char *plan_sub(struct plan *p, uint32_t start, uint32_t end);

/* plan_resp.c */
/* Parses the inside of a responsibility clause [start, end); returns 1 if it assigns anything. */
int plan_resp_parse(struct plan *p, uint32_t start, uint32_t end, struct resp *r);
/* Returns 1 if [start, end) begins with a responsibility label such as 牵头单位: or 责任部门：,
 * and sets *label_end. */
int plan_resp_label_at(const struct plan *p, uint32_t i, uint32_t end, int *role,
                       uint32_t *label_end);
/* Splits a name list into normalised department names, appending to out. prefix carries the
 * shared 区/市 prefix across lists of one clause (in/out, arena string or NULL). */
void plan_split_names(struct plan *p, uint32_t start, uint32_t end, struct strvec *out,
                      const char **prefix);

/* plan_facts.c */
/* Finds the first deadline in [start, end), skipping the ranges in skip (sorted). */
const struct plan_deadline *plan_find_deadline(struct plan *p, uint32_t start, uint32_t end,
                                               int label_only);
/* Parses a 完成时限 value such as "2020年12月底" or "长期坚持". */
const struct plan_deadline *plan_parse_deadline_value(struct plan *p, uint32_t start, uint32_t end);
/* Appends every figure in [start, end) to *out. */
void plan_find_figures(struct plan *p, uint32_t start, uint32_t end, int measure,
                       struct plan_figure **out, size_t *n, size_t *cap);
/* Parses a date written in Chinese ("2020年3月31日", "二〇二〇年三月三十一日") or ISO at i;
 * returns the number of characters used, 0 if none. */
uint32_t plan_parse_date_at(const struct plan *p, uint32_t i, uint32_t end, struct date *out);

/* Helpers over code points. */
void strvec_push(struct strvec *v, const char *s);
int plan_is_space(uint32_t c);
int plan_is_digit(uint32_t c);
int plan_cn_digit(uint32_t c); /* 0..9 for 〇零一二…九, -1 otherwise */
/* Parses a Chinese numeral 1..99 at i; returns characters used (0 if none). */
uint32_t plan_cn_number(const struct plan *p, uint32_t i, uint32_t end, int *value);
/* Returns 1 if f[i..] starts with the UTF-8 literal lit. */
int plan_match(const struct plan *p, uint32_t i, uint32_t end, const char *lit);
void plan_warn(struct plan *p, uint32_t at, const char *fmt, ...) HQD_PRINTF(3, 4);

#endif
