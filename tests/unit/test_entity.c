/* The entity registry: USCC check digits, all-or-nothing CSV imports with located row errors,
 * GBK files from Excel, and the newest value of each fact. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "entity/entity.h"
#include "store/store.h"
#include "test_util.h"

struct fx {
    char dir[64];
    struct store *s;
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/hqd-test-ent-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char db[128];
    snprintf(db, sizeof db, "%s/hqd.db", f->dir);
    struct err e = {0};
    if (store_open(db, &f->s, &e) != ST_OK)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static void uscc_check_digits(void **state)
{
    (void)state;
    struct err e = {0};
    /* 华为技术有限公司, a public registration. */
    assert_int_equal(entity_uscc_check("914403001922038216", &e), ST_OK);
    assert_int_equal(entity_uscc_check("91410700MA44XW1K27", &e), ST_OK);
    assert_int_equal(entity_uscc_check("914403001922038217", &e), ST_INVALID);
    assert_non_null(strstr(e.msg, "末位应为 6"));
    assert_int_equal(entity_uscc_check("91440300192203821", &e), ST_INVALID);
    assert_non_null(strstr(e.msg, "18 位"));
    /* I, O, Z, S, V are not in the character set. */
    assert_int_equal(entity_uscc_check("91440300I92203821X", &e), ST_INVALID);
    assert_non_null(strstr(e.msg, "第 9 位"));
    assert_int_equal(entity_uscc_check("914403001922038216 ", &e), ST_INVALID);
}

static enum status import(struct fx *f, const char *text, struct entity_import_report *rep,
                          struct err *e)
{
    return entity_import_csv(f->s, "test", text, strlen(text), "t.csv", NULL, rep, e);
}

/* Finding an entity to pick: by a part of its name or code, names that start with it first,
 * a % or _ in a name taken as itself, at most limit. */
static void search_by_name_or_code(void **state)
{
    struct fx *f = *state;
    struct entity_import_report rep;
    struct err e = {0};
    char csv[2048] = "uscc,name,kind,in_zone,industry\n";
    const char *names[] = {"新乡装备制造有限公司", "河南新乡装备公司", "百分之百_100%科技",
                           "新乡生物"};
    char uscc[4][19];
    for (int i = 0; i < 4; i++) {
        snprintf(uscc[i], sizeof uscc[i], "9141070000000%04u", (unsigned)(100 + i) % 10000u);
        uscc[i][17] = entity_uscc_check_char(uscc[i]);
        uscc[i][18] = '\0';
        snprintf(csv + strlen(csv), sizeof csv - strlen(csv), "%s,%s,企业,是,制造\n", uscc[i],
                 names[i]);
    }
    assert_int_equal(import(f, csv, &rep, &e), ST_OK);
    struct entity *v;
    size_t n;
    assert_int_equal(entity_search(f->s, "装备", 20, &v, &n, &e), ST_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].name, "新乡装备制造有限公司"); /* neither starts with it: by name */
    entities_free(v, n);
    assert_int_equal(entity_search(f->s, "新乡", 20, &v, &n, &e), ST_OK);
    assert_int_equal(n, 3);
    assert_string_equal(v[2].name, "河南新乡装备公司"); /* the names that start with it first */
    entities_free(v, n);
    assert_int_equal(entity_search(f->s, "_100%", 20, &v, &n, &e), ST_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].uscc, uscc[2]);
    entities_free(v, n);
    char lower[19];
    snprintf(lower, sizeof lower, "%s", uscc[3] + 10);
    for (char *c = lower; *c; c++)
        *c = (char)(*c >= 'A' && *c <= 'Z' ? *c - 'A' + 'a' : *c);
    assert_int_equal(entity_search(f->s, lower, 20, &v, &n, &e), ST_OK);
    assert_int_equal(n, 1);
    assert_string_equal(v[0].name, "新乡生物");
    assert_int_equal(v[0].n_facts, 0);
    entities_free(v, n);
    assert_int_equal(entity_search(f->s, "新乡", 1, &v, &n, &e), ST_OK);
    assert_int_equal(n, 1);
    entities_free(v, n);
    assert_int_equal(entity_search(f->s, "没有这家", 20, &v, &n, &e), ST_OK);
    assert_int_equal(n, 0);
    entities_free(v, n);
}

static void import_is_all_or_nothing(void **state)
{
    struct fx *f = *state;
    struct entity_import_report rep;
    struct err e = {0};
    /* Three bad rows among good ones: each located, nothing written. */
    const char *bad = "uscc,name,kind,in_zone,industry\n"
                      "91410700MA44XW1K27,甲公司,企业,是,装备制造\n"
                      "91410700MA44XW1K28,乙公司,企业,是,装备制造\n"
                      "91410700MA9F123453,丙公司,工厂,是,生物医药\n"
                      "52410700MA4KX0012C,丁中心,机构,也许,服务\n"
                      "52410700MA4KX0012C,戊中心,机构\n";
    assert_int_equal(import(f, bad, &rep, &e), ST_INVALID);
    assert_int_equal(rep.n_errors, 4);
    assert_non_null(strstr(rep.errors[0], "t.csv: row 3, column 1 (统一社会信用代码)"));
    assert_non_null(strstr(rep.errors[0], "末位应为 7"));
    assert_non_null(strstr(rep.errors[1], "row 4, column 3 (类别)"));
    assert_non_null(strstr(rep.errors[2], "row 5, column 4 (区内)"));
    assert_non_null(strstr(rep.errors[3], "row 6, column 4"));
    assert_int_equal(test_count(f->s, "entities"), 0);
    assert_int_equal(test_count(f->s, "audit_log"), 0);

    /* A wrong header names the column it expected. */
    assert_int_equal(import(f, "uscc,名字,kind,in_zone,industry\n", &rep, &e), ST_INVALID);
    assert_string_equal(e.where, "t.csv: row 1, column 2");
    /* Unbalanced quotes are a CSV error, not a half-import. */
    assert_int_equal(
        import(f, "uscc,name,kind,in_zone,industry\n\"91410700MA44XW1K27,x\n", &rep, &e),
        ST_INVALID);
    assert_non_null(strstr(e.msg, "CSV"));

    /* Good rows, quoted fields with commas, a GBK file as Excel writes it. */
    const char *good = "统一社会信用代码,名称,类别,区内,行业\r\n"
                       "91410700MA44XW1K27,\"甲公司, 新乡\",企业,是,装备制造\r\n"
                       "52410700MA4KX0012C,丁中心,机构,否,服务\r\n";
    assert_int_equal(import(f, good, &rep, &e), ST_OK);
    assert_int_equal(rep.entities, 2);
    assert_int_equal(test_count(f->s, "audit_log"), 1);
    /* 统一社会信用代码,名称,类别,区内,行业 / …,乙公司,企业,是,生物医药 in GBK. */
    const char gbk[] = "\xcd\xb3\xd2\xbb\xc9\xe7\xbb\xe1\xd0\xc5\xd3\xc3\xb4\xfa\xc2\xeb,"
                       "\xc3\xfb\xb3\xc6,\xc0\xe0\xb1\xf0,\xc7\xf8\xc4\xda,\xd0\xd0\xd2\xb5\n"
                       "91410700MA9F123453,\xd2\xd2\xb9\xab\xcb\xbe,\xc6\xf3\xd2\xb5,\xca\xc7,"
                       "\xc9\xfa\xce\xef\xd2\xbd\xd2\xa9\n";
    assert_int_equal(import(f, gbk, &rep, &e), ST_OK);
    assert_int_equal(test_count(f->s, "entities"), 3);

    /* Facts: one for an unknown entity spoils the whole file. */
    const char *facts_bad = "uscc,fact,value,source,date\n"
                            "91410700MA44XW1K27,amount,100.00,技术合同登记,2020-07-01\n"
                            "914403001922038216,amount,5.00,税务,2020-07-01\n";
    assert_int_equal(import(f, facts_bad, &rep, &e), ST_INVALID);
    assert_non_null(strstr(rep.errors[0], "row 3, column 1"));
    assert_int_equal(test_count(f->s, "entity_facts"), 0);
    const char *facts_bad2 = "uscc,fact,value,source,date\n"
                             "91410700MA44XW1K27,Amount,100.00,微信,2020-13-01\n";
    assert_int_equal(import(f, facts_bad2, &rep, &e), ST_INVALID);
    assert_int_equal(rep.n_errors, 3);
    assert_non_null(strstr(rep.errors[0], "column 2 (事实)"));
    assert_non_null(strstr(rep.errors[1], "column 4 (来源)"));
    assert_non_null(strstr(rep.errors[2], "column 5 (日期)"));
}

/* Rules that take any value and name matters by contract_no, as a pack with an exclusive
 * group does. */
static int any_value(void *ctx, const char *name, const char *value, char *why, size_t why_len)
{
    (void)ctx, (void)name, (void)value, (void)why, (void)why_len;
    return 1;
}

static int contract_key(void *ctx, const char *name)
{
    (void)ctx;
    return !strcmp(name, "contract_no");
}

/* Every kind of bad cell is located by row and column and says what is wrong; a file that is
 * not a table at all is refused as a whole. Nothing is written either way. */
static void bad_cells_are_located(void **state)
{
    const struct entity_fact_rule rule = {any_value, NULL, contract_key};
    struct fx *f = *state;
    struct entity_import_report rep;
    struct err e = {0};
    assert_int_equal(import(f,
                            "uscc,name,kind,in_zone,industry\n"
                            "91410700MA44XW1K27,甲公司,企业,是,装备制造\n",
                            &rep, &e),
                     ST_OK);
    char long_name[200], long_value[100], long_key[120];
    memset(long_name, 'N', 170);
    long_name[170] = '\0';
    memset(long_value, '9', 64);
    long_value[64] = '\0';
    snprintf(long_key, sizeof long_key, "contract_no=%064d", 7);
    char csv[1024];
    static const struct {
        const char *head, *row; /* the row's cells after the USCC, %s where the long text goes */
        int which;              /* 0 none, 1 long_name, 2 long_value, 3 long_key */
        const char *where, *says;
    } cases[] = {
        {"uscc,name,kind,in_zone,industry", ",企业,是,装备制造", 0, "row 2, column 2 (名称)",
         "名称不能为空"},
        {"uscc,name,kind,in_zone,industry", "%s,企业,是,装备制造", 1, "row 2, column 2 (名称)",
         "不能超过 159 字节"},
        {"uscc,name,kind,in_zone,industry", "乙公司,企业,是,%s", 1, "row 2, column 5 (行业)",
         "行业名称过长"},
        {"uscc,fact,value,source,date", "amount,,税务,2020-07-01", 0, "row 2, column 3 (值)",
         "值不能为空"},
        {"uscc,fact,value,source,date", "contract_no,%s,税务,2020-07-01", 2, "row 2, column 3 (值)",
         "值不能超过 63 字节"},
        {"uscc,fact,value,source,date,matter", "amount,100.00,税务,2020-07-01,%s", 3,
         "row 2, column 6 (事项)", "事项编号不能超过 63 字节"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *fill = cases[i].which == 1   ? long_name
                           : cases[i].which == 2 ? long_value
                           : cases[i].which == 3 ? long_key
                                                 : "";
        char row[512]; /* the row with the long text where it says %s */
        const char *at = strstr(cases[i].row, "%s");
        if (at)
            snprintf(row, sizeof row, "%.*s%s%s", (int)(at - cases[i].row), cases[i].row, fill,
                     at + 2);
        else
            snprintf(row, sizeof row, "%s", cases[i].row);
        snprintf(csv, sizeof csv, "%s\n91410700MA44XW1K27,%s\n", cases[i].head, row);
        memset(&e, 0, sizeof e);
        assert_int_equal(
            entity_import_csv(f->s, "test", csv, strlen(csv), "t.csv", &rule, &rep, &e),
            ST_INVALID);
        if (rep.n_errors != 1 || !strstr(rep.errors[0], cases[i].where) ||
            !strstr(rep.errors[0], cases[i].says))
            fail_msg("case %zu: %zu errors, first \"%s\"; wanted %s: %s", i, rep.n_errors,
                     rep.n_errors ? rep.errors[0] : "", cases[i].where, cases[i].says);
    }
    /* A wide table needs a fact after 日期; an empty file is said to be empty. */
    memset(&e, 0, sizeof e);
    assert_int_equal(import(f, "uscc,source,date\n91410700MA44XW1K27,税务,2020-07-01\n", &rep, &e),
                     ST_INVALID);
    assert_string_equal(e.where, "t.csv: row 1, column 4");
    assert_non_null(strstr(e.msg, "至少要有一列事实名"));
    memset(&e, 0, sizeof e);
    assert_int_equal(import(f, "", &rep, &e), ST_INVALID);
    assert_non_null(strstr(e.msg, "文件为空"));
    assert_int_equal(test_count(f->s, "entities"), 1);
    assert_int_equal(test_count(f->s, "entity_facts"), 0);
}

static void newest_fact_wins(void **state)
{
    struct fx *f = *state;
    struct entity_import_report rep;
    struct err e = {0};
    assert_int_equal(import(f,
                            "uscc,name,kind,in_zone,industry\n"
                            "91410700MA44XW1K27,甲公司,企业,是,装备制造\n"
                            "52410700MA4KX0012C,丁中心,机构,否,服务\n",
                            &rep, &e),
                     ST_OK);
    assert_int_equal(import(f,
                            "uscc,fact,value,source,date\n"
                            "91410700MA44XW1K27,amount,200.00,技术合同登记,2020-08-01\n"
                            "91410700MA44XW1K27,amount,100.00,技术合同登记,2020-07-01\n"
                            "52410700MA4KX0012C,patents,3,自行申报,2020-09-01\n"
                            "91410700MA44XW1K27,contract_registered,是,技术合同登记,2020-07-01\n",
                            &rep, &e),
                     ST_OK);
    assert_int_equal(rep.facts, 4);
    struct entity *v;
    size_t n;
    assert_int_equal(entity_list(f->s, &v, &n, &e), ST_OK);
    assert_int_equal(n, 2);
    assert_string_equal(v[0].uscc, "52410700MA4KX0012C");
    assert_string_equal(v[0].kind, "institution");
    assert_int_equal(v[0].n_facts, 1);
    assert_string_equal(v[1].name, "甲公司");
    assert_int_equal(v[1].n_facts, 2);
    assert_string_equal(v[1].facts[0].name, "amount");
    assert_string_equal(v[1].facts[0].value, "200.00");
    assert_string_equal(v[1].facts[0].source, "contract-registry");
    assert_string_equal(v[1].facts[1].name, "contract_registered");
    entities_free(v, n);
}

static int64_t col_value(const struct entity_column *c, size_t row)
{
    if (c->width == 1)
        return ((const int8_t *)c->v)[row] == INT8_MIN ? INT64_MIN : ((const int8_t *)c->v)[row];
    if (c->width == 4)
        return ((const int32_t *)c->v)[row] == INT32_MIN ? INT64_MIN : ((const int32_t *)c->v)[row];
    return ((const int64_t *)c->v)[row];
}

/* The fact columns follow every import (narrow and wide files), keep the newest value by date,
 * pick the narrowest width, and are left as they were by a refused import. */
static void fact_columns_follow_imports(void **state)
{
    struct fx *f = *state;
    struct entity_import_report rep;
    struct err e = {0};
    assert_int_equal(import(f,
                            "uscc,name,kind,in_zone,industry\n"
                            "91410700MA44XW1K27,甲公司,企业,是,装备制造\n"
                            "52410700MA4KX0012C,丁中心,机构,否,服务\n",
                            &rep, &e),
                     ST_OK);
    assert_int_equal(import(f,
                            "统一社会信用代码,来源,日期,amount,contract_registered,patents,"
                            "tech-transfer-in.amount,contract_no\n"
                            "91410700MA44XW1K27,技术合同登记,2020-08-01,200.00,是,,1.5,HT-1\n"
                            "52410700MA4KX0012C,自行申报,2020-09-01,,否,3,,\n",
                            &rep, &e),
                     ST_OK);
    assert_int_equal(rep.facts, 6);
    /* An older amount does not replace a newer one; a newer one does. */
    assert_int_equal(import(f,
                            "uscc,fact,value,source,date\n"
                            "91410700MA44XW1K27,amount,100.00,技术合同登记,2020-07-01\n"
                            "52410700MA4KX0012C,patents,40,自行申报,2020-10-01\n",
                            &rep, &e),
                     ST_OK);
    const char *names[] = {
        "amount",  "contract_registered", "patents", "tech-transfer-in.amount", "contract_no",
        "nothing", ENTITY_KIND_COLUMN};
    struct entity_columns *c;
    assert_int_equal(entity_columns_load(f->s, names, 7, &c, &e), ST_OK);
    assert_int_equal(entity_columns_rows(c), 3); /* ids 1 and 2, row 0 unused */
    const struct entity_column *amount = entity_columns_get(c, 0);
    assert_int_equal(amount->width, 4);
    assert_int_equal(col_value(amount, 1), 20000);
    assert_int_equal(col_value(amount, 2), INT64_MIN);
    const struct entity_column *reg = entity_columns_get(c, 1);
    assert_int_equal(reg->width, 1);
    assert_int_equal(col_value(reg, 1), ENTITY_TRUE_WORD);
    assert_int_equal(col_value(reg, 2), ENTITY_FALSE_WORD);
    assert_int_equal(col_value(entity_columns_get(c, 2), 2), 4000);
    assert_int_equal(col_value(entity_columns_get(c, 3), 1), 150);
    assert_int_equal(col_value(entity_columns_get(c, 4), 1), ENTITY_TEXT_VALUE);
    assert_int_equal(entity_columns_get(c, 5)->width, 0);
    const struct entity_column *kind = entity_columns_get(c, 6);
    assert_int_equal(col_value(kind, 1), 1);
    assert_int_equal(col_value(kind, 2), 2);
    entity_columns_free(c);
    /* A refused file changes nothing, columns included. */
    assert_int_equal(import(f,
                            "uscc,fact,value,source,date\n"
                            "91410700MA44XW1K27,amount,900.00,技术合同登记,2021-01-01\n"
                            "91410700MA44XW1K27,amount,1.00,不知道,2021-01-01\n",
                            &rep, &e),
                     ST_INVALID);
    assert_int_equal(entity_columns_load(f->s, names, 1, &c, &e), ST_OK);
    assert_int_equal(col_value(entity_columns_get(c, 0), 1), 20000);
    entity_columns_free(c);
    /* An amount past 2^31 fen widens its column to eight bytes; an entity registered after the
     * columns were written has a row in each, with no value, and the registry's 区内 and 行业. */
    assert_int_equal(import(f,
                            "uscc,fact,value,source,date\n"
                            "91410700MA44XW1K27,amount,30000000.00,技术合同登记,2021-02-01\n",
                            &rep, &e),
                     ST_OK);
    assert_int_equal(import(f,
                            "uscc,name,kind,in_zone,industry\n"
                            "91410700MA9F123453,丙公司,企业,是,生物医药\n",
                            &rep, &e),
                     ST_OK);
    const char *wide[] = {ENTITY_KIND_COLUMN, "amount", "patents", ENTITY_IN_ZONE_FACT,
                          ENTITY_INDUSTRY_FACT};
    assert_int_equal(entity_columns_load(f->s, wide, 5, &c, &e), ST_OK);
    assert_int_equal(entity_columns_rows(c), 4);
    amount = entity_columns_get(c, 1);
    assert_int_equal(amount->width, 8);
    assert_int_equal(col_value(amount, 1), 3000000000);
    assert_int_equal(col_value(amount, 2), INT64_MIN);
    assert_int_equal(col_value(amount, 3), INT64_MIN);
    assert_int_equal(col_value(entity_columns_get(c, 2), 2), 4000);
    assert_int_equal(col_value(entity_columns_get(c, 2), 3), INT64_MIN);
    const struct entity_column *zone = entity_columns_get(c, 3), *trade = entity_columns_get(c, 4);
    assert_int_equal(col_value(zone, 1), ENTITY_TRUE_WORD);
    assert_int_equal(col_value(zone, 2), ENTITY_FALSE_WORD);
    assert_int_equal(col_value(zone, 3), ENTITY_TRUE_WORD);
    assert_int_equal(col_value(trade, 3), ENTITY_TEXT_VALUE);
    entity_columns_free(c);
    /* A bad wide header is named by column. */
    assert_int_equal(import(f, "uscc,source,date,Amount\n", &rep, &e), ST_INVALID);
    assert_non_null(strstr(e.where, "column 4"));
    assert_int_equal(import(f, "uscc,source,date,amount,amount\n", &rep, &e), ST_INVALID);
    assert_non_null(strstr(e.msg, "重复"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(uscc_check_digits),
        cmocka_unit_test_setup_teardown(import_is_all_or_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(search_by_name_or_code, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_cells_are_located, setup, teardown),
        cmocka_unit_test_setup_teardown(newest_fact_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(fact_columns_follow_imports, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
