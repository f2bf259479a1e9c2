/* ledger: the 台账 — reporting periods, progress reports (with versions and attachments) and
 * traffic lights against 序时进度.
 *
 * A plan reports on a cadence (monthly by default, weekly or quarterly). The report for a period
 * is due a number of working days after the period ends (5 by default). A task's light for a
 * period is evaluated as of the period's end from the reports stored: green, yellow when behind
 * 序时进度 by 10–30 points or reported late, red when behind by more than 30 points, overdue, or
 * without a report two periods in a row (thresholds per plan). Lights are stored when a report
 * arrives and frozen when the office closes the period, so past periods never change. */
#ifndef HQD_LEDGER_H
#define HQD_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "base/date.h"
#include "base/err.h"

struct store;
struct calendar;
struct auth_user;
struct ledger_light;

enum ledger_cadence { CADENCE_WEEKLY, CADENCE_MONTHLY, CADENCE_QUARTERLY };
enum ledger_light_color { LIGHT_GREEN, LIGHT_YELLOW, LIGHT_RED };

struct ledger_settings {
    int64_t plan_id;
    enum ledger_cadence cadence;
    int report_due_wd;    /* working days after a period ends, 1–30 */
    struct date start_on; /* default: 成文日期 */
    struct date end_on;   /* default: the latest parsed deadline, else the year's end */
    int yellow_behind;    /* default 10 */
    int red_behind;       /* default 30 */
    int missing_red;      /* default 2 */
};

struct ledger_period {
    char key[16]; /* 2020-04, 2020-W15, 2020-Q2 */
    struct date start, end;
};

const char *ledger_cadence_name(enum ledger_cadence c); /* "weekly" … */
int ledger_cadence_parse(const char *s, enum ledger_cadence *out);
const char *ledger_light_name(enum ledger_light_color c);  /* "green" … */
const char *ledger_light_label(enum ledger_light_color c); /* 绿灯 … */
int ledger_light_parse(const char *s, enum ledger_light_color *out);

/* Parses a period key of the given cadence; returns 0 if malformed or of another cadence. */
int ledger_period_parse(const char *key, enum ledger_cadence c, struct ledger_period *out);
/* The period containing d, and the one before p. */
void ledger_period_of(struct date d, enum ledger_cadence c, struct ledger_period *out);
void ledger_period_prev(const struct ledger_period *p, enum ledger_cadence c,
                        struct ledger_period *out);
/* The period whose reports are being collected on day d: the last one ended before d. */
void ledger_period_reporting(struct date d, enum ledger_cadence c, struct ledger_period *out);

enum status ledger_settings_get(struct store *s, int64_t plan_id, struct ledger_settings *out,
                                struct err *e) HQD_MUST_CHECK;
/* Validates and stores the settings (office or admin), audited. Stored lights of open periods
 * are recomputed by the next report or close. */
enum status ledger_settings_set(struct store *s, const char *actor,
                                const struct ledger_settings *in, struct err *e) HQD_MUST_CHECK;
/* The report deadline of a period. */
struct date ledger_report_deadline(const struct calendar *cal, const struct ledger_settings *st,
                                   const struct ledger_period *p);

/* ---- tasks ---- */

struct ledger_task {
    int64_t id, plan_id, seq;
    char *path, *section, *item_title, *text, *clause; /* clause: the item's source text */
    char *lead, *co;                                   /* names joined by 、 */
    struct date start_on, due_on;
    char due_source[16]; /* "office", "plan" (parsed deadline), "default" */
    char *deadline_text;
    int closed;
    int lead_dept, co_dept; /* for the asking department: 1 if it leads / cooperates */
    int collective;         /* a collective phrase (各相关部门) is among its departments: every
                               department sees it */
};

struct ledger_filter {
    int64_t plan_id;     /* required */
    int64_t dept_id;     /* 0: any; else tasks it leads or cooperates on, plus collective ones */
    int only_dept;       /* with dept_id: drop tasks visible only through a collective phrase */
    const char *q;       /* substring of path, title or text; NULL: any */
    const char *section; /* top-level heading path, e.g. "二"; NULL: any */
    int light;           /* -1: any; else enum ledger_light_color for period */
    const char *period;  /* for light; NULL: the reporting period */
    int page, per_page;  /* 1-based page; per_page 1–200, or -1 for all in one page */
};

struct ledger_task_row {
    struct ledger_task t;
    enum ledger_light_color light;
    int expected, progress; /* progress -1 when nothing reported */
    char reason[192];
    int reported; /* a lead report exists for the period */
};

/* Lists tasks of a plan with their lights for the period. *total counts every match before
 * paging. *rows is new: free with ledger_task_rows_free. */
enum status ledger_tasks(struct store *s, const struct calendar *cal, const struct ledger_filter *f,
                         struct ledger_task_row **rows, size_t *n, size_t *total,
                         char period_out[16], struct err *e) HQD_MUST_CHECK;
void ledger_task_rows_free(struct ledger_task_row *rows, size_t n);
/* One task; dept_id (0: none) sets lead_dept/co_dept. ST_NOT_FOUND if there is none. */
enum status ledger_task_get(struct store *s, int64_t task_id, int64_t dept_id,
                            struct ledger_task *out, struct err *e) HQD_MUST_CHECK;
void ledger_task_cleanup(struct ledger_task *t);
/* The office sets a task's window; NULL keeps a date. ST_UNPROCESSABLE if start > due. */
enum status ledger_task_set_dates(struct store *s, const char *actor, int64_t task_id,
                                  const struct date *start, const struct date *due,
                                  struct err *e) HQD_MUST_CHECK;

/* Walks a list of names joined by 、 (ledger_task.lead/co): sets *name and *len to the next one
 * and advances *cursor; returns 0 at the end. */
int ledger_next_name(const char **cursor, const char **name, size_t *len);

/* The ids of a plan's tasks with a late lead report for period, ascending. *ids is new (free()).
 */
enum status ledger_late_tasks(struct store *s, int64_t plan_id, const char *period, int64_t **ids,
                              size_t *n, struct err *e) HQD_MUST_CHECK;
/* 1 if id is in the ascending ids. */
int ledger_ids_contain(const int64_t *ids, size_t n, int64_t id);

/* ---- reports ---- */

struct ledger_report_input {
    int64_t task_id;
    const char *period;
    int progress; /* 0–100 for a lead report; ignored (and may be -1) for a co report */
    const char *done, *problems, *next;
};

struct ledger_report {
    int64_t id, task_id;
    char dept[160];
    char role[8]; /* lead, co */
    char period[16];
    int version;
    int progress; /* -1 for co reports */
    char *done, *problems, *next;
    int late;
    char submitted_by[72];
    char submitted_at[24];
    size_t attachments;
};

/* Submits or amends the asking clerk's report (audited, one transaction). The department must
 * lead the task (a lead report) or cooperate on it (a 配合情况 report). The period must have
 * begun and must not end before the task starts (an overdue task keeps reporting). A report after
 * the deadline is accepted and marked late; an amendment is accepted until the deadline
 * (ST_CONFLICT after). The task's light for the period is recomputed unless the period is closed,
 * and returned in *light (may be NULL). */
enum status ledger_report_submit(struct store *s, const struct calendar *cal,
                                 const struct auth_user *u, const struct ledger_report_input *in,
                                 struct ledger_report *out, struct ledger_light *light,
                                 struct err *e) HQD_MUST_CHECK;
/* Every version of every report on a task, newest period first. *rows: ledger_reports_free. */
enum status ledger_reports(struct store *s, int64_t task_id, struct ledger_report **rows, size_t *n,
                           struct err *e) HQD_MUST_CHECK;
void ledger_reports_free(struct ledger_report *rows, size_t n);
void ledger_report_cleanup(struct ledger_report *r);

#define LEDGER_ATTACHMENT_MAX (10u << 20)

/* Checks an upload: 1–10 MiB, a safe name, an accepted type (PDF, images, Office, text, zip,
 * or application/octet-stream for formats browsers do not know, such as .ofd), content that
 * begins as its declared type's files do (a PDF with %PDF-, a .docx as a zip…), and never a
 * program or script (by name: .exe, .bat, .js…; by content: Windows, Linux and macOS
 * executables, #! scripts), whatever type it is declared as. Writes the bare MIME type into
 * ctype. */
enum status ledger_attachment_check(const char *name, const char *content_type, const void *data,
                                    size_t len, char *ctype, size_t ctype_len,
                                    struct err *e) HQD_MUST_CHECK;

/* Attaches a file to a report of the uploader's own department (audited). content_type must be
 * one of the accepted types (PDF, images, Office, text, zip). */
enum status ledger_attachment_add(struct store *s, const struct auth_user *u, int64_t report_id,
                                  const char *name, const char *content_type, const void *data,
                                  size_t len, int64_t *id, char sha256[65],
                                  struct err *e) HQD_MUST_CHECK;
/* Reads an attachment; *data is new (free()). *task_id tells whose it is. */
typedef enum status (*ledger_file_getter)(struct store *s, int64_t id, char **name,
                                          char **content_type, void **data, size_t *len,
                                          int64_t *task_id, struct err *e);
enum status ledger_attachment_get(struct store *s, int64_t id, char **name, char **content_type,
                                  void **data, size_t *len, int64_t *task_id,
                                  struct err *e) HQD_MUST_CHECK;

struct ledger_file {
    int64_t id;
    char name[256];
    char content_type[128];
    int64_t size;
    char sha256[65];
    char uploaded_by[72];
    char uploaded_at[24];
};
/* The files attached to a report, oldest first, and the report's task. *out: free(). */
enum status ledger_attachments(struct store *s, int64_t report_id, int64_t *task_id,
                               struct ledger_file **out, size_t *n, struct err *e) HQD_MUST_CHECK;

/* Files live in two tables (report files here, notice files in supervise); these run the
 * caller's SQL so that storing and reading them exists once. file_insert's INSERT takes owner id,
 * name, content_type, size, sha256, data, uploader id, uploaded_at and returns the id (run it
 * inside the caller's transaction; it fills sha256). file_read's SELECT yields name,
 * content_type, data, task_id for one ? (the file id); file_list's yields id, name,
 * content_type, size, sha256, uploader name, uploaded_at for one ? (the owner id). */
enum status ledger_file_insert(struct store *s, const char *sql, int64_t owner_id,
                               int64_t uploader_id, const char *name, const char *content_type,
                               const void *data, size_t len, int64_t *id, char sha256[65],
                               struct err *e) HQD_MUST_CHECK;
enum status ledger_file_read(struct store *s, const char *sql, int64_t id, char **name,
                             char **content_type, void **data, size_t *len, int64_t *task_id,
                             struct err *e) HQD_MUST_CHECK;
enum status ledger_file_list(struct store *s, const char *sql, int64_t owner_id,
                             struct ledger_file **out, size_t *n, struct err *e) HQD_MUST_CHECK;

/* ---- lights ---- */

struct ledger_light {
    int64_t task_id;
    char period[16];
    enum ledger_light_color light;
    int expected, progress; /* progress -1: nothing reported */
    char reason[192];
    int frozen;
};

/* Evaluates one task's light for a period from the stored facts (no write). */
enum status ledger_light_eval(struct store *s, const struct calendar *cal, int64_t task_id,
                              const char *period, struct ledger_light *out,
                              struct err *e) HQD_MUST_CHECK;
/* The stored history of a task's lights, oldest first. *rows is new (free()). */
enum status ledger_light_history(struct store *s, int64_t task_id, struct ledger_light **rows,
                                 size_t *n, struct err *e) HQD_MUST_CHECK;
/* Closes a period of a plan: evaluates and freezes every task's light (audited). Closing twice
 * is ST_CONFLICT; a period that has not ended is ST_UNPROCESSABLE. */
enum status ledger_period_close(struct store *s, const struct calendar *cal, const char *actor,
                                int64_t plan_id, const char *period, size_t *tasks,
                                struct err *e) HQD_MUST_CHECK;
/* Whether a period of a plan is closed. */
enum status ledger_period_closed(struct store *s, int64_t plan_id, const char *period, int *closed,
                                 struct err *e) HQD_MUST_CHECK;

#endif
