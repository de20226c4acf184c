/*
 * A bump allocator for data that is loaded once and freed all at once
 * (catalogs, scenarios, rule sets, YAML trees).
 *
 * Ownership: everything lm_arena_alloc() returns belongs to the arena and
 * lives until lm_arena_release(). Nothing inside an arena is freed on its own.
 */
#ifndef LMCHOOSE_ARENA_H
#define LMCHOOSE_ARENA_H

#include <stddef.h>

struct lm_arena_block;

struct lm_arena {
    struct lm_arena_block *head; /* newest block first */
    size_t used_bytes;           /* total handed out, for the benchmark */
};

#define LM_ARENA_INIT { NULL, 0 }

/* Returns zeroed memory aligned for any type, or NULL when out of memory. */
void *lm_arena_alloc(struct lm_arena *a, size_t size);

/* Copies len bytes of s and a terminating NUL; NULL when out of memory. */
char *lm_arena_strndup(struct lm_arena *a, const char *s, size_t len);
char *lm_arena_strdup(struct lm_arena *a, const char *s);

/* Frees every block; the arena is left as LM_ARENA_INIT. Accepts NULL. */
void lm_arena_release(struct lm_arena *a);

#endif
