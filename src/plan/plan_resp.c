/* Responsibility clauses: （牵头部门：…；配合部门：…）, 责任单位：…, X牵头、Y配合, and the
 * department name lists inside them. */
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/utf8.h"
#include "dept/dept.h"
#include "plan/plan_int.h"

enum { ROLE_LEAD, ROLE_CO, ROLE_RESP, ROLE_DEADLINE };

struct label {
    const char *text; /* folded: ASCII colon follows */
    int role;
};

/* Longest first where one label is a prefix of another. */
static const struct label labels[] = {
    {"牵头单位", ROLE_LEAD},     {"牵头部门", ROLE_LEAD},     {"主责单位", ROLE_LEAD},
    {"主责部门", ROLE_LEAD},     {"主办单位", ROLE_LEAD},     {"主办部门", ROLE_LEAD},
    {"牵头", ROLE_LEAD},         {"配合单位", ROLE_CO},       {"配合部门", ROLE_CO},
    {"协办单位", ROLE_CO},       {"协办部门", ROLE_CO},       {"参与单位", ROLE_CO},
    {"参与部门", ROLE_CO},       {"协同单位", ROLE_CO},       {"配合", ROLE_CO},
    {"责任单位", ROLE_RESP},     {"责任部门", ROLE_RESP},     {"承办单位", ROLE_RESP},
    {"实施单位", ROLE_RESP},     {"完成时限", ROLE_DEADLINE}, {"完成时间", ROLE_DEADLINE},
    {"时间节点", ROLE_DEADLINE}, {"时限要求", ROLE_DEADLINE}, {"时限", ROLE_DEADLINE},
};

int plan_resp_label_at(const struct plan *p, uint32_t i, uint32_t end, int *role,
                       uint32_t *label_end)
{
    /* First characters of the labels: 牵 主 配 协 参 责 承 实 完 时. */
    static const uint32_t firsts[] = {0x7275, 0x4E3B, 0x914D, 0x534F, 0x53C2,
                                      0x8D23, 0x627F, 0x5B9E, 0x5B8C, 0x65F6};
    int maybe = 0;
    for (size_t k = 0; k < sizeof firsts / sizeof firsts[0]; k++)
        maybe |= p->f[i] == firsts[k];
    if (!maybe)
        return 0;
    for (size_t k = 0; k < sizeof labels / sizeof labels[0]; k++) {
        if (!plan_match(p, i, end, labels[k].text))
            continue;
        uint32_t j = i + (uint32_t)utf8_count(labels[k].text, strlen(labels[k].text));
        while (j < end && p->f[j] == ' ')
            j++;
        if (j < end && p->f[j] == ':') {
            *role = labels[k].role;
            *label_end = j + 1;
            return 1;
        }
    }
    return 0;
}

static int is_list_sep(uint32_t c)
{
    return c == 0x3001 /* 、 */ || c == ',' || c == ';' || c == '/' || c == 0x3002 /* 。 */ ||
           c == '\n';
}

static int is_trim(uint32_t c)
{
    return plan_is_space(c) || c == 0x201C || c == 0x201D || c == '"' || c == 0x3001 || c == ',' ||
           c == ';' || c == 0x3002 || c == ':' || c == '(' || c == ')';
}

/* Trailing words that are not part of a name; the flag says a collective is implied. */
static const struct {
    const char *text;
    const char *collective;
} tails[] = {
    {"等有关部门", "有关部门"},
    {"等相关部门", "相关部门"},
    {"等有关单位", "有关单位"},
    {"等相关单位", "相关单位"},
    {"等部门", NULL},
    {"等单位", NULL},
    {"等", NULL},
    {"共同负责", NULL},
    {"分别牵头", NULL},
    {"负责", NULL},
    {"牵头", NULL},
    {"配合", NULL},
    {"按职责分工负责", NULL},
};

static int ends_with_lit(const struct plan *p, uint32_t a, uint32_t b, const char *lit,
                         uint32_t *len)
{
    uint32_t k = (uint32_t)utf8_count(lit, strlen(lit));
    if (b - a < k)
        return 0;
    if (!plan_match(p, b - k, b, lit))
        return 0;
    *len = k;
    return 1;
}

/* 某山经济开发区, 高新区: an area names itself; a shared 区 must not be put before it. */
static int names_an_area(const char *name)
{
    size_t n = strlen(name);
    return n >= 3 && memcmp(name + n - 3, "区", 3) == 0;
}

static void emit_name(struct plan *p, uint32_t a, uint32_t b, struct strvec *out,
                      const char **prefix)
{
    while (a < b && is_trim(p->f[a]))
        a++;
    while (b > a && is_trim(p->f[b - 1]))
        b--;
    if (a < b && plan_match(p, a, b, "由"))
        a++;
    const char *collective = NULL;
    for (int again = 1; again;) {
        again = 0;
        for (size_t k = 0; k < sizeof tails / sizeof tails[0]; k++) {
            uint32_t len;
            if (b - a > 1 && ends_with_lit(p, a, b, tails[k].text, &len) && b - len > a) {
                if (tails[k].collective)
                    collective = tails[k].collective;
                b -= len;
                again = 1;
                break;
            }
        }
        while (b > a && is_trim(p->f[b - 1]))
            b--;
    }
    if (a >= b)
        return;
    /* Build the name from folded characters so （ and ( spell the same department. */
    struct buf nb;
    buf_init(&nb, 4096);
    for (uint32_t i = a; i < b; i++) {
        char u8[4];
        size_t k = utf8_encode(p->f[i] == ' ' ? 0 : p->f[i], u8);
        if (p->f[i] == ' ')
            continue;
        if (buf_append(&nb, u8, k) != ST_OK)
            break;
    }
    const char *name = buf_str(&nb);
    if (!*name) {
        buf_cleanup(&nb);
        return;
    }
    enum dept_kind kind = dept_kind_of(name);
    size_t plen = dept_prefix_len(name);
    const char *final = NULL;
    if (plen > 0 && kind == DEPT_GOVERNMENT) {
        *prefix = arena_strndup(p->arena, name, plen);
        final = arena_strdup(p->arena, name);
    } else if (plen == 0 && kind == DEPT_GOVERNMENT && *prefix && !names_an_area(name)) {
        size_t pl = strlen(*prefix), nl = strlen(name);
        char *s = arena_alloc(p->arena, pl + nl + 1);
        memcpy(s, *prefix, pl);
        memcpy(s + pl, name, nl + 1);
        final = s;
    } else {
        final = arena_strdup(p->arena, name);
    }
    buf_cleanup(&nb);
    strvec_push(out, final);
    if (collective)
        strvec_push(out, collective);
}

/* A parenthesis inside a name list is either part of a name (各县(市、区)政府) or a note
 * about the list (列第一位的为牵头单位，下同): notes are skipped. */
static int paren_is_note(const struct plan *p, uint32_t open, uint32_t close)
{
    static const char *const words[] = {"下同", "牵头", "汇总", "注", "除", "不再", NULL};
    if (close - open > 12)
        return 1;
    for (uint32_t i = open; i < close; i++)
        for (const char *const *w = words; *w; w++)
            if (plan_match(p, i, close, *w))
                return 1;
    return 0;
}

void plan_split_names(struct plan *p, uint32_t start, uint32_t end, struct strvec *out,
                      const char **prefix)
{
    uint32_t a = start;
    int depth = 0;
    for (uint32_t i = start; i < end; i++) {
        uint32_t c = p->f[i];
        if (c == '(' && depth == 0) {
            uint32_t close = i + 1;
            while (close < end && p->f[close] != ')')
                close++;
            if (close < end && paren_is_note(p, i, close)) {
                emit_name(p, a, i, out, prefix);
                a = close + 1;
                i = close;
                continue;
            }
        }
        if (c == '(')
            depth++;
        else if (c == ')' && depth > 0)
            depth--;
        if (depth > 0)
            continue;
        if (is_list_sep(c)) {
            emit_name(p, a, i, out, prefix);
            a = i + 1;
            continue;
        }
        /* 和 / 及 / 与 / 以及 split only when the left side is already a whole name:
         * 区综合监管和执法局 is one department, 区财政局和区税务局 two. */
        uint32_t conj = 0;
        if (plan_match(p, i, end, "以及"))
            conj = 2;
        else if (c == 0x548C /* 和 */ || c == 0x53CA /* 及 */ || c == 0x4E0E /* 与 */)
            conj = 1;
        if (conj && i > a) {
            char *left = plan_sub(p, a, i);
            enum dept_kind k = dept_kind_of(left);
            if (k != DEPT_OTHER) {
                emit_name(p, a, i, out, prefix);
                a = i + conj;
                i += conj - 1;
            }
        }
    }
    emit_name(p, a, end, out, prefix);
}

static int names_look_like_depts(const struct strvec *v)
{
    if (v->n == 0)
        return 0;
    for (size_t i = 0; i < v->n; i++)
        if (dept_kind_of(v->v[i]) == DEPT_OTHER)
            return 0;
    return 1;
}

/* X牵头，Y配合 / 由X牵头、Y等部门配合 / X负责. */
static int parse_unlabelled(struct plan *p, uint32_t start, uint32_t end, struct resp *r)
{
    const char *prefix = NULL;
    uint32_t lead_at = 0, lead_len = 0;
    for (uint32_t i = start; i < end; i++) {
        if (plan_match(p, i, end, "牵头")) {
            lead_at = i, lead_len = 2;
            break;
        }
    }
    if (!lead_len) {
        /* A bare list of departments followed by 负责, e.g. （区财政局负责）. */
        uint32_t len;
        if (ends_with_lit(p, start, end, "负责", &len)) {
            struct strvec v = {0};
            plan_split_names(p, start, end - len, &v, &prefix);
            if (!names_look_like_depts(&v)) {
                free(v.v);
                return 0;
            }
            r->lead = v;
            return 1;
        }
        return 0;
    }
    struct strvec lead = {0}, co = {0};
    plan_split_names(p, start, lead_at, &lead, &prefix);
    if (!names_look_like_depts(&lead)) {
        free(lead.v);
        return 0;
    }
    uint32_t j = lead_at + lead_len;
    while (j < end && (is_list_sep(p->f[j]) || plan_is_space(p->f[j])))
        j++;
    /* 区财政局配合 / 各有关部门按职责分工负责: what follows the lead cooperates. */
    static const char *const co_words[] = {"配合",           "协助",       "参与", "协同",
                                           "按职责分工负责", "按职责负责", "负责", NULL};
    for (uint32_t k = j; k < end; k++) {
        for (const char *const *w = co_words; *w; w++) {
            if (plan_match(p, k, end, *w)) {
                plan_split_names(p, j, k, &co, &prefix);
                goto done;
            }
        }
    }
done:
    r->lead = lead;
    r->co = co;
    return 1;
}

int plan_resp_parse(struct plan *p, uint32_t start, uint32_t end, struct resp *r)
{
    struct hit {
        int role;
        uint32_t at, value;
    } hits[16];
    int nh = 0;
    for (uint32_t i = start; i < end && nh < 16; i++) {
        int role;
        uint32_t le;
        if (plan_resp_label_at(p, i, end, &role, &le)) {
            hits[nh++] = (struct hit){role, i, le};
            i = le - 1;
        }
    }
    if (nh == 0)
        return parse_unlabelled(p, start, end, r);
    if (hits[0].at > start) {
        /* Text before the first label must be only separators. */
        for (uint32_t i = start; i < hits[0].at; i++)
            if (!is_trim(p->f[i]))
                return 0;
    }
    int has_lead = 0;
    for (int h = 0; h < nh; h++)
        has_lead |= hits[h].role == ROLE_LEAD;
    const char *prefix = NULL;
    for (int h = 0; h < nh; h++) {
        uint32_t vs = hits[h].value, ve = h + 1 < nh ? hits[h + 1].at : end;
        /* A sentence after the list is a note (。以下政策措施均需…落实): the list ends at 。 */
        for (uint32_t k = vs; k < ve; k++)
            if (p->f[k] == 0x3002) {
                ve = k;
                break;
            }
        switch (hits[h].role) {
        case ROLE_LEAD:
            plan_split_names(p, vs, ve, &r->lead, &prefix);
            break;
        case ROLE_CO:
            plan_split_names(p, vs, ve, &r->co, &prefix);
            break;
        case ROLE_RESP:
            if (has_lead) {
                plan_split_names(p, vs, ve, &r->co, &prefix);
            } else {
                struct strvec all = {0};
                plan_split_names(p, vs, ve, &all, &prefix);
                /* X、Y分别牵头: each leads, whatever the first-listed rule says. */
                int each_leads = 0;
                for (uint32_t k = vs; k + 4 <= ve && !each_leads; k++)
                    each_leads = plan_match(p, k, ve, "分别牵头") &&
                                 (k == vs || p->f[k - 1] != 0x201C); /* not “分别牵头” quoted */
                for (size_t k = 0; k < all.n; k++)
                    strvec_push(p->first_is_lead && k > 0 && !each_leads ? &r->co : &r->lead,
                                all.v[k]);
                free(all.v);
            }
            break;
        case ROLE_DEADLINE:
            r->deadline = plan_parse_deadline_value(p, vs, ve);
            break;
        }
    }
    return r->lead.n || r->co.n || r->deadline;
}
