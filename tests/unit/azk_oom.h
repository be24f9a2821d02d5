/* SPDX-License-Identifier: Apache-2.0 */
/*
 * tests/unit/azk_oom.h -- shared by the allocation-failure tests
 * (test_<module>__oom). The plain unit run (unit_<module>) fails a sample
 * of the allocations, every AZK_OOM_SAMPLE-th, to stay quick; the OOM run
 * (oom_<module> in `ctest -L oom`, AZK_OOM=1) runs only the *__oom tests
 * and fails every allocation in turn. Each OOM test ends with
 * azk_oom_report(), which fails the test when no allocation was failed or
 * the run never completed, and prints the line "oom NAME: step S, ..." that
 * tests/unit/oom_check.cmake (the command of every oom_<module>) requires
 * with step 1: an OOM run that equals the plain run cannot pass.
 * Include after <cmocka.h>; needs a test build (AZK_TESTING).
 */
#ifndef AZK_TEST_OOM_H
#define AZK_TEST_OOM_H

#include "util/util.h"

#include <jansson.h>
#include <stdbool.h>
#include <stdlib.h>

#define AZK_OOM_SAMPLE 37

struct azk_oom {
    const char *name;
    long step;      /* 1: every allocation in turn */
    long runs;      /* runs with a failure armed */
    long nomem;     /* runs that ended in AZK_ERR_NOMEM */
    bool completed; /* a run with the failure point past the last allocation */
};

static inline bool azk_oom_full(void)
{
    const char *e = getenv("AZK_OOM");
    return e != NULL && *e != '\0' && *e != '0';
}

static inline struct azk_oom azk_oom_start(const char *name)
{
    struct azk_oom o = {name, azk_oom_full() ? 1 : AZK_OOM_SAMPLE, 0, 0, false};
    return o;
}

/*
 * In main(), before cmocka_run_group_tests: the OOM run runs the OOM tests
 * only. The test program, as the host application, routes jansson through
 * azk_malloc so failed JSON allocations are covered too (the library
 * itself never touches jansson's process-wide allocator: util/init.c).
 */
static inline void azk_oom_filter(void)
{
    json_set_alloc_funcs(azk_malloc, azk_free);
    if (azk_oom_full())
        cmocka_set_test_filter("*__oom*");
}

static inline void azk_oom_report(const struct azk_oom *o)
{
    print_message("oom %s: step %ld, %ld runs, %ld failed with NOMEM, %s\n", o->name, o->step,
                  o->runs, o->nomem, o->completed ? "completed" : "never completed");
    assert_true(o->nomem > 0);
    assert_true(o->completed);
}

#endif
