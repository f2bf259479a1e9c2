/* bulletin: the per-period 通报 — generated from the stored facts as a draft, reviewed, then
 * published as a frozen snapshot whose three renderings (web page, Excel workbook, Word
 * document in 公文 layout) are stored byte for byte, so a bulletin downloaded years later is the
 * one that was published.
 *
 * Content: headline counts (tasks, closed, lights, reports due / on time / late / missing), one
 * row per lead department (tasks led, on-time %, average progress against 序时进度, red and
 * yellow counts, open notices), the red and yellow task lists with reasons, a praise list and an
 * accountability list produced by the declared rules below, and sentences built from the numbers
 * ("本期应报任务55项，按时报送52项，按时报送率94.5%"). */
#ifndef HQD_BULLETIN_H
#define HQD_BULLETIN_H

#include <stddef.h>
#include <stdint.h>

#include "base/err.h"

struct store;
struct calendar;
typedef struct json_t json_t;

enum bulletin_format { BULLETIN_HTML, BULLETIN_XLSX, BULLETIN_DOCX };

/* Returns borrowed, static: "html", "xlsx", "docx"; parse returns 0 for another. */
const char *bulletin_format_name(enum bulletin_format f);
int bulletin_format_parse(const char *s, enum bulletin_format *out);
const char *bulletin_format_type(enum bulletin_format f); /* its MIME type */

/* The declared rules of the praise and accountability lists, in Chinese, for display. */
const char *bulletin_praise_rule(void);
const char *bulletin_critic_rule(void);

/* Computes the content of plan's bulletin for period from the store (no write).
 * *out is new (json_decref). */
enum status bulletin_compute(struct store *s, const struct calendar *cal, int64_t plan_id,
                             const char *period, json_t **out, struct err *e) HQD_MUST_CHECK;

/* Renders content in a format; *data is new (free()). Deterministic for the same content
 * except where a format embeds a creation time (xlsx). */
enum status bulletin_render(const json_t *content, enum bulletin_format f, char **data, size_t *len,
                            struct err *e) HQD_MUST_CHECK;

/* Generates (or regenerates) the draft of a period, audited; *id its row. ST_CONFLICT if the
 * period's bulletin is already published. */
enum status bulletin_generate(struct store *s, const struct calendar *cal, const char *actor,
                              int64_t plan_id, const char *period, int64_t *id,
                              struct err *e) HQD_MUST_CHECK;
/* Publishes a draft: renders the three formats, stores them with their SHA-256 and freezes the
 * bulletin (audited). Publishing twice is ST_CONFLICT. */
enum status bulletin_publish(struct store *s, const char *actor, int64_t id,
                             struct err *e) HQD_MUST_CHECK;

struct bulletin_info {
    int64_t id, plan_id;
    char period[16];
    char status[12]; /* draft, published */
    int number;      /* 期号 within the plan, once published */
    char generated_at[24], published_at[24], published_by[72];
    char sha256[3][65]; /* per format, once published */
};

enum status bulletin_list(struct store *s, int64_t plan_id, struct bulletin_info **v, size_t *n,
                          struct err *e) HQD_MUST_CHECK;
/* The content of a bulletin (json, new) and its info. */
enum status bulletin_get(struct store *s, int64_t id, struct bulletin_info *info, json_t **content,
                         struct err *e) HQD_MUST_CHECK;
/* The bytes of a format: the stored ones for a published bulletin, rendered for a draft.
 * *data is new (free()). */
enum status bulletin_export(struct store *s, int64_t id, enum bulletin_format f, char **data,
                            size_t *len, struct err *e) HQD_MUST_CHECK;

#endif
