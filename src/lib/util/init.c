/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util/init.c -- one-time process initialisation of the libraries azukari
 * builds on (libsodium). Every public entry point that needs them calls
 * azk__lib_init(); it is idempotent and thread-safe.
 *
 * jansson's allocator is deliberately left alone: json_set_alloc_funcs is
 * process-wide, and a library must not change how its host application's
 * own JSON code allocates. No secret passes through jansson (keys and
 * plaintext live in azk_secret / azk_buf and are wiped there), so nothing
 * needs a wiping JSON allocator. The unit tests' OOM runs route jansson
 * through azk_malloc themselves (tests/unit/azk_oom.h): there the test
 * program is the host and may choose.
 */
#include "util/util.h"

#include <pthread.h>
#include <sodium.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static azk_status init_status = AZK_OK;

static void do_init(void)
{
    if (sodium_init() < 0)
        init_status = AZK_ERR_CRYPTO;
}

azk_status azk__lib_init(void)
{
    pthread_once(&once, do_init);
    if (init_status != AZK_OK)
        return azk_error_set(init_status, "libsodium initialisation failed");
    return AZK_OK;
}
