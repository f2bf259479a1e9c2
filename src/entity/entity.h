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

#define ENTITY_IMPORT_ERRORS_MAX 20

struct entity_import_report {
    size_t rows;     /* data rows read */
    size_t entities; /* entities created or updated */
    size_t facts;    /* facts recorded */
    size_t n_errors; /* bad rows (all counted; the first ENTITY_IMPORT_ERRORS_MAX kept) */
    char errors[ENTITY_IMPORT_ERRORS_MAX][320];
};

/* Imports a CSV of entities (header 统一社会信用代码,名称,类别,区内,行业 or
 * uscc,name,kind,in_zone,industry) or of facts (统一社会信用代码,事实,值,来源,日期 or
 * uscc,fact,value,source,date), told apart by the header. Either every row is valid and the
 * whole file is written in one audited transaction, or nothing is written: ST_INVALID, with each
 * bad row listed in report ("source: row 3, column 1 (uscc): …"). */
enum status entity_import_csv(struct store *s, const char *actor, const char *data, size_t len,
                              const char *source, struct entity_import_report *report,
                              struct err *e) HQD_MUST_CHECK;

struct entity_fact {
    char name[48];
    char value[64];
    char source[20];
    char as_of[11];
};

struct entity {
    int64_t id;
    char uscc[19];
    char name[160];
    char kind[12]; /* enterprise, institution, fund */
    int in_zone;
    char industry[64];
    struct entity_fact *facts; /* the newest value of each fact name */
    size_t n_facts;
};

/* Every entity with its newest facts, by USCC. *out: entities_free. */
enum status entity_list(struct store *s, struct entity **out, size_t *n,
                        struct err *e) HQD_MUST_CHECK;
void entities_free(struct entity *v, size_t n);

#endif
