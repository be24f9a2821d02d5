/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vault/fprow.c -- what intake and a key rotation share: the fingerprint
 * slots of one table row (cells of a slot joined, normalised, keyed-hashed:
 * match/fp.h), and a dataset's column kinds read back from the schema_json
 * intake stored (also read by impact). One piece of code, so that a
 * rotation re-makes exactly the fingerprints intake made.
 */
#include "vault/vault.h"
#include "azukari/catalog.h"

#include <jansson.h>
#include <string.h>

azk_status azk_vault__fp_row(struct azk_vault_fprow *b, const struct azk_fp_hasher *hs,
                             const uint8_t *kinds, size_t ncols, bool has_name_col,
                             const azk_record *rec, uint32_t h[AZK_FPS__COUNT], int8_t *col_slot)
{
    bool phone2 = false;
    for (size_t s = 0; s < AZK_FPS__COUNT; s++)
        azk_buf_clear(&b->raw[s]);
    for (size_t i = 0; i < rec->field_count && i < ncols; i++) {
        int slot = azk_fp__slot_of((azk_column_kind)kinds[i], has_name_col, &phone2);
        const azk_field *f = &rec->fields[i];
        azk_status rc;
        if (col_slot != NULL)
            col_slot[i] = -1;
        if (slot < 0 || f->len == 0)
            continue;
        if (slot == AZK_FPS_PHONE1 && b->raw[AZK_FPS_PHONE1].len > 0)
            slot = AZK_FPS_PHONE2;
        if (col_slot != NULL)
            col_slot[i] = (int8_t)slot;
        rc = azk_buf_put(&b->raw[slot], f->ptr, f->len);
        if (rc != AZK_OK)
            return rc;
    }
    for (size_t s = 0; s < AZK_FPS__COUNT; s++) {
        unsigned kind = azk_fp__slot_kind[s];
        h[s] = 0;
        if (b->raw[s].len == 0)
            continue;
        if (!azk_fp__normalize(&b->norm, kind, (const char *)b->raw[s].data, b->raw[s].len))
            continue;
        h[s] = azk_fp__hasher_hash(hs, kind, b->norm.data, b->norm.len);
    }
    return AZK_OK;
}

void azk_vault__fp_row_dispose(struct azk_vault_fprow *b)
{
    for (size_t s = 0; s < AZK_FPS__COUNT; s++)
        azk_buf_dispose_secret(&b->raw[s]);
    azk_buf_dispose_secret(&b->norm);
}

void azk_vault__schema_dispose(struct azk_vault_schema *s)
{
    for (size_t i = 0; i < s->ncols; i++)
        azk_free(s->headers[i]);
    azk_free(s->headers);
    azk_free(s->kinds);
    memset(s, 0, sizeof(*s));
}

static azk_column_kind kind_by_name(const char *n)
{
    for (int k = 0; k < AZK_COL__COUNT; k++) {
        const char *kn = azk_column_kind_name((azk_column_kind)k);
        if (kn != NULL && strcmp(kn, n) == 0)
            return (azk_column_kind)k;
    }
    return AZK_COL_OTHER;
}

azk_status azk_vault__schema_parse(struct azk_vault_schema *s, const char *json,
                                   const char *dataset)
{
    json_error_t jerr;
    json_t *arr = json_loads(json, 0, &jerr);
    azk_status rc = AZK_OK;
    size_t n;
    memset(s, 0, sizeof(*s));
    if (arr == NULL) {
        /* jansson reports an allocation failure as a syntax error: probe */
        void *probe = azk_malloc(256);
        azk_free(probe);
        if (probe == NULL || json_error_code(&jerr) == json_error_out_of_memory) {
            rc = azk_error_nomem();
            goto done;
        }
    }
    if (arr == NULL || !json_is_array(arr) || json_array_size(arr) == 0 ||
        json_array_size(arr) > AZK_VAULT_SCHEMA_MAX_COLS) {
        rc = azk_error_set(AZK_ERR_FORMAT, "dataset %s has no readable schema", dataset);
        goto done;
    }
    n = json_array_size(arr);
    s->kinds = azk_calloc(n, 1);
    s->headers = azk_calloc(n, sizeof(*s->headers));
    if (s->kinds == NULL || s->headers == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    s->ncols = n;
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(arr, i);
        const char *kind = json_string_value(json_object_get(o, "kind"));
        const char *hdr = json_string_value(json_object_get(o, "header"));
        json_int_t col = json_integer_value(json_object_get(o, "col"));
        if (kind == NULL || hdr == NULL || col < 0 || (size_t)col != i) {
            rc = azk_error_set(AZK_ERR_FORMAT, "dataset %s: schema column %zu malformed", dataset,
                               i + 1);
            goto done;
        }
        s->kinds[i] = (uint8_t)kind_by_name(kind);
        s->headers[i] = azk_strdup(hdr);
        if (s->headers[i] == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
    }
done:
    json_decref(arr);
    if (rc != AZK_OK)
        azk_vault__schema_dispose(s);
    return rc;
}
