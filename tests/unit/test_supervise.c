/* The supervision loop: notices and their states, the escalation ladder on working days across
 * a 调休 weekend, accountability events, 销号 and reopening. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "auth/auth.h"
#include "calendar/calendar.h"
#include "ledger/ledger.h"
#include "plan/plan.h"
#include "store/store.h"
#include "supervise/supervise.h"
#include "test_util.h"

struct fx {
    char dir[64];
    struct store *s;
    struct calendar *cal;
    struct auth_user kj, rl;
};

static void at(const char *iso)
{
    setenv("HQD_NOW", iso, 1);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/hqd-test-sup-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    char db[128];
    snprintf(db, sizeof db, "%s/hqd.db", f->dir);
    struct err e = {0};
    at("2020-04-30T02:00:00Z");
    if (store_open(db, &f->s, &e) != ST_OK)
        return -1;
    size_t len = 0;
    char *data = test_read("examples/plan-2020-28.txt", &len);
    struct plan *p;
    int64_t id, uid;
    int created;
    if (plan_parse(data, len, "seed", &p, &e) != ST_OK ||
        plan_import(f->s, p, "seed", "test", &id, &created, &e) != ST_OK)
        return -1;
    plan_free(p);
    free(data);
    if (auth_user_add(f->s, "test", "kj", ROLE_DEPT, "区科学技术局", "password-1", &uid, &e) !=
            ST_OK ||
        auth_user_add(f->s, "test", "rl", ROLE_DEPT, "区人力资源部", "password-1", &uid, &e) !=
            ST_OK ||
        auth_user_get(f->s, "kj", &f->kj, &e) != ST_OK ||
        auth_user_get(f->s, "rl", &f->rl, &e) != ST_OK)
        return -1;
    f->cal = calendar_builtin();
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    store_close(f->s);
    calendar_free(f->cal);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    int rc = system(cmd);
    free(f);
    unsetenv("HQD_NOW");
    return rc == 0 ? 0 : -1;
}

static struct notice *notices_of(struct fx *f, int64_t task, size_t *n)
{
    struct notice *v;
    struct err e = {0};
    struct notice_filter nf = {.task_id = task};
    assert_int_equal(supervise_notices(f->s, &nf, &v, n, &e), ST_OK);
    return v;
}

/* The task list reads every task's reports at once and keeps each task's last eight reported
 * periods; its lights must be each task's own, past eight periods and with the longest
 * 连续未报 setting: a task reported ten months running and then silent, one every other month. */
static void bulk_lights_past_eight_periods(void **state)
{
    struct fx *f = *state;
    struct err e = {0};
    struct ledger_settings st;
    assert_int_equal(ledger_settings_get(f->s, 1, &st, &e), ST_OK);
    st.cadence = CADENCE_MONTHLY;
    st.missing_red = 12;
    assert_int_equal(ledger_settings_set(f->s, "office", &st, &e), ST_OK);
    char keys[14][16];
    int reported = 0;
    for (int m = 0; m < 14; m++) {
        int y = 2020 + (m + 3) / 12, mo = (m + 3) % 12 + 1, ny = 2020 + (m + 4) / 12,
            nmo = (m + 4) % 12 + 1;
        char now[32];
        snprintf(keys[m], sizeof keys[m], "%04d-%02d", y, mo);
        snprintf(now, sizeof now, "%04d-%02d-02T02:00:00Z", ny, nmo);
        at(now); /* collecting month m's reports */
        for (int64_t task = 1; task <= 2; task++) {
            if ((task == 1 && m >= 10) || (task == 2 && m % 2))
                continue;
            struct ledger_report_input in = {.task_id = task,
                                             .period = keys[m],
                                             .progress = 5 * (m + 1),
                                             .done = "按计划推进",
                                             .problems = "无",
                                             .next = "继续推进"};
            struct ledger_report out;
            if (ledger_report_submit(f->s, f->cal, &f->kj, &in, &out, NULL, &e) == ST_OK) {
                ledger_report_cleanup(&out);
                reported++;
            }
        }
    }
    assert_true(reported >= 12); /* the history is there */
    at("2021-08-20T02:00:00Z");
    size_t red = 0;
    for (int pass = 0; pass < 2; pass++) { /* the longest 连续未报 run, then 3 */
        st.missing_red = pass ? 3 : 12;
        assert_int_equal(ledger_settings_set(f->s, "office", &st, &e), ST_OK);
        for (int m = 0; m < 14; m++) {
            struct ledger_filter lf = {
                .plan_id = 1, .light = -1, .period = keys[m], .per_page = -1};
            struct ledger_task_row *rows;
            size_t n, total;
            char period[16];
            assert_int_equal(ledger_tasks(f->s, f->cal, &lf, &rows, &n, &total, period, &e), ST_OK);
            assert_true(n > 2);
            for (size_t i = 0; i < n; i++) {
                struct ledger_light one;
                assert_int_equal(ledger_light_eval(f->s, f->cal, rows[i].t.id, keys[m], &one, &e),
                                 ST_OK);
                if (rows[i].light != one.light || rows[i].expected != one.expected ||
                    strcmp(rows[i].reason, one.reason))
                    fail_msg("task %lld, %s: list %s (%s), task %s (%s)", (long long)rows[i].t.id,
                             keys[m], ledger_light_name(rows[i].light), rows[i].reason,
                             ledger_light_name(one.light), one.reason);
                red += pass && rows[i].t.id == 1 && m == 13 && strstr(one.reason, "连续");
            }
            ledger_task_rows_free(rows, n);
        }
    }
    assert_int_equal(red, 1); /* silent since its tenth report: red for 连续未报 */
}

static void notice_states(void **state)
{
    struct fx *f = *state;
    struct err e = {0};
    int64_t ids[16];
    size_t n;
    assert_int_equal(
        supervise_issue(f->s, f->cal, "office", 1, NOTICE_REMIND, "请加快进度", 3, 1, ids, &n, &e),
        ST_OK);
    assert_int_equal(n, 3); /* lead 区科学技术局, co 区人力资源部 and 区财政局 */
    assert_int_equal(
        supervise_issue(f->s, f->cal, "office", 1, NOTICE_REMIND, "  ", 3, 0, ids, &n, &e),
        ST_INVALID);
    size_t nn;
    struct notice *v = notices_of(f, 1, &nn);
    assert_int_equal(nn, 3);
    /* Newest first: the lead's notice is the last issued... find it. */
    int64_t lead_id = 0, rl_id = 0;
    for (size_t i = 0; i < nn; i++) {
        if (!strcmp(v[i].dept, "区科学技术局"))
            lead_id = v[i].id;
        if (!strcmp(v[i].dept, "区人力资源部"))
            rl_id = v[i].id;
        assert_string_equal(v[i].due_on, "2020-05-08"); /* 3 working days after 04-30 */
    }
    supervise_notices_free(v, nn);
    /* Another department can neither sign nor answer it. */
    assert_int_equal(supervise_sign(f->s, &f->rl, lead_id, &e), ST_FORBIDDEN);
    assert_int_equal(supervise_sign(f->s, &f->kj, lead_id, &e), ST_OK);
    assert_int_equal(supervise_sign(f->s, &f->kj, lead_id, &e), ST_CONFLICT);
    assert_int_equal(supervise_decide(f->s, "office", lead_id, 1, NULL, &e), ST_CONFLICT);
    assert_int_equal(supervise_answer(f->s, &f->kj, lead_id, "已召开推进会，下周完成选址", &e),
                     ST_OK);
    assert_int_equal(supervise_decide(f->s, "office", lead_id, 0, "", &e), ST_INVALID);
    assert_int_equal(supervise_decide(f->s, "office", lead_id, 0, "请补充时间表", &e), ST_OK);
    assert_int_equal(supervise_answer(f->s, &f->kj, lead_id, "5月15日前完成选址", &e), ST_OK);
    assert_int_equal(supervise_decide(f->s, "office", lead_id, 1, NULL, &e), ST_OK);
    /* The co department answers its own directly (signing implicitly). */
    assert_int_equal(supervise_answer(f->s, &f->rl, rl_id, "人才政策已配套", &e), ST_OK);
    v = notices_of(f, 1, &nn);
    for (size_t i = 0; i < nn; i++)
        if (v[i].id == lead_id) {
            assert_string_equal(v[i].status, "accepted");
            assert_string_equal(v[i].answer, "5月15日前完成选址");
        }
    supervise_notices_free(v, nn);
}

static void escalation_ladder_on_working_days(void **state)
{
    struct fx *f = *state;
    struct err e = {0};
    int64_t ids[16];
    size_t n;
    /* Issued Friday 2020-05-08 with one working day: due Saturday 05-09, a 调休 working day. */
    at("2020-05-08T02:00:00Z");
    assert_int_equal(
        supervise_issue(f->s, f->cal, "office", 2, NOTICE_REMIND, "请报送进展", 1, 0, ids, &n, &e),
        ST_OK);
    size_t nn;
    struct notice *v = notices_of(f, 2, &nn);
    assert_string_equal(v[0].due_on, "2020-05-09");
    supervise_notices_free(v, nn);
    struct supervise_result r;
    /* On the due day nothing happens. */
    assert_int_equal(supervise_run(f->s, f->cal, "system", 1, (struct date){2020, 5, 9}, &r, &e),
                     ST_OK);
    assert_int_equal(r.escalated, 0);
    /* Sunday 05-10: unanswered past its limit → 催办, due 3 working days later: 05-13. */
    assert_int_equal(supervise_run(f->s, f->cal, "system", 1, (struct date){2020, 5, 10}, &r, &e),
                     ST_OK);
    assert_int_equal(r.escalated, 1);
    v = notices_of(f, 2, &nn);
    assert_int_equal(nn, 2);
    assert_int_equal(v[0].level, NOTICE_URGE);
    assert_string_equal(v[0].due_on, "2020-05-13");
    assert_int_equal(v[0].parent_id, v[1].id);
    assert_string_equal(v[1].status, "escalated");
    assert_non_null(strstr(v[0].reason, "逾期未反馈"));
    supervise_notices_free(v, nn);
    /* 05-14: → 督办, 2 working days: 05-18. */
    assert_int_equal(supervise_run(f->s, f->cal, "system", 1, (struct date){2020, 5, 14}, &r, &e),
                     ST_OK);
    assert_int_equal(r.escalated, 1);
    v = notices_of(f, 2, &nn);
    assert_int_equal(v[0].level, NOTICE_SUPERVISE);
    assert_string_equal(v[0].due_on, "2020-05-18");
    supervise_notices_free(v, nn);
    /* 05-19: an unanswered 督办 is an accountability event, recorded once. */
    assert_int_equal(supervise_run(f->s, f->cal, "system", 1, (struct date){2020, 5, 19}, &r, &e),
                     ST_OK);
    assert_int_equal(r.accountable, 1);
    assert_int_equal(r.escalated, 0);
    assert_int_equal(supervise_run(f->s, f->cal, "system", 1, (struct date){2020, 5, 20}, &r, &e),
                     ST_OK);
    assert_int_equal(r.accountable, 0);
    v = notices_of(f, 2, &nn);
    assert_true(v[0].accountable);
    supervise_notices_free(v, nn);
}

static void red_tasks_get_an_urge(void **state)
{
    struct fx *f = *state;
    struct err e = {0};
    /* Task 3's window ends in April; in June nothing was reported: red, overdue. */
    struct date s = {2020, 4, 1}, d = {2020, 4, 30};
    assert_int_equal(ledger_task_set_dates(f->s, "office", 3, &s, &d, &e), ST_OK);
    at("2020-06-10T02:00:00Z");
    struct supervise_result r;
    assert_int_equal(supervise_run(f->s, f->cal, "system", 1, (struct date){2020, 6, 10}, &r, &e),
                     ST_OK);
    assert_true(r.urged >= 1);
    size_t nn;
    struct notice *v = notices_of(f, 3, &nn);
    assert_int_equal(nn, 1);
    assert_int_equal(v[0].level, NOTICE_URGE);
    assert_string_equal(v[0].origin, "auto");
    supervise_notices_free(v, nn);
    /* A second run does not pile up notices on the same task. */
    size_t before = r.urged;
    assert_int_equal(supervise_run(f->s, f->cal, "system", 1, (struct date){2020, 6, 10}, &r, &e),
                     ST_OK);
    assert_true(r.urged < before || r.urged == 0);
    v = notices_of(f, 3, &nn);
    assert_int_equal(nn, 1);
    supervise_notices_free(v, nn);
}

/* The office turns automatic 催办 off and shortens the 催办 limit; runs respect both. */
static void settings_govern_runs(void **state)
{
    struct fx *f = *state;
    struct err e = {0};
    struct supervise_settings ss;
    assert_int_equal(supervise_settings_get(f->s, 1, &ss, &e), ST_OK);
    assert_int_equal(ss.auto_urge, 1);
    assert_int_equal(ss.limit_wd[NOTICE_URGE], 3);
    ss.auto_urge = 0;
    ss.limit_wd[NOTICE_URGE] = 7;
    assert_int_equal(supervise_settings_set(f->s, "office", &ss, &e), ST_OK);
    struct date s = {2020, 4, 1}, d = {2020, 4, 30};
    assert_int_equal(ledger_task_set_dates(f->s, "office", 3, &s, &d, &e), ST_OK);
    at("2020-06-10T02:00:00Z");
    struct supervise_result r;
    assert_int_equal(supervise_run(f->s, f->cal, "system", 1, (struct date){2020, 6, 10}, &r, &e),
                     ST_OK);
    assert_int_equal(r.urged, 0);
    ss.auto_urge = 1;
    assert_int_equal(supervise_settings_set(f->s, "office", &ss, &e), ST_OK);
    assert_int_equal(supervise_run(f->s, f->cal, "system", 1, (struct date){2020, 6, 10}, &r, &e),
                     ST_OK);
    assert_true(r.urged >= 1);
    size_t nn;
    struct notice *v = notices_of(f, 3, &nn);
    assert_int_equal(nn, 1);
    assert_int_equal(v[0].limit_wd, 7);
    supervise_notices_free(v, nn);
    /* Out-of-range limits are refused and change nothing. */
    ss.limit_wd[NOTICE_REMIND] = 61;
    assert_int_equal(supervise_settings_set(f->s, "office", &ss, &e), ST_INVALID);
    assert_string_equal(e.where, "remind_wd");
    assert_int_equal(supervise_settings_get(f->s, 1, &ss, &e), ST_OK);
    assert_int_equal(ss.limit_wd[NOTICE_REMIND], 5);
}

static void closing_and_reopening(void **state)
{
    struct fx *f = *state;
    struct err e = {0};
    int64_t cid;
    assert_int_equal(supervise_close_request(f->s, &f->rl, 1, "全部完成", &cid, &e), ST_FORBIDDEN);
    assert_int_equal(supervise_close_request(f->s, &f->kj, 1, "", &cid, &e), ST_INVALID);
    assert_int_equal(
        supervise_close_request(f->s, &f->kj, 1, "平台已投入运行，验收报告见附件", &cid, &e),
        ST_OK);
    int64_t again;
    assert_int_equal(supervise_close_request(f->s, &f->kj, 1, "再申请", &again, &e), ST_CONFLICT);
    assert_int_equal(supervise_close_decide(f->s, "office", cid, 0, "缺少验收材料", &e), ST_OK);
    assert_int_equal(supervise_close_decide(f->s, "office", cid, 1, NULL, &e), ST_CONFLICT);
    assert_int_equal(supervise_close_request(f->s, &f->kj, 1, "补充验收材料", &cid, &e), ST_OK);
    assert_int_equal(supervise_close_decide(f->s, "office", cid, 1, NULL, &e), ST_OK);
    struct ledger_task t;
    assert_int_equal(ledger_task_get(f->s, 1, 0, &t, &e), ST_OK);
    assert_true(t.closed);
    ledger_task_cleanup(&t);
    struct ledger_light l;
    assert_int_equal(ledger_light_eval(f->s, f->cal, 1, "2020-04", &l, &e), ST_OK);
    assert_int_equal(l.light, LIGHT_GREEN);
    assert_string_equal(l.reason, "已销号");
    int64_t ids[16];
    size_t n;
    assert_int_equal(
        supervise_issue(f->s, f->cal, "office", 1, NOTICE_URGE, "x", 0, 0, ids, &n, &e),
        ST_CONFLICT);
    assert_int_equal(supervise_reopen(f->s, "office", 1, "复查发现问题", &e), ST_OK);
    assert_int_equal(ledger_task_get(f->s, 1, 0, &t, &e), ST_OK);
    assert_false(t.closed);
    ledger_task_cleanup(&t);
    assert_int_equal(supervise_reopen(f->s, "office", 1, "再开", &e), ST_CONFLICT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(notice_states, setup, teardown),
        cmocka_unit_test_setup_teardown(bulk_lights_past_eight_periods, setup, teardown),
        cmocka_unit_test_setup_teardown(escalation_ladder_on_working_days, setup, teardown),
        cmocka_unit_test_setup_teardown(red_tasks_get_an_urge, setup, teardown),
        cmocka_unit_test_setup_teardown(settings_govern_runs, setup, teardown),
        cmocka_unit_test_setup_teardown(closing_and_reopening, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
