/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit/ledger_tree.c -- the Merkle tree cache of a ledger (ledger/tree-NN
 * files: complete perfect subtrees per level, extended on append, rebuilt
 * when they disagree with the log) and the log frame format (AZL1 | u32be
 * len | entry | leaf hash).
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
#include "audit/ledger_int.h"

/* ---- tree cache -------------------------------------------------------------- */

azk_status azk_audit__level_fd(azk_audit *a, unsigned l, int *fd)
{
    if (a->lvl_fd[l] < 0) {
        char name[32];
        char *p = NULL;
        azk_status rc;
        snprintf(name, sizeof(name), "tree-%02u", l);
        rc = azk_audit__path_join(&p, a->dir, name);
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
        return azk_audit__pread_full(a->idx_fd, out, HLEN, idx * IDX_REC + 16, "read index");
    if (level >= MAX_LEVELS)
        return azk_error_set(AZK_ERR_ARG, "audit: tree level %u", level);
    rc = azk_audit__level_fd(a, level, &fd);
    if (rc != AZK_OK)
        return rc;
    return azk_audit__pread_full(fd, out, HLEN, idx * HLEN, "read tree cache");
}

void azk_audit__file_nodes(azk_audit *a, struct azk_audit__nodes *t)
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
azk_status azk_audit__tree_extend(azk_audit *a, uint64_t old_n, uint64_t new_n,
                                  const uint8_t *leaves)
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
        rc = azk_audit__level_fd(a, l, &fd);
        if (rc == AZK_OK)
            rc = azk_audit__pwrite_full(fd, next, (size_t)cnt * HLEN, c_old * HLEN,
                                        "write tree cache");
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
azk_status azk_audit__tree_fix(azk_audit *a, uint64_t count, int wipe)
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
            rc = azk_audit__path_join(&p, a->dir, name);
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
        rc = azk_audit__level_fd(a, l, &fd);
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
                rc = azk_audit__pwrite_full(fd, buf, (size_t)cnt * HLEN, have * HLEN,
                                            "write tree cache");
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

uint32_t azk_audit__get_u32be(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void azk_audit__put_u32be(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

void azk_audit__put_u64be(uint8_t *p, uint64_t v)
{
    azk_audit__put_u32be(p, (uint32_t)(v >> 32));
    azk_audit__put_u32be(p + 4, (uint32_t)v);
}

uint64_t azk_audit__get_u64be(const uint8_t *p)
{
    return (uint64_t)azk_audit__get_u32be(p) << 32 | azk_audit__get_u32be(p + 4);
}

/*
 * True when `p[0..n)` (the bytes after the last complete frame, n > 0) can
 * be a strict prefix of a frame: what an append cut by a crash leaves.
 */
int azk_audit__torn_prefix(const uint8_t *p, size_t n)
{
    size_t m = n < 4 ? n : 4;
    uint32_t len;
    if (memcmp(p, FRAME_MAGIC, m) != 0)
        return 0;
    if (n < FRAME_HDR)
        return 1;
    len = azk_audit__get_u32be(p + 4);
    if (len == 0 || len > AZK_AUDIT_ENTRY_MAX)
        return 0;
    return n < (size_t)len + FRAME_OVH;
}

/*
 * Check one frame at `p` (n bytes available). Returns 1 and its length in
 * *flen when complete and well formed (the stored hash may still differ
 * from `leaf`, computed here), 0 when the bytes are no frame or cut.
 */
int azk_audit__frame(const uint8_t *p, size_t n, size_t *flen, uint8_t leaf[HLEN])
{
    uint32_t len;
    if (n < FRAME_OVH || memcmp(p, FRAME_MAGIC, 4) != 0)
        return 0;
    len = azk_audit__get_u32be(p + 4);
    if (len == 0 || len > AZK_AUDIT_ENTRY_MAX || n < (size_t)len + FRAME_OVH)
        return 0;
    azk_audit_leaf_hash(p + FRAME_HDR, len, leaf);
    *flen = (size_t)len + FRAME_OVH;
    return 1;
}
