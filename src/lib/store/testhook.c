/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/testhook.c -- the crash tests' pause point (store.h,
 * azk_store__test_pause): compiled to nothing but a return in a release
 * build (no AZK_TESTING).
 */
#include "store/store.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void azk_store__test_pause(const char *step)
{
#ifndef AZK_TESTING
    (void)step;
#else
    const char *p = getenv("AZK_TEST_PAUSE");
    const char *f = getenv("AZK_TEST_PAUSE_FILE");
    if (p == NULL || strcmp(p, step) != 0)
        return;
    if (f != NULL) {
        int fd = open(f, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0)
            close(fd);
    }
    for (;;)
        (void)sleep(60);
#endif
}
