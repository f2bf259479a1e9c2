/* Subcommands of hqd. Each handler validates its arguments, opens what it needs, calls the
 * domain, and prints; errors are reported in exactly one place (report()). */
#include "cli/cli.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <termios.h>
#include <unistd.h>

#include "audit/audit.h"
#include "auth/auth.h"
#include "http/http.h"
#include "base/date.h"
#include "base/money.h"
#include "calendar/calendar.h"
#include "base/xalloc.h"
#include "cli/cli_int.h"
#include "dept/dept.h"
#include "plan/plan.h"
#include "store/store.h"
#include "assess/assess.h"
#include "bulletin/bulletin.h"
#include "ledger/ledger.h"
#include "award/award.h"
#include "entity/entity.h"
#include "export/export.h"
#include "policy/policy.h"
#include "supervise/supervise.h"
#include "base/clock.h"

#include <sodium.h>

#define DEFAULT_DB "var/hqd.db"
#define CLI_MAX_INPUT ((size_t)64 << 20)

struct cli_cmd {
    const char *noun, *verb;
    int (*run)(const struct cli_args *a);
    int min_pos, max_pos;
    const char *options; /* accepted options, space separated */
    const char *usage;
    const char *summary;
};

static int report(enum status st, const struct err *e)
{
    if (e->where[0])
        fprintf(stderr, "hqd: %s: %s\n", e->where, e->msg);
    else
        fprintf(stderr, "hqd: %s\n", e->msg[0] ? e->msg : status_name(st));
    return status_exit_code(st);
}

static const char *actor(void)
{
    static char buf[96];
    const char *user = getenv("USER");
    snprintf(buf, sizeof buf, "cli:%s", user && *user ? user : "unknown");
    return buf;
}

static enum status read_file(const char *path, char **data, size_t *len, struct err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, ST_INVALID, path, "无法读取文件：%s", strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (n == cap) {
            if (cap > CLI_MAX_INPUT) {
                free(buf);
                fclose(f);
                return err_set(e, ST_LIMIT, path, "文件超过 %zu 字节上限 (file too large)",
                               CLI_MAX_INPUT);
            }
            cap *= 2;
            buf = xrealloc(buf, cap);
        }
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (r == 0)
            break;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return err_set(e, ST_IO, path, "读取失败 (read error)");
    }
    *data = buf;
    *len = n;
    return ST_OK;
}

static enum status parse_id(const char *s, const char *what, int64_t *out, struct err *e)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || end == s || v <= 0)
        return err_set(e, ST_INVALID, what, "“%s”不是有效的编号 (expected a positive integer)", s);
    *out = v;
    return ST_OK;
}

static void print_json(json_t *j)
{
    char *s = json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    puts(s);
    free(s);
}

static const char *join_names(struct plan_names n, char *buf, size_t len)
{
    buf[0] = '\0';
    size_t used = 0;
    for (size_t i = 0; i < n.n; i++) {
        int w = snprintf(buf + used, len - used, "%s%s", i ? "、" : "", n.v[i]);
        if (w < 0 || (size_t)w >= len - used)
            break;
        used += (size_t)w;
    }
    return buf;
}

/* ---------------------------------------------------------------- plan */

static int cmd_plan_parse(const struct cli_args *a)
{
    struct err e = {0};
    char *data;
    size_t len;
    enum status st = read_file(a->pos[0], &data, &len, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct plan *p;
    st = plan_parse(data, len, a->pos[0], &p, &e);
    free(data);
    if (st != ST_OK)
        return report(st, &e);
    if (a->json) {
        json_t *j = plan_to_json(p);
        print_json(j);
        json_decref(j);
    } else {
        printf("标题：%s\n文号：%s\n成文日期：%s\n发布日期：%s\n\n", plan_title(p),
               plan_doc_number(p) ? plan_doc_number(p) : "—",
               plan_signed_on(p) ? plan_signed_on(p) : "—",
               plan_published_on(p) ? plan_published_on(p) : "—");
        static const char *const heads[] = {"条目", "重点任务", "措施", "牵头", "配合", "时限"};
        static const int widths[] = {16, 30, 4, 28, 36, 10};
        struct cli_table t = {.n_cols = 6, .headers = heads, .max_width = widths};
        for (size_t i = 0; i < plan_item_count(p); i++) {
            const struct plan_item *it = plan_item(p, i);
            if (!it->is_leaf)
                continue;
            char nm[8], lead[512], co[512];
            snprintf(nm, sizeof nm, "%zu", it->n_measures);
            const char *row[] = {it->path,
                                 it->title,
                                 nm,
                                 join_names(it->lead, lead, sizeof lead),
                                 join_names(it->co, co, sizeof co),
                                 it->deadline && it->deadline->date ? it->deadline->date : ""};
            cli_table_add(&t, row);
        }
        cli_table_print(&t, stdout);
        cli_table_free(&t);
        printf("\n共 %zu 个条目，%zu 项任务。\n", plan_item_count(p), plan_task_count(p));
    }
    for (size_t i = 0; i < plan_warning_count(p); i++)
        fprintf(stderr, "hqd: %s: 提示：%s\n", a->pos[0], plan_warning(p, i));
    plan_free(p);
    return 0;
}

static int open_store(const struct cli_args *a, struct store **s, struct err *e)
{
    return (int)store_open(a->db, s, e);
}

/* For the checks: a store that is not there is an error, not a new empty one that verifies
 * (a mistyped --db would otherwise report "完好：共 0 行"). */
static enum status open_existing_store(const struct cli_args *a, struct store **s, struct err *e)
{
    if (access(a->db, F_OK) != 0)
        return err_set(e, ST_NOT_FOUND, a->db, "数据库文件不存在（检查 --db）");
    return store_open(a->db, s, e);
}

static int cmd_plan_import(const struct cli_args *a)
{
    struct err e = {0};
    char *data;
    size_t len;
    enum status st = read_file(a->pos[0], &data, &len, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct plan *p;
    st = plan_parse(data, len, a->pos[0], &p, &e);
    free(data);
    if (st != ST_OK)
        return report(st, &e);
    struct store *s;
    if ((st = (enum status)open_store(a, &s, &e)) != ST_OK) {
        plan_free(p);
        return report(st, &e);
    }
    int64_t id;
    int created;
    const char *base = strrchr(a->pos[0], '/');
    st = plan_import(s, p, base ? base + 1 : a->pos[0], actor(), &id, &created, &e);
    if (st == ST_OK) {
        if (a->json) {
            json_t *j =
                json_pack("{s:I, s:b, s:I, s:s}", "plan_id", (json_int_t)id, "created", created,
                          "tasks", (json_int_t)plan_task_count(p), "sha256", plan_sha256(p));
            print_json(j);
            json_decref(j);
        } else if (created) {
            printf("已导入方案 %" PRId64 "：%s（%zu 个条目，%zu 项任务）\n", id, plan_title(p),
                   plan_item_count(p), plan_task_count(p));
        } else {
            printf("方案已存在（编号 %" PRId64 "，内容相同），未作改动。\n", id);
        }
    }
    plan_free(p);
    store_close(s);
    return st == ST_OK ? 0 : report(st, &e);
}

static json_t *summary_json(const struct plan_summary *r)
{
    return json_pack("{s:I, s:s, s:s?, s:s?, s:s?, s:I, s:I, s:s, s:s, s:s?}", "id",
                     (json_int_t)r->id, "title", r->title, "doc_number", r->doc_number, "signed_on",
                     r->signed_on, "published_on", r->published_on, "items", (json_int_t)r->items,
                     "tasks", (json_int_t)r->tasks, "sha256", r->sha256, "imported_at",
                     r->imported_at, "file_name", r->file_name);
}

static int cmd_plan_list(const struct cli_args *a)
{
    struct err e = {0};
    struct store *s;
    enum status st = (enum status)open_store(a, &s, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct plan_summary *rows;
    size_t n;
    if ((st = plan_list(s, &rows, &n, &e)) == ST_OK) {
        if (a->json) {
            json_t *arr = json_array();
            for (size_t i = 0; i < n; i++)
                json_array_append_new(arr, summary_json(&rows[i]));
            print_json(arr);
            json_decref(arr);
        } else if (n == 0) {
            printf("还没有导入任何方案。用 hqd plan import FILE 导入。\n");
        } else {
            static const char *const heads[] = {"编号", "文号", "标题", "成文日期", "任务"};
            static const int widths[] = {6, 20, 50, 10, 6};
            struct cli_table t = {.n_cols = 5, .headers = heads, .max_width = widths};
            for (size_t i = 0; i < n; i++) {
                char id[24], tasks[24];
                snprintf(id, sizeof id, "%" PRId64, rows[i].id);
                snprintf(tasks, sizeof tasks, "%" PRId64, rows[i].tasks);
                const char *row[] = {id, rows[i].doc_number, rows[i].title, rows[i].signed_on,
                                     tasks};
                cli_table_add(&t, row);
            }
            cli_table_print(&t, stdout);
            cli_table_free(&t);
        }
        plan_summaries_free(rows, n);
    }
    store_close(s);
    return st == ST_OK ? 0 : report(st, &e);
}

static int print_tasks(const struct cli_args *a, struct store *s, int64_t plan_id, struct err *e)
{
    struct plan_task_filter f = {.plan_id = plan_id, .dept = a->dept};
    struct plan_task_row *rows;
    size_t n;
    enum status st = plan_tasks(s, &f, &rows, &n, e);
    if (st != ST_OK)
        return (int)st;
    if (a->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++) {
            const struct plan_task_row *r = &rows[i];
            json_array_append_new(
                arr,
                json_pack("{s:I, s:I, s:I, s:s, s:s?, s:s?, s:s, s:s?, s:s?, s:s?, s:s?, "
                          "s:s?}",
                          "id", (json_int_t)r->id, "plan_id", (json_int_t)r->plan_id, "seq",
                          (json_int_t)r->seq, "path", r->path, "section", r->section, "item_title",
                          r->item_title, "text", r->text, "lead", r->lead, "co", r->co, "deadline",
                          r->deadline, "deadline_text", r->deadline_text, "figures", r->figures));
        }
        print_json(arr);
        json_decref(arr);
    } else if (n == 0) {
        printf("没有符合条件的任务。\n");
    } else {
        static const char *const heads[] = {"序号",     "条目",     "重点任务", "具体措施",
                                            "牵头单位", "配合单位", "时限"};
        static const int widths[] = {4, 14, 20, 36, 20, 28, 10};
        struct cli_table t = {.n_cols = 7, .headers = heads, .max_width = widths};
        for (size_t i = 0; i < n; i++) {
            char seq[24];
            snprintf(seq, sizeof seq, "%" PRId64, rows[i].seq);
            const char *row[] = {seq,          rows[i].path, rows[i].item_title, rows[i].text,
                                 rows[i].lead, rows[i].co,   rows[i].deadline};
            cli_table_add(&t, row);
        }
        cli_table_print(&t, stdout);
        cli_table_free(&t);
        printf("\n共 %zu 项任务。\n", n);
    }
    plan_task_rows_free(rows, n);
    return ST_OK;
}

static int cmd_plan_show(const struct cli_args *a)
{
    struct err e = {0};
    int64_t id = 0;
    enum status st = parse_id(a->pos[0], "ID", &id, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct store *s;
    if ((st = (enum status)open_store(a, &s, &e)) != ST_OK)
        return report(st, &e);
    struct plan_summary *sum;
    if ((st = plan_get(s, id, &sum, &e)) == ST_OK) {
        if (a->json) {
            json_t *j = summary_json(sum);
            print_json(j);
            json_decref(j);
        } else {
            printf("编号：%" PRId64 "\n标题：%s\n文号：%s\n成文日期：%s\n发布日期：%s\n"
                   "条目：%" PRId64 "  任务：%" PRId64 "\n来源：%s（SHA-256 %s）\n导入时间：%s\n\n",
                   sum->id, sum->title, sum->doc_number ? sum->doc_number : "—",
                   sum->signed_on ? sum->signed_on : "—",
                   sum->published_on ? sum->published_on : "—", sum->items, sum->tasks,
                   sum->file_name ? sum->file_name : "—", sum->sha256, sum->imported_at);
            struct cli_args b = *a;
            b.dept = NULL;
            st = (enum status)print_tasks(&b, s, id, &e);
        }
        plan_summaries_free(sum, 1);
    }
    store_close(s);
    return st == ST_OK ? 0 : report(st, &e);
}

/* ---------------------------------------------------------------- task, dept */

static int cmd_task_list(const struct cli_args *a)
{
    struct err e = {0};
    int64_t plan_id = 0;
    enum status st = ST_OK;
    if (a->plan && (st = parse_id(a->plan, "--plan", &plan_id, &e)) != ST_OK)
        return report(st, &e);
    struct store *s;
    if ((st = (enum status)open_store(a, &s, &e)) != ST_OK)
        return report(st, &e);
    if (plan_id) {
        struct plan_summary *sum;
        if ((st = plan_get(s, plan_id, &sum, &e)) == ST_OK)
            plan_summaries_free(sum, 1);
    }
    if (st == ST_OK)
        st = (enum status)print_tasks(a, s, plan_id, &e);
    store_close(s);
    return st == ST_OK ? 0 : report(st, &e);
}

static int cmd_dept_list(const struct cli_args *a)
{
    struct err e = {0};
    struct store *s;
    enum status st = (enum status)open_store(a, &s, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct dept_row *rows;
    size_t n;
    if ((st = dept_list(s, &rows, &n, &e)) == ST_OK) {
        if (a->json) {
            json_t *arr = json_array();
            for (size_t i = 0; i < n; i++)
                json_array_append_new(
                    arr, json_pack("{s:I, s:s, s:s, s:s?, s:I, s:I}", "id", (json_int_t)rows[i].id,
                                   "name", rows[i].name, "kind", dept_kind_name(rows[i].kind),
                                   "alias_of", rows[i].canonical_id ? rows[i].canonical : NULL,
                                   "lead_tasks", (json_int_t)rows[i].lead_tasks, "co_tasks",
                                   (json_int_t)rows[i].co_tasks));
            print_json(arr);
            json_decref(arr);
        } else if (n == 0) {
            printf("部门目录为空。导入方案后会自动填充。\n");
        } else {
            static const char *const heads[] = {"编号",     "名称",     "类别",
                                                "别名指向", "牵头任务", "配合任务"};
            struct cli_table t = {.n_cols = 6, .headers = heads};
            for (size_t i = 0; i < n; i++) {
                char id[24], lead[24], co[24];
                snprintf(id, sizeof id, "%" PRId64, rows[i].id);
                snprintf(lead, sizeof lead, "%" PRId64, rows[i].lead_tasks);
                snprintf(co, sizeof co, "%" PRId64, rows[i].co_tasks);
                int alias = rows[i].canonical_id != 0;
                const char *row[] = {id,
                                     rows[i].name,
                                     dept_kind_label(rows[i].kind),
                                     alias ? rows[i].canonical : "",
                                     alias ? "" : lead,
                                     alias ? "" : co};
                cli_table_add(&t, row);
            }
            cli_table_print(&t, stdout);
            cli_table_free(&t);
        }
        dept_rows_free(rows, n);
    }
    store_close(s);
    return st == ST_OK ? 0 : report(st, &e);
}

static int cmd_dept_alias(const struct cli_args *a)
{
    struct err e = {0};
    struct store *s;
    enum status st = (enum status)open_store(a, &s, &e);
    if (st != ST_OK)
        return report(st, &e);
    if ((st = dept_alias(s, actor(), a->pos[0], a->pos[1], &e)) == ST_OK)
        printf("“%s”已作为“%s”的别名。\n", a->pos[0], a->pos[1]);
    store_close(s);
    return st == ST_OK ? 0 : report(st, &e);
}

/* ---------------------------------------------------------------- export, audit */

static int cmd_export_tasks(const struct cli_args *a)
{
    struct err e = {0};
    if (!a->plan || !a->format || !a->out) {
        err_set(&e, ST_INVALID, NULL,
                "用法：hqd export tasks --plan ID --format xlsx|csv --out FILE");
        return report(ST_INVALID, &e);
    }
    int64_t plan_id = 0;
    enum status st = parse_id(a->plan, "--plan", &plan_id, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct store *s;
    if ((st = (enum status)open_store(a, &s, &e)) != ST_OK)
        return report(st, &e);
    if ((st = plan_export_breakdown(s, plan_id, a->format, a->out, &e)) == ST_OK)
        printf("已导出任务分解表：%s\n", a->out);
    store_close(s);
    return st == ST_OK ? 0 : report(st, &e);
}

/* A hash chain's head, to be written down outside hqd (and checked later with --anchor). */
static void print_chain_head(int64_t id, const char *hash)
{
    printf("末行：%" PRId64 ":%s（抄录备查，日后用 --anchor 核对，可查出末尾被删或整本改写）\n", id,
           hash);
}

static void print_anchor(const struct audit_anchor *an, const char *chain)
{
    if (an->ok)
        printf("锚点核对：抄录的那一行仍在%s中，哈希未变。\n", chain);
    else
        printf("锚点核对：%s\n", an->problem);
}

static int cmd_audit_verify(const struct cli_args *a)
{
    struct err e = {0};
    struct store *s;
    enum status st = open_existing_store(a, &s, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct audit_report r;
    struct audit_anchor an = {.ok = 1};
    st = audit_verify(s, &r, &e);
    if (st == ST_OK && a->anchor)
        st = audit_anchor_check(s, &audit_log_chain, a->anchor, &an, &e);
    store_close(s);
    if (st != ST_OK)
        return report(st, &e);
    if (a->json) {
        json_t *j = audit_report_json(&r);
        if (a->anchor)
            json_object_set_new(j, "anchor", audit_anchor_json(&an));
        print_json(j);
        json_decref(j);
    } else {
        if (r.first_bad == 0)
            printf("审计链完好：共 %" PRId64 " 行，逐行校验通过。\n", r.rows);
        else
            printf("审计链损坏：第 %" PRId64 " 行：%s\n", r.first_bad, r.reason);
        if (!r.first_bad && r.rows)
            print_chain_head(r.rows, r.head);
        if (a->anchor)
            print_anchor(&an, "审计日志");
    }
    return r.first_bad == 0 && an.ok ? 0 : 1;
}

/* ---------------------------------------------------------------- calendar */

/* Opens the store when it exists, for the office's additions; the shipped calendar otherwise. */
static enum status load_calendar(const struct cli_args *a, struct calendar **cal, struct err *e)
{
    FILE *f = fopen(a->db, "rb");
    if (!f) {
        *cal = calendar_builtin();
        return ST_OK;
    }
    fclose(f);
    struct store *s;
    enum status st = store_open(a->db, &s, e);
    if (st != ST_OK)
        return st;
    st = calendar_load(s, cal, e);
    store_close(s);
    return st;
}

static int cmd_calendar_after(const struct cli_args *a)
{
    struct err e = {0};
    struct date d;
    if (!date_parse_iso(a->pos[0], &d)) {
        err_set(&e, ST_INVALID, a->pos[0], "应为 YYYY-MM-DD 日期 (bad date)");
        return report(ST_INVALID, &e);
    }
    char *end;
    long n = strtol(a->pos[1], &end, 10);
    if (*end || end == a->pos[1] || n < 0 || n > 3660) {
        err_set(&e, ST_INVALID, a->pos[1], "工作日数应为 0 到 3660 的整数 (bad count)");
        return report(ST_INVALID, &e);
    }
    struct calendar *cal;
    enum status st = load_calendar(a, &cal, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct date r = calendar_add_workdays(cal, d, (int)n);
    for (int y = d.y; y <= r.y; y++)
        if (!calendar_has_year(cal, y))
            fprintf(stderr,
                    "hqd: 提示：%d 年没有节假日数据，按周一至周五计算；用 hqd calendar add "
                    "补充 (no holiday data for %d)\n",
                    y, y);
    char iso[16];
    date_format(r, iso, sizeof iso);
    if (a->json) {
        json_t *j =
            json_pack("{s:s, s:i, s:s}", "from", a->pos[0], "workdays", (int)n, "date", iso);
        print_json(j);
        json_decref(j);
    } else {
        puts(iso);
    }
    calendar_free(cal);
    return 0;
}

static int cmd_calendar_add(const struct cli_args *a)
{
    struct err e = {0};
    char *data;
    size_t len;
    enum status st;
    const char *name = a->pos[0];
    if (strcmp(name, "-") == 0) {
        st = read_file("/dev/stdin", &data, &len, &e);
        name = "<stdin>";
    } else {
        st = read_file(name, &data, &len, &e);
    }
    if (st != ST_OK)
        return report(st, &e);
    struct store *s;
    if ((st = store_open(a->db, &s, &e)) != ST_OK) {
        free(data);
        return report(st, &e);
    }
    size_t added;
    st = calendar_add(s, actor(), data, len, name, &added, &e);
    free(data);
    store_close(s);
    if (st != ST_OK)
        return report(st, &e);
    printf("已添加 %zu 天的节假日安排。\n", added);
    return 0;
}

static int cmd_calendar_list(const struct cli_args *a)
{
    struct err e = {0};
    char *end;
    long y = strtol(a->pos[0], &end, 10);
    if (*end || y < 2000 || y > 2199) {
        err_set(&e, ST_INVALID, a->pos[0], "年份应为 2000 到 2199 (bad year)");
        return report(ST_INVALID, &e);
    }
    struct calendar *cal;
    enum status st = load_calendar(a, &cal, &e);
    if (st != ST_OK)
        return report(st, &e);
    if (!calendar_has_year(cal, (int)y))
        printf("%ld 年没有节假日数据。\n", y);
    long from = date_to_days((struct date){(int)y, 1, 1});
    long to = date_to_days((struct date){(int)y, 12, 31});
    for (long k = from; k <= to; k++) {
        struct date d = date_from_days(k);
        const char *nm = calendar_day_name(cal, d);
        if (!nm)
            continue;
        char iso[16];
        date_format(d, iso, sizeof iso);
        printf("%s  %s  %s\n", iso, calendar_is_workday(cal, d) ? "上班" : "放假", nm);
    }
    calendar_free(cal);
    return 0;
}

/* ---------------------------------------------------------------- users, serve */

/* Reads a password: from standard input when it is not a terminal (scripts), else prompted
 * twice without echo. */
static enum status read_password(const char *prompt, char *out, size_t outlen, struct err *e)
{
    int tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    int ok = fgets(out, (int)outlen, stdin) != NULL;
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (!ok)
        return err_set(e, ST_INVALID, "password", "没有读到密码 (no password on standard input)");
    out[strcspn(out, "\r\n")] = '\0';
    if (tty) {
        char again[AUTH_MAX_PASSWORD + 2];
        fprintf(stderr, "再输入一次：");
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        ok = fgets(again, sizeof again, stdin) != NULL;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
        again[strcspn(again, "\r\n")] = '\0';
        if (!ok || strcmp(again, out) != 0)
            return err_set(e, ST_INVALID, "password", "两次输入的密码不一致 (passwords differ)");
    }
    return ST_OK;
}

static int cmd_user_add(const struct cli_args *a)
{
    struct err e = {0};
    enum auth_role role;
    if (!a->role || !auth_role_parse(a->role, &role)) {
        err_set(&e, ST_INVALID, "--role", "--role 应为 admin、office、leader、dept 或 enterprise");
        return report(ST_INVALID, &e);
    }
    if (a->dept && a->entity) {
        err_set(&e, ST_INVALID, "--entity", "--dept 与 --entity 只能给一个");
        return report(ST_INVALID, &e);
    }
    const char *org = a->entity ? a->entity : a->dept;
    /* Say what is missing before asking for a password. */
    if (role == ROLE_DEPT && !a->dept) {
        err_set(&e, ST_INVALID, "--dept", "部门账号必须指定所属部门 (--dept is required)");
        return report(ST_INVALID, &e);
    }
    if (role == ROLE_ENTERPRISE && !a->entity) {
        err_set(&e, ST_INVALID, "--entity",
                "企业账号必须指定主体的统一社会信用代码 (--entity is required)");
        return report(ST_INVALID, &e);
    }
    char pw[AUTH_MAX_PASSWORD + 2];
    enum status st = read_password("密码：", pw, sizeof pw, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct store *s;
    if ((st = store_open(a->db, &s, &e)) != ST_OK)
        return report(st, &e);
    int64_t id;
    st = auth_user_add(s, actor(), a->pos[0], role, org, pw, &id, &e);
    store_close(s);
    if (st != ST_OK)
        return report(st, &e);
    printf("已创建账号 %s（%s%s%s）\n", a->pos[0], auth_role_label(role), org ? "，" : "",
           org ? org : "");
    return 0;
}

static int cmd_user_list(const struct cli_args *a)
{
    struct err e = {0};
    struct store *s;
    enum status st = store_open(a->db, &s, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct auth_user *rows;
    size_t n;
    if ((st = auth_user_list(s, &rows, &n, &e)) == ST_OK) {
        if (a->json) {
            json_t *arr = json_array();
            for (size_t i = 0; i < n; i++)
                json_array_append_new(arr, json_pack("{s:s, s:s, s:s?, s:b}", "name", rows[i].name,
                                                     "role", auth_role_name(rows[i].role), "dept",
                                                     rows[i].dept[0] ? rows[i].dept : NULL,
                                                     "disabled", rows[i].disabled));
            print_json(arr);
            json_decref(arr);
        } else {
            static const char *const heads[] = {"账号", "角色", "部门", "状态"};
            struct cli_table t = {.n_cols = 4, .headers = heads};
            for (size_t i = 0; i < n; i++) {
                const char *row[] = {rows[i].name, auth_role_label(rows[i].role), rows[i].dept,
                                     rows[i].disabled ? "已停用" : "正常"};
                cli_table_add(&t, row);
            }
            cli_table_print(&t, stdout);
            cli_table_free(&t);
        }
        free(rows);
    }
    store_close(s);
    return st == ST_OK ? 0 : report(st, &e);
}

static int cmd_user_passwd(const struct cli_args *a)
{
    struct err e = {0};
    char pw[AUTH_MAX_PASSWORD + 2];
    enum status st = read_password("新密码：", pw, sizeof pw, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct store *s;
    if ((st = store_open(a->db, &s, &e)) != ST_OK)
        return report(st, &e);
    st = auth_user_passwd(s, actor(), a->pos[0], NULL, pw, &e);
    store_close(s);
    if (st != ST_OK)
        return report(st, &e);
    printf("已重设 %s 的密码，原有会话已失效。\n", a->pos[0]);
    return 0;
}

static int cmd_user_disable(const struct cli_args *a)
{
    struct err e = {0};
    struct store *s;
    enum status st = store_open(a->db, &s, &e);
    if (st != ST_OK)
        return report(st, &e);
    st = auth_user_disable(s, actor(), a->pos[0], &e);
    store_close(s);
    if (st != ST_OK)
        return report(st, &e);
    printf("已停用账号 %s。\n", a->pos[0]);
    return 0;
}

/* Demo accounts for make run: an admin, an office supervisor, a leader and one clerk per
 * department found in the plans, with random passwords printed once. Does nothing when any
 * account exists. */
static int cmd_demo_accounts(const struct cli_args *a)
{
    struct err e = {0};
    struct store *s;
    enum status st = store_open(a->db, &s, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct auth_user *users;
    size_t nu;
    if ((st = auth_user_list(s, &users, &nu, &e)) != ST_OK) {
        store_close(s);
        return report(st, &e);
    }
    free(users);
    if (nu) {
        printf("已有 %zu 个账号，未创建演示账号（密码只在首次创建时显示；可用 hqd user passwd "
               "重设）。\n",
               nu);
        store_close(s);
        return 0;
    }
    struct dept_row *depts;
    size_t nd;
    if ((st = dept_list(s, &depts, &nd, &e)) != ST_OK) {
        store_close(s);
        return report(st, &e);
    }
    static const char *const heads[] = {"账号", "角色", "部门或主体", "密码（只显示这一次）"};
    struct cli_table t = {.n_cols = 4, .headers = heads};
    struct {
        const char *name;
        enum auth_role role;
    } staff[] = {{"admin", ROLE_ADMIN}, {"office", ROLE_OFFICE}, {"leader", ROLE_LEADER}};
    int clerk = 0;
    for (size_t i = 0; i < 3 + nd && st == ST_OK; i++) {
        char name[32], pw[32];
        const char *dept = NULL;
        enum auth_role role;
        if (i < 3) {
            snprintf(name, sizeof name, "%s", staff[i].name);
            role = staff[i].role;
        } else {
            const struct dept_row *d = &depts[i - 3];
            if (d->canonical_id || d->kind == DEPT_COLLECTIVE)
                continue;
            snprintf(name, sizeof name, "clerk%02d", ++clerk);
            role = ROLE_DEPT;
            dept = d->name;
        }
        unsigned char raw[9];
        randombytes_buf(raw, sizeof raw);
        sodium_bin2base64(pw, sizeof pw, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        int64_t id;
        if ((st = auth_user_add(s, actor(), name, role, dept, pw, &id, &e)) != ST_OK)
            break;
        const char *row[] = {name, auth_role_label(role), dept ? dept : "", pw};
        cli_table_add(&t, row);
    }
    dept_rows_free(depts, nd);
    /* An enterprise account for each of the first entities of the registry (if imported). */
    struct entity *ents = NULL;
    size_t ne = 0;
    if (st == ST_OK)
        st = entity_list(s, &ents, &ne, &e);
    for (size_t i = 0; i < ne && i < 4 && st == ST_OK; i++) {
        char name[32], pw[32];
        unsigned char raw[9];
        snprintf(name, sizeof name, "qiye%02zu", i + 1);
        randombytes_buf(raw, sizeof raw);
        sodium_bin2base64(pw, sizeof pw, raw, sizeof raw, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        int64_t id;
        if ((st = auth_user_add(s, actor(), name, ROLE_ENTERPRISE, ents[i].uscc, pw, &id, &e)) !=
            ST_OK)
            break;
        const char *row[] = {name, auth_role_label(ROLE_ENTERPRISE), ents[i].name, pw};
        cli_table_add(&t, row);
    }
    entities_free(ents, ne);
    store_close(s);
    if (st != ST_OK) {
        cli_table_free(&t);
        return report(st, &e);
    }
    printf("已创建演示账号：\n");
    cli_table_print(&t, stdout);
    cli_table_free(&t);
    return 0;
}

static int cmd_serve(const struct cli_args *a)
{
    struct err e = {0};
    struct http_options o = {
        .db = a->db, .listen = a->listen ? a->listen : "127.0.0.1:8080", .quiet = a->quiet};
    if (a->threads) {
        char *end;
        long n = strtol(a->threads, &end, 10);
        if (*end || n < 1 || n > 64) {
            err_set(&e, ST_INVALID, "--threads", "--threads 应为 1 到 64");
            return report(ST_INVALID, &e);
        }
        o.threads = (unsigned)n;
    }
    enum status st = http_serve(&o, &e);
    return st == ST_OK ? 0 : report(st, &e);
}

static int cmd_routes(const struct cli_args *a)
{
    const struct http_route_info *rt;
    size_t n = http_route_table(&rt);
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *roles = json_array();
        for (int k = 0; k < ROLE_COUNT; k++)
            if (rt[i].roles & ROLE_BIT(k))
                json_array_append_new(roles, json_string(auth_role_name((enum auth_role)k)));
        json_array_append_new(arr, json_pack("{s:s, s:s, s:b, s:o, s:s}", "method", rt[i].method,
                                             "path", rt[i].path, "public", rt[i].public_route,
                                             "roles", roles, "summary", rt[i].summary));
    }
    if (a->json) {
        print_json(arr);
    } else {
        for (size_t i = 0; i < json_array_size(arr); i++) {
            json_t *o = json_array_get(arr, i);
            printf("%-6s %-40s %s\n", json_string_value(json_object_get(o, "method")),
                   json_string_value(json_object_get(o, "path")),
                   json_string_value(json_object_get(o, "summary")));
        }
    }
    json_decref(arr);
    return 0;
}

/* --plan (default 1), the store and, when cal is not NULL, the calendar. On failure nothing is
 * left open. close_plan releases them. */
static enum status open_plan(const struct cli_args *a, int64_t *plan_id, struct store **s,
                             struct calendar **cal, struct err *e)
{
    *plan_id = 1;
    enum status st = ST_OK;
    if (a->plan && (st = parse_id(a->plan, "--plan", plan_id, e)) != ST_OK)
        return st;
    if ((st = store_open(a->db, s, e)) != ST_OK)
        return st;
    if (cal && (st = calendar_load(*s, cal, e)) != ST_OK)
        store_close(*s);
    return st;
}

static void close_plan(struct store *s, struct calendar *cal)
{
    calendar_free(cal);
    store_close(s);
}

/* ---------------------------------------------------------------- supervise */

static int cmd_supervise_run(const struct cli_args *a)
{
    struct err e = {0};
    int64_t plan_id;
    struct store *s;
    struct calendar *cal;
    enum status st = open_plan(a, &plan_id, &s, &cal, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct supervise_result r;
    st = supervise_run(s, cal, actor(), plan_id, clock_today(), &r, &e);
    close_plan(s, cal);
    if (st != ST_OK)
        return report(st, &e);
    printf("红灯催办 %zu 件，逾期升级 %zu 件，约谈候选 %zu 件。\n", r.urged, r.escalated,
           r.accountable);
    return 0;
}

/* Applies one KEY=VALUE of `supervise settings` to ss. */
static enum status settings_assign(const char *kv, struct supervise_settings *ss, struct err *e)
{
    static const char *const keys[] = {"remind_wd", "urge_wd", "supervise_wd"};
    const char *eq = strchr(kv, '=');
    if (!eq)
        return err_set(e, ST_INVALID, kv, "应写成 KEY=VALUE，例如 urge_wd=4");
    size_t klen = (size_t)(eq - kv);
    const char *v = eq + 1;
    if (klen == 9 && !strncmp(kv, "auto_urge", klen)) {
        if (!strcmp(v, "on") || !strcmp(v, "off")) {
            ss->auto_urge = !strcmp(v, "on");
            return ST_OK;
        }
        return err_set(e, ST_INVALID, "auto_urge", "auto_urge 应为 on 或 off，而不是“%s”", v);
    }
    for (int k = 0; k < 3; k++) {
        if (klen != strlen(keys[k]) || strncmp(kv, keys[k], klen))
            continue;
        char *end;
        errno = 0;
        long n = strtol(v, &end, 10);
        if (errno || *end || end == v || n < 1 || n > 60)
            return err_set(e, ST_INVALID, keys[k], "%s 应为 1 到 60 的工作日数，而不是“%s”",
                           keys[k], v);
        ss->limit_wd[k] = (int)n;
        return ST_OK;
    }
    return err_set(e, ST_INVALID, kv,
                   "未知设置项（可用 auto_urge、remind_wd、urge_wd、supervise_wd）");
}

static int cmd_supervise_settings(const struct cli_args *a)
{
    struct err e = {0};
    int64_t plan_id;
    struct store *s;
    enum status st = open_plan(a, &plan_id, &s, NULL, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct ledger_settings ls;
    struct supervise_settings ss;
    if ((st = ledger_settings_get(s, plan_id, &ls, &e)) != ST_OK ||
        (st = supervise_settings_get(s, plan_id, &ss, &e)) != ST_OK)
        goto out;
    for (int i = 0; i < a->n_pos; i++)
        if ((st = settings_assign(a->pos[i], &ss, &e)) != ST_OK)
            goto out;
    if (a->n_pos && (st = supervise_settings_set(s, actor(), &ss, &e)) != ST_OK)
        goto out;
    printf("自动催办：%s；办理时限：提醒 %d、催办 %d、督办 %d 个工作日。\n",
           ss.auto_urge ? "开" : "关", ss.limit_wd[0], ss.limit_wd[1], ss.limit_wd[2]);
out:
    store_close(s);
    return st == ST_OK ? 0 : report(st, &e);
}

/* ---------------------------------------------------------------- bulletins */

static int cmd_bulletin_generate(const struct cli_args *a)
{
    struct err e = {0};
    int64_t plan_id, id;
    struct store *s;
    struct calendar *cal;
    enum status st = open_plan(a, &plan_id, &s, &cal, &e);
    if (st != ST_OK)
        return report(st, &e);
    if ((st = bulletin_generate(s, cal, actor(), plan_id, a->pos[0], &id, &e)) == ST_OK)
        printf("已生成 %s 的通报草稿，编号 %" PRId64 "。\n", a->pos[0], id);
    close_plan(s, cal);
    return st == ST_OK ? 0 : report(st, &e);
}

static int cmd_bulletin_publish(const struct cli_args *a)
{
    struct err e = {0};
    int64_t id = 0;
    enum status st = parse_id(a->pos[0], "ID", &id, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct store *s;
    if ((st = store_open(a->db, &s, &e)) != ST_OK)
        return report(st, &e);
    if ((st = bulletin_publish(s, actor(), id, &e)) == ST_OK)
        printf("已发布通报 %" PRId64 "，内容已冻结。\n", id);
    store_close(s);
    return st == ST_OK ? 0 : report(st, &e);
}

static int cmd_bulletin_export(const struct cli_args *a)
{
    struct err e = {0};
    int64_t id = 0;
    enum bulletin_format f;
    enum status st = parse_id(a->pos[0], "ID", &id, &e);
    if (st != ST_OK)
        return report(st, &e);
    if (!a->format || !bulletin_format_parse(a->format, &f) || !a->out) {
        err_set(&e, ST_INVALID, "--format",
                "用法：hqd bulletin export ID --format html|xlsx|docx --out FILE");
        return report(ST_INVALID, &e);
    }
    struct store *s;
    if ((st = store_open(a->db, &s, &e)) != ST_OK)
        return report(st, &e);
    char *data;
    size_t len;
    st = bulletin_export(s, id, f, &data, &len, &e);
    store_close(s);
    if (st != ST_OK)
        return report(st, &e);
    FILE *out = fopen(a->out, "wb");
    int bad = !out || fwrite(data, 1, len, out) != len;
    if (out && fclose(out) != 0)
        bad = 1;
    free(data);
    if (bad) {
        err_set(&e, ST_IO, a->out, "无法写入文件");
        return report(ST_IO, &e);
    }
    printf("已导出：%s\n", a->out);
    return 0;
}

/* ---------------------------------------------------------------- assessment */

static int cmd_assess_run(const struct cli_args *a)
{
    struct err e = {0};
    int64_t plan_id, id = 0;
    struct store *s;
    struct calendar *cal;
    json_t *out = NULL;
    enum status st = open_plan(a, &plan_id, &s, &cal, &e);
    if (st != ST_OK)
        return report(st, &e);
    if ((st = assess_run(s, cal, actor(), plan_id, a->pos[0], &id, &e)) == ST_OK)
        st = assess_get(s, id, &out, &e);
    close_plan(s, cal);
    if (st != ST_OK)
        return report(st, &e);
    if (a->json) {
        print_json(out);
    } else {
        printf("考核 %" PRId64 "（%s，规则第 %d 版，草稿）：\n", id, a->pos[0],
               (int)json_integer_value(json_object_get(out, "rules_version")));
        /* a table, so that the names line up by their width on screen, not their bytes */
        static const char *const heads[] = {"名次", "部门", "得分"};
        struct cli_table t = {.n_cols = 3, .headers = heads};
        json_t *res = json_object_get(out, "results");
        for (size_t i = 0; i < json_array_size(res); i++) {
            json_t *r = json_array_get(res, i);
            char rank[16];
            snprintf(rank, sizeof rank, "%d", (int)json_integer_value(json_object_get(r, "rank")));
            const char *row[] = {rank, json_string_value(json_object_get(r, "dept")),
                                 json_string_value(json_object_get(r, "score_text"))};
            cli_table_add(&t, row);
        }
        cli_table_print(&t, stdout);
        cli_table_free(&t);
    }
    json_decref(out);
    return 0;
}

static int cmd_assess_publish(const struct cli_args *a)
{
    struct err e = {0};
    int64_t id = 0;
    enum status st = parse_id(a->pos[0], "ID", &id, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct store *s;
    if ((st = store_open(a->db, &s, &e)) != ST_OK)
        return report(st, &e);
    st = assess_publish(s, actor(), id, &e);
    store_close(s);
    if (st != ST_OK)
        return report(st, &e);
    printf("已发布考核 %" PRId64 "，结果已冻结。\n", id);
    return 0;
}

/* ---------------------------------------------------------------- policy */

/* The pack named by path, or the example pack shipped in the binary. */
static enum status load_pack_file(const char *path, struct policy_pack **p, struct err *e)
{
    if (!path)
        return policy_pack_example(p, e);
    char *data;
    size_t len;
    enum status st = read_file(path, &data, &len, e);
    if (st != ST_OK)
        return st;
    const char *base = strrchr(path, '/');
    st = policy_pack_load(data, len, base ? base + 1 : path, p, e);
    free(data);
    return st;
}

/* The pack a computation uses: --pack, else the store's current pack (the office's parameter
 * values included) when the store exists, else the example. Nothing is written. */
static enum status load_pack(const struct cli_args *a, struct policy_pack **p, struct err *e)
{
    if (a->pack || access(a->db, F_OK) != 0)
        return load_pack_file(a->pack, p, e);
    struct store *s;
    enum status st = store_open(a->db, &s, e);
    if (st != ST_OK)
        return st;
    st = award_pack_current(s, p, e);
    store_close(s);
    return st;
}

static int cmd_policy_check(const struct cli_args *a)
{
    struct err e = {0};
    struct policy_pack *p;
    enum status st = load_pack_file(a->n_pos ? a->pos[0] : NULL, &p, &e);
    if (st != ST_OK)
        return report(st, &e);
    printf("规则包“%s”（版本 %s）检查通过：%zu 个条款。\nSHA-256 %s\n", policy_pack_title(p),
           policy_pack_version(p), policy_pack_clauses(p), policy_pack_hash(p));
    for (size_t i = 0; i < policy_pack_clauses(p); i++) {
        char rule[4096];
        policy_clause_rule(p, i, rule, sizeof rule);
        printf("  %-22s %s（%s）\n  %-22s %s\n", policy_clause_id(p, i), policy_clause_title(p, i),
               policy_clause_cite(p, i), "", rule);
    }
    policy_pack_free(p);
    return 0;
}

/* hqd policy cases [CLAUSE]: each clause's boundary cases, computed. */
static int cmd_policy_cases(const struct cli_args *a)
{
    struct err e = {0};
    if (a->out && !a->json && !strstr(a->out, ".xlsx"))
        return report(err_set(&e, ST_INVALID, "--out", "--out 应为 .xlsx 文件"), &e);
    struct policy_pack *p;
    enum status st = load_pack(a, &p, &e);
    if (st != ST_OK)
        return report(st, &e);
    size_t from = 0, to = policy_pack_clauses(p);
    if (a->n_pos) {
        int ci = policy_clause_index(p, a->pos[0]);
        if (ci < 0) {
            policy_pack_free(p);
            err_set(&e, ST_NOT_FOUND, a->pos[0], "规则包中没有条款“%s” (no such clause)",
                    a->pos[0]);
            return report(ST_NOT_FOUND, &e);
        }
        from = (size_t)ci;
        to = from + 1;
    }
    /* trial values of the clause's params: name=value after CLAUSE */
    struct policy_input trial[CLI_MAX_ARGS];
    char names[CLI_MAX_ARGS][64];
    size_t n_trial = 0;
    for (int k = 1; k < a->n_pos; k++) {
        const char *eq = strchr(a->pos[k], '=');
        if (!eq || eq == a->pos[k] || (size_t)(eq - a->pos[k]) >= sizeof names[0]) {
            policy_pack_free(p);
            return report(err_set(&e, ST_INVALID, a->pos[k],
                                  "参数试设值应写成 名称=值，如 voucher_share=50%%"),
                          &e);
        }
        snprintf(names[n_trial], sizeof names[0], "%.*s", (int)(eq - a->pos[k]), a->pos[k]);
        trial[n_trial] = (struct policy_input){names[n_trial], eq + 1};
        n_trial++;
    }
    /* with --out, the workbook an office prints for checking the pack against the plan */
    int xlsx = a->out && !a->json;
    struct export_writer *xw = NULL;
    json_t *all = a->json ? json_array() : NULL;
    int failed = 0;
    size_t n_cases = 0;
    for (size_t i = from; i < to; i++) {
        struct policy_case *v = NULL;
        size_t n = 0;
        struct export_table xt;
        st = xlsx ? award_cases_table(p, i, trial, n_trial, &xt, &e)
                  : policy_clause_cases(p, i, trial, n_trial, &v, &n, &e);
        if (st != ST_OK) {
            /* a clause whose formula waits for a param: named, the others still listed */
            failed = a->n_pos > 0;
            if (failed) /* asked for by name: the error is the answer */
                report(st, &e);
            else if (a->json)
                json_array_append_new(
                    all, json_pack("{s:s, s:s}", "clause", policy_clause_id(p, i), "error", e.msg));
            else
                printf("%s %s：无法生成边界情形：%s\n\n", policy_clause_id(p, i),
                       policy_clause_title(p, i), e.msg);
            continue;
        }
        if (xlsx) {
            if (!xw && (st = export_writer_open(a->out, xt.sheet, xt.title, xt.cols, xt.n_cols,
                                                xt.totals, &xw, &e)) != ST_OK) {
                award_table_free(&xt);
                policy_pack_free(p);
                return report(st, &e);
            }
            for (size_t r = 0; r < xt.n_rows; r++)
                export_writer_row(xw, xt.cells + r * xt.n_cols);
            n_cases += xt.n_rows;
            award_table_free(&xt);
            continue;
        }
        n_cases += n;
        if (a->json) {
            for (size_t k = 0; k < n; k++)
                json_array_append_new(all, policy_case_json(p, i, &v[k]));
            policy_cases_free(v, n);
            continue;
        }
        printf("%s %s（%s）\n", policy_clause_id(p, i), policy_clause_title(p, i),
               policy_clause_cite(p, i));
        static const char *const heads[] = {"情形", "输入", "金额（元）", "说明"};
        static const int widths[] = {52, 64, 14, 10};
        struct cli_table t = {.n_cols = 4, .headers = heads, .max_width = widths};
        for (size_t k = 0; k < n; k++) {
            char in[1024], amount[32];
            policy_case_inputs(&v[k], in, sizeof in);
            const char *row[] = {v[k].what, in,
                                 money_format(v[k].r.amount_fen, amount, sizeof amount),
                                 policy_case_note(&v[k])};
            cli_table_add(&t, row);
        }
        cli_table_print(&t, stdout);
        cli_table_free(&t);
        printf("\n");
        policy_cases_free(v, n);
    }
    if (xw) {
        struct err xe = {0};
        if (export_writer_close(xw, 1, &xe) != ST_OK) {
            policy_pack_free(p);
            return report(ST_IO, &xe);
        }
        printf("边界情形 %zu 个，已写入 %s\n", n_cases, a->out);
    }
    if (all) {
        print_json(all);
        json_decref(all);
    }
    policy_pack_free(p);
    return failed ? 2 : 0;
}

/* The name=value inputs among a's positional arguments from index first, plus the date --on
 * (default today). year_awarded (may be NULL) takes "year_awarded=" out of them. */
struct cli_inputs {
    struct policy_input in[CLI_MAX_ARGS];
    char names[CLI_MAX_ARGS][64];
    size_t n;
    struct date on;
    int64_t year_awarded;
};

static enum status read_inputs(const struct cli_args *a, int first, int allow_year,
                               struct cli_inputs *x, struct err *e)
{
    x->n = 0;
    x->year_awarded = 0;
    x->on = clock_today();
    if (a->on && !date_parse_iso(a->on, &x->on))
        return err_set(e, ST_INVALID, "--on", "“%s”不是有效的日期 YYYY-MM-DD", a->on);
    for (int i = first; i < a->n_pos; i++) {
        const char *eq = strchr(a->pos[i], '=');
        size_t nl = eq ? (size_t)(eq - a->pos[i]) : 0;
        if (!eq || nl == 0 || nl >= sizeof x->names[0])
            return err_set(e, ST_INVALID, a->pos[i],
                           "输入应写成 name=value，例如 amount=8650000.00");
        if (allow_year && nl == 12 && !strncmp(a->pos[i], "year_awarded", nl)) {
            if (money_parse_fen(eq + 1, strlen(eq + 1), 1, &x->year_awarded) != ST_OK)
                return err_set(e, ST_INVALID, "year_awarded", "“%s”不是有效的金额（元）", eq + 1);
            continue;
        }
        snprintf(x->names[x->n], sizeof x->names[0], "%.*s", (int)nl, a->pos[i]);
        x->in[x->n].name = x->names[x->n];
        x->in[x->n].value = eq + 1;
        x->n++;
    }
    return ST_OK;
}

static int cmd_policy_calc(const struct cli_args *a)
{
    struct err e = {0};
    struct cli_inputs x;
    if (read_inputs(a, 1, 1, &x, &e) != ST_OK)
        return report(ST_INVALID, &e);
    struct policy_pack *p;
    enum status st = load_pack(a, &p, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct policy_result r;
    st = policy_calc(p, a->pos[0], x.in, x.n, x.on, x.year_awarded, &r, &e);
    if (st != ST_OK) {
        policy_pack_free(p);
        return report(st, &e);
    }
    if (a->json) {
        json_t *o = policy_result_json(p, a->pos[0], &r);
        print_json(o);
        json_decref(o);
    } else {
        char buf[32];
        printf("%s %s元\n%s\n", r.eligible ? "应享受" : "不符合条件，金额",
               money_format(r.amount_fen, buf, sizeof buf), r.explanation);
    }
    policy_result_cleanup(&r);
    policy_pack_free(p);
    return 0;
}

/* ---------------------------------------------------------------- entities, matching */

static int cmd_entity_import(const struct cli_args *a)
{
    struct err e = {0};
    char *data;
    size_t len;
    enum status st = read_file(a->pos[0], &data, &len, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct store *s;
    if ((st = store_open(a->db, &s, &e)) != ST_OK) {
        free(data);
        return report(st, &e);
    }
    const char *base = strrchr(a->pos[0], '/');
    struct entity_import_report rep;
    st = award_import_registry(s, actor(), data, len, base ? base + 1 : a->pos[0], &rep, &e);
    store_close(s);
    free(data);
    if (st != ST_OK) {
        size_t shown =
            rep.n_errors < ENTITY_IMPORT_ERRORS_MAX ? rep.n_errors : ENTITY_IMPORT_ERRORS_MAX;
        for (size_t i = 0; i < shown; i++)
            fprintf(stderr, "hqd: %s\n", rep.errors[i]);
        if (rep.n_errors > shown)
            fprintf(stderr, "hqd: ……另有 %zu 行错误\n", rep.n_errors - shown);
        return report(st, &e);
    }
    printf("已导入 %zu 行：主体 %zu 个，事实 %zu 条。\n", rep.rows, rep.entities, rep.facts);
    return 0;
}

static const char *kind_label(const char *kind)
{
    return !strcmp(kind, "enterprise") ? "企业" : !strcmp(kind, "institution") ? "机构" : "基金";
}

static int cmd_entity_list(const struct cli_args *a)
{
    struct err e = {0};
    struct store *s;
    enum status st = store_open(a->db, &s, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct entity *v;
    size_t n;
    st = entity_list(s, &v, &n, &e);
    store_close(s);
    if (st != ST_OK)
        return report(st, &e);
    if (a->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, entity_json(&v[i]));
        print_json(arr);
        json_decref(arr);
    } else if (n == 0) {
        printf("主体名录为空。用 hqd entity import FILE 导入。\n");
    } else {
        static const char *const heads[] = {
            "统一社会信用代码", "名称", "类别", "区内", "行业", "事实"};
        struct cli_table t = {.n_cols = 6, .headers = heads};
        for (size_t i = 0; i < n; i++) {
            char facts[48];
            size_t own = 0;
            for (size_t j = 0; j < v[i].n_facts; j++)
                own += !v[i].facts[j].matter;
            if (v[i].n_matters)
                snprintf(facts, sizeof facts, "%zu（事项 %zu 个）", own, v[i].n_matters);
            else
                snprintf(facts, sizeof facts, "%zu", own);
            const char *row[] = {
                v[i].uscc,     v[i].name, kind_label(v[i].kind), v[i].in_zone ? "是" : "否",
                v[i].industry, facts};
            cli_table_add(&t, row);
        }
        cli_table_print(&t, stdout);
        cli_table_free(&t);
    }
    entities_free(v, n);
    return 0;
}

/* Every entity against every clause: what it qualifies for, and what it nearly does. */
/* policy match --summary: every clause over every entity at once, from the fact columns. */
static int policy_match_summary(const struct cli_args *a, struct policy_pack *p, struct date on)
{
    struct err e = {0};
    int tsv = a->format && !strcmp(a->format, "tsv");
    if (a->format && !tsv) {
        err_set(&e, ST_INVALID, "--format", "--summary 的 --format 只能是 tsv");
        policy_pack_free(p);
        return report(ST_INVALID, &e);
    }
    char **names, **tnames;
    size_t nn = policy_pack_column_names(p, &names), nt = policy_pack_text_names(p, &tnames);
    struct store *s = NULL;
    struct entity_columns *ec = NULL;
    struct entity_texts *et = NULL;
    int matters = 0;
    enum status st = store_open(a->db, &s, &e);
    if (st == ST_OK) {
        st = entity_columns_load(s, (const char *const *)names, nn, &ec, &e);
        /* Enum inputs read the facts' texts. */
        if (st == ST_OK)
            st = entity_texts_load(s, (const char *const *)tnames, nt, entity_columns_rows(ec), &et,
                                   &e);
        if (st == ST_OK)
            st = entity_has_matters(s, &matters, &e);
    }
    struct policy_text_column *texts = xcalloc(nt + 1, sizeof *texts);
    for (size_t i = 0; i < nt && et; i++)
        texts[i] = (struct policy_text_column){tnames[i], entity_texts_get(et, i)};
    size_t nc = policy_pack_clauses(p);
    struct policy_bulk *out = xcalloc(nc, sizeof *out);
    struct policy_column *cols = xcalloc(nn, sizeof *cols);
    size_t rows = ec ? entity_columns_rows(ec) : 0;
    for (size_t i = 0; i < nn && ec; i++) {
        const struct entity_column *c = entity_columns_get(ec, i);
        cols[i] = (struct policy_column){c->name, c->width, c->v};
    }
    /* The columns hold each entity's own facts; the few entities with matters (事项: one row
     * per contract) are then recomputed one by one, from the per-row amounts. */
    int64_t *amounts =
        matters ? xmalloc((nc ? nc : 1) * (rows ? rows : 1) * sizeof *amounts) : NULL;
    if (st == ST_OK)
        st = policy_eval_bulk_text(p, cols, nn, texts, nt, rows, on, out, amounts, &e);
    size_t corrected = 0;
    if (st == ST_OK && matters)
        st = award_bulk_matters(s, p, on, amounts, rows, out, &corrected, &e);
    free(amounts);
    store_close(s);
    if (st == ST_OK) {
        size_t pairs = 0;
        int64_t total = 0;
        json_t *arr = json_array();
        static const char *const heads[] = {"条款", "名称", "符合项", "金额合计（元）"};
        static const int widths[] = {24, 24, 10, 22};
        struct cli_table t = {.n_cols = 4, .headers = heads, .max_width = widths};
        for (size_t c = 0; c < nc; c++) {
            const char *id = policy_clause_id(p, c);
            if (!out[c].computable) {
                fprintf(stderr, "hqd: 未计算 %s：%s\n", id, out[c].why);
                json_array_append_new(arr, json_pack("{s:s, s:b, s:s}", "clause", id, "computable",
                                                     0, "why", out[c].why));
                continue;
            }
            pairs += out[c].pairs;
            total += out[c].total_fen;
            char n[32], fen[32];
            snprintf(n, sizeof n, "%zu", out[c].pairs);
            money_format(out[c].total_fen, fen, sizeof fen);
            if (tsv)
                printf("%s\t%zu\t%" PRId64 "\n", id, out[c].pairs, out[c].total_fen);
            cli_table_add(&t, (const char *[]){id, policy_clause_title(p, c), n, fen});
            json_array_append_new(arr, json_pack("{s:s, s:b, s:I, s:I}", "clause", id, "computable",
                                                 1, "pairs", (json_int_t)out[c].pairs, "total_fen",
                                                 (json_int_t)out[c].total_fen));
        }
        if (tsv) {
            printf("all\t%zu\t%" PRId64 "\n", pairs, total);
        } else if (a->json) {
            json_t *o = json_pack("{s:I, s:I, s:I, s:I, s:o}", "entities",
                                  (json_int_t)(rows ? rows - 1 : 0), "entities_with_matters",
                                  (json_int_t)corrected, "pairs", (json_int_t)pairs, "total_fen",
                                  (json_int_t)total, "clauses", arr);
            arr = NULL;
            print_json(o);
            json_decref(o);
        } else {
            cli_table_print(&t, stdout);
            char fen[32];
            printf("合计：%zu 个（主体，条款）符合，金额 %s元（本年度尚未兑付的情况下）。\n", pairs,
                   money_format(total, fen, sizeof fen));
            if (corrected)
                printf("其中 %zu "
                       "个主体登记了事项（如多份技术合同），按条款逐个事项计算，每个事项计一个。\n",
                       corrected);
        }
        json_decref(arr);
        cli_table_free(&t);
    }
    free(out);
    free(cols);
    free(texts);
    entity_texts_free(et);
    entity_columns_free(ec);
    policy_names_free(tnames, nt);
    policy_names_free(names, nn);
    policy_pack_free(p);
    return st == ST_OK ? 0 : report(st, &e);
}

/* policy match: where each row of the list goes (the JSON, the workbook, the terminal's
 * table), and the entity's rows gathered for its one JSON line. */
struct match_out {
    const struct policy_pack *p;
    int json;
    struct export_writer *xw;
    struct cli_table *tt; /* NULL: no table */
    json_t *q, *nr, *aw, *rc;
    size_t entities;
};

static enum status match_row(void *ctx, const struct award_list_row *r, struct err *e)
{
    (void)e;
    struct match_out *o = ctx;
    const struct award_match *m = r->match;
    const struct policy_pack *p = o->p;
    if (o->json) {
        json_t *to = !strcmp(r->state, "qualifies")  ? o->q
                     : !strcmp(r->state, "near")     ? o->nr
                     : !strcmp(r->state, "awaiting") ? o->aw
                                                     : o->rc;
        json_array_append_new(to, award_list_row_json(p, r));
    }
    int pays = !strcmp(r->state, "qualifies");
    char amount[24], yuan[32];
    if (o->xw) {
        const char *row[AWARD_LIST_COLS];
        award_list_cells(p, r, row, amount);
        export_writer_row(o->xw, row);
    }
    if (o->tt)
        cli_table_add(
            o->tt,
            (const char *[]){r->entity->name, policy_clause_title(p, m->clause), m->matter, r->said,
                             pays ? money_format(award_match_payable(m), yuan, sizeof yuan) : "",
                             r->why});
    return ST_OK;
}

static enum status match_entity_done(void *ctx, const struct entity *en, struct err *e)
{
    (void)e;
    struct match_out *o = ctx;
    o->entities++;
    if (o->json) { /* one line each, printed as it comes */
        json_t *one =
            json_pack("{s:s, s:s, s:o, s:o, s:o, s:o}", "uscc", en->uscc, "name", en->name,
                      "qualifies", o->q, "near", o->nr, "awaiting", o->aw, "received", o->rc);
        char *line = json_dumps(one, JSON_COMPACT | JSON_PRESERVE_ORDER);
        printf("%s\n    %s", o->entities > 1 ? "," : "", line);
        free(line);
        json_decref(one);
        o->q = json_array();
        o->nr = json_array();
        o->aw = json_array();
        o->rc = json_array();
    }
    return ST_OK;
}

static int cmd_policy_match(const struct cli_args *a)
{
    struct err e = {0};
    struct date on = clock_today();
    if (a->on && !date_parse_iso(a->on, &on)) {
        err_set(&e, ST_INVALID, "--on", "“%s”不是有效的日期 YYYY-MM-DD", a->on);
        return report(ST_INVALID, &e);
    }
    if (a->out && !a->json && !strstr(a->out, ".xlsx")) {
        err_set(&e, ST_INVALID, "--out", "--out 应为 .xlsx 文件");
        return report(ST_INVALID, &e);
    }
    struct policy_pack *p;
    enum status st = load_pack(a, &p, &e);
    if (st != ST_OK)
        return report(st, &e);
    if (a->summary)
        return policy_match_summary(a, p, on);
    struct store *s;
    if ((st = store_open(a->db, &s, &e)) != ST_OK) {
        policy_pack_free(p);
        return report(st, &e);
    }
    /* the registry a batch at a time; the JSON and the workbook's rows go out as they come, and
     * only the terminal's table is kept (to size its columns) */
    struct match_out o = {.p = p, .json = a->json};
    if (a->out && (st = award_list_writer_open(a->out, &o.xw, &e)) != ST_OK) {
        store_close(s);
        policy_pack_free(p);
        return report(st, &e);
    }
    if (a->json)
        printf("{\n  \"pack_sha256\": \"%s\",\n  \"entities\": [", policy_pack_hash(p));
    /* the terminal's table: who, which policy (and contract), how much, and how or what is
     * missing */
    static const char *const heads[] = {"名称", "政策", "事项", "匹配", "金额（元）", "说明"};
    static const int widths[] = {20, 14, 14, 6, 14, 36};
    struct cli_table tt = {.n_cols = 6, .headers = heads, .max_width = widths, .stream = stdout};
    if (!a->json && !a->out) /* with --out, the workbook is the list */
        o.tt = &tt;
    if (a->json) {
        o.q = json_array();
        o.nr = json_array();
        o.aw = json_array();
        o.rc = json_array();
    }
    struct award_list_totals t = {0};
    struct award_list_visit v = {match_row, match_entity_done, &o};
    st = award_match_list(s, p, on, &v, &t, &e);
    json_decref(o.q);
    json_decref(o.nr);
    json_decref(o.aw);
    json_decref(o.rc);
    store_close(s);
    if (o.xw) {
        enum status xs =
            export_writer_close(o.xw, st == ST_OK, st == ST_OK ? &e : &(struct err){0});
        st = st == ST_OK ? xs : st;
    }
    if (st == ST_OK) {
        char buf[32];
        if (a->json) {
            json_t *cj = award_list_clauses_json(p, &t);
            char *cs = json_dumps(cj, JSON_COMPACT);
            printf("\n  ],\n  \"qualifies\": %ld,\n  \"automatic\": %ld,\n  \"near\": %ld,\n"
                   "  \"awaiting\": %ld,\n  \"received\": %ld,\n  \"total_fen\": %" PRId64
                   ",\n  \"clauses\": %s\n}\n",
                   t.qualifies, t.automatic, t.near, t.awaiting, t.received, t.total_fen, cs);
            free(cs);
            json_decref(cj);
        } else {
            char routes[160] = "";
            if (t.qualifies && t.automatic == t.qualifies)
                snprintf(routes, sizeof routes, "（均可免申即享）");
            else if (t.qualifies)
                snprintf(routes, sizeof routes,
                         "（免申即享 %ld 项；快申快享 %ld "
                         "项，由企业申请：确认自行申报的数据或填写事项编号）",
                         t.automatic, t.qualifies - t.automatic);
            if (tt.n_rows || tt.widths)
                cli_table_print(&tt, stdout);
            char wait[160] = "", got[80] = "";
            if (t.awaiting)
                snprintf(wait, sizeof wait, "；另有 %ld 项待管委会设定参数后才能计算", t.awaiting);
            if (t.received)
                snprintf(got, sizeof got, "；已享受 %ld 项（该事项已兑付，不再计入）", t.received);
            printf("%zu 个主体：符合 %ld 项%s，合计 %s元；接近 %ld 项%s%s%s%s。\n", t.entities,
                   t.qualifies, routes, money_format(t.total_fen, buf, sizeof buf), t.near, wait,
                   got, a->out ? "；已写入 " : "", a->out ? a->out : "");
            for (size_t c = 0; c < t.n_clauses; c++) {
                char warn[600];
                if (award_list_clause_warning(p, &t, c, warn, sizeof warn)[0])
                    printf("注意：%s\n", warn);
            }
        }
    }
    award_list_totals_cleanup(&t);
    cli_table_free(&tt);
    policy_pack_free(p);
    if (st != ST_OK && a->json)
        printf("\n"); /* what was printed is cut short: the exit status and the error say so */
    return st == ST_OK ? 0 : report(st, &e);
}

/* ---------------------------------------------------------------- applications, ledger */

static int cmd_policy_load(const struct cli_args *a)
{
    struct err e = {0};
    char *data;
    size_t len;
    enum status st = read_file(a->pos[0], &data, &len, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct store *s;
    int64_t id = 0;
    if ((st = store_open(a->db, &s, &e)) == ST_OK) {
        const char *base = strrchr(a->pos[0], '/');
        st = award_pack_store(s, actor(), data, len, base ? base + 1 : a->pos[0], &id, &e);
        store_close(s);
    }
    free(data);
    if (st != ST_OK)
        return report(st, &e);
    printf("规则包已存入，编号 %" PRId64 "；此后的申请按它计算。\n", id);
    return 0;
}

static void print_outcome(const struct award_outcome *o, int json)
{
    char buf[32];
    if (json) {
        json_t *j = json_pack("{s:I, s:o, s:b, s:I, s:o, s:s}", "id", (json_int_t)o->id,
                              "payout_id", o->payout_id ? json_integer(o->payout_id) : json_null(),
                              "eligible", o->eligible, "amount_fen", (json_int_t)o->amount_fen,
                              "capped_by", o->capped_by ? json_string(o->capped_by) : json_null(),
                              "explanation", o->explanation);
        if (o->id && !o->payout_id) /* filed: when it is due */
            json_object_set_new(j, "deadline", award_outcome_deadline_json(o));
        print_json(j);
        json_decref(j);
        return;
    }
    printf("申请 %" PRId64 "：%s %s元%s\n%s\n", o->id, o->eligible ? "应享受" : "不符合条件，金额",
           money_format(o->amount_fen, buf, sizeof buf), o->payout_id ? "（已记入兑付账本）" : "",
           o->explanation);
    if (o->limit_wd && !o->payout_id)
        printf("兑现时限：自受理之日起 %d 个工作日，%s 前办结%s%s%s\n", o->limit_wd, o->due_on,
               o->due_note[0] ? "（" : "", o->due_note, o->due_note[0] ? "）" : "");
}

static int cmd_award_apply(const struct cli_args *a)
{
    struct err e = {0};
    struct cli_inputs x;
    if (read_inputs(a, 2, 0, &x, &e) != ST_OK)
        return report(ST_INVALID, &e);
    struct store *s;
    enum status st = store_open(a->db, &s, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct award_outcome o;
    st = award_apply(s, actor(), a->pos[0], a->pos[1], x.in, x.n, x.on, &o, &e);
    store_close(s);
    if (st != ST_OK)
        return report(st, &e);
    print_outcome(&o, a->json);
    return 0;
}

/* A pack version on the command line: a stored version's number, or a pack file. */
static enum status pack_arg(const char *arg, int64_t *id, char **text, struct err *e)
{
    *id = 0;
    *text = NULL;
    size_t n = strspn(arg, "0123456789");
    if (n && !arg[n])
        return parse_id(arg, "VERSION", id, e);
    size_t len;
    char *data;
    enum status st = read_file(arg, &data, &len, e);
    if (st != ST_OK)
        return st;
    if (memchr(data, '\0', len)) {
        free(data);
        return err_set(e, ST_INVALID, arg, "规则包中有 NUL 字节 (binary file)");
    }
    *text = xrealloc(data, len + 1); /* read_file's bytes are not a string */
    (*text)[len] = '\0';
    return ST_OK;
}

/* Two pack versions compared, as policy diff and policy set --dry-run print them; from_word
 * and to_word name a side that is not a stored version. */
static void print_diff(const struct award_diff *d, int json, const char *from_word,
                       const char *to_word)
{
    if (json) {
        json_t *j = award_diff_json(d);
        print_json(j);
        json_decref(j);
        return;
    }
    char from_s[64], to_s[64];
    if (d->from.id)
        snprintf(from_s, sizeof from_s, "第 %" PRId64 " 版", d->from.id);
    else
        snprintf(from_s, sizeof from_s, "%s", from_word);
    if (d->to.id)
        snprintf(to_s, sizeof to_s, "第 %" PRId64 " 版", d->to.id);
    else
        snprintf(to_s, sizeof to_s, "%s", to_word);
    printf("规则包比较：%s（%s，%.12s…）→ %s（%s，%.12s…）；金额按主体名录测算，未计已兑付\n",
           from_s, d->from.version, d->from.sha256, to_s, d->to.version, d->to.sha256);
    static const char *const words[][2] = {
        {"same", "未变"}, {"added", "新增"}, {"removed", "删除"}, {"changed", "修改"}};
    for (size_t i = 0; i < d->n; i++) {
        const struct award_diff_row *r = &d->rows[i];
        const char *w = r->change;
        for (size_t k = 0; k < 4; k++)
            if (!strcmp(r->change, words[k][0]))
                w = words[k][1];
        char o[32], n[32], delta[32];
        money_format(r->old_total_fen, o, sizeof o);
        money_format(r->new_total_fen, n, sizeof n);
        money_format(r->new_total_fen - r->old_total_fen, delta, sizeof delta);
        printf("- %s %s：%s；符合 %zu → %zu 项，%s元 → %s元（%s%s元）\n", r->clause, r->title, w,
               r->old_pairs, r->new_pairs, o, n, r->new_total_fen >= r->old_total_fen ? "+" : "",
               delta);
        for (const char *l = r->lines; l && *l;) {
            const char *nl = strchr(l, '\n');
            printf("    %.*s\n", (int)(nl ? nl - l : (ptrdiff_t)strlen(l)), l);
            l = nl ? nl + 1 : l + strlen(l);
        }
    }
}

static int cmd_policy_diff(const struct cli_args *a)
{
    struct err e = {0};
    if (a->n_pos == 1)
        return report(err_set(&e, ST_INVALID, NULL, "给出两个版本（旧、新），或都不给出"), &e);
    struct date on = clock_today();
    if (a->on && !date_parse_iso(a->on, &on))
        return report(err_set(&e, ST_INVALID, "--on", "“%s”不是有效的日期 YYYY-MM-DD", a->on), &e);
    int64_t from = 0, to = 0;
    char *from_text = NULL, *to_text = NULL;
    enum status st = ST_OK;
    if (a->n_pos == 2 && (st = pack_arg(a->pos[0], &from, &from_text, &e)) == ST_OK)
        st = pack_arg(a->pos[1], &to, &to_text, &e);
    struct store *s = NULL;
    if (st == ST_OK)
        st = store_open(a->db, &s, &e);
    struct award_diff d = {0};
    if (st == ST_OK)
        st = award_pack_diff(s, from, to, from_text, to_text, a->n_pos == 2 ? a->pos[0] : NULL,
                             a->n_pos == 2 ? a->pos[1] : NULL, on, &d, &e);
    store_close(s);
    free(from_text);
    free(to_text);
    if (st != ST_OK)
        return report(st, &e);
    print_diff(&d, a->json, "文件", "文件");
    award_diff_cleanup(&d);
    return 0;
}

/* A budget year from a command line argument; 0 when not given. */
static enum status parse_year(const char *v, const char *what, int *year, struct err *e)
{
    int64_t y = 0;
    *year = 0;
    if (!v)
        return ST_OK;
    struct err ignored = {0};
    if (parse_id(v, what, &y, &ignored) != ST_OK || y < 2000 || y > 2100)
        return err_set(e, ST_INVALID, what, "年度应为 2000–2100 的年份，而不是“%s”", v);
    enum status st = ST_OK;
    if (st == ST_OK)
        *year = (int)y;
    return st;
}

static const char *app_status_word(const char *status)
{
    return !strcmp(status, "submitted")  ? "待审批"
           : !strcmp(status, "approved") ? "已批准"
                                         : "已驳回";
}

/* --entity USCC: the registered entity's id; the option is named when the code is malformed
 * (its check character) or not registered. */
static enum status entity_option(struct store *s, const char *uscc, int64_t *id, struct err *e)
{
    enum status st = entity_find(s, uscc, id, NULL, e);
    if (st == ST_INVALID)
        snprintf(e->where, sizeof e->where, "--entity");
    else if (st == ST_OK && !*id)
        st = err_set(e, ST_NOT_FOUND, "--entity", "主体名录中没有统一社会信用代码 %s", uscc);
    return st;
}
static int cmd_award_list(const struct cli_args *a)
{
    struct err e = {0};
    struct award_app_filter f = {
        .status = a->status, .clause = a->clause, .overdue = a->overdue, .today = clock_today()};
    enum status st = parse_year(a->year, "--year", &f.year, &e);
    if (st == ST_OK && a->on && !date_parse_iso(a->on, &f.today))
        st = err_set(&e, ST_INVALID, "--on", "“%s”不是有效的日期 YYYY-MM-DD", a->on);
    if (st == ST_OK && a->status && strcmp(a->status, "submitted") &&
        strcmp(a->status, "approved") && strcmp(a->status, "rejected"))
        st = err_set(&e, ST_INVALID, "--status", "--status 应为 submitted、approved 或 rejected");
    int csv = a->out && strlen(a->out) > 4 && !strcmp(a->out + strlen(a->out) - 4, ".csv");
    int xlsx = a->out && strlen(a->out) > 5 && !strcmp(a->out + strlen(a->out) - 5, ".xlsx");
    if (st == ST_OK && a->out && !csv && !xlsx)
        st = err_set(&e, ST_INVALID, "--out", "--out 应为 .xlsx 或 .csv 文件，而不是“%s”", a->out);
    if (st != ST_OK)
        return report(st, &e);
    struct store *s;
    if ((st = store_open(a->db, &s, &e)) != ST_OK)
        return report(st, &e);
    struct calendar *cal = NULL;
    if (a->entity)
        st = entity_option(s, a->entity, &f.entity_id, &e);
    if (st == ST_OK && (st = calendar_load(s, &cal, &e)) == ST_OK)
        f.cal = cal;
    if (st == ST_OK && a->out) { /* 申请台账 */
        struct export_table t;
        if ((st = award_applications_table(s, &f, &t, &e)) == ST_OK) {
            st = xlsx ? export_xlsx(&t, a->out, &e) : export_csv(&t, a->out, &e);
            if (st == ST_OK)
                printf("已导出申请台账 %zu 件到 %s\n", t.n_rows, a->out);
            award_table_free(&t);
        }
        store_close(s);
        calendar_free(cal);
        return st == ST_OK ? 0 : report(st, &e);
    }
    struct award_app *v = NULL;
    size_t n = 0;
    if (st == ST_OK)
        st = award_applications(s, &f, &v, &n, &e);
    store_close(s);
    calendar_free(cal);
    if (st != ST_OK)
        return report(st, &e);
    int64_t asked = 0, paid = 0;
    for (size_t i = 0; i < n; i++) {
        asked += v[i].amount_fen;
        paid += v[i].paid_fen;
    }
    struct award_timing_totals tt;
    award_timing_count(v, n, &tt);
    if (a->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, award_app_json(&v[i], 0));
        json_t *j = json_pack("{s:o, s:I, s:I, s:I, s:o}", "applications", arr, "amount_fen",
                              (json_int_t)asked, "paid_fen", (json_int_t)paid, "overdue",
                              (json_int_t)tt.overdue, "timing", award_timing_json(&tt));
        print_json(j);
        json_decref(j);
    } else {
        static const char *const heads[] = {"编号",       "主体",         "条款", "受理日期",
                                            "金额（元）", "已兑付（元）", "状态", "兑现时限"};
        static const int widths[] = {6, 28, 20, 10, 14, 14, 6, 44};
        struct cli_table t = {.n_cols = 8, .headers = heads, .max_width = widths};
        for (size_t i = 0; i < n; i++) {
            char id[24], x[32], y[32];
            snprintf(id, sizeof id, "%" PRId64, v[i].id);
            money_format(v[i].amount_fen, x, sizeof x);
            money_format(v[i].paid_fen, y, sizeof y);
            const char *row[] = {id,
                                 v[i].entity_name,
                                 v[i].clause,
                                 v[i].applied_on,
                                 x,
                                 y,
                                 app_status_word(v[i].status),
                                 v[i].timing_text[0] ? v[i].timing_text : "—"};
            cli_table_add(&t, row);
        }
        cli_table_print(&t, stdout);
        cli_table_free(&t);
        char x[32], y[32];
        printf("\n共 %zu 件，申请 %s元，已兑付 %s元", n, money_format(asked, x, sizeof x),
               money_format(paid, y, sizeof y));
        if (tt.overdue)
            printf("；其中 %zu 件超过兑现时限仍未办结", tt.overdue);
        if (tt.on_time + tt.late)
            printf("；已办结的 %zu 件中按时办结 %zu 件", tt.on_time + tt.late, tt.on_time);
        printf("。\n");
    }
    award_apps_free(v, n);
    return 0;
}

static int cmd_award_show(const struct cli_args *a)
{
    struct err e = {0};
    int64_t id = 0;
    enum status st = parse_id(a->pos[0], "ID", &id, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct store *s;
    if ((st = store_open(a->db, &s, &e)) != ST_OK)
        return report(st, &e);
    struct award_app app = {0};
    struct award_evidence *ev = NULL;
    struct award_payout *pv = NULL;
    int64_t *same = NULL;
    size_t en = 0, pn = 0, ns = 0;
    struct calendar *cal = NULL;
    struct date today = clock_today();
    if (a->on && !date_parse_iso(a->on, &today))
        st = err_set(&e, ST_INVALID, "--on", "“%s”不是有效的日期 YYYY-MM-DD", a->on);
    if (st == ST_OK && (st = award_application(s, id, &app, &e)) == ST_OK &&
        (st = award_evidence_of(s, &app, &ev, &en, &e)) == ST_OK &&
        (st = award_same_inputs(s, &app, &same, &ns, &e)) == ST_OK &&
        (st = calendar_load(s, &cal, &e)) == ST_OK)
        st = award_payouts(s, 0, id, 0, &pv, &pn, &e);
    if (st == ST_OK)
        award_app_timing(cal, today, &app);
    calendar_free(cal);
    store_close(s);
    if (st != ST_OK) {
        award_app_cleanup(&app);
        free(ev);
        free(same);
        return report(st, &e);
    }
    if (a->json) {
        json_t *j = award_app_json(&app, 1), *evj = json_array(), *pays = json_array();
        for (size_t i = 0; i < en; i++)
            json_array_append_new(evj, json_pack("{s:s, s:I}", "label", ev[i].label, "files",
                                                 (json_int_t)ev[i].n_files));
        for (size_t i = 0; i < pn; i++)
            json_array_append_new(pays, award_payout_json(&pv[i]));
        json_object_set_new(j, "evidence", evj);
        json_object_set_new(j, "payouts", pays);
        json_t *sj = json_array();
        for (size_t i = 0; i < ns; i++)
            json_array_append_new(sj, json_integer(same[i]));
        json_object_set_new(j, "same_inputs", sj);
        print_json(j);
        json_decref(j);
    } else {
        char x[32], y[32];
        printf("第 %" PRId64 " 号申请（%s）：%s %s，条款 %s，受理 %s\n", app.id,
               app_status_word(app.status), app.entity_name, app.uscc, app.clause, app.applied_on);
        printf("金额 %s元，已兑付 %s元%s\n%s\n", money_format(app.amount_fen, x, sizeof x),
               money_format(app.paid_fen, y, sizeof y),
               !strcmp(app.origin, "proposed") ? "（免申即享生成）" : "", app.explanation);
        if (app.limit_wd)
            printf("兑现时限：自受理之日起 %d 个工作日，%s\n", app.limit_wd, app.timing_text);
        for (size_t i = 0; i < ns; i++)
            printf("注意：与第 %" PRId64
                   " 号申请的输入完全相同（同一主体、同一条款），请核实是否重复申请\n",
                   same[i]);
        for (size_t i = 0; i < en; i++)
            printf("证明材料 %s：%s\n", ev[i].label, ev[i].n_files ? "已提交" : "待提交");
        for (size_t i = 0; i < pn; i++) {
            char kind[48];
            award_payout_kind(&pv[i], kind, sizeof kind);
            printf("兑付账本第 %" PRId64 " 行：%s元，%s，%s\n", pv[i].id,
                   money_format(pv[i].amount_fen, x, sizeof x), kind, pv[i].created_at);
        }
        if (app.note && app.note[0])
            printf("审批意见：%s\n", app.note);
    }
    award_app_cleanup(&app);
    free(ev);
    free(pv);
    free(same);
    return 0;
}

static int cmd_award_propose(const struct cli_args *a)
{
    struct err e = {0};
    struct cli_inputs x;
    if (read_inputs(a, 1, 0, &x, &e) != ST_OK)
        return report(ST_INVALID, &e);
    if (x.n)
        return report(err_set(&e, ST_INVALID, x.in[0].name,
                              "免申即享按主体名录中的事实生成申请，不接受 name=value 输入"),
                      &e);
    struct store *s;
    enum status st = store_open(a->db, &s, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct award_proposals pr;
    st = award_propose(s, actor(), a->pos[0], x.on, &pr, &e);
    store_close(s);
    if (st != ST_OK)
        return report(st, &e);
    if (a->json) {
        json_t *j = award_proposals_json(&pr);
        print_json(j);
        json_decref(j);
        award_proposals_cleanup(&pr);
        return 0;
    }
    char buf[32];
    printf("免申即享：生成 %zu 件申请，合计 %s元（待审批）。", pr.filed,
           money_format(pr.amount_fen, buf, sizeof buf));
    if (pr.self_declared || pr.incomplete || pr.duplicates || pr.nothing_left || pr.superseded)
        printf("未生成：%zu 个依据自行申报数据（快申快享，由企业申请），%zu 个缺少事项编号，"
               "%zu 个已有相同申请，%zu 个已无余额，%zu 个同一事项适用更高的条款（就高不就低）。",
               pr.self_declared, pr.incomplete, pr.duplicates, pr.nothing_left, pr.superseded);
    printf("\n");
    for (size_t i = 0; i < pr.n_skipped; i++)
        printf("- %s %s：%s\n", pr.skipped[i].uscc, pr.skipped[i].name, pr.skipped[i].text);
    award_proposals_cleanup(&pr);
    return 0;
}

static int award_decision(const struct cli_args *a, int approve)
{
    struct err e = {0};
    int64_t id = 0;
    enum status st = parse_id(a->pos[0], "ID", &id, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct store *s;
    if ((st = store_open(a->db, &s, &e)) != ST_OK)
        return report(st, &e);
    struct award_outcome o;
    st = award_decide(s, actor(), id, approve, a->n_pos > 1 ? a->pos[1] : NULL, &o, &e);
    store_close(s);
    if (st != ST_OK)
        return report(st, &e);
    if (approve)
        print_outcome(&o, a->json);
    else
        printf("申请 %" PRId64 " 已驳回。\n", id);
    return 0;
}

static int cmd_award_approve(const struct cli_args *a)
{
    return award_decision(a, 1);
}

static int cmd_award_reject(const struct cli_args *a)
{
    return award_decision(a, 0);
}

static int cmd_award_reverse(const struct cli_args *a)
{
    struct err e = {0};
    int64_t id = 0, rid = 0;
    enum status st = parse_id(a->pos[0], "PAYOUT", &id, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct store *s;
    if ((st = store_open(a->db, &s, &e)) != ST_OK)
        return report(st, &e);
    st = award_reverse(s, actor(), id, a->pos[1], &rid, &e);
    store_close(s);
    if (st != ST_OK)
        return report(st, &e);
    printf("已追回兑付 %" PRId64 "，追回记录编号 %" PRId64 "。\n", id, rid);
    return 0;
}

static int cmd_policy_set(const struct cli_args *a)
{
    struct err e = {0};
    const char *eq = strchr(a->pos[0], '='), *dot = strchr(a->pos[0], '.');
    if (!eq || !dot || dot > eq || dot == a->pos[0] || eq == dot + 1) {
        err_set(&e, ST_INVALID, a->pos[0],
                "应写成 条款编号.参数名=值，如 innovation-voucher.voucher_share=50%%");
        return report(ST_INVALID, &e);
    }
    char clause[64], name[64];
    snprintf(clause, sizeof clause, "%.*s", (int)(dot - a->pos[0]), a->pos[0]);
    snprintf(name, sizeof name, "%.*s", (int)(eq - dot - 1), dot + 1);
    struct date on = clock_today();
    if (a->on && !date_parse_iso(a->on, &on))
        return report(err_set(&e, ST_INVALID, "--on", "“%s”不是有效的日期 YYYY-MM-DD", a->on), &e);
    struct store *s;
    enum status st = store_open(a->db, &s, &e);
    if (st != ST_OK)
        return report(st, &e);
    if (a->dry_run) { /* 试算: what the value would change, nothing stored */
        struct award_diff d;
        st = award_param_preview(s, clause, name, eq + 1, on, &d, &e);
        store_close(s);
        if (st != ST_OK)
            return report(st, &e);
        if (!a->json)
            printf("试算（未存入）：%s.%s = %s\n", clause, name, eq + 1);
        print_diff(&d, a->json, "内置示例", "试设参数后");
        award_diff_cleanup(&d);
        return 0;
    }
    int64_t id = 0;
    st = award_param_set(s, actor(), clause, name, eq + 1, &id, &e);
    store_close(s);
    if (st != ST_OK)
        return report(st, &e);
    printf("已设定 %s.%s = %s：存为规则包第 %" PRId64 " 版，此后的申请按它计算。\n", clause, name,
           eq + 1, id);
    return 0;
}

/* How a pro-rata batch shares its budget, in words. */
static void batch_how(const struct award_batch *b, char *out, size_t cap)
{
    if (b->demand_fen <= b->avail_fen)
        snprintf(out, cap, "全额兑付");
    else if (b->priority[0])
        snprintf(out, cap, "按%s依次优先、同类按比例核减", b->priority);
    else
        snprintf(out, cap, "按比例核减");
}

static void print_batch_preview(const struct award_batch *b, int json)
{
    if (json) {
        json_t *j = award_batch_json(b);
        print_json(j);
        json_decref(j);
        return;
    }
    char x[32], y[32], z[32];
    printf("试算（未写入）：年度预算 %s元，已兑付 %s元，本批 %zu 件申请合计 %s元，",
           money_format(b->budget_fen, x, sizeof x), money_format(b->used_fen, y, sizeof y),
           b->approved, money_format(b->demand_fen, z, sizeof z));
    int fcfs = b->allocation && !strcmp(b->allocation, "fcfs");
    char how[200];
    batch_how(b, how, sizeof how);
    printf("%s，共兑付 %s元。\n", fcfs ? "按受理顺序依次审批" : how,
           money_format(b->paid_fen, x, sizeof x));
    static const char *const heads[] = {"申请", "主体", "申请金额（元）", "分配（元）", "说明"};
    static const int widths[] = {6, 30, 16, 16, 40};
    struct cli_table t = {.n_cols = 5, .headers = heads, .max_width = widths};
    for (size_t i = 0; i < b->n_shares; i++) {
        char id[24];
        snprintf(id, sizeof id, "%" PRId64, b->shares[i].application_id);
        money_format(b->shares[i].claim_fen, x, sizeof x);
        if (b->shares[i].eligible)
            money_format(b->shares[i].share_fen, y, sizeof y);
        else
            snprintf(y, sizeof y, "%s", b->shares[i].note[0] ? "不予批准" : "不符合条件");
        const char *row[] = {id, b->shares[i].entity_name, x, y, b->shares[i].note};
        cli_table_add(&t, row);
    }
    cli_table_print(&t, stdout);
    cli_table_free(&t);
}

static int cmd_award_approve_all(const struct cli_args *a)
{
    struct err e = {0};
    int64_t year = 0;
    enum status st = parse_id(a->pos[1], "YEAR", &year, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct store *s;
    if ((st = store_open(a->db, &s, &e)) != ST_OK)
        return report(st, &e);
    struct award_batch b;
    st = award_approve_pending(s, actor(), a->pos[0], (int)year, a->proposed, a->dry_run, &b, &e);
    store_close(s);
    if (st != ST_OK)
        return report(st, &e);
    if (a->json) {
        json_t *j = award_batch_json(&b);
        json_object_set_new(j, "dry_run", json_boolean(a->dry_run));
        print_json(j);
        json_decref(j);
    } else {
        char x[32];
        printf("%s按受理顺序批准 %zu 件，兑付 %s元；%zu 件未批准，仍待审（原因见下）。\n",
               a->dry_run ? "试算（未写入）：" : "", b.approved,
               money_format(b.paid_fen, x, sizeof x), b.skipped);
        static const char *const heads[] = {"申请", "主体", "申请金额（元）", "批准（元）", "说明"};
        static const int widths[] = {6, 30, 16, 16, 40};
        struct cli_table t = {.n_cols = 5, .headers = heads, .max_width = widths};
        for (size_t i = 0; i < b.n_shares; i++) {
            char id[24], claim[32], paid[32];
            snprintf(id, sizeof id, "%" PRId64, b.shares[i].application_id);
            money_format(b.shares[i].claim_fen, claim, sizeof claim);
            if (b.shares[i].eligible)
                money_format(b.shares[i].share_fen, paid, sizeof paid);
            else
                snprintf(paid, sizeof paid, "未批准");
            const char *row[] = {id, b.shares[i].entity_name, claim, paid, b.shares[i].note};
            cli_table_add(&t, row);
        }
        cli_table_print(&t, stdout);
        cli_table_free(&t);
    }
    award_batch_cleanup(&b);
    return 0;
}

static int cmd_award_close_batch(const struct cli_args *a)
{
    struct err e = {0};
    int64_t year = 0;
    enum status st = parse_id(a->pos[1], "YEAR", &year, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct store *s;
    if ((st = store_open(a->db, &s, &e)) != ST_OK)
        return report(st, &e);
    struct award_batch b;
    int64_t budget = -1;
    if (a->budget && !a->dry_run)
        st = err_set(&e, ST_INVALID, "--budget", "--budget 只用于试算（--dry-run）");
    else if (a->budget && money_parse_fen(a->budget, strlen(a->budget), 1, &budget) != ST_OK)
        st = err_set(&e, ST_INVALID, "--budget", "“%s”不是有效的金额（元，至多两位小数）",
                     a->budget);
    if (st == ST_OK)
        st = a->dry_run ? award_batch_preview(s, a->pos[0], (int)year, budget, &b, &e)
                        : award_close_batch(s, actor(), a->pos[0], (int)year, &b, &e);
    store_close(s);
    if (st != ST_OK)
        return report(st, &e);
    if (a->dry_run) {
        print_batch_preview(&b, a->json);
        award_batch_cleanup(&b);
        return 0;
    }
    char d[32], v[32], p[32];
    money_format(b.demand_fen, d, sizeof d);
    money_format(b.avail_fen, v, sizeof v);
    money_format(b.paid_fen, p, sizeof p);
    if (a->json)
        printf("{\"batch\":%" PRId64 ",\"approved\":%zu,\"skipped\":%zu,\"demand_fen\":%" PRId64
               ",\"avail_fen\":%" PRId64 ",\"paid_fen\":%" PRId64 "}\n",
               b.batch, b.approved, b.skipped, b.demand_fen, b.avail_fen, b.paid_fen);
    else {
        char how[200];
        batch_how(&b, how, sizeof how);
        printf("批次 %" PRId64 "：批准 %zu 件（%zu 件不符合条件，仍待驳回），申请合计 %s元，"
               "预算余额 %s元，兑付 %s元（%s）。\n",
               b.batch, b.approved, b.skipped, d, v, p, how);
    }
    return 0;
}

static int cmd_award_budget(const struct cli_args *a)
{
    struct err e = {0};
    int year;
    enum status st = parse_year(a->pos[0], "YEAR", &year, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct store *s;
    if ((st = store_open(a->db, &s, &e)) != ST_OK)
        return report(st, &e);
    struct award_budget *v;
    size_t n;
    st = award_budget_year(s, year, &v, &n, &e);
    store_close(s);
    if (st != ST_OK)
        return report(st, &e);
    if (a->json) {
        json_t *j = award_budget_json(year, v, n);
        print_json(j);
        json_decref(j);
        free(v);
        return 0;
    }
    printf("%d 年惠企政策预算执行（现行规则包的条款）：\n", year);
    int64_t paid = 0, pending = 0;
    for (size_t i = 0; i < n; i++) {
        const struct award_budget *b = &v[i];
        char p[32], r[32], q[32], bud[32], left[32];
        money_format(b->paid_fen, p, sizeof p);
        money_format(b->recovered_fen, r, sizeof r);
        money_format(b->pending_fen, q, sizeof q);
        printf("- %s %s：已兑付 %s元（%zu 笔，%zu 家", b->clause, b->title, p, b->payouts,
               b->entities);
        if (b->reversals)
            printf("；追回 %zu 笔 %s元", b->reversals, r);
        printf("），待审 %zu 件 %s元", b->pending, q);
        char how[240];
        if (!strcmp(b->allocation, "fcfs"))
            snprintf(how, sizeof how, "先到先得，待审申请占用额度");
        else if (b->priority[0])
            snprintf(how, sizeof how, "批次结束时按%s依次优先、同类按比例分配", b->priority);
        else
            snprintf(how, sizeof how, "批次结束时按比例分配");
        if (b->budget_fen)
            printf("；年度预算 %s元（%s），剩余 %s元", money_format(b->budget_fen, bud, sizeof bud),
                   how, money_format(b->remaining_fen, left, sizeof left));
        else if (b->note[0])
            printf("；年度预算未定：%s", b->note);
        printf("\n");
        paid += b->paid_fen;
        pending += b->pending_fen;
    }
    char p[32], q[32];
    printf("合计：已兑付 %s元，待审 %s元。\n", money_format(paid, p, sizeof p),
           money_format(pending, q, sizeof q));
    free(v);
    return 0;
}

static int cmd_award_payouts(const struct cli_args *a)
{
    struct err e = {0};
    int year;
    enum status st = parse_year(a->year, "--year", &year, &e);
    int csv = a->out && strlen(a->out) > 4 && !strcmp(a->out + strlen(a->out) - 4, ".csv");
    int xlsx = a->out && strlen(a->out) > 5 && !strcmp(a->out + strlen(a->out) - 5, ".xlsx");
    if (st == ST_OK && a->out && !csv && !xlsx)
        st = err_set(&e, ST_INVALID, "--out", "--out 应为 .xlsx 或 .csv 文件，而不是“%s”", a->out);
    if (st != ST_OK)
        return report(st, &e);
    struct store *s;
    if ((st = store_open(a->db, &s, &e)) != ST_OK)
        return report(st, &e);
    int64_t entity_id = 0;
    if (a->entity)
        st = entity_option(s, a->entity, &entity_id, &e);
    if (st == ST_OK && a->out) {
        struct export_table t;
        if ((st = award_payouts_table(s, entity_id, year, &t, &e)) == ST_OK) {
            st = xlsx ? export_xlsx(&t, a->out, &e) : export_csv(&t, a->out, &e);
            if (st == ST_OK)
                printf("已导出兑付台账 %zu 行到 %s\n", t.n_rows, a->out);
            award_table_free(&t);
        }
        store_close(s);
        return st == ST_OK ? 0 : report(st, &e);
    }
    struct award_payout *v = NULL;
    size_t n = 0;
    if (st == ST_OK)
        st = award_payouts(s, entity_id, 0, year, &v, &n, &e);
    store_close(s);
    if (st != ST_OK)
        return report(st, &e);
    int64_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += v[i].amount_fen;
    if (a->json) {
        json_t *arr = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(arr, award_payout_json(&v[i]));
        json_t *j = json_pack("{s:o, s:I}", "payouts", arr, "total_fen", (json_int_t)total);
        print_json(j);
        json_decref(j);
    } else {
        static const char *const heads[] = {"行号", "记账时间",   "主体",
                                            "条款", "金额（元）", "类型"};
        static const int widths[] = {6, 20, 28, 24, 16, 16};
        struct cli_table ct = {.n_cols = 6, .headers = heads, .max_width = widths};
        for (size_t i = 0; i < n; i++) {
            char id[24], amount[32], kind[48];
            snprintf(id, sizeof id, "%" PRId64, v[i].id);
            money_format(v[i].amount_fen, amount, sizeof amount);
            award_payout_kind(&v[i], kind, sizeof kind);
            const char *row[] = {id, v[i].created_at, v[i].entity_name, v[i].clause, amount, kind};
            cli_table_add(&ct, row);
        }
        cli_table_print(&ct, stdout);
        cli_table_free(&ct);
        char sum[32];
        printf("\n共 %zu 行，合计 %s元。\n", n, money_format(total, sum, sizeof sum));
    }
    free(v);
    return 0;
}

static int cmd_ledger_verify(const struct cli_args *a)
{
    struct err e = {0};
    struct store *s;
    enum status st = open_existing_store(a, &s, &e);
    if (st != ST_OK)
        return report(st, &e);
    struct award_verify v, apps = {0};
    struct audit_anchor an = {.ok = 1};
    st = award_ledger_verify(s, &v, &e);
    if (st == ST_OK && !v.bad_line && a->applications)
        st = award_ledger_check_applications(s, &apps, &e);
    if (st == ST_OK && a->anchor)
        st = audit_anchor_check(s, &award_ledger_chain, a->anchor, &an, &e);
    store_close(s);
    if (st != ST_OK)
        return report(st, &e);
    int rc = v.bad_line || apps.bad_line || !an.ok ? 1 : 0;
    char buf[32];
    if (a->json) {
        json_t *j = award_verify_json(&v);
        if (a->applications && !v.bad_line)
            json_object_set_new(j, "applications", award_verify_json(&apps));
        if (a->anchor)
            json_object_set_new(j, "anchor", audit_anchor_json(&an));
        print_json(j);
        json_decref(j);
        return rc;
    }
    if (v.bad_line)
        printf("兑付账本第 %" PRId64 " 行有问题：%s（此前 %zu 行校验通过）\n", v.bad_line,
               v.problem, v.lines);
    else {
        printf("兑付账本完好：共 %zu 行，逐行重算与哈希链校验通过，合计 %s元。\n", v.lines,
               money_format(v.total_fen, buf, sizeof buf));
        if (v.head_id)
            print_chain_head(v.head_id, v.head_hash);
    }
    if (a->applications && !v.bad_line) {
        if (apps.bad_line)
            printf("申请记录核对：兑付账本第 %" PRId64 " 行，%s\n", apps.bad_line, apps.problem);
        else
            printf("申请记录核对：%zu 笔兑付的申请仍与兑付时的输入和日期一致。\n", apps.lines);
    }
    if (a->anchor)
        print_anchor(&an, "账本");
    return rc;
}

/* ---------------------------------------------------------------- table, help */

static int cmd_help(const struct cli_args *a);
static int cmd_version(const struct cli_args *a);

static const struct cli_cmd commands[] = {
    {"plan", "parse", cmd_plan_parse, 1, 1, "--json", "hqd plan parse FILE [--json]",
     "解析方案文本并打印分解结果，不写入数据库 (parse only)"},
    {"plan", "import", cmd_plan_import, 1, 1, "--db --json", "hqd plan import FILE [--db PATH]",
     "导入方案；内容相同的文件重复导入不作改动 (idempotent)"},
    {"plan", "list", cmd_plan_list, 0, 0, "--db --json", "hqd plan list [--db PATH] [--json]",
     "列出已导入的方案"},
    {"plan", "show", cmd_plan_show, 1, 1, "--db --json", "hqd plan show ID [--db PATH] [--json]",
     "显示一个方案的概况与任务"},
    {"task", "list", cmd_task_list, 0, 0, "--db --plan --dept --json",
     "hqd task list [--plan ID] [--dept NAME] [--json]", "列出任务（可按方案、部门筛选）"},
    {"dept", "list", cmd_dept_list, 0, 0, "--db --json", "hqd dept list [--json]",
     "列出部门目录（规范名、别名、类别、任务数）"},
    {"dept", "alias", cmd_dept_alias, 2, 2, "--db", "hqd dept alias ALIAS CANONICAL",
     "把 ALIAS 合并为 CANONICAL 的别名"},
    {"export", "tasks", cmd_export_tasks, 0, 0, "--db --plan --format --out",
     "hqd export tasks --plan ID --format xlsx|csv --out FILE", "导出任务分解表"},
    {"audit", "verify", cmd_audit_verify, 0, 0, "--db --json --anchor",
     "hqd audit verify [--anchor ID:HASH] [--json]",
     "校验审计日志的哈希链，报告第一处损坏，报出末行与其哈希；--anchor 核对此前抄录的末行"},
    {"calendar", "after", cmd_calendar_after, 2, 2, "--db --json", "hqd calendar after DATE N",
     "打印 DATE 之后第 N 个工作日（计法定节假日与调休）"},
    {"calendar", "add", cmd_calendar_add, 1, 1, "--db", "hqd calendar add FILE|-",
     "添加节假日与调休安排（格式同 data/cn-workdays.txt）"},
    {"calendar", "list", cmd_calendar_list, 1, 1, "--db", "hqd calendar list YEAR",
     "列出某年的放假与调休日"},
    {"user", "add", cmd_user_add, 1, 1, "--db --role --dept --entity",
     "hqd user add NAME --role ROLE [--dept DEPT | --entity USCC]",
     "新建账号（部门账号指定部门，企业账号指定主体）；非终端时从标准输入读密码"},
    {"user", "list", cmd_user_list, 0, 0, "--db --json", "hqd user list [--json]", "列出账号"},
    {"user", "passwd", cmd_user_passwd, 1, 1, "--db", "hqd user passwd NAME", "重设密码"},
    {"user", "disable", cmd_user_disable, 1, 1, "--db", "hqd user disable NAME",
     "停用账号（会话与令牌一并失效）"},
    {"demo", "accounts", cmd_demo_accounts, 0, 0, "--db", "hqd demo accounts",
     "创建演示账号（管理员、督查室、领导、每个部门一名填报员），密码只显示一次"},
    {"supervise", "run", cmd_supervise_run, 0, 0, "--db --plan", "hqd supervise run [--plan ID]",
     "执行自动督办规则：红灯催办、逾期升级、约谈候选（可由 cron 每日运行）"},
    {"supervise", "settings", cmd_supervise_settings, 0, 4, "--db --plan",
     "hqd supervise settings [--plan ID] [KEY=VALUE…]",
     "查看或修改督办设置：auto_urge=on|off、remind_wd、urge_wd、supervise_wd（工作日）"},
    {"bulletin", "generate", cmd_bulletin_generate, 1, 1, "--db --plan",
     "hqd bulletin generate PERIOD [--plan ID]", "生成（或重新生成）某期通报草稿"},
    {"bulletin", "publish", cmd_bulletin_publish, 1, 1, "--db", "hqd bulletin publish ID",
     "发布并冻结通报"},
    {"bulletin", "export", cmd_bulletin_export, 1, 1, "--db --format --out",
     "hqd bulletin export ID --format html|xlsx|docx --out FILE", "导出通报"},
    {"assess", "run", cmd_assess_run, 1, 1, "--db --plan --json",
     "hqd assess run PERIOD [--plan ID] [--json]",
     "按最新规则计算季度（2020-Q2）或年度（2020）考核"},
    {"assess", "publish", cmd_assess_publish, 1, 1, "--db", "hqd assess publish ID",
     "发布并冻结考核结果"},
    {"policy", "check", cmd_policy_check, 0, 1, "", "hqd policy check [PACK]",
     "检查惠企政策规则包（不给出 PACK 时检查内置的示例规则包）"},
    {"policy", "calc", cmd_policy_calc, 1, CLI_MAX_ARGS, "--db --pack --on --json",
     "hqd policy calc CLAUSE name=value… [--pack PACK] [--on DATE] [--json]",
     "按条款试算一笔奖补（不写入数据库）；year_awarded= 为本年度已获金额"},
    {"policy", "cases", cmd_policy_cases, 0, CLI_MAX_ARGS, "--db --pack --json --out",
     "hqd policy cases [CLAUSE [param=value…]] [--pack PACK] [--json | --out FILE.xlsx]",
     "列出条款的边界情形并计算（保底与上限的临界基数、方案数字、分档起点、半分进位、每年上限的最后"
     "一件与下一件、"
     "条件边界、有效期首末日），用于对照方案原文核对规则包"},
    {"policy", "match", cmd_policy_match, 0, 0, "--db --pack --on --json --out --summary --format",
     "hqd policy match [--pack PACK] [--json] [--out FILE.xlsx] | --summary [--format tsv]",
     "免申即享：逐个主体匹配全部条款，列出符合的（含金额与依据，扣除同一事项已获兑付）、已享受的和"
     "接近的（差什么）"},
    {"policy", "set", cmd_policy_set, 1, 1, "--db --dry-run --on --json",
     "hqd policy set CLAUSE.PARAM=VALUE [--dry-run [--on DATE] [--json]]",
     "设定方案交由管委会确定的参数（如创新券补贴比例；CLAUSE.deadline=N 设定兑现时限为 N "
     "个工作日）："
     "存为新的规则包版本，须在条款规定范围内；"
     "--dry-run 只试算：与现行版本逐条款比较并按主体名录测算金额变化，不存入"},
    {"policy", "diff", cmd_policy_diff, 0, 2, "--db --on --json",
     "hqd policy diff [OLD NEW] [--on DATE] [--json]",
     "比较两个规则包版本（存入的版本号或规则包文件；不给出为上一版本与现行版本）：逐条款列出改动，"
     "并按主体名录测算金额变化"},
    {"policy", "load", cmd_policy_load, 1, 1, "--db", "hqd policy load PACK",
     "检查并存入规则包（按 SHA-256 识别），设为现行：此后的申请按它计算"},
    {"award", "apply", cmd_award_apply, 2, CLI_MAX_ARGS, "--db --on --json",
     "hqd award apply USCC CLAUSE name=value… [--on DATE] [--json]",
     "受理一笔惠企政策申请：按规则包计算金额并说明依据（计入本年度已兑付额）"},
    {"award", "list", cmd_award_list, 0, 0,
     "--db --json --status --clause --year --entity --overdue --on --out",
     "hqd award list [--status S] [--clause C] [--year Y] [--entity USCC] [--overdue] [--on DATE] "
     "[--json | --out FILE.xlsx|.csv]",
     "列出惠企政策申请（新到旧）及兑现时限（截至 --on 日期，默认今天），可按状态、条款、年度、主体"
     "筛选；--overdue 只列超过兑现时限仍未办结的；--out 导出申请台账（Excel 或 CSV）"},
    {"award", "show", cmd_award_show, 1, 1, "--db --json --on",
     "hqd award show ID [--on DATE] [--json]",
     "显示一件申请：计算与依据、兑现时限、证明材料清单、兑付记录"},
    {"award", "propose", cmd_award_propose, 1, 1, "--db --on --json",
     "hqd award propose CLAUSE [--on DATE] [--json]",
     "免申即享：为凭已核验数据（市场监管、税务、技术合同登记）即符合条款的主体生成申请，待审批"},
    {"award", "approve", cmd_award_approve, 1, 1, "--db --json", "hqd award approve ID",
     "批准申请：在同一事务中按账本重算（年度上限、同一事项就高、年度预算）并记入兑付账本"},
    {"award", "reject", cmd_award_reject, 2, 2, "--db", "hqd award reject ID REASON",
     "驳回申请（须写明理由）"},
    {"award", "approve-all", cmd_award_approve_all, 2, 2, "--db --json --dry-run --proposed",
     "hqd award approve-all CLAUSE YEAR [--proposed] [--dry-run] [--json]",
     "批量审批：按受理顺序逐件批准该条款该年度的待审申请（--proposed 只批免申即享生成的），每件照常"
     "核对证明材料、上限、同一事项与预算，未通过的仍待审并说明原因；--dry-run 试算不写入"},
    {"award", "close-batch", cmd_award_close_batch, 2, 2, "--db --json --dry-run --budget",
     "hqd award close-batch CLAUSE YEAR [--dry-run [--budget 元]] [--json]",
     "结束按比例分配条款的年度批次：预算不足时等比例核减，余数分按小数部分大小分配"},
    {"award", "reverse", cmd_award_reverse, 2, 2, "--db", "hqd award reverse PAYOUT REASON",
     "追回一笔兑付：在账本中追加一条负数记录"},
    {"award", "payouts", cmd_award_payouts, 0, 0, "--db --json --year --entity --out",
     "hqd award payouts [--year Y] [--entity USCC] [--json] [--out FILE.xlsx|FILE.csv]",
     "兑付台账：逐行列出兑付账本（兑付、追回、批次），可按年度、主体筛选，导出 Excel 或 "
     "CSV（金额可求和）"},
    {"award", "budget", cmd_award_budget, 1, 1, "--db --json", "hqd award budget YEAR [--json]",
     "预算执行：逐条款列出年度预算、已兑付（扣除追回）、待审申请与剩余额度"},
    {"ledger", "verify", cmd_ledger_verify, 0, 0, "--db --json --applications --anchor",
     "hqd ledger verify [--applications] [--anchor ID:HASH] [--json]",
     "逐行重算兑付账本并校验哈希链、年度上限、预算分配、同一事项就高与追回记录，报出末行与其哈希；"
     "--applications 另核对各申请记录仍与兑付时一致；--anchor "
     "核对此前抄录的末行（查出末尾被删或整本改写）"},
    {"entity", "import", cmd_entity_import, 1, 1, "--db", "hqd entity import FILE.csv",
     "导入主体名录或主体事实（CSV，整文件要么全部导入要么不导入；宽表有 contract_no "
     "等事项编号列时每行是一份合同）"},
    {"entity", "list", cmd_entity_list, 0, 0, "--db --json", "hqd entity list [--json]",
     "列出主体及其最新事实"},
    {"serve", NULL, cmd_serve, 0, 0, "--db --listen --threads --quiet",
     "hqd serve [--db PATH] [--listen 127.0.0.1:PORT]", "启动网页与 JSON API 服务"},
    {"routes", NULL, cmd_routes, 0, 0, "--json", "hqd routes [--json]", "列出 API 路由及其权限"},
    {"help", NULL, cmd_help, 0, 0, "", "hqd help", "显示帮助"},
    {"version", NULL, cmd_version, 0, 0, "", "hqd version", "显示版本"},
};
#define N_COMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "hqd — 高质量综合服务平台 (High-Quality Development service platform)\n\n"
                 "用法 (usage):\n");
    for (size_t i = 0; i < N_COMMANDS; i++)
        fprintf(out, "  %-58s %s\n", commands[i].usage, commands[i].summary);
    fprintf(out,
            "\n凡读写数据库的命令都接受 --db PATH（默认 %s，首次使用时创建）。\n"
            "退出码：0 成功，1 运行失败，2 用法或输入有误。\n",
            DEFAULT_DB);
}

static int cmd_help(const struct cli_args *a)
{
    (void)a;
    usage(stdout);
    return 0;
}

static int cmd_version(const struct cli_args *a)
{
    (void)a;
    printf("hqd %s (schema %d)\n", HQD_VERSION, store_schema_latest());
    return 0;
}

static int option_allowed(const struct cli_cmd *c, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = c->options; (p = strstr(p, name)); p += n)
        if ((p == c->options || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
            return 1;
    return 0;
}

/* Prints "hqd: <what>“<arg>”" and the command's usage; returns exit code 2. */
static int usage_error(const struct cli_cmd *c, const char *what, const char *arg)
{
    if (arg && *arg)
        fprintf(stderr, "hqd: %s：“%s”\n", what, arg);
    else
        fprintf(stderr, "hqd: %s\n", what);
    fprintf(stderr, "用法：%s\n", c ? c->usage : "hqd help");
    return 2;
}

int cli_main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *noun = argv[1];
    if (strcmp(noun, "--help") == 0 || strcmp(noun, "-h") == 0)
        noun = "help";
    if (strcmp(noun, "--version") == 0)
        noun = "version";
    const struct cli_cmd *cmd = NULL;
    int first = 2;
    for (size_t i = 0; i < N_COMMANDS && !cmd; i++) {
        if (strcmp(commands[i].noun, noun) != 0)
            continue;
        if (!commands[i].verb) {
            cmd = &commands[i];
        } else if (argc > 2 && strcmp(commands[i].verb, argv[2]) == 0) {
            cmd = &commands[i];
            first = 3;
        }
    }
    if (!cmd) {
        int known = 0;
        for (size_t i = 0; i < N_COMMANDS; i++)
            known |= strcmp(commands[i].noun, noun) == 0;
        if (known) {
            fprintf(stderr, "hqd: “%s”需要子命令：\n", noun);
            for (size_t i = 0; i < N_COMMANDS; i++)
                if (strcmp(commands[i].noun, noun) == 0)
                    fprintf(stderr, "  %s\n", commands[i].usage);
            return 2;
        }
        return usage_error(NULL, "未知命令 (unknown command)", noun);
    }
    struct cli_args a = {.db = DEFAULT_DB};
    for (int i = first; i < argc; i++) {
        const char *arg = argv[i];
        if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
            printf("用法：%s\n%s\n", cmd->usage, cmd->summary);
            return 0;
        }
        if (strncmp(arg, "--", 2) != 0 || strcmp(arg, "--") == 0) {
            if (a.n_pos == CLI_MAX_ARGS || a.n_pos >= cmd->max_pos)
                return usage_error(cmd, "多余的参数 (unexpected argument)", arg);
            a.pos[a.n_pos++] = arg;
            continue;
        }
        char name[64];
        const char *eq = strchr(arg, '=');
        size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
        snprintf(name, sizeof name, "%.*s", (int)nlen, arg);
        if (!option_allowed(cmd, name))
            return usage_error(cmd, "此命令不接受该选项 (unknown option)", name);
        /* the switches: no value, each sets its flag */
        const struct {
            const char *name;
            int *flag;
        } switches[] = {{"--json", &a.json},
                        {"--quiet", &a.quiet},
                        {"--summary", &a.summary},
                        {"--dry-run", &a.dry_run},
                        {"--applications", &a.applications},
                        {"--overdue", &a.overdue},
                        {"--proposed", &a.proposed}};
        int *flag = NULL;
        for (size_t k = 0; !flag && k < sizeof switches / sizeof switches[0]; k++)
            if (!strcmp(name, switches[k].name))
                flag = switches[k].flag;
        if (flag && eq)
            return usage_error(cmd, "此选项不取值 (a switch takes no value)", arg);
        if (flag) {
            *flag = 1;
            continue;
        }
        const char *val = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
        if (!val || !*val)
            return usage_error(cmd, "选项缺少取值 (missing value)", name);
        if (strcmp(name, "--db") == 0)
            a.db = val;
        else if (strcmp(name, "--plan") == 0)
            a.plan = val;
        else if (strcmp(name, "--dept") == 0)
            a.dept = val;
        else if (strcmp(name, "--entity") == 0)
            a.entity = val;
        else if (strcmp(name, "--format") == 0)
            a.format = val;
        else if (strcmp(name, "--out") == 0)
            a.out = val;
        else if (strcmp(name, "--role") == 0)
            a.role = val;
        else if (strcmp(name, "--listen") == 0)
            a.listen = val;
        else if (strcmp(name, "--threads") == 0)
            a.threads = val;
        else if (strcmp(name, "--pack") == 0)
            a.pack = val;
        else if (strcmp(name, "--on") == 0)
            a.on = val;
        else if (strcmp(name, "--year") == 0)
            a.year = val;
        else if (strcmp(name, "--budget") == 0)
            a.budget = val;
        else if (strcmp(name, "--status") == 0)
            a.status = val;
        else if (strcmp(name, "--clause") == 0)
            a.clause = val;
        else if (strcmp(name, "--anchor") == 0)
            a.anchor = val;
    }
    if (a.n_pos < cmd->min_pos)
        return usage_error(cmd, "缺少参数 (missing argument)", NULL);
    return cmd->run(&a);
}
