/* The working-day calendar: the reference limits, 调休 weekends, parsing errors, additions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "calendar/calendar.h"
#include "store/store.h"

static struct date D(int y, int m, int d) {
    return (struct date){y, m, d};
}

static void
assert_date(struct date got, int y, int m, int d)
{
    if (got.y != y || got.m != m || got.d != d)
        fail_msg("got %04d-%02d-%02d, want %04d-%02d-%02d", got.y, got.m, got.d, y, m, d);
}

/* How late a thing is: the working days after its due date, up to today. It undoes
 * calendar_add_workdays from every day of the shipped years, across holidays and 调休. */
static void workdays_between_counts_what_add_adds(void **state)
{
    (void)state;
    struct calendar *c = calendar_builtin();
    /* 国庆 and 中秋 2020: 10-01 to 10-08 off, Saturday 10-10 a make-up working day */
    assert_int_equal(calendar_workdays_between(c, D(2020, 9, 30), D(2020, 10, 8)), 0);
    assert_int_equal(calendar_workdays_between(c, D(2020, 9, 30), D(2020, 10, 9)), 1);
    assert_int_equal(calendar_workdays_between(c, D(2020, 9, 30), D(2020, 10, 10)), 2);
    assert_int_equal(calendar_workdays_between(c, D(2020, 10, 10), D(2020, 9, 30)), 0);
    assert_int_equal(calendar_workdays_between(c, D(2020, 9, 30), D(2020, 9, 30)), 0);
    for (long k = date_to_days(D(2020, 1, 1)); k <= date_to_days(D(2026, 6, 30)); k += 3) {
        struct date d = date_from_days(k);
        int n = (int)(k % 97);
        int back = calendar_workdays_between(c, d, calendar_add_workdays(c, d, n));
        if (back != n)
            fail_msg("%ld: %d working days after it counted back as %d", k, n, back);
    }
    calendar_free(c);
}

static void reference_limits(void **state)
{
    (void)state;
    struct calendar *c = calendar_builtin();
    /* DESIGN §4 and the research notes. */
    assert_date(calendar_add_workdays(c, D(2020, 4, 30), 7), 2020, 5, 13);
    assert_date(calendar_add_workdays(c, D(2020, 9, 30), 20), 2020, 11, 4);
    assert_date(calendar_add_workdays(c, D(2020, 3, 31), 20), 2020, 4, 28);
    /* Xinzheng 1137: received 2020-04-30, dispatch within 1 WD. */
    assert_date(calendar_add_workdays(c, D(2020, 4, 30), 1), 2020, 5, 6);
    assert_date(calendar_add_workdays(c, D(2020, 4, 30), 3), 2020, 5, 8);
    assert_date(calendar_add_workdays(c, D(2020, 4, 30), 0), 2020, 4, 30);
    /* 调休: Saturday 2020-05-09 and Sunday 2020-04-26 are working days; 2020-02-01 is not
     * (the Spring Festival was extended). */
    assert_true(calendar_is_workday(c, D(2020, 5, 9)));
    assert_true(calendar_is_workday(c, D(2020, 4, 26)));
    assert_false(calendar_is_workday(c, D(2020, 2, 1)));
    assert_false(calendar_is_workday(c, D(2020, 10, 8)));
    assert_true(calendar_is_workday(c, D(2020, 10, 10)));
    assert_false(calendar_is_workday(c, D(2023, 1, 2)));
    assert_true(calendar_is_workday(c, D(2023, 10, 8)));
    assert_false(calendar_is_workday(c, D(2021, 6, 14)));
    assert_string_equal(calendar_day_name(c, D(2020, 5, 9)), "劳动节调休");
    assert_null(calendar_day_name(c, D(2020, 5, 12)));
    for (int y = 2020; y <= 2026; y++)
        assert_true(calendar_has_year(c, y));
    assert_false(calendar_has_year(c, 2027));
    /* Every year of the notices has between 245 and 252 working days. */
    for (int y = 2020; y <= 2026; y++) {
        int work = 0;
        for (long k = date_to_days(D(y, 1, 1)); k <= date_to_days(D(y, 12, 31)); k++)
            work += calendar_is_workday(c, date_from_days(k));
        if (work < 245 || work > 252)
            fail_msg("%d has %d working days", y, work);
    }
    calendar_free(c);
}

static void parse_errors_are_located(void **state)
{
    (void)state;
    struct calendar_day *days;
    size_t n;
    struct err e = {0};
    const char *bad_date = "# comment\n2027-13-01 holiday 元旦\n";
    assert_int_equal(calendar_parse(bad_date, strlen(bad_date), "x.txt", &days, &n, &e),
                     ST_INVALID);
    assert_string_equal(e.where, "x.txt: line 2, column 1");
    const char *bad_kind = "2027-01-01 vacation 元旦\n";
    assert_int_equal(calendar_parse(bad_kind, strlen(bad_kind), "x.txt", &days, &n, &e),
                     ST_INVALID);
    assert_string_equal(e.where, "x.txt: line 1, column 12");
    const char *weekday = "2027-01-04 workday 调休\n"; /* a Monday */
    assert_int_equal(calendar_parse(weekday, strlen(weekday), "x.txt", &days, &n, &e), ST_INVALID);
    const char *range = "2027-02-10..2027-02-01 holiday 春节\n";
    assert_int_equal(calendar_parse(range, strlen(range), "x.txt", &days, &n, &e), ST_INVALID);
    const char *both = "2027-01-02 holiday 甲\n2027-01-02 workday 乙\n";
    assert_int_equal(calendar_parse(both, strlen(both), "x.txt", &days, &n, &e), ST_INVALID);
    const char *ok = "\n  2027-01-01 holiday 元旦\r\n2027-02-06..2027-02-12 holiday 春节\n";
    assert_int_equal(calendar_parse(ok, strlen(ok), "x.txt", &days, &n, &e), ST_OK);
    assert_int_equal(n, 8);
    assert_string_equal(days[7].name, "春节");
    free(days);
}

static void additions_override_and_persist(void **state)
{
    (void)state;
    char dir[] = "/tmp/hqd-test-cal-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char db[64];
    snprintf(db, sizeof db, "%s/hqd.db", dir);
    struct store *s;
    struct err e = {0};
    assert_int_equal(store_open(db, &s, &e), ST_OK);
    const char *y2027 = "2027-01-01 holiday 元旦\n2027-01-02..2027-01-03 holiday 元旦\n"
                        "2027-01-09 workday 调休\n2020-05-11 holiday 假设的放假\n";
    size_t added;
    assert_int_equal(calendar_add(s, "test", y2027, strlen(y2027), "2027.txt", &added, &e), ST_OK);
    assert_int_equal(added, 5);
    const char *bad = "2027-03-01 holiday 好\n2027-03-02 nonsense 坏\n";
    assert_int_equal(calendar_add(s, "test", bad, strlen(bad), "bad.txt", &added, &e), ST_INVALID);
    struct calendar *c;
    assert_int_equal(calendar_load(s, &c, &e), ST_OK);
    assert_true(calendar_has_year(c, 2027));
    assert_true(calendar_is_workday(c, D(2027, 1, 9)));
    assert_true(calendar_is_workday(c, D(2027, 3, 1))); /* a Monday: the bad file added nothing */
    /* The store's entry wins over the shipped one. */
    assert_false(calendar_is_workday(c, D(2020, 5, 11)));
    assert_date(calendar_add_workdays(c, D(2020, 4, 30), 7), 2020, 5, 14);
    calendar_free(c);
    store_close(s);
    char cmd[96];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(reference_limits),
        cmocka_unit_test(workdays_between_counts_what_add_adds),
        cmocka_unit_test(parse_errors_are_located),
        cmocka_unit_test(additions_override_and_persist),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
