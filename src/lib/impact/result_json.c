/* SPDX-License-Identifier: Apache-2.0 */
/*
 * impact/result_json.c -- an impact analysis result as one JSON document
 * (the `azukari impact --format json` output), built here so every front
 * end prints the same document and none needs a JSON library of its own.
 * Counts and names only: never a personal value.
 */
#include "util/util.h"
#include "azukari/impact.h"
#include "azukari/types.h"

#include <jansson.h>
#include <stdlib.h>

static json_t *items_json(uint32_t kinds)
{
    json_t *a = json_array();
    for (int k = AZK_COL_CUSTOMER_ID; k < AZK_COL__COUNT && a != NULL; k++)
        if (kinds & (1u << k))
            json_array_append_new(a, json_string(azk_column_kind_name((azk_column_kind)k)));
    return a;
}

/* What the confirmed records rest on (azukari/impact.h): the strict count and the two weaker
 * bases beside it, each with the expected number of its records about someone else. */
static void put_basis(json_t *o, uint64_t strict, uint64_t name_birth, uint64_t household,
                      double name_birth_other, double household_other)
{
    if (o == NULL)
        return;
    json_object_set_new(o, "strict", json_integer((json_int_t)strict));
    json_object_set_new(o, "name_birth", json_integer((json_int_t)name_birth));
    json_object_set_new(o, "household", json_integer((json_int_t)household));
    json_object_set_new(o, "name_birth_expected_false", json_real(name_birth_other));
    json_object_set_new(o, "household_expected_false", json_real(household_other));
}

azk_status azk_impact_result_json(const azk_impact_result *r, char **out)
{
    json_t *root, *dsa, *cla;
    char *s = NULL;
    AZK_ASSERT_ARG(r != NULL);
    AZK_ASSERT_ARG(out != NULL);
    *out = NULL;
    root = json_object();
    dsa = json_array();
    cla = json_array();
    if (root == NULL || dsa == NULL || cla == NULL) {
        json_decref(root);
        json_decref(dsa);
        json_decref(cla);
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < r->dataset_count; i++) {
        const azk_impact_dataset *d = &r->datasets[i];
        json_t *dj = json_pack(
            "{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:o, s:o, s:s, s:b, s:I}", "client",
            d->client, "dataset", d->dataset, "purpose", d->purpose, "total", (json_int_t)d->total,
            "records", (json_int_t)d->records, "candidates", (json_int_t)d->candidates, "probable",
            (json_int_t)d->probable, "persons", (json_int_t)d->persons, "objects",
            (json_int_t)d->objects, "items", items_json(d->kinds), "items_seen",
            items_json(d->kinds_seen), "retain_until", d->retain_until, "past_deadline",
            d->past_deadline, "days_overdue", (json_int_t)d->days_overdue);
        put_basis(dj, d->strict, d->name_birth, d->household, d->name_birth_other,
                  d->household_other);
        json_array_append_new(dsa, dj);
    }
    for (size_t i = 0; i < r->client_count; i++) {
        const azk_impact_client *c = &r->clients[i];
        json_t *cj =
            json_pack("{s:s, s:s, s:I, s:I, s:o, s:I, s:I, s:o, s:I}", "client", c->client, "name",
                      c->name, "records", (json_int_t)c->records, "persons", (json_int_t)c->persons,
                      "items", items_json(c->kinds), "datasets", (json_int_t)c->datasets,
                      "past_deadline", (json_int_t)c->past_deadline, "list",
                      c->list_path ? json_string(c->list_path) : json_null(), "list_rows",
                      (json_int_t)c->list_rows);
        if (cj != NULL) /* persons with a strictly confirmed record (azukari/impact.h) */
            json_object_set_new(cj, "persons_strict", json_integer((json_int_t)c->persons_strict));
        json_array_append_new(cla, cj);
    }
    json_object_set_new(root, "datasets", dsa);
    json_object_set_new(root, "clients", cla);
    json_object_set_new(root, "records", json_integer((json_int_t)r->records));
    json_object_set_new(root, "candidates", json_integer((json_int_t)r->candidates));
    json_object_set_new(root, "probable", json_integer((json_int_t)r->probable));
    put_basis(root, r->strict, r->name_birth, r->household, r->name_birth_other,
              r->household_other);
    json_object_set_new(root, "persons_by_client", json_integer((json_int_t)r->persons_by_client));
    json_object_set_new(root, "persons", json_integer((json_int_t)r->persons));
    json_object_set_new(root, "persons_strict_by_client",
                        json_integer((json_int_t)r->persons_strict_by_client));
    json_object_set_new(root, "unusable", json_integer((json_int_t)r->unusable));
    json_object_set_new(root, "items", items_json(r->kinds));
    json_object_set_new(root, "items_seen", items_json(r->kinds_seen));
    json_object_set_new(root, "objects", json_integer((json_int_t)r->objects));
    json_object_set_new(root, "objects_hit", json_integer((json_int_t)r->objects_hit));
    json_object_set_new(root, "errors", json_integer((json_int_t)r->errors));
    json_object_set_new(root, "files", json_integer((json_int_t)r->files));
    json_object_set_new(root, "datasets_searched", json_integer((json_int_t)r->datasets_all));
    json_object_set_new(root, "as_of", json_string(r->as_of));
    s = json_dumps(root, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_REAL_PRECISION(6));
    json_decref(root);
    if (s == NULL)
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    *out = s; /* azk_impact_free frees it: both are the C library's free */
    return AZK_OK;
}

void azk_impact_free(void *p)
{
    azk_free(p);
}
