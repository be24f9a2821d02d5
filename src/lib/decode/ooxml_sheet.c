/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/ooxml_sheet.c -- the workbook side of OOXML: the shared string
 * table (bounded), rows serialised as they are parsed and replayed once
 * the header is known, cell references, number formats and styles that
 * make a number a date (ECMA-376 Part 1, 18.8.30), Excel serial dates as
 * YYYY-MM-DD.
 */
#include "decode/decode_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "decode/ooxml_int.h"

/* ---- shared strings ---------------------------------------------------------------------- */

void azk_decode__ox_sst_push(struct ooxml *ox)
{
    /* every string costs its offset too: the count is bounded with the bytes */
    const size_t max_count = AZK_DECODE_SST_MAX / (sizeof(uint32_t) + 1);
    azk_status rc;
    if (ox->sst_count >= max_count ||
        ox->sst.len + ox->cell.len + 1 + (ox->sst_count + 1) * sizeof(uint32_t) >
            AZK_DECODE_SST_MAX) {
        azk_decode__ox_fail(
            ox, azk_error_set(AZK_ERR_LIMIT, "xlsx: shared strings over %zu bytes (text and table)",
                              (size_t)AZK_DECODE_SST_MAX));
        return;
    }
    if (ox->sst_count == ox->sst_cap) {
        size_t ncap = ox->sst_cap == 0 ? 1024 : ox->sst_cap * 2, bytes;
        uint32_t *n;
        if (ncap > max_count)
            ncap = max_count;
        if (azk_mul_overflow(&bytes, ncap, sizeof(uint32_t))) {
            azk_decode__ox_fail(
                ox, azk_error_set(AZK_ERR_LIMIT, "xlsx: shared strings table too large"));
            return;
        }
        n = azk_realloc(ox->sst_off, bytes);
        if (n == NULL) {
            azk_decode__ox_fail(ox, azk_error_nomem());
            return;
        }
        ox->sst_off = n;
        ox->sst_cap = ncap;
    }
    ox->sst_off[ox->sst_count] = (uint32_t)ox->sst.len;
    rc = azk_buf_put(&ox->sst, ox->cell.data != NULL ? ox->cell.data : (const uint8_t *)"",
                     ox->cell.len);
    if (rc == AZK_OK)
        rc = azk_buf_putc(&ox->sst, 0);
    if (rc == AZK_ERR_LIMIT)
        rc = azk_error_set(AZK_ERR_LIMIT, "xlsx: shared strings over %zu bytes",
                           (size_t)AZK_DECODE_SST_MAX);
    if (rc != AZK_OK) {
        azk_decode__ox_fail(ox, rc);
        return;
    }
    ox->sst_count++;
}

/* ---- rows: serialised as [u64 r][u32 n] then n x [u32 col][u8 sst][u32 len][bytes] -------- */

static azk_status put_u32(azk_buf *b, uint32_t v)
{
    return azk_buf_put(b, &v, sizeof(v));
}

void azk_decode__ox_row_begin(struct ooxml *ox, uint64_t r)
{
    uint32_t zero = 0;
    azk_status rc;
    azk_buf_clear(&ox->row);
    rc = azk_buf_put(&ox->row, &r, sizeof(r));
    if (rc == AZK_OK)
        rc = azk_buf_put(&ox->row, &zero, sizeof(zero));
    if (rc != AZK_OK)
        azk_decode__ox_fail(ox, rc);
    ox->row_cells = 0;
    ox->row_has_sst = false;
    ox->row_has_styled = false;
    ox->next_col = 0;
}

void azk_decode__ox_row_add_cell(struct ooxml *ox)
{
    azk_status rc;
    uint8_t k = ox->cell_sst ? 1 : 0;
    bool styled = !ox->cell_sst && ox->cell_num && ox->cell_style > 0;
    uint8_t head[13];
    uint32_t len = (uint32_t)ox->cell.len + (styled ? 4 : 0);
    if (ox->cell.len == 0)
        return;
    if (styled)
        k = 2; /* number with a cell format: [u32 style][text] */
    /* [u32 col][u8 kind][u32 len]([u32 style]) in one append, then the text */
    memcpy(head, &ox->cell_col, 4);
    head[4] = k;
    memcpy(head + 5, &len, 4);
    if (styled)
        memcpy(head + 9, &ox->cell_style, 4);
    rc = azk_buf_put(&ox->row, head, styled ? 13 : 9);
    if (rc == AZK_OK)
        rc = azk_buf_put(&ox->row, ox->cell.data, ox->cell.len);
    if (rc != AZK_OK) {
        azk_decode__ox_fail(ox, rc);
        return;
    }
    ox->row_cells++;
    if (ox->cell_sst)
        ox->row_has_sst = true;
    if (styled)
        ox->row_has_styled = true;
    memcpy(ox->row.data + sizeof(uint64_t), &ox->row_cells, sizeof(uint32_t));
}

static const char *sheet_name_of(struct ooxml *ox, const char *part)
{
    size_t i, j;
    for (i = 0; i < ox->rel_count; i++) {
        if (strcmp(ox->rels[i].target, part) != 0)
            continue;
        for (j = 0; j < ox->sheet_count; j++) {
            if (ox->sheets[j].rid != NULL && strcmp(ox->sheets[j].rid, ox->rels[i].id) == 0)
                return ox->sheets[j].name;
        }
    }
    return NULL;
}

static azk_status keep_header(struct ooxml *ox, const azk_field *f, size_t n)
{
    size_t i;
    uint32_t maxcol = 0;
    for (i = 0; i < n; i++)
        maxcol = f[i].col > maxcol ? f[i].col : maxcol;
    if (maxcol >= AZK_DECODE_MAX_FIELDS * 4)
        return AZK_OK; /* absurd layout: no header mapping */
    ox->hdr = azk_calloc((size_t)maxcol + 1, sizeof(char *));
    ox->hdr_len = azk_calloc((size_t)maxcol + 1, sizeof(size_t));
    if (ox->hdr == NULL || ox->hdr_len == NULL)
        return azk_error_nomem();
    ox->hdr_count = (size_t)maxcol + 1;
    for (i = 0; i < n; i++) {
        size_t len = f[i].len;
        if (ox->hdr[f[i].col] != NULL)
            continue; /* the same cell reference twice: keep the first */
        if (len > AZK_DECODE_HEADER_MAX)
            len = azk_decode__utf8_boundary((const uint8_t *)f[i].ptr, AZK_DECODE_HEADER_MAX);
        ox->hdr[f[i].col] = azk_strndup(f[i].ptr, len);
        if (ox->hdr[f[i].col] == NULL)
            return azk_error_nomem();
        ox->hdr_len[f[i].col] = len;
    }
    return AZK_OK;
}

void azk_decode__ox_drop_header(struct ooxml *ox)
{
    size_t i;
    for (i = 0; i < ox->hdr_count; i++)
        azk_free(ox->hdr[i]);
    azk_free(ox->hdr);
    azk_free(ox->hdr_len);
    ox->hdr = NULL;
    ox->hdr_len = NULL;
    ox->hdr_count = 0;
}

/* ---- dates ------------------------------------------------------------------------------ */

/* Builtin number formats that are dates (ECMA-376 Part 1, 18.8.30; 27-36 and 50-58 are
 * the CJK locale date formats, e.g. 31 = yyyy"年"m"月"d"日"). */
static bool builtin_date_fmt(uint32_t id)
{
    return (id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 36) || (id >= 50 && id <= 58);
}

/* A custom format code is a date when it has y or d outside quotes and brackets. */
static bool code_is_date(const char *code)
{
    bool quoted = false;
    int bracket = 0;
    for (; *code != '\0'; code++) {
        char c = *code;
        if (c == '"') {
            quoted = !quoted;
        } else if (quoted) {
            continue;
        } else if (c == '\\' && code[1] != '\0') {
            code++;
        } else if (c == '[') {
            bracket++;
        } else if (c == ']' && bracket > 0) {
            bracket--;
        } else if (bracket == 0 && (c == 'y' || c == 'Y' || c == 'd' || c == 'D')) {
            return true;
        }
    }
    return false;
}

/*
 * Excel serial date text -> "YYYY-MM-DD" (plus " HH:MM" when it has a time
 * of day) in out (OX_DATE_LEN bytes), by azk_decode__excel_date. Returns
 * the length, 0 when the text is not a plausible serial.
 */
static size_t excel_date(const struct ooxml *ox, const char *s, size_t n, char *out)
{
    char tmp[40];
    char *end = NULL;
    double v;
    if (n == 0 || n >= sizeof(tmp))
        return 0;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    v = strtod(tmp, &end);
    if (end == tmp || *end != '\0')
        return 0;
    return azk_decode__excel_date(v, ox->date1904, out, OX_DATE_LEN);
}

void azk_decode__ox_style_numfmt(struct ooxml *ox, const XML_Char **atts)
{
    const char *id = azk_decode__ox_attr(atts, "numFmtId"),
               *code = azk_decode__ox_attr(atts, "formatCode");
    if (id == NULL || code == NULL || ox->numfmt_count >= OX_MAX_NUMFMT)
        return;
    if (ox->numfmts == NULL) {
        ox->numfmts = azk_calloc(OX_MAX_NUMFMT, sizeof(*ox->numfmts));
        if (ox->numfmts == NULL) {
            azk_decode__ox_fail(ox, azk_error_nomem());
            return;
        }
    }
    ox->numfmts[ox->numfmt_count].id = (uint32_t)strtoul(id, NULL, 10);
    ox->numfmts[ox->numfmt_count].is_date = code_is_date(code);
    ox->numfmt_count++;
}

void azk_decode__ox_style_xf(struct ooxml *ox, const XML_Char **atts)
{
    const char *id = azk_decode__ox_attr(atts, "numFmtId");
    uint32_t fid = id != NULL ? (uint32_t)strtoul(id, NULL, 10) : 0;
    bool date = builtin_date_fmt(fid);
    size_t i;
    if (ox->xf_count >= OX_MAX_XF)
        return;
    if (ox->xf_date == NULL) {
        ox->xf_date = azk_calloc(OX_MAX_XF, 1);
        if (ox->xf_date == NULL) {
            azk_decode__ox_fail(ox, azk_error_nomem());
            return;
        }
    }
    for (i = 0; i < ox->numfmt_count; i++) {
        if (ox->numfmts[i].id == fid)
            date = ox->numfmts[i].is_date;
    }
    ox->xf_date[ox->xf_count++] = date ? 1 : 0;
}

/* Emit one serialised row of sheet `part`; returns bytes consumed or 0 on a bad record. */
static azk_status emit_row(struct ooxml *ox, const char *part, const uint8_t *p, size_t n,
                           size_t *used)
{
    azk_reader r;
    uint64_t rown;
    uint32_t count, i;
    size_t nf = 0;
    azk_record rec;
    azk_status rc;
    bool continued = false;

    azk_reader_init(&r, p, n);
    if (azk_reader_left(&r) < 12)
        return azk_error_set(AZK_ERR_FORMAT, "xlsx: internal row record");
    memcpy(&rown, p, 8);
    memcpy(&count, p + 8, 4);
    r.pos = 12;
    if (ox->emit_part == NULL || strcmp(ox->emit_part, part) != 0) {
        const char *nm = sheet_name_of(ox, part);
        const char *base = strrchr(part, '/');
        azk_free(ox->emit_part);
        azk_free(ox->emit_name);
        ox->emit_part = azk_strdup(part);
        if (nm != NULL) {
            ox->emit_name = azk_strdup(nm);
        } else {
            base = base != NULL ? base + 1 : part;
            ox->emit_name = azk_strndup(base, strlen(base) > 4 ? strlen(base) - 4 : strlen(base));
        }
        if (ox->emit_part == NULL || ox->emit_name == NULL)
            return azk_error_nomem();
        ox->emit_header_known = false;
        ox->emit_have_header = false;
        ox->emit_data_rows = 0;
        azk_decode__ox_drop_header(ox);
    }
    memset(&rec, 0, sizeof(rec));
    rec.tabular = 1;
    rec.line = rown;
    rec.sheet = ox->emit_name;
    for (i = 0; i < count; i++) {
        uint32_t col, len;
        uint8_t k;
        const uint8_t *bytes;
        azk_field *f;
        if (azk_reader_u32le(&r, &col) != AZK_OK || azk_reader_u8(&r, &k) != AZK_OK ||
            azk_reader_u32le(&r, &len) != AZK_OK || azk_reader_bytes(&r, len, &bytes) != AZK_OK)
            return azk_error_set(AZK_ERR_FORMAT, "xlsx: internal row record");
        f = &ox->fields[nf++];
        memset(f, 0, sizeof(*f));
        f->col = col;
        f->ptr = (const char *)bytes;
        f->len = len;
        if (k == 2) {
            uint32_t style = 0;
            if (len < 4)
                return azk_error_set(AZK_ERR_FORMAT, "xlsx: internal row record");
            memcpy(&style, bytes, 4);
            f->ptr = (const char *)bytes + 4;
            f->len = len - 4;
            if (ox->styles_loaded && style < ox->xf_count && ox->xf_date[style]) {
                char *out = ox->datebuf + (nf - 1) * OX_DATE_LEN;
                size_t dl = excel_date(ox, f->ptr, f->len, out);
                if (dl > 0) {
                    f->ptr = out;
                    f->len = dl;
                }
            }
        } else if (k == 1) {
            /* shared string index */
            unsigned long idx = 0;
            uint32_t j;
            bool ok = len > 0 && len < 12;
            for (j = 0; ok && j < len; j++) {
                if (bytes[j] < '0' || bytes[j] > '9')
                    ok = false;
                else
                    idx = idx * 10 + (bytes[j] - '0');
            }
            if (ok && idx < ox->sst_count) {
                f->ptr = (const char *)ox->sst.data + ox->sst_off[idx];
                /* entries are NUL-terminated and hold no NUL (XML has none): the
                 * next entry's offset gives the length */
                f->len = idx + 1 < ox->sst_count ? ox->sst_off[idx + 1] - ox->sst_off[idx] - 1
                                                 : strlen(f->ptr);
            } else {
                f->ptr = "";
                f->len = 0;
            }
        }
        if (ox->emit_have_header && col < ox->hdr_count && ox->hdr[col] != NULL) {
            f->header = ox->hdr[col];
            f->header_len = ox->hdr_len[col];
        }
        if (nf == AZK_DECODE_MAX_FIELDS && i + 1 < count) {
            /* very wide row: deliver in parts (no header taken from it) */
            ox->emit_header_known = true;
            rec.row = ox->emit_have_header ? ox->emit_data_rows + 1 : rown;
            rec.fields = ox->fields;
            rec.field_count = nf;
            rec.continued = continued;
            rc = azk_decode__emit(ox->ctx, &rec);
            if (rc != AZK_OK)
                return rc;
            continued = true;
            nf = 0;
        }
    }
    rec.fields = ox->fields;
    rec.field_count = nf;
    rec.continued = continued;
    if (!ox->emit_header_known && !continued) {
        ox->emit_header_known = true;
        if (azk_decode__looks_like_header(ox->fields, nf)) {
            ox->emit_have_header = true;
            rc = keep_header(ox, ox->fields, nf);
            if (rc != AZK_OK)
                return rc;
            rec.is_header = 1;
        }
    }
    ox->emit_header_known = true;
    if (rec.is_header)
        rec.row = 0;
    else if (ox->emit_have_header)
        rec.row = ++ox->emit_data_rows;
    else
        rec.row = rown;
    *used = r.pos;
    if (nf == 0)
        return AZK_OK;
    return azk_decode__emit(ox->ctx, &rec);
}

/* Deferred rows: [u32 partlen][part][u32 rowlen][row] */
azk_status azk_decode__ox_replay(struct ooxml *ox)
{
    azk_reader r;
    azk_status rc = AZK_OK;
    char part[OX_NAME_MAX + 1];
    azk_reader_init(&r, ox->defer.data, ox->defer.len);
    while (azk_reader_left(&r) > 0) {
        uint32_t plen, rlen;
        const uint8_t *pp, *rp;
        size_t used = 0;
        if (azk_reader_u32le(&r, &plen) != AZK_OK || plen > OX_NAME_MAX ||
            azk_reader_bytes(&r, plen, &pp) != AZK_OK || azk_reader_u32le(&r, &rlen) != AZK_OK ||
            azk_reader_bytes(&r, rlen, &rp) != AZK_OK) {
            rc = azk_error_set(AZK_ERR_FORMAT, "xlsx: internal deferred record");
            break;
        }
        memcpy(part, pp, plen);
        part[plen] = '\0';
        rc = emit_row(ox, part, rp, rlen, &used);
        if (rc != AZK_OK)
            break;
    }
    azk_buf_dispose(&ox->defer);
    ox->deferring = false;
    return rc;
}

void azk_decode__ox_row_end(struct ooxml *ox)
{
    azk_status rc;
    size_t used = 0;
    if (ox->row_cells == 0)
        return;
    if (!ox->deferring &&
        ((ox->row_has_sst && !ox->sst_loaded && (ox->ct_has_sst || !ox->ct_seen)) ||
         (ox->row_has_styled && !ox->styles_loaded && (ox->ct_has_styles || !ox->ct_seen))))
        ox->deferring = true;
    if (ox->deferring) {
        size_t plen = strlen(ox->part_name);
        if (plen > OX_NAME_MAX)
            plen = OX_NAME_MAX;
        rc = put_u32(&ox->defer, (uint32_t)plen);
        if (rc == AZK_OK)
            rc = azk_buf_put(&ox->defer, ox->part_name, plen);
        if (rc == AZK_OK)
            rc = put_u32(&ox->defer, (uint32_t)ox->row.len);
        if (rc == AZK_OK)
            rc = azk_buf_put(&ox->defer, ox->row.data, ox->row.len);
        if (rc == AZK_ERR_LIMIT)
            rc = azk_error_set(AZK_ERR_LIMIT,
                               "xlsx: over %zu bytes of rows wait for the shared strings",
                               (size_t)AZK_DECODE_DEFER_MAX);
        if (rc != AZK_OK)
            azk_decode__ox_fail(ox, rc);
        return;
    }
    rc = emit_row(ox, ox->part_name, ox->row.data, ox->row.len, &used);
    if (rc != AZK_OK)
        azk_decode__ox_fail(ox, rc);
}

/* "BC12" -> 54 (0-based column) */
bool azk_decode__ox_col_of_ref(const char *ref, uint32_t *col)
{
    uint32_t c = 0;
    size_t i;
    for (i = 0; ref[i] >= 'A' && ref[i] <= 'Z'; i++) {
        if (i >= 3)
            return false;
        c = c * 26 + (uint32_t)(ref[i] - 'A' + 1);
    }
    if (i == 0)
        return false;
    *col = c - 1;
    return true;
}
