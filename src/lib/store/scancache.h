/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/scancache.h -- the scan's incremental-sweep cache file (--cache
 * FILE): (device, inode, size, mtime, ctime, engine id) -> the file's
 * results as text (scan/cache.c makes and reads that JSON); and, per path
 * (as a keyed hash, never the name), the version last answered there. It is a local
 * file beside the scanner, not the catalog, and SQLite only by design: one
 * scanner's private memo, nothing shared, nothing to set up; a
 * "postgresql://" target is refused. Writes are batched in transactions
 * of 256, or, in manual mode, kept only when the caller commits. Not thread-safe: the caller
 * serialises (scan/cache.c holds a mutex). Not public API.
 */
#ifndef AZK_STORE_SCANCACHE_H
#define AZK_STORE_SCANCACHE_H

#include "util/util.h"

#include <stdint.h>

struct azk_scancache;

/* What identifies one version of a file. */
struct azk_scancache_key {
    uint64_t dev, ino, size;
    int64_t mtime_ns, ctime_ns;
    const char *engine; /* engine id: results of another engine version never match */
};

/* Open (create) the cache file at path. */
AZK_NODISCARD azk_status azk_store__scancache_open(struct azk_scancache **out, const char *path);
/* Commit what is pending and close; NULL is fine. */
void azk_store__scancache_close(struct azk_scancache *c);
/* The results text of k into out (cleared first); *found = false when none. */
AZK_NODISCARD azk_status azk_store__scancache_get(struct azk_scancache *c,
                                                  const struct azk_scancache_key *k, azk_buf *out,
                                                  bool *found);
/* Record (replace) the results text of k. */
AZK_NODISCARD azk_status azk_store__scancache_put(struct azk_scancache *c,
                                                  const struct azk_scancache_key *k,
                                                  const char *json);

/* The 32-byte key of the path hashes, made (random) and kept at the first call. */
AZK_NODISCARD azk_status azk_store__scancache_path_key(struct azk_scancache *c, uint8_t key[32]);
/* *same = the path hashed to h was last answered with exactly version k. */
AZK_NODISCARD azk_status azk_store__scancache_path_same(struct azk_scancache *c,
                                                        const uint8_t h[32],
                                                        const struct azk_scancache_key *k,
                                                        bool *same);
/* Record that the path hashed to h was answered with version k. */
AZK_NODISCARD azk_status azk_store__scancache_path_put(struct azk_scancache *c, const uint8_t h[32],
                                                       const struct azk_scancache_key *k);

/* From now on writes are kept only by azk_store__scancache_commit; close drops the rest. */
void azk_store__scancache_set_manual(struct azk_scancache *c);
/* Commit the writes pending (manual mode; harmless otherwise). */
AZK_NODISCARD azk_status azk_store__scancache_commit(struct azk_scancache *c);

#endif
