/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/serve_lists.h -- lists of azukari serve that were read whole and are
 * now read one page at a time (keyset pagination, LIMIT: never everything):
 * the deletion certificates of a month, and the clients granted to a user;
 * and the count of a month's certificates for the dashboard. A client
 * user's filter (its grants) is part of the query, so a page is always
 * full when more rows follow. Works on either backend (store/db.h). Not
 * public API.
 */
#ifndef AZK_STORE_SERVE_LISTS_H
#define AZK_STORE_SERVE_LISTS_H

#include "store/serve_views.h" /* azk_store_row_cb */

/*
 * One page of the certified deletions of `month` ("YYYY-MM"; AZK_ERR_ARG
 * otherwise) in (deleted_at, dataset) order, after `after` (a cursor from
 * column 5 of an earlier row; NULL: from the first; AZK_ERR_ARG when it is
 * not one), of `client` when not NULL, of the clients granted to `grantee`
 * when not NULL; at most `limit` + 1 rows (the extra one says a next page
 * exists). Columns: dataset, client, deleted_at, operator, ledger index,
 * cursor.
 */
AZK_NODISCARD azk_status azk_store__certified_page(azk_home *h, const char *month,
                                                   const char *client, const char *grantee,
                                                   const char *after, size_t limit,
                                                   azk_store_row_cb cb, void *payload);

/* How many certified deletions `month` has (of `client` when not NULL, of the clients
 * granted to `grantee` when not NULL): one count over ret_state_certified's month range. */
AZK_NODISCARD azk_status azk_store__certified_count(azk_home *h, const char *month,
                                                    const char *client, const char *grantee,
                                                    int64_t *n);

/* One page of the clients granted to user `name`, in client order, after client `after`
 * (NULL: from the first), at most `limit` + 1 rows. Column: client. */
AZK_NODISCARD azk_status azk_store__grants_page(azk_home *h, const char *name, const char *after,
                                                size_t limit, azk_store_row_cb cb, void *payload);

#endif
