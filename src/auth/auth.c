#include "auth/auth.h"

#include <inttypes.h>
#include <jansson.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "base/clock.h"
#include "base/hash.h"
#include "base/xalloc.h"
#include "dept/dept.h"
#include "entity/entity.h"
#include "store/store.h"

/* Argon2id with m = 19 MiB, t = 2 (the OWASP baseline): strong, and small enough that a login
 * does not dominate the server's memory. */
#define PW_OPSLIMIT 2
#define PW_MEMLIMIT (19u * 1024 * 1024)

static const char *const role_names[] = {"admin", "office", "leader", "dept", "enterprise"};
static const char *const role_labels[] = {"管理员", "督查室", "领导", "部门", "企业"};

const char *auth_role_name(enum auth_role r)
{
    return (unsigned)r < ROLE_COUNT ? role_names[r] : "?";
}

const char *auth_role_label(enum auth_role r)
{
    return (unsigned)r < ROLE_COUNT ? role_labels[r] : "?";
}

int auth_role_parse(const char *s, enum auth_role *out)
{
    for (int r = 0; r < ROLE_COUNT; r++)
        if (s && strcmp(s, role_names[r]) == 0) {
            *out = (enum auth_role)r;
            return 1;
        }
    return 0;
}

static void init_sodium(void)
{
    if (sodium_init() < 0) {
        fprintf(stderr, "hqd: libsodium failed to initialise\n");
        abort();
    }
}

/* ---------------------------------------------------------------- throttle */

#define THROTTLE_SLOTS 4096
#define THROTTLE_WINDOW 900 /* seconds */
#define THROTTLE_ACCOUNT 5
#define THROTTLE_ADDRESS 20

struct slot {
    char key[96];
    int64_t window_start;
    int failures;
};

static struct slot slots[THROTTLE_SLOTS];
static pthread_mutex_t throttle_lock = PTHREAD_MUTEX_INITIALIZER;

static struct slot *slot_for(const char *key, int64_t now)
{
    uint32_t h = 2166136261u;
    for (const char *p = key; *p; p++)
        h = (h ^ (unsigned char)*p) * 16777619u;
    struct slot *s = &slots[h % THROTTLE_SLOTS];
    if (strcmp(s->key, key) != 0 || now - s->window_start >= THROTTLE_WINDOW) {
        snprintf(s->key, sizeof s->key, "%s", key);
        s->window_start = now;
        s->failures = 0;
    }
    return s;
}

/* Returns the seconds to wait, or 0 when key may try. */
static int64_t throttle_wait(const char *key, int limit, int64_t now)
{
    pthread_mutex_lock(&throttle_lock);
    struct slot *s = slot_for(key, now);
    int64_t wait = s->failures >= limit ? s->window_start + THROTTLE_WINDOW - now : 0;
    pthread_mutex_unlock(&throttle_lock);
    return wait;
}

static void throttle_fail(const char *key, int64_t now)
{
    pthread_mutex_lock(&throttle_lock);
    slot_for(key, now)->failures++;
    pthread_mutex_unlock(&throttle_lock);
}

static void throttle_clear(const char *key, int64_t now)
{
    pthread_mutex_lock(&throttle_lock);
    slot_for(key, now)->failures = 0;
    pthread_mutex_unlock(&throttle_lock);
}

void auth_throttle_reset(void)
{
    pthread_mutex_lock(&throttle_lock);
    memset(slots, 0, sizeof slots);
    pthread_mutex_unlock(&throttle_lock);
}

/* ---------------------------------------------------------------- accounts */

static enum status check_name(const char *name, struct err *e)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > 64)
        return err_set(e, ST_INVALID, "name", "账号名应为 1 到 64 个字节 (bad account name)");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p <= ' ' || *p == ':' || *p == '/' || *p == 0x7F)
            return err_set(e, ST_INVALID, "name",
                           "账号名不能含空白、冒号、斜杠或控制字符 (bad account name)");
    return ST_OK;
}

static enum status check_password(const char *pw, struct err *e)
{
    size_t n = pw ? strlen(pw) : 0;
    if (n < AUTH_MIN_PASSWORD || n > AUTH_MAX_PASSWORD)
        return err_set(e, ST_INVALID, "password",
                       "密码长度应为 %d 到 %d 个字节 (bad password length)", AUTH_MIN_PASSWORD,
                       AUTH_MAX_PASSWORD);
    return ST_OK;
}

static enum status hash_password(const char *pw, char out[crypto_pwhash_STRBYTES], struct err *e)
{
    init_sodium();
    if (crypto_pwhash_str(out, pw, strlen(pw), PW_OPSLIMIT, PW_MEMLIMIT) != 0)
        return err_set(e, ST_INTERNAL, NULL, "密码哈希失败（内存不足） (password hashing failed)");
    return ST_OK;
}

#define USER_SELECT                                                                                \
    "SELECT u.id, u.name, u.role, coalesce(d.canonical_id, d.id, 0), c.name, u.disabled,"          \
    " u.password_hash, coalesce(u.entity_id, 0), en.uscc FROM users u"                             \
    " LEFT JOIN departments d ON d.id = u.dept_id"                                                 \
    " LEFT JOIN departments c ON c.id = coalesce(d.canonical_id, d.id)"                            \
    " LEFT JOIN entities en ON en.id = u.entity_id"

static void user_from(struct store_stmt *q, struct auth_user *u)
{
    memset(u, 0, sizeof *u);
    u->id = store_col_int(q, 0);
    snprintf(u->name, sizeof u->name, "%s", store_col_text(q, 1));
    auth_role_parse(store_col_text(q, 2), &u->role);
    u->dept_id = store_col_int(q, 3);
    const char *dept = store_col_text(q, 4);
    snprintf(u->dept, sizeof u->dept, "%s", dept ? dept : "");
    u->disabled = (int)store_col_int(q, 5);
    u->entity_id = store_col_int(q, 7);
    const char *uscc = store_col_text(q, 8);
    snprintf(u->uscc, sizeof u->uscc, "%s", uscc ? uscc : "");
}

/* Reads an account and (optionally) its password hash. */
static enum status load_user(struct store *s, const char *name, struct auth_user *u, char *hash,
                             size_t hash_len, struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s, USER_SELECT " WHERE u.name = ?", &q, e);
    if (st != ST_OK)
        return st;
    store_bind_text(q, 1, name);
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK) {
        if (!row) {
            st = err_set(e, ST_NOT_FOUND, name, "没有账号“%s” (no such account)", name);
        } else {
            user_from(q, u);
            if (hash)
                snprintf(hash, hash_len, "%s", store_col_text(q, 6));
        }
    }
    store_finish(q);
    return st;
}

enum status auth_user_get(struct store *s, const char *name, struct auth_user *out, struct err *e)
{
    return load_user(s, name, out, NULL, 0, e);
}

static enum status audit_user(struct store *s, const char *actor, const char *action, int64_t id,
                              const char *after, struct err *e)
{
    char ids[32];
    snprintf(ids, sizeof ids, "%" PRId64, id);
    return audit_append(s, actor, action, "user", ids, NULL, after, e);
}

/* The entity id of a registered USCC. */
static enum status entity_resolve(struct store *s, const char *uscc, int64_t *id, struct err *e)
{
    enum status st = entity_find(s, uscc, id, NULL, e);
    if (st == ST_INVALID)
        snprintf(e->where, sizeof e->where, "entity");
    else if (st == ST_OK && !*id)
        st = err_set(e, ST_NOT_FOUND, "entity",
                     "主体名录中没有统一社会信用代码 %s（先用 hqd entity import 导入）", uscc);
    return st;
}

enum status auth_user_add(struct store *s, const char *actor, const char *name, enum auth_role role,
                          const char *org, const char *password, int64_t *id, struct err *e)
{
    enum status st;
    if ((st = check_name(name, e)) != ST_OK || (st = check_password(password, e)) != ST_OK)
        return st;
    const char *dept = role == ROLE_DEPT ? org : NULL;
    const char *uscc = role == ROLE_ENTERPRISE ? org : NULL;
    int has_org = org != NULL && *org;
    if (role == ROLE_DEPT && !has_org)
        return err_set(e, ST_INVALID, "dept", "部门账号必须指定所属部门 (--dept is required)");
    if (role == ROLE_ENTERPRISE && !has_org)
        return err_set(e, ST_INVALID, "entity",
                       "企业账号必须指定主体的统一社会信用代码 (--entity is required)");
    if (role != ROLE_DEPT && role != ROLE_ENTERPRISE && has_org)
        return err_set(e, ST_INVALID, "dept",
                       "只有部门账号才能指定部门、企业账号才能指定主体 (--dept is for dept "
                       "accounts, --entity for enterprise accounts)");
    char hash[crypto_pwhash_STRBYTES];
    if ((st = hash_password(password, hash, e)) != ST_OK)
        return st;
    if ((st = store_begin(s, e)) != ST_OK)
        return st;
    int64_t dept_id = 0, entity_id = 0;
    if (role == ROLE_DEPT && (st = dept_resolve(s, dept, &dept_id, e)) != ST_OK)
        goto out;
    if (role == ROLE_ENTERPRISE && (st = entity_resolve(s, uscc, &entity_id, e)) != ST_OK)
        goto out;
    struct store_stmt *q;
    if ((st = store_prepare(s,
                            "INSERT INTO users (name, role, dept_id, password_hash, created_at,"
                            " entity_id) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
                            &q, e)) != ST_OK)
        goto out;
    char now[32];
    clock_now_iso(now, sizeof now);
    store_bind_text(q, 1, name);
    store_bind_text(q, 2, auth_role_name(role));
    if (dept_id)
        store_bind_int(q, 3, dept_id);
    else
        store_bind_null(q, 3);
    store_bind_text(q, 4, hash);
    store_bind_text(q, 5, now);
    if (entity_id)
        store_bind_int(q, 6, entity_id);
    else
        store_bind_null(q, 6);
    int row;
    st = store_step(q, &row, e);
    if (st == ST_OK)
        *id = store_col_int(q, 0);
    store_finish(q);
    if (st == ST_CONFLICT)
        st = err_set(e, ST_CONFLICT, name, "账号“%s”已存在 (account exists)", name);
    if (st != ST_OK)
        goto out;
    {
        json_t *after = json_pack("{s:s, s:s}", "name", name, "role", auth_role_name(role));
        if (dept_id)
            json_object_set_new(after, "dept_id", json_integer(dept_id));
        if (entity_id)
            json_object_set_new(after, "entity_id", json_integer(entity_id));
        char *a = json_dumps(after, JSON_COMPACT | JSON_SORT_KEYS);
        st = audit_user(s, actor, "user.create", *id, a, e);
        free(a);
        json_decref(after);
    }
out:
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s, e);
}

enum status auth_user_list(struct store *s, struct auth_user **rows, size_t *n, struct err *e)
{
    *rows = NULL;
    *n = 0;
    struct store_stmt *q;
    enum status st = store_prepare(s, USER_SELECT " ORDER BY u.role, u.name", &q, e);
    if (st != ST_OK)
        return st;
    size_t cap = 0;
    int row;
    while ((st = store_step(q, &row, e)) == ST_OK && row) {
        xgrow((void **)rows, &cap, *n + 1, sizeof **rows);
        user_from(q, &(*rows)[(*n)++]);
    }
    store_finish(q);
    return st;
}

static enum status revoke_all(struct store *s, int64_t user_id, struct err *e)
{
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   "UPDATE sessions SET revoked_at = ? WHERE user_id = ?"
                                   " AND revoked_at IS NULL",
                                   &q, e);
    if (st != ST_OK)
        return st;
    char now[32];
    clock_now_iso(now, sizeof now);
    store_bind_text(q, 1, now);
    store_bind_int(q, 2, user_id);
    return store_run(q, e);
}

enum status auth_user_passwd(struct store *s, const char *actor, const char *name, const char *old,
                             const char *password, struct err *e)
{
    enum status st = check_password(password, e);
    if (st != ST_OK)
        return st;
    struct auth_user u;
    char stored[crypto_pwhash_STRBYTES];
    if ((st = load_user(s, name, &u, stored, sizeof stored, e)) != ST_OK)
        return st;
    init_sodium();
    if (old && crypto_pwhash_str_verify(stored, old, strlen(old)) != 0)
        return err_set(e, ST_FORBIDDEN, "old_password", "原密码不正确 (wrong password)");
    char hash[crypto_pwhash_STRBYTES];
    if ((st = hash_password(password, hash, e)) != ST_OK)
        return st;
    if ((st = store_begin(s, e)) != ST_OK)
        return st;
    struct store_stmt *q;
    if ((st = store_prepare(s, "UPDATE users SET password_hash = ? WHERE id = ?", &q, e)) ==
        ST_OK) {
        store_bind_text(q, 1, hash);
        store_bind_int(q, 2, u.id);
        st = store_run(q, e);
    }
    if (st == ST_OK)
        st = revoke_all(s, u.id, e);
    if (st == ST_OK)
        st = audit_user(s, actor, "user.passwd", u.id, NULL, e);
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s, e);
}

enum status auth_user_disable(struct store *s, const char *actor, const char *name, struct err *e)
{
    struct auth_user u;
    enum status st = load_user(s, name, &u, NULL, 0, e);
    if (st != ST_OK)
        return st;
    if ((st = store_begin(s, e)) != ST_OK)
        return st;
    struct store_stmt *q;
    if ((st = store_prepare(s, "UPDATE users SET disabled = 1 WHERE id = ?", &q, e)) == ST_OK) {
        store_bind_int(q, 1, u.id);
        st = store_run(q, e);
    }
    if (st == ST_OK)
        st = revoke_all(s, u.id, e);
    if (st == ST_OK)
        st = audit_user(s, actor, "user.disable", u.id, "{\"disabled\":1}", e);
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s, e);
}

/* ---------------------------------------------------------------- sessions */

static void new_token(char token[AUTH_TOKEN_HEX + 1])
{
    unsigned char raw[32];
    init_sodium();
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(token, AUTH_TOKEN_HEX + 1, raw, sizeof raw);
}

static enum status insert_session(struct store *s, int64_t user_id, const char *kind,
                                  const char *label, int64_t ttl, const char *token, struct err *e)
{
    char hash[HASH_HEX_LEN + 1], now[32], exp[32];
    hash_sha256_hex(token, strlen(token), hash);
    int64_t t = clock_now();
    clock_format(t, now, sizeof now);
    clock_format(t + ttl, exp, sizeof exp);
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   "INSERT INTO sessions (token_hash, user_id, kind, label,"
                                   " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                                   &q, e);
    if (st != ST_OK)
        return st;
    store_bind_text(q, 1, hash);
    store_bind_int(q, 2, user_id);
    store_bind_text(q, 3, kind);
    store_bind_text(q, 4, label);
    store_bind_text(q, 5, now);
    store_bind_text(q, 6, exp);
    return store_run(q, e);
}

enum status auth_login(struct store *s, const char *name, const char *password, const char *addr,
                       char token[AUTH_TOKEN_HEX + 1], struct auth_user *u, struct err *e)
{
    int64_t now = clock_now();
    char akey[96], ukey[96];
    snprintf(akey, sizeof akey, "a:%s", addr ? addr : "?");
    snprintf(ukey, sizeof ukey, "u:%.80s", name ? name : "");
    int64_t wait = throttle_wait(akey, THROTTLE_ADDRESS, now);
    if (!wait)
        wait = throttle_wait(ukey, THROTTLE_ACCOUNT, now);
    if (wait)
        return err_set(e, ST_THROTTLED, NULL,
                       "登录失败次数过多，请 %" PRId64 " 分钟后再试 (too many attempts)",
                       (wait + 59) / 60);
    char stored[crypto_pwhash_STRBYTES] = "";
    enum status st = ST_OK;
    if (!name || !*name || !password)
        st = ST_NOT_FOUND;
    else
        st = load_user(s, name, u, stored, sizeof stored, e);
    if (st != ST_OK && st != ST_NOT_FOUND)
        return st;
    init_sodium();
    int ok = st == ST_OK && !u->disabled &&
             crypto_pwhash_str_verify(stored, password, strlen(password)) == 0;
    if (!ok) {
        throttle_fail(akey, now);
        throttle_fail(ukey, now);
        return err_set(e, ST_UNAUTHENTICATED, NULL, "账号或密码不正确 (wrong name or password)");
    }
    throttle_clear(ukey, now);
    new_token(token);
    if ((st = store_begin(s, e)) != ST_OK)
        return st;
    st = insert_session(s, u->id, "session", NULL, AUTH_SESSION_SECONDS, token, e);
    if (st == ST_OK)
        st = audit_user(s, u->name, "user.login", u->id, NULL, e);
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s, e);
}

enum status auth_resolve(struct store *s, const char *token, struct auth_user *u, struct err *e)
{
    if (!token || strlen(token) != AUTH_TOKEN_HEX)
        return err_set(e, ST_UNAUTHENTICATED, NULL, "请先登录 (not signed in)");
    char hash[HASH_HEX_LEN + 1], now[32];
    hash_sha256_hex(token, AUTH_TOKEN_HEX, hash);
    clock_now_iso(now, sizeof now);
    struct store_stmt *q;
    enum status st = store_prepare(s,
                                   USER_SELECT " JOIN sessions s ON s.user_id = u.id"
                                               " WHERE s.token_hash = ? AND s.revoked_at IS NULL"
                                               " AND s.expires_at > ? AND u.disabled = 0",
                                   &q, e);
    if (st != ST_OK)
        return st;
    store_bind_text(q, 1, hash);
    store_bind_text(q, 2, now);
    int row;
    if ((st = store_step(q, &row, e)) == ST_OK) {
        if (row)
            user_from(q, u);
        else
            st = err_set(e, ST_UNAUTHENTICATED, NULL, "登录已失效，请重新登录 (session expired)");
    }
    store_finish(q);
    return st;
}

enum status auth_logout(struct store *s, const char *token, struct err *e)
{
    if (!token || strlen(token) != AUTH_TOKEN_HEX)
        return ST_OK;
    char hash[HASH_HEX_LEN + 1], now[32];
    hash_sha256_hex(token, AUTH_TOKEN_HEX, hash);
    clock_now_iso(now, sizeof now);
    enum status st = store_begin(s, e);
    if (st != ST_OK)
        return st;
    struct store_stmt *q;
    if ((st = store_prepare(s,
                            "UPDATE sessions SET revoked_at = ? WHERE token_hash = ?"
                            " AND revoked_at IS NULL",
                            &q, e)) == ST_OK) {
        store_bind_text(q, 1, now);
        store_bind_text(q, 2, hash);
        st = store_run(q, e);
    }
    if (st == ST_OK)
        st = audit_append(s, "session", "user.logout", "session", NULL, NULL, NULL, e);
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s, e);
}

enum status auth_token_create(struct store *s, const struct auth_user *user, const char *label,
                              int days, char token[AUTH_TOKEN_HEX + 1], struct err *e)
{
    if (days < 1 || days > 3650)
        return err_set(e, ST_INVALID, "days", "有效期应为 1 到 3650 天 (bad validity)");
    new_token(token);
    enum status st = store_begin(s, e);
    if (st != ST_OK)
        return st;
    st = insert_session(s, user->id, "api", label, (int64_t)days * 86400, token, e);
    if (st == ST_OK)
        st = audit_user(s, user->name, "token.create", user->id, NULL, e);
    if (st != ST_OK) {
        store_rollback(s);
        return st;
    }
    return store_commit(s, e);
}
