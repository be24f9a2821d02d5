/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/ole2.c -- legacy binary Office documents in an OLE2 compound file
 * ([MS-CFB]), read with libgsf (LGPL-2.1, GNOME's maintained OLE2 reader:
 * FAT, DIFAT, mini stream, loops and bad sector numbers are its problem):
 *   .xls  "Workbook" stream, BIFF8 ([MS-XLS]): BOUNDSHEET names, the shared
 *         string table (SST + CONTINUE, with the flags byte that restarts
 *         at each CONTINUE), LABELSST, LABEL, NUMBER, RK, MULRK, FORMULA
 *         cached values (STRING), BOOLERR; numbers in date formats (XF ->
 *         FORMAT) as YYYY-MM-DD. One tabular record per row, line = the
 *         sheet's 1-based row, sheet = its name, first row a header
 *         candidate, as for xlsx. FILEPASS (encrypted): not scannable.
 *   .doc  "WordDocument" + "0Table"/"1Table" ([MS-DOC]): the piece table
 *         (Clx/PlcPcd) gives the text in 8-bit (cp1252) or UTF-16LE
 *         pieces; paragraph marks end lines, cell marks are tabs, field
 *         codes (0x13..0x14) are left out, field results kept.
 *   .ppt  "PowerPoint Document" ([MS-PPT]): TextCharsAtom (UTF-16) and
 *         TextBytesAtom records found by walking the record tree.
 * Runs in the extraction helper over bytes in memory. Every stream is
 *
 * This file: streams of the compound file, .doc and .ppt, and the entry
 * point; the .xls workbook (BIFF8) is in ole2_xls.c.
 */
#include "decode/decode_int.h"

#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-memory.h>
#include <gsf/gsf-input.h>
#include <gsf/gsf-utils.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "decode/ole2_int.h"

/* Read a whole stream of the compound file (NULL when absent). */
static azk_status read_stream(GsfInfile *ole, const char *name, size_t max, uint8_t **out,
                              size_t *out_len, bool *found)
{
    GsfInput *in = gsf_infile_child_by_name(ole, name);
    gsf_off_t size;
    uint8_t *buf = NULL;
    azk_status rc = AZK_OK;
    *out = NULL;
    *out_len = 0;
    *found = in != NULL;
    if (in == NULL)
        return AZK_OK;
    size = gsf_input_size(in);
    if (size < 0 || (uint64_t)size > max) {
        rc = azk_error_set(AZK_ERR_FORMAT, "ole2: stream larger than the file");
        goto done;
    }
    buf = azk_malloc((size_t)size + 1);
    if (buf == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    if (size > 0 && gsf_input_read(in, (size_t)size, buf) == NULL) {
        rc = azk_error_set(AZK_ERR_FORMAT, "ole2: stream cannot be read (damaged sector chain)");
        goto done;
    }
    *out = buf;
    *out_len = (size_t)size;
    buf = NULL;
done:
    azk_free(buf);
    g_object_unref(in);
    return rc;
}

/* Append code point to a buffer as UTF-8 (surrogates and NUL made safe). */
azk_status azk_decode__ole2_put_cp(azk_buf *b, uint32_t cp)
{
    uint8_t u[4];
    if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        cp = cp == 0 ? ' ' : 0xFFFD;
    return azk_buf_put(b, u, azk_utf8_encode(cp, u));
}

/* ---- .doc: piece table --------------------------------------------------------------- */

struct doc_out {
    struct azk_decode_ctx *ctx;
    azk_buf line;
    uint64_t lineno;
    int field_depth;     /* inside field codes (0x13 .. 0x14) */
    uint32_t pending_hi; /* UTF-16 high surrogate */
};

static azk_status doc_end_line(struct doc_out *o)
{
    azk_status rc = AZK_OK;
    if (o->line.len > 0)
        rc = azk_decode__emit_line(o->ctx, o->lineno, o->line.data, o->line.len, false, NULL);
    azk_buf_clear(&o->line);
    o->lineno++;
    return rc;
}

static azk_status doc_char(struct doc_out *o, uint32_t c)
{
    azk_status rc;
    if (c == 0x13) { /* field begin: the code follows */
        o->field_depth++;
        return AZK_OK;
    }
    if (c == 0x14 || c == 0x15) { /* separator: the result follows; end */
        if (o->field_depth > 0)
            o->field_depth--;
        return AZK_OK;
    }
    if (o->field_depth > 0)
        return AZK_OK;
    if (c == 0x0D || c == 0x0B || c == 0x0C)
        return doc_end_line(o);
    if (c == 0x07 || c == 0x09)
        c = '\t';
    else if (c < 0x20)
        return AZK_OK; /* object anchors, footnote marks */
    if (c >= 0xD800 && c <= 0xDBFF) {
        o->pending_hi = c;
        return AZK_OK;
    }
    if (c >= 0xDC00 && c <= 0xDFFF && o->pending_hi != 0) {
        c = 0x10000 + ((o->pending_hi - 0xD800) << 10) + (c - 0xDC00);
    }
    o->pending_hi = 0;
    rc = azk_decode__ole2_put_cp(&o->line, c);
    if (rc == AZK_OK &&
        o->line.len >= 4 * (o->ctx->opts->max_line ? o->ctx->opts->max_line : (size_t)64 * 1024))
        rc = doc_end_line(o);
    return rc;
}

/* cp1252 0x80..0x9F; other bytes are Latin-1 ([MS-DOC] 2.4.1: compressed text) */
static const uint16_t cp1252_hi[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178};

static azk_status doc_read(struct azk_decode_ctx *ctx, const uint8_t *wd, size_t wd_len,
                           const uint8_t *tbl, size_t tbl_len)
{
    struct doc_out o;
    uint32_t fc_clx, lcb_clx, lcb, npcd, i;
    size_t pos;
    azk_status rc = AZK_OK;

    memset(&o, 0, sizeof(o));
    o.ctx = ctx;
    o.lineno = 1;
    fc_clx = azk_decode__ole2_u32at(wd + 0x01A2);
    lcb_clx = azk_decode__ole2_u32at(wd + 0x01A6);
    if (tbl == NULL || fc_clx > tbl_len || lcb_clx > tbl_len - fc_clx || lcb_clx < 5)
        return azk_error_set(AZK_ERR_FORMAT, "doc: no piece table");
    pos = fc_clx;
    /* Prc entries (0x01) come before the Pcdt (0x02) */
    while (pos < (size_t)fc_clx + lcb_clx && tbl[pos] == 0x01) {
        if (pos + 3 > tbl_len)
            return azk_error_set(AZK_ERR_FORMAT, "doc: bad piece table");
        pos += 3 + azk_decode__ole2_u16at(tbl + pos + 1);
    }
    if (pos + 5 > (size_t)fc_clx + lcb_clx || tbl[pos] != 0x02)
        return azk_error_set(AZK_ERR_FORMAT, "doc: bad piece table");
    lcb = azk_decode__ole2_u32at(tbl + pos + 1);
    pos += 5;
    if (lcb < 4 || lcb > (size_t)fc_clx + lcb_clx - pos || (lcb - 4) % 12 != 0)
        return azk_error_set(AZK_ERR_FORMAT, "doc: bad piece table");
    npcd = (lcb - 4) / 12;
    for (i = 0; i < npcd && rc == AZK_OK; i++) {
        uint32_t cp0 = azk_decode__ole2_u32at(tbl + pos + 4 * i),
                 cp1 = azk_decode__ole2_u32at(tbl + pos + 4 * (i + 1));
        const uint8_t *pcd = tbl + pos + 4 * ((size_t)npcd + 1) + 8 * i;
        uint32_t fc = azk_decode__ole2_u32at(pcd + 2), nch, k;
        bool compressed = (fc & 0x40000000u) != 0;
        size_t off;
        if (cp1 <= cp0)
            continue;
        nch = cp1 - cp0;
        fc &= 0x3FFFFFFFu;
        off = compressed ? fc / 2 : fc;
        if (off > wd_len || (size_t)nch * (compressed ? 1 : 2) > wd_len - off) {
            rc = azk_error_set(AZK_ERR_FORMAT, "doc: text piece outside the document");
            break;
        }
        for (k = 0; k < nch && rc == AZK_OK; k++) {
            uint32_t c;
            if (compressed) {
                c = wd[off + k];
                if (c >= 0x80 && c < 0xA0)
                    c = cp1252_hi[c - 0x80];
            } else {
                c = azk_decode__ole2_u16at(wd + off + 2 * (size_t)k);
            }
            rc = doc_char(&o, c);
        }
    }
    if (rc == AZK_OK && o.line.len > 0)
        rc = doc_end_line(&o);
    azk_buf_dispose(&o.line);
    return rc;
}

/* ---- .ppt: text atoms -------------------------------------------------------------------- */

static azk_status ppt_read(struct azk_decode_ctx *ctx, const uint8_t *p, size_t n)
{
    struct doc_out o;
    size_t pos = 0;
    azk_status rc = AZK_OK;
    memset(&o, 0, sizeof(o));
    o.ctx = ctx;
    o.lineno = 1;
    /* containers (recVer 0xF) are entered by reading on inside them: a flat walk */
    while (rc == AZK_OK && n - pos >= 8) {
        uint16_t ver = azk_decode__ole2_u16at(p + pos) & 0x0F,
                 type = azk_decode__ole2_u16at(p + pos + 2);
        uint32_t len = azk_decode__ole2_u32at(p + pos + 4);
        pos += 8;
        if (ver == 0x0F)
            continue;
        if (len > n - pos)
            break;
        if (type == 0x0FA0 || type == 0x0FA8) { /* TextCharsAtom, TextBytesAtom */
            uint32_t k;
            bool wide = type == 0x0FA0;
            for (k = 0; k + (wide ? 1u : 0u) < len && rc == AZK_OK; k += wide ? 2 : 1)
                rc = doc_char(&o, wide ? azk_decode__ole2_u16at(p + pos + k) : p[pos + k]);
            if (rc == AZK_OK)
                rc = doc_end_line(&o);
        }
        pos += len;
    }
    azk_buf_dispose(&o.line);
    return rc;
}

/* ---- entry --------------------------------------------------------------------------------- */

azk_status azk_decode__ole2_stream_mem(struct azk_decode_ctx *ctx, int kind, const uint8_t *p,
                                       size_t n)
{
    size_t half;
    switch (kind) {
        case 0:
            return azk_decode__ole2_xls_read(ctx, p, n);
        case 1:
            /* WordDocument and table stream: split the input at its first two bytes' value */
            if (n < 2)
                return AZK_OK;
            half = (size_t)(p[0] | p[1] << 8);
            if (half > n - 2)
                half = n - 2;
            if (half < 0x01AA)
                return AZK_OK;
            return doc_read(ctx, p + 2, half, p + 2 + half, n - 2 - half);
        default:
            return ppt_read(ctx, p, n);
    }
}

azk_status azk_decode__ole2(struct azk_decode_ctx *ctx, const uint8_t *p, size_t n)
{
    GsfInput *mem = NULL;
    GsfInfile *ole = NULL;
    GError *err = NULL;
    uint8_t *s1 = NULL, *s2 = NULL;
    size_t l1 = 0, l2 = 0;
    bool found = false, f2 = false;
    azk_status rc = AZK_OK;

    gsf_init();
    azk_decode__format(ctx, "ole2", NULL);
    mem = gsf_input_memory_new(p, (gsf_off_t)n, FALSE);
    if (mem == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    ole = GSF_INFILE(gsf_infile_msole_new(mem, &err));
    if (ole == NULL) {
        rc = azk_error_set(AZK_ERR_FORMAT, "ole2: damaged compound file");
        goto done;
    }
    rc = read_stream(ole, "Workbook", n, &s1, &l1, &found);
    if (rc != AZK_OK)
        goto done;
    if (found) {
        azk_decode__format(ctx, "xls", NULL);
        rc = azk_decode__ole2_xls_read(ctx, s1, l1);
        goto done;
    }
    rc = read_stream(ole, "Book", n, &s1, &l1, &found);
    if (rc == AZK_OK && found) {
        azk_decode__format(ctx, "xls", NULL);
        rc = azk_error_set(AZK_ERR_UNSUPPORTED, "xls: Excel 5/95 (BIFF5), not scannable");
        goto done;
    }
    if (rc != AZK_OK)
        goto done;
    rc = read_stream(ole, "WordDocument", n, &s1, &l1, &found);
    if (rc != AZK_OK)
        goto done;
    if (found) {
        uint16_t flags;
        azk_decode__format(ctx, "doc", NULL);
        if (l1 < 0x01AA || azk_decode__ole2_u16at(s1) != 0xA5EC) {
            rc = azk_error_set(AZK_ERR_UNSUPPORTED, "doc: not Word 97 or later, not scannable");
            goto done;
        }
        flags = azk_decode__ole2_u16at(s1 + 0x0A);
        if ((flags & 0x0100) != 0) {
            rc = azk_error_set(AZK_ERR_UNSUPPORTED, "doc: encrypted with a password, not "
                                                    "scannable");
            goto done;
        }
        rc = read_stream(ole, (flags & 0x0200) != 0 ? "1Table" : "0Table", n, &s2, &l2, &f2);
        if (rc == AZK_OK)
            rc = doc_read(ctx, s1, l1, s2, l2);
        goto done;
    }
    rc = read_stream(ole, "PowerPoint Document", n, &s1, &l1, &found);
    if (rc != AZK_OK)
        goto done;
    if (found) {
        azk_decode__format(ctx, "ppt", NULL);
        rc = ppt_read(ctx, s1, l1);
        goto done;
    }
    {
        GsfInput *enc = gsf_infile_child_by_name(ole, "EncryptedPackage");
        if (enc != NULL) {
            g_object_unref(enc);
            rc = azk_error_set(AZK_ERR_UNSUPPORTED,
                               "ole2: encrypted Office document (password), not scannable");
            goto done;
        }
    }
    rc = azk_error_set(AZK_ERR_UNSUPPORTED, "ole2: no Office document stream, not scannable");
done:
    if (err != NULL)
        g_error_free(err);
    if (ole != NULL)
        g_object_unref(ole);
    if (mem != NULL)
        g_object_unref(mem);
    azk_free(s1);
    azk_free(s2);
    return rc;
}
