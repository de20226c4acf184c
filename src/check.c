/*
 * `lmchoose check` (DESIGN §6.3): every scenario file with a `deployment`
 * block is judged — the declared candidate is estimated and run through the
 * rules exactly as recommend judges its own candidates (recommend.c,
 * lm_recommend_evaluate), the findings are located at the YAML key they are
 * about and matched against the file's waivers, and an advisory finding is
 * added when another candidate of the scenario scores clearly higher.
 *
 * Every input is evaluated even when others fail; an input that cannot be
 * evaluated is reported on stderr (ctx->diags) and as a file entry with an
 * error, and makes the run exit 3.
 */
#include "check.h"

#include <dirent.h>
#include <errno.h>
#include <glob.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "facts.h"
#include "fs.h"
#include "lmchoose/host.h"
#include "lmchoose/recommend.h"
#include "lmchoose/render.h"
#include "lmchoose/scenario.h"
#include "lmchoose/status.h"
#include "strutil.h"
#include "ynode.h"

/* The advisory's threshold (§6.3), in total points. */
#define BETTER_MARGIN 10.0

/* ------------------------------------------------------------- discovery */

struct pathlist {
    char **v;
    size_t n, cap;
};

static int pl_add(struct pathlist *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 16;
        char **g = realloc(l->v, cap * sizeof(*g));
        if (g == NULL)
            return LM_ENOMEM;
        l->v = g;
        l->cap = cap;
    }
    if ((l->v[l->n] = strdup(s)) == NULL)
        return LM_ENOMEM;
    l->n++;
    return LM_OK;
}

static void pl_free(struct pathlist *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int is_yaml_name(const char *name)
{
    size_t n = strlen(name);
    return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
           (n > 4 && strcmp(name + n - 4, ".yml") == 0);
}

/* Appends every *.yaml / *.yml under dir (recursively; names starting with
 * '.' skipped, symlinked directories not followed). */
static int walk(struct lm_ctx *ctx, const char *dir, struct pathlist *out, int depth)
{
    DIR *d = opendir(dir);
    if (d == NULL) {
        struct lm_loc loc = { dir, 0, 0 };
        return lm_diag_error(&ctx->diags, LM_EIO, &loc, "cannot read directory: %s",
                             strerror(errno));
    }
    int rc = LM_OK;
    size_t dl = strlen(dir);
    int slash = dl > 0 && dir[dl - 1] == '/';
    struct dirent *e;
    while (rc == LM_OK && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *path = lm__asprintf("%s%s%s", dir, slash ? "" : "/", e->d_name);
        if (path == NULL) {
            rc = LM_ENOMEM;
            break;
        }
        struct stat st;
        if (lstat(path, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                if (depth < 64)
                    rc = walk(ctx, path, out, depth + 1);
            } else if (is_yaml_name(e->d_name)) {
                /* A symlink to a file is read; one to a directory is not
                 * followed. */
                struct stat t;
                if (!S_ISLNK(st.st_mode) || stat(path, &t) != 0 || !S_ISDIR(t.st_mode))
                    rc = pl_add(out, path);
            }
        }
        free(path);
    }
    closedir(d);
    return rc == LM_ENOMEM ? rc : LM_OK;
}

/* ------------------------------------------------------------ the result */

static struct lm_check_file *new_file(struct lm_check_result *res, const char *name)
{
    if (res->n == res->cap) {
        size_t cap = res->cap ? res->cap * 2 : 16;
        struct lm_check_file *g = realloc(res->files, cap * sizeof(*g));
        if (g == NULL)
            return NULL;
        res->files = g;
        res->cap = cap;
    }
    struct lm_check_file *f = &res->files[res->n];
    memset(f, 0, sizeof(*f));
    f->file = lm_arena_strdup(&res->arena, name);
    if (f->file == NULL)
        return NULL;
    f->passed = 0;
    res->n++;
    return f;
}

/* Marks f as not evaluated, with the first error diagnostic from d0 on. */
static void set_error(struct lm_check_result *res, struct lm_check_file *f,
                      const struct lm_diags *diags, size_t d0)
{
    f->error = 1;
    f->passed = 0;
    for (size_t i = d0; i < diags->count; i++) {
        const struct lm_diag *g = &diags->items[i];
        if (g->sev != LM_SEV_ERROR)
            continue;
        f->error_message = lm_arena_strdup(&res->arena, g->msg);
        f->error_line = g->line;
        f->error_col = g->line ? g->col : 0;
        return;
    }
    f->error_message = "input error";
}

/* ------------------------------------------------------------- locations */

static const struct lm_keyloc_pub *key_of_fact(const struct lm_scenario *sc, const char *path)
{
    char key[256];
    if (strncmp(path, "scenario.", 9) == 0) {
        snprintf(key, sizeof(key), "constraints.%s", path + 9);
        return lm_scenario_key(sc, key);
    }
    if (strncmp(path, "task.", 5) == 0 || strncmp(path, "workload.", 9) == 0)
        return lm_scenario_key(sc, path);
    return NULL;
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

static void locate(const struct lm_scenario *sc, const struct lm_rule *rule, unsigned *line,
                   unsigned *col)
{
    const struct lm_keyloc_pub *k = NULL;
    if (rule != NULL && rule->at != NULL) {
        k = key_of_fact(sc, rule->at);
        if (k == NULL && deployment_field(rule->at) != NULL)
            k = lm_scenario_key(sc, deployment_field(rule->at));
    }
    const size_t *ids = NULL;
    size_t n = rule != NULL ? lm_expr_facts(rule->when, &ids) : 0;
    for (size_t i = 0; k == NULL && i < n; i++) {
        const char *key;
        if (lm__fact_is_scenario(ids[i], &key)) {
            char path[256];
            snprintf(path, sizeof(path), "constraints.%s", key);
            k = lm_scenario_key(sc, path);
        }
    }
    if (k == NULL && n > 0) {
        const char *field = deployment_field(lm_fact_table.defs[ids[0]].path);
        if (field != NULL)
            k = lm_scenario_key(sc, field);
    }
    if (k == NULL)
        k = lm_scenario_key(sc, "deployment");
    *line = k ? k->line : 1;
    *col = k ? k->col : 1;
}

/* --------------------------------------------------------------- waivers */

/* Today (UTC) as YYYY-MM-DD: SOURCE_DATE_EPOCH when set, else the clock. */
static void today(char buf[32])
{
    time_t t = time(NULL);
    const char *sde = getenv("SOURCE_DATE_EPOCH");
    if (sde != NULL && sde[0] >= '0' && sde[0] <= '9') {
        char *end;
        long long v = strtoll(sde, &end, 10);
        if (*end == '\0')
            t = (time_t)v;
    }
    struct tm tm;
    if (gmtime_r(&t, &tm) == NULL || tm.tm_year + 1900 > 9999 || tm.tm_year + 1900 < 0)
        snprintf(buf, 32, "9999-12-31");
    else
        snprintf(buf, 32, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

/* ------------------------------------------------------- the deployment */

struct state {
    struct lm_ctx *ctx;
    const struct lm_ruleset *rs;
    const struct lm_check_opts *o;
    struct lm_check_result *res;
    const struct lm_hardware *local;
    int local_built, local_tried, local_rc;
    char today[32];
};

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
    const struct lm_keyloc_pub *k = lm_scenario_key(sc, path);
    struct lm_loc loc = { sc->file, k ? k->vline : 0, k ? k->vcol : 0 };
    const char *sug = ids != NULL ? lm__suggest(id, ids, n) : NULL;
    if (sug != NULL)
        return lm_diag_error(&s->ctx->diags, LM_ESCHEMA, &loc,
                             "unknown %s '%s' (did you mean '%s'?)", what, id, sug);
    return lm_diag_error(&s->ctx->diags, LM_ESCHEMA, &loc, "unknown %s '%s'", what, id);
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
    const struct lm_keyloc_pub *k = lm_scenario_key(sc, path);
    unsigned line = k ? (field[0] ? k->vline : k->line) : 0;
    unsigned col = k ? (field[0] ? k->vcol : k->col) : 0;
    struct lm_loc loc = { sc->file, line, col };
    va_list ap;
    va_start(ap, fmt);
    int rc = lm_diag_verror(&s->ctx->diags, LM_ESCHEMA, &loc, fmt, ap);
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
    const struct lm_keyloc_pub *k = lm_scenario_key(sc, path);
    struct lm_loc loc = { sc->file, k ? k->vline : 0, k ? k->vcol : 0 };
    return lm_cli_resolve_at(s->ctx, &s->ctx->cat, kind, slot, keyword, &loc, rc);
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
    if (a->line != b->line)
        return a->line < b->line ? -1 : 1;
    if (a->col != b->col)
        return a->col < b->col ? -1 : 1;
    return a->rule < b->rule ? -1 : a->rule > b->rule;
}

static int add_finding(struct state *s, struct lm_check_file *f, const struct lm_scenario *sc,
                       size_t ri, const char *rule_id, int dimension, int severity,
                       const char *message, unsigned line, unsigned col)
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
    const struct lm_waiver *live = NULL, *expired = NULL;
    for (size_t i = 0; i < sc->rules.nwaive; i++) {
        const struct lm_waiver *w = &sc->rules.waive[i];
        if (w->rule == NULL || w->expires == NULL || strcmp(w->rule, rule_id) != 0)
            continue;
        if (strcmp(w->expires, s->today) >= 0) {
            if (live == NULL)
                live = w;
        } else if (expired == NULL) {
            expired = w;
        }
    }
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
    for (size_t k = 0; k < sc->rules.disable.n; k++)
        if (strcmp(sc->rules.disable.items[k], id) == 0)
            return 1;
    return 0;
}

/* Judges a loaded scenario whose ids are valid. */
static int judge_file(struct state *s, struct lm_check_file *f, struct lm_scenario *sc)
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
            return lm_diag_error(&s->ctx->diags, LM_ELIMIT, NULL,
                                 "too many candidates to rank: at most 65535 quantizations, "
                                 "65535 runtimes and 4294967295 candidates");
        return lm_diag_error(&s->ctx->diags, LM_ENOMEM, NULL, "out of memory");
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
    f->candidate = lm_arena_strdup(&s->res->arena, id);
    f->findings = lm_arena_alloc(&s->res->arena, (s->rs->n + 2) * sizeof(*f->findings));
    if (f->candidate == NULL || f->findings == NULL) {
        lm_recommendation_release(&rec);
        return lm_diag_error(&s->ctx->diags, LM_ENOMEM, NULL, "out of memory");
    }
    char msg[2048];
    for (size_t i = 0; i < s->rs->n && i < LM_MAX_RULES && rc == LM_OK; i++) {
        const struct lm_rule *rule = s->rs->rules[i];
        f->enabled[i] = rec.enabled[i];
        if (!(c.fired[i / 64] & ((uint64_t)1 << (i % 64))))
            continue;
        if (rule->severity != LM_SEV_RULE_ERROR && rule->score > 0)
            continue; /* rationale, never a finding */
        lm_candidate_message(&rec, &c, i, msg, sizeof(msg));
        unsigned line, col;
        locate(sc, rule, &line, &col);
        rc = add_finding(s, f, sc, i, rule->id, rule->dimension, rule->severity, msg, line, col);
    }
    f->enabled[LM_CHECK_RULE_BETTER] = !rule_disabled(sc, LM_RULE_BETTER_CANDIDATE);
    if (rc == LM_OK && f->enabled[LM_CHECK_RULE_BETTER] && rec.nfeasible > 0) {
        struct lm_candidate built;
        lm_recommendation_candidate(&rec, rec.order[0], &built);
        const struct lm_candidate *best = &built;
        double margin = lm_round(best->total - c.total, 1);
        if (margin >= BETTER_MARGIN) {
            snprintf(msg, sizeof(msg), "%s scores %.1f points more (%.1f against %.1f)",
                     best->id, margin, best->total, c.total);
            unsigned line, col;
            locate(sc, NULL, &line, &col);
            rc = add_finding(s, f, sc, LM_CHECK_RULE_BETTER, LM_RULE_BETTER_CANDIDATE,
                             LM_DIM_OPS, s->o->suggest ? LM_SEV_RULE_WARNING : LM_SEV_RULE_INFO,
                             msg, line, col);
        }
    }
    lm_recommendation_release(&rec);
    if (rc != LM_OK)
        return lm_diag_error(&s->ctx->diags, LM_ENOMEM, NULL, "out of memory");
    qsort(f->findings, f->nfindings, sizeof(*f->findings), finding_cmp);
    f->passed = 1;
    for (size_t i = 0; i < f->nfindings; i++)
        if (f->findings[i].failing)
            f->passed = 0;
    return LM_OK;
}

/* Why a parsed YAML document is not a deployment to check, or NULL. */
static const char *skip_reason(const struct lm_ynode *root)
{
    if (root == NULL || root->kind != LM_Y_MAP || lm__ymap_get(root, "lmchoose") == NULL)
        return "no lmchoose: key";
    if (lm__ymap_get(root, "deployment") == NULL)
        return "no deployment: key";
    return NULL;
}

/* One input file. Returns LM_OK (judged or skipped), an input error status,
 * or LM_ENOMEM. */
static int check_file(struct state *s, const char *path)
{
    struct lm_ctx *ctx = s->ctx;
    const char *display = strcmp(path, "-") == 0 ? "<stdin>" : path;
    struct lm_check_file *f = new_file(s->res, display);
    if (f == NULL)
        return LM_ENOMEM;
    size_t d0 = ctx->diags.count;
    char *buf = NULL;
    size_t len = 0;
    int rc = lm__read_input(path, display, ctx->limits.max_input_size, &ctx->diags, &buf, &len);
    if (rc != LM_OK) {
        set_error(s->res, f, &ctx->diags, d0);
        return rc;
    }
    /* Skip what is not an lmchoose deployment, before any schema check. */
    struct lm_arena arena = LM_ARENA_INIT;
    struct lm_ynode *root = NULL;
    rc = lm__yaml_parse(&arena, display, buf, len, &ctx->limits, &ctx->diags, &root);
    const char *why = rc == LM_OK ? skip_reason(root) : NULL;
    lm_arena_release(&arena);
    if (rc != LM_OK) {
        free(buf);
        set_error(s->res, f, &ctx->diags, d0);
        return rc;
    }
    if (why != NULL) {
        free(buf);
        f->skipped = why;
        f->passed = -1;
        return LM_OK;
    }
    struct lm_scenario sc;
    memset(&sc, 0, sizeof(sc));
    rc = lm_scenario_load(&sc, display, buf, len, &ctx->limits, &ctx->diags);
    free(buf);
    if (rc == LM_OK)
        rc = lm_cli_check_scenario_ids(ctx, &ctx->cat, &sc, s->rs);
    if (rc == LM_OK)
        rc = judge_file(s, f, &sc);
    lm_scenario_release(&sc);
    if (rc != LM_OK) {
        f->nfindings = 0;
        f->candidate = NULL;
        set_error(s->res, f, &ctx->diags, d0);
    }
    return rc;
}

/* An argument that leaves nothing to judge. */
static int nothing_to_check(struct state *s, const char *arg)
{
    struct lm_loc loc = { arg, 0, 0 };
    size_t d0 = s->ctx->diags.count;
    lm_diag_error(&s->ctx->diags, LM_EIO, &loc, "no deployment files to check");
    struct lm_check_file *f = new_file(s->res, arg);
    if (f == NULL)
        return LM_ENOMEM;
    set_error(s->res, f, &s->ctx->diags, d0);
    return LM_EIO;
}

static int has_glob_chars(const char *s)
{
    return strpbrk(s, "*?[") != NULL;
}

/* Expands the arguments into files, in order; arguments that match
 * nothing are reported here. */
static int expand(struct state *s, char *const *args, size_t nargs, struct pathlist *files,
                  int *worst)
{
    for (size_t a = 0; a < nargs; a++) {
        const char *arg = args[a];
        size_t before = files->n;
        struct stat st;
        int exists = strcmp(arg, "-") != 0 && stat(arg, &st) == 0;
        int rc = LM_OK;
        struct pathlist found = { NULL, 0, 0 };
        if (exists && S_ISDIR(st.st_mode)) {
            rc = walk(s->ctx, arg, &found, 0);
        } else if (!exists && strcmp(arg, "-") != 0 && has_glob_chars(arg)) {
            glob_t g;
            memset(&g, 0, sizeof(g));
            int gr = glob(arg, GLOB_NOSORT, NULL, &g);
            for (size_t i = 0; gr == 0 && i < g.gl_pathc && rc == LM_OK; i++) {
                struct stat t;
                if (stat(g.gl_pathv[i], &t) == 0 && S_ISDIR(t.st_mode))
                    rc = walk(s->ctx, g.gl_pathv[i], &found, 0);
                else
                    rc = pl_add(&found, g.gl_pathv[i]);
            }
            if (gr == 0)
                globfree(&g);
            if (gr == GLOB_NOSPACE)
                rc = LM_ENOMEM;
        } else {
            rc = pl_add(&found, arg);
        }
        if (found.n > 1)
            qsort(found.v, found.n, sizeof(*found.v), str_cmp);
        for (size_t i = 0; i < found.n && rc == LM_OK; i++)
            rc = pl_add(files, found.v[i]);
        pl_free(&found);
        if (rc == LM_OK && files->n == before)
            rc = nothing_to_check(s, arg);
        if (rc == LM_ENOMEM)
            return rc;
        if (lm_status_exit_code(rc) > lm_status_exit_code(*worst))
            *worst = rc;
    }
    return LM_OK;
}

int lm__check_run(struct lm_ctx *ctx, const struct lm_ruleset *rs, char *const *args,
                  size_t nargs, const struct lm_check_opts *o, struct lm_check_result *res)
{
    res->rules = rs;
    res->fail_on = o->fail_on;
    struct state s;
    memset(&s, 0, sizeof(s));
    s.ctx = ctx;
    s.rs = rs;
    s.o = o;
    s.res = res;
    today(s.today);
    struct pathlist files = { NULL, 0, 0 };
    int worst = LM_OK;
    int rc = expand(&s, args, nargs, &files, &worst);
    if (rc == LM_OK && files.n > ctx->limits.max_files) {
        lm_diag_error(&ctx->diags, LM_ELIMIT, NULL, "%zu files exceed --max-files (%zu)",
                      files.n, ctx->limits.max_files);
        worst = LM_ELIMIT;
        pl_free(&files); /* judge none of them */
    }
    size_t njudged = 0;
    for (size_t i = 0; i < files.n && rc == LM_OK; i++) {
        size_t before = res->n;
        int r = check_file(&s, files.v[i]);
        if (r == LM_ENOMEM) {
            rc = r;
            break;
        }
        if (lm_status_exit_code(r) > lm_status_exit_code(worst))
            worst = r;
        if (res->n > before && res->files[before].skipped == NULL)
            njudged++;
    }
    /* Nothing left to judge (everything skipped) is an input error too. */
    if (rc == LM_OK && njudged == 0 && worst == LM_OK) {
        worst = LM_EIO;
        for (size_t a = 0; a < nargs && rc == LM_OK; a++)
            if (nothing_to_check(&s, args[a]) == LM_ENOMEM)
                rc = LM_ENOMEM;
    }
    pl_free(&files);
    lm_check_summarize(res);
    if (rc == LM_ENOMEM) {
        lm_diag_error(&ctx->diags, LM_ENOMEM, NULL, "out of memory");
        res->exit_code = LM_EXIT_INTERNAL;
        return res->exit_code;
    }
    int code = lm_status_exit_code(worst);
    for (size_t i = 0; code < LM_EXIT_FINDINGS && i < res->n; i++)
        if (res->files[i].passed == 0)
            code = LM_EXIT_FINDINGS;
    res->exit_code = code;
    return code;
}
