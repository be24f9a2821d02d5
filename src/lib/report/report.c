/* SPDX-License-Identifier: Apache-2.0 */
/*
 * report/report.c -- scan reports: JSON Lines (the DESIGN.md contract), a
 * human text report (per object: counts by type, masked examples, entrusted
 * records; totals and the riskiest objects at the end), CSV (one row per
 * finding) and a JSON summary. Only masked values ever reach a report.
 * Text is translated through gettext (domain "azukari"; Japanese default).
 */
#include "azukari/scan.h"
#include "scan/scan_int.h"

#include <libintl.h>
#include <stdlib.h>
#include <string.h>

#define T_(s) dgettext("azukari", s)
#define TOP_N 10

struct top_entry {
    double score;
    char *label; /* path [member...] */
};

struct edm_total {
    char *client, *dataset;
    uint64_t *rows;
    size_t count, cap;
};

struct azk_report {
    azk_report_format fmt;
    azk_report_write_cb write;
    void *payload;
    azk_buf out;
    bool wrote_header;
    azk_status werr;
    /* totals */
    uint64_t objects, with_findings, errors, findings;
    uint64_t counts[AZK_PII__COUNT];
    struct top_entry top[TOP_N];
    size_t top_count;
    struct edm_total *edm;
    size_t edm_count, edm_cap;
};

static const char *type_label(azk_pii_type t)
{
    switch (t) {
        case AZK_PII_PERSON_NAME:
            return T_("person name");
        case AZK_PII_ADDRESS:
            return T_("address");
        case AZK_PII_POSTAL_CODE:
            return T_("postal code");
        case AZK_PII_PHONE:
            return T_("phone number");
        case AZK_PII_EMAIL:
            return T_("e-mail address");
        case AZK_PII_BIRTH_DATE:
            return T_("birth date");
        case AZK_PII_MY_NUMBER:
            return T_("My Number");
        case AZK_PII_CORPORATE_NUMBER:
            return T_("corporate number");
        case AZK_PII_BANK_ACCOUNT:
            return T_("bank account");
        case AZK_PII_CREDIT_CARD:
            return T_("credit card number");
        default:
            return "?";
    }
}

static azk_status flush(azk_report *r)
{
    if (r->out.len > 0 && r->werr == AZK_OK) {
        if (r->write((const char *)r->out.data, r->out.len, r->payload) != 0)
            r->werr = azk_error_set(AZK_ERR_IO, "report: write failed");
    }
    azk_buf_clear(&r->out);
    return r->werr;
}

azk_status azk_report_new(azk_report **out, azk_report_format fmt, azk_report_write_cb write,
                          void *payload)
{
    azk_report *r;
    azk_status rc;
    AZK_ASSERT_ARG(out != NULL);
    AZK_ASSERT_ARG(write != NULL);
    rc = azk__lib_init();
    if (rc != AZK_OK)
        return rc;
    r = azk_calloc(1, sizeof(*r));
    if (r == NULL)
        return azk_error_nomem();
    r->fmt = fmt;
    r->write = write;
    r->payload = payload;
    *out = r;
    return AZK_OK;
}

void azk_report_free(azk_report *r)
{
    if (r == NULL)
        return;
    for (size_t i = 0; i < r->top_count; i++)
        azk_free(r->top[i].label);
    for (size_t i = 0; i < r->edm_count; i++) {
        azk_free(r->edm[i].client);
        azk_free(r->edm[i].dataset);
        azk_free(r->edm[i].rows);
    }
    azk_free(r->edm);
    azk_buf_dispose(&r->out);
    azk_free(r);
}

/* path > member > ...; for text (printable) with control characters made visible:
 * a file or member name must not move the cursor or forge a report line */
static azk_status put_label(azk_buf *b, const azk_scan_result *res, bool printable)
{
    const char *path = res->path != NULL ? res->path : "";
    azk_status rc =
        printable ? azk_buf_put_printable(b, path, strlen(path)) : azk_buf_puts(b, path);
    for (size_t i = 0; rc == AZK_OK && i < res->member_count; i++) {
        rc = azk_buf_puts(b, " > ");
        if (rc == AZK_OK)
            rc = printable ? azk_buf_put_printable(b, res->member[i], strlen(res->member[i]))
                           : azk_buf_puts(b, res->member[i]);
    }
    return rc;
}

static azk_status track_top(azk_report *r, const azk_scan_result *res)
{
    size_t pos;
    azk_buf b = AZK_BUF_INIT;
    azk_status rc;
    if (res->score <= 0)
        return AZK_OK;
    if (r->top_count == TOP_N && r->top[TOP_N - 1].score >= res->score)
        return AZK_OK;
    rc = put_label(&b, res, false);
    if (rc != AZK_OK) {
        azk_buf_dispose(&b);
        return rc;
    }
    if (r->top_count == TOP_N) {
        azk_free(r->top[TOP_N - 1].label);
        r->top_count--;
    }
    pos = r->top_count;
    while (pos > 0 && r->top[pos - 1].score < res->score) {
        r->top[pos] = r->top[pos - 1];
        pos--;
    }
    r->top[pos].score = res->score;
    r->top[pos].label = azk_buf_detach(&b);
    r->top_count++;
    return AZK_OK;
}

static azk_status track_edm(azk_report *r, const azk_scan_result *res)
{
    for (size_t i = 0; i < res->edm_count; i++) {
        const azk_scan_edm *e = &res->edm[i];
        struct edm_total *t = NULL;
        for (size_t k = 0; k < r->edm_count; k++) {
            if (strcmp(r->edm[k].client, e->client) == 0 &&
                strcmp(r->edm[k].dataset, e->dataset) == 0) {
                t = &r->edm[k];
                break;
            }
        }
        if (t == NULL) {
            azk_status rc =
                azk_array_reserve(&r->edm, &r->edm_cap, r->edm_count, sizeof(*r->edm), 8);
            if (rc != AZK_OK)
                return rc;
            t = &r->edm[r->edm_count];
            memset(t, 0, sizeof(*t));
            t->client = azk_strdup(e->client);
            t->dataset = azk_strdup(e->dataset);
            if (t->client == NULL || t->dataset == NULL) {
                azk_free(t->client);
                azk_free(t->dataset);
                return azk_error_nomem();
            }
            r->edm_count++;
        }
        for (size_t k = 0; k < e->row_count; k++) {
            azk_status rc = azk_array_reserve(&t->rows, &t->cap, t->count, sizeof(*t->rows), 64);
            if (rc != AZK_OK)
                return rc;
            t->rows[t->count++] = e->rows[k];
        }
    }
    return AZK_OK;
}

static azk_status csv_field(azk_buf *b, const char *s)
{
    azk_status rc = azk_buf_putc(b, '"');
    for (; rc == AZK_OK && s != NULL && *s; s++) {
        if (*s == '"')
            rc = azk_buf_putc(b, '"');
        if (rc == AZK_OK)
            rc = azk_buf_putc(b, *s);
    }
    if (rc == AZK_OK)
        rc = azk_buf_putc(b, '"');
    return rc;
}

static azk_status csv_row_prefix(azk_buf *b, const azk_scan_result *res)
{
    azk_buf m = AZK_BUF_INIT;
    azk_status rc = AZK_OK;
    for (size_t i = 0; rc == AZK_OK && i < res->member_count; i++) {
        if (i > 0)
            rc = azk_buf_putc(&m, '/');
        if (rc == AZK_OK)
            rc = azk_buf_puts(&m, res->member[i]);
    }
    if (rc == AZK_OK)
        rc = csv_field(b, res->path);
    if (rc == AZK_OK)
        rc = azk_buf_putc(b, ',');
    if (rc == AZK_OK)
        rc = csv_field(b, m.data != NULL ? (const char *)m.data : "");
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, ",%s,%s,", res->format != NULL ? res->format : "",
                            res->encoding != NULL ? res->encoding : "");
    azk_buf_dispose(&m);
    return rc;
}

static azk_status add_csv(azk_report *r, const azk_scan_result *res)
{
    azk_status rc = AZK_OK;
    if (!r->wrote_header) {
        rc = azk_buf_puts(&r->out, "path,member,format,encoding,type,line,masked,confidence\n");
        r->wrote_header = true;
    }
    for (size_t i = 0; rc == AZK_OK && i < res->finding_count; i++) {
        const azk_scan_finding *f = &res->findings[i];
        rc = csv_row_prefix(&r->out, res);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&r->out, "%s,%llu,", azk_pii_type_name(f->type),
                                (unsigned long long)f->line);
        if (rc == AZK_OK)
            rc = csv_field(&r->out, f->masked);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&r->out, ",%.2f\n", f->confidence);
    }
    if (rc == AZK_OK && res->error != AZK_OK) {
        rc = csv_row_prefix(&r->out, res);
        if (rc == AZK_OK)
            rc = azk_buf_printf(&r->out, "error,0,");
        if (rc == AZK_OK)
            rc = csv_field(&r->out, res->error_message);
        if (rc == AZK_OK)
            rc = azk_buf_puts(&r->out, ",0\n");
    }
    return rc;
}

static azk_status add_text(azk_report *r, const azk_scan_result *res, size_t total)
{
    azk_buf *b = &r->out;
    azk_status rc;
    if (total == 0 && res->error == AZK_OK && res->edm_count == 0)
        return AZK_OK;
    rc = put_label(b, res, true);
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "  (%s%s%s)\n", res->format != NULL ? res->format : "-",
                            res->encoding != NULL ? ", " : "",
                            res->encoding != NULL ? res->encoding : "");
    if (rc == AZK_OK && res->error != AZK_OK)
        rc = azk_buf_printf(b, "  %s: [%s] %s\n", T_("error"), res->error_code,
                            res->error_message != NULL ? res->error_message : "");
    for (int t = 0; rc == AZK_OK && t < AZK_PII__COUNT; t++) {
        size_t shown = 0;
        if (res->counts[t] == 0)
            continue;
        rc = azk_buf_printf(b, "  %s: %zu", type_label((azk_pii_type)t), res->counts[t]);
        for (size_t i = 0; rc == AZK_OK && i < res->finding_count && shown < 3; i++) {
            if (res->findings[i].type != (azk_pii_type)t)
                continue;
            const azk_scan_finding *f = &res->findings[i];
            if (f->page > 0) /* PDF: the page names where it is */
                rc = azk_buf_printf(b, "%s%s (%s %lu, %s %llu)", shown == 0 ? "  " : ", ",
                                    f->masked, T_("page"), (unsigned long)f->page, T_("line"),
                                    (unsigned long long)f->line);
            else if (f->sheet != NULL) { /* spreadsheets: sheet and row */
                rc = azk_buf_printf(b, "%s%s (", shown == 0 ? "  " : ", ", f->masked);
                /* a name from the file: no control character reaches a terminal */
                for (const char *c = f->sheet; rc == AZK_OK && *c != '\0'; c++)
                    rc = azk_buf_putc(b, ((unsigned char)*c < 0x20 || *c == 0x7f) ? '?' : *c);
                if (rc == AZK_OK)
                    rc = azk_buf_printf(b, ", %s %llu)", T_("line"), (unsigned long long)f->line);
            } else
                rc = azk_buf_printf(b, "%s%s (%s %llu)", shown == 0 ? "  " : ", ", f->masked,
                                    T_("line"), (unsigned long long)f->line);
            shown++;
        }
        if (rc == AZK_OK)
            rc = azk_buf_putc(b, '\n');
    }
    for (size_t i = 0; rc == AZK_OK && i < res->edm_count; i++)
        rc = azk_buf_printf(b, "  %s: %s / %s: %zu %s\n", T_("entrusted records"),
                            res->edm[i].client, res->edm[i].dataset, res->edm[i].row_count,
                            T_("records"));
    if (rc == AZK_OK && total > 0)
        rc = azk_buf_printf(b, "  %s: %zu, %s: %.1f\n", T_("total"), total, T_("risk score"),
                            res->score);
    return rc;
}

azk_status azk_report_add(azk_report *r, const azk_scan_result *res)
{
    azk_status rc = AZK_OK;
    size_t total = 0;
    for (int t = 0; t < AZK_PII__COUNT; t++) {
        total += res->counts[t];
        r->counts[t] += res->counts[t];
    }
    r->objects++;
    r->findings += total;
    if (total > 0)
        r->with_findings++;
    if (res->error != AZK_OK)
        r->errors++;
    rc = track_top(r, res);
    if (rc == AZK_OK)
        rc = track_edm(r, res);
    if (rc != AZK_OK)
        return rc;
    switch (r->fmt) {
        case AZK_REPORT_JSONL: {
            /* the object without its findings through jansson, the findings
             * (up to max_findings per object) written directly */
            azk_scan_result bare = *res;
            json_t *j;
            char *s, *at;
            /* written directly, the same bytes as jansson's dump below, which
             * stays for what jansson refuses (a string that is not UTF-8) */
            rc = azk_scan__result_to_jsonl(&r->out, res);
            if (rc == AZK_OK)
                rc = azk_buf_putc(&r->out, '\n');
            if (rc != AZK_ERR_FORMAT)
                break;
            bare.finding_count = 0;
            j = azk_scan__result_to_json(&bare, true);
            if (j == NULL)
                return azk_error_nomem();
            s = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
            json_decref(j);
            if (s == NULL)
                return azk_error_nomem();
            /* inside JSON strings every quote is escaped: the first match is the key */
            at = strstr(s, "\"findings\":[]");
            if (at == NULL) {
                rc = azk_buf_puts(&r->out, s);
            } else {
                at += strlen("\"findings\":");
                rc = azk_buf_put(&r->out, s, (size_t)(at - s));
                if (rc == AZK_OK)
                    rc = azk_scan__findings_to_jsonl(&r->out, res);
                if (rc == AZK_OK)
                    rc = azk_buf_puts(&r->out, at + 2);
            }
            if (rc == AZK_OK)
                rc = azk_buf_putc(&r->out, '\n');
            azk_free(s);
            break;
        }
        case AZK_REPORT_TEXT:
            rc = add_text(r, res, total);
            break;
        case AZK_REPORT_CSV:
            rc = add_csv(r, res);
            break;
        case AZK_REPORT_SUMMARY:
            break;
    }
    if (rc != AZK_OK)
        return rc;
    return flush(r);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static size_t distinct_rows(struct edm_total *t)
{
    size_t n = 0;
    if (t->count == 0)
        return 0;
    qsort(t->rows, t->count, sizeof(uint64_t), cmp_u64);
    for (size_t i = 0; i < t->count; i++) {
        if (i == 0 || t->rows[i] != t->rows[i - 1])
            t->rows[n++] = t->rows[i];
    }
    t->count = n;
    return n;
}

static azk_status finish_summary(azk_report *r, const azk_scan_stats *st)
{
    json_t *o = json_object(), *c = json_object(), *top = json_array(), *edm = json_array();
    char *s = NULL;
    azk_status rc = AZK_OK;
    if (o == NULL || c == NULL || top == NULL || edm == NULL) {
        json_decref(o);
        json_decref(c);
        json_decref(top);
        json_decref(edm);
        return azk_error_nomem();
    }
    json_object_set_new(o, "files", json_integer((json_int_t)st->files));
    json_object_set_new(o, "objects", json_integer((json_int_t)r->objects));
    json_object_set_new(o, "objects_with_findings", json_integer((json_int_t)r->with_findings));
    json_object_set_new(o, "errors", json_integer((json_int_t)r->errors));
    json_object_set_new(o, "skipped", json_integer((json_int_t)st->skipped));
    json_object_set_new(o, "cached", json_integer((json_int_t)st->cached));
    json_object_set_new(o, "bytes", json_integer((json_int_t)st->bytes));
    json_object_set_new(o, "seconds", json_real(st->seconds));
    json_object_set_new(o, "findings", json_integer((json_int_t)r->findings));
    for (int t = 0; t < AZK_PII__COUNT; t++)
        json_object_set_new(c, azk_pii_type_name((azk_pii_type)t),
                            json_integer((json_int_t)r->counts[t]));
    json_object_set_new(o, "counts", c);
    for (size_t i = 0; i < r->top_count; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "object", json_string(r->top[i].label));
        json_object_set_new(e, "score", json_real(r->top[i].score));
        json_array_append_new(top, e);
    }
    json_object_set_new(o, "top", top);
    for (size_t i = 0; i < r->edm_count; i++) {
        json_t *e = json_object();
        json_object_set_new(e, "client", json_string(r->edm[i].client));
        json_object_set_new(e, "dataset", json_string(r->edm[i].dataset));
        json_object_set_new(e, "records", json_integer((json_int_t)distinct_rows(&r->edm[i])));
        json_array_append_new(edm, e);
    }
    json_object_set_new(o, "edm", edm);
    s = json_dumps(o, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
    json_decref(o);
    if (s == NULL)
        return azk_error_nomem();
    rc = azk_buf_puts(&r->out, s);
    if (rc == AZK_OK)
        rc = azk_buf_putc(&r->out, '\n');
    azk_free(s);
    return rc;
}

static azk_status finish_text(azk_report *r, const azk_scan_stats *st)
{
    azk_buf *b = &r->out;
    azk_status rc = azk_buf_printf(
        b, "\n== %s ==\n%s: %llu  %s: %llu  %s: %llu  %s: %llu  %s: %llu\n", T_("Summary"),
        T_("files"), (unsigned long long)st->files, T_("objects"), (unsigned long long)r->objects,
        T_("with personal data"), (unsigned long long)r->with_findings, T_("errors"),
        (unsigned long long)r->errors, T_("skipped"), (unsigned long long)st->skipped);
    for (int t = 0; rc == AZK_OK && t < AZK_PII__COUNT; t++) {
        if (r->counts[t] > 0)
            rc = azk_buf_printf(b, "  %s: %llu\n", type_label((azk_pii_type)t),
                                (unsigned long long)r->counts[t]);
    }
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "%s: %llu\n", T_("total findings"), (unsigned long long)r->findings);
    for (size_t i = 0; rc == AZK_OK && i < r->edm_count; i++) {
        size_t n = distinct_rows(&r->edm[i]);
        if (i == 0)
            rc = azk_buf_printf(b, "%s:\n", T_("Entrusted records found"));
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "  %s / %s: %zu %s\n", r->edm[i].client, r->edm[i].dataset, n,
                                T_("records"));
    }
    for (size_t i = 0; rc == AZK_OK && i < r->top_count; i++) {
        if (i == 0)
            rc = azk_buf_printf(b, "%s:\n", T_("Highest risk"));
        if (rc == AZK_OK)
            rc = azk_buf_printf(b, "  %6.1f  ", r->top[i].score);
        if (rc == AZK_OK)
            rc = azk_buf_put_printable(b, r->top[i].label, strlen(r->top[i].label));
        if (rc == AZK_OK)
            rc = azk_buf_putc(b, '\n');
    }
    if (rc == AZK_OK)
        rc = azk_buf_printf(b, "%s: %.1f MB, %.2f s\n", T_("read"), (double)st->bytes / 1e6,
                            st->seconds);
    return rc;
}

azk_status azk_report_finish(azk_report *r, const azk_scan_stats *st)
{
    azk_status rc = AZK_OK;
    azk_scan_stats zero;
    if (st == NULL) {
        memset(&zero, 0, sizeof(zero));
        st = &zero;
    }
    if (r->fmt == AZK_REPORT_SUMMARY)
        rc = finish_summary(r, st);
    else if (r->fmt == AZK_REPORT_TEXT)
        rc = finish_text(r, st);
    else if (r->fmt == AZK_REPORT_CSV && !r->wrote_header) {
        rc = azk_buf_puts(&r->out, "path,member,format,encoding,type,line,masked,confidence\n");
        r->wrote_header = true;
    }
    if (rc != AZK_OK)
        return rc;
    return flush(r);
}
