/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fuzz/serve_form_fuzzer.c -- libFuzzer harness for azukari serve's
 * application/x-www-form-urlencoded decoder (serve/serve_int.h,
 * azk_serve__form_parse; WHATWG URL "application/x-www-form-urlencoded
 * parsing") and its HTML escaping. Invariants: success or AZK_ERR_FORMAT /
 * AZK_ERR_LIMIT, never more than AZK_SERVE_MAX_FIELDS fields, every name
 * and value valid UTF-8 without NUL and no longer than the input, a lookup
 * finds the first field of a name, escaped output holds none of < > " '.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "serve/serve_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct azk_serve_req rq;
    azk_status rc;
    memset(&rq, 0, sizeof(rq));
    rc = azk_serve__form_parse(&rq, (const char *)data, size);
    if (rc != AZK_OK && rc != AZK_ERR_FORMAT && rc != AZK_ERR_LIMIT && rc != AZK_ERR_NOMEM)
        abort();
    if (rq.form_count > AZK_SERVE_MAX_FIELDS)
        abort();
    for (size_t i = 0; i < rq.form_count; i++) {
        const char *n = rq.form_names[i];
        const char *v = rq.form_values[i];
        azk_buf b = AZK_BUF_INIT;
        if (n == NULL || v == NULL || strlen(n) > size || strlen(v) > size)
            abort();
        if (!azk_utf8_valid((const uint8_t *)n, strlen(n)) ||
            !azk_utf8_valid((const uint8_t *)v, strlen(v)))
            abort();
        if (azk_serve__form(&rq, n) == NULL)
            abort();
        if (azk_serve__html(&b, v) == AZK_OK && b.data != NULL &&
            strpbrk((const char *)b.data, "<>\"'") != NULL)
            abort();
        azk_buf_dispose(&b);
    }
    azk_serve__form_free(&rq);
    azk_error_clear();
    return 0;
}
