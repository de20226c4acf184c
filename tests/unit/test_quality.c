/*
 * Unit tests of the quality factor model (src/model/quality.c, DESIGN §9.4):
 * recovery on a synthetic catalog with known loadings, the leave-one-out
 * error on the shipped catalog, the family orderings every engineer agrees
 * on, and the composite's arithmetic.
 *
 * `test_quality --report [FACTORS[c][m] [logit|linear [RIDGE]]]` prints the tables
 * of docs/scoring.md (loadings, leave-one-out error, fit time) for the
 * default options or the ones given (c and/or m after FACTORS add the code
 * and maths group factors), instead of running the tests.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "lmchoose/catalog.h"
#include "lmchoose/quality.h"
#include "lmchoose/status.h"

#define DNAN ((double)NAN)
#define K LM_Q_COUNT

#define assert_near(a, b, tol)                                                        \
    do {                                                                              \
        double a_ = (a), b_ = (b), t_ = (tol);                                        \
        if (!(fabs(a_ - b_) <= t_))                                                   \
            fail_msg("%s = %.10g, expected %.10g (tolerance %g)", #a, a_, b_, t_);    \
    } while (0)

static struct lm_catalog cat = LM_CATALOG_INIT;

static int setup(void **state)
{
    (void)state;
    struct lm_diags diags = LM_DIAGS_INIT;
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    int rc = lm_catalog_load_builtin(&cat, &limits, &diags);
    if (rc != 0)
        lm_diags_print(&diags, stderr);
    lm_diags_release(&diags);
    return rc == 0 && cat.nmodels > 0 ? 0 : -1;
}

static int teardown(void **state)
{

    (void)state;
    lm_catalog_release(&cat);
    return 0;
}

static const char *const task_kinds[] = {
    "chat", "classification", "extraction", "summarization", "code",
    "reasoning", "translation", "rag", "agent",
};
#define NKINDS (sizeof(task_kinds) / sizeof(task_kinds[0]))

/* ------------------------------------------------------ leave-one-out */

struct loo {
    size_t n;          /* published 0–100 cells predicted */
    size_t skipped;    /* cells whose benchmark is too rare once hidden */
    double median, p90, mean;
    double covered;    /* share of errors within the band */
    size_t nk[K];
    double median_k[K];
};

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double quantile(double *v, size_t n, double q)
{
    if (n == 0)
        return DNAN;
    qsort(v, n, sizeof(*v), cmp_double);
    /* nearest rank */
    size_t i = (size_t)ceil(q * (double)n);
    return v[i ? i - 1 : 0];
}

/* Hides each published score in turn, refits, predicts it. The summary
 * is over the 0–100 benchmarks; arena_elo (Elo points) has its own row. */
static void leave_one_out(const struct lm_quality_options *opt, struct loo *out)
{
    size_t n = cat.nmodels;
    double *y = malloc(n * K * sizeof(*y));
    double *pred = malloc(n * K * sizeof(*pred));
    double *band = malloc(n * K * sizeof(*band));
    double *err = malloc(n * K * sizeof(*err));
    double *errk = malloc(n * sizeof(*errk));
    assert_non_null(y);
    assert_non_null(pred);
    assert_non_null(band);
    assert_non_null(err);
    assert_non_null(errk);
    memset(out, 0, sizeof(*out));
    for (size_t m = 0; m < n; m++)
        memcpy(&y[m * K], cat.models[m]->quality, sizeof(double) * K);
    size_t inside = 0;
    double sum = 0;
    for (int k = 0; k < K; k++) {
        size_t nk = 0;
        for (size_t m = 0; m < n; m++) {
            double keep = y[m * K + (size_t)k];
            if (isnan(keep))
                continue;
            y[m * K + (size_t)k] = DNAN;
            assert_int_equal(lm_quality_fit_matrix(y, n, opt, pred, band, NULL), 0);
            y[m * K + (size_t)k] = keep;
            double p = pred[m * K + (size_t)k];
            if (isnan(p)) {
                out->skipped++;
                continue;
            }
            double e = fabs(p - keep);
            errk[nk++] = e;
            if (k == LM_Q_ARENA_ELO) /* Elo points, not 0–100: its own row only */
                continue;
            err[out->n++] = e;
            sum += e;
            inside += e <= band[m * K + (size_t)k];
        }
        out->nk[k] = nk;
        out->median_k[k] = quantile(errk, nk, 0.5);
    }
    out->mean = out->n ? sum / (double)out->n : DNAN;
    out->covered = out->n ? (double)inside / (double)out->n : DNAN;
    out->median = quantile(err, out->n, 0.5);
    out->p90 = quantile(err, out->n, 0.9);
    free(y);
    free(pred);
    free(band);
    free(err);
    free(errk);
}

static void print_num(double v, int prec)
{
    if (isnan(v))
        printf(" | –");
    else
        printf(" | %.*f", prec, v);
}

static int report(int factors, int groups, int transform, double ridge)
{
    struct lm_quality_options opt;
    lm_quality_options_default(&opt);
    if (groups >= 0)
        opt.groups = (unsigned)groups;
    if (factors > 0)
        opt.factors = factors;
    if (transform >= 0)
        opt.transform = transform;
    if (ridge >= 0)
        opt.ridge = ridge;
    size_t n = cat.nmodels;
    double *y = malloc(n * K * sizeof(*y));
    if (y == NULL)
        return 1;
    for (size_t m = 0; m < n; m++)
        memcpy(&y[m * K], cat.models[m]->quality, sizeof(double) * K);
    struct lm_quality_fit fit;
    struct timespec t0, t1;
    int reps = 1000;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
    for (int r = 0; r < reps; r++)
        lm_quality_fit_matrix(y, n, &opt, NULL, NULL, &fit);
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
    double us = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) /
                reps / 1e3;
    /* Scale: 10 000 models, the catalog's rows repeated with a deterministic
     * shift of up to ±2 points, so the pattern of missing cells is real. */
    size_t big = 10000;
    double *yb = malloc(big * K * sizeof(*yb));
    double us_big = DNAN;
    struct lm_quality_fit fit_big;
    if (yb != NULL && n > 0) {
        for (size_t m = 0; m < big; m++)
            for (int k = 0; k < K; k++) {
                double v = y[(m % n) * K + (size_t)k];
                double shift = k == LM_Q_ARENA_ELO ? 0 : (double)((m * 13 + (size_t)k * 7) % 9) * 0.5 - 2.0;
                yb[m * K + (size_t)k] = isnan(v) ? v : fmin(fmax(v + shift, 0), 100);
            }
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t0);
        lm_quality_fit_matrix(yb, big, &opt, NULL, NULL, &fit_big);
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t1);
        us_big = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3;
        printf("10000 models: fit %.1f ms CPU, iterations %d\n", us_big / 1e3, fit_big.iterations[0]);
    }
    free(yb);
    struct loo loo;
    leave_one_out(&opt, &loo);
    printf("factors %d%s, %zu models with scores, iterations %d/%d, fit %.1f us CPU\n\n",
           fit.factors,
           opt.groups == 3 ? " + code and maths groups" : opt.groups == 1 ? " + code group"
                          : opt.groups == 2 ? " + maths group" : "",
           fit.nmodels, fit.iterations[0], fit.iterations[1], us);
    printf("| benchmark | published | center | scale | a | b | c | residual RMS (points) | "
           "LOO n | LOO median |\n|---|---|---|---|---|---|---|---|---|---|\n");
    for (int k = 0; k < K; k++) {
        printf("| %s | %zu", lm_quality_names[k], fit.published[k]);
        print_num(fit.center[k], 3);
        print_num(fit.scale[k], 3);
        print_num(fit.a[k], 3);
        print_num(fit.b[k], 3);
        print_num(fit.c[k], 3);
        print_num(fit.rms_points[k], 1);
        printf(" | %zu", loo.nk[k]);
        print_num(loo.median_k[k], 1);
        printf(" |\n");
    }
    printf("\nleave-one-out over %zu published 0-100 scores (%zu skipped: benchmark too rare "
           "once hidden): median %.1f, 90th percentile %.1f, mean %.1f points; %.0f%% within "
           "the band\n",
           loo.n, loo.skipped, loo.median, loo.p90, loo.mean, 100 * loo.covered);
    printf("\ncomposites with the catalog's fit (default options)\n\n| model |");
    for (size_t t = 0; t < NKINDS; t++)
        printf(" %s |", task_kinds[t]);
    printf("\n");
    for (size_t i = 0; i < cat.nmodels; i++) {
        printf("| %s", cat.models[i]->id);
        for (size_t t = 0; t < NKINDS; t++)
            print_num(lm_quality_composite(cat.models[i], task_kinds[t], 0), 1);
        printf(" |\n");
    }
    free(y);
    return 0;
}


/* ------------------------------------------------- synthetic recovery */

/*
 * A synthetic catalog from known parameters: 40 models with θ_m evenly
 * spaced on [−2, 2], 8 benchmarks with t = α_k + β_k θ (logit units, so
 * y = 100 / (1 + e^−t)), model m publishing benchmark k unless
 * (m + k) % 3 == 0 (about two thirds of the cells, every model ≥ 5).
 */
#define SYN_M 40
#define SYN_K 8
static const double syn_alpha[SYN_K] = { 0.8, -0.2, -1.0, 0.3, 1.5, 0.0, -2.0, 0.6 };
static const double syn_beta[SYN_K] = { 1.0, 1.3, 0.7, 0.9, 1.6, 1.1, 1.2, 0.5 };

/* A maths-only skill ψ_m (mean 0 over the 40 models, uncorrelated with
 * m's order), added with amplitude syn_maths to GSM8K and MATH (keys 5, 6:
 * the maths group's members among the first 8 keys). */
static double syn_maths = 0;

static double syn_psi(size_t m)
{
    return ((double)((m * 7) % 11) - 5.0) / 3.0;
}

static double syn_logit(size_t m, int k)
{
    double theta = -2.0 + 4.0 * (double)m / (SYN_M - 1);
    double t = syn_alpha[k] + syn_beta[k] * theta;
    if (k == LM_Q_GSM8K || k == LM_Q_MATH)
        t += syn_maths * syn_psi(m);
    return t;
}

static double syn_truth(size_t m, int k)
{
    return 100.0 / (1.0 + exp(-syn_logit(m, k)));
}

static void syn_fill(double *y, double noise)
{
    for (size_t i = 0; i < SYN_M * K; i++)
        y[i] = DNAN;
    for (size_t m = 0; m < SYN_M; m++)
        for (int k = 0; k < SYN_K; k++)
            if ((m + (size_t)k) % 3 != 0) {
                /* deterministic "noise" in logit units: −2, −1, 0, 1, 2 × noise */
                double e = noise * (double)((int)((m * 7 + (size_t)k * 3) % 5) - 2);
                y[m * K + (size_t)k] = 100.0 / (1.0 + exp(-(syn_logit(m, k) + e)));
            }
}

/*
 * Exact data: the model holds exactly in logit space, so with a vanishing
 * ridge the imputed cells match the truth to the ALS tolerance. With the
 * default ridge (0.3) θ is shrunk by λ / (Σb² + λ); models that publish 5
 * or 6 of the 8 benchmarks (Σb² ≈ 5 or 6 in z units) are shrunk by factors
 * differing by 0.3/5.3 − 0.3/6.3 ≈ 0.009, i.e. ≤ 0.02 in z at |θ| ≤ 2,
 * which is ≤ 0.02 × scale_k (≤ 1.6 logit) × 25 points per logit ≈ 0.8
 * points: the tolerance is 1 point. The order of θ shows in every
 * benchmark's predictions rising strictly with m.
 */
static void test_synthetic_recovery(void **state)
{
    (void)state;
    static double y[SYN_M * K], pred[SYN_M * K], band[SYN_M * K];
    syn_maths = 0;
    syn_fill(y, 0);
    struct lm_quality_options opt;
    lm_quality_options_default(&opt);
    opt.groups = 0; /* one-factor data: the one-factor model */
    opt.ridge = 1e-9;
    opt.ridge_loading = 1e-9;
    opt.tolerance = 1e-13;
    opt.max_iterations = 5000;
    struct lm_quality_fit fit;
    assert_int_equal(lm_quality_fit_matrix(y, SYN_M, &opt, pred, band, &fit), 0);
    for (size_t m = 0; m < SYN_M; m++)
        for (int k = 0; k < SYN_K; k++)
            assert_near(pred[m * K + (size_t)k], syn_truth(m, k), 1e-3);
    for (int k = SYN_K; k < K; k++)
        assert_false(fit.fitted[k]);

    lm_quality_options_default(&opt);
    opt.groups = 0;
    assert_int_equal(lm_quality_fit_matrix(y, SYN_M, &opt, pred, band, &fit), 0);
    for (size_t m = 0; m < SYN_M; m++)
        for (int k = 0; k < SYN_K; k++) {
            assert_near(pred[m * K + (size_t)k], syn_truth(m, k), 1.0);
            if (m > 0)
                assert_true(pred[m * K + (size_t)k] > pred[(m - 1) * K + (size_t)k]);
        }

    /* Noise of up to ±0.2 logit (±5 points mid-scale): the θ order of
     * models 4 apart (0.41 in θ, ≥ 0.2 logit on every benchmark) holds,
     * and imputed cells stay within 3 bands of the truth. */
    syn_fill(y, 0.1);
    assert_int_equal(lm_quality_fit_matrix(y, SYN_M, &opt, pred, band, &fit), 0);
    for (size_t m = 0; m < SYN_M; m++)
        for (int k = 0; k < SYN_K; k++) {
            if (m >= 4)
                assert_true(pred[m * K + (size_t)k] > pred[(m - 4) * K + (size_t)k]);
            if (isnan(y[m * K + (size_t)k])) {
                assert_true(band[m * K + (size_t)k] > 0);
                assert_near(pred[m * K + (size_t)k], syn_truth(m, k),
                            3 * band[m * K + (size_t)k]);
            }
        }

    /* The shipped options (with the maths group factor) on the exact
     * one-factor data: the group factor finds nothing to add. */
    syn_fill(y, 0);
    lm_quality_options_default(&opt);
    assert_int_equal(lm_quality_fit_matrix(y, SYN_M, &opt, pred, band, &fit), 0);
    for (size_t m = 0; m < SYN_M; m++)
        for (int k = 0; k < SYN_K; k++)
            assert_near(pred[m * K + (size_t)k], syn_truth(m, k), 1.0);
}

/*
 * A maths skill of up to ±0.83 logit on GSM8K and MATH that θ cannot
 * carry (up to 20 points mid-scale). The one-factor model misses the
 * imputed maths cells by up to 17.7 points; the maths group factor, shrunk
 * by its ridge and fitted on two benchmarks only, by up to 5.7 (at the
 * time of writing). The test asks for at least a halving.
 */
static void test_synthetic_maths_factor(void **state)
{
    (void)state;
    static double y[SYN_M * K], pred[SYN_M * K];
    syn_maths = 0.5;
    syn_fill(y, 0);
    struct lm_quality_options opt;
    double worst[2] = { 0, 0 };
    for (int groups = 0; groups < 2; groups++) {
        lm_quality_options_default(&opt);
        opt.groups = groups ? 2u : 0u;
        assert_int_equal(lm_quality_fit_matrix(y, SYN_M, &opt, pred, NULL, NULL), 0);
        for (size_t m = 0; m < SYN_M; m++)
            for (int k = LM_Q_GSM8K; k <= LM_Q_MATH; k++)
                if (isnan(y[m * K + (size_t)k]))
                    worst[groups] = fmax(worst[groups], fabs(pred[m * K + (size_t)k] - syn_truth(m, k)));
    }
    print_message("maths cells: worst imputation error %.2f points with one factor, %.2f with "
                  "the maths factor\n", worst[0], worst[1]);
    assert_true(worst[0] > 5.0);
    assert_true(worst[1] < worst[0] / 2);
    syn_maths = 0;
}

/* ------------------------------------------------------ shipped catalog */

/* The target: leave-one-out median ≤ 8 points; and the bands,
 * meant as about one standard deviation, hold at least half the errors. */
static void test_leave_one_out(void **state)
{
    (void)state;
    struct loo loo;
    leave_one_out(NULL, &loo);
    assert_true(loo.n >= 100);
    if (!(loo.median <= 8.0))
        fail_msg("leave-one-out median %.2f points > 8", loo.median);
    if (!(loo.covered >= 0.5))
        fail_msg("only %.0f%% of leave-one-out errors within the band", 100 * loo.covered);
}

/* Every model of the shipped catalog has a quality for every task kind. */
static void test_no_model_without_quality(void **state)
{
    (void)state;
    for (size_t i = 0; i < cat.nmodels; i++)
        for (size_t t = 0; t < NKINDS; t++)
            if (isnan(lm_quality_composite(cat.models[i], task_kinds[t], 0)))
                fail_msg("%s has no %s quality", cat.models[i]->id, task_kinds[t]);
}

/*
 * Orderings any engineer agrees on (domain knowledge, not program output):
 * within a family and generation, the bigger model is better at every
 * task kind. Each chain is in ascending order.
 */
static const char *const chains[][8] = {
    { "llama-3.2-1b-instruct", "llama-3.2-3b-instruct", "llama-3.1-8b-instruct",
      "llama-3.1-70b-instruct", "llama-3.1-405b-instruct" },
    { "qwen2.5-0.5b-instruct", "qwen2.5-1.5b-instruct", "qwen2.5-3b-instruct",
      "qwen2.5-7b-instruct", "qwen2.5-14b-instruct", "qwen2.5-32b-instruct",
      "qwen2.5-72b-instruct" },
    { "gemma-2-2b-it", "gemma-2-9b-it", "gemma-2-27b-it" },
    { "smollm2-135m-instruct", "smollm2-1.7b-instruct" },
    { "gpt-4.1-nano", "gpt-4.1-mini", "gpt-4.1" },
    { "gpt-4o-mini", "gpt-4o" },
    { "claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5" },
    { "gemini-2.5-flash-lite", "gemini-2.5-flash", "gemini-2.5-pro" },
    /* Qwen3 dense and MoE, on Qwen's thinking-mode tables (docs/scoring.md,
     * "Qwen3: thinking mode"). */
    { "qwen3-0.6b", "qwen3-1.7b", "qwen3-4b", "qwen3-8b", "qwen3-14b", "qwen3-32b" },
    { "qwen3-30b-a3b", "qwen3-235b-a22b" },
    { "gemma-3-1b-it", "gemma-3-4b-it", "gemma-3-12b-it", "gemma-3-27b-it" },
    { "gpt-oss-20b", "gpt-oss-120b" },
    { "phi-4-mini-instruct", "phi-4" },
    { "qwen2.5-coder-7b-instruct", "qwen2.5-coder-32b-instruct" },
    { "gpt-5-mini", "gpt-5" },
};

/* Specialists: a coder model beats the general model of its size at code. */
static const char *const code_pairs[][2] = {
    { "qwen2.5-7b-instruct", "qwen2.5-coder-7b-instruct" },
    { "qwen2.5-32b-instruct", "qwen2.5-coder-32b-instruct" },
};

/* Frontier APIs rank above every open model of ≤ 3 B parameters. */
static const char *const frontier[] = {
    "gpt-4.1", "claude-sonnet-4-5", "claude-opus-4-5", "gemini-2.5-pro", "o4-mini",
    "gpt-5", "claude-sonnet-4-6", "gemini-3-pro-preview",
};

static const struct lm_model *shipped(const char *id)
{
    const struct lm_model *m = lm_catalog_model(&cat, id);
    if (m == NULL)
        fail_msg("model %s missing from the shipped catalog", id);
    return m;
}

/*
 * Family order (DESIGN §9.4; docs/scoring.md, "Family order"). Qwen's
 * thinking-mode tables give Qwen3-30B-A3B the higher IFEval (86.5 against
 * 83.4 for 235B-A22B, Tables 15 and 11) and extraction weighs IFEval 0.50,
 * so on published-or-imputed values the smaller model led at extraction
 * (87.2 against 86.4, worked out in docs/scoring.md). Both must now take
 * their extraction composite from the fitted row, Σ w_k fit_k / Σ w_k,
 * with the bigger model ahead; every other (model, task) keeps its
 * published values, so the shipped catalog marks exactly this pair: a data
 * change that puts another pair out of order shows up here, to be looked at.
 */
static void test_family_order(void **state)
{
    (void)state;
    const struct lm_model *small = shipped("qwen3-30b-a3b"), *big = shipped("qwen3-235b-a22b");
    for (int image = 0; image < 2; image++)
        for (size_t t = 0; t < NKINDS; t++)
            for (size_t i = 0; i < cat.nmodels; i++) {
                const struct lm_model *m = cat.models[i];
                int want = !image && strcmp(task_kinds[t], "extraction") == 0 &&
                           (m == small || m == big);
                if (lm_quality_family_fit(m, task_kinds[t], image) != want)
                    fail_msg("%s at %s%s: family_fit %d, expected %d", m->id, task_kinds[t],
                             image ? " with an image" : "", !want, want);
            }
    double q[2];
    const struct lm_model *pair[2] = { small, big };
    for (int j = 0; j < 2; j++) {
        const struct lm_model *m = pair[j];
        double num = 0, den = 0;
        for (int k = 0; k < LM_Q_COUNT; k++) {
            double w = lm_quality_weight("extraction", 0, k);
            if (w > 0) {
                num += w * m->quality_fit[k];
                den += w;
            }
        }
        q[j] = lm_quality_composite(m, "extraction", 0);
        assert_true(fabs(q[j] - num / den) < 1e-9);
        /* The published IFEval is not what the composite used. */
        assert_true(fabs(m->quality_fit[LM_Q_IFEVAL] - m->quality[LM_Q_IFEVAL]) > 1.0);
    }
    assert_true(q[0] < q[1]);
    /* Chat keeps the published values (in order there already). */
    assert_false(lm_quality_family_fit(small, "chat", 0));
}

static void test_family_orderings(void **state)
{
    (void)state;
    int failures = 0;
    for (size_t c = 0; c < sizeof(chains) / sizeof(chains[0]); c++)
        for (size_t i = 1; i < 8 && chains[c][i] != NULL; i++) {
            const struct lm_model *lo = shipped(chains[c][i - 1]), *hi = shipped(chains[c][i]);
            for (size_t t = 0; t < NKINDS; t++) {
                double ql = lm_quality_composite(lo, task_kinds[t], 0);
                double qh = lm_quality_composite(hi, task_kinds[t], 0);
                if (!(ql < qh) && failures++ < 30)
                    print_error("%s: %s %.1f is not below %s %.1f\n", task_kinds[t], lo->id,
                                ql, hi->id, qh);
            }
        }
    for (size_t p = 0; p < sizeof(code_pairs) / sizeof(code_pairs[0]); p++) {
        const struct lm_model *lo = shipped(code_pairs[p][0]), *hi = shipped(code_pairs[p][1]);
        double ql = lm_quality_composite(lo, "code", 0), qh = lm_quality_composite(hi, "code", 0);
        if (!(ql < qh) && failures++ < 30)
            print_error("code: %s %.1f is not below %s %.1f\n", lo->id, ql, hi->id, qh);
    }
    for (size_t f = 0; f < sizeof(frontier) / sizeof(frontier[0]); f++) {
        const struct lm_model *top = shipped(frontier[f]);
        for (size_t i = 0; i < cat.nmodels; i++) {
            const struct lm_model *m = cat.models[i];
            if (m->open_weights != 1 || !(m->params_b <= 3.0))
                continue;
            for (size_t t = 0; t < NKINDS; t++) {
                double qs = lm_quality_composite(m, task_kinds[t], 0);
                double qf = lm_quality_composite(top, task_kinds[t], 0);
                if (!(qs < qf) && failures++ < 30)
                    print_error("%s: %s %.1f is not below %s %.1f\n", task_kinds[t], m->id, qs,
                                top->id, qf);
            }
        }
    }
    assert_int_equal(failures, 0);
}

/* ---------------------------------------------------------- composite */

/* The worked example of src/model/quality.c on a hand-built (unfitted) model:
 * its published scores only. */
static void test_composite_unfitted(void **state)
{
    (void)state;
    struct lm_model s;
    memset(&s, 0, sizeof(s));
    for (int k = 0; k < K; k++)
        s.quality[k] = DNAN;
    assert_true(isnan(lm_quality_composite(&s, "chat", 0)));
    s.quality[LM_Q_MMLU] = 70;
    s.quality[LM_Q_MMLU_PRO] = 50;
    s.quality[LM_Q_IFEVAL] = 80;
    assert_near(lm_quality_composite(&s, "chat", 0), 47.0 / 0.70, 1e-9);
    s.quality[LM_Q_MMMU] = 50;
    assert_near(lm_quality_composite(&s, "chat", 1), (0.70 * 47.0 + 15.0) / 0.79, 1e-9);
    /* An unknown kind: the mean of mmlu and mmlu_pro. */
    assert_near(lm_quality_composite(&s, "poetry", 0), 60, 1e-9);
    /* No benchmark that code weighs published: the same mean. */
    assert_near(lm_quality_composite(&s, "code", 0), 60, 1e-9);
    /* One that it weighs: that one alone. */
    s.quality[LM_Q_LIVECODEBENCH] = 30;
    assert_near(lm_quality_composite(&s, "code", 0), 30, 1e-9);
    s.quality[LM_Q_LIVECODEBENCH] = DNAN;
    assert_near(lm_quality_composite_band(&s, "chat", 0), 0, 1e-12);
    /* Each kind's weights sum to 1, and arena_elo weighs nothing. */
    for (size_t t = 0; t < NKINDS; t++) {
        double sum = 0;
        for (int k = 0; k < K; k++)
            sum += lm_quality_weight(task_kinds[t], 0, k);
        assert_near(sum, 1.0, 1e-12);
        assert_near(lm_quality_weight(task_kinds[t], 0, LM_Q_ARENA_ELO), 0, 0);
        /* Code rests on more than HumanEval and MBPP. */
        if (strcmp(task_kinds[t], "code") == 0)
            assert_true(lm_quality_weight("code", 0, LM_Q_HUMANEVAL) +
                            lm_quality_weight("code", 0, LM_Q_MBPP) <= 0.25);
    }
}

/* A fitted catalog model: published cells stay as published (with their
 * residual), the others are the fit's values with a band, and the
 * composite is the weighted mean of that completed row. */
static void test_completed_row(void **state)
{
    (void)state;
    const struct lm_model *m = lm_catalog_model(&cat, "llama-3.1-8b-instruct");
    assert_non_null(m);
    assert_true(m->quality_fitted);
    double num = 0, den = 0, bnum = 0;
    for (int k = 0; k < K; k++) {
        int imputed = -1;
        double band = 0, resid = 0;
        double v = lm_quality_value(m, k, &imputed, &band, &resid);
        if (!isnan(m->quality[k])) {
            assert_int_equal(imputed, 0);
            assert_near(v, m->quality[k], 0);
            assert_true(isnan(band));
            assert_near(resid, m->quality[k] - m->quality_fit[k], 1e-12);
        } else if (!isnan(m->quality_fit[k])) {
            assert_int_equal(imputed, 1);
            assert_near(v, m->quality_fit[k], 0);
            assert_true(band > 0);
            assert_true(isnan(resid));
        }
        double w = lm_quality_weight("chat", 0, k);
        if (w > 0 && !isnan(v)) {
            num += w * v;
            den += w;
            bnum += w * (imputed ? band : 0);
        }
    }
    assert_true(den > 0);
    assert_near(lm_quality_composite(m, "chat", 0), num / den, 1e-9);
    assert_near(lm_quality_composite_band(m, "chat", 0), bnum / den, 1e-9);
}

/* A model from a user layer takes part in the fit: it gets imputed cells
 * with bands, and its scores move the builtin models' fitted values. */
static void test_user_layer_model(void **state)
{
    (void)state;
    static const char yaml[] = "id: my-slm\nname: My SLM\nparams_b: 3\ncontext_tokens: 4096\n"
                               "open_weights: true\nsources: [x]\n"
                               "quality:\n  mmlu_pro: 45\n  ifeval: 70\n  gsm8k: 80\n";
    struct lm_catalog mine = LM_CATALOG_INIT;
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_diags d = LM_DIAGS_INIT;
    assert_int_equal(lm_catalog_load_builtin(&mine, &limits, &d), LM_OK);
    assert_int_equal(lm_catalog_load_file(&mine, "model", "my-slm.yaml", yaml, strlen(yaml), 0,
                                          &limits, &d),
                     LM_OK);
    const struct lm_model *m = lm_catalog_model(&mine, "my-slm");
    assert_non_null(m);
    assert_true(m->quality_fitted);
    int imputed = 0;
    double band = DNAN;
    double v = lm_quality_value(m, LM_Q_LIVECODEBENCH, &imputed, &band, NULL);
    assert_true(imputed == 1 && v > 0 && v < 100 && band > 0);
    assert_false(isnan(lm_quality_composite(m, "code", 0)));
    /* Its published row is part of the fit: the builtin models' fitted
     * values differ from those of the builtin-only catalog. */
    const struct lm_model *a = lm_catalog_model(&mine, "llama-3.1-8b-instruct");
    const struct lm_model *b = lm_catalog_model(&cat, "llama-3.1-8b-instruct");
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a->quality_fit[LM_Q_LIVECODEBENCH] != b->quality_fit[LM_Q_LIVECODEBENCH]);
    assert_near(a->quality_fit[LM_Q_LIVECODEBENCH], b->quality_fit[LM_Q_LIVECODEBENCH], 2.0);
    lm_catalog_release(&mine);
    lm_diags_release(&d);
}

/*
 * Family order on a user layer (not the shipped data): two sizes of one
 * family where the smaller publishes the better IFEval. Loaded as
 * different families (the control) the smaller leads at extraction, where
 * IFEval weighs 0.50; loaded as one family, every task where it led is
 * marked on both models and the bigger one now leads at every task.
 */
static void load_pair(struct lm_catalog *c, const char *fam_small, const char *fam_big)
{
    char small[512], big[512];
    snprintf(small, sizeof(small),
             "id: acme-3b\nname: Acme 3B\nfamily: %s\nparams_b: 3\ncontext_tokens: 8192\n"
             "open_weights: true\nsources: [x]\n"
             "quality:\n  mmlu_pro: 40\n  ifeval: 88\n  gsm8k: 75\n  mmlu: 60\n",
             fam_small);
    snprintf(big, sizeof(big),
             "id: acme-8b\nname: Acme 8B\nfamily: %s\nparams_b: 8\ncontext_tokens: 8192\n"
             "open_weights: true\nsources: [x]\n"
             "quality:\n  mmlu_pro: 50\n  ifeval: 72\n  gsm8k: 86\n  mmlu: 70\n",
             fam_big);
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_diags d = LM_DIAGS_INIT;
    assert_int_equal(lm_catalog_load_builtin(c, &limits, &d), LM_OK);
    assert_int_equal(lm_catalog_load_file(c, "model", "acme-3b.yaml", small, strlen(small), 0,
                                          &limits, &d),
                     LM_OK);
    assert_int_equal(lm_catalog_load_file(c, "model", "acme-8b.yaml", big, strlen(big), 0,
                                          &limits, &d),
                     LM_OK);
    lm_diags_release(&d);
}

static void test_family_order_user_layer(void **state)
{
    (void)state;
    struct lm_catalog apart = LM_CATALOG_INIT, together = LM_CATALOG_INIT;
    load_pair(&apart, "acme-a", "acme-b");
    load_pair(&together, "acme", "acme");
    const struct lm_model *s0 = lm_catalog_model(&apart, "acme-3b");
    const struct lm_model *b0 = lm_catalog_model(&apart, "acme-8b");
    const struct lm_model *s1 = lm_catalog_model(&together, "acme-3b");
    const struct lm_model *b1 = lm_catalog_model(&together, "acme-8b");
    assert_true(s0 && b0 && s1 && b1);
    size_t reversed = 0;
    for (size_t t = 0; t < NKINDS; t++) {
        const char *k = task_kinds[t];
        int out_of_order = !(lm_quality_composite(s0, k, 0) < lm_quality_composite(b0, k, 0));
        reversed += out_of_order;
        assert_false(lm_quality_family_fit(s0, k, 0) || lm_quality_family_fit(b0, k, 0));
        if (lm_quality_family_fit(s1, k, 0) != out_of_order ||
            lm_quality_family_fit(b1, k, 0) != out_of_order)
            fail_msg("%s: family_fit %d/%d, published order %s", k,
                     lm_quality_family_fit(s1, k, 0), lm_quality_family_fit(b1, k, 0),
                     out_of_order ? "reversed" : "kept");
        if (!(lm_quality_composite(s1, k, 0) < lm_quality_composite(b1, k, 0)))
            fail_msg("%s: acme-3b %.2f is not below acme-8b %.2f in one family", k,
                     lm_quality_composite(s1, k, 0), lm_quality_composite(b1, k, 0));
    }
    /* The control shows the reversal the family order mends. */
    assert_true(lm_quality_composite(s0, "extraction", 0) >=
                lm_quality_composite(b0, "extraction", 0));
    assert_true(reversed > 0);
    lm_catalog_release(&apart);
    lm_catalog_release(&together);
}

/* Two fits of the same catalog agree bit for bit. */
static void test_deterministic(void **state)
{
    (void)state;
    size_t n = cat.nmodels;
    double *y = malloc(n * K * sizeof(*y));
    double *p1 = malloc(n * K * sizeof(*p1)), *p2 = malloc(n * K * sizeof(*p2));
    assert_non_null(y);
    assert_non_null(p1);
    assert_non_null(p2);
    for (size_t m = 0; m < n; m++)
        memcpy(&y[m * K], cat.models[m]->quality, sizeof(double) * K);
    assert_int_equal(lm_quality_fit_matrix(y, n, NULL, p1, NULL, NULL), 0);
    assert_int_equal(lm_quality_fit_matrix(y, n, NULL, p2, NULL, NULL), 0);
    assert_memory_equal(p1, p2, n * K * sizeof(*p1));
    for (size_t m = 0; m < n; m++)
        for (int k = 0; k < K; k++) {
            double a = p1[m * K + (size_t)k], b = cat.models[m]->quality_fit[k];
            assert_true((isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof(a)) == 0);
        }
    free(y);
    free(p1);
    free(p2);
}

static int same_or_both_nan(double a, double b)
{
    return (isnan(a) && isnan(b)) || memcmp(&a, &b, sizeof(a)) == 0;
}

/* The fit made at build time (src/cmake/fit_builtin.c, linked here as the
 * program links it) is the fit a run makes, bit for bit; a registered one
 * is used for exactly its own score matrix and no other. */
static void test_precomputed(void **state)
{
    (void)state;
    const struct lm_quality_precomputed *b = &lm_builtin_quality_fit;
    assert_int_equal(b->n, cat.nmodels); /* cat was fitted at load (setup) */
    for (size_t m = 0; m < cat.nmodels; m++)
        for (int k = 0; k < K; k++) {
            size_t i = m * K + (size_t)k;
            assert_true(same_or_both_nan(b->scores[i], cat.models[m]->quality[k]));
            assert_true(same_or_both_nan(b->pred[i], cat.models[m]->quality_fit[k]));
            assert_true(same_or_both_nan(b->band[i], cat.models[m]->quality_band[k]));
        }
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_diags d = LM_DIAGS_INIT;
    /* Registered: a load takes it, family order included. */
    lm_quality_use_precomputed(b);
    struct lm_catalog again = LM_CATALOG_INIT;
    assert_int_equal(lm_catalog_load_builtin(&again, &limits, &d), LM_OK);
    for (size_t m = 0; m < cat.nmodels; m++) {
        assert_int_equal(again.models[m]->quality_family_fit, cat.models[m]->quality_family_fit);
        for (int k = 0; k < K; k++)
            assert_true(same_or_both_nan(again.models[m]->quality_fit[k],
                                         cat.models[m]->quality_fit[k]));
    }
    lm_catalog_release(&again);
    /* A doctored table proves which path a load took: taken for the same
     * scores, not when one score differs. */
    size_t nk = cat.nmodels * K;
    double *scores = malloc(nk * sizeof(*scores)), *fifty = malloc(nk * sizeof(*fifty));
    assert_non_null(scores);
    assert_non_null(fifty);
    memcpy(scores, b->scores, nk * sizeof(*scores));
    for (size_t i = 0; i < nk; i++)
        fifty[i] = 50.0;
    struct lm_quality_precomputed doctored = { cat.nmodels, scores, fifty, fifty };
    lm_quality_use_precomputed(&doctored);
    assert_int_equal(lm_catalog_load_builtin(&again, &limits, &d), LM_OK);
    assert_true(again.models[0]->quality_fit[LM_Q_MMLU] == 50.0);
    lm_catalog_release(&again);
    size_t first = 0;
    while (first < nk && isnan(scores[first]))
        first++;
    assert_true(first < nk);
    scores[first] += 0.5; /* another catalog: fitted */
    assert_int_equal(lm_catalog_load_builtin(&again, &limits, &d), LM_OK);
    for (size_t m = 0; m < cat.nmodels; m++)
        for (int k = 0; k < K; k++)
            assert_true(same_or_both_nan(again.models[m]->quality_fit[k],
                                         cat.models[m]->quality_fit[k]));
    lm_catalog_release(&again);
    lm_quality_use_precomputed(NULL);
    free(scores);
    free(fifty);
    lm_diags_release(&d);
}

int main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "--report") == 0) {
        if (setup(NULL) != 0)
            return 1;
        int rc = report(argc >= 3 ? atoi(argv[2]) : 0,
                        argc >= 3 ? (strchr(argv[2], 'c') ? 1 : 0) | (strchr(argv[2], 'm') ? 2 : 0) : -1,
                        argc >= 4 ? (strcmp(argv[3], "linear") == 0 ? LM_QT_LINEAR : LM_QT_LOGIT) : -1,
                        argc >= 5 ? atof(argv[4]) : -1);
        teardown(NULL);
        return rc;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_synthetic_recovery),
        cmocka_unit_test(test_synthetic_maths_factor),
        cmocka_unit_test(test_leave_one_out),
        cmocka_unit_test(test_no_model_without_quality),
        cmocka_unit_test(test_family_orderings),
        cmocka_unit_test(test_family_order),
        cmocka_unit_test(test_composite_unfitted),
        cmocka_unit_test(test_completed_row),
        cmocka_unit_test(test_user_layer_model),
        cmocka_unit_test(test_family_order_user_layer),
        cmocka_unit_test(test_deterministic),
        cmocka_unit_test(test_precomputed),
    };
    return cmocka_run_group_tests_name("quality", tests, setup, teardown);
}
