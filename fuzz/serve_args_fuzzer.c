/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/serve_args_fuzzer.c -- libFuzzer harness for the pagination
 * arguments of azukari serve's API lists (serve/api.c,
 * azk_serve__page_args_parse: ?limit=N&after=CURSOR) and the pre-session
 * token check the login uses. The input is split at the first NUL into
 * limit and after (a missing part is absent). Invariants: success or
 * AZK_ERR_ARG; on success 1 <= limit <= AZK_SERVE_PAGE_MAX and after is
 * absent or the given non-empty text of at most 512 bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/serve_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = azk_malloc(size + 2);
    const char *l, *a = NULL, *after = (const char *)(uintptr_t)1;
    size_t limit = 0;
    azk_status rc;
    if (buf == NULL)
        return 0;
    memcpy(buf, data, size);
    buf[size] = '\0';
    buf[size + 1] = '\0';
    l = buf;
    if (strlen(buf) < size)
        a = buf + strlen(buf) + 1;
    if (size > 0 && buf[0] == '-')
        l = NULL; /* "-" first: no limit given */
    rc = azk_serve__page_args_parse(l, a, &limit, &after);
    if (rc == AZK_OK) {
        if (limit < 1 || limit > AZK_SERVE_PAGE_MAX)
            abort();
        if (l == NULL && limit != AZK_SERVE_PAGE_DEFAULT)
            abort();
        if (a == NULL ? after != NULL : (after != a || a[0] == '\0' || strlen(a) > 512))
            abort();
    } else if (rc != AZK_ERR_ARG) {
        abort();
    }
    azk_error_clear();
    azk_free(buf);
    return 0;
}
