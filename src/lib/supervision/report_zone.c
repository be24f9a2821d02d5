/* SPDX-License-Identifier: Apache-2.0 */
/*
 * supervision/report_zone.c -- the monthly report's section "entrusted
 * records found outside the closed zone" (zone_findings), from what
 * general-zone agents reported (store/sup_zone.c): for the client and the
 * month, the objects found with the client's records, those records, the
 * cases opened, quarantined, destroyed and released in the month, and the
 * cases still unresolved at the month's end. Only counts and case ids: an
 * object's path (a file name, possibly a personal value) is never read.
 */
#include "supervision/report_int.h"
#include "retention/ret_int.h"
#include "store/supervision.h"

#include <string.h>

struct zone {
    const char *client;
    int64_t from, to;
    json_int_t objects, records, opened, quarantined, destroyed, released, open_end, quar_end;
    json_t *items;
};

/* The client's records in an object's edm JSON; 0 when none (or not JSON). */
static json_int_t client_records(const char *edm, const char *client)
{
    json_error_t jerr;
    json_t *a = json_loads(edm, 0, &jerr);
    json_int_t n = 0;
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *e = json_array_get(a, i);
        const char *c = azk_sup__str(e, "client");
        if (c != NULL && strcmp(c, client) == 0)
            n += json_integer_value(json_object_get(e, "records"));
    }
    json_decref(a);
    return n;
}

static azk_status zone_cb(const struct azk_store_sup_zone *z, void *p)
{
    struct zone *x = p;
    json_int_t recs = client_records(z->edm, x->client);
    bool in_month = z->received_at >= x->from, open_in = z->opened_at >= x->from;
    const char *st;
    char found[32];
    if (recs <= 0)
        return AZK_OK; /* another client's records */
    if (in_month) {
        x->objects++;
        x->records += recs;
    }
    if (z->case_id[0] == '\0')
        return AZK_OK; /* no case (found before cases existed) */
    x->opened += open_in;
    x->quarantined += z->quarantined;
    x->destroyed += z->destroyed;
    x->released += z->released;
    st = strcmp(z->state, "found") == 0 || z->state[0] == '\0' ? "open" : z->state;
    x->open_end += strcmp(st, "open") == 0;
    x->quar_end += strcmp(st, "quarantined") == 0;
    /* listed: the cases of the month, and earlier ones still unresolved at its end */
    if (!open_in && !z->quarantined && !z->destroyed && !z->released && strcmp(st, "open") != 0 &&
        strcmp(st, "quarantined") != 0)
        return AZK_OK;
    azk_ret__iso(z->opened_at, found);
    return azk_sup__push_capped(x->items,
                                json_pack("{s:s,s:I,s:s,s:s}", "case", z->case_id, "records", recs,
                                          "found_at", found, "state", st));
}

azk_status azk_sup__zone_section(azk_home *h, const char *client, int64_t from, int64_t to,
                                 json_t **out)
{
    struct zone x;
    azk_status rc;
    memset(&x, 0, sizeof(x));
    x.client = client;
    x.from = from;
    x.to = to;
    x.items = json_array();
    *out = NULL;
    if (x.items == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    rc = azk_store__sup_zone(h, from, to, zone_cb, &x);
    if (rc != AZK_OK) {
        json_decref(x.items);
        return rc;
    }
    *out = json_pack("{s:s,s:I,s:I,s:{s:I,s:I,s:I,s:I,s:I,s:I},s:o}", "source", "agents", "objects",
                     x.objects, "records", x.records, "cases", "opened", x.opened, "quarantined",
                     x.quarantined, "destroyed", x.destroyed, "released", x.released,
                     "open_at_month_end", x.open_end, "quarantined_at_month_end", x.quar_end,
                     "items", x.items);
    if (*out == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    return AZK_OK;
}
