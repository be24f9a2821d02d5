/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vendor/audit.c -- audits and on-site inspections of a vendor (periodic
 * schedules and ad hoc records), findings and their remediation (owner,
 * due date, status), certifications, external audit reports and
 * financial-disclosure documents with the files received (kept by hash).
 * Next dues and overdue flags are judged in vendor/view.c.
 */
#include "vendor/vendor_int.h"

#include <stdio.h>
#include <string.h>

static const char *const audit_kinds[] = {"audit", "onsite", NULL};
static const char *const severities[] = {"high", "medium", "low", NULL};
static const char *const finding_states[] = {"open", "in-progress", "closed", NULL};
static const char *const cert_kinds[] = {"isms", "pmark", "soc1", "soc2", "other", NULL};
static const char *const doc_kinds[] = {"financial", "other", NULL};

static azk_status text_arg(const char *s, const char *what, size_t max)
{
    size_t n = s != NULL ? strlen(s) : 0;
    if (n == 0 || n > max || !azk_utf8_valid((const uint8_t *)s, n))
        return azk_error_set(AZK_ERR_ARG, "%s: 1-%zu bytes of UTF-8 text expected", what, max);
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 && s[i] != '\n')
            return azk_error_set(AZK_ERR_ARG, "%s: control characters are not allowed", what);
    return AZK_OK;
}

azk_status azk_vendor_audit_schedule(azk_home *h, const char *id, const char *kind,
                                     int interval_months, const char *start_on)
{
    azk_status rc;
    char num[16];
    json_t *extra;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    if (!azk_vendor__one_of(kind, audit_kinds))
        return azk_error_set(AZK_ERR_ARG, "audit kind must be audit or onsite");
    if (interval_months < 1 || interval_months > 120)
        return azk_error_set(AZK_ERR_ARG, "audit interval: 1-120 months");
    rc = azk_vendor__check_date(start_on, "first due date", false);
    if (rc == AZK_OK)
        rc = azk_vendor__must_exist(h, id);
    if (rc != AZK_OK)
        return rc;
    (void)snprintf(num, sizeof(num), "%d", interval_months);
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        return rc;
    {
        const char *p[] = {id, kind, num, start_on};
        rc = azk_store__vendor_run(h, AZK_VSQL_PLAN_SET, p, 4, NULL);
    }
    extra = json_pack("{s:s,s:i}", "kind", kind, "interval_months", interval_months);
    rc = azk_vendor__end(h, rc, id, "vendor.audit.schedule", extra);
    json_decref(extra);
    return rc;
}

azk_status azk_vendor_audit_unschedule(azk_home *h, const char *id, const char *kind)
{
    azk_status rc;
    int64_t ch = 0;
    json_t *extra;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    if (!azk_vendor__one_of(kind, audit_kinds))
        return azk_error_set(AZK_ERR_ARG, "audit kind must be audit or onsite");
    rc = azk_vendor__must_exist(h, id);
    if (rc != AZK_OK)
        return rc;
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        return rc;
    {
        const char *p[] = {id, kind};
        rc = azk_store__vendor_run(h, AZK_VSQL_PLAN_REMOVE, p, 2, &ch);
    }
    if (rc == AZK_OK && ch == 0)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "vendor %s has no %s schedule", id, kind);
    extra = json_pack("{s:s}", "kind", kind);
    rc = azk_vendor__end(h, rc, id, "vendor.audit.unschedule", extra);
    json_decref(extra);
    return rc;
}

azk_status azk_vendor_audit_plan(azk_home *h, const char *id, const char *kind, const char *due_on,
                                 const char *summary)
{
    azk_status rc;
    int64_t ch = 0;
    char now[32];
    json_t *extra;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    if (!azk_vendor__one_of(kind, audit_kinds))
        return azk_error_set(AZK_ERR_ARG, "audit kind must be audit or onsite");
    rc = azk_vendor__check_date(due_on, "planned date", false);
    if (rc == AZK_OK)
        rc = text_arg(summary, "summary", 500);
    if (rc == AZK_OK)
        rc = azk_vendor__must_exist(h, id);
    if (rc != AZK_OK)
        return rc;
    azk_store__now(now);
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        return rc;
    {
        const char *p[] = {id, kind, due_on, summary, now, azk_store__actor(h)};
        rc = azk_store__vendor_run(h, AZK_VSQL_ADHOC_ADD, p, 6, &ch);
    }
    if (rc == AZK_OK && ch == 0)
        rc = azk_error_set(AZK_ERR_ARG, "an ad hoc %s of %s is already planned for %s", kind, id,
                           due_on);
    extra = json_pack("{s:s,s:s}", "kind", kind, "due_on", due_on);
    rc = azk_vendor__end(h, rc, id, "vendor.audit.plan", extra);
    json_decref(extra);
    return rc;
}

azk_status azk_vendor_audit_unplan(azk_home *h, const char *id, const char *kind,
                                   const char *due_on)
{
    azk_status rc;
    int64_t ch = 0;
    json_t *extra;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    if (!azk_vendor__one_of(kind, audit_kinds))
        return azk_error_set(AZK_ERR_ARG, "audit kind must be audit or onsite");
    rc = azk_vendor__check_date(due_on, "planned date", false);
    if (rc == AZK_OK)
        rc = azk_vendor__must_exist(h, id);
    if (rc != AZK_OK)
        return rc;
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        return rc;
    {
        const char *p[] = {id, kind, due_on};
        rc = azk_store__vendor_run(h, AZK_VSQL_ADHOC_REMOVE, p, 3, &ch);
    }
    if (rc == AZK_OK && ch == 0)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no ad hoc %s of %s planned for %s", kind, id, due_on);
    extra = json_pack("{s:s,s:s}", "kind", kind, "due_on", due_on);
    rc = azk_vendor__end(h, rc, id, "vendor.audit.unplan", extra);
    json_decref(extra);
    return rc;
}

azk_status azk_vendor_audit_record(azk_home *h, const char *id, const char *kind, int adhoc,
                                   const char *done_on, const char *summary, char audit_id[37])
{
    azk_status rc;
    char uuid[37], now[32];
    json_t *extra;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    if (!azk_vendor__one_of(kind, audit_kinds))
        return azk_error_set(AZK_ERR_ARG, "audit kind must be audit or onsite");
    rc = azk_vendor__check_date(done_on, "date of the audit", false);
    if (rc == AZK_OK)
        rc = text_arg(summary, "summary", 4000);
    if (rc == AZK_OK)
        rc = azk_vendor__must_exist(h, id);
    if (rc != AZK_OK)
        return rc;
    azk_store__uuid(uuid);
    azk_store__now(now);
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        return rc;
    {
        const char *p[] = {uuid, id, kind, adhoc ? "1" : "0", done_on, summary, now};
        rc = azk_store__vendor_run(h, AZK_VSQL_AUDIT_ADD, p, 7, NULL);
    }
    extra = json_pack("{s:s,s:s,s:b,s:s}", "audit", uuid, "kind", kind, "adhoc", adhoc != 0,
                      "done_on", done_on);
    rc = azk_vendor__end(h, rc, id, "vendor.audit.record", extra);
    json_decref(extra);
    if (rc == AZK_OK && audit_id != NULL)
        memcpy(audit_id, uuid, 37);
    return rc;
}

static azk_status audit_of_cb(const char *const *cols, size_t ncols, void *payload)
{
    (void)ncols;
    if (strcmp(cols[0], (const char *)((const char *const *)payload)[0]) == 0)
        ((const char **)payload)[1] = "yes";
    return AZK_OK;
}

azk_status azk_vendor_finding_add(azk_home *h, const char *id, const char *audit_id,
                                  const char *title, const char *severity, const char *owner,
                                  const char *due, char finding_id[37])
{
    azk_status rc;
    char uuid[37], now[32];
    json_t *extra;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL);
    rc = text_arg(title, "finding", 2000);
    if (rc == AZK_OK && !azk_vendor__one_of(severity, severities))
        rc = azk_error_set(AZK_ERR_ARG, "severity must be high, medium or low");
    if (rc == AZK_OK)
        rc = text_arg(owner, "owner", 200);
    if (rc == AZK_OK)
        rc = azk_vendor__check_date(due, "due date", false);
    if (rc == AZK_OK)
        rc = azk_vendor__must_exist(h, id);
    if (rc == AZK_OK && audit_id != NULL) {
        const char *probe[2] = {audit_id, NULL};
        rc = azk_store__vendor_rows(h, AZK_VSQL_AUDIT_LIST, &id, 1, audit_of_cb, probe);
        if (rc == AZK_OK && probe[1] == NULL)
            rc = azk_error_set(AZK_ERR_NOTFOUND, "no audit %s of vendor %s", audit_id, id);
    }
    if (rc != AZK_OK)
        return rc;
    azk_store__uuid(uuid);
    azk_store__now(now);
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        return rc;
    {
        const char *p[] = {uuid, id, audit_id, title, severity, owner, due, "open", now};
        rc = azk_store__vendor_run(h, AZK_VSQL_FINDING_ADD, p, 9, NULL);
    }
    extra = json_pack("{s:s,s:s,s:s}", "finding", uuid, "severity", severity, "due", due);
    rc = azk_vendor__end(h, rc, id, "vendor.finding.add", extra);
    json_decref(extra);
    if (rc == AZK_OK && finding_id != NULL)
        memcpy(finding_id, uuid, 37);
    return rc;
}

struct finding_row {
    char vendor[72], status[16];
    bool found;
};

static azk_status finding_cb(const char *const *cols, size_t ncols, void *payload)
{
    struct finding_row *f = payload;
    (void)ncols;
    (void)snprintf(f->vendor, sizeof(f->vendor), "%s", cols[0]);
    (void)snprintf(f->status, sizeof(f->status), "%s", cols[1]);
    f->found = true;
    return AZK_OK;
}

azk_status azk_vendor_finding_update(azk_home *h, const char *finding_id, const char *status,
                                     const char *owner, const char *due, const char *closed_on)
{
    azk_status rc;
    struct finding_row f = {{0}, {0}, false};
    char now[32];
    json_t *extra;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && finding_id != NULL);
    if (status != NULL && !azk_vendor__one_of(status, finding_states))
        return azk_error_set(AZK_ERR_ARG, "finding status must be open, in-progress or closed");
    if (status != NULL && strcmp(status, "closed") == 0)
        rc = azk_vendor__check_date(closed_on, "closing date (--closed)", false);
    else if (closed_on != NULL)
        rc = azk_error_set(AZK_ERR_ARG, "a closing date goes with status closed");
    else
        rc = AZK_OK;
    if (rc == AZK_OK && owner != NULL)
        rc = text_arg(owner, "owner", 200);
    if (rc == AZK_OK)
        rc = azk_vendor__check_date(due, "due date", true);
    if (rc == AZK_OK && status == NULL && owner == NULL && due == NULL)
        rc = azk_error_set(AZK_ERR_ARG, "nothing to change (status, owner or due date)");
    if (rc != AZK_OK)
        return rc;
    azk_store__now(now);
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        return rc;
    rc = azk_store__vendor_rows(h, AZK_VSQL_FINDING_GET, &finding_id, 1, finding_cb, &f);
    if (rc == AZK_OK && !f.found)
        rc = azk_error_set(AZK_ERR_NOTFOUND, "no finding %s", finding_id);
    if (rc == AZK_OK) {
        /* reopening clears the closing date; other changes keep it */
        const char *keep = status != NULL ? closed_on : NULL;
        const char *p[] = {status, owner, due, keep, now, finding_id};
        if (status == NULL && strcmp(f.status, "closed") == 0)
            rc = azk_error_set(AZK_ERR_ARG, "finding %s is closed: reopen it with a status",
                               finding_id);
        else
            rc = azk_store__vendor_run(h, AZK_VSQL_FINDING_UPDATE, p, 6, NULL);
    }
    extra = json_pack("{s:s,s:s?,s:s?,s:b}", "finding", finding_id, "status", status, "due", due,
                      "owner_changed", owner != NULL);
    rc = azk_vendor__end(h, rc, f.found ? f.vendor : "?", "vendor.finding.update", extra);
    json_decref(extra);
    return rc;
}

azk_status azk_vendor_doc_add(azk_home *h, const char *id, const char *doc_class, const char *kind,
                              const char *ref, const char *issued_on, const char *expires_on,
                              const char *received_on, const char *file, char doc_id[37])
{
    azk_status rc;
    azk_buf data = AZK_BUF_INIT;
    char uuid[37], now[32], sha[65] = "", size[24];
    bool cert;
    json_t *extra;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL && id != NULL && doc_class != NULL);
    cert = strcmp(doc_class, "cert") == 0;
    if (!cert && strcmp(doc_class, "doc") != 0)
        return azk_error_set(AZK_ERR_ARG, "class must be cert or doc");
    if (!azk_vendor__one_of(kind, cert ? cert_kinds : doc_kinds))
        return azk_error_set(AZK_ERR_ARG, cert ? "certification kind must be isms, pmark, soc1, "
                                                 "soc2 or other"
                                               : "document kind must be financial or other");
    rc = text_arg(ref, cert ? "certificate number or report name" : "document title", 300);
    if (rc == AZK_OK)
        rc = azk_vendor__check_date(issued_on, "issued", true);
    if (rc == AZK_OK)
        rc = azk_vendor__check_date(expires_on, "expires", true);
    if (rc == AZK_OK)
        rc = azk_vendor__check_date(received_on, "received", false);
    if (rc == AZK_OK && cert && expires_on == NULL && strcmp(kind, "soc1") != 0 &&
        strcmp(kind, "soc2") != 0 && strcmp(kind, "other") != 0)
        rc = azk_error_set(AZK_ERR_ARG, "a certification (isms, pmark) needs its expiry date");
    if (rc == AZK_OK)
        rc = azk_vendor__must_exist(h, id);
    if (rc == AZK_OK && file != NULL)
        rc = azk_vendor__read_file(file, AZK_VENDOR_FILE_MAX, &data);
    if (rc == AZK_OK && file != NULL)
        rc = azk_vendor__keep(h, data.data, data.len, sha);
    if (rc != AZK_OK)
        goto done;
    azk_store__uuid(uuid);
    azk_store__now(now);
    (void)snprintf(size, sizeof(size), "%zu", data.len);
    rc = azk_vendor__begin(h);
    if (rc != AZK_OK)
        goto done;
    {
        const char *p[] = {uuid,       id,          doc_class,
                           kind,       ref,         issued_on,
                           expires_on, received_on, file != NULL ? sha : NULL};
        rc = azk_store__vendor_run(h, AZK_VSQL_DOC_ADD, p, 9, NULL);
    }
    if (rc == AZK_OK && file != NULL) {
        const char *p[] = {id,   doc_class, uuid,       sha, azk_vendor__base(file),
                           size, issued_on, expires_on, now};
        rc = azk_store__vendor_run(h, AZK_VSQL_FILE_ADD, p, 9, NULL);
    }
    extra = json_pack("{s:s,s:s,s:s,s:s?}", "document", uuid, "class", doc_class, "kind", kind,
                      "sha256", file != NULL ? sha : NULL);
    rc = azk_vendor__end(h, rc, id, cert ? "vendor.cert.add" : "vendor.doc.add", extra);
    json_decref(extra);
    if (rc == AZK_OK && doc_id != NULL)
        memcpy(doc_id, uuid, 37);
done:
    azk_buf_dispose(&data);
    return rc;
}

struct verify_ctx {
    azk_home *h;
    const char *vendor;
    azk_vendor_file_cb cb;
    void *payload;
    uint64_t bad;
};

static azk_status verify_row(const char *const *cols, size_t ncols, void *payload)
{
    struct verify_ctx *v = payload;
    azk_buf path = AZK_BUF_INIT, data = AZK_BUF_INIT;
    const char *problem = NULL;
    char sha[65];
    azk_status rc;
    (void)ncols;
    /* kind ref sha256 label size ... */
    rc = azk_vendor__kept_path(v->h, cols[2], &path);
    if (rc != AZK_OK)
        goto done;
    rc = azk_vendor__read_file((const char *)path.data, AZK_VENDOR_FILE_MAX, &data);
    if (rc == AZK_ERR_NOTFOUND) {
        problem = "missing (removed after upload)";
        rc = AZK_OK;
        azk_error_clear();
    } else if (rc == AZK_ERR_LIMIT) {
        problem = "changed after upload (grew past the limit)";
        rc = AZK_OK;
        azk_error_clear();
    } else if (rc == AZK_OK) {
        azk_vendor__sha256_hex(data.data, data.len, sha);
        if (strcmp(sha, cols[2]) != 0)
            problem = "changed after upload (SHA-256 differs)";
    }
    if (rc == AZK_OK && problem != NULL) {
        v->bad++;
        if (v->cb != NULL)
            rc = v->cb(v->vendor, cols[0], cols[1], cols[3], problem, v->payload);
    }
done:
    azk_buf_dispose(&path);
    azk_buf_dispose(&data);
    return rc;
}

static azk_status verify_vendor_cb(const char *const *cols, size_t ncols, void *payload)
{
    struct verify_ctx *v = payload;
    (void)ncols;
    v->vendor = cols[0];
    return azk_store__vendor_rows(v->h, AZK_VSQL_FILE_LIST, &cols[0], 1, verify_row, v);
}

azk_status azk_vendor_files_verify(azk_home *h, const char *id, azk_vendor_file_cb cb,
                                   void *payload, uint64_t *bad)
{
    struct verify_ctx v = {h, id, cb, payload, 0};
    azk_status rc;
    azk_error_clear();
    AZK_ASSERT_ARG(h != NULL);
    if (id != NULL) {
        rc = azk_vendor__must_exist(h, id);
        if (rc == AZK_OK)
            rc = azk_store__vendor_rows(h, AZK_VSQL_FILE_LIST, &id, 1, verify_row, &v);
    } else {
        /* vendor list first (the file rows are read per vendor) */
        rc = azk_store__vendor_rows(h, AZK_VSQL_VENDOR_LIST, NULL, 0, verify_vendor_cb, &v);
    }
    if (bad != NULL)
        *bad = v.bad;
    return rc;
}
