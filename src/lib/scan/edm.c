/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan/edm.c -- TEMPORARY until the match module lands: loading
 * fingerprints reports "unsupported". Replaced by the real glue.
 */
#include "scan/edm.h"

azk_status azk_scan__edm_index_load(struct azk_scan_edm_index **out, const char *path,
                                    const char *keypath)
{
    (void)path;
    (void)keypath;
    *out = NULL;
    return azk_error_set(AZK_ERR_UNSUPPORTED, "fingerprint matching is not built in yet");
}
void azk_scan__edm_index_free(struct azk_scan_edm_index *idx)
{
    (void)idx;
}
void azk_scan__edm_index_id(const struct azk_scan_edm_index *idx, uint8_t out[32])
{
    (void)idx;
    (void)out;
}
azk_status azk_scan__edm_ctx_new(struct azk_scan_edm_ctx **out, const struct azk_scan_edm_index *idx)
{
    (void)idx;
    *out = NULL;
    return AZK_ERR_UNSUPPORTED;
}
void azk_scan__edm_ctx_free(struct azk_scan_edm_ctx *ctx)
{
    (void)ctx;
}
void azk_scan__edm_object_begin(struct azk_scan_edm_ctx *ctx)
{
    (void)ctx;
}
azk_status azk_scan__edm_record_begin(struct azk_scan_edm_ctx *ctx, const azk_record *rec)
{
    (void)ctx;
    (void)rec;
    return AZK_OK;
}
azk_status azk_scan__edm_finding(struct azk_scan_edm_ctx *ctx, const azk_finding *f)
{
    (void)ctx;
    (void)f;
    return AZK_OK;
}
azk_status azk_scan__edm_record_end(struct azk_scan_edm_ctx *ctx, struct azk_scan_edm_obj *obj)
{
    (void)ctx;
    (void)obj;
    return AZK_OK;
}
azk_status azk_scan__edm_object_end(struct azk_scan_edm_ctx *ctx, struct azk_scan_edm_obj *obj)
{
    (void)ctx;
    (void)obj;
    return AZK_OK;
}
azk_status azk_scan__edm_obj_new(struct azk_scan_edm_obj **out)
{
    *out = NULL;
    return AZK_OK;
}
void azk_scan__edm_obj_free(struct azk_scan_edm_obj *obj)
{
    (void)obj;
}
azk_status azk_scan__edm_results(struct azk_scan_edm_obj *obj, azk_scan_edm **out, size_t *count)
{
    (void)obj;
    *out = NULL;
    *count = 0;
    return AZK_OK;
}
void azk_scan__edm_results_free(azk_scan_edm *res, size_t count)
{
    (void)res;
    (void)count;
}
