/*
 * Proof that the engine stands without the renderers (docs/architecture.md):
 * this program links lmchoose_core alone, computes a recommendation over the
 * shipped catalog for the default scenario opened to every hardware
 * profile, builds its report and walks every feasible row. It checks what
 * the report promises every renderer: rows come in rank order with
 * non-increasing totals, each has an id, a class and a message for each
 * fired rule, and the verdict's sentence names the rank-1 model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmchoose/catalog.h"
#include "lmchoose/recommend.h"
#include "lmchoose/report.h"
#include "lmchoose/rules.h"
#include "lmchoose/scenario.h"
#include "lmchoose/status.h"

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "core_only: %s:%d: %s\n", __FILE__, __LINE__, #cond); \
            return 1;                                                            \
        }                                                                        \
    } while (0)

int main(void)
{
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_diags diags = LM_DIAGS_INIT;
    struct lm_catalog cat = LM_CATALOG_INIT;
    struct lm_ruleset rs = LM_RULESET_INIT;
    CHECK(lm_catalog_load(&cat, NULL, 0, &limits, &diags) == LM_OK);
    CHECK(lm_rules_load_builtin(&rs, &limits, &diags) == LM_OK);
    struct lm_scenario sc;
    memset(&sc, 0, sizeof(sc));
    lm_scenario_default(&sc);
    sc.constraints.hardware_set = 0; /* every hardware profile */
    struct lm_rec_options opt;
    memset(&opt, 0, sizeof(opt));
    struct lm_recommendation rec;
    CHECK(lm_recommend(&cat, &sc, &rs, &opt, &rec) == LM_OK);
    struct lm_report rep;
    CHECK(lm_report_build(&rec, &rep) == LM_OK);
    CHECK(rep.ncandidates == rec.n && rep.nfeasible == rec.nfeasible);
    CHECK(rep.nfeasible > 0 && rep.verdict_class != NULL);
    struct lm_report_row *row = malloc(sizeof(*row));
    CHECK(row != NULL);
    lm_report_row_init(row);
    double last = 1e300;
    for (size_t k = 0; k < rep.nfeasible; k++) {
        CHECK(lm_report_row(&rep, k, row) == LM_OK);
        CHECK(row->rank == k + 1 && row->c.id[0] != '\0' && row->klass != NULL);
        CHECK(row->c.total <= last);
        last = row->c.total;
        for (size_t ri = 0; ri < rs.n; ri++)
            CHECK((row->message[ri] != NULL) == lm_candidate_fired(&row->c, ri));
        if (k == 0)
            CHECK(strstr(rep.summary, row->c.model->id) == rep.summary);
    }
    printf("core_only: %zu candidates, %zu feasible, verdict %s, %zu flips: ok\n",
           rep.ncandidates, rep.nfeasible, rep.verdict_class, rep.nflips);
    lm_report_row_release(row);
    free(row);
    lm_report_release(&rep);
    lm_recommendation_release(&rec);
    lm_scenario_release(&sc);
    lm_rules_release(&rs);
    lm_catalog_release(&cat);
    lm_diags_release(&diags);
    return 0;
}
