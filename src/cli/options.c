/*
 * The option-table parser and --help's option list (options.h). getopt_long
 * does the parsing, so abbreviations (--to for --top), --name=value, "--"
 * and the permutation of operands behave as they always have; the table
 * decides which options exist and where their values go.
 */
#include "cli/options.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* getopt_long returns this plus the row's index for a long option, far
 * from the letters and from '?' and ':'. */
#define ROW_VAL 1000

/* --help's columns: options from column 3, their text from column 27. */
#define HELP_INDENT 2
#define HELP_COLUMN 26

void lm_cli_list_release(struct lm_cli_list *l)
{
    free(l->items);
    memset(l, 0, sizeof(*l));
}

static int list_add(struct lm_cli_list *l, const char *v)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        const char **items = realloc(l->items, cap * sizeof(*items));
        if (items == NULL)
            return -1;
        l->items = items;
        l->cap = cap;
    }
    l->items[l->n++] = v;
    return 0;
}

int lm_cli_add_profile_dir(struct lm_ctx *ctx, const char *dir)
{
    if (ctx->nprofile_dirs == ctx->capprofile_dirs) {
        size_t cap = ctx->capprofile_dirs ? ctx->capprofile_dirs * 2 : 4;
        const char **d = realloc(ctx->profile_dirs, cap * sizeof(*d));
        if (d == NULL)
            return -1;
        ctx->profile_dirs = d;
        ctx->capprofile_dirs = cap;
    }
    ctx->profile_dirs[ctx->nprofile_dirs++] = dir;
    return 0;
}

int lm_cli_opt_format(struct lm_ctx *ctx, void *target, const struct lm_opt *row, const char *arg)
{
    (void)target;
    (void)row;
    for (int i = 0; lm_format_names[i] != NULL; i++) {
        if (strcmp(lm_format_names[i], arg) == 0) {
            ctx->format = i;
            return 0;
        }
    }
    lm_cli_usage_error(ctx, "unknown --format '%s'", arg);
    return -1;
}

int lm_cli_opt_profiles(struct lm_ctx *ctx, void *target, const struct lm_opt *row, const char *arg)
{
    (void)target;
    (void)row;
    /* Out of memory ends the run with exit 2 and no message, as before. */
    return lm_cli_add_profile_dir(ctx, arg);
}

int lm_cli_opt_limit(struct lm_ctx *ctx, void *target, const struct lm_opt *row, const char *arg)
{
    (void)target;
    char opt[64];
    double v;
    snprintf(opt, sizeof(opt), "--%s", row->name);
    if (lm_cli_parse_count(ctx, opt, arg, row->min, row->max, &v) != 0)
        return -1;
    *(size_t *)(void *)((char *)ctx + row->off) = (size_t)v;
    return 0;
}

int lm_cli_opt_color(struct lm_ctx *ctx, void *target, const struct lm_opt *row, const char *arg)
{
    (void)target;
    (void)row;
    static const char *const modes[] = { "auto", "always", "never" };
    for (int i = 0; i < 3; i++) {
        if (strcmp(arg, modes[i]) == 0) {
            ctx->color_mode = i;
            return 0;
        }
    }
    lm_cli_usage_error(ctx, "--color must be auto, always or never, got '%s'", arg);
    return -1;
}

int lm_cli_opt_weights(struct lm_ctx *ctx, void *target, const struct lm_opt *row, const char *arg)
{
    if (strcmp(arg, "formula") != 0 && strcmp(arg, "auto") != 0) {
        lm_cli_usage_error(ctx, "--weights must be formula or auto, got '%s'", arg);
        return -1;
    }
    *(int *)(void *)((char *)target + row->off) = strcmp(arg, "formula") == 0;
    return 0;
}

/* Takes one option's value as its row says: 0, -1 after a usage error, or
 * -2 out of memory. */
static int take(struct lm_ctx *ctx, const struct lm_opt *row, void *target, const char *arg)
{
    char *base = row->flags & LM_OPT_CTX ? (char *)ctx : (char *)target;
    void *slot = base + row->off;
    switch (row->kind) {
    case LM_OPT_FLAG:
        *(int *)slot = 1;
        return 0;
    case LM_OPT_STRING:
        *(const char **)slot = arg;
        return 0;
    case LM_OPT_LIST:
        return list_add(slot, arg) == 0 ? 0 : -2;
    case LM_OPT_COUNT: {
        char opt[64];
        snprintf(opt, sizeof(opt), "--%s", row->name);
        return lm_cli_parse_count(ctx, opt, arg, row->min, row->max, slot) == 0 ? 0 : -1;
    }
    case LM_OPT_CALL:
        return row->fn(ctx, target, row, arg);
    case LM_OPT_REFUSE:
        lm_cli_usage_error(ctx, "%s", row->help);
        return -1;
    case LM_OPT_END:
    case LM_OPT_LINE:
    case LM_OPT_HELP: /* handled by the caller, or not an option */
        return 0;
    }
    return 0;
}

int lm_cli_parse(struct lm_ctx *ctx, const struct lm_cmd_spec *spec, int argc, char **argv,
                 void *target, int *first)
{
    const struct lm_opt *rows = spec->opts;
    size_t n = 0, nlong = 0;
    while (rows[n].kind != LM_OPT_END)
        n++;
    struct option *longopts = calloc(n + 1, sizeof(*longopts));
    char shortopts[2 * 26 + 2] = ":"; /* ':' first: a missing value returns ':' */
    if (longopts == NULL)
        return LM_EXIT_INTERNAL;
    for (size_t i = 0; i < n; i++) {
        if (rows[i].name == NULL)
            continue;
        longopts[nlong].name = rows[i].name;
        longopts[nlong].has_arg = rows[i].metavar != NULL ? required_argument : no_argument;
        longopts[nlong].val = ROW_VAL + (int)i;
        nlong++;
        size_t sl = strlen(shortopts);
        if (rows[i].short_name != 0 && sl + 2 < sizeof(shortopts)) {
            shortopts[sl] = rows[i].short_name;
            shortopts[sl + 1] = rows[i].metavar != NULL ? ':' : '\0';
            shortopts[sl + 2] = '\0';
        }
    }
    int rc = LM_CLI_PARSED, c;
    optind = 1;
    opterr = 0;
    while (rc == LM_CLI_PARSED && (c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
        const struct lm_opt *row = NULL;
        if (c >= ROW_VAL && (size_t)(c - ROW_VAL) < n)
            row = &rows[c - ROW_VAL];
        for (size_t i = 0; row == NULL && c != '?' && c != ':' && i < n; i++)
            if (rows[i].name != NULL && rows[i].short_name == c)
                row = &rows[i];
        if (c == ':') {
            rc = lm_cli_usage_error(ctx, "option '%s' needs a value", argv[optind - 1]);
        } else if (row == NULL) {
            rc = lm_cli_usage_error(ctx, "unknown option '%s'", argv[optind - 1]);
        } else if (row->kind == LM_OPT_HELP) {
            lm_cli_print_spec(spec, ctx->out);
            rc = LM_EXIT_OK;
        } else {
            int r = take(ctx, row, target, optarg);
            if (r != 0)
                rc = r == -2 ? LM_EXIT_INTERNAL : LM_EXIT_USAGE;
        }
    }
    free(longopts);
    *first = optind;
    return rc;
}

/* One option's line(s) of --help: "  --name META" (with "-q, " before it
 * when it has a letter), padded to the text column; each '\n' of the text
 * starts a line at that column. */
static void print_row(const struct lm_opt *row, FILE *f)
{
    char left[128];
    const char *meta = row->metavar ? row->metavar : "";
    if (row->short_name != 0)
        snprintf(left, sizeof(left), "-%c, --%s%s%s", row->short_name, row->name,
                 *meta ? " " : "", meta);
    else
        snprintf(left, sizeof(left), "--%s%s%s", row->name, *meta ? " " : "", meta);
    fprintf(f, "%*s%-*s  ", HELP_INDENT, "", HELP_COLUMN - HELP_INDENT - 2, left);
    for (const char *p = row->help; *p; p++) {
        if (*p == '\n')
            fprintf(f, "\n%*s", HELP_COLUMN, "");
        else
            fputc(*p, f);
    }
    fputc('\n', f);
}

void lm_cli_print_spec(const struct lm_cmd_spec *spec, FILE *f)
{
    for (size_t i = 0; spec->usage[i] != NULL; i++)
        fprintf(f, "%s\n", spec->usage[i]);
    for (size_t i = 0; spec->opts != NULL && spec->opts[i].kind != LM_OPT_END; i++) {
        const struct lm_opt *row = &spec->opts[i];
        if (row->kind == LM_OPT_LINE)
            fprintf(f, "%s\n", row->help);
        else if (!(row->flags & (LM_OPT_GROUPED | LM_OPT_UNLISTED)))
            print_row(row, f);
    }
    for (size_t i = 0; spec->tail != NULL && spec->tail[i] != NULL; i++)
        fprintf(f, "%s\n", spec->tail[i]);
}
