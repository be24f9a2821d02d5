/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/serve_int.h -- azukari serve inside the library: the route table
 * and its authorisation rule (routes.c), the request and response a
 * handler sees (http.c), sessions and login (auth.c), the pages
 * (pages.c), the server's certificate (tls.c). Cross-module internal API
 * (azk_serve__*); tests/unit/serve uses it.
 */
#ifndef AZK_SERVE_INT_H
#define AZK_SERVE_INT_H

#include "azukari/serve.h"
#include "store/store.h"

/* Roles, as bits: a route lists the roles that may use it. */
enum {
    AZK_ROLE_ADMIN = 1u << 0,    /* administrator: people, grants, configuration */
    AZK_ROLE_OPERATOR = 1u << 1, /* handles entrusted data */
    AZK_ROLE_APPROVER = 1u << 2, /* internal control: approves */
    AZK_ROLE_AUDITOR = 1u << 3,  /* reads everything, changes nothing */
    AZK_ROLE_CLIENT = 1u << 4,   /* a bank's staff: only granted clients */
};
#define AZK_ROLES_ALL                                                                              \
    (AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR | AZK_ROLE_APPROVER | AZK_ROLE_AUDITOR | AZK_ROLE_CLIENT)
#define AZK_ROLES_STAFF (AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR | AZK_ROLE_APPROVER | AZK_ROLE_AUDITOR)

/* The role bit of a role name ("administrator", ...); 0 for anything else. */
unsigned azk_serve__role_bit(const char *name);
/* The name of a single role bit, or NULL. */
const char *azk_serve__role_name(unsigned bit);

/* Who makes a request: nobody (anonymous), or a user of a live session. */
struct azk_serve_principal {
    bool authenticated;
    char name[72];
    unsigned role; /* one AZK_ROLE_* bit; 0 = none (refused everywhere but public routes) */
    char csrf[72];
    char session_hash[72];
};

/* What a route needs. */
typedef enum {
    AZK_ACCESS_PUBLIC = 1, /* anyone, logged in or not (login, enrolment, CSS) */
    AZK_ACCESS_ROLES,      /* a live session whose role is in `roles` */
} azk_serve_access;

struct azk_serve_req;
struct azk_serve_resp;
typedef azk_status (*azk_serve_handler)(struct azk_server *srv, struct azk_serve_req *rq,
                                        struct azk_serve_resp *rs);

/*
 * One route. Every route states who may use it; there is no default that
 * lets a request through (deny by default): a route with access 0 or
 * access ROLES and roles 0 is refused for everyone, and
 * azk_serve__routes_check reports it. per_client: the page shows data of
 * clients, filtered for the client role by its grants
 * (azk_serve__may_see_client). changes_state: POST, and a CSRF token is
 * checked before the handler runs (public routes check their own).
 */
struct azk_serve_route {
    const char *method; /* "GET" or "POST" */
    const char *path;   /* exact path */
    azk_serve_access access;
    unsigned roles;
    bool changes_state;
    bool per_client;
    azk_serve_handler handler;
};

/* The request body a route accepts, in bytes: AZK_SERVE_BODY_MAX except the few listed in
 * routes.c (a vendor's monthly report with its certificates: AZK_SERVE_IMPORT_BODY_MAX; the
 * files of the vendor files block), whose session and role http.c checks from the headers
 * before any of the body is read. */
#define AZK_SERVE_BODY_MAX        16384
#define AZK_SERVE_IMPORT_BODY_MAX (4u * 1024u * 1024u)
/* The session cookie's name (auth.c). */
#define AZK_SERVE_SESSION_COOKIE "__Host-azk"
size_t azk_serve__route_body_max(const char *method, const char *path);

/* The route table, and its length. */
const struct azk_serve_route *azk_serve__routes(size_t *count);

/* The route for (method, path): NULL when none; *path_known = some route has the path. */
const struct azk_serve_route *azk_serve__route_find(const char *method, const char *path,
                                                    bool *path_known);

typedef enum {
    AZK_AUTHZ_ALLOW = 0,
    AZK_AUTHZ_LOGIN, /* not logged in: 401, or a redirect to the login page for GET */
    AZK_AUTHZ_DENY,  /* logged in, not allowed: 403 (a ledger entry) */
} azk_serve_authz;

/* The authorisation rule, for every request, from any address (127.0.0.1 included). */
azk_serve_authz azk_serve__authorize(const struct azk_serve_route *r,
                                     const struct azk_serve_principal *p);

/* Every route well formed (a method, a path starting with '/', a rule, a handler,
 * POST exactly when it changes state, no duplicate)? AZK_ERR_ARG names the first bad one. */
AZK_NODISCARD azk_status azk_serve__routes_check(void);

/*
 * May the principal see data of `client`? Staff roles: yes; the client
 * role: only a client granted to the user (store user_grants).
 */
AZK_NODISCARD azk_status azk_serve__may_see_client(azk_home *h, const struct azk_serve_principal *p,
                                                   const char *client, bool *yes);

/* ---- requests and responses (http.c) ---------------------------------- */

#define AZK_SERVE_MAX_FIELDS 16

struct azk_serve_req {
    const char *method, *path;
    char source[64]; /* peer address, for lockout and the ledger */
    struct azk_serve_principal who;
    const char *lang; /* "ja" or "en" */
    void *conn;       /* the MHD connection, for query values and cookies */
    /* an application/x-www-form-urlencoded body, decoded (POST) */
    char *form_names[AZK_SERVE_MAX_FIELDS];
    char *form_values[AZK_SERVE_MAX_FIELDS];
    size_t form_count;
    /* /api/v1 requests: JSON errors; a POST's application/json body, parsed (json_body.c) */
    bool api;
    struct json_t *json;
    /* a page's multipart/form-data body: its file (upload.c, azk_serve__upload_file) */
    const struct azk_serve_upload *upload;
};

struct azk_serve_resp {
    unsigned status;
    const char *content_type;
    azk_buf body;
    char location[512];
    char cookies[3][256]; /* Set-Cookie values */
    unsigned retry_after; /* seconds, for a Retry-After header (429, 503); 0 = none */
    char attachment[96];  /* a Content-Disposition header value (a download), or "" */
};

/* A query-string argument (borrowed), or NULL. */
const char *azk_serve__query(struct azk_serve_req *rq, const char *name);
/* A cookie (borrowed), or NULL. */
const char *azk_serve__cookie(struct azk_serve_req *rq, const char *name);
/* A form field (borrowed), or NULL; for an /api/v1 POST, the JSON body's string member. */
const char *azk_serve__form(const struct azk_serve_req *rq, const char *name);

/*
 * Decode an application/x-www-form-urlencoded body into rq's form fields
 * (at most AZK_SERVE_MAX_FIELDS; each name and value must be valid
 * UTF-8 without NUL after decoding). AZK_ERR_FORMAT for a malformed body.
 */
AZK_NODISCARD azk_status azk_serve__form_parse(struct azk_serve_req *rq, const char *body,
                                               size_t len);
void azk_serve__form_free(struct azk_serve_req *rq);

/* The security headers every response carries: name/value pairs, NULL-terminated. */
const char *const *azk_serve__security_headers(void);

/* Append s to b, HTML-escaped (& < > " '). */
AZK_NODISCARD azk_status azk_serve__html(azk_buf *b, const char *s);

/* ---- the server -------------------------------------------------------- */

struct azk_server {
    azk_home *h;
    void *daemon; /* struct MHD_Daemon */
    azk_serve_options opts;
    unsigned port;
    char *cert_pem, *key_pem;
    uint8_t form_key[32];        /* keys the pre-login CSRF token (shared through the catalog) */
    struct azk_serve_plat *plat; /* listener, reload, drain, limits (serve platform) */
};

/* ---- sessions and login (auth.c) --------------------------------------- */

/* Fill rq->who from the session cookie when the session is live; drop it when it expired. */
AZK_NODISCARD azk_status azk_serve__session_load(struct azk_server *srv, struct azk_serve_req *rq);
/* hex of the hash of a session id or token (cap 65) */
void azk_serve__token_hash(const char *token, char out[65]);
/* A fresh 256-bit random token, hex (cap 65). */
void azk_serve__token_new(char out[65]);
/* Constant-time comparison of two NUL-terminated strings. */
bool azk_serve__same(const char *a, const char *b);
/* A ledger entry of the server (outcome NULL = ok), with the source address in extra. */
AZK_NODISCARD azk_status azk_serve__ledger(struct azk_server *srv, const struct azk_serve_req *rq,
                                           const char *action, const char *object,
                                           const char *outcome, const char *why);
/* The one-time link for the first administrator, when there is none yet ("" otherwise). */
AZK_NODISCARD azk_status azk_serve__first_admin_link(struct azk_server *srv, char *url, size_t cap);
/* The pre-login CSRF token bound to the pre-session cookie value `pre` (cap 65). */
void azk_serve__pre_csrf(const struct azk_server *srv, const char *pre, char out[65]);

azk_status azk_serve__h_login_post(struct azk_server *srv, struct azk_serve_req *rq,
                                   struct azk_serve_resp *rs);
azk_status azk_serve__h_logout(struct azk_server *srv, struct azk_serve_req *rq,
                               struct azk_serve_resp *rs);
azk_status azk_serve__h_enrol_post(struct azk_server *srv, struct azk_serve_req *rq,
                                   struct azk_serve_resp *rs);

/* ---- pages (pages.c) --------------------------------------------------- */

azk_status azk_serve__h_root(struct azk_server *srv, struct azk_serve_req *rq,
                             struct azk_serve_resp *rs);
azk_status azk_serve__h_css(struct azk_server *srv, struct azk_serve_req *rq,
                            struct azk_serve_resp *rs);
azk_status azk_serve__h_lang(struct azk_server *srv, struct azk_serve_req *rq,
                             struct azk_serve_resp *rs);
azk_status azk_serve__h_login_get(struct azk_server *srv, struct azk_serve_req *rq,
                                  struct azk_serve_resp *rs);
azk_status azk_serve__h_enrol_get(struct azk_server *srv, struct azk_serve_req *rq,
                                  struct azk_serve_resp *rs);
azk_status azk_serve__h_dashboard(struct azk_server *srv, struct azk_serve_req *rq,
                                  struct azk_serve_resp *rs);
azk_status azk_serve__h_datasets(struct azk_server *srv, struct azk_serve_req *rq,
                                 struct azk_serve_resp *rs);
azk_status azk_serve__h_healthz(struct azk_server *srv, struct azk_serve_req *rq,
                                struct azk_serve_resp *rs);
/* A whole page: title, body already HTML; the layout with navigation for rq->who. */
AZK_NODISCARD azk_status azk_serve__page(struct azk_serve_req *rq, struct azk_serve_resp *rs,
                                         const char *title, const char *body_html);
/* An error page with status and a message (translated by the caller). */
AZK_NODISCARD azk_status azk_serve__error_page(struct azk_serve_req *rq, struct azk_serve_resp *rs,
                                               unsigned status, const char *msg);
/* Login page, with an error message (may be NULL). */
AZK_NODISCARD azk_status azk_serve__login_page(struct azk_server *srv, struct azk_serve_req *rq,
                                               struct azk_serve_resp *rs, unsigned status,
                                               const char *err);

/* ---- certificate (tls.c) ----------------------------------------------- */

/*
 * The server's certificate and key (PEM, NUL-terminated, caller frees):
 * from opts cert_file/key_file, else <home>/serve/server.pem and
 * server.key, made at first start with the server's own CA
 * (<home>/serve/ca.pem, ca.key; keys 0600).
 */
AZK_NODISCARD azk_status azk_serve__tls_material(azk_home *h, const azk_serve_options *o,
                                                 char **cert_pem, char **key_pem);

/* ---- JSON API (api.c) --------------------------------------------------- */

#include <jansson.h>

#define AZK_SERVE_PAGE_DEFAULT 100
#define AZK_SERVE_PAGE_MAX     1000

/*
 * Answer with a JSON document (stolen: decref'd here, NULL = out of
 * memory). Lists are {"items": [...], "next": "<cursor>"|null}: the next
 * page is asked with ?after=<cursor>&limit=N (azk_serve__page_args).
 */
AZK_NODISCARD azk_status azk_serve__json(struct azk_serve_resp *rs, unsigned status, json_t *doc);
/* The stable error object: {"error": {"code": "...", "message": "...", "status": N}}. */
AZK_NODISCARD azk_status azk_serve__api_error(struct azk_serve_resp *rs, unsigned status,
                                              const char *code, const char *message);
/* ?limit= (1..AZK_SERVE_PAGE_MAX, default AZK_SERVE_PAGE_DEFAULT) and ?after= (opaque
 * cursor, borrowed, NULL for the first page); AZK_ERR_ARG with a message when malformed. */
AZK_NODISCARD azk_status azk_serve__page_args(struct azk_serve_req *rq, size_t *limit,
                                              const char **after);
/* The pending argument error (a bad ?limit=, ?after=, filter...) as a 400: the API's error
 * object (api) or an error page. The message names the argument, never a value. */
AZK_NODISCARD azk_status azk_serve__bad_arg(struct azk_serve_req *rq, struct azk_serve_resp *rs,
                                            bool api);
/* The answer of an API view: rc AZK_ERR_ARG -> 400 (azk_serve__bad_arg), another error
 * returned, else doc sent with 200 (stolen). */
AZK_NODISCARD azk_status azk_serve__api_answer(struct azk_serve_req *rq, struct azk_serve_resp *rs,
                                               azk_status rc, json_t *doc);
/*
 * Step-up: the session's user types a TOTP code again before an approval
 * or a sensitive download. OK, or AZK_ERR_PERM (a code is good once; a
 * wrong one counts as an authentication failure). Ledger serve.stepup
 * either way.
 */
AZK_NODISCARD azk_status azk_serve__step_up(struct azk_server *srv, struct azk_serve_req *rq,
                                            const char *code);

/* ---- serve UI: pages, views (owned by the serveui work) ---------------- */

/*
 * Views (serve/view.c): each page of the UI builds its data once as a
 * jansson view in a view_* function; the page renders HTML from it, its
 * /api/v1 twin sends it with azk_serve__json. Lists are {"items": [...],
 * "next": cursor|null}, read one page at a time.
 */

/* A msgid marked for xgettext, translated (T_) where it is shown. */
#define N_(s) s

/* One column of a rendered table: the view's key, its heading (msgid), how to show it. */
struct azk_serve_col {
    const char *key;
    const char *label;
    unsigned flags;
};
#define AZK_COL_STATE   1u /* a state word: shown by its label in the page's language */
#define AZK_COL_DATASET 2u /* a dataset id: a link to its detail page */
#define AZK_COL_TIME    4u /* Unix seconds: shown as UTC date and time */

/* A state word (dataset, retention, request, guard item, user) in the page's language. */
const char *azk_serve__state_label(const char *state);

/* A list page: rows go into items; the row at index `limit` (one more than asked) only
 * tells that there is a next page, whose cursor is the key of the last row kept. */
struct azk_serve_list {
    json_t *items;
    const char *const *keys; /* column names of the store rows, in order */
    size_t nkeys;
    size_t key_col; /* column that is the cursor */
    size_t limit;
    bool more;
    char next[520];
    /* may the row be shown (client filter); NULL = every row */
    bool (*keep)(const char *const *cols, void *ctx);
    void *ctx;
};
/* Start a list of `limit` rows; keys borrowed. */
AZK_NODISCARD azk_status azk_serve__list_init(struct azk_serve_list *l, const char *const *keys,
                                              size_t nkeys, size_t key_col, size_t limit);
/* A store row callback (azk_store_row_cb) for a struct azk_serve_list payload. */
azk_status azk_serve__list_row(const char *const *cols, size_t n, void *payload);
/* {"items": ..., "next": ...}; the list's items are moved into it (NULL = out of memory). */
json_t *azk_serve__list_doc(struct azk_serve_list *l);
/* End a list view: when rc is AZK_OK, *out = azk_serve__list_doc (AZK_ERR_NOMEM when it cannot
 * be made); the list's items are released either way. Returns rc, or that error. */
AZK_NODISCARD azk_status azk_serve__list_finish(struct azk_serve_list *l, azk_status rc,
                                                json_t **out);

/* Render view array `items` as a table with columns cols (values escaped). */
AZK_NODISCARD azk_status azk_serve__html_table(azk_buf *b, const char *id,
                                               const struct azk_serve_col *cols, size_t ncols,
                                               const json_t *items);
/* Append s percent-encoded for a URL query value. */
AZK_NODISCARD azk_status azk_serve__url(azk_buf *b, const char *s);
/* A "next page" link to path?after=<next>&<extra> when doc has a next cursor. */
AZK_NODISCARD azk_status azk_serve__html_next(azk_buf *b, const char *path, const json_t *doc);
/* The hidden CSRF field and the step-up code field of a form. */
AZK_NODISCARD azk_status azk_serve__form_head(azk_buf *b, const struct azk_serve_req *rq,
                                              const char *action, bool step_up);
/* Refuse: ledger serve.deny with why, then a 403 page (api false) or API error (api true). */
AZK_NODISCARD azk_status azk_serve__deny(struct azk_server *srv, struct azk_serve_req *rq,
                                         struct azk_serve_resp *rs, bool api, const char *why);
/* A request that names a client (NULL: none) must be granted it (azk_serve__may_see_client);
 * if not, the refusal is answered as azk_serve__deny does and *answered is set. */
AZK_NODISCARD azk_status azk_serve__require_client(struct azk_server *srv, struct azk_serve_req *rq,
                                                   struct azk_serve_resp *rs, bool api,
                                                   const char *client, bool *answered);
/* Forget the TOTP authentication of a step-up once the act it allowed is done. */
void azk_serve__step_up_end(struct azk_server *srv);
/* A message page (status, a result or an error, and a link back). */
AZK_NODISCARD azk_status azk_serve__result_page(struct azk_serve_req *rq, struct azk_serve_resp *rs,
                                                unsigned status, const char *title, const char *msg,
                                                const char *back);
/* The error of a library call as an HTTP status: ARG 400, PERM 403, NOTFOUND 404, else 0. */
unsigned azk_serve__status_of(azk_status rc);

/* The dashboard's waiting work, certificates of the month and deadline chart (view_dashboard.c). */
AZK_NODISCARD azk_status azk_serve__dashboard_more(struct azk_server *srv, struct azk_serve_req *rq,
                                                   azk_buf *b);

/* Handlers (serve/pages_requests.c, pages_admin.c, pages_datasets.c). */
#define AZK_SERVE_UI_HANDLER(n)                                                                    \
    azk_status n(struct azk_server *srv, struct azk_serve_req *rq, struct azk_serve_resp *rs)
AZK_SERVE_UI_HANDLER(azk_serve__h_requests);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_requests);
AZK_SERVE_UI_HANDLER(azk_serve__h_request_new);
AZK_SERVE_UI_HANDLER(azk_serve__h_request_approve);
AZK_SERVE_UI_HANDLER(azk_serve__h_request_refuse);
AZK_SERVE_UI_HANDLER(azk_serve__h_guard);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_guard);
AZK_SERVE_UI_HANDLER(azk_serve__h_guard_request);
AZK_SERVE_UI_HANDLER(azk_serve__h_guard_approve);
AZK_SERVE_UI_HANDLER(azk_serve__h_users);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_users);
AZK_SERVE_UI_HANDLER(azk_serve__h_user_link);
AZK_SERVE_UI_HANDLER(azk_serve__h_user_approve);
AZK_SERVE_UI_HANDLER(azk_serve__h_user_role);
AZK_SERVE_UI_HANDLER(azk_serve__h_grant_add);
AZK_SERVE_UI_HANDLER(azk_serve__h_grant_remove);
AZK_SERVE_UI_HANDLER(azk_serve__h_sessions);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_sessions);
AZK_SERVE_UI_HANDLER(azk_serve__h_session_revoke);
AZK_SERVE_UI_HANDLER(azk_serve__h_dataset);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_dataset);
AZK_SERVE_UI_HANDLER(azk_serve__h_certificates);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_certificates);
AZK_SERVE_UI_HANDLER(azk_serve__h_certificate);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_certificate);
AZK_SERVE_UI_HANDLER(azk_serve__h_cert_css);
AZK_SERVE_UI_HANDLER(azk_serve__h_keys);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_keys);
AZK_SERVE_UI_HANDLER(azk_serve__h_audit);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_audit);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_checkpoints);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_bundle);
/* ---- end serve UI ------------------------------------------------------ */

/* ---- serve platform: API infrastructure, reload, limits ---------------- */

/* JSON bodies of /api/v1 POSTs (json_body.c): limits checked before and after parsing */
#define AZK_SERVE_JSON_MAX        16384 /* bytes (also the upload cap of an API request) */
#define AZK_SERVE_JSON_MAX_DEPTH  8
#define AZK_SERVE_JSON_MAX_ITEMS  256  /* object members and array elements, in all */
#define AZK_SERVE_JSON_MAX_KEY    128  /* bytes */
#define AZK_SERVE_JSON_MAX_STRING 4096 /* bytes */

/*
 * Parse an application/json body: an object within the limits above, no
 * duplicate key, valid UTF-8, no NUL. *out is the caller's (json_decref).
 * AZK_ERR_FORMAT (malformed, not an object) or AZK_ERR_LIMIT, with a
 * message naming the limit, never a value.
 */
AZK_NODISCARD azk_status azk_serve__json_body_parse(const char *body, size_t len,
                                                    struct json_t **out);
/* The same with a body of at most max bytes (> AZK_SERVE_JSON_MAX: strings as long too). */
AZK_NODISCARD azk_status azk_serve__json_body_parse_max(const char *body, size_t len, size_t max,
                                                        struct json_t **out);
/* A string member of the request's JSON body (borrowed), or NULL. */
const char *azk_serve__json_str(const struct azk_serve_req *rq, const char *name);

/* Pagination arguments from their text (NULL = absent): azk_serve__page_args without MHD. */
AZK_NODISCARD azk_status azk_serve__page_args_parse(const char *limit_text, const char *after_text,
                                                    size_t *limit, const char **after);

/* An error answer in the request's kind: the JSON error object for /api/v1, else a page. */
AZK_NODISCARD azk_status azk_serve__fail(struct azk_serve_req *rq, struct azk_serve_resp *rs,
                                         unsigned status, const char *code, const char *msg);

/* /api/v1 handlers of the platform (api_v1.c) */
azk_status azk_serve__h_api_me(struct azk_server *srv, struct azk_serve_req *rq,
                               struct azk_serve_resp *rs);
azk_status azk_serve__h_api_dashboard(struct azk_server *srv, struct azk_serve_req *rq,
                                      struct azk_serve_resp *rs);
azk_status azk_serve__h_api_datasets(struct azk_server *srv, struct azk_serve_req *rq,
                                     struct azk_serve_resp *rs);
azk_status azk_serve__h_api_logout(struct azk_server *srv, struct azk_serve_req *rq,
                                   struct azk_serve_resp *rs);

/*
 * Rate limits (ratelimit.c), counted in the catalog (table rate_limits) so
 * every process sharing it counts the same: per source address and, with a
 * session, per user, in fixed windows of 60 s. *retry_after = 0 when the
 * request may go on, else the seconds until the window ends.
 */
AZK_NODISCARD azk_status azk_serve__rate_check(struct azk_server *srv,
                                               const struct azk_serve_req *rq,
                                               unsigned *retry_after);

/* The pre-login CSRF key, shared by every process of the catalog (ratelimit.c). */
AZK_NODISCARD azk_status azk_serve__form_key_load(struct azk_server *srv);

/*
 * The listener (listen.c). One TLS daemon at a time answers new
 * connections; a reload starts a new "generation" on the same listening
 * socket and lets the old one finish its requests. Each connection has its
 * own thread (a slow client holds only its own); handlers run one at a
 * time under `lock` (the home handle is not thread-safe).
 */
#include <pthread.h>
#include <sys/socket.h>
struct azk_serve_gen {
    struct azk_server *srv;
    void *daemon;       /* struct MHD_Daemon */
    unsigned in_flight; /* requests begun and not completed (plat->mu) */
    char *cert_pem, *key_pem;
};
/*
 * The certificate reload's hand-over of the listening socket (handover.c), one function
 * for the web UI's generations (struct azk_serve_gen) and the agents' (agents_listen.c):
 * what it needs of a generation.
 */
struct azk_serve_gen_ops {
    void **(*daemon)(void *gen);       /* where the generation's MHD daemon is */
    void *(*start)(void *gen, int fd); /* a daemon on the listening socket fd, or NULL */
    void *(*again)(void *old);         /* a generation with old's certificate (taken) */
    void (*drain)(void *gen);          /* wait for its requests (bounded) */
    void (*dispose)(void *gen);        /* free it (its daemon stopped already; NULL-safe) */
};
/* Quiesce old's daemon, start g's on its socket and make g current (*cur); if g's daemon
 * cannot start, one with old's certificate (else *cur = NULL: the listener is lost). The
 * old generation drains, stops and is freed. g is the caller's to free unless AZK_OK.
 * `who` names the listener in messages. */
AZK_NODISCARD azk_status azk_serve__handover(const struct azk_serve_gen_ops *ops, void *old,
                                             void *g, void **cur, const char *who);
struct azk_serve_plat {
    pthread_mutex_t lock; /* handlers: one at a time */
    pthread_mutex_t mu;   /* in_flight counters */
    pthread_cond_t idle;  /* signalled when a generation's in_flight drops */
    struct azk_serve_gen *gen;
    struct sockaddr_storage sa;
    void *redirect; /* plain-HTTP daemon that only redirects, or NULL */
    unsigned max_connections, max_per_source;
    char bind_text[64];      /* the address as given, for messages */
    azk_serve_options given; /* the caller's options (a reload reads azukari.conf again) */
};
/* Count a request in (+1) or out (-1) of its generation. */
void azk_serve__inflight(struct azk_serve_gen *g, int delta);
/* Start the TLS daemon of a generation: on listen_fd (a reload) or on plat->sa (-1). NULL on
 * failure. (http.c) */
void *azk_serve__mhd_start(struct azk_serve_gen *g, int listen_fd, const char *cert_pem,
                           const char *key_pem);
/* Read the "serve" section of <home>/azukari.conf into the options it leaves unset (config.c). */
AZK_NODISCARD azk_status azk_serve__config_read(azk_home *h, azk_serve_options *o,
                                                const azk_serve_options *given);

/* Is this status a catalog that cannot be reached (answer 503, not 500)? */
bool azk_serve__db_unavailable(struct azk_server *srv, azk_status rc);

/*
 * The dashboard's summary (view_dash_summary.c): the datasets held and past their deadline
 * (one aggregate over the principal's clients; overdue said loudly, id "overdue"), then the
 * AZK_SERVE_DASH_CLIENTS clients needing attention most (overdue, then held) linked to their
 * paged dataset lists, and how many more. Bounded however many datasets there are.
 */
#define AZK_SERVE_DASH_CLIENTS 20

/*
 * The sliding-window estimate of a rate limit (ratelimit.c): `prev` requests in the previous
 * window, `cur` in this one (this request included), `elapsed` seconds into it (0..window-1).
 * 0 when prev * (window - elapsed) / window + cur <= limit; else the seconds to wait
 * (Retry-After, 1 .. 2 * window).
 */
unsigned azk_serve__rate_wait(int64_t prev, int64_t cur, int64_t limit, int64_t elapsed,
                              int64_t window);
AZK_NODISCARD azk_status azk_serve__dashboard_summary(struct azk_server *srv,
                                                      struct azk_serve_req *rq, azk_buf *b,
                                                      const char *today);
/* Does GnuTLS take this certificate chain and key as a pair? (listen.c; reloads check first) */
azk_status azk_serve__tls_check(const char *cert_pem, const char *key_pem);
/* ---- end serve platform ------------------------------------------------ */

/* ---- agents (issue 14) -------------------------------------------------- */
/* serve/agents_api.c; the agent API itself is on its own listener (agents_http.c) */
azk_status azk_serve__h_agents_list(struct azk_server *srv, struct azk_serve_req *rq,
                                    struct azk_serve_resp *rs);
azk_status azk_serve__h_agents_findings(struct azk_server *srv, struct azk_serve_req *rq,
                                        struct azk_serve_resp *rs);
azk_status azk_serve__h_agents_token(struct azk_server *srv, struct azk_serve_req *rq,
                                     struct azk_serve_resp *rs);
azk_status azk_serve__h_agents_revoke(struct azk_server *srv, struct azk_serve_req *rq,
                                      struct azk_serve_resp *rs);
azk_status azk_serve__h_agents_cases(struct azk_server *srv, struct azk_serve_req *rq,
                                     struct azk_serve_resp *rs);
azk_status azk_serve__h_agents_case_request(struct azk_server *srv, struct azk_serve_req *rq,
                                            struct azk_serve_resp *rs);
azk_status azk_serve__h_agents_case_approve(struct azk_server *srv, struct azk_serve_req *rq,
                                            struct azk_serve_resp *rs);
azk_status azk_serve__h_agents_witness(struct azk_server *srv, struct azk_serve_req *rq,
                                       struct azk_serve_resp *rs);
/* serve/agents_cz_api.c: what closed-zone hosts report */
azk_status azk_serve__h_agents_cz_datasets(struct azk_server *srv, struct azk_serve_req *rq,
                                           struct azk_serve_resp *rs);
azk_status azk_serve__h_agents_cz_guard(struct azk_server *srv, struct azk_serve_req *rq,
                                        struct azk_serve_resp *rs);
/* ---- end agents --------------------------------------------------------- */

/* ---- supervision: monthly report pages (issue 15) ----------------------- */
/* A library's printable page with its inline <style> replaced by a link to `href` (CSP), and
 * that style alone as a style sheet (pages_sup.c). */
AZK_NODISCARD azk_status azk_serve__lib_page(struct azk_serve_resp *rs, const char *html,
                                             const char *href);
AZK_NODISCARD azk_status azk_serve__lib_css(struct azk_serve_resp *rs, const char *html);
/* pages_sup.c: kept monthly reports; sup_control.c: training, internal control */
AZK_SERVE_UI_HANDLER(azk_serve__h_reports);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_reports);
AZK_SERVE_UI_HANDLER(azk_serve__h_report);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_report);
AZK_SERVE_UI_HANDLER(azk_serve__h_report_css);
AZK_SERVE_UI_HANDLER(azk_serve__h_report_generate);
AZK_SERVE_UI_HANDLER(azk_serve__h_training);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_training);
AZK_SERVE_UI_HANDLER(azk_serve__h_control);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_control);
/* ---- end supervision ---------------------------------------------------- */

/* ---- incidents: impact runs and PPC drafts (issue 13) ------------------- */
/* serve/pages_incidents.c: the list, an incident's page and drafts, the state change */
AZK_SERVE_UI_HANDLER(azk_serve__h_incidents);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_incidents);
AZK_SERVE_UI_HANDLER(azk_serve__h_incident);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_incident);
AZK_SERVE_UI_HANDLER(azk_serve__h_incident_state);
/* Incidents not closed that the principal may see (a client: its granted clients'). */
AZK_NODISCARD azk_status azk_serve__incidents_open(struct azk_server *srv,
                                                   const struct azk_serve_req *rq, int64_t *n);
/* The dashboard's line: open incidents, a link to them. */
AZK_NODISCARD azk_status azk_serve__incidents_line(struct azk_server *srv, struct azk_serve_req *rq,
                                                   azk_buf *b);
/* serve/pages_incident_print.c: the page's style sheet, the drafts' Markdown as HTML */
AZK_SERVE_UI_HANDLER(azk_serve__h_incident_css);
/* A draft's Markdown (the forms report.c writes) as HTML into b, every text escaped. */
AZK_NODISCARD azk_status azk_serve__incident_md_html(azk_buf *b, const char *md);
/* serve/view_incident_bases.c: what the records rest on (schema 8; strict first) */
/* The incident list's keys, one per column of azk_store__incidents_page (14). */
extern const char *const azk_serve__incident_list_keys[];
/* A list row's strict, name_birth, household (integers) and *_expected_false (reals). */
AZK_NODISCARD azk_status azk_serve__incident_bases_list(json_t *item);
/* An incident's sums over its datasets[] shown (null when recorded before schema 8). */
AZK_NODISCARD azk_status azk_serve__incident_bases_sum(json_t *doc);
bool azk_serve__incident_bases_known(const json_t *o);
/* Four table cells / heads: strict, name + birth date only, household only, total. */
AZK_NODISCARD azk_status azk_serve__incident_bases_cells(azk_buf *b, const json_t *o);
AZK_NODISCARD azk_status azk_serve__incident_bases_heads(azk_buf *b);
/* An incident page's <dt>/<dd> items: the same, strict first, total last. */
AZK_NODISCARD azk_status azk_serve__incident_bases_dl(azk_buf *b, const json_t *doc);
/* ---- end incidents ------------------------------------------------------ */

/* ---- agents pages (issues 13, 14) --------------------------------------- */
/*
 * Views of the agents (serve/agents_api.c): built once, sent as JSON by the
 * /api/v1/agents* routes and rendered as HTML by serve/agents_pages.c and
 * agents_cases_pages.c. Paths of files are in them only for the roles that
 * may see them (azk_serve__agents_may_see_path).
 */
#define AZK_SERVE_WITNESS_RECENT 20 /* checkpoints per host in the witness view */
AZK_NODISCARD azk_status azk_serve__agents_view(struct azk_server *srv, struct azk_serve_req *rq,
                                                json_t **out);
AZK_NODISCARD azk_status azk_serve__agents_findings_view(struct azk_server *srv,
                                                         struct azk_serve_req *rq, json_t **out);
AZK_NODISCARD azk_status azk_serve__agents_cases_view(struct azk_server *srv,
                                                      struct azk_serve_req *rq, json_t **out);
/* One case with its steps; AZK_ERR_NOTFOUND when there is none. */
AZK_NODISCARD azk_status azk_serve__agents_case_view(struct azk_server *srv,
                                                     struct azk_serve_req *rq, const char *id,
                                                     json_t **out);
AZK_NODISCARD azk_status azk_serve__agents_witness_view(struct azk_server *srv,
                                                        struct azk_serve_req *rq, json_t **out);
/* The case acts of the signed-in user, with their ledger entries: ask for an action
 * (quarantine, release, destroy) and agree to it (the caller did the step-up; the
 * requester may not agree: AZK_ERR_PERM). */
AZK_NODISCARD azk_status azk_serve__agents_case_ask(struct azk_server *srv,
                                                    const struct azk_serve_req *rq, const char *id,
                                                    const char *action, const char *why);
AZK_NODISCARD azk_status azk_serve__agents_case_agree(struct azk_server *srv,
                                                      const struct azk_serve_req *rq,
                                                      const char *id);
/*
 * May this role see the path of a file an agent found? A path can be a
 * personal value (a file name), so only the two people who act on the file
 * see it: operators (who ask) and approvers (who agree). Administrators and
 * auditors see the host, the case, the counts and masked examples, not the
 * path (docs/agent.md).
 */
bool azk_serve__agents_may_see_path(unsigned role);
/* Blank the "path" of every item (to "") unless rq's role may see paths. */
AZK_NODISCARD azk_status azk_serve__agents_hide_paths(const struct azk_serve_req *rq,
                                                      json_t *items);
/* Unix seconds as "YYYY-MM-DD HH:MM UTC" ("-" for 0) (serve/agents_pages.c). */
AZK_NODISCARD azk_status azk_serve__html_time(azk_buf *b, int64_t secs);
/* Agent and case states, zones and case steps in the page's language (unknown: as is). */
const char *azk_serve__agents_word(const char *s);
/* The links between the agents' pages; a path cell (or "not shown to your role"). */
AZK_NODISCARD azk_status azk_serve__agents_subnav(azk_buf *b);
AZK_NODISCARD azk_status azk_serve__agents_path_cell(azk_buf *b, const json_t *item);
/* The dashboard's lines about agents (staff): open cases, witness alarms (loud). */
AZK_NODISCARD azk_status azk_serve__agents_dashboard(struct azk_server *srv,
                                                     const struct azk_serve_req *rq, azk_buf *b);
/* serve/pages_requests.c's step-up of a form (false: refused, the answer made) and the
 * result page of a library act (4xx page for a refusal, else rc up). */
bool azk_serve__stepped_up(struct azk_server *srv, struct azk_serve_req *rq,
                           struct azk_serve_resp *rs, const char *back, azk_status *rc);
AZK_NODISCARD azk_status azk_serve__act_result(struct azk_server *srv, struct azk_serve_req *rq,
                                               struct azk_serve_resp *rs, azk_status rc,
                                               const char *done, const char *back);
AZK_SERVE_UI_HANDLER(azk_serve__h_agents_page);
AZK_SERVE_UI_HANDLER(azk_serve__h_agents_token_page);
AZK_SERVE_UI_HANDLER(azk_serve__h_agents_revoke_page);
AZK_SERVE_UI_HANDLER(azk_serve__h_agents_findings_page);
AZK_SERVE_UI_HANDLER(azk_serve__h_agents_witness_page);
AZK_SERVE_UI_HANDLER(azk_serve__h_agents_cases_page);
AZK_SERVE_UI_HANDLER(azk_serve__h_agents_case_page);
AZK_SERVE_UI_HANDLER(azk_serve__h_agents_case_request_page);
AZK_SERVE_UI_HANDLER(azk_serve__h_agents_case_approve_page);
/* ---- end agents pages --------------------------------------------------- */

/* ---- vendor management pages (issue 15) --------------------------------- */
/* pages_vendor.c */
AZK_SERVE_UI_HANDLER(azk_serve__h_vendors);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_vendors);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_vendor);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_css);
AZK_SERVE_UI_HANDLER(azk_serve__h_vreports);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_vreports);
AZK_SERVE_UI_HANDLER(azk_serve__h_vreport_import);
/* pages_vendor_forms.c: what a bank's staff change (administrators, operators) */
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_edit);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_add);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_clause);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_audit);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_finding);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_finding_update);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_doc);
/* The register-a-vendor form for /vendors (nothing for a role that cannot write). */
AZK_NODISCARD azk_status azk_serve__vendor_add_form(azk_buf *b, const struct azk_serve_req *rq);
/* ---- end vendor management ---------------------------------------------- */

/* ---- vendor register in serve (issue 15) -------------------------------- */
/* pages_vendor_register.c: a vendor's fields, locations, sub-contractors, keys (step-up),
 * risk rating and audit schedules (administrators, operators) */
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_register);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_set);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_contract);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_locations);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_sub_add);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_sub_remove);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_key);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_key_retire);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_rate);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_schedule);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_unschedule);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_audit_plan);
AZK_SERVE_UI_HANDLER(azk_serve__h_vendor_audit_unplan);
/* pages_vendor_forms.c's helpers, shared by both files of vendor forms: the library's verdict
 * as the answer (page: back to `page` + the vendor id; API: 201 or the error), a non-empty
 * field, the "required field missing" 400, and the pieces of a form */
AZK_NODISCARD azk_status azk_serve__vendor_answer(struct azk_serve_req *rq,
                                                  struct azk_serve_resp *rs, const char *page,
                                                  const char *vendor, azk_status rc,
                                                  const char *what, const char *new_id);
const char *azk_serve__vendor_field(const struct azk_serve_req *rq, const char *name);
AZK_NODISCARD azk_status azk_serve__vendor_missing(struct azk_serve_req *rq,
                                                   struct azk_serve_resp *rs);
AZK_NODISCARD azk_status azk_serve__vendor_choice(azk_buf *b, const char *label, const char *name,
                                                  const char *const *opts);
AZK_NODISCARD azk_status azk_serve__vendor_input(azk_buf *b, const char *label, const char *name,
                                                 const char *type, bool required);
AZK_NODISCARD azk_status azk_serve__vendor_form(azk_buf *b, const struct azk_serve_req *rq,
                                                const char *title, const char *action,
                                                const char *id);
AZK_NODISCARD azk_status azk_serve__vendor_submit(azk_buf *b, const char *button);
/* The vendors list's loud column: the next audit due and whether one is overdue (vendor view
 * object of azk_vendor_view LIST): "overdue" / "due" / NULL, *next the earliest next due. */
const char *azk_serve__vendor_audit_state(const json_t *v, const char **next);
/* Its cell for a row of the list ({"audit", "next_audit"}): overdue in red, "期限超過". */
AZK_NODISCARD azk_status azk_serve__vendor_audit_cell(azk_buf *b, const json_t *row);
/* ---- end vendor register in serve --------------------------------------- */

/* ---- vendor files and questionnaires (issue 15) ------------------------- */
/*
 * File uploads (upload.c). A route listed in routes.c's big_bodies is checked when its
 * headers arrive (http.c: session, role, /api/v1's X-CSRF-Token, Content-Length; a refusal
 * is answered before the body is read). A page's multipart/form-data body streams through
 * MHD's post processor: no byte of the file is kept before the form's csrf field (first in
 * the form) matched the session's; one file per request, up to the route's limit (413).
 */
struct azk_serve_upload;
#define AZK_SERVE_TEMPLATE_BODY_MAX (1024u * 1024u)       /* a questionnaire template */
#define AZK_SERVE_ANSWERS_BODY_MAX  (16u * 1024u * 1024u) /* signed answers with evidence */
#define AZK_SERVE_DOC_BODY_MAX      (16u * 1024u * 1024u) /* a certification, a document */
/* A body past its route's limit is read and dropped (the answer comes as a page) up to twice
 * that limit, at least AZK_SERVE_DRAIN_MIN; past that the connection is closed. */
#define AZK_SERVE_DRAIN_MIN (1024u * 1024u)
/* How much of a body over body_max is read before the connection is closed: twice body_max,
 * at least AZK_SERVE_DRAIN_MIN (framing.c; both listeners). */
uint64_t azk_serve__drain_max(size_t body_max);
/* The body framing of a request whose headers came (framing.c): NULL when unambiguous, else
 * why not (Content-Length with Transfer-Encoding, a Transfer-Encoding but chunked, two
 * different Content-Lengths): the request is answered 400 before any handler runs. */
struct MHD_Connection;
const char *azk_serve__framing_bad(struct MHD_Connection *c);
/* The bytes of large bodies held by all connections together; over it: 503 (http.c). */
#define AZK_SERVE_UPLOADS_HELD_MAX (64u * 1024u * 1024u)
/* A body still arriving connection_timeout_s after its headers must average this many bytes
 * a second (Apache mod_reqtimeout's MinRate), else its connection is closed (http.c). */
#define AZK_SERVE_BODY_MIN_RATE 1024
struct azk_serve_upload *azk_serve__upload_new(void *conn, size_t max);
/* The session's CSRF token the form must carry before its file (set once the headers passed). */
void azk_serve__upload_expect(struct azk_serve_upload *u, const char *csrf);
/* More of the body: false once it is refused (what it held is dropped; the rest too). */
bool azk_serve__upload_feed(struct azk_serve_upload *u, const char *data, size_t size);
void azk_serve__upload_free(struct azk_serve_upload *u);
/* The body has come: the small fields become rq's form, the file rq->upload; or an answer
 * (400 malformed, 413 too large) and *ok false. A file that came before a right CSRF field:
 * *ok with no field at all, so that http.c's CSRF check refuses the form (403, ledger). */
AZK_NODISCARD azk_status azk_serve__upload_finish(struct azk_serve_upload *u,
                                                  struct azk_serve_req *rq,
                                                  struct azk_serve_resp *rs, bool *ok);
/* The uploaded file of form field `field` (NULL when none or empty). */
const uint8_t *azk_serve__upload_file(const struct azk_serve_req *rq, const char *field,
                                      size_t *len);
/* The file of `field`, else the form's (or /api/v1 JSON body's) text of that name: false
 * when neither is there or it is empty. */
bool azk_serve__upload_text(const struct azk_serve_req *rq, const char *field, const uint8_t **data,
                            size_t *len);
/* <form ... enctype="multipart/form-data"> with the CSRF field first. */
AZK_NODISCARD azk_status azk_serve__upload_form_head(azk_buf *b, const struct azk_serve_req *rq,
                                                     const char *action);
/* An upload as a private file for the library's path-taking functions (<home>/serve/
 * upload-XXXXXX/upload, 0600, never the sender's name); _done removes it. */
/* pages_vendor_quest.c: templates, questionnaires sent and received, reviews, kept files */
AZK_SERVE_UI_HANDLER(azk_serve__h_vquest);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_vquest);
AZK_SERVE_UI_HANDLER(azk_serve__h_vquest_template);
AZK_SERVE_UI_HANDLER(azk_serve__h_vquest_send);
AZK_SERVE_UI_HANDLER(azk_serve__h_vquest_receive);
AZK_SERVE_UI_HANDLER(azk_serve__h_vquest_review);
AZK_NODISCARD azk_status azk_serve__upload_tmp(struct azk_server *srv, const uint8_t *data,
                                               size_t len, azk_buf *path);
void azk_serve__upload_tmp_done(azk_buf *path);
/* At start: upload directories older than an hour (a killed server's) removed. */
void azk_serve__upload_sweep(struct azk_server *srv);
/* ---- end vendor files and questionnaires -------------------------------- */

/* ---- dashboard summary (issue 13) --------------------------------------- */
/* serve/view_dash_summary.c: the agents' cases of entrusted records outside the closed zone
 * by state (staff only; nothing for a client user): a section of the dashboard page, and
 * the same counts as a JSON object for /api/v1/dashboard (*out NULL for a client user). */
AZK_NODISCARD azk_status azk_serve__dashboard_findings(struct azk_server *srv,
                                                       const struct azk_serve_req *rq, azk_buf *b);
AZK_NODISCARD azk_status azk_serve__dashboard_findings_json(struct azk_server *srv,
                                                            const struct azk_serve_req *rq,
                                                            json_t **out);
/* serve/view_grants.c: a user's grants, paged; the user list shows the first
 * AZK_SERVE_USER_GRANTS of each user's ("grants") and the cursor of the rest ("grants_next",
 * null when none: /api/v1/user/grants?name=&after= lists them). */
#define AZK_SERVE_USER_GRANTS 20
azk_status azk_serve__h_user_grants(struct azk_server *srv, struct azk_serve_req *rq,
                                    struct azk_serve_resp *rs);
azk_status azk_serve__h_api_user_grants(struct azk_server *srv, struct azk_serve_req *rq,
                                        struct azk_serve_resp *rs);
AZK_NODISCARD azk_status azk_serve__user_grants_head(struct azk_server *srv, json_t *user);
/* ---- end dashboard summary ---------------------------------------------- */

/* ---- agent sweep and witness (issue 14) --------------------------------- */
/* The witness saw another key for agent_id: kept as an offer when note verifies under it
 * (serve/agents_witness.c). */
AZK_NODISCARD azk_status azk_serve__witness_key_offered(azk_home *h, const char *agent_id,
                                                        const char *vkey, const char *note,
                                                        int64_t now);
/* The offered keys as a view {"items", "next"} (page and API). */
AZK_NODISCARD azk_status azk_serve__witness_keys_view(struct azk_server *srv,
                                                      struct azk_serve_req *rq, json_t **out);
AZK_SERVE_UI_HANDLER(azk_serve__h_witness_keys);
AZK_SERVE_UI_HANDLER(azk_serve__h_witness_key_request);
AZK_SERVE_UI_HANDLER(azk_serve__h_witness_key_approve);
AZK_SERVE_UI_HANDLER(azk_serve__h_witness_keys_page);
AZK_SERVE_UI_HANDLER(azk_serve__h_witness_key_request_page);
AZK_SERVE_UI_HANDLER(azk_serve__h_witness_key_approve_page);
/* ---- end agent sweep and witness ---------------------------------------- */

/* ---- impact jobs (issue 13): serve/pages_impact_jobs.c ----------------- */
AZK_SERVE_UI_HANDLER(azk_serve__h_impact_jobs);
AZK_SERVE_UI_HANDLER(azk_serve__h_api_impact_jobs);
AZK_SERVE_UI_HANDLER(azk_serve__h_impact_job_request);
AZK_SERVE_UI_HANDLER(azk_serve__h_impact_job_approve);
AZK_SERVE_UI_HANDLER(azk_serve__h_impact_job_refuse);
/* ---- end impact jobs ---------------------------------------------------- */

#define T_(s) dgettext("azukari", s)
#include <libintl.h>

#endif
