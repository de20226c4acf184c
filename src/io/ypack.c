/* Thawing a tree frozen at build time (ypack.h). */
#include "io/ypack.h"

#include "lmchoose/status.h"

int lm__ypack_unpack(struct lm_arena *arena, const struct lm_ypack *pack,
                     struct lm_ynode **root)
{
    size_t n = pack->count;
    *root = NULL;
    if (n == 0 || n > SIZE_MAX / sizeof(struct lm_ynode))
        return LM_ENOMEM;
    struct lm_ynode *nodes = lm_arena_alloc(arena, n * sizeof(*nodes));
    /* Every node but the root is some collection's child, and children are
     * consecutive: one array of pointers, refs[i - 1] = &nodes[i], serves
     * as every collection's items. */
    struct lm_ynode **refs = n > 1 ? lm_arena_alloc(arena, (n - 1) * sizeof(*refs)) : NULL;
    if (nodes == NULL || (n > 1 && refs == NULL))
        return LM_ENOMEM;
    for (size_t i = 1; i < n; i++)
        refs[i - 1] = &nodes[i];
    /* lm_arena_alloc zeroes: the fields a kind does not use stay as
     * lm__yaml_parse leaves them (NULL text and items, 0, NULL file). */
    for (size_t i = 0; i < n; i++) {
        const struct lm_ypack_node *s = &pack->nodes[i];
        struct lm_ynode *d = &nodes[i];
        d->kind = (enum lm_ykind)s->kind;
        d->line = s->line;
        d->col = s->col;
        if (d->kind == LM_Y_SCALAR) {
            d->text = pack->pool + s->text;
            d->len = s->len;
            d->quoted = s->quoted;
            d->style = s->style;
        } else {
            d->n = s->len;
            if (s->len > 0)
                d->items = refs + (s->first - 1);
        }
    }
    *root = nodes;
    return LM_OK;
}
