/*
 * GGUF header reader (docs/import.md "gguf"): the metadata and tensor infos
 * of a llama.cpp model file, never the tensor data.
 *
 * Format: ggml-org/ggml docs/gguf.md (v2 and v3 are read; v1, with 32-bit
 * counts, is refused). Hostile input is bounded: the file is read through a
 * cursor that never passes the file's size, every length and count is checked
 * against the bytes left before anything is allocated, and there are caps on
 * key and kept-string lengths, metadata and tensor counts, array nesting,
 * dimensions, and the byte arithmetic (overflow is an error).
 */
#ifndef LMCHOOSE_GGUF_READ_H
#define LMCHOOSE_GGUF_READ_H

#include <stdint.h>
#include <stdio.h>

#include "lmchoose/arena.h"
#include "lmchoose/diag.h"

/* Caps (documented in docs/import.md and docs/reliability.md). */
#define LM_GGUF_MAX_KV 65536u          /* metadata key/value pairs */
#define LM_GGUF_MAX_TENSORS 1048576u   /* tensor infos */
#define LM_GGUF_MAX_KEY 65535u         /* bytes in a key or tensor name */
#define LM_GGUF_MAX_STRING 65536u      /* bytes of a string value kept */
#define LM_GGUF_MAX_ARRAY_DEPTH 4      /* arrays of arrays */
#define LM_GGUF_MAX_DIMS 4             /* GGML_MAX_DIMS */

/* ggml tensor types (ggml/include/ggml.h) with their block size and bytes
 * per block (ggml/src/ggml-common.h); NULL name: removed or unknown. */
struct lm_ggml_type {
    const char *name;
    unsigned block;      /* elements per block */
    unsigned block_bytes;
};
extern const struct lm_ggml_type lm_ggml_types[];
extern const unsigned lm_ggml_ntypes;

struct lm_gguf_tensor {
    const char *name;
    uint32_t type;
    uint32_t ndims;
    uint64_t dims[LM_GGUF_MAX_DIMS];
    uint64_t elements, bytes, offset;
};

struct lm_gguf {
    uint32_t version;
    uint64_t file_size, data_start; /* data_start: aligned end of the header */
    uint32_t alignment;
    const char *architecture, *name, *basename, *license;
    int64_t file_type;                       /* general.file_type, -1 absent */
    /* <arch>.*, -1 when absent (or an array, as some models give per-layer
     * head counts) */
    int64_t block_count, embedding_length, head_count, head_count_kv, key_length,
        context_length, feed_forward_length, expert_count, expert_used_count,
        sliding_window;
    int64_t vocab; /* tokenizer.ggml.tokens entries, -1 absent */
    struct lm_gguf_tensor *tensors;
    uint64_t ntensors;
    uint64_t weight_bytes, elements; /* sums over tensors */
    uint64_t bytes_by_type[64], tensors_by_type[64];
};

/* Reads the header of the GGUF file f (display names it in diagnostics).
 * Strings and tensors live in arena. Returns an lm_status: LM_ESYNTAX for a
 * malformed or truncated file, LM_ELIMIT when a cap is exceeded, LM_EIO when
 * reading fails. */
int lm__gguf_read(FILE *f, const char *display, struct lm_arena *arena, struct lm_diags *diags,
                  struct lm_gguf *out);

#endif
