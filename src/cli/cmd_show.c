/*
 * `lmchoose show model|hardware ID`: print one catalog entry as YAML, after
 * every layer has been applied (partial overrides merged, docs/profiles.md),
 * with the file and line each key came from as a trailing comment. The output
 * is a complete profile: copy it into a layer directory to edit it.
 *
 * The YAML is printed from the entry's tree (src/io/ynode.h), not from the typed
 * struct, so values stay exactly as written (`3.10`, quoted strings) and every
 * key keeps its origin.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "lmchoose/status.h"
#include "io/ynode.h"

static const char *const usage[] = {
    "usage: lmchoose show model|hardware ID [options]",
    "",
    "Print the entry ID as YAML after every profile layer is applied, with the",
    "file and line of each key as a trailing comment. The output is a complete",
    "profile you can copy into a --profiles directory and edit.",
    "",
    "Options:",
    NULL
};

static const struct lm_opt opts[] = {
    LM_OPT_PROFILES("add a profile layer (repeatable; also LMCHOOSE_PROFILES)", 0),
    LM_OPT_OUTPUT("write the result to FILE atomically", 0),
    LM_OPT_TEXT("  --max-input-size BYTES  --max-depth N  --max-nodes N  --max-scalar BYTES"),
    LM_OPT_TEXT("                          input limits (defaults: 4 MiB, 64, 100000, 65536)"),
    LM_OPT_MAX_INPUT_SIZE(NULL, LM_OPT_GROUPED),
    LM_OPT_MAX_DEPTH(NULL, LM_OPT_GROUPED),
    LM_OPT_MAX_NODES(NULL, LM_OPT_GROUPED),
    LM_OPT_MAX_SCALAR(NULL, LM_OPT_GROUPED),
    LM_OPT_HELP_ROW("print this help", 0),
    /* Accepted, but not named by --help (docs/cli.md); --format is then
     * refused ("show prints YAML"). */
    LM_OPT_FORMAT("FORMAT", NULL, LM_OPT_UNLISTED),
    LM_OPT_MAX_FILES(NULL, LM_OPT_UNLISTED),
    LM_OPT_COLOR(NULL, LM_OPT_UNLISTED),
    LM_OPT_QUIET(NULL, LM_OPT_UNLISTED),
    LM_OPT_TABLE_END
};

const struct lm_cmd_spec lm_show_spec = { usage, opts, NULL };

/* Comments start at this column when the line is shorter. */
#define COMMENT_COL 48

/* Writes s as a YAML double-quoted scalar. */
static void put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p == '\n')
            fputs("\\n", f);
        else if (*p == '\t')
            fputs("\\t", f);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\x%02x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* A scalar as written: plain scalars stay plain (they cannot hold a newline,
 * ": " or " #", so they re-read the same), others become double-quoted. */
static void put_scalar(FILE *f, const struct lm_ynode *n)
{
    if (!n->quoted && n->len == 0)
        fputs("null", f);
    else if (!n->quoted)
        fputs(n->text, f);
    else
        put_quoted(f, n->text);
}

struct printer {
    FILE *out;
    const char *origin; /* the entry's own file: nodes without a file */
    char *line;         /* the current line, built in a memory stream */
    size_t len;
    FILE *buf;
};

static int begin(struct printer *p)
{
    p->line = NULL;
    p->len = 0;
    p->buf = open_memstream(&p->line, &p->len);
    return p->buf == NULL ? -1 : 0;
}

/* Writes s inside a YAML comment: printable bytes only (a file name with a
 * line break must not end the comment). */
static void put_comment(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
}

/* Ends the current line with "# FILE:LINE" for node n. */
static int end(struct printer *p, const struct lm_ynode *n)
{
    if (fclose(p->buf) != 0) {
        free(p->line);
        return -1;
    }
    size_t pad = p->len < COMMENT_COL ? COMMENT_COL - p->len : 2;
    fprintf(p->out, "%s%*s# ", p->line, (int)pad, "");
    put_comment(p->out, n->file ? n->file : p->origin);
    fprintf(p->out, ":%u\n", n->line);
    free(p->line);
    return 0;
}

static int print_node(struct printer *p, const struct lm_ynode *v, int indent);

/* One "key: value" (or "key:" and the nested block), at indent. first_prefix
 * replaces the indentation of the first line (a sequence item's "- "). */
static int print_pair(struct printer *p, const struct lm_ynode *k, const struct lm_ynode *v,
                      int indent, const char *first_prefix)
{
    if (begin(p) != 0)
        return -1;
    if (first_prefix != NULL)
        fprintf(p->buf, "%*s%s", indent - (int)strlen(first_prefix), "", first_prefix);
    else
        fprintf(p->buf, "%*s", indent, "");
    fprintf(p->buf, "%s:", k->text);
    if (v->kind == LM_Y_SCALAR) {
        fputc(' ', p->buf);
        put_scalar(p->buf, v);
        return end(p, k);
    }
    if (v->n == 0) {
        fputs(v->kind == LM_Y_MAP ? " {}" : " []", p->buf);
        return end(p, k);
    }
    if (end(p, k) != 0)
        return -1;
    return print_node(p, v, v->kind == LM_Y_MAP ? indent + 2 : indent + 2);
}

static int print_node(struct printer *p, const struct lm_ynode *v, int indent)
{
    if (v->kind == LM_Y_MAP) {
        for (size_t i = 0; i < v->n; i++)
            if (print_pair(p, v->items[2 * i], v->items[2 * i + 1], indent, NULL) != 0)
                return -1;
        return 0;
    }
    /* a sequence: items at indent, each "- " */
    for (size_t i = 0; i < v->n; i++) {
        const struct lm_ynode *it = v->items[i];
        if (it->kind == LM_Y_MAP && it->n > 0) {
            if (print_pair(p, it->items[0], it->items[1], indent + 2, "- ") != 0)
                return -1;
            for (size_t j = 1; j < it->n; j++)
                if (print_pair(p, it->items[2 * j], it->items[2 * j + 1], indent + 2, NULL) != 0)
                    return -1;
            continue;
        }
        if (begin(p) != 0)
            return -1;
        fprintf(p->buf, "%*s- ", indent, "");
        if (it->kind == LM_Y_SCALAR)
            put_scalar(p->buf, it);
        else
            fputs(it->kind == LM_Y_MAP ? "{}" : "[]", p->buf);
        if (end(p, it) != 0)
            return -1;
        if (it->kind == LM_Y_SEQ && it->n > 0 && print_node(p, it, indent + 2) != 0)
            return -1;
    }
    return 0;
}

int cmd_show(int argc, char **argv, struct lm_ctx *ctx)
{
    int first;
    int prc = lm_cli_parse(ctx, &lm_show_spec, argc, argv, NULL, &first);
    if (prc != LM_CLI_PARSED)
        return prc;
    if (ctx->format != LM_FMT_TEXT)
        return lm_cli_usage_error(ctx, "show prints YAML; it takes no --format");
    if (argc - first != 2)
        return lm_cli_usage_error(ctx, "show needs a kind (model or hardware) and an ID");
    static const char *const kinds[] = { "model", "hardware" };
    const char *kind = argv[first], *id = argv[first + 1];
    if (strcmp(kind, "model") != 0 && strcmp(kind, "hardware") != 0)
        return lm_cli_unknown_id(ctx, "kind", kind, kinds, 2);
    int rc = lm_cli_load_catalog(ctx);
    if (rc != LM_EXIT_OK)
        return rc;
    struct lm_ynode *tree = NULL;
    const char *origin = NULL, *over = NULL;
    int is_model = strcmp(kind, "model") == 0;
    if (is_model) {
        const struct lm_model *m = lm_catalog_model(&ctx->cat, id);
        if (m != NULL) {
            tree = lm_catalog_model_tree(&ctx->cat, m);
            origin = m->origin;
            over = m->merged_over;
        }
    } else {
        const struct lm_hardware *h = lm_catalog_hardware(&ctx->cat, id);
        if (h != NULL) {
            tree = lm_catalog_hardware_tree(&ctx->cat, h);
            origin = h->origin;
            over = h->merged_over;
        }
    }
    if (origin == NULL) {
        size_t n = is_model ? ctx->cat.nmodels : ctx->cat.nhardware;
        const char **ids = malloc((n ? n : 1) * sizeof(*ids));
        if (ids == NULL)
            return LM_EXIT_INTERNAL;
        for (size_t i = 0; i < n; i++)
            ids[i] = is_model ? ctx->cat.models[i]->id : ctx->cat.hardware[i]->id;
        int r = lm_cli_unknown_id(ctx, is_model ? "model" : "hardware", id, ids, n);
        free(ids);
        return r;
    }
    if (ctx->quiet)
        return LM_EXIT_OK;
    fprintf(ctx->out, "# %s %s from ", kind, id);
    put_comment(ctx->out, origin);
    if (over != NULL) {
        fputs(", merged over ", ctx->out);
        put_comment(ctx->out, over);
    }
    fputc('\n', ctx->out);
    struct printer p = { ctx->out, origin, NULL, 0, NULL };
    if (tree == NULL || tree->kind != LM_Y_MAP || print_node(&p, tree, 0) != 0)
        return LM_EXIT_INTERNAL;
    return LM_EXIT_OK;
}
