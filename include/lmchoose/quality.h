/*
 * Quality on one scale (DESIGN §9.4): a factor model fitted over every
 * model of a catalog, which imputes the benchmarks a model did not publish,
 * and the task composite of §5a applied to the completed row.
 *
 * Each benchmark k is transformed (logit of the score for 0–100 scores; the
 * Elo scale as it is for arena_elo), standardised over the models that
 * publish it, and modelled as a_k + b_k·θ_m (+ c_k·φ_m with two factors).
 * docs/scoring.md gives the method, the fitted loadings for the shipped
 * catalog and the leave-one-out error.
 *
 * Ownership: lm_quality_fit_catalog writes into the models of the catalog
 * it is given (their quality_fit / quality_band arrays); a fit result holds
 * no pointers. Everything here is deterministic bit for bit: fixed start,
 * fixed order, no randomness.
 */
#ifndef LMCHOOSE_QUALITY_H
#define LMCHOOSE_QUALITY_H

#include <stddef.h>

#include "lmchoose/catalog.h"

/* The transform applied to a benchmark before standardising it. */
enum lm_quality_transform { LM_QT_LINEAR, LM_QT_LOGIT };

struct lm_quality_options {
    int factors;        /* 1 (θ) or 2 (θ and φ) */
    int transform;      /* enum lm_quality_transform for 0–100 scores */
    double ridge;       /* penalty on θ, φ (prior variance 1 in z units) */
    double ridge_loading; /* penalty on b_k, c_k */
    int max_iterations; /* per factor */
    double tolerance;   /* stop when no θ moves by more than this */
    size_t min_published; /* a benchmark needs this many scores to be fitted */
    unsigned groups;    /* group factors: 1 code, 2 maths (bits) */
};

/* Skill groups with their own factor when options.groups is set. */
#define LM_QUALITY_GROUPS 2

/* The defaults of docs/scoring.md. */
void lm_quality_options_default(struct lm_quality_options *o);

/* What a fit found, per benchmark, in standardised transformed units
 * (z = (t − center) / scale) unless said otherwise. */
struct lm_quality_fit {
    int factors;
    int iterations[2];          /* ALS iterations used per factor */
    size_t nmodels;             /* models with at least one published score */
    size_t published[LM_Q_COUNT];
    int fitted[LM_Q_COUNT];     /* enough scores to fit a, b (and c) */
    double center[LM_Q_COUNT], scale[LM_Q_COUNT];
    double a[LM_Q_COUNT], b[LM_Q_COUNT], c[LM_Q_COUNT];
    double rms_points[LM_Q_COUNT]; /* residual RMS over published scores, in
                                      the benchmark's own points */
};

/*
 * Fits the factor model to an n × LM_Q_COUNT matrix of published scores
 * (row-major; NAN where a model did not publish). Writes into pred (n ×
 * LM_Q_COUNT, may be NULL) the fit's value of every benchmark for every
 * model with at least one score (NAN otherwise, and NAN for benchmarks too
 * rare to fit), into band (may be NULL) the error band of each value as an
 * imputation (half-width, points), and into fit (may be NULL) the loadings.
 * Returns 0, or -1 when memory runs out (outputs then NAN).
 * Cost: O(n × LM_Q_COUNT × iterations).
 */
int lm_quality_fit_matrix(const double *scores, size_t n,
                          const struct lm_quality_options *opt,
                          double *pred, double *band,
                          struct lm_quality_fit *fit);

/* Fits over every model of cat with the default options and stores each
 * model's row (quality_fit, quality_band, quality_fitted). Called by the
 * catalog loader once the catalog is complete. Returns 0 or -1 (no memory:
 * the models stay unfitted and keep the published-only composite). */
int lm_quality_fit_catalog(struct lm_catalog *cat, struct lm_quality_fit *fit);

/*
 * A fit made ahead of time: the n × LM_Q_COUNT published-score matrix
 * (row-major, NAN where absent) and what lm_quality_fit_matrix made of it
 * with the default options (pred and band, the same shape). The build
 * makes one for the embedded catalog (src/cmake/fit_builtin.c), so that a
 * run on it does not fit again (issue 13: the fit was 8 % of a small run).
 */
struct lm_quality_precomputed {
    size_t n;
    const double *scores, *pred, *band;
};

/* Makes lm_quality_fit_catalog take pred and band from p when the
 * catalog's published-score matrix is p's, value for value (a NAN matches
 * a NAN); any other catalog is fitted. NULL forgets it. Call before
 * loading; not thread-safe. */
void lm_quality_use_precomputed(const struct lm_quality_precomputed *p);

/* The embedded catalog's fit, in the builtin_quality.c that the build
 * generates and links into the lmchoose program only (a library user
 * registers it, or fits). */
extern const struct lm_quality_precomputed lm_builtin_quality_fit;

/* One cell of a model's completed row: the published score when there is
 * one (*imputed = 0, *band NAN, *residual = published − fit), else the
 * fit's value (*imputed = 1, *band its half-width, *residual NAN). NAN when
 * neither exists. Any out-pointer may be NULL. */
double lm_quality_value(const struct lm_model *m, int key, int *imputed,
                        double *band, double *residual);

/* The weight of benchmark key in a task kind's composite (with the image
 * re-weighting of §5a); 0 when it is not weighted or the kind is unknown. */
double lm_quality_weight(const char *task_kind, int task_has_image, int key);

/* Composite of §5a/§9.4 for a task kind over the completed row: the
 * weighted mean, renormalised over the cells that have a value. NAN when
 * the model published no benchmark. A model that is not in a fitted
 * catalog (built by hand) uses its published scores only. */
double lm_quality_composite(const struct lm_model *m, const char *task_kind,
                            int task_has_image);

/* The error band (half-width, points) of that composite: the weighted mean
 * of the imputed cells' bands (0 when every weighted cell is published). */
/* 1 when the model's composite for the task comes from its fitted row
 * because its published scores put it out of its family's size order
 * (DESIGN §9.4; docs/scoring.md, "Family order"); 0 otherwise. */
int lm_quality_family_fit(const struct lm_model *m, const char *task_kind, int task_has_image);

double lm_quality_composite_band(const struct lm_model *m, const char *task_kind,
                                 int task_has_image);

#endif
