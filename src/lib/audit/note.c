/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit/note.c -- signed notes and checkpoints, untrusted input.
 *
 * Signed notes follow C2SP signed-note (https://c2sp.org/signed-note, as
 * implemented by golang.org/x/mod/sumdb/note): UTF-8 text ending in '\n',
 * a blank line, then signature lines "— <key name> <base64(key id ||
 * signature)>\n" where key id = SHA-256(name || 0x0A || 0x01 || pk)[:4]
 * (0x01 = Ed25519) and the Ed25519 signature covers the text including its
 * final newline. Verifier keys are "<name>+<hex key id>+<base64(0x01||pk)>";
 * signer keys "PRIVATE+KEY+<name>+<hex key id>+<base64(0x01||seed)>".
 * Checkpoints follow C2SP tlog-checkpoint (https://c2sp.org/tlog-checkpoint):
 * the text is "<origin>\n<decimal size>\n<base64 root>\n" plus optional
 * non-empty extension lines, which we accept and ignore.
 */
#include "audit/audit_int.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define SIG_PREFIX "\xe2\x80\x94 " /* U+2014 em dash, space */
#define MAX_SIGS   100

azk_status azk_audit__b64_put(azk_buf *out, const uint8_t *bin, size_t len)
{
    size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL);
    azk_status rc = azk_buf_grow(out, n);
    if (rc != AZK_OK)
        return rc;
    sodium_bin2base64((char *)out->data + out->len, n, bin, len, sodium_base64_VARIANT_ORIGINAL);
    out->len += n - 1;
    out->data[out->len] = '\0';
    return AZK_OK;
}

azk_status azk_audit__b64_get(const char *text, size_t text_len, uint8_t *bin, size_t len)
{
    size_t got = 0;
    const char *end = NULL;
    char canon[512];
    if (text_len != sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL) - 1 ||
        text_len >= sizeof(canon))
        return azk_error_set(AZK_ERR_FORMAT, "base64: wrong length %zu for %zu bytes", text_len,
                             len);
    if (sodium_base642bin(bin, len, text, text_len, NULL, &got, &end,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        got != len || end != text + text_len)
        return azk_error_set(AZK_ERR_FORMAT, "base64: invalid encoding");
    /* canonical: re-encoding gives the same text (no stray low bits) */
    sodium_bin2base64(canon, sizeof(canon), bin, len, sodium_base64_VARIANT_ORIGINAL);
    if (memcmp(canon, text, text_len) != 0)
        return azk_error_set(AZK_ERR_FORMAT, "base64: not canonical");
    return AZK_OK;
}

uint32_t azk_audit__key_hash(const char *name, const uint8_t pk[32])
{
    crypto_hash_sha256_state st;
    uint8_t h[32];
    static const uint8_t sep[2] = {0x0A, 0x01};
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)name, strlen(name));
    crypto_hash_sha256_update(&st, sep, 2);
    crypto_hash_sha256_update(&st, pk, 32);
    crypto_hash_sha256_final(&st, h);
    return (uint32_t)h[0] << 24 | (uint32_t)h[1] << 16 | (uint32_t)h[2] << 8 | h[3];
}

/*
 * A key name: non-empty UTF-8 without spaces (Go's unicode.IsSpace) or '+',
 * as golang.org/x/mod/sumdb/note's isValidName: other characters, U+007F
 * included, are allowed (the note's own check refuses C0 controls).
 */
static int name_ok(const char *s, size_t n)
{
    if (n == 0 || n >= 256 || !azk_utf8_valid((const uint8_t *)s, n))
        return 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp;
        size_t l = azk_utf8_decode((const uint8_t *)s + i, n - i, &cp);
        if (cp <= 0x20 || cp == '+' || cp == 0x85 || cp == 0xA0 || cp == 0x1680 ||
            (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F ||
            cp == 0x205F || cp == 0x3000)
            return 0;
        i += l;
    }
    return 1;
}

static int parse_hex32(const char *s, size_t n, uint32_t *out)
{
    uint32_t v = 0;
    if (n != 8)
        return 0;
    for (size_t i = 0; i < 8; i++) {
        char c = s[i];
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if (c >= 'a' && c <= 'f')
            d = c - 'a' + 10;
        else
            return 0;
        v = v << 4 | (uint32_t)d;
    }
    *out = v;
    return 1;
}

/* "<name>+<hash>+<base64(0x01||32 bytes)>" into name, hash, key bytes */
static azk_status parse_key_text(const char *t, size_t n, struct azk_audit__key *k, uint8_t key[32],
                                 const char *what)
{
    const char *p1 = memchr(t, '+', n), *p2;
    uint8_t raw[33];
    uint32_t h;
    if (p1 == NULL)
        return azk_error_set(AZK_ERR_ARG, "%s: malformed", what);
    p2 = memchr(p1 + 1, '+', n - (size_t)(p1 + 1 - t));
    if (p2 == NULL || !name_ok(t, (size_t)(p1 - t)) ||
        !parse_hex32(p1 + 1, (size_t)(p2 - p1 - 1), &h))
        return azk_error_set(AZK_ERR_ARG, "%s: malformed", what);
    if (azk_audit__b64_get(p2 + 1, n - (size_t)(p2 + 1 - t), raw, 33) != AZK_OK || raw[0] != 0x01)
        return azk_error_set(AZK_ERR_ARG, "%s: malformed or not an Ed25519 key", what);
    memcpy(k->name, t, (size_t)(p1 - t));
    k->name[p1 - t] = '\0';
    k->hash = h;
    memcpy(key, raw + 1, 32);
    sodium_memzero(raw, sizeof(raw));
    return AZK_OK;
}

static size_t trim_len(const char *t, size_t n)
{
    while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == '\r' || t[n - 1] == ' '))
        n--;
    return n;
}

azk_status azk_audit__vkey_parse(struct azk_audit__key *k, const char *text, size_t len)
{
    azk_status rc;
    memset(k, 0, sizeof(*k));
    len = trim_len(text, len);
    rc = parse_key_text(text, len, k, k->pk, "verifier key");
    if (rc != AZK_OK)
        return rc;
    if (azk_audit__key_hash(k->name, k->pk) != k->hash)
        return azk_error_set(AZK_ERR_ARG, "verifier key: key id does not match the key");
    return AZK_OK;
}

azk_status azk_audit__skey_parse(struct azk_audit__key *k, const char *text, size_t len)
{
    static const char pre[] = "PRIVATE+KEY+";
    uint8_t seed[32];
    azk_status rc;
    memset(k, 0, sizeof(*k));
    len = trim_len(text, len);
    if (len < sizeof(pre) - 1 || memcmp(text, pre, sizeof(pre) - 1) != 0)
        return azk_error_set(AZK_ERR_ARG, "signer key: malformed");
    rc = parse_key_text(text + sizeof(pre) - 1, len - (sizeof(pre) - 1), k, seed, "signer key");
    if (rc != AZK_OK)
        return rc;
    crypto_sign_seed_keypair(k->pk, k->sk, seed);
    sodium_memzero(seed, sizeof(seed));
    k->has_sk = 1;
    if (azk_audit__key_hash(k->name, k->pk) != k->hash) {
        sodium_memzero(k, sizeof(*k));
        return azk_error_set(AZK_ERR_ARG, "signer key: key id does not match the key");
    }
    return AZK_OK;
}

static azk_status key_format(const struct azk_audit__key *k, const uint8_t key[32], azk_buf *out)
{
    uint8_t raw[33];
    azk_status rc;
    raw[0] = 0x01;
    memcpy(raw + 1, key, 32);
    rc = azk_buf_printf(out, "%s+%08x+", k->name, k->hash);
    if (rc == AZK_OK)
        rc = azk_audit__b64_put(out, raw, 33);
    sodium_memzero(raw, sizeof(raw));
    return rc;
}

azk_status azk_audit__vkey_format(const struct azk_audit__key *k, azk_buf *out)
{
    return key_format(k, k->pk, out);
}

azk_status azk_audit__skey_format(const struct azk_audit__key *k, azk_buf *out)
{
    azk_status rc = azk_buf_puts(out, "PRIVATE+KEY+");
    if (rc != AZK_OK)
        return rc;
    /* libsodium's secret key is seed || pk */
    return key_format(k, k->sk, out);
}

azk_status azk_audit__note_sign(const struct azk_audit__key *k, const char *text, size_t len,
                                azk_buf *out)
{
    uint8_t sig[4 + crypto_sign_BYTES];
    azk_status rc;
    if (!k->has_sk)
        return azk_error_set(AZK_ERR_ARG, "note: no signer key");
    if (len == 0 || text[len - 1] != '\n')
        return azk_error_set(AZK_ERR_ARG, "note: text must end in a newline");
    sig[0] = (uint8_t)(k->hash >> 24);
    sig[1] = (uint8_t)(k->hash >> 16);
    sig[2] = (uint8_t)(k->hash >> 8);
    sig[3] = (uint8_t)k->hash;
    crypto_sign_detached(sig + 4, NULL, (const uint8_t *)text, len, k->sk);
    rc = azk_buf_put(out, text, len);
    if (rc == AZK_OK)
        rc = azk_buf_printf(out, "\n" SIG_PREFIX "%s ", k->name);
    if (rc == AZK_OK)
        rc = azk_audit__b64_put(out, sig, sizeof(sig));
    if (rc == AZK_OK)
        rc = azk_buf_putc(out, '\n');
    return rc;
}

azk_status azk_audit__note_open(const struct azk_audit__key *k, const char *note, size_t len,
                                size_t *text_len)
{
    size_t split = 0, pos, nsig = 0;
    int found = 0, good = 0;
    if (len == 0 || len > 1024 * 1024 || note[len - 1] != '\n')
        return azk_error_set(AZK_ERR_FORMAT, "note: empty, too large or not ending in newline");
    if (!azk_utf8_valid((const uint8_t *)note, len))
        return azk_error_set(AZK_ERR_FORMAT, "note: not valid UTF-8");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)note[i];
        if (c == '\r')
            return azk_error_set(AZK_ERR_FORMAT,
                                 "note: carriage return at byte %zu: the checkpoint has CRLF "
                                 "(Windows) line endings, signed notes use LF only; convert it "
                                 "(e.g. dos2unix) and check again",
                                 i);
        if (c < 0x20 && c != '\n')
            return azk_error_set(AZK_ERR_FORMAT, "note: control character at byte %zu", i);
    }
    /* the signatures start after the last blank line */
    for (size_t i = len - 1; i > 0; i--) {
        if (note[i] == '\n' && note[i - 1] == '\n') {
            split = i;
            break;
        }
    }
    if (split == 0)
        return azk_error_set(AZK_ERR_FORMAT, "note: no blank line before signatures");
    pos = split + 1;
    while (pos < len) {
        const char *line = note + pos;
        const char *nl = memchr(line, '\n', len - pos);
        size_t ll = (size_t)(nl - line);
        const char *name, *sp;
        uint8_t sig[4 + 64];
        uint32_t h;
        if (++nsig > MAX_SIGS)
            return azk_error_set(AZK_ERR_FORMAT, "note: more than %d signatures", MAX_SIGS);
        if (ll < 4 || memcmp(line, SIG_PREFIX, 4) != 0)
            return azk_error_set(AZK_ERR_FORMAT, "note: malformed signature line %zu", nsig);
        name = line + 4;
        sp = memchr(name, ' ', ll - 4);
        if (sp == NULL || !name_ok(name, (size_t)(sp - name)))
            return azk_error_set(AZK_ERR_FORMAT, "note: malformed signature line %zu", nsig);
        {
            /*
             * Signatures of other keys may be of any length (an ML-DSA-44
             * witness cosignature is 2,420 bytes): decode whatever is there,
             * as Go's note.Open does; only ours is checked.
             */
            size_t b64len = (size_t)(nl - sp - 1);
            size_t cap = b64len / 4 * 3 + 3;
            uint8_t *raw;
            size_t got = 0;
            const char *end = NULL;
            int bad;
            if (b64len == 0)
                return azk_error_set(AZK_ERR_FORMAT, "note: malformed signature line %zu", nsig);
            raw = azk_malloc(cap);
            if (raw == NULL)
                return azk_error_nomem();
            bad = sodium_base642bin(raw, cap, sp + 1, b64len, NULL, &got, &end,
                                    sodium_base64_VARIANT_ORIGINAL) != 0 ||
                  end != nl || got < 5;
            if (bad) {
                azk_free(raw);
                return azk_error_set(AZK_ERR_FORMAT, "note: malformed signature line %zu", nsig);
            }
            h = (uint32_t)raw[0] << 24 | (uint32_t)raw[1] << 16 | (uint32_t)raw[2] << 8 | raw[3];
            if (!found && (size_t)(sp - name) == strlen(k->name) &&
                memcmp(name, k->name, strlen(k->name)) == 0 && h == k->hash) {
                found = 1;
                if (got == sizeof(sig)) {
                    memcpy(sig, raw, sizeof(sig));
                    good = crypto_sign_verify_detached(sig + 4, (const uint8_t *)note, split,
                                                       k->pk) == 0;
                }
            }
            azk_free(raw);
        }
        pos += ll + 1;
    }
    if (!found)
        return azk_error_set(AZK_ERR_CRYPTO, "note: not signed by key %s+%08x", k->name, k->hash);
    if (!good)
        return azk_error_set(AZK_ERR_CRYPTO, "note: invalid signature by key %s+%08x", k->name,
                             k->hash);
    *text_len = split;
    return AZK_OK;
}

azk_status azk_audit__checkpoint_parse(const char *text, size_t len, azk_audit_checkpoint_info *out)
{
    const char *l1, *l2, *l3, *end = text + len;
    uint64_t size = 0;
    memset(out, 0, sizeof(*out));
    l1 = memchr(text, '\n', len);
    if (l1 == NULL)
        return azk_error_set(AZK_ERR_FORMAT, "checkpoint: missing origin line");
    l2 = memchr(l1 + 1, '\n', (size_t)(end - l1 - 1));
    if (l2 == NULL)
        return azk_error_set(AZK_ERR_FORMAT, "checkpoint: missing size line");
    l3 = memchr(l2 + 1, '\n', (size_t)(end - l2 - 1));
    if (l3 == NULL)
        return azk_error_set(AZK_ERR_FORMAT, "checkpoint: missing root hash line");
    if (l1 == text || (size_t)(l1 - text) >= sizeof(out->origin))
        return azk_error_set(AZK_ERR_FORMAT, "checkpoint: empty or too long origin");
    if (!azk_utf8_valid((const uint8_t *)text, (size_t)(l1 - text)))
        return azk_error_set(AZK_ERR_FORMAT, "checkpoint: origin is not UTF-8");
    for (const char *p = text; p < l1; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7F)
            return azk_error_set(AZK_ERR_FORMAT, "checkpoint: control character in origin");
    }
    if (l2 == l1 + 1 || (l2 - l1 - 1 > 1 && l1[1] == '0') || l2 - l1 - 1 > 20)
        return azk_error_set(AZK_ERR_FORMAT, "checkpoint: malformed tree size");
    for (const char *p = l1 + 1; p < l2; p++) {
        if (*p < '0' || *p > '9' || size > (UINT64_MAX - 9) / 10)
            return azk_error_set(AZK_ERR_FORMAT, "checkpoint: malformed tree size");
        size = size * 10 + (uint64_t)(*p - '0');
    }
    if (azk_audit__b64_get(l2 + 1, (size_t)(l3 - l2 - 1), out->root, HLEN) != AZK_OK)
        return azk_error_set(AZK_ERR_FORMAT, "checkpoint: malformed root hash");
    /* extension lines: non-empty, ignored */
    for (const char *p = l3 + 1; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (nl == NULL || nl == p)
            return azk_error_set(AZK_ERR_FORMAT, "checkpoint: malformed extension line");
        p = nl + 1;
    }
    memcpy(out->origin, text, (size_t)(l1 - text));
    out->origin[l1 - text] = '\0';
    out->size = size;
    return AZK_OK;
}

azk_status azk_audit__checkpoint_body(const char *origin, uint64_t size, const uint8_t root[HLEN],
                                      azk_buf *out)
{
    azk_status rc = azk_buf_printf(out, "%s\n%llu\n", origin, (unsigned long long)size);
    if (rc == AZK_OK)
        rc = azk_audit__b64_put(out, root, HLEN);
    if (rc == AZK_OK)
        rc = azk_buf_putc(out, '\n');
    return rc;
}

azk_status azk_audit_checkpoint_open(const char *note, size_t note_len, const char *vkey,
                                     azk_audit_checkpoint_info *out)
{
    struct azk_audit__key k;
    size_t tl = 0;
    azk_status rc;
    azk_error_clear();
    if (note == NULL || vkey == NULL || out == NULL)
        return azk_error_set(AZK_ERR_ARG, "checkpoint: missing argument");
    rc = azk_audit__vkey_parse(&k, vkey, strlen(vkey));
    if (rc != AZK_OK)
        return rc;
    rc = azk_audit__note_open(&k, note, note_len, &tl);
    if (rc != AZK_OK)
        return rc;
    return azk_audit__checkpoint_parse(note, tl, out);
}
