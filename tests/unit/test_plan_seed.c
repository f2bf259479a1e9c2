/* The seed plan (新开〔2020〕28号): the acceptance table of the foundation issue, figures,
 * deadlines, spans, and a golden JSON file. Also the same text re-encoded (GB18030, UTF-16,
 * BOM + CRLF) must decompose identically. */
#include <iconv.h>
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/utf8.h"
#include "plan/plan.h"
#include "test_util.h"

struct expect {
    const char *path;
    size_t measures;
    const char *lead; /* joined by "," */
    const char *co;
};

static const struct expect table[] = {
    {"二/(一)/1", 6, "区科学技术局", "区人力资源部,区财政局"},
    {"二/(一)/2", 2, "区科学技术局", "区人力资源部,区财政局"},
    {"二/(一)/3", 6, "区科学技术局", "区人力资源部,区社会事务局"},
    {"二/(二)/1", 3, "区经济发展局", "区科学技术局,区管委会办公室"},
    {"二/(二)/2", 2, "区经济发展局", "区科学技术局,高新投资发展有限公司"},
    {"二/(二)/3", 2, "区经济发展局", "区科学技术局,区服务业促进局"},
    {"二/(三)/1", 4, "区人力资源部", "区管委会办公室,区国土规划建设管理局"},
    {"二/(三)/2", 5, "区行政服务中心", "区经济发展局,区管委会办公室"},
    {"二/(四)/1", 7, "区服务业促进局", "区经济发展局,区科学技术局,区财政局"},
    {"二/(四)/2", 3, "区服务业促进局", "区经济发展局,区科学技术局,区财政局"},
    {"二/(五)/1", 2, "区国土规划建设管理局", "区经济发展局,区科学技术局,区财政局"},
    {"二/(五)/2", 4, "区国土规划建设管理局", "区综合监管和执法局,区社会事务局,区财政局"},
    {"二/(五)/3", 5, "区国土规划建设管理局", "区综合监管和执法局,区经济发展局,区财政局"},
    {"三/(一)", 0, "区人力资源部,区科学技术局", "管委会各部门"},
    {"三/(二)", 0, "区经济发展局", "各相关部门"},
    {"三/(三)", 0, "区经济发展局,区科学技术局", "各相关部门"},
    {"三/(四)", 0, "区人力资源部,区纪工委", "管委会各部门"},
};

static void join(struct plan_names n, char *out, size_t len)
{
    out[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < n.n; i++)
        used += (size_t)snprintf(out + used, len - used, "%s%s", i ? "," : "", n.v[i]);
}

static struct plan *parse_bytes(const char *data, size_t len)
{
    struct plan *p = NULL;
    struct err e = {0};
    enum status st = plan_parse(data, len, "seed", &p, &e);
    if (st != ST_OK)
        fail_msg("parse failed: %s %s", e.where, e.msg);
    return p;
}

static struct plan *parse_seed(void)
{
    size_t len = 0;
    char *data = test_read("examples/plan-2020-28.txt", &len);
    assert_non_null(data);
    struct plan *p = parse_bytes(data, len);
    free(data);
    return p;
}

static const struct plan_item *find_item(const struct plan *p, const char *path)
{
    for (size_t i = 0; i < plan_item_count(p); i++)
        if (strcmp(plan_item(p, i)->path, path) == 0)
            return plan_item(p, i);
    return NULL;
}

static void check_acceptance(const struct plan *p)
{
    assert_string_equal(plan_title(p), "新乡高新区深化改革创新加快推动高质量发展工作方案");
    assert_string_equal(plan_doc_number(p), "新开〔2020〕28号");
    assert_string_equal(plan_signed_on(p), "2020-03-31");
    assert_string_equal(plan_published_on(p), "2020-08-22");
    assert_int_equal(plan_task_count(p), 55);
    size_t assigned = 0;
    for (size_t i = 0; i < plan_item_count(p); i++) {
        const struct plan_item *it = plan_item(p, i);
        if (it->lead.n || it->co.n)
            assigned++;
    }
    assert_int_equal(assigned, 17);
    for (size_t k = 0; k < sizeof table / sizeof table[0]; k++) {
        const struct plan_item *it = find_item(p, table[k].path);
        if (!it)
            fail_msg("no item %s", table[k].path);
        char lead[512], co[512];
        join(it->lead, lead, sizeof lead);
        join(it->co, co, sizeof co);
        assert_int_equal(it->n_measures, table[k].measures);
        assert_string_equal(lead, table[k].lead);
        assert_string_equal(co, table[k].co);
        assert_true(it->is_leaf);
    }
}

static void seed_acceptance_table(void **state)
{
    (void)state;
    struct plan *p = parse_seed();
    check_acceptance(p);
    struct plan_names r = plan_recipients(p);
    assert_int_equal(r.n, 4);
    assert_string_equal(r.v[0], "各部门");
    assert_string_equal(r.v[1], "关堤乡");
    assert_string_equal(r.v[2], "振中街道");
    assert_string_equal(r.v[3], "驻区各单位");
    /* Titles are the first sentence of a heading whose body follows on the same line. */
    assert_string_equal(find_item(p, "二/(一)/1")->title, "打造若干竞争力强的创新平台");
    assert_string_equal(find_item(p, "一/(一)")->title, "指导思想");
    assert_string_equal(find_item(p, "三/(四)")->title, "强化高质量发展督导考核");
    /* Leaves not assigned and not measures are items but not tasks. */
    assert_non_null(find_item(p, "一/(二)"));
    assert_int_equal(plan_warning_count(p), 0);
    plan_free(p);
}

static void seed_measures_and_tasks(void **state)
{
    (void)state;
    struct plan *p = parse_seed();
    const struct plan_item *it = find_item(p, "二/(一)/1");
    assert_string_equal(it->measures[0].marker, "一是");
    assert_string_equal(it->measures[5].marker, "六是");
    /* The responsibility parenthetical is cut from the last measure. */
    const char *last = it->measures[5].text;
    assert_null(strstr(last, "牵头部门"));
    assert_true(strstr(last, "攻克一批制约主导产业发展的关键共性难题。") != NULL);
    /* Tasks inherit their item's departments. */
    const struct plan_task *t0 = plan_task(p, 0);
    assert_int_equal(t0->measure, 0);
    assert_string_equal(t0->lead.v[0], "区科学技术局");
    assert_int_equal(t0->co.n, 2);
    /* Items without measures are tasks themselves: the last four. */
    const struct plan_task *t54 = plan_task(p, 54);
    assert_int_equal(t54->measure, -1);
    assert_string_equal(plan_item(p, (size_t)t54->item)->path, "三/(四)");
    assert_true(strncmp(t54->text, "建立高质量发展统计监测体系",
                        strlen("建立高质量发展统计监测体系")) == 0);
    plan_free(p);
}

/* The characters [start, end) of the normalised text. */
static char *span_text(const struct plan *p, struct plan_span s)
{
    const char *t = plan_text(p);
    size_t len = plan_text_len(p), i = 0, ch = 0, b0 = 0, b1 = 0;
    while (i <= len) {
        if (ch == s.start)
            b0 = i;
        if (ch == s.end) {
            b1 = i;
            break;
        }
        if (i == len)
            break;
        utf8_decode(t, len, &i);
        ch++;
    }
    char *out = malloc(b1 - b0 + 1);
    memcpy(out, t + b0, b1 - b0);
    out[b1 - b0] = '\0';
    return out;
}

static void seed_figures_cite_the_clause(void **state)
{
    (void)state;
    struct plan *p = parse_seed();
    const struct plan_item *it = find_item(p, "二/(一)/2");
    struct {
        const char *text, *unit, *bound;
        int64_t fen, bp;
    } want[] = {
        {"1%", "%", NULL, 0, 100},
        {"10万元", "万元", "at_most", 10000000, 0},
        {"10%", "%", "at_least", 0, 1000},
        {"100万元", "万元", "at_most", 100000000, 0},
        {"1件", "件", NULL, 0, 0},
        {"1万元", "万元", NULL, 1000000, 0},
        {"20万元", "万元", "at_most", 20000000, 0},
    };
    assert_int_equal(it->n_figures, 7);
    for (size_t k = 0; k < 7; k++) {
        const struct plan_figure *f = &it->figures[k];
        assert_string_equal(f->text, want[k].text);
        assert_string_equal(f->unit, want[k].unit);
        if (want[k].bound)
            assert_string_equal(f->bound, want[k].bound);
        else
            assert_null(f->bound);
        assert_int_equal(f->fen, want[k].fen);
        assert_int_equal(f->bp, want[k].bp);
        assert_int_equal(f->measure, 0); /* 二/(一)/2/一是 */
        char *cited = span_text(p, f->span);
        assert_string_equal(cited, want[k].text);
        free(cited);
    }
    const struct plan_item *proj = find_item(p, "二/(二)/1");
    int64_t total = 0;
    int approx = 0;
    for (size_t k = 0; k < proj->n_figures; k++) {
        if (proj->figures[k].kind == PLAN_FIG_MONEY)
            total += proj->figures[k].fen;
        approx |= proj->figures[k].approx;
    }
    /* 110 + 20.5 + 15 + 10 + 3.25 亿元 of key projects, and "60多个" is approximate. */
    assert_int_equal(total, 1587500000000LL); /* 158.75亿元 in fen */
    assert_true(approx);
    /* First-set equipment: 5% of the purchase price. */
    const struct plan_item *eq = find_item(p, "二/(一)/1");
    assert_int_equal(eq->n_figures, 1);
    assert_int_equal(eq->figures[0].bp, 500);
    assert_string_equal(eq->measures[eq->figures[0].measure].marker, "三是");
    plan_free(p);
}

static void seed_deadlines(void **state)
{
    (void)state;
    struct plan *p = parse_seed();
    const struct plan_item *it = find_item(p, "二/(二)/1");
    assert_null(it->deadline);
    const struct plan_deadline *d = it->measures[1].deadline;
    assert_non_null(d);
    assert_string_equal(d->date, "2023-03-31"); /* 力争通过三年努力, from 2020-03-31 */
    assert_string_equal(d->text, "力争通过三年努力");
    char *cited = span_text(p, d->span);
    assert_string_equal(cited, "力争通过三年努力");
    free(cited);
    const struct plan_item *city = find_item(p, "二/(五)/2");
    assert_string_equal(city->measures[1].deadline->date, "2020-12-31"); /* 争取2020年实现 */
    /* 在2017年改革基础上 and 2017年11月30日通过下放 are history, not deadlines. */
    const struct plan_item *mgmt = find_item(p, "二/(三)/1");
    for (size_t k = 0; k < mgmt->n_measures; k++)
        assert_null(mgmt->measures[k].deadline);
    plan_free(p);
}

static void seed_matches_golden_json(void **state)
{
    (void)state;
    struct plan *p = parse_seed();
    json_t *got = plan_to_json(p);
    char path[1024];
    snprintf(path, sizeof path, "%s/tests/golden/seed.json", HQD_SOURCE_DIR);
    json_error_t je;
    json_t *want = json_load_file(path, 0, &je);
    if (!want)
        fail_msg("golden file: %s", je.text);
    if (!json_equal(got, want)) {
        char *s = json_dumps(got, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        FILE *f = fopen("seed.actual.json", "w");
        if (f) {
            fputs(s, f);
            fclose(f);
        }
        free(s);
        fail_msg("plan_to_json differs from tests/golden/seed.json; see seed.actual.json");
    }
    json_decref(got);
    json_decref(want);
    plan_free(p);
}

static char *convert(const char *to, const char *data, size_t len, size_t *out_len)
{
    iconv_t cd = iconv_open(to, "UTF-8");
    assert_true(cd != (iconv_t)-1);
    size_t cap = len * 4 + 16, left = cap;
    char *out = malloc(cap), *o = out, *in = (char *)data;
    size_t inleft = len;
    assert_true(iconv(cd, &in, &inleft, &o, &left) != (size_t)-1);
    iconv_close(cd);
    *out_len = cap - left;
    return out;
}

static void seed_in_other_encodings(void **state)
{
    (void)state;
    size_t len = 0;
    char *data = test_read("examples/plan-2020-28.txt", &len);
    struct plan *ref = parse_bytes(data, len);

    size_t glen = 0;
    char *gbk = convert("GB18030", data, len, &glen);
    struct plan *p = parse_bytes(gbk, glen);
    assert_string_equal(plan_encoding(p), "GB18030");
    check_acceptance(p);
    assert_string_equal(plan_sha256(p), plan_sha256(ref)); /* same text, same plan */
    plan_free(p);
    free(gbk);

    /* UTF-16LE with BOM. */
    size_t ulen = 0;
    char *u16 = convert("UTF-16LE", data, len, &ulen);
    char *bom16 = malloc(ulen + 2);
    bom16[0] = (char)0xFF, bom16[1] = (char)0xFE;
    memcpy(bom16 + 2, u16, ulen);
    p = parse_bytes(bom16, ulen + 2);
    assert_string_equal(plan_encoding(p), "UTF-16LE");
    check_acceptance(p);
    plan_free(p);
    free(u16);
    free(bom16);

    /* UTF-8 BOM and CRLF line ends. */
    char *crlf = malloc(len * 2 + 3);
    size_t n = 0;
    crlf[n++] = (char)0xEF, crlf[n++] = (char)0xBB, crlf[n++] = (char)0xBF;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n')
            crlf[n++] = '\r';
        crlf[n++] = data[i];
    }
    p = parse_bytes(crlf, n);
    check_acceptance(p);
    assert_string_equal(plan_sha256(p), plan_sha256(ref));
    plan_free(p);
    free(crlf);

    plan_free(ref);
    free(data);
}

static void seed_flattened_into_paragraphs(void **state)
{
    (void)state;
    size_t len = 0;
    char *data = test_read("tests/fixtures/flattened.txt", &len);
    assert_non_null(data);
    struct plan *p = parse_bytes(data, len);
    free(data);
    /* Titles of headings directly followed by text cannot be separated, but the structure,
     * the assignments and the tasks are the same as in the original. */
    assert_int_equal(plan_task_count(p), 55);
    for (size_t k = 0; k < sizeof table / sizeof table[0]; k++) {
        const struct plan_item *it = find_item(p, table[k].path);
        if (!it)
            fail_msg("no item %s", table[k].path);
        char lead[512], co[512];
        join(it->lead, lead, sizeof lead);
        join(it->co, co, sizeof co);
        assert_int_equal(it->n_measures, table[k].measures);
        assert_string_equal(lead, table[k].lead);
        assert_string_equal(co, table[k].co);
    }
    assert_string_equal(find_item(p, "二/(一)/1")->title, "打造若干竞争力强的创新平台");
    plan_free(p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(seed_acceptance_table),          cmocka_unit_test(seed_measures_and_tasks),
        cmocka_unit_test(seed_figures_cite_the_clause),   cmocka_unit_test(seed_deadlines),
        cmocka_unit_test(seed_matches_golden_json),       cmocka_unit_test(seed_in_other_encodings),
        cmocka_unit_test(seed_flattened_into_paragraphs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
