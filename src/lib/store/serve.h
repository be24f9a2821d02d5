/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/serve.h -- what azukari serve keeps in the catalog (schema version
 * 4): a user's password hash (Argon2id string, made by the caller) and
 * role, per-client grants, server-side sessions (only the hash of a
 * session id is stored) and one-time enrolment links (hash only). The
 * rules (who may log in, timeouts, lockout) are serve/'s; these functions
 * only read and write, each write in one store transaction, with its
 * ledger event when it has one. Works on either backend (store/db.h).
 * Not public API.
 */
#ifndef AZK_STORE_SERVE_H
#define AZK_STORE_SERVE_H

#include "store/event.h"

/* A user's web login: Argon2id hash ("" when none) and role ("" when none). */
struct azk_store_login {
    char pw_hash[192];
    char role[24];
    char state[16];
};
/* Read; *found = false when the user does not exist. */
AZK_NODISCARD azk_status azk_store__login_get(azk_home *h, const char *name,
                                              struct azk_store_login *out, bool *found);
/* Set the password hash and role of an existing user, with ledger event ev, one transaction.
 * AZK_ERR_NOTFOUND when there is no such user. */
AZK_NODISCARD azk_status azk_store__login_set(azk_home *h, const char *name, const char *pw_hash,
                                              const char *role, const struct azk_store_event *ev);
/* Users with this role. */
AZK_NODISCARD azk_status azk_store__role_count(azk_home *h, const char *role, int64_t *out);

/* Grant `name` the client `client` (idempotent), with ledger event ev. */
AZK_NODISCARD azk_status azk_store__grant_add(azk_home *h, const char *name, const char *client,
                                              const struct azk_store_event *ev);
typedef azk_status (*azk_store_grant_cb)(const char *client, void *payload);
/* The clients granted to `name`, in id order. */
AZK_NODISCARD azk_status azk_store__grants_each(azk_home *h, const char *name,
                                                azk_store_grant_cb cb, void *payload);

/* A session row (the id itself is never stored; id_hash is hex of its hash). */
struct azk_store_session {
    char name[72];
    char csrf[72];
    int64_t created_at, seen_at; /* Unix seconds */
};
/* New session, with ledger event ev (the login), one transaction. */
AZK_NODISCARD azk_status azk_store__session_insert(azk_home *h, const char *id_hash,
                                                   const char *name, const char *csrf, int64_t now,
                                                   const struct azk_store_event *ev);
/* Read; *found = false when there is none. */
AZK_NODISCARD azk_status azk_store__session_get(azk_home *h, const char *id_hash,
                                                struct azk_store_session *out, bool *found);
/* Mark the session used at `now`. */
AZK_NODISCARD azk_status azk_store__session_touch(azk_home *h, const char *id_hash, int64_t now);
/* Delete one session, with ledger event ev (may be NULL: no event), one transaction. */
AZK_NODISCARD azk_status azk_store__session_delete(azk_home *h, const char *id_hash,
                                                   const struct azk_store_event *ev);
/* Delete sessions created before `created_before` or idle since before `seen_before`. */
AZK_NODISCARD azk_status azk_store__sessions_prune(azk_home *h, int64_t created_before,
                                                   int64_t seen_before);

/* A new one-time enrolment link (hash of its token) for `role`, good until `expires_at`. */
AZK_NODISCARD azk_status azk_store__enrol_insert(azk_home *h, const char *token_hash,
                                                 const char *role, int64_t expires_at);
/*
 * Is the enrolment link usable at `now` (exists, not used, not expired)?
 * role (cap 24) gets its role when so.
 */
AZK_NODISCARD azk_status azk_store__enrol_peek(azk_home *h, const char *token_hash, int64_t now,
                                               char role[24], bool *usable);
/* Use the link, atomically: *taken = true for exactly one caller, while it is usable. */
AZK_NODISCARD azk_status azk_store__enrol_take(azk_home *h, const char *token_hash, int64_t now,
                                               bool *taken);

#endif
