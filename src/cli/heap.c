/*
 * How the program's heap is set up (not the library's business: a program
 * embedding lmchoose_core keeps its own malloc settings).
 *
 * A run allocates and frees large blocks phase after phase (the scratch
 * arenas of the loader, candidate tables, the judge's caches, the flip
 * search's). On the VMs we measure on (docs/performance.md, "Session 6") the
 * first touch of a page costs about 10 µs, as much as 90 000 instructions,
 * and the run's page faults were a third of a small recommend. So:
 *
 * - glibc keeps freed blocks in the heap (mmap and trim thresholds raised)
 *   instead of mapping a large block afresh and unmapping it on free, so a
 *   later phase reuses the pages an earlier one touched;
 * - before a command loads the catalog, the heap is grown by the size a run
 *   on the shipped catalog uses and its pages are populated in one system
 *   call (MADV_POPULATE_WRITE, Linux 5.14), about half the cost of faulting
 *   them one by one. A kernel without it refuses the call, and nothing else
 *   changes.
 */
#define _DEFAULT_SOURCE /* madvise */

#include "cli/heap.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

void lm_cli_heap_setup(void)
{
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
    /* long-prompt-rag: 1 180 -> 948 page faults. */
    mallopt(M_MMAP_THRESHOLD, 256 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
}

void lm_cli_heap_warm(size_t bytes)
{
#if defined(M_MMAP_THRESHOLD) && defined(MADV_POPULATE_WRITE)
    static int done;
    if (done)
        return;
    done = 1;
    /* Below the raised mmap threshold the block comes from the heap's top,
     * and freed it goes back there (above the trim threshold nothing is
     * returned to the system): the next allocations reuse its pages. */
    char *p = malloc(bytes);
    if (p == NULL)
        return;
    long ps = sysconf(_SC_PAGESIZE);
    uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096;
    uintptr_t first = ((uintptr_t)p + page - 1) & ~(page - 1);
    uintptr_t last = ((uintptr_t)p + bytes) & ~(page - 1);
    if (last > first)
        (void)madvise((void *)first, last - first, MADV_POPULATE_WRITE);
    free(p);
#else
    (void)bytes;
#endif
}
