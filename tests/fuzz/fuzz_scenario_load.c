/*
 * libFuzzer harness for the scenario loader: YAML parse, limits, schema
 * typing of every block, defaults and cross-field checks.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lmchoose/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    struct lm_diags diags = LM_DIAGS_INIT;
    struct lm_scenario sc;
    memset(&sc, 0, sizeof(sc));
    lm_scenario_load(&sc, "fuzz.yaml", (const char *)data, size, &limits, &diags);
    lm_scenario_release(&sc);
    lm_diags_release(&diags);
    return 0;
}
