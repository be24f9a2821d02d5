/* SPDX-License-Identifier: Apache-2.0 */
/*
 * redact/redact.c -- the redaction filter: each input line runs through the
 * same detection engine as the scanner; every finding's span is replaced by
 * its masked form, a keyed pseudonym, or the type name.
 *
 * Pseudonyms: HMAC-SHA-256 (libsodium crypto_auth_hmacsha256) under the
 * home's redact key over "type\0" || normalised value, first 5 bytes in hex.
 * The value is normalised per type (norm/) so "090-1234-5678" and
 * "０９０１２３４５６７８" give the same token; without the key a token does
 * not reveal the value, with the key it can only be confirmed by guessing.
 *
 * Streams (azk_redactor_write/finish) are converted to UTF-8 as they come
 * (a character split between chunks is completed by the next one) and
 * cut in lines. A line longer than REDACT_WINDOW is redacted in windows:
 * each window is cut at a character boundary, detection sees OVERLAP bytes
 * beyond the part that is written and LEFT_CONTEXT bytes before it, and a
 * value that crosses the planned cut moves the cut behind it. So no value
 * straddles a cut unmasked, and the output line stays one line.
 *
 * The default mask leaves nothing the scanner reports: a partial mask can
 * (氏名=秋元 ** is still a surname after a label), so each written piece is
 * scanned again, behind the last LEFT_CONTEXT bytes already written, and
 * what is found is blanked ("***" twice, then "[type]"). AZK_REDACT_PARTIAL
 * keeps the partial masks, for display.
 *
 * Without a given encoding, each input (azk_redactor_begin) is sniffed from
 * its first line that is not ASCII: valid UTF-8 is UTF-8, otherwise CP932 or
 * EUC-JP, whichever decodes it with fewer errors and more kana and kanji.
 * ASCII before it passes as is; the bytes from the first non-ASCII one to
 * the end of that line (at most SNIFF_MAX) wait for the decision.
 */
#include "azukari/redact.h"
#include "detect/detect.h"
#include "norm/norm.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unicode/ucnv.h>
#include <unicode/ustring.h>
#include <unistd.h>

#define REDACT_WINDOW ((size_t)1 << 20) /* bytes of a long line detected at once */
#define OVERLAP       ((size_t)4096)    /* right context: longer than any value */
#define LEFT_CONTEXT  ((size_t)256)     /* already written, kept for detection context */
#define SNIFF_MAX     ((size_t)65536)   /* bytes of a first non-ASCII line to sniff */
#define RESCUE_ROUNDS 3

struct span {
    azk_pii_type type;
    size_t start, len;
    char masked[96];
};

struct azk_redactor {
    azk_redact_options opts;
    unsigned char key[crypto_auth_hmacsha256_KEYBYTES];
    azk_detect_engine *eng;
    azk_detect_ctx *ctx;
    UConverter *conv; /* NULL for UTF-8 input */
    bool enc_given;   /* opts->encoding was set: never sniffed */
    bool decided;     /* the input encoding is known (given, or sniffed) */
    bool first_done;  /* the first bytes of the input were seen (a UTF-8 BOM is dropped) */
    azk_buf raw;      /* undecided: input bytes waiting for the sniff; or a BOM prefix */
    azk_buf octx;     /* the last bytes written of the current line (rescan context) */
    azk_buf utf8;     /* the line as UTF-8 */
    azk_buf out;
    azk_buf norm;
    struct span *spans;
    size_t span_count, span_cap;
    /* stream state */
    azk_buf pend;    /* UTF-8 of the current line not yet written (after ctx_len) */
    size_t ctx_len;  /* pend[0..ctx_len) was written already: left context only */
    uint8_t tail[8]; /* UTF-8 input: an incomplete character at the end of a chunk */
    size_t tail_len;
};

azk_status azk_redactor_new(azk_redactor **out, const azk_redact_options *opts_in)
{
    static const azk_redact_options opts_def = AZK_REDACT_OPTIONS_INIT;
    azk_redact_options opts_v;
    const azk_redact_options *opts = &opts_v;
    azk_status rc;
    azk_redactor *r = NULL;
    azk_detect_options dop = AZK_DETECT_OPTIONS_INIT;

    if (out != NULL)
        *out = NULL; /* also when the options are refused */
    if (azk__options_in(&opts_v, sizeof(opts_v), &opts_def, opts_in, true, "azk_redactor_new") !=
        AZK_OK)
        return azk_error_last()->code;
    AZK_ASSERT_ARG(out != NULL);
    AZK_ASSERT_ARG(opts != NULL);
    azk_error_clear();
    *out = NULL;
    rc = azk__lib_init();
    if (rc != AZK_OK)
        return rc;
    if (opts->mode == AZK_REDACT_PSEUDONYM && opts->key == NULL)
        return azk_error_set(AZK_ERR_ARG, "pseudonym mode needs a key");
    r = azk_calloc(1, sizeof(*r));
    if (r == NULL)
        return azk_error_nomem();
    r->opts = *opts;
    if (opts->key != NULL)
        memcpy(r->key, opts->key, sizeof(r->key));
    r->opts.key = NULL;
    r->opts.encoding = NULL; /* the caller's string need not outlive this call */
    r->enc_given = r->decided = opts->encoding != NULL;
    if (opts->encoding != NULL) {
        const char *canon = azk_decode__encoding_canonical(opts->encoding);
        UErrorCode ue = U_ZERO_ERROR;
        if (canon == NULL) {
            rc = azk_error_set(AZK_ERR_ARG, "unknown encoding: %s", opts->encoding);
            goto done;
        }
        if (strcmp(canon, "utf-8") != 0) {
            r->conv = ucnv_open(strcmp(canon, "cp932") == 0 ? "ibm-943_P15A-2003" : canon, &ue);
            if (U_FAILURE(ue)) {
                rc = azk_error_set(AZK_ERR_UNSUPPORTED, "encoding %s: %s", canon, u_errorName(ue));
                goto done;
            }
        }
    }
    dop.types = opts->types;
    dop.min_confidence = opts->min_confidence > 0 ? opts->min_confidence : 0.5;
    dop.allow_values = opts->allow_values;
    dop.allow_value_count = opts->allow_value_count;
    rc = azk_detect__engine_new(&r->eng, &dop);
    if (rc != AZK_OK)
        goto done;
    rc = azk_detect__ctx_new(&r->ctx, r->eng);
    if (rc != AZK_OK)
        goto done;
    azk_detect__object_begin(r->ctx, "text");
    *out = r;
    r = NULL;
done:
    azk_redactor_free(r);
    return rc;
}

void azk_redactor_free(azk_redactor *r)
{
    if (r == NULL)
        return;
    azk_detect__ctx_free(r->ctx);
    azk_detect__engine_free(r->eng);
    if (r->conv != NULL)
        ucnv_close(r->conv);
    azk_buf_dispose_secret(&r->utf8);
    azk_buf_dispose_secret(&r->out);
    azk_buf_dispose_secret(&r->norm);
    azk_buf_dispose_secret(&r->pend);
    azk_buf_dispose_secret(&r->raw);
    azk_buf_dispose_secret(&r->octx);
    sodium_memzero(r->tail, sizeof(r->tail));
    azk_free_secret(r->spans, r->span_cap * sizeof(struct span));
    sodium_memzero(r->key, sizeof(r->key));
    azk_free(r);
}

static azk_status collect(const azk_finding *f, void *payload)
{
    azk_redactor *r = payload;
    struct span *s;
    azk_status rc =
        azk_array_reserve(&r->spans, &r->span_cap, r->span_count, sizeof(*r->spans), 16);
    if (rc != AZK_OK)
        return rc;
    s = &r->spans[r->span_count++];
    s->type = f->type;
    s->start = f->start;
    s->len = f->len;
    memcpy(s->masked, f->masked, sizeof(s->masked));
    s->masked[sizeof(s->masked) - 1] = '\0';
    return AZK_OK;
}

static azk_status normalise(azk_redactor *r, azk_pii_type t, const char *v, size_t n)
{
    azk_buf_clear(&r->norm);
    switch (t) {
        case AZK_PII_PERSON_NAME:
            return azk_norm_name(&r->norm, v, n);
        case AZK_PII_PHONE:
            return azk_norm_phone(&r->norm, v, n);
        case AZK_PII_EMAIL:
            return azk_norm_email(&r->norm, v, n);
        case AZK_PII_POSTAL_CODE:
            return azk_norm_postal(&r->norm, v, n);
        case AZK_PII_BIRTH_DATE:
            return azk_norm_date(&r->norm, v, n);
        case AZK_PII_ADDRESS:
            return azk_norm_address_key(&r->norm, v, n);
        default:
            return azk_norm_id(&r->norm, v, n);
    }
}

/*
 * The replacement of span s: the mode's (rescue 0); on a rescan of the
 * masked text "***", at the last round "[type]" (never found again).
 */
static azk_status put_replacement(azk_redactor *r, const struct span *s, int rescue)
{
    const char *tn = azk_pii_type_name(s->type);
    if (rescue > 0 && rescue < RESCUE_ROUNDS)
        return azk_buf_puts(&r->out, "***");
    if (rescue > 0)
        return azk_buf_printf(&r->out, "[%s]", tn);
    switch (r->opts.mode) {
        case AZK_REDACT_MASK:
        case AZK_REDACT_PARTIAL:
            return azk_buf_puts(&r->out, s->masked);
        case AZK_REDACT_TYPE:
            return azk_buf_printf(&r->out, "[%s]", tn);
        case AZK_REDACT_PSEUDONYM: {
            crypto_auth_hmacsha256_state st;
            unsigned char mac[crypto_auth_hmacsha256_BYTES];
            char hex[11];
            const char *v = (const char *)r->utf8.data + s->start;
            azk_status rc = normalise(r, s->type, v, s->len);
            if (rc != AZK_OK || r->norm.len == 0) {
                /* fall back to the raw span; it never leaves this function */
                azk_buf_clear(&r->norm);
                rc = azk_buf_put(&r->norm, v, s->len);
                if (rc != AZK_OK)
                    return rc;
            }
            crypto_auth_hmacsha256_init(&st, r->key, sizeof(r->key));
            crypto_auth_hmacsha256_update(&st, (const unsigned char *)tn, strlen(tn) + 1);
            crypto_auth_hmacsha256_update(&st, r->norm.data, r->norm.len);
            crypto_auth_hmacsha256_final(&st, mac);
            sodium_bin2hex(hex, sizeof(hex), mac, 5);
            sodium_memzero(r->norm.data, r->norm.len);
            return azk_buf_printf(&r->out, "[%s:%s]", tn, hex);
        }
    }
    return azk_error_set(AZK_ERR_ARG, "unknown redaction mode");
}

static int span_cmp(const void *a, const void *b)
{
    const struct span *x = a, *y = b;
    if (x->start != y->start)
        return x->start < y->start ? -1 : 1;
    return x->len > y->len ? -1 : (x->len < y->len ? 1 : 0);
}

/* Detect in text[0..len) (UTF-8, in r->utf8); spans sorted by start. */
static azk_status detect_spans(azk_redactor *r)
{
    azk_field field;
    azk_record rec;
    azk_status rc;
    memset(&field, 0, sizeof(field));
    memset(&rec, 0, sizeof(rec));
    field.ptr = (const char *)r->utf8.data;
    field.len = r->utf8.len;
    rec.line = 1;
    rec.fields = &field;
    rec.field_count = 1;
    r->span_count = 0;
    rc = azk_detect__record(r->ctx, &rec, collect, r, NULL);
    if (rc == AZK_OK && r->span_count > 1)
        qsort(r->spans, r->span_count, sizeof(*r->spans), span_cmp);
    return rc;
}

/*
 * Write r->utf8[from..to) with every value replaced. A value that began
 * before `from` (in the left context, detected differently this time) has
 * its remainder replaced too: nothing of a value is written in clear.
 */
static azk_status emit_range(azk_redactor *r, size_t from, size_t to, int rescue, size_t *replaced)
{
    size_t pos = from;
    azk_status rc;
    azk_buf_clear(&r->out);
    for (size_t i = 0; i < r->span_count; i++) {
        const struct span *s = &r->spans[i];
        size_t end = s->start + s->len;
        if (end <= pos || s->start >= to || end > r->utf8.len)
            continue; /* before, after, or overlapping one already replaced */
        rc = azk_buf_put(&r->out, r->utf8.data + pos, s->start > pos ? s->start - pos : 0);
        if (rc == AZK_OK)
            rc = put_replacement(r, s, rescue);
        if (rc != AZK_OK)
            return rc;
        pos = end;
        if (replaced != NULL)
            (*replaced)++;
    }
    if (pos < to) {
        rc = azk_buf_put(&r->out, r->utf8.data + pos, to - pos);
        if (rc != AZK_OK)
            return rc;
    }
    return AZK_OK;
}

static azk_status write_out(azk_redactor *r, azk_redact_write_cb write, void *payload)
{
    if (r->out.len > 0 && write((const char *)r->out.data, r->out.len, payload) != 0)
        return azk_error_set(AZK_ERR_IO, "redact: write failed");
    return AZK_OK;
}

/*
 * MASK mode: r->out (the piece about to be written) is scanned again behind
 * octx (what was written of the line before it) and what is still found is
 * blanked, until nothing is found or the last round put "[type]". Then
 * octx keeps the last LEFT_CONTEXT bytes written (none after the line end).
 */
static azk_status rescue_out(azk_redactor *r, bool final)
{
    azk_status rc = AZK_OK;
    size_t from, keep;
    if (r->opts.mode == AZK_REDACT_MASK) {
        for (int rescue = 1; rescue <= RESCUE_ROUNDS; rescue++) {
            /* the masked piece is scanned; the clear text is wiped */
            sodium_memzero(r->utf8.data, r->utf8.len);
            azk_buf_clear(&r->utf8);
            rc = azk_buf_put(&r->utf8, r->octx.data, r->octx.len);
            if (rc == AZK_OK)
                rc = azk_buf_put(&r->utf8, r->out.data, r->out.len);
            if (rc == AZK_OK)
                rc = detect_spans(r);
            if (rc != AZK_OK)
                return rc;
            from = r->octx.len;
            if (r->span_count == 0)
                break;
            sodium_memzero(r->out.data, r->out.len);
            rc = emit_range(r, from, r->utf8.len, rescue, NULL);
            if (rc != AZK_OK)
                return rc;
        }
    }
    if (final) {
        sodium_memzero(r->octx.data, r->octx.len);
        azk_buf_clear(&r->octx);
        return AZK_OK;
    }
    rc = azk_buf_put(&r->octx, r->out.data, r->out.len);
    if (rc != AZK_OK || r->octx.len <= LEFT_CONTEXT)
        return rc;
    keep = r->octx.len - LEFT_CONTEXT;
    while (keep < r->octx.len && (r->octx.data[keep] & 0xC0) == 0x80)
        keep++; /* the context starts on a character */
    {
        size_t old = r->octx.len;
        azk_buf_consume(&r->octx, keep);
        sodium_memzero(r->octx.data + r->octx.len, old - r->octx.len);
    }
    return AZK_OK;
}

/* Move the first n bytes of pend out, wiping what the move leaves behind. */
static void pend_consume(azk_redactor *r, size_t n)
{
    size_t old = r->pend.len;
    azk_buf_consume(&r->pend, n);
    sodium_memzero(r->pend.data + r->pend.len, old - r->pend.len);
}

/*
 * Redact pend[0..len) of the current line. With `final` the line ends
 * there (written whole, then "\n"); otherwise only up to a cut at least
 * OVERLAP bytes before len, moved behind any value that crosses it, and
 * LEFT_CONTEXT bytes before the cut stay in pend as context.
 */
static azk_status redact_part(azk_redactor *r, size_t len, bool final, azk_redact_write_cb write,
                              void *payload, size_t *replaced)
{
    size_t cut, keep;
    azk_status rc;
    azk_buf_clear(&r->utf8);
    rc = azk_buf_put(&r->utf8, r->pend.data, len);
    if (rc != AZK_OK)
        return rc;
    rc = detect_spans(r);
    if (rc != AZK_OK)
        goto done;
    if (final) {
        cut = len;
    } else {
        bool moved = true;
        cut = len - OVERLAP;
        while (cut > r->ctx_len && (r->utf8.data[cut] & 0xC0) == 0x80)
            cut--; /* pend is valid UTF-8: cut before a character */
        while (moved) {
            moved = false;
            for (size_t i = 0; i < r->span_count; i++) {
                const struct span *s = &r->spans[i];
                if (s->start < cut && s->start + s->len > cut && s->start + s->len <= len) {
                    cut = s->start + s->len;
                    moved = true;
                }
            }
        }
    }
    rc = emit_range(r, r->ctx_len, cut, 0, replaced);
    if (rc == AZK_OK)
        rc = rescue_out(r, final);
    if (rc == AZK_OK && final)
        rc = azk_buf_putc(&r->out, '\n');
    if (rc == AZK_OK)
        rc = write_out(r, write, payload);
    if (rc != AZK_OK)
        goto done;
    if (final) {
        pend_consume(r, len);
        r->ctx_len = 0;
    } else {
        keep = cut > LEFT_CONTEXT ? cut - LEFT_CONTEXT : 0;
        while (keep < cut && (r->pend.data[keep] & 0xC0) == 0x80)
            keep++; /* the context starts on a character */
        pend_consume(r, keep);
        r->ctx_len = cut - keep;
    }
done:
    /* the clear text does not outlive the call */
    sodium_memzero(r->utf8.data, r->utf8.len);
    sodium_memzero(r->out.data, r->out.len);
    return rc;
}

/* Write every complete line of pend, and windows of a line longer than REDACT_WINDOW. */
static azk_status drain(azk_redactor *r, azk_redact_write_cb write, void *payload)
{
    azk_status rc;
    for (;;) {
        const uint8_t *nl = r->pend.len > r->ctx_len
                                ? memchr(r->pend.data + r->ctx_len, '\n', r->pend.len - r->ctx_len)
                                : NULL;
        if (nl != NULL) {
            size_t e = (size_t)(nl - r->pend.data), len = e;
            if (len > r->ctx_len && r->pend.data[len - 1] == '\r')
                len--;
            /* the line, without its end; then drop the end itself */
            rc = redact_part(r, len, true, write, payload, NULL);
            if (rc != AZK_OK)
                return rc;
            pend_consume(r, e - len + 1);
            continue;
        }
        if (r->pend.len - r->ctx_len <= REDACT_WINDOW)
            return AZK_OK;
        rc = redact_part(r, r->ctx_len + REDACT_WINDOW, false, write, payload, NULL);
        if (rc != AZK_OK)
            return rc;
    }
}

/* Length of the sequence a UTF-8 lead byte starts (1 for anything else). */
static size_t utf8_seq_len(uint8_t c)
{
    if ((c & 0xE0) == 0xC0)
        return 2;
    if ((c & 0xF0) == 0xE0)
        return 3;
    if ((c & 0xF8) == 0xF0)
        return 4;
    return 1;
}

/* Length of an incomplete but so far plausible UTF-8 sequence at the end of p[0..n). */
static size_t utf8_incomplete_tail(const uint8_t *p, size_t n)
{
    for (size_t k = 1; k <= 3 && k <= n; k++) {
        uint8_t c = p[n - k];
        if ((c & 0xC0) == 0x80)
            continue;
        return utf8_seq_len(c) > k ? k : 0;
    }
    return 0;
}

/* Append UTF-8 text to pend, invalid sequences as U+FFFD. */
static azk_status put_valid(azk_redactor *r, const uint8_t *p, size_t n)
{
    size_t i = 0;
    while (i < n) {
        uint32_t cp;
        size_t l = azk_utf8_decode(p + i, n - i, &cp);
        azk_status rc = (cp == 0xFFFD && l == 1) ? azk_buf_puts(&r->pend, "\xEF\xBF\xBD")
                                                 : azk_buf_put(&r->pend, p + i, l);
        if (rc != AZK_OK)
            return rc;
        i += l;
    }
    return AZK_OK;
}

/* Append input bytes to pend as UTF-8 (invalid input becomes U+FFFD). */
static azk_status append_utf8(azk_redactor *r, const uint8_t *p, size_t n, bool flush)
{
    azk_status rc = AZK_OK;
    if (r->conv == NULL) {
        size_t t;
        if (r->tail_len > 0) {
            /* complete the character split by the previous chunk */
            size_t need = utf8_seq_len(r->tail[0]);
            while (r->tail_len < need && n > 0 && (p[0] & 0xC0) == 0x80) {
                r->tail[r->tail_len++] = p[0];
                p++;
                n--;
            }
            if (r->tail_len < need && n == 0 && !flush)
                return AZK_OK; /* still incomplete */
            rc = put_valid(r, r->tail, r->tail_len);
            sodium_memzero(r->tail, sizeof(r->tail));
            r->tail_len = 0;
            if (rc != AZK_OK)
                return rc;
        }
        t = flush ? 0 : utf8_incomplete_tail(p, n);
        rc = put_valid(r, p, n - t);
        if (rc == AZK_OK && t > 0) {
            memcpy(r->tail, p + n - t, t);
            r->tail_len = t;
        }
        return rc;
    }
    {
        /* ICU keeps a character split between chunks in the converter */
        const char *src = (const char *)p, *src_end = n > 0 ? src + n : src; /* p may be NULL */
        UChar u16[4096];
        char u8[4096 * 3 + 4];
        do {
            UErrorCode ue = U_ZERO_ERROR;
            UChar *t16 = u16;
            int32_t n8 = 0;
            ucnv_toUnicode(r->conv, &t16, u16 + 4096, &src, src_end, NULL, flush, &ue);
            if (ue != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(ue))
                return azk_error_set(AZK_ERR_FORMAT, "conversion failed: %s", u_errorName(ue));
            ue = U_ZERO_ERROR;
            u_strToUTF8WithSub(u8, (int32_t)sizeof(u8), &n8, u16, (int32_t)(t16 - u16), 0xFFFD,
                               NULL, &ue);
            if (U_FAILURE(ue))
                return azk_error_set(AZK_ERR_FORMAT, "conversion failed: %s", u_errorName(ue));
            rc = azk_buf_put(&r->pend, u8, (size_t)n8);
            sodium_memzero(u16, sizeof(u16));
            sodium_memzero(u8, sizeof(u8));
            if (rc != AZK_OK)
                return rc;
        } while (src < src_end);
    }
    return AZK_OK;
}

/* Decoding errors and Japanese letters of line[0..len) read as `icu`: a score. */
static azk_status try_encoding(const char *icu, const char *line, size_t len, UConverter **out,
                               long *score)
{
    UErrorCode ue = U_ZERO_ERROR;
    UConverter *c = NULL;
    UChar *u16 = NULL;
    size_t cap = len * 2 + 2;
    int32_t n16;
    long good = 0, bad = 0;
    azk_status rc = AZK_OK;
    u16 = azk_malloc(cap * sizeof(UChar));
    if (u16 == NULL)
        return azk_error_nomem();
    c = ucnv_open(icu, &ue);
    if (U_FAILURE(ue) || c == NULL) {
        rc = azk_error_set(AZK_ERR_UNSUPPORTED, "ICU converter %s unavailable", icu);
        goto done;
    }
    n16 = ucnv_toUChars(c, u16, (int32_t)cap, line, (int32_t)len, &ue);
    if (U_FAILURE(ue)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "conversion failed: %s", u_errorName(ue));
        goto done;
    }
    for (int32_t i = 0; i < n16; i++) {
        UChar u = u16[i];
        if (u == 0xFFFD || u == 0x1A || (u >= 0xE000 && u <= 0xF8FF))
            bad++;
        else if ((u >= 0x3040 && u <= 0x30FF) || (u >= 0x4E00 && u <= 0x9FFF))
            good++;
    }
    *out = c;
    c = NULL;
    *score = good - 8 * bad;
done:
    if (c != NULL)
        ucnv_close(c);
    azk_free_secret(u16, cap * sizeof(UChar));
    return rc;
}

/*
 * Decide the encoding from line[0..len), which starts at the first
 * non-ASCII byte of the input: valid UTF-8 is UTF-8; otherwise CP932 or
 * EUC-JP, the one that decodes it with fewer errors and more kana and kanji
 * (CP932 on a tie). A character cut at the end of a partial line does not
 * count. UTF-16 is not sniffed here (give the encoding).
 */
static azk_status sniff(azk_redactor *r, const char *line, size_t len, bool whole)
{
    size_t i = 0;
    bool utf8 = true;
    UConverter *sj = NULL, *euc = NULL;
    long ssj = 0, seuc = 0;
    azk_status rc;
    if (!whole)
        len -= utf8_incomplete_tail((const uint8_t *)line, len);
    while (i < len) {
        uint32_t cp;
        size_t l = azk_utf8_decode((const uint8_t *)line + i, len - i, &cp);
        if (cp == 0xFFFD && l == 1) {
            utf8 = false;
            break;
        }
        i += l;
    }
    r->decided = true;
    if (utf8)
        return AZK_OK;
    rc = try_encoding("ibm-943_P15A-2003", line, len, &sj, &ssj);
    if (rc == AZK_OK)
        rc = try_encoding("ibm-33722_P12A_P12A-2009_U2", line, len, &euc, &seuc);
    if (rc == AZK_OK) {
        r->conv = seuc > ssj ? euc : sj;
        if (seuc > ssj)
            euc = NULL;
        else
            sj = NULL;
    }
    if (sj != NULL)
        ucnv_close(sj);
    if (euc != NULL)
        ucnv_close(euc);
    return rc;
}

/* Wipe the stream state of the current input (not the encoding). */
static void stream_reset(azk_redactor *r)
{
    sodium_memzero(r->pend.data, r->pend.len);
    azk_buf_clear(&r->pend);
    sodium_memzero(r->raw.data, r->raw.len);
    azk_buf_clear(&r->raw);
    sodium_memzero(r->octx.data, r->octx.len);
    azk_buf_clear(&r->octx);
    sodium_memzero(r->tail, sizeof(r->tail));
    r->ctx_len = 0;
    r->tail_len = 0;
    if (r->conv != NULL)
        ucnv_reset(r->conv);
}

void azk_redactor_begin(azk_redactor *r)
{
    if (r == NULL)
        return;
    stream_reset(r);
    r->first_done = false;
    if (!r->enc_given) {
        r->decided = false;
        if (r->conv != NULL)
            ucnv_close(r->conv);
        r->conv = NULL;
    }
}

/* Pass raw (decided now) on to pend, and wipe it. */
static azk_status raw_release(azk_redactor *r)
{
    azk_status rc = append_utf8(r, r->raw.data, r->raw.len, false);
    sodium_memzero(r->raw.data, r->raw.len);
    azk_buf_clear(&r->raw);
    return rc;
}

/*
 * Input bytes to pend: a UTF-8 byte order mark at the start of an input is
 * dropped (UTF-8 or undecided); while undecided, ASCII passes and the first
 * non-ASCII line waits in raw for the sniff.
 */
static azk_status feed(azk_redactor *r, const uint8_t *p, size_t n, bool flush)
{
    static const uint8_t bom[3] = {0xEF, 0xBB, 0xBF};
    azk_status rc;
    if (!r->first_done) {
        if (r->conv != NULL) {
            r->first_done = true;
        } else {
            while (n > 0 && r->raw.len < 3 && p[0] == bom[r->raw.len]) {
                rc = azk_buf_putc(&r->raw, (char)p[0]);
                if (rc != AZK_OK)
                    return rc;
                p++;
                n--;
            }
            if (r->raw.len == 3) {
                azk_buf_clear(&r->raw); /* the mark itself: dropped */
                r->decided = true;
                r->first_done = true;
            } else if (n > 0 || flush) {
                r->first_done = true; /* a prefix of the mark only: data */
            } else {
                return AZK_OK; /* more is needed to tell */
            }
        }
    }
    if (!r->decided) {
        if (r->raw.len == 0) {
            size_t a = 0;
            while (a < n && p[a] < 0x80)
                a++;
            rc = append_utf8(r, p, a, false); /* ASCII reads the same in all */
            if (rc != AZK_OK)
                return rc;
            if (a > 0) {
                p += a;
                n -= a;
            }
        }
        if (n > 0 || r->raw.len > 0) {
            const uint8_t *nl = n > 0 ? memchr(p, '\n', n) : NULL;
            size_t take = nl != NULL ? (size_t)(nl - p) + 1 : n;
            size_t room = r->raw.len < SNIFF_MAX ? SNIFF_MAX - r->raw.len : 0;
            bool whole = nl != NULL && take <= room; /* the line's end is in raw */
            if (take > room)
                take = room;
            rc = azk_buf_put(&r->raw, p, take);
            if (rc != AZK_OK)
                return rc;
            if (take > 0) {
                p += take;
                n -= take;
            }
            if (!whole && n == 0 && !flush && r->raw.len < SNIFF_MAX)
                return AZK_OK; /* the line goes on */
            rc = sniff(r, (const char *)r->raw.data, r->raw.len, whole || (flush && n == 0));
            if (rc != AZK_OK)
                return rc;
        }
    }
    if (r->raw.len > 0) {
        rc = raw_release(r);
        if (rc != AZK_OK)
            return rc;
    }
    return append_utf8(r, p, n, flush);
}

azk_status azk_redactor_write(azk_redactor *r, const char *data, size_t len,
                              azk_redact_write_cb write, void *payload)
{
    azk_status rc;
    AZK_ASSERT_ARG(r != NULL && write != NULL && (data != NULL || len == 0));
    rc = feed(r, (const uint8_t *)data, len, false);
    if (rc != AZK_OK)
        return rc;
    return drain(r, write, payload);
}

azk_status azk_redactor_finish(azk_redactor *r, azk_redact_write_cb write, void *payload)
{
    azk_status rc;
    AZK_ASSERT_ARG(r != NULL && write != NULL);
    rc = feed(r, NULL, 0, true);
    if (rc == AZK_OK)
        rc = drain(r, write, payload);
    if (rc == AZK_OK && r->pend.len > r->ctx_len)
        rc = redact_part(r, r->pend.len, true, write, payload, NULL);
    /* ready for the next stream (of the same input, unless begin is called) */
    stream_reset(r);
    return rc;
}

azk_status azk_redactor_line(azk_redactor *r, const char *line, size_t len,
                             azk_redact_write_cb write, void *payload, size_t *replaced)
{
    azk_status rc;
    AZK_ASSERT_ARG(r != NULL);
    AZK_ASSERT_ARG(write != NULL);
    if (replaced != NULL)
        *replaced = 0;
    /* one line: whatever a previous stream left is not part of it */
    stream_reset(r);
    rc = feed(r, (const uint8_t *)line, len, true);
    while (rc == AZK_OK && r->pend.len - r->ctx_len > REDACT_WINDOW)
        rc = redact_part(r, r->ctx_len + REDACT_WINDOW, false, write, payload, replaced);
    if (rc == AZK_OK)
        rc = redact_part(r, r->pend.len, true, write, payload, replaced);
    stream_reset(r);
    return rc;
}

azk_status azk_redact_key_load(unsigned char key[32], const char *home, bool create)
{
    azk_buf path = AZK_BUF_INIT;
    azk_status rc;
    int fd = -1;
    ssize_t n;
    AZK_ASSERT_ARG(home != NULL);
    rc = azk__lib_init();
    if (rc != AZK_OK)
        return rc;
    rc = azk_buf_printf(&path, "%s/keys/redact.key", home);
    if (rc != AZK_OK)
        goto done;
    fd = open((const char *)path.data, O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) {
        azk_buf dir = AZK_BUF_INIT;
        rc = azk_buf_printf(&dir, "%s/keys", home);
        if (rc == AZK_OK && mkdir(home, 0700) != 0 && errno != EEXIST)
            rc = azk_error_errno("mkdir home");
        if (rc == AZK_OK && mkdir((const char *)dir.data, 0700) != 0 && errno != EEXIST)
            rc = azk_error_errno("mkdir keys");
        azk_buf_dispose(&dir);
        if (rc != AZK_OK)
            goto done;
        fd = open((const char *)path.data, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0) {
            rc = azk_error_errno("create redact key");
            goto done;
        }
        randombytes_buf(key, 32);
        n = write(fd, key, 32);
        if (n != 32 || fsync(fd) != 0) {
            rc = azk_error_errno("write redact key");
            goto done;
        }
        rc = AZK_OK;
        goto done;
    }
    if (fd < 0) {
        rc = azk_error_errno("open redact key");
        goto done;
    }
    n = read(fd, key, 32);
    if (n != 32)
        rc = azk_error_set(AZK_ERR_INTEGRITY, "redact key file is not 32 bytes");
done:
    if (fd >= 0)
        close(fd);
    azk_buf_dispose(&path);
    return rc;
}
