/*
 * libFuzzer harness for the profile loader: every input is loaded as a model
 * and as a hardware profile (YAML parse, limits, schema typing, cross-field
 * checks). Build with -DLM_FUZZ=ON -DCMAKE_C_COMPILER=clang; run as
 *   ./build-fuzz/tests/fuzz_profile_load tests/fuzz/corpus/profile -max_total_time=20
 */
#include <stddef.h>
#include <stdint.h>

#include "lmchoose/catalog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const kinds[] = { "model", "hardware", "quantizations", "runtimes" };
    struct lm_limits limits = LM_LIMITS_DEFAULT;
    for (size_t k = 0; k < 4; k++) {
        struct lm_catalog cat = LM_CATALOG_INIT;
        struct lm_diags diags = LM_DIAGS_INIT;
        lm_catalog_load_file(&cat, kinds[k], "fuzz.yaml", (const char *)data, size, 0,
                             &limits, &diags);
        lm_catalog_release(&cat);
        lm_diags_release(&diags);
    }
    return 0;
}
