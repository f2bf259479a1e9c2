/* award: 惠企政策 applications and the payout ledger. An application is computed by a stored,
 * hash-identified rule pack; the office's approval recomputes it inside the write transaction
 * against what the entity has already received under the clause that year, and appends a line
 * to an append-only, hash-chained ledger. Reversals (追回) are new, negative lines. The verifier
 * replays every line from its inputs and pack and checks the chain and the caps. */
#ifndef HQD_AWARD_H
#define HQD_AWARD_H

#include <stddef.h>
#include <stdint.h>

#include "base/date.h"
#include "base/err.h"
#include "policy/policy.h"

struct calendar;

struct store;
struct policy_input;

/* Stores a pack's text (checked first; the same text twice is one row). *id is its row. */
enum status award_pack_store(struct store *s, const char *actor, const char *text, size_t len,
                             const char *source, int64_t *id, struct err *e) HQD_MUST_CHECK;

/* The pack applications are computed by now: the newest stored, else the example (nothing is
 * written). *p: policy_pack_free. */
struct policy_pack;
enum status award_pack_current(struct store *s, struct policy_pack **p,
                               struct err *e) HQD_MUST_CHECK;

/* entity_import_csv with every fact value checked against the current pack's inputs of that
 * name (award_pack_current): "1.234" for a money amount or "x" for a count is a row error
 * naming the clause that reads it, instead of a fact the rules later cannot use. */
struct entity_import_report;
enum status award_import_registry(struct store *s, const char *actor, const char *data, size_t len,
                                  const char *source, struct entity_import_report *rep,
                                  struct err *e) HQD_MUST_CHECK;

/* ---------------------------------------------------------------- matching an entity */

/* One result of matching an entity: clause `clause` computed on the entity's own facts
 * (matter_key NULL), or on one of its matters (事项: a contract, a project). */
struct entity;
struct award_match {
    size_t clause;
    char matter_key[48], matter[64]; /* "" for the entity's own facts */
    size_t order;                    /* of the matter among the entity's */
    struct policy_match m;
    /* What the ledger says (award_match_ledger; 0 and "" from award_match_entity alone): */
    int64_t matter_paid; /* what the matter has received, under any clause of its group */
    int64_t application; /* the entity's application a new one would repeat (for a clause
                            paid per matter, one for the same matter; otherwise one this
                            year), not rejected: its id, or 0 */
    char application_status[12];
    /* a first-come budget: what is left of the year's envelope after what was paid and what
       pending applications hold (what a match adds is at most this); -1: no such budget */
    int64_t budget_left;
    int pro_rata; /* the clause's budget is shared at batch close: the amount is provisional */
};
/* Matches entity en against every clause of p (policy_match_one). A clause that names its
 * matters by an input (exclusive GROUP KEY, e.g. contract_no) is matched once per matter of that
 * key the entity has — its own facts overlaid with the matter's — or, with none, on its own
 * facts; every other clause on its own facts alone. received (may be NULL: nothing) is what the
 * entity has had under each clause this year; each eligible matter counts toward the next one's
 * yearly cap, as applying for all of them would. Results in clause order, a clause's matters in
 * order. *out: award_matches_free. */
enum status award_match_entity(const struct policy_pack *p, const struct entity *en, struct date on,
                               const int64_t *received, struct award_match **out, size_t *n,
                               struct err *e) HQD_MUST_CHECK;
void award_matches_free(struct award_match *v, size_t n);
/* award_match_entity against the ledger: each yearly cap counts what the entity has received
 * under the clause in on's year (*received: policy_pack_clauses(p) entries, new; free it), and
 * each match is told what its matter already received and the application it would repeat. */
enum status award_match_ledger(struct store *s, const struct policy_pack *p,
                               const struct entity *en, struct date on, struct award_match **out,
                               size_t *n, int64_t **received, struct err *e) HQD_MUST_CHECK;
/* What a match adds now: its payable amount (policy_match_payable) less what its matter
 * already received (就高不就低), never below 0, and never above a first-come budget's rest. */
int64_t award_match_payable(const struct award_match *a);
/* Its state as the lists give it: "qualifies", "received" (qualifies, but its matter has had as
 * much already), "near", "awaiting" (a parameter the office has not set) or "no". */
const char *award_match_state(const struct award_match *a);
/* One sentence on what the ledger says of a match ("" when nothing): the matter's payment and
 * what is left, or the application already filed. Returns out. */
const char *award_match_standing(const struct policy_pack *p, const struct award_match *a,
                                 char *out, size_t cap);
/* Corrects a bulk match over the fact columns (policy_eval_bulk_text: the entities' own facts,
 * rows by entity id, amounts[c * rows + id] as it gives them) for the entities that have
 * matters: their rows are replaced by award_match_entity's results, nothing received yet.
 * *corrected: how many entities that was. */
struct policy_bulk;
enum status award_bulk_matters(struct store *s, const struct policy_pack *p, struct date on,
                               const int64_t *amounts, size_t rows, struct policy_bulk *out,
                               size_t *corrected, struct err *e) HQD_MUST_CHECK;

/* The office sets a parameter the plan leaves to it (e.g. innovation-voucher.voucher_share):
 * the newest stored pack's text with the value written in is stored as a new pack version
 * (checked like any pack: type and the clause's legal bounds), which applications use from now
 * on; applications and ledger lines keep naming the version they were computed by. One audited
 * transaction. *id is the new pack's row. */
enum status award_param_set(struct store *s, const char *actor, const char *clause,
                            const char *name, const char *value, int64_t *id,
                            struct err *e) HQD_MUST_CHECK;

struct award_outcome {
    int64_t id;        /* the application */
    int64_t payout_id; /* the ledger line written by an approval; 0 if none */
    int eligible;
    int64_t amount_fen;
    const char *capped_by; /* static or NULL */
    char explanation[2048];
    /* a filed application's 兑现时限 (limit_wd 0: none), and why its date may come early: a
       year it crosses that the calendar has no holidays for ("" otherwise) */
    int limit_wd;
    char due_on[11];
    char due_note[160];
};
/* o's deadline as the API and --json give it: null, or {limit_workdays, due_on, note}. New
 * reference. */
struct json_t *award_outcome_deadline_json(const struct award_outcome *o);

/* Files an application of the entity with this USCC for clause, computed by the newest stored
 * pack (the example pack is stored first if there is none) on date on. ST_NOT_FOUND for an
 * unknown entity or clause; ST_UNPROCESSABLE if the clause is not for this kind of applicant. */
enum status award_apply(struct store *s, const char *actor, const char *uscc, const char *clause,
                        const struct policy_input *in, size_t n, struct date on,
                        struct award_outcome *out, struct err *e) HQD_MUST_CHECK;

/* 免申即享: the office files, for every entity that qualifies for clause on date on by certified
 * facts alone (市场监管, 税务, 技术合同登记), the application the entity would have filed, from
 * those facts — one transaction, each application audited. Not filed, and counted: an entity
 * whose match rests on self-declared facts (快申快享: it applies itself, with evidence), one
 * whose facts lack the clause's matter key (e.g. contract_no), one that already has an
 * application it would repeat (pending or approved: for the same matter, or for a clause without
 * a matter key any in the year), one that the yearly cap, the matter's earlier award or the
 * budget leaves nothing. */
enum award_skip {
    AWARD_SKIP_SELF_DECLARED, /* "self_declared": 快申快享, the entity applies with evidence */
    AWARD_SKIP_INCOMPLETE,    /* "incomplete": its facts lack the clause's matter key */
    AWARD_SKIP_DUPLICATE,     /* "duplicate": it already has such an application */
    AWARD_SKIP_NOTHING_LEFT,  /* "nothing_left": cap, matter or budget leaves nothing */
    AWARD_SKIP_SUPERSEDED /* "superseded": another clause of its group pays more (就高不就低) */
};
struct award_skipped {
    char uscc[19];
    char *name;
    enum award_skip reason;
    char *text; /* zh-CN, the reason in full (which self-declared inputs, which key…) */
};
struct award_proposals {
    size_t filed;
    int64_t amount_fen; /* what the filed applications ask, as computed now */
    size_t self_declared, incomplete, duplicates, nothing_left, superseded;
    /* every entity not filed, in registry order: an office follows these up one by one */
    struct award_skipped *skipped;
    size_t n_skipped, skipped_cap;
};
/* On success the caller frees out with award_proposals_cleanup. */
enum status award_propose(struct store *s, const char *actor, const char *clause, struct date on,
                          struct award_proposals *out, struct err *e) HQD_MUST_CHECK;
void award_proposals_cleanup(struct award_proposals *p);
/* {filed, amount_fen, self_declared, incomplete, duplicates, nothing_left, superseded, skipped:
 * [{uscc, name, reason, text}]}, reason as named in enum award_skip. New reference. */
struct json_t *award_proposals_json(const struct award_proposals *p);

/* Approves (writes a ledger line for the recomputed amount, if above 0) or rejects (note
 * required) a submitted application, in one transaction. ST_CONFLICT if already decided. */
enum status award_decide(struct store *s, const char *actor, int64_t application_id, int approve,
                         const char *note, struct award_outcome *out, struct err *e) HQD_MUST_CHECK;

/* Closes the pro-rata batch of clause in year: every pending application is recomputed in
 * 受理 order; if their claims exceed what is left of the yearly budget, each gets its share
 * floor(claim × left / demand) and the remaining fen go one each to the largest fractional
 * parts (ties to the earlier application). One transaction: every eligible application is
 * approved with a ledger line (even of 0 fen, so the allocation can be replayed); ineligible
 * ones stay pending for the office to reject. ST_CONFLICT if the clause is not pro-rata. */
struct award_batch {
    int64_t batch; /* the id of its first ledger line */
    size_t approved, skipped;
    int64_t demand_fen, avail_fen, paid_fen;
    int64_t budget_fen, used_fen; /* the envelope and what was paid from it before the batch */
    const char *allocation;       /* award_batch_preview: "fcfs" or "pro-rata" */
    char priority[160];           /* pro-rata by priority class: the ranking input's label, or "" */
    struct award_share {
        int64_t application_id;
        char uscc[19], entity_name[160];
        int eligible;
        int64_t claim_fen, share_fen;
        char note[440]; /* why it is left out (缺少证明材料：…), or "" */
    } * shares;         /* award_batch_preview only: each pending application, in 受理 order */
    size_t n_shares;
};
enum status award_close_batch(struct store *s, const char *actor, const char *clause, int year,
                              struct award_batch *out, struct err *e) HQD_MUST_CHECK;
/* 批量审批: every application pending under clause in year (proposed_only: the 免申即享 ones the
 * office filed from certified data) approved in 受理 order, each by award_decide's own code and
 * checks, in one transaction; one a check refuses (missing evidence, the matter paid, the cap,
 * a first-come budget run out) stays pending with its reason. dry_run: the same, rolled back.
 * out->shares: each application (award_batch_cleanup); out->allocation "fcfs" or "none".
 * ST_NOT_FOUND when nothing is pending; ST_CONFLICT for a pro-rata clause (close its batch). */
enum status award_approve_pending(struct store *s, const char *actor, const char *clause, int year,
                                  int proposed_only, int dry_run, struct award_batch *out,
                                  struct err *e) HQD_MUST_CHECK;
/* 试算 of a clause's yearly budget, nothing written: for a pro-rata clause the batch's shares as
 * award_close_batch would pay them now; for a first-come-first-served one what each pending
 * application would get if all were approved in 受理 order now (by the approval's own code;
 * a refused one keeps its reason in note). With budget_fen > 0, as if the year's envelope were
 * that instead (what if the budget were 5 M instead of 3 M?); -1 keeps the pack's, 0 is refused.
 * out->shares: award_batch_cleanup. */
enum status award_batch_preview(struct store *s, const char *clause, int year, int64_t budget_fen,
                                struct award_batch *out, struct err *e) HQD_MUST_CHECK;
void award_batch_cleanup(struct award_batch *b);
/* {allocation, budget_fen, used_fen, demand_fen, avail_fen, paid_fen, approved, skipped, shares:
 * [{application_id, uscc, entity_name, eligible, claim_fen, share_fen, note}]}. New reference. */
struct json_t *award_batch_json(const struct award_batch *b);

/* Appends the reversal (追回) of ledger line payout_id. ST_CONFLICT if it is a reversal itself
 * or was already reversed. */
enum status award_reverse(struct store *s, const char *actor, int64_t payout_id, const char *note,
                          int64_t *id, struct err *e) HQD_MUST_CHECK;

/* ---------------------------------------------------------------- reading */

struct award_app {
    int64_t id, entity_id, pack_id;
    char uscc[19], entity_name[160], kind[12];
    char clause[64], status[12];
    char applied_on[11], submitted_at[24], submitted_by[72], decided_at[24], decided_by[72];
    int64_t amount_fen; /* as computed on submission, then as approved */
    int64_t paid_fen;   /* the ledger lines for it, reversals included */
    char *inputs;       /* canonical JSON object */
    char inputs_sha256[65];
    char origin[12]; /* applied, or proposed (免申即享 from certified data: no evidence needed) */
    char *explanation;
    char *note;
    /* 兑现时限, fixed on filing: the clause's working days from 受理 (0: none) and their end */
    int limit_wd;
    char due_on[11];
    /* as of a day (award_app_timing; NULL until then): "none", "open" (timing_days working
       days left, 0 on the day itself), "overdue" (still undecided timing_days working days
       after due_on), "on_time" or "late" (decided timing_days working days after due_on) */
    const char *timing;
    int timing_days;
    char timing_text[120]; /* the same in zh-CN, with the date */
};
struct award_app_filter {
    int64_t entity_id;  /* 0: all */
    const char *status; /* submitted, approved, rejected; NULL: all */
    const char *clause; /* NULL: all */
    int year;           /* of 受理日期; 0: all */
    /* with cal: each application's timing as of today; overdue keeps the undecided ones past
       their 兑现时限 only */
    const struct calendar *cal;
    struct date today;
    int overdue;
};
/* Applications matching f, newest first. *out: award_apps_free. */
enum status award_applications(struct store *s, const struct award_app_filter *f,
                               struct award_app **out, size_t *n, struct err *e) HQD_MUST_CHECK;
enum status award_application(struct store *s, int64_t id, struct award_app *out,
                              struct err *e) HQD_MUST_CHECK;
void award_apps_free(struct award_app *v, size_t n);
/* Where a stands against its 兑现时限 on today (a decision counts on its day in China). */
void award_app_timing(const struct calendar *cal, struct date today, struct award_app *a);
/* How applications with a 兑现时限 stand (award_app_timing done): undecided within it or past
 * it, decided within it or late. The rate a leader reads is on_time / (on_time + late). */
struct award_timing_totals {
    size_t open, overdue, on_time, late;
};
void award_timing_count(const struct award_app *v, size_t n, struct award_timing_totals *t);
/* What every application a filter keeps adds up to, whatever page of them is read. */
struct award_app_totals {
    size_t n;
    int64_t amount_fen, paid_fen;
    struct award_timing_totals timing; /* with f->cal */
};
/* award_applications a page at a time: the kept rows offset to offset + limit − 1 (limit
 * SIZE_MAX: all), and *t over all of them. */
enum status award_applications_page(struct store *s, const struct award_app_filter *f,
                                    size_t offset, size_t limit, struct award_app **out, size_t *n,
                                    struct award_app_totals *t, struct err *e) HQD_MUST_CHECK;
/* {open, overdue, on_time, late, on_time_rate (a string of percent with one decimal, or null
 * before any decision)}. New reference. */
struct json_t *award_timing_json(const struct award_timing_totals *t);
/* An application as the API and the CLI's --json give it; full adds inputs and explanation;
 * with its timing, deadline: {limit_workdays, due_on, state, workdays, text} (null without a
 * 兑现时限). New reference. */
struct json_t *award_app_json(const struct award_app *a, int full);
void award_app_cleanup(struct award_app *a); /* one read by award_application */
/* The entity's other applications under the same clause with exactly a's inputs (the same
 * inputs SHA-256), not rejected, oldest first: a second application for the same thing, which
 * a clause without matters cannot tell by itself. *ids: new (free it). */
enum status award_same_inputs(struct store *s, const struct award_app *a, int64_t **ids, size_t *n,
                              struct err *e) HQD_MUST_CHECK;

struct award_payout {
    int64_t id, application_id, entity_id, amount_fen, claimed_fen, reverses_id, batch;
    char uscc[19], entity_name[160], clause[64], matter[160];
    int year;
    int reversed; /* a later line reverses this one */
    char created_at[24], created_by[72], hash[65];
};
/* Ledger lines, oldest first: of one entity (entity_id > 0), one application
 * (application_id > 0), one year (year > 0), or all. *out: free(). */
enum status award_payouts(struct store *s, int64_t entity_id, int64_t application_id, int year,
                          struct award_payout **out, size_t *n, struct err *e) HQD_MUST_CHECK;

/* What a line is, in words: 兑付, 兑付（已追回）, 追回第 N 行, 批次 N. */
void award_payout_kind(const struct award_payout *p, char *out, size_t len);
/* A line as the API and the CLI's --json give it: {id, application_id, uscc, entity_name,
 * clause, year, amount_fen, claimed_fen, reversed, created_at, created_by, hash, reverses,
 * matter, batch (null when none), kind}. New reference. */
struct json_t *award_payout_json(const struct award_payout *p);

/* 兑付台账: the lines award_payouts returns as a table for export_xlsx/export_csv, one row per
 * line (行号, 记账时间, 统一社会信用代码, 主体, 条款 with its title in the current pack, 年度,
 * 金额 in fen as a money column, 类型: 兑付 / 兑付（已追回） / 追回第 N 行 / 批次 N, 申请编号,
 * 经办人, 哈希) and a 合计 row. The cells are new: award_table_free. */
struct export_table;
enum status award_payouts_table(struct store *s, int64_t entity_id, int year,
                                struct export_table *t, struct err *e) HQD_MUST_CHECK;
/* 申请台账 as a table: every application f keeps (with f->cal, where each stands against its
 * 兑现时限), newest first — 编号, 统一社会信用代码, 主体, 条款, 受理日期, 申请金额, 已兑付 (amounts
 * that sum), 状态, 来源, 办结时限, 时限情况, 审批时间, 审批人, 审批意见 — and a 合计 row. The
 * cells are new: award_table_free. */
enum status award_applications_table(struct store *s, const struct award_app_filter *f,
                                     struct export_table *t, struct err *e) HQD_MUST_CHECK;
/* Frees the cells of a table from award_payouts_table, award_applications_table or
 * award_cases_table. */
void award_table_free(struct export_table *t);
/* Clause ci's boundary cases (policy_clause_cases, with trial param values) as a table for a
 * workbook: 条款, 情形, 输入 (as policy calc takes them), 金额 (元), 说明, 计算与依据. Free it with
 * award_table_free. */
enum status award_cases_table(const struct policy_pack *p, size_t ci,
                              const struct policy_input *trial, size_t n_trial,
                              struct export_table *t, struct err *e) HQD_MUST_CHECK;

/* Evidence (证明材料) for an application still under review, by the office or by the
 * enterprise account of the applicant (u->entity_id); checked like report attachments. */
struct auth_user;
struct ledger_file;
enum status award_file_add(struct store *s, const struct auth_user *u, int64_t application_id,
                           const char *name, const char *content_type, const char *evidence,
                           const void *data, size_t len, int64_t *id, char sha256[65],
                           struct err *e) HQD_MUST_CHECK;
/* The 证明材料 the application's clause asks for (pack lines "evidence LABEL"), each with the
 * files filed under it (evidence = LABEL in award_file_add). An application is approved only
 * when each has a file — except a 免申即享 proposal, which rests on certified data. */
#define AWARD_EVIDENCE_FILES 8
struct award_evidence {
    char label[120];
    size_t n_files;
    int64_t file_ids[AWARD_EVIDENCE_FILES];
};
enum status award_evidence_of(struct store *s, const struct award_app *a,
                              struct award_evidence **out, size_t *n, struct err *e) HQD_MUST_CHECK;
enum status award_files(struct store *s, int64_t application_id, struct ledger_file **out,
                        size_t *n, struct err *e) HQD_MUST_CHECK;
/* Reads a file; *entity_id is the applicant's (for the visibility check). */
enum status award_file_get(struct store *s, int64_t id, char **name, char **content_type,
                           void **data, size_t *len, int64_t *entity_id,
                           struct err *e) HQD_MUST_CHECK;

/* 免申即享 over the registry: one row per clause an entity qualifies for, has received, nearly
 * qualifies for, or waits on the office's parameter for (award_match_ledger's matches). */
struct entity;
struct award_list_row {
    const struct entity *entity;
    const struct award_match *match;
    const char *state; /* award_match_state: qualifies, received, near or awaiting */
    const char *said;  /* the same in zh-CN: 符合, 已享受, 接近, 待定 */
    char route[400]; /* qualifies: 免申即享 or 快申快享, with what the applicant confirms or
                        fills in; "" otherwise */
    char why[480];   /* one line for a table: how it is paid, the ledger's word, 就高不就低, or
                        what is missing by label */
    char explanation[2800]; /* the computation, then 就高不就低 and the ledger's word */
};
/* One clause's part of the list, and what its yearly envelope (on's year) has left for it. */
struct award_list_clause {
    long qualifies, automatic, near, awaiting, received;
    int64_t total_fen;      /* what its qualifying rows add */
    int64_t new_fen;        /* of that, the rows no pending application already asks for */
    const char *allocation; /* "fcfs", "pro-rata", or NULL: no envelope (or its param unset) */
    int64_t budget_fen, used_fen, held_fen; /* held: what pending fcfs applications hold */
    int64_t left_fen;                       /* budget − used (− held for fcfs) */
    int64_t short_fen; /* what the list asks beyond left_fen (fcfs: new_fen, first come first
                          served; pro-rata: total_fen, each share cut at the batch close) */
};
struct award_list_totals {
    size_t entities;
    long qualifies, automatic, near, awaiting, received;
    int64_t total_fen;                 /* what the qualifying rows add (award_match_payable) */
    struct award_list_clause *clauses; /* policy_pack_clauses(p) of them, in pack order */
    size_t n_clauses;
};
void award_list_totals_cleanup(struct award_list_totals *t);
/* {clause, title, qualifies, automatic, near, awaiting, received, total_fen, budget: null or
 * {allocation, budget_fen, used_fen, held_fen, left_fen, short_fen}, warning (only when short:
 * award_list_clause_warning)} per clause with a row or an envelope. New reference. */
struct json_t *award_list_clauses_json(const struct policy_pack *p,
                                       const struct award_list_totals *t);
/* One sentence on a clause whose list asks more than its envelope has left ("" otherwise).
 * Returns out. */
const char *award_list_clause_warning(const struct policy_pack *p,
                                      const struct award_list_totals *t, size_t clause, char *out,
                                      size_t cap);
struct award_list_visit {
    /* each row, in registry then clause order */
    enum status (*row)(void *ctx, const struct award_list_row *r, struct err *e);
    /* after each entity's rows (may be NULL) */
    enum status (*entity_done)(void *ctx, const struct entity *en, struct err *e);
    void *ctx;
};
/* Walks the registry a batch at a time with pack p on date on, in one read snapshot of the
 * registry and the ledger; *t gets the totals (award_list_totals_cleanup, even on failure).
 * The visitor must not write to s. */
enum status award_match_list(struct store *s, const struct policy_pack *p, struct date on,
                             const struct award_list_visit *v, struct award_list_totals *t,
                             struct err *e) HQD_MUST_CHECK;
/* A row as the CLI's --json and the API give it. New reference. */
struct json_t *award_list_row_json(const struct policy_pack *p, const struct award_list_row *r);
/* The list as a workbook: its columns (统一社会信用代码, 名称, 政策, 事项, 匹配, 兑现方式, 金额
 * that sums, 计算与依据), and one row's cells, which point into r and amount (24 bytes). */
#define AWARD_LIST_COLS 8
struct export_writer;
/* export_writer_open for the list: its sheet, title and columns, with a 合计 row. */
enum status award_list_writer_open(const char *path, struct export_writer **w,
                                   struct err *e) HQD_MUST_CHECK;
void award_list_cells(const struct policy_pack *p, const struct award_list_row *r,
                      const char *cells[AWARD_LIST_COLS], char amount[24]);

/* 我能享受什么: every clause of the current pack for the entity with this USCC, from its
 * newest facts (award_match_entity: once per matter for a clause paid per matter), counting
 * what it already received under each clause in on's year. received gets
 * policy_pack_clauses(*p) entries. *p: policy_pack_free; *m: award_matches_free; received:
 * free. */
enum status award_entitlements(struct store *s, const char *uscc, struct date on,
                               struct policy_pack **p, struct award_match **m, size_t *n,
                               int64_t **received, struct err *e) HQD_MUST_CHECK;

/* 预算执行: what one clause has paid and has pending in a year. */
struct award_budget {
    char clause[64], title[160];
    int64_t budget_fen;     /* the yearly envelope; 0 when the clause has none */
    const char *allocation; /* "fcfs", "pro-rata", or "" without an envelope */
    char priority[160];     /* pro-rata by priority class: the ranking input's label, or "" */
    int64_t paid_fen;       /* net: awards less what was recovered */
    int64_t recovered_fen;  /* 追回, as a positive amount */
    size_t payouts, reversals, entities;
    size_t pending;        /* applications submitted and not yet decided */
    int64_t pending_fen;   /* what they ask, as computed on submission */
    int64_t remaining_fen; /* budget − paid, less pending for fcfs (they hold their share);
                              0 without an envelope */
    char note[768];        /* why the envelope is unknown (a parameter not set yet), or "" */
};
/* Every clause of the current pack for year, in pack order, then any clause of an earlier pack
 * version that has payouts or applications in year. *out: free(). */
enum status award_budget_year(struct store *s, int year, struct award_budget **out, size_t *n,
                              struct err *e) HQD_MUST_CHECK;
/* The rows as the CLI's --json and the API give them: {year, clauses: [{clause, title,
 * budget_fen (null without an envelope), allocation, paid_fen, recovered_fen, payouts,
 * reversals, entities, pending, pending_fen, remaining_fen (null without an envelope), note}],
 * paid_fen, pending_fen}. New reference. */
struct json_t;
struct json_t *award_budget_json(int year, const struct award_budget *v, size_t n);

/* Two pack versions compared (policy_pack_diff) with what each clause would pay over the
 * registry under each: from_id and to_id are stored versions (policy_packs rows); 0 and 0 mean
 * the version activated before the current one, and the current one. Or give the texts
 * (from_text/to_text, not NULL) to compare files, named from_name/to_name in errors. */
struct award_pack_ref {
    int64_t id; /* 0 for a file */
    char sha256[65], version[32], title[200];
};
struct award_diff_row {
    char clause[64], title[160];
    const char *change;          /* "same", "added", "removed" or "changed" */
    char *lines;                 /* the changed lines of the pack ("- " old, "+ " new), or NULL */
    size_t old_pairs, new_pairs; /* entities (and matters) eligible under each version */
    int64_t old_total_fen, new_total_fen; /* what they would receive, nothing received yet */
};
struct award_diff {
    struct award_pack_ref from, to;
    struct award_diff_row *rows;
    size_t n;
};
enum status award_pack_diff(struct store *s, int64_t from_id, int64_t to_id, const char *from_text,
                            const char *to_text, const char *from_name, const char *to_name,
                            struct date on, struct award_diff *out, struct err *e) HQD_MUST_CHECK;
void award_diff_cleanup(struct award_diff *d);
/* 试算 of a param value before it is set: the pack in force against the same pack with
 * CLAUSE.NAME = VALUE (held to the same bounds as award_param_set), clause by clause and priced
 * over the registry as award_pack_diff does; nothing is stored (out->to.id is 0). */
enum status award_param_preview(struct store *s, const char *clause, const char *name,
                                const char *value, struct date on, struct award_diff *out,
                                struct err *e) HQD_MUST_CHECK;
/* {from:{id, sha256, version, title}, to:{…}, clauses:[{clause, title, change:
 * same|added|removed|changed, lines, old:{pairs, total_fen}, new:{pairs, total_fen}}]}. */
struct json_t *award_diff_json(const struct award_diff *d);

/* The payout ledger as a hash chain, for audit_anchor_check. */
struct audit_chain;
extern const struct audit_chain award_ledger_chain;

struct award_verify {
    size_t lines;
    int64_t total_fen;
    int64_t bad_line; /* 0 if the ledger is sound */
    char problem[400];
    /* A sound ledger's last line and its stored hash (0 and "" if empty): written down outside
     * hqd, they are an anchor (audit_anchor_check with award_ledger_chain). A hash chain alone
     * cannot show that lines were cut off its end, nor a ledger rewritten and rehashed whole. */
    int64_t head_id;
    char head_hash[65];
};

/* Replays the ledger: the hash chain, every award recomputed from its stored inputs and pack
 * with the running yearly total, every reversal matching one award once. */
enum status award_ledger_verify(struct store *s, struct award_verify *out,
                                struct err *e) HQD_MUST_CHECK;
/* The applications behind the ledger: every award line's application must still hold the
 * inputs and date the line was paid on (the ledger carries its own copy, so award_ledger_verify
 * does not read the applications; an application edited after approval shows only here). One
 * join over the ledger, slower than the verification itself. out->lines counts the lines
 * compared; out->bad_line names the first whose application differs. */
enum status award_ledger_check_applications(struct store *s, struct award_verify *out,
                                            struct err *e) HQD_MUST_CHECK;
/* {ok, lines, total_fen, head: {id, hash} when sound and not empty, and bad_line, problem when
 * not ok}. New reference. */
struct json_t *award_verify_json(const struct award_verify *v);

#endif
