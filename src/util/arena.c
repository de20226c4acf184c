/*
 * Bump allocator. Blocks grow geometrically from 16 KiB; a request larger
 * than half a block gets a block of its own, so large tables waste nothing.
 */
#include "lmchoose/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct lm_arena_block {
    struct lm_arena_block *next;
    size_t size, used;
    alignas(max_align_t) unsigned char data[];
};

enum { ARENA_MIN_BLOCK = 16 * 1024 };

void *lm_arena_alloc(struct lm_arena *a, size_t size)
{
    const size_t align = alignof(max_align_t);
    size_t need = (size + align - 1) & ~(align - 1);
    if (need < size)
        return NULL;
    struct lm_arena_block *b = a->head;
    if (b == NULL || b->size - b->used < need) {
        size_t bsize = b ? b->size * 2 : ARENA_MIN_BLOCK;
        if (bsize > 4u * 1024 * 1024)
            bsize = 4u * 1024 * 1024;
        if (need > bsize / 2)
            bsize = need;
        if (bsize > SIZE_MAX - sizeof(*b))
            return NULL;
        struct lm_arena_block *nb = malloc(sizeof(*nb) + bsize);
        if (nb == NULL)
            return NULL;
        nb->size = bsize;
        nb->used = 0;
        if (b != NULL && need == bsize && b->size - b->used >= ARENA_MIN_BLOCK) {
            /* A dedicated block for a large request goes behind the current
             * one, so the free space left in the current block stays usable. */
            nb->next = b->next;
            b->next = nb;
        } else {
            nb->next = b;
            a->head = nb;
        }
        b = nb;
    }
    void *p = b->data + b->used;
    b->used += need;
    a->used_bytes += need;
    memset(p, 0, size);
    return p;
}

char *lm_arena_strndup(struct lm_arena *a, const char *s, size_t len)
{
    char *p = lm_arena_alloc(a, len + 1);
    if (p == NULL)
        return NULL;
    memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *lm_arena_strdup(struct lm_arena *a, const char *s)
{
    return lm_arena_strndup(a, s, strlen(s));
}

void lm_arena_release(struct lm_arena *a)
{
    if (a == NULL)
        return;
    struct lm_arena_block *b = a->head;
    while (b != NULL) {
        struct lm_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used_bytes = 0;
}
