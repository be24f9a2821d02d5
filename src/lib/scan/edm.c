/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan/edm.c -- glue between the scan pipeline and entrusted-record
 * matching (match/match.h over a loaded azukari/fingerprint.h index).
 *
 * The matching context holds the state of one object at a time. Objects
 * nest (a zip and its members) but only leaves carry records, so the
 * context is reset when an object begins and again after its results are
 * taken at its end: a container never inherits its members' hits.
 */
#include "scan/edm.h"
#include "match/match.h"

#include <string.h>

struct edm_entry {
    char *client, *dataset;
    uint64_t *rows;
    size_t row_count;
};

struct azk_scan_edm_obj {
    struct edm_entry *e;
    size_t count, cap;
};

azk_status azk_scan__edm_index_load(struct azk_scan_edm_index **out, const char *path,
                                    const char *keypath)
{
    azk_fp_index *idx = NULL;
    azk_status rc = azk_fp_index_load(&idx, path, keypath);
    *out = (struct azk_scan_edm_index *)idx;
    return rc;
}

struct azk_scan_edm_index *azk_scan__edm_index_ref(struct azk_scan_edm_index *idx)
{
    return (struct azk_scan_edm_index *)azk_fp__index_ref((azk_fp_index *)idx);
}

void azk_scan__edm_index_free(struct azk_scan_edm_index *idx)
{
    azk_fp_index_free((azk_fp_index *)idx);
}

void azk_scan__edm_index_id(const struct azk_scan_edm_index *idx, uint8_t out[32])
{
    azk_fp_index_id((const azk_fp_index *)idx, out);
}

azk_status azk_scan__edm_ctx_new(struct azk_scan_edm_ctx **out,
                                 const struct azk_scan_edm_index *idx)
{
    struct azk_match_ctx *m = NULL;
    azk_status rc = azk_match__ctx_new(&m, (const azk_fp_index *)idx);
    /* analyse only lines where the detector saw a seed (name, phone, e-mail,
     * address, My Number): 1-2 us per line instead of 13-15 with 10M rows */
    if (rc == AZK_OK)
        azk_match__set_detector_seeds(m, true);
    *out = (struct azk_scan_edm_ctx *)m;
    return rc;
}

void azk_scan__edm_ctx_confirm(struct azk_scan_edm_ctx *ctx, const uint8_t key[32],
                               azk_scan_evidence_cb cb, void *payload)
{
    azk_match__set_confirm((struct azk_match_ctx *)ctx, key, cb, payload);
}

void azk_scan__edm_ctx_free(struct azk_scan_edm_ctx *ctx)
{
    azk_match__ctx_free((struct azk_match_ctx *)ctx);
}

void azk_scan__edm_object_begin(struct azk_scan_edm_ctx *ctx)
{
    azk_match__object_begin((struct azk_match_ctx *)ctx);
}

azk_status azk_scan__edm_record_begin(struct azk_scan_edm_ctx *ctx, const azk_record *rec)
{
    return azk_match__record_begin((struct azk_match_ctx *)ctx, rec);
}

azk_status azk_scan__edm_finding(struct azk_scan_edm_ctx *ctx, const azk_finding *f)
{
    return azk_match__finding((struct azk_match_ctx *)ctx, f);
}

azk_status azk_scan__edm_record_end(struct azk_scan_edm_ctx *ctx, struct azk_scan_edm_obj *obj)
{
    (void)obj; /* hits accumulate in the context until the object ends */
    return azk_match__record_end((struct azk_match_ctx *)ctx);
}

static azk_status take_result(const char *client, const char *dataset, const uint64_t *rows,
                              size_t row_count, void *payload)
{
    struct azk_scan_edm_obj *o = payload;
    struct edm_entry *e;
    size_t bytes;
    if (row_count == 0)
        return AZK_OK;
    if (azk_array_reserve(&o->e, &o->cap, o->count, sizeof(*o->e), 4) != AZK_OK)
        return AZK_ERR_NOMEM;
    e = &o->e[o->count];
    memset(e, 0, sizeof(*e));
    if (azk_mul_overflow(&bytes, row_count, sizeof(uint64_t)))
        return azk_error_nomem();
    e->client = azk_strdup(client);
    e->dataset = azk_strdup(dataset);
    e->rows = azk_malloc(bytes);
    if (e->client == NULL || e->dataset == NULL || e->rows == NULL) {
        azk_free(e->client);
        azk_free(e->dataset);
        azk_free(e->rows);
        return azk_error_nomem();
    }
    memcpy(e->rows, rows, bytes);
    e->row_count = row_count;
    o->count++;
    return AZK_OK;
}

azk_status azk_scan__edm_object_end(struct azk_scan_edm_ctx *ctx, struct azk_scan_edm_obj *obj)
{
    struct azk_match_ctx *m = (struct azk_match_ctx *)ctx;
    azk_status rc;
    azk_match__object_end(m);
    rc = azk_match__results(m, take_result, obj);
    /* the enclosing container must not see this object's hits */
    azk_match__object_begin(m);
    return rc;
}

azk_status azk_scan__edm_obj_new(struct azk_scan_edm_obj **out)
{
    *out = azk_calloc(1, sizeof(**out));
    return *out != NULL ? AZK_OK : azk_error_nomem();
}

void azk_scan__edm_obj_free(struct azk_scan_edm_obj *obj)
{
    if (obj == NULL)
        return;
    for (size_t i = 0; i < obj->count; i++) {
        azk_free(obj->e[i].client);
        azk_free(obj->e[i].dataset);
        azk_free(obj->e[i].rows);
    }
    azk_free(obj->e);
    azk_free(obj);
}

azk_status azk_scan__edm_results(struct azk_scan_edm_obj *obj, azk_scan_edm **out, size_t *count)
{
    azk_scan_edm *r;
    *out = NULL;
    *count = 0;
    if (obj->count == 0)
        return AZK_OK;
    r = azk_calloc(obj->count, sizeof(*r));
    if (r == NULL)
        return azk_error_nomem();
    for (size_t i = 0; i < obj->count; i++) {
        r[i].client = obj->e[i].client;
        r[i].dataset = obj->e[i].dataset;
        r[i].rows = obj->e[i].rows;
        r[i].row_count = obj->e[i].row_count;
    }
    *out = r;
    *count = obj->count;
    return AZK_OK;
}

void azk_scan__edm_results_free(azk_scan_edm *res, size_t count)
{
    (void)count; /* the strings and rows belong to the object */
    azk_free(res);
}
