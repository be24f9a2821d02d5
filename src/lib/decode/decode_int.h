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
    uint32_t page;    /* pdf: page of the lines emitted now (azk_record.page) */
    unsigned depth;   /* containers and encodings around the object being decoded */
    /* first failure of content decoded inside the current object (a base64
     * blob, an embedded archive): the object goes on, then ends with it */
    azk_status deferred;
    char deferred_msg[160];
    uint64_t revealed;              /* bytes produced by reveal / carve per top-level object */
    uint64_t transparent;           /* azk_decode__transparent calls (for azk_decode_range) */
    uint64_t emitted;               /* records handed to the sink so far (all objects) */
    bool helper_nodoc;              /* the extraction helper itself said: damaged / no document */
    struct azk_decode_spare *spare; /* the caller's spare buffers, or NULL */
};

/* A buffer of size bytes: the one in *slot (slot set, *slot not NULL; the slot is
 * emptied), else a new one. NULL: out of memory. */
void *azk_decode__spare_take(uint8_t **slot, size_t size);
/* p (from azk_decode__spare_take with the same slot and size) back into *slot when it
 * is empty, else freed. */
void azk_decode__spare_give(uint8_t **slot, void *p);

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
    uint8_t **spare; /* where buf came from and goes back to (azk_decode__spare_take) */
};

/* spare: a slot for the buffer (azk_decode_spare.peek), or NULL */
AZK_NODISCARD azk_status azk_decode__peek_init(struct azk_peek *pk, azk_source *src,
                                               uint8_t **spare);
void azk_decode__peek_dispose(struct azk_peek *pk);
/*
 * Drop the first n held bytes (leading junk) and refill: the object is then
 * read from there on, as a source that cannot seek (offsets changed).
 */
AZK_NODISCARD azk_status azk_decode__peek_drop(struct azk_peek *pk, size_t n);

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

/* Emit one record (sink call with failure bookkeeping), revealed first (reveal.c). */
AZK_NODISCARD azk_status azk_decode__emit(struct azk_decode_ctx *ctx, const azk_record *rec);
/* Emit one record as it is. */
AZK_NODISCARD azk_status azk_decode__emit_raw(struct azk_decode_ctx *ctx, const azk_record *rec);
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
/* azk_decode__emit_line of a line known to hold no NUL byte (not looked for). */
AZK_NODISCARD azk_status azk_decode__emit_text(struct azk_decode_ctx *ctx, uint64_t lineno,
                                               uint8_t *p, size_t n, bool first_continued,
                                               const char *sheet);

/* Whether a first row looks like a header (text labels, nothing like data). */
bool azk_decode__looks_like_header(const azk_field *f, size_t n);

/* Length of the longest prefix of p[0..n) that ends on a UTF-8 character boundary. */
size_t azk_decode__utf8_boundary(const uint8_t *p, size_t n);

/* ---- text consumers -------------------------------------------------------- */

/* Base64 lines (MIME bodies) gathered across the lines of a text object. */
struct azk_b64_block {
    azk_buf text;   /* the base64 characters of the lines so far */
    size_t lines;   /* lines gathered */
    uint64_t first; /* line number of the first */
};

/* Line splitter over a UTF-8 stream. */
struct azk_lines {
    struct azk_decode_ctx *ctx;
    struct azk_b64_block b64; /* MIME base64 lines being gathered */
    azk_buf qp;               /* quoted-printable lines joined at soft breaks */
    azk_buf hex;              /* bytes of hex dump lines so far (the lines are emitted too) */
    uint64_t lineno;          /* number of the line being assembled */
    azk_buf carry;            /* start of a line that continues in the next chunk */
    bool cr_pending;          /* last chunk ended in \r: skip a leading \n */
    bool cut;                 /* pieces of the current line were already emitted */
};

void azk_decode__lines_init(struct azk_lines *ln, struct azk_decode_ctx *ctx);
/* What a line p[0..n) may be (line_out's quick reject, text_lines.c): AZK_LINE_MAY_DUMP unless
 * azk_decode__hex_line is false on it whatever `more`, AZK_LINE_MAY_B64 unless
 * azk_decode__b64_line is; both for lines under 32 bytes, without AVX2 and with
 * azk_decode__simd_off. */
enum { AZK_LINE_MAY_DUMP = 1, AZK_LINE_MAY_B64 = 2 };
unsigned azk_decode__line_may(const uint8_t *p, size_t n);
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
/* Whether the parser is at the start of a row (nothing pending); *rows = rows and blank lines so
 * far. */
bool azk_decode__csv_at_row_start(const struct azk_csv *c, uint64_t *rows);
void azk_decode__csv_free(struct azk_csv *c);

/* ---- evasion: carving, reveal (carve.c, reveal.c) ------------------------------ */

/* Bytes decoded out of escapes / base64 per top-level object (counts like expansion). */
#define AZK_DECODE_REVEAL_MAX ((uint64_t)1 << 30)
/* A base64 block spread over lines (MIME) is decoded up to this many bytes at once. */
#define AZK_DECODE_B64_BLOCK_MAX ((size_t)16 << 20)

/*
 * Whether p[0..n) reads as text (UTF-8, CP932 or EUC-JP, judged by
 * validity and by the shape of real text: few class changes between ASCII,
 * Japanese and half-width kana, few stray symbols); when it does, its UTF-8
 * form is appended to out. `min` is the least length considered.
 */
AZK_NODISCARD azk_status azk_decode__text_piece(const uint8_t *p, size_t n, size_t min, bool strict,
                                                azk_buf *out, bool *ok);

/*
 * Convert p[0..n) from a legacy encoding ("cp932", "euc-jp", "utf-16le",
 * "utf-16be") to UTF-8 appended to out; *errors = undecodable sequences.
 */
AZK_NODISCARD azk_status azk_decode__convert_mem(const char *enc, const uint8_t *p, size_t n,
                                                 azk_buf *out, size_t *errors);

/*
 * Text carved out of a binary object: runs between control bytes that read
 * as text become lines; an archive or compressed stream embedded at any
 * offset (an image with a zip appended) is decoded from there on.
 */
AZK_NODISCARD azk_status azk_decode__carve(struct azk_decode_ctx *ctx, azk_source *src,
                                           unsigned depth);

/*
 * Decode src as part of the current object (content that was hidden in it:
 * a base64 blob, an archive behind an image): its records join the
 * object, its members nest under it, its format is not reported. A failure
 * is deferred to the end of the current object (fail closed, go on).
 */
AZK_NODISCARD azk_status azk_decode__transparent(struct azk_decode_ctx *ctx, azk_source *src);

/* Whether p[0..n) starts with an archive or compressed-stream signature. */
bool azk_decode__is_container(const uint8_t *p, size_t n);

/* Record a deferred failure (first one wins); returns AZK_OK unless NOMEM. */
azk_status azk_decode__defer(struct azk_decode_ctx *ctx, azk_status rc);

/*
 * Undo encodings that only hide text in one record (JSON / C escapes, HTML
 * character references, percent-encoding, quoted-printable, base64 runs,
 * hex runs; invisible characters, full-width ASCII, spaced-out values) and
 * emit the result instead of rec. *handled is false (nothing emitted) when
 * the record holds nothing to undo: the caller emits it as it is.
 */
AZK_NODISCARD azk_status azk_decode__reveal(struct azk_decode_ctx *ctx, const azk_record *rec,
                                            bool *handled);

/* A hex dump line (xxd, hexdump -C, od, C array): its bytes appended to out. */
bool azk_decode__hex_line(const uint8_t *p, size_t n, bool more, azk_buf *out);
/* Whether a line is a base64 body line (to be gathered); false = emit normally. */
bool azk_decode__b64_line(const uint8_t *p, size_t n);
AZK_NODISCARD azk_status azk_decode__b64_flush(struct azk_decode_ctx *ctx, struct azk_b64_block *b);

/* ---- formats --------------------------------------------------------------- */

/* Whether p[0..n) is text for the text decoder (not binary). */
AZK_NODISCARD azk_status azk_decode__looks_text(const uint8_t *p, size_t n, bool at_eof,
                                                bool *text);

/* Text: detect encoding (unless forced), convert, lines or CSV; or carve a binary. */
AZK_NODISCARD azk_status azk_decode__text(struct azk_decode_ctx *ctx, struct azk_peek *pk);
/*
 * PNG, JPEG, GIF (name): walked to the end marker, then carved like any
 * binary (text in comments, text or an archive glued behind the image).
 * Format = the image type only for a pure image of a seekable source, else
 * "binary".
 */
AZK_NODISCARD azk_status azk_decode__image(struct azk_decode_ctx *ctx, struct azk_peek *pk,
                                           const char *name, unsigned depth);

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

/* ---- the extraction helper (helper.c, src/extract/) ----------------------- */

/* Bytes the helper accepts for one object (it holds them in memory). */
#define AZK_HELPER_MAX_INPUT ((uint64_t)512 << 20)
/* Address space of one helper process. */
#define AZK_HELPER_MEM ((uint64_t)2 << 30)
/* CPU seconds of one helper process. */
#define AZK_HELPER_CPU 120
/* Wall-clock seconds the parent waits for one object. */
#define AZK_HELPER_TIMEOUT 300
/* Largest frame the parent accepts from the helper. */
#define AZK_HELPER_FRAME_MAX ((size_t)64 << 20)

/*
 * Run the sniffed object (`name`: "pdf", "ole2", "rtf") through the
 * sandboxed helper: its bytes go to the helper's stdin, its frames come
 * back as records. A helper that crashes, is killed, hits a limit or
 * replies garbage is an error of this object only.
 */
AZK_NODISCARD azk_status azk_decode__helper(struct azk_decode_ctx *ctx, struct azk_peek *pk,
                                            const char *name);

/* Path of the helper executable, or NULL when it is not installed (thread-local storage,
 * valid until the next call in this thread). */
const char *azk_decode__helper_path(void);

/*
 * Helper protocol (helper -> parent), little-endian frames: u8 type, u32
 * payload length, payload. 'F' format name; 'R' record (u64 line, u64 row,
 * u32 page, u8 flags, u32 sheet length + sheet, u32 field count, then per
 * field u32 col, u32 header length + header, u32 length + bytes); 'E'
 * error (u32 code, message); 'D' done. The parent checks every frame:
 * lengths, UTF-8, known format names, status codes.
 */
struct azk_frames {
    struct azk_decode_ctx *ctx;
    azk_buf in;            /* bytes received, not yet a whole frame */
    azk_field *fields;     /* AZK_DECODE_MAX_FIELDS */
    char sheet[256];       /* sheet name of the current record (NUL-terminated) */
    bool done;             /* 'D' seen */
    bool have_error;       /* 'E' seen */
    azk_status error_code; /* from 'E' */
    char error_msg[256];   /* from 'E', printable ASCII */
};

AZK_NODISCARD azk_status azk_decode__frames_init(struct azk_frames *fr, struct azk_decode_ctx *ctx);
/* Feed bytes; whole frames are emitted. Error: a protocol violation or a sink failure. */
AZK_NODISCARD azk_status azk_decode__frames_feed(struct azk_frames *fr, const uint8_t *p, size_t n);
void azk_decode__frames_dispose(struct azk_frames *fr);

/* Helper side: a sink that writes frames to a descriptor (buffered). */
struct azk_frame_writer {
    int fd;
    azk_buf out;
    azk_status err; /* first write error */
};
void azk_decode__frame_writer_init(struct azk_frame_writer *w, int fd, azk_decode_sink *sink);
void azk_decode__frame_error(struct azk_frame_writer *w, azk_status code, const char *msg);
/* Write the 'D' frame and flush. */
AZK_NODISCARD azk_status azk_decode__frame_finish(struct azk_frame_writer *w);
void azk_decode__frame_writer_dispose(struct azk_frame_writer *w);

/* ---- formats decoded inside the helper, from memory ------------------------ */

/* OLE2 compound file: .xls (BIFF8), .doc (Word 97+), .ppt; libgsf for the container. */
AZK_NODISCARD azk_status azk_decode__ole2(struct azk_decode_ctx *ctx, const uint8_t *p, size_t n);
/* One stream of a compound file from memory, for the fuzzer: 0 Workbook (BIFF8), 1 Word
 * (u16 length of WordDocument, WordDocument, table stream), 2 PowerPoint Document. */
AZK_NODISCARD azk_status azk_decode__ole2_stream_mem(struct azk_decode_ctx *ctx, int kind,
                                                     const uint8_t *p, size_t n);
/* Rich Text Format. */
AZK_NODISCARD azk_status azk_decode__rtf(struct azk_decode_ctx *ctx, const uint8_t *p, size_t n);

/*
 * An Excel serial date (1900 system with its leap-year bug, or 1904) as
 * "YYYY-MM-DD", plus " HH:MM" when it has a time of day (decode/excel_date.c).
 * @return the length written to out (cap bytes), 0 when v is no date.
 */
size_t azk_decode__excel_date(double v, bool date1904, char *out, size_t cap);

/*
 * Vector units (text_simd.c): whether AVX2 paths run (the CPU has AVX2 and
 * azk_decode__simd_off, a test switch for the scalar paths, is false), and
 * a character boundary b <= n with p[0..b) valid UTF-8 found 32 bytes at a
 * time (0 without AVX2); the scalar validation goes on from b.
 */
extern bool azk_decode__simd_off;
/* csv.c's test switch: its fast path's SSE2 build where the AVX2 one would run */
extern bool azk_decode__csv_avx2_off;
bool azk_decode__have_avx2(void);
size_t azk_decode__utf8_valid_fast(const uint8_t *p, size_t n);
/* The length of the whole 32-byte blocks of ASCII at the start of p[0..n) with AVX2, else 0
 * (azk_decode__text_ascii_prefix goes on from there). */
size_t azk_decode__ascii_fast(const uint8_t *p, size_t n);

#endif
