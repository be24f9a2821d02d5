/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit/ledger_home.c -- the ledger's files in a home: small file helpers
 * (full reads and writes, atomic replace, mkdir -p), the home's safety
 * checks (private directories up to /), and creating the ledger and its
 * signing key (azk_audit_init_home).
 */
#include "audit/audit_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "audit/ledger_int.h"

/* ---- small file helpers -------------------------------------------------- */

azk_status azk_audit__path_join(char **out, const char *a, const char *b)
{
    azk_buf p = AZK_BUF_INIT;
    azk_status rc = azk_buf_printf(&p, "%s/%s", a, b);
    if (rc != AZK_OK) {
        azk_buf_dispose(&p);
        return rc;
    }
    *out = azk_buf_detach(&p);
    return AZK_OK;
}

azk_status azk_audit__pread_full(int fd, void *buf, size_t n, uint64_t off, const char *what)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = pread(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return azk_error_errno(what);
        if (r == 0)
            return azk_error_set(AZK_ERR_INTEGRITY, "%s: unexpected end of file", what);
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return AZK_OK;
}

azk_status azk_audit__pwrite_full(int fd, const void *buf, size_t n, uint64_t off, const char *what)
{
    const uint8_t *p = buf;
    while (n > 0) {
        ssize_t r = pwrite(fd, p, n, (off_t)off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return azk_error_errno(what);
        p += r;
        n -= (size_t)r;
        off += (uint64_t)r;
    }
    return AZK_OK;
}

azk_status azk_audit__read_file(const char *path, azk_buf *out, size_t max)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    azk_status rc = AZK_OK;
    struct stat st;
    if (fd < 0)
        return azk_error_errno("open");
    if (fstat(fd, &st) != 0 || (uint64_t)st.st_size > max) {
        close(fd);
        return azk_error_set(AZK_ERR_LIMIT, "file larger than %zu bytes", max);
    }
    for (;;) {
        ssize_t r;
        rc = azk_buf_grow(out, 65536);
        if (rc != AZK_OK)
            break;
        r = read(fd, out->data + out->len, out->cap - out->len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            rc = azk_error_errno("read");
            break;
        }
        if (r == 0)
            break;
        out->len += (size_t)r;
        out->data[out->len] = '\0';
    }
    close(fd);
    return rc;
}

/* write path atomically (util/outfile.c); exclusive: the first writer wins */
azk_status azk_audit__write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                                        int exclusive)
{
    bool existed;
    return azk_outfile__write(path, data, len, (unsigned)mode, exclusive ? AZK_OUTFILE_EXCL : 0,
                              &existed);
}

/* mkdir -p: parents too (mode 0700 for the ones we create) */
static azk_status mkdir_p(const char *path, mode_t mode)
{
    char *p = azk_strdup(path);
    if (p == NULL)
        return azk_error_nomem();
    for (char *q = p + 1; *q != '\0'; q++) {
        if (*q != '/')
            continue;
        *q = '\0';
        if (mkdir(p, 0700) != 0 && errno != EEXIST) {
            azk_free(p);
            return azk_error_errno("mkdir");
        }
        *q = '/';
    }
    azk_free(p);
    if (mkdir(path, mode) != 0 && errno != EEXIST)
        return azk_error_errno("mkdir");
    return AZK_OK;
}

void azk_audit__default_names(char *actor, size_t alen, char *host, size_t hlen)
{
    if (!azk__os_user(actor, alen))
        snprintf(actor, alen, "uid:%ld", (long)geteuid());
    if (gethostname(host, hlen) != 0 || host[0] == '\0')
        snprintf(host, hlen, "localhost");
    host[hlen - 1] = '\0';
}

/* ---- keys and home --------------------------------------------------------- */

static int path_exists(const char *home, const char *rel, off_t *size)
{
    char p[4096];
    struct stat st;
    snprintf(p, sizeof(p), "%s/%s", home, rel);
    if (stat(p, &st) != 0)
        return 0;
    if (size != NULL)
        *size = st.st_size;
    return 1;
}

/* any stored checkpoint (a signed one is evidence that a ledger existed) */
static int has_checkpoints(const char *home)
{
    char p[4096];
    DIR *d;
    struct dirent *e;
    int found = 0;
    snprintf(p, sizeof(p), "%s/ledger/checkpoints", home);
    d = opendir(p);
    while (d != NULL && !found && (e = readdir(d)) != NULL)
        found = strlen(e->d_name) > 5 && strcmp(e->d_name + strlen(e->d_name) - 5, ".note") == 0;
    if (d != NULL)
        closedir(d);
    return found;
}

/*
 * A home that lacks its ledger key (key_missing) or its log. The evidence
 * that a home had a ledger lives outside ledger/: the key in keys/ (made
 * first, kept when ledger/ is removed) and the catalog of a home made by
 * `azukari init`, which always makes a ledger. Never suggest creating a
 * new ledger where one existed: an empty ledger verifies.
 */
azk_status azk_audit__missing_ledger(const char *home, int key_missing)
{
    off_t size = 0;
    if (!key_missing)
        return azk_error_set(AZK_ERR_INTEGRITY,
                             "ledger: TAMPER ALARM: this home has a ledger key but "
                             "ledger/entries.log is missing: the ledger was removed or moved; "
                             "restore ledger/ from a backup (a new, empty ledger would hide the "
                             "loss)");
    if ((path_exists(home, "ledger/entries.log", &size) && size > 0) || has_checkpoints(home))
        return azk_error_set(AZK_ERR_INTEGRITY,
                             "ledger: TAMPER ALARM: this home has a ledger but its signing key "
                             "keys/ledger.key is missing: restore keys/ from a backup");
    if (path_exists(home, "catalog.db", NULL))
        return azk_error_set(AZK_ERR_INTEGRITY,
                             "ledger: TAMPER ALARM: this home was initialised (catalog.db) but "
                             "its ledger key and log are gone: restore keys/ and ledger/ from a "
                             "backup");
    return azk_error_set(AZK_ERR_NOTFOUND, "ledger: this home has no ledger");
}

/* the home or a directory in it: ours alone (no group or other write) */
static azk_status dir_private(const char *path, const char *what, int must_exist)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        if (errno == ENOENT && !must_exist)
            return AZK_OK;
        return azk_error_errno(what);
    }
    if (!S_ISDIR(st.st_mode))
        return azk_error_set(AZK_ERR_PERM, "%s %s is not a directory", what, path);
    if (st.st_uid != geteuid())
        return azk_error_set(AZK_ERR_PERM,
                             "%s %s belongs to uid %ld, not to this user (uid %ld): refused; "
                             "use a directory of your own",
                             what, path, (long)st.st_uid, (long)geteuid());
    if ((st.st_mode & 022) != 0)
        return azk_error_set(AZK_ERR_PERM,
                             "%s %s is writable by other users (mode %04o): they could replace "
                             "its ledger; refused (chmod 700 it)",
                             what, path, (unsigned)(st.st_mode & 07777));
    return AZK_OK;
}

azk_status azk_audit_home_safe(const char *home)
{
    char real[PATH_MAX], sub[PATH_MAX + 16];
    azk_status rc;
    char *slash;
    if (home == NULL)
        return azk_error_set(AZK_ERR_ARG, "audit: no home");
    if (realpath(home, real) == NULL)
        return azk_error_errno("home");
    rc = dir_private(real, "home", 1);
    if (rc != AZK_OK)
        return rc;
    snprintf(sub, sizeof(sub), "%s/ledger", real);
    rc = dir_private(sub, "ledger directory", 0);
    if (rc != AZK_OK)
        return rc;
    snprintf(sub, sizeof(sub), "%s/keys", real);
    rc = dir_private(sub, "keys directory", 0);
    if (rc != AZK_OK)
        return rc;
    /* every directory above: nobody else may rename the home away */
    while ((slash = strrchr(real, '/')) != NULL) {
        struct stat st;
        if (slash == real)
            slash[1] = '\0';
        else
            *slash = '\0';
        if (stat(real, &st) != 0)
            return azk_error_errno("directory above the home");
        if (st.st_uid != 0 && st.st_uid != geteuid())
            return azk_error_set(AZK_ERR_PERM,
                                 "%s (above the home) belongs to uid %ld: that user could replace "
                                 "the home; refused",
                                 real, (long)st.st_uid);
        if ((st.st_mode & 022) != 0 && (st.st_mode & S_ISVTX) == 0)
            return azk_error_set(AZK_ERR_PERM,
                                 "%s (above the home) is writable by other users and not sticky "
                                 "(mode %04o): they could replace the home; refused",
                                 real, (unsigned)(st.st_mode & 07777));
        if (strcmp(real, "/") == 0)
            break;
    }
    return AZK_OK;
}

azk_status azk_audit_init_home(const char *home)
{
    azk_status rc;
    char *ledger = NULL, *keys = NULL, *cps = NULL, *kpath = NULL, *ppath = NULL, *log = NULL;
    azk_buf text = AZK_BUF_INIT, pub = AZK_BUF_INIT;
    struct azk_audit__key k;
    int fd, have_key, have_log;
    azk_error_clear();
    if (home == NULL)
        return azk_error_set(AZK_ERR_ARG, "audit: no home");
    memset(&k, 0, sizeof(k));
    rc = mkdir_p(home, 0700);
    if (rc == AZK_OK)
        rc = azk_audit_home_safe(home);
    if (rc == AZK_OK)
        rc = azk_audit__path_join(&ledger, home, "ledger");
    if (rc == AZK_OK)
        rc = azk_audit__path_join(&keys, home, "keys");
    if (rc == AZK_OK)
        rc = azk_audit__path_join(&cps, ledger, "checkpoints");
    if (rc == AZK_OK)
        rc = azk_audit__path_join(&kpath, keys, "ledger.key");
    if (rc == AZK_OK)
        rc = azk_audit__path_join(&ppath, keys, "ledger.pub");
    if (rc == AZK_OK)
        rc = azk_audit__path_join(&log, ledger, "entries.log");
    if (rc != AZK_OK)
        goto done;
    /* a home that had a ledger gets no fresh one (see azk_audit__missing_ledger) */
    have_key = access(kpath, F_OK) == 0;
    have_log = access(log, F_OK) == 0;
    if (have_key && !have_log) {
        rc = azk_audit__missing_ledger(home, 0);
        goto done;
    }
    if (!have_key) {
        rc = azk_audit__missing_ledger(home, 1);
        if (rc != AZK_ERR_NOTFOUND)
            goto done;
        azk_error_clear();
    }
    rc = mkdir_p(ledger, 0700);
    if (rc == AZK_OK)
        rc = mkdir_p(keys, 0700);
    if (rc == AZK_OK)
        rc = mkdir_p(cps, 0700);
    if (rc != AZK_OK)
        goto done;
    /* the log before the key: a key without a log is a removed ledger */
    fd = open(log, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = azk_error_errno("create ledger");
        goto done;
    }
    if (fsync(fd) != 0)
        rc = azk_error_errno("sync ledger");
    close(fd);
    if (rc != AZK_OK)
        goto done;
    if (!have_key) {
        char host[256], actor[8];
        uint8_t id[8], seed[32];
        azk_audit__default_names(actor, sizeof(actor), host, sizeof(host));
        /* a key name holds no spaces or '+' */
        for (char *p = host; *p != '\0'; p++) {
            if (*p <= ' ' || *p == '+' || *p == '/' || (unsigned char)*p >= 0x7F)
                *p = '_';
        }
        randombytes_buf(id, sizeof(id));
        snprintf(k.name, sizeof(k.name), "azukari.local/%.64s/%02x%02x%02x%02x%02x%02x%02x%02x",
                 host, id[0], id[1], id[2], id[3], id[4], id[5], id[6], id[7]);
        randombytes_buf(seed, sizeof(seed));
        crypto_sign_seed_keypair(k.pk, k.sk, seed);
        sodium_memzero(seed, sizeof(seed));
        k.hash = azk_audit__key_hash(k.name, k.pk);
        k.has_sk = 1;
        rc = azk_audit__skey_format(&k, &text);
        if (rc == AZK_OK)
            rc = azk_buf_putc(&text, '\n');
        if (rc == AZK_OK)
            rc = azk_audit__write_file_atomic(kpath, text.data, text.len, 0600, 1);
        if (rc != AZK_OK)
            goto done;
    }
    /* (re)derive the public key from whichever key won */
    azk_buf_dispose_secret(&text);
    rc = azk_audit__read_file(kpath, &text, 4096);
    if (rc == AZK_OK)
        rc = azk_audit__skey_parse(&k, (char *)text.data, text.len);
    if (rc == AZK_OK)
        rc = azk_audit__vkey_format(&k, &pub);
    if (rc == AZK_OK)
        rc = azk_buf_putc(&pub, '\n');
    if (rc != AZK_OK)
        goto done;
    {
        azk_buf old = AZK_BUF_INIT;
        int same = azk_audit__read_file(ppath, &old, 4096) == AZK_OK && old.len == pub.len &&
                   memcmp(old.data, pub.data, pub.len) == 0;
        azk_buf_dispose(&old);
        azk_error_clear();
        if (!same)
            rc = azk_audit__write_file_atomic(ppath, pub.data, pub.len, 0644, 0);
    }
    if (rc != AZK_OK)
        goto done;
    rc = AZK_OK;
done:
    sodium_memzero(&k, sizeof(k));
    azk_buf_dispose_secret(&text);
    azk_buf_dispose(&pub);
    azk_free(ledger);
    azk_free(keys);
    azk_free(cps);
    azk_free(kpath);
    azk_free(ppath);
    azk_free(log);
    return rc;
}
