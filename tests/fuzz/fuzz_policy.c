/* libFuzzer harness for the rule-pack reader: any bytes must either load into a pack whose every
 * clause can be computed (with no inputs, its rule written out, its boundary cases, with the bulk
 * kernel over a few rows, and with each parameter set) or fail with ST_INVALID and a located
 * message; never crash or leak. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "policy/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct policy_pack *p = NULL;
    struct err e = {0};
    enum status st = policy_pack_load((const char *)data, size, "fuzz", &p, &e);
    if (st != ST_OK) {
        if (st != ST_INVALID || !e.msg[0] || !strstr(e.where, "fuzz"))
            abort();
        return 0;
    }
    struct date on = {2021, 6, 1};
    size_t nc = policy_pack_clauses(p);
    for (size_t i = 0; i < nc; i++) {
        struct policy_result r;
        st = policy_calc(p, policy_clause_id(p, i), NULL, 0, on, 0, &r, &e);
        if (st == ST_OK)
            policy_result_cleanup(&r);
        else if (st != ST_UNPROCESSABLE)
            abort();
        /* its rule in words, and its boundary cases computed (or the param they wait for) */
        char rule[4096];
        policy_clause_rule(p, i, rule, sizeof rule);
        if (!rule[0])
            abort();
        struct policy_case *cases;
        size_t n_cases;
        st = policy_clause_cases(p, i, NULL, 0, &cases, &n_cases, &e);
        if (st == ST_OK)
            policy_cases_free(cases, n_cases);
        else if (st != ST_UNPROCESSABLE)
            abort();
        for (size_t k = 0; k < policy_clause_vars(p, i); k++) {
            struct policy_var_info v;
            policy_clause_var(p, i, k, &v);
            char *t = NULL;
            size_t tl;
            if (v.is_param && policy_pack_set_param(
                                  (const char *)data, size, policy_clause_id(p, i), v.name,
                                  strcmp(v.type, "rate") ? "1000" : "10%", &t, &tl, &e) == ST_OK)
                free(t);
        }
        /* a 兑现时限 set like a parameter gives a pack that loads, with that deadline, on any
           pack that loads (unless a param of the clause takes the name) */
        int named = 0;
        for (size_t k = 0; k < policy_clause_vars(p, i); k++) {
            struct policy_var_info v;
            policy_clause_var(p, i, k, &v);
            named |= !strcmp(v.name, POLICY_DEADLINE_PARAM);
        }
        char *t = NULL;
        size_t tl;
        struct policy_pack *q = NULL;
        if (!named) {
            if (policy_pack_set_param((const char *)data, size, policy_clause_id(p, i),
                                      POLICY_DEADLINE_PARAM, "7", &t, &tl, &e) != ST_OK ||
                policy_pack_load(t, tl, "fuzz-deadline", &q, &e) != ST_OK ||
                policy_clause_deadline(q, i, NULL) != 7)
                abort();
            policy_pack_free(q);
            free(t);
        }
    }
    /* The bulk kernel over three rows of every kind, all facts "true" and 1,000.00. */
    char **names;
    size_t nn = policy_pack_column_names(p, &names);
    struct policy_column *cols = calloc(nn, sizeof *cols);
    int64_t vals[4] = {INT64_MIN, 100000, 100, -1};
    int8_t kind[4] = {0, 1, 2, 4};
    for (size_t i = 0; i < nn; i++)
        cols[i] = !strcmp(names[i], POLICY_KIND_COLUMN) ? (struct policy_column){names[i], 1, kind}
                                                        : (struct policy_column){names[i], 8, vals};
    struct policy_bulk *out = calloc(nc ? nc : 1, sizeof *out);
    st = policy_eval_bulk(p, cols, nn, 4, on, out, NULL, &e);
    if (st != ST_OK && st != ST_LIMIT)
        abort();
    free(out);
    free(cols);
    policy_names_free(names, nn);
    policy_pack_free(p);
    return 0;
}
