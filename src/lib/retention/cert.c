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
 * The printable Japanese HTML is cert_html.c (shared: cert_int.h).
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
#include "retention/cert_int.h"
#include "retention/sign.h"

/* ---- the deployment key ---------------------------------------------------- */

static azk_status read_all(const char *path, azk_buf *out, size_t max)
{
    return azk_file__read(path, max, true, "certificate file", out);
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
azk_status azk_ret__cert_key(const azk_home *h, uint8_t sk[crypto_sign_SECRETKEYBYTES],
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
    rc = azk_ret__cert_key(h, sk, pub);
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

/* The received file's name is a personal value: a certificate carries its hash (docs/retention.md).
 */
static azk_status issue_ds_cb(const azk_dataset_info *d, void *payload)
{
    struct issue_ds *x = payload;
    char sh[AZK_CERT_SOURCE_HASH_LEN];
    azk_status rc = azk_certificate_source_hash(d->id, d->source_name, sh);
    if (rc != AZK_OK)
        return rc;
    x->obj =
        json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s}", "id", d->id, "client", d->client,
                  "purpose", d->purpose, "source_name_sha256", sh, "format", d->format, "encoding",
                  d->encoding, "records", (json_int_t)d->records, "bytes", (json_int_t)d->bytes,
                  "received_at", d->created_at, "received_by", d->created_by);
    return x->obj == NULL ? azk_error_set(AZK_ERR_NOMEM, "out of memory") : AZK_OK;
}

azk_status azk_certificate_source_hash(const char *dataset, const char *source_name,
                                       char out[AZK_CERT_SOURCE_HASH_LEN])
{
    crypto_hash_sha256_state st;
    uint8_t md[crypto_hash_sha256_BYTES];
    azk_error_clear();
    AZK_ASSERT_ARG(dataset != NULL && source_name != NULL && out != NULL);
    crypto_hash_sha256_init(&st);
    crypto_hash_sha256_update(&st, (const uint8_t *)dataset, strlen(dataset));
    crypto_hash_sha256_update(&st, (const uint8_t *)"\n", 1);
    crypto_hash_sha256_update(&st, (const uint8_t *)source_name, strlen(source_name));
    crypto_hash_sha256_final(&st, md);
    sodium_bin2hex(out, AZK_CERT_SOURCE_HASH_LEN, md, sizeof(md));
    return AZK_OK;
}

azk_status azk_certificate_source_matches(const char *json, size_t len, const char *source_name,
                                          bool *yes)
{
    json_error_t jerr;
    json_t *doc, *d;
    const char *id, *h, *clear;
    azk_status rc = AZK_OK;
    azk_error_clear();
    AZK_ASSERT_ARG(json != NULL && source_name != NULL && yes != NULL);
    *yes = false;
    doc = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    d = json_object_get(json_object_get(doc, "certificate"), "dataset");
    id = azk_cert__jstr(d, "id");
    h = azk_cert__jstr(d, "source_name_sha256");
    clear = azk_cert__jstr(d, "source_name"); /* certificates issued before the hash */
    if (id == NULL || (h == NULL && clear == NULL)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "certificate: no dataset id and source name hash");
    } else if (h != NULL) {
        char mine[AZK_CERT_SOURCE_HASH_LEN];
        rc = azk_certificate_source_hash(id, source_name, mine);
        *yes = rc == AZK_OK && sodium_memcmp(mine, h, sizeof(mine)) == 0 && strlen(h) == 64;
    } else {
        *yes = strcmp(clear, source_name) == 0;
    }
    json_decref(doc);
    return rc;
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
    json_t *cert = NULL, *copies = NULL, *sweep = NULL, *proofj = NULL;
    char *docs = NULL, *entry = NULL, *note = NULL;
    size_t entry_len = 0, proof_n = 0, ncopies = 0;
    uint8_t *proof = NULL;
    azk_audit *a = NULL;
    char pub[96], nowiso[32], certid[96];
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
    rc = azk_sign__doc(h, cert, "certificate", &docs, pub);
    if (rc != AZK_OK)
        goto done;
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
    azk_free(facts.sweep_json);
    azk_free(batch_done);
    azk_audit_close(a);
    azk_audit_free(note);
    azk_audit_free(entry);
    azk_audit_free(proof);
    json_decref(cert);
    json_decref(copies);
    json_decref(sweep);
    json_decref(proofj);
    json_decref(di.obj);
    azk_free(docs);
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

const char *azk_cert__jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

azk_status azk_certificate_verify(const char *json, size_t len, const char *pubkey,
                                  const char *ledger_vkey, azk_certificate_report *rep)
{
    azk_status rc = AZK_OK;
    json_error_t jerr;
    json_t *doc = NULL, *cert, *led, *proofa, *ent = NULL, *extra, *objs;
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
    {
        char problem[160];
        rc = azk_sign__verify(json, len, CERT_MAX, "certificate", pubkey, &doc, problem,
                              sizeof(problem));
        if (rc != AZK_OK)
            return fail(rep, rc, problem);
    }
    cert = json_object_get(doc, "certificate");
    rep->signature = true;
    /* the ledger checkpoint and the inclusion of the deletion entry */
    led = json_object_get(cert, "ledger");
    note = azk_cert__jstr(led, "checkpoint");
    entry = azk_cert__jstr(led, "entry");
    vkey = ledger_vkey != NULL ? ledger_vkey : azk_cert__jstr(led, "vkey");
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
    ds = azk_cert__jstr(json_object_get(cert, "dataset"), "id");
    commit = azk_cert__jstr(json_object_get(cert, "key"), "commitment");
    s = azk_cert__jstr(ent, "action");
    extra = json_object_get(ent, "extra");
    objs = json_object_get(ent, "objects");
    for (size_t i = 0; ds != NULL && i < json_array_size(objs); i++) {
        const char *o = json_string_value(json_array_get(objs, i));
        if (o != NULL && strcmp(o, ds) == 0)
            ds_named = true;
    }
    if (ent == NULL || s == NULL || strcmp(s, "retention.shred") != 0 || !ds_named ||
        commit == NULL || azk_cert__jstr(extra, "key_commitment") == NULL ||
        strcmp(azk_cert__jstr(extra, "key_commitment"), commit) != 0) {
        rc = fail(rep, AZK_ERR_INTEGRITY,
                  "ledger entry is not the key destruction of this dataset and key");
        goto done;
    }
    rep->entry_matches = true;
    rc = AZK_OK;
done:
    json_decref(doc);
    json_decref(ent);
    azk_free(proof);
    return rc;
}
