/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/view.c -- what the pages of azukari serve's UI share: a list view
 * read one page at a time from the store ({"items": [...], "next":
 * cursor}), the HTML table rendered from a view (every value escaped),
 * state words in the page's language, the head of a form (CSRF token,
 * step-up code), refusals with their ledger entry, result pages.
 */
#include "serve/serve_int.h"
#include "store/store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

const char *azk_serve__state_label(const char *s)
{
    static const struct {
        const char *word, *label;
    } words[] = {
        /* datasets, retention */
        {"active", N_("active")},
        {"shredded", N_("shredded")},
        {"shredding", N_("shredding")},
        {"key_destroyed", N_("key destroyed")},
        {"vault_removed", N_("vault removed")},
        {"clean", N_("deleted, no residue")},
        {"certified", N_("certified")},
        {"due", N_("due")},
        {"overdue", N_("overdue")},
        {"hold", N_("on hold")},
        {"incomplete", N_("deletion incomplete")},
        /* requests */
        {"pending", N_("pending")},
        {"approved", N_("approved")},
        {"refused", N_("refused")},
        {"delete", N_("early deletion")},
        {"extend", N_("extension")},
        /* guard journal */
        {"claimed", N_("being checked")},
        {"releasing", N_("releasing")},
        {"released", N_("released")},
        {"quarantined", N_("quarantined")},
        {"requested", N_("release requested")},
        {"approving", N_("release approved")},
    };
    if (s == NULL || s[0] == '\0')
        return "-";
    for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strcmp(words[i].word, s) == 0)
            return T_(words[i].label);
    return s; /* an unknown word: shown as it is (escaped by the caller) */
}

azk_status azk_serve__list_init(struct azk_serve_list *l, const char *const *keys, size_t nkeys,
                                size_t key_col, size_t limit)
{
    memset(l, 0, sizeof(*l));
    l->items = json_array();
    if (l->items == NULL)
        return azk_error_nomem();
    l->keys = keys;
    l->nkeys = nkeys;
    l->key_col = key_col;
    l->limit = limit;
    return AZK_OK;
}

azk_status azk_serve__list_row(const char *const *cols, size_t n, void *payload)
{
    struct azk_serve_list *l = payload;
    json_t *o;
    if (l->keep != NULL && !l->keep(cols, l->ctx))
        return AZK_OK;
    if (json_array_size(l->items) >= l->limit) {
        l->more = true; /* the extra row: there is a next page, after l->next */
        return AZK_OK;
    }
    o = json_object();
    if (o == NULL)
        return azk_error_nomem();
    for (size_t i = 0; i < n && i < l->nkeys; i++)
        if (json_object_set_new(o, l->keys[i],
                                cols[i] != NULL ? json_string(cols[i]) : json_null()) != 0) {
            json_decref(o);
            return azk_error_nomem();
        }
    if (json_array_append_new(l->items, o) != 0)
        return azk_error_nomem();
    if (json_array_size(l->items) == l->limit)
        (void)snprintf(l->next, sizeof(l->next), "%s",
                       cols[l->key_col] != NULL ? cols[l->key_col] : "");
    return AZK_OK;
}

json_t *azk_serve__list_doc(struct azk_serve_list *l)
{
    json_t *doc = json_pack("{s:o, s:o}", "items", l->items, "next",
                            l->more && l->next[0] != '\0' ? json_string(l->next) : json_null());
    l->items = NULL;
    return doc;
}

azk_status azk_serve__list_finish(struct azk_serve_list *l, azk_status rc, json_t **out)
{
    if (rc == AZK_OK) {
        *out = azk_serve__list_doc(l);
        if (*out == NULL)
            rc = azk_error_nomem();
    }
    json_decref(l->items);
    l->items = NULL;
    return rc;
}

static azk_status put_cell(azk_buf *b, const struct azk_serve_col *c, const json_t *v)
{
    const char *s = json_is_string(v) ? json_string_value(v) : NULL;
    azk_status rc = AZK_OK;
    if (json_is_integer(v))
        return azk_buf_printf(b, "%lld", (long long)json_integer_value(v));
    if (s == NULL)
        return azk_buf_puts(b, "-");
    if ((c->flags & AZK_COL_STATE) != 0)
        return azk_serve__html(b, azk_serve__state_label(s));
    if ((c->flags & AZK_COL_TIME) != 0) {
        char t[32];
        time_t secs = (time_t)strtoll(s, NULL, 10);
        struct tm tm;
        if (gmtime_r(&secs, &tm) != NULL && strftime(t, sizeof(t), "%Y-%m-%d %H:%M UTC", &tm) > 0)
            return azk_buf_puts(b, t);
        return azk_serve__html(b, s);
    }
    if ((c->flags & AZK_COL_DATASET) != 0) {
        rc = azk_buf_puts(b, "<a href=\"/dataset?id=");
        if (rc == AZK_OK)
            rc = azk_serve__url(b, s);
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "\">");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, s);
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</a>");
        return rc;
    }
    return azk_serve__html(b, s);
}

azk_status azk_serve__html_table(azk_buf *b, const char *id, const struct azk_serve_col *cols,
                                 size_t ncols, const json_t *items)
{
    size_t i;
    const json_t *row;
    azk_status rc = azk_buf_printf(b, "<table id=\"%s\"><thead><tr>", id);
    for (size_t c = 0; rc == AZK_OK && c < ncols; c++)
        rc = azk_buf_printf(b, "<th>%s</th>", T_(cols[c].label));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tr></thead><tbody>");
    json_array_foreach(items, i, row)
    {
        if (rc != AZK_OK)
            break;
        rc = azk_buf_puts(b, "<tr>");
        for (size_t c = 0; rc == AZK_OK && c < ncols; c++) {
            rc = azk_buf_puts(b, "<td>");
            if (rc == AZK_OK)
                rc = put_cell(b, &cols[c], json_object_get(row, cols[c].key));
            if (rc == AZK_OK)
                rc = azk_buf_puts(b, "</td>");
        }
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</tr>");
    }
    if (rc == AZK_OK && json_array_size(items) == 0)
        rc = azk_buf_printf(b, "<tr><td colspan=\"%zu\">%s</td></tr>", ncols, T_("None."));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</tbody></table>");
    return rc;
}

azk_status azk_serve__url(azk_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    azk_status rc = AZK_OK;
    for (const unsigned char *p = (const unsigned char *)s; rc == AZK_OK && *p != '\0'; p++) {
        if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '_' || *p == '.' || *p == '~')
            rc = azk_buf_put(b, p, 1);
        else
            rc = azk_buf_printf(b, "%%%c%c", hex[*p >> 4], hex[*p & 15]);
    }
    return rc;
}

azk_status azk_serve__html_next(azk_buf *b, const char *path, const json_t *doc)
{
    const char *next = json_string_value(json_object_get(doc, "next"));
    azk_status rc;
    if (next == NULL)
        return AZK_OK;
    rc = azk_buf_printf(b, "<p class=\"next\"><a href=\"%s%cafter=", path,
                        strchr(path, '?') != NULL ? '&' : '?');
    if (rc == AZK_OK)
        rc = azk_serve__url(b, next);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "\">%s</a></p>", T_("Next page"));
    return rc;
}

azk_status azk_serve__form_head(azk_buf *b, const struct azk_serve_req *rq, const char *action,
                                bool step_up)
{
    azk_status rc = azk_buf_printf(b,
                                   "<form method=\"post\" action=\"%s\"><input type=\"hidden\" "
                                   "name=\"csrf\" value=\"%s\">",
                                   action, rq->who.csrf);
    if (rc == AZK_OK && step_up)
        rc = azk_buf_printf(b,
                            "<label>%s <input name=\"code\" class=\"code\" inputmode=\"numeric\" "
                            "pattern=\"[0-9]{6}\" autocomplete=\"one-time-code\" required></label>",
                            T_("Authenticator code again (step-up)"));
    return rc;
}

azk_status azk_serve__deny(struct azk_server *srv, struct azk_serve_req *rq,
                           struct azk_serve_resp *rs, bool api, const char *why)
{
    azk_status rc = azk_serve__ledger(srv, rq, "serve.deny", NULL, "refused", why);
    if (rc != AZK_OK)
        return rc;
    if (api)
        return azk_serve__api_error(rs, 403, "forbidden", "You are not allowed to do this.");
    return azk_serve__error_page(rq, rs, 403, T_("You are not allowed to do this."));
}

azk_status azk_serve__require_client(struct azk_server *srv, struct azk_serve_req *rq,
                                     struct azk_serve_resp *rs, bool api, const char *client,
                                     bool *answered)
{
    bool yes = false;
    azk_status rc;

    *answered = false;
    if (client == NULL)
        return AZK_OK;
    rc = azk_serve__may_see_client(srv->h, &rq->who, client, &yes);
    if (rc != AZK_OK || yes)
        return rc;
    *answered = true;
    return azk_serve__deny(srv, rq, rs, api, "client not granted");
}

void azk_serve__step_up_end(struct azk_server *srv)
{
    srv->h->auth_user[0] = '\0';
}

azk_status azk_serve__result_page(struct azk_serve_req *rq, struct azk_serve_resp *rs,
                                  unsigned status, const char *title, const char *msg,
                                  const char *back)
{
    azk_buf b = AZK_BUF_INIT;
    azk_status rc =
        azk_buf_printf(&b, "<p class=\"%s\" id=\"result\">", status < 300 ? "ok" : "err");
    if (rc == AZK_OK)
        rc = azk_serve__html(&b, msg);
    if (rc == AZK_OK) /* a link built from what a request typed: escaped here, for every caller */
        rc = azk_buf_puts(&b, "</p><p><a href=\"");
    if (rc == AZK_OK)
        rc = azk_serve__html(&b, back);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "\">%s</a></p>", T_("Back"));
    rs->status = status;
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, title, (const char *)b.data);
    azk_buf_dispose(&b);
    return rc;
}

unsigned azk_serve__status_of(azk_status rc)
{
    switch (rc) {
        case AZK_ERR_ARG:
        case AZK_ERR_FORMAT:
            return 400;
        case AZK_ERR_PERM:
            return 403;
        case AZK_ERR_NOTFOUND:
            return 404;
        default:
            return 0;
    }
}
