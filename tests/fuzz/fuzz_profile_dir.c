/*
 * libFuzzer harness for profile layers as directories (issue 15): the input
 * describes a directory tree, which is created under a temporary directory
 * and loaded as a --profiles layer on top of the builtin catalog, then
 * listed the way `list` and `estimate` look entries up.
 *
 * Input format: sections, each starting with a header line
 *   "=== PATH"        a file at PATH; the following lines are its content
 *   "=== dir PATH"    a directory
 *   "=== link PATH TARGET"  a symbolic link (TARGET relative, kept inside)
 * PATH is relative, made of [A-Za-z0-9._-] components, at most 4 deep, no
 * "." or ".." component. Text before the first header is ignored. So the
 * fuzzer reaches missing, empty, unreadable-as-directory (a file named
 * models), dangling and looping subdirectories, duplicate ids across files,
 * id/file-name mismatches, and every profile kind, without touching
 * anything outside its temporary directory.
 *
 * Build with -DLM_FUZZ=ON and clang; run as
 *   build-fuzz/tests/fuzz_profile_dir CORPUS tests/fuzz/corpus/profile_dir -max_total_time=600
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lmchoose/catalog.h"
#include "lmchoose/status.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { MAX_ENTRIES = 64 };

static char root[64];
static char made[MAX_ENTRIES * 5][512]; /* created paths, removed in reverse */
static size_t nmade;

static void cleanup(void);

static void remove_root(void)
{
    cleanup();
    rmdir(root);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    snprintf(root, sizeof(root), "/tmp/fuzz_profile_dir.%ld", (long)getpid());
    mkdir(root, 0755);
    atexit(remove_root);
    return 0;
}

static int valid_path(const char *p, size_t n)
{
    if (n == 0 || n > 200 || p[0] == '/')
        return 0;
    size_t depth = 1, comp = 0;
    for (size_t i = 0; i <= n; i++) {
        if (i == n || p[i] == '/') {
            if (comp == 0)
                return 0;
            if ((comp == 1 && p[i - 1] == '.') || (comp == 2 && p[i - 1] == '.' && p[i - 2] == '.'))
                return 0;
            comp = 0;
            if (i < n && ++depth > 4)
                return 0;
            continue;
        }
        char c = p[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return 0;
        comp++;
    }
    return 1;
}

static void remember(const char *full)
{
    if (nmade < sizeof(made) / sizeof(made[0]))
        snprintf(made[nmade++], sizeof(made[0]), "%s", full);
}

/* mkdir -p of PATH's parents (or of PATH itself with self). */
static int make_parents(const char *rel, int self)
{
    char full[512];
    snprintf(full, sizeof(full), "%s/%s", root, rel);
    size_t start = strlen(root) + 1;
    for (size_t i = start; full[i]; i++) {
        if (full[i] != '/')
            continue;
        full[i] = '\0';
        if (mkdir(full, 0755) == 0)
            remember(full);
        else if (errno != EEXIST)
            return -1;
        full[i] = '/';
    }
    if (self) {
        if (mkdir(full, 0755) == 0)
            remember(full);
        else if (errno != EEXIST)
            return -1;
    }
    return 0;
}

static void cleanup(void)
{
    while (nmade > 0) {
        const char *p = made[--nmade];
        if (unlink(p) != 0)
            rmdir(p);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *s = (const char *)data;
    size_t i = 0, entries = 0;
    while (i < size && entries < MAX_ENTRIES) {
        /* Find the next header at a line start. */
        size_t eol = i;
        while (eol < size && s[eol] != '\n')
            eol++;
        if (eol - i < 4 || memcmp(s + i, "=== ", 4) != 0) {
            i = eol + 1;
            continue;
        }
        const char *h = s + i + 4;
        size_t hn = eol - i - 4;
        size_t body = eol + 1 < size ? eol + 1 : size;
        size_t end = body;
        while (end < size && !(end + 4 <= size && memcmp(s + end, "=== ", 4) == 0 &&
                               (end == 0 || s[end - 1] == '\n')))
            end++;
        char rel[256], target[256];
        entries++;
        if (hn > 4 && memcmp(h, "dir ", 4) == 0 && valid_path(h + 4, hn - 4)) {
            snprintf(rel, sizeof(rel), "%.*s", (int)(hn - 4), h + 4);
            make_parents(rel, 1);
        } else if (hn > 5 && memcmp(h, "link ", 5) == 0) {
            const char *sp = memchr(h + 5, ' ', hn - 5);
            if (sp != NULL && valid_path(h + 5, (size_t)(sp - h - 5)) &&
                valid_path(sp + 1, hn - (size_t)(sp + 1 - h))) {
                snprintf(rel, sizeof(rel), "%.*s", (int)(sp - h - 5), h + 5);
                snprintf(target, sizeof(target), "%.*s", (int)(hn - (size_t)(sp + 1 - h)), sp + 1);
                char full[512];
                snprintf(full, sizeof(full), "%s/%s", root, rel);
                if (make_parents(rel, 0) == 0 && symlink(target, full) == 0)
                    remember(full);
            }
        } else if (valid_path(h, hn)) {
            snprintf(rel, sizeof(rel), "%.*s", (int)hn, h);
            char full[512];
            snprintf(full, sizeof(full), "%s/%s", root, rel);
            if (make_parents(rel, 0) == 0) {
                FILE *f = fopen(full, "wb");
                if (f != NULL) {
                    remember(full);
                    fwrite(s + body, 1, end - body, f);
                    fclose(f);
                }
            }
        }
        i = end;
    }

    struct lm_limits limits = LM_LIMITS_DEFAULT;
    limits.max_files = 16 + (size % 64); /* also reach --max-files while listing */
    struct lm_catalog cat = LM_CATALOG_INIT;
    struct lm_diags diags = LM_DIAGS_INIT;
    const char *dirs[] = { root };
    int rc = lm_catalog_load(&cat, dirs, 1, &limits, &diags);
    if (rc == LM_OK) {
        /* Every entry must be complete enough to be looked up and listed. */
        for (size_t k = 0; k < cat.nmodels; k++)
            if (cat.models[k]->id == NULL || cat.models[k]->name == NULL ||
                lm_catalog_model(&cat, cat.models[k]->id) == NULL)
                abort();
        for (size_t k = 0; k < cat.nhardware; k++)
            if (cat.hardware[k]->id == NULL || cat.hardware[k]->name == NULL ||
                lm_catalog_hardware(&cat, cat.hardware[k]->id) == NULL)
                abort();
    } else if (diags.nerrors == 0) {
        abort(); /* a failed load always says why */
    }
    lm_catalog_release(&cat);
    lm_diags_release(&diags);
    cleanup();
    return 0;
}
