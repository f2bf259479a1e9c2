/* err: the one status enum every fallible function returns, and the detail that travels with it.
 *
 * A function that can fail returns enum status and, when it fails, fills a caller-owned
 * struct err with a message and a location ("line 12, column 5"). The CLI turns it into an exit
 * code and one stderr line; the HTTP face will map it to a status code in one table. */
#ifndef HQD_BASE_ERR_H
#define HQD_BASE_ERR_H

#define HQD_MUST_CHECK __attribute__((warn_unused_result))
#define HQD_PRINTF(a, b) __attribute__((format(printf, a, b)))

enum status {
    ST_OK = 0,
    ST_INVALID,         /* bad input: file, argument, field */
    ST_NOT_FOUND,       /* a named thing does not exist */
    ST_CONFLICT,        /* the write conflicts with what is stored */
    ST_FORBIDDEN,       /* the actor may not do this */
    ST_LIMIT,           /* input larger than a hard cap */
    ST_IO,              /* file system or stream failure */
    ST_DB,              /* the store failed */
    ST_INTERNAL,        /* a bug: an invariant did not hold */
    ST_UNAUTHENTICATED, /* no valid session, token or password */
    ST_THROTTLED,       /* too many attempts: try again later */
    ST_UNPROCESSABLE,   /* well-formed input that the rules refuse */
};

struct err {
    enum status code;
    char where[128]; /* location in the input, e.g. "plan.txt: line 3, column 7"; may be empty */
    char msg[768];   /* one sentence, zh-CN or English, no trailing newline */
};

/* Fills e (if not NULL) and returns code, so callers can write `return err_set(...)`.
 * where may be NULL. */
enum status err_set(struct err *e, enum status code, const char *where, const char *fmt, ...)
    HQD_PRINTF(4, 5);

/* Clears e to ST_OK with empty strings. Accepts NULL. */
void err_clear(struct err *e);

/* Returns borrowed, static: a short English name of the status ("invalid", "not found", ...). */
const char *status_name(enum status st);

/* Returns the process exit code for a status: 0 ok, 2 bad input or usage, 1 otherwise. */
int status_exit_code(enum status st);

#endif
