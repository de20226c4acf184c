/*
 * `lmchoose import gguf FILE`: a model profile from a GGUF file's header
 * (gguf_read.h, docs/import.md "gguf"). The weights size written to `files`
 * is the sum of the tensors' byte sizes by ggml type, exact for that file;
 * `estimate` then uses it instead of the bits-per-weight formula.
 */
#include "import/import.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/gguf_read.h"
#include "lmchoose/status.h"
#include "util/strutil.h"

/* general.file_type (enum llama_ftype, ggml-org/llama.cpp include/llama.h)
 * to lmchoose quantization ids; other file types have no quantization in
 * the catalog yet and get no `files` entry. */
static const struct { int64_t ftype; const char *quant, *llama_name; } ftypes[] = {
    { 0, NULL, "ALL_F32" },          { 1, "f16", "MOSTLY_F16" },
    { 2, "q4_0", "MOSTLY_Q4_0" },    { 3, NULL, "MOSTLY_Q4_1" },
    { 7, "q8_0", "MOSTLY_Q8_0" },    { 8, NULL, "MOSTLY_Q5_0" },
    { 9, NULL, "MOSTLY_Q5_1" },      { 10, "q2_k", "MOSTLY_Q2_K" },
    { 11, NULL, "MOSTLY_Q3_K_S" },   { 12, "q3_k_m", "MOSTLY_Q3_K_M" },
    { 13, NULL, "MOSTLY_Q3_K_L" },   { 14, NULL, "MOSTLY_Q4_K_S" },
    { 15, "q4_k_m", "MOSTLY_Q4_K_M" }, { 16, NULL, "MOSTLY_Q5_K_S" },
    { 17, "q5_k_m", "MOSTLY_Q5_K_M" }, { 18, "q6_k", "MOSTLY_Q6_K" },
    { 30, "iq4_xs", "MOSTLY_IQ4_XS" }, { 32, "bf16", "MOSTLY_BF16" },
};


/* A YAML double-quoted scalar: only printable ASCII kept, quotes and
 * backslashes escaped. */
static void put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p >= 0x20 && *p < 0x7f)
            fputc(*p, f);
        else
            fprintf(f, "\\x%02x", *p);
    }
    fputc('"', f);
}

static void put_comment_text(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        fputc(*p >= 0x20 && *p < 0x7f ? *p : '?', f);
}

static const char *quant_of(int64_t ftype, const char **llama_name)
{
    *llama_name = NULL;
    for (size_t i = 0; i < sizeof(ftypes) / sizeof(ftypes[0]); i++)
        if (ftypes[i].ftype == ftype) {
            *llama_name = ftypes[i].llama_name;
            return ftypes[i].quant;
        }
    return NULL;
}

static int has_tensor(const struct lm_gguf *g, const char *name)
{
    for (uint64_t i = 0; i < g->ntensors; i++)
        if (strcmp(g->tensors[i].name, name) == 0)
            return 1;
    return 0;
}

static int64_t vocab_of(const struct lm_gguf *g)
{
    if (g->vocab > 0)
        return g->vocab;
    for (uint64_t i = 0; i < g->ntensors; i++)
        if (strcmp(g->tensors[i].name, "token_embd.weight") == 0 && g->tensors[i].ndims == 2)
            return (int64_t)g->tensors[i].dims[1];
    return -1;
}

/* One architecture field when present and in DESIGN §3.1's range. */
static void arch_line(FILE *f, const char *key, int64_t v, const char *arch, const char *src)
{
    if (v >= 1 && v <= 1000000)
        fprintf(f, "  %s: %lld  # [1] %s%s\n", key, (long long)v, src[0] == '.' ? arch : "", src);
}

int lm_import_gguf(const struct lm_catalog *cat, const char *path, const char *display,
                   const char *name, const char *id_opt, const char *date,
                   const struct lm_limits *limits, struct lm_diags *diags,
                   struct lm_import_result *res)
{
    (void)limits;
    memset(res, 0, sizeof(*res));
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        struct lm_loc loc = { display, 0, 0 };
        return lm_diag_error(diags, LM_EIO, &loc, "cannot read: %s", "no such file or unreadable");
    }
    struct lm_arena arena = LM_ARENA_INIT;
    struct lm_gguf g;
    int rc = lm__gguf_read(f, display, &arena, diags, &g);
    fclose(f);
    if (rc != LM_OK) {
        lm_arena_release(&arena);
        return rc;
    }
    const char *arch = g.architecture ? g.architecture : "?";
    char id[128];
    lm__id_from_name(id_opt ? id_opt : g.name ? g.name : g.basename ? g.basename : name, 0, id,
                     sizeof(id));
    if (id_opt != NULL && strcmp(id, id_opt) != 0) {
        lm_arena_release(&arena);
        return lm_diag_error(diags, LM_EUSAGE, NULL,
                             "--id '%s' is not a valid id ([a-z0-9][a-z0-9._-]*)", id_opt);
    }
    if (id[0] == '\0')
        snprintf(id, sizeof(id), "imported-gguf");
    const struct lm_model *known = lm_catalog_model(cat, id);
    const char *llama_name;
    const char *quant = quant_of(g.file_type, &llama_name);
    if (quant != NULL && lm_catalog_quant(cat, quant) == NULL)
        quant = NULL;
    int64_t vocab = vocab_of(&g);
    int tied = !has_tensor(&g, "output.weight");

    char *text = NULL, *sum = NULL;
    size_t len = 0, sumlen = 0;
    FILE *o = open_memstream(&text, &len);
    FILE *s = open_memstream(&sum, &sumlen);
    if (o == NULL || s == NULL) {
        if (o)
            fclose(o);
        if (s)
            fclose(s);
        free(text);
        free(sum);
        lm_arena_release(&arena);
        return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
    }
    fprintf(o, "# imported from ");
    put_comment_text(o, name);
    fprintf(o, " on %s by lmchoose import gguf\n", date);

    /* The summary: what was read, and the weights formula with its terms. */
    fprintf(s, "GGUF v%u, %llu bytes, %llu tensors, architecture %s", g.version,
            (unsigned long long)g.file_size, (unsigned long long)g.ntensors, arch);
    if (g.file_type >= 0)
        fprintf(s, ", general.file_type %lld (LLAMA_FTYPE_%s)", (long long)g.file_type,
                llama_name ? llama_name : "unknown");
    fprintf(s, "\nweights bytes = sum over tensors of ne[0] / block_size x bytes_per_block x "
               "ne[1] x ne[2] x ne[3]:\n");
    for (unsigned t = 0; t < 64; t++)
        if (g.tensors_by_type[t] > 0)
            fprintf(s, "  %-8s %6llu tensors  %15llu bytes  (%u weights per %u-byte block)\n",
                    lm_ggml_types[t].name, (unsigned long long)g.tensors_by_type[t],
                    (unsigned long long)g.bytes_by_type[t], lm_ggml_types[t].block,
                    lm_ggml_types[t].block_bytes);
    fprintf(s, "  total    %6llu tensors  %15llu bytes = %.3f GiB; %llu parameters\n",
            (unsigned long long)g.ntensors, (unsigned long long)g.weight_bytes,
            (double)g.weight_bytes / 1073741824.0, (unsigned long long)g.elements);

    if (known != NULL) {
        fprintf(o, "# A partial override (docs/profiles.md): the exact weights size of this\n"
                   "# file for %s; every other field comes from the lower layers.\n"
                   "id: %s\n", id, id);
        if (known->arch.present && g.block_count > 0 && known->arch.layers != (double)g.block_count) {
            struct lm_loc loc = { display, 0, 0 };
            lm_diag_warning(diags, &loc, "%s.block_count is %lld but model '%s' has %g layers: "
                            "is this file that model?", arch, (long long)g.block_count, id,
                            known->arch.layers);
        }
    } else {
        fprintf(o, "id: %s\nname: ", id);
        put_quoted(o, g.name ? g.name : id);
        fprintf(o, "  # [1] general.name\n");
        if (g.architecture) {
            fprintf(o, "family: ");
            put_quoted(o, g.architecture);
            fprintf(o, "  # [1] general.architecture\n");
        }
        if (g.elements > 0 && (double)g.elements / 1e9 <= 10000)
            fprintf(o, "params_b: %.10g  # [1] %llu parameters: the tensors' element counts, "
                       "summed\n", (double)g.elements / 1e9, (unsigned long long)g.elements);
        if (g.block_count > 0 && g.embedding_length > 0 && g.head_count > 0 && vocab > 0 &&
            g.block_count <= 1000000 && g.embedding_length <= 1000000 &&
            g.head_count <= 1000000 && vocab <= 1000000) {
            fprintf(o, "architecture:\n");
            arch_line(o, "layers", g.block_count, arch, ".block_count");
            arch_line(o, "hidden", g.embedding_length, arch, ".embedding_length");
            arch_line(o, "attention_heads", g.head_count, arch, ".attention.head_count");
            if (g.head_count_kv > 0 && g.head_count % g.head_count_kv == 0)
                arch_line(o, "kv_heads", g.head_count_kv, arch, ".attention.head_count_kv");
            arch_line(o, "head_dim", g.key_length, arch, ".attention.key_length");
            arch_line(o, "vocab", vocab, arch,
                      g.vocab > 0 ? "tokenizer.ggml.tokens (entries)" : "token_embd.weight ne[1]");
            fprintf(o, "  tied_embeddings: %s  # [1] %s\n", tied ? "true" : "false",
                    tied ? "no output.weight tensor" : "an output.weight tensor");
            arch_line(o, "sliding_window", g.sliding_window, arch, ".attention.sliding_window");
            arch_line(o, "intermediate_size", g.feed_forward_length, arch, ".feed_forward_length");
            arch_line(o, "experts", g.expert_count, arch, ".expert_count");
            arch_line(o, "experts_per_token", g.expert_used_count, arch, ".expert_used_count");
        } else {
            fprintf(s, "no architecture block: the header lacks %s.block_count, "
                       "embedding_length, attention.head_count or a vocabulary\n", arch);
        }
        if (g.context_length >= 1 && g.context_length <= 100000000) {
            fprintf(o, "context_tokens: %lld  # [1] %s.context_length\n",
                    (long long)g.context_length, arch);
        } else {
            struct lm_loc loc = { display, 0, 0 };
            fclose(o);
            fclose(s);
            free(text);
            free(sum);
            lm_arena_release(&arena);
            return lm_diag_error(diags, LM_ESCHEMA, &loc,
                                 "no %s.context_length in the header: a model profile needs "
                                 "context_tokens", arch);
        }
        fprintf(o, "open_weights: true  # [1] the weights are in the file\n");
        if (g.license) {
            fprintf(o, "license: ");
            put_quoted(o, g.license);
            fprintf(o, "  # [1] general.license\n");
        }
    }
    if (quant != NULL) {
        fprintf(o, "files:\n  %s: %llu  # [1] tensor bytes by ggml type, summed (LLAMA_FTYPE_%s); "
                   "the file is %llu bytes\n", quant, (unsigned long long)g.weight_bytes,
                llama_name, (unsigned long long)g.file_size);
    } else {
        fprintf(s, "no files entry: general.file_type %lld (LLAMA_FTYPE_%s) has no quantization "
                   "in the catalog\n", (long long)g.file_type, llama_name ? llama_name : "unknown");
    }
    fprintf(o, "sources:\n  - \"[1] ");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\')
            fputc(*p, o);
    fprintf(o, " (GGUF v%u, %llu bytes): header read by lmchoose import gguf on %s\"\n",
            g.version, (unsigned long long)g.file_size, date);
    int bad = fclose(o) != 0;
    bad |= fclose(s) != 0;
    lm_arena_release(&arena);
    if (bad) {
        free(text);
        free(sum);
        return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
    }
    res->summary = sum;
    res->files = malloc(sizeof(*res->files));
    char *fname = malloc(strlen(id) + 16);
    if (res->files == NULL || fname == NULL) {
        free(fname);
        free(text);
        return lm_diag_error(diags, LM_ENOMEM, NULL, "out of memory");
    }
    snprintf(fname, strlen(id) + 16, "models/%s.yaml", id);
    res->files[0].name = fname;
    res->files[0].text = text;
    res->files[0].len = len;
    res->nfiles = 1;
    return LM_OK;
}
