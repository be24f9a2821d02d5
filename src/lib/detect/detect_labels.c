/* SPDX-License-Identifier: Apache-2.0 */
/*
 * detect/detect_labels.c -- the context of a candidate: the nearest label
 * before a value (a matcher label of the field, an ASCII label such as tel,
 * zip, birth looked for around the value, or the previous cell of a
 * key-value row), whether a label ends at a place, and the confidence a
 * label or the column kind gives. Split from detect_field.c (s11).
 */
#include "detect/detect.h"
#include "detect/detect_int.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include "detect/detect_scan.h"

/*
 * The nearest ASCII label (tel, zip, birth, ...; any case) that ends at
 * most `window` bytes before pos and starts at a word boundary. ASCII
 * labels are looked for here, around candidates only, rather than by the
 * matcher: short case-insensitive literals would slow it several times.
 */
static azk_column_kind ascii_label_before(const struct fld *f, size_t pos, size_t window,
                                          size_t *dist)
{
    size_t e, k, lim = pos > window ? pos - window : 0;
    const unsigned char *u = (const unsigned char *)f->s;
    const uint32_t ends = f->c->eng->ascii_ends; /* letters some label ends with */
    for (e = pos; e > 0 && e >= lim; e--) {
        unsigned last = u[e - 1] | 0x20;
        if (last < 'a' || last > 'z' || ((ends >> (last - 'a')) & 1u) == 0)
            continue;
        for (k = 0; k < N_ASCII_LITS; k++) {
            const char *L = azk_detect__ascii_lits[k].s;
            size_t n = azk_detect__ascii_lits[k].len;
            if ((unsigned char)L[n - 1] != last || e < n)
                continue;
            if (strncasecmp(f->s + e - n, L, n) != 0)
                continue;
            if (e - n > 0 && (((u[e - n - 1] | 0x20) >= 'a' && (u[e - n - 1] | 0x20) <= 'z')))
                continue; /* inside a word: hotel, intel, discard */
            *dist = pos - e;
            return (azk_column_kind)azk_detect__ascii_lits[k].arg;
        }
    }
    return AZK_COL_NONE;
}

/* Nearest label of any kind that ends at most `window` bytes before pos. */
azk_column_kind azk_detect__label_before(struct fld *f, size_t pos, size_t window)
{
    const azk_detect_ctx *c = f->c;
    size_t i, d = SIZE_MAX;
    azk_column_kind k = AZK_COL_NONE, ka;
    size_t best = SIZE_MAX;
    for (i = 0; i < c->label_count; i++) {
        size_t e = c->labels[i].end;
        if (e <= pos && pos - e <= window && pos - e < best) {
            best = pos - e;
            k = c->labels[i].kind;
        }
    }
    ka = ascii_label_before(f, pos, best < window ? best : window, &d);
    if (ka != AZK_COL_NONE && d < best) {
        k = ka;
        best = d;
    }
    if (k == AZK_COL_NONE && f->prev != NULL && pos <= 16) {
        /* key-value rows: "口座番号","1234567" */
        if (f->prev_kind < 0)
            f->prev_kind = f->prev->len <= PREV_CELL_MAX
                               ? (int)azk_column_classify(f->prev->ptr, f->prev->len)
                               : (int)AZK_COL_NONE;
        k = (azk_column_kind)f->prev_kind;
        best = pos;
    }
    if (k != AZK_COL_NONE) {
        /* a label names the first value after it: 生年月日 S55.3.2 処理日 R6.1.3 */
        const unsigned char *u = (const unsigned char *)f->s;
        for (i = pos - best; i < pos; i++) {
            if ((unsigned)(u[i] - '0') < 10 || (u[i] == 0xEF && i + 2 < pos && u[i + 1] == 0xBC &&
                                                (unsigned)(u[i + 2] - 0x90) < 10))
                return AZK_COL_NONE;
        }
    }
    return k;
}

bool azk_detect__label_ends_at(const struct fld *f, size_t pos)
{
    size_t i, d = 0;
    for (i = 0; i < f->c->label_count; i++) {
        if (f->c->labels[i].end == pos)
            return true;
    }
    return ascii_label_before(f, pos, 0, &d) != AZK_COL_NONE;
}

/*
 * Confidence after context: a matching label or column raises it to at
 * least `ctxconf`; a column of another known kind lowers it.
 */
double azk_detect__with_context(double base, azk_column_kind label, azk_column_kind col,
                                azk_column_kind kind, double ctxconf)
{
    double c = base;
    if (label == kind && c < ctxconf)
        c = ctxconf;
    if (col == kind) {
        if (c < ctxconf + 0.02)
            c = ctxconf + 0.02;
    } else if (col != AZK_COL_NONE) {
        /* a postal code or phone inside an address cell stays as it is */
        if (!(col == AZK_COL_ADDRESS && (kind == AZK_COL_POSTAL_CODE || kind == AZK_COL_PHONE)))
            c *= 0.6;
    }
    return c > 1.0 ? 1.0 : c;
}
