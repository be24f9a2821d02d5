/* SPDX-License-Identifier: Apache-2.0 */
/*
 * norm/digits.c -- width folding of digits, letters and hyphen look-alikes,
 * and phone digit extraction (see digits.h). Japanese text mixes ASCII and
 * full-width (全角) forms freely, and writes the hyphen of a phone number or
 * address with whatever the input method offered: the katakana prolonged
 * sound mark ー, the minus sign −, dashes ‐ ‒ – — ―, the full-width hyphen-minus
 * －. Every validator sees the folded ASCII form.
 */
#include "norm/digits.h"

bool azk_digits__is_hyphen(uint32_t cp)
{
    switch (cp) {
        case 0x002D: /* - */
        case 0x02D7: /* ˗ modifier letter minus */
        case 0x2010: /* ‐ hyphen */
        case 0x2011: /* ‑ non-breaking hyphen */
        case 0x2012: /* ‒ figure dash */
        case 0x2013: /* – en dash */
        case 0x2014: /* — em dash */
        case 0x2015: /* ― horizontal bar */
        case 0x2043: /* ⁃ hyphen bullet */
        case 0x2212: /* − minus sign */
        case 0x30FC: /* ー katakana prolonged sound mark */
        case 0xFE58: /* ﹘ small em dash */
        case 0xFE63: /* ﹣ small hyphen-minus */
        case 0xFF0D: /* － full-width hyphen-minus */
        case 0xFF70: /* ｰ half-width prolonged sound mark */
            return true;
        default:
            return false;
    }
}

static inline uint32_t fold(uint32_t cp)
{
    if (cp < 0x80)
        return cp;
    if (cp >= 0xFF01 && cp <= 0xFF5E)
        return cp == 0xFF0D ? '-' : cp - 0xFF01 + 0x21;
    if (cp == 0x3000)
        return ' ';
    if (azk_digits__is_hyphen(cp))
        return '-';
    return 0;
}

uint32_t azk_digits__ascii(uint32_t cp)
{
    return fold(cp);
}

/*
 * The code point of the three bytes at u (a lead byte E0..EF and two
 * continuation bytes), 0 when they are no well-formed sequence (overlong or
 * a surrogate: azk_utf8_decode's answer is then one invalid byte).
 */
static inline uint32_t three_bytes(const uint8_t *u)
{
    uint32_t cp = (uint32_t)(u[0] & 0x0F) << 12 | (uint32_t)(u[1] & 0x3F) << 6 | (u[2] & 0x3Fu);
    return cp >= 0x800 && (cp < 0xD800 || cp > 0xDFFF) ? cp : 0;
}

/* Kana, kanji and the full-width forms are three bytes: decoded here
 * without azk_utf8_decode's general loop (test_norm__digits_walk compares
 * both walkers with it on every three-byte sequence). */
uint64_t azk_digits__next_high(const char *s, size_t len, size_t pos)
{
    const uint8_t *u = (const uint8_t *)s + pos;
    uint32_t cp;
    size_t n;
    if ((u[0] & 0xF0) == 0xE0 && len - pos >= 3 && (u[1] & 0xC0) == 0x80 && (u[2] & 0xC0) == 0x80) {
        cp = three_bytes(u);
        return cp != 0 ? (uint64_t)3 << 32 | fold(cp) : (uint64_t)1 << 32;
    }
    n = azk_utf8_decode(u, len - pos, &cp);
    return (uint64_t)n << 32 | fold(cp);
}

uint64_t azk_digits__prev_high(const char *s, size_t len, size_t pos)
{
    const uint8_t *u = (const uint8_t *)s;
    size_t start = pos - 1, n;
    uint32_t cp;
    if (pos >= 3 && (u[pos - 3] & 0xF0) == 0xE0 && (u[pos - 2] & 0xC0) == 0x80 &&
        (u[pos - 1] & 0xC0) == 0x80) {
        /* the walk below stops at the lead byte pos - 3 */
        cp = three_bytes(u + pos - 3);
        return cp != 0 ? (uint64_t)3 << 32 | fold(cp) : (uint64_t)1 << 32;
    }
    while (start > 0 && pos - start < 4 && (u[start] & 0xC0) == 0x80)
        start--;
    if (u[start] < 0x80)
        return (uint64_t)1 << 32; /* continuation bytes after an ASCII byte */
    n = azk_utf8_decode(u + start, len - start, &cp);
    if (start + n != pos)
        return (uint64_t)1 << 32; /* not a well-formed sequence ending at pos: one stray byte */
    return (uint64_t)n << 32 | fold(cp);
}

/*
 * Bytes that stay as they are (ASCII that neither lower nor drop_seps
 * touches, code points without an ASCII equivalent, invalid bytes) are
 * copied in runs, not one by one (an analysed line is mostly such bytes);
 * test_norm__digits_fold compares it with a fold one code point at a time.
 */
azk_status azk_digits__fold(azk_buf *out, const char *s, size_t len, bool lower, bool drop_seps)
{
    azk_status rc = AZK_OK;
    size_t i = 0;
    size_t from = 0; /* s[from..i) is copied as it is */
    while (i < len) {
        uint8_t b = (uint8_t)s[i];
        uint32_t a;
        size_t n;
        if (b < 0x80) {
            if (!(lower && b >= 'A' && b <= 'Z') &&
                !(drop_seps && (b == '-' || b == ' ' || b == '\t'))) {
                i++;
                continue;
            }
            a = b;
            n = 1;
        } else {
            n = azk_digits__next(s, len, i, &a);
            if (a == 0) {
                i += n;
                continue;
            }
        }
        if (i > from)
            rc = azk_buf_put(out, s + from, i - from);
        if (rc == AZK_OK && !(drop_seps && (a == '-' || a == ' ' || a == '\t'))) {
            if (lower && a >= 'A' && a <= 'Z')
                a = a - 'A' + 'a';
            rc = azk_buf_putc(out, (int)a);
        }
        if (rc != AZK_OK)
            return rc;
        i += n;
        from = i;
    }
    if (i > from) {
        rc = azk_buf_put(out, s + from, i - from);
        if (rc != AZK_OK)
            return rc;
    }
    return azk_buf_grow(out, 0);
}

size_t azk_digits__phone(const char *s, size_t len, char *out, size_t cap)
{
    size_t i = 0, n = 0;
    bool intl = false;
    if (cap < 2)
        return 0;
    while (i < len) {
        uint32_t a;
        size_t l = azk_digits__next(s, len, i, &a);
        if (a == '+' && n == 0 && !intl) {
            /* +81: Japan's country code; the national form starts with 0 */
            uint32_t a1 = 0, a2 = 0;
            size_t l1 = 0, l2 = 0;
            if (i + l < len)
                l1 = azk_digits__next(s, len, i + l, &a1);
            if (i + l + l1 < len)
                l2 = azk_digits__next(s, len, i + l + l1, &a2);
            if (a1 != '8' || a2 != '1')
                return 0;
            out[n++] = '0';
            intl = true;
            i += l + l1 + l2;
            continue;
        }
        if (azk_digits__isdigit(a)) {
            if (intl && n == 1 && a == '0') {
                /* "+81 (0)3 ..." and "+81 03 ...": the trunk 0 is written once */
                i += l;
                continue;
            }
            if (n + 1 >= cap)
                return 0;
            out[n++] = (char)a;
        } else if (!(a == '-' || a == ' ' || a == '.' || a == '(' || a == ')')) {
            return 0;
        }
        i += l;
    }
    out[n] = '\0';
    return (intl && n == 1) ? 0 : n;
}
