/* SPDX-License-Identifier: Apache-2.0 */
/*
 * supervision/report_keep.c -- the monthly reports a contractor keeps:
 * generate one (azk_monthly_report, unchanged) and keep the signed
 * document whole in the catalog, list them, read one back. azukari serve
 * lists and shows reports from here; it never recomputes one for a page.
 */
#include "supervision/sup_int.h"
#include "store/sup_reports.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

/* "YYYY-MM" with a month 01..12 */
static bool month_ok(const char *m)
{
    return m != NULL && strlen(m) == 7 && m[4] == '-' && m[0] >= '0' && m[0] <= '9' &&
           m[1] >= '0' && m[1] <= '9' && m[2] >= '0' && m[2] <= '9' && m[3] >= '0' && m[3] <= '9' &&
           ((m[5] == '0' && m[6] >= '1' && m[6] <= '9') ||
            (m[5] == '1' && m[6] >= '0' && m[6] <= '2'));
}

azk_status azk_monthly_report_keep(azk_home *h, const azk_monthly_report_options *o, char **out)
{
    char *doc = NULL, now[32], hex[2 * crypto_hash_sha256_BYTES + 1];
    uint8_t md[crypto_hash_sha256_BYTES];
    struct azk_store_kept_report r;
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && o != NULL);
    if (out != NULL)
        *out = NULL;
    rc = azk_monthly_report(h, o, &doc);
    if (rc != AZK_OK)
        return rc;
    crypto_hash_sha256(md, (const uint8_t *)doc, strlen(doc));
    sodium_bin2hex(hex, sizeof(hex), md, sizeof(md));
    azk_store__now(now);
    r.client = o->client;
    r.month = o->month;
    r.sha256 = hex;
    r.generated_at = now;
    r.generated_by = azk_store__actor(h);
    rc = azk_store__kept_report_add(h, &r, doc);
    if (rc != AZK_OK) {
        azk_supervision_free(doc);
        return rc;
    }
    if (out != NULL)
        *out = doc;
    else
        azk_supervision_free(doc);
    return AZK_OK;
}

struct kept_x {
    azk_monthly_report_cb cb;
    void *payload;
};

static azk_status kept_row(const struct azk_store_kept_report *r, void *p)
{
    struct kept_x *x = p;
    azk_monthly_report_info i = {r->client, r->month, r->sha256, r->generated_at, r->generated_by};
    return x->cb(&i, x->payload);
}

azk_status azk_monthly_report_kept(azk_home *h, const char *client, const char *month,
                                   azk_monthly_report_cb cb, void *payload)
{
    struct kept_x x = {cb, payload};
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    if (month != NULL && !month_ok(month))
        return azk_error_set(AZK_ERR_ARG, "month must be YYYY-MM");
    if (client != NULL && !azk_store__valid_id(client))
        return azk_error_set(AZK_ERR_ARG, "bad client id");
    return azk_store__kept_reports(h, client, month, kept_row, &x);
}

azk_status azk_monthly_report_kept_get(azk_home *h, const char *client, const char *month,
                                       char **out)
{
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && out != NULL);
    *out = NULL;
    if (!month_ok(month))
        return azk_error_set(AZK_ERR_ARG, "month must be YYYY-MM");
    if (client == NULL || !azk_store__valid_id(client))
        return azk_error_set(AZK_ERR_ARG, "bad client id");
    rc = azk_store__kept_report_get(h, client, month, out);
    if (rc == AZK_OK && *out == NULL)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no monthly report kept for %s %s", client, month);
    return rc;
}
