/* SPDX-License-Identifier: Apache-2.0 */
/*
 * retention/cert.c -- deletion certificates (削除証明書): issue (after a
 * clean sweep, by a verifier other than the operator), sign with the
 * deployment's Ed25519 key, verify offline, render as printable Japanese
 * HTML.
 *
 * Document: {"certificate": {...}, "signature": {"alg": "Ed25519",
 * "key": "azukari-cert+<base64 public key>", "sig": "<base64>"}}; the
 * signature is over the canonical JSON of "certificate" (jansson dump with
 * sorted keys, compact; only strings, integers, booleans, null, arrays and
 * objects are used, so the canonical form is unique). The fields follow the
 * NIST SP 800-88 Rev. 1 certificate of sanitization (Appendix G), plus the
 * ledger entry of the key destruction with an RFC 9162 inclusion proof and
 * a signed C2SP checkpoint.
 */
#include "retention/ret_int.h"
#include "retention/identity.h"
#include "store/event.h"
#include "store/retention_state.h"
#include "azukari/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CERT_KEY_PREFIX "azukari-cert+"
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

/* ---- the deployment key ---------------------------------------------------- */

static azk_status read_all(const char *path, azk_buf *out, size_t max)
{
    uint8_t tmp[8192];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0)
        return errno == ENOENT ? azk_error_set(AZK_ERR_NOTFOUND, "file not found")
                               : azk_error_errno("read file");
    out->max = max;
    while ((n = read(fd, tmp, sizeof(tmp))) > 0) {
        azk_status rc = azk_buf_put(out, tmp, (size_t)n);
        if (rc != AZK_OK) {
            close(fd);
            return rc;
        }
    }
    close(fd);
    if (n < 0)
        return azk_error_errno("read file");
    return AZK_OK;
}

static azk_status write_atomic(const char *path, const void *p, size_t n, mode_t mode)
{
    azk_buf tmp = AZK_BUF_INIT;
    azk_status rc = azk_buf_printf(&tmp, "%s.tmp", path);
    int fd;
    if (rc != AZK_OK)
        return rc;
    fd = open((const char *)tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
    if (fd < 0) {
        rc = azk_error_errno("create file");
        goto done;
    }
    if (write(fd, p, n) != (ssize_t)n || fsync(fd) != 0)
        rc = azk_error_errno("write file");
    close(fd);
    if (rc == AZK_OK && rename((const char *)tmp.data, path) != 0)
        rc = azk_error_errno("rename file");
    if (rc != AZK_OK)
        (void)unlink((const char *)tmp.data);
done:
    azk_buf_dispose(&tmp);
    return rc;
}

/* Load (or create on first use) keys/certificate.key; pub text into pubtxt. */
static azk_status cert_key(const azk_home *h, uint8_t sk[crypto_sign_SECRETKEYBYTES],
                           char pubtxt[96])
{
    azk_status rc;
    azk_buf p = AZK_BUF_INIT, data = AZK_BUF_INIT;
    uint8_t pk[crypto_sign_PUBLICKEYBYTES];
    char b64[64];
    rc = azk_store__path(&p, h, "keys/certificate.key");
    if (rc != AZK_OK)
        goto done;
    rc = read_all((const char *)p.data, &data, 1024);
    if (rc == AZK_ERR_NOTFOUND) {
        azk_error_clear();
        crypto_sign_keypair(pk, sk);
        rc = write_atomic((const char *)p.data, sk, crypto_sign_SECRETKEYBYTES, 0600);
        if (rc != AZK_OK)
            goto done;
    } else if (rc != AZK_OK) {
        goto done;
    } else if (data.len != crypto_sign_SECRETKEYBYTES) {
        rc = azk_error_set(AZK_ERR_CRYPTO, "certificate key file has the wrong size");
        goto done;
    } else {
        memcpy(sk, data.data, crypto_sign_SECRETKEYBYTES);
    }
    crypto_sign_ed25519_sk_to_pk(pk, sk);
    sodium_bin2base64(b64, sizeof(b64), pk, sizeof(pk), sodium_base64_VARIANT_ORIGINAL);
    (void)snprintf(pubtxt, 96, CERT_KEY_PREFIX "%s", b64);
    azk_buf_clear(&p);
    rc = azk_store__path(&p, h, "keys/certificate.pub");
    if (rc == AZK_OK && access((const char *)p.data, F_OK) != 0) {
        azk_buf line = AZK_BUF_INIT;
        rc = azk_buf_printf(&line, "%s\n", pubtxt);
        if (rc == AZK_OK)
            rc = write_atomic((const char *)p.data, line.data, line.len, 0644);
        azk_buf_dispose(&line);
    }
done:
    azk_buf_dispose(&p);
    azk_buf_dispose_secret(&data);
    return rc;
}

azk_status azk_certificate_pubkey(azk_home *h, char **out)
{
    uint8_t sk[crypto_sign_SECRETKEYBYTES];
    char pub[96];
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && out != NULL);
    rc = cert_key(h, sk, pub);
    sodium_memzero(sk, sizeof(sk));
    if (rc != AZK_OK)
        return rc;
    *out = azk_strdup(pub);
    return *out == NULL ? azk_error_set(AZK_ERR_NOMEM, "out of memory") : AZK_OK;
}

/* ---- issue ------------------------------------------------------------------ */

struct issue_ds {
    json_t *obj;
};

static azk_status issue_ds_cb(const azk_dataset_info *d, void *payload)
{
    struct issue_ds *x = payload;
    x->obj =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s}", "id", d->id, "client", d->client,
                  "purpose", d->purpose, "source_name", d->source_name, "format", d->format,
                  "encoding", d->encoding, "records", (json_int_t)d->records, "bytes",
                  (json_int_t)d->bytes, "received_at", d->created_at, "received_by", d->created_by);
    return x->obj == NULL ? azk_error_set(AZK_ERR_NOMEM, "out of memory") : AZK_OK;
}

static json_t *str_or_null(const char *v)
{
    return v != NULL ? json_string(v) : json_null();
}

static azk_status add_copies(azk_home *h, const char *ds, const char *uuid, const char *vdisp,
                             json_t *arr)
{
    azk_status rc;
    struct azk_store_ret_artifact *a = NULL;
    size_t n = 0;
    char vpath[64];
    json_t *fixed[3];
    (void)snprintf(vpath, sizeof(vpath), "vault/%s.azv", uuid);
    fixed[0] =
        json_pack("{s:s,s:s,s:s}", "kind", "vault file", "path", vpath, "disposition", vdisp);
    fixed[1] = json_pack("{s:s,s:s,s:s}", "kind", "data key", "path", KEY_COPY_PATH, "disposition",
                         "destroyed (cryptographic erase)");
    fixed[2] = json_pack("{s:s,s:s,s:s}", "kind", "fingerprints", "path", FP_COPY_PATH,
                         "disposition", FP_COPY_DISP);
    /* a signed document is complete or does not exist: every append is checked
     * (json_array_append_new takes the reference even when it fails) */
    rc = AZK_OK;
    for (size_t i = 0; i < 3; i++) {
        if (rc == AZK_OK && (fixed[i] == NULL || json_array_append_new(arr, fixed[i]) != 0))
            rc = azk_error_set(AZK_ERR_NOMEM, "out of memory building the certificate");
        else if (rc != AZK_OK)
            json_decref(fixed[i]);
    }
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__ret_artifacts_of(h, ds, &a, &n);
    if (rc != AZK_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        json_t *o =
            json_pack("{s:s,s:o,s:o,s:o,s:o}", "kind", "artifact", "path", str_or_null(a[i].path),
                      "deadline", str_or_null(a[i].deadline), "disposition",
                      str_or_null(a[i].disposition), "registered_at", str_or_null(a[i].added_at));
        if (o == NULL || json_array_append_new(arr, o) != 0) {
            rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
            break;
        }
    }
    azk_store__ret_artifacts_free(a, n);
    return rc;
}

static azk_status hex_proof(json_t *arr, const uint8_t *proof, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char hex[2 * AZK_AUDIT_HASH_LEN + 1];
        sodium_bin2hex(hex, sizeof(hex), proof + i * AZK_AUDIT_HASH_LEN, AZK_AUDIT_HASH_LEN);
        if (json_array_append_new(arr, json_string(hex)) != 0)
            return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    }
    return AZK_OK;
}

static const char *jstr(json_t *o, const char *k);

/*
 * The document exactly as it will be stored must verify (signature over its
 * canonical form, checkpoint, inclusion of the deletion entry) and list
 * every copy. This catches what checking each jansson call cannot: under
 * memory pressure json_dumps of jansson 2.14 was seen to return a text with
 * an emptied object key instead of failing, and the signature made over it
 * would not match the stored document. Nothing is stored when this fails.
 */
static azk_status self_check(const char *docs, const char *pub, size_t ncopies)
{
    azk_certificate_report rep;
    json_error_t jerr;
    json_t *d;
    size_t n;
    azk_status rc = azk_certificate_verify(docs, strlen(docs), pub, NULL, &rep);
    if (rc == AZK_ERR_NOMEM)
        return rc;
    if (rc != AZK_OK)
        return azk_error_set(AZK_ERR_INTEGRITY,
                             "the certificate failed its own verification (%s): not issued",
                             rep.problem);
    d = json_loads(docs, 0, &jerr);
    if (d == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory checking the certificate");
    n = json_array_size(json_object_get(json_object_get(d, "certificate"), "copies"));
    json_decref(d);
    if (n != ncopies || n < 3)
        return azk_error_set(AZK_ERR_INTEGRITY,
                             "the certificate lost copies entries while being written: not "
                             "issued");
    return AZK_OK;
}

azk_status azk_certificate_issue(azk_home *h, const char *dataset, char **out_json)
{
    azk_status rc;
    struct azk_store_cert_facts facts;
    char *batch_done = NULL;
    struct issue_ds di = {NULL};
    json_t *cert = NULL, *doc = NULL, *copies = NULL, *sweep = NULL, *proofj = NULL;
    char *canon = NULL, *docs = NULL, *entry = NULL, *note = NULL;
    size_t entry_len = 0, proof_n = 0, ncopies = 0;
    uint8_t *proof = NULL;
    azk_audit *a = NULL;
    uint8_t sk[crypto_sign_SECRETKEYBYTES], sig[crypto_sign_BYTES];
    char pub[96], sig64[128], nowiso[32], certid[96];
    char state[24] = "", key_id[40] = "", key_commit[80] = "", shred_at[32] = "", op[72] = "",
         vdisp[64] = "", uuid[40] = "", until[16] = "", host[256] = "";
    int64_t shred_index = 0, shred_t = 0, due_t = 0;
    int drill = 0;
    int lock = -1;
    const char *verifier;
    azk_buf path = AZK_BUF_INIT;
    json_error_t jerr;
    uint64_t size;

    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && out_json != NULL);
    *out_json = NULL;
    memset(&facts, 0, sizeof(facts));
    /* one issuer of a home at a time, from the check that the dataset is
     * clean to the state "certified": two issuers racing would otherwise both
     * pass the check and issue two certificates (and two ledger events) */
    rc =
        azk_ret__lock(h, "certify.lock", "another certificate is being issued in this home", &lock);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__ret_cert_facts(h, dataset, &facts);
    if (rc == AZK_ERR_NOTFOUND) {
        rc = azk_error_set(AZK_ERR_ARG, "dataset has not been through a retention run");
        goto done;
    }
    if (rc != AZK_OK)
        goto done;
    (void)snprintf(state, sizeof(state), "%s", facts.state);
    if (strcmp(state, "clean") != 0) {
        rc = azk_error_set(AZK_ERR_ARG,
                           "no certificate: the dataset is %s, not clean (a certificate needs "
                           "a clean sweep)",
                           state);
        goto done;
    }
    (void)snprintf(key_id, sizeof(key_id), "%s", facts.key_id);
    (void)snprintf(key_commit, sizeof(key_commit), "sha256:%s", facts.key_commit);
    shred_index = facts.shred_index;
    (void)snprintf(shred_at, sizeof(shred_at), "%s", facts.shred_at);
    (void)snprintf(op, sizeof(op), "%s", facts.operator_name);
    drill = facts.drill ? 1 : 0;
    (void)snprintf(vdisp, sizeof(vdisp), "%s", facts.vault_disp);
    sweep = facts.sweep_json != NULL ? json_loads(facts.sweep_json, 0, &jerr) : NULL;
    (void)snprintf(uuid, sizeof(uuid), "%s", facts.uuid);
    (void)snprintf(until, sizeof(until), "%s", facts.retain_until);
    if (sweep == NULL) {
        rc = azk_error_set(AZK_ERR_INTEGRITY, "sweep record of the dataset is unreadable");
        goto done;
    }
    if (drill != 0) {
        /* an older version let `run --now` destroy: its times are not the real ones */
        rc = azk_error_set(AZK_ERR_ARG, "no certificate: the deletion was run with --now (a "
                                        "drill time, not the real time of destruction)");
        goto done;
    }
    /* the verifier: a second person, TOTP-authenticated, not the operator */
    rc = azk_identity__approver(h, "retention.certify", dataset, NULL, op, &verifier);
    if (rc != AZK_OK)
        goto done;
    azk_store__test_gate("retention.certify"); /* race tests: checked, not yet issued */
    rc = azk_dataset_get(h, dataset, issue_ds_cb, &di);
    if (rc != AZK_OK)
        goto done;
    /* the ledger: entry, signed checkpoint, inclusion proof */
    rc = azk_audit_open(&a, h->path, 0, NULL);
    if (rc != AZK_OK)
        goto done;
    rc = azk_audit_checkpoint(a, 1, &note);
    if (rc != AZK_OK)
        goto done;
    size = azk_audit_size(a);
    rc = azk_audit_entry(a, (uint64_t)shred_index, &entry, &entry_len);
    if (rc == AZK_OK)
        rc = azk_audit_prove_inclusion(a, (uint64_t)shred_index, size, &proof, &proof_n);
    if (rc != AZK_OK)
        goto done;
    proofj = json_array();
    if (proofj == NULL || hex_proof(proofj, proof, proof_n) != AZK_OK) {
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
        goto done;
    }
    copies = json_array();
    if (copies == NULL) {
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = add_copies(h, dataset, uuid, vdisp, copies);
    if (rc != AZK_OK)
        goto done;
    azk_ret__iso((int64_t)time(NULL), nowiso);
    if (azk_retention_parse_time(shred_at, &shred_t) != AZK_OK ||
        azk_retention_parse_time(until, &due_t) != AZK_OK)
        azk_error_clear(); /* late flag then false; times are printed as they are */
    if (gethostname(host, sizeof(host) - 1) != 0)
        (void)snprintf(host, sizeof(host), "unknown");
    (void)snprintf(certid, sizeof(certid), "DC-%s-%lld", dataset, (long long)shred_index);
    cert = json_pack(
        "{s:s,s:i,s:s,s:s,"
        "s:{s:s,s:s},"
        "s:o,s:o,"
        "s:{s:s,s:s,s:s,s:s,s:s},"
        "s:{s:s,s:s,s:s,s:s},"
        "s:o,"
        "s:{s:s,s:s,s:b,s:s},"
        "s:{s:s,s:s},"
        "s:{s:s,s:s,s:o},"
        "s:{s:s,s:s,s:I,s:I,s:s,s:o}}",
        "type", "azukari deletion certificate", "version", 1, "certificate_id", certid, "issued_at",
        nowiso,
        /* who */
        "organization", "host", host, "home", h->path,
        /* what */
        "dataset", di.obj, "persons", json_null(),
        /* method (SP 800-88) */
        "method", "sanitization", "Purge (cryptographic erase) + Clear (overwrite)", "technique",
        "cryptographic erase of the dataset key; overwrite (zeros, random) and unlink of "
        "files",
        "tool", "azukari", "tool_version", azk_version(), "media",
        "files on the host's file systems (see copies)",
        /* key evidence */
        "key", "key_id", key_id, "commitment", key_commit, "destroyed_at", shred_at, "evidence",
        EVIDENCE,
        /* copies */
        "copies", copies,
        /* when */
        "schedule", "retain_until", until, "deleted_at", shred_at, "late",
        shred_t > due_t + 2 * 86400 - 1, "clock", drill ? "drill (--now)" : "system",
        /* who did it */
        "people", "operator", op, "verifier", verifier,
        /* verification */
        "verification", "method",
        "sweep of the configured locations of both zones with the dataset's fingerprints "
        "(exact data match of entrusted records)",
        "result", "clean", "sweep", sweep,
        /* ledger */
        "ledger", "origin", azk_audit_origin(a), "vkey", azk_audit_vkey(a), "entry_index",
        (json_int_t)shred_index, "tree_size", (json_int_t)size, "checkpoint", note, "proof",
        proofj);
    ncopies = json_array_size(copies);
    sweep = NULL; /* owned by cert (or freed by json_pack on failure) */
    copies = NULL;
    proofj = NULL;
    di.obj = NULL;
    if (cert == NULL) {
        rc = azk_error_set(AZK_ERR_NOMEM, "cannot build the certificate");
        goto done;
    }
    if (json_object_set_new(json_object_get(cert, "ledger"), "entry",
                            json_stringn(entry, entry_len)) != 0) {
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
        goto done;
    }
    canon = json_dumps(cert, JSON_COMPACT | JSON_SORT_KEYS);
    if (canon == NULL) {
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = cert_key(h, sk, pub);
    if (rc != AZK_OK)
        goto done;
    crypto_sign_detached(sig, NULL, (const uint8_t *)canon, strlen(canon), sk);
    sodium_bin2base64(sig64, sizeof(sig64), sig, sizeof(sig), sodium_base64_VARIANT_ORIGINAL);
    doc = json_pack("{s:O,s:{s:s,s:s,s:s}}", "certificate", cert, "signature", "alg", "Ed25519",
                    "key", pub, "sig", sig64);
    if (doc == NULL) {
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
        goto done;
    }
    docs = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENSURE_ASCII * 0);
    if (docs == NULL) {
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
        goto done;
    }
    rc = self_check(docs, pub, ncopies);
    if (rc != AZK_OK)
        goto done;
    /* store, then ledger, then state; a crash in between re-issues the same
     * clean dataset next time (the stored file is replaced) */
    rc = azk_store__path(&path, h, "certificates");
    if (rc != AZK_OK)
        goto done;
    if (mkdir((const char *)path.data, 0700) != 0 && errno != EEXIST) {
        rc = azk_error_errno("create certificates directory");
        goto done;
    }
    rc = azk_buf_printf(&path, "/%s.json", dataset);
    if (rc == AZK_OK)
        rc = write_atomic((const char *)path.data, docs, strlen(docs), 0644);
    if (rc != AZK_OK)
        goto done;
    {
        char extra[256];
        (void)snprintf(extra, sizeof(extra), "{\"certificate\":\"%s\",\"operator\":\"%s\"}", certid,
                       op);
        rc = azk_ret__audit(h, "retention.certify", dataset, NULL, NULL, extra, NULL);
    }
    if (rc != AZK_OK)
        goto done;
    rc = azk_store__ret_certify(h, dataset, &batch_done);
    if (rc != AZK_OK)
        goto done;
    /* the exported fingerprints are no longer needed once every dataset of
     * their batch file is certified */
    if (batch_done != NULL) {
        azk_buf_clear(&path);
        if (azk_store__path(&path, h, "retention") == AZK_OK &&
            azk_buf_printf(&path, "/%s.fp", batch_done) == AZK_OK) {
            (void)unlink((const char *)path.data);
            if (azk_buf_puts(&path, ".key") == AZK_OK)
                (void)unlink((const char *)path.data);
        }
    }
    *out_json = azk_strdup(docs);
    if (*out_json == NULL)
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
done:
    if (lock >= 0)
        close(lock);
    sodium_memzero(sk, sizeof(sk));
    azk_free(facts.sweep_json);
    azk_free(batch_done);
    azk_audit_close(a);
    azk_audit_free(note);
    azk_audit_free(entry);
    azk_audit_free(proof);
    json_decref(cert);
    json_decref(doc);
    json_decref(copies);
    json_decref(sweep);
    json_decref(proofj);
    json_decref(di.obj);
    free(canon); /* jansson's allocator; checksrc: ok */
    free(docs);  /* checksrc: ok */
    azk_buf_dispose(&path);
    return rc;
}

azk_status azk_certificate_get(azk_home *h, const char *dataset, char **out_json)
{
    azk_buf p = AZK_BUF_INIT, data = AZK_BUF_INIT;
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && dataset != NULL && out_json != NULL);
    if (!azk_store__valid_id(dataset))
        return azk_error_set(AZK_ERR_ARG, "bad dataset id");
    rc = azk_store__path(&p, h, "certificates");
    if (rc == AZK_OK)
        rc = azk_buf_printf(&p, "/%s.json", dataset);
    if (rc == AZK_OK)
        rc = read_all((const char *)p.data, &data, CERT_MAX);
    if (rc == AZK_ERR_NOTFOUND)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no certificate for that dataset");
    if (rc == AZK_OK)
        *out_json = azk_buf_detach(&data);
    azk_buf_dispose(&p);
    azk_buf_dispose(&data);
    return rc;
}

/* ---- verify ------------------------------------------------------------------ */

static azk_status fail(azk_certificate_report *rep, azk_status code, const char *msg)
{
    if (rep->problem[0] == '\0')
        (void)snprintf(rep->problem, sizeof(rep->problem), "%s", msg);
    return azk_error_set(code, "certificate: %s", msg);
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

azk_status azk_certificate_verify(const char *json, size_t len, const char *pubkey,
                                  const char *ledger_vkey, azk_certificate_report *rep)
{
    azk_status rc = AZK_OK;
    json_error_t jerr;
    json_t *doc = NULL, *cert, *sigo, *led, *proofa, *ent = NULL, *extra, *objs;
    char *canon = NULL;
    uint8_t pk[crypto_sign_PUBLICKEYBYTES], sig[crypto_sign_BYTES];
    uint8_t *proof = NULL;
    uint8_t leaf[AZK_AUDIT_HASH_LEN];
    size_t bin_len = 0, pn;
    const char *s, *note, *entry, *vkey, *ds, *commit;
    azk_audit_checkpoint_info cp;
    json_int_t idx, tsize;
    bool ds_named = false;

    azk_error_clear();
    AZK_ASSERT_ARG(json != NULL && pubkey != NULL && rep != NULL);
    memset(rep, 0, sizeof(*rep));
    if (len > CERT_MAX)
        return fail(rep, AZK_ERR_LIMIT, "document too large");
    doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL || !json_is_object(doc)) {
        json_decref(doc);
        return fail(rep, AZK_ERR_FORMAT, "not a JSON certificate document");
    }
    cert = json_object_get(doc, "certificate");
    sigo = json_object_get(doc, "signature");
    if (!json_is_object(cert) || !json_is_object(sigo)) {
        rc = fail(rep, AZK_ERR_FORMAT, "certificate or signature missing");
        goto done;
    }
    s = jstr(sigo, "alg");
    if (s == NULL || strcmp(s, "Ed25519") != 0) {
        rc = fail(rep, AZK_ERR_FORMAT, "signature algorithm is not Ed25519");
        goto done;
    }
    /* the given public key decides; the embedded one must be the same */
    if (strncmp(pubkey, CERT_KEY_PREFIX, strlen(CERT_KEY_PREFIX)) != 0 ||
        sodium_base642bin(pk, sizeof(pk), pubkey + strlen(CERT_KEY_PREFIX),
                          strcspn(pubkey + strlen(CERT_KEY_PREFIX), "\r\n"), NULL, &bin_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        bin_len != sizeof(pk)) {
        rc = fail(rep, AZK_ERR_ARG, "public key is not azukari-cert+<base64>");
        goto done;
    }
    s = jstr(sigo, "sig");
    if (s == NULL ||
        sodium_base642bin(sig, sizeof(sig), s, strlen(s), NULL, &bin_len, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0 ||
        bin_len != sizeof(sig)) {
        rc = fail(rep, AZK_ERR_FORMAT, "signature is not base64 of 64 bytes");
        goto done;
    }
    canon = json_dumps(cert, JSON_COMPACT | JSON_SORT_KEYS);
    if (canon == NULL) {
        rc = fail(rep, AZK_ERR_NOMEM, "out of memory");
        goto done;
    }
    if (crypto_sign_verify_detached(sig, (const uint8_t *)canon, strlen(canon), pk) != 0) {
        rc = fail(rep, AZK_ERR_CRYPTO,
                  "signature does not verify with the given key (forged, "
                  "altered, or another deployment's key)");
        goto done;
    }
    rep->signature = true;
    /* the ledger checkpoint and the inclusion of the deletion entry */
    led = json_object_get(cert, "ledger");
    note = jstr(led, "checkpoint");
    entry = jstr(led, "entry");
    vkey = ledger_vkey != NULL ? ledger_vkey : jstr(led, "vkey");
    proofa = json_object_get(led, "proof");
    idx = json_integer_value(json_object_get(led, "entry_index"));
    tsize = json_integer_value(json_object_get(led, "tree_size"));
    if (note == NULL || entry == NULL || vkey == NULL || !json_is_array(proofa) || idx < 0 ||
        tsize <= idx || json_array_size(proofa) > 64) {
        rc = fail(rep, AZK_ERR_FORMAT, "ledger section incomplete");
        goto done;
    }
    rep->ledger_pinned = ledger_vkey != NULL;
    {
        char vk[512];
        (void)snprintf(vk, sizeof(vk), "%.*s", (int)strcspn(vkey, "\r\n"), vkey);
        rc = azk_audit_checkpoint_open(note, strlen(note), vk, &cp);
    }
    if (rc != AZK_OK) {
        rc = fail(rep, AZK_ERR_CRYPTO, "ledger checkpoint signature does not verify");
        goto done;
    }
    if (cp.size != (uint64_t)tsize) {
        rc = fail(rep, AZK_ERR_INTEGRITY, "tree size differs from the checkpoint");
        goto done;
    }
    rep->checkpoint = true;
    pn = json_array_size(proofa);
    if (pn > 0) {
        proof = azk_calloc(pn, AZK_AUDIT_HASH_LEN);
        if (proof == NULL) {
            rc = fail(rep, AZK_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    for (size_t i = 0; i < pn; i++) {
        const char *hx = json_string_value(json_array_get(proofa, i));
        if (hx == NULL || strlen(hx) != 2 * AZK_AUDIT_HASH_LEN ||
            sodium_hex2bin(proof + i * AZK_AUDIT_HASH_LEN, AZK_AUDIT_HASH_LEN, hx, strlen(hx), NULL,
                           &bin_len, NULL) != 0 ||
            bin_len != AZK_AUDIT_HASH_LEN) {
            rc = fail(rep, AZK_ERR_FORMAT, "proof hash is not 64 hex digits");
            goto done;
        }
    }
    azk_audit_leaf_hash(entry, strlen(entry), leaf);
    if (azk_audit_verify_inclusion((uint64_t)idx, (uint64_t)tsize, leaf, proof, pn, cp.root) !=
        AZK_OK) {
        rc = fail(rep, AZK_ERR_INTEGRITY, "inclusion proof of the deletion entry fails");
        goto done;
    }
    rep->inclusion = true;
    /* the entry is the key destruction of this dataset with this commitment */
    ent = json_loads(entry, 0, &jerr);
    ds = jstr(json_object_get(cert, "dataset"), "id");
    commit = jstr(json_object_get(cert, "key"), "commitment");
    s = jstr(ent, "action");
    extra = json_object_get(ent, "extra");
    objs = json_object_get(ent, "objects");
    for (size_t i = 0; ds != NULL && i < json_array_size(objs); i++) {
        const char *o = json_string_value(json_array_get(objs, i));
        if (o != NULL && strcmp(o, ds) == 0)
            ds_named = true;
    }
    if (ent == NULL || s == NULL || strcmp(s, "retention.shred") != 0 || !ds_named ||
        commit == NULL || jstr(extra, "key_commitment") == NULL ||
        strcmp(jstr(extra, "key_commitment"), commit) != 0) {
        rc = fail(rep, AZK_ERR_INTEGRITY,
                  "ledger entry is not the key destruction of this dataset and key");
        goto done;
    }
    rep->entry_matches = true;
    rc = AZK_OK;
done:
    json_decref(doc);
    json_decref(ent);
    free(canon); /* jansson's allocator; checksrc: ok */
    azk_free(proof);
    return rc;
}

/* ---- HTML ------------------------------------------------------------------- */

static azk_status h_esc(azk_buf *b, const char *s)
{
    azk_status rc = AZK_OK;
    if (s == NULL)
        return azk_buf_puts(b, "—");
    for (; *s != '\0' && rc == AZK_OK; s++) {
        switch (*s) {
            case '<':
                rc = azk_buf_puts(b, "&lt;");
                break;
            case '>':
                rc = azk_buf_puts(b, "&gt;");
                break;
            case '&':
                rc = azk_buf_puts(b, "&amp;");
                break;
            case '"':
                rc = azk_buf_puts(b, "&quot;");
                break;
            default:
                rc = azk_buf_putc(b, *s);
        }
    }
    return rc;
}

/* Japanese for the fixed English values of the document (free text stays as is). */
static const char *ja(const char *v)
{
    static const char *const map[][2] = {
        {"vault file", "保管庫の暗号化ファイル"},
        {"data key", "データ鍵（ラップ済み）"},
        {"fingerprints", "指紋（照合用ハッシュ）"},
        {"artifact", "派生ファイル"},
        {"overwritten+unlinked", "上書き（ゼロ・乱数）後に削除"},
        {"unlinked", "削除（上書きなし）"},
        {"already absent", "実施時に既に存在せず"},
        {"destroyed (cryptographic erase)", "破棄（暗号消去）"},
        {"deleted (secure_delete)", "削除（secure_delete）"},
        {FP_COPY_DISP, "削除（破棄した鍵で暗号化済み）"},
        {EVIDENCE,
         "ラップ済みデータ鍵をキーストア keys/keystore.db（カタログではなく、このホストの"
         "ローカル SQLite ファイル）から secure_delete で削除し、WAL を TRUNCATE でチェックポイ"
         "ント。鍵のバイト列が keys/keystore.db とその WAL に残っていないことを検索で確認。"
         "その鍵で暗号化された指紋はカタログから削除"},
        {EVIDENCE_V1, "ラップ済みデータ鍵を NULL 化し指紋行を secure_delete で削除、WAL を "
                      "TRUNCATE でチェックポイント。鍵のバイト列がカタログと WAL に残っていない"
                      "ことを検索で確認"},
        {"clean", "残存なし"},
        {"system", "システム時計"},
        {"drill (--now)", "訓練（--now 指定の時刻）"},
        {"Purge (cryptographic erase) + Clear (overwrite)", "Purge（暗号消去）＋ Clear（上書き）"},
    };
    if (v == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
        if (strcmp(v, map[i][0]) == 0)
            return map[i][1];
    return v;
}

/* One table row; the value is shown as given (numbers, free text). */
static azk_status row_raw(azk_buf *b, const char *label, const char *value)
{
    azk_status rc = azk_buf_printf(b, "<tr><th>%s</th><td>", label);
    if (rc == AZK_OK)
        rc = h_esc(b, value);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</td></tr>\n");
    return rc;
}

/* One table row; fixed English values of the document shown in Japanese. */
static azk_status row(azk_buf *b, const char *label, const char *value)
{
    return row_raw(b, label, ja(value));
}

static azk_status row_int(azk_buf *b, const char *label, json_t *v)
{
    char n[32];
    if (!json_is_integer(v))
        return row_raw(b, label, NULL);
    (void)snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(v));
    return row_raw(b, label, n);
}

static const char html_head[] =
    "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">\n"
    "<title>削除証明書</title>\n<style>\n"
    "@page { size: A4; margin: 18mm 16mm; }\n"
    "body { font-family: 'Noto Serif CJK JP','IPAexMincho','Hiragino Mincho ProN',serif;"
    " font-size: 10.5pt; color: #000; margin: 0 auto; max-width: 178mm; }\n"
    "h1 { text-align: center; font-size: 22pt; letter-spacing: 0.5em; margin: 4mm 0 2mm; }\n"
    ".sub { text-align: center; font-size: 9pt; margin-bottom: 6mm; }\n"
    "h2 { font-size: 11.5pt; border-bottom: 1.5px solid #000; margin: 5mm 0 2mm;"
    " break-after: avoid; }\n"
    "table { width: 100%; border-collapse: collapse; break-inside: auto; }\n"
    "th, td { border: 1px solid #555; padding: 1.2mm 2mm; vertical-align: top;"
    " text-align: left; }\n"
    "th { width: 34%; background: #f0f0f0; font-weight: normal; }\n"
    "tr { break-inside: avoid; }\n"
    ".mono { font-family: 'DejaVu Sans Mono',monospace; font-size: 8pt; word-break: break-all; }\n"
    ".late { color: #b00; font-weight: bold; }\n"
    ".sign { display: flex; gap: 8mm; margin-top: 8mm; }\n"
    ".sign div { flex: 1; border: 1px solid #555; height: 22mm; padding: 2mm; }\n"
    "@media screen { body { padding: 10mm; } }\n"
    "</style></head><body>\n";

azk_status azk_certificate_html(const char *json, size_t len, char **out)
{
    azk_status rc = AZK_OK;
    json_error_t jerr;
    json_t *doc, *c, *d, *m, *k, *sch, *pp, *v, *sw, *led, *copies, *sig;
    azk_buf b = AZK_BUF_INIT;
    char num[64];

    azk_error_clear();
    AZK_ASSERT_ARG(json != NULL && out != NULL);
    doc = json_loadb(json, len, 0, &jerr);
    c = json_object_get(doc, "certificate");
    if (!json_is_object(c)) {
        json_decref(doc);
        return azk_error_set(AZK_ERR_FORMAT, "not a certificate document");
    }
    d = json_object_get(c, "dataset");
    m = json_object_get(c, "method");
    k = json_object_get(c, "key");
    sch = json_object_get(c, "schedule");
    pp = json_object_get(c, "people");
    v = json_object_get(c, "verification");
    sw = json_object_get(v, "sweep");
    led = json_object_get(c, "ledger");
    copies = json_object_get(c, "copies");
    sig = json_object_get(doc, "signature");

    rc = azk_buf_puts(&b, html_head);
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "<h1>削除証明書</h1>\n<div class=\"sub\">Certificate of "
                              "Sanitization (NIST SP 800-88 Rev.1 準拠項目) — 証明書番号 ");
    if (rc == AZK_OK)
        rc = h_esc(&b, jstr(c, "certificate_id"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</div>\n<h2>1. 対象データ</h2><table>\n");
    if (rc == AZK_OK)
        rc = row(&b, "データセット", jstr(d, "id"));
    if (rc == AZK_OK)
        rc = row(&b, "委託元（クライアント）", jstr(d, "client"));
    if (rc == AZK_OK)
        rc = row(&b, "利用目的", jstr(d, "purpose"));
    if (rc == AZK_OK)
        rc = row(&b, "受領ファイル名", jstr(d, "source_name"));
    if (rc == AZK_OK)
        rc = row(&b, "受領日時", jstr(d, "received_at"));
    if (rc == AZK_OK)
        rc = row_int(&b, "レコード件数", json_object_get(d, "records"));
    if (rc == AZK_OK)
        rc = row(&b, "人数（名寄せ後）",
                 json_is_integer(json_object_get(c, "persons")) ? NULL : "未算定");
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</table>\n<h2>2. 消去方法</h2><table>\n");
    if (rc == AZK_OK)
        rc = row(&b, "消去区分", jstr(m, "sanitization"));
    if (rc == AZK_OK)
        rc =
            row(&b, "手法", "データ鍵の暗号消去（鍵の破棄）と、登録された全ファイルの上書き・削除");
    if (rc == AZK_OK) {
        (void)snprintf(num, sizeof(num), "%s %s", jstr(m, "tool") != NULL ? jstr(m, "tool") : "?",
                       jstr(m, "tool_version") != NULL ? jstr(m, "tool_version") : "?");
        rc = row(&b, "使用ツール・版", num);
    }
    if (rc == AZK_OK)
        rc = row(&b, "鍵ID", jstr(k, "key_id"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "<tr><th>鍵のコミットメント</th><td class=\"mono\">");
    if (rc == AZK_OK)
        rc = h_esc(&b, jstr(k, "commitment"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</td></tr>\n");
    if (rc == AZK_OK)
        rc = row(&b, "鍵破棄の証跡", jstr(k, "evidence"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</table>\n<h2>3. 期限と実施日時</h2><table>\n");
    if (rc == AZK_OK)
        rc = row(&b, "保存期限", jstr(sch, "retain_until"));
    if (rc == AZK_OK)
        rc = row(&b, "削除実施日時 (UTC)", jstr(sch, "deleted_at"));
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<tr><th>期限遵守</th><td%s>%s</td></tr>\n",
                            json_is_true(json_object_get(sch, "late")) ? " class=\"late\"" : "",
                            json_is_true(json_object_get(sch, "late")) ? "期限超過（遅延削除）"
                                                                       : "期限内");
    if (rc == AZK_OK)
        rc = row(&b, "時刻の根拠", jstr(sch, "clock"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</table>\n<h2>4. 対象となった全ての複製・派生物</h2><table>\n"
                              "<tr><th>種別 / 場所</th><td>処分</td></tr>\n");
    for (size_t i = 0; rc == AZK_OK && i < json_array_size(copies); i++) {
        json_t *o = json_array_get(copies, i);
        rc = azk_buf_puts(&b, "<tr><th>");
        if (rc == AZK_OK)
            rc = h_esc(&b, ja(jstr(o, "kind")));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "<br><span class=\"mono\">");
        if (rc == AZK_OK)
            rc = h_esc(&b, jstr(o, "path"));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "</span></th><td>");
        if (rc == AZK_OK)
            rc = h_esc(&b, ja(jstr(o, "disposition")));
        if (rc == AZK_OK)
            rc = azk_buf_puts(&b, "</td></tr>\n");
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</table>\n<h2>5. 検証（残存確認スイープ）</h2><table>\n");
    if (rc == AZK_OK)
        rc = row(&b, "検証方法",
                 "閉域・一般の両ゾーンの設定場所を、当該データセットの指紋"
                 "（委託レコードの完全一致照合）で走査");
    if (rc == AZK_OK)
        rc = row(&b, "結果", jstr(v, "result"));
    if (rc == AZK_OK) {
        json_t *arr[2] = {json_object_get(sw, "closed"), json_object_get(sw, "general")};
        static const char *const lab[2] = {"対象範囲（閉域）", "対象範囲（一般）"};
        for (int z = 0; z < 2 && rc == AZK_OK; z++) {
            azk_buf list = AZK_BUF_INIT;
            for (size_t i = 0; rc == AZK_OK && i < json_array_size(arr[z]); i++)
                rc = azk_buf_printf(&list, "%s%s", i > 0 ? ", " : "",
                                    json_string_value(json_array_get(arr[z], i)));
            if (rc == AZK_OK)
                rc = row(&b, lab[z], list.data != NULL ? (const char *)list.data : "（なし）");
            azk_buf_dispose(&list);
        }
    }
    if (rc == AZK_OK)
        rc = row_int(&b, "走査ファイル数", json_object_get(sw, "files"));
    if (rc == AZK_OK)
        rc = row_int(&b, "走査バイト数", json_object_get(sw, "bytes"));
    if (rc == AZK_OK)
        rc = row_int(&b, "読めなかった対象", json_object_get(sw, "errors"));
    if (rc == AZK_OK)
        rc = row_int(&b, "残存複製", json_object_get(sw, "residuals"));
    if (rc == AZK_OK)
        rc = row(&b, "走査日時 (UTC)", jstr(sw, "swept_at"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</table>\n<h2>6. 実施者・検証者</h2><table>\n");
    if (rc == AZK_OK)
        rc = row(&b, "実施者（オペレーター）", jstr(pp, "operator"));
    if (rc == AZK_OK)
        rc = row(&b, "検証者（別人）", jstr(pp, "verifier"));
    if (rc == AZK_OK)
        rc = row(&b, "発行日時 (UTC)", jstr(c, "issued_at"));
    if (rc == AZK_OK)
        rc = row(&b, "発行ホスト", jstr(json_object_get(c, "organization"), "host"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</table>\n<h2>7. 監査台帳と電子署名</h2><table>\n");
    if (rc == AZK_OK)
        rc = row_int(&b, "削除記録の台帳番号", json_object_get(led, "entry_index"));
    if (rc == AZK_OK)
        rc = row_int(&b, "チェックポイントの木のサイズ", json_object_get(led, "tree_size"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "<tr><th>台帳公開鍵</th><td class=\"mono\">");
    if (rc == AZK_OK)
        rc = h_esc(&b, jstr(led, "vkey"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</td></tr>\n<tr><th>証明書署名鍵 (Ed25519)</th><td class=\"mono\">");
    if (rc == AZK_OK)
        rc = h_esc(&b, jstr(sig, "key"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(&b, "</td></tr>\n<tr><th>署名</th><td class=\"mono\">");
    if (rc == AZK_OK)
        rc = h_esc(&b, jstr(sig, "sig"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(
            &b, "</td></tr>\n</table>\n<p style=\"font-size:8.5pt\">この証明書の真正性は、"
                "電子版 (JSON) を <span class=\"mono\">azukari certificate verify FILE --pubkey "
                "PUBFILE</span> で、署名・台帳への包含証明・チェックポイント署名の順に"
                "オフラインで検証できます。印刷版は電子版の写しです。</p>\n"
                "<div class=\"sign\"><div>実施者 署名・印</div><div>検証者 署名・印</div>"
                "<div>委託元 確認欄</div></div>\n</body></html>\n");
    json_decref(doc);
    if (rc != AZK_OK) {
        azk_buf_dispose(&b);
        return rc;
    }
    *out = azk_buf_detach(&b);
    return AZK_OK;
}
