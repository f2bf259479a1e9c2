/* The entity registry: USCC checks, all-or-nothing CSV imports (read with libcsv), listing. */
#include "entity/entity.h"

#include <csv.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/date.h"
#include "base/hash.h"
#include "base/text.h"
#include "base/xalloc.h"
#include "entity/columns.h"
#include "store/store.h"

#define CSV_MAX_BYTES ((size_t)256 << 20)

/* ---------------------------------------------------------------- USCC */

/* GB 32100-2015: 31 characters (no I, O, Z, S, V); weights 3^i mod 31. */
static const char uscc_chars[] = "0123456789ABCDEFGHJKLMNPQRTUWXY";
static const int uscc_weights[17] = {1,  3,  9,  27, 19, 26, 16, 17, 20,
                                     29, 25, 13, 8,  24, 10, 30, 28};

char entity_uscc_check_char(const char *first17)
{
    int sum = 0;
    for (size_t i = 0; i < 17; i++) {
        const char *at = first17[i] ? strchr(uscc_chars, first17[i]) : NULL;
        if (!at)
            return '\0';
        sum += (int)(at - uscc_chars) * uscc_weights[i];
    }
    return uscc_chars[(31 - sum % 31) % 31];
}

enum status entity_uscc_check(const char *code, struct err *e)
{
    size_t len = strlen(code);
    if (len != 18)
        return err_set(e, ST_INVALID, NULL, "统一社会信用代码应为 18 位，“%s”是 %zu 位", code, len);
    for (size_t i = 0; i < 18; i++)
        if (!code[i] || !strchr(uscc_chars, code[i]))
            return err_set(e, ST_INVALID, NULL,
                           "统一社会信用代码第 %zu 位“%c”不是有效字符（数字或除 I、O、Z、S、V "
                           "外的大写字母）",
                           i + 1, code[i]);
    char check = entity_uscc_check_char(code);
    if (code[17] != check)
        return err_set(e, ST_INVALID, NULL, "统一社会信用代码“%s”校验码错误：末位应为 %c", code,
                       check);
    return ST_OK;
}

/* ---------------------------------------------------------------- CSV rows */

struct csv_rows {
    char ***rows; /* rows[r][c], NUL-terminated strings */
    size_t *widths;
    size_t n, cap;
    char **cur;
    size_t cur_n, cur_cap;
};

static void on_field(void *s, size_t len, void *data)
{
    struct csv_rows *r = data;
    if (r->cur_n == r->cur_cap) {
        r->cur_cap = r->cur_cap ? r->cur_cap * 2 : 8;
        r->cur = xrealloc(r->cur, r->cur_cap * sizeof *r->cur);
    }
    r->cur[r->cur_n++] = xstrndup(s ? s : "", s ? len : 0);
}

static void on_row(int c, void *data)
{
    (void)c;
    struct csv_rows *r = data;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 64;
        r->rows = xrealloc(r->rows, r->cap * sizeof *r->rows);
        r->widths = xrealloc(r->widths, r->cap * sizeof *r->widths);
    }
    r->rows[r->n] = r->cur;
    r->widths[r->n++] = r->cur_n;
    r->cur = NULL;
    r->cur_n = r->cur_cap = 0;
}

static void csv_rows_free(struct csv_rows *r)
{
    for (size_t i = 0; i < r->n; i++) {
        for (size_t j = 0; j < r->widths[i]; j++)
            free(r->rows[i][j]);
        free(r->rows[i]);
    }
    for (size_t j = 0; j < r->cur_n; j++)
        free(r->cur[j]);
    free(r->cur);
    free(r->rows);
    free(r->widths);
}

static enum status read_csv(const char *text, size_t len, const char *source, struct csv_rows *r,
                            struct err *e)
{
    struct csv_parser p;
    if (csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL) != 0)
        return err_set(e, ST_INTERNAL, NULL, "csv_init failed");
    size_t done = csv_parse(&p, text, len, on_field, on_row, r);
    int bad = done != len || csv_fini(&p, on_field, on_row, r) != 0;
    csv_free(&p);
    if (bad) {
        size_t line = 1;
        for (size_t i = 0; i < done && i < len; i++)
            line += text[i] == '\n';
        return err_set(e, ST_INVALID, source, "CSV 格式错误（第 %zu 行附近，引号不配对？）", line);
    }
    return ST_OK;
}

/* ---------------------------------------------------------------- import */

enum csv_kind { CSV_ENTITIES, CSV_FACTS, CSV_FACTS_WIDE };

/* Column names, Chinese and English, in the order the code reads them. */
static const char *const entity_cols[][2] = {
    {"统一社会信用代码", "uscc"}, {"名称", "name"},     {"类别", "kind"},
    {"区内", "in_zone"},          {"行业", "industry"},
};
static const char *const fact_cols[][2] = {
    {"统一社会信用代码", "uscc"}, {"事实", "fact"}, {"值", "value"},
    {"来源", "source"},           {"日期", "date"}, {"事项", "matter"},
};
/* A wide facts file: these three, then one column per fact name. */
static const char *const wide_cols[][2] = {
    {"统一社会信用代码", "uscc"}, {"来源", "source"}, {"日期", "date"}};

static const char *const kinds[][2] = {
    {"企业", "enterprise"}, {"机构", "institution"}, {"基金", "fund"}};
static const char *const sources[][2] = {{"市场监管", "market"},
                                         {"税务", "tax"},
                                         {"技术合同登记", "contract-registry"},
                                         {"自行申报", "self"}};

/* The English code of v among pairs (Chinese label or code), or NULL. */
static const char *pick(const char *const (*pairs)[2], size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(v, pairs[i][0]) || !strcmp(v, pairs[i][1]))
            return pairs[i][1];
    return NULL;
}

static void row_error(struct entity_import_report *rep, const char *source, size_t row, size_t col,
                      const char *col_name, const char *fmt, ...) HQD_PRINTF(6, 7);
static void row_error(struct entity_import_report *rep, const char *source, size_t row, size_t col,
                      const char *col_name, const char *fmt, ...)
{
    if (rep->n_errors++ >= ENTITY_IMPORT_ERRORS_MAX)
        return;
    char *out = rep->errors[rep->n_errors - 1];
    int w = snprintf(out, sizeof rep->errors[0], "%s: row %zu, column %zu (%s): ", source, row, col,
                     col_name);
    if (w < 0 || (size_t)w >= sizeof rep->errors[0])
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(out + w, sizeof rep->errors[0] - (size_t)w, fmt, ap);
    va_end(ap);
}

/* A fact name is an input name (a-z, 0-9, _), optionally qualified by the clause it is for
 * ("tech-transfer-in.amount"), which then wins over the plain name for that clause. */
static int valid_fact_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n >= 48 || !(s[0] >= 'a' && s[0] <= 'z'))
        return 0;
    const char *dot = strchr(s, '.');
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
                 (c == '-' && dot && s + i < dot) || s + i == dot;
        if (!ok)
            return 0;
    }
    return !dot || (dot[1] >= 'a' && dot[1] <= 'z');
}

static int parse_flag(const char *v, int *out)
{
    if (!strcmp(v, "是") || !strcmp(v, "1") || !strcmp(v, "true"))
        *out = 1;
    else if (!strcmp(v, "否") || !strcmp(v, "0") || !strcmp(v, "false"))
        *out = 0;
    else
        return 0;
    return 1;
}

/* Checks one row; errors go to rep. */
static void check_source_date(const char *src, const char *date, size_t row, size_t col,
                              const char *const (*names)[2], const char *source,
                              struct entity_import_report *rep)
{
    struct date d;
    if (!pick(sources, 4, src))
        row_error(rep, source, row, col, names[0][0],
                  "“%s”不是有效来源（市场监管、税务、技术合同登记、自行申报）", src);
    if (!date_parse_iso(date, &d))
        row_error(rep, source, row, col + 1, names[1][0], "“%s”不是有效日期 YYYY-MM-DD", date);
}

static void check_value(const char *v, size_t row, size_t col, const char *name, const char *source,
                        struct entity_import_report *rep)
{
    if (strlen(v) >= 64)
        row_error(rep, source, row, col, name, "值不能超过 63 字节");
}

/* The value of fact name, against what the rules expect of it. */
static void check_fact(const struct entity_fact_rule *rule, const char *name, const char *v,
                       size_t row, size_t col, const char *col_name, const char *source,
                       struct entity_import_report *rep)
{
    char why[400];
    if (rule && v[0] && !rule->check(rule->ctx, name, v, why, sizeof why))
        row_error(rep, source, row, col, col_name, "%s", why);
}

static int is_matter_key(const struct entity_fact_rule *rule, const char *name)
{
    return rule && rule->is_matter_key && rule->is_matter_key(rule->ctx, name);
}

/* The matter a wide row's facts belong to: its filled matter-key column (key_col, by column),
 * or none (NULL). */
static const char *row_matter(const unsigned char *key_col, char **header, char **f, size_t width,
                              const char **value)
{
    for (size_t c = 3; c < width; c++)
        if (f[c][0] && key_col[c]) {
            *value = f[c];
            return header[c];
        }
    *value = "";
    return NULL;
}

static int is_col(const char *got, const char *const names[2])
{
    return !strcmp(got, names[0]) || !strcmp(got, names[1]);
}

/* A long row's matter, "KEY=VALUE" (contract_no=HT-2020-0715): the key and the value's start,
 * or NULL when it is not of that form. */
static const char *parse_matter(const struct entity_fact_rule *rule, const char *v, char key[48],
                                const char **value)
{
    const char *eq = strchr(v, '=');
    if (!eq || eq == v || (size_t)(eq - v) >= 48 || !eq[1])
        return NULL;
    memcpy(key, v, (size_t)(eq - v));
    key[eq - v] = '\0';
    *value = eq + 1;
    return is_matter_key(rule, key) ? key : NULL;
}

/* Checks one row (its width already checked); errors go to rep. */
static void check_row(enum csv_kind k, char **header, char **f, size_t width, size_t row,
                      const struct entity_fact_rule *rule, const unsigned char *key_col,
                      const char *source, struct entity_import_report *rep)
{
    const char *const(*cols)[2] = k == CSV_ENTITIES ? entity_cols : fact_cols;
    struct err e = {0};
    if (entity_uscc_check(f[0], &e) != ST_OK)
        row_error(rep, source, row, 1, cols[0][0], "%s", e.msg);
    if (k == CSV_ENTITIES) {
        int flag;
        if (!f[1][0] || strlen(f[1]) >= 160)
            row_error(rep, source, row, 2, cols[1][0], "名称不能为空，也不能超过 159 字节");
        if (!pick(kinds, 3, f[2]))
            row_error(rep, source, row, 3, cols[2][0], "“%s”不是有效类别（企业、机构、基金）",
                      f[2]);
        if (!parse_flag(f[3], &flag))
            row_error(rep, source, row, 4, cols[3][0], "“%s”应为 是 或 否", f[3]);
        if (strlen(f[4]) >= 64)
            row_error(rep, source, row, 5, cols[4][0], "行业名称过长");
        return;
    }
    if (k == CSV_FACTS_WIDE) {
        check_source_date(f[1], f[2], row, 2, &wide_cols[1], source, rep);
        size_t key = 0; /* the matter-key column filled first, if any */
        for (size_t c = 3; c < width; c++) {
            check_value(f[c], row, c + 1, header[c], source, rep);
            check_fact(rule, header[c], f[c], row, c + 1, header[c], source, rep);
            if (!f[c][0] || !key_col[c])
                continue;
            if (key)
                row_error(rep, source, row, c + 1, header[c],
                          "一行只能是一个事项：%s 与 %s 都已填写，请分行填写", header[key],
                          header[c]);
            else
                key = c;
        }
        return;
    }
    if (!valid_fact_name(f[1]))
        row_error(rep, source, row, 2, cols[1][0],
                  "“%s”不是有效的事实名（小写字母开头的 a-z、0-9、_，与规则包的输入名一致；"
                  "只用于某一条款时写作 条款编号.输入名）",
                  f[1]);
    if (!f[2][0])
        row_error(rep, source, row, 3, cols[2][0], "值不能为空");
    check_value(f[2], row, 3, cols[2][0], source, rep);
    if (valid_fact_name(f[1]))
        check_fact(rule, f[1], f[2], row, 3, cols[2][0], source, rep);
    check_source_date(f[3], f[4], row, 4, &fact_cols[3], source, rep);
    char key[48];
    const char *value;
    if (width == 6 && f[5][0] && !parse_matter(rule, f[5], key, &value))
        row_error(
            rep, source, row, 6, cols[5][0],
            "“%s”不是事项：应写作 编号名=编号（如 contract_no=HT-2020-0715），编号名是规则包中"
            "按事项兑现的条款用来区分事项的输入",
            f[5]);
    else if (width == 6 && f[5][0] && strlen(value) >= 64)
        row_error(rep, source, row, 6, cols[5][0], "事项编号不能超过 63 字节");
}

static enum status write_entity(struct store *s, struct colset *cs, char **f, const char *now,
                                struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   "INSERT INTO entities (uscc, name, kind, in_zone, industry,"
                                   " updated_at) VALUES (?,?,?,?,?,?) ON CONFLICT (uscc) DO UPDATE"
                                   " SET name = excluded.name, kind = excluded.kind,"
                                   " in_zone = excluded.in_zone, industry = excluded.industry,"
                                   " updated_at = excluded.updated_at RETURNING id",
                                   &q, e);
    if (st != ST_OK)
        return st;
    int flag = 0;
    (void)parse_flag(f[3], &flag);
    const char *kind = pick(kinds, 3, f[2]);
    store_bind_text(q, 1, f[0]);
    store_bind_text(q, 2, f[1]);
    store_bind_text(q, 3, kind);
    store_bind_int(q, 4, flag);
    store_bind_text(q, 5, f[4]);
    store_bind_text(q, 6, now);
    int row;
    int64_t id = 0;
    if ((st = store_step(q, &row, e)) == ST_OK && row)
        id = store_col_int(q, 0);
    store_finish(q);
    if (st != ST_OK)
        return st;
    int64_t bit = !strcmp(kind, "enterprise") ? 1 : !strcmp(kind, "institution") ? 2 : 4;
    return colset_set(s, cs, ENTITY_KIND_COLUMN, id, bit, 1, e);
}

/* A code looked up must be one: a mistyped one is told by its check character, not as "not
 * registered". */
static enum status uscc_lookup_check(const char *uscc, struct err *e)
{
    struct err bad = {0};
    if (entity_uscc_check(uscc, &bad) != ST_OK)
        return err_set(e, ST_INVALID, "uscc", "%s", bad.msg);
    return ST_OK;
}

enum status entity_find(struct store *s, const char *uscc, int64_t *id, char kind[12],
                        struct err *e)
{
    *id = 0;
    enum status st = uscc_lookup_check(uscc, e);
    if (st != ST_OK)
        return st;
    struct store_stmt *q;
    st = store_prepare(s, "SELECT id, kind FROM entities WHERE uscc = ?", &q, e);
    if (st != ST_OK)
        return st;
    store_bind_text(q, 1, uscc);
    int found;
    *id = 0;
    if ((st = store_step(q, &found, e)) == ST_OK && found) {
        *id = store_col_int(q, 0);
        if (kind)
            snprintf(kind, 12, "%s", store_col_text(q, 1));
    }
    store_finish(q);
    return st;
}

/* Records one fact; matter_key is NULL for a fact of the entity as a whole, which alone goes
 * into the fact columns (they hold one value per entity). */
static enum status insert_fact(struct store *s, struct colset *cs, int64_t id, const char *name,
                               const char *value, const char *src, const char *date,
                               const char *matter_key, const char *matter, const char *now,
                               struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   "INSERT INTO entity_facts (entity_id, name, value, source,"
                                   " as_of, recorded_at, matter_key, matter)"
                                   " VALUES (?,?,?,?,?,?,?,?)",
                                   &q, e);
    if (st != ST_OK)
        return st;
    store_bind_int(q, 1, id);
    store_bind_text(q, 2, name);
    store_bind_text(q, 3, value);
    store_bind_text(q, 4, pick(sources, 4, src));
    store_bind_text(q, 5, date);
    store_bind_text(q, 6, now);
    store_bind_text(q, 7, matter_key ? matter_key : "");
    store_bind_text(q, 8, matter_key ? matter : "");
    if ((st = store_run(q, e)) != ST_OK || matter_key)
        return st;
    struct date d;
    int64_t x;
    if (!fact_value_x100(value, &x))
        x = ENTITY_TEXT_VALUE;
    date_parse_iso(date, &d);
    return colset_set(s, cs, name, id, x, (int32_t)(date_to_days(d) + 1), e);
}

/* Writes one row of facts; a fact's entity must exist. Returns the facts written in *n. */
static enum status write_facts(struct store *s, struct colset *cs, enum csv_kind k, char **header,
                               char **f, size_t width, const struct entity_fact_rule *rule,
                               const unsigned char *key_col, const char *now, size_t row,
                               const char *source, struct entity_import_report *rep, size_t *n,
                               struct err *e)
{
    int64_t id;
    *n = 0;
    /* in the store, or written earlier in this file */
    enum status st = entity_find(s, f[0], &id, NULL, e);
    if (st != ST_OK)
        return st;
    if (!id) {
        row_error(rep, source, row, 1, fact_cols[0][0],
                  "没有统一社会信用代码为 %s 的主体（先导入主体）", f[0]);
        return ST_OK;
    }
    if (k == CSV_FACTS) {
        char key[48];
        const char *matter = NULL;
        *n = 1;
        if (width == 6 && f[5][0] && parse_matter(rule, f[5], key, &matter))
            return insert_fact(s, cs, id, f[1], f[2], f[3], f[4], key, matter, now, e);
        return insert_fact(s, cs, id, f[1], f[2], f[3], f[4], NULL, NULL, now, e);
    }
    const char *matter, *key = row_matter(key_col, header, f, width, &matter);
    for (size_t c = 3; c < width && st == ST_OK; c++)
        if (f[c][0]) {
            st = insert_fact(s, cs, id, header[c], f[c], f[1], f[2], key, matter, now, e);
            ++*n;
        }
    return st;
}

/* Which file this is, by its header; a wide facts header also names its fact columns. */
static enum status read_header(char **h, size_t width, const char *source, enum csv_kind *k,
                               struct err *e)
{
    const char *const(*cols)[2];
    size_t need;
    if (width >= 2 && (!strcmp(h[1], fact_cols[1][0]) || !strcmp(h[1], fact_cols[1][1]))) {
        *k = CSV_FACTS;
        cols = fact_cols;
        need = 5;
    } else if (width >= 2 && (!strcmp(h[1], wide_cols[1][0]) || !strcmp(h[1], wide_cols[1][1]))) {
        *k = CSV_FACTS_WIDE;
        cols = wide_cols;
        need = 3;
    } else {
        *k = CSV_ENTITIES;
        cols = entity_cols;
        need = 5;
    }
    char where[160];
    for (size_t c = 0; c < need; c++) {
        const char *got = c < width ? h[c] : NULL;
        if (got && (!strcmp(got, cols[c][0]) || !strcmp(got, cols[c][1])))
            continue;
        snprintf(where, sizeof where, "%s: row 1, column %zu", source, c + 1);
        char seen[200];
        if (got)
            snprintf(seen, sizeof seen, "而不是“%s”", got);
        else
            snprintf(seen, sizeof seen, "但表头只有 %zu 列", width);
        return err_set(e, ST_INVALID, where,
                       "表头第 %zu 列应为“%s”（或 %s），%s；主体表头为 "
                       "统一社会信用代码,名称,类别,区内,行业，事实表头为 "
                       "统一社会信用代码,事实,值,来源,日期，或宽表 统一社会信用代码,来源,日期,"
                       "事实名…",
                       c + 1, cols[c][0], cols[c][1], seen);
    }
    if (*k == CSV_FACTS && width > 5 && (width > 6 || !is_col(h[5], fact_cols[5]))) {
        size_t c = is_col(h[5], fact_cols[5]) ? 7 : 6;
        snprintf(where, sizeof where, "%s: row 1, column %zu", source, c);
        return err_set(e, ST_INVALID, where,
                       "事实表在 日期 之后只能有一列“事项”（或 matter），而不是“%s”", h[c - 1]);
    }
    if (*k != CSV_FACTS_WIDE)
        return ST_OK;
    if (width == 3) {
        snprintf(where, sizeof where, "%s: row 1, column 4", source);
        return err_set(e, ST_INVALID, where, "宽表在 日期 之后至少要有一列事实名");
    }
    for (size_t c = 3; c < width; c++) {
        int dup = 0;
        for (size_t d = 3; d < c; d++)
            dup |= !strcmp(h[c], h[d]);
        if (!valid_fact_name(h[c]) || dup) {
            snprintf(where, sizeof where, "%s: row 1, column %zu", source, c + 1);
            return err_set(e, ST_INVALID, where,
                           dup ? "事实名“%s”重复"
                               : "“%s”不是有效的事实名（小写字母开头的 a-z、0-9、_；只用于某一"
                                 "条款时写作 条款编号.输入名）",
                           h[c]);
        }
    }
    return ST_OK;
}

enum status entity_import_csv(struct store *s, const char *actor, const char *data, size_t len,
                              const char *source, const struct entity_fact_rule *rule,
                              struct entity_import_report *rep, struct err *e)
{
    memset(rep, 0, sizeof *rep);
    char *text;
    size_t tlen;
    const char *enc;
    struct colset *cs = NULL;
    unsigned char *key_col = NULL;
    enum status st = text_decode(data, len, source, CSV_MAX_BYTES, &text, &tlen, &enc, e);
    if (st != ST_OK)
        return st;
    struct csv_rows r = {0};
    if ((st = read_csv(text, tlen, source, &r, e)) != ST_OK)
        goto out;
    if (r.n == 0) {
        st = err_set(e, ST_INVALID, source, "CSV 没有表头 (no header)");
        goto out;
    }
    enum csv_kind k;
    if ((st = read_header(r.rows[0], r.widths[0], source, &k, e)) != ST_OK)
        goto out;
    /* which columns of a wide file name matters, asked once rather than per row */
    key_col = xcalloc(r.widths[0] + 1, 1);
    for (size_t c = 3; k == CSV_FACTS_WIDE && c < r.widths[0]; c++)
        key_col[c] = (unsigned char)is_matter_key(rule, r.rows[0][c]);
    size_t width = k == CSV_FACTS_WIDE ? r.widths[0]
                   : k == CSV_FACTS && r.widths[0] == 6 && is_col(r.rows[0][5], fact_cols[5]) ? 6
                                                                                              : 5;
    for (size_t i = 1; i < r.n; i++) {
        if (r.widths[i] == 1 && !r.rows[i][0][0])
            continue; /* a blank line */
        rep->rows++;
        if (r.widths[i] != width) {
            row_error(rep, source, i + 1, r.widths[i] < width ? r.widths[i] + 1 : width + 1, "-",
                      "应有 %zu 列，这一行有 %zu 列", width, r.widths[i]);
            continue;
        }
        check_row(k, r.rows[0], r.rows[i], width, i + 1, rule, key_col, source, rep);
    }
    if (rep->n_errors) {
        st = err_set(e, ST_INVALID, source, "%zu 行有错误，未导入任何数据 (nothing imported)",
                     rep->n_errors);
        goto out;
    }
    char now[32];
    clock_now_iso(now, sizeof now);
    if ((st = store_begin(s, e)) != ST_OK)
        goto out;
    cs = colset_new();
    for (size_t i = 1; i < r.n && st == ST_OK; i++) {
        if (r.widths[i] != width)
            continue;
        if (k == CSV_ENTITIES) {
            st = write_entity(s, cs, r.rows[i], now, e);
            rep->entities++;
        } else {
            size_t n;
            st = write_facts(s, cs, k, r.rows[0], r.rows[i], width, rule, key_col, now, i + 1,
                             source, rep, &n, e);
            rep->facts += n;
        }
    }
    if (st == ST_OK && rep->n_errors)
        st = err_set(e, ST_INVALID, source, "%zu 行有错误，未导入任何数据 (nothing imported)",
                     rep->n_errors);
    if (st == ST_OK)
        st = colset_flush(s, cs, e);
    if (st == ST_OK) {
        char sha[HASH_HEX_LEN + 1], after[320];
        hash_sha256_hex(data, len, sha);
        snprintf(after, sizeof after, "{\"entities\":%zu,\"facts\":%zu,\"sha256\":\"%s\"}",
                 rep->entities, rep->facts, sha);
        st = audit_append(s, actor, k == CSV_ENTITIES ? "entity.import" : "fact.import", "file",
                          source, NULL, after, e);
    }
    if (st != ST_OK)
        store_rollback(s);
    else
        st = store_commit(s, e);
    if (st != ST_OK) {
        rep->entities = rep->facts = 0;
    }
out:
    free(key_col);
    colset_free(cs);
    csv_rows_free(&r);
    free(text);
    return st;
}

/* ---------------------------------------------------------------- listing */

void entities_free(struct entity *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].facts);
        free(v[i].matters);
    }
    free(v);
}

/* Entities with their newest facts, by USCC: the one with this uscc, or (uscc NULL) at most
 * limit of those after the USCC after ("" for the first), only those with matters if
 * with_matters. */
/* An entity from a row of id, uscc, name, kind, in_zone, industry; no facts yet. */
static void entity_from_row(struct store_stmt *q, struct entity *x)
{
    memset(x, 0, sizeof *x);
    x->id = store_col_int(q, 0);
    snprintf(x->uscc, sizeof x->uscc, "%s", store_col_text(q, 1));
    snprintf(x->name, sizeof x->name, "%s", store_col_text(q, 2));
    snprintf(x->kind, sizeof x->kind, "%s", store_col_text(q, 3));
    x->in_zone = (int)store_col_int(q, 4);
    snprintf(x->industry, sizeof x->industry, "%s", store_col_text(q, 5));
}

static enum status list_entities(struct store *s, const char *uscc, int with_matters,
                                 const char *after, int64_t limit, struct entity **out, size_t *n,
                                 struct err *e)
{
    *out = NULL;
    *n = 0;
    struct store_stmt *q;
    enum status st = store_prepare(
        s,
        uscc ? "SELECT id, uscc, name, kind, in_zone, industry FROM entities WHERE uscc = ?"
        : with_matters
            ? "SELECT id, uscc, name, kind, in_zone, industry FROM entities WHERE uscc > ?"
              " AND id IN (SELECT entity_id FROM entity_facts WHERE matter_key <> '')"
              " ORDER BY uscc LIMIT ?"
            : "SELECT id, uscc, name, kind, in_zone, industry FROM entities WHERE uscc > ?"
              " ORDER BY uscc LIMIT ?",
        &q, e);
    if (st != ST_OK)
        return st;
    store_bind_text(q, 1, uscc ? uscc : after);
    if (!uscc)
        store_bind_int(q, 2, limit);
    size_t cap = 0;
    int row;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        if (*n == cap) {
            cap = cap ? cap * 2 : 64;
            *out = xrealloc(*out, cap * sizeof **out);
        }
        entity_from_row(q, &(*out)[(*n)++]);
    }
    store_finish(q);
    if (st != ST_OK)
        goto fail;
    /* The newest value of each fact (latest date, then latest recorded), in the entities'
     * order, so one forward walk pairs them. */
    if (*n == 0)
        return ST_OK;
    /* One entity's facts by its id (the index), or every entity's in USCC order. */
    if ((st = store_prepare(s,
                            uscc ? "SELECT f.entity_id, f.name, f.value, f.source, f.as_of,"
                                   " f.matter_key, f.matter FROM entity_facts f"
                                   " WHERE f.entity_id = ? AND f.id = (SELECT g.id FROM"
                                   " entity_facts g WHERE g.entity_id = f.entity_id"
                                   " AND g.matter_key = f.matter_key AND g.matter = f.matter"
                                   " AND g.name = f.name ORDER BY g.as_of DESC, g.id DESC LIMIT 1)"
                                   " ORDER BY f.matter_key, f.matter, f.name"
                                 : "SELECT f.entity_id, f.name, f.value, f.source, f.as_of,"
                                   " f.matter_key, f.matter FROM entity_facts f"
                                   " JOIN entities en ON en.id = f.entity_id"
                                   " WHERE f.id = (SELECT g.id FROM entity_facts g"
                                   " WHERE g.entity_id = f.entity_id"
                                   " AND g.matter_key = f.matter_key AND g.matter = f.matter"
                                   " AND g.name = f.name ORDER BY g.as_of DESC, g.id DESC LIMIT 1)"
                                   " AND (? = 0 OR f.entity_id IN (SELECT entity_id FROM"
                                   " entity_facts WHERE matter_key <> ''))"
                                   " AND en.uscc > ? AND en.uscc <= ?"
                                   " ORDER BY en.uscc, f.matter_key, f.matter, f.name",
                            &q, e)) != ST_OK)
        goto fail;
    store_bind_int(q, 1, uscc ? (*out)[0].id : with_matters);
    if (!uscc) { /* the facts of this batch's entities only */
        store_bind_text(q, 2, after);
        store_bind_text(q, 3, (*out)[*n - 1].uscc);
    }
    size_t at = 0;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        int64_t id = store_col_int(q, 0);
        while (at < *n && (*out)[at].id != id)
            at++;
        if (at == *n) {
            st = err_set(e, ST_INTERNAL, NULL, "entity facts out of order");
            break;
        }
        struct entity *x = &(*out)[at];
        if (x->n_facts == 0 || (x->n_facts >= 8 && (x->n_facts & (x->n_facts - 1)) == 0))
            x->facts = xrealloc(x->facts, (x->n_facts ? x->n_facts * 2 : 8) * sizeof *x->facts);
        struct entity_fact *f = &x->facts[x->n_facts++];
        snprintf(f->name, sizeof f->name, "%s", store_col_text(q, 1));
        snprintf(f->value, sizeof f->value, "%s", store_col_text(q, 2));
        snprintf(f->source, sizeof f->source, "%s", store_col_text(q, 3));
        snprintf(f->as_of, sizeof f->as_of, "%s", store_col_text(q, 4));
        f->matter = 0;
        const char *key = store_col_text(q, 5), *value = store_col_text(q, 6);
        if (key[0]) { /* the facts come grouped by matter: a new one follows the last */
            struct entity_matter *last = x->n_matters ? &x->matters[x->n_matters - 1] : NULL;
            if (!last || strcmp(last->key, key) || strcmp(last->value, value)) {
                x->matters = xrealloc(x->matters, (x->n_matters + 1) * sizeof *x->matters);
                last = &x->matters[x->n_matters++];
                snprintf(last->key, sizeof last->key, "%s", key);
                snprintf(last->value, sizeof last->value, "%s", value);
            }
            f->matter = (unsigned)x->n_matters;
        }
    }
    store_finish(q);
    if (st == ST_OK)
        return ST_OK;
fail:
    entities_free(*out, *n);
    *out = NULL;
    *n = 0;
    return st;
}

json_t *entity_json(const struct entity *x)
{
    json_t *facts = json_object(), *matters = json_array();
    json_t **in = xcalloc(x->n_matters + 1, sizeof *in); /* in[0]: the entity's own */
    in[0] = facts;
    for (size_t k = 0; k < x->n_matters; k++) {
        in[k + 1] = json_object();
        json_array_append_new(matters, json_pack("{s:s, s:s, s:o}", "key", x->matters[k].key,
                                                 "value", x->matters[k].value, "facts", in[k + 1]));
    }
    for (size_t i = 0; i < x->n_facts; i++) {
        const struct entity_fact *f = &x->facts[i];
        json_object_set_new(in[f->matter], f->name,
                            json_pack("{s:s, s:s, s:s}", "value", f->value, "source", f->source,
                                      "as_of", f->as_of));
    }
    free(in);
    return json_pack("{s:s, s:s, s:s, s:b, s:s, s:o, s:o}", "uscc", x->uscc, "name", x->name,
                     "kind", x->kind, "in_zone", x->in_zone, "industry", x->industry, "facts",
                     facts, "matters", matters);
}

enum status entity_list(struct store *s, struct entity **out, size_t *n, struct err *e)
{
    return list_entities(s, NULL, 0, "", INT64_MAX, out, n, e);
}

/* The one integer sql selects (0 without a row). */
static enum status query_int(struct store *s, const char *sql, int64_t *out, struct err *e)
{
    struct store_stmt *q;
    *out = 0;
    enum status st = store_prepare(s, sql, &q, e);
    if (st != ST_OK)
        return st;
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK && row)
        *out = store_col_int(q, 0);
    store_finish(q);
    return st;
}

enum status entity_list_page(struct store *s, const char *after, size_t limit, struct entity **out,
                             size_t *n, size_t *total, struct err *e)
{
    int64_t count;
    enum status st = query_int(s, "SELECT count(*) FROM entities", &count, e);
    *total = (size_t)count;
    if (st != ST_OK)
        return st;
    return list_entities(s, NULL, 0, after, (int64_t)limit, out, n, e);
}

enum status entity_search(struct store *s, const char *q, size_t limit, struct entity **out,
                          size_t *n, struct err *e)
{
    struct store_stmt *st;
    size_t cap = 0;
    int row;
    *out = NULL;
    *n = 0;
    /* instr, not LIKE: a name may hold % or _ */
    enum status rc = store_prepare(s,
                                   "SELECT id, uscc, name, kind, in_zone, industry FROM entities"
                                   " WHERE instr(name, ?1) > 0 OR instr(uscc, upper(?1)) > 0"
                                   " ORDER BY instr(name, ?1) <> 1, name, uscc LIMIT ?2",
                                   &st, e);
    if (rc != ST_OK)
        return rc;
    store_bind_text(st, 1, q);
    store_bind_int(st, 2, (int64_t)limit);
    while ((rc = store_step(st, &row, e)) == ST_OK && row) {
        xgrow((void **)out, &cap, *n + 1, sizeof **out);
        entity_from_row(st, &(*out)[(*n)++]);
    }
    store_finish(st);
    if (rc != ST_OK) {
        entities_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* Entities read a batch at a time, so that walking a million keeps a thousand in memory. */
#define CURSOR_BATCH 1024

struct entity_cursor {
    struct store *s;
    int with_matters, done;
    char after[19];
    struct entity *v;
    size_t n;
};

struct entity_cursor *entity_cursor_open(struct store *s, int with_matters)
{
    struct entity_cursor *c = xcalloc(1, sizeof *c);
    c->s = s;
    c->with_matters = with_matters;
    return c;
}

enum status entity_cursor_next(struct entity_cursor *c, struct entity **v, size_t *n, struct err *e)
{
    entities_free(c->v, c->n);
    c->v = NULL;
    c->n = 0;
    *v = NULL;
    *n = 0;
    if (c->done)
        return ST_OK;
    enum status st =
        list_entities(c->s, NULL, c->with_matters, c->after, CURSOR_BATCH, &c->v, &c->n, e);
    if (st != ST_OK)
        return st;
    c->done = c->n < CURSOR_BATCH;
    if (c->n)
        snprintf(c->after, sizeof c->after, "%s", c->v[c->n - 1].uscc);
    *v = c->v;
    *n = c->n;
    return ST_OK;
}

void entity_cursor_close(struct entity_cursor *c)
{
    if (!c)
        return;
    entities_free(c->v, c->n);
    free(c);
}

enum status entity_has_matters(struct store *s, int *yes, struct err *e)
{
    int64_t x;
    enum status st =
        query_int(s, "SELECT EXISTS (SELECT 1 FROM entity_facts WHERE matter_key <> '')", &x, e);
    *yes = x != 0;
    return st;
}

enum status entity_get(struct store *s, const char *uscc, struct entity **out, struct err *e)
{
    size_t n;
    *out = NULL;
    enum status st = uscc_lookup_check(uscc, e);
    if (st == ST_OK)
        st = list_entities(s, uscc, 0, NULL, 0, out, &n, e);
    if (st == ST_OK && n == 0) {
        free(*out);
        *out = NULL;
        st = err_set(e, ST_NOT_FOUND, "uscc", "没有统一社会信用代码为 %s 的主体", uscc);
    }
    return st;
}
