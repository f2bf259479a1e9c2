/* Internals of the http module: the request, replies, the routes. */
#ifndef HQD_HTTP_INT_H
#define HQD_HTTP_INT_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "auth/auth.h"
#include "base/err.h"
#include "http/http.h"

struct MHD_Connection;
struct store;
struct calendar;

#define HTTP_MAX_PARAMS 4

struct http_req {
    struct MHD_Connection *conn;
    const char *method, *path;
    char *body; /* NUL-terminated copy of the upload */
    size_t body_len;
    int body_too_large;
    const char *params[HTTP_MAX_PARAMS]; /* {param} values, in order */
    char param_buf[HTTP_MAX_PARAMS][128];
    struct auth_user user;
    int authed;
    char token[AUTH_TOKEN_HEX + 1]; /* the caller's session token, if any */
    struct store *store;
    const struct calendar *cal;
    char addr[64];
    char request_id[24];
    /* The reply. */
    unsigned status;
    char *reply;
    size_t reply_len;
    const char *content_type;
    const char *csp;        /* Content-Security-Policy for this reply; NULL: the application's */
    char *extra_headers[4]; /* "Name: value" strings owned by the request */
    int n_extra;
    long long started_us;
    /* Group commit: a batched write handed to the writer thread while its connection is
     * suspended, so the HTTP threads keep serving others. */
    const struct http_route *batch_route;
    struct http_req *batch_next;
    int batch_state; /* 0 none, 1 queued, 2 answered (atomic) */
};

typedef void (*http_handler)(struct http_req *r);

struct http_route {
    const char *method;
    const char *path;
    http_handler handler;
    unsigned roles;
    int public_route;
    const char *summary;
    int cacheable; /* a GET whose reply depends only on the store, the caller's department and
                      the date: served from the response cache while nothing is written */
    int batched;   /* a frequent write: run by the writer thread, which commits the writes of
                      several requests together (one fsync) before any of them is answered */
};

extern const struct http_route http_routes[];
extern const size_t http_routes_count;

/* Replies. reply_json takes ownership of body (a json_t reference). */
void http_reply_json(struct http_req *r, unsigned status, json_t *body);
/* Maps st to its HTTP status and error code, with e's message and field. */
void http_reply_error(struct http_req *r, enum status st, const struct err *e);
/* An error built here: status code, code string, message, field (may be NULL). */
void http_reply_fail(struct http_req *r, unsigned status, const char *code, const char *field,
                     const char *message);
void http_reply_bytes(struct http_req *r, unsigned status, const char *content_type,
                      const void *data, size_t len);
/* The end of a write handler: st's error, or 200 {"ok": true}. */
void http_reply_done(struct http_req *r, enum status st, const struct err *e);
/* The end of an upload handler: the error, or 201 {id, sha256, size} of the stored file. */
void http_reply_uploaded(struct http_req *r, enum status st, const struct err *e, int64_t id,
                         const char *sha256);
void http_add_header(struct http_req *r, const char *name, const char *value);

/* The query argument name, or NULL. */
const char *http_query(struct http_req *r, const char *name);
/* ?name= as a positive integer into *out (0 when absent); replies 400 naming it and returns 0
 * when it is not one. */
int http_query_id(struct http_req *r, const char *name, int64_t *out);
/* A request header, or NULL. */
const char *http_header(struct http_req *r, const char *name);
/* Parses the body as a JSON object; on failure replies 400 and returns NULL. */
json_t *http_body_object(struct http_req *r);

/* body[name] as a string into *out (NULL if absent and not required). Replies 400 naming the
 * field and returns 0 if it is required and missing, or not a string. */
int http_field_string(struct http_req *r, json_t *o, const char *name, int required,
                      const char **out);

/* Domain ↔ HTTP helpers used by the handlers. */
int http_param_id(struct http_req *r, int idx, int64_t *id); /* replies 404 on failure */
unsigned http_status_of(enum status st);
/* {"attachments": [{id, name, content_type, size, sha256, uploaded_by, uploaded_at}]} */
struct ledger_file;
json_t *http_files_json(const struct ledger_file *v, size_t n);
/* Serves file {0} read by get as a download if the caller may see its task, else 403. */
/* Sends file {0} read by get; may_see(r, owner) says whether the user may read it (owner is
 * what get returns: a task id, an entity id); NULL checks the task's visibility. */
void http_send_file(struct http_req *r,
                    enum status (*get)(struct store *s, int64_t id, char **name,
                                       char **content_type, void **data, size_t *len,
                                       int64_t *owner, struct err *e),
                    int (*may_see)(struct http_req *r, int64_t owner));

/* The response cache (http_cache.c): bodies keyed by request and store version. */
int http_cache_get(const char *key, int64_t version, char **body, size_t *len);
void http_cache_put(const char *key, int64_t version, const char *body, size_t len);

/* Serves the embedded web UI for path (GET). Returns 0 if there is no such asset. */
int http_static(struct http_req *r);

#endif
