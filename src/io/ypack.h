/*
 * A YAML tree (ynode.h) frozen into constant tables, so that a tree parsed
 * at build time can be compiled into the program and thawed at run time
 * without libyaml (issue 13: parsing the embedded catalog was 80 % of
 * `lmchoose list models`). src/cmake/embed_profiles.c writes the tables from
 * what lm__yaml_parse builds; lm__ypack_unpack turns them back into that
 * same tree.
 *
 * The tables hold no pointers, only offsets, so they need no relocation at
 * program start and stay in read-only pages that are mapped only when read.
 * Nodes are numbered so that the children of a collection are consecutive
 * (breadth first, the root first); a collection records where its children
 * start, not a list of them.
 */
#ifndef LMCHOOSE_YPACK_H
#define LMCHOOSE_YPACK_H

#include <stddef.h>
#include <stdint.h>

#include "io/ynode.h"
#include "lmchoose/arena.h"

struct lm_ypack_node {
    uint32_t text;  /* scalar: offset of its NUL-terminated text in the pool */
    uint32_t len;   /* scalar: length in bytes; SEQ: items; MAP: pairs */
    uint32_t first; /* collection: index of its first child (MAP: key, value, key, ...) */
    uint32_t line, col;
    uint8_t kind;   /* enum lm_ykind */
    uint8_t style;  /* enum lm_ystyle */
    uint8_t quoted;
};

/* One frozen tree: nodes[0] is the root. */
struct lm_ypack {
    const struct lm_ypack_node *nodes; /* NULL: no tree */
    size_t count;
    const char *pool; /* scalar texts, shared by every tree of a table */
};

/* Builds the tree in the arena: fresh, writable nodes (the catalog stamps
 * and merges them, catalog.c) whose scalar texts point into the constant
 * pool. The tree is node for node what lm__yaml_parse built from the file:
 * kinds, texts, lengths, styles, line and column marks, NULL items for an
 * empty collection and NULL file. Returns LM_OK with *root set, or LM_ENOMEM
 * (no diagnostic: the caller reports it). */
int lm__ypack_unpack(struct lm_arena *arena, const struct lm_ypack *pack,
                     struct lm_ynode **root);

#endif
