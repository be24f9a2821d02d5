/* SPDX-License-Identifier: Apache-2.0 */
/*
 * supervision/supersede.c -- when a bank accepts a second monthly report of
 * a month it imported before (docs/supervision.md "Superseding reports").
 * A report made before a deletion of the month was certified lists that
 * deletion without a certificate id; made again after, it carries it. The
 * bank accepts the later one only when it supersedes: a higher revision
 * (the vendor's library counts its own reports of that month in its
 * ledger), and nothing but additions: the same ledger checkpoint and every
 * section equal, except the time it was made, its revision, certificate ids
 * that were missing and the certificates themselves (each one carried
 * before carried again, unchanged). Anything else is "different content".
 */
#include "supervision/sup_int.h"

#include <stdio.h>
#include <string.h>

static json_int_t revision(json_t *r)
{
    json_t *v = json_object_get(r, "revision");
    return json_is_integer(v) ? json_integer_value(v) : 1;
}

/* A copy of a report body without what a superseding revision may add or change. */
static json_t *core(json_t *r)
{
    json_t *c = json_deep_copy(r), *del;
    if (c == NULL)
        return NULL;
    (void)json_object_del(c, "generated_at");
    (void)json_object_del(c, "revision");
    (void)json_object_del(c, "certificates");
    del = json_object_get(c, "deleted");
    for (size_t i = 0; i < json_array_size(del); i++)
        (void)json_object_del(json_array_get(del, i), "certificate_id");
    return c;
}

static json_t *cert_by_id(json_t *certs, const char *id)
{
    for (size_t i = 0; i < json_array_size(certs); i++) {
        json_t *c = json_array_get(certs, i);
        const char *x = azk_sup__str(json_object_get(c, "certificate"), "certificate_id");
        if (x != NULL && strcmp(x, id) == 0)
            return c;
    }
    return NULL;
}

azk_status azk_sup__supersedes(json_t *old_r, json_t *new_r, char *why, size_t cap)
{
    json_t *a, *b, *od = json_object_get(old_r, "deleted"), *nd = json_object_get(new_r, "deleted");
    const char *k, *m = azk_sup__str(new_r, "month");
    json_t *v;
    bool same;
    if (revision(new_r) <= revision(old_r)) {
        (void)snprintf(why, cap,
                       "a different report for %s of client %s was imported before (revision "
                       "%lld; a superseding report needs a higher revision)",
                       m != NULL ? m : "?", azk_sup__str(new_r, "client"),
                       (long long)revision(old_r));
        return AZK_ERR_INTEGRITY;
    }
    a = core(old_r);
    b = core(new_r);
    if (a == NULL || b == NULL) {
        json_decref(a);
        json_decref(b);
        return azk_error_set(AZK_ERR_NOMEM, "out of memory");
    }
    same = json_equal(a, b) != 0;
    if (!same) {
        const char *first = "?";
        json_object_foreach(a, k, v)
        {
            if (!json_equal(v, json_object_get(b, k))) {
                first = k;
                break;
            }
        }
        if (strcmp(first, "?") == 0)
            json_object_foreach(b, k, v)
            {
                if (json_object_get(a, k) == NULL) {
                    first = k;
                    break;
                }
            }
        (void)snprintf(why, cap,
                       "a different report for %s of client %s was imported before: revision "
                       "%lld changes more than certificates (section %s)",
                       m != NULL ? m : "?", azk_sup__str(new_r, "client"),
                       (long long)revision(new_r), first);
    }
    json_decref(a);
    json_decref(b);
    if (!same)
        return AZK_ERR_INTEGRITY;
    /* same deletions in the same order (core equal): an id given before is kept */
    for (size_t i = 0; i < json_array_size(od); i++) {
        const char *oid = azk_sup__str(json_array_get(od, i), "certificate_id");
        const char *nid = azk_sup__str(json_array_get(nd, i), "certificate_id");
        json_t *oc;
        if (oid == NULL)
            continue;
        oc = cert_by_id(json_object_get(old_r, "certificates"), oid);
        if (nid == NULL || strcmp(oid, nid) != 0 ||
            (oc != NULL &&
             !json_equal(oc, cert_by_id(json_object_get(new_r, "certificates"), oid)))) {
            (void)snprintf(why, cap,
                           "a different report for %s was imported before: revision %lld "
                           "drops or changes certificate %s",
                           m != NULL ? m : "?", (long long)revision(new_r), oid);
            return AZK_ERR_INTEGRITY;
        }
    }
    return AZK_OK;
}
