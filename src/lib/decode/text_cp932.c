/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/text_cp932.c -- CP932 to UTF-8 without ICU for the common case:
 * a window of input in which every character decodes cleanly (no U+FFFD)
 * is converted by table, ASCII runs are copied eight bytes at a time, and
 * anything else (a byte ICU would replace, a character cut at the end of
 * the object) leaves the whole window to ICU as before.
 *
 * The tables are ICU's own answers: built once per process from the same
 * converter (text.c's ibm-943_P15A-2003 with the counting U+FFFD
 * callback), one conversion per single byte and per two-byte sequence, an
 * entry kept only when it gave one BMP character and no error. CP932 is
 * stateless (a lead byte and a trail byte, or one byte), so a character
 * decodes the same alone as in a stream, and the output is byte for byte
 * the output of ICU. Used by conv_next in text.c.
 */
#include "decode/decode_int.h"

#include <pthread.h>
#include <string.h>
#include <unicode/ucnv.h>
#include "decode/text_int.h"

/* An entry: UTF-8 bytes in the low 24 bits (first byte lowest), length in the top 8 (0: not
 * clean). */
static uint32_t single[256];
static uint32_t pair[128 * 256]; /* lead byte 0x80..0xFF, trail byte */
static bool ascii_identity;      /* every byte < 0x80 decodes to itself */
static bool tables_ok;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;
bool azk_decode__cp932_tables_off;

static uint32_t entry_of(const UChar *u, int32_t n)
{
    uint8_t b[4];
    size_t l;
    if (n != 1 || (u[0] >= 0xD800 && u[0] <= 0xDFFF) || u[0] == 0xFFFD)
        return 0;
    l = azk_utf8_encode(u[0], b);
    if (l == 0 || l > 3)
        return 0;
    return (uint32_t)l << 24 | (uint32_t)b[0] | (l > 1 ? (uint32_t)b[1] << 8 : 0) |
           (l > 2 ? (uint32_t)b[2] << 16 : 0);
}

/* One conversion of p[0..n) with flush: the entry, 0 when not one clean character. */
static uint32_t convert_one(UConverter *cnv, size_t *errs, const uint8_t *p, size_t n)
{
    UChar u[8];
    UChar *t = u;
    const char *s = (const char *)p;
    UErrorCode uerr = U_ZERO_ERROR;
    ucnv_resetToUnicode(cnv);
    *errs = 0;
    ucnv_toUnicode(cnv, &t, u + 8, &s, (const char *)p + n, NULL, 1, &uerr);
    if (U_FAILURE(uerr) || *errs != 0 || s != (const char *)p + n)
        return 0;
    return entry_of(u, (int32_t)(t - u));
}

static void tables_build(void)
{
    UConverter *cnv = NULL;
    size_t errs = 0;
    unsigned a, b;
    if (azk_decode__text_open_cnv(&cnv, ENC_CP932, &errs) != AZK_OK)
        return;
    ascii_identity = true;
    for (a = 0; a < 256; a++) {
        uint8_t x = (uint8_t)a;
        single[a] = convert_one(cnv, &errs, &x, 1);
        if (a < 0x80 && single[a] != ((1u << 24) | a))
            ascii_identity = false;
    }
    for (a = 0x80; a < 256; a++) {
        if (single[a] != 0)
            continue;
        for (b = 0; b < 256; b++) {
            uint8_t x[2] = {(uint8_t)a, (uint8_t)b};
            pair[(a - 0x80) * 256 + b] = convert_one(cnv, &errs, x, 2);
        }
    }
    ucnv_close(cnv);
    tables_ok = true;
}

size_t azk_decode__cp932_fast(const uint8_t *in, size_t n, bool at_eof, uint8_t *out, size_t *used)
{
    size_t i = 0, o = 0;
    *used = 0;
    if (azk_decode__cp932_tables_off)
        return SIZE_MAX;
    pthread_once(&tables_once, tables_build);
    if (!tables_ok)
        return SIZE_MAX;
    while (i < n) {
        uint32_t e;
        size_t l;
        if (ascii_identity) {
            /* ASCII passes through: eight bytes at a time */
            while (i + 8 <= n) {
                uint64_t w;
                memcpy(&w, in + i, 8);
                if ((w & 0x8080808080808080ull) != 0)
                    break;
                memcpy(out + o, &w, 8);
                i += 8;
                o += 8;
            }
            while (i < n && in[i] < 0x80) {
                out[o++] = in[i++];
            }
            if (i >= n)
                break;
        }
        e = single[in[i]];
        if (e != 0) {
            i++;
        } else if (in[i] >= 0x80 && i + 1 < n) {
            e = pair[(in[i] - 0x80) * 256 + in[i + 1]];
            if (e == 0)
                return SIZE_MAX;
            i += 2;
        } else if (in[i] >= 0x80 && i + 1 == n && !at_eof) {
            break; /* a lead byte whose trail byte comes with the next read */
        } else {
            return SIZE_MAX;
        }
        l = e >> 24;
        out[o] = (uint8_t)e;
        if (l > 1)
            out[o + 1] = (uint8_t)(e >> 8);
        if (l > 2)
            out[o + 2] = (uint8_t)(e >> 16);
        o += l;
    }
    *used = i;
    return o;
}
