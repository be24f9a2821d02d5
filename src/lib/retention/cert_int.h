/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/cert_int.h -- what the certificate's two files share (internal
 * to src/lib/retention/): the fixed texts a certificate states (key
 * prefix, copies, key-destruction evidence) and the JSON helper of
 * cert.c (issue, verify) that cert_html.c (the printable rendering) uses.
 */
#ifndef AZK_CERT_INT_H
#define AZK_CERT_INT_H

#include "retention/sign.h"

#include <jansson.h>

#define CERT_KEY_PREFIX AZK_SIGN_KEY_PREFIX
#define CERT_MAX        (4u * 1024u * 1024u)

/* Where the data key and the fingerprints were, and what became of them (copies). */
#define KEY_COPY_PATH "keys/keystore.db wrapped_keys"
#define FP_COPY_PATH  "catalog fingerprints"
#define FP_COPY_DISP  "deleted (encrypted under the destroyed key)"

/* The key-destruction evidence: what retention/run.c (step_key) and the keystore
 * (store/keystore.c, azk_store__key_destroy) did. Certificates issued before the
 * keystore said EVIDENCE_V1; both are shown in Japanese by the HTML rendering. */
#define EVIDENCE                                                                                   \
    "wrapped key deleted from the keystore keys/keystore.db (a local SQLite file of the "          \
    "host, never the catalog) with PRAGMA secure_delete=ON, then wal_checkpoint(TRUNCATE); "       \
    "the wrapped key bytes were searched for in keys/keystore.db and its WAL and not found; "      \
    "the dataset's fingerprints, encrypted under that key, deleted from the catalog"
#define EVIDENCE_V1                                                                                \
    "wrapped key set to NULL and fingerprint row deleted with PRAGMA secure_delete=ON, "           \
    "then wal_checkpoint(TRUNCATE); the wrapped key bytes were searched for in "                   \
    "catalog.db and its WAL and not found"

const char *azk_cert__jstr(json_t *o, const char *k);

/* The certificate's print style sheet (A4), as azk_certificate_html embeds it. */
const char *azk_ret__certificate_css(void);

#endif
