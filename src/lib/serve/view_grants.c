/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/view_grants.c -- the clients granted to a user, one page at a time
 * (GET /admin/user/grants?name= and its twin /api/v1/user/grants, staff
 * roles; ?limit= and ?after= as every list), and the first few of them
 * that the user list shows beside each user (with the cursor of the rest),
 * so that neither page grows with the number of grants.
 */
#include "serve/serve_int.h"
#include "store/serve_lists.h"

#include <stdio.h>
#include <string.h>

static const char *const grant_keys[] = {"client"};
static const struct azk_serve_col grant_cols[] = {
    {"client", N_("Client"), 0},
};

/* One page of ?name='s grants: {"user", "items": [{"client"}], "next"}. */
static azk_status view_grants(struct azk_server *srv, struct azk_serve_req *rq, json_t **out)
{
    const char *name = azk_serve__query(rq, "name");
    const char *after = NULL;
    size_t limit = 0;
    struct azk_serve_list l;
    azk_status rc;
    *out = NULL;
    if (name == NULL || name[0] == '\0' || strlen(name) > 64)
        return azk_error_set(AZK_ERR_ARG, "name: the user whose grants to list");
    rc = azk_serve__page_args(rq, &limit, &after);
    if (rc == AZK_OK)
        rc = azk_serve__list_init(&l, grant_keys, 1, 0, limit);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__grants_page(srv->h, name, after, limit, azk_serve__list_row, &l);
    if (rc == AZK_OK) {
        *out = azk_serve__list_doc(&l);
        if (*out == NULL || json_object_set_new(*out, "user", json_string(name)) != 0)
            rc = azk_error_nomem();
    }
    json_decref(l.items);
    return rc;
}

azk_status azk_serve__h_api_user_grants(struct azk_server *srv, struct azk_serve_req *rq,
                                        struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_status rc = view_grants(srv, rq, &doc);
    return azk_serve__api_answer(rq, rs, rc, doc);
}

azk_status azk_serve__h_user_grants(struct azk_server *srv, struct azk_serve_req *rq,
                                    struct azk_serve_resp *rs)
{
    json_t *doc = NULL;
    azk_buf b = AZK_BUF_INIT, path = AZK_BUF_INIT;
    azk_status rc = view_grants(srv, rq, &doc);
    if (rc == AZK_ERR_ARG)
        return azk_serve__bad_arg(rq, rs, false);
    if (rc == AZK_OK) {
        rc = azk_buf_printf(&b, "<p id=\"grants-user\">%s: ", T_("User"));
        if (rc == AZK_OK)
            rc = azk_serve__html(&b, json_string_value(json_object_get(doc, "user")));
        if (rc == AZK_OK)
            rc = azk_buf_printf(&b, "</p><p><a href=\"/admin/users\">%s</a></p>", T_("Users"));
    }
    if (rc == AZK_OK)
        rc = azk_serve__html_table(&b, "grants", grant_cols,
                                   sizeof(grant_cols) / sizeof(grant_cols[0]),
                                   json_object_get(doc, "items"));
    /* the next page: the user's name URL-encoded, the limit asked (digits: page_args) */
    if (rc == AZK_OK)
        rc = azk_buf_puts(&path, "/admin/user/grants?name=");
    if (rc == AZK_OK)
        rc = azk_serve__url(&path, json_string_value(json_object_get(doc, "user")));
    if (rc == AZK_OK && azk_serve__query(rq, "limit") != NULL) {
        rc = azk_buf_puts(&path, "&amp;limit=");
        if (rc == AZK_OK)
            rc = azk_serve__url(&path, azk_serve__query(rq, "limit"));
    }
    if (rc == AZK_OK)
        rc = azk_buf_put(&path, "", 1);
    if (rc == AZK_OK)
        rc = azk_serve__html_next(&b, (const char *)path.data, doc);
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Clients granted to a user"), (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&b);
    azk_buf_dispose(&path);
    return rc;
}

azk_status azk_serve__user_grants_head(struct azk_server *srv, json_t *user)
{
    const char *name = json_string_value(json_object_get(user, "name"));
    struct azk_serve_list l;
    json_t *g;
    size_t i;
    azk_status rc;
    if (name == NULL)
        return AZK_OK;
    rc = azk_serve__list_init(&l, grant_keys, 1, 0, AZK_SERVE_USER_GRANTS);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__grants_page(srv->h, name, NULL, AZK_SERVE_USER_GRANTS, azk_serve__list_row, &l);
    g = rc == AZK_OK ? json_array() : NULL;
    if (rc == AZK_OK && g == NULL)
        rc = azk_error_nomem();
    for (i = 0; rc == AZK_OK && i < json_array_size(l.items); i++)
        if (json_array_append(g, json_object_get(json_array_get(l.items, i), "client")) != 0)
            rc = azk_error_nomem();
    if (rc == AZK_OK &&
        (json_object_set_new(user, "grants", g) != 0 ||
         json_object_set_new(user, "grants_next", l.more ? json_string(l.next) : json_null()) != 0))
        rc = azk_error_nomem();
    else if (rc != AZK_OK)
        json_decref(g);
    json_decref(l.items);
    return rc;
}
