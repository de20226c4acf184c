/*
 * libFuzzer harness for the GGUF header reader (gguf_read.c): every input is
 * read as a GGUF file through fmemopen, so the reader's seeks and bounds are
 * exercised as on disk. Aborts when an accepted header claims more bytes
 * than the file holds.
 * Build with -DLM_FUZZ=ON -DCMAKE_C_COMPILER=clang; run as
 *   ./build-fuzz/tests/fuzz_gguf tests/fuzz/corpus/gguf -max_total_time=20
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "io/gguf_read.h"
#include "lmchoose/status.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0; /* fmemopen refuses an empty buffer */
    FILE *f = fmemopen((void *)(uintptr_t)data, size, "rb");
    if (f == NULL)
        return 0;
    struct lm_arena arena = LM_ARENA_INIT;
    struct lm_diags diags = LM_DIAGS_INIT;
    struct lm_gguf g;
    int rc = lm__gguf_read(f, "fuzz.gguf", &arena, &diags, &g);
    /* A header the reader accepts never claims more than the file holds
     * (with no tensors the padding after the header may be missing). */
    if (rc == LM_OK && ((g.ntensors > 0 && g.data_start > g.file_size) ||
                        g.weight_bytes > g.file_size))
        __builtin_trap();
    fclose(f);
    lm_arena_release(&arena);
    lm_diags_release(&diags);
    return 0;
}
