/* SPDX-License-Identifier: Apache-2.0 */
/*
 * serve/routes.c -- the route table of azukari serve and the one
 * authorisation rule every request goes through (deny by default). Each
 * route states its method, path, who may use it and whether it changes
 * state; tests/unit/serve walks every route with every role and with no
 * session, and fails when a route is added without its expected answer.
 * The rule does not look at the peer address: a request from 127.0.0.1
 * is checked like any other.
 */
#include "serve/serve_int.h"
#include "store/serve.h"

#include <string.h>

static const struct azk_serve_route routes[] = {
    /* method, path, access, roles, changes_state, per_client, handler */
    {"GET", "/", AZK_ACCESS_PUBLIC, 0, false, false, azk_serve__h_root},
    {"GET", "/healthz", AZK_ACCESS_PUBLIC, 0, false, false, azk_serve__h_healthz},
    {"GET", "/static/azukari.css", AZK_ACCESS_PUBLIC, 0, false, false, azk_serve__h_css},
    {"GET", "/lang", AZK_ACCESS_PUBLIC, 0, false, false, azk_serve__h_lang},
    {"GET", "/login", AZK_ACCESS_PUBLIC, 0, false, false, azk_serve__h_login_get},
    {"POST", "/login", AZK_ACCESS_PUBLIC, 0, true, false, azk_serve__h_login_post},
    {"GET", "/enrol", AZK_ACCESS_PUBLIC, 0, false, false, azk_serve__h_enrol_get},
    {"POST", "/enrol", AZK_ACCESS_PUBLIC, 0, true, false, azk_serve__h_enrol_post},
    {"POST", "/logout", AZK_ACCESS_ROLES, AZK_ROLES_ALL, true, false, azk_serve__h_logout},
    {"GET", "/dashboard", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true, azk_serve__h_dashboard},
    {"GET", "/datasets", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true, azk_serve__h_datasets},

    /* ---- serve UI: pages and their /api/v1 twins ---- */
    {"GET", "/requests", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false, azk_serve__h_requests},
    {"GET", "/api/v1/requests", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_api_requests},
    {"POST", "/requests/new", AZK_ACCESS_ROLES, AZK_ROLE_OPERATOR, true, false,
     azk_serve__h_request_new},
    {"POST", "/requests/approve", AZK_ACCESS_ROLES, AZK_ROLE_APPROVER, true, false,
     azk_serve__h_request_approve},
    {"POST", "/requests/refuse", AZK_ACCESS_ROLES, AZK_ROLE_APPROVER, true, false,
     azk_serve__h_request_refuse},
    {"GET", "/guard", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false, azk_serve__h_guard},
    {"GET", "/api/v1/guard/items", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_api_guard},
    {"POST", "/guard/request", AZK_ACCESS_ROLES, AZK_ROLE_OPERATOR, true, false,
     azk_serve__h_guard_request},
    {"POST", "/guard/approve", AZK_ACCESS_ROLES, AZK_ROLE_APPROVER, true, false,
     azk_serve__h_guard_approve},
    {"GET", "/admin/users", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false, azk_serve__h_users},
    {"GET", "/api/v1/users", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_api_users},
    {"POST", "/admin/users/link", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN, true, false,
     azk_serve__h_user_link},
    {"POST", "/admin/users/approve", AZK_ACCESS_ROLES,
     AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR | AZK_ROLE_APPROVER, true, false,
     azk_serve__h_user_approve},
    {"POST", "/admin/users/role", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN, true, false,
     azk_serve__h_user_role},
    {"POST", "/admin/grants/add", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN, true, false,
     azk_serve__h_grant_add},
    {"POST", "/admin/grants/remove", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN, true, false,
     azk_serve__h_grant_remove},
    {"GET", "/admin/sessions", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_AUDITOR, false, false,
     azk_serve__h_sessions},
    {"GET", "/api/v1/sessions", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_AUDITOR, false, false,
     azk_serve__h_api_sessions},
    {"POST", "/admin/sessions/revoke", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN, true, false,
     azk_serve__h_session_revoke},
    {"GET", "/dataset", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true, azk_serve__h_dataset},
    {"GET", "/api/v1/dataset", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true,
     azk_serve__h_api_dataset},
    {"GET", "/certificates", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true,
     azk_serve__h_certificates},
    {"GET", "/api/v1/certificates", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true,
     azk_serve__h_api_certificates},
    {"GET", "/certificate", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true, azk_serve__h_certificate},
    {"GET", "/api/v1/certificate", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true,
     azk_serve__h_api_certificate},
    {"GET", "/static/certificate.css", AZK_ACCESS_PUBLIC, 0, false, false, azk_serve__h_cert_css},
    {"GET", "/keys", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, false, azk_serve__h_keys},
    {"GET", "/api/v1/keys", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, false, azk_serve__h_api_keys},
    {"GET", "/audit", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false, azk_serve__h_audit},
    {"GET", "/api/v1/audit/entries", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_api_audit},
    {"GET", "/api/v1/audit/checkpoints", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, false,
     azk_serve__h_api_checkpoints},
    {"GET", "/api/v1/audit/bundle", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_api_bundle},
    /* ---- end serve UI ---- */

    /* ---- serve platform: /api/v1 infrastructure ---- */
    {"GET", "/api/v1/me", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, false, azk_serve__h_api_me},
    {"GET", "/api/v1/dashboard", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true,
     azk_serve__h_api_dashboard},
    {"GET", "/api/v1/datasets", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true,
     azk_serve__h_api_datasets},
    {"POST", "/api/v1/logout", AZK_ACCESS_ROLES, AZK_ROLES_ALL, true, false,
     azk_serve__h_api_logout},
    /* ---- end serve platform ---- */

    /* ---- agents: /api/v1/agents, cases, quarantine ---- */
    {"GET", "/api/v1/agents", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_agents_list},
    {"GET", "/api/v1/agents/findings", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_agents_findings},
    {"POST", "/api/v1/agents/tokens", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN, true, false,
     azk_serve__h_agents_token},
    {"POST", "/api/v1/agents/revoke", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN, true, false,
     azk_serve__h_agents_revoke},
    {"GET", "/api/v1/agents/cases", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_agents_cases},
    {"POST", "/api/v1/agents/cases/request", AZK_ACCESS_ROLES, AZK_ROLE_OPERATOR, true, false,
     azk_serve__h_agents_case_request},
    {"POST", "/api/v1/agents/cases/approve", AZK_ACCESS_ROLES, AZK_ROLE_APPROVER, true, false,
     azk_serve__h_agents_case_approve},
    {"GET", "/api/v1/agents/witness", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_agents_witness},
    {"GET", "/api/v1/agents/closed-zone/datasets", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true,
     azk_serve__h_agents_cz_datasets},
    {"GET", "/api/v1/agents/closed-zone/guard", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_agents_cz_guard},
    /* ---- end agents ---- */

    /* ---- supervision: monthly reports, training, internal control ---- */
    {"GET", "/reports", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true, azk_serve__h_reports},
    {"GET", "/api/v1/reports", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true,
     azk_serve__h_api_reports},
    {"GET", "/report", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true, azk_serve__h_report},
    {"GET", "/api/v1/report", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true,
     azk_serve__h_api_report},
    {"GET", "/static/report.css", AZK_ACCESS_PUBLIC, 0, false, false, azk_serve__h_report_css},
    {"POST", "/reports/generate", AZK_ACCESS_ROLES, AZK_ROLE_OPERATOR | AZK_ROLE_APPROVER, true,
     false, azk_serve__h_report_generate},
    {"POST", "/api/v1/reports/generate", AZK_ACCESS_ROLES, AZK_ROLE_OPERATOR | AZK_ROLE_APPROVER,
     true, false, azk_serve__h_report_generate},
    {"GET", "/training", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false, azk_serve__h_training},
    {"GET", "/api/v1/training", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_api_training},
    {"GET", "/control", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false, azk_serve__h_control},
    {"GET", "/api/v1/control", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_api_control},
    /* ---- end supervision ---- */

    /* ---- incidents: impact runs and PPC report drafts ---- */
    {"GET", "/incidents", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true, azk_serve__h_incidents},
    {"GET", "/api/v1/incidents", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true,
     azk_serve__h_api_incidents},
    {"GET", "/incident", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true, azk_serve__h_incident},
    {"GET", "/api/v1/incident", AZK_ACCESS_ROLES, AZK_ROLES_ALL, false, true,
     azk_serve__h_api_incident},
    {"POST", "/incidents/state", AZK_ACCESS_ROLES, AZK_ROLE_OPERATOR | AZK_ROLE_APPROVER, true,
     false, azk_serve__h_incident_state},
    {"POST", "/api/v1/incidents/state", AZK_ACCESS_ROLES, AZK_ROLE_OPERATOR | AZK_ROLE_APPROVER,
     true, false, azk_serve__h_incident_state},
    {"GET", "/static/incident.css", AZK_ACCESS_PUBLIC, 0, false, false, azk_serve__h_incident_css},
    /* ---- end incidents ---- */

    /* ---- agents pages: agents, cases, witness in HTML ---- */
    {"GET", "/agents", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false, azk_serve__h_agents_page},
    {"POST", "/agents/token", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN, true, false,
     azk_serve__h_agents_token_page},
    {"POST", "/agents/revoke", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN, true, false,
     azk_serve__h_agents_revoke_page},
    {"GET", "/agents/findings", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_agents_findings_page},
    {"GET", "/agents/witness", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_agents_witness_page},
    {"GET", "/agents/cases", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_agents_cases_page},
    {"GET", "/agents/case", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_agents_case_page},
    {"POST", "/agents/case/request", AZK_ACCESS_ROLES, AZK_ROLE_OPERATOR, true, false,
     azk_serve__h_agents_case_request_page},
    {"POST", "/agents/case/approve", AZK_ACCESS_ROLES, AZK_ROLE_APPROVER, true, false,
     azk_serve__h_agents_case_approve_page},
    /* ---- end agents pages ---- */

    /* ---- vendor management (a bank's own install) ---- */
    {"GET", "/vendors", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false, azk_serve__h_vendors},
    {"GET", "/api/v1/vendors", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_api_vendors},
    {"GET", "/vendor", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false, azk_serve__h_vendor},
    {"GET", "/api/v1/vendor", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_api_vendor},
    {"GET", "/static/vendor.css", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_vendor_css},
    {"GET", "/vendor/reports", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_vreports},
    {"GET", "/api/v1/vendor/reports", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_api_vreports},
    {"POST", "/vendor/reports/import", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vreport_import},
    {"POST", "/api/v1/vendor/reports/import", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR,
     true, false, azk_serve__h_vreport_import},
    {"GET", "/vendor/edit", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, false, false,
     azk_serve__h_vendor_edit},
    {"POST", "/vendors/add", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true, false,
     azk_serve__h_vendor_add},
    {"POST", "/api/v1/vendors/add", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vendor_add},
    {"POST", "/vendor/clause", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true, false,
     azk_serve__h_vendor_clause},
    {"POST", "/api/v1/vendor/clause", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vendor_clause},
    {"POST", "/vendor/audit", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true, false,
     azk_serve__h_vendor_audit},
    {"POST", "/api/v1/vendor/audit", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vendor_audit},
    {"POST", "/vendor/finding", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true, false,
     azk_serve__h_vendor_finding},
    {"POST", "/api/v1/vendor/finding", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vendor_finding},
    {"POST", "/vendor/finding/update", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vendor_finding_update},
    {"POST", "/api/v1/vendor/finding/update", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR,
     true, false, azk_serve__h_vendor_finding_update},
    {"POST", "/vendor/doc", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true, false,
     azk_serve__h_vendor_doc},
    {"POST", "/api/v1/vendor/doc", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vendor_doc},
    /* ---- end vendor management ---- */

    /* ---- vendor register in serve ---- */
    {"GET", "/vendor/register", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, false, false,
     azk_serve__h_vendor_register},
    {"POST", "/vendor/set", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true, false,
     azk_serve__h_vendor_set},
    {"POST", "/api/v1/vendor/set", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vendor_set},
    {"POST", "/vendor/contract", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true, false,
     azk_serve__h_vendor_contract},
    {"POST", "/api/v1/vendor/contract", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vendor_contract},
    {"POST", "/vendor/locations", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true, false,
     azk_serve__h_vendor_locations},
    {"POST", "/api/v1/vendor/locations", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vendor_locations},
    {"POST", "/vendor/sub/add", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true, false,
     azk_serve__h_vendor_sub_add},
    {"POST", "/api/v1/vendor/sub/add", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vendor_sub_add},
    {"POST", "/vendor/sub/remove", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vendor_sub_remove},
    {"POST", "/api/v1/vendor/sub/remove", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR,
     true, false, azk_serve__h_vendor_sub_remove},
    {"POST", "/vendor/key", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true, false,
     azk_serve__h_vendor_key},
    {"POST", "/api/v1/vendor/key", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vendor_key},
    {"POST", "/vendor/key/retire", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vendor_key_retire},
    {"POST", "/api/v1/vendor/key/retire", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR,
     true, false, azk_serve__h_vendor_key_retire},
    {"POST", "/vendor/rate", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true, false,
     azk_serve__h_vendor_rate},
    {"POST", "/api/v1/vendor/rate", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vendor_rate},
    {"POST", "/vendor/schedule", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true, false,
     azk_serve__h_vendor_schedule},
    {"POST", "/api/v1/vendor/schedule", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vendor_schedule},
    {"POST", "/vendor/schedule/remove", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vendor_unschedule},
    {"POST", "/api/v1/vendor/schedule/remove", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR,
     true, false, azk_serve__h_vendor_unschedule},
    {"POST", "/vendor/audit/plan", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vendor_audit_plan},
    {"POST", "/api/v1/vendor/audit/plan", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR,
     true, false, azk_serve__h_vendor_audit_plan},
    {"POST", "/vendor/audit/unplan", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vendor_audit_unplan},
    {"POST", "/api/v1/vendor/audit/unplan", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR,
     true, false, azk_serve__h_vendor_audit_unplan},
    /* ---- end vendor register in serve ---- */

    /* ---- vendor files and questionnaires ---- */
    {"GET", "/vendor/quest", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false, azk_serve__h_vquest},
    {"GET", "/api/v1/vendor/questionnaires", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_api_vquest},
    {"POST", "/vendor/quest/template", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vquest_template},
    {"POST", "/api/v1/vendor/templates", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vquest_template},
    {"POST", "/vendor/quest/send", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vquest_send},
    {"POST", "/api/v1/vendor/questionnaires/send", AZK_ACCESS_ROLES,
     AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true, false, azk_serve__h_vquest_send},
    {"POST", "/vendor/quest/receive", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vquest_receive},
    {"POST", "/api/v1/vendor/questionnaires/receive", AZK_ACCESS_ROLES,
     AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true, false, azk_serve__h_vquest_receive},
    {"POST", "/vendor/quest/review", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true,
     false, azk_serve__h_vquest_review},
    {"POST", "/api/v1/vendor/questionnaires/review", AZK_ACCESS_ROLES,
     AZK_ROLE_ADMIN | AZK_ROLE_OPERATOR, true, false, azk_serve__h_vquest_review},
    /* ---- end vendor files and questionnaires ---- */

    /* ---- dashboard summary ---- */
    {"GET", "/admin/user/grants", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_user_grants},
    {"GET", "/api/v1/user/grants", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_api_user_grants},
    /* ---- end dashboard summary ---- */

    /* ---- agent sweep and witness ---- */
    {"GET", "/api/v1/agents/witness/keys", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_witness_keys},
    {"POST", "/api/v1/agents/witness/keys/request", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN, true, false,
     azk_serve__h_witness_key_request},
    {"POST", "/api/v1/agents/witness/keys/approve", AZK_ACCESS_ROLES,
     AZK_ROLE_ADMIN | AZK_ROLE_APPROVER, true, false, azk_serve__h_witness_key_approve},
    {"GET", "/agents/witness/keys", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_witness_keys_page},
    {"POST", "/agents/witness/keys/request", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN, true, false,
     azk_serve__h_witness_key_request_page},
    {"POST", "/agents/witness/keys/approve", AZK_ACCESS_ROLES, AZK_ROLE_ADMIN | AZK_ROLE_APPROVER,
     true, false, azk_serve__h_witness_key_approve_page},
    /* ---- end agent sweep and witness ---- */

    /* ---- impact jobs: runs asked for here, run by azukari impact worker ---- */
    {"GET", "/impact/jobs", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_impact_jobs},
    {"GET", "/api/v1/impact/jobs", AZK_ACCESS_ROLES, AZK_ROLES_STAFF, false, false,
     azk_serve__h_api_impact_jobs},
    {"POST", "/impact/jobs/request", AZK_ACCESS_ROLES, AZK_ROLE_OPERATOR, true, false,
     azk_serve__h_impact_job_request},
    {"POST", "/api/v1/impact/jobs/request", AZK_ACCESS_ROLES, AZK_ROLE_OPERATOR, true, false,
     azk_serve__h_impact_job_request},
    {"POST", "/impact/jobs/approve", AZK_ACCESS_ROLES, AZK_ROLE_APPROVER, true, false,
     azk_serve__h_impact_job_approve},
    {"POST", "/api/v1/impact/jobs/approve", AZK_ACCESS_ROLES, AZK_ROLE_APPROVER, true, false,
     azk_serve__h_impact_job_approve},
    {"POST", "/impact/jobs/refuse", AZK_ACCESS_ROLES, AZK_ROLE_OPERATOR | AZK_ROLE_APPROVER, true,
     false, azk_serve__h_impact_job_refuse},
    {"POST", "/api/v1/impact/jobs/refuse", AZK_ACCESS_ROLES, AZK_ROLE_OPERATOR | AZK_ROLE_APPROVER,
     true, false, azk_serve__h_impact_job_refuse},
    /* ---- end impact jobs ---- */
};

/* Routes whose request body may be larger than AZK_SERVE_BODY_MAX (every other: 16 KiB). */
static const struct {
    const char *method, *path;
    size_t max;
} big_bodies[] = {
    /* ---- vendor management: a monthly report with its certificates ---- */
    {"POST", "/vendor/reports/import", AZK_SERVE_IMPORT_BODY_MAX},
    {"POST", "/api/v1/vendor/reports/import", AZK_SERVE_IMPORT_BODY_MAX},
    /* ---- end vendor management ---- */
    /* ---- vendor files and questionnaires ---- */
    {"POST", "/vendor/quest/template", AZK_SERVE_TEMPLATE_BODY_MAX},
    {"POST", "/api/v1/vendor/templates", AZK_SERVE_TEMPLATE_BODY_MAX},
    {"POST", "/vendor/quest/receive", AZK_SERVE_ANSWERS_BODY_MAX},
    {"POST", "/api/v1/vendor/questionnaires/receive", AZK_SERVE_ANSWERS_BODY_MAX},
    {"POST", "/vendor/doc", AZK_SERVE_DOC_BODY_MAX}, /* a certification's file (page only) */
    /* ---- end vendor files and questionnaires ---- */
};

size_t azk_serve__route_body_max(const char *method, const char *path)
{
    for (size_t i = 0;
         method != NULL && path != NULL && i < sizeof(big_bodies) / sizeof(big_bodies[0]); i++)
        if (strcmp(big_bodies[i].method, method) == 0 && strcmp(big_bodies[i].path, path) == 0)
            return big_bodies[i].max;
    return AZK_SERVE_BODY_MAX;
}

static const struct {
    unsigned bit;
    const char *name;
} role_names[] = {
    {AZK_ROLE_ADMIN, "administrator"}, {AZK_ROLE_OPERATOR, "operator"},
    {AZK_ROLE_APPROVER, "approver"},   {AZK_ROLE_AUDITOR, "auditor"},
    {AZK_ROLE_CLIENT, "client"},
};

unsigned azk_serve__role_bit(const char *name)
{
    for (size_t i = 0; name != NULL && i < sizeof(role_names) / sizeof(role_names[0]); i++)
        if (strcmp(name, role_names[i].name) == 0)
            return role_names[i].bit;
    return 0;
}

const char *azk_serve__role_name(unsigned bit)
{
    for (size_t i = 0; i < sizeof(role_names) / sizeof(role_names[0]); i++)
        if (role_names[i].bit == bit)
            return role_names[i].name;
    return NULL;
}

const struct azk_serve_route *azk_serve__routes(size_t *count)
{
    *count = sizeof(routes) / sizeof(routes[0]);
    return routes;
}

const struct azk_serve_route *azk_serve__route_find(const char *method, const char *path,
                                                    bool *path_known)
{
    *path_known = false;
    if (method == NULL || path == NULL)
        return NULL;
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strcmp(routes[i].path, path) != 0)
            continue;
        *path_known = true;
        if (strcmp(routes[i].method, method) == 0)
            return &routes[i];
    }
    return NULL;
}

azk_serve_authz azk_serve__authorize(const struct azk_serve_route *r,
                                     const struct azk_serve_principal *p)
{
    unsigned role;
    if (r == NULL)
        return AZK_AUTHZ_DENY;
    if (r->access == AZK_ACCESS_PUBLIC)
        return AZK_AUTHZ_ALLOW;
    if (r->access != AZK_ACCESS_ROLES || r->roles == 0)
        return AZK_AUTHZ_DENY; /* a route without a rule: nobody */
    if (p == NULL || !p->authenticated)
        return AZK_AUTHZ_LOGIN;
    role = p->role;
    /* exactly one known role bit */
    if (role == 0 || (role & (role - 1)) != 0 || (role & AZK_ROLES_ALL) != role)
        return AZK_AUTHZ_DENY;
    return (r->roles & role) != 0 ? AZK_AUTHZ_ALLOW : AZK_AUTHZ_DENY;
}

azk_status azk_serve__routes_check(void)
{
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        const struct azk_serve_route *r = &routes[i];
        bool post = r->method != NULL && strcmp(r->method, "POST") == 0;
        if (r->method == NULL || r->path == NULL || r->path[0] != '/' || r->handler == NULL)
            return azk_error_set(AZK_ERR_ARG, "serve: route %zu is incomplete", i);
        if (r->access != AZK_ACCESS_PUBLIC && (r->access != AZK_ACCESS_ROLES || r->roles == 0))
            return azk_error_set(AZK_ERR_ARG, "serve: route %s %s has no rule", r->method, r->path);
        if (post != r->changes_state)
            return azk_error_set(AZK_ERR_ARG,
                                 "serve: route %s %s: POST exactly when it changes state",
                                 r->method, r->path);
        for (size_t j = 0; j < i; j++)
            if (strcmp(routes[j].method, r->method) == 0 && strcmp(routes[j].path, r->path) == 0)
                return azk_error_set(AZK_ERR_ARG, "serve: route %s %s twice", r->method, r->path);
    }
    return AZK_OK;
}

struct grant_find {
    const char *client;
    bool found;
};

static azk_status grant_cb(const char *client, void *payload)
{
    struct grant_find *g = payload;
    if (client != NULL && strcmp(client, g->client) == 0)
        g->found = true;
    return AZK_OK;
}

azk_status azk_serve__may_see_client(azk_home *h, const struct azk_serve_principal *p,
                                     const char *client, bool *yes)
{
    struct grant_find g = {client, false};
    azk_status rc;
    AZK_ASSERT_ARG(h != NULL && p != NULL && client != NULL && yes != NULL);
    *yes = false;
    if (!p->authenticated)
        return AZK_OK;
    if ((p->role & AZK_ROLES_STAFF) != 0 && (p->role & (p->role - 1)) == 0) {
        *yes = true;
        return AZK_OK;
    }
    if (p->role != AZK_ROLE_CLIENT)
        return AZK_OK;
    rc = azk_store__grants_each(h, p->name, grant_cb, &g);
    if (rc == AZK_OK)
        *yes = g.found;
    return rc;
}
