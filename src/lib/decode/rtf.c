/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/rtf.c -- Rich Text Format (RTF 1.9.1 specification, Microsoft
 * 2008) text: groups, control words and symbols, \'hh bytes in the code
 * page of the font in effect (\fN of the font table's \fcharsetN / \cpgN),
 * else of the document (\ansicpgN; CP932 when a font of the table anywhere
 * in the file is \fcharset128 Shift_JIS, as Japanese Word writes), \uN
 * characters with their \ucN fallback skipped, \binN data skipped. \par,
 * \line, \sect, \page and \row end a line; \tab and \cell are tabs. Runs in
 * the extraction helper; reads from memory. Group nesting is bounded
 * (AZK_RTF_DEPTH): deeper groups are an error.
 *
 * Reading for a scanner, not for display: what a file holds is read even
 * where Word would not show it (issue 18, RTF evasion).
 *  - Text of destinations that are not body text (the font and style
 *    tables, \info, field instructions, comments, \* destinations we do not
 *    know, text boxes) is emitted on lines of its own ("side" lines), cut
 *    at their \par and at the end of the destination, never joined to the
 *    body line around them. Hidden text (\v) is read like any text.
 *  - Binary destinations (pictures, object data, theme data ...) are
 *    skipped, except stretches of them that are not hex digits (text put
 *    inside a picture, or a picture left unclosed before the body).
 *  - Raw 8-bit bytes (not valid RTF, but what a file with an RTF header
 *    glued before a CSV holds) are text in the encoding the whole file
 *    reads as (UTF-8 when valid, else CP932 / EUC-JP as detected); a raw
 *    line break after text ends the line when the source line is short or
 *    holds raw 8-bit bytes (a CSV or log behind "{\rtf1" keeps its rows;
 *    writers that wrap long runs of plain text still read as one line).
 */
#include "decode/text_int.h"

#include <string.h>

#define AZK_RTF_DEPTH 1024
#define AZK_RTF_WORD  32
#define AZK_RTF_FONTS 1024 /* font table entries remembered */
#define AZK_RTF_CNVS  8    /* code pages open at once */
#define AZK_RTF_RAW   4096 /* pending bytes converted at once */
#define AZK_RTF_WRAP  200  /* a source line at least this long may be a writer's wrap */
#define AZK_RTF_HEX   4096 /* hex digits of a binary destination kept while they stay hex */

enum rtf_mode {
    MODE_TEXT = 0, /* body text */
    MODE_SIDE,     /* text that is not body text: lines of its own */
    MODE_BLOB,     /* binary as hex: only stretches that are not hex are read */
    MODE_QUIET     /* nothing (shape properties) */
};

struct rtf_state {
    uint8_t mode;
    uint8_t uc;   /* \ucN: characters of fallback after \uN */
    bool fonttbl; /* inside the font table */
    int32_t font; /* \fN in effect, -1 none */
};

struct rtf_cnv {
    int cp;
    UConverter *c;
};

struct rtf_font {
    int32_t num;
    int cp; /* 0: the document's */
};

struct rtf {
    struct azk_decode_ctx *ctx;
    azk_buf line;          /* UTF-8 of the current body line */
    azk_buf side;          /* UTF-8 of the current side line */
    azk_buf raw;           /* pending bytes of one code page, converted at the next other */
    azk_buf *raw_dst;      /* where they go */
    struct rtf_cnv *raw_c; /* their code page */
    UChar *ubuf;           /* conversion room, AZK_RTF_RAW + 8 units */
    struct rtf_cnv cnv[AZK_RTF_CNVS];
    size_t ncnv;
    struct rtf_cnv raw8; /* raw 8-bit bytes: the file's own encoding */
    size_t cnv_errors;
    struct rtf_font *fonts;
    size_t nfonts;
    int32_t def_font; /* \deffN */
    int doc_cp;       /* code page of \'hh without a font charset */
    uint64_t lineno;
    size_t line_cap;
    size_t skip_fallback;  /* fallback characters still to drop after \uN */
    uint32_t pending_high; /* a UTF-16 high surrogate from \uN */
    size_t blob_run;       /* side.len where the current run of a binary destination began */
    bool blob_hex;         /* that run is hex digits so far */
    bool last_plain;       /* the previous token was plain text */
    bool src_raw8;         /* the current source line holds raw 8-bit bytes */
    size_t src_line;       /* offset where the current source line began */
};

static azk_status put_cp(azk_buf *b, uint32_t cp)
{
    uint8_t u[4];
    size_t n = azk_utf8_encode(cp, u);
    return azk_buf_put(b, u, n);
}

/* Bytes of one character that starts with b in code page cp (a cut must not split it). */
static size_t char_len(int cp, uint8_t b)
{
    if (b < 0x80)
        return 1;
    switch (cp) {
        case 932:
            return (b >= 0x81 && b <= 0x9f) || (b >= 0xe0 && b <= 0xfc) ? 2 : 1;
        case 936:
        case 949:
        case 950:
            return b >= 0x81 && b <= 0xfe ? 2 : 1;
        case 51932: /* EUC-JP */
            return b == 0x8f ? 3 : 2;
        default:
            return 1;
    }
}

/* Convert the first n pending bytes to the destination. */
static azk_status convert_raw(struct rtf *r, size_t n)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t k, i;
    azk_status rc = AZK_OK;
    k = ucnv_toUChars(r->raw_c->c, r->ubuf, AZK_RTF_RAW + 8, (const char *)r->raw.data, (int32_t)n,
                      &st);
    if (U_FAILURE(st))
        k = 0;
    for (i = 0; i < k && rc == AZK_OK; i++) {
        uint32_t cp = r->ubuf[i];
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 1 < k && r->ubuf[i + 1] >= 0xDC00 &&
            r->ubuf[i + 1] <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (r->ubuf[i + 1] - 0xDC00u);
            i++;
        } else if (cp >= 0xD800 && cp <= 0xDFFF) {
            cp = 0xFFFD;
        }
        /* control characters (\'02 of a list level's text) are not text: a space */
        rc = put_cp(r->raw_dst, cp == 0x1A ? 0xFFFD : (cp < 0x20 && cp != '\t') ? ' ' : cp);
    }
    azk_buf_consume(&r->raw, n);
    return rc;
}

static azk_status flush_raw(struct rtf *r)
{
    if (r->raw.len == 0)
        return AZK_OK;
    return convert_raw(r, r->raw.len);
}

/* Queue one byte of code page c for dst; a full queue is converted up to a character boundary. */
static azk_status raw_byte(struct rtf *r, struct rtf_cnv *c, azk_buf *dst, uint8_t b)
{
    azk_status rc;
    if (r->raw.len > 0 && (r->raw_c != c || r->raw_dst != dst)) {
        rc = flush_raw(r);
        if (rc != AZK_OK)
            return rc;
    }
    r->raw_c = c;
    r->raw_dst = dst;
    rc = azk_buf_putc(&r->raw, b);
    if (rc == AZK_OK && r->raw.len >= AZK_RTF_RAW) {
        size_t j = 0, cut;
        if (c->cp == 65001) {
            cut = azk_decode__utf8_boundary(r->raw.data, r->raw.len);
        } else {
            while (j < r->raw.len && j + char_len(c->cp, r->raw.data[j]) <= r->raw.len)
                j += char_len(c->cp, r->raw.data[j]);
            cut = j;
        }
        rc = convert_raw(r, cut > 0 ? cut : r->raw.len);
    }
    return rc;
}

static azk_status emit(struct rtf *r, azk_buf *b)
{
    azk_status rc = flush_raw(r);
    if (rc != AZK_OK)
        return rc;
    if (b->len > 0) {
        rc = azk_decode__emit_line(r->ctx, r->lineno, b->data, b->len, false, NULL);
        azk_buf_clear(b);
    }
    if (b == &r->side)
        r->blob_run = 0;
    return rc;
}

static azk_status end_line(struct rtf *r)
{
    azk_status rc = emit(r, &r->line);
    r->lineno++;
    return rc;
}

/* Where text of this state goes (NULL: nowhere). */
static azk_buf *dest(struct rtf *r, const struct rtf_state *s)
{
    return s->mode == MODE_TEXT ? &r->line : s->mode == MODE_QUIET ? NULL : &r->side;
}

/* End of a run of plain text in a binary destination: a run of hex digits is dropped. */
static void blob_run_end(struct rtf *r)
{
    if (r->blob_hex && r->side.len > r->blob_run)
        r->side.len = r->blob_run;
    if (r->side.data != NULL)
        r->side.data[r->side.len] = '\0';
    r->blob_run = r->side.len;
    r->blob_hex = true;
}

static bool is_hex(uint8_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ' ' ||
           c == '\t';
}

/* Destinations, by what their text is. */
static enum rtf_mode destination_mode(const char *w, bool *known)
{
    static const char *const blob[] = {
        "pict",     "objdata",      "themedata", "colorschememapping", "datastore", "blipuid",
        "fontemb",  "passwordhash", "panose",    "wgrffmtfilter",      "bliptag",   "macpict",
        "wmetafile"};
    static const char *const side[] = {
        "fonttbl",      "colortbl", "stylesheet", "listtable",  "listoverridetable",
        "latentstyles", "rsidtbl",  "generator",  "filetbl",    "revtbl",
        "xmlnstbl",     "mmathPr",  "fldinst",    "bkmkstart",  "bkmkend",
        "pgdsctbl",     "info",     "object",     "annotation", "atnauthor",
        "atnid",        "shpinst",  "shptxt",     "header",     "footer",
        "headerl",      "headerr",  "headerf",    "footerl",    "footerr",
        "footerf",      "footnote", "nonshppict"};
    size_t i;
    *known = true;
    for (i = 0; i < sizeof(blob) / sizeof(blob[0]); i++)
        if (strcmp(w, blob[i]) == 0)
            return MODE_BLOB;
    for (i = 0; i < sizeof(side) / sizeof(side[0]); i++)
        if (strcmp(w, side[i]) == 0)
            return MODE_SIDE;
    if (strcmp(w, "sp") == 0)
        return MODE_QUIET;
    *known = false;
    return MODE_TEXT;
}

static struct rtf_cnv *get_cnv(struct rtf *r, int cp)
{
    UErrorCode st = U_ZERO_ERROR;
    char name[32];
    UConverter *c;
    size_t i;
    for (i = 0; i < r->ncnv; i++)
        if (r->cnv[i].cp == cp)
            return &r->cnv[i];
    if (r->ncnv == AZK_RTF_CNVS)
        return NULL;
    if (cp == 932)
        snprintf(name, sizeof(name), "ibm-943_P15A-2003");
    else
        snprintf(name, sizeof(name), "windows-%d", cp);
    c = ucnv_open(name, &st);
    if (U_FAILURE(st) || c == NULL)
        return NULL;
    r->cnv[r->ncnv].cp = cp;
    r->cnv[r->ncnv].c = c;
    return &r->cnv[r->ncnv++];
}

/* Code page of a \fcharsetN (0: the document's). */
static int charset_cp(long cs)
{
    static const struct {
        int cs, cp;
    } map[] = {{128, 932},  {129, 949},  {130, 1361}, {134, 936},  {136, 950},
               {161, 1253}, {162, 1254}, {163, 1258}, {177, 1255}, {178, 1256},
               {186, 1257}, {204, 1251}, {222, 874},  {238, 1250}};
    size_t i;
    for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (map[i].cs == cs)
            return map[i].cp;
    return 0;
}

static struct rtf_font *font_of(struct rtf *r, int32_t num, bool add)
{
    size_t i;
    for (i = 0; i < r->nfonts; i++)
        if (r->fonts[i].num == num)
            return &r->fonts[i];
    if (!add || r->nfonts == AZK_RTF_FONTS)
        return NULL;
    r->fonts[r->nfonts].num = num;
    r->fonts[r->nfonts].cp = 0;
    return &r->fonts[r->nfonts++];
}

/* The code page of \'hh bytes in state s. */
static struct rtf_cnv *hh_cnv(struct rtf *r, const struct rtf_state *s)
{
    int32_t f = s->font >= 0 ? s->font : r->def_font;
    const struct rtf_font *font = f >= 0 ? font_of(r, f, false) : NULL;
    struct rtf_cnv *c = NULL;
    if (font != NULL && font->cp != 0)
        c = get_cnv(r, font->cp);
    if (c == NULL)
        c = get_cnv(r, r->doc_cp);
    return c != NULL ? c : &r->cnv[0];
}

/* The encoding of raw 8-bit bytes: the file's own, as a text file would be read. */
static azk_status open_raw8(struct rtf *r, const uint8_t *p, size_t n)
{
    enum enc e = ENC_UTF8;
    azk_status rc;
    if (azk_decode__text_utf8_valid_prefix(p, n, true) != n) {
        rc = azk_decode__text_guess_legacy(p, n, true, &e, NULL, NULL);
        if (rc != AZK_OK)
            return rc;
    }
    rc = azk_decode__text_open_cnv(&r->raw8.c, e, &r->cnv_errors);
    r->raw8.cp = e == ENC_CP932 ? 932 : e == ENC_EUCJP ? 51932 : 65001;
    return rc;
}

/* A raw line break: ends the line of text before it when it cannot be a writer's wrap. */
static azk_status raw_break(struct rtf *r, const struct rtf_state *s, size_t at)
{
    azk_status rc = AZK_OK;
    azk_buf *d = dest(r, s);
    if (s->mode == MODE_BLOB)
        blob_run_end(r); /* what stays of the run is not hex: text, ended like text */
    if (r->last_plain && d != NULL && (r->src_raw8 || at - r->src_line < AZK_RTF_WRAP)) {
        if (d == &r->line)
            rc = end_line(r);
        else
            rc = emit(r, d);
    }
    r->last_plain = false;
    r->src_raw8 = false;
    r->src_line = at + 1;
    return rc;
}

/* Plain text byte(s) at p[*i]: raw 8-bit bytes are one character of the file's encoding. */
static azk_status plain(struct rtf *r, const struct rtf_state *s, const uint8_t *p, size_t n,
                        size_t *i)
{
    uint8_t c = p[*i];
    azk_buf *d = dest(r, s);
    size_t k, len = c >= 0x80 ? char_len(r->raw8.cp, c) : 1;
    azk_status rc = AZK_OK;
    if (len > n - *i)
        len = n - *i;
    if (c >= 0x80)
        r->src_raw8 = true;
    if (r->skip_fallback > 0) {
        r->skip_fallback--;
        *i += len;
        return AZK_OK;
    }
    *i += len;
    if (d == NULL)
        return AZK_OK;
    r->last_plain = true;
    if (s->mode == MODE_BLOB && !is_hex(c))
        r->blob_hex = false;
    if (c >= 0x80) {
        for (k = 0; k < len && rc == AZK_OK; k++)
            rc = raw_byte(r, &r->raw8, d, p[*i - len + k]);
        return rc;
    }
    rc = flush_raw(r);
    if (rc == AZK_OK)
        rc = azk_buf_putc(d, c == '\t' ? '\t' : c < 0x20 ? ' ' : c);
    if (rc == AZK_OK && s->mode == MODE_BLOB && r->blob_hex &&
        r->side.len - r->blob_run > (AZK_RTF_HEX < r->line_cap / 2 ? AZK_RTF_HEX : r->line_cap / 2))
        blob_run_end(r); /* a long hex run: drop what it holds so far */
    return rc;
}

/* The end of a group whose state was s, back to parent. */
static azk_status close_group(struct rtf *r, const struct rtf_state *s,
                              const struct rtf_state *parent)
{
    azk_status rc = flush_raw(r);
    if (rc == AZK_OK && s->mode == MODE_BLOB)
        blob_run_end(r);
    if (rc == AZK_OK && s->mode != parent->mode && parent->mode == MODE_TEXT)
        rc = emit(r, &r->side);
    r->skip_fallback = 0;
    return rc;
}

static azk_status control_word(struct rtf *r, struct rtf_state *s, const char *word, bool has_param,
                               long param, bool first_in_group, bool starred, size_t depth)
{
    azk_buf *d = dest(r, s);
    azk_status rc = AZK_OK;
    bool known;
    enum rtf_mode m = destination_mode(word, &known);
    if (known) {
        /* the stronger of the group's mode and the destination's */
        if (m > s->mode)
            s->mode = (uint8_t)m;
        if (strcmp(word, "fonttbl") == 0)
            s->fonttbl = true;
        if (m == MODE_BLOB) {
            r->blob_run = r->side.len; /* a binary destination begins: its runs from here */
            r->blob_hex = true;
        }
        return AZK_OK;
    }
    if (starred && first_in_group && !known && s->mode == MODE_TEXT)
        s->mode = MODE_SIDE; /* an optional destination we do not know */
    if (strcmp(word, "f") == 0 && has_param) {
        if (s->fonttbl) {
            (void)font_of(r, (int32_t)param, true);
            s->font = (int32_t)param;
        } else {
            rc = flush_raw(r);
            s->font = (int32_t)param;
        }
        return rc;
    }
    if ((strcmp(word, "fcharset") == 0 || strcmp(word, "cpg") == 0) && has_param && s->fonttbl &&
        s->font >= 0) {
        struct rtf_font *f = font_of(r, s->font, true);
        int cp = word[1] == 'c' ? charset_cp(param) : (int)param;
        if (f != NULL && cp > 0 && get_cnv(r, cp) != NULL)
            f->cp = cp;
        return AZK_OK;
    }
    if (strcmp(word, "deff") == 0 && has_param) {
        r->def_font = (int32_t)param;
        return AZK_OK;
    }
    if (strcmp(word, "ansicpg") == 0 && has_param && depth <= 1) {
        rc = flush_raw(r);
        if (param > 0 && param < 100000 && get_cnv(r, (int)param) != NULL && param != 1252)
            r->doc_cp = (int)param;
        return rc;
    }
    if (strcmp(word, "uc") == 0 && has_param) {
        s->uc = (uint8_t)(param < 0 ? 0 : param > 8 ? 8 : param);
        return AZK_OK;
    }
    if (strcmp(word, "u") == 0 && has_param) {
        long v = param < 0 ? param + 65536 : param;
        r->skip_fallback = s->uc;
        if (d == NULL)
            return AZK_OK;
        rc = flush_raw(r);
        r->last_plain = true;
        if (s->mode == MODE_BLOB)
            r->blob_hex = false;
        if (rc != AZK_OK)
            return rc;
        if (v >= 0xD800 && v <= 0xDBFF) {
            r->pending_high = (uint32_t)v;
        } else if (v >= 0xDC00 && v <= 0xDFFF && r->pending_high != 0) {
            rc = put_cp(d, 0x10000 + ((r->pending_high - 0xD800) << 10) + ((uint32_t)v - 0xDC00));
            r->pending_high = 0;
        } else if (v >= 0 && v < 0x110000 && !(v >= 0xD800 && v <= 0xDFFF)) {
            rc = put_cp(d, (uint32_t)v);
        } else {
            rc = put_cp(d, 0xFFFD);
        }
        return rc;
    }
    if (r->skip_fallback > 0) {
        r->skip_fallback--; /* a control word in a fallback counts as one character */
        return AZK_OK;
    }
    if (d == NULL || s->mode == MODE_BLOB)
        return AZK_OK;
    if (strcmp(word, "par") == 0 || strcmp(word, "line") == 0 || strcmp(word, "sect") == 0 ||
        strcmp(word, "page") == 0 || strcmp(word, "row") == 0) {
        rc = d == &r->line ? end_line(r) : emit(r, d);
    } else if (strcmp(word, "tab") == 0 || strcmp(word, "cell") == 0) {
        rc = flush_raw(r);
        if (rc == AZK_OK)
            rc = azk_buf_putc(d, '\t');
    } else if (strcmp(word, "emspace") == 0 || strcmp(word, "enspace") == 0) {
        rc = flush_raw(r);
        if (rc == AZK_OK)
            rc = azk_buf_putc(d, ' ');
    }
    return rc;
}

static azk_status parse(struct rtf *r, struct rtf_state *stack, const uint8_t *p, size_t n)
{
    size_t depth = 0, i = 0;
    azk_status rc = AZK_OK;
    bool first_in_group = false, starred = false;
    while (i < n && rc == AZK_OK) {
        uint8_t c = p[i];
        struct rtf_state *s = &stack[depth];
        if (r->line.len >= r->line_cap)
            rc = end_line(r);
        if (rc == AZK_OK && r->side.len >= r->line_cap) {
            if (s->mode == MODE_BLOB)
                blob_run_end(r);
            rc = emit(r, &r->side);
        }
        if (rc != AZK_OK)
            break;
        if (c == '{') {
            if (depth + 1 >= AZK_RTF_DEPTH)
                return azk_error_set(AZK_ERR_LIMIT, "rtf: groups nested deeper than %d",
                                     AZK_RTF_DEPTH);
            rc = flush_raw(r);
            if (s->mode == MODE_BLOB)
                blob_run_end(r);
            stack[depth + 1] = *s;
            depth++;
            i++;
            first_in_group = true;
            starred = false;
            r->last_plain = false;
            continue;
        }
        if (c == '}') {
            if (depth > 0) {
                rc = close_group(r, s, &stack[depth - 1]);
                depth--;
            }
            i++;
            first_in_group = false;
            r->last_plain = false;
            continue;
        }
        if (c == '\r' || c == '\n') {
            rc = raw_break(r, s, i);
            i++;
            continue;
        }
        if (c != '\\') {
            rc = plain(r, s, p, n, &i);
            first_in_group = false;
            continue;
        }
        /* backslash */
        i++;
        if (i >= n)
            break;
        c = p[i];
        r->last_plain = false;
        if (s->mode == MODE_BLOB)
            blob_run_end(r);
        if (c == '\'') {
            unsigned v = 0, k;
            azk_buf *d = dest(r, s);
            for (k = 1; k <= 2 && i + k < n; k++) {
                uint8_t h = p[i + k];
                v = v * 16 + (unsigned)(h >= '0' && h <= '9'   ? h - '0'
                                        : h >= 'a' && h <= 'f' ? h - 'a' + 10
                                        : h >= 'A' && h <= 'F' ? h - 'A' + 10
                                                               : 0);
            }
            i += 3;
            first_in_group = false;
            if (r->skip_fallback > 0)
                r->skip_fallback--;
            else if (d != NULL && s->mode != MODE_BLOB)
                rc = raw_byte(r, hh_cnv(r, s), d, (uint8_t)v);
            continue;
        }
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
            char word[AZK_RTF_WORD + 1];
            size_t wl = 0;
            long param = 0;
            bool has_param = false, neg = false;
            while (i < n && ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z'))) {
                if (wl < AZK_RTF_WORD)
                    word[wl++] = (char)p[i];
                i++;
            }
            word[wl] = '\0';
            if (i < n && p[i] == '-') {
                neg = true;
                i++;
            }
            while (i < n && p[i] >= '0' && p[i] <= '9') {
                if (param < 100000000L)
                    param = param * 10 + (p[i] - '0');
                has_param = true;
                i++;
            }
            if (neg)
                param = -param;
            if (i < n && p[i] == ' ')
                i++;
            if (strcmp(word, "bin") == 0) {
                /* \binN: N bytes of binary data, never text nor syntax */
                size_t skip = has_param && param > 0 ? (size_t)param : 0;
                i += skip < n - i ? skip : n - i;
                first_in_group = false;
                continue;
            }
            rc = control_word(r, s, word, has_param, param, first_in_group, starred, depth);
            first_in_group = false;
            starred = false;
            continue;
        }
        /* control symbol */
        i++;
        if (c == '*') {
            starred = first_in_group;
            continue;
        }
        first_in_group = false;
        if (c == '\\' || c == '{' || c == '}') {
            rc = plain(
                r, s,
                (const uint8_t *)&"\\{}" [c == '\\'  ? 0
                                          : c == '{' ? 1
                                                     : 2],
                1, &(size_t) { 0 });
        } else if (c == '~') {
            rc = plain(r, s, (const uint8_t *)" ", 1, &(size_t){0});
        } else if (c == '\n' || c == '\r') {
            azk_buf *d = dest(r, s);
            if (d != NULL && s->mode != MODE_BLOB)
                rc = d == &r->line ? end_line(r) : emit(r, d);
        }
        r->last_plain = false;
    }
    while (rc == AZK_OK && depth > 0) {
        rc = close_group(r, &stack[depth], &stack[depth - 1]);
        depth--;
    }
    return rc;
}

azk_status azk_decode__rtf(struct azk_decode_ctx *ctx, const uint8_t *p, size_t n)
{
    struct rtf r;
    struct rtf_state *stack = NULL;
    azk_status rc = AZK_OK;
    size_t i;

    azk_decode__format(ctx, "rtf", NULL);
    memset(&r, 0, sizeof(r));
    r.ctx = ctx;
    r.lineno = 1;
    r.def_font = -1;
    r.blob_hex = true;
    /* a line without \par is emitted in pieces of about this size (checked per token;
     * one token adds at most a converted queue of 4 KiB) */
    r.line_cap = ctx->opts->max_line > 0 ? ctx->opts->max_line * 4 : (size_t)256 * 1024;
    /* the document's code page: \ansicpg (read where it stands), else CP932 when any font of
     * the table is Shift_JIS, wherever the table is */
    r.doc_cp = memmem(p, n, "\\fcharset128", 12) != NULL ? 932 : 1252;
    if (get_cnv(&r, r.doc_cp) == NULL || get_cnv(&r, 1252) == NULL) {
        rc = azk_error_set(AZK_ERR_UNSUPPORTED, "rtf: no converter");
        goto done;
    }
    rc = open_raw8(&r, p, n);
    if (rc != AZK_OK)
        goto done;
    stack = azk_calloc(AZK_RTF_DEPTH, sizeof(*stack));
    r.fonts = azk_calloc(AZK_RTF_FONTS, sizeof(*r.fonts));
    r.ubuf = azk_calloc(AZK_RTF_RAW + 8, sizeof(*r.ubuf));
    if (stack == NULL || r.fonts == NULL || r.ubuf == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    stack[0].uc = 1;
    stack[0].font = -1;
    rc = parse(&r, stack, p, n);
    if (rc == AZK_OK)
        rc = emit(&r, &r.side);
    if (rc == AZK_OK)
        rc = end_line(&r);
done:
    for (i = 0; i < r.ncnv; i++)
        ucnv_close(r.cnv[i].c);
    if (r.raw8.c != NULL)
        ucnv_close(r.raw8.c);
    azk_buf_dispose(&r.line);
    azk_buf_dispose(&r.side);
    azk_buf_dispose(&r.raw);
    azk_free(stack);
    azk_free(r.fonts);
    azk_free(r.ubuf);
    return rc;
}
