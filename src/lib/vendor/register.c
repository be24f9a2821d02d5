/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vendor/register.c -- the vendor register (azukari/vendor.h): legal
 * entity, 法人番号 (check digit verified), locations of data, criticality,
 * the bank's risk rating and its history, public keys with fingerprints
 * (replaced or retired keys kept, never registered again), the
 * sub-contracting (再委託) chain without cycles, the contract and its
 * required clauses. One transaction and one ledger event per change.
 */
#include "vendor/vendor_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const levels[] = {"high", "medium", "low", NULL};
static const char *const key_purposes[] = {"certificate", "report", "ledger", NULL};
static const char *const clause_states[] = {"agreed", "partial", "missing", "n/a", NULL};

/* The locations as a JSON array text (each 1-200 bytes of UTF-8, no control characters). */
static azk_status locations_json(const azk_vendor_fields *f, char **out)
{
    json_t *a = json_array();
    azk_status rc = AZK_OK;
    *out = NULL;
    if (a == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < f->location_count; i++) {
        const char *l = f->locations[i];
        size_t n = l != NULL ? strlen(l) : 0;
        bool ctl = false;
        for (size_t k = 0; k < n; k++)
            ctl |= (unsigned char)l[k] < 0x20;
        if (n == 0 || n > 200 || ctl || !azk_utf8_valid((const uint8_t *)l, n)) {
            rc = azk_error_set(AZK_ERR_ARG, "location %zu: 1-200 bytes of text expected", i + 1);
            goto done;
        }
        if (json_array_append_new(a, json_string(l)) != 0) {
            rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
            goto done;
        }
    }
    *out = json_dumps(a, JSON_COMPACT);
    if (*out == NULL)
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
done:
    json_decref(a);
    return rc;
}

static azk_status check_text(const char *s, const char *what, size_t max)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > max || !azk_utf8_valid((const uint8_t *)s, n))
        return azk_error_set(AZK_ERR_ARG, "%s: 1-%zu bytes of UTF-8 text expected", what, max);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20)
            return azk_error_set(AZK_ERR_ARG, "%s: control characters are not allowed", what);
    return AZK_OK;
}

static azk_status write_fields(azk_home *h, const char *id, const azk_vendor_fields *fin, bool add)
{
    azk_vendor_fields f = AZK_VENDOR_FIELDS_INIT;
    static const azk_vendor_fields defaults = AZK_VENDOR_FIELDS_INIT;
    azk_status rc;
    char corp[14], now[32];
    char *locs = NULL;
    json_t *extra = NULL;
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    rc = azk__options_in(&f, sizeof(f), &defaults, fin, true, "vendor fields");
    if (rc != AZK_OK)
        return rc;
    if (!azk_store__valid_id(id))
        return azk_error_set(AZK_ERR_ARG, "vendor id must be 1-64 of [A-Za-z0-9._-], starting "
                                          "with a letter or digit");
    if (add && f.criticality == NULL)
        f.criticality = "medium";
    if (add || f.name != NULL) {
        rc = check_text(f.name, "vendor name", 300);
        if (rc != AZK_OK)
            return rc;
    }
    if (add || f.corporate_number != NULL) {
        rc = azk_vendor__corporate_number(f.corporate_number, corp);
        if (rc != AZK_OK)
            return rc;
    }
    if (f.criticality != NULL && !azk_vendor__one_of(f.criticality, levels))
        return azk_error_set(AZK_ERR_ARG, "criticality must be high, medium or low");
    if (add || f.locations != NULL) {
        rc = locations_json(&f, &locs);
        if (rc != AZK_OK)
            return rc;
    }
    azk_store__now(now);
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        goto out;
    if (add) {
        const char *p[] = {id, f.name, corp, f.criticality, locs, now, azk_store__actor(h), now};
        rc = azk_store__vendor_run(h, AZK_VSQL_VENDOR_INSERT, p, 8, NULL);
        if (rc == AZK_ERR_ARG)
            rc = azk_error_set(AZK_ERR_ARG, "vendor %s already exists", id);
    } else {
        const char *p[] = {
            f.name, f.corporate_number != NULL ? corp : NULL, f.criticality, locs, now, id};
        int64_t ch = 0;
        rc = azk_store__vendor_run(h, AZK_VSQL_VENDOR_UPDATE, p, 6, &ch);
        if (rc == AZK_OK && ch == 0)
            rc = azk_error_set(AZK_ERR_NOTFOUND, "vendor %s is not registered", id);
    }
    /* the ledger names which fields changed, not their values (company facts, but the
     * ledger stays ids-only) */
    extra = json_pack("{s:b,s:b,s:b,s:b}", "name", f.name != NULL, "corporate_number",
                      add || f.corporate_number != NULL, "criticality", f.criticality != NULL,
                      "locations", locs != NULL);
    rc = azk_vendor__end(h, rc, id, add ? "vendor.add" : "vendor.set", extra);
out:
    json_decref(extra);
    free(locs); /* jansson's allocator; checksrc: ok */
    return rc;
}

azk_status azk_vendor_add(azk_home *h, const char *id, const azk_vendor_fields *f)
{
    azk_error_clear();
    return write_fields(h, id, f, true);
}

azk_status azk_vendor_set(azk_home *h, const char *id, const azk_vendor_fields *f)
{
    azk_error_clear();
    return write_fields(h, id, f, false);
}

azk_status azk_vendor_rate(azk_home *h, const char *id, const char *risk, const char *reason)
{
    azk_status rc;
    char now[32];
    json_t *extra;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    if (!azk_vendor__one_of(risk, levels))
        return azk_error_set(AZK_ERR_ARG, "risk rating must be high, medium or low");
    rc = check_text(reason, "reason of the rating", 2000);
    if (rc != AZK_OK)
        return rc;
    rc = azk_vendor__must_exist(h, id);
    if (rc != AZK_OK)
        return rc;
    azk_store__now(now);
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        return rc;
    {
        const char *p[] = {risk, reason, now, id};
        rc = azk_store__vendor_run(h, AZK_VSQL_VENDOR_RISK, p, 4, NULL);
    }
    if (rc == AZK_OK) { /* the history: every rating with its reason, who and when */
        const char *p[] = {id, risk, reason, now, azk_store__actor(h), id};
        rc = azk_store__vendor_run(h, AZK_VSQL_RATING_ADD, p, 6, NULL);
    }
    extra = json_pack("{s:s}", "risk", risk);
    rc = azk_vendor__end(h, rc, id, "vendor.rate", extra);
    json_decref(extra);
    return rc;
}

/*
 * A key text: "name+<base64 of 32 bytes>" (azukari-cert+..., report keys)
 * or a signed-note verifier key "name+<8 hex>+<base64 of 0x01 || 32
 * bytes>" (ledger keys). raw gets the 32-byte Ed25519 key.
 */
static azk_status key_raw(const char *text, uint8_t raw[32])
{
    /* the name never holds '+', base64 may: split after the name (and the note key hash) */
    const char *b64 = text != NULL ? strchr(text, '+') : NULL;
    uint8_t buf[40];
    size_t n = 0;
    if (b64 != NULL && strspn(b64 + 1, "0123456789abcdef") == 8 && b64[9] == '+')
        b64 += 9;
    if (b64 == NULL || b64 == text || strlen(text) > 400 ||
        sodium_base642bin(buf, sizeof(buf), b64 + 1, strcspn(b64 + 1, "\r\n"), NULL, &n, NULL,
                          sodium_base64_VARIANT_ORIGINAL) != 0)
        return azk_error_set(AZK_ERR_ARG, "public key: \"name+<base64>\" expected");
    if (n == 32) {
        memcpy(raw, buf, 32);
    } else if (n == 33 && buf[0] == 0x01) {
        memcpy(raw, buf + 1, 32);
    } else {
        return azk_error_set(AZK_ERR_ARG, "public key: not an Ed25519 key (%zu bytes)", n);
    }
    return AZK_OK;
}

/* The fingerprint of a key row (KEY_GET: pubkey, fingerprint) into a char[72]. */
static azk_status fp_cb(const char *const *cols, size_t ncols, void *payload)
{
    (void)snprintf(payload, 72, "%s", ncols > 1 && cols[1] != NULL ? cols[1] : "");
    return AZK_OK;
}

/* The first column of a row into a char[32] (a date). */
static azk_status at_cb(const char *const *cols, size_t ncols, void *payload)
{
    (void)snprintf(payload, 32, "%s", ncols > 0 && cols[0] != NULL ? cols[0] : "");
    return AZK_OK;
}

/* The first column of a row into a char[72] (a vendor id). */
static azk_status first_cb72(const char *const *cols, size_t ncols, void *payload)
{
    (void)snprintf(payload, 72, "%s", ncols > 0 && cols[0] != NULL ? cols[0] : "");
    return AZK_OK;
}

/*
 * Inside the key's transaction: refuse a key another vendor has or had (one
 * key, one signer), a key that is already the vendor's key of this purpose
 * (nothing would change) or one retired before for it (a key taken out of
 * trust, e.g. compromised, never comes back silently).
 */
static azk_status key_is_new(azk_home *h, const char *id, const char *purpose, const char *fp)
{
    char cur[72] = "", was[32] = "", other[72] = "";
    const char *p[] = {id, purpose, fp};
    const char *po[] = {fp, id, fp, id};
    /* one key is one signer: a key another vendor has (or had) would make what one signs
     * pass as the other's (a certificate, a report, a ledger) */
    azk_status rc = azk_store__vendor_rows(h, AZK_VSQL_KEY_OTHER, po, 4, first_cb72, other);
    if (rc == AZK_OK && other[0] != '\0')
        return azk_error_set(AZK_ERR_ARG,
                             "this key is (or was) registered for vendor %s: one key belongs to "
                             "one vendor; ask vendor %s for its own key",
                             other, id);
    if (rc == AZK_OK)
        rc = azk_store__vendor_rows(h, AZK_VSQL_KEY_GET, p, 2, fp_cb, cur);
    if (rc == AZK_OK && strcmp(cur, fp) == 0)
        return azk_error_set(AZK_ERR_ARG, "this key is already the %s key of vendor %s", purpose,
                             id);
    if (rc == AZK_OK)
        rc = azk_store__vendor_rows(h, AZK_VSQL_KEY_WAS, p, 3, at_cb, was);
    if (rc == AZK_OK && was[0] != '\0')
        return azk_error_set(AZK_ERR_ARG,
                             "this key was retired as %s key of vendor %s on %.10s: a retired key "
                             "is not registered again",
                             purpose, id, was);
    return rc;
}

azk_status azk_vendor_key_set(azk_home *h, const char *id, const char *purpose, const char *pubkey,
                              char *fingerprint)
{
    azk_status rc;
    uint8_t raw[32];
    char fp[72], hex[65], now[32], *clean = NULL;
    json_t *extra;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    if (!azk_vendor__one_of(purpose, key_purposes))
        return azk_error_set(AZK_ERR_ARG, "key purpose must be certificate, report or ledger");
    rc = key_raw(pubkey, raw);
    if (rc != AZK_OK)
        return rc;
    if (strcmp(purpose, "certificate") == 0 && strncmp(pubkey, "azukari-cert+", 13) != 0)
        return azk_error_set(AZK_ERR_ARG, "certificate key: azukari-cert+<base64> expected "
                                          "(keys/certificate.pub of the vendor's home)");
    rc = azk_vendor__must_exist(h, id);
    if (rc != AZK_OK)
        return rc;
    azk_vendor__sha256_hex(raw, sizeof(raw), hex);
    (void)snprintf(fp, sizeof(fp), "SHA256:%s", hex);
    clean = azk_strdup(pubkey);
    if (clean == NULL)
        return azk_error_nomem();
    clean[strcspn(clean, "\r\n")] = '\0';
    azk_store__now(now);
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK) {
        azk_free(clean);
        return rc;
    }
    rc = key_is_new(h, id, purpose, fp);
    if (rc == AZK_OK) { /* the key it replaces is kept as retired */
        const char *p[] = {now, azk_store__actor(h), "replaced", id, purpose};
        rc = azk_store__vendor_run(h, AZK_VSQL_KEY_RETIRE, p, 5, NULL);
    }
    if (rc == AZK_OK) {
        const char *p[] = {id, purpose, clean, fp, now};
        rc = azk_store__vendor_run(h, AZK_VSQL_KEY_SET, p, 5, NULL);
    }
    extra = json_pack("{s:s,s:s}", "purpose", purpose, "fingerprint", fp);
    rc = azk_vendor__end(h, rc, id, "vendor.key", extra); /* or rolls back */
    json_decref(extra);
    azk_free(clean);
    if (rc == AZK_OK && fingerprint != NULL)
        (void)snprintf(fingerprint, 72, "%s", fp);
    return rc;
}

azk_status azk_vendor_key_retire(azk_home *h, const char *id, const char *purpose,
                                 const char *reason, char *fingerprint)
{
    azk_status rc;
    char fp[72] = "", now[32];
    int64_t ch = 0;
    json_t *extra;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    if (!azk_vendor__one_of(purpose, key_purposes))
        return azk_error_set(AZK_ERR_ARG, "key purpose must be certificate, report or ledger");
    rc = check_text(reason, "reason of the retirement", 500);
    if (rc == AZK_OK)
        rc = azk_vendor__must_exist(h, id);
    if (rc != AZK_OK)
        return rc;
    azk_store__now(now);
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        return rc;
    {
        const char *p[] = {id, purpose};
        rc = azk_store__vendor_rows(h, AZK_VSQL_KEY_GET, p, 2, fp_cb, fp);
    }
    if (rc == AZK_OK && fp[0] == '\0')
        rc = azk_error_set(AZK_ERR_NOTFOUND, "vendor %s has no %s key to retire", id, purpose);
    if (rc == AZK_OK) {
        const char *p[] = {now, azk_store__actor(h), reason, id, purpose};
        rc = azk_store__vendor_run(h, AZK_VSQL_KEY_RETIRE, p, 5, NULL);
    }
    if (rc == AZK_OK) {
        const char *p[] = {id, purpose};
        rc = azk_store__vendor_run(h, AZK_VSQL_KEY_DELETE, p, 2, &ch);
        if (rc == AZK_OK && ch != 1)
            rc = azk_error_set(AZK_ERR_DB, "vendor key: %lld rows removed", (long long)ch);
    }
    extra = json_pack("{s:s,s:s}", "purpose", purpose, "fingerprint", fp);
    rc = azk_vendor__end(h, rc, id, "vendor.key.retire", extra);
    json_decref(extra);
    if (rc == AZK_OK && fingerprint != NULL)
        (void)snprintf(fingerprint, 72, "%s", fp);
    return rc;
}

/* ---- sub-contractors ------------------------------------------------------ */

struct edges {
    char (*from)[72];
    char (*to)[72];
    size_t count, cap;
};

static azk_status edge_cb(const char *const *cols, size_t ncols, void *payload)
{
    struct edges *e = payload;
    (void)ncols;
    if (e->count == e->cap) {
        size_t cap = e->cap ? e->cap * 2 : 16;
        void *f = azk_realloc(e->from, cap * sizeof(*e->from));
        if (f == NULL)
            return azk_error_nomem();
        e->from = f;
        f = azk_realloc(e->to, cap * sizeof(*e->to));
        if (f == NULL)
            return azk_error_nomem();
        e->to = f;
        e->cap = cap;
    }
    (void)snprintf(e->from[e->count], 72, "%s", cols[0]);
    (void)snprintf(e->to[e->count], 72, "%s", cols[1]);
    e->count++;
    return AZK_OK;
}

/* Is `target` reachable from `start` along the edges? path gets the chain "a -> b -> c". */
static bool reaches(const struct edges *e, const char *start, const char *target, azk_buf *path,
                    unsigned depth)
{
    if (strcmp(start, target) == 0) {
        azk_status ign = azk_buf_puts(path, target); /* the chain is for the message only */
        (void)ign;
        return true;
    }
    if (depth > 64)
        return false;
    for (size_t i = 0; i < e->count; i++) {
        size_t mark = path->len;
        if (strcmp(e->from[i], start) != 0)
            continue;
        if (azk_buf_printf(path, "%s -> ", start) != AZK_OK)
            return false;
        if (reaches(e, e->to[i], target, path, depth + 1))
            return true;
        path->len = mark;
        path->data[mark] = '\0';
    }
    return false;
}

azk_status azk_vendor_sub_add(azk_home *h, const char *id, const char *sub, const char *scope)
{
    azk_status rc;
    struct edges e = {0};
    azk_buf chain = AZK_BUF_INIT;
    char now[32];
    json_t *extra = NULL;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL && sub != NULL);
    rc = check_text(scope, "scope of the sub-contracting", 500);
    if (rc != AZK_OK)
        return rc;
    rc = azk_vendor__must_exist(h, id);
    if (rc == AZK_OK)
        rc = azk_vendor__must_exist(h, sub);
    if (rc != AZK_OK)
        return rc;
    if (strcmp(id, sub) == 0)
        return azk_error_set(AZK_ERR_ARG, "sub-contracting cycle: %s -> %s", id, sub);
    azk_store__now(now);
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        return rc;
    /* the cycle check reads the edges inside the write transaction: two concurrent adds
     * (a -> b, b -> a) are serialised and the second sees the first */
    rc = azk_store__vendor_rows(h, AZK_VSQL_SUB_ALL, NULL, 0, edge_cb, &e);
    if (rc == AZK_OK && reaches(&e, sub, id, &chain, 0)) {
        rc = azk_error_set(AZK_ERR_ARG,
                           "sub-contracting cycle: %s -> %s already leads back (%s): refused", id,
                           sub, (const char *)chain.data);
    }
    if (rc == AZK_OK) {
        const char *p[] = {id, sub, scope, now};
        rc = azk_store__vendor_run(h, AZK_VSQL_SUB_ADD, p, 4, NULL);
        if (rc == AZK_ERR_ARG)
            rc = azk_error_set(AZK_ERR_ARG, "%s is already a sub-contractor of %s", sub, id);
    }
    extra = json_pack("{s:s}", "sub", sub);
    rc = azk_vendor__end(h, rc, id, "vendor.sub.add", extra);
    json_decref(extra);
    azk_free(e.from);
    azk_free(e.to);
    azk_buf_dispose(&chain);
    return rc;
}

azk_status azk_vendor_sub_remove(azk_home *h, const char *id, const char *sub)
{
    azk_status rc;
    int64_t ch = 0;
    json_t *extra;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL && sub != NULL);
    rc = azk_vendor__must_exist(h, id);
    if (rc != AZK_OK)
        return rc;
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        return rc;
    {
        const char *p[] = {id, sub};
        rc = azk_store__vendor_run(h, AZK_VSQL_SUB_REMOVE, p, 2, &ch);
    }
    if (rc == AZK_OK && ch == 0)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "%s is not a sub-contractor of %s", sub, id);
    extra = json_pack("{s:s}", "sub", sub);
    rc = azk_vendor__end(h, rc, id, "vendor.sub.remove", extra);
    json_decref(extra);
    return rc;
}

/* ---- contracts -------------------------------------------------------------- */

azk_status azk_vendor_contract_set(azk_home *h, const char *id, const char *ref,
                                   const char *signed_on, const char *expires_on)
{
    azk_status rc;
    char now[32];
    json_t *extra;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    rc = check_text(ref, "contract reference", 200);
    if (rc == AZK_OK)
        rc = azk_vendor__check_date(signed_on, "signed", false);
    if (rc == AZK_OK)
        rc = azk_vendor__check_date(expires_on, "expires", true);
    if (rc == AZK_OK && expires_on != NULL && strcmp(expires_on, signed_on) < 0)
        rc = azk_error_set(AZK_ERR_ARG, "contract expires before it was signed");
    if (rc == AZK_OK)
        rc = azk_vendor__must_exist(h, id);
    if (rc != AZK_OK)
        return rc;
    azk_store__now(now);
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        return rc;
    {
        const char *p[] = {id, ref, signed_on, expires_on, now};
        rc = azk_store__vendor_run(h, AZK_VSQL_CONTRACT_SET, p, 5, NULL);
    }
    extra = json_pack("{s:s}", "signed_on", signed_on);
    rc = azk_vendor__end(h, rc, id, "vendor.contract", extra);
    json_decref(extra);
    return rc;
}

azk_status azk_vendor_clause_set(azk_home *h, const char *id, const char *clause,
                                 const char *status, const char *on_date, const char *note)
{
    azk_status rc;
    char now[32];
    json_t *extra;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    if (!azk_vendor__one_of(clause, azk_vendor__clauses))
        return azk_error_set(AZK_ERR_ARG,
                             "clause must be one of purpose-limitation, named-handlers, "
                             "re-entrustment, incident-reporting, audit-rights, "
                             "deletion-certificate");
    if (!azk_vendor__one_of(status, clause_states))
        return azk_error_set(AZK_ERR_ARG, "clause status must be agreed, partial, missing or n/a");
    rc = azk_vendor__check_date(on_date, "clause date", strcmp(status, "agreed") != 0);
    if (rc == AZK_OK && note != NULL)
        rc = check_text(note, "clause note", 2000);
    if (rc == AZK_OK)
        rc = azk_vendor__must_exist(h, id);
    if (rc != AZK_OK)
        return rc;
    azk_store__now(now);
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        return rc;
    {
        const char *p[] = {id, clause, status, on_date, note, now};
        rc = azk_store__vendor_run(h, AZK_VSQL_CLAUSE_SET, p, 6, NULL);
    }
    extra = json_pack("{s:s,s:s}", "clause", clause, "status", status);
    rc = azk_vendor__end(h, rc, id, "vendor.clause", extra);
    json_decref(extra);
    return rc;
}

void azk_vendor_free(void *p)
{
    azk_free(p);
}
