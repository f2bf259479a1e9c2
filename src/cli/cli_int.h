/* Internals of the cli module. */
#ifndef HQD_CLI_INT_H
#define HQD_CLI_INT_H

#include <stddef.h>
#include <stdio.h>

#include "base/err.h"

#define CLI_MAX_ARGS 16

struct cli_args {
    const char *pos[CLI_MAX_ARGS]; /* positional arguments after noun and verb */
    int n_pos;
    const char *db;      /* --db, default var/hqd.db */
    const char *plan;    /* --plan */
    const char *dept;    /* --dept */
    const char *format;  /* --format */
    const char *out;     /* --out */
    const char *role;    /* --role */
    const char *listen;  /* --listen */
    const char *threads; /* --threads */
    const char *pack;    /* --pack */
    const char *entity;  /* --entity */
    const char *on;      /* --on */
    const char *year;    /* --year */
    const char *budget;  /* --budget (元) */
    const char *status;  /* --status */
    const char *clause;  /* --clause */
    const char *anchor;  /* --anchor ID:HASH */
    int dry_run;         /* --dry-run */
    int quiet;           /* --quiet */
    int json;            /* --json */
    int summary;         /* --summary */
    int applications;    /* --applications */
    int overdue;         /* --overdue */
    int proposed;        /* --proposed */
    int help;            /* --help */
};

/* A plain-text table with CJK-aware column widths. */
struct cli_table {
    size_t n_cols;
    const char *const *headers;
    const int *max_width; /* per column; longer cells are cut with … */
    const char **cells;   /* row-major */
    size_t n_rows, cap_rows;
    /* Set stream and a table longer than CLI_TABLE_STREAM_ROWS is printed as it is added, each
     * column max_width wide (or as its first rows need, without one): only those first rows are
     * ever kept. */
    FILE *stream;
    size_t *widths; /* once streaming */
};
#define CLI_TABLE_STREAM_ROWS 1000

void cli_table_add(struct cli_table *t, const char *const *row);
void cli_table_print(const struct cli_table *t, FILE *out);
void cli_table_free(struct cli_table *t);

#endif
