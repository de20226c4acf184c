/*
 * JSON inputs (the only reader of JSON besides render_json.c's writer, and
 * the only other user of cJSON): LiteLLM's price map for `lmchoose import
 * litellm`, and Hugging Face config.json / safetensors index files for
 * `lmchoose import hf-config`. Each reader returns plain C structs, so the
 * importers never see cJSON.
 *
 * Hostile input: the caller bounds the size (--max-input-size); cJSON bounds
 * nesting (CJSON_NESTING_LIMIT, 1000); numbers must be finite and in range,
 * strings are bounded by the file; a syntax error is reported at its line and
 * column.
 */
#ifndef LMCHOOSE_JSON_READ_H
#define LMCHOOSE_JSON_READ_H

#include <stddef.h>

#include "lmchoose/arena.h"
#include "lmchoose/diag.h"

/* One entry of LiteLLM's model_prices_and_context_window.json. Absent
 * numbers are NAN, absent booleans -1. */
struct lm_litellm_entry {
    const char *key;      /* e.g. "eu.anthropic.claude-3-5-sonnet-20240620-v1:0" */
    const char *provider; /* litellm_provider, or NULL */
    const char *mode;     /* "chat", "embedding", …, or NULL */
    double input_cost_per_token, output_cost_per_token;
    double max_input_tokens, max_tokens;
    int supports_vision, supports_audio_input, supports_video_input;
    unsigned line, col; /* of the key in the file */
    int invalid;        /* a chat entry with a value of the wrong type or
                           out of range (warned about; not imported) */
};

/* Parses a LiteLLM price map: a JSON object whose members are entries.
 * Entries whose mode is not "chat" are returned with only key, provider and
 * mode. A value of the wrong type or out of range in a chat entry is a
 * warning at the entry and marks it invalid; a syntax error, or a document
 * that is not an object, is an error. Strings live in arena.
 * Returns an lm_status. */
int lm__litellm_read(const char *file, const char *buf, size_t len, struct lm_arena *arena,
                     struct lm_diags *diags, struct lm_litellm_entry **entries, size_t *n);

/* The fields of a Hugging Face config.json the importer uses. Absent numbers
 * are NAN, absent booleans -1, absent strings NULL. */
struct lm_hf_config {
    const char *model_type, *torch_dtype, *name_or_path;
    double layers, hidden, heads, kv_heads, head_dim, vocab, intermediate, context;
    double sliding_window, experts, experts_per_token;
    int tied, attention_bias, mlp_bias, use_sliding_window;
};

/* Parses config.json. A field of the wrong type is an error at the file
 * (LM_ESCHEMA); numbers must be finite whole numbers in [0, 1e9]. */
int lm__hf_config_read(const char *file, const char *buf, size_t len, struct lm_arena *arena,
                       struct lm_diags *diags, struct lm_hf_config *out);

/* model.safetensors.index.json: metadata.total_size (bytes). */
int lm__st_index_read(const char *file, const char *buf, size_t len, struct lm_diags *diags,
                      double *total_size);

/* The JSON header of a .safetensors file (the bytes after its 8-byte length):
 * the parameter count (the product of each tensor's shape, summed) and, when
 * every tensor has the same dtype, that dtype (else "mixed"). */
int lm__st_header_read(const char *file, const char *buf, size_t len, struct lm_diags *diags,
                       double *params, char dtype[16]);

#endif
