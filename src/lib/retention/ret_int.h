/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/ret_int.h -- internals shared by the retention files: the
 * catalog tables of this module, time helpers, safe file removal and the
 * ledger append that returns the entry index.
 */
#ifndef AZK_RET_INT_H
#define AZK_RET_INT_H

#include "store/store.h"
#include "azukari/retention.h"
#include "azukari/catalog.h"

#include <sys/stat.h>
#include <sys/types.h>

/*
 * One act of a kind per home at a time: an flock on <home>/retention/<name>
 * (created 0600), taken without waiting and held until *fd is closed; the
 * kernel releases it when the process dies (kill -9 included), so a crashed
 * holder never blocks the next one. Held by another process: AZK_ERR_ARG
 * "<busy>: nothing done (...)". The home, its vault and its keystore are on
 * one host, so a lock of that host is enough even when the catalog is a
 * shared PostgreSQL. *fd is -1 unless AZK_OK.
 */
AZK_NODISCARD azk_status azk_ret__lock(azk_home *h, const char *name, const char *busy, int *fd);

/* "YYYY-MM-DD" of Unix seconds (UTC). */
void azk_ret__date(int64_t t, char out[16]);
/* "YYYY-MM-DDTHH:MM:SSZ" of Unix seconds (UTC). */
void azk_ret__iso(int64_t t, char out[32]);

/* Append one ledger event; *out_index (may be NULL) gets its index. */
AZK_NODISCARD azk_status azk_ret__audit(azk_home *h, const char *action, const char *dataset,
                                        const char *outcome, const char *reason,
                                        const char *extra_json, uint64_t *out_index);

/*
 * What identifies a registered artifact. (device, inode) alone does not: a
 * file system hands a freed inode number to the next file created, so
 * `rm job.prn; echo new > job.prn` gets the same pair. The size, the
 * modification time and a content hash taken at registration must match
 * too. ctime is recorded but not compared: chmod, rename or a new hard link
 * change it without changing the content, which the hash decides.
 */
struct azk_ret_fileid {
    uint64_t dev, ino, size;
    int64_t mtime_ns, ctime_ns;
    char hash[80]; /* "blake2b-256:<64 hex>"; "" = unknown (registered by an older version) */
};

/*
 * Identify the open regular file `fd`: stat, then a streaming BLAKE2b-256
 * of its content from offset 0 (libsodium generic hash, 64 KiB at a time),
 * then stat again; a file that changed while being hashed is
 * AZK_ERR_INTEGRITY ("changed while read").
 */
AZK_NODISCARD azk_status azk_ret__fileid_fd(int fd, struct azk_ret_fileid *out);

/*
 * Remove the regular file at `path` only when it is the file registered:
 * lstat, open O_NOFOLLOW, fstat check, identity (want; NULL = any regular
 * file, as for the vault file), optionally overwrite with zeros then random
 * (fsync each), unlink.
 * `*disp` gets a static disposition text: "overwritten+unlinked",
 * "unlinked", "already absent", or one starting with "refused: " (symlink,
 * not a regular file, replaced, changed, content differs, unverifiable,
 * other hard links). A file with other hard links is never overwritten
 * (that would destroy the other names' content): only this name is
 * unlinked, *other_links (may be NULL) gets their number, and the result is
 * a refusal so the deletion stays incomplete until a person deals with
 * them (azk_artifact_resolve).
 * Returns AZK_OK for absent/removed, AZK_ERR_PERM for refused, AZK_ERR_IO.
 */
AZK_NODISCARD azk_status azk_ret__remove_file(const char *path, const struct azk_ret_fileid *want,
                                              bool overwrite, const char **disp,
                                              uint64_t *other_links);

/* Disposition of an artifact whose other hard links remain (see above). */
#define AZK_RET_DISP_LINKS "refused: other hard links remain (this name unlinked, not overwritten)"

/*
 * Register the open regular file `fd` (identified as azk_ret__fileid_fd
 * does: stat and content hash) as an artifact of
 * `dataset` under the absolute path it is about to get (vault export: the
 * registration precedes the name). Deadline: the dataset's. Ledger event
 * "artifact.add". azk_ret__artifact_withdraw removes that registration when
 * the file never got its name (the export's ledger event says so).
 */
AZK_NODISCARD azk_status azk_ret__artifact_register(azk_home *h, const char *dataset,
                                                    const char *abs_path, int fd);
AZK_NODISCARD azk_status azk_ret__artifact_withdraw(azk_home *h, const char *dataset,
                                                    const char *abs_path, const struct stat *sb);

/* Test hook: when $AZK_TEST_PAUSE names `step`, create $AZK_TEST_PAUSE_FILE
 * (if set) and sleep until killed. Used by the crash tests only. */
void azk_ret__pause(const char *step);

#endif
