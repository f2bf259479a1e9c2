/* Internals of the ledger module. */
#ifndef HQD_LEDGER_INT_H
#define HQD_LEDGER_INT_H

#include "ledger/ledger.h"

/* What a light is computed from, for one task and one period. */
struct light_facts {
    struct date start, due;
    int closed;
    int progress;    /* latest lead progress up to the period, -1 if none */
    int late;        /* a lead report for the period was late */
    int missing_run; /* periods in a row, ending with this one, without a lead report */
    int frozen;      /* a frozen stored light exists: use stored */
};

/* Counts the periods in a row, back from p, that went without a lead report although their
 * report deadline has passed by today. A period counts only once a week of it lies within the
 * task's window (a task signed on 31 March owes no report for March). has(ctx, key) tells
 * whether a period has a report. */
int ledger_missing_run(const struct ledger_settings *st, const struct calendar *cal,
                       struct date today, const struct ledger_period *p, struct date start,
                       int (*has)(void *ctx, const char *key), void *ctx);

/* Pure: the light of a task for period p given its facts and the plan's settings. */
void ledger_light_from_facts(const struct ledger_settings *st, const struct ledger_period *p,
                             const struct light_facts *f, struct ledger_light *out);

/* Reads the dates of a task (effective start and due, closed). */
enum status ledger_task_window(struct store *s, const struct ledger_settings *st, int64_t task_id,
                               struct date *start, struct date *due, int *closed, char *source,
                               size_t source_len, struct err *e);

/* ledger_light_eval for a task whose plan settings the caller already has. */
enum status ledger_light_eval_in(struct store *s, const struct calendar *cal,
                                 const struct ledger_settings *st, int64_t task_id,
                                 const struct ledger_period *p, struct ledger_light *out,
                                 struct err *e);

/* Writes (task, period)'s light unless it is frozen; freeze = 1 freezes it. Inside the
 * caller's transaction. */
enum status ledger_light_store(struct store *s, const struct ledger_light *l, int freeze,
                               struct err *e);

#endif
