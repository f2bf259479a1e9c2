/* auth: accounts, roles, passwords (Argon2id), sessions and API tokens, login throttling.
 *
 * Roles: admin (accounts, departments, settings), office (督查室: everything, sets dates and
 * periods), leader (reads everything), dept (a clerk of one department), enterprise (an
 * enterprise, institution or fund of the registry: files its own 惠企政策 applications and sees
 * only its own applications and awards). Tokens are 32 random
 * bytes shown once as hex; the store keeps only their SHA-256. */
#ifndef HQD_AUTH_H
#define HQD_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct store;

enum auth_role { ROLE_ADMIN, ROLE_OFFICE, ROLE_LEADER, ROLE_DEPT, ROLE_ENTERPRISE, ROLE_COUNT };
#define ROLE_BIT(r) (1u << (r))
/* Every staff role: enterprise accounts are outside the administration and get only the routes
 * that name them. */
#define ROLES_ALL                                                                                  \
    (ROLE_BIT(ROLE_ADMIN) | ROLE_BIT(ROLE_OFFICE) | ROLE_BIT(ROLE_LEADER) | ROLE_BIT(ROLE_DEPT))

#define AUTH_TOKEN_HEX 64
#define AUTH_SESSION_SECONDS (8 * 3600)
#define AUTH_MIN_PASSWORD 8
#define AUTH_MAX_PASSWORD 256

struct auth_user {
    int64_t id;
    char name[72];
    enum auth_role role;
    int64_t dept_id;   /* canonical department id; 0 unless role == ROLE_DEPT */
    char dept[160];    /* its name */
    int64_t entity_id; /* the registry entity; 0 unless role == ROLE_ENTERPRISE */
    char uscc[19];     /* its 统一社会信用代码 */
    int disabled;
};

/* Static strings: "admin" … and 管理员 …; parse returns 0 for an unknown name. */
const char *auth_role_name(enum auth_role r);
const char *auth_role_label(enum auth_role r);
int auth_role_parse(const char *s, enum auth_role *out);

/* Creates an account (audited). org is the department (name or alias in the directory) of a
 * ROLE_DEPT account or the 统一社会信用代码 of a registered entity for ROLE_ENTERPRISE; NULL for
 * the other roles. Passwords are 8–256 bytes. */
enum status auth_user_add(struct store *s, const char *actor, const char *name, enum auth_role role,
                          const char *org, const char *password, int64_t *id,
                          struct err *e) HQD_MUST_CHECK;
/* All accounts by name; *rows is new (free()). */
enum status auth_user_list(struct store *s, struct auth_user **rows, size_t *n,
                           struct err *e) HQD_MUST_CHECK;
enum status auth_user_get(struct store *s, const char *name, struct auth_user *out,
                          struct err *e) HQD_MUST_CHECK;
/* Sets a new password; when old is not NULL it must match. Revokes the account's sessions. */
enum status auth_user_passwd(struct store *s, const char *actor, const char *name, const char *old,
                             const char *password, struct err *e) HQD_MUST_CHECK;
/* Disables an account and revokes its sessions and tokens (the row stays). */
enum status auth_user_disable(struct store *s, const char *actor, const char *name,
                              struct err *e) HQD_MUST_CHECK;

/* Checks name/password and opens a session. Throttled per account and per address:
 * ST_THROTTLED with the wait in the message. Wrong name or password: ST_UNAUTHENTICATED with
 * the same message for both. token receives the session token (hex, NUL-terminated). */
enum status auth_login(struct store *s, const char *name, const char *password, const char *addr,
                       char token[AUTH_TOKEN_HEX + 1], struct auth_user *u,
                       struct err *e) HQD_MUST_CHECK;
/* Resolves a session or API token to its user; ST_UNAUTHENTICATED if unknown, expired,
 * revoked, or the account is disabled. */
enum status auth_resolve(struct store *s, const char *token, struct auth_user *u,
                         struct err *e) HQD_MUST_CHECK;
/* Revokes a token (logout). */
enum status auth_logout(struct store *s, const char *token, struct err *e) HQD_MUST_CHECK;
/* Creates an API token for user valid for days days (audited). */
enum status auth_token_create(struct store *s, const struct auth_user *user, const char *label,
                              int days, char token[AUTH_TOKEN_HEX + 1],
                              struct err *e) HQD_MUST_CHECK;

/* Clears the in-memory throttle (tests). */
void auth_throttle_reset(void);

#endif
