/*
 * The program's heap settings (heap.c): why and what they measured.
 */
#ifndef LMCHOOSE_CLI_HEAP_H
#define LMCHOOSE_CLI_HEAP_H

#include <stddef.h>

/* Keeps freed large blocks in the heap (glibc); call first in main. */
void lm_cli_heap_setup(void);

/* Populates bytes of heap ahead of the allocations that will use them, once
 * a run; a no-op where the system has no way to. */
void lm_cli_heap_warm(size_t bytes);

#endif
