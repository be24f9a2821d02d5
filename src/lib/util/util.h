/* SPDX-License-Identifier: Apache-2.0 */
/*
 * util/util.h -- internal helpers used by every library module: allocation
 * (with fault injection for the OOM test run), overflow-checked size math,
 * error setting, logging, growable buffers and bounds-checked readers.
 * Nothing here is public API.
 */
#ifndef AZK_UTIL_H
#define AZK_UTIL_H

#include "azukari/common.h"
#include "azukari/outfile.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <assert.h>

/* ---- allocation -------------------------------------------------------- */

void *azk_malloc(size_t n);
void *azk_calloc(size_t count, size_t size);
void *azk_realloc(void *p, size_t n);
void azk_free(void *p);
char *azk_strdup(const char *s);
char *azk_strndup(const char *s, size_t n);
/* Free after wiping n bytes (keys, plaintext). NULL-safe. */
void azk_free_secret(void *p, size_t n);
/*
 * A large block the caller writes whole at once (a table read from a file):
 * as azk_malloc / azk_calloc (free with azk_free), its pages made present by
 * one madvise(MADV_POPULATE_WRITE) instead of one page fault per 4 KiB page
 * at first touch (a 10 M-row fingerprint index: 47,000 faults). Without that
 * call (Linux < 5.14, other systems) the pages come at first touch as before.
 */
void *azk_malloc_whole(size_t n);
void *azk_calloc_whole(size_t count, size_t size);

#ifdef AZK_TESTING
/*
 * Fault injection for `ctest -L oom`, in test builds only (AZK_TESTING, set
 * by CMake when AZK_TESTS=ON; release builds have no hooks): after
 * azk__alloc_fail_after(n), the (n+1)-th allocation from now fails and every
 * later one too, until azk__alloc_fail_after(-1). Also armed by the
 * AZK_ALLOC_FAIL_AFTER environment variable at first allocation.
 */
void azk__alloc_fail_after(long n);
/* Allocations made since start (injection on or off), to size OOM loops. */
unsigned long azk__alloc_count(void);
#endif

/* ---- overflow-checked arithmetic -------------------------------------- */

static inline bool azk_add_overflow(size_t *out, size_t a, size_t b)
{
    return __builtin_add_overflow(a, b, out);
}

/* The value of a hexadecimal digit (either case), -1 when c is none. */
static inline int azk_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static inline bool azk_mul_overflow(size_t *out, size_t a, size_t b)
{
    return __builtin_mul_overflow(a, b, out);
}

/*
 * Make room for one more element in a growable array: when *count == *cap,
 * grow *arr (elements of `elem` bytes) to max(first, 2 * *cap). Contents are
 * kept; on failure nothing changes and AZK_ERR_NOMEM is returned.
 */
AZK_NODISCARD azk_status azk_array_reserve(void *arr, size_t *cap, size_t count, size_t elem,
                                           size_t first);

/* ---- errors ------------------------------------------------------------ */

/*
 * Set the thread's last error (printf format, one line, never a personal
 * value) and return `code` so callers can write `return azk_error_set(...)`.
 */
azk_status azk_error_set(azk_status code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
azk_status azk_error_setv(azk_status code, const char *fmt, va_list ap);
/* Set AZK_ERR_NOMEM with a fixed message. */
azk_status azk_error_nomem(void);
/* Set from errno after a failed system call; names the operation only. */
azk_status azk_error_errno(const char *what);

#ifdef NDEBUG
#define AZK_ASSERT_ARG(expr)                                                                       \
    do {                                                                                           \
        if (!(expr))                                                                               \
            return azk_error_set(AZK_ERR_ARG, "invalid argument: %s", #expr);                      \
    } while (0)
#else
#define AZK_ASSERT_ARG(expr) assert(expr)
#endif

/* ---- logging ----------------------------------------------------------- */

void azk_log(azk_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- growable buffer ---------------------------------------------------- */

/*
 * azk_buf: always NUL-terminated once allocated; `max` (0 = unlimited) caps
 * len; growth past it is AZK_ERR_LIMIT and the contents stay unchanged.
 */
typedef struct {
    uint8_t *data;
    size_t len;
    size_t cap;
    size_t max;
} azk_buf;

#define AZK_BUF_INIT                                                                               \
    {                                                                                              \
        NULL, 0, 0, 0                                                                              \
    }

AZK_NODISCARD azk_status azk_buf_grow(azk_buf *b, size_t extra);
AZK_NODISCARD azk_status azk_buf_put(azk_buf *b, const void *p, size_t n);
AZK_NODISCARD azk_status azk_buf_puts(azk_buf *b, const char *s);
AZK_NODISCARD azk_status azk_buf_putc(azk_buf *b, int c);
/* v in decimal ("%lld" without printf's cost: bulk rows, batch texts). */
AZK_NODISCARD azk_status azk_buf_put_i64(azk_buf *b, int64_t v);
AZK_NODISCARD azk_status azk_buf_printf(azk_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Drop the first n bytes, moving the rest to the front. */
void azk_buf_consume(azk_buf *b, size_t n);
/* Empty b, keeping its storage (inline: hot per-row callers such as the CSV splitter). */
static inline void azk_buf_clear(azk_buf *b)
{
    b->len = 0;
    if (b->data != NULL)
        b->data[0] = '\0';
}
/* Release storage; wipes it first when `secret`. */
void azk_buf_dispose(azk_buf *b);
void azk_buf_dispose_secret(azk_buf *b);
/* Give the storage to the caller (caller frees with azk_free). */
char *azk_buf_detach(azk_buf *b);

/* ---- borrowed bytes ----------------------------------------------------- */

typedef struct {
    const uint8_t *ptr;
    size_t len;
} azk_bytes;

/* ---- bounds-checked reader for decoders -------------------------------- */

typedef struct {
    const uint8_t *ptr;
    size_t len;
    size_t pos;
} azk_reader;

static inline void azk_reader_init(azk_reader *r, const void *p, size_t n)
{
    r->ptr = (const uint8_t *)p;
    r->len = n;
    r->pos = 0;
}

static inline size_t azk_reader_left(const azk_reader *r)
{
    return r->len - r->pos;
}

AZK_NODISCARD azk_status azk_reader_skip(azk_reader *r, size_t n);
AZK_NODISCARD azk_status azk_reader_u8(azk_reader *r, uint8_t *out);
AZK_NODISCARD azk_status azk_reader_u16le(azk_reader *r, uint16_t *out);
AZK_NODISCARD azk_status azk_reader_u16be(azk_reader *r, uint16_t *out);
AZK_NODISCARD azk_status azk_reader_u32le(azk_reader *r, uint32_t *out);
AZK_NODISCARD azk_status azk_reader_u32be(azk_reader *r, uint32_t *out);
AZK_NODISCARD azk_status azk_reader_u64be(azk_reader *r, uint64_t *out);
AZK_NODISCARD azk_status azk_reader_bytes(azk_reader *r, size_t n, const uint8_t **out);

/* ---- UTF-8 --------------------------------------------------------------- */

/*
 * Decode one code point at s[0..n). Returns its length (1..4) and stores the
 * code point, or returns 1 and stores 0xFFFD for an invalid sequence.
 * n must be > 0.
 */
size_t azk_utf8_decode(const uint8_t *s, size_t n, uint32_t *cp);
/* Encode cp into out (4 bytes room); returns the length. */
size_t azk_utf8_encode(uint32_t cp, uint8_t *out);
/* True when s[0..n) is valid UTF-8. */
bool azk_utf8_valid(const uint8_t *s, size_t n);

/*
 * Append `s[0..n)` to `b` as a JSON-safe UTF-8 string body (no quotes):
 * invalid UTF-8 bytes become the escape "\\xHH" so names from CP932 shares
 * are reported faithfully and reversibly.
 */
AZK_NODISCARD azk_status azk_buf_put_escaped_name(azk_buf *b, const char *s, size_t n);

/*
 * Append `s[0..n)` to `b` as a JSON string, quotes included: the one JSON
 * escaping (util/json.c), the same bytes as jansson's dump. No UTF-8 check
 * (callers that need one, like the ledger, check first).
 */
AZK_NODISCARD azk_status azk_buf_put_json_string(azk_buf *b, const char *s, size_t n);

/*
 * Append `s[0..n)` to `b` for a terminal or a text report: control
 * characters (C0, DEL, C1, and U+2028/U+2029) become "\\xHH" / "\\u{HHHH}",
 * a backslash becomes "\\\\", invalid UTF-8 bytes "\\xHH"; everything else
 * is copied. A file name cannot move the cursor, clear the screen or
 * forge a line of a report.
 */
AZK_NODISCARD azk_status azk_buf_put_printable(azk_buf *b, const char *s, size_t n);
/* s (NUL-terminated) as HTML text or attribute value: & < > " ' escaped (certificates' and
 * serve's pages). */
AZK_NODISCARD azk_status azk_buf_put_html(azk_buf *b, const char *s);

/* ---- output files (azukari/outfile.h) ------------------------------------ */

struct stat;
/* Flush and fsync the file (not yet at its name); *sb (may be NULL) gets its fstat. */
AZK_NODISCARD azk_status azk_outfile__sync(azk_outfile *f, struct stat *sb);
/* The absolute path the file gets at commit (out cleared first). */
AZK_NODISCARD azk_status azk_outfile__final_path(const azk_outfile *f, azk_buf *out);
/*
 * The whole of data as the file path, the outfile way (temporary, fsync,
 * atomic rename, never through a symlink; mode exactly): the one atomic
 * write of a small file (keys, checkpoints, configuration). With
 * AZK_OUTFILE_EXCL and existed != NULL an existing name is left alone,
 * *existed set and AZK_OK returned (the first writer wins).
 */
AZK_NODISCARD azk_status azk_outfile__write(const char *path, const void *data, size_t len,
                                            unsigned mode, unsigned flags, bool *existed);

/*
 * Read a whole small file (at most max bytes: AZK_ERR_LIMIT past it) into
 * out, NUL-terminated (keys, certificates, signed documents). `nofollow`:
 * refuse a symbolic link (files azukari made itself). AZK_ERR_NOTFOUND when
 * it does not exist. Errors say `what`, never the path (a path may be a
 * personal value). The read buffer is wiped (the file may be a key).
 */
AZK_NODISCARD azk_status azk_file__read(const char *path, size_t max, bool nofollow,
                                        const char *what, azk_buf *out);

/* ---- thread-safe strerror -------------------------------------------------- */

/* The text of errno value e in buf (strerror_r; safe from any thread); returns buf. */
const char *azk_strerror(int e, char *buf, size_t n);

/* ---- library initialisation ------------------------------------------------ */

/* Initialise libsodium and jansson's allocator once; thread-safe. */
AZK_NODISCARD azk_status azk__lib_init(void);
/*
 * A public options struct from the caller (util/options.c): `out` (size
 * bytes, this library's struct) gets `defaults`, then what the caller's
 * version of the struct holds (its first member, struct_size, says how
 * much). in == NULL: the defaults, or AZK_ERR_ARG when `required`.
 * AZK_ERR_ARG when struct_size is unset; AZK_ERR_UNSUPPORTED when a newer
 * caller set a field this library does not know. `what` names the call.
 */
AZK_NODISCARD azk_status azk__options_in(void *out, size_t size, const void *defaults,
                                         const void *in, bool required, const char *what);

/* The effective OS user's name in out (util/osuser.c; looked up once per process and
 * euid); false when the user database does not know it. */
bool azk__os_user(char *out, size_t n);

/* ---- time ------------------------------------------------------------------ */

/* Monotonic clock in nanoseconds. */
uint64_t azk_now_ns(void);

#endif /* AZK_UTIL_H */
