/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault/vault.c -- the vault file of vault/vault.h: per-file data key
 * wrapped by the master key, the file's prefix (magic, master key id),
 * write to a temporary name and atomic rename. The chunks themselves are
 * crypt/stream.h's.
 */
#include "vault/vault.h"
#include "crypt/stream.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define HDR_LEN (4 + 4 + 16 + AZK_CRYPT_HEADERBYTES)

static const char magic[4] = {'A', 'Z', 'K', 'V'};

struct azk_vault_writer {
    int fd;
    char *tmp_path;
    char *final_path;
    char *dir_path;
    struct azk_crypt_writer *cw; /* the chunks (crypt/stream.h) */
};

static void wrap_ad(uint8_t *ad, size_t *ad_len, const char *uuid)
{
    static const char label[] = "azukari vault v1";
    size_t ul = strlen(uuid);
    if (ul > 64)
        ul = 64;
    memcpy(ad, label, sizeof(label) - 1);
    memcpy(ad + sizeof(label) - 1, uuid, ul);
    *ad_len = sizeof(label) - 1 + ul;
}

azk_status azk_vault__path(azk_buf *out, const azk_home *h, const char *uuid)
{
    azk_buf_clear(out);
    return azk_buf_printf(out, "%s/vault/%s.azv", h->path, uuid);
}

static void writer_free(struct azk_vault_writer *w)
{
    if (w == NULL)
        return;
    if (w->fd >= 0)
        close(w->fd);
    azk_free(w->tmp_path);
    azk_free(w->final_path);
    azk_free(w->dir_path);
    azk_crypt__writer_free(w->cw);
    azk_free(w);
}

azk_status azk_vault__writer_new(struct azk_vault_writer **out, azk_home *h, const char *uuid,
                                 uint8_t wrapped[AZK_VAULT_WRAPPED_LEN])
{
    azk_status rc = AZK_OK;
    struct azk_vault_writer *w = NULL;
    azk_buf p = AZK_BUF_INIT;
    uint8_t dk[AZK_CRYPT_KEYBYTES];
    uint8_t hdr[HDR_LEN];
    uint8_t ad[96];
    size_t ad_len;
    unsigned long long wl = 0;

    AZK_ASSERT_ARG(out != NULL && h != NULL && uuid != NULL && wrapped != NULL);
    *out = NULL;
    w = azk_calloc(1, sizeof(*w));
    if (w == NULL)
        return azk_error_nomem();
    w->fd = -1;
    rc = azk_buf_printf(&p, "%s/vault/.%s.azv.tmp", h->path, uuid);
    if (rc != AZK_OK)
        goto done;
    w->tmp_path = azk_buf_detach(&p);
    rc = azk_vault__path(&p, h, uuid);
    if (rc != AZK_OK)
        goto done;
    w->final_path = azk_buf_detach(&p);
    rc = azk_buf_printf(&p, "%s/vault", h->path);
    if (rc != AZK_OK)
        goto done;
    w->dir_path = azk_buf_detach(&p);
    if (w->tmp_path == NULL || w->final_path == NULL || w->dir_path == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    w->fd = open(w->tmp_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (w->fd < 0) {
        rc = azk_error_errno("create vault file");
        goto done;
    }
    /* held until the file has its name: tells azk_vault__cleanup_tmp a live writer */
    if (flock(w->fd, LOCK_EX | LOCK_NB) != 0) {
        rc = azk_error_errno("lock vault file");
        goto done;
    }
    crypto_secretstream_xchacha20poly1305_keygen(dk);
    /* wrap the data key */
    randombytes_buf(wrapped, crypto_aead_xchacha20poly1305_ietf_NPUBBYTES);
    wrap_ad(ad, &ad_len, uuid);
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        wrapped + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, &wl, dk, sizeof(dk), ad, ad_len,
        NULL, wrapped, h->key);
    /* header */
    memcpy(hdr, magic, 4);
    hdr[4] = 1;
    hdr[5] = hdr[6] = hdr[7] = 0;
    if (sodium_hex2bin(hdr + 8, 16, h->key_id, 32, NULL, NULL, NULL) != 0) {
        rc = azk_error_set(AZK_ERR_INTEGRITY, "vault: bad master key id");
        goto done;
    }
    rc = azk_crypt__writer_new(&w->cw, "vault", dk, hdr + 24, NULL, &w->fd);
    if (rc != AZK_OK)
        goto done;
    rc = azk_crypt__write_all(w->fd, hdr, sizeof(hdr), "vault");
    if (rc != AZK_OK)
        goto done;
    *out = w;
    w = NULL;
done:
    sodium_memzero(dk, sizeof(dk));
    azk_buf_dispose(&p);
    if (w != NULL)
        azk_vault__writer_abort(w);
    return rc;
}

azk_status azk_vault__writer_write(struct azk_vault_writer *w, const void *p, size_t n)
{
    AZK_ASSERT_ARG(w != NULL && (p != NULL || n == 0));
    return azk_crypt__writer_write(w->cw, p, n);
}

azk_status azk_vault__writer_finish(struct azk_vault_writer *w)
{
    azk_status rc;
    int dfd;
    AZK_ASSERT_ARG(w != NULL);
    rc = azk_crypt__writer_finish(w->cw);
    if (rc != AZK_OK)
        goto fail;
    if (fsync(w->fd) != 0) {
        rc = azk_error_errno("fsync vault file");
        goto fail;
    }
    /* never replace an existing file: link + unlink gives an atomic, exclusive rename;
     * the descriptor (and its lock) is kept until the temporary name is gone */
    if (link(w->tmp_path, w->final_path) != 0) {
        rc = azk_error_errno("rename vault file");
        goto fail;
    }
    (void)unlink(w->tmp_path);
    (void)close(w->fd); /* fsync succeeded: the bytes are durable */
    w->fd = -1;
    dfd = open(w->dir_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    writer_free(w);
    return AZK_OK;
fail:
    azk_vault__writer_abort(w);
    return rc;
}

void azk_vault__writer_abort(struct azk_vault_writer *w)
{
    if (w == NULL)
        return;
    if (w->tmp_path != NULL)
        (void)unlink(w->tmp_path);
    writer_free(w);
}

azk_status azk_vault__unwrap(const azk_home *h, const char *uuid, const uint8_t *wrapped,
                             size_t wrapped_len, uint8_t dk[32])
{
    uint8_t ad[96];
    size_t ad_len;
    if (wrapped == NULL || wrapped_len != AZK_VAULT_WRAPPED_LEN)
        return azk_error_set(AZK_ERR_CRYPTO, "vault: the data key is gone (shredded?)");
    wrap_ad(ad, &ad_len, uuid);
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            dk, NULL, NULL, wrapped + crypto_aead_xchacha20poly1305_ietf_NPUBBYTES,
            AZK_VAULT_WRAPPED_LEN - crypto_aead_xchacha20poly1305_ietf_NPUBBYTES, ad, ad_len,
            wrapped, h->key) != 0)
        return azk_error_set(AZK_ERR_CRYPTO, "vault: data key does not unwrap (wrong master key)");
    return AZK_OK;
}

azk_status azk_vault__read(azk_home *h, const char *uuid, const uint8_t *wrapped,
                           size_t wrapped_len, azk_vault_data_cb cb, void *payload)
{
    azk_status rc = AZK_OK;
    azk_buf p = AZK_BUF_INIT;
    int fd = -1;
    uint8_t hdr[HDR_LEN];
    uint8_t dk[AZK_CRYPT_KEYBYTES];
    uint8_t kid[16];
    size_t got;

    AZK_ASSERT_ARG(h != NULL && uuid != NULL && cb != NULL);
    rc = azk_vault__unwrap(h, uuid, wrapped, wrapped_len, dk);
    if (rc != AZK_OK)
        return rc;
    rc = azk_vault__path(&p, h, uuid);
    if (rc != AZK_OK)
        goto done;
    fd = open((const char *)p.data, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = errno == ENOENT ? azk_error_set(AZK_ERR_NOTFOUND, "vault: file missing")
                             : azk_error_errno("open vault file");
        goto done;
    }
    rc = azk_crypt__read_full(fd, hdr, sizeof(hdr), &got, "vault");
    if (rc != AZK_OK)
        goto done;
    if (got != sizeof(hdr) || memcmp(hdr, magic, 4) != 0 || hdr[4] != 1) {
        rc = azk_error_set(AZK_ERR_INTEGRITY, "vault: not a vault file (bad header)");
        goto done;
    }
    if (sodium_hex2bin(kid, sizeof(kid), h->key_id, 32, NULL, NULL, NULL) != 0 ||
        sodium_memcmp(kid, hdr + 8, 16) != 0) {
        rc = azk_error_set(AZK_ERR_CRYPTO, "vault: file was written under another master key");
        goto done;
    }
    rc = azk_crypt__read(fd, "vault", dk, hdr + 24, cb, payload);
done:
    if (fd >= 0)
        close(fd);
    sodium_memzero(dk, sizeof(dk));
    azk_buf_dispose(&p);
    return rc;
}

/* A temporary name of the writer: ".<uuid>.azv.tmp". */
static bool is_tmp_name(const char *n)
{
    size_t l = strlen(n);
    return n[0] == '.' && l > 9 && strcmp(n + l - 8, ".azv.tmp") == 0;
}

/* Seconds a fresh, still empty temporary is left alone (its writer may not have locked it yet). */
#define TMP_GRACE_SECONDS 60

size_t azk_vault__cleanup_tmp(azk_home *h)
{
    azk_buf p = AZK_BUF_INIT;
    DIR *d = NULL;
    struct dirent *e;
    size_t removed = 0;
    int dfd;
    if (azk_buf_printf(&p, "%s/vault", h->path) != AZK_OK)
        goto done;
    d = opendir((const char *)p.data);
    if (d == NULL)
        goto done;
    dfd = dirfd(d);
    while ((e = readdir(d)) != NULL) {
        struct stat sb, nb;
        int fd;
        if (!is_tmp_name(e->d_name))
            continue;
        fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
        if (fd < 0)
            continue;
        /* a live intake holds the lock: leave its file alone */
        if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode) || flock(fd, LOCK_EX | LOCK_NB) != 0 ||
            (sb.st_size == 0 && time(NULL) - sb.st_mtime < TMP_GRACE_SECONDS)) {
            close(fd);
            continue;
        }
        /* the name still refers to the file examined */
        if (fstatat(dfd, e->d_name, &nb, AT_SYMLINK_NOFOLLOW) == 0 && nb.st_dev == sb.st_dev &&
            nb.st_ino == sb.st_ino && unlinkat(dfd, e->d_name, 0) == 0)
            removed++;
        close(fd);
    }
    if (removed > 0) {
        /* encrypted bytes whose data key was never stored: unreadable, but recorded */
        char extra[64];
        snprintf(extra, sizeof(extra), "{\"removed\":%zu}", removed);
        azk_log(AZK_LOG_WARN, "vault: removed %zu temporary file(s) left by an interrupted intake",
                removed);
        if (azk_store__audit(h, "vault.cleanup", NULL, 0, "interrupted intake", extra) != AZK_OK)
            azk_log(AZK_LOG_ERROR, "vault: the cleanup could not be recorded in the ledger");
        azk_error_clear();
    }
done:
    if (d != NULL)
        closedir(d);
    azk_buf_dispose(&p);
    return removed;
}
