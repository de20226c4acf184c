/*
 * The importers behind `lmchoose import` (docs/import.md): each turns a
 * foreign file into profile YAML, in memory, and the command writes it.
 *
 * Imported layer files start with a header line
 *     # imported from NAME on YYYY-MM-DD by lmchoose import KIND
 * which the catalog loader reads for the staleness warning (catalog.c:
 * a layer holding a file imported more than 90 days ago warns when it
 * loads).
 */
#ifndef LMCHOOSE_IMPORT_H
#define LMCHOOSE_IMPORT_H

#include <stddef.h>

#include "lmchoose/catalog.h"
#include "lmchoose/diag.h"
#include "lmchoose/limits.h"

/* One file to write, relative to the output directory. */
struct lm_import_file {
    char *name; /* "models/ID.yaml", "unmatched.txt" */
    char *text;
    size_t len;
};

struct lm_import_result {
    struct lm_import_file *files;
    size_t nfiles;
    char *summary; /* what the command prints on stdout */
};

/* LiteLLM's model_prices_and_context_window.json: every chat offer with a
 * per-token price is matched to a catalog model by id or alias (after the
 * key's provider path, region prefix and vendor namespace are removed,
 * compared case-insensitively); matched offers become partial-override
 * files models/ID.yaml holding the model's `api` offers; unmatched ones are
 * listed in unmatched.txt, never guessed; with all_offers, each unmatched
 * offer with a context length also becomes an API-only profile of its own
 * (id from the key, no quality). name is the input's file name
 * (for the header), date YYYY-MM-DD. Returns an lm_status. */
int lm_import_litellm(const struct lm_catalog *cat, const char *display, const char *name,
                      const char *buf, size_t len, const char *date, int all_offers,
                      struct lm_diags *diags, struct lm_import_result *res);

/* A GGUF file (path on disk; display and name for messages and the header):
 * a model profile models/ID.yaml with the architecture from the header and
 * `files: {QUANT: weights bytes}`, the tensor bytes summed by ggml type. ID
 * is id_opt, else general.name made an id. When the catalog has ID, the file
 * is a partial override holding only `files` and `sources`. The summary
 * shows the tensors by type and the formula. Returns an lm_status. */
int lm_import_gguf(const struct lm_catalog *cat, const char *path, const char *display,
                   const char *name, const char *id_opt, const char *date,
                   const struct lm_limits *limits, struct lm_diags *diags,
                   struct lm_import_result *res);

/* A Hugging Face config.json, or a directory holding it (and optionally
 * model.safetensors or model.safetensors.index.json for an exact parameter
 * count): a model profile models/ID.yaml with the architecture, params_b
 * (and active_params_b for MoE) and context. The summary shows the
 * parameter formula term by term. Returns an lm_status. */
int lm_import_hf_config(const struct lm_catalog *cat, const char *path, const char *id_opt,
                        const char *date, const struct lm_limits *limits,
                        struct lm_diags *diags, struct lm_import_result *res);

void lm_import_result_release(struct lm_import_result *res);

#endif
