/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/agents_witness.c -- the way back from a witness alarm "the host's
 * ledger key changed" when the change is legitimate (the host was
 * reinstalled, its key rotated): two people accept the new key.
 *
 * - The witness (agents_http.c, h_checkpoint) keeps the other key a host
 *   offers when its checkpoint verifies under that key
 *   (azk_serve__witness_key_offered); a checkpoint that verifies under no
 *   key is not an offer.
 * - An administrator (agents are theirs: tokens, revocation) requests its
 *   acceptance with a reason, TOTP-authenticated (step-up);
 *   azk_agent_witness_key_request.
 * - Another person, an approver or another administrator, approves it,
 *   TOTP-authenticated; never the requester (retention/identity.c's rule,
 *   and again inside the store's transaction);
 *   azk_agent_witness_key_approve. The key is then pinned, the alarm
 *   cleared; the host's next checkpoint starts a new history. The
 *   checkpoints kept stay kept; any other key is an alarm again.
 * Both acts are ledger entries of the library (agent.witness.key.request,
 * .approve; the key in extra, the reason only in the catalog). serve
 * shows the offers at /agents/witness/keys and /api/v1/agents/witness/keys
 * (staff) with the two forms; the CLI twin is `azukari agent witness`.
 */
#include "azukari/agent.h"
#include "azukari/audit.h"
#include "retention/identity.h"
#include "serve/serve_int.h"
#include "store/witness_keys.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#define REASON_MAX 500
#define AGENT_MAX  64
#define VKEY_MAX   255

/* ---- the offer (from the witness) and the two acts (the library's rules) ------------- */

azk_status azk_serve__witness_key_offered(azk_home *h, const char *agent_id, const char *vkey,
                                          const char *note, int64_t now)
{
    azk_audit_checkpoint_info ci;
    if (strlen(vkey) > VKEY_MAX ||
        azk_audit_checkpoint_open(note, strlen(note), vkey, &ci) != AZK_OK) {
        azk_error_clear(); /* signed by no key it shows: nothing to accept */
        return AZK_OK;
    }
    return azk_store__witness_key_offer(h, agent_id, vkey, now);
}

static azk_status key_extra(char *out, size_t cap, const char *vkey)
{
    json_t *o = json_pack("{s:s}", "vkey", vkey);
    char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    if (s == NULL)
        return azk_error_nomem();
    (void)snprintf(out, cap, "%s", strlen(s) < cap ? s : "{}");
    azk_free(s); /* jansson allocates through azk_malloc (azk__lib_init) */
    return AZK_OK;
}

azk_status azk_agent_witness_key_request(azk_home *h, const char *agent_id, const char *vkey,
                                         const char *reason)
{
    struct azk_store_event ev = {0};
    const char *user = NULL;
    char extra[VKEY_MAX + 32];
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && agent_id != NULL && vkey != NULL && reason != NULL);
    if (agent_id[0] == '\0' || strlen(agent_id) > AGENT_MAX || vkey[0] == '\0' ||
        strlen(vkey) > VKEY_MAX || reason[0] == '\0' || strlen(reason) > REASON_MAX)
        return azk_error_set(AZK_ERR_ARG, "an agent id, the offered key and a reason (at most "
                                          "500 bytes) are needed");
    rc = azk_identity__requester(h, "agent.witness.key.request", agent_id, &user);
    if (rc == AZK_OK)
        rc = key_extra(extra, sizeof(extra), vkey);
    if (rc != AZK_OK)
        return rc;
    ev.action = "agent.witness.key.request";
    ev.object = agent_id;
    ev.extra_json = extra; /* the reason stays in the catalog */
    return azk_store__witness_key_request(h, agent_id, vkey, user, reason, (int64_t)time(NULL),
                                          &ev);
}

azk_status azk_agent_witness_key_approve(azk_home *h, const char *agent_id)
{
    struct azk_store_witness_key k;
    struct azk_store_event ev = {0};
    const char *user = NULL;
    char extra[VKEY_MAX + 32], root64[AZK_AUDIT_HASH_B64_LEN];
    uint8_t empty[AZK_AUDIT_HASH_LEN] = {0};
    bool found = false;
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && agent_id != NULL);
    rc = azk_store__witness_key_get(h, agent_id, &k, &found);
    if (rc == AZK_OK && !found)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "agent %s offered no other ledger key", agent_id);
    if (rc == AZK_OK)
        rc = azk_identity__approver(h, "agent.witness.key.approve", agent_id, k.requested_by, NULL,
                                    &user);
    if (rc == AZK_OK)
        rc = key_extra(extra, sizeof(extra), k.vkey);
    if (rc != AZK_OK)
        return rc;
    /* the next checkpoint starts the key's history: size 0 (no proof asked) */
    azk_audit_hash_b64(empty, root64);
    ev.action = "agent.witness.key.approve";
    ev.object = agent_id;
    ev.extra_json = extra;
    return azk_store__witness_key_approve(h, agent_id, user, root64, (int64_t)time(NULL), &ev);
}

struct list_ctx {
    azk_agent_witness_key_cb cb;
    void *payload;
    char last[72]; /* the cursor: the last agent id seen */
};

static azk_status list_item(const struct azk_store_witness_key *k, void *payload)
{
    struct list_ctx *l = payload;
    (void)snprintf(l->last, sizeof(l->last), "%s", k->agent_id);
    return l->cb(k->agent_id, k->host, k->vkey, k->state, k->requested_by, l->payload);
}

azk_status azk_agent_witness_key_list(azk_home *h, azk_agent_witness_key_cb cb, void *payload)
{
    struct list_ctx l = {cb, payload, ""};
    bool more = true;
    azk_status rc = AZK_OK;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && cb != NULL);
    while (rc == AZK_OK && more) {
        char after[72];
        (void)snprintf(after, sizeof(after), "%s", l.last);
        rc = azk_store__witness_key_page(h, after, 500, list_item, &l, &more);
    }
    return rc;
}

/* ---- the JSON API ------------------------------------------------------------------- */

static json_t *opt_str(const char *s)
{
    return s != NULL && s[0] != '\0' ? json_string(s) : json_null();
}

static json_t *opt_time(int64_t t)
{
    return t != 0 ? json_integer((json_int_t)t) : json_null();
}

static azk_status key_item(const struct azk_store_witness_key *k, void *payload)
{
    json_t *o =
        json_pack("{s:s, s:s, s:s, s:s, s:s, s:o, s:I, s:o, s:o, s:o, s:o, s:o}", "agent_id",
                  k->agent_id, "host", k->host, "pinned_key", k->pinned, "offered_key", k->vkey,
                  "state", k->state, "alarm", opt_str(k->alarm), "offered_at",
                  (json_int_t)k->offered_at, "reason", opt_str(k->reason), "requested_by",
                  opt_str(k->requested_by), "requested_at", opt_time(k->requested_at),
                  "approved_by", opt_str(k->approved_by), "approved_at", opt_time(k->approved_at));
    if (o == NULL || json_array_append_new((json_t *)payload, o) != 0)
        return azk_error_nomem();
    return AZK_OK;
}

azk_status azk_serve__witness_keys_view(struct azk_server *srv, struct azk_serve_req *rq,
                                        json_t **out)
{
    json_t *items;
    const char *after;
    size_t limit;
    bool more = false;
    azk_status rc;
    *out = NULL;
    rc = azk_serve__page_args(rq, &limit, &after);
    if (rc != AZK_OK)
        return rc;
    items = json_array();
    if (items == NULL)
        return azk_error_nomem();
    rc = azk_store__witness_key_page(srv->h, after != NULL ? after : "", limit, key_item, items,
                                     &more);
    if (rc == AZK_OK) {
        const json_t *last = json_array_get(items, json_array_size(items) - 1);
        const char *cur = more ? json_string_value(json_object_get(last, "agent_id")) : NULL;
        *out = json_pack("{s:o, s:s?}", "items", items, "next", cur);
        return *out != NULL ? AZK_OK : azk_error_nomem();
    }
    json_decref(items);
    return rc;
}

AZK_SERVE_UI_HANDLER(azk_serve__h_witness_keys)
{
    json_t *doc = NULL;
    azk_status rc = azk_serve__witness_keys_view(srv, rq, &doc);
    return azk_serve__api_answer(rq, rs, rc, doc);
}

/* A refusal of the library as the stable error object (the messages hold no value). */
static azk_status refusal(struct azk_serve_resp *rs, azk_status rc)
{
    char msg[200];
    unsigned status = rc == AZK_ERR_NOTFOUND ? 404 : rc == AZK_ERR_PERM ? 403 : 409;
    const char *code = rc == AZK_ERR_NOTFOUND ? "not_found"
                       : rc == AZK_ERR_PERM   ? "two_person_rule"
                                              : "wrong_state";
    if (rc == AZK_ERR_ARG && strstr(azk_error_last()->message, "needed") != NULL) {
        status = 400;
        code = "bad_request";
    }
    (void)snprintf(msg, sizeof(msg), "%s", azk_error_last()->message);
    azk_error_clear();
    return azk_serve__api_error(rs, status, code, msg);
}

static azk_status step_up_refused(struct azk_serve_resp *rs)
{
    azk_error_clear();
    return azk_serve__api_error(rs, 403, "step_up_failed",
                                "step-up authentication failed (wrong or used TOTP code)");
}

AZK_SERVE_UI_HANDLER(azk_serve__h_witness_key_request)
{
    const char *id = azk_serve__form(rq, "agent_id"), *vkey = azk_serve__form(rq, "vkey");
    const char *why = azk_serve__form(rq, "reason"), *code = azk_serve__form(rq, "code");
    azk_status rc;
    if (id == NULL || id[0] == '\0' || vkey == NULL || vkey[0] == '\0' || why == NULL ||
        why[0] == '\0' || strlen(why) > REASON_MAX || code == NULL)
        return azk_serve__api_error(rs, 400, "bad_request",
                                    "agent_id, vkey, reason and code are required");
    rc = azk_serve__step_up(srv, rq, code);
    if (rc == AZK_ERR_PERM)
        return step_up_refused(rs);
    if (rc == AZK_OK)
        rc = azk_agent_witness_key_request(srv->h, id, vkey, why);
    if (rc == AZK_ERR_NOTFOUND || rc == AZK_ERR_ARG || rc == AZK_ERR_PERM)
        return refusal(rs, rc);
    if (rc != AZK_OK)
        return rc;
    return azk_serve__json(rs, 200, json_pack("{s:s, s:s}", "agent_id", id, "state", "requested"));
}

/* The requester is refused before a TOTP code is spent (the library checks it again). */
static bool is_requester(struct azk_server *srv, const struct azk_serve_req *rq, const char *id)
{
    struct azk_store_witness_key k;
    bool found = false;
    if (azk_store__witness_key_get(srv->h, id, &k, &found) != AZK_OK) {
        azk_error_clear();
        return false;
    }
    return found && strcmp(k.requested_by, rq->who.name) == 0;
}

AZK_SERVE_UI_HANDLER(azk_serve__h_witness_key_approve)
{
    const char *id = azk_serve__form(rq, "agent_id"), *code = azk_serve__form(rq, "code");
    azk_status rc;
    if (id == NULL || id[0] == '\0' || strlen(id) > AGENT_MAX || code == NULL)
        return azk_serve__api_error(rs, 400, "bad_request", "agent_id and code are required");
    if (is_requester(srv, rq, id))
        return azk_serve__api_error(rs, 403, "two_person_rule",
                                    "the requester cannot approve (two-person rule)");
    rc = azk_serve__step_up(srv, rq, code);
    if (rc == AZK_ERR_PERM)
        return step_up_refused(rs);
    if (rc == AZK_OK)
        rc = azk_agent_witness_key_approve(srv->h, id);
    if (rc == AZK_ERR_NOTFOUND || rc == AZK_ERR_ARG || rc == AZK_ERR_PERM)
        return refusal(rs, rc);
    if (rc != AZK_OK)
        return rc;
    return azk_serve__json(rs, 200, json_pack("{s:s, s:s}", "agent_id", id, "state", "accepted"));
}

/* ---- the page ------------------------------------------------------------------------ */

static const char *str(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static azk_status dd(azk_buf *b, const char *label, const char *value, bool secret)
{
    azk_status rc =
        azk_buf_printf(b, "<dt>%s</dt><dd%s>", label, secret ? " class=\"secret\"" : "");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, value != NULL ? value : "-");
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</dd>");
    return rc;
}

static const char *state_word(const char *s)
{
    if (s == NULL)
        return "-";
    if (strcmp(s, "offered") == 0)
        return T_("offered (waiting for a request)");
    if (strcmp(s, "requested") == 0)
        return T_("requested (waiting for a second person)");
    if (strcmp(s, "accepted") == 0)
        return T_("accepted");
    return s;
}

/* A hidden input name=value (escaped). */
static azk_status hidden(azk_buf *b, const char *name, const char *value)
{
    azk_status rc = azk_buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
    if (rc == AZK_OK)
        rc = azk_serve__html(b, value);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "\">");
    return rc;
}

static azk_status key_forms(azk_buf *b, struct azk_serve_req *rq, const json_t *k, size_t n)
{
    const char *state = str(k, "state"), *by = str(k, "requested_by");
    azk_status rc = AZK_OK;
    bool alarm = json_is_string(json_object_get(k, "alarm"));
    if (rq->who.role == AZK_ROLE_ADMIN && alarm && strcmp(state, "offered") == 0) {
        rc = azk_buf_printf(b, "<h3>%s</h3>", T_("Request that this key be accepted"));
        if (rc == AZK_OK)
            rc = azk_serve__form_head(b, rq, "/agents/witness/keys/request", true);
        if (rc == AZK_OK)
            rc = hidden(b, "agent_id", str(k, "agent_id"));
        if (rc == AZK_OK)
            rc = hidden(b, "vkey", str(k, "offered_key"));
        if (rc == AZK_OK)
            rc = azk_buf_printf(b,
                                "<label>%s <input name=\"reason\" id=\"key-reason-%zu\" required "
                                "maxlength=\"%d\"></label><button type=\"submit\" "
                                "id=\"key-request-%zu\">%s</button></form><p>%s</p>",
                                T_("Reason"), n, REASON_MAX, n, T_("Request"),
                                T_("Compare the offered key with the one the host shows "
                                   "(`azukari audit init` on that host prints it) before you ask. "
                                   "Another person must approve."));
    }
    if (rc == AZK_OK && alarm && strcmp(state, "requested") == 0 &&
        (rq->who.role == AZK_ROLE_APPROVER || rq->who.role == AZK_ROLE_ADMIN) &&
        (by == NULL || strcmp(by, rq->who.name) != 0)) {
        rc = azk_buf_printf(b, "<h3>%s</h3>", T_("Approve the new key"));
        if (rc == AZK_OK)
            rc = azk_serve__form_head(b, rq, "/agents/witness/keys/approve", true);
        if (rc == AZK_OK)
            rc = hidden(b, "agent_id", str(k, "agent_id"));
        if (rc == AZK_OK)
            rc = azk_buf_printf(b,
                                "<button type=\"submit\" id=\"key-approve-%zu\">%s</button>"
                                "</form><p>%s</p>",
                                n, T_("Approve"),
                                T_("From then on the witness accepts this key's checkpoints "
                                   "only; any other key is an alarm again."));
    }
    return rc;
}

static azk_status key_section(azk_buf *b, struct azk_serve_req *rq, const json_t *k, size_t n)
{
    char when[32];
    azk_buf t = AZK_BUF_INIT;
    azk_status rc = azk_buf_printf(b, "<section class=\"host\" id=\"key-%zu\"><h2>", n);
    if (rc == AZK_OK)
        rc = azk_serve__html(b, str(k, "host"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, " <small>");
    if (rc == AZK_OK)
        rc = azk_serve__html(b, str(k, "agent_id"));
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</small></h2><dl class=\"detail\">");
    if (rc == AZK_OK)
        rc = dd(b, T_("State"), state_word(str(k, "state")), false);
    if (rc == AZK_OK)
        rc = dd(b, T_("Alarm"), str(k, "alarm"), false);
    if (rc == AZK_OK)
        rc = dd(b, T_("Pinned key"), str(k, "pinned_key"), true);
    if (rc == AZK_OK)
        rc = dd(b, T_("Offered key"), str(k, "offered_key"), true);
    if (rc == AZK_OK)
        rc =
            azk_serve__html_time(&t, (int64_t)json_integer_value(json_object_get(k, "offered_at")));
    (void)snprintf(when, sizeof(when), "%s", t.data != NULL ? (const char *)t.data : "-");
    azk_buf_dispose(&t);
    if (rc == AZK_OK)
        rc = dd(b, T_("Offered at"), when, false);
    if (rc == AZK_OK)
        rc = dd(b, T_("Requested by"), str(k, "requested_by"), false);
    if (rc == AZK_OK)
        rc = dd(b, T_("Reason"), str(k, "reason"), false);
    if (rc == AZK_OK)
        rc = dd(b, T_("Approved by"), str(k, "approved_by"), false);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</dl>");
    if (rc == AZK_OK)
        rc = key_forms(b, rq, k, n);
    if (rc == AZK_OK)
        rc = azk_buf_puts(b, "</section>");
    return rc;
}

AZK_SERVE_UI_HANDLER(azk_serve__h_witness_keys_page)
{
    json_t *doc = NULL;
    const json_t *k;
    size_t i;
    azk_buf b = AZK_BUF_INIT;
    azk_status rc = azk_serve__witness_keys_view(srv, rq, &doc);
    if (rc == AZK_ERR_ARG)
        return azk_serve__bad_arg(rq, rs, false);
    if (rc != AZK_OK)
        return rc;
    rc = azk_serve__agents_subnav(&b);
    if (rc == AZK_OK)
        rc = azk_buf_printf(&b, "<p>%s</p>",
                            T_("A closed-zone host whose ledger key changed raises an alarm. "
                               "When the change is legitimate (the host was reinstalled, its key "
                               "rotated), an administrator requests that the new key be accepted "
                               "and another person approves it, both with their authenticator "
                               "code. The checkpoints kept so far stay kept."));
    json_array_foreach(json_object_get(doc, "items"), i, k)
    {
        if (rc != AZK_OK)
            break;
        rc = key_section(&b, rq, k, i);
    }
    if (rc == AZK_OK && json_array_size(json_object_get(doc, "items")) == 0)
        rc = azk_buf_printf(&b, "<p id=\"no-keys\">%s</p>",
                            T_("No host has offered another ledger key."));
    if (rc == AZK_OK)
        rc = azk_serve__html_next(&b, "/agents/witness/keys", doc);
    if (rc == AZK_OK)
        rc = azk_serve__page(rq, rs, T_("Ledger keys offered"), (const char *)b.data);
    json_decref(doc);
    azk_buf_dispose(&b);
    return rc;
}

AZK_SERVE_UI_HANDLER(azk_serve__h_witness_key_request_page)
{
    const char *id = azk_serve__form(rq, "agent_id"), *vkey = azk_serve__form(rq, "vkey");
    const char *why = azk_serve__form(rq, "reason");
    azk_status rc;
    if (id == NULL || vkey == NULL || why == NULL || why[0] == '\0' || strlen(why) > REASON_MAX)
        return azk_serve__result_page(rq, rs, 400, T_("Refused"),
                                      T_("A request needs the host, the key and a reason."),
                                      "/agents/witness/keys");
    if (!azk_serve__stepped_up(srv, rq, rs, "/agents/witness/keys", &rc))
        return rc;
    rc = azk_agent_witness_key_request(srv->h, id, vkey, why);
    return azk_serve__act_result(srv, rq, rs, rc,
                                 T_("Requested; another person must approve the new key."),
                                 "/agents/witness/keys");
}

AZK_SERVE_UI_HANDLER(azk_serve__h_witness_key_approve_page)
{
    const char *id = azk_serve__form(rq, "agent_id");
    azk_status rc;
    if (id == NULL || id[0] == '\0' || strlen(id) > AGENT_MAX)
        return azk_serve__result_page(rq, rs, 400, T_("Refused"), T_("Which host?"),
                                      "/agents/witness/keys");
    if (is_requester(srv, rq, id))
        return azk_serve__result_page(rq, rs, 403, T_("Refused"),
                                      T_("The person who asked cannot approve."),
                                      "/agents/witness/keys");
    if (!azk_serve__stepped_up(srv, rq, rs, "/agents/witness/keys", &rc))
        return rc;
    rc = azk_agent_witness_key_approve(srv->h, id);
    return azk_serve__act_result(
        srv, rq, rs, rc,
        T_("Accepted: the witness pins the new key; its next checkpoint starts a new history."),
        "/agents/witness/keys");
}
