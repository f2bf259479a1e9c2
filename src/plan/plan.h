/* plan: reads a 工作方案 (work plan) and decomposes it into items, measures and tasks.
 *
 * plan_parse() takes the raw bytes of a document (UTF-8 or GB18030/GBK, any line endings,
 * full- or half-width punctuation) and returns an immutable parse tree: header fields, every
 * numbered heading as an item with its path (二/(一)/1), the measures inside an item (一是…二是…),
 * lead and cooperating departments, deadlines and figures, each figure and deadline carrying
 * its character span in the normalised source text so later modules can cite the exact clause.
 * plan_import() stores a parsed plan; the query functions read it back. Nothing here prints. */
#ifndef HQD_PLAN_H
#define HQD_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct plan;
struct store;
typedef struct json_t json_t;

/* A character (code point) range [start, end) in plan_text(). */
struct plan_span {
    uint32_t start, end;
};

struct plan_names {
    const char *const *v; /* department names, as normalised by the parser */
    size_t n;
};

struct plan_deadline {
    const char *date; /* ISO "YYYY-MM-DD", or NULL when ongoing (长期坚持, 持续推进) */
    const char *text; /* the words in the source, e.g. "2020年底前" */
    int ongoing;
    struct plan_span span;
};

enum plan_figure_kind { PLAN_FIG_MONEY, PLAN_FIG_PERCENT, PLAN_FIG_COUNT };

struct plan_figure {
    enum plan_figure_kind kind;
    const char *text;  /* as written, e.g. "10万元", "5%", "60多个" */
    const char *value; /* the number as written, ASCII: "20.5", "10", "3468" */
    const char *unit;  /* "元", "万元", "亿元", "%", "个", "项" … */
    int64_t fen;       /* money only: the amount in fen; 0 otherwise */
    int64_t bp;        /* percent only: the rate in basis points (1% = 100), when whole */
    int approx;        /* "60多个", "约", "以上": the number is a lower bound or estimate */
    const char *bound; /* "at_most" (最高, 不超过), "at_least" (不低于, 不少于) or NULL */
    int measure;       /* index of the measure it sits in, or -1 for the item's own text */
    struct plan_span span;
};

struct plan_measure {
    const char *marker;         /* "一是", "第一" */
    const char *title;          /* the first sentence when it is short, else NULL */
    const char *text;           /* without the marker and without responsibility parentheticals */
    struct plan_names lead, co; /* the measure's own assignment, often empty */
    const struct plan_deadline *deadline; /* the measure's own deadline, or NULL */
    struct plan_span span;
};

struct plan_item {
    const char *path;           /* normalised markers joined by '/': "二/(一)/1" */
    const char *marker;         /* normalised marker of this heading: "1", "(一)" */
    const char *title;          /* the heading, or its first sentence when the body follows */
    const char *body;           /* text after the title, responsibility parentheticals removed */
    int depth;                  /* 1 for top-level headings */
    int parent;                 /* index of the parent item, or -1 */
    int is_leaf;                /* no child headings */
    int from_table;             /* the item is a row of a task table flattened to text */
    struct plan_names lead, co; /* the item's own assignment */
    const struct plan_deadline *deadline; /* the item's own deadline, or NULL */
    const struct plan_measure *measures;
    size_t n_measures;
    const struct plan_figure *figures; /* every figure in the item, in source order */
    size_t n_figures;
    struct plan_span span; /* from the marker to the next heading */
};

/* A task: one measure, or an item without measures. Departments and deadline are effective
 * ones: the measure's own, else its item's, else the nearest ancestor's. */
struct plan_task {
    int item;    /* index into the items */
    int measure; /* index into the item's measures, or -1 */
    const char *text;
    struct plan_names lead, co;
    const struct plan_deadline *deadline;
};

/* Parses a document. name is used in error locations ("plan.txt: line 3, column 1").
 * Returns ST_INVALID (and fills e with what is wrong and where) for empty, binary or
 * undecodable input and for text without recognisable structure; ST_LIMIT above 64 MiB.
 * On success *out is new: free with plan_free. */
enum status plan_parse(const char *data, size_t len, const char *name, struct plan **out,
                       struct err *e) HQD_MUST_CHECK;
void plan_free(struct plan *p);

/* Header fields; each returns borrowed (valid until plan_free), NULL when absent. */
const char *plan_title(const struct plan *p);
const char *plan_doc_number(const struct plan *p); /* brackets normalised: 新开〔2020〕28号 */
const char *plan_signed_on(const struct plan *p);  /* 成文日期, ISO */
const char *plan_published_on(const struct plan *p);
const char *plan_encoding(const struct plan *p); /* "UTF-8", "GB18030", "UTF-16LE" … */
struct plan_names plan_recipients(const struct plan *p);

/* The normalised source (UTF-8, LF line ends, no BOM) that spans index, and its SHA-256. */
const char *plan_text(const struct plan *p);
size_t plan_text_len(const struct plan *p); /* bytes */
const char *plan_sha256(const struct plan *p);

size_t plan_item_count(const struct plan *p);
const struct plan_item *plan_item(const struct plan *p, size_t i);
size_t plan_task_count(const struct plan *p);
const struct plan_task *plan_task(const struct plan *p, size_t i);
/* Non-fatal findings ("line 40: numbering jumps from 3 to 5"), borrowed. */
size_t plan_warning_count(const struct plan *p);
const char *plan_warning(const struct plan *p, size_t i);

/* Returns new: the JSON document of `hqd plan parse --json` (leaf items only). */
json_t *plan_to_json(const struct plan *p);

/* ---- stored plans ---- */

/* Imports a parsed plan in one audited transaction. Idempotent by content hash: if a plan with
 * the same normalised text is stored, nothing is written, *created is 0 and *plan_id is the
 * stored one. file_name is recorded (may be NULL). */
enum status plan_import(struct store *s, const struct plan *p, const char *file_name,
                        const char *actor, int64_t *plan_id, int *created,
                        struct err *e) HQD_MUST_CHECK;

struct plan_summary {
    int64_t id;
    char *title, *doc_number, *signed_on, *published_on, *sha256, *imported_at, *file_name;
    int64_t items, tasks;
};

/* Lists stored plans, oldest first; *rows is new: free with plan_summaries_free. */
enum status plan_list(struct store *s, struct plan_summary **rows, size_t *n,
                      struct err *e) HQD_MUST_CHECK;
void plan_summaries_free(struct plan_summary *rows, size_t n);
/* Reads one plan's summary; ST_NOT_FOUND if there is none. *out must be freed with
 * plan_summaries_free(out, 1). */
enum status plan_get(struct store *s, int64_t id, struct plan_summary **out,
                     struct err *e) HQD_MUST_CHECK;

/* One row of the 任务分解表, as stored. */
struct plan_task_row {
    int64_t id, plan_id, seq; /* seq: 1-based order within the plan */
    char *path;               /* item path, with the measure marker when the task is a measure */
    char *section;            /* top-level heading title, e.g. 工作内容 */
    char *item_title;         /* 重点任务 */
    char *marker;             /* measure marker or NULL */
    char *text;               /* 具体措施 */
    char *lead, *co;          /* canonical names joined by "、" */
    char *deadline;           /* ISO or NULL */
    char *deadline_text;      /* as written or NULL */
    char *figures;            /* figure texts joined by "；" */
};

struct plan_task_filter {
    int64_t plan_id;  /* 0: every plan */
    const char *dept; /* name or alias; NULL: any. Matches lead or co. */
};

/* Lists tasks in plan order. ST_NOT_FOUND if filter->dept names no department. *rows is new:
 * free with plan_task_rows_free. */
enum status plan_tasks(struct store *s, const struct plan_task_filter *filter,
                       struct plan_task_row **rows, size_t *n, struct err *e) HQD_MUST_CHECK;
void plan_task_rows_free(struct plan_task_row *rows, size_t n);

/* Writes the 任务分解表 of a stored plan (序号, 条目, 重点任务, 具体措施, 牵头单位, 配合单位,
 * 完成时限, 涉及指标) to path. format is "xlsx" or "csv"; ST_INVALID for another,
 * ST_NOT_FOUND for an unknown plan. */
enum status plan_export_breakdown(struct store *s, int64_t plan_id, const char *format,
                                  const char *path, struct err *e) HQD_MUST_CHECK;

#endif
