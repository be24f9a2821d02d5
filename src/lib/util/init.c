/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util/init.c -- one-time process initialisation of the libraries azukari
 * builds on (libsodium; jansson allocating through azk_malloc so the OOM
 * run covers JSON too). Every public entry point that needs them calls
 * azk__lib_init(); it is idempotent and thread-safe.
 */
#include "util/util.h"

#include <jansson.h>
#include <pthread.h>
#include <sodium.h>

static pthread_once_t once = PTHREAD_ONCE_INIT;
static azk_status init_status = AZK_OK;

static void do_init(void)
{
    json_set_alloc_funcs(azk_malloc, azk_free);
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
