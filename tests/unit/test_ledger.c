/* The ledger's pure parts: periods of every cadence, the light rule at its boundaries, the
 * run of missing reports against working-day deadlines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "calendar/calendar.h"
#include "ledger/ledger_int.h"

static struct ledger_settings defaults(void)
{
    struct ledger_settings st = {.plan_id = 1,
                                 .cadence = CADENCE_MONTHLY,
                                 .report_due_wd = 5,
                                 .start_on = {2020, 3, 31},
                                 .end_on = {2023, 3, 31},
                                 .yellow_behind = 10,
                                 .red_behind = 30,
                                 .missing_red = 2};
    return st;
}

static void periods(void **state)
{
    (void)state;
    struct ledger_period p, q;
    assert_true(ledger_period_parse("2020-04", CADENCE_MONTHLY, &p));
    assert_int_equal(p.end.d, 30);
    assert_false(ledger_period_parse("2020-13", CADENCE_MONTHLY, &p));
    assert_false(ledger_period_parse("2020-Q2", CADENCE_MONTHLY, &p));
    assert_false(ledger_period_parse("2020-4", CADENCE_MONTHLY, &p));
    assert_true(ledger_period_parse("2020-Q2", CADENCE_QUARTERLY, &p));
    assert_int_equal(p.start.m, 4);
    assert_int_equal(p.end.m, 6);
    assert_int_equal(p.end.d, 30);
    /* ISO weeks: 2020-W01 starts on Monday 2019-12-30; 2020 has 53 weeks, 2021 has 52. */
    assert_true(ledger_period_parse("2020-W01", CADENCE_WEEKLY, &p));
    assert_int_equal(p.start.y, 2019);
    assert_int_equal(p.start.m, 12);
    assert_int_equal(p.start.d, 30);
    assert_true(ledger_period_parse("2020-W53", CADENCE_WEEKLY, &p));
    assert_false(ledger_period_parse("2021-W53", CADENCE_WEEKLY, &p));
    ledger_period_of((struct date){2021, 1, 3}, CADENCE_WEEKLY, &p);
    assert_string_equal(p.key, "2020-W53");
    ledger_period_of((struct date){2020, 5, 6}, CADENCE_MONTHLY, &p);
    ledger_period_prev(&p, CADENCE_MONTHLY, &q);
    assert_string_equal(q.key, "2020-04");
    ledger_period_reporting((struct date){2020, 1, 10}, CADENCE_MONTHLY, &p);
    assert_string_equal(p.key, "2019-12");
    ledger_period_reporting((struct date){2020, 7, 1}, CADENCE_QUARTERLY, &p);
    assert_string_equal(p.key, "2020-Q2");
}

static enum ledger_light_color light_for(int progress, int late, int missing, int closed,
                                         struct date due, const char *period)
{
    struct ledger_settings st = defaults();
    struct ledger_period p;
    ledger_period_parse(period, CADENCE_MONTHLY, &p);
    struct light_facts f = {.start = {2020, 4, 1},
                            .due = due,
                            .closed = closed,
                            .progress = progress,
                            .late = late,
                            .missing_run = missing};
    struct ledger_light l;
    ledger_light_from_facts(&st, &p, &f, &l);
    return l.light;
}

static void light_rule_boundaries(void **state)
{
    (void)state;
    /* Window 2020-04-01..2020-05-30 (60 days): April's end is 30/60 = 50% 序时进度. */
    struct date due = {2020, 5, 30};
    assert_int_equal(light_for(41, 0, 0, 0, due, "2020-04"), LIGHT_GREEN);  /* 9 behind */
    assert_int_equal(light_for(40, 0, 0, 0, due, "2020-04"), LIGHT_YELLOW); /* 10 behind */
    assert_int_equal(light_for(20, 0, 0, 0, due, "2020-04"), LIGHT_YELLOW); /* 30 behind */
    assert_int_equal(light_for(19, 0, 0, 0, due, "2020-04"), LIGHT_RED);    /* 31 behind */
    assert_int_equal(light_for(-1, 0, 0, 0, due, "2020-04"), LIGHT_RED);    /* nothing: 0% */
    assert_int_equal(light_for(60, 1, 0, 0, due, "2020-04"), LIGHT_YELLOW); /* late report */
    assert_int_equal(light_for(60, 0, 2, 0, due, "2020-04"), LIGHT_RED);    /* two missing */
    assert_int_equal(light_for(60, 0, 1, 0, due, "2020-04"), LIGHT_GREEN);  /* one missing */
    /* Past due and not finished: red; finished: green; closed: green whatever else. */
    assert_int_equal(light_for(99, 0, 0, 0, due, "2020-06"), LIGHT_RED);
    assert_int_equal(light_for(100, 0, 0, 0, due, "2020-06"), LIGHT_GREEN);
    assert_int_equal(light_for(0, 1, 5, 1, due, "2020-06"), LIGHT_GREEN);
    /* Not started: green, 0 expected. */
    struct ledger_settings st = defaults();
    struct ledger_period p;
    ledger_period_parse("2020-03", CADENCE_MONTHLY, &p);
    struct light_facts f = {.start = {2020, 4, 1}, .due = due, .progress = -1};
    struct ledger_light l;
    ledger_light_from_facts(&st, &p, &f, &l);
    assert_int_equal(l.light, LIGHT_GREEN);
    assert_int_equal(l.expected, 0);
    /* Thresholds are per plan. */
    st.yellow_behind = 5;
    st.red_behind = 8;
    ledger_period_parse("2020-04", CADENCE_MONTHLY, &p);
    f.progress = 41;
    ledger_light_from_facts(&st, &p, &f, &l);
    assert_int_equal(l.light, LIGHT_RED);
    assert_non_null(strstr(l.reason, "落后序时进度 9 个百分点"));
}

static int reported_march(void *ctx, const char *key)
{
    (void)ctx;
    return strcmp(key, "2020-03") == 0;
}

static int reported_none(void *ctx, const char *key)
{
    (void)ctx;
    (void)key;
    return 0;
}

static void missing_reports_count_after_deadlines(void **state)
{
    (void)state;
    struct calendar *cal = calendar_builtin();
    struct ledger_settings st = defaults();
    struct ledger_period june;
    ledger_period_parse("2020-06", CADENCE_MONTHLY, &june);
    struct date start = {2020, 3, 1};
    /* June's report is due 2020-07-07 (5 working days after 30 June). */
    assert_int_equal(
        ledger_missing_run(&st, cal, (struct date){2020, 7, 7}, &june, start, reported_none, NULL),
        0);
    assert_int_equal(
        ledger_missing_run(&st, cal, (struct date){2020, 7, 8}, &june, start, reported_none, NULL),
        3); /* June, May, April; stops at missing_red + 1 */
    struct ledger_period april;
    ledger_period_parse("2020-04", CADENCE_MONTHLY, &april);
    assert_int_equal(ledger_missing_run(&st, cal, (struct date){2020, 6, 1}, &april, start,
                                        reported_march, NULL),
                     1);
    /* A task signed on 31 March owes nothing for March. */
    assert_int_equal(ledger_missing_run(&st, cal, (struct date){2020, 6, 1}, &april,
                                        (struct date){2020, 3, 31}, reported_none, NULL),
                     1);
    /* The April deadline counts the 劳动节 holiday: 2020-05-11, not 2020-05-07. */
    struct date dl = ledger_report_deadline(cal, &st, &april);
    assert_int_equal(dl.m, 5);
    assert_int_equal(dl.d, 11);
    calendar_free(cal);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(periods),
        cmocka_unit_test(light_rule_boundaries),
        cmocka_unit_test(missing_reports_count_after_deadlines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
