/* SPDX-License-Identifier: Apache-2.0 */
/*
 * decode/reveal.c -- undo what only hides text from a matcher, once, in the
 * decode stage, so scan, impact, retention's sweep and the three guard
 * front ends all see the same text (issue 11). Every record passes here
 * (azk_decode__emit); a field is rewritten only when it holds one of:
 *
 *   - JSON / C / Python escapes: \uXXXX (surrogate pairs joined),
 *     \UXXXXXXXX, \xHH and \ooo byte runs, \n \t \r \\ \" \/;
 *   - HTML / XML character references: &#x5C71; &#23665; and the common
 *     named ones (&amp; &lt; &gt; &quot; &apos; &nbsp;);
 *   - percent-encoding (%E5%B1%B1, also Shift_JIS bytes) and
 *     quoted-printable (=E5=B1=B1): byte runs kept only when they decode as
 *     text (UTF-8, else CP932 / EUC-JP without an error), so "a=10" or
 *     "50%OFF" stay as they are;
 *   - base64 and hex runs of 16 characters or more: decoded bytes that read
 *     as text replace the run; larger decoded content (a zip, a gzip, a
 *     UTF-16 CSV, an image with text behind it) is decoded as part of the
 *     object by the dispatcher (azk_decode__transparent: depth, size and
 *     entry limits apply); random bytes are left alone;
 *   - invisible characters between characters (zero-width space / joiners,
 *     word joiner, BOM, soft hyphen, bidi controls, variation selectors,
 *     tag characters), full-width letters, digits and @ (→ ASCII), and
 *     values spaced out one character at a time ("0 9 0 - 1 2 3 4").
 *
 * Decoding repeats (at most REVEAL_ROUNDS) while it changes something, so
 * "&amp;#x5C71;" and double JSON escaping are read too. A JSON string that
 * held a whole file ("a,b\n c,d") gives one record per line. Records with
 * nothing of the above cost one table-driven pass and are emitted as they
 * are. Decoded bytes count against AZK_DECODE_REVEAL_MAX per top-level
 * object; past it the object ends with AZK_ERR_LIMIT (fail closed).
 *
 * This file: one pass of unescaping, markup, invisible characters, width
 * and spacing, and records. The byte classes and the scalar screen that
 * skips plain records (worth_a_look / look_closely) are in reveal_look.c;
 * the vector screen in front of it is reveal_screen.c; encoded runs
 * (percent / QP / escaped bytes, base64 / hex, hex dumps, MIME bodies) are
 * in reveal_runs.c (shared: reveal_int.h).
 */
#include "decode/decode_int.h"

#include <pthread.h>
#include <string.h>
#include "decode/reveal_int.h"

bool azk_decode__reveal_hex_at(const uint8_t *p, size_t n, size_t i, size_t k, uint32_t *v)
{
    size_t j;
    uint32_t x = 0;
    if (i + k > n)
        return false;
    for (j = 0; j < k; j++) {
        int h = azk_hexval(p[i + j]);
        if (h < 0)
            return false;
        x = x * 16 + (uint32_t)h;
    }
    *v = x;
    return true;
}

/* ---- one pass of unescaping ------------------------------------------------------- */

static const struct {
    const char *name;
    size_t len;
    uint32_t cp;
} entities[] = {
    {"amp;", 4, '&'},     {"lt;", 3, '<'},   {"gt;", 3, '>'},     {"quot;", 5, '"'},
    {"apos;", 5, '\''},   {"nbsp;", 5, ' '}, {"yen;", 4, 0xA5},   {"copy;", 5, 0xA9},
    {"ensp;", 5, ' '},    {"emsp;", 5, ' '}, {"thinsp;", 7, ' '}, {"zwj;", 4, 0x200D},
    {"zwnj;", 5, 0x200C}, {"shy;", 4, 0xAD}, {"minus;", 6, '-'},  {"hyphen;", 7, '-'},
};

static azk_status put_cp(azk_buf *out, uint32_t cp)
{
    uint8_t tmp[4];
    if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r')
        cp = ' ';
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    return azk_buf_put(out, tmp, azk_utf8_encode(cp, tmp));
}

/* A character reference at p[i] ('&'): its code point and length, or 0. */
static size_t char_ref(const uint8_t *p, size_t n, size_t i, uint32_t *cp)
{
    size_t j = i + 1, k;
    uint32_t v = 0;
    if (j < n && p[j] == '#') {
        bool hx = j + 1 < n && (p[j + 1] == 'x' || p[j + 1] == 'X');
        j += hx ? 2 : 1;
        for (k = 0; j < n && k < 8; j++, k++) {
            int h = hx ? azk_hexval(p[j]) : (p[j] >= '0' && p[j] <= '9' ? p[j] - '0' : -1);
            if (h < 0)
                break;
            v = v * (hx ? 16 : 10) + (uint32_t)h;
        }
        if (k == 0 || v > 0x10FFFF)
            return 0;
        if (j < n && p[j] == ';')
            j++;
        *cp = v;
        return j - i;
    }
    for (k = 0; k < sizeof(entities) / sizeof(entities[0]); k++) {
        if (n - j >= entities[k].len && memcmp(p + j, entities[k].name, entities[k].len) == 0) {
            *cp = entities[k].cp;
            return 1 + entities[k].len;
        }
    }
    return 0;
}

/* A \u / \U escape at p[i] (surrogate pairs joined): code point and length, or 0. */
static size_t u_escape(const uint8_t *p, size_t n, size_t i, uint32_t *cp)
{
    uint32_t v, lo;
    if (i + 1 >= n)
        return 0;
    if (p[i + 1] == 'U') {
        if (!azk_decode__reveal_hex_at(p, n, i + 2, 8, &v) || v > 0x10FFFF)
            return 0;
        *cp = v;
        return 10;
    }
    if ((p[i + 1] == 'u' || p[i + 1] == 'x') && i + 2 < n && p[i + 2] == '{') {
        /* \u{5C71} (JavaScript, Rust, Swift), \x{5C71} (Perl, PHP) */
        size_t j = i + 3, k = 0;
        v = 0;
        while (j < n && k < 6 && azk_hexval(p[j]) >= 0) {
            v = v * 16 + (uint32_t)azk_hexval(p[j]);
            j++;
            k++;
        }
        if (k == 0 || j >= n || p[j] != '}' || v > 0x10FFFF)
            return 0;
        *cp = v;
        return j + 1 - i;
    }
    if (p[i + 1] != 'u' || !azk_decode__reveal_hex_at(p, n, i + 2, 4, &v))
        return 0;
    if (v >= 0xD800 && v <= 0xDBFF && i + 12 <= n && p[i + 6] == '\\' && p[i + 7] == 'u' &&
        azk_decode__reveal_hex_at(p, n, i + 8, 4, &lo) && lo >= 0xDC00 && lo <= 0xDFFF) {
        *cp = 0x10000 + ((v - 0xD800) << 10) + (lo - 0xDC00);
        return 12;
    }
    *cp = v;
    return 6;
}

static azk_status unescape(struct reveal *rv, const uint8_t *p, size_t n, azk_buf *out,
                           bool *changed)
{
    uint8_t *b = NULL;
    azk_status rc = AZK_OK;
    size_t i = 0, from = 0; /* p[from..i): kept as it is, not yet in out */
    b = azk_malloc(n / 2 + 1);
    if (b == NULL)
        return azk_error_nomem();
/* Put the kept bytes before what is written at i (a decoded escape or run). */
#define KEPT_OUT()                                                                                 \
    do {                                                                                           \
        if (i > from)                                                                              \
            rc = azk_buf_put(out, p + from, i - from);                                             \
        from = i;                                                                                  \
    } while (0)
    while (i < n) {
        uint8_t c = p[i];
        size_t len = 0, blen = 0;
        uint32_t cp;
        bool ok = false;
        if (c == '\\' && i + 1 < n && p[i + 1] == '\\' && !rv->simple_escapes) {
            /* an escaped backslash is not the start of an escape */
            i += 2;
            continue;
        }
        if (c == '\\') {
            KEPT_OUT();
            if (rc != AZK_OK)
                break;
            len = u_escape(p, n, i, &cp);
            if (len > 0) {
                rc = put_cp(out, cp);
            } else if (i + 1 < n && (p[i + 1] == 'x' || (p[i + 1] >= '0' && p[i + 1] <= '3'))) {
                len = azk_decode__reveal_byte_run(p, n, i, '\\', b, &blen);
                if (len > 0) {
                    rc = azk_decode__reveal_put_bytes_as_text(out, b, blen, true, &ok);
                    if (!ok)
                        len = 0;
                }
            } else if (i + 1 < n && rv->simple_escapes) {
                static const char from_c[] = "ntr\\\"/";
                static const char to_c[] = "\n\t\r\\\"/";
                const char *f = memchr(from_c, p[i + 1], sizeof(from_c) - 1);
                if (f != NULL && p[i + 1] != 0) {
                    len = 2;
                    rc = azk_buf_putc(out, to_c[f - from_c]);
                }
            }
        } else if (c == '&') {
            len = char_ref(p, n, i, &cp);
            if (len > 0) {
                KEPT_OUT();
                if (rc == AZK_OK)
                    rc = put_cp(out, cp);
            }
        } else if ((c == '%' || c == '=') && i + 1 < n) {
            len = azk_decode__reveal_byte_run(p, n, i, c, b, &blen);
            if (len > 0 && blen > 0) {
                KEPT_OUT();
                if (rc != AZK_OK)
                    break;
                rc = azk_decode__reveal_put_bytes_as_text(out, b, blen, c == '%', &ok);
                if (!ok)
                    len = 0;
            } else {
                len = 0;
            }
        } else if ((azk_decode__reveal_cls[c] & C_B64) &&
                   (i == 0 || (azk_decode__reveal_cls[p[i - 1]] & C_B64) == 0)) {
            size_t j = i;
            while (j < n && (azk_decode__reveal_cls[p[j]] & C_B64))
                j++;
            unsigned mix = 0;
            size_t q;
            for (q = i; q < j; q++)
                mix |= mix_of(p[q]);
            j = run_padded(p, n, j);
            if (run_candidate(q - i, mix)) {
                KEPT_OUT();
                if (rc != AZK_OK)
                    break;
                rc = azk_decode__reveal_run(rv, p + i, j - i, out, &ok);
                len = ok ? j - i : 0;
                if (rc == AZK_OK && !ok) {
                    i = j; /* kept as it is */
                    continue;
                }
            } else {
                i = j;
                continue;
            }
        }
        if (rc != AZK_OK)
            break;
        if (len > 0) {
            *changed = true;
            i += len;
            from = i;
            continue;
        }
        i++; /* kept as it is */
    }
#undef KEPT_OUT
    if (rc == AZK_OK && i > from)
        rc = azk_buf_put(out, p + from, (i < n ? i : n) - from);
    azk_free(b);
    return rc;
}

/* ---- markup ------------------------------------------------------------------------ */

/*
 * Text split across markup tags a character or two at a time
 * (<r>山</r><r>田</r>, as a word processor or an evader writes it): the
 * tags are removed so the value is whole again. Ordinary markup
 * (<td>山田太郎</td>) has more text per tag and is left alone.
 */
static azk_status strip_split_markup(const uint8_t *p, size_t n, azk_buf *out, bool *changed)
{
    size_t i = 0, tags = 0, text = 0;
    azk_status rc;
    while (i < n) {
        if (p[i] == '<') {
            const uint8_t *gt = memchr(p + i, '>', n - i);
            if (gt == NULL)
                break;
            tags++;
            i = (size_t)(gt - p) + 1;
        } else {
            text++;
            i++;
        }
    }
    if (tags < 6 || text > 3 * tags)
        return AZK_OK;
    for (i = 0; i < n;) {
        if (p[i] == '<') {
            const uint8_t *gt = memchr(p + i, '>', n - i);
            if (gt == NULL) {
                rc = azk_buf_put(out, p + i, n - i);
                if (rc != AZK_OK)
                    return rc;
                break;
            }
            i = (size_t)(gt - p) + 1;
            continue;
        }
        rc = azk_buf_putc(out, p[i]);
        if (rc != AZK_OK)
            return rc;
        i++;
    }
    *changed = true;
    return AZK_OK;
}

/* ---- azk_decode__reveal_invisible characters, width, spacing
 * ---------------------------------------- */

bool azk_decode__reveal_invisible(uint32_t cp)
{
    return cp == 0xAD || cp == 0x34F || cp == 0x180E || (cp >= 0x200B && cp <= 0x200F) ||
           (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2060 && cp <= 0x2064) ||
           (cp >= 0x2066 && cp <= 0x206F) || cp == 0xFEFF || (cp >= 0xFE00 && cp <= 0xFE0F) ||
           (cp >= 0xE0000 && cp <= 0xE007F) || (cp >= 0xE0100 && cp <= 0xE01EF);
}

/* The kana with a (semi-)voiced mark: か + ゛ → が, は + ゜ → ぱ; 0 if none. */
static uint32_t voiced(uint32_t k, bool semi)
{
    uint32_t h = (k >= 0x30A1 && k <= 0x30F6) ? k - 0x60 : k; /* katakana → hiragana */
    bool ha_row = h == 0x306F || h == 0x3072 || h == 0x3075 || h == 0x3078 || h == 0x307B;
    if (semi)
        return ha_row ? k + 2 : 0;
    if ((h >= 0x304B && h <= 0x3061 && (h % 2) == 1) || h == 0x3064 || h == 0x3066 || h == 0x3068 ||
        ha_row)
        return k + 1;
    if (k == 0x30A6)
        return 0x30F4; /* ウ → ヴ */
    if (k == 0x3046)
        return 0x3094; /* う → ゔ */
    return 0;
}

static bool spacer(uint32_t cp)
{
    return cp == ' ' || cp == 0x3000 || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A);
}

/*
 * Drop azk_decode__reveal_invisible characters, fold full-width ASCII (letters, digits and
 * their punctuation) to ASCII,
 * and close up values spaced out one character at a time (4 or more
 * single characters each followed by one space).
 */
/*
 * Whether p[0..n) is ASCII that put_cp() writes back unchanged: no byte >=
 * 0x80 and no control character but tab, LF and CR (put_cp turns the others
 * into spaces). Eight bytes at a time, byte by byte where a word has a byte
 * below 0x20 (log lines with tabs).
 */
static bool plain_ascii(const uint8_t *p, size_t n)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t w;
    size_t i = 0, k;
    for (; i + 8 <= n; i += 8) {
        memcpy(&w, p + i, 8);
        if ((w & highs) != 0)
            return false;
        if ((((w - 0x20 * ones) & ~w & highs)) != 0) {
            for (k = i; k < i + 8; k++)
                if (p[k] < 0x20 && p[k] != '\t' && p[k] != '\n' && p[k] != '\r')
                    return false;
        }
    }
    for (; i < n; i++)
        if (p[i] >= 0x80 || (p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r'))
            return false;
    return true;
}

/*
 * normalise() of plain ASCII text (plain_ascii), where every byte is its own
 * code point and put_cp() writes it back as it is: none is invisible, a
 * diacritic, a voiced mark or full-width, and the only spacer is ' '; so
 * only the spaced-out rule can change anything. The same loop on the
 * bytes, with the unchanged stretches appended whole instead of one
 * character at a time (a log line with a base64-looking token comes here).
 */
static azk_status normalise_ascii(const uint8_t *p, size_t n, azk_buf *out, bool *changed)
{
    size_t k, from = 0;
    azk_status rc;
    const uint8_t *q = n > 0 ? memchr(p, ' ', n) : NULL;
    /* four single characters one space apart hold " x ": without one,
     * the line is kept whole (most lines: they come here for a run) */
    while (q != NULL) {
        size_t s = (size_t)(q - p);
        if (s + 2 < n && p[s + 1] != ' ' && p[s + 2] == ' ')
            break;
        q = s + 1 < n ? memchr(q + 1, ' ', n - s - 1) : NULL;
    }
    if (q == NULL)
        return n > 0 ? azk_buf_put(out, p, n) : AZK_OK;
    for (k = 0; k < n;) {
        size_t j = k, singles = 0, end = k;
        if (p[k] != ' ' && (k == 0 || p[k - 1] == ' ')) {
            while (j < n && p[j] != ' ' && (j + 1 >= n || p[j + 1] == ' ')) {
                singles++;
                end = j + 1;
                if (j + 2 < n && p[j + 2] != ' ')
                    j += 2;
                else
                    break;
            }
        }
        if (singles >= 4) {
            size_t m;
            rc = azk_buf_put(out, p + from, k - from);
            if (rc != AZK_OK)
                return rc;
            for (m = k; m < end; m++) {
                if (p[m] != ' ') {
                    rc = azk_buf_putc(out, p[m]);
                    if (rc != AZK_OK)
                        return rc;
                }
            }
            *changed = true;
            k = end;
            from = end;
            continue;
        }
        k++;
    }
    return from < n ? azk_buf_put(out, p + from, n - from) : AZK_OK;
}

static azk_status normalise(const uint8_t *p, size_t n, azk_buf *out, bool *changed)
{
    uint32_t *cps = NULL;
    size_t count = 0, i = 0, k;
    azk_status rc = AZK_OK;
    if (!azk_decode__simd_off && plain_ascii(p, n)) /* the switch: tests compare both paths */
        return normalise_ascii(p, n, out, changed);
    cps = azk_malloc((n + 1) * sizeof(*cps));
    if (cps == NULL)
        return azk_error_nomem();
    while (i < n) {
        uint32_t cp;
        size_t l = azk_utf8_decode(p + i, n - i, &cp);
        i += l;
        if (azk_decode__reveal_invisible(cp)) {
            *changed = true;
            continue;
        }
        if ((cp == 0x3099 || cp == 0x309A) && count > 0) {
            /* decomposed kana (NFD, as macOS writes file names): compose */
            uint32_t c = voiced(cps[count - 1], cp == 0x309A);
            if (c != 0) {
                cps[count - 1] = c;
                *changed = true;
                continue;
            }
        }
        if (cp >= 0x300 && cp <= 0x36F && count > 0 &&
            (cps[count - 1] >= 0x3000 || cps[count - 1] < 0x80)) {
            /* a diacritic on a Japanese or ASCII character hides it: drop it */
            *changed = true;
            continue;
        }
        if (cp >= 0xFF01 && cp <= 0xFF5E) {
            /* all of full-width ASCII: "５５３－０１５０" must not become "553－0150" */
            cp -= 0xFEE0;
            *changed = true;
        }
        cps[count++] = cp;
    }
    for (k = 0; k < count;) {
        /* a run c _ c _ c _ c: single characters, one spacer between each */
        size_t j = k, singles = 0, end = k;
        if (!spacer(cps[k]) && (k == 0 || spacer(cps[k - 1]))) {
            while (j < count && !spacer(cps[j]) && (j + 1 >= count || spacer(cps[j + 1]))) {
                singles++;
                end = j + 1;
                if (j + 2 < count && !spacer(cps[j + 2]))
                    j += 2;
                else
                    break;
            }
        }
        if (singles >= 4) {
            size_t m;
            for (m = k; m < end; m++) {
                if (!spacer(cps[m])) {
                    rc = put_cp(out, cps[m]);
                    if (rc != AZK_OK)
                        goto done;
                }
            }
            *changed = true;
            k = end;
            continue;
        }
        rc = put_cp(out, cps[k]);
        if (rc != AZK_OK)
            goto done;
        k++;
    }
done:
    azk_free(cps);
    return rc;
}

/* ---- records ---------------------------------------------------------------------- */

/* Reveal one field into out; *changed when it differs from the input. worth:
 * worth_a_look(p, n) is known to be true (the caller has just computed it). */
static azk_status reveal_field(struct reveal *rv, const uint8_t *p, size_t n, bool worth,
                               azk_buf *out, bool *changed)
{
    azk_buf cur = AZK_BUF_INIT, tmp = AZK_BUF_INIT, nxt = AZK_BUF_INIT;
    azk_status rc = AZK_OK;
    size_t round;
    *changed = false;
    rc = azk_buf_put(&cur, p, n);
    if (rc != AZK_OK)
        goto done;
    for (round = 0; round < REVEAL_ROUNDS && !rv->limit; round++) {
        bool ch1 = false, ch2 = false;
        azk_buf swap;
        if (!(round == 0 && worth) && !azk_decode__reveal_worth_a_look(cur.data, cur.len))
            break;
        if (memchr(cur.data, '<', cur.len) != NULL) {
            bool ch0 = false;
            azk_buf_clear(&tmp);
            rc = strip_split_markup(cur.data, cur.len, &tmp, &ch0);
            if (rc != AZK_OK)
                goto done;
            if (ch0) {
                swap = cur;
                cur = tmp;
                tmp = swap;
                *changed = true;
            }
        }
        azk_buf_clear(&tmp);
        rv->simple_escapes = azk_decode__reveal_escaped_text(cur.data, cur.len);
        rc = unescape(rv, cur.data, cur.len, &tmp, &ch1);
        if (rc != AZK_OK || rv->ctx->sink_failed)
            goto done;
        azk_buf_clear(&nxt);
        /* also repairs invalid UTF-8 an escape may have produced (\xff) */
        rc = ch1 ? normalise(tmp.data, tmp.len, &nxt, &ch2)
                 : normalise(cur.data, cur.len, &nxt, &ch2);
        if (rc != AZK_OK)
            goto done;
        if (!ch1 && !ch2)
            break;
        *changed = true;
        swap = cur;
        cur = nxt;
        nxt = swap;
    }
    if (*changed) {
        *out = cur;
        memset(&cur, 0, sizeof(cur));
    }
done:
    azk_buf_dispose(&cur);
    azk_buf_dispose(&tmp);
    azk_buf_dispose(&nxt);
    return rc;
}

/*
 * A long line of JSON elements ([[...],[...]] or [{...},{...}], as
 * json.dumps writes a table on one line): each element is a record of its
 * own, as the lines of a CSV would be.
 */
static bool json_elements(const char *p, size_t n)
{
    return n >= 512 && (p[0] == '[' || p[0] == '{') &&
           (memmem(p, n, "],[", 3) != NULL || memmem(p, n, "], [", 4) != NULL ||
            memmem(p, n, "},{", 3) != NULL || memmem(p, n, "}, {", 4) != NULL);
}

/* Length of the JSON element boundary at p (the separator after ']' or '}'), or 0. */
static size_t json_boundary(const char *p, size_t n)
{
    if (n >= 3 && (p[0] == ']' || p[0] == '}') && p[1] == ',' && (p[2] == '[' || p[2] == '{'))
        return 2;
    if (n >= 4 && (p[0] == ']' || p[0] == '}') && p[1] == ',' && p[2] == ' ' &&
        (p[3] == '[' || p[3] == '{'))
        return 3;
    return 0;
}

/* Emit a text field as records: one per line, and one per JSON element of a long line. */
static azk_status emit_split(struct azk_decode_ctx *ctx, const azk_record *rec, const char *s,
                             size_t n)
{
    const char *end = s + n;
    azk_record r = *rec;
    azk_field f = rec->fields[0];
    azk_status rc;
    size_t max = ctx->opts->max_line > 0 ? ctx->opts->max_line : (size_t)64 * 1024;
    r.fields = &f;
    if (n == 0)
        return AZK_OK;
    while (s < end) {
        const char *nl = memchr(s, '\n', (size_t)(end - s));
        const char *e = nl != NULL ? nl : end;
        size_t len = (size_t)(e - s);
        bool js = json_elements(s, len);
        while (len > 0) {
            size_t take = len, i;
            if (js) {
                for (i = 1; i < len; i++) {
                    size_t b = json_boundary(s + i, len - i);
                    if (b > 0) {
                        take = i + 1;
                        break;
                    }
                }
            }
            f.ptr = s;
            f.len = take;
            if (take > 0 && s[take - 1] == '\r')
                f.len--;
            r.continued = rec->continued;
            while (f.len > 0) {
                /* within max_line, as every text record (U+FFFD can grow a line) */
                size_t whole = f.len, cut = f.len;
                if (cut > max) {
                    cut = azk_decode__utf8_boundary((const uint8_t *)f.ptr, max);
                    if (cut == 0)
                        cut = max;
                }
                f.len = cut;
                rc = azk_decode__emit_raw(ctx, &r);
                if (rc != AZK_OK)
                    return rc;
                f.ptr += cut;
                f.len = whole - cut;
                r.continued = 1;
            }
            s += take;
            len -= take;
            if (js && len > 0 && *s == ',') {
                s++;
                len--;
            }
        }
        s = e + 1;
    }
    return AZK_OK;
}

bool azk_decode__reveal_quiet_off;

/*
 * Whether reveal_field would keep p[0..n) as it is and do nothing else, for
 * a field worth a look by its base64 / hex runs alone (LOOK_RUNS: ASCII,
 * no \ &, %HH, =HH=HH, spaced-out singles nor six '<'): every run, decoded
 * as unescape decodes it (azk_decode__reveal_run_kind, with its padding),
 * is neither text, nor an object, nor past the limit -- as the 32-hex trace
 * id of an app log line or a hash is. Then unescape changes nothing, and
 * neither does normalise (in ASCII only the spaced-out rule can; a control
 * byte it would write as a space is kept when nothing changed), so
 * reveal_field's copies and walks are saved.
 */
static azk_status quiet_runs(struct reveal *rv, const uint8_t *p, size_t n,
                             const struct look_runs *lr, bool *quiet)
{
    size_t k;
    *quiet = false;
    if (azk_decode__reveal_quiet_off)
        return AZK_OK;
    for (k = 0; k < lr->count; k++) {
        enum run_kind kind;
        size_t at = lr->at[k];
        azk_status rc =
            azk_decode__reveal_run_kind(rv, p + at, run_padded(p, n, lr->end[k]) - at, &kind);
        if (rc != AZK_OK || kind != RUN_NOTHING)
            return rc;
    }
    *quiet = true;
    return AZK_OK;
}

/* Whether field f is worth revealing: worth_a_look (azk_decode__reveal_look),
 * and not quiet_runs (*quiet: worth a look, but quiet). */
static azk_status worth_revealing(struct reveal *rv, const azk_field *f, bool *worth, bool *quiet)
{
    struct look_runs lr;
    const uint8_t *p = (const uint8_t *)f->ptr;
    enum look lk = azk_decode__reveal_look(p, f->len, &lr);
    azk_status rc = AZK_OK;
    *quiet = false;
    if (lk == LOOK_RUNS)
        rc = quiet_runs(rv, p, f->len, &lr, quiet);
    *worth = lk != LOOK_NO && !*quiet;
    return rc;
}

/* Largest scratch buffer kept in the spare buffers for the next record. */
#define SCRATCH_KEPT (64 * 1024)

/* The scratch after a record: the record's own freed, the spare buffers'
 * freed when they grew large. */
static inline void scratch_done(struct reveal *rv)
{
    struct azk_decode_spare *sp = rv->ctx->spare;
    if (sp == NULL) {
        azk_buf_dispose(&rv->own_bytes);
        azk_buf_dispose(&rv->own_text);
        return;
    }
    if (sp->reveal_bytes.cap > SCRATCH_KEPT)
        azk_buf_dispose(&sp->reveal_bytes);
    if (sp->reveal_text.cap > SCRATCH_KEPT)
        azk_buf_dispose(&sp->reveal_text);
}

/* A record with nothing to reveal: one per JSON element if it is a long line of them. */
static __attribute__((noinline)) azk_status json_split(struct azk_decode_ctx *ctx,
                                                       const azk_record *rec, bool *handled)
{
    if (!rec->tabular && rec->field_count == 1 && rec->fields[0].len >= 512 &&
        json_elements(rec->fields[0].ptr, rec->fields[0].len)) {
        *handled = true;
        return emit_split(ctx, rec, rec->fields[0].ptr, rec->fields[0].len);
    }
    return AZK_OK; /* the fast path: nothing hidden */
}

/*
 * A record the vector screen let through: its fields asked one by one
 * (worth_revealing), then revealed. Apart from azk_decode__reveal so that
 * the records the screen stops (most) do not pay this frame (its arrays,
 * the stack guard, the saved registers).
 */
static __attribute__((noinline)) azk_status reveal_record(struct azk_decode_ctx *ctx,
                                                          const azk_record *rec, bool *handled)
{
    size_t max_cell;
    struct reveal rv;
    azk_buf *vals = NULL, vals_here[8];
    azk_field *fields = NULL, fields_here[8];
    azk_status rc = AZK_OK;
    size_t i, any = 0, first;
    bool looked = false; /* a field was worth a look, but revealed nothing (quiet_runs) */

    memset(&rv, 0, sizeof(rv));
    rv.ctx = ctx;
    if (ctx->spare != NULL) {
        rv.bytes = &ctx->spare->reveal_bytes;
        rv.text = &ctx->spare->reveal_text;
    } else {
        rv.bytes = &rv.own_bytes;
        rv.text = &rv.own_text;
    }
    rv.tabular = rec->tabular != 0;
    for (i = 0; i < rec->field_count; i++) {
        bool worth, quiet;
        rc = worth_revealing(&rv, &rec->fields[i], &worth, &quiet);
        if (rc != AZK_OK || worth)
            break;
        looked |= quiet;
    }
    first = i; /* the first field worth revealing */
    if (rc != AZK_OK || i == rec->field_count) {
        scratch_done(&rv);
        /* a field worth a look that reveals nothing keeps a JSON line whole */
        return rc != AZK_OK || looked ? rc : json_split(ctx, rec, handled);
    }

    max_cell = ctx->opts->max_cell > 0 ? ctx->opts->max_cell : (size_t)64 * 1024;
    if (rec->field_count <= sizeof(vals_here) / sizeof(vals_here[0])) {
        /* most records flagged are a line or a short row: no allocation */
        memset(vals_here, 0, sizeof(vals_here));
        vals = vals_here;
        fields = fields_here;
    } else {
        vals = azk_calloc(rec->field_count, sizeof(*vals));
        fields = azk_calloc(rec->field_count, sizeof(*fields));
    }
    if (vals == NULL || fields == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    for (i = 0; i < rec->field_count; i++) {
        bool ch = false, worth = i == first, quiet;
        fields[i] = rec->fields[i];
        if (i < first)
            continue; /* not worth revealing: reveal_field would change nothing */
        if (i > first && !rv.limit) {
            /* after `first`, as reveal_field would ask worth_a_look */
            rc = worth_revealing(&rv, &rec->fields[i], &worth, &quiet);
            if (rc != AZK_OK)
                goto done;
            if (!worth)
                continue;
        }
        rc = reveal_field(&rv, (const uint8_t *)rec->fields[i].ptr, rec->fields[i].len, worth,
                          &vals[i], &ch);
        if (rc != AZK_OK || ctx->sink_failed)
            goto done;
        if (ch) {
            /* a field may reveal to nothing (only azk_decode__reveal_invisible characters) */
            fields[i].ptr = vals[i].data != NULL ? (const char *)vals[i].data : "";
            fields[i].len = vals[i].len;
            if (rec->tabular && fields[i].len > max_cell) /* U+FFFD can grow a cut cell */
                fields[i].len = azk_decode__utf8_boundary(vals[i].data, max_cell);
            any++;
        }
    }
    if (rv.limit) {
        rc = azk_decode__defer(ctx, azk_error_set(AZK_ERR_LIMIT,
                                                  "more than %llu bytes of encoded content",
                                                  (unsigned long long)AZK_DECODE_REVEAL_MAX));
        if (rc != AZK_OK)
            goto done;
    }
    if (any == 0)
        goto done;
    *handled = true;
    if (!rec->tabular && rec->field_count == 1) {
        rc = emit_split(ctx, rec, fields[0].ptr, fields[0].len);
    } else {
        azk_record r = *rec;
        r.fields = fields;
        rc = azk_decode__emit_raw(ctx, &r);
    }
done:
    for (i = 0; vals != NULL && i < rec->field_count; i++)
        azk_buf_dispose(&vals[i]);
    if (vals != vals_here) {
        azk_free(vals);
        azk_free(fields);
    }
    scratch_done(&rv);
    return rc;
}

azk_status azk_decode__reveal(struct azk_decode_ctx *ctx, const azk_record *rec, bool *handled)
{
    *handled = false;
    reveal_cls_built();
    /* the vector screen (reveal_screen.c) first: most records end there */
    if (azk_decode__reveal_screen_record(rec))
        return reveal_record(ctx, rec, handled);
    if (rec->tabular || rec->field_count != 1 || rec->fields[0].len < 512)
        return AZK_OK; /* json_split's fast path, without its call */
    return json_split(ctx, rec, handled);
}
