/* SPDX-License-Identifier: Apache-2.0 */
/*
 * guard/watch_int.h -- what the transfer-folder watcher's files share:
 * watch.c (the loop, the work queue and the journal's state machine:
 * claim, judge, recover), watch_inotify.c (finding files: inotify and
 * rescans) and watch_release.c (moving files out: release, quarantine in
 * the vault, and the two-person release of a quarantined file). The
 * journal itself is the catalog's (store/guard_items.h).
 */
#ifndef AZK_GUARD_WATCH_INT_H
#define AZK_GUARD_WATCH_INT_H

#include "guard/guard_int.h"
#include "store/store.h"

#define AZK_GUARD_PRIV_DIR ".azk-guard"
#define AZK_GUARD_RETRY_MS 5000

struct azk_guard_pending {
    char *rel; /* path under the outbox, or NULL for a claimed id */
    char *id;  /* claimed item to (re)judge */
    uint64_t due_ms;
};

struct azk_guard_watcher {
    azk_home *h;
    azk_guard_policy policy;
    azk_guard *guard;
    char *outbox, *release, *quarantine, *priv;
    unsigned settle_ms;
    int ifd;
    int *wds;
    char **wd_rel; /* index = wd */
    size_t wd_cap;
    struct azk_guard_pending *q;
    size_t q_len, q_cap;
};

/* Monotonic milliseconds. */
uint64_t azk_guard__mono_ms(void);
/* Queue outbox/rel to claim, or claimed item id to (re)judge, at due (ms); one entry each. */
void azk_guard__enqueue(struct azk_guard_watcher *w, const char *rel, const char *id, uint64_t due);

/* watch_inotify.c: names never taken (hidden, .part, .tmp, ~), for one name or a whole path */
bool azk_guard__skip_name(const char *name);
bool azk_guard__skip_rel(const char *rel);
/* Add watches below rel and queue every file (files made before the watch existed). */
void azk_guard__scan_dir(struct azk_guard_watcher *w, const char *rel, uint64_t due);
/* Read pending inotify events and queue what they name. */
void azk_guard__read_events(struct azk_guard_watcher *w);

/* watch_release.c */
AZK_NODISCARD azk_status azk_guard__mkdirs_for(const char *path);
/* fsync the directory of path, best effort. */
void azk_guard__fsync_dir_of(const char *path);
/* Move src to dest without replacing anything (AZK_ERR_ARG when dest exists). */
AZK_NODISCARD azk_status azk_guard__move_noreplace(const char *src, const char *dest);
/* Release a clean item to the release folder (journal releasing, move, released, ledger). */
AZK_NODISCARD azk_status azk_guard__release_file(struct azk_guard_watcher *w, const char *id,
                                                 const char *rel, const char *src);
/* Quarantine a blocked item: encrypted into the vault, key to the keystore, plaintext
 * removed, ledger event, notice for the sender. */
AZK_NODISCARD azk_status azk_guard__quarantine_file(struct azk_guard_watcher *w, const char *id,
                                                    const char *rel, const char *src,
                                                    const azk_guard_decision *d);

#endif
