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
} azk_decode_options;

#define AZK_DECODE_OPTIONS_INIT                                                                    \
    {                                                                                              \
        8, (uint64_t)1 << 30, (uint64_t)4 << 30, 200, 100000, (size_t)64 * 1024,                   \
            (size_t)64 * 1024, NULL, false                                                         \
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

/* Canonical encoding name for a user-given one ("sjis" -> "cp932"); NULL if unknown. */
const char *azk_decode__encoding_canonical(const char *name);

#endif
