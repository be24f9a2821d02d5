/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/mask.c -- masked renderings of findings (detect_int.h). A masked
 * form shows enough to find the value again in the file (the type, the
 * shape, a few trailing digits or the leading part) and never the value:
 * at most the last 4 digits of a number, the first letter of a mailbox,
 * the year's century of a birth date, the municipality of an address, the
 * family name of a person.
 */
#include "detect/detect_int.h"
#include "norm/digits.h"

#include <stdio.h>
#include <string.h>

/* Copy at most cap-1 bytes of s, cut at a UTF-8 boundary. */
static size_t put_utf8(char *out, size_t cap, size_t at, const char *s, size_t n)
{
    size_t room;
    if (at + 1 >= cap)
        return at;
    room = cap - 1 - at;
    if (n > room) {
        n = room;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out + at, s, n);
    out[at + n] = '\0';
    return at + n;
}

void azk_detect__mask_phone(char *out, size_t cap, const char *d, size_t n, size_t prefix_len)
{
    size_t at = 0;
    out[0] = '\0';
    if (n < 8 || prefix_len + 4 > n)
        prefix_len = 0;
    at = put_utf8(out, cap, at, d, prefix_len);
    at = put_utf8(out, cap, at, prefix_len > 0 ? "-****-" : "****-", prefix_len > 0 ? 6 : 5);
    (void)put_utf8(out, cap, at, n >= 4 ? d + n - 4 : "", n >= 4 ? 4 : 0);
}

void azk_detect__mask_digits(char *out, size_t cap, azk_pii_type t, const char *d, size_t n)
{
    const char *tail = n >= 4 ? d + n - 4 : "";
    switch (t) {
        case AZK_PII_POSTAL_CODE:
            (void)snprintf(out, cap, "%.3s-****", n >= 3 ? d : "***");
            break;
        case AZK_PII_CREDIT_CARD:
            (void)snprintf(out, cap, "****-****-****-%.4s", tail);
            break;
        case AZK_PII_BANK_ACCOUNT:
            (void)snprintf(out, cap, "****%.3s", n >= 3 ? d + n - 3 : "");
            break;
        case AZK_PII_MY_NUMBER:
        case AZK_PII_CORPORATE_NUMBER:
        default:
            (void)snprintf(out, cap, "****-****-%.4s", tail);
            break;
    }
}

void azk_detect__mask_email(char *out, size_t cap, const char *s, size_t len)
{
    size_t i = 0, o = 0;
    bool seen_at = false;
    out[0] = '\0';
    /* folded: "ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ" renders as "t***@example.jp" */
    while (i < len && o + 1 < cap) {
        uint32_t a;
        size_t l = azk_digits__next(s, len, i, &a);
        if (a == 0)
            a = '?';
        if (!seen_at && a == '@') {
            seen_at = true;
            if (o == 0)
                o = put_utf8(out, cap, o, "*", 1);
            o = put_utf8(out, cap, o, "***@", 4);
        } else if (seen_at || o == 0) {
            char c = (char)a;
            o = put_utf8(out, cap, o, &c, 1);
        }
        i += l;
    }
}

void azk_detect__mask_date(char *out, size_t cap, const azk_date *d)
{
    if (d->era != AZK_ERA_NONE)
        (void)snprintf(out, cap, "%s**年**月**日", azk_date__era_name(d->era));
    else
        (void)snprintf(out, cap, "%02d**-**-**", d->year / 100);
}

void azk_detect__mask_address(char *out, size_t cap, const char *s, size_t keep)
{
    size_t o;
    out[0] = '\0';
    o = put_utf8(out, cap > 4 ? cap - 3 : cap, 0, s, keep);
    (void)put_utf8(out, cap, o, "***", 3);
}

void azk_detect__mask_name(char *out, size_t cap, const char *s, size_t len, size_t family_len)
{
    size_t o;
    out[0] = '\0';
    if (family_len == 0 || family_len > len) {
        (void)put_utf8(out, cap, 0, "**", 2);
        return;
    }
    o = put_utf8(out, cap > 4 ? cap - 3 : cap, 0, s, family_len);
    (void)put_utf8(out, cap, o, " **", 3);
}
