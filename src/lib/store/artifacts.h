/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/artifacts.h -- retention's catalog records other than requests:
 * registered artifacts (files derived from a dataset, deleted with it),
 * the residual copies a sweep found, and the per-dataset rows of the
 * retention status report. Each write is one store transaction with its ledger
 * event. (The run's own rows, ret_state and ret_meta, are
 * store/retention_state.h's.) Not public API.
 */
#ifndef AZK_STORE_ARTIFACTS_H
#define AZK_STORE_ARTIFACTS_H

#include "store/event.h"
#include "azukari/retention.h"

/* A registration: identity of the file at `path` (absolute) when registered. */
struct azk_store_artifact {
    const char *dataset, *path, *deadline, *added_by;
    uint64_t dev, ino, size;
    int64_t mtime_ns, ctime_ns;
    const char *hash; /* "blake2b-256:<hex>" */
};

/* Register an artifact with ev, in one transaction that checks the dataset is still active
 * (AZK_ERR_ARG otherwise, AZK_ERR_NOTFOUND when there is none); AZK_ERR_ARG ("already
 * registered") when the dataset has one at that path. */
AZK_NODISCARD azk_status azk_store__artifact_insert(azk_home *h, const struct azk_store_artifact *a,
                                                    const struct azk_store_event *ev);
/* Drop the registration of (dataset, path) if it still names the file (dev, ino). */
AZK_NODISCARD azk_status azk_store__artifact_withdraw(azk_home *h, const char *dataset,
                                                      const char *path, uint64_t dev, uint64_t ino);
/* The disposition of (dataset, path) into out (cleared first; "" when NULL); *found = false
 * when not registered. */
AZK_NODISCARD azk_status azk_store__artifact_disposition(azk_home *h, const char *dataset,
                                                         const char *path, azk_buf *out,
                                                         bool *found);
/* Replace a refused disposition of (dataset, path) by `disp`, with ev, in one transaction;
 * AZK_ERR_NOTFOUND when the artifact is not (or no longer) refused. */
AZK_NODISCARD azk_status azk_store__artifact_resolve(azk_home *h, const char *dataset,
                                                     const char *path, const char *disp,
                                                     const struct azk_store_event *ev);
/* Artifacts of `dataset` (NULL = all), by dataset then path. */
AZK_NODISCARD azk_status azk_store__artifact_list(azk_home *h, const char *dataset,
                                                  azk_artifact_cb cb, void *payload);

/*
 * One page of the artifacts of `dataset` by path: at most `limit`, after the first `skip`
 * (a position, not a path: a page's cursor never carries a file name). *more = one follows.
 */
AZK_NODISCARD azk_status azk_store__artifacts_page(azk_home *h, const char *dataset, int64_t skip,
                                                   size_t limit, azk_artifact_cb cb, void *payload,
                                                   bool *more);
/* Residual copies from the last sweep of `dataset` (NULL = all). */
AZK_NODISCARD azk_status azk_store__residual_list(azk_home *h, const char *dataset,
                                                  azk_residual_cb cb, void *payload);

/* One dataset as the status report sees it (strings borrowed for the callback). */
struct azk_store_status_row {
    const char *dataset, *client, *retain_until, *dataset_state;
    const char *run_state; /* ret_state.state, NULL = never run */
    const char *hold;      /* hold reason, NULL = none */
    const char *early;     /* approved early-deletion request, NULL = none */
    uint64_t residuals, artifacts;
};
typedef azk_status (*azk_store_status_cb)(const struct azk_store_status_row *r, void *payload);
/* Every dataset, by client then id, read in one snapshot. */
AZK_NODISCARD azk_status azk_store__retention_rows(azk_home *h, azk_store_status_cb cb,
                                                   void *payload);

#endif
