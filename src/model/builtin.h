/*
 * The shipped profiles, compiled into the binary by src/cmake/embed_profiles.c:
 * every .yaml file under profiles/, by relative name ("models/phi-4.yaml"),
 * sorted. Each file is parsed at build time by the loader itself
 * (lm__yaml_parse) and carried as its frozen tree (io/ypack.h), so a run
 * reads the builtin catalog without libyaml (issue 13). A file the loader
 * rejects is carried as its bytes instead and parsed at run time, so its
 * diagnostic is the one a run has always printed.
 */
#ifndef LMCHOOSE_BUILTIN_H
#define LMCHOOSE_BUILTIN_H

#include <stddef.h>

#include "io/ynode.h"
#include "io/ypack.h"
#include "lmchoose/arena.h"
#include "lmchoose/diag.h"
#include "lmchoose/limits.h"

struct lm_builtin_file {
    const char *name;
    const char *data; /* NULL when the tree is there; else the file's bytes,
                         NUL-terminated; size excludes the NUL */
    size_t size;
    struct lm_ypack tree; /* tree.nodes NULL when the file did not parse */
};

extern const struct lm_builtin_file lm_builtin_files[];
extern const size_t lm_builtin_count;

/* The builtin file with that relative name, or NULL. */
const struct lm_builtin_file *lm__builtin_find(const char *name);

/* The limits the builtin files are read with: none. They are part of the
 * program, not input, so the user's limits (--max-scalar 256 and the rest)
 * are never applied to them and never blame them (DESIGN §7a). The one
 * place that decides it, for the catalog, the rule set and the build-time
 * parse alike. */
#define LM_BUILTIN_LIMITS \
    { (size_t)-1, (size_t)-1, (size_t)-1, (size_t)-1, (size_t)-1, (size_t)-1 }
struct lm_limits lm__builtin_limits(void);

/* The tree of a builtin file, in the arena: the frozen tree thawed, or the
 * bytes parsed with lm__builtin_limits() (diagnostics name origin, as
 * lm__yaml_parse's do). Returns LM_OK with *root set, or a negative status
 * with a diagnostic. */
int lm__builtin_tree(struct lm_arena *arena, const struct lm_builtin_file *f,
                     const char *origin, struct lm_diags *diags, struct lm_ynode **root);

#endif
