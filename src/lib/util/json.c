/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util/json.c -- the one JSON string escaping of azukari, byte for byte as
 * jansson dumps a string without flags (UTF-8 kept; \" \\ \b \f \n \r \t;
 * other C0 controls as \u00XX, upper-case hex). The ledger hashes entries
 * written this way (audit/entry.c), so the output must never change.
 */
#include "util/util.h"

#include <stdio.h>
#include <string.h>

/* The escape of c, or NULL when c is copied as it is. */
static const char *escape_of(unsigned char c, char tmp[8])
{
    if (c >= 0x20 && c != '"' && c != '\\')
        return NULL;
    switch (c) {
        case '"':
            return "\\\"";
        case '\\':
            return "\\\\";
        case '\b':
            return "\\b";
        case '\f':
            return "\\f";
        case '\n':
            return "\\n";
        case '\r':
            return "\\r";
        case '\t':
            return "\\t";
        default:
            snprintf(tmp, 8, "\\u%04X", c);
            return tmp;
    }
}

azk_status azk_buf_put_json_string(azk_buf *b, const char *s, size_t n)
{
    size_t run = 0;
    azk_status rc = azk_buf_putc(b, '"');
    for (size_t i = 0; rc == AZK_OK && i < n; i++) {
        char tmp[8];
        const char *e = escape_of((unsigned char)s[i], tmp);
        if (e == NULL)
            continue;
        rc = azk_buf_put(b, s + run, i - run);
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, e);
        run = i + 1;
    }
    if (rc == AZK_OK)
        rc = azk_buf_put(b, s + run, n - run);
    if (rc == AZK_OK)
        rc = azk_buf_putc(b, '"');
    return rc;
}

int azk_json_fputs(const char *s, FILE *out)
{
    size_t run = 0;
    size_t n = strlen(s);
    if (fputc('"', out) == EOF)
        return EOF;
    for (size_t i = 0; i < n; i++) {
        char tmp[8];
        const char *e = escape_of((unsigned char)s[i], tmp);
        if (e == NULL)
            continue;
        if (fwrite(s + run, 1, i - run, out) != i - run || fputs(e, out) == EOF)
            return EOF;
        run = i + 1;
    }
    if (fwrite(s + run, 1, n - run, out) != n - run || fputc('"', out) == EOF)
        return EOF;
    return 0;
}
