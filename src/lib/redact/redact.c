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
    bool decided;     /* the input encoding is known (given, or sniffed) */
    bool first_done;  /* the first line was seen (a UTF-8 BOM is dropped) */
    azk_buf utf8;     /* the line as UTF-8 */
    azk_buf out;
    azk_buf norm;
    UChar *u16;
    size_t u16_cap;
    struct span *spans;
    size_t span_count, span_cap;
};

azk_status azk_redactor_new(azk_redactor **out, const azk_redact_options *opts)
{
    azk_status rc;
    azk_redactor *r = NULL;
    azk_detect_options dop = AZK_DETECT_OPTIONS_INIT;
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
    r->decided = opts->encoding != NULL;
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
    azk_free_secret(r->u16, r->u16_cap * sizeof(UChar));
    azk_free_secret(r->spans, r->span_cap * sizeof(struct span));
    sodium_memzero(r->key, sizeof(r->key));
    azk_free(r);
}

void azk_redactor_begin(azk_redactor *r)
{
    if (r == NULL)
        return;
    r->first_done = false;
    if (r->opts.encoding == NULL) {
        r->decided = false;
        if (r->conv != NULL)
            ucnv_close(r->conv);
        r->conv = NULL;
    }
}

/* Decoding errors (U+FFFD, SUB) and Japanese letters of `line` read as `icu`. */
static azk_status try_encoding(azk_redactor *r, const char *icu, const char *line, size_t len,
                               UConverter **out, long *score)
{
    UErrorCode ue = U_ZERO_ERROR;
    UConverter *c = ucnv_open(icu, &ue);
    int32_t n16;
    long good = 0, bad = 0;
    if (U_FAILURE(ue) || c == NULL)
        return azk_error_set(AZK_ERR_UNSUPPORTED, "ICU converter %s unavailable", icu);
    n16 = ucnv_toUChars(c, r->u16, (int32_t)r->u16_cap, line, (int32_t)len, &ue);
    if (U_FAILURE(ue)) {
        ucnv_close(c);
        return azk_error_set(AZK_ERR_FORMAT, "conversion failed: %s", u_errorName(ue));
    }
    for (int32_t i = 0; i < n16; i++) {
        UChar u = r->u16[i];
        if (u == 0xFFFD || u == 0x1A || (u >= 0xE000 && u <= 0xF8FF))
            bad++;
        else if ((u >= 0x3040 && u <= 0x30FF) || (u >= 0x4E00 && u <= 0x9FFF))
            good++;
    }
    sodium_memzero(r->u16, r->u16_cap * sizeof(UChar));
    *out = c;
    *score = good - 8 * bad;
    return AZK_OK;
}

/*
 * No --encoding: the first line that is not ASCII decides, as the scanner's
 * text decoder does on its prefix: valid UTF-8 is UTF-8; otherwise CP932 or
 * EUC-JP, the one that decodes the line with fewer errors and more kana
 * and kanji (CP932 on a tie). UTF-16 is not sniffed here: it has no lines
 * of bytes (give --encoding utf-16le / utf-16be).
 */
static azk_status sniff(azk_redactor *r, const char *line, size_t len)
{
    size_t i = 0;
    bool ascii = true, utf8 = true;
    UConverter *sj = NULL, *euc = NULL;
    long ssj = 0, seuc = 0;
    azk_status rc;
    while (i < len) {
        uint32_t cp;
        size_t l;
        if ((unsigned char)line[i] < 0x80) {
            i++;
            continue;
        }
        ascii = false;
        l = azk_utf8_decode((const uint8_t *)line + i, len - i, &cp);
        if (cp == 0xFFFD && l == 1) {
            utf8 = false;
            break;
        }
        i += l;
    }
    if (ascii)
        return AZK_OK; /* undecided until a line says more */
    r->decided = true;
    if (utf8)
        return AZK_OK;
    if (len > (size_t)INT32_MAX / 2)
        return azk_error_set(AZK_ERR_LIMIT, "line too long to convert");
    if (len * 2 + 2 > r->u16_cap) {
        UChar *nu = azk_realloc(r->u16, (len * 2 + 2) * sizeof(UChar));
        if (nu == NULL)
            return azk_error_nomem();
        r->u16 = nu;
        r->u16_cap = len * 2 + 2;
    }
    rc = try_encoding(r, "ibm-943_P15A-2003", line, len, &sj, &ssj);
    if (rc == AZK_OK)
        rc = try_encoding(r, "ibm-33722_P12A_P12A-2009_U2", line, len, &euc, &seuc);
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

static azk_status to_utf8(azk_redactor *r, const char *line, size_t len)
{
    UErrorCode ue = U_ZERO_ERROR;
    int32_t n16, n8;
    size_t need;
    azk_status rc;
    azk_buf_clear(&r->utf8);
    if (!r->first_done) {
        r->first_done = true;
        if (r->conv == NULL && len >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
            line += 3; /* UTF-8 byte order mark */
            len -= 3;
            r->decided = true;
        }
    }
    if (!r->decided) {
        rc = sniff(r, line, len);
        if (rc != AZK_OK)
            return rc;
    }
    if (r->conv == NULL) {
        /* keep valid UTF-8 as is; invalid bytes become U+FFFD */
        size_t i = 0;
        while (i < len) {
            uint32_t cp;
            size_t l = azk_utf8_decode((const uint8_t *)line + i, len - i, &cp);
            if (cp == 0xFFFD && l == 1)
                rc = azk_buf_puts(&r->utf8, "\xEF\xBF\xBD");
            else
                rc = azk_buf_put(&r->utf8, line + i, l);
            if (rc != AZK_OK)
                return rc;
            i += l;
        }
        return azk_buf_put(&r->utf8, "", 0);
    }
    if (len > (size_t)INT32_MAX / 2)
        return azk_error_set(AZK_ERR_LIMIT, "line too long to convert");
    need = len * 2 + 2;
    if (need > r->u16_cap) {
        UChar *nu = azk_realloc(r->u16, need * sizeof(UChar));
        if (nu == NULL)
            return azk_error_nomem();
        r->u16 = nu;
        r->u16_cap = need;
    }
    ucnv_reset(r->conv);
    n16 = ucnv_toUChars(r->conv, r->u16, (int32_t)r->u16_cap, line, (int32_t)len, &ue);
    if (U_FAILURE(ue))
        return azk_error_set(AZK_ERR_FORMAT, "conversion failed: %s", u_errorName(ue));
    rc = azk_buf_grow(&r->utf8, (size_t)n16 * 3 + 1);
    if (rc != AZK_OK)
        return rc;
    u_strToUTF8WithSub((char *)r->utf8.data, (int32_t)(r->utf8.cap - 1), &n8, r->u16, n16, 0xFFFD,
                       NULL, &ue);
    if (U_FAILURE(ue))
        return azk_error_set(AZK_ERR_FORMAT, "conversion failed: %s", u_errorName(ue));
    r->utf8.len = (size_t)n8;
    r->utf8.data[r->utf8.len] = '\0';
    return AZK_OK;
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

static azk_status put_replacement(azk_redactor *r, const struct span *s)
{
    const char *tn = azk_pii_type_name(s->type);
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

/* The findings of r->utf8 into r->spans. */
static azk_status find_spans(azk_redactor *r)
{
    azk_field field;
    azk_record rec;
    memset(&field, 0, sizeof(field));
    memset(&rec, 0, sizeof(rec));
    field.ptr = (const char *)r->utf8.data;
    field.len = r->utf8.len;
    rec.line = 1;
    rec.fields = &field;
    rec.field_count = 1;
    r->span_count = 0;
    return azk_detect__record(r->ctx, &rec, collect, r, NULL);
}

/*
 * r->out = r->utf8 with every span replaced: by the mode's replacement, or
 * (rescue > 0) by "***" and at the last rescue by "[type]".
 */
static azk_status replace_spans(azk_redactor *r, int rescue, size_t *replaced)
{
    azk_status rc;
    size_t pos = 0;
    azk_buf_clear(&r->out);
    for (size_t i = 0; i < r->span_count; i++) {
        const struct span *s = &r->spans[i];
        if (s->start < pos || s->start + s->len > r->utf8.len)
            continue; /* overlapping or out of range: already covered */
        rc = azk_buf_put(&r->out, r->utf8.data + pos, s->start - pos);
        if (rc == AZK_OK) {
            if (rescue == 0)
                rc = put_replacement(r, s);
            else if (rescue < 3)
                rc = azk_buf_puts(&r->out, "***");
            else
                rc = azk_buf_printf(&r->out, "[%s]", azk_pii_type_name(s->type));
        }
        if (rc != AZK_OK)
            return rc;
        pos = s->start + s->len;
        if (replaced != NULL && rescue == 0)
            (*replaced)++;
    }
    return azk_buf_put(&r->out, r->utf8.data + pos, r->utf8.len - pos);
}

azk_status azk_redactor_line(azk_redactor *r, const char *line, size_t len,
                             azk_redact_write_cb write, void *payload, size_t *replaced)
{
    azk_status rc;
    AZK_ASSERT_ARG(r != NULL);
    AZK_ASSERT_ARG(write != NULL);
    if (replaced != NULL)
        *replaced = 0;
    rc = to_utf8(r, line, len);
    if (rc != AZK_OK)
        return rc;
    rc = find_spans(r);
    if (rc != AZK_OK)
        return rc;
    rc = replace_spans(r, 0, replaced);
    /*
     * The default mask must leave nothing the scanner reports: a partial
     * mask can (氏名=秋元 ** is still a surname after a label; 住所=東京都
     * 千代田区*** a labelled prefecture + city). Scan the result again and
     * blank what is found, "***" twice, then "[type]" (never found).
     * AZK_REDACT_PARTIAL keeps the partial masks for display.
     */
    for (int rescue = 1;
         rc == AZK_OK && r->opts.mode == AZK_REDACT_MASK && r->span_count > 0 && rescue <= 3;
         rescue++) {
        azk_buf t = r->utf8;
        r->utf8 = r->out; /* the masked line is scanned; the clear one is wiped */
        r->out = t;
        sodium_memzero(r->out.data, r->out.len);
        rc = find_spans(r);
        if (rc == AZK_OK && r->span_count == 0) {
            t = r->utf8;
            r->utf8 = r->out;
            r->out = t;
            break;
        }
        if (rc == AZK_OK)
            rc = replace_spans(r, rescue, NULL);
    }
    if (rc == AZK_OK)
        rc = azk_buf_putc(&r->out, '\n');
    if (rc != AZK_OK)
        return rc;
    if (write((const char *)r->out.data, r->out.len, payload) != 0)
        rc = azk_error_set(AZK_ERR_IO, "redact: write failed");
    /* the clear line does not outlive the call */
    sodium_memzero(r->utf8.data, r->utf8.len);
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
