/*
 * libFuzzer harness for rule files: YAML, rule schema, and the compilation
 * of every condition and message template against the real fact table.
 */
#include <stddef.h>
#include <stdint.h>

#include "lmchoose/rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_diags diags = LM_DIAGS_INIT;
    struct lm_ruleset rs = LM_RULESET_INIT;
    lm_rules_load(&rs, "fuzz.yaml", (const char *)data, size, &limits, &diags);
    lm_rules_release(&rs);
    lm_diags_release(&diags);
    return 0;
}
