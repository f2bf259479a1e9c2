/* dept: the department directory (部门/单位) and the rules that read department names.
 *
 * Names come from plans in many spellings. The directory keeps one row per name seen, a kind,
 * and, once an office merges spellings with `hqd dept alias`, the canonical row each alias
 * points to. Name analysis (kind, government-body test, shared 区/市/县/省 prefix) is pure and
 * used by the plan parser. */
#ifndef HQD_DEPT_H
#define HQD_DEPT_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct store;

enum dept_kind {
    DEPT_GOVERNMENT, /* 局, 部, 委, 办公室, 中心, 管委会 … */
    DEPT_COMPANY,    /* 公司, 集团, 银行 … */
    DEPT_COLLECTIVE, /* 各相关部门, 管委会各部门, 有关部门 … */
    DEPT_TOWNSHIP,   /* 乡, 镇, 街道 */
    DEPT_OTHER,
};

/* Returns borrowed, static: "government", "company", "collective", "township", "other". */
const char *dept_kind_name(enum dept_kind k);
/* Returns the kind for a stored name; DEPT_OTHER for an unknown word. */
enum dept_kind dept_kind_parse(const char *name);
/* Returns borrowed, static: 政府部门, 企业, 集体称谓, 乡镇街道, 其他. */
const char *dept_kind_label(enum dept_kind k);

/* Classifies a department name (UTF-8). */
enum dept_kind dept_kind_of(const char *name);

/* Returns the length in bytes of name's administrative prefix ("区", "新乡市", "高新区"), or 0
 * when it has none. "市场监管局" has none: 市场 is not 市. */
size_t dept_prefix_len(const char *name);

/* One row of the directory. */
struct dept_row {
    int64_t id;
    char *name;
    enum dept_kind kind;
    int64_t canonical_id; /* 0 when the row is canonical itself */
    char *canonical;      /* canonical name (equals name when canonical) */
    int64_t lead_tasks;   /* tasks led, counted over the canonical department */
    int64_t co_tasks;
};

/* Finds or creates the department called name inside the caller's open transaction and
 * returns its canonical id in *id. A new row is audited as actor. */
enum status dept_ensure(struct store *s, const char *actor, const char *name, int64_t *id,
                        struct err *e) HQD_MUST_CHECK;

/* Lists every department (aliases included) ordered by canonical name then name.
 * *rows is new: free with dept_rows_free. */
enum status dept_list(struct store *s, struct dept_row **rows, size_t *n,
                      struct err *e) HQD_MUST_CHECK;
void dept_rows_free(struct dept_row *rows, size_t n);

/* Resolves a name or alias to its canonical department id; ST_NOT_FOUND if unknown. */
enum status dept_resolve(struct store *s, const char *name, int64_t *id,
                         struct err *e) HQD_MUST_CHECK;

/* Makes alias a spelling of canonical, in one audited transaction. alias may be a name already
 * in the directory (its tasks then count for canonical) or a new spelling; a department others
 * point to takes them along (they then point at canonical). The same alias again changes
 * nothing. Refuses to alias a name to itself or to create a cycle. canonical must exist. */
enum status dept_alias(struct store *s, const char *actor, const char *alias, const char *canonical,
                       struct err *e) HQD_MUST_CHECK;

#endif
