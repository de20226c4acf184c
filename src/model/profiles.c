/* Lookup in the builtin profile table (generated, sorted by name). */
#include "model/builtin.h"

#include <string.h>

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
    struct lm_limits l = { (size_t)-1, (size_t)-1, (size_t)-1, (size_t)-1, (size_t)-1,
                           (size_t)-1 };
    return l;
}
