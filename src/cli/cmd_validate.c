/*
 * `lmchoose validate FILE...`: load each file as the kind its top-level keys
 * say (or --kind) and report every error of every file. Each valid file prints
 * `FILE: ok (KIND)`. Exit 0 when all are valid, else 3.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "util/fs.h"
#include "lmchoose/render.h"
#include "lmchoose/rules.h"
#include "lmchoose/scenario.h"
#include "lmchoose/status.h"
#include "io/ynode.h"

static const char *const usage[] = {
    "usage: lmchoose validate FILE... [--kind KIND] [--profiles DIR]",
    "       lmchoose validate --profiles DIR",
    "",
    "Check profile files and report every error of every file. A model or",
    "hardware file that holds only some keys of an entry the catalog (or a",
    "--profiles layer) defines is a partial override and is checked merged.",
    "With --profiles DIR and no FILE, every entry of the layers is checked.",
    "The kind is",
    "decided by the top-level keys (quantizations: the quantization table,",
    "runtimes: the runtime table, memory_gib: hardware, lmchoose: a scenario,",
    "rules: a rule file, anything else: a model)",
    "unless --kind says otherwise. FILE may be - for standard input.",
    "",
    "Options:",
    NULL
};

static const char *const kinds[] = { "model", "hardware", "quantizations", "runtimes",
                                     "scenario", "rules", NULL };

/* --kind: one of kinds[], stored at off (forced) as the array's own string. */
static int opt_kind(struct lm_ctx *ctx, void *target, const struct lm_opt *row, const char *arg)
{
    (void)row;
    for (size_t i = 0; kinds[i] != NULL; i++) {
        if (strcmp(kinds[i], arg) == 0) {
            *(const char **)target = kinds[i];
            return 0;
        }
    }
    lm_cli_unknown_id(ctx, "kind", arg, kinds, 6);
    return -1;
}

static const struct lm_opt opts[] = {
    { "kind", 0, "KIND", "model, hardware, quantizations, runtimes, scenario or rules",
      LM_OPT_CALL, 0, 0, 0, 0, opt_kind },
    LM_OPT_FORMAT("text|json", "output format (default text); json lists every file with\n"
                  "its kind and every error (docs/cli.md)", 0),
    LM_OPT_PROFILES("load this profile layer first (repeatable)", 0),
    LM_OPT_TEXT("  --max-input-size BYTES  --max-depth N  --max-nodes N  --max-scalar BYTES  --max-files N"),
    LM_OPT_TEXT("                          input limits (defaults: 4 MiB, 64, 100000, 65536, 100000)"),
    LM_OPT_MAX_INPUT_SIZE(NULL, LM_OPT_GROUPED),
    LM_OPT_MAX_DEPTH(NULL, LM_OPT_GROUPED),
    LM_OPT_MAX_NODES(NULL, LM_OPT_GROUPED),
    LM_OPT_MAX_SCALAR(NULL, LM_OPT_GROUPED),
    LM_OPT_MAX_FILES(NULL, LM_OPT_GROUPED),
    LM_OPT_QUIET("do not print the ok lines", 0),
    LM_OPT_HELP_ROW("print this help", 0),
    /* Accepted, but not named by --help (docs/cli.md). */
    LM_OPT_OUTPUT(NULL, LM_OPT_UNLISTED),
    LM_OPT_COLOR(NULL, LM_OPT_UNLISTED),
    LM_OPT_TABLE_END
};

const struct lm_cmd_spec lm_validate_spec = { usage, opts, NULL };

/* The kind a file's top-level keys announce (DESIGN §6.7). */
static const char *detect_kind(const struct lm_ynode *root)
{
    if (root->kind != LM_Y_MAP)
        return "model";
    if (lm__ymap_get(root, "lmchoose") != NULL)
        return "scenario";
    if (lm__ymap_get(root, "rules") != NULL)
        return "rules";
    if (lm__ymap_get(root, "quantizations") != NULL)
        return "quantizations";
    if (lm__ymap_get(root, "runtimes") != NULL)
        return "runtimes";
    if (lm__ymap_get(root, "memory_gib") != NULL)
        return "hardware";
    return "model";
}

/* True when path's parent directory is models/ or hardware/, where the file
 * name must match the id (DESIGN §3.1). */
static int in_profile_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (slash == NULL)
        return 0;
    size_t n = (size_t)(slash - path);
    const char *dir = path;
    for (size_t i = 0; i < n; i++)
        if (path[i] == '/')
            dir = path + i + 1;
    size_t dl = (size_t)(slash - dir);
    return (dl == 6 && strncmp(dir, "models", 6) == 0) ||
           (dl == 8 && strncmp(dir, "hardware", 8) == 0);
}

static void print_ok(struct lm_ctx *ctx, const char *display, const char *kind,
                     const char *over)
{
    if (over != NULL)
        fprintf(ctx->out, "%s: ok (%s, merged over %s)\n", display, kind, over);
    else
        fprintf(ctx->out, "%s: ok (%s)\n", display, kind);
}

/* The origin a partial override from file display was merged over, or NULL. */
static const char *merged_over(const struct lm_catalog *cat, const char *display)
{
    for (size_t i = 0; i < cat->nmodels; i++)
        if (strcmp(cat->models[i]->origin, display) == 0)
            return cat->models[i]->merged_over;
    for (size_t i = 0; i < cat->nhardware; i++)
        if (strcmp(cat->hardware[i]->origin, display) == 0)
            return cat->hardware[i]->merged_over;
    return NULL;
}

/* validate --profiles DIR (no FILE): load every layer as recommend would and
 * report each entry the layers define, merged with the lower layers. */
static int validate_layers(struct lm_ctx *ctx)
{
    int rc = lm_cli_load_catalog(ctx);
    if (ctx->quiet)
        return rc;
    const struct lm_catalog *cat = &ctx->cat;
    for (size_t i = 0; i < cat->nmodels; i++)
        if (strncmp(cat->models[i]->origin, "<builtin>/", 10) != 0)
            print_ok(ctx, cat->models[i]->origin, "model", cat->models[i]->merged_over);
    for (size_t i = 0; i < cat->nhardware; i++)
        if (strncmp(cat->hardware[i]->origin, "<builtin>/", 10) != 0)
            print_ok(ctx, cat->hardware[i]->origin, "hardware", cat->hardware[i]->merged_over);
    return rc;
}

int cmd_validate(int argc, char **argv, struct lm_ctx *ctx)
{
    const char *forced = NULL;
    int first;
    int prc = lm_cli_parse(ctx, &lm_validate_spec, argc, argv, &forced, &first);
    if (prc != LM_CLI_PARSED)
        return prc;
    if (first >= argc && ctx->nprofile_dirs > 0)
        return validate_layers(ctx);
    if (first >= argc)
        return lm_cli_usage_error(ctx, "validate needs at least one FILE (or --profiles DIR)");
    int nstdin = 0;
    for (int i = first; i < argc; i++)
        if (strcmp(argv[i], "-") == 0 && ++nstdin > 1)
            return lm_cli_usage_error(ctx, "'-' (standard input) given twice");
    if ((size_t)(argc - first) > ctx->limits.max_files)
        return lm_cli_usage_error(ctx, "%d files exceed --max-files (%zu)", argc - first,
                                  ctx->limits.max_files);
    if (ctx->format != LM_FMT_TEXT && ctx->format != LM_FMT_JSON)
        return lm_cli_usage_error(ctx, "validate prints text or json, not %s",
                                  lm_format_names[ctx->format]);
    int json = ctx->format == LM_FMT_JSON;
    struct lm_validate_file *vf = calloc((size_t)(argc - first), sizeof(*vf));
    if (vf == NULL)
        return LM_EXIT_INTERNAL;

    int rc = LM_EXIT_OK;
    for (int i = first; i < argc; i++) {
        int printed = 0;
        const char *path = argv[i];
        const char *display = strcmp(path, "-") == 0 ? "<stdin>" : path;
        struct lm_validate_file *v = &vf[i - first];
        v->file = display;
        v->d0 = ctx->diags.count;
        char *buf;
        size_t len;
        int r = lm__read_input(path, display, ctx->limits.max_input_size, &ctx->diags,
                               &buf, &len);
        if (r != LM_OK) {
            if (lm_status_exit_code(r) > rc)
                rc = lm_status_exit_code(r);
            v->d1 = ctx->diags.count;
            continue;
        }
        struct lm_arena arena = LM_ARENA_INIT;
        struct lm_ynode *root;
        const char *kind = forced;
        r = lm__yaml_parse(&arena, display, buf, len, &ctx->limits, &ctx->diags, &root);
        if (r == LM_OK && kind == NULL)
            kind = detect_kind(root);
        lm_arena_release(&arena);
        if (r == LM_OK && strcmp(kind, "rules") == 0) {
            /* Loaded on its own, so its ids may repeat the default set's
             * (--rules replaces by id). */
            struct lm_ruleset rs = LM_RULESET_INIT;
            r = lm_rules_load(&rs, display, buf, len, &ctx->limits, &ctx->diags);
            lm_rules_release(&rs);
        } else if (r == LM_OK && strcmp(kind, "scenario") == 0) {
            /* Ids are checked against the builtin catalog and rules. */
            struct lm_catalog cat = LM_CATALOG_INIT;
            struct lm_ruleset rs = LM_RULESET_INIT;
            struct lm_scenario sc;
            memset(&sc, 0, sizeof(sc));
            r = lm_scenario_load(&sc, display, buf, len, &ctx->limits, &ctx->diags);
            if (r == LM_OK)
                r = lm_catalog_load_builtin(&cat, &ctx->limits, &ctx->diags);
            if (r == LM_OK)
                r = lm_rules_load_builtin(&rs, &ctx->limits, &ctx->diags);
            if (r == LM_OK) {
                /* Both run, so that every unknown id is reported. */
                int ri = lm_cli_check_scenario_ids(ctx, &cat, &sc, &rs);
                r = lm_cli_resolve_deployment_ids(ctx, &cat, &sc, 1);
                if (ri != LM_OK)
                    r = ri;
            }
            lm_scenario_release(&sc);
            lm_rules_release(&rs);
            lm_catalog_release(&cat);
        } else if (r == LM_OK) {
            /* A fresh catalog per file, so that one file's cross-reference
             * errors are reported once, against that file. The file goes
             * over the layers (--profiles), so a partial override is
             * checked merged (docs/profiles.md). */
            struct lm_catalog cat = LM_CATALOG_INIT;
            r = lm_catalog_load(&cat, ctx->profile_dirs, ctx->nprofile_dirs, &ctx->limits,
                                &ctx->diags);
            if (r == LM_OK)
                r = lm_catalog_load_file(&cat, kind, display, buf, len, in_profile_dir(path),
                                         &ctx->limits, &ctx->diags);
            if (r == LM_OK && !ctx->quiet && !json)
                print_ok(ctx, display, kind, merged_over(&cat, display));
            printed = 1;
            lm_catalog_release(&cat);
        }
        free(buf);
        v->kind = kind;
        v->valid = r == LM_OK;
        v->d1 = ctx->diags.count;
        if (r == LM_OK && !ctx->quiet && !json && !printed)
            print_ok(ctx, display, kind, NULL);
        if (lm_status_exit_code(r) > rc)
            rc = lm_status_exit_code(r);
    }
    if (json && lm_render_json_validate(vf, (size_t)(argc - first), &ctx->diags, rc, ctx->out) != LM_OK)
        rc = LM_EXIT_INTERNAL;
    free(vf);
    return rc;
}
