/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util/printable.c -- text that reaches a terminal or a text report from
 * names azukari did not choose (file names on a share, archive members,
 * --purpose and --reason typed by someone else) with every control
 * character made visible: a name holding ESC, CR or LF must not move the
 * cursor, rewrite the screen or forge a line of a report or of `audit log`.
 * Also the one HTML escaping of text put into a page (certificates, serve).
 */
#include "util/util.h"

#include <stdio.h>
#include <string.h>

static bool is_control(uint32_t cp)
{
    return cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || cp == 0x2028 || cp == 0x2029;
}

azk_status azk_buf_put_printable(azk_buf *b, const char *s, size_t n)
{
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0;
    azk_status rc = AZK_OK;
    AZK_ASSERT_ARG(b != NULL && (s != NULL || n == 0));
    while (rc == AZK_OK && i < n) {
        uint32_t cp;
        size_t len = azk_utf8_decode(p + i, n - i, &cp);
        if (cp == 0xFFFD && len == 1) {
            rc = azk_buf_printf(b, "\\x%02X", p[i]); /* invalid UTF-8 byte */
        } else if (cp == '\\') {
            rc = azk_buf_puts(b, "\\\\");
        } else if (is_control(cp)) {
            rc = cp < 0x80 ? azk_buf_printf(b, "\\x%02X", (unsigned)cp)
                           : azk_buf_printf(b, "\\u{%04X}", (unsigned)cp);
        } else {
            rc = azk_buf_put(b, p + i, len);
        }
        i += len;
    }
    return rc;
}

int azk_fputs_printable(const char *s, FILE *f)
{
    azk_buf b = AZK_BUF_INIT;
    int r = EOF;
    if (s == NULL || f == NULL)
        return EOF;
    if (azk_buf_put_printable(&b, s, strlen(s)) == AZK_OK)
        r = b.len == 0 || fwrite(b.data, 1, b.len, f) == b.len ? 0 : EOF;
    azk_buf_dispose(&b);
    return r;
}

azk_status azk_buf_put_html(azk_buf *b, const char *s)
{
    azk_status rc = AZK_OK;
    for (; rc == AZK_OK && *s != '\0'; s++) {
        switch (*s) {
            case '&':
                rc = azk_buf_puts(b, "&amp;");
                break;
            case '<':
                rc = azk_buf_puts(b, "&lt;");
                break;
            case '>':
                rc = azk_buf_puts(b, "&gt;");
                break;
            case '"':
                rc = azk_buf_puts(b, "&quot;");
                break;
            case '\'':
                rc = azk_buf_puts(b, "&#39;");
                break;
            default:
                rc = azk_buf_putc(b, *s);
        }
    }
    return rc;
}
