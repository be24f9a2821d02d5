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
 *
 * This file: XML helpers, text parts, the expat handlers, the package
 * parts and the entry point; a workbook's shared strings, rows and date
 * formats are in ooxml_sheet.c (shared: ooxml_int.h).
 */
#include "decode/decode_int.h"

#include <archive.h>
#include <archive_entry.h>
#include <expat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "decode/ooxml_int.h"

static const char *local_name(const char *n)
{
    const char *ln = n;
    for (; *n != '\0'; n++) {
        if (*n == ':')
            ln = n + 1;
    }
    return ln;
}

/* The elements the handlers act on; element_of(ln) is EL_x exactly when
 * strcmp(ln, "x") == 0 (a switch on the first byte instead of a chain of
 * string comparisons per element: a visible share of a workbook's cost). */
enum ox_el {
    EL_OTHER = 0,
    EL_C,
    EL_V,
    EL_T,
    EL_P,
    EL_IS,
    EL_SI,
    EL_BR,
    EL_CR,
    EL_XF,
    EL_ROW,
    EL_RPH,
    EL_TAB,
    EL_SHEET,
    EL_NUMFMT,
    EL_CELLXFS,
    EL_DELTEXT,
    EL_OVERRIDE,
    EL_WORKBOOKPR,
    EL_RELATIONSHIP
};

static enum ox_el element_of(const char *ln)
{
#define EL_IS_(lit, el)                                                                            \
    if (strcmp(ln + 1, (lit) + 1) == 0)                                                            \
    return el
    switch (ln[0]) {
        case 'c':
            EL_IS_("c", EL_C);
            EL_IS_("cr", EL_CR);
            EL_IS_("cellXfs", EL_CELLXFS);
            break;
        case 'v':
            EL_IS_("v", EL_V);
            break;
        case 't':
            EL_IS_("t", EL_T);
            EL_IS_("tab", EL_TAB);
            break;
        case 'p':
            EL_IS_("p", EL_P);
            break;
        case 'i':
            EL_IS_("is", EL_IS);
            break;
        case 's':
            EL_IS_("si", EL_SI);
            EL_IS_("sheet", EL_SHEET);
            break;
        case 'b':
            EL_IS_("br", EL_BR);
            break;
        case 'x':
            EL_IS_("xf", EL_XF);
            break;
        case 'r':
            EL_IS_("row", EL_ROW);
            EL_IS_("rPh", EL_RPH);
            break;
        case 'n':
            EL_IS_("numFmt", EL_NUMFMT);
            break;
        case 'd':
            EL_IS_("delText", EL_DELTEXT);
            break;
        case 'O':
            EL_IS_("Override", EL_OVERRIDE);
            break;
        case 'w':
            EL_IS_("workbookPr", EL_WORKBOOKPR);
            break;
        case 'R':
            EL_IS_("Relationship", EL_RELATIONSHIP);
            break;
        default:
            break;
    }
#undef EL_IS_
    return EL_OTHER;
}

/* A cell's attributes r, s and t (the first of each, as azk_decode__ox_attr finds them) in
 * one pass. */
static void cell_attrs(const XML_Char **atts, const char **r, const char **s, const char **t)
{
    *r = *s = *t = NULL;
    for (size_t i = 0; atts[i] != NULL; i += 2) {
        /* a one-byte name is its own local name: no scan for a prefix (Excel's r="A1") */
        const char *ln = atts[i][0] != '\0' && atts[i][1] == '\0' ? atts[i] : local_name(atts[i]);
        if (ln[0] == '\0' || ln[1] != '\0')
            continue;
        if (ln[0] == 'r' && *r == NULL)
            *r = atts[i + 1];
        else if (ln[0] == 's' && *s == NULL)
            *s = atts[i + 1];
        else if (ln[0] == 't' && *t == NULL)
            *t = atts[i + 1];
    }
}

const char *azk_decode__ox_attr(const XML_Char **atts, const char *lname)
{
    size_t i;
    for (i = 0; atts[i] != NULL; i += 2) {
        if (strcmp(local_name(atts[i]), lname) == 0)
            return atts[i + 1];
    }
    return NULL;
}

void azk_decode__ox_fail(struct ooxml *ox, azk_status rc)
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
        azk_decode__ox_fail(ox, rc);
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
        azk_decode__ox_fail(ox, rc);
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
    enum ox_el el;
    const char *v;
    if (ox->err != AZK_OK)
        return;
    el = element_of(local_name(name));
    switch (ox->part) {
        case PART_CTYPES:
            if (el == EL_OVERRIDE) {
                v = azk_decode__ox_attr(atts, "PartName");
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
            if (el == EL_WORKBOOKPR) {
                v = azk_decode__ox_attr(atts, "date1904");
                ox->date1904 = v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "true") == 0);
            } else if (el == EL_SHEET && ox->sheet_count < OX_MAX_SHEETS) {
                const char *nm = azk_decode__ox_attr(atts, "name"),
                           *id = azk_decode__ox_attr(atts, "id");
                struct ox_sheet *s;
                if (nm == NULL)
                    break;
                if (ox->sheets == NULL) {
                    ox->sheets = azk_calloc(OX_MAX_SHEETS, sizeof(*ox->sheets));
                    if (ox->sheets == NULL) {
                        azk_decode__ox_fail(ox, azk_error_nomem());
                        break;
                    }
                }
                s = &ox->sheets[ox->sheet_count++];
                s->name = dup_bounded(nm);
                s->rid = id != NULL ? dup_bounded(id) : NULL;
                if (s->name == NULL || (id != NULL && s->rid == NULL))
                    azk_decode__ox_fail(ox, azk_error_nomem());
            }
            break;
        case PART_WB_RELS:
            if (el == EL_RELATIONSHIP && ox->rel_count < OX_MAX_SHEETS) {
                const char *id = azk_decode__ox_attr(atts, "Id"),
                           *t = azk_decode__ox_attr(atts, "Target");
                struct ox_rel *r;
                if (id == NULL || t == NULL)
                    break;
                if (ox->rels == NULL) {
                    ox->rels = azk_calloc(OX_MAX_SHEETS, sizeof(*ox->rels));
                    if (ox->rels == NULL) {
                        azk_decode__ox_fail(ox, azk_error_nomem());
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
            if (el == EL_NUMFMT)
                azk_decode__ox_style_numfmt(ox, atts);
            else if (el == EL_CELLXFS)
                ox->in_cellxfs = true;
            else if (el == EL_XF && ox->in_cellxfs)
                azk_decode__ox_style_xf(ox, atts);
            break;
        case PART_SST:
            if (el == EL_SI) {
                ox->in_si = true;
                azk_buf_clear(&ox->cell);
            } else if (el == EL_RPH) {
                ox->in_rph++;
            } else if (el == EL_T && ox->in_si && ox->in_rph == 0) {
                ox->in_text++;
            }
            break;
        case PART_SHEET:
            if (el == EL_ROW) {
                uint64_t r = ox->next_row;
                v = azk_decode__ox_attr(atts, "r");
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
                azk_decode__ox_row_begin(ox, r);
            } else if (el == EL_C && ox->in_row) {
                uint32_t col = ox->next_col;
                const char *t, *sv;
                cell_attrs(atts, &v, &sv, &t);
                if (v != NULL && !azk_decode__ox_col_of_ref(v, &col))
                    col = ox->next_col;
                ox->cell_col = col;
                ox->next_col = col + 1;
                ox->cell_sst = t != NULL && strcmp(t, "s") == 0;
                ox->cell_num = t == NULL || strcmp(t, "n") == 0;
                ox->cell_style = sv != NULL ? (uint32_t)strtoul(sv, NULL, 10) : 0;
                ox->cell_open = true;
                azk_buf_clear(&ox->cell);
            } else if (el == EL_IS) {
                ox->in_is++;
            } else if (el == EL_RPH) {
                ox->in_rph++;
            } else if (ox->cell_open && ox->in_rph == 0 &&
                       (el == EL_V || (el == EL_T && ox->in_is > 0))) {
                ox->in_text++;
            }
            break;
        case PART_TEXT:
            if (el == EL_T || el == EL_DELTEXT) {
                ox->in_text++;
            } else if (el == EL_TAB && ox->kind != OX_PPTX) {
                text_feed(ox, "\t", 1);
            } else if (el == EL_BR || el == EL_CR) {
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
    enum ox_el el;
    if (ox->err != AZK_OK)
        return;
    el = element_of(local_name(name));
    switch (ox->part) {
        case PART_STYLES:
            if (el == EL_CELLXFS)
                ox->in_cellxfs = false;
            break;
        case PART_SST:
            if (el == EL_SI) {
                ox->in_si = false;
                ox->in_text = 0;
                azk_decode__ox_sst_push(ox);
            } else if (el == EL_RPH && ox->in_rph > 0) {
                ox->in_rph--;
            } else if (el == EL_T && ox->in_text > 0) {
                ox->in_text--;
            }
            break;
        case PART_SHEET:
            if (el == EL_ROW) {
                if (ox->in_row)
                    azk_decode__ox_row_end(ox);
                ox->in_row = false;
            } else if (el == EL_C) {
                if (ox->cell_open)
                    azk_decode__ox_row_add_cell(ox);
                ox->cell_open = false;
                ox->in_text = 0;
                ox->in_is = 0;
            } else if (el == EL_IS && ox->in_is > 0) {
                ox->in_is--;
            } else if (el == EL_RPH && ox->in_rph > 0) {
                ox->in_rph--;
            } else if ((el == EL_V || el == EL_T) && ox->in_text > 0) {
                ox->in_text--;
            }
            break;
        case PART_TEXT:
            if ((el == EL_T || el == EL_DELTEXT) && ox->in_text > 0)
                ox->in_text--;
            else if (el == EL_P)
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
    azk_decode__ox_fail(ox, azk_error_set(AZK_ERR_FORMAT, "%s: DOCTYPE in an XML part", "ooxml"));
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

    ox->xp = XML_ParserCreate(NULL); /* no namespace processing: names are matched by local name */
    if (ox->xp == NULL)
        return azk_error_nomem();
#if XML_MAJOR_VERSION > 2 || (XML_MAJOR_VERSION == 2 && XML_MINOR_VERSION >= 6)
    /* blocks are 64 KiB: no deferring of the reparse of a token cut by a block (expat >= 2.6) */
    XML_SetReparseDeferralEnabled(ox->xp, XML_FALSE);
#endif
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
        for (;;) {
            /* read straight into expat's buffer (XML_Parse would copy each block into it) */
            void *buf = XML_GetBuffer(ox->xp, AZK_DECODE_CHUNK);
            size_t got = 0;
            if (buf == NULL) {
                rc = ox->err != AZK_OK ? ox->err : azk_error_nomem();
                goto done;
            }
            rc = src->read(src->ctx, buf, AZK_DECODE_CHUNK, &got);
            if (rc != AZK_OK)
                goto done;
            if (XML_ParseBuffer(ox->xp, (int)got, got == 0) == XML_STATUS_ERROR) {
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
            rc = azk_decode__ox_replay(ox);
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
        rc = azk_decode__ox_replay(ox);
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
    azk_decode__ox_drop_header(ox);
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
