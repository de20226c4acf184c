/*
 * lmchoose's own YAML tree: what the loader builds from libyaml's events and
 * what the schema layer (schema.c) turns into typed structs. It carries only
 * what the schemas need: kind, text, whether a scalar was quoted, and the
 * 1-based start mark of every node.
 *
 * Ownership: nodes and their text live in the arena given to lm__yaml_parse.
 * A tree thawed from the embedded catalog (ypack.h) has its nodes in the
 * caller's arena and its texts in the program's constant data.
 */
#ifndef LMCHOOSE_YNODE_H
#define LMCHOOSE_YNODE_H

#include <stddef.h>

#include "lmchoose/arena.h"
#include "lmchoose/diag.h"
#include "lmchoose/limits.h"

enum lm_ykind { LM_Y_SCALAR, LM_Y_SEQ, LM_Y_MAP };

/* How a scalar was written; rule expressions map error offsets back to
 * columns only for the one-line styles. */
enum lm_ystyle { LM_YS_PLAIN, LM_YS_SINGLE, LM_YS_DOUBLE, LM_YS_BLOCK };

struct lm_ynode {
    enum lm_ykind kind;
    unsigned line, col; /* start mark, 1-based */
    const char *text;   /* scalar text, NUL-terminated; never has a NUL
                           inside (libyaml rejects a raw NUL, the loader an
                           escaped one) */
    size_t len;         /* scalar length in bytes */
    int quoted;         /* scalar written with quotes or as a block */
    int style;          /* enum lm_ystyle */
    /* SEQ: items[0..n); MAP: keys are items[2i], values items[2i+1]. */
    struct lm_ynode **items;
    size_t n; /* SEQ: item count; MAP: pair count */
    /* The file the node came from, when it differs from the file being
     * loaded: set on the nodes a partial override inherits from a lower
     * layer (catalog.c), so diagnostics and `show` name the right file.
     * NULL means the file being loaded. */
    const char *file;
};

/* Parses buf (len bytes, the whole file) into a tree. The file name is used
 * in diagnostics and must outlive the diagnostics' use of it (they copy it).
 * Enforces limits (depth, nodes, scalar and key length), rejects anchors,
 * aliases, tags, non-scalar keys, UTF-16, an empty stream and a second
 * document. Syntax errors stop the parse (libyaml cannot recover).
 * Returns LM_OK with *root set, or a negative status with a diagnostic. */
int lm__yaml_parse(struct lm_arena *arena, const char *file, const char *buf,
                   size_t len, const struct lm_limits *limits,
                   struct lm_diags *diags, struct lm_ynode **root);

/* Parses a deployment file written for another tool (DESIGN §6.3): every
 * document of the stream (empty ones dropped) into docs[0..ndocs), with
 * anchors, aliases (shared, not copied; their expanded size counts against
 * --max-nodes), merge keys (left to the reader) and tags (ignored) allowed.
 * The other limits and error messages are those of lm__yaml_parse.
 * docs lives in the arena. */
int lm__yaml_parse_foreign(struct lm_arena *arena, const char *file, const char *buf,
                           size_t len, const struct lm_limits *limits,
                           struct lm_diags *diags, struct lm_ynode ***docs, size_t *ndocs);

/* The value of key in a mapping node, or NULL. */
const struct lm_ynode *lm__ymap_get(const struct lm_ynode *map, const char *key);

/* True when the node is a plain scalar that means null: "null", "~", "". */
int lm__ynode_is_null(const struct lm_ynode *n);

#endif
