/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/serve_views.h -- the catalog reads and writes behind azukari
 * serve's pages (serve/view_*.c): pages of requests, guard items, users,
 * sessions, a dataset's detail (opens, hold, retention state), and the
 * administration writes (role, grants, enrolment links made by an
 * administrator, session revocation, a request refused). Lists are read
 * one page at a time (LIMIT, a cursor on the key: never everything). Each
 * row is handed to the callback as its column texts (NULL for SQL NULL),
 * in the order documented at each function. Each write runs in one store
 * transaction with its ledger event. Not public API.
 */
#ifndef AZK_STORE_SERVE_VIEWS_H
#define AZK_STORE_SERVE_VIEWS_H

#include "store/event.h"

/* One row: cols[0..n) texts (NULL = SQL NULL), borrowed for the call. */
typedef azk_status (*azk_store_row_cb)(const char *const *cols, size_t n, void *payload);

/*
 * Retention requests with id > after (NULL: from the start), state =
 * `state` (NULL: any), at most `limit`, by id. Columns: id, kind, dataset,
 * client, until, reason, requested_by, requested_at, approved_by,
 * approved_at, state.
 */
AZK_NODISCARD azk_status azk_store__requests_page(azk_home *h, const char *state, const char *after,
                                                  size_t limit, azk_store_row_cb cb, void *payload);

/*
 * Refuse pending request `id` as `by`, with ev, in one transaction: state
 * refused, approved_by/approved_at record who and when. AZK_ERR_NOTFOUND
 * when there is no such request, AZK_ERR_ARG when it is not pending (a
 * concurrent approval got there first).
 */
AZK_NODISCARD azk_status azk_store__request_refuse(azk_home *h, const char *id, const char *by,
                                                   const struct azk_store_event *ev);

/*
 * Guard journal items with id > after, at most limit, by id; only_open:
 * quarantined, requested or approving ones. Columns: id, state, path,
 * requested_by, reason, approved_by, updated_at.
 */
AZK_NODISCARD azk_status azk_store__guard_page(azk_home *h, bool only_open, const char *after,
                                               size_t limit, azk_store_row_cb cb, void *payload);

/* Users with name > after, at most limit, by name. Columns: name, role, state, created_at,
 * created_by, approved_by, web (has a password: "1"/"0"). */
AZK_NODISCARD azk_status azk_store__users_page(azk_home *h, const char *after, size_t limit,
                                               azk_store_row_cb cb, void *payload);

/* Sessions with id_hash > after, at most limit, by id_hash. Columns: id_hash, name,
 * created_at, seen_at (Unix seconds as text). */
AZK_NODISCARD azk_status azk_store__sessions_page(azk_home *h, const char *after, size_t limit,
                                                  azk_store_row_cb cb, void *payload);

/* Delete every session of `name` with ev (when there was one), one transaction; *n gets
 * how many. */
AZK_NODISCARD azk_status azk_store__sessions_delete_user(azk_home *h, const char *name,
                                                         const struct azk_store_event *ev,
                                                         int64_t *n);

/* Set the role of an existing user with ev, one transaction; AZK_ERR_NOTFOUND when none. */
AZK_NODISCARD azk_status azk_store__role_set(azk_home *h, const char *name, const char *role,
                                             const struct azk_store_event *ev);

/* Remove the grant (name, client) with ev; AZK_ERR_NOTFOUND when there was none. */
AZK_NODISCARD azk_status azk_store__grant_remove(azk_home *h, const char *name, const char *client,
                                                 const struct azk_store_event *ev);

/* Is client `client` known? */
AZK_NODISCARD azk_status azk_store__client_exists(azk_home *h, const char *client, bool *yes);

/*
 * An enrolment link made by administrator `by` for `role`: the token's hash
 * in enrol_tokens, who made it in enrol_links, and ev, in one transaction.
 */
AZK_NODISCARD azk_status azk_store__enrol_link_insert(azk_home *h, const char *token_hash,
                                                      const char *role, int64_t expires_at,
                                                      const char *by,
                                                      const struct azk_store_event *ev);
/* Who made the enrolment link (by, cap 72; "" and *found false for the first-admin link). */
AZK_NODISCARD azk_status azk_store__enrol_link_by(azk_home *h, const char *token_hash, char by[72],
                                                  bool *found);

/*
 * One dataset. Columns: id, client, purpose, retain_until, state,
 * schema_json, records, bytes, format, encoding, created_at, created_by,
 * retention state ("" when none), hold reason (NULL when none), hold by,
 * hold at. *found false when there is no such dataset.
 */
AZK_NODISCARD azk_status azk_store__dataset_detail(azk_home *h, const char *id, azk_store_row_cb cb,
                                                   void *payload, bool *found);

/* Opens of `dataset` with at > after (NULL: from the first), at most limit, oldest first.
 * Columns: at, by, reason. */
AZK_NODISCARD azk_status azk_store__opens_page(azk_home *h, const char *dataset, const char *after,
                                               size_t limit, azk_store_row_cb cb, void *payload);

/* Pending retention requests and guard items waiting for a person (quarantined, requested). */
AZK_NODISCARD azk_status azk_store__pending_counts(azk_home *h, int64_t *requests,
                                                   int64_t *guard_items);

#endif
