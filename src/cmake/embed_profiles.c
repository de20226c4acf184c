/*
 * Build-time tool: compiles the shipped profiles into the binary (DESIGN
 * §3.1) as trees already parsed (issue 13). CMake builds it from the
 * loader's own sources (src/io/yaml_load.c and the util files it needs) and
 * runs it whenever a file under profiles/ changes:
 *
 *   embed_profiles [--quiet] PROFILES_DIR OUTPUT.c NAME...
 *
 * NAME is a path relative to PROFILES_DIR ("models/phi-4.yaml"). Each file
 * is parsed by lm__yaml_parse with the builtin limits (model/builtin.h),
 * under the name a run gives it ("<builtin>/models/phi-4.yaml"), and its
 * tree is written as constant tables (io/ypack.h): the nodes of every file
 * in one array, every scalar text once in one pool. So the tree a run thaws
 * is the tree the run would have parsed: same limits, same line and column
 * marks for `show` and <builtin>/FILE:LINE diagnostics. The YAML files stay
 * the source; the generated file lives in the build directory only.
 *
 * A file the loader rejects is written as its bytes and parsed at run time,
 * so its diagnostic is the one a run has always printed; the tool prints it
 * as a warning (not with --quiet, for test inputs rejected on purpose) and
 * succeeds. Exit 1 when a file cannot be read or the output
 * cannot be written, 2 on a usage error.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/ynode.h"
#include "io/ypack.h"
#include "lmchoose/status.h"
#include "model/builtin.h"
#include "util/fs.h"
#include "util/strutil.h"

/* Growable byte buffer. */
struct bytes {
    char *p;
    size_t n, cap;
};

static void *xrealloc(void *p, size_t size)
{
    void *q = realloc(p, size ? size : 1);
    if (q == NULL) {
        fprintf(stderr, "embed_profiles: out of memory\n");
        exit(1);
    }
    return q;
}

static void bytes_put(struct bytes *b, const char *s, size_t len)
{
    if (b->cap - b->n < len) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap - b->n < len)
            cap *= 2;
        b->p = xrealloc(b->p, cap);
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
}

/* Every node of every file, and the text pool. */
struct tables {
    struct lm_ypack_node *nodes;
    size_t n, cap;
    struct bytes pool;
    struct lm_strset texts; /* text -> its offset in the pool */
};

static uint32_t u32(size_t v, const char *what)
{
    if (v > UINT32_MAX) {
        fprintf(stderr, "embed_profiles: %s %zu does not fit the tables\n", what, v);
        exit(1);
    }
    return (uint32_t)v;
}

/* The pool offset of text, added once however many nodes hold it. The set
 * keeps pointers to the texts, which live in the arena until the end. */
static uint32_t pool_offset(struct tables *t, const char *text, size_t len)
{
    size_t off = t->pool.n;
    size_t had = lm__strset_put(&t->texts, text, off);
    if (had == LM_STRSET_NOMEM) {
        fprintf(stderr, "embed_profiles: out of memory\n");
        exit(1);
    }
    if (had != LM_STRSET_NONE)
        return u32(had, "pool offset");
    bytes_put(&t->pool, text, len + 1); /* with its NUL */
    return u32(off, "pool offset");
}

static size_t child_count(const struct lm_ynode *n)
{
    return n->kind == LM_Y_SCALAR ? 0 : n->kind == LM_Y_MAP ? 2 * n->n : n->n;
}

/* Appends root's tree to the tables, breadth first, so that each
 * collection's children get consecutive numbers. Returns the node count. */
static size_t freeze(struct tables *t, const struct lm_ynode *root)
{
    const struct lm_ynode **order = xrealloc(NULL, sizeof(*order));
    size_t count = 1, cap = 1;
    order[0] = root;
    for (size_t i = 0; i < count; i++) {
        const struct lm_ynode *n = order[i];
        size_t kids = child_count(n);
        struct lm_ypack_node p;
        memset(&p, 0, sizeof(p));
        p.kind = (uint8_t)n->kind;
        p.line = n->line;
        p.col = n->col;
        if (n->kind == LM_Y_SCALAR) {
            p.text = pool_offset(t, n->text, n->len);
            p.len = u32(n->len, "scalar length");
            p.style = (uint8_t)n->style;
            p.quoted = (uint8_t)(n->quoted != 0);
        } else {
            p.len = u32(n->n, "collection size");
            p.first = u32(kids ? count : 0, "node index");
        }
        if (count + kids > cap) {
            while (count + kids > cap)
                cap *= 2;
            order = xrealloc(order, cap * sizeof(*order));
        }
        for (size_t k = 0; k < kids; k++)
            order[count++] = n->items[k];
        if (t->n == t->cap) {
            t->cap = t->cap ? t->cap * 2 : 4096;
            t->nodes = xrealloc(t->nodes, t->cap * sizeof(*t->nodes));
        }
        t->nodes[t->n++] = p;
    }
    free(order);
    return count;
}

struct file {
    const char *name;
    size_t first, count; /* its nodes in the tables; count 0: not parsed */
    char *data;          /* the bytes, when not parsed */
    size_t size;
};

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const struct file *)a)->name, ((const struct file *)b)->name);
}

/* Writes bytes as a C initializer, 20 to a line. */
static void put_byte_list(FILE *out, const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++)
        fprintf(out, "%u,%s", (unsigned)(unsigned char)s[i], i % 20 == 19 ? "\n" : "");
    fputs("0", out); /* the NUL after the last byte, never empty */
}

static int write_output(FILE *out, const struct tables *t, const struct file *files,
                        size_t nfiles)
{
    size_t parsed = 0, raw = 0;
    for (size_t i = 0; i < nfiles; i++) {
        if (files[i].count != 0)
            parsed++;
        else
            raw++;
    }
    fprintf(out, "/* Generated by src/cmake/embed_profiles.c from profiles/. Do not edit.\n"
                 " * %zu files: %zu parsed into %zu nodes with %zu bytes of text, %zu as bytes. */\n",
            nfiles, parsed, t->n, t->pool.n, raw);
    fputs("#include \"model/builtin.h\"\n\n", out);
    fputs("static const unsigned char pool[] = {\n", out);
    put_byte_list(out, t->pool.p, t->pool.n);
    fputs("};\n\n", out);
    /* An empty array is not C: one unused node when nothing parsed. */
    fputs("/* text, len, first, line, col, kind, style, quoted */\n", out);
    fputs("static const struct lm_ypack_node nodes[] = {\n", out);
    size_t next_file = 0;
    for (size_t i = 0; i < t->n; i++) {
        while (next_file < nfiles && (files[next_file].count == 0 || files[next_file].first < i))
            next_file++;
        if (next_file < nfiles && files[next_file].first == i)
            fprintf(out, "/* %s */\n", files[next_file].name);
        const struct lm_ypack_node *p = &t->nodes[i];
        fprintf(out, "{%u,%u,%u,%u,%u,%u,%u,%u},\n", p->text, p->len, p->first, p->line,
                p->col, p->kind, p->style, p->quoted);
    }
    if (t->n == 0)
        fputs("{0,0,0,0,0,0,0,0}\n", out);
    fputs("};\n\n", out);
    for (size_t i = 0; i < nfiles; i++) {
        if (files[i].count != 0)
            continue;
        fprintf(out, "/* %s: not parsed at build time */\nstatic const unsigned char raw_%zu[] = {\n",
                files[i].name, i);
        put_byte_list(out, files[i].data, files[i].size);
        fputs("};\n", out);
    }
    fputs("\nconst struct lm_builtin_file lm_builtin_files[] = {\n", out);
    for (size_t i = 0; i < nfiles; i++) {
        if (files[i].count != 0)
            fprintf(out, "    { \"%s\", NULL, 0, { nodes + %zu, %zu, (const char *)pool } },\n", files[i].name,
                    files[i].first, files[i].count);
        else
            fprintf(out, "    { \"%s\", (const char *)raw_%zu, %zu, { NULL, 0, NULL } },\n", files[i].name, i,
                    files[i].size);
    }
    if (nfiles == 0)
        fputs("    { \"\", NULL, 0, { NULL, 0, NULL } },\n", out);
    fprintf(out, "};\nconst size_t lm_builtin_count = %zu;\n", nfiles);
    return ferror(out) ? -1 : 0;
}

/* A name is written into C string literals: only the characters of a path
 * that need no escape. */
static int plain_name(const char *s)
{
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("/._-+", *s) != NULL))
            return 0;
    return 1;
}

int main(int argc, char **argv)
{
    int quiet = argc > 1 && strcmp(argv[1], "--quiet") == 0;
    argv += quiet;
    argc -= quiet;
    if (argc < 3) {
        fprintf(stderr, "usage: embed_profiles [--quiet] PROFILES_DIR OUTPUT.c NAME...\n");
        return 2;
    }
    const char *dir = argv[1], *output = argv[2];
    size_t nfiles = (size_t)(argc - 3);
    struct file *files = xrealloc(NULL, (nfiles ? nfiles : 1) * sizeof(*files));
    for (size_t i = 0; i < nfiles; i++) {
        memset(&files[i], 0, sizeof(files[i]));
        files[i].name = argv[3 + i];
        if (!plain_name(files[i].name)) {
            fprintf(stderr, "embed_profiles: unsupported character in file name '%s'\n",
                    files[i].name);
            return 2;
        }
    }
    /* lm__builtin_find bisects the table. */
    qsort(files, nfiles, sizeof(*files), cmp_name);

    struct lm_arena arena = LM_ARENA_INIT;
    struct tables t;
    memset(&t, 0, sizeof(t));
    struct lm_limits limits = LM_BUILTIN_LIMITS;
    int failed = 0;
    for (size_t i = 0; i < nfiles && !failed; i++) {
        struct file *f = &files[i];
        char path[4096], origin[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, f->name);
        snprintf(origin, sizeof(origin), "<builtin>/%s", f->name);
        struct lm_diags diags = LM_DIAGS_INIT;
        if (lm__read_input(path, path, limits.max_input_size, &diags, &f->data, &f->size) != LM_OK) {
            lm_diags_print(&diags, stderr);
            failed = 1;
        } else {
            struct lm_ynode *root;
            if (lm__yaml_parse(&arena, origin, f->data, f->size, &limits, &diags, &root) == LM_OK) {
                f->first = t.n;
                f->count = freeze(&t, root);
            } else if (!quiet) {
                fprintf(stderr, "embed_profiles: warning: %s is embedded as text; every run "
                                "will report:\n", f->name);
                lm_diags_print(&diags, stderr);
            }
        }
        lm_diags_release(&diags);
    }
    int rc = 1;
    if (!failed) {
        char tmp[4096];
        snprintf(tmp, sizeof(tmp), "%s.tmp", output);
        FILE *out = fopen(tmp, "w");
        if (out == NULL) {
            fprintf(stderr, "embed_profiles: cannot write %s: %s\n", tmp, strerror(errno));
        } else {
            int wrc = write_output(out, &t, files, nfiles);
            if (fclose(out) != 0 || wrc != 0 || rename(tmp, output) != 0) {
                fprintf(stderr, "embed_profiles: cannot write %s: %s\n", output, strerror(errno));
                remove(tmp);
            } else {
                rc = 0;
            }
        }
    }
    for (size_t i = 0; i < nfiles; i++)
        free(files[i].data);
    free(files);
    free(t.nodes);
    free(t.pool.p);
    lm__strset_release(&t.texts);
    lm_arena_release(&arena);
    return rc;
}
