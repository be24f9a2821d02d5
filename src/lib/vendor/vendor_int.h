/* SPDX-License-Identifier: Apache-2.0 */
/*
 * vendor/vendor_int.h -- what the files of vendor management share
 * (internal to src/lib/vendor/): argument checks (ids, dates, enums, the
 * corporate number), the vendor's change (transaction + ledger event),
 * files kept by hash in <home>/vendor/files/, the questionnaire file
 * formats (vendor/format.c, also the fuzz target) and the views' data.
 */
#ifndef AZK_VENDOR_INT_H
#define AZK_VENDOR_INT_H

#include "store/store.h"
#include "store/event.h"
#include "store/vendor.h"
#include "azukari/vendor.h"

#include <jansson.h>

/* Largest template, answers, request or response file. */
#define AZK_VENDOR_DOC_MAX (64u * 1024u * 1024u)
/* Largest file kept for a vendor (evidence, certificate, disclosure). */
#define AZK_VENDOR_FILE_MAX (32u * 1024u * 1024u)

/* The required contract clauses, in checklist order (NULL-terminated). */
extern const char *const azk_vendor__clauses[];

/* Is s one of the NULL-terminated list? */
bool azk_vendor__one_of(const char *s, const char *const *list);
/* "YYYY-MM-DD", a real day (norm/datetime.h). NULL is not a date. */
bool azk_vendor__date_ok(const char *s);
/* AZK_ERR_ARG naming `what` unless s is NULL (when optional) or a date. */
AZK_NODISCARD azk_status azk_vendor__check_date(const char *s, const char *what, bool optional);
/* 法人番号: digits (ASCII or full-width, '-' and spaces ignored) -> 13 ASCII digits whose check
 * digit holds (detect/validate.c). AZK_ERR_ARG otherwise. */
AZK_NODISCARD azk_status azk_vendor__corporate_number(const char *in, char out[14]);
/* AZK_ERR_NOTFOUND "vendor X is not registered" unless it is. */
AZK_NODISCARD azk_status azk_vendor__must_exist(azk_home *h, const char *id);
/* Today "YYYY-MM-DD" (UTC) into out, or a copy of `today` after checking it. */
AZK_NODISCARD azk_status azk_vendor__today(const char *today, char out[16]);
/* days since 1970 of a checked date */
int64_t azk_vendor__days(const char *date);
/* date + months (day clamped to the month's end) */
void azk_vendor__add_months(const char *date, int months, char out[16]);

/* SHA-256 of a byte range, lower-case hex (65 bytes). */
void azk_vendor__sha256_hex(const void *p, size_t n, char out[65]);
/* Read a whole file (regular, no symlink, <= max bytes). */
AZK_NODISCARD azk_status azk_vendor__read_file(const char *path, size_t max, azk_buf *out);
/* Keep bytes as <home>/vendor/files/<sha256> (written once, mode 0600). */
AZK_NODISCARD azk_status azk_vendor__keep(azk_home *h, const void *p, size_t n, char sha[65]);
/* Path of a kept file. */
AZK_NODISCARD azk_status azk_vendor__kept_path(azk_home *h, const char *sha, azk_buf *out);
/* Printable last path component of path (for labels: no directory names recorded). */
const char *azk_vendor__base(const char *path);

/*
 * One vendor change: begin a write transaction, (the caller's statements),
 * then azk_vendor__end with the action: the ledger event and commit, or
 * rollback on failure.
 */
AZK_NODISCARD azk_status azk_vendor__begin(azk_home *h);
AZK_NODISCARD azk_status azk_vendor__end(azk_home *h, azk_status rc, const char *vendor,
                                         const char *action, json_t *extra);

/* ---- file formats (vendor/format.c) ---------------------------------------- */

/*
 * Parse and check a questionnaire template ("azukari-vendor-template",
 * docs/vendor.md). *out (a new reference) is the template object. An
 * unknown field is AZK_ERR_FORMAT "template: <path>: unknown field
 * \"name\"". Untrusted input (fuzz/vendor_format_fuzzer.c).
 */
AZK_NODISCARD azk_status azk_vendor__template_parse(const char *text, size_t len, json_t **out);
/* Check a parsed template object (as above, for one embedded in a request). */
AZK_NODISCARD azk_status azk_vendor__template_check(json_t *t);
/*
 * Parse and check an answers file ("azukari-vendor-answers") against a
 * template: every question answered at most once, answers of the
 * question's kind, dates, evidence entries. *out the answers object.
 */
AZK_NODISCARD azk_status azk_vendor__answers_parse(const char *text, size_t len, json_t *tmpl,
                                                   json_t **out);
/* Check an answers object (as above) against a template. */
AZK_NODISCARD azk_status azk_vendor__answers_check(json_t *a, json_t *tmpl, bool embedded);

/* ---- views (vendor/view.c) ---------------------------------------------------- */

/*
 * Everything recorded about one vendor as a JSON object (register, keys,
 * sub-contractors, contract and clauses, questionnaires, files, audit
 * plans with next due dates, audits, findings, documents) plus "flags":
 * [{"code", "severity", "subject", "due"}], judged on `today`.
 * *out a new reference.
 */
AZK_NODISCARD azk_status azk_vendor__collect(azk_home *h, const char *id, const char *today,
                                             json_t **out);
/* The sub-contracting chain below vendor id (vendor/chain.c), inside the caller's read:
 * [{"depth", "vendor", "sub", "scope", "name", "locations", "cycle"}] in walk order. */
AZK_NODISCARD azk_status azk_vendor__chain(azk_home *h, const char *id, json_t **out);
/* The monthly reports imported from the vendor for the months of from..to (export_reports.c):
 * [{"key", "client", "month", "sha256", "document"}]; *out a new reference. */
AZK_NODISCARD azk_status azk_vendor__bundle_reports(azk_home *h, json_t *records, const char *from,
                                                    const char *to, json_t **out);
/* Check a bundle's "reports" offline against its records (export_reports.c). */
AZK_NODISCARD azk_status azk_vendor__verify_reports(json_t *reports, json_t *records,
                                                    const char *from, const char *to,
                                                    uint64_t *count, uint64_t *certs);
/* The printable Japanese page of a collected vendor (vendor/html.c). */
AZK_NODISCARD azk_status azk_vendor__html(json_t *v, const char *today, azk_buf *b);

#endif
