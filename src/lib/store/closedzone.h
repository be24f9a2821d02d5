/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/closedzone.h -- what azukari serve keeps of the metadata a
 * closed-zone host reports (schema 6, "closed-zone metadata" block of
 * store/schema_v6.c): each report once (its id), and the host's current
 * datasets (deadline, retention state, held, certificate hash) and guard
 * decisions (item id, state, verdict), replaced as a whole by each new
 * report in one transaction with its ledger event. Never a value, a key,
 * a file or source name: the report's parser (serve/agents_meta.c) takes
 * only the fields below. Also the witness's look-up of a host's pinned
 * ledger key across enrolments. Not public API.
 */
#ifndef AZK_STORE_CLOSEDZONE_H
#define AZK_STORE_CLOSEDZONE_H

#include "store/agents.h"

/* One dataset of a closed-zone host (borrowed strings). */
struct azk_store_cz_dataset {
    const char *dataset, *client, *retain_until, *state;
    const char *retention;   /* retention step, NULL when none */
    bool held;               /* under a legal hold */
    const char *certificate; /* hex SHA-256 of its deletion certificate, NULL when none */
    const char *agent_id, *host;
    int64_t reported_at; /* for lists: when the report that holds it arrived */
};

/* One guard decision of a closed-zone host (borrowed strings). */
struct azk_store_cz_guard {
    const char *item, *state;
    const char *verdict; /* allow, warn, block; NULL when unknown */
    bool requested, approved;
    const char *updated_at;
    const char *agent_id, *host;
    int64_t reported_at;
};

/* A whole report of one host. */
struct azk_store_cz_report {
    const char *id; /* 64 hex */
    int64_t created_at;
    const struct azk_store_cz_dataset *datasets;
    size_t dataset_count;
    const struct azk_store_cz_guard *guard;
    size_t guard_count;
};

/*
 * Keep a report of agent_id in one transaction: the report row (unique
 * id), the host's datasets and guard decisions replaced by the report's,
 * then ev. *duplicate true (nothing written, no event) when the id was
 * kept before.
 */
AZK_NODISCARD azk_status azk_store__cz_report_put(azk_home *h, const char *agent_id, int64_t now,
                                                  const struct azk_store_cz_report *r,
                                                  const struct azk_store_event *ev,
                                                  bool *duplicate);

typedef azk_status (*azk_store_cz_dataset_cb)(const struct azk_store_cz_dataset *d, void *payload);
/* Reported datasets in id order after `after` ("" = start), at most limit (*more: another page);
 * client non-NULL: only that client; grantee non-NULL: only clients granted to that user. */
AZK_NODISCARD azk_status azk_store__cz_datasets_page(azk_home *h, const char *client,
                                                     const char *grantee, const char *after,
                                                     size_t limit, azk_store_cz_dataset_cb cb,
                                                     void *payload, bool *more);

typedef azk_status (*azk_store_cz_guard_cb)(const struct azk_store_cz_guard *g, void *payload);
/* Reported guard decisions in (item) order after `after`, at most limit; *more. */
AZK_NODISCARD azk_status azk_store__cz_guard_page(azk_home *h, const char *after, size_t limit,
                                                  azk_store_cz_guard_cb cb, void *payload,
                                                  bool *more);

/*
 * The witness of another enrolment of the same host name (closed zone):
 * the newest one of an agent other than agent_id; *found false when none.
 * A host that enrols again keeps the ledger key the witness pinned.
 */
AZK_NODISCARD azk_status azk_store__witness_of_host(azk_home *h, const char *host,
                                                    const char *agent_id,
                                                    struct azk_store_witness *out, bool *found);

#endif
