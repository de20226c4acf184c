/*
 * The embedded profiles parsed at build time (src/cmake/embed_profiles.c,
 * io/ypack.h, model/builtin.h): the table a program carries must give, for
 * every file of the directory it was generated from, exactly the tree
 * lm__yaml_parse builds from that file at run time (every kind, text,
 * length, style, line and column), and for a file the loader rejects, the
 * file's bytes and the same diagnostics as parsing it.
 *
 * Built twice from this source:
 *   test_embed          linked with lmchoose_core: the shipped profiles/,
 *                       every file of which must have been parsed at build
 *                       time (none may cost a libyaml parse per run);
 *   test_embed_inputs   linked with a table generated from tests/embed/input/
 *                       (quoted '#', block and flow scalars, CRLF, an empty
 *                       file, a NUL byte, a syntax error, a nested folder),
 *                       three files of which the loader rejects.
 * EMBED_DIR is the directory; EMBED_INPUTS is defined for the second.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "io/ynode.h"
#include "io/ypack.h"
#include "lmchoose/status.h"
#include "model/builtin.h"
#include "util/fs.h"

/* The files expected as bytes, NULL-terminated. */
#ifdef EMBED_INPUTS
static const char *const rejected[] = { "empty.yaml", "nul.yaml", "syntax-error.yaml", NULL };
#else
static const char *const rejected[] = { NULL };
#endif
#define NREJECTED (sizeof(rejected) / sizeof(rejected[0]) - 1)

static int is_rejected(const char *name)
{
    for (const char *const *r = rejected; *r != NULL; r++)
        if (strcmp(*r, name) == 0)
            return 1;
    return 0;
}

/* Node for node, what a reader of the tree can see. */
static int same_tree(const struct lm_ynode *a, const struct lm_ynode *b, const char *name)
{
    if (a->kind != b->kind || a->line != b->line || a->col != b->col || a->n != b->n ||
        a->quoted != b->quoted || a->style != b->style || a->len != b->len ||
        (a->text == NULL) != (b->text == NULL) || (a->items == NULL) != (b->items == NULL) ||
        a->file != NULL || b->file != NULL ||
        (a->text != NULL && (memcmp(a->text, b->text, a->len) != 0 || b->text[b->len] != '\0'))) {
        print_error("%s: node at %u:%u (kind %d, '%s') differs from %u:%u (kind %d, '%s')\n",
                    name, a->line, a->col, (int)a->kind, a->text ? a->text : "", b->line, b->col,
                    (int)b->kind, b->text ? b->text : "");
        return 0;
    }
    size_t kids = a->kind == LM_Y_MAP ? 2 * a->n : a->kind == LM_Y_SEQ ? a->n : 0;
    for (size_t i = 0; i < kids; i++)
        if (!same_tree(a->items[i], b->items[i], name))
            return 0;
    return 1;
}

static size_t count_nodes(const struct lm_ynode *n)
{
    size_t kids = n->kind == LM_Y_MAP ? 2 * n->n : n->kind == LM_Y_SEQ ? n->n : 0, c = 1;
    for (size_t i = 0; i < kids; i++)
        c += count_nodes(n->items[i]);
    return c;
}

static int same_diags(const struct lm_diags *a, const struct lm_diags *b)
{
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++) {
        const struct lm_diag *x = &a->items[i], *y = &b->items[i];
        if (x->code != y->code || x->line != y->line || x->col != y->col ||
            strcmp(x->msg, y->msg) != 0 || strcmp(x->file ? x->file : "", y->file ? y->file : "") != 0)
            return 0;
    }
    return 1;
}

static void test_every_file_is_its_parse(void **state)
{
    (void)state;
    size_t parsed = 0, raw = 0;
    assert_true(lm_builtin_count > 0);
    for (size_t i = 0; i < lm_builtin_count; i++) {
        const struct lm_builtin_file *f = &lm_builtin_files[i];
        char path[4096], origin[4096];
        snprintf(path, sizeof(path), "%s/%s", EMBED_DIR, f->name);
        snprintf(origin, sizeof(origin), "<builtin>/%s", f->name);
        struct lm_diags d = LM_DIAGS_INIT, dt = LM_DIAGS_INIT;
        char *buf;
        size_t len;
        assert_int_equal(lm__read_input(path, path, (size_t)-1, &d, &buf, &len), LM_OK);
        struct lm_arena arena = LM_ARENA_INIT;
        struct lm_limits big = lm__builtin_limits();
        struct lm_ynode *want = NULL, *got = NULL;
        int want_rc = lm__yaml_parse(&arena, origin, buf, len, &big, &d, &want);
        int got_rc = lm__builtin_tree(&arena, f, origin, &dt, &got);
        assert_int_equal(got_rc, want_rc);
        assert_true(same_diags(&d, &dt));
        if (want_rc == LM_OK) {
            parsed++;
            /* Parsed at build time: no bytes carried, the tree thawed. */
            if (f->tree.nodes == NULL || f->data != NULL) {
                print_error("%s: carried as bytes, but it parses\n", f->name);
                fail();
            }
            assert_false(is_rejected(f->name));
            assert_int_equal(f->tree.count, count_nodes(want));
            assert_true(same_tree(got, want, f->name));
        } else {
            raw++;
            /* Rejected: the file's bytes, so a run prints the diagnostics. */
            assert_null(f->tree.nodes);
            assert_non_null(f->data);
            assert_int_equal(f->size, len);
            assert_memory_equal(f->data, buf, len);
            assert_int_equal(f->data[len], '\0');
            assert_true(d.count > 0);
            if (!is_rejected(f->name)) {
                print_error("%s: rejected by the loader:\n", f->name);
                lm_diags_print(&d, stderr);
                fail();
            }
        }
        lm_arena_release(&arena);
        lm_diags_release(&d);
        lm_diags_release(&dt);
        free(buf);
    }
    assert_int_equal(raw, NREJECTED);
    assert_int_equal(parsed + raw, lm_builtin_count);
}

/* Two thaws of one file are separate trees: the catalog writes into the
 * nodes it is given (partial overrides stamp their file, catalog.c). */
static void test_thawed_trees_are_writable_copies(void **state)
{
    (void)state;
    const struct lm_builtin_file *f = NULL;
    for (size_t i = 0; i < lm_builtin_count && f == NULL; i++)
        if (lm_builtin_files[i].tree.nodes != NULL)
            f = &lm_builtin_files[i];
    assert_non_null(f);
    struct lm_arena arena = LM_ARENA_INIT;
    struct lm_ynode *a, *b;
    assert_int_equal(lm__ypack_unpack(&arena, &f->tree, &a), LM_OK);
    assert_int_equal(lm__ypack_unpack(&arena, &f->tree, &b), LM_OK);
    assert_ptr_not_equal(a, b);
    a->file = "elsewhere.yaml";
    a->line = 99;
    assert_null(b->file);
    assert_int_not_equal(b->line, 99);
    lm_arena_release(&arena);
}

/* Collects dir/ *.yaml recursively, as names relative to the top. */
static void collect(const char *top, const char *rel, char ***names, size_t *n)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s%s%s", top, *rel ? "/" : "", rel);
    DIR *d = opendir(path);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char sub[4096], full[8192];
        snprintf(sub, sizeof(sub), "%s%s%s", rel, *rel ? "/" : "", e->d_name);
        snprintf(full, sizeof(full), "%s/%s", top, sub);
        struct stat st;
        assert_int_equal(stat(full, &st), 0);
        size_t l = strlen(e->d_name);
        if (S_ISDIR(st.st_mode)) {
            collect(top, sub, names, n);
        } else if (l > 5 && strcmp(e->d_name + l - 5, ".yaml") == 0) {
            *names = realloc(*names, (*n + 1) * sizeof(**names));
            assert_non_null(*names);
            (*names)[(*n)++] = strdup(sub);
        }
    }
    closedir(d);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The table is the directory: every .yaml file under it, by relative name,
 * sorted (lm__builtin_find bisects), each found by its name. */
static void test_table_is_the_directory(void **state)
{
    (void)state;
    char **names = NULL;
    size_t n = 0;
    collect(EMBED_DIR, "", &names, &n);
    qsort(names, n, sizeof(*names), cmp_str);
    assert_int_equal(n, lm_builtin_count);
    for (size_t i = 0; i < n; i++) {
        assert_string_equal(lm_builtin_files[i].name, names[i]);
        assert_ptr_equal(lm__builtin_find(names[i]), &lm_builtin_files[i]);
        free(names[i]);
    }
    free(names);
    assert_null(lm__builtin_find("no/such.yaml"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_file_is_its_parse),
        cmocka_unit_test(test_thawed_trees_are_writable_copies),
        cmocka_unit_test(test_table_is_the_directory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
