/*
 * The helpers of lmchoose/check.h that are data, not output: the --fail-on
 * names, check's own pseudo-rules, a finding's rule id, the summary counts
 * and the release of a check result. They are in the core library because
 * the repository configuration (repo_config.c) and the check engine use
 * them; the renderers of render_check.c only read them.
 */
#include "lmchoose/check.h"

#include <stdlib.h>
#include <string.h>

#include "lmchoose/status.h"
const char *const lm_check_fail_on_names[5] = { "error", "warning", "info", "never", NULL };

const struct lm_check_pseudo lm_check_pseudo_rules[LM_CHECK_NPSEUDO] = {
    { LM_RULE_BETTER_CANDIDATE, LM_SEV_RULE_INFO,
      "another candidate of the scenario scores clearly higher",
      "The best feasible candidate of the file's scenario outscores the declared deployment "
      "by at least 10.0 points (warning with --suggest)." },
    { "ops.drift", LM_SEV_RULE_ERROR,
      "the deployment file and its copy disagree",
      "A scenario's deployment block (or a .lmchoose.yaml service's deployment values) "
      "disagrees with the deployment file it points at, or one file contradicts itself "
      "(a GPU count below the tensor-parallel size). What is judged is what the deployment "
      "file says." },
    { "ops.unresolved", LM_SEV_RULE_WARNING,
      "a value the estimate needs could not be determined",
      "The deployment file does not say (or says in a form lmchoose cannot map to its "
      "catalog) the model, quantization, GPU type or GPU count, so the deployment is not "
      "judged. Name the value in .lmchoose.yaml (services[].deployment) or add a profile "
      "layer." },
    { "ops.unreadable", LM_SEV_RULE_WARNING,
      "part of a deployment file could not be read",
      "A deployment file is not valid YAML, or a value in it is not valid for its format "
      "(a fractional GPU count, GPU requests without limits)." },
    { "ops.context-limit", LM_SEV_RULE_ERROR,
      "the server's context limit is below what the task needs",
      "The serving engine is started with a maximum context (vLLM --max-model-len, TGI "
      "--max-total-tokens, Ollama num_ctx) below the scenario's task.context_tokens, so "
      "the longest requests fail." },
};

const char *lm_check_rule_id(const struct lm_check_result *r, size_t i)
{
    if (i >= LM_CHECK_RULE_BETTER && i < LM_CHECK_RULE_BETTER + LM_CHECK_NPSEUDO)
        return lm_check_pseudo_rules[i - LM_CHECK_RULE_BETTER].id;
    if (r->rules == NULL || i >= r->rules->n)
        return LM_RULE_BETTER_CANDIDATE;
    return r->rules->rules[i]->id;
}

int lm_check_own_rule(const char *id)
{
    for (int i = 0; i < LM_CHECK_NPSEUDO; i++)
        if (strcmp(lm_check_pseudo_rules[i].id, id) == 0)
            return i;
    return -1;
}

void lm_check_summarize(struct lm_check_result *r)
{
    memset(&r->summary, 0, sizeof(r->summary));
    for (size_t i = 0; i < r->n; i++) {
        const struct lm_check_file *f = &r->files[i];
        r->summary.files++;
        if (f->skipped != NULL)
            r->summary.skipped++;
        else if (f->passed == 1)
            r->summary.passed++;
        else
            r->summary.failed++;
        for (size_t k = 0; k < f->nfindings; k++) {
            const struct lm_check_finding *x = &f->findings[k];
            if (x->waived)
                r->summary.waived++;
            else if (x->severity == LM_SEV_RULE_ERROR)
                r->summary.errors++;
            else if (x->severity == LM_SEV_RULE_WARNING)
                r->summary.warnings++;
            else
                r->summary.infos++;
        }
    }
}

void lm_check_result_release(struct lm_check_result *r)
{
    if (r == NULL)
        return;
    lm_arena_release(&r->arena);
    free(r->files);
    memset(r, 0, sizeof(*r));
}

