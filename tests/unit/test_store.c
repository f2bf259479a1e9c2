/* The store and what sits on it: migrations, one transaction per write, rollback, the audit
 * chain and its tamper detection, idempotent plan import, department aliases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "audit/audit.h"
#include "dept/dept.h"
#include "plan/plan.h"
#include "store/store.h"
#include "test_util.h"

struct fixture {
    char dir[256];
    char db[300];
    struct store *s;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    snprintf(f->dir, sizeof f->dir, "/tmp/hqd-test-store-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->db, sizeof f->db, "%s/sub/dir/hqd.db", f->dir);
    struct err e = {0};
    if (store_open(f->db, &f->s, &e) != ST_OK) {
        fprintf(stderr, "%s\n", e.msg);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    store_close(f->s);
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", f->dir);
    if (system(cmd) != 0)
        return -1;
    free(f);
    return 0;
}

static int64_t count(struct store *s, const char *sql)
{
    struct store_stmt *q;
    struct err e = {0};
    assert_int_equal(store_prepare(s, sql, &q, &e), ST_OK);
    int row;
    assert_int_equal(store_step(q, &row, &e), ST_OK);
    assert_true(row);
    int64_t n = store_col_int(q, 0);
    store_finish(q);
    return n;
}

static int64_t import_seed(struct store *s, int *created)
{
    size_t len = 0;
    char *data = test_read("examples/plan-2020-28.txt", &len);
    struct plan *p;
    struct err e = {0};
    assert_int_equal(plan_parse(data, len, "seed", &p, &e), ST_OK);
    int64_t id;
    enum status st = plan_import(s, p, "plan-2020-28.txt", "test", &id, created, &e);
    if (st != ST_OK)
        fail_msg("import: %s", e.msg);
    plan_free(p);
    free(data);
    return id;
}

static void migrations_apply_once(void **state)
{
    struct fixture *f = *state;
    assert_int_equal(store_schema_version(f->s), store_schema_latest());
    assert_true(store_schema_latest() >= 1);
    int64_t applied = count(f->s, "SELECT count(*) FROM schema_migrations");
    store_close(f->s);
    struct err e = {0};
    assert_int_equal(store_open(f->db, &f->s, &e), ST_OK);
    assert_int_equal(count(f->s, "SELECT count(*) FROM schema_migrations"), applied);
    assert_int_equal(count(f->s, "SELECT count(*) FROM pragma_foreign_keys"), 1);
    assert_int_equal(count(f->s, "SELECT foreign_keys FROM pragma_foreign_keys"), 1);
}

static void newer_schema_is_refused(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    assert_int_equal(
        store_exec(f->s, "INSERT INTO schema_migrations VALUES (999, 'future.sql', 'x')", &e),
        ST_OK);
    store_close(f->s);
    f->s = NULL;
    assert_int_equal(store_open(f->db, &f->s, &e), ST_DB);
    assert_non_null(strstr(e.msg, "999"));
    assert_int_equal(store_open(":memory:", &f->s, &e), ST_OK);
}

static void import_is_idempotent_and_audited(void **state)
{
    struct fixture *f = *state;
    int created;
    int64_t id = import_seed(f->s, &created);
    assert_true(created);
    assert_int_equal(count(f->s, "SELECT count(*) FROM tasks"), 55);
    assert_int_equal(count(f->s, "SELECT count(*) FROM task_depts WHERE role = 'lead'"), 58);
    int64_t audit_rows = count(f->s, "SELECT count(*) FROM audit_log");
    assert_true(audit_rows >= 2);
    int64_t id2 = import_seed(f->s, &created);
    assert_false(created);
    assert_int_equal(id2, id);
    assert_int_equal(count(f->s, "SELECT count(*) FROM plans"), 1);
    assert_int_equal(count(f->s, "SELECT count(*) FROM audit_log"), audit_rows);
    struct audit_report r;
    struct err e = {0};
    assert_int_equal(audit_verify(f->s, &r, &e), ST_OK);
    assert_int_equal(r.first_bad, 0);
    assert_int_equal(r.rows, audit_rows);
    /* Figures are linked to the task of their measure. */
    assert_int_equal(count(f->s, "SELECT count(*) FROM figures f JOIN tasks t ON t.id = f.task_id"
                                 " WHERE t.marker = '一是' AND f.text = '10万元'"),
                     1);
}

static void failed_write_rolls_back(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int64_t before = count(f->s, "SELECT count(*) FROM audit_log");
    assert_int_equal(store_begin(f->s, &e), ST_OK);
    int64_t id;
    assert_int_equal(dept_ensure(f->s, "test", "区测试局", &id, &e), ST_OK);
    assert_int_equal(store_exec(f->s, "INSERT INTO no_such_table VALUES (1)", &e), ST_DB);
    store_rollback(f->s);
    assert_int_equal(count(f->s, "SELECT count(*) FROM departments WHERE name = '区测试局'"), 0);
    assert_int_equal(count(f->s, "SELECT count(*) FROM audit_log"), before);
    /* A constraint violation is a conflict, and the store stays usable. */
    assert_int_equal(store_begin(f->s, &e), ST_OK);
    assert_int_equal(store_exec(f->s,
                                "INSERT INTO departments (name, kind, created_at)"
                                " VALUES ('x', 'nonsense', 'now')",
                                &e),
                     ST_CONFLICT);
    store_rollback(f->s);
    assert_int_equal(store_begin(f->s, &e), ST_OK);
    assert_int_equal(store_commit(f->s, &e), ST_OK);
}

/* A snapshot for one pass reads through a small page cache and gives the usual one back;
 * inside a transaction it changes nothing. */
static void scan_snapshot_keeps_a_small_cache(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    int64_t usual = count(f->s, "PRAGMA cache_size");
    assert_true(usual < -1024); /* KiB: megabytes */
    assert_int_equal(store_snapshot_begin_scan(f->s, &e), ST_OK);
    assert_int_equal(count(f->s, "PRAGMA cache_size"), -256);
    assert_true(count(f->s, "SELECT count(*) FROM departments") >= 0);
    store_snapshot_end(f->s);
    assert_int_equal(count(f->s, "PRAGMA cache_size"), usual);
    assert_int_equal(store_begin(f->s, &e), ST_OK);
    assert_int_equal(store_snapshot_begin_scan(f->s, &e), ST_OK);
    assert_int_equal(count(f->s, "PRAGMA cache_size"), usual);
    store_snapshot_end(f->s);
    assert_int_equal(store_in_transaction(f->s), 1);
    assert_int_equal(store_commit(f->s, &e), ST_OK);
}

/* A snapshot sees the database as at its first read, whatever another connection writes, and
 * lets writers write meanwhile; inside a transaction it is the transaction. */
static void snapshot_reads_one_state(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    struct store *other;
    assert_int_equal(store_open(f->db, &other, &e), ST_OK);
    int64_t before = count(f->s, "SELECT count(*) FROM departments");
    assert_int_equal(store_snapshot_begin(f->s, &e), ST_OK);
    assert_int_equal(count(f->s, "SELECT count(*) FROM departments"), before);
    int64_t id;
    assert_int_equal(store_begin(other, &e), ST_OK);
    assert_int_equal(dept_ensure(other, "test", "区快照局", &id, &e), ST_OK);
    assert_int_equal(store_commit(other, &e), ST_OK);
    assert_int_equal(count(f->s, "SELECT count(*) FROM departments"), before);
    store_snapshot_end(f->s);
    assert_int_equal(count(f->s, "SELECT count(*) FROM departments"), before + 1);
    store_snapshot_end(f->s); /* a second end does nothing */
    assert_int_equal(store_begin(f->s, &e), ST_OK);
    assert_int_equal(store_snapshot_begin(f->s, &e), ST_OK);
    store_snapshot_end(f->s);
    assert_int_equal(store_in_transaction(f->s), 1);
    assert_int_equal(store_commit(f->s, &e), ST_OK);
    store_close(other);
}

static void audit_detects_tampering(void **state)
{
    struct fixture *f = *state;
    int created;
    import_seed(f->s, &created);
    struct audit_report r;
    struct err e = {0};
    assert_int_equal(audit_verify(f->s, &r, &e), ST_OK);
    assert_int_equal(r.first_bad, 0);
    assert_int_equal(store_exec(f->s, "UPDATE audit_log SET actor = 'mallory' WHERE id = 3", &e),
                     ST_OK);
    assert_int_equal(audit_verify(f->s, &r, &e), ST_OK);
    assert_int_equal(r.first_bad, 3);
    assert_non_null(strstr(r.reason, "altered"));
    assert_int_equal(store_exec(f->s, "UPDATE audit_log SET actor = 'test' WHERE id = 3", &e),
                     ST_OK);
    assert_int_equal(audit_verify(f->s, &r, &e), ST_OK);
    assert_int_equal(r.first_bad, 0);
    /* The head written down (an anchor) shows rows cut off the end, which the chain cannot. */
    int64_t rows = r.rows;
    char anchor[100], stored[65] = "";
    snprintf(anchor, sizeof anchor, "%lld:%s", (long long)rows, r.head);
    struct store_stmt *q;
    int row = 0;
    assert_int_equal(store_prepare(f->s, "SELECT hash FROM audit_log WHERE id = ?", &q, &e), ST_OK);
    store_bind_int(q, 1, rows);
    assert_int_equal(store_step(q, &row, &e), ST_OK);
    snprintf(stored, sizeof stored, "%s", store_col_text(q, 0));
    store_finish(q);
    assert_string_equal(r.head, stored);
    struct audit_anchor an;
    assert_int_equal(audit_anchor_check(f->s, &audit_log_chain, anchor, &an, &e), ST_OK);
    assert_true(an.ok);
    char sql[80];
    snprintf(sql, sizeof sql, "DELETE FROM audit_log WHERE id = %lld", (long long)rows);
    assert_int_equal(store_exec(f->s, sql, &e), ST_OK);
    assert_int_equal(audit_verify(f->s, &r, &e), ST_OK);
    assert_int_equal(r.first_bad, 0);
    assert_int_equal(audit_anchor_check(f->s, &audit_log_chain, anchor, &an, &e), ST_OK);
    assert_false(an.ok);
    assert_non_null(strstr(an.problem, "审计日志没有第"));
    snprintf(anchor, sizeof anchor, "1:%064d", 0);
    assert_int_equal(audit_anchor_check(f->s, &audit_log_chain, anchor, &an, &e), ST_OK);
    assert_false(an.ok);
    assert_non_null(strstr(an.problem, "审计日志第 1 行的哈希与抄录的锚点不符"));
    assert_int_equal(audit_anchor_check(f->s, &audit_log_chain, "1:abc", &an, &e), ST_INVALID);
    assert_string_equal(e.where, "anchor");
    /* Deleting a row breaks the numbering at the next one. */
    assert_int_equal(store_exec(f->s, "DELETE FROM audit_log WHERE id = 5", &e), ST_OK);
    assert_int_equal(audit_verify(f->s, &r, &e), ST_OK);
    assert_int_equal(r.first_bad, 6);
}

static size_t task_count_for(struct store *s, const char *dept)
{
    struct plan_task_filter filt = {.plan_id = 0, .dept = dept};
    struct plan_task_row *rows;
    size_t n;
    struct err e = {0};
    assert_int_equal(plan_tasks(s, &filt, &rows, &n, &e), ST_OK);
    plan_task_rows_free(rows, n);
    return n;
}

static void dept_aliases_merge_names(void **state)
{
    struct fixture *f = *state;
    int created;
    import_seed(f->s, &created);
    struct err e = {0};
    /* A clerk of 区科学技术局 sees its 16 lead and 19 co tasks. */
    assert_int_equal(task_count_for(f->s, "区科学技术局"), 35);
    /* A new spelling becomes an alias. */
    assert_int_equal(dept_alias(f->s, "test", "区科技局", "区科学技术局", &e), ST_OK);
    assert_int_equal(task_count_for(f->s, "区科技局"), 35);
    /* An existing name merged into another: its tasks count for the canonical one. */
    size_t a = task_count_for(f->s, "区管委会办公室"), b = task_count_for(f->s, "区经济发展局");
    struct plan_task_filter filt = {.dept = "区管委会办公室"};
    struct plan_task_row *rows;
    size_t n, both = 0;
    assert_int_equal(plan_tasks(f->s, &filt, &rows, &n, &e), ST_OK);
    for (size_t i = 0; i < n; i++)
        both += (rows[i].lead && strstr(rows[i].lead, "区经济发展局")) ||
                (rows[i].co && strstr(rows[i].co, "区经济发展局"));
    plan_task_rows_free(rows, n);
    assert_int_equal(dept_alias(f->s, "test", "区管委会办公室", "区经济发展局", &e), ST_OK);
    assert_int_equal(task_count_for(f->s, "区经济发展局"), a + b - both);
    assert_int_equal(task_count_for(f->s, "区管委会办公室"), a + b - both);
    /* Cycles, self-aliases and unknown canonicals are refused. */
    assert_int_equal(dept_alias(f->s, "test", "区经济发展局", "区管委会办公室", &e), ST_CONFLICT);
    assert_int_equal(dept_alias(f->s, "test", "区财政局", "区财政局", &e), ST_INVALID);
    assert_int_equal(dept_alias(f->s, "test", "区财政局", "没有这个局", &e), ST_NOT_FOUND);
    struct plan_task_filter unknown = {.dept = "没有这个局"};
    assert_int_equal(plan_tasks(f->s, &unknown, &rows, &n, &e), ST_NOT_FOUND);
    /* The same alias again changes nothing and writes nothing. */
    assert_int_equal(dept_alias(f->s, "test", "区科技局", "区科学技术局", &e), ST_OK);
    /* A department that has aliases merged into another takes its aliases along: they point
     * at the new canonical name (no alias of an alias), and its tasks count there. */
    size_t kj = task_count_for(f->s, "区科学技术局"), rl = task_count_for(f->s, "区人力资源部");
    assert_int_equal(dept_alias(f->s, "test", "区科学技术局", "区人力资源部", &e), ST_OK);
    int64_t via_alias, canonical;
    assert_int_equal(dept_resolve(f->s, "区科技局", &via_alias, &e), ST_OK);
    assert_int_equal(dept_resolve(f->s, "区人力资源部", &canonical, &e), ST_OK);
    assert_int_equal(via_alias, canonical);
    assert_true(count(f->s, "SELECT count(*) FROM departments d JOIN departments c ON"
                            " c.id = d.canonical_id WHERE c.canonical_id IS NOT NULL") == 0);
    assert_true(task_count_for(f->s, "区科技局") >= kj && task_count_for(f->s, "区科技局") >= rl);
    assert_int_equal(task_count_for(f->s, "区科技局"), task_count_for(f->s, "区人力资源部"));
    struct audit_report r;
    assert_int_equal(audit_verify(f->s, &r, &e), ST_OK);
    assert_int_equal(r.first_bad, 0);
    assert_true(count(f->s, "SELECT count(*) FROM audit_log WHERE action = 'dept.alias'") == 3);
}

/* Migration 14 rebuilds users (to allow enterprise accounts) with foreign keys off: an existing
 * account keeps its id, its sessions still point at it, and foreign keys are on afterwards. The
 * store is put back to schema 13's users table by hand to replay the upgrade (later migrations
 * run again too: each is undone below or written to be idempotent). */
static void users_rebuild_keeps_accounts(void **state)
{
    struct fixture *f = *state;
    struct err e = {0};
    static const char *const back_to_13 =
        "PRAGMA foreign_keys=OFF;"
        "DROP TABLE users;"
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE,"
        " role TEXT NOT NULL CHECK (role IN ('admin','office','leader','dept')),"
        " dept_id BIGINT REFERENCES departments(id), password_hash TEXT NOT NULL,"
        " disabled INTEGER NOT NULL DEFAULT 0, created_at TEXT NOT NULL,"
        " CHECK ((role = 'dept') = (dept_id IS NOT NULL)));"
        "INSERT INTO users VALUES (7, 'office1', 'office', NULL, 'x', 0, '2020-01-01T00:00:00Z');"
        "INSERT INTO sessions (token_hash, user_id, kind, created_at, expires_at)"
        " VALUES ('abc', 7, 'session', '2020-01-01T00:00:00Z', '2030-01-01T00:00:00Z');"
        "ALTER TABLE policy_packs DROP COLUMN activated;"     /* undo 15 too */
        "ALTER TABLE application_files DROP COLUMN evidence;" /* and 17 */
        "ALTER TABLE applications DROP COLUMN origin;"
        "DROP INDEX entity_facts_matters;" /* and 19 */
        "ALTER TABLE entity_facts DROP COLUMN matter_key;"
        "ALTER TABLE entity_facts DROP COLUMN matter;"
        "DROP INDEX applications_due;" /* and 20 */
        "ALTER TABLE applications DROP COLUMN limit_wd;"
        "ALTER TABLE applications DROP COLUMN due_on;"
        "DELETE FROM schema_migrations WHERE version >= 14;"
        "PRAGMA foreign_keys=ON;";
    assert_int_equal(store_exec(f->s, back_to_13, &e), ST_OK);
    store_close(f->s);
    f->s = NULL;
    if (store_open(f->db, &f->s, &e) != ST_OK)
        fail_msg("reopen: %s", e.msg);
    assert_int_equal(store_schema_version(f->s), store_schema_latest());
    assert_int_equal(count(f->s, "SELECT count(*) FROM users WHERE id = 7 AND name = 'office1'"),
                     1);
    assert_int_equal(
        count(f->s, "SELECT count(*) FROM sessions s JOIN users u ON u.id = s.user_id"), 1);
    assert_int_equal(count(f->s, "SELECT count(*) FROM pragma_foreign_key_check"), 0);
    assert_int_equal(count(f->s, "SELECT foreign_keys FROM pragma_foreign_keys"), 1);
    /* The new role is accepted only with an entity. */
    assert_int_not_equal(store_exec(f->s,
                                    "INSERT INTO users (name, role, password_hash, created_at)"
                                    " VALUES ('q', 'enterprise', 'x', 'now')",
                                    &e),
                         ST_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(migrations_apply_once, setup, teardown),
        cmocka_unit_test_setup_teardown(newer_schema_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(import_is_idempotent_and_audited, setup, teardown),
        cmocka_unit_test_setup_teardown(failed_write_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(snapshot_reads_one_state, setup, teardown),
        cmocka_unit_test_setup_teardown(scan_snapshot_keeps_a_small_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(audit_detects_tampering, setup, teardown),
        cmocka_unit_test_setup_teardown(dept_aliases_merge_names, setup, teardown),
        cmocka_unit_test_setup_teardown(users_rebuild_keeps_accounts, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
