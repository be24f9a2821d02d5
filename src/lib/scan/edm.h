/* SPDX-License-Identifier: Apache-2.0 */
/*
 * scan/edm.h -- glue between the scan pipeline and entrusted-record
 * matching (exact data matching against loaded fingerprints). The pipeline
 * calls these per record; hits are aggregated per object as
 * (client, dataset, rows) for the "edm" field of the result.
 */
#ifndef AZK_SCAN_EDM_H
#define AZK_SCAN_EDM_H

#include "azukari/scan.h"
#include "decode/decode.h"
#include "detect/detect.h"
#include "scan/scan_int.h"

struct azk_scan_edm_index; /* loaded fingerprints, shared read-only */
struct azk_scan_edm_ctx;   /* per worker thread */
struct azk_scan_edm_obj;   /* hits of one object */

AZK_NODISCARD azk_status azk_scan__edm_index_load(struct azk_scan_edm_index **out, const char *path,
                                                  const char *keypath);
void azk_scan__edm_index_free(struct azk_scan_edm_index *idx);
/* One more holder of a loaded index (shared read-only between scanners). */
struct azk_scan_edm_index *azk_scan__edm_index_ref(struct azk_scan_edm_index *idx);
/* A stable id of the loaded fingerprints (for the cache key). */
void azk_scan__edm_index_id(const struct azk_scan_edm_index *idx, uint8_t out[32]);

AZK_NODISCARD azk_status azk_scan__edm_ctx_new(struct azk_scan_edm_ctx **out,
                                               const struct azk_scan_edm_index *idx);
void azk_scan__edm_ctx_free(struct azk_scan_edm_ctx *ctx);
/* Confirmation mode (scan_int.h azk_scan__scanner_set_confirm). */
void azk_scan__edm_ctx_confirm(struct azk_scan_edm_ctx *ctx, const uint8_t key[32],
                               azk_scan_evidence_cb cb, void *payload);

void azk_scan__edm_object_begin(struct azk_scan_edm_ctx *ctx);
/* rec stays valid until record_end; findings of the record arrive in between */
AZK_NODISCARD azk_status azk_scan__edm_record_begin(struct azk_scan_edm_ctx *ctx,
                                                    const azk_record *rec);
AZK_NODISCARD azk_status azk_scan__edm_finding(struct azk_scan_edm_ctx *ctx, const azk_finding *f);
AZK_NODISCARD azk_status azk_scan__edm_record_end(struct azk_scan_edm_ctx *ctx,
                                                  struct azk_scan_edm_obj *obj);
AZK_NODISCARD azk_status azk_scan__edm_object_end(struct azk_scan_edm_ctx *ctx,
                                                  struct azk_scan_edm_obj *obj);

AZK_NODISCARD azk_status azk_scan__edm_obj_new(struct azk_scan_edm_obj **out);
void azk_scan__edm_obj_free(struct azk_scan_edm_obj *obj);
/* Results sorted by client, dataset; rows ascending. Free with results_free. */
AZK_NODISCARD azk_status azk_scan__edm_results(struct azk_scan_edm_obj *obj, azk_scan_edm **out,
                                               size_t *count);
void azk_scan__edm_results_free(azk_scan_edm *res, size_t count);

#endif
