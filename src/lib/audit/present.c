/* SPDX-License-Identifier: Apache-2.0 */
/*
 * audit/present.c -- the ledger as front ends show it: one entry's fields
 * (for listing and filtering) and RFC 9162 inclusion / consistency proofs
 * as JSON documents with base64 hashes. Here so the CLI, the server and
 * the agents print the same documents and need no JSON or crypto library
 * of their own.
 */
#include "util/util.h"
#include "azukari/audit.h"

#include <jansson.h>
#include <sodium.h>
#include <stdlib.h>

/* The public view first: azk_audit_entry_info_free casts back. */
struct entry_info {
    azk_audit_entry_info pub;
    json_t *root;
    const char **objects;
};

static const char *str_or_empty(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s != NULL ? s : "";
}

azk_status azk_audit_entry_parse(const char *text, size_t len, azk_audit_entry_info **out)
{
    struct entry_info *e = NULL;
    json_t *objs, *o;
    size_t i;
    azk_status rc = AZK_ERR_NOMEM;

    AZK_ASSERT_ARG(text != NULL);
    AZK_ASSERT_ARG(out != NULL);
    *out = NULL;
    e = azk_calloc(1, sizeof(*e));
    if (e == NULL) {
        rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
        goto done;
    }
    e->root = json_loadb(text, len, 0, NULL);
    if (!json_is_object(e->root)) {
        rc = azk_error_set(AZK_ERR_FORMAT, "ledger entry is not a JSON object");
        goto done;
    }
    e->pub.time = str_or_empty(e->root, "time");
    e->pub.actor = str_or_empty(e->root, "actor");
    e->pub.host = str_or_empty(e->root, "host");
    e->pub.action = str_or_empty(e->root, "action");
    e->pub.outcome = str_or_empty(e->root, "outcome");
    e->pub.reason = json_string_value(json_object_get(e->root, "reason"));
    objs = json_object_get(e->root, "objects");
    if (json_is_array(objs) && json_array_size(objs) > 0) {
        e->objects = azk_calloc(json_array_size(objs), sizeof(*e->objects));
        if (e->objects == NULL) {
            rc = azk_error_set(AZK_ERR_NOMEM, "out of memory");
            goto done;
        }
        json_array_foreach(objs, i, o)
        {
            if (json_is_string(o))
                e->objects[e->pub.object_count++] = json_string_value(o);
        }
    }
    e->pub.objects = e->objects;
    *out = &e->pub;
    e = NULL;
    rc = AZK_OK;
done:
    azk_audit_entry_info_free(e != NULL ? &e->pub : NULL);
    return rc;
}

void azk_audit_entry_info_free(azk_audit_entry_info *info)
{
    struct entry_info *e = (struct entry_info *)info;
    if (e == NULL)
        return;
    json_decref(e->root);
    azk_free((void *)e->objects);
    azk_free(e);
}

/* ---- proofs ----------------------------------------------------------------- */

#define B64_LEN AZK_AUDIT_HASH_B64_LEN
_Static_assert(sodium_base64_ENCODED_LEN(AZK_AUDIT_HASH_LEN, sodium_base64_VARIANT_ORIGINAL) ==
                   AZK_AUDIT_HASH_B64_LEN,
               "AZK_AUDIT_HASH_B64_LEN");

void azk_audit_hash_b64(const uint8_t h[AZK_AUDIT_HASH_LEN], char out[AZK_AUDIT_HASH_B64_LEN])
{
    sodium_bin2base64(out, B64_LEN, h, AZK_AUDIT_HASH_LEN, sodium_base64_VARIANT_ORIGINAL);
}

static void b64(char out[B64_LEN], const uint8_t h[AZK_AUDIT_HASH_LEN])
{
    azk_audit_hash_b64(h, out);
}

static json_t *proof_array(const uint8_t *p, size_t count)
{
    json_t *a = json_array();
    for (size_t i = 0; a != NULL && i < count; i++) {
        char s[B64_LEN];
        b64(s, p + i * AZK_AUDIT_HASH_LEN);
        if (json_array_append_new(a, json_string(s)) != 0) {
            json_decref(a);
            return NULL;
        }
    }
    return a;
}

/* Dump `j` (consumed) into *out, freed with azk_audit_free. */
static azk_status dump(json_t *j, char **out)
{
    char *s = j != NULL ? json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS) : NULL;
    json_decref(j);
    if (s == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    *out = s; /* azk_audit_free is the C library's free, like jansson's */
    return AZK_OK;
}

azk_status azk_audit_prove_inclusion_json(azk_audit *a, uint64_t index, uint64_t size, char **out)
{
    azk_status rc;
    uint8_t *proof = NULL, leaf[AZK_AUDIT_HASH_LEN], root[AZK_AUDIT_HASH_LEN];
    size_t pc = 0, tl = 0;
    char *note = NULL, *text = NULL, s1[B64_LEN], s2[B64_LEN];
    json_t *j;

    AZK_ASSERT_ARG(a != NULL);
    AZK_ASSERT_ARG(out != NULL);
    *out = NULL;
    if (size == 0) {
        rc = azk_audit_checkpoint(a, 1, &note);
        if (rc != AZK_OK)
            goto done;
        size = azk_audit_size(a);
    }
    rc = azk_audit_prove_inclusion(a, index, size, &proof, &pc);
    if (rc == AZK_OK)
        rc = azk_audit_entry(a, index, &text, &tl);
    if (rc == AZK_OK)
        rc = azk_audit_root(a, size, root);
    if (rc != AZK_OK)
        goto done;
    azk_audit_leaf_hash(text, tl, leaf);
    b64(s1, leaf);
    b64(s2, root);
    j = json_pack("{s:I, s:I, s:s, s:s, s:s, s:o}", "index", (json_int_t)index, "size",
                  (json_int_t)size, "entry", text, "leaf_hash", s1, "root", s2, "proof",
                  proof_array(proof, pc));
    if (j != NULL && note != NULL && json_object_set_new(j, "checkpoint", json_string(note)) != 0) {
        json_decref(j);
        j = NULL;
    }
    rc = dump(j, out);
done:
    azk_audit_free(proof);
    azk_audit_free(note);
    azk_audit_free(text);
    return rc;
}

azk_status azk_audit_prove_consistency_json(azk_audit *a, const azk_audit_checkpoint_info *old,
                                            char **out)
{
    azk_status rc;
    uint8_t *proof = NULL, root[AZK_AUDIT_HASH_LEN];
    size_t pc = 0;
    char *note = NULL, s1[B64_LEN], s2[B64_LEN];
    uint64_t size;
    json_t *j;

    AZK_ASSERT_ARG(a != NULL);
    AZK_ASSERT_ARG(old != NULL);
    AZK_ASSERT_ARG(out != NULL);
    *out = NULL;
    size = azk_audit_size(a);
    if (old->size > size) {
        rc = azk_error_set(AZK_ERR_INTEGRITY,
                           "the checkpoint covers %llu entries but the ledger has %llu",
                           (unsigned long long)old->size, (unsigned long long)size);
        goto done;
    }
    rc = azk_audit_checkpoint(a, 1, &note);
    if (rc == AZK_OK)
        rc = azk_audit_prove_consistency(a, old->size, size, &proof, &pc);
    if (rc == AZK_OK)
        rc = azk_audit_root(a, size, root);
    if (rc != AZK_OK)
        goto done;
    if (azk_audit_verify_consistency(old->size, size, proof, pc, old->root, root) != AZK_OK) {
        rc = azk_error_set(AZK_ERR_INTEGRITY,
                           "the ledger does not extend this checkpoint (history rewritten)");
        goto done;
    }
    b64(s1, old->root);
    b64(s2, root);
    j = json_pack("{s:I, s:I, s:s, s:s, s:o, s:s}", "old_size", (json_int_t)old->size, "new_size",
                  (json_int_t)size, "old_root", s1, "new_root", s2, "proof", proof_array(proof, pc),
                  "checkpoint", note);
    rc = dump(j, out);
done:
    azk_audit_free(proof);
    azk_audit_free(note);
    return rc;
}
