/* Run preparation for recommend and explain. */
#include "cli/run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/fs.h"
#include "lmchoose/host.h"
#include "lmchoose/render.h"
#include "lmchoose/status.h"

void lm_run_args_init(struct lm_run_args *a)
{
    memset(a, 0, sizeof(*a));
    a->context = (double)NAN;
    a->top = 5;
}

void lm_run_args_release(struct lm_run_args *a)
{
    lm_cli_list_release(&a->hw);
    lm_cli_list_release(&a->rules);
    memset(a, 0, sizeof(*a));
}

int lm_run_prepare(struct lm_ctx *ctx, const struct lm_run_args *a, struct lm_run *run)
{
    memset(run, 0, sizeof(*run));
    struct lm_ruleset init = LM_RULESET_INIT;
    run->rs = init;
    int nstdin = a->scenario_path && strcmp(a->scenario_path, "-") == 0;
    for (size_t i = 0; i < a->rules.n; i++)
        nstdin += strcmp(a->rules.items[i], "-") == 0;
    if (nstdin > 1)
        return lm_cli_usage_error(ctx, "'-' (standard input) given twice");

    int rc = lm_cli_load_catalog(ctx);
    int r = LM_OK;
    if (rc != LM_EXIT_OK)
        goto fail;
    /* Command-line ids are checked after the catalog, before any file. */
    /* Each name may be an id or an alias (DESIGN §9.7); the hardware
     * overrides are rewritten to their ids, which the JSON echoes. */
    const struct lm_quant *tag_quant = NULL;
    if (a->model_id != NULL) {
        const char *name = a->model_id;
        if ((run->model = lm_cli_resolve_model(ctx, &name, &tag_quant, &rc)) == NULL)
            return rc;
    }
    for (size_t i = 0; i < a->hw.n; i++)
        if (strcmp(a->hw.items[i], "local") != 0 &&
            lm_cli_resolve(ctx, LM_KIND_HARDWARE, &a->hw.items[i], "local", &rc) == NULL)
            return rc;
    run->ropt.weights_formula = a->weights_formula;
    run->ropt.threads = (int)a->threads;
    if (a->quant_id != NULL && strcmp(a->quant_id, "auto") == 0) {
        run->ropt.quant_auto = 1;
    } else if (a->quant_id != NULL) {
        const char *name = a->quant_id;
        if ((run->ropt.quant = lm_cli_resolve(ctx, LM_KIND_QUANT, &name, "auto", &rc)) == NULL)
            return rc;
    }
    if (tag_quant != NULL && a->quant_id != NULL && run->ropt.quant != tag_quant)
        return lm_cli_usage_error(ctx, "--quant %s disagrees with the tag of MODEL, which names "
                                  "'%s'", a->quant_id, tag_quant->id);
    if (tag_quant != NULL)
        run->ropt.quant = tag_quant;
    if (a->runtime_id != NULL) {
        const char *name = a->runtime_id;
        if ((run->ropt.runtime = lm_cli_resolve(ctx, LM_KIND_RUNTIME, &name, NULL, &rc)) == NULL)
            return rc;
    }

    r = lm_cli_load_rules(ctx, &run->rs, a->rules.items, a->rules.n, a->no_default_rules);
    if (r != LM_OK)
        goto fail_status;
    ctx->cat.slm_max_params_b = run->rs.slm_max_params_b;

    if (a->scenario_path != NULL) {
        const char *display = strcmp(a->scenario_path, "-") == 0 ? "<stdin>" : a->scenario_path;
        char *buf;
        size_t len;
        r = lm__read_input(a->scenario_path, display, ctx->limits.max_input_size, &ctx->diags,
                           &buf, &len);
        if (r == LM_OK) {
            r = lm_scenario_load(&run->sc, display, buf, len, &ctx->limits, &ctx->diags);
            free(buf);
        }
        if (r == LM_OK)
            r = lm_cli_check_scenario_ids(ctx, &ctx->cat, &run->sc, &run->rs);
        if (r == LM_OK)
            r = lm_cli_resolve_deployment_ids(ctx, &ctx->cat, &run->sc, 0);
        if (r != LM_OK)
            goto fail_status;
    } else {
        lm_scenario_default(&run->sc);
        if (a->default_open) {
            run->sc.constraints.hardware_set = 0;
            run->sc.constraints.hardware.n = 0;
            run->sc.constraints.privacy = -1;
        }
    }
    /* Command-line overrides (§3.2). */
    if (a->hw.n > 0) {
        run->sc.constraints.hardware.items = a->hw.items;
        run->sc.constraints.hardware.n = a->hw.n;
        run->sc.constraints.hardware_set = 1;
        run->sc.constraints.hardware_pos = NULL;
        /* --hardware says where to look: owned hardware outside it stays
         * out (its ownership still counts when it is listed). */
        struct lm_owned *kept = run->sc.constraints.nowned
                                    ? lm_arena_alloc(&run->sc.arena, run->sc.constraints.nowned *
                                                                         sizeof(*kept))
                                    : NULL;
        size_t nk = 0;
        for (size_t i = 0; kept != NULL && i < run->sc.constraints.nowned; i++)
            for (size_t k = 0; k < a->hw.n; k++)
                if (run->sc.constraints.owned[i].hardware != NULL &&
                    strcmp(run->sc.constraints.owned[i].hardware, a->hw.items[k]) == 0) {
                    kept[nk++] = run->sc.constraints.owned[i];
                    break;
                }
        run->sc.constraints.owned = kept;
        run->sc.constraints.nowned = nk;
        run->sc.constraints.owned_ids.n = 0; /* rebuilt below for the rules */
        const char **ids = nk ? lm_arena_alloc(&run->sc.arena, nk * sizeof(*ids)) : NULL;
        for (size_t i = 0; ids != NULL && i < nk; i++)
            ids[run->sc.constraints.owned_ids.n++] = kept[i].hardware;
        run->sc.constraints.owned_ids.items = ids;
    }
    if (!isnan(a->context))
        run->sc.task.context_tokens = a->context;
    int need_local = 0;
    for (size_t i = 0; run->sc.constraints.hardware_set && i < run->sc.constraints.hardware.n; i++)
        need_local |= strcmp(run->sc.constraints.hardware.items[i], "local") == 0;
    for (size_t i = 0; i < run->sc.constraints.nowned; i++)
        need_local |= run->sc.constraints.owned[i].hardware != NULL &&
                      strcmp(run->sc.constraints.owned[i].hardware, "local") == 0;
    if (need_local) {
        r = lm_host_resolve(&ctx->cat, &ctx->limits, &ctx->diags, &run->ropt.local,
                            &run->ropt.local_built);
        if (r != LM_OK)
            goto fail_status;
    }
    r = lm_recommend(&ctx->cat, &run->sc, &run->rs, &run->ropt, &run->rec);
    if (r == LM_ELIMIT) {
        lm_diag_error(&ctx->diags, LM_ELIMIT, NULL,
                      "too many candidates to rank: at most 65535 quantizations, 65535 "
                      "runtimes and 4294967295 candidates");
        return lm_status_exit_code(r);
    }
    if (r != LM_OK) {
        lm_diag_error(&ctx->diags, LM_ENOMEM, NULL, "out of memory");
        return LM_EXIT_INTERNAL;
    }
    return LM_EXIT_OK;
fail_status:
    rc = lm_status_exit_code(r);
fail:
    if (ctx->format == LM_FMT_JSON && rc == LM_EXIT_INPUT)
        lm_render_json_errors(ctx->cmd, rc, &ctx->diags, ctx->out);
    return rc;
}

void lm_run_release(struct lm_run *run)
{
    lm_recommendation_release(&run->rec);
    lm_scenario_release(&run->sc);
    lm_rules_release(&run->rs);
}
