/* SPDX-License-Identifier: Apache-2.0 */
/*
 * norm/values.c -- phone numbers and dates as canonical keys, thin wrappers
 * over the digits (digits.h) and date (datetime.h) parts of this module so
 * match, link and intake share one definition.
 */
#include "norm/norm_internal.h"
#include "norm/datetime.h"
#include "norm/digits.h"

azk_status azk_norm_phone(azk_buf *out, const char *in, size_t len)
{
    char d[32];
    size_t n;
    AZK_ASSERT_ARG(out != NULL);
    AZK_ASSERT_ARG(in != NULL || len == 0);
    azk_buf_clear(out);
    n = azk_digits__phone(in, len, d, sizeof(d));
    if (n < 10 || n > 11 || d[0] != '0')
        return azk_error_set(AZK_ERR_FORMAT, "norm: not a phone number (%zu digits)", n);
    return azk_buf_put(out, d, n);
}

static bool space_at(const char *s, size_t len, size_t pos, size_t *cl)
{
    uint32_t a;
    *cl = azk_digits__next(s, len, pos, &a);
    return a == ' ' || a == '\t' || a == '\r' || a == '\n';
}

azk_status azk_norm_date(azk_buf *out, const char *in, size_t len)
{
    azk_date d;
    size_t start = 0;
    size_t end = len;
    size_t used;
    size_t cl;
    AZK_ASSERT_ARG(out != NULL);
    AZK_ASSERT_ARG(in != NULL || len == 0);
    azk_buf_clear(out);
    while (start < end && space_at(in, end, start, &cl))
        start += cl;
    while (end > start) {
        uint32_t a;
        size_t p = azk_digits__prev(in, end, end, &a);
        if (!(a == ' ' || a == '\t' || a == '\r' || a == '\n'))
            break;
        end = p;
    }
    if (start >= end)
        return azk_error_set(AZK_ERR_FORMAT, "norm: empty date");
    used = azk_date__parse(in + start, end - start, true, &d);
    if (used == 0 || used != end - start)
        return azk_error_set(AZK_ERR_FORMAT, "norm: not a date");
    return azk_buf_printf(out, "%04d-%02d-%02d", d.year, d.month, d.day);
}
