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
 * - before a command loads the catalog, the heap's next 384 MiB of address
 *   space are marked for transparent huge pages (MADV_HUGEPAGE; the kernel's
 *   THP setting "madvise", Debian's and Ubuntu's default, honours it): a
 *   2 MiB page costs about 0.2 ms to fault, as much as 13 small ones, and a
 *   run of the shipped catalog then takes one or two of them instead of
 *   hundreds of small faults (narrow-classifier-20k: 371 -> 121 faults,
 *   14 -> 10 ms; owned-rtx-4090-team 2 232 -> 125, 56 -> 31 ms; Session 7).
 *   Only touched memory costs anything; the rest is address space.
 * - the first 768 KiB are then populated in one system call
 *   (MADV_POPULATE_WRITE, Linux 5.14): one huge page, or, where the kernel
 *   has no huge page to give, the small pages a run on the shipped catalog
 *   touches, about half the cost of faulting them one by one. A kernel
 *   without these calls refuses them, and nothing else changes.
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
#include <sys/resource.h>
#endif

void lm_cli_heap_setup(void)
{
#if defined(M_MMAP_THRESHOLD) && defined(M_TRIM_THRESHOLD)
    /* long-prompt-rag: 1 180 -> 948 page faults. The threshold is above
     * the huge-page reserve of lm_cli_heap_warm, which must come from the
     * heap. */
    mallopt(M_MMAP_THRESHOLD, 512 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
#endif
#if defined(M_ARENA_MAX)
    /* The engine's threads (--threads) allocate from this heap too, whose
     * pages are warm (lm_cli_heap_warm), not from an arena of their own,
     * whose fresh pages cost a thread about 150 faults (2 ms) on a small
     * run. They allocate little, so sharing one lock costs nothing. */
    mallopt(M_ARENA_MAX, 1);
#endif
}

void *lm_cli_heap_head;

#if defined(__SANITIZE_ADDRESS__)
#define HEAP_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HEAP_SANITIZED 1
#endif
#endif

/* Marks the heap's next `reserve` bytes for transparent huge pages: reserves
 * them at the heap's top (address space only: nothing is touched), marks
 * the 2 MiB-aligned part MADV_HUGEPAGE and keeps the unaligned head
 * allocated for the process's life, so that the next allocations start on
 * the boundary. Returns the boundary, or NULL when not done (no THP
 * support, another page size, a sanitizer's allocator, no memory). */
static char *heap_huge(size_t reserve)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE) && !defined(HEAP_SANITIZED)
    const uintptr_t huge = (uintptr_t)2 << 20;
    if (sysconf(_SC_PAGESIZE) != 4096)
        return NULL; /* 2 MiB is the PMD huge page of 4 KiB pages only */
    /* Under a limit on address space or data (ulimit -v, -d), the reserve
     * takes at most a quarter of it: the rest stays for what the run maps
     * beside the heap. */
    static const int limits[] = { RLIMIT_AS, RLIMIT_DATA };
    for (size_t k = 0; k < sizeof(limits) / sizeof(limits[0]); k++) {
        struct rlimit rl;
        if (getrlimit(limits[k], &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            reserve > rl.rlim_cur / 4)
            reserve = (size_t)(rl.rlim_cur / 4);
    }
    if (reserve < 2 * huge)
        return NULL;
    char *p = malloc(reserve);
    if (p == NULL)
        return NULL;
    uintptr_t first = ((uintptr_t)p + huge - 1) & ~(huge - 1);
    uintptr_t last = ((uintptr_t)p + reserve) & ~(huge - 1);
    if (last <= first || madvise((void *)first, last - first, MADV_HUGEPAGE) != 0) {
        free(p);
        return NULL;
    }
    if (first == (uintptr_t)p) {
        free(p); /* already on the boundary: the heap's top starts there */
        return (char *)first;
    }
    /* Shrunk in place, the block gives the rest back to the heap's top,
     * which then starts at the boundary. */
    void *shrunk = realloc(p, first - (uintptr_t)p);
    lm_cli_heap_head = shrunk != NULL ? shrunk : p; /* a failed realloc leaves p */
    return (char *)first;
#else
    (void)reserve;
    return NULL;
#endif
}

void lm_cli_heap_warm(size_t bytes, size_t huge_reserve)
{
    static int done;
    if (done)
        return;
    done = 1;
    char *at = heap_huge(huge_reserve);
#if defined(M_MMAP_THRESHOLD) && defined(MADV_POPULATE_WRITE)
    /* Populated, the first bytes of the huge-page part are one 2 MiB page;
     * where the kernel has no THP or no free huge page, they are the small
     * pages they always were, populated in one call. */
    char *p = NULL;
    if (at == NULL) {
        /* Below the raised mmap threshold the block comes from the heap's
         * top, and freed it goes back there (above the trim threshold
         * nothing is returned to the system): the next allocations reuse
         * its pages. */
        at = p = malloc(bytes);
        if (p == NULL)
            return;
    }
    long ps = sysconf(_SC_PAGESIZE);
    uintptr_t page = ps > 0 ? (uintptr_t)ps : 4096;
    uintptr_t first = ((uintptr_t)at + page - 1) & ~(page - 1);
    uintptr_t last = ((uintptr_t)at + bytes) & ~(page - 1);
    if (last > first)
        (void)madvise((void *)first, last - first, MADV_POPULATE_WRITE);
    free(p);
#else
    (void)at;
    (void)bytes;
#endif
}
