/* Department-name analysis: kind, administrative prefix. Pure functions over UTF-8 strings. */
#include <string.h>

#include "dept/dept.h"

static int ends_with(const char *s, size_t n, const char *suffix)
{
    size_t k = strlen(suffix);
    return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static int contains(const char *s, const char *needle)
{
    return strstr(s, needle) != NULL;
}

static int ends_with_any(const char *s, const char *const *list)
{
    size_t n = strlen(s);
    for (; *list; list++)
        if (ends_with(s, n, *list))
            return 1;
    return 0;
}

static const char *const collective_starts[] = {"各",   "有关", "相关", "其他", "其它",
                                                "全区", "全市", "驻区", NULL};
static const char *const collective_parts[] = {"各部门", "各单位", "各乡",     "各街道",
                                               "各有关", "各相关", "成员单位", NULL};
static const char *const company_ends[] = {"公司", "集团", "银行", "厂", "合作社", "股份", NULL};
static const char *const township_ends[] = {"乡", "镇", "街道", "街道办事处", "街道办", NULL};
static const char *const government_ends[] = {
    "开发区", "高新区", "示范区", "新区",   "管理区", "专班",   "领导小组", "指挥部", "局",
    "部",     "委",     "委员会", "办公室", "办",     "中心",   "厅",       "署",     "管委会",
    "政府",   "法院",   "检察院", "队",     "大队",   "支队",   "所",       "站",     "处",
    "科",     "室",     "会",     "联",     "党工委", "纪工委", "分局",     "总局",   "院",
    "馆",     "社",     "团委",   "妇联",   "工会",   "公安",   "税务",     NULL};

enum dept_kind dept_kind_of(const char *name)
{
    if (!name || !*name)
        return DEPT_OTHER;
    for (const char *const *p = collective_starts; *p; p++)
        if (starts_with(name, *p))
            return DEPT_COLLECTIVE;
    for (const char *const *p = collective_parts; *p; p++)
        if (contains(name, *p))
            return DEPT_COLLECTIVE;
    if (ends_with_any(name, company_ends) || contains(name, "有限公司"))
        return DEPT_COMPANY;
    /* 街道 before government: 振中街道办事处 ends with 处 too. */
    if (ends_with_any(name, township_ends) || contains(name, "街道"))
        return DEPT_TOWNSHIP;
    if (ends_with_any(name, government_ends))
        return DEPT_GOVERNMENT;
    return DEPT_OTHER;
}

/* Words that start with an administrative character but are not a prefix. */
static const char *const not_prefixes[] = {"市场", "区域", "县域", "省级", "市级",
                                           "区级", "县级", "市政", NULL};

size_t dept_prefix_len(const char *name)
{
    static const char *const marks[] = {"区", "市", "县", "省", NULL};
    size_t n = strlen(name);
    /* Look at the first six characters (18 bytes of CJK) for an administrative mark. */
    for (size_t i = 0; i < n && i < 18;) {
        unsigned char c = (unsigned char)name[i];
        size_t step = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
        for (const char *const *m = marks; *m; m++) {
            if (strncmp(name + i, *m, strlen(*m)) != 0)
                continue;
            int blocked = 0;
            for (const char *const *np = not_prefixes; *np; np++)
                if (starts_with(name + i, *np))
                    blocked = 1;
            /* 社区, 园区, 小区: 区 after these is part of a word, not a prefix. */
            if (i >= 3 &&
                (strncmp(name + i - 3, "社", 3) == 0 || strncmp(name + i - 3, "园", 3) == 0 ||
                 strncmp(name + i - 3, "小", 3) == 0 || strncmp(name + i - 3, "城", 3) == 0))
                blocked = 1;
            if (!blocked && i + step < n)
                return i + step;
        }
        i += step;
    }
    return 0;
}

static const char *const kind_names[] = {
    [DEPT_GOVERNMENT] = "government", [DEPT_COMPANY] = "company", [DEPT_COLLECTIVE] = "collective",
    [DEPT_TOWNSHIP] = "township",     [DEPT_OTHER] = "other",
};
static const char *const kind_labels[] = {
    [DEPT_GOVERNMENT] = "政府部门", [DEPT_COMPANY] = "企业", [DEPT_COLLECTIVE] = "集体称谓",
    [DEPT_TOWNSHIP] = "乡镇街道",   [DEPT_OTHER] = "其他",
};

const char *dept_kind_name(enum dept_kind k)
{
    return (unsigned)k <= DEPT_OTHER ? kind_names[k] : "other";
}

const char *dept_kind_label(enum dept_kind k)
{
    return (unsigned)k <= DEPT_OTHER ? kind_labels[k] : "其他";
}

enum dept_kind dept_kind_parse(const char *name)
{
    for (int k = 0; k <= DEPT_OTHER; k++)
        if (strcmp(name, kind_names[k]) == 0)
            return (enum dept_kind)k;
    return DEPT_OTHER;
}
