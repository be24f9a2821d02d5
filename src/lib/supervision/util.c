/* SPDX-License-Identifier: Apache-2.0 */
/*
 * supervision/util.c -- month arithmetic and JSON helpers of the
 * supervision module (sup_int.h).
 */
#include "supervision/sup_int.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

azk_status azk_sup__month(const char *month, int64_t *start, int64_t *end)
{
    struct tm tm;
    int y = 0, m = 0;
    char tail = 0;
    if (month == NULL || strlen(month) != 7 || month[4] != '-' ||
        strspn(month, "0123456789") != 4 || strspn(month + 5, "0123456789") != 2 ||
        sscanf(month, "%4d-%2d%c", &y, &m, &tail) != 2 || y < 1970 || y > 9998 || m < 1 || m > 12)
        return azk_error_set(AZK_ERR_ARG, "month must be YYYY-MM");
    memset(&tm, 0, sizeof(tm));
    tm.tm_year = y - 1900;
    tm.tm_mon = m - 1;
    tm.tm_mday = 1;
    *start = (int64_t)timegm(&tm);
    tm.tm_mon = m; /* timegm normalises December + 1 */
    *end = (int64_t)timegm(&tm);
    return AZK_OK;
}

void azk_sup__month_of(int64_t t, char out[8])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    unsigned y = (unsigned)(tm.tm_year + 1900) % 10000u, m = (unsigned)(tm.tm_mon + 1) % 100u;
    (void)snprintf(out, 8, "%04u-%02u", y, m);
}

void azk_sup__prev_month(const char *month, char out[8])
{
    int64_t s = 0, e = 0;
    out[0] = '\0';
    if (azk_sup__month(month, &s, &e) == AZK_OK)
        azk_sup__month_of(s - 1, out);
    else
        azk_error_clear();
}

azk_status azk_sup__push(json_t *arr, json_t *v)
{
    if (v == NULL || json_array_append_new(arr, v) != 0)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory building the report");
    return AZK_OK;
}

azk_status azk_sup__set(json_t *obj, const char *k, json_t *v)
{
    if (v == NULL || json_object_set_new(obj, k, v) != 0)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory building the report");
    return AZK_OK;
}

const char *azk_sup__str(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

void azk_supervision_free(void *p)
{
    azk_free(p);
}
