/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/run_int.h -- what the files of a retention run share: the
 * run's context (run.c drives the state machine), artifact removal and
 * progress reports (run.c), the sweep of a group of datasets (sweep.c).
 */
#ifndef AZK_RET_RUN_INT_H
#define AZK_RET_RUN_INT_H

#include "retention/ret_int.h"

struct azk_ret_run {
    azk_home *h;
    const azk_retention_run_options *o;
    int64_t now;
    azk_retention_progress_cb cb;
    void *payload;
    azk_retention_summary *sum;
};

/* Report a step of a dataset to the caller's progress callback (if any). */
void azk_ret__progress(struct azk_ret_run *r, const char *ds, const char *state,
                       const char *detail);

/* <home>/retention/<name>.fp and its key file <name>.fp.key (directory created). */
AZK_NODISCARD azk_status azk_ret__fp_paths(const azk_home *h, const char *name, azk_buf *fp,
                                           azk_buf *key);

/*
 * One sweep of both zones for a group of datasets sharing the fingerprint
 * batch file `batch` (ids sorted); each dataset gets its own verdict
 * (ledger "retention.clean" or "retention.incomplete", state recorded).
 */
AZK_NODISCARD azk_status azk_ret__sweep_group(struct azk_ret_run *r, char **ids, size_t n,
                                              const char *batch);

#endif
