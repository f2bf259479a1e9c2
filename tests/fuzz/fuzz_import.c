/* libFuzzer harness for the registry import (entities and facts CSV, long and wide, matters):
 * any bytes must either import whole or be refused with ST_INVALID (or ST_LIMIT) and a message
 * naming the file, leaving the store exactly as it was; never crash or leak. The store is one
 * in-memory database holding the example registry, kept across inputs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "award/award.h"
#include "entity/entity.h"
#include "store/store.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct store *store;

static int64_t count(const char *sql)
{
    struct store_stmt *q;
    struct err e = {0};
    int row;
    int64_t n = -1;
    if (store_prepare(store, sql, &q, &e) != ST_OK)
        abort();
    if (store_step(q, &row, &e) == ST_OK && row)
        n = store_col_int(q, 0);
    store_finish(q);
    return n;
}

static void open_store(void)
{
    static const char entities[] =
        "统一社会信用代码,名称,类别,区内,行业\n"
        "91410700MA44XW1K27,新乡示例装备制造有限公司,企业,是,装备制造\n"
        "91410700MA9F123453,新乡示例生物科技有限公司,企业,是,生物医药\n"
        "52410700MA4KX0012C,新乡示例知识产权服务中心,机构,是,知识产权服务\n";
    struct err e = {0};
    struct entity_import_report rep;
    if (store_open(":memory:", &store, &e) != ST_OK ||
        award_import_registry(store, "fuzz", entities, sizeof entities - 1, "seed.csv", &rep, &e) !=
            ST_OK)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!store)
        open_store();
    int64_t entities = count("SELECT count(*) FROM entities");
    int64_t facts = count("SELECT count(*) FROM entity_facts");
    int64_t audit = count("SELECT count(*) FROM audit_log");
    struct entity_import_report rep;
    struct err e = {0};
    enum status st =
        award_import_registry(store, "fuzz", (const char *)data, size, "fuzz.csv", &rep, &e);
    if (st == ST_OK) {
        /* one audit row per file, and the facts it says it wrote */
        if (count("SELECT count(*) FROM audit_log") != audit + 1 ||
            count("SELECT count(*) FROM entity_facts") != facts + (int64_t)rep.facts)
            abort();
    } else {
        if ((st != ST_INVALID && st != ST_LIMIT) || !e.msg[0] || !strstr(e.where, "fuzz.csv"))
            abort();
        /* nothing half-written */
        if (count("SELECT count(*) FROM entities") != entities ||
            count("SELECT count(*) FROM entity_facts") != facts ||
            count("SELECT count(*) FROM audit_log") != audit || store_in_transaction(store))
            abort();
    }
    /* whatever was imported still lists and matches */
    struct entity *v;
    size_t n;
    if (entity_list(store, &v, &n, &e) != ST_OK)
        abort();
    entities_free(v, n);
    return 0;
}
