/*
 * Quality on one scale (DESIGN §9.4, §5a): the factor model fitted over the
 * catalog, the imputation of missing benchmarks with an error band, and the
 * task composite over the completed row.
 *
 * Method (docs/scoring.md, "Quality", says why each choice):
 *  1. Transform: a 0–100 score y becomes t = logit(y / 100), y clamped to
 *     [0.5, 99.5], so that saturation near 100 (GSM8K, HumanEval) and the
 *     floor near 0 (AIME for small models) do not bend a linear fit;
 *     arena_elo stays on its Elo scale (already a logit scale × 400/ln 10).
 *  2. Standardise each benchmark over the models that publish it:
 *     z = (t − center_k) / scale_k. A benchmark with fewer than
 *     min_published scores (or no spread) is not fitted and never imputed.
 *  3. Factor 1 by alternating least squares on the published cells only:
 *     start from θ_m = the mean of model m's z (a = 0, b = 1); then repeat
 *     (i) θ_m = Σ_k b_k (z_mk − a_k) / (Σ_k b_k² + ridge), (ii) rescale θ to
 *     mean 0 and variance 1 over the models (the scale is otherwise free),
 *     (iii) per benchmark, a_k, b_k by least squares with ridge_loading on
 *     b_k; until no θ moves by more than tolerance, or max_iterations.
 *  4. Group factors (options.groups; shipped: maths): the same procedure on
 *     the residuals of one skill group's benchmarks only (maths: GSM8K,
 *     MATH, MATH-500, AIME 2024/2025), started from loadings 1, gives each
 *     model a skill φ beyond θ and each member a loading c_k. A free second
 *     factor over all benchmarks (factors = 2, started from loadings +1, −1,
 *     … in key order) and a code group exist for the comparison of
 *     docs/scoring.md, which rejected them.
 *  5. Bands: v_k = residual sum of squares / (n_k − parameters per
 *     benchmark); var θ_m = s² / (Σ_k b_k² + ridge) over the benchmarks m
 *     published, s² the pooled residual variance (likewise φ over m's
 *     group scores); an imputed cell's band is √(v_k + b_k² var θ_m +
 *     c_k² var φ_m) in z, mapped to points through the slope of the inverse
 *     transform at the predicted value.
 *
 * Every loop runs in a fixed order from a fixed start: the output is the
 * same bit for bit on every run and platform (-ffp-contract=off).
 */
#include "lmchoose/quality.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define DNAN ((double)NAN)
#define K LM_Q_COUNT

void lm_quality_options_default(struct lm_quality_options *o)
{
    o->factors = 1;
    o->transform = LM_QT_LOGIT;
    o->ridge = 0.3;
    o->ridge_loading = 0.1;
    o->max_iterations = 500;
    o->tolerance = 1e-9;
    o->min_published = 3;
    o->groups = 2; /* maths only: docs/scoring.md, "Why θ and a maths factor" */
}

/* ------------------------------------------------------------ transform */

static int on_elo_scale(int k)
{
    return k == LM_Q_ARENA_ELO;
}

static double to_t(double y, int k, int transform)
{
    if (on_elo_scale(k) || transform == LM_QT_LINEAR)
        return y;
    double p = fmin(fmax(y / 100.0, 0.005), 0.995);
    return log(p / (1.0 - p));
}

static double from_t(double t, int k, int transform)
{
    if (on_elo_scale(k) || transform == LM_QT_LINEAR)
        return t;
    return 100.0 / (1.0 + exp(-t));
}

/* d(points)/dt at t: maps a band in t units to points. */
static double slope_points(double t, int k, int transform)
{
    if (on_elo_scale(k) || transform == LM_QT_LINEAR)
        return 1.0;
    double p = 1.0 / (1.0 + exp(-t));
    return 100.0 * p * (1.0 - p);
}

/* ------------------------------------------------------------ groups */

/* The skill groups of the group factors: code, maths; −1 elsewhere. */
static const signed char group_of[K] = {
    [LM_Q_MMLU] = -1, [LM_Q_MMLU_PRO] = -1, [LM_Q_GPQA] = -1, [LM_Q_BBH] = -1,
    [LM_Q_IFEVAL] = -1, [LM_Q_GSM8K] = 1, [LM_Q_MATH] = 1, [LM_Q_HUMANEVAL] = 0,
    [LM_Q_MBPP] = 0, [LM_Q_MGSM] = -1, [LM_Q_MMMU] = -1, [LM_Q_BFCL] = -1,
    [LM_Q_MMLU_REDUX] = -1, [LM_Q_GPQA_DIAMOND] = -1, [LM_Q_MATH_500] = 1,
    [LM_Q_AIME24] = 1, [LM_Q_AIME25] = 1, [LM_Q_LIVECODEBENCH] = 0,
    [LM_Q_SWE_BENCH_VERIFIED] = 0, [LM_Q_AIDER_POLYGLOT] = 0, [LM_Q_ARENA_ELO] = -1,
};

/* The group of benchmark k when its group factor is on, else −1. */
static int active_group(const struct lm_quality_options *o, int k)
{
    int g = group_of[k];
    return g >= 0 && (o->groups & (1 << g)) ? g : -1;
}

/* ------------------------------------------------------------- one factor */

/* The published cells in row order (only they enter the fit; a pass over
 * them costs O(published cells), not O(models × benchmarks)). */
struct cells {
    size_t *row_start; /* n + 1 offsets into col and r */
    unsigned char *col;
    double *r; /* standardised value, then the residual */
};

/*
 * Fits r ≈ a_k + b_k·θ_m over the cells. b holds the start loadings on
 * entry. Rows without cells keep θ = 0. Returns the iterations used.
 */
static int fit_factor(const struct cells *c, size_t n, const struct lm_quality_options *o,
                      double *theta, double *scratch, double *a, double *b)
{
    for (int k = 0; k < K; k++)
        a[k] = 0;
    int it = 0;
    for (; it < o->max_iterations; it++) {
        /* (i) θ given the loadings; (ii) rescale to mean 0, variance 1. */
        double sum = 0, sum2 = 0, moved = 0;
        size_t rows = 0;
        for (size_t m = 0; m < n; m++) {
            size_t lo = c->row_start[m], hi = c->row_start[m + 1];
            if (lo == hi)
                continue;
            double num = 0, den = o->ridge;
            for (size_t i = lo; i < hi; i++) {
                int k = c->col[i];
                num += b[k] * (c->r[i] - a[k]);
                den += b[k] * b[k];
            }
            scratch[m] = num / den;
            sum += scratch[m];
            rows++;
        }
        if (rows == 0)
            break;
        double mean = sum / (double)rows;
        for (size_t m = 0; m < n; m++)
            if (c->row_start[m] != c->row_start[m + 1])
                sum2 += (scratch[m] - mean) * (scratch[m] - mean);
        double sd = sqrt(sum2 / (double)rows);
        if (!(sd > 1e-12))
            sd = 1;
        for (size_t m = 0; m < n; m++) {
            if (c->row_start[m] == c->row_start[m + 1])
                continue;
            double t = (scratch[m] - mean) / sd;
            moved = fmax(moved, fabs(t - theta[m]));
            theta[m] = t;
        }
        /* (iii) the loadings given θ: ridge least squares per benchmark,
         * from sums gathered in one pass over the cells. */
        double s1[K], st[K], stt[K], sr[K], str[K];
        for (int k = 0; k < K; k++)
            s1[k] = st[k] = stt[k] = sr[k] = str[k] = 0;
        for (size_t m = 0; m < n; m++) {
            double t = theta[m];
            for (size_t i = c->row_start[m]; i < c->row_start[m + 1]; i++) {
                int k = c->col[i];
                s1[k] += 1;
                st[k] += t;
                stt[k] += t * t;
                sr[k] += c->r[i];
                str[k] += t * c->r[i];
            }
        }
        for (int k = 0; k < K; k++) {
            if (!(s1[k] > 0))
                continue;
            double d11 = stt[k] + o->ridge_loading;
            double det = s1[k] * d11 - st[k] * st[k];
            if (!(det > 1e-12)) {
                a[k] = sr[k] / s1[k];
                b[k] = 0;
                continue;
            }
            a[k] = (d11 * sr[k] - st[k] * str[k]) / det;
            b[k] = (s1[k] * str[k] - st[k] * sr[k]) / det;
        }
        if (it > 0 && moved <= o->tolerance) {
            it++;
            break;
        }
    }
    return it;
}

/* Subtracts a_k + b_k·θ_m from every cell. */
static void deflate(struct cells *c, size_t n, const double *theta, const double *a,
                    const double *b)
{
    for (size_t m = 0; m < n; m++)
        for (size_t i = c->row_start[m]; i < c->row_start[m + 1]; i++)
            c->r[i] -= a[c->col[i]] + b[c->col[i]] * theta[m];
}

/* ------------------------------------------------------------------ fit */

int lm_quality_fit_matrix(const double *scores, size_t n,
                          const struct lm_quality_options *opt,
                          double *pred, double *band,
                          struct lm_quality_fit *fit)
{
    struct lm_quality_options def;
    if (opt == NULL) {
        lm_quality_options_default(&def);
        opt = &def;
    }
    struct lm_quality_fit local;
    if (fit == NULL)
        fit = &local;
    memset(fit, 0, sizeof(*fit));
    fit->factors = opt->factors >= 2 ? 2 : 1;
    for (size_t i = 0; i < n * K; i++) {
        if (pred)
            pred[i] = DNAN;
        if (band)
            band[i] = DNAN;
    }
    for (int k = 0; k < K; k++) {
        fit->center[k] = fit->scale[k] = DNAN;
        fit->a[k] = fit->b[k] = fit->c[k] = fit->rms_points[k] = DNAN;
    }
    if (n == 0)
        return 0;

    /* 2. Standardise each benchmark over its published scores. */
    int col_ok[K];
    size_t ncells = 0;
    for (int k = 0; k < K; k++) {
        double s = 0, s2 = 0;
        size_t cnt = 0;
        for (size_t m = 0; m < n; m++) {
            double y = scores[m * K + (size_t)k];
            if (!isnan(y)) {
                s += to_t(y, k, opt->transform);
                cnt++;
            }
        }
        double mean = cnt ? s / (double)cnt : 0;
        for (size_t m = 0; m < n; m++) {
            double y = scores[m * K + (size_t)k];
            if (!isnan(y)) {
                double d = to_t(y, k, opt->transform) - mean;
                s2 += d * d;
            }
        }
        double sd = cnt ? sqrt(s2 / (double)cnt) : 0;
        fit->published[k] = cnt;
        col_ok[k] = cnt >= opt->min_published && cnt >= 3 && sd > 1e-9;
        fit->fitted[k] = col_ok[k];
        if (col_ok[k]) {
            fit->center[k] = mean;
            fit->scale[k] = sd;
            ncells += cnt;
        }
    }

    struct cells c;
    c.row_start = malloc((n + 1) * sizeof(*c.row_start));
    c.col = malloc(ncells ? ncells : 1);
    c.r = malloc((ncells ? ncells : 1) * sizeof(*c.r));
    double *theta = calloc(n, sizeof(*theta));
    double *phi = calloc(n, sizeof(*phi));
    double *scratch = calloc(n, sizeof(*scratch));
    double *phig = calloc(LM_QUALITY_GROUPS * n, sizeof(*phig));
    int rc = -1;
    if (c.row_start == NULL || c.col == NULL || c.r == NULL || theta == NULL ||
        phi == NULL || scratch == NULL || phig == NULL)
        goto out;
    size_t at = 0;
    for (size_t m = 0; m < n; m++) {
        c.row_start[m] = at;
        for (int k = 0; k < K; k++) {
            double y = scores[m * K + (size_t)k];
            if (!col_ok[k] || isnan(y))
                continue;
            c.col[at] = (unsigned char)k;
            c.r[at++] = (to_t(y, k, opt->transform) - fit->center[k]) / fit->scale[k];
        }
        fit->nmodels += c.row_start[m] != at;
    }
    c.row_start[n] = at;

    /* 3. Factor 1, started from θ_m = the mean of m's z (a = 0, b = 1). */
    double a1[K], b1[K], a2[K], c2[K];
    for (int k = 0; k < K; k++)
        b1[k] = 1;
    fit->iterations[0] = fit_factor(&c, n, opt, theta, scratch, a1, b1);
    double bsum = 0;
    for (int k = 0; k < K; k++)
        if (col_ok[k])
            bsum += b1[k];
    if (bsum < 0) { /* θ is capability: most benchmarks rise with it */
        for (int k = 0; k < K; k++)
            b1[k] = -b1[k];
        for (size_t m = 0; m < n; m++)
            theta[m] = -theta[m];
    }
    deflate(&c, n, theta, a1, b1);

    /* 4. Factor 2 on the residuals, started from loadings +1, −1, … */
    for (int k = 0; k < K; k++) {
        a2[k] = 0;
        c2[k] = fit->factors == 2 ? (k % 2 ? -1.0 : 1.0) : 0;
    }
    if (fit->factors == 2) {
        fit->iterations[1] = fit_factor(&c, n, opt, phi, scratch, a2, c2);
        int kmax = -1;
        for (int k = 0; k < K; k++)
            if (col_ok[k] && (kmax < 0 || fabs(c2[k]) > fabs(c2[kmax])))
                kmax = k;
        if (kmax >= 0 && c2[kmax] < 0) {
            for (int k = 0; k < K; k++)
                c2[k] = -c2[k];
            for (size_t m = 0; m < n; m++)
                phi[m] = -phi[m];
        }
        deflate(&c, n, phi, a2, c2);
    }

    /* 4b. Group factors: per skill group (code, maths), one more factor
     * fitted on the residuals of the group's benchmarks only, started from
     * loadings 1 (so φ starts as the model's mean residual in the group). */
    double ag[K], cg[K];
    for (int k = 0; k < K; k++)
        ag[k] = cg[k] = 0;
    for (int g = 0; g < LM_QUALITY_GROUPS; g++) {
        if (!(opt->groups & (1 << g)))
            continue;
        struct cells sub;
        sub.row_start = malloc((n + 1) * sizeof(*sub.row_start));
        sub.col = malloc(at ? at : 1);
        sub.r = malloc((at ? at : 1) * sizeof(*sub.r));
        if (sub.row_start == NULL || sub.col == NULL || sub.r == NULL) {
            free(sub.row_start);
            free(sub.col);
            free(sub.r);
            goto out;
        }
        size_t j = 0;
        for (size_t m = 0; m < n; m++) {
            sub.row_start[m] = j;
            for (size_t i = c.row_start[m]; i < c.row_start[m + 1]; i++)
                if (active_group(opt, c.col[i]) == g) {
                    sub.col[j] = c.col[i];
                    sub.r[j++] = c.r[i];
                }
        }
        sub.row_start[n] = j;
        double a_s[K], c_s[K];
        for (int k = 0; k < K; k++)
            c_s[k] = group_of[k] == g ? 1.0 : 0.0;
        int it = fit_factor(&sub, n, opt, &phig[(size_t)g * n], scratch, a_s, c_s);
        if (it > fit->iterations[1])
            fit->iterations[1] = it;
        double csum = 0;
        for (int k = 0; k < K; k++)
            if (group_of[k] == g && col_ok[k])
                csum += c_s[k];
        for (int k = 0; k < K; k++) {
            if (group_of[k] != g || !col_ok[k])
                continue;
            ag[k] = a_s[k];
            cg[k] = csum < 0 ? -c_s[k] : c_s[k];
        }
        if (csum < 0)
            for (size_t m = 0; m < n; m++)
                phig[(size_t)g * n + m] = -phig[(size_t)g * n + m];
        free(sub.row_start);
        free(sub.col);
        free(sub.r);
    }
    for (size_t m = 0; m < n; m++)
        for (size_t i = c.row_start[m]; i < c.row_start[m + 1]; i++) {
            int k = c.col[i], g = active_group(opt, k);
            if (g >= 0)
                c.r[i] -= ag[k] + cg[k] * phig[(size_t)g * n + m];
        }

    /* 5. Residual variances (z units, degrees of freedom removed). */
    double v[K], ssr[K], ssr_all = 0, dof_all = 0;
    for (int k = 0; k < K; k++)
        ssr[k] = 0;
    for (size_t i = 0; i < at; i++)
        ssr[c.col[i]] += c.r[i] * c.r[i];
    for (int k = 0; k < K; k++) {
        v[k] = DNAN;
        if (!col_ok[k])
            continue;
        double params = 1.0 + fit->factors + (active_group(opt, k) >= 0 ? 2.0 : 0.0);
        double dof = fmax((double)fit->published[k] - params, 1.0);
        v[k] = ssr[k] / dof;
        ssr_all += ssr[k];
        dof_all += dof;
        fit->a[k] = a1[k] + a2[k];
        fit->b[k] = b1[k];
        fit->c[k] = active_group(opt, k) >= 0 ? cg[k]
                    : fit->factors == 2                ? c2[k]
                                                       : DNAN;
        fit->a[k] += ag[k];
    }
    double s2 = dof_all > 0 ? ssr_all / dof_all : 1.0;

    /* Predictions, bands and the RMS in points. */
    double sse_pts[K];
    for (int k = 0; k < K; k++)
        sse_pts[k] = 0;
    for (size_t m = 0; m < n; m++) {
        if (c.row_start[m] == c.row_start[m + 1])
            continue;
        double bb = opt->ridge, cc = opt->ridge, gg[LM_QUALITY_GROUPS];
        for (int g = 0; g < LM_QUALITY_GROUPS; g++)
            gg[g] = opt->ridge;
        for (size_t i = c.row_start[m]; i < c.row_start[m + 1]; i++) {
            int k = c.col[i];
            bb += b1[k] * b1[k];
            cc += c2[k] * c2[k];
            if (active_group(opt, k) >= 0)
                gg[group_of[k]] += cg[k] * cg[k];
        }
        double var_theta = s2 / bb, var_phi = fit->factors == 2 ? s2 / cc : 0;
        for (int k = 0; k < K; k++) {
            if (!col_ok[k])
                continue;
            double zk = a1[k] + b1[k] * theta[m] + a2[k] + c2[k] * phi[m];
            double var_z = v[k] + b1[k] * b1[k] * var_theta + c2[k] * c2[k] * var_phi;
            if (active_group(opt, k) >= 0) {
                zk += ag[k] + cg[k] * phig[(size_t)group_of[k] * n + m];
                var_z += cg[k] * cg[k] * s2 / gg[group_of[k]];
            }
            double t = fit->center[k] + fit->scale[k] * zk;
            double y = from_t(t, k, opt->transform);
            double bz = sqrt(var_z);
            if (pred)
                pred[m * K + (size_t)k] = y;
            if (band)
                band[m * K + (size_t)k] = fit->scale[k] * bz * slope_points(t, k, opt->transform);
            double pub = scores[m * K + (size_t)k];
            if (!isnan(pub))
                sse_pts[k] += (pub - y) * (pub - y);
        }
    }
    for (int k = 0; k < K; k++)
        if (col_ok[k])
            fit->rms_points[k] = sqrt(sse_pts[k] / (double)fit->published[k]);
    rc = 0;
out:
    free(c.row_start);
    free(c.col);
    free(c.r);
    free(theta);
    free(phi);
    free(scratch);
    free(phig);
    return rc;
}

static int family_order(struct lm_catalog *cat);

static const struct lm_quality_precomputed *precomputed;

void lm_quality_use_precomputed(const struct lm_quality_precomputed *p)
{
    precomputed = p;
}

/* True when y (n × K) is the precomputed fit's matrix, value for value. */
static int is_precomputed(const double *y, size_t n)
{
    if (precomputed == NULL || precomputed->n != n)
        return 0;
    for (size_t i = 0; i < n * K; i++) {
        double a = y[i], b = precomputed->scores[i];
        if (!(a == b || (isnan(a) && isnan(b))))
            return 0;
    }
    return 1;
}

int lm_quality_fit_catalog(struct lm_catalog *cat, struct lm_quality_fit *fit)
{
    size_t n = cat->nmodels;
    double *y = n ? malloc(n * K * sizeof(*y)) : NULL;
    double *pred = n ? malloc(n * K * sizeof(*pred)) : NULL;
    double *band = n ? malloc(n * K * sizeof(*band)) : NULL;
    int rc = n && (y == NULL || pred == NULL || band == NULL) ? -1 : 0;
    if (rc == 0 && n) {
        for (size_t m = 0; m < n; m++)
            memcpy(&y[m * K], cat->models[m]->quality, sizeof(cat->models[m]->quality));
        if (fit == NULL && is_precomputed(y, n)) {
            memcpy(pred, precomputed->pred, n * K * sizeof(*pred));
            memcpy(band, precomputed->band, n * K * sizeof(*band));
        } else {
            rc = lm_quality_fit_matrix(y, n, NULL, pred, band, fit);
        }
    }
    for (size_t m = 0; m < n; m++) {
        struct lm_model *md = cat->models[m];
        md->quality_fitted = rc == 0;
        md->quality_family_fit = 0;
        for (int k = 0; k < K; k++) {
            md->quality_fit[k] = rc == 0 ? pred[m * K + (size_t)k] : DNAN;
            md->quality_band[k] = rc == 0 ? band[m * K + (size_t)k] : DNAN;
        }
    }
    free(y);
    free(pred);
    free(band);
    if (rc == 0 && family_order(cat) != 0)
        rc = -1;
    return rc;
}

/* ------------------------------------------------------------ the row */

double lm_quality_value(const struct lm_model *m, int key, int *imputed,
                        double *band, double *residual)
{
    double pub = m->quality[key];
    double fitv = m->quality_fitted ? m->quality_fit[key] : DNAN;
    if (imputed)
        *imputed = isnan(pub) && !isnan(fitv);
    if (band)
        *band = isnan(pub) && m->quality_fitted ? m->quality_band[key] : DNAN;
    if (residual)
        *residual = !isnan(pub) && !isnan(fitv) ? pub - fitv : DNAN;
    return isnan(pub) ? fitv : pub;
}

/* ------------------------------------------------------- task weights */

/*
 * Task weights (DESIGN §5a, redesigned for the current benchmarks of §9.4;
 * docs/scoring.md gives the reasons). Each row sums to 1. Every cell of a
 * fitted model's row has a value, so a weight is never silently dropped;
 * arena_elo only informs θ (it is not on a 0–100 scale). To add a task
 * kind: add a row and list it in the scenario schema.
 */
struct task_weights {
    const char *kind;
    double w[K];
};

/* Columns in enum lm_quality_key order. */
#define W(mmlu, mmlu_pro, gpqa, bbh, ifeval, gsm8k, math, humaneval, mbpp, mgsm, mmmu, bfcl, \
          redux, gpqa_d, math500, aime24, aime25, lcb, swe, aider)                           \
    { mmlu, mmlu_pro, gpqa, bbh, ifeval, gsm8k, math, humaneval, mbpp, mgsm, mmmu, bfcl,   \
      redux, gpqa_d, math500, aime24, aime25, lcb, swe, aider, 0 }
static const struct task_weights task_table[] = {
    /*                    mmlu pro gpqa bbh ifev gsm8 math he mbpp mgsm mmmu bfcl redux gpqaD m500 ai24 ai25 lcb swe aider */
    { "chat",           W(.15, .25, 0,  .10, .30, 0,  0,  0,  0,  0,  0,  0,  .10, .10, 0,  0,  0,  0,  0,  0) },
    { "classification", W(.25, .20, 0,  .20, .20, 0,  0,  0,  0,  0,  0,  0,  .15, 0,  0,  0,  0,  0,  0,  0) },
    { "extraction",     W(.15, .10, 0,  .25, .50, 0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0,  0) },
    { "summarization",  W(.20, .30, 0,  0,  .40, 0,  0,  0,  0,  0,  0,  0,  .10, 0,  0,  0,  0,  0,  0,  0) },
    { "code",           W(0,  0,  0,  0,  0,  0,  0,  .10, .10, 0,  0,  0,  0,  0,  0,  0,  0,  .30, .25, .25) },
    { "reasoning",      W(0,  .15, .05, .10, 0,  .05, .10, 0,  0,  0,  0,  0,  0,  .20, .15, .10, .10, 0,  0,  0) },
    { "translation",    W(.25, .15, 0,  0,  .20, 0,  0,  0,  0,  .40, 0,  0,  0,  0,  0,  0,  0,  0,  0,  0) },
    { "rag",            W(.15, .25, 0,  .20, .30, 0,  0,  0,  0,  0,  0,  0,  .10, 0,  0,  0,  0,  0,  0,  0) },
    { "agent",          W(0,  .20, 0,  0,  .25, 0,  0,  0,  0,  0,  0,  .35, 0,  0,  0,  0,  0,  0,  .10, .10) },
};
#undef W

static const struct task_weights *weights_for(const char *task_kind)
{
    for (size_t i = 0; task_kind && i < sizeof(task_table) / sizeof(task_table[0]); i++)
        if (strcmp(task_table[i].kind, task_kind) == 0)
            return &task_table[i];
    return NULL;
}

static double weight_of(const struct task_weights *tw, int task_has_image, int k)
{
    if (tw == NULL)
        return 0;
    double w = tw->w[k];
    if (task_has_image)
        w = k == LM_Q_MMMU ? 0.30 : w * 0.70;
    return w;
}

double lm_quality_weight(const char *task_kind, int task_has_image, int key)
{
    if (key < 0 || key >= K)
        return 0;
    return weight_of(weights_for(task_kind), task_has_image, key);
}

/* Whether the model's composite for task row tw comes from its fitted row
 * (family order, at the end of this file). */
static int family_fit_row(const struct lm_model *m, const struct task_weights *tw, int image)
{
    if (tw == NULL || !m->quality_fitted || m->quality_family_fit == 0)
        return 0;
    unsigned bit = (unsigned)(tw - task_table) * 2 + (image != 0);
    return (m->quality_family_fit >> bit) & 1;
}

static int published_any(const struct lm_model *m)
{
    for (int k = 0; k < K; k++)
        if (!isnan(m->quality[k]))
            return 1;
    return 0;
}

/*
 * The composite over the completed row: Σ w_k v_k / Σ w_k over the cells
 * with a value (published, else imputed). With an unknown task kind, or no
 * weighted cell with a value, the mean of mmlu and mmlu_pro (those with a
 * value). NAN when the model published nothing.
 * Worked example (hand-built, unfitted: published only), mmlu 70, mmlu_pro
 * 50, ifeval 80, chat: (.15 × 70 + .25 × 50 + .30 × 80) / .70 = 67.142…;
 * with an image task and mmmu 50: (.70 × 47 + .30 × 50) / (.70 × .70 +
 * .30) = 60.632….
 */
double lm_quality_composite(const struct lm_model *m, const char *task_kind,
                            int task_has_image)
{
    if (m == NULL || !published_any(m))
        return DNAN;
    const struct task_weights *tw = weights_for(task_kind);
    int from_fit = family_fit_row(m, tw, task_has_image);
    double num = 0, den = 0;
    for (int k = 0; k < K; k++) {
        double w = weight_of(tw, task_has_image, k);
        if (!(w > 0))
            continue;
        double v = from_fit ? m->quality_fit[k] : lm_quality_value(m, k, NULL, NULL, NULL);
        if (isnan(v))
            continue;
        num += w * v;
        den += w;
    }
    if (den > 0)
        return num / den;
    double a = lm_quality_value(m, LM_Q_MMLU, NULL, NULL, NULL);
    double b = lm_quality_value(m, LM_Q_MMLU_PRO, NULL, NULL, NULL);
    if (!isnan(a) && !isnan(b))
        return (a + b) / 2.0;
    if (!isnan(a))
        return a;
    if (!isnan(b))
        return b;
    return DNAN;
}

double lm_quality_composite_band(const struct lm_model *m, const char *task_kind,
                                 int task_has_image)
{
    if (m == NULL || !published_any(m))
        return DNAN;
    const struct task_weights *tw = weights_for(task_kind);
    int from_fit = family_fit_row(m, tw, task_has_image);
    double num = 0, den = 0;
    for (int k = 0; k < K; k++) {
        double w = weight_of(tw, task_has_image, k);
        if (!(w > 0))
            continue;
        /* From the fitted row every cell counts as imputed, with its band. */
        int imputed = from_fit;
        double bnd = from_fit ? m->quality_band[k] : DNAN;
        double v = from_fit ? m->quality_fit[k] : lm_quality_value(m, k, &imputed, &bnd, NULL);
        if (isnan(v))
            continue;
        /* The bands of one model's cells share its θ error: adding them
         * linearly (not in quadrature) does not understate the total. */
        num += w * (imputed && !isnan(bnd) ? bnd : 0);
        den += w;
    }
    return den > 0 ? num / den : 0;
}

/* ------------------------------------------------------- family order */

/*
 * DESIGN §9.4: "within a family and generation the bigger model is better at
 * every task". Vendors' own tables do not always say so: Qwen's thinking-mode
 * tables give Qwen3-30B-A3B the higher IFEval than Qwen3-235B-A22B (86.5
 * against 83.4), and extraction weighs IFEval 0.50, so the smaller model came
 * out ahead at extraction; the same tables in non-thinking mode reverse
 * other pairs (14B above 32B). One benchmark's difference of a few points
 * between siblings is within what a vendor's harness moves, while the fit
 * pools every score each model publishes. So where a model's composite at a
 * task is not above that of a smaller sibling, both take that composite from
 * their fitted rows (every benchmark from the fit, with its band), and the
 * check repeats until the family is in order or nothing changes.
 *
 * Siblings: the same `family` (which names the generation: qwen3, llama-3.1),
 * both with a known parameter count, both dense or both MoE; "bigger" is more
 * parameters and, between MoE models, more active ones too. APIs have no
 * published size and are never compared. docs/scoring.md, "Family order".
 */
static int moe(const struct lm_model *m)
{
    return m->arch.experts > 0;
}

static int sized(const struct lm_model *m)
{
    return m->family != NULL && m->params_b > 0 && m->quality_fitted;
}

static int bigger(const struct lm_model *lo, const struct lm_model *hi)
{
    if (!(hi->params_b > lo->params_b))
        return 0;
    if (moe(lo) && !(hi->active_params_b > lo->active_params_b))
        return 0;
    return 1;
}

static const struct lm_catalog *order_cat;
static int by_family_size(const void *pa, const void *pb)
{
    const struct lm_model *a = order_cat->models[*(const size_t *)pa];
    const struct lm_model *b = order_cat->models[*(const size_t *)pb];
    int c = strcmp(a->family, b->family);
    if (c == 0)
        c = moe(a) - moe(b);
    if (c == 0)
        c = a->params_b < b->params_b ? -1 : a->params_b > b->params_b;
    if (c == 0)
        c = strcmp(a->id, b->id);
    return c;
}

int lm_quality_family_fit(const struct lm_model *m, const char *task_kind, int task_has_image)
{
    return m != NULL && family_fit_row(m, weights_for(task_kind), task_has_image);
}

/* One task row (and image flag) over one family group [lo, hi) of idx,
 * sorted by size: marks every out-of-order pair; returns how many bits it
 * set. A model is compared with the SIBLING_WINDOW siblings below it in size
 * order (a real family has a handful of sizes; the window keeps a catalog
 * that puts thousands of models in one family linear). */
#define SIBLING_WINDOW 32
#define ORDER_PASSES 8
static size_t order_group(struct lm_catalog *cat, const size_t *idx, size_t lo, size_t hi,
                          size_t row, int image)
{
    const char *kind = task_table[row].kind;
    uint32_t bit = UINT32_C(1) << (row * 2 + (size_t)image);
    size_t marked = 0;
    for (size_t j = lo + 1; j < hi; j++) {
        struct lm_model *big = cat->models[idx[j]];
        double qb = lm_quality_composite(big, kind, image);
        for (size_t i = j - lo > SIBLING_WINDOW ? j - SIBLING_WINDOW : lo; i < j; i++) {
            struct lm_model *small = cat->models[idx[i]];
            if (!bigger(small, big))
                continue;
            double qs = lm_quality_composite(small, kind, image);
            if (isnan(qs) || isnan(qb) || qs < qb)
                continue;
            if (!(small->quality_family_fit & bit) || !(big->quality_family_fit & bit)) {
                marked += !(small->quality_family_fit & bit) + !(big->quality_family_fit & bit);
                small->quality_family_fit |= bit;
                big->quality_family_fit |= bit;
                qb = lm_quality_composite(big, kind, image);
            }
        }
    }
    return marked;
}

static int family_order(struct lm_catalog *cat)
{
    size_t n = 0;
    for (size_t m = 0; m < cat->nmodels; m++)
        n += sized(cat->models[m]);
    if (n < 2)
        return 0;
    size_t *idx = malloc(n * sizeof(*idx));
    if (idx == NULL)
        return -1;
    n = 0;
    for (size_t m = 0; m < cat->nmodels; m++)
        if (sized(cat->models[m]))
            idx[n++] = m;
    order_cat = cat;
    qsort(idx, n, sizeof(*idx), by_family_size);
    size_t rows = sizeof(task_table) / sizeof(task_table[0]);
    for (size_t lo = 0, hi; lo < n; lo = hi) {
        const struct lm_model *first = cat->models[idx[lo]];
        for (hi = lo + 1; hi < n; hi++) {
            const struct lm_model *m = cat->models[idx[hi]];
            if (strcmp(m->family, first->family) != 0 || moe(m) != moe(first))
                break;
        }
        for (size_t row = 0; row < rows; row++)
            for (int image = 0; image < 2; image++)
                /* Marking one pair can put its fitted composite out of
                 * order with a third sibling: repeat while a pass marks. */
                for (size_t pass = 0; pass < ORDER_PASSES; pass++)
                    if (order_group(cat, idx, lo, hi, row, image) == 0)
                        break;
    }
    free(idx);
    return 0;
}
