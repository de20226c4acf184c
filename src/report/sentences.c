/*
 * The English sentences of a report (sentences.h). They were made by the
 * engine and the renderers before; now every sentence a user reads about
 * the verdict, a flip or a relaxation is made here, from report data only.
 */
#include "report/sentences.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "rules/expr.h"
#include "util/numfmt.h"

static void number(double v, char *buf, size_t cap)
{
    lm_format_number(v, -1, buf, cap);
}

void lm_sentence_flip(const struct lm_report_flip *f, char *buf, size_t cap)
{
    const char *id = f->winner, *cls = f->winner_class;
    if (f->is_privacy) {
        if (f->from_level < 0)
            snprintf(buf, cap, "with privacy %s (unset now), %s (%s) ranks first",
                     lm_privacy_names[f->to_level], id, cls);
        else
            snprintf(buf, cap, "with privacy %s instead of %s, %s (%s) ranks first",
                     lm_privacy_names[f->to_level], lm_privacy_names[f->from_level], id, cls);
        return;
    }
    char to[64], from[64];
    number(f->to, to, sizeof(to));
    if (isnan(f->from)) {
        snprintf(buf, cap, "with %s %s (unset now), %s (%s) ranks first", f->constraint, to,
                 id, cls);
    } else {
        number(f->from, from, sizeof(from));
        snprintf(buf, cap, "with %s %s instead of %s, %s (%s) ranks first", f->constraint, to,
                 from, id, cls);
    }
}

void lm_sentence_relaxation(const struct lm_report_relax *x, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t k = 0; k < x->nchanges && len < cap; k++) {
        const struct lm_report_change *ch = &x->changes[k];
        const char *sep = k == 0 ? "" : k + 1 == x->nchanges ? " and " : ", ";
        char to[48], from[48];
        int n;
        if (ch->is_privacy)
            n = snprintf(buf + len, cap - len, "%sprivacy %s instead of %s", sep,
                         lm_privacy_names[ch->to_level], lm_privacy_names[ch->from_level]);
        else if (ch->is_region)
            n = snprintf(buf + len, cap - len, "%sno region constraint", sep);
        else if (ch->is_offline)
            n = snprintf(buf + len, cap - len, "%sonline access", sep);
        else {
            number(ch->to, to, sizeof(to));
            number(ch->from, from, sizeof(from));
            n = snprintf(buf + len, cap - len, "%s%s %s instead of %s", sep, ch->constraint, to,
                         from);
        }
        if (n < 0)
            return;
        len += (size_t)n;
    }
    if (len >= cap)
        return;
    snprintf(buf + len, cap - len, " admits %s (%s)", x->candidate, x->klass);
}

void lm_sentence_verdict(const struct lm_verdict_facts *v, char *buf, size_t cap)
{
    char flip[1024];
    if (v->flip != NULL)
        snprintf(flip, sizeof(flip), "%s", v->flip);
    else if (v->klass == NULL && v->has_relaxations)
        snprintf(flip, sizeof(flip), "the nearest feasible candidates and what admits each are below");
    else
        snprintf(flip, sizeof(flip), "no single change within x100 flips the class");
    if (v->klass == NULL) {
        snprintf(buf, cap, "no candidate satisfies the constraints; %s", flip);
        return;
    }
    /* §9.6: an interactive task that would wait more than 10 s for its first
     * token is not a latency win, whatever the other class does. */
    char dec[160] = "";
    size_t nd = 0;
    for (size_t k = 0; k < v->ndeciding; k++) {
        if (v->slow_first_token && strcmp(v->deciding[k], "latency") == 0)
            continue;
        size_t used = strlen(dec);
        snprintf(dec + used, sizeof(dec) - used, "%s%s", nd == 0 ? "" : ", ", v->deciding[k]);
        nd++;
    }
    /* "a, b, c" → "a, b and c" */
    char *last = strrchr(dec, ',');
    if (last != NULL && nd > 1) {
        char tail[170];
        snprintf(tail, sizeof(tail), " and%s", last + 1);
        size_t room = sizeof(dec) - (size_t)(last - dec);
        memcpy(last, tail, strlen(tail) + 1 <= room ? strlen(tail) + 1 : room);
        dec[sizeof(dec) - 1] = '\0';
    }
    char warn[400] = "";
    if (v->slow_first_token)
        snprintf(warn, sizeof(warn),
                 "; interactive use would wait about %.0f s for the first token on %s",
                 lm_round(v->ttft_ms / 1000.0, 0), v->where);
    if (nd > 0)
        snprintf(buf, cap, "%s (%s) on %s wins on %s%s; %s", v->model, v->klass, v->where, dec,
                 warn, flip);
    else
        snprintf(buf, cap, "%s (%s) on %s ranks first%s; %s", v->model, v->klass, v->where, warn,
                 flip);
}
