/*
 * `check` over deployment files (DESIGN §6.3, issue 14): each deployment a
 * reader found (deploy_read.h) is mapped to catalog ids (deploy_names.c),
 * compared with what .lmchoose.yaml or a scenario's copy says (ops.drift),
 * and judged against its service's scenario exactly as a scenario's own
 * deployment is, with every finding located in the deployment file. Where a
 * value the estimate needs cannot be determined, an ops.unresolved finding
 * says so at the value and nothing is guessed.
 */
#include "check/check_int.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "deploy/deploy_names.h"
#include "util/fs.h"
#include "lmchoose/status.h"
#include "util/strutil.h"
#include "io/ynode.h"

/* "scenarios/../k8s/x.yaml" -> "k8s/x.yaml", "./a" -> "a", lexically (in
 * place), so that findings name a file the way a user would. */
static void tidy_path(char *p)
{
    int abs = p[0] == '/';
    char *segs[256];
    size_t n = 0;
    char *save = NULL;
    for (char *t = strtok_r(p, "/", &save); t != NULL; t = strtok_r(NULL, "/", &save)) {
        if (strcmp(t, ".") == 0)
            continue;
        if (strcmp(t, "..") == 0 && n > 0 && strcmp(segs[n - 1], "..") != 0) {
            n--;
            continue;
        }
        if (n < 256)
            segs[n++] = t;
    }
    char out[PATH_MAX];
    size_t o = 0;
    if (abs)
        out[o++] = '/';
    for (size_t i = 0; i < n && o + strlen(segs[i]) + 2 < sizeof(out); i++) {
        if (i > 0)
            out[o++] = '/';
        memcpy(out + o, segs[i], strlen(segs[i]));
        o += strlen(segs[i]);
    }
    out[o] = '\0';
    if (o == 0)
        snprintf(out, sizeof(out), ".");
    strcpy(p, out);
}

const char *lm__check_base_of(const char *path)
{
    const char *b = strrchr(path, '/');
    return b ? b + 1 : path;
}

int lm__check_read_foreign(struct state *s, const char *display, const char *buf, size_t len,
                        struct lm_ynode **docs, size_t ndocs, struct foreign *fo)
{
    struct lm_dreader r = { &fo->arena, display, buf, len, &s->ctx->limits, &fo->perr, &fo->ff };
    int rc = docs == NULL && lm__deploy_text_name(lm__check_base_of(display))
                 ? lm__deploy_read_text(&r, lm__check_base_of(display))
                 : lm__deploy_read_yaml(&r, docs, ndocs);
    /* vLLM --config FILE next to the file that names it. */
    for (size_t i = 0; rc == LM_OK && i < fo->ff.n; i++) {
        struct lm_fdeploy *d = &fo->ff.d[i];
        if (d->config.s == NULL)
            continue;
        char *path = d->config.s[0] == '/' ? lm__asprintf("%s", d->config.s)
                                           : lm__asprintf("%.*s%s", (int)(lm__check_base_of(display) - display),
                                                          display, d->config.s);
        if (path == NULL)
            return LM_ENOMEM;
        char *cbuf = NULL;
        size_t clen = 0;
        struct lm_diags quiet = LM_DIAGS_INIT;
        struct lm_ynode **cdocs = NULL;
        size_t cn = 0;
        int found = 0;
        tidy_path(path);
        if (lm__read_input(path, path, s->ctx->limits.max_input_size, &quiet, &cbuf, &clen) == LM_OK &&
            lm__yaml_parse_foreign(&fo->arena, path, cbuf, clen, &s->ctx->limits, &quiet, &cdocs,
                                   &cn) == LM_OK && cn > 0) {
            struct lm_dreader cr = r;
            cr.buf = cbuf;
            cr.len = clen;
            cr.file = lm_arena_strdup(&fo->arena, path);
            if (cr.file == NULL)
                rc = LM_ENOMEM;
            if (rc == LM_OK)
                rc = lm__vllm_config_read(&cr, cdocs[0], d, &found);
        }
        if (rc == LM_OK && !found)
            rc = lm__fd_note(&r, d->config.line, d->config.col,
                             "vLLM --config %s cannot be read from here; its values are unknown",
                             d->config.s);
        free(cbuf);
        free(path);
        lm_diags_release(&quiet);
    }
    return rc;
}

void lm__check_foreign_release(struct foreign *fo)
{
    lm_arena_release(&fo->arena);
    lm_diags_release(&fo->perr);
}

static int parse_number(const char *s, double *out)
{
    if (s == NULL || *s == '\0')
        return 0;
    char *end;
    double v = strtod(s, &end);
    if (*end != '\0' || !isfinite(v))
        return 0;
    *out = v;
    return 1;
}

struct dstate {
    struct dloc locs[8];
    size_t n;
};

static void add_dloc(struct dstate *d, const char *path, const char *file, unsigned line,
                     unsigned col)
{
    if (d->n < 8 && line > 0)
        d->locs[d->n++] = (struct dloc){ path, file, line, col };
}

/* Judges one deployment of a deployment file against base (its service's
 * scenario), comparing it with what decl says. Findings go to f. */
int lm__check_judge_foreign(struct state *s, struct lm_check_file *f, size_t *cap,
                         const char *file, const struct lm_fdeploy *fd,
                         const struct lm_scenario *base, const struct declared *decl,
                         const char *service)
{
    const struct lm_catalog *cat = &s->ctx->cat;
    struct lm_arena *a = &s->res->arena;
    if (f->ndeploys % 8 == 0) {
        struct lm_check_deploy *g = lm_arena_alloc(a, (f->ndeploys + 8) * sizeof(*g));
        if (g == NULL)
            return LM_ENOMEM;
        if (f->ndeploys)
            memcpy(g, f->deploys, f->ndeploys * sizeof(*g));
        f->deploys = g;
    }
    struct lm_check_deploy *cd = &f->deploys[f->ndeploys++];
    memset(cd, 0, sizeof(*cd));
    /* The reader's strings die with its arena; the result keeps copies. */
    cd->name = lm_arena_strdup(a, fd->name);
    cd->format = fd->format; /* static */
    cd->file = lm_arena_strdup(a, file);
    if (cd->name == NULL || cd->file == NULL)
        return LM_ENOMEM;
    cd->line = fd->line;
    cd->col = fd->col;
    cd->service = service;
    cd->devices = cd->max_model_len = cd->gpu_memory_utilization = (double)NAN;
    cd->region = fd->v[LM_D_REGION].s ? lm_arena_strdup(a, fd->v[LM_D_REGION].s) : NULL;
    cd->kv_cache_dtype = fd->v[LM_D_KV_DTYPE].s ? lm_arena_strdup(a, fd->v[LM_D_KV_DTYPE].s) : NULL;
    parse_number(fd->v[LM_D_MAX_LEN].s, &cd->max_model_len);
    parse_number(fd->v[LM_D_GPU_UTIL].s, &cd->gpu_memory_utilization);
    s->deploy_name = cd->name;
    s->dfile = cd->file;
    s->dline = fd->line;
    s->dcol = fd->col;
    struct dstate dl = { .n = 0 };
    char why[512];
    int unresolved = 0, rc = LM_OK;
    const struct lm_dval *v = fd->v;
#define UNRESOLVED(file_, line_, col_, ...)                                                     \
    do {                                                                                        \
        unresolved = 1;                                                                         \
        if ((rc = lm__check_own_finding(s, f, cap, base, LM_CHECK_RULE_UNRESOLVED, file_, line_, col_,   \
                              __VA_ARGS__)) != LM_OK)                                           \
            return rc;                                                                          \
    } while (0)
#define DRIFT(k, what, have)                                                                    \
    do {                                                                                        \
        if ((rc = lm__check_own_finding(s, f, cap, base, LM_CHECK_RULE_DRIFT, decl->file,                 \
                              decl->v[k].line, decl->v[k].col,                                  \
                              "%s is '%s' here but %s:%u:%u says '%s'", what, decl->v[k].s,     \
                              v_file, v_line, v_col, have)) != LM_OK)                           \
            return rc;                                                                          \
    } while (0)
    unsigned v_line, v_col;
    const char *v_file = file;
#define VF(f_) (v[f_].file != NULL ? v[f_].file : file)

    /* The model. */
    const struct lm_model *model = NULL;
    struct lm_name_model nm;
    memset(&nm, 0, sizeof(nm));
    if (v[LM_D_MODEL].s != NULL) {
        if (lm__name_model(cat, v[LM_D_MODEL].s, &nm)) {
            model = nm.model;
            add_dloc(&dl, "deployment.model", VF(LM_D_MODEL), v[LM_D_MODEL].line, v[LM_D_MODEL].col);
            v_line = v[LM_D_MODEL].line;
            v_col = v[LM_D_MODEL].col;
            v_file = VF(LM_D_MODEL);
            const struct lm_model *dm = decl->v[DK_MODEL].s ? lm_catalog_model(cat, decl->v[DK_MODEL].s) : NULL;
            if (decl->v[DK_MODEL].s != NULL && dm != model)
                DRIFT(DK_MODEL, "model", model->id);
        } else if (decl->v[DK_MODEL].s != NULL) {
            model = lm_catalog_model(cat, decl->v[DK_MODEL].s);
            add_dloc(&dl, "deployment.model", decl->file, decl->v[DK_MODEL].line, decl->v[DK_MODEL].col);
        } else {
            UNRESOLVED(VF(LM_D_MODEL), v[LM_D_MODEL].line, v[LM_D_MODEL].col,
                       "%s; name the catalog model in .lmchoose.yaml (services[].deployment.model) "
                       "or add a profile layer", nm.why);
        }
    } else if (decl->v[DK_MODEL].s != NULL) {
        model = lm_catalog_model(cat, decl->v[DK_MODEL].s);
        add_dloc(&dl, "deployment.model", decl->file, decl->v[DK_MODEL].line, decl->v[DK_MODEL].col);
    } else {
        UNRESOLVED(file, fd->line, fd->col,
                   "cannot tell which model %s serves; name it in .lmchoose.yaml "
                   "(services[].deployment.model)", fd->name[0] ? fd->name : "this deployment");
    }
    if (decl->v[DK_MODEL].s != NULL && model == NULL && !unresolved)
        UNRESOLVED(decl->file, decl->v[DK_MODEL].line, decl->v[DK_MODEL].col,
                   "unknown model '%s'", decl->v[DK_MODEL].s);
    cd->model = model ? model->id : NULL;

    struct lm_deployment dep;
    memset(&dep, 0, sizeof(dep));
    dep.present = 1;
    dep.model = cd->model;
    const char *prov_raw = v[LM_D_PROVIDER].s;
    if (prov_raw != NULL) {
        /* An API deployment (LiteLLM). */
        int self_hosted = 0;
        const char *prov = lm__name_provider(prov_raw, &self_hosted);
        add_dloc(&dl, "deployment.provider", VF(LM_D_PROVIDER), v[LM_D_PROVIDER].line, v[LM_D_PROVIDER].col);
        if (model != NULL && (prov == NULL || lm_model_offer(model, prov) == NULL)) {
            char offered[256] = "";
            for (size_t i = 0; i < model->napi; i++)
                snprintf(offered + strlen(offered), sizeof(offered) - strlen(offered), "%s%s",
                         i ? ", " : "", model->api[i].provider);
            UNRESOLVED(file, v[LM_D_PROVIDER].line, v[LM_D_PROVIDER].col,
                       "provider '%s' is not in the catalog for %s (offered by: %s); add a "
                       "profile layer with its offer", prov_raw, model->id,
                       offered[0] ? offered : "none");
        }
        dep.provider = cd->provider = prov;
    } else {
        /* Self-hosted: GPU type and count. */
        const char *hw = NULL;
        if (v[LM_D_HARDWARE].s != NULL) {
            if (lm__name_hardware(cat, v[LM_D_HARDWARE].s, &hw, why, sizeof(why))) {
                add_dloc(&dl, "deployment.hardware", VF(LM_D_HARDWARE), v[LM_D_HARDWARE].line, v[LM_D_HARDWARE].col);
                v_line = v[LM_D_HARDWARE].line;
                v_col = v[LM_D_HARDWARE].col;
                v_file = VF(LM_D_HARDWARE);
                if (decl->v[DK_HARDWARE].s != NULL && strcmp(decl->v[DK_HARDWARE].s, hw) != 0)
                    DRIFT(DK_HARDWARE, "hardware", hw);
            } else if (decl->v[DK_HARDWARE].s != NULL) {
                hw = decl->v[DK_HARDWARE].s;
                add_dloc(&dl, "deployment.hardware", decl->file, decl->v[DK_HARDWARE].line,
                         decl->v[DK_HARDWARE].col);
            } else {
                UNRESOLVED(VF(LM_D_HARDWARE), v[LM_D_HARDWARE].line, v[LM_D_HARDWARE].col, "%s", why);
            }
        } else if (decl->v[DK_HARDWARE].s != NULL) {
            hw = decl->v[DK_HARDWARE].s;
            add_dloc(&dl, "deployment.hardware", decl->file, decl->v[DK_HARDWARE].line,
                     decl->v[DK_HARDWARE].col);
        } else {
            const struct lm_dval *g = fd->gpu_request.s ? &fd->gpu_request : NULL;
            UNRESOLVED(file, g ? g->line : fd->line, g ? g->col : fd->col,
                       "cannot tell which GPU %s runs on%s%s%s; name it in .lmchoose.yaml "
                       "(services[].deployment.hardware)%s",
                       fd->name[0] ? fd->name : "this deployment", g ? " (the file asks for " : "",
                       g ? g->s : "", g ? (strcmp(g->s, "1") == 0 ? " GPU of no named type)"
                                                                  : " GPUs of no named type)") : "",
                       strcmp(fd->format, "kubernetes") == 0 || strcmp(fd->format, "kserve") == 0
                           ? " or add a nvidia.com/gpu.product node selector" : "");
        }
        dep.hardware = cd->hardware = hw;
        /* GPU count: the resource request, else the parallel sizes, else
         * the copy, else vLLM's default of one. */
        double devices = 1, tp = 1, pp = 1;
        int have_tp = parse_number(v[LM_D_TP].s, &tp) | parse_number(v[LM_D_PP].s, &pp);
        if (v[LM_D_DEVICES].s != NULL && parse_number(v[LM_D_DEVICES].s, &devices)) {
            add_dloc(&dl, "deployment.devices", VF(LM_D_DEVICES), v[LM_D_DEVICES].line, v[LM_D_DEVICES].col);
            if (have_tp && tp * pp > devices) {
                const struct lm_dval *t = v[LM_D_TP].s ? &v[LM_D_TP] : &v[LM_D_PP];
                if ((rc = lm__check_own_finding(s, f, cap, base, LM_CHECK_RULE_DRIFT,
                                      t->file ? t->file : file, t->line, t->col,
                                      "the server splits the model over %g GPUs but %s:%u:%u gives "
                                      "it %g", tp * pp, file, v[LM_D_DEVICES].line,
                                      v[LM_D_DEVICES].col, devices)) != LM_OK)
                    return rc;
            }
        } else if (have_tp) {
            devices = tp * pp;
            const struct lm_dval *t = v[LM_D_TP].s ? &v[LM_D_TP] : &v[LM_D_PP];
            add_dloc(&dl, "deployment.devices", t->file ? t->file : file, t->line, t->col);
        } else if (decl->v[DK_DEVICES].s != NULL && parse_number(decl->v[DK_DEVICES].s, &devices)) {
            add_dloc(&dl, "deployment.devices", decl->file, decl->v[DK_DEVICES].line,
                     decl->v[DK_DEVICES].col);
        }
        if (devices < 1 || devices > 64 || devices != floor(devices)) {
            UNRESOLVED(file, v[LM_D_DEVICES].line ? v[LM_D_DEVICES].line : fd->line,
                       v[LM_D_DEVICES].line ? v[LM_D_DEVICES].col : fd->col,
                       "GPU count %g is not one lmchoose can judge (1 to 64)", devices);
            devices = 1;
        }
        if (decl->v[DK_DEVICES].s != NULL && (v[LM_D_DEVICES].s != NULL || have_tp)) {
            double dd;
            const struct lm_dval *src = v[LM_D_DEVICES].s ? &v[LM_D_DEVICES] : v[LM_D_TP].s ? &v[LM_D_TP] : &v[LM_D_PP];
            v_line = src->line;
            v_col = src->col;
            v_file = src->file != NULL ? src->file : file;
            char have[32];
            snprintf(have, sizeof(have), "%g", devices);
            if (parse_number(decl->v[DK_DEVICES].s, &dd) && dd != devices)
                DRIFT(DK_DEVICES, "devices", have);
        }
        dep.devices = cd->devices = devices;
        /* Quantization: what the file says (a flag, the model name, or for
         * vLLM and TGI without a flag the checkpoint's 16-bit weights), else
         * the copy, else unresolved. */
        const char *runtime = v[LM_D_RUNTIME].s;
        const char *q = NULL;
        const struct lm_dval *qsrc = v[LM_D_QUANT].s ? &v[LM_D_QUANT] : NULL;
        if (lm__name_quant(cat, runtime, qsrc ? qsrc->s : NULL, v[LM_D_DTYPE].s, nm.quant_hint,
                           &q, why, sizeof(why))) {
            const struct lm_dval *at = qsrc ? qsrc : v[LM_D_DTYPE].s ? &v[LM_D_DTYPE] : &v[LM_D_MODEL];
            if (at->line == 0)
                at = &v[LM_D_RUNTIME];
            add_dloc(&dl, "deployment.quantization", at->file ? at->file : file, at->line, at->col);
            v_line = at->line;
            v_col = at->col;
            v_file = at->file ? at->file : file;
            if (decl->v[DK_QUANT].s != NULL && strcmp(decl->v[DK_QUANT].s, q) != 0)
                DRIFT(DK_QUANT, "quantization", q);
        } else if (decl->v[DK_QUANT].s != NULL) {
            q = decl->v[DK_QUANT].s;
            add_dloc(&dl, "deployment.quantization", decl->file, decl->v[DK_QUANT].line,
                     decl->v[DK_QUANT].col);
        } else {
            const struct lm_dval *at = qsrc ? qsrc : v[LM_D_MODEL].s ? &v[LM_D_MODEL] : NULL;
            UNRESOLVED(file, at ? at->line : fd->line, at ? at->col : fd->col, "%s", why);
        }
        dep.quantization = cd->quantization = q;
        /* The engine: vLLM as itself; Ollama runs llama.cpp; TGI is not in
         * the catalog, so lmchoose picks (§5 step 1). */
        if (runtime != NULL && strcmp(runtime, "vllm") == 0 && lm_catalog_runtime(cat, "vllm"))
            dep.runtime = "vllm";
        else if (runtime != NULL && strcmp(runtime, "ollama") == 0 && lm_catalog_runtime(cat, "llama.cpp"))
            dep.runtime = "llama.cpp";
        if (decl->v[DK_RUNTIME].s != NULL && dep.runtime == NULL)
            dep.runtime = decl->v[DK_RUNTIME].s;
        if (dep.runtime != NULL && v[LM_D_RUNTIME].s != NULL)
            add_dloc(&dl, "deployment.runtime", VF(LM_D_RUNTIME), v[LM_D_RUNTIME].line, v[LM_D_RUNTIME].col);
        cd->runtime = dep.runtime;
        dep.placement = decl->v[DK_PLACEMENT].s ? decl->v[DK_PLACEMENT].s : fd->placement_hint;
        if (decl->v[DK_PLACEMENT].s != NULL)
            add_dloc(&dl, "deployment.placement", decl->file, decl->v[DK_PLACEMENT].line,
                     decl->v[DK_PLACEMENT].col);
        /* A placement the hint names but the hardware does not offer is
         * left to the default. */
        const struct lm_hardware *h = hw ? lm_catalog_hardware(cat, hw) : NULL;
        if (dep.placement != NULL && decl->v[DK_PLACEMENT].s == NULL && h != NULL) {
            int ok = 0;
            for (int p = 0; p < 3; p++)
                if (strcmp(lm_placement_names[p], dep.placement) == 0 && (h->placements & (1u << p)))
                    ok = 1;
            if (!ok)
                dep.placement = NULL;
        }
        cd->placement = dep.placement;
    }
    /* The server's context limit against the task's need. */
    double maxlen;
    if (parse_number(v[LM_D_MAX_LEN].s, &maxlen) && maxlen < base->task.context_tokens)
        if ((rc = lm__check_own_finding(s, f, cap, base, LM_CHECK_RULE_CONTEXT, VF(LM_D_MAX_LEN), v[LM_D_MAX_LEN].line,
                              v[LM_D_MAX_LEN].col,
                              "the server accepts at most %g tokens of context but the task needs "
                              "%g (task.context_tokens)", maxlen, base->task.context_tokens)) != LM_OK)
            return rc;
#undef UNRESOLVED
#undef DRIFT
#undef VF
    if (unresolved || model == NULL)
        return LM_OK; /* said so; nothing guessed */
    /* Judge it as the scenario's deployment. */
    struct lm_scenario sc = *base;
    sc.deployment = dep;
    s->dlocs = dl.locs;
    s->ndlocs = dl.n;
    struct lm_diags scratch = LM_DIAGS_INIT;
    struct lm_diags *saved = s->diags;
    s->diags = &scratch;
    rc = lm__check_judge_deployment(s, f, cap, &sc, cd);
    s->diags = saved;
    s->dlocs = NULL; /* dl is about to go out of scope */
    s->ndlocs = 0;
    /* What the catalog cannot run (no open weights, too many devices) is a
     * located note on the file, not an input error of it. */
    for (size_t i = 0; rc != LM_ENOMEM && i < scratch.count; i++) {
        const struct lm_diag *g = &scratch.items[i];
        if (g->code == LM_ENOMEM) {
            rc = LM_ENOMEM;
            break;
        }
        int r2 = lm__check_own_finding(s, f, cap, base, LM_CHECK_RULE_UNRESOLVED, g->file ? g->file : file,
                             g->line, g->col, "cannot judge: %s", g->msg);
        if (r2 != LM_OK) {
            rc = r2;
            break;
        }
    }
    lm_diags_release(&scratch);
    return rc == LM_ENOMEM ? LM_ENOMEM : LM_OK;
}

/* Reader notes (what a file says that cannot be read) as findings. */
int lm__check_note_findings(struct state *s, struct lm_check_file *f, size_t *cap,
                         const char *file, const struct lm_ffile *ff, const struct lm_scenario *sc)
{
    s->deploy_name = NULL;
    for (size_t i = 0; i < ff->nnotes; i++) {
        int rc = lm__check_own_finding(s, f, cap, sc, LM_CHECK_RULE_UNREADABLE, file, ff->notes[i].line,
                             ff->notes[i].col, "%s", ff->notes[i].message);
        if (rc != LM_OK)
            return rc;
    }
    return LM_OK;
}

/* The scenario a deployment of a deployment file is judged against. */
const struct lm_scenario *lm__check_service_scenario(struct state *s, const char *file,
                                                  const char *name, struct declared *decl,
                                                  const char **service)
{
    memset(decl, 0, sizeof(*decl));
    *service = NULL;
    if (s->cfg == NULL)
        return &s->builtin;
    const struct lm_repo_service *svc = lm__repo_config_match(s->cfg, file, name);
    decl->file = s->cfg->path;
    for (int k = 0; k < 7; k++)
        decl->v[k] = svc->deploy[k];
    if (svc != &s->cfg->defaults)
        *service = svc->name_glob ? svc->name_glob : svc->path_glob;
    return svc->sc_ok ? &svc->sc : &s->builtin;
}

/* True when text has a line starting with "lmchoose:" (an lmchoose
 * scenario that does not parse, rather than someone else's file). */
int lm__check_looks_like_scenario(const char *buf, size_t len)
{
    for (size_t i = 0; i + 9 <= len; i++)
        if ((i == 0 || buf[i - 1] == '\n') && memcmp(buf + i, "lmchoose:", 9) == 0)
            return 1;
    return 0;
}

/* A scenario's `deployment: {from: FILE, name: SERVICE}`: judge the
 * deployment FILE declares, against the scenario, and compare it with the
 * keys the scenario gives beside `from`. */
int lm__check_judge_from(struct state *s, struct lm_check_file *f, size_t *cap,
                      const struct lm_scenario *sc)
{
    const struct lm_deployment *d = &sc->deployment;
    const struct lm_keyloc_pub *fk = lm_scenario_key(sc, "deployment.from");
    struct lm_loc at = { sc->file, fk ? fk->vline : 0, fk ? fk->vcol : 0 };
    const char *b = lm__check_base_of(sc->file);
    char *path = d->from[0] == '/' ? lm__asprintf("%s", d->from)
                                   : lm__asprintf("%.*s%s", (int)(b - sc->file), sc->file, d->from);
    if (path == NULL)
        return LM_ENOMEM;
    tidy_path(path);
    char *buf = NULL;
    size_t len = 0;
    struct lm_diags quiet = LM_DIAGS_INIT;
    int rc = lm__read_input(path, path, s->ctx->limits.max_input_size, &quiet, &buf, &len);
    lm_diags_release(&quiet);
    if (rc != LM_OK) {
        rc = lm_diag_error(s->diags, LM_EIO, &at, "cannot read deployment file '%s'", path);
        free(path);
        return rc;
    }
    struct foreign fo;
    memset(&fo, 0, sizeof(fo));
    struct lm_ynode **docs = NULL;
    size_t ndocs = 0;
    if (!lm__deploy_text_name(lm__check_base_of(path)))
        rc = lm__yaml_parse_foreign(&fo.arena, path, buf, len, &s->ctx->limits, &fo.perr, &docs,
                                    &ndocs);
    if (rc == LM_OK)
        rc = lm__check_read_foreign(s, path, buf, len, docs, ndocs, &fo);
    free(buf);
    const struct lm_fdeploy *pick = NULL;
    if (rc == LM_ENOMEM) {
        lm__check_foreign_release(&fo);
        free(path);
        return rc;
    }
    if (rc != LM_OK) {
        const struct lm_diag *g = fo.perr.count ? &fo.perr.items[0] : NULL;
        rc = lm_diag_error(s->diags, LM_ESYNTAX, &at, "deployment file %s cannot be read: %s%s%u:%u",
                           path, g ? g->msg : "parse error", g ? " at " : "", g ? g->line : 0,
                           g ? g->col : 0);
    } else if (d->from_name != NULL) {
        for (size_t i = 0; i < fo.ff.n && pick == NULL; i++)
            if (strcmp(fo.ff.d[i].name, d->from_name) == 0)
                pick = &fo.ff.d[i];
        if (pick == NULL) {
            const struct lm_keyloc_pub *nk = lm_scenario_key(sc, "deployment.name");
            struct lm_loc nat = { sc->file, nk ? nk->vline : 0, nk ? nk->vcol : 0 };
            rc = lm_diag_error(s->diags, LM_ESCHEMA, &nat, "%s has no deployment named '%s'%s%s",
                               path, d->from_name, fo.ff.n ? " (it has " : "",
                               fo.ff.n ? fo.ff.d[0].name : "");
            if (fo.ff.n)
                lm_diag_warning(s->diags, &nat, "deployments in %s: %zu; the first is shown above",
                                path, fo.ff.n);
        }
    } else if (fo.ff.n == 1) {
        pick = &fo.ff.d[0];
    } else {
        rc = lm_diag_error(s->diags, LM_ESCHEMA, &at,
                           fo.ff.n ? "%s has %zu deployments; say which with 'name'"
                                   : "%s has no deployment lmchoose can read%.0zu",
                           path, fo.ff.n);
    }
    if (rc == LM_OK) {
        struct declared decl;
        memset(&decl, 0, sizeof(decl));
        decl.file = sc->file;
        const char *vals[7] = { d->model, d->quantization, d->hardware, NULL, d->placement,
                                d->runtime, d->provider };
        static const char *const paths[7] = { "deployment.model", "deployment.quantization",
                                              "deployment.hardware", "deployment.devices",
                                              "deployment.placement", "deployment.runtime",
                                              "deployment.provider" };
        char devs[32];
        const struct lm_keyloc_pub *dk = lm_scenario_key(sc, "deployment.devices");
        if (dk != NULL) {
            snprintf(devs, sizeof(devs), "%g", d->devices);
            vals[3] = devs;
        }
        for (int k = 0; k < 7; k++) {
            const struct lm_keyloc_pub *kk = lm_scenario_key(sc, paths[k]);
            if (vals[k] != NULL && kk != NULL)
                decl.v[k] = (struct lm_repo_dval){ vals[k], kk->vline, kk->vcol };
        }
        s->sc_keys = 1;
        rc = lm__check_judge_foreign(s, f, cap, path, pick, sc, &decl, NULL);
        if (rc == LM_OK)
            rc = lm__check_note_findings(s, f, cap, path, &fo.ff, sc);
    }
    lm__check_foreign_release(&fo);
    free(path);
    return rc;
}
