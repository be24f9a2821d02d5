/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/csv.c -- delimited text (CSV, TSV) after conversion to UTF-8:
 * sniffing from the first records and a streaming RFC 4180 parser (quoted
 * fields with embedded delimiters, doubled quotes and line breaks; a quote
 * inside an unquoted field is literal; ragged rows are fine).
 *
 * Memory is bounded: a cell reaching max_cell bytes, a row reaching
 * AZK_DECODE_MAX_FIELDS cells or 4 * max_cell bytes is delivered in parts:
 * the part so far is emitted as a record and the row goes on in the next
 * record with continued=1 (same line/row numbers, column numbers carry on).
 * A quoted field that never closes therefore streams in bounded memory too.
 *
 * The first row is the header when azk_decode__looks_like_header() says so;
 * its cells are then passed as azk_field.header of each data cell.
 */
#include "decode/decode_int.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__SSE2__) && defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define CSV_AVX2 1
/* cell_run's second build: AVX2 for the stop mask, BMI1 for its bit walk (tzcnt, blsr) */
#define AVX2 __attribute__((target("avx2,bmi")))
#else
#define CSV_AVX2 0
#endif

bool azk_decode__csv_avx2_off;

enum csv_state { ST_FIELD_START, ST_UNQUOTED, ST_QUOTED, ST_QUOTE_SEEN };

struct azk_csv {
    struct azk_decode_ctx *ctx;
    int delim;
    enum csv_state st;
    bool cr_pending;
    azk_buf cells;  /* cell bytes of the pending row part */
    size_t *starts; /* start offset of each cell in `cells`: valid from `filled` to `count` */
    azk_field *fields;
    size_t count; /* completed cells in this part */
    /* fields[0..filled) have their ptr and len (cell_run writes them as it ends cells, instead
     * of starts), against cells.data as it is: unfill() turns them back into starts before
     * anything that may move the buffer; filled <= count + 1 (a row's last cell) */
    size_t filled;
    uint32_t col_base;   /* column of the first cell of this part */
    bool part_continued; /* an earlier part of this row was emitted */
    bool row_has_data;   /* anything seen in this row (blank rows are skipped) */
    uint64_t line;       /* row number counting the header */
    bool header_known;
    bool have_header;
    char **hdr;
    size_t *hdr_len;
    size_t hdr_count;
    size_t mc;      /* max_cell(), kept */
    size_t row_max; /* 4 * mc: a row part's bytes */
    /* fields[0..meta_n) hold col, header and header_len for a part whose
     * first column is meta_base: rows of one file repeat them, so only ptr
     * and len are written per row */
    size_t meta_n;
    uint32_t meta_base;
    bool fast; /* cell_run on: !azk_decode__simd_off when the object began */
    bool avx2; /* and its AVX2 build (the CPU has AVX2 and BMI1, !azk_decode__csv_avx2_off) */
    /* emit_part's record, here rather than on its stack: an address-taken local costs the
     * function a stack guard, ~5 instructions a row */
    azk_record rec;
#if defined(__SSE2__)
    /* cell_run's stop bytes (delimiter, \n, \r, quote) broadcast, set when it starts: read
     * from memory by stops64, not kept in registers over the calls of its loop */
    __m128i stopv[4];
#endif
};

/* ---- sniffing ----------------------------------------------------------------------- */

#define SNIFF_RECORDS 20

/* the bytes the sniffer looks at; any other byte only ends a field start */
static const bool sniff_special[256] = {
    ['"'] = true, ['\n'] = true, ['\r'] = true, ['\t'] = true, [','] = true};

/* The first byte at or after i the sniffer looks at (sniff_special), or n; sixteen
 * bytes at a time. */
static size_t sniff_skip(const uint8_t *p, size_t i, size_t n)
{
#if defined(__SSE2__)
    const __m128i q = _mm_set1_epi8('"'), lf = _mm_set1_epi8('\n'), cr = _mm_set1_epi8('\r'),
                  tab = _mm_set1_epi8('\t'), comma = _mm_set1_epi8(',');
    while (n - i >= 16 && !azk_decode__simd_off) { /* the switch: tests compare with the loop */
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(p + i));
        __m128i m = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, lf)),
                                 _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, tab)));
        unsigned bits = (unsigned)_mm_movemask_epi8(_mm_or_si128(m, _mm_cmpeq_epi8(v, comma)));
        if (bits != 0)
            return i + (size_t)__builtin_ctz(bits);
        i += 16;
    }
#endif
    while (i < n && !sniff_special[p[i]])
        i++;
    return i;
}

int azk_decode__csv_sniff(const uint8_t *p, size_t n, bool at_eof)
{
    static const int delims[2] = {'\t', ','};
    size_t counts[2][SNIFF_RECORDS];
    size_t rec = 0, i, d;
    bool quoted = false, field_start = true, blank = true;
    size_t cur[2] = {0, 0};

    for (i = 0; i < n && rec < SNIFF_RECORDS; i++) {
        uint8_t c = p[i];
        if (!quoted && !sniff_special[c]) {
            /* a run of ordinary bytes: only ends a field start / blank line */
            i = sniff_skip(p, i + 1, n) - 1;
            field_start = false;
            blank = false;
            continue;
        }
        if (quoted) {
            if (c != '"') { /* inside quotes only a quote matters */
                const uint8_t *qt = memchr(p + i + 1, '"', n - i - 1);
                i = qt != NULL ? (size_t)(qt - p) - 1 : n - 1;
                continue;
            }
            {
                if (i + 1 < n && p[i + 1] == '"')
                    i++;
                else
                    quoted = false;
            }
            continue;
        }
        if (c == '"' && field_start) {
            quoted = true;
            field_start = false;
            blank = false;
            continue;
        }
        if (c == '\n' || c == '\r') {
            if (c == '\r' && i + 1 < n && p[i + 1] == '\n')
                i++;
            if (field_start && cur[0] == 0 && cur[1] == 0 && (i == 0 || blank)) {
                blank = true; /* blank line: not a record */
                continue;
            }
            if (rec == 0 && cur[0] == 0 && cur[1] == 0)
                return 0; /* the first record decides (counts[d][0] == best >= 1): none */
            blank = true;
            counts[0][rec] = cur[0];
            counts[1][rec] = cur[1];
            rec++;
            cur[0] = cur[1] = 0;
            field_start = true;
            continue;
        }
        field_start = false;
        blank = false;
        for (d = 0; d < 2; d++) {
            if (c == delims[d]) {
                cur[d]++;
                field_start = true;
            }
        }
    }
    if (at_eof && i >= n && rec < SNIFF_RECORDS && !quoted && (cur[0] > 0 || cur[1] > 0)) {
        counts[0][rec] = cur[0];
        counts[1][rec] = cur[1];
        rec++;
    }
    if (rec < 2)
        return 0;
    for (d = 0; d < 2; d++) {
        /* nearly every record has the delimiter and the first record's count is
         * the most frequent one (ragged rows are fine): the first record's count
         * c0 >= 1 in f0 >= 2 records, at least half of them. That half makes c0
         * the most frequent count (the other records are <= f0), and the first
         * of the most frequent (it is record 0), so no other count is compared. */
        size_t c0 = counts[d][0], f0 = 0, with = 0, j;
        for (j = 0; j < rec; j++) {
            with += counts[d][j] > 0;
            f0 += counts[d][j] == c0;
        }
        if (c0 >= 1 && f0 >= 2 && f0 * 2 >= rec && with * 10 >= rec * 9)
            return delims[d];
    }
    return 0;
}

/* ---- parser ---------------------------------------------------------------------------- */

static size_t max_cell(const struct azk_csv *c);

/* The spare slot of the cell starts or (fields) of the fields, or NULL (no spares). */
static uint8_t **spare_slot(const struct azk_decode_ctx *ctx, bool fields)
{
    if (ctx == NULL || ctx->spare == NULL)
        return NULL;
    return fields ? &ctx->spare->csv_fields : &ctx->spare->csv_starts;
}

azk_status azk_decode__csv_new(struct azk_csv **out, struct azk_decode_ctx *ctx, int delim)
{
    struct azk_csv *c = azk_calloc(1, sizeof(*c));
    if (c == NULL)
        return azk_error_nomem();
    c->ctx = ctx;
    /* ~200 KiB per CSV object: written before read (emit_part fills the
     * fields it emits, end_cell the next start), so not zeroed, which was a
     * visible share of the cost of a small file; kept from one object to the
     * next in the caller's spares (a scanner worker), so not even allocated */
    c->starts = azk_decode__spare_take(spare_slot(ctx, false),
                                       (AZK_DECODE_MAX_FIELDS + 1) * sizeof(size_t));
    c->fields = azk_decode__spare_take(spare_slot(ctx, true),
                                       (AZK_DECODE_MAX_FIELDS + 1) * sizeof(azk_field));
    if (c->starts == NULL || c->fields == NULL) {
        azk_decode__csv_free(c);
        return azk_error_nomem();
    }
    c->starts[0] = 0;
    c->delim = delim;
    c->line = 1;
    c->mc = max_cell(c);
    c->row_max = 4 * c->mc;
    c->fast = !azk_decode__simd_off; /* the tests' switch: every cell by the state machine */
#if CSV_AVX2
    c->avx2 = c->fast && !azk_decode__csv_avx2_off && azk_decode__have_avx2() &&
              __builtin_cpu_supports("bmi");
#endif
    *out = c;
    return AZK_OK;
}

void azk_decode__csv_free(struct azk_csv *c)
{
    size_t i;
    if (c == NULL)
        return;
    for (i = 0; i < c->hdr_count; i++)
        azk_free(c->hdr[i]);
    azk_free(c->hdr);
    azk_free(c->hdr_len);
    azk_decode__spare_give(spare_slot(c->ctx, false), c->starts);
    azk_decode__spare_give(spare_slot(c->ctx, true), c->fields);
    azk_buf_dispose(&c->cells);
    azk_free(c);
}

static azk_status keep_header(struct azk_csv *c, const azk_field *f, size_t n)
{
    size_t i;
    c->hdr = azk_calloc(n > 0 ? n : 1, sizeof(char *));
    c->hdr_len = azk_calloc(n > 0 ? n : 1, sizeof(size_t));
    if (c->hdr == NULL || c->hdr_len == NULL)
        return azk_error_nomem();
    for (i = 0; i < n; i++) {
        size_t len = f[i].len;
        if (len > AZK_DECODE_HEADER_MAX)
            len = azk_decode__utf8_boundary((const uint8_t *)f[i].ptr, AZK_DECODE_HEADER_MAX);
        c->hdr[i] = azk_strndup(f[i].ptr, len);
        if (c->hdr[i] == NULL)
            return azk_error_nomem();
        c->hdr_len[i] = len;
        c->hdr_count = i + 1;
    }
    return AZK_OK;
}

/*
 * Emit the cells of the pending part: `count` completed cells plus, when
 * `with_open`, the cell being filled. `row_end`: the row is complete.
 */
static azk_status emit_part(struct azk_csv *c, bool with_open, bool row_end)
{
    size_t n = c->count + (with_open ? 1 : 0), i;
    const char *base = c->cells.data != NULL ? (const char *)c->cells.data : "";
    azk_record *rec = &c->rec;
    azk_status rc;
    bool is_header = false;

    /* the open cell ends where the bytes end (n <= AZK_DECODE_MAX_FIELDS: end_cell emits a part
     * when count reaches it, and starts has one entry more) */
    c->starts[n] = c->cells.len;
    if (c->meta_base != c->col_base) {
        c->meta_base = c->col_base;
        c->meta_n = 0;
    }
    for (i = c->meta_n; i < n; i++) {
        azk_field *f = &c->fields[i];
        uint32_t col = c->col_base + (uint32_t)i;
        f->col = col;
        f->header = NULL;
        f->header_len = 0;
        if (c->have_header && col < c->hdr_count) {
            f->header = c->hdr[col];
            f->header_len = c->hdr_len[col];
        }
    }
    if (n > c->meta_n)
        c->meta_n = n;
        /* fields and starts are two allocations: no versioning of the (vectorized) loop for their
         * overlap, ~17 instructions a row */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC ivdep
#endif
    for (i = c->filled; i < n; i++) {
        c->fields[i].ptr = base + c->starts[i];
        c->fields[i].len = c->starts[i + 1] - c->starts[i];
    }
    if (!c->header_known && row_end && !c->part_continued) {
        c->header_known = true;
        if (c->line == 1 && azk_decode__looks_like_header(c->fields, n)) {
            c->have_header = true;
            rc = keep_header(c, c->fields, n);
            if (rc != AZK_OK)
                return rc;
            c->meta_n = 0; /* the next rows have headers */
            is_header = true;
        }
    }
    c->header_known = true;
    *rec = (azk_record){.line = c->line,
                        .row = is_header ? 0 : (c->have_header ? c->line - 1 : c->line),
                        .fields = c->fields,
                        .field_count = n,
                        .tabular = 1,
                        .is_header = is_header ? 1 : 0,
                        .continued = c->part_continued ? 1 : 0};
    if (n > 0) {
        rc = azk_decode__emit(c->ctx, rec);
        if (rc != AZK_OK)
            return rc;
    }
    c->col_base += (uint32_t)c->count;
    c->count = 0;
    c->filled = 0;
    c->starts[0] = 0;
    azk_buf_clear(&c->cells);
    if (row_end) {
        c->part_continued = false;
        c->col_base = 0;
        c->row_has_data = false;
        c->line++;
    } else {
        c->part_continued = true;
    }
    return AZK_OK;
}

static size_t max_cell(const struct azk_csv *c)
{
    size_t m = c->ctx->opts->max_cell > 0 ? c->ctx->opts->max_cell : (size_t)64 * 1024;
    /* at least one whole character must fit, or a cut could not make progress; at most
     * SIZE_MAX / 8, so a row's limit (4 * m) and cell_run's cell end + m do not wrap */
    return m < 4 ? 4 : m > SIZE_MAX / 8 ? SIZE_MAX / 8 : m;
}

static azk_status end_cell(struct azk_csv *c)
{
    c->count++;
    c->starts[c->count] = c->cells.len;
    if (c->count >= AZK_DECODE_MAX_FIELDS || c->cells.len >= c->row_max)
        return emit_part(c, false, false);
    return AZK_OK;
}

static azk_status end_row(struct azk_csv *c)
{
    azk_status rc;
    if (!c->row_has_data && c->count == 0 && c->cells.len == 0 && !c->part_continued) {
        c->line++; /* blank line */
        c->filled = 0;
        return AZK_OK;
    }
    c->count++;
    c->starts[c->count] = c->cells.len;
    rc = emit_part(c, false, true);
    return rc;
}

/* fields[0..filled) back to starts, before the cells buffer may move (cell_run filled them) */
static void unfill(struct azk_csv *c)
{
    size_t i;
    for (i = 0; i < c->filled; i++)
        c->starts[i] = (size_t)((const uint8_t *)c->fields[i].ptr - c->cells.data);
    c->filled = 0;
}

static azk_status put_bytes_slow(struct azk_csv *c, const uint8_t *p, size_t n)
{
    azk_status rc;
    size_t mc = c->mc;
    unfill(c);
    while (n > 0) {
        size_t cur = c->cells.len - c->starts[c->count];
        size_t room = mc > cur ? mc - cur : 0, take;
        if (room == 0) {
            /* cell over max_cell: emit the part so far, the cell goes on */
            size_t cut = azk_decode__utf8_boundary(c->cells.data + c->starts[c->count], cur);
            size_t keep = cur - cut;
            uint8_t tail[4];
            if (keep > sizeof(tail))
                keep = 0;
            memcpy(tail, c->cells.data + c->starts[c->count] + cut, keep);
            c->cells.len -= keep;
            rc = emit_part(c, true, false);
            if (rc != AZK_OK)
                return rc;
            rc = azk_buf_put(&c->cells, tail, keep);
            if (rc != AZK_OK)
                return rc;
            continue;
        }
        take = n < room ? n : room;
        rc = azk_buf_put(&c->cells, p, take);
        if (rc != AZK_OK)
            return rc;
        p += take;
        n -= take;
    }
    return AZK_OK;
}

/* The cell's bytes p[0..n): in place when the cell and the buffer have room. */
static inline azk_status put_bytes(struct azk_csv *c, const uint8_t *p, size_t n)
{
    if (c->cells.len + n < c->cells.cap && c->cells.len - c->starts[c->count] + n <= c->mc &&
        c->cells.max == 0) {
        memcpy(c->cells.data + c->cells.len, p, n);
        c->cells.len += n;
        c->cells.data[c->cells.len] = '\0';
        return AZK_OK;
    }
    return put_bytes_slow(c, p, n);
}

/* The first delimiter, \n or \r in p[0..end), or end; sixteen bytes at a time. */
static const uint8_t *cell_end(const uint8_t *p, const uint8_t *end, uint8_t delim)
{
#if defined(__SSE2__)
    const __m128i d = _mm_set1_epi8((char)delim), lf = _mm_set1_epi8('\n'),
                  cr = _mm_set1_epi8('\r');
    while (end - p >= 16 && !azk_decode__simd_off) { /* the switch: tests compare with the loop */
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, lf)), _mm_cmpeq_epi8(v, cr)));
        if (m != 0)
            return p + __builtin_ctz(m);
        p += 16;
    }
#endif
    while (p < end && *p != delim && *p != '\n' && *p != '\r')
        p++;
    return p;
}

/* Bit i set where b[i] is the delimiter, \n, \r or a quote: the bytes that end an unquoted
 * cell or stop the fast path (sv: those four bytes broadcast), 64 at a time (b[0..64)
 * readable). */
#if defined(__SSE2__)
static inline uint64_t stops64(const uint8_t *b, const __m128i *sv)
{
    const __m128i d = sv[0], lf = sv[1], cr = sv[2], qt = sv[3];
    uint64_t m = 0;
    int k;
    for (k = 0; k < 4; k++) {
        __m128i v = _mm_loadu_si128((const __m128i *)(const void *)(b + 16 * k));
        __m128i x = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, d), _mm_cmpeq_epi8(v, lf)),
                                 _mm_or_si128(_mm_cmpeq_epi8(v, cr), _mm_cmpeq_epi8(v, qt)));
        m |= (uint64_t)(unsigned)_mm_movemask_epi8(x) << (16 * k);
    }
    return m;
}

#if CSV_AVX2
/* stops64 with two 32-byte loads. */
AVX2 static inline uint64_t stops64_avx2(const uint8_t *b, const __m128i *sv)
{
    const __m256i d = _mm256_broadcastsi128_si256(sv[0]), lf = _mm256_broadcastsi128_si256(sv[1]),
                  cr = _mm256_broadcastsi128_si256(sv[2]), qt = _mm256_broadcastsi128_si256(sv[3]);
    __m256i v0 = _mm256_loadu_si256((const __m256i *)(const void *)b);
    __m256i v1 = _mm256_loadu_si256((const __m256i *)(const void *)(b + 32));
    __m256i x0 =
        _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v0, d), _mm256_cmpeq_epi8(v0, lf)),
                        _mm256_or_si256(_mm256_cmpeq_epi8(v0, cr), _mm256_cmpeq_epi8(v0, qt)));
    __m256i x1 =
        _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(v1, d), _mm256_cmpeq_epi8(v1, lf)),
                        _mm256_or_si256(_mm256_cmpeq_epi8(v1, cr), _mm256_cmpeq_epi8(v1, qt)));
    return (uint64_t)(uint32_t)_mm256_movemask_epi8(x0) |
           (uint64_t)(uint32_t)_mm256_movemask_epi8(x1) << 32;
}
#endif

/* stops64 over b[0..end) when fewer than 64 bytes are left: the rest reads as NUL, which
 * stops nothing. */
static uint64_t stops_tail(const uint8_t *b, const uint8_t *end, const __m128i *sv)
{
    uint8_t t[64];
    memset(t, 0, sizeof(t));
    memcpy(t, b, (size_t)(end - b));
    return stops64(t, sv);
}
#endif

#if defined(__SSE2__)
/* The stop mask of the 64 bytes at b (b[0..64) readable): with AVX2 in cell_run_avx2. */
static inline __attribute__((always_inline)) uint64_t stops_at(const uint8_t *b, const __m128i *sv,
                                                               bool avx2)
{
#if CSV_AVX2
    if (avx2)
        return stops64_avx2(b, sv);
#endif
    (void)avx2;
    return stops64(b, sv);
}

/* cell_copy's long or last cell: whole sixteen-byte blocks while they are within p[0..end),
 * else memcpy (not inlined: cell_run's loop keeps its registers). */
__attribute__((noinline)) static void cell_copy_long(uint8_t *dst, const uint8_t *p, size_t k,
                                                     const uint8_t *end)
{
    if ((size_t)(end - p) >= ((k + 15) & ~(size_t)15)) {
        size_t i;
        for (i = 0; i < k; i += 16)
            _mm_storeu_si128((__m128i *)(void *)(dst + i),
                             _mm_loadu_si128((const __m128i *)(const void *)(p + i)));
    } else {
        memcpy(dst, p, k);
    }
}

/* A cell's k bytes from p (before end) to dst, the buffer having room for all of p[0..end)
 * after dst: one sixteen-byte block when it is within p[0..end) (the common short cell;
 * in_chunk: known to be). */
static inline void cell_copy(uint8_t *dst, const uint8_t *p, size_t k, const uint8_t *end,
                             bool in_chunk)
{
    if (k <= 16 && (in_chunk || p + 16 <= end))
        _mm_storeu_si128((__m128i *)(void *)dst, _mm_loadu_si128((const __m128i *)(const void *)p));
    else
        cell_copy_long(dst, p, k, end);
}
#endif

/*
 * True when no cell or row ended by a stop in the 64-byte block at b can reach a limit and
 * each such cell's first sixteen bytes are within the chunk, so cell_run tests these once a
 * block instead of at every stop. b + 64 - p (p: the open cell's start) bounds the bytes of
 * any cell ended in the block, and the row bytes it adds to len (a row end only lowers len
 * and the count); at most 64 cells end in a block. The limits are end_cell's (the count, the
 * row bytes) and put_bytes' (max_cell).
 */
static inline bool block_safe(const struct azk_csv *c, const uint8_t *p, const uint8_t *b,
                              const uint8_t *end, size_t len, const azk_field *fp)
{
    size_t span = (size_t)(b + 64 - p);
    return end - b >= 64 + 16 && span <= c->mc && len + span < c->row_max &&
           c->fields + AZK_DECODE_MAX_FIELDS - 1 - fp >= 64;
}

/*
 * The fast path of unquoted cells and rows: cells ended by a delimiter and rows ended by \n,
 * \r\n or \r within p[0..end), one after another, found by a bit mask of the stop bytes
 * over 64 bytes at a time and copied sixteen bytes at a time, without the state machine,
 * while the cells buffer has room for all of p[0..end) (csv_feed reserves it; a row end
 * empties it) and no cell, row part or cell count reaches its limit (not tested at each stop
 * of a 64-byte block where none can: block_safe). Starts only at the
 * start of a cell (a cell the slow path began, cut by the chunk's end or after a closing
 * quote, is the slow path's to end), so a cell's bytes are at most max_cell when its
 * length is. Stops before a cell it does not end (a quote in it or opening it, the end of
 * the chunk, a \r as the chunk's last byte, a limit: the slow path takes that one). *pp
 * moves to where it stopped; the state is ST_FIELD_START when it ended a cell or a row.
 * Off with azk_decode__simd_off (and without SSE2), so tests compare it with the state
 * machine. Built twice: cell_run (SSE2) and cell_run_avx2 (avx2: the stop mask with AVX2,
 * the bit walk with BMI1; off with azk_decode__csv_avx2_off), each not inlined: its loop
 * keeps its variables in registers.
 */
static inline __attribute__((always_inline)) azk_status
cell_run_k(struct azk_csv *c, const uint8_t **pp, const uint8_t *end, uint8_t delim, bool avx2)
{
#if defined(__SSE2__)
    const uint8_t *p = *pp, *b = p;
    uint8_t *data = c->cells.data;
    /* the open cell's field: cells ended here get their ptr and len at once, emit_part does
     * not compute them from starts (kept: the stores through data may alias c) */
    azk_field *fp = c->fields + c->count;
    size_t len = c->cells.len;
    uint64_t m;
    bool safe; /* no stop in this block can reach a limit (block_safe) */
    azk_status rc = AZK_OK;
    if (!c->fast || c->cells.max != 0 || data == NULL || c->starts[c->count] != len ||
        c->cells.cap <= len + (size_t)(end - p))
        return AZK_OK;
    while (c->filled < c->count) { /* cells the state machine ended: fields[0..count) filled */
        size_t i = c->filled++;
        c->fields[i].ptr = (const char *)data + c->starts[i];
        c->fields[i].len = c->starts[i + 1] - c->starts[i];
    }
    c->stopv[0] = _mm_set1_epi8((char)delim);
    c->stopv[1] = _mm_set1_epi8('\n');
    c->stopv[2] = _mm_set1_epi8('\r');
    c->stopv[3] = _mm_set1_epi8('"');
    m = end - b >= 64 ? stops_at(b, c->stopv, avx2) : stops_tail(b, end, c->stopv);
    safe = block_safe(c, p, b, end, len, fp);
    for (;;) {
        const uint8_t *q;
        size_t k;
        uint8_t ch;
        while (m == 0) {
            b += 64;
            if (b >= end)
                goto out;
            m = end - b >= 64 ? stops_at(b, c->stopv, avx2) : stops_tail(b, end, c->stopv);
            if (p > b) /* the \n of a \r\n across the block end */
                m &= ~(uint64_t)0 << (p - b);
            safe = block_safe(c, p, b, end, len, fp);
        }
        q = b + (unsigned)__builtin_ctzll(m);
        m &= m - 1;
        k = (size_t)(q - p);
        ch = *q;
        if (ch == delim) {
            /* a cell: the state machine takes it when put_bytes would cut it, or a part
             * would be emitted (as end_cell: the count or the row bytes at the limit); in a
             * safe block neither can happen */
            if (!safe &&
                (k > c->mc || fp >= c->fields + AZK_DECODE_MAX_FIELDS - 1 || len + k >= c->row_max))
                break;
            cell_copy(data + len, p, k, end, safe);
            fp->ptr = (const char *)data + len;
            fp->len = k;
            fp++;
            len += k;
            p = q + 1;
            continue;
        }
        if (ch == '"' || (!safe && k > c->mc) || (ch == '\r' && q + 1 == end))
            break; /* a quote, a cell put_bytes cuts, or a \r the state machine remembers */
        /* a row end: \n, \r\n or \r alone */
        cell_copy(data + len, p, k, end, safe);
        fp->ptr = (const char *)data + len;
        fp->len = k;
        len += k;
        p = q + 1;
        if (ch == '\r' && *p == '\n') {
            p++;
            if (p - b <= 64)
                m &= m - 1; /* the \n's bit, in this block (else cleared with the next one) */
        }
        data[len] = '\0';
        c->cells.len = len;
        c->count = (size_t)(fp - c->fields);
        c->filled = c->count + 1; /* the row's last cell too (end_row counts it) */
        /* (a cell ended in this row makes it a row: count > 0) */
        c->row_has_data = c->row_has_data || c->count > 0 || k > 0;
        rc = end_row(c);
        data = c->cells.data; /* the same buffer (emit_part empties it), not kept over the call */
        len = c->cells.len;
        fp = c->fields + c->count;
        if (rc != AZK_OK)
            break;
    }
out:
    data[len] = '\0';
    c->cells.len = len;
    c->count = (size_t)(fp - c->fields);
    c->filled = c->count;
    c->starts[c->count] = len; /* the open cell's start */
    c->row_has_data = c->row_has_data || c->count > 0;
    if (p != *pp) /* p moves only past a cell or row it ended */
        c->st = ST_FIELD_START;
    *pp = p;
    return rc;
#else
    (void)c;
    (void)pp;
    (void)end;
    (void)delim;
    (void)avx2;
    return AZK_OK;
#endif
}

__attribute__((noinline)) static azk_status cell_run(struct azk_csv *c, const uint8_t **pp,
                                                     const uint8_t *end, uint8_t delim)
{
    return cell_run_k(c, pp, end, delim, false);
}

#if CSV_AVX2
AVX2 __attribute__((noinline)) static azk_status
cell_run_avx2(struct azk_csv *c, const uint8_t **pp, const uint8_t *end, uint8_t delim)
{
    return cell_run_k(c, pp, end, delim, true);
}
#endif

azk_status azk_decode__csv_feed(struct azk_csv *c, const uint8_t *p, size_t n)
{
    const uint8_t *end = p + n;
    azk_status rc = AZK_OK;
    const uint8_t delim = (uint8_t)c->delim;

    if (n > 0 && c->cr_pending) {
        c->cr_pending = false;
        if (p[0] == '\n')
            p++;
    }
    if (c->cells.max == 0) {
        /* room for every byte of the chunk: cell_run copies without checks */
        unfill(c);
        rc = azk_buf_grow(&c->cells, n);
        if (rc != AZK_OK)
            return rc;
    }
    while (p < end) {
        uint8_t ch = *p;
        switch (c->st) {
            case ST_FIELD_START:
                if (ch == '"') {
                    c->st = ST_QUOTED;
                    c->row_has_data = true;
                    p++;
                    continue;
                }
                c->st = ST_UNQUOTED;
                /* fall through */
            case ST_UNQUOTED: {
                const uint8_t *q = p;
#if CSV_AVX2
                rc = c->avx2 ? cell_run_avx2(c, &q, end, delim) : cell_run(c, &q, end, delim);
#else
                rc = cell_run(c, &q, end, delim);
#endif
                if (rc != AZK_OK)
                    return rc;
                if (q != p) {
                    p = q; /* cells and rows ended */
                    continue;
                }
                /* run of ordinary bytes */
                q = cell_end(p, end, delim);
                if (q > p) {
                    c->row_has_data = true;
                    rc = put_bytes(c, p, (size_t)(q - p));
                    if (rc != AZK_OK)
                        return rc;
                }
                p = q;
                if (p == end)
                    continue;
                ch = *p++;
                if (ch == delim) {
                    c->row_has_data = true;
                    rc = end_cell(c);
                    c->st = ST_FIELD_START;
                } else {
                    if (ch == '\r') {
                        if (p < end && *p == '\n')
                            p++;
                        else if (p == end)
                            c->cr_pending = true;
                    }
                    rc = end_row(c);
                    c->st = ST_FIELD_START;
                }
                if (rc != AZK_OK)
                    return rc;
                break;
            }
            case ST_QUOTED: {
                const uint8_t *q = memchr(p, '"', (size_t)(end - p));
                if (q == NULL)
                    q = end;
                if (q > p) {
                    rc = put_bytes(c, p, (size_t)(q - p));
                    if (rc != AZK_OK)
                        return rc;
                }
                p = q;
                if (p < end) {
                    p++;
                    c->st = ST_QUOTE_SEEN;
                }
                break;
            }
            case ST_QUOTE_SEEN:
                if (ch == '"') {
                    rc = put_bytes(c, p, 1);
                    p++;
                    c->st = ST_QUOTED;
                } else if (ch == delim || ch == '\n' || ch == '\r') {
                    c->st = ST_UNQUOTED; /* handled as the end of the field */
                } else {
                    rc = put_bytes(c, p, 1); /* lenient: text after the closing quote */
                    p++;
                    c->st = ST_UNQUOTED;
                }
                if (rc != AZK_OK)
                    return rc;
                break;
        }
    }
    return AZK_OK;
}

bool azk_decode__csv_at_row_start(const struct azk_csv *c, uint64_t *rows)
{
    *rows = c->line - 1;
    return c->st == ST_FIELD_START && !c->cr_pending && c->count == 0 && c->cells.len == 0 &&
           !c->part_continued && !c->row_has_data;
}

azk_status azk_decode__csv_finish(struct azk_csv *c)
{
    if (c->row_has_data || c->count > 0 || c->cells.len > 0 || c->part_continued)
        return end_row(c);
    return AZK_OK;
}
