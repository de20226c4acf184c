/*
 * Shared pieces of the command-line tool: the command table (sorted by name;
 * `lmchoose help` prints it in this order), usage errors in one form, and
 * catalog loading. Options are parsed by table (options.c).
 *
 * To add a command: write src/cli/cmd_NAME.c with cmd_NAME() and lm_NAME_spec
 * (its --help text and option table, options.h), declare both in cli.h, add a row below (keep it sorted) and a section in
 * docs/cli.md.
 */
#include "cli/cli.h"
#include "cli/heap.h"

#include "lmchoose/check.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lmchoose/rules.h"
#include "lmchoose/scenario.h"
#include "lmchoose/status.h"
#include "util/fs.h"
#include "util/strutil.h"

const char *const lm_format_names[8] = { "text", "json", "markdown", "sarif",
                                         "junit", "github", "html", NULL };

const struct lm_cmd lm_commands[] = {
    { "check", cmd_check, "judge each file's deployment against its scenario (CI gate)", &lm_check_spec },
    { "estimate", cmd_estimate, "size one model on one machine", &lm_estimate_spec },
    { "explain", cmd_explain, "show how each candidate of one model was judged", &lm_explain_spec },
    { "help", cmd_help, "show help for a command", &lm_help_spec },
    { "import", cmd_import, "turn LiteLLM prices, a GGUF header or a config.json into a profile layer", &lm_import_spec },
    { "init", cmd_init, "write a commented starter scenario", &lm_init_spec },
    { "list", cmd_list, "list models, hardware, quantizations, runtimes or rules", &lm_list_spec },
    { "recommend", cmd_recommend, "rank SLM and LLM options against a scenario (the default)", &lm_recommend_spec },
    { "show", cmd_show, "print one model or hardware profile as merged YAML, with origins", &lm_show_spec },
    { "validate", cmd_validate, "check profile files and report every error", &lm_validate_spec },
};
const size_t lm_ncommands = sizeof(lm_commands) / sizeof(lm_commands[0]);

const struct lm_cmd *lm_cli_find_command(const char *name)
{
    for (size_t i = 0; i < lm_ncommands; i++)
        if (strcmp(lm_commands[i].name, name) == 0)
            return &lm_commands[i];
    return NULL;
}

void lm_cli_print_usage(const struct lm_cmd *cmd, FILE *f)
{
    lm_cli_print_spec(cmd->spec, f);
}

int lm_cli_usage_error(const struct lm_ctx *ctx, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *raw = lm__vasprintf(fmt, ap);
    va_end(ap);
    /* Arguments are quoted into usage errors: escaped like every other
     * diagnostic (diag.c), so one error is one visible line. */
    char *msg = raw ? lm__escape_visible(raw, strlen(raw)) : NULL;
    free(raw);
    fprintf(stderr, "lmchoose: error: %s\n", msg ? msg : "usage error");
    free(msg);
    if (ctx != NULL && ctx->cmd != NULL)
        fprintf(stderr, "Try 'lmchoose %s --help'.\n", ctx->cmd);
    else
        fprintf(stderr, "Try 'lmchoose --help'.\n");
    return LM_EXIT_USAGE;
}

int lm_cli_parse_count(const struct lm_ctx *ctx, const char *opt, const char *arg,
                       double min, double max, double *out)
{
    char *end;
    if (arg[0] < '0' || arg[0] > '9') {
        lm_cli_usage_error(ctx, "%s needs a whole number, got '%s'", opt, arg);
        return -1;
    }
    unsigned long long v = strtoull(arg, &end, 10);
    if (*end != '\0' || (double)v < min || (double)v > max) {
        lm_cli_usage_error(ctx, "%s needs a whole number from %.0f to %.0f, got '%s'",
                           opt, min, max, arg);
        return -1;
    }
    *out = (double)v;
    return 0;
}

int lm_cli_color(const struct lm_ctx *ctx)
{
    if (ctx->color_mode == 1)
        return 1;
    if (ctx->color_mode == 2 || ctx->output != NULL)
        return 0;
    const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
    if ((nc != NULL && nc[0] != '\0') || (term != NULL && strcmp(term, "dumb") == 0))
        return 0;
    return isatty(STDOUT_FILENO);
}

/* What a run on the shipped catalog touches, load to output: 768 KiB
 * (recommend support-chatbot.yaml: 272 -> 126 page faults, about 0.6 ms
 * less; list models 154 -> 104; docs/performance.md, "Session 6"). */
#define WARM_HEAP_BYTES ((size_t)768 << 10)

/* Address space marked for huge pages (heap.c): 384 MiB, under the raised
 * mmap threshold (512 MiB) so that it comes from the heap. Only what a run
 * touches costs memory; the synthetic 3.7 M-candidate run of issue #13
 * touches about 300 MiB (docs/performance.md, "Session 7"). */
#define HUGE_HEAP_BYTES ((size_t)384 << 20)

int lm_cli_load_catalog(struct lm_ctx *ctx)
{
    lm_cli_heap_warm(WARM_HEAP_BYTES, HUGE_HEAP_BYTES);
    int rc = lm_catalog_load(&ctx->cat, ctx->profile_dirs, ctx->nprofile_dirs,
                             &ctx->limits, &ctx->diags);
    return lm_status_exit_code(rc);
}

int lm_cli_unknown_id(const struct lm_ctx *ctx, const char *what, const char *id,
                      const char *const *ids, size_t n)
{
    const char *s = lm__suggest(id, ids, n);
    if (s != NULL)
        return lm_cli_usage_error(ctx, "unknown %s '%s' (did you mean '%s'?)", what, id, s);
    return lm_cli_usage_error(ctx, "unknown %s '%s'", what, id);
}

const void *lm_cli_resolve(const struct lm_ctx *ctx, enum lm_id_kind kind, const char **name,
                           const char *keyword, int *rc)
{
    struct lm_name_result r;
    if (lm_catalog_resolve(&ctx->cat, kind, *name, keyword, &r) == LM_NAME_FOUND) {
        *name = r.id;
        return r.entry;
    }
    char *msg = lm_name_message(lm_id_kind_names[kind], *name, &r);
    *rc = lm_cli_usage_error(ctx, "%s", msg ? msg : "unknown name");
    free(msg);
    return NULL;
}

const void *lm_cli_resolve_at(struct lm_ctx *ctx, const struct lm_catalog *cat,
                              enum lm_id_kind kind, const char **slot, const char *keyword,
                              const struct lm_loc *loc, int *rc)
{
    if (*slot == NULL || (keyword != NULL && strcmp(*slot, keyword) == 0))
        return NULL;
    struct lm_name_result r;
    if (lm_catalog_resolve(cat, kind, *slot, keyword, &r) == LM_NAME_FOUND) {
        *slot = r.id;
        return r.entry;
    }
    char *msg = lm_name_message(lm_id_kind_names[kind], *slot, &r);
    *rc = lm_diag_error(&ctx->diags, LM_ESCHEMA, loc, "%s", msg ? msg : "unknown name");
    free(msg);
    return NULL;
}

const struct lm_model *lm_cli_resolve_model(const struct lm_ctx *ctx, const char **name,
                                           const struct lm_quant **tag_quant, int *rc)
{
    struct lm_name_result r;
    const struct lm_model *m;
    *tag_quant = NULL;
    if (lm_catalog_resolve(&ctx->cat, LM_KIND_MODEL, *name, NULL, &r) == LM_NAME_FOUND) {
        *name = r.id;
        return r.entry;
    }
    if (lm_catalog_resolve_tag(&ctx->cat, *name, &m, tag_quant)) {
        *name = m->id;
        return m;
    }
    return lm_cli_resolve(ctx, LM_KIND_MODEL, name, NULL, rc); /* prints the error */
}

int lm_cli_deployment_tag(struct lm_ctx *ctx, const struct lm_catalog *cat,
                          struct lm_scenario *sc, int report)
{
    struct lm_deployment *d = &sc->deployment;
    const struct lm_model *m;
    const struct lm_quant *q;
    struct lm_name_result r;
    if (!d->present || d->model == NULL ||
        lm_catalog_resolve(cat, LM_KIND_MODEL, d->model, NULL, &r) == LM_NAME_FOUND ||
        !lm_catalog_resolve_tag(cat, d->model, &m, &q))
        return LM_OK;
    if (d->quantization != NULL &&
        !(lm_catalog_resolve(cat, LM_KIND_QUANT, d->quantization, NULL, &r) == LM_NAME_FOUND &&
          r.entry == q)) {
        const char *typed = d->model;
        d->model = m->id; /* the model itself is right */
        if (!report)
            return LM_OK;
        const struct lm_keyloc_pub *k = lm_scenario_key(sc, "deployment.quantization");
        struct lm_loc loc = { sc->file, k ? k->vline : 0, k ? k->vcol : 0 };
        return lm_diag_error(&ctx->diags, LM_ESCHEMA, &loc,
                             "quantization '%s' disagrees with model '%s', whose tag names '%s'",
                             d->quantization, typed, q->id);
    }
    d->model = m->id;
    d->quantization = q->id;
    return LM_OK;
}

static int resolve_scenario_name(struct lm_ctx *ctx, const struct lm_catalog *cat,
                                 enum lm_id_kind kind, const char **slot, const char *keyword,
                                 const struct lm_loc *loc)
{
    int rc = LM_OK;
    lm_cli_resolve_at(ctx, cat, kind, slot, keyword, loc, &rc);
    return rc;
}

int lm_cli_resolve_deployment_ids(struct lm_ctx *ctx, const struct lm_catalog *cat,
                                  struct lm_scenario *sc, int report)
{
    static const struct {
        const char *path;
        enum lm_id_kind kind;
        const char *keyword;
    } fields[] = {
        { "deployment.model", LM_KIND_MODEL, NULL },
        { "deployment.hardware", LM_KIND_HARDWARE, "local" },
        { "deployment.quantization", LM_KIND_QUANT, "auto" },
        { "deployment.runtime", LM_KIND_RUNTIME, NULL },
    };
    struct lm_deployment *d = &sc->deployment;
    const char **slots[] = { &d->model, &d->hardware, &d->quantization, &d->runtime };
    int rc = LM_OK;
    if (!d->present)
        return LM_OK;
    rc = lm_cli_deployment_tag(ctx, cat, sc, report);
    for (size_t i = 0; i < 4; i++) {
        struct lm_name_result res;
        if (!report) {
            /* Best effort: rewrite what resolves, leave the rest as written. */
            if (*slots[i] != NULL &&
                lm_catalog_resolve(cat, fields[i].kind, *slots[i], NULL, &res) == LM_NAME_FOUND)
                *slots[i] = res.id;
            continue;
        }
        const struct lm_keyloc_pub *k = lm_scenario_key(sc, fields[i].path);
        struct lm_loc loc = { sc->file, k ? k->vline : 0, k ? k->vcol : 0 };
        int r = resolve_scenario_name(ctx, cat, fields[i].kind, slots[i], fields[i].keyword, &loc);
        if (r != LM_OK)
            rc = r;
    }
    return rc;
}

/* Scenario ids that must name something: constraints.hardware (catalog ids,
 * aliases or local; rewritten to the ids) and rules.disable / rules.waive
 * (rule ids). Errors at the value, with "did you mean". */
int lm_cli_check_scenario_ids(struct lm_ctx *ctx, const struct lm_catalog *cat,
                               struct lm_scenario *sc, const struct lm_ruleset *rs)
{
    int rc = LM_OK;
    const char **ids = malloc((rs->n + LM_CHECK_NPSEUDO + 2) * sizeof(*ids));
    if (ids == NULL)
        return LM_ENOMEM;
    for (size_t i = 0; i < sc->constraints.hardware.n; i++) {
        const struct lm_loc *pos = sc->constraints.hardware_pos ? &sc->constraints.hardware_pos[i] : NULL;
        struct lm_loc loc = { sc->file, pos ? pos->line : 0, pos ? pos->col : 0 };
        int r = resolve_scenario_name(ctx, cat, LM_KIND_HARDWARE,
                                      &sc->constraints.hardware.items[i], "local", &loc);
        if (r != LM_OK)
            rc = r;
    }
    for (size_t i = 0; i < sc->constraints.nowned; i++) {
        const struct lm_owned *o = &sc->constraints.owned[i];
        if (o->hardware == NULL || strcmp(o->hardware, "local") == 0 ||
            lm_catalog_hardware(cat, o->hardware) != NULL)
            continue;
        struct lm_loc loc = { sc->file, o->line, o->col };
        const char *s = lm__suggest(o->hardware, ids, cat->nhardware + 1);
        rc = s ? lm_diag_error(&ctx->diags, LM_ESCHEMA, &loc,
                               "unknown hardware '%s' in constraints.owned (did you mean '%s'?)",
                               o->hardware, s)
               : lm_diag_error(&ctx->diags, LM_ESCHEMA, &loc,
                               "unknown hardware '%s' in constraints.owned", o->hardware);
    }
    for (size_t i = 0; i < rs->n; i++)
        ids[i] = rs->rules[i]->id;
    /* check's own rule ids (the advisory, ops.drift, ...) can be disabled
     * and waived too. */
    for (size_t i = 0; i < LM_CHECK_NPSEUDO; i++)
        ids[rs->n + i] = lm_check_pseudo_rules[i].id;
    size_t nids = rs->n + LM_CHECK_NPSEUDO;
    const struct lm_keyloc_pub *dl = lm_scenario_key(sc, "rules.disable");
    for (size_t i = 0; i < sc->rules.disable.n; i++) {
        const char *id = sc->rules.disable.items[i];
        if (lm_rules_find(rs, id) >= 0 || lm_check_own_rule(id) >= 0)
            continue;
        struct lm_loc loc = { sc->file, dl ? dl->vline : 0, dl ? dl->vcol : 0 };
        const char *s = lm__suggest(id, ids, nids);
        rc = s ? lm_diag_error(&ctx->diags, LM_ESCHEMA, &loc,
                               "unknown rule '%s' in rules.disable (did you mean '%s'?)", id, s)
               : lm_diag_error(&ctx->diags, LM_ESCHEMA, &loc, "unknown rule '%s' in rules.disable", id);
    }
    for (size_t i = 0; i < sc->rules.nwaive; i++) {
        const struct lm_waiver *w = &sc->rules.waive[i];
        if (w->rule == NULL || lm_rules_find(rs, w->rule) >= 0 || lm_check_own_rule(w->rule) >= 0)
            continue;
        struct lm_loc loc = { sc->file, w->line, w->col };
        const char *s = lm__suggest(w->rule, ids, nids);
        rc = s ? lm_diag_error(&ctx->diags, LM_ESCHEMA, &loc,
                               "waiver for unknown rule '%s' (did you mean '%s'?)", w->rule, s)
               : lm_diag_error(&ctx->diags, LM_ESCHEMA, &loc, "waiver for unknown rule '%s'", w->rule);
    }
    free(ids);
    return rc;
}


int lm_cli_load_rules(struct lm_ctx *ctx, struct lm_ruleset *rs, const char *const *files,
                      size_t nfiles, int no_default)
{
    int r = no_default ? LM_OK : lm_rules_load_builtin(rs, &ctx->limits, &ctx->diags);
    for (size_t i = 0; i < nfiles && r == LM_OK; i++) {
        char *buf;
        size_t len;
        const char *display = strcmp(files[i], "-") == 0 ? "<stdin>" : files[i];
        r = lm__read_input(files[i], display, ctx->limits.max_input_size, &ctx->diags, &buf, &len);
        if (r == LM_OK) {
            r = lm_rules_load(rs, display, buf, len, &ctx->limits, &ctx->diags);
            free(buf);
        }
    }
    return r;
}
