#include "base/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static const char *const status_names[] = {
    [ST_OK] = "ok",
    [ST_INVALID] = "invalid",
    [ST_NOT_FOUND] = "not found",
    [ST_CONFLICT] = "conflict",
    [ST_FORBIDDEN] = "forbidden",
    [ST_LIMIT] = "limit exceeded",
    [ST_IO] = "i/o error",
    [ST_DB] = "database error",
    [ST_INTERNAL] = "internal error",
    [ST_UNAUTHENTICATED] = "unauthenticated",
    [ST_THROTTLED] = "throttled",
    [ST_UNPROCESSABLE] = "unprocessable",
};

enum status err_set(struct err *e, enum status code, const char *where, const char *fmt, ...)
{
    if (!e)
        return code;
    e->code = code;
    snprintf(e->where, sizeof e->where, "%s", where ? where : "");
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    va_end(ap);
    return code;
}

void err_clear(struct err *e)
{
    if (!e)
        return;
    e->code = ST_OK;
    e->where[0] = '\0';
    e->msg[0] = '\0';
}

const char *status_name(enum status st)
{
    if ((unsigned)st < sizeof status_names / sizeof status_names[0] && status_names[st])
        return status_names[st];
    return "unknown";
}

int status_exit_code(enum status st)
{
    switch (st) {
    case ST_OK:
        return 0;
    case ST_INVALID:
    case ST_LIMIT:
    case ST_NOT_FOUND:
    case ST_UNPROCESSABLE:
    case ST_CONFLICT:
        return 2;
    default:
        return 1;
    }
}
