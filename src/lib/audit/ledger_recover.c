/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit/ledger_recover.c -- recovery after a tamper alarm (azk_audit_recover):
 * what the log holds against the index and checkpoints, and the repair
 * applied only when asked, itself recorded in the ledger.
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
    azk_status rc = azk_audit__scan_log(a->log_fd, s);
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
    while (nidx > 0 && azk_audit__index_record_zero(a, nidx - 1))
        nidx--;
    /* the hashes of the acknowledged entries, lost ones included */
    ileaves = azk_malloc((size_t)(nidx > s->n ? nidx : s->n) * HLEN + 1);
    if (ileaves == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    for (uint64_t i = 0; i < nidx; i++) {
        uint8_t rec[IDX_REC];
        rc = azk_audit__pread_full(a->idx_fd, rec, IDX_REC, i * IDX_REC, "read index");
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
        rc = azk_audit__stored_names(a, &names, &count);
    for (size_t i = 0; rc == AZK_OK && i < count; i++) {
        struct stored_cp c;
        rc = azk_audit__stored_open(a, names[i], &c);
        if (rc == AZK_OK && azk_audit__stored_vs_tree(&c, &t, s->n) != AZK_OK)
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
        azk_audit__put_u64be(r, s->offs[i]);
        azk_audit__put_u32be(r + 8, (uint32_t)(s->offs[i + 1] - s->offs[i] - FRAME_OVH));
        azk_audit__put_u32be(r + 12, 0);
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
    rc = azk_audit__pwrite_full(a->idx_fd, recs, rl, 0, "write index");
    if (rc == AZK_OK)
        rc = azk_audit__tree_fix(a, 0, 1);
    if (rc == AZK_OK)
        rc = azk_audit__tree_extend(a, 0, s->n, s->leaves);
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
    rc = azk_audit__open_handle(&a, home, 0, 0, NULL);
    if (rc == AZK_OK)
        rc = azk_audit__lock_log(a, LOCK_EX);
    if (rc != AZK_OK)
        goto done;
    locked = 1;
    rc = recover_assess(a, &s, info);
    if (rc != AZK_OK || (flags & AZK_AUDIT_RECOVER_ACCEPT_TRUNCATION) == 0)
        goto done;
    rc = recover_apply(a, &s);
    if (rc != AZK_OK)
        goto done;
    azk_audit__unlock_log(a);
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
        azk_audit__unlock_log(a);
    azk_audit__logscan_dispose(&s);
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
