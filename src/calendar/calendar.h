/* calendar: China's working days. Weekends are off and weekdays on, except the statutory
 * holidays and 调休 make-up working days of the State Council's annual notices (shipped in
 * data/cn-workdays.txt, 2020–2026) and the days an office adds with `hqd calendar add`.
 * Every "N 个工作日" limit in hqd (report deadlines, notice responses) counts with it. */
#ifndef HQD_CALENDAR_H
#define HQD_CALENDAR_H

#include <stddef.h>

#include "base/date.h"
#include "base/err.h"

struct store;
struct calendar;

enum calendar_kind { CAL_HOLIDAY, CAL_WORKDAY };

struct calendar_day {
    struct date day;
    enum calendar_kind kind;
    char name[64]; /* 春节, 劳动节调休 … (UTF-8, truncated) */
};

/* Returns new: the shipped calendar only (free with calendar_free). */
struct calendar *calendar_builtin(void);
/* The shipped calendar plus the store's additions (which win on the same day). */
enum status calendar_load(struct store *s, struct calendar **out, struct err *e) HQD_MUST_CHECK;
void calendar_free(struct calendar *c);

int calendar_is_workday(const struct calendar *c, struct date d);
/* The date n working days after d (d itself is not counted; n >= 0; n == 0 returns d). */
struct date calendar_add_workdays(const struct calendar *c, struct date d, int n);
/* How many working days come after from, up to and including to: how late a thing due on from
 * is on to (0 when to is not after from). */
int calendar_workdays_between(const struct calendar *c, struct date from, struct date to);
/* Returns 1 if the calendar has holiday data for year y. */
int calendar_has_year(const struct calendar *c, int y);
/* The name of d's holiday or make-up day, or NULL for an ordinary day. Borrowed. */
const char *calendar_day_name(const struct calendar *c, struct date d);

/* Parses calendar text (lines "DATE[..DATE] holiday|workday NAME", # comments). Errors name
 * the line and column. *days is new (free()). A workday that is not a weekend, or a holiday
 * on a weekend inside a range, is accepted; a workday listed as holiday too is an error. */
enum status calendar_parse(const char *text, size_t len, const char *name,
                           struct calendar_day **days, size_t *n, struct err *e) HQD_MUST_CHECK;

/* Adds the days of text to the store in one audited transaction; nothing is added if any
 * line is bad. *added counts the days written. */
enum status calendar_add(struct store *s, const char *actor, const char *text, size_t len,
                         const char *name, size_t *added, struct err *e) HQD_MUST_CHECK;

#endif
