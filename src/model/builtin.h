/*
 * The shipped profiles, compiled into the binary by
 * src/cmake/embed_profiles.cmake: every .yaml file under profiles/, by relative name
 * ("models/phi-4.yaml"), sorted.
 */
#ifndef LMCHOOSE_BUILTIN_H
#define LMCHOOSE_BUILTIN_H

#include <stddef.h>

#include "lmchoose/limits.h"

struct lm_builtin_file {
    const char *name;
    const char *data; /* NUL-terminated; size excludes the NUL */
    size_t size;
};

extern const struct lm_builtin_file lm_builtin_files[];
extern const size_t lm_builtin_count;

/* The builtin file with that relative name, or NULL. */
const struct lm_builtin_file *lm__builtin_find(const char *name);

/* The limits the builtin files are read with: none. They are part of the
 * program, not input, so the user's limits (--max-scalar 256 and the rest)
 * are never applied to them and never blame them (DESIGN §7a). The one
 * place that decides it, for the catalog and the rule set alike. */
struct lm_limits lm__builtin_limits(void);

#endif
