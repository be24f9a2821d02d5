/* SPDX-License-Identifier: Apache-2.0 */
/*
 * impact/seal.c -- notification lists encrypted to a client's X25519
 * public key: a random secretstream key sealed with crypto_box_seal
 * (anonymous sender), then the encrypted chunked stream of crypt/stream.h
 * (format in impact_int.h). Plaintext exists only in a wiped memory
 * buffer; the file is an outfile (util/outfile.c): a temporary, renamed
 * onto its name when complete.
 */
#include "impact/impact_int.h"
#include "crypt/stream.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEAL_MAGIC   "AZKN"
#define SEAL_VERSION 1
#define SEALED_LEN   (AZK_CRYPT_KEYBYTES + crypto_box_SEALBYTES)
#define HEAD_LEN     (8 + SEALED_LEN + AZK_CRYPT_HEADERBYTES)

struct azk_impact_sealer {
    azk_outfile *of;             /* temporary until finished (util/outfile.c) */
    struct azk_crypt_writer *cw; /* the chunks */
};

/* Sink of the chunks: the output file's stream (errors surface at commit too). */
static azk_status put_bytes(const uint8_t *p, size_t n, void *payload)
{
    struct azk_impact_sealer *s = payload;
    if (fwrite(p, 1, n, azk_outfile_stream(s->of)) != n)
        return azk_error_errno("impact: write notification list");
    return AZK_OK;
}

azk_status azk_impact__read_key(const char *path, uint8_t key[32])
{
    uint8_t buf[80];
    ssize_t n;
    size_t len;
    azk_status rc = AZK_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return azk_error_errno("impact: open key file");
    n = read(fd, buf, sizeof(buf));
    close(fd);
    if (n < 0)
        return azk_error_errno("impact: read key file");
    len = (size_t)n;
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
        len--;
    if (len == 32 && n == 32) {
        memcpy(key, buf, 32);
    } else if (len == 64) {
        for (size_t i = 0; i < 32; i++) {
            int hi = azk_hexval(buf[2 * i]);
            int lo = azk_hexval(buf[2 * i + 1]);
            if (hi < 0 || lo < 0) {
                rc = azk_error_set(AZK_ERR_FORMAT, "impact: key file is not 64 hex digits");
                break;
            }
            key[i] = (uint8_t)(hi << 4 | lo);
        }
    } else {
        rc = azk_error_set(AZK_ERR_FORMAT,
                           "impact: a key file holds 32 bytes or 64 hex digits (%zu bytes read)",
                           len);
    }
    sodium_memzero(buf, sizeof(buf));
    return rc;
}

void azk_impact__sealer_abort(struct azk_impact_sealer *s)
{
    if (s == NULL)
        return;
    azk_outfile_abort(s->of);
    azk_crypt__writer_free(s->cw);
    azk_free(s);
}

azk_status azk_impact__sealer_new(struct azk_impact_sealer **out, const char *path,
                                  const uint8_t pk[32])
{
    azk_status rc;
    struct azk_impact_sealer *s;
    uint8_t k[AZK_CRYPT_KEYBYTES];
    uint8_t head[HEAD_LEN];

    AZK_ASSERT_ARG(out != NULL && path != NULL && pk != NULL);
    *out = NULL;
    s = azk_calloc(1, sizeof(*s));
    if (s == NULL)
        return azk_error_nomem();
    memcpy(head, SEAL_MAGIC, 4);
    head[4] = SEAL_VERSION;
    head[5] = head[6] = head[7] = 0;
    crypto_secretstream_xchacha20poly1305_keygen(k);
    if (crypto_box_seal(head + 8, k, sizeof(k), pk) != 0) {
        rc = azk_error_set(AZK_ERR_CRYPTO, "impact: cannot seal the list key (bad public key)");
        goto done;
    }
    rc = azk_crypt__writer_new(&s->cw, "impact", k, head + 8 + SEALED_LEN, put_bytes, s);
    if (rc != AZK_OK)
        goto done;
    rc = azk_outfile_open(&s->of, path, 0600, 0);
    if (rc != AZK_OK)
        goto done;
    rc = put_bytes(head, sizeof(head), s);
    if (rc != AZK_OK)
        goto done;
    *out = s;
    s = NULL;
done:
    sodium_memzero(k, sizeof(k));
    azk_impact__sealer_abort(s);
    return rc;
}

azk_status azk_impact__sealer_write(struct azk_impact_sealer *s, const void *p, size_t n)
{
    AZK_ASSERT_ARG(s != NULL && (p != NULL || n == 0));
    return azk_crypt__writer_write(s->cw, p, n);
}

azk_status azk_impact__sealer_finish(struct azk_impact_sealer *s)
{
    azk_status rc;
    AZK_ASSERT_ARG(s != NULL);
    rc = azk_crypt__writer_finish(s->cw);
    if (rc == AZK_OK) {
        rc = azk_outfile_commit(s->of); /* fsync, rename; frees it even on failure */
        s->of = NULL;
    }
    azk_impact__sealer_abort(s);
    return rc;
}

static azk_status write_keyfile(const char *path, const uint8_t *key, int mode)
{
    char hex[65];
    azk_status rc;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return azk_error_errno("impact: create key file");
    sodium_bin2hex(hex, sizeof(hex), key, 32);
    hex[64] = '\n';
    rc = azk_crypt__write_all(fd, hex, sizeof(hex), "impact: key file");
    sodium_memzero(hex, sizeof(hex));
    if (rc == AZK_OK && fsync(fd) != 0)
        rc = azk_error_errno("impact: fsync key file");
    close(fd);
    if (rc != AZK_OK)
        (void)unlink(path);
    return rc;
}

azk_status azk_impact_keygen(const char *public_path, const char *secret_path)
{
    uint8_t pk[crypto_box_PUBLICKEYBYTES];
    uint8_t sk[crypto_box_SECRETKEYBYTES];
    azk_status rc;
    AZK_ASSERT_ARG(public_path != NULL && secret_path != NULL);
    azk_error_clear();
    if (sodium_init() < 0)
        return azk_error_set(AZK_ERR_CRYPTO, "impact: libsodium init failed");
    crypto_box_keypair(pk, sk);
    rc = write_keyfile(secret_path, sk, 0600);
    if (rc == AZK_OK) {
        rc = write_keyfile(public_path, pk, 0644);
        if (rc != AZK_OK)
            (void)unlink(secret_path);
    }
    sodium_memzero(sk, sizeof(sk));
    return rc;
}

azk_status azk_impact_decrypt_list(const char *path, const char *secret_key_path,
                                   azk_impact_write_cb cb, void *payload)
{
    azk_status rc;
    uint8_t sk[32];
    uint8_t pk[32];
    uint8_t k[AZK_CRYPT_KEYBYTES];
    uint8_t head[HEAD_LEN];
    size_t got;
    int fd = -1;

    AZK_ASSERT_ARG(path != NULL && secret_key_path != NULL && cb != NULL);
    azk_error_clear();
    if (sodium_init() < 0)
        return azk_error_set(AZK_ERR_CRYPTO, "impact: libsodium init failed");
    rc = azk_impact__read_key(secret_key_path, sk);
    if (rc != AZK_OK)
        return rc;
    crypto_scalarmult_base(pk, sk);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = azk_error_errno("impact: open notification list");
        goto done;
    }
    rc = azk_crypt__read_full(fd, head, sizeof(head), &got, "impact");
    if (rc != AZK_OK)
        goto done;
    if (got != sizeof(head) || memcmp(head, SEAL_MAGIC, 4) != 0 || head[4] != SEAL_VERSION) {
        rc = azk_error_set(AZK_ERR_FORMAT, "impact: not an azukari notification list");
        goto done;
    }
    if (crypto_box_seal_open(k, head + 8, SEALED_LEN, pk, sk) != 0) {
        rc = azk_error_set(AZK_ERR_CRYPTO,
                           "impact: the list was not encrypted to this key (or is damaged)");
        goto done;
    }
    rc = azk_crypt__read(fd, "impact", k, head + 8 + SEALED_LEN, cb, payload);
done:
    if (fd >= 0)
        close(fd);
    sodium_memzero(sk, sizeof(sk));
    sodium_memzero(k, sizeof(k));
    return rc;
}
