/*
 * The English sentences of a report, made in one place from data: the
 * verdict's summary, a flip's and a relaxation's one-liners (DESIGN §6.1,
 * §9.5, §9.6). Numbers are printed with lm_format_number's shortest form.
 */
#ifndef LMCHOOSE_REPORT_SENTENCES_H
#define LMCHOOSE_REPORT_SENTENCES_H

#include <stddef.h>

#include "lmchoose/report.h"

/* What the verdict's sentence says. */
struct lm_verdict_facts {
    const char *klass;        /* "slm", "llm", NULL when none is feasible */
    const char *model;        /* the rank-1 model's id */
    const char *where;        /* "the OpenAI API" or a hardware id */
    const char *const *deciding;
    size_t ndeciding;
    int slow_first_token;     /* interactive task waiting > 10 s (§9.6) */
    double ttft_ms;           /* the rank-1 candidate's */
    const char *flip;         /* the first flip's sentence, or NULL */
    int has_relaxations;      /* none feasible, nearest candidates follow */
};

void lm_sentence_verdict(const struct lm_verdict_facts *v, char *buf, size_t cap);
void lm_sentence_flip(const struct lm_report_flip *f, char *buf, size_t cap);
void lm_sentence_relaxation(const struct lm_report_relax *x, char *buf, size_t cap);

#endif
