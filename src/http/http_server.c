/* libmicrohttpd glue: connection lifecycle, limits, routing, authentication, logging,
 * graceful shutdown. */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "audit/audit.h"
#include "award/award.h"
#include "base/buf.h"
#include "base/clock.h"
#include "base/embed.h"
#include "base/utf8.h"
#include "base/xalloc.h"
#include "calendar/calendar.h"
#include "http/http_int.h"
#include "store/store.h"

#define COOKIE_NAME "hqd_session"
#define HEADER_MEMORY (64 * 1024) /* per connection: bounds the request line and headers */

extern const struct embedded_file hqd_web_files[];
extern const size_t hqd_web_files_count;

struct server {
    const struct http_options *o;
    struct calendar *_Atomic cal;
    atomic_ullong next_id;
};

static struct server server;
static _Thread_local struct store *thread_store;

/* ---------------------------------------------------------------- the working-day calendar
 *
 * `hqd calendar add` (another process) changes the days every deadline counts with. The server
 * looks at most once a second: when the store has been written since (the audit log's head),
 * it reads the added days, and when they differ it loads the calendar again. A calendar
 * replaced may still be in use by a request: it is kept until the server stops (days are added
 * a few times a year). */
static struct {
    pthread_mutex_t lock;
    _Atomic int64_t next_check_ns;
    int64_t audit_head; /* what the store's audit head was at the last look */
    char *days;         /* the added days as last read (calendar_days_signature) */
    struct calendar **retired;
    size_t n_retired;
} cal_watch = {.lock = PTHREAD_MUTEX_INITIALIZER};

static int64_t monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The store's added days as one string (new), or NULL if they cannot be read. */
static char *calendar_days_signature(struct store *s)
{
    struct store_stmt *q;
    struct err e = {0};
    char *sig = NULL;
    int row;
    if (store_prepare(s,
                      "SELECT coalesce(group_concat(d, '|'), '') FROM (SELECT day || ':' || kind"
                      " || ':' || name AS d FROM calendar_days ORDER BY day)",
                      &q, &e) != ST_OK)
        return NULL;
    if (store_step(q, &row, &e) == ST_OK && row)
        sig = store_col_dup(q, 0);
    store_finish(q);
    return sig;
}

/* The calendar to count with, loaded again first if the store's days have changed. */
static struct calendar *server_calendar(struct store *s)
{
    int64_t now = monotonic_ns(), next = atomic_load(&cal_watch.next_check_ns);
    if (now < next ||
        !atomic_compare_exchange_strong(&cal_watch.next_check_ns, &next, now + 1000000000) ||
        pthread_mutex_trylock(&cal_watch.lock))
        return atomic_load(&server.cal);
    struct err e = {0};
    int64_t head = 0;
    char *sig = NULL;
    struct calendar *fresh = NULL;
    if (audit_head(s, &head, &e) != ST_OK || head == cal_watch.audit_head)
        goto out;
    cal_watch.audit_head = head;
    if (!(sig = calendar_days_signature(s)) || (cal_watch.days && !strcmp(sig, cal_watch.days)))
        goto out;
    if (calendar_load(s, &fresh, &e) != ST_OK) {
        fprintf(stderr, "hqd: 工作日历无法重新读取，仍按原日历计算：%s\n", e.msg);
        goto out;
    }
    struct calendar *old = atomic_exchange(&server.cal, fresh);
    cal_watch.retired =
        xrealloc(cal_watch.retired, (cal_watch.n_retired + 1) * sizeof *cal_watch.retired);
    cal_watch.retired[cal_watch.n_retired++] = old;
    free(cal_watch.days);
    cal_watch.days = sig;
    sig = NULL;
    fprintf(stderr, "hqd: 工作日历已更新（hqd calendar add），此后的工作日按新日历计算\n");
out:
    free(sig);
    pthread_mutex_unlock(&cal_watch.lock);
    return atomic_load(&server.cal);
}

/* What the watch starts from: the calendar loaded at start and the days it was loaded from. */
static enum status calendar_watch_start(struct store *s, struct calendar **cal, struct err *e)
{
    enum status st = calendar_load(s, cal, e);
    if (st == ST_OK && (st = audit_head(s, &cal_watch.audit_head, e)) == ST_OK)
        cal_watch.days = calendar_days_signature(s);
    atomic_store(&cal_watch.next_check_ns, monotonic_ns() + 1000000000);
    return st;
}

static void calendar_watch_stop(void)
{
    for (size_t i = 0; i < cal_watch.n_retired; i++)
        calendar_free(cal_watch.retired[i]);
    free(cal_watch.retired);
    free(cal_watch.days);
    cal_watch.retired = NULL;
    cal_watch.n_retired = 0;
    cal_watch.days = NULL;
    cal_watch.audit_head = 0;
}

/* ---------------------------------------------------------------- group commit */

#define BATCH_MAX 64

static struct {
    pthread_mutex_t lock;
    pthread_cond_t work;
    struct http_req *head, *tail;
    int stop;
    pthread_t thread;
    int running;
} writer = {.lock = PTHREAD_MUTEX_INITIALIZER, .work = PTHREAD_COND_INITIALIZER};

/* Runs queued writes in batches: one transaction per batch, each request's own transaction a
 * savepoint inside it, one commit (one fsync) for all; then answers them by resuming their
 * connections. A request whose own work failed was rolled back to its savepoint and answers its
 * error; if the batch commit fails, every request in it answers 500 and nothing of it is
 * stored. The queue is drained before the thread stops. */
static void *writer_main(void *arg)
{
    (void)arg;
    struct store *ws = NULL;
    struct err e = {0};
    for (;;) {
        pthread_mutex_lock(&writer.lock);
        while (!writer.head && !writer.stop)
            pthread_cond_wait(&writer.work, &writer.lock);
        if (!writer.head && writer.stop) {
            pthread_mutex_unlock(&writer.lock);
            break;
        }
        struct http_req *batch = writer.head, *last = batch;
        int n = 1;
        while (last->batch_next && n < BATCH_MAX)
            last = last->batch_next, n++;
        writer.head = last->batch_next;
        if (!writer.head)
            writer.tail = NULL;
        last->batch_next = NULL;
        pthread_mutex_unlock(&writer.lock);

        if (!ws && store_open(server.o->db, &ws, &e) != ST_OK)
            ws = NULL;
        enum status st = ws ? store_begin(ws, &e) : ST_DB;
        for (struct http_req *r = batch; r; r = r->batch_next) {
            if (st != ST_OK) {
                http_reply_error(r, st, &e);
                continue;
            }
            r->store = ws;
            r->batch_route->handler(r);
        }
        if (st == ST_OK && (st = store_commit(ws, &e)) != ST_OK)
            for (struct http_req *r = batch; r; r = r->batch_next)
                http_reply_error(r, st, &e);
        /* Once resumed, a request may be answered and freed at once: read its link first. */
        for (struct http_req *r = batch, *next; r; r = next) {
            next = r->batch_next;
            __atomic_store_n(&r->batch_state, 2, __ATOMIC_RELEASE);
            MHD_resume_connection(r->conn);
        }
    }
    store_close(ws);
    return NULL;
}

/* Hands r to the writer thread and suspends its connection. Returns 0 (run it here) when the
 * writer is not running or is stopping. */
static int enqueue_write(struct http_req *r, const struct http_route *route)
{
    pthread_mutex_lock(&writer.lock);
    if (!writer.running || writer.stop) {
        pthread_mutex_unlock(&writer.lock);
        return 0;
    }
    r->batch_route = route;
    r->batch_next = NULL;
    __atomic_store_n(&r->batch_state, 1, __ATOMIC_RELEASE);
    MHD_suspend_connection(r->conn);
    if (writer.tail)
        writer.tail->batch_next = r;
    else
        writer.head = r;
    writer.tail = r;
    pthread_cond_signal(&writer.work);
    pthread_mutex_unlock(&writer.lock);
    return 1;
}

/* ---------------------------------------------------------------- errors */

static const struct {
    enum status st;
    unsigned http;
    const char *code;
} error_map[] = {
    {ST_INVALID, 400, "invalid"},
    {ST_NOT_FOUND, 404, "not_found"},
    {ST_CONFLICT, 409, "conflict"},
    {ST_FORBIDDEN, 403, "forbidden"},
    {ST_LIMIT, 413, "too_large"},
    {ST_IO, 500, "io_error"},
    {ST_DB, 500, "db_error"},
    {ST_INTERNAL, 500, "internal"},
    {ST_UNAUTHENTICATED, 401, "unauthenticated"},
    {ST_THROTTLED, 429, "throttled"},
    {ST_UNPROCESSABLE, 422, "unprocessable"},
};

unsigned http_status_of(enum status st)
{
    for (size_t i = 0; i < sizeof error_map / sizeof error_map[0]; i++)
        if (error_map[i].st == st)
            return error_map[i].http;
    return 500;
}

static const char *code_of(enum status st)
{
    for (size_t i = 0; i < sizeof error_map / sizeof error_map[0]; i++)
        if (error_map[i].st == st)
            return error_map[i].code;
    return "internal";
}

/* ---------------------------------------------------------------- replies */

static void set_reply(struct http_req *r, unsigned status, const char *ctype, char *data,
                      size_t len)
{
    free(r->reply);
    r->status = status;
    r->content_type = ctype;
    r->reply = data;
    r->reply_len = len;
}

void http_reply_json(struct http_req *r, unsigned status, json_t *body)
{
    char *s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
    if (!s) {
        http_reply_fail(r, 500, "internal", NULL, "无法生成 JSON (could not encode JSON)");
        return;
    }
    set_reply(r, status, "application/json; charset=utf-8", s, strlen(s));
}

void http_reply_fail(struct http_req *r, unsigned status, const char *code, const char *field,
                     const char *message)
{
    /* A message quoting what was sent ("%.80s") may end mid-character, and JSON takes only
     * valid UTF-8: jansson would refuse it and the client get no answer at all. */
    char *msg = utf8_repair(message), *fld = field && *field ? utf8_repair(field) : NULL;
    json_t *err = json_pack("{s:s, s:s}", "code", code, "message", msg);
    json_object_set_new(err, "field", fld ? json_string(fld) : json_null());
    json_t *body = json_pack("{s:o}", "error", err);
    char *s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
    json_decref(body);
    free(msg);
    free(fld);
    set_reply(r, status, "application/json; charset=utf-8", s, s ? strlen(s) : 0);
}

void http_reply_error(struct http_req *r, enum status st, const struct err *e)
{
    const char *msg = e && e->msg[0] ? e->msg : status_name(st);
    /* A field travels in where for field-level errors ("progress", "period"). */
    const char *field = e && e->where[0] && !strchr(e->where, ' ') ? e->where : NULL;
    if (http_status_of(st) >= 500) {
        fprintf(stderr, "hqd: %s %s: %s: %s\n", r->method, r->path, status_name(st), msg);
        msg = "服务器内部错误，请稍后再试 (internal error)";
        field = NULL;
    }
    http_reply_fail(r, http_status_of(st), code_of(st), field, msg);
}

void http_reply_done(struct http_req *r, enum status st, const struct err *e)
{
    if (st != ST_OK)
        http_reply_error(r, st, e);
    else
        http_reply_json(r, 200, json_pack("{s:b}", "ok", 1));
}

void http_reply_uploaded(struct http_req *r, enum status st, const struct err *e, int64_t id,
                         const char *sha256)
{
    if (st != ST_OK)
        http_reply_error(r, st, e);
    else
        http_reply_json(r, 201,
                        json_pack("{s:I, s:s, s:I}", "id", (json_int_t)id, "sha256", sha256, "size",
                                  (json_int_t)r->body_len));
}

void http_reply_bytes(struct http_req *r, unsigned status, const char *content_type,
                      const void *data, size_t len)
{
    char *copy = xmalloc(len + 1);
    memcpy(copy, data, len);
    set_reply(r, status, content_type, copy, len);
}

void http_add_header(struct http_req *r, const char *name, const char *value)
{
    if (r->n_extra == 4)
        return;
    size_t len = strlen(name) + strlen(value) + 3;
    char *h = xmalloc(len);
    snprintf(h, len, "%s\n%s", name, value);
    r->extra_headers[r->n_extra++] = h;
}

const char *http_query(struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(struct http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

json_t *http_body_object(struct http_req *r)
{
    const char *ct = http_header(r, MHD_HTTP_HEADER_CONTENT_TYPE);
    if (!ct || strncmp(ct, "application/json", 16) != 0) {
        http_reply_fail(r, 400, "invalid", "Content-Type",
                        "请求体须为 JSON（Content-Type: application/json） (expected JSON)");
        return NULL;
    }
    json_error_t je;
    json_t *j = json_loadb(r->body ? r->body : "", r->body_len, JSON_REJECT_DUPLICATES, &je);
    if (!j) {
        char msg[400];
        snprintf(msg, sizeof msg, "JSON 格式错误：第 %d 行第 %d 列：%s (bad JSON)", je.line,
                 je.column, je.text);
        http_reply_fail(r, 400, "invalid", "body", msg);
        return NULL;
    }
    if (!json_is_object(j)) {
        json_decref(j);
        http_reply_fail(r, 400, "invalid", "body", "请求体须为 JSON 对象 (expected an object)");
        return NULL;
    }
    return j;
}

int http_param_id(struct http_req *r, int idx, int64_t *id)
{
    const char *s = r->params[idx];
    char *end;
    errno = 0;
    long long v = s ? strtoll(s, &end, 10) : 0;
    if (!s || errno || *end || end == s || v <= 0) {
        http_reply_fail(r, 404, "not_found", NULL, "找不到该资源 (not found)");
        return 0;
    }
    *id = v;
    return 1;
}

/* ---------------------------------------------------------------- static files */

static const struct {
    const char *ext, *type;
} mime[] = {
    {".html", "text/html; charset=utf-8"},
    {".js", "text/javascript; charset=utf-8"},
    {".css", "text/css; charset=utf-8"},
    {".svg", "image/svg+xml"},
    {".png", "image/png"},
    {".ico", "image/x-icon"},
    {".json", "application/json"},
};

int http_static(struct http_req *r)
{
    const char *p = r->path;
    const struct embedded_file *f = NULL;
    if (strncmp(p, "/static/", 8) == 0)
        f = embed_find(hqd_web_files, hqd_web_files_count, p + 8);
    else if (strncmp(p, "/api/", 5) != 0)
        f = embed_find(hqd_web_files, hqd_web_files_count, "index.html"); /* the app routes */
    if (!f)
        return 0;
    const char *type = "application/octet-stream";
    const char *dot = strrchr(f->path, '.');
    for (size_t i = 0; dot && i < sizeof mime / sizeof mime[0]; i++)
        if (strcmp(dot, mime[i].ext) == 0)
            type = mime[i].type;
    http_reply_bytes(r, 200, type, f->data, f->len);
    http_add_header(r, "Cache-Control", "no-cache");
    return 1;
}

/* ---------------------------------------------------------------- routing */

/* Matches path against pattern ("/api/v1/tasks/{id}/reports"), filling r->params. */
static int match(const char *pattern, const char *path, struct http_req *r)
{
    int np = 0;
    while (*pattern && *path) {
        if (*pattern == '{') {
            const char *close = strchr(pattern, '}');
            const char *seg = path;
            while (*path && *path != '/')
                path++;
            size_t len = (size_t)(path - seg);
            if (len == 0 || len >= sizeof r->param_buf[0] || np == HTTP_MAX_PARAMS)
                return 0;
            memcpy(r->param_buf[np], seg, len);
            r->param_buf[np][len] = '\0';
            r->params[np] = r->param_buf[np];
            np++;
            pattern = close + 1;
            continue;
        }
        if (*pattern != *path)
            return 0;
        pattern++, path++;
    }
    return *pattern == '\0' && *path == '\0';
}

static const char *bearer(struct http_req *r)
{
    const char *h = http_header(r, MHD_HTTP_HEADER_AUTHORIZATION);
    if (h && strncmp(h, "Bearer ", 7) == 0)
        return h + 7;
    return NULL;
}

/* Every worker's connection, so shutdown can close them after the workers are gone. */
static struct {
    pthread_mutex_t lock;
    struct store *v[128];
    int n;
} opened = {.lock = PTHREAD_MUTEX_INITIALIZER};

static struct store *store_for_thread(struct err *e)
{
    if (thread_store)
        return thread_store;
    if (store_open(server.o->db, &thread_store, e) != ST_OK)
        return thread_store = NULL;
    pthread_mutex_lock(&opened.lock);
    if (opened.n < 128)
        opened.v[opened.n++] = thread_store;
    pthread_mutex_unlock(&opened.lock);
    return thread_store;
}

static void close_thread_stores(void)
{
    pthread_mutex_lock(&opened.lock);
    for (int i = 0; i < opened.n; i++)
        store_close(opened.v[i]);
    opened.n = 0;
    pthread_mutex_unlock(&opened.lock);
}

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
    (void)kind;
    struct buf *b = cls;
    if (buf_printf(b, "&%s=%s", key, value ? value : "") != ST_OK)
        return MHD_NO;
    return MHD_YES;
}

/* What a cacheable reply depends on: the path, the query, the caller's visibility (a clerk's
 * department; staff all see the same) and today's date (deadlines move lights). */
static char *cache_key(struct http_req *r)
{
    struct buf b;
    buf_init(&b, 4096);
    struct date today = clock_today();
    int64_t scope = r->user.role == ROLE_DEPT ? r->user.dept_id : 0;
    if (buf_printf(&b, "%s %s|%lld|%04d-%02d-%02d|", r->method, r->path, (long long)scope, today.y,
                   today.m, today.d) != ST_OK ||
        MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, add_arg, &b) < 0 ||
        b.len >= 4096) {
        buf_cleanup(&b);
        return NULL;
    }
    return buf_detach(&b);
}

/* Answers r into r->reply, or returns 1 when r went to the writer thread (its connection is
 * suspended until the answer is ready). */
static int dispatch(struct http_req *r)
{
    struct err e = {0};
    const struct http_route *route = NULL;
    int path_known = 0;
    for (size_t i = 0; i < http_routes_count && !route; i++) {
        if (!match(http_routes[i].path, r->path, r))
            continue;
        path_known = 1;
        if (strcmp(http_routes[i].method, r->method) == 0)
            route = &http_routes[i];
    }
    if (!route) {
        if (path_known) {
            http_reply_fail(r, 405, "method_not_allowed", NULL,
                            "不支持该请求方法 (method not allowed)");
            return 0;
        }
        if (strcmp(r->method, "GET") == 0 && http_static(r))
            return 0;
        http_reply_fail(r, 404, "not_found", NULL, "找不到该资源 (not found)");
        return 0;
    }
    if (r->body_too_large) {
        char msg[128];
        snprintf(msg, sizeof msg, "请求体超过 %zu 字节上限 (body too large)", server.o->max_body);
        http_reply_fail(r, 413, "too_large", "body", msg);
        return 0;
    }
    r->store = store_for_thread(&e);
    if (!r->store) {
        http_reply_error(r, ST_DB, &e);
        return 0;
    }
    r->cal = server_calendar(r->store);
    const char *token = bearer(r);
    if (!token)
        token = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, COOKIE_NAME);
    if (token && strlen(token) == AUTH_TOKEN_HEX) {
        snprintf(r->token, sizeof r->token, "%s", token);
        enum status st = auth_resolve(r->store, token, &r->user, &e);
        if (st == ST_OK)
            r->authed = 1;
        else if (st != ST_UNAUTHENTICATED) {
            http_reply_error(r, st, &e);
            return 0;
        }
    }
    if (!route->public_route) {
        if (!r->authed) {
            http_reply_fail(r, 401, "unauthenticated", NULL, "请先登录 (not signed in)");
            return 0;
        }
        if (!(route->roles & ROLE_BIT(r->user.role))) {
            http_reply_fail(r, 403, "forbidden", NULL, "当前账号无权执行此操作 (forbidden)");
            return 0;
        }
    }
    char *key = NULL;
    int64_t version = 0;
    if (route->cacheable && audit_head(r->store, &version, &e) == ST_OK) {
        key = cache_key(r);
        char *body;
        size_t len;
        if (key && http_cache_get(key, version, &body, &len)) {
            free(r->reply);
            r->status = 200;
            r->content_type = "application/json; charset=utf-8";
            r->reply = body;
            r->reply_len = len;
            free(key);
            return 0;
        }
    }
    if (route->batched && enqueue_write(r, route)) {
        free(key);
        return 1;
    }
    route->handler(r);
    if (!r->reply)
        http_reply_fail(r, 500, "internal", NULL, "服务器内部错误 (no reply)");
    else if (key && r->status == 200 && r->n_extra == 0)
        http_cache_put(key, version, r->reply, r->reply_len);
    free(key);
    return 0;
}

/* ---------------------------------------------------------------- MHD callbacks */

static long long now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void req_free(struct http_req *r)
{
    if (!r)
        return;
    free(r->body);
    free(r->reply);
    for (int i = 0; i < r->n_extra; i++)
        free(r->extra_headers[i]);
    free(r);
}

static enum MHD_Result send_reply(struct MHD_Connection *conn, struct http_req *r)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(r->reply_len, r->reply, MHD_RESPMEM_MUST_FREE);
    r->reply = NULL; /* MHD owns it now */
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, r->content_type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "same-origin");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            r->csp ? r->csp
                                   : "default-src 'self'; img-src 'self' data:; style-src 'self'");
    MHD_add_response_header(resp, "X-Request-Id", r->request_id);
    for (int i = 0; i < r->n_extra; i++) {
        char *nl = strchr(r->extra_headers[i], '\n');
        *nl = '\0';
        MHD_add_response_header(resp, r->extra_headers[i], nl + 1);
        *nl = '\n';
    }
    enum MHD_Result ret = MHD_queue_response(conn, r->status, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    (void)cls;
    (void)version;
    struct http_req *r = *con_cls;
    if (r && __atomic_load_n(&r->batch_state, __ATOMIC_ACQUIRE) == 2) {
        /* Resumed: the writer thread has answered. */
        if (!r->reply)
            http_reply_fail(r, 500, "internal", NULL, "服务器内部错误 (no reply)");
        r->batch_state = 0;
        return send_reply(conn, r);
    }
    if (r && __atomic_load_n(&r->batch_state, __ATOMIC_ACQUIRE) == 1)
        return MHD_YES; /* still with the writer */
    if (!r) {
        r = xcalloc(1, sizeof *r);
        r->conn = conn;
        r->method = method;
        r->path = url;
        r->started_us = now_us();
        snprintf(r->request_id, sizeof r->request_id, "%llx",
                 (unsigned long long)atomic_fetch_add(&server.next_id, 1) + 1);
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
        if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, r->addr,
                      sizeof r->addr);
        else if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)ci->client_addr)->sin6_addr, r->addr,
                      sizeof r->addr);
        /* Refuse an announced oversized body before reading it. */
        const char *cl =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (cl && strtoull(cl, NULL, 10) > server.o->max_body)
            r->body_too_large = 1;
        *con_cls = r;
        return MHD_YES;
    }
    if (*upload_size) {
        if (!r->body_too_large) {
            if (r->body_len + *upload_size > server.o->max_body) {
                r->body_too_large = 1;
                free(r->body);
                r->body = NULL;
                r->body_len = 0;
            } else {
                r->body = xrealloc(r->body, r->body_len + *upload_size + 1);
                memcpy(r->body + r->body_len, upload_data, *upload_size);
                r->body_len += *upload_size;
                r->body[r->body_len] = '\0';
            }
        }
        *upload_size = 0;
        return MHD_YES;
    }
    if (r->body_too_large && !r->reply) {
        char msg[128];
        snprintf(msg, sizeof msg, "请求体超过 %zu 字节上限 (body too large)", server.o->max_body);
        http_reply_fail(r, 413, "too_large", "body", msg);
    } else if (dispatch(r)) {
        return MHD_YES;
    }
    return send_reply(conn, r);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct http_req *r = *con_cls;
    if (!r)
        return;
    if (!server.o->quiet) {
        /* One line per request; never the body, the cookie or the token. */
        fprintf(stderr, "%s %s %u %lldus %s %s\n", r->method, r->path, r->status,
                now_us() - r->started_us, r->authed ? r->user.name : "-", r->request_id);
    }
    req_free(r);
    *con_cls = NULL;
}

static void stop_writer(void)
{
    if (!writer.running)
        return;
    pthread_mutex_lock(&writer.lock);
    writer.stop = 1;
    pthread_cond_broadcast(&writer.work);
    pthread_mutex_unlock(&writer.lock);
    pthread_join(writer.thread, NULL);
    writer.running = 0;
}

static int parse_listen(const char *listen, struct sockaddr_in *sa, struct err *e)
{
    char host[64];
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof host)
        return err_set(e, ST_INVALID, "--listen", "监听地址应为 IP:端口，如 127.0.0.1:8080") != 0;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    if (*end || port < 0 || port > 65535 || inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return err_set(e, ST_INVALID, "--listen", "监听地址应为 IPv4:端口，如 127.0.0.1:8080") != 0;
    sa->sin_port = htons((uint16_t)port);
    return 0;
}

enum status http_serve(const struct http_options *o, struct err *e)
{
    struct http_options opts = *o;
    if (!opts.threads)
        opts.threads = 4;
    if (!opts.max_body)
        opts.max_body = (size_t)11 << 20;
    if (!opts.max_connections)
        opts.max_connections = 512;
    if (!opts.timeout_seconds)
        opts.timeout_seconds = 30;
    struct sockaddr_in sa;
    if (parse_listen(opts.listen ? opts.listen : "127.0.0.1:8080", &sa, e))
        return ST_INVALID;
    /* Open the store once here so a bad path or schema fails before listening. */
    struct store *s;
    enum status st = store_open(opts.db, &s, e);
    if (st != ST_OK)
        return st;
    struct calendar *cal = NULL;
    st = calendar_watch_start(s, &cal, e);
    /* The rule pack in force is checked too. One that no longer loads is said now; the
     * platform still serves everything else (惠企政策 routes answer with the same error). */
    struct policy_pack *pack;
    struct err pe = {0};
    if (st == ST_OK && award_pack_current(s, &pack, &pe) == ST_OK)
        policy_pack_free(pack);
    else if (st == ST_OK)
        fprintf(stderr, "hqd: 警告：惠企政策规则包无法读取，政策兑现功能不可用：%s%s%s\n", pe.where,
                pe.where[0] ? ": " : "", pe.msg);
    store_close(s);
    if (st != ST_OK)
        return st;
    server.o = &opts;
    atomic_store(&server.cal, cal);
    atomic_store(&server.next_id, 0);

    /* Workers must not take the signals: the main thread waits for them. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    writer.stop = 0;
    writer.running = pthread_create(&writer.thread, NULL, writer_main, NULL) == 0;

    struct MHD_Daemon *d = MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_ALLOW_SUSPEND_RESUME,
        0, NULL, NULL, on_request, NULL, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
        MHD_OPTION_THREAD_POOL_SIZE, opts.threads, MHD_OPTION_CONNECTION_LIMIT,
        opts.max_connections, MHD_OPTION_CONNECTION_TIMEOUT, opts.timeout_seconds,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)HEADER_MEMORY, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, NULL, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, MHD_OPTION_END);
    if (!d) {
        stop_writer();
        calendar_free(cal);
        calendar_watch_stop();
        return err_set(e, ST_IO, opts.listen, "无法监听 %s：地址被占用或无权限 (cannot listen)",
                       opts.listen);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    char ip[64];
    inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof ip);
    printf("listening on http://%s:%u\n", ip, info ? (unsigned)info->port : 0);
    fflush(stdout);

    int sig;
    sigwait(&set, &sig);
    fprintf(stderr, "hqd: %s received, finishing requests\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
    MHD_quiesce_daemon(d);
    /* Answer the queued writes, then give their replies a moment to leave. */
    stop_writer();
    for (int i = 0; i < 200; i++) {
        const union MHD_DaemonInfo *ci =
            MHD_get_daemon_info(d, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);
        if (!ci || ci->num_connections == 0)
            break;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    MHD_stop_daemon(d);
    close_thread_stores();
    calendar_free(atomic_exchange(&server.cal, NULL));
    calendar_watch_stop();
    return ST_OK;
}
