/*
 * The recommendation engine of DESIGN §5: generate every candidate the
 * scenario allows, judge each as it comes (judge.c), rank, and the verdict;
 * the flip search is in flip.c.
 *
 * A run may hold a million candidates, and on the machines we measure
 * touching fresh memory costs about 3 ns a byte (docs/performance.md), so a
 * candidate is estimated, scored and judged on the stack the moment it is
 * generated and only a compact record (struct lm_ranked) and its fired-rule
 * bits are kept; lm_recommendation_candidate() rebuilds the full candidate
 * for what is printed.
 *
 * Generation emits candidates in the order of their ids (model id, then the
 * rest of the candidate id, compared as strcmp compares the whole id), so a
 * candidate's index is the tie-break of the total order of §5 step 5 and
 * ranking is a stable counting sort on the rounded total.
 *
 * Generation runs on as many threads as the process may use (each over a
 * contiguous range of models, into the records reserved for it); the
 * records are the same for any number of them.
 */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* sched_getaffinity: the CPUs this process may run on */
#endif
#include "engine/recommend_int.h"

#include <math.h>
#include <pthread.h>
#if defined(__linux__)
#include <sched.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules/expr.h"
#include "lmchoose/quality.h"
#include "lmchoose/status.h"
#include "util/numfmt.h"

/* ------------------------------------------------------------ id order */

/* strcmp of a + "/" against b + "/": how two components of a candidate id
 * compare inside the whole id (ids cannot contain '/'). */
static int cmp_slash(const char *a, const char *b)
{
    while (*a != '\0' && *a == *b) {
        a++;
        b++;
    }
    unsigned char x = *a ? (unsigned char)*a : '/', y = *b ? (unsigned char)*b : '/';
    return (x > y) - (x < y);
}

/* The run's id order of quantizations and hardware (by cmp_slash), and
 * where "api" falls among the quantization ids. (A quantization named
 * "api" would make its candidates' ids and the API offers' share a prefix;
 * its candidates then come first, whatever the ids after it: the only case
 * where ties are not broken exactly as strcmp on ids would.) */
struct id_order {
    size_t *quant;  /* cat->quants indices in id order */
    size_t api_pos; /* API offers come before quant[api_pos] */
    size_t *hw;     /* r->hws indices in id order */
    long *runtime;  /* [q * nhws + h]: cat->runtimes index, -1 none */
};

static const struct lm_catalog *sort_cat;
static const struct lm_hardware *const *sort_hws;

static int quant_id_cmp(const void *pa, const void *pb)
{
    return cmp_slash(sort_cat->quants[*(const size_t *)pa]->id,
                     sort_cat->quants[*(const size_t *)pb]->id);
}

static int hw_id_cmp(const void *pa, const void *pb)
{
    return cmp_slash(sort_hws[*(const size_t *)pa]->id, sort_hws[*(const size_t *)pb]->id);
}

static long runtime_index(const struct lm_catalog *cat, const struct lm_runtime *rt)
{
    for (size_t i = 0; rt != NULL && i < cat->nruntimes; i++)
        if (cat->runtimes[i] == rt)
            return (long)i;
    return -1;
}

static int id_order_init(struct id_order *o, const struct lm_recommendation *r,
                         const struct lm_rec_options *opt)
{
    const struct lm_catalog *cat = r->cat;
    size_t nq = cat->nquants, nh = r->nhardware;
    o->quant = malloc((nq ? nq : 1) * sizeof(*o->quant));
    o->hw = malloc((nh ? nh : 1) * sizeof(*o->hw));
    o->runtime = malloc((nq * nh != 0 ? nq * nh : 1) * sizeof(*o->runtime));
    if (o->quant == NULL || o->hw == NULL || o->runtime == NULL)
        return LM_ENOMEM;
    for (size_t i = 0; i < nq; i++)
        o->quant[i] = i;
    for (size_t i = 0; i < nh; i++)
        o->hw[i] = i;
    sort_cat = cat;
    sort_hws = r->hws;
    qsort(o->quant, nq, sizeof(*o->quant), quant_id_cmp);
    qsort(o->hw, nh, sizeof(*o->hw), hw_id_cmp);
    sort_cat = NULL;
    sort_hws = NULL;
    o->api_pos = 0;
    while (o->api_pos < nq && cmp_slash(cat->quants[o->quant[o->api_pos]]->id, "api") <= 0)
        o->api_pos++;
    for (size_t q = 0; q < nq; q++)
        for (size_t h = 0; h < nh; h++) {
            const struct lm_quant *qq = cat->quants[q];
            const struct lm_runtime *rt;
            if (opt->runtime != NULL)
                rt = lm__runtime_allows(qq, opt->runtime->id) ? opt->runtime : NULL;
            else
                rt = lm_runtime_for(cat, qq, r->hws[h]);
            o->runtime[q * nh + h] = runtime_index(cat, rt);
        }
    return LM_OK;
}

static void id_order_release(struct id_order *o)
{
    free(o->quant);
    free(o->hw);
    free(o->runtime);
}

/* The decimal digits of v (0-255) into buf, NUL-terminated. */
static void decimal(unsigned v, char buf[4])
{
    char t[4];
    size_t n = 0, k = 0;
    do {
        t[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0 && n < 3);
    while (n > 0)
        buf[k++] = t[--n];
    buf[k] = '\0';
}

/* The order of two candidates of one model and one quantization and
 * hardware: by the devices field, then the placement, as in their ids. */
static int placement_rank[4];

static void placement_rank_init(void)
{
    for (int x = 0; x < 4; x++)
        for (int y = 0; y < 4; y++)
            placement_rank[x] += strcmp(lm_placement_names[y], lm_placement_names[x]) < 0;
}

static int placement_cmp(int a, int b)
{
    /* strcmp of the names, which are fixed: worked out once, by whichever
     * generator thread comes first. */
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, placement_rank_init);
    if (a < 0 || a > 3 || b < 0 || b > 3)
        return strcmp(lm_placement_names[a], lm_placement_names[b]);
    return (placement_rank[a] > placement_rank[b]) - (placement_rank[a] < placement_rank[b]);
}

static int devices_placement_cmp(const struct lm_candidate *a, const struct lm_candidate *b)
{
    if (a->devices == b->devices) /* equal ids: the placement decides */
        return placement_cmp(a->placement, b->placement);
    char da[4], db[4];
    decimal(a->devices, da);
    decimal(b->devices, db);
    int c = cmp_slash(da, db);
    return c ? c : placement_cmp(a->placement, b->placement);
}

/* ------------------------------------------------------------- generation */

struct pending {
    struct lm_candidate c;
    size_t h, q;               /* hws and cat->quants indices */
};

struct gen {
    /* Each generator on cache lines of its own (gens[] below): they write
     * their own counters for every candidate. */
    _Alignas(64) struct lm_recommendation *r;
    const struct lm_rec_options *opt;
    struct id_order ord;
    struct lm_est_input base;  /* the scenario's estimate input */
    struct lm__judge_cache jc;
    struct lm__columns *cols;  /* what the flip search reads back */
    /* A self-hosted candidate's privacy by placement (lm_candidate_privacy
     * reads only the placement and the scenario for those), once known. */
    struct lm_candidate priv[3];
    unsigned char priv_known[3];
    /* --quant auto: the model's chosen candidates, before id ordering. */
    struct pending *pending;
    size_t npending, cap_pending;
    size_t *qrank;             /* cat->quants index -> position in id order */
    size_t *hrank;             /* hws index -> position in id order */
    /* The current model's weights per format (cat->quants index), filled
     * once per model: lm_estimate_weights_prepare. */
    double *wbytes, *wfile;
    /* The models this generator takes, [mlo, mhi), and where its records
     * go: next, up to end (threads write disjoint ranges of the arrays
     * reserved for them; one generator alone may grow them). */
    size_t mlo, mhi;
    size_t next, end;
    /* What it found, merged into r once every generator is done. */
    size_t nmodels;
    double max_decode, max_batch_cap;
    int exact; /* every privacy sub-score was a whole number (lm__columns) */
    int rc;
};

/* Judges c and appends its compact record. */
static int emit(struct gen *g, struct lm_candidate *c, size_t mi, size_t where, size_t qi,
                long rti)
{
    struct lm_recommendation *r = g->r;
    /* hw_owned[where] is lm__owned_count of that hardware (allowed_hardware). */
    if (c->offer == NULL && c->placement < 3) {
        struct lm_candidate *p = &g->priv[c->placement];
        if (!g->priv_known[c->placement]) {
            lm_candidate_privacy(c, r->sc);
            p->privacy_level = c->privacy_level;
            p->meets_privacy = c->meets_privacy;
            p->in_region = c->in_region;
            g->priv_known[c->placement] = 1;
        }
        c->privacy_level = p->privacy_level;
        c->meets_privacy = p->meets_privacy;
        c->in_region = p->in_region;
        lm__finish_privacy_known(r, r->sc, c, r->hw_owned[where]);
    } else {
        lm__finish_owned(r, r->sc, c, c->offer == NULL ? r->hw_owned[where] : 0);
    }
    if (c->offer == NULL)
        lm__judge_setting(&g->jc, qi, where, c->placement, c->devices);
    lm__judge(r, r->sc, c, &g->jc);
    size_t n = g->next;
    if (n == UINT32_MAX)
        return LM_ELIMIT; /* indices are 32-bit */
    if (n == g->end)
        return LM_EINTERNAL; /* more candidates than candidate_count found */
    if (n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 1024;
        struct lm_ranked *nc = realloc(r->cands, cap * sizeof(*nc));
        if (nc == NULL)
            return LM_ENOMEM;
        r->cands = nc;
        uint64_t *nf = realloc(r->fired, cap * r->nwords * sizeof(*nf));
        if (nf == NULL)
            return LM_ENOMEM;
        r->fired = nf;
        r->cap = cap;
    }
    struct lm__columns *col = g->cols;
    if (col != NULL && col->cap < r->cap) {
        double *nu = realloc(col->usd, r->cap * sizeof(*nu));
        if (nu == NULL)
            return LM_ENOMEM;
        col->usd = nu;
        uint8_t *np = realloc(col->privacy, r->cap);
        if (np == NULL)
            return LM_ENOMEM;
        col->privacy = np;
        uint8_t *nn = realloc(col->nulls, r->cap);
        if (nn == NULL)
            return LM_ENOMEM;
        col->nulls = nn;
        if (col->want_scores) {
            float *ns = realloc(col->scores, r->cap * LM_S_COUNT * sizeof(*ns));
            if (ns == NULL)
                return LM_ENOMEM;
            col->scores = ns;
        }
        col->cap = r->cap;
    }
    if (col != NULL) {
        col->usd[n] = c->est.usd_per_month;
        double pv = c->scores[LM_S_PRIVACY];
        uint8_t pb = pv >= 0 && pv <= 100 ? (uint8_t)pv : 0;
        g->exact &= (double)pb == pv;
        col->privacy[n] = pb;
        uint8_t nulls = 0;
        for (int s = 0; s < LM_S_COUNT; s++)
            if (isnan(c->scores[s]))
                nulls |= (uint8_t)(1u << s);
        col->nulls[n] = nulls;
        for (int s = 0; col->scores != NULL && s < LM_S_COUNT; s++) {
            double v = c->scores[s];
            float x = (float)v;
            if ((double)x < v)
                x = nextafterf(x, (float)INFINITY); /* a bound: never below */
            col->scores[n * LM_S_COUNT + (size_t)s] = x;
        }
    }
    if (isfinite(c->est.decode_tokens_per_s) && c->est.decode_tokens_per_s > g->max_decode)
        g->max_decode = c->est.decode_tokens_per_s;
    if (c->est.batch_cap > g->max_batch_cap)
        g->max_batch_cap = c->est.batch_cap;
    struct lm_ranked *k = &r->cands[n];
    k->total = c->total;
    k->base = lm__weighted_mean(c, r->sc);
    k->model = (uint32_t)mi;
    k->where = (uint32_t)where;
    k->quant = (uint16_t)qi;
    k->runtime = (uint16_t)(rti < 0 ? 0 : rti);
    k->placement = c->placement;
    k->devices = c->devices;
    k->rejected = c->rejected;
    memcpy(&r->fired[n * r->nwords], c->fired, r->nwords * sizeof(uint64_t));
    g->next = n + 1;
    return LM_OK;
}

/* Estimates the self-hosted candidate (model, hws[h], quant q, placement p)
 * with the device count of §5 step 1. */
static void estimate_self_hosted(const struct gen *g, const struct lm_model *m, size_t h,
                                 size_t q, int p, struct lm_candidate *c)
{
    const struct lm_recommendation *r = g->r;
    struct lm_est_input in = g->base;
    in.model = m;
    in.hw = r->hws[h];
    in.quant = r->cat->quants[q];
    in.runtime = r->cat->runtimes[g->ord.runtime[q * r->nhardware + h]];
    in.placement = p;
    in.weights_model = m;
    in.weights_quant = in.quant;
    in.weights_bytes = g->wbytes[q];
    in.weights_file_bytes = g->wfile[q];
    in.extra_flags = r->hw_built[h] ? LM_EST_LOCAL_BUILT : 0;
    in.owned_count = r->hw_owned[h];
    lm__cand_clear_but_est(c);
    lm_estimate_devices(&in, &c->est);
    c->model = m;
    c->hw = in.hw;
    c->quant = in.quant;
    c->runtime = in.runtime;
    c->placement = (uint8_t)p;
    c->devices = (uint8_t)in.devices;
}

static int emit_api(struct gen *g, size_t mi)
{
    const struct lm_model *m = g->r->cat->models[mi];
    /* Offers by provider id: their ids differ only there. */
    size_t n = m->napi;
    size_t *order = malloc((n ? n : 1) * sizeof(*order));
    if (order == NULL)
        return LM_ENOMEM;
    for (size_t k = 0; k < n; k++) {
        size_t j = k;
        while (j > 0 && strcmp(m->api[order[j - 1]].provider, m->api[k].provider) > 0) {
            order[j] = order[j - 1];
            j--;
        }
        order[j] = k;
    }
    for (size_t k = 0; k < n; k++) {
        struct lm_candidate c;
        lm__cand_clear(&c);
        struct lm_est_input in = g->base;
        in.model = m;
        in.offer = &m->api[order[k]];
        in.placement = LM_PLACE_API;
        in.devices = DNAN;
        lm_estimate_compute(&in, &c.est, NULL);
        c.model = m;
        c.offer = in.offer;
        c.placement = LM_PLACE_API;
        int rc = emit(g, &c, mi, order[k], 0, -1);
        if (rc != LM_OK) {
            free(order);
            return rc;
        }
    }
    free(order);
    return LM_OK;
}

/* Every format (or only --quant's), in id order: quantization, hardware,
 * then devices and placement. */
static int gen_model(struct gen *g, size_t mi)
{
    struct lm_recommendation *r = g->r;
    const struct lm_catalog *cat = r->cat;
    const struct lm_model *m = cat->models[mi];
    for (size_t qpos = 0; qpos <= cat->nquants; qpos++) {
        int rc;
        if (qpos == g->ord.api_pos && (rc = emit_api(g, mi)) != LM_OK)
            return rc;
        if (qpos == cat->nquants || m->open_weights != 1)
            continue;
        size_t q = g->ord.quant[qpos];
        if (g->opt->quant != NULL && cat->quants[q] != g->opt->quant)
            continue;
        for (size_t hpos = 0; hpos < r->nhardware; hpos++) {
            size_t h = g->ord.hw[hpos];
            long rti = g->ord.runtime[q * r->nhardware + h];
            if (rti < 0)
                continue;
            struct lm_candidate c[3];
            size_t order[3], n = 0;
            for (int p = 0; p < 3; p++) {
                if (!(r->hws[h]->placements & (1u << p)))
                    continue;
                estimate_self_hosted(g, m, h, q, p, &c[n]);
                /* Insertion into devices-then-placement order. */
                size_t j = n++;
                while (j > 0 && devices_placement_cmp(&c[order[j - 1]], &c[n - 1]) > 0) {
                    order[j] = order[j - 1];
                    j--;
                }
                order[j] = n - 1;
            }
            for (size_t k = 0; k < n; k++)
                if ((rc = emit(g, &c[order[k]], mi, h, q, rti)) != LM_OK)
                    return rc;
        }
    }
    return LM_OK;
}

static const struct gen *pending_gen;

/* Id order of two chosen --quant auto candidates of one model. */
static int pending_cmp(const void *pa, const void *pb)
{
    const struct pending *a = pa, *b = pb;
    const struct gen *g = pending_gen;
    if (g->qrank[a->q] != g->qrank[b->q])
        return g->qrank[a->q] < g->qrank[b->q] ? -1 : 1;
    if (g->hrank[a->h] != g->hrank[b->h])
        return g->hrank[a->h] < g->hrank[b->h] ? -1 : 1;
    return devices_placement_cmp(&a->c, &b->c);
}

/* --quant auto (§6.4): per hardware and placement, the best-quality format
 * that fits, else the best tight one, else the smallest; then in id order. */
static int gen_model_auto(struct gen *g, size_t mi)
{
    struct lm_recommendation *r = g->r;
    const struct lm_catalog *cat = r->cat;
    const struct lm_model *m = cat->models[mi];
    g->npending = 0;
    for (size_t h = 0; h < r->nhardware && m->open_weights == 1; h++) {
        for (int p = 0; p < 3; p++) {
            if (!(r->hws[h]->placements & (1u << p)))
                continue;
            struct lm_candidate best, c;
            size_t best_q = 0;
            int have = 0, slot_best = 3;
            for (size_t q = 0; q < cat->nquants; q++) {
                if (g->ord.runtime[q * r->nhardware + h] < 0)
                    continue;
                estimate_self_hosted(g, m, h, q, p, &c);
                int slot = c.est.fit == LM_FIT_FITS ? 0 : c.est.fit == LM_FIT_TIGHT ? 1 : 2;
                int take = !have || slot < slot_best ||
                           (slot == slot_best && slot < 2 && lm__quant_better(c.quant, best.quant)) ||
                           (slot == slot_best && slot == 2 && c.est.memory_gib < best.est.memory_gib);
                if (take) {
                    best = c;
                    best_q = q;
                    have = 1;
                    slot_best = slot;
                }
            }
            if (!have)
                continue;
            if (g->npending == g->cap_pending) {
                size_t cap = g->cap_pending ? g->cap_pending * 2 : 64;
                struct pending *np = realloc(g->pending, cap * sizeof(*np));
                if (np == NULL)
                    return LM_ENOMEM;
                g->pending = np;
                g->cap_pending = cap;
            }
            g->pending[g->npending].c = best;
            g->pending[g->npending].h = h;
            g->pending[g->npending++].q = best_q;
        }
    }
    pending_gen = g;
    if (g->npending > 1)
        qsort(g->pending, g->npending, sizeof(*g->pending), pending_cmp);
    pending_gen = NULL;
    size_t k = 0;
    for (size_t qpos = 0; qpos <= cat->nquants; qpos++) {
        int rc;
        if (qpos == g->ord.api_pos && (rc = emit_api(g, mi)) != LM_OK)
            return rc;
        if (qpos == cat->nquants)
            break;
        size_t q = g->ord.quant[qpos];
        for (; k < g->npending && g->pending[k].q == q; k++) {
            struct pending *p = &g->pending[k];
            if ((rc = emit(g, &p->c, mi, p->h, q, g->ord.runtime[q * r->nhardware + p->h])) !=
                LM_OK)
                return rc;
        }
    }
    return LM_OK;
}

/* The hardware the scenario allows: its list (local = this machine), or
 * every profile. */
static int allowed_hardware(struct lm_recommendation *r, const struct lm_rec_options *opt)
{
    const struct lm_catalog *cat = r->cat;
    const struct lm_scenario *sc = r->sc;
    size_t room = cat->nhardware + 1 + sc->constraints.nowned;
    r->hws = malloc(room * sizeof(*r->hws));
    r->hw_built = calloc(room, 1);
    r->hw_owned = calloc(room, sizeof(*r->hw_owned));
    if (r->hws == NULL || r->hw_built == NULL || r->hw_owned == NULL)
        return LM_ENOMEM;
    size_t nhw = 0;
    if (sc->constraints.self_hosted == 0) {
        r->nhardware = 0; /* §9.2: API candidates only */
        return LM_OK;
    }
    if (sc->constraints.hardware_set) {
        /* The listed hardware, then what the team owns (§9.2: owning a
         * machine allows running on it). */
        size_t n = sc->constraints.hardware.n + sc->constraints.nowned;
        for (size_t i = 0; i < n; i++) {
            const char *id = i < sc->constraints.hardware.n
                                 ? sc->constraints.hardware.items[i]
                                 : sc->constraints.owned[i - sc->constraints.hardware.n].hardware;
            if (id == NULL)
                continue;
            const struct lm_hardware *h = strcmp(id, "local") == 0 ? opt->local
                                                                    : lm_catalog_hardware(cat, id);
            int dup = 0;
            for (size_t k = 0; k < nhw; k++)
                dup |= r->hws[k] == h;
            if (h != NULL && !dup && nhw < room) {
                r->hw_built[nhw] = strcmp(id, "local") == 0 && opt->local_built;
                r->hws[nhw++] = h;
            }
        }
    } else {
        for (size_t i = 0; i < cat->nhardware; i++)
            r->hws[nhw++] = cat->hardware[i];
        /* An owned `local` that is the built profile is not in the catalog. */
        for (size_t i = 0; i < sc->constraints.nowned; i++)
            if (sc->constraints.owned[i].hardware != NULL &&
                strcmp(sc->constraints.owned[i].hardware, "local") == 0 && opt->local != NULL &&
                opt->local_built && nhw < room) {
                r->hw_built[nhw] = 1;
                r->hws[nhw++] = opt->local;
            }
    }
    r->nhardware = nhw;
    for (size_t h = 0; h < nhw; h++)
        r->hw_owned[h] = lm__owned_count(r, sc, r->hws[h]);
    return LM_OK;
}

/* Sizes the record, rule-bit and column arrays for n candidates at once
 * (doubling them as they fill copied each array about once more). */
static int reserve(struct lm_recommendation *r, struct lm__columns *col, size_t n)
{
    if (n == 0 || n > UINT32_MAX)
        return LM_OK;
    r->cands = malloc(n * sizeof(*r->cands));
    r->fired = malloc(n * r->nwords * sizeof(*r->fired));
    if (r->cands == NULL || r->fired == NULL)
        return LM_ENOMEM;
    r->cap = n;
    if (col != NULL) {
        col->usd = malloc(n * sizeof(*col->usd));
        col->privacy = malloc(n);
        col->nulls = malloc(n);
        if (col->usd == NULL || col->privacy == NULL || col->nulls == NULL)
            return LM_ENOMEM;
        if (col->want_scores &&
            (col->scores = malloc(n * LM_S_COUNT * sizeof(*col->scores))) == NULL)
            return LM_ENOMEM;
        col->cap = n;
    }
    return LM_OK;
}

/* How many candidates gen_model emits for an open-weights model beside its
 * offers: every format (or --quant's) and hardware with a runtime, once
 * per placement the hardware allows. */
static size_t per_open_model(const struct lm_recommendation *r, const struct lm_rec_options *opt,
                             const struct id_order *ord)
{
    const struct lm_catalog *cat = r->cat;
    size_t per = 0;
    for (size_t q = 0; q < cat->nquants; q++) {
        if (opt->quant != NULL && cat->quants[q] != opt->quant)
            continue;
        for (size_t h = 0; h < r->nhardware; h++)
            if (ord->runtime[q * r->nhardware + h] >= 0)
                for (int p = 0; p < 3; p++)
                    per += (r->hws[h]->placements >> p) & 1u;
    }
    return per;
}

static size_t model_count(const struct lm_model *m, size_t per)
{
    return m->napi + (m->open_weights == 1 ? per : 0);
}

/* How many candidates gen_model emits in all; 0 past 2^32 - 1. */
static size_t candidate_count(const struct lm_recommendation *r, size_t per)
{
    size_t total = 0;
    for (size_t mi = 0; mi < r->cat->nmodels; mi++) {
        total += model_count(r->cat->models[mi], per);
        if (total > UINT32_MAX)
            return 0;
    }
    return total;
}

/* Generates and judges the candidates of models [g->mlo, g->mhi), records
 * from g->next on; g->rc says how it went. Everything it writes is its own
 * (its judge cache, estimate memo, weights, privacy by placement) or the
 * records it owns, so generators run side by side. */
static void gen_models(struct gen *g)
{
    struct lm_recommendation *r = g->r;
    size_t nq = r->cat->nquants;
    int rc = lm__judge_cache_init(&g->jc, r);
    g->wbytes = malloc((nq ? nq : 1) * sizeof(*g->wbytes));
    g->wfile = malloc((nq ? nq : 1) * sizeof(*g->wfile));
    /* The placements of one setting share their estimates' memory, speed
     * set-up and sizing (estimate.h, lm_est_memo). */
    g->base.memo = lm_est_memo_new();
    if (g->wbytes == NULL || g->wfile == NULL || g->base.memo == NULL)
        rc = LM_ENOMEM;
    for (size_t mi = g->mlo; mi < g->mhi && rc == LM_OK; mi++) {
        g->nmodels++;
        const struct lm_model *m = r->cat->models[mi];
        g->base.quality_model = m;
        g->base.quality_composite = r->model_quality[mi];
        for (size_t q = 0; q < nq && m->open_weights == 1 && r->nhardware > 0; q++) {
            struct lm_est_input in = g->base;
            in.model = m;
            in.quant = r->cat->quants[q];
            lm_estimate_weights_prepare(&in);
            g->wbytes[q] = in.weights_bytes;
            g->wfile[q] = in.weights_file_bytes;
        }
        rc = g->opt->quant_auto ? gen_model_auto(g, mi) : gen_model(g, mi);
    }
    lm__judge_cache_release(&g->jc);
    free(g->pending);
    lm_est_memo_free(g->base.memo);
    free(g->wbytes);
    free(g->wfile);
    g->rc = rc;
}

static void *gen_thread(void *arg)
{
    gen_models(arg);
    return NULL;
}

/* Below this many candidates a thread costs more than it saves: starting
 * one takes 0.1 ms, and on the VMs we measure 0.5 to 3 ms pass before it
 * gets its CPU; it also warms a judge cache of its own
 * (docs/performance.md, "Threads"). */
#define GEN_PER_THREAD 4096

/* The CPUs this process may run on: its affinity mask where the system
 * has one (taskset, a container's cpuset), else those online. */
long lm__usable_cpus(void)
{
#if defined(__linux__)
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
        return CPU_COUNT(&set);
#endif
    return sysconf(_SC_NPROCESSORS_ONLN);
}

void lm__run_threads(void *(*fn)(void *), void *items, size_t stride, size_t n)
{
    pthread_t tid[LM_REC_MAX_THREADS];
    int started[LM_REC_MAX_THREADS] = { 0 };
    char *at = items;
    for (size_t t = 1; t < n && t < LM_REC_MAX_THREADS; t++)
        started[t] = pthread_create(&tid[t], NULL, fn, at + t * stride) == 0;
    fn(at);
    for (size_t t = 1; t < n && t < LM_REC_MAX_THREADS; t++) {
        if (started[t])
            (void)pthread_join(tid[t], NULL);
        else
            fn(at + t * stride); /* no thread to be had: here, in turn */
    }
}

/* How many generators: opt->threads, or with 0 one per usable CPU while
 * each gets GEN_PER_THREAD candidates; one for --quant auto, whose count
 * is not known in advance. */
static size_t gen_threads(const struct lm_rec_options *opt, size_t ncands, size_t nmodels)
{
    if (opt->quant_auto || ncands == 0)
        return 1;
    long want = opt->threads;
    if (want <= 0) {
        long cpus = lm__usable_cpus();
        want = cpus > 0 ? cpus : 1;
        if ((size_t)want > ncands / GEN_PER_THREAD)
            want = (long)(ncands / GEN_PER_THREAD);
    }
    if (want > LM_REC_MAX_THREADS)
        want = LM_REC_MAX_THREADS;
    if ((size_t)want > nmodels)
        want = (long)nmodels;
    return want < 1 ? 1 : (size_t)want;
}

static int generate(struct lm_recommendation *r, const struct lm_rec_options *opt,
                    struct lm__columns *cols)
{
    struct gen g;
    memset(&g, 0, sizeof(g));
    g.r = r;
    g.opt = opt;
    g.cols = cols;
    g.exact = 1;
    g.mhi = r->cat->nmodels;
    g.end = SIZE_MAX;
    lm__fill_input(r->sc, opt, &g.base);
    if (cols != NULL)
        cols->want_scores = lm_estimate_batch_cap(&g.base) > 1;
    int rc = id_order_init(&g.ord, r, opt);
    if (rc == LM_OK && opt->quant_auto) {
        g.qrank = malloc((r->cat->nquants + 1) * sizeof(*g.qrank));
        g.hrank = malloc((r->nhardware + 1) * sizeof(*g.hrank));
        if (g.qrank == NULL || g.hrank == NULL)
            rc = LM_ENOMEM;
        for (size_t i = 0; rc == LM_OK && i < r->cat->nquants; i++)
            g.qrank[g.ord.quant[i]] = i;
        for (size_t i = 0; rc == LM_OK && i < r->nhardware; i++)
            g.hrank[g.ord.hw[i]] = i;
    }
    if (rc == LM_OK) {
        r->model_quality = malloc((r->cat->nmodels ? r->cat->nmodels : 1) *
                                  sizeof(*r->model_quality));
        if (r->model_quality == NULL)
            rc = LM_ENOMEM;
        for (size_t mi = 0; rc == LM_OK && mi < r->cat->nmodels; mi++)
            r->model_quality[mi] = lm_quality_composite(r->cat->models[mi], g.base.task_kind,
                                                        g.base.task_has_image);
        r->quality_kind = g.base.task_kind;
        r->quality_image = g.base.task_has_image;
    }
    size_t per = rc == LM_OK ? per_open_model(r, opt, &g.ord) : 0;
    size_t total = rc == LM_OK && !opt->quant_auto ? candidate_count(r, per) : 0;
    if (rc == LM_OK && !opt->quant_auto)
        rc = reserve(r, cols, total);
    size_t nt = rc == LM_OK ? gen_threads(opt, total, r->cat->nmodels) : 1;
    struct gen gens[LM_REC_MAX_THREADS];
    /* Contiguous model ranges of about total / nt candidates each: the
     * records come out in the order one generator would write them. */
    gens[0] = g;
    if (nt > 1) {
        size_t t = 0, acc = 0;
        gens[0].end = total;
        for (size_t mi = 0; mi < r->cat->nmodels; mi++) {
            if (t + 1 < nt && acc >= (t + 1) * (total / nt)) {
                gens[t].mhi = mi;
                gens[t].end = acc;
                gens[++t] = g;
                gens[t].mlo = mi;
                gens[t].next = acc;
                gens[t].end = total;
            }
            acc += model_count(r->cat->models[mi], per);
        }
        nt = t + 1;
    }
    if (rc == LM_OK) {
        lm__run_threads(gen_thread, gens, sizeof(gens[0]), nt);
        for (size_t t = 0; t < nt; t++) {
            const struct gen *x = &gens[t];
            if (rc == LM_OK && x->rc != LM_OK)
                rc = x->rc;
            if (rc == LM_OK && nt > 1 && x->next != x->end)
                rc = LM_EINTERNAL; /* a range not filled as candidate_count said */
            r->nmodels += x->nmodels;
            if (x->max_decode > r->max_decode)
                r->max_decode = x->max_decode;
            if (x->max_batch_cap > r->max_batch_cap)
                r->max_batch_cap = x->max_batch_cap;
            if (cols != NULL)
                cols->exact &= x->exact;
        }
        r->n = gens[nt - 1].next;
    }
    id_order_release(&g.ord);
    free(g.qrank);
    free(g.hrank);
    return rc;
}

/* ---------------------------------------------------------------- ranking */

/* The total order of §5 step 5 on records: feasible first, then total
 * descending, then id (the index, by the generation order). */
static const struct lm_ranked *rank_sort_cands;

static int rank_cmp(const void *pa, const void *pb)
{
    uint32_t a = *(const uint32_t *)pa, b = *(const uint32_t *)pb;
    const struct lm_ranked *x = &rank_sort_cands[a], *y = &rank_sort_cands[b];
    if (x->rejected != y->rejected)
        return x->rejected ? 1 : -1;
    if (x->total != y->total)
        return x->total > y->total ? -1 : 1;
    return (a > b) - (a < b);
}

/* Fills r->order. Totals are multiples of 0.1, so a stable counting sort on
 * (rejected, total in tenths) gives the total order in linear time; a
 * comparison sort takes over when the totals span too wide a range. */
static int rank(struct lm_recommendation *r)
{
    size_t n = r->n;
    r->order = malloc((n ? n : 1) * sizeof(*r->order));
    if (r->order == NULL)
        return LM_ENOMEM;
    double lo = 0, hi = 0;
    for (size_t i = 0; i < n; i++) {
        double t = r->cands[i].total;
        if (i == 0 || t < lo)
            lo = t;
        if (i == 0 || t > hi)
            hi = t;
    }
    double span = n ? (hi - lo) * 10 : 0;
    if (!(isfinite(span) && span <= (double)n / 2 + 4096)) {
        for (size_t i = 0; i < n; i++)
            r->order[i] = (uint32_t)i;
        rank_sort_cands = r->cands;
        qsort(r->order, n, sizeof(*r->order), rank_cmp);
        rank_sort_cands = NULL;
    } else {
        /* Totals are finite here (the span is): rounded inline, as lround
         * would (numfmt.h), twice a candidate. */
        long top = (long)lm__round_half_away(hi * 10);
        size_t nb = 2 * ((size_t)(top - (long)lm__round_half_away(lo * 10)) + 1);
        size_t *count = calloc(nb + 1, sizeof(*count));
        if (count == NULL)
            return LM_ENOMEM;
        /* Bucket: rejected ones after every feasible one, each by total
         * descending. */
        size_t half = nb / 2;
#define BUCKET(k)                                                                          \
    ((size_t)(top - (long)lm__round_half_away((k)->total * 10)) + ((k)->rejected ? half : 0))
        for (size_t i = 0; i < n; i++)
            count[BUCKET(&r->cands[i]) + 1]++;
        for (size_t b = 0; b < nb; b++)
            count[b + 1] += count[b];
        for (size_t i = 0; i < n; i++)
            r->order[count[BUCKET(&r->cands[i])]++] = (uint32_t)i;
#undef BUCKET
        free(count);
    }
    r->nfeasible = 0;
    while (r->nfeasible < n && !r->cands[r->order[r->nfeasible]].rejected)
        r->nfeasible++;
    return LM_OK;
}

/* ---------------------------------------------------------------- verdict */

struct contribution {
    const char *name;
    double v;
};

static void verdict(struct lm_recommendation *r)
{
    r->best[0] = r->best[1] = -1;
    for (size_t k = 0; k < r->nfeasible && (r->best[0] < 0 || r->best[1] < 0); k++) {
        size_t i = r->order[k];
        int cls = lm_recommendation_class(r, i);
        if (r->best[cls] < 0)
            r->best[cls] = (long)i;
    }
    r->verdict_class = r->nfeasible ? lm_recommendation_class(r, r->order[0]) : -1;
    r->break_even = DNAN;
    /* verdict.break_even_requests_per_day: the best feasible self-hosted
     * candidate, at its current sizing, against the cheapest feasible API
     * candidate. */
    long self = -1;
    double api = (double)INFINITY;
    for (size_t k = 0; k < r->nfeasible; k++) {
        const struct lm_ranked *c = &r->cands[r->order[k]];
        if (c->placement != LM_PLACE_API) {
            if (self < 0)
                self = (long)r->order[k];
            continue;
        }
        double per = lm__request_cost(r->sc, &r->cat->models[c->model]->api[c->where]);
        if (per < api)
            api = per;
    }
    if (self >= 0 && isfinite(api) && api > 0) {
        struct lm_candidate s;
        lm__rebuild(r, r->sc, (size_t)self, &s);
        r->break_even = s.est.usd_per_month / (api * 30.42);
    }

    /* Deciding dimensions (§5 step 6). */
    r->ndeciding = 0;
    if (r->verdict_class < 0)
        return;
    int win = r->verdict_class, other = !win;
    struct contribution contrib[LM_S_COUNT + LM_DIM_COUNT];
    size_t nc = 0;
    if (r->best[other] < 0) {
        /* The other class has no feasible candidate: the dimensions whose
         * error rules rejected its best-scoring candidates. */
        long bo = -1;
        for (size_t k = r->nfeasible; k < r->n; k++) {
            size_t i = r->order[k];
            if (lm_recommendation_class(r, i) == other) {
                bo = (long)i;
                break;
            }
        }
        for (size_t ri = 0; bo >= 0 && ri < r->rules->n && r->ndeciding < 3; ri++) {
            const struct lm_rule *rule = r->rules->rules[ri];
            if (rule->severity != LM_SEV_RULE_ERROR || !lm_recommendation_fired(r, (size_t)bo, ri))
                continue;
            const char *dim = lm_dimension_names[rule->dimension];
            int seen = 0;
            for (size_t k = 0; k < r->ndeciding; k++)
                seen |= strcmp(r->deciding[k], dim) == 0;
            if (!seen)
                r->deciding[r->ndeciding++] = dim;
        }
        return;
    }
    struct lm_candidate w, o;
    lm_recommendation_candidate(r, (size_t)r->best[win], &w);
    lm_recommendation_candidate(r, (size_t)r->best[other], &o);
    double sw = 0;
    for (int k = 0; k < LM_S_COUNT; k++)
        if (!isnan(w.scores[k]) && !isnan(o.scores[k]))
            sw += r->sc->priorities[k];
    for (int k = 0; k < LM_S_COUNT && sw > 0; k++) {
        if (isnan(w.scores[k]) || isnan(o.scores[k]))
            continue;
        double v = r->sc->priorities[k] * (w.scores[k] - o.scores[k]) / sw;
        if (v > 0) {
            contrib[nc].name = lm_subscore_names[k];
            contrib[nc++].v = v;
        }
    }
    double dims[LM_DIM_COUNT] = { 0 };
    for (size_t ri = 0; ri < r->rules->n; ri++) {
        const struct lm_rule *rule = r->rules->rules[ri];
        if (rule->severity == LM_SEV_RULE_ERROR)
            continue;
        uint64_t bit = (uint64_t)1 << (ri % 64);
        if (w.fired[ri / 64] & bit)
            dims[rule->dimension] += rule->score;
        if (o.fired[ri / 64] & bit)
            dims[rule->dimension] -= rule->score;
    }
    for (int d = 0; d < LM_DIM_COUNT; d++) {
        if (dims[d] > 0) {
            contrib[nc].name = lm_dimension_names[d];
            contrib[nc++].v = dims[d];
        }
    }
    /* Largest first; ties by name so the order is total. */
    for (size_t a = 0; a < nc; a++)
        for (size_t b = a + 1; b < nc; b++)
            if (contrib[b].v > contrib[a].v ||
                (contrib[b].v == contrib[a].v && strcmp(contrib[b].name, contrib[a].name) < 0)) {
                struct contribution t = contrib[a];
                contrib[a] = contrib[b];
                contrib[b] = t;
            }
    /* A sub-score and a rule dimension can share a name (latency, privacy,
     * quality); list each name once, at its larger contribution. */
    for (size_t k = 0; k < nc && r->ndeciding < 3; k++) {
        int seen = 0;
        for (size_t j = 0; j < r->ndeciding; j++)
            seen |= strcmp(r->deciding[j], contrib[k].name) == 0;
        if (!seen)
            r->deciding[r->ndeciding++] = contrib[k].name;
    }
}

/* ------------------------------------------------------------------- main */

int lm_recommend(const struct lm_catalog *cat, const struct lm_scenario *sc,
                 const struct lm_ruleset *rules, const struct lm_rec_options *opt,
                 struct lm_recommendation *r)
{
    memset(r, 0, sizeof(*r));
    r->cat = cat;
    r->sc = sc;
    r->rules = rules;
    r->verdict_class = -1;
    r->best[0] = r->best[1] = -1;
    r->break_even = DNAN;
    r->opt = *opt;
    size_t nrules = rules->n < LM_MAX_RULES ? rules->n : LM_MAX_RULES;
    r->nwords = nrules ? (nrules + 63) / 64 : 1;
    for (size_t i = 0; i < nrules; i++) {
        r->enabled[i] = 1;
        for (size_t k = 0; k < sc->rules.disable.n; k++)
            if (strcmp(sc->rules.disable.items[k], rules->rules[i]->id) == 0)
                r->enabled[i] = 0;
    }
    /* Indices must fit the compact record: at most 65 535 formats and
     * runtimes (a quantizations file holds about 20 000 under the default
     * --max-nodes), 2^32 - 1 models, hardware profiles and candidates. */
    if (cat->nmodels > UINT32_MAX || cat->nhardware >= UINT32_MAX ||
        cat->nquants > UINT16_MAX || cat->nruntimes > UINT16_MAX)
        return LM_ELIMIT;
    r->model_llm = malloc(cat->nmodels ? cat->nmodels : 1);
    if (r->model_llm == NULL)
        return LM_ENOMEM;
    for (size_t i = 0; i < cat->nmodels; i++)
        r->model_llm[i] = strcmp(lm_model_class(cat, cat->models[i]), "llm") == 0;
    r->per_request = lm__cheapest_api_request(cat, sc);
    lm__find_live_rules(r);
    struct lm__columns cols;
    memset(&cols, 0, sizeof(cols));
    cols.exact = 1;
    int rc = allowed_hardware(r, opt);
    if (rc == LM_OK)
        rc = generate(r, opt, opt->no_flips ? NULL : &cols);
    if (rc == LM_OK)
        rc = rank(r);
    if (rc == LM_OK && (r->rebuild_memo = lm_est_memo_new()) == NULL)
        rc = LM_ENOMEM;
    if (rc == LM_OK) {
        verdict(r);
        if (!opt->no_flips && lm__find_flips(r, &cols) != LM_OK)
            rc = LM_ENOMEM;
        else if (!opt->no_flips && lm__find_relaxations(r) != LM_OK)
            rc = LM_ENOMEM;
    }
    free(cols.usd);
    free(cols.privacy);
    free(cols.nulls);
    free(cols.scores);
    return rc;
}

void lm_recommendation_release(struct lm_recommendation *r)
{
    if (r == NULL)
        return;
    free(r->cands);
    free(r->fired);
    free(r->order);
    free(r->flips);
    free(r->hws);
    free(r->hw_built);
    free(r->hw_owned);
    free(r->relax);
    free(r->model_llm);
    free(r->model_quality);
    lm_est_memo_free(r->rebuild_memo);
    for (size_t i = 0; i < LM_MAX_RULES; i++)
        lm_expr_free(r->when[i]);
    memset(r, 0, sizeof(*r));
}

