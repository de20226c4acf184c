/*
 * The report (report.h): the engine's recommendation read once into plain
 * data, and the cursor that builds one printed row at a time. This is the
 * only file that turns the engine's compact records into what renderers
 * print; the sentences themselves are made in sentences.c.
 */
#include "lmchoose/report.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lmchoose/recommend.h"
#include "lmchoose/status.h"
#include "report/sentences.h"

static const char *class_name(const struct lm_recommendation *r, size_t i)
{
    return lm_recommendation_class(r, i) ? "llm" : "slm";
}

static void report_flip(const struct lm_recommendation *r, const struct lm_flip *f,
                        struct lm_report_flip *o)
{
    o->dimension = f->dimension;
    o->constraint = f->constraint;
    o->is_privacy = f->is_privacy;
    o->from = f->from;
    o->to = f->to;
    o->from_level = f->from_level;
    o->to_level = f->to_level;
    lm_recommendation_id(r, f->winner, o->winner, sizeof(o->winner));
    o->winner_class = f->winner_class ? "llm" : "slm";
    lm_sentence_flip(o, o->summary, sizeof(o->summary));
}

static void report_relax(const struct lm_recommendation *r, const struct lm_relaxation *x,
                         struct lm_report_relax *o)
{
    lm_recommendation_id(r, x->cand, o->candidate, sizeof(o->candidate));
    o->klass = class_name(r, x->cand);
    struct lm_candidate c;
    lm_recommendation_candidate(r, x->cand, &c);
    o->score = c.total;
    o->quality = c.est.quality;
    o->nchanges = x->nchanges;
    for (size_t k = 0; k < x->nchanges && k < sizeof(o->changes) / sizeof(o->changes[0]); k++) {
        const struct lm_relax_change *g = &x->changes[k];
        struct lm_report_change *h = &o->changes[k];
        h->constraint = g->constraint;
        h->is_privacy = g->is_privacy;
        h->is_region = g->is_region;
        h->is_offline = g->is_offline;
        h->from = g->from;
        h->to = g->to;
        h->from_level = g->from_level;
        h->to_level = g->to_level;
    }
    o->total_change = x->total_change;
    lm_sentence_relaxation(o, o->summary, sizeof(o->summary));
}

/* The verdict's sentence: the rank-1 candidate's model and place, and,
 * for an interactive task, whether its first token takes over 10 s. */
static void report_verdict(const struct lm_recommendation *r, struct lm_report *rep)
{
    struct lm_verdict_facts v;
    memset(&v, 0, sizeof(v));
    v.klass = rep->verdict_class;
    v.deciding = rep->deciding;
    v.ndeciding = rep->ndeciding;
    v.flip = rep->nflips > 0 ? rep->flips[0].summary : NULL;
    v.has_relaxations = rep->nrelax > 0;
    char where[160] = "";
    if (r->verdict_class >= 0) {
        size_t w = r->order[0];
        const struct lm_ranked *k = &r->cands[w];
        const struct lm_model *m = r->cat->models[k->model];
        if (k->placement == LM_PLACE_API)
            snprintf(where, sizeof(where), "the %s API", m->api[k->where].provider);
        else
            snprintf(where, sizeof(where), "%s", r->hws[k->where]->id);
        struct lm_candidate wc;
        lm_recommendation_candidate(r, w, &wc);
        int kind = r->sc->task.kind;
        int interactive = kind == LM_TASK_CHAT || kind == LM_TASK_AGENT ||
                          kind == LM_TASK_CODE || kind == LM_TASK_RAG;
        v.model = m->id;
        v.ttft_ms = wc.est.ttft_ms;
        v.slow_first_token = interactive && wc.est.ttft_ms > 10000;
    }
    v.where = where;
    lm_sentence_verdict(&v, rep->summary, sizeof(rep->summary));
}

int lm_report_build(const struct lm_recommendation *r, struct lm_report *rep)
{
    memset(rep, 0, sizeof(*rep));
    rep->rec = r;
    rep->cat = r->cat;
    rep->sc = r->sc;
    rep->rules = r->rules;
    rep->verdict_class = r->verdict_class < 0 ? NULL : r->verdict_class ? "llm" : "slm";
    for (int k = 0; k < 2; k++)
        if (r->best[k] >= 0)
            lm_recommendation_id(r, (size_t)r->best[k], rep->best[k], sizeof(rep->best[k]));
    for (size_t k = 0; k < r->ndeciding && k < 3; k++)
        rep->deciding[rep->ndeciding++] = r->deciding[k];
    rep->break_even = r->break_even;
    rep->ncandidates = r->n;
    rep->nfeasible = r->nfeasible;
    rep->nmodels = r->nmodels;
    rep->nhardware = r->nhardware;
    if (r->nflips > 0) {
        rep->flips = calloc(r->nflips, sizeof(*rep->flips));
        if (rep->flips == NULL)
            return LM_ENOMEM;
        for (size_t k = 0; k < r->nflips; k++)
            report_flip(r, &r->flips[k], &rep->flips[k]);
        rep->nflips = r->nflips;
    }
    if (r->nrelax > 0) {
        rep->relax = calloc(r->nrelax, sizeof(*rep->relax));
        if (rep->relax == NULL) {
            lm_report_release(rep);
            return LM_ENOMEM;
        }
        for (size_t k = 0; k < r->nrelax; k++)
            report_relax(r, &r->relax[k], &rep->relax[k]);
        rep->nrelax = r->nrelax;
    }
    if (r->has_upgrade) {
        report_relax(r, &r->upgrade, &rep->upgrade);
        rep->has_upgrade = 1;
    }
    report_verdict(r, rep);
    return LM_OK;
}

void lm_report_release(struct lm_report *rep)
{
    if (rep == NULL)
        return;
    free(rep->flips);
    free(rep->relax);
    memset(rep, 0, sizeof(*rep));
}

const struct lm_model *lm_report_model_at(const struct lm_report *rep, size_t k)
{
    return lm_recommendation_model(rep->rec, rep->rec->order[k]);
}

size_t lm_report_model_index_at(const struct lm_report *rep, size_t k)
{
    return rep->rec->cands[rep->rec->order[k]].model;
}

void lm_report_candidate_at(const struct lm_report *rep, size_t k, struct lm_candidate *c)
{
    lm_recommendation_candidate(rep->rec, rep->rec->order[k], c);
}

int lm_report_llm_at(const struct lm_report *rep, size_t k)
{
    return lm_recommendation_class(rep->rec, rep->rec->order[k]);
}

int lm_report_fired_at(const struct lm_report *rep, size_t k, size_t ri)
{
    return lm_recommendation_fired(rep->rec, rep->rec->order[k], ri);
}

void lm_report_row_init(struct lm_report_row *row)
{
    memset(row, 0, sizeof(*row));
}

void lm_report_row_release(struct lm_report_row *row)
{
    free(row->text);
    lm_report_row_init(row);
}

/* Rule messages are at most this long (the renderers' buffers were). */
#define MESSAGE_MAX 1024

int lm_report_row(const struct lm_report *rep, size_t k, struct lm_report_row *row)
{
    const struct lm_recommendation *r = rep->rec;
    size_t i = r->order[k];
    row->position = k;
    row->rank = k < r->nfeasible ? k + 1 : 0;
    row->klass = class_name(r, i);
    lm_recommendation_build(r, i, &row->c, &row->basis);
    row->text_len = 0;
    /* Offsets first: the storage may move while it grows. */
    size_t off[LM_MAX_RULES];
    for (size_t ri = 0; ri < rep->rules->n; ri++) {
        row->message[ri] = NULL;
        off[ri] = SIZE_MAX;
        if (!lm_candidate_fired(&row->c, ri))
            continue;
        if (row->text_cap - row->text_len < MESSAGE_MAX) {
            size_t cap = row->text_cap ? row->text_cap * 2 : 8 * MESSAGE_MAX;
            while (cap - row->text_len < MESSAGE_MAX)
                cap *= 2;
            char *t = realloc(row->text, cap);
            if (t == NULL)
                return LM_ENOMEM;
            row->text = t;
            row->text_cap = cap;
        }
        lm_candidate_message(r, &row->c, ri, row->text + row->text_len, MESSAGE_MAX);
        off[ri] = row->text_len;
        row->text_len += strlen(row->text + row->text_len) + 1;
    }
    for (size_t ri = 0; ri < rep->rules->n; ri++)
        row->message[ri] = off[ri] == SIZE_MAX ? NULL : row->text + off[ri];
    return LM_OK;
}

size_t lm_report_tally(const struct lm_report *rep, const struct lm_model *m, size_t *count,
                       long *example)
{
    const struct lm_recommendation *r = rep->rec;
    size_t nmine = 0;
    for (size_t ri = 0; ri < r->rules->n; ri++) {
        count[ri] = 0;
        example[ri] = -1;
    }
    for (size_t k = 0; k < r->n; k++) {
        size_t i = r->order[k];
        if (lm_recommendation_model(r, i) != m)
            continue;
        nmine++;
        for (size_t ri = 0; ri < r->rules->n; ri++)
            if (lm_recommendation_fired(r, i, ri) && count[ri]++ == 0)
                example[ri] = (long)k;
    }
    return nmine;
}
