/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit/bundle.c -- export for auditors and its verification elsewhere.
 * A bundle is one JSON document:
 *
 *   {"format": "azukari-audit-bundle/1", "key": "<verifier key>",
 *    "checkpoint": "<signed note of the tree at size N>",
 *    "from": a, "to": b,
 *    "entries": [{"index": i, "entry": "<entry JSON text>",
 *                 "proof": ["<base64 hash>", ...]}, ...],
 *    "older": [{"checkpoint": "<signed note, size M < N>",
 *               "consistency": ["<base64 hash>", ...]}, ...]}
 *
 * Everything in it is checked against the verifier key the auditor got
 * out of band, never against the "key" member (informational).
 */
#include "audit/audit_int.h"

#include <dirent.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUNDLE_FORMAT "azukari-audit-bundle/1"

azk_status azk_audit__read_file(const char *path, azk_buf *out, size_t max);
const char *azk_audit__home(const azk_audit *a);

struct vctx {
    azk_audit_report *rep;
    azk_audit_issue_cb cb;
    void *payload;
    azk_status cb_rc; /* the callback's first non-OK status: no more calls */
};
void azk_audit__issue(struct vctx *v, azk_audit_issue_kind kind, uint64_t index, const char *fmt,
                      ...) __attribute__((format(printf, 4, 5)));
azk_status azk_audit__issue_status(const struct vctx *v, azk_status rc);
void azk_audit__check_checkpoint(struct vctx *v, const struct azk_audit__key *key, const char *note,
                                 size_t len, const struct azk_audit__nodes *t, uint64_t n,
                                 const char *what, azk_audit_checkpoint_info *out);

static json_t *proof_json(const uint8_t *h, size_t count)
{
    json_t *arr = json_array();
    if (arr == NULL)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        azk_buf b = AZK_BUF_INIT;
        if (azk_audit__b64_put(&b, h + i * HLEN, HLEN) != AZK_OK ||
            json_array_append_new(arr, json_string((char *)b.data)) != 0) {
            azk_buf_dispose(&b);
            json_decref(arr);
            return NULL;
        }
        azk_buf_dispose(&b);
    }
    return arr;
}

/* stored checkpoints below size n, with consistency proofs to n */
static azk_status add_older(azk_audit *a, json_t *older, uint64_t n)
{
    azk_buf dir = AZK_BUF_INIT;
    char **names = NULL;
    size_t count = 0;
    azk_status rc = azk_buf_printf(&dir, "%s/ledger/checkpoints", azk_audit__home(a));
    if (rc != AZK_OK)
        return rc;
    rc = azk_audit__note_names((char *)dir.data, 0, &names, &count);
    if (rc != AZK_OK)
        goto done;
    for (size_t i = 0; i < count; i++) {
        azk_buf p = AZK_BUF_INIT, text = AZK_BUF_INIT;
        azk_audit_checkpoint_info cp;
        uint8_t *proof = NULL;
        size_t pc = 0;
        json_t *o;
        azk_status st = AZK_OK;
        memset(&cp, 0, sizeof(cp));
        rc = azk_buf_printf(&p, "%s/%s", (char *)dir.data, names[i]);
        if (rc == AZK_OK)
            st = azk_audit__read_file((char *)p.data, &text, 65536);
        if (rc == AZK_OK && st == AZK_OK)
            st = azk_audit_checkpoint_open((char *)text.data, text.len, azk_audit_vkey(a), &cp);
        /* a stored note that does not open is verify's to report; memory is ours */
        if (st == AZK_ERR_NOMEM)
            rc = st;
        if (rc == AZK_OK && st == AZK_OK && cp.size < n && cp.size > 0) {
            rc = azk_audit_prove_consistency(a, cp.size, n, &proof, &pc);
            if (rc == AZK_OK) {
                json_t *pj = proof_json(proof, pc);
                o = pj != NULL ? json_pack("{s:s, s:o}", "checkpoint", (char *)text.data,
                                           "consistency", pj)
                               : NULL;
                if (o == NULL || json_array_append_new(older, o) != 0)
                    rc = azk_error_nomem();
            }
        }
        azk_free(proof);
        azk_buf_dispose(&p);
        azk_buf_dispose(&text);
        if (rc != AZK_OK)
            goto done;
    }
    azk_error_clear();
done:
    azk_audit__free_names(names, count);
    azk_buf_dispose(&dir);
    return rc;
}

azk_status azk_audit_export(azk_audit *a, uint64_t from, uint64_t to, char **out, size_t *out_len)
{
    azk_status rc;
    char *note = NULL, *entry = NULL;
    json_t *doc = NULL, *entries = NULL, *older = NULL;
    uint64_t n;
    azk_error_clear();
    if (a == NULL || out == NULL)
        return azk_error_set(AZK_ERR_ARG, "audit: missing argument");
    rc = azk_audit_checkpoint(a, 1, &note);
    if (rc != AZK_OK)
        return rc;
    n = azk_audit_size(a);
    if (from > to || to > n) {
        rc = azk_error_set(AZK_ERR_ARG, "ledger: range %llu..%llu outside 0..%llu",
                           (unsigned long long)from, (unsigned long long)to, (unsigned long long)n);
        goto done;
    }
    entries = json_array();
    older = json_array();
    if (entries == NULL || older == NULL)
        goto nomem;
    for (uint64_t i = from; i < to; i++) {
        uint8_t *proof = NULL;
        size_t pc = 0, el = 0;
        json_t *o, *pj;
        rc = azk_audit_entry(a, i, &entry, &el);
        if (rc == AZK_OK)
            rc = azk_audit_prove_inclusion(a, i, n, &proof, &pc);
        if (rc != AZK_OK)
            goto done;
        pj = proof_json(proof, pc);
        azk_free(proof);
        o = json_pack("{s:I, s:s#, s:o?}", "index", (json_int_t)i, "entry", entry, el, "proof", pj);
        azk_free(entry);
        entry = NULL;
        if (pj == NULL) {
            json_decref(o);
            goto nomem;
        }
        if (o == NULL || json_array_append_new(entries, o) != 0)
            goto nomem;
    }
    rc = add_older(a, older, n);
    if (rc != AZK_OK)
        goto done;
    doc = json_pack("{s:s, s:s, s:s, s:I, s:I, s:O, s:O}", "format", BUNDLE_FORMAT, "key",
                    azk_audit_vkey(a), "checkpoint", note, "from", (json_int_t)from, "to",
                    (json_int_t)to, "entries", entries, "older", older);
    if (doc == NULL)
        goto nomem;
    {
        /* dump into azk_malloc'd memory the caller frees with azk_audit_free */
        size_t need = json_dumpb(doc, NULL, 0, JSON_INDENT(1) | JSON_SORT_KEYS);
        char *text = need > 0 ? azk_malloc(need + 1) : NULL;
        if (text == NULL)
            goto nomem;
        if (json_dumpb(doc, text, need, JSON_INDENT(1) | JSON_SORT_KEYS) != need) {
            azk_free(text);
            goto nomem;
        }
        text[need] = '\0';
        *out = text;
        if (out_len != NULL)
            *out_len = need;
    }
    rc = AZK_OK;
    goto done;
nomem:
    rc = azk_error_nomem();
done:
    json_decref(doc);
    json_decref(entries);
    json_decref(older);
    azk_free(note);
    azk_free(entry);
    return rc;
}

/* proof array of base64 strings into hashes; 0 on malformed */
static int proof_get(json_t *arr, uint8_t *out, size_t *count)
{
    size_t i;
    json_t *v;
    if (!json_is_array(arr) || json_array_size(arr) > AZK_AUDIT__PROOF_MAX)
        return 0;
    json_array_foreach(arr, i, v)
    {
        if (!json_is_string(v) || azk_audit__b64_get(json_string_value(v), json_string_length(v),
                                                     out + i * HLEN, HLEN) != AZK_OK)
            return 0;
    }
    *count = json_array_size(arr);
    return 1;
}

azk_status azk_audit_verify_bundle(const char *bundle, size_t bundle_len, const char *vkey,
                                   const char *const *checkpoints, size_t checkpoint_count,
                                   azk_audit_report *report, azk_audit_issue_cb cb, void *payload)
{
    azk_status rc;
    struct azk_audit__key key;
    struct vctx v;
    json_t *doc = NULL, *entries, *older, *e;
    json_error_t jerr;
    azk_audit_checkpoint_info cp;
    azk_audit_checkpoint_info *olds = NULL;
    uint8_t proof[AZK_AUDIT__PROOF_MAX * HLEN];
    uint8_t prev_leaf[HLEN];
    uint64_t expect = 0;
    int have_prev = 0;
    size_t i, nold = 0;
    const char *note;

    azk_error_clear();
    if (bundle == NULL || vkey == NULL || report == NULL ||
        (checkpoint_count > 0 && checkpoints == NULL))
        return azk_error_set(AZK_ERR_ARG, "audit: missing argument");
    memset(report, 0, sizeof(*report));
    v.rep = report;
    v.cb = cb;
    v.payload = payload;
    v.cb_rc = AZK_OK;
    report->first_bad_index = UINT64_MAX;
    rc = azk_audit__vkey_parse(&key, vkey, strlen(vkey));
    if (rc != AZK_OK)
        return rc;
    doc = json_loadb(bundle, bundle_len, JSON_REJECT_DUPLICATES, &jerr);
    if (doc == NULL || !json_is_object(doc) || !json_is_string(json_object_get(doc, "format")) ||
        strcmp(json_string_value(json_object_get(doc, "format")), BUNDLE_FORMAT) != 0 ||
        !json_is_string(json_object_get(doc, "checkpoint"))) {
        azk_audit__issue(&v, AZK_AUDIT_ISSUE_BUNDLE, UINT64_MAX,
                         "not an azukari audit bundle (line %d)", doc == NULL ? jerr.line : 0);
        goto ok;
    }
    note = json_string_value(json_object_get(doc, "checkpoint"));
    azk_audit__check_checkpoint(&v, &key, note, strlen(note), NULL, 0, "bundle checkpoint", &cp);
    if (report->issues > 0)
        goto ok;
    memcpy(report->root, cp.root, HLEN);

    entries = json_object_get(doc, "entries");
    if (!json_is_array(entries)) {
        azk_audit__issue(&v, AZK_AUDIT_ISSUE_BUNDLE, UINT64_MAX, "bundle without entries");
        goto ok;
    }
    memset(prev_leaf, 0, HLEN);
    json_array_foreach(entries, i, e)
    {
        json_t *ix = json_object_get(e, "index"), *ent = json_object_get(e, "entry");
        uint64_t idx, seq;
        size_t pc = 0;
        uint8_t leaf[HLEN], prev[HLEN];
        if (!json_is_integer(ix) || json_integer_value(ix) < 0 || !json_is_string(ent) ||
            !proof_get(json_object_get(e, "proof"), proof, &pc)) {
            azk_audit__issue(&v, AZK_AUDIT_ISSUE_BUNDLE, UINT64_MAX, "bundle entry %zu: malformed",
                             i);
            continue;
        }
        idx = (uint64_t)json_integer_value(ix);
        if (i > 0 && idx != expect)
            azk_audit__issue(&v, AZK_AUDIT_ISSUE_SEQUENCE, expect,
                             "bundle entry %llu: missing (found index %llu instead)",
                             (unsigned long long)expect, (unsigned long long)idx);
        expect = idx + 1;
        report->entries++;
        azk_audit_leaf_hash(json_string_value(ent), json_string_length(ent), leaf);
        if (azk_audit_verify_inclusion(idx, cp.size, leaf, proof, pc, cp.root) != AZK_OK)
            azk_audit__issue(&v, AZK_AUDIT_ISSUE_PROOF, idx,
                             "entry %llu: not in the signed tree of %llu entries (modified or "
                             "forged)",
                             (unsigned long long)idx, (unsigned long long)cp.size);
        else if (azk_audit__entry_chain((const uint8_t *)json_string_value(ent),
                                        json_string_length(ent), &seq, prev) != AZK_OK ||
                 seq != idx)
            azk_audit__issue(&v, AZK_AUDIT_ISSUE_SEQUENCE, idx, "entry %llu: wrong sequence number",
                             (unsigned long long)idx);
        else if ((have_prev || idx == 0) && sodium_memcmp(prev, prev_leaf, HLEN) != 0)
            azk_audit__issue(&v, AZK_AUDIT_ISSUE_LINK, idx,
                             "entry %llu: link to the previous entry broken",
                             (unsigned long long)idx);
        memcpy(prev_leaf, leaf, HLEN);
        have_prev = 1;
    }
    {
        /* the bundle holds exactly the range it claims */
        json_t *jf = json_object_get(doc, "from"), *jt = json_object_get(doc, "to");
        json_t *first = json_array_get(entries, 0);
        uint64_t from, to, start = 0;
        if (!json_is_integer(jf) || !json_is_integer(jt) || json_integer_value(jf) < 0 ||
            json_integer_value(jt) < json_integer_value(jf)) {
            azk_audit__issue(&v, AZK_AUDIT_ISSUE_BUNDLE, UINT64_MAX,
                             "bundle without a valid from/to range");
        } else {
            from = (uint64_t)json_integer_value(jf);
            to = (uint64_t)json_integer_value(jt);
            if (json_is_integer(json_object_get(first, "index")))
                start = (uint64_t)json_integer_value(json_object_get(first, "index"));
            if (to > cp.size)
                azk_audit__issue(&v, AZK_AUDIT_ISSUE_BUNDLE, UINT64_MAX,
                                 "bundle range %llu..%llu beyond its checkpoint of %llu entries",
                                 (unsigned long long)from, (unsigned long long)to,
                                 (unsigned long long)cp.size);
            else if (report->entries != to - from || (to > from && start != from))
                azk_audit__issue(&v, AZK_AUDIT_ISSUE_SEQUENCE, from + report->entries,
                                 "bundle claims entries %llu..%llu but holds %llu from index %llu "
                                 "(entries left out)",
                                 (unsigned long long)from, (unsigned long long)to - 1,
                                 (unsigned long long)report->entries, (unsigned long long)start);
        }
    }

    older = json_object_get(doc, "older");
    if (json_is_array(older) && json_array_size(older) > 0) {
        olds = azk_calloc(json_array_size(older), sizeof(*olds));
        if (olds == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
    }
    json_array_foreach(older, i, e)
    {
        json_t *cn = json_object_get(e, "checkpoint");
        azk_audit_checkpoint_info oc;
        size_t pc = 0;
        uint64_t before = report->issues;
        char what[64];
        snprintf(what, sizeof(what), "older checkpoint %zu", i + 1);
        if (!json_is_string(cn) || !proof_get(json_object_get(e, "consistency"), proof, &pc)) {
            azk_audit__issue(&v, AZK_AUDIT_ISSUE_BUNDLE, UINT64_MAX, "%s: malformed", what);
            continue;
        }
        azk_audit__check_checkpoint(&v, &key, json_string_value(cn), json_string_length(cn), NULL,
                                    0, what, &oc);
        if (report->issues != before)
            continue;
        if (azk_audit_verify_consistency(oc.size, cp.size, proof, pc, oc.root, cp.root) != AZK_OK) {
            azk_audit__issue(&v, AZK_AUDIT_ISSUE_INCONSISTENT, UINT64_MAX,
                             "%s (%llu entries): the bundle's tree does not extend it", what,
                             (unsigned long long)oc.size);
            continue;
        }
        olds[nold++] = oc;
    }

    for (size_t c = 0; c < checkpoint_count; c++) {
        azk_audit_checkpoint_info kc;
        uint64_t before = report->issues;
        int matched = 0;
        char what[64];
        snprintf(what, sizeof(what), "checkpoint %zu", c + 1);
        azk_audit__check_checkpoint(&v, &key, checkpoints[c], strlen(checkpoints[c]), NULL, 0, what,
                                    &kc);
        if (report->issues != before)
            continue;
        if (kc.size == cp.size && sodium_memcmp(kc.root, cp.root, HLEN) == 0)
            matched = 1;
        if (kc.size == 0) {
            /* the empty tree is extended by every tree (RFC 9162 2.1.4) */
            uint8_t empty[HLEN];
            crypto_hash_sha256(empty, NULL, 0);
            matched = sodium_memcmp(kc.root, empty, HLEN) == 0;
            if (!matched) {
                azk_audit__issue(&v, AZK_AUDIT_ISSUE_CHECKPOINT, UINT64_MAX,
                                 "%s: of the empty tree, but not its root hash", what);
                continue;
            }
        }
        for (size_t o = 0; o < nold && !matched; o++) {
            if (olds[o].size == kc.size && sodium_memcmp(olds[o].root, kc.root, HLEN) == 0)
                matched = 1;
        }
        if (matched)
            continue;
        if (kc.size > cp.size)
            azk_audit__issue(&v, AZK_AUDIT_ISSUE_TRUNCATED, cp.size,
                             "%s: signed for %llu entries, the bundle's tree has only %llu "
                             "(entries removed)",
                             what, (unsigned long long)kc.size, (unsigned long long)cp.size);
        else
            azk_audit__issue(&v, AZK_AUDIT_ISSUE_INCONSISTENT, UINT64_MAX,
                             "%s (%llu entries): the bundle proves no consistency with it", what,
                             (unsigned long long)kc.size);
    }
ok:
    azk_error_clear();
    rc = AZK_OK;
done:
    azk_free(olds);
    json_decref(doc);
    return azk_audit__issue_status(&v, rc);
}
