/* Unit tests of department-name analysis. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dept/dept.h"

static void kinds(void **state)
{
    (void)state;
    assert_int_equal(dept_kind_of("区科学技术局"), DEPT_GOVERNMENT);
    assert_int_equal(dept_kind_of("区人力资源部"), DEPT_GOVERNMENT);
    assert_int_equal(dept_kind_of("纪工委"), DEPT_GOVERNMENT);
    assert_int_equal(dept_kind_of("管委会办公室"), DEPT_GOVERNMENT);
    assert_int_equal(dept_kind_of("区行政服务中心"), DEPT_GOVERNMENT);
    assert_int_equal(dept_kind_of("区发展和改革委员会"), DEPT_GOVERNMENT);
    assert_int_equal(dept_kind_of("高新投资发展有限公司"), DEPT_COMPANY);
    assert_int_equal(dept_kind_of("新城投资集团"), DEPT_COMPANY);
    assert_int_equal(dept_kind_of("各相关部门"), DEPT_COLLECTIVE);
    assert_int_equal(dept_kind_of("管委会各部门"), DEPT_COLLECTIVE);
    assert_int_equal(dept_kind_of("驻区各单位"), DEPT_COLLECTIVE);
    assert_int_equal(dept_kind_of("有关部门"), DEPT_COLLECTIVE);
    assert_int_equal(dept_kind_of("关堤乡"), DEPT_TOWNSHIP);
    assert_int_equal(dept_kind_of("振中街道"), DEPT_TOWNSHIP);
    assert_int_equal(dept_kind_of("振中街道办事处"), DEPT_TOWNSHIP);
    assert_int_equal(dept_kind_of("区综合监管"), DEPT_OTHER);
    assert_int_equal(dept_kind_of("区人力资源"), DEPT_OTHER);
    assert_int_equal(dept_kind_of(""), DEPT_OTHER);
    assert_int_equal(dept_kind_parse("collective"), DEPT_COLLECTIVE);
    assert_string_equal(dept_kind_name(DEPT_COMPANY), "company");
}

static void prefixes(void **state)
{
    (void)state;
    assert_int_equal(dept_prefix_len("区科学技术局"), strlen("区"));
    assert_int_equal(dept_prefix_len("新乡市财政局"), strlen("新乡市"));
    assert_int_equal(dept_prefix_len("高新区经发局"), strlen("高新区"));
    assert_int_equal(dept_prefix_len("县市场监督管理局"), strlen("县"));
    assert_int_equal(dept_prefix_len("财政局"), 0);
    assert_int_equal(dept_prefix_len("市场监督管理局"), 0); /* 市场 is not 市 */
    assert_int_equal(dept_prefix_len("社区服务中心"), 0);
    assert_int_equal(dept_prefix_len("区"), 0); /* a prefix needs a name after it */
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(kinds), cmocka_unit_test(prefixes)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
