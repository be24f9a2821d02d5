/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vendor/export.c -- the examiner's export (azukari/vendor.h): everything
 * recorded about one vendor, every file kept for it, and the bank's own
 * ledger entries about it in a period with RFC 9162 inclusion proofs
 * against a freshly signed checkpoint, as one bundle signed with the
 * deployment key (retention/sign.h); and its offline verification,
 * which needs only the bundle and, to pin them, the bank's two public
 * keys. Format: docs/vendor.md "Examiner bundle".
 *
 * The monthly reports imported from the vendor for the period (table
 * vendor_reports, `azukari vendor import-report`) are in "reports", checked
 * when the bundle is verified (export_reports.c).
 */
#include "vendor/vendor_int.h"
#include "retention/sign.h"

#include <sodium.h>
#include "azukari/audit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BUNDLE_FORMAT "azukari-vendor-bundle"
#define BUNDLE_MAX    (512u * 1024u * 1024u)

struct ev_ctx {
    azk_audit *a;
    uint64_t size;
    json_t *arr;
};

static azk_status hex_proof(const uint8_t *p, size_t n, json_t **out)
{
    json_t *arr = json_array();
    if (arr == NULL)
        return azk_error_nomem();
    for (size_t i = 0; i < n; i++) {
        char hx[2 * AZK_AUDIT_HASH_LEN + 1];
        sodium_bin2hex(hx, sizeof(hx), p + i * AZK_AUDIT_HASH_LEN, AZK_AUDIT_HASH_LEN);
        if (json_array_append_new(arr, json_string(hx)) != 0) {
            json_decref(arr);
            return azk_error_nomem();
        }
    }
    *out = arr;
    return AZK_OK;
}

static azk_status ev_cb(const char *const *cols, size_t ncols, void *payload)
{
    struct ev_ctx *c = payload;
    uint64_t idx = strtoull(cols[0], NULL, 10);
    char *entry = NULL;
    size_t elen = 0, pn = 0;
    uint8_t *proof = NULL;
    json_t *pj = NULL, *o;
    azk_status rc;
    (void)ncols;
    if (idx >= c->size)
        return AZK_OK; /* after the checkpoint (a concurrent change): not in this bundle */
    rc = azk_audit_entry(c->a, idx, &entry, &elen);
    if (rc == AZK_OK)
        rc = azk_audit_prove_inclusion(c->a, idx, c->size, &proof, &pn);
    if (rc == AZK_OK)
        rc = hex_proof(proof, pn, &pj);
    if (rc == AZK_OK) {
        o = json_pack("{s:I,s:s%,s:o}", "index", (json_int_t)idx, "entry", entry, elen, "proof",
                      pj);
        pj = NULL;
        if (o == NULL || json_array_append_new(c->arr, o) != 0)
            rc = azk_error_nomem();
    }
    json_decref(pj);
    azk_audit_free(entry);
    azk_audit_free(proof);
    return rc;
}

/* Every kept file of the vendor, with content. */
struct file_ctx {
    azk_home *h;
    json_t *arr;
};

static azk_status file_cb(const char *const *cols, size_t ncols, void *payload)
{
    struct file_ctx *c = payload;
    azk_buf path = AZK_BUF_INIT, data = AZK_BUF_INIT;
    char sha[65], *b64 = NULL;
    size_t blen;
    json_t *o;
    azk_status rc;
    (void)ncols;
    /* kind ref sha256 label size effective expires added_at */
    rc = azk_vendor__kept_path(c->h, cols[2], &path);
    if (rc == AZK_OK)
        rc = azk_vendor__read_file((const char *)path.data, AZK_VENDOR_FILE_MAX, &data);
    if (rc == AZK_OK) {
        azk_vendor__sha256_hex(data.data, data.len, sha);
        if (strcmp(sha, cols[2]) != 0)
            rc = azk_error_set(AZK_ERR_INTEGRITY,
                               "file %.60s (%s %s) changed after upload: not exported (run "
                               "vendor verify-files)",
                               cols[3], cols[0], cols[1]);
    }
    if (rc == AZK_OK) {
        blen = sodium_base64_ENCODED_LEN(data.len, sodium_base64_VARIANT_ORIGINAL);
        b64 = azk_malloc(blen);
        if (b64 == NULL)
            rc = azk_error_nomem();
    }
    if (rc == AZK_OK) {
        sodium_bin2base64(b64, blen, data.data, data.len, sodium_base64_VARIANT_ORIGINAL);
        o = json_pack("{s:s,s:s,s:s,s:s,s:I,s:s?,s:s?,s:s,s:s}", "kind", cols[0], "ref", cols[1],
                      "sha256", cols[2], "label", cols[3], "size", (json_int_t)data.len,
                      "effective", cols[5], "expires", cols[6], "added_at", cols[7], "content",
                      b64);
        if (o == NULL || json_array_append_new(c->arr, o) != 0)
            rc = azk_error_nomem();
    }
    azk_free(b64);
    azk_buf_dispose(&path);
    azk_buf_dispose(&data);
    return rc;
}

static azk_status write_text(const char *dir, const char *name, const void *p, size_t n)
{
    azk_buf path = AZK_BUF_INIT;
    azk_status rc = azk_buf_printf(&path, "%s/%s", dir, name);
    if (rc == AZK_OK)
        rc = azk_outfile__write((const char *)path.data, p, n, 0644, AZK_OUTFILE_EXCL, NULL);
    azk_buf_dispose(&path);
    return rc;
}

/* DIR mode: DIR/vendor-<id>-<from>-<to>/ built under a temporary name, then renamed. */
static azk_status write_dir(const char *dir, const char *id, const char *from, const char *to,
                            const char *bundle_text, json_t *body)
{
    azk_buf tmp = AZK_BUF_INIT, fin = AZK_BUF_INIT, sub = AZK_BUF_INIT;
    azk_status rc;
    json_t *f;
    size_t i;
    char *rec = NULL;
    rc = azk_buf_printf(&tmp, "%s/.vendor-%s-export-XXXXXX", dir, id);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&fin, "%s/vendor-%s-%s-%s", dir, id, from, to);
    if (rc != AZK_OK)
        goto done;
    if (access((const char *)fin.data, F_OK) == 0) {
        rc = azk_error_set(AZK_ERR_ARG, "export: %s exists already: nothing written",
                           azk_vendor__base((const char *)fin.data));
        goto done;
    }
    if (mkdtemp((char *)tmp.data) == NULL) {
        rc = azk_error_errno("export: create directory");
        goto done;
    }
    rc = write_text((const char *)tmp.data, "bundle.json", bundle_text, strlen(bundle_text));
    rec = json_dumps(json_object_get(body, "records"), JSON_INDENT(2) | JSON_SORT_KEYS);
    if (rc == AZK_OK && rec == NULL)
        rc = azk_error_nomem();
    if (rc == AZK_OK)
        rc = write_text((const char *)tmp.data, "records.json", rec, strlen(rec));
    if (rc == AZK_OK) {
        rc = azk_buf_printf(&sub, "%s/files", (const char *)tmp.data);
        if (rc == AZK_OK && mkdir((const char *)sub.data, 0755) != 0)
            rc = azk_error_errno("export: create files directory");
    }
    json_array_foreach(json_object_get(body, "files"), i, f)
    {
        const char *b64 = json_string_value(json_object_get(f, "content"));
        size_t cap = strlen(b64) / 4 * 3 + 3, n = 0;
        uint8_t *bin;
        if (rc != AZK_OK)
            break;
        bin = azk_malloc(cap + 1);
        if (bin == NULL) {
            rc = azk_error_nomem();
            break;
        }
        if (sodium_base642bin(bin, cap, b64, strlen(b64), NULL, &n, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0)
            rc = azk_error_set(AZK_ERR_INTEGRITY, "export: file content");
        if (rc == AZK_OK) {
            azk_buf name = AZK_BUF_INIT;
            rc = azk_buf_printf(&name, "files/%s", json_string_value(json_object_get(f, "sha256")));
            if (rc == AZK_OK) {
                /* the same content may be kept under several refs: one file */
                azk_buf p2 = AZK_BUF_INIT;
                rc = azk_buf_printf(&p2, "%s/%s", (const char *)tmp.data, (const char *)name.data);
                if (rc == AZK_OK && access((const char *)p2.data, F_OK) != 0)
                    rc = write_text((const char *)tmp.data, (const char *)name.data, bin, n);
                azk_buf_dispose(&p2);
            }
            azk_buf_dispose(&name);
        }
        azk_free(bin);
    }
    if (rc == AZK_OK && rename((const char *)tmp.data, (const char *)fin.data) != 0)
        rc = azk_error_errno("export: rename directory");
    if (rc != AZK_OK && tmp.len > 0) {
        /* remove what was written under the temporary name */
        azk_buf p = AZK_BUF_INIT;
        json_array_foreach(json_object_get(body, "files"), i, f)
        {
            azk_buf_clear(&p);
            if (azk_buf_printf(&p, "%s/files/%s", (const char *)tmp.data,
                               json_string_value(json_object_get(f, "sha256"))) == AZK_OK)
                (void)unlink((const char *)p.data);
        }
        azk_buf_clear(&p);
        if (azk_buf_printf(&p, "%s/files", (const char *)tmp.data) == AZK_OK)
            (void)rmdir((const char *)p.data);
        azk_buf_clear(&p);
        if (azk_buf_printf(&p, "%s/bundle.json", (const char *)tmp.data) == AZK_OK)
            (void)unlink((const char *)p.data);
        azk_buf_clear(&p);
        if (azk_buf_printf(&p, "%s/records.json", (const char *)tmp.data) == AZK_OK)
            (void)unlink((const char *)p.data);
        (void)rmdir((const char *)tmp.data);
        azk_buf_dispose(&p);
    }
done:
    free(rec); /* jansson's allocator; checksrc: ok */
    azk_buf_dispose(&tmp);
    azk_buf_dispose(&fin);
    azk_buf_dispose(&sub);
    return rc;
}

azk_status azk_vendor_export(azk_home *h, const char *id, const char *from, const char *to,
                             const char *out)
{
    azk_status rc;
    azk_audit *a = NULL;
    json_t *records = NULL, *body = NULL, *sig = NULL, *doc = NULL, *extra = NULL, *reports = NULL;
    struct ev_ctx ev = {NULL, 0, NULL};
    struct file_ctx fc = {h, NULL};
    char *note = NULL, *text = NULL, *rtext = NULL;
    char now[32], to_end[32], rsha[65], bsha[65];
    struct stat sb;
    bool is_dir;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL && out != NULL);
    rc = azk_vendor__check_date(from, "--from", false);
    if (rc == AZK_OK)
        rc = azk_vendor__check_date(to, "--to", false);
    if (rc == AZK_OK && strcmp(from, to) > 0)
        rc = azk_error_set(AZK_ERR_ARG, "--from is after --to");
    if (rc == AZK_OK)
        rc = azk_vendor__must_exist(h, id);
    if (rc != AZK_OK)
        return rc;
    is_dir = stat(out, &sb) == 0 && S_ISDIR(sb.st_mode);
    rc = azk_vendor__collect(h, id, to, &records);
    if (rc != AZK_OK)
        goto done;
    fc.arr = json_array();
    ev.arr = json_array();
    if (fc.arr == NULL || ev.arr == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    rc = azk_store__vendor_rows(h, AZK_VSQL_FILE_LIST, &id, 1, file_cb, &fc);
    if (rc != AZK_OK)
        goto done;
    /* the ledger: a signed checkpoint now, every vendor entry of the period proved in it */
    rc = azk_audit_open(&a, azk_home_path(h), 0, NULL);
    if (rc == AZK_OK)
        rc = azk_audit_checkpoint(a, 1, &note);
    if (rc != AZK_OK)
        goto done;
    ev.a = a;
    ev.size = azk_audit_size(a);
    (void)snprintf(to_end, sizeof(to_end), "%sT23:59:59Z", to);
    {
        const char *p[] = {id, from, to_end};
        rc = azk_store__vendor_rows(h, AZK_VSQL_EVENT_RANGE, p, 3, ev_cb, &ev);
    }
    if (rc != AZK_OK)
        goto done;
    rc = azk_vendor__bundle_reports(h, records, from, to, &reports);
    if (rc != AZK_OK)
        goto done;
    rtext = json_dumps(records, JSON_COMPACT | JSON_SORT_KEYS);
    if (rtext == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    azk_vendor__sha256_hex(rtext, strlen(rtext), rsha);
    azk_store__now(now);
    body = json_pack("{s:s,s:i,s:s,s:s,s:s,s:s,s:s,s:O,s:s,s:O,s:{s:s,s:s,s:s,s:I,s:O},s:O}",
                     "format", BUNDLE_FORMAT, "format_version", 1, "vendor", id, "from", from, "to",
                     to, "created_at", now, "created_by", azk_store__actor(h), "records", records,
                     "records_sha256", rsha, "files", fc.arr, "ledger", "origin",
                     azk_audit_origin(a), "vkey", azk_audit_vkey(a), "checkpoint", note,
                     "tree_size", (json_int_t)ev.size, "entries", ev.arr, "reports", reports);
    if (body == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    rc = azk_sign__json(h, body, &sig);
    if (rc != AZK_OK)
        goto done;
    doc = json_pack("{s:O,s:O}", "bundle", body, "signature", sig);
    text = doc != NULL ? json_dumps(doc, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
    if (text == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    if (is_dir)
        rc = write_dir(out, id, from, to, text, body);
    else
        rc = azk_outfile__write(out, text, strlen(text), 0644, 0, NULL);
    if (rc != AZK_OK)
        goto done;
    azk_vendor__sha256_hex(text, strlen(text), bsha);
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        goto done;
    extra = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I}", "from", from, "to", to, "bundle_sha256", bsha,
                      "entries", (json_int_t)json_array_size(ev.arr), "files",
                      (json_int_t)json_array_size(fc.arr), "reports",
                      (json_int_t)json_array_size(reports));
    rc = azk_vendor__end(h, rc, id, "vendor.export", extra);
done:
    azk_audit_close(a);
    azk_audit_free(note);
    free(text);  /* jansson's allocator; checksrc: ok */
    free(rtext); /* checksrc: ok */
    json_decref(records);
    json_decref(reports);
    json_decref(fc.arr);
    json_decref(ev.arr);
    json_decref(body);
    json_decref(sig);
    json_decref(doc);
    json_decref(extra);
    return rc;
}

/* ---- verify ------------------------------------------------------------------- */

static const char *jstr_or_empty(json_t *o, const char *k)
{
    const char *v = json_string_value(json_object_get(o, k));
    return v != NULL ? v : "";
}

static azk_status vfail(azk_status code, const char *msg, const char *detail)
{
    return azk_error_set(code, "bundle: %s%s%s", msg, detail != NULL ? ": " : "",
                         detail != NULL ? detail : "");
}

static azk_status verify_files(json_t *files, const char *dir, azk_vendor_export_report *rep)
{
    json_t *f;
    size_t i;
    json_array_foreach(files, i, f)
    {
        const char *b64 = json_string_value(json_object_get(f, "content"));
        const char *want = json_string_value(json_object_get(f, "sha256"));
        size_t cap, n = 0;
        uint8_t *bin;
        char sha[65];
        azk_status rc = AZK_OK;
        if (b64 == NULL || want == NULL)
            return vfail(AZK_ERR_FORMAT, "a file without content or hash", NULL);
        cap = strlen(b64) / 4 * 3 + 3;
        bin = azk_malloc(cap + 1);
        if (bin == NULL)
            return azk_error_nomem();
        if (sodium_base642bin(bin, cap, b64, strlen(b64), NULL, &n, NULL,
                              sodium_base64_VARIANT_ORIGINAL) != 0)
            rc = vfail(AZK_ERR_FORMAT, "file content is not base64", want);
        if (rc == AZK_OK) {
            azk_vendor__sha256_hex(bin, n, sha);
            if (strcmp(sha, want) != 0)
                rc = vfail(AZK_ERR_INTEGRITY, "file content differs from its SHA-256", want);
        }
        if (rc == AZK_OK && dir != NULL) {
            /* the copy extracted for reading must be the same bytes */
            azk_buf p = AZK_BUF_INIT, d = AZK_BUF_INIT;
            rc = azk_buf_printf(&p, "%s/files/%s", dir, want);
            if (rc == AZK_OK)
                rc = azk_vendor__read_file((const char *)p.data, AZK_VENDOR_FILE_MAX, &d);
            if (rc != AZK_OK)
                rc = vfail(AZK_ERR_INTEGRITY, "an extracted file is missing or unreadable", want);
            else if ((azk_vendor__sha256_hex(d.data, d.len, sha), strcmp(sha, want) != 0))
                rc = vfail(AZK_ERR_INTEGRITY, "an extracted file was changed", want);
            azk_buf_dispose(&p);
            azk_buf_dispose(&d);
        }
        azk_free(bin);
        if (rc != AZK_OK)
            return rc;
        rep->files++;
    }
    return AZK_OK;
}

static azk_status verify_ledger(json_t *led, const char *vendor, const char *vkey_given,
                                azk_vendor_export_report *rep)
{
    const char *note = json_string_value(json_object_get(led, "checkpoint"));
    const char *vkey =
        vkey_given != NULL ? vkey_given : json_string_value(json_object_get(led, "vkey"));
    azk_audit_checkpoint_info cp;
    json_int_t tsize = json_integer_value(json_object_get(led, "tree_size"));
    json_t *e;
    size_t i;
    char vk[512];
    if (note == NULL || vkey == NULL || !json_is_array(json_object_get(led, "entries")))
        return vfail(AZK_ERR_FORMAT, "ledger section incomplete", NULL);
    (void)snprintf(vk, sizeof(vk), "%.*s", (int)strcspn(vkey, "\r\n"), vkey);
    if (azk_audit_checkpoint_open(note, strlen(note), vk, &cp) != AZK_OK)
        return vfail(AZK_ERR_CRYPTO, "the ledger checkpoint's signature does not verify", NULL);
    if (cp.size != (uint64_t)tsize)
        return vfail(AZK_ERR_INTEGRITY, "tree size differs from the checkpoint", NULL);
    rep->checkpoint = 1;
    json_array_foreach(json_object_get(led, "entries"), i, e)
    {
        const char *entry = json_string_value(json_object_get(e, "entry"));
        json_t *pa = json_object_get(e, "proof"), *ent;
        json_int_t idx = json_integer_value(json_object_get(e, "index"));
        size_t pn = json_array_size(pa), bl = 0;
        uint8_t proof[64 * AZK_AUDIT_HASH_LEN], leaf[AZK_AUDIT_HASH_LEN];
        bool named = false;
        const char *act;
        char at[32];
        (void)snprintf(at, sizeof(at), "entry %zu", i + 1);
        if (entry == NULL || !json_is_array(pa) || pn > 64 || idx < 0 || idx >= tsize)
            return vfail(AZK_ERR_FORMAT, "ledger entry incomplete", at);
        for (size_t k = 0; k < pn; k++) {
            const char *hx = json_string_value(json_array_get(pa, k));
            if (hx == NULL || strlen(hx) != 2 * AZK_AUDIT_HASH_LEN ||
                sodium_hex2bin(proof + k * AZK_AUDIT_HASH_LEN, AZK_AUDIT_HASH_LEN, hx, strlen(hx),
                               NULL, &bl, NULL) != 0)
                return vfail(AZK_ERR_FORMAT, "proof hash is not 64 hex digits", at);
        }
        azk_audit_leaf_hash(entry, strlen(entry), leaf);
        if (azk_audit_verify_inclusion((uint64_t)idx, (uint64_t)tsize, leaf, proof, pn, cp.root) !=
            AZK_OK)
            return vfail(AZK_ERR_INTEGRITY,
                         "inclusion proof fails (entry altered or not in the "
                         "ledger)",
                         at);
        ent = json_loads(entry, 0, NULL);
        act = json_string_value(json_object_get(ent, "action"));
        for (size_t k = 0; k < json_array_size(json_object_get(ent, "objects")); k++) {
            const char *o = json_string_value(json_array_get(json_object_get(ent, "objects"), k));
            named |= o != NULL && strcmp(o, vendor) == 0;
        }
        if (act == NULL || strncmp(act, "vendor.", 7) != 0 || !named) {
            json_decref(ent);
            return vfail(AZK_ERR_INTEGRITY, "a ledger entry is not about this vendor", at);
        }
        json_decref(ent);
        rep->entries++;
    }
    return AZK_OK;
}

azk_status azk_vendor_export_verify(const char *path, const char *pubkey, const char *ledger_vkey,
                                    azk_vendor_export_report *rep)
{
    azk_status rc;
    azk_buf file = AZK_BUF_INIT, data = AZK_BUF_INIT;
    json_t *doc = NULL, *body, *sig, *records;
    json_error_t jerr;
    struct stat sb;
    const char *dir = NULL, *key, *rsha, *fmt;
    char *rtext = NULL, sha[65];
    azk_error_clear();
    AZK_ASSERT_ARG(path != NULL && rep != NULL);
    memset(rep, 0, sizeof(*rep));
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        dir = path;
        rc = azk_buf_printf(&file, "%s/bundle.json", path);
    } else {
        rc = azk_buf_puts(&file, path);
    }
    if (rc == AZK_OK)
        rc = azk_vendor__read_file((const char *)file.data, BUNDLE_MAX, &data);
    if (rc != AZK_OK)
        goto done;
    doc = json_loadb((const char *)data.data, data.len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL) {
        char where[64];
        (void)snprintf(where, sizeof(where), "line %d column %d", jerr.line, jerr.column);
        rc = vfail(AZK_ERR_FORMAT, "not JSON (truncated or damaged)", where);
        goto done;
    }
    body = json_object_get(doc, "bundle");
    sig = json_object_get(doc, "signature");
    fmt = json_string_value(json_object_get(body, "format"));
    if (!json_is_object(body) || !json_is_object(sig) || fmt == NULL ||
        strcmp(fmt, BUNDLE_FORMAT) != 0) {
        rc = vfail(AZK_ERR_FORMAT, "not an " BUNDLE_FORMAT " document", NULL);
        goto done;
    }
    key = pubkey != NULL ? pubkey : json_string_value(json_object_get(sig, "key"));
    rc = azk_sign__verify_json(body, sig, key, "bundle");
    if (rc != AZK_OK)
        goto done;
    rep->signature = 1;
    rep->pinned = pubkey != NULL && ledger_vkey != NULL;
    (void)snprintf(rep->vendor, sizeof(rep->vendor), "%s", jstr_or_empty(body, "vendor"));
    (void)snprintf(rep->from, sizeof(rep->from), "%s", jstr_or_empty(body, "from"));
    (void)snprintf(rep->to, sizeof(rep->to), "%s", jstr_or_empty(body, "to"));
    records = json_object_get(body, "records");
    rsha = json_string_value(json_object_get(body, "records_sha256"));
    rtext = json_dumps(records, JSON_COMPACT | JSON_SORT_KEYS);
    if (rtext == NULL || rsha == NULL) {
        rc = vfail(AZK_ERR_FORMAT, "records missing", NULL);
        goto done;
    }
    azk_vendor__sha256_hex(rtext, strlen(rtext), sha);
    if (strcmp(sha, rsha) != 0) {
        rc = vfail(AZK_ERR_INTEGRITY, "records differ from their SHA-256", NULL);
        goto done;
    }
    rc = verify_files(json_object_get(body, "files"), dir, rep);
    if (rc == AZK_OK)
        rc = verify_ledger(json_object_get(body, "ledger"), rep->vendor, ledger_vkey, rep);
    if (rc == AZK_OK)
        rc = azk_vendor__verify_reports(json_object_get(body, "reports"), records, rep->from,
                                        rep->to, &rep->reports, &rep->report_certificates);
done:
    free(rtext); /* jansson's allocator; checksrc: ok */
    json_decref(doc);
    azk_buf_dispose(&file);
    azk_buf_dispose(&data);
    return rc;
}
