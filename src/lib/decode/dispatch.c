/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/dispatch.c -- the decode stage's entry point. Sniffs each object
 * by its content (never its name) and hands it to the format decoder from
 * the type table below; containers recurse back here. Only this file and
 * the member streams it sets up (archive.c) enforce the limits: depth,
 * member size, total expanded size, expansion ratio, entry count (ClamAV's
 * scanner recursion model).
 */
#include "decode/decode_int.h"

#include <string.h>

enum sniff_kind {
    SNIFF_TEXT = 0, /* text or binary: the text decoder decides */
    SNIFF_ZIP,
    SNIFF_ARCHIVE,     /* tar, 7z, cpio, rar, ar, cab, iso9660, xar, lha */
    SNIFF_COMPRESSED,  /* gzip, bzip2, xz, zstd, lz4, lzip, compress */
    SNIFF_BINARY,      /* known binary formats with no text to extract */
    SNIFF_UNSUPPORTED, /* documents whose text we cannot extract (SQLite) */
    SNIFF_HELPER       /* read by the sandboxed extraction helper (PDF, OLE2, RTF) */
};

struct magic {
    size_t off;
    const char *bytes;
    size_t len;
    enum sniff_kind kind;
    const char *name;
};

#define M(off, s, kind, name)                                                                      \
    {                                                                                              \
        off, s, sizeof(s) - 1, kind, name                                                          \
    }

/* Format table: first match wins. Offsets and magics from each format's spec. */
static const struct magic magics[] = {
    M(0, "PK\x03\x04", SNIFF_ZIP, "zip"),
    M(0, "PK\x05\x06", SNIFF_ZIP, "zip"), /* empty zip: end of central directory only */
    M(0, "PK\x07\x08", SNIFF_ZIP, "zip"), /* spanning marker before the first entry */
    M(0, "\x1f\x8b\x08", SNIFF_COMPRESSED, "gzip"),
    M(0, "BZh", SNIFF_COMPRESSED, "bzip2"),
    M(0,
      "\xfd"
      "7zXZ\x00",
      SNIFF_COMPRESSED, "xz"),
    M(0, "\x28\xb5\x2f\xfd", SNIFF_COMPRESSED, "zstd"),
    M(0, "\x04\x22\x4d\x18", SNIFF_COMPRESSED, "lz4"),
    M(0, "LZIP", SNIFF_COMPRESSED, "lzip"),
    M(0, "\x1f\x9d", SNIFF_COMPRESSED, "compress"),
    M(0, "7z\xbc\xaf\x27\x1c", SNIFF_ARCHIVE, "7z"),
    M(0, "Rar!\x1a\x07", SNIFF_ARCHIVE, "rar"),
    M(0, "070707", SNIFF_ARCHIVE, "cpio"),
    M(0, "070701", SNIFF_ARCHIVE, "cpio"),
    M(0, "070702", SNIFF_ARCHIVE, "cpio"),
    M(0, "\xc7\x71", SNIFF_ARCHIVE, "cpio"),
    M(0, "\x71\xc7", SNIFF_ARCHIVE, "cpio"),
    M(0, "!<arch>\n", SNIFF_ARCHIVE, "ar"),
    M(0, "MSCF\0\0\0\0", SNIFF_ARCHIVE, "cab"),
    M(0, "xar!", SNIFF_ARCHIVE, "xar"),
    M(257, "ustar", SNIFF_ARCHIVE, "tar"),
    M(32769, "CD001", SNIFF_ARCHIVE, "iso9660"),
    M(0, "%PDF-", SNIFF_HELPER, "pdf"),
    M(0, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", SNIFF_HELPER, "ole2"),
    M(0, "{\\rtf", SNIFF_HELPER, "rtf"),
    M(0, "\x89PNG\r\n\x1a\n", SNIFF_BINARY, "png"),
    M(0, "\xff\xd8\xff", SNIFF_BINARY, "jpeg"),
    M(0, "GIF87a", SNIFF_BINARY, "gif"),
    M(0, "GIF89a", SNIFF_BINARY, "gif"),
    M(0,
      "\x7f"
      "ELF",
      SNIFF_BINARY, "elf"),
    M(0, "SQLite format 3\0", SNIFF_UNSUPPORTED, "sqlite"),
};

#undef M

/* Old (v7) tar headers have no magic: check the header checksum (POSIX ustar). */
static bool tar_checksum_ok(const uint8_t *p, size_t n)
{
    unsigned long want = 0, sum = 0;
    size_t i;
    bool digits = false;
    if (n < 512 || p[0] == 0)
        return false;
    for (i = 148; i < 156; i++) {
        if (p[i] >= '0' && p[i] <= '7') {
            want = want * 8 + (unsigned long)(p[i] - '0');
            digits = true;
        } else if (p[i] != ' ' && p[i] != 0) {
            return false;
        } else if (digits) {
            break;
        }
    }
    if (!digits)
        return false;
    for (i = 0; i < 512; i++)
        sum += (i >= 148 && i < 156) ? ' ' : p[i];
    return sum == want;
}

static enum sniff_kind sniff(const uint8_t *p, size_t n, const char **name, size_t *mlen)
{
    size_t i;
    *mlen = 0;
    for (i = 0; i < sizeof(magics) / sizeof(magics[0]); i++) {
        const struct magic *m = &magics[i];
        /* the first byte before memcmp: most entries are out after one comparison */
        if (m->off + m->len <= n && p[m->off] == (uint8_t)m->bytes[0] &&
            memcmp(p + m->off, m->bytes, m->len) == 0) {
            /* bzip2: "BZh" + block size digit */
            if (m->kind == SNIFF_COMPRESSED && m->bytes[0] == 'B' &&
                (n < 4 || p[3] < '1' || p[3] > '9'))
                continue;
            *name = m->name;
            *mlen = m->off + m->len;
            return m->kind;
        }
    }
    if (tar_checksum_ok(p, n)) {
        *name = "tar";
        return SNIFF_ARCHIVE;
    }
    *name = NULL;
    return SNIFF_TEXT;
}

bool azk_decode__is_container(const uint8_t *p, size_t n)
{
    const char *name;
    size_t mlen;
    enum sniff_kind k = sniff(p, n, &name, &mlen);
    return k == SNIFF_ZIP || k == SNIFF_ARCHIVE || k == SNIFF_COMPRESSED;
}

/* ---- sink helpers ------------------------------------------------------------ */

azk_status azk_decode__emit(struct azk_decode_ctx *ctx, const azk_record *rec)
{
    azk_status rc;
    bool handled = false;
    if (ctx->sink->record == NULL)
        return AZK_OK;
    if (ctx->opts != NULL && ctx->opts->literal)
        return azk_decode__emit_raw(ctx, rec);
    rc = azk_decode__reveal(ctx, rec, &handled);
    if (rc != AZK_OK || handled)
        return rc;
    return azk_decode__emit_raw(ctx, rec);
}

azk_status azk_decode__emit_raw(struct azk_decode_ctx *ctx, const azk_record *rec)
{
    azk_status rc;
    if (ctx->sink->record == NULL)
        return AZK_OK;
    ctx->emitted++;
    rc = ctx->sink->record(ctx->sink->payload, rec);
    if (rc != AZK_OK)
        ctx->sink_failed = true;
    return rc;
}

void azk_decode__format(struct azk_decode_ctx *ctx, const char *format, const char *encoding)
{
    if (ctx->sink->object_format != NULL)
        ctx->sink->object_format(ctx->sink->payload, format, encoding);
}

size_t azk_decode__utf8_boundary(const uint8_t *p, size_t n)
{
    size_t i = n, back = 0;
    /* walk back over continuation bytes to the lead byte of the last character */
    while (i > 0 && back < 4 && (p[i - 1] & 0xC0) == 0x80) {
        i--;
        back++;
    }
    if (i == 0)
        return n; /* no lead byte: invalid, cut anywhere */
    {
        uint8_t lead = p[i - 1];
        size_t need = lead < 0x80             ? 1
                      : (lead & 0xE0) == 0xC0 ? 2
                      : (lead & 0xF0) == 0xE0 ? 3
                      : (lead & 0xF8) == 0xF0 ? 4
                                              : 1;
        if (back + 1 >= need)
            return n; /* the last character is complete */
        return i - 1;
    }
}

static void nul_to_space(uint8_t *p, size_t n)
{
    uint8_t *q = memchr(p, 0, n);
    while (q != NULL) {
        *q = ' ';
        q = memchr(q + 1, 0, n - (size_t)(q + 1 - p));
    }
}

azk_status azk_decode__emit_line(struct azk_decode_ctx *ctx, uint64_t lineno, uint8_t *p, size_t n,
                                 bool first_continued, const char *sheet)
{
    if (n > 0)
        nul_to_space(p, n);
    return azk_decode__emit_text(ctx, lineno, p, n, first_continued, sheet);
}

azk_status azk_decode__emit_text(struct azk_decode_ctx *ctx, uint64_t lineno, uint8_t *p, size_t n,
                                 bool first_continued, const char *sheet)
{
    size_t max = ctx->opts->max_line > 0 ? ctx->opts->max_line : (size_t)64 * 1024;
    bool continued = first_continued;
    azk_field f;
    azk_record rec;
    azk_status rc;
    memset(&rec, 0, sizeof(rec));
    memset(&f, 0, sizeof(f));
    rec.line = lineno;
    rec.fields = &f;
    rec.field_count = 1;
    rec.sheet = sheet;
    rec.page = ctx->page;
    for (;;) {
        size_t take = n;
        if (n > max) {
            size_t cut = azk_decode__utf8_boundary(p, max), j;
            size_t floor = max - max / 4;
            if (cut == 0)
                cut = max;
            /* prefer to cut after whitespace in the last quarter of the piece */
            for (j = cut; j > floor; j--) {
                if (p[j - 1] == ' ' || p[j - 1] == '\t') {
                    cut = j;
                    break;
                }
            }
            take = cut;
        }
        f.ptr = (const char *)p;
        f.len = take;
        rec.continued = continued ? 1 : 0;
        rc = azk_decode__emit(ctx, &rec);
        if (rc != AZK_OK)
            return rc;
        p += take;
        n -= take;
        continued = true;
        if (n == 0)
            return AZK_OK;
    }
}

/* ---- header heuristic ---------------------------------------------------------- */

static bool cell_looks_like_data(const char *s, size_t n)
{
    size_t i, digits = 0, chars = 0;
    if (n > 100)
        return true;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '@')
            return true; /* e-mail address */
        if (c >= '0' && c <= '9')
            digits++;
        if ((c & 0xC0) != 0x80)
            chars++;
    }
    if (n >= 3 && memmem(s, n, "://", 3) != NULL)
        return true;
    /* mostly digits (numbers, dates, phone numbers, codes) */
    return chars > 0 && digits * 2 >= chars;
}

bool azk_decode__looks_like_header(const azk_field *f, size_t n)
{
    size_t i, nonempty = 0;
    for (i = 0; i < n; i++) {
        if (f[i].len == 0)
            continue;
        nonempty++;
        if (cell_looks_like_data(f[i].ptr, f[i].len))
            return false;
    }
    return nonempty > 0 && nonempty * 2 >= n;
}

/* ---- dispatcher ------------------------------------------------------------------ */

/*
 * Leading padding (NUL or 0xFF runs of 8 bytes or more, as 4,096 NULs put
 * before a leak to make it "binary"): its length, rounded down to a
 * multiple of 4 so UTF-16 / UTF-32 text behind it keeps its alignment.
 */
static size_t padding_len(const uint8_t *p, size_t n)
{
    size_t i = 0;
    if (n == 0 || (p[0] != 0 && p[0] != 0xFF))
        return 0;
    while (i < n && p[i] == p[0])
        i++;
    return i < 8 ? 0 : i & ~(size_t)3;
}

/* Byte-order marks at the start (any number, any kind). */
static size_t bom_len(const uint8_t *p, size_t n)
{
    size_t i = 0;
    for (;;) {
        if (n - i >= 3 && memcmp(p + i, "\xEF\xBB\xBF", 3) == 0)
            i += 3;
        else if (n - i >= 2 &&
                 (memcmp(p + i, "\xFF\xFE", 2) == 0 || memcmp(p + i, "\xFE\xFF", 2) == 0))
            i += 2;
        else
            return i;
    }
}

/*
 * Find the real content behind leading junk: padding, byte-order marks
 * before a container, an image or executable signature followed by text.
 * Drops what it skips from the peek; *kind / *name describe what is left.
 */
static azk_status unwrap(struct azk_peek *pk, enum sniff_kind *kind, const char **name)
{
    azk_status rc;
    size_t mlen, rounds;
    for (rounds = 0; rounds < 64; rounds++) {
        size_t drop = 0;
        *kind = sniff(pk->buf, pk->len, name, &mlen);
        if (*kind == SNIFF_TEXT) {
            size_t pad = padding_len(pk->buf, pk->len);
            size_t bom = bom_len(pk->buf, pk->len);
            if (pad > 0) {
                drop = pad;
            } else if (bom > 0 && bom < pk->len) {
                const char *n2;
                size_t m2;
                if (sniff(pk->buf + bom, pk->len - bom, &n2, &m2) != SNIFF_TEXT)
                    drop = bom;
            }
        } else if (*kind == SNIFF_BINARY && mlen < pk->len) {
            /* a signature glued before text (a few junk bytes may follow it):
             * read the text */
            size_t k;
            for (k = mlen; k < pk->len && k <= mlen + 16 && drop == 0; k++) {
                uint32_t cp;
                bool text = false;
                uint8_t c = pk->buf[k];
                if (c < 0x80 ? (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7F
                             : azk_utf8_decode(pk->buf + k, pk->len - k, &cp) == 1)
                    continue; /* not where text starts */
                rc = azk_decode__looks_text(pk->buf + k, pk->len - k, pk->eof, &text);
                if (rc != AZK_OK)
                    return rc;
                if (text)
                    drop = k;
            }
        }
        if (drop == 0)
            return AZK_OK;
        rc = azk_decode__peek_drop(pk, drop);
        if (rc != AZK_OK)
            return rc;
    }
    return AZK_OK;
}

/*
 * PDF, OLE2, RTF through the sandboxed helper. When the helper itself
 * reports no document (a "%PDF-" line glued before a CSV, a damaged file:
 * not a crash, a limit or a garbled reply) and gave no text, the bytes are still read as a binary
 * (carved) where the source can be read again: the object keeps its error, and whatever text it
 * holds is reported too.
 */
static azk_status helper_or_carve(struct azk_decode_ctx *ctx, struct azk_peek *pk, const char *name,
                                  unsigned depth)
{
    uint64_t before = ctx->emitted;
    int64_t pos = 0;
    azk_status rc = azk_decode__helper(ctx, pk, name), crc;
    char msg[160];
    if (rc != AZK_ERR_FORMAT || !ctx->helper_nodoc || ctx->emitted != before ||
        ctx->opts->literal || pk->as_source.seek == NULL)
        return rc;
    snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
    crc = pk->as_source.seek(pk->as_source.ctx, 0, SEEK_SET, &pos);
    if (crc == AZK_OK)
        crc = azk_decode__carve(ctx, &pk->as_source, depth);
    if (crc == AZK_ERR_NOMEM)
        return crc;
    azk_decode__format(ctx, name, NULL);
    return azk_error_set(AZK_ERR_FORMAT, "%s", msg);
}

azk_status azk_decode__any(struct azk_decode_ctx *ctx, azk_source *src, unsigned depth)
{
    struct azk_peek pk;
    azk_status rc;
    const char *name = NULL;
    enum sniff_kind kind;
    unsigned saved_depth = ctx->depth;
    azk_status saved_deferred = ctx->deferred;
    char saved_msg[sizeof(ctx->deferred_msg)];

    memcpy(saved_msg, ctx->deferred_msg, sizeof(saved_msg));
    ctx->depth = depth;
    ctx->deferred = AZK_OK;
    rc = azk_decode__peek_init(&pk, src, ctx->spare != NULL ? &ctx->spare->peek : NULL);
    if (rc != AZK_OK)
        goto done;
    if (depth == 0 && ctx->opts->range != NULL && ctx->opts->range->cont)
        kind = SNIFF_TEXT; /* a later range of a text file: no sniffing mid-file */
    else
        rc = unwrap(&pk, &kind, &name);
    if (rc != AZK_OK)
        goto done;
    switch (kind) {
        case SNIFF_ZIP:
        case SNIFF_ARCHIVE:
        case SNIFF_COMPRESSED:
            if (depth >= ctx->max_depth) {
                azk_decode__format(ctx, name, NULL);
                rc = azk_error_set(AZK_ERR_LIMIT, "nesting deeper than %u", ctx->max_depth);
                goto done;
            }
            rc = azk_decode__archive(ctx, &pk, depth, name, kind == SNIFF_COMPRESSED);
            break;
        case SNIFF_BINARY:
            if (!ctx->opts->literal && (strcmp(name, "png") == 0 || strcmp(name, "jpeg") == 0 ||
                                        strcmp(name, "gif") == 0)) {
                rc = azk_decode__image(ctx, &pk, name, depth); /* format = the image type */
                break;
            }
            /* executables, unknown binaries: what can be read back out of them */
            if (ctx->opts->literal) {
                azk_decode__format(ctx, "binary", NULL);
                rc = AZK_OK;
                break;
            }
            rc = azk_decode__carve(ctx, &pk.as_source, depth);
            break;
        case SNIFF_HELPER:
            rc = helper_or_carve(ctx, &pk, name, depth);
            break;
        case SNIFF_UNSUPPORTED:
            azk_decode__format(ctx, name, NULL);
            rc = azk_error_set(AZK_ERR_UNSUPPORTED, "%s: text extraction not supported", name);
            break;
        case SNIFF_TEXT:
        default:
            rc = azk_decode__text(ctx, &pk);
            break;
    }
done:
    if (rc == AZK_OK && ctx->deferred != AZK_OK)
        rc = azk_error_set(ctx->deferred, "%s", ctx->deferred_msg);
    ctx->depth = saved_depth;
    ctx->deferred = saved_deferred;
    memcpy(ctx->deferred_msg, saved_msg, sizeof(saved_msg));
    azk_decode__peek_dispose(&pk);
    return rc;
}

azk_status azk_decode__object(azk_source *src, const azk_decode_options *opts,
                              const azk_decode_sink *sink)
{
    return azk_decode__object_spare(src, opts, sink, NULL);
}

azk_status azk_decode__object_spare(azk_source *src, const azk_decode_options *opts,
                                    const azk_decode_sink *sink, struct azk_decode_spare *spare)
{
    static const azk_decode_options defaults = AZK_DECODE_OPTIONS_INIT;
    struct azk_decode_ctx ctx;
    azk_status rc;
    size_t i;

    AZK_ASSERT_ARG(src != NULL && src->read != NULL);
    AZK_ASSERT_ARG(sink != NULL);
    memset(&ctx, 0, sizeof(ctx));
    ctx.opts = opts != NULL ? opts : &defaults;
    ctx.sink = sink;
    ctx.spare = spare;
    ctx.max_depth = ctx.opts->max_depth;
    if (ctx.max_depth > AZK_DECODE_DEPTH_HARD)
        ctx.max_depth = AZK_DECODE_DEPTH_HARD;
    if (ctx.opts->force_encoding != NULL &&
        azk_decode__encoding_canonical(ctx.opts->force_encoding) == NULL)
        return azk_error_set(AZK_ERR_ARG, "unknown encoding name");
    rc = azk_decode__any(&ctx, src, 0);
    if (ctx.opts->range != NULL) {
        ctx.opts->range->revealed = ctx.revealed;
        ctx.opts->range->transparent = ctx.transparent;
    }
    for (i = 0; i < ctx.member_count; i++)
        azk_free(ctx.member[i]);
    return rc;
}
