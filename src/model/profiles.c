/* Lookup in the builtin profile table (generated, sorted by name). */
#include "model/builtin.h"

#include <string.h>

#include "lmchoose/status.h"

const struct lm_builtin_file *lm__builtin_find(const char *name)
{
    size_t lo = 0, hi = lm_builtin_count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(lm_builtin_files[mid].name, name);
        if (c == 0)
            return &lm_builtin_files[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

struct lm_limits lm__builtin_limits(void)
{
    struct lm_limits l = LM_BUILTIN_LIMITS;
    return l;
}

int lm__builtin_tree(struct lm_arena *arena, const struct lm_builtin_file *f,
                     const char *origin, struct lm_diags *diags, struct lm_ynode **root)
{
    if (f->tree.nodes != NULL) {
        int rc = lm__ypack_unpack(arena, &f->tree, root);
        return rc == LM_OK ? rc : lm_diag_error(diags, rc, NULL, "out of memory");
    }
    struct lm_limits big = lm__builtin_limits();
    return lm__yaml_parse(arena, origin, f->data, f->size, &big, diags, root);
}
