/*
 * Input limits (DESIGN §7a). Every reader enforces them while it reads, so no
 * file, stream or nesting can make lmchoose use unbounded time or memory.
 */
#ifndef LMCHOOSE_LIMITS_H
#define LMCHOOSE_LIMITS_H

#include <stddef.h>

struct lm_limits {
    size_t max_input_size; /* bytes per file and for stdin */
    size_t max_depth;      /* nesting depth of YAML collections */
    size_t max_nodes;      /* YAML nodes (scalars and collections) per file */
    size_t max_scalar;     /* bytes in one scalar value */
    size_t max_key;        /* bytes in one mapping key */
    size_t max_files;      /* files per run */
};

#define LM_LIMITS_DEFAULT { 4u * 1024 * 1024, 64, 100000, 65536, 1024, 100000 }

/* Profile, provider and rule ids are at most this many bytes, so that a
 * candidate id ("<model>/<quant>/<hardware>/<devices>/<placement>") always
 * fits LM_CANDIDATE_ID_MAX. */
#define LM_ID_MAX 100
#define LM_CANDIDATE_ID_MAX (3 * LM_ID_MAX + 32)

#endif
