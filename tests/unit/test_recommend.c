/*
 * Unit tests of the recommendation engine's bookkeeping, the parts a user
 * never sees but every answer rests on:
 *
 * - candidate indices follow the id order, so the total order of DESIGN §5
 *   step 5 (feasible first, total descending, model id, candidate id) holds
 *   over r->order as strcmp on the printed ids would have it, also for ids
 *   where '-' and '.' sort before the '/' that joins them;
 * - a candidate rebuilt from its compact record is the one that was judged:
 *   judging it again from scratch, without the rule caches, gives the same
 *   fired rules, total and estimates;
 * - a flip is real: recomputing the whole recommendation with the flipped
 *   constraint puts the reported winner first, of the other class.
 *
 * Each runs on the shipped catalog for every example scenario (with and
 * without --quant auto) and on a small catalog of awkward ids.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "lmchoose/candidate.h"
#include "lmchoose/catalog.h"
#include "lmchoose/recommend.h"
#include "lmchoose/rules.h"
#include "lmchoose/scenario.h"
#include "lmchoose/status.h"
#include "rules/facts.h"

static const char *const scenario_files[] = {
    "air-gapped-plant.yaml",   "coding-assistant.yaml",    "eu-data-residency.yaml",
    "iot-edge-classifier.yaml", "legal-onprem.yaml",        "multimodal-intake.yaml",
    "narrow-classifier-20k.yaml", "on-device-assistant.yaml", "prototype-50-examples.yaml",
    "research-assistant.yaml", "support-chatbot.yaml", "high-volume-batch-classifier.yaml",
    "owned-rtx-4090-team.yaml", "api-only-team.yaml", "impossible-voice-assistant.yaml",
    "long-prompt-rag.yaml",
};

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    char *buf = malloc(1 << 20);
    *len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
    fclose(f);
    return buf;
}

static int load_scenario(const char *name, struct lm_scenario *sc)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/profiles/scenarios/%s", LM_SOURCE_DIR, name);
    size_t len;
    char *data = slurp(path, &len);
    if (data == NULL)
        return -1;
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_diags d = LM_DIAGS_INIT;
    memset(sc, 0, sizeof(*sc));
    int rc = lm_scenario_load(sc, name, data, len, &limits, &d);
    if (rc != LM_OK)
        lm_diags_print(&d, stderr);
    lm_diags_release(&d);
    free(data); /* the scenario holds copies */
    return rc == LM_OK ? 0 : -1;
}

/* The reference order of §5 step 5, on printed ids. */
static int ref_cmp(const struct lm_recommendation *r, size_t a, size_t b)
{
    const struct lm_ranked *x = &r->cands[a], *y = &r->cands[b];
    if (x->rejected != y->rejected)
        return x->rejected ? 1 : -1;
    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    int c = strcmp(lm_recommendation_model(r, a)->id, lm_recommendation_model(r, b)->id);
    if (c != 0)
        return c;
    char ia[LM_CANDIDATE_ID_MAX], ib[LM_CANDIDATE_ID_MAX];
    lm_recommendation_id(r, a, ia, sizeof(ia));
    lm_recommendation_id(r, b, ib, sizeof(ib));
    return strcmp(ia, ib);
}

static void check_order(const struct lm_recommendation *r, const char *what)
{
    for (size_t k = 0; k + 1 < r->n; k++)
        if (ref_cmp(r, r->order[k], r->order[k + 1]) >= 0) {
            char ia[LM_CANDIDATE_ID_MAX], ib[LM_CANDIDATE_ID_MAX];
            lm_recommendation_id(r, r->order[k], ia, sizeof(ia));
            lm_recommendation_id(r, r->order[k + 1], ib, sizeof(ib));
            fail_msg("%s: order %zu: %s (%.1f) before %s (%.1f)", what, k, ia,
                     r->cands[r->order[k]].total, ib, r->cands[r->order[k + 1]].total);
        }
    size_t nf = 0;
    while (nf < r->n && !r->cands[r->order[nf]].rejected)
        nf++;
    assert_int_equal(nf, r->nfeasible);
}

static int same_double(double a, double b)
{
    return (isnan(a) && isnan(b)) || a == b;
}

static int same_estimate(const struct lm_estimate *a, const struct lm_estimate *b)
{
    const double da[] = { a->memory_gib, a->memory_per_device_gib, a->weights_gib,
                          a->kv_cache_gib, a->overhead_gib, a->usable_gib, a->headroom_gib,
                          a->decode_tokens_per_s, a->prefill_tokens_per_s, a->ttft_ms, a->e2e_ms,
                          a->max_concurrency, a->instances, a->usd_per_month,
                          a->break_even_requests_per_day, a->quality, a->finetune_hours,
                          a->finetune_usd, a->error_bands.memory, a->error_bands.decode,
                          a->error_bands.ttft, a->error_bands.usd_per_month };
    const double db[] = { b->memory_gib, b->memory_per_device_gib, b->weights_gib,
                          b->kv_cache_gib, b->overhead_gib, b->usable_gib, b->headroom_gib,
                          b->decode_tokens_per_s, b->prefill_tokens_per_s, b->ttft_ms, b->e2e_ms,
                          b->max_concurrency, b->instances, b->usd_per_month,
                          b->break_even_requests_per_day, b->quality, b->finetune_hours,
                          b->finetune_usd, b->error_bands.memory, b->error_bands.decode,
                          b->error_bands.ttft, b->error_bands.usd_per_month };
    for (size_t k = 0; k < sizeof(da) / sizeof(*da); k++)
        if (!same_double(da[k], db[k]))
            return 0;
    return a->fit == b->fit && a->finetune_method == b->finetune_method && a->flags == b->flags;
}

/* Judging candidate i again from scratch gives what was stored. */
static void check_rebuild(const struct lm_recommendation *r, size_t i, const char *what)
{
    struct lm_candidate c, fresh;
    lm_recommendation_candidate(r, i, &c);
    struct lm_deploy_spec spec;
    memset(&spec, 0, sizeof(spec));
    spec.model = c.model;
    spec.offer = c.offer;
    spec.hw = c.hw;
    spec.quant = c.quant;
    spec.runtime = c.runtime;
    spec.placement = c.placement;
    spec.devices = c.devices;
    spec.local_built = (c.est.flags & LM_EST_LOCAL_BUILT) != 0;
    assert_int_equal(lm_recommend_evaluate(r, &spec, &fresh), LM_OK);
    if (memcmp(c.fired, fresh.fired, sizeof(c.fired)) != 0 || c.total != fresh.total ||
        c.rejected != fresh.rejected)
        fail_msg("%s: %s: stored total %.1f rejected %d, judged again %.1f rejected %d", what,
                 c.id, c.total, c.rejected, fresh.total, fresh.rejected);
    if (!same_estimate(&c.est, &fresh.est))
        fail_msg("%s: %s: the rebuilt estimate differs", what, c.id);
    assert_string_equal(c.id, fresh.id);
}

/* Recomputing with a flip's value puts its winner first. */
static void check_flips(const struct lm_catalog *cat, const struct lm_scenario *sc,
                        const struct lm_ruleset *rs, const struct lm_rec_options *opt,
                        const struct lm_recommendation *r, const char *what)
{
    for (size_t k = 0; k < r->nflips; k++) {
        const struct lm_flip *f = &r->flips[k];
        struct lm_scenario s = *sc;
        if (f->is_privacy) {
            s.constraints.privacy = f->to_level;
        } else {
            static const struct {
                const char *key;
                size_t off;
            } keys[] = {
                { "budget.usd_per_month", offsetof(struct lm_scenario, constraints.budget.usd_per_month) },
                { "latency.ttft_ms", offsetof(struct lm_scenario, constraints.latency.ttft_ms) },
                { "latency.output_tokens_per_s",
                  offsetof(struct lm_scenario, constraints.latency.output_tokens_per_s) },
                { "memory_gib", offsetof(struct lm_scenario, constraints.memory_gib) },
                { "data.labeled_examples", offsetof(struct lm_scenario, constraints.data.labeled_examples) },
            };
            size_t j = 0;
            while (j < 5 && strcmp(keys[j].key, f->constraint) != 0)
                j++;
            assert_true(j < 5);
            *(double *)(void *)((char *)&s + keys[j].off) = f->to;
        }
        struct lm_rec_options o = *opt;
        o.no_flips = 1;
        struct lm_recommendation again;
        assert_int_equal(lm_recommend(cat, &s, rs, &o, &again), LM_OK);
        char want[LM_CANDIDATE_ID_MAX], got[LM_CANDIDATE_ID_MAX] = "none";
        lm_recommendation_id(r, f->winner, want, sizeof(want));
        if (again.nfeasible > 0)
            lm_recommendation_id(&again, again.order[0], got, sizeof(got));
        if (strcmp(want, got) != 0)
            fail_msg("%s: flip %s: reported winner %s, recomputed rank 1 %s", what,
                     f->constraint, want, got);
        assert_int_not_equal(again.verdict_class, r->verdict_class);
        lm_recommendation_release(&again);
    }
}

/* The scenario with relaxation x applied. */
static void apply_relaxation(const struct lm_scenario *sc, const struct lm_relaxation *x,
                             struct lm_scenario *out)
{
    *out = *sc;
    for (size_t k = 0; k < x->nchanges; k++) {
        const struct lm_relax_change *ch = &x->changes[k];
        if (ch->is_privacy) {
            out->constraints.privacy = ch->to_level;
        } else if (ch->is_region) {
            out->constraints.region = NULL;
            if (out->constraints.privacy == LM_PRIV_REGION)
                out->constraints.privacy = LM_PRIV_NO_TRAINING;
        } else if (ch->is_offline) {
            out->constraints.offline = 0;
            if (out->constraints.privacy == LM_PRIV_AIR_GAPPED)
                out->constraints.privacy = LM_PRIV_ON_PREM;
        } else if (strcmp(ch->constraint, "budget.usd_per_month") == 0) {
            assert_true(ch->to > ch->from);
            out->constraints.budget.usd_per_month = ch->to;
        } else if (strcmp(ch->constraint, "budget.finetune_usd") == 0) {
            assert_true(ch->to > ch->from);
            out->constraints.budget.finetune_usd = ch->to;
        } else if (strcmp(ch->constraint, "latency.ttft_ms") == 0) {
            assert_true(ch->to > ch->from);
            out->constraints.latency.ttft_ms = ch->to;
        } else if (strcmp(ch->constraint, "memory_gib") == 0) {
            assert_true(ch->to > ch->from);
            out->constraints.memory_gib = ch->to;
        } else if (strcmp(ch->constraint, "latency.output_tokens_per_s") == 0) {
            assert_true(ch->to < ch->from);
            out->constraints.latency.output_tokens_per_s = ch->to;
        } else if (strcmp(ch->constraint, "quality.min_score") == 0) {
            assert_true(ch->to < ch->from);
            out->constraints.quality.min_score = ch->to;
        } else {
            fail_msg("unknown relaxed constraint %s", ch->constraint);
        }
    }
}

/* §9.5: every reported relaxation, recomputed in full at its values, makes
 * its candidate feasible; an upgrade's candidate has better quality than the
 * winner; a run with nothing feasible lists relaxations sorted by size. */
static void check_relaxations(const struct lm_catalog *cat, const struct lm_scenario *sc,
                              const struct lm_ruleset *rs, const struct lm_rec_options *opt,
                              const struct lm_recommendation *r, const char *what)
{
    size_t n = r->nrelax + (size_t)r->has_upgrade;
    for (size_t k = 0; k < n; k++) {
        const struct lm_relaxation *x = k < r->nrelax ? &r->relax[k] : &r->upgrade;
        if (k > 0 && k < r->nrelax)
            assert_true(r->relax[k - 1].total_change <= x->total_change);
        struct lm_scenario s;
        apply_relaxation(sc, x, &s);
        struct lm_rec_options o = *opt;
        o.no_flips = 1;
        struct lm_recommendation again;
        assert_int_equal(lm_recommend(cat, &s, rs, &o, &again), LM_OK);
        char want[LM_CANDIDATE_ID_MAX], got[LM_CANDIDATE_ID_MAX];
        lm_recommendation_id(r, x->cand, want, sizeof(want));
        /* Same generation order under the relaxed scenario: same index. */
        assert_true(x->cand < again.n);
        lm_recommendation_id(&again, x->cand, got, sizeof(got));
        assert_string_equal(want, got);
        if (again.cands[x->cand].rejected)
            fail_msg("%s: relaxation admitting %s: still rejected when recomputed", what, want);
        if (k >= r->nrelax) {
            struct lm_candidate up, win;
            lm_recommendation_candidate(r, x->cand, &up);
            lm_recommendation_candidate(r, r->order[0], &win);
            assert_true(up.est.quality > win.est.quality);
            assert_int_equal(lm_recommendation_class(r, x->cand), r->verdict_class);
        }
        lm_recommendation_release(&again);
    }
    if (r->nfeasible == 0)
        assert_int_equal(r->has_upgrade, 0);
}

struct fixture {
    struct lm_catalog cat;
    struct lm_ruleset rules;
};

static int setup(void **state)
{
    static struct fixture fx;
    struct lm_catalog ci = LM_CATALOG_INIT;
    struct lm_ruleset ri = LM_RULESET_INIT;
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_diags d = LM_DIAGS_INIT;
    fx.cat = ci;
    fx.rules = ri;
    int rc = lm_catalog_load_builtin(&fx.cat, &limits, &d);
    if (rc == LM_OK)
        rc = lm_rules_load_builtin(&fx.rules, &limits, &d);
    if (rc != LM_OK)
        lm_diags_print(&d, stderr);
    lm_diags_release(&d);
    *state = &fx;
    return rc == LM_OK ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    lm_rules_release(&fx->rules);
    lm_catalog_release(&fx->cat);
    return 0;
}

static void run_all_checks(const struct lm_catalog *cat, const struct lm_scenario *sc,
                           const struct lm_ruleset *rs, const struct lm_rec_options *opt,
                           const char *what)
{
    struct lm_recommendation r;
    assert_int_equal(lm_recommend(cat, sc, rs, opt, &r), LM_OK);
    assert_true(r.n > 0);
    check_order(&r, what);
    for (size_t i = 0; i < r.n; i++)
        check_rebuild(&r, i, what);
    check_flips(cat, sc, rs, opt, &r, what);
    check_relaxations(cat, sc, rs, opt, &r, what);
    lm_recommendation_release(&r);
}

typedef void example_check(const struct lm_catalog *cat, const struct lm_scenario *sc,
                           const struct lm_ruleset *rs, const struct lm_rec_options *opt,
                           const char *what);

/* check on every example scenario, with `local` an RTX 4090, each with
 * every format and with --quant auto. */
static void for_each_example(const struct fixture *fx, example_check *check)
{
    for (size_t k = 0; k < sizeof(scenario_files) / sizeof(*scenario_files); k++) {
        struct lm_scenario sc;
        assert_int_equal(load_scenario(scenario_files[k], &sc), 0);
        for (int autoq = 0; autoq <= 1; autoq++) {
            struct lm_rec_options opt;
            memset(&opt, 0, sizeof(opt));
            opt.local = lm_catalog_hardware(&fx->cat, "nvidia-rtx-4090");
            opt.quant_auto = autoq;
            char what[128];
            snprintf(what, sizeof(what), "%s%s", scenario_files[k], autoq ? " --quant auto" : "");
            check(&fx->cat, &sc, &fx->rules, &opt, what);
        }
        lm_scenario_release(&sc);
    }
}

static void test_example_scenarios(void **state)
{
    for_each_example(*state, run_all_checks);
}

/* Every hardware profile, no privacy level, a budget and a TTFT target:
 * the benchmark's scenario, where most candidates survive. */
static void test_open_scenario(void **state)
{
    struct fixture *fx = *state;
    struct lm_scenario sc;
    lm_scenario_default(&sc);
    sc.constraints.hardware_set = 0;
    sc.constraints.privacy = -1;
    sc.constraints.budget.usd_per_month = 2000;
    sc.constraints.latency.ttft_ms = 3000;
    struct lm_rec_options opt;
    memset(&opt, 0, sizeof(opt));
    run_all_checks(&fx->cat, &sc, &fx->rules, &opt, "open scenario");
    /* More streams at peak: sizing moves sub-scores in the output-speed
     * flip. */
    sc.workload.peak_concurrency = 8;
    sc.workload.requests_per_day = 20000;
    run_all_checks(&fx->cat, &sc, &fx->rules, &opt, "open scenario, 8 streams");
    /* Fine-tuning estimates follow the examples, and the API offers that
     * count for break-even follow the privacy level. */
    sc.workload.peak_concurrency = 1;
    sc.constraints.data.labeled_examples = 300;
    sc.constraints.budget.finetune_usd = 50;
    sc.constraints.privacy = LM_PRIV_NO_TRAINING;
    sc.task.breadth = 0; /* narrow */
    run_all_checks(&fx->cat, &sc, &fx->rules, &opt, "open scenario, 300 examples");
    /* No examples yet: the data flip introduces them, and with them
     * fine-tuning costs that a small fine-tuning budget rejects. */
    sc.constraints.data.labeled_examples = (double)NAN;
    sc.constraints.budget.finetune_usd = 1;
    run_all_checks(&fx->cat, &sc, &fx->rules, &opt, "open scenario, examples introduced");
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fputs(text, f);
    return fclose(f);
}

/* Ids whose characters sort around the '/' that joins them: "q4" < "q4-a"
 * as strings, but "q4-a/..." < "q4/..." inside a candidate id. */
static void test_awkward_ids(void **state)
{
    (void)state;
    char dir[] = "/tmp/lmchoose-test-ids-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char path[512];
    snprintf(path, sizeof(path), "%s/models", dir);
    assert_int_equal(mkdir(path, 0777), 0);
    snprintf(path, sizeof(path), "%s/hardware", dir);
    assert_int_equal(mkdir(path, 0777), 0);
    static const char *const models[] = { "m", "m-1", "m.1", "m_1", "m1" };
    for (size_t i = 0; i < 5; i++) {
        char text[1024];
        snprintf(path, sizeof(path), "%s/models/%s.yaml", dir, models[i]);
        snprintf(text, sizeof(text),
                 "id: %s\nname: M %zu\nparams_b: %g\n"
                 "architecture: {layers: 28, hidden: 3072, attention_heads: 24, kv_heads: 8, vocab: 128000}\n"
                 "context_tokens: 32768\nopen_weights: true\nlicense: apache-2.0\n"
                 "quality: {mmlu: %g}\nfinetune: [lora]\nsources: [test]\n",
                 models[i], i, 1.0 + (double)i, 50.0 + (double)(i % 2));
        assert_int_equal(write_file(path, text), 0);
    }
    static const char *const hws[] = { "h", "h-1", "h.1", "h_1", "h1" };
    for (size_t i = 0; i < 5; i++) {
        char text[1024];
        snprintf(path, sizeof(path), "%s/hardware/%s.yaml", dir, hws[i]);
        snprintf(text, sizeof(text),
                 "id: %s\nname: H %zu\nvendor: nvidia\nclass: datacenter-gpu\n"
                 "memory_gib: 24\nusable_fraction: 0.95\nbandwidth_gbps: 900\nfp16_tflops: 120\n"
                 "power_w: 300\nplacements: [on-prem, cloud]\nmax_devices: 8\n"
                 "price: {purchase_usd: 4000, usd_per_hour: 0.8}\nsources: [test]\n",
                 hws[i], i);
        assert_int_equal(write_file(path, text), 0);
    }
    snprintf(path, sizeof(path), "%s/quantizations.yaml", dir);
    char q[4096] = "quantizations:\n";
    static const char *const quants[] = { "ap", "api-x", "q4", "q4-a", "q4.b", "q4_c", "q41" };
    for (size_t i = 0; i < 7; i++) {
        size_t used = strlen(q);
        snprintf(q + used, sizeof(q) - used,
                 "  - id: %s\n    bits_per_weight: 4.5\n    quality_delta: 1\n"
                 "    runtimes: [llama.cpp]\n    sources: [test]\n",
                 quants[i]);
    }
    assert_int_equal(write_file(path, q), 0);

    struct lm_catalog cat = LM_CATALOG_INIT;
    struct lm_ruleset rs = LM_RULESET_INIT;
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_diags d = LM_DIAGS_INIT;
    const char *dirs[1] = { dir };
    int rc = lm_catalog_load(&cat, dirs, 1, &limits, &d);
    if (rc == LM_OK)
        rc = lm_rules_load_builtin(&rs, &limits, &d);
    if (rc != LM_OK)
        lm_diags_print(&d, stderr);
    assert_int_equal(rc, LM_OK);
    struct lm_scenario sc;
    lm_scenario_default(&sc);
    sc.constraints.hardware_set = 0;
    sc.constraints.privacy = -1;
    for (int autoq = 0; autoq <= 1; autoq++) {
        struct lm_rec_options opt;
        memset(&opt, 0, sizeof(opt));
        opt.quant_auto = autoq;
        run_all_checks(&cat, &sc, &rs, &opt, autoq ? "awkward ids --quant auto" : "awkward ids");
    }
    lm_rules_release(&rs);
    lm_catalog_release(&cat);
    lm_diags_release(&d);
    for (size_t i = 0; i < 5; i++) {
        snprintf(path, sizeof(path), "%s/models/%s.yaml", dir, models[i]);
        unlink(path);
        snprintf(path, sizeof(path), "%s/hardware/%s.yaml", dir, hws[i]);
        unlink(path);
    }
    snprintf(path, sizeof(path), "%s/quantizations.yaml", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/models", dir);
    rmdir(path);
    snprintf(path, sizeof(path), "%s/hardware", dir);
    rmdir(path);
    rmdir(dir);
}

/* flip.c's sized_variant: with a batch cap of 1 (one stream at peak, and a
 * volume that keeps at most one request in flight, §9.1), estimating a
 * sized candidate at an unreachable target gives the estimate at target 0
 * with max_concurrency 0 and instances null when the latter had B_max 1, and
 * the same estimate when it had B_max 0; every other field is equal. A
 * candidate whose cap exceeds 1 sends flip.c down its general path
 * (r->max_batch_cap), so it is not checked here. */
static void test_one_stream_sizings(void **state)
{
    struct fixture *fx = *state;
    const struct lm_catalog *cat = &fx->cat;
    size_t checked = 0;
    for (size_t mi = 0; mi < cat->nmodels; mi++)
        for (size_t hi = 0; hi < cat->nhardware; hi++)
            for (size_t qi = 0; qi < cat->nquants; qi++)
                for (int p = LM_PLACE_ONPREM; p <= LM_PLACE_CLOUD; p++) {
                    const struct lm_runtime *rt =
                        lm_runtime_for(cat, cat->quants[qi], cat->hardware[hi]);
                    if (rt == NULL || cat->models[mi]->open_weights != 1)
                        continue;
                    struct lm_est_input in;
                    lm_est_input_init(&in);
                    in.model = cat->models[mi];
                    in.hw = cat->hardware[hi];
                    in.quant = cat->quants[qi];
                    in.runtime = rt;
                    in.placement = p;
                    in.peak_concurrency = 1;
                    in.labeled_examples = 5000;
                    struct lm_estimate a, b;
                    lm_estimate_devices(&in, &a);
                    in.target_tokens_per_s = 0;
                    lm_estimate_compute(&in, &a, NULL);
                    if (a.batch_cap > 1)
                        continue;
                    in.target_tokens_per_s = (double)INFINITY;
                    lm_estimate_compute(&in, &b, NULL);
                    if (a.max_concurrency >= 1) {
                        a.max_concurrency = 0;
                        a.instances = (double)NAN;
                    }
                    if (!same_estimate(&a, &b))
                        fail_msg("%s/%s/%s/%d: the two sizings differ elsewhere",
                                 in.model->id, in.quant->id, in.hw->id, p);
                    checked++;
                }
    assert_true(checked > 1000);
}

/* Rule thresholds at their boundary, as docs/rules.md states them: "From
 * 1 000 examples, LoRA on a small model wins most narrow tasks (LoRA Land)"
 * (data.finetune-favors-slm, +8). With exactly 1 000 examples it fires for
 * every small-model candidate of a narrow task; with 999 for none. */
static void test_rule_thresholds(void **state)
{
    struct fixture *fx = *state;
    long ri = lm_rules_find(&fx->rules, "data.finetune-favors-slm");
    assert_true(ri >= 0);
    static const double examples[] = { 999, 1000 };
    for (int k = 0; k < 2; k++) {
        struct lm_scenario sc;
        lm_scenario_default(&sc);
        sc.constraints.hardware_set = 0;
        sc.constraints.privacy = -1;
        sc.task.breadth = 0; /* narrow */
        sc.task.kind = LM_TASK_CLASSIFICATION;
        sc.constraints.data.labeled_examples = examples[k];
        struct lm_rec_options opt;
        memset(&opt, 0, sizeof(opt));
        opt.no_flips = 1;
        struct lm_recommendation r;
        assert_int_equal(lm_recommend(&fx->cat, &sc, &fx->rules, &opt, &r), LM_OK);
        size_t slm = 0, fired = 0;
        for (size_t i = 0; i < r.n; i++) {
            if (lm_recommendation_class(&r, i) != 0)
                continue;
            slm++;
            fired += lm_recommendation_fired(&r, i, (size_t)ri) != 0;
        }
        assert_true(slm > 0);
        if (k == 0)
            assert_int_equal(fired, 0);
        else
            assert_int_equal(fired, slm);
        lm_recommendation_release(&r);
        lm_scenario_release(&sc);
    }
}

/* Sub-scores as docs/scoring.md states them, and the many-instances rule at
 * its boundary, over every candidate of a scenario that produces multi-GPU
 * and multi-instance sizings (peak 64 streams, every hardware profile):
 * - fit: 100 up to 70 % of usable memory, then straight down to 50 at 100 %
 *   (slope 50 / 0.30 = 166.7 points per unit of u), 0 when it does not fit;
 *   e.g. u = 0.85 -> 75.0;
 * - simplicity: cloud 65, on-prem 55, a device the team owns 80 and a
 *   bought one on-prem's 55 (§9.2), minus 15 x log2(devices) (2 GPUs -15,
 *   4 GPUs -30), minus 10 with more than one instance;
 * - latency.scale ("a peak ... needs N always-on instances", docs/rules.md)
 *   fires from 4 instances on, not from 5.
 * Each check must meet at least one candidate on the interesting side of
 * its knee, so it cannot pass vacuously. */
static void test_subscores_documented(void **state)
{
    struct fixture *fx = *state;
    long scale = lm_rules_find(&fx->rules, "latency.scale");
    assert_true(scale >= 0);
    struct lm_scenario sc;
    lm_scenario_default(&sc);
    sc.constraints.hardware_set = 0;
    sc.constraints.privacy = -1;
    sc.workload.peak_concurrency = 64;
    struct lm_rec_options opt;
    memset(&opt, 0, sizeof(opt));
    opt.no_flips = 1;
    struct lm_recommendation r;
    assert_int_equal(lm_recommend(&fx->cat, &sc, &fx->rules, &opt, &r), LM_OK);
    size_t on_slope = 0, multi_gpu = 0, multi_inst = 0, at_four = 0, at_three = 0, below_zero = 0;
    for (size_t i = 0; i < r.n; i++) {
        struct lm_candidate c;
        lm_recommendation_candidate(&r, i, &c);
        if (c.offer != NULL) {
            /* An API has nothing to fit: 100 (docs/scoring.md, "Privacy and
             * fit, as decided"); no privacy level is set here and privacy
             * has its default weight, so every candidate meets "public"
             * and scores 100. */
            assert_true(c.scores[LM_S_FIT] == 100);
            assert_true(c.scores[LM_S_SIMPLICITY] == 100);
            assert_true(c.scores[LM_S_PRIVACY] == 100);
            continue;
        }
        assert_true(c.scores[LM_S_PRIVACY] == 100);
        /* Cost: 25 x (5 - log10(max(usd, 10))), capped at 100 and not
         * floored: 100 000 USD -> 0, 1 000 000 USD -> -25 (docs/scoring.md). */
        if (isfinite(c.est.usd_per_month)) {
            double usd = c.est.usd_per_month > 10 ? c.est.usd_per_month : 10;
            double cost = 25 * (5 - log10(usd));
            if (fabs(c.scores[LM_S_COST] - cost) > 0.06)
                fail_msg("%s: cost %.1f at %.2f USD, docs/scoring.md gives %.2f", c.id,
                         c.scores[LM_S_COST], c.est.usd_per_month, cost);
            below_zero += cost < 0;
        }
        const struct lm_estimate *e = &c.est;
        double u = e->memory_gib / e->usable_gib;
        double fit = e->fit == LM_FIT_NO ? 0 : u <= 0.70 ? 100 : 100 - (u - 0.70) * 50 / 0.30;
        fit = fit < 0 ? 0 : fit > 100 ? 100 : fit;
        if (fabs(c.scores[LM_S_FIT] - fit) > 0.06)
            fail_msg("%s: fit %.1f at u = %.4f, docs/scoring.md gives %.2f", c.id,
                     c.scores[LM_S_FIT], u, fit);
        on_slope += e->fit != LM_FIT_NO && u > 0.75 && u < 0.98;
        double simp = c.placement == LM_PLACE_CLOUD ? 65
                    : c.placement == LM_PLACE_DEVICE && c.owned > 0 ? 80 : 55;
        simp -= 15 * log2(c.devices);
        if (e->instances > 1)
            simp -= 10;
        simp = simp < 0 ? 0 : simp;
        if (fabs(c.scores[LM_S_SIMPLICITY] - simp) > 0.06)
            fail_msg("%s: simplicity %.1f, docs/scoring.md gives %.1f (%d devices, %.0f instances)",
                     c.id, c.scores[LM_S_SIMPLICITY], simp, c.devices, e->instances);
        multi_gpu += c.devices >= 2;
        multi_inst += e->instances > 1;
        if (!c.rejected && isfinite(e->instances)) {
            int fired = lm_recommendation_fired(&r, i, (size_t)scale) != 0;
            if (fired != (e->instances >= 4))
                fail_msg("%s: latency.scale %s at %.0f instances", c.id,
                         fired ? "fired" : "did not fire", e->instances);
            at_four += e->instances == 4;
            at_three += e->instances == 3;
        }
    }
    assert_true(on_slope > 0);
    assert_true(below_zero > 0);
    assert_true(multi_gpu > 0);
    assert_true(multi_inst > 0);
    assert_true(at_four > 0);
    assert_true(at_three > 0);
    lm_recommendation_release(&r);
    /* With a level set, privacy saturates: a candidate that meets it scores
     * 100, one that does not keeps the graded value of its level (and is
     * rejected by privacy.level). */
    sc.constraints.privacy = LM_PRIV_NO_TRAINING;
    assert_int_equal(lm_recommend(&fx->cat, &sc, &fx->rules, &opt, &r), LM_OK);
    static const double graded[] = { 0, 30, 50, 50, 70, 90, 100, 100 };
    size_t met = 0, unmet = 0;
    for (size_t i = 0; i < r.n; i++) {
        struct lm_candidate c;
        lm_recommendation_candidate(&r, i, &c);
        double want = c.meets_privacy ? 100 : graded[c.privacy_level];
        if (c.scores[LM_S_PRIVACY] != want)
            fail_msg("%s: privacy %.1f, want %.1f (level %d, meets %d)", c.id,
                     c.scores[LM_S_PRIVACY], want, c.privacy_level, c.meets_privacy);
        met += c.meets_privacy && c.offer != NULL;
        unmet += !c.meets_privacy;
    }
    assert_true(met > 0);
    assert_true(unmet > 0);
    lm_recommendation_release(&r);
    /* No level but privacy weighted above the default: a preference without
     * a line, graded by level for every candidate (an API at most 50, an
     * on-device candidate 100). */
    sc.constraints.privacy = -1;
    sc.priorities[LM_S_PRIVACY] = 2;
    assert_int_equal(lm_recommend(&fx->cat, &sc, &fx->rules, &opt, &r), LM_OK);
    size_t api_graded = 0;
    for (size_t i = 0; i < r.n; i++) {
        struct lm_candidate c;
        lm_recommendation_candidate(&r, i, &c);
        if (c.scores[LM_S_PRIVACY] != graded[c.privacy_level])
            fail_msg("%s: privacy %.1f, want the graded %.1f (level %d)", c.id,
                     c.scores[LM_S_PRIVACY], graded[c.privacy_level], c.privacy_level);
        api_graded += c.offer != NULL && c.scores[LM_S_PRIVACY] < 100;
    }
    assert_true(api_graded > 0);
    lm_recommendation_release(&r);
    lm_scenario_release(&sc);
}

/* The privacy matrix of DESIGN §3.5, cell by cell: for each required level,
 * which kinds of candidate satisfy it. Columns: device, on-prem and cloud
 * self-hosting; API offers that train on data, that do not (no-training),
 * that retain nothing (zero-retention), each inside (eu) and outside (us
 * only) the scenario's region. The air-gapped row must not rely on the
 * privacy.air-gapped rule: meets_privacy itself excludes cloud and API. */
static void test_privacy_matrix(void **state)
{
    (void)state;
    enum { DEV, ONPREM, CLOUD, API_TRAIN_EU, API_NOTRAIN_EU, API_ZR_EU, API_NOTRAIN_US, NCOL };
    static const struct { int level; unsigned char meets[NCOL]; } rows[] = {
        { LM_PRIV_PUBLIC,         { 1, 1, 1, 1, 1, 1, 1 } },
        { LM_PRIV_NO_TRAINING,    { 1, 1, 1, 0, 1, 1, 1 } },
        { LM_PRIV_ZERO_RETENTION, { 1, 1, 1, 0, 0, 1, 0 } },
        { LM_PRIV_REGION,         { 1, 1, 1, 0, 1, 1, 0 } },
        { LM_PRIV_PRIVATE_CLOUD,  { 1, 1, 1, 0, 0, 0, 0 } },
        { LM_PRIV_ON_PREM,        { 1, 1, 0, 0, 0, 0, 0 } },
        { LM_PRIV_ON_DEVICE,      { 1, 0, 0, 0, 0, 0, 0 } },
        { LM_PRIV_AIR_GAPPED,     { 1, 1, 0, 0, 0, 0, 0 } },
        { -1,                     { 1, 1, 1, 1, 1, 1, 1 } },
    };
    /* The strictest level on the chain each column satisfies (§3.5). */
    static const int level_of[NCOL] = { LM_PRIV_ON_DEVICE, LM_PRIV_ON_PREM, LM_PRIV_PRIVATE_CLOUD,
                                        LM_PRIV_PUBLIC, LM_PRIV_NO_TRAINING,
                                        LM_PRIV_ZERO_RETENTION, LM_PRIV_NO_TRAINING };
    static const char *eu_items[] = { "us", "eu" };
    static const char *us_items[] = { "us" };
    struct lm_api_offer offers[NCOL];
    memset(offers, 0, sizeof(offers));
    offers[API_TRAIN_EU].data_use = LM_DATA_TRAINING;
    offers[API_NOTRAIN_EU].data_use = LM_DATA_NO_TRAINING;
    offers[API_ZR_EU].data_use = LM_DATA_ZERO_RETENTION;
    offers[API_NOTRAIN_US].data_use = LM_DATA_NO_TRAINING;
    for (int k = API_TRAIN_EU; k <= API_ZR_EU; k++)
        offers[k].regions = (struct lm_strlist){ eu_items, 2 };
    offers[API_NOTRAIN_US].regions = (struct lm_strlist){ us_items, 1 };
    for (size_t r = 0; r < sizeof(rows) / sizeof(rows[0]); r++) {
        struct lm_scenario sc;
        lm_scenario_default(&sc);
        sc.constraints.privacy = rows[r].level;
        sc.constraints.region = "eu";
        for (int col = 0; col < NCOL; col++) {
            struct lm_candidate c;
            memset(&c, 0, sizeof(c));
            c.placement = col == DEV ? LM_PLACE_DEVICE : col == ONPREM ? LM_PLACE_ONPREM
                        : col == CLOUD ? LM_PLACE_CLOUD : LM_PLACE_API;
            c.offer = col >= API_TRAIN_EU ? &offers[col] : NULL;
            lm_candidate_privacy(&c, &sc);
            if (c.meets_privacy != rows[r].meets[col] || c.privacy_level != level_of[col])
                fail_msg("privacy %s, column %d: meets %d (expected %d), level %d (expected %d)",
                         rows[r].level < 0 ? "unset" : lm_privacy_names[rows[r].level], col,
                         c.meets_privacy, rows[r].meets[col], c.privacy_level, level_of[col]);
            assert_int_equal(c.in_region, col == API_TRAIN_EU || col == API_NOTRAIN_EU ||
                                                  col == API_ZR_EU || col < API_TRAIN_EU
                                              ? 1 : 0);
        }
        lm_scenario_release(&sc);
    }
}

/* The judge compares a fused `fact CMP number` on the candidate's own double
 * (lm__fact_num_offset): for every fact that names one, the resolver must
 * read exactly that double, null when it is not finite. A wrong offset reads
 * another field, which the zeroed candidate shows. */
static void test_fact_num_offsets(void **state)
{
    static const double values[] = { 1.5, -2.25, 0, 1e300, (double)NAN, (double)INFINITY };
    size_t mapped = 0;
    (void)state;
    for (size_t id = 0; id < lm_fact_table.n; id++) {
        long off = lm__fact_num_offset(id);
        if (off < 0)
            continue;
        mapped++;
        assert_true((size_t)off + sizeof(double) <= offsetof(struct lm_candidate, id));
        assert_int_equal(lm_fact_table.defs[id].type, LM_T_NUM);
        for (size_t k = 0; k < sizeof(values) / sizeof(values[0]); k++) {
            static struct lm_candidate c;
            static struct lm_model m;
            static struct lm_hardware hw;
            memset(&c, 0, sizeof(c));
            c.model = &m;
            c.hw = &hw;
            memcpy((char *)&c + off, &values[k], sizeof(double));
            struct lm_fact_ctx ctx;
            memset(&ctx, 0, sizeof(ctx));
            ctx.c = &c;
            struct lm_value v = { .type = LM_V_NULL };
            lm__fact_get(&ctx, id, &v);
            if (isfinite(values[k])) {
                if (v.type != LM_V_NUM || v.num != values[k])
                    fail_msg("%s: offset %ld does not hold the value the resolver reads",
                             lm_fact_table.defs[id].path, off);
            } else if (v.type != LM_V_NULL) {
                fail_msg("%s: a non-finite value is not null", lm_fact_table.defs[id].path);
            }
        }
    }
    assert_true(mapped >= 20);
    /* The enum facts the judge compares by index (lm__fact_enum_offset). */
    size_t enums = 0;
    for (size_t id = 0; id < lm_fact_table.n; id++) {
        const char *const *names = NULL;
        long off = lm__fact_enum_offset(id, &names);
        if (off < 0)
            continue;
        enums++;
        assert_int_equal(lm_fact_table.defs[id].type, LM_T_ENUM);
        assert_true((size_t)off + sizeof(int) <= offsetof(struct lm_candidate, id));
        for (int v = -1; v == -1 || names[v] != NULL; v++) {
            static struct lm_candidate c;
            memset(&c, 0xff, sizeof(c)); /* other ints read as -1: wrong offsets show */
            memcpy((char *)&c + off, &v, sizeof(v));
            struct lm_fact_ctx ctx;
            memset(&ctx, 0, sizeof(ctx));
            ctx.c = &c;
            struct lm_value val = { .type = LM_V_NULL };
            lm__fact_get(&ctx, id, &val);
            if (v < 0)
                assert_int_equal(val.type, LM_V_NULL);
            else if (val.type != LM_V_STR || strcmp(val.str, names[v]) != 0)
                fail_msg("%s: index %d does not read as %s", lm_fact_table.defs[id].path, v,
                         names[v]);
        }
    }
    assert_int_equal(enums, 2);
}

/* The same recommendation whatever the number of generator threads
 * (lm_rec_options.threads): every record, rule bit, rank, flip and
 * relaxation, on every example scenario, an open one and --quant auto
 * (which stays on one thread). Explicit counts split even the small runs,
 * and 3 and 5 leave ranges of unequal size. */
static void same_recommendation(const struct lm_recommendation *a,
                                const struct lm_recommendation *b, const char *what)
{
    if (a->n != b->n || a->nfeasible != b->nfeasible || a->nmodels != b->nmodels)
        fail_msg("%s: %zu/%zu/%zu candidates/feasible/models against %zu/%zu/%zu", what, b->n,
                 b->nfeasible, b->nmodels, a->n, a->nfeasible, a->nmodels);
    for (size_t i = 0; i < a->n; i++) {
        const struct lm_ranked *x = &a->cands[i], *y = &b->cands[i];
        if (!same_double(x->total, y->total) || !same_double(x->base, y->base) ||
            x->model != y->model || x->where != y->where || x->quant != y->quant ||
            x->runtime != y->runtime || x->placement != y->placement ||
            x->devices != y->devices || x->rejected != y->rejected || a->order[i] != b->order[i] ||
            memcmp(&a->fired[i * a->nwords], &b->fired[i * b->nwords],
                   a->nwords * sizeof(uint64_t)) != 0)
            fail_msg("%s: candidate %zu differs", what, i);
    }
    assert_true(same_double(a->max_decode, b->max_decode));
    assert_true(same_double(a->max_batch_cap, b->max_batch_cap));
    assert_int_equal(a->verdict_class, b->verdict_class);
    assert_int_equal(a->best[0], b->best[0]);
    assert_int_equal(a->best[1], b->best[1]);
    if (a->nflips != b->nflips)
        fail_msg("%s: %zu flips against %zu", what, b->nflips, a->nflips);
    for (size_t k = 0; k < a->nflips; k++) {
        const struct lm_flip *x = &a->flips[k], *y = &b->flips[k];
        if (x->dimension != y->dimension || !same_double(x->from, y->from) ||
            !same_double(x->to, y->to) || x->from_level != y->from_level ||
            x->to_level != y->to_level || x->winner != y->winner)
            fail_msg("%s: flip %zu differs", what, k);
    }
    assert_int_equal(a->nrelax, b->nrelax);
    for (size_t k = 0; k < a->nrelax; k++)
        assert_int_equal(a->relax[k].cand, b->relax[k].cand);
    assert_int_equal(a->has_upgrade, b->has_upgrade);
}

static void check_threads(const struct lm_catalog *cat, const struct lm_scenario *sc,
                          const struct lm_ruleset *rs, const struct lm_rec_options *given,
                          const char *what)
{
    struct lm_rec_options opt = *given;
    struct lm_recommendation one;
    opt.threads = 1;
    assert_int_equal(lm_recommend(cat, sc, rs, &opt, &one), LM_OK);
    static const int counts[] = { 0, 2, 3, 5, LM_REC_MAX_THREADS };
    for (size_t k = 0; k < sizeof(counts) / sizeof(*counts); k++) {
        struct lm_recommendation many;
        opt.threads = counts[k];
        assert_int_equal(lm_recommend(cat, sc, rs, &opt, &many), LM_OK);
        char buf[192];
        snprintf(buf, sizeof(buf), "%s, %d threads", what, counts[k]);
        same_recommendation(&one, &many, buf);
        lm_recommendation_release(&many);
    }
    lm_recommendation_release(&one);
}

static void test_threads_same_result(void **state)
{
    struct fixture *fx = *state;
    for_each_example(fx, check_threads);
    struct lm_scenario sc;
    lm_scenario_default(&sc);
    sc.constraints.hardware_set = 0;
    sc.constraints.privacy = -1;
    sc.constraints.budget.usd_per_month = 2000;
    sc.workload.peak_concurrency = 8;
    sc.workload.requests_per_day = 20000;
    struct lm_rec_options opt;
    memset(&opt, 0, sizeof(opt));
    check_threads(&fx->cat, &sc, &fx->rules, &opt, "open scenario, 8 streams");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_privacy_matrix),
        cmocka_unit_test(test_rule_thresholds),
        cmocka_unit_test(test_subscores_documented),
        cmocka_unit_test(test_example_scenarios),
        cmocka_unit_test(test_open_scenario),
        cmocka_unit_test(test_awkward_ids),
        cmocka_unit_test(test_one_stream_sizings),
        cmocka_unit_test(test_fact_num_offsets),
        cmocka_unit_test(test_threads_same_result),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
