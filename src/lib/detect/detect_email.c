/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect_email.c -- e-mail addresses found from an @ hit: local part and
 * domain read around it (ASCII and full-width ASCII), validated and masked.
 */
#include "detect/detect.h"
#include "detect/detect_int.h"
#include "detect/names.h"
#include "norm/norm.h"
#include "detect/places.h"
#include "norm/digits.h"
#include "norm/datetime.h"

#include <hs/hs.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "detect/detect_scan.h"

/* ---- email ------------------------------------------------------------------- */

/* Full-width ASCII and ASCII only: ー is no hyphen inside a mail address. */
static uint32_t mail_char(const struct fld *f, size_t pos, size_t *l)
{
    uint32_t cp;
    const uint8_t *u = (const uint8_t *)f->s + pos;
    if (pos >= f->len) {
        *l = 0;
        return 0;
    }
    if (u[0] < 0x80) {
        *l = 1;
        return u[0];
    }
    *l = azk_utf8_decode(u, f->len - pos, &cp);
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        return cp - 0xFF01 + 0x21;
    return 0;
}

static bool local_char(uint32_t a)
{
    return azk_detect__is_alnum(a) || a == '.' || a == '_' || a == '%' || a == '+' || a == '-';
}

void azk_detect__email_at(struct fld *f, size_t to)
{
    size_t at_start, pos, lstart, l, dend, last_dot = 0, label_len = 0, tld_len = 0;
    size_t count = 0;
    uint32_t a;
    bool tld_alpha = true, ok = true;
    struct cand *x;
    azk_column_kind label;
    /* the match ends after '@' (1 byte) or '＠' (3 bytes) */
    at_start = (to >= 3 && memcmp(f->s + to - 3, "＠", 3) == 0) ? to - 3 : to - 1;
    /* local part backwards */
    pos = at_start;
    lstart = at_start;
    while (pos > 0 && count < 64) {
        size_t p = pos - 1;
        while (p > 0 && ((unsigned char)f->s[p] & 0xC0) == 0x80 && pos - p < 4)
            p--;
        a = mail_char(f, p, &l);
        if (p + l != pos || !local_char(a))
            break;
        lstart = p;
        pos = p;
        count++;
    }
    /* trim leading punctuation of the local part */
    while (lstart < at_start) {
        a = mail_char(f, lstart, &l);
        if (azk_detect__is_alnum(a))
            break;
        lstart += l;
    }
    if (lstart >= at_start)
        return;
    /* domain forwards */
    pos = to;
    dend = to;
    count = 0;
    while (pos < f->len && count < 253) {
        a = mail_char(f, pos, &l);
        if (azk_detect__is_alnum(a) || a == '-') {
            label_len++;
            if (!((a >= 'A' && a <= 'Z') || (a >= 'a' && a <= 'z')))
                tld_alpha = false;
            tld_len++;
        } else if (a == '.') {
            if (label_len == 0)
                break;
            last_dot = pos;
            label_len = 0;
            tld_len = 0;
            tld_alpha = true;
        } else {
            break;
        }
        pos += l;
        count++;
        if (a != '.')
            dend = pos;
    }
    /* the last label of [to, dend): the top-level domain */
    last_dot = 0;
    tld_len = 0;
    tld_alpha = true;
    for (pos = to; pos < dend; pos += l) {
        a = mail_char(f, pos, &l);
        if (a == '.') {
            last_dot = pos;
            tld_len = 0;
            tld_alpha = true;
        } else {
            tld_len++;
            if (!((a >= 'A' && a <= 'Z') || (a >= 'a' && a <= 'z')))
                tld_alpha = false;
        }
    }
    if (last_dot == 0)
        return;
    ok = tld_alpha && tld_len >= 2 && tld_len <= 24;
    if (!ok)
        return;
    if (f->s[dend - 1] == '-')
        return;
    label = azk_detect__label_before(f, lstart, 24);
    x = azk_detect__cand_add(f, AZK_PII_EMAIL, lstart, dend - lstart,
                             azk_detect__with_context(0.9, label, f->col, AZK_COL_EMAIL, 0.95));
    if (x != NULL)
        azk_detect__mask_email(x->masked, sizeof(x->masked), f->s + lstart, dend - lstart);
}
