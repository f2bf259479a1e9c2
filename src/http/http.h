/* http: the JSON API under /api/v1 and the web UI at /, served by libmicrohttpd (thread pool,
 * epoll). A thin face over the domain modules: it parses requests, checks the route's
 * permission, calls the same functions the CLI calls, and turns their status into HTTP. */
#ifndef HQD_HTTP_H
#define HQD_HTTP_H

#include <stddef.h>

#include "base/err.h"

struct http_options {
    const char *db;           /* store DSN */
    const char *listen;       /* "127.0.0.1:8080"; port 0 picks a free one */
    unsigned threads;         /* worker threads, default 4 */
    size_t max_body;          /* bytes, default 11 MiB (attachments are capped at 10 MiB) */
    unsigned max_connections; /* default 512 */
    unsigned timeout_seconds; /* idle connection timeout, default 30 */
    int quiet;                /* no per-request log lines */
};

/* Serves until SIGINT or SIGTERM, then stops accepting, lets in-flight requests finish and
 * returns. Prints "listening on http://ADDR:PORT" on standard output once ready. */
enum status http_serve(const struct http_options *o, struct err *e) HQD_MUST_CHECK;

/* The routes table, for documentation and the permission tests. roles is a mask of
 * ROLE_BIT(auth_role); public routes need no session. */
struct http_route_info {
    const char *method;
    const char *path; /* with {params} */
    unsigned roles;
    int public_route;
    const char *summary;
};
size_t http_route_table(const struct http_route_info **out);

#endif
