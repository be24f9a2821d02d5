/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit/ledger_int.h -- what the files of the ledger on disk share
 * (internal to src/lib/audit/): the frame constants, the handle, and the
 * helpers one file calls in another's (files and home in ledger_home.c,
 * tree cache and frames in ledger_tree.c, whole-log checks in
 * ledger_check.c, recovery in ledger_recover.c, the rest in ledger.c).
 */
#ifndef AZK_AUDIT_LEDGER_INT_H
#define AZK_AUDIT_LEDGER_INT_H

#include "audit/audit_int.h"

#include <sys/stat.h>
#include <sys/types.h>

#define FRAME_MAGIC "AZL1"
#define FRAME_HDR   8
#define FRAME_OVH   (FRAME_HDR + HLEN)
#define IDX_REC     48
#define MAX_LEVELS  64

/* One stored checkpoint, opened with the ledger key. */
struct stored_cp {
    azk_audit_checkpoint_info cp;
    char name[64];
};

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
    /* read-write handles: the tree azk_audit_read_all recomputed from the log, valid while
     * n and log_end are what they were (checkpoints signed after reuse it) */
    int vt_built;
    struct azk_audit__memtree vt;
    uint64_t vt_n, vt_end;
    /* read-write handles: the newest stored checkpoint, verified at open
     * (azk_audit__check_newest); every append compares it with the tree again */
    int newest_have;
    struct stored_cp newest;
    /* kept handles (azk_audit_keep, ledger_keep.c): the process, and what the paths the
     * handle opened named then (ledger/, ledger/checkpoints/, keys/ledger.key) */
    pid_t pid;
    struct stat kept[3];
};

/* The log read from the start, every frame, sequence number and link checked. */
struct logscan {
    uint8_t *leaves; /* n leaf hashes (azk_malloc'd, at least one slot) */
    uint64_t *offs;  /* n + 1 frame offsets */
    uint64_t n;
    uint64_t end;  /* end of the last good frame */
    uint64_t size; /* bytes in the log */
    int bad;       /* bytes after `end` that are no torn append */
};

azk_status azk_audit__read_file(const char *path, azk_buf *out, size_t max);
int azk_audit__torn_prefix(const uint8_t *p, size_t n);
int azk_audit__frame(const uint8_t *p, size_t n, size_t *flen, uint8_t leaf[HLEN]);

azk_status azk_audit__lock_log(azk_audit *a, int op);
void azk_audit__unlock_log(azk_audit *a);
int azk_audit__index_record_zero(azk_audit *a, uint64_t i);
azk_status azk_audit__index_check_last(azk_audit *a, uint64_t i, uint64_t log_size, uint64_t *end,
                                       uint8_t hash[HLEN]);
azk_status azk_audit__sync_state(azk_audit *a, azk_audit_open_info *info);
azk_status azk_audit__open_handle(azk_audit **out, const char *home, int ro, int check,
                                  azk_audit_open_info *info);
azk_status azk_audit__path_join(char **out, const char *a, const char *b);
azk_status azk_audit__pread_full(int fd, void *buf, size_t n, uint64_t off, const char *what);
azk_status azk_audit__pwrite_full(int fd, const void *buf, size_t n, uint64_t off,
                                  const char *what);
azk_status azk_audit__write_file_atomic(const char *path, const void *data, size_t len, mode_t mode,
                                        int exclusive);
void azk_audit__default_names(char *actor, size_t alen, char *host, size_t hlen);
azk_status azk_audit__missing_ledger(const char *home, int key_missing);
azk_status azk_audit__level_fd(azk_audit *a, unsigned l, int *fd);
void azk_audit__file_nodes(azk_audit *a, struct azk_audit__nodes *t);
azk_status azk_audit__tree_extend(azk_audit *a, uint64_t old_n, uint64_t new_n,
                                  const uint8_t *leaves);
azk_status azk_audit__tree_fix(azk_audit *a, uint64_t count, int wipe);
uint32_t azk_audit__get_u32be(const uint8_t *p);
void azk_audit__put_u32be(uint8_t *p, uint32_t v);
void azk_audit__put_u64be(uint8_t *p, uint64_t v);
uint64_t azk_audit__get_u64be(const uint8_t *p);
void azk_audit__logscan_dispose(struct logscan *s);
azk_status azk_audit__scan_log(int fd, struct logscan *s);
/* The same, giving each good entry (NUL-terminated copy, borrowed) to visit in log order. */
azk_status azk_audit__scan_log_visit(int fd, struct logscan *s, azk_audit_entry_cb visit,
                                     void *payload);
azk_status azk_audit__stored_names(azk_audit *a, char ***out, size_t *count);
azk_status azk_audit__stored_open(azk_audit *a, const char *name, struct stored_cp *out);
azk_status azk_audit__stored_vs_tree(const struct stored_cp *s, const struct azk_audit__nodes *t,
                                     uint64_t n);
azk_status azk_audit__full_check(azk_audit *a, struct azk_audit__memtree *mt, int *built);
/* azk_audit__full_check giving each entry to visit (azk_audit__scan_log_visit). */
azk_status azk_audit__full_check_visit(azk_audit *a, struct azk_audit__memtree *mt, int *built,
                                       azk_audit_entry_cb visit, void *payload);
azk_status azk_audit__check_newest(azk_audit *a);
/* The newest stored checkpoint that check_newest verified, compared with the tree again
 * (read-write handles, lock held; nothing when there is none). */
azk_status azk_audit__newest_vs_tree(azk_audit *a);
azk_status azk_audit__open_readonly(azk_audit *a, azk_audit_open_info *info);

#endif
