/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/ole2_xls.c -- .xls workbooks in an OLE2 compound file: the
 * "Workbook" stream, BIFF8 ([MS-XLS]): sheet names, the shared string
 * table (SST + CONTINUE), cell records (LABELSST, LABEL, NUMBER, RK, MULRK,
 * FORMULA cached values, BOOLERR), numbers in date formats as YYYY-MM-DD;
 * one tabular record per row, as for xlsx. FILEPASS: not scannable.
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

#define XLS_MAX_SHEETS 4096
#define XLS_MAX_XF     65536
#define XLS_MAX_FMT    4096
#define XLS_MAX_COLS   AZK_DECODE_MAX_FIELDS

/* ---- .xls: BIFF8 ------------------------------------------------------------------ */

struct xls_sheet {
    uint32_t pos;
    char *name;
};

struct xls {
    struct azk_decode_ctx *ctx;
    const uint8_t *wb;
    size_t wb_len;
    /* shared strings: offsets into sst (NUL-separated) */
    azk_buf sst;
    size_t *sst_off;
    size_t sst_count;
    struct xls_sheet *sheets;
    size_t sheet_count;
    uint16_t *xf_fmt; /* XF index -> format index */
    size_t xf_count;
    uint16_t *date_fmts; /* custom format indices that are dates */
    size_t date_fmt_count;
    bool date1904;
    /* current row */
    const char *sheet_name;
    char sheet_fallback[32];
    uint32_t row;
    bool row_open;
    azk_buf cells;      /* cell texts, NUL-terminated one after another */
    uint32_t *cell_col; /* XLS_MAX_COLS */
    size_t *cell_off;   /* XLS_MAX_COLS */
    size_t cell_count;
    azk_field *fields; /* XLS_MAX_COLS */
    /* header of the current sheet */
    bool header_known, have_header;
    azk_buf hdr;
    size_t *hdr_off; /* per column, SIZE_MAX = none */
    size_t hdr_cols;
    uint64_t data_rows;
    uint16_t formula_row, formula_col;
    bool formula_pending;
};

/*
 * A record stream over the Workbook: type, length, data; a reader over the
 * data of the current record and its CONTINUE records for strings.
 */
struct biff {
    const uint8_t *p;
    size_t n, pos;
    uint16_t type, len;
    const uint8_t *data;
};

static bool biff_next(struct biff *b)
{
    if (b->n - b->pos < 4)
        return false;
    b->type = (uint16_t)(b->p[b->pos] | b->p[b->pos + 1] << 8);
    b->len = (uint16_t)(b->p[b->pos + 2] | b->p[b->pos + 3] << 8);
    if (b->n - b->pos - 4 < b->len)
        return false;
    b->data = b->p + b->pos + 4;
    b->pos += 4 + (size_t)b->len;
    return true;
}

uint16_t azk_decode__ole2_u16at(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t azk_decode__ole2_u32at(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Characters of an XLUnicodeString body: cch chars, 8-bit (Latin-1) or UTF-16LE. */
static azk_status put_chars(azk_buf *b, const uint8_t *p, size_t avail, size_t cch, bool wide,
                            size_t *used)
{
    size_t i, k = 0;
    azk_status rc = AZK_OK;
    for (i = 0; i < cch && rc == AZK_OK; i++) {
        uint32_t cp;
        if (wide) {
            if (k + 2 > avail)
                break;
            cp = azk_decode__ole2_u16at(p + k);
            k += 2;
            if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < cch && k + 2 <= avail) {
                uint32_t lo = azk_decode__ole2_u16at(p + k);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    k += 2;
                    i++;
                }
            }
        } else {
            if (k + 1 > avail)
                break;
            cp = p[k++];
        }
        rc = azk_decode__ole2_put_cp(b, cp);
    }
    *used = k;
    return rc;
}

/*
 * SST: strings may cross CONTINUE records; at each crossing inside the
 * characters a new flags byte (fHighByte) starts the continuation.
 */
struct sst_in {
    struct biff *b;
    const uint8_t *d;
    size_t n, pos;
};

static bool sst_more(struct sst_in *s)
{
    size_t save = s->b->pos;
    if (!biff_next(s->b) || s->b->type != 0x003C) {
        s->b->pos = save;
        return false;
    }
    s->d = s->b->data;
    s->n = s->b->len;
    s->pos = 0;
    return true;
}

static bool sst_bytes(struct sst_in *s, size_t k, const uint8_t **out)
{
    if (s->n - s->pos < k) {
        if (s->pos != s->n || !sst_more(s) || s->n < k)
            return false;
    }
    *out = s->d + s->pos;
    s->pos += k;
    return true;
}

static bool sst_skip(struct sst_in *s, size_t k)
{
    while (k > 0) {
        size_t t = s->n - s->pos;
        if (t == 0) {
            if (!sst_more(s))
                return false;
            continue;
        }
        if (t > k)
            t = k;
        s->pos += t;
        k -= t;
    }
    return true;
}

static azk_status xls_sst(struct xls *x, struct biff *b)
{
    struct sst_in s;
    const uint8_t *h;
    uint32_t unique, i;
    azk_status rc = AZK_OK;
    s.b = b;
    s.d = b->data;
    s.n = b->len;
    s.pos = 0;
    if (!sst_bytes(&s, 8, &h))
        return azk_error_set(AZK_ERR_FORMAT, "xls: bad shared string table");
    unique = azk_decode__ole2_u32at(h + 4);
    /* every string takes at least 3 bytes: refuse counts the stream cannot hold */
    if (unique > x->wb_len / 3)
        return azk_error_set(AZK_ERR_FORMAT, "xls: shared string count too large");
    azk_free(x->sst_off);
    x->sst_off = azk_calloc(unique > 0 ? unique : 1, sizeof(size_t));
    if (x->sst_off == NULL)
        return azk_error_nomem();
    x->sst_count = 0;
    azk_buf_clear(&x->sst);
    for (i = 0; i < unique && rc == AZK_OK; i++) {
        uint16_t cch;
        uint8_t fl;
        uint16_t runs = 0;
        uint32_t ext = 0;
        size_t left;
        const uint8_t *q;
        if (!sst_bytes(&s, 3, &q))
            break; /* truncated table: keep what we have */
        cch = azk_decode__ole2_u16at(q);
        fl = q[2];
        if ((fl & 0x08) != 0) {
            if (!sst_bytes(&s, 2, &q))
                break;
            runs = azk_decode__ole2_u16at(q);
        }
        if ((fl & 0x04) != 0) {
            if (!sst_bytes(&s, 4, &q))
                break;
            ext = azk_decode__ole2_u32at(q);
        }
        x->sst_off[x->sst_count++] = x->sst.len;
        left = cch;
        while (left > 0 && rc == AZK_OK) {
            bool wide = (fl & 0x01) != 0;
            size_t avail = s.n - s.pos, used = 0, want;
            if (avail == 0) {
                if (!sst_more(&s) || s.n < 1)
                    break;
                fl = s.d[0]; /* the continuation restarts with its own flags byte */
                s.pos = 1;
                continue;
            }
            want = wide ? left * 2 : left;
            if (want > avail)
                want = avail - (wide ? avail % 2 : 0);
            if (want == 0)
                break;
            rc = put_chars(&x->sst, s.d + s.pos, want, wide ? want / 2 : want, wide, &used);
            s.pos += used;
            left -= wide ? used / 2 : used;
            if (x->sst.len > AZK_DECODE_SST_MAX)
                rc = azk_error_set(AZK_ERR_LIMIT, "xls: shared strings over %zu bytes",
                                   (size_t)AZK_DECODE_SST_MAX);
        }
        if (rc == AZK_OK)
            rc = azk_buf_putc(&x->sst, '\0');
        if (rc == AZK_OK && (!sst_skip(&s, (size_t)runs * 4) || !sst_skip(&s, ext)))
            break;
    }
    return rc;
}

/* Builtin number formats that are dates ([MS-XLS] 2.5.165, as ooxml.c). */
static bool builtin_date(unsigned id)
{
    return (id >= 14 && id <= 17) || id == 22 || (id >= 27 && id <= 36) || (id >= 50 && id <= 58);
}

static bool xf_is_date(const struct xls *x, uint16_t xf)
{
    size_t i;
    uint16_t f;
    if (xf >= x->xf_count)
        return false;
    f = x->xf_fmt[xf];
    if (builtin_date(f))
        return true;
    for (i = 0; i < x->date_fmt_count; i++)
        if (x->date_fmts[i] == f)
            return true;
    return false;
}

/* A custom format string is a date when it has y or d outside quotes (as ooxml.c). */
static bool fmt_is_date(const uint8_t *s, size_t n)
{
    size_t i;
    bool q = false;
    for (i = 0; i < n; i++) {
        if (s[i] == '"')
            q = !q;
        else if (!q && (s[i] == 'y' || s[i] == 'Y' || s[i] == 'd' || s[i] == 'D'))
            return true;
    }
    return false;
}

static azk_status emit_row(struct xls *x)
{
    azk_record rec;
    size_t i, nf = x->cell_count;
    azk_status rc = AZK_OK;
    x->row_open = false;
    if (nf == 0)
        return AZK_OK;
    for (i = 0; i < nf; i++) {
        azk_field *f = &x->fields[i];
        memset(f, 0, sizeof(*f));
        f->col = x->cell_col[i];
        f->ptr = (const char *)x->cells.data + x->cell_off[i];
        f->len = strlen(f->ptr);
        if (x->have_header && f->col < x->hdr_cols && x->hdr_off[f->col] != SIZE_MAX) {
            f->header = (const char *)x->hdr.data + x->hdr_off[f->col];
            f->header_len = strlen(f->header);
        }
    }
    memset(&rec, 0, sizeof(rec));
    rec.tabular = 1;
    rec.line = (uint64_t)x->row + 1;
    rec.sheet = x->sheet_name;
    rec.fields = x->fields;
    rec.field_count = nf;
    if (!x->header_known) {
        x->header_known = true;
        if (azk_decode__looks_like_header(x->fields, nf)) {
            size_t maxc = 0;
            x->have_header = true;
            rec.is_header = 1;
            for (i = 0; i < nf; i++)
                if (x->fields[i].col + 1 > maxc)
                    maxc = x->fields[i].col + 1;
            x->hdr_off = azk_calloc(maxc, sizeof(size_t));
            if (x->hdr_off == NULL)
                return azk_error_nomem();
            x->hdr_cols = maxc;
            for (i = 0; i < maxc; i++)
                x->hdr_off[i] = SIZE_MAX;
            for (i = 0; i < nf && rc == AZK_OK; i++) {
                size_t l = x->fields[i].len;
                if (l > AZK_DECODE_HEADER_MAX)
                    l = azk_decode__utf8_boundary((const uint8_t *)x->fields[i].ptr,
                                                  AZK_DECODE_HEADER_MAX);
                x->hdr_off[x->fields[i].col] = x->hdr.len;
                rc = azk_buf_put(&x->hdr, x->fields[i].ptr, l);
                if (rc == AZK_OK)
                    rc = azk_buf_putc(&x->hdr, '\0');
            }
            if (rc != AZK_OK)
                return rc;
        }
    }
    if (rec.is_header)
        rec.row = 0;
    else
        rec.row = x->have_header ? ++x->data_rows : rec.line;
    rc = azk_decode__emit(x->ctx, &rec);
    azk_buf_clear(&x->cells);
    x->cell_count = 0;
    return rc;
}

/* Start a cell at (row, col); the caller appends its text to x->cells then a NUL. */
static azk_status cell_begin(struct xls *x, uint16_t row, uint16_t col)
{
    azk_status rc;
    if (x->row_open && row != x->row) {
        rc = emit_row(x);
        if (rc != AZK_OK)
            return rc;
    }
    if (x->cell_count >= XLS_MAX_COLS) {
        rc = emit_row(x); /* very wide row: deliver what we have */
        if (rc != AZK_OK)
            return rc;
    }
    x->row_open = true;
    x->row = row;
    x->cell_col[x->cell_count] = col;
    x->cell_off[x->cell_count] = x->cells.len;
    x->cell_count++;
    return AZK_OK;
}

static azk_status cell_end(struct xls *x)
{
    size_t start = x->cell_off[x->cell_count - 1];
    size_t max = x->ctx->opts->max_cell > 0 ? x->ctx->opts->max_cell : (size_t)64 * 1024;
    if (x->cells.len - start > max)
        x->cells.len = start + azk_decode__utf8_boundary(x->cells.data + start, max);
    return azk_buf_putc(&x->cells, '\0');
}

static azk_status cell_number(struct xls *x, uint16_t row, uint16_t col, uint16_t xf, double v)
{
    char tmp[64];
    size_t n = 0;
    azk_status rc = cell_begin(x, row, col);
    if (rc != AZK_OK)
        return rc;
    if (xf_is_date(x, xf))
        n = azk_decode__excel_date(v, x->date1904, tmp, sizeof(tmp));
    if (n == 0 || n >= sizeof(tmp)) {
        if (isfinite(v) && v == floor(v) && fabs(v) < 1e15)
            n = (size_t)snprintf(tmp, sizeof(tmp), "%.0f", v);
        else
            n = (size_t)snprintf(tmp, sizeof(tmp), "%.15g", v);
    }
    rc = azk_buf_put(&x->cells, tmp, n < sizeof(tmp) ? n : sizeof(tmp) - 1);
    if (rc != AZK_OK)
        return rc;
    return cell_end(x);
}

static double rk_value(uint32_t rk)
{
    double v;
    if (rk & 2) {
        v = (double)((int32_t)rk >> 2);
    } else {
        uint64_t bits = (uint64_t)(rk & 0xFFFFFFFCu) << 32;
        memcpy(&v, &bits, sizeof(v));
    }
    return (rk & 1) ? v / 100.0 : v;
}

static double f64at(const uint8_t *p)
{
    uint64_t bits = (uint64_t)azk_decode__ole2_u32at(p) | (uint64_t)azk_decode__ole2_u32at(p + 4)
                                                              << 32;
    double v;
    memcpy(&v, &bits, sizeof(v));
    return v;
}

/* XLUnicodeString (u16 cch) or ShortXLUnicodeString (u8 cch) at p. */
static azk_status put_xlstring(azk_buf *b, const uint8_t *p, size_t n, bool short_len)
{
    size_t cch, hdr = short_len ? 2 : 3, used;
    bool wide;
    if (n < hdr)
        return AZK_OK;
    cch = short_len ? p[0] : azk_decode__ole2_u16at(p);
    wide = (p[hdr - 1] & 1) != 0;
    return put_chars(b, p + hdr, n - hdr, cch, wide, &used);
}

static const char *sheet_name_at(struct xls *x, size_t bof_pos, size_t ordinal)
{
    size_t i;
    for (i = 0; i < x->sheet_count; i++)
        if (x->sheets[i].pos == bof_pos)
            return x->sheets[i].name;
    (void)snprintf(x->sheet_fallback, sizeof(x->sheet_fallback), "Sheet%zu", ordinal + 1);
    return x->sheet_fallback;
}

static azk_status xls_globals_record(struct xls *x, struct biff *b)
{
    const uint8_t *d = b->data;
    switch (b->type) {
        case 0x002F: /* FILEPASS */
            return azk_error_set(AZK_ERR_UNSUPPORTED, "xls: encrypted with a password, not "
                                                      "scannable");
        case 0x0022: /* DATE1904 */
            if (b->len >= 2)
                x->date1904 = azk_decode__ole2_u16at(d) != 0;
            return AZK_OK;
        case 0x0085: { /* BOUNDSHEET8 */
            azk_buf nm = AZK_BUF_INIT;
            azk_status rc;
            struct xls_sheet *ns;
            if (b->len < 8 || x->sheet_count >= XLS_MAX_SHEETS)
                return AZK_OK;
            rc = put_xlstring(&nm, d + 6, b->len - 6, true);
            /* Excel allows 31 characters; a forged name is cut (the protocol carries < 256 bytes)
             */
            if (rc == AZK_OK && nm.len > 200)
                nm.len = azk_decode__utf8_boundary(nm.data, 200);
            if (rc == AZK_OK)
                rc = azk_buf_putc(&nm, '\0');
            if (rc != AZK_OK) {
                azk_buf_dispose(&nm);
                return rc;
            }
            ns = azk_realloc(x->sheets, (x->sheet_count + 1) * sizeof(*ns));
            if (ns == NULL) {
                azk_buf_dispose(&nm);
                return azk_error_nomem();
            }
            x->sheets = ns;
            ns[x->sheet_count].pos = azk_decode__ole2_u32at(d);
            ns[x->sheet_count].name = azk_buf_detach(&nm);
            x->sheet_count++;
            return AZK_OK;
        }
        case 0x00FC: /* SST */
            return xls_sst(x, b);
        case 0x00E0: /* XF: ifmt at offset 2 */
            if (b->len >= 4 && x->xf_count < XLS_MAX_XF) {
                if (x->xf_fmt == NULL) {
                    x->xf_fmt = azk_calloc(XLS_MAX_XF, sizeof(uint16_t));
                    if (x->xf_fmt == NULL)
                        return azk_error_nomem();
                }
                x->xf_fmt[x->xf_count++] = azk_decode__ole2_u16at(d + 2);
            }
            return AZK_OK;
        case 0x041E: { /* FORMAT: ifmt, XLUnicodeString */
            azk_buf f = AZK_BUF_INIT;
            azk_status rc;
            if (b->len < 5 || x->date_fmt_count >= XLS_MAX_FMT)
                return AZK_OK;
            rc = put_xlstring(&f, d + 2, b->len - 2, false);
            if (rc == AZK_OK && fmt_is_date(f.data, f.len)) {
                if (x->date_fmts == NULL) {
                    x->date_fmts = azk_calloc(XLS_MAX_FMT, sizeof(uint16_t));
                    if (x->date_fmts == NULL)
                        rc = azk_error_nomem();
                }
                if (rc == AZK_OK)
                    x->date_fmts[x->date_fmt_count++] = azk_decode__ole2_u16at(d);
            }
            azk_buf_dispose(&f);
            return rc;
        }
        default:
            return AZK_OK;
    }
}

static azk_status xls_sheet_record(struct xls *x, struct biff *b)
{
    const uint8_t *d = b->data;
    azk_status rc;
    if (b->type != 0x0207)
        x->formula_pending = false;
    switch (b->type) {
        case 0x00FD: { /* LABELSST */
            uint32_t isst;
            if (b->len < 10)
                return AZK_OK;
            isst = azk_decode__ole2_u32at(d + 6);
            rc = cell_begin(x, azk_decode__ole2_u16at(d), azk_decode__ole2_u16at(d + 2));
            if (rc == AZK_OK && isst < x->sst_count)
                rc = azk_buf_puts(&x->cells, (const char *)x->sst.data + x->sst_off[isst]);
            return rc == AZK_OK ? cell_end(x) : rc;
        }
        case 0x0204: /* LABEL */
        case 0x00D6: /* RSTRING */
            if (b->len < 9)
                return AZK_OK;
            rc = cell_begin(x, azk_decode__ole2_u16at(d), azk_decode__ole2_u16at(d + 2));
            if (rc == AZK_OK)
                rc = put_xlstring(&x->cells, d + 6, b->len - 6, false);
            return rc == AZK_OK ? cell_end(x) : rc;
        case 0x0203: /* NUMBER */
            if (b->len < 14)
                return AZK_OK;
            return cell_number(x, azk_decode__ole2_u16at(d), azk_decode__ole2_u16at(d + 2),
                               azk_decode__ole2_u16at(d + 4), f64at(d + 6));
        case 0x027E: /* RK */
            if (b->len < 10)
                return AZK_OK;
            return cell_number(x, azk_decode__ole2_u16at(d), azk_decode__ole2_u16at(d + 2),
                               azk_decode__ole2_u16at(d + 4),
                               rk_value(azk_decode__ole2_u32at(d + 6)));
        case 0x00BD: { /* MULRK: row, colFirst, (xf, rk)*, colLast */
            size_t k, cnt;
            if (b->len < 12)
                return AZK_OK;
            cnt = (size_t)(b->len - 6) / 6;
            for (k = 0; k < cnt; k++) {
                const uint8_t *e = d + 4 + k * 6;
                rc = cell_number(
                    x, azk_decode__ole2_u16at(d), (uint16_t)(azk_decode__ole2_u16at(d + 2) + k),
                    azk_decode__ole2_u16at(e), rk_value(azk_decode__ole2_u32at(e + 2)));
                if (rc != AZK_OK)
                    return rc;
            }
            return AZK_OK;
        }
        case 0x0006: /* FORMULA: cached value */
            if (b->len < 20)
                return AZK_OK;
            if (azk_decode__ole2_u16at(d + 12) == 0xFFFF) {
                if (d[6] == 0) { /* string: in the STRING record that follows */
                    x->formula_pending = true;
                    x->formula_row = azk_decode__ole2_u16at(d);
                    x->formula_col = azk_decode__ole2_u16at(d + 2);
                }
                return AZK_OK;
            }
            return cell_number(x, azk_decode__ole2_u16at(d), azk_decode__ole2_u16at(d + 2),
                               azk_decode__ole2_u16at(d + 4), f64at(d + 6));
        case 0x0207: /* STRING */
            if (!x->formula_pending)
                return AZK_OK;
            x->formula_pending = false;
            rc = cell_begin(x, x->formula_row, x->formula_col);
            if (rc == AZK_OK)
                rc = put_xlstring(&x->cells, d, b->len, false);
            return rc == AZK_OK ? cell_end(x) : rc;
        case 0x0205: /* BOOLERR */
            if (b->len < 8 || d[7] != 0)
                return AZK_OK;
            rc = cell_begin(x, azk_decode__ole2_u16at(d), azk_decode__ole2_u16at(d + 2));
            if (rc == AZK_OK)
                rc = azk_buf_puts(&x->cells, d[6] ? "TRUE" : "FALSE");
            return rc == AZK_OK ? cell_end(x) : rc;
        default:
            return AZK_OK;
    }
}

static void xls_sheet_reset(struct xls *x)
{
    x->header_known = false;
    x->have_header = false;
    azk_buf_clear(&x->hdr);
    azk_free(x->hdr_off);
    x->hdr_off = NULL;
    x->hdr_cols = 0;
    x->data_rows = 0;
    x->row_open = false;
    x->cell_count = 0;
    azk_buf_clear(&x->cells);
}

azk_status azk_decode__ole2_xls_read(struct azk_decode_ctx *ctx, const uint8_t *wb, size_t n)
{
    struct xls x;
    struct biff b;
    azk_status rc = AZK_OK;
    enum { NONE, GLOBALS, SHEET, OTHER } where = NONE;
    size_t sheets_seen = 0, i;
    bool first = true;

    memset(&x, 0, sizeof(x));
    x.ctx = ctx;
    x.wb = wb;
    x.wb_len = n;
    x.cell_col = azk_calloc(XLS_MAX_COLS, sizeof(uint32_t));
    x.cell_off = azk_calloc(XLS_MAX_COLS, sizeof(size_t));
    x.fields = azk_calloc(XLS_MAX_COLS, sizeof(azk_field));
    if (x.cell_col == NULL || x.cell_off == NULL || x.fields == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    memset(&b, 0, sizeof(b));
    b.p = wb;
    b.n = n;
    for (;;) {
        size_t at = b.pos;
        if (!biff_next(&b))
            break;
        if (first) {
            first = false;
            if (b.type != 0x0809 || b.len < 4 || azk_decode__ole2_u16at(b.data) != 0x0600) {
                rc = azk_error_set(AZK_ERR_UNSUPPORTED,
                                   "xls: not BIFF8 (Excel 97 or later), not scannable");
                goto done;
            }
        }
        if (b.type == 0x0809) { /* BOF */
            uint16_t dt = b.len >= 4 ? azk_decode__ole2_u16at(b.data + 2) : 0;
            if (where == SHEET && x.row_open) {
                rc = emit_row(&x);
                if (rc != AZK_OK)
                    goto done;
            }
            if (dt == 0x0005) {
                where = GLOBALS;
            } else if (dt == 0x0010) {
                where = SHEET;
                xls_sheet_reset(&x);
                x.sheet_name = sheet_name_at(&x, at, sheets_seen++);
            } else {
                where = OTHER; /* charts, macro sheets */
            }
            continue;
        }
        if (b.type == 0x000A) { /* EOF */
            if (where == SHEET && x.row_open) {
                rc = emit_row(&x);
                if (rc != AZK_OK)
                    goto done;
            }
            where = NONE;
            continue;
        }
        if (where == GLOBALS)
            rc = xls_globals_record(&x, &b);
        else if (where == SHEET)
            rc = xls_sheet_record(&x, &b);
        if (rc != AZK_OK)
            goto done;
    }
    if (where == SHEET && x.row_open)
        rc = emit_row(&x);
done:
    for (i = 0; i < x.sheet_count; i++)
        azk_free(x.sheets[i].name);
    azk_free(x.sheets);
    azk_buf_dispose(&x.sst);
    azk_free(x.sst_off);
    azk_free(x.xf_fmt);
    azk_free(x.date_fmts);
    azk_buf_dispose(&x.cells);
    azk_free(x.cell_col);
    azk_free(x.cell_off);
    azk_free(x.fields);
    azk_buf_dispose(&x.hdr);
    azk_free(x.hdr_off);
    return rc;
}
