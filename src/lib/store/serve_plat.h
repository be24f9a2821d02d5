/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/serve_plat.h -- what the platform of azukari serve keeps in the
 * catalog (schema version 5, serve block): rate-limit counters (table
 * rate_limits, counted in fixed windows, read as a sliding estimate) and keys shared by every serve
 * process of one catalog (table serve_keys); and the paginated dataset list of the JSON API (keyset
 * pagination on the dataset id). Works on either backend (store/db.h). Not public API.
 */
#ifndef AZK_STORE_SERVE_PLAT_H
#define AZK_STORE_SERVE_PLAT_H

#include "store/datasets.h"
#include "store/dash_summary.h"
#include "store/event.h"

/*
 * Count one request against each of `keys` in the window starting at
 * `window_start`, in one transaction; hits[i] = the key's count in the
 * window, this request included. Windows that started before
 * `prune_before` are deleted when a new window begins; prev_hits (NULL:
 * not wanted) gets each key's count in the window starting at
 * `prune_before` (0 when none): the previous window, for a sliding estimate.
 */
AZK_NODISCARD azk_status azk_store__rate_hits(azk_home *h, const char *const *keys, size_t count,
                                              int64_t window_start, int64_t prune_before,
                                              int64_t *hits, int64_t *prev_hits);

/*
 * The shared key `name` (32 bytes): the one already stored, else
 * `candidate`, stored now (the first process to ask wins; every process
 * gets the same key).
 */
AZK_NODISCARD azk_status azk_store__serve_key(azk_home *h, const char *name,
                                              const uint8_t candidate[32], uint8_t out[32]);

/*
 * One page of datasets in id order, after the id `after` ("" = from the
 * first), at most `limit` rows: of `client` when not NULL, and only of the
 * clients granted to `grantee` when not NULL. *more = a row follows.
 */
AZK_NODISCARD azk_status azk_store__datasets_page(azk_home *h, const char *client,
                                                  const char *grantee, const char *after,
                                                  size_t limit, azk_store_deadline_cb cb,
                                                  void *payload, bool *more);

/*
 * The `limit` active datasets with the earliest deadlines (overdue ones first), by
 * (retain_until, id); only of the clients granted to `grantee` when not NULL. *more = more
 * active datasets follow. One indexed read, however many datasets the catalog holds.
 */
AZK_NODISCARD azk_status azk_store__datasets_next_deadlines(azk_home *h, const char *grantee,
                                                            size_t limit, azk_store_deadline_cb cb,
                                                            void *payload, bool *more);

/* the dashboard's counts per client: store/dash_summary.h */

/* Is the connection to the catalog's server lost (PostgreSQL gone)? */
bool azk_store__catalog_lost(azk_home *h);

#endif
