/*
 * The program's heap settings (heap.c): why and what they measured.
 */
#ifndef LMCHOOSE_CLI_HEAP_H
#define LMCHOOSE_CLI_HEAP_H

#include <stddef.h>

/* Keeps freed large blocks in the heap (glibc); call first in main. */
void lm_cli_heap_setup(void);

/* Once a run, ahead of the allocations that will use them: marks the heap's
 * next huge_reserve bytes for transparent huge pages and populates the
 * first `bytes` of them; where the system has no huge pages, only
 * populates; where it has neither, does nothing. */
void lm_cli_heap_warm(size_t bytes, size_t huge_reserve);

/* The heap's unaligned head below the huge-page part, kept allocated for
 * the process's life (extern: a pointer only ever stored would be optimized
 * away, and memcheck would call the block lost). */
extern void *lm_cli_heap_head;

#endif
