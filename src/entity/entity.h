/* entity: the registry of enterprises, institutions and funds, keyed by 统一社会信用代码 (USCC),
 * and the facts about them that incentive rules read (contracts, purchases, patent transfers,
 * fund investments), each with its source and date. Imports are CSV, all-or-nothing, with an
 * error per bad row naming its row and column. */
#ifndef HQD_ENTITY_H
#define HQD_ENTITY_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct store;

/* Checks an 18-character USCC: its character set and its check digit (GB 32100-2015). On
 * failure e says what is wrong ("校验码应为 X"). */
enum status entity_uscc_check(const char *code, struct err *e) HQD_MUST_CHECK;
/* The check character of the first 17 characters of a USCC, or '\0' if one is not of the set. */
char entity_uscc_check_char(const char *first17);

#define ENTITY_IMPORT_ERRORS_MAX 20

struct entity_import_report {
    size_t rows;     /* data rows read */
    size_t entities; /* entities created or updated */
    size_t facts;    /* facts recorded */
    size_t n_errors; /* bad rows (all counted; the first ENTITY_IMPORT_ERRORS_MAX kept) */
    char errors[ENTITY_IMPORT_ERRORS_MAX][320];
};

/* What the rules expect of a fact's value: check returns 0 and writes why (zh-CN, NUL-ended)
 * when value is not acceptable for fact name. */
struct entity_fact_rule {
    int (*check)(void *ctx, const char *name, const char *value, char *why, size_t why_len);
    void *ctx;
    /* Whether name is the input a clause names its matters by (a contract number): a row of a
     * wide facts file with such a column filled is one matter's facts. May be NULL. */
    int (*is_matter_key)(void *ctx, const char *name);
};

/* Imports a CSV of entities (header 统一社会信用代码,名称,类别,区内,行业 or
 * uscc,name,kind,in_zone,industry) or of facts (统一社会信用代码,事实,值,来源,日期 or
 * uscc,fact,value,source,date), told apart by the header. Either every row is valid and the
 * whole file is written in one audited transaction, or nothing is written: ST_INVALID, with each
 * bad row listed in report ("source: row 3, column 1 (uscc): …"). Fact values are also checked
 * by rule when it is not NULL (award_import_registry passes the policy pack's); a row of a wide
 * facts file whose matter-key column (rule->is_matter_key) is filled holds that matter's facts,
 * as does a long row whose optional sixth column (事项) says KEY=VALUE. */
enum status entity_import_csv(struct store *s, const char *actor, const char *data, size_t len,
                              const char *source, const struct entity_fact_rule *rule,
                              struct entity_import_report *report, struct err *e) HQD_MUST_CHECK;

/* A fact's source: market (市场监管), tax (税务), contract-registry (技术合同登记) — certified
 * by the authority that keeps the data — or self (自行申报). */
#define ENTITY_SOURCE_SELF "self"

struct entity_fact {
    char name[48];
    char value[64];
    char source[20]; /* market, tax, contract-registry or self */
    char as_of[11];
    /* 0 for a fact about the entity as a whole; else 1 + the index of the matter (事项) it
     * belongs to in the entity's matters */
    unsigned matter;
};

/* A matter of an entity: the input naming it (contract_no) and its value (the number). */
struct entity_matter {
    char key[48];
    char value[64];
};

struct entity {
    int64_t id;
    char uscc[19];
    char name[160];
    char kind[12]; /* enterprise, institution, fund */
    int in_zone;
    char industry[64];
    /* the newest value of each fact name: the entity's own first, then each matter's (by key
     * and value, as matters lists them), each group by name */
    struct entity_fact *facts;
    size_t n_facts;
    struct entity_matter *matters;
    size_t n_matters;
};

/* The id and kind (enterprise, institution, fund) of the entity with this USCC; *id is 0 when
 * there is none. kind may be NULL. ST_INVALID naming "uscc" when uscc is not a valid code (its
 * check character says which): entity_get too. */
enum status entity_find(struct store *s, const char *uscc, int64_t *id, char kind[12],
                        struct err *e) HQD_MUST_CHECK;

/* One entity with its newest facts; ST_NOT_FOUND naming the USCC. out: entities_free(out, 1). */
enum status entity_get(struct store *s, const char *uscc, struct entity **out,
                       struct err *e) HQD_MUST_CHECK;

/* At most limit entities after the USCC after ("" for the first), by USCC, with their newest
 * facts; *total is how many there are in all. *out: entities_free. */
enum status entity_list_page(struct store *s, const char *after, size_t limit, struct entity **out,
                             size_t *n, size_t *total, struct err *e) HQD_MUST_CHECK;
/* At most limit entities whose name or USCC contains q (letters of a USCC in either case),
 * names that start with q first, then by name; without their facts (to pick one, e.g. for a
 * form). *out: entities_free. */
enum status entity_search(struct store *s, const char *q, size_t limit, struct entity **out,
                          size_t *n, struct err *e) HQD_MUST_CHECK;
/* Every entity with its newest facts, by USCC. *out: entities_free. */
enum status entity_list(struct store *s, struct entity **out, size_t *n,
                        struct err *e) HQD_MUST_CHECK;
/* Whether any entity has a matter (事项). */
enum status entity_has_matters(struct store *s, int *yes, struct err *e) HQD_MUST_CHECK;
/* Every entity (or, with_matters, those that have matters) as entity_list gives them, a batch
 * at a time: entity_cursor_next gives the next batch (borrowed until the next call), *n = 0 at
 * the end. Memory stays that of one batch however large the registry. */
struct entity_cursor;
struct entity_cursor *entity_cursor_open(struct store *s, int with_matters);
enum status entity_cursor_next(struct entity_cursor *c, struct entity **v, size_t *n,
                               struct err *e) HQD_MUST_CHECK;
void entity_cursor_close(struct entity_cursor *c);
void entities_free(struct entity *v, size_t n);
/* An entity as the CLI's --json and the API give it: uscc, name, kind, in_zone, industry, facts
 * (its own, by name: {value, source, as_of}) and matters ([{key, value, facts}], one per matter
 * it has). New reference. */
struct json_t;
struct json_t *entity_json(const struct entity *x);

/* ---------------------------------------------------------------- fact columns */

/* The newest value of every fact as a column, for matching every entity at once. Row i is the
 * entity with id i (row 0 is unused). A numeric fact is its value ×100 (fen for money, 100 per
 * unit for a count, so "1" is 100); the words 是/true/yes and 否/false/no are ENTITY_TRUE_WORD
 * and ENTITY_FALSE_WORD, other text (a contract number) ENTITY_TEXT_VALUE; rows with no fact
 * hold the width's minimum (INT8_MIN, INT32_MIN or
 * INT64_MIN). The column ENTITY_KIND_COLUMN holds each entity's kind as 1 (enterprise),
 * 2 (institution) or 4 (fund), 0 for no entity. */
#define ENTITY_KIND_COLUMN "@kind"
/* The registry's own attributes, which rules read as facts of every entity: 区内 (是/否) and
 * 行业 (text). A fact of the same name, where an entity has one, is read instead. */
#define ENTITY_IN_ZONE_FACT "in_zone"
#define ENTITY_INDUSTRY_FACT "industry"
#define ENTITY_TRUE_WORD (-1)
#define ENTITY_FALSE_WORD (-2)
#define ENTITY_TEXT_VALUE (-3) /* given, but neither a number nor a yes/no word */

struct entity_column {
    const char *name;
    int width;     /* 1, 4 or 8 bytes; 0 when the store has no such fact */
    const void *v; /* rows values */
};
struct entity_columns;

/* Loads the columns names[0..n) (absent ones get width 0). *out: entity_columns_free. */
enum status entity_columns_load(struct store *s, const char *const *names, size_t n,
                                struct entity_columns **out, struct err *e) HQD_MUST_CHECK;
size_t entity_columns_rows(const struct entity_columns *c);
/* Column i, in the order the names were given (borrowed). */
const struct entity_column *entity_columns_get(const struct entity_columns *c, size_t i);
void entity_columns_free(struct entity_columns *c);

/* The newest text of facts names[0..n) for rows entities (row i is entity i; NULL where it has
 * none; industry and in_zone fall back to the registry's): what enum inputs read, since the
 * columns hold numbers. *out: entity_texts_free. */
struct entity_texts;
enum status entity_texts_load(struct store *s, const char *const *names, size_t n, size_t rows,
                              struct entity_texts **out, struct err *e) HQD_MUST_CHECK;
/* Name i's texts, rows entries (borrowed). */
const char *const *entity_texts_get(const struct entity_texts *t, size_t i);
void entity_texts_free(struct entity_texts *t);

#endif
