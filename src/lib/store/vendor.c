/* SPDX-License-Identifier: Apache-2.0 */
/*
 * store/vendor.c -- the SQL of vendor management (store/vendor.h): one
 * named statement per act or query on the tables of the "vendor" block of
 * store/schema_v5.c, in the dialect of store/db.h, and the vendor's ledger
 * event (appended and indexed inside the caller's transaction).
 */
#include "store/vendor.h"
#include "store/event.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VCOLS                                                                                      \
    "id, name, corporate_number, criticality, locations, risk, risk_reason, created_at,"           \
    " created_by, updated_at"
#define QCOLS                                                                                      \
    "id, vendor, template, revision, sent_at, due, state, answers, answers_sha256, received_at,"   \
    " score, reviewer, review_comment, reviewed_at"

/* sig: one letter per parameter, 't' text, 'i' integer (given as decimal text) */
static const struct {
    const char *what;
    const char *sig;
    const char *sql;
} vsql[AZK_VSQL__COUNT] = {
    [AZK_VSQL_VENDOR_INSERT] = {"add vendor", "tttttttt",
                                "INSERT INTO vendors(id,name,corporate_number,criticality,"
                                "locations,risk,risk_reason,created_at,created_by,updated_at)"
                                " VALUES(?,?,?,?,?,'',NULL,?,?,?)"},
    [AZK_VSQL_VENDOR_UPDATE] = {"update vendor", "tttttt",
                                "UPDATE vendors SET name=COALESCE(?,name),"
                                " corporate_number=COALESCE(?,corporate_number),"
                                " criticality=COALESCE(?,criticality),"
                                " locations=COALESCE(?,locations), updated_at=? WHERE id=?"},
    [AZK_VSQL_VENDOR_RISK] = {"rate vendor", "tttt",
                              "UPDATE vendors SET risk=?, risk_reason=?, updated_at=? WHERE id=?"},
    [AZK_VSQL_VENDOR_GET] = {"get vendor", "t", "SELECT " VCOLS " FROM vendors WHERE id=?"},
    [AZK_VSQL_VENDOR_LIST] = {"list vendors", "", "SELECT " VCOLS " FROM vendors ORDER BY id"},
    [AZK_VSQL_KEY_SET] = {"record vendor key", "ttttt",
                          "INSERT INTO vendor_keys(vendor,purpose,pubkey,fingerprint,added_at)"
                          " VALUES(?,?,?,?,?) ON CONFLICT(vendor,purpose) DO UPDATE SET"
                          " pubkey=excluded.pubkey, fingerprint=excluded.fingerprint,"
                          " added_at=excluded.added_at"},
    [AZK_VSQL_KEY_LIST] = {"list vendor keys", "t",
                           "SELECT purpose, pubkey, fingerprint, added_at FROM vendor_keys"
                           " WHERE vendor=? ORDER BY purpose"},
    [AZK_VSQL_KEY_GET] = {"get vendor key", "tt",
                          "SELECT pubkey, fingerprint FROM vendor_keys WHERE vendor=? AND"
                          " purpose=?"},
    [AZK_VSQL_SUB_ADD] = {"add sub-contractor", "tttt",
                          "INSERT INTO vendor_subs(vendor,sub,scope,added_at) VALUES(?,?,?,?)"},
    [AZK_VSQL_SUB_REMOVE] = {"remove sub-contractor", "tt",
                             "DELETE FROM vendor_subs WHERE vendor=? AND sub=?"},
    [AZK_VSQL_SUB_LIST] = {"list sub-contractors", "t",
                           "SELECT sub, scope, added_at FROM vendor_subs WHERE vendor=?"
                           " ORDER BY sub"},
    [AZK_VSQL_SUB_ALL] = {"list sub-contracting", "",
                          "SELECT vendor, sub FROM vendor_subs ORDER BY vendor, sub"},
    [AZK_VSQL_CONTRACT_SET] = {"record contract", "ttttt",
                               "INSERT INTO vendor_contracts(vendor,ref,signed_on,expires_on,"
                               "updated_at) VALUES(?,?,?,?,?) ON CONFLICT(vendor) DO UPDATE SET"
                               " ref=excluded.ref, signed_on=excluded.signed_on,"
                               " expires_on=excluded.expires_on, updated_at=excluded.updated_at"},
    [AZK_VSQL_CONTRACT_GET] = {"get contract", "t",
                               "SELECT ref, signed_on, expires_on, updated_at FROM"
                               " vendor_contracts WHERE vendor=?"},
    [AZK_VSQL_CLAUSE_SET] = {"record contract clause", "tttttt",
                             "INSERT INTO vendor_clauses(vendor,clause,status,on_date,note,"
                             "updated_at) VALUES(?,?,?,?,?,?) ON CONFLICT(vendor,clause) DO"
                             " UPDATE SET status=excluded.status, on_date=excluded.on_date,"
                             " note=excluded.note, updated_at=excluded.updated_at"},
    [AZK_VSQL_CLAUSE_LIST] = {"list contract clauses", "t",
                              "SELECT clause, status, on_date, note, updated_at FROM"
                              " vendor_clauses WHERE vendor=? ORDER BY clause"},
    [AZK_VSQL_TEMPLATE_ADD] = {"add questionnaire template", "titttt",
                               "INSERT INTO vendor_templates(id,revision,title,body,sha256,"
                               "imported_at) VALUES(?,?,?,?,?,?)"},
    [AZK_VSQL_TEMPLATE_GET] = {"get questionnaire template", "ti",
                               "SELECT title, body, sha256 FROM vendor_templates WHERE id=? AND"
                               " revision=?"},
    [AZK_VSQL_TEMPLATE_LAST] = {"get questionnaire template", "t",
                                "SELECT max(revision) FROM vendor_templates WHERE id=?"},
    [AZK_VSQL_TEMPLATE_LIST] = {"list questionnaire templates", "",
                                "SELECT id, revision, title, sha256, imported_at FROM"
                                " vendor_templates ORDER BY id, revision"},
    [AZK_VSQL_Q_ADD] = {"send questionnaire", "tttitt",
                        "INSERT INTO vendor_questionnaires(id,vendor,template,revision,sent_at,"
                        "due,state) VALUES(?,?,?,?,?,?,'sent')"},
    [AZK_VSQL_Q_GET] = {"get questionnaire", "t",
                        "SELECT " QCOLS " FROM vendor_questionnaires WHERE id=?"},
    [AZK_VSQL_Q_LIST] = {"list questionnaires", "t",
                         "SELECT " QCOLS " FROM vendor_questionnaires WHERE vendor=?"
                         " ORDER BY sent_at, id"},
    [AZK_VSQL_Q_ANSWER] = {"record answers", "tttt",
                           "UPDATE vendor_questionnaires SET answers=?, answers_sha256=?,"
                           " received_at=?, state='answered' WHERE id=? AND state='sent'"},
    [AZK_VSQL_Q_REVIEW] = {"record review", "ittttt",
                           "UPDATE vendor_questionnaires SET score=?, reviewer=?,"
                           " review_comment=?, reviewed_at=?, state='reviewed' WHERE id=? AND"
                           " state IN ('answered','reviewed') AND vendor=?"},
    [AZK_VSQL_FILE_ADD] = {"record vendor file", "tttttittt",
                           "INSERT INTO vendor_files(vendor,kind,ref,sha256,label,size,effective,"
                           "expires,added_at) VALUES(?,?,?,?,?,?,?,?,?)"},
    [AZK_VSQL_FILE_LIST] = {"list vendor files", "t",
                            "SELECT kind, ref, sha256, label, size, effective, expires, added_at"
                            " FROM vendor_files WHERE vendor=? ORDER BY added_at, kind, ref"},
    [AZK_VSQL_PLAN_SET] = {"schedule audits", "ttit",
                           "INSERT INTO vendor_audit_plans(vendor,kind,interval_months,start_on)"
                           " VALUES(?,?,?,?) ON CONFLICT(vendor,kind) DO UPDATE SET"
                           " interval_months=excluded.interval_months,"
                           " start_on=excluded.start_on"},
    [AZK_VSQL_PLAN_LIST] = {"list audit schedules", "t",
                            "SELECT p.kind, p.interval_months, p.start_on,"
                            " (SELECT max(a.done_on) FROM vendor_audits a WHERE"
                            " a.vendor=p.vendor AND a.kind=p.kind) FROM vendor_audit_plans p"
                            " WHERE p.vendor=? ORDER BY p.kind"},
    [AZK_VSQL_AUDIT_ADD] = {"record audit", "tttittt",
                            "INSERT INTO vendor_audits(id,vendor,kind,adhoc,done_on,summary,"
                            "recorded_at) VALUES(?,?,?,?,?,?,?)"},
    [AZK_VSQL_AUDIT_LIST] = {"list audits", "t",
                             "SELECT id, kind, adhoc, done_on, summary, recorded_at FROM"
                             " vendor_audits WHERE vendor=? ORDER BY done_on, id"},
    [AZK_VSQL_FINDING_ADD] = {"add finding", "ttttttttt",
                              "INSERT INTO vendor_findings(id,vendor,audit,title,severity,owner,"
                              "due,status,updated_at) VALUES(?,?,?,?,?,?,?,?,?)"},
    [AZK_VSQL_FINDING_UPDATE] = {"update finding", "tttttt",
                                 "UPDATE vendor_findings SET status=COALESCE(?,status),"
                                 " owner=COALESCE(?,owner), due=COALESCE(?,due), closed_on=?,"
                                 " updated_at=? WHERE id=?"},
    [AZK_VSQL_FINDING_GET] = {"get finding", "t",
                              "SELECT vendor, status, closed_on FROM vendor_findings WHERE id=?"},
    [AZK_VSQL_FINDING_LIST] = {"list findings", "t",
                               "SELECT id, audit, title, severity, owner, due, status, closed_on"
                               " FROM vendor_findings WHERE vendor=? ORDER BY due, id"},
    [AZK_VSQL_DOC_ADD] = {"record document", "ttttttttt",
                          "INSERT INTO vendor_docs(id,vendor,class,kind,ref,issued_on,"
                          "expires_on,received_on,sha256) VALUES(?,?,?,?,?,?,?,?,?)"},
    [AZK_VSQL_DOC_LIST] = {"list documents", "t",
                           "SELECT id, class, kind, ref, issued_on, expires_on, received_on,"
                           " sha256 FROM vendor_docs WHERE vendor=? ORDER BY received_on, id"},
    [AZK_VSQL_EVENT_ADD] = {"index vendor event", "titt",
                            "INSERT INTO vendor_events(vendor,ledger_index,action,at)"
                            " VALUES(?,?,?,?)"},
    [AZK_VSQL_EVENT_RANGE] = {"list vendor events", "ttt",
                              "SELECT ledger_index, action, at FROM vendor_events WHERE"
                              " vendor=? AND at>=? AND at<=? ORDER BY ledger_index"},
    /* vendor register in serve (session 6) */
    [AZK_VSQL_RATING_ADD] = {"record risk rating", "tttttt",
                             "INSERT INTO vendor_ratings(seq,vendor,risk,reason,rated_at,"
                             "rated_by) SELECT COALESCE(MAX(seq), 0) + 1, ?, ?, ?, ?, ? FROM"
                             " vendor_ratings WHERE vendor=?"},
    [AZK_VSQL_RATING_LIST] = {"list risk ratings", "t",
                              "SELECT risk, reason, rated_at, rated_by FROM vendor_ratings"
                              " WHERE vendor=? ORDER BY seq DESC"},
    [AZK_VSQL_KEY_RETIRE] = {"retire vendor key", "ttttt",
                             "INSERT INTO vendor_keys_retired(vendor,purpose,pubkey,fingerprint,"
                             "added_at,retired_at,retired_by,why) SELECT vendor, purpose, pubkey,"
                             " fingerprint, added_at, ?, ?, ? FROM vendor_keys WHERE vendor=? AND"
                             " purpose=?"},
    [AZK_VSQL_KEY_DELETE] = {"remove vendor key", "tt",
                             "DELETE FROM vendor_keys WHERE vendor=? AND purpose=?"},
    [AZK_VSQL_KEY_RETIRED] = {"list retired vendor keys", "t",
                              "SELECT purpose, fingerprint, added_at, retired_at, retired_by, why"
                              " FROM vendor_keys_retired WHERE vendor=? ORDER BY retired_at,"
                              " purpose"},
    [AZK_VSQL_KEY_WAS] = {"find retired vendor key", "ttt",
                          "SELECT retired_at FROM vendor_keys_retired WHERE vendor=? AND"
                          " purpose=? AND fingerprint=?"},
    [AZK_VSQL_KEY_OTHER] = {"find vendor key of another vendor", "tttt",
                            "SELECT vendor FROM vendor_keys WHERE fingerprint=? AND vendor<>?"
                            " UNION SELECT vendor FROM vendor_keys_retired WHERE fingerprint=?"
                            " AND vendor<>? ORDER BY 1 LIMIT 1"},
    [AZK_VSQL_PLAN_REMOVE] = {"remove audit schedule", "tt",
                              "DELETE FROM vendor_audit_plans WHERE vendor=? AND kind=?"},
    [AZK_VSQL_VENDOR_BRIEF] = {"list vendors", "",
                               "SELECT id, name, locations FROM vendors ORDER BY id"},
    [AZK_VSQL_ADHOC_ADD] = {"plan ad hoc audit", "tttttt",
                            "INSERT INTO vendor_audits_planned(vendor,kind,due_on,summary,"
                            "planned_at,planned_by) VALUES(?,?,?,?,?,?)"
                            " ON CONFLICT(vendor,kind,due_on) DO NOTHING"},
    [AZK_VSQL_ADHOC_LIST] = {"list planned audits", "t",
                             "SELECT p.kind, p.due_on, p.summary, p.planned_at, p.planned_by,"
                             " (SELECT min(a.done_on) FROM vendor_audits a WHERE"
                             " a.vendor=p.vendor AND a.kind=p.kind AND"
                             " a.recorded_at>=p.planned_at) FROM vendor_audits_planned p"
                             " WHERE p.vendor=? ORDER BY p.due_on, p.kind"},
    [AZK_VSQL_ADHOC_REMOVE] = {"cancel planned audit", "ttt",
                               "DELETE FROM vendor_audits_planned WHERE vendor=? AND kind=? AND"
                               " due_on=?"},
};

static azk_status prepare(azk_home *h, enum azk_vsql op, const char *const *params, size_t n,
                          azk_db_stmt **out)
{
    azk_status rc;
    const char *sig;
    AZK_ASSERT_ARG(h != NULL && (unsigned)op < AZK_VSQL__COUNT);
    sig = vsql[op].sig;
    if (strlen(sig) != n)
        return azk_error_set(AZK_ERR_ARG, "catalog: %s: %zu parameters, %zu given", vsql[op].what,
                             strlen(sig), n);
    rc = azk_db_prepare(h->cat, out, vsql[op].sql, vsql[op].what);
    if (rc != AZK_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        if (params[i] == NULL)
            azk_db_bind_null(*out, (int)i + 1);
        else if (sig[i] == 'i')
            azk_db_bind_int64(*out, (int)i + 1, strtoll(params[i], NULL, 10));
        else
            azk_db_bind_text(*out, (int)i + 1, params[i]);
    }
    return AZK_OK;
}

azk_status azk_store__vendor_run(azk_home *h, enum azk_vsql op, const char *const *params, size_t n,
                                 int64_t *changes)
{
    azk_db_stmt *st = NULL;
    azk_status rc = prepare(h, op, params, n, &st);
    int step;
    if (rc != AZK_OK)
        return rc;
    step = azk_db_step(st);
    if (step == AZK_DB_CONSTRAINT)
        rc = azk_error_set(AZK_ERR_ARG, "%s: already recorded", vsql[op].what);
    else if (step != AZK_DB_DONE)
        rc = AZK_ERR_DB;
    else if (changes != NULL)
        *changes = azk_db_changes(st);
    azk_db_finalize(st);
    return rc;
}

#define VSQL_MAX_COLS 16

azk_status azk_store__vendor_rows(azk_home *h, enum azk_vsql op, const char *const *params,
                                  size_t n, azk_store_vrow_cb cb, void *payload)
{
    azk_db_stmt *st = NULL;
    azk_status rc = prepare(h, op, params, n, &st);
    int step;
    size_t ncols = 0;
    const char *cols[VSQL_MAX_COLS];
    if (rc != AZK_OK)
        return rc;
    /* the column count of each query: the commas of its select list (outside parentheses,
     * up to the first " FROM " outside them) + 1 */
    {
        int depth = 0;
        ncols = 1;
        for (const char *s = vsql[op].sql + strlen("SELECT "); *s != '\0'; s++) {
            if (*s == '(')
                depth++;
            else if (*s == ')')
                depth--;
            else if (depth == 0 && *s == ',')
                ncols++;
            else if (depth == 0 && strncmp(s, " FROM ", 6) == 0)
                break;
        }
    }
    AZK_ASSERT_ARG(ncols <= VSQL_MAX_COLS);
    while ((step = azk_db_step(st)) == AZK_DB_ROW) {
        for (size_t i = 0; i < ncols; i++)
            cols[i] = azk_db_col_null(st, (int)i) ? NULL : azk_db_col_text(st, (int)i);
        rc = cb(cols, ncols, payload);
        if (rc != AZK_OK)
            goto done;
    }
    if (step != AZK_DB_DONE)
        rc = AZK_ERR_DB;
done:
    azk_db_finalize(st);
    return rc;
}

azk_status azk_store__vendor_event(azk_home *h, const char *vendor, const char *action,
                                   const char *extra_json)
{
    struct azk_store_event ev = {action, vendor, NULL, NULL, extra_json};
    uint64_t idx = 0;
    char num[24], now[32];
    const char *p[4];
    azk_status rc = azk_store__event(h, &ev, &idx);
    if (rc != AZK_OK)
        return rc;
    azk_store__now(now);
    (void)snprintf(num, sizeof(num), "%llu", (unsigned long long)idx);
    p[0] = vendor;
    p[1] = num;
    p[2] = action;
    p[3] = now;
    return azk_store__vendor_run(h, AZK_VSQL_EVENT_ADD, p, 4, NULL);
}
