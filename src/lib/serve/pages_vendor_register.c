/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/pages_vendor_register.c -- the vendor register in azukari serve
 * (issue 15, a bank's own install), each change a page form with its
 * /api/v1 twin: a vendor's fields after registration (name, corporate
 * number, criticality), its locations of data, its sub-contractors
 * (再委託: add, remove; the chain is shown on the sheet), its public keys
 * (register, retire: step-up TOTP first, since a swapped key defeats the
 * report import's signature check), the contract's reference and dates
 * (as `azukari vendor contract`), the risk rating with its reason (kept
 * apart from questionnaire scores; every rating kept) and periodic audit
 * schedules (set, stop). GET /vendor/register holds the forms with the
 * current values. Administrators and operators (the route table; CSRF by
 * http.c); every rule and the ledger event are the library's
 * (include/azukari/vendor.h), so serve and the CLI cannot differ.
 */
#include "serve/serve_int.h"

#include "azukari/vendor.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BACK       "/vendor/register?id="
#define MAX_PLACES 64

static const char *const levels[] = {"medium", "high", "low", NULL};
static const char *const purposes[] = {"report", "certificate", "ledger", NULL};
static const char *const akinds[] = {"audit", "onsite", NULL};

#define F(name) azk_serve__vendor_field(rq, name)

static azk_status done(struct azk_serve_req *rq, struct azk_serve_resp *rs, const char *vendor,
                       azk_status rc, const char *what, const char *new_id)
{
    return azk_serve__vendor_answer(rq, rs, BACK, vendor, rc, what, new_id);
}

/* POST vendor, name, corporate_number, criticality: the ones given change (one at least). */
azk_status azk_serve__h_vendor_set(struct azk_server *srv, struct azk_serve_req *rq,
                                   struct azk_serve_resp *rs)
{
    azk_vendor_fields f = AZK_VENDOR_FIELDS_INIT;
    const char *v = F("vendor");
    f.name = F("name");
    f.corporate_number = F("corporate_number");
    f.criticality = F("criticality");
    if (v == NULL || (f.name == NULL && f.corporate_number == NULL && f.criticality == NULL))
        return azk_serve__vendor_missing(rq, rs);
    return done(rq, rs, v, azk_vendor_set(srv->h, v, &f), T_("Vendor entries changed"), NULL);
}

/* POST vendor, ref, signed_on, expires_on (optional: empty = no expiry); the library checks
 * the dates (and expiry not before signing) and that the vendor exists, as for the CLI. */
azk_status azk_serve__h_vendor_contract(struct azk_server *srv, struct azk_serve_req *rq,
                                        struct azk_serve_resp *rs)
{
    const char *v = F("vendor"), *ref = F("ref"), *signed_on = F("signed_on");
    if (v == NULL || ref == NULL || signed_on == NULL)
        return azk_serve__vendor_missing(rq, rs);
    return done(rq, rs, v, azk_vendor_contract_set(srv->h, v, ref, signed_on, F("expires_on")),
                T_("Contract recorded"), NULL);
}

/*
 * POST vendor, locations: one place per line (blank lines skipped); the list replaces the
 * vendor's. The field must be there (an empty one clears the list: said so on the form).
 */
azk_status azk_serve__h_vendor_locations(struct azk_server *srv, struct azk_serve_req *rq,
                                         struct azk_serve_resp *rs)
{
    azk_vendor_fields f = AZK_VENDOR_FIELDS_INIT;
    const char *v = F("vendor"), *text = azk_serve__form(rq, "locations");
    const char *places[MAX_PLACES];
    char *copy, *save = NULL;
    size_t n = 0;
    azk_status rc = AZK_OK;
    if (v == NULL || text == NULL)
        return azk_serve__vendor_missing(rq, rs);
    copy = azk_strdup(text);
    if (copy == NULL)
        return azk_error_nomem();
    for (char *l = strtok_r(copy, "\n", &save); l != NULL; l = strtok_r(NULL, "\n", &save)) {
        l[strcspn(l, "\r")] = '\0';
        if (strspn(l, " \t") == strlen(l))
            continue;
        if (n == MAX_PLACES) {
            rc = azk_error_set(AZK_ERR_ARG, "at most %d locations", MAX_PLACES);
            break;
        }
        places[n++] = l;
    }
    f.locations = places;
    f.location_count = n;
    if (rc == AZK_OK)
        rc = azk_vendor_set(srv->h, v, &f);
    rc = done(rq, rs, v, rc, T_("Locations of data recorded"), NULL);
    azk_free(copy);
    return rc;
}

/* POST vendor, sub, scope */
azk_status azk_serve__h_vendor_sub_add(struct azk_server *srv, struct azk_serve_req *rq,
                                       struct azk_serve_resp *rs)
{
    const char *v = F("vendor"), *sub = F("sub"), *scope = F("scope");
    if (v == NULL || sub == NULL || scope == NULL)
        return azk_serve__vendor_missing(rq, rs);
    return done(rq, rs, v, azk_vendor_sub_add(srv->h, v, sub, scope), T_("Sub-contractor added"),
                sub);
}

/* POST vendor, sub */
azk_status azk_serve__h_vendor_sub_remove(struct azk_server *srv, struct azk_serve_req *rq,
                                          struct azk_serve_resp *rs)
{
    const char *v = F("vendor"), *sub = F("sub");
    if (v == NULL || sub == NULL)
        return azk_serve__vendor_missing(rq, rs);
    return done(rq, rs, v, azk_vendor_sub_remove(srv->h, v, sub), T_("Sub-contractor removed"),
                sub);
}

/* The step-up before a key change; false when refused (the answer is in *out). */
static bool stepped_up(struct azk_server *srv, struct azk_serve_req *rq, struct azk_serve_resp *rs,
                       azk_status *out)
{
    azk_status rc = azk_serve__step_up(srv, rq, azk_serve__form(rq, "code"));
    if (rc == AZK_OK)
        return true;
    azk_serve__step_up_end(srv);
    if (rc != AZK_ERR_PERM) {
        *out = rc;
        return false;
    }
    azk_error_clear();
    *out = azk_serve__fail(rq, rs, 403, "step_up_failed",
                           T_("The authenticator code was wrong or already used: nothing was "
                              "changed."));
    return false;
}

/* POST vendor, purpose, pubkey, code (step-up) */
azk_status azk_serve__h_vendor_key(struct azk_server *srv, struct azk_serve_req *rq,
                                   struct azk_serve_resp *rs)
{
    const char *v = F("vendor"), *purpose = F("purpose"), *key = F("pubkey");
    char fp[72] = "";
    azk_status rc;
    if (v == NULL || purpose == NULL || key == NULL)
        return azk_serve__vendor_missing(rq, rs);
    if (!stepped_up(srv, rq, rs, &rc))
        return rc;
    rc = azk_vendor_key_set(srv->h, v, purpose, key, fp);
    azk_serve__step_up_end(srv);
    return done(rq, rs, v, rc, T_("Vendor key registered"), fp);
}

/* POST vendor, purpose, reason, code (step-up) */
azk_status azk_serve__h_vendor_key_retire(struct azk_server *srv, struct azk_serve_req *rq,
                                          struct azk_serve_resp *rs)
{
    const char *v = F("vendor"), *purpose = F("purpose"), *reason = F("reason");
    char fp[72] = "";
    azk_status rc;
    if (v == NULL || purpose == NULL || reason == NULL)
        return azk_serve__vendor_missing(rq, rs);
    if (!stepped_up(srv, rq, rs, &rc))
        return rc;
    rc = azk_vendor_key_retire(srv->h, v, purpose, reason, fp);
    azk_serve__step_up_end(srv);
    return done(rq, rs, v, rc, T_("Vendor key retired"), fp);
}

/* POST vendor, risk, reason */
azk_status azk_serve__h_vendor_rate(struct azk_server *srv, struct azk_serve_req *rq,
                                    struct azk_serve_resp *rs)
{
    const char *v = F("vendor"), *risk = F("risk"), *reason = F("reason");
    if (v == NULL || risk == NULL || reason == NULL)
        return azk_serve__vendor_missing(rq, rs);
    return done(rq, rs, v, azk_vendor_rate(srv->h, v, risk, reason), T_("Risk rating recorded"),
                NULL);
}

/* POST vendor, kind, every (months), start_on */
azk_status azk_serve__h_vendor_schedule(struct azk_server *srv, struct azk_serve_req *rq,
                                        struct azk_serve_resp *rs)
{
    const char *v = F("vendor"), *kind = F("kind"), *every = F("every"), *start = F("start_on");
    char *end = NULL;
    long months;
    if (v == NULL || kind == NULL || every == NULL || start == NULL)
        return azk_serve__vendor_missing(rq, rs);
    months = strtol(every, &end, 10);
    if (every[0] < '0' || every[0] > '9' || end == NULL || *end != '\0' || months > 1000)
        months = -1; /* the library refuses it with its own message */
    return done(rq, rs, v, azk_vendor_audit_schedule(srv->h, v, kind, (int)months, start),
                T_("Audit schedule recorded"), NULL);
}

/* POST vendor, kind */
azk_status azk_serve__h_vendor_unschedule(struct azk_server *srv, struct azk_serve_req *rq,
                                          struct azk_serve_resp *rs)
{
    const char *v = F("vendor"), *kind = F("kind");
    if (v == NULL || kind == NULL)
        return azk_serve__vendor_missing(rq, rs);
    return done(rq, rs, v, azk_vendor_audit_unschedule(srv->h, v, kind),
                T_("Audit schedule stopped"), NULL);
}

/* POST vendor, kind, due_on, summary: a one-off audit planned for a date */
azk_status azk_serve__h_vendor_audit_plan(struct azk_server *srv, struct azk_serve_req *rq,
                                          struct azk_serve_resp *rs)
{
    const char *v = F("vendor"), *kind = F("kind"), *due = F("due_on"), *why = F("summary");
    if (v == NULL || kind == NULL || due == NULL || why == NULL)
        return azk_serve__vendor_missing(rq, rs);
    return done(rq, rs, v, azk_vendor_audit_plan(srv->h, v, kind, due, why),
                T_("Ad hoc audit planned"), NULL);
}

/* POST vendor, kind, due_on: cancel a planned one */
azk_status azk_serve__h_vendor_audit_unplan(struct azk_server *srv, struct azk_serve_req *rq,
                                            struct azk_serve_resp *rs)
{
    const char *v = F("vendor"), *kind = F("kind"), *due = F("due_on");
    if (v == NULL || kind == NULL || due == NULL)
        return azk_serve__vendor_missing(rq, rs);
    return done(rq, rs, v, azk_vendor_audit_unplan(srv->h, v, kind, due),
                T_("Planned audit cancelled"), NULL);
}

/* ---- the vendors list's audit column ------------------------------------------ */

const char *azk_serve__vendor_audit_state(const json_t *v, const char **next)
{
    json_t *x;
    size_t i;
    const char *state = NULL;
    *next = NULL;
    json_array_foreach(json_object_get(v, "audit_plans"), i, x)
    {
        const char *d = json_string_value(json_object_get(x, "next_due"));
        if (d != NULL && (*next == NULL || strcmp(d, *next) < 0))
            *next = d;
    }
    json_array_foreach(json_object_get(v, "audits_planned"), i, x)
    {
        const char *d = json_string_value(json_object_get(x, "due_on"));
        if (d != NULL && !json_is_string(json_object_get(x, "done_on")) &&
            (*next == NULL || strcmp(d, *next) < 0))
            *next = d;
    }
    json_array_foreach(json_object_get(v, "flags"), i, x)
    {
        const char *code = json_string_value(json_object_get(x, "code"));
        if (code != NULL && strcmp(code, "audit-overdue") == 0)
            return "overdue";
        if (code != NULL && strcmp(code, "audit-due") == 0)
            state = "due";
    }
    return state;
}

azk_status azk_serve__vendor_audit_cell(azk_buf *b, const json_t *row)
{
    const char *audit = json_string_value(json_object_get(row, "audit"));
    const char *next = json_string_value(json_object_get(row, "next_audit"));
    bool late = audit != NULL && strcmp(audit, "overdue") == 0;
    azk_status rc = azk_buf_printf(b, "<td%s>", late ? " class=\"overdue\"" : "");
    if (rc == AZK_OK && late)
        rc = azk_buf_printf(b, "<strong>%s</strong> ", T_("OVERDUE"));
    if (rc == AZK_OK)
        rc = azk_serve__html(b, next != NULL ? next : "-");
    return rc == AZK_OK ? azk_buf_puts(b, "</td>") : rc;
}

/* ---- the page ------------------------------------------------------------------ */

/* An input of `type` holding the current value (escaped). */
static azk_status input_of(azk_buf *b, const char *label, const char *name, const char *type,
                           const char *value, bool required)
{
    azk_status rc =
        azk_buf_printf(b, "<label>%s <input name=\"%s\" type=\"%s\" value=\"", label, name, type);
    if (rc == AZK_OK)
        rc = azk_serve__html(b, value != NULL ? value : "");
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "\"%s></label> ", required ? " required" : "");
    return rc;
}

static azk_status input_at(azk_buf *b, const char *label, const char *name, const char *value,
                           bool required)
{
    return input_of(b, label, name, "text", value, required);
}

static azk_status date_at(azk_buf *b, const char *label, const char *name, const char *value,
                          bool required)
{
    return input_of(b, label, name, "date", value, required);
}

/* The vendor's id as a hidden field (for the step-up forms, made without the shared head). */
static azk_status hidden(azk_buf *b, const char *id)
{
    azk_status rc = azk_buf_puts(b, "<input type=\"hidden\" name=\"vendor\" value=\"");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, id);
    return rc == AZK_OK ? azk_buf_puts(b, "\">") : rc;
}

/* A <select> of the vendor's entries of `arr` (their `key`), or a note when there is none. */
static azk_status pick(azk_buf *b, const char *label, const char *name, json_t *arr,
                       const char *key, bool *any)
{
    json_t *x;
    size_t i;
    azk_status rc = azk_buf_printf(b, "<label>%s <select name=\"%s\">", label, name);
    *any = json_array_size(arr) > 0;
    json_array_foreach(arr, i, x)
    {
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "<option>");
        if (rc == AZK_OK)
            rc = azk_serve__html(b, json_string_value(json_object_get(x, key)));
        if (rc == AZK_OK)
            rc = azk_buf_puts(b, "</option>");
    }
    return rc == AZK_OK ? azk_buf_puts(b, "</select></label> ") : rc;
}

/* The contract's reference and dates, holding the recorded ones (c: NULL before any). */
static azk_status form_contract(azk_buf *b, const struct azk_serve_req *rq, const char *id,
                                json_t *c)
{
    azk_status rc = azk_serve__vendor_form(b, rq, T_("Contract"), "/vendor/contract", id);
    if (rc == AZK_OK)
        rc = input_at(b, T_("Contract reference"), "ref",
                      json_string_value(json_object_get(c, "ref")), true);
    if (rc == AZK_OK)
        rc = date_at(b, T_("Signed on"), "signed_on",
                     json_string_value(json_object_get(c, "signed_on")), true);
    if (rc == AZK_OK)
        rc = date_at(b, T_("Expires on"), "expires_on",
                     json_string_value(json_object_get(c, "expires_on")), false);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "<p>%s</p>",
                            T_("Leave the expiry empty for a contract without one. A contract "
                               "past its expiry is shown in red on the status sheet."));
    return rc == AZK_OK ? azk_serve__vendor_submit(b, T_("Record")) : rc;
}

static azk_status forms_register(azk_buf *b, const struct azk_serve_req *rq, const char *id,
                                 json_t *v)
{
    json_t *l;
    size_t i;
    azk_status rc = azk_serve__vendor_form(b, rq, T_("Register entries"), "/vendor/set", id);
    if (rc == AZK_OK)
        rc = input_at(b, T_("Name"), "name", json_string_value(json_object_get(v, "name")), true);
    if (rc == AZK_OK)
        rc = input_at(b, T_("Corporate number"), "corporate_number",
                      json_string_value(json_object_get(v, "corporate_number")), true);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "<label>%s <select name=\"criticality\">", T_("Criticality"));
    for (i = 0; rc == AZK_OK && levels[i] != NULL; i++) {
        const char *cur = json_string_value(json_object_get(v, "criticality"));
        rc = azk_buf_printf(b, "<option%s>%s</option>",
                            cur != NULL && strcmp(cur, levels[i]) == 0 ? " selected" : "",
                            levels[i]);
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</select></label> ");
    if (rc == AZK_OK)
        rc = azk_serve__vendor_submit(b, T_("Change"));
    if (rc == AZK_OK)
        rc = form_contract(b, rq, id, json_object_get(v, "contract"));
    /* locations: one per line */
    if (rc == AZK_OK)
        rc = azk_serve__vendor_form(b, rq, T_("Locations where data is stored and processed"),
                                    "/vendor/locations", id);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "<p>%s</p><textarea name=\"locations\" rows=\"4\" cols=\"60\">",
                            T_("One place per line; an empty list removes every location."));
    json_array_foreach(json_object_get(v, "locations"), i, l)
    {
        if (rc == AZK_OK)
            rc = azk_serve__html(b, json_string_value(l));
        if (rc == AZK_OK)
            rc = azk_buf_putc(b, '\n');
    }
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</textarea> ");
    return rc == AZK_OK ? azk_serve__vendor_submit(b, T_("Record")) : rc;
}

static azk_status forms_subs_keys(azk_buf *b, const struct azk_serve_req *rq, const char *id,
                                  json_t *v)
{
    bool any = false;
    azk_status rc =
        azk_serve__vendor_form(b, rq, T_("Add a sub-contractor (再委託先)"), "/vendor/sub/add", id);
    if (rc == AZK_OK)
        rc = azk_serve__vendor_input(b, T_("Sub-contractor's vendor ID"), "sub", "text", true);
    if (rc == AZK_OK)
        rc = azk_serve__vendor_input(b, T_("Scope"), "scope", "text", true);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "<p>%s</p>",
                            T_("The sub-contractor must be registered as a vendor first; a chain "
                               "that comes back to this vendor is refused."));
    if (rc == AZK_OK)
        rc = azk_serve__vendor_submit(b, T_("Add"));
    if (rc == AZK_OK && json_array_size(json_object_get(v, "subcontractors")) > 0) {
        rc = azk_serve__vendor_form(b, rq, T_("Remove a sub-contractor"), "/vendor/sub/remove", id);
        if (rc == AZK_OK)
            rc = pick(b, T_("Sub-contractor"), "sub", json_object_get(v, "subcontractors"), "sub",
                      &any);
        if (rc == AZK_OK)
            rc = azk_serve__vendor_submit(b, T_("Remove"));
    }
    /* keys: step-up */
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "<h2>%s</h2>", T_("Register a vendor key"));
    if (rc == AZK_OK)
        rc = azk_serve__form_head(b, rq, "/vendor/key", true);
    if (rc == AZK_OK)
        rc = hidden(b, id);
    if (rc == AZK_OK)
        rc = azk_serve__vendor_choice(b, T_("Purpose"), "purpose", purposes);
    if (rc == AZK_OK)
        rc = azk_serve__vendor_input(b, T_("Public key (name+base64)"), "pubkey", "text", true);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "<p>%s</p>",
                            T_("The monthly-report import and certificates are verified against "
                               "these keys: compare the fingerprint with the vendor by another "
                               "channel. The key it replaces is kept as retired."));
    if (rc == AZK_OK)
        rc = azk_serve__vendor_submit(b, T_("Register"));
    if (rc == AZK_OK && json_array_size(json_object_get(v, "keys")) > 0) {
        rc = azk_buf_printf(b, "<h2>%s</h2>", T_("Retire a vendor key"));
        if (rc == AZK_OK)
            rc = azk_serve__form_head(b, rq, "/vendor/key/retire", true);
        if (rc == AZK_OK)
            rc = hidden(b, id);
        if (rc == AZK_OK)
            rc = pick(b, T_("Purpose"), "purpose", json_object_get(v, "keys"), "purpose", &any);
        if (rc == AZK_OK)
            rc = azk_serve__vendor_input(b, T_("Reason"), "reason", "text", true);
        if (rc == AZK_OK)
            rc = azk_serve__vendor_submit(b, T_("Retire"));
    }
    return rc;
}

static azk_status forms_rating_audits(azk_buf *b, const struct azk_serve_req *rq, const char *id,
                                      json_t *v)
{
    bool any = false;
    azk_status rc = azk_serve__vendor_form(b, rq, T_("Risk rating"), "/vendor/rate", id);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "<p>%s</p>",
                            T_("The bank's own judgement, apart from questionnaire scores; every "
                               "rating is kept with its reason, who and when."));
    if (rc == AZK_OK)
        rc = azk_serve__vendor_choice(b, T_("Risk rating"), "risk", levels);
    if (rc == AZK_OK)
        rc = azk_serve__vendor_input(b, T_("Reason"), "reason", "text", true);
    if (rc == AZK_OK)
        rc = azk_serve__vendor_submit(b, T_("Record"));
    if (rc == AZK_OK)
        rc = azk_serve__vendor_form(b, rq, T_("Periodic audit schedule"), "/vendor/schedule", id);
    if (rc == AZK_OK)
        rc = azk_serve__vendor_choice(b, T_("Kind"), "kind", akinds);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b,
                            "<label>%s <input name=\"every\" type=\"number\" min=\"1\" "
                            "max=\"120\" required></label> ",
                            T_("Every (months)"));
    if (rc == AZK_OK)
        rc = azk_serve__vendor_input(b, T_("First due on"), "start_on", "date", true);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "<p>%s</p>",
                            T_("Next due = the last audit of that kind + the interval (the first "
                               "due date before any). Ad hoc audits are recorded on the vendor's "
                               "records page."));
    if (rc == AZK_OK)
        rc = azk_serve__vendor_submit(b, T_("Record"));
    if (rc == AZK_OK)
        rc = azk_serve__vendor_form(b, rq, T_("Plan an ad hoc audit"), "/vendor/audit/plan", id);
    if (rc == AZK_OK)
        rc = azk_serve__vendor_choice(b, T_("Kind"), "kind", akinds);
    if (rc == AZK_OK)
        rc = azk_serve__vendor_input(b, T_("Planned for"), "due_on", "date", true);
    if (rc == AZK_OK)
        rc = azk_serve__vendor_input(b, T_("Why"), "summary", "text", true);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "<p>%s</p>",
                            T_("A one-off audit counts in the next due date and is overdue after "
                               "its date until an audit of that kind is recorded."));
    if (rc == AZK_OK)
        rc = azk_serve__vendor_submit(b, T_("Plan"));
    if (rc == AZK_OK && json_array_size(json_object_get(v, "audits_planned")) > 0) {
        rc =
            azk_serve__vendor_form(b, rq, T_("Cancel a planned audit"), "/vendor/audit/unplan", id);
        if (rc == AZK_OK)
            rc = azk_serve__vendor_choice(b, T_("Kind"), "kind", akinds);
        if (rc == AZK_OK)
            rc = pick(b, T_("Planned for"), "due_on", json_object_get(v, "audits_planned"),
                      "due_on", &any);
        if (rc == AZK_OK)
            rc = azk_serve__vendor_submit(b, T_("Cancel"));
    }
    if (rc == AZK_OK && json_array_size(json_object_get(v, "audit_plans")) > 0) {
        rc = azk_serve__vendor_form(b, rq, T_("Stop a schedule"), "/vendor/schedule/remove", id);
        if (rc == AZK_OK)
            rc = pick(b, T_("Kind"), "kind", json_object_get(v, "audit_plans"), "kind", &any);
        if (rc == AZK_OK)
            rc = azk_serve__vendor_submit(b, T_("Stop"));
    }
    return rc;
}

/* GET ?id=: the register's forms for one vendor, with its current entries. */
azk_status azk_serve__h_vendor_register(struct azk_server *srv, struct azk_serve_req *rq,
                                        struct azk_serve_resp *rs)
{
    const char *id = azk_serve__query(rq, "id");
    char *s = NULL, title[160];
    json_t *v = NULL;
    azk_buf b = AZK_BUF_INIT;
    azk_status rc = id != NULL ? azk_vendor_view(srv->h, AZK_VENDOR_VIEW_SHOW, id, NULL, 0,
                                                 AZK_VENDOR_FMT_JSON, &s)
                               : azk_error_set(AZK_ERR_NOTFOUND, "which vendor?");
    if (rc != AZK_OK) {
        if (azk_serve__status_of(rc) == 0)
            return rc;
        azk_error_clear();
        return azk_serve__fail(rq, rs, 404, "not_found", T_("No such vendor."));
    }
    v = json_loads(s, 0, NULL);
    azk_vendor_free(s);
    if (v == NULL)
        return azk_error_set(AZK_ERR_FORMAT, "vendor view is not JSON");
    rc = azk_buf_puts(&b, "<p><a href=\"/vendor?id=");
    if (rc == AZK_OK)
        rc = azk_serve__url(&b, id);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "\">%s</a> | <a href=\"/vendor/edit?id=", T_("Status sheet"));
    if (rc == AZK_OK)
        rc = azk_serve__url(&b, id);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "\">%s</a></p>", T_("Change records"));
    if (rc == AZK_OK)
        rc = forms_register(&b, rq, id, v);
    if (rc == AZK_OK)
        rc = forms_subs_keys(&b, rq, id, v);
    if (rc == AZK_OK)
        rc = forms_rating_audits(&b, rq, id, v);
    if (rc == AZK_OK) {
        (void)snprintf(title, sizeof(title), "%s: %.64s", T_("Vendor register"), id);
        rc = azk_serve__page(rq, rs, title, (const char *)b.data);
    }
    json_decref(v);
    azk_buf_dispose(&b);
    return rc;
}
