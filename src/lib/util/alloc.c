/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util/alloc.c -- the only place that calls the C allocator. Every module
 * allocates through azk_malloc & co. so that the OOM test run can make the
 * N-th allocation fail (curl's torture tests, SQLite's OOM tests).
 */
#include "util/util.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#ifdef AZK_TESTING
/*
 * Test builds only (AZK_TESTS=ON defines AZK_TESTING): the allocation
 * counter and the failure injection. A release build has neither, so an
 * AZK_ALLOC_FAIL_AFTER left in a production environment does nothing
 * (curl's DEBUGBUILD torture hooks; tests/e2e/test_hooks.py checks both).
 */
static _Atomic long fail_after = -2; /* -2: not initialised, -1: off */
static _Atomic unsigned long alloc_count;

static bool should_fail(void)
{
    long f;
    /* every allocation counts, injection on or off: OOM tests size their
     * loops by counting a clean run */
    atomic_fetch_add_explicit(&alloc_count, 1, memory_order_relaxed);
    f = atomic_load_explicit(&fail_after, memory_order_relaxed);
    if (f == -1)
        return false;
    if (f == -2) {
        const char *e = getenv("AZK_ALLOC_FAIL_AFTER");
        long v = -1;
        if (e != NULL && *e != '\0') {
            char *end = NULL;
            v = strtol(e, &end, 10);
            if (end == e || v < 0)
                v = -1;
        }
        atomic_store(&fail_after, v);
        f = v;
        if (f == -1)
            return false;
    }
    if (f == 0)
        return true;
    atomic_store(&fail_after, f - 1);
    return false;
}

void azk__alloc_fail_after(long n)
{
    fail_after = n < 0 ? -1 : n;
}

unsigned long azk__alloc_count(void)
{
    return alloc_count;
}
#else
static inline bool should_fail(void)
{
    return false;
}
#endif

void *azk_malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return malloc(n == 0 ? 1 : n);
}

void *azk_calloc(size_t count, size_t size)
{
    if (should_fail())
        return NULL;
    if (count == 0 || size == 0)
        return calloc(1, 1);
    return calloc(count, size);
}

void *azk_realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return realloc(p, n == 0 ? 1 : n);
}

void azk_free(void *p)
{
    free(p);
}

/* Below this a block is likely carved from the heap (present already): no call. */
#define WHOLE_MIN ((size_t)1 << 20)

static void *populate(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
    if (p != NULL && n >= WHOLE_MIN) {
        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
        uintptr_t a = ((uintptr_t)p + page - 1) & ~(page - 1);
        uintptr_t e = ((uintptr_t)p + n) & ~(page - 1);
        if (e > a)
            (void)madvise((void *)a, e - a, MADV_POPULATE_WRITE); /* a hint: faults otherwise */
    }
#else
    (void)n;
#endif
    return p;
}

void *azk_malloc_whole(size_t n)
{
    return populate(azk_malloc(n), n);
}

void *azk_calloc_whole(size_t count, size_t size)
{
    size_t n;
    if (azk_mul_overflow(&n, count, size))
        return NULL;
    return populate(azk_calloc(count, size), n);
}

void azk_free_secret(void *p, size_t n)
{
    if (p == NULL)
        return;
    explicit_bzero(p, n);
    free(p);
}

char *azk_strndup(const char *s, size_t n)
{
    char *d;
    size_t sz;
    if (azk_add_overflow(&sz, n, 1))
        return NULL;
    d = azk_malloc(sz);
    if (d == NULL)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *azk_strdup(const char *s)
{
    return azk_strndup(s, strlen(s));
}

azk_status azk_array_reserve(void *arr, size_t *cap, size_t count, size_t elem, size_t first)
{
    void **slot = arr;
    size_t ncap, bytes;
    void *n;
    if (count < *cap)
        return AZK_OK;
    ncap = *cap == 0 ? first : *cap;
    if (*cap != 0 && azk_mul_overflow(&ncap, *cap, 2))
        return azk_error_nomem();
    if (ncap <= count)
        ncap = count + 1;
    if (azk_mul_overflow(&bytes, ncap, elem))
        return azk_error_nomem();
    n = azk_realloc(*slot, bytes);
    if (n == NULL)
        return azk_error_nomem();
    *slot = n;
    *cap = ncap;
    return AZK_OK;
}
