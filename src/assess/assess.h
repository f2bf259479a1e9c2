/* assess: 考核 — department scores from declared, versioned rules with a drill-down of every
 * fact that added or removed points.
 *
 * Rules are data (JSON), stored as numbered versions per plan and shown to everyone:
 *   {"weights": {"timeliness": 30, "progress": 30, "completion": 25, "notices": 15},
 *    "adjust": {"accountability": -200, "closed_early": 100, "missing_report": -50}}
 * Weights are points summing to 100; adjustments are in hundredths of a point per fact
 * (-200: minus 2 points per unanswered 督办 that became an accountability event).
 * A department's score for a quarter (2020-Q2) or a year (2020), in hundredths of a point:
 *   timeliness  weight × reports on time / reports due, over the months of the period;
 *   progress    weight × mean over its lead tasks of min(1, progress / 序时进度) at the end;
 *   completion  weight × tasks finished by their deadline / tasks due within the period;
 *   notices     weight × notices answered within their limit / notices issued in the period;
 *   plus the adjustments. With nothing to measure an item scores its full weight.
 * Ratios round half up to 0.01 point. Ranks are competition ranks (1, 2, 2, 4). Results are
 * frozen when published; re-running with a new rule version never touches a published one. */
#ifndef HQD_ASSESS_H
#define HQD_ASSESS_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct store;
struct calendar;
typedef struct json_t json_t;

/* The default rules above, as JSON text (static). */
const char *assess_default_rules(void);

/* Validates rules (unknown keys, negative weights, weights not summing to 100 are refused) and
 * stores them as the plan's next version; *version receives it. */
enum status assess_rules_add(struct store *s, const char *actor, int64_t plan_id,
                             const char *json_text, int *version, struct err *e) HQD_MUST_CHECK;
/* The plan's rule versions, newest first: [{"id","version","rules","sha256","created_at",…}];
 * the defaults are stored as version 1 on first use. *out is new. */
enum status assess_rules_list(struct store *s, const char *actor, int64_t plan_id, json_t **out,
                              struct err *e) HQD_MUST_CHECK;

/* Computes the scores of a period with the latest rule version and stores them as a draft;
 * *id its row. */
enum status assess_run(struct store *s, const struct calendar *cal, const char *actor,
                       int64_t plan_id, const char *period, int64_t *id,
                       struct err *e) HQD_MUST_CHECK;
/* Freezes a draft. Publishing twice is ST_CONFLICT. */
enum status assess_publish(struct store *s, const char *actor, int64_t id,
                           struct err *e) HQD_MUST_CHECK;
/* One assessment: {"id","period","status","rules_version","rules","results":[…]}; *out new. */
enum status assess_get(struct store *s, int64_t id, json_t **out, struct err *e) HQD_MUST_CHECK;
/* The plan's assessments, newest first; *out new. */
enum status assess_list(struct store *s, int64_t plan_id, json_t **out,
                        struct err *e) HQD_MUST_CHECK;

#endif
