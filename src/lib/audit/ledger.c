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

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
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

/* write path atomically (tmp + fsync + rename); mode for the new file */
static azk_status write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                                    int exclusive)
{
    azk_buf tmp = AZK_BUF_INIT;
    azk_status rc;
    int fd = -1;
    rc = azk_buf_printf(&tmp, "%s.tmp.%ld", path, (long)getpid());
    if (rc != AZK_OK)
        goto done;
    fd = open((char *)tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        rc = azk_error_errno("create key or checkpoint file");
        goto done;
    }
    rc = pwrite_full(fd, data, len, 0, "write");
    if (rc == AZK_OK && fsync(fd) != 0)
        rc = azk_error_errno("fsync");
    close(fd);
    fd = -1;
    if (rc != AZK_OK)
        goto unlink;
    if (exclusive) {
        /* link(2) fails when the target exists: the first writer wins */
        if (link((char *)tmp.data, path) != 0 && errno != EEXIST)
            rc = azk_error_errno("link");
    } else if (rename((char *)tmp.data, path) != 0) {
        rc = azk_error_errno("rename");
    }
unlink:
    unlink((char *)tmp.data);
done:
    azk_buf_dispose(&tmp);
    return rc;
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

azk_status azk_audit_init_home(const char *home)
{
    azk_status rc;
    char *ledger = NULL, *keys = NULL, *cps = NULL, *kpath = NULL, *ppath = NULL, *log = NULL;
    azk_buf text = AZK_BUF_INIT, pub = AZK_BUF_INIT;
    struct azk_audit__key k;
    int fd;
    azk_error_clear();
    if (home == NULL)
        return azk_error_set(AZK_ERR_ARG, "audit: no home");
    memset(&k, 0, sizeof(k));
    rc = mkdir_p(home, 0700);
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
    if (rc == AZK_OK)
        rc = mkdir_p(ledger, 0700);
    if (rc == AZK_OK)
        rc = mkdir_p(keys, 0700);
    if (rc == AZK_OK)
        rc = mkdir_p(cps, 0700);
    if (rc != AZK_OK)
        goto done;
    if (access(kpath, F_OK) != 0) {
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
    fd = open(log, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        rc = azk_error_errno("create ledger");
        goto done;
    }
    close(fd);
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
        a->lvl_fd[l] = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
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

/* Is index record `i` consistent with the log? */
static int index_record_ok(azk_audit *a, uint64_t i, uint64_t log_size, uint64_t *end,
                           uint8_t hash[HLEN])
{
    uint8_t rec[IDX_REC], hdr[FRAME_HDR], tail[HLEN];
    uint64_t off;
    uint32_t len;
    if (pread_full(a->idx_fd, rec, IDX_REC, i * IDX_REC, "read index") != AZK_OK)
        return 0;
    off = get_u64be(rec);
    len = get_u32be(rec + 8);
    if (len == 0 || len > AZK_AUDIT_ENTRY_MAX || off > log_size ||
        log_size - off < (uint64_t)len + FRAME_OVH)
        return 0;
    if (pread_full(a->log_fd, hdr, FRAME_HDR, off, "read ledger") != AZK_OK ||
        pread_full(a->log_fd, tail, HLEN, off + FRAME_HDR + len, "read ledger") != AZK_OK)
        return 0;
    if (memcmp(hdr, FRAME_MAGIC, 4) != 0 || get_u32be(hdr + 4) != len ||
        memcmp(tail, rec + 16, HLEN) != 0)
        return 0;
    *end = off + len + FRAME_OVH;
    memcpy(hash, rec + 16, HLEN);
    return 1;
}

/*
 * Bring the handle and the caches in line with the log (lock held): catch
 * up with entries other processes appended, repair a torn tail, rebuild a
 * cache that disagrees with the log.
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
    int rebuilt = 0;

    if (fstat(a->log_fd, &st) != 0)
        return azk_error_errno("stat ledger");
    log_size = (uint64_t)st.st_size;
    if (fstat(a->idx_fd, &st) != 0)
        return azk_error_errno("stat index");
    nidx = (uint64_t)st.st_size / IDX_REC;
    memset(last, 0, HLEN);
    if (nidx > 0 && !index_record_ok(a, nidx - 1, log_size, &end, last)) {
        nidx = 0;
        end = 0;
        memset(last, 0, HLEN);
        rebuilt = 1;
    }
    azk_error_clear();
    if ((uint64_t)st.st_size != nidx * IDX_REC &&
        ftruncate(a->idx_fd, (off_t)(nidx * IDX_REC)) != 0)
        return azk_error_errno("truncate index");
    rc = tree_fix(a, nidx, rebuilt);
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
        if (rebuilt || n - nidx > 1)
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

azk_status azk_audit_open(azk_audit **out, const char *home, unsigned flags,
                          azk_audit_open_info *info)
{
    azk_status rc;
    azk_audit *a = NULL;
    char *p = NULL;
    azk_buf text = AZK_BUF_INIT, vk = AZK_BUF_INIT;
    (void)flags;
    azk_error_clear();
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
        rc = azk_error_set(AZK_ERR_NOTFOUND, "ledger: no signing key in this home (run `azukari "
                                             "audit init`)");
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
    a->log_fd = open(p, O_RDWR | O_CLOEXEC);
    if (a->log_fd < 0) {
        rc = azk_error_set(AZK_ERR_NOTFOUND, "ledger: no ledger in this home (run `azukari audit "
                                             "init`)");
        goto done;
    }
    azk_free(p);
    p = NULL;
    rc = path_join(&p, a->dir, "index");
    if (rc != AZK_OK)
        goto done;
    a->idx_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (a->idx_fd < 0) {
        rc = azk_error_errno("open index");
        goto done;
    }
    rc = lock_log(a, LOCK_EX);
    if (rc != AZK_OK)
        goto done;
    rc = sync_state(a, info);
    unlock_log(a);
    if (rc != AZK_OK)
        goto done;
    *out = a;
    a = NULL;
done:
    azk_buf_dispose_secret(&text);
    azk_buf_dispose(&vk);
    azk_free(p);
    azk_audit_close(a);
    return rc;
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
    int locked = 0;
    azk_error_clear();
    if (a == NULL || (evs == NULL && count > 0))
        return azk_error_set(AZK_ERR_ARG, "audit: missing argument");
    if (count == 0)
        return AZK_OK;
    leaves = azk_malloc(count * HLEN);
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
    rc = pread_full(a->idx_fd, rec, IDX_REC, index * IDX_REC, "read index");
    if (rc != AZK_OK)
        return rc;
    off = get_u64be(rec);
    len = get_u32be(rec + 8);
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
    uint8_t *p = azk_malloc(count * HLEN);
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

azk_status azk_audit_checkpoint(azk_audit *a, int sign, char **out)
{
    azk_status rc;
    uint8_t root[HLEN];
    azk_buf body = AZK_BUF_INIT, note = AZK_BUF_INIT;
    char *path = NULL;
    azk_error_clear();
    if (a == NULL || out == NULL)
        return azk_error_set(AZK_ERR_ARG, "audit: missing argument");
    /* see what other processes appended */
    rc = lock_log(a, LOCK_EX);
    if (rc != AZK_OK)
        return rc;
    rc = sync_state(a, NULL);
    unlock_log(a);
    if (rc == AZK_OK)
        rc = azk_audit_root(a, a->n, root);
    if (rc == AZK_OK)
        rc = azk_audit__checkpoint_body(a->key.name, a->n, root, &body);
    if (rc != AZK_OK)
        goto done;
    if (!sign) {
        *out = azk_buf_detach(&body);
        goto done;
    }
    rc = azk_audit__note_sign(&a->key, (char *)body.data, body.len, &note);
    if (rc != AZK_OK)
        goto done;
    {
        char name[64];
        snprintf(name, sizeof(name), "checkpoints/%020llu.note", (unsigned long long)a->n);
        rc = path_join(&path, a->dir, name);
    }
    if (rc == AZK_OK)
        rc = write_file_atomic(path, note.data, note.len, 0644, 0);
    if (rc != AZK_OK)
        goto done;
    *out = azk_buf_detach(&note);
done:
    azk_free(path);
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
