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
 *
 * This file: opening a ledger and catching up with the log, appends,
 * reads, roots, proofs and checkpoints. The home and key files are in
 * ledger_home.c, the tree cache and frames in ledger_tree.c, whole-log
 * checks in ledger_check.c, recovery after a tamper alarm in
 * ledger_recover.c (shared declarations: ledger_int.h).
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

/* ---- open and sync ------------------------------------------------------------- */

azk_status azk_audit__lock_log(azk_audit *a, int op)
{
    while (flock(a->log_fd, op) != 0) {
        if (errno != EINTR)
            return azk_error_errno("lock ledger");
    }
    return AZK_OK;
}

void azk_audit__unlock_log(azk_audit *a)
{
    (void)flock(a->log_fd, LOCK_UN);
}

/*
 * The index is the record of acknowledged appends: a record is written only
 * after its frame was fdatasync'd, so a crash can leave the index behind
 * the log, never ahead of it. Records the kernel extended the file for but
 * never wrote (power loss) read as zeros and are no evidence.
 */
int azk_audit__index_record_zero(azk_audit *a, uint64_t i)
{
    uint8_t rec[IDX_REC];
    if (azk_audit__pread_full(a->idx_fd, rec, IDX_REC, i * IDX_REC, "read index") != AZK_OK)
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
azk_status azk_audit__index_check_last(azk_audit *a, uint64_t i, uint64_t log_size, uint64_t *end,
                                       uint8_t hash[HLEN])
{
    uint8_t rec[IDX_REC], hdr[FRAME_HDR], tail[HLEN], leaf[HLEN];
    uint8_t *body;
    uint64_t off, rend;
    uint32_t len;
    azk_status rc = azk_audit__pread_full(a->idx_fd, rec, IDX_REC, i * IDX_REC, "read index");
    if (rc != AZK_OK)
        return rc;
    off = azk_audit__get_u64be(rec);
    len = azk_audit__get_u32be(rec + 8);
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
    rc = azk_audit__pread_full(a->log_fd, hdr, FRAME_HDR, off, "read ledger");
    if (rc == AZK_OK)
        rc = azk_audit__pread_full(a->log_fd, body, len, off + FRAME_HDR, "read ledger");
    if (rc == AZK_OK)
        rc = azk_audit__pread_full(a->log_fd, tail, HLEN, off + FRAME_HDR + len, "read ledger");
    if (rc == AZK_OK)
        azk_audit_leaf_hash(body, len, leaf);
    azk_free(body);
    if (rc != AZK_OK)
        return rc;
    if (memcmp(hdr, FRAME_MAGIC, 4) != 0 || azk_audit__get_u32be(hdr + 4) != len ||
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
 * that disagrees with the index is a tamper alarm (see azk_audit__index_check_last).
 */
azk_status azk_audit__sync_state(azk_audit *a, azk_audit_open_info *info)
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
    while (nidx > 0 && azk_audit__index_record_zero(a, nidx - 1))
        nidx--;
    if (nidx > 0) {
        rc = azk_audit__index_check_last(a, nidx - 1, log_size, &end, last);
        if (rc != AZK_OK)
            return rc;
    }
    azk_error_clear();
    if ((uint64_t)st.st_size != nidx * IDX_REC &&
        ftruncate(a->idx_fd, (off_t)(nidx * IDX_REC)) != 0)
        return azk_error_errno("truncate index");
    rc = azk_audit__tree_fix(a, nidx, 0);
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
        rc = azk_audit__pread_full(a->log_fd, buf, have, end, "read ledger");
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
            azk_audit__put_u64be(rec, end + pos);
            azk_audit__put_u32be(rec + 8, (uint32_t)(flen - FRAME_OVH));
            azk_audit__put_u32be(rec + 12, 0);
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
        rc = azk_audit__pwrite_full(a->idx_fd, recs.data, recs.len, nidx * IDX_REC, "write index");
        if (rc == AZK_OK)
            rc = azk_audit__tree_extend(a, nidx, n, leaves.data);
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

/* Open the files of a ledger; with `check`, sync and compare as open does. */
azk_status azk_audit__open_handle(azk_audit **out, const char *home, int ro, int check,
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
    azk_audit__default_names(a->actor, sizeof(a->actor), a->host, sizeof(a->host));
    a->home = azk_strdup(home);
    if (a->home == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    rc = azk_audit__path_join(&a->dir, home, "ledger");
    if (rc == AZK_OK)
        rc = azk_audit__path_join(&p, home, "keys/ledger.key");
    if (rc != AZK_OK)
        goto done;
    rc = azk_audit__read_file(p, &text, 4096);
    if (rc == AZK_ERR_NOTFOUND) {
        rc = azk_audit__missing_ledger(home, 1);
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
    rc = azk_audit__path_join(&p, a->dir, "entries.log");
    if (rc != AZK_OK)
        goto done;
    a->log_fd = open(p, (ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
    if (a->log_fd < 0) {
        rc = errno == ENOENT ? azk_audit__missing_ledger(home, 0) : azk_error_errno("open ledger");
        goto done;
    }
    azk_free(p);
    p = NULL;
    rc = azk_audit__path_join(&p, a->dir, "index");
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
        rc = azk_audit__lock_log(a, ro ? LOCK_SH : LOCK_EX);
        if (rc != AZK_OK)
            goto done;
        if (ro) {
            rc = azk_audit__open_readonly(a, info);
        } else {
            rc = azk_audit__sync_state(a, info);
            if (rc == AZK_OK)
                rc = azk_audit__check_newest(a);
        }
        azk_audit__unlock_log(a);
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
    return azk_audit__open_handle(out, home, (flags & AZK_AUDIT_OPEN_READONLY) != 0, 1, info);
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
    if (a->vt_built)
        azk_audit__memtree_dispose(&a->vt);
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
    rc = azk_audit__lock_log(a, LOCK_EX);
    if (rc != AZK_OK)
        goto done;
    locked = 1;
    rc = azk_audit__sync_state(a, NULL);
    if (rc == AZK_OK)
        rc = azk_audit__newest_vs_tree(a); /* a history rewritten since the open */
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
        azk_audit__put_u32be(frames.data + at + 4, len);
        azk_audit_leaf_hash(frames.data + at + FRAME_HDR, len, leaves + i * HLEN);
        rc = azk_buf_put(&frames, leaves + i * HLEN, HLEN);
        if (rc != AZK_OK)
            goto done;
        memcpy(prev, leaves + i * HLEN, HLEN);
        azk_audit__put_u64be(rec, a->log_end + at);
        azk_audit__put_u32be(rec + 8, len);
        azk_audit__put_u32be(rec + 12, 0);
        memcpy(rec + 16, leaves + i * HLEN, HLEN);
        rc = azk_buf_put(&recs, rec, IDX_REC);
        if (rc != AZK_OK)
            goto done;
    }
    rc = azk_audit__pwrite_full(a->log_fd, frames.data, frames.len, a->log_end, "write ledger");
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
    rc = azk_audit__pwrite_full(a->idx_fd, recs.data, recs.len, n0 * IDX_REC, "write index");
    if (rc == AZK_OK)
        rc = azk_audit__tree_extend(a, n0, n0 + count, leaves);
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
        azk_audit__unlock_log(a);
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
        rc = azk_audit__pread_full(a->idx_fd, rec, IDX_REC, index * IDX_REC, "read index");
        if (rc != AZK_OK)
            return rc;
        off = azk_audit__get_u64be(rec);
        len = azk_audit__get_u32be(rec + 8);
    }
    if (len == 0 || len > AZK_AUDIT_ENTRY_MAX)
        return azk_error_set(AZK_ERR_INTEGRITY, "ledger: index record %llu damaged",
                             (unsigned long long)index);
    e = azk_malloc((size_t)len + 1);
    if (e == NULL)
        return azk_error_nomem();
    rc = azk_audit__pread_full(a->log_fd, e, len, off + FRAME_HDR, "read ledger");
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
    azk_audit__file_nodes(a, &t);
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
    azk_audit__file_nodes(a, &t);
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
    azk_audit__file_nodes(a, &t);
    rc = azk_audit__consistency(&t, old_size, new_size, hashes, &count);
    if (rc != AZK_OK)
        return rc;
    return proof_out(hashes, count, out, out_count);
}

/*
 * Store a signed checkpoint, append-only: a file for that size is never
 * overwritten. One that exists already must be of the same root (the same
 * note, as Ed25519 signatures are deterministic); azk_audit__stored_vs_tree checked it.
 */
static azk_status store_checkpoint(azk_audit *a, uint64_t size, const azk_buf *note)
{
    char name[64];
    char *path = NULL;
    azk_status rc;
    snprintf(name, sizeof(name), "checkpoints/%020llu.note", (unsigned long long)size);
    rc = azk_audit__path_join(&path, a->dir, name);
    if (rc == AZK_OK)
        rc = azk_audit__write_file_atomic(path, note->data, note->len, 0644, 1);
    azk_free(path);
    return rc;
}

/* The checkpoint of the first `size` entries (size <= a->n after the sync). */
static azk_status checkpoint_impl(azk_audit *a, uint64_t want, int sign, char **out);

azk_status azk_audit_checkpoint(azk_audit *a, int sign, char **out)
{
    return checkpoint_impl(a, UINT64_MAX, sign, out);
}

azk_status azk_audit_checkpoint_at(azk_audit *a, uint64_t size, char **out)
{
    if (size == UINT64_MAX)
        return azk_error_set(AZK_ERR_ARG, "audit: bad checkpoint size");
    return checkpoint_impl(a, size, 1, out);
}

static azk_status checkpoint_impl(azk_audit *a, uint64_t want, int sign, char **out)
{
    uint64_t size;
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
        if (want != UINT64_MAX && want > a->n)
            return azk_error_set(AZK_ERR_ARG, "audit: checkpoint size beyond the ledger");
        size = want == UINT64_MAX ? a->n : want;
        rc = azk_audit_root(a, size, root);
        if (rc == AZK_OK)
            rc = azk_audit__checkpoint_body(a->key.name, size, root, &body);
        if (rc == AZK_OK)
            *out = azk_buf_detach(&body);
        goto done;
    }
    /* see what other processes appended */
    rc = azk_audit__lock_log(a, LOCK_EX);
    if (rc != AZK_OK)
        return rc;
    locked = 1;
    rc = azk_audit__sync_state(a, NULL);
    if (rc != AZK_OK)
        goto done;
    if (want != UINT64_MAX && want > a->n) {
        rc = azk_error_set(AZK_ERR_ARG, "audit: checkpoint size beyond the ledger");
        goto done;
    }
    size = want == UINT64_MAX ? a->n : want;
    if (!sign) {
        rc = azk_audit_root(a, size, root);
        if (rc == AZK_OK)
            rc = azk_audit__checkpoint_body(a->key.name, size, root, &body);
        if (rc == AZK_OK)
            *out = azk_buf_detach(&body);
        goto done;
    }
    /*
     * Nothing is signed from caches alone: recompute the tree from the log
     * (a damaged cache is rebuilt), and never sign a tree that does not
     * extend every checkpoint signed before (C2SP tlog-checkpoint).
     */
    if (a->vt_built && a->vt_n == a->n && a->vt_end == a->log_end) {
        /* recomputed from the log by azk_audit_read_all, nothing appended since */
        azk_audit__memtree_nodes(&a->vt, &t);
    } else {
        rc = azk_audit__full_check(a, &mt, &built);
        if (rc != AZK_OK)
            goto done;
        azk_audit__memtree_nodes(&mt, &t);
    }
    rc = azk_audit__stored_names(a, &names, &count);
    for (size_t i = 0; rc == AZK_OK && i < count; i++) {
        struct stored_cp s;
        rc = azk_audit__stored_open(a, names[i], &s);
        if (rc == AZK_OK)
            rc = azk_audit__stored_vs_tree(&s, &t, a->n);
    }
    if (rc == AZK_OK)
        rc = azk_audit__root(&t, size, root);
    if (rc == AZK_OK)
        rc = azk_audit__checkpoint_body(a->key.name, size, root, &body);
    if (rc == AZK_OK)
        rc = azk_audit__note_sign(&a->key, (char *)body.data, body.len, &note);
    if (rc == AZK_OK)
        rc = store_checkpoint(a, size, &note);
    if (rc != AZK_OK)
        goto done;
    *out = azk_buf_detach(&note);
done:
    if (locked)
        azk_audit__unlock_log(a);
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
