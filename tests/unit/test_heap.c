/*
 * The program's heap set-up (src/cli/heap.c): after lm_cli_heap_warm, the
 * allocations that follow must land in memory the kernel may back with
 * transparent huge pages (the 2 MiB pages that cut a run's page faults,
 * docs/performance.md "Session 7"), wherever the kernel offers them; and
 * the heap must work as before everywhere. Nothing here is timed: the
 * kernel's own report (/proc/self/smaps, THPeligible) is the evidence.
 */
#define _DEFAULT_SOURCE
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli/heap.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* 1 when the kernel honours MADV_HUGEPAGE: THP "always" or "madvise". */
static int thp_offered(void)
{
    FILE *f = fopen("/sys/kernel/mm/transparent_hugepage/enabled", "r");
    if (f == NULL)
        return 0;
    char line[128] = "";
    if (fgets(line, sizeof(line), f) == NULL)
        line[0] = '\0';
    fclose(f);
    return strstr(line, "[always]") != NULL || strstr(line, "[madvise]") != NULL;
}

/* The THPeligible value of the mapping holding p in /proc/self/smaps; -1
 * when the kernel does not report it. */
static int thp_eligible(const void *p)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    if (f == NULL)
        return -1;
    char line[512];
    int inside = 0, value = -1;
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 && strchr(line, ':') != NULL &&
            line[strspn(line, "0123456789abcdef")] == '-') {
            inside = (uintptr_t)p >= lo && (uintptr_t)p < hi;
            continue;
        }
        if (inside && sscanf(line, "THPeligible: %d", &value) == 1)
            break;
    }
    fclose(f);
    return value;
}

static void test_allocations_after_warm_may_use_huge_pages(void **state)
{
    (void)state;
    lm_cli_heap_setup();
    lm_cli_heap_warm((size_t)768 << 10, (size_t)64 << 20);
    size_t n = (size_t)4 << 20;
    unsigned char *p = malloc(n);
    assert_non_null(p);
    /* The heap works as before, across the boundary and the populated part. */
    for (size_t i = 0; i < n; i++)
        p[i] = (unsigned char)(i * 7);
    for (size_t i = 0; i < n; i += 4093)
        assert_int_equal(p[i], (unsigned char)(i * 7));
    int expected = thp_offered() && !SANITIZED && sysconf(_SC_PAGESIZE) == 4096;
    if (!expected) {
        /* No huge pages to ask for: the reserve is not made. */
        print_message("THP not offered here (or a sanitizer's allocator): checked the heap only\n");
        free(p);
        return;
    }
    assert_non_null(lm_cli_heap_head);
    int eligible = thp_eligible(p);
    if (eligible < 0) {
        print_message("this kernel's smaps has no THPeligible line: checked the heap only\n");
    } else {
        assert_int_equal(eligible, 1);
        assert_int_equal(thp_eligible(p + n - 1), 1);
    }
    /* Once a run: a second call changes nothing. */
    void *head = lm_cli_heap_head;
    lm_cli_heap_warm((size_t)768 << 10, (size_t)64 << 20);
    assert_ptr_equal(lm_cli_heap_head, head);
    free(p);
}

/* Under `ulimit -v 64M` the reserve (384 MiB in the program) must shrink to
 * fit rather than fail, and a run's allocations must still succeed. The
 * check runs in a fresh program (this test re-executed with
 * ADDRESS_SPACE_CHILD), as lmchoose always starts: a forked child would
 * inherit its parent's heap mapping, which the kernel does not merge with
 * the child's own growth, and when that inherited heap ends past a 2 MiB
 * boundary the marked range starts inside it, in a piece too small for a
 * huge page (about one run in 15 failed so: CI's stop 21). */
#define ADDRESS_SPACE_CHILD "--address-space-child"

static int address_space_child(void)
{
    struct rlimit rl = { (rlim_t)64 << 20, (rlim_t)64 << 20 };
    if (setrlimit(RLIMIT_AS, &rl) != 0)
        return 3;
    lm_cli_heap_setup();
    lm_cli_heap_warm((size_t)768 << 10, (size_t)384 << 20);
    size_t n = (size_t)24 << 20;
    unsigned char *p = malloc(n);
    if (p == NULL)
        return 4;
    memset(p, 7, n);
    if (p[n - 1] != 7)
        return 5;
    /* and the shrunk reserve still gives huge pages where they are offered */
    if (thp_offered() && sysconf(_SC_PAGESIZE) == 4096 && thp_eligible(p) == 0)
        return 6;
    free(p);
    return 0;
}

static void test_address_space_limit(void **state)
{
    (void)state;
    if (SANITIZED) {
        print_message("a sanitizer's shadow memory needs more address space than the limit\n");
        return;
    }
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        execl("/proc/self/exe", "test_heap", ADDRESS_SPACE_CHILD, (char *)NULL);
        _exit(2);
    }
    int st = 0;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st));
    assert_int_equal(WEXITSTATUS(st), 0);
}

int main(int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], ADDRESS_SPACE_CHILD) == 0)
        return address_space_child();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_address_space_limit),
        cmocka_unit_test(test_allocations_after_warm_may_use_huge_pages),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
