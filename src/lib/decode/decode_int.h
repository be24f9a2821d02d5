/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/decode_int.h -- internals shared by the decode stage's files: the
 * per-top-level-object context (limits, counters, member path), the peek
 * buffer every object is sniffed through, archive member streams, the text
 * consumers (lines, CSV) and the format entry points the dispatcher calls.
 * Not used outside src/lib/decode/.
 */
#ifndef AZK_DECODE_INT_H
#define AZK_DECODE_INT_H

#include "decode/decode.h"

struct archive;
struct archive_entry;

/* Bytes sniffed (and encoding-detected) before an object is decoded. */
#define AZK_DECODE_PEEK ((size_t)64 * 1024)
/* Read / conversion chunk. */
#define AZK_DECODE_CHUNK ((size_t)64 * 1024)
/* The ratio limit only applies once a member expanded this much. */
#define AZK_DECODE_RATIO_MIN_BYTES ((uint64_t)1 << 20)
/* Compressed byte count never taken as less than this for the ratio. */
#define AZK_DECODE_RATIO_MIN_COMPRESSED 4096
/* Hard cap of the member path stack whatever max_depth says. */
#define AZK_DECODE_DEPTH_HARD 64
/*
 * xlsx: shared strings table bound: bytes of text (a NUL per string) plus
 * 4 bytes of offset per string, so a table of millions of empty strings
 * is bounded like a table of text. With the deferred rows below, an xlsx
 * holds at most 128 MiB (peak RSS per worker stays under 256 MB).
 */
#define AZK_DECODE_SST_MAX ((size_t)64 << 20)
/* xlsx: rows held back until sharedStrings.xml arrives (bytes). */
#define AZK_DECODE_DEFER_MAX ((size_t)64 << 20)
/* CSV / xlsx: at most this many cells per record (more: the row continues). */
#define AZK_DECODE_MAX_FIELDS 4096
/* Header cells are kept up to this length. */
#define AZK_DECODE_HEADER_MAX 256

/* Per top-level object. */
struct azk_decode_ctx {
    const azk_decode_options *opts;
    const azk_decode_sink *sink;
    unsigned max_depth;
    uint64_t total_expanded; /* bytes produced by every container in this object */
    uint64_t entries;        /* members seen */
    char *member[AZK_DECODE_DEPTH_HARD];
    size_t member_count;
    bool sink_failed; /* a sink callback returned non-OK: stop everything */
};

/*
 * A source with the object's first bytes held back for sniffing. Reading
 * through it returns the held bytes first. Seeking is passed on to the
 * underlying source when it can seek.
 */
struct azk_peek {
    azk_source *src;
    uint8_t *buf;
    size_t len;      /* bytes held */
    size_t pos;      /* next held byte to return */
    bool eof;        /* underlying source at its end */
    bool passthru;   /* after a seek: the held bytes are stale */
    int64_t logical; /* position of the next byte read through the peek */
    azk_source as_source;
};

AZK_NODISCARD azk_status azk_decode__peek_init(struct azk_peek *pk, azk_source *src);
void azk_decode__peek_dispose(struct azk_peek *pk);

/* Dispatch any object (top level or member) at `depth` containers deep. */
AZK_NODISCARD azk_status azk_decode__any(struct azk_decode_ctx *ctx, azk_source *src,
                                         unsigned depth);

/* libarchive client over a source; keeps the source's own error. */
struct azk_archive_client {
    azk_source *src;
    uint8_t *buf;
    azk_status err;
    char msg[256];
};

/*
 * A stream over the data of the current archive entry, counting and
 * enforcing the member-size, total-expanded and ratio limits.
 */
struct azk_member_stream {
    struct azk_decode_ctx *ctx;
    struct archive *a;
    struct azk_archive_client *client;
    uint64_t expanded;
    int64_t raw_start;  /* archive_filter_bytes(a, -1) at the entry */
    bool archive_error; /* libarchive failed: the container cannot go on */
    bool limit_hit;     /* a limit stopped the member */
    const char *what;   /* "zip", "tar", ... for messages */
    azk_source as_source;
};

void azk_decode__member_stream_init(struct azk_member_stream *ms, struct azk_decode_ctx *ctx,
                                    struct archive *a, struct azk_archive_client *client,
                                    const char *what);

/* Container / compressed stream (archive.c). */
AZK_NODISCARD azk_status azk_decode__archive(struct azk_decode_ctx *ctx, struct azk_peek *pk,
                                             unsigned depth, const char *name, bool compressed);

/* Emit one record (sink call with failure bookkeeping). */
AZK_NODISCARD azk_status azk_decode__emit(struct azk_decode_ctx *ctx, const azk_record *rec);
void azk_decode__format(struct azk_decode_ctx *ctx, const char *format, const char *encoding);

/*
 * Emit a text line, cut in pieces of at most max_line bytes at a UTF-8
 * boundary (preferably after whitespace); NUL bytes become spaces (the
 * buffer is modified). `first_continued` marks the first piece as the
 * continuation of an earlier one.
 */
AZK_NODISCARD azk_status azk_decode__emit_line(struct azk_decode_ctx *ctx, uint64_t lineno,
                                               uint8_t *p, size_t n, bool first_continued,
                                               const char *sheet);

/* Whether a first row looks like a header (text labels, nothing like data). */
bool azk_decode__looks_like_header(const azk_field *f, size_t n);

/* Length of the longest prefix of p[0..n) that ends on a UTF-8 character boundary. */
size_t azk_decode__utf8_boundary(const uint8_t *p, size_t n);

/* ---- text consumers -------------------------------------------------------- */

/* Line splitter over a UTF-8 stream. */
struct azk_lines {
    struct azk_decode_ctx *ctx;
    uint64_t lineno; /* number of the line being assembled */
    azk_buf carry;   /* start of a line that continues in the next chunk */
    bool cr_pending; /* last chunk ended in \r: skip a leading \n */
    bool cut;        /* pieces of the current line were already emitted */
};

void azk_decode__lines_init(struct azk_lines *ln, struct azk_decode_ctx *ctx);
/* p is modified (NULs). */
AZK_NODISCARD azk_status azk_decode__lines_feed(struct azk_lines *ln, uint8_t *p, size_t n);
AZK_NODISCARD azk_status azk_decode__lines_finish(struct azk_lines *ln);
void azk_decode__lines_dispose(struct azk_lines *ln);

/* Delimited text (RFC 4180). */
struct azk_csv;
/* Returns ',' or '\t' when the sample looks delimited, else 0. */
int azk_decode__csv_sniff(const uint8_t *p, size_t n, bool at_eof);
AZK_NODISCARD azk_status azk_decode__csv_new(struct azk_csv **out, struct azk_decode_ctx *ctx,
                                             int delim);
AZK_NODISCARD azk_status azk_decode__csv_feed(struct azk_csv *c, const uint8_t *p, size_t n);
AZK_NODISCARD azk_status azk_decode__csv_finish(struct azk_csv *c);
void azk_decode__csv_free(struct azk_csv *c);

/* ---- formats --------------------------------------------------------------- */

/* Text: detect encoding (unless forced), convert, lines or CSV; or "binary". */
AZK_NODISCARD azk_status azk_decode__text(struct azk_decode_ctx *ctx, struct azk_peek *pk);
/* PNG, JPEG, GIF (name): walked to the end marker; data after it is a format error. */
AZK_NODISCARD azk_status azk_decode__image(struct azk_decode_ctx *ctx, struct azk_peek *pk,
                                           const char *name);

/*
 * Office Open XML: `a` is positioned on `entry`, the first entry of the
 * zip. Reads the rest of the archive; object_format is called inside.
 */
AZK_NODISCARD azk_status azk_decode__ooxml(struct azk_decode_ctx *ctx, struct archive *a,
                                           struct azk_archive_client *client,
                                           struct archive_entry *entry);

/* Whether the first entry name of a zip says Office Open XML. */
bool azk_decode__ooxml_first_name(const char *name);

/* Feed an XML part (docx / pptx / xlsx sheet) from memory: for the fuzzer. */
AZK_NODISCARD azk_status azk_decode__ooxml_part_mem(struct azk_decode_ctx *ctx, const char *part,
                                                    const uint8_t *p, size_t n);

#endif
