/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/ooxml.c -- Office Open XML (ECMA-376) text extraction with expat:
 *   xlsx: xl/sharedStrings.xml (si/t, phonetic rPh runs left out), every
 *         xl/worksheets/sheetN.xml (row/c: shared, inline, number, boolean,
 *         cached formula values) as tabular records, one per row, columns
 *         from the cell reference (A1 -> 0), sheet names from xl/workbook.xml
 *         and its relationships;
 *   docx: word/document.xml, headers, footers, foot/endnotes, comments:
 *         w:p is a line, w:t / w:delText text, w:tab a tab, w:br / w:cr a
 *         line break;
 *   pptx: ppt/slides/slideN.xml and notes: a:p a line, a:t text, a:br.
 * The document is a leaf object: parts are not announced as members.
 *
 * The zip is read once, in its own order (libarchive streams; it cannot
 * jump to a part). Excel writes sharedStrings.xml after the sheets, so
 * rows whose cells refer to shared strings that are not loaded yet are
 * held back in memory, compactly (column, kind, value), up to
 * AZK_DECODE_DEFER_MAX bytes, and emitted when the table arrives or at the
 * end. Nothing is ever written to a temporary file.
 *
 * Every part is read through a member stream, so the dispatcher's limits
 * (size, total, ratio) hold for parts as for any member.
 */
#include "decode/decode_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ox_kind { OX_UNKNOWN = 0, OX_XLSX, OX_DOCX, OX_PPTX };
enum part_kind {
    PART_SKIP = 0,
    PART_CTYPES,
    PART_WORKBOOK,
    PART_WB_RELS,
    PART_SST,
    PART_STYLES,
    PART_SHEET,
    PART_TEXT /* docx / pptx text part */
};

#define OX_MAX_SHEETS 4096
#define OX_NAME_MAX   256

struct ox_sheet {
    char *name;
    char *rid;
};

#define OX_MAX_XF     65536
#define OX_MAX_NUMFMT 1024
#define OX_DATE_LEN   24

struct ox_numfmt {
    uint32_t id;
    bool is_date;
};

struct ox_rel {
    char *id;
    char *target; /* normalised to a part path: "xl/worksheets/sheet1.xml" */
};

struct ooxml {
    struct azk_decode_ctx *ctx;
    enum ox_kind kind;
    bool formatted;
    bool ct_seen, ct_has_sst, ct_has_styles, wb_seen;
    /* styles: which cell formats are dates (Excel stores dates as serial numbers) */
    uint8_t *xf_date; /* per cellXfs index: 1 = date format */
    size_t xf_count;
    struct ox_numfmt *numfmts;
    size_t numfmt_count;
    bool styles_loaded, in_cellxfs, date1904;
    char *datebuf; /* AZK_DECODE_MAX_FIELDS x OX_DATE_LEN: converted cells of a row */
    /* shared strings */
    azk_buf sst;       /* strings, each NUL-terminated */
    uint32_t *sst_off; /* offsets into sst (sst is below 4 GiB: AZK_DECODE_SST_MAX) */
    size_t sst_count, sst_cap;
    bool sst_loaded;
    /* workbook */
    struct ox_sheet *sheets;
    size_t sheet_count;
    struct ox_rel *rels;
    size_t rel_count;
    /* rows held back / the row being built, serialised */
    azk_buf defer;
    azk_buf row;
    bool deferring;
    /* emission state per sheet */
    char *emit_part;
    char *emit_name;
    bool emit_header_known, emit_have_header;
    uint64_t emit_data_rows;
    char **hdr;
    size_t *hdr_len;
    size_t hdr_count;
    azk_field *fields;
    /* text parts */
    struct azk_lines lines;
    azk_buf scratch;
    /* parser state */
    XML_Parser xp;
    enum part_kind part;
    const char *part_name;
    azk_status err;
    int in_text; /* inside a text-bearing element (t, v) */
    int in_rph;  /* inside a phonetic run */
    int in_is;   /* inside an inline string */
    bool in_si;
    azk_buf cell; /* text of the current cell or shared string */
    uint32_t cell_col, next_col;
    bool cell_sst;
    bool cell_num;       /* numeric cell (no t, or t="n") */
    uint32_t cell_style; /* s attribute */
    bool cell_open;
    uint64_t row_r, next_row;
    bool in_row;
    uint32_t row_cells;
    bool row_has_sst;
    bool row_has_styled;
};

static const char *local_name(const char *n)
{
    const char *c = strrchr(n, ':');
    return c != NULL ? c + 1 : n;
}

static const char *attr(const XML_Char **atts, const char *lname)
{
    size_t i;
    for (i = 0; atts[i] != NULL; i += 2) {
        if (strcmp(local_name(atts[i]), lname) == 0)
            return atts[i + 1];
    }
    return NULL;
}

static void ox_fail(struct ooxml *ox, azk_status rc)
{
    if (ox->err == AZK_OK)
        ox->err = rc;
    if (ox->xp != NULL)
        XML_StopParser(ox->xp, XML_FALSE);
}

static void ox_set_kind(struct ooxml *ox, enum ox_kind k)
{
    static const char *const names[] = {"ooxml", "xlsx", "docx", "pptx"};
    if (ox->formatted || k == OX_UNKNOWN)
        return;
    ox->kind = k;
    ox->formatted = true;
    azk_decode__format(ox->ctx, names[k], "utf-8");
}

/* ---- append with a bound -------------------------------------------------------------- */

static void cell_append(struct ooxml *ox, const char *s, size_t n)
{
    size_t max = ox->ctx->opts->max_cell > 0 ? ox->ctx->opts->max_cell : (size_t)64 * 1024;
    size_t room = ox->cell.len < max ? max - ox->cell.len : 0;
    azk_status rc;
    if (n > room)
        n = azk_decode__utf8_boundary((const uint8_t *)s, room); /* cut: cell limit */
    if (n == 0)
        return;
    rc = azk_buf_put(&ox->cell, s, n);
    if (rc != AZK_OK)
        ox_fail(ox, rc);
}

/* ---- shared strings ---------------------------------------------------------------------- */

static void sst_push(struct ooxml *ox)
{
    /* every string costs its offset too: the count is bounded with the bytes */
    const size_t max_count = AZK_DECODE_SST_MAX / (sizeof(uint32_t) + 1);
    azk_status rc;
    if (ox->sst_count >= max_count ||
        ox->sst.len + ox->cell.len + 1 + (ox->sst_count + 1) * sizeof(uint32_t) >
            AZK_DECODE_SST_MAX) {
        ox_fail(ox,
                azk_error_set(AZK_ERR_LIMIT, "xlsx: shared strings over %zu bytes (text and table)",
                              (size_t)AZK_DECODE_SST_MAX));
        return;
    }
    if (ox->sst_count == ox->sst_cap) {
        size_t ncap = ox->sst_cap == 0 ? 1024 : ox->sst_cap * 2, bytes;
        uint32_t *n;
        if (ncap > max_count)
            ncap = max_count;
        if (azk_mul_overflow(&bytes, ncap, sizeof(uint32_t))) {
            ox_fail(ox, azk_error_set(AZK_ERR_LIMIT, "xlsx: shared strings table too large"));
            return;
        }
        n = azk_realloc(ox->sst_off, bytes);
        if (n == NULL) {
            ox_fail(ox, azk_error_nomem());
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
        ox_fail(ox, rc);
        return;
    }
    ox->sst_count++;
}

/* ---- rows: serialised as [u64 r][u32 n] then n x [u32 col][u8 sst][u32 len][bytes] -------- */

static azk_status put_u32(azk_buf *b, uint32_t v)
{
    return azk_buf_put(b, &v, sizeof(v));
}

static void row_begin(struct ooxml *ox, uint64_t r)
{
    uint32_t zero = 0;
    azk_status rc;
    azk_buf_clear(&ox->row);
    rc = azk_buf_put(&ox->row, &r, sizeof(r));
    if (rc == AZK_OK)
        rc = azk_buf_put(&ox->row, &zero, sizeof(zero));
    if (rc != AZK_OK)
        ox_fail(ox, rc);
    ox->row_cells = 0;
    ox->row_has_sst = false;
    ox->row_has_styled = false;
    ox->next_col = 0;
}

static void row_add_cell(struct ooxml *ox)
{
    azk_status rc;
    uint8_t k = ox->cell_sst ? 1 : 0;
    bool styled = !ox->cell_sst && ox->cell_num && ox->cell_style > 0;
    if (ox->cell.len == 0)
        return;
    if (styled)
        k = 2; /* number with a cell format: [u32 style][text] */
    rc = put_u32(&ox->row, ox->cell_col);
    if (rc == AZK_OK)
        rc = azk_buf_put(&ox->row, &k, 1);
    if (rc == AZK_OK)
        rc = put_u32(&ox->row, (uint32_t)ox->cell.len + (styled ? 4 : 0));
    if (rc == AZK_OK && styled)
        rc = put_u32(&ox->row, ox->cell_style);
    if (rc == AZK_OK)
        rc = azk_buf_put(&ox->row, ox->cell.data, ox->cell.len);
    if (rc != AZK_OK) {
        ox_fail(ox, rc);
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

static void drop_header(struct ooxml *ox)
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

/* Days since 1970-01-01 -> civil date (H. Hinnant's algorithm). */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    int64_t era, yy;
    unsigned doe, yoe, doy, mp;
    z += 719468;
    era = (z >= 0 ? z : z - 146096) / 146097;
    doe = (unsigned)(z - era * 146097);
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    yy = (int64_t)yoe + era * 400;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = yy + (*m <= 2);
}

/*
 * Excel serial date text -> "YYYY-MM-DD" (plus " HH:MM" when it has a time
 * of day) in out (OX_DATE_LEN bytes). 1900 system with its leap-year bug
 * (serial 60 is the nonexistent 1900-02-29), or the 1904 system. Returns
 * the length, 0 when the text is not a plausible serial.
 */
static size_t excel_date(const struct ooxml *ox, const char *s, size_t n, char *out)
{
    char tmp[40];
    char *end = NULL;
    double v, frac;
    int64_t days, y;
    unsigned m, d, minutes;
    int len;
    if (n == 0 || n >= sizeof(tmp))
        return 0;
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    v = strtod(tmp, &end);
    if (end == tmp || *end != '\0' || !(v >= 1.0 && v < 2958466.0))
        return 0; /* up to 9999-12-31 */
    days = (int64_t)v;
    frac = v - (double)days;
    if (ox->date1904) {
        days += 1462;
    } else if (days < 60) {
        days += 1; /* before the phantom 1900-02-29 */
    } else if (days == 60) {
        return 0;
    }
    /* serial 25569 (1900 system, after the bug) is 1970-01-01 */
    civil_from_days(days - 25569, &y, &m, &d);
    minutes = (unsigned)(frac * 1440.0 + 0.5);
    if (minutes == 0 || minutes >= 1440)
        len = snprintf(out, OX_DATE_LEN, "%04lld-%02u-%02u", (long long)y, m, d);
    else
        len = snprintf(out, OX_DATE_LEN, "%04lld-%02u-%02u %02u:%02u", (long long)y, m, d,
                       minutes / 60, minutes % 60);
    return len > 0 && len < OX_DATE_LEN ? (size_t)len : 0;
}

static void style_numfmt(struct ooxml *ox, const XML_Char **atts)
{
    const char *id = attr(atts, "numFmtId"), *code = attr(atts, "formatCode");
    if (id == NULL || code == NULL || ox->numfmt_count >= OX_MAX_NUMFMT)
        return;
    if (ox->numfmts == NULL) {
        ox->numfmts = azk_calloc(OX_MAX_NUMFMT, sizeof(*ox->numfmts));
        if (ox->numfmts == NULL) {
            ox_fail(ox, azk_error_nomem());
            return;
        }
    }
    ox->numfmts[ox->numfmt_count].id = (uint32_t)strtoul(id, NULL, 10);
    ox->numfmts[ox->numfmt_count].is_date = code_is_date(code);
    ox->numfmt_count++;
}

static void style_xf(struct ooxml *ox, const XML_Char **atts)
{
    const char *id = attr(atts, "numFmtId");
    uint32_t fid = id != NULL ? (uint32_t)strtoul(id, NULL, 10) : 0;
    bool date = builtin_date_fmt(fid);
    size_t i;
    if (ox->xf_count >= OX_MAX_XF)
        return;
    if (ox->xf_date == NULL) {
        ox->xf_date = azk_calloc(OX_MAX_XF, 1);
        if (ox->xf_date == NULL) {
            ox_fail(ox, azk_error_nomem());
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
        drop_header(ox);
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
                f->len = strlen(f->ptr);
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
static azk_status replay(struct ooxml *ox)
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

static void row_end(struct ooxml *ox)
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
            ox_fail(ox, rc);
        return;
    }
    rc = emit_row(ox, ox->part_name, ox->row.data, ox->row.len, &used);
    if (rc != AZK_OK)
        ox_fail(ox, rc);
}

/* "BC12" -> 54 (0-based column) */
static bool col_of_ref(const char *ref, uint32_t *col)
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

/* ---- text parts -------------------------------------------------------------------------- */

static void text_feed(struct ooxml *ox, const char *s, size_t n)
{
    azk_status rc;
    azk_buf_clear(&ox->scratch);
    rc = azk_buf_put(&ox->scratch, s, n);
    if (rc == AZK_OK)
        rc = azk_decode__lines_feed(&ox->lines, ox->scratch.data, n);
    if (rc != AZK_OK)
        ox_fail(ox, rc);
}

/* ---- expat handlers ---------------------------------------------------------------------- */

static char *dup_bounded(const char *s)
{
    size_t n = strlen(s);
    if (n > OX_NAME_MAX)
        n = azk_decode__utf8_boundary((const uint8_t *)s, OX_NAME_MAX);
    return azk_strndup(s, n);
}

/* "worksheets/sheet1.xml" relative to xl/, or "/xl/worksheets/sheet1.xml" */
static char *rel_target(const char *t)
{
    char *out;
    size_t n;
    if (t[0] == '/')
        return dup_bounded(t + 1);
    n = strlen(t);
    if (n > OX_NAME_MAX)
        return NULL;
    out = azk_malloc(n + 4);
    if (out == NULL)
        return NULL;
    out[0] = 'x';
    out[1] = 'l';
    out[2] = '/';
    memcpy(out + 3, t, n + 1);
    return out;
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    struct ooxml *ox = ud;
    const char *ln = local_name(name);
    const char *v;
    if (ox->err != AZK_OK)
        return;
    switch (ox->part) {
        case PART_CTYPES:
            if (strcmp(ln, "Override") == 0) {
                v = attr(atts, "PartName");
                if (v == NULL)
                    break;
                if (strcmp(v, "/xl/sharedStrings.xml") == 0)
                    ox->ct_has_sst = true;
                if (strcmp(v, "/xl/styles.xml") == 0)
                    ox->ct_has_styles = true;
                if (strcmp(v, "/xl/workbook.xml") == 0)
                    ox_set_kind(ox, OX_XLSX);
                else if (strcmp(v, "/word/document.xml") == 0)
                    ox_set_kind(ox, OX_DOCX);
                else if (strcmp(v, "/ppt/presentation.xml") == 0)
                    ox_set_kind(ox, OX_PPTX);
            }
            break;
        case PART_WORKBOOK:
            if (strcmp(ln, "workbookPr") == 0) {
                v = attr(atts, "date1904");
                ox->date1904 = v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
            } else if (strcmp(ln, "sheet") == 0 && ox->sheet_count < OX_MAX_SHEETS) {
                const char *nm = attr(atts, "name"), *id = attr(atts, "id");
                struct ox_sheet *s;
                if (nm == NULL)
                    break;
                if (ox->sheets == NULL) {
                    ox->sheets = azk_calloc(OX_MAX_SHEETS, sizeof(*ox->sheets));
                    if (ox->sheets == NULL) {
                        ox_fail(ox, azk_error_nomem());
                        break;
                    }
                }
                s = &ox->sheets[ox->sheet_count++];
                s->name = dup_bounded(nm);
                s->rid = id != NULL ? dup_bounded(id) : NULL;
                if (s->name == NULL || (id != NULL && s->rid == NULL))
                    ox_fail(ox, azk_error_nomem());
            }
            break;
        case PART_WB_RELS:
            if (strcmp(ln, "Relationship") == 0 && ox->rel_count < OX_MAX_SHEETS) {
                const char *id = attr(atts, "Id"), *t = attr(atts, "Target");
                struct ox_rel *r;
                if (id == NULL || t == NULL)
                    break;
                if (ox->rels == NULL) {
                    ox->rels = azk_calloc(OX_MAX_SHEETS, sizeof(*ox->rels));
                    if (ox->rels == NULL) {
                        ox_fail(ox, azk_error_nomem());
                        break;
                    }
                }
                r = &ox->rels[ox->rel_count];
                r->id = dup_bounded(id);
                r->target = rel_target(t);
                if (r->id == NULL || r->target == NULL) {
                    azk_free(r->id);
                    azk_free(r->target);
                    r->id = r->target = NULL;
                    break;
                }
                ox->rel_count++;
            }
            break;
        case PART_STYLES:
            if (strcmp(ln, "numFmt") == 0)
                style_numfmt(ox, atts);
            else if (strcmp(ln, "cellXfs") == 0)
                ox->in_cellxfs = true;
            else if (strcmp(ln, "xf") == 0 && ox->in_cellxfs)
                style_xf(ox, atts);
            break;
        case PART_SST:
            if (strcmp(ln, "si") == 0) {
                ox->in_si = true;
                azk_buf_clear(&ox->cell);
            } else if (strcmp(ln, "rPh") == 0) {
                ox->in_rph++;
            } else if (strcmp(ln, "t") == 0 && ox->in_si && ox->in_rph == 0) {
                ox->in_text++;
            }
            break;
        case PART_SHEET:
            if (strcmp(ln, "row") == 0) {
                uint64_t r = ox->next_row;
                v = attr(atts, "r");
                if (v != NULL) {
                    uint64_t x = 0;
                    size_t i;
                    for (i = 0; v[i] >= '0' && v[i] <= '9' && i < 19; i++)
                        x = x * 10 + (uint64_t)(v[i] - '0');
                    if (i > 0)
                        r = x;
                }
                ox->row_r = r;
                ox->next_row = r + 1;
                ox->in_row = true;
                row_begin(ox, r);
            } else if (strcmp(ln, "c") == 0 && ox->in_row) {
                uint32_t col = ox->next_col;
                const char *t = attr(atts, "t");
                v = attr(atts, "r");
                if (v != NULL && !col_of_ref(v, &col))
                    col = ox->next_col;
                ox->cell_col = col;
                ox->next_col = col + 1;
                ox->cell_sst = t != NULL && strcmp(t, "s") == 0;
                ox->cell_num = t == NULL || strcmp(t, "n") == 0;
                v = attr(atts, "s");
                ox->cell_style = v != NULL ? (uint32_t)strtoul(v, NULL, 10) : 0;
                ox->cell_open = true;
                azk_buf_clear(&ox->cell);
            } else if (strcmp(ln, "is") == 0) {
                ox->in_is++;
            } else if (strcmp(ln, "rPh") == 0) {
                ox->in_rph++;
            } else if (ox->cell_open && ox->in_rph == 0 &&
                       (strcmp(ln, "v") == 0 || (strcmp(ln, "t") == 0 && ox->in_is > 0))) {
                ox->in_text++;
            }
            break;
        case PART_TEXT:
            if (strcmp(ln, "t") == 0 || strcmp(ln, "delText") == 0) {
                ox->in_text++;
            } else if (strcmp(ln, "tab") == 0 && ox->kind != OX_PPTX) {
                text_feed(ox, "\t", 1);
            } else if (strcmp(ln, "br") == 0 || strcmp(ln, "cr") == 0) {
                text_feed(ox, "\n", 1);
            }
            break;
        default:
            break;
    }
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    struct ooxml *ox = ud;
    const char *ln = local_name(name);
    if (ox->err != AZK_OK)
        return;
    switch (ox->part) {
        case PART_STYLES:
            if (strcmp(ln, "cellXfs") == 0)
                ox->in_cellxfs = false;
            break;
        case PART_SST:
            if (strcmp(ln, "si") == 0) {
                ox->in_si = false;
                ox->in_text = 0;
                sst_push(ox);
            } else if (strcmp(ln, "rPh") == 0 && ox->in_rph > 0) {
                ox->in_rph--;
            } else if (strcmp(ln, "t") == 0 && ox->in_text > 0) {
                ox->in_text--;
            }
            break;
        case PART_SHEET:
            if (strcmp(ln, "row") == 0) {
                if (ox->in_row)
                    row_end(ox);
                ox->in_row = false;
            } else if (strcmp(ln, "c") == 0) {
                if (ox->cell_open)
                    row_add_cell(ox);
                ox->cell_open = false;
                ox->in_text = 0;
                ox->in_is = 0;
            } else if (strcmp(ln, "is") == 0 && ox->in_is > 0) {
                ox->in_is--;
            } else if (strcmp(ln, "rPh") == 0 && ox->in_rph > 0) {
                ox->in_rph--;
            } else if ((strcmp(ln, "v") == 0 || strcmp(ln, "t") == 0) && ox->in_text > 0) {
                ox->in_text--;
            }
            break;
        case PART_TEXT:
            if ((strcmp(ln, "t") == 0 || strcmp(ln, "delText") == 0) && ox->in_text > 0)
                ox->in_text--;
            else if (strcmp(ln, "p") == 0)
                text_feed(ox, "\n", 1);
            break;
        default:
            break;
    }
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    struct ooxml *ox = ud;
    if (ox->err != AZK_OK || ox->in_text <= 0 || len <= 0)
        return;
    if (ox->part == PART_TEXT)
        text_feed(ox, s, (size_t)len);
    else
        cell_append(ox, s, (size_t)len);
}

static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal_subset)
{
    struct ooxml *ox = ud;
    (void)name;
    (void)sysid;
    (void)pubid;
    (void)has_internal_subset;
    /* OOXML parts have no DTD: refuse entity games outright */
    ox_fail(ox, azk_error_set(AZK_ERR_FORMAT, "%s: DOCTYPE in an XML part", "ooxml"));
}

/* ---- parts ---------------------------------------------------------------------------------- */

static bool has_prefix(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static bool has_suffix(const char *s, const char *x)
{
    size_t n = strlen(s), m = strlen(x);
    return n >= m && strcmp(s + n - m, x) == 0;
}

static enum part_kind classify(struct ooxml *ox, const char *name)
{
    if (strcmp(name, "[Content_Types].xml") == 0)
        return PART_CTYPES;
    if (!has_suffix(name, ".xml") && !has_suffix(name, ".rels"))
        return PART_SKIP;
    if (has_prefix(name, "xl/")) {
        ox_set_kind(ox, OX_XLSX);
        if (ox->kind != OX_XLSX)
            return PART_SKIP;
        if (strcmp(name, "xl/workbook.xml") == 0)
            return PART_WORKBOOK;
        if (strcmp(name, "xl/_rels/workbook.xml.rels") == 0)
            return PART_WB_RELS;
        if (strcmp(name, "xl/sharedStrings.xml") == 0)
            return PART_SST;
        if (strcmp(name, "xl/styles.xml") == 0)
            return PART_STYLES;
        if (has_prefix(name, "xl/worksheets/") && strchr(name + 14, '/') == NULL)
            return PART_SHEET;
        return PART_SKIP;
    }
    if (has_prefix(name, "word/")) {
        ox_set_kind(ox, OX_DOCX);
        if (ox->kind != OX_DOCX || strchr(name + 5, '/') != NULL)
            return PART_SKIP;
        if (strcmp(name, "word/document.xml") == 0 || has_prefix(name, "word/header") ||
            has_prefix(name, "word/footer") || strcmp(name, "word/footnotes.xml") == 0 ||
            strcmp(name, "word/endnotes.xml") == 0 || strcmp(name, "word/comments.xml") == 0)
            return PART_TEXT;
        return PART_SKIP;
    }
    if (has_prefix(name, "ppt/")) {
        ox_set_kind(ox, OX_PPTX);
        if (ox->kind != OX_PPTX)
            return PART_SKIP;
        if ((has_prefix(name, "ppt/slides/slide") || has_prefix(name, "ppt/notesSlides/")) &&
            strchr(strchr(name + 4, '/') + 1, '/') == NULL)
            return PART_TEXT;
        return PART_SKIP;
    }
    return PART_SKIP;
}

static azk_status parse_part(struct ooxml *ox, enum part_kind kind, const char *name,
                             azk_source *src, const uint8_t *mem, size_t mem_len)
{
    azk_status rc = AZK_OK;
    uint8_t *buf = NULL;

    ox->xp = XML_ParserCreate(NULL);
    if (ox->xp == NULL)
        return azk_error_nomem();
    XML_SetUserData(ox->xp, ox);
    XML_SetElementHandler(ox->xp, on_start, on_end);
    XML_SetCharacterDataHandler(ox->xp, on_text);
    XML_SetStartDoctypeDeclHandler(ox->xp, on_doctype);
    ox->part = kind;
    ox->part_name = name;
    ox->in_text = ox->in_rph = ox->in_is = 0;
    ox->in_si = false;
    ox->in_cellxfs = false;
    ox->cell_open = false;
    ox->in_row = false;
    ox->next_row = 1;
    if (kind == PART_SST)
        ox->sst.max = AZK_DECODE_SST_MAX;

    if (mem != NULL) {
        if (mem_len > (size_t)0x7fffffff) {
            rc = azk_error_set(AZK_ERR_LIMIT, "ooxml: part too large");
            goto done;
        }
        if (XML_Parse(ox->xp, (const char *)mem, (int)mem_len, XML_TRUE) == XML_STATUS_ERROR &&
            ox->err == AZK_OK)
            rc = azk_error_set(AZK_ERR_FORMAT, "ooxml: malformed XML part (line %lu)",
                               (unsigned long)XML_GetCurrentLineNumber(ox->xp));
    } else {
        buf = azk_malloc(AZK_DECODE_CHUNK);
        if (buf == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        for (;;) {
            size_t got = 0;
            rc = src->read(src->ctx, buf, AZK_DECODE_CHUNK, &got);
            if (rc != AZK_OK)
                goto done;
            if (XML_Parse(ox->xp, (const char *)buf, (int)got, got == 0) == XML_STATUS_ERROR) {
                if (ox->err == AZK_OK)
                    rc = azk_error_set(AZK_ERR_FORMAT, "ooxml: malformed XML part (line %lu)",
                                       (unsigned long)XML_GetCurrentLineNumber(ox->xp));
                break;
            }
            if (got == 0 || ox->err != AZK_OK)
                break;
        }
    }
    if (rc == AZK_OK && ox->err != AZK_OK)
        rc = ox->err;
    if (rc != AZK_OK)
        goto done;
    if (kind == PART_SST || kind == PART_STYLES) {
        if (kind == PART_SST)
            ox->sst_loaded = true;
        else
            ox->styles_loaded = true;
        /* held-back rows go out once nothing they may need is still to come */
        if (ox->deferring && (ox->sst_loaded || (ox->ct_seen && !ox->ct_has_sst)) &&
            (ox->styles_loaded || (ox->ct_seen && !ox->ct_has_styles)))
            rc = replay(ox);
    } else if (kind == PART_TEXT) {
        /* a part ends its last line */
        if (ox->lines.carry.len > 0 || ox->lines.cut) {
            rc = azk_decode__lines_finish(&ox->lines);
            ox->lines.lineno++;
            ox->lines.cut = false;
        }
        ox->lines.cr_pending = false;
    }
done:
    XML_ParserFree(ox->xp);
    ox->xp = NULL;
    azk_free(buf);
    return rc;
}

static void ox_init(struct ooxml *ox, struct azk_decode_ctx *ctx)
{
    memset(ox, 0, sizeof(*ox));
    ox->ctx = ctx;
    ox->defer.max = AZK_DECODE_DEFER_MAX;
    azk_decode__lines_init(&ox->lines, ctx);
}

static azk_status ox_prepare(struct ooxml *ox)
{
    ox->fields = azk_calloc(AZK_DECODE_MAX_FIELDS, sizeof(azk_field));
    ox->datebuf = azk_malloc((size_t)AZK_DECODE_MAX_FIELDS * OX_DATE_LEN);
    if (ox->fields == NULL || ox->datebuf == NULL)
        return azk_error_nomem();
    return AZK_OK;
}

static azk_status ox_finish(struct ooxml *ox)
{
    azk_status rc = AZK_OK;
    if (ox->deferring)
        rc = replay(ox);
    if (!ox->formatted)
        azk_decode__format(ox->ctx, "ooxml", "utf-8");
    ox->formatted = true;
    return rc;
}

static void ox_dispose(struct ooxml *ox)
{
    size_t i;
    for (i = 0; i < ox->sheet_count; i++) {
        azk_free(ox->sheets[i].name);
        azk_free(ox->sheets[i].rid);
    }
    azk_free(ox->sheets);
    for (i = 0; i < ox->rel_count; i++) {
        azk_free(ox->rels[i].id);
        azk_free(ox->rels[i].target);
    }
    azk_free(ox->rels);
    drop_header(ox);
    azk_free(ox->emit_part);
    azk_free(ox->emit_name);
    azk_free(ox->fields);
    azk_free(ox->datebuf);
    azk_free(ox->xf_date);
    azk_free(ox->numfmts);
    azk_free(ox->sst_off);
    azk_buf_dispose(&ox->sst);
    azk_buf_dispose(&ox->defer);
    azk_buf_dispose(&ox->row);
    azk_buf_dispose(&ox->cell);
    azk_buf_dispose(&ox->scratch);
    azk_decode__lines_dispose(&ox->lines);
}

bool azk_decode__ooxml_first_name(const char *name)
{
    if (name == NULL)
        return false;
    return strcmp(name, "[Content_Types].xml") == 0 || has_prefix(name, "_rels/") ||
           has_prefix(name, "docProps/") || has_prefix(name, "xl/") || has_prefix(name, "word/") ||
           has_prefix(name, "ppt/");
}

azk_status azk_decode__ooxml(struct azk_decode_ctx *ctx, struct archive *a,
                             struct azk_archive_client *client, struct archive_entry *entry)
{
    struct ooxml ox;
    azk_status rc;
    char *name = NULL;
    int r;

    ox_init(&ox, ctx);
    rc = ox_prepare(&ox);
    if (rc != AZK_OK)
        goto done;
    for (;;) {
        enum part_kind kind;
        const char *pn = archive_entry_pathname(entry);
        azk_free(name);
        name = azk_strdup(pn != NULL ? pn : "");
        if (name == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        ctx->entries++;
        if (ctx->opts->max_entries > 0 && ctx->entries > ctx->opts->max_entries) {
            rc = azk_error_set(AZK_ERR_LIMIT, "more than %llu members",
                               (unsigned long long)ctx->opts->max_entries);
            goto done;
        }
        kind = classify(&ox, name);
        if (kind == PART_CTYPES)
            ox.ct_seen = true;
        if (kind == PART_WORKBOOK)
            ox.wb_seen = true;
        if (kind != PART_SKIP) {
            struct azk_member_stream ms;
            if (archive_entry_is_encrypted(entry)) {
                rc = azk_error_set(AZK_ERR_UNSUPPORTED, "encrypted document, not scannable");
                goto done;
            }
            azk_decode__member_stream_init(&ms, ctx, a, client, "ooxml");
            rc = parse_part(&ox, kind, name, &ms.as_source, NULL, 0);
            if (rc != AZK_OK)
                goto done;
        }
        r = archive_read_next_header(a, &entry);
        if (r == ARCHIVE_EOF)
            break;
        if (r < ARCHIVE_WARN) {
            if (!ox.formatted)
                azk_decode__format(ctx, "ooxml", "utf-8");
            ox.formatted = true;
            rc = client->err != AZK_OK
                     ? azk_error_set(client->err, "%s", client->msg)
                     : azk_error_set(AZK_ERR_FORMAT, "ooxml: truncated or corrupt document");
            goto done;
        }
    }
    rc = ox_finish(&ox);
done:
    if (!ox.formatted)
        azk_decode__format(ctx, "ooxml", "utf-8");
    azk_free(name);
    ox_dispose(&ox);
    return rc;
}

azk_status azk_decode__ooxml_part_mem(struct azk_decode_ctx *ctx, const char *part,
                                      const uint8_t *p, size_t n)
{
    struct ooxml ox;
    azk_status rc;
    enum part_kind kind;

    ox_init(&ox, ctx);
    rc = ox_prepare(&ox);
    if (rc != AZK_OK)
        goto done;
    kind = classify(&ox, part);
    if (kind != PART_SKIP)
        rc = parse_part(&ox, kind, part, NULL, p != NULL ? p : (const uint8_t *)"", n);
    if (rc == AZK_OK)
        rc = ox_finish(&ox);
done:
    ox_dispose(&ox);
    return rc;
}
