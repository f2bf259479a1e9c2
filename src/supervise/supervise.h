/* supervise: the office's supervision loop — 督办 notices with an escalation ladder
 * (提醒 → 催办 → 督办), accountability events, and 销号 (closing a task).
 *
 * A notice goes to a department about a task, with a reason and a response limit in working
 * days. The department signs for it (签收) and answers (反馈); the office accepts the answer or
 * returns it. supervise_run() applies the automatic rules of a plan as of a day: a task red in the
 * reporting period gets a 催办 when it has no open notice; a notice unanswered past its limit is
 * escalated one level (a new notice; the old one is marked escalated); an unanswered 督办 past its
 * limit records an accountability event (约谈候选). Every step is one audited transaction. */
#ifndef HQD_SUPERVISE_H
#define HQD_SUPERVISE_H

#include <stddef.h>
#include <stdint.h>

#include "base/date.h"
#include "base/err.h"

struct store;
struct calendar;
struct auth_user;
struct ledger_file;

enum notice_level { NOTICE_REMIND, NOTICE_URGE, NOTICE_SUPERVISE };

const char *supervise_level_name(enum notice_level l);  /* remind, urge, supervise */
const char *supervise_level_label(enum notice_level l); /* 提醒, 催办, 督办 */
int supervise_level_parse(const char *s, enum notice_level *out);

struct supervise_settings {
    int64_t plan_id;
    int auto_urge;   /* default 1 */
    int limit_wd[3]; /* per level, default 5, 3, 2 working days */
};

enum status supervise_settings_get(struct store *s, int64_t plan_id, struct supervise_settings *out,
                                   struct err *e) HQD_MUST_CHECK;

struct notice {
    int64_t id, task_id, parent_id;
    char task_path[96];
    char dept[160];
    enum notice_level level;
    char reason[512];
    int limit_wd;
    char issued_on[11], due_on[11];
    char status[12]; /* open, signed, answered, accepted, returned, escalated */
    char origin[8];  /* office, auto */
    char issued_by[72];
    char *answer;
    char decision_note[512];
    int accountable; /* an accountability event was recorded for it */
    int attachments; /* files attached to the answer */
};

void supervise_notices_free(struct notice *v, size_t n);

/* The office issues a notice on a task to its lead department, and to its cooperating ones too
 * when include_co. limit_wd <= 0 takes the plan's limit for the level. *ids receives up to 16
 * new ids; *n their count. */
enum status supervise_issue(struct store *s, const struct calendar *cal, const char *actor,
                            int64_t task_id, enum notice_level level, const char *reason,
                            int limit_wd, int include_co, int64_t ids[16], size_t *n,
                            struct err *e) HQD_MUST_CHECK;

/* The department of u signs for / answers its notice. Signing an open or returned notice;
 * answering a signed or returned one (signing implicitly). */
enum status supervise_sign(struct store *s, const struct auth_user *u, int64_t id,
                           struct err *e) HQD_MUST_CHECK;
enum status supervise_answer(struct store *s, const struct auth_user *u, int64_t id,
                             const char *text, struct err *e) HQD_MUST_CHECK;
/* The office accepts an answered notice, or returns it with a note (it must be answered again). */
enum status supervise_decide(struct store *s, const char *actor, int64_t id, int accept,
                             const char *note, struct err *e) HQD_MUST_CHECK;

/* The department of u attaches a file to its notice (with or before its answer). */
enum status supervise_attach(struct store *s, const struct auth_user *u, int64_t notice_id,
                             const char *name, const char *content_type, const void *data,
                             size_t len, int64_t *id, char sha256[65],
                             struct err *e) HQD_MUST_CHECK;
/* Reads a notice attachment; *data is new (free()); *task_id tells whose it is. */
enum status supervise_attachment_get(struct store *s, int64_t id, char **name, char **content_type,
                                     void **data, size_t *len, int64_t *task_id,
                                     struct err *e) HQD_MUST_CHECK;

/* The files attached to a notice, oldest first. *out: free(). */
enum status supervise_attachments(struct store *s, int64_t notice_id, struct ledger_file **out,
                                  size_t *n, struct err *e) HQD_MUST_CHECK;

/* The office sets a plan's supervision settings (audited). Limits are 1–60 working days. */
enum status supervise_settings_set(struct store *s, const char *actor,
                                   const struct supervise_settings *in,
                                   struct err *e) HQD_MUST_CHECK;

struct notice_filter {
    int64_t task_id; /* 0: any */
    int64_t dept_id; /* 0: any */
    int active;      /* only notices still waiting for someone (open, signed, answered, returned) */
};

/* Notices, newest first; *v is new: supervise_notices_free. */
enum status supervise_notices(struct store *s, const struct notice_filter *f, struct notice **v,
                              size_t *n, struct err *e) HQD_MUST_CHECK;

struct supervise_result {
    size_t urged;       /* 催办 raised for red tasks */
    size_t escalated;   /* notices escalated one level */
    size_t accountable; /* accountability events recorded */
};

/* Applies the automatic rules of a plan as of today (see the top of this file). */
enum status supervise_run(struct store *s, const struct calendar *cal, const char *actor,
                          int64_t plan_id, struct date today, struct supervise_result *out,
                          struct err *e) HQD_MUST_CHECK;

/* ---- 销号 ---- */

/* The lead department asks to close a task, with evidence. */
enum status supervise_close_request(struct store *s, const struct auth_user *u, int64_t task_id,
                                    const char *evidence, int64_t *id,
                                    struct err *e) HQD_MUST_CHECK;
/* The office approves (the task is closed today; its light is green from then on) or rejects
 * (with a reason) a pending request. */
enum status supervise_close_decide(struct store *s, const char *actor, int64_t closure_id,
                                   int approve, const char *note, struct err *e) HQD_MUST_CHECK;
struct closure {
    int64_t id, task_id;
    char task_path[96];
    char dept[160];
    char *evidence;
    char status[12]; /* requested, approved, rejected, reopened */
    char requested_by[72], requested_at[24];
    char decided_by[72], decided_at[24];
    char note[512];
};

/* Closure requests of a task (task_id > 0) or every pending one (task_id == 0), newest first.
 * *v is new: supervise_closures_free. */
enum status supervise_closures(struct store *s, int64_t task_id, struct closure **v, size_t *n,
                               struct err *e) HQD_MUST_CHECK;
void supervise_closures_free(struct closure *v, size_t n);

/* The office reopens a closed task, with a reason. */
enum status supervise_reopen(struct store *s, const char *actor, int64_t task_id, const char *note,
                             struct err *e) HQD_MUST_CHECK;

#endif
