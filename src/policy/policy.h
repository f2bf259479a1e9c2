/* policy: 惠企政策 as code. A rule pack is a text file of clauses (docs/policy-pack.md), each
 * citing the plan's sentence it implements, with typed inputs, eligibility conditions, an award
 * formula, caps and rounding. Loading checks the whole pack (unknown fields, types, unreachable
 * caps, missing effective dates, discretion outside the clause's legal bounds) and names the
 * file, line and column of the first fault. Awards are computed exactly in int64 fen with
 * rational rates, rounded half up, and explained in Chinese. */
#ifndef HQD_POLICY_H
#define HQD_POLICY_H

#include <stddef.h>
#include <stdint.h>

#include "base/date.h"
#include "base/err.h"

struct policy_pack;

enum policy_rounding { POLICY_ROUND_FEN, POLICY_ROUND_YUAN };

/* How a clause's yearly budget is shared when applications exceed it: first come first served
 * by 受理时间, or pro rata at batch close (the remainder fen to the largest fractional shares,
 * ties to the earlier application). */
enum policy_alloc { POLICY_ALLOC_NONE, POLICY_ALLOC_FCFS, POLICY_ALLOC_PRO_RATA };

/* Parses and checks a pack. source names it in error locations ("x.pack: line 3, column 7"). */
enum status policy_pack_load(const char *text, size_t len, const char *source,
                             struct policy_pack **out, struct err *e) HQD_MUST_CHECK;
/* policy_pack_load for a pack read back from a store, which passed the checks of its day when
 * it was stored: the checks that only judge its sense (a cap or floor that cannot bind,
 * conditions that cannot hold together) are not repeated, so that a check added later cannot
 * make its applications and ledger lines unreadable. The same text computes the same. */
enum status policy_pack_load_stored(const char *text, size_t len, const char *source,
                                    struct policy_pack **out, struct err *e) HQD_MUST_CHECK;
/* The example pack shipped in the binary (data/policy/plan-2020-28.pack), and its text. */
enum status policy_pack_example(struct policy_pack **out, struct err *e) HQD_MUST_CHECK;
void policy_example_text(const char **text, size_t *len);
void policy_pack_free(struct policy_pack *p);

/* The name policy_pack_set_param takes for a clause's 兑现时限 (deadline N): its working days,
 * replaced, or a deadline line added to a clause that has none. */
#define POLICY_DEADLINE_PARAM "deadline"
/* The pack text with clause_id's parameter name set to value (a new pack version: a new text, a
 * new SHA-256), checked like any pack: the value's type and the clause's bounds. *out is new,
 * NUL-terminated. ST_NOT_FOUND for an unknown clause or parameter; ST_INVALID naming the
 * parameter for a bad value. */
enum status policy_pack_set_param(const char *text, size_t len, const char *clause_id,
                                  const char *name, const char *value, char **out, size_t *out_len,
                                  struct err *e) HQD_MUST_CHECK;

const char *policy_pack_title(const struct policy_pack *p);
const char *policy_pack_version(const struct policy_pack *p);
const char *policy_pack_hash(const struct policy_pack *p); /* SHA-256 of the text, hex */
size_t policy_pack_clauses(const struct policy_pack *p);
/* Clause i's id, title and citation (borrowed). */
const char *policy_clause_id(const struct policy_pack *p, size_t i);
const char *policy_clause_title(const struct policy_pack *p, size_t i);
const char *policy_clause_cite(const struct policy_pack *p, size_t i);

/* One named input as given by the applicant: "amount" = "8650000.00". Money is yuan with at
 * most two decimals, counts are non-negative integers, booleans are true/false/1/0/是/否. A
 * name that is one of the clause's parameters overrides the office's value for a trial
 * computation (its legal bounds still apply). */
struct policy_input {
    const char *name;
    const char *value;
};

#define POLICY_MISSING_MAX 16
#define POLICY_VARS_MAX 16  /* inputs and parameters of one clause */
#define POLICY_STEPS_MAX 24 /* the most a clause can have: policy.c checks it */

/* One step of an explanation, in order: whether the clause is in force, each condition, the
 * formula, the floor, each cap, the result, the citation. */
struct policy_step {
    const char *kind; /* "effective", "condition", "input", "formula", "floor", "cap", "result",
                         "cite" */
    int ok;           /* the step holds (a condition met, a cap not binding…) */
    int64_t fen;      /* the amount after this step, or -1 when it has none */
    char text[320];   /* zh-CN, standalone */
};

struct policy_result {
    int eligible;          /* in force on the date and every condition met */
    int64_t amount_fen;    /* the award; 0 when not eligible or when the base is missing */
    int64_t uncapped_fen;  /* the rounded formula, before the floor and the caps */
    const char *capped_by; /* NULL, "item" or "entity-year": the cap that lowered the amount */
    int floored;       /* the formula gave less than the clause's floor (保底): raised to it */
    char *explanation; /* new, zh-CN, ends with the citation */
    int in_force;      /* the date is within the clause's effective dates */
    size_t n_given;    /* inputs the clause reads that were given */
    size_t n_failed;   /* conditions given as false */
    size_t n_missing;  /* inputs the clause reads that were not given */
    /* the input naming the matter (exclusive GROUP KEY), if not given: it does not change the
     * amount, but an application must give it; NULL otherwise (points into the pack) */
    const char *matter_missing;
    /* missing and steps hold n_missing and n_steps entries; what follows is undefined */
    char missing[POLICY_MISSING_MAX][48];
    size_t n_steps; /* the explanation as a tree of steps (policy_calc only) */
    struct policy_step steps[POLICY_STEPS_MAX];
};
void policy_result_cleanup(struct policy_result *r);
/* r's steps as a JSON array of {kind, ok, amount_fen (or null), text}: what the CLI's --json
 * and the API give next to the sentence. New reference. */
struct json_t;
struct json_t *policy_steps_json(const struct policy_result *r);
/* One computed award as `hqd policy calc --json` and POST /api/v1/policy/calc give it: {clause,
 * pack_sha256, eligible, amount_fen, uncapped_fen, capped_by, floored, explanation, missing
 * (the inputs not given, the matter's key among them), steps}. New reference. */
struct policy_pack;
struct json_t *policy_result_json(const struct policy_pack *p, const char *clause,
                                  const struct policy_result *r);

/* Computes clause_id's award for inputs on date on. year_awarded_fen is what the entity has
 * already received under this clause in the year (for the per-entity yearly cap; 0 if none).
 * ST_NOT_FOUND for an unknown clause; ST_INVALID naming the input for an unknown name or a
 * malformed value; ST_UNPROCESSABLE when the formula needs a parameter the office has not set
 * or a trial value breaks the clause's bounds; ST_LIMIT on overflow. */
enum status policy_calc(const struct policy_pack *p, const char *clause_id,
                        const struct policy_input *in, size_t n, struct date on,
                        int64_t year_awarded_fen, struct policy_result *out,
                        struct err *e) HQD_MUST_CHECK;

/* Clause i's quoted sentence and its inputs and parameters, for forms and listings. */
const char *policy_clause_quote(const struct policy_pack *p, size_t i);
struct policy_var_info {
    const char *name, *type, *label; /* type: money, count, rate, bool, date, text */
    int is_param, set;               /* set: a parameter with a value */
    int required;                    /* a require condition, or the award's base */
    size_t n_options;                /* enum: the allowed values */
    const char *options[12];
    const char *value; /* a parameter's value as written (NULL unless set) */
};
size_t policy_clause_vars(const struct policy_pack *p, size_t i);
void policy_clause_var(const struct policy_pack *p, size_t i, size_t k,
                       struct policy_var_info *out);

/* policy_calc without the explanation (out->explanation is NULL): the same amounts, for
 * replaying a ledger. */
enum status policy_calc_amount(const struct policy_pack *p, const char *clause_id,
                               const struct policy_input *in, size_t n, struct date on,
                               int64_t year_awarded_fen, struct policy_result *out,
                               struct err *e) HQD_MUST_CHECK;
/* The same for clause number ci (policy_clause_index). */
enum status policy_calc_amount_at(const struct policy_pack *p, size_t ci,
                                  const struct policy_input *in, size_t n, struct date on,
                                  int64_t year_awarded_fen, struct policy_result *out,
                                  struct err *e) HQD_MUST_CHECK;

/* The 证明材料 clause i asks an application to carry (pack lines "evidence LABEL"), in order. */
#define POLICY_EVIDENCE_MAX 8
size_t policy_clause_evidence_count(const struct policy_pack *p, size_t i);
const char *policy_clause_evidence(const struct policy_pack *p, size_t i, size_t k);

/* The label of clause i's input name as the pack writes it (技术合同登记编号), or name itself. */
const char *policy_input_label(const struct policy_pack *p, size_t i, const char *name);

/* The index of the clause with this id, or -1. */
int policy_clause_index(const struct policy_pack *p, const char *id);
/* What the ledger enforces beyond one computation: the yearly budget envelope and the
 * exclusivity group (同一事项不重复享受，就高不就低: one matter, named by the value of the text
 * input `key`, is paid at most the highest award among the group's clauses). Strings are
 * borrowed; group is NULL when the clause has none. ST_UNPROCESSABLE when the budget is a
 * parameter the office has not set. */
struct policy_limits {
    enum policy_alloc alloc;
    int64_t budget_fen; /* when alloc != POLICY_ALLOC_NONE */
    const char *budget_label;
    const char *group, *key;
    const char *priority_key; /* priority NAME (pro-rata only): the enum input ranking a batch */
};
enum status policy_clause_limits(const struct policy_pack *p, size_t i, struct policy_limits *out,
                                 struct err *e) HQD_MUST_CHECK;
/* The priority class of an application to clause i with inputs in: the index of its value of
 * the clause's priority input among the input's options (0 first served), the number of
 * options when it gives none (served last), 0 for a clause without priority classes. *label
 * gets the option (or 未注明). */
int policy_priority_class(const struct policy_pack *p, size_t i, const struct policy_input *in,
                          size_t n, const char **label);
/* The input clause i names its matters by (the exclusivity group's key, e.g. contract_no), or
 * NULL when it has no group: such a clause pays once per matter. */
const char *policy_clause_matter_key(const struct policy_pack *p, size_t i);
/* Clause i's 兑现时限 (pack line "deadline N 说明"): the working days an office has from 受理
 * to its decision, or 0 when the clause sets none; *label (if label is not NULL) gets the 说明,
 * borrowed ("" when none). */
int policy_clause_deadline(const struct policy_pack *p, size_t i, const char **label);
/* Its exclusivity group (同一事项不重复享受), or NULL: a matter is "GROUP:KEY VALUE" on the
 * ledger. */
const char *policy_clause_group(const struct policy_pack *p, size_t i);
/* Clause i's rule in one zh-CN paragraph for people who check a pack: the formula, floor, caps
 * and rounding (params with their current values), the conditions, the effective dates and
 * the exclusivity group. It ends before the first part that does not fit in cap bytes (4 KB
 * holds any). */
void policy_clause_rule(const struct policy_pack *p, size_t i, char *out, size_t cap);
/* A boundary case of a clause, computed: the inputs at a threshold the pack sets (a floor or
 * cap starting to bind, the plan's own figure for it, a tier's start, half a fen, a yearly cap's
 * last unit and the one after, each condition's edge, the effective dates), for an office to
 * check the pack against the plan's text and for tests to check against an oracle. */
struct policy_case {
    char what[256]; /* zh-CN: which threshold, which side of it */
    size_t n_in;
    char name[POLICY_VARS_MAX][48], value[POLICY_VARS_MAX][64];
    int64_t year_awarded_fen;
    struct date on;
    struct policy_result r; /* policy_calc's result, with its explanation */
};
/* Clause i's boundary cases, in order; *out is new (policy_cases_free). The cases start from
 * every condition met on the clause's first day; a threshold that needs a param the office
 * has not set is left out, and ST_UNPROCESSABLE (naming it) when the formula itself needs one.
 * trial (n_trial pairs, may be none) gives params values to try, as policy_calc takes them,
 * held to the clause's bounds; ST_INVALID for a name that is not a param of the clause. */
enum status policy_clause_cases(const struct policy_pack *p, size_t i,
                                const struct policy_input *trial, size_t n_trial,
                                struct policy_case **out, size_t *n, struct err *e) HQD_MUST_CHECK;
void policy_cases_free(struct policy_case *v, size_t n);
/* A case's inputs as policy calc takes them: "name=value … year_awarded=… --on DATE" (whole
 * parts only, within cap bytes). */
void policy_case_inputs(const struct policy_case *c, char *out, size_t cap);
/* What bound a case's amount, in a word: 不在有效期, 不符合, 受每项上限, 受每年上限, 按保底计, or
 * "". */
const char *policy_case_note(const struct policy_case *c);
/* {clause, what, inputs: {name: value}, year_awarded_fen, on, eligible, amount_fen,
 * uncapped_fen, capped_by, floored, explanation}: what the CLI's --json and the API give. New
 * reference. */
struct json_t *policy_case_json(const struct policy_pack *p, size_t i, const struct policy_case *k);
/* Whether clause i's exclusivity group has another clause (就高不就低 can apply between them). */
int policy_clause_group_shared(const struct policy_pack *p, size_t i);

/* Whether clause i accepts applicants of kind ("enterprise", "institution", "fund"). */
int policy_clause_accepts(const struct policy_pack *p, size_t i, const char *kind);

/* Whether value is acceptable as the fact name (as imported into the registry) for every clause
 * that reads it: a money amount in 元 with at most two decimals, a count, 是/否, a date, one of
 * an enum's options. A qualified name ("tech-transfer-in.amount") must name a clause of the pack
 * and one of its inputs; a plain name no clause reads is accepted (rules may read it later).
 * ST_INVALID says why, naming the clause. */
enum status policy_fact_check(const struct policy_pack *p, const char *name, const char *value,
                              struct err *e) HQD_MUST_CHECK;

/* 免申即享 for one applicant: every clause that accepts kind, computed from facts (name=value;
 * names a clause does not read are ignored). out[i] is clause i's result (out has
 * policy_pack_clauses() entries; a clause that does not accept kind gets eligible = 0 and
 * applies = 0). A clause is "near" when it is in force, at least one of its inputs is known,
 * and either nothing given fails but inputs are missing, or exactly one condition fails and
 * nothing is missing. year_awarded, if not NULL, has per clause what the applicant already
 * received this year (for the yearly caps; NULL counts nothing). ST_UNPROCESSABLE
 * errors of a clause (an unset parameter) are recorded in its explanation, not returned.
 * self_declared, if not NULL, flags the facts the applicant declared itself (not from 市场监管,
 * 税务 or 技术合同登记): a clause that read any of them lists their input names, so that only a
 * clause proven by certified data alone goes to 免申即享, the others to 快申快享. */
struct policy_match {
    int applies; /* the clause accepts this kind of applicant */
    int near;
    /* not computable: a parameter the office has not set (the explanation names it) */
    int awaiting;
    /* 就高不就低: 1 + the clause of the same exclusivity group that pays more for the same
     * matter (the same key value); this one is eligible but adds nothing (0: none) */
    size_t superseded_by;
    size_t n_self; /* inputs the clause read from self-declared facts */
    char self_declared[POLICY_MISSING_MAX][48];
    size_t n_given; /* the inputs the clause read, with their values: an application's pre-fill */
    struct policy_given {
        char name[48], value[64];
        int self_declared;
    } given[POLICY_VARS_MAX];
    struct policy_result r;
};
enum status policy_match_one(const struct policy_pack *p, const char *kind,
                             const struct policy_input *facts, size_t n,
                             const unsigned char *self_declared, struct date on,
                             const int64_t *year_awarded, struct policy_match *out,
                             struct err *e) HQD_MUST_CHECK;
void policy_matches_cleanup(struct policy_match *m, size_t n);
/* The inputs clause i reads from an applicant's facts, as policy_match_one picks them (its own
 * inputs, never parameters; "CLAUSE.x" wins over "x"): out and from (the index of the fact each
 * came from, may be NULL) have room for POLICY_VARS_MAX. Returns how many. */
size_t policy_clause_inputs(const struct policy_pack *p, size_t i, const struct policy_input *facts,
                            size_t n, struct policy_input *out, size_t *from);

/* What an eligible match adds: its amount, or 0 when superseded (就高不就低) or not eligible. */
int64_t policy_match_payable(const struct policy_match *m);

/* How an eligible match is paid: "免申即享" when the clause read certified facts only (the office
 * can file the application itself), "快申快享" when it read self-declared ones (the applicant
 * confirms them, with evidence) or the facts do not name the matter (the applicant gives its
 * contract number: r.matter_missing); NULL when the match is not eligible. */
const char *policy_match_route(const struct policy_match *m);

/* ---------------------------------------------------------------- bulk matching */

/* A fact as a column over many applicants (row i = applicant i): a number ×100 (fen for money,
 * 100 per unit for a count; "1" is 100, which a yes/no condition reads as true), or
 * POLICY_TRUE_WORD / POLICY_FALSE_WORD for the words 是/true/yes and 否/false/no, or
 * POLICY_TEXT_VALUE for any other text, as signed
 * integers of width 1, 4 or 8 bytes, the width's minimum meaning "no value"; width 0 means no
 * such column. The column
 * named POLICY_KIND_COLUMN (width 1) holds each row's applicant kind: 1 enterprise,
 * 2 institution, 4 fund, 0 none. A clause's input x reads the column "CLAUSE.x" if given, else
 * "x" — so one entity can have different amounts for two clauses that both call it amount. */
#define POLICY_KIND_COLUMN "@kind"
#define POLICY_TRUE_WORD (-1)
#define POLICY_FALSE_WORD (-2)
#define POLICY_TEXT_VALUE (-3)
struct policy_column {
    const char *name;
    int width;
    const void *v;
};

/* The column names the pack can read (each input both plain and clause-qualified, then the
 * kind column), for loading only what is needed. *names is new (free it; strings inside it
 * too, via policy_names_free). */
size_t policy_pack_column_names(const struct policy_pack *p, char ***names);
void policy_names_free(char **names, size_t n);

struct policy_bulk {
    size_t pairs;      /* applicants eligible under the clause */
    int64_t total_fen; /* what they would receive, nothing received yet */
    int computable;    /* 0 when a parameter the clause needs is unset (why says which) */
    char why[200];
};

/* Every clause over every row, exactly as policy_match_one would compute them (yearly caps
 * count nothing received yet), without explanations: out has policy_pack_clauses() entries,
 * whose totals leave out what a superseded match would add (就高不就低). amounts, if not NULL,
 * gets clauses × rows values, amounts[c * rows + i] = the award in fen (0 when superseded) or -1
 * when row i is not eligible. ST_LIMIT on an overflowing amount. */
enum status policy_eval_bulk(const struct policy_pack *p, const struct policy_column *cols,
                             size_t n_cols, size_t rows, struct date on, struct policy_bulk *out,
                             int64_t *amounts, struct err *e) HQD_MUST_CHECK;

/* Fact columns hold numbers; an enum input (require scale in 小型|微型) needs the fact's text.
 * Row i of a text column is the newest value of fact name for entity i, or NULL. */
struct policy_text_column {
    const char *name;
    const char *const *v;
};
/* The fact names whose texts a bulk evaluation needs: every enum input, and the matter key of
 * an exclusivity group of two clauses or more (which matters are the same), plain and
 * clause-qualified. *names: policy_names_free. */
size_t policy_pack_text_names(const struct policy_pack *p, char ***names);
/* policy_eval_bulk with text columns for the enum inputs and the shared groups' keys; a clause
 * reading an enum input, or in a group of two clauses or more, whose texts are not given is not
 * computable (why says so), as in policy_eval_bulk. */
enum status policy_eval_bulk_text(const struct policy_pack *p, const struct policy_column *cols,
                                  size_t n_cols, const struct policy_text_column *texts,
                                  size_t n_texts, size_t rows, struct date on,
                                  struct policy_bulk *out, int64_t *amounts,
                                  struct err *e) HQD_MUST_CHECK;

/* The exact kernel: base_fen × num / den rounded half up to the fen (or to the yuan).
 * num, den > 0, base_fen >= 0. ST_LIMIT if the result does not fit int64. */
enum status policy_mul_rate(int64_t base_fen, int64_t num, int64_t den, enum policy_rounding r,
                            int64_t *out) HQD_MUST_CHECK;

/* ---------------------------------------------------------------- comparing versions */

/* Two pack versions compared clause by clause (both checked as policy_pack_load does): each
 * clause of the new one in its order, then those it dropped, with what changed as lines of the
 * pack ("- " old, "+ " new; runs of spaces, blank lines and comments do not count). The names
 * say which version an error is in (a file name, 第 3 版). */
enum policy_change { POLICY_SAME, POLICY_ADDED, POLICY_REMOVED, POLICY_CHANGED };
struct policy_clause_diff {
    char id[64], title[160];
    enum policy_change change;
    char *lines; /* new: the changed lines, or NULL when the clause is the same */
};
enum status policy_pack_diff(const char *old_text, size_t old_len, const char *old_name,
                             const char *new_text, size_t new_len, const char *new_name,
                             struct policy_clause_diff **out, size_t *n,
                             struct err *e) HQD_MUST_CHECK;
void policy_diffs_free(struct policy_clause_diff *v, size_t n);

#endif
