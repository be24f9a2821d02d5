/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/view_incident_bases.c -- what an incident's confirmed records rest on
 * (issue 18, schema 8), in serve's incident list and incident page and their
 * /api/v1 twins: the strict count first (the headline a regulator receives,
 * <= 1e-6 per record), then the records confirmed by name and birth date only
 * and by a household's values only, each with its expected number of records
 * of another person, then the total. Incidents recorded before schema 8 have
 * no split: null in the API, "not recorded" on the pages. The counts and
 * their rule are the library's (impact.h, docs/impact.md); this only shows
 * them.
 */
#include "serve/serve_int.h"
#include "store/incidents.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The list's columns (store: azk_store__incidents_page), the bases last. */
const char *const azk_serve__incident_list_keys[AZK_STORE_INCIDENT_LIST_COLS] = {
    "id",
    "created_at",
    "created_by",
    "state",
    "state_by",
    "state_at",
    "records",
    "persons",
    "probable",
    "strict",
    "name_birth",
    "household",
    "name_birth_expected_false",
    "household_expected_false"};

static const char *const count_keys[] = {"strict", "name_birth", "household"};
static const char *const false_keys[] = {"name_birth_expected_false", "household_expected_false"};

azk_status azk_serve__incident_bases_list(json_t *item)
{
    for (size_t i = 0; i < 3; i++) {
        const char *s = json_string_value(json_object_get(item, count_keys[i]));
        if (s != NULL && json_object_set_new(item, count_keys[i],
                                             json_integer((json_int_t)strtoll(s, NULL, 10))) != 0)
            return azk_error_nomem();
    }
    for (size_t i = 0; i < 2; i++) {
        const char *s = json_string_value(json_object_get(item, false_keys[i]));
        /* kept in 1e-9 records */
        if (s != NULL && json_object_set_new(item, false_keys[i],
                                             json_real((double)strtoll(s, NULL, 10) / 1e9)) != 0)
            return azk_error_nomem();
    }
    return AZK_OK;
}

azk_status azk_serve__incident_bases_sum(json_t *doc)
{
    const json_t *ds = json_object_get(doc, "datasets");
    long long n[3] = {0, 0, 0};
    double f[2] = {0, 0};
    bool known = true;
    for (size_t i = 0; known && i < json_array_size(ds); i++) {
        const json_t *d = json_array_get(ds, i);
        for (size_t k = 0; k < 3; k++) {
            known = known && json_is_integer(json_object_get(d, count_keys[k]));
            n[k] += (long long)json_integer_value(json_object_get(d, count_keys[k]));
        }
        for (size_t k = 0; k < 2; k++) {
            known = known && json_is_number(json_object_get(d, false_keys[k]));
            f[k] += json_number_value(json_object_get(d, false_keys[k]));
        }
    }
    for (size_t k = 0; k < 3; k++)
        if (json_object_set_new(doc, count_keys[k], known ? json_integer(n[k]) : json_null()) != 0)
            return azk_error_nomem();
    for (size_t k = 0; k < 2; k++)
        if (json_object_set_new(doc, false_keys[k], known ? json_real(f[k]) : json_null()) != 0)
            return azk_error_nomem();
    return AZK_OK;
}

static long long num(const json_t *o, const char *k)
{
    return (long long)json_integer_value(json_object_get(o, k));
}

static double expected(const json_t *o, const char *k)
{
    return json_number_value(json_object_get(o, k));
}

bool azk_serve__incident_bases_known(const json_t *o)
{
    return json_is_integer(json_object_get(o, "strict"));
}

azk_status azk_serve__incident_bases_cells(azk_buf *b, const json_t *o)
{
    if (!azk_serve__incident_bases_known(o))
        return azk_buf_printf(b,
                              "<td class=\"strict\">-</td><td class=\"name-birth\">-</td>"
                              "<td class=\"household\">-</td><td class=\"total\">%lld (%s)</td>",
                              num(o, "records"), T_("split not recorded"));
    return azk_buf_printf(b,
                          "<td class=\"strict\"><strong>%lld</strong></td>"
                          "<td class=\"name-birth\">%lld (%s %.3g)</td>"
                          "<td class=\"household\">%lld (%s %.3g)</td>"
                          "<td class=\"total\">%lld</td>",
                          num(o, "strict"), num(o, "name_birth"), T_("expected false"),
                          expected(o, "name_birth_expected_false"), num(o, "household"),
                          T_("expected false"), expected(o, "household_expected_false"),
                          num(o, "records"));
}

azk_status azk_serve__incident_bases_heads(azk_buf *b)
{
    return azk_buf_printf(b, "<th>%s</th><th>%s</th><th>%s</th><th>%s</th>",
                          T_("Records, strict (the headline)"), T_("Name and birth date only"),
                          T_("Household only"), T_("Records (confirmed, total)"));
}

azk_status azk_serve__incident_bases_dl(azk_buf *b, const json_t *doc)
{
    azk_status rc;
    if (!azk_serve__incident_bases_known(doc))
        return azk_buf_printf(b,
                              "<dt>%s</dt><dd id=\"inc-records\">%lld</dd>"
                              "<dt>%s</dt><dd id=\"inc-strict\">%s</dd>",
                              T_("Records (confirmed, total)"), num(doc, "records"),
                              T_("Records, strict (the headline)"),
                              T_("split not recorded (incident recorded before schema 8)"));
    rc = azk_buf_printf(
        b,
        "<dt>%s</dt><dd id=\"inc-strict\"><strong>%lld</strong></dd>"
        "<dt>%s</dt><dd id=\"inc-name-birth\">%lld (%s: %.3g)</dd>"
        "<dt>%s</dt><dd id=\"inc-household\">%lld (%s: %.3g)</dd>"
        "<dt>%s</dt><dd id=\"inc-records\">%lld</dd>",
        T_("Records, strict (the headline)"), num(doc, "strict"),
        T_("Confirmed by name and birth date only"), num(doc, "name_birth"),
        T_("expected records of another person"), expected(doc, "name_birth_expected_false"),
        T_("Confirmed by a household's address or fixed line only"), num(doc, "household"),
        T_("expected records of a co-resident"), expected(doc, "household_expected_false"),
        T_("Records (confirmed, total)"), num(doc, "records"));
    return rc;
}
