/* The parser on plan formats other than the seed: full-width punctuation, GBK, 责任单位 lines,
 * X牵头、Y配合, flattened tables, no assignments, （1） sub-items, deadlines per item, and bad
 * input with its location. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "plan/plan.h"
#include "test_util.h"

static struct plan *parse_fixture(const char *name)
{
    char rel[256];
    snprintf(rel, sizeof rel, "tests/fixtures/%s", name);
    size_t len = 0;
    char *data = test_read(rel, &len);
    if (!data)
        fail_msg("missing fixture %s", rel);
    struct plan *p = NULL;
    struct err e = {0};
    enum status st = plan_parse(data, len, name, &p, &e);
    free(data);
    if (st != ST_OK)
        fail_msg("%s: %s %s", name, e.where, e.msg);
    return p;
}

static const struct plan_item *item(const struct plan *p, const char *path)
{
    for (size_t i = 0; i < plan_item_count(p); i++)
        if (strcmp(plan_item(p, i)->path, path) == 0)
            return plan_item(p, i);
    fail_msg("no item %s", path);
    return NULL;
}

static void names_are(struct plan_names n, const char *const *want)
{
    size_t k = 0;
    for (; want[k]; k++) {
        if (k >= n.n)
            fail_msg("missing name %s", want[k]);
        assert_string_equal(n.v[k], want[k]);
    }
    assert_int_equal(n.n, k);
}

#define NAMES(...) ((const char *const[]){__VA_ARGS__, NULL})
#define NONE ((const char *const[]){NULL})

static void fullwidth_punctuation(void **state)
{
    (void)state;
    struct plan *p = parse_fixture("fullwidth.txt");
    assert_string_equal(plan_title(p), "某区加快数字经济发展实施方案");
    assert_string_equal(plan_doc_number(p), "某政办〔2021〕5号");
    assert_string_equal(plan_signed_on(p), "2021-03-01");
    const struct plan_item *a = item(p, "二/(一)/1");
    assert_string_equal(a->title, "加快５Ｇ网络建设");
    assert_int_equal(a->n_measures, 2);
    names_are(a->lead, NAMES("区工业和信息化局"));
    names_are(a->co, NAMES("区发展和改革委员会", "区财政局"));
    assert_string_equal(a->measures[1].deadline->date, "2021-12-31");
    const struct plan_item *b = item(p, "二/(一)/2");
    names_are(b->lead, NAMES("区大数据管理局"));
    names_are(b->co, NAMES("区自然资源局", "新城投资集团有限公司")); /* no 区 for a company */
    assert_int_equal(b->figures[1].fen, 15000000000LL);              /* １．５亿元 */
    const struct plan_item *c = item(p, "二/(二)/1");
    assert_string_equal(c->figures[0].bound, "at_most");
    assert_int_equal(c->figures[0].fen, 20000000);
    names_are(c->co, NAMES("各相关部门"));
    plan_free(p);
}

static void gbk_encoded(void **state)
{
    (void)state;
    struct plan *p = parse_fixture("gbk.txt");
    assert_string_equal(plan_encoding(p), "GB18030");
    assert_string_equal(plan_title(p), "某县人民政府关于推进工业高质量发展的实施意见");
    assert_string_equal(plan_doc_number(p), "某政〔2021〕12号");
    assert_string_equal(plan_signed_on(p), "2021-05-10");
    const struct plan_item *a = item(p, "一/(一)");
    assert_int_equal(a->n_measures, 2);
    names_are(a->lead, NAMES("县工业和信息化局"));
    names_are(a->co, NAMES("县财政局", "县税务局"));
    assert_int_equal(item(p, "一/(二)")->figures[0].fen, 2000000000LL); /* 2000万元 */
    assert_int_equal(plan_task_count(p), 3);
    plan_free(p);
}

static void responsibility_lines(void **state)
{
    (void)state;
    struct plan *p = parse_fixture("resp_lines.txt");
    /* 列第一位的为牵头单位: the first of 责任单位 leads, the rest cooperate. */
    const struct plan_item *a = item(p, "一/1");
    names_are(a->lead, NAMES("县行政审批服务局"));
    names_are(a->co, NAMES("县大数据中心"));
    assert_string_equal(a->deadline->date, "2022-06-30");
    assert_null(strstr(a->body, "责任单位"));
    names_are(item(p, "一/2")->lead, NAMES("县市场监督管理局"));
    const struct plan_item *c = item(p, "二/1");
    names_are(c->lead, NAMES("县自然资源局"));
    names_are(c->co, NAMES("县发展改革委", "县住建局"));
    assert_int_equal(plan_task_count(p), 3);
    plan_free(p);
}

static void lead_and_co_inline(void **state)
{
    (void)state;
    struct plan *p = parse_fixture("lead_co_inline.txt");
    names_are(item(p, "一/1")->lead, NAMES("区科技局"));
    names_are(item(p, "一/1")->co, NAMES("区财政局"));
    names_are(item(p, "一/2")->lead, NAMES("区发改委"));
    names_are(item(p, "一/2")->co, NAMES("区统计局", "区财政局", "有关部门"));
    names_are(item(p, "一/3")->lead, NAMES("区商务局"));
    names_are(item(p, "一/3")->co, NONE);
    /* 人力资源和社会保障局 is one name; 纪工委 takes the shared 区. */
    names_are(item(p, "一/4")->co, NAMES("区人力资源和社会保障局", "区纪工委"));
    plan_free(p);
}

static void flattened_table(void **state)
{
    (void)state;
    struct plan *p = parse_fixture("table.txt");
    assert_int_equal(plan_task_count(p), 3);
    const struct plan_item *a = item(p, "一/1");
    assert_true(a->from_table);
    assert_string_equal(a->title, "建设创新平台");
    assert_string_equal(a->body, "新建省级研发中心5家");
    names_are(a->lead, NAMES("区科技局"));
    names_are(a->co, NAMES("区财政局", "区发改委"));
    assert_string_equal(a->deadline->date, "2021-12-31");
    assert_string_equal(item(p, "一/2")->deadline->date, "2021-12-31");
    const struct plan_item *c = item(p, "一/3");
    assert_true(c->deadline->ongoing);
    assert_null(c->deadline->date);
    plan_free(p);
}

static void plan_without_assignments(void **state)
{
    (void)state;
    struct plan *p = parse_fixture("no_assign.txt");
    /* Every leaf outside the 指导思想 preamble is a task, measures split. */
    assert_int_equal(plan_task_count(p), 5);
    for (size_t i = 0; i < plan_task_count(p); i++) {
        const struct plan_task *t = plan_task(p, i);
        assert_int_equal(t->lead.n, 0);
        assert_string_not_equal(plan_item(p, (size_t)t->item)->path, "一");
    }
    assert_int_equal(item(p, "二/(一)")->n_measures, 2);
    assert_string_equal(item(p, "二/(二)")->deadline->text, "年底前");
    plan_free(p);
}

static void numbered_sub_items(void **state)
{
    (void)state;
    struct plan *p = parse_fixture("subitems.txt");
    const struct plan_item *a = item(p, "一/(一)/1/(1)");
    names_are(a->lead, NAMES("区科技局"));
    assert_false(item(p, "一/(一)/1")->is_leaf);
    names_are(item(p, "一/(一)/1/(2)")->co, NAMES("区科技局"));
    /* ①② inside a paragraph are measures of 2., and the clause at its end is the item's. */
    const struct plan_item *b = item(p, "一/(一)/2");
    assert_int_equal(b->n_measures, 2);
    assert_string_equal(b->measures[0].marker, "①");
    assert_string_equal(b->measures[0].text, "引进高层次人才");
    names_are(b->lead, NAMES("区人社局"));
    assert_int_equal(plan_task_count(p), 4);
    plan_free(p);
}

static void deadlines_per_item(void **state)
{
    (void)state;
    struct plan *p = parse_fixture("deadlines.txt");
    /* The signature date at the end is the 成文日期; the footer is not part of item 6. */
    assert_string_equal(plan_signed_on(p), "2020-04-15");
    struct {
        const char *path, *date;
    } want[] = {
        {"一/1", "2020-12-31"}, {"一/2", "2020-06-30"}, {"一/3", "2021-03-31"},
        {"一/4", "2023-04-15"}, {"一/5", "2020-12-31"},
    };
    for (size_t k = 0; k < sizeof want / sizeof want[0]; k++) {
        const struct plan_item *it = item(p, want[k].path);
        if (!it->deadline)
            fail_msg("%s has no deadline", want[k].path);
        assert_string_equal(it->deadline->date, want[k].date);
    }
    const struct plan_item *six = item(p, "一/6");
    assert_true(six->deadline->ongoing); /* 完成时限：长期坚持 wins over the text */
    assert_null(strstr(six->body, "管理委员会"));
    plan_free(p);
}

static void expect_error(const char *data, size_t len, const char *where, const char *msg_part)
{
    struct plan *p = NULL;
    struct err e = {0};
    enum status st = plan_parse(data, len, "bad.txt", &p, &e);
    assert_int_equal(st, ST_INVALID);
    assert_null(p);
    if (where)
        assert_string_equal(e.where, where);
    if (!strstr(e.msg, msg_part))
        fail_msg("message '%s' lacks '%s'", e.msg, msg_part);
}

static void bad_input_is_located(void **state)
{
    (void)state;
    expect_error("", 0, "bad.txt", "empty");
    expect_error("  \n\t\n　\n", strlen("  \n\t\n　\n"), "bad.txt", "empty");
    expect_error("一、标题\n正文\x00更多", 22, "bad.txt: line 2, column 3", "binary");
    expect_error("abc\n\x80\x80\x80 bad\n", 12, "bad.txt: line 2, column 1", "undecodable");
    const char *plain = "这是一段普通文字，没有任何编号。\n第二行。\n";
    expect_error(plain, strlen(plain), "bad.txt: line 1, column 1", "no numbered headings");
    /* A BOM followed by invalid UTF-8 is not silently read as GBK. */
    expect_error("\xEF\xBB\xBF一、\xFF", 10, "bad.txt: line 1, column 3", "undecodable");
}

static void numbering_gaps_are_warned(void **state)
{
    (void)state;
    const char *text = "一、任务\n1.甲。（牵头单位：区甲局）\n3.丙。（牵头单位：区丙局）\n";
    struct plan *p = NULL;
    struct err e = {0};
    assert_int_equal(plan_parse(text, strlen(text), "gap", &p, &e), ST_OK);
    assert_int_equal(plan_warning_count(p), 1);
    assert_true(strstr(plan_warning(p, 0), "line 3") != NULL);
    assert_int_equal(plan_task_count(p), 2);
    plan_free(p);
}

static void one_shi_inside_words_is_not_a_measure(void **state)
{
    (void)state;
    const char *text = "一、任务\n1.统一标准。统一是前提，唯一是关键；一是建库；二是建制度。\n";
    struct plan *p = NULL;
    struct err e = {0};
    assert_int_equal(plan_parse(text, strlen(text), "x", &p, &e), ST_OK);
    const struct plan_item *it = plan_item(p, 1);
    assert_int_equal(it->n_measures, 2);
    assert_string_equal(it->measures[0].text, "建库");
    plan_free(p);
}

static void di_yi_measures(void **state)
{
    (void)state;
    const char *text = "一、任务\n（一）强化保障。第一，加强领导；第二，强化考核；第三，严格问责。"
                       "（牵头单位：区委办）\n";
    struct plan *p = NULL;
    struct err e = {0};
    assert_int_equal(plan_parse(text, strlen(text), "x", &p, &e), ST_OK);
    const struct plan_item *it = plan_item(p, 1);
    assert_int_equal(it->n_measures, 3);
    assert_string_equal(it->measures[2].marker, "第三");
    assert_string_equal(it->measures[2].text, "严格问责。");
    assert_int_equal(plan_task_count(p), 3);
    plan_free(p);
}

static void per_measure_assignments(void **state)
{
    (void)state;
    const char *text = "一、任务\n1.招商。一是外出招商。（牵头单位：区商务局）二是以商招商。"
                       "（牵头单位：区工商联；配合单位：区商务局）\n";
    struct plan *p = NULL;
    struct err e = {0};
    assert_int_equal(plan_parse(text, strlen(text), "x", &p, &e), ST_OK);
    const struct plan_task *t0 = plan_task(p, 0), *t1 = plan_task(p, 1);
    assert_string_equal(t0->lead.v[0], "区商务局");
    assert_int_equal(t0->co.n, 0);
    assert_string_equal(t1->lead.v[0], "区工商联");
    assert_string_equal(t1->co.v[0], "区商务局");
    plan_free(p);
}

static void cover_letter_with_numbered_paragraphs(void **state)
{
    (void)state;
    struct plan *p = parse_fixture("cover_letter.txt");
    /* The 通知's own 一、二、三、 are not the plan: it starts at the title before the second 一、.
     */
    assert_string_equal(plan_title(p), "2023年区政府工作报告确定的主要目标任务责任分解方案");
    assert_string_equal(plan_doc_number(p), "某政办〔2023〕1号");
    assert_string_equal(plan_signed_on(p), "2023-01-03");
    assert_int_equal(plan_item_count(p), 5);
    names_are(item(p, "一/(一)")->lead, NAMES("区发展和改革局"));
    const struct plan_item *c = item(p, "二/(一)");
    names_are(c->lead, NAMES("区发展和改革局"));
    names_are(c->co, NAMES("区直各有关部门")); /* …按职责分工负责 */
    assert_int_equal(plan_warning_count(p), 1);
    plan_free(p);
}

static void title_on_two_lines_and_label_runs(void **state)
{
    (void)state;
    struct plan *p = parse_fixture("two_line_title.txt");
    assert_string_equal(plan_title(p), "某山区政府2023年重点工作任务分解和责任分工方案");
    assert_string_equal(plan_signed_on(p), "2023-03-28");
    /* 牵头单位 then 责任单位 on separate lines: 责任单位 cooperates; an area keeps its name. */
    const struct plan_item *a = item(p, "一/1");
    names_are(a->lead, NAMES("区发改局"));
    names_are(a->co, NAMES("某山经济开发区", "全区经济运行各专班"));
    const struct plan_item *b = item(p, "二/1");
    names_are(b->lead, NAMES("区发改局", "区工信局"));
    names_are(b->co, NAMES("区直各有关部门", "各街道"));
    plan_free(p);
}

static void first_listed_leads_with_notes(void **state)
{
    (void)state;
    struct plan *p = parse_fixture("first_listed_leads.txt");
    /* （…列第一位为牵头或汇总单位，下同） is a note, not a department. */
    const struct plan_item *a = item(p, "一/2");
    names_are(a->lead, NAMES("市发改委"));
    names_are(a->co, NAMES("市经信局", "市财政局"));
    /* 分别牵头: both lead. */
    names_are(item(p, "一/3")->lead, NAMES("市人力社保局", "市农业农村局"));
    /* A sentence after the list inside the parenthesis is not a name. */
    const struct plan_item *c = item(p, "二/(一)/4");
    names_are(c->lead, NAMES("市工信局"));
    assert_int_equal(c->co.n, 4);
    assert_string_equal(c->figures[0].text, "2.43亿元");
    /* Parentheses inside a name are kept: 各县(市、区)政府 is one collective. */
    names_are(item(p, "二/(一)/5")->co, NAMES("市发改委", "各县(市、区)政府", "某开发区管委会"));
    plan_free(p);
}

/* Numbers past nine in Chinese: 十, 十一, (十二), (二十一), each its own item in order; a number
 * that jumps (十二 then 二十一) is taken and said. */
static void numbers_past_nine(void **state)
{
    (void)state;
    struct plan *p = parse_fixture("large_numbers.txt");
    assert_int_equal(plan_item_count(p), 36); /* twelve parts, 24 items under them */
    assert_non_null(item(p, "十/(一)"));
    assert_non_null(item(p, "十一/(十)"));
    assert_non_null(item(p, "十一/(十二)"));
    names_are(item(p, "十一/(二十一)")->lead, NAMES("区科学技术局"));
    names_are(item(p, "十二/(一)")->lead, NAMES("区经济发展局"));
    assert_int_equal(plan_warning_count(p), 1);
    assert_non_null(strstr(plan_warning(p, 0), "12 之后是 21"));
    plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fullwidth_punctuation),
        cmocka_unit_test(gbk_encoded),
        cmocka_unit_test(responsibility_lines),
        cmocka_unit_test(lead_and_co_inline),
        cmocka_unit_test(flattened_table),
        cmocka_unit_test(plan_without_assignments),
        cmocka_unit_test(numbered_sub_items),
        cmocka_unit_test(deadlines_per_item),
        cmocka_unit_test(bad_input_is_located),
        cmocka_unit_test(numbering_gaps_are_warned),
        cmocka_unit_test(one_shi_inside_words_is_not_a_measure),
        cmocka_unit_test(di_yi_measures),
        cmocka_unit_test(per_measure_assignments),
        cmocka_unit_test(cover_letter_with_numbered_paragraphs),
        cmocka_unit_test(title_on_two_lines_and_label_runs),
        cmocka_unit_test(first_listed_leads_with_notes),
        cmocka_unit_test(numbers_past_nine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
