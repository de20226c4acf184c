/*
 * This machine (DESIGN §6.2): resolves the hardware id `local`, in order,
 * from LMCHOOSE_HOST (a hardware id or a path to a hardware profile), from
 * nvidia-smi, from sysctl on macOS, and otherwise as a profile built from
 * /proc/meminfo and the core count with documented assumptions.
 *
 * Ownership: the returned profile lives in cat's arena (a copy whose only
 * placement is `device`, whatever the matched profile lists).
 */
#ifndef LMCHOOSE_HOST_H
#define LMCHOOSE_HOST_H

#include "lmchoose/catalog.h"
#include "lmchoose/diag.h"
#include "lmchoose/limits.h"

/* Sets *hw to the resolved profile and *built to 1 when it is the built
 * `local` profile (its estimates get wider error bands). Returns LM_OK, or an
 * input error (LMCHOOSE_HOST names nothing, or its file is invalid). */
int lm_host_resolve(struct lm_catalog *cat, const struct lm_limits *limits,
                    struct lm_diags *diags, const struct lm_hardware **hw,
                    int *built);

#endif
