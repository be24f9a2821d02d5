/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit/ledger_check.c -- whole-log checks: the log read from the start
 * (every frame, sequence number and link), leaf hashes in parallel, the
 * index against the log, stored checkpoints against the tree, the full
 * check before signing and the read-only open.
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

/* ---- whole-log checks (sign, read-only open, recovery) ---------------------- */

void azk_audit__logscan_dispose(struct logscan *s)
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
azk_status azk_audit__scan_log(int fd, struct logscan *s)
{
    return azk_audit__scan_log_visit(fd, s, NULL, NULL);
}

/* Each good entry in order to visit, NUL-terminated in a reused buffer. */
static azk_status visit_entries(const uint8_t *map, const struct logscan *s,
                                azk_audit_entry_cb visit, void *payload)
{
    char *buf = NULL;
    size_t cap = 0;
    azk_status rc = AZK_OK;
    for (uint64_t i = 0; rc == AZK_OK && i < s->n; i++) {
        size_t len = (size_t)(s->offs[i + 1] - s->offs[i]) - FRAME_OVH;
        if (len + 1 > cap) {
            char *nb = azk_realloc(buf, len + 1);
            if (nb == NULL) {
                rc = azk_error_nomem();
                break;
            }
            buf = nb;
            cap = len + 1;
        }
        memcpy(buf, map + s->offs[i] + FRAME_HDR, len);
        buf[len] = '\0';
        rc = visit(i, buf, len, payload);
    }
    azk_free(buf);
    return rc;
}

azk_status azk_audit__scan_log_visit(int fd, struct logscan *s, azk_audit_entry_cb visit,
                                     void *payload)
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
        uint32_t len = rem >= FRAME_HDR ? azk_audit__get_u32be(f + 4) : 0;
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
    if (visit != NULL)
        rc = visit_entries(map, s, visit, payload);
done:
    if (map != NULL)
        munmap(map, size);
    if (rc != AZK_OK)
        azk_audit__logscan_dispose(s);
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
    while (nidx > 0 && azk_audit__index_record_zero(a, nidx - 1))
        nidx--;
    *recorded = nidx;
    upto = nidx < s->n ? nidx : s->n;
    for (uint64_t i = 0; i < upto; i++) {
        const uint8_t *rec = blk + (i % 256) * IDX_REC;
        if (i % 256 == 0) {
            uint64_t k = upto - i < 256 ? upto - i : 256;
            rc = azk_audit__pread_full(a->idx_fd, blk, (size_t)k * IDX_REC, i * IDX_REC,
                                       "read index");
            if (rc != AZK_OK)
                return rc;
        }
        if (azk_audit__get_u64be(rec) != s->offs[i] ||
            (uint64_t)azk_audit__get_u32be(rec + 8) + FRAME_OVH != s->offs[i + 1] - s->offs[i] ||
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
azk_status azk_audit__stored_names(azk_audit *a, char ***out, size_t *count)
{
    char *dir = NULL;
    azk_status rc;
    *out = NULL;
    *count = 0;
    rc = azk_audit__path_join(&dir, a->dir, "checkpoints");
    if (rc != AZK_OK)
        return rc;
    rc = azk_audit__note_names(dir, 25, out, count);
    azk_free(dir);
    return rc;
}

/* Read and open stored checkpoint `name`; a file that does not verify is an alarm. */
azk_status azk_audit__stored_open(azk_audit *a, const char *name, struct stored_cp *out)
{
    azk_buf text = AZK_BUF_INIT;
    char *p = NULL, rel[96];
    size_t tl = 0;
    azk_status rc;
    memset(out, 0, sizeof(*out));
    snprintf(out->name, sizeof(out->name), "%s", name);
    snprintf(rel, sizeof(rel), "checkpoints/%s", name);
    rc = azk_audit__path_join(&p, a->dir, rel);
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
azk_status azk_audit__stored_vs_tree(const struct stored_cp *s, const struct azk_audit__nodes *t,
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
azk_status azk_audit__full_check(azk_audit *a, struct azk_audit__memtree *mt, int *built)
{
    return azk_audit__full_check_visit(a, mt, built, NULL, NULL);
}

azk_status azk_audit__full_check_visit(azk_audit *a, struct azk_audit__memtree *mt, int *built,
                                       azk_audit_entry_cb visit, void *payload)
{
    struct logscan s;
    uint64_t recorded = 0;
    uint8_t *buf = NULL;
    size_t bl = 0;
    azk_status rc = azk_audit__scan_log_visit(a->log_fd, &s, visit, payload);
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
        rc = azk_audit__level_fd(a, l, &fd);
        if (rc == AZK_OK)
            rc = azk_audit__pread_full(fd, buf, len, 0, "read tree cache");
        if (rc != AZK_OK || memcmp(buf, mt->level[l], len) != 0) {
            azk_error_clear();
            azk_log(AZK_LOG_WARN, "ledger: tree cache level %u damaged; rebuilt from the log", l);
            rc = azk_audit__pwrite_full(fd, mt->level[l], len, 0, "write tree cache");
            if (rc == AZK_OK && ftruncate(fd, (off_t)len) != 0)
                rc = azk_error_errno("truncate tree cache");
            if (rc != AZK_OK)
                goto done;
        }
    }
done:
    azk_free(buf);
    azk_audit__logscan_dispose(&s);
    if (rc != AZK_OK && *built) {
        azk_audit__memtree_dispose(mt);
        *built = 0;
    }
    return rc;
}

/*
 * Compare the ledger with the newest stored checkpoint (lock held, after
 * azk_audit__sync_state): O(log n) cache reads normally. When the cached root differs,
 * the tree is recomputed from the log: a damaged cache is rebuilt, a log
 * that differs from what was signed is a tamper alarm.
 */
/* Stored checkpoint s against the tree of a->n leaves: the tree files, and when they
 * disagree (read-write), the tree recomputed from the log (the cache or the log?). */
static azk_status stored_vs_current(azk_audit *a, const struct stored_cp *s)
{
    struct azk_audit__nodes t;
    struct azk_audit__memtree mt;
    int built = 0;
    azk_status rc;
    azk_audit__file_nodes(a, &t);
    rc = azk_audit__stored_vs_tree(s, &t, a->n);
    if (a->ro || rc != AZK_ERR_INTEGRITY || s->cp.size > a->n)
        return rc;
    /* the cache or the log: recompute from the log */
    azk_error_clear();
    rc = azk_audit__full_check(a, &mt, &built);
    if (rc == AZK_OK) {
        azk_audit__memtree_nodes(&mt, &t);
        rc = azk_audit__stored_vs_tree(s, &t, a->n);
    }
    if (built)
        azk_audit__memtree_dispose(&mt);
    return rc;
}

azk_status azk_audit__check_newest(azk_audit *a)
{
    char **names = NULL;
    size_t count = 0;
    struct stored_cp s;
    azk_status rc = azk_audit__stored_names(a, &names, &count);
    a->newest_have = 0;
    if (rc != AZK_OK || count == 0)
        goto done;
    rc = azk_audit__stored_open(a, names[count - 1], &s);
    if (rc != AZK_OK)
        goto done;
    rc = stored_vs_current(a, &s);
    if (rc == AZK_OK && !a->ro) {
        a->newest = s; /* verified: each append compares it again (newest_vs_tree) */
        a->newest_have = 1;
    }
done:
    azk_audit__free_names(names, count);
    return rc;
}

azk_status azk_audit__newest_vs_tree(azk_audit *a)
{
    return a->newest_have ? stored_vs_current(a, &a->newest) : AZK_OK;
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
    if (nidx == 0 || azk_audit__index_record_zero(a, nidx - 1) ||
        azk_audit__index_check_last(a, nidx - 1, log_size, &end, last) != AZK_OK || end != log_size)
        return 0;
    a->ro_files = 1;
    for (unsigned l = 1; ok && l < MAX_LEVELS && (nidx >> l) > 0; l++) {
        int fd = -1;
        ok = azk_audit__level_fd(a, l, &fd) == AZK_OK && fstat(fd, &st) == 0 &&
             (uint64_t)st.st_size >= (nidx >> l) * HLEN;
    }
    if (ok) {
        a->n = nidx;
        a->log_end = end;
        memcpy(a->last_leaf, last, HLEN);
        ok = azk_audit__check_newest(a) == AZK_OK;
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

azk_status azk_audit__open_readonly(azk_audit *a, azk_audit_open_info *info)
{
    struct logscan s;
    uint64_t recorded = 0;
    azk_status rc;
    if (open_readonly_files(a, info))
        return AZK_OK;
    azk_error_clear();
    rc = azk_audit__scan_log(a->log_fd, &s);
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
    rc = azk_audit__check_newest(a);
done:
    azk_audit__logscan_dispose(&s);
    return rc;
}
