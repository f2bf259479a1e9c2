/* Exports of the 任务分解表: CSV bytes, xlsx container, atomic writes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "export/export.h"
#include "plan/plan.h"
#include "store/store.h"
#include "test_util.h"

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/hqd-test-export-XXXXXX");
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *d = malloc((size_t)n + 1);
    assert_int_equal(fread(d, 1, (size_t)n, f), (size_t)n);
    d[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return d;
}

static void csv_quotes_and_marks_utf8(void **state)
{
    (void)state;
    static const struct export_column cols[] = {{"名称", 10, 0}, {"说明", 10, 0}};
    const char *cells[] = {"区科学技术局", "含,逗号", "引号\"x\"", "两\n行", NULL, ""};
    struct export_table t = {"表", NULL, cols, 2, cells, 3, 0};
    char path[128];
    snprintf(path, sizeof path, "%s/t.csv", dir);
    struct err e = {0};
    assert_int_equal(export_csv(&t, path, &e), ST_OK);
    size_t len = 0;
    char *d = slurp(path, &len);
    const char *want = "\xEF\xBB\xBF名称,说明\r\n区科学技术局,\"含,逗号\"\r\n\"引号\"\"x\"\"\","
                       "\"两\n行\"\r\n,\r\n";
    assert_string_equal(d, want);
    free(d);
}

/* Money columns hold fen and come out as amounts in 元 that a spreadsheet can sum: numbers in
 * the workbook (with a SUBTOTAL row whose cached value is the exact sum), plain 元 in CSV. */
static void money_columns_sum(void **state)
{
    (void)state;
    static const struct export_column cols[] = {{"名称", 10, 0}, {"金额（元）", 14, 1}};
    const char *cells[] = {"甲", "12000000", "乙", "-5", "丙", ""};
    struct export_table t = {"表", NULL, cols, 2, cells, 3, 1};
    char path[128];
    snprintf(path, sizeof path, "%s/m.csv", dir);
    struct err e = {0};
    assert_int_equal(export_csv(&t, path, &e), ST_OK);
    size_t len = 0;
    char *d = slurp(path, &len);
    assert_string_equal(d, "\xEF\xBB\xBF名称,金额（元）\r\n甲,120000.00\r\n乙,-0.05\r\n丙,\r\n"
                           "合计,119999.95\r\n");
    free(d);
    char *x;
    assert_int_equal(export_xlsx_bytes(&t, &x, &len, &e), ST_OK);
    snprintf(path, sizeof path, "%s/m.xlsx", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(x, 1, len, f), len);
    fclose(f);
    free(x);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "unzip -p '%s' xl/worksheets/sheet1.xml > '%s/sheet.xml'", path, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/sheet.xml", dir);
    d = slurp(path, &len);
    assert_non_null(strstr(d, "<v>120000</v>"));
    assert_non_null(strstr(d, "<v>-0.05</v>"));
    assert_non_null(strstr(d, "<f>SUBTOTAL(109,B2:B4)</f><v>119999.95</v>"));
    free(d);
}

/* Rows past a sheet's limit go on in a second sheet with its own header and 合计; a writer
 * closed without keeping leaves no file. */
static void rows_roll_over_to_a_second_sheet(void **state)
{
    (void)state;
    static const struct export_column cols[] = {{"名称", 10, 0}, {"金额（元）", 14, 1}};
    const char *rows[][2] = {
        {"甲", "100"}, {"乙", "200"}, {"丙", "300"}, {"丁", "400"}, {"戊", NULL}};
    char path[128], cmd[512];
    struct export_writer *w;
    struct err e = {0};
    /* held in memory (shared strings), then written in constant memory (inline strings) */
    for (int streamed = 0; streamed < 2; streamed++) {
        snprintf(path, sizeof path, "%s/roll.xlsx", dir);
        assert_int_equal(export_writer_open(path, "政策匹配", NULL, cols, 2, 1, &w, &e), ST_OK);
        export_writer_sheet_rows(w, 3);
        if (streamed)
            export_writer_stream_rows(w, 4);
        for (int i = 0; i < 5; i++)
            export_writer_row(w, rows[i]);
        assert_int_equal(export_writer_close(w, 1, &e), ST_OK);
        snprintf(cmd, sizeof cmd,
                 "unzip -p '%s' xl/workbook.xml > '%s/wb.xml' && unzip -p '%s' "
                 "xl/worksheets/sheet2.xml > '%s/s2.xml'",
                 path, dir, path, dir);
        assert_int_equal(system(cmd), 0);
        size_t len;
        snprintf(path, sizeof path, "%s/wb.xml", dir);
        char *d = slurp(path, &len);
        assert_non_null(strstr(d, "name=\"政策匹配\""));
        assert_non_null(strstr(d, "name=\"政策匹配 (2)\""));
        free(d);
        snprintf(path, sizeof path, "%s/s2.xml", dir);
        d = slurp(path, &len);
        /* 丁 and 戊 (no amount) below the header, summed on their own sheet: 4.00 元 */
        assert_non_null(strstr(d, "<f>SUBTOTAL(109,B2:B3)</f><v>4</v>"));
        assert_non_null(strstr(d, "<autoFilter ref=\"A1:B3\"/>"));
        if (streamed)
            assert_non_null(strstr(d, "<t>丁</t>"));
        else
            assert_null(strstr(d, "<t>丁</t>"));
        free(d);
    }
    snprintf(path, sizeof path, "%s/gone.xlsx", dir);
    assert_int_equal(export_writer_open(path, "表", NULL, cols, 2, 1, &w, &e), ST_OK);
    export_writer_row(w, rows[0]);
    assert_int_equal(export_writer_close(w, 0, &e), ST_OK);
    assert_int_equal(access(path, F_OK), -1);
}

static void breakdown_of_the_seed(void **state)
{
    (void)state;
    char db[128], csv[128], xlsx[128];
    snprintf(db, sizeof db, "%s/hqd.db", dir);
    snprintf(csv, sizeof csv, "%s/tasks.csv", dir);
    snprintf(xlsx, sizeof xlsx, "%s/tasks.xlsx", dir);
    struct store *s;
    struct err e = {0};
    assert_int_equal(store_open(db, &s, &e), ST_OK);
    size_t len = 0;
    char *data = test_read("examples/plan-2020-28.txt", &len);
    struct plan *p;
    assert_int_equal(plan_parse(data, len, "seed", &p, &e), ST_OK);
    int64_t id;
    int created;
    assert_int_equal(plan_import(s, p, "seed", "test", &id, &created, &e), ST_OK);
    plan_free(p);
    free(data);

    assert_int_equal(plan_export_breakdown(s, id, "csv", csv, &e), ST_OK);
    char *d = slurp(csv, &len);
    size_t lines = 0;
    for (size_t i = 0; i + 1 < len; i++)
        lines += d[i] == '\r' && d[i + 1] == '\n';
    assert_int_equal(lines, 56); /* header + 55 tasks */
    assert_true(
        strncmp(d,
                "\xEF\xBB\xBF序号,条目,重点任务,具体措施,牵头单位,配合单位,完成时限,涉及指标\r\n",
                strlen("\xEF\xBB\xBF序号,条目,重点任务,具体措施,牵头单位,配合单位,完成时限,"
                       "涉及指标\r\n")) == 0);
    assert_non_null(strstr(d, "\r\n1,二/(一)/1/一是,打造若干竞争力强的创新平台,"));
    assert_non_null(strstr(d, ",区科学技术局,区人力资源部、区财政局,,"));
    assert_non_null(strstr(d, "2023-03-31（力争通过三年努力）"));
    assert_non_null(strstr(d, "1%；10万元；10%；100万元；1件；1万元；20万元"));
    free(d);

    assert_int_equal(plan_export_breakdown(s, id, "xlsx", xlsx, &e), ST_OK);
    d = slurp(xlsx, &len);
    assert_true(len > 4000);
    assert_memory_equal(d, "PK\x03\x04", 4);
    free(d);

    assert_int_equal(plan_export_breakdown(s, id, "pdf", xlsx, &e), ST_INVALID);
    assert_int_equal(plan_export_breakdown(s, id + 1, "csv", csv, &e), ST_NOT_FOUND);
    /* A failed write leaves neither the file nor a temporary behind. */
    char bad[160];
    snprintf(bad, sizeof bad, "%s/missing-dir/t.xlsx", dir);
    assert_int_equal(plan_export_breakdown(s, id, "xlsx", bad, &e), ST_IO);
    struct stat sb;
    assert_int_not_equal(stat(bad, &sb), 0);
    store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(csv_quotes_and_marks_utf8),
        cmocka_unit_test(money_columns_sum),
        cmocka_unit_test(rows_roll_over_to_a_second_sheet),
        cmocka_unit_test(breakdown_of_the_seed),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
