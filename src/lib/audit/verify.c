/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit/verify.c -- `audit verify`: recompute everything from the log and
 * trust no cache. Reads entries.log once (mmap), checks each frame (magic,
 * length, leaf hash), the chain prefix of each entry (@seq = its index,
 * @prev = the previous entry's leaf hash), builds the Merkle tree in memory
 * and checks every stored checkpoint and every checkpoint a client kept
 * (signature by the ledger key, origin, size, root). A torn last append is
 * reported but is no failure (the next open repairs it). The first problem
 * of each entry is reported with its index.
 */
#include "audit/audit_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define FRAME_HDR     8
#define FRAME_OVH     (FRAME_HDR + HLEN)
#define MAX_CALLBACKS 50

azk_status azk_audit__read_file(const char *path, azk_buf *out, size_t max);
int azk_audit__torn_prefix(const uint8_t *p, size_t n);

struct vctx {
    azk_audit_report *rep;
    azk_audit_issue_cb cb;
    void *payload;
    azk_status cb_rc; /* the callback's first non-OK status: no more calls */
};

void azk_audit__issue(struct vctx *v, azk_audit_issue_kind kind, uint64_t index, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));
azk_status azk_audit__issue_status(const struct vctx *v, azk_status rc);
void azk_audit__issue(struct vctx *v, azk_audit_issue_kind kind, uint64_t index, const char *fmt,
                      ...)
{
    char msg[512];
    va_list ap;
    v->rep->issues++;
    if (index != UINT64_MAX && index < v->rep->first_bad_index)
        v->rep->first_bad_index = index;
    if (v->cb == NULL || v->cb_rc != AZK_OK)
        return;
    if (v->rep->issues > MAX_CALLBACKS) {
        if (v->rep->issues == MAX_CALLBACKS + 1)
            v->cb_rc = v->cb(kind, UINT64_MAX, "further problems not listed", v->payload);
        return;
    }
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    v->cb_rc = v->cb(kind, index, msg, v->payload);
}

/* The verification's status: a callback's failure wins over a clean run. */
azk_status azk_audit__issue_status(const struct vctx *v, azk_status rc)
{
    if (rc == AZK_OK && v->cb_rc != AZK_OK)
        return azk_error_set(v->cb_rc,
                             "audit: verification stopped: the issue callback returned %s",
                             azk_status_name(v->cb_rc));
    return rc;
}

/*
 * Check one checkpoint note against the ledger key and the recomputed tree
 * (`t` over `n` leaves). `what` names it in messages.
 */
void azk_audit__check_checkpoint(struct vctx *v, const struct azk_audit__key *key, const char *note,
                                 size_t len, const struct azk_audit__nodes *t, uint64_t n,
                                 const char *what, azk_audit_checkpoint_info *out);
void azk_audit__check_checkpoint(struct vctx *v, const struct azk_audit__key *key, const char *note,
                                 size_t len, const struct azk_audit__nodes *t, uint64_t n,
                                 const char *what, azk_audit_checkpoint_info *out)
{
    const char *nl = memchr(note, '\n', len);
    size_t tl = 0;
    azk_audit_checkpoint_info cp;
    uint8_t root[HLEN];
    azk_status rc;
    v->rep->checkpoints++;
    if (out != NULL)
        memset(out, 0, sizeof(*out));
    if (nl == NULL) {
        azk_audit__issue(v, AZK_AUDIT_ISSUE_CHECKPOINT, UINT64_MAX, "%s: not a checkpoint", what);
        return;
    }
    if (memchr(note, '\r', len) != NULL) {
        azk_audit__issue(v, AZK_AUDIT_ISSUE_CHECKPOINT, UINT64_MAX,
                         "%s: has CRLF (Windows) line endings; signed notes use LF only: convert "
                         "it (e.g. dos2unix) and check again",
                         what);
        return;
    }
    if ((size_t)(nl - note) != strlen(key->name) ||
        memcmp(note, key->name, strlen(key->name)) != 0) {
        azk_audit__issue(v, AZK_AUDIT_ISSUE_FOREIGN, UINT64_MAX,
                         "%s: checkpoint of another ledger (origin %.*s, expected %s)", what,
                         (int)((nl - note) > 200 ? 200 : (nl - note)), note, key->name);
        return;
    }
    rc = azk_audit__note_open(key, note, len, &tl);
    if (rc == AZK_ERR_CRYPTO) {
        azk_audit__issue(v, AZK_AUDIT_ISSUE_SIGNATURE, UINT64_MAX, "%s: %s", what,
                         azk_error_last()->message);
        return;
    }
    if (rc == AZK_OK)
        rc = azk_audit__checkpoint_parse(note, tl, &cp);
    if (rc != AZK_OK) {
        azk_audit__issue(v, AZK_AUDIT_ISSUE_CHECKPOINT, UINT64_MAX, "%s: %s", what,
                         azk_error_last()->message);
        return;
    }
    if (out != NULL)
        *out = cp;
    if (t == NULL)
        return;
    if (cp.size > n) {
        azk_audit__issue(v, AZK_AUDIT_ISSUE_TRUNCATED, n,
                         "%s: signed for %llu entries but the ledger has %llu: entries from index "
                         "%llu were removed",
                         what, (unsigned long long)cp.size, (unsigned long long)n,
                         (unsigned long long)n);
        return;
    }
    if (azk_audit__root(t, cp.size, root) != AZK_OK || sodium_memcmp(root, cp.root, HLEN) != 0) {
        azk_audit__issue(v, AZK_AUDIT_ISSUE_INCONSISTENT, UINT64_MAX,
                         "%s: the first %llu entries are not the ones this checkpoint signed "
                         "(history rewritten)",
                         what, (unsigned long long)cp.size);
    }
}

static azk_status load_vkey(const char *home, struct azk_audit__key *k)
{
    azk_buf text = AZK_BUF_INIT, p = AZK_BUF_INIT;
    azk_status rc = azk_buf_printf(&p, "%s/keys/ledger.pub", home);
    if (rc == AZK_OK)
        rc = azk_audit__read_file((char *)p.data, &text, 4096);
    if (rc == AZK_OK)
        rc = azk_audit__vkey_parse(k, (char *)text.data, text.len);
    else if (rc == AZK_ERR_NOTFOUND)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "ledger: no public key in this home");
    azk_buf_dispose(&text);
    azk_buf_dispose(&p);
    return rc;
}

static azk_status check_stored(struct vctx *v, const char *home, const struct azk_audit__key *k,
                               const struct azk_audit__nodes *t, uint64_t n)
{
    azk_buf dir = AZK_BUF_INIT;
    char **names = NULL;
    size_t count = 0;
    azk_status rc = azk_buf_printf(&dir, "%s/ledger/checkpoints", home);
    if (rc != AZK_OK)
        goto done;
    rc = azk_audit__note_names((char *)dir.data, 0, &names, &count);
    if (rc != AZK_OK)
        goto done;
    for (size_t i = 0; i < count; i++) {
        azk_buf p = AZK_BUF_INIT, text = AZK_BUF_INIT;
        char what[300];
        snprintf(what, sizeof(what), "stored checkpoint %s", names[i]);
        rc = azk_buf_printf(&p, "%s/%s", (char *)dir.data, names[i]);
        if (rc == AZK_OK && azk_audit__read_file((char *)p.data, &text, 1024 * 1024) == AZK_OK)
            azk_audit__check_checkpoint(v, k, (char *)text.data, text.len, t, n, what, NULL);
        else if (rc == AZK_OK)
            azk_audit__issue(v, AZK_AUDIT_ISSUE_CHECKPOINT, UINT64_MAX, "%s: unreadable", what);
        azk_buf_dispose(&p);
        azk_buf_dispose(&text);
        if (rc != AZK_OK)
            goto done;
    }
    azk_error_clear();
done:
    azk_audit__free_names(names, count);
    azk_buf_dispose(&dir);
    return rc;
}

azk_status azk_audit_verify(const char *home, const char *const *checkpoints,
                            size_t checkpoint_count, azk_audit_report *report,
                            azk_audit_issue_cb cb, void *payload)
{
    azk_status rc;
    struct azk_audit__key key;
    struct vctx v;
    struct azk_audit__memtree mt;
    struct azk_audit__nodes t;
    azk_buf path = AZK_BUF_INIT;
    uint8_t *leaves = NULL, *map = NULL, *imap = NULL;
    uint64_t *offs = NULL;
    int tail_bad = 0;
    size_t size = 0, isize = 0, cap = 0, pos = 0;
    uint64_t n = 0;
    uint8_t prev_leaf[HLEN];
    int fd = -1, built = 0;
    struct stat st;

    azk_error_clear();
    if (home == NULL || report == NULL || (checkpoint_count > 0 && checkpoints == NULL))
        return azk_error_set(AZK_ERR_ARG, "audit: missing argument");
    memset(report, 0, sizeof(*report));
    v.rep = report;
    v.cb = cb;
    v.payload = payload;
    v.cb_rc = AZK_OK;
    memset(&mt, 0, sizeof(mt));
    report->first_bad_index = UINT64_MAX;
    rc = load_vkey(home, &key);
    if (rc != AZK_OK)
        return rc;
    rc = azk_buf_printf(&path, "%s/ledger/entries.log", home);
    if (rc != AZK_OK)
        goto done;
    fd = open((char *)path.data, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) != 0) {
        rc = azk_error_set(AZK_ERR_NOTFOUND, "ledger: no ledger in this home");
        goto done;
    }
    size = (size_t)st.st_size;
    if (size > 0) {
        map = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            map = NULL;
            rc = azk_error_errno("map ledger");
            goto done;
        }
        (void)madvise(map, size, MADV_SEQUENTIAL);
    }
    close(fd);
    fd = -1;
    /* pass 1: frame boundaries (headers only) */
    while (pos < size) {
        const uint8_t *f = map + pos;
        uint32_t len = 0;
        if (size - pos >= FRAME_OVH)
            len = (uint32_t)f[4] << 24 | (uint32_t)f[5] << 16 | (uint32_t)f[6] << 8 | f[7];
        if (size - pos < FRAME_OVH || memcmp(f, "AZL1", 4) != 0 || len == 0 ||
            len > AZK_AUDIT_ENTRY_MAX || size - pos - FRAME_OVH < len) {
            if (azk_audit__torn_prefix(f, size - pos))
                report->torn_bytes = size - pos;
            else
                tail_bad = 1;
            break;
        }
        /* room for this one and the end offset after the last */
        rc = azk_array_reserve(&offs, &cap, n + 1, sizeof(*offs), 4096);
        if (rc != AZK_OK)
            goto done;
        offs[n++] = pos;
        pos += (size_t)len + FRAME_OVH;
    }
    if (offs != NULL)
        offs[n] = pos;
    /* pass 2: every leaf hash, on all CPUs */
    leaves = azk_malloc((size_t)(n > 0 ? n : 1) * HLEN);
    if (leaves == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    {
        azk_audit__leaf_hashes(map, offs, n, leaves);
    }
    /* pass 3: checksums, sequence numbers and links, in log order */
    memset(prev_leaf, 0, HLEN);
    for (uint64_t i = 0; i < n; i++) {
        const uint8_t *f = map + offs[i];
        size_t flen = (size_t)(offs[i + 1] - offs[i]);
        uint8_t prev[HLEN];
        uint64_t seq;
        if (memcmp(leaves + i * HLEN, f + flen - HLEN, HLEN) != 0) {
            azk_audit__issue(&v, AZK_AUDIT_ISSUE_MODIFIED, i,
                             "entry %llu at byte %llu: content does not match its checksum "
                             "(modified)",
                             (unsigned long long)i, (unsigned long long)offs[i]);
        } else if (azk_audit__entry_chain(f + FRAME_HDR, flen - FRAME_OVH, &seq, prev) != AZK_OK) {
            azk_audit__issue(&v, AZK_AUDIT_ISSUE_MODIFIED, i,
                             "entry %llu at byte %llu: not a ledger entry (inserted or modified)",
                             (unsigned long long)i, (unsigned long long)offs[i]);
        } else if (seq != i) {
            azk_audit__issue(&v, AZK_AUDIT_ISSUE_SEQUENCE, i,
                             "entry %llu: holds sequence number %llu: entries were removed, "
                             "reordered or inserted here",
                             (unsigned long long)i, (unsigned long long)seq);
        } else if (sodium_memcmp(prev, prev_leaf, HLEN) != 0) {
            azk_audit__issue(&v, AZK_AUDIT_ISSUE_LINK, i > 0 ? i - 1 : 0,
                             "entry %llu: link to entry %llu broken: entry %llu was modified or "
                             "replaced",
                             (unsigned long long)i, (unsigned long long)(i > 0 ? i - 1 : 0),
                             (unsigned long long)(i > 0 ? i - 1 : 0));
        }
        memcpy(prev_leaf, leaves + i * HLEN, HLEN);
    }
    if (tail_bad)
        azk_audit__issue(&v, AZK_AUDIT_ISSUE_FRAME, n,
                         "entry %llu at byte %zu: %zu bytes that are no ledger entry "
                         "(garbage appended or a damaged frame)",
                         (unsigned long long)n, pos, size - pos);
    report->entries = n;

    /* the index cache holds each entry's hash as appended */
    azk_buf_clear(&path);
    rc = azk_buf_printf(&path, "%s/ledger/index", home);
    if (rc != AZK_OK)
        goto done;
    fd = open((char *)path.data, O_RDONLY | O_CLOEXEC);
    if (fd >= 0 && fstat(fd, &st) == 0 && st.st_size >= 48) {
        isize = (size_t)st.st_size;
        imap = mmap(NULL, isize, PROT_READ, MAP_PRIVATE, fd, 0);
        if (imap == MAP_FAILED) {
            imap = NULL;
            isize = 0;
        }
    }
    if (fd >= 0)
        close(fd);
    fd = -1;
    {
        /*
         * The index records every acknowledged append (written after the
         * frame was synced; never-written records read as zeros): records
         * past the log's entries mean entries were cut off, and a cut
         * frame among them is no torn append.
         */
        uint64_t nidx = isize / 48;
        while (imap != NULL && nidx > 0) {
            size_t k = 0;
            while (k < 48 && imap[(nidx - 1) * 48 + k] == 0)
                k++;
            if (k < 48)
                break;
            nidx--;
        }
        if (imap != NULL && nidx > n) {
            azk_audit__issue(&v, AZK_AUDIT_ISSUE_TRUNCATED, n,
                             "%llu entries were appended and acknowledged but the log holds %llu: "
                             "entries from index %llu were cut off",
                             (unsigned long long)nidx, (unsigned long long)n,
                             (unsigned long long)n);
            report->torn_bytes = 0;
        }
    }
    for (uint64_t i = 0; imap != NULL && i < n && i < isize / 48; i++) {
        if (memcmp(imap + i * 48 + 16, leaves + i * HLEN, HLEN) != 0) {
            if (i < report->first_bad_index)
                azk_audit__issue(&v, AZK_AUDIT_ISSUE_MODIFIED, i,
                                 "entry %llu: differs from the hash recorded when it was "
                                 "appended (modified)",
                                 (unsigned long long)i);
            break;
        }
    }

    rc = azk_audit__memtree_build(&mt, leaves, n);
    leaves = NULL;
    if (rc != AZK_OK)
        goto done;
    built = 1;
    azk_audit__memtree_nodes(&mt, &t);
    rc = azk_audit__root(&t, n, report->root);
    if (rc != AZK_OK)
        goto done;
    rc = check_stored(&v, home, &key, &t, n);
    if (rc != AZK_OK)
        goto done;
    for (size_t i = 0; i < checkpoint_count; i++) {
        char what[64];
        snprintf(what, sizeof(what), "checkpoint %zu", i + 1);
        azk_audit__check_checkpoint(&v, &key, checkpoints[i], strlen(checkpoints[i]), &t, n, what,
                                    NULL);
    }
    azk_error_clear();
    rc = AZK_OK;
done:
    if (fd >= 0)
        close(fd);
    if (map != NULL)
        munmap(map, size);
    if (imap != NULL)
        munmap(imap, isize);
    if (built)
        azk_audit__memtree_dispose(&mt);
    azk_free(leaves);
    azk_free(offs);
    azk_buf_dispose(&path);
    return azk_audit__issue_status(&v, rc);
}
