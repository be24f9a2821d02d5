/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/decode.h -- the decode stage: bytes of one object in, UTF-8
 * records out. Internal contract between decode, the scan pipeline and
 * detect.
 *
 * An object (a file, or a member of a container) is read through an
 * azk_source (pull, bounded reads; never the whole object in memory). The
 * dispatcher sniffs the content (never the name), then:
 *   - containers (zip, tar, gzip, bzip2, xz, 7z, cpio, ... via libarchive):
 *     each member is a new object, announced with sink->object_begin and
 *     recursed into, under depth / total-size / ratio / entry-count limits
 *     that the dispatcher alone enforces (ClamAV);
 *   - Office Open XML (xlsx, docx, pptx): leaf objects; text extracted with
 *     expat, xlsx rows become tabular records;
 *   - text: encoding detected (BOM, UTF-8, UTF-16LE/BE, CP932, EUC-JP,
 *     ISO-2022-JP) or forced, converted to UTF-8 with ICU, split in lines;
 *     delimited text (CSV/TSV) becomes tabular records;
 *   - anything else: format "binary", no records.
 * Invalid byte sequences become U+FFFD; they never abort an object.
 */
#ifndef AZK_DECODE_H
#define AZK_DECODE_H

#include "util/util.h"
#include "azukari/types.h"

/* ---- input -------------------------------------------------------------- */

/*
 * A pull source. read() fills up to cap bytes, sets *got (0 = end of
 * object) and returns AZK_OK, or an error code with azk_error_set() done.
 */
typedef struct azk_source {
    azk_status (*read)(void *ctx, uint8_t *buf, size_t cap, size_t *got);
    void *ctx;
    int64_t size; /* -1 when unknown */
    /*
     * Optional (NULL = not seekable): move to `offset` from SEEK_SET /
     * SEEK_CUR / SEEK_END, store the new absolute position in *pos. Lets
     * the zip and 7z readers use the central directory of a top-level file.
     */
    azk_status (*seek)(void *ctx, int64_t offset, int whence, int64_t *pos);
} azk_source;

/* State of a file-descriptor source (caller-owned, lives as long as the source). */
struct azk_fd_source {
    int fd;
    int64_t size;        /* from fstat; -1 when unknown (pipe) */
    int64_t pos;         /* bytes delivered so far */
    bool no_read_at_end; /* azk_decode__source_fd_opened */
};

/*
 * A source over an open descriptor (not closed by the source). `size` is
 * the size the caller saw (fstat), -1 if unknown: when known, a file that
 * shrinks or grows while being read is an AZK_ERR_IO error. Seekable when
 * size >= 0 and lseek works. read() retries on EINTR.
 */
void azk_decode__source_fd(azk_source *src, struct azk_fd_source *state, int fd, int64_t size);
/*
 * The same over a regular file the caller has just opened (offset 0: no
 * lseek to find out) and whose size (> 0) it checks again with fstat after
 * the object: once `size` bytes are read, the end is reported without a
 * read() that would only confirm it (a growth then shows in that fstat).
 * Two system calls less per small file.
 */
void azk_decode__source_fd_opened(azk_source *src, struct azk_fd_source *state, int fd,
                                  int64_t size);

/* State of a memory source (caller-owned). */
struct azk_mem_source {
    const uint8_t *data;
    size_t len;
    size_t pos;
};

/* A seekable source over a caller-owned buffer (tests, fuzzers). */
void azk_decode__source_mem(azk_source *src, struct azk_mem_source *state, const void *data,
                            size_t len);

/* ---- output ------------------------------------------------------------- */

/* One field of a record: a line of text, or one cell of a row. */
typedef struct {
    const char *ptr; /* valid UTF-8 (U+FFFD for what could not be decoded) */
    size_t len;
    const char *header; /* header cell of this column (UTF-8), NULL if none */
    size_t header_len;
    uint32_t col; /* 0-based column index (0 for free text) */
} azk_field;

/* One record: a text line (one field) or a tabular row (one field a cell). */
typedef struct {
    uint64_t line; /* 1-based line (text) or row number counting the header (tabular) */
    uint64_t row;  /* tabular: 1-based data row, header excluded; 0 for text */
    const azk_field *fields;
    size_t field_count;
    unsigned tabular : 1;   /* fields are cells of a row */
    unsigned is_header : 1; /* the row was taken as the header row */
    unsigned continued : 1; /* text: continues a line cut at the line limit */
    const char *sheet;      /* xlsx / xls: sheet name, else NULL */
    uint32_t page;          /* pdf: 1-based page (0: not paged; document-level text) */
} azk_record;

/* Information about one object, given to object_begin. */
typedef struct {
    const char *const *member; /* container path, outermost first */
    size_t member_count;       /* 0 for a plain file */
    int64_t size;              /* -1 when unknown */
} azk_object_info;

/*
 * What the decode stage calls. Every object announced by object_begin gets
 * exactly one object_end, nested objects strictly inside their container's
 * begin/end. format / encoding are set before the first record and may be
 * read in object_end. A callback returning non-OK stops the whole walk of
 * this top-level object (used for fatal errors such as NOMEM only).
 */
typedef struct azk_decode_sink {
    azk_status (*object_begin)(void *payload, const azk_object_info *info);
    /* format: "text", "csv", "tsv", "xlsx", "docx", "pptx", "zip", "tar",
     * "gzip", "binary", ...; encoding: "utf-8", "cp932", ... or NULL.
     * Static strings. Called once before the first record; called a second
     * time only when the text decoder switched encoding mid-object (an
     * ASCII-only prefix was taken as UTF-8, then CP932 / EUC-JP / ISO-2022-JP
     * bytes came): the last call wins. */
    /* From the extraction helper: "pdf", "xls", "doc", "ppt", "ole2", "rtf" (the
     * sniffed name first, then the helper's more precise one: the last call wins). */
    void (*object_format)(void *payload, const char *format, const char *encoding);
    azk_status (*record)(void *payload, const azk_record *rec);
    /* st != AZK_OK: the object could not be (fully) read; err->message set */
    void (*object_end)(void *payload, azk_status st, const azk_error *err);
    void *payload;
} azk_decode_sink;

/* ---- limits and options -------------------------------------------------- */

/*
 * One range of a large text file scanned on its own (scan/split.c): the
 * scanner cuts a file into ranges that start after a '\n' and decodes each
 * with its own sink; this says how a range starts and reports what the
 * scanner must check before it may join the ranges' records as if the file
 * had been decoded in one pass (docs/internals/DECODE.md, "Ranges").
 */
struct azk_decode_range {
    /* in: false = the first range (from the start, detection as usual);
     * true = a later range: text in `encoding` (ascii_only: provisional, as
     * the first range's detection said), no BOM, no format sniff */
    bool cont;
    const char *encoding; /* cont: canonical name ("utf-8", "cp932", "euc-jp") */
    bool ascii_only;
    const char *format; /* cont: "text", "csv" or "tsv" (what the first range's sniff says) */
    /* cont, csv/tsv: the source starts with the file's first `replay` bytes
     * (a BOM of `bom` bytes, skipped; blank lines and the first row: the
     * header or first record the column kinds come from), then the range */
    uint64_t replay;
    size_t bom;
    /* out, filled by the text decoder (format_out NULL: it did not run) */
    const char *format_out;   /* "text", "csv" or "tsv" */
    bool replay_done;         /* the replay was decoded (records before it are the replay's) */
    bool replay_clean;        /* ... and ended at a row start */
    uint64_t replay_lines;    /* rows and blank lines of the replay */
    const char *encoding_out; /* the encoding at the end */
    bool switched;            /* the encoding changed on the way */
    uint64_t bad;             /* undecodable sequences (U+FFFD) */
    uint64_t lines;           /* line ends seen (\n, \r\n, lone \r); CSV: rows and blank lines */
    bool clean_end;           /* the last line / row ended, nothing gathered (base64, QP, hex) */
    /* out, per object (every decoder) */
    uint64_t revealed;    /* bytes decoded out of escapes / base64 / hex */
    uint64_t transparent; /* contents decoded as part of the object (own line numbers) */
};

/*
 * Whether a file whose first bytes are p[0..n) may be split into ranges:
 * text in UTF-8 (maybe ASCII so far), CP932 or EUC-JP ('\n' and '"' are
 * never part of a character there); CSV/TSV when its first row ends in p.
 * On true, *out is what a later range starts with. A guess only: the first
 * range's report says what the decoder really did.
 */
/*
 * Whether ranges 0..n-1 of one file, decoded in order with their reports
 * r, give what one pass over the file gives, shifted line numbers aside:
 * each but the last ended clean (the next started fresh, as the one pass
 * would be there; a later CSV range's replayed first row ended at a row
 * start), the format and encoding never changed and were the same in all,
 * too few undecodable bytes for a re-decision (UTF-8: under 8 in all,
 * none while ASCII-only; CP932 / EUC-JP: none), no later range decoded
 * hidden content (its lines are numbered on their own), and the bytes
 * revealed in all are far from the per-object limit.
 */
bool azk_decode__range_join_ok(const struct azk_decode_range *const *r, size_t n);

struct azk_range_probe {
    const char *encoding; /* what a later range starts with */
    bool ascii_only;
    const char *format; /* "text", "csv", "tsv" */
    uint64_t replay;    /* csv/tsv: bytes up to the end of the first row */
    size_t bom;
};
bool azk_decode__range_probe(const uint8_t *p, size_t n, bool at_eof, const char *force_encoding,
                             struct azk_range_probe *out);

typedef struct {
    unsigned max_depth;          /* container nesting depth (default 8) */
    uint64_t max_member_size;    /* bytes of one expanded member (default 1 GiB) */
    uint64_t max_total_expanded; /* bytes expanded per top-level object (default 4 GiB) */
    uint32_t max_ratio;          /* expanded / compressed, per member (default 200) */
    uint64_t max_entries;        /* members per top-level object (default 100000) */
    size_t max_line;             /* line cut length in bytes (default 64 KiB) */
    size_t max_cell;             /* cell cut length in bytes (default 64 KiB) */
    const char *force_encoding;  /* NULL = detect; else "cp932", "euc-jp", ... */
    /*
     * Read as written (intake, link): no evasion reading — no reveal of
     * escapes / base64 / invisible characters, no joining of encoded lines,
     * no carving of binaries. Entrusted data is taken in byte for byte as the
     * client wrote it; scanners leave this false.
     */
    bool literal;
    /* scan/split.c: this object is one range of a text file (NULL otherwise) */
    struct azk_decode_range *range;
} azk_decode_options;

#define AZK_DECODE_OPTIONS_INIT                                                                    \
    {                                                                                              \
        8, (uint64_t)1 << 30, (uint64_t)4 << 30, 200, 100000, (size_t)64 * 1024,                   \
            (size_t)64 * 1024, NULL, false, NULL                                                   \
    }

/*
 * Decode one top-level object (already announced by the caller with
 * object_begin; the caller also calls object_end with the return value).
 * Returns AZK_OK when the object was read to its end, or the error that
 * stopped it (message set). Errors of members are reported to their own
 * object_end and do not fail the container.
 */
AZK_NODISCARD azk_status azk_decode__object(azk_source *src, const azk_decode_options *opts,
                                            const azk_decode_sink *sink);

/*
 * Buffers a caller keeps from one top-level object to the next (a scanner
 * worker): the peek, the text converter's two and the CSV parser's cell
 * starts and fields, so a small file costs no allocation. A buffer is
 * taken while in use (its slot NULL: a nested object allocates its own)
 * and put back after. Zero-initialized; contents are never read before
 * they are written. azk_decode__spare_dispose frees them.
 *
 * reveal_bytes / reveal_text: reveal's scratch (a decoded run's bytes and
 * their text, reveal_runs.c), shared by every record of the objects
 * decoded with these buffers, nested ones included: each user clears it
 * before use, a run decoded as an object is moved out of it first, and it
 * is freed after a record once past 64 KiB. Without spare buffers reveal
 * allocates its own per record.
 */
struct azk_decode_spare {
    uint8_t *peek, *in, *out;
    uint8_t *csv_starts, *csv_fields;
    azk_buf reveal_bytes, reveal_text;
};
void azk_decode__spare_dispose(struct azk_decode_spare *sp);
/* azk_decode__object with spare buffers (spare may be NULL). */
AZK_NODISCARD azk_status azk_decode__object_spare(azk_source *src, const azk_decode_options *opts,
                                                  const azk_decode_sink *sink,
                                                  struct azk_decode_spare *spare);

/* Canonical encoding name for a user-given one ("sjis" -> "cp932"); NULL if unknown. */
const char *azk_decode__encoding_canonical(const char *name);

#endif
