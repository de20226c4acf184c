/*
 * Metamorphic properties of the recommendation (issue 11 item 2): relations
 * between the answers to two related scenarios that must hold whatever the
 * right answer is, checked over 1 000 random scenarios and 3 000 evaluations (seeded,
 * deterministic) on the shipped catalog through the public API.
 *
 *  budget     raising constraints.budget.usd_per_month never removes a
 *             feasible candidate;
 *  memory     raising constraints.memory_gib never removes one;
 *  min_score  raising constraints.quality.min_score never adds one;
 *  volume     doubling workload.requests_per_day doubles every API
 *             candidate's usd_per_month (within rounding) and never lowers
 *             a self-hosted candidate's instance count;
 *  faster     a GPU with the same memory and more bandwidth (a cloned
 *             profile) is never slower: per candidate, decode tokens/s not
 *             lower and end-to-end time not higher;
 *  add-hw     allowing one more hardware profile never worsens the best
 *             feasible total;
 *  rename     a hardware or model profile cloned under another id gives the
 *             same candidates with the same figures, rejections and totals.
 *
 * A failure prints the seed's scenario as YAML: it is the reproducer
 * (`lmchoose recommend FILE`, plus the cloned profile for faster/rename).
 * The flip search is off (lm_rec_options.no_flips): the properties are about
 * candidates, and it would multiply the run time.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "lmchoose/catalog.h"
#include "lmchoose/recommend.h"
#include "lmchoose/rules.h"
#include "lmchoose/scenario.h"
#include "lmchoose/status.h"

#ifndef MM_SCENARIOS
#define MM_SCENARIOS 1000
#endif

/* Hardware the generator draws from: every class, and the clones loaded
 * below (mm-fast-X: X with 1.5 x bandwidth; mm-renamed-X: X under another
 * id). */
static const char *const hw_pool[] = {
    "nvidia-l4", "nvidia-h100-sxm", "nvidia-a100-80gb", "nvidia-t4", "nvidia-rtx-4090",
    "nvidia-rtx-3060-12gb", "apple-m4-16gb", "apple-m2-ultra-192gb",
    "phone-snapdragon-8-gen3-12gb", "raspberry-pi-5-8gb", "cpu-epyc-genoa-1s", "nvidia-a10g",
};
#define NPOOL (sizeof(hw_pool) / sizeof(hw_pool[0]))
static const char *const cloned_hw[] = { "nvidia-l4", "nvidia-rtx-4090", "apple-m4-16gb",
                                         "nvidia-t4" };
#define NCLONED (sizeof(cloned_hw) / sizeof(cloned_hw[0]))
static const char *const cloned_model = "llama-3.1-8b-instruct";

struct fixture {
    struct lm_catalog cat;
    struct lm_ruleset rules;
    unsigned long failures;
    unsigned long checked[7];
    unsigned long nonvacuous[7]; /* pairs where the relation had something to bite on */
};

/* xorshift64*: the same sequence on every platform. */
static uint64_t rng_state;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ull;
}
static double unif(void) { return (double)(rnd() >> 11) / 9007199254740992.0; }
static int pick(int n) { return (int)(rnd() % (uint64_t)n); }
static double log_unif(double lo, double hi) { return lo * pow(hi / lo, unif()); }

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(1 << 20);
    *len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    if (buf)
        buf[*len] = 0;
    fclose(f);
    return buf;
}

/* The profile text with its id replaced, its aliases and detect strings
 * dropped (they must stay unique), and, when bw_factor > 0, the bandwidth
 * multiplied. */
static char *clone_profile(const char *kind, const char *id, const char *new_id,
                           double bw_factor, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/profiles/%s/%s.yaml", LM_SOURCE_DIR, kind, id);
    size_t n = 0;
    char *src = slurp(path, &n);
    assert_non_null(src);
    char *out = malloc(n + 256);
    assert_non_null(out);
    size_t o = 0;
    for (char *line = src; *line;) {
        char *end = strchr(line, '\n');
        size_t l = end ? (size_t)(end - line) + 1 : strlen(line);
        if (strncmp(line, "id:", 3) == 0)
            o += (size_t)sprintf(out + o, "id: %s\n", new_id);
        else if (strncmp(line, "aliases:", 8) == 0 || strncmp(line, "detect:", 7) == 0)
            ; /* dropped */
        else if (bw_factor > 0 && strncmp(line, "bandwidth_gbps:", 15) == 0)
            o += (size_t)sprintf(out + o, "bandwidth_gbps: %.17g\n",
                                 strtod(line + 15, NULL) * bw_factor);
        else {
            memcpy(out + o, line, l);
            o += l;
        }
        line += l;
    }
    out[o] = 0;
    free(src);
    *len = o;
    return out;
}

static void load_clone(struct lm_catalog *cat, const char *kind, const char *file_kind,
                       const char *id, const char *new_id, double bw_factor)
{
    size_t len;
    char *text = clone_profile(kind, id, new_id, bw_factor, &len);
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_diags d = LM_DIAGS_INIT;
    int rc = lm_catalog_load_file(cat, file_kind, new_id, text, len, 0, &limits, &d);
    if (rc != LM_OK)
        lm_diags_print(&d, stderr);
    assert_int_equal(rc, LM_OK);
    lm_diags_release(&d);
    free(text);
}

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct lm_catalog ci = LM_CATALOG_INIT;
    struct lm_ruleset ri = LM_RULESET_INIT;
    fx->cat = ci;
    fx->rules = ri;
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_diags d = LM_DIAGS_INIT;
    int rc = lm_catalog_load_builtin(&fx->cat, &limits, &d);
    if (rc == LM_OK)
        rc = lm_rules_load_builtin(&fx->rules, &limits, &d);
    if (rc != LM_OK)
        lm_diags_print(&d, stderr);
    lm_diags_release(&d);
    if (rc != LM_OK)
        return -1;
    for (size_t i = 0; i < NCLONED; i++) {
        char id[128];
        snprintf(id, sizeof(id), "mm-fast-%s", cloned_hw[i]);
        load_clone(&fx->cat, "hardware", "hardware", cloned_hw[i], id, 1.5);
        snprintf(id, sizeof(id), "mm-renamed-%s", cloned_hw[i]);
        load_clone(&fx->cat, "hardware", "hardware", cloned_hw[i], id, 0);
    }
    load_clone(&fx->cat, "models", "model", cloned_model, "mm-renamed-model", 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    lm_rules_release(&fx->rules);
    lm_catalog_release(&fx->cat);
    free(fx);
    return 0;
}

/* One generated scenario, as the numbers the YAML is printed from. NAN or
 * -1 = key absent. */
struct gen {
    int kind, breadth;
    double context, rpd, in_tok, out_tok, peak;
    const char *hw[4];
    int nhw;
    double memory_gib, ttft_ms, out_tps, budget, finetune_usd, examples, min_score;
    int privacy; /* index into lm_privacy_names or -1 */
    const char *region;
    int commercial, offline;
    int prio[LM_S_COUNT];
};

static void gen_scenario(struct gen *g)
{
    static const double contexts[] = { 1024, 2048, 4096, 8192, 32768 };
    memset(g, 0, sizeof(*g));
    g->kind = pick(LM_TASK_COUNT);
    g->breadth = pick(2);
    g->context = contexts[pick(5)];
    g->rpd = floor(log_unif(10, 2e7));
    g->in_tok = floor(log_unif(20, g->context * 0.6));
    g->out_tok = floor(log_unif(2, g->context * 0.3));
    g->peak = (double)(1 + pick(3) * pick(24));
    g->nhw = 1 + pick(3);
    for (int i = 0; i < g->nhw; i++) {
        const char *h;
        int dup;
        do {
            h = hw_pool[pick((int)NPOOL)];
            dup = 0;
            for (int j = 0; j < i; j++)
                dup |= g->hw[j] == h;
        } while (dup);
        g->hw[i] = h;
    }
    g->memory_gib = pick(4) == 0 ? log_unif(2, 400) : (double)NAN;
    g->ttft_ms = pick(3) == 0 ? log_unif(50, 60000) : (double)NAN;
    g->out_tps = pick(3) == 0 ? log_unif(2, 200) : (double)NAN;
    g->budget = pick(2) == 0 ? log_unif(1, 50000) : (double)NAN;
    g->examples = pick(4) == 0 ? floor(log_unif(10, 1e5)) : (double)NAN;
    g->finetune_usd = !isnan(g->examples) && pick(2) ? log_unif(1, 5000) : (double)NAN;
    g->min_score = pick(3) == 0 ? 20 + 70 * unif() : (double)NAN;
    static const int levels[] = { -1, -1, -1, LM_PRIV_PUBLIC, LM_PRIV_NO_TRAINING,
                                  LM_PRIV_ZERO_RETENTION, LM_PRIV_PRIVATE_CLOUD,
                                  LM_PRIV_ON_PREM, LM_PRIV_ON_DEVICE, LM_PRIV_REGION };
    g->privacy = levels[pick(10)];
    g->region = g->privacy == LM_PRIV_REGION || pick(6) == 0 ? (pick(2) ? "eu" : "us") : NULL;
    g->commercial = pick(3) == 0 ? pick(2) : -1;
    g->offline = pick(5) == 0 ? 1 : -1;
    int any = 0;
    for (int k = 0; k < LM_S_COUNT; k++) {
        g->prio[k] = pick(3) == 0 ? pick(6) : 1;
        any |= g->prio[k];
    }
    if (!any)
        g->prio[LM_S_QUALITY] = 1;
}

static void yaml_num(char *buf, size_t cap, size_t *o, const char *indent, const char *key,
                     double v)
{
    if (!isnan(v))
        *o += (size_t)snprintf(buf + *o, cap - *o, "%s%s: %.17g\n", indent, key, v);
}

static size_t gen_yaml(const struct gen *g, char *buf, size_t cap)
{
    size_t o = 0;
    o += (size_t)snprintf(buf + o, cap - o,
                          "lmchoose: 1\ntask:\n  kind: %s\n  breadth: %s\n  context_tokens: %.17g\n"
                          "workload:\n  requests_per_day: %.17g\n  input_tokens: %.17g\n"
                          "  output_tokens: %.17g\n  peak_concurrency: %.17g\nconstraints:\n"
                          "  hardware: [",
                          lm_task_kind_names[g->kind], g->breadth ? "broad" : "narrow",
                          g->context, g->rpd, g->in_tok, g->out_tok, g->peak);
    for (int i = 0; i < g->nhw; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%s%s", i ? ", " : "", g->hw[i]);
    o += (size_t)snprintf(buf + o, cap - o, "]\n");
    yaml_num(buf, cap, &o, "  ", "memory_gib", g->memory_gib);
    if (!isnan(g->ttft_ms) || !isnan(g->out_tps)) {
        o += (size_t)snprintf(buf + o, cap - o, "  latency:\n");
        yaml_num(buf, cap, &o, "    ", "ttft_ms", g->ttft_ms);
        yaml_num(buf, cap, &o, "    ", "output_tokens_per_s", g->out_tps);
    }
    if (!isnan(g->budget) || !isnan(g->finetune_usd)) {
        o += (size_t)snprintf(buf + o, cap - o, "  budget:\n");
        yaml_num(buf, cap, &o, "    ", "usd_per_month", g->budget);
        yaml_num(buf, cap, &o, "    ", "finetune_usd", g->finetune_usd);
    }
    if (g->privacy >= 0)
        o += (size_t)snprintf(buf + o, cap - o, "  privacy: %s\n", lm_privacy_names[g->privacy]);
    if (g->region)
        o += (size_t)snprintf(buf + o, cap - o, "  region: %s\n", g->region);
    if (!isnan(g->examples))
        o += (size_t)snprintf(buf + o, cap - o, "  data:\n    labeled_examples: %.17g\n",
                              g->examples);
    if (!isnan(g->min_score))
        o += (size_t)snprintf(buf + o, cap - o, "  quality:\n    min_score: %.17g\n",
                              g->min_score);
    if (g->commercial >= 0)
        o += (size_t)snprintf(buf + o, cap - o, "  license:\n    commercial: %s\n",
                              g->commercial ? "true" : "false");
    if (g->offline >= 0)
        o += (size_t)snprintf(buf + o, cap - o, "  offline: true\n");
    o += (size_t)snprintf(buf + o, cap - o, "priorities:\n");
    for (int k = 0; k < LM_S_COUNT; k++)
        o += (size_t)snprintf(buf + o, cap - o, "  %s: %d\n", lm_subscore_names[k], g->prio[k]);
    return o;
}

/* One evaluated scenario: every candidate's id, feasibility and figures. */
struct cand_row {
    char id[LM_CANDIDATE_ID_MAX];
    int feasible, api;
    double total, usd, instances, decode, e2e, ttft, memory;
};
struct run {
    struct cand_row *rows;
    size_t n;
    int verdict_class;
    double best_total; /* NAN when none feasible */
};

static int row_cmp(const void *a, const void *b)
{
    return strcmp(((const struct cand_row *)a)->id, ((const struct cand_row *)b)->id);
}

/* Loads the YAML, recommends, and collects the rows sorted by id. Returns
 * 0, or -1 when the generated scenario is not loadable (skipped). */
static int evaluate(struct fixture *fx, const char *yaml, size_t len, struct run *out)
{
    struct lm_scenario sc;
    memset(&sc, 0, sizeof(sc));
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_diags d = LM_DIAGS_INIT;
    int rc = lm_scenario_load(&sc, "generated", yaml, len, &limits, &d);
    if (rc != LM_OK) {
        lm_diags_print(&d, stderr);
        lm_diags_release(&d);
        lm_scenario_release(&sc);
        fail_msg("generated scenario does not load:\n%s", yaml);
        return -1;
    }
    lm_diags_release(&d);
    struct lm_rec_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.no_flips = 1;
    struct lm_recommendation r;
    assert_int_equal(lm_recommend(&fx->cat, &sc, &fx->rules, &opt, &r), LM_OK);
    out->rows = calloc(r.n ? r.n : 1, sizeof(*out->rows));
    assert_non_null(out->rows);
    out->n = r.n;
    out->verdict_class = r.verdict_class;
    out->best_total = r.nfeasible ? r.cands[r.order[0]].total : (double)NAN;
    for (size_t i = 0; i < r.n; i++) {
        struct lm_candidate c;
        lm_recommendation_candidate(&r, i, &c);
        struct cand_row *w = &out->rows[i];
        lm_recommendation_id(&r, i, w->id, sizeof(w->id));
        w->feasible = !r.cands[i].rejected;
        w->api = c.placement == LM_PLACE_API;
        w->total = r.cands[i].total;
        w->usd = c.est.usd_per_month;
        w->instances = c.est.instances;
        w->decode = c.est.decode_tokens_per_s;
        w->e2e = c.est.e2e_ms;
        w->ttft = c.est.ttft_ms;
        w->memory = c.est.memory_gib;
    }
    qsort(out->rows, out->n, sizeof(*out->rows), row_cmp);
    lm_recommendation_release(&r);
    lm_scenario_release(&sc);
    return 0;
}

static void run_free(struct run *r) { free(r->rows); }

static const struct cand_row *find_row(const struct run *r, const char *id)
{
    /* An id longer than any candidate's cannot match: say so instead of
     * truncating it into one that might. */
    struct cand_row key;
    size_t len = strlen(id);
    if (len >= sizeof(key.id))
        return NULL;
    memcpy(key.id, id, len + 1);
    return bsearch(&key, r->rows, r->n, sizeof(*r->rows), row_cmp);
}

static void report(struct fixture *fx, const char *property, const char *yaml,
                   const char *change, const char *fmt, ...)
{
    if (fx->failures++ >= 12)
        return; /* counted, not printed: the first ones are the reproducers */
    char what[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof(what), fmt, ap);
    va_end(ap);
    print_message("metamorphic property '%s' fails: %s\n  change: %s\n  scenario:\n%s\n",
                  property, what, change, yaml);
}

/* A feasible candidate of a stays feasible in b (relax) or a feasible
 * candidate of b was feasible in a (tighten: call with the runs swapped). */
static void check_subset(struct fixture *fx, const char *prop, const char *yaml,
                         const char *change, const struct run *a, const struct run *b,
                         const char *verb)
{
    for (size_t i = 0; i < a->n; i++) {
        if (!a->rows[i].feasible)
            continue;
        const struct cand_row *o = find_row(b, a->rows[i].id);
        if (o == NULL || !o->feasible) {
            report(fx, prop, yaml, change, "%s %s", a->rows[i].id, verb);
            return;
        }
    }
}

static int same_num(double a, double b)
{
    return (isnan(a) && isnan(b)) || fabs(a - b) <= 1e-9 * fmax(1, fabs(a));
}

static void test_properties(void **state)
{
    struct fixture *fx = *state;
    static char yaml[8192], yaml2[8192];
    fx->failures = 0;
    rng_state = 0x9E3779B97F4A7C15ull;
    for (int s = 0; s < MM_SCENARIOS; s++) {
        struct gen g;
        gen_scenario(&g);
        size_t len = gen_yaml(&g, yaml, sizeof(yaml));
        struct run base;
        if (evaluate(fx, yaml, len, &base) != 0)
            continue;
        struct gen v;
        struct run var;
        char change[256];
        /* Each scenario checks two of the seven properties, in turn, so
         * every property sees about 2/7 of the scenarios. */
        for (int t = 0; t < 2; t++) {
            int prop = (2 * s + t) % 7;
            v = g;
            switch (prop) {
            case 0: /* budget */
                if (isnan(g.budget))
                    v.budget = log_unif(1, 50000); /* introduce, then raise */
                g.budget = v.budget;
                len = gen_yaml(&g, yaml, sizeof(yaml));
                run_free(&base);
                evaluate(fx, yaml, len, &base);
                v.budget = g.budget * (1.0 + 9 * unif());
                snprintf(change, sizeof(change), "budget.usd_per_month %.17g -> %.17g",
                         g.budget, v.budget);
                break;
            case 1: /* memory */
                if (isnan(g.memory_gib))
                    v.memory_gib = log_unif(2, 400);
                g.memory_gib = v.memory_gib;
                len = gen_yaml(&g, yaml, sizeof(yaml));
                run_free(&base);
                evaluate(fx, yaml, len, &base);
                v.memory_gib = g.memory_gib * (1.0 + 3 * unif());
                snprintf(change, sizeof(change), "memory_gib %.17g -> %.17g", g.memory_gib,
                         v.memory_gib);
                break;
            case 2: /* min_score */
                v.min_score = fmin(100, (isnan(g.min_score) ? 20 : g.min_score) + 25 * unif());
                snprintf(change, sizeof(change), "quality.min_score %.17g -> %.17g",
                         g.min_score, v.min_score);
                break;
            case 3: /* volume */
                v.rpd = 2 * g.rpd;
                snprintf(change, sizeof(change), "requests_per_day %.17g -> %.17g", g.rpd,
                         v.rpd);
                break;
            case 4: /* faster: one cloned GPU instead of its original */
            case 6: /* rename: the renamed clone instead of its original */
                if (prop == 4) {
                    /* One stream: a faster GPU may legitimately batch more
                     * streams at a lower per-stream speed (DESIGN 4, sizing),
                     * so "never slower" is about one stream. */
                    g.peak = 1;
                    v.peak = 1;
                }
                v.nhw = 1;
                v.hw[0] = cloned_hw[pick((int)NCLONED)];
                g.nhw = 1;
                g.hw[0] = v.hw[0];
                len = gen_yaml(&g, yaml, sizeof(yaml));
                run_free(&base);
                evaluate(fx, yaml, len, &base);
                {
                    static char idbuf[2][128];
                    snprintf(idbuf[prop == 6], sizeof(idbuf[0]), "mm-%s-%s",
                             prop == 4 ? "fast" : "renamed", v.hw[0]);
                    v.hw[0] = idbuf[prop == 6];
                }
                snprintf(change, sizeof(change), "hardware [%s] -> [%s]", g.hw[0], v.hw[0]);
                break;
            case 5: /* add-hw */
                if (g.nhw == 4)
                    continue;
                {
                    const char *h;
                    int dup;
                    do {
                        h = hw_pool[pick((int)NPOOL)];
                        dup = 0;
                        for (int j = 0; j < g.nhw; j++)
                            dup |= g.hw[j] == h;
                    } while (dup);
                    v.hw[v.nhw++] = h;
                    snprintf(change, sizeof(change), "hardware += %s", h);
                }
                break;
            }
            size_t len2 = gen_yaml(&v, yaml2, sizeof(yaml2));
            if (evaluate(fx, yaml2, len2, &var) != 0)
                continue;
            fx->checked[prop]++;
            /* Non-vacuous: the run the relation constrains has a feasible
             * candidate (min_score: the tightened run may keep some). */
            if (!isnan(base.best_total))
                fx->nonvacuous[prop]++;
            switch (prop) {
            case 0:
                check_subset(fx, "budget", yaml, change, &base, &var,
                             "is feasible and becomes infeasible with the higher budget");
                break;
            case 1:
                check_subset(fx, "memory", yaml, change, &base, &var,
                             "is feasible and becomes infeasible with the higher ceiling");
                break;
            case 2:
                check_subset(fx, "min_score", yaml, change, &var, &base,
                             "is feasible only with the higher min_score");
                break;
            case 3:
                for (size_t i = 0; i < base.n; i++) {
                    const struct cand_row *a = &base.rows[i], *b = find_row(&var, a->id);
                    if (b == NULL) {
                        report(fx, "volume", yaml, change, "%s disappears", a->id);
                        break;
                    }
                    /* usd_per_month is rounded to the cent in the estimate. */
                    if (a->api && !isnan(a->usd) &&
                        fabs(b->usd - 2 * a->usd) > 0.011 + 1e-9 * a->usd) {
                        report(fx, "volume", yaml, change, "%s costs %.17g then %.17g USD",
                               a->id, a->usd, b->usd);
                        break;
                    }
                    if (!a->api && !isnan(a->instances) && !isnan(b->instances) &&
                        b->instances < a->instances) {
                        report(fx, "volume", yaml, change, "%s: %g instances then %g", a->id,
                               a->instances, b->instances);
                        break;
                    }
                }
                break;
            case 4:
            case 6:
                for (size_t i = 0; i < base.n; i++) {
                    const struct cand_row *a = &base.rows[i];
                    char id[LM_CANDIDATE_ID_MAX + 32];
                    /* The id with the hardware segment replaced. */
                    const char *seg = strstr(a->id, g.hw[0]);
                    if (a->api || seg == NULL) {
                        snprintf(id, sizeof(id), "%s", a->id);
                    } else {
                        snprintf(id, sizeof(id), "%.*s%s%s", (int)(seg - a->id), a->id,
                                 v.hw[0], seg + strlen(g.hw[0]));
                    }
                    const struct cand_row *b = find_row(&var, id);
                    if (b == NULL) {
                        report(fx, prop == 4 ? "faster" : "rename", yaml, change,
                               "%s has no counterpart %s", a->id, id);
                        break;
                    }
                    if (prop == 4) {
                        /* With a daily volume, sizing may spend the faster
                         * GPU's headroom on fewer instances, each filling a
                         * bigger batch (DESIGN 9.1): then it must be
                         * strictly fewer instances. At equal instances it
                         * is never slower; TTFT never grows. */
                        int fewer = !isnan(a->instances) && !isnan(b->instances) &&
                                    b->instances < a->instances;
                        /* Only for candidates the rules admit: a rejected
                         * one (an overloaded device, a missed target)
                         * describes no deployment anyone would run. */
                        if (!a->feasible)
                            continue;
                        if (b->ttft > a->ttft * (1 + 1e-9) ||
                            (!isnan(a->instances) && !isnan(b->instances) &&
                             b->instances > a->instances) ||
                            (!fewer && (b->decode < a->decode * (1 - 1e-9) ||
                                        b->e2e > a->e2e * (1 + 1e-9)))) {
                            report(fx, "faster", yaml, change,
                                   "%s: decode %.6g -> %.6g tok/s, ttft %.6g -> %.6g ms, "
                                   "e2e %.6g -> %.6g ms", a->id, a->decode, b->decode, a->ttft,
                                   b->ttft, a->e2e, b->e2e);
                            break;
                        }
                    } else if (a->feasible != b->feasible || !same_num(a->total, b->total) ||
                               !same_num(a->usd, b->usd) || !same_num(a->decode, b->decode) ||
                               !same_num(a->e2e, b->e2e) || !same_num(a->memory, b->memory) ||
                               !same_num(a->instances, b->instances)) {
                        report(fx, "rename", yaml, change,
                               "%s and %s differ: feasible %d/%d total %.6g/%.6g usd "
                               "%.6g/%.6g", a->id, id, a->feasible, b->feasible, a->total,
                               b->total, a->usd, b->usd);
                        break;
                    }
                }
                if (prop == 6 && base.verdict_class != var.verdict_class)
                    report(fx, "rename", yaml, change, "verdict class %d -> %d",
                           base.verdict_class, var.verdict_class);
                break;
            case 5:
                if (!isnan(base.best_total) &&
                    (isnan(var.best_total) || var.best_total < base.best_total))
                    report(fx, "add-hw", yaml, change, "best total %.1f -> %.1f",
                           base.best_total, var.best_total);
                break;
            }
            run_free(&var);
        }
        run_free(&base);
    }
    static const char *const names[7] = { "budget", "memory", "min_score", "volume",
                                          "faster", "add-hw", "rename" };
    for (int p = 0; p < 7; p++) {
        print_message("%-10s %lu scenario pairs, %lu with a feasible candidate\n", names[p],
                      fx->checked[p], fx->nonvacuous[p]);
        assert_true(fx->checked[p] >= MM_SCENARIOS / 8);
        /* A property checked only where nothing is feasible proves nothing. */
        assert_true(fx->nonvacuous[p] >= fx->checked[p] / 5);
    }
    if (fx->failures)
        fail_msg("%lu metamorphic violations (the first 12 printed above)", fx->failures);
}

/* The model renamed: in one catalog holding both, every candidate of the
 * clone has the figures of the original's (all hardware, every scenario
 * kind). */
static void test_renamed_model(void **state)
{
    struct fixture *fx = *state;
    static char yaml[8192];
    fx->failures = 0;
    rng_state = 0xC0FFEE1234567ull;
    for (int s = 0; s < 200; s++) {
        struct gen g;
        gen_scenario(&g);
        size_t len = gen_yaml(&g, yaml, sizeof(yaml));
        struct run r;
        if (evaluate(fx, yaml, len, &r) != 0)
            continue;
        size_t pairs = 0;
        for (size_t i = 0; i < r.n; i++) {
            const char *id = r.rows[i].id;
            size_t ml = strlen(cloned_model);
            if (strncmp(id, cloned_model, ml) != 0 || id[ml] != '/')
                continue;
            char twin[LM_CANDIDATE_ID_MAX + 32];
            snprintf(twin, sizeof(twin), "mm-renamed-model%s", id + ml);
            const struct cand_row *a = &r.rows[i], *b = find_row(&r, twin);
            pairs++;
            if (b == NULL || a->feasible != b->feasible || !same_num(a->total, b->total) ||
                !same_num(a->usd, b->usd) || !same_num(a->decode, b->decode) ||
                !same_num(a->memory, b->memory)) {
                report(fx, "rename (model)", yaml, "model cloned as mm-renamed-model",
                       "%s and %s differ", id, twin);
                break;
            }
        }
        assert_true(pairs > 0);
        run_free(&r);
    }
    if (fx->failures)
        fail_msg("%lu metamorphic violations", fx->failures);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_properties),
        cmocka_unit_test(test_renamed_model),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
