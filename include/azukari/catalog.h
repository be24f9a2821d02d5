/* SPDX-License-Identifier: Apache-2.0 */
/*
 * azukari/catalog.h -- entrusted datasets in the catalog of a home: what was
 * received, from whom, for which purpose, until when, by whom and when.
 * Thread-safety: as the azk_home handle.
 */
#ifndef AZUKARI_CATALOG_H
#define AZUKARI_CATALOG_H

#include "azukari/home.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A dataset row of the catalog. Strings are borrowed for the callback. */
typedef struct {
    const char *id;     /**< dataset id, unique in the home */
    const char *client; /**< client id */
    const char *uuid;   /**< vault file <home>/vault/<uuid>.azv */
    const char *purpose;
    const char *retain_until; /**< YYYY-MM-DD */
    const char *schema_json;  /**< [{"col":0,"header":"氏名","kind":"name"},...] */
    const char *source_name;  /**< base name of the file as received */
    const char *format;       /**< "csv", "tsv", "xlsx" */
    const char *encoding;     /**< "utf-8", "cp932", ... */
    uint64_t records;         /**< data rows */
    uint64_t bytes;           /**< plaintext bytes */
    const char *created_at;   /**< ISO 8601 UTC */
    const char *created_by;
    const char *state; /**< "active" (later: "shredded") */
} azk_dataset_info;

typedef azk_status (*azk_dataset_cb)(const azk_dataset_info *d, void *payload);

/** List datasets (of one client, or all when client is NULL), by client then id. */
AZK_EXTERN AZK_NODISCARD azk_status azk_dataset_list(azk_home *h, const char *client,
                                                     azk_dataset_cb cb, void *payload);

/** One dataset; AZK_ERR_NOTFOUND when absent. */
AZK_EXTERN AZK_NODISCARD azk_status azk_dataset_get(azk_home *h, const char *id, azk_dataset_cb cb,
                                                    void *payload);

#ifdef __cplusplus
}
#endif

#endif
