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

/* Create the retention tables when absent (idempotent). */
AZK_NODISCARD azk_status azk_ret__schema(azk_home *h);

/* "YYYY-MM-DD" of Unix seconds (UTC). */
void azk_ret__date(int64_t t, char out[16]);
/* "YYYY-MM-DDTHH:MM:SSZ" of Unix seconds (UTC). */
void azk_ret__iso(int64_t t, char out[32]);

/* Append one ledger event; *out_index (may be NULL) gets its index. */
AZK_NODISCARD azk_status azk_ret__audit(azk_home *h, const char *action, const char *dataset,
                                        const char *outcome, const char *reason,
                                        const char *extra_json, uint64_t *out_index);

/*
 * Remove the regular file at `path` only when it is the file registered
 * (dev/ino; 0/0 = any regular file): lstat, open O_NOFOLLOW, fstat check,
 * optionally overwrite with zeros then random (fsync each), unlink.
 * `*disp` gets a static disposition text: "overwritten+unlinked",
 * "unlinked", "already absent", or "refused: symlink" / "refused: not a
 * regular file" / "refused: replaced (device/inode differ)".
 * Returns AZK_OK for absent/removed, AZK_ERR_PERM for refused, AZK_ERR_IO.
 */
AZK_NODISCARD azk_status azk_ret__remove_file(const char *path, dev_t dev, ino_t ino,
                                              bool overwrite, const char **disp);

/*
 * Register the regular file `sb` (fstat of the open file) as an artifact of
 * `dataset` under the absolute path it is about to get (vault export: the
 * registration precedes the name). Deadline: the dataset's. Ledger event
 * "artifact.add". azk_ret__artifact_withdraw removes that registration when
 * the file never got its name (the export's ledger event says so).
 */
AZK_NODISCARD azk_status azk_ret__artifact_register(azk_home *h, const char *dataset,
                                                    const char *abs_path, const struct stat *sb);
AZK_NODISCARD azk_status azk_ret__artifact_withdraw(azk_home *h, const char *dataset,
                                                    const char *abs_path, const struct stat *sb);

/* Test hook: when $AZK_TEST_PAUSE names `step`, create $AZK_TEST_PAUSE_FILE
 * (if set) and sleep until killed. Used by the crash tests only. */
void azk_ret__pause(const char *step);

#endif
