/*
 * GGUF header reader (gguf_read.h). Layout, from ggml-org/ggml docs/gguf.md:
 *
 *   magic "GGUF", u32 version, u64 tensor_count, u64 metadata_kv_count,
 *   metadata_kv_count × (string key, u32 value_type, value),
 *   tensor_count × (string name, u32 n_dims, n_dims × u64 ne, u32 ggml_type,
 *                   u64 offset),
 *   padding to general.alignment (default 32), tensor data.
 *
 * A string is a u64 length and that many bytes (no NUL). Everything is
 * little-endian. Value types: 0 u8, 1 i8, 2 u16, 3 i16, 4 u32, 5 i32, 6 f32,
 * 7 bool, 8 string, 9 array (u32 type, u64 count, values), 10 u64, 11 i64,
 * 12 f64.
 *
 * Tensor bytes: ne[0] must be a multiple of the type's block size; bytes =
 * ne[0] / block × block_bytes × ne[1] × ne[2] × ne[3] (ggml_row_size times
 * the rows, ggml/src/ggml.c).
 */
#include "io/gguf_read.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "lmchoose/status.h"

/* ggml_type ids, block sizes and bytes per block. Ids and names:
 * ggml-org/llama.cpp ggml/include/ggml.h @37b53fd (enum ggml_type; 4, 5,
 * 31-33 and 36-38 are removed types). Block layouts: ggml/src/ggml-common.h
 * @01243c58 (the static_asserts on each block_* struct): QK4_0 = QK8_0 = 32,
 * QK_K = 256, ggml_half = 2 bytes. */
const struct lm_ggml_type lm_ggml_types[] = {
    [0] = { "f32", 1, 4 },
    [1] = { "f16", 1, 2 },
    [2] = { "q4_0", 32, 18 },      /* half d + 16 */
    [3] = { "q4_1", 32, 20 },      /* 2 half + 16 */
    [6] = { "q5_0", 32, 22 },      /* half + u32 qh + 16 */
    [7] = { "q5_1", 32, 24 },
    [8] = { "q8_0", 32, 34 },      /* half + 32 */
    [9] = { "q8_1", 32, 36 },
    [10] = { "q2_K", 256, 84 },    /* 2 half + 16 + 64 */
    [11] = { "q3_K", 256, 110 },   /* half + 64 + 32 + 12 */
    [12] = { "q4_K", 256, 144 },   /* 2 half + 12 + 128 */
    [13] = { "q5_K", 256, 176 },   /* 2 half + 12 + 128 + 32 */
    [14] = { "q6_K", 256, 210 },   /* half + 16 + 192 */
    [15] = { "q8_K", 256, 292 },   /* float + 256 + 16 × i16 */
    [16] = { "iq2_xxs", 256, 66 }, /* half + 32 × u16 */
    [17] = { "iq2_xs", 256, 74 },  /* half + 32 × u16 + 8 */
    [18] = { "iq3_xxs", 256, 98 }, /* half + 96 */
    [19] = { "iq1_s", 256, 50 },   /* half + 32 + 16 */
    [20] = { "iq4_nl", 32, 18 },   /* half + 16 */
    [21] = { "iq3_s", 256, 110 },  /* half + 13 × 8 + 4 */
    [22] = { "iq2_s", 256, 82 },   /* half + 64 + 16 */
    [23] = { "iq4_xs", 256, 136 }, /* half + u16 + 4 + 128 */
    [24] = { "i8", 1, 1 },
    [25] = { "i16", 1, 2 },
    [26] = { "i32", 1, 4 },
    [27] = { "i64", 1, 8 },
    [28] = { "f64", 1, 8 },
    [29] = { "iq1_m", 256, 56 },   /* 32 + 16 + 8 */
    [30] = { "bf16", 1, 2 },
    [34] = { "tq1_0", 256, 54 },   /* half + 4 + 48 */
    [35] = { "tq2_0", 256, 66 },   /* half + 64 */
    [39] = { "mxfp4", 32, 17 },    /* u8 e + 16 */
    [40] = { "nvfp4", 64, 36 },    /* 4 + 32 */
    [41] = { "q1_0", 128, 18 },    /* half + 16 */
    [42] = { "q2_0", 64, 18 },     /* half + 16 */
};
const unsigned lm_ggml_ntypes = sizeof(lm_ggml_types) / sizeof(lm_ggml_types[0]);

struct cursor {
    FILE *f;
    uint64_t pos, size;
    const char *file;
    struct lm_diags *diags;
    int rc; /* first error */
};

/* Every message has one %s (what) and one %llu (a number), in either role. */
static int fail(struct cursor *c, int code, const char *fmt, ...) LM_PRINTF(3, 4);

static int fail(struct cursor *c, int code, const char *fmt, ...)
{
    if (c->rc == LM_OK) {
        struct lm_loc loc = { c->file, 0, 0 };
        char msg[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        lm_diag_error(c->diags, code, &loc, "GGUF at byte %llu: %s",
                      (unsigned long long)c->pos, msg);
        c->rc = code;
    }
    return -1;
}

static int read_bytes(struct cursor *c, void *dst, uint64_t n, const char *what)
{
    if (c->rc != LM_OK)
        return -1;
    if (n > c->size - c->pos)
        return fail(c, LM_ESYNTAX, "truncated: %s needs %llu more bytes than the file has",
                    what, (unsigned long long)(n - (c->size - c->pos)));
    if (n > 0 && fread(dst, 1, (size_t)n, c->f) != (size_t)n)
        return fail(c, LM_EIO, "cannot read %s (%llu bytes)", what, (unsigned long long)(n));
    c->pos += n;
    return 0;
}

/* Skips n bytes by seeking: tensor data and unneeded values are never read. */
static int skip(struct cursor *c, uint64_t n, const char *what)
{
    if (c->rc != LM_OK)
        return -1;
    if (n > c->size - c->pos)
        return fail(c, LM_ESYNTAX, "truncated: %s needs %llu more bytes than the file has",
                    what, (unsigned long long)(n - (c->size - c->pos)));
    if (n > 0 && fseeko(c->f, (off_t)(c->pos + n), SEEK_SET) != 0)
        return fail(c, LM_EIO, "cannot seek past %s (%llu bytes)", what, (unsigned long long)(n));
    c->pos += n;
    return 0;
}

static int u32(struct cursor *c, uint32_t *v, const char *what)
{
    unsigned char b[4];
    if (read_bytes(c, b, 4, what) != 0)
        return -1;
    *v = (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
    return 0;
}

static int u64(struct cursor *c, uint64_t *v, const char *what)
{
    unsigned char b[8];
    if (read_bytes(c, b, 8, what) != 0)
        return -1;
    *v = 0;
    for (int i = 7; i >= 0; i--)
        *v = *v << 8 | b[i];
    return 0;
}

/* A string: kept (NUL-terminated, in the arena) when keep is set and it is at
 * most cap bytes, else skipped. *out is NULL when skipped. */
static int string(struct cursor *c, struct lm_arena *A, int keep, uint64_t cap,
                  const char **out, const char *what)
{
    uint64_t n;
    *out = NULL;
    if (u64(c, &n, what) != 0)
        return -1;
    if (n > c->size - c->pos)
        return fail(c, LM_ESYNTAX, "truncated: %s of %llu bytes runs past the end", what,
                    (unsigned long long)(n));
    if (n > cap && keep)
        return fail(c, LM_ELIMIT, "%s longer than %llu bytes", what, (unsigned long long)(cap));
    if (!keep)
        return skip(c, n, what);
    char *s = lm_arena_alloc(A, (size_t)n + 1);
    if (s == NULL)
        return fail(c, LM_ENOMEM, "out of memory reading %s (%llu bytes)", what,
                    (unsigned long long)(n));
    if (read_bytes(c, s, n, what) != 0)
        return -1;
    s[n] = '\0';
    if (memchr(s, '\0', (size_t)n) != NULL)
        return fail(c, LM_ESYNTAX, "%s holds a NUL byte%.0llu", what, (unsigned long long)(0));
    *out = s;
    return 0;
}

/* Bytes of one scalar value of type t (not string or array), or 0. */
static unsigned scalar_size(uint32_t t)
{
    static const unsigned sizes[13] = { 1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8 };
    return t < 13 ? sizes[t] : 0;
}

/* Reads an integer scalar of type t as int64 (unsigned 64-bit values above
 * INT64_MAX and non-integers give *ok = 0). */
static int int_value(struct cursor *c, uint32_t t, int64_t *v, int *ok)
{
    unsigned char b[8] = { 0 };
    unsigned n = scalar_size(t);
    *ok = 0;
    if (read_bytes(c, b, n, "a metadata value") != 0)
        return -1;
    uint64_t u = 0;
    for (int i = (int)n - 1; i >= 0; i--)
        u = u << 8 | b[i];
    switch (t) {
    case 0: case 2: case 4: case 10: /* unsigned */
        if (u > (uint64_t)INT64_MAX)
            return 0;
        *v = (int64_t)u;
        *ok = 1;
        return 0;
    case 1: *v = (int8_t)u; *ok = 1; return 0;
    case 3: *v = (int16_t)u; *ok = 1; return 0;
    case 5: *v = (int32_t)u; *ok = 1; return 0;
    case 11: *v = (int64_t)u; *ok = 1; return 0;
    default: return 0; /* float, bool: not an integer field */
    }
}

/* Skips one value of type t (arrays recursively, to a bounded depth);
 * *count receives an array's element count. */
static int skip_value(struct cursor *c, uint32_t t, int depth, uint64_t *count)
{
    if (t == 8) {
        uint64_t n;
        if (u64(c, &n, "a string value") != 0)
            return -1;
        return skip(c, n, "a string value");
    }
    if (t == 9) {
        uint32_t et;
        uint64_t n;
        if (depth >= LM_GGUF_MAX_ARRAY_DEPTH)
            return fail(c, LM_ELIMIT, "%s nested deeper than %llu", "arrays",
                        (unsigned long long)(LM_GGUF_MAX_ARRAY_DEPTH));
        if (u32(c, &et, "an array type") != 0 || u64(c, &n, "an array count") != 0)
            return -1;
        if (count != NULL)
            *count = n;
        if (et != 8 && et != 9) {
            unsigned sz = scalar_size(et);
            if (sz == 0)
                return fail(c, LM_ESYNTAX, "%s %llu is not a GGUF value type", "array element type",
                            (unsigned long long)(et));
            if (n > (c->size - c->pos) / sz)
                return fail(c, LM_ESYNTAX, "truncated: %s of %llu elements runs past the end",
                            "an array", (unsigned long long)(n));
            return skip(c, n * sz, "an array");
        }
        /* strings and arrays: at least 8 bytes each, so n is bounded by the
         * bytes left before the loop runs */
        if (n > (c->size - c->pos) / 8)
            return fail(c, LM_ESYNTAX, "truncated: %s of %llu elements runs past the end",
                        "an array", (unsigned long long)(n));
        for (uint64_t i = 0; i < n; i++)
            if (skip_value(c, et, depth + 1, NULL) != 0)
                return -1;
        return 0;
    }
    unsigned sz = scalar_size(t);
    if (sz == 0)
        return fail(c, LM_ESYNTAX, "%s %llu is not a GGUF value type", "value type",
                    (unsigned long long)(t));
    return skip(c, sz, "a metadata value");
}

/* The architecture-specific keys, read after general.architecture is known
 * (it comes first in files written by llama.cpp's gguf writer; when it does
 * not, keys are matched by suffix after the first '.'). */
static int64_t *arch_field(struct lm_gguf *g, const char *key)
{
    const char *dot = strchr(key, '.');
    if (dot == NULL || strncmp(key, "general.", 8) == 0 || strncmp(key, "tokenizer.", 10) == 0)
        return NULL;
    if (g->architecture != NULL &&
        (strncmp(key, g->architecture, (size_t)(dot - key)) != 0 ||
         strlen(g->architecture) != (size_t)(dot - key)))
        return NULL;
    const char *k = dot + 1;
    static const struct { const char *suffix; size_t off; } map[] = {
        { "block_count", offsetof(struct lm_gguf, block_count) },
        { "embedding_length", offsetof(struct lm_gguf, embedding_length) },
        { "attention.head_count", offsetof(struct lm_gguf, head_count) },
        { "attention.head_count_kv", offsetof(struct lm_gguf, head_count_kv) },
        { "attention.key_length", offsetof(struct lm_gguf, key_length) },
        { "context_length", offsetof(struct lm_gguf, context_length) },
        { "feed_forward_length", offsetof(struct lm_gguf, feed_forward_length) },
        { "expert_count", offsetof(struct lm_gguf, expert_count) },
        { "expert_used_count", offsetof(struct lm_gguf, expert_used_count) },
        { "attention.sliding_window", offsetof(struct lm_gguf, sliding_window) },
    };
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(k, map[i].suffix) == 0)
            return (int64_t *)(void *)((char *)g + map[i].off);
    return NULL;
}

static int read_kv(struct cursor *c, struct lm_arena *A, struct lm_gguf *g)
{
    const char *key;
    uint32_t t;
    if (string(c, A, 1, LM_GGUF_MAX_KEY, &key, "a metadata key") != 0 ||
        u32(c, &t, "a value type") != 0)
        return -1;
    const char **keep = NULL;
    if (strcmp(key, "general.architecture") == 0)
        keep = &g->architecture;
    else if (strcmp(key, "general.name") == 0)
        keep = &g->name;
    else if (strcmp(key, "general.basename") == 0)
        keep = &g->basename;
    else if (strcmp(key, "general.license") == 0)
        keep = &g->license;
    if (keep != NULL && t == 8)
        return string(c, A, 1, LM_GGUF_MAX_STRING, keep, key);
    if (strcmp(key, "tokenizer.ggml.tokens") == 0 && t == 9) {
        uint64_t n = 0;
        if (skip_value(c, t, 0, &n) != 0)
            return -1;
        g->vocab = n > (uint64_t)INT64_MAX ? -1 : (int64_t)n;
        return 0;
    }
    if (strcmp(key, "general.alignment") == 0 && t == 4) {
        uint32_t a;
        if (u32(c, &a, key) != 0)
            return -1;
        if (a == 0 || (a & (a - 1)) != 0 || a > 65536)
            return fail(c, LM_ESYNTAX, "%s %llu is not a power of two up to 65536",
                        "general.alignment", (unsigned long long)(a));
        g->alignment = a;
        return 0;
    }
    int64_t *field = strcmp(key, "general.file_type") == 0 ? &g->file_type : arch_field(g, key);
    if (field != NULL && t != 8 && t != 9 && scalar_size(t) != 0) {
        int64_t v;
        int ok;
        if (int_value(c, t, &v, &ok) != 0)
            return -1;
        *field = ok ? v : -1;
        return 0;
    }
    return skip_value(c, t, 0, NULL);
}

static int read_tensor(struct cursor *c, struct lm_arena *A, struct lm_gguf_tensor *tn)
{
    if (string(c, A, 1, LM_GGUF_MAX_KEY, &tn->name, "a tensor name") != 0 ||
        u32(c, &tn->ndims, "a tensor's n_dims") != 0)
        return -1;
    if (tn->ndims == 0 || tn->ndims > LM_GGUF_MAX_DIMS)
        return fail(c, LM_ESYNTAX, "tensor '%s' has %llu dimensions (1 to 4 allowed)", tn->name,
                    (unsigned long long)(tn->ndims));
    tn->elements = 1;
    for (uint32_t d = 0; d < tn->ndims; d++) {
        if (u64(c, &tn->dims[d], "a tensor dimension") != 0)
            return -1;
        if (tn->dims[d] == 0 || __builtin_mul_overflow(tn->elements, tn->dims[d], &tn->elements) ||
            tn->elements > (uint64_t)INT64_MAX)
            return fail(c, LM_ESYNTAX, "tensor '%s': dimension %llu is 0 or the element count "
                        "overflows", tn->name, (unsigned long long)(d));
    }
    if (u32(c, &tn->type, "a tensor type") != 0 || u64(c, &tn->offset, "a tensor offset") != 0)
        return -1;
    const struct lm_ggml_type *ty = tn->type < lm_ggml_ntypes ? &lm_ggml_types[tn->type] : NULL;
    if (ty == NULL || ty->name == NULL)
        return fail(c, LM_ESYNTAX, "tensor '%s': ggml type %llu is unknown or removed", tn->name,
                    (unsigned long long)(tn->type));
    if (tn->dims[0] % ty->block != 0)
        return fail(c, LM_ESYNTAX, "tensor '%s': the first dimension is not a multiple of the "
                    "type's block size (%llu)", tn->name, (unsigned long long)(ty->block));
    uint64_t rows = tn->elements / tn->dims[0];
    uint64_t row_bytes;
    if (__builtin_mul_overflow(tn->dims[0] / ty->block, (uint64_t)ty->block_bytes, &row_bytes) ||
        __builtin_mul_overflow(row_bytes, rows, &tn->bytes))
        return fail(c, LM_ESYNTAX, "tensor '%s': the byte size overflows%.0llu", tn->name,
                    (unsigned long long)(0));
    return 0;
}

int lm__gguf_read(FILE *f, const char *display, struct lm_arena *arena, struct lm_diags *diags,
                  struct lm_gguf *g)
{
    memset(g, 0, sizeof(*g));
    g->file_type = g->block_count = g->embedding_length = g->head_count = g->head_count_kv = -1;
    g->key_length = g->context_length = g->feed_forward_length = g->expert_count = -1;
    g->expert_used_count = g->sliding_window = g->vocab = -1;
    g->alignment = 32; /* GGUF_DEFAULT_ALIGNMENT */
    struct cursor c = { f, 0, 0, display, diags, LM_OK };
    if (fseeko(f, 0, SEEK_END) != 0) {
        struct lm_loc loc = { display, 0, 0 };
        return lm_diag_error(diags, LM_EIO, &loc, "cannot seek: %s", strerror(errno));
    }
    off_t end = ftello(f);
    if (end < 0 || fseeko(f, 0, SEEK_SET) != 0) {
        struct lm_loc loc = { display, 0, 0 };
        return lm_diag_error(diags, LM_EIO, &loc, "cannot seek: %s", strerror(errno));
    }
    c.size = (uint64_t)end;
    g->file_size = c.size;
    unsigned char magic[4];
    uint64_t nkv;
    if (read_bytes(&c, magic, 4, "the magic") != 0)
        return c.rc;
    if (memcmp(magic, "GGUF", 4) != 0) {
        c.pos = 0;
        fail(&c, LM_ESYNTAX, "%s: not a GGUF file (the first 4 bytes are not \"GGUF\")%.0llu",
             "bad magic", (unsigned long long)(0));
        return c.rc;
    }
    if (u32(&c, &g->version, "the version") != 0)
        return c.rc;
    if (g->version != 2 && g->version != 3) {
        fail(&c, LM_ESYNTAX, "%s %llu is not supported (2 and 3 are)", "GGUF version",
             (unsigned long long)(g->version));
        return c.rc;
    }
    if (u64(&c, &g->ntensors, "the tensor count") != 0 || u64(&c, &nkv, "the metadata count") != 0)
        return c.rc;
    if (nkv > LM_GGUF_MAX_KV) {
        fail(&c, LM_ELIMIT, "%s %llu exceeds the limit of 65536", "metadata count",
             (unsigned long long)(nkv));
        return c.rc;
    }
    if (g->ntensors > LM_GGUF_MAX_TENSORS) {
        fail(&c, LM_ELIMIT, "%s %llu exceeds the limit of 1048576", "tensor count",
             (unsigned long long)(g->ntensors));
        return c.rc;
    }
    for (uint64_t i = 0; i < nkv; i++)
        if (read_kv(&c, arena, g) != 0)
            return c.rc;
    /* each tensor info takes at least 8 + 4 + 8 + 4 + 8 bytes */
    if (g->ntensors > (c.size - c.pos) / 32) {
        fail(&c, LM_ESYNTAX, "truncated: %s %llu cannot fit in the rest of the file",
             "tensor count", (unsigned long long)(g->ntensors));
        return c.rc;
    }
    g->tensors = g->ntensors ? lm_arena_alloc(arena, (size_t)g->ntensors * sizeof(*g->tensors))
                             : NULL;
    if (g->ntensors && g->tensors == NULL) {
        fail(&c, LM_ENOMEM, "%s for %llu tensors", "out of memory",
             (unsigned long long)(g->ntensors));
        return c.rc;
    }
    for (uint64_t i = 0; i < g->ntensors; i++) {
        struct lm_gguf_tensor *tn = &g->tensors[i];
        if (read_tensor(&c, arena, tn) != 0)
            return c.rc;
        if (__builtin_add_overflow(g->weight_bytes, tn->bytes, &g->weight_bytes) ||
            __builtin_add_overflow(g->elements, tn->elements, &g->elements)) {
            fail(&c, LM_ESYNTAX, "%s: the total size overflows%.0llu", "tensors",
                 (unsigned long long)(0));
            return c.rc;
        }
        if (tn->type < 64) {
            g->bytes_by_type[tn->type] += tn->bytes;
            g->tensors_by_type[tn->type]++;
        }
    }
    /* The data section starts at the next multiple of the alignment; every
     * tensor must lie inside the file (nothing past the end is read, but a
     * file that claims more is truncated). */
    uint64_t pad = (g->alignment - c.pos % g->alignment) % g->alignment;
    g->data_start = c.pos + pad;
    for (uint64_t i = 0; i < g->ntensors; i++) {
        const struct lm_gguf_tensor *tn = &g->tensors[i];
        uint64_t endt;
        if (tn->offset % g->alignment != 0 ||
            __builtin_add_overflow(g->data_start, tn->offset, &endt) ||
            __builtin_add_overflow(endt, tn->bytes, &endt) || endt > c.size) {
            c.pos = g->data_start;
            fail(&c, LM_ESYNTAX, "tensor '%s' (offset %llu) is misaligned or runs past the end "
                 "of the file (truncated?)", tn->name, (unsigned long long)(tn->offset));
            return c.rc;
        }
    }
    /* Each tensor lies inside the file, but together they may not claim
     * more than the data section holds: tensors that overlap would make the
     * weights, which `import gguf` reports as the file's size, larger than
     * the file (found by fuzz_gguf). */
    if (g->ntensors > 0 && g->weight_bytes > c.size - g->data_start) {
        c.pos = g->data_start;
        fail(&c, LM_ESYNTAX, "the tensors claim %llu bytes but the data section holds %llu "
             "(overlapping tensors?)", (unsigned long long)(g->weight_bytes),
             (unsigned long long)(c.size - g->data_start));
        return c.rc;
    }
    return LM_OK;
}
