/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit/ledger.c -- the ledger on disk: <home>/ledger/entries.log holds the
 * entries as frames
 *
 *     "AZL1" | u32be len | entry[len] | SHA-256(0x00 || entry)
 *
 * (the trailing leaf hash doubles as the frame checksum). Everything else is
 * a cache rebuilt from the log when it disagrees: ledger/index (48-byte
 * records: u64be offset, u32be len, u32 0, leaf hash) and ledger/tree-NN
 * (the hashes of complete perfect subtrees at level NN, 32 bytes each), so a
 * root or proof needs O(log n) reads. Appends hold flock(LOCK_EX) on the
 * log, first catch up with what other processes appended, repair a torn
 * tail (a strict prefix of a frame left by a crash), write the batch with
 * one pwrite and fdatasync it before the caches are touched.
 */
#include "audit/audit_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define FRAME_MAGIC "AZL1"
#define FRAME_HDR   8
#define FRAME_OVH   (FRAME_HDR + HLEN)
#define IDX_REC     48
#define MAX_LEVELS  64

struct azk_audit {
    char *home;
    char *dir;
    int log_fd;
    int idx_fd;
    int lvl_fd[MAX_LEVELS];
    uint64_t n;
    uint64_t log_end;
    uint8_t last_leaf[HLEN];
    struct azk_audit__key key;
    char *vkey;
    char actor[128];
    char host[256];
    /* read-only handles (AZK_AUDIT_OPEN_READONLY) keep everything in memory */
    int ro;
    int ro_files; /* read-only, served from the verified index and tree files */
    int mt_built;
    struct azk_audit__memtree mt;
    uint64_t *offs; /* frame offsets, n + 1 */
};

/* ---- small file helpers -------------------------------------------------- */

static azk_status path_join(char **out, const char *a, const char *b)
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

static azk_status pread_full(int fd, void *buf, size_t n, uint64_t off, const char *what)
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

static azk_status pwrite_full(int fd, const void *buf, size_t n, uint64_t off, const char *what)
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

azk_status azk_audit__read_file(const char *path, azk_buf *out, size_t max);
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
static azk_status write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
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

static void default_names(char *actor, size_t alen, char *host, size_t hlen)
{
    struct passwd pw, *res = NULL;
    char buf[1024];
    if (getpwuid_r(geteuid(), &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
        snprintf(actor, alen, "%s", res->pw_name);
    else
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
static azk_status missing_ledger(const char *home, int key_missing)
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
        rc = path_join(&ledger, home, "ledger");
    if (rc == AZK_OK)
        rc = path_join(&keys, home, "keys");
    if (rc == AZK_OK)
        rc = path_join(&cps, ledger, "checkpoints");
    if (rc == AZK_OK)
        rc = path_join(&kpath, keys, "ledger.key");
    if (rc == AZK_OK)
        rc = path_join(&ppath, keys, "ledger.pub");
    if (rc == AZK_OK)
        rc = path_join(&log, ledger, "entries.log");
    if (rc != AZK_OK)
        goto done;
    /* a home that had a ledger gets no fresh one (see missing_ledger) */
    have_key = access(kpath, F_OK) == 0;
    have_log = access(log, F_OK) == 0;
    if (have_key && !have_log) {
        rc = missing_ledger(home, 0);
        goto done;
    }
    if (!have_key) {
        rc = missing_ledger(home, 1);
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
        default_names(actor, sizeof(actor), host, sizeof(host));
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
            rc = write_file_atomic(kpath, text.data, text.len, 0600, 1);
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
            rc = write_file_atomic(ppath, pub.data, pub.len, 0644, 0);
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

/* ---- tree cache -------------------------------------------------------------- */

static azk_status level_fd(azk_audit *a, unsigned l, int *fd)
{
    if (a->lvl_fd[l] < 0) {
        char name[32];
        char *p = NULL;
        azk_status rc;
        snprintf(name, sizeof(name), "tree-%02u", l);
        rc = path_join(&p, a->dir, name);
        if (rc != AZK_OK)
            return rc;
        a->lvl_fd[l] =
            a->ro ? open(p, O_RDONLY | O_CLOEXEC) : open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        azk_free(p);
        if (a->lvl_fd[l] < 0)
            return azk_error_errno("open tree cache");
    }
    *fd = a->lvl_fd[l];
    return AZK_OK;
}

static azk_status file_get(void *ctx, unsigned level, uint64_t idx, uint8_t out[HLEN])
{
    azk_audit *a = ctx;
    int fd = -1;
    azk_status rc;
    if (level == 0)
        return pread_full(a->idx_fd, out, HLEN, idx * IDX_REC + 16, "read index");
    if (level >= MAX_LEVELS)
        return azk_error_set(AZK_ERR_ARG, "audit: tree level %u", level);
    rc = level_fd(a, level, &fd);
    if (rc != AZK_OK)
        return rc;
    return pread_full(fd, out, HLEN, idx * HLEN, "read tree cache");
}

static void file_nodes(azk_audit *a, struct azk_audit__nodes *t)
{
    if (a->ro && !a->ro_files) {
        azk_audit__memtree_nodes(&a->mt, t);
        return;
    }
    t->get = file_get;
    t->ctx = a;
}

/*
 * Add the nodes above leaves [old_n, new_n) (their hashes in `leaves`) to
 * the level files. A left sibling already on disk is read back.
 */
static azk_status tree_extend(azk_audit *a, uint64_t old_n, uint64_t new_n, const uint8_t *leaves)
{
    azk_status rc = AZK_OK;
    const uint8_t *cur = leaves;
    uint8_t *owned = NULL, *next = NULL, *kids = NULL;
    uint64_t cur_base = old_n;
    for (unsigned l = 1; l < MAX_LEVELS; l++) {
        uint64_t c_old = old_n >> l, c_new = new_n >> l, cnt = c_new - c_old;
        const uint8_t *k;
        int fd;
        if (c_new == c_old)
            break;
        if (2 * c_old < cur_base) {
            /* the first left child is already stored */
            uint64_t ccount = (new_n >> (l - 1)) - cur_base;
            kids = azk_malloc((size_t)(ccount + 1) * HLEN);
            if (kids == NULL) {
                rc = azk_error_nomem();
                goto done;
            }
            rc = file_get(a, l - 1, cur_base - 1, kids);
            if (rc != AZK_OK)
                goto done;
            memcpy(kids + HLEN, cur, (size_t)ccount * HLEN);
            k = kids;
        } else {
            k = cur;
        }
        next = azk_malloc((size_t)cnt * HLEN);
        if (next == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        for (uint64_t i = 0; i < cnt; i++)
            azk_audit_node_hash(k + 2 * i * HLEN, k + (2 * i + 1) * HLEN, next + i * HLEN);
        rc = level_fd(a, l, &fd);
        if (rc == AZK_OK)
            rc = pwrite_full(fd, next, (size_t)cnt * HLEN, c_old * HLEN, "write tree cache");
        if (rc != AZK_OK)
            goto done;
        azk_free(kids);
        kids = NULL;
        azk_free(owned);
        owned = next;
        cur = next;
        next = NULL;
        cur_base = c_old;
    }
done:
    azk_free(kids);
    azk_free(next);
    azk_free(owned);
    return rc;
}

/* Make level files hold exactly the nodes of a tree of `count` leaves. */
static azk_status tree_fix(azk_audit *a, uint64_t count, int wipe)
{
    azk_status rc = AZK_OK;
    uint8_t *buf = NULL;
    if (wipe) {
        /* the cache disagreed with the log: start the levels afresh */
        for (unsigned l = 1; l < MAX_LEVELS; l++) {
            char name[32];
            char *p = NULL;
            if (a->lvl_fd[l] >= 0) {
                close(a->lvl_fd[l]);
                a->lvl_fd[l] = -1;
            }
            snprintf(name, sizeof(name), "tree-%02u", l);
            rc = path_join(&p, a->dir, name);
            if (rc != AZK_OK)
                return rc;
            if (unlink(p) != 0 && errno != ENOENT)
                rc = azk_error_errno("remove tree cache");
            azk_free(p);
            if (rc != AZK_OK)
                return rc;
        }
    }
    for (unsigned l = 1; l < MAX_LEVELS; l++) {
        uint64_t exp = count >> l, have;
        struct stat st;
        int fd;
        rc = level_fd(a, l, &fd);
        if (rc != AZK_OK)
            break;
        if (fstat(fd, &st) != 0) {
            rc = azk_error_errno("stat tree cache");
            break;
        }
        have = (uint64_t)st.st_size / HLEN;
        if (have > exp || (uint64_t)st.st_size % HLEN != 0) {
            if (have > exp)
                have = exp;
            if (ftruncate(fd, (off_t)(have * HLEN)) != 0) {
                rc = azk_error_errno("truncate tree cache");
                break;
            }
        }
        if (have < exp) {
            /* recompute the missing nodes from the level below */
            uint64_t cnt = exp - have;
            buf = azk_malloc((size_t)cnt * 3 * HLEN);
            if (buf == NULL) {
                rc = azk_error_nomem();
                break;
            }
            for (uint64_t i = 0; i < 2 * cnt && rc == AZK_OK; i++)
                rc = file_get(a, l - 1, 2 * have + i, buf + (cnt + i) * HLEN);
            for (uint64_t i = 0; i < cnt && rc == AZK_OK; i++)
                azk_audit_node_hash(buf + (cnt + 2 * i) * HLEN, buf + (cnt + 2 * i + 1) * HLEN,
                                    buf + i * HLEN);
            if (rc == AZK_OK)
                rc = pwrite_full(fd, buf, (size_t)cnt * HLEN, have * HLEN, "write tree cache");
            azk_free(buf);
            buf = NULL;
            if (rc != AZK_OK)
                break;
        }
        if (exp == 0)
            break;
    }
    return rc;
}

/* ---- frames ------------------------------------------------------------------- */

static uint32_t get_u32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_u32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static void put_u64be(uint8_t *p, uint64_t v)
{
    put_u32be(p, (uint32_t)(v >> 32));
    put_u32be(p + 4, (uint32_t)v);
}

static uint64_t get_u64be(const uint8_t *p)
{
    return (uint64_t)get_u32be(p) << 32 | get_u32be(p + 4);
}

/*
 * True when `p[0..n)` (the bytes after the last complete frame, n > 0) can
 * be a strict prefix of a frame: what an append cut by a crash leaves.
 */
int azk_audit__torn_prefix(const uint8_t *p, size_t n);
int azk_audit__torn_prefix(const uint8_t *p, size_t n)
{
    size_t m = n < 4 ? n : 4;
    uint32_t len;
    if (memcmp(p, FRAME_MAGIC, m) != 0)
        return 0;
    if (n < FRAME_HDR)
        return 1;
    len = get_u32be(p + 4);
    if (len == 0 || len > AZK_AUDIT_ENTRY_MAX)
        return 0;
    return n < (size_t)len + FRAME_OVH;
}

/*
 * Check one frame at `p` (n bytes available). Returns 1 and its length in
 * *flen when complete and well formed (the stored hash may still differ
 * from `leaf`, computed here), 0 when the bytes are no frame or cut.
 */
int azk_audit__frame(const uint8_t *p, size_t n, size_t *flen, uint8_t leaf[HLEN]);
int azk_audit__frame(const uint8_t *p, size_t n, size_t *flen, uint8_t leaf[HLEN])
{
    uint32_t len;
    if (n < FRAME_OVH || memcmp(p, FRAME_MAGIC, 4) != 0)
        return 0;
    len = get_u32be(p + 4);
    if (len == 0 || len > AZK_AUDIT_ENTRY_MAX || n < (size_t)len + FRAME_OVH)
        return 0;
    azk_audit_leaf_hash(p + FRAME_HDR, len, leaf);
    *flen = (size_t)len + FRAME_OVH;
    return 1;
}

/* ---- open and sync ------------------------------------------------------------- */

static azk_status lock_log(azk_audit *a, int op)
{
    while (flock(a->log_fd, op) != 0) {
        if (errno != EINTR)
            return azk_error_errno("lock ledger");
    }
    return AZK_OK;
}

static void unlock_log(azk_audit *a)
{
    (void)flock(a->log_fd, LOCK_UN);
}

/*
 * The index is the record of acknowledged appends: a record is written only
 * after its frame was fdatasync'd, so a crash can leave the index behind
 * the log, never ahead of it. Records the kernel extended the file for but
 * never wrote (power loss) read as zeros and are no evidence.
 */
static int index_record_zero(azk_audit *a, uint64_t i)
{
    uint8_t rec[IDX_REC];
    if (pread_full(a->idx_fd, rec, IDX_REC, i * IDX_REC, "read index") != AZK_OK)
        return 0;
    for (size_t k = 0; k < IDX_REC; k++) {
        if (rec[k] != 0)
            return 0;
    }
    return 1;
}

/*
 * Check the last index record `i` against the log (lock held). A log that
 * ends before the recorded entry, or holds other bytes there, was cut or
 * edited after the append was acknowledged: a tamper alarm, never a repair.
 */
static azk_status index_check_last(azk_audit *a, uint64_t i, uint64_t log_size, uint64_t *end,
                                   uint8_t hash[HLEN])
{
    uint8_t rec[IDX_REC], hdr[FRAME_HDR], tail[HLEN], leaf[HLEN];
    uint8_t *body;
    uint64_t off, rend;
    uint32_t len;
    azk_status rc = pread_full(a->idx_fd, rec, IDX_REC, i * IDX_REC, "read index");
    if (rc != AZK_OK)
        return rc;
    off = get_u64be(rec);
    len = get_u32be(rec + 8);
    if (len == 0 || len > AZK_AUDIT_ENTRY_MAX || off > UINT64_MAX - FRAME_OVH - len)
        return azk_error_set(AZK_ERR_INTEGRITY,
                             "ledger: TAMPER ALARM: the index record of entry %llu (the record "
                             "of acknowledged appends) is damaged; see `azukari audit recover`",
                             (unsigned long long)i);
    rend = off + len + FRAME_OVH;
    if (rend > log_size)
        return azk_error_set(AZK_ERR_INTEGRITY,
                             "ledger: TAMPER ALARM: the log ends at byte %llu but %llu entries "
                             "were appended and acknowledged up to byte %llu: the log was cut "
                             "(%llu bytes removed); appends are refused until a person decides "
                             "(`azukari audit recover`)",
                             (unsigned long long)log_size, (unsigned long long)(i + 1),
                             (unsigned long long)rend, (unsigned long long)(rend - log_size));
    /* the whole newest entry: its bytes, not only its stored checksum */
    body = azk_malloc((size_t)len);
    if (body == NULL)
        return azk_error_nomem();
    rc = pread_full(a->log_fd, hdr, FRAME_HDR, off, "read ledger");
    if (rc == AZK_OK)
        rc = pread_full(a->log_fd, body, len, off + FRAME_HDR, "read ledger");
    if (rc == AZK_OK)
        rc = pread_full(a->log_fd, tail, HLEN, off + FRAME_HDR + len, "read ledger");
    if (rc == AZK_OK)
        azk_audit_leaf_hash(body, len, leaf);
    azk_free(body);
    if (rc != AZK_OK)
        return rc;
    if (memcmp(hdr, FRAME_MAGIC, 4) != 0 || get_u32be(hdr + 4) != len ||
        memcmp(tail, rec + 16, HLEN) != 0 || memcmp(leaf, rec + 16, HLEN) != 0)
        return azk_error_set(AZK_ERR_INTEGRITY,
                             "ledger: TAMPER ALARM: entry %llu at byte %llu is not the entry "
                             "that was appended (it differs from the hash recorded at append "
                             "time): the log was edited; run `azukari audit verify`",
                             (unsigned long long)i, (unsigned long long)off);
    *end = rend;
    memcpy(hash, rec + 16, HLEN);
    return AZK_OK;
}

/*
 * Bring the handle and the caches in line with the log (lock held): catch
 * up with entries other processes appended, repair a torn tail beyond the
 * acknowledged entries, complete cache levels a crash left behind. A log
 * that disagrees with the index is a tamper alarm (see index_check_last).
 */
static azk_status sync_state(azk_audit *a, azk_audit_open_info *info)
{
    azk_status rc = AZK_OK;
    struct stat st;
    uint64_t log_size, nidx, end = 0, n;
    uint8_t last[HLEN];
    uint8_t *buf = NULL;
    azk_buf recs = AZK_BUF_INIT, leaves = AZK_BUF_INIT;
    size_t have, pos = 0;

    if (fstat(a->log_fd, &st) != 0)
        return azk_error_errno("stat ledger");
    log_size = (uint64_t)st.st_size;
    if (fstat(a->idx_fd, &st) != 0)
        return azk_error_errno("stat index");
    nidx = (uint64_t)st.st_size / IDX_REC;
    memset(last, 0, HLEN);
    while (nidx > 0 && index_record_zero(a, nidx - 1))
        nidx--;
    if (nidx > 0) {
        rc = index_check_last(a, nidx - 1, log_size, &end, last);
        if (rc != AZK_OK)
            return rc;
    }
    azk_error_clear();
    if ((uint64_t)st.st_size != nidx * IDX_REC &&
        ftruncate(a->idx_fd, (off_t)(nidx * IDX_REC)) != 0)
        return azk_error_errno("truncate index");
    rc = tree_fix(a, nidx, 0);
    if (rc != AZK_OK)
        return rc;
    n = nidx;
    /* read the log past the last indexed entry */
    if (log_size > end) {
        uint64_t rest = log_size - end;
        if (rest > SIZE_MAX / 2) {
            rc = azk_error_set(AZK_ERR_LIMIT, "ledger: %llu unindexed bytes",
                               (unsigned long long)rest);
            goto done;
        }
        have = (size_t)rest;
        buf = azk_malloc(have);
        if (buf == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        rc = pread_full(a->log_fd, buf, have, end, "read ledger");
        if (rc != AZK_OK)
            goto done;
        while (pos < have) {
            size_t flen;
            uint8_t leaf[HLEN], prev[HLEN], rec[IDX_REC];
            uint64_t seq;
            if (!azk_audit__frame(buf + pos, have - pos, &flen, leaf)) {
                if (azk_audit__torn_prefix(buf + pos, have - pos))
                    break;
                rc = azk_error_set(AZK_ERR_INTEGRITY,
                                   "ledger: bytes at offset %llu after entry %llu are no entry "
                                   "(garbage or damage); run `azukari audit verify`",
                                   (unsigned long long)(end + pos), (unsigned long long)n);
                goto done;
            }
            if (memcmp(leaf, buf + pos + flen - HLEN, HLEN) != 0 ||
                azk_audit__entry_chain(buf + pos + FRAME_HDR, flen - FRAME_OVH, &seq, prev) !=
                    AZK_OK ||
                seq != n || memcmp(prev, last, HLEN) != 0) {
                rc = azk_error_set(AZK_ERR_INTEGRITY,
                                   "ledger: entry %llu at offset %llu fails its checks; run "
                                   "`azukari audit verify`",
                                   (unsigned long long)n, (unsigned long long)(end + pos));
                goto done;
            }
            put_u64be(rec, end + pos);
            put_u32be(rec + 8, (uint32_t)(flen - FRAME_OVH));
            put_u32be(rec + 12, 0);
            memcpy(rec + 16, leaf, HLEN);
            rc = azk_buf_put(&recs, rec, IDX_REC);
            if (rc == AZK_OK)
                rc = azk_buf_put(&leaves, leaf, HLEN);
            if (rc != AZK_OK)
                goto done;
            memcpy(last, leaf, HLEN);
            n++;
            pos += flen;
        }
        if (pos < have) {
            /* torn tail: an append cut by a crash; drop it */
            if (ftruncate(a->log_fd, (off_t)(end + pos)) != 0 || fdatasync(a->log_fd) != 0) {
                rc = azk_error_errno("repair ledger");
                goto done;
            }
            azk_log(AZK_LOG_WARN,
                    "ledger: removed a torn last entry (%zu bytes at offset %llu) left by an "
                    "interrupted append",
                    have - pos, (unsigned long long)(end + pos));
            if (info != NULL)
                info->repaired_bytes += have - pos;
        }
        end += pos;
    }
    if (n > nidx) {
        rc = pwrite_full(a->idx_fd, recs.data, recs.len, nidx * IDX_REC, "write index");
        if (rc == AZK_OK)
            rc = tree_extend(a, nidx, n, leaves.data);
        if (rc != AZK_OK)
            goto done;
        if (info != NULL)
            info->cache_rebuilt += n - nidx;
        if (n - nidx > 1)
            azk_log(AZK_LOG_INFO, "ledger: tree cache updated for %llu entries",
                    (unsigned long long)(n - nidx));
    }
    a->n = n;
    a->log_end = end;
    memcpy(a->last_leaf, last, HLEN);
    if (info != NULL)
        info->size = n;
    rc = AZK_OK;
done:
    azk_free(buf);
    azk_buf_dispose(&recs);
    azk_buf_dispose(&leaves);
    return rc;
}

/* ---- whole-log checks (sign, read-only open, recovery) ---------------------- */

/* The log read from the start, every frame, sequence number and link checked. */
struct logscan {
    uint8_t *leaves; /* n leaf hashes (azk_malloc'd, at least one slot) */
    uint64_t *offs;  /* n + 1 frame offsets */
    uint64_t n;
    uint64_t end;  /* end of the last good frame */
    uint64_t size; /* bytes in the log */
    int bad;       /* bytes after `end` that are no torn append */
};

static void logscan_dispose(struct logscan *s)
{
    azk_free(s->leaves);
    azk_free(s->offs);
    memset(s, 0, sizeof(*s));
}

struct hash_job {
    const uint8_t *map;
    const uint64_t *offs;
    uint8_t *leaves;
};

static void hash_part(void *ctx, uint64_t lo, uint64_t hi)
{
    struct hash_job *j = ctx;
    for (uint64_t i = lo; i < hi; i++)
        azk_audit_leaf_hash(j->map + j->offs[i] + FRAME_HDR,
                            (size_t)(j->offs[i + 1] - j->offs[i]) - FRAME_OVH,
                            j->leaves + i * HLEN);
}

void azk_audit__leaf_hashes(const uint8_t *map, const uint64_t *offs, uint64_t n, uint8_t *leaves)
{
    struct hash_job hj = {map, offs, leaves};
    azk_audit__par_for(n, hash_part, &hj);
}

/*
 * Three passes, as verify does: frame boundaries from the headers, every
 * leaf hash on all CPUs, then checksums, sequence numbers and links in log
 * order (the scan stops at the first frame that fails).
 */
static azk_status scan_log(int fd, struct logscan *s)
{
    azk_status rc = AZK_OK;
    struct stat st;
    uint8_t *map = NULL;
    uint8_t last[HLEN];
    size_t size, pos = 0, cap = 0, lb;
    uint64_t n = 0;
    memset(s, 0, sizeof(*s));
    memset(last, 0, HLEN);
    if (fstat(fd, &st) != 0)
        return azk_error_errno("stat ledger");
    if ((uint64_t)st.st_size > SIZE_MAX / 2)
        return azk_error_set(AZK_ERR_LIMIT, "ledger: log of %llu bytes",
                             (unsigned long long)st.st_size);
    size = (size_t)st.st_size;
    if (size > 0) {
        map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
            return azk_error_errno("map ledger");
        (void)madvise(map, size, MADV_SEQUENTIAL);
    }
    /* pass 1: frame boundaries */
    while (pos < size) {
        const uint8_t *f = map + pos;
        size_t rem = size - pos;
        uint32_t len = rem >= FRAME_HDR ? get_u32be(f + 4) : 0;
        if (rem < FRAME_OVH || memcmp(f, FRAME_MAGIC, 4) != 0 || len == 0 ||
            len > AZK_AUDIT_ENTRY_MAX || rem - FRAME_OVH < len) {
            s->bad = !azk_audit__torn_prefix(f, rem);
            break;
        }
        rc = azk_array_reserve(&s->offs, &cap, n + 1, sizeof(*s->offs), 1024);
        if (rc != AZK_OK)
            goto done;
        s->offs[n++] = pos;
        pos += (size_t)len + FRAME_OVH;
    }
    if (s->offs == NULL) {
        s->offs = azk_malloc(sizeof(*s->offs));
        if (s->offs == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
    }
    s->offs[n] = pos;
    /* pass 2: the leaf hashes */
    if (azk_mul_overflow(&lb, (size_t)n, HLEN)) {
        rc = azk_error_set(AZK_ERR_LIMIT, "ledger: too many entries");
        goto done;
    }
    s->leaves = azk_malloc(lb + HLEN);
    if (s->leaves == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    {
        azk_audit__leaf_hashes(map, s->offs, n, s->leaves);
    }
    /* pass 3: checksums, sequence numbers, links */
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *f = map + s->offs[i];
        size_t flen = (size_t)(s->offs[i + 1] - s->offs[i]);
        uint8_t prev[HLEN];
        uint64_t seq;
        if (memcmp(s->leaves + i * HLEN, f + flen - HLEN, HLEN) != 0 ||
            azk_audit__entry_chain(f + FRAME_HDR, flen - FRAME_OVH, &seq, prev) != AZK_OK ||
            seq != i || memcmp(prev, last, HLEN) != 0) {
            s->bad = 1;
            n = i;
            break;
        }
        memcpy(last, s->leaves + i * HLEN, HLEN);
    }
    s->n = n;
    s->end = s->offs[n];
    s->size = size;
done:
    if (map != NULL)
        munmap(map, size);
    if (rc != AZK_OK)
        logscan_dispose(s);
    return rc;
}

/*
 * Compare the index (the record of acknowledged appends) with the scanned
 * log: every record must name the same frame and hash; records past the
 * log's entries mean entries were cut. `recorded` gets the number of
 * records (trailing zero records, never written, not counted).
 */
static azk_status index_vs_log(azk_audit *a, const struct logscan *s, uint64_t *recorded)
{
    struct stat st;
    uint64_t nidx, upto;
    uint8_t blk[256 * IDX_REC];
    azk_status rc;
    *recorded = 0;
    if (a->idx_fd < 0)
        return AZK_OK;
    if (fstat(a->idx_fd, &st) != 0)
        return azk_error_errno("stat index");
    nidx = (uint64_t)st.st_size / IDX_REC;
    while (nidx > 0 && index_record_zero(a, nidx - 1))
        nidx--;
    *recorded = nidx;
    upto = nidx < s->n ? nidx : s->n;
    for (uint64_t i = 0; i < upto; i++) {
        const uint8_t *rec = blk + (i % 256) * IDX_REC;
        if (i % 256 == 0) {
            uint64_t k = upto - i < 256 ? upto - i : 256;
            rc = pread_full(a->idx_fd, blk, (size_t)k * IDX_REC, i * IDX_REC, "read index");
            if (rc != AZK_OK)
                return rc;
        }
        if (get_u64be(rec) != s->offs[i] ||
            (uint64_t)get_u32be(rec + 8) + FRAME_OVH != s->offs[i + 1] - s->offs[i] ||
            memcmp(rec + 16, s->leaves + i * HLEN, HLEN) != 0)
            return azk_error_set(AZK_ERR_INTEGRITY,
                                 "ledger: TAMPER ALARM: entry %llu is not the entry that was "
                                 "appended (it differs from the hash recorded at append time); "
                                 "run `azukari audit verify`",
                                 (unsigned long long)i);
    }
    if (nidx > s->n)
        return azk_error_set(AZK_ERR_INTEGRITY,
                             "ledger: TAMPER ALARM: %llu entries were appended and acknowledged "
                             "but the log holds %llu intact ones (%llu bytes): the log was cut; "
                             "appends are refused until a person decides (`azukari audit "
                             "recover`)",
                             (unsigned long long)nidx, (unsigned long long)s->n,
                             (unsigned long long)s->size);
    return AZK_OK;
}

/* One stored checkpoint, opened with the ledger key. */
struct stored_cp {
    azk_audit_checkpoint_info cp;
    char name[64];
};

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

void azk_audit__free_names(char **names, size_t count)
{
    for (size_t i = 0; i < count; i++)
        azk_free(names[i]);
    azk_free(names);
}

azk_status azk_audit__note_names(const char *dir, size_t exact_len, char ***out, size_t *count)
{
    azk_status rc = AZK_OK;
    DIR *d;
    struct dirent *e;
    char **names = NULL;
    size_t n = 0, cap = 0;
    *out = NULL;
    *count = 0;
    d = opendir(dir);
    while (d != NULL && (e = readdir(d)) != NULL) {
        size_t l = strlen(e->d_name);
        if (l < 6 || strcmp(e->d_name + l - 5, ".note") != 0 || (exact_len > 0 && l != exact_len))
            continue;
        rc = azk_array_reserve(&names, &cap, n, sizeof(*names), 16);
        if (rc != AZK_OK)
            goto done;
        names[n] = azk_strdup(e->d_name);
        if (names[n] == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        n++;
    }
    if (n > 0)
        qsort(names, n, sizeof(*names), cmp_str);
    *out = names;
    *count = n;
    names = NULL; /* ownership moved to the caller */
done:
    if (d != NULL)
        closedir(d);
    if (names != NULL)
        azk_audit__free_names(names, n);
    return rc;
}

/* Names of the stored checkpoint files, sorted (= by size: 20-digit names). */
static azk_status stored_names(azk_audit *a, char ***out, size_t *count)
{
    char *dir = NULL;
    azk_status rc;
    *out = NULL;
    *count = 0;
    rc = path_join(&dir, a->dir, "checkpoints");
    if (rc != AZK_OK)
        return rc;
    rc = azk_audit__note_names(dir, 25, out, count);
    azk_free(dir);
    return rc;
}

/* Read and open stored checkpoint `name`; a file that does not verify is an alarm. */
static azk_status stored_open(azk_audit *a, const char *name, struct stored_cp *out)
{
    azk_buf text = AZK_BUF_INIT;
    char *p = NULL, rel[96];
    size_t tl = 0;
    azk_status rc;
    memset(out, 0, sizeof(*out));
    snprintf(out->name, sizeof(out->name), "%s", name);
    snprintf(rel, sizeof(rel), "checkpoints/%s", name);
    rc = path_join(&p, a->dir, rel);
    if (rc == AZK_OK)
        rc = azk_audit__read_file(p, &text, 1024 * 1024);
    if (rc == AZK_OK)
        rc = azk_audit__note_open(&a->key, (char *)text.data, text.len, &tl);
    if (rc == AZK_OK)
        rc = azk_audit__checkpoint_parse((char *)text.data, tl, &out->cp);
    if (rc == AZK_OK && strcmp(out->cp.origin, a->key.name) != 0)
        rc = AZK_ERR_FORMAT;
    if (rc == AZK_OK) {
        char want[32];
        snprintf(want, sizeof(want), "%020llu", (unsigned long long)out->cp.size);
        if (strncmp(name, want, 20) != 0)
            rc = AZK_ERR_FORMAT;
    }
    if (rc != AZK_OK && rc != AZK_ERR_NOMEM)
        rc = azk_error_set(AZK_ERR_INTEGRITY,
                           "ledger: TAMPER ALARM: stored checkpoint %s does not verify (not "
                           "signed by this ledger's key, or not the size its name says); run "
                           "`azukari audit verify`",
                           name);
    azk_buf_dispose(&text);
    azk_free(p);
    return rc;
}

/* Alarm when the tree `t` of `n` leaves does not extend stored checkpoint `s`. */
static azk_status stored_vs_tree(const struct stored_cp *s, const struct azk_audit__nodes *t,
                                 uint64_t n)
{
    uint8_t root[HLEN];
    azk_status rc;
    if (s->cp.size > n)
        return azk_error_set(AZK_ERR_INTEGRITY,
                             "ledger: TAMPER ALARM: the ledger has %llu entries but checkpoint %s "
                             "signed %llu: entries were removed; restore the log from a backup",
                             (unsigned long long)n, s->name, (unsigned long long)s->cp.size);
    rc = azk_audit__root(t, s->cp.size, root);
    if (rc != AZK_OK)
        return rc;
    if (sodium_memcmp(root, s->cp.root, HLEN) != 0)
        return azk_error_set(AZK_ERR_INTEGRITY,
                             "ledger: TAMPER ALARM: the first %llu entries are not the ones "
                             "checkpoint %s signed (history rewritten or forked); nothing more "
                             "is signed; run `azukari audit verify`",
                             (unsigned long long)s->cp.size, s->name);
    return AZK_OK;
}

/*
 * Recompute the tree from the log (lock held) and check the caches against
 * it: the index must hold every entry as appended (else a tamper alarm),
 * and a level file that differs is rewritten from the log (a damaged
 * cache; logged). On success `mt` holds the tree of a->n leaves.
 */
static azk_status full_check(azk_audit *a, struct azk_audit__memtree *mt, int *built)
{
    struct logscan s;
    uint64_t recorded = 0;
    uint8_t *buf = NULL;
    size_t bl = 0;
    azk_status rc = scan_log(a->log_fd, &s);
    *built = 0;
    if (rc != AZK_OK)
        return rc;
    if (s.bad || s.n != a->n || s.end != a->log_end) {
        rc = azk_error_set(AZK_ERR_INTEGRITY,
                           "ledger: entry %llu at byte %llu fails its checks; nothing is "
                           "signed; run `azukari audit verify`",
                           (unsigned long long)s.n, (unsigned long long)s.end);
        goto done;
    }
    rc = index_vs_log(a, &s, &recorded);
    if (rc != AZK_OK)
        goto done;
    rc = azk_audit__memtree_build(mt, s.leaves, s.n);
    s.leaves = NULL;
    if (rc != AZK_OK)
        goto done;
    *built = 1;
    for (unsigned l = 1; l < mt->levels && l < MAX_LEVELS; l++) {
        size_t len;
        int fd;
        if (azk_mul_overflow(&len, (size_t)mt->count[l], HLEN)) {
            rc = azk_error_set(AZK_ERR_LIMIT, "ledger: tree level too large");
            goto done;
        }
        if (len > bl) {
            uint8_t *nb = azk_realloc(buf, len);
            if (nb == NULL) {
                rc = azk_error_nomem();
                goto done;
            }
            buf = nb;
            bl = len;
        }
        rc = level_fd(a, l, &fd);
        if (rc == AZK_OK)
            rc = pread_full(fd, buf, len, 0, "read tree cache");
        if (rc != AZK_OK || memcmp(buf, mt->level[l], len) != 0) {
            azk_error_clear();
            azk_log(AZK_LOG_WARN, "ledger: tree cache level %u damaged; rebuilt from the log", l);
            rc = pwrite_full(fd, mt->level[l], len, 0, "write tree cache");
            if (rc == AZK_OK && ftruncate(fd, (off_t)len) != 0)
                rc = azk_error_errno("truncate tree cache");
            if (rc != AZK_OK)
                goto done;
        }
    }
done:
    azk_free(buf);
    logscan_dispose(&s);
    if (rc != AZK_OK && *built) {
        azk_audit__memtree_dispose(mt);
        *built = 0;
    }
    return rc;
}

/*
 * Compare the ledger with the newest stored checkpoint (lock held, after
 * sync_state): O(log n) cache reads normally. When the cached root differs,
 * the tree is recomputed from the log: a damaged cache is rebuilt, a log
 * that differs from what was signed is a tamper alarm.
 */
static azk_status check_newest(azk_audit *a)
{
    char **names = NULL;
    size_t count = 0;
    struct stored_cp s;
    struct azk_audit__nodes t;
    struct azk_audit__memtree mt;
    int built = 0;
    azk_status rc = stored_names(a, &names, &count);
    if (rc != AZK_OK || count == 0)
        goto done;
    rc = stored_open(a, names[count - 1], &s);
    if (rc != AZK_OK)
        goto done;
    if (a->ro) {
        file_nodes(a, &t);
        rc = stored_vs_tree(&s, &t, a->n);
        goto done;
    }
    file_nodes(a, &t);
    rc = stored_vs_tree(&s, &t, a->n);
    if (rc != AZK_ERR_INTEGRITY || s.cp.size > a->n)
        goto done;
    /* the cache or the log: recompute from the log */
    azk_error_clear();
    rc = full_check(a, &mt, &built);
    if (rc != AZK_OK)
        goto done;
    azk_audit__memtree_nodes(&mt, &t);
    rc = stored_vs_tree(&s, &t, a->n);
done:
    if (built)
        azk_audit__memtree_dispose(&mt);
    azk_audit__free_names(names, count);
    return rc;
}

/*
 * Read-only open: the whole log in memory, nothing written. The same
 * alarms as a normal open (index, newest checkpoint); a torn tail beyond
 * the acknowledged entries is reported, not removed.
 */
/*
 * The cheap read-only open, when nothing needs repair: the index covers
 * the whole log, its last record matches the newest entry's bytes, every
 * tree level file is complete and the newest stored checkpoint agrees.
 * Anything else falls back to the full scan, which says what is wrong.
 */
static int open_readonly_files(azk_audit *a, azk_audit_open_info *info)
{
    struct stat st;
    uint64_t log_size, nidx, end = 0;
    uint8_t last[HLEN];
    int ok = 1;
    if (a->idx_fd < 0 || fstat(a->log_fd, &st) != 0)
        return 0;
    log_size = (uint64_t)st.st_size;
    if (fstat(a->idx_fd, &st) != 0 || (uint64_t)st.st_size % IDX_REC != 0)
        return 0;
    nidx = (uint64_t)st.st_size / IDX_REC;
    if (nidx == 0 || index_record_zero(a, nidx - 1) ||
        index_check_last(a, nidx - 1, log_size, &end, last) != AZK_OK || end != log_size)
        return 0;
    a->ro_files = 1;
    for (unsigned l = 1; ok && l < MAX_LEVELS && (nidx >> l) > 0; l++) {
        int fd = -1;
        ok = level_fd(a, l, &fd) == AZK_OK && fstat(fd, &st) == 0 &&
             (uint64_t)st.st_size >= (nidx >> l) * HLEN;
    }
    if (ok) {
        a->n = nidx;
        a->log_end = end;
        memcpy(a->last_leaf, last, HLEN);
        ok = check_newest(a) == AZK_OK;
    }
    if (!ok) {
        a->ro_files = 0;
        a->n = 0;
        a->log_end = 0;
        for (unsigned l = 0; l < MAX_LEVELS; l++) {
            if (a->lvl_fd[l] >= 0)
                close(a->lvl_fd[l]);
            a->lvl_fd[l] = -1;
        }
        return 0;
    }
    if (info != NULL)
        info->size = nidx;
    return 1;
}

static azk_status open_readonly(azk_audit *a, azk_audit_open_info *info)
{
    struct logscan s;
    uint64_t recorded = 0;
    azk_status rc;
    if (open_readonly_files(a, info))
        return AZK_OK;
    azk_error_clear();
    rc = scan_log(a->log_fd, &s);
    if (rc != AZK_OK)
        return rc;
    if (s.bad) {
        rc = azk_error_set(AZK_ERR_INTEGRITY,
                           "ledger: bytes at offset %llu after entry %llu are no intact entry "
                           "(garbage or damage); run `azukari audit verify`",
                           (unsigned long long)s.end, (unsigned long long)s.n);
        goto done;
    }
    rc = index_vs_log(a, &s, &recorded);
    if (rc != AZK_OK)
        goto done;
    a->n = s.n;
    a->log_end = s.end;
    if (s.n > 0)
        memcpy(a->last_leaf, s.leaves + (s.n - 1) * HLEN, HLEN);
    a->offs = s.offs;
    s.offs = NULL;
    rc = azk_audit__memtree_build(&a->mt, s.leaves, s.n);
    s.leaves = NULL;
    if (rc != AZK_OK)
        goto done;
    a->mt_built = 1;
    if (info != NULL) {
        info->size = a->n;
        info->torn_bytes = s.size - s.end;
    }
    rc = check_newest(a);
done:
    logscan_dispose(&s);
    return rc;
}

/* Open the files of a ledger; with `check`, sync and compare as open does. */
static azk_status open_handle(azk_audit **out, const char *home, int ro, int check,
                              azk_audit_open_info *info)
{
    azk_status rc;
    azk_audit *a = NULL;
    char *p = NULL;
    azk_buf text = AZK_BUF_INIT, vk = AZK_BUF_INIT;
    if (out == NULL || home == NULL)
        return azk_error_set(AZK_ERR_ARG, "audit: missing argument");
    *out = NULL;
    if (info != NULL)
        memset(info, 0, sizeof(*info));
    a = azk_calloc(1, sizeof(*a));
    if (a == NULL)
        return azk_error_nomem();
    a->log_fd = -1;
    a->idx_fd = -1;
    a->ro = ro;
    for (unsigned l = 0; l < MAX_LEVELS; l++)
        a->lvl_fd[l] = -1;
    default_names(a->actor, sizeof(a->actor), a->host, sizeof(a->host));
    a->home = azk_strdup(home);
    if (a->home == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    rc = path_join(&a->dir, home, "ledger");
    if (rc == AZK_OK)
        rc = path_join(&p, home, "keys/ledger.key");
    if (rc != AZK_OK)
        goto done;
    rc = azk_audit__read_file(p, &text, 4096);
    if (rc == AZK_ERR_NOTFOUND) {
        rc = missing_ledger(home, 1);
        goto done;
    }
    if (rc != AZK_OK)
        goto done;
    rc = azk_audit__skey_parse(&a->key, (char *)text.data, text.len);
    if (rc == AZK_OK)
        rc = azk_audit__vkey_format(&a->key, &vk);
    if (rc != AZK_OK)
        goto done;
    a->vkey = azk_buf_detach(&vk);
    azk_free(p);
    p = NULL;
    rc = path_join(&p, a->dir, "entries.log");
    if (rc != AZK_OK)
        goto done;
    a->log_fd = open(p, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (a->log_fd < 0) {
        rc = errno == ENOENT ? missing_ledger(home, 0) : azk_error_errno("open ledger");
        goto done;
    }
    azk_free(p);
    p = NULL;
    rc = path_join(&p, a->dir, "index");
    if (rc != AZK_OK)
        goto done;
    a->idx_fd = ro ? open(p, O_RDONLY | O_CLOEXEC) : open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (a->idx_fd < 0 && !(ro && errno == ENOENT)) {
        rc = azk_error_errno("open index");
        goto done;
    }
    if (!ro) {
        /* appending into a home others can write: they could swap the ledger */
        struct stat st;
        if (stat(home, &st) == 0 && (st.st_mode & 022) != 0) {
            rc = azk_error_set(AZK_ERR_PERM,
                               "ledger: home %s is writable by other users (mode %04o): they "
                               "could replace its ledger; appends refused (chmod 700 it)",
                               home, (unsigned)(st.st_mode & 07777));
            goto done;
        }
    }
    if (check) {
        rc = lock_log(a, ro ? LOCK_SH : LOCK_EX);
        if (rc != AZK_OK)
            goto done;
        if (ro) {
            rc = open_readonly(a, info);
        } else {
            rc = sync_state(a, info);
            if (rc == AZK_OK)
                rc = check_newest(a);
        }
        unlock_log(a);
        if (rc != AZK_OK)
            goto done;
    }
    *out = a;
    a = NULL;
done:
    azk_buf_dispose_secret(&text);
    azk_buf_dispose(&vk);
    azk_free(p);
    azk_audit_close(a);
    return rc;
}

azk_status azk_audit_open(azk_audit **out, const char *home, unsigned flags,
                          azk_audit_open_info *info)
{
    azk_error_clear();
    return open_handle(out, home, (flags & AZK_AUDIT_OPEN_READONLY) != 0, 1, info);
}

void azk_audit_close(azk_audit *a)
{
    if (a == NULL)
        return;
    if (a->log_fd >= 0)
        close(a->log_fd);
    if (a->idx_fd >= 0)
        close(a->idx_fd);
    for (unsigned l = 0; l < MAX_LEVELS; l++) {
        if (a->lvl_fd[l] >= 0)
            close(a->lvl_fd[l]);
    }
    sodium_memzero(&a->key, sizeof(a->key));
    if (a->mt_built)
        azk_audit__memtree_dispose(&a->mt);
    azk_free(a->offs);
    azk_free(a->home);
    azk_free(a->dir);
    azk_free(a->vkey);
    azk_free(a);
}

/* ---- append ------------------------------------------------------------------ */

azk_status azk_audit_append_batch(azk_audit *a, const azk_audit_event *evs, size_t count,
                                  uint64_t *out_first)
{
    azk_status rc;
    azk_buf frames = AZK_BUF_INIT, recs = AZK_BUF_INIT;
    struct azk_audit__extra_cache xc = {NULL, AZK_BUF_INIT};
    uint8_t *leaves = NULL;
    uint8_t prev[HLEN];
    uint64_t n0;
    size_t lb = 0;
    int locked = 0;
    azk_error_clear();
    if (a == NULL || (evs == NULL && count > 0))
        return azk_error_set(AZK_ERR_ARG, "audit: missing argument");
    if (count == 0)
        return AZK_OK;
    if (a->ro)
        return azk_error_set(AZK_ERR_ARG, "audit: handle opened read-only");
    if (azk_mul_overflow(&lb, count, HLEN) || count > SIZE_MAX / IDX_REC)
        return azk_error_set(AZK_ERR_LIMIT, "audit: batch of %zu events too large", count);
    leaves = azk_malloc(lb);
    if (leaves == NULL)
        return azk_error_nomem();
    rc = lock_log(a, LOCK_EX);
    if (rc != AZK_OK)
        goto done;
    locked = 1;
    rc = sync_state(a, NULL);
    if (rc != AZK_OK)
        goto done;
    n0 = a->n;
    memcpy(prev, a->last_leaf, HLEN);
    for (size_t i = 0; i < count; i++) {
        size_t at = frames.len;
        uint8_t rec[IDX_REC];
        uint32_t len;
        rc = azk_buf_put(&frames, FRAME_MAGIC "\0\0\0\0", FRAME_HDR);
        if (rc == AZK_OK)
            rc = azk_audit__entry_build(&evs[i], n0 + i, prev, a->actor, a->host, &xc, &frames);
        if (rc != AZK_OK)
            goto done;
        len = (uint32_t)(frames.len - at - FRAME_HDR);
        put_u32be(frames.data + at + 4, len);
        azk_audit_leaf_hash(frames.data + at + FRAME_HDR, len, leaves + i * HLEN);
        rc = azk_buf_put(&frames, leaves + i * HLEN, HLEN);
        if (rc != AZK_OK)
            goto done;
        memcpy(prev, leaves + i * HLEN, HLEN);
        put_u64be(rec, a->log_end + at);
        put_u32be(rec + 8, len);
        put_u32be(rec + 12, 0);
        memcpy(rec + 16, leaves + i * HLEN, HLEN);
        rc = azk_buf_put(&recs, rec, IDX_REC);
        if (rc != AZK_OK)
            goto done;
    }
    rc = pwrite_full(a->log_fd, frames.data, frames.len, a->log_end, "write ledger");
    if (rc == AZK_OK && fdatasync(a->log_fd) != 0)
        rc = azk_error_errno("sync ledger");
    if (rc != AZK_OK) {
        /* leave no partial batch behind */
        if (ftruncate(a->log_fd, (off_t)a->log_end) != 0)
            azk_log(AZK_LOG_ERROR, "ledger: could not undo a failed append");
        goto done;
    }
    /* durable; the caches follow (rebuilt from the log if we die here) */
    a->log_end += frames.len;
    a->n = n0 + count;
    memcpy(a->last_leaf, prev, HLEN);
    rc = pwrite_full(a->idx_fd, recs.data, recs.len, n0 * IDX_REC, "write index");
    if (rc == AZK_OK)
        rc = tree_extend(a, n0, n0 + count, leaves);
    if (rc != AZK_OK) {
        /*
         * The entries are durable, so the append succeeded; a cache that
         * lags is brought up to date from the log by the next sync (every
         * append and checkpoint syncs first); until then this handle
         * answers for the entries its cache covers.
         */
        azk_log(AZK_LOG_WARN, "ledger: tree cache not updated (%s); rebuilt on next use",
                azk_error_last()->message);
        a->n = n0;
        a->log_end -= frames.len;
        azk_error_clear();
        if (ftruncate(a->idx_fd, (off_t)(n0 * IDX_REC)) != 0)
            azk_log(AZK_LOG_WARN, "ledger: could not truncate the index cache");
    }
    if (out_first != NULL)
        *out_first = n0;
    rc = AZK_OK;
done:
    if (locked)
        unlock_log(a);
    azk_free(leaves);
    azk_audit__extra_cache_dispose(&xc);
    azk_buf_dispose(&frames);
    azk_buf_dispose(&recs);
    return rc;
}

azk_status azk_audit_append(azk_audit *a, const azk_audit_event *ev, uint64_t *out_index)
{
    return azk_audit_append_batch(a, ev, 1, out_index);
}

azk_status azk_audit_record(const char *home, const azk_audit_event *ev)
{
    azk_audit *a = NULL;
    azk_status rc = azk_audit_open(&a, home, 0, NULL);
    if (rc == AZK_OK)
        rc = azk_audit_append(a, ev, NULL);
    azk_audit_close(a);
    return rc;
}

/* ---- recovery after a tamper alarm --------------------------------------------- */

/* the alarm text as a JSON string body: no quotes, backslashes or controls */
static void json_safe(char *s)
{
    for (; *s != '\0'; s++) {
        if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
            *s = '\'';
    }
}

/*
 * What recovery may accept: the log's frames are all intact and chained up
 * to a cut (the intact prefix matches the index), and every stored
 * checkpoint is extended by the intact entries. Fills the sizes and roots
 * of `info`; `s` holds the scanned log.
 */
static azk_status recover_assess(azk_audit *a, struct logscan *s, azk_audit_recover_info *info)
{
    struct azk_audit__memtree lt, it;
    struct azk_audit__nodes t;
    int lt_built = 0, it_built = 0;
    uint64_t nidx = 0;
    uint8_t *ileaves = NULL;
    char **names = NULL;
    size_t count = 0;
    struct stat st;
    azk_status rc = scan_log(a->log_fd, s);
    if (rc != AZK_OK)
        return rc;
    if (s->bad) {
        rc = azk_error_set(AZK_ERR_INTEGRITY,
                           "ledger: entry %llu at byte %llu is damaged, not cut off: accepting "
                           "a truncation there would drop intact entries after it; restore the "
                           "log from a backup (`azukari audit verify` lists the damage)",
                           (unsigned long long)s->n, (unsigned long long)s->end);
        goto done;
    }
    if (fstat(a->idx_fd, &st) != 0) {
        rc = azk_error_errno("stat index");
        goto done;
    }
    nidx = (uint64_t)st.st_size / IDX_REC;
    while (nidx > 0 && index_record_zero(a, nidx - 1))
        nidx--;
    /* the hashes of the acknowledged entries, lost ones included */
    ileaves = azk_malloc((size_t)(nidx > s->n ? nidx : s->n) * HLEN + 1);
    if (ileaves == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    for (uint64_t i = 0; i < nidx; i++) {
        uint8_t rec[IDX_REC];
        rc = pread_full(a->idx_fd, rec, IDX_REC, i * IDX_REC, "read index");
        if (rc != AZK_OK)
            goto done;
        if (i < s->n && memcmp(rec + 16, s->leaves + i * HLEN, HLEN) != 0) {
            rc = azk_error_set(AZK_ERR_INTEGRITY,
                               "ledger: entry %llu differs from the hash recorded when it was "
                               "appended: the log was edited, not cut; restore it from a backup",
                               (unsigned long long)i);
            goto done;
        }
        memcpy(ileaves + i * HLEN, rec + 16, HLEN);
    }
    if (nidx < s->n) {
        memcpy(ileaves + nidx * HLEN, s->leaves + nidx * HLEN, (size_t)(s->n - nidx) * HLEN);
        nidx = s->n;
    }
    info->old_size = nidx;
    info->new_size = s->n;
    info->removed_bytes = s->size - s->end;
    rc = azk_audit__memtree_build(&it, ileaves, nidx);
    ileaves = NULL;
    if (rc != AZK_OK)
        goto done;
    it_built = 1;
    azk_audit__memtree_nodes(&it, &t);
    rc = azk_audit__root(&t, nidx, info->old_root);
    if (rc != AZK_OK)
        goto done;
    {
        uint8_t *copy = azk_malloc((size_t)s->n * HLEN + 1);
        if (copy == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        if (s->n > 0)
            memcpy(copy, s->leaves, (size_t)s->n * HLEN);
        rc = azk_audit__memtree_build(&lt, copy, s->n);
        if (rc != AZK_OK)
            goto done;
        lt_built = 1;
    }
    azk_audit__memtree_nodes(&lt, &t);
    rc = azk_audit__root(&t, s->n, info->new_root);
    if (rc == AZK_OK)
        rc = stored_names(a, &names, &count);
    for (size_t i = 0; rc == AZK_OK && i < count; i++) {
        struct stored_cp c;
        rc = stored_open(a, names[i], &c);
        if (rc == AZK_OK && stored_vs_tree(&c, &t, s->n) != AZK_OK)
            rc = azk_error_set(AZK_ERR_INTEGRITY,
                               "ledger: checkpoint %s signed entries the log no longer holds "
                               "(or others): continuing would sign a fork of a signed log; "
                               "restore the log from a backup",
                               names[i]);
    }
done:
    azk_free(ileaves);
    azk_audit__free_names(names, count);
    if (lt_built)
        azk_audit__memtree_dispose(&lt);
    if (it_built)
        azk_audit__memtree_dispose(&it);
    return rc;
}

/* Cut the log to its intact entries and rebuild the caches from them (lock held). */
static azk_status recover_apply(azk_audit *a, const struct logscan *s)
{
    azk_status rc = AZK_OK;
    uint8_t *recs = NULL;
    size_t rl;
    if (azk_mul_overflow(&rl, (size_t)s->n, IDX_REC))
        return azk_error_set(AZK_ERR_LIMIT, "ledger: too many entries");
    recs = azk_malloc(rl + 1);
    if (recs == NULL)
        return azk_error_nomem();
    for (uint64_t i = 0; i < s->n; i++) {
        uint8_t *r = recs + i * IDX_REC;
        put_u64be(r, s->offs[i]);
        put_u32be(r + 8, (uint32_t)(s->offs[i + 1] - s->offs[i] - FRAME_OVH));
        put_u32be(r + 12, 0);
        memcpy(r + 16, s->leaves + i * HLEN, HLEN);
    }
    if (ftruncate(a->log_fd, (off_t)s->end) != 0 || fdatasync(a->log_fd) != 0) {
        rc = azk_error_errno("cut ledger");
        goto done;
    }
    if (ftruncate(a->idx_fd, 0) != 0) {
        rc = azk_error_errno("truncate index");
        goto done;
    }
    rc = pwrite_full(a->idx_fd, recs, rl, 0, "write index");
    if (rc == AZK_OK)
        rc = tree_fix(a, 0, 1);
    if (rc == AZK_OK)
        rc = tree_extend(a, 0, s->n, s->leaves);
    if (rc == AZK_OK && fdatasync(a->idx_fd) != 0)
        rc = azk_error_errno("sync index");
done:
    azk_free(recs);
    return rc;
}

azk_status azk_audit_recover(const char *home, unsigned flags, const char *actor,
                             const char *reason, azk_audit_recover_info *info)
{
    azk_audit *a = NULL;
    struct logscan s;
    azk_status rc;
    int locked = 0;
    azk_error_clear();
    memset(&s, 0, sizeof(s));
    if (home == NULL || info == NULL)
        return azk_error_set(AZK_ERR_ARG, "audit: missing argument");
    memset(info, 0, sizeof(*info));
    rc = azk_audit_open(&a, home, 0, NULL);
    if (rc == AZK_OK) {
        info->old_size = info->new_size = a->n;
        snprintf(info->found, sizeof(info->found),
                 "no alarm: the log agrees with its index and its newest checkpoint");
        rc = azk_audit_root(a, a->n, info->new_root);
        memcpy(info->old_root, info->new_root, HLEN);
        goto done;
    }
    if (rc != AZK_ERR_INTEGRITY)
        goto done;
    info->alarm = 1;
    snprintf(info->found, sizeof(info->found), "%s", azk_error_last()->message);
    rc = open_handle(&a, home, 0, 0, NULL);
    if (rc == AZK_OK)
        rc = lock_log(a, LOCK_EX);
    if (rc != AZK_OK)
        goto done;
    locked = 1;
    rc = recover_assess(a, &s, info);
    if (rc != AZK_OK || (flags & AZK_AUDIT_RECOVER_ACCEPT_TRUNCATION) == 0)
        goto done;
    rc = recover_apply(a, &s);
    if (rc != AZK_OK)
        goto done;
    unlock_log(a);
    locked = 0;
    azk_audit_close(a);
    a = NULL;
    /* the person's decision, recorded once, in the ledger it is about */
    {
        azk_audit_event ev = AZK_AUDIT_EVENT_INIT;
        const char *objs[] = {"ledger"};
        char r1[64], r2[64], found[sizeof(info->found)];
        azk_buf extra = AZK_BUF_INIT;
        sodium_bin2base64(r1, sizeof(r1), info->old_root, HLEN, sodium_base64_VARIANT_ORIGINAL);
        sodium_bin2base64(r2, sizeof(r2), info->new_root, HLEN, sodium_base64_VARIANT_ORIGINAL);
        snprintf(found, sizeof(found), "%s", info->found);
        json_safe(found);
        rc = azk_buf_printf(&extra,
                            "{\"found\":\"%s\",\"old_size\":%llu,\"old_root\":\"%s\","
                            "\"new_size\":%llu,\"new_root\":\"%s\",\"removed_bytes\":%llu,"
                            "\"decision\":\"accept-truncation\"}",
                            found, (unsigned long long)info->old_size, r1,
                            (unsigned long long)info->new_size, r2,
                            (unsigned long long)info->removed_bytes);
        ev.action = "ledger.alarm";
        ev.objects = objs;
        ev.object_count = 1;
        ev.outcome = "accepted";
        ev.actor = actor;
        ev.reason = reason != NULL ? reason : "truncation accepted after a tamper alarm";
        ev.extra_json = (const char *)extra.data;
        if (rc == AZK_OK)
            rc = azk_audit_open(&a, home, 0, NULL);
        if (rc == AZK_OK)
            rc = azk_audit_append(a, &ev, &info->alarm_index);
        azk_buf_dispose(&extra);
        if (rc == AZK_OK) {
            info->recorded = 1;
            azk_log(AZK_LOG_WARN,
                    "ledger: truncation accepted: %llu entries recorded, %llu intact; alarm "
                    "recorded as entry %llu",
                    (unsigned long long)info->old_size, (unsigned long long)info->new_size,
                    (unsigned long long)info->alarm_index);
        }
    }
done:
    if (locked)
        unlock_log(a);
    logscan_dispose(&s);
    azk_audit_close(a);
    return rc;
}

uint64_t azk_audit_size(const azk_audit *a)
{
    return a != NULL ? a->n : 0;
}

const char *azk_audit_origin(const azk_audit *a)
{
    return a->key.name;
}

const char *azk_audit_vkey(const azk_audit *a)
{
    return a->vkey;
}

void azk_audit_free(void *p)
{
    azk_free(p);
}

/* ---- reads, roots, proofs, checkpoints --------------------------------------- */

azk_status azk_audit_entry(azk_audit *a, uint64_t index, char **out, size_t *out_len)
{
    uint8_t rec[IDX_REC], leaf[HLEN];
    uint64_t off;
    uint32_t len;
    char *e;
    azk_status rc;
    azk_error_clear();
    if (a == NULL || out == NULL)
        return azk_error_set(AZK_ERR_ARG, "audit: missing argument");
    if (index >= a->n)
        return azk_error_set(AZK_ERR_NOTFOUND, "ledger: no entry %llu (size %llu)",
                             (unsigned long long)index, (unsigned long long)a->n);
    if (a->ro && !a->ro_files) {
        off = a->offs[index];
        len = (uint32_t)(a->offs[index + 1] - off - FRAME_OVH);
        memcpy(rec + 16, a->mt.level[0] + index * HLEN, HLEN);
    } else {
        rc = pread_full(a->idx_fd, rec, IDX_REC, index * IDX_REC, "read index");
        if (rc != AZK_OK)
            return rc;
        off = get_u64be(rec);
        len = get_u32be(rec + 8);
    }
    if (len == 0 || len > AZK_AUDIT_ENTRY_MAX)
        return azk_error_set(AZK_ERR_INTEGRITY, "ledger: index record %llu damaged",
                             (unsigned long long)index);
    e = azk_malloc((size_t)len + 1);
    if (e == NULL)
        return azk_error_nomem();
    rc = pread_full(a->log_fd, e, len, off + FRAME_HDR, "read ledger");
    if (rc != AZK_OK) {
        azk_free(e);
        return rc;
    }
    e[len] = '\0';
    azk_audit_leaf_hash(e, len, leaf);
    if (memcmp(leaf, rec + 16, HLEN) != 0) {
        azk_free(e);
        return azk_error_set(AZK_ERR_INTEGRITY,
                             "ledger: entry %llu does not match its hash; run `azukari audit "
                             "verify`",
                             (unsigned long long)index);
    }
    *out = e;
    if (out_len != NULL)
        *out_len = len;
    return AZK_OK;
}

azk_status azk_audit_root(azk_audit *a, uint64_t size, uint8_t out[HLEN])
{
    struct azk_audit__nodes t;
    azk_error_clear();
    if (a == NULL || size > a->n)
        return azk_error_set(AZK_ERR_ARG, "ledger: size %llu above the ledger size",
                             (unsigned long long)size);
    file_nodes(a, &t);
    return azk_audit__root(&t, size, out);
}

static azk_status proof_out(const uint8_t *hashes, size_t count, uint8_t **out, size_t *out_count)
{
    uint8_t *p = count <= AZK_AUDIT__PROOF_MAX ? azk_malloc(count * HLEN + 1) : NULL;
    if (p == NULL)
        return azk_error_nomem();
    if (count > 0)
        memcpy(p, hashes, count * HLEN);
    *out = p;
    *out_count = count;
    return AZK_OK;
}

azk_status azk_audit_prove_inclusion(azk_audit *a, uint64_t index, uint64_t size, uint8_t **out,
                                     size_t *out_count)
{
    uint8_t hashes[AZK_AUDIT__PROOF_MAX * HLEN];
    size_t count = 0;
    struct azk_audit__nodes t;
    azk_status rc;
    azk_error_clear();
    if (a == NULL || out == NULL || out_count == NULL)
        return azk_error_set(AZK_ERR_ARG, "audit: missing argument");
    if (size > a->n || index >= size)
        return azk_error_set(AZK_ERR_ARG,
                             "ledger: entry %llu not in a tree of size %llu (size "
                             "%llu)",
                             (unsigned long long)index, (unsigned long long)size,
                             (unsigned long long)a->n);
    file_nodes(a, &t);
    rc = azk_audit__inclusion(&t, index, size, hashes, &count);
    if (rc != AZK_OK)
        return rc;
    return proof_out(hashes, count, out, out_count);
}

azk_status azk_audit_prove_consistency(azk_audit *a, uint64_t old_size, uint64_t new_size,
                                       uint8_t **out, size_t *out_count)
{
    uint8_t hashes[AZK_AUDIT__PROOF_MAX * HLEN];
    size_t count = 0;
    struct azk_audit__nodes t;
    azk_status rc;
    azk_error_clear();
    if (a == NULL || out == NULL || out_count == NULL)
        return azk_error_set(AZK_ERR_ARG, "audit: missing argument");
    if (new_size > a->n || old_size > new_size)
        return azk_error_set(AZK_ERR_ARG,
                             "ledger: no consistency proof from %llu to %llu (size "
                             "%llu)",
                             (unsigned long long)old_size, (unsigned long long)new_size,
                             (unsigned long long)a->n);
    file_nodes(a, &t);
    rc = azk_audit__consistency(&t, old_size, new_size, hashes, &count);
    if (rc != AZK_OK)
        return rc;
    return proof_out(hashes, count, out, out_count);
}

/*
 * Store a signed checkpoint, append-only: a file for that size is never
 * overwritten. One that exists already must be of the same root (the same
 * note, as Ed25519 signatures are deterministic); stored_vs_tree checked it.
 */
static azk_status store_checkpoint(azk_audit *a, uint64_t size, const azk_buf *note)
{
    char name[64];
    char *path = NULL;
    azk_status rc;
    snprintf(name, sizeof(name), "checkpoints/%020llu.note", (unsigned long long)size);
    rc = path_join(&path, a->dir, name);
    if (rc == AZK_OK)
        rc = write_file_atomic(path, note->data, note->len, 0644, 1);
    azk_free(path);
    return rc;
}

azk_status azk_audit_checkpoint(azk_audit *a, int sign, char **out)
{
    azk_status rc;
    uint8_t root[HLEN];
    azk_buf body = AZK_BUF_INIT, note = AZK_BUF_INIT;
    struct azk_audit__memtree mt;
    struct azk_audit__nodes t;
    char **names = NULL;
    size_t count = 0;
    int built = 0, locked = 0;
    azk_error_clear();
    if (a == NULL || out == NULL)
        return azk_error_set(AZK_ERR_ARG, "audit: missing argument");
    if (a->ro && sign)
        return azk_error_set(AZK_ERR_ARG, "audit: handle opened read-only");
    if (a->ro) {
        rc = azk_audit_root(a, a->n, root);
        if (rc == AZK_OK)
            rc = azk_audit__checkpoint_body(a->key.name, a->n, root, &body);
        if (rc == AZK_OK)
            *out = azk_buf_detach(&body);
        goto done;
    }
    /* see what other processes appended */
    rc = lock_log(a, LOCK_EX);
    if (rc != AZK_OK)
        return rc;
    locked = 1;
    rc = sync_state(a, NULL);
    if (rc != AZK_OK)
        goto done;
    if (!sign) {
        rc = azk_audit_root(a, a->n, root);
        if (rc == AZK_OK)
            rc = azk_audit__checkpoint_body(a->key.name, a->n, root, &body);
        if (rc == AZK_OK)
            *out = azk_buf_detach(&body);
        goto done;
    }
    /*
     * Nothing is signed from caches alone: recompute the tree from the log
     * (a damaged cache is rebuilt), and never sign a tree that does not
     * extend every checkpoint signed before (C2SP tlog-checkpoint).
     */
    rc = full_check(a, &mt, &built);
    if (rc != AZK_OK)
        goto done;
    azk_audit__memtree_nodes(&mt, &t);
    rc = stored_names(a, &names, &count);
    for (size_t i = 0; rc == AZK_OK && i < count; i++) {
        struct stored_cp s;
        rc = stored_open(a, names[i], &s);
        if (rc == AZK_OK)
            rc = stored_vs_tree(&s, &t, a->n);
    }
    if (rc == AZK_OK)
        rc = azk_audit__root(&t, a->n, root);
    if (rc == AZK_OK)
        rc = azk_audit__checkpoint_body(a->key.name, a->n, root, &body);
    if (rc == AZK_OK)
        rc = azk_audit__note_sign(&a->key, (char *)body.data, body.len, &note);
    if (rc == AZK_OK)
        rc = store_checkpoint(a, a->n, &note);
    if (rc != AZK_OK)
        goto done;
    *out = azk_buf_detach(&note);
done:
    if (locked)
        unlock_log(a);
    if (built)
        azk_audit__memtree_dispose(&mt);
    azk_audit__free_names(names, count);
    azk_buf_dispose(&body);
    azk_buf_dispose(&note);
    return rc;
}

/* for verify.c and bundle.c */
const char *azk_audit__home(const azk_audit *a);
const char *azk_audit__home(const azk_audit *a)
{
    return a->home;
}
