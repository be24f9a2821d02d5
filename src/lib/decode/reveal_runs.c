/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/reveal_runs.c -- encoded runs inside a record: escaped byte runs
 * (%HH, =HH, \xHH, \ooo) kept when they decode as text, base64 and hex runs
 * (text replaces the run, larger content is decoded as an object), hex
 * dump lines, MIME base64 bodies.
 */
#include "decode/decode_int.h"

#include <pthread.h>
#include <string.h>
#include "decode/reveal_int.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* ---- byte runs (%HH, =HH, \xHH, \ooo) ------------------------------------------- */

/*
 * Whether UTF-8 s[0..n) is plain text: no C1 control, no private use, no
 * U+FFFD; `need_jp`: with at least one Japanese character (a legacy reading
 * of escaped bytes must give Japanese, or it is a misreading).
 */
static bool plain_text(const uint8_t *s, size_t n, bool need_jp)
{
    size_t i = 0;
    bool jp = false;
    while (i < n) {
        uint32_t cp;
        i += azk_utf8_decode(s + i, n - i, &cp);
        if ((cp >= 0x80 && cp < 0xA0) || cp == 0xFFFD || (cp >= 0xE000 && cp <= 0xF8FF))
            return false;
        if ((cp >= 0x3040 && cp <= 0x30FF) || (cp >= 0x4E00 && cp <= 0x9FFF) ||
            (cp >= 0xFF01 && cp <= 0xFF9F))
            jp = true;
    }
    return jp || !need_jp;
}

/*
 * Put the text a decoded byte run stands for: printable ASCII when `ascii`
 * is allowed, else valid UTF-8 with non-ASCII, else CP932 / EUC-JP without
 * an error. False when the run is not text (the original stays).
 */
azk_status azk_decode__reveal_put_bytes_as_text(azk_buf *out, const uint8_t *b, size_t n,
                                                bool ascii, bool *ok)
{
    static const char *const legacy[] = {"cp932", "euc-jp"};
    size_t i, nonascii = 0, ctrl = 0;
    azk_buf tmp = AZK_BUF_INIT;
    azk_status rc = AZK_OK;
    *ok = false;
    for (i = 0; i < n; i++) {
        if (b[i] >= 0x80)
            nonascii++;
        else if (b[i] < 0x20 && b[i] != '\t' && b[i] != '\n' && b[i] != '\r')
            ctrl++;
    }
    if (ctrl > 0 || n == 0)
        return AZK_OK;
    if (nonascii == 0) {
        if (!ascii)
            return AZK_OK;
        *ok = true;
        return azk_buf_put(out, b, n);
    }
    if (azk_utf8_valid(b, n)) {
        if (!plain_text(b, n, false))
            return AZK_OK; /* C1 controls, private use: not text */
        *ok = true;
        return azk_buf_put(out, b, n);
    }
    if (n < 2)
        return AZK_OK; /* one byte is no legacy text (=84 in "番号=8440...") */
    for (i = 0; i < sizeof(legacy) / sizeof(legacy[0]); i++) {
        size_t errors = 0;
        azk_buf_clear(&tmp);
        rc = azk_decode__convert_mem(legacy[i], b, n, &tmp, &errors);
        if (rc != AZK_OK)
            break;
        if (errors == 0 && plain_text(tmp.data, tmp.len, true)) {
            *ok = true;
            rc = azk_buf_put(out, tmp.data, tmp.len);
            break;
        }
    }
    azk_buf_dispose(&tmp);
    return rc;
}

/* Length of a run of byte escapes of one kind at p[i], decoded into b (cap n). */
size_t azk_decode__reveal_byte_run(const uint8_t *p, size_t n, size_t i, uint8_t kind, uint8_t *b,
                                   size_t *blen)
{
    size_t start = i;
    *blen = 0;
    while (i < n && p[i] == kind) {
        uint32_t v;
        if (kind == '\\') {
            if (i + 3 < n && p[i + 1] == 'x' && azk_decode__reveal_hex_at(p, n, i + 2, 2, &v)) {
                b[(*blen)++] = (uint8_t)v;
                i += 4;
                continue;
            }
            if (i + 3 < n && p[i + 1] >= '0' && p[i + 1] <= '3' && p[i + 2] >= '0' &&
                p[i + 2] <= '7' && p[i + 3] >= '0' && p[i + 3] <= '7') {
                b[(*blen)++] =
                    (uint8_t)((p[i + 1] - '0') * 64 + (p[i + 2] - '0') * 8 + (p[i + 3] - '0'));
                i += 4;
                continue;
            }
            break;
        }
        if (kind == '=' && i + 1 == n) {
            i++; /* quoted-printable soft line break */
            continue;
        }
        if (!azk_decode__reveal_hex_at(p, n, i + 1, 2, &v))
            break;
        b[(*blen)++] = (uint8_t)v;
        i += 3;
    }
    return i - start;
}

/* ---- base64 / hex runs ------------------------------------------------------------ */

static int b64val(uint8_t c, bool url)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == (url ? '-' : '+'))
        return 62;
    if (c == (url ? '_' : '/'))
        return 63;
    return -1;
}

/* Decode base64 s[0..n) (no padding inside; trailing bits dropped) into out. */
static bool b64_decode(const uint8_t *s, size_t n, azk_buf *out)
{
    size_t i;
    uint32_t acc = 0;
    int bits = 0;
    bool url = false, std = false;
    for (i = 0; i < n; i++) {
        if (s[i] == '-' || s[i] == '_')
            url = true;
        else if (s[i] == '+' || s[i] == '/')
            std = true;
    }
    if (url && std)
        return false;
    if (azk_buf_grow(out, n / 4 * 3 + 3) != AZK_OK)
        return false;
    for (i = 0; i < n; i++) {
        int v = b64val(s[i], url);
        if (v < 0)
            return false;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out->data[out->len++] = (uint8_t)(acc >> bits);
        }
    }
    out->data[out->len] = 0;
    return n % 4 != 1;
}

/* Whether p[0..n) is escaped text: a \\uXXXX / \\xXX escape (once or twice escaped), or two \\n. */
bool azk_decode__reveal_escaped_text(const uint8_t *p, size_t n)
{
    const uint8_t *q = n > 0 ? memchr(p, '\\', n) : NULL; /* p may be NULL when n is 0 */
    size_t nl = 0;
    while (q != NULL) {
        size_t i = (size_t)(q - p);
        uint32_t v;
        if (i + 1 < n && p[i + 1] == '\\')
            i++; /* escaped twice */
        if (i + 1 < n && ((p[i + 1] == 'u' && azk_decode__reveal_hex_at(p, n, i + 2, 4, &v)) ||
                          (p[i + 1] == 'x' && azk_decode__reveal_hex_at(p, n, i + 2, 2, &v)) ||
                          ((p[i + 1] == 'u' || p[i + 1] == 'x') && i + 2 < n && p[i + 2] == '{')))
            return true;
        if (i + 1 < n && p[i + 1] == 'n' && ++nl >= 2)
            return true;
        if (i + 2 >= n)
            break;
        q = memchr(p + i + 2, '\\', n - i - 2);
    }
    return false;
}

azk_status azk_decode__reveal_run_kind(struct reveal *rv, const uint8_t *p, size_t n,
                                       enum run_kind *kind)
{
    azk_status rc = AZK_OK;
    size_t i;
    bool hex = n % 2 == 0, piece = false;
    *kind = RUN_NOTHING;
    azk_buf_clear(rv->bytes);
    if (hex) {
        /* hex when every byte is a hex digit: decoded while checked, by table */
        const int8_t *hv = azk_decode__reveal_hexv;
        uint8_t *o;
        if (azk_buf_grow(rv->bytes, n / 2) != AZK_OK)
            return azk_error_nomem();
        o = rv->bytes->data;
        /* 32 and 16 digits a step with AVX2 (a trace ID: one step), the rest byte by byte */
        i = azk_decode__reveal_hex_steps(p, n, o);
        if (i == SIZE_MAX)
            i = n + 1; /* one is no hex digit: not hex */
        else
            o += i / 2;
        for (; i + 1 < n; i += 2) {
            int hi = hv[p[i]], lo = hv[p[i + 1]];
            if ((hi | lo) < 0)
                break;
            *o++ = (uint8_t)(hi << 4 | lo);
        }
        hex = i == n;
        rv->bytes->len = hex ? n / 2 : 0;
    }
    if (!hex) {
        size_t m = n;
        while (m > 0 && p[m - 1] == '=')
            m--;
        if (!b64_decode(p, m, rv->bytes))
            return AZK_OK;
    }
    if (rv->bytes->len < 4)
        return AZK_OK;
    if (rv->ctx->revealed + rv->bytes->len > AZK_DECODE_REVEAL_MAX) {
        *kind = RUN_LIMIT;
        return AZK_OK;
    }
    azk_buf_clear(rv->text);
    if (hex && !azk_utf8_valid(rv->bytes->data, rv->bytes->len))
        piece = false; /* hex dumps of text are UTF-8: "C9999..." is an ID, not CP932 */
    else
        rc = azk_decode__text_piece(rv->bytes->data, rv->bytes->len, 4, true, rv->text, &piece);
    if (rc != AZK_OK)
        return rc;
    if (piece)
        *kind = RUN_TEXT;
    else if (rv->bytes->len >= NESTED_MIN &&
             (!rv->tabular || azk_decode__is_container(rv->bytes->data, rv->bytes->len)))
        /* in a table cell only an archive is decoded as content of its own: the
         * other records of a table stay rows (intake, link read them as such) */
        *kind = RUN_OBJECT;
    return AZK_OK;
}

/*
 * A base64 or hex run p[0..n): its text goes to out (*ok), or, when it is
 * larger content, it is decoded as part of the object (*ok stays false and
 * the run stays as it is).
 */
azk_status azk_decode__reveal_run(struct reveal *rv, const uint8_t *p, size_t n, azk_buf *out,
                                  bool *ok)
{
    enum run_kind kind;
    azk_status rc = azk_decode__reveal_run_kind(rv, p, n, &kind);
    *ok = false;
    if (rc != AZK_OK)
        return rc;
    switch (kind) {
        case RUN_LIMIT:
            rv->limit = true;
            break;
        case RUN_TEXT:
            rv->ctx->revealed += rv->bytes->len;
            *ok = true;
            rc = azk_buf_put(out, rv->text->data, rv->text->len);
            break;
        case RUN_OBJECT: {
            struct azk_mem_source ms;
            azk_source src;
            azk_buf owned = *rv->bytes;
            rv->ctx->revealed += rv->bytes->len;
            /* the nested decode may reveal again, into the same scratch: the
             * bytes it reads are moved out of it first */
            memset(rv->bytes, 0, sizeof(*rv->bytes));
            azk_decode__source_mem(&src, &ms, owned.data, owned.len);
            rc = azk_decode__transparent(rv->ctx, &src);
            azk_buf_dispose(&owned);
            break;
        }
        default:
            break;
    }
    return rc;
}

/* ---- hex dumps ------------------------------------------------------------------------ */

#if defined(__SSE2__)
/* Bit i set when p[i] is a byte azk_decode__reveal_dump_ok allows (16 bytes, SSE2). */
static unsigned dump_ok16(const uint8_t *p)
{
    __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
    __m128i lc = _mm_or_si128(v, _mm_set1_epi8(0x20)); /* A-F X as a-f x */
    __m128i d = _mm_sub_epi8(v, _mm_set1_epi8('0'));
    __m128i l = _mm_sub_epi8(lc, _mm_set1_epi8('a'));
    __m128i ok = _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8(9)), d);
    ok = _mm_or_si128(ok, _mm_cmpeq_epi8(_mm_min_epu8(l, _mm_set1_epi8(5)), l));
    ok = _mm_or_si128(ok, _mm_cmpeq_epi8(lc, _mm_set1_epi8('x')));
    ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
    ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8(',')));
    ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8(':')));
    ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('-')));
    ok = _mm_or_si128(ok, _mm_cmpeq_epi8(v, _mm_set1_epi8('|')));
    return (unsigned)_mm_movemask_epi8(ok);
}
#endif

/*
 * A line of a hex dump: xxd ("00000010: e8a9 a6e9  ...."), hexdump -C
 * ("00000010  e8 a9 a6 |...|"), od -An -tx1 (" e8 a9 a6"), a C array
 * ("0xe8, 0xa9,"), colon or space separated bytes. Its bytes are appended to
 * out. At least 4 groups and one hex letter (so "03 1234 5678" is not one),
 * unless `more` (a dump is going on: its last line may be short).
 */
bool azk_decode__hex_line(const uint8_t *p, size_t n, bool more, azk_buf *out)
{
    size_t i = 0, k, groups = 0, start = out->len;
    bool letter = false, offset = false;
    reveal_cls_built();
    while (i < n && (p[i] == ' ' || p[i] == '\t'))
        i++;
    /* quick reject: a dump's first 32 bytes are hex digits, x, separators */
    k = i;
    if (n - i >= 32) {
        int v = azk_decode__reveal_dump32(p + i); /* AVX2 */
        if (v == 0)
            return false;
        if (v > 0)
            k = i + 32;
    }
#if defined(__SSE2__)
    if (k == i && n - i >= 32 &&
        !azk_decode__simd_off) { /* the switch: tests compare with the loop */
        if ((dump_ok16(p + i) & dump_ok16(p + i + 16)) != 0xFFFFu)
            return false;
        k = i + 32;
    }
#endif
    for (; k < n && k < i + 32; k++) {
        if (!azk_decode__reveal_dump_ok[p[k]])
            return false;
    }
    for (k = 0; i + k < n && (azk_decode__reveal_cls[p[i + k]] & C_HEX); k++)
        ;
    if (k >= 6 && k <= 8 && i + k < n &&
        (p[i + k] == ':' || (p[i + k] == ' ' && i + k + 1 < n && p[i + k + 1] == ' '))) {
        i += k + 1; /* offset column */
        while (i < n && p[i] == ' ')
            i++;
        offset = true;
    }
    while (i < n) {
        size_t j;
        if (i + 1 < n && p[i] == '0' && (p[i + 1] == 'x' || p[i + 1] == 'X'))
            i += 2;
        for (j = i; j < n && (azk_decode__reveal_cls[p[j]] & C_HEX); j++)
            letter = letter || p[j] > '9';
        if (j == i || (j - i) % 2 != 0 || j - i > 8)
            goto no;
        if (azk_buf_grow(out, (j - i) / 2) != AZK_OK)
            goto no;
        for (; i + 1 < j; i += 2)
            out->data[out->len++] = (uint8_t)(azk_hexval(p[i]) * 16 + azk_hexval(p[i + 1]));
        groups++;
        if (i >= n || (offset && out->len - start >= 16))
            break; /* xxd / hexdump -C: 16 bytes, then the ASCII column */
        if (p[i] == ',' || p[i] == ':' || p[i] == '-')
            i++;
        if (i < n && p[i] == ' ' && i + 1 < n && p[i + 1] == ' ') {
            /* two spaces: hexdump -C's middle gap, or the ASCII column */
            size_t q = i;
            while (q < n && p[q] == ' ')
                q++;
            if (q >= n || p[q] == '|' || q - i > 2 || !(azk_decode__reveal_cls[p[q]] & C_HEX))
                break;
            i = q;
            continue;
        }
        while (i < n && p[i] == ' ')
            i++;
    }
    if ((groups >= 4 && letter) || (more && groups >= 1))
        return true; /* a dump's last line may be short */
no:
    out->len = start;
    return false;
}

/* ---- MIME base64 bodies ------------------------------------------------------------ */

bool azk_decode__b64_line(const uint8_t *p, size_t n)
{
    size_t i, m = n;
    if (n < 4)
        return false; /* any width: base64 -w 70 is as common as MIME's 76 */
    reveal_cls_built();
    while (m > 0 && n - m < 2 && p[m - 1] == '=')
        m--;
    i = 0;
    if (m >= 32) {
        int v = azk_decode__reveal_b64_32(p); /* AVX2 */
        if (v == 0)
            return false;
        if (v > 0)
            i = 32;
    }
    for (; i < m; i++) {
        if ((azk_decode__reveal_cls[p[i]] & C_B64) == 0 || p[i] == '-' || p[i] == '_')
            return false;
    }
    return true;
}

azk_status azk_decode__b64_flush(struct azk_decode_ctx *ctx, struct azk_b64_block *b)
{
    azk_status rc = AZK_OK;
    azk_buf bytes = AZK_BUF_INIT;
    if (b->lines == 0)
        return AZK_OK;
    if (b->lines >= 2) {
        size_t m = b->text.len, i;
        bool hex = m % 2 == 0, ok;
        while (m > 0 && b->text.data[m - 1] == '=')
            m--;
        for (i = 0; hex && i < m; i++)
            hex = (azk_decode__reveal_cls[b->text.data[i]] & C_HEX) != 0;
        if (hex) {
            /* plain hex lines (xxd -p) */
            ok = azk_buf_grow(&bytes, m / 2) == AZK_OK;
            for (i = 0; ok && i + 1 < m; i += 2)
                bytes.data[bytes.len++] =
                    (uint8_t)(azk_hexval(b->text.data[i]) * 16 + azk_hexval(b->text.data[i + 1]));
        } else {
            ok = b64_decode(b->text.data, m, &bytes);
        }
        if (ok && bytes.len > 0) {
            struct azk_mem_source ms;
            azk_source src;
            if (ctx->revealed + bytes.len > AZK_DECODE_REVEAL_MAX) {
                rc = azk_decode__defer(
                    ctx, azk_error_set(AZK_ERR_LIMIT, "more than %llu bytes of encoded content",
                                       (unsigned long long)AZK_DECODE_REVEAL_MAX));
            } else {
                ctx->revealed += bytes.len;
                azk_decode__source_mem(&src, &ms, bytes.data, bytes.len);
                rc = azk_decode__transparent(ctx, &src);
            }
            goto done;
        }
    }
    /* one line, or not base64 after all: an ordinary line */
    rc = azk_decode__emit_line(ctx, b->first, b->text.data, b->text.len, false, NULL);
done:
    azk_buf_dispose(&bytes);
    azk_buf_clear(&b->text);
    b->lines = 0;
    return rc;
}
