/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vendor/view.c -- what the bank sees about its vendors (azukari/vendor.h
 * azk_vendor_view): everything recorded about one vendor gathered as JSON
 * with its flags (missing contract clauses, expired contract or
 * certification, overdue audit, finding, questionnaire, expired evidence),
 * the list of vendors, what is due, and their renderings as text (in the
 * message language) and JSON. The printable page is vendor/html.c.
 */
#include "vendor/vendor_int.h"

#include <libintl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_(s) dgettext("azukari", s)
#define N_(s) (s)

struct rows {
    const char *const *names; /* column names; a leading '#' = integer */
    json_t *arr;
};

static azk_status row_cb(const char *const *cols, size_t ncols, void *payload)
{
    struct rows *r = payload;
    json_t *o = json_object();
    if (o == NULL)
        return azk_error_nomem();
    for (size_t i = 0; i < ncols && r->names[i] != NULL; i++) {
        const char *n = r->names[i];
        json_t *v;
        if (cols[i] == NULL)
            v = json_null();
        else if (n[0] == '#')
            v = json_integer(strtoll(cols[i], NULL, 10));
        else if (n[0] == '@') /* a JSON text column */
            v = json_loads(cols[i], 0, NULL);
        else
            v = json_string(cols[i]);
        if (v == NULL || json_object_set_new(o, n + (n[0] == '#' || n[0] == '@'), v) != 0) {
            json_decref(o);
            return azk_error_nomem();
        }
    }
    if (json_array_append_new(r->arr, o) != 0)
        return azk_error_nomem();
    return AZK_OK;
}

static azk_status rows(azk_home *h, enum azk_vsql op, const char *id, const char *const *names,
                       json_t **out)
{
    struct rows r = {names, json_array()};
    azk_status rc;
    *out = NULL;
    if (r.arr == NULL)
        return azk_error_nomem();
    rc = azk_store__vendor_rows(h, op, id != NULL ? &id : NULL, id != NULL ? 1 : 0, row_cb, &r);
    if (rc != AZK_OK) {
        json_decref(r.arr);
        return rc;
    }
    *out = r.arr;
    return AZK_OK;
}

static const char *const vendor_cols[] = {
    "id",          "name",       "corporate_number", "criticality", "@locations", "risk",
    "risk_reason", "created_at", "created_by",       "updated_at",  NULL};

static azk_status flag(json_t *flags, const char *code, const char *sev, const char *subject,
                       const char *due)
{
    json_t *f = json_pack("{s:s,s:s,s:s,s:s?}", "code", code, "severity", sev, "subject",
                          subject != NULL ? subject : "", "due", due);
    if (f == NULL || json_array_append_new(flags, f) != 0)
        return azk_error_nomem();
    return AZK_OK;
}

static const char *js(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* Judge everything of vendor object v on today; add "flags" and next dues. */
static azk_status judge(json_t *v, const char *today)
{
    json_t *flags = json_array(), *x;
    size_t i;
    azk_status rc = AZK_OK;
    char soon[16];
    if (flags == NULL || json_object_set_new(v, "flags", flags) != 0)
        return azk_error_nomem();
    azk_vendor__add_months(today, 1, soon);
    /* contract and its required clauses */
    x = json_object_get(v, "contract");
    if (json_is_null(x) || x == NULL) {
        rc = flag(flags, "contract-missing", "high", NULL, NULL);
    } else {
        const char *exp = js(x, "expires_on");
        if (exp != NULL && strcmp(exp, today) < 0)
            rc = flag(flags, "contract-expired", "high", js(x, "ref"), exp);
        else if (exp != NULL && strcmp(exp, soon) <= 0)
            rc = flag(flags, "contract-expiring", "medium", js(x, "ref"), exp);
    }
    for (i = 0; rc == AZK_OK && azk_vendor__clauses[i] != NULL; i++) {
        json_t *c;
        size_t k;
        const char *st = NULL;
        json_array_foreach(json_object_get(v, "clauses"), k, c)
        {
            if (strcmp(js(c, "clause"), azk_vendor__clauses[i]) == 0)
                st = js(c, "status");
        }
        if (st == NULL || (strcmp(st, "agreed") != 0 && strcmp(st, "n/a") != 0))
            rc = flag(flags, "clause-missing", "high", azk_vendor__clauses[i], NULL);
    }
    /* audit plans: next due = last done (or start) + interval */
    json_array_foreach(json_object_get(v, "audit_plans"), i, x)
    {
        char next[16];
        const char *last = js(x, "last_done");
        int months = (int)json_integer_value(json_object_get(x, "interval_months"));
        if (rc != AZK_OK)
            break;
        if (last != NULL)
            azk_vendor__add_months(last, months, next);
        else
            (void)snprintf(next, sizeof(next), "%s", js(x, "start_on"));
        if (json_object_set_new(x, "next_due", json_string(next)) != 0)
            return azk_error_nomem();
        if (strcmp(next, today) < 0)
            rc = flag(flags, "audit-overdue", "high", js(x, "kind"), next);
        else if (strcmp(next, soon) <= 0)
            rc = flag(flags, "audit-due", "low", js(x, "kind"), next);
    }
    /* planned ad hoc audits not yet met count like a schedule's next due */
    json_array_foreach(json_object_get(v, "audits_planned"), i, x)
    {
        const char *due = js(x, "due_on");
        if (rc != AZK_OK)
            break;
        if (js(x, "done_on") != NULL || due == NULL)
            continue;
        if (strcmp(due, today) < 0)
            rc = flag(flags, "audit-overdue", "high", js(x, "kind"), due);
        else if (strcmp(due, soon) <= 0)
            rc = flag(flags, "audit-due", "low", js(x, "kind"), due);
    }
    json_array_foreach(json_object_get(v, "findings"), i, x)
    {
        const char *st = js(x, "status"), *due = js(x, "due");
        if (rc != AZK_OK)
            break;
        if (strcmp(st, "closed") != 0 && strcmp(due, today) < 0)
            rc = flag(flags, "finding-overdue", "high", js(x, "id"), due);
        else if (strcmp(st, "closed") != 0)
            rc = flag(flags, "finding-open", "low", js(x, "id"), due);
    }
    json_array_foreach(json_object_get(v, "questionnaires"), i, x)
    {
        const char *due = js(x, "due");
        if (rc != AZK_OK)
            break;
        if (strcmp(js(x, "state"), "sent") == 0 && due != NULL && strcmp(due, today) < 0)
            rc = flag(flags, "questionnaire-overdue", "medium", js(x, "id"), due);
        else if (strcmp(js(x, "state"), "answered") == 0)
            rc = flag(flags, "questionnaire-unreviewed", "low", js(x, "id"), NULL);
    }
    json_array_foreach(json_object_get(v, "documents"), i, x)
    {
        const char *exp = js(x, "expires_on");
        if (rc != AZK_OK)
            break;
        if (exp == NULL || strcmp(js(x, "class"), "cert") != 0)
            continue;
        if (strcmp(exp, today) < 0)
            rc = flag(flags, "certification-expired", "high", js(x, "kind"), exp);
        else if (strcmp(exp, soon) <= 0)
            rc = flag(flags, "certification-expiring", "medium", js(x, "kind"), exp);
    }
    json_array_foreach(json_object_get(v, "files"), i, x)
    {
        const char *exp = js(x, "expires");
        if (rc != AZK_OK)
            break;
        if (exp != NULL && strcmp(exp, today) < 0)
            rc = flag(flags, "evidence-expired", "medium", js(x, "ref"), exp);
    }
    if (rc == AZK_OK && json_array_size(json_object_get(v, "keys")) == 0)
        rc = flag(flags, "no-keys", "low", NULL, NULL);
    return rc;
}

azk_status azk_vendor__collect(azk_home *h, const char *id, const char *today, json_t **out)
{
    static const char *const key_cols[] = {"purpose", "pubkey", "fingerprint", "added_at", NULL};
    static const char *const sub_cols[] = {"sub", "scope", "added_at", NULL};
    static const char *const contract_cols[] = {"ref", "signed_on", "expires_on", "updated_at",
                                                NULL};
    static const char *const clause_cols[] = {"clause", "status",     "on_date",
                                              "note",   "updated_at", NULL};
    static const char *const q_cols[] = {
        "id",     "vendor",   "template",       "#revision",      "sent_at",
        "due",    "state",    "@answers",       "answers_sha256", "received_at",
        "#score", "reviewer", "review_comment", "reviewed_at",    NULL};
    static const char *const file_cols[] = {"kind",      "ref",     "sha256",   "label", "#size",
                                            "effective", "expires", "added_at", NULL};
    static const char *const plan_cols[] = {"kind", "#interval_months", "start_on", "last_done",
                                            NULL};
    static const char *const audit_cols[] = {"id",      "kind",        "#adhoc", "done_on",
                                             "summary", "recorded_at", NULL};
    static const char *const finding_cols[] = {"id",  "audit",  "title",     "severity", "owner",
                                               "due", "status", "closed_on", NULL};
    static const char *const doc_cols[] = {
        "id", "class", "kind", "ref", "issued_on", "expires_on", "received_on", "sha256", NULL};
    static const char *const rating_cols[] = {"risk", "reason", "rated_at", "rated_by", NULL};
    static const char *const adhoc_cols[] = {"kind",       "due_on",  "summary", "planned_at",
                                             "planned_by", "done_on", NULL};
    static const char *const retired_cols[] = {
        "purpose", "fingerprint", "added_at", "retired_at", "retired_by", "why", NULL};
    static const struct {
        const char *key;
        enum azk_vsql op;
        const char *const *cols;
    } parts[] = {
        {"keys", AZK_VSQL_KEY_LIST, key_cols},
        {"subcontractors", AZK_VSQL_SUB_LIST, sub_cols},
        {"clauses", AZK_VSQL_CLAUSE_LIST, clause_cols},
        {"questionnaires", AZK_VSQL_Q_LIST, q_cols},
        {"files", AZK_VSQL_FILE_LIST, file_cols},
        {"audit_plans", AZK_VSQL_PLAN_LIST, plan_cols},
        {"audits", AZK_VSQL_AUDIT_LIST, audit_cols},
        {"findings", AZK_VSQL_FINDING_LIST, finding_cols},
        {"documents", AZK_VSQL_DOC_LIST, doc_cols},
        {"ratings", AZK_VSQL_RATING_LIST, rating_cols},
        {"keys_retired", AZK_VSQL_KEY_RETIRED, retired_cols},
        {"audits_planned", AZK_VSQL_ADHOC_LIST, adhoc_cols},
    };
    azk_status rc;
    json_t *arr = NULL, *v = NULL;
    *out = NULL;
    rc = azk_vendor__must_exist(h, id);
    if (rc != AZK_OK)
        return rc;
    rc = azk_db_begin_read(h->cat);
    if (rc != AZK_OK)
        return rc;
    {
        struct rows r = {vendor_cols, json_array()};
        if (r.arr == NULL) {
            rc = azk_error_nomem();
            goto done;
        }
        rc = azk_store__vendor_rows(h, AZK_VSQL_VENDOR_GET, &id, 1, row_cb, &r);
        v = json_incref(json_array_get(r.arr, 0));
        json_decref(r.arr);
        if (rc != AZK_OK || v == NULL) {
            rc = rc != AZK_OK ? rc : azk_error_set(AZK_ERR_NOTFOUND, "vendor %s is gone", id);
            goto done;
        }
    }
    rc = rows(h, AZK_VSQL_CONTRACT_GET, id, contract_cols, &arr);
    if (rc != AZK_OK)
        goto done;
    if (json_object_set(v, "contract",
                        json_array_size(arr) > 0 ? json_array_get(arr, 0) : json_null()) != 0) {
        rc = azk_error_nomem();
        goto done;
    }
    json_decref(arr);
    arr = NULL;
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        rc = rows(h, parts[i].op, id, parts[i].cols, &arr);
        if (rc != AZK_OK)
            goto done;
        if (json_object_set_new(v, parts[i].key, arr) != 0) {
            arr = NULL;
            rc = azk_error_nomem();
            goto done;
        }
        arr = NULL;
    }
    rc = azk_vendor__chain(h, id, &arr);
    if (rc != AZK_OK)
        goto done;
    if (json_object_set_new(v, "chain", arr) != 0) {
        arr = NULL;
        rc = azk_error_nomem();
        goto done;
    }
    arr = NULL;
    rc = judge(v, today);
    if (rc != AZK_OK)
        goto done;
    *out = v;
    v = NULL;
done:
    azk_db_rollback(h->cat); /* ends the read transaction */
    json_decref(arr);
    json_decref(v);
    return rc;
}

/* ---- renderings ------------------------------------------------------------- */

static const char *flag_text(const char *code)
{
    static const struct {
        const char *code, *text;
    } t[] = {
        {"contract-missing", N_("no contract recorded")},
        {"contract-expired", N_("contract expired")},
        {"contract-expiring", N_("contract expires within a month")},
        {"clause-missing", N_("required contract clause not agreed")},
        {"audit-overdue", N_("audit overdue")},
        {"audit-due", N_("audit due within a month")},
        {"finding-overdue", N_("finding overdue")},
        {"finding-open", N_("finding open")},
        {"questionnaire-overdue", N_("questionnaire not answered by its due date")},
        {"questionnaire-unreviewed", N_("questionnaire answered, not reviewed")},
        {"certification-expired", N_("certification expired")},
        {"certification-expiring", N_("certification expires within a month")},
        {"evidence-expired", N_("evidence expired")},
        {"no-keys", N_("no public key of the vendor recorded")},
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        if (strcmp(code, t[i].code) == 0)
            return T_(t[i].text);
    return code;
}

/* high/medium/low in the message language (the JSON keeps the codes). */
static const char *level_text(const char *v)
{
    if (v == NULL || v[0] == '\0')
        return "-";
    if (strcmp(v, "high") == 0)
        return T_("high");
    if (strcmp(v, "medium") == 0)
        return T_("medium");
    if (strcmp(v, "low") == 0)
        return T_("low");
    return v;
}

static azk_status put_text(azk_buf *b, const char *s)
{
    return azk_buf_put_printable(b, s != NULL ? s : "-", strlen(s != NULL ? s : "-"));
}

static azk_status text_flags(azk_buf *b, json_t *v)
{
    json_t *f;
    size_t i;
    azk_status rc = AZK_OK;
    json_array_foreach(json_object_get(v, "flags"), i, f)
    {
        rc =
            azk_buf_printf(b, "  [%s] %s", level_text(js(f, "severity")), flag_text(js(f, "code")));
        if (rc == AZK_OK && js(f, "subject")[0] != '\0') {
            rc = azk_buf_puts(b, ": ");
            if (rc == AZK_OK)
                rc = put_text(b, js(f, "subject"));
        }
        if (rc == AZK_OK && js(f, "due") != NULL)
            rc = azk_buf_printf(b, " (%s %s)", T_("due"), js(f, "due"));
        if (rc == AZK_OK)
            rc = azk_buf_putc(b, '\n');
        if (rc != AZK_OK)
            break;
    }
    return rc;
}

/* A section of the text rendering: title, then each row's listed fields. */
static azk_status text_rows(azk_buf *b, const char *title, json_t *arr, const char *const *fields)
{
    json_t *x;
    size_t i;
    azk_status rc = azk_buf_printf(b, "%s (%zu)\n", title, json_array_size(arr));
    json_array_foreach(arr, i, x)
    {
        for (size_t k = 0; rc == AZK_OK && fields[k] != NULL; k++) {
            json_t *f = json_object_get(x, fields[k]);
            rc = azk_buf_puts(b, k == 0 ? "  " : "  ");
            if (rc == AZK_OK && json_is_integer(f))
                rc = azk_buf_printf(b, "%lld", (long long)json_integer_value(f));
            else if (rc == AZK_OK)
                rc = put_text(b, json_string_value(f));
        }
        if (rc == AZK_OK)
            rc = azk_buf_putc(b, '\n');
        if (rc != AZK_OK)
            break;
    }
    return rc;
}

static azk_status text_show(azk_buf *b, json_t *v)
{
    static const char *const kf[] = {"purpose", "fingerprint", "added_at", NULL};
    static const char *const sf[] = {"sub", "scope", NULL};
    static const char *const chf[] = {"depth", "vendor", "sub", "scope", NULL};
    static const char *const rf[] = {"rated_at", "risk", "rated_by", "reason", NULL};
    static const char *const yf[] = {"purpose",    "fingerprint", "retired_at",
                                     "retired_by", "why",         NULL};
    static const char *const cf[] = {"clause", "status", "on_date", NULL};
    static const char *const qf[] = {"id", "template", "state", "due", "score", NULL};
    static const char *const ff[] = {"kind", "label", "sha256", "expires", NULL};
    static const char *const pf[] = {"kind", "interval_months", "last_done", "next_due", NULL};
    static const char *const hf[] = {"kind", "due_on", "done_on", "summary", NULL};
    static const char *const af[] = {"id", "kind", "done_on", "summary", NULL};
    static const char *const nf[] = {"id", "severity", "owner", "due", "status", "title", NULL};
    static const char *const df[] = {"id",         "class",       "kind", "ref",
                                     "expires_on", "received_on", NULL};
    json_t *c = json_object_get(v, "contract"), *l;
    size_t i;
    azk_status rc = azk_buf_printf(b, "%s: ", T_("vendor"));
    if (rc == AZK_OK)
        rc = put_text(b, js(v, "id"));
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "\n%s: ", T_("legal entity"));
    if (rc == AZK_OK)
        rc = put_text(b, js(v, "name"));
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "\n%s: %s\n%s: %s\n%s: %s\n%s:", T_("corporate number"),
                            js(v, "corporate_number"), T_("criticality"),
                            level_text(js(v, "criticality")), T_("risk rating"),
                            level_text(js(v, "risk")), T_("locations of data"));
    json_array_foreach(json_object_get(v, "locations"), i, l)
    {
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, i == 0 ? " " : "; ");
        if (rc == AZK_OK)
            rc = put_text(b, json_string_value(l));
    }
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "\n%s: ", T_("contract"));
    if (rc == AZK_OK && json_is_object(c)) {
        rc = put_text(b, js(c, "ref"));
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, " (%s %s, %s %s)", T_("signed"), js(c, "signed_on"),
                                T_("expires"), js(c, "expires_on") ? js(c, "expires_on") : "-");
    } else if (rc == AZK_OK) {
        rc = azk_buf_puts(b, "-");
    }
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "\n%s (%zu)\n", T_("flags"),
                            json_array_size(json_object_get(v, "flags")));
    if (rc == AZK_OK)
        rc = text_flags(b, v);
    if (rc == AZK_OK)
        rc = text_rows(b, T_("public keys"), json_object_get(v, "keys"), kf);
    if (rc == AZK_OK)
        rc = text_rows(b, T_("retired keys"), json_object_get(v, "keys_retired"), yf);
    if (rc == AZK_OK)
        rc = text_rows(b, T_("sub-contractors"), json_object_get(v, "subcontractors"), sf);
    if (rc == AZK_OK)
        rc = text_rows(b, T_("sub-contracting chain"), json_object_get(v, "chain"), chf);
    if (rc == AZK_OK)
        rc = text_rows(b, T_("risk ratings"), json_object_get(v, "ratings"), rf);
    if (rc == AZK_OK)
        rc = text_rows(b, T_("contract clauses"), json_object_get(v, "clauses"), cf);
    if (rc == AZK_OK)
        rc = text_rows(b, T_("questionnaires"), json_object_get(v, "questionnaires"), qf);
    if (rc == AZK_OK)
        rc = text_rows(b, T_("files kept"), json_object_get(v, "files"), ff);
    if (rc == AZK_OK)
        rc = text_rows(b, T_("audit schedule"), json_object_get(v, "audit_plans"), pf);
    if (rc == AZK_OK)
        rc = text_rows(b, T_("planned ad hoc audits"), json_object_get(v, "audits_planned"), hf);
    if (rc == AZK_OK)
        rc = text_rows(b, T_("audits and inspections"), json_object_get(v, "audits"), af);
    if (rc == AZK_OK)
        rc = text_rows(b, T_("findings"), json_object_get(v, "findings"), nf);
    if (rc == AZK_OK)
        rc = text_rows(b, T_("certifications and documents"), json_object_get(v, "documents"), df);
    return rc;
}

struct ids {
    json_t *arr;
};

static azk_status id_cb(const char *const *cols, size_t ncols, void *payload)
{
    (void)ncols;
    if (json_array_append_new(((struct ids *)payload)->arr, json_string(cols[0])) != 0)
        return azk_error_nomem();
    return AZK_OK;
}

/* Every vendor collected (LIST, DUE of all). */
static azk_status collect_all(azk_home *h, const char *id, const char *today, json_t **out)
{
    struct ids ids = {json_array()};
    json_t *all = json_array(), *x;
    azk_status rc = AZK_OK;
    size_t i;
    *out = NULL;
    if (ids.arr == NULL || all == NULL) {
        rc = azk_error_nomem();
        goto done;
    }
    if (id != NULL)
        rc = json_array_append_new(ids.arr, json_string(id)) == 0 ? AZK_OK : azk_error_nomem();
    else
        rc = azk_store__vendor_rows(h, AZK_VSQL_VENDOR_LIST, NULL, 0, id_cb, &ids);
    json_array_foreach(ids.arr, i, x)
    {
        json_t *v = NULL;
        if (rc != AZK_OK)
            break;
        rc = azk_vendor__collect(h, json_string_value(x), today, &v);
        if (rc == AZK_OK && json_array_append_new(all, v) != 0)
            rc = azk_error_nomem();
    }
    if (rc == AZK_OK) {
        *out = all;
        all = NULL;
    }
done:
    json_decref(ids.arr);
    json_decref(all);
    return rc;
}

struct tmpl_rows {
    json_t *arr;
};

static azk_status view_templates(azk_home *h, azk_vendor_format fmt, azk_buf *b)
{
    static const char *const cols[] = {"id", "#revision", "title", "sha256", "imported_at", NULL};
    struct rows r = {cols, json_array()};
    azk_status rc;
    json_t *x;
    size_t i;
    char *s;
    if (r.arr == NULL)
        return azk_error_nomem();
    rc = azk_store__vendor_rows(h, AZK_VSQL_TEMPLATE_LIST, NULL, 0, row_cb, &r);
    if (rc == AZK_OK && fmt == AZK_VENDOR_FMT_JSON) {
        s = json_dumps(r.arr, JSON_INDENT(2) | JSON_SORT_KEYS);
        rc = s != NULL ? azk_buf_puts(b, s) : azk_error_nomem();
        free(s); /* jansson's allocator; checksrc: ok */
    } else if (rc == AZK_OK) {
        json_array_foreach(r.arr, i, x)
        {
            rc = azk_buf_printf(b, "%s@%lld  %s  ", js(x, "id"),
                                (long long)json_integer_value(json_object_get(x, "revision")),
                                js(x, "imported_at"));
            if (rc == AZK_OK)
                rc = put_text(b, js(x, "title"));
            if (rc == AZK_OK)
                rc = azk_buf_putc(b, '\n');
            if (rc != AZK_OK)
                break;
        }
    }
    json_decref(r.arr);
    return rc;
}

azk_status azk_vendor_view(azk_home *h, azk_vendor_view_kind kind, const char *id,
                           const char *today, int within_days, azk_vendor_format fmt, char **out)
{
    azk_status rc;
    char day[16];
    json_t *doc = NULL, *x;
    azk_buf b = AZK_BUF_INIT;
    size_t i;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && out != NULL);
    *out = NULL;
    rc = azk_vendor__today(today, day);
    if (rc != AZK_OK)
        return rc;
    if (fmt == AZK_VENDOR_FMT_HTML && kind != AZK_VENDOR_VIEW_SHOW)
        return azk_error_set(AZK_ERR_UNSUPPORTED, "the printable page is of one vendor (show)");
    switch (kind) {
        case AZK_VENDOR_VIEW_TEMPLATES:
            rc = view_templates(h, fmt, &b);
            goto finish;
        case AZK_VENDOR_VIEW_SHOW:
            if (id == NULL)
                return azk_error_set(AZK_ERR_ARG, "which vendor?");
            rc = azk_vendor__collect(h, id, day, &doc);
            if (rc != AZK_OK)
                goto finish;
            if (fmt == AZK_VENDOR_FMT_HTML)
                rc = azk_vendor__html(doc, day, &b);
            else if (fmt == AZK_VENDOR_FMT_TEXT)
                rc = text_show(&b, doc);
            break;
        case AZK_VENDOR_VIEW_LIST:
        case AZK_VENDOR_VIEW_DUE:
            rc = collect_all(h, kind == AZK_VENDOR_VIEW_DUE ? id : NULL, day, &doc);
            if (rc != AZK_OK)
                goto finish;
            if (kind == AZK_VENDOR_VIEW_DUE) {
                /* only dated flags up to today + within_days; overdue first */
                json_t *due = json_array();
                int64_t limit = azk_vendor__days(day) + (within_days > 0 ? within_days : 0);
                json_array_foreach(doc, i, x)
                {
                    json_t *f;
                    size_t k;
                    json_array_foreach(json_object_get(x, "flags"), k, f)
                    {
                        const char *d = js(f, "due");
                        if (d == NULL || azk_vendor__days(d) > limit)
                            continue;
                        json_object_set_new(f, "vendor", json_string(js(x, "id")));
                        json_object_set_new(f, "overdue", json_boolean(strcmp(d, day) < 0));
                        json_array_append(due, f);
                    }
                }
                json_decref(doc);
                doc = due;
                if (fmt == AZK_VENDOR_FMT_TEXT) {
                    json_array_foreach(doc, i, x)
                    {
                        rc = azk_buf_printf(
                            &b, "%s  %-10s  %s%s  ", js(x, "due"), js(x, "vendor"),
                            json_is_true(json_object_get(x, "overdue")) ? T_("OVERDUE") : T_("due"),
                            "");
                        if (rc == AZK_OK)
                            rc = azk_buf_printf(&b, "%s: ", flag_text(js(x, "code")));
                        if (rc == AZK_OK)
                            rc = put_text(&b, js(x, "subject"));
                        if (rc == AZK_OK)
                            rc = azk_buf_putc(&b, '\n');
                        if (rc != AZK_OK)
                            break;
                    }
                }
            } else if (fmt == AZK_VENDOR_FMT_TEXT) {
                json_array_foreach(doc, i, x)
                {
                    size_t high = 0, k;
                    json_t *f;
                    json_array_foreach(json_object_get(x, "flags"), k, f)
                    {
                        high += strcmp(js(f, "severity"), "high") == 0;
                    }
                    rc = azk_buf_printf(&b, "%-20s %s  %-6s %-6s %zu/%zu  ", js(x, "id"),
                                        js(x, "corporate_number"), js(x, "criticality"),
                                        js(x, "risk")[0] ? js(x, "risk") : "-", high,
                                        json_array_size(json_object_get(x, "flags")));
                    if (rc == AZK_OK)
                        rc = put_text(&b, js(x, "name"));
                    if (rc == AZK_OK)
                        rc = azk_buf_putc(&b, '\n');
                    if (rc != AZK_OK)
                        break;
                }
            }
            break;
        default:
            return azk_error_set(AZK_ERR_ARG, "unknown view");
    }
    if (rc == AZK_OK && fmt == AZK_VENDOR_FMT_JSON) {
        char *s = json_dumps(doc, JSON_INDENT(2) | JSON_SORT_KEYS);
        rc = s != NULL ? azk_buf_puts(&b, s) : azk_error_nomem();
        if (rc == AZK_OK)
            rc = azk_buf_putc(&b, '\n');
        free(s); /* jansson's allocator; checksrc: ok */
    }
finish:
    json_decref(doc);
    if (rc == AZK_OK) {
        *out = azk_buf_detach(&b);
        if (*out == NULL)
            rc = azk_error_nomem();
    }
    azk_buf_dispose(&b);
    return rc;
}
