/*
 * libFuzzer harness for `check` end to end (issue 15): the input is a
 * scenario file; it goes through what cmd_check does after option parsing,
 * on a file on disk: discovery, the scenario loader, deployment resolution
 * against the catalog, the ids check, judgement by the default rules,
 * waivers and locations, then every output format (text, markdown, JSON,
 * SARIF, JUnit, GitHub annotations) from the same result. --fail-on and
 * --suggest vary with a hash of the input, so every setting is reached.
 *
 * The builtin catalog and rules are loaded once and reloaded every 1000
 * inputs (check allocates the pinned host into the catalog's arena). Host
 * detection is pinned (LMCHOOSE_HOST) so that no nvidia-smi is run.
 *
 * Build with -DLM_FUZZ=ON and clang; run as
 *   build-fuzz/tests/fuzz_check CORPUS tests/fuzz/corpus/check -max_total_time=600
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/check.h"
#include "lmchoose/render.h"
#include "lmchoose/status.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* main.c is not linked (it has main()); the command table in cli.c names
 * its help command. */
static const char *const help_usage[] = { NULL };
const struct lm_cmd_spec lm_help_spec = { help_usage, NULL, NULL };
int cmd_help(int argc, char **argv, struct lm_ctx *c)
{
    (void)argc;
    (void)argv;
    (void)c;
    return LM_EXIT_OK;
}

static struct lm_ctx ctx;
static struct lm_ruleset rules = LM_RULESET_INIT;
static unsigned long runs;
static char path[64];

static void load(void)
{
    struct lm_catalog cat = LM_CATALOG_INIT;
    struct lm_diags diags = LM_DIAGS_INIT;
    lm_catalog_release(&ctx.cat);
    lm_rules_release(&rules);
    ctx.cat = cat;
    ctx.diags = diags;
    if (lm_cli_load_catalog(&ctx) != LM_EXIT_OK ||
        lm_rules_load_builtin(&rules, &ctx.limits, &ctx.diags) != LM_OK)
        abort(); /* the builtin data must load */
    ctx.cat.slm_max_params_b = rules.slm_max_params_b;
    lm_diags_release(&ctx.diags);
}

static void remove_input(void)
{
    unlink(path);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    setenv("LMCHOOSE_HOST", "nvidia-rtx-4090", 1);
    setenv("SOURCE_DATE_EPOCH", "1798675200", 1);
    snprintf(path, sizeof(path), "/tmp/fuzz_check.%ld.yaml", (long)getpid());
    atexit(remove_input);
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    memset(&ctx, 0, sizeof(ctx));
    ctx.cmd = "check";
    ctx.limits = limits;
    load();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (++runs % 1000 == 0)
        load();
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, size, f) != size || fclose(f) != 0)
        abort();
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    struct lm_check_opts o = { (int)(h % 4), (int)((h >> 2) & 1), (int)((h >> 3) & 1) };
    struct lm_diags diags = LM_DIAGS_INIT;
    ctx.diags = diags;
    struct lm_check_result res;
    memset(&res, 0, sizeof(res));
    res.rules = &rules;
    res.fail_on = o.fail_on;
    char *args[] = { path };
    int rc = lm__check_run(&ctx, &rules, args, 1, &o, &res);
    if (rc < 0 || rc > 4)
        abort();
    char *buf = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&buf, &len);
    if (out == NULL)
        abort();
    lm_render_text_check(&res, 0, out);
    lm_render_text_check(&res, 1, out);
    lm_render_json_check(&res, out);
    lm_render_sarif_check(&res, &ctx.diags, out);
    lm_render_junit_check(&res, out);
    lm_render_github_check(&res, out);
    fclose(out);
    /* One diagnostic is one line: no message carries a control character
     * (issue 15). */
    for (size_t i = 0; i < ctx.diags.count; i++)
        for (const char *p = ctx.diags.items[i].msg; *p; p++)
            if ((unsigned char)*p < 0x20 || *p == 0x7F)
                abort();
    free(buf);
    lm_check_result_release(&res);
    lm_diags_release(&ctx.diags);
    return 0;
}
