/*
 * `lmchoose check`, one deployment judged (check_int.h): the declared
 * candidate is estimated and run through the rules exactly as recommend
 * judges its own candidates (lm_recommend_evaluate), each finding is located
 * at the YAML key it is about and matched against the file's waivers, and
 * an advisory finding is added when another candidate scores clearly
 * higher. check.c (files, discovery, waivers) and check_deploy.c (the
 * deployment files teams already have) both call in here; nothing here
 * calls back into them.
 */
#include "check/check_int.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmchoose/host.h"
#include "lmchoose/recommend.h"
#include "lmchoose/scenario.h"
#include "lmchoose/status.h"
#include "rules/facts.h"
#include "util/numfmt.h"
#include "util/strutil.h"

/* The advisory's threshold (§6.3), in total points. */
#define BETTER_MARGIN 10.0

/* ------------------------------------------------------------- locations */

int lm__check_find_key(const struct state *s, const struct lm_scenario *sc, const char *path,
                       struct kpos *out)
{
    if (s->dlocs != NULL && strncmp(path, "deployment", 10) == 0) {
        if (strcmp(path, "deployment") == 0) {
            *out = (struct kpos){ s->dfile, s->dline, s->dcol, s->dline, s->dcol };
            return 1;
        }
        for (size_t i = 0; i < s->ndlocs; i++)
            if (strcmp(s->dlocs[i].path, path) == 0) {
                const struct dloc *d = &s->dlocs[i];
                *out = (struct kpos){ d->file, d->line, d->col, d->line, d->col };
                return 1;
            }
        return 0;
    }
    if (!s->sc_keys)
        return 0;
    const struct lm_keyloc_pub *k = lm_scenario_key(sc, path);
    if (k == NULL)
        return 0;
    *out = (struct kpos){ sc->file, k->line, k->col, k->vline, k->vcol };
    return 1;
}

static int key_of_fact(const struct state *s, const struct lm_scenario *sc, const char *path,
                       struct kpos *out)
{
    char key[256];
    if (strncmp(path, "scenario.", 9) == 0) {
        snprintf(key, sizeof(key), "constraints.%s", path + 9);
        return lm__check_find_key(s, sc, key, out);
    }
    if (strncmp(path, "task.", 5) == 0 || strncmp(path, "workload.", 9) == 0)
        return lm__check_find_key(s, sc, path, out);
    return 0;
}

/* The deployment field a fact path's root matches (§6.3 Locations, 3). */
static const char *deployment_field(const char *path)
{
    if (strncmp(path, "model.", 6) == 0)
        return "deployment.model";
    if (strncmp(path, "quant.", 6) == 0)
        return "deployment.quantization";
    if (strncmp(path, "hardware.", 9) == 0)
        return "deployment.hardware";
    if (strcmp(path, "candidate.devices") == 0)
        return "deployment.devices";
    if (strcmp(path, "candidate.placement") == 0)
        return "deployment.placement";
    return NULL;
}

static void locate(const struct state *s, const struct lm_scenario *sc,
                   const struct lm_rule *rule, struct kpos *out)
{
    int found = 0;
    if (rule != NULL && rule->at != NULL) {
        found = key_of_fact(s, sc, rule->at, out);
        if (!found && deployment_field(rule->at) != NULL)
            found = lm__check_find_key(s, sc, deployment_field(rule->at), out);
    }
    const size_t *ids = NULL;
    size_t n = rule != NULL ? lm_expr_facts(rule->when, &ids) : 0;
    for (size_t i = 0; !found && i < n; i++) {
        const char *key;
        if (lm__fact_is_scenario(ids[i], &key)) {
            char path[256];
            snprintf(path, sizeof(path), "constraints.%s", key);
            found = lm__check_find_key(s, sc, path, out);
        }
    }
    if (!found && n > 0) {
        const char *field = deployment_field(lm_fact_table.defs[ids[0]].path);
        if (field != NULL)
            found = lm__check_find_key(s, sc, field, out);
    }
    if (!found)
        found = lm__check_find_key(s, sc, "deployment", out);
    if (!found)
        *out = (struct kpos){ sc->file, 1, 1, 1, 1 };
}

/* ------------------------------------------------------- the deployment */

static int resolve_local(struct state *s)
{
    if (!s->local_tried) {
        s->local_tried = 1;
        s->local_rc = lm_host_resolve(&s->ctx->cat, &s->ctx->limits, &s->ctx->diags, &s->local,
                                      &s->local_built);
    }
    return s->local_rc;
}

/* An unknown id at the value of deployment.<field>, with "did you mean". */
static int bad_id(struct state *s, const struct lm_scenario *sc, const char *field,
                  const char *what, const char *id, const char *const *ids, size_t n)
{
    char path[64];
    snprintf(path, sizeof(path), "deployment.%s", field);
    struct kpos k;
    int have = lm__check_find_key(s, sc, path, &k);
    struct lm_loc loc = { have ? k.file : sc->file, have ? k.vline : 0, have ? k.vcol : 0 };
    const char *sug = ids != NULL ? lm__suggest(id, ids, n) : NULL;
    if (sug != NULL)
        return lm_diag_error(s->diags, LM_ESCHEMA, &loc,
                             "unknown %s '%s' (did you mean '%s'?)", what, id, sug);
    return lm_diag_error(s->diags, LM_ESCHEMA, &loc, "unknown %s '%s'", what, id);
}

static int value_error(struct state *s, const struct lm_scenario *sc, const char *field,
                       const char *fmt, ...) LM_PRINTF(4, 5);

/* An error at the value of deployment.<field>, or at the `deployment:` key
 * when field is "". */
static int value_error(struct state *s, const struct lm_scenario *sc, const char *field,
                       const char *fmt, ...)
{
    char path[64];
    snprintf(path, sizeof(path), "deployment%s%s", field[0] ? "." : "", field);
    struct kpos k;
    int have = lm__check_find_key(s, sc, path, &k);
    if (!have && field[0])
        have = lm__check_find_key(s, sc, "deployment", &k);
    unsigned line = have ? (field[0] ? k.vline : k.line) : 0;
    unsigned col = have ? (field[0] ? k.vcol : k.col) : 0;
    struct lm_loc loc = { have ? k.file : sc->file, line, col };
    va_list ap;
    va_start(ap, fmt);
    int rc = lm_diag_verror(s->diags, LM_ESCHEMA, &loc, fmt, ap);
    va_end(ap);
    return rc;
}

/* The entry a deployment field names (an id or an alias, DESIGN §9.7); the
 * field is rewritten to the catalog id, which the JSON echoes. NULL for the
 * keyword, or after an error at the value (*rc set). */
static const void *deployment_name(struct state *s, struct lm_scenario *sc, const char *field,
                                   enum lm_id_kind kind, const char **slot, const char *keyword,
                                   int *rc)
{
    char path[64];
    snprintf(path, sizeof(path), "deployment.%s", field);
    struct kpos k;
    int have = lm__check_find_key(s, sc, path, &k);
    struct lm_loc loc = { have ? k.file : sc->file, have ? k.vline : 0, have ? k.vcol : 0 };
    if (s->diags == &s->ctx->diags)
        return lm_cli_resolve_at(s->ctx, &s->ctx->cat, kind, slot, keyword, &loc, rc);
    /* A deployment file's values: the diagnostics go where s->diags says
     * (they become findings, not input errors). */
    struct lm_diags saved = s->ctx->diags;
    s->ctx->diags = *s->diags;
    const void *e = lm_cli_resolve_at(s->ctx, &s->ctx->cat, kind, slot, keyword, &loc, rc);
    *s->diags = s->ctx->diags;
    s->ctx->diags = saved;
    return e;
}

/* Resolves the deployment's ids into spec. Errors at the values. */
static int resolve_deployment(struct state *s, struct lm_scenario *sc,
                              struct lm_deploy_spec *spec)
{
    const struct lm_catalog *cat = &s->ctx->cat;
    struct lm_deployment *d = &sc->deployment;
    memset(spec, 0, sizeof(*spec));
    size_t nmax = cat->nmodels + cat->nhardware + cat->nquants + cat->nruntimes + 8;
    const char **ids = malloc(nmax * sizeof(*ids));
    if (ids == NULL)
        return LM_ENOMEM;
    int rc = LM_OK;
    rc = lm_cli_deployment_tag(s->ctx, cat, sc, 1);
    spec->model = deployment_name(s, sc, "model", LM_KIND_MODEL, &d->model, NULL, &rc);
    if (spec->model == NULL && d->hardware == NULL)
        goto out;
    const struct lm_model *m = spec->model;
    if (d->hardware == NULL) {
        if (m->napi == 0) {
            rc = value_error(s, sc, "model",
                             "model '%s' has no API offer; a self-hosted deployment needs 'hardware'",
                             m->id);
            goto out;
        }
        if (d->provider != NULL) {
            spec->offer = lm_model_offer(m, d->provider);
            if (spec->offer == NULL) {
                for (size_t i = 0; i < m->napi; i++)
                    ids[i] = m->api[i].provider;
                rc = bad_id(s, sc, "provider", "provider", d->provider, ids, m->napi);
            }
        } else if (m->napi > 1) {
            rc = value_error(s, sc, "",
                             "missing key 'provider': model '%s' is offered by several providers",
                             m->id);
        } else {
            spec->offer = &m->api[0];
        }
        goto out;
    }
    if (d->provider != NULL)
        rc = value_error(s, sc, "provider",
                         "'provider' is for API deployments; with 'hardware' the model is self-hosted");
    if (m != NULL && m->open_weights != 1)
        rc = value_error(s, sc, "model",
                         "model '%s' has no open weights; deploy it as an API (without 'hardware')",
                         m->id);
    int is_local = strcmp(d->hardware, "local") == 0;
    if (is_local) {
        int r = resolve_local(s);
        if (r != LM_OK) {
            rc = r;
            goto out;
        }
        spec->hw = s->local;
        spec->local_built = s->local_built;
    } else {
        spec->hw = deployment_name(s, sc, "hardware", LM_KIND_HARDWARE, &d->hardware, "local", &rc);
    }
    spec->quant = deployment_name(s, sc, "quantization", LM_KIND_QUANT, &d->quantization,
                                  "auto", &rc);
    spec->runtime = deployment_name(s, sc, "runtime", LM_KIND_RUNTIME, &d->runtime, NULL, &rc);
    if (spec->hw == NULL)
        goto out;
    unsigned offered = is_local ? 1u << LM_PLACE_DEVICE : spec->hw->placements;
    spec->placement = -1;
    if (d->placement != NULL) {
        for (int p = 0; p < 3; p++)
            if (strcmp(lm_placement_names[p], d->placement) == 0)
                spec->placement = p;
        if (spec->placement < 0 || !(offered & (1u << spec->placement))) {
            char list[64] = "";
            for (int p = 0; p < 3; p++)
                if (offered & (1u << p))
                    snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
                             list[0] ? ", " : "", lm_placement_names[p]);
            rc = value_error(s, sc, "placement", "placement '%s' is not offered by %s (it offers %s)",
                             d->placement, d->hardware, list[0] ? list : "none");
        }
    } else {
        for (int p = 2; p >= 0; p--)
            if (offered & (1u << p))
                spec->placement = p;
        if (spec->placement < 0)
            rc = value_error(s, sc, "hardware", "hardware '%s' offers no self-hosted placement",
                             d->hardware);
    }
    spec->devices = d->devices;
    if (isfinite(spec->hw->max_devices) && d->devices > spec->hw->max_devices) {
        rc = value_error(s, sc, "devices", "%g devices exceed %s's max_devices (%g)",
                         d->devices, d->hardware, spec->hw->max_devices);
    }
out:
    free(ids);
    return rc;
}

/* ------------------------------------------------------ judging one file */

static int finding_cmp(const void *pa, const void *pb)
{
    const struct lm_check_finding *a = pa, *b = pb;
    int c = strcmp(a->file ? a->file : "", b->file ? b->file : "");
    if (c != 0)
        return c;
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return a->rule < b->rule ? -1 : a->rule > b->rule;
}

/* Room for n more findings in f. */
static int reserve_findings(struct state *s, struct lm_check_file *f, size_t *cap, size_t n)
{
    if (f->nfindings + n <= *cap)
        return LM_OK;
    size_t nc = (f->nfindings + n) * 2;
    struct lm_check_finding *g = lm_arena_alloc(&s->res->arena, nc * sizeof(*g));
    if (g == NULL)
        return LM_ENOMEM;
    if (f->nfindings)
        memcpy(g, f->findings, f->nfindings * sizeof(*g));
    f->findings = g;
    *cap = nc;
    return LM_OK;
}

static const struct lm_waiver *match_waiver(const struct lm_waiver *ws, size_t n,
                                            const char *rule_id, const char *today,
                                            const struct lm_waiver **expired)
{
    const struct lm_waiver *live = NULL;
    for (size_t i = 0; i < n; i++) {
        const struct lm_waiver *w = &ws[i];
        if (w->rule == NULL || w->expires == NULL || strcmp(w->rule, rule_id) != 0)
            continue;
        if (strcmp(w->expires, today) >= 0) {
            if (live == NULL)
                live = w;
        } else if (*expired == NULL) {
            *expired = w;
        }
    }
    return live;
}

/* Adds a finding (room reserved by the caller). file NULL: the entry's. */
static int add_finding(struct state *s, struct lm_check_file *f, const struct lm_scenario *sc,
                       size_t ri, const char *rule_id, int dimension, int severity,
                       const char *message, const char *file, unsigned line, unsigned col)
{
    struct lm_arena *a = &s->res->arena;
    struct lm_check_finding *x = &f->findings[f->nfindings];
    memset(x, 0, sizeof(*x));
    x->rule = ri;
    x->rule_id = rule_id;
    x->dimension = dimension;
    x->severity = severity;
    x->line = line;
    x->col = col;
    x->file = file != NULL && strcmp(file, f->file) != 0 ? lm_arena_strdup(a, file) : NULL;
    x->deployment = s->deploy_name;
    const struct lm_waiver *expired = NULL;
    const struct lm_waiver *live =
        sc != NULL ? match_waiver(sc->rules.waive, sc->rules.nwaive, rule_id, s->today, &expired)
                   : NULL;
    if (live == NULL)
        live = match_waiver(s->extra_waive, s->nextra_waive, rule_id, s->today, &expired);
    const struct lm_waiver *w = live ? live : expired;
    if (w != NULL) {
        x->waiver_reason = lm_arena_strdup(a, w->reason ? w->reason : "");
        x->waiver_expires = lm_arena_strdup(a, w->expires);
        if (x->waiver_reason == NULL || x->waiver_expires == NULL)
            return LM_ENOMEM;
    }
    x->waived = live != NULL;
    x->waiver_expired = live == NULL && expired != NULL;
    char *msg = x->waiver_expired ? lm__asprintf("%s (waiver expired %s)", message, expired->expires)
                                  : lm__asprintf("%s", message);
    if (msg == NULL)
        return LM_ENOMEM;
    x->message = lm_arena_strdup(a, msg);
    free(msg);
    if (x->message == NULL)
        return LM_ENOMEM;
    x->failing = !x->waived && s->o->fail_on != LM_CHECK_FAIL_NEVER && severity <= s->o->fail_on;
    f->nfindings++;
    return LM_OK;
}

static int rule_disabled(const struct lm_scenario *sc, const char *id)
{
    for (size_t k = 0; sc != NULL && k < sc->rules.disable.n; k++)
        if (strcmp(sc->rules.disable.items[k], id) == 0)
            return 1;
    return 0;
}

/* One of check's own findings (check_int.h). */
int lm__check_own_finding(struct state *s, struct lm_check_file *f, size_t *cap,
                       const struct lm_scenario *sc, size_t ri, const char *file, unsigned line,
                       unsigned col, const char *fmt, ...)
{
    const struct lm_check_pseudo *p = &lm_check_pseudo_rules[ri - LM_CHECK_RULE_BETTER];
    if (rule_disabled(sc, p->id))
        return LM_OK;
    f->enabled[ri] = 1;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    int rc = reserve_findings(s, f, cap, 1);
    if (rc != LM_OK)
        return rc;
    return add_finding(s, f, sc, ri, p->id, LM_DIM_OPS, p->severity, msg, file,
                       line ? line : 1, col ? col : 1);
}

/* Judges a deployment whose ids are valid (sc->deployment) and adds its
 * findings to f; *cap is f->findings' capacity. Returns LM_OK, an input
 * error (a value the catalog cannot run; in s->diags) or LM_ENOMEM. */
int lm__check_judge_deployment(struct state *s, struct lm_check_file *f, size_t *cap,
                            struct lm_scenario *sc, struct lm_check_deploy *cd)
{
    struct lm_deploy_spec spec;
    int rc = resolve_deployment(s, sc, &spec);
    if (rc != LM_OK)
        return rc;
    struct lm_rec_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.weights_formula = s->o->weights_formula;
    opt.no_flips = 1;
    size_t nlist = sc->constraints.hardware_set ? sc->constraints.hardware.n : 0;
    for (size_t i = 0; i < nlist + sc->constraints.nowned; i++) {
        const char *hid = i < nlist ? sc->constraints.hardware.items[i]
                                    : sc->constraints.owned[i - nlist].hardware;
        if (hid != NULL && strcmp(hid, "local") == 0) {
            if ((rc = resolve_local(s)) != LM_OK)
                return rc;
            opt.local = s->local;
            opt.local_built = s->local_built;
        }
    }
    struct lm_recommendation rec;
    rc = lm_recommend(&s->ctx->cat, sc, s->rs, &opt, &rec);
    if (rc != LM_OK) {
        lm_recommendation_release(&rec);
        if (rc == LM_ELIMIT)
            return lm_diag_error(s->diags, LM_ELIMIT, NULL,
                                 "too many candidates to rank: at most 65535 quantizations, "
                                 "65535 runtimes and 4294967295 candidates");
        return lm_diag_error(s->diags, LM_ENOMEM, NULL, "out of memory");
    }
    struct lm_candidate c;
    rc = lm_recommend_evaluate(&rec, &spec, &c);
    if (rc != LM_OK) {
        const struct lm_deployment *d = &sc->deployment;
        if (d->runtime != NULL)
            rc = value_error(s, sc, "runtime", "runtime '%s' cannot load quantization '%s'",
                             d->runtime, d->quantization);
        else
            rc = value_error(s, sc, "quantization", "no runtime can run quantization '%s' on %s",
                             d->quantization, d->hardware);
        lm_recommendation_release(&rec);
        return rc;
    }
    char id[256];
    lm_candidate_id(&c, id, sizeof(id));
    const char *cand = lm_arena_strdup(&s->res->arena, id);
    if (cand == NULL || reserve_findings(s, f, cap, s->rs->n + 2) != LM_OK) {
        lm_recommendation_release(&rec);
        return lm_diag_error(s->diags, LM_ENOMEM, NULL, "out of memory");
    }
    if (f->candidate == NULL)
        f->candidate = cand;
    if (cd != NULL) {
        cd->candidate = cand;
        if (spec.hw == NULL)
            cd->placement = "api";
        else if (cd->placement == NULL && spec.placement >= 0 && spec.placement < LM_PLACE_API)
            cd->placement = lm_placement_names[spec.placement];
    }
    char msg[2048];
    for (size_t i = 0; i < s->rs->n && i < LM_MAX_RULES && rc == LM_OK; i++) {
        const struct lm_rule *rule = s->rs->rules[i];
        f->enabled[i] |= rec.enabled[i];
        if (!(c.fired[i / 64] & ((uint64_t)1 << (i % 64))))
            continue;
        if (rule->severity != LM_SEV_RULE_ERROR && rule->score > 0)
            continue; /* rationale, never a finding */
        lm_candidate_message(&rec, &c, i, msg, sizeof(msg));
        struct kpos k;
        locate(s, sc, rule, &k);
        rc = add_finding(s, f, sc, i, rule->id, rule->dimension, rule->severity, msg, k.file,
                         k.line, k.col);
    }
    int better_on = !rule_disabled(sc, LM_RULE_BETTER_CANDIDATE);
    f->enabled[LM_CHECK_RULE_BETTER] |= (unsigned char)better_on;
    if (rc == LM_OK && better_on && rec.nfeasible > 0) {
        struct lm_candidate built;
        lm_recommendation_candidate(&rec, rec.order[0], &built);
        const struct lm_candidate *best = &built;
        double margin = lm_round(best->total - c.total, 1);
        if (margin >= BETTER_MARGIN) {
            snprintf(msg, sizeof(msg), "%s scores %.1f points more (%.1f against %.1f)",
                     best->id, margin, best->total, c.total);
            struct kpos k;
            locate(s, sc, NULL, &k);
            rc = add_finding(s, f, sc, LM_CHECK_RULE_BETTER, LM_RULE_BETTER_CANDIDATE,
                             LM_DIM_OPS, s->o->suggest ? LM_SEV_RULE_WARNING : LM_SEV_RULE_INFO,
                             msg, k.file, k.line, k.col);
        }
    }
    lm_recommendation_release(&rec);
    if (rc != LM_OK)
        return lm_diag_error(s->diags, LM_ENOMEM, NULL, "out of memory");
    return LM_OK;
}

void lm__check_finish_file(struct lm_check_file *f)
{
    qsort(f->findings, f->nfindings, sizeof(*f->findings), finding_cmp);
    f->passed = 1;
    for (size_t i = 0; i < f->nfindings; i++)
        if (f->findings[i].failing)
            f->passed = 0;
}

