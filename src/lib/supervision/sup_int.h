/* SPDX-License-Identifier: Apache-2.0 */
/*
 * supervision/sup_int.h -- what the files of the supervision module share
 * (internal to src/lib/supervision/): month arithmetic, the report's fixed
 * texts and the JSON helpers of the report (report.c), its rendering
 * (report_html.c) and its import (import.c).
 */
#ifndef AZK_SUP_INT_H
#define AZK_SUP_INT_H

#include "store/store.h"
#include "azukari/supervision.h"

#include <jansson.h>

#define REPORT_TYPE   "azukari monthly report"
#define REPORT_BODY   "report"
#define REPORT_MAX    (64u * 1024u * 1024u)
#define NOT_AVAILABLE "not available"

/* "YYYY-MM" -> Unix seconds of its first instant and of the next month's. */
AZK_NODISCARD azk_status azk_sup__month(const char *month, int64_t *start, int64_t *end);
/* "YYYY-MM" of Unix seconds. */
void azk_sup__month_of(int64_t t, char out[8]);
/* The month before "YYYY-MM". */
void azk_sup__prev_month(const char *month, char out[8]);

/* Append `v` (reference taken, even on failure) to an array or set it on an object. */
AZK_NODISCARD azk_status azk_sup__push(json_t *arr, json_t *v);
AZK_NODISCARD azk_status azk_sup__set(json_t *obj, const char *k, json_t *v);
const char *azk_sup__str(json_t *o, const char *k);

/* Whether report body new_r supersedes old_r of the same month (supersede.c): AZK_OK, or
 * AZK_ERR_INTEGRITY with the reason in why. */
AZK_NODISCARD azk_status azk_sup__supersedes(json_t *old_r, json_t *new_r, char *why, size_t cap);

#endif
